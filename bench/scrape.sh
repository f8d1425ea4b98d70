#!/usr/bin/env bash
# Scrape-load benchmark: /metrics throughput and p50/p99 latency under wrk
# with collectors answering from their own state, CPU time per scrape, idle
# and loaded RSS; then the side-by-side TLS probe comparison with
# blackbox_exporter (bench/probe.sh). Everything runs on 127.0.0.1 inside a
# loopback-only network namespace.
# Usage: bench/scrape.sh [seconds per wrk run (default 15)] [probe rounds (default 30)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build" >/dev/null
export ENTRA_PTA_EXPORTER="$root/build/entra_pta_exporter"
"$root/tests/lib/in-netns" python3 "$root/bench/scrape.py" "${1:-15}"
echo
exec "$root/tests/lib/in-netns" python3 "$root/bench/probe.py" "${2:-30}" rsa
