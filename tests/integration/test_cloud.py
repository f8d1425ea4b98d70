"""Integration test of the cloud collector and `graph login`: the real
exporter binary talks HTTPS (libcurl, trusting a CA generated at test time
through collectors.cloud.ca_file) to a local server standing in for the
Microsoft identity platform token/device-code endpoints and Microsoft Graph
beta agentGroups?$expand=agents, answering with the documented response
shapes (tests/lib/fake_entra.py). Covered: sign-in by device code,
pagination, token expiry and refresh-token rotation, a revoked refresh
token, client credentials, 429 with Retry-After, 500s, malformed and
oversized JSON, slow responses; and that no token or secret ever appears in
the logs, the metrics or the command's output."""

import os
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fake_entra  # noqa: E402
import harness  # noqa: E402

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "99999999-0000-4000-8000-000000000000"


class CloudTestBase(unittest.TestCase):
    """The fixtures: a fake Entra, a config pointing at it, scrapes and log
    checks (also used by test_signins.py)."""

    def setUp(self):
        # Registered first, so it runs last: after every exporter's log has
        # been collected into self.outputs.
        self.addCleanup(self.assert_no_secret_leaked)
        tmp = tempfile.TemporaryDirectory(prefix="entra_pta_cloud_")
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.entra = fake_entra.FakeEntra(self.dir, TENANT, CLIENT_ID)
        self.addCleanup(self.entra.stop)
        self.state_file = os.path.join(self.dir, "state", "cloud-state.json")
        self.trace_dir = os.path.join(self.dir, "trace")
        os.makedirs(self.trace_dir)
        harness.write_trace_file(self.trace_dir, 60)
        self.outputs = []  # every log/metrics/stdout text, for leak checks

    def assert_no_secret_leaked(self):
        secrets = self.entra.secrets() + getattr(self, "key_lines", [])
        self.assertTrue(self.outputs, "nothing was collected to check")
        for text in self.outputs:
            for secret in secrets:
                self.assertNotIn(secret, text)
            for marker in ("AT-", "RT-", "CS-", "DC-"):
                self.assertNotIn(marker, text)

    def config(self, extra="", interval="1s", auth=""):
        text = (
            "tenant:\n  id: %s\n"
            "collectors:\n"
            "  heartbeat:\n    trace_dir: '%s'\n"
            "  cloud:\n    enabled: true\n    client_id: %s\n"
            "    authority_url: %s\n    graph_url: %s\n    ca_file: %s\n"
            "    state_file: %s\n    refresh_interval: %s\n"
            "    request_timeout: 2s\n    machine_name: pta01\n%s%s"
            % (TENANT, self.trace_dir, CLIENT_ID, self.entra.url,
               self.entra.url, self.entra.ca_file, self.state_file, interval,
               auth, extra))
        path = os.path.join(self.dir, "config.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path, text

    def login(self):
        path, _ = self.config()
        result = harness.run_exporter(["graph", "login", "--config.file=" + path])
        self.outputs += [result.stdout, result.stderr]
        return result

    def start(self, config_text):
        exporter = harness.Exporter(config_text=config_text)
        self.addCleanup(lambda: self.outputs.append("\n".join(exporter.log_lines())))
        self.addCleanup(exporter.kill)
        return exporter

    def scrape(self, exporter):
        start = time.monotonic()
        status, _, body = exporter.get("/metrics")
        took = time.monotonic() - start
        self.assertEqual(status, 200)
        text = body.decode()
        self.outputs.append(text)
        proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                              capture_output=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout + proc.stderr), (0, b""))
        return harness.parse_exposition(text), took

    def wait_for(self, exporter, predicate, timeout=15):
        """Scrapes until predicate(samples) holds; returns the samples."""
        deadline = time.monotonic() + timeout
        while True:
            samples, _ = self.scrape(exporter)
            if predicate(samples):
                return samples
            if time.monotonic() > deadline:
                self.fail("condition not met; last scrape: %r\nlog:\n%s" % (
                    samples, "\n".join(exporter.log_lines())))
            time.sleep(0.1)

    @staticmethod
    def up(value):
        return lambda s: harness.sample(s, "entra_pta_cloud_api_up") == value

    def cloud_error_logged(self, exporter, fragment):
        line = exporter.wait_for_log(
            lambda l: "collector=cloud" in l and fragment in l, timeout=10)
        self.assertIsNotNone(line, "no cloud log line with %r:\n%s" % (
            fragment, "\n".join(exporter.log_lines())))
        return line

    def signed_in_exporter(self, interval="1s"):
        result = self.login()
        self.assertEqual(result.returncode, 0, result.stderr)
        _, text = self.config(interval=interval)
        exporter = self.start(text)
        self.wait_for(exporter, self.up(1))
        return exporter



class CloudTest(CloudTestBase):

    def test_device_code_login_stores_refresh_token_owner_only(self):
        result = self.login()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("FAKE-CODE1", result.stdout)
        self.assertIn("https://microsoft.com/devicelogin", result.stdout)
        self.assertIn("Signed in", result.stdout)
        mode = stat.S_IMODE(os.stat(self.state_file).st_mode)
        self.assertEqual(mode, 0o600)
        # It polled until the (fake) user finished: pending, then granted.
        self.assertEqual(len(self.entra.token_grants(
            "urn:ietf:params:oauth:grant-type:device_code")), 2)

    def test_login_without_client_id_is_a_config_error(self):
        path = os.path.join(self.dir, "bare.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("tenant:\n  id: %s\n" % TENANT)
        result = harness.run_exporter(["graph", "login", "--config.file=" + path])
        self.outputs += [result.stdout, result.stderr]
        self.assertEqual(result.returncode, 2)
        self.assertIn("collectors.cloud.client_id: required", result.stderr)

    def test_agents_from_every_page(self):
        exporter = self.signed_in_exporter()
        s, took = self.scrape(exporter)
        self.assertLess(took, 1)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="cloud"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_cloud_agents",
                                        status="active"), 2)
        self.assertEqual(harness.sample(s, "entra_pta_cloud_agents",
                                        status="inactive"), 1)
        self.assertEqual(harness.sample(
            s, "entra_pta_cloud_agent_active", agent_id="a3",
            machine_name="PTA03.corp.test", external_ip="203.0.113.3"), 1)
        self.assertEqual(harness.sample(
            s, "entra_pta_cloud_agent_active", agent_id="a2",
            machine_name="pta02.corp.test", external_ip="203.0.113.2"), 0)
        last = harness.sample(s, "entra_pta_cloud_agent_last_active_timestamp_seconds",
                              agent_id="a1", machine_name="pta01.corp.test")
        self.assertAlmostEqual(last, time.time(), delta=30)
        refreshed = harness.sample(s, "entra_pta_cloud_last_refresh_timestamp_seconds")
        self.assertAlmostEqual(refreshed, time.time(), delta=30)
        # This host is pta01 (machine_name), reported active: the heartbeat
        # collector's cloud source is fed... when it is switched on; the
        # default config here leaves it off, so only bootstrap/trace_log.
        self.assertIsNone(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                         source="cloud"))
        # Both pages were read (the second through @odata.nextLink).
        pages = [r for r in self.entra.calls("GET")]
        self.assertGreaterEqual(len(pages), 2)

    def test_cloud_heartbeat_source(self):
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config()
        text = text.replace("    trace_dir:", "    sources:\n      cloud: true\n"
                                             "    trace_dir:")
        exporter = self.start(text)
        s = self.wait_for(exporter, lambda s: harness.sample(
            s, "entra_pta_agent_heartbeat_age_seconds", source="cloud") is not None)
        self.assertLess(harness.sample(s, "entra_pta_agent_heartbeat_age_seconds",
                                       source="cloud"), 30)
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                        source="cloud"), 0)

    def test_short_lived_tokens_are_renewed_with_rotated_refresh_tokens(self):
        self.entra.token_lifetime = 2  # renewed after half its lifetime
        exporter = self.signed_in_exporter()
        deadline = time.monotonic() + 20
        while len(self.entra.token_grants("refresh_token")) < 3:
            self.assertLess(time.monotonic(), deadline,
                            "exporter did not renew its token")
            time.sleep(0.2)
        s, _ = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_cloud_api_up"), 1)
        # Each renewal used the refresh token the previous one returned
        # (the fake accepts each refresh token once).
        self.assertIsNone(exporter.wait_for_log(
            lambda l: "invalid_grant" in l, timeout=0.1))

    def test_revoked_refresh_token_is_clear_and_isolated(self):
        self.entra.token_lifetime = 2
        exporter = self.signed_in_exporter()
        self.entra.revoke_refresh_tokens()
        s = self.wait_for(exporter, self.up(0))
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="cloud"), 0)
        # The rest of the exporter is unaffected.
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="heartbeat"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_agent_heartbeat_stale",
                                        source="trace_log"), 0)
        line = self.cloud_error_logged(exporter, "invalid_grant")
        self.assertIn("AADSTS50173", line)
        self.assertIn("graph login", line)
        # Signing in again heals it without a restart.
        self.assertEqual(self.login().returncode, 0)
        self.wait_for(exporter, self.up(1))

    def test_throttling_honours_retry_after(self):
        exporter = self.signed_in_exporter()
        self.entra.retry_after = "3"
        self.entra.graph_mode = "429"
        self.wait_for(exporter, self.up(0))
        self.cloud_error_logged(exporter, "HTTP 429 (throttled)")
        throttled_at = self.entra.calls("GET")[-1][0]
        time.sleep(1.5)  # refresh_interval is 1s: it must still be waiting
        self.assertEqual(self.entra.calls("GET")[-1][0], throttled_at)
        self.entra.graph_mode = "ok"
        self.wait_for(exporter, self.up(1))
        gets = [r[0] for r in self.entra.calls("GET")]
        after = [t for t in gets if t > throttled_at]
        self.assertGreaterEqual(after[0] - throttled_at, 2.9)

    def test_server_errors_malformed_and_oversized_answers(self):
        exporter = self.signed_in_exporter()
        for mode, fragment in (("500", "HTTP 500 (generalException)"),
                               ("malformed", "malformed JSON"),
                               ("oversized", "larger than 4194304 bytes")):
            self.entra.graph_mode = mode
            s = self.wait_for(exporter, self.up(0))
            self.cloud_error_logged(exporter, fragment)
            # The last good list stays visible, with its age.
            self.assertEqual(harness.sample(s, "entra_pta_cloud_agents",
                                            status="active"), 2)
            self.entra.graph_mode = "ok"
            self.wait_for(exporter, self.up(1))

    def test_slow_graph_never_slows_a_scrape(self):
        exporter = self.signed_in_exporter()
        self.entra.slow_seconds = 4
        self.entra.graph_mode = "slow"
        time.sleep(1.2)  # a refresh is now stuck in the slow request
        for _ in range(5):
            _, took = self.scrape(exporter)
            self.assertLess(took, 0.5)
        self.wait_for(exporter, self.up(0))
        self.cloud_error_logged(exporter, "timed out")

    def test_shutdown_abandons_a_hung_graph_request(self):
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config()
        exporter = self.start(text.replace("request_timeout: 2s",
                                           "request_timeout: 60s"))
        self.wait_for(exporter, self.up(1))
        self.entra.slow_seconds = 30
        self.entra.graph_mode = "slow"
        deadline = time.monotonic() + 5
        gets = len(self.entra.calls("GET"))
        while len(self.entra.calls("GET")) == gets:  # a request is now hanging
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        start = time.monotonic()
        self.assertEqual(exporter.stop(), 0)
        self.assertLess(time.monotonic() - start, 5)

    def test_client_secret_from_a_file(self):
        secret_file = os.path.join(self.dir, "secret")
        with open(secret_file, "w", encoding="utf-8") as f:
            f.write(self.entra.client_secret + "\n")
        _, text = self.config(auth="    auth: client_secret\n"
                                   "    client_secret_file: %s\n" % secret_file)
        exporter = self.start(text)
        self.wait_for(exporter, self.up(1))
        self.assertEqual(len(self.entra.token_grants("client_credentials")), 1)
        # A wrong secret: a clear error that does not quote it.
        with open(secret_file, "w", encoding="utf-8") as f:
            f.write("CS-wrong-" + self.entra.client_secret[3:])
        wrong = self.start(text)
        self.wait_for(wrong, self.up(0))
        self.cloud_error_logged(wrong, "invalid_client, AADSTS7000215")

    def test_client_certificate_assertion(self):
        cert, key = fake_entra.make_client_certificate(self.dir, "client")
        self.entra.register_client_certificate(cert)
        with open(key, encoding="utf-8") as f:
            self.key_lines = [l for l in f.read().splitlines()
                              if l and not l.startswith("-----")]
        _, text = self.config(auth="    auth: client_certificate\n"
                                   "    client_certificate_file: %s\n"
                                   "    client_key_file: %s\n" % (cert, key))
        exporter = self.start(text)
        self.wait_for(exporter, self.up(1))
        grants = self.entra.token_grants("client_credentials")
        self.assertEqual(len(grants), 1)
        self.assertNotIn("client_secret", grants[0][3])
        # A certificate the app registration does not know.
        other_cert, other_key = fake_entra.make_client_certificate(self.dir,
                                                                   "other")
        stranger = self.start(text.replace(cert, other_cert)
                              .replace(key, other_key))
        self.wait_for(stranger, self.up(0))
        self.cloud_error_logged(stranger, "invalid_client, AADSTS700027")
        # A key that does not match the certificate never leaves the host.
        mismatched = self.start(text.replace(key, other_key))
        self.wait_for(mismatched, self.up(0))
        self.cloud_error_logged(mismatched, "does not belong")

    def test_untrusted_certificate_is_refused(self):
        self.assertEqual(self.login().returncode, 0)
        _, text = self.config()
        other_ca = os.path.join(self.dir, "other")
        os.makedirs(other_ca)
        ca, _, _ = fake_entra.make_ca_and_server_cert(other_ca)
        exporter = self.start(text.replace(self.entra.ca_file, ca))
        self.wait_for(exporter, self.up(0))
        self.cloud_error_logged(exporter, "certificate")
        self.assertEqual(self.entra.calls("GET"), [])


if __name__ == "__main__":
    unittest.main()
