"""Tests of the shipped monitoring artefacts: the Grafana dashboards
(dashboards/*.json), their provisioning files, the alert rules
(alerts/entra-pta.rules.yml), their unit tests and docs/runbooks.md.

Static part: the dashboard conventions of Grafana's dashboard linter
(templated datasource, job and instance variables used in every query,
$__rate_interval in rates, a unit and a description on every panel, stable
uids), the structure of the provisioning files, and that every alert has
a runbook section and a firing unit test.

Live part: a real Prometheus (Debian package, 127.0.0.1) scrapes the real
exporter (heartbeat collector on a trace directory with a 3-hour-old trace
file) and a static target serving tests/fixtures/planned-collectors.prom,
the metric families of the collectors still being built, named as their
issues specify. It loads the shipped rules (with `for:` shortened so that
alerts fire within the test). Every alert expression must evaluate without
error, and every dashboard query (Grafana variables substituted) must
evaluate without error and return data.

Grafana itself is not packaged in Debian 12 and cannot be downloaded here,
so the dashboards are not imported into a running Grafana; their JSON model
is checked against the documented schema fields instead.
"""

import importlib.util
import json
import os
import re
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DASHBOARD_DIR = os.path.join(ROOT, "dashboards")
DASHBOARDS = {"entra-pta-overview.json": "entra-pta-overview",
              "entra-pta-agent.json": "entra-pta-agent"}
RULES = os.path.join(ROOT, "alerts", "entra-pta.rules.yml")
RULE_TESTS = os.path.join(ROOT, "alerts", "tests")
RUNBOOKS = os.path.join(ROOT, "docs", "runbooks.md")
FIXTURE = os.path.join(ROOT, "tests", "fixtures", "planned-collectors.prom")
RUNBOOK_BASE = ("https://github.com/entra-pta-exporter/entra-pta-exporter/"
                "blob/main/docs/runbooks.md#")
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}

# Every alert issues 6 and 16 ask for, by the name the rules give it.
REQUIRED_ALERTS = {
    "EntraPTAAgentServiceNotRunning", "EntraPTAUpdaterServiceNotRunning",
    "EntraPTAAgentRestartingRepeatedly", "EntraPTAHeartbeatStale",
    "EntraPTAHeartbeatLate", "EntraPTACloudAgentInactive",
    "EntraPTAFewerThanThreeActiveAgents", "EntraPTAOnlyOneActiveAgent",
    "EntraPTANoActiveAgents", "EntraPTAAgentCannotReachDomainController",
    "EntraPTAAgentCannotReachCloud", "EntraPTAAgentErrorEvents",
    "EntraPTAEndpointUnreachable", "EntraPTAEndpointSlow",
    "EntraPTATLSInterceptionDetected", "EntraPTAAgentCertificateExpiring",
    "EntraPTAAgentOutdated", "EntraPTADomainControllerUnreachable",
    "EntraPTANoDomainControllerDiscovered", "EntraPTAExporterDown",
    "EntraPTACollectorFailing",
    # issue 16
    "EntraPTASignInFailuresADUnreachable", "EntraPTASignInFailuresTimeouts",
    "EntraPTASignInFailuresDecryption", "EntraPTADirectorySyncStale",
    "EntraPTASyncServiceNotRunning",
}

# Grafana variables as a query would see them: all jobs and instances
# selected, Grafana's $__rate_interval for a 1s scrape interval (4 x 1s).
GRAFANA_VARIABLES = {"$job": "entra_pta", "$instance": ".+",
                     "$__rate_interval": "4s", "$__range": "1h",
                     "$__interval": "1s"}

METRIC_RE = re.compile(r"\b(entra_pta_[a-z0-9_]+|up|ALERTS)\b(\{[^}]*\})?")


def substitute_variables(expr):
    for name in sorted(GRAFANA_VARIABLES, key=len, reverse=True):
        expr = expr.replace(name, GRAFANA_VARIABLES[name])
    return expr


def load_dashboards():
    boards = {}
    for name in DASHBOARDS:
        with open(os.path.join(DASHBOARD_DIR, name), encoding="utf-8") as f:
            boards[name] = json.load(f)
    return boards


def panels_of(board):
    """Every panel, including those nested in collapsed rows."""
    for panel in board["panels"]:
        yield panel
        for inner in panel.get("panels", []):
            yield inner


def dashboard_queries(boards):
    """[(where, expr)] for every panel target and every variable query."""
    queries = []
    for name, board in boards.items():
        for panel in panels_of(board):
            for t in panel.get("targets", []):
                queries.append(("%s panel %r %s" % (name, panel["title"], t["refId"]),
                                t["expr"]))
        for var in board["templating"]["list"]:
            if var["type"] == "query":
                m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", var["query"])
                if m:
                    queries.append(("%s variable %s" % (name, var["name"]),
                                    m.group(1)))
    return queries


def parse_simple_yaml(text):
    """A parser for the YAML subset the provisioning files use: block
    mappings, block sequences of mappings, plain and quoted scalars,
    comments. Raises ValueError on anything else, so a file that strays
    from the subset fails the test rather than passing unchecked."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if stripped.strip():
            if "\t" in raw:
                raise ValueError("line %d: tab" % number)
            lines.append((number, len(stripped) - len(stripped.lstrip()), stripped.strip()))

    def scalar(value):
        if value[:1] in "'\"":
            if len(value) < 2 or value[-1] != value[0]:
                raise ValueError("unterminated quote: " + value)
            return value[1:-1]
        if value in ("true", "false"):
            return value == "true"
        if re.fullmatch(r"-?\d+", value):
            return int(value)
        if value[:1] in "[{&*!|>":
            raise ValueError("unsupported YAML: " + value)
        return value

    def block(i, indent):
        if lines[i][2].startswith("- "):
            return sequence(i, indent)
        return mapping(i, indent)

    def mapping(i, indent):
        result = {}
        while i < len(lines) and lines[i][1] == indent and not lines[i][2].startswith("- "):
            number, _, content = lines[i]
            m = re.fullmatch(r"([A-Za-z_][\w.-]*):(?:\s+(.*))?", content)
            if not m:
                raise ValueError("line %d: not a key: %s" % (number, content))
            key, value = m.group(1), m.group(2)
            if key in result:
                raise ValueError("line %d: duplicate key %s" % (number, key))
            if value is None:
                if i + 1 < len(lines) and lines[i + 1][1] > indent:
                    result[key], i = block(i + 1, lines[i + 1][1])
                    continue
                result[key] = None
            else:
                result[key] = scalar(value)
            i += 1
        if i < len(lines) and lines[i][1] > indent:
            raise ValueError("line %d: bad indentation" % lines[i][0])
        return result, i

    def sequence(i, indent):
        result = []
        while i < len(lines) and lines[i][1] == indent and lines[i][2].startswith("- "):
            number, _, content = lines[i]
            # "- key: value" starts a mapping indented by two more columns.
            lines[i] = (number, indent + 2, content[2:])
            item, i = mapping(i, indent + 2)
            result.append(item)
        return result, i

    if not lines:
        raise ValueError("empty file")
    document, end = mapping(0, 0)
    if end != len(lines):
        raise ValueError("line %d: unexpected content" % lines[end][0])
    return document


def runbook_anchors():
    """GitHub's anchors for the headings of docs/runbooks.md."""
    anchors = []
    with open(RUNBOOKS, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#{1,6}\s+(.*?)\s*$", line)
            if m:
                text = re.sub(r"[^\w\- ]", "", m.group(1).lower())
                anchors.append(text.replace(" ", "-"))
    return anchors


def alert_names_in_rules():
    with open(RULES, encoding="utf-8") as f:
        return re.findall(r"^\s+- alert: (\w+)\s*$", f.read(), flags=re.M)


class DashboardConventionsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.boards = load_dashboards()

    def test_uids_titles_and_schema_version(self):
        for name, uid in DASHBOARDS.items():
            board = self.boards[name]
            self.assertEqual(board["uid"], uid, name)
            self.assertIn("Entra PTA", board["title"])
            self.assertTrue(board["description"])
            # Grafana 10.4 and 11.x; older ones migrate, newer ones read it.
            self.assertEqual(board["schemaVersion"], 39, name)
            self.assertNotIn("id", board)  # provisioning assigns it

    def test_links_point_at_the_other_dashboard(self):
        uids = set(DASHBOARDS.values())
        for name, board in self.boards.items():
            self.assertTrue(board["links"], name)
            for link in board["links"]:
                m = re.match(r"^/d/([\w-]+)/", link["url"])
                self.assertTrue(m and m.group(1) in uids, link["url"])
                self.assertNotEqual(m.group(1), DASHBOARDS[name])

    def test_templated_datasource_job_and_instance(self):
        for name, board in self.boards.items():
            variables = {v["name"]: v for v in board["templating"]["list"]}
            ds = variables.get("datasource")
            self.assertIsNotNone(ds, name)
            self.assertEqual((ds["type"], ds["query"]), ("datasource", "prometheus"))
            for label in ("job", "instance"):
                var = variables.get(label)
                self.assertIsNotNone(var, "%s: no %s variable" % (name, label))
                self.assertEqual(var["type"], "query")
                self.assertEqual(var["label"], label)
                self.assertEqual(var["datasource"], DATASOURCE)
                self.assertTrue(var["multi"] and var["includeAll"], var)
                self.assertEqual(var["allValue"], ".+")
                self.assertRegex(var["query"], r"^label_values\(.+, %s\)$" % label)
            self.assertIn('job=~"$job"', variables["instance"]["query"])

    def test_every_panel_has_unit_description_datasource_and_scoped_queries(self):
        for name, board in self.boards.items():
            ids = set()
            for panel in panels_of(board):
                where = "%s panel %r" % (name, panel.get("title"))
                self.assertNotIn(panel["id"], ids, where)
                ids.add(panel["id"])
                pos = panel["gridPos"]
                self.assertLessEqual(pos["x"] + pos["w"], 24, where)
                if panel["type"] == "row":
                    continue
                self.assertTrue(panel.get("description", "").strip(), where + ": no description")
                self.assertTrue(panel["fieldConfig"]["defaults"].get("unit"), where + ": no unit")
                self.assertEqual(panel["datasource"], DATASOURCE, where)
                self.assertTrue(panel["targets"], where)
                for t in panel["targets"]:
                    self.assertEqual(t["datasource"], DATASOURCE, where)
                    self.check_query(where, t["expr"])

    def check_query(self, where, expr):
        selectors = METRIC_RE.findall(expr)
        self.assertTrue(selectors, "%s: no metric in %s" % (where, expr))
        for metric, matchers in selectors:
            self.assertIn('job=~"$job"', matchers,
                          "%s: %s without the job matcher in %s" % (where, metric, expr))
            self.assertIn('instance=~"$instance"', matchers,
                          "%s: %s without the instance matcher in %s" % (where, metric, expr))
        for m in re.finditer(r"\b(?:i?rate|increase)\(", expr):
            window = re.search(r"\[([^\]]*)\]", expr[m.end():])
            self.assertTrue(window and window.group(1) == "$__rate_interval",
                            "%s: rate without [$__rate_interval] in %s" % (where, expr))

    def test_checker_rejects_unscoped_and_fixed_rate_queries(self):
        # The convention checks above must be able to fail.
        bad = ['entra_pta_dc_up{job=~"$job"}',
               'up',
               'rate(entra_pta_events_total{job=~"$job",instance=~"$instance"}[5m])']
        for expr in bad:
            with self.assertRaises(AssertionError, msg=expr):
                self.check_query("example", expr)

    def test_json_is_what_generate_py_writes(self):
        spec = importlib.util.spec_from_file_location(
            "generate", os.path.join(DASHBOARD_DIR, "generate.py"))
        generate = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generate)
        for name, build in generate.DASHBOARDS.items():
            with open(os.path.join(DASHBOARD_DIR, name), encoding="utf-8") as f:
                self.assertEqual(f.read(), generate.render(build()),
                                 "%s differs from dashboards/generate.py's output; "
                                 "run python3 dashboards/generate.py" % name)

    def test_provisioning_files(self):
        prov = os.path.join(DASHBOARD_DIR, "provisioning")
        with open(os.path.join(prov, "datasources", "entra-pta.yml"), encoding="utf-8") as f:
            datasources = parse_simple_yaml(f.read())
        self.assertEqual(datasources["apiVersion"], 1)
        self.assertEqual(len(datasources["datasources"]), 1)
        ds = datasources["datasources"][0]
        self.assertEqual((ds["type"], ds["access"]), ("prometheus", "proxy"))
        self.assertRegex(ds["url"], r"^https?://")
        self.assertTrue(ds["name"] and ds["uid"])
        self.assertRegex(ds["jsonData"]["timeInterval"], r"^\d+[smh]$")

        with open(os.path.join(prov, "dashboards", "entra-pta.yml"), encoding="utf-8") as f:
            dashboards = parse_simple_yaml(f.read())
        self.assertEqual(dashboards["apiVersion"], 1)
        provider = dashboards["providers"][0]
        self.assertEqual(provider["type"], "file")
        self.assertTrue(provider["name"] and provider["folder"])
        self.assertTrue(os.path.isabs(provider["options"]["path"]))
        self.assertIsInstance(provider["updateIntervalSeconds"], int)

    def test_simple_yaml_parser_rejects_what_it_does_not_understand(self):
        for text in ["a: [1, 2]\n", "a:\n  - b\n", "a: 1\na: 2\n", "a: 'x\n",
                     "a:\n  b: 1\n   c: 2\n"]:
            with self.assertRaises(ValueError, msg=text):
                parse_simple_yaml(text)
        self.assertEqual(parse_simple_yaml("a:\n  - b: 1\n    c: 'x'\n# z\nd: true\n"),
                         {"a": [{"b": 1, "c": "x"}], "d": True})


class RulesAndRunbooksTest(unittest.TestCase):
    def test_every_required_alert_exists_once(self):
        names = alert_names_in_rules()
        self.assertEqual(len(names), len(set(names)), names)
        self.assertEqual(REQUIRED_ALERTS - set(names), set())
        for name in names:
            self.assertRegex(name, r"^EntraPTA[A-Z][A-Za-z0-9]+$")

    def test_every_alert_has_a_runbook_section(self):
        anchors = runbook_anchors()
        for name in alert_names_in_rules():
            self.assertIn(name.lower(), anchors, "no runbook section for " + name)

    def test_runbook_triage_order(self):
        with open(RUNBOOKS, encoding="utf-8") as f:
            text = f.read()
        steps = ["### 1. Cloud status", "### 2. Outbound 443, proxy and SSL inspection",
                 "### 3. Events 31019 and 31034", "### 4. Restart both services",
                 "### 5. In-place agent upgrade"]
        positions = [text.find(s) for s in steps]
        self.assertNotIn(-1, positions, steps)
        self.assertEqual(positions, sorted(positions))
        restart = text[positions[3]:positions[4]]
        self.assertIn("Restart-Service -Name AzureADConnectAuthenticationAgent", restart)
        self.assertIn("Restart-Service -Name AzureADConnectAgentUpdater", restart)

    def test_every_alert_has_a_firing_unit_test_asserting_its_runbook(self):
        firing = set()
        for name in sorted(os.listdir(RULE_TESTS)):
            with open(os.path.join(RULE_TESTS, name), encoding="utf-8") as f:
                text = f.read()
            for case in re.split(r"\n\s+- eval_time:", text)[1:]:
                m = re.search(r"alertname: (\w+)", case)
                if m and "exp_labels:" in case and \
                        RUNBOOK_BASE + m.group(1).lower() in case:
                    firing.add(m.group(1))
        self.assertEqual(set(alert_names_in_rules()) - firing, set())


class LiveQueriesTest(unittest.TestCase):
    """Every alert expression and dashboard query against a real Prometheus."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_artefacts_")
        trace_dir = os.path.join(cls.tmp.name, "Trace")
        os.mkdir(trace_dir)
        harness.write_trace_file(trace_dir, age_seconds=3 * 3600)
        with open(RULES, encoding="utf-8") as f:
            rules = harness.rules_with_durations(f.read(), "0s")
        rules_path = os.path.join(cls.tmp.name, "rules.yml")
        with open(rules_path, "w", encoding="utf-8") as f:
            f.write(rules)
        with open(FIXTURE, encoding="utf-8") as f:
            cls.fixture_text = f.read()
        cls.fixture = harness.StaticMetricsServer(cls.fixture_text)
        cls.exporter = harness.Exporter(
            config_text="collectors:\n  heartbeat:\n    trace_dir: '%s'\n" % trace_dir)
        try:
            cls.prometheus = harness.Prometheus(
                [cls.exporter.address, cls.fixture.address],
                rule_files=[rules_path])
        except Exception:
            cls.exporter.kill()
            cls.fixture.stop()
            cls.tmp.cleanup()
            raise
        cls.boards = load_dashboards()

    @classmethod
    def tearDownClass(cls):
        cls.prometheus.stop()
        cls.exporter.kill()
        cls.fixture.stop()
        cls.tmp.cleanup()

    def query_status(self, expr):
        url = self.prometheus.url + "/api/v1/query?" + \
            urllib.parse.urlencode({"query": expr})
        status, _, body = harness.http_request(url)
        return status, json.loads(body)

    def test_metric_names_exist(self):
        """Every entra_pta_* name used by rules and dashboards is exposed by
        the real exporter or by the fixture of the planned collectors."""
        _, _, body = self.exporter.get("/metrics")
        exposed = set(re.findall(r"^# TYPE (\w+) ", body.decode() + self.fixture_text, flags=re.M))
        used = set()
        for rule in (r for g in self.prometheus.api("/api/v1/rules")["groups"]
                     for r in g["rules"]):
            used |= set(re.findall(r"\bentra_pta_[a-z0-9_]+", rule["query"]))
            # queries inside annotation templates
            for text in rule.get("annotations", {}).values():
                used |= set(re.findall(r'printf "(?:\w+\()?(entra_pta_[a-z0-9_]+)', text))
        for _, expr in dashboard_queries(self.boards):
            used |= set(re.findall(r"\bentra_pta_[a-z0-9_]+", expr))
        self.assertEqual(used - exposed, set())

    def test_rules_load_with_labels_and_annotations(self):
        groups = self.prometheus.api("/api/v1/rules")["groups"]
        alerts = [r for g in groups for r in g["rules"] if r["type"] == "alerting"]
        self.assertEqual(sorted(r["name"] for r in alerts), sorted(alert_names_in_rules()))
        anchors = runbook_anchors()
        for rule in alerts:
            self.assertEqual(rule["health"], "ok", rule)
            self.assertIn(rule["labels"].get("severity"), ("critical", "warning", "info"), rule["name"])
            self.assertTrue(rule["annotations"].get("summary"), rule["name"])
            self.assertIn("First fix", rule["annotations"].get("description", ""), rule["name"])
            self.assertIn("Likely cause", rule["annotations"].get("description", ""), rule["name"])
            url = rule["annotations"].get("runbook_url", "")
            self.assertEqual(url, RUNBOOK_BASE + rule["name"].lower())
            self.assertIn(url.split("#")[1], anchors)

    def test_every_rule_expression_evaluates(self):
        groups = self.prometheus.api("/api/v1/rules")["groups"]
        for rule in (r for g in groups for r in g["rules"]):
            status, doc = self.query_status(rule["query"])
            self.assertEqual((status, doc.get("status")), (200, "success"),
                             "%s: %s" % (rule["name"], doc))

    def test_every_dashboard_query_returns_data(self):
        pending = dict((where, substitute_variables(expr))
                       for where, expr in dashboard_queries(self.boards))
        self.assertGreater(len(pending), 30)
        for where, expr in pending.items():
            status, doc = self.query_status(expr)
            self.assertEqual((status, doc.get("status")), (200, "success"),
                             "%s: %s -> %s" % (where, expr, doc))
        # Data needs a few scrapes (rates need two samples, ALERTS a rule
        # evaluation): poll until every query has returned a sample.
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            for where, expr in list(pending.items()):
                if self.prometheus.query(expr):
                    del pending[where]
            if pending:
                time.sleep(0.5)
        self.assertEqual(pending, {}, "queries without data")


if __name__ == "__main__":
    unittest.main()
