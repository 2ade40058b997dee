// SPDX-License-Identifier: GPL-2.0
/*
 * nest_test - nesting (uapi "Nesting"): the depth of a post.
 *
 * A thread that read() line events from a register is handling the deepest
 * of them, and its posts are one level deeper; a read() that returns no
 * line event (nothing, EAGAIN, only META records, an error) ends that.  The
 * state is per thread: another thread, or a forked child, posts at depth 0.
 * EVENTLINE_POST_PARENT names a parent depth, and the deeper of it and the
 * tracked one wins.  A post deeper than max_depth fails with ELOOP and
 * posts nothing, so two handlers posting into each other's lines stop.
 * A register's depth filter queues only the depths asked for, and what it
 * skips is not lost.  A mapped reader is not tracked.  Through io_uring
 * (raw system calls, so this builds with -m32 too) a post is the
 * submitter's, also when a worker thread issues it; a worker's read does
 * not leak into later posts.  Threads that exit while handling are
 * forgotten as the kernel's table grows.
 *
 * How depths are seen without disturbing them: the depth of a post made by
 * the thread under test is read back from an observer register by a
 * short-lived helper thread, whose read() changes only its own state.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define T_EVENT		1	/* the type every post here uses */
#define REC0		TU_REC_SIZE(0)	/* a record with no payload */
#define BUF_SIZE	4096

/* max_depth of the running module. */
static unsigned int max_depth(int ctl)
{
	struct eventline_info info;

	tu_get_info(ctl, &info);
	ASSERT_GE(info.max_depth, 1);
	return info.max_depth;
}

/* The cases below use depths up to @need; a module set shallower skips. */
static unsigned int need_depth(int ctl, unsigned int need)
{
	unsigned int m = max_depth(ctl);

	if (m < need)
		tap_skip("max_depth %u is below the %u this case needs", m,
			 need);
	return m;
}

/* The lowest POST flag bit the module does not know. */
static unsigned int unknown_post_flag(int ctl)
{
	struct eventline_info info;
	unsigned int bit = 1;

	tu_get_info(ctl, &info);
	while (bit && (info.post_flags & bit))
		bit <<= 1;
	ASSERT_NE(bit, 0);
	return bit;
}

/* REGISTER_CREATE with the depth fields: register fd or -errno. */
static int reg_create(int ctl, unsigned int queue_len, unsigned int flags,
		      unsigned int min, unsigned int max)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = flags,
		.queue_len = queue_len,
		.min_depth = min,
		.max_depth = max,
	};

	return tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc);
}

/* A non-blocking register subscribed to @id. */
static int reg_on(int ctl, uint64_t id)
{
	int reg = ASSERT_OK(reg_create(ctl, 64, EVENTLINE_FD_NONBLOCK, 0, 0));

	ASSERT_OK(tu_subscribe(reg, id, NULL));
	return reg;
}

/* An anonymous line: its owner fd, its id in @id. */
static int line_new(int ctl, uint64_t *id)
{
	return ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, id));
}

/* POST of an empty event with @flags and @parent: 0 or -errno. */
static int post_ex(int fd, unsigned int flags, unsigned int parent,
		   uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.flags = flags,
		.type = T_EVENT,
		.parent_depth = parent,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);

	if (seq)
		*seq = ret >= 0 ? p.seq : 0;
	return ret;
}

static int post_top(int fd, uint64_t *seq)
{
	return post_ex(fd, 0, 0, seq);
}

/* A post naming @parent as its parent's depth. */
static int post_parent(int fd, unsigned int parent, uint64_t *seq)
{
	return post_ex(fd, EVENTLINE_POST_PARENT, parent, seq);
}

/*
 * POST_BATCH of @n empty events, with @flags and @parent, and the two
 * reserved fields as given: the count or -errno.
 */
static long batch_ex(int fd, unsigned int n, unsigned int flags,
		     unsigned int parent, unsigned int r0, unsigned int r1,
		     uint64_t *first_seq)
{
	struct eventline_post_entry ents[16];
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.flags = flags,
		.count = n,
		.entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
		.parent_depth = parent,
		.__reserved0 = r0,
		.__reserved1 = r1,
	};
	unsigned int i;
	long ret;

	ASSERT_LE(n, TU_ARRAY_SIZE(ents));
	memset(ents, 0, sizeof(ents));
	for (i = 0; i < n; i++)
		ents[i].type = T_EVENT;
	ret = tu_ioctl(fd, EVENTLINE_IOC_POST_BATCH, &b);
	if (first_seq)
		*first_seq = ret >= 0 ? b.first_seq : 0;
	return ret;
}

/* read() into @buf: bytes or -errno. */
static ssize_t read_reg(int reg, void *buf, size_t cap)
{
	ssize_t n = read(reg, buf, cap);

	return n < 0 ? -errno : n;
}

/*
 * Read exactly one record, an empty event of @line_id (and @seq, if not
 * 0), from @reg in the calling thread (which then handles it); returns its
 * depth.
 */
static unsigned int read_event(int reg, uint64_t line_id, uint64_t seq)
{
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;

	ASSERT_EQ(read_reg(reg, buf, REC0), REC0);
	ASSERT_EQ(rec->category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(rec->type, T_EVENT);
	EXPECT_EQ(rec->line_id, line_id);
	if (seq)
		EXPECT_EQ(rec->seq, seq);
	return rec->depth;
}

/* Run @fn(@arg) in a new thread and wait for it. */
static void in_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	ASSERT_EQ(pthread_create(&t, NULL, fn, arg), 0);
	ASSERT_EQ(pthread_join(t, NULL), 0);
}

struct read_job {
	int fd;
	void *buf;
	size_t cap;
	ssize_t ret;
};

static void *read_job_fn(void *p)
{
	struct read_job *j = p;

	j->ret = read_reg(j->fd, j->buf, j->cap);
	return NULL;
}

/* read() in a helper thread, leaving the caller's handling state alone. */
static ssize_t read_aside(int fd, void *buf, size_t cap)
{
	struct read_job j = { .fd = fd, .buf = buf, .cap = cap };

	in_thread(read_job_fn, &j);
	return j.ret;
}

/*
 * Post on @poster as the calling thread, with @flags and @parent, and
 * return the depth the event got, read aside from @obs (a non-blocking
 * register on the line that must hold nothing else).
 */
static unsigned int depth_of_ex(int poster, int obs, unsigned int flags,
				unsigned int parent)
{
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;
	uint64_t seq = 0;

	ASSERT_OK(post_ex(poster, flags, parent, &seq));
	/* Exactly one record: the one just posted. */
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	ASSERT_EQ(rec->category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(rec->seq, seq);
	return rec->depth;
}

/* The depth of a plain post by the calling thread. */
static unsigned int depth_of(int poster, int obs)
{
	return depth_of_ex(poster, obs, 0, 0);
}

/* @obs holds nothing (read aside). */
static void expect_empty(int obs)
{
	uint64_t buf[BUF_SIZE / 8];

	EXPECT_EQ(read_aside(obs, buf, sizeof(buf)), -EAGAIN);
}

/*
 * @obs holds exactly one record, an event numbered @seq of depth @depth
 * (read aside).
 */
static void expect_one(int obs, uint64_t seq, unsigned int depth)
{
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;

	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(rec->seq, seq);
	EXPECT_EQ(rec->depth, depth);
}

/* The entry of @reg's own subscription to @line_id. */
static void my_sub(int reg, uint64_t line_id, struct eventline_sub_info *out)
{
	struct eventline_sub_info subs[8];
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = TU_ARRAY_SIZE(subs),
		.entry_size = sizeof(subs[0]),
		.entries = (uintptr_t)subs,
		.line_id = line_id,
	};
	long n = ASSERT_OK(tu_ioctl(reg, EVENTLINE_IOC_LINE_SUBS, &ls));
	long i;

	for (i = 0; i < n; i++) {
		if (subs[i].sub_flags & EVENTLINE_SUB_MINE) {
			*out = subs[i];
			return;
		}
	}
	tap_diag("no EVENTLINE_SUB_MINE entry among %ld", n);
	tap_abort();
}

/*
 * GET_INFO reports max_depth (the module parameter) and the new flags; a
 * caller compiled before nesting (120 bytes) is not written beyond.
 */
static void test_info(void)
{
	struct eventline_info info;
	long long param;
	int ctl = tu_open_ctl();

	tu_get_info(ctl, &info);
	EXPECT_EQ(info.size, 128);
	EXPECT_GE(info.max_depth, 1);
	EXPECT_GT(info.stage_timeout_ms, 0);
	EXPECT_TRUE(info.post_flags & EVENTLINE_POST_PARENT);
	EXPECT_TRUE(info.register_flags & EVENTLINE_REGISTER_DEPTH_FILTER);
	if (!tu_read_ll("/sys/module/eventline/parameters/max_depth", &param))
		EXPECT_EQ(param, info.max_depth);

	memset(&info, 0xa5, sizeof(info));
	info.size = 120;
	info.flags = 0;
	ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info));
	EXPECT_EQ(info.max_depth, 0xa5a5a5a5U);
	close(ctl);
}

/* 1. A top-level post, single or batched, has depth 0. */
static void test_top_level(void)
{
	uint64_t buf[BUF_SIZE / 8], id, seq, first;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	int line = line_new(ctl, &id);
	int reg = reg_on(ctl, id);
	int i;

	/* Read aside, so this thread goes on handling nothing. */
	ASSERT_OK(post_top(line, &seq));
	expect_one(reg, seq, 0);
	ASSERT_EQ(batch_ex(line, 3, 0, 0, 0, 0, &first), 3);
	EXPECT_EQ(first, seq + 1);
	ASSERT_EQ(read_aside(reg, buf, sizeof(buf)), 3 * REC0);
	for (i = 0; i < 3; i++, rec++) {
		EXPECT_EQ(rec->category, EVENTLINE_CAT_LINE);
		EXPECT_EQ(rec->seq, first + i);
		EXPECT_EQ(rec->depth, 0);
	}

	/* Read by this thread, a top-level event is handled at depth 0. */
	ASSERT_OK(post_top(line, &seq));
	EXPECT_EQ(read_event(reg, id, seq), 0);
	ASSERT_OK(post_top(line, &seq));
	EXPECT_EQ(read_event(reg, id, seq), 1);
	close(reg);
	close(line);
	close(ctl);
}

/*
 * 2. Handling: read an event of depth 0, post, read that (depth 1), post
 * (depth 2), ...: each post is one deeper than what the thread read last.
 * A read() that finds the register empty (EAGAIN) ends the handling.
 */
static void test_handling_chain(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, seq;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 3), d;
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1);

	ASSERT_OK(tu_subscribe(reg, id2, NULL));
	ASSERT_OK(post_top(l1, &seq));
	EXPECT_EQ(read_event(reg, id1, seq), 0);
	for (d = 1; d <= 3 && d <= m; d++) {
		ASSERT_OK(post_top(l2, &seq));
		EXPECT_EQ(read_event(reg, id2, seq), d);
	}

	/* Handling 3; an empty read ends it. */
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), -EAGAIN);
	ASSERT_OK(post_top(l2, &seq));
	EXPECT_EQ(read_event(reg, id2, seq), 0);

	/* Handling 0 now: the next post is 1, not 0. */
	ASSERT_OK(post_top(l2, &seq));
	EXPECT_EQ(read_event(reg, id2, seq), 1);
	close(reg);
	close(l1);
	close(l2);
	close(ctl);
}

/* 2. A read() returning only a LINE_CLOSED record ends the handling. */
static void test_line_closed_ends(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, id3;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2), h = m / 2;
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int l3 = line_new(ctl, &id3);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);

	ASSERT_OK(tu_subscribe(reg, id3, NULL));
	ASSERT_OK(post_parent(l1, h - 1, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), h);
	EXPECT_EQ(depth_of(l2, obs), h + 1);
	/* Posting, plain or with a parent, does not end the handling. */
	EXPECT_EQ(depth_of(l2, obs), h + 1);
	EXPECT_EQ(depth_of_ex(l2, obs, EVENTLINE_POST_PARENT, 0), h + 1);

	close(l3);
	ASSERT_EQ(read_reg(reg, buf, sizeof(buf)), REC0);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id3));
	EXPECT_EQ(depth_of(l2, obs), 0);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/* 2. A read() returning only an OVERFLOW record ends the handling. */
static void test_overflow_ends(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2;
	const struct eventline_record *rec = (const void *)buf;
	const struct eventline_overflow *ov;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2), h = m / 2;
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = ASSERT_OK(reg_create(ctl, 1, EVENTLINE_FD_NONBLOCK, 0, 0));
	int obs = reg_on(ctl, id2);

	ASSERT_OK(tu_subscribe(reg, id1, NULL));
	/* A queue of one: the second event is lost. */
	ASSERT_OK(post_parent(l1, h - 1, NULL));
	ASSERT_OK(post_parent(l1, h - 1, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), h);
	EXPECT_EQ(depth_of(l2, obs), h + 1);

	ASSERT_EQ(read_reg(reg, buf, sizeof(buf)),
		  TU_REC_SIZE(sizeof(struct eventline_overflow)));
	ASSERT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0));
	ov = tu_payload(rec);
	EXPECT_EQ(ov->lost, 1);
	EXPECT_EQ(depth_of(l2, obs), 0);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * A read() that fails (a buffer too small for the next record: EINVAL)
 * returns no event: it ends the handling too.  So does end of stream.
 */
static void test_failed_read_ends(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, id3;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2), h = m / 2;
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int l3 = line_new(ctl, &id3);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);

	ASSERT_OK(post_parent(l1, h - 1, NULL));
	ASSERT_OK(post_parent(l1, h - 1, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), h);
	EXPECT_EQ(depth_of(l2, obs), h + 1);
	EXPECT_EQ(read_reg(reg, buf, 8), -EINVAL);
	EXPECT_EQ(depth_of(l2, obs), 0);
	/* The event is still there. */
	EXPECT_EQ(read_event(reg, id1, 0), h);
	EXPECT_EQ(depth_of(l2, obs), h + 1);

	/*
	 * End of stream right after an event: a line closed (its record
	 * read), the other one unsubscribed with an event still queued.
	 */
	ASSERT_OK(tu_subscribe(reg, id3, NULL));
	close(l3);
	ASSERT_EQ(read_reg(reg, buf, sizeof(buf)), REC0);
	EXPECT_TRUE(tu_check_meta_record((const void *)buf,
					 EVENTLINE_META_LINE_CLOSED, id3));
	ASSERT_OK(post_parent(l1, h - 1, NULL));
	ASSERT_OK(tu_unsubscribe(reg, id1));
	EXPECT_EQ(read_event(reg, id1, 0), h);
	EXPECT_EQ(depth_of(l2, obs), h + 1);
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(depth_of(l2, obs), 0);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * 2. One read() of several events: the deepest counts, wherever it is
 * among them, and META records among them change nothing.
 */
static void test_deepest_of_several(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, id3;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int l3 = line_new(ctl, &id3);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	/* Depths 3, 5, 1, 0: the deepest in the middle. */
	static const unsigned int want[] = { 3, 5, 1, 0 };
	unsigned int i;

	need_depth(ctl, 6);

	ASSERT_OK(post_parent(l1, 2, NULL));
	ASSERT_OK(post_parent(l1, 4, NULL));
	ASSERT_OK(post_parent(l1, 0, NULL));
	ASSERT_OK(post_top(l1, NULL));
	ASSERT_EQ(read_reg(reg, buf, sizeof(buf)), 4 * REC0);
	for (i = 0; i < TU_ARRAY_SIZE(want); i++, rec++) {
		EXPECT_EQ(rec->category, EVENTLINE_CAT_LINE);
		EXPECT_EQ(rec->depth, want[i]);
	}
	EXPECT_EQ(depth_of(l2, obs), 6);

	/* An event and then a META record, read at once: the event counts. */
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), -EAGAIN);
	ASSERT_OK(tu_subscribe(reg, id3, NULL));
	ASSERT_OK(post_parent(l1, 1, NULL));
	close(l3);
	rec = (const void *)buf;
	ASSERT_EQ(read_reg(reg, buf, sizeof(buf)), 2 * REC0);
	EXPECT_EQ(rec[0].category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(rec[0].depth, 2);
	EXPECT_TRUE(tu_check_meta_record(&rec[1], EVENTLINE_META_LINE_CLOSED,
					 id3));
	EXPECT_EQ(depth_of(l2, obs), 3);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/* 3. Per thread. */
struct handler {
	int reg, l1, l2, obs;
	uint64_t id1;
	unsigned int depth;	/* the depth the handler reads */
	sem_t go, done;
	unsigned int got[2];	/* its posts' depths, before and after */
};

static void *handler_fn(void *p)
{
	struct handler *h = p;

	EXPECT_EQ(read_event(h->reg, h->id1, 0), h->depth);
	h->got[0] = depth_of(h->l2, h->obs);
	sem_post(&h->done);
	while (sem_wait(&h->go))
		;
	h->got[1] = depth_of(h->l2, h->obs);
	return NULL;
}

struct poster {
	int l2, obs;
	unsigned int got;
};

static void *poster_fn(void *p)
{
	struct poster *ps = p;

	ps->got = depth_of(ps->l2, ps->obs);
	return NULL;
}

/*
 * 3. Thread A handles depth 3; thread B of the same process, which never
 * read, posts at depth 0, and so does the main thread; A still posts at 4.
 */
static void test_per_thread(void)
{
	uint64_t id2;
	int ctl = tu_open_ctl();
	struct handler h = { .depth = 3 };
	struct poster b;
	pthread_t a;

	need_depth(ctl, 4);

	h.l1 = line_new(ctl, &h.id1);
	h.l2 = line_new(ctl, &id2);
	h.reg = reg_on(ctl, h.id1);
	h.obs = reg_on(ctl, id2);
	ASSERT_EQ(sem_init(&h.go, 0, 0), 0);
	ASSERT_EQ(sem_init(&h.done, 0, 0), 0);
	ASSERT_OK(post_parent(h.l1, 2, NULL));

	ASSERT_EQ(pthread_create(&a, NULL, handler_fn, &h), 0);
	while (sem_wait(&h.done))
		;
	EXPECT_EQ(h.got[0], 4);
	/* A is handling depth 3 right now. */
	b = (struct poster){ .l2 = h.l2, .obs = h.obs };
	in_thread(poster_fn, &b);
	EXPECT_EQ(b.got, 0);
	EXPECT_EQ(depth_of(h.l2, h.obs), 0);
	sem_post(&h.go);
	ASSERT_EQ(pthread_join(a, NULL), 0);
	EXPECT_EQ(h.got[1], 4);

	/* A has exited while handling: new threads start from nothing. */
	for (int i = 0; i < 4; i++) {
		b.got = 99;
		in_thread(poster_fn, &b);
		EXPECT_EQ(b.got, 0);
	}
	close(h.reg);
	close(h.obs);
	close(h.l1);
	close(h.l2);
	close(ctl);
}

/*
 * 3. A child forked after the parent read is a thread of its own: its
 * posts are top-level, its own reads do not change the parent's depth.
 */
static void test_fork(void)
{
	uint64_t id1, id2, id3;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int l3 = line_new(ctl, &id3);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	int creg = reg_on(ctl, id3);
	pid_t pid;

	need_depth(ctl, 6);

	ASSERT_OK(post_parent(l1, 2, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), 3);
	EXPECT_EQ(depth_of(l2, obs), 4);

	pid = tu_fork();
	if (!pid) {
		EXPECT_EQ(depth_of(l2, obs), 0);
		ASSERT_OK(post_parent(l3, 4, NULL));
		EXPECT_EQ(read_event(creg, id3, 0), 5);
		EXPECT_EQ(depth_of(l2, obs), 6);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	EXPECT_EQ(depth_of(l2, obs), 4);
	close(reg);
	close(obs);
	close(creg);
	close(l1);
	close(l2);
	close(l3);
	close(ctl);
}

/*
 * A program a handler execs handles nothing: the handling belongs to the
 * old program.  The exec'd copy of this test finds EVL_NEST_EXEC_POST in
 * its environment, posts once on that fd and exits, before main().
 */
#define EXEC_POST_ENV	"EVL_NEST_EXEC_POST"

__attribute__((constructor)) static void exec_post(void)
{
	const char *fd = getenv(EXEC_POST_ENV);

	if (fd)
		_exit(post_ex(atoi(fd), 0, 0, NULL) ? 1 : 0);
}

static void test_exec(void)
{
	uint64_t id1, id2;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;
	pid_t pid;

	need_depth(ctl, 4);
	pid = tu_fork();
	if (!pid) {
		char env[64], *argv[] = { "nest_test", NULL };
		char *envp[] = { env, NULL };
		int fl = fcntl(l2, F_GETFD);

		snprintf(env, sizeof(env), EXEC_POST_ENV "=%d", l2);
		ASSERT_TRUE(fl >= 0 && fcntl(l2, F_SETFD, fl & ~FD_CLOEXEC) == 0);
		ASSERT_OK(post_parent(l1, 2, NULL));
		EXPECT_EQ(read_event(reg, id1, 0), 3);
		/* The same thread, a new program. */
		execve("/proc/self/exe", argv, envp);
		tap_diag("execve: %s", strerror(errno));
		tap_fail();
		tap_child_exit();
	}
	tu_wait_ok(pid);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 0);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

struct parent_job {
	int reg, l2, obs;
	uint64_t id1;
	unsigned int handling, parent;
	unsigned int got_parent, got_plain, got_batch[3];
	uint64_t first;
};

static void *parent_job_fn(void *p)
{
	struct parent_job *j = p;
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;

	EXPECT_EQ(read_event(j->reg, j->id1, 0), j->handling);
	j->got_parent = depth_of_ex(j->l2, j->obs, EVENTLINE_POST_PARENT,
				    j->parent);
	/* The parent given once is not remembered. */
	j->got_plain = depth_of(j->l2, j->obs);
	/* A batch, plain: every entry one deeper than the handling. */
	ASSERT_EQ(batch_ex(j->l2, 3, 0, 0, 0, 0, &j->first), 3);
	ASSERT_EQ(read_aside(j->obs, buf, sizeof(buf)), 3 * REC0);
	for (int i = 0; i < 3; i++) {
		EXPECT_EQ(rec[i].seq, j->first + i);
		j->got_batch[i] = rec[i].depth;
	}
	return NULL;
}

/*
 * 4. EVENTLINE_POST_PARENT: depth = max(parent_depth, handling) + 1; a
 * parent_depth without the flag, or an unknown flag, is EINVAL and posts
 * nothing.
 */
static void test_explicit_parent(void)
{
	uint64_t id1, id2, seq, next;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	struct parent_job j = { .reg = reg, .l2 = l2, .obs = obs, .id1 = id1 };
	unsigned int unknown = unknown_post_flag(ctl);

	need_depth(ctl, 8);

	/* Handling nothing. */
	EXPECT_EQ(depth_of_ex(l2, obs, EVENTLINE_POST_PARENT, 5), 6);
	EXPECT_EQ(depth_of_ex(l2, obs, EVENTLINE_POST_PARENT, 0), 1);
	EXPECT_EQ(depth_of(l2, obs), 0);

	/* Handling 7, parent 2: the deeper wins. */
	ASSERT_OK(post_parent(l1, 6, NULL));
	j.handling = 7;
	j.parent = 2;
	in_thread(parent_job_fn, &j);
	EXPECT_EQ(j.got_parent, 8);
	EXPECT_EQ(j.got_plain, 8);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(j.got_batch[i], 8);

	/* Handling 2, parent 5. */
	ASSERT_OK(post_parent(l1, 1, NULL));
	j.handling = 2;
	j.parent = 5;
	in_thread(parent_job_fn, &j);
	EXPECT_EQ(j.got_parent, 6);
	EXPECT_EQ(j.got_plain, 3);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(j.got_batch[i], 3);

	/* Bad arguments post nothing and use up no number. */
	ASSERT_OK(post_top(l2, &seq));
	expect_one(obs, seq, 0);
	EXPECT_RET(post_ex(l2, 0, 1, NULL), EINVAL);
	EXPECT_RET(post_ex(l2, 0, 0xffff, NULL), EINVAL);
	EXPECT_RET(post_ex(l2, unknown, 0, NULL), EINVAL);
	EXPECT_RET(post_ex(l2, EVENTLINE_POST_PARENT | unknown, 1, NULL),
		   EINVAL);
	expect_empty(obs);
	ASSERT_OK(post_top(l2, &next));
	EXPECT_EQ(next, seq + 1);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * 4. POST_BATCH with EVENTLINE_POST_PARENT: every entry has the batch's
 * depth; its parent_depth without the flag, or a non-zero reserved field,
 * is EINVAL.  A caller of the first version (32 bytes, no parent_depth)
 * may give the flag: its parent is then 0.
 */
static void test_batch_parent(void)
{
	uint64_t buf[BUF_SIZE / 8], id, first, seq, next;
	const struct eventline_record *rec = (const void *)buf;
	struct eventline_post_entry ents[2] = {
		{ .type = T_EVENT }, { .type = T_EVENT },
	};
	struct eventline_post_batch b;
	int ctl = tu_open_ctl();
	int line = line_new(ctl, &id);
	int obs = reg_on(ctl, id);
	int i;

	need_depth(ctl, 4);

	ASSERT_EQ(batch_ex(line, 5, EVENTLINE_POST_PARENT, 3, 0, 0, &first), 5);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), 5 * REC0);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(rec[i].seq, first + i);
		EXPECT_EQ(rec[i].depth, 4);
	}

	seq = first + 4;
	EXPECT_RET(batch_ex(line, 2, 0, 3, 0, 0, NULL), EINVAL);
	EXPECT_RET(batch_ex(line, 2, EVENTLINE_POST_PARENT, 3, 1, 0, NULL),
		   EINVAL);
	EXPECT_RET(batch_ex(line, 2, EVENTLINE_POST_PARENT, 3, 0, 1, NULL),
		   EINVAL);
	EXPECT_RET(batch_ex(line, 2, 0, 0, 0x8000, 0, NULL), EINVAL);
	EXPECT_RET(batch_ex(line, 2, 0, 0, 0, 0x80000000U, NULL), EINVAL);
	EXPECT_RET(batch_ex(line, 2, unknown_post_flag(ctl), 0, 0, 0, NULL),
		   EINVAL);
	expect_empty(obs);
	ASSERT_OK(post_top(line, &next));
	EXPECT_EQ(next, seq + 1);
	expect_one(obs, next, 0);

	/* The first version of the struct: no parent_depth, flag allowed. */
	memset(&b, 0, sizeof(b));
	b.size = EVENTLINE_POST_BATCH_SIZE_VER0;
	b.flags = EVENTLINE_POST_PARENT;
	b.count = 2;
	b.entry_size = sizeof(ents[0]);
	b.entries = (uintptr_t)ents;
	/* Beyond the size given: must be ignored. */
	b.parent_depth = 5;
	b.__reserved0 = 1;
	ASSERT_EQ(tu_ioctl(line, EVENTLINE_IOC_POST_BATCH, &b), 2);
	EXPECT_EQ(b.first_seq, next + 1);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), 2 * REC0);
	EXPECT_EQ(rec[0].depth, 1);
	EXPECT_EQ(rec[1].depth, 1);
	close(obs);
	close(line);
	close(ctl);
}

/*
 * 5. The limit: a post at max_depth goes through, one deeper fails with
 * ELOOP and posts nothing (no record, no sequence number used up), by an
 * explicit parent or by what the thread handles, single or batched.
 */
static void test_limit(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, seq, next, first;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2);
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	int i;

	EXPECT_EQ(depth_of_ex(l2, obs, EVENTLINE_POST_PARENT, m - 1), m);
	ASSERT_OK(post_top(l2, &seq));
	expect_one(obs, seq, 0);
	EXPECT_RET(post_parent(l2, m, NULL), ELOOP);
	EXPECT_RET(post_parent(l2, m + 1, NULL), ELOOP);
	EXPECT_RET(post_parent(l2, 0xffff, NULL), ELOOP);
	EXPECT_RET(batch_ex(l2, 3, EVENTLINE_POST_PARENT, m, 0, 0, NULL),
		   ELOOP);
	expect_empty(obs);
	ASSERT_OK(post_top(l2, &next));
	EXPECT_EQ(next, seq + 1);
	expect_one(obs, next, 0);

	ASSERT_EQ(batch_ex(l2, 3, EVENTLINE_POST_PARENT, m - 1, 0, 0, &first),
		  3);
	EXPECT_EQ(first, next + 1);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), 3 * REC0);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(rec[i].seq, first + i);
		EXPECT_EQ(rec[i].depth, m);
	}

	/* Handling max_depth: no post may go out, whatever parent it names. */
	ASSERT_OK(post_parent(l1, m - 1, NULL));
	ASSERT_OK(post_parent(l1, m - 2, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), m);
	EXPECT_RET(post_top(l2, NULL), ELOOP);
	EXPECT_RET(post_parent(l2, 0, NULL), ELOOP);
	EXPECT_RET(batch_ex(l2, 2, 0, 0, 0, 0, NULL), ELOOP);
	EXPECT_RET(batch_ex(l2, 2, EVENTLINE_POST_PARENT, 0, 0, 0, NULL),
		   ELOOP);
	/* Failing changes nothing: still handling max_depth. */
	EXPECT_RET(post_top(l2, NULL), ELOOP);
	expect_empty(obs);
	/* Handling max_depth - 1: exactly one level left. */
	EXPECT_EQ(read_event(reg, id1, 0), m - 1);
	EXPECT_EQ(depth_of(l2, obs), m);
	EXPECT_RET(post_parent(l2, m, NULL), ELOOP);
	/* An empty read ends it: top-level posts work again. */
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), -EAGAIN);
	ASSERT_OK(post_top(l2, &seq));
	EXPECT_EQ(seq, first + 3 + 1);
	expect_one(obs, seq, 0);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * 6. Ping-pong: worker X reads line A and posts on line B, worker Y reads
 * B and posts on A, one event for one event, handling each by read() alone
 * (or naming a parent of 0, which must not help).  Each chain started by
 * one top-level post ends with exactly one ELOOP after max_depth + 1
 * posts; nothing loops on.
 */
struct pp_shared {
	int posts;		/* successful posts, the starters included */
	int eloops;
	int deepest;		/* the deepest depth read */
	int done;
	int bad;		/* a record out of order, an unexpected error */
	int worker_posts[2], worker_eloops[2];
};

struct pp_msg {
	uint32_t chain;
	uint32_t step;		/* its depth, as its poster counts */
};

struct pp_worker {
	struct pp_shared *sh;
	int idx, in, out, nchains;
	unsigned int m, post_flags;
};

static void pp_post_msg(int fd, const struct pp_msg *msg,
			unsigned int flags, long *ret)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.flags = flags,
		.type = T_EVENT,
		.payload_len = sizeof(*msg),
		.payload = (uintptr_t)msg,
	};

	*ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);
}

static void pp_note_depth(struct pp_shared *sh, int depth)
{
	int cur = __atomic_load_n(&sh->deepest, __ATOMIC_RELAXED);

	while (cur < depth &&
	       !__atomic_compare_exchange_n(&sh->deepest, &cur, depth, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void *pp_worker_fn(void *p)
{
	struct pp_worker *w = p;
	struct pp_shared *sh = w->sh;
	uint64_t buf[BUF_SIZE / 8];
	const struct eventline_record *rec = (const void *)buf;
	uint64_t deadline = tu_now_ns() + 15ULL * 1000000000;
	/* Far more than a bounded chain can take. */
	int cap = 4 * w->nchains * (w->m + 2);
	struct pp_msg msg;

	while (!__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = { .fd = w->in, .events = POLLIN };
		long ret;
		ssize_t n;

		if (tu_now_ns() > deadline) {
			tap_diag("worker %d: no end after 15 s", w->idx);
			__atomic_store_n(&sh->bad, 1, __ATOMIC_RELEASE);
			break;
		}
		if (poll(&pfd, 1, 20) <= 0)
			continue;
		/* Exactly one record. */
		n = read_reg(w->in, buf, TU_REC_SIZE(sizeof(msg)));
		if (n == -EAGAIN)
			continue;
		if (n != (ssize_t)TU_REC_SIZE(sizeof(msg)) ||
		    rec->category != EVENTLINE_CAT_LINE) {
			tap_diag("worker %d: read %zd", w->idx, n);
			__atomic_store_n(&sh->bad, 1, __ATOMIC_RELEASE);
			break;
		}
		memcpy(&msg, tu_payload(rec), sizeof(msg));
		if (rec->depth != msg.step) {
			tap_diag("worker %d: chain %u step %u has depth %u",
				 w->idx, msg.chain, msg.step, rec->depth);
			__atomic_store_n(&sh->bad, 1, __ATOMIC_RELEASE);
		}
		pp_note_depth(sh, rec->depth);
		msg.step++;
		pp_post_msg(w->out, &msg, w->post_flags, &ret);
		if (!ret) {
			__atomic_fetch_add(&sh->worker_posts[w->idx], 1,
					   __ATOMIC_RELAXED);
			if (__atomic_add_fetch(&sh->posts, 1,
					       __ATOMIC_RELAXED) > cap) {
				tap_diag("worker %d: over %d posts", w->idx,
					 cap);
				__atomic_store_n(&sh->bad, 1,
						 __ATOMIC_RELEASE);
				break;
			}
		} else if (ret == -ELOOP) {
			if (msg.step != w->m + 1) {
				tap_diag("worker %d: ELOOP at step %u",
					 w->idx, msg.step);
				__atomic_store_n(&sh->bad, 1,
						 __ATOMIC_RELEASE);
			}
			__atomic_fetch_add(&sh->worker_eloops[w->idx], 1,
					   __ATOMIC_RELAXED);
			if (__atomic_add_fetch(&sh->eloops, 1,
					       __ATOMIC_RELAXED) ==
			    w->nchains)
				__atomic_store_n(&sh->done, 1,
						 __ATOMIC_RELEASE);
		} else {
			tap_diag("worker %d: post: %s", w->idx,
				 tap_errname((int)-ret));
			__atomic_store_n(&sh->bad, 1, __ATOMIC_RELEASE);
			break;
		}
	}
	/* A worker that gives up stops the other one too. */
	__atomic_store_n(&sh->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void pingpong(int nchains, bool processes, unsigned int post_flags)
{
	uint64_t buf[BUF_SIZE / 8], ida, idb;
	struct pp_shared *sh;
	struct pp_worker w[2];
	int ctl = tu_open_ctl();
	unsigned int m = max_depth(ctl);
	int la = line_new(ctl, &ida), lb = line_new(ctl, &idb);
	int rx = ASSERT_OK(reg_create(ctl, 64, EVENTLINE_FD_NONBLOCK, 0, 0));
	int ry = ASSERT_OK(reg_create(ctl, 64, EVENTLINE_FD_NONBLOCK, 0, 0));
	struct pp_msg msg = { 0, 0 };
	int i, c, chain_eloops[2] = { 0, 0 };
	long ret;

	/* A guard beside the harness's: a livelock must not outlive us. */
	alarm(25);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	ASSERT_OK(tu_subscribe(rx, ida, NULL));
	ASSERT_OK(tu_subscribe(ry, idb, NULL));
	/* X reads A, posts on B; Y reads B, posts on A. */
	w[0] = (struct pp_worker){ sh, 0, rx, lb, nchains, m, post_flags };
	w[1] = (struct pp_worker){ sh, 1, ry, la, nchains, m, post_flags };

	/* The starters: chain 0 on A, chain 1 on B, top-level. */
	for (c = 0; c < nchains; c++) {
		msg.chain = c;
		pp_post_msg(c ? lb : la, &msg, 0, &ret);
		ASSERT_OK(ret);
		sh->posts++;
	}

	if (processes) {
		pid_t pid[2];

		for (i = 0; i < 2; i++) {
			pid[i] = tu_fork();
			if (!pid[i]) {
				pp_worker_fn(&w[i]);
				tap_child_exit();
			}
		}
		for (i = 0; i < 2; i++)
			tu_wait_ok(pid[i]);
	} else {
		pthread_t t[2];

		for (i = 0; i < 2; i++)
			ASSERT_EQ(pthread_create(&t[i], NULL, pp_worker_fn,
						 &w[i]), 0);
		for (i = 0; i < 2; i++)
			ASSERT_EQ(pthread_join(t[i], NULL), 0);
	}
	alarm(0);

	EXPECT_EQ(sh->bad, 0);
	EXPECT_EQ(sh->posts, nchains * (int)(m + 1));
	EXPECT_EQ(sh->eloops, nchains);
	EXPECT_EQ(sh->deepest, m);
	/*
	 * Chain 0 (from A) posts depth d on B when d is odd, so its
	 * max_depth + 1 falls to X (who posts on B) when that is odd;
	 * chain 1 the other way round.
	 */
	chain_eloops[(m + 1) % 2 ? 0 : 1]++;
	if (nchains > 1)
		chain_eloops[(m + 1) % 2 ? 1 : 0]++;
	EXPECT_EQ(sh->worker_eloops[0], chain_eloops[0]);
	EXPECT_EQ(sh->worker_eloops[1], chain_eloops[1]);
	EXPECT_EQ(sh->worker_posts[0] + sh->worker_posts[1],
		  nchains * (int)m);
	/* Nothing is left moving. */
	tu_msleep(50);
	EXPECT_EQ(read_reg(rx, buf, sizeof(buf)), -EAGAIN);
	EXPECT_EQ(read_reg(ry, buf, sizeof(buf)), -EAGAIN);
	munmap(sh, sizeof(*sh));
	close(rx);
	close(ry);
	close(la);
	close(lb);
	close(ctl);
}

/* Two processes, one chain. */
static void test_pingpong_processes(void)
{
	pingpong(1, true, 0);
}

/* Two threads, two chains at once: each worker meets one ELOOP. */
static void test_pingpong_threads(void)
{
	pingpong(2, false, 0);
}

/* Handlers that name a shallower parent than they handle stop all the same. */
static void test_pingpong_lying_parent(void)
{
	pingpong(2, true, EVENTLINE_POST_PARENT);
}

/*
 * 7. A depth filter of 2..2 queues only depth 2; what it skips is not
 * lost (a queue of two, many events skipped, no OVERFLOW), and META
 * records always come.  A filter of 0..1 queues depths 0 and 1.
 */
static void test_depth_filter(void)
{
	uint64_t buf[BUF_SIZE / 8], id, seq2[2], seq01[4];
	const struct eventline_record *rec = (const void *)buf;
	struct eventline_sub_info si;
	int ctl = tu_open_ctl();
	int line = line_new(ctl, &id);
	int f22 = ASSERT_OK(reg_create(ctl, 2, EVENTLINE_FD_NONBLOCK |
				       EVENTLINE_REGISTER_DEPTH_FILTER, 2, 2));
	int f01 = ASSERT_OK(reg_create(ctl, 4, EVENTLINE_FD_NONBLOCK |
				       EVENTLINE_REGISTER_DEPTH_FILTER, 0, 1));
	int all = ASSERT_OK(reg_create(ctl, 256, EVENTLINE_FD_NONBLOCK, 0, 0));
	int round, d, n2 = 0, n01 = 0, nall = 0;

	need_depth(ctl, 4);

	ASSERT_OK(tu_subscribe(f22, id, NULL));
	ASSERT_OK(tu_subscribe(f01, id, NULL));
	ASSERT_OK(tu_subscribe(all, id, NULL));
	/* Depths 0..4, ten rounds; depth 2 and 0..1 only in rounds 3, 7. */
	for (round = 0; round < 10; round++) {
		for (d = 0; d <= 4; d++) {
			uint64_t seq = 0;
			bool wanted = round == 3 || round == 7;

			if ((d == 2 || d <= 1) && !wanted)
				continue;
			if (d)
				ASSERT_OK(post_parent(line, d - 1, &seq));
			else
				ASSERT_OK(post_top(line, &seq));
			nall++;
			if (d == 2)
				seq2[n2++] = seq;
			else if (d <= 1)
				seq01[n01++] = seq;
		}
	}
	ASSERT_EQ(n2, 2);
	ASSERT_EQ(n01, 4);

	ASSERT_EQ(read_aside(f22, buf, sizeof(buf)), 2 * REC0);
	for (d = 0; d < 2; d++) {
		EXPECT_EQ(rec[d].category, EVENTLINE_CAT_LINE);
		EXPECT_EQ(rec[d].depth, 2);
		EXPECT_EQ(rec[d].seq, seq2[d]);
	}
	/* No loss to report. */
	expect_empty(f22);
	my_sub(f22, id, &si);
	EXPECT_EQ(si.delivered, 2);
	EXPECT_EQ(si.lost, 0);
	EXPECT_EQ(si.overflows, 0);

	ASSERT_EQ(read_aside(f01, buf, sizeof(buf)), 4 * REC0);
	for (d = 0; d < 4; d++) {
		EXPECT_EQ(rec[d].seq, seq01[d]);
		EXPECT_EQ(rec[d].depth, d % 2);
	}
	expect_empty(f01);
	my_sub(f01, id, &si);
	EXPECT_EQ(si.delivered, 4);
	EXPECT_EQ(si.lost, 0);

	ASSERT_EQ(read_aside(all, buf, sizeof(buf)), nall * REC0);

	/* META records pass any filter. */
	close(line);
	ASSERT_EQ(read_aside(f22, buf, sizeof(buf)), REC0);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id));
	EXPECT_EQ(read_aside(f22, buf, sizeof(buf)), 0);
	ASSERT_EQ(read_aside(f01, buf, sizeof(buf)), REC0);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id));
	close(f22);
	close(f01);
	close(all);
	close(ctl);
}

/* 7. The filter's arguments. */
static void test_depth_filter_args(void)
{
	uint64_t buf[BUF_SIZE / 8], id;
	const struct eventline_record *rec = (const void *)buf;
	const unsigned int df = EVENTLINE_REGISTER_DEPTH_FILTER;
	int ctl = tu_open_ctl();
	int line = line_new(ctl, &id);
	int reg;

	EXPECT_RET(reg_create(ctl, 0, df, 3, 2), EINVAL);
	EXPECT_RET(reg_create(ctl, 0, df, 0xffff, 0), EINVAL);
	EXPECT_RET(reg_create(ctl, 0, 0, 1, 0), EINVAL);
	EXPECT_RET(reg_create(ctl, 0, 0, 0, 1), EINVAL);
	EXPECT_RET(reg_create(ctl, 0, 0, 2, 2), EINVAL);

	/* 0..0: top-level events only. */
	reg = ASSERT_OK(reg_create(ctl, 0, df | EVENTLINE_FD_NONBLOCK, 0, 0));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	ASSERT_OK(post_parent(line, 0, NULL));
	ASSERT_OK(post_top(line, NULL));
	ASSERT_EQ(read_aside(reg, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 0);
	EXPECT_EQ(rec->seq, 2);
	close(reg);

	/* The widest range takes everything. */
	reg = ASSERT_OK(reg_create(ctl, 0, df | EVENTLINE_FD_NONBLOCK, 0,
				   0xffff));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	ASSERT_OK(post_parent(line, 0, NULL));
	ASSERT_OK(post_top(line, NULL));
	ASSERT_EQ(read_aside(reg, buf, sizeof(buf)), 2 * REC0);
	EXPECT_EQ(rec[0].depth, 1);
	EXPECT_EQ(rec[1].depth, 0);
	close(reg);

	/* The first version of the struct (16 bytes) holds the range. */
	{
		struct eventline_register_create rc = {
			.size = EVENTLINE_REGISTER_CREATE_SIZE_VER0,
			.flags = EVENTLINE_FD_NONBLOCK,
			.min_depth = 1,
			.max_depth = 1,
		};

		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc),
			   EINVAL);
		rc.flags |= df;
		reg = ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE,
					 &rc));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		ASSERT_OK(post_top(line, NULL));
		ASSERT_OK(post_parent(line, 1, NULL));
		ASSERT_OK(post_parent(line, 0, NULL));
		ASSERT_EQ(read_aside(reg, buf, sizeof(buf)), REC0);
		EXPECT_EQ(rec->depth, 1);
		EXPECT_EQ(rec->seq, 7);
		close(reg);
	}
	close(line);
	close(ctl);
}

/* The two mappings of a register, just what a mapped read needs. */
struct map {
	long pg;
	struct eventline_ring_consumer *cons;
	void *ring;
	size_t ring_len;
	const struct eventline_ring_producer *prod;
	const unsigned char *data;
};

static void map_reg(struct map *mp, int fd)
{
	void *p;

	mp->pg = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, mp->pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 EVENTLINE_MMAP_CONSUMER_PGOFF * mp->pg);
	ASSERT_TRUE(p != MAP_FAILED);
	mp->cons = p;
	p = mmap(NULL, mp->pg, PROT_READ, MAP_SHARED, fd,
		 EVENTLINE_MMAP_RING_PGOFF * mp->pg);
	ASSERT_TRUE(p != MAP_FAILED);
	mp->ring_len = mp->pg + 2 * (size_t)
		((const struct eventline_ring_producer *)p)->size;
	munmap(p, mp->pg);
	mp->ring = mmap(NULL, mp->ring_len, PROT_READ, MAP_SHARED, fd,
			EVENTLINE_MMAP_RING_PGOFF * mp->pg);
	ASSERT_TRUE(mp->ring != MAP_FAILED);
	mp->prod = mp->ring;
	mp->data = (const unsigned char *)mp->ring + mp->pg;
}

/* Take the next record through the mapping into @out. */
static void map_take(struct map *mp, struct eventline_record *out)
{
	uint32_t prod = __atomic_load_n(&mp->prod->pos, __ATOMIC_ACQUIRE);
	uint32_t pos = mp->cons->pos;
	const struct eventline_record *rec;

	ASSERT_NE(prod, pos);
	rec = (const void *)(mp->data + (pos & (mp->prod->size - 1)));
	ASSERT_EQ(rec->size, REC0);
	memcpy(out, rec, sizeof(*out));
	__atomic_store_n(&mp->cons->pos, pos + rec->size, __ATOMIC_RELEASE);
}

/*
 * 8. A mapped read is not a read(): it neither starts nor ends handling.
 * A mapped reader names its parent with EVENTLINE_POST_PARENT.
 */
static void test_mapped_reader(void)
{
	struct eventline_record rec;
	uint64_t buf[BUF_SIZE / 8], id1, id2;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = ASSERT_OK(tu_register_create_ring(ctl, 16, 4096,
						    EVENTLINE_FD_NONBLOCK));
	int obs = reg_on(ctl, id2);
	struct pollfd pfd = { .fd = reg, .events = POLLIN };
	struct map mp;

	need_depth(ctl, 6);
	ASSERT_OK(tu_subscribe(reg, id1, NULL));
	map_reg(&mp, reg);

	ASSERT_OK(post_parent(l1, 2, NULL));
	map_take(&mp, &rec);
	EXPECT_EQ(rec.depth, 3);
	EXPECT_EQ(depth_of(l2, obs), 0);
	EXPECT_EQ(depth_of_ex(l2, obs, EVENTLINE_POST_PARENT, rec.depth), 4);

	/* Handling 5 by read(); a mapped read of depth 1 leaves it so. */
	ASSERT_OK(post_parent(l1, 4, NULL));
	ASSERT_OK(post_parent(l1, 0, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), 5);
	map_take(&mp, &rec);
	EXPECT_EQ(rec.depth, 1);
	EXPECT_EQ(depth_of(l2, obs), 6);
	/* Nor does poll() on the empty ring end it; read() does. */
	EXPECT_EQ(poll(&pfd, 1, 0), 0);
	EXPECT_EQ(depth_of(l2, obs), 6);
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), -EAGAIN);
	EXPECT_EQ(depth_of(l2, obs), 0);
	munmap(mp.cons, mp.pg);
	munmap(mp.ring, mp.ring_len);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * io_uring, with the raw system calls (no liburing, so this builds for
 * -m32 too): one SQE submitted and waited for at a time.
 */
struct uring {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len, sqes_len;
};

static void uring_init(struct uring *u)
{
	struct io_uring_params p;
	void *ptr;

	memset(&p, 0, sizeof(p));
	u->fd = syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		tap_skip("io_uring_setup: %s", tap_errname(errno));
	u->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	u->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (u->cq_len > u->sq_len)
			u->sq_len = u->cq_len;
		u->cq_len = u->sq_len;
	}
	ptr = mmap(NULL, u->sq_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQ_RING);
	ASSERT_TRUE(ptr != MAP_FAILED);
	u->sq_ptr = ptr;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		u->cq_ptr = ptr;
	} else {
		u->cq_ptr = mmap(NULL, u->cq_len, PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_POPULATE, u->fd,
				 IORING_OFF_CQ_RING);
		ASSERT_TRUE(u->cq_ptr != MAP_FAILED);
	}
	u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	ptr = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_POPULATE, u->fd, IORING_OFF_SQES);
	ASSERT_TRUE(ptr != MAP_FAILED);
	u->sqes = ptr;
	u->sq_tail = (void *)((char *)u->sq_ptr + p.sq_off.tail);
	u->sq_mask = (void *)((char *)u->sq_ptr + p.sq_off.ring_mask);
	u->sq_array = (void *)((char *)u->sq_ptr + p.sq_off.array);
	u->cq_head = (void *)((char *)u->cq_ptr + p.cq_off.head);
	u->cq_tail = (void *)((char *)u->cq_ptr + p.cq_off.tail);
	u->cq_mask = (void *)((char *)u->cq_ptr + p.cq_off.ring_mask);
	u->cqes = (void *)((char *)u->cq_ptr + p.cq_off.cqes);
}

static void uring_fini(struct uring *u)
{
	munmap(u->sqes, u->sqes_len);
	if (u->cq_ptr != u->sq_ptr)
		munmap(u->cq_ptr, u->cq_len);
	munmap(u->sq_ptr, u->sq_len);
	close(u->fd);
}

/* Submit @sqe and wait for its CQE: its res. */
static int uring_run(struct uring *u, const struct io_uring_sqe *sqe)
{
	unsigned int tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	long ret;
	int res;

	u->sqes[idx] = *sqe;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	do {
		ret = syscall(__NR_io_uring_enter, u->fd, 1, 1,
			      IORING_ENTER_GETEVENTS, NULL, 0);
	} while (ret < 0 && errno == EINTR);
	ASSERT_EQ(ret, 1);
	head = *u->cq_head;
	ASSERT_NE(head, __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE));
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/* POST through IORING_OP_URING_CMD; @sqe_flags such as IOSQE_ASYNC. */
static int uring_post(struct uring *u, int fd, unsigned int flags,
		      unsigned int parent, unsigned int sqe_flags)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.flags = flags,
		.type = T_EVENT,
		.parent_depth = parent,
	};
	struct eventline_uring_cmd cmd = { .arg = (uintptr_t)&p };
	struct io_uring_sqe sqe;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_URING_CMD;
	sqe.fd = fd;
	sqe.flags = sqe_flags;
	sqe.cmd_op = EVENTLINE_IOC_POST;
	memcpy(sqe.cmd, &cmd, sizeof(cmd));
	return uring_run(u, &sqe);
}

/*
 * 5. Through io_uring, issued inline: a post deeper than max_depth is
 * ELOOP and posts nothing; the submitting thread's handling counts.
 */
static void test_uring_limit(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2, seq, next;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2);
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	struct uring u;

	uring_init(&u);
	ASSERT_OK(post_top(l2, &seq));
	expect_one(obs, seq, 0);
	EXPECT_EQ(uring_post(&u, l2, EVENTLINE_POST_PARENT, m, 0), -ELOOP);
	expect_empty(obs);
	EXPECT_EQ(uring_post(&u, l2, EVENTLINE_POST_PARENT, m - 1, 0), 0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, m);
	EXPECT_EQ(rec->seq, seq + 1);

	/* Handling m - 1: one more level, then ELOOP. */
	ASSERT_OK(post_parent(l1, m - 2, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), m - 1);
	EXPECT_EQ(uring_post(&u, l2, 0, 0, 0), 0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, m);
	ASSERT_OK(post_parent(l1, m - 1, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), m);
	EXPECT_EQ(uring_post(&u, l2, 0, 0, 0), -ELOOP);
	expect_empty(obs);
	EXPECT_EQ(read_reg(reg, buf, sizeof(buf)), -EAGAIN);
	ASSERT_OK(post_top(l2, &next));
	EXPECT_EQ(next, seq + 3);
	uring_fini(&u);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/*
 * io_uring, forced to a worker thread (IOSQE_ASYNC): the post is still
 * the submitter's, so it may not be shallower than what the submitter is
 * handling ("a post can never be shallower than the kernel knows it is").
 */
static void test_uring_async(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	struct uring u;

	need_depth(ctl, 4);

	uring_init(&u);
	/* Handling nothing: async or not, top-level, or as the parent says. */
	EXPECT_EQ(uring_post(&u, l2, 0, 0, IOSQE_ASYNC), 0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 0);
	EXPECT_EQ(uring_post(&u, l2, EVENTLINE_POST_PARENT, 2, IOSQE_ASYNC),
		  0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 3);

	/*
	 * Handling 3 by read(): a post io_uring issues at once is 4; one
	 * it hands to a worker is the worker's, which handles nothing, as
	 * the header says, unless it names its parent.
	 */
	ASSERT_OK(post_parent(l1, 2, NULL));
	EXPECT_EQ(read_event(reg, id1, 0), 3);
	EXPECT_EQ(uring_post(&u, l2, 0, 0, 0), 0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 4);
	EXPECT_EQ(uring_post(&u, l2, 0, 0, IOSQE_ASYNC), 0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 0);
	EXPECT_EQ(uring_post(&u, l2, EVENTLINE_POST_PARENT, 3, IOSQE_ASYNC),
		  0);
	ASSERT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
	EXPECT_EQ(rec->depth, 4);
	uring_fini(&u);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

/* IORING_OP_READ of @reg into @buf: the CQE's res. */
static int uring_read(struct uring *u, int reg, void *buf, unsigned int len,
		      unsigned int sqe_flags)
{
	struct io_uring_sqe sqe;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = reg;
	sqe.flags = sqe_flags;
	sqe.addr = (uintptr_t)buf;
	sqe.len = len;
	sqe.off = (uint64_t)-1;
	return uring_run(u, &sqe);
}

/*
 * io_uring's worker threads read and post for the submitter: a read that
 * a worker did (IOSQE_ASYNC) may not make a later top-level post, issued
 * through the same ring, nested or ELOOP.
 */
static void test_uring_worker_read(void)
{
	uint64_t buf[BUF_SIZE / 8], id1, id2;
	const struct eventline_record *rec = (const void *)buf;
	int ctl = tu_open_ctl();
	unsigned int m = need_depth(ctl, 2);
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	int i;
	struct uring u;

	uring_init(&u);
	ASSERT_OK(post_parent(l1, m - 1, NULL));
	ASSERT_EQ(uring_read(&u, reg, buf, sizeof(buf), IOSQE_ASYNC), REC0);
	EXPECT_EQ(rec->depth, m);
	/* The submitter read nothing itself, and names no parent. */
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(uring_post(&u, l2, 0, 0, IOSQE_ASYNC), 0);
		EXPECT_EQ(read_aside(obs, buf, sizeof(buf)), REC0);
		EXPECT_EQ(rec->depth, 0);
	}
	EXPECT_EQ(depth_of(l2, obs), 0);
	uring_fini(&u);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

struct reader_job {
	int reg;
	uint64_t id;
	unsigned int want;
};

static void *reader_job_fn(void *p)
{
	struct reader_job *j = p;

	EXPECT_EQ(read_event(j->reg, j->id, 0), j->want);
	return NULL;
}

/*
 * Many threads that read an event and exit while handling it: the kernel
 * forgets them (it reaps their state as its table grows) without
 * disturbing the threads still handling, and new threads post at depth 0.
 */
static void test_many_threads(void)
{
	uint64_t id1, id2;
	int ctl = tu_open_ctl();
	int l1 = line_new(ctl, &id1), l2 = line_new(ctl, &id2);
	int reg = reg_on(ctl, id1), obs = reg_on(ctl, id2);
	struct reader_job j = { .reg = reg, .id = id1, .want = 2 };
	struct handler h = { .depth = 3 };
	struct poster b = { .l2 = l2, .obs = obs };
	pthread_t a;
	int i;

	need_depth(ctl, 4);

	/* A handler of depth 3 that stays across everything below. */
	h.l1 = l1;
	h.l2 = l2;
	h.id1 = id1;
	h.reg = reg;
	h.obs = obs;
	ASSERT_EQ(sem_init(&h.go, 0, 0), 0);
	ASSERT_EQ(sem_init(&h.done, 0, 0), 0);
	ASSERT_OK(post_parent(l1, 2, NULL));
	ASSERT_EQ(pthread_create(&a, NULL, handler_fn, &h), 0);
	while (sem_wait(&h.done))
		;
	EXPECT_EQ(h.got[0], 4);

	/* Well past the table's first reap (256 entries). */
	for (i = 0; i < 600; i++) {
		ASSERT_OK(post_parent(l1, 1, NULL));
		in_thread(reader_job_fn, &j);
	}
	for (i = 0; i < 8; i++) {
		b.got = 99;
		in_thread(poster_fn, &b);
		EXPECT_EQ(b.got, 0);
	}
	EXPECT_EQ(depth_of(l2, obs), 0);
	sem_post(&h.go);
	ASSERT_EQ(pthread_join(a, NULL), 0);
	EXPECT_EQ(h.got[1], 4);
	close(reg);
	close(obs);
	close(l1);
	close(l2);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_info),
	TAP_TEST(test_top_level),
	TAP_TEST(test_handling_chain),
	TAP_TEST(test_line_closed_ends),
	TAP_TEST(test_overflow_ends),
	TAP_TEST(test_failed_read_ends),
	TAP_TEST(test_deepest_of_several),
	TAP_TEST(test_per_thread),
	TAP_TEST(test_fork),
	TAP_TEST(test_explicit_parent),
	TAP_TEST(test_batch_parent),
	TAP_TEST(test_limit),
	TAP_TEST_TIMEOUT(test_pingpong_processes, 40),
	TAP_TEST_TIMEOUT(test_pingpong_threads, 40),
	TAP_TEST_TIMEOUT(test_pingpong_lying_parent, 40),
	TAP_TEST(test_depth_filter),
	TAP_TEST(test_depth_filter_args),
	TAP_TEST(test_mapped_reader),
	TAP_TEST(test_uring_limit),
	TAP_TEST(test_uring_async),
	TAP_TEST(test_exec),
	TAP_TEST(test_uring_worker_read),
	/* Last: it makes the kernel reap its table. */
	TAP_TEST_TIMEOUT(test_many_threads, 60),
};

TAP_MAIN(tests)
