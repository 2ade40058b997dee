// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control device: opening /dev/eventline and asking it what the running
 * module supports.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

#define EL_DEFAULT_PATH	"/dev/eventline"

int el_ctx_open(struct el_ctx **ctxp, const struct el_open_opts *opts)
{
	const char *path;
	struct el_ctx *ctx;
	int err;

	if (!ctxp)
		return -EINVAL;
	err = EL_OPTS_CHECK(opts, el_open_opts, path);
	if (err)
		return err;
	path = EL_OPTS_GET(opts, path, NULL);
	if (!path)
		path = EL_DEFAULT_PATH;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	/* Never leak the control fd into exec'd programs. */
	ctx->fd = open(path, O_RDWR | O_CLOEXEC);
	if (ctx->fd < 0) {
		err = -errno;
		free(ctx);
		return err;
	}
	*ctxp = ctx;
	return 0;
}

void el_ctx_close(struct el_ctx *ctx)
{
	if (!ctx)
		return;
	close(ctx->fd);
	free(ctx);
}

int el_ctx_fd(const struct el_ctx *ctx)
{
	return ctx ? ctx->fd : -EINVAL;
}

int el_info(struct el_ctx *ctx, struct eventline_info *info)
{
	if (!ctx || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	if (ioctl(ctx->fd, EVENTLINE_IOC_GET_INFO, info) < 0)
		return -errno;
	return 0;
}
