/*
 * idn.c - converts internationalised host names and address domains to
 * their ASCII (A-label) form with libidn2, following IDNA2008.
 *
 * Every libidn2 result is checked and a failure is reported with the
 * input named: a name that cannot be converted is never passed on raw,
 * because a raw UTF-8 name would reach DNS or the server as garbage.
 */
#include "config.h"

#include <idn2.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"

int
idn_is_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Convert one domain; 0 with *out newly allocated, else idn2's code. */
static int
to_ascii(const char *in, char **out)
{
	char *res = NULL;
	int rc;

	if (idn_is_ascii(in)) {
		*out = xstrdup(in);
		return IDN2_OK;
	}
	/* NFC first: a name typed on some systems arrives decomposed. */
	rc = idn2_to_ascii_8z(in, &res, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		idn2_free(res);
		return rc;
	}
	if (res == NULL)
		return IDN2_MALLOC;
	*out = xstrdup(res);
	idn2_free(res);
	return IDN2_OK;
}

int
idn_host_to_ascii(const char *host, char **out, struct failure *f)
{
	int rc;

	*out = NULL;
	if ((rc = to_ascii(host, out)) != IDN2_OK) {
		failure_set(f, FAIL_CONFIG, "host '%s': cannot convert to "
		    "ASCII: %s", host, idn2_strerror(rc));
		return -1;
	}
	return 0;
}

int
idn_addr_to_ascii(const char *addr, char **out, struct failure *f)
{
	const char *at = strrchr(addr, '@');
	char *local, *dom;
	int rc;

	*out = NULL;
	if (idn_is_ascii(addr)) {
		*out = xstrdup(addr);
		return 0;
	}
	local = xstrndup(addr, at != NULL ? (size_t)(at - addr) : strlen(addr));
	if (!idn_is_ascii(local)) {
		free(local);
		failure_set(f, FAIL_DATA, "address '%s': the local part is "
		    "not ASCII and cannot be converted", addr);
		return -1;
	}
	if ((rc = to_ascii(at + 1, &dom)) != IDN2_OK) {
		free(local);
		failure_set(f, FAIL_DATA, "address '%s': cannot convert the "
		    "domain to ASCII: %s", addr, idn2_strerror(rc));
		return -1;
	}
	*out = xasprintf("%s@%s", local, dom);
	free(local);
	free(dom);
	return 0;
}
