/*
 * srv.h - --configure: find an address's submission server from DNS SRV
 * records (RFC 6186, RFC 8314) and print an account for it.
 *
 * Contract: srv_lookup() asks the system resolver (res_nquery, with its
 * own timeouts and retries from resolv.conf) for _submissions._tcp.DOMAIN
 * (implicit TLS) and then _submission._tcp.DOMAIN (STARTTLS), the domain
 * in its A-label form.  Of the records of the first name that has any,
 * the lowest priority wins and, among those, the highest weight.  A
 * target of "." means "no such service here" (RFC 2782).  Errors:
 * FAIL_USAGE for an address without a domain; FAIL_DNS_PERM when neither
 * name has a usable record; FAIL_DNS_TEMP when the resolver could not
 * get an answer (SERVFAIL, timeout), so the caller may try again.
 */
#ifndef POSTIE_SRV_H
#define POSTIE_SRV_H

#include <stdio.h>

#include "util.h"

struct srv_result {
	char *host;		/* the record's target, without the final dot */
	int port;
	int implicit_tls;	/* found as _submissions */
};

int srv_lookup(const char *addr, struct srv_result *out, struct failure *f);
void srv_result_clear(struct srv_result *r);

/*
 * The best usable SRV record of a DNS answer (len bytes as res_nquery()
 * returns them) into out, whose host is NULL or allocated: 1 found, 0
 * none (no SRV record, or the "." target), -1 not a DNS message.
 */
int srv_parse_answer(const unsigned char *buf, int len,
    struct srv_result *out);

/* The account block for addr; rc_path names the file it belongs in. */
void srv_print_account(FILE *fp, const char *addr,
    const struct srv_result *r, const char *rc_path);

#endif
