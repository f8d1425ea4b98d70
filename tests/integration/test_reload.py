"""Integration test of the config reload on SIGHUP with the real exporter
binary (in a loopback-only network namespace, lib/in-netns): a changed
collector set shows in the next scrape, a broken file keeps the running
config serving and sets entra_pta_config_last_reload_successful to 0, and
settings that need a restart keep their running value."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

OK = "entra_pta_config_last_reload_successful"
OK_AT = "entra_pta_config_last_reload_success_timestamp_seconds"
SUCCESS = "entra_pta_scrape_collector_success"


def heartbeat_only(trace_dir):
    return ("collectors:\n"
            "  heartbeat:\n    trace_dir: '%s'\n"
            "  endpoint:\n    enabled: false\n"
            "  tls:\n    enabled: false\n" % trace_dir)


def endpoint_only(port):
    return ("collectors:\n"
            "  heartbeat:\n    enabled: false\n"
            "  endpoint:\n    default_targets: false\n"
            "    proxy_from_environment: false\n    timeout: 1s\n"
            "    targets:\n      - name: local\n"
            "        url: http://127.0.0.1:%d/\n"
            "  tls:\n    enabled: false\n" % port)


class ReloadTest(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="entra_pta_reload_")
        self.addCleanup(tmp.cleanup)
        self.trace_dir = tmp.name
        harness.write_trace_file(self.trace_dir, 60)
        self.exporter = harness.Exporter(
            config_text=heartbeat_only(self.trace_dir))
        self.addCleanup(self.exporter.kill)
        self.config_path = os.path.join(self.exporter.tmp.name, "config.yml")

    def scrape(self):
        status, _, body = self.exporter.get("/metrics")
        self.assertEqual(status, 200)
        proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                              capture_output=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout + proc.stderr), (0, b""))
        return harness.parse_exposition(body.decode())

    def write_config(self, text):
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(text)

    def reload(self, expect):
        """Sends SIGHUP and waits for the exporter's log line about it
        (the count of such lines grows by one)."""
        def count():
            return sum(1 for line in self.exporter.log_lines()
                       if expect in line)
        before = count()
        self.exporter.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while count() == before:
            self.assertLess(time.monotonic(), deadline,
                            "no %r after SIGHUP; log:\n%s" % (
                                expect, "\n".join(self.exporter.log_lines())))
            time.sleep(0.02)

    def test_changed_collector_set_is_in_the_next_scrape(self):
        samples = self.scrape()
        self.assertEqual(harness.sample(samples, SUCCESS, collector="heartbeat"),
                         1)
        self.assertIsNone(harness.sample(samples, SUCCESS, collector="endpoint"))
        self.assertEqual(harness.sample(samples, OK), 1)
        started_at = harness.sample(samples, OK_AT)
        self.assertAlmostEqual(started_at, time.time(), delta=60)

        time.sleep(1.1)  # so the success timestamp visibly moves
        self.write_config(endpoint_only(harness.free_port()))
        self.reload("config reloaded")
        samples = self.scrape()
        self.assertIsNone(harness.sample(samples, SUCCESS, collector="heartbeat"))
        self.assertIsNotNone(
            harness.sample(samples, SUCCESS, collector="endpoint"))
        self.assertIsNotNone(harness.sample(
            samples, "entra_pta_endpoint_up", endpoint="local"))
        self.assertEqual(harness.sample(samples, OK), 1)
        self.assertGreater(harness.sample(samples, OK_AT), started_at)

        # And back again.
        self.write_config(heartbeat_only(self.trace_dir))
        self.reload("config reloaded")
        samples = self.scrape()
        self.assertEqual(harness.sample(samples, SUCCESS, collector="heartbeat"),
                         1)
        self.assertIsNone(harness.sample(samples, SUCCESS, collector="endpoint"))

    def test_broken_file_keeps_serving_the_running_config(self):
        started_at = harness.sample(self.scrape(), OK_AT)
        self.write_config(heartbeat_only(self.trace_dir) +
                          "  heartbeat_typo:\n    enabled: true\n")
        self.reload("config reload failed")
        failure = [line for line in self.exporter.log_lines()
                   if "config reload failed" in line]
        self.assertEqual(len(failure), 1, failure)
        # file:line:column of the offending key (line 8, column 3).
        self.assertIn(self.config_path + ":8:3:", failure[0])
        self.assertIn("level=error", failure[0])

        samples = self.scrape()
        self.assertEqual(harness.sample(samples, OK), 0)
        self.assertEqual(harness.sample(samples, OK_AT), started_at)
        self.assertEqual(harness.sample(samples, SUCCESS, collector="heartbeat"),
                         1)
        self.assertIsNone(self.exporter.proc.poll())

        # Fixed: the next SIGHUP succeeds.
        self.write_config(heartbeat_only(self.trace_dir))
        self.reload("config reloaded")
        self.assertEqual(harness.sample(self.scrape(), OK), 1)

    def test_web_config_file_change_needs_a_restart(self):
        # The harness sets --web.listen-address, which wins over the YAML;
        # the web config file path comes from the YAML here.
        with open(os.path.join(self.exporter.tmp.name, "web.yml"), "w",
                  encoding="utf-8") as f:
            f.write("{}\n")
        self.write_config("web:\n  config_file: web.yml\n" +
                          heartbeat_only(self.trace_dir))
        self.reload("config reloaded")
        warning = self.exporter.wait_for_log(
            lambda l: "changes only on restart" in l, timeout=1)
        self.assertIsNotNone(warning, "\n".join(self.exporter.log_lines()))
        self.assertIn("level=warn", warning)
        self.assertIn("web.yml", warning)
        # Still serving as it started.
        self.assertEqual(harness.sample(self.scrape(), OK), 1)

    def test_sighup_does_not_end_the_process(self):
        for _ in range(5):
            self.reload("config reloaded")
        self.assertIsNone(self.exporter.proc.poll())
        self.assertEqual(self.exporter.stop(), 0)


if __name__ == "__main__":
    unittest.main()
