#!/usr/bin/env bash
# scripts/slurm_array.sh against a real Slurm: a one-node cluster on this machine (Debian's
# slurm-wlm and munge, which scripts/setup.sh installs), started here and stopped at the end.
# An eval goes in as an array of 3 tasks; one task is preempted mid-run with
# `scancel --signal=TERM`, then requeued; it must resume from its journal, and the merged run
# must be byte-identical to an unsharded run.
#
#   tests/slurm_cluster_test.sh SAMBENCH_BINARY SMALL_MODEL
#
# SAMBENCH_KEEP_SLURM_TEST=1 keeps its folder (logs, runs) for a look after a failure.
# Exits 77 (ctest: skipped) with the reason when the cluster cannot start here: not root (slurmd
# must be), Slurm or munge missing, or the daemons do not come up.
set -euo pipefail

sambench=$(realpath "$1")
model=$(realpath "$2")
source_dir=$(realpath "$(dirname "$0")/..")
started=$(date +%s)

skip() {
  echo "SKIPPED: real-Slurm test: $*" >&2
  exit 77
}
fail() {
  echo "FAILED: real-Slurm test: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (slurmd runs jobs as their user)"
for tool in munged slurmctld slurmd sbatch squeue scancel scontrol sinfo; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] ||
    skip "$tool not found: install slurm-wlm and munge (scripts/setup.sh does)"
done
export PATH="$PATH:/usr/sbin"

work=$(mktemp -d)
cluster=$work/cluster
mkdir -p "$cluster/state" "$cluster/spool" "$cluster/log"

# Stops the daemons this test started (by their pid files), whatever the outcome.
stop_cluster() {
  set +e
  if [ -f "$cluster/slurm.conf" ]; then
    export SLURM_CONF=$cluster/slurm.conf
    scancel --user=root >/dev/null 2>&1
    for _ in $(seq 50); do  # the jobs' step daemons end with them
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  for daemon in slurmd slurmctld munged; do
    [ -f "$cluster/$daemon.pid" ] && kill "$(cat "$cluster/$daemon.pid")" 2>/dev/null
  done
  sleep 1
  # A job's step daemon that outlived slurmd (a test that failed mid-job): ours by its SLURM_CONF.
  for environ in /proc/[0-9]*/environ; do
    # Processes come and go (and PID 1's is not readable): the redirection's own error is hushed.
    if { tr '\0' '\n' <"$environ"; } 2>/dev/null | grep -qx "SLURM_CONF=$cluster/slurm.conf"; then
      pid=${environ#/proc/}
      pid=${pid%/environ}
      [ "$pid" != $$ ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] && kill -9 "$pid" 2>/dev/null
    fi
  done
  if [ "${SAMBENCH_KEEP_SLURM_TEST:-0}" = 1 ]; then echo "slurm-test: kept $work" >&2; else rm -rf "$work"; fi
}
trap stop_cluster EXIT

# munge: its own key and socket, so that nothing of the machine's is used or changed.
head -c 1024 /dev/urandom >"$cluster/munge.key"
chmod 600 "$cluster/munge.key"
munged --force --socket="$cluster/munge.sock" --key-file="$cluster/munge.key" \
  --pid-file="$cluster/munged.pid" --log-file="$cluster/log/munged.log" --seed-file="$cluster/munge.seed" ||
  skip "munged did not start (see its log above)"

# Ports that another cluster on this machine is unlikely to use.
port=$((20000 + ($$ % 20000)))
host=$(hostname -s)
cpus=$(nproc)
cat >"$cluster/slurm.conf" <<EOF
ClusterName=sambenchtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$cluster/munge.sock
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$cluster/slurm.conf
slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start: $(tail -3 "$cluster/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || skip "slurmd did not start: $(tail -3 "$cluster/log/slurmd.log" 2>/dev/null)"
for _ in $(seq 60); do
  sinfo -h -o %t 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %t 2>/dev/null | grep -q idle ||
  skip "the node did not come up: $(tail -3 "$cluster/log/slurmd.log" 2>/dev/null)"
echo "slurm-test: one-node cluster up on $host ($cpus CPUs) in $(($(date +%s) - started)) s"

# The dataset, the config, and the unsharded run to compare with.
"$sambench" make-demo --output "$work/data" --images 24 --seed 3 >/dev/null
cat >"$work/demo.yaml" <<EOF
name: slurm_test
dataset:
  adapter: folder
  root: data
  classes: {1: disk, 2: box, 3: crescent}
model:
  path: $model
  device: cpu
instances: {min_area: 10}
run: {output: runs/unsharded, threads: 1, save_predictions: true}
EOF
"$sambench" eval --config "$work/demo.yaml" --output "$work/unsharded" >"$work/unsharded.log" 2>&1 ||
  fail "the unsharded run failed: $(tail -3 "$work/unsharded.log")"

# The array, through the script users run.
out=$work/sharded
SAMBENCH=$sambench bash "$source_dir/scripts/slurm_array.sh" "$work/demo.yaml" "$out" 3 --cpus-per-task=1
array=$(squeue -h --name=sambench -o %F | sort -u | head -1)
[ -n "$array" ] || fail "no array job in the queue"

# A real preemption requeues the task at once; here the task fails first and is requeued by
# hand, so the merge job (afterany) is held meanwhile, or it could start on the failed shard.
merge=$(squeue -h --name=sambench-merge -o %i | head -1)
[ -n "$merge" ] || fail "no merge job in the queue"
scontrol hold "$merge"

# Preempted mid-run: once task 1 has journaled a case, and before it is done.
journal=$out/shards/1/journal.jsonl
for _ in $(seq 1200); do
  [ -f "$journal" ] && [ "$(wc -l <"$journal")" -ge 1 ] && break
  sleep 0.05
done
[ -f "$journal" ] && [ "$(wc -l <"$journal")" -ge 1 ] || fail "task 1 never journaled a case"
# The task's own job id: Slurm's "<array>_1" notation proved unreliable with scancel.
task=$(squeue -h --name=sambench -o "%A %K" | awk '$2 == "1" { print $1 }')
[ -n "$task" ] || fail "task 1 is not running any more: the run was too short to preempt"
scancel --signal=TERM --full "$task"
for _ in $(seq 600); do
  state=$(scontrol show job "$task" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
  case "$state" in RUNNING | COMPLETING | "") sleep 0.1 ;; *) break ;; esac
done
status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["status"])' "$out/shards/1/run_state.json")
[ "$status" = interrupted ] || fail "task 1 after SIGTERM: run_state.json says '$status', not 'interrupted' (job state $state)"
exit_code=$(scontrol show job "$task" | grep -o ' ExitCode=[0-9]*' | cut -d= -f2)
[ "$exit_code" = 143 ] || fail "task 1 after SIGTERM exited $exit_code, not 143 (128 + SIGTERM)"
grep -q "continue with: .* --resume" "$out/logs/shard_1.log" || fail "task 1's log does not say how to resume"
echo "slurm-test: task 1 preempted mid-run with SIGTERM: run_state 'interrupted', exit 143"

# Requeued, as a scheduler does with a preempted job, without Slurm's requeue delay (about 2.5
# minutes here). Without that delay slurmd may refuse the relaunch ("Job N already killed, do
# not launch batch job": it still lists the first attempt as killed) and the attempt ends with
# exit 1 before sambench starts; that is Slurm's race, not sambench's, so such an attempt is
# requeued again, at most 3 times.
task_done() {
  for _ in $(seq 1200); do
    case "$(scontrol show job "$task" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL) return 0 ;;
    esac
    sleep 0.25
  done
  fail "the requeued task 1 did not end within 300 s"
}
refused() { grep -c "Job $task already killed, do not launch" "$cluster/log/slurmd.log" || true; }
for attempt in 1 2 3; do
  refused_before=$(refused)
  scontrol requeue "$task"
  scontrol update JobId="$task" StartTime=now >/dev/null 2>&1 || true
  # Pending or running again before its end is awaited: the first attempt's state is gone.
  for _ in $(seq 200); do
    scontrol show job "$task" | grep -q 'JobState=\(PENDING\|RUNNING\|COMPLETING\)' && break
    sleep 0.05
  done
  task_done
  [ "$(refused)" -gt "$refused_before" ] || break
  echo "slurm-test: slurmd refused to relaunch task 1 (Slurm's requeue race); requeued again" >&2
done
scontrol release "$merge"

# Everything, the merge job included, must leave the queue within the time limit.
for _ in $(seq 1200); do
  [ -z "$(squeue -h -o %i)" ] && break
  sleep 0.25
done
[ -z "$(squeue -h -o %i)" ] || fail "jobs still queued after 300 s: $(squeue -h -o '%i %T %r' | tr '\n' ';')"
grep -q "resuming: [1-9][0-9]* unit(s) done before" "$out/logs/shard_1.log" ||
  fail "the requeued task 1 did not resume from its journal: $(tail -3 "$out/logs/shard_1.log")"
[ -f "$out/merged/summary.json" ] || fail "no merged run: $(cat "$out/logs/merge.log" 2>/dev/null | tail -3)"

# Byte-identical to the unsharded run: every file, but timings.json and the output folder that
# summary.json records.
(cd "$work/unsharded" && find . -type f ! -name timings.json | sort) >"$work/expected_files"
(cd "$out/merged" && find . -type f ! -name timings.json | sort) >"$work/merged_files"
diff "$work/expected_files" "$work/merged_files" >&2 || fail "the merged run has other files than the unsharded one"
while read -r file; do
  if [ "$file" = ./summary.json ]; then
    sed "s|$out/merged|OUT|g" "$out/merged/$file" >"$work/merged_summary"
    sed "s|$work/unsharded|OUT|g" "$work/unsharded/$file" >"$work/unsharded_summary"
    cmp "$work/unsharded_summary" "$work/merged_summary" || fail "summary.json differs"
  else
    cmp "$work/unsharded/$file" "$out/merged/$file" || fail "$file differs from the unsharded run's"
  fi
done <"$work/expected_files"
echo "slurm-test: merged run byte-identical to the unsharded run ($(wc -l <"$work/expected_files") files)"
echo "slurm-test: passed in $(($(date +%s) - started)) s"
