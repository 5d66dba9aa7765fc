"""gsasl_peer.py: an SMTP server on 127.0.0.1 whose SASL is GNU SASL's.

Each AUTH command runs "gsasl --server" (the command-line tool of GNU
SASL's server side) and relays between it and the client: the server's
challenges go out as 334 lines, the client's answers go in, and the end
of the exchange is what gsasl says (235 when it trusts the client, 535
when it reports an error).  TLS is OpenSSL's, through pyOpenSSL, so
neither the TLS layer nor the SASL server is the client's own code.  The
channel binding gsasl asks for is taken from OpenSSL: tls-unique (the
first Finished message, RFC 5929) or tls-exporter (RFC 9266).

NTLM, which GNU SASL only implements as a client, is checked here
(--ntlm-domain): the NTLMv1 response (MS-NLMP 3.3.1) is recomputed from
the password with an MD4 and a DES of our own, and the user and domain of
the AUTHENTICATE message are compared.

With --ocsp FILE the server staples that OCSP response (RFC 6066
status_request) to its certificate.  Without --mechs it offers no AUTH
and needs none.

GSSAPI (--gssapi-user) takes its keytab from KRB5_KTNAME; the relay
accepts the client only when GNU SASL names that principal.

The port is printed on stdout; the log (--log) gets one line per event:
"tls VERSION", "C: <command>" (no AUTH payloads), "auth MECH ok|fail
<why>", "cb TYPE", "ocsp stapled", "delivered".
"""
import argparse
import base64
import os
import select
import socket
import struct
import subprocess
import sys

from OpenSSL import SSL
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

p = argparse.ArgumentParser()
p.add_argument("--cert", required=True)
p.add_argument("--key", required=True)
p.add_argument("--only", choices=["1.2", "1.3"])
p.add_argument("--mechs", default="", help="AUTH line of EHLO; none: no AUTH")
p.add_argument("--ocsp", help="DER OCSP response to staple")
p.add_argument("--password", default="")
p.add_argument("--user", default="tester")
p.add_argument("--bad-cb", action="store_true",
               help="hand gsasl channel binding data that does not match")
p.add_argument("--ntlm-domain", default="")
p.add_argument("--gssapi-user",
               help="the Kerberos principal GSSAPI must authenticate")
p.add_argument("--log", required=True)
a = p.parse_args()

log = open(a.log, "a", buffering=1)
ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
ctx.use_certificate_file(a.cert)
ctx.use_privatekey_file(a.key)
ctx.set_session_cache_mode(SSL.SESS_CACHE_OFF)
ctx.set_options(SSL.OP_NO_TICKET)
if a.ocsp:
    with open(a.ocsp, "rb") as f:
        staple = f.read()

    def ocsp_staple(conn, data):
        log.write("ocsp stapled\n")
        return staple
    ctx.set_ocsp_server_callback(ocsp_staple)
if a.only:
    v = {"1.2": SSL.TLS1_2_VERSION, "1.3": SSL.TLS1_3_VERSION}[a.only]
    ctx.set_min_proto_version(v)
    ctx.set_max_proto_version(v)
STEP_TIMEOUT = 10


class Conn:
    def __init__(self, tls):
        self.tls = tls
        self.buf = b""

    def say(self, line):
        self.tls.sendall(line.encode() + b"\r\n")

    def readline(self):
        while b"\n" not in self.buf:
            try:
                data = self.tls.recv(4096)
            except (SSL.ZeroReturnError, SSL.SysCallError):
                data = b""
            if not data:
                raise EOFError
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("latin-1")

    def binding(self, kind):
        if kind == "tls-exporter":
            cb = self.tls.export_keying_material(b"EXPORTER-Channel-Binding",
                                                 32)
        else:
            # Every handshake is a full one (no resumption, below), so
            # the first Finished message is the client's.
            cb = self.tls.get_peer_finished()
        if a.bad_cb:
            cb = bytes(x ^ 0xFF for x in cb)
        log.write("cb %s\n" % kind)
        return base64.b64encode(cb).decode()


class Gsasl:
    """gsasl --server on pipes; its prompts tell where the exchange is."""

    def __init__(self, mech, conn):
        self.conn = conn
        args = ["gsasl", "--server", "-m", mech, "-p", a.password]
        if mech == "GSSAPI":
            # The keytab comes from KRB5_KTNAME; no security layer.
            args += ["--service=smtp", "--hostname=localhost",
                     "--quality-of-protection=qop-auth"]
        self.display_name = None
        self.proc = subprocess.Popen(args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.buf = b""

    def feed(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def _more(self):
        r, _, _ = select.select([self.proc.stdout], [], [], STEP_TIMEOUT)
        data = os.read(self.proc.stdout.fileno(), 4096) if r else b""
        if not data:
            raise EOFError("gsasl said nothing more")
        self.buf += data

    def event(self):
        """('out', b64) | ('ok', '') | ('fail', why)"""
        want_output = False
        while True:
            prompt = b"Enter base64 encoded "
            if self.buf.startswith(prompt) and b": " in self.buf:
                head, _, self.buf = self.buf.partition(b": ")
                kind = head[len(prompt):].split()[0].decode()
                self.feed(self.conn.binding(kind))
                continue
            if self.buf.startswith(b"Validate GSS-API user? (y/n) "):
                self.buf = self.buf[len(b"Validate GSS-API user? (y/n) "):]
                ok = self.display_name == a.gssapi_user
                log.write("gssapi %s\n" % self.display_name)
                self.feed("y" if ok else "n")
                continue
            if b"\n" not in self.buf:
                self._more()
                continue
            line, _, self.buf = self.buf.partition(b"\n")
            line = line.decode("latin-1")
            if want_output:
                return ("out", line.strip())
            if line.startswith("Display Name: "):
                self.display_name = line[len("Display Name: "):]
            elif line.startswith("Output from server:"):
                want_output = True
            elif line.startswith("Server authentication finished"):
                return ("ok", "")
            elif line.startswith("gsasl:"):
                return ("fail", line)

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def client_line(conn):
    line = conn.readline()
    if line == "*":
        raise ValueError("the client cancelled")
    return line


def auth_gsasl(conn, mech, initial):
    g = Gsasl(mech, conn)
    try:
        kind, out = g.event()
        first = True
        while kind == "out":
            if out:
                conn.say("334 " + out)
                g.feed(client_line(conn))
            elif first:
                if initial is None:
                    conn.say("334 ")
                    initial = client_line(conn)
                g.feed("" if initial == "=" else initial)
            else:
                g.feed("")
            first = False
            kind, out = g.event()
        return None if kind == "ok" else out
    finally:
        g.close()


# ---- NTLM (MS-NLMP), server side, for the check only -----------------

def md4(data):
    """RFC 1320; hashlib's MD4 is gone from OpenSSL 3's default provider."""
    rol = lambda x, n: ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    msg = data + b"\x80" + b"\0" * ((55 - len(data)) % 64)
    msg += struct.pack("<Q", len(data) * 8)
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = h
        f = lambda b, c, d: (b & c) | (~b & d)
        g = lambda b, c, d: (b & c) | (b & d) | (c & d)
        k = lambda b, c, d: b ^ c ^ d
        for i in range(16):
            s = (3, 7, 11, 19)[i % 4]
            aa = rol((aa + f(bb, cc, dd) + x[i]) & 0xFFFFFFFF, s)
            aa, bb, cc, dd = dd, aa, bb, cc
        for i in range(16):
            s = (3, 5, 9, 13)[i % 4]
            j = (i % 4) * 4 + i // 4
            aa = rol((aa + g(bb, cc, dd) + x[j] + 0x5A827999) & 0xFFFFFFFF,
                     s)
            aa, bb, cc, dd = dd, aa, bb, cc
        order = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)
        for i in range(16):
            s = (3, 9, 11, 15)[i % 4]
            aa = rol((aa + k(bb, cc, dd) + x[order[i]] + 0x6ED9EBA1)
                     & 0xFFFFFFFF, s)
            aa, bb, cc, dd = dd, aa, bb, cc
        h = [(v + w) & 0xFFFFFFFF for v, w in zip(h, (aa, bb, cc, dd))]
    return struct.pack("<4I", *h)


def des_key(seven):
    """56 key bits into 8 bytes (the parity bits do not matter)."""
    bits = int.from_bytes(seven, "big")
    return bytes(((bits >> (49 - 7 * i)) & 0x7F) << 1 for i in range(8))


def des(key7, block):
    k = des_key(key7) * 3	# 3DES with one key is DES
    enc = Cipher(algorithms.TripleDES(k), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def ntlm_field(msg, at):
    length, _, off = struct.unpack("<HHI", msg[at:at + 8])
    return msg[off:off + length]


def auth_ntlm(conn, initial):
    if initial is None:
        conn.say("334 ")
        initial = client_line(conn)
    t1 = base64.b64decode(initial)
    if t1[:8] != b"NTLMSSP\0" or struct.unpack("<I", t1[8:12])[0] != 1:
        return "not an NTLM NEGOTIATE message"
    # The client names its domain here.  libntlm, which GNU SASL's client
    # uses, puts the user in the first name field and the domain in the
    # second (MS-NLMP calls them DomainName and Workstation).
    domain = ntlm_field(t1, 24).decode("latin-1") if len(t1) >= 32 else ""
    if domain != a.ntlm_domain:
        return "domain %r, expected %r" % (domain, a.ntlm_domain)
    challenge = os.urandom(8)
    target = a.ntlm_domain.encode("utf-16-le")
    # UNICODE | REQUEST_TARGET | NTLM | TARGET_TYPE_DOMAIN
    t2 = (b"NTLMSSP\0" + struct.pack("<I", 2)
          + struct.pack("<HHI", len(target), len(target), 48)
          + struct.pack("<I", 0x00010205) + challenge + b"\0" * 8
          + struct.pack("<HHI", 0, 0, 48 + len(target)) + target)
    conn.say("334 " + base64.b64encode(t2).decode())
    t3 = base64.b64decode(client_line(conn))
    if t3[:8] != b"NTLMSSP\0" or struct.unpack("<I", t3[8:12])[0] != 3:
        return "not an NTLM AUTHENTICATE message"
    nt = ntlm_field(t3, 20)
    unicode = struct.unpack("<I", t3[60:64])[0] & 1 if len(t3) >= 64 else 0
    enc = "utf-16-le" if unicode else "latin-1"
    user = ntlm_field(t3, 36).decode(enc)
    if user != a.user:
        return "user %r" % user
    key = md4(a.password.encode("utf-16-le")) + b"\0" * 5
    want = b"".join(des(key[i:i + 7], challenge) for i in (0, 7, 14))
    if nt != want:
        return "wrong NT response"
    return None


# ---- SMTP ------------------------------------------------------------

def auth(conn, line):
    words = line.split()
    mech = words[1].upper() if len(words) > 1 else ""
    initial = words[2] if len(words) > 2 else None
    if mech not in a.mechs.upper().split():
        conn.say("504 5.5.4 mechanism not offered")
        return False
    try:
        why = auth_ntlm(conn, initial) if mech == "NTLM" else \
            auth_gsasl(conn, mech, initial)
    except (ValueError, EOFError) as e:
        why = str(e)
    log.write("auth %s %s\n" % (mech, "ok" if why is None else "fail " +
                                  why))
    if why is None:
        conn.say("235 2.7.0 authenticated")
        return True
    conn.say("535 5.7.8 authentication failed")
    return False


def serve(sock):
    tls = SSL.Connection(ctx, sock)
    tls.set_accept_state()
    tls.do_handshake()
    log.write("tls %s\n" % tls.get_protocol_version_name())
    conn = Conn(tls)
    conn.say("220 gsasl-peer ESMTP")
    authed = False
    while True:
        line = conn.readline()
        cmd = line.upper()
        log.write("C: %s\n" % (line.split()[0] + " " + line.split()[1]
                               if cmd.startswith("AUTH ") else line))
        if cmd.startswith("EHLO"):
            caps = ["250-AUTH " + a.mechs] if a.mechs else []
            for c in ["250-gsasl-peer"] + caps + ["250 8BITMIME"]:
                conn.say(c)
        elif cmd.startswith("AUTH"):
            authed = auth(conn, line)
        elif cmd.startswith("MAIL") and a.mechs and not authed:
            conn.say("530 5.7.0 authentication required")
        elif cmd == "DATA":
            conn.say("354 go")
            while conn.readline() != ".":
                pass
            log.write("delivered\n")
            conn.say("250 queued")
        elif cmd == "QUIT":
            conn.say("221 bye")
            return
        else:
            conn.say("250 ok")


srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
print(srv.getsockname()[1], flush=True)
while True:
    s, _ = srv.accept()
    # A timeout that keeps the socket blocking, as pyOpenSSL wants it.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                 struct.pack("ll", 30, 0))
    try:
        serve(s)
    except Exception as e:	# one client's trouble must not end us
        log.write("error %r\n" % (e,))
    finally:
        s.close()
