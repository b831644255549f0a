#!/bin/bash
# The one prepared call for a GPU machine that has PyTorch and CUDA but none of sambench's Debian
# packages (the `device` machine). In one run, every number from the same machine and PyTorch:
#   1. builds sambench-model-speed (-DSAMBENCH_MODEL_ONLY=ON) against that PyTorch's LibTorch,
#      while it exports a random-weight ViT-H twice (speed does not depend on the weights):
#      textbook attention and --attention sdpa (skipped, and said so, where PyTorch lacks it);
#   2. C++ (sambench's SamModel): encoder images/s for each precision x encoder batch x attention,
#      decoder prompts/s per decode batch, peak GPU memory;
#   3. Python (scripts/model_speed.py) on the same two models: the TorchScript and eager engines,
#      then torch.compile on the sdpa model (textbook where sdpa is missing) in bf16;
#   4. DIR/summary.json and a table on stdout (scripts/speed_summary.py).
# Each step runs under a time limit and writes DIR/logs/<step>.log; DIR/steps.tsv has each
# step's exit status and seconds, so one failing step loses nothing else. Steps 2 and 3 stop
# starting new measurements once the run has taken `budget` seconds.
#
#   bash scripts/device_model_speed.sh prepare      here: copies the header-only nlohmann_json and
#                                                   CLI11 into build-device/include (git-ignored)
#   bash scripts/device_model_speed.sh run [DIR]    there, with build-device/include carried: the
#                                                   numbers into DIR (default $OUT, else a new
#                                                   temporary folder, printed)
#   bash scripts/device_model_speed.sh check [DIR]  here: the same steps on the CPU with the small
#                                                   model and short counts, the binary from build/
#                                                   (no build step), to try the script before a GPU
set -euo pipefail
cd "$(dirname "$0")/.."
include=build-device/include

prepare() {
  mkdir -p "$include"
  cp -r /usr/include/nlohmann "$include/"
  cp -r /usr/include/CLI "$include/"
  du -sh "$include"
}

# The settings of a GPU run; check() replaces them.
gpu_settings() {
  python=python3 device=cuda model_type=vit_h binary=build-device/build/sambench-model-speed
  precisions="fp32 bf16" encode_batches=1,4,8,16 decode_batches=1,4,16,64,256
  images=5 warmup=2 py_encode_batches=1,8 compile_batches=8 budget=420
  build_limit=300 export_limit=300 measure_limit=120 compile_limit=200
}

# step NAME LIMIT_S FUNCTION ARGS...: runs one of the functions below under a time limit (in a
# child bash: `timeout` runs programs), its output in logs/NAME.log.
step() {
  local name=$1 limit=$2 start=$SECONDS rc=0
  shift 2
  echo "== $name (limit ${limit}s)"
  timeout "$limit" bash -c 'set -euo pipefail; "$@"' "$name" "$@" > "$out/logs/$name.log" 2>&1 || rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - start))" >> "$out/steps.tsv"
  [ "$rc" -eq 0 ] || echo "   failed (exit $rc; 124: over its limit): $(tail -n 1 "$out/logs/$name.log")"
  return 0
}

# skip NAME REASON: records a step that did not run, and why.
skip() {
  printf '%s\tskipped: %s\t0\n' "$1" "$2" >> "$out/steps.tsv"
  echo "== $1 skipped: $2"
}

within_budget() { [ "$SECONDS" -lt "$budget" ]; }

build() {
  local prefix generator=()
  prefix=$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')
  if command -v ninja > /dev/null; then generator=(-G Ninja); fi
  cmake -S . -B build-device/build "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DSAMBENCH_MODEL_ONLY=ON \
      -DSAMBENCH_EXTRA_INCLUDE="$PWD/$include" -DCMAKE_PREFIX_PATH="$prefix"
  cmake --build build-device/build --target sambench-model-speed --parallel "$(nproc)"
}

export_model() {  # export_model ATTENTION
  "$python" scripts/export_sam.py --model-type "$model_type" --random-init --seed 0 --attention "$1" \
      --output "$work/$model_type-$1.pt"
}

cpp_speed() {  # cpp_speed ATTENTION PRECISION DECODE_BATCHES
  "$binary" --model "$work/$model_type-$1.pt" --device "$device" --precision "$2" --images "$images" \
      --warmup "$warmup" --encode-batches "$encode_batches" --decode-batches "$3" \
      --json "$out/cpp_$1_$2.json"
}

py_speed() {  # py_speed NAME ATTENTION ARGS...: scripts/model_speed.py, its JSON into NAME.json
  local name=$1 attention=$2
  shift 2
  "$python" scripts/model_speed.py --model "$work/$model_type-$attention.pt" --device "$device" \
      --images "$images" --warmup "$warmup" "$@" > "$out/$name.json"
}

attentions() {
  if "$python" -c 'import torch.nn.functional as F; assert hasattr(F, "scaled_dot_product_attention")' 2> /dev/null; then
    echo "textbook sdpa"
  else
    echo textbook
  fi
}

measure() {
  export python device model_type binary precisions encode_batches images warmup include out work
  export -f build export_model cpp_speed py_speed
  mkdir -p "$out/logs"
  : > "$out/steps.tsv"
  work=$(mktemp -d)  # the models (2.4 GB each with ViT-H): never in DIR, gone at the end
  export work
  trap 'rm -rf "$work"' EXIT
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader > "$out/gpu.csv" 2> /dev/null ||
    echo "none (no nvidia-smi)" > "$out/gpu.csv"
  "$python" -c 'import json, torch; print(json.dumps({"torch": torch.__version__, "cuda": torch.version.cuda,
      "compile": hasattr(torch, "compile")}))' > "$out/torch.json"
  local forms
  forms=$(attentions)
  [[ $forms == *sdpa* ]] || skip export_sdpa "this PyTorch has no scaled_dot_product_attention"

  if [ "$mode" = run ]; then
    if [ -d "$include/nlohmann" ]; then
      step build "$build_limit" build &
    else
      skip build "no $include: run 'prepare' here and carry it"
    fi
  fi
  for attention in $forms; do step "export_$attention" "$export_limit" export_model "$attention" & done
  wait

  local decode=$decode_batches
  for attention in $forms; do
    for precision in $precisions; do
      if [ ! -x "$binary" ]; then skip "cpp_${attention}_$precision" "no $binary"; continue; fi
      if ! within_budget; then skip "cpp_${attention}_$precision" "over the time budget"; continue; fi
      step "cpp_${attention}_$precision" "$measure_limit" cpp_speed "$attention" "$precision" "$decode"
      decode=none  # the decoder runs in float32 whatever the encoder: measured once
    done
  done
  for attention in $forms; do
    if ! within_budget; then skip "py_$attention" "over the time budget"; continue; fi
    # shellcheck disable=SC2086  # $precisions is a list
    step "py_$attention" "$measure_limit" py_speed "py_$attention" "$attention" --engine torchscript eager \
        --precision $precisions --encode-batches "$py_encode_batches" --decode-batches 1,64
  done
  local fused=${forms##* }  # sdpa where there is one
  if ! "$python" -c 'import torch; assert hasattr(torch, "compile")' 2> /dev/null; then
    skip "py_compile_$fused" "this PyTorch has no torch.compile"
  elif ! within_budget; then
    skip "py_compile_$fused" "over the time budget"
  else
    step "py_compile_$fused" "$compile_limit" py_speed "py_compile_$fused" "$fused" --engine compile \
        --precision bf16 --encode-batches "$compile_batches" --decode-batches none
  fi
  "$python" scripts/speed_summary.py "$out" | tee "$out/summary.md"
  echo "numbers in $out (total ${SECONDS}s)"
}

run() {
  out=${1:-${OUT:-}}
  [ -n "$out" ] || out=$(mktemp -d)
  mode=run
  gpu_settings
  measure
}

check() {
  out=${1:-}
  [ -n "$out" ] || out=$(mktemp -d)
  mode=check
  gpu_settings
  python=/usr/bin/python3 device=cpu model_type=small binary=build/sambench-model-speed
  encode_batches=1,2 decode_batches=1,4 images=1 warmup=1 py_encode_batches=1,2 compile_batches=2
  measure_limit=900 budget=3600  # a shared CPU is slow
  measure
}

case "${1:-}" in
  prepare) prepare ;;
  run) shift; run "$@" ;;
  check) shift; check "$@" ;;
  *) echo "usage: $0 prepare | run [DIR] | check [DIR]" >&2; exit 2 ;;
esac
