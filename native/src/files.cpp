// Checkpoints and adapters: GGUF files written to a temp file, fsynced, then renamed.
#include "internal.h"

namespace dnt {

static void fsync_and_rename(const std::string & tmp, const std::string & path) {
    int fd = open(tmp.c_str(), O_RDONLY);
    if (fd < 0) throw Error(fmt("cannot reopen %s", tmp.c_str()));
    const int rc = fsync(fd);
    close(fd);
    if (rc != 0) throw Error(fmt("fsync failed for %s", tmp.c_str()));
    if (rename(tmp.c_str(), path.c_str()) != 0) throw Error(fmt("cannot rename %s to %s", tmp.c_str(), path.c_str()));
    std::string dir = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
    int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
}

// gguf_add_tensor keeps a tensor's data pointer, which must be host memory: tensors in a GPU buffer
// are copied out first. The context owns the copies and must outlive the write.
HostCopies::HostCopies(gguf_context * g, const std::vector<ggml_tensor *> & xs) : ctx(nullptr, ggml_free) {
    size_t bytes = 0;
    for (const ggml_tensor * x : xs) bytes += ggml_nbytes(x) + ggml_tensor_overhead();
    ggml_init_params ip = {bytes + 1024, nullptr, false};
    ctx.reset(ggml_init(ip));
    if (!ctx) throw Error("out of memory copying tensors for writing");
    for (const ggml_tensor * x : xs) {
        ggml_tensor * h = ggml_dup_tensor(ctx.get(), x);
        ggml_set_name(h, x->name);
        ggml_backend_tensor_get(x, h->data, 0, ggml_nbytes(x));
        gguf_add_tensor(g, h);
    }
}

void write_gguf_atomic(gguf_context * g, const std::string & path) {
    const std::string tmp = path + fmt(".%d.tmp", (int) getpid());
    if (!gguf_write_to_file(g, tmp.c_str(), false)) throw Error(fmt("cannot write %s", tmp.c_str()));
    fsync_and_rename(tmp, path);
}

}  // namespace dnt

using namespace dnt;

extern "C" {

int32_t dnt_save_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        GgufPtr owned(gguf_init_empty(), gguf_free);
        gguf_context * g = owned.get();
        gguf_set_val_str(g, "general.type", "datanet.checkpoint");
        gguf_set_val_str(g, "general.architecture", t->hp.arch.c_str());
        gguf_set_val_u32(g, "checkpoint.version", 1);
        gguf_set_val_i32(g, "checkpoint.step", t->step);
        // The data order and LoRA init derive from the seed and the step alone, so these are the RNG state.
        gguf_set_val_u64(g, "checkpoint.seed", t->params.seed);
        gguf_set_val_i32(g, "checkpoint.lora_rank", t->params.lora_rank);
        gguf_set_val_u32(g, "checkpoint.targets", t->params.targets);
        std::vector<ggml_tensor *> xs;
        for (Lora & lo : t->loras) xs.insert(xs.end(), {lo.a, lo.b, lo.ma, lo.va, lo.mb, lo.vb});
        HostCopies host(g, xs);
        write_gguf_atomic(g, path);
        return 0;
    });
}

int32_t dnt_load_checkpoint(dnt_trainer * t, const char * path, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        ggml_context * data = nullptr;
        gguf_init_params gp = {false, &data};
        GgufPtr owned(gguf_init_from_file(path, gp), gguf_free);
        GgmlPtr owned_data(data, ggml_free);
        gguf_context * g = owned.get();
        if (!g) throw Error(fmt("%s: not a readable checkpoint", path));
        const int64_t k = gguf_find_key(g, "checkpoint.step");
        const int64_t ks = gguf_find_key(g, "checkpoint.seed");
        if (k < 0 || ks < 0) throw Error(fmt("%s: checkpoint.step or checkpoint.seed missing", path));
        if (gguf_get_val_u64(g, ks) != t->params.seed) throw Error(fmt("%s: checkpoint was made with another seed", path));
        const int32_t step = gguf_get_val_i32(g, k);
        if (step < 0 || step > dnt_total_steps(t)) throw Error(fmt("%s: step %d is outside this run (0..%d)", path, step, dnt_total_steps(t)));
        for (Lora & lo : t->loras) {
            for (ggml_tensor * x : {lo.a, lo.b, lo.ma, lo.va, lo.mb, lo.vb}) {
                ggml_tensor * src = ggml_get_tensor(data, x->name);
                if (!src || !ggml_are_same_shape(src, x) || src->type != GGML_TYPE_F32) throw Error(fmt("%s: tensor %s missing or of another shape", path, x->name));
                ggml_backend_tensor_set(x, src->data, 0, ggml_nbytes(x));
            }
        }
        t->step = step;
        zero_grads(t);
        return 0;
    });
}

int32_t dnt_save_adapter(dnt_trainer * t, const char * path, const char * const * keys, const char * const * values, int32_t n_kv, char * err, size_t err_len) {
    return guarded(err, err_len, [&] {
        GgufPtr owned(gguf_init_empty(), gguf_free);
        gguf_context * g = owned.get();
        gguf_set_val_str(g, "general.type", "adapter");
        gguf_set_val_str(g, "general.architecture", t->hp.arch.c_str());
        gguf_set_val_str(g, "adapter.type", "lora");
        gguf_set_val_f32(g, "adapter.lora.alpha", t->params.lora_alpha);  // llama.cpp reads it as FLOAT32
        for (int32_t i = 0; i < n_kv; i++) gguf_set_val_str(g, keys[i], values[i]);
        std::vector<ggml_tensor *> xs;
        for (Lora & lo : t->loras) xs.insert(xs.end(), {lo.a, lo.b});
        HostCopies host(g, xs);
        write_gguf_atomic(g, path);
        return 0;
    });
}

}  // extern "C"
