/*
 * cli.c - turns a sendmail-style argv into a struct cli.
 *
 * Every option is one row of cli_opts: its short letter and/or long name,
 * whether it takes an argument, whether postie supports it, ignores it
 * (sendmail flags that mean nothing to a relay client, as msmtp does) or
 * refuses it, and a line of help.  The help text and the man page check
 * both come from that table.  Parsing follows GNU getopt as msmtp uses
 * it: short flags combine (-ti), an argument may be attached (-fme@x),
 * long names may be abbreviated, and options may follow recipients
 * unless "--" came first.
 */
#include "config.h"

#include <gnutls/gnutls.h>
#include <gsasl.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define SUP KIND_SUPPORTED
#define IGN KIND_IGNORED
#define REF KIND_REFUSED

/*
 * Each row spells its letter and long name as C literals (the letter in
 * single quotes, the name with its two dashes in double quotes) so that a
 * script can list every option and check the man page for it.  Keep such
 * literals out of the rest of this file.
 */
static const struct cli_opt cli_opts[] = {
	{ 't', "--read-recipients", ARG_NONE, SUP, ACT_READ_RCPTS, NULL,
	    NULL, "also send to the To, Cc and Bcc addresses" },
	{ 'f', "--from", ARG_REQUIRED, SUP, ACT_FROM, NULL,
	    "ADDR", "set the envelope sender" },
	{ 'r', NULL, ARG_REQUIRED, SUP, ACT_FROM, NULL,
	    "ADDR", "old name of -f" },
	{ 'F', NULL, ARG_REQUIRED, SUP, ACT_FULL_NAME, NULL,
	    "NAME", "full name for an added From header" },
	{ 'a', "--account", ARG_REQUIRED, SUP, ACT_ACCOUNT, NULL,
	    "NAME", "use this account instead of \"default\"" },
	{ 'C', "--file", ARG_REQUIRED, SUP, ACT_FILE, NULL,
	    "FILE", "use this user configuration file" },
	{ 'd', "--debug", ARG_OPTIONAL, SUP, ACT_DEBUG, NULL,
	    "LEVEL", "print debugging information; repeat or give a "
	    "LEVEL for more" },
	{ 'P', "--pretend", ARG_NONE, SUP, ACT_PRETEND, NULL,
	    NULL, "print the account and envelope; send nothing" },
	{ 'S', "--serverinfo", ARG_NONE, SUP, ACT_SERVERINFO, NULL,
	    NULL, "print what the server offers, then quit" },
	{ '\0', "--rmqs", ARG_REQUIRED, SUP, ACT_RMQS, NULL,
	    "HOST|@DOMAIN|#QUEUE", "ask the server to flush its queue (ETRN)" },
	{ '\0', "--configure", ARG_REQUIRED, SUP, ACT_CONFIGURE, NULL,
	    "ADDR", "print an account for ADDR found in DNS SRV records" },
	{ 'v', NULL, ARG_NONE, SUP, ACT_DEBUG, NULL,
	    NULL, "same as -d" },
	{ '\0', "--version", ARG_NONE, SUP, ACT_VERSION, NULL,
	    NULL, "print the version and the library versions" },
	{ '\0', "--help", ARG_NONE, SUP, ACT_HELP, NULL,
	    NULL, "print this help" },
	{ '\0', "--host", ARG_REQUIRED, SUP, ACT_OVERRIDE, "host",
	    "HOST", "rc key host: the server to send through" },
	{ '\0', "--port", ARG_REQUIRED, SUP, ACT_OVERRIDE, "port",
	    "N", "rc key port: the server port" },
	{ '\0', "--tls", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "tls",
	    "on|off", "rc key tls: use TLS" },
	{ '\0', "--tls-starttls", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "tls_starttls", "on|off",
	    "rc key tls_starttls: STARTTLS (on) or TLS at once" },
	{ '\0', "--tls-trust-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_trust_file", "FILE",
	    "rc key tls_trust_file: trusted CA certificates" },
	{ '\0', "--tls-certcheck", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "tls_certcheck", "on|off",
	    "rc key tls_certcheck: check the server certificate" },
	{ '\0', "--tls-fingerprint", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_fingerprint", "HEX",
	    "rc key tls_fingerprint: accept only this certificate" },
	{ '\0', "--tls-crl-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_crl_file", "FILE",
	    "rc key tls_crl_file: certificate revocation lists" },
	{ '\0', "--tls-cert-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_cert_file", "FILE",
	    "rc key tls_cert_file: client certificate" },
	{ '\0', "--tls-key-file", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_key_file", "FILE",
	    "rc key tls_key_file: key of the client certificate" },
	{ '\0', "--tls-priorities", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_priorities", "STRING",
	    "rc key tls_priorities: GnuTLS priority string" },
	{ '\0', "--tls-host-override", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_host_override", "NAME",
	    "rc key tls_host_override: name to verify instead of host" },
	{ '\0', "--auth", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "auth",
	    "on|off|MECH", "rc key auth: authenticate, optionally with MECH" },
	{ '\0', "--user", ARG_REQUIRED, SUP, ACT_OVERRIDE, "user",
	    "NAME", "rc key user: user name for authentication" },
	{ '\0', "--passwordeval", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "passwordeval", "CMD",
	    "rc key passwordeval: command that prints the password" },
	{ '\0', "--domain", ARG_REQUIRED, SUP, ACT_OVERRIDE, "domain",
	    "NAME", "rc key domain: the argument of EHLO" },
	{ '\0', "--timeout", ARG_REQUIRED, SUP, ACT_OVERRIDE, "timeout",
	    "SECONDS", "rc key timeout: network timeout in seconds" },
	{ 'X', "--logfile", ARG_REQUIRED, SUP, ACT_OVERRIDE, "logfile",
	    "FILE", "rc key logfile: append one line per message" },
	{ '\0', "--logfile-time-format", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "logfile_time_format", "FMT",
	    "rc key logfile_time_format: strftime format of the stamp" },
	{ '\0', "--syslog", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "syslog",
	    "on|off|FACILITY", "rc key syslog: one syslog line per message" },
	{ '\0', "--queue", ARG_REQUIRED, SUP, ACT_OVERRIDE, "queue",
	    "off|fallback|always", "rc key queue: when to queue a message" },
	{ '\0', "--queue-dir", ARG_REQUIRED, SUP, ACT_OVERRIDE, "queue_dir",
	    "DIR", "rc key queue_dir: the queue directory" },
	{ '\0', "--protocol", ARG_REQUIRED, SUP, ACT_OVERRIDE, "protocol",
	    "smtp|lmtp", "rc key protocol: SMTP or LMTP" },
	{ '\0', "--partial-delivery", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "partial_delivery", "on|off",
	    "rc key partial_delivery: send despite refused recipients" },
	{ '\0', "--requiretls", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "requiretls", "on|off",
	    "rc key requiretls: ask for TLS on every hop (RFC 8689)" },
	{ '\0', "--source-ip", ARG_REQUIRED, SUP, ACT_OVERRIDE, "source_ip",
	    "IP", "rc key source_ip: local address to connect from" },
	{ '\0', "--socket", ARG_REQUIRED, SUP, ACT_OVERRIDE, "socket",
	    "FILE", "rc key socket: connect to a unix socket" },
	{ '\0', "--proxy-host", ARG_REQUIRED, SUP, ACT_OVERRIDE, "proxy_host",
	    "HOST", "rc key proxy_host: SOCKS5 proxy" },
	{ '\0', "--proxy-port", ARG_REQUIRED, SUP, ACT_OVERRIDE, "proxy_port",
	    "N", "rc key proxy_port: SOCKS5 proxy port" },
	{ '\0', "--enqueue", ARG_NONE, SUP, ACT_ENQUEUE, NULL,
	    NULL, "only queue the message (same as -odq)" },
	{ 'q', "--flush", ARG_NONE, SUP, ACT_FLUSH, NULL,
	    NULL, "deliver the queued messages that are due" },
	{ '\0', "--queue-retry", ARG_REQUIRED, SUP, ACT_QRETRY, NULL,
	    "ID", "make queued message ID due now" },
	{ '\0', "--queue-remove", ARG_REQUIRED, SUP, ACT_QREMOVE, NULL,
	    "ID", "delete queued message ID" },
	{ 'i', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: a lone dot never ends the message" },
	{ 'o', NULL, ARG_REQUIRED, IGN, ACT_OMODE, NULL,
	    "X", "sendmail option: -odq queues only, others (-oi, -oem) "
	    "are ignored" },
	{ 'O', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "OPT=VALUE", "ignored: sendmail option" },
	{ 'A', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "c|m", "ignored: sendmail configuration file choice" },
	{ 'B', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "TYPE", "ignored: body type such as 8BITMIME" },
	{ 'b', NULL, ARG_REQUIRED, IGN, ACT_BMODE, NULL,
	    "MODE", "-bm sends (the default), -bp lists the queue, -bs "
	    "speaks SMTP on stdin/stdout; others are refused" },
	{ 'e', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "X", "ignored: error mode (-em, -ep, -eq, -ew)" },
	{ 'G', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: relay submission flag" },
	{ 'h', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "N", "ignored: hop count" },
	{ 'L', NULL, ARG_REQUIRED, IGN, ACT_NONE, NULL,
	    "TAG", "ignored: syslog tag" },
	{ 'm', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: also send to the sender" },
	{ 'n', NULL, ARG_NONE, IGN, ACT_NONE, NULL,
	    NULL, "ignored: do not expand aliases" },
	{ 'N', "--dsn-notify", ARG_REQUIRED, SUP, ACT_OVERRIDE, "dsn_notify",
	    "off|never|COND,...", "rc key dsn_notify: when to ask for a DSN" },
	{ 'R', "--dsn-return", ARG_REQUIRED, SUP, ACT_OVERRIDE, "dsn_return",
	    "off|headers|hdrs|full", "rc key dsn_return: what a DSN returns" },
	{ 'V', NULL, ARG_REQUIRED, SUP, ACT_ENVID, NULL,
	    "ENVID", "DSN envelope identifier (ENVID on MAIL)" },
	{ '\0', "--read-envelope-from", ARG_NONE, SUP, ACT_READ_FROM, NULL,
	    NULL, "take the envelope sender from the From header" },
	{ '\0', "--set-from-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_from_header", "auto|on|off",
	    "rc key set_from_header: when to write a From header" },
	{ '\0', "--set-date-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_date_header", "auto|off",
	    "rc key set_date_header: add a missing Date header" },
	{ '\0', "--set-msgid-header", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "set_msgid_header", "auto|off",
	    "rc key set_msgid_header: add a missing Message-ID header" },
	{ '\0', "--remove-bcc-headers", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "remove_bcc_headers", "on|off",
	    "rc key remove_bcc_headers: drop Bcc headers" },
	{ '\0', "--undisclosed-recipients", ARG_OPTIONAL, SUP, ACT_OVERRIDE,
	    "undisclosed_recipients", "on|off",
	    "rc key undisclosed_recipients: hide To, Cc and Bcc" },
	{ '\0', "--aliases", ARG_REQUIRED, SUP, ACT_OVERRIDE, "aliases",
	    "FILE", "rc key aliases: expand local recipients" },
	{ '\0', "--auto-from", ARG_OPTIONAL, SUP, ACT_OVERRIDE, "auto_from",
	    "on|off", "rc key auto_from: sender USER@maildomain (obsolete)" },
	{ '\0', "--maildomain", ARG_REQUIRED, SUP, ACT_OVERRIDE, "maildomain",
	    "DOMAIN", "rc key maildomain: domain for auto_from (obsolete)" },
	{ '\0', "--tls-min-dh-prime-bits", ARG_REQUIRED, SUP, ACT_OVERRIDE,
	    "tls_min_dh_prime_bits", "BITS",
	    "rc key tls_min_dh_prime_bits: accepted, without effect" },
};

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

	for (i = 0; i < UTIL_ARRAY_LEN(cli_opts); i++)
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

/* An exact long name, else the only one it abbreviates. */
static const struct cli_opt *
find_long(struct parse *p, const char *name, size_t len)
{
	const struct cli_opt *found = NULL;
	size_t i, n = 0;
	const char *l;

	for (i = 0; i < UTIL_ARRAY_LEN(cli_opts); i++) {
		if ((l = cli_opts[i].longopt) == NULL ||
		    strncmp(l + 2, name, len) != 0)
			continue;
		if (l[2 + len] == '\0')
			return &cli_opts[i];
		found = &cli_opts[i];
		n++;
	}
	if (n == 1)
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

/* "-f, --from=ADDR", "-o X", "    --tls[=on|off]" */
static void
format_names(const struct cli_opt *o, char *buf, size_t size)
{
	char letter[8] = "";
	const char *an = o->argname != NULL ? o->argname : "";

	if (o->shortopt != '\0')
		snprintf(letter, sizeof(letter), "-%c%s", o->shortopt,
		    o->longopt != NULL ? "," : "");
	if (o->longopt == NULL)
		snprintf(buf, size, "%s%s%s", letter, *an ? " " : "", an);
	else if (o->arg == ARG_OPTIONAL)
		snprintf(buf, size, "%-4s%s[=%s]", letter, o->longopt, an);
	else
		snprintf(buf, size, "%-4s%s%s%s", letter, o->longopt,
		    *an ? "=" : "", an);
}

static void
print_kind(FILE *fp, enum cli_kind kind, const char *title)
{
	char names[64];
	size_t i;

	fprintf(fp, "\n%s\n", title);
	for (i = 0; i < UTIL_ARRAY_LEN(cli_opts); i++) {
		if (cli_opts[i].kind != kind)
			continue;
		format_names(&cli_opts[i], names, sizeof(names));
		if (strlen(names) > 26)
			fprintf(fp, "  %s\n  %-26s %s\n", names, "",
			    cli_opts[i].help);
		else
			fprintf(fp, "  %-26s %s\n", names, cli_opts[i].help);
	}
}

void
cli_print_help(FILE *fp)
{
	fprintf(fp, "Usage: %s [option...] [--] recipient...\n"
	    "       %s [option...] -t [--] [recipient...]\n"
	    "Reads a message from standard input and sends it through an "
	    "SMTP server.\n", PACKAGE_NAME, PACKAGE_NAME);
	print_kind(fp, KIND_SUPPORTED, "Options:");
	fprintf(fp, "  %-26s %s\n", "--", "end of options; the rest are "
	    "recipients");
	print_kind(fp, KIND_IGNORED, "Accepted for sendmail compatibility:");
	print_kind(fp, KIND_REFUSED, "Refused:");
}

void
cli_print_version(FILE *fp)
{
	fprintf(fp, "%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	fprintf(fp, "GnuTLS %s\n", gnutls_check_version(NULL));
	fprintf(fp, "GNU SASL %s\n", gsasl_check_version(NULL));
	fprintf(fp, "libidn2 %s\n", idn2_check_version(NULL));
#ifdef HAVE_LIBSECRET
	fprintf(fp, "key ring: libsecret\n");
#else
	fprintf(fp, "key ring: none\n");
#endif
}
