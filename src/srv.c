/*
 * srv.c - DNS SRV look-ups for --configure.  The resolver is the C
 * library's, so whatever /etc/resolv.conf names is asked; nothing here
 * opens a socket of its own.
 */
#include "config.h"

#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "srv.h"

/* What one query gave: a record, nothing, or no answer at all. */
enum srv_answer {
	SRV_FOUND,
	SRV_NONE,
	SRV_TEMP,
	SRV_ANSWER_LAST
};

/* 1 if the record at rr is better than what out holds. */
static int
srv_better(int prio, int weight, int best_prio, int best_weight)
{
	return best_prio < 0 || prio < best_prio ||
	    (prio == best_prio && weight > best_weight);
}

/* The best SRV record of a parsed answer, or SRV_NONE. */
static enum srv_answer
srv_pick(ns_msg *msg, struct srv_result *out)
{
	const unsigned char *rd;
	char target[NS_MAXDNAME];
	int i, n = ns_msg_count(*msg, ns_s_an), prio, weight, bp = -1, bw = 0;
	ns_rr rr;

	for (i = 0; i < n; i++) {
		if (ns_parserr(msg, ns_s_an, i, &rr) < 0 ||
		    ns_rr_type(rr) != ns_t_srv || ns_rr_rdlen(rr) < 7)
			continue;
		rd = ns_rr_rdata(rr);
		prio = rd[0] << 8 | rd[1];
		weight = rd[2] << 8 | rd[3];
		if (!srv_better(prio, weight, bp, bw) ||
		    dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), rd + 6,
		    target, sizeof(target)) < 0)
			continue;
		bp = prio;
		bw = weight;
		free(out->host);
		out->host = xstrdup(target);
		out->port = rd[4] << 8 | rd[5];
	}
	/* RFC 2782: a lone "." target says the service is not offered. */
	if (out->host != NULL && (out->host[0] == '\0' ||
	    strcmp(out->host, ".") == 0)) {
		free(out->host);
		out->host = NULL;
	}
	return out->host != NULL ? SRV_FOUND : SRV_NONE;
}

int
srv_parse_answer(const unsigned char *buf, int len, struct srv_result *out)
{
	ns_msg msg;

	if (ns_initparse(buf, len, &msg) < 0)
		return -1;
	return srv_pick(&msg, out) == SRV_FOUND;
}

static enum srv_answer
srv_query(res_state rs, const char *name, struct srv_result *out)
{
	unsigned char buf[NS_PACKETSZ * 4];
	int len;

	len = res_nquery(rs, name, ns_c_in, ns_t_srv, buf, sizeof(buf));
	if (len < 0) {
		/* NXDOMAIN and NODATA are answers; the rest are not. */
		if (rs->res_h_errno == HOST_NOT_FOUND ||
		    rs->res_h_errno == NO_DATA)
			return SRV_NONE;
		return SRV_TEMP;
	}
	switch (srv_parse_answer(buf, len, out)) {
	case 1:
		return SRV_FOUND;
	case 0:
		return SRV_NONE;
	default:
		return SRV_TEMP;
	}
}

/* The domain of addr in A-label form, or NULL with f filled. */
static char *
srv_domain(const char *addr, struct failure *f)
{
	const char *at = strrchr(addr, '@'), *c;
	char *ascii = NULL;

	/* It becomes rc lines: a space or line break would forge keys. */
	for (c = addr; *c != '\0'; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			at = NULL;
	if (at == NULL || at == addr || at[1] == '\0') {
		failure_set(f, FAIL_USAGE, "--configure: %s is not a mail "
		    "address (LOCAL@DOMAIN)", addr);
		return NULL;
	}
	if (idn_host_to_ascii(at + 1, &ascii, f) < 0)
		return NULL;
	return ascii;
}

static int
srv_lookup_domain(res_state rs, const char *domain, struct srv_result *out,
    struct failure *f)
{
	static const char *const svc[] = { "_submissions", "_submission" };
	enum srv_answer a;
	int temp = 0;
	size_t i;
	char *name;

	for (i = 0; i < UTIL_ARRAY_LEN(svc); i++) {
		name = xasprintf("%s._tcp.%s", svc[i], domain);
		a = srv_query(rs, name, out);
		free(name);
		if (a == SRV_FOUND) {
			out->implicit_tls = i == 0;
			return 0;
		}
		temp |= a == SRV_TEMP;
	}
	failure_set(f, temp ? FAIL_DNS_TEMP : FAIL_DNS_PERM, "--configure: "
	    "%s SRV records for _submissions._tcp.%s or _submission._tcp.%s",
	    temp ? "cannot look up the" : "no", domain, domain);
	return -1;
}

int
srv_lookup(const char *addr, struct srv_result *out, struct failure *f)
{
	struct __res_state rs;
	char *domain;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((domain = srv_domain(addr, f)) == NULL)
		return -1;
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0) {
		failure_set(f, FAIL_DNS_TEMP, "--configure: cannot set up the "
		    "DNS resolver");
		free(domain);
		return -1;
	}
	rc = srv_lookup_domain(&rs, domain, out, f);
	res_nclose(&rs);
	free(domain);
	return rc;
}

void
srv_result_clear(struct srv_result *r)
{
	if (r == NULL)
		return;
	free(r->host);
	memset(r, 0, sizeof(*r));
}

void
srv_print_account(FILE *fp, const char *addr, const struct srv_result *r,
    const char *rc_path)
{
	const char *at = strrchr(addr, '@');

	fprintf(fp, "# - copy this to your configuration file %s\n", rc_path);
	fprintf(fp, "# - add your password with a \"password\" line and "
	    "keep the file mode 0600\n");
	fprintf(fp, "account %s\nhost %s\nport %d\ntls on\n", addr, r->host,
	    r->port);
	fprintf(fp, "tls_starttls %s\n", r->implicit_tls ? "off" : "on");
	fprintf(fp, "auth on\nuser %.*s\nfrom %s\n", (int)(at - addr), addr,
	    addr);
}
