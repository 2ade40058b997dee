// SPDX-License-Identifier: GPL-2.0
/*
 * POST and POST_BATCH: turning a caller's arguments into events.
 *
 * Everything a post can fail on (arguments, payload copies, the output
 * field) is checked before the events go to deliver.c, so a post either
 * happens as a whole or changes nothing.  A post allocates a transient
 * copy of payloads too large for the stack, freed before the call returns,
 * and, with EVENTLINE_POST_RETAIN, the retained copy the line keeps
 * (retain.c); both are charged to the poster.
 *
 * LOCKING: none of its own; deliver.c numbers and delivers the events.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "args.h"
#include "deliver.h"
#include "event.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "nest.h"
#include "retain.h"

/* Payloads up to this size are copied to the stack, larger ones to the heap. */
#define EVL_POST_STACK_PAYLOAD	256

/* An event of @type from the calling process, payload not yet attached. */
static void evl_user_event(struct evl_event *ev, u16 type, u32 payload_len,
			   u16 depth)
{
	*ev = (struct evl_event) {
		.category = EVENTLINE_CAT_LINE,
		.type = type,
		.depth = depth,
		.payload_len = payload_len,
		/* Stable while current runs; staging takes a reference. */
		.pid = task_tgid(current),
		.uid = current_euid(),
	};
}

/* POST's and POST_BATCH's flags, and a parent depth only with its flag. */
static int evl_post_flags_check(u32 flags, u32 valid, u16 parent_depth)
{
	if (flags & ~valid ||
	    (parent_depth && !(flags & EVENTLINE_POST_PARENT)))
		return -EINVAL;
	return 0;
}

static long evl_line_post(struct evl_line *line,
			  struct eventline_post __user *upost,
			  unsigned int flags)
{
	u8 stack_buf[EVL_POST_STACK_PAYLOAD];
	struct eventline_post args;
	struct evl_event ev;
	void *buf = NULL;
	u16 depth;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_POST_SIZE_VER0, upost);
	if (err < 0)
		return err;
	if (evl_post_flags_check(args.flags, EVL_POST_FLAGS, args.parent_depth) ||
	    args.type > EVENTLINE_TYPE_MAX)
		return -EINVAL;
	if (args.payload_len > evl_max_payload)
		return -EMSGSIZE;
	err = evl_nest_depth(args.parent_depth,
			     args.flags & EVENTLINE_POST_PARENT, &depth);
	if (err)
		return err;
	/* Written first, so a bad pointer fails before anything is posted. */
	if (put_user(0ULL, &upost->seq))
		return -EFAULT;

	evl_user_event(&ev, args.type, args.payload_len, depth);
	if (args.payload_len > sizeof(stack_buf)) {
		buf = kvmalloc(args.payload_len, EVL_GFP_USER_SIZED);
		if (!buf)
			return -ENOMEM;
	}
	ev.payload = buf ?: stack_buf;
	if (copy_from_user((void *)ev.payload, u64_to_user_ptr(args.payload),
			   args.payload_len)) {
		err = -EFAULT;
		goto out;
	}
	if (args.flags & EVENTLINE_POST_RETAIN) {
		ev.retained = evl_retained_new(&ev);
		if (!ev.retained) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = evl_post_events(line, &ev, 1, flags);
	/* The copy if it was not posted, else the one it replaced. */
	evl_retained_put(ev.retained);
out:
	kvfree(buf);
	if (err)
		return err;
	/*
	 * Probed above, so only a racing munmap can make this fault; the
	 * event is posted either way and the call reports that.
	 */
	put_user(ev.seq, &upost->seq);
	return 0;
}

/* The entries of a batch and their payloads, copied in and checked. */
struct evl_batch {
	struct eventline_post_entry *ents;
	struct evl_event *evs;
	void *payloads;
};

static void evl_batch_free(struct evl_batch *b)
{
	kvfree(b->ents);
	kvfree(b->evs);
	kvfree(b->payloads);
}

/* Copy in and check every entry: nothing is posted until all are good. */
static int evl_batch_entries_from_user(struct evl_batch *b,
				       const struct eventline_post_batch *args,
				       size_t *total)
{
	const void __user *uent = u64_to_user_ptr(args->entries);
	unsigned int i;
	int err;

	*total = 0;
	/* Entries of the size this module knows come in with one copy. */
	if (args->entry_size == sizeof(*b->ents) &&
	    copy_from_user(b->ents, uent, args->count * sizeof(*b->ents)))
		return -EFAULT;
	for (i = 0; i < args->count; i++, uent += args->entry_size) {
		struct eventline_post_entry *ent = &b->ents[i];

		if (args->entry_size != sizeof(*ent)) {
			err = copy_struct_from_user(ent, sizeof(*ent), uent,
						    args->entry_size);
			if (err)
				return err;
		}
		if (ent->flags || ent->type > EVENTLINE_TYPE_MAX)
			return -EINVAL;
		if (ent->payload_len > evl_max_payload)
			return -EMSGSIZE;
		*total += ent->payload_len;
		if (*total > EVL_MAX_POST_BATCH_BYTES)
			return -EMSGSIZE;
	}
	return 0;
}

/*
 * Copy the payloads in, one copy per run of entries whose payloads lie
 * back to back in the caller's memory, as a batch built in one buffer's
 * do: a copy from userspace costs far more than its bytes.
 */
static int evl_batch_payloads_from_user(struct evl_batch *b, unsigned int nr)
{
	unsigned int i, first = 0;
	size_t run = 0, off = 0;

	for (i = 0; i < nr; i++) {
		const struct eventline_post_entry *ent = &b->ents[i];

		run += ent->payload_len;
		if (i + 1 < nr &&
		    b->ents[i + 1].payload == ent->payload + ent->payload_len)
			continue;
		if (copy_from_user(b->payloads + off,
				   u64_to_user_ptr(b->ents[first].payload), run))
			return -EFAULT;
		off += run;
		run = 0;
		first = i + 1;
	}
	return 0;
}

static int evl_batch_from_user(struct evl_batch *b,
			       const struct eventline_post_batch *args,
			       u16 depth)
{
	size_t total, off = 0;
	unsigned int i;
	int err;

	memset(b, 0, sizeof(*b));
	b->ents = kvcalloc(args->count, sizeof(*b->ents), EVL_GFP_USER_SIZED);
	b->evs = kvcalloc(args->count, sizeof(*b->evs), EVL_GFP_USER_SIZED);
	if (!b->ents || !b->evs)
		return -ENOMEM;
	err = evl_batch_entries_from_user(b, args, &total);
	if (err)
		return err;
	if (total) {
		b->payloads = kvmalloc(total, EVL_GFP_USER_SIZED);
		if (!b->payloads)
			return -ENOMEM;
	}
	for (i = 0; i < args->count; i++) {
		const struct eventline_post_entry *ent = &b->ents[i];

		evl_user_event(&b->evs[i], ent->type, ent->payload_len, depth);
		b->evs[i].payload = b->payloads + off;
		off += ent->payload_len;
	}
	return evl_batch_payloads_from_user(b, args->count);
}

static long evl_line_post_batch(struct evl_line *line,
				struct eventline_post_batch __user *ubatch,
				unsigned int flags)
{
	struct eventline_post_batch args;
	struct evl_batch batch;
	u16 depth;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_POST_BATCH_SIZE_VER0, ubatch);
	if (err < 0)
		return err;
	if (evl_post_flags_check(args.flags, EVL_POST_BATCH_FLAGS,
				 args.parent_depth) ||
	    args.__reserved0 || args.__reserved1 ||
	    !args.count || args.count > EVL_MAX_POST_BATCH ||
	    args.entry_size < EVENTLINE_POST_ENTRY_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE ||
	    args.entry_size % EVENTLINE_RECORD_ALIGN)
		return -EINVAL;
	err = evl_nest_depth(args.parent_depth,
			     args.flags & EVENTLINE_POST_PARENT, &depth);
	if (err)
		return err;
	if (put_user(0ULL, &ubatch->first_seq))
		return -EFAULT;

	err = evl_batch_from_user(&batch, &args, depth);
	if (!err)
		err = evl_post_events(line, batch.evs, args.count, flags);
	if (!err)	/* probed above; as for POST, the events stand */
		put_user(batch.evs[0].seq, &ubatch->first_seq);
	evl_batch_free(&batch);
	return err ?: args.count;
}

/**
 * evl_line_post_cmd() - POST or POST_BATCH, from an ioctl or io_uring
 * @file:	an owner or poster fd
 * @cmd:	EVENTLINE_IOC_POST or EVENTLINE_IOC_POST_BATCH
 * @uarg:	the command's argument struct
 * @nonblock:	fail with -EAGAIN rather than wait for staging room
 *
 * Return: as the ioctl; -ENOTTY for any other command.
 */
long evl_line_post_cmd(struct file *file, unsigned int cmd, void __user *uarg,
		       bool nonblock)
{
	unsigned int flags = nonblock ? EVL_POST_NONBLOCK : 0;

	switch (cmd) {
	case EVENTLINE_IOC_POST:
		return evl_line_post(evl_file_line(file), uarg, flags);
	case EVENTLINE_IOC_POST_BATCH:
		return evl_line_post_batch(evl_file_line(file), uarg, flags);
	default:
		return -ENOTTY;
	}
}
