/*
 * qrun.c - delivers, lists, removes and retries queue entries.
 *
 * A retry never resends to a recipient marked done: only the pending
 * recipients go into the envelope handed to the session, and those the
 * server accepted are marked done even when others were refused.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounce.h"
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

	if (l->acct == NULL || l->env == NULL ||
	    (l->acct->logfile == NULL && l->acct->syslog_facility == 0))
		return;
	memset(&rec, 0, sizeof(rec));
	rcpts = join_rcpts(l->env);
	rec.host = l->acct->host;
	rec.user = l->acct->user;
	rec.from = l->env->from;
	rec.recipients = rcpts;
	rec.mailsize = l->msg != NULL ? (long long)l->msg->size : 0;
	/* As msmtp: what the account asks for, or what really happened. */
	rec.tls = l->acct->tls || (rep != NULL && rep->tls);
	rec.auth = l->acct->auth != ACCOUNT_AUTH_OFF ||
	    (rep != NULL && rep->auth);
	if (rep != NULL && rep->last_reply != NULL) {
		/* "550 5.1.1": the enhanced status code when there is one. */
		rec.smtpstatus = rep->status;
		rec.smtpmsg = rep->last_reply;
	}
	rec.errormsg = l->error;
	rec.queued = l->queued;
	rec.exitcode = l->status;
	/* Another account than the message's own: failover delivered. */
	if (l->env->account != NULL && l->acct->name != NULL &&
	    strcmp(l->env->account, l->acct->name) != 0)
		rec.account = l->acct->name;
	if (l->acct->syslog_facility != 0)
		log_record_syslog(l->acct->syslog_facility, &rec);
	if (l->acct->logfile != NULL && log_record_write(l->acct->logfile,
	    l->acct->logfile_time_format, &rec) < 0) {
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

/*
 * Record a failed attempt; keep the entry or move it to failed/.  1 when
 * it went to failed/ (a bounce is due), else 0.
 */
static int
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
		return 0;
	}
	c->failed++;
	if (queue_entry_fail(q, e, &f) < 0) {
		log_error("%s", f.text);
		return 0;
	}
	log_error("queue entry %s moved to failed/: %s", e->id,
	    env->last_error);
	return 1;
}

/*
 * Tell the sender about a message given up on, through the same account
 * and connection.  A notification that cannot go now is queued; it has
 * the null sender, so it never causes a notification in turn.
 */
static void
qrun_bounce(struct queue *q, struct session *sess,
    const struct account *acct, const struct queue_entry *e,
    const struct session_report *rep)
{
	struct bounce_request req;
	struct session_report brep;
	struct envelope *benv;
	struct message *bmsg;
	struct failure f;
	char id[QUEUE_ID_SIZE];

	if (acct == NULL || !acct->queue_bounce || !bounce_wanted(e->env))
		return;
	memset(&req, 0, sizeof(req));
	req.env = e->env;
	req.msg = e->msg;
	req.id = e->id;
	req.mta = acct->domain;
	req.why = &rep->fail;
	req.reply = rep->last_reply;
	req.expired = result_action(&rep->fail) == RESULT_KEEP;
	if (bounce_make(&req, &benv, &bmsg, &f) < 0) {
		log_error("queue entry %s: %s", e->id, f.text);
		return;
	}
	if (session_send_message(sess, benv, bmsg, &brep) == 0)
		log_info("queue entry %s: notification sent to <%s>", e->id,
		    e->env->from);
	else if (result_action(&brep.fail) == RESULT_KEEP &&
	    queue_commit(q, benv, bmsg, id, &f) == 0)
		log_warn("queue entry %s: notification to <%s> queued as %s: "
		    "%s", e->id, e->env->from, id, brep.fail.text);
	else
		log_error("queue entry %s: no notification to <%s>: %s",
		    e->id, e->env->from, brep.fail.text);
	session_report_clear(&brep);
	envelope_free(benv);
	message_free(bmsg);
}

/* The due entries of one account (by the name in their envelopes). */
struct batch {
	char *account;			/* NULL: the default account */
	char **ids;
	size_t n;
};

/* What a batch shares: the account, once resolved, and its connection. */
struct run {
	struct queue *q;
	const struct qrun_options *opt;
	struct qrun_counts *c;
	struct account *acct;
	struct failure acct_fail;	/* why acct is NULL, once tried */
	int resolved;
	struct session *sess;
};

static int
run_account(struct run *r, const char *name)
{
	if (!r->resolved) {
		r->resolved = 1;
		failure_clear(&r->acct_fail);
		if (r->opt->account(r->opt->arg, name, &r->acct,
		    &r->acct_fail) == 0)
			r->sess = session_new(r->acct);
	}
	return r->acct != NULL ? 0 : -1;
}

/* The entry through the failover accounts; logged by the one used. */
static int
failover(struct run *r, struct queue_entry *e, struct session_report *rep)
{
	struct account *used;
	struct envelope sub;
	int rc;

	/* Those who took it already (partial delivery) are done. */
	pending(e->env, &sub);
	rc = qrun_failover(r->opt, r->acct, &sub, e->msg, rep, &used);
	free(sub.rcpts);
	if (rc < 0)
		return -1;
	log_attempt(used, e, rep, 0);
	account_free(used);
	return 0;
}

void
qrun_mark_accepted(struct envelope *env, const struct session_report *rep)
{
	size_t i, k = 0;

	for (i = 0; i < env->nrcpts && k < rep->naccepted; i++) {
		if (envelope_rcpt_done(env, i))
			continue;
		if (rep->accepted[k++])
			envelope_set_done(env, i);
	}
}

static void
attempt(struct run *r, struct queue_entry *e)
{
	struct session_report rep;
	struct envelope sub;
	int rc;

	memset(&rep, 0, sizeof(rep));
	if (run_account(r, e->env->account) < 0) {
		/* An rc file being edited must not lose queued mail. */
		deferred(r->q, e, NULL, &r->acct_fail, 1, r->c);
		return;
	}
	pending(e->env, &sub);
	rc = sub.nrcpts == 0 ? 0 : session_send_message(r->sess, &sub, e->msg,
	    &rep);
	if (rc < 0)
		qrun_mark_accepted(e->env, &rep);
	log_attempt(r->acct, e, &rep, rc == 0 ? 0 :
	    result_exit_status(&rep.fail));
	if (rc < 0 && result_action(&rep.fail) == RESULT_KEEP &&
	    r->acct->failover != NULL)
		rc = failover(r, e, &rep);
	if (rc == 0)
		delivered(r->q, e, r->c);
	else if (deferred(r->q, e, r->acct, &rep.fail,
	    result_action(&rep.fail) == RESULT_KEEP, r->c) == 1)
		qrun_bounce(r->q, r->sess, r->acct, e, &rep);
	free(sub.rcpts);
	session_report_clear(&rep);
}

static void
flush_one(struct run *r, const char *id)
{
	struct queue_entry *e;
	struct failure f;

	failure_clear(&f);
	switch (queue_entry_open(r->q, id, 1, &e, &f)) {
	case QUEUE_OK:
		break;
	case QUEUE_BUSY:
		r->c->busy++;
		return;
	case QUEUE_CORRUPT:
		r->c->corrupt++;
		return;
	case QUEUE_ERROR:
		log_error("%s", f.text);
		return;
	default:
		return;		/* delivered by another flush meanwhile */
	}
	if (e->env->next_try > (long long)time(NULL))
		r->c->waiting++;
	else
		attempt(r, e);
	queue_entry_free(e);
}

static int
same_name(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static void
batch_add(struct batch **b, size_t *nb, const char *account,
    const char *id)
{
	size_t i;

	for (i = 0; i < *nb && !same_name((*b)[i].account, account); i++)
		continue;
	if (i == *nb) {
		*b = xreallocarray(*b, *nb + 1, sizeof(**b));
		memset(&(*b)[i], 0, sizeof(**b));
		(*b)[i].account = account != NULL ? xstrdup(account) : NULL;
		(*nb)++;
	}
	(*b)[i].ids = xreallocarray((*b)[i].ids, (*b)[i].n + 1,
	    sizeof(char *));
	(*b)[i].ids[(*b)[i].n++] = xstrdup(id);
}

/*
 * Group the entries by account without locking them; an entry that does
 * not open here is still tried (locked) so that it is counted and, if
 * corrupt, moved aside.
 */
static void
batches(struct queue *q, char **ids, size_t n, struct batch **b,
    size_t *nb)
{
	struct queue_entry *e;
	struct failure f;
	size_t i;

	*b = NULL;
	*nb = 0;
	for (i = 0; i < n; i++) {
		if (queue_entry_open(q, ids[i], 0, &e, &f) != QUEUE_OK) {
			batch_add(b, nb, NULL, ids[i]);
			continue;
		}
		batch_add(b, nb, e->env->account, ids[i]);
		queue_entry_free(e);
	}
}

static void
batch_run(struct queue *q, const struct qrun_options *opt,
    struct batch *b, struct qrun_counts *c)
{
	struct failure f;
	struct run r;
	size_t i;

	memset(&r, 0, sizeof(r));
	r.q = q;
	r.opt = opt;
	r.c = c;
	for (i = 0; i < b->n; i++) {
		flush_one(&r, b->ids[i]);
		free(b->ids[i]);
	}
	if (queue_sync(q, &f) < 0)
		log_error("%s", f.text);
	session_free(r.sess);
	account_free(r.acct);
	free(b->ids);
	free(b->account);
}

int
qrun_flush(struct queue *q, const struct qrun_options *opt,
    struct qrun_counts *c, struct failure *f)
{
	struct batch *b;
	char **ids;
	size_t n, nb, i;

	memset(c, 0, sizeof(*c));
	if (queue_list(q, &ids, &n, f) < 0)
		return -1;
	batches(q, ids, n, &b, &nb);
	queue_list_free(ids, n);
	for (i = 0; i < nb; i++) {
		if (opt->only == NULL || same_name(b[i].account, opt->only)) {
			batch_run(q, opt, &b[i], c);
			continue;
		}
		queue_list_free(b[i].ids, b[i].n);
		free(b[i].account);
	}
	free(b);
	log_debug("flush of %s: %u delivered, %u deferred, %u failed, "
	    "%u not due, %u busy, %u corrupt", queue_path(q), c->delivered,
	    c->deferred, c->failed, c->waiting, c->busy, c->corrupt);
	return 0;
}

int
qrun_failover(const struct qrun_options *opt, const struct account *first,
    const struct envelope *env, const struct message *msg,
    struct session_report *rep, struct account **used)
{
	char *list = xstrdup(first->failover), *name, *end;
	struct account *alt;
	struct failure f;
	int rc = -1;

	*used = NULL;
	for (name = list; rc < 0 && result_action(&rep->fail) ==
	    RESULT_KEEP; name = end) {
		name += strspn(name, " \t,");
		if (*name == '\0')
			break;
		end = name + strcspn(name, " \t,");
		if (*end != '\0')
			*end++ = '\0';
		if (opt->account(opt->arg, name, &alt, &f) < 0) {
			log_warn("failover: %s", f.text);
			continue;
		}
		log_info("%s; trying account %s", rep->fail.text, name);
		session_report_clear(rep);
		if ((rc = session_deliver(alt, env, msg, rep)) == 0)
			*used = alt;
		else
			account_free(alt);
	}
	free(list);
	if (*used != NULL)
		log_info("delivered through account %s", (*used)->name);
	return rc;
}

int
qrun_queue_nonempty(const char *path)
{
	struct dirent *de;
	char *q = xasprintf("%s/q", path);
	DIR *d = opendir(q);
	int found = 0;

	free(q);
	if (d == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(d);
	return found;
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
	return rc == 0 ? queue_sync(q, f) : rc;
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
