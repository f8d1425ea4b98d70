"""packaging/windows/*.ps1 parsed on Linux: no PowerShell runs here (Debian
packages none, and the npm registry has none that does not download it),
so the scripts go through the tree-sitter grammar for PowerShell
(tree-sitter-powershell, run by web-tree-sitter; pinned in
tests/powershell-parser/, installed by the ctest fixture
packaging.powershell_parser_install, which alone needs the npm registry).
This catches unbalanced brackets, broken strings and malformed statements;
the grammar is not PowerShell's own parser, which the Windows workflow
runs on the same files. Deliberately broken scripts must be rejected at the
broken line, so the check is known to be able to fail."""

import glob
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CHECK = os.path.join(ROOT, "tests", "powershell-parser", "check.cjs")


class PowerShellSyntaxTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        installed = subprocess.run([os.path.join(ROOT, "scripts", "install-powershell-parser")],
                                   capture_output=True, text=True, timeout=600)
        if installed.returncode != 0:
            raise AssertionError("scripts/install-powershell-parser failed:\n" + installed.stderr)
        cls.modules = installed.stdout.strip().splitlines()[-1]
        node = shutil.which("node")
        if node is None:
            raise AssertionError("node not found (scripts/install-deps installs it)")
        cls.node = node

    def parse(self, *files):
        # --liftoff-only: V8's baseline WebAssembly compiler only. Otherwise
        # V8 optimises the 1 MB grammar in the background and node waits for
        # that at exit (half a minute and more on a busy machine).
        return subprocess.run([self.node, "--liftoff-only", CHECK, self.modules] + list(files),
                              capture_output=True, text=True, timeout=120)

    def test_install_scripts_parse(self):
        scripts = sorted(glob.glob(os.path.join(ROOT, "packaging", "windows", "*.ps1")))
        self.assertEqual([os.path.basename(s) for s in scripts], ["install.ps1", "uninstall.ps1"])
        result = self.parse(*scripts)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        for script in scripts:
            self.assertRegex(result.stdout, r"%s: \d{3,} nodes" % script)

    def test_broken_scripts_are_rejected_at_the_broken_line(self):
        with open(os.path.join(ROOT, "packaging", "windows", "install.ps1"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        firewall = next(i for i, line in enumerate(lines) if line.startswith("if ($OpenFirewall) {"))
        start = next(i for i, line in enumerate(lines) if line.startswith("Start-Service"))
        breakages = {
            # an opening brace never closed
            "unclosed": (firewall, lines[firewall].replace("{", "{ if ($x) {")),
            # C's "else if" (PowerShell has elseif)
            "else_if": (start, "if ($upgrade) { 'a' } else if ($x) { 'b' }"),
            # a parenthesis never closed
            "paren": (start, "Start-Service -Name ($ServiceName"),
        }
        with tempfile.TemporaryDirectory() as tmp:
            for name, (index, replacement) in breakages.items():
                broken = list(lines)
                broken[index] = replacement
                path = os.path.join(tmp, name + ".ps1")
                with open(path, "w", encoding="utf-8") as f:
                    f.write("\n".join(broken) + "\n")
                result = self.parse(path)
                self.assertEqual(result.returncode, 1, name + ": " + result.stdout)
                lines_reported = [int(m.split(":")[1]) for m in result.stdout.splitlines()
                                  if m.startswith(path + ":") and " nodes" not in m]
                self.assertTrue(lines_reported, name)
                self.assertGreaterEqual(max(lines_reported), index + 1, name + ": " + result.stdout)


if __name__ == "__main__":
    unittest.main()
