"""Integration test of the domain_controller collector: the real exporter
binary finds domain controllers through a real DNS server (dnsmasq, serving
the SRV records _ldap._tcp.dc._msdcs.<domain> the way an AD DNS zone does,
configured by the test) and connects to real TCP listeners on 127.0.0.1
standing in for the DCs' LDAP/Kerberos ports. The failure cases are real
too: NXDOMAIN from dnsmasq, SERVFAIL from a DNSSEC-validating dnsmasq whose
upstream answers bogus (unsigned) data, a DNS server that never answers, a
DNS port nobody listens on, and refused TCP ports. Every scrape must come
back within its deadline."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import dns_servers  # noqa: E402
import harness  # noqa: E402

SRV = "_ldap._tcp.dc._msdcs.%s"
# The root zone's KSK-2017 (keytag 20326): makes dnsmasq validate, and
# reject the unsigned answers of its local upstream as BOGUS (SERVFAIL).
ROOT_TRUST_ANCHOR = ("--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65"
                     "D08458E880409BBC683457104237C7F8EC8D")


def dc_config(domain, dns_server, ports, dns_timeout="2s", max_timeout="10s"):
    return ("scrape:\n  max_timeout: %s\n"
            "collectors:\n  heartbeat:\n    enabled: false\n"
            "  domain_controller:\n    enabled: true\n    domain: %s\n"
            "    dns_server: %s\n    ports: '%s'\n    dns_timeout: %s\n"
            % (max_timeout, domain, dns_server, ",".join(map(str, ports)),
               dns_timeout))


def closed_tcp_port():
    """A port on 127.0.0.1 that was just released (connects are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DomainControllerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The DCs: dc1 at 127.0.0.1 (one port listening, one closed), dc2 at
        # 127.0.0.2 (nothing listening), dc3 with no address record.
        cls.ldap = socket.socket()
        cls.ldap.bind(("127.0.0.1", 0))
        cls.ldap.listen(16)
        cls.ldap_port = cls.ldap.getsockname()[1]
        cls.closed_port = closed_tcp_port()
        srv = SRV % "corp.test"
        cls.dns = dns_servers.Dnsmasq([
            "--local=/test/",
            "--srv-host=%s,dc1.corp.test,389,0,100" % srv,
            "--srv-host=%s,dc2.corp.test,389,0,100" % srv,
            "--srv-host=%s,dc3.corp.test,389,10,100" % srv,
            "--host-record=dc1.corp.test,127.0.0.1",
            "--host-record=dc2.corp.test,127.0.0.2",
        ])

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        cls.ldap.close()

    def start(self, config_text):
        exporter = harness.Exporter(config_text=config_text)
        self.addCleanup(exporter.kill)
        return exporter

    def scrape(self, exporter, headers=None, within=5.0):
        start = time.monotonic()
        status, _, body = exporter.get("/metrics", headers=headers or {})
        took = time.monotonic() - start
        self.assertEqual(status, 200)
        self.assertLess(took, within, "scrape took %.1fs" % took)
        proc = subprocess.run(["promtool", "check", "metrics"], input=body,
                              capture_output=True, timeout=60)
        self.assertEqual((proc.returncode, proc.stdout + proc.stderr), (0, b""))
        return harness.parse_exposition(body.decode()), took

    def assert_failure_logged(self, exporter, *fragments):
        line = exporter.wait_for_log(
            lambda l: "level=error" in l and "collector=domain_controller" in l)
        self.assertIsNotNone(line, "\n".join(exporter.log_lines()))
        for fragment in fragments:
            self.assertIn(fragment, line)
        return line

    def test_discovers_dcs_and_checks_each_port(self):
        exporter = self.start(dc_config("Corp.Test", self.dns.address,
                                        [self.ldap_port, self.closed_port]))
        s, _ = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 1)
        self.assertEqual(harness.sample(s, "entra_pta_dc_discovered",
                                        domain="corp.test"), 3)
        self.assertEqual(harness.sample(s, "entra_pta_dns_lookup_success",
                                        domain="corp.test"), 1)
        lookup = harness.sample(s, "entra_pta_dns_lookup_duration_seconds",
                                domain="corp.test")
        self.assertGreater(lookup, 0)
        self.assertLess(lookup, 1)
        up = lambda dc, port: harness.sample(  # noqa: E731
            s, "entra_pta_dc_up", dc=dc, port=str(port))
        self.assertEqual(up("dc1.corp.test", self.ldap_port), 1)
        self.assertEqual(up("dc1.corp.test", self.closed_port), 0)
        self.assertEqual(up("dc2.corp.test", self.ldap_port), 0)  # refused
        self.assertEqual(up("dc3.corp.test", self.ldap_port), 0)  # no address
        connect = harness.sample(s, "entra_pta_dc_connect_duration_seconds",
                                 dc="dc1.corp.test", port=str(self.ldap_port))
        self.assertGreater(connect, 0)
        self.assertLess(connect, 1)
        self.assertIsNone(harness.sample(
            s, "entra_pta_dc_connect_duration_seconds", dc="dc1.corp.test",
            port=str(self.closed_port)))

    def test_nxdomain_is_reported(self):
        exporter = self.start(dc_config("missing.test", self.dns.address, [389]))
        s, _ = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 0)
        self.assertEqual(harness.sample(s, "entra_pta_dns_lookup_success",
                                        domain="missing.test"), 0)
        self.assertEqual(harness.sample(s, "entra_pta_dc_discovered",
                                        domain="missing.test"), 0)
        self.assert_failure_logged(exporter, SRV % "missing.test", "NXDOMAIN")

    def test_servfail_is_reported(self):
        upstream = dns_servers.Dnsmasq([
            "--local=/test/",
            "--srv-host=%s,dc1.fail.test,389" % (SRV % "fail.test")])
        self.addCleanup(upstream.stop)
        validating = dns_servers.Dnsmasq([
            "--server=" + upstream.address.replace(":", "#"), "--dnssec",
            ROOT_TRUST_ANCHOR])
        self.addCleanup(validating.stop)
        exporter = self.start(dc_config("fail.test", validating.address, [389]))
        s, _ = self.scrape(exporter)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 0)
        self.assertEqual(harness.sample(s, "entra_pta_dns_lookup_success",
                                        domain="fail.test"), 0)
        self.assertIsNone(harness.sample(s, "entra_pta_dc_discovered",
                                         domain="fail.test"))
        self.assert_failure_logged(exporter, "SERVFAIL")

    def test_dns_timeout_is_reported_without_hanging_the_scrape(self):
        silent = dns_servers.SilentDnsServer()
        self.addCleanup(silent.stop)
        exporter = self.start(dc_config("corp.test", silent.address, [389],
                                        dns_timeout="1s"))
        s, took = self.scrape(exporter, within=3)
        self.assertGreaterEqual(took, 0.9)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 0)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_timeout",
                                        collector="domain_controller"), 0)
        self.assertEqual(harness.sample(s, "entra_pta_dns_lookup_success",
                                        domain="corp.test"), 0)
        self.assertGreaterEqual(harness.sample(
            s, "entra_pta_dns_lookup_duration_seconds", domain="corp.test"), 0.9)
        self.assert_failure_logged(exporter, "no answer within")

    def test_scrape_deadline_bounds_a_long_dns_timeout(self):
        silent = dns_servers.SilentDnsServer()
        self.addCleanup(silent.stop)
        exporter = self.start(dc_config("corp.test", silent.address, [389],
                                        dns_timeout="1m", max_timeout="30s"))
        # Prometheus' header: 2s minus the 500ms margin.
        s, took = self.scrape(
            exporter, headers={"X-Prometheus-Scrape-Timeout-Seconds": "2"},
            within=2)
        self.assertGreaterEqual(took, 1.2)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 0)
        # The collector ended its own wait before the deadline.
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_timeout",
                                        collector="domain_controller"), 0)
        self.assert_failure_logged(exporter, "no answer within")

    def test_dns_port_without_server_is_reported(self):
        port = dns_servers.free_udp_port()
        exporter = self.start(dc_config("corp.test", "127.0.0.1:%d" % port,
                                        [389]))
        s, took = self.scrape(exporter)
        self.assertLess(took, 1.5)
        self.assertEqual(harness.sample(s, "entra_pta_scrape_collector_success",
                                        collector="domain_controller"), 0)
        self.assert_failure_logged(
            exporter, "no DNS server listening at 127.0.0.1:%d" % port)

    def test_enabled_without_domain_is_a_config_error(self):
        tmp = tempfile.TemporaryDirectory(prefix="entra_pta_dc_")
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.name, "c.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("collectors:\n  domain_controller:\n    enabled: true\n")
        result = harness.run_exporter(["--config.check=" + path])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertIn("collectors.domain_controller.domain: required",
                      result.stderr)


if __name__ == "__main__":
    unittest.main()
