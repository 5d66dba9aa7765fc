/*
 * queue_fs.h - the file primitives of the queue directory.
 *
 * Contract: small helpers over directory descriptors for queue.c, each
 * returning 0 (or a descriptor) or -1 with errno; they know nothing of
 * IDs, entries or envelopes' contents.  Files are created 0600 and
 * directories 0700, never through a symbolic link; a helper that says it
 * syncs has called fsync(2) before it returns success.
 */
#ifndef POSTIE_QUEUE_FS_H
#define POSTIE_QUEUE_FS_H

#include <fcntl.h>
#include <stddef.h>

#include "message.h"

#define QUEUE_FS_DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define QUEUE_FS_NEW_FLAGS \
	(O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC)

/* mkdir -p with mode 0700; the parents of new directories are synced. */
int queue_fs_mkdir_p(const char *path);
/* Remove directory name in parent, which holds only files. */
int queue_fs_remove_entry(int parent, const char *name);
/* Sync and close fd; a negative fd is an earlier error (-1). */
int queue_fs_sync_close(int fd);
/* Create name in dir with flags and write buf: the open file, unsynced. */
int queue_fs_new_file(int dir, const char *name, int flags, const char *buf,
    size_t len);
/* The same, synced and closed. */
int queue_fs_write_file(int dir, const char *name, int flags, const char *buf,
    size_t len);
/* Copy msg's spool into dir/message: the open file, unsynced. */
int queue_fs_copy_message(int dir, const struct message *msg);
/* dir/envelope, NUL-terminated and newly allocated (*len without the
 * NUL); NULL with errno (EFBIG: not a regular file or too large). */
char *queue_fs_read_envelope(int dir, size_t *len);

#endif
