/*
 * account.h - the account a message is sent through.
 *
 * Contract: account_resolve() chooses the account (-a; --host alone
 * means the command line only; else the first whose "from" matches the
 * envelope sender; else "default"; else $SMTPSERVER with $EMAIL or -f
 * as msmtp does), expands the %U, %H, %C and %M patterns, merges
 * defaults -> parents -> account -> command-line overrides by the "was
 * set" lines, validates the combination and returns an immutable struct
 * account.  It records where the password comes from but does not fetch
 * it.  Errors are FAIL_CONFIG with "FILE:LINE: problem" where a line is
 * known.
 */
#ifndef POSTIE_ACCOUNT_H
#define POSTIE_ACCOUNT_H

#include <stddef.h>

#include "conf.h"
#include "secret.h"
#include "util.h"

enum account_queue {
	ACCOUNT_QUEUE_OFF,	/* deliver now or fail (msmtp's behaviour) */
	ACCOUNT_QUEUE_FALLBACK,	/* deliver now; queue on a temporary failure */
	ACCOUNT_QUEUE_ALWAYS,	/* queue, then flush in the background */
	ACCOUNT_QUEUE_LAST
};

/* Defaults of the queue keys. */
#define ACCOUNT_QUEUE_LIFETIME	(5L * 86400)
#define ACCOUNT_QUEUE_RETRY_FIRST	(5L * 60)
#define ACCOUNT_QUEUE_RETRY_MAX	(3L * 3600)

/* set_from_header; set_date_header and set_msgid_header use OFF, AUTO. */
enum account_hdr {
	ACCOUNT_HDR_OFF,	/* never add */
	ACCOUNT_HDR_AUTO,	/* add when missing (the default) */
	ACCOUNT_HDR_ON,		/* replace any From */
	ACCOUNT_HDR_LAST
};

/* set_to_header */
enum account_to {
	ACCOUNT_TO_OFF,		/* never add To (the default) */
	ACCOUNT_TO_ON,		/* list the recipients when no To/Cc/Bcc */
	ACCOUNT_TO_UNDISCLOSED,	/* same as undisclosed_recipients on */
	ACCOUNT_TO_LAST
};

enum account_auth {
	ACCOUNT_AUTH_OFF,
	ACCOUNT_AUTH_AUTO,	/* "auth on": best mechanism offered */
	ACCOUNT_AUTH_MECH,	/* a named mechanism */
	ACCOUNT_AUTH_LAST
};

struct account {
	char *name;
	char *conf_path;		/* file it came from, or NULL */
	char *host;			/* as written (may be non-ASCII) */
	char *host_ascii;		/* A-label form for DNS and SNI */
	int port;
	char *from;			/* envelope sender, or NULL */
	int allow_from_override;	/* -f may replace from */
	enum account_hdr set_from_header;
	enum account_hdr set_date_header;	/* OFF or AUTO */
	enum account_hdr set_msgid_header;	/* OFF or AUTO */
	int remove_bcc_headers;
	int undisclosed_recipients;
	enum account_to set_to_header;
	char *from_full_name;		/* %F expanded; NULL: not set */
	int auto_from;			/* obsolete; already applied to from */
	char *maildomain;		/* for auto_from, or NULL */
	int tls_min_dh_prime_bits;	/* accepted only; 0: not set */
	char *aliases;			/* aliases file, or NULL */
	char *user;			/* SASL user name, or NULL */
	struct secret_source password;
	enum account_auth auth;
	char *auth_mech;		/* upper case, for ACCOUNT_AUTH_MECH */
	int auth_without_tls;		/* PLAIN/LOGIN allowed in clear */
	char *ntlm_domain;		/* ntlmdomain, or NULL */
	int tls;
	int tls_starttls;
	char *tls_trust_file;		/* NULL: the system trust store */
	int tls_certcheck;
	int tls_opportunistic;		/* STARTTLS only if offered */
	char *tls_fingerprint;		/* the rest: NULL when not set */
	char *tls_pubkey_pin;
	char *tls_crl_file;
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_priorities;
	char *tls_host_override;	/* name checked instead of host */
	char *tls_session_file;		/* resumption data; NULL: off */
	char *domain;			/* EHLO argument */
	int timeout_s;			/* per network step */
	char *logfile;			/* NULL: no logfile */
	char *logfile_time_format;	/* NULL: the default stamp */
	int syslog_facility;		/* LOG_MAIL etc.; 0: no syslog */
	char *dsn_notify;		/* NOTIFY= as sent, NULL: off */
	char *dsn_return;		/* RET= as sent: HDRS, FULL; NULL off */
	enum account_queue queue;
	char *queue_dir;		/* always set (default filled in) */
	long queue_lifetime_s;
	long queue_retry_first_s;	/* first pause after a failure */
	long queue_retry_max_s;		/* pauses double up to this */
	int queue_bounce;		/* notify the sender of a failure */
	char *failover;			/* account names, blank-separated */
	int lmtp;			/* protocol lmtp (port required) */
	int partial_delivery;		/* refused recipients do not abort */
	int requiretls;			/* REQUIRETLS on MAIL, or refuse */
	char *source_ip;		/* bind to it first; NULL: any */
	char *socket_path;		/* unix socket; NULL: host and port */
	char *proxy_host;		/* SOCKS5 proxy; NULL: none */
	int proxy_port;			/* default 1080 */
};

/* What the command line asks for; all borrowed. */
struct account_request {
	const char *name;		/* -a, or NULL */
	const char *from;		/* -f, or NULL: used for selection */
	int host_only;			/* --host without -a: no files */
	const char *const *override_keys;	/* --KEY=VALUE, in order */
	const char *const *override_values;
	size_t noverrides;
};

/*
 * Resolve from the system file (may be NULL) and the user file (may be
 * NULL); user accounts override system ones of the same name.
 */
int account_resolve(const struct conf *sys, const struct conf *user,
    const struct account_request *req, struct account **out,
    struct failure *f);
void account_free(struct account *acct);

/*
 * The default queue directory: $XDG_STATE_HOME/postie/queue when that is
 * an absolute path, else ~/.local/state/postie/queue.  Newly allocated.
 */
char *account_queue_dir_default(void);

#endif
