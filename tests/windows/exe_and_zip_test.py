#!/usr/bin/env python3
"""What a Windows admin downloads, checked on the mingw-w64 build's output:

- entra_pta_exporter.exe is a 64-bit PE whose import table names only DLLs
  that ship with Windows (it is linked -static: no libstdc++, libgcc,
  winpthread, OpenSSL or curl DLL may be needed next to it);
- the cpack ZIP holds the layout packaging/windows/install.ps1 needs
  (tests/packaging/windows_zip.py, shared with the stand-in ZIP check of
  tests/packaging/test_windows_package.py), its exe is the build's with the
  same imports, stripped.

Usage: exe_and_zip_test.py --objdump OBJDUMP --exe EXE --zip ZIP (run by
ctest in the Windows build; scripts/test-windows runs cpack first).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "packaging"))
from windows_zip import layout_problems  # noqa: E402

# DLLs of a Windows installation (System32) the exporter may import; an
# import outside this list would have to ship next to the exe.
WINDOWS_DLLS = {
    "advapi32.dll", "bcrypt.dll", "crypt32.dll", "gdi32.dll", "iphlpapi.dll",
    "kernel32.dll", "msvcrt.dll", "ntdll.dll", "ole32.dll", "psapi.dll",
    "rpcrt4.dll", "secur32.dll", "shell32.dll", "shlwapi.dll", "user32.dll",
    "userenv.dll", "version.dll", "wevtapi.dll", "wldap32.dll", "ws2_32.dll",
    "wsock32.dll", "normaliz.dll", "dnsapi.dll", "netapi32.dll",
}

ARGS = None


def imported_dlls(objdump_output):
    """The DLL names of `objdump -p` output's import table, lower-cased."""
    return {name.lower() for name in re.findall(r"^\s*DLL Name: (\S+)", objdump_output, re.M)}


def foreign_dlls(dlls):
    """Imports that do not ship with Windows (api-ms-win-* are API sets)."""
    return sorted(d for d in dlls if d not in WINDOWS_DLLS and not d.startswith("api-ms-win-"))


def objdump(flag, path):
    result = subprocess.run([ARGS.objdump, flag, path], capture_output=True, text=True,
                            timeout=60)
    if result.returncode != 0:
        raise AssertionError("objdump %s %s failed: %s" % (flag, path, result.stderr))
    return result.stdout


class ExeAndZipTest(unittest.TestCase):

    def test_exe_imports_only_windows_dlls(self):
        header = objdump("-f", ARGS.exe)
        self.assertIn("file format pei-x86-64", header)
        dlls = imported_dlls(objdump("-p", ARGS.exe))
        # The ones it cannot work without: a parse that found nothing would
        # otherwise pass.
        self.assertLessEqual({"kernel32.dll", "ws2_32.dll", "advapi32.dll", "crypt32.dll",
                              "wevtapi.dll"}, dlls)
        self.assertEqual(foreign_dlls(dlls), [], "imports DLLs that Windows does not ship")

    def test_the_import_check_rejects_runtime_dlls(self):
        sample = ("\tDLL Name: KERNEL32.dll\n\tDLL Name: libstdc++-6.dll\n"
                  "\tDLL Name: libcrypto-3-x64.dll\n\tDLL Name: api-ms-win-crt-heap-l1-1-0.dll\n")
        self.assertEqual(foreign_dlls(imported_dlls(sample)),
                         ["libcrypto-3-x64.dll", "libstdc++-6.dll"])

    def test_zip_layout(self):
        version = re.search(r"-(\d+\.\d+\.\d+)-windows-x64\.zip$", ARGS.zip)
        self.assertIsNotNone(version, ARGS.zip)
        with zipfile.ZipFile(ARGS.zip) as archive:
            members = archive.namelist()
            self.assertIsNone(archive.testzip())
        self.assertEqual(layout_problems(os.path.basename(ARGS.zip), members,
                                         version.group(1)), [])

    def test_zip_exe_is_the_build_stripped(self):
        with zipfile.ZipFile(ARGS.zip) as archive, tempfile.TemporaryDirectory() as tmp:
            exe = archive.extract("entra_pta_exporter.exe", tmp)
            self.assertEqual(imported_dlls(objdump("-p", exe)),
                             imported_dlls(objdump("-p", ARGS.exe)))
            self.assertIn("no symbols", objdump("-t", exe))
            self.assertLessEqual(os.path.getsize(exe), os.path.getsize(ARGS.exe))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--objdump", required=True)
    parser.add_argument("--exe", required=True)
    parser.add_argument("--zip", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
