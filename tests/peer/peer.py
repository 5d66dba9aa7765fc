#!/usr/bin/env python3
"""The scripted SMTP peer: plays the "--- server" sections of a scenario.

usage: peer.py [options] SCENARIO

Binds 127.0.0.1 on an ephemeral port, prints the port number as the first
line of standard output (and writes it to --port-file), then serves one
connection per "--- server" section, in order.  Everything the client
sends is recorded as raw bytes; every expectation that fails is recorded
as a mismatch.  The result (JSON) goes to --result.  See tests/peer/README.

Exit status: 0 no mismatch, 1 mismatches, 2 usage or script error.
"""
import argparse
import asyncio
import json
import logging
import os
import re
import signal
import ssl
import sys
import time

sys.dont_write_bytecode = True	# keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scn  # noqa: E402

MAX_LINE = 64 * 1024 * 1024
MAX_RETRIES = 10	# mismatches per step under "ONMISMATCH continue"
SEND_STEPS = ("S", "RAW", "FILL", "SLOW")
LAST_STEPS = ("CLOSE", "HANG", "EOF")


class Step:
    def __init__(self, kind, lineno, text, **kw):
        self.kind = kind
        self.lineno = lineno
        self.text = text
        self.__dict__.update(kw)

    def where(self):
        return "line %d: %s" % (self.lineno, self.text)


STEP_RE = re.compile(
    r"^(?:(?P<send>S|RAW|SLOW(?: (?P<slow>[0-9.]+))?|FILL (?P<fill>\d+))"
    r":(?: (?P<stext>.*))?"
    r"|(?P<expect>C:|C~|C\?~|C\?)(?: (?P<etext>.*))?"
    r"|(?P<word>[A-Z]+)(?: +(?P<arg>\S+))?)$")

WORDS = {"DATA": None, "BDAT": None, "STARTTLS": "fail", "TLS": "fail", "SLEEP": "num",
         "QUIET": "num", "CLOSE": None, "HANG": None, "EOF": None,
         "TIMEOUT": "num", "ONMISMATCH": ("close", "continue")}


def parse_step(lineno, line, where):
    m = STEP_RE.match(line)
    if not m:
        raise scn.ScenarioError("%s: bad server step: %s" % (where, line))
    if m.group("send"):
        kind = m.group("send").split()[0]
        data = scn.decode_escapes(m.group("stext") or "", where)
        if kind in ("S", "SLOW"):
            data += b"\r\n"
        return Step(kind, lineno, line, data=data,
                    count=int(m.group("fill") or 1),
                    interval=float(m.group("slow") or 1.0))
    if m.group("expect"):
        kind = m.group("expect")
        text = m.group("etext") or ""
        optional = "?" in kind
        if kind.endswith("~"):
            pat = scn.decode_escapes(text, where).decode("latin-1")
            try:
                return Step("C", lineno, line, optional=optional,
                            regex=re.compile(pat, re.S), want=None)
            except re.error as e:
                raise scn.ScenarioError("%s: bad regex: %s" % (where, e))
        return Step("C", lineno, line, optional=optional, regex=None,
                    want=scn.decode_escapes(text, where))
    word, arg = m.group("word"), m.group("arg")
    if word not in WORDS:
        raise scn.ScenarioError("%s: unknown step %s" % (where, word))
    spec = WORDS[word]
    if word == "STARTTLS":
        word = "TLS"
    if spec is None and arg is not None:
        raise scn.ScenarioError("%s: %s takes no argument" % (where, word))
    if spec == "num":
        try:
            arg = float(arg)
        except (TypeError, ValueError):
            raise scn.ScenarioError("%s: %s needs a number" % (where, word))
    elif spec == "fail" and arg not in (None, "fail"):
        raise scn.ScenarioError("%s: %s [fail]" % (where, word))
    elif isinstance(spec, tuple) and arg not in spec:
        raise scn.ScenarioError("%s: %s %s" % (where, word, "|".join(spec)))
    return Step(word, lineno, line, arg=arg)


def parse_script(section, path):
    steps = []
    for lineno, line in section.lines:
        if line.strip() == "" or line.lstrip().startswith("#"):
            continue
        where = "%s:%d" % (path, lineno)
        if steps and steps[-1].kind in LAST_STEPS:
            raise scn.ScenarioError("%s: step after %s"
                                    % (where, steps[-1].kind))
        steps.append(parse_step(lineno, line, where))
    return steps


class SessionEnd(Exception):
    pass


class Conn(asyncio.Protocol):
    """One client connection: a receive buffer and a wake-up event."""

    def __init__(self, peer):
        self.peer = peer
        self.transport = None
        self.buf = bytearray()
        self.raw = bytearray()	# everything received, for the record
        self.rx_total = 0
        self.eof = False
        self.event = asyncio.Event()

    def connection_made(self, transport):
        self.transport = transport
        self.peer.accept(self)

    def data_received(self, data):
        self.buf += data
        self.raw += data
        self.rx_total += len(data)
        self.event.set()

    def eof_received(self):
        self.eof = True
        self.event.set()
        return False

    def connection_lost(self, exc):
        self.eof = True
        self.event.set()

    async def wait(self, pred, timeout):
        """Wait until pred() holds, the client closes or time runs out."""
        deadline = time.monotonic() + timeout
        while not pred() and not self.eof:
            left = min(deadline, self.peer.finish_deadline()) \
                - time.monotonic()
            if left <= 0:
                return False
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), min(left, 0.25))
            except asyncio.TimeoutError:
                pass
        return pred()

    async def read_line(self, timeout, consume=True):
        """(line, status): status "ok", "eof" or "timeout"."""
        ok = await self.wait(lambda: b"\n" in self.buf
                             or len(self.buf) > MAX_LINE, timeout)
        if not ok:
            return bytes(self.buf), "eof" if self.eof else "timeout"
        end = self.buf.find(b"\n") + 1 or len(self.buf)
        line = bytes(self.buf[:end])
        if consume:
            del self.buf[:end]
        return line, "ok"


class Player:
    """Plays one session's script over one connection."""

    def __init__(self, peer, index, steps, optional):
        self.peer = peer
        self.index = index
        self.steps = steps
        self.optional = optional
        self.conn = None
        self.out = bytearray()
        self.transcript = []
        self.turn_mark = 0
        self.timeout = peer.step_timeout
        self.on_mismatch = "close"
        self.started = None
        self.ended = None
        self.tls = None
        # Sending steps that lead straight into a TLS handshake.
        self.before_tls = set()
        run = []
        for s in steps:
            if s.kind in SEND_STEPS:
                run.append(s)
            else:
                if s.kind == "TLS":
                    self.before_tls.update(run)
                run = []

    def note(self, direction, data):
        if isinstance(data, (bytes, bytearray)):
            data = bytes(data).decode("latin-1")
        t = time.monotonic() - (self.started or time.monotonic())
        self.transcript.append([round(t, 3), direction, data])

    def mismatch(self, step, expected, got):
        self.peer.mismatches.append({
            "session": self.index + 1,
            "step": step.where() if step else "end of script",
            "expected": expected, "got": got})

    async def fail(self, step, expected, got, reply=True):
        """Record a mismatch; answer 500 and maybe end the session."""
        self.mismatch(step, expected, got)
        if reply and not self.conn.eof:
            self.send(step, b"500 unexpected\r\n")
            self.flush()
        if self.on_mismatch == "close":
            raise SessionEnd("mismatch")

    def send(self, step, data):
        self.note("S", data if len(data) <= 4096 else
                  data[:4096] + b"...(%d bytes)" % len(data))
        self.out += data

    def flush(self):
        if not self.out:
            return
        t = self.conn.transport
        if t is None or t.is_closing():
            self.note("*", "not sent: the connection is closed")
        else:
            t.write(bytes(self.out))
        self.out.clear()

    def check_turn(self, step):
        c = self.conn
        if step in self.before_tls:
            return		# the TLS step reports it more precisely
        if c.buf and c.rx_total > self.turn_mark:
            self.turn_mark = c.rx_total
            self.mismatch(step, "the client waits for this reply",
                          "sent before it: " + scn.show(c.buf))

    async def run(self, conn):
        self.conn = conn
        self.started = time.monotonic()
        self.note("*", "connection %d accepted" % (self.index + 1))
        try:
            for step in self.steps:
                await self.play(step)
            self.flush()
            if conn.buf and conn.rx_total > self.turn_mark:
                self.mismatch(None, "nothing more from the client",
                              scn.show(conn.buf))
            self.ended = "script done"
        except SessionEnd as e:
            self.flush()
            self.ended = str(e)
        except (ConnectionError, OSError) as e:
            self.ended = "connection error: %s" % e
            self.note("*", self.ended)
        finally:
            if conn.buf:
                self.note("UNREAD", conn.buf)
            if conn.transport and not conn.transport.is_closing():
                conn.transport.close()

    async def play(self, step):
        k = step.kind
        if k in SEND_STEPS:
            self.check_turn(step)
            if k == "SLOW":
                await self.send_slowly(step)
            else:
                self.send(step, step.data * step.count)
            return
        self.flush()
        if k == "C":
            await self.expect_line(step)
        elif k == "DATA":
            await self.expect_data(step)
        elif k == "BDAT":
            await self.expect_bdat(step)
        elif k == "TLS":
            await self.start_tls(step)
        elif k == "SLEEP":
            await self.peer.sleep(step.arg)
        elif k == "QUIET":
            await self.quiet(step)
        elif k == "TIMEOUT":
            self.timeout = step.arg
        elif k == "ONMISMATCH":
            self.on_mismatch = step.arg
        elif k == "CLOSE":
            self.note("*", "server closes")
            self.conn.transport.close()
            raise SessionEnd("closed by the script")
        elif k == "HANG":
            await self.hang()
        elif k == "EOF":
            await self.expect_eof(step)

    async def send_slowly(self, step):
        self.flush()
        self.note("S", step.data)
        for i in range(len(step.data)):
            t = self.conn.transport
            if t.is_closing():
                self.note("*", "slow send cut short: connection closed")
                return
            t.write(step.data[i:i + 1])
            if i + 1 < len(step.data):
                await self.peer.sleep(step.interval)

    def line_matches(self, step, body):
        if step.regex is not None:
            return step.regex.fullmatch(body.decode("latin-1")) is not None
        return body == step.want

    async def expect_line(self, step):
        """C:, C~ and their optional forms C? and C?~."""
        expected = step.regex.pattern if step.regex else scn.show(step.want)
        for attempt in range(MAX_RETRIES):
            line, st = await self.conn.read_line(self.timeout,
                                                 consume=False)
            if st != "ok":
                if step.optional:
                    return
                await self.line_missing(step, expected, line, st)
                continue
            crlf = line.endswith(b"\r\n")
            body = line.rstrip(b"\n")
            if crlf:
                body = body[:-1]
            match = self.line_matches(step, body)
            if step.optional and not match:
                return
            del self.conn.buf[:len(line)]
            self.note("C", line)
            if match and crlf:
                return
            got = scn.show(line)
            if not crlf:
                got += " <does not end in CRLF>"
            await self.fail(step, expected, got)
        raise SessionEnd("too many mismatches")

    async def line_missing(self, step, expected, partial, status):
        c = self.conn
        got = "<%s>" % ("client closed" if status == "eof" else
                        "nothing for %gs" % self.timeout)
        if partial:
            got = scn.show(partial) + " " + got
            self.note("C", partial)
            c.buf.clear()
        await self.fail(step, expected, got, reply=status != "eof")
        if c.eof or self.peer.finish_at is not None:
            raise SessionEnd("client closed")

    async def expect_data(self, step):
        raw = bytearray()
        text = bytearray()
        bare = []
        n = 0
        while True:
            line, st = await self.conn.read_line(self.timeout)
            if st != "ok":
                raw += line
                self.peer.data.append(self.data_item(text, raw, False))
                self.note("DATA", raw)
                await self.fail(step, "message data ending in CRLF.CRLF",
                                "<%s after %d bytes>" % (st, len(raw)),
                                reply=st != "eof")
                raise SessionEnd("data incomplete")
            n += 1
            raw += line
            if not line.endswith(b"\r\n"):
                bare.append(n)
            if line in (b".\r\n", b".\n"):
                break
            text += line[1:] if line.startswith(b".") else line
        self.note("DATA", raw)
        self.peer.data.append(self.data_item(text, raw, True))
        if bare:
            self.mismatch(step, "every data line ends in CRLF",
                          "%d line(s) end in a bare LF, first line %d"
                          % (len(bare), bare[0]))

    async def expect_bdat(self, step):
        """One "BDAT n [LAST]" line and exactly n bytes after it, stored
        as they are (no dot-unstuffing); complete when LAST."""
        c = self.conn
        line, st = await c.read_line(self.timeout)
        m = re.fullmatch(rb"BDAT (\d{1,12})( LAST)?\r\n", line) \
            if st == "ok" else None
        if m is None:
            self.note("C", line)
            await self.fail(step, "BDAT n [LAST]", scn.show(line) if line
                            else "<%s>" % st, reply=st != "eof")
            raise SessionEnd("no BDAT")
        self.note("C", line)
        n = int(m.group(1))
        if not await c.wait(lambda: len(c.buf) >= n, self.timeout):
            raw = bytes(c.buf)
            c.buf.clear()
            self.peer.data.append(self.data_item(raw, raw, False))
            self.note("BDAT", raw)
            await self.fail(step, "%d bytes of BDAT data" % n,
                            "<%d bytes>" % len(raw), reply=not c.eof)
            raise SessionEnd("data incomplete")
        raw = bytes(c.buf[:n])
        del c.buf[:n]
        self.note("BDAT", raw)
        self.peer.data.append(self.data_item(raw, raw, bool(m.group(2))))

    def data_item(self, text, raw, complete):
        return {"session": self.index + 1, "complete": complete,
                "text": bytes(text).decode("latin-1"),
                "raw": bytes(raw).decode("latin-1")}

    async def start_tls(self, step):
        c = self.conn
        expect_fail = step.arg == "fail"
        c.transport.pause_reading()
        if c.buf:
            self.turn_mark = c.rx_total
            self.mismatch(step, "nothing between STARTTLS and the "
                          "handshake", scn.show(c.buf))
            self.note("C", c.buf)
            c.buf.clear()
        self.flush()
        ctx = self.peer.tls_context()
        if ctx is None:
            self.mismatch(step, "a certificate (--cert/--key)", "none")
            raise SessionEnd("no certificate")
        loop = asyncio.get_running_loop()
        try:
            t = await loop.start_tls(c.transport, c, ctx, server_side=True,
                                     ssl_handshake_timeout=self.timeout)
        except (ssl.SSLError, OSError, asyncio.TimeoutError,
                ConnectionError) as e:
            self.note("TLS", "handshake failed: %r" % e)
            self.tls = "failed"
            if not expect_fail:
                self.mismatch(step, "a TLS handshake", "failed: %r" % e)
            raise SessionEnd("tls handshake failed")
        if t is None:
            raise SessionEnd("connection closed during the handshake")
        c.transport = t
        so = t.get_extra_info("ssl_object")
        self.tls = "%s %s" % (so.version(), so.cipher()[0])
        self.note("TLS", "handshake done: " + self.tls)
        if expect_fail:
            await self.expect_tls_abort(step)

    async def expect_tls_abort(self, step):
        """The handshake went through, but a client that checks the
        certificate afterwards may still close without a word."""
        c = self.conn
        await c.wait(lambda: bool(c.buf), self.timeout)
        if c.buf or not c.eof:
            got = scn.show(c.buf) if c.buf else "<open after %gs>" \
                % self.timeout
            self.note("C", c.buf)
            c.buf.clear()
            self.mismatch(step, "the client aborts the TLS session", got)
        else:
            self.note("*", "client closed after the handshake")
        raise SessionEnd("tls session refused by the client")

    async def quiet(self, step):
        c = self.conn
        mark = c.rx_total
        await c.wait(lambda: c.rx_total > mark, step.arg)
        if c.buf and c.rx_total > self.turn_mark:
            self.turn_mark = c.rx_total
            self.mismatch(step, "no client data for %gs" % step.arg,
                          scn.show(c.buf))

    async def hang(self):
        c = self.conn
        self.note("*", "server hangs")
        await c.wait(lambda: False, self.peer.global_timeout)
        if c.buf:
            self.note("C", c.buf)
            c.buf.clear()
        raise SessionEnd("hang over")

    async def expect_eof(self, step):
        c = self.conn
        await c.wait(lambda: bool(c.buf), self.timeout)
        if c.buf:
            self.note("C", c.buf)
            got = scn.show(c.buf)
            c.buf.clear()
            await self.fail(step, "the client closes the connection", got)
        elif not c.eof:
            self.mismatch(step, "the client closes the connection",
                          "<still open after %gs>" % self.timeout)
        else:
            self.note("*", "client closed")
        raise SessionEnd("eof")

    def report(self):
        return {"session": self.index + 1, "optional": self.optional,
                "connected": self.conn is not None,
                "ended": self.ended, "tls": self.tls,
                "transcript": self.transcript,
                "client_raw": bytes(self.conn.raw).decode("latin-1")
                if self.conn else ""}


class Peer:
    def __init__(self, scripts, opts):
        self.opts = opts
        self.step_timeout = opts.step_timeout
        self.global_timeout = opts.timeout
        self.players = [Player(self, i, steps, optional)
                        for i, (steps, optional) in enumerate(scripts)]
        self.mismatches = []
        self.data = []
        self.tasks = []
        self.nconn = 0
        self.finish_at = None
        self.finished = asyncio.Event()
        self.ctx = None

    def tls_context(self):
        if self.ctx is None and self.opts.cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(self.opts.cert, self.opts.key)
            self.ctx = ctx
        return self.ctx

    def finish_deadline(self):
        if self.finish_at is None:
            return float("inf")
        return self.finish_at + self.opts.grace

    def finish(self):
        if self.finish_at is None:
            self.finish_at = time.monotonic()
        self.finished.set()

    async def sleep(self, secs):
        try:
            await asyncio.wait_for(self.finished.wait(), secs)
        except asyncio.TimeoutError:
            pass

    def accept(self, conn):
        i = self.nconn
        self.nconn += 1
        if i >= len(self.players):
            self.mismatches.append({
                "session": i + 1, "step": "connect",
                "expected": "no connection #%d" % (i + 1),
                "got": "a connection"})
            conn.transport.write(b"421 4.3.0 unexpected connection\r\n")
            conn.transport.close()
            return
        p = self.players[i]
        if p.steps and p.steps[0].kind == "TLS":
            conn.transport.pause_reading()
        task = asyncio.ensure_future(p.run(conn))
        task.add_done_callback(lambda t: self.check_done())
        self.tasks.append(task)

    def check_done(self):
        if self.opts.linger:
            return
        if all(p.ended or p.optional for p in self.players):
            self.finish()

    async def serve(self):
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self.finish)
        server = await loop.create_server(lambda: Conn(self), "127.0.0.1",
                                          0, reuse_address=False)
        port = server.sockets[0].getsockname()[1]
        report_port(port, self.opts.port_file)
        self.check_done()
        await self.finished.wait()
        # A connection the client made just before it exited may still
        # wait in the backlog: let the loop accept it first.
        await asyncio.sleep(0.05)
        server.close()
        if self.tasks:
            await asyncio.wait(self.tasks, timeout=self.opts.grace + 1)

    async def run(self):
        try:
            await asyncio.wait_for(self.serve(), self.global_timeout)
        except asyncio.TimeoutError:
            self.mismatches.append({
                "session": 0, "step": "peer",
                "expected": "the scenario ends within %gs"
                % self.global_timeout, "got": "global timeout"})
        for p in self.players:
            if p.conn is None and not p.optional:
                self.mismatches.append({
                    "session": p.index + 1, "step": "connect",
                    "expected": "connection #%d" % (p.index + 1),
                    "got": "no connection"})
        for t in self.tasks:
            t.cancel()

    def result(self):
        return {"connections": self.nconn,
                "sessions": [p.report() for p in self.players],
                "data": self.data, "mismatches": self.mismatches}


def report_port(port, port_file):
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as fp:
            fp.write("%d\n" % port)
        os.rename(tmp, port_file)
    sys.stdout.write("%d\n" % port)
    sys.stdout.flush()


def write_result(path, res):
    text = json.dumps(res, indent=1)
    if not path or path == "-":
        sys.stderr.write(text + "\n")
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as fp:
        fp.write(text + "\n")
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description="scripted SMTP peer")
    ap.add_argument("scenario")
    ap.add_argument("--result", help="write the JSON result here")
    ap.add_argument("--port-file", help="write the port number here")
    ap.add_argument("--cert", help="server certificate (PEM)")
    ap.add_argument("--key", help="server key (PEM)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="global limit in seconds (default 60)")
    ap.add_argument("--step-timeout", type=float, default=10,
                    help="wait for client input per step (default 10)")
    ap.add_argument("--grace", type=float, default=1,
                    help="after SIGTERM, seconds left for reads")
    ap.add_argument("--linger", action="store_true",
                    help="serve until SIGTERM (the runner's mode)")
    opts = ap.parse_args()
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        sc = scn.Scenario(opts.scenario)
        scripts = [(parse_script(s, opts.scenario), "optional" in s.options)
                   for s in sc.all_sections("server")]
    except (scn.ScenarioError, OSError) as e:
        sys.stderr.write("peer: %s\n" % e)
        return 2
    peer = Peer(scripts, opts)
    asyncio.run(peer.run())
    res = peer.result()
    write_result(opts.result, res)
    return 1 if res["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
