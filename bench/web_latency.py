"""Driver for bench/web-latency.sh: see there. Standard library only."""

import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests",
                                "integration"))
import harness  # noqa: E402
import test_web  # noqa: E402


def curl_times(url, count, extra, reuse):
    """Per-request wall times (ms) as curl measures them (%{time_total})."""
    base = ["curl", "-sS", "-w", "%{time_total}\\n"] + extra
    if reuse:  # one curl process, one kept-alive connection
        out = subprocess.run(base + ["-o", os.devnull, url] * count,
                             capture_output=True, text=True,
                             check=True).stdout
        return [float(x) * 1000 for x in out.split()]
    times = []
    for _ in range(count):
        out = subprocess.run(base + ["-o", os.devnull, url],
                             capture_output=True, text=True,
                             check=True).stdout
        times.append(float(out) * 1000)
    return times


def report(name, times):
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print("%-44s n=%-4d p50 %6.2f ms  p99 %6.2f ms" %
          (name, len(times), statistics.median(times), p99))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    pki = test_web.Pki()
    tmp = tempfile.TemporaryDirectory(prefix="entra-pta-web-bench-")
    try:
        web = os.path.join(tmp.name, "web.yml")
        password = test_web.htpasswd("prometheus", "bench", cost=10)
        cases = [
            ("plain HTTP", "", []),
            ("HTTPS", "tls_server_config:\n  cert_file: %s\n  key_file: %s\n"
             % (pki.path("server.crt"), pki.path("server.key")),
             ["--cacert", pki.path("server-ca.crt")]),
        ]
        cases.append(("HTTPS + basic auth (bcrypt cost 10, cached)",
                      cases[1][1] + "basic_auth_users:\n  prometheus: " +
                      password + "\n",
                      cases[1][2] + ["-u", "prometheus:bench"]))
        for name, text, extra in cases:
            with open(web, "w") as f:
                f.write(text)
            scheme = "https" if text.startswith("tls") else "http"
            with harness.Exporter(args=["--collectors.enabled=",
                                        "--web.config.file=" + web]) as e:
                url = "%s://%s/metrics" % (scheme, e.address)
                curl_times(url, 3, extra, reuse=True)  # warm-up
                report(name + ", new connection each",
                       curl_times(url, count // 4, extra, reuse=False))
                report(name + ", kept alive",
                       curl_times(url, count, extra, reuse=True))
    finally:
        tmp.cleanup()
        pki.cleanup()


if __name__ == "__main__":
    main()
