/*
 * main.c - run the pipeline: argv and rc files -> account -> message ->
 * envelope -> session -> result -> log line and exit status.
 *
 * Only this file exits, and only with the status result.c chose.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "account.h"
#include "cli.h"
#include "conf.h"
#include "envelope.h"
#include "log.h"
#include "message.h"
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
main_load_account(struct run *r)
{
	const struct cli *cli = r->cli;
	struct account_request req;
	const char **keys, **values;
	char *user_path;
	size_t i;
	int rc;

	if (main_read_conf(conf_system_path(), 0, &r->sys, &r->fail) < 0)
		return -1;
	user_path = cli->conf_file != NULL ? xstrdup(cli->conf_file) :
	    conf_user_path();
	rc = main_read_conf(user_path, cli->conf_file != NULL, &r->user,
	    &r->fail);
	free(user_path);
	if (rc < 0)
		return -1;
	keys = xcalloc(cli->noverrides + 1, sizeof(*keys));
	values = xcalloc(cli->noverrides + 1, sizeof(*values));
	for (i = 0; i < cli->noverrides; i++) {
		keys[i] = cli->overrides[i].key;
		values[i] = cli->overrides[i].value;
	}
	memset(&req, 0, sizeof(req));
	req.name = cli->account;
	req.from = cli->from;
	req.override_keys = keys;
	req.override_values = values;
	req.noverrides = cli->noverrides;
	rc = account_resolve(r->sys, r->user, &req, &r->acct, &r->fail);
	free(keys);
	free(values);
	return rc;
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
	return envelope_build(r->acct, &req, r->msg, &r->env, &r->fail);
}

static char *
main_join_rcpts(const struct envelope *env)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < env->nrcpts; i++)
		len += strlen(env->rcpts[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < env->nrcpts; i++) {
		if (i > 0)
			strlcpy(s + strlen(s), ",", len - strlen(s));
		strlcpy(s + strlen(s), env->rcpts[i], len - strlen(s));
	}
	return s;
}

static void
main_log_line(const struct run *r, int status)
{
	struct log_record rec;
	char *rcpts, status_text[32], *line;

	if (r->acct == NULL || r->acct->logfile == NULL || r->env == NULL)
		return;
	memset(&rec, 0, sizeof(rec));
	rcpts = main_join_rcpts(r->env);
	rec.host = r->acct->host;
	rec.tls = r->rep.tls;
	rec.auth = r->rep.auth;
	rec.user = r->acct->user;
	rec.from = r->env->from;
	rec.recipients = rcpts;
	rec.mailsize = (long long)r->msg->size;
	rec.msgid = r->msg->msgid;
	if (r->rep.last_reply != NULL) {
		snprintf(status_text, sizeof(status_text), "%.3s",
		    r->rep.last_reply);
		rec.smtpstatus = status_text;
		rec.smtpmsg = r->rep.last_reply;
	}
	rec.errormsg = status != 0 ? r->fail.text : NULL;
	rec.exitcode = status;
	if (log_record_write(r->acct->logfile, &rec) < 0) {
		line = log_record_format(&rec);
		log_error("cannot write logfile %s: %s; the line was: %s",
		    r->acct->logfile, strerror(errno), line);
		free(line);
	}
	free(rcpts);
}

static int
main_send(struct run *r)
{
	if (main_load_account(r) < 0 || main_read_message(r) < 0 ||
	    main_build_envelope(r) < 0)
		return -1;
	if (session_deliver(r->acct, r->env, r->msg, &r->rep) < 0) {
		r->fail = r->rep.fail;
		return -1;
	}
	return 0;
}

static void
main_free(struct run *r)
{
	session_report_clear(&r->rep);
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
	if (main_send(&r) < 0) {
		status = result_exit_status(&r.fail);
		log_error("%s", r.fail.text);
	}
	main_log_line(&r, status);
	main_free(&r);
	return status;
}
