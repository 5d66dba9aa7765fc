/*
 * t_srv.c - unit tests for the SRV answer parser of --configure
 * (srv_parse_answer() in srv.c).  Each case builds a DNS answer the way
 * a server sends it and checks the record chosen.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "srv.h"

struct msg {
	unsigned char b[1024];
	int n;
	int ancount;
};

static void
put(struct msg *m, const void *p, size_t len)
{
	assert_true((size_t)m->n + len <= sizeof(m->b));
	memcpy(m->b + m->n, p, len);
	m->n += (int)len;
}

static void
put16(struct msg *m, unsigned v)
{
	unsigned char b[2] = { (unsigned char)(v >> 8), (unsigned char)v };

	put(m, b, 2);
}

/* A name in wire form: "a.b" is 1 'a' 1 'b' 0; "" is the root. */
static void
put_name(struct msg *m, const char *name)
{
	const char *dot;
	unsigned char len;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = (unsigned char)(dot != NULL ? (size_t)(dot - name) :
		    strlen(name));
		put(m, &len, 1);
		put(m, name, len);
		name += len + (dot != NULL);
	}
	put(m, "", 1);
}

/* Header and the question for _submissions._tcp.example.org. */
static void
begin(struct msg *m)
{
	memset(m, 0, sizeof(*m));
	put16(m, 0x1234);
	put16(m, 0x8180);
	put16(m, 1);
	put16(m, 0);		/* answers: set by finish() */
	put16(m, 0);
	put16(m, 0);
	put_name(m, "_submissions._tcp.example.org");
	put16(m, 33);
	put16(m, 1);
}

/* An answer record owned by the question's name (pointer to 12). */
static void
add_rr(struct msg *m, unsigned type, const void *rdata, size_t len)
{
	put16(m, 0xc00c);
	put16(m, type);
	put16(m, 1);
	put16(m, 0);
	put16(m, 300);
	put16(m, (unsigned)len);
	put(m, rdata, len);
	m->ancount++;
}

static void
add_srv(struct msg *m, unsigned prio, unsigned weight, unsigned port,
    const char *target)
{
	struct msg rd;

	rd.n = 0;
	put16(&rd, prio);
	put16(&rd, weight);
	put16(&rd, port);
	put_name(&rd, target);
	add_rr(m, 33, rd.b, (size_t)rd.n);
}

static int
finish(struct msg *m, struct srv_result *r)
{
	m->b[6] = (unsigned char)(m->ancount >> 8);
	m->b[7] = (unsigned char)m->ancount;
	memset(r, 0, sizeof(*r));
	return srv_parse_answer(m->b, m->n, r);
}

static void
test_one(void **state)
{
	struct srv_result r;
	struct msg m;

	(void)state;
	begin(&m);
	add_srv(&m, 0, 1, 465, "mail.example.org");
	assert_int_equal(finish(&m, &r), 1);
	assert_string_equal(r.host, "mail.example.org");
	assert_int_equal(r.port, 465);
	srv_result_clear(&r);
}

/* RFC 2782: the lowest priority, and among those the highest weight. */
static void
test_pick(void **state)
{
	struct srv_result r;
	struct msg m;

	(void)state;
	begin(&m);
	add_srv(&m, 10, 50, 587, "b.example.org");
	add_srv(&m, 5, 1, 465, "a.example.org");
	add_srv(&m, 5, 9, 466, "c.example.org");
	add_srv(&m, 20, 100, 25, "d.example.org");
	assert_int_equal(finish(&m, &r), 1);
	assert_string_equal(r.host, "c.example.org");
	assert_int_equal(r.port, 466);
	srv_result_clear(&r);
}

static void
test_none(void **state)
{
	static const unsigned char cname[] = { 1, 'x', 0 };
	static const unsigned char short_srv[] = { 0, 1, 0, 1, 0, 25 };
	struct srv_result r;
	struct msg m;

	(void)state;
	/* "." says the service is not offered. */
	begin(&m);
	add_srv(&m, 0, 0, 0, "");
	assert_int_equal(finish(&m, &r), 0);
	assert_null(r.host);
	/* No answer, another type, an SRV too short for a target. */
	begin(&m);
	assert_int_equal(finish(&m, &r), 0);
	begin(&m);
	add_rr(&m, 5, cname, sizeof(cname));
	add_rr(&m, 33, short_srv, sizeof(short_srv));
	assert_int_equal(finish(&m, &r), 0);
	assert_null(r.host);
}

static void
test_malformed(void **state)
{
	struct srv_result r;
	struct msg m;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(srv_parse_answer((const unsigned char *)"\x12\x34",
	    2, &r), -1);
	assert_null(r.host);
	/* The header promises a record the message does not hold. */
	begin(&m);
	add_srv(&m, 0, 1, 465, "mail.example.org");
	m.n -= 5;
	assert_true(finish(&m, &r) <= 0);
	assert_null(r.host);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
