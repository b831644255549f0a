#!/usr/bin/env bash
# Runs a sambench evaluation as N local processes (eval --shard i/N), then merges them into
# OUTPUT/merged, the results of the unsharded run. Each shard resumes from its journal, so
# running the script again after a crash or Ctrl-C redoes only what is missing.
#
#   scripts/run_sharded_local.sh CONFIG OUTPUT N [eval options...]
#   e.g. scripts/run_sharded_local.sh configs/demo.yaml runs/demo_sharded 2 --threads 1
#
# Give each process its share of the cores (--threads) or of the GPUs (--device cuda:K is one
# device for all; use CUDA_VISIBLE_DEVICES per shard to spread them). SAMBENCH names the binary.
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
config=$1
output=$2
shards=$3
shift 3
sambench=${SAMBENCH:-$(dirname "$0")/../build/sambench}

mkdir -p "$output/logs" "$output/shards"
pids=()
for ((i = 0; i < shards; i++)); do
  "$sambench" eval --config "$config" --output "$output/shards/$i" --shard "$i/$shards" --resume "$@" \
    >"$output/logs/shard_$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "run_sharded_local: shard $i/$shards failed; see $output/logs/shard_$i.log" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
# --overwrite: running the script again replaces the merged run it made before.
"$sambench" merge "$output/shards/"* -o "$output/merged" --overwrite
