// Influence (TracIn) support: per-example LoRA gradients projected by a CountSketch.
//
// Why a CountSketch and not a dense random projection: a dense Rademacher/Gaussian map costs
// O(P · dim) per example and needs the matrix (or its regeneration) every time; the CountSketch
// touches each gradient coordinate once (O(P)), needs no stored matrix (bucket and sign are a hash
// of (seed, tensor, element)), and still preserves inner products in expectation with variance
// ≈ (|x|²|y|² + <x, y>²) / dim, like a dense JL map.
#include "internal.h"

namespace dnt {

static inline uint64_t splitmix64(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Adds the CountSketch of g (tensor number `tensor`) into out[dim].
static void count_sketch_add(const float * g, int64_t n, uint64_t seed, int32_t tensor, int32_t dim, float * out) {
    const uint64_t key = splitmix64(seed ^ splitmix64((uint64_t) tensor + 1));
    for (int64_t j = 0; j < n; j++) {
        const uint64_t h = splitmix64(key + (uint64_t) j);
        const uint32_t bucket = (uint32_t) (((h >> 32) * (uint64_t) dim) >> 32);
        out[bucket] += (h & 1) ? g[j] : -g[j];
    }
}

}  // namespace dnt

using namespace dnt;

extern "C" int32_t dnt_grad_sketch(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n,
                                   int32_t dim, uint64_t seed, float * out, float * loss, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        if (dim < 1) throw Error("sketch dimension must be at least 1");
        Row r = make_row(t, tokens, labels, segments, n);
        if (r.n_labelled == 0) throw Error("row has no labelled tokens");
        zero_grads(t);
        const float one = 1.0f;  // the example's own mean loss, not a share of an optimizer step
        ggml_backend_tensor_set(t->loss_seed, &one, 0, sizeof(float));
        const float l = run_row(t, r, true, /*dropout*/ false);
        std::fill(out, out + dim, 0.0f);
        std::vector<float> g;
        for (size_t i = 0; i < t->grads_list.size(); i++) {
            ggml_tensor * gt = t->grads_list[i];
            g.resize((size_t) ggml_nelements(gt));
            ggml_backend_tensor_get(gt, g.data(), 0, ggml_nbytes(gt));
            count_sketch_add(g.data(), (int64_t) g.size(), seed, (int32_t) i, dim, out);
        }
        zero_grads(t);
        if (loss) *loss = l;
        return 0;
    });
}
