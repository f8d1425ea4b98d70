#!/usr/bin/env python3
"""lint.cited_files: no comment cites a file that does not exist (issue 15,
readability). A comment that sends the reader to `exporter/foo.cc` or
`foo_test.cc` after that file moved or was deleted misleads whoever follows
it.

What counts as a citation: a word in a C++ comment (exporter/, collectors/,
fuzz/, tests/windows/) that ends in a source or document extension (.cc, .h,
.inc, .py, .cmake, .md, .sh, .ps1, .wxs, .yml, .yaml). It resolves when it
names, in this order: a path from the repository root; a path from the
citing file's folder; for a bare file name (no '/'), a file of that name
anywhere in the tree or a system header some source file includes
(`winsock2.h must come before windows.h`). Not checked: names in <angle
brackets>, patterns (`*_windows.cc`, `_other.cc` suffixes) and the names
listed in NOT_IN_TREE below.

Usage: cited_files.py [ROOT]; exits 1 and prints path:line: message.
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cxx_scan  # noqa: E402

SCANNED_DIRS = ("exporter", "collectors", "fuzz", "tests/windows")
SKIPPED_DIRS = {".git", "node_modules", "__pycache__"}
_EXTENSIONS = "cc|h|inc|py|cmake|md|sh|ps1|wxs|yml|yaml"
# A configure_file template keeps its ".in": "config.h.in" is one name.
_CITATION = re.compile(r"(?<![\w./*<-])((?:[\w.-]+/)*[\w.-]*[A-Za-z0-9]\.(?:" +
                       _EXTENSIONS + r")(?:\.in)?)(?![\w/*>-]|\.\w)")

# Files a comment may name that are not in this repository, each with why.
NOT_IN_TREE = {
    "fuzz.yml": "the name config_fuzzer gives its input",
    "winsvc.h": "Windows SDK, included through windows.h",
    "winnt.h": "Windows SDK, included through windows.h",
}

# Files whose comments may cite a missing file for now, each with the branch
# that rewrites them; an entry that no longer matches a problem is reported.
ALLOWED = {}


_SYSTEM_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>]+)>", re.M)


def _tree_files(root):
    """Paths (from the root) and file names in the tree; the names include
    every <system header> a source file includes, so a comment about
    winsock2.h's include order is not a dangling citation."""
    paths = set()
    names = set()
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs
                      if d not in SKIPPED_DIRS and not d.startswith("build")]
        for name in files:
            path = os.path.join(directory, name)
            relative = os.path.relpath(path, root)
            paths.add(relative.replace(os.sep, "/"))
            names.add(name)
            if name.endswith((".cc", ".h", ".c")):
                with open(path, encoding="utf-8", errors="replace") as f:
                    names.update(_SYSTEM_INCLUDE.findall(f.read()))
    return paths, names


def _resolves(citation, citing, paths, names):
    if citation in NOT_IN_TREE:
        return True
    if "/" not in citation:
        return citation in names
    folder = os.path.dirname(citing)
    local = os.path.normpath(os.path.join(folder, citation)).replace(os.sep,
                                                                     "/")
    return citation in paths or local in paths


def citations(text):
    """(line, cited name) for every citation in the comments of `text`."""
    found = []
    for line, comment in cxx_scan.scan(text).comments:
        for offset, row in enumerate(comment.split("\n")):
            for m in _CITATION.finditer(row):
                found.append((line + offset, m.group(1)))
    return found


def check_tree(root, allowed=None):
    allowed = ALLOWED if allowed is None else allowed
    paths, names = _tree_files(root)
    report = []
    used = set()
    for top in SCANNED_DIRS:
        for directory, subdirs, files in os.walk(os.path.join(root, top)):
            subdirs.sort()
            for name in sorted(files):
                if not name.endswith((".cc", ".h", ".inc")):
                    continue
                path = os.path.join(directory, name)
                relative = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for line, cited in citations(text):
                    if _resolves(cited, relative, paths, names):
                        continue
                    if relative in allowed:
                        used.add(relative)
                        continue
                    report.append(f"{relative}:{line}: the comment cites "
                                  f"{cited}, which is not in the tree")
    report += cxx_scan.unused_allowances(
        "cited_files.py", allowed, used,
        "whose citations all resolve (or which is gone)")
    return report


def main(argv):
    report = check_tree(cxx_scan.repository_root(argv, __file__))
    return cxx_scan.finish("lint.cited_files", report, "every file a comment cites exists")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
