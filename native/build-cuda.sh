#!/usr/bin/env bash
# Builds ggml's CUDA backend (libggml-cuda.so) from the llama.cpp source bundled in node-llama-cpp, as a
# loadable module for the trainer. Needs CMake, Ninja (or Make) and nvcc; used when node-llama-cpp's
# prebuilt CUDA backend cannot run here (its PTX is JIT-compiled for GPUs it has no machine code for,
# and a driver older than the toolkit that made that PTX refuses it: seen on an H200 with driver 580).
#   native/build-cuda.sh <llama.cpp source> <build dir> [cuda architectures, default: native]
# The library's soname matches node-llama-cpp's unversioned libggml-base.so, so the one ggml-base the
# trainer already loaded serves it. FlashAttention kernels are left out: training does not use them.
set -euo pipefail
src="$1"; build="$2"; arch="${3:-native}"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake -S "$src" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PLATFORM_NO_VERSIONED_SONAME=ON \
  -DBUILD_SHARED_LIBS=ON -DGGML_BACKEND_DL=ON -DGGML_NATIVE=OFF -DGGML_CPU=OFF \
  -DGGML_CCACHE=OFF -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="$arch" -DGGML_CUDA_FA=OFF -DGGML_CUDA_NCCL=OFF \
  -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
cmake --build "$build" --target ggml-cuda -j "$(nproc)"
