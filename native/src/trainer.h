/*
 * datanet trainer: LoRA / QLoRA fine-tuning of LLaMA-family GGUF models on ggml.
 * A plain C API (sized integer types, explicit init/free) so that it can sit under any binding.
 * Not thread-safe: one thread drives one trainer at a time.
 */
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Target modules, one bit each. */
enum dnt_target {
    DNT_TARGET_Q = 1 << 0, DNT_TARGET_K = 1 << 1, DNT_TARGET_V = 1 << 2, DNT_TARGET_O = 1 << 3,
    DNT_TARGET_GATE = 1 << 4, DNT_TARGET_UP = 1 << 5, DNT_TARGET_DOWN = 1 << 6,
};

typedef struct dnt_params {
    int32_t  lora_rank;
    float    lora_alpha;
    float    lora_dropout;       /* probability of zeroing an adapter input element in training; 0 = off */
    int32_t  fast_frozen_backward; /* how backward OUT_PROD nodes read frozen weights: 1: frozen_backward.cpp's
                                      CPU kernel (weight rows dequantized once per op); 0: ggml's out_prod
                                      (on the CPU it dequantizes per token); 2: each non-F32 weight dequantized
                                      into a transient F32 tensor just before its out_prod (what the GPU path
                                      always does, since CUDA's out_prod is F32-only and custom ops are CPU-only) */
    int32_t  loss_chunk;         /* vocabulary rows per chunk of the output projection + cross-entropy (loss.cpp);
                                    0: automatic on the CPU, dense on a GPU; -1: ggml's dense cross-entropy over
                                    one-hot labels, holding [n_vocab x labelled] logits, labels and gradient */
    uint32_t targets;            /* dnt_target bits */
    float    learning_rate;      /* peak learning rate */
    float    min_lr_ratio;       /* cosine decays to learning_rate * min_lr_ratio */
    int32_t  warmup_steps;
    float    weight_decay;
    float    adam_beta1, adam_beta2, adam_eps;
    int32_t  grad_accum;         /* rows (micro-batches) per optimizer step */
    int32_t  epochs;
    uint64_t seed;
    int32_t  n_threads;
    int32_t  gpu;                /* 0: CPU backend; 1: the first GPU device (load one with dnt_load_gpu_backend) */
    int32_t  eval_every;         /* optimizer steps between held-out evaluations; 0 = only at the end */
    int32_t  checkpoint_every;   /* optimizer steps between checkpoints; 0 = none */
} dnt_params;

typedef struct dnt_progress {
    int32_t step;                /* optimizer steps done */
    int32_t total_steps;
    int32_t epoch;
    float   loss;                /* mean of this step's micro-batch losses */
    float   learning_rate;
    float   grad_norm;           /* L2 norm of the accumulated LoRA gradient before the update */
    float   eval_loss;           /* NaN when not evaluated at this step */
    int64_t tokens_seen;         /* tokens through the model since this run (not the checkpoint) began */
    double  elapsed_s;
    int32_t checkpoint_written;  /* 1 when a checkpoint was saved after this step */
} dnt_progress;

typedef struct dnt_memory {
    uint64_t weights_bytes;      /* frozen base weights as loaded (quantized stays quantized) */
    uint64_t lora_bytes;         /* LoRA A/B + gradient accumulators + AdamW m, v */
    uint64_t compute_bytes;      /* graph buffer for the longest row: activations kept for backward */
    uint64_t estimate_bytes;     /* sum of the above plus context overheads */
    uint64_t peak_rss_bytes;     /* this process's peak resident set so far (Linux: VmHWM, not inherited) */
} dnt_memory;

typedef struct dnt_trainer dnt_trainer;
typedef void (*dnt_progress_cb)(void * user_data, const dnt_progress * progress);

dnt_params dnt_default_params(void);

/* Loads and registers a ggml GPU backend library (e.g. node-llama-cpp's libggml-cuda.so, built from the
 * same ggml commit as the CPU libraries the trainer links). Idempotent. Returns the number of GPU
 * devices then registered (0: the library loaded but found no GPU), or -1 with err naming why the
 * library could not be loaded (missing driver or CUDA runtime libraries, for instance). */
int32_t dnt_load_gpu_backend(const char * library_path, char * err, size_t err_len);

/* Loads the base model (path already validated by the caller) and creates the LoRA tensors.
 * backends_dir: folder with ggml backend libraries to load if no CPU backend is registered yet.
 * Returns NULL and writes a message to err on failure. */
dnt_trainer * dnt_init(const char * model_path, const dnt_params * params, const char * backends_dir, char * err, size_t err_len);
void dnt_free(dnt_trainer * t);

/* Adds one packed row. set: 0 = train, 1 = held-out eval. labels[i] is the token to predict at
 * position i, or -1 for none (prompt tokens, the last token of a segment). segments[i] numbers
 * the packed example a token belongs to; attention and positions do not cross segments.
 * Returns 0, or -1 when the row is invalid (err filled). */
int32_t dnt_add_row(dnt_trainer * t, int32_t set, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n, char * err, size_t err_len);
int32_t dnt_row_count(const dnt_trainer * t, int32_t set);

/* Forward only: sum of NLL over labelled positions of one row and their count. */
int32_t dnt_eval_row(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n, double * sum_nll, int32_t * count, char * err, size_t err_len);
/* Mean NLL over all labelled tokens of the held-out set (token-weighted). */
double dnt_eval_set(dnt_trainer * t, int32_t set);

/* Gradient of one training row's loss into the accumulators (zeroed first); returns the loss. */
float dnt_compute_grad(dnt_trainer * t, int32_t row);

/* LoRA parameters, for tests and inspection. index < dnt_param_count. */
int32_t      dnt_param_count(const dnt_trainer * t);
const char * dnt_param_name(const dnt_trainer * t, int32_t index);
int64_t      dnt_param_nelements(const dnt_trainer * t, int32_t index);
void         dnt_param_get(const dnt_trainer * t, int32_t index, float * out);
void         dnt_param_set(dnt_trainer * t, int32_t index, const float * values);
void         dnt_grad_get(const dnt_trainer * t, int32_t index, float * out);

int32_t dnt_total_steps(const dnt_trainer * t);
int32_t dnt_current_step(const dnt_trainer * t);  /* safe to call from another thread during dnt_train */

/* Runs optimizer steps from the current step to the end. Checks *abort_flag (read atomically)
 * before every micro-batch. checkpoint_path may be NULL. Returns 0 when finished, 1 when aborted,
 * -1 on error (err filled). */
int32_t dnt_train(dnt_trainer * t, dnt_progress_cb cb, void * user_data, const int32_t * abort_flag, const char * checkpoint_path, char * err, size_t err_len);

/* As dnt_train, but stops once stop_step optimizer steps are done (stop_step < 0: the end). A later
 * call continues from there exactly as an uninterrupted run would (schedule and data order depend on
 * the step only). Returns 0 when stop_step (or the end) is reached. */
int32_t dnt_train_until(dnt_trainer * t, int32_t stop_step, dnt_progress_cb cb, void * user_data, const int32_t * abort_flag, const char * checkpoint_path, char * err, size_t err_len);

/* The learning rate the optimizer uses for step `step` (0-based: the step that makes step + 1 done). */
float dnt_learning_rate_at(const dnt_trainer * t, int32_t step);

/* Influence (TracIn) support: the gradient of ONE example's mean loss over its labelled tokens with
 * respect to every LoRA parameter, at the current parameters (no dropout, no optimizer update, the
 * accumulators are left zeroed), projected to `dim` floats by a CountSketch: coordinate j of LoRA
 * tensor p goes to bucket h(seed, p, j) mod dim with sign s(seed, p, j), both from splitmix64, so no
 * projection matrix is stored and the projection costs O(P) per example (P = LoRA parameters). It is
 * a sparse Johnson-Lindenstrauss map: E[<Sx, Sy>] = <x, y>, Var ≈ (|x|²|y|² + <x, y>²) / dim.
 * loss (may be NULL) receives the example's mean loss. Returns 0, or -1 (err filled). */
int32_t dnt_grad_sketch(dnt_trainer * t, const int32_t * tokens, const int32_t * labels, const int32_t * segments, int32_t n,
                        int32_t dim, uint64_t seed, float * out, float * loss, char * err, size_t err_len);

/* Checkpoint: LoRA tensors, AdamW moments, step, seed. Written atomically. */
int32_t dnt_save_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len);
int32_t dnt_load_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len);

/* Standard GGUF LoRA adapter plus extra string metadata (n_kv pairs). Written atomically. */
int32_t dnt_save_adapter(dnt_trainer * t, const char * path, const char * const * keys, const char * const * values, int32_t n_kv, char * err, size_t err_len);

dnt_memory dnt_memory_info(dnt_trainer * t);

/* Plain F32 matrix multiply throughput on the same backend and threads (GFLOP/s), as a baseline.
 * gpu: 1 for the first GPU device (already loaded), 0 for the CPU. -1 on failure. */
double dnt_matmul_gflops(int32_t n, int32_t reps, int32_t n_threads, int32_t gpu, const char * backends_dir);

#ifdef __cplusplus
}
#endif
