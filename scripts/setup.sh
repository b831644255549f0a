#!/usr/bin/env bash
# Installs sambench's dependencies from Debian 12's archive and builds it into build/.
# Safe to run again: packages already present are not fetched, and the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake ninja-build ccache git
  libtorch-dev python3-torch python3-numpy python3-pil python3-matplotlib
  python3-scipy  # scripts/baseline_loop.py (connected components, as the study-style loop does)
  # Without OpenBLAS, Debian's libtorch falls back to the reference BLAS: ~20x slower encoders.
  libopenblas0-openmp
  libopencv-dev libinsighttoolkit5-dev
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev libgtest-dev
  libnanoflann-dev  # header-only k-d tree: the surface metrics' nearest surface pixel
  slurm-wlm munge  # tests/slurm_cluster_test.sh: a one-node Slurm cluster, started by the test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build_dir=${SAMBENCH_BUILD_DIR:-build}
# ccache keys on absolute paths; CCACHE_BASEDIR lets a fresh clone reuse an earlier build's objects.
export CCACHE_BASEDIR="$PWD"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "setup: built $build_dir/sambench"
