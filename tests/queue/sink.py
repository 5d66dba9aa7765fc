#!/usr/bin/env python3
"""A counting SMTP sink on loopback for the queue tests.

usage: sink.py --port-file F --log F [--stall MS] [--limit S]

Binds 127.0.0.1 on an ephemeral port and writes the port to --port-file.
Accepts every message; for each one it appends its Message-ID (or
"none") as one line to --log, flushed, at the moment it decides to
answer 250 after the final dot, as a server that has just committed the
message would.  --stall makes it wait a random 0..MS milliseconds before
every reply after the greeting, so that a client killed at random often
dies mid-dialogue, and sometimes between the dot and the 250 (the
documented duplicate window).  Stops after --limit seconds (default 300)
or on SIGTERM.
"""
import argparse
import asyncio
import os
import random
import re
import signal

MSGID = re.compile(rb"^message-id:\s*(\S+)", re.I | re.M)


class Sink:
    def __init__(self, opts):
        self.opts = opts
        self.log = open(opts.log, "ab", buffering=0)

    async def pause(self):
        if self.opts.stall > 0:
            await asyncio.sleep(random.uniform(0, self.opts.stall) / 1000)

    def record(self, data):
        m = MSGID.search(data.split(b"\r\n\r\n", 1)[0])
        self.log.write((m.group(1) if m else b"none") + b"\n")

    async def data(self, reader):
        lines = []
        while True:
            line = await reader.readline()
            if not line:
                return None
            if line == b".\r\n":
                return b"".join(lines)
            lines.append(line[1:] if line.startswith(b".") else line)

    async def session(self, reader, writer):
        try:
            writer.write(b"220 sink ESMTP\r\n")
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                await self.pause()
                if verb == b"DATA":
                    writer.write(b"354 go\r\n")
                    await writer.drain()
                    body = await self.data(reader)
                    if body is None:
                        break
                    await self.pause()
                    self.record(body)
                    writer.write(b"250 2.0.0 ok\r\n")
                elif verb == b"QUIT":
                    writer.write(b"221 bye\r\n")
                    await writer.drain()
                    break
                elif verb == b"EHLO":
                    writer.write(b"250-sink\r\n250 8BITMIME\r\n")
                else:
                    writer.write(b"250 ok\r\n")
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


async def main(opts):
    sink = Sink(opts)
    server = await asyncio.start_server(sink.session, "127.0.0.1", 0,
                                        backlog=256)
    port = server.sockets[0].getsockname()[1]
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as fp:
        fp.write("%d\n" % port)
    os.rename(tmp, opts.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), opts.limit)
    except asyncio.TimeoutError:
        pass
    server.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--limit", type=float, default=300)
    asyncio.run(main(ap.parse_args()))
