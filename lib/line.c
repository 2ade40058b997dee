// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Lines: creating one (owner fd), opening one for posting (poster fd), and
 * posting on either.
 */
#include <errno.h>
#include <stdint.h>
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
	err = EL_OPTS_CHECK(opts, el_line_opts, fd_flags);
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
