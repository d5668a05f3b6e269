// LoRA / QLoRA trainer on ggml. See trainer.h for the API and
// ../../../shared/notes/training-on-ggml.md (in the project's shared notes) for the traps this
// code avoids: split swiglu, no flash attention, supervised rows selected with get_rows before the
// output projection, gradient accumulators zeroed by us (we do not use ggml-opt's dynamic graphs),
// frozen weights in the plain CPU buffer (never the repack "extra" buffers).
//
// The C API: lifecycle, data, evaluation, the training loop, memory figures.
#include "internal.h"

using namespace dnt;

// This process's own high-water RSS: /proc's VmHWM belongs to the address space, which exec replaces.
// getrusage's ru_maxrss is the fallback only: Linux carries the parent's peak into it across fork +
// exec, so a runner forked from a large process would report at least the parent's size.
static uint64_t peak_rss_bytes() {
    if (FILE * f = fopen("/proc/self/status", "r")) {
        char line[256];
        unsigned long long kb = 0;
        bool found = false;
        while (!found && fgets(line, sizeof line, f)) found = sscanf(line, "VmHWM: %llu kB", &kb) == 1;
        fclose(f);
        if (found) return (uint64_t) kb * 1024;
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return (uint64_t) ru.ru_maxrss * 1024;
}

extern "C" {

dnt_params dnt_default_params(void) {
    dnt_params p{};
    p.lora_rank = 8;
    p.lora_alpha = 16.0f;
    p.lora_dropout = 0.0f;
    p.fast_frozen_backward = 1;
    p.loss_chunk = 0;
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
    p.gpu = 0;
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
        if (t->params.fast_frozen_backward < 0 || t->params.fast_frozen_backward > 2) throw Error("fast_frozen_backward must be 0, 1 or 2");
        if (t->params.loss_chunk < -1) throw Error("loss_chunk must be -1 (dense), 0 (automatic) or a number of vocabulary rows");
        t->model_path = model_path;
        ensure_cpu_backend(backends_dir);
        t->gpu = t->params.gpu != 0;
        t->backend = t->gpu ? make_gpu_backend() : make_cpu_backend(t->params.n_threads);
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
    return dnt_train_until(t, -1, cb, ud, abort_flag, checkpoint_path, err, err_len);
}

float dnt_learning_rate_at(const dnt_trainer * t, int32_t step) { return lr_at(t->params, step, dnt_total_steps(t)); }

int32_t dnt_train_until(dnt_trainer * t, int32_t stop_step, dnt_progress_cb cb, void * ud, const int32_t * abort_flag, const char * checkpoint_path, char * err, size_t err_len) {
    return guarded(err, err_len, [&]() -> int32_t {
        if (t->rows[0].empty()) throw Error("no training rows");
        const int32_t spe = steps_per_epoch(t);
        const int32_t total = spe * t->params.epochs;
        // Optimizer state, data order and the schedule depend only on the step, so stopping here and
        // calling again continues exactly as one uninterrupted run would.
        const int32_t stop = stop_step < 0 ? total : std::min(stop_step, total);
        const auto t0 = std::chrono::steady_clock::now();
        int64_t tokens_seen = 0;
        int32_t cached_epoch = -1;
        std::vector<int32_t> order;
        zero_grads(t);
        while (t->step < stop) {
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
    int64_t max_tokens = 0, max_sup = 0;
    for (int s = 0; s < 2; s++) {
        for (const Row & r : t->rows[s]) max_tokens = std::max<int64_t>(max_tokens, (int64_t) r.tokens.size()), max_sup = std::max<int64_t>(max_sup, r.n_labelled);
    }
    const uint64_t overhead = graph_context_bytes(true) + host_input_bytes(t, max_tokens, max_sup);
    m.estimate_bytes = m.weights_bytes + m.lora_bytes + m.compute_bytes + overhead;
    m.peak_rss_bytes = peak_rss_bytes();
    return m;
}

double dnt_matmul_gflops(int32_t n, int32_t reps, int32_t n_threads, int32_t gpu, const char * backends_dir) {
    try {
        ensure_cpu_backend(backends_dir);
        ggml_backend_t be = gpu ? make_gpu_backend() : make_cpu_backend(n_threads);
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
