#!/usr/bin/env bash
# How long `entra_pta_exporter --config.check` takes on a configuration with
# a long allow-list (collectors.tls.allowed_issuers of 1,000 to 100,000
# entries), and what it answers (exit status, first line). Checking only:
# the exporter does not start, but runs in the loopback-only namespace all
# the same. Figures: docs/performance.md.
# Usage: bench/config-lists.sh [N ...]  (default 1000 10000 40000 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export ENTRA_PTA_EXPORTER="${ENTRA_PTA_EXPORTER:-$root/build/entra_pta_exporter}"
exec "$root/tests/lib/in-netns" python3 "$root/bench/config_lists.py" "$@"
