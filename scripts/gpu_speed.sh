#!/bin/bash
# Model-only GPU speed in one call, for a machine with PyTorch and CUDA but without sambench's C++
# dependencies (the `device` machine): exports a random-weight ViT-H (speed does not depend on the
# weights) and runs scripts/model_speed.py on it in fp32, bf16 and fp16.
#   bash scripts/gpu_speed.sh [OUT_DIR]     (default $OUT, else /tmp/sambench_gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-/tmp/sambench_gpu}}
mkdir -p "$out"
model=/tmp/sambench_vit_h_random.pt  # 2.4 GB: kept out of OUT_DIR
[ -f "$model" ] || python3 scripts/export_sam.py --model-type vit_h --random-init --seed 0 --output "$model"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.csv" || true
python3 scripts/model_speed.py --model "$model" --device cuda --precision fp32 bf16 fp16 \
    --images 10 --warmup 3 --decode-batches 1,4,16,64,256 | tee "$out/model_speed.json"
