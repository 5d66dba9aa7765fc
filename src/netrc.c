/*
 * netrc.c - reads netrc(5) files for a password.
 *
 * The file is read whole (it is small) into a buffer that is wiped
 * afterwards, then scanned token by token.  An entry runs from its
 * "machine" or "default" keyword to the next one; it is judged when it
 * ends, so the order of login and password inside it does not matter.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netrc.h"

/* A netrc larger than this is not a netrc. */
#define NETRC_MAX (1024 * 1024)

struct scan {
	const char *buf;
	size_t len;
	size_t pos;
};

/* One entry being read; strings owned and wiped by entry_clear(). */
struct entry {
	int is_default;
	char *machine;
	char *login;
	char *password;
};

static void
wipe(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
entry_clear(struct entry *e)
{
	free(e->machine);
	wipe(e->login);
	wipe(e->password);
	memset(e, 0, sizeof(*e));
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The next token, newly allocated, or NULL at the end of the buffer. */
static char *
next_token(struct scan *s)
{
	char *tok, *w;
	int quoted;

	while (s->pos < s->len && is_blank(s->buf[s->pos]))
		s->pos++;
	if (s->pos >= s->len)
		return NULL;
	quoted = s->buf[s->pos] == '"';
	s->pos += quoted;
	tok = w = xmalloc(s->len - s->pos + 1);
	while (s->pos < s->len) {
		char c = s->buf[s->pos++];

		if (quoted && c == '"')
			break;
		if (!quoted && is_blank(c))
			break;
		if (quoted && c == '\\' && s->pos < s->len)
			c = s->buf[s->pos++];
		*w++ = c;
	}
	*w = '\0';
	return tok;
}

/* A macro definition ends at the first empty line. */
static void
skip_macdef(struct scan *s)
{
	while (s->pos < s->len) {
		if (s->buf[s->pos] == '\n' && s->pos + 1 < s->len &&
		    s->buf[s->pos + 1] == '\n') {
			s->pos += 2;
			return;
		}
		s->pos++;
	}
}

static int
entry_matches(const struct entry *e, const char *host, const char *user)
{
	if (e->password == NULL)
		return 0;
	if (e->login != NULL && user != NULL && strcmp(e->login, user) != 0)
		return 0;
	return e->is_default || (e->machine != NULL &&
	    strcasecmp(e->machine, host) == 0);
}

/*
 * Judge the finished entry: a matching machine ends the search (1), a
 * matching default is kept in *dflt for when none does.
 */
static int
entry_done(struct entry *e, const char *host, const char *user,
    char **found, char **dflt)
{
	int r = 0;

	if (entry_matches(e, host, user)) {
		if (!e->is_default) {
			*found = e->password;
			e->password = NULL;
			r = 1;
		} else if (*dflt == NULL) {
			*dflt = e->password;
			e->password = NULL;
		}
	}
	entry_clear(e);
	return r;
}

/* Store the value after keyword tok in the entry; 0 or -1 at the end. */
static int
entry_put(struct scan *s, struct entry *e, const char *tok)
{
	char **slot = NULL, *v;

	if (strcmp(tok, "macdef") == 0) {
		free(next_token(s));
		skip_macdef(s);
		return 0;
	}
	if (strcmp(tok, "login") == 0)
		slot = &e->login;
	else if (strcmp(tok, "password") == 0)
		slot = &e->password;
	else if (strcmp(tok, "machine") == 0)
		slot = &e->machine;
	else if (strcmp(tok, "account") != 0)
		return 0;	/* unknown words are skipped one by one */
	if ((v = next_token(s)) == NULL)
		return -1;
	if (slot == NULL) {
		wipe(v);
		return 0;
	}
	wipe(*slot);
	*slot = v;
	return 0;
}

int
netrc_search(const char *buf, size_t len, const char *host,
    const char *user, char **password)
{
	struct scan s = { buf, len, 0 };
	struct entry e;
	char *tok, *found = NULL, *dflt = NULL;
	int in_entry = 0, r = 0;

	memset(&e, 0, sizeof(e));
	while (r == 0 && (tok = next_token(&s)) != NULL) {
		if (strcmp(tok, "macdef") == 0) {
			(void)entry_put(&s, &e, tok);
		} else if (strcmp(tok, "machine") == 0 ||
		    strcmp(tok, "default") == 0) {
			if (in_entry)
				r = entry_done(&e, host, user, &found, &dflt);
			in_entry = 1;
			e.is_default = strcmp(tok, "default") == 0;
			if (!e.is_default && entry_put(&s, &e, tok) < 0)
				in_entry = 0;
		} else if (in_entry && entry_put(&s, &e, tok) < 0) {
			in_entry = 0;
		}
		wipe(tok);
	}
	if (r == 0 && in_entry)
		(void)entry_done(&e, host, user, &found, &dflt);
	entry_clear(&e);
	if (found == NULL) {
		found = dflt;
		dflt = NULL;
	}
	wipe(dflt);
	*password = found;
	return found != NULL;
}

/* The whole file, NUL-terminated; NULL with f on error. */
static char *
read_all(int fd, const char *path, size_t *len, struct failure *f)
{
	char *buf = util_read_secret(fd, NETRC_MAX, len);

	if (buf == NULL)
		failure_set(f, FAIL_CONFIG, "%s: %s", path, errno == E2BIG ?
		    "too large for a netrc file" : strerror(errno));
	return buf;
}

static int
check_private(int fd, const char *path, struct failure *f)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		failure_set(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		failure_set(f, FAIL_CONFIG, "%s: ignored: holds passwords "
		    "and %s (chmod 600)", path, st.st_uid != geteuid() ?
		    "belongs to another user" : "others may read it");
		return -1;
	}
	return 0;
}

int
netrc_find(const char *path, int must_be_private, const char *host,
    const char *user, char **password, struct failure *f)
{
	char *buf;
	size_t len = 0;
	int fd, r;

	*password = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		failure_set(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (must_be_private && check_private(fd, path, f) < 0) {
		close(fd);
		return -1;
	}
	buf = read_all(fd, path, &len, f);
	close(fd);
	if (buf == NULL)
		return -1;
	r = netrc_search(buf, len, host, user, password);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}
