/*
 * hdr.h - RFC 5322 header scanning (hdr.c) and address lists and
 * display names (hdr_addr.c).  No I/O.
 *
 * Contract: push header lines (without their line ending) into a scanner
 * and pull complete, unfolded fields out; the scanner copies what it
 * needs, so pushed lines are borrowed only during the call.  The address
 * parser returns the addr-specs of a To/Cc/Bcc/From value, handling
 * display names, comments, quoted strings, groups and route syntax.
 */
#ifndef POSTIE_HDR_H
#define POSTIE_HDR_H

#include <stddef.h>

#include "util.h"

enum hdr_event {
	HDR_NONE,	/* nothing complete yet */
	HDR_FIELD,	/* a field is ready: call hdr_scanner_take() */
	HDR_END,	/* the header section has ended */
	HDR_ERROR,	/* f says why */
	HDR_LAST
};

struct hdr_field {
	char *name;		/* as written, without the colon */
	char *value;		/* unfolded, leading blanks removed */
	char *raw;		/* the field as written, lines joined by "\n" */
	size_t first_line;	/* 1-based line number in the header */
};

struct hdr_scanner;

struct hdr_scanner *hdr_scanner_new(void);
void hdr_scanner_free(struct hdr_scanner *sc);

/*
 * Push one line.  A continuation line (starting with space or tab) extends
 * the field in progress.  An empty line ends the header (HDR_END, after a
 * pending field has been taken).  A line that is neither a field nor a
 * continuation also ends the header: the line belongs to the body, and
 * hdr_scanner_body_started() returns 1 so the caller keeps it.  When
 * the line that ends the header completes a field, push returns
 * HDR_FIELD; once that field is taken, hdr_scanner_finish() (or any
 * further push, which ignores its line) returns HDR_END.
 */
enum hdr_event hdr_scanner_push(struct hdr_scanner *sc, const char *line,
    size_t len, struct failure *f);
/* Signal end of input; a pending field becomes available. */
enum hdr_event hdr_scanner_finish(struct hdr_scanner *sc);
/* Take the completed field; the caller frees it with hdr_field_free(). */
struct hdr_field *hdr_scanner_take(struct hdr_scanner *sc);
int hdr_scanner_body_started(const struct hdr_scanner *sc);
void hdr_field_free(struct hdr_field *fld);

/* Case-insensitive field name comparison. */
int hdr_name_is(const struct hdr_field *fld, const char *name);

struct hdr_addr {
	char *addr;		/* addr-spec, e.g. "a@b.example" */
	char *display;		/* display name (decoded quotes), or NULL */
};

struct hdr_addrlist {
	struct hdr_addr *v;
	size_t n;
};

/*
 * Parse an address-list value.  Empty groups and "undisclosed-recipients:;"
 * yield no addresses.  -1 with FAIL_DATA naming the problem on malformed
 * input (unbalanced quotes or brackets, CR/LF inside).
 */
int hdr_addrlist_parse(const char *value, struct hdr_addrlist *out,
    struct failure *f);
void hdr_addrlist_clear(struct hdr_addrlist *list);

/*
 * RFC 2047 encode a phrase (display name) when it is not plain ASCII, or
 * quote it when it has specials; newly allocated.
 */
char *hdr_encode_phrase(const char *phrase);

#endif
