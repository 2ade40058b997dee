// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lines: creating one (owner fd), opening one for posting (poster fd),
 * posting on either, one event or a batch, asking who owns a line, and the
 * view of its chain (owner and subscribers) and the owner's say over it.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "internal.h"

int el_line_create(struct el_ctx *ctx, const char *name,
		   const struct el_line_opts *opts, uint64_t *id_out)
{
	struct eventline_line_create arg;
	int fd, err;

	if (!ctx)
		return -EINVAL;
	err = EL_OPTS_CHECK(opts, el_line_opts, fd_flags, fd_flags);
	if (err)
		return err;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = EL_OPTS_GET(opts, fd_flags, EL_DEFAULT_FD_FLAGS);
	arg.mode = EL_OPTS_GET(opts, mode, EL_LINE_DEFAULT_MODE);
	err = el__copy_name(arg.name, name);
	if (err)
		return err;

	fd = ioctl(ctx->fd, EVENTLINE_IOC_LINE_CREATE, &arg);
	if (fd < 0)
		return -errno;
	if (id_out)
		*id_out = arg.id;
	return fd;
}

static int el__line_open(struct el_ctx *ctx, struct eventline_line_ref *ref,
			 uint64_t *id_out)
{
	int fd;

	fd = ioctl(ctx->fd, EVENTLINE_IOC_LINE_OPEN, ref);
	if (fd < 0)
		return -errno;
	if (id_out)
		*id_out = ref->id;
	return fd;
}

int el_line_open(struct el_ctx *ctx, const char *name, uint64_t id,
		 uint32_t fd_flags, uint64_t *id_out)
{
	struct eventline_line_ref ref;
	int err;

	if (!ctx)
		return -EINVAL;
	err = el__line_ref_init(&ref, name, id, fd_flags, 0, 0);
	if (err)
		return err;
	return el__line_open(ctx, &ref, id_out);
}

int el_line_open_opts(struct el_ctx *ctx, const char *name, uint64_t id,
		      const struct el_line_open_opts *opts, uint64_t *id_out)
{
	struct eventline_line_ref ref;
	uint32_t flags;
	int err;

	if (!ctx)
		return -EINVAL;
	err = EL_OPTS_CHECK(opts, el_line_open_opts, owner_uid, owner_uid);
	if (err)
		return err;
	/* Both go in the kernel's one flags word, which judges them. */
	flags = EL_OPTS_GET(opts, fd_flags, EL_DEFAULT_FD_FLAGS) |
		EL_OPTS_GET(opts, flags, 0);
	err = el__line_ref_init(&ref, name, id, flags,
				EL_OPTS_GET(opts, owner_uid, 0), 0);
	if (err)
		return err;
	return el__line_open(ctx, &ref, id_out);
}

/*
 * The struct is output only, so it is zeroed in full and a module that
 * knows a shorter one accepts it.  el_line_info() is not told the caller's
 * size: when the struct grows, the build stops here until el_line_info
 * gets a version node per size, as el_info has.
 */
_Static_assert(sizeof(struct eventline_line_info) ==
	       EVENTLINE_LINE_INFO_SIZE_VER0,
	       "struct eventline_line_info grew: el_line_info needs a new version node");

int el_line_info(int fd, uint64_t id, struct eventline_line_info *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	/* In for a register, out (and ignored on input) for a line fd. */
	out->id = id;
	if (ioctl(fd, EVENTLINE_IOC_LINE_INFO, out) < 0)
		return -errno;
	return 0;
}

/*
 * The caller's array is of this header's entries; the kernel writes
 * entry_size bytes of each and zeroes what it does not know.  A larger
 * entry means an array of a different stride: a new version node.
 */
#define EL_SUB_INFO_SIZE_0_3	72

_Static_assert(sizeof(struct eventline_sub_info) == EL_SUB_INFO_SIZE_0_3,
	       "struct eventline_sub_info grew: el_line_subs needs a new version node");

int el_line_subs(int fd, uint64_t line_id, struct eventline_sub_info *entries,
		 size_t room, size_t *total_out, uint64_t *rev_out)
{
	struct eventline_line_subs arg;
	int ret;

	if (!entries && room)
		return -EINVAL;
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	/*
	 * The return value is an int and count 32 bits: a larger array is
	 * offered as INT_MAX entries, far above max_registers_per_line.
	 */
	arg.count = room > INT_MAX ? INT_MAX : room;
	arg.entry_size = sizeof(*entries);
	arg.entries = (uintptr_t)entries;
	arg.line_id = line_id;
	ret = ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &arg);
	if (ret < 0)
		return -errno;
	if (total_out)
		*total_out = arg.count;
	if (rev_out)
		*rev_out = arg.revision;
	return ret;
}

int el_evict(int owner_fd, uint64_t sub_id, uint64_t expected_rev)
{
	struct eventline_evict arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.sub_id = sub_id;
	arg.expected_rev = expected_rev;
	if (ioctl(owner_fd, EVENTLINE_IOC_EVICT, &arg) < 0)
		return -errno;
	return 0;
}

/*
 * Priorities out of range and unknown flags are the kernel's to refuse
 * (-EINVAL), as every other value it alone can judge.
 */
int el_grant(int owner_fd, uint64_t sub_id, int32_t max_priority,
	     uint32_t flags, uint64_t expected_rev)
{
	struct eventline_grant arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = flags;
	arg.sub_id = sub_id;
	arg.max_priority = max_priority;
	arg.expected_rev = expected_rev;
	if (ioctl(owner_fd, EVENTLINE_IOC_GRANT, &arg) < 0)
		return -errno;
	return 0;
}

/* The ceiling is always set; a stage timeout of 0 leaves it as it is. */
int el_line_config(int owner_fd, int32_t priority_ceiling,
		   uint32_t stage_timeout_ms)
{
	struct eventline_line_config arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.priority_ceiling = priority_ceiling;
	arg.stage_timeout_ms = stage_timeout_ms;
	if (ioctl(owner_fd, EVENTLINE_IOC_LINE_CONFIG, &arg) < 0)
		return -errno;
	return 0;
}

int el_post(int line_fd, uint16_t type, const void *payload, size_t len,
	    uint64_t *seq_out)
{
	struct eventline_post post;

	/* payload_len is 32 bits wide; do not let the kernel see a wrapped length. */
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if (!payload && len)
		return -EINVAL;

	memset(&post, 0, sizeof(post));
	post.size = sizeof(post);
	post.type = type;
	post.payload_len = len;
	post.payload = (uintptr_t)payload;
	if (ioctl(line_fd, EVENTLINE_IOC_POST, &post) < 0)
		return -errno;
	if (seq_out)
		*seq_out = post.seq;
	return 0;
}

/*
 * Convert a caller's batch to the kernel's entries.  Only what the kernel
 * cannot see is checked here: a length its 32-bit field would wrap, and a
 * missing payload.  Types, flags and sizes against the module's limits are
 * the kernel's to check; it checks every entry before posting any.
 */
int el__post_entries_init(struct eventline_post_entry *dst,
			  const struct el_post_entry *src, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (src[i].len > UINT32_MAX)
			return -EMSGSIZE;
		if (!src[i].payload && src[i].len)
			return -EINVAL;
		dst[i] = (struct eventline_post_entry) {
			.type = src[i].type,
			.flags = src[i].flags,
			.payload_len = src[i].len,
			.payload = (uintptr_t)src[i].payload,
		};
	}
	return 0;
}

/* Batches up to this many entries are converted on the stack (1 KiB). */
#define EL_POST_BATCH_STACK	64

int el_post_batch(int line_fd, const struct el_post_entry *entries,
		  size_t count, uint64_t *first_seq_out)
{
	struct eventline_post_entry stack_ents[EL_POST_BATCH_STACK];
	struct eventline_post_entry *ents = stack_ents;
	struct eventline_post_batch batch;
	int ret;

	/*
	 * The count is returned, so it must fit in an int; the module's own
	 * bound (GET_INFO max_post_batch) is far lower and the module checks
	 * it.  A larger batch is not split into several calls: that would lose
	 * the all-or-nothing guarantee and the consecutive sequence numbers.
	 */
	if (!entries || !count || count > INT_MAX)
		return -EINVAL;
	if (count > EL_POST_BATCH_STACK) {
		ents = calloc(count, sizeof(*ents));
		if (!ents)
			return -ENOMEM;
	}
	ret = el__post_entries_init(ents, entries, count);
	if (ret)
		goto out;

	memset(&batch, 0, sizeof(batch));
	batch.size = sizeof(batch);
	batch.count = count;
	batch.entry_size = sizeof(*ents);
	batch.entries = (uintptr_t)ents;
	ret = ioctl(line_fd, EVENTLINE_IOC_POST_BATCH, &batch);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	if (first_seq_out)
		*first_seq_out = batch.first_seq;
out:
	if (ents != stack_ents)
		free(ents);
	return ret;
}
