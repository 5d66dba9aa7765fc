#!/usr/bin/env python3
"""Run the scenario tests (tests/scenarios/*.scn) against postie.

usage: run.py [-j N] [--valgrind] [--keep] [-v] [SCENARIO ...]

For each scenario: start the peer, write the rc file (mode 0600) and the
message, run $POSTIE (default TOP/postie) with the scenario's arguments
and a time limit, then check the exit status, stderr, the peer's
mismatch list and the data it received.  Prints TAP; exits 0 when every
scenario passed and 1 otherwise (never 77: see DESIGN.md).

Environment: POSTIE (the binary), POSTIE_WRAPPER (a command prefix such
as "valgrind -q"), POSTIE_SLOW (a factor for every time limit).
"""
import argparse
import concurrent.futures
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True	# keep the source tree clean
sys.path.insert(0, HERE)
import scn  # noqa: E402

DEFAULT_TIMEOUT = 20
VALGRIND = ("valgrind -q --error-exitcode=70 --leak-check=full "
            "--errors-for-leak-kinds=definite,indirect")
EXIT_NAMES = {v: k for k, v in scn.SYSEXITS.items()}


def exit_name(status):
    if status is None:
        return "none (killed after the time limit)"
    if status == -256:
        return "none (could not run it)"
    if status < 0:
        return "%d (signal %d)" % (status, -status)
    return "%d (%s)" % (status, EXIT_NAMES.get(status, "?"))


class Run:
    """Settings and resources shared by all scenarios of one run."""

    def __init__(self, opts):
        self.opts = opts
        self.postie = os.environ.get("POSTIE") or os.path.join(TOP,
                                                               "postie")
        wrapper = os.environ.get("POSTIE_WRAPPER", "")
        if opts.valgrind:
            wrapper = wrapper or VALGRIND
        self.wrapper = shlex.split(wrapper)
        slow = os.environ.get("POSTIE_SLOW")
        self.slow = float(slow) if slow else (4.0 if self.wrapper else 1.0)
        self.dir = tempfile.mkdtemp(prefix="postie-scn-")
        self.certs = os.path.join(self.dir, "certs")
        self.cert_error = make_certs(self.certs)
        # Bound but never listening: connecting to it is refused.
        self.dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.dead.bind(("127.0.0.1", 0))
        self.deadport = self.dead.getsockname()[1]

    def placeholders(self, tmp, port):
        v = {"rc": os.path.join(tmp, "rc"), "port": port, "dir": tmp,
             "deadport": self.deadport}
        if not self.cert_error:
            v["ca"] = os.path.join(self.certs, "ca.pem")
            v["untrustedca"] = os.path.join(self.certs, "untrusted-ca.pem")
        return v

    def close(self):
        self.dead.close()
        if not self.opts.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def make_certs(dest):
    """Certificates for this run; an error text or None."""
    mk = os.path.join(TOP, "scripts", "mkcerts")
    if not os.access(mk, os.X_OK):
        return "scripts/mkcerts not found"
    p = subprocess.run([mk, dest], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        return "mkcerts failed: " + p.stdout.strip()
    return None


class Outcome:
    def __init__(self, name):
        self.name = name
        self.diag = []
        self.failed = False
        self.seconds = 0.0

    def fail(self, text):
        self.failed = True
        self.diag.append(text)

    def info(self, text):
        self.diag.append(text)


def start_peer(run, path, tmp, limit):
    cmd = [sys.executable, os.path.join(HERE, "peer.py"), path,
           "--result", os.path.join(tmp, "result.json"),
           "--timeout", str(limit + 10), "--linger",
           "--step-timeout", str(min(10 * run.slow, limit))]
    if not run.cert_error:
        cmd += ["--cert", os.path.join(run.certs, "server.pem"),
                "--key", os.path.join(run.certs, "server-key.pem")]
    err = open(os.path.join(tmp, "peer.err"), "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=err)
    err.close()
    ready, _, _ = select.select([proc.stdout], [], [], 10)
    line = proc.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        stop_peer(proc)
        return proc, None
    return proc, int(line)


def stop_peer(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def run_postie(run, argv, tmp, limit):
    """(status or None when killed, stdout, stderr, seconds)."""
    env = dict(os.environ)
    env.pop("XDG_CONFIG_HOME", None)
    env.pop("XDG_STATE_HOME", None)
    home = os.path.join(tmp, "home")
    os.makedirs(home, exist_ok=True)
    env.update({"HOME": home, "TMPDIR": tmp, "LC_ALL": "C"})
    cmd = [os.fsencode(c) for c in run.wrapper + [run.postie]] + argv
    start = time.monotonic()
    with open(os.path.join(tmp, "stdin"), "rb") as stdin:
        try:
            p = subprocess.run(cmd, stdin=stdin, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env,
                               timeout=limit, start_new_session=True)
            status, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = None, e.stdout or b"", e.stderr or b""
        except OSError as e:
            status, out, err = -256, b"", ("cannot run: %s" % e).encode()
    for name, data in (("stdout", out), ("stderr", err)):
        with open(os.path.join(tmp, name), "wb") as fp:
            fp.write(data)
    return status, out, err, time.monotonic() - start


def write_files(sc, values, tmp):
    rc = sc.section("rc")
    body = ""
    if rc:
        where = "%s:%d" % (sc.path, rc.lineno)
        body = scn.substitute("\n".join(rc.text_lines()) + "\n", values,
                              where)
    fd = os.open(values["rc"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fp:
        fp.write(body)
    with open(os.path.join(tmp, "stdin"), "wb") as fp:
        fp.write(sc.stdin_bytes())
    netrc = sc.section("netrc")
    if netrc:
        home = os.path.join(tmp, "home")
        os.makedirs(home, exist_ok=True)
        path = os.path.join(home, ".netrc")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fp:
            fp.write(scn.substitute("\n".join(netrc.text_lines()) + "\n",
                                    values, "%s:%d" % (sc.path,
                                                       netrc.lineno)))
        os.chmod(path, 0o644 if "public" in netrc.options else 0o600)


def check_output(sc, oc, status, out, err, secs, values, slow):
    want = sc.expect_exit()
    if status != want and status is not None:
        oc.fail("exit status: expected %s, got %s"
                % (exit_name(want), exit_name(status)))
    text = err.decode("utf-8", "replace")
    for rx in sc.field("expect-stderr", []):
        rx = scn.substitute(rx, values, "expect-stderr", re.escape)
        if not re.search(rx, text, re.M):
            oc.fail("stderr does not match /%s/" % rx)
    n = sc.field("expect-stderr-lines")
    if n is not None and len(text.splitlines()) != int(n):
        oc.fail("stderr: expected %s line(s), got %d"
                % (n, len(text.splitlines())))
    for rx in sc.field("expect-stdout", []):
        rx = scn.substitute(rx, values, "expect-stdout", re.escape)
        if not re.search(rx, out.decode("utf-8", "replace"), re.M):
            oc.fail("stdout does not match /%s/" % rx)
    for s in sc.field("expect-not-in-output", []):
        b = scn.decode_escapes(s, "expect-not-in-output")
        if b in out or b in err:
            oc.fail("output contains %r" % s)
    tmax = sc.field("expect-time-max")
    if tmax is not None and secs > float(tmax) * slow:
        oc.fail("took %.1fs, limit %ss" % (secs, tmax))


def check_data(sc, oc, res):
    want = sc.all_sections("expect-data")
    got = res.get("data", [])
    if not want:
        return
    if len(want) != len(got):
        oc.fail("expected %d message(s), the peer received %d"
                % (len(want), len(got)))
    for i, (sec, item) in enumerate(zip(want, got), 1):
        where = "%s:%d" % (sc.path, sec.lineno)
        pats = scn.data_pattern(sec.text_lines(), where)
        lines = item["text"].split("\r\n")
        if lines[-1] == "":
            lines.pop()
        for n, (pat, line) in enumerate(zip(pats, lines)):
            if not pat.fullmatch(line):
                oc.fail("message %d line %d: expected %s\n  got %s"
                        % (i, n + 1, sec.lines[n][1], scn.show(line)))
                break
        else:
            if len(pats) != len(lines):
                extra = lines[len(pats):] or ["(end)"]
                oc.fail("message %d: expected %d lines, got %d; "
                        "first difference: %s"
                        % (i, len(pats), len(lines), scn.show(extra[0])))


def show_transcripts(oc, res):
    for s in res.get("sessions", []):
        if not s["connected"]:
            continue
        oc.info("session %d transcript (ended: %s):"
                % (s["session"], s["ended"]))
        for t, d, data in s["transcript"]:
            oc.info("  %7.3f %-4s %s" % (t, d, scn.show(data, 200)))


def run_one(run, path):
    oc = Outcome(os.path.basename(path)[:-4])
    tmp = tempfile.mkdtemp(prefix=oc.name + ".", dir=run.dir)
    start = time.monotonic()
    try:
        sc = scn.Scenario(path)
        oc.name += ": " + sc.field("name")
        sc.expect_exit()
        limit = float(sc.field("timeout", DEFAULT_TIMEOUT)) * run.slow
        peer, port = start_peer(run, path, tmp, limit)
        if port is None:
            oc.fail("the peer did not start: " + read_text(tmp, "peer.err"))
            return oc
        try:
            values = run.placeholders(tmp, port)
            if run.cert_error:
                oc.info("no certificates: " + run.cert_error)
            write_files(sc, values, tmp)
            argv = scn.split_args(sc.field("args", ""), values)
            status, out, err, secs = run_postie(run, argv, tmp, limit)
            then_steps(run, sc, oc, values, tmp, limit)
        finally:
            stop_peer(peer)
        judge(sc, oc, tmp, (status, out, err, secs), values, run, limit)
    except (scn.ScenarioError, OSError) as e:
        oc.fail("scenario error: %s" % e)
    oc.seconds = time.monotonic() - start
    return oc


def then_steps(run, sc, oc, values, tmp, limit):
    """Run each then-args step; check its status and the joint output."""
    steps = sc.field("then-args", [])
    exits = sc.field("then-expect-exit", [])
    out_all, err_all = b"", b""
    for i, args in enumerate(steps):
        want = sc.expect_exit(exits[i] if i < len(exits) else "0")
        argv = scn.split_args(args, values)
        status, out, err, _ = run_postie(run, argv, tmp, limit)
        out_all += out
        err_all += err
        if status != want:
            oc.fail("then step %d (%s): exit status: expected %s, got %s"
                    % (i + 1, args, exit_name(want), exit_name(status)))
        if status != want or run.opts.verbose:
            for line in (out + err).decode("utf-8", "replace").splitlines():
                oc.info("then step %d: %s" % (i + 1, line[:300]))
    for key, data in (("then-expect-stderr", err_all),
                      ("then-expect-stdout", out_all)):
        for rx in sc.field(key, []):
            rx = scn.substitute(rx, values, key, re.escape)
            if not re.search(rx, data.decode("utf-8", "replace"), re.M):
                oc.fail("%s does not match /%s/" % (key, rx))


def judge(sc, oc, tmp, got, values, run, limit):
    status, out, err, secs = got
    if status is None:
        oc.fail("postie did not finish within %gs (killed)" % limit)
    check_output(sc, oc, status, out, err, secs, values, run.slow)
    try:
        with open(os.path.join(tmp, "result.json")) as fp:
            res = json.load(fp)
    except (OSError, ValueError) as e:
        oc.fail("no peer result (%s): %s" % (e, read_text(tmp, "peer.err")))
        res = {}
    for m in res.get("mismatches", []):
        oc.fail("peer: session %s, %s\n  expected: %s\n  got:      %s"
                % (m["session"], m["step"], m["expected"], m["got"]))
    check_data(sc, oc, res)
    if oc.failed or run.opts.verbose:
        argv = [os.fsencode(w) for w in run.wrapper + [run.postie]]
        argv += scn.split_args(sc.field("args", ""), values)
        oc.info("argv: %s" % " ".join(scn.show(a) for a in argv))
        oc.info("time: %.2fs" % secs)
        for label, data in (("stdout", out), ("stderr", err)):
            for line in data.decode("utf-8", "replace").splitlines()[:40]:
                oc.info("%s: %s" % (label, line[:300]))
        show_transcripts(oc, res)


def read_text(tmp, name):
    try:
        with open(os.path.join(tmp, name), errors="replace") as fp:
            return fp.read().strip()[-2000:]
    except OSError:
        return ""


def find_scenarios(names):
    sdir = os.path.join(TOP, "tests", "scenarios")
    if not names:
        return sorted(os.path.join(sdir, f) for f in os.listdir(sdir)
                      if f.endswith(".scn"))
    out = []
    for n in names:
        if os.path.exists(n):
            out.append(n)
            continue
        p = os.path.join(sdir, n if n.endswith(".scn") else n + ".scn")
        out.append(p)
    return out


def report(i, oc):
    print("%s %d - %s" % ("not ok" if oc.failed else "ok", i, oc.name))
    for d in oc.diag:
        for line in d.split("\n"):
            print("# " + line)
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(
        description="run scenario tests against $POSTIE (TAP output)")
    ap.add_argument("scenarios", nargs="*", help="names or paths")
    ap.add_argument("-j", "--jobs", type=int, default=4,
                    help="scenarios run at the same time (default 4)")
    ap.add_argument("--valgrind", action="store_true",
                    help="run postie under valgrind (or $POSTIE_WRAPPER)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="diagnostics for passing scenarios too")
    opts = ap.parse_args()
    paths = find_scenarios(opts.scenarios)
    run = Run(opts)
    if not (os.access(run.postie, os.X_OK) or shutil.which(run.postie)):
        run.close()
        print("Bail out! no program at %s (set POSTIE)" % run.postie)
        return 1
    start = time.monotonic()
    print("1..%d" % len(paths))
    sys.stdout.flush()
    failed = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as ex:
            futures = [ex.submit(run_one, run, p) for p in paths]
            for i, f in enumerate(futures, 1):
                oc = f.result()
                failed += oc.failed
                report(i, oc)
    finally:
        run.close()
    print("# %d scenarios, %d failed, %.1fs (postie: %s)"
          % (len(paths), failed, time.monotonic() - start, run.postie))
    if opts.keep:
        print("# kept %s" % run.dir)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
