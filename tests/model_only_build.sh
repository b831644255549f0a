#!/bin/bash
# The model-only configuration (-DSAMBENCH_MODEL_ONLY=ON, for the device machine) still builds
# and runs: nlohmann_json and CLI11 from a plain include folder, as scripts/device_model_speed.sh
# carries them, and no OpenSSL, so the model goes unhashed.
#   tests/model_only_build.sh SOURCE_DIR WORK_DIR MODEL
set -euo pipefail
source_dir=$1 work=$2 model=$3
rm -rf "$work" && mkdir -p "$work/include"
cp -r /usr/include/nlohmann /usr/include/CLI "$work/include/"
cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DSAMBENCH_MODEL_ONLY=ON \
    -DSAMBENCH_EXTRA_INCLUDE="$work/include" -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
[ ! -e "$work/build/sambench" ] || { echo "FAIL: the model-only build made the full sambench"; exit 1; }
"$work/build/sambench-model-speed" --model "$model" --device cpu --threads 1 --images 1 --warmup 0 \
    --decode-batches 1,2 --decode-calls 1 --json "$work/speed.json"
grep -q '"sha256": "not computed (built without OpenSSL)"' "$work/speed.json" ||
  { echo "FAIL: expected an unhashed model"; exit 1; }
echo "PASS: model-only build"
