#!/usr/bin/env bash
# Build times: cold and incremental builds of the exporter alone and of
# everything (tests included), without ccache, with ccache (empty, then warm)
# and with the opt-in precompiled headers or a unity build. Each case builds
# in its own directory under build-bench/ with the same parallelism the
# scripts use (the number of cores), and prints wall seconds, CPU seconds
# (user + system of every compiler and linker; GNU time) and the 1-minute
# load average before and after. On a busy machine the wall time grows with
# the load and the CPU time hardly does: CPU seconds / cores is about what
# an idle machine of that many cores takes for the parallel part.
#
# Usage: bench/build-times.sh [CASE...]
#   exporter-nocache  entra_pta_exporter only, no ccache: cold, touch, edit
#   exporter-ccache   entra_pta_exporter only, ccache: cold with an empty
#                     cache, warm (new build directory, cache kept), edit
#   exporter-pch      entra_pta_exporter only, ENTRA_PTA_PCH=ON, no ccache
#   exporter-unity    entra_pta_exporter only, CMAKE_UNITY_BUILD=ON, no ccache
#   all-nocache       everything with tests (what scripts/run built before
#                     issue 18, and scripts/test builds), no ccache
#   all-ccache        everything with tests, ccache: cold (empty), warm, edit
#   exporter-ccache-warm  entra_pta_exporter only, the user's own ccache (as
#                     scripts/run uses it): new build directory, touch, edit
#   core-plain, core-pch, core-unity
#                     the exporter_http library and the layers under it
#                     (util, platform, sdk: 21 translation units; before
#                     issue 15 split exporter/, the 14 of exporter_core),
#                     cold, no ccache: plain, ENTRA_PTA_PCH=ON,
#                     CMAKE_UNITY_BUILD=ON (a quicker PCH/unity comparison)
# Default: every case, about 30 minutes on 2 idle cores.
# "touch" touches one collector source (ccache serves it when on); "edit"
# appends a static_assert to it (a real recompile); the source is restored.
# ccache uses a private cache in build-bench/ccache, never the user's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x /usr/bin/time ] || { echo "build-times: needs GNU time (apt-get install time)" >&2; exit 1; }
out=$root/build-bench
source_file=$root/collectors/cloud/cloud_collector.cc
jobs=$(nproc)
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  cases=(exporter-nocache exporter-ccache exporter-pch exporter-unity
         all-nocache all-ccache)
fi
"$root/scripts/install-deps" --build-only
mkdir -p "$out"
cp -p "$source_file" "$out/source.orig"
trap 'cp -p "$out/source.orig" "$source_file"' EXIT

load() { cut -d' ' -f1 /proc/loadavg; }
printf '# %s, %s cores, %s, %s\n' "$(date -u +%FT%TZ)" "$jobs" \
  "$(g++ --version | head -n1)" "$(ccache --version 2>/dev/null | head -n1)"
printf '%-18s %-10s %8s %8s  %s\n' case step wall_s cpu_s "load 1m before -> after"

# timed CASE STEP COMMAND...: runs COMMAND quietly and prints its time.
timed() {
  local name=$1 step=$2 before started elapsed cpu
  shift 2
  before=$(load)
  started=$EPOCHREALTIME
  if ! /usr/bin/time -f '%U %S' -o "$out/time" "$@" >"$out/$name.log" 2>&1; then
    echo "build-times: $name $step failed, see $out/$name.log" >&2
    tail -n 20 "$out/$name.log" >&2
    exit 1
  fi
  elapsed=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
  cpu=$(awk '{ print $1 + $2 }' "$out/time")
  printf '%-18s %-10s %8.1f %8.1f  %s -> %s\n' "$name" "$step" "$elapsed" "$cpu" "$before" "$(load)"
}

# run_case NAME TARGET CCACHE(off|on) CONFIGURE-FLAGS...
run_case() {
  local name=$1 target=$2 cache=$3
  shift 3
  local dir=$out/$name
  # The user's ccache (base_dir set to a parent of the clone) matches paths
  # relative to the build directory, so that case builds where scripts/run
  # does: one level below the clone.
  [ "$cache" != user ] || dir=$root/build-ccache-warm
  local flags=(-DENTRA_PTA_WARNINGS_AS_ERRORS=ON "$@")
  local env_=()
  if [ "$cache" = user ]; then
    flags+=(-DENTRA_PTA_CCACHE=ON)
  elif [ "$cache" = on ]; then
    flags+=(-DENTRA_PTA_CCACHE=ON)
    env_=(CCACHE_DIR="$out/ccache" CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=1
          CCACHE_MAXSIZE=5G)
    rm -rf "$out/ccache"
  else
    flags+=(-DENTRA_PTA_CCACHE=OFF)
  fi
  rm -rf "$dir"
  cp -p "$out/source.orig" "$source_file"
  timed "$name" configure env "${env_[@]}" cmake -S "$root" -B "$dir" "${flags[@]}"
  local build=(env "${env_[@]}" cmake --build "$dir" --parallel "$jobs" --target "$target")
  # With the user's cache the first build is a warm one (whatever that
  # cache holds: scripts/run and scripts/test fill it).
  timed "$name" "$([ "$cache" = user ] && echo warm || echo cold)" "${build[@]}"
  if [ "$cache" = on ]; then
    # A new build directory (a fresh clone, git clean, a branch switch).
    rm -rf "$dir"
    env "${env_[@]}" cmake -S "$root" -B "$dir" "${flags[@]}" >/dev/null
    timed "$name" warm "${build[@]}"
  fi
  touch "$source_file"
  timed "$name" touch "${build[@]}"
  printf '\nstatic_assert(true, "bench/build-times.sh edit %s");\n' "$(date +%s%N)" \
    >>"$source_file"
  timed "$name" edit "${build[@]}"
  cp -p "$out/source.orig" "$source_file"
}

# cold_only NAME TARGET CONFIGURE-FLAGS...: one cold build, nothing else.
cold_only() {
  local name=$1 target=$2
  shift 2
  local dir=$out/$name
  rm -rf "$dir"
  timed "$name" configure cmake -S "$root" -B "$dir" -DENTRA_PTA_WARNINGS_AS_ERRORS=ON \
    -DENTRA_PTA_BUILD_TESTS=OFF "$@"
  timed "$name" cold cmake --build "$dir" --parallel "$jobs" --target "$target"
}

for c in "${cases[@]}"; do
  case "$c" in
    exporter-nocache) run_case "$c" entra_pta_exporter off -DENTRA_PTA_BUILD_TESTS=OFF ;;
    exporter-ccache) run_case "$c" entra_pta_exporter on -DENTRA_PTA_BUILD_TESTS=OFF ;;
    exporter-pch) run_case "$c" entra_pta_exporter off -DENTRA_PTA_BUILD_TESTS=OFF \
                    -DENTRA_PTA_PCH=ON ;;
    exporter-unity) run_case "$c" entra_pta_exporter off -DENTRA_PTA_BUILD_TESTS=OFF \
                      -DCMAKE_UNITY_BUILD=ON ;;
    all-nocache) run_case "$c" all off -DENTRA_PTA_BUILD_TESTS=ON ;;
    all-ccache) run_case "$c" all on -DENTRA_PTA_BUILD_TESTS=ON ;;
    exporter-ccache-warm) run_case "$c" entra_pta_exporter user -DENTRA_PTA_BUILD_TESTS=OFF ;;
    core-plain) cold_only "$c" exporter_http -DENTRA_PTA_CCACHE=OFF ;;
    core-pch) cold_only "$c" exporter_http -DENTRA_PTA_CCACHE=OFF -DENTRA_PTA_PCH=ON ;;
    core-unity) cold_only "$c" exporter_http -DENTRA_PTA_CCACHE=OFF -DCMAKE_UNITY_BUILD=ON ;;
    *) echo "build-times: unknown case $c" >&2; exit 2 ;;
  esac
done
