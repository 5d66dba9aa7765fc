/*
 * expand.c - the %U, %H, %C and %M patterns of "from" and "domain", and
 * %F of "from_full_name".
 *
 * Each value is looked up only when its pattern appears, so a plain
 * address never costs a host name lookup or a file read.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "expand.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 255
#endif

char *
expand_user(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u == NULL)
		u = getenv("LOGNAME");
	if (u == NULL && (pw = getpwuid(getuid())) != NULL)
		u = pw->pw_name;
	return xstrdup(u != NULL ? u : "");
}

static char *
host_name(void)
{
	const char *h = getenv("HOSTNAME");
	char buf[HOST_NAME_MAX + 1];

	if (h != NULL && *h != '\0')
		return xstrdup(h);
	if (gethostname(buf, sizeof(buf)) == -1)
		return xstrdup("localhost");
	buf[sizeof(buf) - 1] = '\0';
	return xstrdup(buf);
}

static char *
canon_name(void)
{
	struct addrinfo hints, *res = NULL;
	char *host = host_name(), *canon;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL ||
	    res->ai_canonname == NULL) {
		if (res != NULL)
			freeaddrinfo(res);
		return host;
	}
	canon = xstrdup(res->ai_canonname);
	freeaddrinfo(res);
	free(host);
	return canon;
}

static int
mail_name(char **out, struct failure *f)
{
	const char *path = SYSCONFDIR "/mailname";
	char *line = NULL;
	size_t cap = 0;
	FILE *fp;

	*out = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		failure_set(f, FAIL_CONFIG, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (getline(&line, &cap, fp) == -1) {
		free(line);
		line = xstrdup("");
	}
	fclose(fp);
	line[strcspn(line, "\r\n")] = '\0';
	*out = line;
	return 0;
}

/* The passwd GECOS field up to its first comma (the rest is office and
 * telephone numbers); "" when there is none. */
static char *
full_name(void)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw == NULL || pw->pw_gecos == NULL)
		return xstrdup("");
	return xstrndup(pw->pw_gecos, strcspn(pw->pw_gecos, ","));
}

static int
value_of(char c, char **v, struct failure *f)
{
	switch (c) {
	case 'F':
		*v = full_name();
		return 0;
	case 'U':
		*v = expand_user();
		return 0;
	case 'H':
		*v = host_name();
		return 0;
	case 'C':
		*v = canon_name();
		return 0;
	default:
		return mail_name(v, f);
	}
}

int
expand_patterns(const char *s, const char *which, char **out,
    struct failure *f)
{
	char *res = xstrdup(""), *v, *next;
	const char *p;

	*out = NULL;
	for (p = s; *p != '\0'; p++) {
		v = NULL;
		if (p[0] == '%' && p[1] != '\0' &&
		    strchr(which, p[1]) != NULL) {
			if (value_of(p[1], &v, f) == -1) {
				free(res);
				return -1;
			}
			p++;
		}
		next = v != NULL ? xasprintf("%s%s", res, v) :
		    xasprintf("%s%c", res, *p);
		free(v);
		free(res);
		res = next;
	}
	*out = res;
	return 0;
}
