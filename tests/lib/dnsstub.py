#!/usr/bin/env python3
"""dnsstub.py - a tiny DNS responder for tests, UDP on 127.0.0.1 only.

    dnsstub.py PORT NAME=PRIO:WEIGHT:PORT:TARGET ... [NAME=servfail]

Answers SRV questions for the names given (several records per name are
allowed), "." as a target, and SERVFAIL for a name given as "servfail";
every other name gets NXDOMAIN.  Each question is appended to the file
named by DNSSTUB_LOG, if set, as "TYPE NAME".  Prints "ready" on stdout
once the socket is bound.  Meant to run inside a network namespace whose
/etc/resolv.conf names 127.0.0.1, so the resolver under test needs no
hook.
"""
import os
import socket
import struct
import sys

T_SRV = 33


def parse_name(pkt, off):
    labels = []
    while True:
        n = pkt[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        labels.append(pkt[off:off + n].decode("ascii", "replace"))
        off += n


def enc_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def answer(pkt, table, log):
    qid, flags, qd = struct.unpack("!HHH", pkt[:6])
    if qd != 1:
        return None
    name, off = parse_name(pkt, 12)
    qtype, qclass = struct.unpack("!HH", pkt[off:off + 4])
    question = pkt[12:off + 4]
    if log:
        with open(log, "a") as fp:
            fp.write("%d %s\n" % (qtype, name))
    recs = table.get(name)
    rcode, answers = 3, []
    if recs == "servfail":
        rcode = 2
    elif recs is not None:
        rcode = 0
        if qtype == T_SRV:
            answers = recs
    rd = flags & 0x0100
    hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x80 | rcode,
                      1, len(answers), 0, 0)
    body = b""
    for prio, weight, port, target in answers:
        rdata = struct.pack("!HHH", prio, weight, port) + enc_name(target)
        body += b"\xc0\x0c" + struct.pack("!HHIH", T_SRV, 1, 60,
                                          len(rdata)) + rdata
    return hdr + question + body


def main():
    port = int(sys.argv[1])
    table = {}
    for arg in sys.argv[2:]:
        name, val = arg.split("=", 1)
        name = name.rstrip(".").lower()
        if val == "servfail":
            table[name] = "servfail"
            continue
        prio, weight, p, target = val.split(":", 3)
        table.setdefault(name, []).append(
            (int(prio), int(weight), int(p), target))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    print("ready", flush=True)
    log = os.environ.get("DNSSTUB_LOG")
    while True:
        pkt, peer = sock.recvfrom(4096)
        try:
            reply = answer(pkt, table, log)
        except (IndexError, struct.error):
            reply = None
        if reply is not None:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    main()
