/*
 * bsmtp_addr.h - parsing the arguments of MAIL FROM and RCPT TO for
 * bsmtp.c.
 *
 * Contract: pure functions over one command's argument (the text after
 * the verb).  Refusals come back as the complete SMTP reply line to send
 * (a static string, without CRLF); nothing is logged.
 */
#ifndef POSTIE_BSMTP_ADDR_H
#define POSTIE_BSMTP_ADDR_H

/*
 * arg is "FROM:<addr> params" when kw is "FROM:".  Returns the address,
 * newly allocated ("" for "<>"), with *rest at the parameters.  NULL
 * with *why the reply when the address is malformed or unusable, or
 * with *why NULL when arg does not start with kw.
 */
char *bsmtp_addr_parse(const char *arg, const char *kw, const char **rest,
    const char **why);

/* MAIL FROM parameters: NULL when SIZE and BODY are all there is and
 * are well formed, else the reply refusing them. */
const char *bsmtp_addr_mail_params(const char *rest);

/* Whether rest holds any parameter at all. */
int bsmtp_addr_has_params(const char *rest);

#endif
