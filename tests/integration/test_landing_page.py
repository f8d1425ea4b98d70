"""The landing page (`/`) as a person sees it: a real headless Chromium
(Debian chromium and chromium-driver), driven over the W3C WebDriver HTTP
API with urllib, opens the page of running exporters and the test checks
the rendered text (innerText), which pillar is marked as a problem, that a
hostile string from a configured path is shown literally and injects
nothing, and that the browser logged no error or Content-Security-Policy
violation. A full-page screenshot of each case is saved under the build
tree (test-artefacts/landing-*.png) and its path printed.

Two exporters, one browser session, both with the cloud collector signed
in (client secret) to a local HTTPS server answering as Microsoft's token
endpoint and Graph beta do (lib/fake_entra.py), since Microsoft's cloud
cannot be reached from tests:
- healthy-ish: three active agents in Graph; heartbeat with a fresh trace
  log, endpoint and tls against
  nginx serving a genuine-looking chain from the test PKI
  (lib/network_peers.py), plus a plain-HTTP revocation stand-in;
- failing: one active agent and one inactive whose machine name is markup;
  a trace directory whose name is hostile markup (it does not
  exist, so the heartbeat collector fails and its error carries the name),
  an endpoint whose port refuses connections, the genuine nginx reached
  through mitmproxy re-signing TLS (SSL inspection), a proxy password that
  must not appear, the Windows-only service collector (unsupported
  here) and the domain_controller collector asking a DNS server that is
  not there.

Everything runs in a loopback-only network namespace (lib/in-netns);
Microsoft's endpoints are never contacted. The test fails, not skips, when
chromium or chromedriver is missing."""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import fake_entra  # noqa: E402
import harness  # noqa: E402
import network_peers as peers  # noqa: E402

HOSTILE = "<script>alert(1)</script>\"'&"
HOSTILE_MACHINE = "pta02<img src=x onerror=alert(2)>.corp.test"
PROXY_PASSWORD = "hunter2-landing-secret"
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "99999999-0000-4000-8000-000000000000"


def artefact_dir():
    """build/test-artefacts (next to the exporter binary ctest names)."""
    path = os.environ.get("ENTRA_PTA_ARTEFACT_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(harness.exporter_binary())),
        "test-artefacts")
    os.makedirs(path, exist_ok=True)
    return path


def chromium_binary():
    # Debian's /usr/bin/chromium is a shell wrapper; chromedriver works
    # with either, the real binary starts without the wrapper's checks.
    real = "/usr/lib/chromium/chromium"
    if os.access(real, os.X_OK):
        return real
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("chromium is missing (scripts/install-deps "
                           "installs it)")
    return found


class Browser:
    """One chromedriver process and one headless Chromium session, spoken
    to over the W3C WebDriver HTTP API."""

    def __init__(self):
        peers.require("chromedriver", "chromium")
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_browser_")
        self.port = harness.free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        env = dict(os.environ, HOME=self.tmp.name)
        self.driver_log = os.path.join(self.tmp.name, "chromedriver.log")
        self.proc = subprocess.Popen(
            ["chromedriver", "--port=%d" % self.port,
             "--log-path=" + self.driver_log],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.session = None
        try:
            self._wait_ready()
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium_binary(),
                    # --no-sandbox: the namespace sandbox cannot nest in
                    # the test's user namespace; /dev/shm may be tiny.
                    "args": ["--headless=new", "--no-sandbox",
                             "--disable-dev-shm-usage", "--disable-gpu",
                             "--no-first-run", "--window-size=1280,900",
                             "--user-data-dir=" +
                             os.path.join(self.tmp.name, "profile")],
                },
                "goog:loggingPrefs": {"browser": "ALL"},
            }}}
            value = self._call("POST", "/session", caps)
            self.session = value["sessionId"]
        except Exception:
            self.close()
            raise

    def _wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("chromedriver did not become ready; log:\n" +
                           self._log_text())

    def _log_text(self):
        try:
            with open(self.driver_log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def _call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, method=method, data=data,
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                doc = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            doc = json.loads(e.read() or b"{}")
            raise RuntimeError("WebDriver %s %s: %s" %
                               (method, path, doc.get("value")))
        return doc.get("value")

    def _session_call(self, method, path, body=None):
        return self._call(method, "/session/%s%s" % (self.session, path), body)

    def open(self, url):
        self._session_call("POST", "/url", {"url": url})

    def run(self, script, *args):
        """Runs `script` (a function body) in the page; returns its value."""
        return self._session_call("POST", "/execute/sync",
                                  {"script": script, "args": list(args)})

    def browser_log(self):
        """Console and network messages since the last call (chromedriver's
        log endpoint, outside W3C but supported by chromedriver)."""
        return self._session_call("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path):
        """A PNG of the whole page: the window is made as tall as it."""
        height = self.run("return Math.ceil(document.documentElement"
                          ".scrollHeight);")
        self._session_call("POST", "/window/rect",
                           {"width": 1280, "height": max(600, int(height))})
        png = base64.b64decode(self._session_call("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        self._session_call("POST", "/window/rect",
                           {"width": 1280, "height": 900})
        return png

    def close(self):
        if self.session is not None and self.proc.poll() is None:
            try:
                self._call("DELETE", "/session/" + self.session, timeout=20)
            except (OSError, RuntimeError):
                pass
        self.session = None
        harness.stop_process(self.proc, timeout=10)
        self.tmp.cleanup()


def endpoint_config(pki, targets, trace_dir, entra, secret_file,
                    extra_endpoint="", extra_collectors=""):
    """Heartbeat, endpoint, tls and cloud (against the fake Entra/Graph,
    signed in with a client secret read from secret_file)."""
    lines = ["tenant:", "  id: " + TENANT,
             "collectors:",
             "  cloud:",
             "    enabled: true",
             "    client_id: " + CLIENT_ID,
             "    authority_url: " + entra.url,
             "    graph_url: " + entra.url,
             "    ca_file: '%s'" % entra.ca_file,
             "    state_file: '%s'" % os.path.join(
                 os.path.dirname(secret_file),
                 "state-%s.json" % os.path.basename(trace_dir)[:8]),
             "    refresh_interval: 1s",
             "    request_timeout: 2s",
             "    auth: client_secret",
             "    client_secret_file: '%s'" % secret_file,
             "  heartbeat:",
             "    trace_dir: '%s'" % trace_dir.replace("'", "''"),
             "  endpoint:",
             "    default_targets: false",
             "    proxy_from_environment: false",
             "    timeout: 3s",
             "    ca_file: '%s'" % pki.root]
    lines += ["    " + line for line in extra_endpoint.splitlines() if line]
    lines.append("    targets:")
    for name, url in targets:
        lines += ["      - name: " + name, "        url: " + url]
    lines += ["  tls:",
              "    allowed_issuers: ['%s']" % peers.TestPki.ISSUING_NAME,
              "    allowed_roots: ['%s']" % peers.TestPki.ROOT_NAME]
    lines += ["  " + line for line in extra_collectors.splitlines() if line]
    return "\n".join(lines) + "\n"


# innerText of an element, and the data-state of the pillars.
TEXT_OF = "var e = document.querySelector(arguments[0]); " \
          "return e ? e.innerText : null;"
STATES = ("var out = {}; document.querySelectorAll('section.pillar')"
          ".forEach(function (s) { out[s.id] = s.dataset.state; }); "
          "return out;")


class LandingPageBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        peers.require("chromium", "chromedriver", "nginx", "mitmdump",
                      "openssl")
        cls.closers = []
        try:
            cls.artefacts = artefact_dir()
            cls.pki = peers.TestPki()
            cls.closers.append(cls.pki.close)
            cls.nginx = peers.Nginx(cls.pki)
            cls.closers.append(cls.nginx.close)
            cls.mitm = peers.Mitmdump()
            cls.closers.append(cls.mitm.close)
            cls.entra_dir = tempfile.TemporaryDirectory(
                prefix="entra_pta_landing_entra_")
            cls.closers.append(cls.entra_dir.cleanup)
            # Microsoft's cloud cannot be reached: a local HTTPS server
            # answers as the token endpoint and Graph beta do.
            cls.entra = fake_entra.FakeEntra(cls.entra_dir.name, TENANT,
                                             CLIENT_ID)
            cls.closers.append(cls.entra.stop)
            cls.secret_file = os.path.join(cls.entra_dir.name, "secret")
            with open(cls.secret_file, "w", encoding="utf-8") as f:
                f.write(cls.entra.client_secret + "\n")
            cls.browser = Browser()
            cls.closers.append(cls.browser.close)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for close in reversed(cls.closers):
            close()
        cls.closers = []

    def start_exporter(self, config_text):
        exporter = harness.Exporter(config_text=config_text)
        self.addCleanup(exporter.kill)
        return exporter

    def scrape(self, exporter):
        """Scrapes until the cloud collector has its first Graph answer
        (it refreshes in the background); returns the last body."""
        deadline = time.monotonic() + 20
        while True:
            status, _, body = exporter.get(
                "/metrics",
                headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"},
                timeout=30)
            self.assertEqual(status, 200)
            text = body.decode()
            if "entra_pta_cloud_api_up 1" in text:
                return text
            if time.monotonic() > deadline:
                self.fail("no Graph refresh; log:\n" +
                          "\n".join(exporter.log_lines()))
            time.sleep(0.2)

    def view(self, exporter, name):
        """Opens the landing page; returns (page text, pillar states),
        saves the screenshot and checks the browser logged no error."""
        self.browser.open(exporter.url + "/")
        self.assertEqual(self.browser.run("return document.title;"),
                         "Entra PTA Exporter")
        text = self.browser.run("return document.body.innerText;")
        states = self.browser.run(STATES)
        path = os.path.join(self.artefacts, "landing-%s.png" % name)
        png = self.browser.screenshot(path)
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        print("\nlanding page screenshot: " + path, file=sys.stderr)
        self.assert_clean_browser_log()
        return text, states

    def pillar_text(self, key):
        return self.browser.run(TEXT_OF, "#pillar-" + key)

    def assert_clean_browser_log(self):
        """No error and no Content-Security-Policy violation (Chromium
        logs those as SEVERE, e.g. "Executing inline script violates the
        following Content Security Policy directive") since the last
        call."""
        entries = self.browser.browser_log()
        bad = [e for e in entries
               if e.get("level") == "SEVERE" or
               "Content Security Policy" in e.get("message", "") or
               "Content-Security-Policy" in e.get("message", "")]
        self.assertEqual(bad, [], entries)

    def assert_no_script_anywhere(self):
        counts = self.browser.run(
            "return [document.scripts.length, "
            "document.querySelectorAll('script,iframe,object,embed,img,"
            "[onload],[onerror],[onclick]').length];")
        self.assertEqual(counts, [0, 0])

    def test_healthy_configuration(self):
        trace_dir = tempfile.TemporaryDirectory(prefix="entra_pta_trace_")
        self.addCleanup(trace_dir.cleanup)
        harness.write_trace_file(trace_dir.name, age_seconds=60)
        genuine = "https://localhost:%d/" % self.nginx.genuine_port
        plain = "http://localhost:%d/" % self.nginx.plain_port
        self.entra.pages = [[
            fake_entra.agent("a%d" % i, "pta0%d.corp.test" % i,
                             "203.0.113.%d" % i, "active")
            for i in (1, 2, 3)]]
        exporter = self.start_exporter(endpoint_config(
            self.pki, [("login", genuine), ("crl", plain)], trace_dir.name,
            self.entra, self.secret_file))

        # Before any scrape the page says so instead of guessing.
        text, states = self.view(exporter, "not-scraped")
        self.assertEqual(states["pillar-network"], "not-scraped-yet")
        self.assertEqual(states["pillar-agent"], "not-scraped-yet")
        self.assertIn("NOT SCRAPED YET", text)
        self.assertIn("Nothing scraped yet", text)
        self.assertNotIn("No problem found", text)

        body = self.scrape(exporter)
        self.assertIn('entra_pta_endpoint_up{endpoint="login"} 1', body)
        text, states = self.view(exporter, "healthy")
        self.assertEqual(states, {"pillar-cloud": "ok",
                                  "pillar-network": "ok",
                                  "pillar-agent": "ok",
                                  "pillar-domain_controller": "not-enabled"})
        overview = self.browser.run(TEXT_OF, "#overview")
        self.assertIn("No problem found in the last scrape.", overview)
        for label in ("OK", "NOT ENABLED"):
            self.assertIn(label, overview)
        cloud = self.pillar_text("cloud")
        # The verdict engine's passed checks, worded as diagnose words them.
        self.assertIn("Active agents in the tenant: 3 active, 0 inactive "
                      "(Microsoft recommends at least 3 active).", cloud)
        network = self.pillar_text("network")
        self.assertIn("Network to Microsoft", network)
        self.assertRegex(network, r"Endpoint login: reachable on port \d+: "
                                  r"HTTP \d+ in [0-9.]+ s\.")
        self.assertIn("SSL inspection: no SSL inspection: every https "
                      "endpoint (1) presents a chain from the allowed "
                      "issuers.", network)
        self.assertIn("Last scrape: ", network)
        agent = self.pillar_text("agent")
        # The trace file is 60 s old when written: "1m ago" on the dot,
        # "1m 2s ago" a moment later.
        self.assertRegex(agent, r"Heartbeat: last sign of life "
                                r"(\d+m \d+s|\d+m|\d+s) "
                                r"ago \(threshold 120 minutes")
        self.assertNotIn("Problem:", text)
        # The links a person follows from here.
        links = self.browser.run(
            "return Array.from(document.querySelectorAll('nav a'))"
            ".map(function (a) { return a.getAttribute('href'); });")
        for link in ("/metrics", "/health", "/version"):
            self.assertIn(link, links)
        self.assertTrue(any(l.endswith("docs/runbooks.md") for l in links),
                        links)
        self.assert_no_script_anywhere()
        self.assert_clean_browser_log()

    def test_failing_configuration(self):
        hostile_dir = os.path.join(tempfile.gettempdir(),
                                   "entra-pta-absent", HOSTILE)
        genuine = "https://localhost:%d/" % self.nginx.genuine_port
        refused = "https://127.0.0.1:%d/" % peers.refused_port()
        proxy = "http://landing:%s@127.0.0.1:%d" % (PROXY_PASSWORD,
                                                    self.mitm.port)
        self.entra.pages = [[
            fake_entra.agent("a1", "pta01.corp.test", "203.0.113.1",
                             "active"),
            fake_entra.agent("a2", HOSTILE_MACHINE, "203.0.113.2",
                             "inactive")]]
        exporter = self.start_exporter(endpoint_config(
            self.pki, [("login", genuine), ("bootstrap", refused)],
            hostile_dir, self.entra, self.secret_file,
            extra_endpoint="proxy_url: '%s'\nno_proxy: 127.0.0.1" % proxy,
            extra_collectors="service:\n  enabled: true\n"
                             "domain_controller:\n  enabled: true\n"
                             "  domain: corp.example.test\n"
                             "  dns_server: 127.0.0.1:%d\n"
                             "  dns_timeout: 1s" % harness.free_port()))
        body = self.scrape(exporter)
        self.assertIn('entra_pta_tls_issuer_match{endpoint="login"} 0', body)
        self.assertIn('entra_pta_endpoint_failure_info{endpoint="bootstrap",'
                      'reason="connect_refused"} 1', body)

        text, states = self.view(exporter, "failing")
        self.assertEqual(states, {"pillar-cloud": "problem",
                                  "pillar-network": "problem",
                                  "pillar-agent": "problem",
                                  "pillar-domain_controller": "problem"})
        overview = self.browser.run(TEXT_OF, "#overview")
        self.assertIn("4 pillars need attention.", overview)

        cloud = self.pillar_text("cloud")
        self.assertIn("Problem: Active agents in the tenant: only one active "
                      "agent, one failure from a tenant-wide lockout; 1 "
                      "active, 1 inactive", cloud)
        self.assertIn("Alert: EntraPTAOnlyOneActiveAgent", cloud)
        # A machine name from Graph with markup in it, shown as text.
        self.assertIn("Entra reports the agent on %s inactive"
                      % HOSTILE_MACHINE, cloud)
        self.assertIn("agent id a2, external IP 203.0.113.2", cloud)
        self.assertIn("PROBLEM", overview)

        network = self.pillar_text("network")
        self.assertIn("Problem: SSL inspection: 1 of 1 endpoints present a "
                      "certificate re-signed by another CA", network)
        self.assertIn("login: SSL inspection detected: its certificate was "
                      "issued by \"mitmproxy\"", network)
        self.assertIn("through proxy http://127.0.0.1:%d" % self.mitm.port,
                      network)
        self.assertIn("Endpoint bootstrap: unreachable on port %s: TCP "
                      "connection refused" % refused.rsplit(":", 1)[1]
                      .rstrip("/"), network)
        self.assertIn("What it means:", network)
        self.assertRegex(network, r"First fix: Test-NetConnection "
                                  r"-ComputerName 127\.0\.0\.1 -Port \d+")
        self.assertIn("exempt *.msappproxy.net", network)

        agent = self.pillar_text("agent")
        # The hostile name is shown literally, as text.
        self.assertIn("the heartbeat collector failed: ", agent)
        self.assertIn(HOSTILE, agent)
        self.assertIn("collectors.heartbeat.trace_dir", agent)
        self.assertIn("UNSUPPORTED ON THIS OS", agent)
        service_state = self.browser.run(
            "return document.querySelector('#collector-service')"
            ".dataset.state;")
        self.assertEqual(service_state, "unsupported")
        dc = self.pillar_text("domain_controller")
        self.assertIn("the domain_controller collector failed: ", dc)
        self.assertIn("no DNS server listening at 127.0.0.1:", dc)
        self.assertIn("First fix: Resolve-DnsName -Type SRV _ldap._tcp.dc."
                      "_msdcs.corp.example.test on this server", dc)
        self.assert_no_script_anywhere()
        # No element came from the hostile string; it is one text node.
        self.assertEqual(self.browser.run(
            "return document.body.innerHTML.indexOf('<script>');"), -1)
        html = self.browser.run("return document.documentElement.outerHTML;")
        for secret in [PROXY_PASSWORD] + self.entra.secrets():
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, html)
        self.assert_clean_browser_log()


if __name__ == "__main__":
    unittest.main()
