#!/usr/bin/env python3
"""tcprelay: a TCP relay on 127.0.0.1 that holds every chunk it reads for
a fixed time before passing it on, in both directions.

    tcprelay.py LISTEN_PORT TARGET_PORT DELAY_MS STATSFILE

This is the fallback of scripts/bench when network namespaces or TUN
devices cannot be had.  It is less exact than tunlink.py: the relay ends
both TCP connections itself, so the client's ACKs never cross the delay
(Nagle's algorithm and delayed ACKs act on two short loopback legs, not
on the slow path), and the TCP handshake with the relay is instant, so
the connect costs no round trip (the relay's own connect to the server
happens on loopback, after the client's SYN, and is not delayed).
Counters ("turns": server chunks that follow client chunks) are written
to STATSFILE as JSON and reset on SIGUSR1.
"""
import asyncio
import json
import os
import signal
import sys

STATS = {"turns": 0, "bytes": [0, 0], "last": None}


def note(direction, n):
    STATS["bytes"][direction] += n
    if direction == 1 and STATS["last"] == 0:
        STATS["turns"] += 1
    STATS["last"] = direction


async def pump(reader, writer, delay, direction):
    loop = asyncio.get_running_loop()
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                loop.call_later(delay, writer.close)
                return
            note(direction, len(data))
            # Chunks keep their order: each is due DELAY after it came.
            loop.call_later(delay, writer.write, data)
    except (ConnectionError, OSError):
        loop.call_later(delay, writer.close)


async def serve(listen_port, target_port, delay):
    async def client(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pump(cr, sw, delay, 0), pump(sr, cw, delay, 1))

    server = await asyncio.start_server(client, "127.0.0.1", listen_port)
    print("ready", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, dump)
    async with server:
        await stop.wait()


def dump():
    path = sys.argv[4]
    with open(path + ".tmp", "w") as f:
        json.dump({"turns": STATS["turns"], "bytes": STATS["bytes"]}, f)
    os.rename(path + ".tmp", path)
    STATS.update(turns=0, bytes=[0, 0], last=None)


def main():
    listen_port, target_port = int(sys.argv[1]), int(sys.argv[2])
    asyncio.run(serve(listen_port, target_port, float(sys.argv[3]) / 1000))


if __name__ == "__main__":
    main()
