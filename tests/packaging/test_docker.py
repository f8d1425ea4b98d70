"""docker/: the image and the compose stack, checked without a Docker
engine (there is none on our machines or in CI).

- The Dockerfile: multi-stage on Debian 12, its build stage runs only the
  scripts CI runs (scripts/install-deps --build-only, scripts/package, which
  calls scripts/build with CI's flags), every COPY source exists in the
  build context, the final stage runs as a non-root user, exposes the
  exporter's port and has a HEALTHCHECK that uses the binary's own
  `health-check` command on the configured port.
- docker/entra-pta-exporter.yml passes the real binary's --config.check and
  enables the collectors the image is for.
- docker/compose.yml passes `docker-compose config` (the compose schema),
  every bind-mounted path exists, and the configurations each service sees
  at its mount points are checked by the real tools: `promtool check
  config` (with the rules under alerts/ and the file_sd example),
  `amtool check-config`, and the Grafana provisioning files (data source
  pointing at the stack's Prometheus, dashboard path holding both
  dashboards).
- scripts/install-deps --build-only installs a subset of the full list with
  no test peers, and is a no-op (no network) once the full set is there.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import harness  # noqa: E402
import simple_yaml  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DOCKER = os.path.join(ROOT, "docker")
DOCKERFILE = os.path.join(DOCKER, "Dockerfile")
COMPOSE = os.path.join(DOCKER, "compose.yml")


def tool(name):
    path = shutil.which(name)
    if path is None:
        raise AssertionError("%s not found (scripts/install-deps installs it)" % name)
    return path


def parse_dockerfile(text):
    """The instructions of a Dockerfile as (line, INSTRUCTION, arguments),
    continuation lines joined, comments and parser directives dropped."""
    instructions = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        line = pending + stripped
        pending = ""
        word, _, rest = line.partition(" ")
        instructions.append((start, word.upper(), rest.strip()))
    if pending:
        raise ValueError("Dockerfile ends inside a continued line")
    return instructions


def stages(instructions):
    """[(base image, alias or None, [instructions])] per FROM."""
    result = []
    for item in instructions:
        if item[1] == "FROM":
            parts = item[2].split()
            alias = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            result.append((parts[0], alias, []))
        elif result:
            result[-1][2].append(item)
        elif item[1] != "ARG":
            raise ValueError("line %d: %s before FROM" % (item[0], item[1]))
    return result


def exec_form(arguments):
    """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD."""
    value = json.loads(arguments)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("not an exec-form array: " + arguments)
    return value


def dockerignore_patterns():
    with open(os.path.join(ROOT, ".dockerignore"), encoding="utf-8") as f:
        return [line.strip() for line in f
                if line.strip() and not line.startswith("#")]


def ignored_by_dockerignore(relative, patterns):
    import fnmatch
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.lstrip("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatch(prefix, pattern) or (
                    pattern.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pattern[3:])):
                return True
    return False


class DockerfileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        with open(DOCKERFILE, encoding="utf-8") as f:
            cls.instructions = parse_dockerfile(f.read())
        cls.stages = stages(cls.instructions)

    def test_parser_rejects_a_dangling_continuation(self):
        with self.assertRaises(ValueError):
            parse_dockerfile("FROM debian:12-slim\nRUN true \\\n")
        self.assertEqual(parse_dockerfile("FROM a\nRUN x \\\n  # c\n  y\n"),
                         [(1, "FROM", "a"), (2, "RUN", "x  y")])

    def test_multi_stage_on_debian_12(self):
        self.assertGreaterEqual(len(self.stages), 2)
        for image, _, _ in self.stages:
            self.assertRegex(image, r"^debian:(12|bookworm)(-slim)?$")
        self.assertEqual(self.stages[0][1], "build")

    def test_build_stage_runs_the_scripts_ci_runs(self):
        runs = [args for _, word, args in self.stages[0][2] if word == "RUN"]
        self.assertEqual(len(runs), 2, runs)
        self.assertRegex(runs[0], r"^scripts/install-deps --build-only( |$)")
        package = shlex.split(runs[1])
        programs = [w for w in package if not re.fullmatch(r"[A-Z_]+=.*", w)]
        self.assertEqual(programs[0], "scripts/package")
        for script in ("scripts/install-deps", "scripts/package", "scripts/build"):
            self.assertTrue(os.access(os.path.join(ROOT, script), os.X_OK), script)
        # scripts/package builds with scripts/build and CI's warning flags,
        # as scripts/test (what .ci/run runs) does.
        with open(os.path.join(ROOT, "scripts", "package"), encoding="utf-8") as f:
            package_script = f.read()
        with open(os.path.join(ROOT, "scripts", "test"), encoding="utf-8") as f:
            test_script = f.read()
        with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
            self.assertIn("scripts/test", f.read())
        for script in (package_script, test_script):
            self.assertRegex(script, r'scripts/build"? \\?\s*-DENTRA_PTA_WARNINGS_AS_ERRORS=ON')
        self.assertIn("ENTRA_PTA_BUILD_ONLY_DEPS=1", package_script)
        self.assertIn("cpack -G DEB", package_script)

    def test_every_copy_source_is_in_the_build_context(self):
        patterns = dockerignore_patterns()
        copies = 0
        for line, word, args in self.instructions:
            if word not in ("COPY", "ADD"):
                continue
            self.assertEqual(word, "COPY", "line %d: use COPY, not ADD" % line)
            words = args.split()
            if any(w.startswith("--from=") for w in words):
                continue
            sources = [w for w in words if not w.startswith("--")][:-1]
            for source in sources:
                copies += 1
                if source == ".":
                    continue
                self.assertTrue(os.path.exists(os.path.join(ROOT, source)),
                                "line %d: COPY %s: no such file" % (line, source))
                self.assertFalse(ignored_by_dockerignore(source.rstrip("/"), patterns),
                                 "line %d: COPY %s is excluded by .dockerignore" % (line, source))
        self.assertGreaterEqual(copies, 3)
        self.assertTrue(ignored_by_dockerignore("build/x", patterns))
        self.assertTrue(ignored_by_dockerignore("build-package", patterns))

    def test_final_stage_copies_the_package_the_build_stage_makes(self):
        build_dir = None
        for _, word, args in self.stages[0][2]:
            m = re.search(r"ENTRA_PTA_BUILD_DIR=(\S+)", args)
            if word == "RUN" and m:
                build_dir = m.group(1)
        self.assertIsNotNone(build_dir)
        froms = [args.split() for _, word, args in self.stages[-1][2]
                 if word == "COPY" and "--from=build" in args]
        self.assertEqual(len(froms), 1)
        # cmake/Packaging.cmake puts packages in <build dir>/packages.
        with open(os.path.join(ROOT, "cmake", "Packaging.cmake"), encoding="utf-8") as f:
            self.assertIn("set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)", f.read())
        self.assertEqual(froms[0][1].rstrip("/"), build_dir.rstrip("/") + "/packages")

    def test_final_stage_runs_as_a_non_root_user(self):
        users = [args for _, word, args in self.stages[-1][2] if word == "USER"]
        self.assertEqual(len(users), 1)
        user = users[0].split(":")[0]
        self.assertNotIn(user, ("root", "0", ""))
        runs = " ".join(args for _, word, args in self.stages[-1][2] if word == "RUN")
        if user.isdigit():
            self.assertIn("--uid %s" % user, runs)  # the user exists
        # Nothing after USER may need root.
        after_user = False
        for _, word, _ in self.stages[-1][2]:
            after_user = after_user or word == "USER"
            if after_user:
                self.assertNotIn(word, ("RUN", "COPY"))

    def test_port_health_check_and_command_fit_the_exporter(self):
        final = self.stages[-1][2]
        words = {word: args for _, word, args in final}
        self.assertEqual(words.get("EXPOSE"), "9847")
        health = words.get("HEALTHCHECK")
        self.assertIsNotNone(health, "no HEALTHCHECK")
        self.assertIn(" CMD ", " " + health)
        command = exec_form(health.split(" CMD ", 1)[1] if " CMD " in health
                            else health.split("CMD ", 1)[1])
        entry = exec_form(words["ENTRYPOINT"])
        self.assertEqual(command[0], entry[0])
        self.assertEqual(command[1], "health-check")
        # The configuration the image runs listens where the check asks.
        cmd = exec_form(words["CMD"])
        config = [a.split("=", 1)[1] for a in cmd if a.startswith("--config.file=")]
        self.assertEqual(config, ["/etc/entra-pta-exporter/entra-pta-exporter.yml"])
        copied = [args.split() for _, word, args in final if word == "COPY" and "--from" not in args]
        self.assertIn(["docker/entra-pta-exporter.yml", config[0]], copied)
        listen = simple_yaml.load(os.path.join(DOCKER, "entra-pta-exporter.yml"))["web"]["listen_address"]
        self.assertIn("--web.listen-address=" + listen, command)
        self.assertTrue(listen.endswith(":9847"))
        # The flags it passes are the command's own: a bad one exits 2.
        exporter = harness.exporter_binary()
        bad = subprocess.run([exporter, "health-check", "--no-such-flag"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2, bad.stderr)
        # Nothing listens on port 1 of the loopback: unhealthy, exit 1.
        down = subprocess.run([exporter] + command[1:2] + ["--web.listen-address=127.0.0.1:1"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(down.returncode, 1, down.stderr)

    def test_container_config_is_valid_and_enables_the_image_collectors(self):
        path = os.path.join(DOCKER, "entra-pta-exporter.yml")
        check = subprocess.run([harness.exporter_binary(), "--config.check=" + path],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        collectors = simple_yaml.load(path)["collectors"]
        for name in ("endpoint", "tls", "heartbeat", "domain_controller", "cloud"):
            self.assertIs(collectors[name]["enabled"], True, name)
        # The state file sits in the image's volume, owned by its user.
        self.assertTrue(collectors["cloud"]["state_file"].startswith("/var/lib/entra-pta-exporter/"))
        with open(DOCKERFILE, encoding="utf-8") as f:
            self.assertIn("VOLUME /var/lib/entra-pta-exporter", f.read())


class ComposeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.compose = simple_yaml.load(COMPOSE)
        cls.services = cls.compose["services"]

    def compose_config(self, path):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
        return subprocess.run([tool("docker-compose"), "-f", path, "config", "-q"],
                              capture_output=True, text=True, timeout=60, env=env,
                              cwd=os.path.dirname(path))

    def test_docker_compose_validates_it(self):
        result = self.compose_config(COMPOSE)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_docker_compose_rejects_a_broken_copy(self):
        with open(COMPOSE, encoding="utf-8") as f:
            text = f.read()
        broken = text.replace("    restart: unless-stopped\n", "    restart_policy: always\n", 1)
        self.assertNotEqual(broken, text)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "compose.yml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(broken)
            result = self.compose_config(path)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("restart_policy", result.stderr)

    def test_the_stack(self):
        self.assertEqual(set(self.services),
                         {"exporter", "prometheus", "alertmanager", "grafana"})
        build = self.services["exporter"]["build"]
        self.assertEqual(os.path.normpath(os.path.join(DOCKER, build["context"])), ROOT)
        self.assertEqual(os.path.join(ROOT, build["dockerfile"]), DOCKERFILE)
        self.assertIn("9847:9847", self.services["exporter"]["ports"])
        for name, service in self.services.items():
            if name != "exporter":
                # Pinned versions, never "latest".
                self.assertRegex(service["image"], r":v?\d+\.\d+\.\d+$", name)

    def mounts(self, service):
        """(host path or volume name, container path, is_bind) per volume."""
        result = []
        for spec in self.services[service].get("volumes", []):
            parts = spec.split(":")
            if parts[-1] in ("ro", "rw"):
                parts = parts[:-1]
            self.assertEqual(len(parts), 2, spec)
            source, target = parts
            bind = source.startswith((".", "/"))
            if bind:
                source = os.path.normpath(os.path.join(DOCKER, source))
            result.append((source, target, bind))
        return result

    def test_every_mount_exists(self):
        named = set(self.compose.get("volumes") or {})
        for service in self.services:
            for source, target, bind in self.mounts(service):
                if bind:
                    self.assertTrue(os.path.exists(source), "%s: %s" % (service, source))
                    self.assertTrue(source.startswith(ROOT + os.sep), source)
                else:
                    self.assertIn(source, named, "%s: undeclared volume" % service)
                self.assertTrue(target.startswith("/"), target)

    def layout(self, service, tmp):
        """A directory laid out as `service` sees its bind mounts."""
        root = os.path.join(tmp, service)
        for source, target, bind in self.mounts(service):
            if not bind:
                continue
            destination = root + target
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            if os.path.isdir(source):
                shutil.copytree(source, destination)
            else:
                shutil.copyfile(source, destination)
        return root

    def discover(self, config, job):
        """The targets `promtool check service-discovery` finds for `job`."""
        result = subprocess.run([tool("promtool"), "check", "service-discovery",
                                 "--timeout=2s", config, job],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        return json.loads(result.stdout)

    def test_prometheus_config_as_mounted(self):
        command = self.services["prometheus"]["command"]
        config_arg = [c for c in command if c.startswith("--config.file=")]
        self.assertEqual(len(config_arg), 1)
        with tempfile.TemporaryDirectory() as tmp:
            root = self.layout("prometheus", tmp)
            config = root + config_arg[0].split("=", 1)[1]
            result = subprocess.run([tool("promtool"), "check", "config", config],
                                    capture_output=True, text=True, timeout=60)
            output = result.stdout + result.stderr
            self.assertEqual(result.returncode, 0, output)
            self.assertIn("SUCCESS: 1 rule files found", output)
            rules = re.search(r"SUCCESS: (\d+) rules found", output)
            self.assertTrue(rules and int(rules.group(1)) > 10, output)

            # The file_sd example, put where the job reads it: promtool
            # runs the job's service discovery and shows the targets.
            targets = os.path.join(os.path.dirname(config), "targets")
            example = os.path.join(targets, "agent-servers.yml")
            shutil.copyfile(example + ".example", example)
            discovered = self.discover(config, "entra_pta")
            expected = simple_yaml.load(example)
            self.assertGreaterEqual(sum(len(g["targets"]) for g in expected), 3)
            self.assertEqual(
                sorted((t["labels"]["instance"], t["labels"]["tenant"]) for t in discovered),
                sorted((target, group["labels"]["tenant"])
                       for group in expected for target in group["targets"]))
            for target in discovered:
                self.assertEqual(target["labels"]["job"], "entra_pta")
            # ... and a broken targets file yields none.
            with open(example, "a", encoding="utf-8") as f:
                f.write("- targets: 5\n")
            self.assertEqual(self.discover(config, "entra_pta"), [])

        prometheus = simple_yaml.load(os.path.join(DOCKER, "prometheus.yml"))
        # Scrape and alerting targets are the stack's services on their ports.
        jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
        for name in jobs:
            self.assertTrue(name.startswith("entra_pta"), name)  # the rules expect it
        self.assertEqual(jobs["entra_pta_cloud"]["static_configs"][0]["targets"], ["exporter:9847"])
        self.assertEqual(jobs["entra_pta"]["file_sd_configs"][0]["files"], ["targets/*.yml"])
        self.assertEqual(prometheus["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"],
                         ["alertmanager:9093"])
        self.assertIn("9093:9093", self.services["alertmanager"]["ports"])
        # No target file in the repository: the quick start pages about nothing.
        self.assertEqual([f for f in os.listdir(os.path.join(DOCKER, "targets")) if f.endswith(".yml")], [])

    def test_alertmanager_config_as_mounted(self):
        command = self.services["alertmanager"]["command"]
        config_arg = [c for c in command if c.startswith("--config.file=")]
        with tempfile.TemporaryDirectory() as tmp:
            root = self.layout("alertmanager", tmp)
            result = subprocess.run([tool("amtool"), "check-config",
                                     root + config_arg[0].split("=", 1)[1]],
                                    capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("SUCCESS", result.stdout)

    def test_grafana_provisioning_as_mounted(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = self.layout("grafana", tmp)
            provisioning = root + "/etc/grafana/provisioning"
            providers = simple_yaml.load(provisioning + "/dashboards/entra-pta.yml")
            self.assertEqual(providers["apiVersion"], 1)
            path = providers["providers"][0]["options"]["path"]
            boards = sorted(f for f in os.listdir(root + path) if f.endswith(".json"))
            self.assertEqual(boards, ["entra-pta-agent.json", "entra-pta-overview.json"])
            uids = set()
            for board in boards:
                with open(os.path.join(root + path, board), encoding="utf-8") as f:
                    uids.add(json.load(f)["uid"])
            self.assertEqual(uids, {"entra-pta-agent", "entra-pta-overview"})
            home = self.services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
            self.assertTrue(os.path.isfile(root + home), home)

            sources = simple_yaml.load(provisioning + "/datasources/entra-pta.yml")
            self.assertEqual(sources["apiVersion"], 1)
            (source,) = sources["datasources"]
            self.assertEqual(source["type"], "prometheus")
            self.assertEqual(source["url"], "http://prometheus:9090")
            self.assertIn("9090:9090", self.services["prometheus"]["ports"])
            # The same uid as the file shipped for other Grafanas.
            shipped = simple_yaml.load(os.path.join(ROOT, "dashboards", "provisioning",
                                                    "datasources", "entra-pta.yml"))
            self.assertEqual(source["uid"], shipped["datasources"][0]["uid"])


class InstallDepsTest(unittest.TestCase):

    def listed(self, *args):
        result = subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "--list"] + list(args),
                                capture_output=True, text=True, timeout=30, check=True)
        return result.stdout.split()

    def test_build_only_is_a_subset_without_test_peers(self):
        full, build = self.listed(), self.listed("--build-only")
        self.assertTrue(set(build) < set(full), set(build) - set(full))
        for peer in ("wine", "wine64", "mitmproxy", "nginx-light", "tinyproxy",
                     "prometheus", "libgtest-dev", "clang-format", "docker-compose"):
            self.assertIn(peer, full)
            self.assertNotIn(peer, build)
        for needed in ("cmake", "g++", "prometheus-cpp-dev", "dpkg-dev", "file"):
            self.assertIn(needed, build)

    def test_build_only_is_a_no_op_once_installed(self):
        # The suite runs after the full install-deps: nothing is missing, so
        # it must neither print nor touch apt (this namespace has no network).
        result = subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "--build-only"],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""))

    def test_unknown_argument(self):
        result = subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "--bogus"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 2)
        self.assertIn("unknown argument --bogus", result.stderr)


class SimpleYamlTest(unittest.TestCase):

    def test_subset(self):
        self.assertEqual(simple_yaml.parse(
            "a:\n  - x\n  - 'y: z'\n  - k: 1\n    l: [p, 'q']\nb: ~\nc: \"s # t\"  # c\nd:\n- e\n"),
            {"a": ["x", "y: z", {"k": 1, "l": ["p", "q"]}], "b": None,
             "c": "s # t", "d": ["e"]})

    def test_rejects_what_it_does_not_understand(self):
        for text in ("a: &x 1\n", "a: *x\n", "a: |\n  x\n", "a: {b: 1}\n",
                     "a: 1\na: 2\n", "a:\n\t- 1\n", "a: 'x\n", "a:\n  b: 1\n c: 2\n"):
            with self.assertRaises(ValueError, msg=text):
                simple_yaml.parse(text)


if __name__ == "__main__":
    unittest.main()
