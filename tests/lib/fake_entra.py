"""A local HTTPS server standing in for Microsoft's cloud: the Microsoft
identity platform (the OAuth 2.0 token and device-code endpoints of
https://login.microsoftonline.com/<tenant>/oauth2/v2.0/...) and Microsoft
Graph (beta GET /onPremisesPublishingProfiles/authentication/agentGroups
?$expand=agents; v1.0 GET /auditLogs/signIns and GET /organization),
answering with the response shapes, paging, errors and permission checks
Microsoft documents. Microsoft's cloud cannot be reached from tests; this
server is what the exporter talks to instead, over real TLS with a
certificate authority generated at test time by the `openssl` command line
tool.

Sign-in logs (https://learn.microsoft.com/graph/api/signin-list): newest
first, at most 1,000 per page ($top above that is a 400), paged through
@odata.nextLink with an opaque $skiptoken over a snapshot taken at the first
page; $filter is evaluated for exactly the forms the signIn resource
documents as supported for the properties the exporter uses
(createdDateTime ge/le/eq, status/errorCode eq, joined by and/or with
parentheses) and anything else is Graph's 400 BadRequest, so a wrong filter
fails the test instead of silently matching. A tenant without Entra ID P1/P2
gets Graph's 403 Authentication_RequestFromNonPremiumTenantOrB2CTenant. The
server's clock can be offset (`clock_offset`) to simulate skew between
Graph and the exporter: createdDateTime and the Date header both use it.

Permissions: a device-code sign-in is granted the scopes it asked for (as
far as `delegated_consent` allows); a refresh must not ask for more than was
granted (AADSTS65001, as Entra answers); every access token carries every
permission granted, and each Graph resource checks the ones it needs.

The tokens and secrets it issues carry recognisable random markers, so tests
can assert that none of them ever shows up in the exporter's logs, metrics
or errors."""

import base64
import datetime
import email.utils
import hashlib
import json
import os
import re
import tempfile
import ssl
import subprocess
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

AGENT_GROUPS_PATH = "/beta/onPremisesPublishingProfiles/authentication/agentGroups"
SIGNINS_PATH = "/v1.0/auditLogs/signIns"
ORGANIZATION_PATH = "/v1.0/organization"
ALL_PERMISSIONS = frozenset({
    "Policy.Read.HybridAuthentication", "AuditLog.Read.All",
    "Directory.Read.All", "Organization.Read.All"})
# The PTA error codes and the texts Entra shows for them.
PTA_FAILURES = {
    80001: "Unable to connect to Active Directory.",
    80002: "Password validation request timed out.",
    80005: "Validation encountered unpredictable WebException.",
    80007: "An error occurred communicating with Active Directory.",
    80010: "The Authentication Agent is unable to decrypt password.",
    80011: "The Authentication Agent is unable to retrieve the decryption key.",
    80012: "The user attempted to log on outside of the allowed hours.",
    80013: "The authentication attempt could not be completed due to time skew.",
    80014: "Validation request responded after maximum elapsed time exceeded.",
}
ORGANIZATION_PROPERTIES = ("onPremisesSyncEnabled", "onPremisesLastSyncDateTime",
                           "onPremisesLastPasswordSyncDateTime", "id",
                           "displayName")


def graph_time(epoch):
    """Graph's DateTimeOffset as the sign-in log spells it."""
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_graph_time(text):
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z", text):
        raise ValueError(text)
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class FilterError(Exception):
    pass


def compile_signin_filter(text):
    """$filter -> predicate(sign_in), for the documented forms only."""
    tokens = re.findall(r"\(|\)|[^\s()]+", text)
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else None

    def take():
        if pos[0] >= len(tokens):
            raise FilterError("unexpected end of the filter")
        pos[0] += 1
        return tokens[pos[0] - 1]

    def comparison():
        field, op, value = take(), take(), take()
        if field == "createdDateTime" and op in ("ge", "le", "eq"):
            try:
                when = parse_graph_time(value)
            except ValueError:
                raise FilterError("invalid DateTimeOffset " + value)
            return {"ge": lambda s: s["_created"] >= when,
                    "le": lambda s: s["_created"] <= when,
                    "eq": lambda s: s["_created"] == when}[op]
        if field == "status/errorCode" and op == "eq":
            if not re.fullmatch(r"-?\d+", value):
                raise FilterError("invalid Int32 " + value)
            code = int(value)
            return lambda s: s["status"]["errorCode"] == code
        raise FilterError("unsupported filter: %s %s" % (field, op))

    def primary():
        if peek() == "(":
            take()
            inner = disjunction()
            if take() != ")":
                raise FilterError("missing )")
            return inner
        return comparison()

    def conjunction():
        terms = [primary()]
        while peek() == "and":
            take()
            terms.append(primary())
        return lambda s: all(t(s) for t in terms)

    def disjunction():
        terms = [conjunction()]
        while peek() == "or":
            take()
            terms.append(conjunction())
        return lambda s: any(t(s) for t in terms)

    predicate = disjunction()
    if pos[0] != len(tokens):
        raise FilterError("unexpected " + tokens[pos[0]])
    return predicate


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
        self.refresh_tokens = {}    # valid refresh token -> granted scopes
        self.access_tokens = {}     # token -> (expiry (monotonic), scopes)
        self.issued = []            # every token issued (for leak checks)
        self.token_lifetime = 3600
        self.graph_mode = "ok"      # ok, 429, 503, 500, malformed, oversized, slow
        self.retry_after = "1"
        self.slow_seconds = 5
        self.device_polls = 0
        self.client_certificate = None  # (sha256 thumbprint, public key PEM)
        # What the tenant's admin consented to for delegated sign-ins, and
        # the application permissions of the app registration.
        self.delegated_consent = set(ALL_PERMISSIONS)
        self.app_roles = set(ALL_PERMISSIONS)
        self.device_scopes = set()
        self.clock_offset = 0.0     # seconds Graph's clock is ahead
        self.licensed = True        # Entra ID P1/P2 (sign-in logs need it)
        self.signins = []           # newest last; see add_signin
        self.signin_mode = "ok"     # ok, 500, malformed, hostile
        self.organization_mode = "ok"
        self.throttle_next = {}     # path -> how many 429s to answer next
        self.signin_page_size = 1000  # the server's own page limit
        self.duplicate_across_pages = False
        self.snapshots = {}         # $skiptoken -> (results, offset, top)
        self.organization = {
            "id": "0b1c2d3e-1111-4000-8000-000000000000",
            "displayName": "Contoso",
            "onPremisesSyncEnabled": True,
            "onPremisesLastSyncDateTime": None,
            "onPremisesLastPasswordSyncDateTime": None,
        }
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

            def date_time_string(self, timestamp=None):
                return email.utils.formatdate(fake.now(), usegmt=True)

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

    def now(self):
        """Graph's clock (the local one plus clock_offset)."""
        return time.time() + self.clock_offset

    def add_signin(self, code, created=None, signin_id=None,
                   user="adele@contoso.test"):
        """Records a sign-in (created now in Graph's clock unless given);
        returns its id."""
        signin_id = signin_id or str(uuid.uuid4())
        created = self.now() if created is None else created
        created = float(int(created))  # the log has seconds precision
        reason = PTA_FAILURES.get(code, "Other." if code else None)
        with self.lock:
            self.signins.append({
                "id": signin_id,
                "createdDateTime": graph_time(created),
                "userDisplayName": user.split("@")[0],
                "userPrincipalName": user,
                "appDisplayName": "Office 365 Exchange Online",
                "clientAppUsed": "Browser",
                "ipAddress": "198.51.100.7",
                "isInteractive": True,
                "status": {"errorCode": code, "failureReason": reason,
                           "additionalDetails": None},
                "_created": created,
            })
        return signin_id

    def add_signin_burst(self, code, count, spread_seconds=0.0, created=None):
        """`count` sign-ins failing with `code`, spread evenly over the
        last `spread_seconds`; returns their ids."""
        end = self.now() if created is None else created
        return [self.add_signin(code, end - spread_seconds * i / max(count, 1))
                for i in range(count)]

    def set_sync(self, enabled=True, last_sync=None, last_password_sync=None):
        """The organization's sync state; times are epoch seconds or None."""
        with self.lock:
            self.organization["onPremisesSyncEnabled"] = enabled
            self.organization["onPremisesLastSyncDateTime"] = (
                None if last_sync is None else graph_time(last_sync))
            self.organization["onPremisesLastPasswordSyncDateTime"] = (
                None if last_password_sync is None
                else graph_time(last_password_sync))

    def throttle(self, path, count):
        """The next `count` GETs of `path` answer 429 with Retry-After."""
        with self.lock:
            self.throttle_next[path] = count

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

    @staticmethod
    def _scopes(form):
        """"https://graph.../AuditLog.Read.All offline_access" -> names."""
        return {s.rsplit("/", 1)[-1] for s in form.get("scope", "").split()
                if s != "offline_access"}

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
        if method == "GET" and parsed.path == SIGNINS_PATH:
            return self._signins(handler, parsed)
        if method == "GET" and parsed.path == ORGANIZATION_PATH:
            return self._organization(handler, parsed)
        self._send(handler, 404, {"error": {"code": "NotFound",
                                            "message": "no such resource"}})

    def _device_code(self, handler, form):
        if form.get("client_id") != self.client_id:
            return self._oauth_error(handler, 400, "invalid_client",
                                     "AADSTS700016", "Application not found.")
        requested = self._scopes(form)
        with self.lock:
            self.device_code = self._issue("DC-")
            self.device_polls = 0
            self.device_scopes = requested & self.delegated_consent
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

    def _grant(self, handler, with_refresh_token, scopes):
        with self.lock:
            access = self._issue("AT-")
            # Delegated tokens are marked: some resources need more
            # permissions for them than for app-only ones.
            self.access_tokens[access] = (
                time.monotonic() + self.token_lifetime,
                frozenset(scopes) | ({"(delegated)"} if with_refresh_token
                                     else set()))
            body = {"token_type": "Bearer", "scope": "x",
                    "expires_in": self.token_lifetime,
                    "ext_expires_in": self.token_lifetime,
                    "access_token": access}
            if with_refresh_token:
                refresh = self._issue("RT-")
                self.refresh_tokens[refresh] = frozenset(scopes)
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
            return self._grant(handler, True, self.device_scopes)
        if grant == "refresh_token":
            with self.lock:
                token = form.get("refresh_token")
                granted = self.refresh_tokens.get(token)
                asked = self._scopes(form)
                consented = granted is not None and asked <= granted
                if consented:
                    del self.refresh_tokens[token]  # rotated
            if granted is None:
                return self._oauth_error(
                    handler, 400, "invalid_grant", "AADSTS50173",
                    "The provided grant has expired due to it being revoked.")
            if not consented:
                return self._oauth_error(
                    handler, 400, "invalid_grant", "AADSTS65001",
                    "The user or administrator has not consented to use the "
                    "application.")
            return self._grant(handler, True, granted)
        if grant == "client_credentials" and "client_assertion" in form:
            problem = self._check_assertion(form)
            if problem:
                return self._oauth_error(handler, 401, "invalid_client",
                                         "AADSTS700027", problem)
            return self._grant(handler, False, self.app_roles)
        if grant == "client_credentials":
            if form.get("client_secret") != self.client_secret:
                return self._oauth_error(
                    handler, 401, "invalid_client", "AADSTS7000215",
                    "Invalid client secret provided.")
            return self._grant(handler, False, self.app_roles)
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

    def _graph_error(self, handler, status, code, message, headers=()):
        self._send(handler, status, {"error": {
            "code": code, "message": message,
            "innerError": {"date": graph_time(self.now()),
                           "request-id": str(uuid.uuid4()),
                           "client-request-id": str(uuid.uuid4())}}},
            headers=headers)

    def _authorize(self, handler, path):
        """The token's permissions, or None once a 401/429 was answered."""
        auth = handler.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        with self.lock:
            expiry, scopes = self.access_tokens.get(token, (None, None))
            throttled = self.throttle_next.get(path, 0)
            if throttled:
                self.throttle_next[path] = throttled - 1
        if expiry is None or expiry < time.monotonic():
            self._graph_error(handler, 401, "InvalidAuthenticationToken",
                              "Access token has expired or is not yet valid.")
            return None
        if throttled:
            self._graph_error(handler, 429, "TooManyRequests",
                              "Too many requests.",
                              headers=[("Retry-After", self.retry_after)])
            return None
        return scopes

    def _agent_groups(self, handler, parsed):
        scopes = self._authorize(handler, AGENT_GROUPS_PATH)
        if scopes is None:
            return
        with self.lock:
            mode = self.graph_mode
        if "Policy.Read.HybridAuthentication" not in scopes:
            return self._graph_error(handler, 403, "Authorization_RequestDenied",
                                     "Insufficient privileges to complete the "
                                     "operation.")
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

    def _bad_request(self, handler, message):
        self._graph_error(handler, 400, "BadRequest", message)

    def _signins(self, handler, parsed):
        scopes = self._authorize(handler, SIGNINS_PATH)
        if scopes is None:
            return
        # Delegated: AuditLog.Read.All and Directory.Read.All; app-only:
        # AuditLog.Read.All (the signin-list permission table).
        needed = {"AuditLog.Read.All"} | (
            {"Directory.Read.All"} if "(delegated)" in scopes else set())
        if not needed <= scopes:
            return self._graph_error(
                handler, 403, "Authentication_MSGraphPermissionMissing",
                "Calling principal does not have required MSGraph "
                "permissions AuditLog.Read.All")
        if not self.licensed:
            return self._graph_error(
                handler, 403,
                "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                "Neither tenant is B2C or tenant doesn't have premium license")
        with self.lock:
            mode = self.signin_mode
        if mode == "500":
            return self._graph_error(handler, 500, "UnknownError", "")
        if mode == "malformed":
            return self._send(handler, 200, b'{"value": [{"id": "x", "crea')
        if mode == "hostile":
            return self._send(handler, 200, {"value": [
                {"id": "a\"b", "createdDateTime": "yesterday",
                 "status": {"errorCode": "80001"}}]})
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        unknown = set(query) - {"$filter", "$top", "$skiptoken"}
        if unknown or any(len(v) != 1 for v in query.values()):
            return self._bad_request(handler, "Unsupported query option: %s"
                                     % ", ".join(sorted(unknown or query)))
        if "$skiptoken" in query:
            with self.lock:
                snapshot = self.snapshots.get(query["$skiptoken"][0])
            if snapshot is None:
                return self._bad_request(handler, "Invalid $skiptoken")
            results, offset, top = snapshot
        else:
            top = query.get("$top", ["1000"])[0]
            if not re.fullmatch(r"\d+", top) or not 1 <= int(top) <= 1000:
                return self._bad_request(
                    handler, "Invalid value for $top: the maximum is 1000")
            top = int(top)
            try:
                predicate = (compile_signin_filter(query["$filter"][0])
                             if "$filter" in query else (lambda s: True))
            except FilterError as e:
                return self._bad_request(handler, "Invalid filter clause: %s"
                                         % e)
            with self.lock:
                results = [dict(s) for s in self.signins if predicate(s)]
            results.sort(key=lambda s: s["_created"], reverse=True)
            offset = 0
        size = min(top, self.signin_page_size)
        page = results[offset:offset + size]
        body = {"@odata.context": "https://graph.microsoft.com/v1.0/"
                                  "$metadata#auditLogs/signIns",
                "value": [{k: v for k, v in s.items() if not k.startswith("_")}
                          for s in page]}
        if offset + size < len(results):
            token = uuid.uuid4().hex
            following = offset + size - (1 if self.duplicate_across_pages
                                         else 0)
            with self.lock:
                self.snapshots[token] = (results, following, top)
            body["@odata.nextLink"] = (self.url + SIGNINS_PATH +
                                       "?$top=%d&$skiptoken=%s" % (top, token))
        self._send(handler, 200, body)

    def _organization(self, handler, parsed):
        scopes = self._authorize(handler, ORGANIZATION_PATH)
        if scopes is None:
            return
        if not scopes & {"Organization.Read.All", "Directory.Read.All"}:
            return self._graph_error(handler, 403, "Authorization_RequestDenied",
                                     "Insufficient privileges to complete the "
                                     "operation.")
        with self.lock:
            mode = self.organization_mode
            organization = dict(self.organization)
        if mode == "500":
            return self._graph_error(handler, 500, "UnknownError", "")
        if mode == "malformed":
            return self._send(handler, 200, b'{"value": [{"onPremisesSync')
        query = urllib.parse.parse_qs(parsed.query)
        selected = query.get("$select", [",".join(ORGANIZATION_PROPERTIES)])[0]
        names = selected.split(",")
        if set(query) - {"$select"} or not set(names) <= set(
                ORGANIZATION_PROPERTIES):
            return self._bad_request(
                handler, "Could not find a property named '%s' on type "
                "'microsoft.graph.organization'." % selected)
        self._send(handler, 200, {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#"
                              "organization(%s)" % selected,
            "value": [{name: organization[name] for name in names}]})
