#!/usr/bin/env bash
# Security finding 5: scripts/slurm_array.sh put paths inside '...' of sbatch --wrap, so a config
# in a folder named a'$(touch ...)'b ran the command. With a stand-in sbatch (it keeps the job
# scripts) and a stand-in sambench (it records its arguments), the jobs must get the hostile
# names as plain arguments and run nothing.
set -euo pipefail
source_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p "$work/bin"
cat >"$work/bin/sbatch" <<'FAKE'
#!/usr/bin/env bash
script=${!#}
n=$(find "$FAKE_JOBS" -name "*.sh" | wc -l)
case $script in
  --wrap=*) printf '#!/bin/sh\n%s\n' "${script#--wrap=}" >"$FAKE_JOBS/job$n.sh" ;;  # as sbatch wraps it
  *) cp "$script" "$FAKE_JOBS/job$n.sh" ;;
esac
printf '%s\n' "$@" >"$FAKE_JOBS/job$n.args"
echo "$((100 + n))"
FAKE
cat >"$work/bin/sambench" <<'FAKE'
#!/usr/bin/env bash
printf '%s\n' "$@" >>"$FAKE_CALLS"
FAKE
chmod +x "$work/bin/sbatch" "$work/bin/sambench"
mkdir -p "$work/jobs"

hostile="$work/a'\$(touch \$PWNED)'b \`touch \$PWNED\`"
mkdir -p "$hostile"
touch "$hostile/c.yaml"
export PWNED=$work/pwned FAKE_JOBS=$work/jobs FAKE_CALLS=$work/calls SAMBENCH=$work/bin/sambench
PATH="$work/bin:$PATH" bash "$source_dir/scripts/slurm_array.sh" "$hostile/c.yaml" "$hostile/out" 2 --partition=x >/dev/null

[ -f "$work/jobs/job0.sh" ] && [ -f "$work/jobs/job1.sh" ] || fail "two jobs were not submitted"
grep -qx -- "--partition=x" "$work/jobs/job0.args" || fail "the sbatch options did not reach the shard job"
SLURM_ARRAY_TASK_ID=1 bash "$work/jobs/job0.sh"
bash "$work/jobs/job1.sh"
[ ! -e "$PWNED" ] || fail "a command in a folder name ran"
expected=$(printf '%s\n' eval --config "$hostile/c.yaml" --output "$hostile/out/shards/1" --shard 1/2 --resume \
  merge "$hostile/out/shards/0" "$hostile/out/shards/1" -o "$hostile/out/merged" --overwrite)
[ "$(cat "$work/calls")" = "$expected" ] || fail "arguments differ: $(cat "$work/calls")"
if bash "$source_dir/scripts/slurm_array.sh" "$hostile/c.yaml" "$hostile/out" '1;id' 2>/dev/null; then
  fail "a shard count that is not a number was accepted"
fi
echo "slurm_array.sh: hostile folder names stay names"
