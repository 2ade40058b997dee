// SPDX-License-Identifier: GPL-2.0
/*
 * Lines owned by kernel code: the exported API of
 * <linux/eventline_kernel.h>.
 *
 * A kernel line is an ordinary line (line.c) with no owner file: the
 * creating code holds the owner's reference and closes the line with
 * eventline_kline_destroy().  It does not count against any user's line
 * limit, and its staging ring is not charged to any memory cgroup: the
 * kernel code that creates it is its owner.  It lives in the initial user
 * namespace, owned by root, and says it is kernel-owned
 * (EVENTLINE_LINE_KERNEL_OWNED), which userspace can insist on with
 * EVENTLINE_REF_KERNEL_OWNED.
 */
#include <linux/err.h>
#include <linux/eventline_kernel.h>
#include <linux/export.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include "deliver.h"
#include "event.h"
#include "flags.h"
#include "limits.h"
#include "line.h"

#define EVL_KLINE_STAGING_DEFAULT	SZ_64K
#define EVL_KLINE_STAGING_MAX		SZ_16M

/**
 * eventline_kline_create() - create a line owned by kernel code
 * @name:	a name starting with "kernel." (printable ASCII, no blanks,
 *		shorter than EVENTLINE_NAME_MAX), unique in the initial user
 *		namespace, or NULL.  Userspace cannot create "kernel." names,
 *		so none can squat one before the module that owns it loads.
 * @mode:	who may subscribe (read bits) and open it for posting (write
 *		bits), as for EVENTLINE_IOC_LINE_CREATE
 * @staging_size: bytes of staging ring, a power of two from PAGE_SIZE to
 *		16 MiB, or 0 for 64 KiB; a post's payload must fit in half
 *
 * Context: process context; may sleep.
 * Return: the line, or ERR_PTR(-EINVAL, -EEXIST, -ENOMEM).
 */
struct evl_line *eventline_kline_create(const char *name, umode_t mode,
					u32 staging_size)
{
	char line_name[EVENTLINE_NAME_MAX] = "";
	struct evl_line *line;
	int err;

	if (name && strscpy(line_name, name, sizeof(line_name)) < 0)
		return ERR_PTR(-EINVAL);
	if (evl_name_check(line_name) < 0 || mode & ~EVL_LINE_MODES ||
	    (line_name[0] && !evl_name_is_kernel(line_name)))
		return ERR_PTR(-EINVAL);
	staging_size = staging_size ?: EVL_KLINE_STAGING_DEFAULT;
	if (staging_size < PAGE_SIZE || staging_size > EVL_KLINE_STAGING_MAX ||
	    !is_power_of_2(staging_size))
		return ERR_PTR(-EINVAL);

	line = evl_line_new(line_name, mode, GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
			    &init_user_ns, staging_size, GFP_KERNEL);
	if (!line)
		return ERR_PTR(-ENOMEM);
	line->kernel_owned = true;
	err = evl_line_publish(line);
	if (err) {
		evl_line_put(line);
		return ERR_PTR(err);
	}
	return line;
}
EXPORT_SYMBOL_GPL(eventline_kline_create);

/**
 * eventline_kline_destroy() - close a kernel line
 * @line:	from eventline_kline_create(); no post may be running on it
 *		or start after this is called
 *
 * Every event posted before is delivered, then every subscriber receives
 * LINE_CLOSED.
 *
 * Context: process context; may sleep.
 */
void eventline_kline_destroy(struct evl_line *line)
{
	evl_line_close(line);
}
EXPORT_SYMBOL_GPL(eventline_kline_destroy);

/**
 * eventline_kline_post() - post an event on a kernel line
 * @line:	the line
 * @type:	0..EVENTLINE_TYPE_MAX
 * @payload:	@payload_len bytes, copied before the call returns
 * @payload_len: at most max_payload, and at most half the staging ring
 *
 * Context: any but NMI.
 * Return: 0, -EINVAL bad type, -EMSGSIZE payload too large, -ENOBUFS the
 * staging ring is full (the event is dropped), -EPIPE the line is closing.
 */
int eventline_kline_post(struct evl_line *line, u16 type, const void *payload,
			 u32 payload_len)
{
	struct evl_event ev = {
		.category = EVENTLINE_CAT_LINE,
		.type = type,
		.payload_len = payload_len,
		.uid = GLOBAL_ROOT_UID,
		.payload = payload,
	};

	if (type > EVENTLINE_TYPE_MAX)
		return -EINVAL;
	if (payload_len > evl_max_payload ||
	    payload_len > line->staging.size / 2)
		return -EMSGSIZE;
	return evl_post_atomic(line, &ev);
}
EXPORT_SYMBOL_GPL(eventline_kline_post);

/* The line's id, for userspace to subscribe by. */
u64 eventline_kline_id(const struct evl_line *line)
{
	return line->id;
}
EXPORT_SYMBOL_GPL(eventline_kline_id);
