"""What the Windows ZIP must hold, shared by the checks of its layout:
tests/packaging/test_windows_package.py (a stand-in ZIP built from
cmake/Packaging.cmake on Linux) and tests/windows/exe_and_zip_test.py (the
real ZIP of the mingw-w64 build). Standard library only; no state.
"""

import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INSTALL = os.path.join(ROOT, "packaging", "windows", "install.ps1")

# Members every ZIP has, and the only names allowed at its top.
EXPECTED_MEMBERS = (
    "entra_pta_exporter.exe", "entra-pta-exporter.yml", "README.md",
    "install.ps1", "uninstall.ps1", "docs/configuration.md",
    "docs/metrics.md", "docs/runbooks.md", "alerts/entra-pta.rules.yml",
    "alerts/alertmanager.yml", "dashboards/entra-pta-overview.json",
    "dashboards/entra-pta-agent.json",
    "dashboards/provisioning/dashboards/entra-pta.yml")
TOP_LEVEL = ("entra_pta_exporter.exe", "entra-pta-exporter.yml", "README.md",
             "install.ps1", "uninstall.ps1", "docs", "alerts", "dashboards")


def strip_comments(text):
    """A PowerShell script without <# ... #> blocks and # comments (outside
    strings)."""
    text = re.sub(r"<#.*?#>", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    out = []
    for line in text.splitlines():
        quote = None
        for i, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif ch == "#":
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


def script_variable(code, name):
    """The value of a `$Name = '...'` line of a script, or None."""
    m = re.search(r"^\$%s = '([^']*)'$" % name, code, re.M)
    return m.group(1) if m else None


def install_required_files(install_code=None):
    """The files install.ps1 refuses to run without ($RequiredFiles), with
    its variables resolved."""
    if install_code is None:
        with open(INSTALL, encoding="utf-8") as f:
            install_code = strip_comments(f.read())
    required = re.search(r"^\$RequiredFiles = @\((.*)\)$", install_code, re.M)
    if required is None:
        raise ValueError("install.ps1 has no $RequiredFiles = @(...) line")
    names = set()
    for item in required.group(1).split(","):
        item = item.strip()
        if item.startswith("'") and item.endswith("'"):
            names.add(item[1:-1])
        elif item.startswith("$") and script_variable(install_code, item[1:]):
            names.add(script_variable(install_code, item[1:]))
        else:
            raise ValueError("install.ps1: cannot resolve %s in $RequiredFiles" % item)
    return names


def zip_file_name(version):
    """The name the Windows workflow and the README look for."""
    return "entra-pta-exporter-%s-windows-x64.zip" % version


def layout_problems(zip_name, members, version):
    """Everything wrong with a ZIP named zip_name holding members (its
    namelist()), as a list of sentences; empty when the layout is right."""
    problems = []
    if zip_name != zip_file_name(version):
        problems.append("named %s, expected %s" % (zip_name, zip_file_name(version)))
    present = set(members)
    for name in sorted(install_required_files()):
        if name not in present:
            problems.append("%s is missing: install.ps1 requires it" % name)
    for name in EXPECTED_MEMBERS:
        if name not in present:
            problems.append("%s is missing" % name)
    # Files at the top (install.ps1 looks next to itself), nothing else
    # from the build: no Linux package files, no build tree.
    for name in members:
        if not name.endswith("/") and name.split("/")[0] not in TOP_LEVEL:
            problems.append("%s does not belong in the ZIP" % name)
    return problems
