/*
 * t_sasl.c - mechanism choice and the steps of the GNU SASL wrapper.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsasl.h>

#include "sasl.h"
#include "secret.h"

struct fixture {
	struct secret *pw;
	struct sasl_options opt;
	struct failure f;
	struct sasl *s;
	const char *mech;
	char *initial;
};

static int
setup(void **state)
{
	struct secret_source src = { SECRET_LITERAL, (char *)"pass" };
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	fx->pw = secret_fetch(&src, &fx->f);
	assert_non_null(fx->pw);
	fx->opt.user = "user";
	fx->opt.password = fx->pw;
	fx->opt.host = "mail.example.org";
	fx->opt.tls_active = 1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->initial);
	sasl_free(fx->s);
	secret_free(fx->pw);
	free(fx);
	return 0;
}

/* Start against offered; the result says whether a mechanism started. */
static int
begin(struct fixture *fx, const char *offered)
{
	failure_clear(&fx->f);
	fx->s = sasl_begin(&fx->opt, offered, &fx->mech, &fx->initial,
	    &fx->f);
	return fx->s != NULL;
}

static void
expect_step(struct fixture *fx, const char *challenge,
    enum sasl_result want, const char *response)
{
	char *out = NULL;

	assert_int_equal(sasl_step(fx->s, challenge, &out, &fx->f), want);
	assert_non_null(out);
	assert_string_equal(out, response);
	free(out);
}

static void
expect_fail(struct fixture *fx, const char *offered, enum fail_class cls,
    const char *text)
{
	assert_false(begin(fx, offered));
	assert_null(fx->mech);
	assert_null(fx->initial);
	assert_int_equal(fx->f.cls, cls);
	assert_string_equal(fx->f.text, text);
}

static void
test_plain_initial(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx, "PLAIN"));
	assert_string_equal(fx->mech, "PLAIN");
	/* base64 of "\0user\0pass" */
	assert_string_equal(fx->initial, "AHVzZXIAcGFzcw==");
}

static void
test_login_two_steps(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx, "LOGIN"));
	assert_string_equal(fx->mech, "LOGIN");
	assert_null(fx->initial);
	expect_step(fx, "VXNlcm5hbWU6", SASL_MORE, "dXNlcg==");
	expect_step(fx, "UGFzc3dvcmQ6", SASL_DONE, "cGFzcw==");
}

static void
test_login_empty_prompt(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx, "LOGIN"));
	expect_step(fx, "", SASL_MORE, "dXNlcg==");
	expect_step(fx, "", SASL_DONE, "cGFzcw==");
}

/* RFC 2195, section 2. */
static void
test_cram_md5_rfc2195(void **state)
{
	struct secret_source src = { SECRET_LITERAL,
	    (char *)"tanstaaftanstaaf" };
	struct fixture *fx = *state;

	secret_free(fx->pw);
	fx->pw = secret_fetch(&src, &fx->f);
	fx->opt.password = fx->pw;
	fx->opt.user = "tim";
	assert_true(begin(fx, "CRAM-MD5"));
	assert_null(fx->initial);
	expect_step(fx, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5u"
	    "ZXQ+", SASL_DONE,
	    "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
}

static void
test_auto_tls_prefers_plain(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx,
	    "LOGIN CRAM-MD5 SCRAM-SHA-1 PLAIN SCRAM-SHA-256"));
	assert_string_equal(fx->mech, "PLAIN");
}

static void
test_auto_tls_order(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx, "LOGIN DIGEST-MD5 SCRAM-SHA-1 CRAM-MD5"));
	assert_string_equal(fx->mech, "SCRAM-SHA-1");
}

static void
test_auto_offered_any_case(void **state)
{
	struct fixture *fx = *state;

	assert_true(begin(fx, "  login\tplain "));
	assert_string_equal(fx->mech, "PLAIN");
}

static void
test_auto_clear_skips_plain(void **state)
{
	struct fixture *fx = *state;

	fx->opt.tls_active = 0;
	expect_fail(fx, "PLAIN LOGIN", FAIL_AUTH, "no usable authentication "
	    "mechanism (server offers: PLAIN LOGIN)");
}

static void
test_auto_clear_scram(void **state)
{
	struct fixture *fx = *state;
	char *raw = NULL;
	size_t len = 0;

	fx->opt.tls_active = 0;
	assert_true(begin(fx, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256"));
	assert_string_equal(fx->mech, "SCRAM-SHA-256");
	assert_non_null(fx->initial);
	assert_int_equal(gsasl_base64_from(fx->initial, strlen(fx->initial),
	    &raw, &len), GSASL_OK);
	assert_true(len > 12);
	assert_memory_equal(raw, "n,,n=user,r=", 12);
	gsasl_free(raw);
}

static void
test_auto_clear_allowed_last(void **state)
{
	struct fixture *fx = *state;

	fx->opt.tls_active = 0;
	fx->opt.allow_clear = 1;
	assert_true(begin(fx, "PLAIN LOGIN CRAM-MD5"));
	assert_string_equal(fx->mech, "CRAM-MD5");
}

static void
test_auto_clear_allowed(void **state)
{
	struct fixture *fx = *state;

	fx->opt.tls_active = 0;
	fx->opt.allow_clear = 1;
	assert_true(begin(fx, "LOGIN PLAIN"));
	assert_string_equal(fx->mech, "PLAIN");
}

static void
test_auto_skips_plus(void **state)
{
	struct fixture *fx = *state;

	expect_fail(fx, "SCRAM-SHA-256-PLUS GSSAPI EXTERNAL", FAIL_AUTH,
	    "no usable authentication mechanism (server offers: "
	    "SCRAM-SHA-256-PLUS GSSAPI EXTERNAL)");
}

static void
test_nothing_offered(void **state)
{
	struct fixture *fx = *state;

	expect_fail(fx, "", FAIL_AUTH, "no usable authentication mechanism "
	    "(server offers: nothing)");
}

static void
test_explicit(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "login";
	assert_true(begin(fx, "PLAIN LOGIN"));
	assert_string_equal(fx->mech, "LOGIN");
	assert_null(fx->initial);
}

static void
test_explicit_not_offered(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "cram-md5";
	expect_fail(fx, "PLAIN LOGIN", FAIL_NOCAP, "the server does not offer "
	    "AUTH CRAM-MD5 (it offers: PLAIN LOGIN)");
}

static void
test_explicit_unsupported(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "X-POSTIE-NONE";
	expect_fail(fx, "PLAIN X-POSTIE-NONE", FAIL_AUTH,
	    "GNU SASL does not support X-POSTIE-NONE");
}

static void
test_explicit_bad_name(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "PLAIN LOGIN";
	expect_fail(fx, "PLAIN LOGIN", FAIL_AUTH,
	    "invalid SASL mechanism name 'PLAIN LOGIN'");
}

static void
test_explicit_clear_refused(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "PLAIN";
	fx->opt.tls_active = 0;
	expect_fail(fx, "PLAIN", FAIL_AUTH, "AUTH PLAIN would send the "
	    "password unencrypted: the connection does not use TLS");
}

static void
test_explicit_clear_allowed(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "PLAIN";
	fx->opt.tls_active = 0;
	fx->opt.allow_clear = 1;
	assert_true(begin(fx, "PLAIN"));
	assert_string_equal(fx->initial, "AHVzZXIAcGFzcw==");
}

static void
test_explicit_plus_refused(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "SCRAM-SHA-256-PLUS";
	expect_fail(fx, "SCRAM-SHA-256-PLUS", FAIL_AUTH, "AUTH "
	    "SCRAM-SHA-256-PLUS needs TLS channel binding, which is not "
	    "supported yet");
}

static void
test_external_empty_initial(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "EXTERNAL";
	assert_true(begin(fx, "EXTERNAL"));
	assert_non_null(fx->initial);
	assert_string_equal(fx->initial, "");
}

static void
test_no_password(void **state)
{
	struct fixture *fx = *state;

	fx->opt.password = NULL;
	assert_false(begin(fx, "PLAIN"));
	assert_int_equal(fx->f.cls, FAIL_AUTH);
	assert_memory_equal(fx->f.text, "SASL PLAIN: ", 12);
}

static void
test_step_after_done(void **state)
{
	struct fixture *fx = *state;
	char *out = NULL;

	assert_true(begin(fx, "PLAIN"));
	assert_int_equal(sasl_step(fx->s, "", &out, &fx->f), SASL_FAIL);
	assert_null(out);
	assert_int_equal(fx->f.cls, FAIL_AUTH);
}

static void
test_preference(void **state)
{
	(void)state;
	assert_string_equal(sasl_preference(), "PLAIN SCRAM-SHA-256 "
	    "SCRAM-SHA-1 CRAM-MD5 DIGEST-MD5 LOGIN NTLM");
}

/* A GNU SASL server on the other side, for the multi-step mechanisms. */
static int
server_cb(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	(void)ctx;
	if (prop == GSASL_PASSWORD)
		return gsasl_property_set(sess, prop, "pass");
	if (prop == GSASL_SERVICE)
		return gsasl_property_set(sess, prop, "smtp");
	if (prop == GSASL_HOSTNAME)
		return gsasl_property_set(sess, prop, "mail.example.org");
	return GSASL_NO_CALLBACK;
}

/* Run the dialogue; the last client response must finish both sides. */
static void
run_against_server(struct fixture *fx, const char *mech)
{
	Gsasl *ctx;
	Gsasl_session *srv;
	char *in = fx->initial, *out = NULL;
	enum sasl_result r = SASL_MORE;
	int rc, rounds = 0;

	assert_int_equal(gsasl_init(&ctx), GSASL_OK);
	gsasl_callback_set(ctx, server_cb);
	assert_int_equal(gsasl_server_start(ctx, mech, &srv), GSASL_OK);
	fx->initial = NULL;
	for (;;) {
		rc = gsasl_step64(srv, in != NULL ? in : "", &out);
		free(in);
		in = NULL;
		assert_true(rc == GSASL_OK || rc == GSASL_NEEDS_MORE);
		if (rc == GSASL_OK && r == SASL_DONE)
			break;
		assert_int_not_equal(r, SASL_DONE);
		r = sasl_step(fx->s, out, &in, &fx->f);
		gsasl_free(out);
		out = NULL;
		assert_int_not_equal(r, SASL_FAIL);
		if (rc == GSASL_OK) {
			/* The server's final data (SCRAM's v=) ends it. */
			assert_int_equal(r, SASL_DONE);
			assert_string_equal(in, "");
			free(in);
			break;
		}
		assert_true(++rounds < 5);
	}
	gsasl_free(out);
	gsasl_finish(srv);
	gsasl_done(ctx);
}

static void
test_scram_exchange(void **state)
{
	struct fixture *fx = *state;

	fx->opt.tls_active = 0;
	assert_true(begin(fx, "SCRAM-SHA-256"));
	run_against_server(fx, "SCRAM-SHA-256");
}

static void
test_digest_md5_exchange(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "DIGEST-MD5";
	assert_true(begin(fx, "DIGEST-MD5"));
	assert_null(fx->initial);
	run_against_server(fx, "DIGEST-MD5");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plain_initial),
		T(test_login_two_steps),
		T(test_login_empty_prompt),
		T(test_cram_md5_rfc2195),
		T(test_auto_tls_prefers_plain),
		T(test_auto_tls_order),
		T(test_auto_offered_any_case),
		T(test_auto_clear_skips_plain),
		T(test_auto_clear_scram),
		T(test_auto_clear_allowed_last),
		T(test_auto_clear_allowed),
		T(test_auto_skips_plus),
		T(test_nothing_offered),
		T(test_explicit),
		T(test_explicit_not_offered),
		T(test_explicit_unsupported),
		T(test_explicit_bad_name),
		T(test_explicit_clear_refused),
		T(test_explicit_clear_allowed),
		T(test_explicit_plus_refused),
		T(test_external_empty_initial),
		T(test_no_password),
		T(test_step_after_done),
		T(test_preference),
		T(test_scram_exchange),
		T(test_digest_md5_exchange),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
