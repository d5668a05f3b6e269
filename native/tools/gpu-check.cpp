// The trainer on a GPU, checked against itself on the CPU and measured: a standalone program over the
// trainer's C API (trainer.h), for machines that have a GPU but no Node (the test suite runs the same
// API through the addon, on the CPU). It writes its own GGUF models (no tokenizer is needed: rows
// are token ids), so it needs nothing but the ggml libraries.
//
//   gpu-check --backends <dir with libggml-cpu-*.so> --gpu-lib <libggml-cuda.so> --work <dir> [--bench]
//
// Prints one JSON object per line: parity (forward loss and LoRA gradients, GPU vs CPU, per
// architecture and base type), training (held-out loss before/after on the GPU, and the CPU's after
// the same run), files (checkpoint round trip and adapter written from GPU memory) and, with --bench,
// throughput at SmolLM2-135M shapes next to a plain matmul on the same device.
#include "../src/trainer.h"

#include "ggml.h"
#include "ggml-backend.h"
#include "gguf.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Shape {
    const char * name;
    const char * arch;
    int n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab;
    bool tied;  // no output.weight (qwen2 small models)
};

std::string out_dir;
std::string backends;
// --cpu-only: the "GPU" side is a CPU trainer on the GPU's graph (frozen weights dequantized to F32
// before each out_prod), to check this program and that graph on a machine without a GPU.
bool cpu_only = false;
// --only <name>: run one check (e.g. parity-qwen2-q4_K, training-llama-f32, matmul, bench-gpu-q4_0), so a
// crash in one (ggml aborts on a broken invariant) does not hide the others.
std::string only;
bool wanted(const std::string & name) { return only.empty() || only == name; }

void fail(const std::string & what) {
    fprintf(stderr, "gpu-check: %s\n", what.c_str());
    exit(1);
}

// Writes a LLaMA-family GGUF with seeded weights; 2-D weights in `type` (rows whose length does not
// divide the type's block fall back to Q4_0, then F16, as llama.cpp's quantizer does).
std::string write_model(const Shape & s, ggml_type type, uint64_t seed) {
    const std::string path = out_dir + "/" + s.name + "-" + std::to_string(s.n_embd) + "x" + std::to_string(s.n_layer) + "-" + ggml_type_name(type) + ".gguf";
    gguf_context * g = gguf_init_empty();
    const std::string a = s.arch;
    gguf_set_val_str(g, "general.architecture", s.arch);
    gguf_set_val_u32(g, (a + ".embedding_length").c_str(), s.n_embd);
    gguf_set_val_u32(g, (a + ".block_count").c_str(), s.n_layer);
    gguf_set_val_u32(g, (a + ".attention.head_count").c_str(), s.n_head);
    gguf_set_val_u32(g, (a + ".attention.head_count_kv").c_str(), s.n_head_kv);
    gguf_set_val_u32(g, (a + ".feed_forward_length").c_str(), s.n_ff);
    gguf_set_val_u32(g, (a + ".context_length").c_str(), 2048);
    gguf_set_val_f32(g, (a + ".attention.layer_norm_rms_epsilon").c_str(), 1e-5f);
    gguf_set_val_f32(g, (a + ".rope.freq_base").c_str(), 10000.f);

    const int hd = s.n_embd / s.n_head;
    struct T { std::string name; int ne0, ne1; bool matrix; };
    std::vector<T> ts = {{"token_embd.weight", s.n_embd, s.n_vocab, true}, {"output_norm.weight", s.n_embd, 1, false}};
    if (!s.tied) ts.push_back({"output.weight", s.n_embd, s.n_vocab, true});
    const bool bias = std::string(s.arch) == "qwen2";
    for (int l = 0; l < s.n_layer; l++) {
        const std::string b = "blk." + std::to_string(l) + ".";
        ts.push_back({b + "attn_norm.weight", s.n_embd, 1, false});
        ts.push_back({b + "attn_q.weight", s.n_embd, s.n_head * hd, true});
        ts.push_back({b + "attn_k.weight", s.n_embd, s.n_head_kv * hd, true});
        ts.push_back({b + "attn_v.weight", s.n_embd, s.n_head_kv * hd, true});
        if (bias) {
            ts.push_back({b + "attn_q.bias", s.n_head * hd, 1, false});
            ts.push_back({b + "attn_k.bias", s.n_head_kv * hd, 1, false});
            ts.push_back({b + "attn_v.bias", s.n_head_kv * hd, 1, false});
        }
        ts.push_back({b + "attn_output.weight", s.n_head * hd, s.n_embd, true});
        ts.push_back({b + "ffn_norm.weight", s.n_embd, 1, false});
        ts.push_back({b + "ffn_gate.weight", s.n_embd, s.n_ff, true});
        ts.push_back({b + "ffn_up.weight", s.n_embd, s.n_ff, true});
        ts.push_back({b + "ffn_down.weight", s.n_ff, s.n_embd, true});
    }
    size_t bytes = 0;
    for (const T & t : ts) bytes += (size_t) t.ne0 * t.ne1 * 4 + ggml_tensor_overhead() + 64;
    ggml_init_params ip = {bytes, nullptr, false};
    ggml_context * ctx = ggml_init(ip);
    std::mt19937_64 rng(seed);
    std::vector<float> v;
    for (const T & t : ts) {
        ggml_type ty = GGML_TYPE_F32;
        if (t.matrix) {
            ty = type;
            if (t.ne0 % ggml_blck_size(ty) != 0) ty = t.ne0 % ggml_blck_size(GGML_TYPE_Q4_0) == 0 && ggml_is_quantized(ty) ? GGML_TYPE_Q4_0 : GGML_TYPE_F16;
        }
        ggml_tensor * x = t.ne1 == 1 ? ggml_new_tensor_1d(ctx, ty, t.ne0) : ggml_new_tensor_2d(ctx, ty, t.ne0, t.ne1);
        ggml_set_name(x, t.name.c_str());
        v.resize((size_t) t.ne0 * t.ne1);
        if (t.name.find("norm") != std::string::npos) {
            for (float & f : v) f = 1.0f;
        } else {
            std::normal_distribution<float> d(0.0f, (t.matrix ? 1.0f : 0.1f) / std::sqrt((float) t.ne0));
            for (float & f : v) f = d(rng);
        }
        if (ty == GGML_TYPE_F32) std::memcpy(x->data, v.data(), v.size() * 4);
        else if (ty == GGML_TYPE_F16) ggml_fp32_to_fp16_row(v.data(), (ggml_fp16_t *) x->data, (int64_t) v.size());
        else ggml_quantize_chunk(ty, v.data(), x->data, 0, t.ne1, t.ne0, nullptr);
        gguf_add_tensor(g, x);
    }
    if (!gguf_write_to_file(g, path.c_str(), false)) fail("cannot write " + path);
    gguf_free(g);
    ggml_free(ctx);
    return path;
}

struct Row { std::vector<int32_t> tokens, labels, segments; };

// A learnable stream: each row repeats a short seeded motif, so held-out loss can fall.
Row make_row(int n, int vocab, uint64_t seed, int motif_len) {
    std::mt19937_64 rng(seed);
    std::vector<int32_t> motif(motif_len);
    for (int32_t & m : motif) m = (int32_t) (rng() % (uint64_t) vocab);
    Row r;
    for (int i = 0; i < n; i++) r.tokens.push_back(motif[i % motif_len]);
    for (int i = 0; i < n; i++) r.labels.push_back(i + 1 < n ? r.tokens[i + 1] : -1);
    r.segments.assign(n, 0);
    return r;
}

dnt_trainer * open_trainer(const std::string & model, dnt_params p, bool gpu) {
    p.gpu = gpu && !cpu_only ? 1 : 0;
    if (gpu && cpu_only) p.fast_frozen_backward = 2;
    char err[1024] = {0};
    dnt_trainer * t = dnt_init(model.c_str(), &p, backends.c_str(), err, sizeof err);
    if (!t) fail(std::string(gpu ? "GPU" : "CPU") + " trainer on " + model + ": " + err);
    return t;
}

void add(dnt_trainer * t, int set, const Row & r) {
    char err[1024] = {0};
    if (dnt_add_row(t, set, r.tokens.data(), r.labels.data(), r.segments.data(), (int32_t) r.tokens.size(), err, sizeof err) != 0) fail(err);
}

double eval(dnt_trainer * t, const Row & r) {
    double sum = 0;
    int32_t count = 0;
    char err[1024] = {0};
    if (dnt_eval_row(t, r.tokens.data(), r.labels.data(), r.segments.data(), (int32_t) r.tokens.size(), &sum, &count, err, sizeof err) != 0) fail(err);
    return sum / count;
}

// Same non-zero LoRA B in both trainers, so the adapter takes part in the forward pass.
void perturb_b(dnt_trainer * cpu, dnt_trainer * gpu, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> d(0.0f, 0.05f);
    std::vector<float> v;
    for (int32_t i = 0; i < dnt_param_count(cpu); i++) {
        if (!strstr(dnt_param_name(cpu, i), ".lora_b")) continue;
        v.resize(dnt_param_nelements(cpu, i));
        for (float & f : v) f = d(rng);
        dnt_param_set(cpu, i, v.data());
        dnt_param_set(gpu, i, v.data());
    }
}

dnt_params base_params() {
    dnt_params p = dnt_default_params();
    p.lora_rank = 8;
    p.lora_alpha = 16;
    p.targets = 0x7f;
    p.seed = 7;
    p.n_threads = (int32_t) std::max(1u, std::thread::hardware_concurrency());
    return p;
}

void parity(const Shape & s, ggml_type type) {
    const std::string model = write_model(s, type, 11);
    dnt_params p = base_params();
    dnt_trainer * cpu = open_trainer(model, p, false);
    dnt_trainer * gpu = open_trainer(model, p, true);
    perturb_b(cpu, gpu, 3);
    double worst_loss = 0, loss_cpu = 0;
    for (uint64_t k = 0; k < 3; k++) {
        const Row r = make_row(48 + 16 * (int) k, s.n_vocab, 100 + k, 5 + (int) k);
        const double a = eval(cpu, r), b = eval(gpu, r);
        loss_cpu = a;
        worst_loss = std::max(worst_loss, std::fabs(a - b));
    }
    const Row r = make_row(40, s.n_vocab, 200, 6);
    add(cpu, 0, r);
    add(gpu, 0, r);
    dnt_compute_grad(cpu, 0);
    dnt_compute_grad(gpu, 0);
    double max_diff = 0, max_ref = 0;
    std::vector<float> gc, gg;
    for (int32_t i = 0; i < dnt_param_count(cpu); i++) {
        gc.resize(dnt_param_nelements(cpu, i));
        gg.resize(gc.size());
        dnt_grad_get(cpu, i, gc.data());
        dnt_grad_get(gpu, i, gg.data());
        for (size_t j = 0; j < gc.size(); j++) {
            max_diff = std::max(max_diff, (double) std::fabs(gc[j] - gg[j]));
            max_ref = std::max(max_ref, (double) std::fabs(gc[j]));
        }
    }
    printf("{\"check\":\"parity\",\"arch\":\"%s\",\"type\":\"%s\",\"cpuLoss\":%.6f,\"maxLossDiff\":%.3e,\"gradMaxAbs\":%.3e,\"gradMaxDiffRel\":%.3e}\n",
           s.arch, ggml_type_name(type), loss_cpu, worst_loss, max_ref, max_ref > 0 ? max_diff / max_ref : max_diff);
    fflush(stdout);
    dnt_free(cpu);
    dnt_free(gpu);
}

void training(const Shape & s, ggml_type type) {
    const std::string model = write_model(s, type, 12);
    dnt_params p = base_params();
    p.learning_rate = 5e-3f;
    p.epochs = 3;
    p.grad_accum = 2;
    p.warmup_steps = 2;
    p.checkpoint_every = 4;
    dnt_trainer * gpu = open_trainer(model, p, true);
    dnt_trainer * cpu = open_trainer(model, p, false);
    for (int i = 0; i < 16; i++) { const Row r = make_row(64, s.n_vocab, 1000 + i % 4, 7); add(gpu, 0, r); add(cpu, 0, r); }
    for (int i = 0; i < 4; i++) { const Row r = make_row(64, s.n_vocab, 1000 + i, 7); add(gpu, 1, r); add(cpu, 1, r); }
    const double before = dnt_eval_set(gpu, 1);
    char err[1024] = {0};
    const std::string ckpt = out_dir + "/gpu.ckpt.gguf";
    const auto t0 = std::chrono::steady_clock::now();
    if (dnt_train(gpu, nullptr, nullptr, nullptr, ckpt.c_str(), err, sizeof err) != 0) fail(std::string("GPU training: ") + err);
    const double gpu_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dnt_train(cpu, nullptr, nullptr, nullptr, nullptr, err, sizeof err) != 0) fail(std::string("CPU training: ") + err);
    const double after = dnt_eval_set(gpu, 1), after_cpu = dnt_eval_set(cpu, 1);

    // Files from GPU memory: the checkpoint reloads into a fresh GPU trainer with the same tensors,
    // and the adapter's first A tensor equals the trainer's.
    dnt_trainer * again = open_trainer(model, p, true);
    for (int i = 0; i < 16; i++) add(again, 0, make_row(64, s.n_vocab, 1000 + i % 4, 7));
    if (dnt_load_checkpoint(again, ckpt.c_str(), err, sizeof err) != 0) fail(std::string("checkpoint reload: ") + err);
    std::vector<float> x, y;
    double ckpt_diff = 0;
    for (int32_t i = 0; i < dnt_param_count(gpu); i++) {
        x.resize(dnt_param_nelements(gpu, i));
        y.resize(x.size());
        dnt_param_get(gpu, i, x.data());
        dnt_param_get(again, i, y.data());
        for (size_t j = 0; j < x.size(); j++) ckpt_diff = std::max(ckpt_diff, (double) std::fabs(x[j] - y[j]));
    }
    const std::string adapter = out_dir + "/gpu.adapter.gguf";
    const char * k[] = {"datanet.check"};
    const char * v[] = {"gpu"};
    if (dnt_save_adapter(gpu, adapter.c_str(), k, v, 1, err, sizeof err) != 0) fail(std::string("adapter: ") + err);
    ggml_context * data = nullptr;
    gguf_init_params gp = {false, &data};
    gguf_context * g = gguf_init_from_file(adapter.c_str(), gp);
    if (!g) fail("adapter written from the GPU is not readable");
    ggml_tensor * a0 = ggml_get_tensor(data, dnt_param_name(gpu, 0));
    dnt_param_get(gpu, 0, x.data());
    double adapter_diff = a0 ? 0 : INFINITY;
    if (a0) for (int64_t j = 0; j < ggml_nelements(a0); j++) adapter_diff = std::max(adapter_diff, (double) std::fabs(((float *) a0->data)[j] - x[j]));
    gguf_free(g);
    ggml_free(data);
    printf("{\"check\":\"training\",\"arch\":\"%s\",\"type\":\"%s\",\"steps\":%d,\"gpuSeconds\":%.2f,\"evalBefore\":%.4f,\"evalAfterGpu\":%.4f,\"evalAfterCpu\":%.4f,"
           "\"checkpointMaxDiff\":%.3e,\"adapterMaxDiff\":%.3e}\n",
           s.arch, ggml_type_name(type), dnt_total_steps(gpu), gpu_s, before, after, after_cpu, ckpt_diff, adapter_diff);
    fflush(stdout);
    dnt_free(again);
    dnt_free(gpu);
    dnt_free(cpu);
}

uint64_t device_free_bytes() {
    if (cpu_only) return 0;
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU);
    size_t free = 0, total = 0;
    ggml_backend_dev_memory(dev, &free, &total);
    return free;
}

// Seconds per optimizer step at seq 512, rank 16, all seven targets, after one warm-up step.
void bench(const Shape & s, ggml_type type, bool gpu, int steps) {
    const std::string model = write_model(s, type, 13);
    dnt_params p = base_params();
    p.lora_rank = 16;
    p.lora_alpha = 32;
    p.learning_rate = 1e-4f;
    const uint64_t free_before = gpu ? device_free_bytes() : 0;
    dnt_trainer * t = open_trainer(model, p, gpu);
    for (int i = 0; i < steps + 1; i++) {
        std::mt19937_64 rng(500 + i);
        Row r;
        for (int j = 0; j < 512; j++) r.tokens.push_back((int32_t) (rng() % (uint64_t) s.n_vocab));
        for (int j = 0; j < 512; j++) r.labels.push_back(j + 1 < 512 ? r.tokens[j + 1] : -1);
        r.segments.assign(512, 0);
        add(t, 0, r);
    }
    char err[1024] = {0};
    if (dnt_train_until(t, 1, nullptr, nullptr, nullptr, nullptr, err, sizeof err) != 0) fail(err);
    const uint64_t free_after = gpu ? device_free_bytes() : 0;
    const auto t0 = std::chrono::steady_clock::now();
    if (dnt_train_until(t, steps + 1, nullptr, nullptr, nullptr, nullptr, err, sizeof err) != 0) fail(err);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / steps;
    const dnt_memory m = dnt_memory_info(t);
    const int hd = s.n_embd / s.n_head;
    const double proj = (double) s.n_layer * ((double) s.n_embd * s.n_embd * 2 + (double) s.n_embd * hd * s.n_head_kv * 2 + (double) s.n_embd * s.n_ff * 3);
    // Forward W·x and backward Wᵀ·dy through the frozen projections and the output projection,
    // plus attention (QKᵀ and AV forward, twice that backward).
    const double flops_per_token = 4 * proj + 4.0 * s.n_embd * s.n_vocab + 3.0 * s.n_layer * 2 * 2 * 512 * s.n_embd;
    printf("{\"check\":\"bench\",\"shape\":\"%s\",\"device\":\"%s\",\"type\":\"%s\",\"steps\":%d,\"secondsPerStep\":%.4f,\"tokensPerSecond\":%.1f,\"modelGflops\":%.1f,"
           "\"estimateMiB\":%.1f,\"deviceUsedMiB\":%.1f,\"peakRssMiB\":%.1f}\n",
           s.name, gpu ? "gpu" : "cpu", ggml_type_name(type), steps, sec, 512 / sec, 512 / sec * flops_per_token / 1e9,
           m.estimate_bytes / 1048576.0, gpu ? (double) (free_before - free_after) / 1048576.0 : 0.0, m.peak_rss_bytes / 1048576.0);
    fflush(stdout);
    dnt_free(t);
}

}  // namespace

int main(int argc, char ** argv) {
    std::string gpu_lib, shape = "smollm2-135m";
    bool with_bench = false;
    int gpu_steps = 10;
    for (int i = 1; i < argc; i++) {
        const std::string a = argv[i];
        if (a == "--backends" && i + 1 < argc) backends = argv[++i];
        else if (a == "--gpu-lib" && i + 1 < argc) gpu_lib = argv[++i];
        else if (a == "--work" && i + 1 < argc) out_dir = argv[++i];
        else if (a == "--bench") with_bench = true;
        else if (a == "--cpu-only") cpu_only = true;
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--shape" && i + 1 < argc) shape = argv[++i];
        else if (a == "--steps" && i + 1 < argc) gpu_steps = std::atoi(argv[++i]);
        else fail("usage: gpu-check --backends <dir> (--gpu-lib <libggml-cuda.so> | --cpu-only) --work <dir> [--bench [--shape smollm2-135m|qwen2.5-0.5b|llama3.2-1b] [--steps N]] [--only <check>]");
    }
    if (backends.empty() || out_dir.empty() || (gpu_lib.empty() && !cpu_only)) fail("--backends, --work and --gpu-lib (or --cpu-only) are required");
    if (!cpu_only) {
        char err[1024] = {0};
        const auto t0 = std::chrono::steady_clock::now();
        const int32_t n = dnt_load_gpu_backend(gpu_lib.c_str(), err, sizeof err);
        if (n < 0) fail(err);
        if (n == 0) fail("the GPU backend loaded but found no GPU");
        ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_GPU);
        printf("{\"check\":\"device\",\"name\":\"%s\",\"description\":\"%s\",\"loadSeconds\":%.2f}\n", ggml_backend_dev_name(dev), ggml_backend_dev_description(dev),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        fflush(stdout);
    }

    const Shape tiny_llama = {"tiny-llama", "llama", 256, 2, 4, 2, 512, 160, false};
    const Shape tiny_qwen2 = {"tiny-qwen2", "qwen2", 256, 2, 4, 2, 512, 160, true};
    for (ggml_type type : {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0, GGML_TYPE_Q4_K}) {
        for (const Shape & s : {tiny_llama, tiny_qwen2}) {
            if (wanted(std::string("parity-") + s.arch + "-" + ggml_type_name(type))) parity(s, type);
        }
    }
    if (wanted("training-llama-f32")) training(tiny_llama, GGML_TYPE_F32);
    if (wanted("training-qwen2-q4_K")) training(tiny_qwen2, GGML_TYPE_Q4_K);

    if (with_bench) {
        // SmolLM2-135M with the small bench vocabulary; Qwen2.5-0.5B and Llama-3.2-1B with their own.
        const Shape shapes[] = {{"smollm2-135m", "llama", 576, 30, 9, 3, 1536, 559, false},
                                {"qwen2.5-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, true},
                                {"llama3.2-1b", "llama", 2048, 16, 32, 8, 8192, 128256, true}};
        const Shape * found = nullptr;
        for (const Shape & x : shapes) if (shape == x.name) found = &x;
        if (!found) fail("unknown --shape " + shape);
        const Shape & smol = *found;
        if (wanted("matmul")) {
            const double gpu_mm = cpu_only ? 0 : dnt_matmul_gflops(4096, 20, 1, 1, backends.c_str());
            const double cpu_mm = dnt_matmul_gflops(1024, 5, base_params().n_threads, 0, backends.c_str());
            printf("{\"check\":\"matmul\",\"gpuF32Gflops4096\":%.1f,\"cpuF32Gflops1024\":%.1f}\n", gpu_mm, cpu_mm);
            fflush(stdout);
        }
        for (ggml_type type : {GGML_TYPE_F32, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0}) {
            if (!cpu_only && wanted(std::string("bench-gpu-") + ggml_type_name(type))) bench(smol, type, true, gpu_steps);
            if (wanted(std::string("bench-cpu-") + ggml_type_name(type))) bench(smol, type, false, 2);
        }
    }
    return 0;
}
