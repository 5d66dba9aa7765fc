/*
 * result.h - the single failure policy.
 *
 * Contract: given what happened (a struct failure), decide the sysexits
 * status and whether a message should be kept for a later retry.  Pure
 * functions over a table; nothing else in postie maps failures to exit
 * codes.
 */
#ifndef POSTIE_RESULT_H
#define POSTIE_RESULT_H

#include "util.h"

enum result_action {
	RESULT_DONE,		/* delivered, nothing to keep */
	RESULT_KEEP,		/* temporary: worth trying again later */
	RESULT_DROP,		/* permanent: retrying will not help */
	RESULT_LAST
};

/* Exit status for a failure; 0 for FAIL_NONE. */
int result_exit_status(const struct failure *f);

/* Whether the failure is temporary and the message worth keeping. */
enum result_action result_action(const struct failure *f);

/* Name of a failure class, for debug output and tests. */
const char *result_class_name(enum fail_class cls);

#endif
