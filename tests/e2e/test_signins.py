"""End-to-end test of the sign-in failure and directory sync alerts, with
every program real and on 127.0.0.1: the exporter's cloud collector ->
tests/lib/fake_entra.py (a local HTTPS server standing in for Microsoft's
token endpoint and Graph, answering auditLogs/signIns and organization as
Microsoft documents them) -> Prometheus (Debian package) evaluating
alerts/entra-pta.rules.yml -> Alertmanager (Debian package) loading
alerts/alertmanager.yml -> a webhook receiver run by this test.

- A burst of AADSTS80001 failures in Entra's sign-in logs:
  EntraPTASignInFailuresADUnreachable reaches the pager, and resolves once
  the burst has left the alert's window.
- Directory sync 4 hours old while enabled: EntraPTADirectorySyncStale
  reaches the ticket queue; a fresh sync resolves it.
- A tenant without the sign-in logs' licence: EntraPTASignInLogsUnavailable
  (info) reaches the ticket queue, never the pager.
- `entra_pta_exporter diagnose` on the same stand-in: the verdict engine's
  sign-in and directory sync findings from the cloud collector's real
  metrics (so a renamed metric breaks this test).

Deliberate differences from production, all made by rewriting copies of
the shipped files rather than writing other ones:
- every rule's `for:` becomes 2s (production: minutes to an hour);
- the sign-in failure rules' 10-minute window becomes 15s, so the burst
  leaves it within the test; their expressions, thresholds, labels and
  annotations are otherwise the shipped ones;
- Alertmanager's receiver URLs point at this test's receiver and its
  group_wait/group_interval become 1s.
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import harness  # noqa: E402
from test_cloud import CloudTestBase  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RULES = os.path.join(ROOT, "alerts", "entra-pta.rules.yml")
ALERTMANAGER_CONFIG = os.path.join(ROOT, "alerts", "alertmanager.yml")
RUNBOOK_BASE = ("https://github.com/entra-pta-exporter/entra-pta-exporter/"
                "blob/main/docs/runbooks.md#")
SIGNIN_WINDOW = "15s"


def rules_for_test(text):
    """The shipped rules with `for:` at 2s and the sign-in failure window
    shortened. Fails when the shipped file no longer has a 10-minute window
    on entra_pta_signin_failures_total, so this copy cannot silently keep
    the production window."""
    text = harness.rules_with_durations(text, "2s")
    text, count = re.subn(
        r"(entra_pta_signin_failures_total\{[^}]*\})\[10m\]",
        r"\g<1>[" + SIGNIN_WINDOW + "]", text)
    if count != 3:
        raise AssertionError("expected 3 sign-in failure windows, found %d"
                             % count)
    return text


class SignInAlertsTest(CloudTestBase):
    def setUp(self):
        super().setUp()
        with open(RULES, encoding="utf-8") as f:
            rules = rules_for_test(f.read())
        self.rules_path = os.path.join(self.dir, "entra-pta.rules.yml")
        with open(self.rules_path, "w", encoding="utf-8") as f:
            f.write(rules)
        self.receiver = harness.WebhookReceiver()
        self.addCleanup(self.receiver.stop)
        with open(ALERTMANAGER_CONFIG, encoding="utf-8") as f:
            am_config = harness.alertmanager_config_for_test(
                f.read(), self.receiver.url)
        self.alertmanager = harness.Alertmanager(am_config)
        self.addCleanup(self.alertmanager.stop)

    def start_monitoring(self):
        """The signed-in exporter (cloud and heartbeat only: the network
        collectors' default targets fail at DNS in this loopback-only
        namespace and would page as well) and Prometheus scraping it."""
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config(extra="  endpoint:\n    enabled: false\n"
                                    "  tls:\n    enabled: false\n")
        self.exporter = self.start(text)
        self.prometheus = harness.Prometheus(
            [self.exporter.address], rule_files=[self.rules_path],
            alertmanager=self.alertmanager.address)
        self.addCleanup(self.prometheus.stop)

    def explain(self):
        return harness.explain_alerting(self.receiver, self.exporter,
                                        self.prometheus, self.alertmanager)

    def wait_notification(self, alertname, status, timeout=60):
        found = self.receiver.wait_for(
            lambda path, payload, alert:
            alert["labels"].get("alertname") == alertname
            and alert["status"] == status, timeout=timeout)
        self.assertIsNotNone(found, "%s %s\n%s" % (alertname, status,
                                                   self.explain()))
        return found

    def test_burst_of_80001_pages_and_resolves_after_the_burst(self):
        self.start_monitoring()
        # Prometheus has the counter at 0 before the burst: increase() needs
        # a sample from before it.
        series = ('entra_pta_signin_failures_total{code="80001",'
                  'reason="ad_unreachable"}')
        self.assertEqual([v for _, v in self.prometheus.wait_for_value(
            series, 0, timeout=30)], [0], self.explain())
        time.sleep(2)
        self.entra.add_signin_burst(80001, 10, spread_seconds=5)
        burst = time.monotonic()

        path, payload, alert = self.wait_notification(
            "EntraPTASignInFailuresADUnreachable", "firing")
        print("firing notification %.1fs after the burst"
              % (time.monotonic() - burst))
        # Critical: the pager, grouped by instance (no tenant label here).
        self.assertEqual(path, "/pager")
        self.assertEqual(payload["groupLabels"],
                         {"instance": self.exporter.address})
        self.assertEqual(alert["labels"], {
            "alertname": "EntraPTASignInFailuresADUnreachable",
            "severity": "critical", "pillar": "domain_controller",
            "job": "entra_pta", "instance": self.exporter.address})
        annotations = alert["annotations"]
        self.assertEqual(annotations["runbook_url"],
                         RUNBOOK_BASE + "entraptasigninfailuresadunreachable")
        self.assertRegex(annotations["summary"],
                         r"^\d+(\.\d+)? PTA sign-ins failed in 10 minutes: "
                         r"agent cannot reach Active Directory "
                         r"\(AADSTS80001/80007\)$")
        self.assertIn("nltest /dsgetdc:", annotations["description"])
        self.assertEqual(
            self.prometheus.query(series)[0][1], 10, self.explain())

        # The burst leaves the window: the resolution reaches the pager.
        path, payload, alert = self.wait_notification(
            "EntraPTASignInFailuresADUnreachable", "resolved")
        print("resolved notification %.1fs after the burst"
              % (time.monotonic() - burst))
        self.assertEqual(path, "/pager")
        self.assertEqual(alert["labels"]["instance"], self.exporter.address)
        # Counted once: the refreshes since did not count the burst again.
        self.assertEqual(self.prometheus.query(series)[0][1], 10)
        # Other families never fired.
        others = [a["labels"]["alertname"]
                  for _, n in self.receiver.notifications()
                  for a in n.get("alerts", [])
                  if a["labels"]["alertname"] in (
                      "EntraPTASignInFailuresTimeouts",
                      "EntraPTASignInFailuresDecryption")]
        self.assertEqual(others, [])

    def test_stale_directory_sync_opens_a_ticket_and_resolves(self):
        now = self.entra.now()
        self.entra.set_sync(enabled=True, last_sync=now - 4 * 3600,
                            last_password_sync=now - 4 * 3600)
        self.start_monitoring()
        path, payload, alert = self.wait_notification(
            "EntraPTADirectorySyncStale", "firing")
        # Warning: the ticket queue, not the pager.
        self.assertEqual(path, "/tickets")
        self.assertEqual(alert["labels"], {
            "alertname": "EntraPTADirectorySyncStale",
            "severity": "warning", "pillar": "cloud",
            "job": "entra_pta", "instance": self.exporter.address})
        self.assertRegex(alert["annotations"]["summary"],
                         r"^Directory sync to Entra last ran 4h 0m \d+s ago$")
        self.assertIn("Start-ADSyncSyncCycle -PolicyType Delta",
                      alert["annotations"]["description"])
        self.assertEqual(alert["annotations"]["runbook_url"],
                         RUNBOOK_BASE + "entraptadirectorysyncstale")

        # Entra Connect syncs again.
        now = self.entra.now()
        self.entra.set_sync(enabled=True, last_sync=now,
                            last_password_sync=now)
        path, _, alert = self.wait_notification(
            "EntraPTADirectorySyncStale", "resolved")
        self.assertEqual(path, "/tickets")

    def test_disabled_sync_is_never_stale(self):
        now = self.entra.now()
        self.entra.set_sync(enabled=False, last_sync=now - 4 * 3600)
        self.start_monitoring()
        self.assertEqual([v for _, v in self.prometheus.wait_for_value(
            "entra_pta_directory_sync_enabled", 0)], [0], self.explain())
        time.sleep(5)  # several evaluations with the 2s `for:`
        self.assertEqual(self.prometheus.query(
            'ALERTS{alertname="EntraPTADirectorySyncStale"}'), [])

    def test_tenant_without_licence_gets_an_info_ticket_not_a_page(self):
        self.entra.licensed = False
        self.start_monitoring()
        path, _, alert = self.wait_notification(
            "EntraPTASignInLogsUnavailable", "firing")
        self.assertEqual(path, "/tickets")
        self.assertEqual(alert["labels"]["severity"], "info")
        self.assertEqual(alert["labels"]["reason"], "not_licensed")
        self.assertRegex(alert["annotations"]["summary"], r"\(not_licensed\)$")
        pages = [a["labels"]["alertname"]
                 for p, n in self.receiver.notifications() if p == "/pager"
                 for a in n.get("alerts", [])
                 if a["labels"]["alertname"].startswith("EntraPTASignIn")]
        self.assertEqual(pages, [])


class SignInVerdictTest(CloudTestBase):
    """diagnose's verdicts from the real cloud collector's families."""

    def diagnose(self):
        self.assertEqual(self.login().returncode, 0)
        path, _ = self.config(extra="  endpoint:\n    enabled: false\n"
                                    "  tls:\n    enabled: false\n")
        result = harness.run_exporter(
            ["diagnose", "--output=json", "--timeout=15s",
             "--config.file=" + path], timeout=60)
        self.outputs += [result.stdout, result.stderr]
        report = json.loads(result.stdout)
        checks = {c["id"]: c for s in report["sections"] for c in s["checks"]}
        return checks

    def test_recent_burst_fails_and_stale_sync_warns(self):
        now = self.entra.now()
        self.entra.set_sync(enabled=True, last_sync=now - 4 * 3600)
        self.entra.add_signin_burst(80001, 6, spread_seconds=60)
        self.entra.add_signin_burst(80002, 3, spread_seconds=60)
        checks = self.diagnose()
        ad = checks["cloud.signins.ad_unreachable"]
        self.assertEqual((ad["verdict"], ad["alert"]),
                         ("fail", "EntraPTASignInFailuresADUnreachable"), ad)
        self.assertIn("AADSTS80001: 6 counted", ad["evidence"][0])
        timeouts = checks["cloud.signins.timeouts"]
        self.assertEqual((timeouts["verdict"], timeouts["alert"]),
                         ("warn", ""), timeouts)  # 3, not above 10
        self.assertEqual(checks["cloud.signins.decryption"]["verdict"], "pass")
        sync = checks["cloud.directory_sync"]
        self.assertEqual((sync["verdict"], sync["alert"]),
                         ("warn", "EntraPTADirectorySyncStale"), sync)

    def test_fresh_sync_passes_and_no_licence_warns_with_the_reason(self):
        self.entra.set_sync(enabled=True, last_sync=self.entra.now() - 600)
        self.entra.licensed = False
        checks = self.diagnose()
        self.assertEqual(checks["cloud.directory_sync"]["verdict"], "pass")
        logs = checks["cloud.signin_logs"]
        self.assertEqual(logs["verdict"], "warn", logs)
        self.assertIn("not_licensed", logs["summary"])
        self.assertNotIn("cloud.signins.ad_unreachable", checks)


if __name__ == "__main__":
    unittest.main()
