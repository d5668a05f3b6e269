// N-API binding of the trainer's C API. Long work (init, training, evaluation) runs on libuv's
// worker pool; progress comes back through AsyncProgressQueueWorker; abort() sets a flag the
// trainer reads before every micro-batch.
#include <napi.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "trainer.h"
#include "ggml-backend.h"

namespace {

constexpr size_t ERR_LEN = 1024;

std::vector<int32_t> int_array(const Napi::Value & v, const char * what) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        throw Napi::TypeError::New(v.Env(), std::string(what) + " must be an Int32Array");
    }
    Napi::Int32Array a = v.As<Napi::Int32Array>();
    return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

double num(const Napi::Object & o, const char * key, double fallback) {
    Napi::Value v = o.Get(key);
    return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

dnt_params parse_params(const Napi::Object & o) {
    dnt_params p = dnt_default_params();
    p.lora_rank = (int32_t) num(o, "rank", p.lora_rank);
    p.lora_alpha = (float) num(o, "alpha", p.lora_alpha);
    p.lora_dropout = (float) num(o, "dropout", p.lora_dropout);
    p.fast_frozen_backward = (int32_t) num(o, "fastFrozenBackward", p.fast_frozen_backward);
    p.loss_chunk = (int32_t) num(o, "lossChunk", p.loss_chunk);
    p.targets = (uint32_t) num(o, "targets", p.targets);
    p.learning_rate = (float) num(o, "learningRate", p.learning_rate);
    p.min_lr_ratio = (float) num(o, "minLrRatio", p.min_lr_ratio);
    p.warmup_steps = (int32_t) num(o, "warmupSteps", p.warmup_steps);
    p.weight_decay = (float) num(o, "weightDecay", p.weight_decay);
    p.adam_beta1 = (float) num(o, "beta1", p.adam_beta1);
    p.adam_beta2 = (float) num(o, "beta2", p.adam_beta2);
    p.adam_eps = (float) num(o, "eps", p.adam_eps);
    p.grad_accum = (int32_t) num(o, "gradAccum", p.grad_accum);
    p.epochs = (int32_t) num(o, "epochs", p.epochs);
    p.seed = (uint64_t) num(o, "seed", (double) p.seed);
    p.n_threads = (int32_t) num(o, "threads", p.n_threads);
    p.gpu = o.Get("gpu").ToBoolean() ? 1 : 0;
    p.eval_every = (int32_t) num(o, "evalEvery", p.eval_every);
    p.checkpoint_every = (int32_t) num(o, "checkpointEvery", p.checkpoint_every);
    return p;
}

Napi::Object progress_object(Napi::Env env, const dnt_progress & p) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("step", p.step);
    o.Set("totalSteps", p.total_steps);
    o.Set("epoch", p.epoch);
    o.Set("loss", p.loss);
    o.Set("learningRate", p.learning_rate);
    o.Set("gradNorm", p.grad_norm);
    o.Set("evalLoss", std::isnan(p.eval_loss) ? env.Null() : Napi::Number::New(env, p.eval_loss));
    o.Set("tokensSeen", (double) p.tokens_seen);
    o.Set("elapsedS", p.elapsed_s);
    o.Set("checkpointWritten", p.checkpoint_written != 0);
    return o;
}

class Trainer;

class TrainWorker : public Napi::AsyncProgressQueueWorker<dnt_progress> {
public:
    // The receiver (the JS Trainer) is held by the worker, so it cannot be collected mid-run.
    TrainWorker(Napi::Env env, const Napi::Object & receiver, dnt_trainer * t, std::atomic<int32_t> * abort_flag, std::atomic<int32_t> * abort_step,
                std::string checkpoint, int32_t stop_step, Napi::Function on_progress, std::atomic<bool> * busy)
        : Napi::AsyncProgressQueueWorker<dnt_progress>(receiver, on_progress), t_(t), abort_(abort_flag), abort_step_(abort_step),
          checkpoint_(std::move(checkpoint)), stop_step_(stop_step), deferred_(Napi::Promise::Deferred::New(env)), busy_(busy) {}
    Napi::Promise Promise() { return deferred_.Promise(); }

    void Execute(const ExecutionProgress & progress) override {
        char err[ERR_LEN] = {0};
        progress_ = &progress;
        rc_ = dnt_train_until(t_, stop_step_, &TrainWorker::OnStep, this, reinterpret_cast<const int32_t *>(abort_), checkpoint_.empty() ? nullptr : checkpoint_.c_str(), err, sizeof err);
        if (rc_ < 0) SetError(err);
    }
    void OnProgress(const dnt_progress * data, size_t count) override {
        Napi::HandleScope scope(Env());
        for (size_t i = 0; i < count; i++) Callback().Call({progress_object(Env(), data[i])});
    }
    void OnOK() override {
        busy_->store(false);
        Napi::Object r = Napi::Object::New(Env());
        r.Set("status", rc_ == 1 ? "aborted" : "finished");
        r.Set("step", dnt_current_step(t_));
        const int32_t at = abort_step_->load();
        r.Set("abortRequestedAtStep", at < 0 ? Env().Null() : Napi::Number::New(Env(), at));
        deferred_.Resolve(r);
    }
    void OnError(const Napi::Error & e) override {
        busy_->store(false);
        deferred_.Reject(e.Value());
    }

private:
    static void OnStep(void * self, const dnt_progress * p) { static_cast<TrainWorker *>(self)->progress_->Send(p, 1); }
    dnt_trainer * t_;
    std::atomic<int32_t> * abort_;
    std::atomic<int32_t> * abort_step_;
    std::string checkpoint_;
    int32_t stop_step_;
    Napi::Promise::Deferred deferred_;
    std::atomic<bool> * busy_;
    const ExecutionProgress * progress_ = nullptr;
    int32_t rc_ = 0;
};

class Trainer : public Napi::ObjectWrap<Trainer> {
public:
    static Napi::Function Define(Napi::Env env) {
        return DefineClass(env, "Trainer", {
            InstanceMethod<&Trainer::AddRow>("addRow"),
            InstanceMethod<&Trainer::RowCount>("rowCount"),
            InstanceMethod<&Trainer::EvalRow>("evalRow"),
            InstanceMethod<&Trainer::EvalSet>("evalSet"),
            InstanceMethod<&Trainer::ComputeGrad>("computeGrad"),
            InstanceMethod<&Trainer::Params>("params"),
            InstanceMethod<&Trainer::GetParam>("getParam"),
            InstanceMethod<&Trainer::SetParam>("setParam"),
            InstanceMethod<&Trainer::GetGrad>("getGrad"),
            InstanceMethod<&Trainer::GradSketch>("gradSketch"),
            InstanceMethod<&Trainer::LearningRateAt>("learningRateAt"),
            InstanceMethod<&Trainer::Train>("train"),
            InstanceMethod<&Trainer::Abort>("abort"),
            InstanceMethod<&Trainer::SaveCheckpoint>("saveCheckpoint"),
            InstanceMethod<&Trainer::LoadCheckpoint>("loadCheckpoint"),
            InstanceMethod<&Trainer::SaveAdapter>("saveAdapter"),
            InstanceMethod<&Trainer::Memory>("memory"),
            InstanceMethod<&Trainer::Steps>("steps"),
            InstanceMethod<&Trainer::Free>("free"),
        });
    }

    // new Trainer(modelPath, params, backendsDir): loads synchronously (models here are small;
    // the app always runs this in a child process anyway).
    explicit Trainer(const Napi::CallbackInfo & info) : Napi::ObjectWrap<Trainer>(info) {
        Napi::Env env = info.Env();
        if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsString()) {
            throw Napi::TypeError::New(env, "new Trainer(modelPath: string, params: object, backendsDir: string)");
        }
        const dnt_params p = parse_params(info[1].As<Napi::Object>());
        char err[ERR_LEN] = {0};
        t_ = dnt_init(info[0].As<Napi::String>().Utf8Value().c_str(), &p, info[2].As<Napi::String>().Utf8Value().c_str(), err, sizeof err);
        if (!t_) throw Napi::Error::New(env, err);
    }
    ~Trainer() override { if (t_) dnt_free(t_); }

private:
    dnt_trainer * live(Napi::Env env) {
        if (!t_) throw Napi::Error::New(env, "trainer was freed");
        if (busy_.load()) throw Napi::Error::New(env, "trainer is busy training");
        return t_;
    }

    Napi::Value AddRow(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        const int32_t set = info[0].As<Napi::Number>().Int32Value();
        auto tok = int_array(info[1], "tokens"), lab = int_array(info[2], "labels"), seg = int_array(info[3], "segments");
        if (tok.size() != lab.size() || tok.size() != seg.size()) throw Napi::RangeError::New(info.Env(), "tokens, labels and segments differ in length");
        char err[ERR_LEN] = {0};
        if (dnt_add_row(t, set, tok.data(), lab.data(), seg.data(), (int32_t) tok.size(), err, sizeof err) != 0) throw Napi::Error::New(info.Env(), err);
        return info.Env().Undefined();
    }
    Napi::Value RowCount(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), dnt_row_count(live(info.Env()), info[0].As<Napi::Number>().Int32Value())); }
    Napi::Value EvalRow(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        auto tok = int_array(info[0], "tokens"), lab = int_array(info[1], "labels"), seg = int_array(info[2], "segments");
        if (tok.size() != lab.size() || tok.size() != seg.size()) throw Napi::RangeError::New(info.Env(), "tokens, labels and segments differ in length");
        double sum = 0;
        int32_t count = 0;
        char err[ERR_LEN] = {0};
        if (dnt_eval_row(t, tok.data(), lab.data(), seg.data(), (int32_t) tok.size(), &sum, &count, err, sizeof err) != 0) throw Napi::Error::New(info.Env(), err);
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("sumNll", sum);
        o.Set("count", count);
        return o;
    }
    Napi::Value EvalSet(const Napi::CallbackInfo & info) { return Napi::Number::New(info.Env(), dnt_eval_set(live(info.Env()), info[0].As<Napi::Number>().Int32Value())); }
    Napi::Value ComputeGrad(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        const int32_t row = info[0].As<Napi::Number>().Int32Value();
        if (row < 0 || row >= dnt_row_count(t, 0)) throw Napi::RangeError::New(info.Env(), "row out of range");
        return Napi::Number::New(info.Env(), dnt_compute_grad(t, row));
    }
    Napi::Value Params(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        Napi::Array a = Napi::Array::New(info.Env());
        for (int32_t i = 0; i < dnt_param_count(t); i++) {
            Napi::Object o = Napi::Object::New(info.Env());
            o.Set("name", dnt_param_name(t, i));
            o.Set("size", (double) dnt_param_nelements(t, i));
            a.Set(i, o);
        }
        return a;
    }
    int32_t param_index(const Napi::CallbackInfo & info, dnt_trainer * t) {
        const int32_t i = info[0].As<Napi::Number>().Int32Value();
        if (i < 0 || i >= dnt_param_count(t)) throw Napi::RangeError::New(info.Env(), "param index out of range");
        return i;
    }
    Napi::Value GetParam(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        const int32_t i = param_index(info, t);
        Napi::Float32Array out = Napi::Float32Array::New(info.Env(), (size_t) dnt_param_nelements(t, i));
        dnt_param_get(t, i, out.Data());
        return out;
    }
    Napi::Value SetParam(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        const int32_t i = param_index(info, t);
        if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(info.Env(), "values must be a Float32Array");
        Napi::Float32Array v = info[1].As<Napi::Float32Array>();
        if ((int64_t) v.ElementLength() != dnt_param_nelements(t, i)) throw Napi::RangeError::New(info.Env(), "values have the wrong length");
        dnt_param_set(t, i, v.Data());
        return info.Env().Undefined();
    }
    Napi::Value GetGrad(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        const int32_t i = param_index(info, t);
        Napi::Float32Array out = Napi::Float32Array::New(info.Env(), (size_t) dnt_param_nelements(t, i));
        dnt_grad_get(t, i, out.Data());
        return out;
    }
    // gradSketch(tokens, labels, segments, dim, seed) → { sketch: Float32Array(dim), loss }
    Napi::Value GradSketch(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        auto tok = int_array(info[0], "tokens"), lab = int_array(info[1], "labels"), seg = int_array(info[2], "segments");
        if (tok.size() != lab.size() || tok.size() != seg.size()) throw Napi::RangeError::New(info.Env(), "tokens, labels and segments differ in length");
        if (!info[3].IsNumber() || !info[4].IsNumber()) throw Napi::TypeError::New(info.Env(), "gradSketch(tokens, labels, segments, dim, seed)");
        const int32_t dim = info[3].As<Napi::Number>().Int32Value();
        const double seed = info[4].As<Napi::Number>().DoubleValue();
        if (dim < 1 || dim > (1 << 24)) throw Napi::RangeError::New(info.Env(), "sketch dimension must be in [1, 2^24]");
        if (!(seed >= 0 && seed <= 9007199254740992.0)) throw Napi::RangeError::New(info.Env(), "seed must be an integer in [0, 2^53]");
        Napi::Float32Array out = Napi::Float32Array::New(info.Env(), (size_t) dim);
        float loss = 0;
        char err[ERR_LEN] = {0};
        if (dnt_grad_sketch(t, tok.data(), lab.data(), seg.data(), (int32_t) tok.size(), dim, (uint64_t) seed, out.Data(), &loss, err, sizeof err) != 0) {
            throw Napi::Error::New(info.Env(), err);
        }
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("sketch", out);
        o.Set("loss", loss);
        return o;
    }
    Napi::Value LearningRateAt(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        return Napi::Number::New(info.Env(), dnt_learning_rate_at(t, info[0].As<Napi::Number>().Int32Value()));
    }
    // train(onProgress, checkpointPath?, stopStep?) → Promise<'finished' | 'aborted'>; with stopStep the
    // run pauses once that many optimizer steps are done ('finished' then means "reached stopStep").
    Napi::Value Train(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "train(onProgress, checkpointPath?, stopStep?)");
        const std::string ckpt = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
        const int32_t stop_step = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
        abort_.store(0);
        abort_step_.store(-1);
        busy_.store(true);
        auto * w = new TrainWorker(info.Env(), info.This().As<Napi::Object>(), t, &abort_, &abort_step_, ckpt, stop_step, info[0].As<Napi::Function>(), &busy_);
        Napi::Promise p = w->Promise();
        w->Queue();
        return p;
    }
    // Records the step the run had reached when the abort was requested, so that callers can check
    // that it stopped within one step.
    Napi::Value Abort(const Napi::CallbackInfo & info) {
        if (t_ && abort_step_.load() < 0) abort_step_.store(dnt_current_step(t_));
        abort_.store(1);
        return info.Env().Undefined();
    }
    Napi::Value SaveCheckpoint(const Napi::CallbackInfo & info) {
        char err[ERR_LEN] = {0};
        if (dnt_save_checkpoint(live(info.Env()), info[0].As<Napi::String>().Utf8Value().c_str(), err, sizeof err) != 0) throw Napi::Error::New(info.Env(), err);
        return info.Env().Undefined();
    }
    Napi::Value LoadCheckpoint(const Napi::CallbackInfo & info) {
        char err[ERR_LEN] = {0};
        if (dnt_load_checkpoint(live(info.Env()), info[0].As<Napi::String>().Utf8Value().c_str(), err, sizeof err) != 0) throw Napi::Error::New(info.Env(), err);
        return info.Env().Undefined();
    }
    // saveAdapter(path, { key: stringValue, ... })
    Napi::Value SaveAdapter(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        std::vector<std::string> ks, vs;
        if (info.Length() > 1 && info[1].IsObject()) {
            Napi::Object o = info[1].As<Napi::Object>();
            Napi::Array names = o.GetPropertyNames();
            for (uint32_t i = 0; i < names.Length(); i++) {
                ks.push_back(names.Get(i).ToString().Utf8Value());
                vs.push_back(o.Get(names.Get(i)).ToString().Utf8Value());
            }
        }
        std::vector<const char *> kp, vp;
        for (size_t i = 0; i < ks.size(); i++) { kp.push_back(ks[i].c_str()); vp.push_back(vs[i].c_str()); }
        char err[ERR_LEN] = {0};
        if (dnt_save_adapter(t, info[0].As<Napi::String>().Utf8Value().c_str(), kp.data(), vp.data(), (int32_t) kp.size(), err, sizeof err) != 0) throw Napi::Error::New(info.Env(), err);
        return info.Env().Undefined();
    }
    Napi::Value Memory(const Napi::CallbackInfo & info) {
        const dnt_memory m = dnt_memory_info(live(info.Env()));
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("weightsBytes", (double) m.weights_bytes);
        o.Set("loraBytes", (double) m.lora_bytes);
        o.Set("computeBytes", (double) m.compute_bytes);
        o.Set("estimateBytes", (double) m.estimate_bytes);
        o.Set("peakRssBytes", (double) m.peak_rss_bytes);
        return o;
    }
    Napi::Value Steps(const Napi::CallbackInfo & info) {
        dnt_trainer * t = live(info.Env());
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("current", dnt_current_step(t));
        o.Set("total", dnt_total_steps(t));
        return o;
    }
    Napi::Value Free(const Napi::CallbackInfo & info) {
        live(info.Env());
        dnt_free(t_);
        t_ = nullptr;
        return info.Env().Undefined();
    }

    dnt_trainer * t_ = nullptr;
    std::atomic<int32_t> abort_{0};
    std::atomic<int32_t> abort_step_{-1};
    std::atomic<bool> busy_{false};
};

// matmulGflops(n, reps, threads, backendsDir, gpu?)
Napi::Value MatmulGflops(const Napi::CallbackInfo & info) {
    const double g = dnt_matmul_gflops(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(),
                                       info[2].As<Napi::Number>().Int32Value(), info.Length() > 4 && info[4].ToBoolean() ? 1 : 0,
                                       info[3].As<Napi::String>().Utf8Value().c_str());
    return Napi::Number::New(info.Env(), g);
}

// loadGpuBackend(libraryPath): the number of GPU devices registered; throws with the loader's reason.
Napi::Value LoadGpuBackend(const Napi::CallbackInfo & info) {
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "loadGpuBackend(libraryPath: string)");
    char err[ERR_LEN] = {0};
    const int32_t n = dnt_load_gpu_backend(info[0].As<Napi::String>().Utf8Value().c_str(), err, sizeof err);
    if (n < 0) throw Napi::Error::New(info.Env(), err);
    return Napi::Number::New(info.Env(), n);
}

// Names of the CPU backend's "extra" buffer types (repack, AMX, ...): node-llama-cpp puts quantized
// weights there for inference; the trainer cannot (no out_prod), which changes rounding.
Napi::Value CpuExtraBufferTypes(const Napi::CallbackInfo & info) {
    Napi::Array out = Napi::Array::New(info.Env());
    ggml_backend_dev_t dev = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (!dev) return out;
    auto get = (ggml_backend_dev_get_extra_bufts_t) ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(dev), "ggml_backend_dev_get_extra_bufts");
    if (!get) return out;
    uint32_t i = 0;
    for (ggml_backend_buffer_type_t * b = get(dev); b && *b; b++) out.Set(i++, ggml_backend_buft_name(*b));
    return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
    exports.Set("cpuExtraBufferTypes", Napi::Function::New(env, CpuExtraBufferTypes));
    exports.Set("Trainer", Trainer::Define(env));
    exports.Set("matmulGflops", Napi::Function::New(env, MatmulGflops));
    exports.Set("loadGpuBackend", Napi::Function::New(env, LoadGpuBackend));
    exports.Set("TARGETS", [&] {
        Napi::Object o = Napi::Object::New(env);
        o.Set("q", (double) DNT_TARGET_Q); o.Set("k", (double) DNT_TARGET_K); o.Set("v", (double) DNT_TARGET_V);
        o.Set("o", (double) DNT_TARGET_O); o.Set("gate", (double) DNT_TARGET_GATE); o.Set("up", (double) DNT_TARGET_UP);
        o.Set("down", (double) DNT_TARGET_DOWN);
        return o;
    }());
    return exports;
}

}  // namespace

NODE_API_MODULE(datanet_trainer, Init)
