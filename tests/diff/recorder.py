"""recorder.py: a permissive SMTP server that records what a client sends.

Used by tests/diff/run.py to compare two sendmail programs on the wire.
It listens on an ephemeral port on 127.0.0.1, accepts one connection at
a time (in a thread), answers every command with success, and records
for each session: the EHLO/HELO argument, the MAIL FROM line, the RCPT
addresses and each message as received (dot-unstuffed, CRLF kept).  An
RCPT address whose local part starts with "reject" gets 550, so that
refusal behaviour can be compared too.  Python 3 stdlib only.
"""

import re
import socket
import threading

EHLO_LINES = [
    "250-recorder.test",
    "250-PIPELINING",
    "250-SIZE 52428800",
    "250-8BITMIME",
    "250-DSN",
    "250-ENHANCEDSTATUSCODES",
    "250 SMTPUTF8",
]

PATH = re.compile(r"^(MAIL FROM|RCPT TO):\s*<([^>]*)>(.*)$", re.I)


class Recorder:
    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.sessions = []
        self.errors = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        # close() alone does not wake a thread blocked in accept().
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(20)
            try:
                self._session(conn)
            except (OSError, ValueError) as e:
                self.errors.append(str(e))
            finally:
                conn.close()

    def _session(self, conn):
        s = {"ehlo": None, "mail": None, "rcpt": [], "data": [],
             "commands": []}
        self.sessions.append(s)
        rf = conn.makefile("rb")

        def say(*lines):
            conn.sendall("".join(l + "\r\n" for l in lines).encode())

        say("220 recorder.test ESMTP")
        while True:
            raw = rf.readline(65536)
            if not raw:
                return
            line = raw.rstrip(b"\r\n").decode("utf-8", "replace")
            s["commands"].append(line)
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                s["ehlo"] = line[5:]
                say(*(EHLO_LINES if verb == "EHLO" else ["250 ok"]))
            elif verb == "MAIL":
                s["mail"] = line
                say("250 2.1.0 ok")
            elif verb == "RCPT":
                m = PATH.match(line)
                addr = m.group(2) if m else line
                s["rcpt"].append(line)
                if addr.lower().startswith("reject"):
                    say("550 5.1.1 refused")
                else:
                    say("250 2.1.5 ok")
            elif verb == "DATA":
                say("354 go ahead")
                s["data"].append(self._data(rf))
                say("250 2.0.0 queued")
            elif verb == "QUIT":
                say("221 2.0.0 bye")
                return
            else:
                say("250 ok")

    @staticmethod
    def _data(rf):
        out = bytearray()
        while True:
            raw = rf.readline(1 << 20)
            if not raw:
                raise ValueError("connection closed in DATA")
            if raw in (b".\r\n", b".\n"):
                return bytes(out)
            if raw.startswith(b"."):
                raw = raw[1:]
            out += raw
