#!/usr/bin/env python3
"""The exporter's Windows Event Log sink under Wine, checked at ReportEventW.

Wine's Event Log stores nothing (ReportEventW is a stub that reports
success), but Wine's advapi32 traces its arguments: a `fixme:advapi`
line per RegisterEventSourceW (the source name), ReportEventW (handle,
type, category, event ID, number of strings) and DeregisterEventSource,
and the text of each string on the `eventlog` channel, as `trace` for
information, `warn` for warnings and `err` for errors. This test runs
entra_pta_event_log_writer.exe (tests/windows/event_log_writer.cc), which
logs stdin's lines through the production sink
(exporter/platform/event_log_sink_windows.cc) as the service does, with
WINEDEBUG=+eventlog,fixme+advapi and its stderr in a file, and checks
that every line arrives at ReportEventW with the right source, type, event
ID and text, and that the source is closed at the end.

Usage: event_log_trace_test.py WINE WRITER_EXE (run by ctest from
scripts/test-windows, which boots the Wine prefix and its server first).
"""

import os
import re
import subprocess
import sys
import tempfile

EVENT_ID = 1000
INFORMATION, WARNING, ERROR = 0x0004, 0x0002, 0x0001

# (line written by the exporter's logger, expected event type); empty lines
# make no event.
LINES = [
    ('ts=2026-01-01T00:00:00Z level=info msg="listening" address=:9847',
     INFORMATION),
    ('ts=2026-01-01T00:00:01Z level=warn msg="collector slow" collector=dc',
     WARNING),
    ("", None),
    ('{"ts":"2026-01-01T00:00:02Z","level":"error","msg":"scrape failed"}',
     ERROR),
    ('level=error msg="cannot reach C:\\ProgramData\\x"\tcode=5', ERROR),
    ('level=info msg="h\u00f4te caf\u00e9 \u2713"', INFORMATION),
    # Written without a newline: reported when the sink closes.
    ('level=info msg="stopped"', INFORMATION),
]


def wine_debugstr(text):
    """What Wine's debugstr_w prints for a UTF-16 string (without L"")."""
    out = []
    for char in text:
        code = ord(char)
        if char in '\n\r\t"\\':
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"',
                        "\\": "\\\\"}[char])
        elif code < 0x20 or code >= 0x7F:
            out.append("\\%04x" % code)
        else:
            out.append(char)
    return "".join(out)


TRACE = re.compile(r"^([0-9a-f]+):(\w+):(\w+):(\w+) (.*)$")


def main():
    wine, writer = sys.argv[1], sys.argv[2]
    source = "EntraPtaExporterTest%d" % os.getpid()
    env = dict(os.environ, WINEDEBUG="+eventlog,fixme+advapi")
    with tempfile.TemporaryDirectory() as tmp:
        stdin_path = os.path.join(tmp, "lines")
        with open(stdin_path, "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(line for line, _ in LINES))
        # Files, not pipes: a Wine system process started by this call
        # would inherit a pipe and keep a reader waiting.
        with open(stdin_path, "rb") as stdin, \
                open(os.path.join(tmp, "out"), "wb") as stdout, \
                open(os.path.join(tmp, "err"), "wb") as stderr:
            code = subprocess.run([wine, writer, source], stdin=stdin,
                                  stdout=stdout, stderr=stderr, env=env,
                                  timeout=60, check=False).returncode
        with open(os.path.join(tmp, "out"), encoding="utf-8",
                  errors="replace") as f:
            out = f.read()
        with open(os.path.join(tmp, "err"), encoding="utf-8",
                  errors="replace") as f:
            err = f.read()

    failures = []

    def check(condition, what):
        if not condition:
            failures.append(what)

    check(code == 0, "writer exit status %d" % code)
    check(out.strip() == "opened", "writer printed %r" % out)

    # The writer's thread: the one that registered our source.
    handle = thread = None
    registered = re.compile(
        r'RegisterEventSourceW \(\(null\),L"%s"\)' % re.escape(source))
    events = []  # [type, event id, strings, [(class, text)]]
    deregistered = False
    for raw in err.splitlines():
        match = TRACE.match(raw)
        if not match:
            continue
        tid, cls, channel, function, rest = match.groups()
        if thread is None:
            if channel == "advapi" and function == "RegisterEventSourceW" \
                    and registered.search(raw):
                thread = tid
            continue
        if tid != thread:
            continue
        if channel == "advapi" and function == "ReportEventW":
            fields = rest.strip("(").split(")")[0].split(",")
            if handle is None:
                handle = fields[0]
            check(fields[0] == handle,
                  "ReportEventW on handle %s, not %s" % (fields[0], handle))
            events.append([int(fields[1], 16), int(fields[3], 16),
                           int(fields[5], 16), []])
        elif channel == "eventlog" and function == "ReportEventW":
            if events:
                events[-1][3].append((cls, rest))
        elif channel == "advapi" and function == "DeregisterEventSource":
            deregistered = handle is not None and rest.startswith(
                "(%s)" % handle)

    check(thread is not None,
          "no RegisterEventSourceW for %s in Wine's trace" % source)
    expected = [(line, kind) for line, kind in LINES if kind is not None]
    check(len(events) == len(expected),
          "%d events reported, expected %d" % (len(events), len(expected)))
    channel_class = {INFORMATION: "trace", WARNING: "warn", ERROR: "err"}
    for i, (event, (line, kind)) in enumerate(zip(events, expected)):
        event_type, event_id, strings, texts = event
        check(event_type == kind,
              "event %d: type 0x%04x, expected 0x%04x" % (i, event_type, kind))
        check(event_id == EVENT_ID, "event %d: ID %d" % (i, event_id))
        check(strings == 1, "event %d: %d strings" % (i, strings))
        want = (channel_class[kind], 'L"%s"' % wine_debugstr(line))
        check(texts == [want],
              "event %d: text %r, expected %r" % (i, texts, [want]))
    check(deregistered, "DeregisterEventSource(%s) not called" % handle)

    if failures:
        print("Wine's trace (stderr of the writer):\n" + err)
        for failure in failures:
            print("FAILED: " + failure)
        return 1
    print("%d events reached ReportEventW from source %s with the right "
          "type, ID and text" % (len(events), source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
