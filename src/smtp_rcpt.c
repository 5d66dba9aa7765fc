/*
 * smtp_rcpt.c - the engine's per-recipient outcomes: partial delivery,
 * where a refused recipient does not stop the message going to the
 * others, and LMTP (RFC 2033), where each accepted recipient gets its own
 * final reply after the message.  A refusal is kept per recipient for the
 * driver to report, and the worst one (5xx before 4xx, then the first)
 * becomes the session's failure, so that result.c decides the status of
 * a partial delivery as it would for a whole one.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "smtp.h"
#include "smtp_int.h"

/* Room left in a failure line for the reply after the address list. */
#define REFUSED_LIST_MAX 300

static int
code_class(int code)
{
	return code / 100;
}

void
smtp_rcpt_free(struct smtp *s)
{
	size_t i;

	if (s->rcpt_err != NULL)
		for (i = 0; i < s->rcpt_nerr; i++)
			free(s->rcpt_err[i]);
	free(s->rcpt_err);
	free(s->final_codes);
	reply_free(s->refusal);
	s->rcpt_err = NULL;
	s->final_codes = NULL;
	s->refusal = NULL;
}

/* For a new transaction: forget the last one's outcomes. */
void
smtp_rcpt_init(struct smtp *s)
{
	size_t n = s->cfg->nrcpts ? s->cfg->nrcpts : 1;

	smtp_rcpt_free(s);
	s->rcpt_nerr = n;
	s->rcpt_err = xcalloc(n, sizeof(*s->rcpt_err));
	s->final_codes = xcalloc(n, sizeof(*s->final_codes));
	s->delivered = 0;
	s->final_next = 0;
	s->refusal_stage = STAGE_NONE;
}

/*
 * With several recipients all-or-nothing must see every RCPT reply before
 * the message goes; one recipient, or partial delivery, has no reason to
 * wait (a refused RCPT makes the server refuse the DATA or BDAT too).
 */
int
smtp_rcpt_data_pipelined(const struct smtp *s)
{
	return s->caps.pipelining && (s->cfg->nrcpts == 1 || s->cfg->partial);
}

/* Keep why recipient i was refused; the worst refusal sets the status. */
static void
rcpt_refused(struct smtp *s, size_t i, const struct reply *r,
    enum smtp_stage stage)
{
	char *sum = reply_summary(r);

	free(s->rcpt_err[i]);
	s->rcpt_err[i] = xasprintf("recipient <%s> refused: %s", s->rcpts[i],
	    sum);
	free(sum);
	if (s->refusal != NULL && !(reply_class(r) == 5 &&
	    reply_class(s->refusal) == 4))
		return;
	reply_free(s->refusal);
	s->refusal = reply_dup(r);
	s->refusal_stage = stage;
}

int
smtp_rcpt_reply(struct smtp *s, const struct reply *r)
{
	size_t i = s->rcpt;

	s->rcpt_codes[i] = r->code;
	if (s->cfg->partial && !s->failed && reply_class(r) >= 4) {
		rcpt_refused(s, i, r, STAGE_RCPT);
		return 1;
	}
	/* All or nothing: after any refusal DATA is never sent. */
	return smtp_reply_ok(s, r, 2, s->rcpts[i]) && !s->failed;
}

static size_t
rcpt_count(const struct smtp *s, int final)
{
	size_t i, n = 0;

	for (i = 0; i < s->cfg->nrcpts; i++)
		if (code_class(s->rcpt_codes[i]) == 2 && (!final ||
		    code_class(s->final_codes[i]) == 2))
			n++;
	return n;
}

/* The refused addresses, "<a> <b>", cut short to fit a failure line. */
static char *
refused_list(const struct smtp *s)
{
	char *list = xstrdup(""), *old;
	size_t i;

	for (i = 0; i < s->cfg->nrcpts; i++) {
		if (s->rcpt_err[i] == NULL)
			continue;
		if (strlen(list) + strlen(s->rcpts[i]) > REFUSED_LIST_MAX) {
			old = list;
			list = xasprintf("%s ...", old);
			free(old);
			break;
		}
		old = list;
		list = xasprintf("%s%s<%s>", old, *old ? " " : "", s->rcpts[i]);
		free(old);
	}
	return list;
}

/* Record the worst refusal as the failure; the log line gets the text. */
static void
refusal_fail(struct smtp *s, size_t accepted)
{
	size_t n = s->cfg->nrcpts;
	char *list = refused_list(s);

	if (accepted == 0)
		smtp_fail_record(s, FAIL_SMTP, s->refusal_stage, s->refusal,
		    "message refused for every recipient (%s)", list);
	else
		smtp_fail_record(s, FAIL_SMTP, s->refusal_stage, s->refusal,
		    "message refused for %zu of %zu recipients (%s)",
		    n - accepted, n, list);
	free(list);
}

void
smtp_rcpt_all_replied(struct smtp *s)
{
	if (rcpt_count(s, 0) == 0)
		refusal_fail(s, 0);
	else if (!smtp_rcpt_data_pipelined(s))
		smtp_data_send(s);
}

int
smtp_rcpt_finish(struct smtp *s)
{
	s->delivered = 1;
	if (s->refusal == NULL)
		return 1;
	refusal_fail(s, rcpt_count(s, 0));
	return 0;
}

/* The next recipient from i on that owes a final reply, or nrcpts. */
static size_t
lmtp_next(const struct smtp *s, size_t i)
{
	while (i < s->cfg->nrcpts && code_class(s->rcpt_codes[i]) != 2)
		i++;
	return i;
}

int
smtp_rcpt_lmtp_final(struct smtp *s, enum smtp_state st,
    const struct reply *r)
{
	size_t i = lmtp_next(s, s->final_next);

	if (reply_class(r) != 2 && reply_class(r) < 4) {
		smtp_reply_ok(s, r, 2, NULL);
		return 0;
	}
	if (i < s->cfg->nrcpts) {
		s->final_codes[i] = r->code;
		if (reply_class(r) != 2)
			rcpt_refused(s, i, r, STAGE_BODY);
		s->final_next = i + 1;
	}
	if (lmtp_next(s, s->final_next) < s->cfg->nrcpts) {
		smtp_expect_push(s, st, 0);
		smtp_queue_reads(s);
		return 0;
	}
	s->in_tx = 0;
	s->delivered = rcpt_count(s, 1) > 0;
	if (s->refusal == NULL)
		return 1;
	refusal_fail(s, rcpt_count(s, 1));
	return 0;
}

int
smtp_rcpt_accepted(const struct smtp *s, size_t i)
{
	if (i >= s->cfg->nrcpts || code_class(s->rcpt_codes[i]) != 2)
		return 0;
	/* LMTP: each final reply counts, even if the link broke later. */
	if (s->cfg->lmtp)
		return code_class(s->final_codes[i]) == 2;
	return s->delivered;
}

const char *
smtp_rcpt_error(const struct smtp *s, size_t i)
{
	return i < s->cfg->nrcpts && i < s->rcpt_nerr ? s->rcpt_err[i] :
	    NULL;
}
