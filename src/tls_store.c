/*
 * tls_store.c - read and write the file that lets the next run resume
 * a TLS session.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tls_store.h"

/* Resumption data is a few KiB; anything much larger is not ours. */
#define TLS_SESSION_FILE_MAX 65536

void
tls_store_load(gnutls_session_t sess, const char *path)
{
	unsigned char buf[TLS_SESSION_FILE_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid() && (st.st_mode & 077) == 0 &&
	    (n = read(fd, buf, sizeof(buf))) > 0 && n < (ssize_t)sizeof(buf) &&
	    gnutls_session_set_data(sess, buf, (size_t)n) == 0)
		log_debug("TLS: trying to resume the session stored in %s",
		    path);
	close(fd);
	explicit_bzero(buf, sizeof(buf));
}

/* Make the directory of path (and its parent) private to us. */
static void
tls_store_dir(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash != NULL && slash != dir) {
		*slash = '\0';
		slash = strrchr(dir, '/');
		if (slash != NULL && slash != dir) {
			*slash = '\0';
			(void)mkdir(dir, 0700);
			*slash = '/';
		}
		(void)mkdir(dir, 0700);
	}
	free(dir);
}

static int
tls_store_write(const char *path, const gnutls_datum_t *d)
{
	char *tmp = xasprintf("%s.%ld.tmp", path, (long)getpid());
	int fd, ok;

	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		free(tmp);
		return -1;
	}
	ok = write(fd, d->data, d->size) == (ssize_t)d->size;
	ok = close(fd) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok ? 0 : -1;
}

/*
 * TLS 1.3 tickets arrive after the handshake, with the first replies, so
 * the data is taken at the end of the session.  Without a ticket a 1.3
 * session cannot be resumed and nothing is stored.
 */
void
tls_store_save(gnutls_session_t sess, const char *path)
{
	gnutls_datum_t d = { NULL, 0 };

	if (gnutls_protocol_get_version(sess) == GNUTLS_TLS1_3 &&
	    (gnutls_session_get_flags(sess) &
	    GNUTLS_SFLAGS_SESSION_TICKET) == 0)
		return;
	if (gnutls_session_get_data2(sess, &d) < 0 || d.size == 0 ||
	    d.size >= TLS_SESSION_FILE_MAX) {
		gnutls_free(d.data);
		return;
	}
	tls_store_dir(path);
	if (tls_store_write(path, &d) == 0)
		log_debug("TLS: stored the session in %s", path);
	else
		log_debug("TLS: cannot store the session in %s: %s", path,
		    strerror(errno));
	explicit_bzero(d.data, d.size);
	gnutls_free(d.data);
}
