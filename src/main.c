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
#include "cli.h"
#include "conf.h"
#include "envelope.h"
#include "log.h"
#include "message.h"
#include "qrun.h"
#include "queue.h"
#include "result.h"
#include "session.h"

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
	if (main_read_confs(r, f) < 0)
		return -1;
	keys = xcalloc(cli->noverrides + 1, sizeof(*keys));
	values = xcalloc(cli->noverrides + 1, sizeof(*values));
	for (i = 0; i < cli->noverrides; i++) {
		keys[i] = cli->overrides[i].key;
		values[i] = cli->overrides[i].value;
	}
	memset(&req, 0, sizeof(req));
	req.name = name;
	req.from = name == NULL ? cli->from : NULL;
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

static int
main_read_message(struct run *r)
{
	struct message_options opt;
	const char *from = r->cli->from != NULL ? r->cli->from :
	    r->acct->from;

	memset(&opt, 0, sizeof(opt));
	opt.read_recipients = r->cli->read_recipients;
	opt.from_addr = from;
	opt.full_name = r->cli->full_name;
	opt.msgid_domain = main_msgid_domain(r, from);
	return message_read(STDIN_FILENO, &opt, &r->msg, &r->fail);
}

static int
main_build_envelope(struct run *r)
{
	struct envelope_request req;

	memset(&req, 0, sizeof(req));
	req.from = r->cli->from;
	req.rcpts = r->cli->rcpts;
	req.nrcpts = r->cli->nrcpts;
	req.envid = r->cli->envid;
	return envelope_build(r->acct, &req, r->msg, &r->env, &r->fail);
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

static int
main_send(struct run *r)
{
	if (main_load_account(r) < 0 || main_read_message(r) < 0 ||
	    main_build_envelope(r) < 0)
		return -1;
	if (r->cli->enqueue_only || r->acct->queue == ACCOUNT_QUEUE_ALWAYS)
		return main_enqueue(r);
	if (session_deliver(r->acct, r->env, r->msg, &r->rep) < 0) {
		r->fail = r->rep.fail;
		if (r->acct->queue == ACCOUNT_QUEUE_FALLBACK &&
		    result_action(&r->fail) == RESULT_KEEP)
			return main_fallback(r);
		return -1;
	}
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
	account_free(r->acct);
	conf_free(r->user);
	conf_free(r->sys);
	cli_free(r->cli);
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
