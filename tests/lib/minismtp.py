#!/usr/bin/env python3
"""minismtp.py - a tiny SMTP sink for connection tests (loopback only).

    minismtp.py [--unix PATH | --tcp ADDR] [--count N] OUTDIR

Listens on a unix socket or on ADDR (127.0.0.1, ::1, ...) at an ephemeral
port, prints the port (0 for a unix socket) as its first line of stdout,
then serves N connections (default 1) one after another and exits.  For
each it writes OUTDIR/peer.K (the client's address) and OUTDIR/data.K
(the message as received, dot-unstuffed, CRLF kept).  Plain SMTP: EHLO
offers nothing, MAIL/RCPT/DATA are accepted.
"""
import argparse
import os
import socket
import sys


def serve(conn, outdir, k, peer):
    with open(os.path.join(outdir, "peer.%d" % k), "w") as f:
        f.write(peer + "\n")
    rf = conn.makefile("rb")

    def say(line):
        conn.sendall(line.encode() + b"\r\n")

    say("220 sink.test ESMTP")
    while True:
        line = rf.readline()
        if not line:
            return
        verb = line.strip().split(b" ")[0].upper()
        if verb in (b"EHLO", b"HELO", b"LHLO"):
            say("250 sink.test")
        elif verb == b"DATA":
            say("354 go ahead")
            data = b""
            while True:
                dl = rf.readline()
                if not dl or dl == b".\r\n":
                    break
                data += dl[1:] if dl.startswith(b".") else dl
            with open(os.path.join(outdir, "data.%d" % k), "wb") as f:
                f.write(data)
            say("250 2.0.0 queued")
        elif verb == b"QUIT":
            say("221 bye")
            return
        else:
            say("250 2.0.0 ok")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unix")
    ap.add_argument("--tcp", default="127.0.0.1")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args()
    if a.unix:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(a.unix)
        port = 0
    else:
        fam = socket.AF_INET6 if ":" in a.tcp else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.bind((a.tcp, 0))
        port = s.getsockname()[1]
    s.listen(4)
    s.settimeout(30)
    print(port, flush=True)
    for k in range(1, a.count + 1):
        try:
            conn, addr = s.accept()
        except socket.timeout:
            sys.exit(1)
        conn.settimeout(30)
        peer = addr[0] if isinstance(addr, tuple) else "unix"
        try:
            serve(conn, a.outdir, k, peer)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
