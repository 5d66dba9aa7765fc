#!/usr/bin/env python3
"""tunlink: a point-to-point link with a fixed one-way delay between two
network namespaces, made of one TUN device in each and this forwarder.

    tunlink.py NETNS_A TUN_A NETNS_B TUN_B DELAY_MS STATSFILE

Every IP packet read from one TUN device is written to the other DELAY_MS
later, in order, so a round trip costs 2 * DELAY_MS plus the hosts' own
time.  Packets are delayed whole (SYN, data and bare ACKs alike), so
Nagle's algorithm and delayed ACKs behave as on a real link; there is no
loss, no reordering and no bandwidth limit (the kernel has no sch_netem).

Both devices must exist already (ip tuntap add ... mode tun) and carry
only loopback-range addresses.  The forwarder counts "turns": a run of
packets with TCP payload (or SYN/FIN) from A to B followed by one from B
to A.  On SIGUSR1 it writes the counters since the last SIGUSR1 to
STATSFILE (JSON) and resets them.  It stops on SIGTERM or SIGINT.
"""
import ctypes
import fcntl
import json
import os
import select
import signal
import struct
import sys
import time
from collections import deque

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000

libc = ctypes.CDLL(None, use_errno=True)


def setns(name):
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns %s: %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def attach(netns, dev):
    setns(netns)
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(),
                                           IFF_TUN | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def carries_data(pkt):
    """True for an IPv4 TCP segment with payload, SYN or FIN."""
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or pkt[9] != 6:
        return False
    ihl = (pkt[0] & 15) * 4
    if len(pkt) < ihl + 14:
        return False
    total = struct.unpack_from("!H", pkt, 2)[0]
    doff = (pkt[ihl + 12] >> 4) * 4
    flags = pkt[ihl + 13]
    return total - ihl - doff > 0 or flags & 0x03 != 0


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.turns = 0          # B-to-A data bursts that follow A's data
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.last = None

    def see(self, d, pkt):
        self.packets[d] += 1
        self.bytes[d] += len(pkt)
        if not carries_data(pkt):
            return
        if d == 1 and self.last == 0:
            self.turns += 1
        self.last = d


def main():
    ns_a, dev_a, ns_b, dev_b, delay_ms, statsfile = sys.argv[1:7]
    delay = float(delay_ms) / 1000.0
    fds = [attach(ns_a, dev_a), attach(ns_b, dev_b)]
    queues = [deque(), deque()]     # packets read from fds[i]
    stats = Stats()
    stop = []

    def dump(*_):
        with open(statsfile + ".tmp", "w") as f:
            json.dump({"turns": stats.turns, "packets": stats.packets,
                       "bytes": stats.bytes}, f)
        os.rename(statsfile + ".tmp", statsfile)
        stats.reset()

    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    while not stop:
        now = time.monotonic()
        for i in (0, 1):
            q = queues[i]
            while q and q[0][0] <= now:
                try:
                    os.write(fds[1 - i], q.popleft()[1])
                except BlockingIOError:
                    pass    # the kernel's queue is full: a drop
        due = [q[0][0] for q in queues if q]
        # Bounded, so a signal that asks to stop is seen soon.
        timeout = 100 if not due else max(0.0, min(due) - now) * 1000
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd, _ in events:
            i = fds.index(fd)
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except BlockingIOError:
                    break
                stats.see(i, pkt)
                queues[i].append((now + delay, pkt))


if __name__ == "__main__":
    main()
