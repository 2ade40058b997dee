// SPDX-License-Identifier: GPL-2.0
/*
 * post_test - EVENTLINE_IOC_POST and the records it produces.
 *
 * Every case posts known events and reads them back from a register,
 * comparing every header field and payload byte with what was posted.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* One line with a non-blocking register subscribed to it. */
struct fixture {
	struct eventline_info info;
	int ctl, owner, reg;
	uint64_t id;
};

static void setup(struct fixture *f, unsigned int mode)
{
	f->ctl = tu_open_ctl();
	tu_get_info(f->ctl, &f->info);
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, mode, 0, &f->id));
	f->reg = ASSERT_OK(tu_register_create(f->ctl, 0,
					      EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(f->reg, f->id, NULL));
}

static void expect_empty(int reg)
{
	unsigned char buf[4096];

	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
}

/* Every header field of records of many payload sizes. */
static void test_record_fields(void)
{
	unsigned int lens[] = { 0, 1, 7, 8, 9, 55, 56, 57, 100, 1000, 0 };
	struct fixture f;
	unsigned char *payload, *buf;
	uint64_t seq = 0, prev_ts = 0;
	size_t i;

	setup(&f, 0600);
	lens[TU_ARRAY_SIZE(lens) - 1] = f.info.max_payload;
	payload = malloc(f.info.max_payload);
	buf = malloc(TU_REC_SIZE(f.info.max_payload));
	ASSERT_TRUE(payload && buf);

	for (i = 0; i < TU_ARRAY_SIZE(lens); i++) {
		struct eventline_record *rec = (void *)buf;
		unsigned int len = lens[i] < f.info.max_payload ?
				   lens[i] : f.info.max_payload;
		unsigned int type = (i * 7) % (EVENTLINE_TYPE_MAX + 1);
		uint64_t before, after;

		tu_fill(payload, len, i);
		/* Dirty buffer: the kernel must write every byte it returns. */
		memset(buf, 0xcc, TU_REC_SIZE(len));
		before = tu_now_ns();
		ASSERT_OK(tu_post(f.owner, type, payload, len, &seq));
		after = tu_now_ns();
		EXPECT_EQ(seq, i + 1);

		ASSERT_EQ(tu_read_exact(f.reg, buf, len), TU_REC_SIZE(len));
		tu_check_line_record(rec, f.id, type, i + 1, payload, len);
		EXPECT_GE(rec->timestamp_ns, before);
		EXPECT_LE(rec->timestamp_ns, after);
		EXPECT_GE(rec->timestamp_ns, prev_ts);
		prev_ts = rec->timestamp_ns;
		EXPECT_EQ(rec->pid, getpid());
		EXPECT_EQ(rec->uid, geteuid());
		EXPECT_EQ(rec->flags, 0);
		/*
		 * A read() that returns no line event ends this thread's
		 * handling of the one just read: the next post is a
		 * top-level one again (depth 0), not a nested re-post.
		 */
		expect_empty(f.reg);
	}
}

static void test_type_range(void)
{
	static const unsigned int bad[] = { 64, 65, 255, 0x8000, 0xffff };
	unsigned char buf[TU_REC_SIZE(0)];
	struct fixture f;
	size_t i;

	setup(&f, 0600);
	ASSERT_OK(tu_post(f.owner, 0, NULL, 0, NULL));
	ASSERT_OK(tu_post(f.owner, EVENTLINE_TYPE_MAX, NULL, 0, NULL));
	for (i = 0; i < TU_ARRAY_SIZE(bad); i++)
		EXPECT_RET(tu_post(f.owner, bad[i], NULL, 0, NULL), EINVAL);

	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, 0, 1, NULL, 0);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, EVENTLINE_TYPE_MAX, 2, NULL, 0);
	/* The refused posts queued nothing. */
	expect_empty(f.reg);
}

static void test_payload_size(void)
{
	struct fixture f;
	unsigned char *payload, *buf;
	uint64_t seq;

	setup(&f, 0600);
	payload = malloc(f.info.max_payload + 4096);
	buf = malloc(TU_REC_SIZE(f.info.max_payload));
	ASSERT_TRUE(payload && buf);
	tu_fill(payload, f.info.max_payload + 4096, 42);

	EXPECT_RET(tu_post(f.owner, 1, payload, f.info.max_payload + 1, NULL),
		   EMSGSIZE);
	EXPECT_RET(tu_post(f.owner, 1, payload, 0xffffffffu, NULL), EMSGSIZE);
	/* Size is checked before the pointer is touched. */
	EXPECT_RET(tu_post(f.owner, 1, NULL, f.info.max_payload + 1, NULL),
		   EMSGSIZE);
	expect_empty(f.reg);

	ASSERT_OK(tu_post(f.owner, 2, payload, f.info.max_payload, &seq));
	EXPECT_EQ(seq, 1);
	ASSERT_EQ(tu_read_exact(f.reg, buf, f.info.max_payload),
		  TU_REC_SIZE(f.info.max_payload));
	tu_check_line_record((void *)buf, f.id, 2, 1, payload,
			     f.info.max_payload);
}

/* Zero-length payloads, with or without a pointer. */
static void test_empty_payload(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	struct fixture f;

	setup(&f, 0600);
	ASSERT_OK(tu_post(f.owner, 4, NULL, 0, NULL));
	ASSERT_OK(tu_post(f.owner, 5, "ignored", 0, NULL));
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, 4, 1, NULL, 0);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, 5, 2, NULL, 0);
}

/*
 * A payload the kernel cannot read is -EFAULT and leaves no trace: nothing
 * queued, and no sequence number used up (a gap would read as a loss).
 */
static void test_bad_payload_pointer(void)
{
	unsigned char buf[TU_REC_SIZE(16)];
	struct fixture f;
	void *bad[] = { (void *)1, NULL, tu_unmapped(),
			(void *)0xffffffff81000000UL, tu_guarded(8) };
	uint64_t seq;
	size_t i;

	setup(&f, 0600);
	ASSERT_OK(tu_post(f.owner, 1, "12345678", 8, &seq));
	EXPECT_EQ(seq, 1);
	for (i = 0; i < TU_ARRAY_SIZE(bad); i++)
		EXPECT_RET(tu_post(f.owner, 1, bad[i], 16, NULL), EFAULT);
	ASSERT_OK(tu_post(f.owner, 2, "abcdefghijklmnop", 16, &seq));
	EXPECT_EQ(seq, 2);

	ASSERT_EQ(tu_read_exact(f.reg, buf, 8), TU_REC_SIZE(8));
	tu_check_line_record((void *)buf, f.id, 1, 1, "12345678", 8);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 16), TU_REC_SIZE(16));
	tu_check_line_record((void *)buf, f.id, 2, 2, "abcdefghijklmnop", 16);
	expect_empty(f.reg);
}

/* The payload is copied at post time: later changes do not show. */
static void test_payload_copied(void)
{
	unsigned char buf[TU_REC_SIZE(32)], payload[32], orig[32];
	struct fixture f;

	setup(&f, 0600);
	tu_fill(payload, sizeof(payload), 7);
	memcpy(orig, payload, sizeof(orig));
	ASSERT_OK(tu_post(f.owner, 1, payload, sizeof(payload), NULL));
	memset(payload, 0, sizeof(payload));
	ASSERT_EQ(tu_read_exact(f.reg, buf, 32), TU_REC_SIZE(32));
	tu_check_line_record((void *)buf, f.id, 1, 1, orig, 32);
}

/* Sequence numbers are per line, shared by the owner and all posters. */
static void test_seq_per_line(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	struct fixture f;
	uint64_t id2, seq;
	int poster, owner2;
	int i;

	setup(&f, 0666);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	owner2 = ASSERT_OK(tu_line_create(f.ctl, NULL, 0600, 0, &id2));
	ASSERT_OK(tu_subscribe(f.reg, id2, NULL));

	for (i = 0; i < 6; i++) {
		ASSERT_OK(tu_post(i % 2 ? poster : f.owner, i, NULL, 0, &seq));
		EXPECT_EQ(seq, i + 1);
	}
	ASSERT_OK(tu_post(owner2, 1, NULL, 0, &seq));
	EXPECT_EQ(seq, 1);

	for (i = 0; i < 6; i++) {
		ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
		tu_check_line_record((void *)buf, f.id, i, i + 1, NULL, 0);
	}
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, id2, 1, 1, NULL, 0);
	expect_empty(f.reg);
}

/*
 * Posting with nobody listening is fine and still counts; a register
 * that subscribes later sees only what comes after.
 */
static void test_post_without_subscribers(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	int ctl = tu_open_ctl();
	int owner, reg;
	uint64_t id, seq;

	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	ASSERT_OK(tu_post(owner, 1, NULL, 0, &seq));
	ASSERT_OK(tu_post(owner, 1, NULL, 0, &seq));
	EXPECT_EQ(seq, 2);
	reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	expect_empty(reg);
	ASSERT_OK(tu_post(owner, 2, NULL, 0, &seq));
	EXPECT_EQ(seq, 3);
	ASSERT_EQ(tu_read_exact(reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, id, 2, 3, NULL, 0);
}

/* A poster fd outlives its line, but can no longer post: -EPIPE. */
static void test_post_after_close(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	struct fixture f;
	int poster;

	setup(&f, 0666);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	ASSERT_OK(tu_post(poster, 1, NULL, 0, NULL));
	close(f.owner);
	EXPECT_RET(tu_post(poster, 1, NULL, 0, NULL), EPIPE);
	EXPECT_RET(tu_post(poster, 1, "abc", 3, NULL), EPIPE);

	/* What was posted before the close is still delivered, then the end. */
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, 1, 1, NULL, 0);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_meta_record((void *)buf, EVENTLINE_META_LINE_CLOSED, f.id);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	close(poster);
}

/* POST belongs to line fds; other commands do not. */
static void test_wrong_fds(void)
{
	struct eventline_post p = { .size = sizeof(p), .type = 1 };
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	struct fixture f;
	int poster;

	setup(&f, 0666);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	EXPECT_RET(tu_ioctl(f.reg, EVENTLINE_IOC_POST, &p), ENOTTY);
	EXPECT_RET(tu_ioctl(f.ctl, EVENTLINE_IOC_POST, &p), ENOTTY);
	ref.id = f.id;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_SUBSCRIBE, &ref), ENOTTY);
	EXPECT_RET(tu_ioctl(poster, EVENTLINE_IOC_SUBSCRIBE, &ref), ENOTTY);
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_UNSUBSCRIBE, &ref), ENOTTY);
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_LINE_OPEN, &ref), ENOTTY);
	expect_empty(f.reg);
}

/* Line fds are for posting; there is nothing to read from them. */
static void test_read_line_fd(void)
{
	unsigned char buf[256];
	struct fixture f;
	int poster;

	setup(&f, 0666);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	ASSERT_OK(tu_post(f.owner, 1, NULL, 0, NULL));
	EXPECT_ERRNO(read(f.owner, buf, sizeof(buf)), EINVAL);
	EXPECT_ERRNO(read(poster, buf, sizeof(buf)), EINVAL);
}

/*
 * Concurrent posters on one line: every register sees one total order
 * (seq 1..N without gaps) and each poster's events in its own order.
 */
#define CONC_POSTERS	3
#define CONC_EVENTS	200

static void test_concurrent_posters(void)
{
	unsigned int next[CONC_POSTERS] = { 0 };
	const struct eventline_record *rec;
	struct tu_reader r;
	struct fixture f;
	pid_t pids[CONC_POSTERS];
	int i, n = 0, ret;

	f.ctl = tu_open_ctl();
	f.owner = ASSERT_OK(tu_line_create(f.ctl, NULL, 0666, 0, &f.id));
	f.reg = ASSERT_OK(tu_register_create(f.ctl,
					     CONC_POSTERS * CONC_EVENTS + 8,
					     EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(f.reg, f.id, NULL));

	for (i = 0; i < CONC_POSTERS; i++) {
		pids[i] = tu_fork();
		if (!pids[i]) {
			int poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
			unsigned int k, msg[2];

			for (k = 0; k < CONC_EVENTS; k++) {
				msg[0] = i;
				msg[1] = k;
				ASSERT_OK(tu_post(poster, i, msg, sizeof(msg),
						  NULL));
			}
			tap_child_exit();
		}
	}
	for (i = 0; i < CONC_POSTERS; i++)
		tu_wait_ok(pids[i]);

	/*
	 * A post that found another being delivered was staged and returned:
	 * its event may still be on its way when the poster has exited.  Wait
	 * for what is missing (a lost event makes the poll time out).
	 */
	tu_reader_init(&r, f.reg, 64 * 1024);
	for (;;) {
		const unsigned int *msg;

		ret = tu_reader_next(&r, &rec);
		if (ret == -EAGAIN && n < CONC_POSTERS * CONC_EVENTS) {
			struct pollfd pfd = { .fd = f.reg, .events = POLLIN };

			ASSERT_EQ(poll(&pfd, 1, 20000), 1);
			continue;
		}
		if (ret != 1)
			break;
		msg = tu_payload(rec);

		ASSERT_EQ(rec->category, EVENTLINE_CAT_LINE);
		ASSERT_EQ(rec->payload_len, 8);
		ASSERT_EQ(rec->seq, n + 1);
		ASSERT_LT(msg[0], CONC_POSTERS);
		EXPECT_EQ(rec->type, msg[0]);
		EXPECT_EQ(rec->pid, pids[msg[0]]);
		EXPECT_EQ(msg[1], next[msg[0]]);
		next[msg[0]] = msg[1] + 1;
		n++;
	}
	EXPECT_EQ(ret, -EAGAIN);
	EXPECT_EQ(n, CONC_POSTERS * CONC_EVENTS);
	tu_reader_fini(&r);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_record_fields),
	TAP_TEST(test_type_range),
	TAP_TEST(test_payload_size),
	TAP_TEST(test_empty_payload),
	TAP_TEST(test_bad_payload_pointer),
	TAP_TEST(test_payload_copied),
	TAP_TEST(test_seq_per_line),
	TAP_TEST(test_post_without_subscribers),
	TAP_TEST(test_post_after_close),
	TAP_TEST(test_wrong_fds),
	TAP_TEST(test_read_line_fd),
	TAP_TEST_TIMEOUT(test_concurrent_posters, 60),
};

TAP_MAIN(tests)
