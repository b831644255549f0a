#!/usr/bin/env bash
# Regenerates tests/golden/ from configs/ci_regression.yaml: run it only after a change that is
# meant to move the numbers, then review `git diff tests/golden` and commit it with the reason.
# Needs ../shared/data and a built tree with the test model (bash scripts/test.sh makes both).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SAMBENCH_BUILD_DIR:-build}
model=$build/test_assets/sam_small.pt
[ -f "$model" ] || { echo "regen_golden: $model is missing; run bash scripts/test.sh first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$build/sambench" eval --config configs/ci_regression.yaml --model "$model" --output "$out"
for run in "$out"/*/; do
  name=$(basename "$run")
  mkdir -p "tests/golden/$name"
  cp "$run"/per_instance.csv "$run"/per_image.csv "$run"/per_class.csv "tests/golden/$name/"
done
echo "regen_golden: wrote tests/golden/ ($(ls "$out" | tr '\n' ' ')); review with git diff tests/golden"
