/*
 * aliases.c - expand local envelope recipients through an aliases file.
 *
 * The file is small and read once, so a flat array searched in order is
 * enough.  Expansion recurses into targets that are local themselves;
 * a depth limit turns an alias loop into an error instead of a hang.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"

#define ALIASES_DEPTH_MAX 16
/*
 * Entries visited for one address: a few lines whose targets repeat
 * ("a: b, b, b" and so on down) would otherwise take exponential time
 * and memory within the depth limit.
 */
#define ALIASES_VISITS_MAX 10000

struct alias {
	char *name;
	char **targets;
	size_t ntargets;
};

struct aliases {
	char *path;
	struct alias *v;
	size_t n;
};


static const struct alias *
find(const struct aliases *al, const char *name)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (strcmp(al->v[i].name, name) == 0)
			return &al->v[i];
	return NULL;
}

/* "name: a, b" with any comment already cut off. */
static int
parse_line(struct aliases *al, char *line, unsigned lineno,
    struct failure *f)
{
	char *colon = strchr(line, ':'), *name, *t;
	struct alias *a;

	if (colon == NULL) {
		failure_set(f, FAIL_CONFIG, "%s:%u: expected 'name: address, "
		    "...'", al->path, lineno);
		return -1;
	}
	*colon = '\0';
	name = util_trim(line);
	if (*name == '\0' || util_has_ctl(name) || util_has_ctl(colon + 1)) {
		failure_set(f, FAIL_CONFIG, "%s:%u: %s", al->path, lineno,
		    *name == '\0' ? "empty alias name" : "contains a line "
		    "break or control character");
		return -1;
	}
	al->v = xreallocarray(al->v, al->n + 1, sizeof(*al->v));
	a = &al->v[al->n++];
	memset(a, 0, sizeof(*a));
	a->name = xstrdup(name);
	for (line = colon + 1; (t = strsep(&line, ",")) != NULL;) {
		if (*(t = util_trim(t)) == '\0')
			continue;
		a->targets = xreallocarray(a->targets, a->ntargets + 1,
		    sizeof(*a->targets));
		a->targets[a->ntargets++] = xstrdup(t);
	}
	return 0;
}

static int
parse_file(struct aliases *al, FILE *fp, struct failure *f)
{
	char *line = NULL, *s;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	int rc = 0;

	while (rc == 0 && (len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (memchr(line, '\0', (size_t)len) != NULL) {
			failure_set(f, FAIL_CONFIG, "%s:%u: line contains a "
			    "NUL byte", al->path, lineno);
			rc = -1;
			break;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		line[strcspn(line, "#")] = '\0';
		s = util_trim(line);
		if (*s != '\0')
			rc = parse_line(al, s, lineno, f);
	}
	if (rc == 0 && ferror(fp)) {
		failure_set(f, FAIL_NOINPUT, "%s: cannot read: %s", al->path,
		    strerror(errno));
		rc = -1;
	}
	free(line);
	return rc;
}

int
aliases_load(const char *path, struct aliases **out, struct failure *f)
{
	struct aliases *al;
	FILE *fp;
	int rc;

	*out = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		failure_set(f, FAIL_NOINPUT, "aliases file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	al = xcalloc(1, sizeof(*al));
	al->path = xstrdup(path);
	rc = parse_file(al, fp, f);
	fclose(fp);
	if (rc == -1) {
		aliases_free(al);
		return -1;
	}
	*out = al;
	return 0;
}

void
aliases_free(struct aliases *al)
{
	size_t i, j;

	if (al == NULL)
		return;
	for (i = 0; i < al->n; i++) {
		free(al->v[i].name);
		for (j = 0; j < al->v[i].ntargets; j++)
			free(al->v[i].targets[j]);
		free(al->v[i].targets);
	}
	free(al->v);
	free(al->path);
	free(al);
}

static void
push(char ***v, size_t *n, const char *addr)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[(*n)++] = xstrdup(addr);
}

static int
expand(const struct aliases *al, const char *addr, int depth,
    unsigned *visits, char ***v, size_t *n, struct failure *f)
{
	const struct alias *a;
	size_t i;

	/* aliases_expand() says which address this was. */
	if (++*visits > ALIASES_VISITS_MAX)
		return -1;
	if (strchr(addr, '@') != NULL ||
	    ((a = find(al, addr)) == NULL && (a = find(al, "default")) ==
	    NULL)) {
		push(v, n, addr);
		return 0;
	}
	if (depth >= ALIASES_DEPTH_MAX) {
		failure_set(f, FAIL_CONFIG, "%s: too many redirects when "
		    "expanding alias '%s'", al->path, addr);
		return -1;
	}
	for (i = 0; i < a->ntargets; i++)
		if (expand(al, a->targets[i], depth + 1, visits, v, n, f) ==
		    -1)
			return -1;
	return 0;
}

int
aliases_expand(const struct aliases *al, const char *addr, char ***v,
    size_t *n, struct failure *f)
{
	unsigned visits = 0;

	if (expand(al, addr, 0, &visits, v, n, f) == 0)
		return 0;
	if (visits > ALIASES_VISITS_MAX)
		failure_set(f, FAIL_CONFIG, "%s: alias '%s' expands to too "
		    "many addresses", al->path, addr);
	return -1;
}
