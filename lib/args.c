// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Argument checks shared by the wrappers.  They run before any syscall so
 * that the kernel never sees a truncated name or a half-read options struct,
 * and so that every wrapper rejects bad input the same way.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/*
 * Options structs grow by appending members.  A caller built against a newer
 * header may hand us a larger struct: that is fine as long as everything we
 * do not know about is zero (it then asks for the old behaviour), otherwise
 * we would silently ignore a request, so refuse with -E2BIG as the kernel does.
 */
int el__opts_check(const void *opts, size_t min_sz, size_t known_sz)
{
	const unsigned char *p = opts;
	size_t sz, i;

	if (!opts)
		return 0;
	memcpy(&sz, opts, sizeof(sz));
	if (sz < min_sz)
		return -EINVAL;
	for (i = known_sz; i < sz; i++)
		if (p[i])
			return -E2BIG;
	return 0;
}

/*
 * Copy @name into a zeroed uapi name field.  NULL and "" both leave it
 * empty.  Names that do not fit with their NUL are refused here rather than
 * cut short, which would name a different line.
 */
int el__copy_name(char dst[EVENTLINE_NAME_MAX], const char *name)
{
	size_t len = name ? strnlen(name, EVENTLINE_NAME_MAX) : 0;

	if (len == EVENTLINE_NAME_MAX)
		return -ENAMETOOLONG;
	if (len)
		memcpy(dst, name, len);
	dst[len] = '\0';
	return 0;
}

/*
 * Fill a line reference: exactly one of a non-empty @name and a non-zero @id.
 * The struct is always this header's: a module that predates @owner_uid or
 * @priority accepts it as long as they are 0, and only a caller asking for
 * an owner or a priority needs a newer module.
 */
int el__line_ref_init(struct eventline_line_ref *ref, const char *name,
		      uint64_t id, uint32_t flags, uint32_t owner_uid,
		      int32_t priority)
{
	int named = name && name[0];

	if (named == (id != 0))
		return -EINVAL;
	memset(ref, 0, sizeof(*ref));
	ref->size = sizeof(*ref);
	ref->flags = flags;
	ref->id = id;
	ref->owner_uid = owner_uid;
	ref->priority = priority;
	return el__copy_name(ref->name, name);
}
