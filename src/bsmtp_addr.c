/*
 * bsmtp_addr.c - the arguments of MAIL FROM and RCPT TO in "postie -bs":
 * the path and the ESMTP parameters.
 *
 * Lenient where sendmail is (a bare address without angle brackets,
 * blanks after the colon, a source route), strict where a relay must
 * be: printable ASCII only, balanced quotes and brackets, RFC 5321's
 * length limit.
 */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bsmtp_addr.h"
#include "util.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
#define BSMTP_PATH_MAX 256

/* Parameters: the rest after the path, one or more "KEY[=VALUE]". */
struct bsmtp_param {
	const char *key;
	size_t klen;
	const char *val;	/* NULL when there is no "=" */
	size_t vlen;
};

/* The next parameter from *p; 0 at the end. */
static int
bsmtp_next_param(const char **p, struct bsmtp_param *pm)
{
	const char *s = *p, *eq, *end;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	end = s + strcspn(s, " ");
	eq = memchr(s, '=', (size_t)(end - s));
	pm->key = s;
	pm->klen = (size_t)((eq != NULL ? eq : end) - s);
	pm->val = eq != NULL ? eq + 1 : NULL;
	pm->vlen = eq != NULL ? (size_t)(end - eq - 1) : 0;
	*p = end;
	return 1;
}

static int
bsmtp_param_is(const struct bsmtp_param *pm, const char *key)
{
	return pm->klen == strlen(key) &&
	    strncasecmp(pm->key, key, pm->klen) == 0;
}

static int
bsmtp_value_is(const struct bsmtp_param *pm, const char *v)
{
	return pm->val != NULL && pm->vlen == strlen(v) &&
	    strncasecmp(pm->val, v, pm->vlen) == 0;
}

/*
 * The address inside "<...>" (a source route "@a,@b:" dropped), or a
 * bare address up to the first space as sendmail takes it.  *rest is
 * what follows.  NULL on a malformed path.
 */
static char *
bsmtp_path(const char *s, const char **rest)
{
	const char *p, *start;
	int quoted = 0, angle = *s == '<';

	p = start = s + angle;
	if (angle && *p == '@' && (p = strchr(p, ':')) != NULL)
		start = ++p;
	for (; p != NULL && *p != '\0'; p++) {
		if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ' ' || *p == '<' || *p == '>'))
			break;
	}
	if (p == NULL || quoted || (angle && *p != '>') ||
	    (!angle && (p == s || (*p != '\0' && *p != ' '))))
		return NULL;
	*rest = p + angle;
	if (**rest != '\0' && **rest != ' ')
		return NULL;
	return xstrndup(start, (size_t)(p - start));
}

/* 0 if addr may be relayed; else -1 and a reply in *why. */
static int
bsmtp_addr_ok(const char *addr, const char **why)
{
	const unsigned char *p;

	if (strlen(addr) > BSMTP_PATH_MAX) {
		*why = "501 5.1.3 Bad address syntax: address too long";
		return -1;
	}
	for (p = (const unsigned char *)addr; *p != '\0'; p++) {
		if (*p >= 0x80) {
			*why = "553 5.6.7 Address is not ASCII (SMTPUTF8 "
			    "is not offered)";
			return -1;
		}
		if (*p < 0x20 || *p == 0x7f) {
			*why = "501 5.1.3 Bad address syntax";
			return -1;
		}
	}
	return 0;
}

/*
 * "FROM:<addr> params" after the verb: the address, checked, and the
 * parameters in *rest.  NULL with the reply in *why.
 */
char *
bsmtp_addr_parse(const char *arg, const char *kw, const char **rest,
    const char **why)
{
	size_t n = strlen(kw);
	char *addr;

	if (strncasecmp(arg, kw, n) != 0) {
		*why = NULL;
		return NULL;
	}
	for (arg += n; *arg == ' '; arg++)
		continue;
	if ((addr = bsmtp_path(arg, rest)) == NULL) {
		*why = "501 5.1.7 Bad address syntax";
		return NULL;
	}
	if (bsmtp_addr_ok(addr, why) < 0) {
		free(addr);
		return NULL;
	}
	return addr;
}

/* MAIL FROM parameters: SIZE and BODY as advertised, nothing else. */
const char *
bsmtp_addr_mail_params(const char *rest)
{
	struct bsmtp_param pm;
	size_t i;

	while (bsmtp_next_param(&rest, &pm)) {
		if (bsmtp_param_is(&pm, "BODY")) {
			if (!bsmtp_value_is(&pm, "7BIT") &&
			    !bsmtp_value_is(&pm, "8BITMIME"))
				return "501 5.5.4 Bad BODY parameter";
			continue;
		}
		if (!bsmtp_param_is(&pm, "SIZE"))
			return "555 5.5.4 Unsupported option in MAIL FROM";
		if (pm.val == NULL || pm.vlen == 0 || pm.vlen > 19)
			return "501 5.5.4 Bad SIZE parameter";
		for (i = 0; i < pm.vlen; i++)
			if (!isdigit((unsigned char)pm.val[i]))
				return "501 5.5.4 Bad SIZE parameter";
	}
	return NULL;
}

int
bsmtp_addr_has_params(const char *rest)
{
	struct bsmtp_param pm;

	return bsmtp_next_param(&rest, &pm);
}
