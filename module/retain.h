/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_RETAIN_H
#define _EVL_RETAIN_H

#include <linux/refcount.h>
#include <linux/types.h>

#include "event.h"

struct evl_line;

/* One retained event: a line's current state for its type. */
struct evl_retained {
	refcount_t ref;
	struct evl_event ev;	/* stamped; ev.payload is its own copy */
};

/* A line keeps one per type. */
#define EVL_RETAINED_MAX	(EVENTLINE_TYPE_MAX + 1)

struct evl_retained *evl_retained_new(const struct evl_event *ev);
void evl_retained_put(struct evl_retained *ret);
struct evl_retained *evl_retain_install(struct evl_line *line,
					struct evl_event *ev);
unsigned int evl_retain_snapshot(struct evl_line *line,
				 struct evl_retained **snap);
unsigned int evl_retain_clear(struct evl_line *line, u64 types);

#endif /* _EVL_RETAIN_H */
