"""Integration test: the real entra_pta_exporter binary on 127.0.0.1:0,
scraped over HTTP; the body is linted with the real `promtool check metrics`
(Debian package prometheus) and compared against what the trace directory
the test prepared must produce. No mocks: the heartbeat collector reads real
files whose modification times the test sets."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

HEARTBEAT_CONFIG = """\
collectors:
  heartbeat:
    trace_dir: '{trace_dir}'
    stale_threshold: {threshold}
"""


def promtool_check(body):
    """Runs promtool check metrics on the body; returns (exit code, output)."""
    proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                          capture_output=True, timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).decode()


class ScrapeTest(unittest.TestCase):
    def setUp(self):
        self.trace_dir = tempfile.TemporaryDirectory(prefix="entra_pta_trace_")
        self.addCleanup(self.trace_dir.cleanup)

    def start(self, threshold="120m", trace_dir=None, args=()):
        """The exporter on the test's trace directory (or trace_dir), or,
        with config_file in args, on that file alone."""
        config_text = None
        if not any(a.startswith("--config.file=") for a in args):
            config_text = HEARTBEAT_CONFIG.format(
                trace_dir=trace_dir or self.trace_dir.name, threshold=threshold)
        exporter = harness.Exporter(args=args, config_text=config_text)
        self.addCleanup(exporter.kill)
        return exporter

    def scrape(self, exporter):
        """GET /metrics: asserts 200, the exposition content type and a
        clean `promtool check metrics`; returns the parsed samples."""
        status, headers, body = exporter.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"),
                        headers["Content-Type"])
        code, findings = promtool_check(body)
        self.assertEqual((code, findings), (0, ""), "promtool findings:\n" + findings)
        return harness.parse_exposition(body.decode())

    def test_metrics_pass_promtool_and_report_a_fresh_heartbeat(self):
        _, written = harness.write_trace_file(self.trace_dir.name, age_seconds=300)
        exporter = self.start()
        before = time.time()
        s = self.scrape(exporter)
        after = time.time()
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="heartbeat"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_timeout",
                                        collector="heartbeat"), 0)
        self.assertIsNotNone(harness.sample(
            s, "entra_pta_scrape_collector_duration_seconds", collector="heartbeat"))
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_threshold_seconds"),
                         7200)
        self.assertAlmostEqual(harness.sample(
            s, "entra_pta_agent_last_heartbeat_timestamp_seconds", source="trace_log"),
            written, delta=0.01)
        age = harness.sample(s, "entra_pta_agent_heartbeat_age_seconds",
                             source="trace_log")
        self.assertGreaterEqual(age, before - written - 1)
        self.assertLessEqual(age, after - written + 1)
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                        source="trace_log"), 0)
        build = [k for k in s if k[0] == "entra_pta_exporter_build_info"]
        self.assertEqual(len(build), 1)
        self.assertEqual({k for k, _ in build[0][1]}, {"version", "revision", "compiler"})

    def test_old_trace_file_is_stale_against_the_configured_threshold(self):
        harness.write_trace_file(self.trace_dir.name, age_seconds=3 * 3600)
        s = self.scrape(self.start())
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                        source="trace_log"), 1)
        harness.write_trace_file(self.trace_dir.name, age_seconds=120)
        s = self.scrape(self.start(threshold="1m"))
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_threshold_seconds"), 60)
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                        source="trace_log"), 1)

    def test_missing_trace_directory_fails_the_collector_not_the_scrape(self):
        exporter = self.start(trace_dir=os.path.join(self.trace_dir.name, "absent"))
        s = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="heartbeat"), 0)
        self.assertIsNone(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                         source="trace_log"))
        line = exporter.wait_for_log(
            lambda l: "level=error" in l and "collector=heartbeat" in l)
        self.assertIsNotNone(line, "\n".join(exporter.log_lines()))
        self.assertIn("does not exist", line)
        # The landing page says the same in words.
        page = exporter.get("/")[2].decode()
        self.assertIn("failed", page)
        self.assertIn("does not exist", page)
        self.assertEqual(exporter.get("/health")[0], 200)

    def test_shipped_default_config_runs_as_is(self):
        # On Linux the agent's trace directory cannot exist: the collector
        # must say so (success 0 and a log line), the exporter keeps serving.
        config = os.path.join(os.path.dirname(__file__), "..", "..",
                              "entra-pta-exporter.yml")
        exporter = self.start(args=["--config.file=" + config])
        s = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="heartbeat"), 0)
        self.assertIsNotNone(exporter.wait_for_log(
            lambda l: "level=error" in l and "collector=heartbeat" in l),
            "\n".join(exporter.log_lines()))
        self.assertEqual(exporter.stop(), 0)


class EndpointTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exporter = harness.Exporter(args=["--collectors.enabled="])

    @classmethod
    def tearDownClass(cls):
        cls.exporter.kill()

    def test_health(self):
        status, _, body = self.exporter.get("/health")
        self.assertEqual((status, body), (200, b"OK\n"))

    def test_version_is_json(self):
        status, headers, body = self.exporter.get("/version")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(set(doc), {"version", "revision", "compiler"})
        self.assertRegex(doc["version"], r"^\d+\.\d+\.\d+")

    def test_landing_page_links_the_endpoints_and_lists_collectors(self):
        status, headers, body = self.exporter.get("/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        page = body.decode()
        for link in ("/metrics", "/health", "/version"):
            self.assertIn('href="%s"' % link, page)
        self.assertIn('<tr id="collector-heartbeat" data-state="not-enabled"',
                      page)
        self.assertIn("disabled", page)  # --collectors.enabled= disabled it

    def test_no_collectors_still_gives_a_valid_scrape(self):
        status, _, body = self.exporter.get(
            "/metrics", headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        self.assertEqual(status, 200)
        self.assertEqual(promtool_check(body), (0, ""))
        self.assertIn(b"entra_pta_exporter_build_info{", body)
        self.assertNotIn(b"collector=", body)

    def test_unknown_path_and_method(self):
        self.assertEqual(self.exporter.get("/nope")[0], 404)
        status, headers, _ = self.exporter.get("/metrics", method="POST")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")
        status, _, body = self.exporter.get("/metrics", method="HEAD")
        self.assertEqual((status, body), (200, b""))


class CommandLineTest(unittest.TestCase):
    def write(self, name, text):
        d = tempfile.TemporaryDirectory(prefix="entra_pta_cli_")
        self.addCleanup(d.cleanup)
        path = os.path.join(d.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_help_and_version(self):
        result = harness.run_exporter(["--help"])
        self.assertEqual(result.returncode, 0)
        for flag in ("--config.file", "--web.listen-address", "--web.config.file",
                     "--log.level", "--log.format", "--collectors.enabled",
                     "--config.check", "--version"):
            self.assertIn(flag, result.stdout)
        result = harness.run_exporter(["--version"])
        self.assertEqual(result.returncode, 0)
        self.assertRegex(result.stdout, r"^entra_pta_exporter, version \d+\.\d+\.\d+")

    def test_bad_config_names_file_line_column_and_exits_2(self):
        path = self.write("bad.yml", "log:\n  level: loud\n")
        expected = path + ":2:10: log.level: invalid level \"loud\""
        for args in (["--config.file=" + path, "--web.listen-address=127.0.0.1:0"],
                     ["--config.check", path]):
            result = harness.run_exporter(args)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertTrue(result.stderr.startswith(expected), result.stderr)

    def test_config_check_of_a_good_file(self):
        path = self.write("good.yml", "scrape:\n  max_timeout: 20s\n")
        result = harness.run_exporter(["--config.check=" + path])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, path + ": OK\n")

    def test_bad_flags_exit_2(self):
        for args in (["--no.such-flag"], ["--log.level=loud"],
                     ["--collectors.enabled=heartbeat,nope"],
                     ["--web.listen-address=nowhere"]):
            result = harness.run_exporter(args)
            self.assertEqual(result.returncode, 2, (args, result.stderr))
            self.assertNotEqual(result.stderr, "")

    def test_web_config_with_a_missing_certificate_exits_2_with_its_position(self):
        web = self.write("web.yml", "tls_server_config:\n  cert_file: a.crt\n"
                                    "  key_file: a.key\n")
        result = harness.run_exporter(["--web.config.file=" + web,
                                       "--web.listen-address=127.0.0.1:0"])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue(result.stderr.startswith(
            web + ":2:14: tls_server_config.cert_file: "), result.stderr)
        self.assertIn("a.crt does not exist or cannot be read", result.stderr)

    def test_address_in_use_exits_1_with_a_clear_line(self):
        with harness.Exporter(args=["--collectors.enabled="]) as first:
            result = harness.run_exporter(
                ["--collectors.enabled=", "--web.listen-address=" + first.address])
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("cannot start the HTTP server", result.stderr)
        self.assertIn(first.address, result.stderr)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_and_sigint_stop_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            exporter = harness.Exporter(args=["--collectors.enabled="])
            self.addCleanup(exporter.kill)
            self.assertEqual(exporter.get("/metrics")[0], 200)
            self.assertEqual(exporter.stop(sig), 0, "\n".join(exporter.log_lines()))
            lines = exporter.log_lines()
            self.assertTrue(any('msg="shutting down"' in l for l in lines), lines)
            self.assertTrue(lines[-1].endswith("msg=stopped"), lines)

    def test_json_logs_are_one_object_per_line(self):
        trace = tempfile.TemporaryDirectory()
        self.addCleanup(trace.cleanup)
        exporter = harness.Exporter(
            args=["--log.format=json", "--log.level=debug"],
            config_text=HEARTBEAT_CONFIG.format(
                trace_dir=os.path.join(trace.name, "absent"), threshold="2h"))
        self.addCleanup(exporter.kill)
        exporter.get("/metrics")
        self.assertEqual(exporter.stop(), 0)
        records = [json.loads(line) for line in exporter.log_lines()]
        for r in records:
            self.assertIn(r["level"], ("debug", "info", "warn", "error"))
            self.assertIn("msg", r)
            self.assertRegex(r["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        failures = [r for r in records if r.get("collector") == "heartbeat"
                    and r["level"] == "error"]
        self.assertEqual(len(failures), 1, records)
        self.assertIn("does not exist", failures[0]["err"])


if __name__ == "__main__":
    unittest.main()
