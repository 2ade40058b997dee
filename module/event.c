// SPDX-License-Identifier: GPL-2.0
/*
 * Events and the records readers see.
 *
 * An event is immutable once posted, so it needs no lock: its reference
 * count alone decides its lifetime.  Who posted it is kept as kernel
 * objects (struct pid, kuid_t) and translated into the namespaces of the
 * task that reads it, at read time, as fanotify does.
 */
#include <linux/cred.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "event.h"

/**
 * evl_event_alloc() - allocate an event attributed to the current task
 * @payload_len: bytes of payload the caller will fill in
 * @gfp:	 allocation flags; include __GFP_ACCOUNT for user-driven posts
 *
 * Category, type, line, sequence and timestamp are left for the caller,
 * which stamps the last two together so that they agree in order.
 */
struct evl_event *evl_event_alloc(u32 payload_len, gfp_t gfp)
{
	struct evl_event *ev;

	ev = kmalloc(struct_size(ev, payload, payload_len), gfp);
	if (!ev)
		return NULL;

	refcount_set(&ev->ref, 1);
	ev->depth = 0;
	ev->seq = 0;
	ev->pid = get_task_pid(current, PIDTYPE_TGID);
	ev->uid = current_euid();
	ev->payload_len = payload_len;
	return ev;
}

void evl_event_put(struct evl_event *ev)
{
	if (!refcount_dec_and_test(&ev->ref))
		return;
	put_pid(ev->pid);
	kfree(ev);
}

/* A record header with its size worked out from the payload length. */
void evl_record_init(struct eventline_record *rec, u16 category, u16 type,
		     u32 payload_len)
{
	memset(rec, 0, sizeof(*rec));
	rec->size = ALIGN(sizeof(*rec) + payload_len, EVENTLINE_RECORD_ALIGN);
	rec->header_size = sizeof(*rec);
	rec->category = category;
	rec->type = type;
	rec->payload_len = payload_len;
}

/* Fill @rec for @ev as seen by the current (reading) task. */
void evl_event_to_record(const struct evl_event *ev,
			 struct eventline_record *rec)
{
	evl_record_init(rec, ev->category, ev->type, ev->payload_len);
	rec->depth = ev->depth;
	rec->seq = ev->seq;
	rec->line_id = ev->line_id;
	rec->timestamp_ns = ev->timestamp_ns;
	rec->pid = ev->pid ? pid_nr_ns(ev->pid, task_active_pid_ns(current)) : 0;
	rec->uid = from_kuid_munged(current_user_ns(), ev->uid);
}

/**
 * evl_record_copy_to_user() - write one record: header, payload, padding
 * @buf:	user buffer with at least @rec->size bytes
 * @rec:	the header
 * @payload:	@rec->payload_len bytes of kernel memory
 *
 * The padding is zeroed so that no kernel memory reaches userspace.
 */
int evl_record_copy_to_user(char __user *buf,
			    const struct eventline_record *rec,
			    const void *payload)
{
	size_t used = sizeof(*rec) + rec->payload_len;

	if (copy_to_user(buf, rec, sizeof(*rec)))
		return -EFAULT;
	if (copy_to_user(buf + sizeof(*rec), payload, rec->payload_len))
		return -EFAULT;
	if (clear_user(buf + used, rec->size - used))
		return -EFAULT;
	return 0;
}
