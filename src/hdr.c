/*
 * hdr.c - RFC 5322 header scanning, address lists and phrase encoding.
 *
 * The scanner turns pushed lines into unfolded fields and notices where
 * the header section ends.  The address parser tokenizes a To/Cc/Bcc/From
 * value first and then walks the tokens, so comments and blanks never
 * reach the grammar.  Nothing here does I/O.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hdr.h"

struct buf {
	char	*p;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static char *
buf_take(struct buf *b)
{
	char *p = b->p != NULL ? b->p : xstrdup("");

	memset(b, 0, sizeof(*b));
	return p;
}

/* Header scanner. */

enum scan_state {
	SCAN_START,		/* nothing pushed yet */
	SCAN_FIELDS,
	SCAN_ENDED
};

struct hdr_scanner {
	enum scan_state	 state;
	size_t		 line;		/* lines pushed so far */
	char		*name;		/* field in progress, or NULL */
	struct buf	 value, raw;
	size_t		 first_line;
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
	free(sc->name);
	free(sc->value.p);
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
	char *v;

	if (sc->name == NULL)
		return;
	fld = xcalloc(1, sizeof(*fld));
	fld->name = sc->name;
	fld->raw = buf_take(&sc->raw);
	v = buf_take(&sc->value);
	/* The value may start on a continuation line. */
	fld->value = xstrdup(v + strspn(v, " \t"));
	free(v);
	fld->first_line = sc->first_line;
	sc->name = NULL;
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

static void
scan_start(struct hdr_scanner *sc, const char *line, size_t len,
    size_t namelen, size_t colon)
{
	sc->name = xstrndup(line, namelen);
	sc->first_line = sc->line;
	buf_add(&sc->value, line + colon + 1, len - colon - 1);
	buf_add(&sc->raw, line, len);
}

static int
is_mbox_from(const char *line, size_t len)
{
	return len >= 5 && memcmp(line, "From ", 5) == 0;
}

enum hdr_event
hdr_scanner_push(struct hdr_scanner *sc, const char *line, size_t len,
    struct failure *f)
{
	size_t namelen, colon;

	if (sc->ready != NULL) {
		failure_set(f, FAIL_SOFTWARE, "header scanner: field not taken");
		return HDR_ERROR;
	}
	if (sc->state == SCAN_ENDED)
		return HDR_END;
	sc->line++;
	if (memchr(line, '\0', len) != NULL) {
		failure_set(f, FAIL_DATA, "header line %zu: contains a NUL byte",
		    sc->line);
		return HDR_ERROR;
	}
	/*
	 * An mbox "From " separator may lead the input (messages piped out
	 * of a mailbox).  It is neither a field nor part of the message, so
	 * it is dropped.
	 */
	if (sc->state == SCAN_START && is_mbox_from(line, len)) {
		sc->state = SCAN_FIELDS;
		return HDR_NONE;
	}
	sc->state = SCAN_FIELDS;
	if (len > 0 && (line[0] == ' ' || line[0] == '\t') &&
	    sc->name != NULL) {
		buf_add(&sc->value, line, len);
		buf_add(&sc->raw, "\n", 1);
		buf_add(&sc->raw, line, len);
		return HDR_NONE;
	}
	if ((namelen = scan_name(line, len, &colon)) > 0) {
		scan_complete(sc);
		scan_start(sc, line, len, namelen, colon);
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

/* Address lists: tokens first, then the grammar over them. */

enum tok_type {
	TOK_WORD,		/* atom, dots included */
	TOK_QUOTED,		/* "quoted string", raw with quotes */
	TOK_LITERAL,		/* [domain literal] */
	TOK_SPECIAL,		/* one of < > @ , : ; */
	TOK_END
};

struct tok {
	enum tok_type	 type;
	size_t		 pos;		/* offset in the value */
	size_t		 len;		/* raw length */
	int		 space;		/* blank or comment before it */
};

struct parser {
	const char		*s;
	struct tok		*t;
	size_t			 n, i;
	struct hdr_addrlist	*out;
	struct failure		*f;
};

static int
perr(struct parser *p, size_t pos, const char *what)
{
	failure_set(p->f, FAIL_DATA, "%s at position %zu", what, pos + 1);
	return -1;
}

static int
perr_tok(struct parser *p, const struct tok *tk)
{
	if (tk->type == TOK_END)
		return perr(p, tk->pos, "unexpected end of address list");
	failure_set(p->f, FAIL_DATA, "unexpected '%.*s' at position %zu",
	    (int)(tk->len > 40 ? 40 : tk->len), p->s + tk->pos, tk->pos + 1);
	return -1;
}

static void
tok_add(struct parser *p, enum tok_type type, size_t pos, size_t len,
    int space)
{
	p->t = xreallocarray(p->t, p->n + 1, sizeof(*p->t));
	p->t[p->n].type = type;
	p->t[p->n].pos = pos;
	p->t[p->n].len = len;
	p->t[p->n].space = space;
	p->n++;
}

/*
 * Ends of the bracketed tokens opened at s[i]: the offset just past the
 * closing character, or 0 when it is missing.  Quoted pairs are skipped.
 */
static size_t
lex_quoted(const char *s, size_t i)
{
	for (i++; s[i] != '\0'; i++) {
		if (s[i] == '\\') {
			if (s[++i] == '\0')
				return 0;
			continue;
		}
		if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

static size_t
lex_comment(const char *s, size_t i)
{
	int depth = 0;

	for (; s[i] != '\0'; i++) {
		if (s[i] == '\\') {
			if (s[++i] == '\0')
				return 0;
			continue;
		}
		if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return 0;
}

static size_t
lex_literal(const char *s, size_t i)
{
	for (i++; s[i] != '\0' && s[i] != '['; i++) {
		if (s[i] == '\\') {
			if (s[++i] == '\0')
				return 0;
			continue;
		}
		if (s[i] == ']')
			return i + 1;
	}
	return 0;
}

static int
lex_check(struct parser *p)
{
	const unsigned char *s = (const unsigned char *)p->s;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\r' || s[i] == '\n')
			return perr(p, i, "line break");
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return perr(p, i, "control character");
	}
	return 0;
}

static int
lex_one(struct parser *p, size_t *ip, int space)
{
	const char *s = p->s;
	size_t i = *ip, end;

	if (s[i] == '"' || s[i] == '[') {
		end = s[i] == '"' ? lex_quoted(s, i) : lex_literal(s, i);
		if (end == 0)
			return perr(p, i, s[i] == '"' ?
			    "unterminated quoted string" :
			    "unterminated domain literal");
		tok_add(p, s[i] == '"' ? TOK_QUOTED : TOK_LITERAL, i,
		    end - i, space);
	} else if (strchr("<>@,:;", s[i]) != NULL) {
		end = i + 1;
		tok_add(p, TOK_SPECIAL, i, 1, space);
	} else if (strchr(")]\\", s[i]) != NULL) {
		failure_set(p->f, FAIL_DATA, "unbalanced '%c' at position %zu",
		    s[i], i + 1);
		return -1;
	} else {
		end = i + strcspn(s + i, " \t()<>[]:;@\\,\"");
		tok_add(p, TOK_WORD, i, end - i, space);
	}
	*ip = end;
	return 0;
}

static int
lex(struct parser *p)
{
	const char *s = p->s;
	size_t i = 0, end;
	int space = 0;

	if (lex_check(p) == -1)
		return -1;
	while (s[i] != '\0') {
		if (s[i] == ' ' || s[i] == '\t') {
			i++;
			space = 1;
		} else if (s[i] == '(') {
			if ((end = lex_comment(s, i)) == 0)
				return perr(p, i, "unterminated comment");
			i = end;
			space = 1;
		} else {
			if (lex_one(p, &i, space) == -1)
				return -1;
			space = 0;
		}
	}
	tok_add(p, TOK_END, i, 0, space);
	return 0;
}

static const struct tok *
peek(const struct parser *p)
{
	return &p->t[p->i];
}

static int
is_sp(const struct parser *p, const struct tok *tk, char c)
{
	return tk->type == TOK_SPECIAL && p->s[tk->pos] == c;
}
