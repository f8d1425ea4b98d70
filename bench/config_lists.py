"""Driver for bench/config-lists.sh: how long `--config.check` takes on a
configuration with a long list (collectors.tls.allowed_issuers), and what
it answers. The list checks were quadratic (a scan of the entries seen so
far for each new one); they are linear now and lists are capped at 1,000
entries, so a longer list is refused at its 1,001st entry. Standard library
only; the exporter only checks the file (no network).

Usage: python3 bench/config_lists.py [N ...]  (default 1000 10000 40000 100000)
ENTRA_PTA_EXPORTER names the binary (default build/entra_pta_exporter).
"""

import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def config_text(entries):
    lines = ["collectors:", "  tls:", "    allowed_issuers:"]
    lines += ["      - 'Bench Issuing CA %06d'" % i for i in range(entries)]
    return "\n".join(lines) + "\n"


def run_check(exporter, path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = subprocess.run([exporter, "--config.check=" + path],
                            capture_output=True, text=True)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                before.ru_stime)
    answer = (result.stdout + result.stderr).strip().splitlines()
    answer = answer[0] if answer else ""
    # Only the message after the path, which is a temporary file.
    answer = answer.replace(path, "FILE")
    return result.returncode, wall, cpu, after.ru_maxrss, answer


def main():
    exporter = os.environ.get("ENTRA_PTA_EXPORTER",
                              os.path.join(ROOT, "build", "entra_pta_exporter"))
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000, 40000, 100000]
    print("binary: %s" % os.path.realpath(exporter))
    with tempfile.TemporaryDirectory(prefix="entra-pta-lists-bench-") as tmp:
        for n in sizes:
            path = os.path.join(tmp, "lists-%d.yml" % n)
            with open(path, "w") as f:
                f.write(config_text(n))
            status, wall, cpu, rss, answer = run_check(exporter, path)
            print("allowed_issuers %7d entries: exit %d  wall %7.2f s  "
                  "cpu %7.2f s  peak RSS (max so far) %6.1f MiB  %s" %
                  (n, status, wall, cpu, rss / 1024.0, answer[:110]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
