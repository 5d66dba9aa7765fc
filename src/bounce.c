/*
 * bounce.c - builds the RFC 3464 report for a message postie gave up on.
 *
 * The report goes to the envelope sender, not to the From: header: the
 * envelope sender is where RFC 5321 says notifications belong, and it is
 * what the sender chose with -f or the account's from.  It is sent from
 * the null sender so that a notification that cannot be delivered in
 * turn stops there.  Only the original header section is quoted: the
 * sender has the body, and a large body would make the report large.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bounce.h"
#include "log.h"

/* At most this much of the original header section is quoted. */
#define BOUNCE_HEADER_MAX (64 * 1024)
/* Keeps every line of the report far below SMTP's 998 octets. */
#define BOUNCE_TEXT_MAX 900

int
bounce_wanted(const struct envelope *env)
{
	return env != NULL && env->from != NULL && env->from[0] != '\0';
}

static char *
rfc5322_date(long long when)
{
	char buf[64];
	time_t t = (time_t)when;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		return xstrdup("Thu, 1 Jan 1970 00:00:00 +0000");
	return xstrdup(buf);
}

/* The header section of the spool, up to its blank line, CRLF form. */
static char *
orig_headers(const struct message *msg)
{
	size_t cap = BOUNCE_HEADER_MAX, len = 0;
	char *buf = xmalloc(cap + 1), *end;
	ssize_t n;

	while (len < cap && (n = pread(msg->fd, buf + len, cap - len,
	    (off_t)len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	if ((end = strstr(buf, "\r\n\r\n")) != NULL)
		end[2] = '\0';
	else if ((end = strrchr(buf, '\n')) != NULL)
		end[1] = '\0';	/* cut at a line, never inside one */
	else
		buf[0] = '\0';
	return buf;
}

static char *
clip(const char *s)
{
	char *c = xstrndup(s != NULL ? s : "", BOUNCE_TEXT_MAX);

	util_one_line(c);
	return c;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static const char *
status_of(const struct bounce_request *req)
{
	const struct failure *w = req->why;

	if (!req->expired)
		return w->estatus[0] == '5' ? w->estatus : "5.0.0";
	/* Given up after temporary failures: the last one, else RFC 3463's
	 * "delivery time expired". */
	return w->estatus[0] == '4' ? w->estatus : "4.4.7";
}

/* One per-recipient block of message/delivery-status. */
static char *
rcpt_block(const struct bounce_request *req, const char *rcpt,
    const char *diag)
{
	return xasprintf("Final-Recipient: %s; %s\r\n"
	    "Action: failed\r\n"
	    "Status: %s\r\n"
	    "Diagnostic-Code: %s\r\n",
	    is_ascii(rcpt) ? "rfc822" : "utf-8", rcpt, status_of(req), diag);
}

static char *
append(char *a, char *b)
{
	char *r = xasprintf("%s%s", a, b);

	free(a);
	free(b);
	return r;
}

static char *
report_status(const struct bounce_request *req)
{
	const struct envelope *env = req->env;
	char *reply = req->reply != NULL ? clip(req->reply) : NULL;
	char *text = clip(req->why->text), *arrival = rfc5322_date(
	    env->created), *diag, *s;
	size_t i;

	diag = reply != NULL ? xasprintf("smtp; %s", reply) :
	    xasprintf("X-Postie; %s", text);
	s = xasprintf("Reporting-MTA: dns; %s\r\n%s%s%s"
	    "X-Postie-Queue-ID: %s\r\nArrival-Date: %s\r\n",
	    req->mta, env->envid != NULL ? "Original-Envelope-Id: " : "",
	    env->envid != NULL ? env->envid : "",
	    env->envid != NULL ? "\r\n" : "", req->id, arrival);
	for (i = 0; i < env->nrcpts; i++)
		if (!envelope_rcpt_done(env, i))
			s = append(append(s, xstrdup("\r\n")),
			    rcpt_block(req, env->rcpts[i], diag));
	free(diag);
	free(arrival);
	free(text);
	free(reply);
	return s;
}

static char *
human_part(const struct bounce_request *req)
{
	const struct envelope *env = req->env;
	char *text = clip(req->why->text), *s;
	size_t i;

	s = xasprintf("This is the mail system at %s.\r\n\r\n"
	    "Your message could not be delivered to the following "
	    "recipients:\r\n\r\n", req->mta);
	for (i = 0; i < env->nrcpts; i++)
		if (!envelope_rcpt_done(env, i))
			s = append(s, xasprintf("    <%s>\r\n", env->rcpts[i]));
	s = append(s, xasprintf("\r\nThe last error was: %s\r\n"
	    "Its headers follow this report.\r\n", text));
	free(text);
	return s;
}

static char *
report_text(const struct bounce_request *req)
{
	char *human = human_part(req), *status = report_status(req);
	char *headers = orig_headers(req->msg), *s;
	const char *b = req->id;

	s = xasprintf("From: Mail Delivery System <MAILER-DAEMON@%s>\r\n"
	    "To: <%s>\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s/%s\"\r\n\r\n"
	    "This is a MIME-encapsulated message.\r\n\r\n"
	    "--%s/%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n"
	    "--%s/%s\r\nContent-Type: message/delivery-status\r\n\r\n%s\r\n"
	    "--%s/%s\r\nContent-Type: text/rfc822-headers\r\n\r\n%s\r\n"
	    "--%s/%s--\r\n", req->mta, req->env->from, b, req->mta, b,
	    req->mta, human, b, req->mta, status, b, req->mta, headers, b,
	    req->mta);
	free(human);
	free(status);
	free(headers);
	return s;
}

/* The report as a message: a spool file read back like stdin. */
static int
report_message(const struct bounce_request *req, struct message **out,
    struct failure *f)
{
	struct message_options opt;
	const char *dir = req->tmpdir != NULL ? req->tmpdir : getenv("TMPDIR");
	char *path, *text = report_text(req);
	int fd, rc;

	path = xasprintf("%s/postie-bounce.XXXXXX", dir != NULL &&
	    dir[0] == '/' ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd >= 0)
		(void)unlink(path);
	free(path);
	if (fd < 0 || util_write_all(fd, text, strlen(text)) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		failure_set(f, FAIL_CANTCREAT, "bounce for %s: spool: %s",
		    req->id, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(text);
		return -1;
	}
	free(text);
	memset(&opt, 0, sizeof(opt));
	opt.msgid_domain = req->mta;
	opt.tmpdir = req->tmpdir;
	rc = message_read(fd, &opt, out, f);
	close(fd);
	return rc;
}

int
bounce_make(const struct bounce_request *req, struct envelope **env,
    struct message **msg, struct failure *f)
{
	struct envelope *e;

	*env = NULL;
	*msg = NULL;
	if (!bounce_wanted(req->env)) {
		failure_set(f, FAIL_DATA, "entry %s: no notification for the "
		    "null sender", req->id);
		return -1;
	}
	if (report_message(req, msg, f) < 0)
		return -1;
	e = xcalloc(1, sizeof(*e));
	e->account = req->env->account != NULL ?
	    xstrdup(req->env->account) : NULL;
	e->from = xstrdup("");
	e->rcpts = xcalloc(2, sizeof(*e->rcpts));
	e->rcpts[0] = xstrdup(req->env->from);
	e->nrcpts = 1;
	e->smtputf8 = !is_ascii(req->env->from);
	e->eightbit = (*msg)->eightbit;
	*env = e;
	return 0;
}
