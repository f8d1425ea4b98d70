#!/usr/bin/env python3
"""lint.gtest_names: parameterised tests print readable names (issue 15,
readability). Fails on a generated name that is only an index (`Suite/0`)
and on a parameter gtest can only show as a byte dump (`GetParam() =
184-byte object <00-50 ...>`, what a failure message then shows too): give
INSTANTIATE_TEST_SUITE_P a name generator and the parameter type a PrintTo.

Reads the test binaries from `ctest --show-only=json-v1` in the build
folder and lists each one's tests with --gtest_list_tests.

Usage: gtest_names.py CTEST BUILD_DIR; exits 1 and prints binary: test.
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxx_scan  # noqa: E402

# Suites that may print unreadable names for now, each with the branch
# that rewrites them; the lead removes the entries after merging it. An
# entry that no longer matches a problem is itself reported.
ALLOWED = {}

_BYTE_DUMP = re.compile(r"# GetParam\(\) = \d+-byte object <")
_INDEX_NAME = re.compile(r"/\d+$")


def problems_in_listing(listing):
    """[(suite, test, why)] for one --gtest_list_tests output."""
    found = []
    suite = ""
    for line in listing.splitlines():
        if not line.startswith(" "):
            suite = line.split("#")[0].strip().rstrip(".")
            if _BYTE_DUMP.search(line):
                found.append((suite, "", "type parameter printed as bytes"))
            continue
        name = line.split("#")[0].strip()
        if _INDEX_NAME.search(name):
            found.append((suite, name, "named by index only"))
        if _BYTE_DUMP.search(line):
            found.append((suite, name, "parameter printed as bytes"))
    return found


def test_binaries(ctest, build_dir):
    shown = subprocess.run([ctest, "--show-only=json-v1"], cwd=build_dir,
                           check=True, capture_output=True, text=True)
    binaries = set()
    for test in json.loads(shown.stdout).get("tests", []):
        command = test.get("command") or []
        if not command or not os.path.isfile(command[0]):
            continue
        if any(arg.startswith("--gtest_filter") for arg in command[1:]):
            binaries.add(command[0])
    return sorted(binaries)


def check(binaries, allowed=None):
    allowed = ALLOWED if allowed is None else allowed
    report = []
    used = set()
    for binary in binaries:
        listing = subprocess.run([binary, "--gtest_list_tests"], check=True,
                                 capture_output=True, text=True).stdout
        for suite, name, why in problems_in_listing(listing):
            if suite in allowed:
                used.add(suite)
                continue
            report.append(f"{os.path.basename(binary)}: {suite}.{name}: {why}")
    report += cxx_scan.unused_allowances(
        "gtest_names.py", allowed, used,
        "whose names are readable (or which is gone)")
    return report


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binaries = test_binaries(argv[1], argv[2])
    if not binaries:
        print("lint.gtest_names: no gtest binary found", file=sys.stderr)
        return 1
    return cxx_scan.finish(
        "lint.gtest_names", check(binaries),
        f"{len(binaries)} binaries, every test name readable")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
