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
	err = EL_OPTS_CHECK(opts, el_open_opts, path, path);
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

static int el__get_info(struct el_ctx *ctx, struct eventline_info *info,
			uint32_t size)
{
	if (!ctx || !info)
		return -EINVAL;
	/*
	 * Output only, so zeroed in full: a module that knows a shorter struct
	 * accepts ours because the tail it does not know is zero, and leaves
	 * the newer fields 0.
	 */
	memset(info, 0, size);
	info->size = size;
	if (ioctl(ctx->fd, EVENTLINE_IOC_GET_INFO, info) < 0)
		return -errno;
	return 0;
}

/*
 * el_info() is not told how large the caller's struct is, and the struct
 * grows with the module: a program built against libeventline 0.1 has the
 * 80-byte one.  So that such a program is not overrun, each version node
 * fills the struct of its release, and programs built now get the newest.
 * When the struct grows again, the build stops here: add a node.
 */
#define EL_INFO_SIZE_0_2	96
#define EL_INFO_SIZE_0_3	128

_Static_assert(sizeof(struct eventline_info) == EL_INFO_SIZE_0_3,
	       "struct eventline_info grew: el_info needs a new version node");

EL_SYMVER(el__info_v0_1, el_info, EVENTLINE_0.1);
int el__info_v0_1(struct el_ctx *ctx, struct eventline_info *info)
{
	return el__get_info(ctx, info, EVENTLINE_INFO_SIZE_VER0);
}

EL_SYMVER(el__info_v0_2, el_info, EVENTLINE_0.2);
int el__info_v0_2(struct el_ctx *ctx, struct eventline_info *info)
{
	return el__get_info(ctx, info, EL_INFO_SIZE_0_2);
}

EL_SYMVER_DEFAULT(el__info_v0_3, el_info, EVENTLINE_0.3);
int el__info_v0_3(struct el_ctx *ctx, struct eventline_info *info)
{
	return el__get_info(ctx, info, EL_INFO_SIZE_0_3);
}
