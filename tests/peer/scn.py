"""Reading scenario files (tests/scenarios/*.scn); see tests/peer/README.

Shared by peer.py (which plays the "server" sections) and run.py (which
uses everything else).  Python 3 standard library only.
"""
import re
import shlex

# Header fields: name -> repeatable?
FIELDS = {
    "name": False,
    "args": False,
    "expect-exit": False,
    "expect-stderr": True,
    "expect-stderr-lines": False,
    "expect-stdout": True,
    "expect-not-in-output": True,
    "expect-time-max": False,
    "timeout": False,
    "note": True,
    # Later runs of postie against the same peer, in order (e.g. a
    # queue flush after a deferral); each may give its own exit status.
    "then-args": True,
    "then-expect-exit": True,
    "then-expect-stderr": True,
    "then-expect-stdout": True,
}

SECTIONS = {
    "rc": set(),
    "netrc": {"public"},
    "stdin": {"nonewline"},
    "server": {"optional"},
    "expect-data": set(),
}

SYSEXITS = {
    "EX_OK": 0, "EX_USAGE": 64, "EX_DATAERR": 65, "EX_NOINPUT": 66,
    "EX_NOUSER": 67, "EX_NOHOST": 68, "EX_UNAVAILABLE": 69,
    "EX_SOFTWARE": 70, "EX_OSERR": 71, "EX_OSFILE": 72,
    "EX_CANTCREAT": 73, "EX_IOERR": 74, "EX_TEMPFAIL": 75,
    "EX_PROTOCOL": 76, "EX_NOPERM": 77, "EX_CONFIG": 78,
}

# Patterns for the {NAME} tokens of expect-data sections.
DATA_TOKENS = {
    "DATE": r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} "
            r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
            r"\d{4} \d{2}:\d{2}(?::\d{2})? [+-]\d{4}",
    "MSGID": r"<[^<>@\s]+@[^<>@\s]+>",
    "ANY": r"[^\r\n]*",
}


class ScenarioError(Exception):
    pass


def decode_escapes(text, where="?"):
    """Text with backslash escapes -> bytes (the rest encoded as UTF-8)."""
    out = bytearray()
    i = 0
    simple = {"\\": b"\\", "r": b"\r", "n": b"\n", "t": b"\t",
              "0": b"\0", "e": b"\x1b"}
    while i < len(text):
        c = text[i]
        if c != "\\":
            out += c.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1:i + 2]
        if nxt in simple:
            out += simple[nxt]
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}",
                                         text[i + 2:i + 4]):
            out.append(int(text[i + 2:i + 4], 16))
            i += 4
        else:
            raise ScenarioError("%s: bad escape %r" % (where, text[i:i + 4]))
    return bytes(out)


def show(data, limit=300):
    """Bytes -> a readable one-line string in the escape syntax."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    more = ""
    if len(data) > limit:
        more = "...(%d bytes in all)" % len(data)
        data = data[:limit]
    out = []
    for b in data:
        if b == 0x5c:
            out.append("\\\\")
        elif b == 0x0d:
            out.append("\\r")
        elif b == 0x0a:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif 0x20 <= b < 0x7f:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return "".join(out) + more


def substitute(text, values, where="?", quote=None):
    """Replace {name} placeholders; "{{" stands for "{"."""
    def repl(m):
        if m.group(0) == "{{":
            return "{"
        name = m.group(1)
        if name not in values:
            raise ScenarioError("%s: unknown placeholder {%s}"
                                % (where, name))
        v = str(values[name])
        return quote(v) if quote else v
    return re.sub(r"\{\{|\{([a-z]+)\}", repl, text)


def split_args(text, values, where="args"):
    """Split like a POSIX shell (quotes only), then escapes, then
    placeholders.  Returns a list of bytes."""
    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.escape = ""
    lex.commenters = ""
    try:
        words = list(lex)
    except ValueError as e:
        raise ScenarioError("%s: %s" % (where, e))
    out = []
    for w in words:
        w = substitute(w, values, where)
        out.append(decode_escapes(w, where))
    return out


def data_pattern(lines, where="expect-data"):
    """Lines of an expect-data section -> a compiled regex over the
    received data (a latin-1 str), one pattern per line."""
    pats = []
    for n, line in enumerate(lines):
        parts = []
        pos = 0
        for m in re.finditer(r"\{\{|\{([A-Z]+)\}", line):
            lit = line[pos:m.start()]
            parts.append(re.escape(
                decode_escapes(lit, where).decode("latin-1")))
            if m.group(0) == "{{":
                parts.append(re.escape("{"))
            elif m.group(1) in DATA_TOKENS:
                parts.append(DATA_TOKENS[m.group(1)])
            else:
                raise ScenarioError("%s: unknown token %s"
                                    % (where, m.group(0)))
            pos = m.end()
        parts.append(re.escape(
            decode_escapes(line[pos:], where).decode("latin-1")))
        pats.append(re.compile("".join(parts), re.S))
    return pats


class Section:
    def __init__(self, name, options, lineno):
        self.name = name
        self.options = options
        self.lineno = lineno	# line of the "--- name" marker
        self.lines = []		# (lineno, text)

    def text_lines(self):
        return [t for _, t in self.lines]


class Scenario:
    def __init__(self, path):
        self.path = path
        self.fields = {}
        self.sections = []
        with open(path, encoding="utf-8") as fp:
            self._parse(fp.read().split("\n"))
        if "name" not in self.fields:
            raise ScenarioError("%s: no name: field" % path)
        for key, rx in (("expect-stderr-lines", r"\d+"),
                        ("expect-time-max", r"\d+(\.\d+)?"),
                        ("timeout", r"\d+(\.\d+)?")):
            v = self.fields.get(key)
            if v is not None and not re.fullmatch(rx, v):
                raise ScenarioError("%s: %s: not a number: %s"
                                    % (path, key, v))

    def _parse(self, lines):
        if lines and lines[-1] == "":
            lines.pop()
        cur = None
        for n, line in enumerate(lines, 1):
            m = re.match(r"^--- ([a-z-]+)((?: +[a-z-]+)*) *$", line)
            if m:
                cur = self._start_section(m, n)
            elif cur is not None:
                cur.lines.append((n, line))
            else:
                self._header_line(line, n)
        for s in self.sections:
            while s.lines and s.lines[-1][1].strip() == "":
                s.lines.pop()

    def _start_section(self, m, n):
        name, opts = m.group(1), m.group(2).split()
        if name not in SECTIONS:
            raise ScenarioError("%s:%d: unknown section %s"
                                % (self.path, n, name))
        for o in opts:
            if o not in SECTIONS[name]:
                raise ScenarioError("%s:%d: unknown option %s"
                                    % (self.path, n, o))
        if name in ("rc", "stdin", "netrc") and self.section(name):
            raise ScenarioError("%s:%d: second %s section"
                                % (self.path, n, name))
        s = Section(name, set(opts), n)
        self.sections.append(s)
        return s

    def _header_line(self, line, n):
        if line.strip() == "" or line.startswith("#"):
            return
        m = re.match(r"^([a-z-]+):(?: (.*))?$", line)
        if not m or m.group(1) not in FIELDS:
            raise ScenarioError("%s:%d: not a field: %s"
                                % (self.path, n, line))
        key, value = m.group(1), (m.group(2) or "").strip()
        if FIELDS[key]:
            self.fields.setdefault(key, []).append(value)
        elif key in self.fields:
            raise ScenarioError("%s:%d: second %s field"
                                % (self.path, n, key))
        else:
            self.fields[key] = value

    def section(self, name):
        for s in self.sections:
            if s.name == name:
                return s
        return None

    def all_sections(self, name):
        return [s for s in self.sections if s.name == name]

    def field(self, key, default=None):
        return self.fields.get(key, default)

    def expect_exit(self, v=None):
        if v is None:
            v = self.field("expect-exit")
        if v is None:
            raise ScenarioError("%s: no expect-exit: field" % self.path)
        v = v.split()[0]
        if v in SYSEXITS:
            return SYSEXITS[v]
        if not re.fullmatch(r"\d+", v):
            raise ScenarioError("%s: bad expect-exit %s" % (self.path, v))
        return int(v)

    def stdin_bytes(self):
        s = self.section("stdin")
        if s is None:
            return b""
        where = "%s:%d" % (self.path, s.lineno)
        body = "\n".join(s.text_lines())
        if s.lines and "nonewline" not in s.options:
            body += "\n"
        return decode_escapes(body, where)
