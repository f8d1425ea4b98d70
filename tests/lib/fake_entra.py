"""A local HTTPS server standing in for the Microsoft identity platform
(the OAuth 2.0 token and device-code endpoints of
https://login.microsoftonline.com/<tenant>/oauth2/v2.0/...) and Microsoft
Graph beta (GET /beta/onPremisesPublishingProfiles/authentication/agentGroups
?$expand=agents), answering with the response shapes Microsoft documents.
Microsoft's cloud cannot be reached from tests; this server is what the
exporter talks to instead, over real TLS with a certificate authority
generated at test time by the `openssl` command line tool.

The tokens and secrets it issues carry recognisable random markers, so tests
can assert that none of them ever shows up in the exporter's logs, metrics
or errors."""

import base64
import hashlib
import json
import os
import tempfile
import ssl
import subprocess
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AGENT_GROUPS_PATH = "/beta/onPremisesPublishingProfiles/authentication/agentGroups"


def make_ca_and_server_cert(directory):
    """Writes ca.pem, server.pem and server.key (SAN IP:127.0.0.1) with the
    openssl tool; returns (ca_file, cert_file, key_file)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True,
                       capture_output=True, timeout=60)
    ca_key = os.path.join(directory, "ca.key")
    ca_pem = os.path.join(directory, "ca.pem")
    key = os.path.join(directory, "server.key")
    csr = os.path.join(directory, "server.csr")
    pem = os.path.join(directory, "server.pem")
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w", encoding="utf-8") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                "basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    run("req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key,
        "-out", ca_pem, "-days", "2", "-subj", "/CN=entra-pta-exporter test CA")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    run("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key,
        "-CAcreateserial", "-out", pem, "-days", "2", "-extfile", ext)
    return ca_pem, pem, key


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_client_certificate(directory, name):
    """An RSA key and self-signed certificate for certificate credentials."""
    key = os.path.join(directory, name + ".key")
    pem = os.path.join(directory, name + ".pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", pem, "-days", "2", "-subj",
                    "/CN=entra-pta-exporter " + name],
                   check=True, capture_output=True, timeout=60)
    return pem, key


def agent(agent_id, machine, ip, status):
    return {"id": agent_id, "machineName": machine, "externalIp": ip,
            "status": status, "supportedPublishingTypes": ["authentication"]}


class FakeEntra:
    """The fake token endpoint and Graph on https://127.0.0.1:<port>."""

    def __init__(self, directory, tenant, client_id):
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = "CS-" + uuid.uuid4().hex
        self.lock = threading.Lock()
        self.requests = []          # (monotonic time, method, path, form)
        self.refresh_tokens = set()  # valid refresh tokens
        self.access_tokens = {}     # token -> expiry (monotonic)
        self.issued = []            # every token issued (for leak checks)
        self.token_lifetime = 3600
        self.graph_mode = "ok"      # ok, 429, 503, 500, malformed, oversized, slow
        self.retry_after = "1"
        self.slow_seconds = 5
        self.device_polls = 0
        self.client_certificate = None  # (sha256 thumbprint, public key PEM)
        self.pages = [
            [agent("a1", "pta01.corp.test", "203.0.113.1", "active"),
             agent("a2", "pta02.corp.test", "203.0.113.2", "inactive")],
            [agent("a3", "PTA03.corp.test", "203.0.113.3", "active")],
        ]
        ca, cert, key = make_ca_and_server_cert(directory)
        self.ca_file = ca
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._handle(self, "POST")

            def do_GET(self):
                fake._handle(self, "GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket,
                                                 server_side=True)
        self.url = "https://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    # --- what tests look at -------------------------------------------------

    def secrets(self):
        """Every secret value this server knows of."""
        with self.lock:
            return [self.client_secret] + list(self.issued)

    def calls(self, method=None, path_prefix=""):
        with self.lock:
            return [r for r in self.requests
                    if (method is None or r[1] == method)
                    and r[2].startswith(path_prefix)]

    def token_grants(self, grant_type):
        return [r for r in self.calls("POST")
                if r[3].get("grant_type") == grant_type]

    def register_client_certificate(self, cert_file):
        """Registers a certificate credential of the app (as uploading it to
        the app registration does)."""
        der = subprocess.run(["openssl", "x509", "-in", cert_file, "-outform",
                              "DER"], check=True, capture_output=True).stdout
        public_key = subprocess.run(
            ["openssl", "x509", "-in", cert_file, "-pubkey", "-noout"],
            check=True, capture_output=True).stdout
        self.client_certificate = (b64url(hashlib.sha256(der).digest()),
                                   public_key)

    def revoke_refresh_tokens(self):
        with self.lock:
            self.refresh_tokens.clear()

    # --- the endpoints -------------------------------------------------------

    def _issue(self, prefix):
        token = prefix + uuid.uuid4().hex
        self.issued.append(token)
        return token

    def _send(self, handler, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def _oauth_error(self, handler, status, error, aadsts, text):
        self._send(handler, status, {
            "error": error,
            "error_description": "%s: %s Trace ID: %s" % (aadsts, text,
                                                        uuid.uuid4()),
            "error_codes": [int(aadsts[6:])],
            "timestamp": "2026-11-25 21:00:00Z",
        })

    def _handle(self, handler, method):
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        form = dict(urllib.parse.parse_qsl(raw))
        with self.lock:
            self.requests.append((time.monotonic(), method, parsed.path, form))
        oauth = "/%s/oauth2/v2.0/" % self.tenant
        if method == "POST" and parsed.path == oauth + "devicecode":
            return self._device_code(handler, form)
        if method == "POST" and parsed.path == oauth + "token":
            return self._token(handler, form)
        if method == "GET" and parsed.path == AGENT_GROUPS_PATH:
            return self._agent_groups(handler, parsed)
        self._send(handler, 404, {"error": {"code": "NotFound",
                                            "message": "no such resource"}})

    def _device_code(self, handler, form):
        if form.get("client_id") != self.client_id:
            return self._oauth_error(handler, 400, "invalid_client",
                                     "AADSTS700016", "Application not found.")
        with self.lock:
            self.device_code = self._issue("DC-")
            self.device_polls = 0
        self._send(handler, 200, {
            "user_code": "FAKE-CODE1",
            "device_code": self.device_code,
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": "To sign in, use a web browser to open the page "
                       "https://microsoft.com/devicelogin and enter the code "
                       "FAKE-CODE1 to authenticate.",
        })

    def _grant(self, handler, with_refresh_token):
        with self.lock:
            access = self._issue("AT-")
            self.access_tokens[access] = time.monotonic() + self.token_lifetime
            body = {"token_type": "Bearer", "scope": "x",
                    "expires_in": self.token_lifetime,
                    "ext_expires_in": self.token_lifetime,
                    "access_token": access}
            if with_refresh_token:
                refresh = self._issue("RT-")
                self.refresh_tokens.add(refresh)
                body["refresh_token"] = refresh
        self._send(handler, 200, body)

    def _token(self, handler, form):
        grant = form.get("grant_type")
        if form.get("client_id") != self.client_id:
            return self._oauth_error(handler, 400, "invalid_client",
                                     "AADSTS700016", "Application not found.")
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            with self.lock:
                self.device_polls += 1
                pending = self.device_polls < 2
            if pending:
                return self._oauth_error(
                    handler, 400, "authorization_pending", "AADSTS70016",
                    "The user has not yet completed authorization.")
            return self._grant(handler, with_refresh_token=True)
        if grant == "refresh_token":
            with self.lock:
                token = form.get("refresh_token")
                valid = token in self.refresh_tokens
                if valid:
                    self.refresh_tokens.discard(token)  # rotated
            if not valid:
                return self._oauth_error(
                    handler, 400, "invalid_grant", "AADSTS50173",
                    "The provided grant has expired due to it being revoked.")
            return self._grant(handler, with_refresh_token=True)
        if grant == "client_credentials" and "client_assertion" in form:
            problem = self._check_assertion(form)
            if problem:
                return self._oauth_error(handler, 401, "invalid_client",
                                         "AADSTS700027", problem)
            return self._grant(handler, with_refresh_token=False)
        if grant == "client_credentials":
            if form.get("client_secret") != self.client_secret:
                return self._oauth_error(
                    handler, 401, "invalid_client", "AADSTS7000215",
                    "Invalid client secret provided.")
            return self._grant(handler, with_refresh_token=False)
        self._oauth_error(handler, 400, "unsupported_grant_type",
                          "AADSTS70003", "The grant type is not supported.")

    def _check_assertion(self, form):
        """Validates a certificate-credential JWT as the identity platform
        does: type, registered certificate, claims, RS256 signature (checked
        with the openssl tool). Returns the problem, or None."""
        if form.get("client_assertion_type") != (
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"):
            return "Wrong client_assertion_type."
        parts = form["client_assertion"].split(".")
        if len(parts) != 3 or self.client_certificate is None:
            return "Client assertion is not a JWT."
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        thumbprint, public_key = self.client_certificate
        if header.get("alg") != "RS256" or header.get("x5t#S256") != thumbprint:
            return "Client assertion contains an unknown certificate."
        audience = "%s/%s/oauth2/v2.0/token" % (self.url, self.tenant)
        now = time.time()
        if (claims.get("aud") != audience or claims.get("iss") != self.client_id
                or claims.get("sub") != self.client_id
                or not claims.get("jti")
                or not claims.get("nbf", now + 60) <= now + 5
                or not claims.get("exp", 0) > now):
            return "Client assertion claims are invalid."
        with tempfile.TemporaryDirectory() as tmp:
            paths = {}
            for name, data in (("key.pem", public_key),
                               ("data", (parts[0] + "." + parts[1]).encode()),
                               ("sig", b64url_decode(parts[2]))):
                paths[name] = os.path.join(tmp, name)
                with open(paths[name], "wb") as f:
                    f.write(data)
            verified = subprocess.run(
                ["openssl", "dgst", "-sha256", "-verify", paths["key.pem"],
                 "-signature", paths["sig"], paths["data"]],
                capture_output=True, timeout=60).returncode == 0
        return None if verified else "Client assertion failed signature validation."

    def _agent_groups(self, handler, parsed):
        auth = handler.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with self.lock:
            expiry = self.access_tokens.get(token)
            mode = self.graph_mode
        if expiry is None or expiry < time.monotonic():
            return self._send(handler, 401, {"error": {
                "code": "InvalidAuthenticationToken",
                "message": "Access token has expired or is not yet valid."}})
        if mode in ("429", "503"):
            return self._send(handler, int(mode), {"error": {
                "code": "TooManyRequests" if mode == "429" else
                        "ServiceUnavailable",
                "message": "Please retry after the time in Retry-After."}},
                headers=[("Retry-After", self.retry_after)])
        if mode == "500":
            return self._send(handler, 500, {"error": {
                "code": "generalException", "message": "General exception."}})
        if mode == "malformed":
            return self._send(handler, 200, b'{"value": [{"agents": [{"id": ')
        if mode == "oversized":
            filler = [agent("x%d" % i, "m", "1.1.1.1", "active")
                      for i in range(40000)]  # about 5 MB
            return self._send(handler, 200, {"value": [{"agents": filler}]})
        if mode == "slow":
            time.sleep(self.slow_seconds)
        query = urllib.parse.parse_qs(parsed.query)
        page = int(query.get("$skiptoken", ["0"])[0])
        body = {
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#"
                              "onPremisesPublishingProfiles('authentication')"
                              "/agentGroups(agents())",
            "value": [{
                "id": "0b1c2d3e-0000-4000-8000-00000000000%d" % page,
                "displayName": "Default group for Pass-through Authentication",
                "publishingType": "authentication",
                "isDefault": page == 0,
                "agents": self.pages[page],
            }],
        }
        if page + 1 < len(self.pages):
            body["@odata.nextLink"] = (
                self.url + AGENT_GROUPS_PATH + "?$expand=agents&$skiptoken=%d"
                % (page + 1))
        self._send(handler, 200, body)
