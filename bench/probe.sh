#!/usr/bin/env bash
# Side-by-side benchmark of the endpoint/tls probes against
# prometheus-blackbox-exporter (Debian package), both probing the same local
# nginx TLS endpoint (test PKI) on 127.0.0.1, inside a loopback-only network
# namespace. Prints CPU seconds per TLS probe, scrape wall time for 12
# targets and peak RSS for each.
# Usage: bench/probe.sh [rounds (default 50)] [rsa|ec (default rsa: the key
# type of Microsoft's endpoints)].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build" >/dev/null
export ENTRA_PTA_EXPORTER="$root/build/entra_pta_exporter"
exec "$root/tests/lib/in-netns" python3 "$root/bench/probe.py" "${1:-50}" "${2:-rsa}"
