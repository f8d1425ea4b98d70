#!/usr/bin/env python3
"""Soak driver for the exporter, run by bench/soak.sh inside a loopback-only
network namespace (tests/lib/in-netns); nothing here leaves 127.0.0.0/8.

It starts the exporter (usually a sanitizer build) with every portable
collector enabled against local stand-ins:
  heartbeat          a trace log directory this script keeps writing to
  endpoint + tls     nginx serving a genuine chain, an expired chain and
                     plain HTTP (tests/lib/network_peers.py); nginx is
                     stopped and started again every few seconds (flapping)
  domain_controller  dnsmasq answering the SRV/A records of corp.test
                     (tests/lib/dns_servers.py) and a local "DC" listener
  cloud              the fake Microsoft identity platform + Graph
                     (tests/lib/fake_entra.py; it stands in for Microsoft,
                     which cannot be reached), client-secret sign-in
Several clients scrape /metrics concurrently (plus the landing page now and
then) while the config is reloaded with SIGHUP every few seconds,
alternating between two valid configs and sometimes a broken one.

A failed scrape is a non-200 answer, a body without the build-info family,
or a connection error. A target that is down makes entra_pta_endpoint_up 0
in a 200 answer; that is not a failed scrape.

Exit status: 0 clean; 1 on any sanitizer report, RSS growth after warm-up
of --max-rss-growth-kib or more (judged only without a sanitizer: ASan's
quarantine and TSan's metadata grow by design), any failed scrape, a reload
outcome other than expected, or an exporter that does not exit cleanly."""

import argparse
import glob
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                   "lib")
sys.path.insert(0, LIB)
import dns_servers  # noqa: E402
import fake_entra  # noqa: E402
import harness  # noqa: E402
import network_peers as peers  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import slowloris  # noqa: E402

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "99999999-0000-4000-8000-000000000000"
SRV = "_ldap._tcp.dc._msdcs.corp.test"
ENDPOINT_UP = re.compile(
    r'^entra_pta_endpoint_up\{[^}]*endpoint="genuine"[^}]*\} (\S+)$', re.M)
COLLECTOR_FAILED = re.compile(
    r'^entra_pta_scrape_collector_success\{collector="([^"]+)"\} 0$', re.M)


def rss_kib(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


class FlappingNginx:
    """nginx with the endpoint/tls targets on fixed ports, so it can be
    stopped and started again while the exporter keeps probing them."""

    def __init__(self, pki):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-soak-nginx-")
        self.genuine_port = harness.free_port()
        self.expired_port = harness.free_port()
        self.plain_port = harness.free_port()
        self.conf = os.path.join(self.tmp.name, "nginx.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(peers.NGINX_CONF.format(
                dir=self.tmp.name, genuine=self.genuine_port,
                expired=self.expired_port, plain=self.plain_port,
                chain=pki.chain, leaf_key=pki.path("leaf.key"),
                expired_chain=pki.expired_chain,
                expired_key=pki.path("expired.key")))
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["nginx", "-c", self.conf, "-p", self.tmp.name, "-e",
             os.path.join(self.tmp.name, "startup.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in (self.genuine_port, self.expired_port, self.plain_port):
            peers.wait_for_port(port, self.proc, what="nginx")

    def stop(self):
        harness.stop_process(self.proc, timeout=10)
        self.proc = None

    def close(self):
        self.stop()
        self.tmp.cleanup()


class DomainControllerListener:
    """A "DC" accepting TCP connections on 127.0.0.1 and closing them."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)


class StandIns:
    """The local stand-ins for everything the collectors talk to."""

    def __init__(self, run_dir):
        peers.require("nginx", "openssl")
        self.run_dir = run_dir
        self.pki = peers.TestPki()
        self.nginx = FlappingNginx(self.pki)
        self.dc = DomainControllerListener()
        self.closed_port = harness.free_port()
        self.dns = dns_servers.Dnsmasq([
            "--local=/test/",
            "--srv-host=%s,dc1.corp.test,389,0,100" % SRV,
            "--srv-host=%s,dc2.corp.test,389,0,100" % SRV,
            "--host-record=dc1.corp.test,127.0.0.1",
            "--host-record=dc2.corp.test,127.0.0.2",
        ])
        # dnsmasq logs every query to its stderr pipe, which the test helper
        # reads only when dnsmasq fails to start; in a long run the pipe
        # fills and dnsmasq stops answering, so drain it.
        self._dns_drain = threading.Thread(
            target=lambda: [None for _ in self.dns.proc.stderr], daemon=True)
        self._dns_drain.start()
        self.entra_dir = os.path.join(run_dir, "entra")
        os.makedirs(self.entra_dir, exist_ok=True)
        self.entra = fake_entra.FakeEntra(self.entra_dir, TENANT, CLIENT_ID)
        self.secret_file = os.path.join(run_dir, "client-secret")
        with open(self.secret_file, "w", encoding="ascii") as f:
            f.write(self.entra.client_secret + "\n")
        os.chmod(self.secret_file, 0o600)
        self.trace_dir = os.path.join(run_dir, "trace")
        os.makedirs(self.trace_dir, exist_ok=True)
        harness.write_trace_file(self.trace_dir, 0)

    def close(self):
        for closer in (self.entra.stop, self.dns.stop, self.dc.close,
                       self.nginx.close, self.pki.close):
            try:
                closer()
            except Exception as e:  # keep closing the others
                print("soak: cleanup: %s" % e, file=sys.stderr)

    def config(self, variant):
        """variant "a" or "b" (both valid, different collector settings) or
        "broken" (an unknown key: the reload must fail and keep serving)."""
        n = self.nginx
        targets = [("genuine", "https://127.0.0.1:%d/" % n.genuine_port, True),
                   ("plain", "http://127.0.0.1:%d/" % n.plain_port, False)]
        if variant != "b":
            targets.append(
                ("expired", "https://127.0.0.1:%d/" % n.expired_port, False))
        else:
            targets.append(
                ("refused", "https://127.0.0.1:%d/" % self.closed_port, False))
        lines = [
            "tenant:", "  id: " + TENANT,
            "scrape:", "  max_timeout: 10s",
            "collectors:",
            "  heartbeat:",
            "    trace_dir: '%s'" % self.trace_dir,
            "    stale_threshold: %s" % ("10m" if variant != "b" else "5m"),
            "    sources:", "      cloud: true",
            "  endpoint:",
            "    default_targets: false",
            "    proxy_from_environment: false",
            "    timeout: 2s",
            "    ca_file: '%s'" % self.pki.root,
            "    targets:",
        ]
        for name, url, bootstrap in targets:
            lines += ["      - name: " + name, "        url: " + url]
            if bootstrap:
                lines.append("        bootstrap: true")
        lines += [
            "  tls:",
            '    allowed_issuers: ["%s"]' % peers.TestPki.ISSUING_NAME,
            '    allowed_roots: ["%s"]' % peers.TestPki.ROOT_NAME,
            "  domain_controller:",
            "    enabled: true",
            "    domain: corp.test",
            "    dns_server: " + self.dns.address,
            "    ports: '%d,%d'" % (self.dc.port, self.closed_port),
            "    dns_timeout: 1s",
            "    connect_timeout: 1s",
            "  cloud:",
            "    enabled: true",
            "    client_id: " + CLIENT_ID,
            "    auth: client_secret",
            "    client_secret_file: '%s'" % self.secret_file,
            "    authority_url: " + self.entra.url,
            "    graph_url: " + self.entra.url,
            "    ca_file: '%s'" % self.entra.ca_file,
            "    state_file: '%s'" % os.path.join(self.run_dir, "state",
                                                  "cloud-state.json"),
            "    refresh_interval: %s" % ("2s" if variant != "b" else "3s"),
            "    request_timeout: 2s",
            "    machine_name: pta01",
        ]
        if variant == "broken":
            lines.append("  not_a_collector: {}")
        return "\n".join(lines) + "\n"


class Scrapers:
    """`clients` threads sharing `total` scrapes of /metrics; every 25th
    request of a client also fetches the landing page."""

    def __init__(self, address, total, clients, warmup, on_warm):
        self.host, port = address.rsplit(":", 1)
        self.port = int(port)
        self.total = total
        self.warmup = warmup
        self.on_warm = on_warm
        self.lock = threading.Lock()
        self.started = 0
        self.done = 0
        self.failures = {}  # reason -> count
        self.endpoint_down = 0  # 200 answers showing the flapped target down
        self.collector_failures = {}  # collector -> scrapes it failed in
        self.latencies = []
        self.landing_pages = 0
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(clients)]

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        for t in self.threads:
            t.join()

    def _get(self, path):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def _fail(self, reason):
        with self.lock:
            self.failures[reason] = self.failures.get(reason, 0) + 1

    def _run(self):
        n = 0
        while True:
            with self.lock:
                if self.started >= self.total:
                    return
                self.started += 1
            n += 1
            if n % 25 == 0:
                try:
                    status, _ = self._get("/")
                    if status != 200:
                        self._fail("landing page: status %d" % status)
                except (OSError, http.client.HTTPException) as e:
                    self._fail("landing page: %s" % type(e).__name__)
                with self.lock:
                    self.landing_pages += 1
            begin = time.monotonic()
            reason = None
            try:
                status, body = self._get("/metrics")
                text = body.decode("utf-8", "replace")
                if status != 200:
                    reason = "status %d" % status
                elif "entra_pta_exporter_build_info" not in text:
                    reason = "200 without entra_pta_exporter_build_info"
            except (OSError, http.client.HTTPException) as e:
                reason = "%s: %s" % (type(e).__name__, e)
            took = time.monotonic() - begin
            if reason:
                self._fail(reason)
            warm = False
            with self.lock:
                self.done += 1
                self.latencies.append(took)
                if not reason:
                    m = ENDPOINT_UP.search(text)
                    if m and float(m.group(1)) == 0:
                        self.endpoint_down += 1
                    for name in COLLECTOR_FAILED.findall(text):
                        self.collector_failures[name] = (
                            self.collector_failures.get(name, 0) + 1)
                if self.done == self.warmup:
                    warm = True
            if warm:
                self.on_warm()


class Periodic:
    """Calls `action(i)` every `seconds` on a thread until stopped."""

    def __init__(self, seconds, action):
        self.seconds = seconds
        self.action = action
        self.stop_event = threading.Event()
        self.count = 0
        self.errors = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop_event.wait(self.seconds):
            try:
                self.action(self.count)
            except Exception as e:  # recorded, reported, fails the run
                self.errors.append(repr(e))
            self.count += 1

    def stop(self):
        self.stop_event.set()
        self.thread.join(timeout=60)


def sanitizer_env(sanitizer, run_dir):
    env = {}
    if sanitizer == "asan":
        env["ASAN_OPTIONS"] = ":".join([
            "log_path=" + os.path.join(run_dir, "asan"),
            "detect_leaks=1", "abort_on_error=0",
            "detect_stack_use_after_return=1",
            "check_initialization_order=1", "strict_init_order=1"])
        # One runtime serves ASan, LSan and UBSan; whichever option string
        # it reads last sets the common log_path, so all three name the
        # same one.
        env["UBSAN_OPTIONS"] = ":".join([
            "log_path=" + os.path.join(run_dir, "asan"),
            "print_stacktrace=1", "halt_on_error=0"])
        env["LSAN_OPTIONS"] = "log_path=" + os.path.join(run_dir, "asan")
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "soak-lsan.supp")
        if os.path.exists(supp):
            env["LSAN_OPTIONS"] += ":suppressions=" + supp
    elif sanitizer == "tsan":
        env["TSAN_OPTIONS"] = ":".join([
            "log_path=" + os.path.join(run_dir, "tsan"),
            "halt_on_error=0", "second_deadlock_stack=1"])
        supp = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "soak-tsan.supp")
        if os.path.exists(supp):
            env["TSAN_OPTIONS"] += ":suppressions=" + supp
    return env


def sanitizer_reports(run_dir):
    """(number of findings, report text) from the sanitizers' log files."""
    findings = 0
    texts = []
    markers = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
               "WARNING: ThreadSanitizer", "runtime error:",
               "ERROR: ThreadSanitizer")
    for path in sorted(glob.glob(os.path.join(run_dir, "*san.*"))):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        n = sum(text.count(m) for m in markers)
        if n or text.strip():
            findings += max(n, 1)
            texts.append("==> %s (%d finding(s))\n%s" % (path, n, text))
    return findings, "\n".join(texts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--sanitizer", choices=("asan", "tsan", "none"),
                        default="none")
    parser.add_argument("--scrapes", type=int, default=50000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=int,
                        help="scrapes before the warm RSS reading (default: "
                             "10%% of --scrapes, at least 2000); malloc "
                             "arenas and the thread-stack cache settle over "
                             "the first reloads and flaps")
    parser.add_argument("--reload-every", type=float, default=3.0,
                        help="seconds between SIGHUP reloads")
    parser.add_argument("--broken-every", type=int, default=5,
                        help="every Nth reload uses a broken config")
    parser.add_argument("--flap-every", type=float, default=2.5,
                        help="seconds between nginx stops/starts")
    parser.add_argument("--max-rss-growth-kib", type=int, default=1024)
    parser.add_argument("--slowloris", type=int, default=0, metavar="N",
                        help="also keep N slow connections open for the "
                             "whole run (bench/slowloris.py: a header line "
                             "per second each, reconnecting when closed)")
    parser.add_argument("--run-dir",
                        help="where logs and sanitizer reports go "
                             "(default: a new directory under /tmp)")
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = min(max(2000, args.scrapes // 10), args.scrapes // 2)
    if args.warmup >= args.scrapes:
        parser.error("--warmup must be below --scrapes")

    run_dir = args.run_dir or tempfile.mkdtemp(prefix="entra-pta-soak-")
    os.makedirs(run_dir, exist_ok=True)
    for old in glob.glob(os.path.join(run_dir, "*san.*")):
        os.remove(old)
    os.environ["ENTRA_PTA_EXPORTER"] = os.path.abspath(args.binary)
    os.environ.update(sanitizer_env(args.sanitizer, run_dir))
    print("soak: %s build %s, run directory %s" % (
        args.sanitizer, args.binary, run_dir), flush=True)

    stand_ins = StandIns(run_dir)
    problems = []
    exporter = None
    try:
        try:
            exporter = harness.Exporter(config_text=stand_ins.config("a"))
        except RuntimeError as e:
            problems.append("the exporter did not start: %s" % e)
            return report_and_exit(run_dir, problems)
        config_path = os.path.join(exporter.tmp.name, "config.yml")
        pid = exporter.proc.pid
        rss_start = rss_kib(pid)
        print("soak: exporter pid %d on %s, RSS at start %d KiB" % (
            pid, exporter.address, rss_start), flush=True)

        variants = []

        def reload(i):
            variant = ("broken" if (i + 1) % args.broken_every == 0
                       else ("b" if i % 2 == 0 else "a"))
            tmp = config_path + ".new"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(stand_ins.config(variant))
            os.replace(tmp, config_path)  # never a half-written file
            variants.append(variant)
            exporter.proc.send_signal(signal.SIGHUP)

        nginx_up = [True]

        def flap(_):
            if nginx_up[0]:
                stand_ins.nginx.stop()
            else:
                stand_ins.nginx.start()
            nginx_up[0] = not nginx_up[0]

        def trace(_):
            with open(os.path.join(stand_ins.trace_dir,
                                   harness.TRACE_FILE_NAME), "a",
                      encoding="utf-8") as f:
                f.write("Information: soak heartbeat\n")

        rss = {}

        def on_warm():
            rss["warm"] = rss_kib(pid)
            print("soak: RSS after %d warm-up scrapes %d KiB" % (
                args.warmup, rss["warm"]), flush=True)

        crowd = None
        if args.slowloris > 0:
            slowloris.raise_fd_limit(args.slowloris + 256)
            host, port = exporter.address.rsplit(":", 1)
            crowd = slowloris.SlowlorisCrowd(host, int(port), args.slowloris)
            crowd.start()
            print("soak: %d slowloris connections started" % args.slowloris,
                  flush=True)
        scrapers = Scrapers(exporter.address, args.scrapes, args.clients,
                            args.warmup, on_warm)
        begin = time.monotonic()
        scrapers.start()
        background = [Periodic(args.reload_every, reload),
                      Periodic(args.flap_every, flap),
                      Periodic(0.5, trace)]
        peak = rss_start
        last_report = begin
        while any(t.is_alive() for t in scrapers.threads):
            time.sleep(0.5)
            if exporter.proc.poll() is not None:
                problems.append("the exporter exited during the soak "
                                "(status %s)" % exporter.proc.returncode)
                break
            peak = max(peak, rss_kib(pid))
            if time.monotonic() - last_report >= 10:
                last_report = time.monotonic()
                print("soak: %d/%d scrapes, %.0f s, RSS %d KiB" % (
                    scrapers.done, args.scrapes, last_report - begin,
                    rss_kib(pid)), flush=True)
        scrapers.join()
        duration = time.monotonic() - begin
        slow_open = crowd.open_now() if crowd else 0
        if crowd:
            crowd.stop()
        for b in background:
            b.stop()
        if not nginx_up[0]:
            stand_ins.nginx.start()
        rss_end = rss_kib(pid) if exporter.proc.poll() is None else None
        time.sleep(1)  # the last reload's log lines
        log = exporter.log_lines()
        reloaded = sum(1 for line in log if "msg=\"config reloaded\"" in line)
        rejected = sum(1 for line in log
                       if "msg=\"config reload failed" in line)
        expected_rejected = variants.count("broken")
        exit_status = exporter.stop(timeout=60)
        log = exporter.log_lines()  # now with the shutdown lines
        with open(os.path.join(run_dir, "exporter.log"), "w",
                  encoding="utf-8") as f:
            f.write("\n".join(log) + "\n")

        lat = sorted(scrapers.latencies)
        failed = sum(scrapers.failures.values())
        print()
        print("soak: sanitizer           %s" % args.sanitizer)
        print("soak: scrapes             %d by %d clients in %.1f s "
              "(%.1f scrapes/s)" % (scrapers.done, args.clients, duration,
                                    scrapers.done / duration))
        print("soak: latency p50/p99/max %.1f / %.1f / %.1f ms" % (
            lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000,
            lat[-1] * 1000))
        print("soak: landing pages       %d" % scrapers.landing_pages)
        if crowd:
            print("soak: slowloris           %d connections (%d open at the "
                  "end), %d opened, %d closed by the server" % (
                      args.slowloris, slow_open, crowd.opened,
                      crowd.closed_by_server))
        print("soak: failed scrapes      %d" % failed)
        for reason, count in sorted(scrapers.failures.items()):
            print("soak:   %6d  %s" % (count, reason))
        print("soak: endpoint down seen  %d scrapes (flapping; not failures)"
              % scrapers.endpoint_down)
        print("soak: collector failures  %s (values, not scrape failures)" %
              (", ".join("%s %d" % kv for kv in
                         sorted(scrapers.collector_failures.items()))
               or "none"))
        print("soak: nginx flaps         %d" % background[1].count)
        print("soak: reloads (SIGHUP)    %d sent: %d applied, %d rejected "
              "(%d broken configs sent)" % (len(variants), reloaded,
                                            rejected, expected_rejected))
        warm = rss.get("warm")
        print("soak: RSS start/warm/end  %s / %s / %s KiB (peak %d)" % (
            rss_start, warm, rss_end, peak))
        growth = (rss_end - warm) if (warm and rss_end) else None
        print("soak: RSS growth after warm-up %s KiB" % growth)
        print("soak: exporter exit status %s" % exit_status)

        if failed:
            problems.append("%d failed scrapes" % failed)
        if args.sanitizer != "none":
            # ASan holds 256 MiB of freed memory in its quarantine (to catch
            # use-after-free) and TSan's shadow and sync metadata grow with
            # the threads and objects it has seen, so RSS says little about
            # the exporter there: leaks are LeakSanitizer's job, the RSS
            # target is judged by the --sanitizer none run.
            print("soak: RSS growth not judged under %s (run --sanitizer "
                  "none for the RSS target)" % args.sanitizer)
        elif growth is None or growth >= args.max_rss_growth_kib:
            problems.append("RSS growth after warm-up %s KiB (limit %d)" % (
                growth, args.max_rss_growth_kib))
        if rejected != expected_rejected or \
                reloaded != len(variants) - expected_rejected:
            problems.append("reload outcomes differ from the configs sent")
        for b in background:
            problems += ["background task: " + e for e in b.errors]
        if exit_status != 0:
            problems.append("exporter exit status %s" % exit_status)
        if any("exiting without waiting" in line for line in log):
            problems.append("a collector was still running at shutdown, so "
                            "the exporter skipped its normal exit (and "
                            "LeakSanitizer's check)")
    finally:
        if exporter is not None:
            exporter.kill()
        stand_ins.close()

    return report_and_exit(run_dir, problems)


def report_and_exit(run_dir, problems):
    """Prints the sanitizer reports and the verdict; the exit status."""
    findings, report = sanitizer_reports(run_dir)
    print("soak: sanitizer findings  %d" % findings)
    if report:
        print(report)
        problems.append("%d sanitizer finding(s)" % findings)
    if problems:
        print("soak: FAILED: " + "; ".join(problems))
        return 1
    print("soak: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
