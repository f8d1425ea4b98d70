"""The Linux .deb (cmake/Packaging.cmake): cpack builds it from the test
build (into a temporary directory, so nothing is rebuilt) and dpkg-deb
inspects it: the files and where they go, the control fields, Depends
covering every shared library the binary needs (computed by
dpkg-shlibdeps), the conffile, the maintainer scripts, and the systemd unit
(systemd-analyze verify against the unpacked package). The packaged binary
runs and accepts the packaged configuration. The maintainer scripts run
against stand-ins for the commands that would change this machine.
"""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
UNIT = "usr/lib/systemd/system/entra-pta-exporter.service"
CONFIG = "etc/entra-pta-exporter/entra-pta-exporter.yml"
BINARY = "usr/bin/entra_pta_exporter"


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=240, **kwargs)


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(\S+ VERSION (\S+)", f.read()).group(1)


class DebPackageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        config = os.environ["ENTRA_PTA_CPACK_CONFIG"]
        cls.tmp = tempfile.mkdtemp(prefix="entra-pta-deb-")
        result = run(["cpack", "--config", config, "-G", "DEB", "-B", cls.tmp])
        if result.returncode != 0:
            raise AssertionError("cpack failed:\n" + result.stdout + result.stderr)
        debs = [f for f in os.listdir(cls.tmp) if f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError("expected one .deb, got %s" % debs)
        cls.deb = os.path.join(cls.tmp, debs[0])
        listing = run(["dpkg-deb", "-c", cls.deb], check=True).stdout
        cls.entries = {}
        for line in listing.splitlines():
            fields = line.split(None, 5)
            path = fields[5].split(" -> ")[0]
            cls.entries[path.lstrip(".").rstrip("/") or "/"] = fields[0]
        cls.info = run(["dpkg-deb", "-I", cls.deb], check=True).stdout
        cls.fields = {}
        for name in ("Package", "Version", "Architecture", "Maintainer", "Depends",
                     "Section", "Priority", "Description"):
            value = run(["dpkg-deb", "-f", cls.deb, name], check=True).stdout.strip()
            cls.fields[name] = value
        cls.control = os.path.join(cls.tmp, "control")
        cls.unpacked = os.path.join(cls.tmp, "root")
        run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)
        run(["dpkg-deb", "-x", cls.deb, cls.unpacked], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_file_name_and_control_fields(self):
        arch = run(["dpkg", "--print-architecture"], check=True).stdout.strip()
        version = project_version()
        self.assertEqual(os.path.basename(self.deb),
                         "entra-pta-exporter_%s_%s.deb" % (version, arch))
        self.assertEqual(self.fields["Package"], "entra-pta-exporter")
        self.assertEqual(self.fields["Version"], version)
        self.assertEqual(self.fields["Architecture"], arch)
        self.assertRegex(self.fields["Maintainer"], r"^.+ <[^@ ]+@[^@ ]+>$")
        self.assertEqual(self.fields["Section"], "net")
        self.assertIn("Pass-through Authentication", self.fields["Description"])

    def test_files(self):
        files = {p for p, mode in self.entries.items() if not mode.startswith("d")}
        for path in ("/" + BINARY, "/" + CONFIG, "/" + UNIT,
                     "/usr/share/doc/entra-pta-exporter/README.md",
                     "/usr/share/doc/entra-pta-exporter/configuration.md",
                     "/usr/share/doc/entra-pta-exporter/metrics.md",
                     "/usr/share/doc/entra-pta-exporter/runbooks.md",
                     "/usr/share/entra-pta-exporter/alerts/entra-pta.rules.yml",
                     "/usr/share/entra-pta-exporter/alerts/alertmanager.yml",
                     "/usr/share/entra-pta-exporter/dashboards/entra-pta-overview.json",
                     "/usr/share/entra-pta-exporter/dashboards/entra-pta-agent.json",
                     "/usr/share/entra-pta-exporter/dashboards/provisioning/dashboards/entra-pta.yml"):
            self.assertIn(path, files)
        for path in files:
            self.assertTrue(path.startswith(("/usr/bin/", "/usr/share/", "/usr/lib/systemd/",
                                             "/etc/entra-pta-exporter/")), path)
        # Only the exporter: no test programs, nothing from the build tree.
        self.assertEqual([p for p in files if p.startswith("/usr/bin/")], ["/" + BINARY])
        self.assertEqual(self.entries["/" + BINARY][:10], "-rwxr-xr-x")
        self.assertEqual(self.entries["/" + CONFIG][:10], "-rw-r--r--")

    def test_the_packaged_binary_runs_stripped(self):
        binary = os.path.join(self.unpacked, BINARY)
        version = run([binary, "--version"])
        self.assertEqual(version.returncode, 0, version.stderr)
        self.assertIn("version " + project_version(), version.stdout)
        check = run([binary, "--config.check=" + os.path.join(self.unpacked, CONFIG)])
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertNotIn(".debug_info", run(["objdump", "-h", binary], check=True).stdout)

    def test_depends_covers_every_needed_library(self):
        depends = {re.split(r"[ (]", d.strip())[0]
                   for d in self.fields["Depends"].split(",")}
        self.assertIn("adduser", depends)
        self.assertIn("ca-certificates", depends)
        dynamic = run(["objdump", "-p", os.path.join(self.unpacked, BINARY)], check=True).stdout
        needed = re.findall(r"^\s+NEEDED\s+(\S+)$", dynamic, re.M)
        self.assertGreaterEqual(len(needed), 5, dynamic)
        libraries = run(["ldconfig", "-p"], check=True).stdout
        for soname in needed:
            paths = re.findall(r"^\s+%s \(libc6,x86-64[^)]*\) => (\S+)$" % re.escape(soname),
                               libraries, re.M) or re.findall(
                r"^\s+%s \([^)]*\) => (\S+)$" % re.escape(soname), libraries, re.M)
            self.assertTrue(paths, "%s not found by ldconfig" % soname)
            owner = run(["dpkg", "-S", os.path.realpath(paths[0])])
            if owner.returncode != 0:  # a usrmerge alias: /lib vs /usr/lib
                owner = run(["dpkg", "-S", paths[0]])
            self.assertEqual(owner.returncode, 0, owner.stderr)
            package = owner.stdout.split(":")[0]
            self.assertIn(package, depends, "%s (%s) is not in Depends: %s"
                          % (soname, package, self.fields["Depends"]))
        for expected in ("libcurl4", "libyaml-cpp0.7", "libc6", "libstdc++6"):
            self.assertIn(expected, depends)

    def test_configuration_is_a_conffile(self):
        with open(os.path.join(self.control, "conffiles"), encoding="utf-8") as f:
            self.assertEqual(f.read().split(), ["/" + CONFIG])
        with open(os.path.join(ROOT, "entra-pta-exporter.yml"), encoding="utf-8") as shipped, \
                open(os.path.join(self.unpacked, CONFIG), encoding="utf-8") as packaged:
            self.assertEqual(shipped.read(), packaged.read())

    def test_maintainer_scripts(self):
        for name in ("postinst", "prerm", "postrm"):
            path = os.path.join(self.control, name)
            mode = stat.S_IMODE(os.stat(path).st_mode)
            self.assertEqual(mode, 0o755, name)
            with open(path, encoding="utf-8") as f:
                self.assertTrue(f.readline().startswith("#!/bin/sh"), name)
            syntax = run(["sh", "-n", path])
            self.assertEqual(syntax.returncode, 0, syntax.stderr)

    def verify_unit(self, unit_file):
        """systemd-analyze verify of `unit_file` installed in a root holding
        the unpacked package and this machine's targets and slices (the
        unit's dependencies), so the unit is checked as installed,
        ExecStart binary included."""
        root = tempfile.mkdtemp(prefix="verify-root-", dir=self.tmp)
        shutil.copytree(self.unpacked, root, dirs_exist_ok=True, symlinks=True)
        units = os.path.join(root, os.path.dirname(UNIT))
        for name in os.listdir("/usr/lib/systemd/system"):
            source = os.path.join("/usr/lib/systemd/system", name)
            if name.endswith((".target", ".slice")) and os.path.isfile(source):
                shutil.copyfile(source, os.path.join(units, name))
        shutil.copyfile(unit_file, os.path.join(root, UNIT))
        return run(["systemd-analyze", "verify", "--root=" + root, "--man=no",
                    os.path.join(root, UNIT)])

    def test_systemd_unit(self):
        with open(os.path.join(self.unpacked, UNIT), encoding="utf-8") as f:
            unit = f.read()
        settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
        exec_start = settings["ExecStart"].split()
        self.assertEqual(exec_start[0], "/" + BINARY)
        self.assertEqual(exec_start[1:], ["--config.file=/" + CONFIG])
        self.assertEqual(settings["User"], "entra-pta-exporter")
        self.assertEqual(settings["StateDirectory"], "entra-pta-exporter")
        self.assertEqual(settings["WantedBy"], "multi-user.target")
        with open(os.path.join(self.control, "postinst"), encoding="utf-8") as f:
            self.assertIn("user=%s\n" % settings["User"], f.read())
        # The cloud collector's default state file is in StateDirectory.
        with open(os.path.join(ROOT, "docs", "configuration.md"), encoding="utf-8") as f:
            self.assertIn("`/var/lib/entra-pta-exporter/cloud-state.json`", f.read())
        verify = self.verify_unit(os.path.join(self.unpacked, UNIT))
        output = verify.stdout + verify.stderr
        self.assertEqual(verify.returncode, 0, output)
        self.assertNotIn("Unknown key", output)
        self.assertNotIn("entra-pta-exporter.service:", output)

    def test_systemd_analyze_catches_a_broken_unit(self):
        broken = os.path.join(self.tmp, "broken.service")
        with open(os.path.join(self.unpacked, UNIT), encoding="utf-8") as f:
            text = f.read()
        with open(broken, "w", encoding="utf-8") as f:
            f.write(text.replace("ExecStart=/usr/bin/", "ExecStart=/usr/sbin/")
                    .replace("Restart=on-failure", "Restart=sometimes"))
        verify = self.verify_unit(broken)
        output = verify.stdout + verify.stderr
        self.assertIn("restart specifier, ignoring: sometimes", output)
        self.assertIn("/usr/sbin/entra_pta_exporter is not executable", output)

    def maintainer_script_run(self, script, args, user_exists):
        """Runs a maintainer script with the commands that would change this
        machine replaced by stand-ins that record their arguments."""
        bin_dir = tempfile.mkdtemp(prefix="stand-ins-", dir=self.tmp)
        log = os.path.join(bin_dir, "calls")
        for command in ("adduser", "chown", "chmod", "mkdir", "systemctl", "rm"):
            path = os.path.join(bin_dir, command)
            with open(path, "w", encoding="utf-8") as f:
                f.write('#!/bin/sh\necho "%s $*" >> %s\n' % (command, log))
            os.chmod(path, 0o755)
        with open(os.path.join(bin_dir, "getent"), "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\nexit %d\n" % (0 if user_exists else 2))
        os.chmod(os.path.join(bin_dir, "getent"), 0o755)
        env = dict(os.environ, PATH=bin_dir + ":/usr/bin:/bin")
        result = run(["sh", os.path.join(self.control, script)] + args, env=env)
        self.assertEqual(result.returncode, 0, result.stderr)
        if not os.path.exists(log):
            return []
        with open(log, encoding="utf-8") as f:
            return f.read().splitlines()

    def test_postinst_creates_the_system_user_and_state_directory(self):
        calls = self.maintainer_script_run("postinst", ["configure", ""], user_exists=False)
        adduser = [c for c in calls if c.startswith("adduser ")]
        self.assertEqual(len(adduser), 1, calls)
        for option in ("--system", "--group", "--home /var/lib/entra-pta-exporter",
                       "--no-create-home"):
            self.assertIn(option, adduser[0])
        self.assertTrue(adduser[0].endswith(" entra-pta-exporter"))
        self.assertIn("chown entra-pta-exporter:entra-pta-exporter /var/lib/entra-pta-exporter", calls)
        self.assertIn("chmod 0700 /var/lib/entra-pta-exporter", calls)
        self.assertIn("chown root:entra-pta-exporter /etc/entra-pta-exporter", calls)
        if not os.path.isdir("/run/systemd/system"):
            self.assertFalse([c for c in calls if c.startswith("systemctl")], calls)
        # An existing user (an upgrade, or the Docker image's) is kept.
        calls = self.maintainer_script_run("postinst", ["configure", "0.0.9"], user_exists=True)
        self.assertFalse([c for c in calls if c.startswith("adduser")], calls)
        # Other actions change nothing.
        self.assertEqual(self.maintainer_script_run("postinst", ["abort-upgrade"], True), [])

    def test_postrm_purge_removes_the_state(self):
        calls = self.maintainer_script_run("postrm", ["purge"], user_exists=True)
        self.assertIn("rm -rf /var/lib/entra-pta-exporter", calls)
        self.assertEqual([c for c in self.maintainer_script_run("postrm", ["remove"], True)
                          if c.startswith("rm")], [])


if __name__ == "__main__":
    unittest.main()
