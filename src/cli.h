/*
 * cli.h - the sendmail-compatible command line.
 *
 * Contract: cli_parse() turns argv into a struct cli without touching
 * files, the network or stdin.  Strings in struct cli are borrowed from
 * argv (which outlives it); the arrays are owned and released by
 * cli_free().  Options are described by one table in cli.c: supported,
 * accepted and ignored (sendmail flags that mean nothing to a relay
 * client), or refused.  A usage error fills the failure with FAIL_USAGE.
 */
#ifndef POSTIE_CLI_H
#define POSTIE_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "util.h"

enum cli_mode {
	CLI_MODE_SEND,
	CLI_MODE_VERSION,
	CLI_MODE_HELP,
	CLI_MODE_FLUSH,			/* -q, --flush */
	CLI_MODE_LIST,			/* -bp, or invoked as mailq */
	CLI_MODE_QUEUE_REMOVE,		/* --queue-remove ID */
	CLI_MODE_QUEUE_RETRY,		/* --queue-retry ID */
	CLI_MODE_SERVERINFO,		/* -S, --serverinfo */
	CLI_MODE_RMQS,			/* --rmqs=ARG */
	CLI_MODE_CONFIGURE,		/* --configure=ADDR */
	CLI_MODE_BSMTP,			/* -bs: SMTP on stdin/stdout */
	CLI_MODE_LAST
};

/* An rc key given on the command line, e.g. --host=x or --tls=off. */
struct cli_override {
	const char *key;	/* rc key name, "host" */
	const char *value;	/* "" unsets the key */
};

struct cli {
	enum cli_mode mode;
	int read_recipients;		/* -t */
	const char *from;		/* -f, --from, -r: envelope sender */
	int read_envelope_from;		/* --read-envelope-from */
	const char *full_name;		/* -F */
	const char *account;		/* -a, --account */
	const char *conf_file;		/* -C, --file */
	int debug;			/* -d, -v, --debug: 0 = off */
	const char *envid;		/* -V: DSN envelope id, or NULL */
	int body_8bitmime;		/* -B 8BITMIME */
	int enqueue_only;		/* --enqueue, -odq */
	const char *queue_id;		/* for --queue-remove/--queue-retry */
	int pretend;			/* -P: print settings, send nothing */
	const char *mode_arg;		/* --rmqs, --configure argument */
	char **rcpts;			/* operands after the options */
	size_t nrcpts;
	struct cli_override *overrides;	/* --host=..., in argv order */
	size_t noverrides;
};

/* 0 on success; -1 with FAIL_USAGE and a one-line text otherwise. */
int cli_parse(int argc, char **argv, struct cli **out, struct failure *f);
void cli_free(struct cli *cli);

void cli_print_help(FILE *fp);
void cli_print_version(FILE *fp);

#endif
