"""Integration test of `entra_pta_exporter diagnose` with the real binary and
real peers on 127.0.0.1 (lib/network_peers.py, lib/dns_servers.py,
lib/fake_entra.py):

- nginx serving a test PKI's "genuine" chain (root and issuing CA named like
  Microsoft's, on the allow-list here) and plain HTTP: PASS;
- mitmproxy re-signing the traffic like an SSL-inspection appliance: FAIL;
- a refused port: FAIL;
- dnsmasq serving the SRV records of the domain's DCs, one DC listening and
  one port closed: PASS / FAIL;
- a trace file written now (fresh) or three hours ago (stale heartbeat);
- a local HTTPS server answering as Microsoft's token endpoint and Graph
  do (Microsoft's cloud cannot be reached from a test) for the cloud checks.

The Windows-only collectors report "unsupported on this OS" here, which
diagnose shows as SKIP. Everything runs in a loopback-only network namespace
(lib/in-netns), so nothing leaves 127.0.0.0/8.

The verdict logic itself is unit-tested, with golden outputs, in
exporter/daemon/diagnose_golden_test.cc and
exporter/verdict/diagnose_report_test.cc."""

import json
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import dns_servers  # noqa: E402
import fake_entra  # noqa: E402
import harness  # noqa: E402
import network_peers as peers  # noqa: E402

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "99999999-0000-4000-8000-000000000000"
SRV = "_ldap._tcp.dc._msdcs.corp.test"


class DiagnoseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        peers.require("nginx", "mitmdump", "openssl")
        cls.pki = peers.TestPki()
        cls.nginx = peers.Nginx(cls.pki)
        cls.mitm = peers.Mitmdump()
        cls.ldap = socket.socket()
        cls.ldap.bind(("127.0.0.1", 0))
        cls.ldap.listen(16)
        cls.ldap_port = cls.ldap.getsockname()[1]
        cls.dns = dns_servers.Dnsmasq([
            "--local=/test/",
            "--srv-host=%s,dc1.corp.test,389,0,100" % SRV,
            "--host-record=dc1.corp.test,127.0.0.1",
        ])

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()
        cls.ldap.close()
        for peer in (cls.mitm, cls.nginx, cls.pki):
            peer.close()

    def setUp(self):
        tmp = tempfile.TemporaryDirectory(prefix="entra-pta-diagnose-")
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name
        self.trace_dir = os.path.join(self.dir, "trace")
        os.makedirs(self.trace_dir)

    def config(self, targets, proxy=None, dc_ports=None, trace_age=60,
               trace_dir=None, head="", extra=""):
        if trace_age is not None:
            harness.write_trace_file(self.trace_dir, trace_age)
        lines = [
            "collectors:",
            "  heartbeat:",
            "    trace_dir: '%s'" % (trace_dir or self.trace_dir),
            "    sources:",
            "      bootstrap: false",
            "  endpoint:",
            "    default_targets: false",
            "    proxy_from_environment: false",
            "    timeout: 3s",
            "    ca_file: '%s'" % self.pki.root,
        ]
        if proxy:
            lines.append("    proxy_url: '%s'" % proxy)
        lines.append("    targets:")
        for name, url in targets:
            lines += ["      - name: " + name, "        url: " + url]
        lines += [
            "  tls:",
            "    allowed_issuers: ['%s']" % peers.TestPki.ISSUING_NAME,
            "    allowed_roots: ['%s']" % peers.TestPki.ROOT_NAME,
        ]
        if dc_ports is not None:
            lines += [
                "  domain_controller:",
                "    enabled: true",
                "    domain: corp.test",
                "    dns_server: %s" % self.dns.address,
                "    ports: '%s'" % ",".join(map(str, dc_ports)),
                "    connect_timeout: 1s",
            ]
        path = os.path.join(self.dir, "config.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(head + "\n".join(lines) + "\n" + extra)
        return path

    def genuine(self):
        return ("genuine", "https://localhost:%d/" % self.nginx.genuine_port)

    def plain(self):
        return ("crl", "http://localhost:%d/" % self.nginx.plain_port)

    def diagnose(self, *args, output="json"):
        result = harness.run_exporter(
            ["diagnose", "--output=" + output, "--timeout=15s"] + list(args),
            timeout=60)
        return result

    def verdicts(self, result):
        report = json.loads(result.stdout)
        self.assertEqual(report["schema_version"], 1)
        self.assertEqual(report["exit_status"], result.returncode)
        out = {}
        for section in report["sections"]:
            for check in section["checks"]:
                out[check["id"]] = check["verdict"]
        return report, out

    def test_healthy_network_dc_and_heartbeat_pass(self):
        path = self.config([self.genuine(), self.plain()],
                           dc_ports=[self.ldap_port])
        result = self.diagnose("--config.file=" + path)
        report, verdicts = self.verdicts(result)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(report["result"], "pass")
        self.assertEqual(result.stderr, "")
        self.assertEqual(verdicts["network.endpoint.genuine"], "pass")
        self.assertEqual(verdicts["network.endpoint.crl"], "pass")
        self.assertEqual(verdicts["network.ssl_inspection"], "pass")
        self.assertEqual(verdicts["dc.discovery.corp.test"], "pass")
        self.assertEqual(verdicts["dc.port.%d" % self.ldap_port], "pass")
        self.assertEqual(verdicts["agent.heartbeat"], "pass")
        # Not checkable here: said plainly, and no effect on the status.
        self.assertEqual(verdicts["cloud.collector.cloud"], "skip")
        for collector, section in (("service", "services"),
                                   ("eventlog", "events")):
            self.assertEqual(
                verdicts["%s.collector.%s" % (section, collector)], "skip")

    def test_ssl_inspection_by_mitmproxy_fails(self):
        path = self.config([self.genuine()], proxy=self.mitm.url)
        result = self.diagnose("--config.file=" + path)
        report, verdicts = self.verdicts(result)
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertEqual(report["result"], "fail")
        self.assertEqual(verdicts["network.ssl_inspection"], "fail")
        self.assertEqual(verdicts["network.endpoint.genuine"], "fail")
        check = [c for s in report["sections"] for c in s["checks"]
                 if c["id"] == "network.ssl_inspection"][0]
        # Which part is not allowed (both, here: mitmproxy's own CA), named,
        # and the fix for inspection (issue 14 defect 8).
        evidence = "\n".join(check["evidence"])
        self.assertIn('SSL inspection detected: its certificate was issued '
                      'by "mitmproxy"', evidence)
        self.assertIn("not allowed", evidence)
        self.assertIn("exempt *.msappproxy.net", check["fix"][0])
        self.assertEqual(check["alert"], "EntraPTATLSInterceptionDetected")

    def test_refused_port_fails_with_reason_and_fix(self):
        port = peers.refused_port()
        path = self.config([("blocked", "https://127.0.0.1:%d/" % port),
                            self.plain()])
        result = self.diagnose("--config.file=" + path, output="text")
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertNotIn("\033[", result.stdout)  # stdout is not a terminal
        self.assertIn("[FAIL] Endpoint blocked: unreachable on port %d: TCP "
                      "connection refused (reason connect_refused)" % port,
                      result.stdout)
        self.assertIn("fix: Test-NetConnection -ComputerName 127.0.0.1 "
                      "-Port %d" % port, result.stdout)
        self.assertIn("[PASS] Endpoint crl", result.stdout)

    def test_unreachable_dc_port_and_stale_heartbeat_fail(self):
        closed = peers.refused_port()
        path = self.config([self.plain()], dc_ports=[self.ldap_port, closed],
                           trace_age=3 * 3600)
        result = self.diagnose("--config.file=" + path, output="markdown")
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertIn("# entra_pta_exporter diagnose: FAIL", result.stdout)
        self.assertIn("- **FAIL** DCs on port %d" % closed, result.stdout)
        self.assertIn("- **PASS** DCs on port %d" % self.ldap_port,
                      result.stdout)
        self.assertIn("- **FAIL** Heartbeat: no sign of life for 3h",
                      result.stdout)
        self.assertIn("nltest /dsgetdc:corp.test", result.stdout)
        # Only plain-HTTP targets: nothing for the SSL inspection check.
        self.assertIn("- **SKIP** SSL inspection: not checked: no https "
                      "endpoint is probed", result.stdout)

    def test_collector_failure_is_a_warning_with_its_error(self):
        missing = os.path.join(self.dir, "no-such-trace-dir")
        path = self.config([self.plain()], trace_age=None, trace_dir=missing)
        result = self.diagnose("--config.file=" + path)
        report, verdicts = self.verdicts(result)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertEqual(report["result"], "warn")
        self.assertEqual(verdicts["agent.collector.heartbeat"], "warn")
        check = [c for s in report["sections"] for c in s["checks"]
                 if c["id"] == "agent.collector.heartbeat"][0]
        self.assertIn(missing, check["summary"])

    def test_cloud_status_from_graph(self):
        entra = fake_entra.FakeEntra(self.dir, TENANT, CLIENT_ID)
        self.addCleanup(entra.stop)
        state_file = os.path.join(self.dir, "state", "cloud-state.json")
        extra = (
            "  cloud:\n    enabled: true\n    client_id: %s\n"
            "    authority_url: %s\n    graph_url: %s\n    ca_file: %s\n"
            "    state_file: %s\n    request_timeout: 2s\n"
            % (CLIENT_ID, entra.url, entra.url, entra.ca_file, state_file))
        path = self.config([self.plain()], head="tenant:\n  id: %s\n" % TENANT,
                           extra=extra)
        login = harness.run_exporter(["graph", "login",
                                      "--config.file=" + path])
        self.assertEqual(login.returncode, 0, login.stderr)
        result = self.diagnose("--config.file=" + path)
        report, verdicts = self.verdicts(result)
        # The fake tenant has 2 active agents and 1 inactive: a warning
        # (fewer than 3 active) and the inactive agent named.
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertEqual(verdicts["cloud.active_agents"], "warn")
        self.assertEqual(verdicts["cloud.agent.a2"], "warn")
        self.assertNotIn("RT-", result.stdout + result.stderr)
        self.assertNotIn("AT-", result.stdout + result.stderr)

    def test_config_error_exits_2_with_location_and_no_report(self):
        path = os.path.join(self.dir, "bad.yml")
        with open(path, "w", encoding="utf-8") as f:
            f.write("collectors:\n  endpoint:\n    timeout: soon\n")
        text = self.diagnose("--config.file=" + path, output="text")
        self.assertEqual(text.returncode, 2)
        self.assertEqual(text.stdout, "")
        self.assertIn(path + ":3:14: ", text.stderr)
        as_json = self.diagnose("--config.file=" + path)
        self.assertEqual(as_json.returncode, 2)
        doc = json.loads(as_json.stdout)
        self.assertEqual(doc["result"], "config_error")
        self.assertEqual((doc["error"]["line"], doc["error"]["column"]),
                         (3, 14))
        bad_flag = harness.run_exporter(["diagnose", "--output=yaml"])
        self.assertEqual(bad_flag.returncode, 2)
        self.assertIn("--output: invalid format", bad_flag.stderr)


if __name__ == "__main__":
    unittest.main()
