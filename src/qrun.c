/*
 * qrun.c - delivers, lists, removes and retries queue entries.
 *
 * A retry never resends to a recipient marked done: only the pending
 * recipients go into the envelope handed to the session.  The session is
 * all-or-nothing for now, so either every pending recipient becomes done
 * (and the entry goes) or none does.  One duplicate window remains, as
 * in every SMTP client: the connection lost after the final dot and
 * before the server's reply leaves the entry queued though the server
 * may have taken the message.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "qrun.h"
#include "result.h"

static char *
join_rcpts(const struct envelope *env)
{
	size_t i, len = 1, at = 0;
	char *s;

	for (i = 0; i < env->nrcpts; i++)
		len += strlen(env->rcpts[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < env->nrcpts; i++)
		at += (size_t)snprintf(s + at, len - at, "%s%s",
		    i > 0 ? "," : "", env->rcpts[i]);
	return s;
}

void
qrun_log_line(const struct qrun_logline *l)
{
	struct log_record rec;
	char *rcpts, *line;
	const struct session_report *rep = l->rep;

	if (l->acct == NULL || l->acct->logfile == NULL || l->env == NULL)
		return;
	memset(&rec, 0, sizeof(rec));
	rcpts = join_rcpts(l->env);
	rec.host = l->acct->host;
	rec.user = l->acct->user;
	rec.from = l->env->from;
	rec.recipients = rcpts;
	rec.mailsize = l->msg != NULL ? (long long)l->msg->size : 0;
	rec.msgid = l->msg != NULL ? l->msg->msgid : NULL;
	if (rep != NULL) {
		rec.tls = rep->tls;
		rec.auth = rep->auth;
	}
	if (rep != NULL && rep->last_reply != NULL) {
		/* "550 5.1.1": the enhanced status code when there is one. */
		rec.smtpstatus = rep->status;
		rec.smtpmsg = rep->last_reply;
	}
	rec.errormsg = l->error;
	rec.queued = l->queued;
	rec.exitcode = l->status;
	if (log_record_write(l->acct->logfile, &rec) < 0) {
		line = log_record_format(&rec);
		log_error("cannot write logfile %s: %s; the line was: %s",
		    l->acct->logfile, strerror(errno), line);
		free(line);
	}
	free(rcpts);
}

/* The recipients still to do, in an envelope borrowing env's strings. */
static void
pending(const struct envelope *env, struct envelope *sub)
{
	size_t i;

	*sub = *env;
	sub->rcpts = xcalloc(env->nrcpts + 1, sizeof(*sub->rcpts));
	sub->nrcpts = 0;
	sub->done = NULL;
	for (i = 0; i < env->nrcpts; i++)
		if (!envelope_rcpt_done(env, i))
			sub->rcpts[sub->nrcpts++] = env->rcpts[i];
}

static void
log_attempt(const struct account *acct, const struct queue_entry *e,
    const struct session_report *rep, int status)
{
	struct qrun_logline l;

	memset(&l, 0, sizeof(l));
	l.acct = acct;
	l.env = e->env;
	l.msg = e->msg;
	l.rep = rep;
	l.status = status;
	l.error = status != 0 ? rep->fail.text : NULL;
	qrun_log_line(&l);
}

static void
delivered(struct queue *q, struct queue_entry *e, struct qrun_counts *c)
{
	struct failure f;
	size_t i;

	for (i = 0; i < e->env->nrcpts; i++)
		envelope_set_done(e->env, i);
	c->delivered++;
	if (queue_entry_remove(q, e, &f) == 0) {
		log_debug("queue entry %s delivered and removed", e->id);
		return;
	}
	/* Sent but still queued: record it so no retry resends it. */
	log_error("%s (entry %s was delivered)", f.text, e->id);
	if (queue_entry_update(q, e, &f) < 0)
		log_error("%s", f.text);
}

/* Record a failed attempt; keep the entry or move it to failed/. */
static void
deferred(struct queue *q, struct queue_entry *e, const struct account *acct,
    const struct failure *why, int keep, struct qrun_counts *c)
{
	struct envelope *env = e->env;
	long long now = (long long)time(NULL);
	long life = acct != NULL ? acct->queue_lifetime_s :
	    ACCOUNT_QUEUE_LIFETIME;
	struct failure f;

	env->attempts++;
	free(env->last_error);
	env->last_error = xstrdup(why->text);
	if (keep && now - env->created > life) {
		keep = 0;
		free(env->last_error);
		env->last_error = xasprintf("gave up after %lds: %s", life,
		    why->text);
	}
	env->next_try = now + queue_backoff(acct != NULL ?
	    acct->queue_retry_first_s : ACCOUNT_QUEUE_RETRY_FIRST,
	    acct != NULL ? acct->queue_retry_max_s : ACCOUNT_QUEUE_RETRY_MAX,
	    env->attempts);
	if (queue_entry_update(q, e, &f) < 0)
		log_error("%s", f.text);
	if (keep) {
		c->deferred++;
		log_warn("queue entry %s deferred: %s", e->id, why->text);
		return;
	}
	c->failed++;
	if (queue_entry_fail(q, e, &f) < 0)
		log_error("%s", f.text);
	else
		log_error("queue entry %s moved to failed/: %s", e->id,
		    env->last_error);
}

static void
attempt(struct queue *q, const struct qrun_options *opt,
    struct queue_entry *e, struct qrun_counts *c)
{
	struct account *acct = NULL;
	struct session_report rep;
	struct envelope sub;
	int rc;

	memset(&rep, 0, sizeof(rep));
	if (opt->account(opt->arg, e->env->account, &acct, &rep.fail) < 0) {
		/* An rc file being edited must not lose queued mail. */
		deferred(q, e, NULL, &rep.fail, 1, c);
		return;
	}
	pending(e->env, &sub);
	rc = sub.nrcpts == 0 ? 0 : session_deliver(acct, &sub, e->msg, &rep);
	free(sub.rcpts);
	log_attempt(acct, e, &rep, rc == 0 ? 0 :
	    result_exit_status(&rep.fail));
	if (rc == 0)
		delivered(q, e, c);
	else
		deferred(q, e, acct, &rep.fail,
		    result_action(&rep.fail) == RESULT_KEEP, c);
	session_report_clear(&rep);
	account_free(acct);
}

static void
flush_one(struct queue *q, const struct qrun_options *opt, const char *id,
    struct qrun_counts *c)
{
	struct queue_entry *e;
	struct failure f;

	failure_clear(&f);
	switch (queue_entry_open(q, id, 1, &e, &f)) {
	case QUEUE_OK:
		break;
	case QUEUE_BUSY:
		c->busy++;
		return;
	case QUEUE_CORRUPT:
		c->corrupt++;
		return;
	case QUEUE_ERROR:
		log_error("%s", f.text);
		return;
	default:
		return;		/* delivered by another flush meanwhile */
	}
	if (e->env->next_try > (long long)time(NULL))
		c->waiting++;
	else
		attempt(q, opt, e, c);
	queue_entry_free(e);
}

int
qrun_flush(struct queue *q, const struct qrun_options *opt,
    struct qrun_counts *c, struct failure *f)
{
	char **ids;
	size_t n, i;

	memset(c, 0, sizeof(*c));
	if (queue_list(q, &ids, &n, f) < 0)
		return -1;
	for (i = 0; i < n; i++)
		flush_one(q, opt, ids[i], c);
	queue_list_free(ids, n);
	log_debug("flush of %s: %u delivered, %u deferred, %u failed, "
	    "%u not due, %u busy, %u corrupt", queue_path(q), c->delivered,
	    c->deferred, c->failed, c->waiting, c->busy, c->corrupt);
	return 0;
}

/* "45s", "12m", "3h", "2d" */
static void
fmt_age(char *buf, size_t size, long long secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 120)
		snprintf(buf, size, "%llds", secs);
	else if (secs < 7200)
		snprintf(buf, size, "%lldm", secs / 60);
	else if (secs < 2 * 86400)
		snprintf(buf, size, "%lldh", secs / 3600);
	else
		snprintf(buf, size, "%lldd", secs / 86400);
}

static void
list_one(FILE *out, const struct queue_entry *e, long long now)
{
	const struct envelope *env = e->env;
	char age[32], wait[32];
	size_t i;

	fmt_age(age, sizeof(age), now - env->created);
	fprintf(out, "%s  age %s  size %lld  attempts %ld  from <%s>\n",
	    e->id, age, env->size, env->attempts, env->from);
	for (i = 0; i < env->nrcpts; i++)
		fprintf(out, "    to %s%s\n", env->rcpts[i],
		    envelope_rcpt_done(env, i) ? " (done)" : "");
	if (env->last_error != NULL)
		fprintf(out, "    last error: %s\n", env->last_error);
	if (env->next_try > now) {
		fmt_age(wait, sizeof(wait), env->next_try - now);
		fprintf(out, "    next attempt in %s\n", wait);
	}
}

int
qrun_list(struct queue *q, FILE *out, struct failure *f)
{
	struct queue_entry *e;
	struct failure ef;
	long long now = (long long)time(NULL);
	char **ids;
	size_t n, i, shown = 0;

	if (queue_list(q, &ids, &n, f) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		switch (queue_entry_open(q, ids[i], 0, &e, &ef)) {
		case QUEUE_OK:
			list_one(out, e, now);
			queue_entry_free(e);
			shown++;
			break;
		case QUEUE_CORRUPT:
		case QUEUE_ERROR:
			fprintf(out, "%s  unreadable: %s\n", ids[i], ef.text);
			shown++;
			break;
		default:
			break;
		}
	}
	queue_list_free(ids, n);
	if (shown == 0)
		fprintf(out, "Mail queue is empty\n");
	else
		fprintf(out, "-- %zu message%s in %s\n", shown,
		    shown == 1 ? "" : "s", queue_path(q));
	return 0;
}

int
qrun_remove(struct queue *q, const char *id, struct failure *f)
{
	struct queue_entry *e;
	int rc;

	if (queue_entry_open(q, id, 1, &e, f) != QUEUE_OK)
		return -1;
	rc = queue_entry_remove(q, e, f);
	queue_entry_free(e);
	return rc;
}

int
qrun_retry(struct queue *q, const char *id, struct failure *f)
{
	struct queue_entry *e;
	int rc;

	if (queue_entry_open(q, id, 1, &e, f) != QUEUE_OK)
		return -1;
	e->env->next_try = 0;
	rc = queue_entry_update(q, e, f);
	queue_entry_free(e);
	return rc;
}
