"""Integration test of the cloud collector's PTA sign-in failures (Graph
v1.0 auditLogs/signIns) and directory sync times (v1.0 organization): the
real exporter binary, in a loopback-only namespace, talks HTTPS to
tests/lib/fake_entra.py, a local server standing in for Microsoft's cloud
that answers as Microsoft documents (paging through @odata.nextLink,
$filter evaluated and wrong forms refused with Graph's 400, 429 with
Retry-After, 403 for a tenant without Entra ID P1/P2, a clock that can be
offset from the exporter's). Covered: a burst counted once across pages,
duplicates and refreshes; counts continued across a restart from the state
file; throttling; no licence, no consent and malformed answers as
`..._available{reason}` with one log line per change and the collector
still succeeding; clock skew both ways; sync times present and null."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fake_entra  # noqa: E402
import harness  # noqa: E402
from test_cloud import CloudTestBase  # noqa: E402

CODES = {"80001": "ad_unreachable", "80002": "agent_timeout",
         "80005": "web_exception", "80007": "ad_validation_failed",
         "80010": "decrypt_failed", "80011": "decryption_key_unavailable",
         "80012": "outside_logon_hours", "80013": "time_skew",
         "80014": "cloud_timeout"}


def total(samples, code):
    return harness.sample(samples, "entra_pta_signin_failures_total",
                          code=code, reason=CODES[code])


def available(samples, family="entra_pta_signin_logs_available"):
    """The one reason the family reports, with its value."""
    found = [(dict(labels)["reason"], value)
             for (name, labels), value in samples.items() if name == family]
    return found[0] if len(found) == 1 else found


class SignInTest(CloudTestBase):
    def signin_gets(self):
        return self.entra.calls("GET", fake_entra.SIGNINS_PATH)

    def wait_refreshes(self, count):
        """Waits until `count` more sign-in queries have been answered."""
        start = len(self.signin_gets())
        deadline = time.monotonic() + 20
        while len(self.signin_gets()) < start + count:
            self.assertLess(time.monotonic(), deadline, "no refreshes")
            time.sleep(0.1)
        time.sleep(0.3)  # the last one applied

    def test_burst_counted_once_across_pages_duplicates_and_refreshes(self):
        self.entra.signin_page_size = 3
        self.entra.duplicate_across_pages = True
        ids = self.entra.add_signin_burst(80001, 10, spread_seconds=120)
        self.entra.add_signin_burst(80007, 2)
        for code in (0, 50126, 50053):  # not PTA failures: not counted
            self.entra.add_signin(code)
        exporter = self.signed_in_exporter()
        s = self.wait_for(exporter, lambda s: total(s, "80001") is not None)
        self.assertEqual(total(s, "80001"), 10)
        self.assertEqual(total(s, "80007"), 2)
        for code in CODES:  # all nine from the first read, 0 when none
            self.assertIsNotNone(total(s, code), code)
        self.assertEqual(sum(total(s, c) for c in CODES), 12)
        self.assertEqual(available(s), ("ok", 1))
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="cloud"), 1)
        newest = max(fake_entra.parse_graph_time(x["createdDateTime"])
                     for x in self.entra.signins if x["id"] in ids)
        self.assertEqual(harness.sample(
            s, "entra_pta_signin_failure_last_timestamp_seconds",
            code="80001"), newest)
        self.assertIsNone(harness.sample(
            s, "entra_pta_signin_failure_last_timestamp_seconds",
            code="80002"))
        # Several pages were read (3 per page, with one repeated each time).
        self.assertGreaterEqual(len(self.entra.calls(
            "GET", fake_entra.SIGNINS_PATH)), 5)
        self.wait_refreshes(3)
        s, _ = self.scrape(exporter)
        self.assertEqual(total(s, "80001"), 10)
        self.entra.add_signin_burst(80001, 5)
        s = self.wait_for(exporter, lambda s: total(s, "80001") == 15)
        self.wait_refreshes(2)
        s, _ = self.scrape(exporter)
        self.assertEqual((total(s, "80001"), total(s, "80007")), (15, 2))

    def test_counts_continue_exactly_across_a_restart(self):
        self.entra.add_signin_burst(80002, 4)
        exporter = self.signed_in_exporter()
        self.wait_for(exporter, lambda s: total(s, "80002") == 4)
        self.assertEqual(exporter.stop(), 0)
        self.entra.add_signin_burst(80002, 3)  # while it was down
        _, text = self.config()
        again = self.start(text)
        s = self.wait_for(again, lambda s: total(s, "80002") is not None)
        self.assertEqual(total(s, "80002"), 7)
        self.wait_refreshes(3)
        s, _ = self.scrape(again)
        self.assertEqual(total(s, "80002"), 7)

    def test_first_start_looks_back_only_signin_lookback(self):
        self.entra.add_signin(80001, created=self.entra.now() - 7200)
        self.entra.add_signin(80001, created=self.entra.now() - 1800)
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config(extra="    signin_lookback: 1h\n")
        exporter = self.start(text)
        s = self.wait_for(exporter, lambda s: total(s, "80001") is not None)
        self.assertEqual(total(s, "80001"), 1)

    def test_clock_skew_neither_loses_nor_double_counts(self):
        for offset in (-7200, 7200):
            with self.subTest(offset=offset):
                self.entra.clock_offset = offset
                self.entra.signins.clear()
                if os.path.exists(self.state_file):
                    os.remove(self.state_file)
                self.entra.add_signin_burst(80013, 3)
                exporter = self.signed_in_exporter()
                self.wait_for(exporter, lambda s: total(s, "80013") == 3)
                self.entra.add_signin_burst(80013, 2)
                self.wait_for(exporter, lambda s: total(s, "80013") == 5)
                self.wait_refreshes(3)
                s, _ = self.scrape(exporter)
                self.assertEqual(total(s, "80013"), 5)
                exporter.kill()

    def test_throttled_queries_wait_then_give_up_with_a_reason(self):
        self.entra.retry_after = "1"
        self.entra.add_signin_burst(80005, 2)
        self.entra.throttle(fake_entra.SIGNINS_PATH, 2)
        exporter = self.signed_in_exporter()
        s = self.wait_for(exporter, lambda s: total(s, "80005") == 2)
        self.assertEqual(available(s), ("ok", 1))
        self.entra.throttle(fake_entra.SIGNINS_PATH, 1000)
        s = self.wait_for(exporter, lambda s: available(s) == ("throttled", 0))
        self.assertEqual(total(s, "80005"), 2)  # the counter stays
        self.assertEqual(harness.sample(s, "entra_pta_cloud_api_up"), 1)
        self.cloud_error_logged(exporter, "reason=throttled")

    def test_tenant_without_licence(self):
        self.entra.licensed = False
        exporter = self.signed_in_exporter()
        s = self.wait_for(exporter,
                          lambda s: available(s) == ("not_licensed", 0))
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="cloud"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_cloud_agents",
                                        status="active"), 2)
        self.assertIsNone(total(s, "80001"))
        self.wait_refreshes(3)
        lines = [l for l in exporter.log_lines()
                 if "sign-in logs unavailable" in l]
        self.assertEqual(len(lines), 1, lines)  # one line per change
        self.assertIn("Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                      lines[0])
        self.assertIn("P1/P2", lines[0])
        self.entra.licensed = True
        s = self.wait_for(exporter, lambda s: available(s) == ("ok", 1))
        self.assertEqual(total(s, "80001"), 0)
        self.cloud_error_logged(exporter, "sign-in logs readable again")

    def test_without_consent_both_are_forbidden_and_the_agent_list_works(self):
        self.entra.delegated_consent = {"Policy.Read.HybridAuthentication"}
        exporter = self.signed_in_exporter()
        s = self.wait_for(exporter, lambda s: available(s) == ("forbidden", 0))
        self.assertEqual(available(s, "entra_pta_directory_sync_available"),
                         ("forbidden", 0))
        self.assertEqual(harness.sample(s, "entra_pta_cloud_api_up"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="cloud"), 1)
        line = self.cloud_error_logged(exporter, "sign-in logs unavailable")
        self.assertIn("AuditLog.Read.All", line)
        # The refresh asked only for what was consented (else AADSTS65001).
        self.assertIsNone(exporter.wait_for_log(
            lambda l: "AADSTS65001" in l, timeout=0.1))

    def test_login_asks_for_the_sign_in_and_directory_permissions(self):
        self.assertEqual(self.login().returncode, 0)
        asked = [r[3].get("scope", "") for r in self.entra.calls("POST")
                 if r[2].endswith("/devicecode")]
        self.assertEqual(len(asked), 1)
        names = {s.rsplit("/", 1)[-1] for s in asked[0].split()}
        self.assertEqual(names, {"Policy.Read.HybridAuthentication",
                                 "AuditLog.Read.All", "Directory.Read.All",
                                 "offline_access"})

    def test_malformed_and_hostile_answers(self):
        exporter = self.signed_in_exporter()
        for mode in ("malformed", "hostile", "500"):
            with self.subTest(mode=mode):
                self.entra.signin_mode = mode
                s = self.wait_for(
                    exporter, lambda s: available(s) == ("bad_response", 0))
                self.assertEqual(harness.sample(
                    s, "entra_pta_scrape_collector_success",
                    collector="cloud"), 1)
                self.entra.signin_mode = "ok"
                self.wait_for(exporter, lambda s: available(s) == ("ok", 1))

    def test_directory_sync_times(self):
        now = int(time.time())
        self.entra.set_sync(True, now - 600, now - 120)
        exporter = self.signed_in_exporter()
        s = self.wait_for(exporter, lambda s: harness.sample(
            s, "entra_pta_directory_sync_enabled") is not None)
        self.assertEqual(available(s, "entra_pta_directory_sync_available"),
                         ("ok", 1))
        self.assertEqual(harness.sample(s, "entra_pta_directory_sync_enabled"),
                         1)
        self.assertEqual(harness.sample(
            s, "entra_pta_directory_sync_last_timestamp_seconds"), now - 600)
        self.assertEqual(harness.sample(
            s, "entra_pta_password_sync_last_timestamp_seconds"), now - 120)
        self.entra.set_sync(None, None, None)
        s = self.wait_for(exporter, lambda s: harness.sample(
            s, "entra_pta_directory_sync_enabled") == 0)
        self.assertIsNone(harness.sample(
            s, "entra_pta_directory_sync_last_timestamp_seconds"))
        self.assertIsNone(harness.sample(
            s, "entra_pta_password_sync_last_timestamp_seconds"))

    def test_switched_off(self):
        self.entra.add_signin_burst(80001, 2)
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config(extra="    signin_failures: false\n"
                                    "    directory_sync: false\n")
        exporter = self.start(text)
        self.wait_for(exporter, self.up(1))
        self.wait_for(exporter, self.up(1))
        s, _ = self.scrape(exporter)
        self.assertFalse([k for k in s if k[0].startswith(
            ("entra_pta_signin", "entra_pta_directory_sync",
             "entra_pta_password_sync"))])
        self.assertEqual(self.signin_gets(), [])
        self.assertEqual(self.entra.calls("GET", fake_entra.ORGANIZATION_PATH),
                         [])


if __name__ == "__main__":
    unittest.main()
