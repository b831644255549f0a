#!/usr/bin/env bash
# Fails when a module includes a module above it (docs/architecture.md): the layers are
#   cli > run, finetune > report > prompts > model, metrics > data > base
# and a file may include its own module and the modules of lower layers only. Modules on one
# layer (model and metrics; run and finetune) do not include each other either.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

rank() {
  case $1 in
    base) echo 0 ;; data) echo 1 ;; model | metrics) echo 2 ;; prompts) echo 3 ;;
    report) echo 4 ;; run | finetune) echo 5 ;; cli) echo 6 ;; *) echo "" ;;
  esac
}

bad=0
checked=0
for dir in src/* include/sambench/*; do
  [ -d "$dir" ] || continue
  module=$(basename "$dir")
  own=$(rank "$module")
  if [ -z "$own" ]; then
    echo "check_layers: $dir is no known module: add it to tests/check_layers.sh and docs/architecture.md"
    bad=1
    continue
  fi
  while IFS= read -r line; do
    file=${line%%:*}
    target=$(sed -E 's/.*#include "(sambench\/)?([a-z_]+)\/.*/\2/' <<<"$line")
    to=$(rank "$target")
    [ -n "$to" ] || continue  # not a module path (e.g. "commands.h")
    checked=$((checked + 1))
    if [ "$target" != "$module" ] && [ "$to" -ge "$own" ]; then
      echo "check_layers: $file ($module) includes $target: ${line#*:}"
      bad=1
    fi
  done < <(grep -rHE '^#include "[a-z_]+/' "$dir" || true)
done
echo "check_layers: $checked module includes checked"
exit $bad
