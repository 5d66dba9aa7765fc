/*
 * reply.c - SMTP reply parsing: checks every line of a (multi-line)
 * reply before anything acts on it, enforces the line, line-count and
 * byte caps, and extracts the enhanced status code of the first line.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

#define ECHO_MAX 60		/* bytes of a bad line quoted in a failure */
#define SUMMARY_MAX 400		/* bytes of reply text in a summary */

struct reply_reader {
	struct reply *r;	/* the reply being assembled, or NULL */
	size_t bytes;		/* bytes so far, CRLF included */
};

struct reply_reader *
reply_reader_new(void)
{
	return xcalloc(1, sizeof(struct reply_reader));
}

void
reply_reader_free(struct reply_reader *rd)
{
	if (rd == NULL)
		return;
	reply_free(rd->r);
	free(rd);
}

void
reply_free(struct reply *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r);
}

struct reply *
reply_dup(const struct reply *r)
{
	struct reply *c = xcalloc(1, sizeof(*c));
	size_t i;

	*c = *r;
	c->lines = xcalloc(r->nlines ? r->nlines : 1, sizeof(char *));
	for (i = 0; i < r->nlines; i++)
		c->lines[i] = xstrdup(r->lines[i]);
	return c;
}

int
reply_class(const struct reply *r)
{
	return r->code / 100;
}

static int
text_byte_ok(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Do not cut a UTF-8 sequence in half when shortening text. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

static void
fail_malformed(struct failure *f, const char *line, size_t len)
{
	char echo[ECHO_MAX + 1];
	size_t n, i;

	n = utf8_cut(line, len, ECHO_MAX);
	for (i = 0; i < n; i++)
		echo[i] = text_byte_ok((unsigned char)line[i]) ?
		    line[i] : '?';
	echo[n] = '\0';
	failure_set(f, FAIL_PROTOCOL, "malformed server reply '%s'", echo);
}

/* The code of a line, or -1 when the line does not start like a reply. */
static int
line_code(const char *line, size_t len)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' ||
	    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9')
		return -1;
	if (len > 3 && line[3] != '-' && line[3] != ' ')
		return -1;
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* Check one line completely; 0 or -1 with f filled. */
static int
check_line(const struct reply_reader *rd, const char *line, size_t len,
    int *code, struct failure *f)
{
	size_t i;

	if (len > REPLY_LINE_MAX) {
		failure_set(f, FAIL_PROTOCOL, "server reply line longer "
		    "than %d bytes (REPLY_LINE_MAX)", REPLY_LINE_MAX);
		return -1;
	}
	*code = line_code(line, len);
	if (*code < 0 || (rd->r != NULL && rd->r->code != *code)) {
		fail_malformed(f, line, len);
		return -1;
	}
	for (i = 4; i < len; i++) {
		if (!text_byte_ok((unsigned char)line[i])) {
			failure_set(f, FAIL_PROTOCOL,
			    "invalid character in server reply");
			return -1;
		}
	}
	return 0;
}

static int
check_caps(const struct reply_reader *rd, size_t len, struct failure *f)
{
	size_t nlines = rd->r == NULL ? 0 : rd->r->nlines;

	if (nlines + 1 > REPLY_LINES_MAX) {
		failure_set(f, FAIL_PROTOCOL, "server reply has more than "
		    "%d lines (REPLY_LINES_MAX)", REPLY_LINES_MAX);
		return -1;
	}
	if (rd->bytes + len + 2 > REPLY_BYTES_MAX) {
		failure_set(f, FAIL_PROTOCOL, "server reply longer than "
		    "%d bytes (REPLY_BYTES_MAX)", REPLY_BYTES_MAX);
		return -1;
	}
	return 0;
}

static int
digits(const char *p, size_t *n)
{
	size_t i = 0;

	while (p[i] >= '0' && p[i] <= '9')
		i++;
	*n = i;
	return i >= 1 && i <= 3;
}

/*
 * "C.SSS.DDD" at the start of the first line, followed by a space or the
 * end, with the class digit equal to the reply class (as Postfix checks).
 */
static void
parse_estatus(struct reply *r)
{
	const char *t = r->lines[0];
	size_t n1, n2;

	r->estatus[0] = '\0';
	if (t[0] != '0' + reply_class(r) || reply_class(r) == 3 ||
	    t[1] != '.')
		return;
	if (!digits(t + 2, &n1) || t[2 + n1] != '.')
		return;
	if (!digits(t + 3 + n1, &n2))
		return;
	if (t[3 + n1 + n2] != '\0' && t[3 + n1 + n2] != ' ')
		return;
	memcpy(r->estatus, t, 3 + n1 + n2);
	r->estatus[3 + n1 + n2] = '\0';
}

static void
add_line(struct reply_reader *rd, int code, const char *line, size_t len)
{
	struct reply *r = rd->r;

	if (r == NULL) {
		r = rd->r = xcalloc(1, sizeof(*r));
		r->code = code;
	}
	r->lines = xreallocarray(r->lines, r->nlines + 1, sizeof(char *));
	r->lines[r->nlines++] = len > 4 ? xstrndup(line + 4, len - 4) :
	    xstrdup("");
	rd->bytes += len + 2;
}

static void
reader_reset(struct reply_reader *rd)
{
	reply_free(rd->r);
	rd->r = NULL;
	rd->bytes = 0;
}

enum reply_status
reply_reader_push(struct reply_reader *rd, const char *line, size_t len,
    struct reply **out, struct failure *f)
{
	int code;

	*out = NULL;
	if (check_line(rd, line, len, &code, f) == -1 ||
	    check_caps(rd, len, f) == -1) {
		/* The stream is out of step; start over if used again. */
		reader_reset(rd);
		return REPLY_BAD;
	}
	add_line(rd, code, line, len);
	if (len > 3 && line[3] == '-')
		return REPLY_MORE;
	parse_estatus(rd->r);
	*out = rd->r;
	rd->r = NULL;
	rd->bytes = 0;
	return REPLY_DONE;
}

/* Append s at n, cut to the summary size; returns the new length. */
static size_t
summary_add(char *buf, size_t n, const char *s, int *full)
{
	size_t len = strlen(s), cut;

	cut = utf8_cut(s, len, SUMMARY_MAX - n);
	memcpy(buf + n, s, cut);
	n += cut;
	if (cut < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
		*full = 1;
	}
	buf[n] = '\0';
	return n;
}

char *
reply_summary(const struct reply *r)
{
	char *buf;
	size_t i, n;
	int full = 0;

	buf = xmalloc(SUMMARY_MAX + 8);
	n = (size_t)snprintf(buf, SUMMARY_MAX, "%03d", r->code);
	for (i = 0; i < r->nlines && !full; i++) {
		if (r->lines[i][0] == '\0')
			continue;
		n = summary_add(buf, n, " ", &full);
		if (!full)
			n = summary_add(buf, n, r->lines[i], &full);
	}
	util_one_line(buf);
	return buf;
}
