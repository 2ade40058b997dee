// SPDX-License-Identifier: GPL-2.0
/*
 * io_uring: posting through IORING_OP_URING_CMD on a line's owner or
 * poster fd.
 *
 * The command's op is the ioctl it stands for (EVENTLINE_IOC_POST or
 * EVENTLINE_IOC_POST_BATCH) and the first 16 bytes of the SQE's command
 * area hold struct eventline_uring_cmd, which points at the same argument
 * struct the ioctl takes; the CQE's result is what the ioctl would return.
 * Nothing is parked in the kernel: a command completes when it is issued,
 * so no cancellation is needed (6.1 has none for uring_cmd).  Issued
 * inline (IO_URING_F_NONBLOCK) a post that would wait for staging room
 * returns -EAGAIN, and io_uring re-issues it from a worker, where it may
 * wait; reads of registers need no command at all (register.c's read_iter
 * honours IOCB_NOWAIT).
 */
#include <linux/fs.h>
#include <linux/kernel.h>

#include "compat.h"
#include "line.h"
#include "uring.h"

int evl_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags)
{
	const struct eventline_uring_cmd *ucmd = evl_uring_cmd_payload(cmd);
	bool nonblock = issue_flags & IO_URING_F_NONBLOCK ||
			cmd->file->f_flags & O_NONBLOCK;
	long ret;
	u64 arg;

	/* The SQE is shared with userspace: read each field once. */
	arg = READ_ONCE(ucmd->arg);
	if (READ_ONCE(ucmd->__reserved))
		return -EINVAL;
	ret = evl_line_post_cmd(cmd->file, cmd->cmd_op, u64_to_user_ptr(arg),
				nonblock);
	/* A CQE carries the result as it is: no system call to restart. */
	return ret == -ERESTARTSYS ? -EINTR : ret;
}
