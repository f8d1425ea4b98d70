#!/usr/bin/env python3
"""Slow clients against the exporter's HTTP server (issue 14, defect 6),
run by bench/slowloris.sh inside a loopback-only network namespace
(tests/lib/in-netns); nothing here leaves 127.0.0.0/8.

The exporter runs with its default collectors and `default_targets: false`.
N slowloris connections each send a request line, then one header line
per second, never finishing the head, and reconnect as soon as the server
closes them (it does after its 10 s head timeout). Meanwhile a scraper
sends GET /metrics (new connection each, with Prometheus's
X-Prometheus-Scrape-Timeout-Seconds header) 3 times a second for the
duration, each on its own thread so a slow answer does not delay the
schedule. Prints ok/failed scrapes, latency percentiles, and the
exporter's RSS idle and under load.

Exit status: 0 when every scrape succeeded, p99 < 50 ms and RSS under load
< 2x idle (the issue's targets); 1 otherwise; 2 on a usage error.

SlowlorisCrowd is also used by bench/soak.py (--slowloris N)."""

import argparse
import errno
import http.client
import os
import resource
import selectors
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
import harness  # noqa: E402


def raise_fd_limit(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard == resource.RLIM_INFINITY else max(soft, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target != resource.RLIM_INFINITY and target < wanted:
        raise SystemExit("slowloris: need %d open files, the limit is %d"
                         % (wanted, target))


class SlowlorisCrowd:
    """count non-blocking connections to host:port, driven by one thread."""

    def __init__(self, host, port, count, interval=1.0):
        self.address = (host, port)
        self.count = count
        self.interval = interval
        self.selector = selectors.DefaultSelector()
        self.conns = {}  # socket -> state: "connecting" or "open"
        self.opened = 0
        self.closed_by_server = 0
        self.connect_failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()
        for sock in list(self.conns):
            self._drop(sock)
        self.selector.close()

    def open_now(self):
        return sum(1 for s in self.conns.values() if s == "open")

    def _connect(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        rc = sock.connect_ex(self.address)
        if rc not in (0, errno.EINPROGRESS):
            sock.close()
            self.connect_failures += 1
            return
        self.conns[sock] = "connecting"
        self.selector.register(sock, selectors.EVENT_WRITE)

    def _drop(self, sock):
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass
        self.conns.pop(sock, None)
        sock.close()

    def _send(self, sock, data):
        try:
            sock.send(data)
            return True
        except OSError:
            self.closed_by_server += 1
            self._drop(sock)
            return False

    def _run(self):
        next_tick = time.monotonic()
        line = 0
        while not self._stop.is_set():
            # Top up: whatever the server closed is reopened at once.
            for _ in range(self.count - len(self.conns)):
                self._connect()
            now = time.monotonic()
            if now >= next_tick:
                line += 1
                data = b"X-Slow-%d: a\r\n" % line
                for sock, state in list(self.conns.items()):
                    if state == "open":
                        self._send(sock, data)
                next_tick = now + self.interval
            timeout = max(0.0, min(0.05, next_tick - time.monotonic()))
            for key, events in self.selector.select(timeout):
                sock = key.fileobj
                if sock not in self.conns:
                    continue
                if self.conns[sock] == "connecting":
                    err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                    if err != 0:
                        self.connect_failures += 1
                        self._drop(sock)
                        continue
                    self.conns[sock] = "open"
                    self.opened += 1
                    self.selector.modify(sock, selectors.EVENT_READ)
                    self._send(sock, b"GET /metrics HTTP/1.1\r\nHost: a\r\n")
                    continue
                try:
                    sock.recv(4096)
                except OSError:
                    pass
                # An answer (408/400) or a close: either way it is over.
                self.closed_by_server += 1
                self._drop(sock)


def scrape(address, timeout_header, results, lock):
    host, port = address.rsplit(":", 1)
    start = time.monotonic()
    ok = False
    reason = None
    try:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/metrics", headers={
            "X-Prometheus-Scrape-Timeout-Seconds": timeout_header})
        response = conn.getresponse()
        body = response.read()
        ok = (response.status == 200 and
              b"entra_pta_exporter_build_info" in body)
        if not ok:
            reason = "status %d" % response.status
        conn.close()
    except (OSError, http.client.HTTPException) as e:
        ok = False
        reason = type(e).__name__
    elapsed = time.monotonic() - start
    with lock:
        results.append((ok, elapsed, reason))


class ScrapeSchedule:
    """GET /metrics `rate` times a second, each on its own thread."""

    def __init__(self, address, rate, timeout_header="10"):
        self.address = address
        self.rate = rate
        self.timeout_header = timeout_header
        self.results = []
        self.lock = threading.Lock()
        self.threads = []

    def run(self, seconds, on_tick=None):
        start = time.monotonic()
        total = int(seconds * self.rate)
        for i in range(total):
            delay = start + i / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=scrape, args=(
                self.address, self.timeout_header, self.results, self.lock))
            t.start()
            self.threads.append(t)
            if on_tick is not None:
                on_tick()
        for t in self.threads:
            t.join()
        return self.results


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    # Nearest rank.
    rank = -(-p * len(ordered) // 100)
    return ordered[min(len(ordered), max(1, int(rank))) - 1]


def rss_mib(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS for pid %d" % pid)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=3)
    parser.add_argument("--label", default="",
                        help="what is measured, printed in the heading")
    args = parser.parse_args()
    if args.connections < 0 or args.seconds <= 0 or args.rate <= 0:
        parser.error("--connections >= 0, --seconds > 0, --rate > 0")
    raise_fd_limit(args.connections + 256)

    config = "collectors:\n  endpoint:\n    default_targets: false\n"
    with harness.Exporter(config_text=config) as exporter:
        pid = exporter.proc.pid
        # Warm-up: a few scrapes, then a moment of quiet.
        for _ in range(20):
            exporter.get("/metrics", headers={
                "X-Prometheus-Scrape-Timeout-Seconds": "10"})
        time.sleep(3)
        rss_idle = rss_mib(pid)
        host, port = exporter.address.rsplit(":", 1)
        crowd = SlowlorisCrowd(host, int(port), args.connections)
        crowd.start()
        # Let the crowd build up before measuring.
        deadline = time.monotonic() + 10
        while (crowd.open_now() < args.connections * 0.95 and
               time.monotonic() < deadline):
            time.sleep(0.1)
        open_at_start = crowd.open_now()
        rss_samples = []
        open_samples = []

        def sample():
            rss_samples.append(rss_mib(pid))
            open_samples.append(crowd.open_now())

        results = ScrapeSchedule(exporter.address, args.rate).run(
            args.seconds, on_tick=sample)
        sample()
        crowd.stop()
        alive = exporter.proc.poll() is None

    ok = [t for good, t, _ in results if good]
    failed = [t for good, t, _ in results if not good]
    reasons = {}
    for good, _, reason in results:
        if not good:
            reasons[reason] = reasons.get(reason, 0) + 1
    times_ms = [t * 1000 for t in ok]
    p50 = percentile(times_ms, 50)
    p99 = percentile(times_ms, 99)
    worst = max(times_ms) if times_ms else float("nan")
    rss_load = max(rss_samples) if rss_samples else float("nan")
    heading = "slowloris%s: %d connections (a header line per second each, " \
        "reconnecting when closed); /metrics %g/s for %g s" % (
            " (" + args.label + ")" if args.label else "", args.connections,
            args.rate, args.seconds)
    print(heading)
    print("  scrapes:  %d ok, %d failed%s" % (
        len(ok), len(failed),
        " (" + ", ".join("%d %s" % (n, r) for r, n in sorted(
            reasons.items())) + ")" if reasons else ""))
    print("  latency of the successful ones: p50 %.1f ms, p99 %.1f ms, "
          "max %.1f ms" % (p50, p99, worst))
    print("  slow connections: %d open when scraping began, %.0f on average "
          "while scraping; %d opened in all, %d closed by the server, "
          "%d connect failures" % (
              open_at_start, sum(open_samples) / max(1, len(open_samples)),
              crowd.opened, crowd.closed_by_server, crowd.connect_failures))
    print("  RSS: idle %.1f MiB, under load max %.1f MiB (%.2fx)" % (
        rss_idle, rss_load, rss_load / rss_idle))
    met_ok = not failed and alive
    met_p99 = bool(times_ms) and p99 < 50
    met_rss = rss_load < 2 * rss_idle
    print("  targets: every scrape ok: %s; p99 < 50 ms: %s; RSS < 2x idle: %s"
          % tuple("met" if m else "NOT met" for m in (met_ok, met_p99,
                                                      met_rss)))
    if not alive:
        print("  the exporter exited during the run")
    return 0 if (met_ok and met_p99 and met_rss) else 1


if __name__ == "__main__":
    sys.exit(main())
