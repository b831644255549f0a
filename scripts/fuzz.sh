#!/usr/bin/env bash
# Fuzzes the loaders of user files (images, volumes, configs) with libFuzzer: builds the targets
# of tests/fuzz/ with clang under AddressSanitizer and UBSan into build-fuzz/, then runs each for
# SECONDS (default 60), starting from its kept inputs in tests/fuzz/<target>/.
#
#   scripts/fuzz.sh [SECONDS] [image|volume|config ...]
#
# New interesting inputs go to build-fuzz/corpus/<target>/. A crash, leak-free hang (over 10 s)
# or sanitizer report stops the target and leaves the input as tests/fuzz/<target>/crash-<sha1>
# (or timeout-, oom-): fix the bug and keep the file, which fuzz_corpus_test then replays in
# every test run. Exits non-zero if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(image volume config)

export CCACHE_BASEDIR="$PWD"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DSAMBENCH_FUZZ=ON -DSAMBENCH_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

status=0
for target in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$target
  mkdir -p "$corpus"
  echo "fuzz: $target for ${seconds}s"
  # Leaks are not checked: LibTorch and ITK keep process-lifetime singletons.
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="tests/fuzz/$target/" "$corpus" "tests/fuzz/$target" || status=1
done
exit $status
