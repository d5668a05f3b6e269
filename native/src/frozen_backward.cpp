// Input gradients through frozen quantized weights, dequantizing each weight row once per op.
//
// ggml's autodiff turns y = W x into dx = out_prod(W, dyᵀ). For a quantized (or F16) W, ggml-cpu's
// out_prod dequantizes every row of W once per token, which made QLoRA backward passes ~7x slower
// than F32 ones. After the backward graph is built, those OUT_PROD nodes are turned into a custom
// op computing the same sum, dx[:, t] = Σ_j W[:, j] · dy[j, t], with each row of W dequantized once
// per thread (into F32, exactly as ggml's to_float does) and then used for every token.
#include "internal.h"

namespace dnt {

namespace {

constexpr int ROWS = 16;  // weight rows dequantized per tile (16 × n_in floats stays in L2)

// d[i] += Σ_r g[r] · w[r·n + i] over a tile of rows. Compiled for several ISAs; the loader picks one.
__attribute__((target_clones("avx512f", "avx2", "default")))
void accumulate_tile(float * __restrict d, const float * __restrict w, const float * __restrict g, int rows, int64_t n) {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        const float g0 = g[r], g1 = g[r + 1], g2 = g[r + 2], g3 = g[r + 3];
        const float * w0 = w + (int64_t) r * n, * w1 = w0 + n, * w2 = w1 + n, * w3 = w2 + n;
        for (int64_t i = 0; i < n; i++) d[i] += g0 * w0[i] + g1 * w1[i] + g2 * w2[i] + g3 * w3[i];
    }
    for (; r < rows; r++) {
        const float gr = g[r];
        const float * wr = w + (int64_t) r * n;
        for (int64_t i = 0; i < n; i++) d[i] += gr * wr[i];
    }
}

// dst [n_in, T] = out_prod(W [n_in, n_out], B [T, n_out]) with B a (possibly transposed) F32 view.
void frozen_out_prod(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * w = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t n_in = w->ne[0], n_out = w->ne[1], n_tok = dst->ne[1];
    const int64_t t0 = n_tok * ith / nth, t1 = n_tok * (ith + 1) / nth;
    if (t0 >= t1) return;
    const ggml_to_float_t to_float = ggml_get_type_traits(w->type)->to_float;
    thread_local std::vector<float> tile, g;
    tile.resize((size_t) ROWS * n_in);
    g.resize(ROWS);
    for (int64_t t = t0; t < t1; t++) std::memset((char *) dst->data + t * dst->nb[1], 0, n_in * sizeof(float));
    for (int64_t j0 = 0; j0 < n_out; j0 += ROWS) {
        const int rows = (int) std::min<int64_t>(ROWS, n_out - j0);
        for (int r = 0; r < rows; r++) to_float((const char *) w->data + (j0 + r) * w->nb[1], tile.data() + (size_t) r * n_in, n_in);
        for (int64_t t = t0; t < t1; t++) {
            bool any = false;
            for (int r = 0; r < rows; r++) {
                g[r] = *(const float *) ((const char *) b->data + t * b->nb[0] + (j0 + r) * b->nb[1]);
                any = any || g[r] != 0.0f;
            }
            if (any) accumulate_tile((float *) ((char *) dst->data + t * dst->nb[1]), tile.data(), g.data(), rows, n_in);
        }
    }
}

}  // namespace

void replace_frozen_out_prods(Graph & G) {
    const int n = ggml_graph_n_nodes(G.gf);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(G.gf, i);
        if (node->op != GGML_OP_OUT_PROD) continue;
        ggml_tensor * w = node->src[0];
        ggml_tensor * b = node->src[1];
        if (w->type == GGML_TYPE_F32 || !ggml_get_type_traits(w->type)->to_float || b->type != GGML_TYPE_F32) continue;
        if (node->type != GGML_TYPE_F32 || ggml_nrows(w) != w->ne[1] || node->ne[2] != 1 || node->ne[3] != 1 || b->ne[1] != w->ne[1]) continue;
        // Build the custom op beside the node, then make the node itself that op, so every
        // consumer of the node keeps pointing at it.
        ggml_tensor * args[2] = {w, b};
        ggml_tensor * c = ggml_custom_4d(G.ctx, GGML_TYPE_F32, node->ne[0], node->ne[1], 1, 1, args, 2, frozen_out_prod, GGML_N_TASKS_MAX, nullptr);
        node->op = c->op;
        std::memcpy(node->op_params, c->op_params, sizeof(node->op_params));
        for (int s = 0; s < GGML_MAX_SRC; s++) node->src[s] = c->src[s];
    }
}

}  // namespace dnt
