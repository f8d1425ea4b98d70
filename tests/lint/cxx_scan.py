"""A small C++ lexer for the source lints (sizes.py, cited_files.py).

Not a parser: it only needs to know what is code, what is a comment and what
is a literal, so that braces inside strings, raw strings, character literals
and comments never count, and so that comments can be read on their own.
Standard library only.
"""

import re

_STRING_PREFIXES = {"L", "u", "U", "u8", "R", "LR", "uR", "UR", "u8R"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A preprocessing number: digits, letters, '.', digit separators and signed
# exponents (so 1'000 and 0x1p-3 are one token, never a character literal).
_PP_NUMBER = re.compile(r"\.?[0-9](?:[eEpP][+-]|'[0-9A-Za-z_]|[0-9A-Za-z_.])*")


class Scan:
    """`code`: the text with every comment, literal and preprocessor line
    replaced by spaces (newlines kept, so offsets and line numbers match the
    source). `comments`: (line number, text) per comment, 1-based."""

    def __init__(self, code, comments):
        self.code = code
        self.comments = comments


def _blank(text):
    return re.sub(r"[^\n]", " ", text)


def scan(source):
    out = []
    comments = []
    i = 0
    n = len(source)
    line = 1
    at_line_start = True  # only whitespace since the last newline
    in_directive = False

    def emit(text, keep):
        nonlocal line
        out.append(text if keep else _blank(text))
        line += text.count("\n")

    while i < n:
        c = source[i]
        if c == "\n":
            # A directive ends at a newline not escaped by a backslash.
            if in_directive and not "".join(out[-1:]).endswith("\\"):
                in_directive = False
            emit(c, True)
            at_line_start = True
            i += 1
            continue
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end < 0 else end
            comments.append((line, source[i + 2:end]))
            emit(source[i:end], False)
            i = end
            continue
        if source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end < 0 else end + 2
            comments.append((line, source[i + 2:end - 2]))
            emit(source[i:end], False)
            i = end
            continue
        if c in " \t\r\f\v":
            emit(c, True)
            i += 1
            continue
        if c == "#" and at_line_start:
            in_directive = True
        at_line_start = False
        keep = not in_directive
        if c == "\\" and in_directive:
            # Keep the backslash visible to the newline check above.
            out.append("\\")
            i += 1
            continue
        m = _IDENT.match(source, i)
        if m:
            word = m.group(0)
            end = m.end()
            if end < n and source[end] == '"' and word in _STRING_PREFIXES:
                literal_end = _string_end(source, end, raw=word.endswith("R"))
                emit(source[i:literal_end], False)
                i = literal_end
                continue
            if end < n and source[end] == "'" and word in {"L", "u", "U", "u8"}:
                literal_end = _quoted_end(source, end, "'")
                emit(source[i:literal_end], False)
                i = literal_end
                continue
            emit(word, keep)
            i = end
            continue
        m = _PP_NUMBER.match(source, i)
        if m:
            emit(m.group(0), keep)
            i = m.end()
            continue
        if c == '"':
            end = _string_end(source, i, raw=False)
            emit(source[i:end], False)
            i = end
            continue
        if c == "'":
            end = _quoted_end(source, i, "'")
            emit(source[i:end], False)
            i = end
            continue
        emit(c, keep)
        i += 1
    return Scan("".join(out), comments)


def _quoted_end(source, start, quote):
    i = start + 1
    while i < len(source):
        if source[i] == "\\":
            i += 2
            continue
        if source[i] == quote or source[i] == "\n":
            return i + 1
        i += 1
    return len(source)


def _string_end(source, start, raw):
    if not raw:
        return _quoted_end(source, start, '"')
    paren = source.find("(", start)
    if paren < 0:
        return len(source)
    delimiter = source[start + 1:paren]
    end = source.find(")" + delimiter + '"', paren)
    return len(source) if end < 0 else end + len(delimiter) + 2


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


def unused_allowances(script, allowed, used, why):
    """One line per ALLOWED entry no longer needed: each lint keeps its
    allow-list exact, so a fixed offender must leave it."""
    return [f"tests/lint/{script}: ALLOWED lists {entry}, {why}: remove the "
            "entry" for entry in sorted(set(allowed) - used)]


def finish(lint, report, ok_message):
    """Prints a lint's report; returns its exit status (1 on any problem)."""
    import sys
    for line in report:
        print(line)
    if report:
        print(f"{lint}: {len(report)} problem(s)", file=sys.stderr)
        return 1
    print(f"{lint}: {ok_message}")
    return 0


def repository_root(argv, script):
    """argv[1], or the repository root two folders above `script`."""
    import os
    root = argv[1] if len(argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(script)), "..", "..")
    return os.path.abspath(root)
