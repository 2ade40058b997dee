/* SPDX-License-Identifier: MIT */
/* Helpers shared by the eventline example programs. */
#ifndef EXAMPLES_COMMON_H
#define EXAMPLES_COMMON_H

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <eventline.h>

/* Print "PROG: WHAT: strerror" for a negative errno and exit 1. */
static inline void die_err(const char *prog, const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(-err));
	exit(1);
}

/*
 * A line argument is an id when it is all digits, else a name.  Exactly one
 * of *name and *id ends up set, as el_line_open() and el_subscribe() want.
 */
static inline int parse_line_arg(const char *arg, const char **name,
				 uint64_t *id)
{
	const char *p;

	*name = NULL;
	*id = 0;
	for (p = arg; *p && isdigit((unsigned char)*p); p++)
		;
	if (*arg && !*p) {
		errno = 0;
		*id = strtoull(arg, NULL, 10);
		return errno || !*id ? -EINVAL : 0;
	}
	*name = arg;
	return 0;
}

#endif /* EXAMPLES_COMMON_H */
