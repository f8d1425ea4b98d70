"""`entra_pta_exporter health-check` (the Docker image's HEALTHCHECK and
install.ps1's readiness check) against the real exporter and against local
stand-in servers on 127.0.0.1: healthy exporter, a /health answering 503,
a server that accepts but never answers, a closed port, and a proxy in the
environment that must not be used."""

import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402


def health_check(*args, env=None):
    return subprocess.run([harness.exporter_binary(), "health-check"] + list(args),
                          capture_output=True, text=True, timeout=60, env=env)


class Status503Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class HealthCheckTest(unittest.TestCase):

    def test_healthy_exporter(self):
        with harness.Exporter(["--collectors.enabled=heartbeat"]) as exporter:
            result = health_check("--web.listen-address=" + exporter.address)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout,
                             "healthy: http://%s/health answered HTTP 200\n" % exporter.address)
            # A proxy in the environment (as the container may have for the
            # probes) is not used for the local check.
            env = dict(os.environ, http_proxy="http://127.0.0.1:1",
                       HTTP_PROXY="http://127.0.0.1:1", all_proxy="http://127.0.0.1:1")
            proxied = health_check("--web.listen-address", exporter.address, env=env)
            self.assertEqual(proxied.returncode, 0, proxied.stderr)
            # The all-interfaces form of the same port is the loopback.
            port = exporter.address.rsplit(":", 1)[1]
            result = health_check("--web.listen-address=:" + port)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(exporter.stop(), 0)

    def test_error_status_is_unhealthy(self):
        server = http.server.HTTPServer(("127.0.0.1", 0), Status503Handler)
        server.paths = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            address = "127.0.0.1:%d" % server.server_address[1]
            result = health_check("--web.listen-address=" + address)
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr,
                         "unhealthy: http://%s/health answered HTTP 503\n" % address)
        self.assertEqual(server.paths, ["/health"])

    def test_silent_server_times_out(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # the kernel completes the handshake; nobody answers
        try:
            address = "127.0.0.1:%d" % listener.getsockname()[1]
            started = time.monotonic()
            result = health_check("--web.listen-address=" + address, "--timeout=300ms")
            elapsed = time.monotonic() - started
        finally:
            listener.close()
        self.assertEqual(result.returncode, 1)
        self.assertIn("unhealthy: http://%s/health: " % address, result.stderr)
        self.assertIn("timed out", result.stderr.lower())
        self.assertLess(elapsed, 10)

    def test_closed_port(self):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # bound, never listened: connections are refused
        result = health_check("--web.listen-address=127.0.0.1:%d" % port)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r"^unhealthy: http://127\.0\.0\.1:%d/health: .+\n$" % port)

    def test_flag_errors(self):
        for args, message in (
                (["--web.listen-address=:0"], 'invalid address ":0"'),
                (["--timeout=forever"], 'invalid duration "forever"'),
                (["--config.file=x"], "unknown flag --config.file")):
            result = health_check(*args)
            self.assertEqual(result.returncode, 2, args)
            self.assertIn(message, result.stderr)
        self.assertIn("health-check [--web.listen-address=ADDR]",
                      subprocess.run([harness.exporter_binary(), "--help"],
                                     capture_output=True, text=True, timeout=30).stdout)


if __name__ == "__main__":
    unittest.main()
