/*
 * idn.h - internationalised domain names (libidn2, IDNA2008).
 *
 * Contract: conversions return newly allocated strings or -1 with a
 * FAIL_CONFIG/FAIL_DATA text naming the input; there is no silent
 * fallback to the raw name.
 */
#ifndef POSTIE_IDN_H
#define POSTIE_IDN_H

#include "util.h"

/* 1 when s is pure 7-bit ASCII. */
int idn_is_ascii(const char *s);

/* Host name (U-labels allowed) to its A-label form. */
int idn_host_to_ascii(const char *host, char **out, struct failure *f);

/*
 * Address local@domain with the domain converted to A-labels.  A non-ASCII
 * local part cannot be converted: -1 with FAIL_DATA.
 */
int idn_addr_to_ascii(const char *addr, char **out, struct failure *f);

#endif
