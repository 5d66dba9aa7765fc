/*
 * probe.c - --serverinfo and --rmqs: one session without a message,
 * driven by session.c, and what the engine and TLS learnt on the way.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"

static void
probe_caps_copy(struct smtp_caps *dst, const struct smtp_caps *src)
{
	*dst = *src;
	dst->auth = src->auth != NULL ? xstrdup(src->auth) : NULL;
}

/* The greeting's lines joined by "\n", control characters dropped. */
static char *
probe_join(const struct reply *r)
{
	size_t i, len = 1;
	char *out, *p;
	const char *c;

	for (i = 0; i < r->nlines; i++)
		len += strlen(r->lines[i]) + 1;
	out = p = xmalloc(len);
	for (i = 0; i < r->nlines; i++) {
		if (i > 0)
			*p++ = '\n';
		for (c = r->lines[i]; *c != '\0'; c++)
			if ((unsigned char)*c >= 0x20 && *c != 0x7f)
				*p++ = *c;
	}
	*p = '\0';
	return out;
}

static void
probe_tls(struct probe *p, struct tls *tls)
{
	struct failure f;

	p->tls = 1;
	p->tls_summary = xstrdup(tls_summary(tls));
	if (tls_peer_info(tls, &p->cert, &f) == 0)
		p->have_cert = 1;
	else
		tls_cert_info_clear(&p->cert);
}

/* session_dialogue()'s callback: copy out before the session closes. */
static void
probe_collect(void *arg, const struct smtp *smtp, struct tls *tls)
{
	struct probe *p = arg;
	const struct smtp_caps *before;

	/* A summary exists only once the handshake has succeeded. */
	if (tls != NULL && *tls_summary(tls) != '\0')
		probe_tls(p, tls);
	if (smtp == NULL)
		return;
	if (smtp_greeting(smtp) != NULL)
		p->greeting = probe_join(smtp_greeting(smtp));
	probe_caps_copy(&p->caps, smtp_caps(smtp));
	p->esmtp = p->caps.esmtp;
	if ((before = smtp_caps_before_tls(smtp)) != NULL) {
		p->starttls = 1;
		probe_caps_copy(&p->before, before);
	}
}

int
probe_run(const struct account *acct, const char *etrn, struct probe *out)
{
	struct smtp_config cfg;
	struct account fresh = *acct;

	/* A resumed session shows the certificate stored with it, not the
	 * one the server presents now; the strings stay acct's. */
	fresh.tls_session_file = NULL;
	memset(out, 0, sizeof(*out));
	memset(&cfg, 0, sizeof(cfg));
	cfg.helo_domain = acct->domain;
	cfg.starttls = (acct->tls || acct->tls_opportunistic) &&
	    acct->tls_starttls;
	cfg.starttls_optional = acct->tls_opportunistic;
	/* Showing what is offered needs no login; ETRN may. */
	cfg.auth = etrn != NULL && acct->auth != ACCOUNT_AUTH_OFF;
	cfg.probe = etrn == NULL;
	cfg.etrn = etrn;
	if (session_dialogue(&fresh, &cfg, probe_collect, out,
	    &out->fail) == 0)
		return 0;
	/* Name the server once, unless the text already does. */
	if (strstr(out->fail.text, acct->host) == NULL)
		failure_prefix(&out->fail, "%s", acct->host);
	return -1;
}

void
probe_clear(struct probe *p)
{
	if (p == NULL)
		return;
	free(p->greeting);
	smtp_ext_caps_reset(&p->caps);
	smtp_ext_caps_reset(&p->before);
	free(p->tls_summary);
	tls_cert_info_clear(&p->cert);
	memset(p, 0, sizeof(*p));
}
