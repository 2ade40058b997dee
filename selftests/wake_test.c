// SPDX-License-Identifier: GPL-2.0
/*
 * wake_test - when a register wakes its reader.
 *
 * The designed rule (uapi header, REGISTER_CREATE flags): a delivery wakes
 * the reader only when the reader is *armed*, i.e. has caught up: a read()
 * left the ring empty or returned EAGAIN, or a poll() found nothing ready
 * (a fresh register is armed).  So an edge-triggered epoll user gets one
 * event per catch-up, not one per post, and must read until EAGAIN (or
 * until a read leaves nothing) before waiting again.
 * EVENTLINE_REGISTER_WAKE_ALWAYS wakes on every delivery instead.
 * wakeup_records=N holds wake-ups and poll readiness back until N events
 * are queued; LINE_CLOSED, OVERFLOW and end of stream are always ready.
 *
 * Positive waits are long (TCG guests are slow).  A check that something
 * did NOT happen waits a short while: on a correct kernel it cannot
 * happen at all, so a slow guest can only make such a check pass, never
 * fail spuriously.  Blocked readers are always released by the post or
 * close that should wake them, and what they return is checked exactly.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define PAYLOAD		8
#define REC		TU_REC_SIZE(PAYLOAD)
#define META_REC	TU_REC_SIZE(0)
#define LONG_MS		20000	/* for what must happen */
#define SHORT_MS	300	/* for what must not */

struct fixture {
	struct eventline_info info;
	int ctl, owner;
	uint64_t id;
	uint64_t posted;
};

static void setup(struct fixture *f)
{
	f->ctl = tu_open_ctl();
	tu_get_info(f->ctl, &f->info);
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, 0600, 0, &f->id));
	f->posted = 0;
}

/* REGISTER_CREATE with every field; the register fd or -errno. */
static int reg_create_full(int ctl, unsigned int queue_len,
			   unsigned int wakeup_records, unsigned int usec,
			   unsigned int reserved2, unsigned int flags)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = flags,
		.queue_len = queue_len,
		.wakeup_records = wakeup_records,
		.wakeup_usec = usec,
		.__reserved2 = reserved2,
	};

	return tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc);
}

static int reg_create(int ctl, unsigned int queue_len,
		      unsigned int wakeup_records, unsigned int flags)
{
	return reg_create_full(ctl, queue_len, wakeup_records, 0, 0, flags);
}

static int sub_reg(struct fixture *f, unsigned int queue_len,
		   unsigned int wakeup_records, unsigned int flags)
{
	int reg = ASSERT_OK(reg_create(f->ctl, queue_len, wakeup_records,
				       flags));

	ASSERT_OK(tu_subscribe(reg, f->id, NULL));
	return reg;
}

/* Post the next event: its payload is its sequence number. */
struct post_job {
	struct fixture *f;
	uint64_t n, seq;
	int ret;
};

static void *post_thread(void *arg)
{
	struct post_job *j = arg;

	j->ret = tu_post(j->f->owner, j->n % 64, &j->n, sizeof(j->n), &j->seq);
	return NULL;
}

/*
 * Post the next event from a thread of its own, which has read nothing:
 * a top-level post (depth 0), as a separate producer makes.  Posted by the
 * thread that reads, it would be nested in the event that thread read
 * last (see "Nesting" in the uapi header): not what these cases are about.
 */
static void post(struct fixture *f)
{
	struct post_job j = { .f = f, .n = f->posted + 1 };
	pthread_t th;

	ASSERT_EQ(pthread_create(&th, NULL, post_thread, &j), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_OK(j.ret);
	ASSERT_EQ(j.seq, j.n);
	f->posted = j.n;
}

/* Check @len bytes at @buf: events @first.. in order, then @meta. */
static void check_records(struct fixture *f, const unsigned char *buf,
			  ssize_t len, uint64_t first, unsigned int nr,
			  bool line_closed)
{
	unsigned int i;

	ASSERT_EQ(len, (ssize_t)(nr * REC + (line_closed ? META_REC : 0)));
	for (i = 0; i < nr; i++) {
		uint64_t n = first + i;

		if (!tu_check_line_record((const void *)(buf + i * REC), f->id,
					  n % 64, n, &n, PAYLOAD))
			tap_abort();
	}
	if (line_closed)
		tu_check_meta_record((const void *)(buf + nr * REC),
				     EVENTLINE_META_LINE_CLOSED, f->id);
}

/* Read exactly events @first..@first+@nr-1 with one read(). */
static void read_events(struct fixture *f, int reg, uint64_t first,
			unsigned int nr)
{
	unsigned char buf[64 * REC] __attribute__((aligned(8)));
	ssize_t n;

	ASSERT_LE(nr, 64);
	n = read(reg, buf, nr * REC);
	if (n < 0)
		n = -errno;
	check_records(f, buf, n, first, nr, false);
}

static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ASSERT_GE(poll(&p, 1, 0), 0);
	return p.revents;
}

static int epoll_add(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int ep = ASSERT_SYSOK(epoll_create1(EPOLL_CLOEXEC));

	ASSERT_SYSOK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	return ep;
}

/* Events epoll_wait() reports within @ms; the one event goes to @ev. */
static int epoll_events(int ep, int ms, struct epoll_event *ev)
{
	struct epoll_event out[4];
	int n = ASSERT_SYSOK(epoll_wait(ep, out, 4, ms));

	if (n > 0 && ev)
		*ev = out[0];
	return n;
}

static void expect_epoll_event(int ep, int fd, const char *why)
{
	struct epoll_event ev;
	int n = epoll_events(ep, LONG_MS, &ev);

	if (n != 1 || ev.data.fd != fd || !(ev.events & EPOLLIN)) {
		tap_diag("no EPOLLIN event %s (got %d, events %#x)", why, n,
			 n > 0 ? ev.events : 0);
		tap_fail();
	}
}

static void expect_no_epoll_event(int ep, const char *why)
{
	int n = epoll_events(ep, SHORT_MS, NULL);

	if (n) {
		tap_diag("unexpected epoll event %s", why);
		tap_fail();
	}
}

/*
 * A thread blocked in read() on a register.  It tells it has returned
 * through a pipe, so the case can check "not yet" without guessing at
 * timing, and what read() returned is checked afterwards.
 */
struct reader {
	pthread_t th;
	int reg;
	pid_t tid;	/* set by the thread, atomically */
	int done[2];
	size_t len;
	ssize_t ret;
	unsigned char buf[64 * REC] __attribute__((aligned(8)));
};

static void *reader_run(void *arg)
{
	struct reader *r = arg;
	char c = 'r';

	__atomic_store_n(&r->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	r->ret = read(r->reg, r->buf, r->len);
	if (r->ret < 0)
		r->ret = -errno;
	if (write(r->done[1], &c, 1) != 1)
		abort();
	return NULL;
}

/* Start a reader of @len bytes and wait until it sleeps in read(). */
static struct reader *reader_start(int reg, size_t len)
{
	struct reader *r = calloc(1, sizeof(*r));
	int i;

	ASSERT_TRUE(r != NULL);
	ASSERT_LE(len, sizeof(r->buf));
	r->reg = reg;
	r->len = len;
	ASSERT_SYSOK(pipe2(r->done, O_CLOEXEC));
	ASSERT_EQ(pthread_create(&r->th, NULL, reader_run, r), 0);
	for (i = 0; i < 5000 && !__atomic_load_n(&r->tid, __ATOMIC_ACQUIRE); i++)
		tu_msleep(1);
	ASSERT_NE(__atomic_load_n(&r->tid, __ATOMIC_ACQUIRE), 0);
	ASSERT_TRUE(tu_wait_sleeping(r->tid));
	return r;
}

static bool reader_returned(struct reader *r, int ms)
{
	struct pollfd p = { .fd = r->done[0], .events = POLLIN };

	return ASSERT_SYSOK(poll(&p, 1, ms)) == 1;
}

/* The reader must return within LONG_MS; then reap it. */
static void reader_join(struct reader *r)
{
	if (!reader_returned(r, LONG_MS)) {
		tap_diag("blocked reader was not woken");
		tap_abort();
	}
	ASSERT_EQ(pthread_join(r->th, NULL), 0);
}

static void reader_free(struct reader *r)
{
	close(r->done[0]);
	close(r->done[1]);
	free(r);
}

/* A blocked read() on a default register wakes on a post. */
static void test_blocked_read_wakes(void)
{
	struct fixture f;
	struct reader *r;
	int reg;

	setup(&f);
	reg = sub_reg(&f, 0, 0, 0);
	r = reader_start(reg, 8 * REC);
	EXPECT_FALSE(reader_returned(r, SHORT_MS));
	post(&f);
	reader_join(r);
	check_records(&f, r->buf, r->ret, 1, 1, false);
	reader_free(r);
}

/*
 * poll() on an empty register reports nothing; a poller sleeping in
 * poll() is woken by a post and finds it readable.
 */
struct poster_arg {
	struct fixture *f;
	pid_t sleeper;
	bool slept;
};

static void *poster_run(void *arg)
{
	struct poster_arg *p = arg;

	p->slept = tu_wait_sleeping(p->sleeper);
	post(p->f);
	return NULL;
}

static void test_poll_wakes(void)
{
	struct poster_arg pa;
	struct pollfd p;
	struct fixture f;
	pthread_t th;
	int reg;

	setup(&f);
	reg = sub_reg(&f, 0, 0, EVENTLINE_FD_NONBLOCK);
	EXPECT_EQ(poll_now(reg), 0);
	p = (struct pollfd){ .fd = reg, .events = POLLIN };
	EXPECT_EQ(poll(&p, 1, SHORT_MS), 0);

	pa = (struct poster_arg){ .f = &f, .sleeper = getpid() };
	ASSERT_EQ(getpid(), syscall(SYS_gettid));
	ASSERT_EQ(pthread_create(&th, NULL, poster_run, &pa), 0);
	p.revents = 0;
	EXPECT_EQ(poll(&p, 1, LONG_MS), 1);
	EXPECT_EQ(p.revents, POLLIN);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_TRUE(pa.slept);
	/* Level-triggered: still readable until read. */
	EXPECT_EQ(poll_now(reg), POLLIN);
	read_events(&f, reg, 1, 1);
	EXPECT_EQ(poll_now(reg), 0);
}

/*
 * Edge-triggered epoll on a default register: one event when the reader
 * is armed; posting more without catching up gives no new event (the
 * designed rule: the reader has not caught up, so it is not woken again);
 * a read that does not empty the ring does not re-arm; a read that leaves
 * it empty, or reading until EAGAIN, does.
 */
static void test_epoll_et_catch_up(void)
{
	unsigned char buf[8 * REC];
	struct fixture f;
	int reg, ep;

	setup(&f);
	reg = sub_reg(&f, 0, 0, EVENTLINE_FD_NONBLOCK);
	ep = epoll_add(reg, EPOLLIN | EPOLLET);
	EXPECT_EQ(epoll_events(ep, 0, NULL), 0);

	post(&f);				/* 1 */
	expect_epoll_event(ep, reg, "on the first post");
	post(&f);				/* 2 */
	post(&f);				/* 3 */
	expect_no_epoll_event(ep, "on posts after a wake, before any read");

	read_events(&f, reg, 1, 1);		/* 2 and 3 are left */
	post(&f);				/* 4 */
	expect_no_epoll_event(ep, "after a read that left records");

	read_events(&f, reg, 2, 3);		/* leaves the ring empty */
	post(&f);				/* 5 */
	expect_epoll_event(ep, reg, "after a read emptied the ring");

	post(&f);				/* 6 */
	expect_no_epoll_event(ep, "on a post after that wake");
	read_events(&f, reg, 5, 2);
	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
	post(&f);				/* 7 */
	expect_epoll_event(ep, reg, "after reading until EAGAIN");
	read_events(&f, reg, 7, 1);
	close(ep);
}

/*
 * EVENTLINE_REGISTER_WAKE_ALWAYS: edge-triggered epoll gets an event for
 * every post, with nothing read.  A default register on the same line, in
 * an epoll set of its own, gets only the first.
 */
static void test_wake_always(void)
{
	const unsigned int n = 6;
	struct fixture f;
	int always, plain, ep_always, ep_plain;
	unsigned int i;

	setup(&f);
	always = sub_reg(&f, 0, 0, EVENTLINE_FD_NONBLOCK |
			 EVENTLINE_REGISTER_WAKE_ALWAYS);
	plain = sub_reg(&f, 0, 0, EVENTLINE_FD_NONBLOCK);
	ep_always = epoll_add(always, EPOLLIN | EPOLLET);
	ep_plain = epoll_add(plain, EPOLLIN | EPOLLET);

	for (i = 0; i < n; i++) {
		post(&f);
		expect_epoll_event(ep_always, always, "WAKE_ALWAYS post");
		if (!i)
			expect_epoll_event(ep_plain, plain, "first post");
	}
	expect_no_epoll_event(ep_plain, "default register, posts 2..n");
	expect_no_epoll_event(ep_always, "WAKE_ALWAYS, no further post");
	read_events(&f, always, 1, n);
	read_events(&f, plain, 1, n);
	close(ep_always);
	close(ep_plain);
}

/*
 * wakeup_records=N: poll() and epoll report nothing with N-1 events
 * queued, and readiness at N; after the reader drains, the count starts
 * again.  wakeup_records 0 and 1 behave like a default register.
 */
static void test_wakeup_records_poll(void)
{
	const unsigned int n = 4;
	unsigned int i, round, w;
	struct fixture f;
	int reg, ep;

	setup(&f);
	reg = sub_reg(&f, 16, n, EVENTLINE_FD_NONBLOCK);
	ep = epoll_add(reg, EPOLLIN | EPOLLET);
	for (round = 0; round < 2; round++) {
		uint64_t first = f.posted + 1;

		EXPECT_EQ(poll_now(reg), 0);
		for (i = 1; i < n; i++) {
			post(&f);
			EXPECT_EQ(poll_now(reg), 0);
		}
		expect_no_epoll_event(ep, "with N-1 events queued");
		post(&f);
		EXPECT_EQ(poll_now(reg), POLLIN);
		expect_epoll_event(ep, reg, "with N events queued");
		read_events(&f, reg, first, n);
	}
	close(ep);
	close(reg);

	for (w = 0; w <= 1; w++) {
		reg = sub_reg(&f, 16, w, EVENTLINE_FD_NONBLOCK);
		EXPECT_EQ(poll_now(reg), 0);
		post(&f);
		EXPECT_EQ(poll_now(reg), POLLIN);
		read_events(&f, reg, f.posted, 1);
		close(reg);
	}
}

/*
 * wakeup_records=N and a blocking read() on an empty register: it sleeps
 * through N-1 posts and returns all N events after the Nth.
 */
static void test_wakeup_records_blocking_read(void)
{
	const unsigned int n = 5;
	struct fixture f;
	struct reader *r;
	unsigned int i;
	int reg;

	setup(&f);
	reg = sub_reg(&f, 16, n, 0);
	r = reader_start(reg, 16 * REC);
	for (i = 1; i < n; i++)
		post(&f);
	/* Only "has not returned" is asserted, never a time. */
	EXPECT_FALSE(reader_returned(r, SHORT_MS));
	post(&f);
	reader_join(r);
	check_records(&f, r->buf, r->ret, 1, n, false);
	reader_free(r);
}

/*
 * Below wakeup_records, a LINE_CLOSED record is ready at once: for poll(),
 * for a blocked reader, and then end of stream.
 */
static void test_wakeup_records_line_closed(void)
{
	unsigned char buf[8 * REC] __attribute__((aligned(8)));
	struct fixture f;
	struct reader *r;
	int reg, blocked;
	ssize_t got;

	setup(&f);
	reg = sub_reg(&f, 16, 8, EVENTLINE_FD_NONBLOCK);
	blocked = sub_reg(&f, 16, 8, 0);
	r = reader_start(blocked, 16 * REC);
	post(&f);
	post(&f);
	EXPECT_EQ(poll_now(reg), 0);
	EXPECT_FALSE(reader_returned(r, SHORT_MS));

	close(f.owner);
	EXPECT_EQ(poll_now(reg) & POLLIN, POLLIN);
	reader_join(r);
	check_records(&f, r->buf, r->ret, 1, 2, true);
	reader_free(r);

	got = read(reg, buf, sizeof(buf));
	check_records(&f, buf, got < 0 ? -errno : got, 1, 2, true);
	EXPECT_EQ(poll_now(reg), POLLHUP);
	EXPECT_EQ(read(reg, buf, sizeof(buf)), 0);
	EXPECT_EQ(read(blocked, buf, sizeof(buf)), 0);
}

/*
 * Below wakeup_records, losses are ready as well: once the reader has
 * read what was queued, the pending OVERFLOW record is.
 */
static void test_wakeup_records_overflow(void)
{
	unsigned char buf[TU_REC_SIZE(sizeof(struct eventline_overflow))];
	const struct eventline_overflow *o;
	const unsigned int qlen = 4;
	struct fixture f;
	unsigned int i;
	int reg;

	setup(&f);
	reg = sub_reg(&f, qlen, qlen, EVENTLINE_FD_NONBLOCK);
	for (i = 0; i < qlen + 2; i++)
		post(&f);
	EXPECT_EQ(poll_now(reg), POLLIN);
	read_events(&f, reg, 1, qlen);
	/* Nothing queued, 2 lost: ready, and the record says so. */
	EXPECT_EQ(poll_now(reg), POLLIN);
	ASSERT_EQ(read(reg, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	tu_check_meta_record((void *)buf, EVENTLINE_META_OVERFLOW, 0);
	o = tu_payload((void *)buf);
	EXPECT_EQ(o->lost, 2);
	EXPECT_EQ(poll_now(reg), 0);
	/* Queueing resumed, and one event is below the mark again. */
	post(&f);
	EXPECT_EQ(poll_now(reg), 0);
	read_events(&f, reg, f.posted, 1);
}

/* wakeup_records may not exceed the queue length. */
static void test_wakeup_records_limit(void)
{
	struct eventline_info info;
	int ctl, fd;

	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	EXPECT_RET(reg_create(ctl, 8, 9, 0), EINVAL);
	EXPECT_RET(reg_create(ctl, 8, 0xffffffffu, 0), EINVAL);
	EXPECT_RET(reg_create(ctl, 0, info.default_queue_len + 1, 0), EINVAL);
	EXPECT_RET(reg_create(ctl, info.max_queue_len,
			      info.max_queue_len + 1, 0), EINVAL);
	fd = EXPECT_OK(reg_create(ctl, 8, 8, 0));
	close(fd);
	fd = EXPECT_OK(reg_create(ctl, 0, info.default_queue_len, 0));
	close(fd);
}

/*
 * wakeup_usec: below wakeup_records, events still become ready once they
 * have waited that long: a blocked reader gets them, and poll() says so.
 * The limits are checked.  Only "became ready" is asserted, never a time.
 */
static void test_wakeup_usec(void)
{
	struct pollfd pfd;
	struct fixture f;
	struct reader *r;
	int reg;

	setup(&f);
	EXPECT_RET(reg_create_full(f.ctl, 16, 8, 1000001, 0, 0), EINVAL);
	EXPECT_RET(reg_create_full(f.ctl, 16, 8, 1000, 1, 0), EINVAL);

	/* A blocked reader gets 2 events of the 8 it asked for. */
	reg = ASSERT_OK(reg_create_full(f.ctl, 16, 8, 100000, 0, 0));
	ASSERT_OK(tu_subscribe(reg, f.id, NULL));
	r = reader_start(reg, 16 * REC);
	post(&f);
	post(&f);
	reader_join(r);
	check_records(&f, r->buf, r->ret, 1, 2, false);
	reader_free(r);

	/* poll(): not ready at once with one event, ready after the wait. */
	post(&f);
	pfd = (struct pollfd){ .fd = reg, .events = POLLIN };
	ASSERT_EQ(poll(&pfd, 1, LONG_MS), 1);
	EXPECT_EQ(pfd.revents, POLLIN);
	read_events(&f, reg, 3, 1);

	/* Caught up: the next lone event waits its own time again. */
	post(&f);
	pfd = (struct pollfd){ .fd = reg, .events = POLLIN };
	ASSERT_EQ(poll(&pfd, 1, LONG_MS), 1);
	read_events(&f, reg, 4, 1);
	close(reg);
}

/* Wait up to @ms for SIGIO (blocked); its siginfo goes to @si. */
static bool wait_sigio(siginfo_t *si, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	do {
		sig = sigtimedwait(&set, si, &ts);
	} while (sig < 0 && errno == EINTR);
	if (sig < 0) {
		ASSERT_EQ(errno, EAGAIN);
		return false;
	}
	ASSERT_EQ(sig, SIGIO);
	return true;
}

static void expect_sigio(int fd, int code, const char *why)
{
	siginfo_t si;

	if (!wait_sigio(&si, LONG_MS)) {
		tap_diag("no SIGIO %s", why);
		tap_fail();
		return;
	}
	EXPECT_EQ(si.si_fd, fd);
	EXPECT_EQ(si.si_code, code);
}

/*
 * O_ASYNC: SIGIO (with F_SETSIG, carrying the fd and POLL_IN) on the first
 * post after arming; not again until the reader catches up; POLL_HUP when
 * the line closes.
 */
static void test_sigio(void)
{
	unsigned char buf[8 * REC];
	struct fixture f;
	sigset_t set;
	siginfo_t si;
	int reg, fl;

	setup(&f);
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	ASSERT_SYSOK(sigprocmask(SIG_BLOCK, &set, NULL));
	reg = sub_reg(&f, 0, 0, EVENTLINE_FD_NONBLOCK);
	ASSERT_SYSOK(fcntl(reg, F_SETOWN, getpid()));
	ASSERT_SYSOK(fcntl(reg, F_SETSIG, SIGIO));
	fl = ASSERT_SYSOK(fcntl(reg, F_GETFL));
	ASSERT_SYSOK(fcntl(reg, F_SETFL, fl | O_ASYNC));
	EXPECT_FALSE(wait_sigio(&si, 0));

	post(&f);
	expect_sigio(reg, POLL_IN, "on the first post");
	post(&f);
	EXPECT_FALSE(wait_sigio(&si, SHORT_MS));
	read_events(&f, reg, 1, 2);
	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
	post(&f);
	expect_sigio(reg, POLL_IN, "after the reader caught up");
	read_events(&f, reg, 3, 1);

	close(f.owner);
	expect_sigio(reg, POLL_HUP, "when the line closed");
	ASSERT_EQ(read(reg, buf, sizeof(buf)), META_REC);
	tu_check_meta_record((void *)buf, EVENTLINE_META_LINE_CLOSED, f.id);
	EXPECT_EQ(read(reg, buf, sizeof(buf)), 0);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_blocked_read_wakes, 60),
	TAP_TEST_TIMEOUT(test_poll_wakes, 60),
	TAP_TEST_TIMEOUT(test_epoll_et_catch_up, 60),
	TAP_TEST_TIMEOUT(test_wake_always, 60),
	TAP_TEST_TIMEOUT(test_wakeup_records_poll, 60),
	TAP_TEST_TIMEOUT(test_wakeup_records_blocking_read, 60),
	TAP_TEST_TIMEOUT(test_wakeup_records_line_closed, 60),
	TAP_TEST(test_wakeup_records_overflow),
	TAP_TEST(test_wakeup_records_limit),
	TAP_TEST_TIMEOUT(test_wakeup_usec, 60),
	TAP_TEST_TIMEOUT(test_sigio, 60),
};

TAP_MAIN(tests)
