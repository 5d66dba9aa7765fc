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
	struct secret_source src = { SECRET_LITERAL, (char *)"pass",
	    NULL, NULL };
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
	    (char *)"tanstaaftanstaaf", NULL, NULL };
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
	    "SCRAM-SHA-256-PLUS needs TLS channel binding, which this "
	    "connection does not provide");
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
	assert_string_equal(sasl_preference(), "SCRAM-SHA-256-PLUS "
	    "SCRAM-SHA-1-PLUS PLAIN SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 "
	    "DIGEST-MD5 LOGIN NTLM");
}

/* The channel binding the server side sees (base64), or NULL. */
static const char *srv_unique, *srv_exporter;

/* A GNU SASL server on the other side, for the multi-step mechanisms. */
static int
server_cb(Gsasl *ctx, Gsasl_session *sess, Gsasl_property prop)
{
	(void)ctx;
	if (prop == GSASL_CB_TLS_UNIQUE && srv_unique != NULL)
		return gsasl_property_set(sess, prop, srv_unique);
	if (prop == GSASL_CB_TLS_EXPORTER && srv_exporter != NULL)
		return gsasl_property_set(sess, prop, srv_exporter);
	if (prop == GSASL_PASSWORD)
		return gsasl_property_set(sess, prop, "pass");
	if (prop == GSASL_SERVICE)
		return gsasl_property_set(sess, prop, "smtp");
	if (prop == GSASL_HOSTNAME)
		return gsasl_property_set(sess, prop, "mail.example.org");
	return GSASL_NO_CALLBACK;
}

/*
 * Run the dialogue; the last client response must finish both sides.
 * With refuse set, the server must refuse instead (a wrong binding).
 */
static void
run_server(struct fixture *fx, const char *mech, int refuse)
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
		if (refuse && rc != GSASL_OK && rc != GSASL_NEEDS_MORE)
			break;
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
	assert_true(!refuse || rc != GSASL_OK);
}

static void
run_against_server(struct fixture *fx, const char *mech)
{
	run_server(fx, mech, 0);
}

struct plus_case {
	const char *name;
	const char *mech;
	const char *type;	/* what the client's TLS gives */
	const char *client;	/* the client's binding data */
	const char *server;	/* the server's, NULL: as the client's */
};

static const struct plus_case plus_cases[] = {
	{ "SCRAM-SHA-256-PLUS tls-exporter", "SCRAM-SHA-256-PLUS",
	    "tls-exporter", "ZXhwb3J0ZXI=", NULL },
	{ "SCRAM-SHA-1-PLUS tls-unique", "SCRAM-SHA-1-PLUS", "tls-unique",
	    "dW5pcXVl", NULL },
	{ "SCRAM-SHA-256-PLUS tls-unique", "SCRAM-SHA-256-PLUS",
	    "tls-unique", "dW5pcXVl", NULL },
	{ "SCRAM-SHA-256-PLUS binding mismatch", "SCRAM-SHA-256-PLUS",
	    "tls-exporter", "ZXhwb3J0ZXI=", "b3RoZXI=" },
};

/* The automatic choice takes -PLUS first, and the binding must match. */
static void
test_scram_plus(void **state)
{
	const struct plus_case *pc = *state;
	struct fixture *fx;
	const char *srv = pc->server != NULL ? pc->server : pc->client;

	assert_int_equal(setup((void **)&fx), 0);
	fx->opt.cb_type = pc->type;
	fx->opt.cb_data = pc->client;
	srv_unique = strcmp(pc->type, "tls-unique") == 0 ? srv : NULL;
	srv_exporter = srv_unique == NULL ? srv : NULL;
	assert_true(begin(fx, "PLAIN SCRAM-SHA-1 SCRAM-SHA-256 "
	    "SCRAM-SHA-1-PLUS SCRAM-SHA-256-PLUS"));
	if (strcmp(fx->mech, pc->mech) != 0) {
		/* SCRAM-SHA-1-PLUS: ask for it by name. */
		sasl_free(fx->s);
		free(fx->initial);
		fx->initial = NULL;
		fx->opt.mech = pc->mech;
		assert_true(begin(fx, "PLAIN SCRAM-SHA-1-PLUS"));
	}
	assert_string_equal(fx->mech, pc->mech);
	run_server(fx, pc->mech, pc->server != NULL);
	srv_unique = srv_exporter = NULL;
	teardown((void **)&fx);
}

static void
b64_is(const char *b64, const char *want, size_t len)
{
	char *raw = NULL;
	size_t n = 0;

	assert_int_equal(gsasl_base64_from(b64, strlen(b64), &raw, &n),
	    GSASL_OK);
	assert_int_equal(n, len);
	assert_memory_equal(raw, want, len);
	gsasl_free(raw);
}

#define XO2 "user=user\001auth=Bearer pass\001\001"
#define OAB "n,a=user,\001host=mail.example.org\001port=587\001" \
	"auth=Bearer pass\001\001"
/* {"status":"invalid_token","scope":"mail"} */
#define OAUTH_ERR "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJtYWlsIn0="

static void
test_xoauth2(void **state)
{
	struct fixture *fx = *state;
	char *out = NULL;

	fx->opt.mech = "XOAUTH2";
	assert_true(begin(fx, "PLAIN XOAUTH2"));
	assert_string_equal(fx->mech, "XOAUTH2");
	b64_is(fx->initial, XO2, sizeof(XO2) - 1);
	/* The error challenge gets an empty answer, then nothing more. */
	expect_step(fx, OAUTH_ERR, SASL_MORE, "");
	assert_int_equal(sasl_step(fx->s, "", &out, &fx->f), SASL_FAIL);
	assert_null(out);
}

static void
test_oauthbearer(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "oauthbearer";
	fx->opt.port = 587;
	assert_true(begin(fx, "OAUTHBEARER"));
	b64_is(fx->initial, OAB, sizeof(OAB) - 1);
	expect_step(fx, OAUTH_ERR, SASL_MORE, "AQ==");
}

static void
test_oauth_escapes_user(void **state)
{
	struct fixture *fx = *state;
	static const char want[] = "n,a=a=2Cb=3Dc,\001host=mail.example.org"
	    "\001port=0\001auth=Bearer pass\001\001";

	fx->opt.mech = "OAUTHBEARER";
	fx->opt.user = "a,b=c";
	assert_true(begin(fx, "OAUTHBEARER"));
	b64_is(fx->initial, want, sizeof(want) - 1);
}

/* A token of n bytes replaces the fixture's password. */
static char *
use_token(struct fixture *fx, size_t n)
{
	char *tok = malloc(n + 1);
	struct secret_source src = { SECRET_LITERAL, NULL, NULL, NULL };

	assert_non_null(tok);
	memset(tok, 'T', n);
	tok[n] = '\0';
	src.arg = tok;
	secret_free(fx->pw);
	fx->pw = secret_fetch(&src, &fx->f);
	assert_non_null(fx->pw);
	fx->opt.password = fx->pw;
	return tok;
}

/* RFC 4954 4: too long for the AUTH line, so it waits for "334 ". */
static void
test_long_initial_held(void **state)
{
	struct fixture *fx = *state;
	char *tok = use_token(fx, 600), *want, *out = NULL;

	fx->opt.mech = "XOAUTH2";
	assert_true(begin(fx, "XOAUTH2"));
	assert_null(fx->initial);
	assert_int_equal(sasl_step(fx->s, "", &out, &fx->f), SASL_MORE);
	assert_non_null(out);
	want = NULL;
	assert_int_equal(asprintf(&want, "user=user\001auth=Bearer %s"
	    "\001\001", tok) > 0, 1);
	b64_is(out, want, strlen(want));
	free(out);
	/* Then the mechanism goes on as usual: the error gets "". */
	expect_step(fx, OAUTH_ERR, SASL_MORE, "");
	free(want);
	free(tok);
}

/* Just short enough: the AUTH line is then exactly 512 octets. */
static void
test_initial_fits_line(void **state)
{
	struct fixture *fx = *state;
	/* "user=user^Aauth=Bearer " + token + "^A^A" is 24 + n bytes; its
	 * base64 is 4 * ceil((24 + n) / 3); "AUTH XOAUTH2 " and CRLF add
	 * 15.  n = 348: 372 bytes, 496 in base64, 511 in all. */
	char *tok = use_token(fx, 348);

	fx->opt.mech = "XOAUTH2";
	assert_true(begin(fx, "XOAUTH2"));
	assert_non_null(fx->initial);
	assert_true(strlen("AUTH XOAUTH2 ") + strlen(fx->initial) + 2 <= 512);
	free(tok);
}

static void
test_held_but_challenged(void **state)
{
	struct fixture *fx = *state;
	char *tok = use_token(fx, 600), *out = NULL;

	fx->opt.mech = "OAUTHBEARER";
	assert_true(begin(fx, "OAUTHBEARER"));
	assert_null(fx->initial);
	assert_int_equal(sasl_step(fx->s, OAUTH_ERR, &out, &fx->f),
	    SASL_FAIL);
	assert_null(out);
	assert_string_equal(fx->f.text, "SASL OAUTHBEARER: the server sent "
	    "a challenge before the initial response");
	free(tok);
}

/* ntlmdomain reaches the NTLM NEGOTIATE message, and only NTLM's. */
static void
test_ntlm_domain(void **state)
{
	struct fixture *fx = *state;
	char *raw = NULL;
	size_t n = 0;

	fx->opt.mech = "NTLM";
	fx->opt.ntlm_domain = "EXAMPLE";
	assert_true(begin(fx, "NTLM"));
	assert_non_null(fx->initial);
	assert_int_equal(gsasl_base64_from(fx->initial, strlen(fx->initial),
	    &raw, &n), GSASL_OK);
	assert_true(n > 7 && memcmp(raw, "NTLMSSP", 7) == 0);
	assert_non_null(memmem(raw, n, "EXAMPLE", 7));
	gsasl_free(raw);
	raw = NULL;
	sasl_free(fx->s);
	free(fx->initial);
	fx->initial = NULL;
	fx->opt.ntlm_domain = NULL;
	assert_true(begin(fx, "NTLM"));
	assert_int_equal(gsasl_base64_from(fx->initial, strlen(fx->initial),
	    &raw, &n), GSASL_OK);
	assert_null(memmem(raw, n, "EXAMPLE", 7));
	gsasl_free(raw);
}

static void
test_oauth_needs_tls(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "XOAUTH2";
	fx->opt.tls_active = 0;
	fx->opt.allow_clear = 1;
	expect_fail(fx, "XOAUTH2", FAIL_AUTH, "AUTH XOAUTH2 would send the "
	    "token unencrypted: the connection does not use TLS");
}

/* RFC 5802 7: a server-error message is shown as the reason. */
static void
test_scram_server_error(void **state)
{
	struct fixture *fx = *state;
	char *out = NULL;

	fx->opt.mech = "SCRAM-SHA-256";
	assert_true(begin(fx, "SCRAM-SHA-256"));
	/* base64 of "e=invalid-proof" */
	assert_int_equal(sasl_step(fx->s, "ZT1pbnZhbGlkLXByb29m", &out,
	    &fx->f), SASL_FAIL);
	assert_null(out);
	assert_int_equal(fx->f.cls, FAIL_AUTH);
	assert_string_equal(fx->f.text, "SASL SCRAM-SHA-256: the server "
	    "refused the credentials: e=invalid-proof");
}

/* Plain SCRAM never sees binding data (only -PLUS uses it). */
static void
test_scram_ignores_binding(void **state)
{
	struct fixture *fx = *state;

	fx->opt.mech = "SCRAM-SHA-1";
	fx->opt.cb_type = "tls-exporter";
	fx->opt.cb_data = "ZXhwb3J0ZXI=";
	assert_true(begin(fx, "SCRAM-SHA-1 SCRAM-SHA-1-PLUS"));
	run_against_server(fx, "SCRAM-SHA-1");
}

static void
test_oauth_never_automatic(void **state)
{
	struct fixture *fx = *state;

	expect_fail(fx, "XOAUTH2 OAUTHBEARER", FAIL_AUTH, "no usable "
	    "authentication mechanism (server offers: XOAUTH2 OAUTHBEARER)");
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
#define PLUS(i) { plus_cases[i].name, test_scram_plus, NULL, NULL, \
	(void *)&plus_cases[i] }

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
		T(test_long_initial_held),
		T(test_initial_fits_line),
		T(test_held_but_challenged),
		T(test_ntlm_domain),
		T(test_no_password),
		T(test_step_after_done),
		T(test_preference),
		T(test_scram_exchange),
		T(test_digest_md5_exchange),
		PLUS(0), PLUS(1), PLUS(2), PLUS(3),
		T(test_xoauth2),
		T(test_oauthbearer),
		T(test_oauth_escapes_user),
		T(test_oauth_needs_tls),
		T(test_oauth_never_automatic),
		T(test_scram_server_error),
		T(test_scram_ignores_binding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
