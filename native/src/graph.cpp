// LoRA / QLoRA trainer on ggml. See trainer.h for the API and
// ../../../shared/notes/training-on-ggml.md (in the project's shared notes) for the traps this
// code avoids: split swiglu, no flash attention, supervised rows selected with get_rows before the
// output projection, gradient accumulators zeroed by us (we do not use ggml-opt's dynamic graphs),
// frozen weights in the plain CPU buffer (never the repack "extra" buffers).
//
// The LLaMA-family forward graph, its inputs, and the backward pass into our accumulators.
#include "internal.h"

namespace dnt {

static ggml_tensor * lora_mm(dnt_trainer * t, Graph & G, ggml_tensor * w, const Lora * lo, ggml_tensor * x) {
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

// Room for the graph, a second one rebuilt by dequantize_out_prods, and the tensors both add.
size_t graph_context_bytes(bool grads) {
    return GRAPH_SIZE * ggml_tensor_overhead() * 3 + ggml_graph_overhead_custom(GRAPH_SIZE, grads) + ggml_graph_overhead_custom(GRAPH_SIZE, false);
}

// Builds the forward graph of one row up to the loss over its labelled positions.
void build_forward(dnt_trainer * t, Graph & G, int32_t n_tokens, int32_t n_sup, bool grads, bool dropout) {
    G.dropout = grads && dropout && t->params.lora_dropout > 0.0f;
    const Hparams & hp = t->hp;
    ggml_init_params ip = {graph_context_bytes(grads), nullptr, true};
    G.ctx = ggml_init(ip);
    ggml_context * ctx = G.ctx;
    G.gf = ggml_new_graph_custom(ctx, GRAPH_SIZE, grads);
    G.n_sup = n_sup;

    G.tokens = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens);
    G.pos = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens);
    G.mask = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, n_tokens, n_tokens);
    G.sup = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_sup);
    for (ggml_tensor * x : {G.tokens, G.pos, G.mask, G.sup}) ggml_set_input(x);

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
    build_loss(t, G, x, grads);  // loss.cpp: mean cross-entropy over labelled positions
    ggml_set_output(G.loss);
    if (G.loss_node) ggml_set_loss(G.loss_node);  // training graphs only
}

static void set_inputs(dnt_trainer * t, Graph & G, const Row & row) {
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
    std::vector<int32_t> sup, labels;
    for (int32_t i = 0; i < n; i++) {
        if (row.labels[i] < 0) continue;
        sup.push_back(i);
        labels.push_back(row.labels[i]);
    }
    ggml_backend_tensor_set(G.sup, sup.data(), 0, sup.size() * sizeof(int32_t));
    set_loss_inputs(t, G, labels);
    if (G.row_ids) {
        std::vector<int32_t> ids((size_t) G.row_ids->ne[0]);
        for (size_t i = 0; i < ids.size(); i++) ids[i] = (int32_t) i;
        ggml_backend_tensor_set(G.row_ids, ids.data(), 0, ggml_nbytes(G.row_ids));
    }
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

// What set_inputs builds on the host for a row, on top of the graph: the attention mask, the widest
// dropout keep-mask and, for the dense loss on the CPU, the one-hot labels.
uint64_t host_input_bytes(const dnt_trainer * t, int64_t n_tokens, int64_t n_sup) {
    const Hparams & hp = t->hp;
    uint64_t floats = (uint64_t) n_tokens * n_tokens;
    if (t->params.lora_dropout > 0.0f) floats += (uint64_t) std::max({hp.n_embd, hp.n_ff, hp.n_head * hp.head_dim}) * n_tokens;
    if (dense_loss(t) && !t->gpu) floats += (uint64_t) hp.n_vocab * n_sup;
    return floats * sizeof(float);
}

void alloc_graph(dnt_trainer * t, ggml_cgraph * gf) {
    if (t->gpu) check_supported(t, gf);
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
        if (node == G.loss_node) accs[i] = t->loss_seed;
    }
    // The chunked loss computes its own gradient (loss.cpp): hide its input from autodiff.
    std::vector<ggml_tensor *> hidden;
    for (ggml_tensor * d : G.detached) { hidden.push_back(d->src[1]); d->src[1] = nullptr; }
    ggml_build_backward_expand(G.ctx, G.gf, accs.data());
    for (size_t i = 0; i < hidden.size(); i++) G.detached[i]->src[1] = hidden[i];
    // The custom kernel is a CPU op; a GPU backend gets F32 copies of frozen weights instead.
    if (t->gpu || t->params.fast_frozen_backward == 2) dequantize_out_prods(G);
    else if (t->params.fast_frozen_backward == 1) replace_out_prods(G);
}

// Forward (and, with backward, gradient accumulation) of one row. Returns the mean loss.
float run_row(dnt_trainer * t, const Row & row, bool backward, bool dropout) {
    if (row.n_labelled == 0) throw Error("row has no labelled tokens");
    Graph G;
    build_forward(t, G, (int32_t) row.tokens.size(), row.n_labelled, backward, dropout);
    if (backward) add_backward(t, G);
    alloc_graph(t, G.gf);
    set_inputs(t, G, row);
    if (ggml_backend_graph_compute(t->backend, G.gf) != GGML_STATUS_SUCCESS) throw Error("graph compute failed");
    float loss = 0;
    ggml_backend_tensor_get(G.loss, &loss, 0, sizeof(float));
    return loss;
}

}  // namespace dnt
