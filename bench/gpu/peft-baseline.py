"""The baseline for the trainer's GPU figures: PyTorch + PEFT LoRA at the same shapes on the same GPU.

The shapes of native/tools/gpu-check.cpp's bench (SmolLM2-135M with its small bench vocabulary,
Qwen2.5-0.5B, Llama-3.2-1B), random weights, seq 512, batch 1, rank 16, alpha 32, all seven
projections, AdamW; fp32 (what the trainer computes in) and bf16 (what PyTorch users usually pick).
Prints one JSON line per variant. Run where torch, transformers and peft are installed:
  python3 bench/gpu/peft-baseline.py [smollm2-135m|qwen2.5-0.5b|llama3.2-1b] [fp32,bf16]
"""
import json
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

SEQ, STEPS, WARMUP = 512, 10, 2


SHAPES = {
    "smollm2-135m": dict(vocab_size=559, hidden_size=576, intermediate_size=1536, num_hidden_layers=30, num_attention_heads=9,
                         num_key_value_heads=3, tie_word_embeddings=False),
    "qwen2.5-0.5b": dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24, num_attention_heads=14,
                         num_key_value_heads=2, tie_word_embeddings=True, attention_bias=True),
    "llama3.2-1b": dict(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                        num_key_value_heads=8, tie_word_embeddings=True),
}
SHAPE = sys.argv[1] if len(sys.argv) > 1 else "smollm2-135m"
DTYPES = (sys.argv[2] if len(sys.argv) > 2 else "fp32,bf16").split(",")


def run(dtype, attn):
    torch.manual_seed(0)
    # Qwen2's q/k/v bias is LlamaConfig's attention_bias (o_proj gets one too: a negligible difference).
    cfg = LlamaConfig(**SHAPES[SHAPE], max_position_embeddings=2048, attn_implementation=attn)
    model = LlamaForCausalLM(cfg).to(device="cuda", dtype=dtype)
    lora = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0,
                      target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    model = get_peft_model(model, lora)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    ids = torch.randint(0, 559, (1, SEQ), device="cuda")
    torch.cuda.reset_peak_memory_stats()

    def step():
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    for _ in range(WARMUP):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(STEPS):
        step()
    torch.cuda.synchronize()
    sec = (time.perf_counter() - t0) / STEPS
    return {"check": "peft", "shape": SHAPE, "dtype": str(dtype).removeprefix("torch."), "attention": attn, "secondsPerStep": round(sec, 5),
            "tokensPerSecond": round(SEQ / sec, 1), "peakAllocatedMiB": round(torch.cuda.max_memory_allocated() / 2**20, 1)}


variants = [(torch.float32, "sdpa")] if "fp32" in DTYPES else []
variants += [(torch.bfloat16, "sdpa")] if "bf16" in DTYPES else []
for dtype, attn in variants:
    try:
        print(json.dumps(run(dtype, attn)), flush=True)
    except Exception as e:  # one variant failing must not hide the others
        print(json.dumps({"check": "peft", "dtype": str(dtype), "attention": attn, "error": repr(e)[:300]}), flush=True)
