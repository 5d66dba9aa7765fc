/*
 * main.c - run the pipeline: argv and rc files -> account -> message ->
 * envelope -> session -> result -> log line and exit status.
 *
 * Only this file exits, and only with the status result.c chose.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "aliases.h"
#include "bsrun.h"
#include "cli.h"
#include "conf.h"
#include "envelope.h"
#include "info.h"
#include "log.h"
#include "message.h"
#include "probe.h"
#include "qrun.h"
#include "queue.h"
#include "result.h"
#include "session.h"
#include "srv.h"

struct run {
	struct cli *cli;
	struct conf *sys;
	struct conf *user;
	struct account *acct;
	struct message *msg;
	struct envelope *env;
	struct session_report rep;
	struct failure fail;
	int confs_read;
	struct queue *queue;
	char qid[QUEUE_ID_SIZE];	/* set when the message was queued */
	char *qreason;			/* why it was queued, or NULL */
	int spawn_flush;		/* queue always: flush in background */
	int msg_fd;			/* the message: stdin, or -bs's file */
	struct message *raw;		/* --read-envelope-from: first pass */
	char *hdr_from;			/* its From address */
};

/* A missing file is normal unless the user named it with -C. */
static int
main_read_conf(const char *path, int must_exist, struct conf **out,
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
main_read_confs(struct run *r, struct failure *f)
{
	char *user_path;
	int rc;

	if (r->confs_read)
		return 0;
	if (main_read_conf(conf_system_path(), 0, &r->sys, f) < 0)
		return -1;
	user_path = r->cli->conf_file != NULL ? xstrdup(r->cli->conf_file) :
	    conf_user_path();
	rc = main_read_conf(user_path, r->cli->conf_file != NULL, &r->user,
	    f);
	free(user_path);
	r->confs_read = rc == 0;
	return rc;
}

/* -f, or the From address with --read-envelope-from; NULL if neither. */
static const char *
main_cli_from(const struct run *r)
{
	return r->hdr_from != NULL ? r->hdr_from : r->cli->from;
}

/* The account called name (NULL: by -f or "default"), with overrides. */
static int
main_resolve(struct run *r, const char *name, struct account **out,
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
	if (!req.host_only && main_read_confs(r, f) < 0)
		return -1;
	keys = xcalloc(cli->noverrides + 1, sizeof(*keys));
	values = xcalloc(cli->noverrides + 1, sizeof(*values));
	for (i = 0; i < cli->noverrides; i++) {
		keys[i] = cli->overrides[i].key;
		values[i] = cli->overrides[i].value;
	}
	req.name = name;
	req.from = name == NULL ? main_cli_from(r) : NULL;
	req.override_keys = keys;
	req.override_values = values;
	req.noverrides = cli->noverrides;
	rc = account_resolve(r->sys, r->user, &req, out, f);
	free(keys);
	free(values);
	return rc;
}

static int
main_load_account(struct run *r)
{
	return main_resolve(r, r->cli->account, &r->acct, &r->fail);
}

/* For a flush: the account named in a queued envelope. */
static int
main_entry_account(void *arg, const char *name, struct account **out,
    struct failure *f)
{
	struct run *r = arg;

	/* "cmdline" is the account made of command-line options alone. */
	if (name != NULL && strcmp(name, "cmdline") == 0)
		name = NULL;
	return main_resolve(r, name, out, f);
}

/* The right-hand side for an added Message-ID: the sender's domain. */
static const char *
main_msgid_domain(const struct run *r, const char *from)
{
	const char *at = from != NULL ? strrchr(from, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : r->acct->domain;
}

/* The sender the command line asks for, unless the account forbids. */
static const char *
main_env_from(const struct run *r)
{
	return r->acct->allow_from_override ? main_cli_from(r) : NULL;
}

static enum message_hdr
main_hdr_mode(enum account_hdr h)
{
	return h == ACCOUNT_HDR_OFF ? MESSAGE_HDR_OFF : h == ACCOUNT_HDR_ON ?
	    MESSAGE_HDR_ON : MESSAGE_HDR_AUTO;
}

static int
main_read_message(struct run *r)
{
	const struct account *a = r->acct;
	struct message_options opt;
	const char *from = main_env_from(r) != NULL ? main_env_from(r) :
	    a->from;

	memset(&opt, 0, sizeof(opt));
	opt.read_recipients = r->cli->read_recipients;
	opt.from_addr = from;
	opt.full_name = r->cli->full_name;
	opt.msgid_domain = main_msgid_domain(r, from);
	opt.set_from = main_hdr_mode(a->set_from_header);
	opt.set_date = main_hdr_mode(a->set_date_header);
	opt.set_msgid = main_hdr_mode(a->set_msgid_header);
	opt.keep_bcc = !a->remove_bcc_headers;
	opt.undisclosed = a->undisclosed_recipients;
	return message_read(r->msg_fd, &opt, &r->msg, &r->fail);
}

/*
 * --read-envelope-from: a first pass that changes nothing finds the From
 * address, which then chooses the account; the message is read again
 * from that pass's spool.
 */
static int
main_read_hdr_from(struct run *r)
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

static int
main_build_envelope(struct run *r)
{
	struct envelope_request req;
	struct aliases *al = NULL;
	int rc;

	if (r->acct->aliases != NULL &&
	    aliases_load(r->acct->aliases, &al, &r->fail) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.from = main_env_from(r);
	req.rcpts = r->cli->rcpts;
	req.nrcpts = r->cli->nrcpts;
	req.envid = r->cli->envid;
	req.aliases = al;
	rc = envelope_build(r->acct, &req, r->msg, &r->env, &r->fail);
	aliases_free(al);
	return rc;
}

static void
main_log_line(const struct run *r, int status)
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

static int
main_open_queue(struct run *r, const char *dir)
{
	if (r->queue != NULL)
		return 0;
	return queue_open(dir, &r->queue, &r->fail);
}

/* queue always, --enqueue: accepted once the entry is durable. */
static int
main_enqueue(struct run *r)
{
	if (main_open_queue(r, r->acct->queue_dir) < 0 ||
	    queue_commit(r->queue, r->env, r->msg, r->qid, &r->fail) < 0)
		return -1;
	log_debug("queued as %s in %s", r->qid, r->acct->queue_dir);
	r->spawn_flush = !r->cli->enqueue_only;
	return 0;
}

/* queue fallback: keep a message whose failure is temporary. */
static int
main_fallback(struct run *r)
{
	struct envelope *env = r->env;
	struct failure qf;

	/* The attempt just made counts: the next waits out the pause. */
	env->attempts = 1;
	env->last_error = xstrdup(r->rep.fail.text);
	env->next_try = (long long)time(NULL) + queue_backoff(
	    r->acct->queue_retry_first_s, r->acct->queue_retry_max_s, 1);
	if (main_open_queue(r, r->acct->queue_dir) < 0 ||
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
main_failover(struct run *r)
{
	struct qrun_options opt;
	struct account *used;

	memset(&opt, 0, sizeof(opt));
	opt.account = main_entry_account;
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

static int
main_send(struct run *r)
{
	if (r->cli->read_envelope_from && main_read_hdr_from(r) < 0)
		return -1;
	if (main_load_account(r) < 0 || main_read_message(r) < 0 ||
	    main_build_envelope(r) < 0)
		return -1;
	if (r->cli->enqueue_only || r->acct->queue == ACCOUNT_QUEUE_ALWAYS)
		return main_enqueue(r);
	if (session_deliver(r->acct, r->env, r->msg, &r->rep) < 0) {
		r->fail = r->rep.fail;
		qrun_mark_accepted(r->env, &r->rep);
		if (result_action(&r->fail) == RESULT_KEEP &&
		    r->acct->failover != NULL && main_failover(r) == 0)
			return 0;
		if (r->acct->queue == ACCOUNT_QUEUE_FALLBACK &&
		    result_action(&r->fail) == RESULT_KEEP)
			return main_fallback(r);
		return -1;
	}
	/* The server is up: what waits for it can go too, in the
	 * background (only this account's entries, see main_flush). */
	r->spawn_flush = qrun_queue_nonempty(r->acct->queue_dir);
	return 0;
}

static int
main_flush(struct run *r)
{
	struct qrun_options opt;
	struct qrun_counts c;

	memset(&opt, 0, sizeof(opt));
	opt.account = main_entry_account;
	opt.arg = r;
	/* A background flush after a message is its account's only. */
	if (r->cli->mode == CLI_MODE_SEND && r->env != NULL)
		opt.only = r->env->account;
	return qrun_flush(r->queue, &opt, &c, &r->fail);
}

/* The background child's flush of the queue the message went to. */
static int
main_queue_open_flush(struct run *r)
{
	if (main_open_queue(r, r->acct->queue_dir) < 0)
		return -1;
	return main_flush(r);
}

/* -q, -bp, --queue-remove, --queue-retry */
static int
main_queue_cmd(struct run *r)
{
	char *dir;
	int rc;

	if (main_load_account(r) == 0) {
		rc = main_open_queue(r, r->acct->queue_dir);
	} else if (r->cli->mode == CLI_MODE_LIST && r->cli->account == NULL &&
	    r->confs_read) {
		/* Listing needs no account: use the default place. */
		log_debug("%s; listing the default queue", r->fail.text);
		failure_clear(&r->fail);
		dir = account_queue_dir_default();
		rc = main_open_queue(r, dir);
		free(dir);
	} else {
		return -1;
	}
	if (rc < 0)
		return -1;
	switch (r->cli->mode) {
	case CLI_MODE_FLUSH:
		return main_flush(r);
	case CLI_MODE_LIST:
		return qrun_list(r->queue, stdout, &r->fail);
	case CLI_MODE_QUEUE_REMOVE:
		return qrun_remove(r->queue, r->cli->queue_id, &r->fail);
	default:
		return qrun_retry(r->queue, r->cli->queue_id, &r->fail);
	}
}

/* -P: the account and the envelope; stdin is read only for -t. */
static int
main_pretend(struct run *r)
{
	info_print_account(stdout, r->acct);
	if (r->cli->read_recipients && main_read_message(r) < 0)
		return -1;
	if ((r->cli->nrcpts > 0 || r->msg != NULL) &&
	    main_build_envelope(r) < 0)
		return -1;
	info_print_envelope(stdout, r->env, r->cli->read_recipients);
	return 0;
}

/* -S, --rmqs: whatever was learnt is shown, even after a failure. */
static int
main_probe(struct run *r)
{
	struct probe p;
	int rmqs = r->cli->mode == CLI_MODE_RMQS;
	int rc = probe_run(r->acct, rmqs ? r->cli->mode_arg : NULL, &p);

	if (!rmqs && p.greeting != NULL)
		info_print_server(stdout, r->acct, &p);
	if (rc < 0)
		r->fail = p.fail;
	probe_clear(&p);
	return rc;
}

static int
main_configure(struct run *r)
{
	struct srv_result res;
	char *path;

	if (srv_lookup(r->cli->mode_arg, &res, &r->fail) < 0)
		return -1;
	path = r->cli->conf_file != NULL ? xstrdup(r->cli->conf_file) :
	    conf_user_path();
	srv_print_account(stdout, r->cli->mode_arg, &res, path);
	free(path);
	srv_result_clear(&res);
	return 0;
}

/* -P, -S, --rmqs, --configure: print, send no message. */
static int
main_info(struct run *r)
{
	if (r->cli->mode == CLI_MODE_CONFIGURE)
		return main_configure(r);
	if (main_load_account(r) < 0)
		return -1;
	if (r->cli->pretend)
		return main_pretend(r);
	return main_probe(r);
}

static int
main_is_info(const struct cli *cli)
{
	return cli->pretend || cli->mode == CLI_MODE_SERVERINFO ||
	    cli->mode == CLI_MODE_RMQS || cli->mode == CLI_MODE_CONFIGURE;
}

/* Every descriptor but 0-2 closed, those on /dev/null. */
static void
main_detach_fds(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
	}
	if (close_range(3, ~0U, 0) < 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
}

/*
 * queue always: a detached child flushes, so the caller need not wait
 * and the message still leaves without a cron job.  1 in the child.
 */
static int
main_spawn_flush(struct run *r)
{
	pid_t pid;

	queue_free(r->queue);
	r->queue = NULL;
	(void)fflush(NULL);
	if ((pid = fork()) < 0)
		log_warn("cannot start a background flush (%s); run "
		    "postie -q", strerror(errno));
	if (pid != 0)
		return 0;
	(void)setsid();
	main_detach_fds();
	message_free(r->msg);
	r->msg = NULL;
	return 1;
}

static void
main_free(struct run *r)
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

/*
 * -bs: one transaction's message, sent as if it had come on stdin with
 * MAIL FROM as -f and the RCPT TO addresses as arguments.  The rc files
 * are read once for the whole session.
 */
static void
main_bs_deliver(void *arg, const struct bsrun_txn *t, struct bsrun_done *d)
{
	struct run *top = arg, r;
	struct cli cli = *top->cli;

	memset(&r, 0, sizeof(r));
	if (!top->confs_read) {
		/* Read again from scratch after a failed attempt. */
		conf_free(top->sys);
		conf_free(top->user);
		top->sys = top->user = NULL;
	}
	cli.from = t->from;
	cli.rcpts = t->rcpts;
	cli.nrcpts = t->nrcpts;
	r.cli = &cli;
	r.sys = top->sys;
	r.user = top->user;
	r.confs_read = top->confs_read;
	r.msg_fd = t->fd;
	if (main_send(&r) < 0) {
		d->status = result_exit_status(&r.fail);
		d->fail = r.fail;
		log_error("%s", r.fail.text);
	}
	main_log_line(&r, d->status);
	(void)strlcpy(d->queued, r.qid, sizeof(d->queued));
	top->sys = r.sys;
	top->user = r.user;
	top->confs_read = r.confs_read;
	if (r.spawn_flush) {
		/* One background flush at the end, of the last queue. */
		account_free(top->acct);
		top->acct = r.acct;
		r.acct = NULL;
		top->spawn_flush = 1;
	}
	r.cli = NULL;
	r.sys = r.user = NULL;
	main_free(&r);
}

/* -bs: an SMTP session with the caller on stdin and stdout. */
static int
main_bs(struct run *r)
{
	struct bsrun_options opt;
	int status = EX_OK;

	if (r->cli->nrcpts > 0 || r->cli->read_recipients) {
		log_error("-bs takes the recipients from RCPT TO, not from "
		    "the command line");
		return EX_USAGE;
	}
	memset(&opt, 0, sizeof(opt));
	/* stdout is the client's: anything else printed there (logfile
	 * "-") goes to stderr instead of into the dialogue. */
	if ((opt.out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
		log_error("standard output: %s", strerror(errno));
		return EX_OSERR;
	}
	opt.in_fd = STDIN_FILENO;
	opt.timeout_ms = BSRUN_TIMEOUT_MS;
	opt.deliver = main_bs_deliver;
	opt.arg = r;
	if (bsrun_session(&opt, &status, &r->fail) < 0) {
		log_error("%s", r->fail.text);
		status = result_exit_status(&r->fail);
	}
	(void)close(opt.out_fd);
	if (r->spawn_flush && main_spawn_flush(r) == 1 &&
	    main_queue_open_flush(r) < 0)
		status = result_exit_status(&r->fail);
	return status;
}

int
main(int argc, char **argv)
{
	struct run r;
	int status;

	umask(077);
	/* A dropped connection must be an error return, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	memset(&r, 0, sizeof(r));
	if (cli_parse(argc, argv, &r.cli, &r.fail) < 0) {
		log_error("%s", r.fail.text);
		log_error("try 'postie --help' for more information");
		return EX_USAGE;
	}
	log_set_debug(r.cli->debug);
	if (r.cli->mode == CLI_MODE_VERSION || r.cli->mode == CLI_MODE_HELP) {
		if (r.cli->mode == CLI_MODE_VERSION)
			cli_print_version(stdout);
		else
			cli_print_help(stdout);
		cli_free(r.cli);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	status = EX_OK;
	if (main_is_info(r.cli)) {
		if (main_info(&r) < 0) {
			status = result_exit_status(&r.fail);
			log_error("%s", r.fail.text);
		} else if (fflush(stdout) != 0) {
			status = EX_IOERR;
		}
		main_free(&r);
		return status;
	}
	if (r.cli->mode == CLI_MODE_BSMTP) {
		status = main_bs(&r);
		main_free(&r);
		return status;
	}
	if (r.cli->mode != CLI_MODE_SEND) {
		if (main_queue_cmd(&r) < 0) {
			status = result_exit_status(&r.fail);
			log_error("%s", r.fail.text);
		}
		main_free(&r);
		return status;
	}
	if (main_send(&r) < 0) {
		status = result_exit_status(&r.fail);
		log_error("%s", r.fail.text);
	}
	main_log_line(&r, status);
	if (status == EX_OK && r.spawn_flush && main_spawn_flush(&r) == 1 &&
	    main_queue_open_flush(&r) < 0)
		status = result_exit_status(&r.fail);
	main_free(&r);
	return status;
}
