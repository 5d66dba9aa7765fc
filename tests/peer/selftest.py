#!/usr/bin/env python3
"""Checks of the scripted peer itself: scripted clients (plain sockets,
ssl) play right and wrong parts against peer.py, and each case checks
the mismatches the peer recorded.  TAP output; exit 0 when all pass.

usage: selftest.py [CASE ...]
"""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


class Client:
    def __init__(self, port, timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError(self.buf)
            self.buf += d
        i = self.buf.index(b"\n") + 1
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def expect(self, want):
        got = self.line()
        if got != want:
            raise AssertionError("client expected %r, got %r" % (want, got))

    def rest(self):
        """Everything until the server closes."""
        out = self.buf
        self.buf = b""
        try:
            while True:
                d = self.sock.recv(65536)
                if not d:
                    return out
                out += d
        except (ConnectionError, socket.timeout):
            return out

    def tls(self, ca):
        ctx = ssl.create_default_context(cafile=ca)
        self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")

    def close(self):
        self.sock.close()


def greet(c):
    c.expect(b"220 hi\r\n")


def case_exact_dialogue(c):
    greet(c)
    c.send(b"EHLO x\r\n")
    c.expect(b"250 ok\r\n")
    c.send(b"QUIT\r\n")
    c.expect(b"221 bye\r\n")
    c.close()


def case_wrong_line(c):
    greet(c)
    c.send(b"HELO x\r\n")
    c.expect(b"500 unexpected\r\n")
    assert c.rest() == b"", "connection not closed"


def case_bare_lf_command(c):
    greet(c)
    c.send(b"EHLO x\n")
    c.expect(b"500 unexpected\r\n")


def case_pipelined_early(c):
    greet(c)
    c.send(b"MAIL FROM:<a>\r\nRCPT TO:<b>\r\n")
    c.expect(b"250 mail ok\r\n")
    c.expect(b"250 rcpt ok\r\n")
    c.close()


def case_quiet_late(c):
    greet(c)
    c.send(b"MAIL FROM:<a>\r\n")
    time.sleep(0.1)
    c.send(b"RCPT TO:<b>\r\n")
    c.expect(b"250 mail ok\r\n")
    c.expect(b"250 rcpt ok\r\n")
    c.close()


def case_data(c):
    greet(c)
    c.send(b"Subject: x\r\n\r\n..\r\n..x\r\n.y\r\nbare\nz\r\n.\r\n")
    c.expect(b"250 ok\r\n")
    c.close()


def case_eof_extra(c):
    greet(c)
    c.send(b"NOOP\r\n")
    c.expect(b"500 unexpected\r\n")


def case_second_connection(c, port):
    greet(c)
    d = Client(port)
    d.expect(b"421 4.3.0 unexpected connection\r\n")
    d.close()
    c.close()


def case_continue(c):
    greet(c)
    c.send(b"NOOP\r\n")
    c.expect(b"500 unexpected\r\n")
    c.send(b"EHLO x\r\n")
    c.expect(b"250 ok\r\n")
    c.close()


def case_optional_match(c):
    greet(c)
    c.send(b"RSET\r\nQUIT\r\n")
    c.close()


def case_optional_other(c):
    greet(c)
    c.send(b"QUIT\r\n")
    c.close()


def case_regex(c):
    greet(c)
    c.send(b"AUTH PLAIN AGFsaWNlAHB3\r\n")
    c.expect(b"235 ok\r\n")
    c.close()


def case_starttls(c, ca):
    greet(c)
    c.send(b"STARTTLS\r\n")
    c.expect(b"220 go\r\n")
    c.tls(ca)
    c.send(b"EHLO x\r\n")
    c.expect(b"250 tls ok\r\n")
    c.close()


def case_plaintext_after_starttls(c, ca):
    greet(c)
    c.send(b"STARTTLS\r\nEHLO x\r\n")
    c.expect(b"220 go\r\n")
    c.tls(ca)
    c.send(b"EHLO x\r\n")
    c.close()


def case_injected_plaintext(c, ca):
    greet(c)
    c.send(b"STARTTLS\r\n")
    c.expect(b"220 go\r\n")
    assert c.buf == b"250 injected\r\n", "injection not in the same read"
    c.close()


def case_implicit_tls(c, ca):
    c.tls(ca)
    greet(c)
    c.send(b"QUIT\r\n")
    c.close()


def case_tls_refused(c, ca):
    greet(c)
    c.send(b"STARTTLS\r\n")
    c.expect(b"220 go\r\n")
    try:
        c.tls(os.path.join(os.path.dirname(ca), "untrusted-ca.pem"))
    except ssl.SSLError:
        pass
    c.close()


def case_tls_not_refused(c, ca):
    greet(c)
    c.send(b"STARTTLS\r\n")
    c.expect(b"220 go\r\n")
    c.tls(ca)
    c.send(b"EHLO x\r\n")
    c.close()


def case_hang(c):
    greet(c)
    c.send(b"EHLO x\r\n")
    c.sock.settimeout(0.5)
    try:
        assert c.sock.recv(100) == b"", "the peer answered"
    except socket.timeout:
        pass
    c.close()


def case_slow(c):
    start = time.monotonic()
    c.expect(b"220 hi\r\n")
    took = time.monotonic() - start
    assert took >= 0.3, "7 bytes came in %.2fs" % took


def case_fill_raw(c):
    line = c.line()
    assert line == b"250 " + b"x" * 1048576 + b"\r\n", "fill: %d bytes" \
        % len(line)
    c.expect(b"220 a\0b\xff\r\n")
    c.close()


def case_silent_client(c):
    greet(c)
    c.expect(b"500 unexpected\r\n")


OK_DIALOGUE = """S: 220 hi
C: EHLO x
S: 250 ok
C: QUIT
S: 221 bye
EOF
"""
PIPE = """S: 220 hi
C: MAIL FROM:<a>
QUIET 0.3
S: 250 mail ok
C: RCPT TO:<b>
S: 250 rcpt ok
"""
TLS = """S: 220 hi
C: STARTTLS
S: 220 go
STARTTLS
C: EHLO x
S: 250 tls ok
"""

# name: (server sections, client, mismatch patterns, data check)
CASES = {
    "exact_dialogue": ([OK_DIALOGUE], case_exact_dialogue, [], None),
    "wrong_line": ([OK_DIALOGUE], case_wrong_line,
                   [r"line \d+: C: EHLO x.*got: HELO x\\r\\n"], None),
    "bare_lf_command": ([OK_DIALOGUE], case_bare_lf_command,
                        [r"got: EHLO x\\n <does not end in CRLF>"], None),
    "pipelined_early": ([PIPE.replace("QUIET 0.3\n", "")],
                        case_pipelined_early,
                        [r"S: 250 mail ok.*waits.*RCPT TO:<b>"], None),
    "quiet_late": ([PIPE], case_quiet_late,
                   [r"QUIET 0.3.*no client data.*RCPT TO:<b>"], None),
    "data": (["S: 220 hi\nDATA\nS: 250 ok\n"], case_data,
             [r"DATA.*1 line\(s\) end in a bare LF, first line 6"],
             "Subject: x\r\n\r\n.\r\n.x\r\ny\r\nbare\nz\r\n"),
    "eof_extra": (["S: 220 hi\nEOF\n"], case_eof_extra,
                  [r"EOF.*closes.*got: NOOP"], None),
    "second_connection": (["S: 220 hi\n"], case_second_connection,
                          [r"connect.*no connection #2.*got: a conn"],
                          None),
    "missing_connection": (["S: 220 hi\n", "S: 220 again\n",
                            "S: 220 maybe\n", "optional"],
                           lambda c: greet(c),
                           [r"session 2.*expected: connection #2"], None),
    "continue": (["ONMISMATCH continue\n" + OK_DIALOGUE.split("C: QUIT")[0]],
                 case_continue, [r"C: EHLO x.*got: NOOP"], None),
    "optional_match": (["S: 220 hi\nC? RSET\nC: QUIT\nEOF\n"],
                       case_optional_match, [], None),
    "optional_other": (["S: 220 hi\nC? RSET\nC: QUIT\nEOF\n"],
                       case_optional_other, [], None),
    "optional_eof": (["S: 220 hi\nC? QUIT\nEOF\n"],
                     lambda c: (greet(c), c.close()), [], None),
    "regex": (["S: 220 hi\nC~ AUTH PLAIN [A-Za-z0-9+/]+=*\nS: 235 ok\n"],
              case_regex, [], None),
    "starttls": ([TLS], case_starttls, [], None),
    "plaintext_after_starttls": ([TLS], case_plaintext_after_starttls,
                                 [r"STARTTLS.*nothing between.*EHLO x"],
                                 None),
    "injected_plaintext": (["S: 220 hi\nC: STARTTLS\nS: 220 go\n"
                            "RAW: 250 injected\\r\\n\nSTARTTLS fail\n"],
                           case_injected_plaintext, [], None),
    "implicit_tls": (["TLS\nS: 220 hi\nC: QUIT\nEOF\n"], case_implicit_tls,
                     [], None),
    "tls_refused": ([TLS.replace("STARTTLS\nC: EHLO x\nS: 250 tls ok\n",
                                 "STARTTLS fail\n")],
                    case_tls_refused, [], None),
    "tls_not_refused": ([TLS.replace("STARTTLS\nC: EHLO x\nS: 250 tls ok\n",
                                     "STARTTLS fail\n")],
                        case_tls_not_refused,
                        [r"STARTTLS fail.*aborts.*EHLO x"], None),
    "hang": (["S: 220 hi\nHANG\n"], case_hang, [], None),
    "slow": (["SLOW 0.05: 220 hi\n"], case_slow, [], None),
    "fill_raw": (["RAW: 250 \nFILL 1048576: x\nS:\nRAW: 220 a\\0b\\xff\\r\\n"],
                 case_fill_raw, [], None),
    "silent_client": (["TIMEOUT 0.5\nS: 220 hi\nC: EHLO x\n"],
                      case_silent_client,
                      [r"C: EHLO x.*nothing for 0.5s"], None),
}


def write_scenario(path, sections):
    parts = ["name: selftest\n"]
    for s in sections:
        if s == "optional":
            parts[-1] = parts[-1].replace("--- server\n",
                                          "--- server optional\n")
            continue
        parts.append("--- server\n" + s)
    with open(path, "w") as fp:
        fp.write("\n".join(parts))


def run_case(name, tmp, certs):
    sections, client, patterns, data = CASES[name]
    path = os.path.join(tmp, name + ".scn")
    result = os.path.join(tmp, name + ".json")
    write_scenario(path, sections)
    cmd = [sys.executable, os.path.join(HERE, "peer.py"), path, "--linger",
           "--result", result, "--timeout", "20",
           "--cert", os.path.join(certs, "server.pem"),
           "--key", os.path.join(certs, "server-key.pem")]
    peer = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    port = int(peer.stdout.readline())
    problems = []
    try:
        c = Client(port)
        args = client.__code__.co_varnames[:client.__code__.co_argcount]
        extra = {"port": port, "ca": os.path.join(certs, "ca.pem")}
        client(c, *[extra[a] for a in args[1:]])
    except (AssertionError, EOFError, OSError) as e:
        problems.append("client: %r" % e)
    time.sleep(0.1)
    peer.send_signal(signal.SIGTERM)
    peer.wait(timeout=10)
    peer.stdout.close()
    with open(result) as fp:
        res = json.load(fp)
    got = ["session %s %s expected: %s got: %s" % (m["session"], m["step"],
                                                  m["expected"], m["got"])
           for m in res["mismatches"]]
    for p in patterns:
        if not any(re.search(p, g) for g in got):
            problems.append("no mismatch like /%s/" % p)
    if len(got) != len(patterns):
        problems.append("%d mismatch(es), wanted %d" % (len(got),
                                                        len(patterns)))
    if data is not None:
        texts = [d["text"] for d in res["data"]]
        if texts != [data]:
            problems.append("data %r, wanted %r" % (texts, data))
    return problems, got


def check_bad_script(tmp):
    path = os.path.join(tmp, "bad.scn")
    with open(path, "w") as fp:
        fp.write("name: bad\n--- server\nS: 220 hi\nFROB\n")
    p = subprocess.run([sys.executable, os.path.join(HERE, "peer.py"),
                        path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 2 or "bad.scn:4" not in p.stderr:
        return ["status %d, stderr %r" % (p.returncode, p.stderr)]
    return []


def check_global_timeout(tmp):
    path = os.path.join(tmp, "hang.scn")
    with open(path, "w") as fp:
        fp.write("name: hang\n--- server\nS: 220 hi\nHANG\n")
    start = time.monotonic()
    peer = subprocess.Popen([sys.executable, os.path.join(HERE, "peer.py"),
                             path, "--timeout", "1", "--result",
                             path + ".json"], stdout=subprocess.PIPE)
    port = int(peer.stdout.readline())
    c = Client(port)
    status = peer.wait(timeout=10)
    peer.stdout.close()
    c.close()
    took = time.monotonic() - start
    with open(path + ".json") as fp:
        res = json.load(fp)
    if status != 1 or took > 5 or not any(
            m["got"] == "global timeout" for m in res["mismatches"]):
        return ["status %d after %.1fs: %r" % (status, took,
                                               res["mismatches"])]
    return []


def main():
    names = sys.argv[1:] or list(CASES) + ["bad_script", "global_timeout"]
    tmp = tempfile.mkdtemp(prefix="postie-peer-selftest-")
    certs = os.path.join(tmp, "certs")
    subprocess.run([os.path.join(TOP, "scripts", "mkcerts"), certs],
                   check=True)
    print("1..%d" % len(names))
    failed = 0
    for i, name in enumerate(names, 1):
        got = []
        if name == "bad_script":
            problems = check_bad_script(tmp)
        elif name == "global_timeout":
            problems = check_global_timeout(tmp)
        else:
            problems, got = run_case(name, tmp, certs)
        failed += bool(problems)
        print("%s %d - %s" % ("not ok" if problems else "ok", i, name))
        for p in problems + (["recorded: " + g for g in got]
                             if problems else []):
            print("# " + p)
    shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
