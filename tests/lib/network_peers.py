"""Real network peers for the endpoint/tls tests, all on 127.0.0.1:

- TestPki: a test PKI made at test time with the `openssl` command: a
  "genuine" root and issuing CA named like Microsoft's, a leaf for
  localhost/127.0.0.1, an expired leaf, and a "corporate inspection" CA.
- Nginx (Debian nginx-light) serving the chains, answering 404 like the
  agent's endpoints do to a bare GET; plus plain-HTTP servers.
- Tinyproxy, a plain CONNECT proxy; Mitmdump (mitmproxy), a real
  TLS-intercepting proxy with its own CA.
- SilentServer (accepts TCP, never says a word) and BlackHole (a listener
  whose accept queue is full, so new SYNs are dropped and connects hang).

Every peer picks free ports, writes into its own temporary directory and is
stopped by close() / the context manager."""

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import harness


def _run(cmd, cwd):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    if proc.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(cmd), proc.stderr))


def wait_for_port(port, proc=None, timeout=20, what="server"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("%s exited early with status %s" %
                               (what, proc.returncode))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s did not listen on port %d" % (what, port))


def _stop(proc):
    harness.stop_process(proc, timeout=10)


EXT = """\
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

CA_CONF = """\
[ca]
default_ca = test
[test]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
"""


class TestPki:
    """Certificates and keys under one temporary directory (PEM files)."""

    ROOT_NAME = "Microsoft RSA Root Certificate Authority 2017"
    ISSUING_NAME = "Microsoft Azure RSA TLS Issuing CA 04"
    INSPECTION_NAME = "Contoso Corporate SSL Inspection CA"

    def __init__(self, key_type="ec"):
        """key_type: "ec" (P-256, fast to make) or "rsa" (2048 bits, what
        Microsoft's endpoints serve)."""
        self.key_type = key_type
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-pki-")
        d = self.dir = self.tmp.name
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write(EXT)
        self._ca("root", self.ROOT_NAME, None)
        self._ca("issuing", self.ISSUING_NAME, "root")
        self._ca("inspection", self.INSPECTION_NAME, None)
        self._leaf("leaf", "issuing")
        self._expired_leaf("expired", "issuing")
        self._leaf("forged", "inspection")
        self.chain = self._concat("chain.pem", ["leaf.pem", "issuing.pem"])
        self.expired_chain = self._concat("expired-chain.pem",
                                          ["expired.pem", "issuing.pem"])
        self.root = self.path("root.pem")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _key(self, name):
        if self.key_type == "rsa":
            options = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        else:
            options = ["-algorithm", "EC", "-pkeyopt",
                       "ec_paramgen_curve:P-256"]
        _run(["openssl", "genpkey"] + options + ["-out", name + ".key"],
             self.dir)

    def _ca(self, name, cn, issuer):
        self._key(name)
        if issuer is None:
            _run(["openssl", "req", "-new", "-x509", "-key", name + ".key",
                  "-subj", "/O=Test/CN=" + cn, "-days", "3650",
                  "-extensions", "ca", "-config", "ext.cnf",
                  "-out", name + ".pem"], self.dir)
        else:
            self._sign(name, cn, issuer, "ca")

    def _sign(self, name, cn, issuer, ext):
        _run(["openssl", "req", "-new", "-key", name + ".key", "-subj",
              "/O=Test/CN=" + cn, "-out", name + ".csr"], self.dir)
        _run(["openssl", "x509", "-req", "-in", name + ".csr", "-CA",
              issuer + ".pem", "-CAkey", issuer + ".key", "-CAcreateserial",
              "-days", "825", "-extfile", "ext.cnf", "-extensions", ext,
              "-out", name + ".pem"], self.dir)

    def _leaf(self, name, issuer):
        self._key(name)
        self._sign(name, "localhost", issuer, "leaf")

    def _expired_leaf(self, name, issuer):
        # `openssl ca` is the way to set dates in the past.
        self._key(name)
        _run(["openssl", "req", "-new", "-key", name + ".key", "-subj",
              "/O=Test/CN=localhost", "-out", name + ".csr"], self.dir)
        ca_dir = os.path.join(self.dir, "ca-db")
        os.makedirs(ca_dir)
        open(os.path.join(ca_dir, "index.txt"), "w").close()
        with open(os.path.join(ca_dir, "serial"), "w") as f:
            f.write("1000\n")
        with open(os.path.join(self.dir, "ca.cnf"), "w") as f:
            f.write(CA_CONF.format(dir=ca_dir) + EXT)
        _run(["openssl", "ca", "-batch", "-config", "ca.cnf", "-in",
              name + ".csr", "-cert", issuer + ".pem", "-keyfile",
              issuer + ".key", "-startdate", "20200101000000Z", "-enddate",
              "20210101000000Z", "-extensions", "leaf", "-out",
              name + ".pem", "-notext"], self.dir)

    def _concat(self, name, parts):
        out = self.path(name)
        with open(out, "w") as f:
            for part in parts:
                with open(self.path(part)) as p:
                    f.write(p.read())
        return out

    def close(self):
        self.tmp.cleanup()


NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
user root root;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 256; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{genuine} ssl;
    ssl_certificate {chain};
    ssl_certificate_key {leaf_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {{ return 404; }}
  }}
  server {{
    listen 127.0.0.1:{expired} ssl;
    ssl_certificate {expired_chain};
    ssl_certificate_key {expired_key};
    location / {{ return 404; }}
  }}
  server {{
    listen 127.0.0.1:{plain};
    location / {{ return 404; }}
  }}
}}
"""


class Nginx:
    """nginx with three servers: genuine chain, expired chain, plain HTTP."""

    def __init__(self, pki):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-nginx-")
        self.genuine_port = harness.free_port()
        self.expired_port = harness.free_port()
        self.plain_port = harness.free_port()
        conf = os.path.join(self.tmp.name, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(
                dir=self.tmp.name, genuine=self.genuine_port,
                expired=self.expired_port, plain=self.plain_port,
                chain=pki.chain, leaf_key=pki.path("leaf.key"),
                expired_chain=pki.expired_chain,
                expired_key=pki.path("expired.key")))
        self.proc = subprocess.Popen(
            ["nginx", "-c", conf, "-p", self.tmp.name, "-e",
             os.path.join(self.tmp.name, "startup.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in (self.genuine_port, self.expired_port, self.plain_port):
            wait_for_port(port, self.proc, what="nginx")

    def close(self):
        _stop(self.proc)
        self.tmp.cleanup()


class Tinyproxy:
    """tinyproxy as a plain HTTP/CONNECT proxy; its log shows the CONNECTs."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-tinyproxy-")
        self.port = harness.free_port()
        self.log_path = os.path.join(self.tmp.name, "tinyproxy.log")
        conf = os.path.join(self.tmp.name, "tinyproxy.conf")
        with open(conf, "w") as f:
            f.write("Port %d\nListen 127.0.0.1\nAllow 127.0.0.1\n"
                    "Timeout 30\nLogLevel Connect\nLogFile \"%s\"\n"
                    "MaxClients 50\n" % (self.port, self.log_path))
        self.proc = subprocess.Popen(["tinyproxy", "-d", "-c", conf],
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc, what="tinyproxy")
        self.url = "http://127.0.0.1:%d" % self.port

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def close(self):
        _stop(self.proc)
        self.tmp.cleanup()


class Mitmdump:
    """mitmproxy's mitmdump: re-signs every TLS connection with its own CA
    (generated in its confdir), like an SSL-inspection appliance."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="entra-pta-mitm-")
        self.port = harness.free_port()
        self.proc = subprocess.Popen(
            ["mitmdump", "--listen-host", "127.0.0.1", "--listen-port",
             str(self.port), "--set", "confdir=" + self.tmp.name,
             "--ssl-insecure", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc, timeout=60, what="mitmdump")
        self.url = "http://127.0.0.1:%d" % self.port

    def close(self):
        _stop(self.proc)
        self.tmp.cleanup()


class SilentServer:
    """Accepts TCP connections and never sends a byte (a stalled TLS
    server)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                continue

    def close(self):
        self._stop = True
        self.thread.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.sock.close()


class GarbageServer:
    """Accepts TCP connections and answers something that is not HTTP."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.settimeout(2)
                    conn.recv(4096)
                    conn.sendall(b"SSH-2.0-not-http\r\n\r\n")
                except OSError:
                    pass

    def close(self):
        self._stop = True
        self.thread.join(timeout=5)
        self.sock.close()


class BlackHole:
    """A port where connects hang: the listener never accepts and its
    accept queue is already full, so the kernel drops further SYNs."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fillers = []
        # Fill the queue: connects that complete until one would block.
        for _ in range(4):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", self.port))
            except BlockingIOError:
                pass
            self.fillers.append(s)
        time.sleep(0.1)

    def close(self):
        for s in self.fillers:
            s.close()
        self.sock.close()


def refused_port():
    """A port on 127.0.0.1 with nothing listening."""
    return harness.free_port()


def require(*programs):
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        raise RuntimeError("missing programs (scripts/install-deps installs "
                           "them): " + ", ".join(missing))
