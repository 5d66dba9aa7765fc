/*
 * queue_fs.c - the queue's file primitives: create, write, sync, copy,
 * read back and remove, over directory descriptors.
 *
 * Nothing here decides when to sync: queue.c calls these in the order
 * its crash protocol needs, so that writing and syncing stay apart (two
 * files written before either is synced can share a journal commit).
 */
#include "config.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue_fs.h"

#define DIR_FLAGS QUEUE_FS_DIR_FLAGS
#define NEW_FLAGS QUEUE_FS_NEW_FLAGS
/* An envelope is a few hundred bytes; anything this big is not one. */
#define ENVELOPE_MAX (16L * 1024 * 1024)

/* Sync the directory that holds path, so that its new name lasts. */
static void
queue_fs_fsync_parent(const char *path)
{
	const char *up = strrchr(path, '/');
	char *parent = up == NULL ? xstrdup(".") : up == path ?
	    xstrdup("/") : xstrndup(path, (size_t)(up - path));
	int fd;

	if ((fd = open(parent, DIR_FLAGS)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(parent);
}

/* mkdir -p with mode 0700; the parents of new directories are fsynced. */
int
queue_fs_mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s = p, c;
	int rc = 0;

	do {
		s += strspn(s, "/");
		s += strcspn(s, "/");
		c = *s;
		*s = '\0';
		if (mkdir(p, 0700) == 0)
			queue_fs_fsync_parent(p);
		else if (errno != EEXIST)
			rc = -1;
		*s = c;
	} while (rc == 0 && *s != '\0');
	free(p);
	return rc;
}

/* Remove a directory holding only files; 0 or -1 with errno. */
int
queue_fs_remove_entry(int parent, const char *name)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = openat(parent, name, DIR_FLAGS)) < 0)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			(void)unlinkat(fd, de->d_name, 0);
	closedir(d);
	return unlinkat(parent, name, AT_REMOVEDIR);
}

/* fsync and close fd (-1 is an error already); errno on -1. */
int
queue_fs_sync_close(int fd)
{
	int e;

	if (fd < 0)
		return -1;
	if (fsync(fd) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

/* Write len bytes as a new file name in dir; the open file or -1. */
int
queue_fs_new_file(int dir, const char *name, int flags, const char *buf,
    size_t len)
{
	int fd, e;

	if ((fd = openat(dir, name, flags, 0600)) < 0)
		return -1;
	if (util_write_all(fd, buf, len) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The same, fsynced and closed; errno on -1. */
int
queue_fs_write_file(int dir, const char *name, int flags, const char *buf,
    size_t len)
{
	int fd = queue_fs_new_file(dir, name, flags, buf, len);

	return queue_fs_sync_close(fd);
}

/* Copy the spool into dir/message; the open file or -1 with errno. */
int
queue_fs_copy_message(int dir, const struct message *msg)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;
	int fd, e = 0;

	if ((fd = openat(dir, "message", NEW_FLAGS, 0600)) < 0)
		return -1;
	while (off < msg->size && e == 0) {
		n = pread(msg->fd, buf, sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n == 0 ? EIO : errno;
			break;
		}
		if (util_write_all(fd, buf, (size_t)n) < 0)
			e = errno;
		off += n;
	}
	if (e == 0)
		return fd;
	close(fd);
	errno = e;
	return -1;
}

/* The whole envelope file of an entry, NUL-terminated; errno on NULL. */
char *
queue_fs_read_envelope(int dir, size_t *len)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	if ((fd = openat(dir, "envelope", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > ENVELOPE_MAX) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	n = pread(fd, buf, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}
