// AdamW steps over the LoRA tensors, the learning-rate schedule, and the per-epoch data order.
#include "internal.h"

namespace dnt {

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

}  // namespace dnt
