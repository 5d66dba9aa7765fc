/*
 * cli_int.h - private to cli.c and cli_opts.c.
 *
 * cli_opts.c owns the option table and the text printed from it (--help,
 * --version); cli.c owns the parser that walks argv against the table.
 */
#ifndef POSTIE_CLI_INT_H
#define POSTIE_CLI_INT_H

#include <stddef.h>

#include "cli.h"

enum cli_arg {
	ARG_NONE,
	ARG_REQUIRED,	/* -x V, -xV, --name=V or --name V */
	ARG_OPTIONAL,	/* only --name=V; absent or empty means "on" */
	ARG_LAST
};

enum cli_kind {
	KIND_SUPPORTED,
	KIND_IGNORED,
	KIND_REFUSED,
	KIND_LAST
};

enum cli_act {
	ACT_NONE,
	ACT_READ_RCPTS,
	ACT_FROM,
	ACT_FULL_NAME,
	ACT_ACCOUNT,
	ACT_FILE,
	ACT_DEBUG,
	ACT_VERSION,
	ACT_HELP,
	ACT_OVERRIDE,
	ACT_BMODE,
	ACT_ENVID,
	ACT_BODY,
	ACT_OMODE,
	ACT_FLUSH,
	ACT_ENQUEUE,
	ACT_QREMOVE,
	ACT_QRETRY,
	ACT_PRETEND,
	ACT_SERVERINFO,
	ACT_RMQS,
	ACT_CONFIGURE,
	ACT_READ_FROM,
	ACT_LAST
};

struct cli_opt {
	char shortopt;		/* '\0': long name only */
	const char *longopt;	/* with its dashes, or NULL: letter only */
	enum cli_arg arg;
	enum cli_kind kind;
	enum cli_act act;
	const char *key;	/* rc key for ACT_OVERRIDE */
	const char *argname;	/* for the help text */
	const char *help;
};

/* Every option postie knows, in the order --help lists them. */
extern const struct cli_opt cli_opts[];
extern const size_t cli_nopts;

#endif
