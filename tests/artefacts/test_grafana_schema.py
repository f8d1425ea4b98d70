"""Both dashboards against Grafana's own published dashboard schema.

Grafana cannot run here (not packaged in Debian 12, no download in CI), so
this is the closest check to "imports into Grafana": Grafana publishes its
dashboard schema, generated from the CUE schema in its source tree, as the
npm package @grafana/schema (TypeScript types). scripts/install-grafana-schema
installs the versions pinned in tests/grafana-schema/package-lock.json
(10.4.x and 11.6.x, the Grafana versions dashboards/README.md names) and the
TypeScript compiler into a cache; this test pastes each dashboard as an
object literal typed tests/grafana-schema/checked-dashboard.ts and runs
`tsc --noEmit`, once per Grafana version. See that file for what exactly
the type covers. Deliberately broken copies of a dashboard must be rejected
at the broken line, so the check is known to be able to fail.

Needs no network (the cache is filled by the ctest fixture
dashboards.grafana_schema_install, which runs the install script); fails,
not skips, when the cache, node or npm is missing.
"""

import copy
import json
import pathlib
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "grafana-schema"
DASHBOARDS = [ROOT / "dashboards" / "entra-pta-overview.json",
              ROOT / "dashboards" / "entra-pta-agent.json"]
# npm alias in tests/grafana-schema/package.json -> Grafana minor version.
SCHEMAS = {"grafana-schema-10.4": "10.4.", "grafana-schema-11.6": "11.6."}
HEADER = ('import type { CheckedDashboard } from "./checked-dashboard"; '
          "export const dashboard: CheckedDashboard = ")
TSC_ERROR = re.compile(r"^(?P<file>[^()\s]+)\((?P<line>\d+),(?P<column>\d+)\): "
                       r"error (?P<message>.*)$")


def first_panel(dashboard, predicate):
    for panel in dashboard["panels"]:
        for candidate in [panel] + panel.get("panels", []):
            if candidate.get("type") != "row" and predicate(candidate):
                return candidate
    raise AssertionError("no panel matches")


def break_grid_pos(dashboard):
    first_panel(dashboard, lambda p: True)["gridPos"] = "x"
    return '"gridPos"'


def break_unknown_field(dashboard):
    first_panel(dashboard, lambda p: True)["maxDataPonts"] = 100
    return '"maxDataPonts"'


def break_enum_value(dashboard):
    panel = first_panel(
        dashboard, lambda p: "thresholds" in p["fieldConfig"]["defaults"])
    panel["fieldConfig"]["defaults"]["thresholds"]["mode"] = "absolut"
    return '"mode": "absolut"'


def break_plugin_option(dashboard):
    panel = first_panel(dashboard, lambda p: p["type"] == "timeseries")
    panel["options"]["legend"]["showLegend"] = "yes"
    return '"showLegend": "yes"'


def break_panel_type(dashboard):
    first_panel(dashboard, lambda p: True)["type"] = "graph"
    return '"type": "graph"'


def break_variable_current(dashboard):
    dashboard["templating"]["list"][0]["current"] = {}
    return '"current": {}'


def break_numeric_enum(dashboard):
    dashboard["graphTooltip"] = 7  # DashboardCursorSync is 0, 1 or 2
    return '"graphTooltip": 7'


BREAKAGES = [break_grid_pos, break_unknown_field, break_enum_value,
             break_numeric_enum, break_plugin_option, break_panel_type,
             break_variable_current]


class GrafanaSchemaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for program in ("node", "npm"):
            if shutil.which(program) is None:
                raise AssertionError(
                    f"{program} not found: run scripts/install-deps")
        result = subprocess.run(
            [str(ROOT / "scripts" / "install-grafana-schema")],
            capture_output=True, text=True, check=False, timeout=600)
        if result.returncode != 0:
            raise AssertionError("scripts/install-grafana-schema failed:\n"
                                 + result.stderr)
        cls.node_modules = pathlib.Path(result.stdout.strip()) / "node_modules"
        cls.tmp = tempfile.TemporaryDirectory(prefix="grafana-schema-")
        try:
            cls.results = cls.compile_all(pathlib.Path(cls.tmp.name))
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def compile_all(cls, work):
        """Runs tsc for every schema version in parallel; returns
        {alias: (inputs, errors, tsc exit status)} where inputs is
        {stem: (json_path, json_text, marker of the broken line or None)}."""
        inputs = {}
        for dashboard_path in DASHBOARDS:
            text = dashboard_path.read_text(encoding="utf-8")
            inputs[dashboard_path.stem] = (dashboard_path, text, None)
        base = json.loads(DASHBOARDS[0].read_text(encoding="utf-8"))
        for breakage in BREAKAGES:
            broken = copy.deepcopy(base)
            marker = breakage(broken)
            text = json.dumps(broken, indent=2) + "\n"
            path = work / f"{breakage.__name__}.json"
            path.write_text(text, encoding="utf-8")
            inputs[breakage.__name__] = (path, text, marker)

        processes = {}
        for alias in SCHEMAS:
            project = work / alias
            project.mkdir()
            shutil.copy(SPEC / "checked-dashboard.ts", project)
            declarations = work / f"{alias}-declarations"
            subprocess.run(
                ["node", str(SPEC / "optional-defaults.js"),
                 str(cls.node_modules), alias, str(declarations)],
                capture_output=True, text=True, check=True, timeout=120)
            for stem, (_, text, _) in inputs.items():
                # The header shares line 1 with the JSON's opening brace, so
                # line N of the .ts file is line N of the JSON file.
                (project / f"{stem}.ts").write_text(
                    HEADER + text.rstrip("\n") + ";\n", encoding="utf-8")
            (project / "tsconfig.json").write_text(json.dumps({
                "compilerOptions": {
                    "strict": True, "noEmit": True, "target": "es2022",
                    "module": "commonjs", "moduleResolution": "node10",
                    "types": [], "skipLibCheck": True,
                    "baseUrl": str(cls.node_modules),
                    "paths": {
                        "@grafana/schema": [
                            str(declarations / "dist" / "esm" / "index")],
                        "@grafana/schema/*": [str(declarations / "*")],
                    },
                },
                "files": ["checked-dashboard.ts"]
                         + [f"{stem}.ts" for stem in inputs],
            }), encoding="utf-8")
            processes[alias] = subprocess.Popen(
                ["node", str(cls.node_modules / "typescript" / "bin" / "tsc"),
                 "-p", "tsconfig.json", "--pretty", "false"],
                cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True)
        results = {}
        for alias, process in processes.items():
            output, _ = process.communicate(timeout=300)
            errors = []
            for line in output.splitlines():
                match = TSC_ERROR.match(line)
                if match:
                    errors.append(match.groupdict())
                elif line.startswith(" ") and errors:
                    errors[-1]["message"] += "\n" + line
                elif line.strip():
                    errors.append({"file": "?", "line": "0", "column": "0",
                                   "message": line})
            results[alias] = (inputs, errors, process.returncode)
        return results

    def test_installed_schema_versions_are_the_targeted_grafana_versions(self):
        for alias, prefix in SCHEMAS.items():
            package = json.loads(
                (self.node_modules / alias / "package.json").read_text())
            self.assertEqual(package["name"], "@grafana/schema")
            self.assertTrue(package["version"].startswith(prefix),
                            f"{alias} is {package['version']}")

    def test_dashboards_conform_to_the_schema(self):
        for alias, (inputs, errors, _) in self.results.items():
            for stem, (path, text, marker) in inputs.items():
                if marker is not None:
                    continue
                mine = [e for e in errors if e["file"] == f"{stem}.ts"]
                lines = text.splitlines()
                report = "\n".join(
                    f"{path.relative_to(ROOT)}:{e['line']}:{e['column']}: "
                    f"{e['message']}\n    {lines[int(e['line']) - 1].strip()}"
                    for e in mine)
                with self.subTest(schema=alias, dashboard=path.name):
                    self.assertEqual(mine, [], f"@grafana/schema "
                                     f"({alias}) rejects:\n{report}")
            # Errors outside the test inputs (the type file, the setup)
            # would make every verdict meaningless.
            stray = [e for e in errors if e["file"] not in
                     {f"{stem}.ts" for stem in inputs}]
            self.assertEqual(stray, [], alias)

    def test_broken_copies_are_rejected_at_the_broken_line(self):
        for alias, (inputs, errors, returncode) in self.results.items():
            self.assertNotEqual(returncode, 0, alias)
            for stem, (_, text, marker) in inputs.items():
                if marker is None:
                    continue
                lines = text.splitlines()
                with self.subTest(schema=alias, breakage=stem):
                    mine = [e for e in errors if e["file"] == f"{stem}.ts"]
                    self.assertTrue(mine, f"{stem} passed the schema check")
                    at_marker = [e for e in mine
                                 if marker in lines[int(e["line"]) - 1]]
                    self.assertTrue(
                        at_marker,
                        f"{stem}: no error on a line with {marker}; got "
                        + "; ".join(f"{e['line']}: {e['message']}"
                                    for e in mine))


if __name__ == "__main__":
    unittest.main()
