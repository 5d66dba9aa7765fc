/*
 * hdr.c - the RFC 5322 header scanner.
 *
 * The scanner turns pushed lines into unfolded fields and notices where
 * the header section ends.  Address lists are hdr_addr.c's.  Nothing here
 * does I/O.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdr.h"

enum scan_state {
	SCAN_START,		/* nothing pushed yet */
	SCAN_FIELDS,
	SCAN_ENDED
};

struct hdr_scanner {
	enum scan_state	 state;
	size_t		 line;		/* lines pushed so far */
	struct util_buf	 raw;		/* field in progress; empty if none */
	size_t		 namelen, colon, first_line;	/* of that field */
	struct hdr_field *ready;	/* complete, not yet taken */
	int		 body_started;
};

struct hdr_scanner *
hdr_scanner_new(void)
{
	return xcalloc(1, sizeof(struct hdr_scanner));
}

void
hdr_scanner_free(struct hdr_scanner *sc)
{
	if (sc == NULL)
		return;
	free(sc->raw.p);
	hdr_field_free(sc->ready);
	free(sc);
}

void
hdr_field_free(struct hdr_field *fld)
{
	if (fld == NULL)
		return;
	free(fld->name);
	free(fld->value);
	free(fld->raw);
	free(fld);
}

int
hdr_name_is(const struct hdr_field *fld, const char *name)
{
	return strcasecmp(fld->name, name) == 0;
}

/* The field in progress becomes the ready one. */
static void
scan_complete(struct hdr_scanner *sc)
{
	struct hdr_field *fld;
	const char *v;
	size_t i;

	if (sc->raw.len == 0)
		return;
	fld = xcalloc(1, sizeof(*fld));
	fld->name = xstrndup(sc->raw.p, sc->namelen);
	/* The value may start on a continuation line. */
	v = sc->raw.p + sc->colon + 1;
	v += strspn(v, " \t\n");
	fld->value = xmalloc(strlen(v) + 1);
	for (i = 0; *v != '\0'; v++)
		if (*v != '\n')
			fld->value[i++] = *v;
	fld->value[i] = '\0';
	fld->raw = util_buf_take(&sc->raw);
	fld->first_line = sc->first_line;
	sc->ready = fld;
}

/* Length of the field name when line starts a field, else 0. */
static size_t
scan_name(const char *line, size_t len, size_t *colon)
{
	size_t i, j;

	for (i = 0; i < len; i++)
		if (line[i] < 33 || line[i] > 126 || line[i] == ':')
			break;
	/* Blanks before the colon are the obsolete syntax; tolerate them. */
	for (j = i; j < len && (line[j] == ' ' || line[j] == '\t'); j++)
		continue;
	if (i == 0 || j == len || line[j] != ':')
		return 0;
	*colon = j;
	return i;
}

enum hdr_event
hdr_scanner_push(struct hdr_scanner *sc, const char *line, size_t len,
    struct failure *f)
{
	size_t namelen, colon;

	if (sc->ready != NULL) {
		failure_set(f, FAIL_SOFTWARE,
		    "header scanner: field not taken");
		return HDR_ERROR;
	}
	if (sc->state == SCAN_ENDED)
		return HDR_END;
	sc->line++;
	if (memchr(line, '\0', len) != NULL) {
		failure_set(f, FAIL_DATA,
		    "header line %zu: contains a NUL byte", sc->line);
		return HDR_ERROR;
	}
	namelen = scan_name(line, len, &colon);
	/*
	 * An mbox "From " separator may lead the input (messages piped out
	 * of a mailbox).  It is neither a field nor part of the message, so
	 * it is dropped.  "From : x" is a field in the obsolete syntax.
	 */
	if (sc->state == SCAN_START && namelen == 0 && len >= 5 &&
	    memcmp(line, "From ", 5) == 0) {
		sc->state = SCAN_FIELDS;
		return HDR_NONE;
	}
	sc->state = SCAN_FIELDS;
	if (len > 0 && (line[0] == ' ' || line[0] == '\t') &&
	    sc->raw.len > 0) {
		util_buf_add(&sc->raw, "\n", 1);
		util_buf_add(&sc->raw, line, len);
		return HDR_NONE;
	}
	if (namelen > 0) {
		scan_complete(sc);
		sc->namelen = namelen;
		sc->colon = colon;
		sc->first_line = sc->line;
		util_buf_add(&sc->raw, line, len);
		return sc->ready != NULL ? HDR_FIELD : HDR_NONE;
	}
	/* An empty line, or a line that belongs to the body. */
	sc->body_started = len > 0;
	sc->state = SCAN_ENDED;
	scan_complete(sc);
	return sc->ready != NULL ? HDR_FIELD : HDR_END;
}

enum hdr_event
hdr_scanner_finish(struct hdr_scanner *sc)
{
	if (sc->ready != NULL)
		return HDR_FIELD;
	sc->state = SCAN_ENDED;
	scan_complete(sc);
	return sc->ready != NULL ? HDR_FIELD : HDR_END;
}

struct hdr_field *
hdr_scanner_take(struct hdr_scanner *sc)
{
	struct hdr_field *fld = sc->ready;

	sc->ready = NULL;
	return fld;
}

int
hdr_scanner_body_started(const struct hdr_scanner *sc)
{
	return sc->body_started;
}
