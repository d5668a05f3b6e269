#!/usr/bin/env bash
# Builds native/tools/gpu-check against node-llama-cpp's prebuilt ggml (the libraries the app uses)
# and runs it. Needs only g++ and those libraries, no Node, so it also runs on a GPU machine that
# has none. Usage:
#   native/tools/gpu-check.sh <ggml headers dir> <cpu bins dir> <libggml-cuda.so | --cpu-only> <work dir> [--bench]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
include="$1"; bins="$2"; gpu="$3"; work="$4"; shift 4
mkdir -p "$work"
libggml="$(ls "$bins"/libggml.v*.so 2>/dev/null | head -1 || true)"
[ -n "$libggml" ] || libggml="$bins/libggml.so"
g++ -std=c++17 -O2 -g0 -fopenmp-simd -Wall -Wno-unused-function -I"$include" \
  "$here"/../src/{common,model,graph,loss,frozen_backward,optimizer,files,influence,trainer}.cpp "$here/gpu-check.cpp" \
  -o "$work/gpu-check" "$libggml" "$bins/libggml-base.so" -Wl,-rpath,"$bins" -ldl
if [ "$gpu" = "--cpu-only" ]; then exec "$work/gpu-check" --backends "$bins" --work "$work" --cpu-only "$@"; fi
exec "$work/gpu-check" --backends "$bins" --gpu-lib "$gpu" --work "$work" "$@"
