// Internal declarations shared by the trainer's translation units (not part of the C API).
#pragma once
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
#include <memory>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

namespace dnt {

struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

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

}  // namespace dnt

struct dnt_trainer {
    dnt_params params{};
    dnt::Hparams hp;
    std::string model_path;
    bool gpu = false;                    // backend is a GPU device: weights in its memory, no CPU custom ops
    ggml_backend_t backend = nullptr;
    ggml_context * ctx_w = nullptr;      // base weights (metadata)
    ggml_backend_buffer_t buf_w = nullptr;
    ggml_context * ctx_lora = nullptr;   // LoRA params, grads, moments, optimizer inputs
    ggml_backend_buffer_t buf_lora = nullptr;
    ggml_tensor * tok_embd = nullptr, * out_norm = nullptr, * output = nullptr;
    ggml_tensor * rope_freqs = nullptr;  // Llama 3.1+ per-dimension RoPE frequency factors
    std::vector<dnt::Layer> layers;
    std::vector<dnt::Lora> loras;             // stable addresses: reserved before use
    std::vector<ggml_tensor *> params_list, grads_list;
    ggml_tensor * loss_seed = nullptr;   // d(total)/d(micro loss) = 1 / rows in this step
    ggml_tensor * adamw_params = nullptr;
    ggml_gallocr_t galloc = nullptr;
    std::vector<dnt::Row> rows[2];
    std::atomic<int32_t> step{0};        // optimizer steps done; read by other threads (dnt_current_step)
    int32_t micro = 0;                   // micro-batch index within the current step (dropout stream)
    uint64_t compute_bytes_max = 0;
    uint64_t weights_bytes = 0;
};

namespace dnt {

struct Graph {
    ggml_context * ctx = nullptr;
    ggml_cgraph * gf = nullptr;
    ggml_tensor * tokens = nullptr, * pos = nullptr, * mask = nullptr, * sup = nullptr;
    ggml_tensor * labels = nullptr;             // I32 [n_sup]; dense loss: one-hot F32 [n_vocab, n_sup]
    ggml_tensor * loss = nullptr;               // mean cross-entropy (the value reported)
    ggml_tensor * loss_node = nullptr;          // what autodiff differentiates (loss.cpp: a surrogate)
    std::vector<ggml_tensor *> detached;        // the loss head's products of its input: src[1] hidden from autodiff
    int64_t chunk_rows = 0;                     // vocabulary rows per loss chunk
    std::vector<ggml_tensor *> chunk_index, chunk_mask;  // per chunk: label - c0 and whether it is inside
    ggml_tensor * row_ids = nullptr;            // 0..n-1, for dequantizing whole weights with get_rows (GPU path)
    int32_t n_sup = 0;
    bool dropout = false;                       // training graphs only
    std::vector<ggml_tensor *> dropout_masks;   // one per LoRA module, filled in set_inputs
    ~Graph() { if (ctx) ggml_free(ctx); }
};

// Large enough for the forward and backward graph of a 30-layer model with all LoRA targets.
constexpr size_t GRAPH_SIZE = 16384;

std::string fmt(const char * f, ...);
void write_err(char * err, size_t len, const std::string & msg);
std::vector<int32_t> positions_of(const std::vector<int32_t> & seg);
Row make_row(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n);

// model.cpp
void ensure_cpu_backend(const char * backends_dir);
ggml_backend_t make_cpu_backend(int32_t n_threads);
ggml_backend_t make_gpu_backend();
// Throws, naming the op, when the trainer's backend cannot run a node (a GPU backend would abort).
void check_supported(const dnt_trainer * t, ggml_cgraph * gf);
void load_model(dnt_trainer * t);
void create_lora(dnt_trainer * t);

// graph.cpp
size_t graph_context_bytes(bool grads);
// dropout: apply LoRA dropout when the trainer has it and grads is set (off for influence gradients).
void build_forward(dnt_trainer * t, Graph & G, int32_t n_tokens, int32_t n_sup, bool grads, bool dropout = true);
void add_backward(dnt_trainer * t, Graph & G);
void alloc_graph(dnt_trainer * t, ggml_cgraph * gf);
uint64_t host_input_bytes(const dnt_trainer * t, int64_t n_tokens, int64_t n_sup);
float run_row(dnt_trainer * t, const Row & row, bool backward, bool dropout = true);

// loss.cpp
int64_t loss_chunk_rows(const dnt_trainer * t, int32_t n_sup);
bool dense_loss(const dnt_trainer * t);
// Output projection + mean cross-entropy of x_sup [n_embd, n_sup]; sets G.labels, G.loss, G.loss_node.
void build_loss(dnt_trainer * t, Graph & G, ggml_tensor * x_sup, bool grads);
void set_loss_inputs(const dnt_trainer * t, Graph & G, const std::vector<int32_t> & labels);

// frozen_backward.cpp
void replace_out_prods(Graph & G);
void dequantize_out_prods(Graph & G);

// optimizer.cpp
void zero_grads(dnt_trainer * t);
double grad_norm(dnt_trainer * t);
float lr_at(const dnt_params & p, int32_t step, int32_t total);
void optimizer_step(dnt_trainer * t, float lr);
int32_t steps_per_epoch(const dnt_trainer * t);
std::vector<int32_t> epoch_order(const dnt_trainer * t, int32_t epoch);

// GGUF and ggml contexts freed on every path out of a scope, exceptions included.
using GgufPtr = std::unique_ptr<gguf_context, decltype(&gguf_free)>;
using GgmlPtr = std::unique_ptr<ggml_context, decltype(&ggml_free)>;

// files.cpp
void write_gguf_atomic(gguf_context * g, const std::string & path);
// Adds host copies of backend tensors (which may sit in GPU memory) to g; it must outlive the write.
struct HostCopies {
    HostCopies(gguf_context * g, const std::vector<ggml_tensor *> & tensors);
    GgmlPtr ctx;
};

// Runs f, turning an exception into -1 and a message in err (the C API never throws).
template <typename F>
int32_t guarded(char * err, size_t len, F && f) {
    try {
        return f();
    } catch (const std::exception & e) {
        write_err(err, len, e.what());
        return -1;
    }
}

}  // namespace dnt
