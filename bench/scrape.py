"""Driver for bench/scrape.sh: see there. Standard library only.

Measures the exporter's own serving cost: /metrics throughput and latency
under wrk with collectors that answer from what they already hold (the
heartbeat reads a file's time, the cloud collector its last Graph answer,
refreshed in the background against a local stand-in for Microsoft Graph),
CPU time per scrape, and RSS idle and under load.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "lib"))
import fake_entra  # noqa: E402
import harness  # noqa: E402

import probe  # noqa: E402  (bench/, the script's own folder)

TICKS = os.sysconf("SC_CLK_TCK")
TENANT = "5a8e1f7c-2b3d-4e6f-9a0b-1c2d3e4f5a6b"
CLIENT_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

# wrk reports latency percentiles through this hook; `delay` spaces each
# connection's requests so that CONNECTIONS connections give about RATE
# scrapes per second (wrk, unlike wrk2, has no rate option).
WRK_SCRIPT = """
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
if delay_ms > 0 then
  function delay() return delay_ms end
end
function done(summary, latency, requests)
  io.write(string.format(
    "BENCH requests=%d errors=%d duration_us=%d p50_us=%d p90_us=%d "
    .. "p99_us=%d p999_us=%d max_us=%d\\n",
    summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max))
end
"""


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                fields[key] = int(value.split()[0])
    return fields


def run_wrk(url, script, seconds, connections, threads, delay_ms=0):
    env = dict(os.environ, BENCH_DELAY_MS=str(delay_ms))
    out = subprocess.run(
        ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % seconds,
         "-s", script, "-H", "X-Prometheus-Scrape-Timeout-Seconds: 10", url],
        env=env, capture_output=True, text=True, check=True).stdout
    m = re.search(r"^BENCH (.*)$", out, re.M)
    if not m:
        raise RuntimeError("wrk printed no summary:\n" + out)
    result = {k: int(v) for k, v in
              (kv.split("=") for kv in m.group(1).split())}
    if result["errors"]:
        raise RuntimeError("wrk saw %d errors:\n%s" % (result["errors"], out))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def libcurl_idle_rss_kib():
    """RSS of bench/libcurl_floor.c right after curl_global_init: what
    linking Debian's libcurl (and the libraries it pulls in) costs any
    process before it does anything."""
    return int(probe.run_libcurl_floor("http://127.0.0.1:9/",
                                       0)["idle_rss_kib"])


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    tmp = tempfile.TemporaryDirectory(prefix="entra-pta-bench-scrape-")
    entra = fake_entra.FakeEntra(tmp.name, TENANT, CLIENT_ID)
    trace_dir = os.path.join(tmp.name, "trace")
    os.mkdir(trace_dir)
    harness.write_trace_file(trace_dir, 60)
    secret_file = os.path.join(tmp.name, "secret")
    with open(secret_file, "w") as f:
        f.write(entra.client_secret + "\n")
    script = os.path.join(tmp.name, "bench.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT)
    config = (
        "tenant:\n  id: %s\n"
        "collectors:\n"
        "  heartbeat:\n    trace_dir: '%s'\n"
        "  endpoint:\n    enabled: false\n"
        "  tls:\n    enabled: false\n"
        "  cloud:\n    enabled: true\n    client_id: %s\n"
        "    authority_url: %s\n    graph_url: %s\n    ca_file: %s\n"
        "    state_file: %s\n    auth: client_secret\n"
        "    client_secret_file: %s\n    machine_name: pta01\n"
        % (TENANT, trace_dir, CLIENT_ID, entra.url, entra.url, entra.ca_file,
           os.path.join(tmp.name, "state", "cloud.json"), secret_file))
    try:
        with harness.Exporter(config_text=config) as exporter:
            pid = exporter.proc.pid
            url = exporter.url + "/metrics"
            deadline = time.monotonic() + 30
            while True:
                body = exporter.get("/metrics")[2].decode()
                if "entra_pta_cloud_api_up 1" in body:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError("cloud collector never got Graph's "
                                       "answer:\n" + body)
                time.sleep(0.2)
            assert 'entra_pta_agent_heartbeat_stale{source="trace_log"} 0' in body, \
                body
            series = sum(1 for line in body.splitlines()
                         if line and not line.startswith("#"))
            for _ in range(50):  # warm-up
                exporter.get("/metrics")
            time.sleep(3)
            idle = memory_kib(pid)

            cpu0 = cpu_seconds(pid)
            flat_out = run_wrk(url, script, seconds, connections=8,
                               threads=2)
            cpu_per_scrape = (cpu_seconds(pid) - cpu0) / flat_out["requests"]
            loaded = memory_kib(pid)

            connections, rate = 4, 200
            cpu0 = cpu_seconds(pid)
            paced = run_wrk(url, script, seconds, connections=connections,
                            threads=1, delay_ms=int(1000 * connections / rate))
            cpu_paced = (cpu_seconds(pid) - cpu0) / paced["requests"]
            end = memory_kib(pid)
            if any("error" in line and "level=error" in line
                   for line in exporter.log_lines()):
                print("note: the exporter logged errors during the run")
    finally:
        entra.stop()
        tmp.cleanup()

    floor_kib = libcurl_idle_rss_kib()
    mib = lambda kib: kib / 1024.0  # noqa: E731
    print("Scrape benchmark: /metrics with heartbeat + cloud (served from the "
          "collectors' own state), %d series per scrape, %d CPUs, wrk %d s "
          "per run" % (series, os.cpu_count(), seconds))
    print("  flat out (wrk -t2 -c8):  %.0f scrapes/s, latency p50 %.2f ms, "
          "p99 %.2f ms, max %.2f ms" % (
              flat_out["rate"], flat_out["p50_us"] / 1e3,
              flat_out["p99_us"] / 1e3, flat_out["max_us"] / 1e3))
    print("  paced (wrk -t1 -c4):     %.0f scrapes/s, latency p50 %.2f ms, "
          "p99 %.2f ms, p99.9 %.2f ms, max %.2f ms" % (
              paced["rate"], paced["p50_us"] / 1e3, paced["p99_us"] / 1e3,
              paced["p999_us"] / 1e3, paced["max_us"] / 1e3))
    print("  CPU per scrape:          %.3f ms flat out, %.3f ms paced" % (
        cpu_per_scrape * 1e3, cpu_paced * 1e3))
    print("  RSS idle (after warm-up): %.1f MiB (anonymous %.1f, mapped "
          "files %.1f), %d threads" % (mib(idle["VmRSS"]),
                                       mib(idle["RssAnon"]),
                                       mib(idle["RssFile"]), idle["Threads"]))
    print("  RSS under load:           %.1f MiB (anonymous %.1f, mapped "
          "files %.1f); peak %.1f MiB" % (
              mib(loaded["VmRSS"]), mib(loaded["RssAnon"]),
              mib(loaded["RssFile"]), mib(end["VmHWM"])))
    print("  floor: a C program that only links Debian's libcurl and calls "
          "curl_global_init: %.1f MiB" % mib(floor_kib))
    print("  targets: idle RSS < 8 MiB: %s; p99 < 5 ms at ~200 scrapes/s: %s"
          % ("met" if idle["VmRSS"] < 8 * 1024 else "NOT met",
             "met" if paced["p99_us"] < 5000 else "NOT met"))


if __name__ == "__main__":
    main()
