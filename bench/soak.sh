#!/usr/bin/env bash
# Soak test of the exporter (issue 7): builds it with AddressSanitizer +
# LeakSanitizer + UBSan (--sanitizer asan) or ThreadSanitizer (tsan) in a
# build directory of its own, then runs bench/soak.py inside a loopback-only
# network namespace (tests/lib/in-netns): every portable collector against
# local stand-ins, many concurrent scrapes, flapping targets and a SIGHUP
# reload every few seconds. Prints RSS, scrape counts and sanitizer reports;
# exits non-zero on any sanitizer finding, RSS growth after warm-up of 1 MiB
# or more (judged with --sanitizer none only), or a failed scrape.
#
# usage: bench/soak.sh [--sanitizer asan|tsan|none] [--build-dir DIR]
#                      [--scrapes N] [--clients N] [--warmup N]
#                      [--reload-every SECONDS] [--flap-every SECONDS]
#                      [--slowloris N] [--run-dir DIR]
#                      [--no-build | --build-only]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

sanitizer=asan
build_dir=
build=1
build_only=0
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sanitizer) sanitizer=$2; shift 2 ;;
    --sanitizer=*) sanitizer=${1#*=}; shift ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --build-dir=*) build_dir=${1#*=}; shift ;;
    --no-build) build=0; shift ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done

case "$sanitizer" in
  asan)
    # UBSan findings are reported and counted, not fatal, so one run shows
    # all of them.
    flags="-fsanitize=address,undefined -fno-omit-frame-pointer" ;;
  tsan) flags="-fsanitize=thread -fno-omit-frame-pointer" ;;
  none) flags="" ;;
  *) echo "soak.sh: --sanitizer must be asan, tsan or none" >&2; exit 2 ;;
esac
build_dir=${build_dir:-$root/build-soak-$sanitizer}

if [ "$build" = 1 ]; then
  launcher=()
  if command -v ccache >/dev/null; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
              -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  # -O1 with line tables: what the sanitizers recommend, and quicker to
  # build than -O2 -g.
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1" \
    -DENTRA_PTA_BUILD_TESTS=OFF -DENTRA_PTA_WARNINGS_AS_ERRORS=OFF \
    "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$flags" \
    "${launcher[@]}" >/dev/null
  nice cmake --build "$build_dir" --target entra_pta_exporter \
    --parallel "${ENTRA_PTA_SOAK_JOBS:-$(nproc)}"
fi

[ "$build_only" = 1 ] && exit 0
exec "$root/tests/lib/in-netns" python3 "$root/bench/soak.py" \
  --binary "$build_dir/entra_pta_exporter" --sanitizer "$sanitizer" \
  ${pass[@]+"${pass[@]}"}
