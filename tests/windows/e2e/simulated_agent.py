"""A simulated PTA agent installation inside a Wine prefix, made and
removed by the end-to-end tests: what the exporter's service, eventlog,
agent and heartbeat collectors read on a real agent server.

- Services AzureADConnectAuthenticationAgent and AzureADConnectAgentUpdater,
  both the stand-in service exe (agent_standin.cc, with a VERSIONINFO
  resource) copied to the agent's real install paths.
- The agent's registry values (InstanceID, TenantID).
- TrustSettings.xml naming a certificate (made here with openssl) that is
  imported into LocalMachine\\MY.
- The trace-log directory with a trace file whose age the test sets.
- The Admin channels, served by the test build's fake wevtapi.dll from the
  folder fake-wevtapi-channels next to it (the exporter runs as a service
  and does not see the test's environment).

Wine gives a service %ProgramData% = C:\\users\\Public, so the paths here
are spelled out and the tests' exporter configuration names them.
"""

import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile
import time

AGENT_SERVICE = "AzureADConnectAuthenticationAgent"
UPDATER_SERVICE = "AzureADConnectAgentUpdater"
AGENT_DIR = r"C:\Program Files\Microsoft Azure AD Connect Authentication Agent"
AGENT_EXE = AGENT_DIR + r"\AzureADConnectAuthenticationAgentService.exe"
UPDATER_DIR = r"C:\Program Files\Microsoft Azure AD Connect Agent Updater"
UPDATER_EXE = UPDATER_DIR + r"\AzureADConnectAgentUpdater.exe"
DATA_DIR = r"C:\ProgramData\Microsoft\Azure AD Connect Authentication Agent"
TRACE_DIR = DATA_DIR + r"\Trace"
TRUST_SETTINGS = DATA_DIR + r"\Config\TrustSettings.xml"
REGISTRY_KEY = (r"SOFTWARE\Microsoft\Azure AD Connect Agents"
                r"\Azure AD Connect Authentication Agent")
INSTANCE_ID = "3a6f0e52-8c1d-4f7b-9e2a-5d4c3b2a1f09"
TENANT_ID = "0c7e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c"
STANDIN_VERSION = "1.5.3437.0"  # agent_standin.rc
AGENT_CHANNEL = "Microsoft-AzureADConnect-AuthenticationAgent/Admin"
UPDATER_CHANNEL = "Microsoft-AzureADConnect-AgentUpdater/Admin"
AGENT_PROVIDER = "Microsoft-AzureADConnect-AuthenticationAgent"
TRACE_FILE = "AzureADConnectAuthenticationAgent_20261125.log"


def event_xml(record_id, event_id, level, channel, provider, when=None,
              message=""):
    when = when or datetime.datetime.now(datetime.timezone.utc)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (
        when.microsecond * 10)
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
        "<System><Provider Name='%s'/><EventID Qualifiers='0'>%d</EventID>"
        "<Version>0</Version><Level>%d</Level><Task>0</Task><Opcode>0</Opcode>"
        "<Keywords>0x8000000000000000</Keywords>"
        "<TimeCreated SystemTime='%s'/><EventRecordID>%d</EventRecordID>"
        "<Correlation/><Execution ProcessID='3120' ThreadID='4410'/>"
        "<Channel>%s</Channel><Computer>pta01.contoso.local</Computer>"
        "<Security UserID='S-1-5-20'/></System><EventData>"
        "<Data Name='Message'>%s</Data></EventData></Event>" % (
            provider, event_id, level, stamp, record_id, channel, message))


class SimulatedAgent:
    """Builds the installation in `wine` (a wine_host.WineHost) with the
    stand-in exe at `standin` (a Linux path); `channels_dir` is the Linux
    path of the fake wevtapi's channel folder. remove() undoes it all."""

    def __init__(self, wine, standin, channels_dir):
        self.wine = wine
        self.standin = standin
        self.channels_dir = channels_dir
        self.thumbprint = None
        self.certificate_not_after = None
        self._record_ids = {}
        self.tmp = tempfile.TemporaryDirectory(prefix="entra_pta_agent_")

    # --- build -----------------------------------------------------------
    def install(self):
        self.remove()  # whatever an interrupted run left behind
        for exe in (AGENT_EXE, UPDATER_EXE):
            path = self.wine.unix_path(exe)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            shutil.copyfile(self.standin, path)
        der = self._make_certificate()
        staged = r"C:\users\Public\entra-pta-agent.der"
        shutil.copyfile(der, self.wine.unix_path(staged))
        key = "HKLM\\" + REGISTRY_KEY
        # One cmd for all of it: every wine process costs a second or more.
        result = self.wine.run_batch([
            'sc create %s binPath= "\\"%s\\"" start= auto DisplayName= '
            '"Microsoft Azure AD Connect Authentication Agent"'
            % (AGENT_SERVICE, AGENT_EXE),
            'sc create %s binPath= "\\"%s\\"" start= auto DisplayName= '
            '"Microsoft Azure AD Connect Agent Updater"'
            % (UPDATER_SERVICE, UPDATER_EXE),
            'reg add "%s" /v InstanceID /t REG_SZ /d %s /f' % (key, INSTANCE_ID),
            'reg add "%s" /v TenantID /t REG_SZ /d %s /f' % (key, TENANT_ID),
            '"%s" import-certificate "%s"' % (AGENT_EXE, staged)])
        os.remove(self.wine.unix_path(staged))
        if result.returncode != 0:
            raise RuntimeError("installing the simulated agent: %r" % result)
        self._write_trust_settings()
        os.makedirs(self.wine.unix_path(TRACE_DIR), exist_ok=True)
        self.set_trace_age(60)
        os.makedirs(self.channels_dir, exist_ok=True)
        for channel in (AGENT_CHANNEL, UPDATER_CHANNEL):
            self._record_ids[channel] = 0
            with open(self._channel_file(channel), "w", encoding="utf-8"):
                pass
        # History from before the exporter started: look_back 0s must not
        # count it.
        self.write_event(AGENT_CHANNEL, 31034, 2,
                         when=datetime.datetime.now(datetime.timezone.utc)
                         - datetime.timedelta(hours=2),
                         message="old news")
        self.start_services()

    def _make_certificate(self):
        """A self-signed certificate (DER) like the agent's, valid 180 days;
        sets thumbprint and certificate_not_after."""
        der = os.path.join(self.tmp.name, "agent.der")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             os.path.join(self.tmp.name, "agent.key"), "-days", "180",
             "-subj", "/CN=" + INSTANCE_ID, "-outform", "DER", "-out", der],
            check=True, capture_output=True, timeout=60)
        with open(der, "rb") as f:
            self.thumbprint = hashlib.sha1(f.read()).hexdigest()
        out = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", der,
                              "-noout", "-enddate"], check=True,
                             capture_output=True, text=True, timeout=60)
        self.certificate_not_after = datetime.datetime.strptime(
            out.stdout.strip().split("=", 1)[1], "%b %d %H:%M:%S %Y GMT"
        ).replace(tzinfo=datetime.timezone.utc).timestamp()
        return der

    def _write_trust_settings(self):
        path = self.wine.unix_path(TRUST_SETTINGS)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="utf-8"?>\r\n'
                    '<ConnectorTrustSettingsFile '
                    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\r\n'
                    '  <CloudProxyTrust>\r\n'
                    '    <Thumbprint>%s</Thumbprint>\r\n'
                    '    <IsInUserStore>false</IsInUserStore>\r\n'
                    '  </CloudProxyTrust>\r\n'
                    '</ConnectorTrustSettingsFile>\r\n' % self.thumbprint)

    def remove(self):
        extra = ['reg delete "HKLM\\SOFTWARE\\Microsoft\\Azure AD Connect Agents" /f']
        if self.thumbprint is not None and os.path.exists(
                self.wine.unix_path(AGENT_EXE)):
            extra.append('"%s" delete-certificate %s' % (AGENT_EXE,
                                                         self.thumbprint))
        self.wine.delete_services([AGENT_SERVICE, UPDATER_SERVICE], extra)
        for directory in (AGENT_DIR, UPDATER_DIR, DATA_DIR):
            shutil.rmtree(self.wine.unix_path(directory), ignore_errors=True)
        shutil.rmtree(self.channels_dir, ignore_errors=True)

    def close(self):
        self.remove()
        self.tmp.cleanup()

    # --- breaks and repairs ----------------------------------------------
    def start_services(self):
        for service in (AGENT_SERVICE, UPDATER_SERVICE):
            if self.wine.service_state(service) != "RUNNING":
                self.wine.start_service(service)

    def stop_agent_service(self):
        self.wine.stop_service(AGENT_SERVICE)

    def trace_file(self):
        return os.path.join(self.wine.unix_path(TRACE_DIR), TRACE_FILE)

    def set_trace_age(self, seconds):
        """The agent's trace file, last written `seconds` ago."""
        path = self.trace_file()
        with open(path, "a", encoding="utf-8") as f:
            f.write("Information: heartbeat\n")
        when = time.time() - seconds
        os.utime(path, (when, when))

    def _channel_file(self, channel):
        return os.path.join(self.channels_dir,
                            channel.replace("/", "_") + ".events")

    def write_event(self, channel, event_id, level, when=None, message=""):
        """Appends an event (Level 2 = Error) to a channel; the fake
        wevtapi serves it from the next query on."""
        self._record_ids[channel] += 1
        line = "%d\t%s\n" % (self._record_ids[channel], event_xml(
            self._record_ids[channel], event_id, level, channel,
            AGENT_PROVIDER if channel == AGENT_CHANNEL
            else "Microsoft-AzureADConnect-AgentUpdater", when, message))
        with open(self._channel_file(channel), "a", encoding="utf-8") as f:
            f.write(line)
