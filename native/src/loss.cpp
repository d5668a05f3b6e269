// The output projection and cross-entropy over the labelled positions, without ever holding a
// vocabulary-sized tensor (the dense path, ggml_cross_entropy_loss over one-hot labels, kept as the
// reference, holds logits, one-hot labels and their gradient, [n_vocab × n_sup] floats each).
//
// The vocabulary is walked in chunks of rows of the output matrix W (views, so quantized W stays
// quantized) with an online log-sum-exp, as flash attention does over keys. For chunk c:
//   l_c = W_c x                      [rows, n]   logits of the chunk
//   m_c = max_v l_c, e_c = exp(l_c - m_c), s_c = Σ_v e_c      (max: argmax + batched get_rows)
//   a_c = W_cᵀ e_c                   [E, n]      (training only: the input gradient, unnormalised)
//   label logit gathered from l_c where the label falls in the chunk (host-made index + mask)
// and running (m, s, a) are rescaled by exp(m_old - m_new), exp(m_c - m_new). At the end, per
// position, loss = m + log s - l_label and dloss/dx = a / s - W[label]. Only ggml ops with CPU and
// CUDA kernels are used; peak memory is two [rows × n] blocks.
//
// ggml's autodiff must not differentiate through this (it would rebuild the dense backward), so
// the chunks' logit products hide their input x while the backward graph is built, and the
// graph's loss for autodiff is the surrogate sum(x ⊙ dloss/dx): its gradient w.r.t. x is exactly
// dloss/dx, seeded with 1 / rows-per-step like the dense loss. The reported loss is the real one.
#include "internal.h"

namespace dnt {

// Vocabulary rows per chunk: blocks of ~8 MiB, at most 64 chunks (graph size), a multiple of 256.
int64_t loss_chunk_rows(const dnt_trainer * t, int32_t n_sup) {
    const int64_t V = t->hp.n_vocab;
    int64_t rows = t->params.loss_chunk > 0 ? t->params.loss_chunk : ((int64_t) 1 << 21) / std::max<int32_t>(1, n_sup);
    if (t->params.loss_chunk <= 0) rows = std::max<int64_t>(rows, (V + 63) / 64);
    if (t->params.loss_chunk <= 0) rows = (rows + 255) / 256 * 256;
    return std::max<int64_t>(1, std::min(rows, V));
}

bool dense_loss(const dnt_trainer * t) {
    // The GPU keeps the dense loss until the chunked one is checked on one.
    return t->params.loss_chunk < 0 || (t->params.loss_chunk == 0 && t->gpu);
}

static ggml_tensor * row_vector(ggml_context * ctx, ggml_tensor * x, int32_t n) { return ggml_reshape_2d(ctx, x, 1, n); }

void build_loss(dnt_trainer * t, Graph & G, ggml_tensor * x_sup, bool grads) {
    ggml_context * ctx = G.ctx;
    const int32_t n = G.n_sup;
    ggml_tensor * W = t->output;
    if (dense_loss(t)) {
        G.labels = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, t->hp.n_vocab, n);
        ggml_set_input(G.labels);
        ggml_tensor * logits = ggml_mul_mat(ctx, W, x_sup);  // [n_vocab, n_sup]
        G.loss = ggml_cross_entropy_loss(ctx, logits, G.labels);  // mean over labelled positions
        G.loss_node = G.loss;
        ggml_build_forward_expand(G.gf, G.loss);
        return;
    }
    ggml_tensor * x = x_sup;
    if (grads) {
        G.labels = ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n);  // rows of W for the gradient
        ggml_set_input(G.labels);
    }
    const int64_t V = t->hp.n_vocab, chunk = loss_chunk_rows(t, n);
    G.chunk_rows = chunk;
    ggml_tensor * m = nullptr, * s = nullptr, * lab = nullptr, * acc = nullptr;
    for (int64_t c0 = 0; c0 < V; c0 += chunk) {
        const int64_t rows = std::min(chunk, V - c0);
        ggml_tensor * Wc = ggml_view_2d(ctx, W, W->ne[0], rows, W->nb[1], (size_t) c0 * W->nb[1]);
        ggml_tensor * l = ggml_mul_mat(ctx, Wc, x);                                   // [rows, n]
        if (grads) G.detached.push_back(l);
        ggml_tensor * l3 = ggml_reshape_3d(ctx, l, 1, rows, n);                        // one row per logit, batched by position
        ggml_tensor * mc = row_vector(ctx, ggml_get_rows(ctx, l3, row_vector(ctx, ggml_argmax(ctx, l), n)), n);
        ggml_tensor * e = ggml_exp_inplace(ctx, ggml_sub(ctx, l, mc));
        ggml_tensor * sc = ggml_sum_rows(ctx, e);                                      // [1, n]
        ggml_tensor * idx = ggml_new_tensor_2d(ctx, GGML_TYPE_I32, 1, n);              // label - c0, or 0 outside the chunk
        ggml_tensor * in = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, 1, n);               // 1 where the label is in the chunk
        ggml_set_input(idx);
        ggml_set_input(in);
        G.chunk_index.push_back(idx);
        G.chunk_mask.push_back(in);
        ggml_tensor * labc = ggml_mul(ctx, row_vector(ctx, ggml_get_rows(ctx, l3, idx), n), in);
        ggml_tensor * ac = grads ? ggml_out_prod(ctx, Wc, ggml_transpose(ctx, e)) : nullptr;  // [E, n]
        if (!m) {
            m = mc, s = sc, lab = labc, acc = ac;
        } else {
            ggml_tensor * mn = ggml_add(ctx, m, ggml_relu(ctx, ggml_sub(ctx, mc, m)));  // max(m, m_c)
            ggml_tensor * r_old = ggml_exp(ctx, ggml_sub(ctx, m, mn));
            ggml_tensor * r_c = ggml_exp(ctx, ggml_sub(ctx, mc, mn));
            s = ggml_add(ctx, ggml_mul(ctx, s, r_old), ggml_mul(ctx, sc, r_c));
            lab = ggml_add(ctx, lab, labc);
            // In place: the head holds two [E, n] blocks, not one per step.
            if (grads) acc = ggml_add_inplace(ctx, ggml_mul_inplace(ctx, acc, r_old), ggml_mul_inplace(ctx, ac, r_c));
            m = mn;
        }
        // Expanding each chunk now puts its nodes in chunk order, so the allocator reuses one
        // chunk's blocks for the next; one expansion at the end would compute every chunk's logits
        // first (depth-first through the running max) and keep them all.
        for (ggml_tensor * r : {acc, s, lab, m}) if (r) ggml_build_forward_expand(G.gf, r);
    }
    ggml_tensor * ce = ggml_sub(ctx, ggml_add(ctx, m, ggml_log(ctx, s)), lab);        // [1, n]
    G.loss = ggml_scale(ctx, ggml_sum(ctx, ce), 1.0f / (float) n);
    ggml_build_forward_expand(G.gf, G.loss);
    if (grads) {
        ggml_tensor * w_lab = ggml_get_rows(ctx, W, G.labels);                          // [E, n], F32
        ggml_tensor * dx = ggml_scale_inplace(ctx, ggml_sub_inplace(ctx, ggml_div_inplace(ctx, acc, s), w_lab), 1.0f / (float) n);
        // sum(x ⊙ dx) as one dot product: its backward is a single [E, n] tensor (dx · seed).
        const int64_t k = ggml_nelements(x_sup);
        G.loss_node = ggml_mul_mat(ctx, ggml_reshape_2d(ctx, x_sup, k, 1), ggml_reshape_2d(ctx, dx, k, 1));
        ggml_build_forward_expand(G.gf, G.loss_node);
    }
}

void set_loss_inputs(const dnt_trainer * t, Graph & G, const std::vector<int32_t> & labels) {
    const int64_t V = t->hp.n_vocab;
    if (dense_loss(t)) {
        std::vector<float> onehot((size_t) G.n_sup * V, 0.0f);
        for (size_t i = 0; i < labels.size(); i++) onehot[i * V + labels[i]] = 1.0f;
        ggml_backend_tensor_set(G.labels, onehot.data(), 0, onehot.size() * sizeof(float));
        return;
    }
    if (G.labels) ggml_backend_tensor_set(G.labels, labels.data(), 0, labels.size() * sizeof(int32_t));
    std::vector<int32_t> idx(labels.size());
    std::vector<float> in(labels.size());
    for (size_t c = 0; c < G.chunk_index.size(); c++) {
        const int64_t c0 = (int64_t) c * G.chunk_rows;
        for (size_t i = 0; i < labels.size(); i++) {
            const bool inside = labels[i] >= c0 && labels[i] < c0 + G.chunk_rows;
            idx[i] = inside ? (int32_t) (labels[i] - c0) : 0;
            in[i] = inside ? 1.0f : 0.0f;
        }
        ggml_backend_tensor_set(G.chunk_index[c], idx.data(), 0, idx.size() * sizeof(int32_t));
        ggml_backend_tensor_set(G.chunk_mask[c], in.data(), 0, in.size() * sizeof(float));
    }
}

}  // namespace dnt
