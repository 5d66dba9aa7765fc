/*
 * main.c - choose the mode and run it: a message through the pipeline
 * (run.c), -bs, the queue commands, the background flush, or a mode that
 * only prints; then the exit status.
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
#include <unistd.h>

#include "account.h"
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
#include "run.h"
#include "session.h"
#include "srv.h"

static int
main_flush(struct run *r)
{
	struct qrun_options opt;
	struct qrun_counts c;

	memset(&opt, 0, sizeof(opt));
	opt.account = run_entry_account;
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
	if (run_open_queue(r, r->acct->queue_dir) < 0)
		return -1;
	return main_flush(r);
}

/* -q, -bp, --queue-remove, --queue-retry */
static int
main_queue_cmd(struct run *r)
{
	char *dir;
	int rc;

	if (run_load_account(r) == 0) {
		rc = run_open_queue(r, r->acct->queue_dir);
	} else if (r->cli->mode == CLI_MODE_LIST && r->cli->account == NULL &&
	    r->confs_read) {
		/* Listing needs no account: use the default place. */
		log_debug("%s; listing the default queue", r->fail.text);
		failure_clear(&r->fail);
		dir = account_queue_dir_default();
		rc = run_open_queue(r, dir);
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
	if (r->cli->read_recipients && run_read_message(r) < 0)
		return -1;
	if ((r->cli->nrcpts > 0 || r->msg != NULL) &&
	    run_build_envelope(r) < 0)
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
	if (run_load_account(r) < 0)
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
	if (run_send(&r) < 0) {
		d->status = result_exit_status(&r.fail);
		d->fail = r.fail;
		log_error("%s", r.fail.text);
	}
	run_log_line(&r, d->status);
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
	run_free(&r);
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

/* The exit status for a mode's result; a failure is said once. */
static int
main_status(const struct run *r, int rc)
{
	if (rc == 0)
		return EX_OK;
	log_error("%s", r->fail.text);
	return result_exit_status(&r->fail);
}

/* The library versions, then the files postie reads, as msmtp shows. */
static void
main_print_version(void)
{
	char *user = conf_user_path();

	cli_print_version(stdout);
	printf("system configuration file: %s\n", conf_system_path());
	printf("user configuration file: %s\n", user);
	free(user);
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
			main_print_version();
		else
			cli_print_help(stdout);
		cli_free(r.cli);
		return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
	}
	if (main_is_info(r.cli)) {
		status = main_status(&r, main_info(&r));
		if (status == EX_OK && fflush(stdout) != 0)
			status = EX_IOERR;
		run_free(&r);
		return status;
	}
	if (r.cli->mode == CLI_MODE_BSMTP) {
		status = main_bs(&r);
		run_free(&r);
		return status;
	}
	if (r.cli->mode != CLI_MODE_SEND) {
		status = main_status(&r, main_queue_cmd(&r));
		run_free(&r);
		return status;
	}
	status = main_status(&r, run_send(&r));
	run_log_line(&r, status);
	if (status == EX_OK && r.spawn_flush && main_spawn_flush(&r) == 1 &&
	    main_queue_open_flush(&r) < 0)
		status = result_exit_status(&r.fail);
	run_free(&r);
	return status;
}
