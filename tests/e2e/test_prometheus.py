"""End-to-end test: a real Prometheus (Debian package, its own temporary
directory, a free port on 127.0.0.1) scrapes the real exporter every second,
and the test reads entra_pta_agent_heartbeat_stale back through Prometheus's
HTTP query API while it changes the agent's trace file underneath: old file
-> stale 1, fresh write -> stale 0. This is the path a user's alert takes."""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402


class PrometheusScrapesTheExporterTest(unittest.TestCase):
    def test_heartbeat_staleness_reaches_prometheus(self):
        trace_dir = tempfile.TemporaryDirectory(prefix="entra_pta_trace_")
        self.addCleanup(trace_dir.cleanup)
        trace_file, _ = harness.write_trace_file(trace_dir.name,
                                                 age_seconds=3 * 3600)
        exporter = harness.Exporter(
            args=["--log.level=debug"],
            config_text="collectors:\n  heartbeat:\n    trace_dir: '%s'\n"
                        % trace_dir.name)
        self.addCleanup(exporter.kill)
        prometheus = harness.Prometheus([exporter.address])
        self.addCleanup(prometheus.stop)

        def explain():
            return ("exporter log:\n" + "\n".join(exporter.log_lines()[-20:]) +
                    "\nprometheus log:\n" + prometheus.log()[-3000:])

        result = prometheus.wait_for_value('up{job="entra_pta"}', 1)
        self.assertEqual([v for _, v in result], [1], explain())
        result = prometheus.wait_for_value(
            'entra_pta_agent_heartbeat_stale{source="trace_log"}', 1)
        self.assertEqual([v for _, v in result], [1], explain())
        labels = result[0][0]
        self.assertEqual(labels["job"], "entra_pta")
        self.assertEqual(labels["instance"], exporter.address)
        age = prometheus.query('entra_pta_agent_heartbeat_age_seconds{source="trace_log"}')
        self.assertEqual(len(age), 1)
        self.assertGreater(age[0][1], 3 * 3600 - 5)
        success = prometheus.query(
            'entra_pta_scrape_collector_success{collector="heartbeat"}')
        self.assertEqual([v for _, v in success], [1], explain())

        # The agent writes to its trace log again: the next scrapes see it.
        now = time.time()
        os.utime(trace_file, (now, now))
        result = prometheus.wait_for_value(
            'entra_pta_agent_heartbeat_stale{source="trace_log"}', 0)
        self.assertEqual([v for _, v in result], [0], explain())
        age = prometheus.query('entra_pta_agent_heartbeat_age_seconds{source="trace_log"}')
        self.assertLess(age[0][1], 60)



if __name__ == "__main__":
    unittest.main()
