#!/usr/bin/env python3
"""run.py: differential tests of postie against msmtp.

Each tests/diff/cases/*.case gives an rc file, arguments and a message.
Both programs run with it against a fresh recorder (recorder.py), and
what reached the server is compared: the exit status, the EHLO
argument, the MAIL FROM line (its SIZE parameter dropped: msmtp does not
send it), the RCPT lines and each message as received, with the values
of Date and Message-ID replaced by a placeholder (their presence and
position still count).

Known deliberate differences are normalised away by name (see
NORMALISE); each one is listed in postie(1), DIFFERENCES FROM MSMTP, and
the runner checks that the man page names it.  Anything else is a
failure.

  python3 tests/diff/run.py [-v] [--keep] [NAME...]

POSTIE names postie (default build/postie), MSMTP names msmtp (default
msmtp on PATH).  Output is TAP; exit 0 when every case agrees, else 1
(never 77).  Without msmtp the whole run is skipped.

Case file format: header lines "key: value" first, then sections
starting with "--- rc" and "--- stdin".  Any other section "--- NAME"
is written to a file of its own, whose path {NAME} gives.  Keys:
  name:       one-line description (required)
  args:       arguments after "-C {rc}" for both programs
  env:        NAME=VALUE added to the environment (repeatable)
  args-msmtp: arguments for msmtp instead, where postie deliberately
              accepts more (needs deliberate:)
  deliberate: a phrase postie(1)'s DIFFERENCES FROM MSMTP must contain
  normalise:  a NORMALISE name applied to this case (repeatable)
  note:       free text
In args and rc, {port} is the recorder's port and {rc} the rc file.
Arguments are split like a shell would (shlex).
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from recorder import Recorder  # noqa: E402

MAN = os.path.join(TOP, "man", "postie.1")


def drop_size(mail):
    return re.sub(r" SIZE=\d+", "", mail) if mail else mail


def drop_body8(mail):
    return re.sub(r" BODY=8BITMIME", "", mail) if mail else mail


def map_data(s, fn):
    s["data"] = [fn(d.decode("utf-8", "replace")).encode()
                 for d in s["data"]]


def plain_name(m):
    """An added From's display name as msmtp writes it: verbatim."""
    import email.header
    name = m.group(2)
    if name.startswith('"') and name.endswith('"'):
        name = re.sub(r'\\(.)', r'\1', name[1:-1])
    elif "=?" in name:
        name = "".join(t.decode(c or "ascii") if isinstance(t, bytes)
                       else t for t, c in email.header.decode_header(name))
    return m.group(1) + name + m.group(3)


def drop_field(name):
    """Remove every NAME field from the header of each message."""
    rx = re.compile(r"^%s:.*\r\n([ \t].*\r\n)*" % name, re.I | re.M)

    def fn(d):
        head, sep, body = d.partition("\r\n\r\n")
        return rx.sub("", head + "\r\n")[:-2] + sep + body
    return lambda s: map_data(s, fn)


# name -> (phrase postie(1) must have in DIFFERENCES FROM MSMTP, whose
# record it changes, the change on one session dict)
NORMALISE = {
    "body-8bitmime": ("BODY=8BITMIME", "postie",
                      lambda s: s.update(mail=drop_body8(s["mail"]))),
    "fullname-quoted": ("RFC 2047", "postie", lambda s: map_data(
        s, lambda d: re.sub(r"^(From: )(.*)( <[^>]*>\r\n)", plain_name,
                            d, 1, re.M))),
    "resent-bcc": ("Resent-Bcc", "msmtp", drop_field("Resent-Bcc")),
    "blank-before-body": ("not a header field", "postie", lambda s: map_data(
        s, lambda d: d.replace("\r\n\r\n", "\r\n", 1))),
    "dsn-orcpt": ("ORCPT", "postie", lambda s: s.update(
        rcpt=[re.sub(r" ORCPT=\S+", "", r) for r in s["rcpt"]])),
    "dedup-rcpts": ("more than once", "msmtp", lambda s: s.update(
        rcpt=list(dict.fromkeys(s["rcpt"])))),
    "alias-order": ("reverse order", "msmtp", lambda s: s.update(
        rcpt=sorted(s["rcpt"]))),
    "quoted-local-part": ("quoted local part", "postie", lambda s: s.update(
        rcpt=[re.sub(r'<"[^"]*"@', "<@", r) for r in s["rcpt"]])),
}


def parse_case(path):
    head, sections, cur = {}, {}, None
    with open(path, encoding="utf-8") as fh:
        for line in fh.read().split("\n"):
            m = re.match(r"^--- (\w+)\s*$", line)
            if m:
                cur = m.group(1)
                sections[cur] = []
            elif cur is not None:
                sections[cur].append(line)
            elif line.strip() == "" or line.startswith("#"):
                continue
            else:
                k, _, v = line.partition(":")
                head.setdefault(k.strip(), []).append(v.strip())
    for k in sections:
        while sections[k] and sections[k][-1] == "":
            sections[k].pop()
    if "name" not in head or "rc" not in sections:
        raise ValueError(f"{path}: needs name: and --- rc")
    return head, sections


def norm_data(data):
    """Replace Date and Message-ID values in the header section."""
    text = data.decode("utf-8", "replace")
    head, sep, body = text.partition("\r\n\r\n")
    out, skip = [], False
    for line in head.split("\r\n"):
        if skip and line[:1] in (" ", "\t"):
            continue
        skip = False
        m = re.match(r"^(Date|Message-ID)\s*:", line, re.I)
        if m:
            out.append(m.group(1) + ": *")
            skip = True
        else:
            out.append(line)
    return "\r\n".join(out) + sep + body


def run_one(prog, head, sec, work, tag, argkey="args"):
    rec = Recorder()
    try:
        d = os.path.join(work, tag)
        os.makedirs(os.path.join(d, "home"), exist_ok=True)
        rc = os.path.join(d, "rc")
        subst = {"port": str(rec.port), "rc": rc}
        # Any other section is a file of its own, named by {section}.
        for name in sec:
            if name not in ("rc", "stdin"):
                subst[name] = os.path.join(d, name)
        for name in sec:
            if name not in ("rc", "stdin"):
                with open(subst[name], "w", encoding="utf-8") as fh:
                    fh.write("\n".join(sec[name]).format(**subst) + "\n")
        with open(rc, "w", encoding="utf-8") as fh:
            fh.write("\n".join(sec["rc"]).format(**subst) + "\n")
        os.chmod(rc, 0o600)
        args = []
        for a in head.get(argkey, head.get("args", [])):
            args += [w.format(**subst) for w in shlex.split(a)]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HOME": os.path.join(d, "home"), "TMPDIR": d,
               "LC_ALL": "C", "TZ": "UTC", "USER": "tester",
               "LOGNAME": "tester"}
        for kv in head.get("env", []):
            k, _, v = kv.partition("=")
            env[k] = v
        stdin = ("\n".join(sec.get("stdin", [])) + "\n").encode()
        p = subprocess.run([prog, "-C", rc] + args, input=stdin,
                           env=env, capture_output=True, timeout=30)
    finally:
        rec.close()
    rec.thread.join(10)
    return {"status": p.returncode,
            "stderr": p.stderr.decode("utf-8", "replace"),
            "sessions": [dict(s) for s in rec.sessions],
            "errors": rec.errors}


def view(res, norms, side):
    """What is compared: a list of (what, value)."""
    items = [("exit status", res["status"])]
    for i, s in enumerate(res["sessions"]):
        s = dict(s)
        s["mail"] = drop_size(s["mail"])
        for n in norms:
            if NORMALISE[n][1] == side:
                NORMALISE[n][2](s)
        items.append((f"session {i} EHLO", s["ehlo"]))
        items.append((f"session {i} MAIL", s["mail"]))
        items.append((f"session {i} RCPT", s["rcpt"]))
        for j, dt in enumerate(s["data"]):
            items.append((f"session {i} message {j}", norm_data(dt)))
    return items


def compare(ref, got, norms):
    a, b = view(ref, norms, "msmtp"), view(got, norms, "postie")
    why = []
    if len(a) != len(b):
        why.append(f"msmtp made {len(ref['sessions'])} session(s), "
                   f"postie {len(got['sessions'])}")
    for (wa, va), (wb, vb) in zip(a, b):
        if va == vb:
            continue
        why.append(f"{wa} differs:")
        if isinstance(va, str) and "\r\n" in va + (vb or ""):
            import difflib
            why += ["  " + l.rstrip("\r\n") for l in difflib.unified_diff(
                va.splitlines(True), (vb or "").splitlines(True),
                "msmtp", "postie", n=1)]
        else:
            why.append(f"  msmtp:  {va!r}")
            why.append(f"  postie: {vb!r}")
    return why


def man_checks(phrases):
    try:
        with open(MAN, encoding="utf-8") as fh:
            text = fh.read()
    except OSError:
        return ["cannot read " + MAN]
    m = re.search(r'^\.SH "?DIFFERENCES FROM MSMTP"?$(.*?)(^\.SH |\Z)',
                  text, re.M | re.S)
    if not m:
        return ["postie.1 has no DIFFERENCES FROM MSMTP section"]
    sect = " ".join(m.group(1).replace("\\", "").split())
    return [f"DIFFERENCES FROM MSMTP does not mention {p!r}"
            for p in phrases if p not in sect]


def main(argv):
    verbose = "-v" in argv
    keep = "--keep" in argv
    names = [a for a in argv if not a.startswith("-")]
    postie = os.environ.get("POSTIE", os.path.join(TOP, "build", "postie"))
    msmtp = os.environ.get("MSMTP") or shutil.which("msmtp")
    if not msmtp:
        print("1..0 # SKIP msmtp not installed")
        return 0
    cdir = os.path.join(HERE, "cases")
    cases = sorted(f[:-5] for f in os.listdir(cdir) if f.endswith(".case"))
    if names:
        cases = [c for c in cases if c in names]
    work = tempfile.mkdtemp(prefix="postie-diff.")
    print(f"1..{len(cases) + 1}")
    failed = 0
    phrases = {p for p, _, _ in NORMALISE.values()}
    for c in cases:
        phrases |= set(parse_case(os.path.join(cdir, c + ".case"))[0]
                       .get("deliberate", []))
    why = man_checks(sorted(phrases))
    print(("ok" if not why else "not ok") +
          " 1 - every normalised difference is in postie(1)")
    for w in why:
        print("# " + w)
    failed += bool(why)
    for n, c in enumerate(cases, 2):
        try:
            head, sec = parse_case(os.path.join(cdir, c + ".case"))
            norms = head.get("normalise", [])
            bad = [x for x in norms if x not in NORMALISE]
            if bad:
                raise ValueError("unknown normalise: " + " ".join(bad))
            if "args-msmtp" in head and "deliberate" not in head:
                raise ValueError("args-msmtp needs deliberate:")
            ref = run_one(msmtp, head, sec, work, c + "/msmtp",
                          "args-msmtp")
            got = run_one(postie, head, sec, work, c + "/postie")
            why = compare(ref, got, norms)
        except (ValueError, OSError, KeyError,
                subprocess.TimeoutExpired) as e:
            why, ref, got = [f"error: {e}"], None, None
        ok = not why
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {c}: "
              f"{head['name'][0] if 'name' in head else ''}")
        if not ok or verbose:
            for w in why:
                print("# " + w)
            for tag, r in (("msmtp", ref), ("postie", got)):
                if r is None:
                    continue
                print(f"# {tag} exit {r['status']}; stderr: "
                      + r["stderr"].strip().replace("\n", " | ")[:300])
                if verbose:
                    for line in json.dumps(r["sessions"], default=repr,
                                           indent=1).splitlines():
                        print("#   " + line)
    if keep:
        print(f"# kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(f"# {len(cases) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
