/*
 * run.c - one message through the pipeline: rc files -> account ->
 * message -> envelope -> session, or the queue, or the failover
 * accounts -> the log line.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "aliases.h"
#include "cli.h"
#include "conf.h"
#include "envelope.h"
#include "log.h"
#include "message.h"
#include "qrun.h"
#include "queue.h"
#include "result.h"
#include "run.h"
#include "session.h"

/* A missing file is normal unless the user named it with -C. */
static int
run_read_conf(const char *path, int must_exist, struct conf **out,
    struct failure *f)
{
	*out = NULL;
	if (conf_read(path, out, f) == 0)
		return 0;
	if (f->cls == FAIL_NOINPUT && conf_last_errno() == ENOENT &&
	    !must_exist) {
		failure_clear(f);
		return 0;
	}
	return -1;
}

static int
run_read_confs(struct run *r, struct failure *f)
{
	char *user_path;
	int rc;

	if (r->confs_read)
		return 0;
	if (run_read_conf(conf_system_path(), 0, &r->sys, f) < 0)
		return -1;
	user_path = r->cli->conf_file != NULL ? xstrdup(r->cli->conf_file) :
	    conf_user_path();
	rc = run_read_conf(user_path, r->cli->conf_file != NULL, &r->user,
	    f);
	free(user_path);
	r->confs_read = rc == 0;
	return rc;
}

/* -f, or the From address with --read-envelope-from; NULL if neither. */
static const char *
run_cli_from(const struct run *r)
{
	return r->hdr_from != NULL ? r->hdr_from : r->cli->from;
}

/* The account called name (NULL: by -f or "default"), with overrides. */
static int
run_resolve(struct run *r, const char *name, struct account **out,
    struct failure *f)
{
	const struct cli *cli = r->cli;
	struct account_request req;
	const char **keys, **values;
	size_t i;
	int rc;

	*out = NULL;
	memset(&req, 0, sizeof(req));
	/* msmtp: --host without -a uses the command line alone. */
	for (i = 0; i < cli->noverrides && name == NULL; i++)
		if (strcmp(cli->overrides[i].key, "host") == 0)
			req.host_only = cli->overrides[i].value[0] != '\0';
	if (!req.host_only && run_read_confs(r, f) < 0)
		return -1;
	keys = xcalloc(cli->noverrides + 1, sizeof(*keys));
	values = xcalloc(cli->noverrides + 1, sizeof(*values));
	for (i = 0; i < cli->noverrides; i++) {
		keys[i] = cli->overrides[i].key;
		values[i] = cli->overrides[i].value;
	}
	req.name = name;
	req.from = name == NULL ? run_cli_from(r) : NULL;
	req.override_keys = keys;
	req.override_values = values;
	req.noverrides = cli->noverrides;
	rc = account_resolve(r->sys, r->user, &req, out, f);
	free(keys);
	free(values);
	return rc;
}

int
run_load_account(struct run *r)
{
	return run_resolve(r, r->cli->account, &r->acct, &r->fail);
}

/* For a flush: the account named in a queued envelope. */
int
run_entry_account(void *arg, const char *name, struct account **out,
    struct failure *f)
{
	struct run *r = arg;

	/* "cmdline" is the account made of command-line options alone. */
	if (name != NULL && strcmp(name, "cmdline") == 0)
		name = NULL;
	return run_resolve(r, name, out, f);
}

/* The right-hand side for an added Message-ID: the sender's domain. */
static const char *
run_msgid_domain(const struct run *r, const char *from)
{
	const char *at = from != NULL ? strrchr(from, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : r->acct->domain;
}

/* The sender the command line asks for, unless the account forbids. */
static const char *
run_env_from(const struct run *r)
{
	return r->acct->allow_from_override ? run_cli_from(r) : NULL;
}

static enum message_hdr
run_hdr_mode(enum account_hdr h)
{
	return h == ACCOUNT_HDR_OFF ? MESSAGE_HDR_OFF : h == ACCOUNT_HDR_ON ?
	    MESSAGE_HDR_ON : MESSAGE_HDR_AUTO;
}

int
run_read_message(struct run *r)
{
	const struct account *a = r->acct;
	struct message_options opt;
	const char *from = run_env_from(r) != NULL ? run_env_from(r) :
	    a->from;

	memset(&opt, 0, sizeof(opt));
	opt.read_recipients = r->cli->read_recipients;
	opt.from_addr = from;
	/* -F wins over from_full_name. */
	opt.full_name = r->cli->full_name != NULL ? r->cli->full_name :
	    a->from_full_name;
	opt.msgid_domain = run_msgid_domain(r, from);
	opt.set_from = run_hdr_mode(a->set_from_header);
	opt.set_date = run_hdr_mode(a->set_date_header);
	opt.set_msgid = run_hdr_mode(a->set_msgid_header);
	opt.keep_bcc = !a->remove_bcc_headers;
	opt.undisclosed = a->undisclosed_recipients;
	opt.set_to = a->set_to_header == ACCOUNT_TO_ON;
	opt.to_rcpts = r->cli->rcpts;
	opt.nto_rcpts = r->cli->nrcpts;
	return message_read(r->msg_fd, &opt, &r->msg, &r->fail);
}

/*
 * --read-envelope-from: a first pass that changes nothing finds the From
 * address, which then chooses the account; the message is read again
 * from that pass's spool.
 */
static int
run_read_hdr_from(struct run *r)
{
	struct message_options opt;

	memset(&opt, 0, sizeof(opt));
	opt.set_from = opt.set_date = opt.set_msgid = MESSAGE_HDR_OFF;
	opt.keep_bcc = 1;
	if (message_read(r->msg_fd, &opt, &r->raw, &r->fail) < 0)
		return -1;
	if (r->raw->from == NULL) {
		failure_set(&r->fail, FAIL_DATA, "--read-envelope-from: the "
		    "message has no From header with an address");
		return -1;
	}
	r->hdr_from = xstrdup(r->raw->from);
	r->msg_fd = r->raw->fd;
	return 0;
}

int
run_build_envelope(struct run *r)
{
	struct envelope_request req;
	struct aliases *al = NULL;
	int rc;

	if (r->acct->aliases != NULL &&
	    aliases_load(r->acct->aliases, &al, &r->fail) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.from = run_env_from(r);
	req.rcpts = r->cli->rcpts;
	req.nrcpts = r->cli->nrcpts;
	req.envid = r->cli->envid;
	req.body_8bitmime = r->cli->body_8bitmime;
	req.aliases = al;
	rc = envelope_build(r->acct, &req, r->msg, &r->env, &r->fail);
	aliases_free(al);
	return rc;
}

void
run_log_line(const struct run *r, int status)
{
	struct qrun_logline l;

	memset(&l, 0, sizeof(l));
	l.acct = r->acct;
	l.env = r->env;
	l.msg = r->msg;
	l.rep = &r->rep;
	l.status = status;
	l.error = status != 0 ? r->fail.text : r->qreason;
	l.queued = r->qid[0] != '\0' ? r->qid : NULL;
	qrun_log_line(&l);
}

int
run_open_queue(struct run *r, const char *dir)
{
	if (r->queue != NULL)
		return 0;
	return queue_open(dir, &r->queue, &r->fail);
}

/* queue always, --enqueue: accepted once the entry is durable. */
static int
run_enqueue(struct run *r)
{
	if (run_open_queue(r, r->acct->queue_dir) < 0 ||
	    queue_commit(r->queue, r->env, r->msg, r->qid, &r->fail) < 0)
		return -1;
	log_debug("queued as %s in %s", r->qid, r->acct->queue_dir);
	r->spawn_flush = !r->cli->enqueue_only;
	return 0;
}

/* queue fallback: keep a message whose failure is temporary. */
static int
run_fallback(struct run *r)
{
	struct envelope *env = r->env;
	struct failure qf;

	/* The attempt just made counts: the next waits out the pause. */
	env->attempts = 1;
	env->last_error = xstrdup(r->rep.fail.text);
	env->next_try = (long long)time(NULL) + queue_backoff(
	    r->acct->queue_retry_first_s, r->acct->queue_retry_max_s, 1);
	if (run_open_queue(r, r->acct->queue_dir) < 0 ||
	    queue_commit(r->queue, r->env, r->msg, r->qid, &qf) < 0) {
		if (r->queue == NULL)
			qf = r->fail;
		r->fail = r->rep.fail;
		r->qid[0] = '\0';
		log_error("cannot queue the message: %s", qf.text);
		return -1;
	}
	r->qreason = xstrdup(r->rep.fail.text);
	failure_clear(&r->fail);
	log_info("queued as %s (%s)", r->qid, r->qreason);
	return 0;
}

/* failover: the next accounts; the one that delivers becomes r->acct. */
static int
run_failover(struct run *r)
{
	struct qrun_options opt;
	struct account *used;

	memset(&opt, 0, sizeof(opt));
	opt.account = run_entry_account;
	opt.arg = r;
	if (qrun_failover(&opt, r->acct, r->env, r->msg, &r->rep,
	    &used) < 0) {
		r->fail = r->rep.fail;
		return -1;
	}
	account_free(r->acct);
	r->acct = used;
	failure_clear(&r->fail);
	return 0;
}

int
run_send(struct run *r)
{
	if (r->cli->read_envelope_from && run_read_hdr_from(r) < 0)
		return -1;
	if (run_load_account(r) < 0 || run_read_message(r) < 0 ||
	    run_build_envelope(r) < 0)
		return -1;
	if (r->cli->enqueue_only || r->acct->queue == ACCOUNT_QUEUE_ALWAYS)
		return run_enqueue(r);
	if (session_deliver(r->acct, r->env, r->msg, &r->rep) < 0) {
		r->fail = r->rep.fail;
		qrun_mark_accepted(r->env, &r->rep);
		if (result_action(&r->fail) == RESULT_KEEP &&
		    r->acct->failover != NULL && run_failover(r) == 0)
			return 0;
		if (r->acct->queue == ACCOUNT_QUEUE_FALLBACK &&
		    result_action(&r->fail) == RESULT_KEEP)
			return run_fallback(r);
		return -1;
	}
	/* The server is up: what waits for it can go too, in the
	 * background (only this account's entries, see main_flush()). */
	r->spawn_flush = qrun_queue_nonempty(r->acct->queue_dir);
	return 0;
}

void
run_free(struct run *r)
{
	session_report_clear(&r->rep);
	queue_free(r->queue);
	free(r->qreason);
	envelope_free(r->env);
	message_free(r->msg);
	message_free(r->raw);
	free(r->hdr_from);
	account_free(r->acct);
	conf_free(r->user);
	conf_free(r->sys);
	cli_free(r->cli);
}
