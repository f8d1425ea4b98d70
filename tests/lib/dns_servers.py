"""Real DNS servers for tests: dnsmasq (Debian package dnsmasq-base) run
unprivileged in the foreground on a free 127.0.0.1 port, configured entirely
from the command line (-C /dev/null: no system configuration), plus a UDP
socket that never answers (a DNS server that has hung)."""

import os
import shutil
import socket
import subprocess
import time

import harness


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dnsmasq:
    """dnsmasq on 127.0.0.1:<free port> with the given extra options
    (e.g. --srv-host=..., --host-record=..., --local=/test/)."""

    def __init__(self, options):
        binary = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
        if not os.access(binary, os.X_OK):
            raise RuntimeError("dnsmasq not found (scripts/install-deps "
                               "installs dnsmasq-base)")
        self.port = free_udp_port()
        user = "root" if os.geteuid() == 0 else None
        cmd = [binary, "--keep-in-foreground", "--conf-file=/dev/null",
               "--port=%d" % self.port, "--listen-address=127.0.0.1",
               "--bind-interfaces", "--no-resolv", "--no-hosts",
               "--pid-file=", "--log-facility=-", "--log-queries"]
        if user:
            # Stay root and keep the group (an empty --group): switching to
            # nobody/dip fails in the tests' user namespace (lib/in-netns),
            # which maps no other ids and forbids setgroups().
            cmd += ["--user=" + user, "--group="]
        cmd += list(options)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self._wait_ready()

    @property
    def address(self):
        return "127.0.0.1:%d" % self.port

    def _wait_ready(self, timeout=10):
        """Waits until dnsmasq answers a query (any answer will do)."""
        query = (b"\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
                 b"\x05ready\x04test\x00\x00\x01\x00\x01")
        deadline = time.monotonic() + timeout
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.2)
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("dnsmasq exited: " + self.proc.stderr.read())
                try:
                    s.sendto(query, ("127.0.0.1", self.port))
                    s.recvfrom(4096)
                    return
                except OSError:
                    time.sleep(0.05)
        self.stop()
        raise RuntimeError("dnsmasq did not start on port %d" % self.port)

    def stop(self):
        harness.stop_process(self.proc, timeout=10)
        self.proc.stderr.close()


class SilentDnsServer:
    """A bound UDP socket on 127.0.0.1 that never reads or answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = "127.0.0.1:%d" % self.sock.getsockname()[1]

    def stop(self):
        self.sock.close()
