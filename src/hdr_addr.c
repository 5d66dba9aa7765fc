/*
 * hdr_addr.c - RFC 5322 address lists and display-name phrases.
 *
 * The parser tokenizes a To/Cc/Bcc/From value first and then walks the
 * tokens, so comments and blanks never reach the grammar.  The encoder
 * writes a display name back in a form any reader can take.  Nothing
 * here does I/O.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hdr.h"

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
	p->t[p->n++] = (struct tok){ type, pos, len, space };
}

/*
 * Offset just past what s[i] opens ("quoted", (comment) or [literal]),
 * skipping quoted pairs and nested comments; 0 when it is not closed.
 */
static size_t
lex_span(const char *s, size_t i, char close)
{
	int depth = 1;

	for (i++; s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
		else if (close == ')' && s[i] == '(')
			depth++;
		else if (s[i] == close && --depth == 0)
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
		end = lex_span(s, i, s[i] == '"' ? '"' : ']');
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
		return perr(p, i, s[i] == ')' ? "unbalanced ')'" :
		    s[i] == ']' ? "unbalanced ']'" : "unexpected '\\'");
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
			if ((end = lex_span(s, i, ')')) == 0)
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

/* A blank or comment in the input becomes one blank in a display name. */
static char *
phrase_text(const struct parser *p, size_t from, size_t to)
{
	struct util_buf b = { 0 };
	const struct tok *tk;
	const char *s;
	size_t k, j;

	for (k = from; k < to; k++) {
		tk = &p->t[k];
		s = p->s + tk->pos;
		if (k > from && tk->space)
			util_buf_add(&b, " ", 1);
		if (tk->type != TOK_QUOTED) {
			util_buf_add(&b, s, tk->len);
			continue;
		}
		for (j = 1; j + 1 < tk->len; j++) {
			if (s[j] == '\\')
				j++;
			util_buf_add(&b, s + j, 1);
		}
	}
	if (b.len == 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Obsolete syntax allows blanks around dots, but two words need one. */
static int
dot_between(const struct parser *p, const struct tok *a, const struct tok *b)
{
	return (a->type == TOK_WORD && p->s[a->pos + a->len - 1] == '.') ||
	    (b->type == TOK_WORD && p->s[b->pos] == '.');
}

/* Tokens from..to as written, without blanks or comments; or NULL. */
static char *
dotted_text(const struct parser *p, size_t from, size_t to)
{
	struct util_buf b = { 0 };
	const struct tok *tk;
	size_t k;

	for (k = from; k < to; k++) {
		tk = &p->t[k];
		if (tk->type != TOK_WORD && tk->type != TOK_QUOTED)
			break;
		if (k > from && !dot_between(p, tk - 1, tk))
			break;
		util_buf_add(&b, p->s + tk->pos, tk->len);
	}
	if (k < to || b.len == 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static char *
parse_domain(struct parser *p)
{
	const struct tok *tk = peek(p);
	size_t from = p->i;

	if (tk->type == TOK_LITERAL) {
		p->i++;
		return xstrndup(p->s + tk->pos, tk->len);
	}
	while (peek(p)->type == TOK_WORD &&
	    (p->i == from || dot_between(p, peek(p) - 1, peek(p))))
		p->i++;
	if (p->i == from) {
		perr(p, tk->pos, "missing domain after '@'");
		return NULL;
	}
	return dotted_text(p, from, p->i);
}

/* The local part is in tokens from..p->i; "@domain" may follow. */
static char *
parse_addr_spec(struct parser *p, size_t from)
{
	char *local, *domain, *addr;

	if (p->i == from) {
		perr_tok(p, peek(p));
		return NULL;
	}
	if ((local = dotted_text(p, from, p->i)) == NULL) {
		perr(p, p->t[from].pos, "not an address (no '<' or '@')");
		return NULL;
	}
	if (!is_sp(p, peek(p), '@'))
		return local;	/* a bare local name such as "root" */
	p->i++;
	if ((domain = parse_domain(p)) == NULL) {
		free(local);
		return NULL;
	}
	addr = xasprintf("%s@%s", local, domain);
	free(local);
	free(domain);
	return addr;
}

static void
addr_add(struct parser *p, char *addr, char *display)
{
	struct hdr_addrlist *l = p->out;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].addr = addr;
	l->v[l->n].display = display;
	l->n++;
}

/* Obsolete source route "@r1,@r2:" before the addr-spec: dropped. */
static int
skip_route(struct parser *p)
{
	char *d;

	for (;;) {
		if (!is_sp(p, peek(p), '@'))
			return perr_tok(p, peek(p));
		p->i++;
		if ((d = parse_domain(p)) == NULL)
			return -1;
		free(d);
		while (is_sp(p, peek(p), ','))
			p->i++;
		if (is_sp(p, peek(p), ':')) {
			p->i++;
			return 0;
		}
	}
}

/* "<" [route] addr-spec ">"; display is owned. */
static int
parse_angle(struct parser *p, char *display)
{
	const struct tok *lt = peek(p), *tk;
	char *addr = NULL;
	size_t from;

	p->i++;
	if (is_sp(p, peek(p), '@') && skip_route(p) == -1)
		goto fail;
	if (is_sp(p, peek(p), '>')) {
		perr(p, lt->pos, "empty address '<>'");
		goto fail;
	}
	for (from = p->i; peek(p)->type == TOK_WORD ||
	    peek(p)->type == TOK_QUOTED; p->i++)
		continue;
	if ((addr = parse_addr_spec(p, from)) == NULL)
		goto fail;
	tk = peek(p);
	if (!is_sp(p, tk, '>')) {
		if (tk->type == TOK_END || is_sp(p, tk, ','))
			perr(p, lt->pos, "missing '>' for '<'");
		else
			perr_tok(p, tk);
		goto fail;
	}
	p->i++;
	addr_add(p, addr, display);
	return 0;
fail:
	free(addr);
	free(display);
	return -1;
}

static int parse_list(struct parser *, int);

/* "name:" [members] ";" with the name in tokens from..p->i. */
static int
parse_group(struct parser *p, size_t from)
{
	if (p->i == from)
		return perr(p, peek(p)->pos, "group without a name");
	p->i++;
	if (parse_list(p, 1) == -1)
		return -1;
	/* A group cut off at the end of the value is accepted. */
	if (is_sp(p, peek(p), ';'))
		p->i++;
	return 0;
}

static int
parse_member(struct parser *p, int in_group)
{
	size_t from = p->i;
	const struct tok *tk;
	char *addr;

	while (peek(p)->type == TOK_WORD || peek(p)->type == TOK_QUOTED)
		p->i++;
	tk = peek(p);
	if (is_sp(p, tk, '<'))
		return parse_angle(p, phrase_text(p, from, p->i));
	if (is_sp(p, tk, ':')) {
		if (in_group)
			return perr(p, tk->pos, "nested group");
		return parse_group(p, from);
	}
	if ((addr = parse_addr_spec(p, from)) == NULL)
		return -1;
	addr_add(p, addr, NULL);
	return 0;
}

static int
parse_list(struct parser *p, int in_group)
{
	const struct tok *tk;

	for (;;) {
		tk = peek(p);
		if (tk->type == TOK_END || (in_group && is_sp(p, tk, ';')))
			return 0;
		if (is_sp(p, tk, ',')) {	/* empty member */
			p->i++;
			continue;
		}
		if (parse_member(p, in_group) == -1)
			return -1;
		tk = peek(p);
		if (tk->type == TOK_END || is_sp(p, tk, ',') ||
		    (in_group && is_sp(p, tk, ';')))
			continue;
		if (is_sp(p, tk, '>'))
			return perr(p, tk->pos, "unbalanced '>'");
		return perr_tok(p, tk);
	}
}

int
hdr_addrlist_parse(const char *value, struct hdr_addrlist *out,
    struct failure *f)
{
	struct parser p = { .s = value, .out = out, .f = f };
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = lex(&p);
	if (rc == 0)
		rc = parse_list(&p, 0);
	free(p.t);
	if (rc == -1)
		hdr_addrlist_clear(out);
	return rc;
}

void
hdr_addrlist_clear(struct hdr_addrlist *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++) {
		free(list->v[i].addr);
		free(list->v[i].display);
	}
	free(list->v);
	list->v = NULL;
	list->n = 0;
}

/* Phrase encoding. */

/* 45 bytes are 60 base64 characters: 72 with "=?UTF-8?B?" and "?=". */
#define EW_MAXBYTES 45

static void
b64_add(struct util_buf *b, const unsigned char *s, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	char q[4];
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		util_buf_add(b, q, 4);
	}
}

/* Length of the UTF-8 character at s; a broken sequence counts as 1. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n = 1 + (s[0] >= 0xc0) + (s[0] >= 0xe0) + (s[0] >= 0xf0), i;

	for (i = 1; i < n && s[0] < 0xf8; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return s[0] < 0xf8 ? n : 1;
}

static char *
phrase_encoded(const unsigned char *s)
{
	struct util_buf b = { 0 };
	size_t len, n;

	while (*s != '\0') {
		/* Never split a character: each word must decode alone. */
		for (len = 0; s[len] != '\0'; len += n)
			if (len + (n = utf8_len(s + len)) > EW_MAXBYTES)
				break;
		if (b.len > 0)
			util_buf_add(&b, " ", 1);
		util_buf_add(&b, "=?UTF-8?B?", 10);
		b64_add(&b, s, len);
		util_buf_add(&b, "?=", 2);
		s += len;
	}
	return util_buf_take(&b);
}

static char *
phrase_quoted(const char *s)
{
	struct util_buf b = { 0 };

	util_buf_add(&b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			util_buf_add(&b, "\\", 1);
		util_buf_add(&b, s, 1);
	}
	util_buf_add(&b, "\"", 1);
	return util_buf_take(&b);
}

char *
hdr_encode_phrase(const char *phrase)
{
	const unsigned char *s = (const unsigned char *)phrase;
	size_t i;
	/* Quoting also keeps a literal "=?" from being read as encoded. */
	int quote = *s == '\0' || strstr(phrase, "=?") != NULL;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] >= 0x80 || s[i] < 0x20 || s[i] == 0x7f)
			return phrase_encoded(s);
		if (strchr("()<>[]:;@\\,.\"", s[i]) != NULL)
			quote = 1;
	}
	return quote ? phrase_quoted(phrase) : xstrdup(phrase);
}
