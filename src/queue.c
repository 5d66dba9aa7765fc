/*
 * queue.c - the queue directory: IDs, atomic commit, per-entry lock,
 * listing, loading, durable updates, sweeping and quarantine.
 *
 * Why each step of a commit is there: the files are fsynced so that
 * their data is on disk before any name points at them; the entry
 * directory is fsynced so that its two names are; the rename into q/ is
 * the single atomic moment a message becomes queued, and q/ is fsynced so
 * that the rename itself survives a crash before postie reports success.
 * Nothing else is synced on the way: each fsync costs a journal commit
 * and a device cache flush, milliseconds on a busy disk, and together
 * they are most of the time an enqueue takes.
 * A crash at any earlier point leaves an unreferenced tmp/ entry that a
 * later start sweeps away; the sender never got exit 0 for it.
 *
 * This file decides nothing about delivery: callers ask result.c.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "queue.h"
#include "queue_fs.h"

#define DIR_FLAGS QUEUE_FS_DIR_FLAGS
#define NEW_FLAGS QUEUE_FS_NEW_FLAGS

enum qdir { QD_TMP, QD_Q, QD_FAILED, QD_CORRUPT, QD_TRASH, QD_LAST };

static const char *const qdir_names[QD_LAST] = {
	"tmp", "q", "failed", "corrupt", "trash"
};

/*
 * Delivered entries leave q/ by a rename at once, and q/ is synced once
 * for this many of them: a power failure may then resend up to this
 * many messages (never lose one), where an fsync per message cost a
 * flush of the disk's cache each: 1.1 ms of the 7.8 ms a message took
 * on a busy disk.
 */
#define QUEUE_SYNC_BATCH 32

struct queue {
	char *path;
	int top;
	int fd[QD_LAST];
	unsigned unsynced;	/* removals from q/ not yet synced */
};

/* "queue PATH: what: strerror(errno)" */
static int
qfail(const struct queue *q, struct failure *f, enum fail_class cls,
    const char *what)
{
	failure_set(f, cls, "queue %s: %s: %s", q->path, what,
	    strerror(errno));
	return -1;
}

int
queue_id_ok(const char *id)
{
	size_t i;

	if (id == NULL)
		return 0;
	for (i = 0; i < QUEUE_ID_LEN; i++)
		if (!((id[i] >= '0' && id[i] <= '9') ||
		    (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return id[QUEUE_ID_LEN] == '\0';
}

static void
random_bytes(unsigned char *buf, size_t len)
{
	ssize_t n = getrandom(buf, len, 0);
	struct timespec ts;
	size_t i;

	if (n == (ssize_t)len)
		return;
	/* No entropy source: still unique enough with mkdir's EEXIST. */
	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^
		    (getpid() >> (i % 2 * 8)) ^ (i * 37));
}

void
queue_id_new(char id[QUEUE_ID_SIZE])
{
	unsigned char r[8];
	size_t i;

	random_bytes(r, sizeof(r));
	snprintf(id, QUEUE_ID_SIZE, "%010llx",
	    (unsigned long long)time(NULL) & 0xffffffffffULL);
	for (i = 0; i < sizeof(r); i++)
		snprintf(id + 10 + 2 * i, 3, "%02x", r[i]);
}

long
queue_backoff(long first, long longest, long attempts)
{
	long d = first;

	while (--attempts > 0 && d > 0 && d < longest)
		d *= 2;
	return d < longest ? d : longest;
}

/* Every ID-named entry of dir older than max_age seconds (-1: all). */
static void
sweep(struct queue *q, enum qdir which, long max_age)
{
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int fd = dup(q->fd[which]);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!queue_id_ok(de->d_name) ||
		    fstatat(q->fd[which], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (max_age >= 0 && now - st.st_mtime < max_age)
			continue;
		/* A name left behind by an unsynced rename is a live entry. */
		if (which == QD_TMP && fstatat(q->fd[QD_Q], de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if (queue_fs_remove_entry(q->fd[which], de->d_name) == 0)
			log_debug("queue %s: removed %s/%s", q->path,
			    qdir_names[which], de->d_name);
	}
	closedir(d);
}

static int
check_owner(struct queue *q, struct failure *f)
{
	struct stat st;

	if (fstat(q->top, &st) < 0)
		return qfail(q, f, FAIL_IO, "stat");
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
		failure_set(f, FAIL_CANTCREAT, "queue %s: must be owned by "
		    "you and writable by nobody else", q->path);
		return -1;
	}
	return 0;
}

int
queue_open(const char *path, struct queue **out, struct failure *f)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	size_t i;
	int made = 0;

	*out = NULL;
	q->path = xstrdup(path);
	q->top = -1;
	for (i = 0; i < QD_LAST; i++)
		q->fd[i] = -1;
	if (queue_fs_mkdir_p(path) < 0 ||
	    (q->top = open(path, DIR_FLAGS)) < 0) {
		qfail(q, f, FAIL_CANTCREAT, "cannot create");
		goto bad;
	}
	if (check_owner(q, f) < 0)
		goto bad;
	for (i = 0; i < QD_LAST; i++) {
		if (mkdirat(q->top, qdir_names[i], 0700) == 0)
			made = 1;
		else if (errno != EEXIST)
			break;
		if ((q->fd[i] = openat(q->top, qdir_names[i], DIR_FLAGS)) < 0)
			break;
	}
	if (i < QD_LAST) {
		qfail(q, f, FAIL_CANTCREAT, qdir_names[i]);
		goto bad;
	}
	/* Only new names need it; an fsync per message would be waste. */
	if (made)
		(void)fsync(q->top);
	sweep(q, QD_TRASH, -1);
	sweep(q, QD_TMP, QUEUE_TMP_MAX_AGE);
	*out = q;
	return 0;
bad:
	queue_free(q);
	return -1;
}

void
queue_free(struct queue *q)
{
	struct failure f;
	size_t i;

	if (q == NULL)
		return;
	if (queue_sync(q, &f) < 0)
		log_error("%s", f.text);
	for (i = 0; i < QD_LAST; i++)
		if (q->fd[i] >= 0)
			close(q->fd[i]);
	if (q->top >= 0)
		close(q->top);
	free(q->path);
	free(q);
}

const char *
queue_path(const struct queue *q)
{
	return q->path;
}

/* Fill in what the queue keeps besides the sender's envelope. */
static char *
commit_text(const struct envelope *env, const struct message *msg)
{
	struct envelope e = *env;
	time_t now = time(NULL);

	e.size = (long long)msg->size;
	if (e.msgid == NULL)
		e.msgid = msg->msgid;
	if (e.created == 0)
		e.created = (long long)now;
	if (e.next_try == 0)
		e.next_try = (long long)now;
	return envelope_serialize(&e);
}

static int
commit_files(struct queue *q, const char *id, const struct envelope *env,
    const struct message *msg, struct failure *f)
{
	char *text = commit_text(env, msg);
	int dir, mfd, efd, rc = -1;

	if ((dir = openat(q->fd[QD_TMP], id, DIR_FLAGS)) < 0) {
		free(text);
		return qfail(q, f, FAIL_CANTCREAT, "tmp entry");
	}
	/* Both written before either is synced, so that one journal
	 * commit can carry both (DESIGN.md, steps 2 and 3). */
	mfd = queue_fs_copy_message(dir, msg);
	efd = mfd < 0 ? -1 : queue_fs_new_file(dir, "envelope", NEW_FLAGS, text,
	    strlen(text));
	if (mfd < 0 || queue_fs_sync_close(mfd) < 0) {
		qfail(q, f, FAIL_CANTCREAT, "writing the message");
		if (efd >= 0)
			close(efd);
	} else if (queue_fs_sync_close(efd) < 0) {
		qfail(q, f, FAIL_CANTCREAT, "writing the envelope");
	} else if (fsync(dir) < 0) {
		qfail(q, f, FAIL_CANTCREAT, "fsync of the entry");
	} else {
		rc = 0;
	}
	close(dir);
	free(text);
	return rc;
}

int
queue_commit(struct queue *q, const struct envelope *env,
    const struct message *msg, char id[QUEUE_ID_SIZE], struct failure *f)
{
	int tries;

	for (tries = 0;; tries++) {
		queue_id_new(id);
		if (mkdirat(q->fd[QD_TMP], id, 0700) == 0)
			break;
		if (errno != EEXIST || tries == 9)
			return qfail(q, f, FAIL_CANTCREAT, "tmp entry");
	}
	if (commit_files(q, id, env, msg, f) < 0)
		goto bad;
	if (renameat(q->fd[QD_TMP], id, q->fd[QD_Q], id) < 0) {
		qfail(q, f, FAIL_CANTCREAT, "rename into q/");
		goto bad;
	}
	/*
	 * tmp/ is not synced: a rename is one atomic change of both
	 * directories, so syncing q/ makes the old name's removal durable
	 * too, and sweep() never takes a name that q/ holds as well.
	 */
	if (fsync(q->fd[QD_Q]) < 0)
		return qfail(q, f, FAIL_CANTCREAT, "fsync of q/");
	return 0;
bad:
	(void)queue_fs_remove_entry(q->fd[QD_TMP], id);
	return -1;
}

/* Move a name out of q/ into corrupt/, keeping it for inspection. */
static void
quarantine(struct queue *q, const char *name, const char *why)
{
	char *shown = xstrdup(name);

	util_one_line(shown);
	if (renameat(q->fd[QD_Q], name, q->fd[QD_CORRUPT], name) < 0) {
		log_error("queue %s: cannot move q/%s to corrupt/: %s",
		    q->path, shown, strerror(errno));
	} else {
		(void)fsync(q->fd[QD_Q]);
		(void)fsync(q->fd[QD_CORRUPT]);
		log_error("queue %s: moved q/%s to corrupt/: %s", q->path,
		    shown, why);
	}
	free(shown);
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
queue_list(struct queue *q, char ***ids, size_t *n, struct failure *f)
{
	struct dirent *de;
	DIR *d;
	int fd = dup(q->fd[QD_Q]);

	*ids = NULL;
	*n = 0;
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return qfail(q, f, FAIL_IO, "q/");
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!queue_id_ok(de->d_name)) {
			quarantine(q, de->d_name, "not a queue ID");
			continue;
		}
		*ids = xreallocarray(*ids, *n + 1, sizeof(**ids));
		(*ids)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(*ids, *n, sizeof(**ids), id_cmp);
	return 0;
}

void
queue_list_free(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Parse the envelope and check the message against it. */
static int
entry_load(struct queue_entry *e, struct failure *f)
{
	struct stat st;
	size_t len = 0;
	char *text = queue_fs_read_envelope(e->dirfd, &len);
	int rc;

	if (text == NULL) {
		failure_set(f, FAIL_DATA, "envelope: %s", strerror(errno));
		return -1;
	}
	rc = envelope_parse(text, len, &e->env, f);
	free(text);
	if (rc < 0)
		return -1;
	if (fstat(e->msg->fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (long long)st.st_size != e->env->size) {
		failure_set(f, FAIL_DATA, "message: size differs from the "
		    "envelope's %lld bytes", e->env->size);
		return -1;
	}
	e->msg->size = st.st_size;
	e->msg->eightbit = e->env->eightbit;
	if (e->env->msgid != NULL)
		e->msg->msgid = xstrdup(e->env->msgid);
	return 0;
}

/* After taking the lock: is q/<id> still the directory we hold? */
static int
still_queued(struct queue *q, const struct queue_entry *e)
{
	struct stat a, b;

	return fstatat(q->fd[QD_Q], e->id, &a, AT_SYMLINK_NOFOLLOW) == 0 &&
	    fstat(e->dirfd, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev;
}

static enum queue_status
entry_lock(struct queue *q, struct queue_entry *e, struct failure *f)
{
	if (flock(e->msg->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK)
			return QUEUE_BUSY;
		qfail(q, f, FAIL_IO, "lock");
		return QUEUE_ERROR;
	}
	e->locked = 1;
	return still_queued(q, e) ? QUEUE_OK : QUEUE_GONE;
}

static enum queue_status
entry_corrupt(struct queue *q, struct queue_entry *e, struct failure *f)
{
	char why[FAILURE_TEXT_MAX];

	strlcpy(why, f != NULL ? f->text : "corrupt", sizeof(why));
	if (e->locked)
		quarantine(q, e->id, why);
	failure_set(f, FAIL_DATA, "queue %s: entry %s: %s", q->path, e->id,
	    why);
	return QUEUE_CORRUPT;
}

static enum queue_status
entry_open(struct queue *q, struct queue_entry *e, int lock,
    struct failure *f)
{
	enum queue_status st;
	int fd;

	if ((e->dirfd = openat(q->fd[QD_Q], e->id, DIR_FLAGS)) < 0) {
		if (errno == ENOENT)
			return QUEUE_GONE;
		qfail(q, f, FAIL_IO, e->id);
		return QUEUE_ERROR;
	}
	if ((fd = openat(e->dirfd, "message", O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0) {
		failure_set(f, FAIL_DATA, "message: %s", strerror(errno));
		return entry_corrupt(q, e, f);
	}
	e->msg = xcalloc(1, sizeof(*e->msg));
	e->msg->fd = fd;
	if (lock && (st = entry_lock(q, e, f)) != QUEUE_OK)
		return st;
	if (entry_load(e, f) < 0)
		return entry_corrupt(q, e, f);
	return QUEUE_OK;
}

enum queue_status
queue_entry_open(struct queue *q, const char *id, int lock,
    struct queue_entry **out, struct failure *f)
{
	struct queue_entry *e;
	enum queue_status st;

	*out = NULL;
	if (!queue_id_ok(id)) {
		char *shown = xstrdup(id != NULL ? id : "");

		util_one_line(shown);
		failure_set(f, FAIL_USAGE, "'%s' is not a queue ID", shown);
		free(shown);
		return QUEUE_ERROR;
	}
	e = xcalloc(1, sizeof(*e));
	strlcpy(e->id, id, sizeof(e->id));
	e->dirfd = -1;
	if ((st = entry_open(q, e, lock, f)) != QUEUE_OK) {
		if (st == QUEUE_GONE)
			failure_set(f, FAIL_NOINPUT, "queue %s: no entry %s",
			    q->path, id);
		else if (st == QUEUE_BUSY)
			failure_set(f, FAIL_OS, "queue %s: entry %s is being "
			    "delivered by another postie", q->path, id);
		queue_entry_free(e);
		return st;
	}
	*out = e;
	return QUEUE_OK;
}

void
queue_entry_free(struct queue_entry *e)
{
	if (e == NULL)
		return;
	/* Closing the message descriptor releases the lock. */
	message_free(e->msg);
	envelope_free(e->env);
	if (e->dirfd >= 0)
		close(e->dirfd);
	free(e);
}

int
queue_entry_update(struct queue *q, struct queue_entry *e,
    struct failure *f)
{
	char *text = envelope_serialize(e->env);
	int rc;

	rc = queue_fs_write_file(e->dirfd, "envelope.tmp", O_WRONLY | O_CREAT |
	    O_TRUNC | O_NOFOLLOW | O_CLOEXEC, text, strlen(text));
	free(text);
	if (rc < 0)
		return qfail(q, f, FAIL_IO, "writing envelope.tmp");
	if (renameat(e->dirfd, "envelope.tmp", e->dirfd, "envelope") < 0 ||
	    fsync(e->dirfd) < 0)
		return qfail(q, f, FAIL_IO, "replacing the envelope");
	return 0;
}

int
queue_sync(struct queue *q, struct failure *f)
{
	if (q->unsynced == 0)
		return 0;
	q->unsynced = 0;
	if (fsync(q->fd[QD_Q]) < 0)
		return qfail(q, f, FAIL_IO, "fsync of q/");
	return 0;
}

static int
entry_move(struct queue *q, struct queue_entry *e, enum qdir to,
    struct failure *f)
{
	if (renameat(q->fd[QD_Q], e->id, q->fd[to], e->id) < 0)
		return qfail(q, f, FAIL_IO, "moving an entry out of q/");
	/*
	 * What must last is the name gone from q/, or a delivered entry is
	 * sent again; a trash/ name that does not survive a crash is
	 * nothing lost (as tmp/ in queue_commit).  An entry in failed/ is
	 * still the sender's message, so both its names are synced now.
	 */
	q->unsynced++;
	if (to == QD_TRASH && q->unsynced < QUEUE_SYNC_BATCH)
		return 0;
	if (queue_sync(q, f) < 0)
		return -1;
	if (to != QD_TRASH && fsync(q->fd[to]) < 0)
		return qfail(q, f, FAIL_IO, "fsync");
	return 0;
}

int
queue_entry_remove(struct queue *q, struct queue_entry *e,
    struct failure *f)
{
	if (entry_move(q, e, QD_TRASH, f) < 0)
		return -1;
	/* Whatever is left here goes at the next queue_open(). */
	(void)queue_fs_remove_entry(q->fd[QD_TRASH], e->id);
	return 0;
}

int
queue_entry_fail(struct queue *q, struct queue_entry *e, struct failure *f)
{
	return entry_move(q, e, QD_FAILED, f);
}
