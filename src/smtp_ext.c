/*
 * smtp_ext.c - ESMTP extensions: the EHLO keywords postie understands and
 * the MAIL and RCPT parameters they allow.  Each parameter is added only
 * when the server advertised its extension, so a server that lacks one
 * never sees a parameter it would refuse (RFC 5321 4.1.1.11).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_ext.h"

#define SASL_MECH_MAX 20	/* RFC 4422 */
#define MECH_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
	"0123456789-_"

void
smtp_ext_caps_reset(struct smtp_caps *c)
{
	free(c->auth);
	memset(c, 0, sizeof(*c));
}

/* Merge a list of mechanisms into c->auth: upper case, no duplicates. */
static void
caps_auth(struct smtp_caps *c, const char *p)
{
	char m[SASL_MECH_MAX + 3], *old;
	size_t len, i;

	for (; *(p += strspn(p, " \t")) != '\0'; p += len) {
		len = strcspn(p, " \t");
		if (len > SASL_MECH_MAX || strspn(p, MECH_CHARS) < len)
			continue;
		m[0] = ' ';
		for (i = 0; i < len; i++)
			m[i + 1] = p[i] >= 'a' && p[i] <= 'z' ?
			    p[i] - 'a' + 'A' : p[i];
		m[len + 1] = ' ';
		m[len + 2] = '\0';
		/* c->auth is kept with a space at both ends until done. */
		if (c->auth != NULL && strstr(c->auth, m) != NULL)
			continue;
		old = c->auth;
		c->auth = xasprintf("%s%s", old ? old : " ", m + 1);
		free(old);
	}
}

static const struct {
	const char *name;
	size_t off;
} cap_flags[] = {
	{ "PIPELINING", offsetof(struct smtp_caps, pipelining) },
	{ "STARTTLS", offsetof(struct smtp_caps, starttls) },
	{ "8BITMIME", offsetof(struct smtp_caps, eightbitmime) },
	{ "SMTPUTF8", offsetof(struct smtp_caps, smtputf8) },
	{ "CHUNKING", offsetof(struct smtp_caps, chunking) },
	{ "DSN", offsetof(struct smtp_caps, dsn) },
	{ "ENHANCEDSTATUSCODES",
	    offsetof(struct smtp_caps, enhancedstatuscodes) },
	{ "REQUIRETLS", offsetof(struct smtp_caps, requiretls) },
	{ "ETRN", offsetof(struct smtp_caps, etrn) },
};

/* One EHLO line: a keyword, then its parameters. */
static void
caps_line(struct smtp_caps *c, const char *line)
{
	size_t len = strcspn(line, " \t"), i;
	long long v;
	char *end;

	for (i = 0; i < UTIL_ARRAY_LEN(cap_flags); i++)
		if (strlen(cap_flags[i].name) == len &&
		    strncasecmp(line, cap_flags[i].name, len) == 0)
			*(int *)(void *)((char *)c + cap_flags[i].off) = 1;
	/* "AUTH=LOGIN PLAIN" is the pre-standard form of the keyword. */
	if (len > 5 && strncasecmp(line, "AUTH=", 5) == 0) {
		caps_auth(c, line + 5);
	} else if (len == 4 && strncasecmp(line, "AUTH", 4) == 0) {
		caps_auth(c, line + 4);
	} else if (len == 4 && strncasecmp(line, "SIZE", 4) == 0) {
		/* RFC 1870: no number, or 0, means no fixed limit. */
		c->size = 1;
		v = strtoll(line + 4, &end, 10);
		if (v > 0 && (*end == '\0' || *end == ' '))
			c->size_max = v;
	}
}

void
smtp_ext_caps_parse(struct smtp_caps *c, const struct reply *r)
{
	size_t i, len;

	smtp_ext_caps_reset(c);
	c->esmtp = 1;
	for (i = 1; i < r->nlines; i++)
		caps_line(c, r->lines[i]);
	if (c->auth != NULL) {
		/* Drop the spaces that made the duplicate check simple. */
		len = strlen(c->auth);
		memmove(c->auth, c->auth + 1, len - 2);
		c->auth[len - 2] = '\0';
	}
}


char *
smtp_ext_xtext(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(strlen(s) * 3 + 1), *o = out;

	for (; *p != '\0'; p++) {
		if (*p < '!' || *p > '~' || *p == '+' || *p == '=')
			o += snprintf(o, 4, "+%02X", *p);
		else
			*o++ = (char)*p;
	}
	*o = '\0';
	return out;
}

/* Append " NAME=value" (value xtext-encoded when asked) to *buf. */
static void
param_add(char **buf, const char *name, const char *value, int xtext)
{
	char *v = xtext ? smtp_ext_xtext(value) : xstrdup(value), *old = *buf;

	*buf = xasprintf("%s %s%s%s", old, name, *v != '\0' ? "=" : "", v);
	free(old);
	free(v);
}

char *
smtp_ext_mail_params(const struct smtp_caps *c, const struct smtp_ext_mail *m)
{
	char *buf = xstrdup(""), size[32];

	if (c->size && m->size > 0) {
		snprintf(size, sizeof(size), "%lld", m->size);
		param_add(&buf, "SIZE", size, 0);
	}
	if (m->eightbit && c->eightbitmime)
		param_add(&buf, "BODY", "8BITMIME", 0);
	if (m->smtputf8 && c->smtputf8)
		param_add(&buf, "SMTPUTF8", "", 0);
	if (c->dsn && m->dsn_return != NULL)
		param_add(&buf, "RET", m->dsn_return, 0);
	if (c->dsn && m->envid != NULL)
		param_add(&buf, "ENVID", m->envid, 1);
	if (c->requiretls && m->requiretls)
		param_add(&buf, "REQUIRETLS", "", 0);
	return buf;
}

static int
is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

char *
smtp_ext_rcpt_params(const struct smtp_caps *c, const char *notify,
    const char *addr)
{
	char *buf = xstrdup(""), *orcpt;

	if (!c->dsn || notify == NULL)
		return buf;
	param_add(&buf, "NOTIFY", notify, 0);
	/* RFC 6533's utf-8-addr-xtext is left out: an ORCPT is optional. */
	if (is_ascii(addr)) {
		orcpt = xasprintf("rfc822;%s", addr);
		param_add(&buf, "ORCPT", orcpt, 1);
		free(orcpt);
	}
	return buf;
}
