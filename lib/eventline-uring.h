/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libeventline io_uring helpers: SQEs that post on a line or read a
 * register.
 *
 * They are static inline over liburing, so libeventline does not link
 * liburing and <eventline.h> does not need it: a program that includes this
 * header links liburing for its ring, as it must anyway.
 *
 * As with liburing's io_uring_prep_*(), each helper writes every field of
 * the SQE the request uses, sqe->flags included (set IOSQE_* after it), and
 * leaves user_data to the caller.  The struct a post helper is given must
 * stay valid and unchanged until the request completes: the kernel may read
 * it after io_uring_submit() has returned, and writes the sequence number
 * back into it.  Fill it in as for the ioctl: zeroed, size set to sizeof().
 * The completion's res is what the ioctl returns: 0 for a post, the count
 * for a batch, or -errno.
 */
#ifndef EVENTLINE_URING_H
#define EVENTLINE_URING_H

#include <stdint.h>
#include <string.h>
#include <liburing.h>
#include <linux/eventline.h>

#ifdef __cplusplus
extern "C" {
#endif

/* IORING_OP_URING_CMD for the ioctl @op, whose argument struct is @arg. */
static inline void el__uring_prep_cmd(struct io_uring_sqe *sqe, int fd,
				      uint32_t op, const void *arg)
{
	struct eventline_uring_cmd cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.arg = (uintptr_t)arg;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	/* Only after io_uring_prep_rw(): cmd_op shares a union with off. */
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
}

/* EVENTLINE_IOC_POST on @line_fd, an owner or poster fd. */
static inline void el_uring_prep_post(struct io_uring_sqe *sqe, int line_fd,
				      struct eventline_post *post)
{
	el__uring_prep_cmd(sqe, line_fd, EVENTLINE_IOC_POST, post);
}

/* EVENTLINE_IOC_POST_BATCH on @line_fd; @batch->entries must stay valid too. */
static inline void el_uring_prep_post_batch(struct io_uring_sqe *sqe,
					    int line_fd,
					    struct eventline_post_batch *batch)
{
	el__uring_prep_cmd(sqe, line_fd, EVENTLINE_IOC_POST_BATCH, batch);
}

/*
 * read() of a register: whole records, as many as fit in @len.  The module
 * serves it without a worker thread (an empty register waits through poll).
 * A register has no file position; the offset is 0.
 */
static inline void el_uring_prep_read(struct io_uring_sqe *sqe, int reg_fd,
				      void *buf, unsigned int len)
{
	io_uring_prep_read(sqe, reg_fd, buf, len, 0);
}

#ifdef __cplusplus
}
#endif

#endif /* EVENTLINE_URING_H */
