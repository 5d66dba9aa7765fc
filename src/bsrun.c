/*
 * bsrun.c - drive the "postie -bs" dialogue over standard input and
 * output.
 *
 * Both descriptors belong to the caller and may be blocking; rather than
 * change their flags (which the process on the other end shares), each
 * read or write is preceded by a poll() that says it will not block, so
 * the iobuf deadline holds.  Replies are flushed one by one: a client
 * that pipelines still gets every reply, and one that does not never
 * waits on a reply held back in a buffer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bsmtp.h"
#include "bsrun.h"
#include "iobuf.h"
#include "log.h"
#include "result.h"

/* A transport over one of the caller's descriptors. */
struct bsrun_fd {
	struct transport t;
	const char *name;	/* "standard input", for messages */
	int eof;		/* read returned end of file */
};

struct bsrun {
	const struct bsrun_options *opt;
	struct bsrun_fd in, out;
	struct iobuf *rd, *wr;
	struct bsmtp *b;
	int status;		/* of the last message not accepted */
	struct failure *f;
};

/* What reading one line gave. */
enum bsrun_got {
	BSRUN_LINE,
	BSRUN_EOF,		/* the input ended before a line end */
	BSRUN_LONG,		/* over the limit; the rest is unread */
	BSRUN_FAIL,		/* timeout or read error, f set */
	BSRUN_GOT_LAST
};

/* 1 when fd is ready for events, 0 when not yet, -1 on a poll error. */
static int
bsrun_ready(int fd, short events)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	n = poll(&pfd, 1, 0);
	if (n < 0 && errno != EINTR)
		return -1;
	return n > 0;
}

static ssize_t
bsrun_fd_read(void *ctx, void *buf, size_t len, struct failure *f)
{
	struct bsrun_fd *bf = ctx;
	ssize_t n;
	int r;

	if ((r = bsrun_ready(bf->t.fd, POLLIN)) == 0)
		return TRANSPORT_WANT_READ;
	n = r < 0 ? -1 : read(bf->t.fd, buf, len);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return TRANSPORT_WANT_READ;
	if (n == 0) {
		bf->eof = 1;
		failure_set(f, FAIL_IO, "%s: end of input", bf->name);
	} else
		failure_set(f, FAIL_IO, "%s: read: %s", bf->name,
		    strerror(errno));
	return TRANSPORT_ERROR;
}

static ssize_t
bsrun_fd_write(void *ctx, const void *buf, size_t len, struct failure *f)
{
	struct bsrun_fd *bf = ctx;
	ssize_t n;
	int r;

	if ((r = bsrun_ready(bf->t.fd, POLLOUT)) == 0)
		return TRANSPORT_WANT_WRITE;
	/* Once poll says writable, PIPE_BUF bytes go without blocking. */
	if (len > PIPE_BUF)
		len = PIPE_BUF;
	n = r < 0 ? -1 : write(bf->t.fd, buf, len);
	if (n > 0)
		return n;
	if (n == 0 || errno == EINTR || errno == EAGAIN)
		return TRANSPORT_WANT_WRITE;
	failure_set(f, FAIL_IO, "%s: write: %s", bf->name, strerror(errno));
	return TRANSPORT_ERROR;
}

static const struct transport_ops bsrun_ops = {
	bsrun_fd_read,
	bsrun_fd_write,
};

static void
bsrun_fd_init(struct bsrun_fd *bf, int fd, const char *name)
{
	memset(bf, 0, sizeof(*bf));
	bf->t.ops = &bsrun_ops;
	bf->t.ctx = bf;
	bf->t.fd = fd;
	bf->name = name;
}

/* A debug trace of the dialogue; control bytes shown as '?'. */
static void
bsrun_trace(const char *who, const char *line, size_t len)
{
	char *copy;

	if (log_debug_level() <= 0)
		return;
	copy = xstrndup(line, len);
	util_one_line(copy);
	log_debug("-bs %s: %s", who, copy);
	free(copy);
}

static int
bsrun_reply(struct bsrun *s)
{
	const char *r = bsmtp_reply(s->b), *p, *nl;
	size_t len = strlen(r);

	for (p = r; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		bsrun_trace("server", p, (size_t)(nl - p));
	if (len == 0)
		return 0;
	if (iobuf_write(s->wr, r, len, s->f) < 0 ||
	    iobuf_flush(s->wr, s->f) < 0)
		return -1;
	return 0;
}

static enum bsrun_got
bsrun_read(struct bsrun *s, size_t max, const char **line, size_t *len)
{
	if (iobuf_read_line(s->rd, max, line, len, s->f) == 0)
		return BSRUN_LINE;
	if (s->in.eof)
		return BSRUN_EOF;
	if (s->f->cls == FAIL_PROTOCOL)
		return BSRUN_LONG;
	/* iobuf words its timeout for a server; this is the client. */
	if (s->f->cls == FAIL_NET_TEMP)
		failure_set(s->f, FAIL_NET_TEMP, "standard input: no input "
		    "from the client for %d s", s->opt->timeout_ms / 1000);
	return BSRUN_FAIL;
}

/* An unlinked file for one message, like message.c's spool. */
static FILE *
bsrun_tmpfile(struct bsrun *s, struct failure *f)
{
	const char *dir = s->opt->tmpdir;
	char *path;
	FILE *fp = NULL;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = xasprintf("%s/postie-bs.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0 || unlink(path) < 0 || (fp = fdopen(fd, "w+")) == NULL) {
		failure_set(f, FAIL_CANTCREAT, "cannot create a message "
		    "file in %s: %s", dir, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
	}
	free(path);
	return fp;
}

/* Append one line; the first failure is kept in f. */
static void
bsrun_keep(FILE *fp, const char *data, size_t len, struct failure *f)
{
	if (f->cls != FAIL_NONE)
		return;
	errno = 0;
	if (fwrite(data, 1, len, fp) != len || putc('\n', fp) == EOF)
		failure_set(f, FAIL_IO, "message file: write: %s",
		    strerror(errno != 0 ? errno : EIO));
}

/* The message file, written out and rewound for reading. */
static void
bsrun_rewind(FILE *fp, struct failure *f)
{
	if (f->cls != FAIL_NONE)
		return;
	errno = 0;
	if (fflush(fp) != 0 || ferror(fp) ||
	    lseek(fileno(fp), 0, SEEK_SET) < 0)
		failure_set(f, FAIL_IO, "message file: write: %s",
		    strerror(errno != 0 ? errno : EIO));
}

/* Relay the message in fp, unless keeping it failed (kept). */
static void
bsrun_relay(struct bsrun *s, FILE *fp, const struct failure *kept)
{
	struct bsmtp_outcome o;
	struct bsrun_txn t;
	struct bsrun_done d;

	memset(&d, 0, sizeof(d));
	memset(&o, 0, sizeof(o));
	if (kept->cls != FAIL_NONE) {
		d.fail = *kept;
		d.status = result_exit_status(&d.fail);
		log_error("%s", d.fail.text);
		/* Nothing was relayed: the client may well try again. */
		o.temporary = 1;
	} else {
		t.from = bsmtp_from(s->b);
		t.rcpts = (char **)bsmtp_rcpts(s->b, &t.nrcpts);
		t.fd = fileno(fp);
		s->opt->deliver(s->opt->arg, &t, &d);
		o.temporary = result_action(&d.fail) == RESULT_KEEP;
	}
	o.ok = d.status == 0;
	o.code = d.fail.smtp_code;
	o.estatus = d.fail.estatus;
	o.text = d.fail.text;
	o.queued = d.queued[0] != '\0' ? d.queued : NULL;
	if (d.status != 0)
		s->status = d.status;
	(void)bsmtp_relayed(s->b, &o);
}

/*
 * Body lines up to the final dot, into a message file, then relay.  A
 * file that cannot be made or written costs this message (its body is
 * read and dropped, the dot answered 451), not the session.
 */
static int
bsrun_body(struct bsrun *s)
{
	const char *line, *data;
	size_t len, dlen;
	enum bsrun_got got;
	struct failure kept;
	FILE *fp;

	failure_clear(&kept);
	fp = bsrun_tmpfile(s, &kept);
	while ((got = bsrun_read(s, BSMTP_LINE_MAX, &line, &len)) ==
	    BSRUN_LINE) {
		if (bsmtp_body(s->b, line, len, &data, &dlen) ==
		    BSMTP_NEXT_RELAY)
			break;
		bsrun_keep(fp, data, dlen, &kept);
	}
	if (got == BSRUN_LINE) {
		bsrun_rewind(fp, &kept);
		bsrun_relay(s, fp, &kept);
	}
	if (fp != NULL)
		(void)fclose(fp);
	if (got == BSRUN_LINE)
		return bsrun_reply(s);
	if (got == BSRUN_EOF)
		failure_set(s->f, FAIL_IO, "standard input: ended inside "
		    "a message");
	else if (got == BSRUN_LONG)
		failure_set(s->f, FAIL_DATA, "standard input: a message "
		    "line is longer than %d bytes", BSMTP_LINE_MAX);
	return -1;
}

/* One command and its reply; 1 to go on, 0 at the end, -1 on failure. */
static int
bsrun_step(struct bsrun *s)
{
	enum bsmtp_next next;
	const char *line;
	size_t len;

	/* Read long lines whole, so that the next one starts in step. */
	switch (bsrun_read(s, BSMTP_LINE_MAX, &line, &len)) {
	case BSRUN_LINE:
		bsrun_trace("client", line, len > 80 ? 80 : len);
		next = len > BSMTP_CMD_MAX ? bsmtp_command_too_long(s->b) :
		    bsmtp_command(s->b, line, len);
		break;
	case BSRUN_LONG:
		failure_set(s->f, FAIL_DATA, "standard input: a command "
		    "line is longer than %d bytes", BSMTP_LINE_MAX);
		return -1;
	case BSRUN_EOF:
		/* Between transactions that is as good as QUIT. */
		log_debug("-bs: the client closed standard input");
		failure_clear(s->f);
		return 0;
	default:
		return -1;
	}
	if (bsrun_reply(s) < 0)
		return -1;
	if (next == BSMTP_NEXT_BODY && bsrun_body(s) < 0)
		return -1;
	return next != BSMTP_NEXT_CLOSE;
}

static void
bsrun_hostname(const struct bsrun_options *opt, char *buf, size_t size)
{
	if (opt->hostname != NULL)
		(void)strlcpy(buf, opt->hostname, size);
	else if (gethostname(buf, size) < 0)
		buf[0] = '\0';
	buf[size - 1] = '\0';
}

int
bsrun_session(const struct bsrun_options *opt, int *status,
    struct failure *f)
{
	struct failure ignored;
	struct bsrun s;
	char host[256];
	int rc;

	memset(&s, 0, sizeof(s));
	s.opt = opt;
	s.f = f;
	bsrun_fd_init(&s.in, opt->in_fd, "standard input");
	bsrun_fd_init(&s.out, opt->out_fd, "standard output");
	s.rd = iobuf_new(&s.in.t, opt->timeout_ms);
	s.wr = iobuf_new(&s.out.t, opt->timeout_ms);
	bsrun_hostname(opt, host, sizeof(host));
	s.b = bsmtp_new(host);
	bsmtp_greet(s.b);
	rc = bsrun_reply(&s) < 0 ? -1 : 1;
	while (rc == 1)
		rc = bsrun_step(&s);
	/* Tell a client left waiting why the session ends. */
	if (rc < 0 && f->cls == FAIL_NET_TEMP) {
		s.f = &ignored;
		(void)bsmtp_timeout(s.b);
		(void)bsrun_reply(&s);
	}
	*status = s.status;
	bsmtp_free(s.b);
	iobuf_free(s.rd);
	iobuf_free(s.wr);
	return rc < 0 ? -1 : 0;
}
