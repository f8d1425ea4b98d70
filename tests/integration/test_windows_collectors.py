"""Integration test: the Windows collectors (service, eventlog, agent) in a
Linux build of the real exporter. They are off by default here; enabled,
each says it is unsupported on this OS, in a metric and a log line, and the
scrape still passes `promtool check metrics`. Their Windows backends, and
the Windows-service wrapper, are tested under Wine (scripts/test-windows)."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

WINDOWS_COLLECTORS = ("service", "eventlog", "agent")


def scrape_checked(test, exporter):
    status, _, body = exporter.get("/metrics")
    test.assertEqual(status, 200)
    proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                          capture_output=True, timeout=60)
    test.assertEqual((proc.returncode, (proc.stdout + proc.stderr).decode()), (0, ""))
    return harness.parse_exposition(body.decode())


class WindowsCollectorsOnLinuxTest(unittest.TestCase):
    def test_disabled_by_default(self):
        with harness.Exporter() as exporter:
            s = scrape_checked(self, exporter)
            for name in WINDOWS_COLLECTORS:
                self.assertIsNone(harness.sample(
                    s, "entra_pta_scrape_collector_success", collector=name), name)
            page = exporter.get("/")[2].decode()
            for name in WINDOWS_COLLECTORS:
                self.assertIn("collectors." + name + ".enabled: true", page)

    def test_enabled_they_report_unsupported(self):
        with harness.Exporter(args=["--collectors.enabled=service,eventlog,agent"]) as exporter:
            s = scrape_checked(self, exporter)
            for name in WINDOWS_COLLECTORS:
                self.assertEqual(harness.sample(
                    s, "entra_pta_scrape_collector_success", collector=name), 0, name)
                self.assertEqual(harness.sample(
                    s, "entra_pta_" + name + "_os_supported"), 0, name)
                line = exporter.wait_for_log(
                    lambda l, n=name: "level=error" in l and "collector=" + n in l)
                self.assertIsNotNone(line, "\n".join(exporter.log_lines()))
                self.assertIn("unsupported on this OS", line)


class ServiceFlagOnLinuxTest(unittest.TestCase):
    def test_service_commands_are_refused_clearly(self):
        for command in ("install", "uninstall", "run"):
            proc = harness.run_exporter(["--service", command])
            self.assertEqual(proc.returncode, 2, command)
            self.assertIn("--service is only available on Windows", proc.stderr)


if __name__ == "__main__":
    unittest.main()
