#!/usr/bin/env python3
"""bench.py: the measuring half of scripts/bench (which installs, builds,
starts the server and the delayed link, then runs this).

Every program run is started with posix_spawn and reaped with wait4, so
one run gives its wall time (monotonic clock, spawn to reap) and its CPU
time (user + system) without a wrapper process.  Peak RSS comes from a few
extra runs under GNU time (%M): the ru_maxrss of a child spawned by this
Python process would include the parent's own RSS, which the child shares
until its exec.
postie and msmtp runs alternate (p, m, m, p, ...) so that drift on the
machine hits both alike.  Between runs of the single-message rows the
script waits until Postfix's queue is empty again, so a run never shares
the CPUs with the server's work for the run before.
"""
import argparse
import ctypes
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time

ARGS = None
ENV = {}
RESULTS = []    # rows of the table, in order
GOALS = []      # (goal, measured, met)
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "..", "bench", "notes.md")


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


# --- running and measuring ---------------------------------------------

class Run:
    def __init__(self, wall, cpu, rss_kb, status):
        self.wall, self.cpu, self.rss_kb, self.status = wall, cpu, rss_kb, \
            status


def run1(argv, stdin_path, errfile="/dev/null"):
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, errfile,
         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    t0 = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss,
               os.waitstatus_to_exitcode(status))


def queue_idle(limit=5.0):
    """Wait until the test Postfix holds no message."""
    q = ENV["QUEUE_DIR"]
    end = time.monotonic() + limit
    while time.monotonic() < end:
        busy = False
        for sub in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(q, sub)):
                if files:
                    busy = True
                    break
            if busy:
                break
        if not busy:
            return
        time.sleep(0.005)


class Series:
    """The runs of one program on one case."""

    def __init__(self):
        self.runs = []
        self.rss = []   # KB, from GNU time

    def add(self, r):
        self.runs.append(r)

    def failed(self, ok=(0,)):
        bad = [r.status for r in self.runs if r.status not in ok]
        return bad[0] if bad else None

    def stat(self, attr):
        if attr == "rss_kb":
            v = self.rss
        else:
            v = [getattr(r, attr) for r in self.runs]
        return statistics.median(v), min(v), max(v)


def pair(name, argv_p, argv_m, stdin, runs, idle=True, ok=(0,)):
    """Alternate postie and msmtp on one case; return two Series."""
    log("%s: %d runs each" % (name, runs))
    sp, sm = Series(), Series()
    errp = os.path.join(ARGS.work, "err.postie")
    errm = os.path.join(ARGS.work, "err.msmtp")
    for i in range(runs + 1):   # the first round is a warm-up
        order = [(argv_p, sp, errp), (argv_m, sm, errm)]
        if i % 2:
            order.reverse()
        for argv, series, err in order:
            if argv is None:
                continue
            if idle:
                queue_idle()
            r = run1(argv, stdin, err)
            if i > 0:
                series.add(r)
            if r.status not in ok:
                log("%s: %s exited %d: %s" % (name, argv[0], r.status,
                                               tail(err)))
    for argv, series in ((argv_p, sp), (argv_m, sm)):
        if argv is not None:
            series.rss = [peak_rss(argv, stdin) for _ in range(ARGS.rss_runs)]
    return sp, sm


def peak_rss(argv, stdin):
    out = os.path.join(ARGS.work, "rss")
    queue_idle()
    run1(["/usr/bin/time", "-f", "%M", "-o", out] + argv, stdin)
    with open(out) as f:
        return int(f.read().split()[-1])


def tail(path):
    try:
        with open(path, errors="replace") as f:
            return " / ".join(f.read().strip().splitlines()[-2:])
    except OSError:
        return ""


# --- the table -----------------------------------------------------------

def fmt_ms(v):
    return "%.1f ms" % (v * 1000) if v < 10 else "%.2f s" % v


def fmt_triple(t, f):
    return "%s (%s–%s)" % (f(t[0]), f(t[1]), f(t[2]))


def row(case, metric, p, m, f, ratio=True):
    """p and m are (median, min, max), (value,) or a string (n/a,
    failed)."""
    if isinstance(p, tuple) and isinstance(m, tuple) and ratio and m[0]:
        r = "%.2f" % (p[0] / m[0])
    else:
        r = "–"
    def cell(x):
        if isinstance(x, str):
            return x
        return f(x[0]) if len(x) == 1 else fmt_triple(x, f)
    RESULTS.append((case, metric, cell(p), cell(m), r))


def series_or_fail(s, attr, ok=(0,)):
    if s is None:
        return "n/a"
    bad = s.failed(ok)
    if bad is not None or not s.runs:
        return "failed (exit %s)" % bad
    return s.stat(attr)


def kb(v):
    return "%.1f MB" % (v / 1024.0)


# --- rc file, messages ----------------------------------------------------

def write_rc(path, rtt_port):
    e = ENV
    acct = {
        "tls": [("port", e["SUBMISSIONS_PORT"]), ("tls", "on"),
                ("tls_starttls", "off"), ("auth", "plain"),
                ("user", e["TEST_USER"]), ("password", e["TEST_PASS"])],
        "starttls": [("port", e["SUBMISSION_PORT"]), ("tls", "on"),
                     ("tls_starttls", "on"), ("auth", "plain"),
                     ("user", e["TEST_USER"]),
                     ("password", e["TEST_PASS"])],
        "plain": [("port", e["PLAIN_PORT"]), ("tls", "off"),
                  ("auth", "off")],
        "rtt": [("port", rtt_port), ("tls", "on"), ("tls_starttls", "off"),
                ("auth", "plain"), ("user", e["TEST_USER"]),
                ("password", e["TEST_PASS"])],
        "rtt-starttls": [("port", ARGS.rtt_starttls_port), ("tls", "on"),
                         ("tls_starttls", "on"), ("auth", "plain"),
                         ("user", e["TEST_USER"]),
                         ("password", e["TEST_PASS"])],
    }
    lines = ["# written by scripts/bench", "defaults", "host 127.0.0.1",
             "from bench@example.org", "tls_trust_file " + e["CA_FILE"],
             "timeout 60", ""]
    for name, keys in acct.items():
        lines.append("account " + name)
        lines += ["%s %s" % kv for kv in keys]
        lines.append("")
    write_private(path, "\n".join(lines))
    # postie resumes TLS sessions by default (msmtp cannot); these
    # accounts make it do a full handshake every time, as msmtp does.
    if ARGS.has_session_cache:
        for name in ("tls", "rtt", "rtt-starttls"):
            lines.append("account %s-full : %s" % (name, name))
            lines += ["tls_session_cache off", ""]
    # queue always: enqueue, then a detached flush (postie only).
    lines += ["account tls-always : tls", "queue always",
              "queue_dir " + os.path.join(ARGS.work, "queue-always"), ""]
    write_private(path + "-postie", "\n".join(lines))


def write_rc_tls(path):
    """Only the tls account, for the server in ENV; postie's copy too."""
    e = ENV
    text = "\n".join([
        "# written by scripts/bench", "account tls", "host 127.0.0.1",
        "from bench@example.org", "tls_trust_file " + e["CA_FILE"],
        "timeout 60", "port " + e["SUBMISSIONS_PORT"], "tls on",
        "tls_starttls off", "auth plain", "user " + e["TEST_USER"],
        "password " + e["TEST_PASS"], ""])
    write_private(path, text)
    write_private(path + "-postie", text)


def write_rc_many(path, port, n=1000):
    lines = ["defaults", "tls off", "auth off", "timeout 5", ""]
    for i in range(n):
        lines += ["account account%d" % i, "host 127.0.0.1",
                  "port %d" % port, "from sender%d@example.org" % i,
                  "domain client%d.example.org" % i, ""]
    write_private(path, "\n".join(lines))


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def make_small(path, size=2048):
    hdr = ("From: bench@example.org\nTo: rcpt@example.org\n"
           "Subject: bench\n\n")
    line = "The quick brown fox jumps over the lazy dog, 0123456789.\n"
    body = ""
    while len(hdr) + len(body) + len(line) <= size:
        body += line
    body += "x" * (size - len(hdr) - len(body) - 1) + "\n"
    with open(path, "w") as f:
        f.write(hdr + body)


def make_big(path, size, width):
    """A base64 'attachment' of SIZE bytes in lines of WIDTH characters."""
    hdr = (b"From: bench@example.org\nTo: rcpt@example.org\n"
           b"Subject: big\nMIME-Version: 1.0\n"
           b"Content-Type: application/octet-stream\n"
           b"Content-Transfer-Encoding: base64\n\n")
    import base64
    chunk = base64.b64encode(os.urandom(width * 3 // 4 * 1024))
    lines = [chunk[i:i + width] + b"\n" for i in range(0, len(chunk), width)]
    block = b"".join(lines)
    with open(path, "wb") as f:
        f.write(hdr)
        left = size - len(hdr)
        while left >= len(block):
            f.write(block)
            left -= len(block)
        f.write(block[:left - left % (width + 1)])
    return os.path.getsize(path), sum(1 for _ in open(path, "rb"))


# --- network namespaces --------------------------------------------------

libc = ctypes.CDLL(None, use_errno=True)


def setns_fd(fd):
    if libc.setns(fd, 0x40000000) != 0:
        raise OSError(ctypes.get_errno(), "setns")


class InNetns:
    """Run the children started inside the block in another netns."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        if not self.name:
            return self
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            setns_fd(fd)
        finally:
            os.close(fd)
        return self

    def __exit__(self, *exc):
        if self.name:
            setns_fd(self.home)
            os.close(self.home)


def connect_rtt(port, n=7):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        times.append(time.perf_counter() - t0)
        s.close()
        time.sleep(0.05)
    return statistics.median(times)


def link_stats():
    """Counters of the delayed link since the last call."""
    path = ARGS.link_stats
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.kill(ARGS.link_pid, signal.SIGUSR1)
    for _ in range(200):
        if os.path.exists(path):
            with open(path) as f:
                return json.load(f)
        time.sleep(0.01)
    return {}


def transcript_waits(text):
    """Client turns that wait for a reply: blocks of server lines in a
    debug transcript (the greeting counts: the client waits for it)."""
    waits, prev = 0, None
    for line in text.splitlines():
        if line.startswith("<-- "):
            kind = "s"
        elif line.startswith("--> ") or line == "-->":
            kind = "c"
        else:
            continue
        if kind == "s" and prev != "s":
            waits += 1
        prev = kind
    return waits


def debug_run(argv, stdin):
    with open(stdin, "rb") as f:
        # msmtp writes its --debug transcript to stdout, postie to stderr.
        p = subprocess.run(argv, stdin=f, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode(errors="replace")


# --- the rows ------------------------------------------------------------

def P(*a):
    return [ARGS.postie, "-C", ARGS.rc + "-postie"] + list(a)


def M(*a):
    return [ARGS.msmtp, "-C", ARGS.rc] + list(a)


RCPT = "rcpt@example.org"
SMALL = {}      # mode -> (postie Series, msmtp Series)


def row_small():
    labels = {"tls": "implicit TLS + AUTH PLAIN", "starttls":
              "STARTTLS + AUTH PLAIN", "plain": "plain, no TLS, no AUTH"}
    if ARGS.has_session_cache:
        labels = {"tls-full": "implicit TLS + AUTH PLAIN, full TLS "
                  "handshake (postie: tls_session_cache off)",
                  "tls": "implicit TLS + AUTH PLAIN (postie resumes its "
                  "TLS session; msmtp cannot)",
                  "starttls": labels["starttls"] + " (postie resumes)",
                  "plain": labels["plain"]}
    for mode, label in labels.items():
        sp, sm = pair("2 KB " + mode, P("-a", mode, RCPT),
                      M("-a", mode.replace("-full", ""), RCPT), ARGS.small,
                      ARGS.runs)
        SMALL[mode] = (sp, sm)
        case = "1. 2 KB, " + label
        row(case, "wall", series_or_fail(sp, "wall"),
            series_or_fail(sm, "wall"), fmt_ms)
        row(case, "CPU (user+sys)", series_or_fail(sp, "cpu"),
            series_or_fail(sm, "cpu"), fmt_ms)
        row(case, "peak RSS", series_or_fail(sp, "rss_kb"),
            series_or_fail(sm, "rss_kb"), kb)
    for mode, limit in (("tls-full", 0.3), ("tls", 0.3), ("plain", 0.2)):
        if mode not in SMALL:
            continue
        sp, sm = SMALL[mode]
        goal(ratio_goal("2 KB %s wall ≤ %.1f × msmtp" % (mode, limit),
                        sp, sm, "wall", limit))
    for mode in labels:
        sp, sm = SMALL[mode]
        goal(ratio_goal("2 KB %s peak RSS ≤ msmtp" % mode, sp, sm,
                        "rss_kb", 1.0))


def ratio_goal(text, sp, sm, attr, limit):
    if sp.failed() is not None or sm.failed() is not None:
        return text, "failed", False
    r = sp.stat(attr)[0] / sm.stat(attr)[0]
    return text, "%.2f" % r, r <= limit


def goal(g):
    GOALS.append(g)


def row_big():
    big_case("2.", ARGS.big, ARGS.big_size, ARGS.big_lines, ARGS.big_runs,
             True)
    if ARGS.huge_runs > 0:
        big_case("2b.", ARGS.huge, ARGS.huge_size, ARGS.huge_lines,
                 ARGS.huge_runs, False)
    if not ARGS.env_fast:
        return
    # The same 50 MB with a second server whose queue is in memory: the
    # server's write and fsync of its queue file, the same for both
    # clients, is then out of the wall time.
    global ENV
    disk, ENV = ENV, read_env(ARGS.env_fast)
    rc = os.path.join(ARGS.work, "rc-fast")
    write_rc_tls(rc)
    try:
        big_case("2c.", ARGS.big, ARGS.big_size, ARGS.big_lines,
                 ARGS.big_runs, True, rc,
                 ", a second Postfix with its queue on tmpfs")
    finally:
        ENV = disk


def big_case(num, path, size, lines, runs, speed_goal, rc=None, where=""):
    mb = size / 1e6
    label = "%s %.0f MB, %d-char lines (%d lines), implicit TLS%s" % (
        num, mb, ARGS.big_width, lines, where)
    rc = rc or ARGS.rc
    sp, sm = pair("%.0f MB%s" % (mb, where),
                  [ARGS.postie, "-C", rc + "-postie", "-a", "tls", RCPT],
                  [ARGS.msmtp, "-C", rc, "-a", "tls", RCPT], path, runs)
    row(label, "wall", series_or_fail(sp, "wall"),
        series_or_fail(sm, "wall"), fmt_ms)

    def mbs(s):
        v = series_or_fail(s, "wall")
        if isinstance(v, str):
            return v
        return (mb / v[0], mb / v[2], mb / v[1])
    row(label, "throughput", mbs(sp), mbs(sm), lambda v: "%.1f MB/s" % v)
    row(label, "CPU (user+sys)", series_or_fail(sp, "cpu"),
        series_or_fail(sm, "cpu"), fmt_ms)
    row(label, "peak RSS", series_or_fail(sp, "rss_kb"),
        series_or_fail(sm, "rss_kb"), kb)
    what = "%.0f MB" % mb
    if sp.failed() is None and sm.failed() is None:
        t = sm.stat("wall")[0] / sp.stat("wall")[0]
        if speed_goal:
            goal(("%s throughput ≥ 3 × msmtp%s" % (what, where),
                  "%.2f ×" % t, t >= 3))
        # The largest of the RSS runs: the limit holds for every run.
        r = max(sp.rss) / 1024
        goal(("%s peak RSS < 10 MB (largest of %d runs; msmtp %.1f MB)" %
              (what, len(sp.rss), sm.stat("rss_kb")[0] / 1024),
              "%.1f MB" % r, r < 10))
    else:
        if speed_goal:
            goal(("%s throughput ≥ 3 × msmtp%s" % (what, where), "failed",
                  False))
        goal(("%s peak RSS < 10 MB" % what, "failed", False))


def rtt_waits(argv, counted=True):
    """One -d run after a warm-up run (which fills postie's TLS session
    cache): (waits in the transcript, turns on the wire)."""
    run1(argv, ARGS.small)
    if counted:
        link_stats()
    st, text = debug_run(argv, ARGS.small)
    wire = link_stats().get("turns", "?") if counted else "–"
    if st != 0:
        log("RTT link: %s exited %d" % (argv[0], st))
        return "failed (exit %d)" % st, "–"
    return str(transcript_waits(text)), str(wire)


def rtt_mode(mode, rtt):
    """Rows for one way into TLS over the delayed link; the postie
    (resumed) Series."""
    acct = {"tls": "rtt", "starttls": "rtt-starttls"}[mode]
    what = {"tls": "implicit TLS + AUTH", "starttls": "STARTTLS + AUTH"}
    label = "3. 2 KB, %s, %g ms RTT link (%s)" % (what[mode], ARGS.rtt_ms,
                                                   ARGS.link)
    # The relay of STARTTLS in relay mode keeps no counters.
    counted = mode == "tls" or ARGS.link == "tun"
    with InNetns(ARGS.cli_netns):
        wp = rtt_waits(P("-d", "-a", acct, RCPT), counted)
        wm = rtt_waits(M("--debug", "-a", acct, RCPT), counted)
        wf = None
        if ARGS.has_session_cache:
            wf = rtt_waits(P("-d", "-a", acct + "-full", RCPT), counted)
        sp, sm = pair("RTT link, " + mode, P("-a", acct, RCPT),
                      M("-a", acct, RCPT), ARGS.small, ARGS.rtt_runs)
        sf = None
        if ARGS.has_session_cache:
            sf, _ = pair("RTT link, %s, full handshake" % mode,
                         P("-a", acct + "-full", RCPT), None, ARGS.small,
                         ARGS.rtt_runs)
    row(label, "wall", series_or_fail(sp, "wall"),
        series_or_fail(sm, "wall"), fmt_ms)

    def per_rtt(s):
        v = series_or_fail(s, "wall")
        return v if isinstance(v, str) else tuple(x / rtt for x in v)
    f1 = (lambda v: "%.1f" % v)
    row(label, "wall / RTT (postie resumes its TLS session)", per_rtt(sp),
        per_rtt(sm), f1)
    if sf is not None:
        row(label, "wall / RTT, postie without resumption", per_rtt(sf),
            per_rtt(sm), f1)
    row(label, "waits in the -d transcript", wp[0], wm[0], None)
    if wf is not None:
        row(label, "waits in the -d transcript, postie without "
            "resumption", wf[0], wm[0], None)
    row(label, "turns on the wire", wp[1], wm[1], None)
    if wf is not None:
        row(label, "turns on the wire, postie without resumption", wf[1],
            wm[1], None)
    extra = "" if mode == "tls" else " (not a goal of issue 7)"
    for text, ser in (("", sp), (", full handshake", sf)):
        v = per_rtt(ser) if ser is not None else None
        if isinstance(v, tuple):
            goal(("≤ 6 RTT per message, %s%s%s" % (what[mode], text, extra),
                  "%.1f RTT (msmtp %.1f)" % (v[0], per_rtt(sm)[0])
                  if isinstance(per_rtt(sm), tuple) else
                  "%.1f RTT" % v[0], v[0] <= 6))


def row_rtt():
    with InNetns(ARGS.cli_netns):
        rtt = connect_rtt(ARGS.rtt_plain_port)
    log("link: TCP connect takes %.1f ms" % (rtt * 1000))
    if ARGS.link == "relay":
        rtt = ARGS.rtt_ms / 1000.0   # the relay's connect is instant
    ARGS.measured_rtt = rtt
    for mode in ("tls", "starttls"):
        rtt_mode(mode, rtt)


def bulk(name, argv, n, ok=(0,)):
    """N invocations back to back; per-invocation Series and total."""
    log("%s: %d invocations" % (name, n))
    s = Series()
    err = os.path.join(ARGS.work, "err.bulk")
    queue_idle(30)
    t0 = time.perf_counter()
    for _ in range(n):
        r = run1(argv, ARGS.small, err)
        s.add(r)
        if r.status not in ok:
            log("%s: exit %d: %s" % (name, r.status, tail(err)))
            break
    return s, time.perf_counter() - t0


def row_bulk():
    n = ARGS.bulk
    rate = {}
    for mode, label in (("tls", "implicit TLS + AUTH"), ("plain", "plain")):
        case = "4. %d messages, %d invocations, %s" % (n, n, label)
        sp, tp = bulk("bulk postie " + mode, P("-a", mode, RCPT), n)
        sm, tm = bulk("bulk msmtp " + mode, M("-a", mode, RCPT), n)

        def mps(s, t):
            if s.failed() is not None or len(s.runs) < n:
                return "failed"
            return (n / t,)
        rate[mode] = (mps(sp, tp), mps(sm, tm))
        row(case, "messages/s", rate[mode][0], rate[mode][1],
            lambda v: "%.1f/s" % v)
        row(case, "per invocation", series_or_fail(sp, "wall"),
            series_or_fail(sm, "wall"), fmt_ms)
    row_queue(rate["tls"][1])


def queue_support():
    """Why the queue row cannot run, or None when it can."""
    h = subprocess.run([ARGS.postie, "--help"], capture_output=True,
                       text=True)
    for opt in ("--flush", "--enqueue", "--queue-dir"):
        if opt not in h.stdout + h.stderr:
            return "postie has no %s yet" % opt
    qd = os.path.join(ARGS.work, "probe-queue")
    os.makedirs(qd, exist_ok=True)
    r = run1(P("-a", "tls", "--enqueue", "--queue-dir=" + qd, RCPT),
             ARGS.small)
    if r.status != 0:
        return "enqueue probe exited %d" % r.status
    r = run1(P("-a", "tls", "--queue-dir=" + qd, "-q"), ARGS.small)
    if r.status != 0 or queue_left(qd):
        return "flush probe exited %d, %d left" % (r.status, queue_left(qd))
    return None


def queue_left(qd):
    q = os.path.join(qd, "q")
    return len(os.listdir(q)) if os.path.isdir(q) else 0


def wait_empty(qd, limit=30.0):
    end = time.monotonic() + limit
    while queue_left(qd) and time.monotonic() < end:
        time.sleep(0.002)
    return queue_left(qd) == 0


def smtpd_sessions(since):
    """(connections, MAIL commands) of the submissions service in
    Postfix's log after byte offset since."""
    time.sleep(1)   # postlogd writes a moment later
    conns = mails = 0
    with open(ENV["POSTFIX_LOG"], errors="replace") as f:
        f.seek(since)
        for line in f:
            if "/submissions/smtpd[" not in line:
                continue
            if ": connect from " in line:
                conns += 1
            elif ": disconnect from " in line:
                for w in line.split():
                    if w.startswith("mail="):
                        mails += int(w[5:])
    return conns, mails


def log_size():
    try:
        return os.path.getsize(ENV["POSTFIX_LOG"])
    except (KeyError, OSError):
        return 0


def row_queue(msmtp_rate):
    n = ARGS.bulk
    case = ("4. %d messages, queue: %d × --enqueue, then one postie -q, "
            "implicit TLS + AUTH" % (n, n))
    why = queue_support()
    if why:
        log("queue row skipped: " + why)
        row(case, "messages/s", "not available yet (%s)" % why,
            msmtp_rate, lambda v: "%.1f/s" % v, ratio=False)
        goal(("queue flush ≥ 150 messages/s", "not available yet", False))
        goal(("enqueue ≤ 3 ms median", "not available yet", False))
        return
    qd = os.path.join(ARGS.work, "queue")
    os.makedirs(qd, exist_ok=True)
    se, te = bulk("enqueue", P("-a", "tls", "--enqueue",
                               "--queue-dir=" + qd, RCPT), n)
    queue_idle(30)
    log("flush of %d messages" % queue_left(qd))
    since = log_size()
    r = run1(P("-a", "tls", "--queue-dir=" + qd, "-q"), ARGS.small,
             os.path.join(ARGS.work, "err.flush"))
    left = queue_left(qd)
    conns, mails = smtpd_sessions(since)
    if r.status != 0 or left:
        log("flush exited %d, %d left: %s" % (r.status, left,
                                               tail(ARGS.work + "/err.flush")))
        flush = "failed (exit %d, %d left)" % (r.status, left)
        e2e = flush
    else:
        flush = (n / r.wall,)
        e2e = (n / (te + r.wall),)
    f = (lambda v: "%.1f/s" % v)
    row(case, "messages/s, flush alone (msmtp: %d invocations)" % n, flush,
        msmtp_rate, f)
    row(case, "messages/s, enqueue + flush", e2e, msmtp_rate, f)
    row(case, "SMTP connections of the flush (Postfix log)",
        "%d (%d MAIL)" % (conns, mails), "%d (one per message)" % n, None)
    row(case, "enqueue latency, --enqueue", series_or_fail(se, "wall"),
        "–", fmt_ms, ratio=False)
    row(case, "enqueue CPU (user+sys)", series_or_fail(se, "cpu"), "–",
        fmt_ms, ratio=False)
    if isinstance(flush, tuple):
        goal(("queue flush ≥ 150 messages/s, implicit TLS + AUTH",
              "%.0f/s" % flush[0], flush[0] >= 150))
    else:
        goal(("queue flush ≥ 150 messages/s", flush, False))
    goal(("the flush uses one connection (issue 6)",
          "%d connection(s), %d MAIL" % (conns, mails),
          conns == 1 and mails == n))
    row_always()
    row_enqueue_cost()
    row_flush_cost()


def row_always():
    """queue always: the caller's wait (the entry made durable, a
    detached flush started).  Each run waits until the run before has
    been delivered, so the flushes never overlap a measured run."""
    qd = os.path.join(ARGS.work, "queue-always")
    runs = ARGS.runs
    case = "4. queue always: one 2 KB message, enqueue + detached flush"
    log("queue always: %d runs" % runs)
    s = Series()
    err = os.path.join(ARGS.work, "err.always")
    for i in range(runs + 1):
        wait_empty(qd)
        queue_idle()
        r = run1(P("-a", "tls-always", RCPT), ARGS.small, err)
        if r.status != 0:
            log("queue always: exit %d: %s" % (r.status, tail(err)))
        if i > 0:
            s.add(r)
    delivered = wait_empty(qd)
    row(case, "latency (exit of the caller)", series_or_fail(s, "wall"),
        "–", fmt_ms, ratio=False)
    row(case, "CPU (user+sys) of the caller", series_or_fail(s, "cpu"),
        "–", fmt_ms, ratio=False)
    row(case, "delivered by the detached flushes", "all %d" % (runs + 1)
        if delivered else "%d left" % queue_left(qd), "–", None)
    v = series_or_fail(s, "wall")
    if isinstance(v, tuple):
        goal(("enqueue (queue always) ≤ 3 ms median, 2 KB", fmt_ms(v[0]),
              v[0] <= 0.003))
    else:
        goal(("enqueue (queue always) ≤ 3 ms median", v, False))


def strace_times(argv, calls, stdin):
    """Run argv once under strace -T: ({call: (count, seconds)}, wall),
    or None without strace.  --seccomp-bpf stops only at the calls
    traced, so the rest runs at nearly full speed."""
    out = os.path.join(ARGS.work, "strace.out")
    try:
        r = run1(["/usr/bin/strace", "-f", "--seccomp-bpf", "-T", "-o", out,
                  "-e", "trace=" + ",".join(calls)] + argv, stdin)
        with open(out) as f:
            text = f.read()
    except OSError:
        return None
    got = {}
    for line in text.splitlines():
        name = line.split(None, 1)[-1].split("(", 1)[0]
        if name not in calls or not line.endswith(">"):
            continue
        t = float(line[line.rindex("<") + 1:-1])
        c, s = got.get(name, (0, 0.0))
        got[name] = (c + 1, s + t)
    return got, r.wall


def row_enqueue_cost():
    """Where an enqueue's time goes: process start, CPU, fsync."""
    case = "4. where an enqueue's time goes (2 KB, --enqueue)"
    qd = os.path.join(ARGS.work, "queue-cost")
    os.makedirs(qd, exist_ok=True)
    argv = P("-a", "tls", "--enqueue", "--queue-dir=" + qd, RCPT)
    run1(argv, ARGS.small)      # creates the queue's directories
    t, v, enq = Series(), Series(), Series()
    empty = os.path.join(ARGS.work, "empty")
    open(empty, "w").close()
    for _ in range(ARGS.runs):
        t.add(run1(["/bin/true"], empty))
        v.add(run1([ARGS.postie, "--version"], empty))
        enq.add(run1(argv, ARGS.small))
    row(case, "wall of an enqueue", series_or_fail(enq, "wall"), "–",
        fmt_ms, ratio=False)
    row(case, "CPU (user+sys) of an enqueue", series_or_fail(enq, "cpu"),
        "–", fmt_ms, ratio=False)
    row(case, "spawn and reap of /bin/true (the machine's floor)",
        series_or_fail(t, "wall"), "–", fmt_ms, ratio=False)
    row(case, "process start (postie --version, wall)",
        series_or_fail(v, "wall"), "–", fmt_ms, ratio=False)
    syncs, times = [], []
    for _ in range(ARGS.runs):
        got = strace_times(argv, ("fsync", "fdatasync"), ARGS.small)
        if got is None:
            row(case, "fsync", "n/a (no strace)", "–", None)
            return
        syncs.append(sum(c for c, _ in got[0].values()))
        times.append(sum(x for _, x in got[0].values()))
    row(case, "fsync calls per enqueue (strace)", str(max(syncs)), "–",
        None)
    row(case, "time in fsync per enqueue (strace -T)",
        (statistics.median(times), min(times), max(times)), "–", fmt_ms,
        ratio=False)
    if enq.failed() is None:
        per = statistics.median(times) / max(1, max(syncs))
        row(case, "one fsync (median time in fsync / calls)", (per,), "–",
            fmt_ms, ratio=False)
        row(case, "enqueue wall − time in fsync (medians)",
            (max(0.0, enq.stat("wall")[0] - statistics.median(times)),),
            "–", fmt_ms, ratio=False)


def perf_summary(argv, calls, stdin):
    """Run argv once under perf trace -s: ({call: (count, seconds)},
    wall), or None without perf.  perf trace disturbs the timing far
    less than strace, under which a flush runs several times faster
    (its fsync and unlink calls then rarely wait for a journal commit)."""
    out = os.path.join(ARGS.work, "perf.out")
    try:
        r = run1(["/usr/bin/perf", "trace", "-s", "-o", out, "-e",
                  ",".join(calls), "--"] + argv, stdin)
        with open(out) as f:
            text = f.read()
    except OSError:
        return None
    if r.status != 0:
        return None
    got = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) >= 4 and w[0] in calls and w[1].isdigit():
            c, t = got.get(w[0], (0, 0.0))
            got[w[0]] = (c + int(w[1]), t + float(w[3]) / 1000)
    return got, r.wall


def row_flush_cost():
    """Where a flush's time goes, per message: waiting for the server's
    replies, fsync, and the rest."""
    n = min(ARGS.bulk, 200)
    case = "4. where a flush's time goes (%d messages, per message)" % n
    qd = os.path.join(ARGS.work, "queue-flush-cost")
    os.makedirs(qd, exist_ok=True)
    for _ in range(n):
        run1(P("-a", "tls", "--enqueue", "--queue-dir=" + qd, RCPT),
             ARGS.small)
    queue_idle(30)
    calls = ("poll", "fsync", "unlinkat", "renameat", "close")
    got = perf_summary(P("-a", "tls", "--queue-dir=" + qd, "-q"), calls,
                       ARGS.small)
    if got is None or queue_left(qd):
        row(case, "wall", "n/a (no perf trace)" if got is None else
            "failed", "–", None)
        return
    times, wall = got
    row(case, "wall (under perf trace)", (wall / n,), "–", fmt_ms,
        ratio=False)
    for name, what in (("poll", "waiting for the server (poll)"),
                       ("fsync", "fsync"),
                       ("unlinkat", "unlink (removing the entry)"),
                       ("renameat", "rename (out of q/)"),
                       ("close", "close")):
        c, t = times.get(name, (0, 0.0))
        row(case, "%s: %.1f calls" % (what, c / n), (t / n,), "–", fmt_ms,
            ratio=False)
    busy = wall - sum(t for _, t in times.values())
    row(case, "everything else (CPU, other calls)", (busy / n,), "–",
        fmt_ms, ratio=False)


def row_cold():
    runs = ARGS.cold_runs
    empty = os.path.join(ARGS.work, "empty")
    open(empty, "w").close()
    sp, sm = pair("--version", [ARGS.postie, "--version"],
                  [ARGS.msmtp, "--version"], empty, runs, idle=False)
    case = "5. cold start: --version"
    row(case, "wall", series_or_fail(sp, "wall"),
        series_or_fail(sm, "wall"), fmt_ms)
    row(case, "peak RSS", series_or_fail(sp, "rss_kb"),
        series_or_fail(sm, "rss_kb"), kb)

    many = ARGS.rc_many
    h = subprocess.run([ARGS.postie, "--help"], capture_output=True,
                       text=True)
    has_pretend = "--pretend" in h.stdout
    pp = ([ARGS.postie, "-C", many, "-a", "account999", "--pretend", RCPT]
          if has_pretend else None)
    sp, sm = pair("--pretend", pp, [ARGS.msmtp, "-C", many, "-a",
                                    "account999", "-P", RCPT],
                  ARGS.small, runs, idle=False)
    case = "5. cold start: --pretend, rc with 1,000 accounts, -a account999"
    row(case, "wall", series_or_fail(sp, "wall") if pp else "n/a (no "
        "--pretend yet)", series_or_fail(sm, "wall"), fmt_ms)
    # Parse the rc file, pick the account, read the 2 KB message, and
    # fail to connect: the closed port refuses at once (exit 75 both).
    argv = ["-C", many, "-a", "account999", RCPT]
    sp, sm = pair("1,000 accounts, closed port", [ARGS.postie] + argv,
                  [ARGS.msmtp] + argv, ARGS.small, runs, idle=False,
                  ok=(75,))
    case = ("5. cold start: rc with 1,000 accounts, -a account999, "
            "send to a closed port")
    row(case, "wall", series_or_fail(sp, "wall", (75,)),
        series_or_fail(sm, "wall", (75,)), fmt_ms)
    row(case, "peak RSS", series_or_fail(sp, "rss_kb", (75,)),
        series_or_fail(sm, "rss_kb", (75,)), kb)


# --- output --------------------------------------------------------------

def version_of(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout
        return out.splitlines()[0].strip()
    except (OSError, IndexError):
        return "?"


def dpkg_version(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg],
                       capture_output=True, text=True)
    return p.stdout.strip() or "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def render(elapsed):
    a = ARGS
    out = ["# postie against msmtp", "",
           "Written by `scripts/bench%s` on %s; the whole run took %.0f s." %
           (" --quick" if a.quick else "",
            time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), elapsed),
           "",
           "- Machine: %s, %d CPUs, Linux %s." % (cpu_model(),
                                                  os.cpu_count(),
                                                  platform.release()),
           "- postie: `%s` (%s); msmtp %s (Debian package)." %
           (version_of([a.postie, "--version"]),
            built_as(a.postie), dpkg_version("msmtp")),
           "- Server: Postfix %s and Dovecot %s from tests/lib/realserver "
           "on 127.0.0.1, one instance for every row; the bench sets "
           "`virtual_transport = discard` so accepted mail is dropped, not "
           "written to the Maildir." % (dpkg_version("postfix"),
                                         dpkg_version("dovecot-core")),
           "- Each cell: median (min–max) over %d runs (%d for the 50 MB "
           "message, %d for the 100 MB message, %d for each case of the "
           "RTT link, %d for cold start; the bulk rows run %d messages "
           "back to back); postie and msmtp runs alternate, after one "
           "warm-up run each.  Wall time runs from spawn to reap; CPU is "
           "user + system time from wait4(); peak RSS is GNU time's %%M "
           "over %d more runs." % (
               a.runs, a.big_runs, a.huge_runs, a.rtt_runs, a.cold_runs,
               a.bulk, a.rss_runs),
           "- postie/msmtp: the ratio of the medians (below 1 is better "
           "for times and memory, above 1 for rates).", ""]
    out.append(link_note())
    out += ["", "| case | metric | postie | msmtp | postie/msmtp |",
            "| --- | --- | --- | --- | --- |"]
    for case, metric, p, m, r in RESULTS:
        out.append("| %s | %s | %s | %s | %s |" % (case, metric, p, m, r))
    out += ["", "## Goals (issue 7; the queue's of issue 6, the 100 MB "
            "message's of issue 4)", "", "| goal | measured | met |",
            "| --- | --- | --- |"]
    for text, measured, met in GOALS:
        out.append("| %s | %s | %s |" % (text, measured,
                                         "yes" if met else "**no**"))
    if NOTES_FILE and os.path.exists(NOTES_FILE):
        # Hand-written analysis of the misses, kept across runs.
        with open(NOTES_FILE) as f:
            out += ["", f.read().strip()]
    out.append("")
    return "\n".join(out)


def built_as(path):
    rel = os.path.relpath(path, TOP)
    return rel + (", -O2" if rel.startswith("build-bench/") else "")


def link_note():
    a = ARGS
    rtt = getattr(a, "measured_rtt", None)
    got = " (measured: TCP connect %.1f ms)" % (rtt * 1000) if rtt else ""
    if a.link == "tun":
        return ("- Row 3: the client runs in a network namespace of its own "
                "and reaches the server's namespace over a TUN device pair; "
                "scripts/bench.d/tunlink.py holds every packet %g ms each "
                "way, ACKs included, so the RTT is %g ms%s.  Addresses are "
                "127.0.0.2 (client) and 127.0.0.1 (server).  'Waits in the "
                "-d transcript' counts the blocks of server lines the client "
                "waits for (TLS handshake and TCP connect not included); "
                "'turns on the wire' counts server data that follows client "
                "data at the packet level (the SYN, the TLS handshake and "
                "QUIT's reply included, even when the client does not wait "
                "for it)." % (a.rtt_ms / 2, a.rtt_ms, got))
    return ("- Row 3: a TCP relay on 127.0.0.1 (scripts/bench.d/tcprelay.py) "
            "holds every chunk %g ms each way.  Less exact than a packet "
            "delay: the relay accepts the connection at once (so the "
            "connect costs no round trip) and ACKs never cross the delay, "
            "so Nagle and delayed-ACK stalls are not reproduced.  'turns on "
            "the wire' counts server chunks that follow client chunks." %
            (a.rtt_ms / 2))


def read_env(path):
    env = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            env[k] = v.strip("'\"")
    return env


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    for opt in ("postie", "msmtp", "env", "work", "out", "link",
                "cli-netns", "link-stats", "env-fast"):
        ap.add_argument("--" + opt)
    for opt in ("runs", "big-runs", "rtt-runs", "cold-runs", "bulk",
                "rtt-port", "rtt-starttls-port", "link-pid", "big-width"):
        ap.add_argument("--" + opt, type=int)
    ap.add_argument("--huge-runs", type=int, default=0)
    ap.add_argument("--huge-mb", type=float, default=100)
    ap.add_argument("--rtt-ms", type=float, default=50)
    ap.add_argument("--rss-runs", type=int, default=5)
    ap.add_argument("--big-mb", type=float, default=50)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="12345")
    ARGS = ap.parse_args()
    with open(ARGS.postie, "rb") as f:
        ARGS.has_session_cache = b"tls_session_cache" in f.read()
    ENV.update(read_env(ARGS.env))
    t0 = time.monotonic()
    w = ARGS.work
    ARGS.rc = os.path.join(w, "rc")
    ARGS.rc_many = os.path.join(w, "rc-1000")
    ARGS.small = os.path.join(w, "msg-2k")
    ARGS.big = os.path.join(w, "msg-big")
    ARGS.huge = os.path.join(w, "msg-huge")
    write_rc(ARGS.rc, ARGS.rtt_port)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()   # nothing listens there from now on
    write_rc_many(ARGS.rc_many, closed)
    make_small(ARGS.small)
    ARGS.rtt_plain_port = (int(ENV["PLAIN_PORT"]) if ARGS.link == "tun"
                           else ARGS.rtt_port)
    if "2" in ARGS.only:
        ARGS.big_size, ARGS.big_lines = make_big(
            ARGS.big, int(ARGS.big_mb * 1e6), ARGS.big_width)
        if ARGS.huge_runs > 0:
            ARGS.huge_size, ARGS.huge_lines = make_big(
                ARGS.huge, int(ARGS.huge_mb * 1e6), ARGS.big_width)
    steps = {"1": row_small, "2": row_big, "3": row_rtt, "4": row_bulk,
             "5": row_cold}
    for k in sorted(steps):
        if k in ARGS.only:
            steps[k]()
    text = render(time.monotonic() - t0)
    print(text)
    if ARGS.out:
        with open(ARGS.out, "w") as f:
            f.write(text)
    bad = [r for r in RESULTS if "failed" in r[2] + r[3]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
