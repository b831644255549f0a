#!/usr/bin/env bash
# Runs the whole study (configs/study.yaml) on this machine and writes its report.
#
#   bash scripts/run_study.sh [--dry-run] [--data-root DIR] [--output DIR] [--model PT]
#                             [--limit N] [--processes N] [--only a,b] [--seconds-per-image S]
#                             [--config FILE] [--finetune-config FILE]
#
# One process per local GPU (CUDA_VISIBLE_DEVICES, or nvidia-smi's list), each evaluating shard
# i/N of a dataset, then `sambench merge`; on a machine without a GPU, one process. Before it starts
# it prints the plan (every dataset, its sample count or why it is absent, where it is written) and
# an estimate of the time from `sambench bench` on two images of the first dataset. Datasets whose
# data is absent are skipped with their reason. Run it again after an interruption: finished
# datasets are kept, interrupted ones continue with `eval --resume`. At the end it writes
# OUTPUT/study_report.md and study_report.html (`sambench study-report`).
#
# Environment: SAMBENCH (the binary; default build/sambench), SAMBENCH_DATA_ROOT (as --data-root).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
sambench=${SAMBENCH:-$here/build/sambench}
config=$here/configs/study.yaml
finetune_config=$here/configs/drive_finetune.yaml
data_root=${SAMBENCH_DATA_ROOT:-}
output="" model="" limit="" processes="" only="" seconds_per_image="" dry_run=0

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --data-root) data_root=$2; shift ;;
    --output) output=$2; shift ;;
    --model) model=$2; shift ;;
    --limit) limit=$2; shift ;;
    --processes) processes=$2; shift ;;
    --only) only=$2; shift ;;
    --seconds-per-image) seconds_per_image=$2; shift ;;
    --config) config=$2; shift ;;
    --finetune-config) finetune_config=$2; shift ;;
    -h|--help) usage ;;
    *) echo "run_study.sh: unknown option $1" >&2; usage 2 ;;
  esac
  shift
done
[ -x "$sambench" ] || { echo "run_study.sh: $sambench not found: build first (bash scripts/setup.sh) or set SAMBENCH" >&2; exit 1; }

# The options every sambench call shares (each given once: a repeated option is an error).
shared=()
[ -n "$data_root" ] && shared+=(--data-root "$data_root")
[ -n "$model" ] && shared+=(--model "$model")
common=("${shared[@]}")
[ -n "$output" ] && common+=(--output "$output")
[ -n "$limit" ] && common+=(--limit "$limit")

# The GPUs this script may use: CUDA_VISIBLE_DEVICES, else nvidia-smi's list, else none.
gpus=()
if [ -n "${CUDA_VISIBLE_DEVICES:-}" ]; then
  IFS=, read -r -a gpus <<< "$CUDA_VISIBLE_DEVICES"
elif command -v nvidia-smi > /dev/null 2>&1; then
  while read -r line; do gpus+=("$line"); done < <(nvidia-smi --query-gpu=index --format=csv,noheader 2> /dev/null || true)
fi
if [ -z "$processes" ]; then processes=${#gpus[@]}; [ "$processes" -ge 1 ] || processes=1; fi
where() {  # where process $1 runs
  if [ ${#gpus[@]} -gt 0 ]; then echo "GPU ${gpus[$(( $1 % ${#gpus[@]} ))]}"; else echo "CPU"; fi
}

# The plan: one line per dataset from `sambench eval --plan`.
only_args=()
if [ -n "$only" ]; then IFS=, read -r -a names <<< "$only"; only_args=(--only "${names[@]}"); fi
plan=$("$sambench" eval --config "$config" "${common[@]}" --plan "${only_args[@]}")
names=() counts=() models=()
out_dir="" data_base=""
while IFS=$'\t' read -r tag name count dir model_path base why; do
  [ "$tag" = plan ] || continue
  names+=("$name"); counts+=("$count"); models+=("$model_path")
  out_dir=$(dirname "$dir"); data_base=$base
  [ "$count" = absent ] && echo "skip $name: its data is absent ($why)"
done <<< "$plan"
[ ${#names[@]} -gt 0 ] || { echo "run_study.sh: $config lists no dataset" >&2; exit 1; }
finetuned=$out_dir/drive_finetune/finetuned.pt

# Table 10's fine-tuned datasets need the decoder that `sambench finetune` writes first.
needs_finetune=0
for i in "${!names[@]}"; do
  [ "${models[$i]}" = "$finetuned" ] && [ "${counts[$i]}" != absent ] && needs_finetune=1
done
if [ $needs_finetune = 1 ] && [ ! -f "$finetuned" ]; then
  ft_plan=$("$sambench" eval --config "$finetune_config" --data-root "$data_base" --plan | cut -f3)
  if [ "$ft_plan" = absent ]; then
    echo "skip the fine-tuned datasets: the fine-tuning data of $(basename "$finetune_config") is absent under $data_base"
    for i in "${!names[@]}"; do [ "${models[$i]}" = "$finetuned" ] && counts[$i]=absent; done
    needs_finetune=0
  fi
fi

total=0
echo "study plan: $(basename "$config") into $out_dir, $processes process(es) on $(
  if [ ${#gpus[@]} -gt 0 ]; then echo "GPU(s) ${gpus[*]}"; else echo "the CPU"; fi)"
[ $needs_finetune = 1 ] && echo "  drive_finetune: fine-tune the mask decoder ($(basename "$finetune_config")) into $out_dir/drive_finetune"
for i in "${!names[@]}"; do
  [ "${counts[$i]}" = absent ] && continue
  total=$(( total + counts[i] ))
  printf '  %-24s %7s sample(s) -> %s\n' "${names[$i]}" "${counts[$i]}" "$out_dir/${names[$i]}"
done
for (( p = 0; p < processes; p++ )); do echo "  process $p: $(where $p)"; done

# The estimate: bench's images per second on two images of the first dataset to run.
first=""
for i in "${!names[@]}"; do
  if [ "${counts[$i]}" != absent ] && [ "${models[$i]}" != "$finetuned" ]; then first=${names[$i]}; break; fi
done
if [ -z "$seconds_per_image" ] && [ -n "$first" ]; then
  bench_dir=$(mktemp -d)
  trap 'rm -rf "$bench_dir"' EXIT
  bench_common=("${shared[@]}" --output "$bench_dir" --limit 2)
  if CUDA_VISIBLE_DEVICES=${gpus[0]:-} "$sambench" bench --config "$config" "${bench_common[@]}" --only "$first" \
       --warmup 0 --repeat 1 > "$bench_dir/log" 2>&1; then
    seconds_per_image=$(/usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["median"]
print(1/r["images_per_s"] if r["images_per_s"] else 0)' "$bench_dir/$first/bench.json")
  else
    echo "no estimate: sambench bench failed ($(tail -1 "$bench_dir/log"))"
  fi
fi
if [ -n "$seconds_per_image" ]; then
  estimate=$(/usr/bin/python3 -c "print(round($total * $seconds_per_image / $processes))")
  printf 'estimate: %s image(s) at %.3f s each on %s process(es): about %s min (%s s), without fine-tuning\n' \
    "$total" "$seconds_per_image" "$processes" "$(( estimate / 60 ))" "$estimate"
fi
[ $dry_run = 1 ] && exit 0

complete() { grep -q '"status": "complete"' "$1/summary.json" 2> /dev/null; }
resume_flag() { if [ -d "$1" ] && [ -n "$(ls -A "$1" 2> /dev/null)" ]; then echo --resume; fi; }

if [ $needs_finetune = 1 ] && [ ! -f "$finetuned" ]; then
  echo "[fine-tune] drive_finetune ..."
  ft_args=(--config "$finetune_config" --data-root "$data_base" --output "$out_dir/drive_finetune")
  [ -n "$model" ] && ft_args+=(--model "$model")
  [ -f "$out_dir/drive_finetune/checkpoint.pt" ] && ft_args+=(--resume)
  CUDA_VISIBLE_DEVICES=${gpus[0]:-} "$sambench" finetune "${ft_args[@]}"
fi

n=${#names[@]} k=0
for i in "${!names[@]}"; do
  name=${names[$i]} k=$(( k + 1 ))
  dest=$out_dir/$name
  if [ "${counts[$i]}" = absent ]; then echo "[$k/$n] $name: skipped, its data is absent"; continue; fi
  if complete "$dest"; then echo "[$k/$n] $name: done earlier"; continue; fi
  start=$SECONDS
  echo "[$k/$n] $name: ${counts[$i]} sample(s) on $processes process(es) ..."
  if [ "$processes" = 1 ]; then
    CUDA_VISIBLE_DEVICES=${gpus[0]:-} "$sambench" eval --config "$config" "${common[@]}" --only "$name" $(resume_flag "$dest")
  else
    shards=() pids=()
    for (( p = 0; p < processes; p++ )); do
      shard_out=$out_dir/.shards/$p
      shards+=("$shard_out/$name")
      mkdir -p "$shard_out"
      # The fine-tuned entries find their model in the suite's output folder.
      [ -e "$shard_out/drive_finetune" ] || ln -s "$out_dir/drive_finetune" "$shard_out/drive_finetune"
      complete "$shard_out/$name" && continue
      shard_args=(--config "$config" "${shared[@]}" --output "$shard_out" --only "$name" --shard "$p/$processes")
      [ -n "$limit" ] && shard_args+=(--limit "$limit")
      CUDA_VISIBLE_DEVICES=${gpus[$(( p % (${#gpus[@]} > 0 ? ${#gpus[@]} : 1) ))]:-} \
        "$sambench" eval "${shard_args[@]}" $(resume_flag "$shard_out/$name") > "$shard_out/$name.log" 2>&1 &
      pids+=($!)
    done
    failed=0
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
    [ $failed = 0 ] || { echo "[$k/$n] $name: a shard failed; its log is in $out_dir/.shards/*/$name.log" >&2; exit 1; }
    rm -rf "$dest"
    "$sambench" merge "${shards[@]}" -o "$dest" > /dev/null
  fi
  echo "[$k/$n] $name: done in $(( SECONDS - start )) s"
done

"$sambench" study-report "$out_dir" -o "$out_dir"
