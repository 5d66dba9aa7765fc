/*
 * t_queue.c - queue IDs, commit, load, update, lock exclusion, corrupt
 * entries, the sweep of stale tmp/ entries and the backoff table.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "queue.h"

static const char body[] = "Subject: t\r\n\r\nHello\r\n";

struct fixture {
	char dir[64];
	char qdir[96];
	struct queue *q;
	struct message msg;
	struct envelope env;
	char *rcpts[2];
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct failure f;
	char spool[96];

	strlcpy(fx->dir, "/tmp/t_queue.XXXXXX", sizeof(fx->dir));
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->qdir, sizeof(fx->qdir), "%s/a/queue", fx->dir);
	assert_int_equal(queue_open(fx->qdir, &fx->q, &f), 0);
	snprintf(spool, sizeof(spool), "%s/spool", fx->dir);
	fx->msg.fd = open(spool, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fx->msg.fd >= 0);
	assert_int_equal(write(fx->msg.fd, body, sizeof(body) - 1),
	    (ssize_t)sizeof(body) - 1);
	fx->msg.size = sizeof(body) - 1;
	fx->msg.msgid = "<t@x>";
	fx->rcpts[0] = "b@y";
	fx->rcpts[1] = "c@y";
	fx->env.account = "work";
	fx->env.from = "a@x";
	fx->env.rcpts = fx->rcpts;
	fx->env.nrcpts = 2;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[160];

	queue_free(fx->q);
	close(fx->msg.fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Number of names (other than . and ..) in qdir/sub. */
static int
count(const struct fixture *fx, const char *sub)
{
	char path[160];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", fx->qdir, sub);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static mode_t
mode_of(const struct fixture *fx, const char *id, const char *name)
{
	char path[200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s%s%s", fx->qdir, id,
	    *name ? "/" : "", name);
	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
commit(struct fixture *fx, char id[QUEUE_ID_SIZE])
{
	struct failure f;

	assert_int_equal(queue_commit(fx->q, &fx->env, &fx->msg, id, &f), 0);
}

static const struct {
	const char *name;
	const char *id;
	int ok;
} id_cases[] = {
	{ "good", "0065a1b2c3" "0123456789abcdef", 1 },
	{ "upper case", "0065A1B2C3" "0123456789abcdef", 0 },
	{ "one short", "0065a1b2c3" "0123456789abcde", 0 },
	{ "one long", "0065a1b2c3" "0123456789abcdef0", 0 },
	{ "not hex", "0065a1b2c3" "0123456789abcdeg", 0 },
	{ "path", "../../../etc" "/passwd////////", 0 },
	{ "empty", "", 0 },
};

static void
test_ids(void **state)
{
	char id[QUEUE_ID_SIZE], prev[QUEUE_ID_SIZE] = "";
	size_t i;

	(void)state;
	for (i = 0; i < UTIL_ARRAY_LEN(id_cases); i++)
		if (queue_id_ok(id_cases[i].id) != id_cases[i].ok)
			fail_msg("case '%s'", id_cases[i].name);
	assert_false(queue_id_ok(NULL));
	for (i = 0; i < 1000; i++) {
		queue_id_new(id);
		assert_true(queue_id_ok(id));
		assert_string_not_equal(id, prev);
		strlcpy(prev, id, sizeof(prev));
	}
}

static void
test_backoff(void **state)
{
	(void)state;
	assert_int_equal(queue_backoff(300, 10800, 0), 300);
	assert_int_equal(queue_backoff(300, 10800, 1), 300);
	assert_int_equal(queue_backoff(300, 10800, 2), 600);
	assert_int_equal(queue_backoff(300, 10800, 6), 9600);
	assert_int_equal(queue_backoff(300, 10800, 7), 10800);
	assert_int_equal(queue_backoff(300, 10800, 1000), 10800);
	assert_int_equal(queue_backoff(60, 60, 5), 60);
	assert_int_equal(queue_backoff(0, 0, 3), 0);
	assert_int_equal(queue_backoff(0, 10800, 3), 0);
}

static void
test_commit_load(void **state)
{
	struct fixture *fx = *state;
	char id[QUEUE_ID_SIZE], path[200], buf[64];
	struct queue_entry *e;
	struct failure f;
	ssize_t n;

	commit(fx, id);
	assert_true(queue_id_ok(id));
	assert_int_equal(count(fx, "q"), 1);
	assert_int_equal(count(fx, "tmp"), 0);
	assert_int_equal(mode_of(fx, "", ""), 0700);
	snprintf(path, sizeof(path), "q/%s", id);
	assert_int_equal(mode_of(fx, path, ""), 0700);
	assert_int_equal(mode_of(fx, path, "message"), 0600);
	assert_int_equal(mode_of(fx, path, "envelope"), 0600);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f), QUEUE_OK);
	assert_string_equal(e->env->from, "a@x");
	assert_string_equal(e->env->account, "work");
	assert_int_equal(e->env->nrcpts, 2);
	assert_int_equal(e->env->size, sizeof(body) - 1);
	assert_true(e->env->created > 0);
	assert_int_equal(e->env->next_try, e->env->created);
	assert_string_equal(e->msg->msgid, "<t@x>");
	n = pread(e->msg->fd, buf, sizeof(buf), 0);
	assert_int_equal(n, (ssize_t)sizeof(body) - 1);
	assert_memory_equal(buf, body, sizeof(body) - 1);
	queue_entry_free(e);
}

static void
test_update(void **state)
{
	struct fixture *fx = *state;
	char id[QUEUE_ID_SIZE], path[200];
	struct queue_entry *e;
	struct failure f;

	commit(fx, id);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f), QUEUE_OK);
	envelope_set_done(e->env, 1);
	e->env->attempts = 3;
	e->env->last_error = strdup("451 later");
	assert_int_equal(queue_entry_update(fx->q, e, &f), 0);
	queue_entry_free(e);
	snprintf(path, sizeof(path), "%s/q/%s/envelope.tmp", fx->qdir, id);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f), QUEUE_OK);
	assert_false(envelope_rcpt_done(e->env, 0));
	assert_true(envelope_rcpt_done(e->env, 1));
	assert_int_equal(e->env->attempts, 3);
	assert_string_equal(e->env->last_error, "451 later");
	assert_int_equal(queue_entry_remove(fx->q, e, &f), 0);
	queue_entry_free(e);
	assert_int_equal(count(fx, "q"), 0);
	assert_int_equal(count(fx, "trash"), 0);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f), QUEUE_GONE);
	assert_int_equal(f.cls, FAIL_NOINPUT);
}

static void
test_lock(void **state)
{
	struct fixture *fx = *state;
	char id[QUEUE_ID_SIZE];
	struct queue_entry *a, *b;
	struct failure f;

	commit(fx, id);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &a, &f), QUEUE_OK);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &b, &f), QUEUE_BUSY);
	assert_null(b);
	/* Listing does not lock. */
	assert_int_equal(queue_entry_open(fx->q, id, 0, &b, &f), QUEUE_OK);
	queue_entry_free(b);
	/* The holder finishes; a waiting flush must see it gone. */
	assert_int_equal(queue_entry_fail(fx->q, a, &f), 0);
	queue_entry_free(a);
	assert_int_equal(count(fx, "failed"), 1);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &b, &f), QUEUE_GONE);
}

static void
write_envelope(struct fixture *fx, const char *id, const char *text)
{
	char path[200];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/q/%s/envelope", fx->qdir, id);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

static void
test_corrupt(void **state)
{
	struct fixture *fx = *state;
	char id[QUEUE_ID_SIZE], path[200];
	struct queue_entry *e;
	struct failure f;
	char **ids;
	size_t n;

	commit(fx, id);
	write_envelope(fx, id, "version: 1\nfrom: a@x\nrcpt: todo b@y\n");
	/* Unlocked (a listing): reported, left where it is. */
	assert_int_equal(queue_entry_open(fx->q, id, 0, &e, &f),
	    QUEUE_CORRUPT);
	assert_int_equal(count(fx, "q"), 1);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f),
	    QUEUE_CORRUPT);
	assert_non_null(strstr(f.text, "no end line"));
	assert_int_equal(count(fx, "q"), 0);
	assert_int_equal(count(fx, "corrupt"), 1);
	/* A message shorter than the envelope says. */
	commit(fx, id);
	snprintf(path, sizeof(path), "%s/q/%s/message", fx->qdir, id);
	assert_int_equal(truncate(path, 3), 0);
	assert_int_equal(queue_entry_open(fx->q, id, 1, &e, &f),
	    QUEUE_CORRUPT);
	assert_non_null(strstr(f.text, "size differs"));
	/* A foreign name in q/. */
	snprintf(path, sizeof(path), "%s/q/notes.txt", fx->qdir);
	fclose(fopen(path, "w"));
	commit(fx, id);
	assert_int_equal(queue_list(fx->q, &ids, &n, &f), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], id);
	queue_list_free(ids, n);
	assert_int_equal(count(fx, "corrupt"), 3);
	assert_int_equal(queue_entry_open(fx->q, "../q", 1, &e, &f),
	    QUEUE_ERROR);
	assert_int_equal(f.cls, FAIL_USAGE);
}

static void
test_sweep(void **state)
{
	struct fixture *fx = *state;
	char old[QUEUE_ID_SIZE], fresh[QUEUE_ID_SIZE], path[200];
	struct timeval tv[2];
	struct failure f;

	queue_id_new(old);
	queue_id_new(fresh);
	snprintf(path, sizeof(path), "%s/tmp/%s", fx->qdir, fresh);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tmp/%s", fx->qdir, old);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/tmp/%s/message", fx->qdir, old);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/tmp/%s", fx->qdir, old);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= QUEUE_TMP_MAX_AGE + 60;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
	assert_int_equal(count(fx, "tmp"), 2);
	queue_free(fx->q);
	assert_int_equal(queue_open(fx->qdir, &fx->q, &f), 0);
	assert_int_equal(count(fx, "tmp"), 1);
	assert_int_equal(access(path, F_OK), -1);
}

/*
 * tmp/ is not synced after the rename into q/: should a crash bring an
 * old tmp/ name back next to the queued entry, the sweep leaves it, since
 * removing its files would remove the queued message's.
 */
static void
test_sweep_keeps_queued(void **state)
{
	struct fixture *fx = *state;
	char id[QUEUE_ID_SIZE], path[200];
	struct timeval tv[2];
	struct failure f;

	assert_int_equal(queue_commit(fx->q, &fx->env, &fx->msg, id, &f), 0);
	snprintf(path, sizeof(path), "%s/tmp/%s", fx->qdir, id);
	assert_int_equal(mkdir(path, 0700), 0);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= QUEUE_TMP_MAX_AGE + 60;
	tv[1] = tv[0];
	assert_int_equal(utimes(path, tv), 0);
	queue_free(fx->q);
	assert_int_equal(queue_open(fx->qdir, &fx->q, &f), 0);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(count(fx, "q"), 1);
}

static void
test_unsafe_dir(void **state)
{
	struct fixture *fx = *state;
	struct queue *q;
	struct failure f;

	assert_int_equal(chmod(fx->qdir, 0777), 0);
	assert_int_equal(queue_open(fx->qdir, &q, &f), -1);
	assert_int_equal(f.cls, FAIL_CANTCREAT);
	assert_non_null(strstr(f.text, "writable by nobody else"));
	assert_int_equal(chmod(fx->qdir, 0700), 0);
}

int
main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test_setup_teardown(test_commit_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sweep_keeps_queued, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_dir, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("queue", t, NULL, NULL);
}
