#!/usr/bin/env bash
# scripts/run_study.sh end to end on this machine: the demo and the real samples of ../shared/data
# (tests/fixtures/study_samples.yaml) with the small model, two samples per dataset. Checks the
# dry run's plan and estimate, a run killed with -9 and resumed, a run in two shards merged, and
# the study report. Leaves BUILD/study_test/runs/ for the browser test.
set -euo pipefail
src=$1 build=$2
out=$build/study_test
rm -rf "$out"
mkdir -p "$out/data"
export SAMBENCH=$build/sambench
"$SAMBENCH" make-demo --output "$out/data/demo" --images 4 > /dev/null
shared=${SAMBENCH_SHARED_DATA:-$src/../shared/data}
if [ -d "$shared" ]; then
  for d in isic fundus_dofe oct_aroi chest_xray drive; do ln -s "$(cd "$shared" && pwd)/$d" "$out/data/$d"; done
else
  echo "note: ../shared/data is absent: its datasets are skipped, the demo alone stands in"
fi
study=(bash "$src/scripts/run_study.sh" --config "$src/tests/fixtures/study_samples.yaml" --data-root "$out/data"
       --model "$build/test_assets/sam_small.pt" --limit 2)
fail() { echo "FAIL: $*"; exit 1; }

# The dry run: the plan, the processes, an estimate from bench, and nothing written.
"${study[@]}" --output "$out/runs" --dry-run > "$out/dry.log" 2>&1 || { cat "$out/dry.log"; fail "dry run"; }
cat "$out/dry.log"
grep -q "study plan: study_samples.yaml" "$out/dry.log" || fail "no plan"
grep -Eq "^  demo +2 sample" "$out/dry.log" || fail "the demo is not planned with 2 samples"
grep -q "process 0: CPU" "$out/dry.log" || fail "no process line"
grep -Eq "^estimate: [0-9]+ image\(s\) at [0-9.]+ s each" "$out/dry.log" || fail "no estimate"
[ ! -e "$out/runs" ] || fail "the dry run wrote $out/runs"

# A run killed with -9 while it evaluates, then resumed to the end.
setsid "${study[@]}" --output "$out/runs" > "$out/killed.log" 2>&1 &
leader=$!
for _ in $(seq 600); do [ -d "$out/runs/demo" ] && break; sleep 0.1; done
sleep 1
kill -9 -- "-$leader" 2> /dev/null || true
wait "$leader" 2> /dev/null || true
echo "killed after: $(tail -1 "$out/killed.log")"
"${study[@]}" --output "$out/runs" --seconds-per-image 1 > "$out/resumed.log" 2>&1 || { cat "$out/resumed.log"; fail "resume"; }
cat "$out/resumed.log"
grep -q '"status": "complete"' "$out/runs/demo/summary.json" || fail "demo incomplete after the resume"
[ -s "$out/runs/study_report.md" ] && [ -s "$out/runs/study_report.html" ] || fail "no study report"
grep -q "^## Table 1: test samples" "$out/runs/study_report.md" || fail "no Table 1"
grep -Eq '^\[[0-9]+/[0-9]+\] demo: ' "$out/resumed.log" || fail "no progress line per dataset"
if [ -d "$shared" ]; then
  for table in "Table 2" "Table 3" "Table 5" "Table 8" "Table 10"; do
    grep -q "^## $table: " "$out/runs/study_report.md" || fail "no $table section"
  done
  grep -q "mean over instances" "$out/runs/study_report.md" || fail "no average row"
fi

# Two processes: the demo in shards 0/2 and 1/2, merged into the unsharded run.
"${study[@]}" --output "$out/sharded" --only demo --processes 2 --seconds-per-image 1 > "$out/sharded.log" 2>&1 ||
  { cat "$out/sharded.log"; fail "sharded run"; }
grep -q '"status": "complete"' "$out/sharded/demo/summary.json" || fail "merged demo incomplete"
cmp "$out/sharded/demo/per_instance.csv" "$out/runs/demo/per_instance.csv" || fail "two shards differ from one process"
echo "study script: ok"
