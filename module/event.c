// SPDX-License-Identifier: GPL-2.0
/*
 * Records: the self-describing form in which events reach readers.
 *
 * Who posted an event travels as kernel objects (struct pid, kuid_t) up to
 * the moment it is copied into a register, and is translated there into
 * the namespaces of the register's creator: a record is final once it is
 * in a ring, so read() and a mapped reader see the same bytes, and a
 * record names its poster even after the poster's pid has been reused.
 */
#include <linux/align.h>
#include <linux/pid.h>
#include <linux/string.h>
#include <linux/uidgid.h>

#include "event.h"

/* A record header with its size worked out from the payload length. */
void evl_record_init(struct eventline_record *rec, u16 category, u16 type,
		     u32 payload_len)
{
	memset(rec, 0, sizeof(*rec));
	rec->size = evl_record_size(payload_len);
	rec->header_size = sizeof(*rec);
	rec->category = category;
	rec->type = type;
	rec->payload_len = payload_len;
}

/*
 * Write a whole record, header, payload and zeroed padding, to @dst, which
 * has room for @rec->size bytes.  The padding is zeroed so that no stale
 * ring bytes reach userspace.
 */
void evl_record_write(void *dst, const struct eventline_record *rec,
		      const void *payload)
{
	size_t used = sizeof(*rec) + rec->payload_len;

	memcpy(dst, rec, sizeof(*rec));
	memcpy(dst + sizeof(*rec), payload, rec->payload_len);
	memset(dst + used, 0, rec->size - used);
}

/*
 * Fill @rec for @ev as seen from @pid_ns and @user_ns; @who caches the
 * poster's translation between calls (zero it before the first).
 */
void evl_event_to_record(const struct evl_event *ev,
			 struct eventline_record *rec, struct evl_who *who,
			 struct pid_namespace *pid_ns,
			 struct user_namespace *user_ns)
{
	if (!who->valid || who->pid != ev->pid || !uid_eq(who->uid, ev->uid)) {
		who->pid = ev->pid;
		who->uid = ev->uid;
		who->pid_nr = ev->pid ? pid_nr_ns(ev->pid, pid_ns) : 0;
		who->uid_nr = from_kuid_munged(user_ns, ev->uid);
		who->valid = true;
	}
	evl_record_init(rec, ev->category, ev->type, ev->payload_len);
	rec->depth = ev->depth;
	rec->flags = ev->flags;
	rec->mutations = ev->mutations;
	rec->seq = ev->seq;
	rec->line_id = ev->line_id;
	rec->timestamp_ns = ev->timestamp_ns;
	rec->pid = who->pid_nr;
	rec->uid = who->uid_nr;
}
