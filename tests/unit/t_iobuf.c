/*
 * t_iobuf.c - line reading, deadlines and dot-stuffing across chunks.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iobuf.h"

/* A transport over memory: reads come from a script of chunks, writes
 * collect into a growing buffer. */
struct memt {
	const char *const *chunks;
	size_t next;
	char *out;
	size_t out_len;
	int fd;			/* never readable: for deadline tests */
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len, struct failure *f)
{
	struct memt *m = ctx;
	const char *c;
	size_t n;

	(void)f;
	if (m->chunks == NULL || m->chunks[m->next] == NULL)
		return m->fd >= 0 ? TRANSPORT_WANT_READ : TRANSPORT_EOF;
	c = m->chunks[m->next++];
	n = strlen(c) < len ? strlen(c) : len;
	memcpy(buf, c, n);
	return (ssize_t)n;
}

static ssize_t
mem_write(void *ctx, const void *buf, size_t len, struct failure *f)
{
	struct memt *m = ctx;

	(void)f;
	m->out = xrealloc(m->out, m->out_len + len + 1);
	memcpy(m->out + m->out_len, buf, len);
	m->out_len += len;
	m->out[m->out_len] = '\0';
	return (ssize_t)len;
}

static const struct transport_ops mem_ops = { mem_read, mem_write };

static void
test_lines_crlf_and_lf(void **state)
{
	const char *chunks[] = { "250-a\r", "\n250 b\n", "220 c\r\n", NULL };
	struct memt m = { chunks, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 1000);
	struct failure f;
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), 0);
	assert_string_equal(line, "250-a");
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), 0);
	assert_string_equal(line, "250 b");
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), 0);
	assert_int_equal(len, 5);
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), -1);
	assert_int_equal(f.cls, FAIL_NET_TEMP);
	assert_non_null(strstr(f.text, "closed"));
	iobuf_free(io);
}

static void
test_line_too_long(void **state)
{
	static char big[5000];
	const char *chunks[] = { big, "\r\n", NULL };
	struct memt m = { chunks, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 1000);
	struct failure f;
	const char *line;
	size_t len;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	assert_int_equal(iobuf_read_line(io, 4096, &line, &len, &f), -1);
	assert_int_equal(f.cls, FAIL_PROTOCOL);
	iobuf_free(io);
}

static void
test_deadline(void **state)
{
	int p[2];
	struct memt m = { NULL, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io;
	struct failure f;
	const char *line;
	size_t len;
	long long t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	m.fd = p[0];
	t.fd = p[0];
	io = iobuf_new(&t, 300);
	t0 = util_now_ms();
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), -1);
	assert_int_equal(f.cls, FAIL_NET_TEMP);
	assert_non_null(strstr(f.text, "timed out"));
	assert_true(util_now_ms() - t0 >= 250);
	iobuf_free(io);
	close(p[0]);
	close(p[1]);
}

/* The overall deadline cuts a step short and says so. */
static void
test_overall_deadline(void **state)
{
	int p[2];
	struct memt m = { NULL, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io;
	struct failure f;
	const char *line;
	size_t len;
	long long t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	m.fd = p[0];
	t.fd = p[0];
	io = iobuf_new(&t, 5000);
	t0 = util_now_ms();
	iobuf_set_deadline(io, t0 + 200);
	assert_int_equal(iobuf_deadline(io), t0 + 200);
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), -1);
	assert_int_equal(f.cls, FAIL_NET_TEMP);
	assert_non_null(strstr(f.text, "overall time limit"));
	assert_true(util_now_ms() - t0 < 2000);
	iobuf_free(io);
	close(p[0]);
	close(p[1]);
}

static void
test_switch_discards(void **state)
{
	const char *chunks[] = { "220 go\r\n250 injected\r\n", NULL };
	struct memt m = { chunks, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 1000);
	struct failure f;
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(iobuf_read_line(io, 100, &line, &len, &f), 0);
	assert_int_equal(iobuf_input_pending(io), strlen("250 injected\r\n"));
	assert_int_equal(iobuf_set_transport(io, &t), 14);
	assert_int_equal(iobuf_input_pending(io), 0);
	iobuf_free(io);
}

/* Reference dot-stuffing of a whole buffer, for comparison. */
static char *
stuff_ref(const char *in, size_t len, size_t *outlen)
{
	char *out = xmalloc(2 * len + 8);
	size_t i, o = 0;
	int bol = 1;

	for (i = 0; i < len; i++) {
		if (bol && in[i] == '.')
			out[o++] = '.';
		out[o++] = in[i];
		bol = in[i] == '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	*outlen = o + 3;
	return out;
}

static void
check_body(const char *body, size_t len)
{
	struct memt m = { NULL, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 1000);
	char path[] = "/tmp/t_iobuf.XXXXXX", *want;
	struct failure f;
	size_t wantlen;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(util_write_all(fd, body, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(iobuf_write_body(io, fd, (off_t)len, &f), 0);
	want = stuff_ref(body, len, &wantlen);
	assert_int_equal(m.out_len, wantlen);
	assert_memory_equal(m.out, want, wantlen);
	free(want);
	free(m.out);
	close(fd);
	iobuf_free(io);
}

/* BDAT: the bytes as they are, no final dot; the longest line measured
 * across chunk boundaries. */
static void
check_raw(const char *body, size_t len, size_t longest)
{
	struct memt m = { NULL, 0, NULL, 0, -1 };
	struct transport t = { &mem_ops, &m, -1 };
	struct iobuf *io = iobuf_new(&t, 1000);
	char path[] = "/tmp/t_iobuf.XXXXXX";
	struct failure f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(util_write_all(fd, body, len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(iobuf_write_raw_body(io, fd, (off_t)len, &f), 0);
	assert_int_equal(m.out_len, len);
	if (len > 0)
		assert_memory_equal(m.out, body, len);
	assert_int_equal(iobuf_longest_line(io), longest);
	free(m.out);
	close(fd);
	iobuf_free(io);
}

static void
test_raw_body(void **state)
{
	size_t len = 3 * 64 * 1024, off;
	char *body = xmalloc(len);

	(void)state;
	check_raw(".\r\n..x\r\nabc\r\n", 14, 3);
	check_raw("", 0, 0);
	check_raw("no newline", 10, 10);
	/* One long line crossing the 64 KiB read boundary at each offset. */
	for (off = 64 * 1024 - 3; off <= 64 * 1024 + 3; off++) {
		memset(body, 'a', len);
		memcpy(body + 10, "\r\n", 2);
		memcpy(body + off, "\r\n", 2);
		memcpy(body + len - 2, "\r\n", 2);
		check_raw(body, len, len - 2 - (off + 2));
	}
	free(body);
}

/* Put "\r\n." at every offset around the 64 KiB read boundary. */
static void
test_stuffing_at_chunk_boundaries(void **state)
{
	size_t len = 3 * 64 * 1024, off;
	char *body = xmalloc(len);

	(void)state;
	for (off = 64 * 1024 - 4; off <= 64 * 1024 + 4; off++) {
		memset(body, 'a', len);
		body[0] = '.';
		memcpy(body + off - 2, "\r\n.", 3);
		memcpy(body + 2 * 64 * 1024 - 1, "\r\n..", 4);
		memcpy(body + len - 2, "\r\n", 2);
		check_body(body, len);
	}
	free(body);
}

static void
test_stuffing_small(void **state)
{
	const char *b = ".\r\n..x\r\n.x\r\nno dot\r\n";

	(void)state;
	check_body(b, strlen(b));
	check_body("", 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_crlf_and_lf),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_overall_deadline),
		cmocka_unit_test(test_raw_body),
		cmocka_unit_test(test_switch_discards),
		cmocka_unit_test(test_stuffing_small),
		cmocka_unit_test(test_stuffing_at_chunk_boundaries),
	};

	return cmocka_run_group_tests_name("iobuf", tests, NULL, NULL);
}
