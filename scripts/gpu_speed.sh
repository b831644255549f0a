#!/bin/bash
# Model-only GPU speed from Python alone, for a machine with PyTorch and CUDA where even the
# model-only C++ build is not wanted: exports a random-weight ViT-H (speed does not depend on the
# weights) and runs scripts/model_speed.py on it in fp32, bf16 and fp16. The fuller one-call
# measurement (C++ and Python, both attentions, encoder batches) is scripts/device_model_speed.sh.
#   bash scripts/gpu_speed.sh [OUT_DIR]     (default $OUT, else a new temporary folder, printed)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-${OUT:-}}
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out"
work=$(mktemp -d)  # the 2.4 GB model: kept out of OUT_DIR, and gone at the end
trap 'rm -rf "$work"' EXIT
model=$work/sambench_vit_h_random.pt
python3 scripts/export_sam.py --model-type vit_h --random-init --seed 0 --output "$model"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$out/gpu.csv" || true
python3 scripts/model_speed.py --model "$model" --device cuda --precision fp32 bf16 fp16 \
    --images 10 --warmup 3 --encode-batches 1,8 --decode-batches 1,4,16,64,256 | tee "$out/model_speed.json"
echo "numbers in $out"
