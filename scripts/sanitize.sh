#!/bin/bash
# AddressSanitizer and UndefinedBehaviorSanitizer over the unit tests (the thread pool and the
# read-ahead among them) and the model tests of the threaded pipeline (metric workers, kill and
# resume, shards, bench). Not part of CI: the instrumented build takes about 20 minutes on 2
# cores, the tests about 8.
#   bash scripts/sanitize.sh [BUILD_DIR]      (default build-sanitize)
# ITK's neighborhood iterators report pointer arithmetic on null inside ITK's own headers; those
# reports are filtered out, and any other sanitizer report fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-sanitize}
flags="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer"
mkdir -p "$build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" > "$build/configure.log"
cmake --build "$build"
export ASAN_OPTIONS=detect_leaks=0:alloc_dealloc_mismatch=0  # LibTorch's own allocations
(cd "$build" && ctest -j "$(nproc)" --output-on-failure \
    -R "^(PrepareTest|ResumeTest|ResumeVolumes|MergeTest|ModelSpeed|Bench|SamModelLoad|EvalVolumes)\.|^EvalTest\.(WritesEvery|PromptModes)")
"$build/tests/unit_tests" --gtest_brief=1 > "$build/unit_tests.log" 2>&1
reports=$(cat "$build/unit_tests.log" "$build/Testing/Temporary/LastTest.log" |
          grep -E "runtime error|ERROR: AddressSanitizer" | grep -v "/usr/include/ITK-" || true)
if [ -n "$reports" ]; then
  echo "$reports"
  echo "FAIL: sanitizer reports outside ITK" >&2
  exit 1
fi
echo "PASS: no sanitizer report outside ITK"
