/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_EVENT_H
#define _EVL_EVENT_H

#include <linux/types.h>
#include <linux/uidgid.h>

#include <linux/eventline.h>

struct evl_retained;
struct pid;
struct pid_namespace;
struct user_namespace;

/*
 * An event on its way from a post to the registers.  It is a description,
 * not an allocation: the payload stays wherever the poster put it (its own
 * buffer, or the line's staging ring) until every register on the chain
 * has copied it into its ring.
 */
struct evl_event {
	u16 category;
	u16 type;
	u16 depth;
	u16 mutations;		/* stages that changed the payload */
	u32 flags;		/* EVENTLINE_RECORD_* */
	u32 payload_len;
	u64 seq;
	u64 line_id;
	u64 timestamp_ns;
	struct pid *pid;	/* poster's thread group, NULL if none */
	kuid_t uid;		/* poster's euid */
	const void *payload;
	/*
	 * A post with EVENTLINE_POST_RETAIN: its copy, made the line's
	 * when the event is numbered; then the copy it replaced.  Either
	 * way the poster puts what is left here after posting.
	 */
	struct evl_retained *retained;
};

/* The largest META record: what each one is set aside room for. */
#define EVL_META_RECORD_SIZE \
	ALIGN(sizeof(struct eventline_record) + \
	      max(sizeof(struct eventline_overflow), \
		  sizeof(struct eventline_demotion)), EVENTLINE_RECORD_ALIGN)

static inline u32 evl_record_size(u32 payload_len)
{
	return ALIGN(sizeof(struct eventline_record) + payload_len,
		     EVENTLINE_RECORD_ALIGN);
}

void evl_record_init(struct eventline_record *rec, u16 category, u16 type,
		     u32 payload_len);
void evl_record_write(void *dst, const struct eventline_record *rec,
		      const void *payload);
/*
 * A poster as one register sees it.  The events of one delivery mostly
 * come from one poster, so the translation is made once per delivery.
 */
struct evl_who {
	const struct pid *pid;
	kuid_t uid;
	u32 pid_nr;
	u32 uid_nr;
	bool valid;
};

void evl_event_to_record(const struct evl_event *ev,
			 struct eventline_record *rec, struct evl_who *who,
			 struct pid_namespace *pid_ns,
			 struct user_namespace *user_ns);

#endif /* _EVL_EVENT_H */
