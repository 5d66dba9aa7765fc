/*
 * t_log.c - the logfile line and the redacting protocol trace.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void
test_record_success(void **state)
{
	struct log_record r = { .host = "smtp.example.org", .tls = 1,
	    .auth = 1, .user = "shop@example.org",
	    .from = "shop@example.org",
	    .recipients = "a@example.net,b@example.net", .mailsize = 2048,
	    .smtpstatus = "250", .smtpmsg = "250 2.0.0 Ok: queued as 4F",
	    .exitcode = 0 };
	char *line = log_record_format(&r);

	(void)state;
	assert_string_equal(line, "host=smtp.example.org tls=on auth=on "
	    "user=shop@example.org from=shop@example.org "
	    "recipients=a@example.net,b@example.net mailsize=2048 "
	    "smtpstatus=250 "
	    "smtpmsg='250 2.0.0 Ok: queued as 4F' exitcode=EX_OK");
	free(line);
}

static void
test_record_failure_quotes(void **state)
{
	struct log_record r = { .host = "h", .from = "f@x",
	    .recipients = "r@x", .mailsize = 10, .smtpstatus = "550",
	    .smtpmsg = "550 it's\r\nbad",
	    .errormsg = "h: recipient <r@x> refused",
	    .exitcode = EX_DATAERR };
	char *line = log_record_format(&r);

	(void)state;
	/* A quote or line break in a server text cannot break the line. */
	assert_null(strchr(line, '\n'));
	assert_non_null(strstr(line, "smtpmsg='550 it\"s??bad'"));
	assert_non_null(strstr(line, "errormsg='h: recipient <r@x> "
	    "refused' exitcode=EX_DATAERR"));
	/* msmtp's rules: no user without auth, no mailsize on failure. */
	assert_null(strstr(line, "user="));
	assert_null(strstr(line, "mailsize="));
	assert_non_null(strstr(line, "auth=off from=f@x recipients=r@x "
	    "smtpstatus=550 "));
	free(line);
}

/* Write one record to a fresh file with fmt; return the line. */
static char *
written(const char *fmt)
{
	static char buf[512];
	char path[] = "/tmp/t_log.XXXXXX";
	struct log_record r = { .host = "h", .auth = 1, .user = "u",
	    .from = "f@x", .recipients = "r@x", .mailsize = 7,
	    .exitcode = 0 };
	int fd = mkstemp(path);
	ssize_t n;

	assert_true(fd >= 0);
	assert_int_equal(log_record_write(path, fmt, &r), 0);
	assert_int_equal(log_record_write(path, fmt, &r), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static void
test_time_format(void **state)
{
	const char *tail = "host=h tls=off auth=on user=u from=f@x "
	    "recipients=r@x mailsize=7 exitcode=EX_OK\n";
	char *line, *nl;
	struct tm tm;

	(void)state;
	line = written("none");
	assert_true(strncmp(line, "none host=h ", 12) == 0);
	/* Appended: two lines, each complete. */
	nl = strchr(line, '\n');
	assert_non_null(nl);
	assert_string_equal(nl + 1 + 5, tail);
	line = written(NULL);
	memset(&tm, 0, sizeof(tm));
	/* The default is msmtp's "%b %d %H:%M:%S". */
	nl = strptime(line, "%b %d %H:%M:%S ", &tm);
	assert_non_null(nl);
	assert_int_equal(nl - line, 16);
	assert_true(strncmp(nl, tail, strlen(tail)) == 0);
	line = written("%Y-%m-%dT%H:%M:%S");
	assert_true(line[4] == '-' && line[10] == 'T' && line[19] == ' ');
	line = written("");
	assert_non_null(strptime(line, "%b %d %H:%M:%S ", &tm));
}

static void
test_write_fails(void **state)
{
	struct log_record r = { .host = "h", .exitcode = 0 };

	(void)state;
	assert_int_equal(log_record_write("/nonexistent/dir/log", NULL, &r),
	    -1);
}

static void
test_facilities(void **state)
{
	int fac = -1;

	(void)state;
	assert_int_equal(log_facility_lookup("LOG_MAIL", &fac), 0);
	assert_int_equal(fac, LOG_MAIL);
	assert_int_equal(log_facility_lookup("LOG_LOCAL7", &fac), 0);
	assert_int_equal(fac, LOG_LOCAL7);
	assert_int_equal(log_facility_lookup("LOG_USER", &fac), 0);
	assert_int_equal(fac, LOG_USER);
	assert_int_equal(log_facility_lookup("LOG_KERN", &fac), -1);
	assert_int_equal(log_facility_lookup("log_mail", &fac), -1);
}

static void
test_exit_names(void **state)
{
	(void)state;
	assert_string_equal(log_exit_name(EX_TEMPFAIL), "EX_TEMPFAIL");
	assert_string_equal(log_exit_name(EX_NOPERM), "EX_NOPERM");
	assert_string_equal(log_exit_name(3), "EX_UNKNOWN");
}

/* Capture what log_proto prints on stderr. */
static char *
trace(const char *line, size_t hide_from)
{
	static char buf[256];
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	log_proto(LOG_DIR_OUT, line, strlen(line), hide_from);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	return buf;
}

static void
test_proto_redaction(void **state)
{
	(void)state;
	log_set_debug(1);
	assert_string_equal(trace("AUTH PLAIN AGEAYg==", 11),
	    "--> AUTH PLAIN <hidden>\n");
	assert_string_equal(trace("c2VjcmV0", 0), "--> <hidden>\n");
	assert_string_equal(trace("MAIL FROM:<a@b>", LOG_SHOW_ALL),
	    "--> MAIL FROM:<a@b>\n");
	assert_string_equal(trace("a\033[2Jb", LOG_SHOW_ALL),
	    "--> a\\x1b[2Jb\n");
	log_set_debug(0);
	assert_string_equal(trace("AUTH PLAIN AGEAYg==", LOG_SHOW_ALL), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_success),
		cmocka_unit_test(test_record_failure_quotes),
		cmocka_unit_test(test_exit_names),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_write_fails),
		cmocka_unit_test(test_facilities),
		cmocka_unit_test(test_proto_redaction),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
