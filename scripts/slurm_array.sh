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
# OUTPUT/shards/<i>/ holds the shards' run folders, OUTPUT/logs/ their logs, OUTPUT/jobs/ the two
# job scripts submitted. SAMBENCH names the binary (default: build/sambench beside this script).
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,16p' "$0" >&2
  exit 2
fi
config=$(realpath "$1")
output=$(realpath -m "$2")
shards=$3
shift 3
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
  echo "slurm_array.sh: N must be a positive whole number, got '$shards'" >&2
  exit 2
fi
sambench=$(realpath "${SAMBENCH:-$(dirname "$0")/../build/sambench}")

# Paths reach the jobs inside script files, each word quoted by printf %q, never through a
# shell command line (sbatch --wrap): a folder named a'$(cmd)'b stays a name.
quote() { printf '%q' "$1"; }

mkdir -p "$output/logs" "$output/shards" "$output/jobs"
shard_script=$output/jobs/shard.sh
merge_script=$output/jobs/merge.sh
cat >"$shard_script" <<SCRIPT
#!/usr/bin/env bash
set -euo pipefail
exec $(quote "$sambench") eval --config $(quote "$config") \\
  --output $(quote "$output/shards")/"\$SLURM_ARRAY_TASK_ID" \\
  --shard "\$SLURM_ARRAY_TASK_ID/$shards" --resume
SCRIPT
shard_dirs=""
for ((i = 0; i < shards; i++)); do shard_dirs+=" $(quote "$output/shards/$i")"; done
cat >"$merge_script" <<SCRIPT
#!/usr/bin/env bash
set -euo pipefail
exec $(quote "$sambench") merge$shard_dirs -o $(quote "$output/merged") --overwrite
SCRIPT

array_job=$(sbatch --parsable --job-name=sambench --requeue --array="0-$((shards - 1))" \
  --output="$output/logs/shard_%a.log" "$@" "$shard_script")
merge_job=$(sbatch --parsable --job-name=sambench-merge --dependency="afterany:${array_job%%;*}" \
  --output="$output/logs/merge.log" "$merge_script")
echo "submitted shards: job $array_job (array 0-$((shards - 1))); merge: job $merge_job"
echo "results: $output/merged once job $merge_job has run"
