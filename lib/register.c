// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Registers: creating one, attaching it to lines, asking for a place in
 * their chains, answering the events given to a stage and reading its
 * queue.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

int el_register_create(struct el_ctx *ctx, const struct el_register_opts *opts)
{
	struct eventline_register_create arg;
	int fd, err;

	if (!ctx)
		return -EINVAL;
	err = EL_OPTS_CHECK(opts, el_register_opts, fd_flags, wakeup_usec);
	if (err)
		return err;

	/*
	 * The new fields are zero unless asked for, and a module that predates
	 * them accepts the longer struct as long as they are: a caller only
	 * needs a newer module when it uses them (else -E2BIG).
	 */
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.flags = EL_OPTS_GET(opts, fd_flags, EL_DEFAULT_FD_FLAGS) |
		    EL_OPTS_GET(opts, flags, 0);
	arg.queue_len = EL_OPTS_GET(opts, queue_len, 0);
	arg.ring_size = EL_OPTS_GET(opts, ring_size, 0);
	arg.wakeup_records = EL_OPTS_GET(opts, wakeup_records, 0);
	arg.wakeup_usec = EL_OPTS_GET(opts, wakeup_usec, 0);

	fd = ioctl(ctx->fd, EVENTLINE_IOC_REGISTER_CREATE, &arg);
	return fd < 0 ? -errno : fd;
}

/* 0, EVENTLINE_PRIORITY_CAPPED or -errno, as the kernel says. */
static int el__subscribe(int reg_fd, struct eventline_line_ref *ref,
			 uint64_t *id_out)
{
	int ret = ioctl(reg_fd, EVENTLINE_IOC_SUBSCRIBE, ref);

	if (ret < 0)
		return -errno;
	if (id_out)
		*id_out = ref->id;
	return ret;
}

int el_subscribe(int reg_fd, const char *name, uint64_t id, uint64_t *id_out)
{
	struct eventline_line_ref ref;
	int err;

	err = el__line_ref_init(&ref, name, id, 0, 0, 0);
	if (err)
		return err;
	/*
	 * Documented since 0.1 as returning 0: a line whose ceiling is below
	 * the default caps even the default, and el_subscribe_opts() is the
	 * call that says so.
	 */
	err = el__subscribe(reg_fd, &ref, id_out);
	return err < 0 ? err : 0;
}

int el_subscribe_opts(int reg_fd, const char *name, uint64_t id,
		      const struct el_subscribe_opts *opts, uint64_t *id_out)
{
	struct eventline_line_ref ref;
	int32_t *granted;
	int err;

	err = EL_OPTS_CHECK(opts, el_subscribe_opts, owner_uid, granted);
	if (err)
		return err;
	err = el__line_ref_init(&ref, name, id, EL_OPTS_GET(opts, flags, 0),
				EL_OPTS_GET(opts, owner_uid, 0),
				EL_OPTS_GET(opts, priority, 0));
	if (err)
		return err;
	err = el__subscribe(reg_fd, &ref, id_out);
	granted = EL_OPTS_GET(opts, granted, NULL);
	if (err >= 0 && granted)
		*granted = ref.priority;
	return err;
}

int el_priority(int reg_fd, uint64_t line_id, int32_t priority,
		uint64_t expected_rev, int32_t *granted)
{
	struct eventline_priority arg;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.line_id = line_id;
	arg.priority = priority;
	arg.expected_rev = expected_rev;
	if (ioctl(reg_fd, EVENTLINE_IOC_PRIORITY, &arg) < 0)
		return -errno;
	if (granted)
		*granted = arg.priority;
	return arg.result == EVENTLINE_PRIORITY_CAPPED ?
	       EVENTLINE_PRIORITY_CAPPED : 0;
}

/*
 * Only what the kernel cannot see is checked here, as for el_post(): a
 * length its 32-bit field would wrap and a missing payload.  Actions,
 * types and a payload with FORWARD or DROP are the kernel's to refuse.
 */
int el_mutate(int reg_fd, uint64_t line_id, uint64_t seq, uint32_t action,
	      uint16_t type, const void *payload, size_t len)
{
	struct eventline_mutate arg;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	if (!payload && len)
		return -EINVAL;

	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.line_id = line_id;
	arg.seq = seq;
	arg.action = action;
	arg.type = type;
	arg.payload_len = len;
	arg.payload = (uintptr_t)payload;
	if (ioctl(reg_fd, EVENTLINE_IOC_MUTATE, &arg) < 0)
		return -errno;
	return 0;
}

int el_unsubscribe(int reg_fd, uint64_t id)
{
	struct eventline_line_ref ref;
	int err;

	/* The kernel unsubscribes by id only: a name may already name another line. */
	err = el__line_ref_init(&ref, NULL, id, 0, 0, 0);
	if (err)
		return err;
	if (ioctl(reg_fd, EVENTLINE_IOC_UNSUBSCRIBE, &ref) < 0)
		return -errno;
	return 0;
}

ssize_t el_read(int reg_fd, void *buf, size_t len)
{
	ssize_t ret;

	if (!buf)
		return -EINVAL;
	ret = read(reg_fd, buf, len);
	return ret < 0 ? -errno : ret;
}
