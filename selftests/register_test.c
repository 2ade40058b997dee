// SPDX-License-Identifier: GPL-2.0
/*
 * register_test - registers: queues, reading, waking, overflow, and what a
 * reader sees when its lines close.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define PAYLOAD		8	/* every event here carries a u64 */
#define REC		TU_REC_SIZE(PAYLOAD)

struct fixture {
	struct eventline_info info;
	int ctl, owner, reg;
	uint64_t id;
};

static void setup(struct fixture *f, unsigned int queue_len,
		  unsigned int reg_flags)
{
	f->ctl = tu_open_ctl();
	tu_get_info(f->ctl, &f->info);
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, 0666, 0, &f->id));
	f->reg = ASSERT_OK(tu_register_create(f->ctl, queue_len, reg_flags));
	ASSERT_OK(tu_subscribe(f->reg, f->id, NULL));
}

/* Post event number @n (payload = n) and return its seq. */
static uint64_t post_n(int fd, uint64_t n)
{
	uint64_t seq;

	ASSERT_OK(tu_post(fd, n % 64, &n, sizeof(n), &seq));
	return seq;
}

/* Read one record that must be event @n with sequence number @seq. */
static void read_n(int reg, uint64_t line_id, uint64_t n, uint64_t seq)
{
	unsigned char buf[REC];

	ASSERT_EQ(tu_read_exact(reg, buf, PAYLOAD), REC);
	if (!tu_check_line_record((void *)buf, line_id, n % 64, seq, &n,
				  PAYLOAD))
		tap_abort();
}

static void read_overflow(int reg, uint64_t lost)
{
	unsigned char buf[TU_REC_SIZE(sizeof(struct eventline_overflow))];
	struct eventline_record *rec = (void *)buf;
	struct eventline_overflow ov;

	ASSERT_EQ(tu_read_exact(reg, buf, sizeof(ov)), sizeof(buf));
	if (!tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0))
		tap_abort();
	memcpy(&ov, tu_payload(rec), sizeof(ov));
	EXPECT_EQ(ov.lost, lost);
}

static void read_closed(int reg, uint64_t line_id)
{
	unsigned char buf[TU_REC_SIZE(0) + 64];
	struct eventline_record *rec = (void *)buf;
	ssize_t n;

	n = read(reg, buf, TU_REC_SIZE(0));
	ASSERT_EQ(n, TU_REC_SIZE(0));
	tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, line_id);
	EXPECT_EQ(rec->payload_len, 0);
	EXPECT_EQ(rec->size, TU_REC_SIZE(0));
}

static void expect_empty(int reg)
{
	unsigned char buf[4096];

	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
}

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	ASSERT_SYSOK(poll(&pfd, 1, 0));
	return pfd.revents;
}

static void test_queue_len_limits(void)
{
	struct eventline_info info;
	int ctl = tu_open_ctl();

	tu_get_info(ctl, &info);
	EXPECT_RET(tu_register_create(ctl, info.max_queue_len + 1, 0), EINVAL);
	EXPECT_RET(tu_register_create(ctl, 0xffffffffu, 0), EINVAL);
	EXPECT_OK(tu_register_create(ctl, info.max_queue_len, 0));
	EXPECT_OK(tu_register_create(ctl, 1, 0));
	EXPECT_OK(tu_register_create(ctl, 0, 0));
}

/*
 * Overflow exactness: a queue of Q takes Q events; K more are lost and
 * reported as one OVERFLOW record with lost == K, after the Q; then
 * queueing resumes and the sequence numbers show the gap exactly.
 */
static void test_overflow_exact(void)
{
	const unsigned int Q = 4, K = 3;
	struct fixture f;
	unsigned int i;

	setup(&f, Q, EVENTLINE_FD_NONBLOCK);
	for (i = 1; i <= Q + K; i++)
		EXPECT_EQ(post_n(f.owner, i), i);
	for (i = 1; i <= Q; i++)
		read_n(f.reg, f.id, i, i);
	read_overflow(f.reg, K);
	expect_empty(f.reg);

	/* Delivery resumes, with the lost events' seqs skipped. */
	EXPECT_EQ(post_n(f.owner, 100), Q + K + 1);
	read_n(f.reg, f.id, 100, Q + K + 1);
	expect_empty(f.reg);

	/* A second overflow counts only its own losses. */
	for (i = 0; i < Q + 2; i++)
		post_n(f.owner, 200 + i);
	for (i = 0; i < Q; i++)
		read_n(f.reg, f.id, 200 + i, Q + K + 2 + i);
	read_overflow(f.reg, 2);
	expect_empty(f.reg);
}

/* The default queue holds exactly default_queue_len records. */
static void test_default_queue_len(void)
{
	struct fixture f;
	unsigned int i, q;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	q = f.info.default_queue_len;
	if (q > 20000)
		tap_skip("default_queue_len %u too long to fill here", q);
	for (i = 1; i <= q + 1; i++)
		post_n(f.owner, i);
	for (i = 1; i <= q; i++)
		read_n(f.reg, f.id, i, i);
	read_overflow(f.reg, 1);
	expect_empty(f.reg);
}

/*
 * Losses while the reader is draining: whatever the interleaving, every
 * gap in the sequence numbers must be announced by one OVERFLOW record
 * carrying exactly its size, placed where the gap is, and nothing may be
 * lost silently.
 */
static void test_overflow_interleaved(void)
{
	const unsigned int Q = 5;
	const struct eventline_record *rec;
	struct tu_reader r;
	struct fixture f;
	uint64_t posted = 0, expect_seq = 1, pending_lost = 0;
	uint64_t got = 0, lost = 0;
	unsigned int round;
	int ret;

	setup(&f, Q, EVENTLINE_FD_NONBLOCK);
	/* A small buffer, so each read takes only some of the queue. */
	tu_reader_init(&r, f.reg, 2 * REC);

	for (round = 0; round < 40; round++) {
		unsigned int burst = (round * 7) % (2 * Q) + 1, i;

		for (i = 0; i < burst; i++)
			post_n(f.owner, ++posted);
		/* read one buffer's worth */
		for (i = 0; i < 2; i++) {
			ret = tu_reader_next(&r, &rec);
			if (ret == -EAGAIN)
				break;
			ASSERT_EQ(ret, 1);
			if (rec->category == EVENTLINE_CAT_META) {
				struct eventline_overflow ov;

				ASSERT_EQ(rec->type, EVENTLINE_META_OVERFLOW);
				/* never two markers for one gap */
				EXPECT_EQ(pending_lost, 0);
				memcpy(&ov, tu_payload(rec), sizeof(ov));
				EXPECT_GT(ov.lost, 0);
				pending_lost += ov.lost;
				lost += ov.lost;
				continue;
			}
			/* a gap only right after its overflow record */
			EXPECT_EQ(rec->seq, expect_seq + pending_lost);
			EXPECT_EQ(*(const uint64_t *)tu_payload(rec), rec->seq);
			expect_seq = rec->seq + 1;
			pending_lost = 0;
			got++;
		}
	}
	/* drain */
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		if (rec->category == EVENTLINE_CAT_META) {
			struct eventline_overflow ov;

			ASSERT_EQ(rec->type, EVENTLINE_META_OVERFLOW);
			EXPECT_EQ(pending_lost, 0);
			memcpy(&ov, tu_payload(rec), sizeof(ov));
			pending_lost += ov.lost;
			lost += ov.lost;
			continue;
		}
		EXPECT_EQ(rec->seq, expect_seq + pending_lost);
		expect_seq = rec->seq + 1;
		pending_lost = 0;
		got++;
	}
	EXPECT_EQ(ret, -EAGAIN);
	/* Every post is accounted for: read or reported lost. */
	EXPECT_EQ(got + lost, posted);
	EXPECT_GT(lost, 0);
	tap_diag("posted %llu, read %llu, lost %llu",
		 (unsigned long long)posted, (unsigned long long)got,
		 (unsigned long long)lost);
	tu_reader_fini(&r);
}

/* A buffer too small for the next record: -EINVAL, record kept. */
static void test_read_small_buffer(void)
{
	unsigned char buf[REC];
	struct fixture f;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	post_n(f.owner, 1);
	EXPECT_ERRNO(read(f.reg, buf, REC - 1), EINVAL);
	EXPECT_ERRNO(read(f.reg, buf, sizeof(struct eventline_record)), EINVAL);
	EXPECT_ERRNO(read(f.reg, buf, 1), EINVAL);
	read_n(f.reg, f.id, 1, 1);
	expect_empty(f.reg);
}

/* One read returns as many whole records as fit, never a part. */
static void test_read_batches(void)
{
	unsigned char buf[5 * REC];
	struct fixture f;
	uint64_t i;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	for (i = 1; i <= 5; i++)
		post_n(f.owner, i);
	/* room for 2.5 records: exactly 2 */
	EXPECT_EQ(read(f.reg, buf, 2 * REC + REC / 2), 2 * REC);
	EXPECT_EQ(((struct eventline_record *)buf)->seq, 1);
	EXPECT_EQ(((struct eventline_record *)(buf + REC))->seq, 2);
	/* plenty of room: the remaining 3 */
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 3 * REC);
	for (i = 0; i < 3; i++)
		tu_check_line_record((void *)(buf + i * REC), f.id, (i + 3) % 64,
				     i + 3, &(uint64_t){ i + 3 }, PAYLOAD);
	expect_empty(f.reg);
}

static void test_read_nonblock_empty(void)
{
	unsigned char buf[REC];
	struct fixture f;
	int fl;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	EXPECT_ERRNO(read(f.reg, buf, sizeof(buf)), EAGAIN);

	/* O_NONBLOCK set later with fcntl() works the same. */
	close(f.reg);
	f.reg = ASSERT_OK(tu_register_create(f.ctl, 0, 0));
	fl = ASSERT_SYSOK(fcntl(f.reg, F_GETFL));
	ASSERT_SYSOK(fcntl(f.reg, F_SETFL, fl | O_NONBLOCK));
	EXPECT_ERRNO(read(f.reg, buf, sizeof(buf)), EAGAIN);
}

/* A blocked reader is woken by a post from another process. */
static void test_read_blocking_wakeup(void)
{
	struct fixture f;
	pid_t pid, me = getpid();

	setup(&f, 0, 0);
	pid = tu_fork();
	if (!pid) {
		/* post only once the parent sleeps in read() */
		EXPECT_TRUE(tu_wait_sleeping(me));
		post_n(f.owner, 77);
		tap_child_exit();
	}
	read_n(f.reg, f.id, 77, 1);
	tu_wait_ok(pid);
}

static void on_signal(int sig)
{
	(void)sig;
}

struct kicker {
	pthread_t target;
	volatile int stop;
};

/* Keep signalling until told to stop, so the reader cannot miss it. */
static void *kick(void *arg)
{
	struct kicker *k = arg;

	while (!k->stop) {
		pthread_kill(k->target, SIGUSR1);
		tu_msleep(20);
	}
	return NULL;
}

/* A signal without SA_RESTART interrupts a blocked read: -EINTR. */
static void test_read_eintr(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct kicker k = { .target = pthread_self() };
	unsigned char buf[REC];
	struct fixture f;
	pthread_t th;

	setup(&f, 0, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	ASSERT_SYSOK(sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(pthread_create(&th, NULL, kick, &k), 0);
	EXPECT_ERRNO(read(f.reg, buf, sizeof(buf)), EINTR);
	k.stop = 1;
	pthread_join(th, NULL);

	/* and the register still works */
	post_n(f.owner, 5);
	read_n(f.reg, f.id, 5, 1);
}

/* With SA_RESTART the read resumes and gets the event. */
static void test_read_restart(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct fixture f;
	pid_t pid, me = getpid();

	setup(&f, 0, 0);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	ASSERT_SYSOK(sigaction(SIGUSR1, &sa, NULL));
	pid = tu_fork();
	if (!pid) {
		EXPECT_TRUE(tu_wait_sleeping(me));
		kill(me, SIGUSR1);
		tu_msleep(50);
		EXPECT_TRUE(tu_wait_sleeping(me));
		post_n(f.owner, 6);
		tap_child_exit();
	}
	read_n(f.reg, f.id, 6, 1);
	tu_wait_ok(pid);
}

static void test_poll_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	struct fixture f;
	int ep;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	ep = ASSERT_SYSOK(epoll_create1(EPOLL_CLOEXEC));
	ASSERT_SYSOK(epoll_ctl(ep, EPOLL_CTL_ADD, f.reg, &ev));

	EXPECT_EQ(poll_now(f.reg), 0);
	EXPECT_EQ(epoll_wait(ep, out, 2, 0), 0);

	post_n(f.owner, 1);
	EXPECT_EQ(poll_now(f.reg), POLLIN);
	ASSERT_EQ(epoll_wait(ep, out, 2, 0), 1);
	EXPECT_EQ(out[0].events, EPOLLIN);

	read_n(f.reg, f.id, 1, 1);
	EXPECT_EQ(poll_now(f.reg), 0);
	EXPECT_EQ(epoll_wait(ep, out, 2, 0), 0);
	close(ep);
}

/* A poller sleeping in epoll_wait() is woken by a post. */
static void test_epoll_wakeup(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, out;
	struct fixture f;
	pid_t pid, me = getpid();
	int ep;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	ep = ASSERT_SYSOK(epoll_create1(EPOLL_CLOEXEC));
	ASSERT_SYSOK(epoll_ctl(ep, EPOLL_CTL_ADD, f.reg, &ev));
	pid = tu_fork();
	if (!pid) {
		EXPECT_TRUE(tu_wait_sleeping(me));
		post_n(f.owner, 3);
		tap_child_exit();
	}
	ASSERT_EQ(epoll_wait(ep, &out, 1, -1), 1);
	EXPECT_EQ(out.events, EPOLLIN);
	read_n(f.reg, f.id, 3, 1);
	tu_wait_ok(pid);
}

static void test_subscribe_unsubscribe(void)
{
	struct fixture f;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	EXPECT_RET(tu_subscribe(f.reg, f.id, NULL), EEXIST);
	post_n(f.owner, 1);
	/* the EEXIST did not double the subscription */
	read_n(f.reg, f.id, 1, 1);
	expect_empty(f.reg);

	EXPECT_OK(tu_unsubscribe(f.reg, f.id));
	EXPECT_RET(tu_unsubscribe(f.reg, f.id), ENOENT);
	EXPECT_RET(tu_unsubscribe(f.reg, f.id + 12345), ENOENT);
	post_n(f.owner, 2);
	expect_empty(f.reg);

	/* and one may come back */
	EXPECT_OK(tu_subscribe(f.reg, f.id, NULL));
	post_n(f.owner, 3);
	read_n(f.reg, f.id, 3, 3);
	expect_empty(f.reg);
}

/* max_registers_per_line subscriptions fit; one more is -ENOSPC. */
static void test_registers_per_line_limit(void)
{
	struct fixture f;
	unsigned int i, max;
	int *regs, extra;

	setup(&f, 1, 0);
	max = f.info.max_registers_per_line;
	if (max > 8192)
		tap_skip("max_registers_per_line %u too many to reach here",
			 max);
	tu_raise_nofile(max + 64);
	regs = calloc(max, sizeof(*regs));
	ASSERT_TRUE(regs != NULL);
	/* f.reg is the first subscriber. */
	regs[0] = f.reg;
	for (i = 1; i < max; i++) {
		regs[i] = ASSERT_OK(tu_register_create(f.ctl, 1, 0));
		ASSERT_OK(tu_subscribe(regs[i], f.id, NULL));
	}
	extra = ASSERT_OK(tu_register_create(f.ctl, 1, 0));
	EXPECT_RET(tu_subscribe(extra, f.id, NULL), ENOSPC);
	/* A refused subscription does not use up a place. */
	EXPECT_RET(tu_subscribe(extra, f.id, NULL), ENOSPC);

	/* Leaving makes room, by unsubscribing or closing. */
	EXPECT_OK(tu_unsubscribe(regs[max - 1], f.id));
	EXPECT_OK(tu_subscribe(extra, f.id, NULL));
	EXPECT_RET(tu_subscribe(regs[max - 1], f.id, NULL), ENOSPC);
	close(regs[max - 2]);
	EXPECT_OK(tu_subscribe(regs[max - 1], f.id, NULL));
}

struct blocked_reader {
	int reg;
	pid_t tid;
	volatile int started;
	ssize_t n;
	int err;
	unsigned char buf[4096];
};

static void *blocked_read(void *arg)
{
	struct blocked_reader *b = arg;

	b->tid = syscall(SYS_gettid);
	__atomic_store_n(&b->started, 1, __ATOMIC_RELEASE);
	b->n = read(b->reg, b->buf, sizeof(b->buf));
	b->err = errno;
	return NULL;
}

/*
 * The owner closes while a reader sleeps in read(): the reader wakes with
 * the LINE_CLOSED record, then gets end of file, and poll says POLLHUP.
 */
static void test_close_wakes_reader(void)
{
	struct blocked_reader b = { 0 };
	struct eventline_record *rec = (void *)b.buf;
	struct fixture f;
	unsigned char buf[64];
	pthread_t th;

	setup(&f, 0, 0);
	b.reg = f.reg;
	ASSERT_EQ(pthread_create(&th, NULL, blocked_read, &b), 0);
	while (!__atomic_load_n(&b.started, __ATOMIC_ACQUIRE))
		tu_msleep(1);
	EXPECT_TRUE(tu_wait_sleeping(b.tid));
	EXPECT_EQ(poll_now(f.reg), 0);
	close(f.owner);
	pthread_join(th, NULL);

	ASSERT_EQ(b.n, TU_REC_SIZE(0));
	tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, f.id);
	EXPECT_EQ(rec->payload_len, 0);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(poll_now(f.reg) & POLLHUP, POLLHUP);
	EXPECT_EQ(poll_now(f.reg) & POLLIN, 0);
}

/*
 * A reader blocked after one of its two lines closed is woken with EOF when
 * the other subscription is dropped by UNSUBSCRIBE: no live subscription
 * is left, so the stream has ended even though that line is still open.
 */
static void test_unsubscribe_last_wakes_reader(void)
{
	struct blocked_reader b = { 0 };
	unsigned char buf[64];
	struct fixture f;
	uint64_t id2;
	pthread_t th;
	int owner2;

	setup(&f, 0, 0);
	owner2 = ASSERT_OK(tu_line_create(f.ctl, NULL, 0666, 0, &id2));
	ASSERT_OK(tu_subscribe(f.reg, id2, NULL));
	close(f.owner);
	read_closed(f.reg, f.id);
	EXPECT_EQ(poll_now(f.reg), 0);

	b.reg = f.reg;
	ASSERT_EQ(pthread_create(&th, NULL, blocked_read, &b), 0);
	while (!__atomic_load_n(&b.started, __ATOMIC_ACQUIRE))
		tu_msleep(1);
	EXPECT_TRUE(tu_wait_sleeping(b.tid));
	ASSERT_OK(tu_unsubscribe(f.reg, id2));
	pthread_join(th, NULL);

	EXPECT_EQ(b.n, 0);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(poll_now(f.reg), POLLHUP);
	close(owner2);
}

/*
 * Closing with events queued: they are all still delivered, then
 * LINE_CLOSED, then EOF.  POLLHUP only once everything has been read.
 */
static void test_close_with_queued(void)
{
	unsigned char buf[64];
	struct fixture f;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	post_n(f.owner, 1);
	post_n(f.owner, 2);
	close(f.owner);
	EXPECT_EQ(poll_now(f.reg), POLLIN);
	read_n(f.reg, f.id, 1, 1);
	read_n(f.reg, f.id, 2, 2);
	EXPECT_EQ(poll_now(f.reg), POLLIN);
	read_closed(f.reg, f.id);
	EXPECT_EQ(poll_now(f.reg) & (POLLIN | POLLHUP), POLLHUP);
	/* EOF, not EAGAIN, even non-blocking */
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	/* the subscription ended with the line */
	EXPECT_RET(tu_unsubscribe(f.reg, f.id), ENOENT);
}

/* Closing one register disturbs no other on the same line. */
static void test_close_one_register(void)
{
	struct fixture f;
	int reg2, reg3;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	reg2 = ASSERT_OK(tu_register_create(f.ctl, 0, EVENTLINE_FD_NONBLOCK));
	reg3 = ASSERT_OK(tu_register_create(f.ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(reg2, f.id, NULL));
	ASSERT_OK(tu_subscribe(reg3, f.id, NULL));
	post_n(f.owner, 1);
	/* closed with an unread event queued */
	close(reg2);
	post_n(f.owner, 2);
	read_n(f.reg, f.id, 1, 1);
	read_n(f.reg, f.id, 2, 2);
	read_n(reg3, f.id, 1, 1);
	read_n(reg3, f.id, 2, 2);
	expect_empty(f.reg);
	expect_empty(reg3);
	EXPECT_EQ(poll_now(f.reg), 0);
}

/* Many registers on one line each get every event, in order, intact. */
static void test_many_subscribers(void)
{
	enum { NREG = 64, NPOST = 32 };
	unsigned char payload[NPOST][40];
	struct fixture f;
	int regs[NREG];
	unsigned int i, j;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	if (f.info.max_registers_per_line < NREG)
		tap_skip("max_registers_per_line is %u",
			 f.info.max_registers_per_line);
	regs[0] = f.reg;
	for (i = 1; i < NREG; i++) {
		regs[i] = ASSERT_OK(tu_register_create(f.ctl, NPOST,
						       EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(regs[i], f.id, NULL));
	}
	for (j = 0; j < NPOST; j++) {
		tu_fill(payload[j], sizeof(payload[j]), j);
		ASSERT_OK(tu_post(f.owner, j, payload[j], 8 + j, NULL));
	}
	for (i = 0; i < NREG; i++) {
		unsigned char buf[TU_REC_SIZE(40)];

		for (j = 0; j < NPOST; j++) {
			ASSERT_EQ(tu_read_exact(regs[i], buf, 8 + j),
				  TU_REC_SIZE(8 + j));
			if (!tu_check_line_record((void *)buf, f.id, j, j + 1,
						  payload[j], 8 + j)) {
				tap_diag("register %u, event %u", i, j);
				tap_abort();
			}
		}
		expect_empty(regs[i]);
	}
}

/* One register on two lines gets both; EOF only after both close. */
static void test_two_lines(void)
{
	struct fixture f;
	unsigned char buf[64];
	uint64_t id2;
	int owner2;

	setup(&f, 0, EVENTLINE_FD_NONBLOCK);
	owner2 = ASSERT_OK(tu_line_create(f.ctl, NULL, 0600, 0, &id2));
	ASSERT_OK(tu_subscribe(f.reg, id2, NULL));

	post_n(f.owner, 1);
	post_n(owner2, 2);
	post_n(f.owner, 3);
	read_n(f.reg, f.id, 1, 1);
	read_n(f.reg, id2, 2, 1);
	read_n(f.reg, f.id, 3, 2);

	close(f.owner);
	read_closed(f.reg, f.id);
	/* one line still open: not the end */
	EXPECT_ERRNO(read(f.reg, buf, sizeof(buf)), EAGAIN);
	EXPECT_EQ(poll_now(f.reg), 0);
	post_n(owner2, 4);
	read_n(f.reg, id2, 4, 2);

	close(owner2);
	read_closed(f.reg, id2);
	EXPECT_EQ(read(f.reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(poll_now(f.reg) & POLLHUP, POLLHUP);
}

/* Registers are independent: one overflowing does not affect another. */
static void test_independent_queues(void)
{
	struct fixture f;
	int big;
	unsigned int i;

	setup(&f, 2, EVENTLINE_FD_NONBLOCK);
	big = ASSERT_OK(tu_register_create(f.ctl, 16, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(big, f.id, NULL));
	for (i = 1; i <= 6; i++)
		post_n(f.owner, i);
	read_n(f.reg, f.id, 1, 1);
	read_n(f.reg, f.id, 2, 2);
	read_overflow(f.reg, 4);
	for (i = 1; i <= 6; i++)
		read_n(big, f.id, i, i);
	expect_empty(big);
}

/* The LINE_CLOSED record is delivered even to a full queue. */
static void test_close_full_queue(void)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	struct fixture f;
	bool closed = false;
	uint64_t got = 0, lost = 0;
	int ret;

	setup(&f, 2, EVENTLINE_FD_NONBLOCK);
	post_n(f.owner, 1);
	post_n(f.owner, 2);
	post_n(f.owner, 3);
	close(f.owner);
	tu_reader_init(&r, f.reg, 4096);
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		EXPECT_FALSE(closed);	/* nothing after LINE_CLOSED */
		if (rec->category == EVENTLINE_CAT_LINE) {
			got++;
		} else if (rec->type == EVENTLINE_META_OVERFLOW) {
			lost += ((const struct eventline_overflow *)
				 tu_payload(rec))->lost;
		} else {
			tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED,
					     f.id);
			closed = true;
		}
	}
	EXPECT_EQ(ret, 0);
	EXPECT_TRUE(closed);
	EXPECT_EQ(got, 2);
	EXPECT_EQ(lost, 1);
	tu_reader_fini(&r);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_queue_len_limits),
	TAP_TEST(test_overflow_exact),
	TAP_TEST_TIMEOUT(test_default_queue_len, 60),
	TAP_TEST(test_overflow_interleaved),
	TAP_TEST(test_read_small_buffer),
	TAP_TEST(test_read_batches),
	TAP_TEST(test_read_nonblock_empty),
	TAP_TEST(test_read_blocking_wakeup),
	TAP_TEST(test_read_eintr),
	TAP_TEST(test_read_restart),
	TAP_TEST(test_poll_epoll),
	TAP_TEST(test_epoll_wakeup),
	TAP_TEST(test_subscribe_unsubscribe),
	TAP_TEST_TIMEOUT(test_registers_per_line_limit, 60),
	TAP_TEST(test_close_wakes_reader),
	TAP_TEST(test_close_with_queued),
	TAP_TEST(test_unsubscribe_last_wakes_reader),
	TAP_TEST(test_close_one_register),
	TAP_TEST(test_many_subscribers),
	TAP_TEST(test_two_lines),
	TAP_TEST(test_independent_queues),
	TAP_TEST(test_close_full_queue),
};

TAP_MAIN(tests)
