#!/usr/bin/env bash
# Latency of /metrics through the exporter's own HTTP server, measured by
# curl (%{time_total}) over plain HTTP, HTTPS (test PKI, EC P-256) and HTTPS
# with basic auth, each with a new connection per request (TLS handshake
# included) and on one kept-alive connection. No collectors are enabled, so
# the figures are the server's overhead. Inside a loopback-only network
# namespace. Usage: bench/web-latency.sh [requests per case (default 200)].
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build" >/dev/null
export ENTRA_PTA_EXPORTER="$root/build/entra_pta_exporter"
exec "$root/tests/lib/in-netns" python3 "$root/bench/web_latency.py" "${1:-200}"
