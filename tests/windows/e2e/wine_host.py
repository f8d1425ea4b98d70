"""A Wine prefix for the Windows end-to-end tests: created once and cached,
locked for one run at a time, its wineserver started and stopped by the test.

The prefix lives in $ENTRA_PTA_WINE_E2E_PREFIX or, by default, under
~/.cache/entra-pta-exporter/wine-e2e/<wine version>, apart from the prefix
scripts/test-windows uses for the unit tests, so both can run at once. A
lock file next to it (<prefix>.lock, flock) keeps two end-to-end runs from
sharing a wineserver and its services.

Pitfalls handled here (see the WINDOWS-ON-LINUX notes): the first
wine process starts wineserver and services.exe, which inherit its stdio, so
the system processes are started with all output going to /dev/null before
anything else runs, and every command's output goes to files, never to
pipes; a service lives only as long as a persistent wineserver ("-p"); `net
stop` returns while a service is still STOP_PENDING, so states are polled.
"""

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest


def wine_version():
    out = subprocess.run(["wine", "--version"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=30)
    return out.stdout.strip() or "unknown"


def required_file(variable):
    """The built file an environment variable names (ctest sets them from
    the Windows build's targets); skips the test when it is not there."""
    path = os.environ.get(variable)
    if not path or not os.path.isfile(path):
        raise unittest.SkipTest("%s is not set to a built file" % variable)
    return path


def default_prefix():
    cache = os.environ.get("ENTRA_PTA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME")
        or os.path.join(os.path.expanduser("~"), ".cache"),
        "entra-pta-exporter")
    return os.path.join(cache, "wine-e2e",
                        re.sub(r"[^A-Za-z0-9.-]", "_", wine_version()))


READY_MARKER = ".entra-pta-e2e-ready"


class Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self):
        return "exit %d\nstdout:\n%s\nstderr:\n%s" % (
            self.returncode, self.stdout, self.stderr)


class WineHost:
    """Use as a context manager: locks and boots the prefix on entry, kills
    its wineserver and releases the lock on exit."""

    def __init__(self, prefix=None):
        self.prefix = os.path.abspath(
            prefix or os.environ.get("ENTRA_PTA_WINE_E2E_PREFIX")
            or default_prefix())
        self.env = dict(os.environ, WINEPREFIX=self.prefix, WINEDEBUG="-all",
                        WINEARCH="win64")
        self.env.pop("WINEDLLOVERRIDES", None)
        self._lock = None
        self.boot_seconds = 0.0

    # --- life cycle ------------------------------------------------------
    def __enter__(self):
        os.makedirs(os.path.dirname(self.prefix), exist_ok=True)
        self._lock = open(self.prefix + ".lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            self._boot()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        self._quiet(["wineserver", "-k"], timeout=60)
        self._quiet(["wineserver", "-w"], timeout=60)
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _quiet(self, cmd, timeout=120):
        return subprocess.run(cmd, env=self.env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout,
                              check=False).returncode

    def _boot(self):
        started = time.monotonic()
        # A wineserver left over from an interrupted run may belong to
        # another network namespace; never reuse it.
        self._quiet(["wineserver", "-k"], timeout=60)
        self._quiet(["wineserver", "-w"], timeout=60)
        if not os.path.exists(os.path.join(self.prefix, READY_MARKER)):
            shutil.rmtree(self.prefix, ignore_errors=True)
            self._quiet(["wineboot", "-i"], timeout=300)
            self._quiet(["wineserver", "-w"], timeout=300)
            # A crash prints two lines instead of starting a debugger.
            self._quiet(["wine", "reg", "delete",
                         r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug",
                         "/v", "Debugger", "/f"])
            self._quiet(["wineserver", "-w"], timeout=120)
            open(os.path.join(self.prefix, READY_MARKER), "w").close()
        # Persistent server (services live as long as it does), then the
        # system processes with their output going nowhere.
        self._quiet(["wineserver", "-p"])
        self._quiet(["wine", "cmd", "/c", "exit"])
        self.boot_seconds = time.monotonic() - started

    # --- commands --------------------------------------------------------
    def run(self, args, timeout=120, env=None):
        """Runs `wine args...` with stdin from /dev/null and stdout/stderr
        into files (never pipes); returns a Result."""
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.run(["wine"] + list(args),
                                  env=dict(self.env, **(env or {})),
                                  stdin=subprocess.DEVNULL, stdout=out,
                                  stderr=err, timeout=timeout, check=False)
            out.seek(0)
            err.seek(0)
            return Result(proc.returncode,
                          out.read().decode("utf-8", "replace"),
                          err.read().decode("utf-8", "replace"))

    def run_batch(self, lines, timeout=300, stop_on_error=True):
        """Runs several commands in one `wine cmd /c` (each wine process
        costs a second or more): lines of a .bat file, by default stopping
        at the first failure. Returns the Result of cmd."""
        path = self.unix_path(r"C:\users\Public\entra-pta-e2e.bat")
        with open(path, "w", encoding="utf-8", newline="\r\n") as f:
            f.write("@echo off\n")
            for line in lines:
                f.write(line + "\n")
                if stop_on_error:
                    f.write("if errorlevel 1 exit /b 1\n")
        try:
            return self.run(["cmd", "/c", r"C:\users\Public\entra-pta-e2e.bat"],
                            timeout=timeout)
        finally:
            os.remove(path)

    def check(self, args, timeout=120):
        result = self.run(args, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError("wine %s failed: %r" % (" ".join(args), result))
        return result

    # --- paths -----------------------------------------------------------
    def unix_path(self, windows_path):
        """C:\\a\\b -> <prefix>/drive_c/a/b (drive C only)."""
        if not re.match(r"^[Cc]:\\", windows_path):
            raise ValueError("not a C: path: " + windows_path)
        return os.path.join(self.prefix, "drive_c",
                            *windows_path[3:].split("\\"))

    # --- registry --------------------------------------------------------
    def reg_set(self, key, name, value, kind="REG_SZ"):
        self.check(["reg", "add", key, "/v", name, "/t", kind, "/d", value,
                    "/f"])

    def reg_delete_key(self, key):
        self.run(["reg", "delete", key, "/f"])

    def reg_key_exists(self, key):
        return self.run(["reg", "query", key]).returncode == 0

    # --- services --------------------------------------------------------
    def service_state(self, name):
        """"RUNNING", "STOPPED", ... or None when not installed."""
        result = self.run(["sc", "query", name])
        m = re.search(r"STATE\s*:\s*\d+\s+(\w+)", result.stdout)
        return m.group(1) if m else None

    def wait_service_state(self, name, state, timeout=60):
        deadline = time.monotonic() + timeout
        current = None
        while time.monotonic() < deadline:
            current = self.service_state(name)
            if current == state:
                return
            time.sleep(0.2)
        raise AssertionError("service %s is %s, not %s after %d s" %
                             (name, current, state, timeout))

    def create_service(self, name, command_line, display_name=None):
        self.check(["sc", "create", name, "binPath=", command_line,
                    "start=", "auto", "DisplayName=", display_name or name])

    def start_service(self, name):
        self.check(["sc", "start", name])
        self.wait_service_state(name, "RUNNING")

    def stop_service(self, name):
        if self.service_state(name) not in (None, "STOPPED"):
            self.run(["sc", "stop", name])
            self.wait_service_state(name, "STOPPED")

    def delete_services(self, names, extra_commands=(), timeout=60):
        """Stops and deletes services (those installed) in one batch, with
        extra_commands run after them whatever their result; waits until
        the SCM no longer knows them."""
        lines = ["sc stop %s" % n for n in names]
        lines += ["sc delete %s" % n for n in names]
        self.run_batch(lines + list(extra_commands), stop_on_error=False)
        deadline = time.monotonic() + timeout
        for name in names:
            while self.service_state(name) is not None:
                if time.monotonic() > deadline:
                    raise AssertionError("service %s was not deleted" % name)
                time.sleep(0.2)

    def delete_service(self, name):
        """Stops and deletes a service; nothing when it is not installed."""
        if self.service_state(name) is None:
            return
        self.stop_service(name)
        self.run(["sc", "delete", name])
        deadline = time.monotonic() + 30
        while self.service_state(name) is not None:
            if time.monotonic() > deadline:
                raise AssertionError("service %s was not deleted" % name)
            time.sleep(0.2)
