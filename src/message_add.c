/*
 * message_add.c - format the From, Date and Message-ID fields that
 * message.c puts in front of a header lacking them.
 *
 * The order is msmtp's (From, To, Date, Message-ID), so that a message sent
 * through either program looks the same.  An added From is folded near
 * 78 columns because a long -F name must not make an overlong line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "hdr.h"
#include "message_add.h"


/* Append "line" CRLF, folded at blanks to keep lines near 78 columns. */
static void
add_folded(struct util_buf *b, const char *line)
{
	size_t col = 0, w;
	const char *p;

	for (p = line; *p != '\0'; p += w) {
		w = strcspn(p + 1, " ") + 1;
		if (p != line && col > 0 && col + w > 78) {
			util_buf_add(b, "\r\n", 2);
			col = 0;
		}
		util_buf_add(b, p, w);
		col += w;
	}
	util_buf_add(b, "\r\n", 2);
}

static void
add_date(struct util_buf *b, time_t now)
{
	static const char days[7][4] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char months[12][4] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
	};
	struct tm tm;
	long off;
	char *s;

	localtime_r(&now, &tm);
	off = tm.tm_gmtoff / 60;
	s = xasprintf("Date: %s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	util_buf_add(b, s, strlen(s));
	free(s);
}

static int
add_from(const struct message_add *a, struct util_buf *b, struct failure *f)
{
	char *phrase, *line;

	if (a->from_addr == NULL || util_has_ctl(a->from_addr)) {
		failure_set(f, FAIL_DATA, "From: address missing or holding "
		    "a line break or control character");
		return -1;
	}
	if (a->full_name != NULL && *a->full_name != '\0') {
		phrase = hdr_encode_phrase(a->full_name);
		line = xasprintf("From: %s <%s>", phrase, a->from_addr);
		free(phrase);
	} else
		line = xasprintf("From: %s", a->from_addr);
	add_folded(b, line);
	free(line);
	return 0;
}

/* set_to_header: the recipients as given, which are already addresses. */
static int
add_to(const struct message_add *a, struct util_buf *b, struct failure *f)
{
	char *line = xstrdup("To:"), *next;
	size_t i;

	for (i = 0; i < a->nto; i++) {
		if (util_has_ctl(a->to[i])) {
			failure_set(f, FAIL_DATA, "To: a recipient holds a "
			    "line break or control character");
			free(line);
			return -1;
		}
		next = xasprintf("%s%s %s", line, i > 0 ? "," : "", a->to[i]);
		free(line);
		line = next;
	}
	add_folded(b, line);
	free(line);
	return 0;
}

static int
add_msgid(const struct message_add *a, struct util_buf *b, time_t now,
    char **msgid, struct failure *f)
{
	const char *domain = a->msgid_domain;
	unsigned char rnd[8];
	char stamp[32];
	struct tm tm;
	ssize_t n;

	if (domain == NULL)
		domain = "localhost";
	if (util_has_ctl(domain) || strpbrk(domain, " <>") != NULL) {
		failure_set(f, FAIL_DATA, "Message-ID: unusable domain '%s'",
		    domain);
		return -1;
	}
	while ((n = getrandom(rnd, sizeof(rnd), 0)) == -1 && errno == EINTR)
		continue;
	if (n != (ssize_t)sizeof(rnd)) {
		failure_set(f, FAIL_OS, "Message-ID: getrandom: %s",
		    n == -1 ? strerror(errno) : "short read");
		return -1;
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
	free(*msgid);
	*msgid = xasprintf("<%s.%02x%02x%02x%02x%02x%02x%02x%02x@%s>",
	    stamp, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
	    rnd[7], domain);
	util_buf_add(b, "Message-ID: ", 12);
	util_buf_add(b, *msgid, strlen(*msgid));
	util_buf_add(b, "\r\n", 2);
	return 0;
}

int
message_add_fields(const struct message_add *a, char **out, char **msgid,
    struct failure *f)
{
	struct util_buf b = { 0 };
	time_t now = time(NULL);

	*out = NULL;
	util_buf_add(&b, "", 0);
	if (a->from && add_from(a, &b, f) == -1)
		goto fail;
	if (a->undisclosed)
		util_buf_add(&b, "To: undisclosed-recipients:;\r\n", 30);
	else if (a->nto > 0 && add_to(a, &b, f) == -1)
		goto fail;
	if (a->date)
		add_date(&b, now);
	if (a->msgid && add_msgid(a, &b, now, msgid, f) == -1)
		goto fail;
	*out = b.p;
	return 0;
fail:
	free(b.p);
	return -1;
}
