"""Integration test of the web endpoint: the real entra_pta_exporter binary
with a real --web.config.file (exporter-toolkit format), driven by real
clients: curl, `openssl s_client`, and Python's http.client for raw and
timed requests. The certificates are made here with the openssl command
(a server CA, a client CA, leaves); password hashes with Apache's htpasswd
(Debian apache2-utils), as users make them. Everything listens on 127.0.0.1
in the test's own network namespace."""

import http.client
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

EXT = """\
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[server]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
[client]
basicConstraints = critical,CA:FALSE
extendedKeyUsage = clientAuth
subjectAltName = DNS:scraper.example
"""


def run(args, cwd, **kwargs):
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True,
                          timeout=60, **kwargs)


class Pki:
    """PEM files in one temporary folder; EC P-256 keys (fast to make)."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-web-pki-")
        self.dir = self.tmp.name
        with open(self.path("ext.cnf"), "w") as f:
            f.write(EXT)
        self.ca("server-ca")
        self.ca("client-ca")
        self.ca("rogue-ca")
        self.leaf("server", "server-ca", "server")
        self.leaf("server2", "server-ca", "server")
        self.leaf("client", "client-ca", "client")
        self.leaf("rogue-client", "rogue-ca", "client")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _run(self, args):
        result = run(args, self.dir)
        if result.returncode != 0:
            raise RuntimeError(" ".join(args) + ": " + result.stderr)

    def _key(self, name):
        self._run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                   "ec_paramgen_curve:P-256", "-out", name + ".key"])

    def ca(self, name):
        self._key(name)
        self._run(["openssl", "req", "-new", "-x509", "-key", name + ".key",
                   "-subj", "/O=Test/CN=" + name, "-days", "30", "-extensions",
                   "ca", "-config", "ext.cnf", "-out", name + ".crt"])

    def leaf(self, name, issuer, ext):
        self._key(name)
        self._run(["openssl", "req", "-new", "-key", name + ".key", "-subj",
                   "/O=Test/CN=" + name, "-out", name + ".csr"])
        self._run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA",
                   issuer + ".crt", "-CAkey", issuer + ".key",
                   "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf",
                   "-extensions", ext, "-out", name + ".crt"])

    def serial(self, name):
        out = run(["openssl", "x509", "-noout", "-serial", "-in",
                   name + ".crt"], self.dir).stdout
        return out.strip().split("=")[1].upper()

    def cleanup(self):
        self.tmp.cleanup()


def htpasswd(user, password, cost=10):
    out = subprocess.run(["htpasswd", "-nbBC", str(cost), user, password],
                         capture_output=True, text=True, check=True,
                         timeout=60).stdout
    return out.strip().split(":", 1)[1]


class WebTest(unittest.TestCase):
    """Common helpers: a web config in a temporary folder, the exporter."""

    @classmethod
    def setUpClass(cls):
        cls.pki = Pki()

    @classmethod
    def tearDownClass(cls):
        cls.pki.cleanup()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-web-")
        self.addCleanup(self.tmp.cleanup)
        self.web = os.path.join(self.tmp.name, "web.yml")
        for name in ("server.crt", "server.key"):
            shutil.copy(self.pki.path(name), self.tmp.name)

    def write_web(self, text):
        # Written to a temporary name and renamed, as deployment tools do.
        with open(self.web + ".new", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(self.web + ".new", self.web)

    def start(self, web_text):
        self.write_web(web_text)
        exporter = harness.Exporter(args=["--collectors.enabled=",
                                          "--web.config.file=" + self.web])
        self.addCleanup(exporter.kill)
        return exporter

    def curl(self, exporter, path="/metrics", args=()):
        """(exit code, HTTP status or 0, stderr) of curl over HTTPS."""
        result = subprocess.run(
            ["curl", "-sS", "-o", os.devnull, "-w", "%{http_code}",
             "--max-time", "10", "--cacert", self.pki.path("server-ca.crt")]
            + list(args) + ["https://" + exporter.address + path],
            capture_output=True, text=True, timeout=30)
        status = int(result.stdout) if result.stdout.isdigit() else 0
        return result.returncode, status, result.stderr

    def s_client(self, exporter, args):
        return subprocess.run(
            ["openssl", "s_client", "-connect", exporter.address,
             "-servername", "localhost", "-CAfile",
             self.pki.path("server-ca.crt")] + list(args),
            input="", capture_output=True, text=True, timeout=30)


TLS_CONFIG = """\
tls_server_config:
  cert_file: server.crt
  key_file: server.key
"""


class TlsTest(WebTest):
    def test_tls_1_2_and_1_3_are_accepted(self):
        exporter = self.start(TLS_CONFIG)
        self.assertIn("tls=true", "\n".join(exporter.log_lines()))
        for args in (["--tlsv1.2", "--tls-max", "1.2"], ["--tlsv1.3"]):
            code, status, err = self.curl(exporter, args=args)
            self.assertEqual((code, status), (0, 200), (args, err))
        for flag, protocol in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            result = self.s_client(exporter, [flag])
            self.assertIn("New, %s, Cipher is" % protocol, result.stdout)
            self.assertIn("Verify return code: 0 (ok)", result.stdout)

    def test_tls_1_0_and_1_1_are_refused_by_the_server(self):
        exporter = self.start(TLS_CONFIG)
        for flag in ("-tls1", "-tls1_1"):
            # The client is made willing (security level 0), so the refusal
            # can only come from the server: its "protocol version" alert.
            result = self.s_client(exporter,
                                   [flag, "-cipher", "DEFAULT@SECLEVEL=0"])
            self.assertNotEqual(result.returncode, 0, flag)
            self.assertRegex(result.stderr,
                             r"alert protocol version|unsupported protocol",
                             flag)
            self.assertIn("Cipher is (NONE)", result.stdout)
        # min_version TLS13 refuses TLS 1.2 the same way.
        exporter = self.start(TLS_CONFIG + "  min_version: TLS13\n")
        result = self.s_client(exporter, ["-tls1_2"])
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("alert protocol version", result.stderr)
        self.assertEqual(self.curl(exporter, args=["--tlsv1.3"])[:2], (0, 200))

    def test_plain_http_gets_no_answer_from_a_tls_endpoint(self):
        exporter = self.start(TLS_CONFIG)
        status, _, _ = (0, None, None)
        try:
            status, _, _ = exporter.get("/metrics", timeout=5)
        except (OSError, http.client.HTTPException):
            pass
        self.assertEqual(status, 0)
        self.assertEqual(self.curl(exporter)[:2], (0, 200))  # still serving

    def test_mutual_tls_requires_a_certificate_from_the_client_ca(self):
        shutil.copy(self.pki.path("client-ca.crt"), self.tmp.name)
        exporter = self.start(
            TLS_CONFIG + "  client_auth_type: RequireAndVerifyClientCert\n"
            "  client_ca_file: client-ca.crt\n"
            "  client_allowed_sans: [scraper.example]\n")
        code, status, err = self.curl(exporter)
        self.assertNotEqual(code, 0)
        self.assertEqual(status, 0, err)
        code, status, err = self.curl(
            exporter, args=["--cert", self.pki.path("rogue-client.crt"),
                            "--key", self.pki.path("rogue-client.key")])
        self.assertEqual(status, 0, err)
        code, status, err = self.curl(
            exporter, args=["--cert", self.pki.path("client.crt"), "--key",
                            self.pki.path("client.key")])
        self.assertEqual((code, status), (0, 200), err)

    def test_a_rotated_certificate_is_served_without_restart(self):
        exporter = self.start(TLS_CONFIG)

        def served_serial():
            context = ssl.create_default_context(
                cafile=self.pki.path("server-ca.crt"))
            with socket.create_connection(
                    ("127.0.0.1", int(exporter.address.split(":")[1])),
                    timeout=10) as raw:
                with context.wrap_socket(raw,
                                         server_hostname="localhost") as tls:
                    der = tls.getpeercert(binary_form=True)
            pem = ssl.DER_cert_to_PEM_cert(der)
            out = subprocess.run(["openssl", "x509", "-noout", "-serial"],
                                 input=pem, capture_output=True, text=True,
                                 timeout=30).stdout
            return out.strip().split("=")[1].upper()

        self.assertEqual(served_serial(), self.pki.serial("server"))
        # A keep-alive connection opened before the rotation.
        for name in ("server.crt", "server.key"):
            shutil.copy(self.pki.path(name.replace("server", "server2")),
                        os.path.join(self.tmp.name, name + ".new"))
            os.replace(os.path.join(self.tmp.name, name + ".new"),
                       os.path.join(self.tmp.name, name))
        deadline = time.monotonic() + 10
        while (served_serial() != self.pki.serial("server2")
               and time.monotonic() < deadline):
            time.sleep(0.2)
        self.assertEqual(served_serial(), self.pki.serial("server2"))
        self.assertTrue(exporter.wait_for_log(
            lambda line: "web configuration reloaded" in line))

        # A broken certificate: the last good one stays, one error names it.
        with open(os.path.join(self.tmp.name, "server.crt"), "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\ngarbage\n")
        # The files are looked at when connections come, at most once a
        # second; each connection here still gets the last good certificate.
        located = self.web + ":2:14: tls_server_config.cert_file"
        deadline = time.monotonic() + 10
        while (not any(located in l for l in exporter.log_lines())
               and time.monotonic() < deadline):
            self.assertEqual(served_serial(), self.pki.serial("server2"))
            time.sleep(0.2)
        for _ in range(8):
            self.assertEqual(served_serial(), self.pki.serial("server2"))
            time.sleep(0.25)
        errors = [l for l in exporter.log_lines() if located in l]
        self.assertEqual(len(errors), 1, errors)
        self.assertIn("cannot reload the web configuration", errors[0])
        self.assertNotIn("garbage", "\n".join(exporter.log_lines()))

    def test_invalid_web_config_at_startup_exits_2_with_its_position(self):
        self.write_web(TLS_CONFIG + "  client_auth_type: Sometimes\n")
        result = harness.run_exporter(["--collectors.enabled=",
                                       "--web.listen-address=127.0.0.1:0",
                                       "--web.config.file=" + self.web])
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertTrue(result.stderr.startswith(
            self.web + ":4:21: tls_server_config.client_auth_type: "
            "\"Sometimes\" is not one of"), result.stderr)


def basic(user, password):
    import base64
    token = base64.b64encode((user + ":" + password).encode()).decode()
    return {"Authorization": "Basic " + token}


class BasicAuthTest(WebTest):
    def timed_get(self, exporter, headers):
        start = time.perf_counter()
        status, _, _ = exporter.get("/metrics", headers=headers)
        return status, time.perf_counter() - start

    def test_passwords_users_and_timing(self):
        hash_text = htpasswd("alice", "correct horse")
        exporter = self.start("basic_auth_users:\n  alice: " + hash_text +
                              "\n")
        for path in ("/metrics", "/", "/health", "/version"):
            status, headers, _ = exporter.get(path)
            self.assertEqual(status, 401, path)
            self.assertEqual(headers["WWW-Authenticate"],
                             'Basic realm="entra_pta_exporter", '
                             'charset="UTF-8"')
        # Distinct passwords each time, so no answer comes from the cache.
        wrong, unknown = [], []
        for i in range(9):
            status, seconds = self.timed_get(
                exporter, basic("alice", "wrong %d" % i))
            self.assertEqual(status, 401)
            wrong.append(seconds)
            status, seconds = self.timed_get(
                exporter, basic("mallory%d" % i, "wrong %d" % i))
            self.assertEqual(status, 401)
            unknown.append(seconds)
        wrong_median = statistics.median(wrong)
        unknown_median = statistics.median(unknown)
        # Without the dummy hash an unknown user answers in well under a
        # millisecond against a bcrypt of cost 10 (tens of milliseconds).
        ratio = unknown_median / wrong_median
        self.assertTrue(0.6 < ratio < 1.6,
                        "wrong password %.1f ms, unknown user %.1f ms" %
                        (wrong_median * 1000, unknown_median * 1000))
        print("\nbasic auth: wrong password median %.1f ms, unknown user "
              "median %.1f ms" % (wrong_median * 1000, unknown_median * 1000),
              file=sys.stderr)

        status, first = self.timed_get(exporter,
                                       basic("alice", "correct horse"))
        self.assertEqual(status, 200)
        repeats = []
        for _ in range(5):
            status, seconds = self.timed_get(exporter,
                                             basic("alice", "correct horse"))
            self.assertEqual(status, 200)
            repeats.append(seconds)
        self.assertLess(statistics.median(repeats), first / 3,
                        (first, repeats))
        print("basic auth: first scrape %.1f ms, cached scrapes median %.1f ms"
              % (first * 1000, statistics.median(repeats) * 1000),
              file=sys.stderr)
        log = "\n".join(exporter.log_lines())
        self.assertNotIn("correct horse", log)
        self.assertNotIn(hash_text, log)

    def test_a_new_password_applies_without_restart(self):
        exporter = self.start("basic_auth_users:\n  alice: " +
                              htpasswd("alice", "old", cost=4) + "\n")
        self.assertEqual(exporter.get("/metrics",
                                      headers=basic("alice", "old"))[0], 200)
        self.write_web("basic_auth_users:\n  alice: " +
                       htpasswd("alice", "new", cost=4) + "\n")
        deadline = time.monotonic() + 10
        while (exporter.get("/metrics", headers=basic("alice", "new"))[0]
               != 200 and time.monotonic() < deadline):
            time.sleep(0.2)
        self.assertEqual(exporter.get("/metrics",
                                      headers=basic("alice", "new"))[0], 200)
        self.assertEqual(exporter.get("/metrics",
                                      headers=basic("alice", "old"))[0], 401)


def raw_exchange(address, data, timeout=15):
    """Sends data, returns (everything received, seconds until closed)."""
    host, port = address.split(":")
    start = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(data)
        received = b""
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            received += chunk
    return received, time.monotonic() - start


class PlainHttpHardeningTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.exporter = harness.Exporter(args=["--collectors.enabled="])

    @classmethod
    def tearDownClass(cls):
        cls.exporter.kill()

    def test_slowloris_is_cut_off_while_scrapes_go_on(self):
        host, port = self.exporter.address.split(":")
        slow = socket.create_connection((host, int(port)), timeout=20)
        self.addCleanup(slow.close)
        start = time.monotonic()
        slow.sendall(b"GET /metrics HTTP/1.1\r\n")
        closed_after = None
        while time.monotonic() - start < 20:
            try:
                slow.sendall(b"X")
                slow.settimeout(1)
                if slow.recv(1) == b"":
                    closed_after = time.monotonic() - start
                    break
            except socket.timeout:
                # A normal scrape still works meanwhile.
                status, _, body = self.exporter.get("/metrics")
                self.assertEqual(status, 200)
                self.assertIn(b"entra_pta_exporter_build_info", body)
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - start
                break
        self.assertIsNotNone(closed_after, "the slow connection stayed open")
        # The bound is 10 s for the whole head.
        self.assertGreater(closed_after, 9)
        self.assertLess(closed_after, 13)

    def test_bad_requests(self):
        cases = [
            (b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"a" * 9000 +
             b"\r\n\r\n", b"HTTP/1.1 431 "),
            (b"POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
             b"\r\nhi", b"HTTP/1.1 405 "),
            (b"GET /..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: a\r\n"
             b"Connection: close\r\n\r\n", b"HTTP/1.1 404 "),
            (b"GET /../../etc/passwd HTTP/1.1\r\nHost: a\r\n"
             b"Connection: close\r\n\r\n", b"HTTP/1.1 404 "),
            # Absolute form (RFC 9112 3.2.2): served by its path; the Host
            # rule still applies.
            (b"GET http://example.com/metrics HTTP/1.1\r\nHost: a\r\n"
             b"Connection: close\r\n\r\n", b"HTTP/1.1 200 "),
            (b"GET http://example.com/metrics HTTP/1.1\r\n\r\n",
             b"HTTP/1.1 400 "),
        ]
        for request, status_line in cases:
            received, _ = raw_exchange(self.exporter.address, request)
            self.assertTrue(received.startswith(status_line),
                            (request[:40], received[:80]))
        # What curl sends: POST, DELETE and HEAD.
        for method, expected in (("POST", 405), ("DELETE", 405)):
            status, headers, _ = self.exporter.get("/metrics", method=method)
            self.assertEqual(status, expected)
            self.assertEqual(headers["Allow"], "GET, HEAD")
        result = subprocess.run(
            ["curl", "-sS", "-I", "http://" + self.exporter.address + "/"],
            capture_output=True, text=True, timeout=30)
        self.assertIn("HTTP/1.1 200 OK", result.stdout)
        self.assertIn("Content-Security-Policy: default-src 'none'",
                      result.stdout)
        self.assertIn("X-Frame-Options: DENY", result.stdout)

    def test_keep_alive(self):
        host, port = self.exporter.address.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        self.addCleanup(connection.close)
        sockets = set()
        for path in ("/metrics", "/health", "/version", "/"):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
            sockets.add(id(connection.sock))
            self.assertIsNotNone(connection.sock)
        self.assertEqual(len(sockets), 1)


if __name__ == "__main__":
    unittest.main()
