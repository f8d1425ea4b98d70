"""End to end under Wine: the Windows exporter, installed with its own
`--service install` and started by Wine's SCM next to a simulated PTA agent
installation (simulated_agent.py), is scraped from Linux over 127.0.0.1 by
a real Prometheus loading alerts/entra-pta.rules.yml, which sends to a real
Alertmanager loading alerts/alertmanager.yml, which calls this test's
webhook receiver.

Three breaks, one after the other (EntraPTAAgentServiceNotRunning inhibits
the heartbeat page, so they do not overlap), each repaired again:
- the agent service is stopped -> EntraPTAAgentServiceNotRunning pages;
- the agent logs event 31034 -> EntraPTAAgentCannotReachCloud pages;
- the trace log is 3 hours old -> EntraPTAHeartbeatStale pages.
Then, with all three broken at once, `diagnose` under Wine must name each;
finally `--service uninstall` must leave nothing registered.

Deliberate differences from production, made by rewriting copies of the
shipped files (substitutions that must match, as in tests/e2e):
- `for:` durations become 2s, and the event rules' 15m windows (`[15m]`,
  `offset 15m`) become 20s, so an event alert resolves 20 s after the last
  event instead of 15 minutes;
- Alertmanager's receivers point at this test, group_wait/interval 1s.

Needs: ENTRA_PTA_WINDOWS_EXPORTER (entra_pta_exporter.exe),
ENTRA_PTA_AGENT_STANDIN (entra_pta_agent_standin.exe),
ENTRA_PTA_FAKE_WEVTAPI (the test build's wevtapi.dll); wine, prometheus,
prometheus-alertmanager, openssl. Run inside tests/lib/in-netns.
"""

import json
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import simulated_agent as sim  # noqa: E402
import wine_host  # noqa: E402

RUNBOOK_BASE = ("https://github.com/entra-pta-exporter/entra-pta-exporter/"
                "blob/main/docs/runbooks.md#")
EXPORTER_DIR = r"C:\Program Files\entra-pta-exporter"
EXPORTER_EXE = EXPORTER_DIR + r"\entra_pta_exporter.exe"
EXPORTER_CONFIG = EXPORTER_DIR + r"\entra-pta-exporter.yml"
EXPORTER_SERVICE = "entra_pta_exporter"
STATE_DIR = r"C:\ProgramData\entra-pta-exporter\eventlog"
DLL_OVERRIDES = r"HKCU\Software\Wine\AppDefaults\entra_pta_exporter.exe\DllOverrides"


def rules_for_test(text):
    text = harness.rules_with_durations(text, "2s")
    text = harness.substitute(r"\[15m\]", "[20s]", text, "15m event window")
    return harness.substitute(r"offset 15m", "offset 20s", text, "15m offset")


def exporter_config(port):
    # Wine gives a service %ProgramData% = C:\users\Public: every path is
    # spelled out. The network collectors are off: their default targets
    # fail at DNS in the loopback-only namespace and would page too.
    return "\n".join([
        "web:",
        "  listen_address: '127.0.0.1:%d'" % port,
        "collectors:",
        "  heartbeat:",
        "    trace_dir: '%s'" % sim.TRACE_DIR,
        "  endpoint:",
        "    enabled: false",
        "  tls:",
        "    enabled: false",
        "  service:",
        "    services: [%s, %s]" % (sim.AGENT_SERVICE, sim.UPDATER_SERVICE),
        "  eventlog:",
        "    channels:",
        "      - %s" % sim.AGENT_CHANNEL,
        "      - %s" % sim.UPDATER_CHANNEL,
        "    state_dir: '%s'" % STATE_DIR,
        "  agent:",
        "    binary_path: '%s'" % sim.AGENT_EXE,
        "    registry_key: '%s'" % sim.REGISTRY_KEY,
        "    trust_settings_path: '%s'" % sim.TRUST_SETTINGS,
        ""])


class ServicePagingTest(unittest.TestCase):
    def setUp(self):
        self.started = time.monotonic()
        exporter = wine_host.required_file("ENTRA_PTA_WINDOWS_EXPORTER")
        standin = wine_host.required_file("ENTRA_PTA_AGENT_STANDIN")
        fake_wevtapi = wine_host.required_file("ENTRA_PTA_FAKE_WEVTAPI")
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_wine_e2e_")
        self.addCleanup(self.tmp.cleanup)

        self.wine = wine_host.WineHost()
        self.wine.__enter__()
        self.addCleanup(self.wine.__exit__, None, None, None)
        print("wine prefix %s ready in %.1f s" % (self.wine.prefix,
                                                  self.wine.boot_seconds))

        # The exporter's installation: exe, the fake wevtapi.dll next to it
        # (loaded instead of Wine's through a per-application DLL override,
        # which reaches a service where WINEDLLOVERRIDES does not), config.
        self.exporter_dir = self.wine.unix_path(EXPORTER_DIR)
        self._remove_exporter()
        os.makedirs(self.exporter_dir)
        shutil.copyfile(exporter, self.wine.unix_path(EXPORTER_EXE))
        shutil.copyfile(fake_wevtapi,
                        os.path.join(self.exporter_dir, "wevtapi.dll"))
        self.wine.reg_set(DLL_OVERRIDES, "wevtapi", "native,builtin")
        self.addCleanup(self._remove_exporter)

        self.agent = sim.SimulatedAgent(
            self.wine, standin,
            os.path.join(self.exporter_dir, "fake-wevtapi-channels"))
        self.agent.install()
        self.addCleanup(self.agent.close)
        print("simulated agent installed after %.1f s"
              % (time.monotonic() - self.started))

        self.port = harness.free_port()
        with open(self.wine.unix_path(EXPORTER_CONFIG), "w",
                  encoding="utf-8") as f:
            f.write(exporter_config(self.port))
        installed = self.wine.run([EXPORTER_EXE, "--service", "install",
                                   "--config.file=" + EXPORTER_CONFIG])
        self.assertEqual(installed.returncode, 0, installed)
        self.assertIn("installed service " + EXPORTER_SERVICE, installed.stdout)
        self.wine.start_service(EXPORTER_SERVICE)
        self.address = "127.0.0.1:%d" % self.port

        with open(os.path.join(ROOT, "alerts", "entra-pta.rules.yml"),
                  encoding="utf-8") as f:
            rules = rules_for_test(f.read())
        self.rules_path = os.path.join(self.tmp.name, "entra-pta.rules.yml")
        with open(self.rules_path, "w", encoding="utf-8") as f:
            f.write(rules)
        self.receiver = harness.WebhookReceiver()
        self.addCleanup(self.receiver.stop)
        with open(os.path.join(ROOT, "alerts", "alertmanager.yml"),
                  encoding="utf-8") as f:
            am_config = harness.alertmanager_config_for_test(
                f.read(), self.receiver.url)
        self.alertmanager = harness.Alertmanager(am_config)
        self.addCleanup(self.alertmanager.stop)
        self.prometheus = harness.Prometheus(
            [self.address], rule_files=[self.rules_path],
            alertmanager=self.alertmanager.address)
        self.addCleanup(self.prometheus.stop)

    def _remove_exporter(self):
        if self.wine.service_state(EXPORTER_SERVICE) is not None:
            self.wine.run([EXPORTER_EXE, "--service", "uninstall"])
            self.wine.delete_service(EXPORTER_SERVICE)
        shutil.rmtree(self.exporter_dir, ignore_errors=True)
        shutil.rmtree(self.wine.unix_path(r"C:\ProgramData\entra-pta-exporter"),
                      ignore_errors=True)
        self.wine.reg_delete_key(DLL_OVERRIDES)

    def explain(self):
        metrics = ""
        try:
            metrics = harness.http_request("http://%s/metrics" % self.address,
                                           timeout=5)[2].decode()
        except OSError as e:
            metrics = "(no answer: %s)" % e
        return ("notifications: %s\nfiring: %r\nmetrics:\n%s\n"
                "prometheus log:\n%s\nalertmanager log:\n%s" % (
                    json.dumps(self.receiver.notifications())[-4000:],
                    self.prometheus.query('ALERTS{alertstate="firing"}'),
                    "\n".join(l for l in metrics.splitlines()
                              if l.startswith("entra_pta_")
                              and "_duration_" not in l),
                    self.prometheus.log()[-2000:],
                    self.alertmanager.log()[-2000:]))

    def wait_page(self, alertname, status, timeout=60):
        def match(path, payload, alert):
            return (alert["labels"].get("alertname") == alertname
                    and alert["status"] == status)
        found = self.receiver.wait_for(match, timeout=timeout)
        self.assertIsNotNone(found, "no %s %s\n%s" % (status, alertname,
                                                      self.explain()))
        path, payload, alert = found
        self.assertEqual(path, "/pager")
        self.assertEqual(alert["labels"]["instance"], self.address)
        self.assertEqual(alert["labels"]["severity"], "critical")
        self.assertEqual(alert["annotations"]["runbook_url"],
                         RUNBOOK_BASE + alertname.lower())
        return alert

    def metric(self, expr, expected, what):
        result = self.prometheus.wait_for_value(expr, expected, timeout=60)
        self.assertEqual([v for _, v in result], [expected],
                         "%s: %s\n%s" % (what, expr, self.explain()))

    def test_pages_from_the_windows_service(self):
        # Healthy first: every collector of the Windows binary reads the
        # simulated installation through the real Windows APIs (Wine's).
        self.metric('up{job="entra_pta"}', 1, "scraped from Linux")
        for collector in ("service", "eventlog", "agent", "heartbeat"):
            self.metric('entra_pta_scrape_collector_success{collector="%s"}'
                        % collector, 1, collector + " collector")
        self.metric('entra_pta_service_state{service="%s",state="running"}'
                    % sim.AGENT_SERVICE, 1, "agent service seen running")
        self.metric('entra_pta_service_state{service="%s",state="running"}'
                    % sim.UPDATER_SERVICE, 1, "updater service seen running")
        self.metric('entra_pta_agent_info{version="%s",instance_id="%s",'
                    'tenant_id="%s"}' % (sim.STANDIN_VERSION, sim.INSTANCE_ID,
                                         sim.TENANT_ID), 1,
                    "agent version and ids")
        self.metric("entra_pta_agent_certificate_not_after_timestamp_seconds",
                    self.agent.certificate_not_after, "agent certificate")
        for channel in (sim.AGENT_CHANNEL, sim.UPDATER_CHANNEL):
            self.metric('entra_pta_eventlog_channel_up{channel="%s"}' % channel,
                        1, "fake wevtapi channel in service mode")
        # The 2-hour-old 31034 is history: look_back 0s does not count it.
        self.assertEqual(self.prometheus.query(
            'entra_pta_events_total{event_id="31034"} > 0'), [])
        self.assertEqual(self.prometheus.query(
            'ALERTS{alertstate="firing",severity="critical"}'), [],
            self.explain())
        print("healthy and scraped after %.1f s"
              % (time.monotonic() - self.started))

        # 1. The agent service stops.
        phase = time.monotonic()
        self.agent.stop_agent_service()
        alert = self.wait_page("EntraPTAAgentServiceNotRunning", "firing")
        self.assertEqual(alert["labels"]["service"], sim.AGENT_SERVICE)
        self.agent.start_services()
        self.wait_page("EntraPTAAgentServiceNotRunning", "resolved")
        print("service page fired and resolved in %.1f s"
              % (time.monotonic() - phase))

        # 2. The agent cannot reach the cloud (event 31034).
        phase = time.monotonic()
        self.agent.write_event(sim.AGENT_CHANNEL, 31034, 2,
                               message="The agent could not reach the cloud.")
        alert = self.wait_page("EntraPTAAgentCannotReachCloud", "firing")
        self.assertEqual(alert["labels"]["channel"], sim.AGENT_CHANNEL)
        self.metric('entra_pta_events_total{event_id="31034"}', 1,
                    "one new 31034, the old one not counted")
        # Repair: no further 31034; the (shortened) window passes.
        self.wait_page("EntraPTAAgentCannotReachCloud", "resolved", timeout=90)
        print("event page fired and resolved in %.1f s"
              % (time.monotonic() - phase))

        # 3. The agent's trace log goes quiet for 3 hours.
        phase = time.monotonic()
        self.agent.set_trace_age(3 * 3600)
        self.wait_page("EntraPTAHeartbeatStale", "firing")
        self.agent.set_trace_age(0)
        self.wait_page("EntraPTAHeartbeatStale", "resolved")
        print("heartbeat page fired and resolved in %.1f s"
              % (time.monotonic() - phase))

        # diagnose under Wine, against the same installation broken three
        # ways at once, names each failure.
        phase = time.monotonic()
        self.agent.stop_agent_service()
        self.agent.write_event(sim.AGENT_CHANNEL, 31034, 2,
                               message="The agent could not reach the cloud.")
        self.agent.set_trace_age(3 * 3600)
        report = self.wine.run([EXPORTER_EXE, "diagnose",
                                "--config.file=" + EXPORTER_CONFIG,
                                "--output=json"], timeout=180)
        self.assertEqual(report.returncode, 2, report)
        doc = json.loads(report.stdout)
        failed = {c["alert"]: c for section in doc["sections"]
                  for c in section["checks"] if c["verdict"] == "fail"}
        for alertname in ("EntraPTAAgentServiceNotRunning",
                          "EntraPTAAgentCannotReachCloud",
                          "EntraPTAHeartbeatStale"):
            self.assertIn(alertname, failed, report.stdout)
        self.assertIn(sim.AGENT_SERVICE,
                      json.dumps(failed["EntraPTAAgentServiceNotRunning"]))
        self.assertIn("31034",
                      json.dumps(failed["EntraPTAAgentCannotReachCloud"]))
        print("diagnose under Wine: %.1f s" % (time.monotonic() - phase))

        # Nothing else paged: the simulated installation was healthy apart
        # from the three breaks.
        paged = {a["labels"]["alertname"] for p, n in
                 self.receiver.notifications() if p == "/pager"
                 for a in n.get("alerts", [])}
        self.assertEqual(paged, {"EntraPTAAgentServiceNotRunning",
                                 "EntraPTAAgentCannotReachCloud",
                                 "EntraPTAHeartbeatStale"}, self.explain())

        # Uninstall leaves nothing registered.
        removed = self.wine.run([EXPORTER_EXE, "--service", "uninstall"])
        self.assertEqual(removed.returncode, 0, removed)
        self.assertIsNone(self.wine.service_state(EXPORTER_SERVICE))
        self.assertFalse(self.wine.reg_key_exists(
            r"HKLM\System\CurrentControlSet\Services\entra_pta_exporter"))
        self.assertFalse(self.wine.reg_key_exists(
            r"HKLM\System\CurrentControlSet\Services\EventLog\Application"
            r"\entra_pta_exporter"))
        print("whole test: %.1f s" % (time.monotonic() - self.started))


if __name__ == "__main__":
    unittest.main()
