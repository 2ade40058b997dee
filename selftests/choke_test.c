// SPDX-License-Identifier: GPL-2.0
/*
 * choke_test - choke points (uapi "Choke points").
 *
 * A register whose queue stays at or above choke_percent of its queue_len
 * for choke_msec, while events keep arriving, receives one
 * EVENTLINE_META_CHOKE record per episode (struct eventline_choke: queued,
 * queue_len, arrival and drain rates), written by the delivery that finds
 * it so, after that delivery's events, when the ring has room for it.  An
 * episode ends when a delivery finds the queue below the mark.
 *
 * Timing: detection happens only at a delivery, so every case sleeps
 * twice choke_msec between the delivery that reaches the mark and the one
 * that must find it choked: a slow guest only sleeps longer.  A check that
 * no CHOKE record comes for a stay shorter than choke_msec is made only
 * when the time measured around the posts proves the stay was shorter, and
 * the case retries (then skips that check) when the guest was too slow.
 * Rates are checked exactly against the bounds the record's own timestamp
 * and the events' timestamps give the kernel's elapsed time; no upper
 * bound on time is ever assumed.
 *
 * Posts come from a thread of their own, which reads nothing: top-level
 * posts (see "Nesting"), whatever the main thread read before.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define PARAMS		"/sys/module/eventline/parameters/"
#define CHOKE_REC	TU_REC_SIZE(sizeof(struct eventline_choke))
#define META_RESERVE	72	/* every META record's reservation */
#define LONG_MS		20000	/* for what must happen */
#define NSEC		1000000000ULL

struct fixture {
	int ctl, owner;
	uint64_t id;
	uint64_t posted;	/* last seq posted */
	unsigned int percent, msec;
	/* per seq: CLOCK_MONOTONIC just before the post call and after it */
	uint64_t called[64], returned[64];
};

static unsigned int param(const char *name)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	if (tu_read_ll(path, &v))
		tap_skip("no %s: module without choke points?", path);
	return (unsigned int)v;
}

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->ctl = tu_open_ctl();
	f->percent = param("choke_percent");
	f->msec = param("choke_msec");
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, 0600, 0, &f->id));
}

/* The choke mark of a register of @qlen events. */
static unsigned int mark(const struct fixture *f, unsigned int qlen)
{
	unsigned int m = (unsigned int)((unsigned long long)qlen *
					f->percent / 100);

	return m ? m : 1;
}

static int sub_reg(struct fixture *f, unsigned int qlen,
		   unsigned int ring_size, unsigned int wakeup_records)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = EVENTLINE_FD_NONBLOCK | EVENTLINE_FD_CLOEXEC,
		.queue_len = qlen,
		.ring_size = ring_size,
		.wakeup_records = wakeup_records,
	};
	int reg = ASSERT_OK(tu_ioctl(f->ctl, EVENTLINE_IOC_REGISTER_CREATE,
				     &rc));

	ASSERT_OK(tu_subscribe(reg, f->id, NULL));
	return reg;
}

/* Payload of event @seq: @len bytes derived from it. */
static void payload_of(uint64_t seq, unsigned char *buf, unsigned int len)
{
	tu_fill(buf, len, (unsigned int)seq);
}

struct post_job {
	struct fixture *f;
	unsigned int n, len;
	int ret;
};

static void *post_thread(void *arg)
{
	struct post_job *j = arg;
	struct fixture *f = j->f;
	unsigned char payload[4096];
	unsigned int i;

	for (i = 0; i < j->n; i++) {
		uint64_t want = f->posted + 1, seq = 0;

		payload_of(want, payload, j->len);
		f->called[want % 64] = tu_now_ns();
		j->ret = tu_post(f->owner, want % 64, payload, j->len, &seq);
		f->returned[want % 64] = tu_now_ns();
		if (j->ret < 0)
			return NULL;
		if (seq != want) {
			j->ret = -ERANGE;
			return NULL;
		}
		f->posted = want;
	}
	return NULL;
}

/* Post @n events of @len payload bytes, top-level, one after the other. */
static void post(struct fixture *f, unsigned int n, unsigned int len)
{
	struct post_job j = { .f = f, .n = n, .len = len };
	pthread_t th;

	ASSERT_LE(len, 4096);
	ASSERT_EQ(pthread_create(&th, NULL, post_thread, &j), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_OK(j.ret);
}

/* Everything queued, read with a non-blocking register until EAGAIN. */
struct recs {
	unsigned char buf[64 * 1024] __attribute__((aligned(8)));
	size_t len;
	const struct eventline_record *r[256];
	unsigned int n;
};

static void read_all(int reg, struct recs *rs)
{
	ssize_t got;

	rs->len = 0;
	rs->n = 0;
	for (;;) {
		got = read(reg, rs->buf + rs->len, sizeof(rs->buf) - rs->len);
		if (got < 0) {
			ASSERT_EQ(errno, EAGAIN);
			break;
		}
		ASSERT_GT(got, 0);
		rs->len += got;
	}
	for (size_t off = 0; off < rs->len;) {
		const struct eventline_record *h = (const void *)(rs->buf + off);

		ASSERT_GE(h->size, sizeof(*h));
		ASSERT_LE(off + h->size, rs->len);
		ASSERT_LT(rs->n, TU_ARRAY_SIZE(rs->r));
		rs->r[rs->n++] = h;
		off += h->size;
	}
}

/* Read exactly @n events, one read() each; checks them. */
static void read_events(struct fixture *f, int reg, uint64_t first,
			unsigned int n, unsigned int len)
{
	unsigned char buf[TU_REC_SIZE(4096)] __attribute__((aligned(8)));
	unsigned char payload[4096];
	unsigned int i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(tu_read_exact(reg, buf, len), TU_REC_SIZE(len));
		payload_of(first + i, payload, len);
		if (!tu_check_line_record((const void *)buf, f->id,
					  (first + i) % 64, first + i,
					  payload, len))
			tap_abort();
	}
}

static void check_event(struct fixture *f, const struct eventline_record *r,
			uint64_t seq, unsigned int len)
{
	unsigned char payload[4096];

	payload_of(seq, payload, len);
	if (!tu_check_line_record(r, f->id, seq % 64, seq, payload, len))
		tap_abort();
	EXPECT_EQ(r->depth, 0);
	EXPECT_EQ(r->flags, 0);
}

/* A well-formed CHOKE record; its payload goes to @c. */
static void check_choke(const struct eventline_record *r,
			struct eventline_choke *c)
{
	unsigned int fails = tap_fail_count();

	tu_check_meta_record(r, EVENTLINE_META_CHOKE, 0);
	EXPECT_EQ(r->payload_len, sizeof(*c));
	EXPECT_EQ(r->size, CHOKE_REC);
	EXPECT_EQ(r->pid, 0);
	EXPECT_EQ(r->uid, 0);
	EXPECT_EQ(r->depth, 0);
	EXPECT_EQ(r->flags, 0);
	if (tap_fail_count() != fails)
		tap_abort();
	memcpy(c, tu_payload(r), sizeof(*c));
}

/* CHOKE records among those read. */
static unsigned int nr_chokes(const struct recs *rs)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->r[i]->category == EVENTLINE_CAT_META &&
		     rs->r[i]->type == EVENTLINE_META_CHOKE;
	return n;
}

/*
 * A rate the kernel computed as floor(count * 1e9 / elapsed), where its
 * elapsed time lies in [@lo, @hi] ns: the rate lies in the bounds that
 * gives.  Returns whether the lower bound is positive (the rate must be).
 */
static bool check_rate(const char *what, uint32_t rate, uint64_t count,
		       uint64_t lo, uint64_t hi)
{
	uint64_t most = lo ? count * NSEC / lo : UINT64_MAX;
	uint64_t least = count * NSEC / hi;

	if (rate < least || rate > most) {
		tap_diag("%s %u outside [%llu, %llu] for %llu over %llu..%llu ns",
			 what, rate, (unsigned long long)least,
			 (unsigned long long)most, (unsigned long long)count,
			 (unsigned long long)lo, (unsigned long long)hi);
		tap_fail();
	}
	return least > 0;
}

/*
 * The kernel's elapsed time for a CHOKE record: from the delivery of the
 * event @start_seq (which reached the mark: the episode's start) to the
 * record.  That delivery came after the event was stamped and before its
 * post returned.
 */
static void choke_window(struct fixture *f, const struct eventline_record *ch,
			 const struct eventline_record *start_ev,
			 uint64_t start_seq, uint64_t *lo, uint64_t *hi)
{
	uint64_t ret = f->returned[start_seq % 64];

	ASSERT_EQ(start_ev->seq, start_seq);
	ASSERT_GE(ch->timestamp_ns, ret);
	*lo = ch->timestamp_ns - ret;
	*hi = ch->timestamp_ns - start_ev->timestamp_ns;
	/* At least choke_msec: the rule itself. */
	EXPECT_GE(*hi, (uint64_t)f->msec * 1000000);
}

static unsigned long long fdinfo(int fd, const char *key)
{
	char path[64], buf[1024], *p;
	size_t klen = strlen(key);
	ssize_t n;
	int fi;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	fi = ASSERT_SYSOK(open(path, O_RDONLY | O_CLOEXEC));
	n = ASSERT_SYSOK(read(fi, buf, sizeof(buf) - 1));
	close(fi);
	buf[n] = '\0';
	for (p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':' &&
		    p[klen + 1] == '\t')
			return strtoull(p + klen + 2, NULL, 10);
	}
	tap_diag("%s has no \"%s:\\t\"", path, key);
	tap_fail();
	return ~0ULL;
}

static void sleep_past_choke(struct fixture *f)
{
	tu_msleep(2 * f->msec);
}

/*
 * The basic episode: mark events queued, a delivery choke_msec later finds
 * the queue still there: one CHOKE record after that delivery's event,
 * with queued, queue_len and the rates of what happened; more deliveries
 * in the same episode add none.
 */
static void test_choke_once(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	struct eventline_choke c;
	uint64_t lo, hi;
	unsigned int m, i;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	m = mark(&f, 8);
	if (m + 2 > 8)
		tap_skip("choke_percent %u leaves no room above the mark",
			 f.percent);
	reg = sub_reg(&f, 8, 0, 0);
	EXPECT_EQ(fdinfo(reg, "chokes"), 0);

	post(&f, m, 8);
	sleep_past_choke(&f);
	post(&f, 1, 8);
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	/* Still above the mark, long after: the episode has its record. */
	sleep_past_choke(&f);
	post(&f, 1, 8);
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	EXPECT_EQ(fdinfo(reg, "queued"), m + 2);

	read_all(reg, rs);
	EXPECT_EQ(nr_chokes(rs), 1);
	ASSERT_EQ(rs->n, m + 3);
	for (i = 0; i < m + 1; i++)
		check_event(&f, rs->r[i], i + 1, 8);
	check_choke(rs->r[m + 1], &c);
	check_event(&f, rs->r[m + 2], m + 2, 8);

	EXPECT_EQ(c.queued, m + 1);
	EXPECT_EQ(c.queue_len, 8);
	EXPECT_EQ(c.drain_rate, 0);
	/* Written by the delivery of event m + 1, after it. */
	EXPECT_GE(rs->r[m + 1]->timestamp_ns, rs->r[m]->timestamp_ns);
	EXPECT_GE(rs->r[m + 1]->timestamp_ns, f.called[(m + 1) % 64]);
	EXPECT_LE(rs->r[m + 1]->timestamp_ns, f.returned[(m + 1) % 64]);
	choke_window(&f, rs->r[m + 1], rs->r[m - 1], m, &lo, &hi);
	/* One event offered since the episode began. */
	if (!check_rate("arrival_rate", c.arrival_rate, 1, lo, hi))
		tap_diag("guest too slow to require arrival_rate > 0");
	else
		EXPECT_GT(c.arrival_rate, 0);
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	close(reg);
	free(rs);
}

/*
 * No CHOKE record: below the mark however long; at the mark but with no
 * delivery after choke_msec; above it for less than choke_msec (checked
 * only when the measured time proves it was less).
 */
static void test_no_choke(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	unsigned int m, i, try;
	bool proven = false;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	m = mark(&f, 8);
	if (m < 2 || m + 2 > 8)
		tap_skip("choke_percent %u: mark %u of 8", f.percent, m);

	/* One below the mark, long, with deliveries. */
	reg = sub_reg(&f, 8, 0, 0);
	post(&f, m - 2, 0);
	sleep_past_choke(&f);
	post(&f, 1, 0);
	sleep_past_choke(&f);
	/* This one reaches the mark: the episode only begins. */
	post(&f, 1, 0);
	read_all(reg, rs);
	EXPECT_EQ(nr_chokes(rs), 0);
	ASSERT_EQ(rs->n, m);
	for (i = 0; i < m; i++)
		check_event(&f, rs->r[i], i + 1, 0);
	EXPECT_EQ(fdinfo(reg, "chokes"), 0);
	close(reg);

	/* Above the mark long, but nothing delivered after choke_msec. */
	reg = sub_reg(&f, 8, 0, 0);
	post(&f, m + 1, 0);
	sleep_past_choke(&f);
	sleep_past_choke(&f);
	EXPECT_EQ(fdinfo(reg, "chokes"), 0);
	read_all(reg, rs);
	EXPECT_EQ(nr_chokes(rs), 0);
	ASSERT_EQ(rs->n, m + 1);
	for (i = 0; i < m + 1; i++)
		check_event(&f, rs->r[i], f.posted - m + i, 0);
	close(reg);

	/* Above the mark, quickly: m + 2 posts in less than choke_msec. */
	for (try = 0; try < 5 && !proven; try++) {
		uint64_t first;

		reg = sub_reg(&f, 8, 0, 0);
		first = f.posted + 1;
		post(&f, m + 2, 0);
		/* The episode began after the m-th post's call. */
		proven = f.returned[f.posted % 64] -
			 f.called[(first + m - 1) % 64] <
			 (uint64_t)f.msec * 1000000;
		read_all(reg, rs);
		if (proven)
			EXPECT_EQ(nr_chokes(rs), 0);
		ASSERT_EQ(rs->n, proven ? m + 2 : rs->n);
		for (i = 0; i < rs->n; i++)
			if (proven)
				check_event(&f, rs->r[i], first + i, 0);
		if (proven)
			EXPECT_EQ(fdinfo(reg, "chokes"), 0);
		close(reg);
	}
	if (!proven)
		tap_diag("guest too slow to post %u events within %u ms: check skipped",
			 m + 2, f.msec);
	free(rs);
}

/*
 * An episode ends when a delivery finds the queue below the mark; a new
 * one that lasts gets a second record.  Reads before the second episode
 * began do not count in its drain rate.
 */
static void test_new_episode(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	struct eventline_choke c;
	uint64_t lo, hi;
	unsigned int m, i, k;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	m = mark(&f, 8);
	if (m < 3 || m + 1 > 8)
		tap_skip("choke_percent %u: mark %u of 8", f.percent, m);
	reg = sub_reg(&f, 8, 0, 0);

	post(&f, m, 8);
	sleep_past_choke(&f);
	post(&f, 1, 8);			/* seq m + 1: CHOKE #1 */
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);

	/* Read three: m - 2 left, the next delivery leaves m - 1. */
	read_events(&f, reg, 1, 3, 8);
	post(&f, 1, 8);			/* seq m + 2: below, episode ends */
	post(&f, 1, 8);			/* seq m + 3: at the mark again */
	sleep_past_choke(&f);
	post(&f, 1, 8);			/* seq m + 4: CHOKE #2 */
	EXPECT_EQ(fdinfo(reg, "chokes"), 2);

	read_all(reg, rs);
	/* events 4..m+1, CHOKE, events m+2..m+4, CHOKE */
	ASSERT_EQ(rs->n, (m + 1 - 3) + 1 + 3 + 1);
	k = 0;
	for (i = 4; i <= m + 1; i++)
		check_event(&f, rs->r[k++], i, 8);
	check_choke(rs->r[k++], &c);
	EXPECT_EQ(c.queued, m + 1);
	EXPECT_EQ(c.queue_len, 8);
	EXPECT_EQ(c.drain_rate, 0);
	for (i = m + 2; i <= m + 4; i++)
		check_event(&f, rs->r[k++], i, 8);
	check_choke(rs->r[k], &c);
	/* m - 2 + 3 queued when it was written */
	EXPECT_EQ(c.queued, m + 1);
	EXPECT_EQ(c.queue_len, 8);
	EXPECT_EQ(c.drain_rate, 0);
	choke_window(&f, rs->r[k], rs->r[k - 2], m + 3, &lo, &hi);
	check_rate("arrival_rate", c.arrival_rate, 1, lo, hi);
	close(reg);
	free(rs);
}

/*
 * Reading during the episode: the record's drain rate counts the events
 * read since the episode began, its arrival rate those offered.
 */
static void test_drain_rate(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	struct eventline_choke c;
	uint64_t lo, hi;
	unsigned int m, i;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	m = mark(&f, 8);
	if (m < 3 || m + 1 > 8)
		tap_skip("choke_percent %u: mark %u of 8", f.percent, m);
	reg = sub_reg(&f, 8, 0, 0);

	post(&f, m + 1, 8);		/* the episode begins at seq m */
	read_events(&f, reg, 1, 2, 8);	/* m - 1 left: still not delivered */
	sleep_past_choke(&f);
	post(&f, 2, 8);			/* m, then m + 1: CHOKE */
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);

	read_all(reg, rs);
	ASSERT_EQ(rs->n, m + 3 - 2 + 1);
	for (i = 0; i < m; i++)
		check_event(&f, rs->r[i], i + 3, 8);
	/*
	 * The delivery of seq m + 2 left m queued (at the mark) but the
	 * episode was on since seq m: the record follows seq m + 2.
	 */
	check_choke(rs->r[m], &c);
	check_event(&f, rs->r[m + 1], m + 3, 8);
	EXPECT_EQ(c.queued, m);
	EXPECT_EQ(c.queue_len, 8);
	choke_window(&f, rs->r[m], rs->r[m - 3], m, &lo, &hi);
	/* Offered since: seq m + 1 and m + 2; read since: 2. */
	check_rate("arrival_rate", c.arrival_rate, 2, lo, hi);
	if (check_rate("drain_rate", c.drain_rate, 2, lo, hi))
		EXPECT_GT(c.drain_rate, 0);
	else
		tap_diag("guest too slow to require drain_rate > 0");
	close(reg);
	free(rs);
}

/*
 * A ring full by bytes: the CHOKE record goes in only where it fits
 * beside the events (never into the META reserve, never instead of an
 * event); it comes with a later delivery once there is room, if the
 * episode is still on.  Losses are counted exactly all along.
 */
static void test_full_ring(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	struct eventline_choke c;
	struct eventline_overflow ov;
	unsigned int m, i, qlen = 16, ring = 4096, avail, rec, len;
	uint64_t lo, hi;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	if (sysconf(_SC_PAGESIZE) != 4096)
		tap_skip("ring arithmetic assumes 4 KiB pages");
	m = mark(&f, qlen);
	/* One subscription: LINE_CLOSED, DEMOTED and the OVERFLOW spare. */
	avail = ring - 3 * META_RESERVE;
	/* m + 1 records fill the ring but for less than a CHOKE record. */
	rec = avail / (m + 1) & ~7U;
	len = rec - sizeof(struct eventline_record);
	if (m + 2 > qlen || rec < TU_REC_SIZE(8) ||
	    avail - (m + 1) * rec >= CHOKE_REC || rec + avail - (m + 1) * rec <
	    TU_REC_SIZE(0) + CHOKE_REC)
		tap_skip("choke_percent %u: no fitting layout", f.percent);

	/* A: no loss.  m records reach the mark, m + 1 fill the ring. */
	reg = sub_reg(&f, qlen, ring, 0);
	post(&f, m, len);
	sleep_past_choke(&f);
	post(&f, 1, len);		/* seq m + 1: no room for CHOKE */
	EXPECT_EQ(fdinfo(reg, "chokes"), 0);
	EXPECT_EQ(fdinfo(reg, "lost"), 0);
	EXPECT_EQ(fdinfo(reg, "ring_used"), (m + 1) * rec);
	read_events(&f, reg, 1, 1, len);	/* m left, room for more */
	post(&f, 1, 0);			/* seq m + 2, small: CHOKE fits */
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	read_all(reg, rs);
	ASSERT_EQ(rs->n, m + 2);
	for (i = 0; i < m; i++)
		check_event(&f, rs->r[i], i + 2, len);
	check_event(&f, rs->r[m], m + 2, 0);
	check_choke(rs->r[m + 1], &c);
	EXPECT_EQ(c.queued, m + 1);
	EXPECT_EQ(c.queue_len, qlen);
	choke_window(&f, rs->r[m + 1], rs->r[m - 2], m, &lo, &hi);
	check_rate("arrival_rate", c.arrival_rate, 2, lo, hi);
	check_rate("drain_rate", c.drain_rate, 1, lo, hi);
	EXPECT_EQ(fdinfo(reg, "lost"), 0);
	close(reg);

	/* B: losses while there is no room for it. */
	f.posted = 0;
	close(f.owner);
	f.owner = ASSERT_OK(tu_line_create(f.ctl, NULL, 0600, 0, &f.id));
	reg = sub_reg(&f, qlen, ring, 0);
	post(&f, m + 1, len);		/* full; episode since seq m */
	sleep_past_choke(&f);
	post(&f, 2, len);		/* lost, no room for CHOKE */
	EXPECT_EQ(fdinfo(reg, "chokes"), 0);
	EXPECT_EQ(fdinfo(reg, "lost"), 2);
	read_events(&f, reg, 1, 1, len);	/* m left */
	post(&f, 1, len);		/* lost (losses pending): CHOKE fits */
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	EXPECT_EQ(fdinfo(reg, "lost"), 3);
	read_all(reg, rs);
	/* events 2..m+1, CHOKE, then (ring drained) OVERFLOW of 3 */
	ASSERT_EQ(rs->n, m + 2);
	for (i = 0; i < m; i++)
		check_event(&f, rs->r[i], i + 2, len);
	check_choke(rs->r[m], &c);
	EXPECT_EQ(c.queued, m);
	EXPECT_EQ(c.queue_len, qlen);
	EXPECT_TRUE(tu_check_meta_record(rs->r[m + 1], EVENTLINE_META_OVERFLOW,
					 0));
	memcpy(&ov, tu_payload(rs->r[m + 1]), sizeof(ov));
	EXPECT_EQ(ov.lost, 3);
	/* Queueing resumed; the queue is below the mark: no new record. */
	post(&f, 1, len);
	read_all(reg, rs);
	ASSERT_EQ(rs->n, 1);
	check_event(&f, rs->r[0], m + 5, len);
	/* Every event posted was read or counted lost. */
	EXPECT_EQ(f.posted, (m + 1) + 3 + 1);
	EXPECT_EQ(fdinfo(reg, "chokes"), 1);
	EXPECT_EQ(fdinfo(reg, "lost"), 0);
	close(reg);
	free(rs);
}

struct poll_job {
	int fd;
	pid_t tid;
	int ret;
	short revents;
};

static void *poll_thread(void *arg)
{
	struct poll_job *j = arg;
	struct pollfd p = { .fd = j->fd, .events = POLLIN };

	__atomic_store_n(&j->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	j->ret = poll(&p, 1, LONG_MS);
	j->revents = p.revents;
	return NULL;
}

/*
 * wakeup_records above what is queued holds wake-ups and readiness back,
 * but a CHOKE record wakes the reader: it is falling behind.
 */
static void test_choke_wakes(void)
{
	struct fixture f;
	struct recs *rs = malloc(sizeof(*rs));
	struct eventline_choke c;
	struct poll_job j = { 0 };
	struct pollfd p;
	unsigned int m, i;
	pthread_t th;
	pid_t tid;
	int reg;

	ASSERT_TRUE(rs != NULL);
	setup(&f);
	m = mark(&f, 8);
	if (m + 2 > 8)
		tap_skip("choke_percent %u: mark %u of 8", f.percent, m);
	reg = sub_reg(&f, 8, 0, 8);
	post(&f, m, 8);
	p = (struct pollfd){ .fd = reg, .events = POLLIN };
	/* m < wakeup_records: not ready. */
	EXPECT_EQ(poll(&p, 1, 0), 0);
	sleep_past_choke(&f);

	j.fd = reg;
	ASSERT_EQ(pthread_create(&th, NULL, poll_thread, &j), 0);
	while (!(tid = __atomic_load_n(&j.tid, __ATOMIC_ACQUIRE)))
		tu_msleep(1);
	ASSERT_TRUE(tu_wait_sleeping(tid));
	post(&f, 1, 8);			/* m + 1 < 8 queued, and CHOKE */
	ASSERT_EQ(pthread_join(th, NULL), 0);
	EXPECT_EQ(j.ret, 1);
	EXPECT_EQ(j.revents, POLLIN);
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_EQ(p.revents, POLLIN);

	read_all(reg, rs);
	ASSERT_EQ(rs->n, m + 2);
	for (i = 0; i < m + 1; i++)
		check_event(&f, rs->r[i], i + 1, 8);
	check_choke(rs->r[m + 1], &c);
	EXPECT_EQ(c.queued, m + 1);
	close(reg);
	free(rs);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_choke_once, 60),
	TAP_TEST_TIMEOUT(test_no_choke, 60),
	TAP_TEST_TIMEOUT(test_new_episode, 60),
	TAP_TEST_TIMEOUT(test_drain_rate, 60),
	TAP_TEST_TIMEOUT(test_full_ring, 60),
	TAP_TEST_TIMEOUT(test_choke_wakes, 60),
};

TAP_MAIN(tests)
