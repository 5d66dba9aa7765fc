/*
 * bsmtp.c - the SMTP server dialogue of "postie -bs".
 *
 * One handler per command, looked up in a table; the state changes in
 * bsmtp_set_state() only, which traces each change by name.  The replies
 * follow Postfix's smtpd in wording and enhanced status codes, so that
 * clients written against a real sendmail see what they expect.  What
 * the client may not do (MAIL without a finished transaction, DATA
 * without a recipient) is refused with 503 and changes nothing.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bsmtp.h"
#include "bsmtp_addr.h"
#include "log.h"
#include "util.h"

#define BSMTP_REPLY_MAX 1024
/* The upstream text quoted in a reply to the final dot. */
#define BSMTP_QUOTE_MAX 400

struct bsmtp {
	enum bsmtp_state state;
	char host[256];
	char reply[BSMTP_REPLY_MAX];
	unsigned errors;
	char *from;
	char **rcpts;
	size_t nrcpts;
};

static const char *const bsmtp_state_names[] = {
	"init", "mail", "rcpt", "body", "relay", "closed",
};

const char *
bsmtp_state_name(enum bsmtp_state s)
{
	return s < BSMTP_STATE_LAST ? bsmtp_state_names[s] : "?";
}

static void
bsmtp_set_state(struct bsmtp *b, enum bsmtp_state s)
{
	if (b->state != s)
		log_debug("bsmtp: %s -> %s", bsmtp_state_name(b->state),
		    bsmtp_state_name(s));
	b->state = s;
}

static void
bsmtp_say(struct bsmtp *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The reply: fmt is one or more lines, each ended with CRLF. */
static void
bsmtp_say(struct bsmtp *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(b->reply, sizeof(b->reply), fmt, ap);
	va_end(ap);
}

static void
bsmtp_clear(struct bsmtp *b)
{
	size_t i;

	free(b->from);
	b->from = NULL;
	for (i = 0; i < b->nrcpts; i++)
		free(b->rcpts[i]);
	free(b->rcpts);
	b->rcpts = NULL;
	b->nrcpts = 0;
}

/* Forget the transaction; keep the session. */
static void
bsmtp_reset(struct bsmtp *b)
{
	bsmtp_clear(b);
	bsmtp_set_state(b, BSMTP_INIT);
}

/* Only letters, digits, dots and dashes reach the greeting. */
static void
bsmtp_set_host(struct bsmtp *b, const char *name)
{
	size_t i, n = 0;

	for (i = 0; name != NULL && name[i] != '\0' &&
	    n + 1 < sizeof(b->host); i++)
		if (isalnum((unsigned char)name[i]) || name[i] == '.' ||
		    name[i] == '-')
			b->host[n++] = name[i];
	b->host[n] = '\0';
	if (n == 0)
		(void)strlcpy(b->host, "localhost", sizeof(b->host));
}

struct bsmtp *
bsmtp_new(const char *hostname)
{
	struct bsmtp *b = xcalloc(1, sizeof(*b));

	bsmtp_set_host(b, hostname);
	return b;
}

void
bsmtp_free(struct bsmtp *b)
{
	if (b == NULL)
		return;
	bsmtp_clear(b);
	free(b);
}

enum bsmtp_state
bsmtp_state(const struct bsmtp *b)
{
	return b->state;
}

const char *
bsmtp_reply(const struct bsmtp *b)
{
	return b->reply;
}

const char *
bsmtp_from(const struct bsmtp *b)
{
	return b->from != NULL ? b->from : "";
}

char *const *
bsmtp_rcpts(const struct bsmtp *b, size_t *n)
{
	*n = b->nrcpts;
	return b->rcpts;
}

void
bsmtp_greet(struct bsmtp *b)
{
	bsmtp_say(b, "220 %s ESMTP %s\r\n", b->host, PACKAGE_NAME);
}

/* A refused command; too many of them end the session. */
static enum bsmtp_next
bsmtp_refuse(struct bsmtp *b, const char *reply)
{
	if (++b->errors > BSMTP_ERRORS_MAX) {
		bsmtp_say(b, "421 4.7.0 %s Error: too many errors\r\n",
		    b->host);
		bsmtp_set_state(b, BSMTP_CLOSED);
		return BSMTP_NEXT_CLOSE;
	}
	bsmtp_say(b, "%s\r\n", reply);
	return BSMTP_NEXT_COMMAND;
}

/* Command handlers. */

struct bsmtp_cmd {
	const char *verb;
	enum bsmtp_next (*fn)(struct bsmtp *, const char *arg);
};

static enum bsmtp_next
bsmtp_helo(struct bsmtp *b, const char *arg)
{
	if (*arg == '\0')
		return bsmtp_refuse(b, "501 5.5.4 Syntax: HELO hostname");
	bsmtp_reset(b);
	bsmtp_say(b, "250 %s\r\n", b->host);
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_ehlo(struct bsmtp *b, const char *arg)
{
	if (*arg == '\0')
		return bsmtp_refuse(b, "501 5.5.4 Syntax: EHLO hostname");
	bsmtp_reset(b);
	/* SIZE without a number: no fixed limit here; the smarthost's
	 * own limit is reported after the dot. */
	bsmtp_say(b, "250-%s\r\n250-PIPELINING\r\n250-SIZE\r\n"
	    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n", b->host);
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_mail(struct bsmtp *b, const char *arg)
{
	const char *rest, *why;
	char *addr;

	if (b->state != BSMTP_INIT)
		return bsmtp_refuse(b, "503 5.5.1 Error: nested MAIL "
		    "command");
	if ((addr = bsmtp_addr_parse(arg, "FROM:", &rest, &why)) == NULL)
		return bsmtp_refuse(b, why != NULL ? why :
		    "501 5.5.4 Syntax: MAIL FROM:<address>");
	if ((why = bsmtp_addr_mail_params(rest)) != NULL) {
		free(addr);
		return bsmtp_refuse(b, why);
	}
	b->from = addr;
	bsmtp_set_state(b, BSMTP_MAIL);
	bsmtp_say(b, "250 2.1.0 Ok\r\n");
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_rcpt(struct bsmtp *b, const char *arg)
{
	const char *rest, *why;
	char *addr;

	if (b->state != BSMTP_MAIL && b->state != BSMTP_RCPT)
		return bsmtp_refuse(b, "503 5.5.1 Error: need MAIL command");
	if (b->nrcpts >= BSMTP_RCPTS_MAX) {
		bsmtp_say(b, "452 4.5.3 Error: too many recipients\r\n");
		return BSMTP_NEXT_COMMAND;
	}
	if ((addr = bsmtp_addr_parse(arg, "TO:", &rest, &why)) == NULL)
		return bsmtp_refuse(b, why != NULL ? why :
		    "501 5.5.4 Syntax: RCPT TO:<address>");
	why = *addr == '\0' ? "501 5.1.3 Bad recipient address syntax" :
	    bsmtp_addr_has_params(rest) ? "555 5.5.4 Unsupported option "
	    "in RCPT TO" : NULL;
	if (why != NULL) {
		free(addr);
		return bsmtp_refuse(b, why);
	}
	b->rcpts = xreallocarray(b->rcpts, b->nrcpts + 1, sizeof(*b->rcpts));
	b->rcpts[b->nrcpts++] = addr;
	bsmtp_set_state(b, BSMTP_RCPT);
	bsmtp_say(b, "250 2.1.5 Ok\r\n");
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_data(struct bsmtp *b, const char *arg)
{
	if (*arg != '\0')
		return bsmtp_refuse(b, "501 5.5.4 Syntax: DATA");
	if (b->state != BSMTP_RCPT)
		return bsmtp_refuse(b, b->state == BSMTP_MAIL ?
		    "554 5.5.1 Error: no valid recipients" :
		    "503 5.5.1 Error: need RCPT command");
	bsmtp_set_state(b, BSMTP_BODY);
	bsmtp_say(b, "354 End data with <CR><LF>.<CR><LF>\r\n");
	return BSMTP_NEXT_BODY;
}

static enum bsmtp_next
bsmtp_rset(struct bsmtp *b, const char *arg)
{
	if (*arg != '\0')
		return bsmtp_refuse(b, "501 5.5.4 Syntax: RSET");
	bsmtp_reset(b);
	bsmtp_say(b, "250 2.0.0 Ok\r\n");
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_noop(struct bsmtp *b, const char *arg)
{
	(void)arg;
	bsmtp_say(b, "250 2.0.0 Ok\r\n");
	return BSMTP_NEXT_COMMAND;
}

static enum bsmtp_next
bsmtp_quit(struct bsmtp *b, const char *arg)
{
	(void)arg;
	bsmtp_reset(b);
	bsmtp_set_state(b, BSMTP_CLOSED);
	bsmtp_say(b, "221 2.0.0 Bye\r\n");
	return BSMTP_NEXT_CLOSE;
}

/* No local user database to look into, and no lists to expand. */
static enum bsmtp_next
bsmtp_vrfy(struct bsmtp *b, const char *arg)
{
	(void)arg;
	return bsmtp_refuse(b, "502 5.5.1 VRFY command is disabled");
}

static enum bsmtp_next
bsmtp_expn(struct bsmtp *b, const char *arg)
{
	(void)arg;
	return bsmtp_refuse(b, "502 5.5.1 EXPN command is disabled");
}

static enum bsmtp_next
bsmtp_help(struct bsmtp *b, const char *arg)
{
	(void)arg;
	bsmtp_say(b, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET "
	    "NOOP QUIT HELP\r\n");
	return BSMTP_NEXT_COMMAND;
}

/* Known verbs that make no sense over a pipe to a relay client. */
static enum bsmtp_next
bsmtp_unimplemented(struct bsmtp *b, const char *arg)
{
	(void)arg;
	return bsmtp_refuse(b, "502 5.5.1 Error: command not implemented");
}

static const struct bsmtp_cmd bsmtp_cmds[] = {
	{ "HELO", bsmtp_helo },
	{ "EHLO", bsmtp_ehlo },
	{ "MAIL", bsmtp_mail },
	{ "RCPT", bsmtp_rcpt },
	{ "DATA", bsmtp_data },
	{ "RSET", bsmtp_rset },
	{ "NOOP", bsmtp_noop },
	{ "QUIT", bsmtp_quit },
	{ "VRFY", bsmtp_vrfy },
	{ "EXPN", bsmtp_expn },
	{ "HELP", bsmtp_help },
	{ "STARTTLS", bsmtp_unimplemented },
	{ "AUTH", bsmtp_unimplemented },
	{ "BDAT", bsmtp_unimplemented },
	{ "ETRN", bsmtp_unimplemented },
	{ "TURN", bsmtp_unimplemented },
};

static const struct bsmtp_cmd *
bsmtp_find(const char *line, size_t vlen)
{
	size_t i;

	for (i = 0; i < UTIL_ARRAY_LEN(bsmtp_cmds); i++)
		if (strlen(bsmtp_cmds[i].verb) == vlen &&
		    strncasecmp(bsmtp_cmds[i].verb, line, vlen) == 0)
			return &bsmtp_cmds[i];
	return NULL;
}

enum bsmtp_next
bsmtp_command(struct bsmtp *b, const char *line, size_t len)
{
	const struct bsmtp_cmd *c;
	char *copy;
	size_t vlen, end;
	enum bsmtp_next next;

	if (b->state == BSMTP_CLOSED)
		return BSMTP_NEXT_CLOSE;
	/* A NUL would cut the line short where the client did not. */
	if (memchr(line, '\0', len) != NULL)
		return bsmtp_refuse(b, "500 5.5.2 Error: bad syntax");
	/* Trailing blanks are common and harmless. */
	for (end = len; end > 0 && (line[end - 1] == ' ' ||
	    line[end - 1] == '\t'); end--)
		continue;
	copy = xstrndup(line, end);
	vlen = strcspn(copy, " ");
	if (vlen == 0 || (c = bsmtp_find(copy, vlen)) == NULL)
		next = bsmtp_refuse(b, vlen == 0 ? "500 5.5.2 Error: bad "
		    "syntax" : "500 5.5.2 Error: command not recognized");
	else
		next = c->fn(b, copy + vlen + strspn(copy + vlen, " "));
	free(copy);
	return next;
}

enum bsmtp_next
bsmtp_command_too_long(struct bsmtp *b)
{
	return bsmtp_refuse(b, "500 5.5.2 Error: line too long");
}

enum bsmtp_next
bsmtp_body(struct bsmtp *b, const char *line, size_t len,
    const char **data, size_t *dlen)
{
	b->reply[0] = '\0';
	if (len == 1 && line[0] == '.') {
		bsmtp_set_state(b, BSMTP_RELAY);
		*data = NULL;
		*dlen = 0;
		return BSMTP_NEXT_RELAY;
	}
	/* Undo the dot-stuffing of RFC 5321 4.5.2. */
	if (len > 0 && line[0] == '.') {
		line++;
		len--;
	}
	*data = line;
	*dlen = len;
	return BSMTP_NEXT_BODY;
}

/* An enhanced status code "c.x.y" of class c (RFC 3463 digits). */
static int
bsmtp_estatus_ok(const char *s, char c)
{
	const char *digits = "0123456789";
	size_t x, y;

	if (s == NULL || s[0] != c || s[1] != '.')
		return 0;
	x = strspn(s + 2, digits);
	if (x < 1 || x > 3 || s[2 + x] != '.')
		return 0;
	y = strspn(s + 3 + x, digits);
	return y >= 1 && y <= 3 && s[3 + x + y] == '\0';
}

/* The reply text: printable ASCII only, and not too long. */
static void
bsmtp_quote(const char *text, char *out, size_t size)
{
	size_t i, n = 0;

	for (i = 0; text != NULL && text[i] != '\0' && n + 1 < size; i++)
		out[n++] = (unsigned char)text[i] >= 0x20 &&
		    (unsigned char)text[i] < 0x7f ? text[i] : '?';
	out[n] = '\0';
}

enum bsmtp_next
bsmtp_relayed(struct bsmtp *b, const struct bsmtp_outcome *o)
{
	char text[BSMTP_QUOTE_MAX + 1];
	const char *es;
	char class;
	int code;

	if (b->state != BSMTP_RELAY)
		return bsmtp_refuse(b, "503 5.5.1 Error: no message");
	bsmtp_reset(b);
	bsmtp_quote(o->ok ? o->queued : o->text, text, sizeof(text));
	if (o->ok && o->queued != NULL)
		bsmtp_say(b, "250 2.0.0 Ok: queued as %s\r\n", text);
	else if (o->ok)
		bsmtp_say(b, "250 2.0.0 Ok: delivered\r\n");
	if (o->ok)
		return BSMTP_NEXT_COMMAND;
	/* The smarthost's code when it agrees with the policy's verdict. */
	class = o->temporary ? '4' : '5';
	code = o->code / 100 == class - '0' ? o->code :
	    o->temporary ? 451 : 554;
	es = bsmtp_estatus_ok(o->estatus, class) ? o->estatus :
	    o->temporary ? "4.3.0" : "5.3.0";
	bsmtp_say(b, "%d %s Error: %s\r\n", code, es, text[0] != '\0' ?
	    text : "the message was not relayed");
	return BSMTP_NEXT_COMMAND;
}

enum bsmtp_next
bsmtp_timeout(struct bsmtp *b)
{
	bsmtp_reset(b);
	bsmtp_set_state(b, BSMTP_CLOSED);
	bsmtp_say(b, "421 4.4.2 %s Error: timeout exceeded\r\n", b->host);
	return BSMTP_NEXT_CLOSE;
}
