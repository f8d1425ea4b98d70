#!/usr/bin/env bash
# Slow clients (slowloris) against the exporter's HTTP server while
# Prometheus-like scrapes run (issue 14, defect 6): N connections each
# sending a header line per second and reconnecting when closed, scrapes
# at 3/s; prints ok/failed scrapes, p50/p99 latency and RSS idle and under
# load. Inside a loopback-only network namespace (tests/lib/in-netns).
#
# usage: bench/slowloris.sh [--connections N (1000)] [--seconds S (60)]
#                           [--rate R (3)] [--binary PATH] [--label TEXT]
# --binary measures another build (e.g. main's, for a before/after);
# without it scripts/build builds this checkout first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pass+=("$1"); shift ;;
  esac
done
if [ -z "$binary" ]; then
  "$root/scripts/build" >/dev/null
  binary=$root/build/entra_pta_exporter
fi
export ENTRA_PTA_EXPORTER=$binary
exec "$root/tests/lib/in-netns" python3 "$root/bench/slowloris.py" \
  ${pass[@]+"${pass[@]}"}
