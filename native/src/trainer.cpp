// LoRA / QLoRA trainer on ggml. See trainer.h for the API and
// ../../../shared/notes/training-on-ggml.md (in the project's shared notes) for the traps this
// code avoids: split swiglu, no flash attention, supervised rows selected with get_rows before the
// output projection, gradient accumulators zeroed by us (we do not use ggml-opt's dynamic graphs),
// frozen weights in the plain CPU buffer (never the repack "extra" buffers).
#include "trainer.h"

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "gguf.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string fmt(const char * f, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, sizeof(buf), f, ap);
    va_end(ap);
    return buf;
}

void write_err(char * err, size_t len, const std::string & msg) {
    if (err && len) snprintf(err, len, "%s", msg.c_str());
}

enum class RopeMode { Normal, Neox };

struct Hparams {
    std::string arch;
    int64_t n_embd = 0, n_layer = 0, n_head = 0, n_head_kv = 0, n_ff = 0, n_vocab = 0, n_rot = 0, n_ctx_train = 0;
    int64_t head_dim = 0;            // attention.key_length; not always n_embd / n_head (Qwen3)
    float eps = 1e-5f, rope_base = 10000.f, rope_freq_scale = 1.0f;
    RopeMode rope = RopeMode::Normal;
    bool qkv_bias = false;           // qwen2
    bool qk_norm = false;            // qwen3: RMSNorm of each q and k head before RoPE
};

struct Lora {
    std::string base_name;
    ggml_tensor * base = nullptr;
    ggml_tensor * a = nullptr, * b = nullptr;          // trainable, F32
    ggml_tensor * ga = nullptr, * gb = nullptr;        // gradient accumulators
    ggml_tensor * ma = nullptr, * va = nullptr, * mb = nullptr, * vb = nullptr;  // AdamW moments
};

struct Layer {
    ggml_tensor * attn_norm, * wq, * wk, * wv, * wo, * bq, * bk, * bv, * q_norm, * k_norm, * ffn_norm, * w_gate, * w_up, * w_down;
    Lora * lq = nullptr, * lk = nullptr, * lv = nullptr, * lo = nullptr, * lgate = nullptr, * lup = nullptr, * ldown = nullptr;
};

struct Row {
    std::vector<int32_t> tokens, labels, segments;
    int32_t n_labelled = 0;
};

// Positions restart at 0 for each packed segment, as they would for the example alone.
std::vector<int32_t> positions_of(const std::vector<int32_t> & seg) {
    std::vector<int32_t> pos(seg.size());
    int32_t p = 0;
    for (size_t i = 0; i < seg.size(); i++) {
        p = (i > 0 && seg[i] == seg[i - 1]) ? p + 1 : 0;
        pos[i] = p;
    }
    return pos;
}

}  // namespace

struct dnt_trainer {
    dnt_params params{};
    Hparams hp;
    std::string model_path;
    ggml_backend_t backend = nullptr;
    ggml_context * ctx_w = nullptr;      // base weights (metadata)
    ggml_backend_buffer_t buf_w = nullptr;
    ggml_context * ctx_lora = nullptr;   // LoRA params, grads, moments, optimizer inputs
    ggml_backend_buffer_t buf_lora = nullptr;
    ggml_tensor * tok_embd = nullptr, * out_norm = nullptr, * output = nullptr;
    ggml_tensor * rope_freqs = nullptr;  // Llama 3.1+ per-dimension RoPE frequency factors
    std::vector<Layer> layers;
    std::vector<Lora> loras;             // stable addresses: reserved before use
    std::vector<ggml_tensor *> params_list, grads_list;
    ggml_tensor * loss_seed = nullptr;   // d(total)/d(micro loss) = 1 / rows in this step
    ggml_tensor * adamw_params = nullptr;
    ggml_gallocr_t galloc = nullptr;
    std::vector<uint8_t> ctx_compute_mem;
    std::vector<Row> rows[2];
    std::atomic<int32_t> step{0};        // optimizer steps done; read by other threads (dnt_current_step)
    int32_t micro = 0;                   // micro-batch index within the current step (dropout stream)
    uint64_t compute_bytes_max = 0;
    uint64_t weights_bytes = 0;
};

namespace {

ggml_tensor * get_weight(dnt_trainer * t, const std::string & name, bool required = true) {
    ggml_tensor * w = ggml_get_tensor(t->ctx_w, name.c_str());
    if (!w && required) throw Error(fmt("%s: tensor %s is missing", t->model_path.c_str(), name.c_str()));
    return w;
}

int64_t kv_u32(gguf_context * g, const std::string & key, int64_t fallback, bool required) {
    int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) {
        if (required) throw Error(fmt("model metadata %s is missing", key.c_str()));
        return fallback;
    }
    switch (gguf_get_kv_type(g, id)) {
        case GGUF_TYPE_UINT32: return gguf_get_val_u32(g, id);
        case GGUF_TYPE_INT32: return gguf_get_val_i32(g, id);
        case GGUF_TYPE_UINT64: return (int64_t) gguf_get_val_u64(g, id);
        default: throw Error(fmt("model metadata %s has an unexpected type", key.c_str()));
    }
}

float kv_f32(gguf_context * g, const std::string & key, float fallback) {
    int64_t id = gguf_find_key(g, key.c_str());
    if (id < 0) return fallback;
    if (gguf_get_kv_type(g, id) != GGUF_TYPE_FLOAT32) throw Error(fmt("model metadata %s must be FLOAT32", key.c_str()));
    return gguf_get_val_f32(g, id);
}

void ensure_cpu_backend(const char * backends_dir) {
    if (ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) return;
    if (backends_dir && *backends_dir) ggml_backend_load_all_from_path(backends_dir);
    if (!ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) ggml_backend_load_all();
    if (!ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) throw Error("no ggml CPU backend could be loaded");
}

ggml_backend_t make_cpu_backend(int32_t n_threads) {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    ggml_backend_t be = ggml_backend_dev_init(dev, nullptr);
    if (!be) throw Error("could not start the ggml CPU backend");
    auto set_threads = (ggml_backend_set_n_threads_t) ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), "ggml_backend_set_n_threads");
    if (set_threads && n_threads > 0) set_threads(be, n_threads);
    return be;
}

void load_model(dnt_trainer * t) {
    ggml_context * meta = nullptr;
    gguf_init_params gp = {/*no_alloc*/ true, &meta};
    gguf_context * g = gguf_init_from_file(t->model_path.c_str(), gp);
    if (!g) throw Error(fmt("%s: ggml could not read this GGUF file", t->model_path.c_str()));
    t->ctx_w = meta;
    try {
        Hparams & hp = t->hp;
        int64_t arch_id = gguf_find_key(g, "general.architecture");
        if (arch_id < 0) throw Error("general.architecture is missing");
        hp.arch = gguf_get_val_str(g, arch_id);
        if (hp.arch == "llama" || hp.arch == "mistral") {
            hp.rope = RopeMode::Normal;
        } else if (hp.arch == "qwen2") {
            hp.rope = RopeMode::Neox;
            hp.qkv_bias = true;
        } else if (hp.arch == "qwen3") {
            hp.rope = RopeMode::Neox;
            hp.qk_norm = true;
        } else {
            throw Error(fmt("architecture %s is not supported (llama, mistral, qwen2, qwen3)", hp.arch.c_str()));
        }
        const std::string a = hp.arch;
        hp.n_embd = kv_u32(g, a + ".embedding_length", 0, true);
        hp.n_layer = kv_u32(g, a + ".block_count", 0, true);
        hp.n_head = kv_u32(g, a + ".attention.head_count", 0, true);
        hp.n_head_kv = kv_u32(g, a + ".attention.head_count_kv", hp.n_head, false);
        hp.n_ff = kv_u32(g, a + ".feed_forward_length", 0, true);
        hp.n_ctx_train = kv_u32(g, a + ".context_length", 2048, false);
        hp.head_dim = kv_u32(g, a + ".attention.key_length", hp.n_embd / hp.n_head, false);
        if (kv_u32(g, a + ".attention.value_length", hp.head_dim, false) != hp.head_dim) throw Error("different key and value head sizes are not supported");
        hp.n_rot = kv_u32(g, a + ".rope.dimension_count", hp.head_dim, false);
        hp.eps = kv_f32(g, a + ".attention.layer_norm_rms_epsilon", 1e-5f);
        hp.rope_base = kv_f32(g, a + ".rope.freq_base", 10000.f);
        if (hp.n_head <= 0 || hp.head_dim <= 0 || hp.n_head_kv <= 0 || hp.n_head % hp.n_head_kv != 0 || hp.n_rot > hp.head_dim) {
            throw Error("inconsistent head counts or sizes");
        }
        const int64_t scaling = gguf_find_key(g, (a + ".rope.scaling.type").c_str());
        if (scaling >= 0) {
            const std::string type = gguf_get_val_str(g, scaling);
            if (type == "linear") {
                const float factor = kv_f32(g, a + ".rope.scaling.factor", 1.0f);
                if (factor > 0) hp.rope_freq_scale = 1.0f / factor;
            } else if (type != "none") {
                throw Error(fmt("rope scaling type %s is not supported (none, linear)", type.c_str()));
            }
        }

        // Frozen weights live in the plain CPU buffer type: the repack/"extra" buffers have no out_prod.
        t->buf_w = ggml_backend_alloc_ctx_tensors_from_buft(meta, ggml_backend_cpu_buffer_type());
        if (!t->buf_w) throw Error("out of memory allocating the model weights");
        ggml_backend_buffer_set_usage(t->buf_w, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
        FILE * f = fopen(t->model_path.c_str(), "rb");
        if (!f) throw Error("cannot open the model file");
        std::vector<uint8_t> tmp;
        const size_t data_off = gguf_get_data_offset(g);
        for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
            ggml_tensor * w = ggml_get_tensor(meta, gguf_get_tensor_name(g, i));
            const size_t n = ggml_nbytes(w);
            tmp.resize(n);
            if (fseeko(f, (off_t) (data_off + gguf_get_tensor_offset(g, i)), SEEK_SET) != 0 || fread(tmp.data(), 1, n, f) != n) {
                fclose(f);
                throw Error(fmt("tensor %s: short read", w->name));
            }
            ggml_backend_tensor_set(w, tmp.data(), 0, n);
            t->weights_bytes += n;
        }
        fclose(f);

        t->tok_embd = get_weight(t, "token_embd.weight");
        hp.n_vocab = t->tok_embd->ne[1];
        t->out_norm = get_weight(t, "output_norm.weight");
        t->rope_freqs = get_weight(t, "rope_freqs.weight", false);
        if (t->rope_freqs && (t->rope_freqs->type != GGML_TYPE_F32 || t->rope_freqs->ne[0] != hp.n_rot / 2)) throw Error("rope_freqs.weight has an unexpected type or size");
        t->output = get_weight(t, "output.weight", false);
        if (!t->output) t->output = t->tok_embd;  // tied embeddings (Qwen2.5 small models)
        t->layers.resize(hp.n_layer);
        for (int64_t l = 0; l < hp.n_layer; l++) {
            Layer & L = t->layers[l];
            auto w = [&](const char * n, bool req = true) { return get_weight(t, fmt("blk.%d.%s", (int) l, n), req); };
            L.attn_norm = w("attn_norm.weight");
            L.wq = w("attn_q.weight");
            L.wk = w("attn_k.weight");
            L.wv = w("attn_v.weight");
            L.wo = w("attn_output.weight");
            L.bq = w("attn_q.bias", hp.qkv_bias);
            L.bk = w("attn_k.bias", hp.qkv_bias);
            L.bv = w("attn_v.bias", hp.qkv_bias);
            L.q_norm = w("attn_q_norm.weight", hp.qk_norm);
            L.k_norm = w("attn_k_norm.weight", hp.qk_norm);
            L.ffn_norm = w("ffn_norm.weight");
            L.w_gate = w("ffn_gate.weight");
            L.w_up = w("ffn_up.weight");
            L.w_down = w("ffn_down.weight");
        }
    } catch (...) {
        gguf_free(g);
        throw;
    }
    gguf_free(g);
}

void create_lora(dnt_trainer * t) {
    const int32_t r = t->params.lora_rank;
    size_t n_targets = 0;
    for (int i = 0; i < 7; i++) n_targets += (t->params.targets >> i) & 1;
    if (n_targets == 0) throw Error("no LoRA target modules chosen");
    if (r <= 0) throw Error("LoRA rank must be positive");
    const size_t n_lora = n_targets * t->hp.n_layer;
    t->loras.reserve(n_lora);
    ggml_init_params ip = {(n_lora * 8 + 4) * ggml_tensor_overhead(), nullptr, true};
    t->ctx_lora = ggml_init(ip);
    for (size_t l = 0; l < t->layers.size(); l++) {
        Layer & L = t->layers[l];
        ggml_tensor * bases[7] = {L.wq, L.wk, L.wv, L.wo, L.w_gate, L.w_up, L.w_down};
        Lora ** slots[7] = {&L.lq, &L.lk, &L.lv, &L.lo, &L.lgate, &L.lup, &L.ldown};
        for (int i = 0; i < 7; i++) {
            if (!((t->params.targets >> i) & 1)) continue;
            t->loras.emplace_back();
            Lora & lo = t->loras.back();
            lo.base = bases[i];
            lo.base_name = bases[i]->name;
            const int64_t n_in = lo.base->ne[0], n_out = lo.base->ne[1];
            auto mk = [&](int64_t ne0, int64_t ne1, const std::string & suffix) {
                ggml_tensor * x = ggml_new_tensor_2d(t->ctx_lora, GGML_TYPE_F32, ne0, ne1);
                ggml_set_name(x, (lo.base_name + suffix).c_str());
                return x;
            };
            lo.a = mk(n_in, r, ".lora_a");
            lo.b = mk(r, n_out, ".lora_b");
            lo.ga = mk(n_in, r, ".lora_a.grad");
            lo.gb = mk(r, n_out, ".lora_b.grad");
            lo.ma = mk(n_in, r, ".lora_a.adam_m");
            lo.va = mk(n_in, r, ".lora_a.adam_v");
            lo.mb = mk(r, n_out, ".lora_b.adam_m");
            lo.vb = mk(r, n_out, ".lora_b.adam_v");
            ggml_set_param(lo.a);
            ggml_set_param(lo.b);
            *slots[i] = &lo;
            t->params_list.push_back(lo.a);
            t->params_list.push_back(lo.b);
            t->grads_list.push_back(lo.ga);
            t->grads_list.push_back(lo.gb);
        }
    }
    t->loss_seed = ggml_new_tensor_1d(t->ctx_lora, GGML_TYPE_F32, 1);
    ggml_set_name(t->loss_seed, "loss_seed");
    t->adamw_params = ggml_new_tensor_1d(t->ctx_lora, GGML_TYPE_F32, 7);
    ggml_set_name(t->adamw_params, "adamw_params");
    t->buf_lora = ggml_backend_alloc_ctx_tensors(t->ctx_lora, t->backend);
    if (!t->buf_lora) throw Error("out of memory allocating LoRA tensors");
    ggml_backend_buffer_clear(t->buf_lora, 0);

    // PEFT's init: A ~ kaiming-uniform (bound 1/sqrt(n_in)), B = 0, so the adapter starts as a no-op.
    std::mt19937_64 rng(t->params.seed);
    std::vector<float> v;
    for (Lora & lo : t->loras) {
        const float bound = 1.0f / std::sqrt((float) lo.a->ne[0]);
        std::uniform_real_distribution<float> dist(-bound, bound);
        v.resize(ggml_nelements(lo.a));
        for (float & x : v) x = dist(rng);
        ggml_backend_tensor_set(lo.a, v.data(), 0, ggml_nbytes(lo.a));
    }
}

struct Graph {
    ggml_context * ctx = nullptr;
    ggml_cgraph * gf = nullptr;
    ggml_tensor * tokens = nullptr, * pos = nullptr, * mask = nullptr, * sup = nullptr, * labels = nullptr, * loss = nullptr;
    int32_t n_sup = 0;
    bool dropout = false;                       // training graphs only
    std::vector<ggml_tensor *> dropout_masks;   // one per LoRA module, filled in set_inputs
    ~Graph() { if (ctx) ggml_free(ctx); }
};

ggml_tensor * lora_mm(dnt_trainer * t, Graph & G, ggml_tensor * w, const Lora * lo, ggml_tensor * x) {
    ggml_context * ctx = G.ctx;
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);
    if (lo) {
        // Same arithmetic as llama.cpp's adapter path: y += (alpha / r) * B (A x).
        ggml_tensor * xin = x;
        if (G.dropout) {
            // LoRA dropout (PEFT's placement: on the adapter's input only). ggml has no random op,
            // so the keep-mask (0 or 1/(1-p)) is an input tensor filled from a seeded stream.
            ggml_tensor * keep = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, x->ne[0], x->ne[1]);
            ggml_set_input(keep);
            G.dropout_masks.push_back(keep);
            xin = ggml_mul(ctx, x, keep);
        }
        ggml_tensor * ax = ggml_mul_mat(ctx, lo->a, xin);
        ggml_tensor * bax = ggml_mul_mat(ctx, lo->b, ax);
        y = ggml_add(ctx, y, ggml_scale(ctx, bax, t->params.lora_alpha / (float) t->params.lora_rank));
    }
    return y;
}

constexpr size_t GRAPH_SIZE = 16384;

// Builds the forward graph of one row up to the loss over its labelled positions.
void build_forward(dnt_trainer * t, Graph & G, int32_t n_tokens, int32_t n_sup, bool grads) {
    G.dropout = grads && t->params.lora_dropout > 0.0f;
    const Hparams & hp = t->hp;
    const size_t mem = GRAPH_SIZE * ggml_tensor_overhead() * 2 + ggml_graph_overhead_custom(GRAPH_SIZE, grads);
    ggml_init_params ip = {mem, nullptr, true};
    G.ctx = ggml_init(ip);
    ggml_context * ctx = G.ctx;
    G.gf = ggml_new_graph_custom(ctx, GRAPH_SIZE, grads);
    G.n_sup = n_sup;

    G.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens);
    G.pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens);
    G.mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n_tokens, n_tokens);
    G.sup = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_sup);
    G.labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, hp.n_vocab, n_sup);
    for (ggml_tensor * x : {G.tokens, G.pos, G.mask, G.sup, G.labels}) ggml_set_input(x);

    const int64_t hd = hp.head_dim;
    const float kq_scale = 1.0f / std::sqrt((float) hd);
    const int rope_mode = hp.rope == RopeMode::Neox ? GGML_ROPE_TYPE_NEOX : 0;

    ggml_tensor * x = ggml_get_rows(ctx, t->tok_embd, G.tokens);
    for (const Layer & L : t->layers) {
        ggml_tensor * h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.eps), L.attn_norm);
        ggml_tensor * q = lora_mm(t, G, L.wq, L.lq, h);
        ggml_tensor * k = lora_mm(t, G, L.wk, L.lk, h);
        ggml_tensor * v = lora_mm(t, G, L.wv, L.lv, h);
        if (hp.qkv_bias) {
            q = ggml_add(ctx, q, L.bq);
            k = ggml_add(ctx, k, L.bk);
            v = ggml_add(ctx, v, L.bv);
        }
        q = ggml_reshape_3d(ctx, q, hd, hp.n_head, n_tokens);
        k = ggml_reshape_3d(ctx, k, hd, hp.n_head_kv, n_tokens);
        v = ggml_reshape_3d(ctx, v, hd, hp.n_head_kv, n_tokens);
        if (hp.qk_norm) {
            q = ggml_mul(ctx, ggml_rms_norm(ctx, q, hp.eps), L.q_norm);
            k = ggml_mul(ctx, ggml_rms_norm(ctx, k, hp.eps), L.k_norm);
        }
        q = ggml_rope_ext(ctx, q, G.pos, t->rope_freqs, (int) hp.n_rot, rope_mode, (int) hp.n_ctx_train, hp.rope_base, hp.rope_freq_scale, 0.0f, 1.0f, 0.0f, 0.0f);
        k = ggml_rope_ext(ctx, k, G.pos, t->rope_freqs, (int) hp.n_rot, rope_mode, (int) hp.n_ctx_train, hp.rope_base, hp.rope_freq_scale, 0.0f, 1.0f, 0.0f, 0.0f);
        // Plain attention (flash_attn_ext has no backward). GQA: k/v heads broadcast in mul_mat.
        ggml_tensor * Q = ggml_permute(ctx, q, 0, 2, 1, 3);                 // [hd, T, H]
        ggml_tensor * K = ggml_permute(ctx, k, 0, 2, 1, 3);                 // [hd, T, Hkv]
        ggml_tensor * kq = ggml_mul_mat(ctx, K, Q);                         // [T, T, H]
        kq = ggml_soft_max_ext(ctx, kq, G.mask, kq_scale, 0.0f);
        ggml_tensor * V = ggml_cont(ctx, ggml_permute(ctx, v, 1, 2, 0, 3)); // [T, hd, Hkv]
        ggml_tensor * kqv = ggml_mul_mat(ctx, V, kq);                       // [hd, T, H]
        ggml_tensor * o = ggml_cont(ctx, ggml_permute(ctx, kqv, 0, 2, 1, 3));
        o = ggml_reshape_2d(ctx, o, hd * hp.n_head, n_tokens);
        x = ggml_add(ctx, x, lora_mm(t, G, L.wo, L.lo, o));

        h = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.eps), L.ffn_norm);
        ggml_tensor * gate = lora_mm(t, G, L.w_gate, L.lgate, h);
        ggml_tensor * up = lora_mm(t, G, L.w_up, L.lup, h);
        // Split SwiGLU: the fused swiglu op has no backward.
        ggml_tensor * act = ggml_mul(ctx, ggml_silu(ctx, gate), up);
        x = ggml_add(ctx, x, lora_mm(t, G, L.w_down, L.ldown, act));
    }
    x = ggml_mul(ctx, ggml_rms_norm(ctx, x, hp.eps), t->out_norm);
    // Only labelled positions reach the output projection: all-zero label rows would not mask the
    // cross-entropy gradient, and projecting unlabelled positions is wasted work.
    x = ggml_get_rows(ctx, x, G.sup);
    ggml_tensor * logits = ggml_mul_mat(ctx, t->output, x);  // [n_vocab, n_sup]
    G.loss = ggml_cross_entropy_loss(ctx, logits, G.labels);  // mean over labelled positions
    ggml_set_output(G.loss);
    ggml_set_loss(G.loss);
    ggml_build_forward_expand(G.gf, G.loss);
}

void set_inputs(dnt_trainer * t, Graph & G, const Row & row) {
    const int32_t n = (int32_t) row.tokens.size();
    ggml_backend_tensor_set(G.tokens, row.tokens.data(), 0, n * sizeof(int32_t));
    std::vector<int32_t> pos = positions_of(row.segments);
    ggml_backend_tensor_set(G.pos, pos.data(), 0, n * sizeof(int32_t));
    // Causal within a segment, nothing across segments (packed examples do not see each other).
    std::vector<float> mask((size_t) n * n, -INFINITY);
    for (int32_t i = 0; i < n; i++) {
        for (int32_t j = 0; j <= i; j++) {
            if (row.segments[j] == row.segments[i]) mask[(size_t) i * n + j] = 0.0f;
        }
    }
    ggml_backend_tensor_set(G.mask, mask.data(), 0, mask.size() * sizeof(float));
    std::vector<int32_t> sup;
    std::vector<float> onehot;
    onehot.assign((size_t) G.n_sup * t->hp.n_vocab, 0.0f);
    for (int32_t i = 0; i < n; i++) {
        if (row.labels[i] < 0) continue;
        onehot[sup.size() * t->hp.n_vocab + row.labels[i]] = 1.0f;
        sup.push_back(i);
    }
    ggml_backend_tensor_set(G.sup, sup.data(), 0, sup.size() * sizeof(int32_t));
    ggml_backend_tensor_set(G.labels, onehot.data(), 0, onehot.size() * sizeof(float));
    if (!G.dropout_masks.empty()) {
        // The stream depends only on (seed, step, micro-batch): a resumed run draws the same masks.
        const float p = t->params.lora_dropout, scale = 1.0f / (1.0f - p);
        std::mt19937_64 rng(t->params.seed ^ (0xD1B54A32D192ED03ull * (uint64_t) (t->step + 1)) ^ (0x94D049BB133111EBull * (uint64_t) (t->micro + 1)));
        const uint64_t threshold = (uint64_t) ((double) p * 18446744073709551615.0);
        std::vector<float> keep;
        for (ggml_tensor * m : G.dropout_masks) {
            keep.resize(ggml_nelements(m));
            for (float & k : keep) k = rng() < threshold ? 0.0f : scale;
            ggml_backend_tensor_set(m, keep.data(), 0, ggml_nbytes(m));
        }
    }
}

void alloc_graph(dnt_trainer * t, ggml_cgraph * gf) {
    if (!ggml_gallocr_alloc_graph(t->galloc, gf)) throw Error("out of memory allocating the compute graph");
    t->compute_bytes_max = std::max<uint64_t>(t->compute_bytes_max, ggml_gallocr_get_buffer_size(t->galloc, 0));
}

// Gradients go into our persistent accumulators: the backward pass adds into them (inplace), so
// they must be zeroed by us after each optimizer step. The loss gradient seed is a persistent
// tensor holding 1 / rows-per-step.
void add_backward(dnt_trainer * t, Graph & G) {
    const int n_nodes = ggml_graph_n_nodes(G.gf);
    std::vector<ggml_tensor *> accs(n_nodes, nullptr);
    std::map<ggml_tensor *, ggml_tensor *> grad_of;
    for (size_t i = 0; i < t->params_list.size(); i++) grad_of[t->params_list[i]] = t->grads_list[i];
    for (int i = 0; i < n_nodes; i++) {
        ggml_tensor * node = ggml_graph_node(G.gf, i);
        auto it = grad_of.find(node);
        if (it != grad_of.end()) accs[i] = it->second;
        if (node == G.loss) accs[i] = t->loss_seed;
    }
    ggml_build_backward_expand(G.ctx, G.gf, accs.data());
}

// Forward (and, with backward, gradient accumulation) of one row. Returns the mean loss.
float run_row(dnt_trainer * t, const Row & row, bool backward) {
    if (row.n_labelled == 0) throw Error("row has no labelled tokens");
    Graph G;
    build_forward(t, G, (int32_t) row.tokens.size(), row.n_labelled, backward);
    if (backward) add_backward(t, G);
    alloc_graph(t, G.gf);
    set_inputs(t, G, row);
    if (ggml_backend_graph_compute(t->backend, G.gf) != GGML_STATUS_SUCCESS) throw Error("graph compute failed");
    float loss = 0;
    ggml_backend_tensor_get(G.loss, &loss, 0, sizeof(float));
    return loss;
}

void zero_grads(dnt_trainer * t) {
    for (ggml_tensor * g : t->grads_list) {
        std::vector<uint8_t> z(ggml_nbytes(g), 0);
        ggml_backend_tensor_set(g, z.data(), 0, z.size());
    }
}

double grad_norm(dnt_trainer * t) {
    double s = 0;
    std::vector<float> v;
    for (ggml_tensor * g : t->grads_list) {
        v.resize(ggml_nelements(g));
        ggml_backend_tensor_get(g, v.data(), 0, ggml_nbytes(g));
        for (float x : v) s += (double) x * x;
    }
    return std::sqrt(s);
}

float lr_at(const dnt_params & p, int32_t step, int32_t total) {
    if (p.warmup_steps > 0 && step < p.warmup_steps) return p.learning_rate * (float) (step + 1) / (float) p.warmup_steps;
    const int32_t decay = std::max(1, total - p.warmup_steps);
    const float progress = std::min(1.0f, (float) (step - p.warmup_steps) / (float) decay);
    const float cosine = 0.5f * (1.0f + std::cos((float) M_PI * progress));
    return p.learning_rate * (p.min_lr_ratio + (1.0f - p.min_lr_ratio) * cosine);
}

void optimizer_step(dnt_trainer * t, float lr) {
    const dnt_params & p = t->params;
    const int iter = t->step + 1;  // AdamW bias correction counts from 1
    const float par[7] = {lr, p.adam_beta1, p.adam_beta2, p.adam_eps, p.weight_decay,
                          1.0f / (1.0f - std::pow(p.adam_beta1, (float) iter)), 1.0f / (1.0f - std::pow(p.adam_beta2, (float) iter))};
    ggml_backend_tensor_set(t->adamw_params, par, 0, sizeof(par));
    const size_t mem = (t->loras.size() * 4 + 16) * ggml_tensor_overhead() + ggml_graph_overhead();
    ggml_init_params ip = {mem, nullptr, true};
    ggml_context * ctx = ggml_init(ip);
    ggml_cgraph * gf = ggml_new_graph(ctx);
    for (Lora & lo : t->loras) {
        ggml_build_forward_expand(gf, ggml_opt_step_adamw(ctx, lo.a, lo.ga, lo.ma, lo.va, t->adamw_params));
        ggml_build_forward_expand(gf, ggml_opt_step_adamw(ctx, lo.b, lo.gb, lo.mb, lo.vb, t->adamw_params));
    }
    alloc_graph(t, gf);
    const ggml_status st = ggml_backend_graph_compute(t->backend, gf);
    ggml_free(ctx);
    if (st != GGML_STATUS_SUCCESS) throw Error("optimizer step failed");
}

int32_t steps_per_epoch(const dnt_trainer * t) {
    const int32_t n = (int32_t) t->rows[0].size();
    return (n + t->params.grad_accum - 1) / t->params.grad_accum;
}

// The order of rows in an epoch depends only on (seed, epoch), so a resumed run sees the same order.
std::vector<int32_t> epoch_order(const dnt_trainer * t, int32_t epoch) {
    std::vector<int32_t> order(t->rows[0].size());
    for (size_t i = 0; i < order.size(); i++) order[i] = (int32_t) i;
    std::mt19937_64 rng(t->params.seed * 0x9E3779B97F4A7C15ull + (uint64_t) epoch + 1);
    for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[rng() % i]);
    return order;
}

void fsync_and_rename(const std::string & tmp, const std::string & path) {
    int fd = open(tmp.c_str(), O_RDONLY);
    if (fd < 0) throw Error(fmt("cannot reopen %s", tmp.c_str()));
    const int rc = fsync(fd);
    close(fd);
    if (rc != 0) throw Error(fmt("fsync failed for %s", tmp.c_str()));
    if (rename(tmp.c_str(), path.c_str()) != 0) throw Error(fmt("cannot rename %s to %s", tmp.c_str(), path.c_str()));
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
}

// gguf_add_tensor copies host data pointers; CPU backend buffers are host memory.
void write_gguf_atomic(gguf_context * g, const std::string & path) {
    const std::string tmp = path + fmt(".%d.tmp", (int) getpid());
    if (!gguf_write_to_file(g, tmp.c_str(), false)) throw Error(fmt("cannot write %s", tmp.c_str()));
    fsync_and_rename(tmp, path);
}

Row make_row(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n) {
    if (n <= 0) throw Error("row is empty");
    if (n > t->hp.n_ctx_train) throw Error(fmt("row of %d tokens is longer than the model's context (%d)", n, (int) t->hp.n_ctx_train));
    Row r;
    r.tokens.assign(tokens, tokens + n);
    r.labels.assign(labels, labels + n);
    r.segments.assign(segments, segments + n);
    for (int32_t i = 0; i < n; i++) {
        if (tokens[i] < 0 || tokens[i] >= t->hp.n_vocab) throw Error(fmt("token %d at %d is outside the vocabulary", tokens[i], i));
        if (labels[i] >= t->hp.n_vocab || labels[i] < -1) throw Error(fmt("label %d at %d is outside the vocabulary", labels[i], i));
        if (labels[i] >= 0) r.n_labelled++;
    }
    return r;
}

template <typename F>
int32_t guarded(char * err, size_t len, F && f) {
    try {
        return f();
    } catch (const std::exception & e) {
        write_err(err, len, e.what());
        return -1;
    }
}

}  // namespace

extern "C" {

dnt_params dnt_default_params(void) {
    dnt_params p{};
    p.lora_rank = 8;
    p.lora_alpha = 16.0f;
    p.lora_dropout = 0.0f;
    p.targets = DNT_TARGET_Q | DNT_TARGET_K | DNT_TARGET_V | DNT_TARGET_O;
    p.learning_rate = 1e-3f;
    p.min_lr_ratio = 0.1f;
    p.warmup_steps = 0;
    p.weight_decay = 0.0f;
    p.adam_beta1 = 0.9f;
    p.adam_beta2 = 0.999f;
    p.adam_eps = 1e-8f;
    p.grad_accum = 1;
    p.epochs = 1;
    p.seed = 42;
    p.n_threads = 2;
    p.eval_every = 0;
    p.checkpoint_every = 0;
    return p;
}

dnt_trainer * dnt_init(const char * model_path, const dnt_params * params, const char * backends_dir, char * err, size_t err_len) {
    dnt_trainer * t = new dnt_trainer();
    try {
        t->params = params ? *params : dnt_default_params();
        if (t->params.grad_accum < 1 || t->params.epochs < 1) throw Error("grad_accum and epochs must be at least 1");
        if (!(t->params.lora_dropout >= 0.0f && t->params.lora_dropout < 1.0f)) throw Error("lora_dropout must be in [0, 1)");
        t->model_path = model_path;
        ensure_cpu_backend(backends_dir);
        t->backend = make_cpu_backend(t->params.n_threads);
        load_model(t);
        create_lora(t);
        t->galloc = ggml_gallocr_new(ggml_backend_get_default_buffer_type(t->backend));
        return t;
    } catch (const std::exception & e) {
        write_err(err, err_len, e.what());
        dnt_free(t);
        return nullptr;
    }
}

void dnt_free(dnt_trainer * t) {
    if (!t) return;
    if (t->galloc) ggml_gallocr_free(t->galloc);
    if (t->buf_lora) ggml_backend_buffer_free(t->buf_lora);
    if (t->ctx_lora) ggml_free(t->ctx_lora);
    if (t->buf_w) ggml_backend_buffer_free(t->buf_w);
    if (t->ctx_w) ggml_free(t->ctx_w);
    if (t->backend) ggml_backend_free(t->backend);
    delete t;
}

int32_t dnt_add_row(dnt_trainer * t, int32_t set, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        if (set != 0 && set != 1) throw Error("set must be 0 (train) or 1 (eval)");
        Row r = make_row(t, tokens, labels, segments, n);
        if (r.n_labelled == 0) throw Error("row has no labelled tokens");
        t->rows[set].push_back(std::move(r));
        return 0;
    });
}

int32_t dnt_row_count(const dnt_trainer * t, int32_t set) { return (set == 0 || set == 1) ? (int32_t) t->rows[set].size() : 0; }

int32_t dnt_eval_row(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n, double * sum_nll, int32_t * count, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        Row r = make_row(t, tokens, labels, segments, n);
        const float loss = run_row(t, r, false);
        *sum_nll = (double) loss * r.n_labelled;
        *count = r.n_labelled;
        return 0;
    });
}

double dnt_eval_set(dnt_trainer * t, int32_t set) {
    double sum = 0;
    int64_t count = 0;
    for (const Row & r : t->rows[set]) {
        sum += (double) run_row(t, r, false) * r.n_labelled;
        count += r.n_labelled;
    }
    return count ? sum / (double) count : NAN;
}

float dnt_compute_grad(dnt_trainer * t, int32_t row) {
    zero_grads(t);
    const float one = 1.0f;
    ggml_backend_tensor_set(t->loss_seed, &one, 0, sizeof(float));
    return run_row(t, t->rows[0].at(row), true);
}

int32_t dnt_param_count(const dnt_trainer * t) { return (int32_t) t->params_list.size(); }
const char * dnt_param_name(const dnt_trainer * t, int32_t i) { return t->params_list.at(i)->name; }
int64_t dnt_param_nelements(const dnt_trainer * t, int32_t i) { return ggml_nelements(t->params_list.at(i)); }
void dnt_param_get(const dnt_trainer * t, int32_t i, float * out) { ggml_backend_tensor_get(t->params_list.at(i), out, 0, ggml_nbytes(t->params_list.at(i))); }
void dnt_param_set(dnt_trainer * t, int32_t i, const float * v) { ggml_backend_tensor_set(t->params_list.at(i), v, 0, ggml_nbytes(t->params_list.at(i))); }
void dnt_grad_get(const dnt_trainer * t, int32_t i, float * out) { ggml_backend_tensor_get(t->grads_list.at(i), out, 0, ggml_nbytes(t->grads_list.at(i))); }

int32_t dnt_total_steps(const dnt_trainer * t) { return steps_per_epoch(t) * t->params.epochs; }
int32_t dnt_current_step(const dnt_trainer * t) { return t->step.load(); }

int32_t dnt_train(dnt_trainer * t, dnt_progress_cb cb, void * ud, const int32_t * abort_flag, const char * checkpoint_path, char * err, size_t err_len) {
    return guarded(err, err_len, [&]() -> int32_t {
        if (t->rows[0].empty()) throw Error("no training rows");
        const int32_t spe = steps_per_epoch(t);
        const int32_t total = spe * t->params.epochs;
        const auto t0 = std::chrono::steady_clock::now();
        int64_t tokens_seen = 0;
        int32_t cached_epoch = -1;
        std::vector<int32_t> order;
        zero_grads(t);
        while (t->step < total) {
            const int32_t epoch = t->step / spe, j = t->step % spe;
            if (epoch != cached_epoch) { order = epoch_order(t, epoch); cached_epoch = epoch; }
            const size_t begin = (size_t) j * t->params.grad_accum;
            const size_t end = std::min(order.size(), begin + (size_t) t->params.grad_accum);
            const float seed = 1.0f / (float) (end - begin);
            ggml_backend_tensor_set(t->loss_seed, &seed, 0, sizeof(float));
            double loss_sum = 0;
            for (size_t k = begin; k < end; k++) {
                if (abort_flag && __atomic_load_n(abort_flag, __ATOMIC_ACQUIRE)) { zero_grads(t); return 1; }
                const Row & row = t->rows[0][order[k]];
                t->micro = (int32_t) (k - begin);
                loss_sum += run_row(t, row, true);
                tokens_seen += (int64_t) row.tokens.size();
            }
            const float gnorm = (float) grad_norm(t);
            const float lr = lr_at(t->params, t->step, total);
            optimizer_step(t, lr);
            zero_grads(t);
            t->step++;
            dnt_progress pr{};
            pr.step = t->step;
            pr.total_steps = total;
            pr.epoch = epoch;
            pr.loss = (float) (loss_sum / (double) (end - begin));
            pr.learning_rate = lr;
            pr.grad_norm = gnorm;
            pr.eval_loss = NAN;
            const bool last = t->step == total;
            if (!t->rows[1].empty() && (last || (t->params.eval_every > 0 && t->step % t->params.eval_every == 0))) {
                pr.eval_loss = (float) dnt_eval_set(t, 1);
            }
            if (checkpoint_path && t->params.checkpoint_every > 0 && (last || t->step % t->params.checkpoint_every == 0)) {
                if (dnt_save_checkpoint(t, checkpoint_path, err, err_len) != 0) return -1;
                pr.checkpoint_written = 1;
            }
            pr.tokens_seen = tokens_seen;
            pr.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (cb) cb(ud, &pr);
        }
        return 0;
    });
}

int32_t dnt_save_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        gguf_context * g = gguf_init_empty();
        gguf_set_val_str(g, "general.type", "datanet.checkpoint");
        gguf_set_val_str(g, "general.architecture", t->hp.arch.c_str());
        gguf_set_val_u32(g, "checkpoint.version", 1);
        gguf_set_val_i32(g, "checkpoint.step", t->step);
        // The data order and LoRA init derive from the seed and the step alone, so these are the RNG state.
        gguf_set_val_u64(g, "checkpoint.seed", t->params.seed);
        gguf_set_val_i32(g, "checkpoint.lora_rank", t->params.lora_rank);
        gguf_set_val_u32(g, "checkpoint.targets", t->params.targets);
        for (Lora & lo : t->loras) {
            for (ggml_tensor * x : {lo.a, lo.b, lo.ma, lo.va, lo.mb, lo.vb}) gguf_add_tensor(g, x);
        }
        try {
            write_gguf_atomic(g, path);
        } catch (...) {
            gguf_free(g);
            throw;
        }
        gguf_free(g);
        return 0;
    });
}

int32_t dnt_load_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        ggml_context * data = nullptr;
        gguf_init_params gp = {false, &data};
        gguf_context * g = gguf_init_from_file(path, gp);
        if (!g) throw Error(fmt("%s: not a readable checkpoint", path));
        auto cleanup = [&] { gguf_free(g); ggml_free(data); };
        try {
            const int64_t k = gguf_find_key(g, "checkpoint.step");
            const int64_t ks = gguf_find_key(g, "checkpoint.seed");
            if (k < 0 || ks < 0) throw Error(fmt("%s: checkpoint.step or checkpoint.seed missing", path));
            if (gguf_get_val_u64(g, ks) != t->params.seed) throw Error(fmt("%s: checkpoint was made with another seed", path));
            const int32_t step = gguf_get_val_i32(g, k);
            if (step < 0 || step > dnt_total_steps(t)) throw Error(fmt("%s: step %d is outside this run (0..%d)", path, step, dnt_total_steps(t)));
            for (Lora & lo : t->loras) {
                for (ggml_tensor * x : {lo.a, lo.b, lo.ma, lo.va, lo.mb, lo.vb}) {
                    ggml_tensor * src = ggml_get_tensor(data, x->name);
                    if (!src || !ggml_are_same_shape(src, x) || src->type != GGML_TYPE_F32) throw Error(fmt("%s: tensor %s missing or of another shape", path, x->name));
                    ggml_backend_tensor_set(x, src->data, 0, ggml_nbytes(x));
                }
            }
            t->step = step;
        } catch (...) {
            cleanup();
            throw;
        }
        cleanup();
        zero_grads(t);
        return 0;
    });
}

int32_t dnt_save_adapter(dnt_trainer * t, const char * path, const char * const * keys, const char * const * values, int32_t n_kv, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        gguf_context * g = gguf_init_empty();
        gguf_set_val_str(g, "general.type", "adapter");
        gguf_set_val_str(g, "general.architecture", t->hp.arch.c_str());
        gguf_set_val_str(g, "adapter.type", "lora");
        gguf_set_val_f32(g, "adapter.lora.alpha", t->params.lora_alpha);  // llama.cpp reads it as FLOAT32
        for (int32_t i = 0; i < n_kv; i++) gguf_set_val_str(g, keys[i], values[i]);
        for (Lora & lo : t->loras) {
            gguf_add_tensor(g, lo.a);
            gguf_add_tensor(g, lo.b);
        }
        try {
            write_gguf_atomic(g, path);
        } catch (...) {
            gguf_free(g);
            throw;
        }
        gguf_free(g);
        return 0;
    });
}

dnt_memory dnt_memory_info(dnt_trainer * t) {
    dnt_memory m{};
    m.weights_bytes = t->weights_bytes;
    m.lora_bytes = t->buf_lora ? ggml_backend_buffer_get_size(t->buf_lora) : 0;
    // Reserve (without computing) the graph of the longest training row to size activations.
    const Row * longest = nullptr;
    for (int s = 0; s < 2; s++) {
        for (const Row & r : t->rows[s]) if (!longest || r.tokens.size() > longest->tokens.size()) longest = &r;
    }
    if (longest) {
        Graph G;
        build_forward(t, G, (int32_t) longest->tokens.size(), longest->n_labelled, true);
        add_backward(t, G);
        ggml_gallocr_reserve(t->galloc, G.gf);
        t->compute_bytes_max = std::max<uint64_t>(t->compute_bytes_max, ggml_gallocr_get_buffer_size(t->galloc, 0));
    }
    m.compute_bytes = t->compute_bytes_max;
    const uint64_t overhead = (uint64_t) GRAPH_SIZE * ggml_tensor_overhead() * 2 + ggml_graph_overhead_custom(GRAPH_SIZE, true);
    m.estimate_bytes = m.weights_bytes + m.lora_bytes + m.compute_bytes + overhead;
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    m.peak_rss_bytes = (uint64_t) ru.ru_maxrss * 1024;
    return m;
}

double dnt_matmul_gflops(int32_t n, int32_t reps, int32_t n_threads, const char * backends_dir) {
    try {
        ensure_cpu_backend(backends_dir);
        ggml_backend_t be = make_cpu_backend(n_threads);
        ggml_init_params ip = {16 * ggml_tensor_overhead() + ggml_graph_overhead(), nullptr, true};
        ggml_context * ctx = ggml_init(ip);
        ggml_tensor * a = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n, n);
        ggml_tensor * b = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n, n);
        ggml_tensor * c = ggml_mul_mat(ctx, a, b);
        ggml_cgraph * gf = ggml_new_graph(ctx);
        ggml_build_forward_expand(gf, c);
        ggml_backend_buffer_t buf = ggml_backend_alloc_ctx_tensors(ctx, be);
        std::vector<float> v((size_t) n * n);
        std::mt19937 rng(1);
        std::uniform_real_distribution<float> d(-1, 1);
        for (float & x : v) x = d(rng);
        ggml_backend_tensor_set(a, v.data(), 0, ggml_nbytes(a));
        ggml_backend_tensor_set(b, v.data(), 0, ggml_nbytes(b));
        ggml_backend_graph_compute(be, gf);  // warm-up
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < reps; i++) ggml_backend_graph_compute(be, gf);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ggml_backend_buffer_free(buf);
        ggml_free(ctx);
        ggml_backend_free(be);
        return 2.0 * n * (double) n * n * reps / s / 1e9;
    } catch (...) {
        return -1;
    }
}

}  // extern "C"
