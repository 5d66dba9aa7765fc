/*
 * secret.c - holds passwords and tokens, and nothing else touches them.
 *
 * A struct secret is the only place the plaintext lives outside the SASL
 * library.  It is never printed: the only way out is secret_lend(), which
 * hands the bytes to one callback for the length of one call.  Every copy
 * is wiped before its memory is released, including the buffers a
 * passwordeval command's output, a netrc file or a typed line passed
 * through.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifdef HAVE_LIBSECRET
#include <libsecret/secret.h>
#endif

#include "log.h"
#include "netrc.h"
#include "secret.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* Large enough for any OAuth token; more is a command gone wrong. */
#define SECRET_EVAL_MAX (1024 * 1024)
/* Nobody types more than this at a password prompt. */
#define SECRET_TYPED_MAX 1024

struct secret {
	char *plain;		/* NUL-terminated */
	size_t len;
};

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/* Take ownership of plain, which the caller no longer wipes. */
static struct secret *
secret_adopt(char *plain)
{
	struct secret *s = xcalloc(1, sizeof(*s));

	s->plain = plain;
	s->len = strlen(plain);
	return s;
}

/* msmtp's rule: the line ends of the output are not part of it. */
static void
strip_line_ends(char *buf, size_t *len)
{
	while (*len > 0 && (buf[*len - 1] == '\n' || buf[*len - 1] == '\r'))
		buf[--*len] = '\0';
}

/* The child: stdout into the pipe, stdin from /dev/null, then sh -c. */
static void
eval_child(const char *cmd, int out)
{
	int null = open("/dev/null", O_RDONLY), fd;

	if (null >= 0)
		(void)dup2(null, STDIN_FILENO);
	(void)dup2(out, STDOUT_FILENO);
	/* Neither the pipe's other end nor the server connection may stay
	 * open in a daemon the command starts (gpg-agent). */
	if (close_range(3, ~0U, 0) < 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	/* postie ignores SIGPIPE; the command's own pipes should not. */
	(void)signal(SIGPIPE, SIG_DFL);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static int
eval_wait(pid_t pid, struct failure *f)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			failure_set(f, FAIL_OS, "passwordeval: waitpid: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		failure_set(f, FAIL_CONFIG, "passwordeval: the command "
		    "failed with exit status %d", WEXITSTATUS(status));
	else
		failure_set(f, FAIL_CONFIG, "passwordeval: the command was "
		    "killed by signal %d", WTERMSIG(status));
	return -1;
}

/* The command's output is the password; it is never shown anywhere. */
static struct secret *
secret_from_eval(const char *cmd, struct failure *f)
{
	int p[2], r, saved;
	pid_t pid;
	char *out;
	size_t len = 0;

	if (pipe(p) < 0) {
		failure_set(f, FAIL_OS, "passwordeval: pipe: %s",
		    strerror(errno));
		return NULL;
	}
	if ((pid = fork()) < 0) {
		failure_set(f, FAIL_OS, "passwordeval: fork: %s",
		    strerror(errno));
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		close(p[0]);
		eval_child(cmd, p[1]);
	}
	close(p[1]);
	out = util_read_secret(p[0], SECRET_EVAL_MAX, &len);
	saved = errno;
	close(p[0]);
	/* With the pipe closed, a command that still writes gets SIGPIPE. */
	r = eval_wait(pid, f);
	errno = saved;
	if (out == NULL && errno == E2BIG)
		failure_set(f, FAIL_CONFIG, "passwordeval: the command printed "
		    "more than %d bytes", SECRET_EVAL_MAX);
	else if (out == NULL)
		failure_set(f, FAIL_CONFIG, "passwordeval: reading the "
		    "command's output: %s", strerror(errno));
	else if (r == 0 && strlen(out) != len)
		failure_set(f, FAIL_CONFIG, "passwordeval: the command printed "
		    "a NUL byte");
	else if (r == 0 && (strip_line_ends(out, &len), len == 0))
		failure_set(f, FAIL_CONFIG, "passwordeval: the command printed "
		    "nothing");
	else if (r == 0)
		return secret_adopt(out);
	if (out != NULL)
		explicit_bzero(out, len);
	free(out);
	return NULL;
}

#ifdef HAVE_LIBSECRET
/* msmtp's attributes, so a password stored for msmtp is found. */
static const SecretSchema secret_schema = {
	"org.postie.password", SECRET_SCHEMA_DONT_MATCH_NAME,
	{
		{ "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL
};

/*
 * Without a session bus (cron, PHP under a web server) libsecret would try
 * to start one and can stall for its D-Bus timeout: skip the key ring.
 */
static int
keyring_reachable(void)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *bus;
	struct stat st;
	int ok;

	if (getenv("DBUS_SESSION_BUS_ADDRESS") != NULL)
		return 1;
	if (run == NULL || *run == '\0')
		return 0;
	bus = xasprintf("%s/bus", run);
	ok = stat(bus, &st) == 0 && S_ISSOCK(st.st_mode);
	free(bus);
	if (!ok)
		log_debug("key ring: no session bus, not asked");
	return ok;
}

static char *
keyring_lookup(const char *host, const char *user)
{
	GError *err = NULL;
	gchar *pw;
	char *copy = NULL;

	if (user == NULL || !keyring_reachable())
		return NULL;
	pw = secret_password_lookup_sync(&secret_schema, NULL, &err,
	    "host", host, "service", "smtp", "user", user, NULL);
	if (err != NULL) {
		log_debug("key ring: %s", err->message);
		g_error_free(err);
	}
	if (pw != NULL) {
		copy = xstrdup(pw);
		secret_password_free(pw);
	}
	return copy;
}
#else
static char *
keyring_lookup(const char *host, const char *user)
{
	(void)host;
	(void)user;
	return NULL;
}
#endif

/* ~/.netrc, then the system's; a problem with one is only a warning. */
static char *
netrc_lookup(const char *host, const char *user)
{
	char *paths[2], *pw = NULL;
	struct failure f;
	int i, r;

	paths[0] = util_expand_home("~/.netrc");
	paths[1] = xstrdup(SYSCONFDIR "/netrc");
	for (i = 0; i < 2 && pw == NULL; i++) {
		failure_clear(&f);
		r = netrc_find(paths[i], i == 0, host, user, &pw, &f);
		if (r < 0)
			log_warn("%s", f.text);
		else if (r > 0)
			log_debug("password for %s from %s", host, paths[i]);
	}
	free(paths[0]);
	free(paths[1]);
	return pw;
}

/* Read up to a line end; NULL at EOF, on an error or a line too long. */
static char *
prompt_line(int tty)
{
	char *buf = xmalloc(SECRET_TYPED_MAX + 1), c = '\0';
	size_t n = 0;
	ssize_t got;

	for (;;) {
		got = read(tty, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got != 1 || c == '\n' || c == '\r' ||
		    n == SECRET_TYPED_MAX)
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (got == 1 && (c == '\n' || c == '\r'))
		return buf;
	explicit_bzero(buf, n);
	free(buf);
	return NULL;
}

/* Ask on the terminal with echo off, restored whatever happens. */
static char *
prompt_read(int tty, const char *user, const char *host)
{
	struct termios old, quiet;
	int restore = 0;
	char *q, *line;

	/*
	 * Echo goes off before the prompt appears: TCSAFLUSH drops what was
	 * typed ahead, so an answer typed after the prompt must not be.
	 */
	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	q = xasprintf("password for %s at %s: ", user != NULL ? user : "",
	    host);
	(void)util_write_all(tty, q, strlen(q));
	free(q);
	line = prompt_line(tty);
	if (restore)
		(void)tcsetattr(tty, TCSAFLUSH, &old);
	(void)util_write_all(tty, "\n", 1);
	return line;
}

static char *
prompt_lookup(const char *host, const char *user, struct failure *f)
{
	int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char *pw;

	if (tty < 0) {
		failure_set(f, FAIL_CONFIG, "no password for %s at %s: none "
		    "in the key ring or netrc, and no terminal to ask on "
		    "(set password or passwordeval)",
		    user != NULL ? user : "(no user)", host);
		return NULL;
	}
	pw = prompt_read(tty, user, host);
	close(tty);
	if (pw == NULL)
		failure_set(f, FAIL_CONFIG, "no password for %s at %s: "
		    "nothing was typed", user != NULL ? user : "(no user)",
		    host);
	return pw;
}

static struct secret *
secret_from_lookup(const struct secret_source *src, struct failure *f)
{
	const char *host = src->host != NULL ? src->host : "";
	char *pw;

	if ((pw = keyring_lookup(host, src->user)) != NULL) {
		log_debug("password for %s from the key ring", host);
		return secret_adopt(pw);
	}
	if ((pw = netrc_lookup(host, src->user)) != NULL)
		return secret_adopt(pw);
	if ((pw = prompt_lookup(host, src->user, f)) != NULL)
		return secret_adopt(pw);
	return NULL;
}

struct secret *
secret_fetch(const struct secret_source *src, struct failure *f)
{
	if (src == NULL || src->kind == SECRET_NONE) {
		failure_set(f, FAIL_CONFIG, "no password given");
		return NULL;
	}
	switch (src->kind) {
	case SECRET_LITERAL:
		if (src->arg == NULL)
			break;
		return secret_adopt(xstrdup(src->arg));
	case SECRET_EVAL:
		if (src->arg == NULL)
			break;
		return secret_from_eval(src->arg, f);
	case SECRET_LOOKUP:
		return secret_from_lookup(src, f);
	default:
		break;
	}
	failure_set(f, FAIL_SOFTWARE, "password source %d is not usable",
	    (int)src->kind);
	return NULL;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->plain, s->len);
	free(s->plain);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

int
secret_lend(const struct secret *s,
    int (*fn)(void *arg, const char *plaintext), void *arg)
{
	if (s == NULL || fn == NULL)
		return -1;
	return fn(arg, s->plain);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
secret_source_copy(struct secret_source *dst,
    const struct secret_source *src)
{
	dst->kind = src->kind;
	dst->arg = dup_or_null(src->arg);
	dst->host = dup_or_null(src->host);
	dst->user = dup_or_null(src->user);
}

void
secret_source_clear(struct secret_source *src)
{
	if (src == NULL)
		return;
	wipe_free(src->arg);
	free(src->host);
	free(src->user);
	src->arg = src->host = src->user = NULL;
	src->kind = SECRET_NONE;
}
