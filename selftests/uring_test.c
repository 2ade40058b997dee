// SPDX-License-Identifier: GPL-2.0
/*
 * uring_test - eventline through io_uring.
 *
 * Line fds take IORING_OP_URING_CMD with cmd_op EVENTLINE_IOC_POST or
 * EVENTLINE_IOC_POST_BATCH and struct eventline_uring_cmd in sqe->cmd; the
 * CQE carries what the ioctl returns.  Registers are read with plain
 * IORING_OP_READ, which must wait through ->poll, never in an io-wq worker
 * thread.  Every case checks the events a register actually received, not
 * only the CQE.
 *
 * liburing 2.3 has no prep helper for URING_CMD, so commands are built with
 * io_uring_prep_rw() and cmd_op (which shares a union with sqe->off) is set
 * after it.  The whole program skips when io_uring is unavailable (ENOSYS,
 * or EPERM from kernel.io_uring_disabled).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util.h"

/* One line, its owner fd and a register subscribed to it. */
struct fixture {
	struct eventline_info info;
	struct io_uring ring;
	int ctl, owner, reg;
	uint64_t id;
};

static void ring_init(struct io_uring *ring, unsigned int entries,
		      unsigned int flags)
{
	int ret = io_uring_queue_init(entries, ring, flags);

	if (ret == -ENOSYS || ret == -EPERM)
		tap_skip("io_uring unavailable: io_uring_queue_init: %s",
			 tap_errname(-ret));
	ASSERT_OK(ret);
}

static void setup(struct fixture *f, unsigned int mode,
		  unsigned int queue_len, unsigned int reg_flags)
{
	ring_init(&f->ring, 16, 0);
	f->ctl = tu_open_ctl();
	tu_get_info(f->ctl, &f->info);
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, mode, 0, &f->id));
	f->reg = ASSERT_OK(tu_register_create(f->ctl, queue_len, reg_flags));
	ASSERT_OK(tu_subscribe(f->reg, f->id, NULL));
}

static struct io_uring_sqe *get_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	ASSERT_TRUE(sqe != NULL);
	return sqe;
}

static void prep_cmd(struct io_uring_sqe *sqe, int fd, uint32_t op,
		     const void *arg, uint64_t reserved, uint64_t user_data)
{
	struct eventline_uring_cmd cmd = {
		.arg = (uintptr_t)arg,
		.__reserved = reserved,
	};

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	/* After prep_rw: cmd_op shares a union with sqe->off. */
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	sqe->user_data = user_data;
}

/* Wait for the next CQE; returns its res, its user_data to @ud. */
static int wait_res(struct io_uring *ring, uint64_t *ud)
{
	struct io_uring_cqe *cqe;
	int res;

	ASSERT_OK(io_uring_wait_cqe(ring, &cqe));
	res = cqe->res;
	if (ud)
		*ud = cqe->user_data;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* Submit one prepared SQE and wait for its completion. */
static int submit_wait(struct io_uring *ring)
{
	ASSERT_EQ(io_uring_submit(ring), 1);
	return wait_res(ring, NULL);
}

/* One uring_cmd, synchronously: the CQE's res. */
static int uring_cmd(struct io_uring *ring, int fd, uint32_t op,
		     const void *arg, uint64_t reserved)
{
	prep_cmd(get_sqe(ring), fd, op, arg, reserved, 0);
	return submit_wait(ring);
}

/* tu_post() through io_uring. */
static int uring_post(struct io_uring *ring, int fd, unsigned int type,
		      const void *payload, unsigned int len, uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.type = type,
		.payload_len = len,
		.payload = (uintptr_t)payload,
		.seq = 0xdeadbeefULL,	/* must be overwritten on success */
	};
	int res = uring_cmd(ring, fd, EVENTLINE_IOC_POST, &p, 0);

	if (res >= 0 && seq)
		*seq = p.seq;
	return res;
}

/* IORING_OP_READ of up to @len bytes, synchronously. */
static int uring_read(struct io_uring *ring, int fd, void *buf, size_t len)
{
	io_uring_prep_read(get_sqe(ring), fd, buf, len, 0);
	return submit_wait(ring);
}

static void expect_empty(int reg)
{
	unsigned char buf[4096];

	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
}

/*
 * Threads of this process that are io_uring workers ("iou-wrk-<pid>"): a
 * request io_uring punts to a blocking worker shows up here on both 6.1
 * and 6.12, one waiting through ->poll does not.
 */
static int count_io_workers(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	ASSERT_TRUE(d != NULL);
	while ((de = readdir(d))) {
		char path[sizeof(de->d_name) + 32], comm[32];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		/* A thread may have exited since readdir(). */
		if (tu_read_str(path, comm, sizeof(comm)))
			continue;
		n += !strncmp(comm, "iou-wrk-", 8);
	}
	closedir(d);
	return n;
}

/*
 * A post through uring_cmd: CQE res 0, the seq written back, and a record
 * with every field right.  Owner and poster fds share the line's sequence
 * with ioctl posts; a payload above 256 bytes takes the heap path.
 */
static void test_post(void)
{
	unsigned char payload[1000], *buf;
	const struct eventline_record *rec;
	uint64_t seq = 0, before, after;
	struct fixture f;
	int poster;

	setup(&f, 0666, 0, EVENTLINE_FD_NONBLOCK);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	buf = aligned_alloc(8, 4096);
	ASSERT_TRUE(buf != NULL);
	ASSERT_LE(sizeof(payload), f.info.max_payload);
	tu_fill(payload, sizeof(payload), 3);

	before = tu_now_ns();
	ASSERT_EQ(uring_post(&f.ring, f.owner, 7, "hello uring", 11, &seq), 0);
	after = tu_now_ns();
	EXPECT_EQ(seq, 1);
	ASSERT_OK(tu_post(f.owner, 8, NULL, 0, &seq));
	EXPECT_EQ(seq, 2);
	ASSERT_EQ(uring_post(&f.ring, poster, 9, payload, sizeof(payload),
			     &seq), 0);
	EXPECT_EQ(seq, 3);
	ASSERT_EQ(uring_post(&f.ring, poster, EVENTLINE_TYPE_MAX, NULL, 0,
			     &seq), 0);
	EXPECT_EQ(seq, 4);

	rec = (void *)buf;
	ASSERT_EQ(tu_read_exact(f.reg, buf, 11), TU_REC_SIZE(11));
	tu_check_line_record(rec, f.id, 7, 1, "hello uring", 11);
	EXPECT_GE(rec->timestamp_ns, before);
	EXPECT_LE(rec->timestamp_ns, after);
	EXPECT_EQ(rec->pid, getpid());
	EXPECT_EQ(rec->uid, geteuid());
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record(rec, f.id, 8, 2, NULL, 0);
	ASSERT_EQ(tu_read_exact(f.reg, buf, sizeof(payload)),
		  TU_REC_SIZE(sizeof(payload)));
	tu_check_line_record(rec, f.id, 9, 3, payload, sizeof(payload));
	EXPECT_EQ(rec->pid, getpid());
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record(rec, f.id, EVENTLINE_TYPE_MAX, 4, NULL, 0);
	expect_empty(f.reg);
	/* Inline and never blocking: no worker thread was needed. */
	EXPECT_EQ(count_io_workers(), 0);
}

/* The command sits in the first 16 bytes of a 128-byte SQE as well. */
static void test_post_sqe128(void)
{
	unsigned char buf[TU_REC_SIZE(5)];
	struct io_uring ring;
	struct fixture f;
	uint64_t seq = 0;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	ring_init(&ring, 4, IORING_SETUP_SQE128);
	ASSERT_EQ(uring_post(&ring, f.owner, 2, "12345", 5, &seq), 0);
	EXPECT_EQ(seq, 1);
	ASSERT_EQ(uring_post(&ring, f.owner, 3, "abcde", 5, &seq), 0);
	EXPECT_EQ(seq, 2);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 5), TU_REC_SIZE(5));
	tu_check_line_record((void *)buf, f.id, 2, 1, "12345", 5);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 5), TU_REC_SIZE(5));
	tu_check_line_record((void *)buf, f.id, 3, 2, "abcde", 5);
	expect_empty(f.reg);
}

/*
 * Many posts in one io_uring_submit(): issued inline in SQE order, so they
 * complete in that order with consecutive sequence numbers, and the
 * register receives them in that order.
 */
#define MANY_POSTS	256
#define MANY_MAXLEN	40

static void test_post_many(void)
{
	static struct eventline_post posts[MANY_POSTS];
	static unsigned char payloads[MANY_POSTS][MANY_MAXLEN];
	const struct eventline_record *rec;
	struct io_uring ring;
	struct tu_reader r;
	struct fixture f;
	unsigned int i, n = 0;
	int ret;

	setup(&f, 0600, 2 * MANY_POSTS, EVENTLINE_FD_NONBLOCK);
	ring_init(&ring, MANY_POSTS, 0);
	for (i = 0; i < MANY_POSTS; i++) {
		unsigned int len = 4 + i % (MANY_MAXLEN - 3);

		tu_fill(payloads[i], len, i);
		memcpy(payloads[i], &i, sizeof(i));
		posts[i] = (struct eventline_post) {
			.size = sizeof(posts[i]),
			.type = i % (EVENTLINE_TYPE_MAX + 1),
			.payload_len = len,
			.payload = (uintptr_t)payloads[i],
			.seq = 0xdeadbeefULL,
		};
		prep_cmd(get_sqe(&ring), f.owner, EVENTLINE_IOC_POST,
			 &posts[i], 0, i);
	}
	ASSERT_EQ(io_uring_submit(&ring), MANY_POSTS);

	for (i = 0; i < MANY_POSTS; i++) {
		uint64_t ud;

		EXPECT_EQ(wait_res(&ring, &ud), 0);
		EXPECT_EQ(ud, i);
		EXPECT_EQ(posts[i].seq, i + 1);
	}
	EXPECT_EQ(count_io_workers(), 0);

	tu_reader_init(&r, f.reg, 64 * 1024);
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		ASSERT_LT(n, MANY_POSTS);
		if (!tu_check_line_record(rec, f.id, posts[n].type, n + 1,
					  payloads[n], posts[n].payload_len))
			tap_abort();
		n++;
	}
	EXPECT_EQ(ret, -EAGAIN);
	EXPECT_EQ(n, MANY_POSTS);
	tu_reader_fini(&r);
}

/* POST_BATCH through uring_cmd: res is the count, first_seq written. */
static void test_post_batch(void)
{
	static const char *const texts[] = { "", "a", "batch", "of five",
					     "events through io_uring" };
	struct eventline_post_entry ents[TU_ARRAY_SIZE(texts)];
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.count = TU_ARRAY_SIZE(texts),
		.entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
		.first_seq = 0xdeadbeefULL,
	};
	const struct eventline_record *rec;
	struct tu_reader r;
	struct fixture f;
	unsigned int i;
	uint64_t seq = 0;
	int poster;

	setup(&f, 0666, 0, EVENTLINE_FD_NONBLOCK);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	for (i = 0; i < TU_ARRAY_SIZE(texts); i++)
		ents[i] = (struct eventline_post_entry) {
			.type = 10 + i,
			.payload_len = strlen(texts[i]),
			.payload = (uintptr_t)texts[i],
		};

	/* One post first, so that first_seq is not trivially 1. */
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
	EXPECT_EQ(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST_BATCH, &b, 0),
		  TU_ARRAY_SIZE(texts));
	EXPECT_EQ(b.first_seq, 2);
	b.first_seq = 0xdeadbeefULL;
	EXPECT_EQ(uring_cmd(&f.ring, poster, EVENTLINE_IOC_POST_BATCH, &b, 0),
		  TU_ARRAY_SIZE(texts));
	EXPECT_EQ(b.first_seq, 2 + TU_ARRAY_SIZE(texts));
	/* A batch of one is a batch too. */
	b.count = 1;
	EXPECT_EQ(uring_cmd(&f.ring, poster, EVENTLINE_IOC_POST_BATCH, &b, 0),
		  1);
	EXPECT_EQ(b.first_seq, 2 + 2 * TU_ARRAY_SIZE(texts));

	tu_reader_init(&r, f.reg, 4096);
	ASSERT_EQ(tu_reader_next(&r, &rec), 1);
	tu_check_line_record(rec, f.id, 1, 1, NULL, 0);
	for (i = 0; i < 2 * TU_ARRAY_SIZE(texts) + 1; i++) {
		unsigned int k = i % TU_ARRAY_SIZE(texts);

		ASSERT_EQ(tu_reader_next(&r, &rec), 1);
		tu_check_line_record(rec, f.id, 10 + k, 2 + i, texts[k],
				     strlen(texts[k]));
		EXPECT_EQ(rec->pid, getpid());
	}
	EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
	tu_reader_fini(&r);
}

/* Any other cmd_op is -ENOTTY, even one that encodes POST's number. */
static void test_unknown_cmd_op(void)
{
	const uint32_t ops[] = {
		0, 1, EVENTLINE_IOC_GET_INFO, EVENTLINE_IOC_LINE_CREATE,
		EVENTLINE_IOC_SUBSCRIBE, EVENTLINE_IOC_POST + 2,
		_IOWR(EVENTLINE_IOC_MAGIC, 0x20, struct eventline_post),
		EVENTLINE_IOC_POST | 0x80000000u, 0xffffffffu,
	};
	struct eventline_post p = { .size = sizeof(p), .type = 1 };
	struct fixture f;
	uint64_t seq = 0;
	size_t i;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < TU_ARRAY_SIZE(ops); i++) {
		long res = uring_cmd(&f.ring, f.owner, ops[i], &p, 0);

		if (res != -ENOTTY)
			tap_diag("cmd_op %#x", ops[i]);
		EXPECT_RET(res, ENOTTY);
	}
	expect_empty(f.reg);
	/* Nothing used up a sequence number. */
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
}

/* eventline_uring_cmd.__reserved must be 0, for both commands. */
static void test_reserved(void)
{
	static const uint64_t bad[] = { 1, 0x80, 1ULL << 32, 1ULL << 63 };
	struct eventline_post p = { .size = sizeof(p), .type = 1 };
	struct eventline_post_entry ent = { .type = 1 };
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.count = 1,
		.entry_size = sizeof(ent),
		.entries = (uintptr_t)&ent,
	};
	struct fixture f;
	uint64_t seq = 0;
	size_t i;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		EXPECT_RET(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST, &p,
				     bad[i]), EINVAL);
		EXPECT_RET(uring_cmd(&f.ring, f.owner,
				     EVENTLINE_IOC_POST_BATCH, &b, bad[i]),
			   EINVAL);
	}
	expect_empty(f.reg);
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
}

/*
 * An argument the kernel cannot read, or whose output field it cannot
 * write, is -EFAULT and posts nothing (the output is probed first).
 */
static void test_bad_arg(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	/*
	 * POST is 32 bytes and POST_BATCH's first version too (40 now);
	 * this one has 24 before a hole.
	 */
	uint32_t *cut = tu_guarded(24);
	void *bad[] = { NULL, (void *)1, tu_unmapped(),
			(void *)0xffffffff81000000UL, cut };
	struct eventline_post *ro_post;
	struct eventline_post_batch *ro_batch;
	struct eventline_post_entry ent = { .type = 1 };
	unsigned char *ro;
	struct fixture f;
	uint64_t seq = 0;
	size_t i;

	ASSERT_EQ(sizeof(struct eventline_post), 32);
	ASSERT_EQ(EVENTLINE_POST_BATCH_SIZE_VER0, 32);
	*cut = 32;
	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		EXPECT_RET(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST,
				     bad[i], 0), EFAULT);
		EXPECT_RET(uring_cmd(&f.ring, f.owner,
				     EVENTLINE_IOC_POST_BATCH, bad[i], 0),
			   EFAULT);
	}

	/* Valid, readable structs on a read-only page: seq is unwritable. */
	ro = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	ro_post = (void *)ro;
	ro_batch = (void *)(ro + 64);
	*ro_post = (struct eventline_post) { .size = sizeof(*ro_post),
					     .type = 1 };
	*ro_batch = (struct eventline_post_batch) {
		.size = sizeof(*ro_batch),
		.count = 1,
		.entry_size = sizeof(ent),
		.entries = (uintptr_t)&ent,
	};
	ASSERT_SYSOK(mprotect(ro, pg, PROT_READ));
	EXPECT_RET(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST, ro_post, 0),
		   EFAULT);
	EXPECT_RET(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST_BATCH,
			     ro_batch, 0), EFAULT);
	/* The ioctl agrees. */
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST, ro_post), EFAULT);

	expect_empty(f.reg);
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
}

/*
 * Only line fds have a uring_cmd handler: io_uring itself refuses the
 * command on a register or the control fd with -EOPNOTSUPP.
 */
static void test_wrong_fds(void)
{
	struct eventline_post p = { .size = sizeof(p), .type = 1 };
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	struct fixture f;
	uint64_t seq = 0;
	int pipefd[2];

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	ref.id = f.id;
	EXPECT_RET(uring_cmd(&f.ring, f.reg, EVENTLINE_IOC_POST, &p, 0),
		   EOPNOTSUPP);
	EXPECT_RET(uring_cmd(&f.ring, f.reg, EVENTLINE_IOC_POST_BATCH, &p, 0),
		   EOPNOTSUPP);
	EXPECT_RET(uring_cmd(&f.ring, f.reg, EVENTLINE_IOC_SUBSCRIBE, &ref, 0),
		   EOPNOTSUPP);
	EXPECT_RET(uring_cmd(&f.ring, f.ctl, EVENTLINE_IOC_POST, &p, 0),
		   EOPNOTSUPP);
	EXPECT_RET(uring_cmd(&f.ring, f.ctl, EVENTLINE_IOC_GET_INFO, &p, 0),
		   EOPNOTSUPP);
	/*
	 * The same as for any file without the hook (not /dev/null: it has
	 * one that returns 0, for benchmarking io_uring).
	 */
	ASSERT_SYSOK(pipe2(pipefd, O_CLOEXEC));
	EXPECT_RET(uring_cmd(&f.ring, pipefd[0], EVENTLINE_IOC_POST, &p, 0),
		   EOPNOTSUPP);
	expect_empty(f.reg);
	/* The line was not touched: its first post is still seq 1. */
	ASSERT_OK(tu_post(f.owner, 1, NULL, 0, &seq));
	EXPECT_EQ(seq, 1);
}

/* A poster fd whose line's owner closed gets -EPIPE, as the ioctl does. */
static void test_post_after_close(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	struct eventline_post_entry ent = { .type = 1 };
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.count = 1,
		.entry_size = sizeof(ent),
		.entries = (uintptr_t)&ent,
	};
	struct fixture f;
	uint64_t seq = 0;
	int poster;

	setup(&f, 0666, 0, EVENTLINE_FD_NONBLOCK);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	ASSERT_EQ(uring_post(&f.ring, poster, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
	close(f.owner);
	EXPECT_RET(uring_post(&f.ring, poster, 2, NULL, 0, NULL), EPIPE);
	EXPECT_RET(uring_post(&f.ring, poster, 2, "abc", 3, NULL), EPIPE);
	EXPECT_RET(uring_cmd(&f.ring, poster, EVENTLINE_IOC_POST_BATCH, &b, 0),
		   EPIPE);

	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)buf, f.id, 1, 1, NULL, 0);
	ASSERT_EQ(tu_read_exact(f.reg, buf, 0), TU_REC_SIZE(0));
	tu_check_meta_record((void *)buf, EVENTLINE_META_LINE_CLOSED, f.id);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
}

/*
 * Bad argument contents give exactly the errno the ioctl gives: each
 * struct goes through both and must fail the same, expected, way.
 */
struct bad_post {
	const char *what;
	int err;
	uint32_t size;
	uint32_t flags;
	uint16_t type;
	uint16_t parent_depth;
	uint32_t payload_len;
	bool bad_payload;
	bool dirty_tail;
};

static void test_bad_post_contents(void)
{
	const uint32_t full = sizeof(struct eventline_post);
	const struct bad_post cases[] = {
		{ .what = "size 0", .err = EINVAL, .size = 0 },
		{ .what = "size 8", .err = EINVAL, .size = 8 },
		{ .what = "size VER0-1", .err = EINVAL,
		  .size = EVENTLINE_POST_SIZE_VER0 - 1 },
		{ .what = "size above a page", .err = E2BIG, .size = 8192 },
		{ .what = "non-zero tail", .err = E2BIG, .size = full + 8,
		  .dirty_tail = true },
		{ .what = "flags", .err = EINVAL, .size = full,
		  .flags = 1U << 15 },
		{ .what = "flags high", .err = EINVAL, .size = full,
		  .flags = 0x80000000u },
		{ .what = "parent_depth without its flag", .err = EINVAL,
		  .size = full, .parent_depth = 1 },
		{ .what = "type 64", .err = EINVAL, .size = full,
		  .type = EVENTLINE_TYPE_MAX + 1 },
		{ .what = "type 0xffff", .err = EINVAL, .size = full,
		  .type = 0xffff },
		/* payload_len is added to max_payload below. */
		{ .what = "payload_len max+1", .err = EMSGSIZE, .size = full,
		  .payload_len = 1 },
		{ .what = "unreadable payload", .err = EFAULT, .size = full,
		  .payload_len = 16, .bad_payload = true },
	};
	/* Room for an oversized struct, inside one mapped page. */
	static uint64_t raw[64];
	struct eventline_post *p = (void *)raw;
	void *unmapped = tu_unmapped();
	struct fixture f;
	uint64_t seq = 0;
	size_t i;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		const struct bad_post *c = &cases[i];
		unsigned int fails = tap_fail_count();

		memset(raw, 0, sizeof(raw));
		p->size = c->size;
		p->flags = c->flags;
		p->type = c->type;
		p->parent_depth = c->parent_depth;
		p->payload_len = c->payload_len;
		if (c->err == EMSGSIZE)
			p->payload_len += f.info.max_payload;
		p->payload = (uintptr_t)(c->bad_payload ? unmapped : raw);
		if (c->dirty_tail)
			raw[sizeof(*p) / 8] = 1;

		EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST, p), c->err);
		EXPECT_RET(uring_cmd(&f.ring, f.owner, EVENTLINE_IOC_POST, p,
				     0), c->err);
		if (tap_fail_count() != fails)
			tap_diag("case: %s", c->what);
	}
	expect_empty(f.reg);
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
}

/*
 * The same for POST_BATCH; a bad entry anywhere posts nothing.  Each case
 * changes one field of a good three-entry batch.
 */
enum bad_batch_field {
	BB_SIZE, BB_FLAGS, BB_COUNT, BB_ENTRY_SIZE, BB_ENTRIES,
	BB_TYPE, BB_PAYLOAD_LEN, BB_PAYLOAD,
};

struct bad_batch {
	const char *what;
	int err;
	enum bad_batch_field field;
	unsigned int entry;	/* for the entry fields */
	uint32_t value;		/* added to the info limit for limits */
};

static void test_bad_batch_contents(void)
{
	const struct bad_batch cases[] = {
		{ "size 8", EINVAL, BB_SIZE, 0, 8 },
		{ "flags", EINVAL, BB_FLAGS, 0, 1U << 2 },
		/* Retaining is for single posts. */
		{ "flags RETAIN", EINVAL, BB_FLAGS, 0, EVENTLINE_POST_RETAIN },
		{ "count 0", EINVAL, BB_COUNT, 0, 0 },
		{ "count max+1", EINVAL, BB_COUNT, 0, 1 },
		{ "entry_size 8", EINVAL, BB_ENTRY_SIZE, 0, 8 },
		{ "entry_size 20", EINVAL, BB_ENTRY_SIZE, 0, 20 },
		{ "unmapped entries", EFAULT, BB_ENTRIES, 0, 0 },
		{ "first entry type 0xffff", EINVAL, BB_TYPE, 0, 0xffff },
		{ "last entry type 64", EINVAL, BB_TYPE, 2,
		  EVENTLINE_TYPE_MAX + 1 },
		{ "last payload_len max+1", EMSGSIZE, BB_PAYLOAD_LEN, 2, 1 },
		{ "last payload unmapped", EFAULT, BB_PAYLOAD, 2, 8 },
	};
	struct eventline_post_entry ents[3];
	struct eventline_post_batch b;
	void *unmapped = tu_unmapped();
	struct fixture f;
	uint64_t seq = 0;
	size_t i, k;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		const struct bad_batch *c = &cases[i];
		struct eventline_post_entry *e = &ents[c->entry];
		unsigned int fails = tap_fail_count();

		for (k = 0; k < TU_ARRAY_SIZE(ents); k++)
			ents[k] = (struct eventline_post_entry) {
				.type = 1 + k,
			};
		b = (struct eventline_post_batch) {
			.size = sizeof(b),
			.count = TU_ARRAY_SIZE(ents),
			.entry_size = sizeof(ents[0]),
			.entries = (uintptr_t)ents,
		};
		switch (c->field) {
		case BB_SIZE:
			b.size = c->value;
			break;
		case BB_FLAGS:
			b.flags = c->value;
			break;
		case BB_COUNT:
			b.count = c->value ? f.info.max_post_batch + c->value
					   : 0;
			break;
		case BB_ENTRY_SIZE:
			b.entry_size = c->value;
			break;
		case BB_ENTRIES:
			b.entries = (uintptr_t)unmapped;
			break;
		case BB_TYPE:
			e->type = c->value;
			break;
		case BB_PAYLOAD_LEN:
			e->payload_len = f.info.max_payload + c->value;
			break;
		case BB_PAYLOAD:
			e->payload_len = c->value;
			e->payload = (uintptr_t)unmapped;
			break;
		}
		EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, &b),
			   c->err);
		EXPECT_RET(uring_cmd(&f.ring, f.owner,
				     EVENTLINE_IOC_POST_BATCH, &b, 0), c->err);
		if (tap_fail_count() != fails)
			tap_diag("case: %s", c->what);
	}
	expect_empty(f.reg);
	ASSERT_EQ(uring_post(&f.ring, f.owner, 1, NULL, 0, &seq), 0);
	EXPECT_EQ(seq, 1);
}

/*
 * IORING_OP_READ and IORING_OP_READV on a register with queued records
 * return exactly what read()/readv() return on a twin register (same
 * line, same creator): same lengths, same bytes, same errors, for buffer
 * sizes that fit several records, split records or fit none.
 */
static void test_read_matches_read(void)
{
	static const size_t sizes[] = {
		4096, 1, TU_REC_SIZE(0) - 1, TU_REC_SIZE(0), 100, 300, 777,
		TU_REC_SIZE(64), 2048, 65536,
	};
	unsigned char *ubuf, *sbuf, payload[200];
	struct fixture f;
	int twin, i, round;

	setup(&f, 0600, 256, EVENTLINE_FD_NONBLOCK);
	twin = ASSERT_OK(tu_register_create(f.ctl, 256,
					    EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(twin, f.id, NULL));
	ubuf = aligned_alloc(8, 65536);
	sbuf = aligned_alloc(8, 65536);
	ASSERT_TRUE(ubuf && sbuf);

	for (i = 0; i < 120; i++) {
		unsigned int len = (i * 37) % sizeof(payload);

		tu_fill(payload, len, i);
		ASSERT_OK(tu_post(f.owner, i % 64, payload, len, NULL));
	}

	for (round = 0; round < 200; round++) {
		size_t len = sizes[round % TU_ARRAY_SIZE(sizes)];
		bool vec = round % 3 == 2;
		/* Two segments, split mid-buffer: mostly inside a record. */
		struct iovec uiov[2] = {
			{ ubuf, len / 2 }, { ubuf + len / 2, len - len / 2 },
		};
		struct iovec siov[2] = {
			{ sbuf, len / 2 }, { sbuf + len / 2, len - len / 2 },
		};
		ssize_t got, want;

		memset(ubuf, 0xa5, len);
		memset(sbuf, 0x5a, len);
		/*
		 * read() first: once the twin is empty, stop, as a READ
		 * through io_uring would wait (see test_read_nonblock_waits).
		 */
		want = vec ? readv(twin, siov, 2) : read(twin, sbuf, len);
		if (want < 0)
			want = -errno;
		if (want == -EAGAIN)
			break;
		if (vec) {
			io_uring_prep_readv(get_sqe(&f.ring), f.reg, uiov, 2,
					    0);
			got = submit_wait(&f.ring);
		} else {
			got = uring_read(&f.ring, f.reg, ubuf, len);
		}
		if (got != want)
			tap_diag("round %d, %zu bytes%s", round, len,
				 vec ? ", readv" : "");
		ASSERT_EQ(got, want);
		if (got > 0 && memcmp(ubuf, sbuf, got)) {
			tap_diag("round %d: bytes differ", round);
			tap_fail();
		}
	}
	/* The twin drained; io_uring read exactly as much of its own. */
	EXPECT_LT(round, 200);
	expect_empty(f.reg);
	/* Served inline: no worker thread. */
	EXPECT_EQ(count_io_workers(), 0);
}

struct delayed_post {
	int fd;
	unsigned int type;
	unsigned int delay_ms;
};

static void *delayed_post_fn(void *arg)
{
	const struct delayed_post *dp = arg;

	tu_msleep(dp->delay_ms);
	ASSERT_OK(tu_post(dp->fd, dp->type, &dp->type, sizeof(dp->type),
			  NULL));
	return NULL;
}

/*
 * A READ on an empty (blocking) register stays pending, without a worker
 * thread, until a post arrives; then it completes with that record.
 * Round 0 posts after the wait timed out, the others from a thread while
 * this one sleeps in io_uring_enter(); every round re-arms the wake-up.
 */
static void test_read_waits_for_post(void)
{
	unsigned char *buf = aligned_alloc(8, 4096);
	struct __kernel_timespec ts = { .tv_nsec = 300 * 1000 * 1000 };
	struct io_uring_cqe *cqe;
	struct fixture f;
	unsigned int round;

	ASSERT_TRUE(buf != NULL);
	setup(&f, 0600, 0, 0);
	ASSERT_EQ(count_io_workers(), 0);

	for (round = 0; round < 4; round++) {
		struct delayed_post dp = { f.owner, 20 + round, 100 };
		pthread_t thr;
		int res;

		memset(buf, 0xcc, 4096);
		io_uring_prep_read(get_sqe(&f.ring), f.reg, buf, 4096, 0);
		ASSERT_EQ(io_uring_submit(&f.ring), 1);
		/* Nothing to read: it must not complete, nor take a worker. */
		ASSERT_EQ(io_uring_wait_cqe_timeout(&f.ring, &cqe, &ts),
			  -ETIME);
		EXPECT_EQ(count_io_workers(), 0);

		if (round) {
			ASSERT_EQ(pthread_create(&thr, NULL, delayed_post_fn,
						 &dp), 0);
		} else {
			ASSERT_OK(tu_post(f.owner, dp.type, &dp.type,
					  sizeof(dp.type), NULL));
		}
		res = wait_res(&f.ring, NULL);
		if (round)
			ASSERT_EQ(pthread_join(thr, NULL), 0);
		ASSERT_EQ(res, TU_REC_SIZE(sizeof(dp.type)));
		tu_check_line_record((void *)buf, f.id, dp.type, round + 1,
				     &dp.type, sizeof(dp.type));
		EXPECT_EQ(count_io_workers(), 0);
	}
}

/*
 * End of stream through io_uring: a READ pending on an empty register
 * completes with LINE_CLOSED when the owner closes, and once drained every
 * READ completes with 0 at once.
 */
static void test_read_eof(void)
{
	unsigned char *buf = aligned_alloc(8, 4096);
	struct __kernel_timespec ts = { .tv_nsec = 200 * 1000 * 1000 };
	const struct eventline_record *rec = (void *)buf;
	struct io_uring_cqe *cqe;
	struct fixture f;
	int res;

	ASSERT_TRUE(buf != NULL);
	setup(&f, 0600, 0, 0);
	ASSERT_OK(tu_post(f.owner, 5, "last", 4, NULL));
	ASSERT_EQ(uring_read(&f.ring, f.reg, buf, 4096), TU_REC_SIZE(4));
	tu_check_line_record(rec, f.id, 5, 1, "last", 4);

	io_uring_prep_read(get_sqe(&f.ring), f.reg, buf, 4096, 0);
	ASSERT_EQ(io_uring_submit(&f.ring), 1);
	ASSERT_EQ(io_uring_wait_cqe_timeout(&f.ring, &cqe, &ts), -ETIME);
	close(f.owner);
	res = wait_res(&f.ring, NULL);
	ASSERT_GE(res, (int)sizeof(*rec));
	EXPECT_EQ(rec->size, res);
	tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, f.id);

	EXPECT_EQ(uring_read(&f.ring, f.reg, buf, 4096), 0);
	EXPECT_EQ(uring_read(&f.ring, f.reg, buf, 4096), 0);
	EXPECT_EQ(read(f.reg, buf, 4096), 0);
	EXPECT_EQ(count_io_workers(), 0);
}

/*
 * On a non-blocking (O_NONBLOCK) empty register read() gives EAGAIN, but a
 * READ through io_uring waits through poll for the next record: io_uring
 * (6.1 and 6.12 alike) ignores O_NONBLOCK for files that support nowait
 * reads, as it does for pipes and sockets.  No worker thread either way.
 */
static void test_read_nonblock_waits(void)
{
	struct __kernel_timespec ts = { .tv_nsec = 300 * 1000 * 1000 };
	unsigned char buf[TU_REC_SIZE(3)];
	struct io_uring_cqe *cqe;
	struct fixture f;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	ASSERT_OK(tu_post(f.owner, 2, "abc", 3, NULL));
	ASSERT_EQ(uring_read(&f.ring, f.reg, buf, sizeof(buf)),
		  TU_REC_SIZE(3));
	tu_check_line_record((void *)buf, f.id, 2, 1, "abc", 3);

	io_uring_prep_read(get_sqe(&f.ring), f.reg, buf, sizeof(buf), 0);
	ASSERT_EQ(io_uring_submit(&f.ring), 1);
	ASSERT_EQ(io_uring_wait_cqe_timeout(&f.ring, &cqe, &ts), -ETIME);
	EXPECT_EQ(count_io_workers(), 0);
	/* read() on the same fd still does not wait. */
	EXPECT_ERRNO(read(f.reg, buf, sizeof(buf)), EAGAIN);
	ASSERT_OK(tu_post(f.owner, 3, "xyz", 3, NULL));
	ASSERT_EQ(wait_res(&f.ring, NULL), TU_REC_SIZE(3));
	tu_check_line_record((void *)buf, f.id, 3, 2, "xyz", 3);
	EXPECT_EQ(count_io_workers(), 0);
	expect_empty(f.reg);
}

/*
 * Control for the worker counts above: forced to io-wq (IOSQE_ASYNC), a
 * post is issued from an iou-wrk thread, which count_io_workers() sees.
 * The post itself must work there too (it may block; the record's pid is
 * still the process).
 */
static void test_post_from_worker(void)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.type = 4,
		.payload_len = 6,
		.payload = (uintptr_t)"worker",
		.seq = 0xdeadbeefULL,
	};
	unsigned char buf[TU_REC_SIZE(6)];
	struct io_uring_sqe *sqe;
	struct fixture f;
	int i, workers = 0;

	setup(&f, 0600, 0, EVENTLINE_FD_NONBLOCK);
	ASSERT_EQ(count_io_workers(), 0);
	sqe = get_sqe(&f.ring);
	prep_cmd(sqe, f.owner, EVENTLINE_IOC_POST, &p, 0, 0);
	sqe->flags |= IOSQE_ASYNC;
	ASSERT_EQ(submit_wait(&f.ring), 0);
	EXPECT_EQ(p.seq, 1);
	/* The worker names itself as it starts: allow it a moment. */
	for (i = 0; i < 200 && !workers; i++) {
		workers = count_io_workers();
		if (!workers)
			tu_msleep(10);
	}
	EXPECT_GE(workers, 1);

	ASSERT_EQ(tu_read_exact(f.reg, buf, 6), TU_REC_SIZE(6));
	tu_check_line_record((void *)buf, f.id, 4, 1, "worker", 6);
	EXPECT_EQ(((struct eventline_record *)buf)->pid, getpid());
	expect_empty(f.reg);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_post),
	TAP_TEST(test_post_sqe128),
	TAP_TEST_TIMEOUT(test_post_many, 60),
	TAP_TEST(test_post_batch),
	TAP_TEST(test_unknown_cmd_op),
	TAP_TEST(test_reserved),
	TAP_TEST(test_bad_arg),
	TAP_TEST(test_wrong_fds),
	TAP_TEST(test_post_after_close),
	TAP_TEST(test_bad_post_contents),
	TAP_TEST(test_bad_batch_contents),
	TAP_TEST_TIMEOUT(test_read_matches_read, 60),
	TAP_TEST(test_read_waits_for_post),
	TAP_TEST(test_read_eof),
	TAP_TEST(test_read_nonblock_waits),
	TAP_TEST(test_post_from_worker),
};

TAP_MAIN(tests)
