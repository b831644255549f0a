#!/usr/bin/env bash
# The embedded default: installs, builds, makes a small synthetic dataset and a random-weight
# SAM (nothing is downloaded), then evaluates it. Random weights give meaningless Dice: this shows
# the pipeline works, not how good SAM is.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build_dir=${SAMBENCH_BUILD_DIR:-build}

if [ ! -f demo/sam_small.pt ]; then
  mkdir -p demo
  /usr/bin/python3 scripts/export_sam.py --model-type small --random-init --seed 0 \
    --output demo/sam_small.pt
fi
[ -d demo/data ] || "$build_dir/sambench" make-demo --output demo/data
# The demo's run folder is the script's own: running it again replaces the earlier demo run (only
# files sambench wrote there), unless the caller asked to resume or chose the folder handling.
replace=(--overwrite)
for arg in "$@"; do
  case $arg in --resume | --overwrite) replace=() ;; esac
done
"$build_dir/sambench" eval --config configs/demo.yaml "${replace[@]}" "$@"
