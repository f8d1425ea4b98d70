#!/usr/bin/env bash
# Side-by-side benchmark of the endpoint/tls probes against
# prometheus-blackbox-exporter (Debian package), both probing the same local
# nginx TLS endpoint (test PKI) on 127.0.0.1, inside a loopback-only network
# namespace. Prints CPU seconds per TLS probe, scrape wall time for 12
# targets and peak RSS for each.
# Usage: bench/probe.sh [rounds (default 50)] [rsa|ec (default rsa: the key
# type of Microsoft's endpoints)] [debian|pinned|both (default debian)].
#   debian  the exporter as scripts/build makes it, on Debian 12's libcurl
#           7.88 and OpenSSL 3.0
#   pinned  the exporter built natively against the OpenSSL and curl the
#           Windows build links (scripts/build-windows-deps --native: the
#           same pinned Debian source packages, static), into
#           build/pinned-stack; the bare-libcurl floor is compiled against
#           them too
#   both    one after the other, each with its own blackbox_exporter column
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-50}
key=${2:-rsa}
stack=${3:-debian}
case "$stack" in
  debian|pinned|both) ;;
  *) echo "probe.sh: stack must be debian, pinned or both, not $stack" >&2; exit 2 ;;
esac

run() {  # run STACK
  if [ "$1" = debian ]; then
    ENTRA_PTA_BUILD_TARGET=entra_pta_exporter "$root/scripts/build" >/dev/null
    export ENTRA_PTA_EXPORTER="$root/build/entra_pta_exporter"
    unset ENTRA_PTA_BENCH_LIBCURL_PREFIX
  else
    local prefix build
    prefix=$("$root/scripts/build-windows-deps" --native)
    build=$root/build/pinned-stack
    # Debian's prometheus-cpp/yaml-cpp are the same versions as the prefix's;
    # the prefix comes first, so curl and OpenSSL are the pinned ones.
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DENTRA_PTA_BUILD_TESTS=OFF -DCMAKE_PREFIX_PATH="$prefix" \
      -DOPENSSL_ROOT_DIR="$prefix" -DOPENSSL_USE_STATIC_LIBS=ON \
      -DCURL_NO_CURL_CMAKE=OFF >/dev/null
    cmake --build "$build" --target entra_pta_exporter --parallel "$(nproc)" >/dev/null
    export ENTRA_PTA_EXPORTER="$build/entra_pta_exporter"
    export ENTRA_PTA_BENCH_LIBCURL_PREFIX="$prefix"
  fi
  echo "== stack: $1 ($("$ENTRA_PTA_EXPORTER" --version 2>&1 | tr '\n' ' '))"
  "$root/tests/lib/in-netns" python3 "$root/bench/probe.py" "$rounds" "$key"
}

if [ "$stack" = both ]; then
  run debian
  run pinned
else
  run "$stack"
fi
