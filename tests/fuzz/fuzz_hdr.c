/*
 * fuzz_hdr.c - libFuzzer harness for the header scanner, the address
 * list parser and the phrase encoder (hdr.c).
 *
 * The input is a header section, one line per '\n'.  Each field the
 * scanner returns is checked (a name without blanks, colons or control
 * bytes, a raw form that starts with the name) and its value goes
 * through hdr_addrlist_parse(): every address must be non-empty and free
 * of CR, LF and NUL, since with -t it becomes an RCPT TO line.  Every
 * display name, and the first line of the input itself, goes through
 * hdr_encode_phrase(), whose result must hold no control byte at all:
 * that is what keeps a From written with -F on one header line.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hdr.h"

static void
check_phrase(const char *phrase)
{
	char *enc = hdr_encode_phrase(phrase);
	size_t i;

	for (i = 0; enc[i] != '\0'; i++)
		if ((unsigned char)enc[i] < 0x20 || enc[i] == 0x7f)
			fuzz_fail("control byte 0x%02x in an encoded phrase",
			    (unsigned char)enc[i]);
	free(enc);
}

static void
check_addrs(const char *value)
{
	struct hdr_addrlist list;
	struct failure f;
	size_t i;

	memset(&f, 0, sizeof(f));
	if (hdr_addrlist_parse(value, &list, &f) == -1) {
		if (list.n != 0 || f.cls != FAIL_DATA)
			fuzz_fail("failed parse leaves %zu addresses", list.n);
		return;
	}
	for (i = 0; i < list.n; i++) {
		if (list.v[i].addr == NULL || list.v[i].addr[0] == '\0')
			fuzz_fail("empty address %zu", i);
		if (strpbrk(list.v[i].addr, "\r\n") != NULL)
			fuzz_fail("line break in address %zu", i);
		if (list.v[i].display != NULL)
			check_phrase(list.v[i].display);
	}
	hdr_addrlist_clear(&list);
}

static void
check_field(const struct hdr_field *fld)
{
	size_t i, n = strlen(fld->name);

	if (n == 0 || strncmp(fld->raw, fld->name, n) != 0)
		fuzz_fail("field name \"%s\" not at the start", fld->name);
	for (i = 0; i < n; i++)
		if ((unsigned char)fld->name[i] <= 0x20 ||
		    fld->name[i] == 0x7f || fld->name[i] == ':')
			fuzz_fail("byte 0x%02x in a field name",
			    (unsigned char)fld->name[i]);
	if (strchr(fld->value, '\n') != NULL)
		fuzz_fail("LF left in an unfolded value");
	check_addrs(fld->value);
}

/* Take every field the scanner has ready; -1 once it is done. */
static int
drain(struct hdr_scanner *sc, enum hdr_event ev, int ended)
{
	struct hdr_field *fld;

	while (ev == HDR_FIELD) {
		if ((fld = hdr_scanner_take(sc)) == NULL)
			fuzz_fail("HDR_FIELD but nothing to take");
		check_field(fld);
		hdr_field_free(fld);
		ev = ended ? hdr_scanner_finish(sc) : HDR_NONE;
	}
	return ev == HDR_END || ev == HDR_ERROR ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct hdr_scanner *sc = hdr_scanner_new();
	struct failure f;
	enum hdr_event ev;
	size_t len, n = 0;
	char *line;
	int done = 0;

	while (!done && (line = fuzz_line(&in, &len)) != NULL) {
		if (n++ == 0)
			check_phrase(line);
		memset(&f, 0, sizeof(f));
		ev = hdr_scanner_push(sc, line, len, &f);
		done = drain(sc, ev, len == 0 ||
		    hdr_scanner_body_started(sc)) == -1;
		free(line);
	}
	if (!done)
		drain(sc, hdr_scanner_finish(sc), 1);
	hdr_scanner_free(sc);
	return 0;
}
