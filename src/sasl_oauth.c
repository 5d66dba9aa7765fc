/*
 * sasl_oauth.c - XOAUTH2 and OAUTHBEARER (RFC 7628) initial responses and
 * the servers' JSON errors.
 *
 * The token is the account's password.  It only exists in clear inside
 * secret_lend(), in buffers that are wiped before they are freed; what
 * leaves is base64, which log_proto() hides like any AUTH payload.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsasl.h>

#include "log.h"
#include "sasl_oauth.h"

/* How much of a server's OAuth error is worth showing. */
#define SASL_OAUTH_ERROR_MAX 512

/* RFC 5801 saslname: ',' and '=' are escaped in the GS2 header. */
static char *
sasl_gs2_name(const char *user)
{
	char *out = xmalloc(strlen(user) * 3 + 1), *p = out;

	for (; *user != '\0'; user++) {
		if (*user == ',' || *user == '=') {
			p += snprintf(p, 4, "=%s", *user == ',' ? "2C" : "3D");
			continue;
		}
		*p++ = *user;
	}
	*p = '\0';
	return out;
}

struct sasl_oauth_build {
	const struct sasl_oauth_request *r;
	char *b64;
};

/* Runs inside secret_lend(): the token is the plaintext. */
static int
sasl_oauth_build(void *arg, const char *token)
{
	struct sasl_oauth_build *b = arg;
	const struct sasl_oauth_request *r = b->r;
	char *raw, *gs2, *out = NULL;
	size_t outlen;
	int rc;

	if (!r->oauthbearer) {
		raw = xasprintf("user=%s\001auth=Bearer %s\001\001", r->user,
		    token);
	} else {
		gs2 = sasl_gs2_name(r->user);
		raw = xasprintf("n,a=%s,\001host=%s\001port=%d\001"
		    "auth=Bearer %s\001\001", gs2, r->host != NULL ? r->host :
		    "", r->port, token);
		free(gs2);
	}
	rc = gsasl_base64_to(raw, strlen(raw), &out, &outlen);
	explicit_bzero(raw, strlen(raw));
	free(raw);
	if (rc != GSASL_OK)
		return -1;
	b->b64 = xstrdup(out);
	explicit_bzero(out, outlen);
	gsasl_free(out);
	return 0;
}

int
sasl_oauth_initial(const struct sasl_oauth_request *r, char **initial,
    struct failure *f)
{
	struct sasl_oauth_build b = { r, NULL };

	*initial = NULL;
	if (r->user == NULL || r->token == NULL) {
		failure_set(f, FAIL_AUTH, "AUTH %s needs a user and a token "
		    "(the password)", r->mech);
		return -1;
	}
	if (secret_lend(r->token, sasl_oauth_build, &b) < 0) {
		failure_set(f, FAIL_AUTH, "AUTH %s: cannot encode the initial "
		    "response", r->mech);
		return -1;
	}
	*initial = b.b64;
	return 0;
}

/* Decode the server's JSON error and make it one printable line. */
void
sasl_oauth_show(const char *mech, const char *challenge)
{
	char *raw = NULL, *p;
	size_t len = 0;

	if (challenge == NULL || gsasl_base64_from(challenge,
	    strlen(challenge), &raw, &len) != GSASL_OK || raw == NULL) {
		log_warn("AUTH %s: the server refused the token", mech);
		gsasl_free(raw);
		return;
	}
	for (p = raw; p < raw + len; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = ' ';
	log_warn("AUTH %s: the server refused the token: %.*s", mech,
	    (int)(len < SASL_OAUTH_ERROR_MAX ? len : SASL_OAUTH_ERROR_MAX),
	    raw);
	gsasl_free(raw);
}
