// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The io_uring helpers of <eventline-uring.h>: the SQEs they build, field
 * by field, against what the module reads (module/uring.c) and what
 * io_uring checks for URING_CMD and READ.  Every SQE starts out full of
 * junk, so a field the helper leaves alone shows.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "check_eventline.h"
#include "eventline-uring.h"

#define JUNK	0xa5

static struct io_uring_sqe junk_sqe(void)
{
	struct io_uring_sqe sqe;

	memset(&sqe, JUNK, sizeof(sqe));
	return sqe;
}

static struct eventline_uring_cmd cmd_of(const struct io_uring_sqe *sqe)
{
	struct eventline_uring_cmd cmd;

	memcpy(&cmd, sqe->cmd, sizeof(cmd));
	return cmd;
}

/* Every field io_uring reads for a URING_CMD besides cmd_op and cmd. */
static void check_cmd_sqe(const struct io_uring_sqe *sqe, int fd, uint32_t op,
			  const void *arg)
{
	struct eventline_uring_cmd cmd = cmd_of(sqe);

	ck_assert_uint_eq(sqe->opcode, IORING_OP_URING_CMD);
	ck_assert_int_eq(sqe->fd, fd);
	ck_assert_uint_eq(sqe->cmd_op, op);
	ck_assert_uint_eq(sqe->__pad1, 0);
	ck_assert_uint_eq(sqe->flags, 0);
	ck_assert_uint_eq(sqe->ioprio, 0);
	ck_assert_uint_eq(sqe->addr, 0);
	ck_assert_uint_eq(sqe->len, 0);
	ck_assert_uint_eq(sqe->uring_cmd_flags, 0);
	ck_assert_uint_eq(sqe->buf_index, 0);
	ck_assert_uint_eq(sqe->personality, 0);
	ck_assert_uint_eq(sqe->file_index, 0);
	ck_assert_uint_eq(cmd.arg, (uintptr_t)arg);
	ck_assert_uint_eq(cmd.__reserved, 0);
	/* user_data is the caller's, as with liburing's own helpers. */
	ck_assert_uint_eq(sqe->user_data, 0xa5a5a5a5a5a5a5a5ULL);
}

START_TEST(test_uring_cmd_area)
{
	/* The module's command fits the 16 bytes of a 64-byte SQE's area. */
	ck_assert_uint_eq(sizeof(struct eventline_uring_cmd), 16);
	ck_assert_uint_eq(offsetof(struct io_uring_sqe, cmd) +
			  sizeof(struct eventline_uring_cmd),
			  sizeof(struct io_uring_sqe));
}
END_TEST

START_TEST(test_uring_prep_post)
{
	struct eventline_post post = { .size = sizeof(post), .type = 3 };
	struct io_uring_sqe sqe = junk_sqe();

	el_uring_prep_post(&sqe, 7, &post);
	check_cmd_sqe(&sqe, 7, EVENTLINE_IOC_POST, &post);
	/* The struct is the caller's: only pointed at. */
	ck_assert_uint_eq(post.size, sizeof(post));
	ck_assert_uint_eq(post.type, 3);
	ck_assert_uint_eq(post.seq, 0);
}
END_TEST

START_TEST(test_uring_prep_post_batch)
{
	struct eventline_post_entry ent[2];
	struct eventline_post_batch batch = {
		.size = sizeof(batch),
		.count = 2,
		.entry_size = sizeof(ent[0]),
		.entries = (uintptr_t)ent,
	};
	struct io_uring_sqe sqe = junk_sqe();

	memset(ent, 0, sizeof(ent));
	el_uring_prep_post_batch(&sqe, 12, &batch);
	check_cmd_sqe(&sqe, 12, EVENTLINE_IOC_POST_BATCH, &batch);
	ck_assert_uint_eq(batch.count, 2);

	/* The same SQE reused for a post: nothing of the batch remains. */
	el_uring_prep_post(&sqe, 13, NULL);
	check_cmd_sqe(&sqe, 13, EVENTLINE_IOC_POST, NULL);
}
END_TEST

START_TEST(test_uring_prep_read)
{
	struct io_uring_sqe sqe = junk_sqe();
	unsigned char buf[128];

	el_uring_prep_read(&sqe, 9, buf, sizeof(buf));
	ck_assert_uint_eq(sqe.opcode, IORING_OP_READ);
	ck_assert_int_eq(sqe.fd, 9);
	ck_assert_uint_eq(sqe.addr, (uintptr_t)buf);
	ck_assert_uint_eq(sqe.len, sizeof(buf));
	ck_assert_uint_eq(sqe.off, 0);
	ck_assert_uint_eq(sqe.flags, 0);
	ck_assert_uint_eq(sqe.rw_flags, 0);
	ck_assert_uint_eq(sqe.buf_index, 0);
	ck_assert_uint_eq(sqe.addr3, 0);
	ck_assert_uint_eq(sqe.user_data, 0xa5a5a5a5a5a5a5a5ULL);
}
END_TEST

Suite *uring_suite(void)
{
	Suite *s = suite_create("uring");
	TCase *tc = tcase_create("prep");

	tcase_add_test(tc, test_uring_cmd_area);
	tcase_add_test(tc, test_uring_prep_post);
	tcase_add_test(tc, test_uring_prep_post_batch);
	tcase_add_test(tc, test_uring_prep_read);
	suite_add_tcase(s, tc);
	return s;
}
