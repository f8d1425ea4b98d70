#!/usr/bin/env bash
# First run on a fresh Debian 12 machine, timed: a pristine Debian 12 root
# (debootstrap, cached) gets a clone of this repository's HEAD, then
# `scripts/run` runs in it (chroot, as root) until the landing page answers
# on 127.0.0.1; then one collector source is edited and `scripts/run` is
# timed again (the incremental case). Prints each step's time (from
# scripts/run's own "run: [n/4]" lines), the CPU time spent (on a busy
# machine wall time grows with the load, CPU time hardly does) and the load
# average.
#
# Usage (as root): bench/first-run.sh [--keep | --prepare]
#   --keep     leave the run's root in place (default: deleted at the end)
#   --prepare  only create the cached base, run nothing
# The pristine base is cached in ${ENTRA_PTA_FIRST_RUN_DIR:-/var/tmp/entra-pta-first-run}/base
# (about 300 MB; delete it to rebuild). Needs the Debian mirror over HTTP.
#
# The clone's shipped config gets `default_targets: false` and the exporter
# listens on 127.0.0.1 only: the chroot shares this machine's network, and a
# benchmark must not probe Microsoft's endpoints. Not timed: creating the
# base, copying it and cloning (a local clone; over the Internet add the
# time `git clone` takes for a few MB).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0 prepare=0
case "${1:-}" in
  --keep) keep=1 ;;
  --prepare) prepare=1 ;;
  "") ;;
  *) echo "first-run: unknown argument $1 (use --keep, --prepare)" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "first-run: run as root (debootstrap, chroot)" >&2; exit 1; }
dir=${ENTRA_PTA_FIRST_RUN_DIR:-/var/tmp/entra-pta-first-run}
mirror=${ENTRA_PTA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
base=$dir/base
run=$dir/run-$$
mkdir -p "$dir"

if ! command -v debootstrap >/dev/null; then
  echo "first-run: installing debootstrap" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=600 debootstrap >&2
fi
if [ ! -f "$base/.complete" ]; then
  # The default variant (required and important packages) is what a
  # minimal Debian 12 installation has: no compiler, no git, no cmake.
  echo "first-run: creating the Debian 12 base in $base (once)" >&2
  rm -rf "$base"
  debootstrap bookworm "$base" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
    { tail -n 20 "$dir/debootstrap.log" >&2; exit 1; }
  cat >"$base/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
  rm -rf "$base/var/lib/apt/lists/"* "$base/var/cache/apt/archives/"*.deb
  touch "$base/.complete"
fi
[ "$prepare" = 0 ] || exit 0

pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -- -"$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  for m in dev/pts dev proc sys; do
    mountpoint -q "$run/$m" && umount -l "$run/$m"
  done
  [ "$keep" = 1 ] || rm -rf "$run"
}
trap cleanup EXIT
echo "first-run: copying the base to $run" >&2
cp -a "$base" "$run"
mount --bind /dev "$run/dev"
mount --bind /dev/pts "$run/dev/pts"
mount -t proc proc "$run/proc"
mount -t sysfs sys "$run/sys"
cp /etc/resolv.conf "$run/etc/resolv.conf"
clone=/root/entra-pta-exporter
git clone -q --no-hardlinks "$root" "$run$clone"
sed -i 's/default_targets: true/default_targets: false/' "$run$clone/entra-pta-exporter.yml"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url=http://127.0.0.1:$port/

load() { cut -d' ' -f1-3 /proc/loadavg; }
printf '# %s, %s cores, commit %s\n' "$(date -u +%FT%TZ)" "$(nproc)" \
  "$(git -C "$root" rev-parse --short=12 HEAD)"

# served LOG: starts scripts/run in the chroot and waits for the landing
# page; prints each "run:" line with the seconds since the start.
served() {
  local log=$1 started=$EPOCHREALTIME
  echo "load before: $(load)"
  setsid chroot "$run" env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd $clone && exec scripts/run --web.listen-address=127.0.0.1:$port" \
    >"$log" 2>&1 </dev/null &
  pid=$!
  local seen=0 now
  while :; do
    now=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    # Report scripts/run's step lines as they appear.
    local lines
    lines=$(grep -E '^(run:|install-deps:)' "$log" | tail -n +$((seen + 1)) || true)
    if [ -n "$lines" ]; then
      printf '%s\n' "$lines" | sed "s/^/  [$now s] /"
      seen=$((seen + $(printf '%s\n' "$lines" | wc -l)))
    fi
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      echo "landing page served after $now s ($url)"
      # scripts/run execs the exporter in the same process, which keeps the
      # CPU time of every child scripts/run waited for (apt, cmake, g++).
      awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "CPU time of install and build: %.0f s\n", ($14 + $15) / hz }' \
        "/proc/$pid/stat"
      break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "first-run: scripts/run exited before serving; its log:" >&2
      tail -n 30 "$log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "load after: $(load)"
}

echo "== fresh clone: scripts/run until the landing page is served"
served "$dir/first-run.log"
kill -- -"$pid"; wait "$pid" 2>/dev/null || true; pid=""

echo "== incremental: edit collectors/cloud/cloud_collector.cc, scripts/run again"
printf '\nstatic_assert(true, "bench/first-run.sh edit");\n' \
  >>"$run$clone/collectors/cloud/cloud_collector.cc"
served "$dir/incremental-run.log"
