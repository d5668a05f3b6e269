// Loading the frozen base model (weights in the plain CPU buffer type) and creating the LoRA tensors.
#include "internal.h"

namespace dnt {

static ggml_tensor * get_weight(dnt_trainer * t, const std::string & name, bool required = true) {
    ggml_tensor * w = ggml_get_tensor(t->ctx_w, name.c_str());
    if (!w && required) throw Error(fmt("%s: tensor %s is missing", t->model_path.c_str(), name.c_str()));
    return w;
}

static int64_t kv_u32(gguf_context * g, const std::string & key, int64_t fallback, bool required) {
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

static float kv_f32(gguf_context * g, const std::string & key, float fallback) {
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

ggml_backend_t make_gpu_backend() {
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU);
    if (!dev) throw Error("no GPU device is registered: load a GPU backend first (dnt_load_gpu_backend), on a machine with a GPU");
    ggml_backend_t be = ggml_backend_dev_init(dev, nullptr);
    if (!be) throw Error(fmt("could not start the GPU device %s", ggml_backend_dev_name(dev)));
    return be;
}

void check_supported(const dnt_trainer * t, ggml_cgraph * gf) {
    for (int i = 0; i < ggml_graph_n_nodes(gf); i++) {
        ggml_tensor * node = ggml_graph_node(gf, i);
        if (ggml_backend_supports_op(t->backend, node)) continue;
        const ggml_tensor * a = node->src[0], * b = node->src[1];
        throw Error(fmt("the %s backend cannot run %s (%s <- %s, %s) of this graph", ggml_backend_name(t->backend), ggml_op_desc(node),
                        ggml_type_name(node->type), a ? ggml_type_name(a->type) : "-", b ? ggml_type_name(b->type) : "-"));
    }
}

void load_model(dnt_trainer * t) {
    ggml_context * meta = nullptr;
    gguf_init_params gp = {/*no_alloc*/ true, &meta};
    GgufPtr owned(gguf_init_from_file(t->model_path.c_str(), gp), gguf_free);
    gguf_context * g = owned.get();
    if (!g) throw Error(fmt("%s: ggml could not read this GGUF file", t->model_path.c_str()));
    t->ctx_w = meta;
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

    // Frozen weights live in the plain CPU buffer type (the repack/"extra" buffers have no out_prod), or
    // in the GPU's memory.
    t->buf_w = ggml_backend_alloc_ctx_tensors_from_buft(meta, t->gpu ? ggml_backend_get_default_buffer_type(t->backend) : ggml_backend_cpu_buffer_type());
    if (!t->buf_w) throw Error("out of memory allocating the model weights");
    ggml_backend_buffer_set_usage(t->buf_w, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    FILE * f = fopen(t->model_path.c_str(), "rb");
    if (!f) throw Error("cannot open the model file");
    // Read through a bounded buffer: a whole-tensor copy (334 MiB for a 151,936 x 576 F32 embedding)
    // would sit on top of the weights at the process's peak and is not part of the memory estimate.
    std::vector<uint8_t> tmp((size_t) 8 << 20);
    const size_t data_off = gguf_get_data_offset(g);
    for (int64_t i = 0; i < gguf_get_n_tensors(g); i++) {
        ggml_tensor * w = ggml_get_tensor(meta, gguf_get_tensor_name(g, i));
        const size_t n = ggml_nbytes(w);
        if (fseeko(f, (off_t) (data_off + gguf_get_tensor_offset(g, i)), SEEK_SET) != 0) {
            fclose(f);
            throw Error(fmt("tensor %s: short read", w->name));
        }
        for (size_t off = 0; off < n; off += tmp.size()) {
            const size_t len = std::min(tmp.size(), n - off);
            if (fread(tmp.data(), 1, len, f) != len) {
                fclose(f);
                throw Error(fmt("tensor %s: short read", w->name));
            }
            ggml_backend_tensor_set(w, tmp.data(), off, len);
        }
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

}  // namespace dnt

static int32_t gpu_devices(ggml_backend_reg_t reg) {
    int32_t n = 0;
    for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); i++) {
        if (ggml_backend_dev_type(ggml_backend_reg_dev_get(reg, i)) == GGML_BACKEND_DEVICE_TYPE_GPU) n++;
    }
    return n;
}

extern "C" int32_t dnt_load_gpu_backend(const char * library_path, char * err, size_t err_len) {
    return dnt::guarded(err, err_len, [&] {
        if (ggml_backend_dev_t loaded = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU)) return gpu_devices(ggml_backend_dev_backend_reg(loaded));
        // dlopen first only for its message: ggml_backend_load logs a failure but does not return why.
        void * h = dlopen(library_path, RTLD_NOW | RTLD_LOCAL);
        if (!h) throw dnt::Error(dnt::fmt("the GPU backend %s could not be loaded: %s", library_path, dlerror()));
        dlclose(h);
        ggml_backend_reg_t reg = ggml_backend_load(library_path);
        if (!reg) throw dnt::Error(dnt::fmt("the GPU backend %s loaded but did not register (no usable device or driver?)", library_path));
        return gpu_devices(reg);
    });
}
