/*
 * queue.h - the durable queue directory.
 *
 * Contract: a queue is a directory (mode 0700) holding tmp/, q/, failed/,
 * corrupt/ and trash/.  An entry is a directory named by its ID holding
 * "message" (the bytes to send) and "envelope" (envelope_serialize()).
 * queue_commit() builds an entry in tmp/, fsyncs both files and the
 * entry, renames it into q/ and fsyncs q/ and tmp/: only after it returns
 * 0 may a message be reported accepted.  An entry is delivered while its
 * "message" file is flock()ed (the envelope is replaced by rename on every
 * update, so its inode cannot carry the lock); a second process gets
 * QUEUE_BUSY and leaves it alone.  Updates of the envelope go through
 * envelope.tmp, fsync, rename and a directory fsync.  An entry leaves q/
 * by rename, into trash/ (then removed) or failed/.  IDs are checked
 * against their pattern whenever they come from outside (argv, readdir).
 * An envelope that does not parse, or a message whose size differs from
 * the envelope's, moves its entry to corrupt/ (never deleted); a name in
 * q/ that is not an ID is moved there too.  Every file and directory is
 * created with O_NOFOLLOW|O_CLOEXEC and modes 0600/0700.
 *
 * Errors: FAIL_CANTCREAT when the queue cannot be created or written,
 * FAIL_IO for other file errors, FAIL_USAGE for a malformed ID,
 * FAIL_NOINPUT for an ID that is not queued, FAIL_DATA for a corrupt
 * entry; texts name the queue directory and the ID.
 */
#ifndef POSTIE_QUEUE_H
#define POSTIE_QUEUE_H

#include <stddef.h>
#include <time.h>

#include "envelope.h"
#include "message.h"
#include "util.h"

/* 10 hex digits of seconds, then 16 hex digits (64 random bits). */
#define QUEUE_ID_LEN 26
#define QUEUE_ID_SIZE (QUEUE_ID_LEN + 1)

/* Entries in tmp/ older than this are unfinished commits: removed. */
#define QUEUE_TMP_MAX_AGE 3600

struct queue;

enum queue_status {
	QUEUE_OK,		/* opened (and locked when asked) */
	QUEUE_BUSY,		/* another process holds its lock */
	QUEUE_GONE,		/* not (or no longer) in q/ */
	QUEUE_CORRUPT,		/* moved to corrupt/ (or, unlocked, left) */
	QUEUE_ERROR,		/* f says why */
	QUEUE_LAST
};

/* One entry of q/.  env and msg are owned; msg->fd is the message. */
struct queue_entry {
	char id[QUEUE_ID_SIZE];
	struct envelope *env;
	struct message *msg;
	int dirfd;			/* private */
	int locked;			/* private */
};

/*
 * Open (creating as needed) the queue at path, which must be owned by
 * the caller and not writable by others.  Removes what trash/ holds and
 * the entries of tmp/ older than QUEUE_TMP_MAX_AGE seconds.
 */
int queue_open(const char *path, struct queue **out, struct failure *f);
void queue_free(struct queue *q);
const char *queue_path(const struct queue *q);

/* 1 when id has the exact form of a queue ID, else 0. */
int queue_id_ok(const char *id);
/* A new ID for the time now. */
void queue_id_new(char id[QUEUE_ID_SIZE]);

/*
 * Make (env, msg) a durable entry; id receives its ID.  The envelope is
 * stored with its queue state, where size comes from msg, msgid from msg
 * when env has none, created (when 0) and next_try (when 0) from now.
 */
int queue_commit(struct queue *q, const struct envelope *env,
    const struct message *msg, char id[QUEUE_ID_SIZE], struct failure *f);

/*
 * The IDs in q/, sorted (oldest first), newly allocated; names that are
 * not IDs are moved to corrupt/ and reported.
 */
int queue_list(struct queue *q, char ***ids, size_t *n, struct failure *f);
void queue_list_free(char **ids, size_t n);

/*
 * Open entry id, taking its lock when lock is set (without waiting).
 * QUEUE_OK fills *out.  A corrupt entry is moved to corrupt/ only when
 * lock is set.
 */
enum queue_status queue_entry_open(struct queue *q, const char *id,
    int lock, struct queue_entry **out, struct failure *f);
/* Release the lock and everything the entry holds; NULL is fine. */
void queue_entry_free(struct queue_entry *e);

/* Store e->env durably (a locked entry). */
int queue_entry_update(struct queue *q, struct queue_entry *e,
    struct failure *f);
/*
 * Take the entry out of q/ and remove it (delivered or deleted).  The
 * removal reaches the disk with the next queue_sync(), which runs by
 * itself every few removals and in queue_free().
 */
int queue_entry_remove(struct queue *q, struct queue_entry *e,
    struct failure *f);
/* Make every removal from q/ so far durable. */
int queue_sync(struct queue *q, struct failure *f);
/* Move the entry to failed/ (permanent failure or too old). */
int queue_entry_fail(struct queue *q, struct queue_entry *e,
    struct failure *f);

/*
 * Seconds to wait after the attempts-th failed attempt: first, doubled
 * for each further attempt, never more than longest (0 stays 0).
 */
long queue_backoff(long first, long longest, long attempts);

#endif
