// A faster OUT_PROD for the backward pass, above all through frozen quantized weights.
//
// ggml's autodiff turns y = W x into dx = out_prod(W, dyᵀ) (and parameter gradients into out_prods
// too). ggml-cpu's out_prod is a rank-1-update loop which, for a quantized (or F16) W, dequantizes
// every row of W once per token: QLoRA backward passes were ~7x slower than F32 ones. After the
// backward graph is built, 2-D OUT_PROD nodes are turned into a custom op computing the same sum,
// dst[:, k] = Σ_j a[:, j] · b[k, j], with rows of `a` dequantized once per thread into a tile that
// serves every output column, four columns at a time.
#include "internal.h"

namespace dnt {

namespace {

constexpr int ROWS = 16;  // weight rows dequantized per tile (16 × n_in floats stays in L2)

typedef float v16 __attribute__((vector_size(64)));  // AVX-512 register; two AVX2 or four SSE registers elsewhere

// Unaligned loads and stores through memcpy (macros, so they take the caller's ISA).
#define LOAD16(v, p) std::memcpy(&(v), (p), sizeof(v16))
#define STORE16(p, v) std::memcpy((p), &(v), sizeof(v16))

// For TOK tokens at once: d_k[i] += Σ_r g[k·ROWS + r] · w[r·n + i]. Each weight load feeds TOK
// multiply-adds. Compiled for several ISAs; the loader picks one.
constexpr int TOK = 4;
__attribute__((target_clones("avx512f", "avx2", "default")))
void accumulate_tile(float * const * d, const float * __restrict w, const float * __restrict g, int rows, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v16 a0, a1, a2, a3;
        LOAD16(a0, d[0] + i); LOAD16(a1, d[1] + i); LOAD16(a2, d[2] + i); LOAD16(a3, d[3] + i);
        for (int r = 0; r < rows; r++) {
            v16 wv;
            LOAD16(wv, w + (int64_t) r * n + i);
            a0 += g[r] * wv;
            a1 += g[ROWS + r] * wv;
            a2 += g[2 * ROWS + r] * wv;
            a3 += g[3 * ROWS + r] * wv;
        }
        STORE16(d[0] + i, a0); STORE16(d[1] + i, a1); STORE16(d[2] + i, a2); STORE16(d[3] + i, a3);
    }
    for (; i < n; i++) {
        for (int k = 0; k < TOK; k++) {
            float acc = d[k][i];
            for (int r = 0; r < rows; r++) acc += g[k * ROWS + r] * w[(int64_t) r * n + i];
            d[k][i] = acc;
        }
    }
}

// dst [n_in, T] = out_prod(W [n_in, n_out], B [T, n_out]) with B a (possibly transposed) F32 view.
void frozen_out_prod(ggml_tensor * dst, int ith, int nth, void *) {
    const ggml_tensor * w = dst->src[0];
    const ggml_tensor * b = dst->src[1];
    const int64_t n_in = w->ne[0], n_out = w->ne[1], n_tok = dst->ne[1];
    const int64_t t0 = n_tok * ith / nth, t1 = n_tok * (ith + 1) / nth;
    if (t0 >= t1) return;
    const ggml_to_float_t to_float = w->type == GGML_TYPE_F32 ? nullptr : ggml_get_type_traits(w->type)->to_float;
    thread_local std::vector<float> tile, g, scratch;
    tile.resize((size_t) ROWS * n_in);
    g.resize((size_t) TOK * ROWS);
    scratch.resize((size_t) n_in);  // stands in for missing tokens when fewer than TOK remain
    for (int64_t t = t0; t < t1; t++) std::memset((char *) dst->data + t * dst->nb[1], 0, n_in * sizeof(float));
    for (int64_t j0 = 0; j0 < n_out; j0 += ROWS) {
        const int rows = (int) std::min<int64_t>(ROWS, n_out - j0);
        const float * rows_f32 = tile.data();
        if (w->type == GGML_TYPE_F32) {
            rows_f32 = (const float *) ((const char *) w->data + j0 * w->nb[1]);  // already rows of floats
        } else {
            for (int r = 0; r < rows; r++) to_float((const char *) w->data + (j0 + r) * w->nb[1], tile.data() + (size_t) r * n_in, n_in);
        }
        for (int64_t t = t0; t < t1; t += TOK) {
            float * d[TOK];
            for (int k = 0; k < TOK; k++) {
                const bool real = t + k < t1;
                d[k] = real ? (float *) ((char *) dst->data + (t + k) * dst->nb[1]) : scratch.data();
                for (int r = 0; r < rows; r++) {
                    g[k * ROWS + r] = real ? *(const float *) ((const char *) b->data + (t + k) * b->nb[0] + (j0 + r) * b->nb[1]) : 0.0f;
                }
            }
            accumulate_tile(d, rows_f32, g.data(), rows, n_in);
        }
    }
}

}  // namespace

void replace_out_prods(Graph & G) {
    const int n = ggml_graph_n_nodes(G.gf);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(G.gf, i);
        if (node->op != GGML_OP_OUT_PROD) continue;
        ggml_tensor * w = node->src[0];
        ggml_tensor * b = node->src[1];
        const bool readable = w->type == GGML_TYPE_F32 ? w->nb[0] == sizeof(float) && w->nb[1] == w->ne[0] * sizeof(float)
                                                       : ggml_get_type_traits(w->type)->to_float != nullptr;
        if (!readable || b->type != GGML_TYPE_F32 || node->type != GGML_TYPE_F32) continue;
        if (ggml_nrows(w) != w->ne[1] || node->ne[2] != 1 || node->ne[3] != 1 || b->ne[1] != w->ne[1] || node->ne[0] != w->ne[0] || node->ne[1] != b->ne[0]) continue;
        // Build the custom op beside the node, then make the node itself that op, so every
        // consumer of the node keeps pointing at it.
        ggml_tensor * args[2] = {w, b};
        ggml_tensor * c = ggml_custom_4d(G.ctx, GGML_TYPE_F32, node->ne[0], node->ne[1], 1, 1, args, 2, frozen_out_prod, GGML_N_TASKS_MAX, nullptr);
        node->op = c->op;
        std::memcpy(node->op_params, c->op_params, sizeof(node->op_params));
        for (int s = 0; s < GGML_MAX_SRC; s++) node->src[s] = c->src[s];
    }
}

// The GPU path (and fast_frozen_backward = 2 on the CPU): CUDA's out_prod takes F32 operands only,
// so every OUT_PROD through a quantized or F16 weight reads an F32 copy made by get_rows over all of
// the weight's rows, placed just before it in a rebuilt graph. The allocator frees each copy after
// its one use, so at most one layer's weight is held in F32 at a time; the weights themselves stay
// quantized (QLoRA). Dequantizing in the forward pass instead would keep every copy alive from the
// forward use to the backward one.
void dequantize_out_prods(Graph & G) {
    const int n = ggml_graph_n_nodes(G.gf);
    int64_t max_rows = 0;
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(G.gf, i);
        if (node->op == GGML_OP_OUT_PROD && node->src[0]->type != GGML_TYPE_F32) max_rows = std::max(max_rows, node->src[0]->ne[1]);
    }
    if (max_rows == 0) return;
    G.row_ids = ggml_new_tensor_1d(G.ctx, GGML_TYPE_I32, max_rows);
    ggml_set_name(G.row_ids, "row_ids");
    ggml_set_input(G.row_ids);
    // Expanding the old nodes in their order keeps that order; each copy is visited as a source of
    // its out_prod, so it lands right before it.
    ggml_cgraph * gf = ggml_new_graph_custom(G.ctx, GRAPH_SIZE, false);
    for (int i = 0; i < n; i++) {
        ggml_tensor * node = ggml_graph_node(G.gf, i);
        ggml_tensor * w = node->src[0];
        if (node->op == GGML_OP_OUT_PROD && w->type != GGML_TYPE_F32) {
            if (ggml_nrows(w) != w->ne[1]) throw Error(fmt("out_prod through %s: only 2-D frozen weights can be dequantized", w->name));
            node->src[0] = ggml_get_rows(G.ctx, w, ggml_view_1d(G.ctx, G.row_ids, w->ne[1], 0));
        }
        ggml_build_forward_expand(gf, node);
    }
    G.gf = gf;
}

}  // namespace dnt
