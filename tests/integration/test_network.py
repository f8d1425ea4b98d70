"""Integration test of the endpoint and tls collectors against real peers
on 127.0.0.1 (see lib/network_peers.py): nginx serving a test PKI's
"genuine" chain (root and issuing CA named like Microsoft's, put on the
allow-list here), tinyproxy as a plain CONNECT proxy, mitmproxy as a real
TLS-intercepting proxy, and refused, black-holed, silent, expired and
unresolvable targets. The test runs in a loopback-only network namespace
(lib/in-netns), so nothing leaves 127.0.0.0/8; Microsoft's endpoints are
never contacted."""

import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402
import network_peers as peers  # noqa: E402

ALLOW = """\
  tls:
    allowed_issuers: ["{issuing}"]
    allowed_roots: ["{root}"]
"""


def config(targets, pki, extra="", timeout="3s"):
    lines = ["collectors:", "  heartbeat:", "    enabled: false",
             "  endpoint:", "    default_targets: false",
             "    proxy_from_environment: false",
             "    timeout: " + timeout, "    ca_file: '%s'" % pki.root]
    lines += ["    " + line for line in extra.splitlines() if line]
    lines.append("    targets:")
    for name, url in targets:
        lines += ["      - name: " + name, "        url: " + url]
    return "\n".join(lines) + "\n" + ALLOW.format(
        issuing=peers.TestPki.ISSUING_NAME, root=peers.TestPki.ROOT_NAME)


def promtool_findings(body):
    proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                          capture_output=True, timeout=60)
    return proc.returncode, (proc.stdout + proc.stderr).decode()


class NetworkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        peers.require("nginx", "tinyproxy", "mitmdump", "openssl",
                      "promtool")
        cls.pki = peers.TestPki()
        cls.nginx = peers.Nginx(cls.pki)
        cls.tinyproxy = peers.Tinyproxy()
        cls.mitm = peers.Mitmdump()

    @classmethod
    def tearDownClass(cls):
        for peer in (cls.mitm, cls.tinyproxy, cls.nginx, cls.pki):
            peer.close()

    def genuine_url(self):
        return "https://localhost:%d/" % self.nginx.genuine_port

    def plain_url(self):
        return "http://localhost:%d/" % self.nginx.plain_port

    def scrape(self, config_text, timeout_header=None):
        """Starts an exporter, scrapes once; returns (samples, body, seconds,
        exporter log)."""
        with harness.Exporter(config_text=config_text) as exporter:
            headers = {}
            if timeout_header is not None:
                headers["X-Prometheus-Scrape-Timeout-Seconds"] = str(
                    timeout_header)
            start = time.monotonic()
            status, _, body = exporter.get("/metrics", headers=headers,
                                           timeout=60)
            took = time.monotonic() - start
            self.assertEqual(status, 200)
            text = body.decode()
            code, findings = promtool_findings(body)
            self.assertEqual((code, findings), (0, ""), text)
            # Let the probe hub's log lines arrive.
            time.sleep(0.1)
            return harness.parse_exposition(text), text, took, \
                exporter.log_lines()

    def assert_sample(self, samples, expected, name, **labels):
        self.assertEqual(harness.sample(samples, name, **labels), expected,
                         "%s%s" % (name, labels))

    def test_genuine_chain_direct(self):
        samples, text, _, _ = self.scrape(config(
            [("genuine", self.genuine_url()), ("crl", self.plain_url())],
            self.pki))
        s = lambda name, **l: harness.sample(samples, name, **l)  # noqa
        self.assert_sample(samples, 1, "entra_pta_scrape_collector_success",
                           collector="endpoint")
        self.assert_sample(samples, 1, "entra_pta_scrape_collector_success",
                           collector="tls")
        for endpoint in ("genuine", "crl"):
            self.assert_sample(samples, 1, "entra_pta_endpoint_up",
                               endpoint=endpoint)
            self.assert_sample(samples, 404,
                               "entra_pta_endpoint_http_status_code",
                               endpoint=endpoint)
        phase = lambda p: s("entra_pta_endpoint_duration_seconds",  # noqa
                            endpoint="genuine", phase=p)
        self.assertGreater(phase("connect"), 0)
        self.assertGreater(phase("tls"), 0)
        self.assertGreater(phase("first_byte"), 0)
        self.assertGreaterEqual(phase("dns"), 0)
        self.assertGreaterEqual(
            phase("total"),
            phase("dns") + phase("connect") + phase("tls") - 1e-6)
        self.assertEqual(s("entra_pta_endpoint_duration_seconds",
                           endpoint="crl", phase="tls"), 0)
        self.assert_sample(samples, 1, "entra_pta_tls_issuer_match",
                           endpoint="genuine")
        self.assert_sample(samples, 1, "entra_pta_tls_chain_verified",
                           endpoint="genuine")
        self.assertIn('entra_pta_tls_version_info{endpoint="genuine",'
                      'version="TLSv1.3"} 1', text)
        self.assertIn('issuer="%s",root="%s"' % (peers.TestPki.ISSUING_NAME,
                                                 peers.TestPki.ROOT_NAME),
                      text)
        self.assertIsNotNone(s("entra_pta_tls_cert_not_after_timestamp_seconds",
                               endpoint="genuine"))
        # No tls series for plain HTTP; no failure series at all.
        self.assertNotIn('entra_pta_tls_issuer_match{endpoint="crl"}', text)
        self.assertNotIn("entra_pta_endpoint_failure_info{", text)
        self.assertIn('entra_pta_endpoint_info{endpoint="genuine",url="%s",'
                      'proxy=""} 1' % self.genuine_url(), text)

    def test_plain_connect_proxy_keeps_the_genuine_chain(self):
        proxy = "http://user:hunter2@127.0.0.1:%d" % self.tinyproxy.port
        samples, text, _, log = self.scrape(config(
            [("genuine", self.genuine_url()), ("crl", self.plain_url())],
            self.pki, extra="proxy_url: '%s'" % proxy))
        self.assert_sample(samples, 1, "entra_pta_endpoint_up",
                           endpoint="genuine")
        self.assert_sample(samples, 1, "entra_pta_endpoint_up", endpoint="crl")
        self.assert_sample(samples, 1, "entra_pta_tls_issuer_match",
                           endpoint="genuine")
        self.assert_sample(samples, 1, "entra_pta_tls_chain_verified",
                           endpoint="genuine")
        # The label shows the proxy without its password.
        self.assertIn('proxy="http://127.0.0.1:%d"' % self.tinyproxy.port,
                      text)
        self.assertNotIn("hunter2", text)
        self.assertNotIn("hunter2", "\n".join(log))
        self.assertIn("CONNECT localhost:%d" % self.nginx.genuine_port,
                      self.tinyproxy.log())

    def test_intercepting_proxy_is_detected(self):
        samples, text, _, log = self.scrape(config(
            [("genuine", self.genuine_url())], self.pki,
            extra="proxy_url: '%s'" % self.mitm.url))
        self.assert_sample(samples, 1, "entra_pta_scrape_collector_success",
                           collector="endpoint")
        self.assert_sample(samples, 1, "entra_pta_scrape_collector_success",
                           collector="tls")
        self.assert_sample(samples, 0, "entra_pta_tls_issuer_match",
                           endpoint="genuine")
        self.assert_sample(samples, 0, "entra_pta_tls_chain_verified",
                           endpoint="genuine")
        self.assertIn('entra_pta_tls_cert_info{endpoint="genuine",'
                      'subject="localhost",issuer="mitmproxy",root="mitmproxy"',
                      text)
        # The agent could not use this path: the endpoint is down for tls.
        self.assert_sample(samples, 0, "entra_pta_endpoint_up",
                           endpoint="genuine")
        self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                           endpoint="genuine", reason="tls")
        self.assertTrue(any("endpoint unreachable" in line and
                            "reason=tls" in line for line in log), log)

    def test_failures_each_have_their_reason_and_none_hangs(self):
        silent = peers.SilentServer()
        black = peers.BlackHole()
        garbage = peers.GarbageServer()
        self.addCleanup(silent.close)
        self.addCleanup(black.close)
        self.addCleanup(garbage.close)
        targets = [
            ("refused", "https://127.0.0.1:%d/" % peers.refused_port()),
            ("blackholed", "https://127.0.0.1:%d/" % black.port),
            ("silent_tls", "https://127.0.0.1:%d/" % silent.port),
            ("expired", "https://localhost:%d/" % self.nginx.expired_port),
            ("unresolvable", "https://pta.nonexistent.invalid/"),
            ("not_http", "http://127.0.0.1:%d/" % garbage.port),
        ]
        samples, text, took, _ = self.scrape(
            config(targets, self.pki, timeout="2s"), timeout_header=4)
        expected = {"refused": "connect_refused", "blackholed": "timeout",
                    "silent_tls": "tls", "expired": "tls",
                    "unresolvable": "dns", "not_http": "http"}
        for endpoint, reason in expected.items():
            self.assert_sample(samples, 0, "entra_pta_endpoint_up",
                               endpoint=endpoint)
            self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                               endpoint=endpoint, reason=reason)
        # The expired chain was still kept and judged.
        self.assert_sample(samples, 0, "entra_pta_tls_chain_verified",
                           endpoint="expired")
        self.assert_sample(samples, 1, "entra_pta_tls_issuer_match",
                           endpoint="expired")
        self.assertLess(
            harness.sample(samples,
                           "entra_pta_tls_cert_not_after_timestamp_seconds",
                           endpoint="expired"), time.time())
        self.assert_sample(samples, 1, "entra_pta_scrape_collector_success",
                           collector="endpoint")
        self.assertLess(took, 3.9)

    def test_unreachable_proxy_is_the_reason(self):
        samples, text, _, log = self.scrape(config(
            [("genuine", self.genuine_url()), ("crl", self.plain_url())],
            self.pki,
            extra="proxy_url: 'http://127.0.0.1:%d'" % peers.refused_port()))
        for endpoint in ("genuine", "crl"):
            self.assert_sample(samples, 0, "entra_pta_endpoint_up",
                               endpoint=endpoint)
            self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                               endpoint=endpoint, reason="proxy")

    def test_twelve_targets_three_black_holed_finish_within_the_deadline(self):
        blacks = [peers.BlackHole() for _ in range(3)]
        for black in blacks:
            self.addCleanup(black.close)
        targets = [("ok%d" % i, self.genuine_url()) for i in range(5)]
        targets += [("plain%d" % i, self.plain_url()) for i in range(4)]
        targets += [("black%d" % i, "https://127.0.0.1:%d/" % b.port)
                    for i, b in enumerate(blacks)]
        # Per-probe timeout 10 s, scrape deadline 3 s - 0.5 s margin.
        samples, _, took, _ = self.scrape(
            config(targets, self.pki, timeout="10s"), timeout_header=3)
        self.assertLess(took, 2.95)
        for i in range(5):
            self.assert_sample(samples, 1, "entra_pta_endpoint_up",
                               endpoint="ok%d" % i)
        for i in range(4):
            self.assert_sample(samples, 1, "entra_pta_endpoint_up",
                               endpoint="plain%d" % i)
        for i in range(3):
            self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                               endpoint="black%d" % i, reason="timeout")

    def test_black_holed_target_never_costs_a_scrape_its_series(self):
        """Issue 14 defect 7: with one black-holed target and a 3 s scrape
        timeout the probes overran the deadline by a few ms and the whole
        round was dropped (no endpoint series at all), and the next scrape
        joined that round and was empty too. Every scrape, the first ones
        and one that joins a running round, reports every target."""
        black = peers.BlackHole()
        self.addCleanup(black.close)
        targets = [("ok", self.genuine_url()), ("plain", self.plain_url()),
                   ("blackholed", "https://127.0.0.1:%d/" % black.port)]
        headers = {"X-Prometheus-Scrape-Timeout-Seconds": "3"}
        with harness.Exporter(config_text=config(
                targets, self.pki, timeout="10s")) as exporter:
            bodies = []
            for _ in range(2):
                status, _, body = exporter.get("/metrics", headers=headers,
                                               timeout=60)
                self.assertEqual(status, 200)
                bodies.append(body.decode())
            # Two at once: the second joins the first one's round.
            results = [None, None]

            def scrape(i):
                results[i] = exporter.get("/metrics", headers=headers,
                                          timeout=60)
            threads = [threading.Thread(target=scrape, args=(i,))
                       for i in range(2)]
            threads[0].start()
            time.sleep(0.3)
            threads[1].start()
            for thread in threads:
                thread.join()
            for status, _, body in results:
                self.assertEqual(status, 200)
                bodies.append(body.decode())
        for n, text in enumerate(bodies):
            samples = harness.parse_exposition(text)
            where = "scrape %d:\n%s" % (n + 1, text)
            self.assertEqual(harness.sample(samples, "entra_pta_endpoint_up",
                                            endpoint="ok"), 1, where)
            self.assertEqual(harness.sample(samples, "entra_pta_endpoint_up",
                                            endpoint="plain"), 1, where)
            self.assertEqual(harness.sample(samples, "entra_pta_endpoint_up",
                                            endpoint="blackholed"), 0, where)
            self.assertEqual(harness.sample(
                samples, "entra_pta_endpoint_failure_info",
                endpoint="blackholed", reason="timeout"), 1, where)
            self.assertEqual(harness.sample(
                samples, "entra_pta_scrape_collector_timeout",
                collector="endpoint"), 0, where)

    def test_agent_exe_config_proxy_drives_the_scrape_through_tinyproxy(self):
        fixture = os.path.join(os.path.dirname(__file__), "..", "fixtures",
                               "agent-proxy.exe.config.in")
        with open(fixture) as f:
            text = f.read().replace("@PROXY@", self.tinyproxy.url)
        agent_config = os.path.join(self.pki.dir, "agent.exe.config")
        with open(agent_config, "w") as f:
            f.write(text)
        samples, body, _, _ = self.scrape(config(
            [("genuine", self.genuine_url())], self.pki,
            extra="proxy_from_agent_config: true\n"
                  "agent_config_file: '%s'" % agent_config))
        self.assert_sample(samples, 1, "entra_pta_endpoint_up",
                           endpoint="genuine")
        self.assert_sample(samples, 1, "entra_pta_tls_issuer_match",
                           endpoint="genuine")
        self.assertIn('proxy="%s"' % self.tinyproxy.url, body)
        self.assertIn("CONNECT localhost:%d" % self.nginx.genuine_port,
                      self.tinyproxy.log())

    def test_unreadable_agent_config_fails_the_collector_clearly(self):
        samples, _, _, log = self.scrape(config(
            [("genuine", self.genuine_url())], self.pki,
            extra="proxy_from_agent_config: true\n"
                  "agent_config_file: /nonexistent/agent.exe.config"))
        self.assert_sample(samples, 0, "entra_pta_scrape_collector_success",
                           collector="endpoint")
        self.assert_sample(samples, 0, "entra_pta_scrape_collector_success",
                           collector="tls")
        self.assertTrue(any("/nonexistent/agent.exe.config" in line
                            for line in log), log)

    def test_default_targets_fail_at_dns_in_the_namespace(self):
        # The shipped defaults, with a tenant: the bootstrap and
        # registration hosts appear; in this loopback-only namespace every
        # name fails to resolve, quickly.
        samples, text, took, _ = self.scrape(
            "tenant:\n  id: 0a1b2c3d-0000-4000-8000-00000000abcd\n"
            "collectors:\n  heartbeat:\n    enabled: false\n",
            timeout_header=10)
        self.assertIn('url="https://0a1b2c3d-0000-4000-8000-00000000abcd.pta.'
                      'bootstrap.his.msappproxy.net/"', text)
        self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                           endpoint="login", reason="dns")
        self.assert_sample(samples, 1, "entra_pta_endpoint_failure_info",
                           endpoint="crl3_digicert", reason="dns")
        self.assertLess(took, 9.5)


if __name__ == "__main__":
    unittest.main()
