"""The Windows Installer package's tables, read with msitools (msiinfo,
msidump, msiextract) on Linux: what the MSI will do on a Windows server,
checked without installing it (tests/windows/e2e/test_msi.py installs it
under Wine).

  msi_tables_test.py --msi X.msi --zip X.zip --version 0.1.0 --root REPO

The service it registers must be the one `--service install` registers
(the ServiceDefinition in exporter/.../windows_service.h, read from the
source here); the exe must be the ZIP's, byte for byte.
"""

import argparse
import glob
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile

ARGS = None
UPGRADE_CODE = "{8F3D2C1A-6B7E-4E2F-9A41-3C5D7E9B0A26}"
# SERVICE_AUTO_START, SERVICE_WIN32_OWN_PROCESS, SERVICE_ERROR_NORMAL
AUTO_START, OWN_PROCESS, ERROR_NORMAL = 2, 16, 1
# ServiceControl events: start on install, stop on install and uninstall,
# delete on uninstall.
START_INSTALL, STOP_INSTALL, STOP_UNINSTALL, DELETE_UNINSTALL = 1, 2, 32, 128
COMPONENT_64BIT, COMPONENT_PERMANENT, COMPONENT_NEVER_OVERWRITE = 256, 16, 128
DEFERRED_NO_IMPERSONATE = 1024 | 2048


def msiinfo_table(msi, table):
    """{primary key: row dict} of one table (msiinfo export)."""
    out = subprocess.run(["msiinfo", "export", msi, table], check=True,
                         capture_output=True, text=True).stdout
    lines = out.splitlines()
    columns = lines[0].split("\t")
    rows = [dict(zip(columns, line.split("\t"))) for line in lines[3:] if line]
    return rows


def service_definition(root):
    """name, display name, description of `--service install`, read from
    the header that defines them (wherever the layers put it)."""
    headers = glob.glob(os.path.join(root, "exporter", "**", "windows_service.h"),
                        recursive=True)
    if len(headers) != 1:
        raise AssertionError("windows_service.h: found %r" % headers)
    with open(headers[0], encoding="utf-8") as f:
        text = f.read()
    struct_text = text[text.index("struct ServiceDefinition"):]
    struct_text = struct_text[:struct_text.index("};")]

    def field(name):
        m = re.search(r"std::string %s =\s*((?:\"[^\"]*\"\s*)+);" % name,
                      struct_text)
        return "".join(re.findall(r"\"([^\"]*)\"", m.group(1)))
    return field("name"), field("display_name"), field("description")


def failure_actions(hex_text):
    """SERVICE_FAILURE_ACTIONS as the SCM stores it in FailureActions."""
    data = bytes.fromhex(hex_text)
    reset, _, _, count, _ = struct.unpack_from("<5I", data)
    actions = [struct.unpack_from("<2I", data, 20 + 8 * i)
               for i in range(count)]
    return reset, actions


class MsiTablesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.msi = ARGS.msi
        cls.tables = {}

    def table(self, name):
        if name not in self.tables:
            self.tables[name] = msiinfo_table(self.msi, name)
        return self.tables[name]

    def properties(self):
        return {r["Property"]: r["Value"] for r in self.table("Property")}

    def test_every_table_dumps(self):
        # msidump writes each table as .idt: the package is a readable
        # database with the tables the checks below use.
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(["msidump", "-d", out, self.msi], check=True,
                           capture_output=True)
            dumped = {os.path.splitext(f)[0] for f in os.listdir(out)}
        for table in ("File", "Component", "Directory", "Feature",
                      "ServiceInstall", "ServiceControl", "Upgrade",
                      "Property", "Registry", "CustomAction",
                      "InstallExecuteSequence", "LaunchCondition"):
            self.assertIn(table, dumped)

    def test_files_and_the_zips_exe(self):
        files = {r["FileName"]: r for r in self.table("File")}
        self.assertEqual(set(files), {"entra_pta_exporter.exe", "README.md",
                                      "entra-pta-exporter.yml"})
        components = {r["Component"]: r for r in self.table("Component")}
        directories = {r["Directory"]: r for r in self.table("Directory")}
        exe = components[files["entra_pta_exporter.exe"]["Component_"]]
        install = directories[exe["Directory_"]]
        self.assertEqual(install["DefaultDir"], "entra-pta-exporter")
        self.assertEqual(install["Directory_Parent"], "ProgramFiles64Folder")
        self.assertTrue(int(exe["Attributes"]) & COMPONENT_64BIT)
        config = components[files["entra-pta-exporter.yml"]["Component_"]]
        config_dir = directories[config["Directory_"]]
        self.assertEqual(config_dir["DefaultDir"], "entra-pta-exporter")
        self.assertEqual(config_dir["Directory_Parent"], "CommonAppDataFolder")
        # Written only when absent, kept on upgrade and uninstall: the two
        # bits wixl drops and build-msi restores.
        self.assertEqual(int(config["Attributes"]) & (
            COMPONENT_PERMANENT | COMPONENT_NEVER_OVERWRITE),
            COMPONENT_PERMANENT | COMPONENT_NEVER_OVERWRITE)
        # The same exe as the ZIP's (build-msi takes it from the ZIP).
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(["msiextract", "-C", out, self.msi], check=True,
                           capture_output=True)
            extracted = glob.glob(os.path.join(out, "**", "entra_pta_exporter.exe"),
                                  recursive=True)
            self.assertEqual(len(extracted), 1, extracted)
            with open(extracted[0], "rb") as f:
                msi_exe = f.read()
        with zipfile.ZipFile(ARGS.zip) as z:
            zip_exe = z.read("entra_pta_exporter.exe")
        self.assertEqual(len(msi_exe), len(zip_exe))
        self.assertTrue(msi_exe == zip_exe, "the MSI's exe is not the ZIP's")

    def test_service_as_service_install_registers_it(self):
        name, display_name, description = service_definition(ARGS.root)
        [service] = self.table("ServiceInstall")
        self.assertEqual(service["Name"], name)
        self.assertEqual(service["DisplayName"], display_name)
        self.assertEqual(service["Description"], description)
        self.assertEqual(int(service["ServiceType"]), OWN_PROCESS)
        self.assertEqual(int(service["StartType"]), AUTO_START)
        self.assertEqual(int(service["ErrorControl"]), ERROR_NORMAL)
        self.assertEqual(service["StartName"], "LocalSystem")
        self.assertEqual(
            service["Arguments"],
            '--service run "--config.file=[CONFIG_FILE]" '
            "--web.listen-address=[LISTEN_ADDRESS]:[LISTEN_PORT]"
            "[COLLECTORS_ARGUMENT][TENANT_ARGUMENT][EXTRA_ARGUMENT]")
        [control] = self.table("ServiceControl")
        self.assertEqual(control["Name"], name)
        self.assertEqual(int(control["Event"]),
                         START_INSTALL | STOP_INSTALL | STOP_UNINSTALL
                         | DELETE_UNINSTALL)
        self.assertEqual(control["Wait"], "1")
        self.assertEqual(control["Component_"], service["Component_"])

    def test_arguments_only_for_properties_given(self):
        actions = {r["Action"]: r for r in self.table("CustomAction")}
        sequence = {r["Action"]: r for r in self.table("InstallExecuteSequence")}
        expected = {
            "COLLECTORS_ARGUMENT": (" --collectors.enabled=[ENABLED_COLLECTORS]",
                                    "ENABLED_COLLECTORS"),
            "TENANT_ARGUMENT": (" --tenant.id=[TENANT_ID]", "TENANT_ID"),
            "EXTRA_ARGUMENT": (" [EXTRA_FLAGS]", "EXTRA_FLAGS"),
            "CONFIG_FILE": ("[CONFIGFOLDER]entra-pta-exporter.yml",
                            "NOT CONFIG_FILE"),
            "LISTEN_ADDRESS": ("[LISTEN_ADDR]",
                               "LISTEN_ADDR AND NOT LISTEN_ADDRESS"),
        }
        costfinalize = int(sequence["CostFinalize"]["Sequence"])
        validate = int(sequence["InstallValidate"]["Sequence"])
        for prop, (value, condition) in expected.items():
            [action] = [a for a in actions.values() if a["Source"] == prop]
            self.assertEqual(int(action["Type"]) & 0x3F, 51, prop)  # set property
            self.assertEqual(action["Target"], value)
            step = sequence[action["Action"]]
            self.assertEqual(step["Condition"], condition)
            self.assertTrue(costfinalize < int(step["Sequence"]) < validate)
        self.assertEqual(self.properties()["LISTEN_PORT"], "9847")

    def test_recovery_and_event_log_source(self):
        name = service_definition(ARGS.root)[0]
        registry = {(r["Key"], r["Name"]): r["Value"]
                    for r in self.table("Registry")}
        service_key = "SYSTEM\\CurrentControlSet\\Services\\" + name
        value = registry[(service_key, "FailureActions")]
        self.assertTrue(value.startswith("#x"), value)  # REG_BINARY
        # exporter/platform/windows_service_windows.cc: reset after a day, restart
        # (SC_ACTION_RESTART = 1) after 10 s, 30 s, 60 s.
        self.assertEqual(failure_actions(value[2:]),
                         (86400, [(1, 10000), (1, 30000), (1, 60000)]))
        self.assertEqual(registry[(service_key, "FailureActionsOnNonCrashFailures")],
                         "#1")
        source_key = ("SYSTEM\\CurrentControlSet\\Services\\EventLog\\"
                      "Application\\" + name)
        self.assertEqual(
            registry[(source_key, "EventMessageFile")],
            "#%%SystemRoot%\\Microsoft.NET\\Framework64\\v4.0.30319\\"
            "EventLogMessages.dll")  # REG_EXPAND_SZ, as the exe writes it
        self.assertEqual(registry[(source_key, "TypesSupported")], "#7")

    def test_upgrade_downgrade_and_programs_and_features(self):
        properties = self.properties()
        # Changing the UpgradeCode would make every installed copy a
        # stranger to the next package: it must never change.
        self.assertEqual(properties["UpgradeCode"].upper(), UPGRADE_CODE)
        self.assertEqual(properties["ProductVersion"], ARGS.version)
        self.assertEqual(properties["Manufacturer"],
                         "entra-pta-exporter developers")
        self.assertEqual(properties["ALLUSERS"], "1")  # per machine
        self.assertTrue(properties["ARPHELPLINK"].startswith("https://"))
        self.assertTrue(properties["ARPURLINFOABOUT"].startswith("https://"))
        upgrades = self.table("Upgrade")
        self.assertEqual({u["UpgradeCode"] for u in upgrades}, {UPGRADE_CODE})
        older = [u for u in upgrades if u["ActionProperty"] == "WIX_UPGRADE_DETECTED"]
        newer = [u for u in upgrades
                 if u["ActionProperty"] == "WIX_DOWNGRADE_DETECTED"]
        self.assertEqual([(u["VersionMin"], u["VersionMax"]) for u in older],
                         [("", ARGS.version)])
        self.assertEqual([(u["VersionMin"], u["VersionMax"]) for u in newer],
                         [(ARGS.version, "")])
        self.assertTrue(int(newer[0]["Attributes"]) & 2)  # only detect
        [condition] = self.table("LaunchCondition")
        self.assertEqual(condition["Condition"], "NOT WIX_DOWNGRADE_DETECTED")
        self.assertIn("newer version", condition["Description"])
        sequence = {r["Action"]: int(r["Sequence"])
                    for r in self.table("InstallExecuteSequence")}
        # The older product goes before anything is installed.
        self.assertLess(sequence["RemoveExistingProducts"],
                        sequence["InstallInitialize"])

    def test_deferred_actions_run_inside_the_script(self):
        # wixl places After=/Before= deferred actions past InstallFinalize,
        # where Windows refuses them: every one has an explicit Sequence.
        sequence = {r["Action"]: r for r in self.table("InstallExecuteSequence")}
        start = int(sequence["InstallInitialize"]["Sequence"])
        end = int(sequence["InstallFinalize"]["Sequence"])
        deferred = [a for a in self.table("CustomAction")
                    if int(a["Type"]) & DEFERRED_NO_IMPERSONATE
                    == DEFERRED_NO_IMPERSONATE]
        self.assertEqual({a["Action"] for a in deferred},
                         {"RestrictConfigFolder", "RemoveFirewallRuleBeforeAdd",
                          "AddFirewallRule", "RemoveFirewallRule",
                          "WaitForServiceExit"})
        for action in deferred:
            self.assertTrue(start < int(sequence[action["Action"]]["Sequence"]) < end,
                            action)
        # The ACL only for a configuration folder this install creates
        # ("$" is what wixl's preprocessor drops and build-msi restores).
        self.assertEqual(sequence["RestrictConfigFolder"]["Condition"],
                         "$DefaultConfig=3")

    def test_files_removed_only_after_the_service_process_ended(self):
        # Issue 17: Wine's StopServices does not wait for the stop, Windows'
        # waits for the state, not the process; the exe's "--service stop"
        # waits for both, between the stop and the files' removal, when the
        # exporter's component goes.
        sequence = {r["Action"]: r for r in self.table("InstallExecuteSequence")}
        actions = {a["Action"]: a for a in self.table("CustomAction")}
        wait = actions["WaitForServiceExit"]
        self.assertEqual(wait["Target"], "--service stop")
        self.assertEqual(int(wait["Type"]) & 0x3F, 50)  # exe named by a property
        [setter] = [a for a in actions.values()
                    if a["Source"] == wait["Source"] and a is not wait]
        self.assertEqual(setter["Target"], "[#EntraPtaExporterExe]")
        self.assertEqual(sequence["WaitForServiceExit"]["Condition"],
                         "$Exporter=2")
        self.assertLess(int(sequence[setter["Action"]]["Sequence"]),
                        int(sequence["InstallValidate"]["Sequence"]))
        self.assertLess(int(sequence["StopServices"]["Sequence"]),
                        int(sequence["WaitForServiceExit"]["Sequence"]))
        self.assertLess(int(sequence["WaitForServiceExit"]["Sequence"]),
                        int(sequence["RemoveFiles"]["Sequence"]))

    def test_firewall_rule_only_when_asked(self):
        features = {f["Feature"]: f for f in self.table("Feature")}
        self.assertEqual(features["Exporter"]["Level"], "1")
        # Above INSTALLLEVEL (1): not installed unless ADDLOCAL names it.
        self.assertGreater(int(features["FirewallException"]["Level"]), 1)
        sequence = {r["Action"]: r for r in self.table("InstallExecuteSequence")}
        self.assertEqual(sequence["AddFirewallRule"]["Condition"],
                         "&FirewallException=3")
        self.assertEqual(sequence["RemoveFirewallRule"]["Condition"],
                         'REMOVE="ALL"')
        actions = {a["Action"]: a for a in self.table("CustomAction")}
        add = actions["AddFirewallRule"]["Target"]
        for part in ("localport=[LISTEN_PORT]", "remoteip=[REMOTE_ADDR]",
                     "dir=in", "protocol=TCP", "profile=domain",
                     'program="[#EntraPtaExporterExe]"'):
            self.assertIn(part, add)
        self.assertEqual(self.properties()["REMOTE_ADDR"], "any")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--msi", required=True)
    parser.add_argument("--zip", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--root", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
