"""End-to-end test of the paging path, with every program real and on
127.0.0.1: the exporter (heartbeat collector reading a trace directory this
test controls) -> Prometheus (Debian package) evaluating
alerts/entra-pta.rules.yml -> Alertmanager (Debian package
prometheus-alertmanager) loading alerts/alertmanager.yml -> a webhook
receiver run by this test.

Break: the agent's trace file was last written 3 hours ago, so the
heartbeat is stale; EntraPTAHeartbeatStale must reach the pager receiver
with its labels and runbook_url, and EntraPTAHeartbeatLate, which fires too,
must be held back by the shipped inhibition rule. Repair: the trace file is
written again; the resolved notification must arrive. A second test checks
the inhibition the issue names: a firing EntraPTAAgentServiceNotRunning
for the same server keeps the stale heartbeat from paging.

Two deliberate differences from production, both by rewriting copies of the
shipped files rather than using other ones:
- the rules' `for:` durations (minutes in production, so that a blip does
  not page) become 2s, so the test takes seconds, not an hour; the
  expressions, labels and annotations are the shipped ones;
- Alertmanager's receiver URLs point at this test's receiver, and its
  group_wait/group_interval become 1s for the same reason.
"""

import json
import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(ROOT, "alerts", "entra-pta.rules.yml")
ALERTMANAGER_CONFIG = os.path.join(ROOT, "alerts", "alertmanager.yml")
RUNBOOK_BASE = ("https://github.com/entra-pta-exporter/entra-pta-exporter/"
                "blob/main/docs/runbooks.md#")


class AlertReachesTheReceiverTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_e2e_alert_")
        self.addCleanup(self.tmp.cleanup)
        self.trace_dir = os.path.join(self.tmp.name, "Trace")
        os.mkdir(self.trace_dir)
        self.trace_file, _ = harness.write_trace_file(self.trace_dir,
                                                      age_seconds=3 * 3600)

        with open(RULES, encoding="utf-8") as f:
            rules = harness.rules_with_durations(f.read(), "2s")
        self.rules_path = os.path.join(self.tmp.name, "entra-pta.rules.yml")
        with open(self.rules_path, "w", encoding="utf-8") as f:
            f.write(rules)

        self.receiver = harness.WebhookReceiver()
        self.addCleanup(self.receiver.stop)
        with open(ALERTMANAGER_CONFIG, encoding="utf-8") as f:
            am_config = harness.alertmanager_config_for_test(
                f.read(), self.receiver.url)
        self.alertmanager = harness.Alertmanager(am_config)
        self.addCleanup(self.alertmanager.stop)

        # Only the heartbeat: the network collectors' default targets fail at
        # DNS in this test's loopback-only namespace and would page as well,
        # sharing the pager group with the alert under test.
        self.exporter = harness.Exporter(
            config_text="collectors:\n  heartbeat:\n    trace_dir: '%s'\n"
                        "  endpoint:\n    enabled: false\n"
                        "  tls:\n    enabled: false\n" % self.trace_dir)
        self.addCleanup(self.exporter.kill)
        self.prometheus = harness.Prometheus(
            [self.exporter.address], rule_files=[self.rules_path],
            alertmanager=self.alertmanager.address)
        self.addCleanup(self.prometheus.stop)

    def explain(self):
        return harness.explain_alerting(self.receiver, self.exporter,
                                        self.prometheus, self.alertmanager)

    def test_stale_heartbeat_pages_and_resolves(self):
        started = time.monotonic()
        # The shipped rules loaded, unchanged apart from `for:`.
        groups = self.prometheus.api("/api/v1/rules")["groups"]
        loaded = [r["name"] for g in groups for r in g["rules"]]
        self.assertIn("EntraPTAHeartbeatStale", loaded)
        self.assertTrue(all(r["duration"] == 2 for g in groups for r in g["rules"]
                            if r["type"] == "alerting" and r["duration"]),
                        groups)

        def stale_firing(path, payload, alert):
            return (alert["labels"].get("alertname") == "EntraPTAHeartbeatStale"
                    and alert["status"] == "firing")

        found = self.receiver.wait_for(stale_firing, timeout=30)
        self.assertIsNotNone(found, self.explain())
        path, payload, alert = found
        # Critical: routed to the pager, grouped by tenant and instance.
        self.assertEqual(path, "/pager")
        self.assertEqual(payload["receiver"], "pager")
        self.assertEqual(payload["groupLabels"],
                         {"instance": self.exporter.address})
        self.assertEqual(alert["labels"], {
            "alertname": "EntraPTAHeartbeatStale",
            "severity": "critical",
            "pillar": "agent",
            "job": "entra_pta",
            "instance": self.exporter.address,
        })
        annotations = alert["annotations"]
        self.assertEqual(annotations["runbook_url"],
                         RUNBOOK_BASE + "entraptaheartbeatstale")
        # The age is the alert's value and the threshold comes from the
        # exporter's threshold metric: the text says what was measured.
        self.assertRegex(
            annotations["summary"],
            r"^PTA agent on " + re.escape(self.exporter.address)
            + r" has shown no sign of life for 3h 0m \d+s$")
        self.assertRegex(annotations["description"],
                         r"^The newest sign of life from the PTA agent on "
                         + re.escape(self.exporter.address)
                         + r" is 3h 0m \d+s old, past the heartbeat threshold"
                         r" of 2h 0m 0s\.")
        self.assertIn("Restart-Service -Name AzureADConnectAuthenticationAgent",
                      annotations["description"])
        print("firing notification after %.1fs" % (time.monotonic() - started))

        # EntraPTAHeartbeatLate fires in Prometheus as well ...
        late = self.prometheus.wait_for_value(
            'ALERTS{alertname="EntraPTAHeartbeatLate",alertstate="firing"}', 1)
        self.assertEqual([v for _, v in late], [1], self.explain())
        # ... and Alertmanager holds it back: the stale alert inhibits it.
        deadline = time.monotonic() + 10
        late_state = None
        while time.monotonic() < deadline:
            late_state = [a["status"] for a in self.alertmanager.alerts()
                          if a["labels"]["alertname"] == "EntraPTAHeartbeatLate"]
            if late_state and late_state[0]["state"] == "suppressed":
                break
            time.sleep(0.2)
        self.assertTrue(late_state and late_state[0]["state"] == "suppressed"
                        and late_state[0]["inhibitedBy"], late_state)

        # What reached the receivers while the page was firing (read before
        # the repair: once EntraPTAHeartbeatStale resolves, the inhibition
        # ends, and when Alertmanager hears of that before Prometheus's
        # resolution of EntraPTAHeartbeatLate, one late "firing" ticket is
        # Alertmanager's documented behaviour, not a leak of the inhibition).
        while_firing = self.receiver.notifications()
        # Repair: the agent writes its trace log again.
        now = time.time()
        os.utime(self.trace_file, (now, now))
        repaired = time.monotonic()

        def stale_resolved(path, payload, alert):
            return (alert["labels"].get("alertname") == "EntraPTAHeartbeatStale"
                    and alert["status"] == "resolved")

        found = self.receiver.wait_for(stale_resolved, timeout=30)
        self.assertIsNotNone(found, self.explain())
        path, payload, alert = found
        self.assertEqual(path, "/pager")
        self.assertEqual(payload["status"], "resolved")
        self.assertEqual(alert["labels"]["instance"], self.exporter.address)
        self.assertEqual(alert["annotations"]["runbook_url"],
                         RUNBOOK_BASE + "entraptaheartbeatstale")
        print("resolved notification %.1fs after the repair"
              % (time.monotonic() - repaired))

        # The inhibited warning never reached the ticket queue while the
        # page was firing.
        leaked = [(p, a["labels"]["alertname"], a["status"])
                  for p, n in while_firing
                  for a in n.get("alerts", [])
                  if a["labels"]["alertname"] == "EntraPTAHeartbeatLate"]
        self.assertEqual(leaked, [])

    def test_stopped_agent_service_inhibits_the_stale_heartbeat_page(self):
        """The shipped inhibition: while EntraPTAAgentServiceNotRunning fires
        for a server, its stale heartbeat does not page as well. The service
        collector only runs on Windows, so this test posts that alert to
        Alertmanager's API itself, with the labels the rule gives it."""
        now = time.time()
        service_alert = {
            "labels": {"alertname": "EntraPTAAgentServiceNotRunning",
                       "severity": "critical", "pillar": "agent",
                       "job": "entra_pta", "instance": self.exporter.address,
                       "service": "AzureADConnectAuthenticationAgent"},
            "annotations": {"summary": "posted by the test",
                            "runbook_url": RUNBOOK_BASE
                            + "entraptaagentservicenotrunning"},
            "startsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "endsAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 600)),
        }
        status, _, body = harness.http_request(
            self.alertmanager.url + "/api/v2/alerts", method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps([service_alert]).encode())
        self.assertEqual(status, 200, body)

        def service_firing(path, payload, alert):
            return (alert["labels"].get("alertname") == "EntraPTAAgentServiceNotRunning"
                    and alert["status"] == "firing")

        found = self.receiver.wait_for(service_firing, timeout=30)
        self.assertIsNotNone(found, self.explain())
        self.assertEqual(found[0], "/pager")

        # Prometheus fires the stale heartbeat and sends it ...
        stale = self.prometheus.wait_for_value(
            'ALERTS{alertname="EntraPTAHeartbeatStale",alertstate="firing"}', 1)
        self.assertEqual([v for _, v in stale], [1], self.explain())
        # ... Alertmanager receives it and holds it back.
        deadline = time.monotonic() + 15
        state = None
        while time.monotonic() < deadline:
            state = [a["status"] for a in self.alertmanager.alerts()
                     if a["labels"]["alertname"] == "EntraPTAHeartbeatStale"]
            if state and state[0]["state"] == "suppressed":
                break
            time.sleep(0.2)
        self.assertTrue(state and state[0]["state"] == "suppressed"
                        and state[0]["inhibitedBy"], state)
        # Several group intervals (1s) later, still no page for it.
        time.sleep(3)
        paged = [(p, a["labels"]["alertname"])
                 for p, n in self.receiver.notifications()
                 for a in n.get("alerts", [])
                 if a["labels"]["alertname"] == "EntraPTAHeartbeatStale"]
        self.assertEqual(paged, [])


if __name__ == "__main__":
    unittest.main()
