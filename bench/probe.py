"""Driver for bench/probe.sh: see there. Standard library only."""

import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "lib"))
import harness  # noqa: E402
import network_peers as peers  # noqa: E402

TARGETS = 12
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def memory_mib(pid):
    """(peak RSS, RSS of anonymous memory now, RSS of mapped files now)."""
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmHWM"], fields["RssAnon"], fields["RssFile"]


def served(nginx):
    """Requests nginx has answered so far (its access log's lines)."""
    with open(os.path.join(nginx.tmp.name, "access.log")) as f:
        return sum(1 for _ in f)


# Scrapes closer together than the exporter's 250 ms join window share one
# probe round (an HA pair of Prometheus servers costs one probe); space them
# so that every scrape probes.
SPACING = 0.3


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.read().decode()


def bench_ours(pki, nginx, url, rounds):
    lines = ["collectors:", "  heartbeat:", "    enabled: false",
             "  endpoint:", "    default_targets: false",
             "    proxy_from_environment: false",
             "    ca_file: '%s'" % pki.root, "    targets:"]
    for i in range(TARGETS):
        lines += ["      - name: t%d" % i, "        url: " + url]
    lines += ["  tls:", "    allowed_issuers: ['%s']" % pki.ISSUING_NAME,
              "    allowed_roots: ['%s']" % pki.ROOT_NAME]
    with harness.Exporter(config_text="\n".join(lines) + "\n") as exporter:
        pid = exporter.proc.pid
        metrics = exporter.url + "/metrics"
        headers = {"X-Prometheus-Scrape-Timeout-Seconds": "10"}
        for _ in range(3):  # warm-up
            body = get(metrics, headers)
        assert body.count("entra_pta_endpoint_up{") == TARGETS, body
        assert body.count("entra_pta_tls_issuer_match{") == TARGETS, body
        assert 'entra_pta_endpoint_up{endpoint="t0"} 1' in body, body
        time.sleep(SPACING)
        cpu0 = cpu_seconds(pid)
        probes0 = served(nginx)
        walls = []
        for _ in range(rounds):
            start = time.monotonic()
            body = get(metrics, headers)
            walls.append(time.monotonic() - start)
            time.sleep(SPACING)
        cpu = cpu_seconds(pid) - cpu0
        probes = served(nginx) - probes0
        assert probes == rounds * TARGETS, (probes, rounds * TARGETS)
        return cpu / probes, sorted(walls)[len(walls) // 2], \
            memory_mib(pid)


def bench_blackbox(pki, nginx, url, rounds):
    tmp = tempfile.TemporaryDirectory(prefix="entra-pta-bench-bb-")
    conf = os.path.join(tmp.name, "blackbox.yml")
    with open(conf, "w") as f:
        f.write("modules:\n  tls:\n    prober: http\n    timeout: 10s\n"
                "    http:\n      valid_status_codes: [404]\n"
                "      preferred_ip_protocol: ip4\n"
                "      ip_protocol_fallback: false\n"
                "      tls_config:\n        ca_file: '%s'\n" % pki.root)
    port = harness.free_port()
    proc = subprocess.Popen(
        ["prometheus-blackbox-exporter", "--config.file=" + conf,
         "--web.listen-address=127.0.0.1:%d" % port],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        peers.wait_for_port(port, proc, what="blackbox_exporter")
        probe = "http://127.0.0.1:%d/probe?module=tls&target=%s" % (port, url)
        pool = concurrent.futures.ThreadPoolExecutor(TARGETS)

        def one_round():
            # Prometheus scrapes the 12 probe targets concurrently.
            return list(pool.map(lambda _: get(probe), range(TARGETS)))

        for _ in range(3):
            bodies = one_round()
        assert all("probe_success 1" in b for b in bodies), bodies[0]
        time.sleep(SPACING)
        cpu0 = cpu_seconds(proc.pid)
        probes0 = served(nginx)
        walls = []
        for _ in range(rounds):
            start = time.monotonic()
            one_round()
            walls.append(time.monotonic() - start)
            time.sleep(SPACING)
        cpu = cpu_seconds(proc.pid) - cpu0
        probes = served(nginx) - probes0
        assert probes == rounds * TARGETS, (probes, rounds * TARGETS)
        pool.shutdown()
        return cpu / probes, sorted(walls)[len(walls) // 2], \
            memory_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        tmp.cleanup()


def run_libcurl_floor(url, probes):
    """Compiles and runs bench/libcurl_floor.c; returns what it printed
    (cpu_per_probe_s, idle_rss_kib, peak_rss_kib) as a dict of strings."""
    tmp = tempfile.TemporaryDirectory(prefix="entra-pta-bench-floor-")
    try:
        program = os.path.join(tmp.name, "libcurl_floor")
        source = os.path.join(os.path.dirname(__file__), "libcurl_floor.c")
        # bench/probe.sh's "pinned" stack: the static libcurl and OpenSSL
        # of scripts/build-windows-deps --native instead of Debian's.
        prefix = os.environ.get("ENTRA_PTA_BENCH_LIBCURL_PREFIX")
        if prefix:
            link = ["-I" + os.path.join(prefix, "include"),
                    os.path.join(prefix, "lib", "libcurl.a"),
                    os.path.join(prefix, "lib", "libssl.a"),
                    os.path.join(prefix, "lib", "libcrypto.a"),
                    "-lpthread", "-ldl"]
        else:
            link = ["-lcurl"]
        subprocess.run(["cc", "-O2", source, "-o", program] + link,
                       check=True)
        out = subprocess.run([program, url, str(probes)],
                             capture_output=True, text=True,
                             check=True).stdout
        return dict(kv.split("=") for kv in out.split())
    finally:
        tmp.cleanup()


def bench_libcurl_floor(url, rounds):
    """The bare libcurl probe loop, as many probes as our rounds made."""
    fields = run_libcurl_floor(url, rounds * TARGETS)
    return (float(fields["cpu_per_probe_s"]),
            int(fields["idle_rss_kib"]) / 1024,
            int(fields["peak_rss_kib"]) / 1024)


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    key_type = sys.argv[2] if len(sys.argv) > 2 else "rsa"
    pki = peers.TestPki(key_type)
    nginx = peers.Nginx(pki)
    try:
        url = "https://127.0.0.1:%d/" % nginx.genuine_port
        ours = bench_ours(pki, nginx, url, rounds)
        theirs = bench_blackbox(pki, nginx, url, rounds)
        floor = bench_libcurl_floor(url, rounds)
    finally:
        nginx.close()
        pki.close()
    print("TLS probe benchmark: %d targets x %d rounds against local nginx "
          "(TLS 1.3, %s chain), %d CPUs" % (
              TARGETS, rounds,
              "RSA 2048" if key_type == "rsa" else "ECDSA P-256",
              os.cpu_count()))
    print("%-28s %16s %16s" % ("", "entra_pta_exporter", "blackbox_exporter"))
    print("%-28s %16.2f %16.2f" % ("CPU ms per TLS probe", ours[0] * 1e3,
                                   theirs[0] * 1e3))
    print("%-28s %16.1f %16.1f" % ("scrape wall ms, 12 targets", ours[1] * 1e3,
                                   theirs[1] * 1e3))
    print("%-28s %16.1f %16.1f" % ("peak RSS MiB", ours[2][0], theirs[2][0]))
    print("%-28s %16.1f %16.1f" % ("  of which anonymous (end)", ours[2][1],
                                   theirs[2][1]))
    print("%-28s %16.1f %16.1f" % ("  of which mapped files (end)",
                                   ours[2][2], theirs[2][2]))
    print("bare libcurl loop (bench/libcurl_floor.c, same probes one after "
          "another): CPU ms per probe %.2f (%.2f of blackbox), RSS after "
          "curl_global_init %.1f MiB, peak %.1f MiB (%.2f of blackbox's "
          "peak)" % (floor[0] * 1e3, floor[0] / theirs[0], floor[1], floor[2],
                     floor[2] / theirs[2][0]))
    print("ratio ours/blackbox: CPU %.2f, peak RSS %.2f, anonymous RSS %.2f" %
          (ours[0] / theirs[0], ours[2][0] / theirs[2][0],
           ours[2][1] / theirs[2][1]))


if __name__ == "__main__":
    main()
