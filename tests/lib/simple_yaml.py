"""A parser for the block-style YAML subset our deployment files use
(docker/compose.yml, docker/*.yml, Grafana provisioning, file_sd targets),
so the tests need nothing beyond Python's standard library.

Understood: block mappings and sequences (sequences of scalars or of
mappings), plain, single- and double-quoted scalars, flow sequences of
scalars (`[a, 'b']`), `{}` and `[]`, comments, null (empty, `~`, `null`),
booleans, integers. Anything else (anchors, aliases, tags, block scalars,
flow mappings with content, tabs, duplicate keys) raises ValueError naming
the line, so a file that strays from the subset fails its test rather than
being read wrongly.
"""

import re

_KEY = r"""(?:[A-Za-z_][\w.\-/]*|'[^']*'|"[^"]*")"""


def _strip_comment(line):
    """The line without its comment (a # at the start or after a space,
    outside quotes)."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"" and (i == 0 or line[i - 1] in " [,:-"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text, number):
    if text == "":
        return None
    if text[0] == "'":
        if len(text) < 2 or text[-1] != "'":
            raise ValueError("line %d: unterminated quote: %s" % (number, text))
        return text[1:-1].replace("''", "'")
    if text[0] == '"':
        if len(text) < 2 or text[-1] != '"' or text[-2:] == '\\"':
            raise ValueError("line %d: unterminated quote: %s" % (number, text))
        body = text[1:-1]
        if "\\" in body and re.search(r'\\[^\\"nt]', body):
            raise ValueError("line %d: unsupported escape: %s" % (number, text))
        return body.replace("\\n", "\n").replace("\\t", "\t").replace(
            '\\"', '"').replace("\\\\", "\\")
    if text == "[]":
        return []
    if text == "{}":
        return {}
    if text[0] == "[":
        if text[-1] != "]":
            raise ValueError("line %d: unterminated flow sequence" % number)
        inner = text[1:-1].strip()
        items = re.findall(r"""\s*('[^']*'|"[^"]*"|[^,'"\[\]{}]+)\s*(?:,|$)""", inner)
        if ",".join(i.strip() for i in items) != ",".join(
                p.strip() for p in _split_flow(inner, number)):
            raise ValueError("line %d: unsupported flow sequence" % number)
        return [_scalar(i.strip(), number) for i in items]
    if text[0] in "{&*!|>%@`":
        raise ValueError("line %d: unsupported YAML: %s" % (number, text))
    if text in ("null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def _split_flow(inner, number):
    parts, quote, current = [], None, ""
    for ch in inner:
        if quote:
            current += ch
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            current += ch
        elif ch == ",":
            parts.append(current)
            current = ""
        elif ch in "[]{}":
            raise ValueError("line %d: nested flow collection" % number)
        else:
            current += ch
    if quote:
        raise ValueError("line %d: unterminated quote" % number)
    parts.append(current)
    return parts


def _key(text):
    return text[1:-1] if text[:1] in "'\"" else text


def parse(text):
    """Parses one YAML document of the subset into dicts, lists and
    scalars."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise ValueError("line %d: tab in indentation" % number)
        if raw.strip() in ("---", "..."):
            raise ValueError("line %d: document markers are not supported" % number)
        content = _strip_comment(raw)
        if content.strip():
            lines.append([number, len(content) - len(content.lstrip()), content.strip()])

    def node(i, indent):
        if lines[i][2] == "-" or lines[i][2].startswith("- "):
            return sequence(i, indent)
        return mapping(i, indent)

    def value_after(i, indent, rest, number):
        """The value of a key or item whose inline text is `rest`."""
        if rest == "":
            if i + 1 < len(lines) and lines[i + 1][1] > indent:
                return node(i + 1, lines[i + 1][1])
            # A sequence may sit at the key's own indentation.
            if (i + 1 < len(lines) and lines[i + 1][1] == indent and
                    (lines[i + 1][2] == "-" or lines[i + 1][2].startswith("- "))):
                return sequence(i + 1, indent)
            return None, i + 1
        return _scalar(rest, number), i + 1

    def mapping(i, indent):
        result = {}
        while i < len(lines) and lines[i][1] == indent:
            number, _, content = lines[i]
            if content == "-" or content.startswith("- "):
                break
            m = re.fullmatch(r"(%s):(?:\s+(.*))?" % _KEY, content)
            if not m:
                raise ValueError("line %d: not a key: %s" % (number, content))
            key = _key(m.group(1))
            if key in result:
                raise ValueError("line %d: duplicate key %s" % (number, key))
            result[key], i = value_after(i, indent, (m.group(2) or "").strip(), number)
        if i < len(lines) and lines[i][1] > indent:
            raise ValueError("line %d: bad indentation" % lines[i][0])
        return result, i

    def sequence(i, indent):
        result = []
        while (i < len(lines) and lines[i][1] == indent and
               (lines[i][2] == "-" or lines[i][2].startswith("- "))):
            number, _, content = lines[i]
            rest = content[1:].lstrip()
            offset = len(content) - len(rest)
            if re.fullmatch(r"(%s):(?:\s+.*)?" % _KEY, rest):
                # "- key: value" starts a mapping at the item's column.
                lines[i] = [number, indent + offset, rest]
                item, i = mapping(i, indent + offset)
            else:
                item, i = value_after(i, indent, rest, number)
            result.append(item)
        if i < len(lines) and lines[i][1] > indent:
            raise ValueError("line %d: bad indentation" % lines[i][0])
        return result, i

    if not lines:
        raise ValueError("empty document")
    document, end = node(0, lines[0][1])
    if end != len(lines):
        raise ValueError("line %d: unexpected content" % lines[end][0])
    return document


def load(path):
    with open(path, encoding="utf-8") as f:
        try:
            return parse(f.read())
        except ValueError as e:
            raise ValueError("%s: %s" % (path, e)) from None
