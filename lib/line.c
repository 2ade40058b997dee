// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lines: creating one (owner fd), opening one for posting (poster fd), and
 * posting on either, one event or a batch.
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

int el_line_open(struct el_ctx *ctx, const char *name, uint64_t id,
		 uint32_t fd_flags, uint64_t *id_out)
{
	struct eventline_line_ref ref;
	int fd, err;

	if (!ctx)
		return -EINVAL;
	err = el__line_ref_init(&ref, name, id, fd_flags);
	if (err)
		return err;

	fd = ioctl(ctx->fd, EVENTLINE_IOC_LINE_OPEN, &ref);
	if (fd < 0)
		return -errno;
	if (id_out)
		*id_out = ref.id;
	return fd;
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
