"""End to end under Wine: the Windows Installer package installed, upgraded,
refused as a downgrade and removed with Wine's msiexec, as GPO or Intune
would run it (`msiexec /i ... /qn PROPERTIES`), and the service it
registers compared with the one `--service install` registers.

0. install with TENANT_ID=not-a-guid: the service never reports running,
   so the install fails and is rolled back (no service, no program files,
   no product);
1. install with LISTEN_ADDRESS, LISTEN_PORT, ENABLED_COLLECTORS,
   TENANT_ID, EXTRA_FLAGS and ADDLOCAL=ALL: the service's command line
   carries exactly those flags, it runs, /health answers from Linux over
   127.0.0.1, the default configuration is in %ProgramData%, the recovery
   values and the Event Log source are in the registry, Programs and
   Features lists the version;
2. the admin edits the configuration; a package with a higher version
   (built here from the same source and exe) is installed over it with a
   new port (the same command line otherwise): one product, the new
   version, the edit kept, the service
   running on the new port;
3. the older package is refused (the service keeps running);
4. msiexec /x: service, Event Log source and every program file gone (the
   exe too: the package waits for the service's process to end before it
   removes files), the configuration kept;
5. `entra_pta_exporter.exe --service install` with the same flags
   registers the same command line (after the exe's path), start type,
   account, names and Event Log source values.
Wine cannot apply recovery options (no SERVICE_CONFIG_FAILURE_ACTIONS) nor
firewall rules (its netsh does nothing): the registry values and the
feature state are what is checked here; .github/workflows/windows.yml
checks both on Windows.

Needs: ENTRA_PTA_MSI (the package), ENTRA_PTA_ZIP (the ZIP it was built
from), ENTRA_PTA_VERSION; wine, wixl, msitools. Run inside
tests/lib/in-netns.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import wine_host  # noqa: E402

SERVICE = "entra_pta_exporter"
INSTALL_DIR = r"C:\Program Files\entra-pta-exporter"
EXE = INSTALL_DIR + r"\entra_pta_exporter.exe"
CONFIG_DIR = r"C:\ProgramData\entra-pta-exporter"
CONFIG_FILE = CONFIG_DIR + r"\entra-pta-exporter.yml"
SERVICE_KEY = r"HKLM\SYSTEM\CurrentControlSet\Services\entra_pta_exporter"
SOURCE_KEY = (r"HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application"
              r"\entra_pta_exporter")
UNINSTALL_KEY = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall"
FIREWALL_MARKER_KEY = r"HKLM\SOFTWARE\entra-pta-exporter"
TENANT = "abcdef01-2345-6789-abcd-ef0123456789"
# reset 1 day; restart after 10 s, 30 s, 60 s (SERVICE_FAILURE_ACTIONS).
FAILURE_ACTIONS = ("8051010000000000000000000300000014000000"
                   "010000001027000001000000307500000100000060EA0000")


def split_command_line(text):
    """argv of a Windows command line without embedded quotes (what these
    command lines hold): spaces separate, double quotes group."""
    args, current, quoted, started = [], "", False, False
    for c in text:
        if c == '"':
            quoted, started = not quoted, True
        elif c == " " and not quoted:
            if started:
                args.append(current)
            current, started = "", False
        else:
            current, started = current + c, True
    if started:
        args.append(current)
    return args


def flags_of(image_path):
    """The arguments after the exe. Wine's msiexec writes the exe's path
    unquoted (Windows Installer quotes it), so the path is cut off by
    text, not parsed."""
    for prefix in ('"%s"' % EXE, EXE):
        if image_path.startswith(prefix + " "):
            return split_command_line(image_path[len(prefix) + 1:])
    raise AssertionError("ImagePath does not start with the exe: %r"
                         % image_path)


def higher_version(version):
    major, minor, build = (int(p) for p in version.split("."))
    return "%d.%d.%d" % (major, minor, build + 1)


class MsiTest(unittest.TestCase):
    def setUp(self):
        self.started = time.monotonic()
        self.msi = wine_host.required_file("ENTRA_PTA_MSI")
        self.zip = wine_host.required_file("ENTRA_PTA_ZIP")
        self.version = os.environ["ENTRA_PTA_VERSION"]
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_msi_")
        self.addCleanup(self.tmp.cleanup)
        # The package one version up, from the same source and exe.
        self.new_version = higher_version(self.version)
        self.new_msi = os.path.join(self.tmp.name, "upgrade.msi")
        built = time.monotonic()
        subprocess.run(
            [sys.executable, os.path.join(ROOT, "packaging", "windows", "build-msi"),
             "--version", self.new_version, "--zip", self.zip,
             "--config", os.path.join(ROOT, "entra-pta-exporter.yml"),
             "--readme", os.path.join(ROOT, "README.md"),
             "--output", self.new_msi], check=True)
        print("MSI %s built in %.1f s" % (self.new_version,
                                         time.monotonic() - built))

        self.wine = wine_host.WineHost()
        self.wine.__enter__()
        self.addCleanup(self.wine.__exit__, None, None, None)
        print("wine prefix %s ready in %.1f s" % (self.wine.prefix,
                                                  self.wine.boot_seconds))
        # The packages where msiexec can read them (drive C).
        self.wine_tmp = r"C:\users\Public\entra-pta-msi"
        os.makedirs(self.wine.unix_path(self.wine_tmp), exist_ok=True)
        self.base_package = self.wine_tmp + r"\base.msi"
        self.new_package = self.wine_tmp + r"\upgrade.msi"
        shutil.copyfile(self.msi, self.wine.unix_path(self.base_package))
        shutil.copyfile(self.new_msi, self.wine.unix_path(self.new_package))
        self._remove_everything()
        self.addCleanup(self._remove_everything)

    # --- helpers ---------------------------------------------------------
    def _installed_products(self):
        """ProductCodes of installed packages named entra-pta-exporter,
        with their DisplayVersion."""
        listing = self.wine.run(["reg", "query", UNINSTALL_KEY, "/s"]).stdout
        products = {}
        for block in re.split(r"\r?\n(?=HKEY_)", listing):
            code = re.match(r"HKEY_\S+\\(\{[0-9A-F-]+\})\s", block)
            if code and re.search(r"DisplayName\s+REG_SZ\s+entra-pta-exporter\s*$",
                                  block, re.M):
                version = re.search(r"DisplayVersion\s+REG_SZ\s+(\S+)", block)
                products[code.group(1)] = version.group(1) if version else None
        return products

    def _remove_everything(self):
        for code in self._installed_products():
            self.wine.run(["msiexec", "/x", code, "/qn"], timeout=300)
        if self.wine.service_state(SERVICE) is not None:
            self.wine.delete_service(SERVICE)
        self.wine.reg_delete_key(SOURCE_KEY)
        self.wine.reg_delete_key(FIREWALL_MARKER_KEY)
        for path in (INSTALL_DIR, CONFIG_DIR):
            shutil.rmtree(self.wine.unix_path(path), ignore_errors=True)

    def msiexec(self, *args):
        started = time.monotonic()
        result = self.wine.run(["msiexec"] + list(args), timeout=300)
        print("msiexec %s: exit %d in %.1f s" % (
            " ".join(args[:2]), result.returncode, time.monotonic() - started))
        return result

    def msiexec_exit_code(self, *args):
        """msiexec's whole exit code (a Wine process' exit status reaches
        Linux cut to 8 bits: 1603 would read 67), through cmd."""
        started = time.monotonic()
        result = self.wine.run_batch(
            ["start /wait msiexec " + " ".join(args),
             "echo msiexec-exit=%ERRORLEVEL%"], stop_on_error=False)
        m = re.search(r"msiexec-exit=(-?\d+)", result.stdout)
        self.assertIsNotNone(m, result)
        print("msiexec %s: exit %s in %.1f s" % (
            " ".join(args[:2]), m.group(1), time.monotonic() - started))
        return int(m.group(1))

    def reg_values(self, key):
        """{name: (type, data)} of one key; {} when it does not exist."""
        result = self.wine.run(["reg", "query", key])
        if result.returncode != 0:
            return {}
        values = {}
        for line in result.stdout.splitlines():
            m = re.match(r"\s{4}(\S+)\s{4}(REG_\w+)\s{4}(.*)$", line)
            if m:
                values[m.group(1)] = (m.group(2), m.group(3).rstrip())
        return values

    def image_path(self):
        return self.reg_values(SERVICE_KEY)["ImagePath"][1]

    def wait_health(self, port, timeout=30):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                status, _, body = harness.http_request(
                    "http://127.0.0.1:%d/health" % port, timeout=2)
                if status == 200:
                    return body
                last = status
            except OSError as e:
                last = e
            time.sleep(0.3)
        self.fail("no /health on 127.0.0.1:%d: %r" % (port, last))

    def program_files(self):
        """What is left in the install folder ([] when it is gone)."""
        folder = self.wine.unix_path(INSTALL_DIR)
        return sorted(os.listdir(folder)) if os.path.isdir(folder) else []

    def config_text(self):
        with open(self.wine.unix_path(CONFIG_FILE), encoding="utf-8") as f:
            return f.read()

    # --- the test, phase by phase -----------------------------------------
    def properties(self, port):
        return ["LISTEN_ADDRESS=127.0.0.1", "LISTEN_PORT=%d" % port,
                "ENABLED_COLLECTORS=heartbeat,service", "TENANT_ID=" + TENANT,
                "EXTRA_FLAGS=--log.level=debug", "ADDLOCAL=ALL"]

    def test_install_upgrade_downgrade_uninstall(self):
        port = harness.free_port()
        flags = ["--config.file=" + CONFIG_FILE,
                 "--web.listen-address=127.0.0.1:%d" % port,
                 "--collectors.enabled=heartbeat,service",
                 "--tenant.id=" + TENANT, "--log.level=debug"]
        self.bad_tenant_refused(port)
        msi_service, msi_source = self.install(port, flags)
        new_port = self.upgrade()
        self.downgrade_refused(new_port)
        self.uninstall()
        self.same_as_service_install(flags, msi_service, msi_source)
        print("whole test %.1f s" % (time.monotonic() - self.started))

    def bad_tenant_refused(self, port):
        """0. TENANT_ID=not-a-guid: the service stays START_PENDING while it
        reads its flags, then stops with exit code 2 and never runs; the
        MSI's StartServices waits for it (ServiceControl Wait), so the
        install fails and is rolled back."""
        phase = time.monotonic()
        properties = [p for p in self.properties(port)
                      if not p.startswith("TENANT_ID=")]
        code = self.msiexec_exit_code("/i", self.base_package, "/qn",
                                      "TENANT_ID=not-a-guid", *properties)
        # Windows Installer fails the install with ERROR_INSTALL_FAILURE
        # (1603); Wine's msiexec returns the failed action's own
        # ERROR_FUNCTION_FAILED (1627). Either way, not installed:
        self.assertEqual(code, 1627)
        self.assertIsNone(self.wine.service_state(SERVICE))
        self.assertEqual(self.program_files(), [])
        self.assertEqual(self._installed_products(), {})
        self.assertEqual(self.reg_values(SOURCE_KEY), {})
        self.assertEqual(self.reg_values(FIREWALL_MARKER_KEY), {})
        # Wine's rollback keeps the default configuration (a Permanent,
        # NeverOverwrite component); phase 1 starts without it.
        self.assertTrue(os.path.exists(self.wine.unix_path(CONFIG_FILE)))
        shutil.rmtree(self.wine.unix_path(CONFIG_DIR))
        print("bad TENANT_ID refused (msiexec %d) in %.1f s"
              % (code, time.monotonic() - phase))

    def install(self, port, flags):
        """1. Install with properties; returns the service's and the Event
        Log source's registry values."""
        phase = time.monotonic()
        installed = self.msiexec("/i", self.base_package, "/qn",
                                 *self.properties(port))
        self.assertEqual(installed.returncode, 0, installed)
        self.assertEqual(flags_of(self.image_path()),
                         ["--service", "run"] + flags)
        self.wine.wait_service_state(SERVICE, "RUNNING")
        self.assertEqual(self.wait_health(port), b"OK\n")
        with open(os.path.join(ROOT, "entra-pta-exporter.yml"),
                  encoding="utf-8") as f:
            self.assertEqual(self.config_text(), f.read())
        service = self.reg_values(SERVICE_KEY)
        self.assertEqual(service["FailureActions"],
                         ("REG_BINARY", FAILURE_ACTIONS))
        self.assertEqual(service["FailureActionsOnNonCrashFailures"],
                         ("REG_DWORD", "0x1"))
        self.assertEqual(service["Start"], ("REG_DWORD", "0x2"))
        self.assertEqual(service["ObjectName"], ("REG_SZ", "LocalSystem"))
        self.assertIn("TypesSupported", self.reg_values(SOURCE_KEY))
        self.assertIn("FirewallRule", self.reg_values(FIREWALL_MARKER_KEY))
        self.assertEqual(list(self._installed_products().values()),
                         [self.version])
        print("installed and serving after %.1f s" % (time.monotonic() - phase))
        return service, self.reg_values(SOURCE_KEY)

    def upgrade(self):
        """2. The admin edits the configuration; the higher version goes in
        with a new port. Returns the new port."""
        phase = time.monotonic()
        with open(self.wine.unix_path(CONFIG_FILE), "a", encoding="utf-8") as f:
            f.write("\n# edited by the admin, kept across upgrades\n")
        new_port = harness.free_port()
        upgraded = self.msiexec("/i", self.new_package, "/qn",
                                *self.properties(new_port))
        self.assertEqual(upgraded.returncode, 0, upgraded)
        self.assertEqual(list(self._installed_products().values()),
                         [self.new_version])
        self.assertIn("kept across upgrades", self.config_text())
        self.assertIn("--web.listen-address=127.0.0.1:%d" % new_port,
                      flags_of(self.image_path()))
        self.wine.wait_service_state(SERVICE, "RUNNING")
        self.assertEqual(self.wait_health(new_port), b"OK\n")
        # The same command line for every version (the README's advice:
        # properties are not remembered, and Wine's msiexec does not carry
        # feature states over as Windows' MigrateFeatureStates does).
        self.assertIn("FirewallRule", self.reg_values(FIREWALL_MARKER_KEY))
        print("upgraded in %.1f s" % (time.monotonic() - phase))
        return new_port

    def downgrade_refused(self, port):
        """3. The older package is refused; nothing changes."""
        refused = self.msiexec("/i", self.base_package, "/qn")
        self.assertNotEqual(refused.returncode, 0, refused)
        self.assertEqual(list(self._installed_products().values()),
                         [self.new_version])
        self.assertEqual(self.wine.service_state(SERVICE), "RUNNING")
        self.assertEqual(self.wait_health(port), b"OK\n")

    def uninstall(self):
        """4. Everything but the configuration goes."""
        phase = time.monotonic()
        log = self.wine_tmp + r"\uninstall.log"
        removed = self.msiexec("/x", self.new_package, "/qn", "/l*v", log)
        self.assertEqual(removed.returncode, 0, removed)
        # The package's own wait ran between the stop and the removal.
        with open(self.wine.unix_path(log), encoding="latin-1") as f:
            started = re.findall(r"^Action start [\d:]+: (\w+)\.", f.read(),
                                 re.M)
        last = {name: i for i, name in enumerate(started)}
        self.assertLess(last["StopServices"], last["WaitForServiceExit"])
        self.assertLess(last["WaitForServiceExit"], last["RemoveFiles"])
        self.assertIsNone(self.wine.service_state(SERVICE))
        self.assertEqual(self.reg_values(SOURCE_KEY), {})
        self.assertEqual(self.reg_values(FIREWALL_MARKER_KEY), {})
        # Every program file, the exe too (issue 17: Wine's StopServices
        # does not wait for the service, so the package's WaitForServiceExit
        # waits for its process before RemoveFiles; without it a busy
        # machine left the running exe behind).
        self.assertEqual(self.program_files(), [])
        self.assertEqual(self._installed_products(), {})
        self.assertIn("kept across upgrades", self.config_text())
        print("uninstalled in %.1f s" % (time.monotonic() - phase))

    def same_as_service_install(self, flags, msi_service, msi_source):
        """5. What `--service install` registers with the same flags."""
        os.makedirs(self.wine.unix_path(INSTALL_DIR), exist_ok=True)
        self._unpack_exe()
        by_exe = self.wine.run([EXE, "--service", "install"] + flags)
        self.assertEqual(by_exe.returncode, 0, by_exe)
        exe_service = self.reg_values(SERVICE_KEY)
        # The same flags; their order means nothing (each is given once,
        # and EXTRA_FLAGS comes last where ServiceRunArgs has its own order).
        self.assertEqual(sorted(flags_of(exe_service["ImagePath"][1])),
                         sorted(["--service", "run"] + flags))
        for name in ("DisplayName", "Description", "Start", "Type",
                     "ErrorControl", "ObjectName"):
            self.assertEqual(msi_service[name], exe_service[name], name)
        self.assertEqual(msi_source, self.reg_values(SOURCE_KEY))
        uninstalled = self.wine.run([EXE, "--service", "uninstall"])
        self.assertEqual(uninstalled.returncode, 0, uninstalled)

    def _unpack_exe(self):
        with zipfile.ZipFile(self.zip) as z, \
                z.open("entra_pta_exporter.exe") as packed, \
                open(self.wine.unix_path(EXE), "wb") as out:
            shutil.copyfileobj(packed, out)


if __name__ == "__main__":
    unittest.main()
