#!/usr/bin/env bash
# Runs a sambench evaluation on a Slurm cluster: one job array task per shard (eval --shard i/N),
# then a merge job that starts once every task has ended and writes OUTPUT/merged, the results of
# the unsharded run (merge refuses a shard that is not complete, naming it). afterany, not afterok:
# Slurm keeps an array task's failure (a preempted task ends with exit code 143) even after the
# task is requeued and succeeds, so afterok would leave the merge pending forever. Tasks run with
# --resume, so a preempted or requeued task goes on from its journal; resubmitting the script
# after a failure redoes only what is missing. The task execs sambench: a preemption's SIGTERM
# reaches the whole job, and a shell in between would die at once and take sambench with it
# before it could mark the run interrupted.
#
#   scripts/slurm_array.sh CONFIG OUTPUT N [sbatch options for the shard tasks...]
#   e.g. scripts/slurm_array.sh configs/amos.yaml runs/amos 16 --partition=gpu --gres=gpu:1 --time=8:00:00
#
# OUTPUT/shards/<i>/ holds the shards' run folders, OUTPUT/logs/ their logs. SAMBENCH names the
# binary (default: build/sambench beside this script). Paths must not contain single quotes.
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
config=$(realpath "$1")
output=$(realpath -m "$2")
shards=$3
shift 3
sambench=$(realpath "${SAMBENCH:-$(dirname "$0")/../build/sambench}")

mkdir -p "$output/logs" "$output/shards"
array_job=$(sbatch --parsable --job-name=sambench --requeue --array="0-$((shards - 1))" \
  --output="$output/logs/shard_%a.log" "$@" \
  --wrap="exec '$sambench' eval --config '$config' --output '$output/shards/'\$SLURM_ARRAY_TASK_ID \
--shard \$SLURM_ARRAY_TASK_ID/$shards --resume")
merge_job=$(sbatch --parsable --job-name=sambench-merge --dependency="afterany:${array_job%%;*}" \
  --output="$output/logs/merge.log" \
  --wrap="'$sambench' merge '$output/shards/'* -o '$output/merged' --overwrite")
echo "submitted shards: job $array_job (array 0-$((shards - 1))); merge: job $merge_job"
echo "results: $output/merged once job $merge_job has run"
