#!/bin/bash
# The C++ model path on a machine with PyTorch and CUDA but none of sambench's Debian packages
# (the `device` machine): builds sambench-model-speed with -DSAMBENCH_MODEL_ONLY=ON against the
# LibTorch inside PyTorch, exports a random-weight ViT-H (speed does not depend on the weights),
# and measures it in fp32, bf16 and fp16 with decode batches 1 to 256. This exercises what only
# CUDA runs: device selection, pinned host memory and non-blocking copies, the encoder's cast.
#
#   bash scripts/device_model_speed.sh prepare   here: copies the header-only nlohmann_json and
#                                                CLI11 into build-device/include (git-ignored)
#   bash scripts/device_model_speed.sh run [DIR] there, with build-device/include carried:
#                                                numbers into DIR (default $OUT, else /tmp/...)
# scripts/gpu_speed.sh measures the same model from Python (scripts/model_speed.py), for comparison.
set -euo pipefail
cd "$(dirname "$0")/.."
include=build-device/include

prepare() {
  mkdir -p "$include"
  cp -r /usr/include/nlohmann "$include/"
  cp -r /usr/include/CLI "$include/"
  du -sh "$include"
}

run() {
  local out=${1:-${OUT:-/tmp/sambench_device}} model=/tmp/sambench_vit_h_random.pt  # 2.4 GB: not in OUT
  mkdir -p "$out"
  [ -d "$include/nlohmann" ] || { echo "run 'prepare' first and carry $include" >&2; exit 1; }
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.csv" || true
  local prefix
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
  cmake -S . -B build-device/build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAMBENCH_MODEL_ONLY=ON \
      -DSAMBENCH_EXTRA_INCLUDE="$PWD/$include" -DCMAKE_PREFIX_PATH="$prefix" 2>&1 | tail -n 5
  cmake --build build-device/build --target sambench-model-speed 2>&1 | tail -n 5
  [ -f "$model" ] || python3 scripts/export_sam.py --model-type vit_h --random-init --seed 0 --output "$model"
  for precision in fp32 bf16 fp16; do
    build-device/build/sambench-model-speed --model "$model" --device cuda --precision "$precision" \
        --images 10 --warmup 3 --decode-batches 1,4,16,64,256 --json "$out/model_speed_$precision.json"
  done
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 prepare | run [DIR]" >&2; exit 2 ;;
esac
