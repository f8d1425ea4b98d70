"""The Windows ZIP's install scripts (packaging/windows/*.ps1), checked
statically: PowerShell cannot run here (Debian packages no PowerShell, and
the npm registry has no PowerShell implementation, only wrappers that
download one), so .github/workflows/windows.yml runs them for real: the
PowerShell parser, a fresh install, an upgrade and an uninstall on the
runner.

Checked here:
- the ZIP itself: cpack builds it from cmake/Packaging.cmake's Windows
  rules in a stand-in project (a static Linux program named
  entra_pta_exporter.exe in place of the real exe, so no DLLs are
  collected; the vcpkg DLL collection runs only on Windows) and its members
  are checked, among them every file install.ps1 requires;
- every exporter flag and command the scripts pass is in the real binary's
  --help, and the service name is the one `--service install` registers;
- the recovery options are the ones `--service install` sets;
- install.ps1 touches the firewall only under -OpenFirewall, with one named
  inbound TCP rule for the listen port, which uninstall.ps1 removes;
- the upgrade path stops the service before replacing files and keeps an
  existing configuration;
- the scripts are ASCII (Windows PowerShell 5.1 reads a file without a BOM
  in the ANSI code page), their brackets and quotes balance, and no
  double-quoted string has "$name:" (PowerShell reads it as a drive or
  scope qualifier and fails);
- the README's install commands use parameters the scripts declare.
"""

import os
import re
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from windows_zip import install_required_files, layout_problems, strip_comments  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS = os.path.join(ROOT, "packaging", "windows")
INSTALL = os.path.join(SCRIPTS, "install.ps1")
UNINSTALL = os.path.join(SCRIPTS, "uninstall.ps1")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def string_literals(code):
    """(kind, text, line) of each single- or double-quoted string."""
    literals = []
    for number, line in enumerate(code.splitlines(), 1):
        i = 0
        while i < len(line):
            ch = line[i]
            if ch in "'\"":
                end = i + 1
                while end < len(line):
                    if line[end] == ch:
                        if end + 1 < len(line) and line[end + 1] == ch:  # '' or "" escape
                            end += 2
                            continue
                        break
                    if ch == '"' and line[end] == "`":
                        end += 2
                        continue
                    end += 1
                if end >= len(line):
                    raise ValueError("line %d: unterminated string" % number)
                literals.append((ch, line[i + 1:end], number))
                i = end + 1
            else:
                i += 1
    return literals


def balanced(code):
    """Raises ValueError when (), {}, [] do not balance outside strings."""
    pairs = {")": "(", "}": "{", "]": "["}
    stack = []
    for number, line in enumerate(code.splitlines(), 1):
        quote = None
        i = 0
        while i < len(line):
            ch = line[i]
            if quote:
                if ch == "`" and quote == '"':
                    i += 1
                elif ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch in "({[":
                stack.append((ch, number))
            elif ch in ")}]":
                if not stack or stack[-1][0] != pairs[ch]:
                    raise ValueError("line %d: unbalanced %s" % (number, ch))
                stack.pop()
            i += 1
        if quote:
            raise ValueError("line %d: unterminated string" % number)
    if stack:
        raise ValueError("line %d: %s never closed" % (stack[-1][1], stack[-1][0]))


def block_after(code, opening):
    """The text of the {...} block that follows the first match of the
    regular expression `opening`."""
    m = re.search(opening, code)
    if not m:
        raise AssertionError("no match for " + opening)
    start = code.index("{", m.end() - 1)
    depth = 0
    for i in range(start, len(code)):
        if code[i] == "{":
            depth += 1
        elif code[i] == "}":
            depth -= 1
            if depth == 0:
                return code[start:i + 1]
    raise AssertionError("block after %s never closes" % opening)


STAND_IN_PROJECT = """\
cmake_minimum_required(VERSION 3.25)
project(entra_pta_exporter VERSION {version} LANGUAGES C)
# Builds the Windows ZIP's layout on Linux: cmake/Packaging.cmake's Windows
# branch, with a static stand-in for the exe (no DLLs to collect).
set(WIN32 1)
set(VCPKG_INSTALLED_DIR ${{CMAKE_BINARY_DIR}}/vcpkg_installed)
set(VCPKG_TARGET_TRIPLET x64-windows)
file(WRITE ${{CMAKE_BINARY_DIR}}/stand_in.c "int main(void) {{ return 0; }}\\n")
add_executable(entra_pta_exporter ${{CMAKE_BINARY_DIR}}/stand_in.c)
set_target_properties(entra_pta_exporter PROPERTIES SUFFIX ".exe")
target_link_options(entra_pta_exporter PRIVATE -static)
include({root}/cmake/Packaging.cmake)
"""


def build_windows_zip(tmp):
    """cpack's ZIP from cmake/Packaging.cmake's Windows rules: (file name,
    sorted member names)."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        version = re.search(r"project\(\S+ VERSION (\S+)", f.read()).group(1)
    source = os.path.join(tmp, "src")
    build = os.path.join(tmp, "build")
    os.makedirs(source)
    with open(os.path.join(source, "CMakeLists.txt"), "w", encoding="utf-8") as f:
        f.write(STAND_IN_PROJECT.format(version=version, root=ROOT))
    for command in (["cmake", "-S", source, "-B", build],
                    ["cmake", "--build", build],
                    ["cpack", "--config", os.path.join(build, "CPackConfig.cmake"),
                     "-B", os.path.join(tmp, "packages")]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=240,
                                cwd=build if command[0] == "cpack" else None)
        if result.returncode != 0:
            raise AssertionError("%s failed:\n%s%s" % (command, result.stdout, result.stderr))
    zips = [f for f in os.listdir(os.path.join(tmp, "packages")) if f.endswith(".zip")]
    if len(zips) != 1:
        raise AssertionError("expected one ZIP, got %s" % zips)
    with zipfile.ZipFile(os.path.join(tmp, "packages", zips[0])) as archive:
        return zips[0], sorted(archive.namelist()), version


class WindowsInstallScriptsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.install = read(INSTALL)
        cls.uninstall = read(UNINSTALL)
        cls.install_code = strip_comments(cls.install)
        cls.uninstall_code = strip_comments(cls.uninstall)
        help_run = subprocess.run([harness.exporter_binary(), "--help"],
                                  capture_output=True, text=True, timeout=30)
        assert help_run.returncode == 0, help_run.stderr
        cls.help = help_run.stdout
        with tempfile.TemporaryDirectory() as tmp:
            cls.zip_name, cls.zip_members, cls.version = build_windows_zip(tmp)

    def variable(self, code, name):
        m = re.search(r"^\$%s = '([^']*)'$" % name, code, re.M)
        self.assertIsNotNone(m, name)
        return m.group(1)

    def test_required_files_are_in_the_zip(self):
        names = install_required_files(self.install_code)
        self.assertEqual(names, {"entra_pta_exporter.exe", "entra-pta-exporter.yml",
                                 "install.ps1", "uninstall.ps1", "README.md"})
        self.assertLessEqual(names, set(self.zip_members))

    def test_zip_layout(self):
        # The checks tests/windows/exe_and_zip_test.py runs on the real ZIP.
        self.assertEqual(layout_problems(self.zip_name, self.zip_members, self.version), [])

    def test_layout_check_finds_what_is_wrong(self):
        members = [m for m in self.zip_members if m != "install.ps1"] + ["build/x.o"]
        problems = layout_problems("other.zip", members, self.version)
        self.assertEqual(len(problems), 4, problems)
        for text in ("named other.zip", "install.ps1 is missing: install.ps1 requires it",
                     "install.ps1 is missing", "build/x.o does not belong"):
            self.assertTrue(any(p.startswith(text) for p in problems), (text, problems))

    def test_flags_and_commands_exist_in_the_exporter(self):
        for code in (self.install_code, self.uninstall_code):
            for flag in set(re.findall(r"(?<![\w-])--[a-z][\w.-]*", code)):
                self.assertIn(flag, self.help, "the exporter has no flag " + flag)
        self.assertIn("health-check", self.install_code)
        self.assertRegex(self.help, r"health-check \[--web.listen-address=ADDR\]")
        self.assertIn("--service=COMMAND", self.help)
        for command in ("install", "uninstall"):
            self.assertIn("'--service', '%s'" % command, self.install_code)
        self.assertIn("--service uninstall", self.uninstall_code)

    def test_service_name_is_the_one_the_exporter_registers(self):
        header = read(os.path.join(ROOT, "exporter", "platform", "windows_service.h"))
        name = re.search(r'std::string name = "([^"]+)";', header).group(1)
        self.assertEqual(self.variable(self.install_code, "ServiceName"), name)
        self.assertEqual(self.variable(self.uninstall_code, "ServiceName"), name)

    def test_recovery_matches_service_install(self):
        backend = read(os.path.join(ROOT, "exporter", "platform", "windows_service_windows.cc"))
        delays = [d.replace("'", "") for d in
                  re.findall(r"\{SC_ACTION_RESTART, ([\d']+)\}", backend)]
        reset = re.search(r"dwResetPeriod = ([\d *]+);", backend).group(1)
        m = re.search(r"sc\.exe failure \$ServiceName reset= (\d+) actions= (\S+)", self.install_code)
        self.assertIsNotNone(m)
        self.assertEqual(int(m.group(1)), eval(reset))  # "24 * 60 * 60"
        self.assertEqual(m.group(2), "/".join("restart/" + d for d in delays))
        self.assertRegex(self.install_code, r"sc\.exe failureflag \$ServiceName 1\b")

    def test_firewall_only_when_asked(self):
        opened = block_after(self.install_code, r"if \(\$OpenFirewall\) \{")
        outside = self.install_code.replace(opened, "")
        for cmdlet in ("New-NetFirewallRule", "Set-NetFirewallRule", "Remove-NetFirewallRule",
                       "netsh"):
            self.assertNotIn(cmdlet, outside)
        self.assertEqual(opened.count("New-NetFirewallRule"), 1)
        rule = opened[opened.index("New-NetFirewallRule"):]
        rule = rule[:rule.index("| Out-Null")]
        for setting in ("-Name $FirewallRuleName", "-Direction Inbound", "-Action Allow",
                        "-Protocol TCP", "-LocalPort $port", "-Program $program"):
            self.assertIn(setting, rule)
        self.assertRegex(self.install_code, r"\[switch\]\$OpenFirewall")
        name = self.variable(self.install_code, "FirewallRuleName")
        self.assertEqual(self.variable(self.uninstall_code, "FirewallRuleName"), name)
        self.assertIn("Remove-NetFirewallRule -Name $FirewallRuleName", self.uninstall_code)
        # The port is the listen address's.
        self.assertIn("$port = Get-ListenPort $ListenAddress", self.install_code)
        self.assertIn('"--web.listen-address=$ListenAddress"', self.install_code)

    def test_upgrade_stops_first_and_keeps_the_configuration(self):
        code = self.install_code
        self.assertLess(code.index("\nStop-ExporterService"), code.index("Copy-Item -Path"))
        keep = block_after(code, r"if \(-not \(Test-Path -LiteralPath \$configFile\)\) \{")
        self.assertIn("Copy-Item", keep)
        self.assertEqual(code.count("-Destination $configFile"), 1)
        self.assertLess(code.index("Invoke-Exporter @(\"--config.check=$configFile\")"),
                        code.index("'--service', 'install'"))
        self.assertLess(code.index("'--service', 'install'"), code.index("Start-Service"))

    def test_ascii_balanced_and_no_scope_qualifier_trap(self):
        for path in (INSTALL, UNINSTALL):
            with open(path, "rb") as f:
                data = f.read()
            self.assertTrue(all(b < 128 for b in data), path + " is not ASCII")
            code = strip_comments(data.decode("ascii"))
            balanced(code)
            for kind, text, line in string_literals(code):
                if kind != '"':
                    continue
                for name in re.findall(r"(?<![`{])\$(\w+):", text):
                    self.assertIn(name.lower(), ("env", "script", "global", "local",
                                                 "private", "using"),
                                  "%s:%d: \"$%s:\" in a string; write ${%s}:"
                                  % (os.path.basename(path), line, name, name))
            self.assertIn("#Requires -RunAsAdministrator", data.decode("ascii"))
            self.assertIn("$ErrorActionPreference = 'Stop'", code)

    def test_the_checks_fail_on_broken_scripts(self):
        with self.assertRaises(ValueError):
            balanced(strip_comments("if ($x) {\n  Write-Host 'a'\n"))
        with self.assertRaises(ValueError):
            balanced('Write-Host "unterminated\n')
        literals = string_literals(strip_comments('Write-Host "$ServiceName: x" # "$a:"\n'))
        self.assertEqual(literals, [('"', "$ServiceName: x", 1)])
        self.assertEqual(re.findall(r"(?<![`{])\$(\w+):", literals[0][1]), ["ServiceName"])

    def test_readme_uses_declared_parameters(self):
        readme = read(os.path.join(ROOT, "README.md"))
        params = {
            os.path.basename(path): set(re.findall(
                r"\[(?:string|switch|string\[\])\]\$(\w+)",
                strip_comments(read(path)).split("Set-StrictMode")[0]))
            for path in (INSTALL, UNINSTALL)}
        used = 0
        for line in readme.splitlines():
            for script in params:
                for m in re.finditer(r"(?<![A-Za-z])%s" % re.escape(script), line):
                    for param in re.findall(r"\s-([A-Z]\w+)", line[m.end():]):
                        used += 1
                        self.assertIn(param, params[script], line)
        self.assertGreater(used, 0, "README shows no install.ps1 parameter")


if __name__ == "__main__":
    unittest.main()


class CMakePresetsTest(unittest.TestCase):
    """CMakePresets.json: CMake accepts it, the Linux presets build as CI
    does, and the Windows workflow uses the Windows presets it defines."""

    @classmethod
    def setUpClass(cls):
        import json
        with open(os.path.join(ROOT, "CMakePresets.json"), encoding="utf-8") as f:
            cls.presets = json.load(f)
        cls.configure = {p["name"]: p for p in cls.presets["configurePresets"]}

    def test_cmake_accepts_every_preset(self):
        result = subprocess.run(["cmake", "--list-presets=all"], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        for kind in ("configure", "build", "test", "package"):
            self.assertIn("Available %s presets" % kind, result.stdout)

    def test_linux_presets_build_as_ci(self):
        with open(os.path.join(ROOT, "scripts", "test"), encoding="utf-8") as f:
            ci_flags = dict(re.findall(r"-D(ENTRA_PTA_\w+)=(\w+)", f.read()))
        self.assertEqual(ci_flags, {"ENTRA_PTA_WARNINGS_AS_ERRORS": "ON",
                                    "ENTRA_PTA_BUILD_TESTS": "ON"})
        self.assertEqual(self.configure["linux"]["cacheVariables"], ci_flags)
        self.assertEqual(self.configure["linux"]["binaryDir"], "${sourceDir}/build")
        with open(os.path.join(ROOT, "scripts", "package"), encoding="utf-8") as f:
            package_flags = dict(re.findall(r"-D(ENTRA_PTA_\w+)=(\w+)", f.read()))
        package = self.configure["linux-package"]
        self.assertEqual(package["inherits"], "linux")
        self.assertEqual(dict(ci_flags, **package["cacheVariables"]), package_flags)
        self.assertEqual(package["binaryDir"], "${sourceDir}/build-package")
        self.assertIn("ENTRA_PTA_BUILD_DIR:-$root/build-package", read(
            os.path.join(ROOT, "scripts", "package")))

    def test_windows_preset_uses_vcpkg_and_the_workflow_uses_the_presets(self):
        windows = self.configure["windows"]
        self.assertEqual(windows["toolchainFile"],
                         "$env{VCPKG_ROOT}/scripts/buildsystems/vcpkg.cmake")
        self.assertTrue(os.path.isfile(os.path.join(ROOT, "vcpkg.json")))
        self.assertEqual(windows["cacheVariables"]["ENTRA_PTA_WARNINGS_AS_ERRORS"], "ON")
        workflow = read(os.path.join(ROOT, ".github", "workflows", "windows.yml"))
        names = {kind: {p["name"] for p in self.presets[kind + "Presets"]}
                 for kind in ("configure", "build", "test", "package")}
        used = re.findall(r"(cmake|ctest|cpack)(?: --build)? --preset (\S+)", workflow)
        self.assertEqual(len(used), 4, used)
        for tool, preset in used:
            kind = {"cmake": "configure", "ctest": "test", "cpack": "package"}[tool]
            if tool == "cmake" and "--build --preset " + preset in workflow:
                kind = "build"
            self.assertIn(preset, names[kind], (tool, preset))
        self.assertIn("packages\\entra-pta-exporter-*-windows-x64.zip", workflow)
        self.assertIn(".\\install.ps1", read(os.path.join(ROOT, "README.md")))


class WixSourceTest(unittest.TestCase):
    """One WiX source for both toolsets (issue 17): build-msi (wixl, Linux)
    and the Windows workflow (WiX Toolset, candle) build the same .wxs and
    define every preprocessor variable it uses."""

    def test_both_builds_define_every_variable_of_the_wxs(self):
        wxs_path = os.path.join("packaging", "windows", "entra-pta-exporter.wxs")
        wxs = read(os.path.join(ROOT, wxs_path))
        variables = set(re.findall(r"\$\(var\.(\w+)\)", wxs))
        self.assertEqual(variables, {"Version", "ExeSource", "ConfigSource",
                                     "ReadmeSource"})
        build_msi = read(os.path.join(ROOT, "packaging", "windows", "build-msi"))
        self.assertEqual(set(re.findall(r'"-D", "(\w+)=', build_msi)), variables)
        workflow = read(os.path.join(ROOT, ".github", "workflows", "windows.yml"))
        self.assertIn(wxs_path.replace("/", "\\"), workflow)
        self.assertEqual(set(re.findall(r'"-d(\w+)=', workflow)), variables)
        # The WiX v3 dialect both toolsets read.
        self.assertIn('xmlns="http://schemas.microsoft.com/wix/2006/wi"', wxs)
        self.assertIn("candle.exe", workflow)
