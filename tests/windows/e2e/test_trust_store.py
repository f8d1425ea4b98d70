"""The Windows build's TLS verdicts equal the Linux build's (issue 13, item
5). Both exporters probe the same real peers on 127.0.0.1 (the tests'
nginx with a test PKI, mitmproxy as an intercepting proxy; see
tests/lib/network_peers.py): entra_pta_exporter.exe under Wine (OpenSSL and
curl cross-built, Winsock) and the Linux binary, each scraped once per
configuration; every verdict series (endpoint up, status, failure reason,
chain verified, issuer match, the leaf's subject/issuer/root, TLS version)
must be the same.

Without ca_file the .exe trusts Wine's ROOT stores, read by
trust_store_windows.cc: the test root is not there, so the chain does not
verify (as on Linux, whose system store lacks it too); imported into
LocalMachine\\ROOT (by the agent stand-in, Wine has no certutil), the same
probe verifies, which only the Windows store can make happen.

Needs: ENTRA_PTA_WINDOWS_EXPORTER, ENTRA_PTA_EXPORTER (Linux build),
ENTRA_PTA_AGENT_STANDIN; wine, nginx, mitmdump, openssl. Run inside
tests/lib/in-netns.
"""

import hashlib
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import network_peers as peers  # noqa: E402
import wine_host  # noqa: E402

VERDICTS = ("entra_pta_endpoint_up", "entra_pta_endpoint_http_status_code",
            "entra_pta_endpoint_failure_info", "entra_pta_endpoint_info",
            "entra_pta_tls_chain_verified", "entra_pta_tls_issuer_match",
            "entra_pta_tls_version_info", "entra_pta_scrape_collector_success")
# The leaf's identity; fingerprint and serial differ between the leaves
# mitmproxy makes for each connection.
CERT_LABELS = ("endpoint", "subject", "issuer", "root")


def windows_path(unix_path):
    """Wine's Z: drive is the Linux root."""
    return "Z:" + unix_path.replace("/", "\\")


def config(targets, ca_file=None, proxy=None):
    lines = ["collectors:", "  heartbeat:", "    enabled: false",
             "  endpoint:", "    default_targets: false",
             "    proxy_from_environment: false", "    timeout: 5s"]
    if ca_file:
        lines.append("    ca_file: '%s'" % ca_file)
    if proxy:
        lines.append("    proxy_url: '%s'" % proxy)
    lines.append("    targets:")
    for name, url in targets:
        lines += ["      - name: " + name, "        url: " + url]
    lines += ["  tls:",
              "    allowed_issuers: ['%s']" % peers.TestPki.ISSUING_NAME,
              "    allowed_roots: ['%s']" % peers.TestPki.ROOT_NAME]
    # The Windows-only collectors read nothing here.
    lines += ["  service:", "    enabled: false", "  eventlog:",
              "    enabled: false", "  agent:", "    enabled: false"]
    return "\n".join(lines) + "\n"


def verdicts(text):
    samples = harness.parse_exposition(text)
    out = {}
    for (name, labels), value in samples.items():
        labels = dict(labels)
        if name in VERDICTS:
            if name == "entra_pta_scrape_collector_success" and \
                    labels.get("collector") not in ("endpoint", "tls"):
                continue
            out[(name, tuple(sorted(labels.items())))] = value
        elif name == "entra_pta_tls_cert_info":
            out[(name, tuple(sorted((k, v) for k, v in labels.items()
                                    if k in CERT_LABELS)))] = value
    return out


class TrustStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.windows_exe = wine_host.required_file("ENTRA_PTA_WINDOWS_EXPORTER")
        cls.linux_exe = wine_host.required_file("ENTRA_PTA_EXPORTER")
        cls.standin = wine_host.required_file("ENTRA_PTA_AGENT_STANDIN")
        peers.require("wine", "nginx", "mitmdump", "openssl")
        cls.started = time.monotonic()
        cls.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_wine_tls_")
        cls.pki = peers.TestPki()
        cls.nginx = peers.Nginx(cls.pki)
        cls.mitm = peers.Mitmdump()
        cls.wine = wine_host.WineHost()
        cls.wine.__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.wine.__exit__(None, None, None)
        for peer in (cls.mitm, cls.nginx, cls.pki):
            peer.close()
        cls.tmp.cleanup()
        print("trust store test: %.1f s" % (time.monotonic() - cls.started))

    def targets(self):
        return [("genuine", "https://localhost:%d/" % self.nginx.genuine_port),
                ("expired", "https://localhost:%d/" % self.nginx.expired_port),
                ("plain", "http://localhost:%d/" % self.nginx.plain_port)]

    def scrape(self, exe, config_text, windows):
        """Starts one exporter, scrapes /metrics once, stops it."""
        fd, path = tempfile.mkstemp(suffix=".yml", dir=self.tmp.name)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(config_text)
        port = harness.free_port()
        args = ["--config.file=" + (windows_path(path) if windows else path),
                "--web.listen-address=127.0.0.1:%d" % port]
        log_path = path + ".log"
        with open(log_path, "wb") as log:
            cmd = (["wine", exe] if windows else [exe]) + args
            proc = subprocess.Popen(cmd, env=self.wine.env if windows else None,
                                    stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)
        try:
            peers.wait_for_port(port, proc, timeout=60,
                                what="windows exporter" if windows
                                else "linux exporter")
            status, _, body = harness.http_request(
                "http://127.0.0.1:%d/metrics" % port, timeout=60)
            self.assertEqual(status, 200, body)
            return body.decode()
        finally:
            harness.stop_process(proc, timeout=10)
            with open(log_path, encoding="utf-8", errors="replace") as f:
                self.last_log = f.read()

    def both(self, config_windows, config_linux):
        windows = self.scrape(self.windows_exe, config_windows, windows=True)
        linux = self.scrape(self.linux_exe, config_linux, windows=False)
        got = verdicts(windows)
        self.assertEqual(got, verdicts(linux),
                         "windows:\n%s\nlinux:\n%s" % (windows, linux))
        print("\n%s: %d verdict series equal:\n  %s" % (
            self.id().rsplit(".", 1)[-1], len(got), "\n  ".join(
                "%s{%s} %g" % (n, ",".join("%s=%s" % kv for kv in l), v)
                for (n, l), v in sorted(got.items()))))
        return got

    def value(self, got, name, **labels):
        for (n, l), v in got.items():
            if n == name and all(dict(l).get(k) == x for k, x in labels.items()):
                return v
        return None

    def test_direct_with_ca_file_same_verdicts(self):
        got = self.both(
            config(self.targets(), ca_file=windows_path(self.pki.root)),
            config(self.targets(), ca_file=self.pki.root))
        self.assertEqual(self.value(got, "entra_pta_tls_chain_verified",
                                    endpoint="genuine"), 1, got)
        self.assertEqual(self.value(got, "entra_pta_tls_issuer_match",
                                    endpoint="genuine"), 1, got)
        self.assertEqual(self.value(got, "entra_pta_endpoint_up",
                                    endpoint="genuine"), 1, got)
        self.assertEqual(self.value(got, "entra_pta_endpoint_up",
                                    endpoint="plain"), 1, got)
        self.assertEqual(self.value(got, "entra_pta_endpoint_up",
                                    endpoint="expired"), 0, got)
        self.assertEqual(self.value(got, "entra_pta_endpoint_failure_info",
                                    endpoint="expired"), 1, got)

    def test_intercepting_proxy_same_verdicts(self):
        targets = self.targets()[:1]
        got = self.both(
            config(targets, ca_file=windows_path(self.pki.root),
                   proxy=self.mitm.url),
            config(targets, ca_file=self.pki.root, proxy=self.mitm.url))
        self.assertEqual(self.value(got, "entra_pta_tls_issuer_match",
                                    endpoint="genuine"), 0, got)
        self.assertEqual(self.value(got, "entra_pta_tls_chain_verified",
                                    endpoint="genuine"), 0, got)
        self.assertEqual(self.value(got, "entra_pta_tls_cert_info",
                                    endpoint="genuine", issuer="mitmproxy"),
                         1, got)
        self.assertEqual(self.value(got, "entra_pta_endpoint_failure_info",
                                    endpoint="genuine", reason="tls"), 1, got)

    def test_windows_root_store(self):
        targets = self.targets()[:1]
        # The system stores of both lack the test root.
        got = self.both(config(targets), config(targets))
        self.assertEqual(self.value(got, "entra_pta_tls_chain_verified",
                                    endpoint="genuine"), 0, got)
        # In LocalMachine\ROOT, trust_store_windows.cc finds it.
        der = os.path.join(self.tmp.name, "root.der")
        subprocess.run(["openssl", "x509", "-in", self.pki.root, "-outform",
                        "DER", "-out", der], check=True, timeout=60)
        with open(der, "rb") as f:
            thumbprint = hashlib.sha1(f.read()).hexdigest()
        self.wine.check([self.standin, "import-certificate", windows_path(der),
                         "ROOT"])
        try:
            text = self.scrape(self.windows_exe, config(targets), windows=True)
        finally:
            self.wine.check([self.standin, "delete-certificate", thumbprint,
                             "ROOT"])
        got = verdicts(text)
        self.assertEqual(self.value(got, "entra_pta_tls_chain_verified",
                                    endpoint="genuine"), 1, text)
        self.assertEqual(self.value(got, "entra_pta_endpoint_up",
                                    endpoint="genuine"), 1, text)


if __name__ == "__main__":
    unittest.main()
