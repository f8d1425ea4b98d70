"""Test harness: starts the real entra_pta_exporter binary, a real
Prometheus and a real Alertmanager on 127.0.0.1, each in its own temporary
directory, and stops them; receives Alertmanager's webhook notifications.

Every address used here is on 127.0.0.1; ports are either port 0 (the
exporter reports the port it bound in its "listening" log line) or free ports
found by binding 127.0.0.1:0. Processes are killed when a test ends, pass or
fail.
"""

import http.server
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

TRACE_FILE_NAME = "AzureADConnectAuthenticationAgent_20261125.log"


def exporter_binary():
    path = os.environ.get("ENTRA_PTA_EXPORTER")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            "set ENTRA_PTA_EXPORTER to the built entra_pta_exporter binary "
            "(ctest does this)")
    return path


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (for programs that
    cannot listen on port 0 and report the result)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_request(url, method="GET", headers=None, timeout=10, data=None):
    """Returns (status, headers, body bytes); HTTP errors are answers too."""
    req = urllib.request.Request(url, method=method, headers=headers or {},
                                 data=data)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def stop_process(proc, timeout):
    """SIGTERM, then SIGKILL after timeout seconds; nothing if it ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_exporter(args, timeout=30):
    """Runs the binary to completion (for --help, --config.check, ...)."""
    return subprocess.run([exporter_binary()] + list(args),
                          capture_output=True, text=True, timeout=timeout)


def write_trace_file(directory, age_seconds, name=TRACE_FILE_NAME):
    """A trace file whose last write time is age_seconds ago."""
    path = os.path.join(directory, name)
    with open(path, "a", encoding="utf-8") as f:
        f.write("Information: heartbeat\n")
    when = time.time() - age_seconds
    os.utime(path, (when, when))
    return path, when


class Exporter:
    """The real exporter on 127.0.0.1:0, its stderr collected line by line."""

    def __init__(self, args=(), config_text=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_it_")
        cmd = [exporter_binary(), "--web.listen-address=127.0.0.1:0"]
        if config_text is not None:
            config_path = os.path.join(self.tmp.name, "config.yml")
            with open(config_path, "w", encoding="utf-8") as f:
                f.write(config_text)
            cmd.append("--config.file=" + config_path)
        cmd += list(args)
        self.lines = []
        self._lines_lock = threading.Lock()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self.address = self._wait_for_address()
        self.url = "http://" + self.address

    def _read_stderr(self):
        for line in self.proc.stderr:
            with self._lines_lock:
                self.lines.append(line.rstrip("\n"))

    def log_lines(self):
        with self._lines_lock:
            return list(self.lines)

    def _wait_for_address(self, timeout=15):
        deadline = time.monotonic() + timeout
        pattern = re.compile(r'(?:address=|"address":")(127\.0\.0\.1:\d+)')
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if "listening" in line:
                    m = pattern.search(line)
                    if m:
                        return m.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.kill()
        raise RuntimeError("exporter did not report its address; log:\n" +
                           "\n".join(self.log_lines()))

    def get(self, path, **kwargs):
        return http_request(self.url + path, **kwargs)

    def wait_for_log(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if predicate(line):
                    return line
            time.sleep(0.02)
        return None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig and returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            self.kill()
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)  # ends at EOF once the process is gone
        if not self._reader.is_alive():
            self.proc.stderr.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def parse_exposition(text):
    """{(name, frozenset(labels.items())): value} for every sample line."""
    samples = {}
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError("not an exposition line: " + line)
        labels = dict(label_re.findall(m.group(2) or ""))
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return samples


def sample(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


class Prometheus:
    """A real Prometheus (Debian package) on a free 127.0.0.1 port with its
    own temporary storage, scraping the given targets every second."""

    def __init__(self, targets, scrape_interval="1s", scrape_timeout="1s",
                 rule_files=(), alertmanager=None):
        """rule_files: paths of rule files to load; alertmanager: the
        "127.0.0.1:port" of an Alertmanager to send alerts to."""
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_prom_")
        config = {
            "global": {"scrape_interval": scrape_interval,
                       "scrape_timeout": scrape_timeout,
                       "evaluation_interval": scrape_interval},
            "scrape_configs": [{"job_name": "entra_pta",
                                "static_configs": [{"targets": list(targets)}]}],
        }
        if rule_files:
            config["rule_files"] = [os.path.abspath(p) for p in rule_files]
        if alertmanager:
            config["alerting"] = {"alertmanagers": [
                {"static_configs": [{"targets": [alertmanager]}]}]}
        config_path = os.path.join(self.tmp.name, "prometheus.yml")
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(config, f)  # JSON is YAML
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(self.tmp.name, "prometheus.log")
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            ["prometheus", "--config.file=" + config_path,
             "--storage.tsdb.path=" + os.path.join(self.tmp.name, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port,
             "--web.console.templates=" + self.tmp.name,
             "--web.console.libraries=" + self.tmp.name],
            stdout=self._log, stderr=subprocess.STDOUT)
        self._wait_ready()

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def _wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                status, _, _ = http_request(self.url + "/-/ready", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        log = self.log()
        self.stop()
        raise RuntimeError("Prometheus did not become ready; log:\n" + log)

    def query(self, expr):
        """The instant vector for expr, as a list of (labels, value)."""
        url = self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        status, _, body = http_request(url)
        doc = json.loads(body)
        if status != 200 or doc.get("status") != "success":
            raise RuntimeError("query %r failed: %s" % (expr, body[:500]))
        return [(r["metric"], float(r["value"][1])) for r in doc["data"]["result"]]

    def api(self, path):
        """The "data" member of a GET on Prometheus's HTTP API (e.g.
        "/api/v1/rules"); raises on an error answer."""
        status, _, body = http_request(self.url + path)
        doc = json.loads(body)
        if status != 200 or doc.get("status") != "success":
            raise RuntimeError("GET %s failed: %s" % (path, body[:500]))
        return doc["data"]

    def wait_for_value(self, expr, expected, timeout=30):
        """Polls until expr returns exactly one sample equal to expected;
        returns the last result either way, for the assertion message."""
        deadline = time.monotonic() + timeout
        result = []
        while time.monotonic() < deadline:
            result = self.query(expr)
            if len(result) == 1 and result[0][1] == expected:
                return result
            time.sleep(0.25)
        return result

    def stop(self):
        stop_process(self.proc, timeout=20)
        self._log.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def rules_with_durations(text, duration):
    """The rule file text with every `for:` duration replaced by duration.
    Production durations are minutes (so that a blip does not page); tests
    that must see an alert fire within seconds load such a copy, keeping the
    shipped expressions, labels and annotations. Raises when the text has no
    `for:` at all, so a changed file cannot leave the long durations in."""
    result, count = re.subn(r"^(\s+for: )\S+$", r"\g<1>" + duration, text,
                            flags=re.M)
    if count == 0:
        raise ValueError("no `for:` durations found to rewrite")
    return result


def substitute(pattern, replacement, text, what):
    """re.subn (multi-line) that insists on at least one match, so a change
    to a shipped file cannot silently leave the production value in place
    in a test's copy."""
    result, count = re.subn(pattern, replacement, text, flags=re.M)
    if count == 0:
        raise AssertionError("no %s found to rewrite" % what)
    return result


def alertmanager_config_for_test(text, receiver_url):
    """The shipped alerts/alertmanager.yml with its webhook pointed at
    receiver_url and its grouping waits at 1 s, so a page arrives within
    seconds."""
    text = substitute(r"http://alert-bridge\.example\.com", receiver_url, text,
                      "receiver URL")
    text = substitute(r"^(\s+group_wait: )\S+$", r"\g<1>1s", text, "group_wait")
    return substitute(r"^(\s+group_interval: )\S+$", r"\g<1>1s", text,
                      "group_interval")


class StaticMetricsServer:
    """Serves a fixed exposition text at /metrics on 127.0.0.1:0, as a
    Prometheus target standing in for collectors that are not built yet."""

    def __init__(self, text):
        body = text.encode("utf-8")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/metrics":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type",
                                 "text/plain; version=0.0.4; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def wait_until_ready(proc, url, what, log_text, timeout=60):
    """Polls url (a /-/ready endpoint) until it answers 200; raises with the
    program's log if the process exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            status, _, _ = http_request(url, timeout=2)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError("%s did not become ready; log:\n%s" % (what, log_text()))


class Alertmanager:
    """A real Alertmanager (Debian package prometheus-alertmanager) on a free
    127.0.0.1 port with its own temporary storage and clustering disabled
    (an empty --cluster.listen-address), loading config_text."""

    BINARY = "/usr/bin/prometheus-alertmanager"

    def __init__(self, config_text):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_am_")
        self.config_path = os.path.join(self.tmp.name, "alertmanager.yml")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(config_text)
        self.port = free_port()
        self.address = "127.0.0.1:%d" % self.port
        self.url = "http://" + self.address
        self.log_path = os.path.join(self.tmp.name, "alertmanager.log")
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [self.BINARY, "--config.file=" + self.config_path,
             "--storage.path=" + os.path.join(self.tmp.name, "data"),
             "--web.listen-address=" + self.address,
             "--cluster.listen-address="],
            stdout=self._log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(self.proc, self.url + "/-/ready", "Alertmanager",
                             self.log)
        except RuntimeError:
            self.stop()
            raise

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alerts(self):
        """The alerts Alertmanager holds (API v2), with their status
        (active, suppressed with inhibitedBy, ...)."""
        status, _, body = http_request(self.url + "/api/v2/alerts")
        if status != 200:
            raise RuntimeError("GET /api/v2/alerts: %d %s" % (status, body[:300]))
        return json.loads(body)

    def stop(self):
        stop_process(self.proc, timeout=20)
        self._log.close()
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def explain_alerting(receiver, exporter, prometheus, alertmanager):
    """What an alerting test prints when a notification did not come: what
    the receiver got and the tails of the three programs' logs."""
    return ("notifications: %r\nexporter log:\n%s\nprometheus log:\n%s\n"
            "alertmanager log:\n%s" % (
                receiver.notifications(),
                "\n".join(exporter.log_lines()[-20:]),
                prometheus.log()[-3000:],
                alertmanager.log()[-3000:]))


class WebhookReceiver:
    """An HTTP server on 127.0.0.1:0 that records every JSON notification
    Alertmanager POSTs to it, with the request path (one path per
    receiver)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._notifications = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {"unparsable": body.decode("utf-8", "replace")}
                with receiver._lock:
                    receiver._notifications.append((self.path, payload))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)
        self._thread.start()

    def notifications(self):
        """[(path, payload)] in arrival order."""
        with self._lock:
            return list(self._notifications)

    def wait_for(self, predicate, timeout=30):
        """The first (path, payload, alert) whose alert satisfies
        predicate(path, payload, alert), or None after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for path, payload in self.notifications():
                for alert in payload.get("alerts", []):
                    if predicate(path, payload, alert):
                        return path, payload, alert
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
