/*
 * cli.c - turns a sendmail-style argv into a struct cli.
 *
 * The options themselves are rows of the table in cli_opts.c.  Parsing
 * follows GNU getopt as msmtp uses it: short flags combine (-ti), an
 * argument may be attached (-fme@x), long names may be abbreviated, and
 * options may follow recipients unless "--" came first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_int.h"

struct parse {
	int argc;
	char **argv;
	int i;			/* index of the argument being read */
	struct cli *cli;
	struct failure *f;
};

static void
add_rcpt(struct cli *cli, char *arg)
{
	cli->rcpts = xreallocarray(cli->rcpts, cli->nrcpts + 1,
	    sizeof(*cli->rcpts));
	cli->rcpts[cli->nrcpts++] = arg;
}

static void
add_override(struct cli *cli, const char *key, const char *value)
{
	cli->overrides = xreallocarray(cli->overrides, cli->noverrides + 1,
	    sizeof(*cli->overrides));
	cli->overrides[cli->noverrides].key = key;
	cli->overrides[cli->noverrides].value = value;
	cli->noverrides++;
}

static int
apply_bmode(struct parse *p, const char *value)
{
	if (strcmp(value, "m") == 0)
		return 0;
	if (strcmp(value, "p") == 0) {
		p->cli->mode = CLI_MODE_LIST;
		return 0;
	}
	if (strcmp(value, "s") == 0) {
		p->cli->mode = CLI_MODE_BSMTP;
		return 0;
	}
	failure_set(p->f, FAIL_USAGE, "option -b%s is not supported yet",
	    value);
	return -1;
}

static void
apply_queue(struct cli *cli, enum cli_act act, const char *value)
{
	switch (act) {
	case ACT_OMODE:
		/* sendmail's delivery mode "queue only"; others ignored. */
		if (strcmp(value, "dq") == 0)
			cli->enqueue_only = 1;
		break;
	case ACT_ENQUEUE:
		cli->enqueue_only = 1;
		break;
	case ACT_FLUSH:
		cli->mode = CLI_MODE_FLUSH;
		break;
	default:
		cli->mode = act == ACT_QREMOVE ? CLI_MODE_QUEUE_REMOVE :
		    CLI_MODE_QUEUE_RETRY;
		cli->queue_id = value;
		break;
	}
}

/* -d adds one level; --debug=N sets it (msmtp knows only on and off). */
static int
apply_debug(struct parse *p, const char *value)
{
	long n;

	if (value == NULL || *value == '\0') {
		p->cli->debug++;
		return 0;
	}
	if (util_parse_long(value, 0, 9, &n) < 0) {
		failure_set(p->f, FAIL_USAGE, "--debug: level %s is not a "
		    "number from 0 to 9", value);
		return -1;
	}
	p->cli->debug = (int)n;
	return 0;
}

/* The argument of ETRN goes on the wire: one word of printable ASCII. */
static int
rmqs_ok(struct parse *p, const char *value)
{
	const unsigned char *c = (const unsigned char *)value;

	for (; *c > ' ' && *c < 0x7f; c++)
		;
	if (*c == '\0' && *value != '\0')
		return 0;
	failure_set(p->f, FAIL_USAGE, "--rmqs: the argument must be one "
	    "word of printable ASCII (HOST, @DOMAIN or #QUEUE)");
	return -1;
}

/* -P, -S, --rmqs, --configure: print something, send no message. */
static int
apply_info(struct parse *p, enum cli_act act, const char *value)
{
	struct cli *cli = p->cli;

	if (act == ACT_RMQS && rmqs_ok(p, value) < 0)
		return -1;
	switch (act) {
	case ACT_PRETEND:
		cli->pretend = 1;
		break;
	case ACT_SERVERINFO:
		cli->mode = CLI_MODE_SERVERINFO;
		break;
	case ACT_RMQS:
	case ACT_CONFIGURE:
		cli->mode = act == ACT_RMQS ? CLI_MODE_RMQS :
		    CLI_MODE_CONFIGURE;
		cli->mode_arg = value;
		break;
	default:
		break;
	}
	return 0;
}

/*
 * An optional argument left out: msmtp's rule is that where "on" is
 * accepted, nothing means "on"; for the header modes nothing means
 * "auto".  Both are the first word of the row's argument name.
 */
static const char *
optional_value(const struct cli_opt *o, const char *value)
{
	if (o->arg != ARG_OPTIONAL || (value != NULL && *value != '\0'))
		return value;
	return strncmp(o->argname, "auto", 4) == 0 ? "auto" : "on";
}

/* Carry out one option; shown is its name as the user should read it. */
/* -B: sendmail's body type; cron passes -B8BITMIME on every mail. */
static int
apply_body(struct parse *p, const char *value)
{
	if (strcasecmp(value, "8BITMIME") == 0)
		p->cli->body_8bitmime = 1;
	else if (strcasecmp(value, "7BIT") == 0)
		p->cli->body_8bitmime = 0;
	else {
		failure_set(p->f, FAIL_USAGE, "-B: unknown body type '%s' "
		    "(8BITMIME or 7BIT)", value);
		return -1;
	}
	return 0;
}

static int
apply(struct parse *p, const struct cli_opt *o, const char *value,
    const char *shown)
{
	struct cli *cli = p->cli;

	if (o->kind == KIND_REFUSED) {
		failure_set(p->f, FAIL_USAGE, "option %s is not supported yet",
		    shown);
		return -1;
	}
	switch (o->act) {
	case ACT_READ_RCPTS:
		cli->read_recipients = 1;
		break;
	case ACT_FROM:
		cli->from = value;
		break;
	case ACT_FULL_NAME:
		cli->full_name = value;
		break;
	case ACT_ACCOUNT:
		cli->account = value;
		break;
	case ACT_FILE:
		cli->conf_file = value;
		break;
	case ACT_DEBUG:
		return apply_debug(p, value);
	case ACT_VERSION:
		cli->mode = CLI_MODE_VERSION;
		break;
	case ACT_HELP:
		cli->mode = CLI_MODE_HELP;
		break;
	case ACT_OVERRIDE:
		add_override(cli, o->key, optional_value(o, value));
		break;
	case ACT_READ_FROM:
		cli->read_envelope_from = 1;
		break;
	case ACT_BMODE:
		return apply_bmode(p, value);
	case ACT_ENVID:
		cli->envid = value;
		break;
	case ACT_BODY:
		return apply_body(p, value);
	case ACT_OMODE:
	case ACT_ENQUEUE:
	case ACT_FLUSH:
	case ACT_QREMOVE:
	case ACT_QRETRY:
		apply_queue(cli, o->act, value);
		break;
	default:
		return apply_info(p, o->act, value);
	}
	return 0;
}

/* The next argv entry as an option's argument, or NULL at the end. */
static const char *
next_arg(struct parse *p)
{
	if (p->i + 1 >= p->argc)
		return NULL;
	return p->argv[++p->i];
}

static const struct cli_opt *
find_short(char c)
{
	size_t i;

	for (i = 0; i < cli_nopts; i++)
		if (cli_opts[i].shortopt == c)
			return &cli_opts[i];
	return NULL;
}

/* "-tif addr", "-fme@x", "-oem": letters until one takes an argument. */
static int
parse_short(struct parse *p, const char *arg)
{
	const struct cli_opt *o;
	const char *value;
	char shown[3] = "-";

	for (arg++; *arg != '\0'; arg++) {
		shown[1] = *arg;
		if ((o = find_short(*arg)) == NULL) {
			failure_set(p->f, FAIL_USAGE, "unknown option '%s'",
			    shown);
			return -1;
		}
		if (o->arg != ARG_REQUIRED || o->kind == KIND_REFUSED) {
			if (apply(p, o, NULL, shown) == -1)
				return -1;
			continue;
		}
		value = arg[1] != '\0' ? arg + 1 : next_arg(p);
		if (value == NULL) {
			failure_set(p->f, FAIL_USAGE, "option %s needs an "
			    "argument", shown);
			return -1;
		}
		return apply(p, o, value, shown);
	}
	return 0;
}

/*
 * An exact long name, else the only one it abbreviates.  Of several, the
 * one whose name starts all the others wins ("--fr" is --from, not
 * --from-full-name), so that an option postie adds never makes an
 * abbreviation that works with msmtp ambiguous.
 */
static const struct cli_opt *
find_long(struct parse *p, const char *name, size_t len)
{
	const struct cli_opt *found = NULL;
	size_t i, n = 0, ok = 0;
	const char *l;

	for (i = 0; i < cli_nopts; i++) {
		if ((l = cli_opts[i].longopt) == NULL ||
		    strncmp(l + 2, name, len) != 0)
			continue;
		if (l[2 + len] == '\0')
			return &cli_opts[i];
		if (found == NULL || strlen(l) < strlen(found->longopt))
			found = &cli_opts[i];
		n++;
	}
	for (i = 0; n > 1 && i < cli_nopts; i++) {
		l = cli_opts[i].longopt;
		if (l != NULL && strncmp(l + 2, name, len) == 0 &&
		    strncmp(l, found->longopt, strlen(found->longopt)) == 0)
			ok++;
	}
	if (n == 1 || (n > 1 && ok == n))
		return found;
	failure_set(p->f, FAIL_USAGE, "%s option '--%.*s'",
	    n == 0 ? "unknown" : "ambiguous", (int)len, name);
	return NULL;
}

static int
parse_long(struct parse *p, const char *arg)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	const struct cli_opt *o;
	const char *value = eq != NULL ? eq + 1 : NULL;

	if (len == 0) {
		failure_set(p->f, FAIL_USAGE, "unknown option '%s'", arg);
		return -1;
	}
	if ((o = find_long(p, name, len)) == NULL)
		return -1;
	if (o->kind == KIND_REFUSED)
		return apply(p, o, NULL, o->longopt);
	if (o->arg == ARG_NONE && value != NULL) {
		failure_set(p->f, FAIL_USAGE, "option %s takes no argument",
		    o->longopt);
		return -1;
	}
	if (o->arg == ARG_REQUIRED && value == NULL &&
	    (value = next_arg(p)) == NULL) {
		failure_set(p->f, FAIL_USAGE, "option %s needs an argument",
		    o->longopt);
		return -1;
	}
	return apply(p, o, value, o->longopt);
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int
cli_parse(int argc, char **argv, struct cli **out, struct failure *f)
{
	struct parse p = { argc, argv, 1, NULL, f };
	int only_rcpts = 0, r = 0;
	char *arg;

	p.cli = xcalloc(1, sizeof(*p.cli));
	p.cli->mode = CLI_MODE_SEND;
	/* sendmail's convention: the name mailq means -bp. */
	if (argc > 0 && argv[0] != NULL && strcmp(base_name(argv[0]),
	    "mailq") == 0)
		p.cli->mode = CLI_MODE_LIST;
	for (; r == 0 && p.i < argc; p.i++) {
		arg = argv[p.i];
		if (only_rcpts || arg[0] != '-' || arg[1] == '\0')
			add_rcpt(p.cli, arg);
		else if (strcmp(arg, "--") == 0)
			only_rcpts = 1;
		else if (arg[1] == '-')
			r = parse_long(&p, arg);
		else
			r = parse_short(&p, arg);
	}
	if (r == -1) {
		cli_free(p.cli);
		p.cli = NULL;
	}
	*out = p.cli;
	return r;
}

void
cli_free(struct cli *cli)
{
	if (cli == NULL)
		return;
	free(cli->rcpts);
	free(cli->overrides);
	free(cli);
}
