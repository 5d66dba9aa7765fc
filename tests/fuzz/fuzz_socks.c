/*
 * fuzz_socks.c - libFuzzer harness for the SOCKS5 client (socks.c): the
 * proxy's replies are untrusted bytes.
 *
 * The input: byte 0 chooses the destination (a name, an IPv4 or an IPv6
 * literal) and bytes 1-2 its port; the rest is everything the proxy
 * sends, written up front into one end of a socket pair that is then
 * shut for writing, so that socks_connect() on the other end meets the
 * end of the input instead of waiting.  Invariants: a failure is
 * FAIL_NET_TEMP or FAIL_PROTOCOL with a one-line text naming the proxy;
 * on success exactly the bytes of the method reply and of the CONNECT
 * reply were consumed and the server's first byte is still unread; the
 * request that went out is a well-formed CONNECT for the destination.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "socks.h"

static const char *const hosts[] = {
	"mail.example.org", "192.0.2.7", "2001:db8::25", "x",
};
/* The request's address part: ATYP and the address. */
static const uint8_t addr_name[] = { 3, 16, 'm', 'a', 'i', 'l', '.', 'e',
    'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g' };
static const uint8_t addr_v4[] = { 1, 192, 0, 2, 7 };
static const uint8_t addr_v6[] = { 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0x25 };
static const uint8_t addr_x[] = { 3, 1, 'x' };

/* How many bytes a successful exchange reads: 2 + 4 + address + 2. */
static size_t
reply_len(const uint8_t *p, size_t n)
{
	if (n < 6)
		return 0;
	switch (p[5]) {
	case 1:
		return 2 + 4 + 4 + 2;
	case 4:
		return 2 + 4 + 16 + 2;
	case 3:
		return n < 7 ? 0 : 2 + 4 + 1 + (size_t)p[6] + 2;
	default:
		return 0;
	}
}

/* The client's two messages, read back from the proxy's end. */
static void
check_request(int fd, unsigned which, int port)
{
	static const uint8_t *const addrs[] = { addr_name, addr_v4, addr_v6,
	    addr_x };
	static const size_t alen[] = { sizeof(addr_name), sizeof(addr_v4),
	    sizeof(addr_v6), sizeof(addr_x) };
	uint8_t buf[512], want[512];
	size_t n = 0;
	ssize_t k;

	while (n < sizeof(buf) && (k = read(fd, buf + n, sizeof(buf) - n)) >
	    0)
		n += (size_t)k;
	memcpy(want, "\x05\x01\x00\x05\x01\x00", 6);
	memcpy(want + 6, addrs[which], alen[which]);
	want[6 + alen[which]] = (uint8_t)(port >> 8);
	want[7 + alen[which]] = (uint8_t)port;
	if (n != 8 + alen[which] || memcmp(buf, want, n) != 0)
		fuzz_fail("malformed request of %zu bytes", n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned which = fuzz_byte(&in) % 4;
	int port = (int)(fuzz_byte(&in) << 8 | fuzz_byte(&in)), sv[2], r;
	struct failure f;
	uint8_t next;
	size_t used;

	/* A socket buffer holds this much without blocking the write. */
	if (in.n > 4096)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1 ||
	    (in.n > 0 && write(sv[1], in.p, in.n) != (ssize_t)in.n) ||
	    shutdown(sv[1], SHUT_WR) == -1)
		abort();
	memset(&f, 0, sizeof(f));
	r = socks_connect(sv[0], "proxy.test:1080", hosts[which], port, 2000,
	    &f);
	used = reply_len(in.p, in.n);
	if (r == 0) {
		if (used == 0 || used > in.n)
			fuzz_fail("success on a short or odd reply");
		if (used < in.n && (read(sv[0], &next, 1) != 1 ||
		    next != in.p[used]))
			fuzz_fail("server data consumed (%zu used)", used);
		shutdown(sv[0], SHUT_WR);
		check_request(sv[1], which, port);
	} else if ((f.cls != FAIL_NET_TEMP && f.cls != FAIL_PROTOCOL) ||
	    strpbrk(f.text, "\r\n") != NULL ||
	    strstr(f.text, "proxy.test:1080") == NULL)
		fuzz_fail("failure %d \"%s\"", f.cls, f.text);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
