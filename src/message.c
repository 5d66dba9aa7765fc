/*
 * message.c - read the message once into a private spool file.
 *
 * Input is read in fixed chunks.  While in the header section, bytes are
 * collected into lines and fed to the hdr.c scanner; kept fields are held
 * in memory (bounded by MESSAGE_HEADER_MAX) because missing fields are
 * added in front of them once the header has ended.  After that the body
 * is converted to CRLF on the fly and streamed to the spool
 * (message_spool.c), so only the header and one chunk are ever in memory.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hdr.h"
#include "message.h"
#include "message_add.h"
#include "message_spool.h"

#define CHUNK (64 * 1024)

/* Addresses collected for -t. */
struct rlist {
	char	**v;
	size_t	  n, cap;
};

/* Where the scan is with respect to the first block of Resent- fields. */
enum resent {
	RESENT_NONE,		/* no Resent- field seen yet */
	RESENT_FIRST,		/* inside the first block */
	RESENT_AFTER,		/* the first block has ended */
	RESENT_LAST
};

struct reader {
	const struct message_options *opt;
	struct message		*msg;
	struct message_spool	 sp;
	struct hdr_scanner	*sc;
	struct util_buf		 line;	/* header line being collected */
	struct util_buf		 head;	/* kept fields, CRLF form */
	size_t			 hdr_bytes;
	struct rlist		 plain;	/* To, Cc, Bcc */
	struct rlist		 resent;	/* first Resent- block */
	enum resent		 rstate;
	int			 at_eof;	/* input ended in the header */
	int			 in_body;
	int			 has_date, has_from, has_msgid;
	int			 has_to;	/* To, Cc or Bcc seen */
};

/* Fields added in front of the header, in msmtp's order. */
static int
add_missing(struct reader *r, struct util_buf *b, struct failure *f)
{
	const struct message_options *o = r->opt;
	struct message_add a = {
		.from = o->from_addr != NULL &&
		    (o->set_from == MESSAGE_HDR_ON ||
		    (o->set_from == MESSAGE_HDR_AUTO && !r->has_from)),
		.undisclosed = o->undisclosed,
		.to = o->to_rcpts,
		.nto = o->set_to && !r->has_to ? o->nto_rcpts : 0,
		.date = o->set_date == MESSAGE_HDR_AUTO && !r->has_date,
		.msgid = o->set_msgid == MESSAGE_HDR_AUTO && !r->has_msgid,
		.from_addr = r->opt->from_addr,
		.full_name = r->opt->full_name,
		.msgid_domain = r->opt->msgid_domain,
	};
	char *fields;

	if (message_add_fields(&a, &fields, &r->msg->msgid, f) == -1)
		return -1;
	util_buf_add(b, fields, strlen(fields));
	free(fields);
	if (a.from) {
		free(r->msg->from);
		r->msg->from = xstrdup(a.from_addr);
	}
	r->msg->added_from = a.from;
	r->msg->added_date = a.date;
	r->msg->added_msgid = a.msgid;
	return 0;
}

/* Header fields. */

static int
collect_rcpts(struct rlist *rl, const struct hdr_field *fld,
    struct failure *f)
{
	struct hdr_addrlist list;
	size_t i;

	if (hdr_addrlist_parse(fld->value, &list, f) == -1) {
		failure_prefix(f, "header line %zu: %s", fld->first_line,
		    fld->name);
		return -1;
	}
	for (i = 0; i < list.n; i++) {
		if (rl->n == rl->cap) {
			rl->cap = rl->cap ? rl->cap * 2 : 8;
			rl->v = xreallocarray(rl->v, rl->cap, sizeof(*rl->v));
		}
		rl->v[rl->n++] = list.v[i].addr;
		list.v[i].addr = NULL;
	}
	hdr_addrlist_clear(&list);
	return 0;
}

/* The first addr-spec of From; a From that does not parse is only sent. */
static void
note_from(struct reader *r, const struct hdr_field *fld)
{
	struct hdr_addrlist list;

	if (r->msg->from != NULL || hdr_addrlist_parse(fld->value, &list,
	    NULL) == -1)
		return;
	if (list.n > 0) {
		r->msg->from = list.v[0].addr;
		list.v[0].addr = NULL;
	}
	hdr_addrlist_clear(&list);
}

static void
note_msgid(struct reader *r, const struct hdr_field *fld)
{
	size_t len = strlen(fld->value);

	while (len > 0 && (fld->value[len - 1] == ' ' ||
	    fld->value[len - 1] == '\t'))
		len--;
	if (r->msg->msgid == NULL && len > 0)
		r->msg->msgid = xstrndup(fld->value, len);
}

static void
rlist_clear(struct rlist *rl)
{
	size_t i;

	for (i = 0; i < rl->n; i++)
		free(rl->v[i]);
	free(rl->v);
	memset(rl, 0, sizeof(*rl));
}

/*
 * -t takes To, Cc and Bcc, unless a Resent- field appears: then, as in
 * msmtp and RFC 5322 3.6.6, only Resent-To, Resent-Cc and Resent-Bcc of
 * the first (topmost, newest) block of adjacent Resent- fields count.
 */
static int
note_rcpts(struct reader *r, const struct hdr_field *fld,
    struct failure *f)
{
	int resent = strncasecmp(fld->name, "Resent-", 7) == 0;
	struct hdr_field sub = *fld;

	if (resent && r->rstate == RESENT_NONE)
		r->rstate = RESENT_FIRST;
	else if (!resent && r->rstate == RESENT_FIRST)
		r->rstate = RESENT_AFTER;
	if (!r->opt->read_recipients)
		return 0;
	if (resent && r->rstate == RESENT_FIRST) {
		sub.name = fld->name + 7;
		if (hdr_name_is(&sub, "To") || hdr_name_is(&sub, "Cc") ||
		    hdr_name_is(&sub, "Bcc"))
			return collect_rcpts(&r->resent, fld, f);
	}
	if (hdr_name_is(fld, "To") || hdr_name_is(fld, "Cc") ||
	    hdr_name_is(fld, "Bcc"))
		return collect_rcpts(&r->plain, fld, f);
	return 0;
}

/* The recipients -t found, once the header has ended. */
static void
take_rcpts(struct reader *r)
{
	struct rlist *use = r->rstate != RESENT_NONE ? &r->resent :
	    &r->plain;

	r->msg->rcpts = use->v;
	r->msg->nrcpts = use->n;
	memset(use, 0, sizeof(*use));
	rlist_clear(&r->plain);
	rlist_clear(&r->resent);
}

/*
 * Blind copies stay blind, whether sent or resent, unless kept on
 * purpose; undisclosed_recipients drops To, Cc and Bcc; a From that is
 * replaced goes wherever it stood.
 */
static int
field_dropped(const struct message_options *o, const struct hdr_field *fld)
{
	if (o->undisclosed && (hdr_name_is(fld, "To") ||
	    hdr_name_is(fld, "Cc") || hdr_name_is(fld, "Bcc")))
		return 1;
	if (!o->keep_bcc && (hdr_name_is(fld, "Bcc") ||
	    hdr_name_is(fld, "Resent-Bcc")))
		return 1;
	return o->set_from == MESSAGE_HDR_ON && o->from_addr != NULL &&
	    hdr_name_is(fld, "From");
}

static int
head_field(struct reader *r, const struct hdr_field *fld, struct failure *f)
{
	const char *p;

	if (note_rcpts(r, fld, f) == -1)
		return -1;
	if (hdr_name_is(fld, "To") || hdr_name_is(fld, "Cc") ||
	    hdr_name_is(fld, "Bcc"))
		r->has_to = 1;
	if (field_dropped(r->opt, fld))
		return 0;
	if (hdr_name_is(fld, "From")) {
		r->has_from = 1;
		note_from(r, fld);
	} else if (hdr_name_is(fld, "Date"))
		r->has_date = 1;
	else if (hdr_name_is(fld, "Message-ID")) {
		r->has_msgid = 1;
		note_msgid(r, fld);
	}
	for (p = fld->raw; *p != '\0'; p++) {
		if (*p == '\n')
			util_buf_add(&r->head, "\r\n", 2);
		else
			util_buf_add(&r->head, p, 1);
	}
	util_buf_add(&r->head, "\r\n", 2);
	return 0;
}

/*
 * The header has ended: write the added fields, the kept ones, the blank
 * line and, when a non-header line ended the header, that line as the
 * first body line.
 */
static int
head_end(struct reader *r, const char *body, size_t blen, struct failure *f)
{
	struct util_buf out = { 0 };
	int rc;

	if (add_missing(r, &out, f) == -1) {
		free(out.p);
		return -1;
	}
	if (r->head.len > 0)
		util_buf_add(&out, r->head.p, r->head.len);
	/* Input that ends in the header gets no empty body, as in msmtp. */
	if (!r->at_eof)
		util_buf_add(&out, "\r\n", 2);
	take_rcpts(r);
	if (body != NULL) {
		util_buf_add(&out, body, blen);
		util_buf_add(&out, "\r\n", 2);
	}
	rc = message_spool_put(&r->sp, out.p, out.len, f);
	free(out.p);
	free(r->head.p);
	memset(&r->head, 0, sizeof(r->head));
	r->in_body = 1;
	r->sp.at_bol = 1;
	return rc;
}

/* Handle the scanner's answer to one line, or to the end of input. */
static int
head_event(struct reader *r, enum hdr_event ev, int ended, const char *line,
    size_t len, struct failure *f)
{
	struct hdr_field *fld;
	int rc;

	while (ev == HDR_FIELD) {
		fld = hdr_scanner_take(r->sc);
		rc = head_field(r, fld, f);
		hdr_field_free(fld);
		if (rc == -1)
			return -1;
		ev = ended ? hdr_scanner_finish(r->sc) : HDR_NONE;
	}
	if (ev == HDR_ERROR)
		return -1;
	if (ev != HDR_END)
		return 0;
	if (hdr_scanner_body_started(r->sc))
		return head_end(r, line, len, f);
	return head_end(r, NULL, 0, f);
}

/* Name the field (or a continuation line) that holds a lone CR. */
static int
refuse_lone_cr(const char *line, size_t len, struct failure *f)
{
	size_t name = strcspn(line, ":\r");

	if (name == 0 || name >= len || line[name] != ':' || name > 64 ||
	    line[0] == ' ' || line[0] == '\t')
		failure_set(f, FAIL_DATA, "message header: a continuation "
		    "line holds a carriage return that does not end it");
	else
		failure_set(f, FAIL_DATA, "message header: %.*s: holds a "
		    "carriage return that does not end the line", (int)name,
		    line);
	return -1;
}

static int
head_line(struct reader *r, struct failure *f)
{
	size_t len = r->line.len;
	enum hdr_event ev;

	if (len > 0 && r->line.p[len - 1] == '\r')
		len--;
	/*
	 * A server that takes a lone CR as a line end would read
	 * "\r.\r\n" as the end of the data (SMTP smuggling), and no
	 * header can hold one legitimately.
	 */
	if (len > 0 && memchr(r->line.p, '\r', len) != NULL)
		return refuse_lone_cr(r->line.p, len, f);
	ev = hdr_scanner_push(r->sc, r->line.p, len, f);
	r->line.len = 0;
	return head_event(r, ev, len == 0 ||
	    hdr_scanner_body_started(r->sc), r->line.p, len, f);
}

/* Consume header bytes; *used tells where the body begins, if it does. */
static int
head_feed(struct reader *r, const char *p, size_t n, size_t *used,
    struct failure *f)
{
	const char *nl;
	size_t i = 0, take;

	while (i < n && !r->in_body) {
		nl = memchr(p + i, '\n', n - i);
		take = nl != NULL ? (size_t)(nl - (p + i)) : n - i;
		if (r->hdr_bytes + r->line.len + take > MESSAGE_HEADER_MAX) {
			failure_set(f, FAIL_DATA, "message header exceeds "
			    "1 MiB");
			return -1;
		}
		util_buf_add(&r->line, p + i, take);
		i += take;
		if (nl == NULL)
			break;
		i++;
		r->hdr_bytes += r->line.len + 1;
		if (head_line(r, f) == -1)
			return -1;
	}
	*used = i;
	return 0;
}

static int
feed(struct reader *r, const char *p, size_t n, struct failure *f)
{
	size_t used = 0;

	if (!r->in_body && head_feed(r, p, n, &used, f) == -1)
		return -1;
	if (r->in_body && used < n)
		return message_spool_body(&r->sp, p + used, n - used, f);
	return 0;
}

/* End of input: close the header or the last body line. */
static int
finish(struct reader *r, struct failure *f)
{
	if (!r->in_body && r->line.len > 0) {
		r->hdr_bytes += r->line.len;
		if (head_line(r, f) == -1)
			return -1;
	}
	r->at_eof = 1;
	if (!r->in_body &&
	    head_event(r, hdr_scanner_finish(r->sc), 1, NULL, 0, f) == -1)
		return -1;
	return message_spool_end(&r->sp, f);
}

static int
read_all(struct reader *r, int infd, struct failure *f)
{
	char *chunk = xmalloc(CHUNK);
	ssize_t n;
	int rc = 0;

	for (;;) {
		n = read(infd, chunk, CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			failure_set(f, FAIL_IO, "reading the message: %s",
			    strerror(errno));
			rc = -1;
		}
		if (n <= 0)
			break;
		if ((rc = feed(r, chunk, (size_t)n, f)) == -1)
			break;
	}
	free(chunk);
	if (rc == 0)
		rc = finish(r, f);
	return rc;
}

int
message_read(int infd, const struct message_options *opt,
    struct message **out, struct failure *f)
{
	struct reader r = { .opt = opt };
	int rc;

	*out = NULL;
	r.msg = xcalloc(1, sizeof(*r.msg));
	r.msg->fd = -1;
	r.sp.max = opt->max_size;
	rc = message_spool_open(&r.sp, opt->tmpdir, f);
	r.msg->fd = r.sp.fd;	/* closed by message_free() on failure */
	if (rc == -1) {
		message_free(r.msg);
		return -1;
	}
	r.sc = hdr_scanner_new();
	rc = read_all(&r, infd, f);
	if (rc == 0)
		rc = message_spool_flush(&r.sp, f);
	if (rc == 0 && lseek(r.sp.fd, 0, SEEK_SET) == -1) {
		failure_set(f, FAIL_IO, "spool file: seek: %s",
		    strerror(errno));
		rc = -1;
	}
	r.msg->size = r.sp.size;
	r.msg->eightbit = r.sp.eightbit;
	hdr_scanner_free(r.sc);
	message_spool_clear(&r.sp);
	free(r.line.p);
	rlist_clear(&r.plain);
	rlist_clear(&r.resent);
	free(r.head.p);
	if (rc == -1) {
		message_free(r.msg);
		return -1;
	}
	*out = r.msg;
	return 0;
}

void
message_free(struct message *msg)
{
	size_t i;

	if (msg == NULL)
		return;
	if (msg->fd >= 0)
		close(msg->fd);
	free(msg->from);
	free(msg->msgid);
	for (i = 0; i < msg->nrcpts; i++)
		free(msg->rcpts[i]);
	free(msg->rcpts);
	free(msg);
}
