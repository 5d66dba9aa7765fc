/*
 * message_spool.c - write a message to its private spool file.
 *
 * Only one chunk is ever buffered, so a message of any size streams
 * through in bounded memory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message_spool.h"

#define CHUNK (64 * 1024)

int
message_spool_open(struct message_spool *sp, const char *dir,
    struct failure *f)
{
	char *path;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = xasprintf("%s/postie.XXXXXX", dir);
	sp->fd = mkostemp(path, O_CLOEXEC);
	/* Unlinked at once: nothing is left behind on any exit path. */
	if (sp->fd == -1 || unlink(path) == -1) {
		failure_set(f, FAIL_CANTCREAT, "cannot create a spool file in "
		    "%s: %s", dir, strerror(errno));
		free(path);
		return -1;
	}
	free(path);
	sp->buf = xmalloc(CHUNK);
	return 0;
}

int
message_spool_flush(struct message_spool *sp, struct failure *f)
{
	if (sp->len > 0 && util_write_all(sp->fd, sp->buf, sp->len) == -1) {
		failure_set(f, FAIL_IO, "spool file: write: %s",
		    strerror(errno));
		return -1;
	}
	sp->len = 0;
	return 0;
}

/*
 * Every byte of a message passes here, so eight are tested at a time:
 * a byte-by-byte loop was half of the CPU a 50 MB message cost.
 */
static int
has_eightbit(const char *s, size_t n)
{
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (w & high)
			return 1;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

int
message_spool_put(struct message_spool *sp, const char *s, size_t n,
    struct failure *f)
{
	size_t k;

	if (!sp->eightbit)
		sp->eightbit = has_eightbit(s, n);
	sp->size += (off_t)n;
	if (sp->max > 0 && sp->size > sp->max) {
		failure_set(f, FAIL_DATA, "message exceeds the size limit of "
		    "%lld bytes", (long long)sp->max);
		return -1;
	}
	for (; n > 0; s += k, n -= k) {
		if (sp->len == CHUNK && message_spool_flush(sp, f) == -1)
			return -1;
		k = n < CHUNK - sp->len ? n : CHUNK - sp->len;
		memcpy(sp->buf + sp->len, s, k);
		sp->len += k;
	}
	return 0;
}

/* A line ending in the body. */
static int
spool_eol(struct message_spool *sp, struct failure *f)
{
	sp->at_bol = 1;
	return message_spool_put(sp, "\r\n", 2, f);
}

/* The end of the run of bytes from i that holds neither CR nor LF. */
static size_t
line_run(const char *p, size_t i, size_t n)
{
	const char *lf = memchr(p + i, '\n', n - i);
	size_t end = lf != NULL ? (size_t)(lf - p) : n;
	const char *cr = memchr(p + i, '\r', end - i);

	return cr != NULL ? (size_t)(cr - p) : end;
}

/*
 * Keeping a lone CR would let "\r.\r\n" end the data early at a server
 * that takes a lone CR as a line end (SMTP smuggling); as CRLF the dot is
 * stuffed like any other.
 */
int
message_spool_body(struct message_spool *sp, const char *p, size_t n,
    struct failure *f)
{
	size_t i = 0, run;

	while (i < n) {
		if (sp->cr_pending) {
			sp->cr_pending = 0;
			if (p[i] == '\n')
				i++;
			if (spool_eol(sp, f) == -1)
				return -1;
			continue;
		}
		run = line_run(p, i, n);
		if (run > i) {
			sp->at_bol = 0;
			if (message_spool_put(sp, p + i, run - i, f) == -1)
				return -1;
			i = run;
		} else if (p[i++] == '\r')
			sp->cr_pending = 1;
		else if (spool_eol(sp, f) == -1)
			return -1;
	}
	return 0;
}

int
message_spool_end(struct message_spool *sp, struct failure *f)
{
	/* A CR right at the end is taken as the end of the last line. */
	if (sp->cr_pending || !sp->at_bol) {
		sp->cr_pending = 0;
		return spool_eol(sp, f);
	}
	return 0;
}

void
message_spool_clear(struct message_spool *sp)
{
	free(sp->buf);
	sp->buf = NULL;
	sp->len = 0;
}
