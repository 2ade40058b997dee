/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_EVENT_H
#define _EVL_EVENT_H

#include <linux/refcount.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <linux/eventline.h>

struct pid;

/*
 * One posted event.  It is allocated and filled once by the poster and then
 * shared, read-only, by every register that queues it: each queue slot holds
 * a reference, and the last put frees it.
 */
struct evl_event {
	refcount_t ref;
	u16 category;
	u16 type;
	u16 depth;
	u64 seq;
	u64 line_id;
	u64 timestamp_ns;
	struct pid *pid;	/* poster's thread group, NULL if none */
	kuid_t uid;		/* poster's euid */
	u32 payload_len;
	u8 payload[];
};

struct evl_event *evl_event_alloc(u32 payload_len, gfp_t gfp);
void evl_event_put(struct evl_event *ev);

static inline struct evl_event *evl_event_get(struct evl_event *ev)
{
	refcount_inc(&ev->ref);
	return ev;
}

void evl_event_to_record(const struct evl_event *ev,
			 struct eventline_record *rec);
void evl_record_init(struct eventline_record *rec, u16 category, u16 type,
		     u32 payload_len);
int evl_record_copy_to_user(char __user *buf,
			    const struct eventline_record *rec,
			    const void *payload);

#endif /* _EVL_EVENT_H */
