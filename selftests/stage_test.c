// SPDX-License-Identifier: GPL-2.0
/*
 * stage_test - "Mutating stages" of include/uapi/linux/eventline.h.
 *
 * The owner's GRANT with EVENTLINE_GRANT_MUTATE makes a subscription a
 * stage: registers before it in the chain get each event at once,
 * registers after it only once the stage has answered it with
 * EVENTLINE_IOC_MUTATE (forward, replace, drop) or its deadline has
 * passed.  Every case builds a chain of registers (A before the stages, M
 * between two stages, B after them), posts known events and reads back
 * from every register exactly what it must hold: which records, in which
 * order, with which type, payload, flags (EVENTLINE_RECORD_STAGE,
 * EVENTLINE_RECORD_MUTATED) and mutation count, and nothing more.
 *
 * Covered: the grant and its listing; a pipeline with every answer; two
 * stages changing one event; the order of answers, with events waiting at
 * several stages at once; the deadline (-ETIMEDOUT for a late answer,
 * demotion after demote_timeouts misses in a row); MUTATE's errors; a
 * stage leaving (grant revoked, UNSUBSCRIBE, close, EVICT) and the line
 * closing with events held; posters that never wait for a stage beyond
 * staging room; an unprivileged stage; max_payload for replaced payloads.
 *
 * Cases that must show an event is *not* delivered give it SETTLE_MS;
 * events that must come are waited for WAIT_MS.  Times are only checked
 * as lower bounds (a deadline cannot pass early).  Cases that are not
 * about the deadline set the line's stage timeout to its maximum (60 s),
 * so nothing they read can have gone on by deadline.
 *
 * Needs root (priorities above the ceiling by CAP_SYS_NICE, and the
 * unprivileged case switches users).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define PARAM_DIR	"/sys/module/eventline/parameters/"

/* How long an event that must come is waited for. */
#define WAIT_MS		5000
/* How long an event that must not come is given to show up. */
#define SETTLE_MS	200
/* The longest stage timeout LINE_CONFIG takes: "never" within a case. */
#define HOLD_MS		60000
/* Room for every listing this file asks for. */
#define MAX_SUBS	16

#define STAGE		EVENTLINE_RECORD_STAGE
#define MUTATED		EVENTLINE_RECORD_MUTATED

#define FORWARD		EVENTLINE_MUTATE_FORWARD
#define REPLACE		EVENTLINE_MUTATE_REPLACE
#define DROP		EVENTLINE_MUTATE_DROP

#define MS		1000000ULL

/* A register, never subscribed, read to end this thread's handling. */
static int idle_reg = -1;

/* Root, umask 0, a control fd and the idle register. */
static int setup(void)
{
	int ctl;

	if (geteuid() != 0)
		tap_skip("needs root");
	umask(0);
	ctl = tu_open_ctl();
	idle_reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	return ctl;
}

/*
 * A read() that returns no line event ends this thread's handling (see
 * "Nesting"): the posts below are top-level (depth 0) even after the case
 * has read events.
 */
static void end_handling(void)
{
	char buf[64];

	ASSERT_LE(read(idle_reg, buf, sizeof(buf)), 0);
}

/* POST that must succeed; returns the seq. */
static uint64_t post(int fd, unsigned int type, const char *s)
{
	uint64_t seq = 0;

	end_handling();
	ASSERT_OK(tu_post(fd, type, s, strlen(s), &seq));
	ASSERT_NE(seq, 0);
	return seq;
}

/* ---- The ioctls ------------------------------------------------------ */

/* SUBSCRIBE by id at @prio, which must be granted as asked. */
static void subscribe_at(int reg, uint64_t id, int32_t prio)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.id = id,
		.priority = prio,
	};

	ASSERT_EQ(tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref), 0);
	ASSERT_EQ(ref.priority, prio);
}

static long grant(int fd, uint64_t sub_id, uint32_t flags, uint64_t rev)
{
	struct eventline_grant g = {
		.size = sizeof(g),
		.flags = flags,
		.sub_id = sub_id,
		.max_priority = EVENTLINE_PRIORITY_MAX,
		.expected_rev = rev,
	};

	return tu_ioctl(fd, EVENTLINE_IOC_GRANT, &g);
}

static long evict(int fd, uint64_t sub_id)
{
	struct eventline_evict ev = { .size = sizeof(ev), .sub_id = sub_id };

	return tu_ioctl(fd, EVENTLINE_IOC_EVICT, &ev);
}

static int32_t line_ceiling(int fd, uint64_t id)
{
	struct eventline_line_info li = { .size = sizeof(li), .id = id };

	ASSERT_OK(tu_ioctl(fd, EVENTLINE_IOC_LINE_INFO, &li));
	return li.priority_ceiling;
}

static long line_config(int fd, int32_t ceiling, uint32_t timeout_ms)
{
	struct eventline_line_config c = {
		.size = sizeof(c),
		.priority_ceiling = ceiling,
		.stage_timeout_ms = timeout_ms,
	};

	return tu_ioctl(fd, EVENTLINE_IOC_LINE_CONFIG, &c);
}

/* Set the line's stage timeout, keeping its ceiling. */
static void set_timeout(int owner, uint64_t id, uint32_t ms)
{
	ASSERT_EQ(line_config(owner, line_ceiling(owner, id), ms), 0);
}

static long mutate(int reg, uint64_t line_id, uint64_t seq, uint32_t action,
		   uint16_t type, const void *payload, uint32_t len)
{
	struct eventline_mutate m = {
		.size = sizeof(m),
		.line_id = line_id,
		.seq = seq,
		.action = action,
		.type = type,
		.payload_len = len,
		.payload = (uintptr_t)payload,
	};

	return tu_ioctl(reg, EVENTLINE_IOC_MUTATE, &m);
}

static long forward(int reg, uint64_t line_id, uint64_t seq)
{
	return mutate(reg, line_id, seq, FORWARD, 0, NULL, 0);
}

static long replace(int reg, uint64_t line_id, uint64_t seq, uint16_t type,
		    const char *s)
{
	return mutate(reg, line_id, seq, REPLACE, type, s, strlen(s));
}

/*
 * LINE_SUBS on an owner fd (@line_id ignored) or a register fd, entries
 * filled with junk first; aborts unless the chain has exactly @want.
 */
static void list_all(int fd, uint64_t line_id, struct eventline_sub_info *e,
		     uint32_t want, uint64_t *rev)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = MAX_SUBS,
		.entry_size = sizeof(*e),
		.entries = (uintptr_t)e,
		.line_id = line_id,
		.revision = 0x5a5a5a5a5a5a5a5aULL,
	};

	memset(e, 0x5a, MAX_SUBS * sizeof(*e));
	ASSERT_EQ(tu_ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &ls), want);
	ASSERT_EQ(ls.count, want);
	if (rev)
		*rev = ls.revision;
}

/* @reg's subscription to @line_id, as its register lists it. */
static uint64_t sub_id_of(int reg, uint64_t line_id)
{
	struct eventline_sub_info e[MAX_SUBS];
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = MAX_SUBS,
		.entry_size = sizeof(e[0]),
		.entries = (uintptr_t)e,
		.line_id = line_id,
	};
	uint64_t id = 0;
	unsigned int i, mine = 0;
	long n;

	n = ASSERT_OK(tu_ioctl(reg, EVENTLINE_IOC_LINE_SUBS, &ls));
	for (i = 0; (long)i < n; i++) {
		if (e[i].sub_flags & EVENTLINE_SUB_MINE) {
			id = e[i].sub_id;
			mine++;
		}
	}
	ASSERT_EQ(mine, 1);
	return id;
}

/* The owner's view of subscription @sub_id. */
static struct eventline_sub_info sub_info(int owner, uint64_t sub_id)
{
	struct eventline_sub_info e[MAX_SUBS];
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = MAX_SUBS,
		.entry_size = sizeof(e[0]),
		.entries = (uintptr_t)e,
	};
	unsigned int i;
	long n;

	n = ASSERT_OK(tu_ioctl(owner, EVENTLINE_IOC_LINE_SUBS, &ls));
	for (i = 0; (long)i < n; i++)
		if (e[i].sub_id == sub_id)
			return e[i];
	tap_diag("subscription %llu not listed", (unsigned long long)sub_id);
	tap_abort();
}

/* A stage's answer counters are exactly these. */
static void expect_counts(int owner, uint64_t sub_id, uint32_t forwarded,
			  uint32_t mutated, uint32_t dropped, uint32_t timed_out)
{
	struct eventline_sub_info si = sub_info(owner, sub_id);

	EXPECT_EQ(si.forwarded, forwarded);
	EXPECT_EQ(si.mutated, mutated);
	EXPECT_EQ(si.dropped, dropped);
	EXPECT_EQ(si.timed_out, timed_out);
}

/* Make @reg's subscription to @id a stage. */
static uint64_t make_stage(int owner, int reg, uint64_t id)
{
	uint64_t sub_id = sub_id_of(reg, id);

	ASSERT_EQ(grant(owner, sub_id, EVENTLINE_GRANT_MUTATE, 0), 0);
	ASSERT_TRUE(sub_info(owner, sub_id).sub_flags & EVENTLINE_SUB_STAGE);
	return sub_id;
}

/* ---- Reading records ------------------------------------------------- */

/* A named register and its buffered reader. */
struct rd {
	const char *name;
	int fd;
	struct tu_reader r;
};

/* Room for a record of max_payload, with some to spare. */
static size_t read_cap(void)
{
	static size_t cap;
	struct eventline_info info;

	if (!cap) {
		tu_info(&info);
		cap = TU_ALIGN8(info.max_payload + 4096);
		if (cap < 65536)
			cap = 65536;
	}
	return cap;
}

static void rd_init(struct rd *rd, int fd, const char *name)
{
	rd->name = name;
	rd->fd = fd;
	tu_reader_init(&rd->r, fd, read_cap());
}

/* A new non-blocking register subscribed to @id at @prio. */
static int join(int ctl, uint64_t id, int32_t prio, struct rd *rd,
		const char *name)
{
	int reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));

	subscribe_at(reg, id, prio);
	rd_init(rd, reg, name);
	return reg;
}

/*
 * The next record within @ms: 1 with *@rec, 0 at end of stream, -EAGAIN
 * when none came.  CHOKE records (a register near full tells its reader)
 * are legitimate at any time and skipped.
 */
static int next_rec(struct rd *rd, unsigned int ms,
		    const struct eventline_record **rec)
{
	uint64_t end = tu_now_ns() + ms * MS, now;
	struct pollfd pfd = { .fd = rd->fd, .events = POLLIN };
	int ret;

	for (;;) {
		ret = tu_reader_next(&rd->r, rec);
		if (ret == 1 && (*rec)->category == EVENTLINE_CAT_META &&
		    (*rec)->type == EVENTLINE_META_CHOKE)
			continue;
		if (ret != -EAGAIN)
			return ret;
		now = tu_now_ns();
		if (now >= end)
			return -EAGAIN;
		poll(&pfd, 1, (int)((end - now) / MS) + 1);
	}
}

static void diag_rec(const struct rd *rd, const char *what,
		     const struct eventline_record *rec)
{
	tap_diag("%s %s: category %u type %u seq %llu flags %#x mutations %u payload_len %u",
		 rd->name, what, rec->category, rec->type,
		 (unsigned long long)rec->seq, rec->flags, rec->mutations,
		 rec->payload_len);
}

/*
 * The next record of @rd is this line event, with exactly these flags
 * and this mutation count.
 */
static void expect_event(struct rd *rd, uint64_t line_id, uint64_t seq,
			 unsigned int type, const void *payload,
			 unsigned int len, uint32_t flags, unsigned int mutations)
{
	const struct eventline_record *rec;
	unsigned int fails = tap_fail_count();
	int ret = next_rec(rd, WAIT_MS, &rec);

	if (ret != 1) {
		tap_diag("%s: expected seq %llu, got %s", rd->name,
			 (unsigned long long)seq,
			 ret == 0 ? "end of stream" : tap_errname(-ret));
		tap_abort();
	}
	tu_check_line_record(rec, line_id, type, seq, payload, len);
	EXPECT_EQ(rec->flags, flags);
	EXPECT_EQ(rec->mutations, mutations);
	if (tap_fail_count() != fails)
		diag_rec(rd, "record", rec);
}

/* Same, with a string payload. */
static void expect_str(struct rd *rd, uint64_t line_id, uint64_t seq,
		       unsigned int type, const char *s, uint32_t flags,
		       unsigned int mutations)
{
	expect_event(rd, line_id, seq, type, s, strlen(s), flags, mutations);
}

/* Nothing more comes to @rd within @ms. */
static void expect_quiet(struct rd *rd, unsigned int ms)
{
	const struct eventline_record *rec;
	int ret = next_rec(rd, ms, &rec);

	if (ret == -EAGAIN)
		return;
	if (ret == 1)
		diag_rec(rd, "unexpected", rec);
	else
		tap_diag("%s: expected nothing, got %s", rd->name,
			 ret == 0 ? "end of stream" : tap_errname(-ret));
	tap_fail();
}

/* The next record of @rd is META @type about @line_id; returns it. */
static const struct eventline_record *expect_meta(struct rd *rd,
						  unsigned int type,
						  uint64_t line_id)
{
	const struct eventline_record *rec;
	int ret = next_rec(rd, WAIT_MS, &rec);

	if (ret != 1) {
		tap_diag("%s: expected META %u, got %s", rd->name, type,
			 ret == 0 ? "end of stream" : tap_errname(-ret));
		tap_abort();
	}
	if (!tu_check_meta_record(rec, type, line_id))
		diag_rec(rd, "record", rec);
	return rec;
}

static void expect_eof(struct rd *rd)
{
	const struct eventline_record *rec;
	int ret = next_rec(rd, WAIT_MS, &rec);

	if (ret == 1)
		diag_rec(rd, "instead of end of stream", rec);
	EXPECT_EQ(ret, 0);
}

/* ---- 1. The grant ---------------------------------------------------- */

/*
 * GRANT with EVENTLINE_GRANT_MUTATE makes a subscription a stage: the
 * listing says so (EVENTLINE_SUB_STAGE, to the owner and to subscribers),
 * the revision rises, and from the next event on the stage is given
 * events to answer.  Unknown flags, a reserved field, a stale revision
 * and an unknown subscription change nothing; only the owner fd grants.
 * GRANT without the flag ends the stage.
 */
static void test_grant(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	struct rd a, s, b;
	int ctl, owner, ra, rs, rb, poster;
	uint64_t id, s_id, rev0, rev1, rev2, rev, s1, s2, s3;
	unsigned int i;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	set_timeout(owner, id, HOLD_MS);
	ra = join(ctl, id, 100, &a, "A");
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	s_id = sub_id_of(rs, id);

	list_all(owner, 0, e, 3, &rev0);
	EXPECT_EQ(e[0].sub_id, sub_id_of(ra, id));
	EXPECT_EQ(e[1].sub_id, s_id);
	EXPECT_EQ(e[2].sub_id, sub_id_of(rb, id));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(e[i].sub_flags & EVENTLINE_SUB_STAGE, 0);

	/* Before the grant, S is an ordinary subscriber. */
	s1 = post(owner, 1, "before");
	expect_str(&a, id, s1, 1, "before", 0, 0);
	expect_str(&s, id, s1, 1, "before", 0, 0);
	expect_str(&b, id, s1, 1, "before", 0, 0);
	EXPECT_RET(forward(rs, id, s1), ENOENT);

	/* Refused grants change nothing. */
	EXPECT_RET(grant(owner, s_id, 1U << 1, 0), EINVAL);
	EXPECT_RET(grant(owner, s_id, EVENTLINE_GRANT_MUTATE | 1U << 2, 0),
		   EINVAL);
	EXPECT_RET(grant(owner, s_id, 1U << 31, 0), EINVAL);
	{
		struct eventline_grant g = {
			.size = sizeof(g),
			.flags = EVENTLINE_GRANT_MUTATE,
			.sub_id = s_id,
			.max_priority = EVENTLINE_PRIORITY_MAX,
			.__reserved = 1,
		};

		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_GRANT, &g), EINVAL);
	}
	EXPECT_RET(grant(owner, s_id, EVENTLINE_GRANT_MUTATE, rev0 + 1),
		   ESTALE);
	EXPECT_RET(grant(owner, s_id + 1000000, EVENTLINE_GRANT_MUTATE, 0),
		   ENOENT);
	/* Only the owner fd grants. */
	EXPECT_RET(grant(poster, s_id, EVENTLINE_GRANT_MUTATE, 0), ENOTTY);
	EXPECT_RET(grant(rs, s_id, EVENTLINE_GRANT_MUTATE, 0), ENOTTY);
	EXPECT_RET(grant(ctl, s_id, EVENTLINE_GRANT_MUTATE, 0), ENOTTY);
	list_all(owner, 0, e, 3, &rev);
	EXPECT_EQ(rev, rev0);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(e[i].sub_flags & EVENTLINE_SUB_STAGE, 0);

	/* The grant, on the revision listed. */
	ASSERT_EQ(grant(owner, s_id, EVENTLINE_GRANT_MUTATE, rev0), 0);
	list_all(owner, 0, e, 3, &rev1);
	EXPECT_GT(rev1, rev0);
	EXPECT_EQ(e[1].sub_id, s_id);
	EXPECT_EQ(e[0].sub_flags & EVENTLINE_SUB_STAGE, 0);
	EXPECT_EQ(e[1].sub_flags & EVENTLINE_SUB_STAGE, EVENTLINE_SUB_STAGE);
	EXPECT_EQ(e[2].sub_flags & EVENTLINE_SUB_STAGE, 0);
	EXPECT_EQ(e[1].priority, 50);
	EXPECT_EQ(e[1].forwarded + e[1].mutated + e[1].dropped +
		  e[1].timed_out, 0);
	/* Subscribers see it too: S as its own, B as another's. */
	list_all(rs, id, e, 3, NULL);
	EXPECT_EQ(e[1].sub_flags & (EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE),
		  EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE);
	list_all(rb, id, e, 3, NULL);
	EXPECT_EQ(e[1].sub_flags & (EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE),
		  EVENTLINE_SUB_STAGE);
	EXPECT_EQ(e[2].sub_flags & (EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE),
		  EVENTLINE_SUB_MINE);

	/* The next event is S's to answer. */
	s2 = post(poster, 2, "staged");
	expect_str(&a, id, s2, 2, "staged", 0, 0);
	expect_str(&s, id, s2, 2, "staged", STAGE, 0);
	expect_quiet(&b, SETTLE_MS);
	ASSERT_EQ(forward(rs, id, s2), 0);
	expect_str(&b, id, s2, 2, "staged", 0, 0);

	/* GRANT without the flag ends the stage. */
	ASSERT_EQ(grant(owner, s_id, 0, rev1), 0);
	list_all(owner, 0, e, 3, &rev2);
	EXPECT_GT(rev2, rev1);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(e[i].sub_flags & EVENTLINE_SUB_STAGE, 0);
	EXPECT_EQ(e[1].forwarded, 1);
	s3 = post(owner, 3, "after");
	expect_str(&a, id, s3, 3, "after", 0, 0);
	expect_str(&s, id, s3, 3, "after", 0, 0);
	expect_str(&b, id, s3, 3, "after", 0, 0);
	EXPECT_RET(forward(rs, id, s3), ENOENT);
	expect_quiet(&a, 0);
	expect_quiet(&s, 0);
	expect_quiet(&b, 0);

	close(ra);
	close(rs);
	close(rb);
	close(poster);
	close(owner);
	close(ctl);
}

/* ---- 2. A pipeline ----------------------------------------------------- */

/*
 * A (100) -> S (50, stage) -> B (0).  A gets every event at once, as
 * posted; S gets each, flagged, once it has answered the one before; B
 * gets what S forwarded, replaced (flagged MUTATED, one mutation, same
 * seq), and nothing S dropped.  S's counters say what it answered.
 */
static void test_pipeline(void)
{
	struct eventline_sub_info si;
	uint64_t id, s1, s2, s3, s4, a_id, s_id, b_id;
	struct rd a, s, b;
	int ctl, owner, ra, rs, rb;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	ra = join(ctl, id, 100, &a, "A");
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	s_id = make_stage(owner, rs, id);
	a_id = sub_id_of(ra, id);
	b_id = sub_id_of(rb, id);

	s1 = post(owner, 1, "one");
	s2 = post(owner, 2, "two");
	s3 = post(owner, 3, "three");
	EXPECT_EQ(s2, s1 + 1);
	EXPECT_EQ(s3, s2 + 1);

	/* A: all three, unflagged, without anyone answering. */
	expect_str(&a, id, s1, 1, "one", 0, 0);
	expect_str(&a, id, s2, 2, "two", 0, 0);
	expect_str(&a, id, s3, 3, "three", 0, 0);
	/* S: the first, to answer; the next only once it has. */
	expect_str(&s, id, s1, 1, "one", STAGE, 0);
	expect_quiet(&s, SETTLE_MS);
	expect_quiet(&b, 0);

	/* FORWARD: B gets it as posted. */
	ASSERT_EQ(forward(rs, id, s1), 0);
	expect_str(&b, id, s1, 1, "one", 0, 0);
	expect_str(&s, id, s2, 2, "two", STAGE, 0);
	expect_quiet(&b, SETTLE_MS);

	/* REPLACE: B gets the new type and payload, flagged, same seq. */
	ASSERT_EQ(replace(rs, id, s2, 9, "new"), 0);
	expect_str(&b, id, s2, 9, "new", MUTATED, 1);
	expect_str(&s, id, s3, 3, "three", STAGE, 0);

	/* DROP: B never gets it; the next event goes on as usual. */
	ASSERT_EQ(mutate(rs, id, s3, DROP, 0, NULL, 0), 0);
	s4 = post(owner, 4, "four");
	EXPECT_EQ(s4, s3 + 1);
	expect_str(&a, id, s4, 4, "four", 0, 0);
	expect_str(&s, id, s4, 4, "four", STAGE, 0);
	ASSERT_EQ(forward(rs, id, s4), 0);
	expect_str(&b, id, s4, 4, "four", 0, 0);

	expect_quiet(&a, SETTLE_MS);
	expect_quiet(&s, 0);
	expect_quiet(&b, 0);

	expect_counts(owner, s_id, 2, 1, 1, 0);
	si = sub_info(owner, s_id);
	EXPECT_EQ(si.delivered, 4);
	EXPECT_EQ(si.lost, 0);
	si = sub_info(owner, a_id);
	EXPECT_EQ(si.delivered, 4);
	EXPECT_EQ(si.forwarded + si.mutated + si.dropped + si.timed_out, 0);
	si = sub_info(owner, b_id);
	EXPECT_EQ(si.delivered, 3);
	EXPECT_EQ(si.lost, 0);
	EXPECT_EQ(si.forwarded + si.mutated + si.dropped + si.timed_out, 0);

	close(ra);
	close(rs);
	close(rb);
	close(owner);
	close(ctl);
}

/* ---- 3. Two stages --------------------------------------------------- */

/*
 * A (100) -> S1 (60) -> M (50) -> S2 (40) -> B (0).  S2 is given what S1
 * made of the event (MUTATED, one mutation), M sees that too, and B what
 * S2 made of it: two mutations when both replaced it, one when only one
 * of them did.
 */
static void test_two_stages(void)
{
	struct rd a, s1r, m, s2r, b;
	int ctl, owner, ra, rs1, rm, rs2, rb;
	uint64_t id, e1, e2, e3, s1_id, s2_id;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	ra = join(ctl, id, 100, &a, "A");
	rs1 = join(ctl, id, 60, &s1r, "S1");
	rm = join(ctl, id, 50, &m, "M");
	rs2 = join(ctl, id, 40, &s2r, "S2");
	rb = join(ctl, id, 0, &b, "B");
	s1_id = make_stage(owner, rs1, id);
	s2_id = make_stage(owner, rs2, id);

	/* Both replace. */
	e1 = post(owner, 1, "orig");
	expect_str(&a, id, e1, 1, "orig", 0, 0);
	expect_str(&s1r, id, e1, 1, "orig", STAGE, 0);
	expect_quiet(&m, SETTLE_MS);
	ASSERT_EQ(replace(rs1, id, e1, 5, "first"), 0);
	expect_str(&m, id, e1, 5, "first", MUTATED, 1);
	expect_str(&s2r, id, e1, 5, "first", STAGE | MUTATED, 1);
	expect_quiet(&b, SETTLE_MS);
	ASSERT_EQ(replace(rs2, id, e1, 6, "second!"), 0);
	expect_str(&b, id, e1, 6, "second!", MUTATED, 2);

	/* Only S2 replaces. */
	e2 = post(owner, 2, "plain");
	expect_str(&a, id, e2, 2, "plain", 0, 0);
	expect_str(&s1r, id, e2, 2, "plain", STAGE, 0);
	ASSERT_EQ(forward(rs1, id, e2), 0);
	expect_str(&m, id, e2, 2, "plain", 0, 0);
	expect_str(&s2r, id, e2, 2, "plain", STAGE, 0);
	ASSERT_EQ(replace(rs2, id, e2, 7, "by S2"), 0);
	expect_str(&b, id, e2, 7, "by S2", MUTATED, 1);

	/* Only S1 replaces: S2's FORWARD passes S1's version on. */
	e3 = post(owner, 3, "third");
	expect_str(&a, id, e3, 3, "third", 0, 0);
	expect_str(&s1r, id, e3, 3, "third", STAGE, 0);
	ASSERT_EQ(replace(rs1, id, e3, 8, "by S1"), 0);
	expect_str(&m, id, e3, 8, "by S1", MUTATED, 1);
	expect_str(&s2r, id, e3, 8, "by S1", STAGE | MUTATED, 1);
	ASSERT_EQ(forward(rs2, id, e3), 0);
	expect_str(&b, id, e3, 8, "by S1", MUTATED, 1);

	expect_quiet(&a, SETTLE_MS);
	expect_quiet(&s1r, 0);
	expect_quiet(&m, 0);
	expect_quiet(&s2r, 0);
	expect_quiet(&b, 0);
	expect_counts(owner, s1_id, 1, 2, 0, 0);
	expect_counts(owner, s2_id, 1, 2, 0, 0);

	close(ra);
	close(rs1);
	close(rm);
	close(rs2);
	close(rb);
	close(owner);
	close(ctl);
}

/* ---- 4. Order ---------------------------------------------------------- */

/*
 * A stage is given one event at a time, in seq order, and answers it:
 * MUTATE for an event not given to it yet (a later one, or one still
 * waiting at an earlier stage) is -EINVAL and changes nothing.  Events
 * wait at several stages at once (S2 holds e1 while S1 holds e2, then
 * e3); every register still receives the events in seq order.
 */
static void test_order(void)
{
	struct rd a, s1r, m, s2r, b;
	int ctl, owner, ra, rs1, rm, rs2, rb;
	uint64_t id, e1, e2, e3, e4, s1_id, s2_id;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	ra = join(ctl, id, 100, &a, "A");
	rs1 = join(ctl, id, 60, &s1r, "S1");
	rm = join(ctl, id, 50, &m, "M");
	rs2 = join(ctl, id, 40, &s2r, "S2");
	rb = join(ctl, id, 0, &b, "B");
	s1_id = make_stage(owner, rs1, id);
	s2_id = make_stage(owner, rs2, id);

	e1 = post(owner, 1, "e1");
	e2 = post(owner, 2, "e2");
	e3 = post(owner, 3, "e3");
	expect_str(&a, id, e1, 1, "e1", 0, 0);
	expect_str(&a, id, e2, 2, "e2", 0, 0);
	expect_str(&a, id, e3, 3, "e3", 0, 0);
	expect_str(&s1r, id, e1, 1, "e1", STAGE, 0);
	expect_quiet(&s1r, SETTLE_MS);

	/* Out of order: e2 and e3 were not given to S1, e1 not to S2. */
	EXPECT_RET(forward(rs1, id, e2), EINVAL);
	EXPECT_RET(forward(rs1, id, e3), EINVAL);
	EXPECT_RET(replace(rs1, id, e2, 1, "x"), EINVAL);
	EXPECT_RET(forward(rs2, id, e1), EINVAL);
	EXPECT_RET(mutate(rs2, id, e1, DROP, 0, NULL, 0), EINVAL);
	expect_quiet(&m, SETTLE_MS);
	expect_quiet(&s2r, 0);
	expect_quiet(&b, 0);

	/* S1 answers e1: it moves on to S2, and S1 is given e2. */
	ASSERT_EQ(forward(rs1, id, e1), 0);
	expect_str(&m, id, e1, 1, "e1", 0, 0);
	expect_str(&s2r, id, e1, 1, "e1", STAGE, 0);
	expect_str(&s1r, id, e2, 2, "e2", STAGE, 0);
	EXPECT_RET(forward(rs1, id, e3), EINVAL);
	EXPECT_RET(forward(rs2, id, e2), EINVAL);

	/*
	 * S1 answers e2 while S2 still holds e1: M gets e2 (it is before
	 * S2), S1 is given e3, and e2 waits for S2 behind e1.
	 */
	ASSERT_EQ(replace(rs1, id, e2, 12, "e2'"), 0);
	expect_str(&m, id, e2, 12, "e2'", MUTATED, 1);
	expect_str(&s1r, id, e3, 3, "e3", STAGE, 0);
	expect_quiet(&s2r, SETTLE_MS);
	expect_quiet(&b, 0);
	EXPECT_RET(forward(rs2, id, e2), EINVAL);

	/* S1 drops e3 while S2 still holds e1: nothing moves past S2. */
	ASSERT_EQ(mutate(rs1, id, e3, DROP, 0, NULL, 0), 0);
	expect_quiet(&m, SETTLE_MS);
	expect_quiet(&s2r, 0);
	expect_quiet(&b, 0);

	/* S2 answers e1, then e2, in order. */
	ASSERT_EQ(forward(rs2, id, e1), 0);
	expect_str(&b, id, e1, 1, "e1", 0, 0);
	expect_str(&s2r, id, e2, 12, "e2'", STAGE | MUTATED, 1);
	EXPECT_RET(forward(rs2, id, e3), EINVAL);
	ASSERT_EQ(forward(rs2, id, e2), 0);
	expect_str(&b, id, e2, 12, "e2'", MUTATED, 1);

	/* e3 was dropped by S1: the next event is the next anyone gets. */
	e4 = post(owner, 4, "e4");
	expect_str(&a, id, e4, 4, "e4", 0, 0);
	expect_str(&s1r, id, e4, 4, "e4", STAGE, 0);
	ASSERT_EQ(forward(rs1, id, e4), 0);
	expect_str(&m, id, e4, 4, "e4", 0, 0);
	expect_str(&s2r, id, e4, 4, "e4", STAGE, 0);
	ASSERT_EQ(forward(rs2, id, e4), 0);
	expect_str(&b, id, e4, 4, "e4", 0, 0);

	expect_quiet(&a, SETTLE_MS);
	expect_quiet(&s1r, 0);
	expect_quiet(&m, 0);
	expect_quiet(&s2r, 0);
	expect_quiet(&b, 0);
	/* The refused answers counted nothing. */
	expect_counts(owner, s1_id, 2, 1, 1, 0);
	expect_counts(owner, s2_id, 3, 0, 0, 0);

	close(ra);
	close(rs1);
	close(rm);
	close(rs2);
	close(rb);
	close(owner);
	close(ctl);
}

/* ---- 5. The deadline --------------------------------------------------- */

/*
 * Post one event and let S miss it: B gets it unmodified no sooner than
 * the stage timeout after the post, and S's late answer is -ETIMEDOUT.
 */
static uint64_t miss_one(int owner, uint64_t id, int rs, struct rd *s,
			 struct rd *b, unsigned int timeout_ms, unsigned int n)
{
	char payload[32];
	uint64_t t0, seq;

	snprintf(payload, sizeof(payload), "missed %u", n);
	t0 = tu_now_ns();
	seq = post(owner, 1, payload);
	expect_str(s, id, seq, 1, payload, STAGE, 0);
	expect_str(b, id, seq, 1, payload, 0, 0);
	EXPECT_GE(tu_now_ns() - t0, timeout_ms * MS);
	EXPECT_RET(forward(rs, id, seq), ETIMEDOUT);
	EXPECT_RET(replace(rs, id, seq, 2, "late"), ETIMEDOUT);
	return seq;
}

/*
 * S (50, stage) -> B (0), stage timeout 200 ms.  An event S does not
 * answer goes on unmodified once the timeout has passed; a late answer
 * gets -ETIMEDOUT and changes nothing; timed_out counts it.  After
 * demote_timeouts misses in a row (an answer in time resets the count)
 * S is demoted to the default: its register gets a DEMOTED record with
 * reason EVENTLINE_DEMOTE_TIMEOUT.
 */
static void test_deadline(void)
{
	const unsigned int timeout_ms = 200;
	const struct eventline_record *rec;
	struct eventline_demotion dem;
	struct eventline_sub_info si;
	long long demote_timeouts;
	uint64_t id, s_id, seq;
	int ctl, owner, rs, rb;
	unsigned int i, misses = 0;
	int32_t target;
	struct rd s, b;

	ctl = setup();
	if (tu_read_ll(PARAM_DIR "demote_timeouts", &demote_timeouts))
		tap_skip("no %sdemote_timeouts", PARAM_DIR);
	if (demote_timeouts < 2 || demote_timeouts > 20)
		tap_skip("module loaded with demote_timeouts=%lld",
			 demote_timeouts);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, timeout_ms);
	target = line_ceiling(owner, id) < 0 ? line_ceiling(owner, id) : 0;
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	s_id = make_stage(owner, rs, id);

	/* One miss. */
	miss_one(owner, id, rs, &s, &b, timeout_ms, misses++);
	expect_counts(owner, s_id, 0, 0, 0, 1);

	/* An answer in time: the misses in a row start again. */
	seq = post(owner, 2, "answered");
	expect_str(&s, id, seq, 2, "answered", STAGE, 0);
	ASSERT_EQ(forward(rs, id, seq), 0);
	expect_str(&b, id, seq, 2, "answered", 0, 0);
	expect_counts(owner, s_id, 1, 0, 0, 1);

	/* demote_timeouts - 1 misses in a row: not demoted yet. */
	for (i = 1; i < demote_timeouts; i++)
		miss_one(owner, id, rs, &s, &b, timeout_ms, misses++);
	expect_quiet(&s, SETTLE_MS);
	si = sub_info(owner, s_id);
	EXPECT_EQ(si.priority, 50);
	EXPECT_EQ(si.demotions, 0);
	EXPECT_EQ(si.timed_out, misses);

	/* The last one: demoted, and told why. */
	miss_one(owner, id, rs, &s, &b, timeout_ms, misses++);
	rec = expect_meta(&s, EVENTLINE_META_DEMOTED, id);
	EXPECT_EQ(rec->payload_len, sizeof(dem));
	EXPECT_EQ(rec->size, TU_REC_SIZE(sizeof(dem)));
	memcpy(&dem, tu_payload(rec), sizeof(dem));
	EXPECT_EQ(dem.old_priority, 50);
	EXPECT_EQ(dem.new_priority, target);
	EXPECT_EQ(dem.reason, EVENTLINE_DEMOTE_TIMEOUT);
	EXPECT_EQ(dem.__reserved, 0);
	expect_quiet(&s, SETTLE_MS);
	expect_quiet(&b, 0);
	si = sub_info(owner, s_id);
	EXPECT_EQ(si.priority, target);
	EXPECT_EQ(si.demotions, 1);
	EXPECT_EQ(si.timed_out, misses);
	EXPECT_EQ(si.forwarded, 1);

	close(rs);
	close(rb);
	close(owner);
	close(ctl);
}

/* ---- 6. MUTATE's errors -------------------------------------------------- */

/*
 * -ENOENT from a register that is not a stage of the line (or not on it
 * at all); -EINVAL for bad fields, and for a seq that is not the one
 * given to the stage and unanswered: never given (0, before the grant,
 * not posted yet), or already answered; -EMSGSIZE; -EFAULT.  None of them
 * answers anything.
 */
static void test_errors(void)
{
	struct eventline_info info;
	struct eventline_mutate mt;
	int ctl, owner, owner2, rs, rb, r2;
	uint64_t id, id2, s_id, pre, e1, e2;
	struct rd s, b, x;
	char *big;

	ctl = setup();
	tu_get_info(ctl, &info);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	owner2 = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id2));
	set_timeout(owner, id, HOLD_MS);
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	/* B is on the other line too; S is not. */
	subscribe_at(rb, id2, 0);
	r2 = join(ctl, id2, 0, &x, "X");

	pre = post(owner, 1, "pre");
	expect_str(&s, id, pre, 1, "pre", 0, 0);
	expect_str(&b, id, pre, 1, "pre", 0, 0);
	/* Not a stage yet. */
	EXPECT_RET(forward(rs, id, pre), ENOENT);
	s_id = make_stage(owner, rs, id);

	e1 = post(owner, 1, "e1");
	expect_str(&s, id, e1, 1, "e1", STAGE, 0);

	/* Not a stage of that line. */
	EXPECT_RET(forward(rb, id, e1), ENOENT);
	EXPECT_RET(mutate(rb, id, e1, DROP, 0, NULL, 0), ENOENT);
	EXPECT_RET(forward(rs, id2, e1), ENOENT);
	EXPECT_RET(forward(rs, id2 + 1000000, e1), ENOENT);
	EXPECT_RET(forward(rs, 0, e1), ENOENT);
	EXPECT_RET(forward(r2, id2, 1), ENOENT);
	/* Not a register at all. */
	EXPECT_RET(forward(owner, id, e1), ENOTTY);
	EXPECT_RET(forward(ctl, id, e1), ENOTTY);

	/* Bad fields. */
	EXPECT_RET(mutate(rs, id, e1, 3, 0, NULL, 0), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, UINT32_MAX, 0, NULL, 0), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, FORWARD, 0, "abc", 3), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, FORWARD, 0, "abc", 0), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, FORWARD, 1, NULL, 0), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, DROP, 0, "abc", 3), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, DROP, 1, NULL, 0), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, REPLACE, EVENTLINE_TYPE_MAX + 1, "a", 1),
		   EINVAL);
	EXPECT_RET(mutate(rs, id, e1, REPLACE, UINT16_MAX, "a", 1), EINVAL);
	memset(&mt, 0, sizeof(mt));
	mt.size = sizeof(mt);
	mt.line_id = id;
	mt.seq = e1;
	mt.action = FORWARD;
	mt.flags = 1;
	EXPECT_RET(tu_ioctl(rs, EVENTLINE_IOC_MUTATE, &mt), EINVAL);
	mt.flags = 0;
	mt.__reserved = 1;
	EXPECT_RET(tu_ioctl(rs, EVENTLINE_IOC_MUTATE, &mt), EINVAL);
	mt.__reserved = 0;
	mt.__reserved2 = 1;
	EXPECT_RET(tu_ioctl(rs, EVENTLINE_IOC_MUTATE, &mt), EINVAL);
	mt.__reserved2 = 0;
	mt.size = EVENTLINE_MUTATE_SIZE_VER0 - 8;
	EXPECT_RET(tu_ioctl(rs, EVENTLINE_IOC_MUTATE, &mt), EINVAL);
	{
		struct {
			struct eventline_mutate m;
			uint64_t tail;
		} big_arg = { .m = mt, .tail = 1 };

		big_arg.m.size = sizeof(big_arg);
		EXPECT_RET(tu_ioctl(rs, EVENTLINE_IOC_MUTATE, &big_arg), E2BIG);
	}

	/* Payloads: above max_payload, unreadable. */
	big = calloc(1, info.max_payload + 1);
	ASSERT_TRUE(big);
	EXPECT_RET(mutate(rs, id, e1, REPLACE, 1, big, info.max_payload + 1),
		   EMSGSIZE);
	EXPECT_RET(mutate(rs, id, e1, REPLACE, 1, tu_unmapped(), 8), EFAULT);
	free(big);

	/* Seqs never given to S. */
	EXPECT_RET(forward(rs, id, 0), EINVAL);
	EXPECT_RET(forward(rs, id, pre), EINVAL);
	EXPECT_RET(forward(rs, id, e1 + 1), EINVAL);
	EXPECT_RET(forward(rs, id, e1 + 1000), EINVAL);
	EXPECT_RET(forward(rs, id, UINT64_MAX), EINVAL);

	/* None of that answered e1. */
	expect_quiet(&b, SETTLE_MS);
	expect_counts(owner, s_id, 0, 0, 0, 0);

	/* The answer; then the same seq again. */
	ASSERT_EQ(forward(rs, id, e1), 0);
	expect_str(&b, id, e1, 1, "e1", 0, 0);
	EXPECT_RET(forward(rs, id, e1), EINVAL);
	EXPECT_RET(mutate(rs, id, e1, DROP, 0, NULL, 0), EINVAL);

	/* And for the next event, answered and gone on: again -EINVAL. */
	e2 = post(owner, 2, "e2");
	expect_str(&s, id, e2, 2, "e2", STAGE, 0);
	ASSERT_EQ(replace(rs, id, e2, 3, "e2'"), 0);
	expect_str(&b, id, e2, 3, "e2'", MUTATED, 1);
	EXPECT_RET(replace(rs, id, e2, 4, "again"), EINVAL);
	EXPECT_RET(forward(rs, id, e1), EINVAL);

	expect_quiet(&s, SETTLE_MS);
	expect_quiet(&b, 0);
	expect_quiet(&x, 0);
	expect_counts(owner, s_id, 1, 1, 0, 0);

	close(rs);
	close(rb);
	close(r2);
	close(owner2);
	close(owner);
	close(ctl);
}

/* ---- 7. A stage leaves --------------------------------------------------- */

enum leave_how {
	LEAVE_REVOKE,
	LEAVE_UNSUBSCRIBE,
	LEAVE_CLOSE,
	LEAVE_EVICT,
};

/*
 * A (100) -> S (50, stage) -> B (0), S holding e1 (e2 and e3 waiting
 * behind it) when it stops being a stage.  The events it held reach B
 * unmodified, in order, without waiting for the stage timeout (60 s,
 * or 3 s for EVICT so that a wrong EVICT, waiting for the events it
 * holds, still ends), and S itself is given e2 and e3 as a plain
 * subscriber (no STAGE flag: they were not given by deadline).  Later
 * events flow straight through.
 */
static void stage_leaves(enum leave_how how)
{
	const unsigned int timeout_ms = how == LEAVE_EVICT ? 3000 : HOLD_MS;
	struct eventline_sub_info e[MAX_SUBS];
	uint64_t id, s_id, e1, e2, e3, e4, t0;
	int ctl, owner, ra, rs, rb;
	struct rd a, s, b;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, timeout_ms);
	ra = join(ctl, id, 100, &a, "A");
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	s_id = make_stage(owner, rs, id);

	t0 = tu_now_ns();
	e1 = post(owner, 1, "e1");
	e2 = post(owner, 2, "e2");
	e3 = post(owner, 3, "e3");
	expect_str(&a, id, e1, 1, "e1", 0, 0);
	expect_str(&a, id, e2, 2, "e2", 0, 0);
	expect_str(&a, id, e3, 3, "e3", 0, 0);
	expect_str(&s, id, e1, 1, "e1", STAGE, 0);
	expect_quiet(&b, SETTLE_MS);

	switch (how) {
	case LEAVE_REVOKE:
		ASSERT_EQ(grant(owner, s_id, 0, 0), 0);
		break;
	case LEAVE_UNSUBSCRIBE:
		ASSERT_EQ(tu_unsubscribe(rs, id), 0);
		break;
	case LEAVE_CLOSE:
		close(rs);
		rs = -1;
		break;
	case LEAVE_EVICT:
		ASSERT_EQ(evict(owner, s_id), 0);
		break;
	}
	if (how == LEAVE_EVICT)
		tap_diag("EVICT returned %llu ms after the first post",
			 (unsigned long long)((tu_now_ns() - t0) / MS));

	expect_str(&b, id, e1, 1, "e1", 0, 0);
	expect_str(&b, id, e2, 2, "e2", 0, 0);
	expect_str(&b, id, e3, 3, "e3", 0, 0);
	if (how != LEAVE_CLOSE) {
		expect_str(&s, id, e2, 2, "e2", 0, 0);
		expect_str(&s, id, e3, 3, "e3", 0, 0);
	}
	if (how == LEAVE_EVICT) {
		expect_meta(&s, EVENTLINE_META_EVICTED, id);
		expect_eof(&s);
	}

	/* Later events flow straight through. */
	e4 = post(owner, 4, "e4");
	expect_str(&a, id, e4, 4, "e4", 0, 0);
	expect_str(&b, id, e4, 4, "e4", 0, 0);
	if (how == LEAVE_REVOKE) {
		expect_str(&s, id, e4, 4, "e4", 0, 0);
		EXPECT_RET(forward(rs, id, e1), ENOENT);
		EXPECT_RET(forward(rs, id, e4), ENOENT);
		list_all(owner, 0, e, 3, NULL);
		EXPECT_EQ(e[1].sub_id, s_id);
		EXPECT_EQ(e[1].sub_flags & EVENTLINE_SUB_STAGE, 0);
		EXPECT_EQ(e[1].timed_out, 0);
		EXPECT_EQ(e[1].forwarded, 0);
	} else {
		list_all(owner, 0, e, 2, NULL);
		EXPECT_EQ(e[0].sub_id, sub_id_of(ra, id));
		EXPECT_EQ(e[1].sub_id, sub_id_of(rb, id));
	}
	if (how == LEAVE_UNSUBSCRIBE)
		EXPECT_RET(forward(rs, id, e1), ENOENT);
	expect_quiet(&a, SETTLE_MS);
	expect_quiet(&b, 0);
	/* (Evicted, S is at end of stream: checked above.) */
	if (how == LEAVE_REVOKE || how == LEAVE_UNSUBSCRIBE)
		expect_quiet(&s, 0);

	close(ra);
	if (rs >= 0)
		close(rs);
	close(rb);
	close(owner);
	close(ctl);
}

static void test_leave_revoke(void)
{
	stage_leaves(LEAVE_REVOKE);
}

static void test_leave_unsubscribe(void)
{
	stage_leaves(LEAVE_UNSUBSCRIBE);
}

static void test_leave_close(void)
{
	stage_leaves(LEAVE_CLOSE);
}

static void test_leave_evict(void)
{
	stage_leaves(LEAVE_EVICT);
}

/* ---- 8. The line closes ---------------------------------------------- */

/*
 * A (100) -> S1 (60) -> M (50) -> S2 (40) -> B (0), with e1 (replaced by
 * S1) held at S2 and e2 held at S1 (e3, e4 behind it) when the owner
 * closes the line: every register gets every event it has not had yet
 * (what S1 made of e1, the others as posted, none flagged STAGE: nobody
 * has to answer them), then LINE_CLOSED, then end of stream.  Nothing
 * hangs.
 */
static void test_close_mid_pipeline(void)
{
	struct rd a, s1r, m, s2r, b;
	int ctl, owner, ra, rs1, rm, rs2, rb;
	uint64_t id, e1, e2, e3, e4;
	struct rd *all[5];
	unsigned int i;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	ra = join(ctl, id, 100, &a, "A");
	rs1 = join(ctl, id, 60, &s1r, "S1");
	rm = join(ctl, id, 50, &m, "M");
	rs2 = join(ctl, id, 40, &s2r, "S2");
	rb = join(ctl, id, 0, &b, "B");
	make_stage(owner, rs1, id);
	make_stage(owner, rs2, id);

	e1 = post(owner, 1, "e1");
	e2 = post(owner, 2, "e2");
	e3 = post(owner, 3, "e3");
	e4 = post(owner, 4, "e4");
	expect_str(&s1r, id, e1, 1, "e1", STAGE, 0);
	ASSERT_EQ(replace(rs1, id, e1, 11, "e1'"), 0);
	expect_str(&s2r, id, e1, 11, "e1'", STAGE | MUTATED, 1);
	expect_str(&s1r, id, e2, 2, "e2", STAGE, 0);
	expect_str(&m, id, e1, 11, "e1'", MUTATED, 1);
	expect_quiet(&b, SETTLE_MS);

	/* Bounded: a close that waited for the stages would be killed. */
	alarm(30);
	close(owner);
	alarm(0);

	expect_str(&a, id, e1, 1, "e1", 0, 0);
	expect_str(&a, id, e2, 2, "e2", 0, 0);
	expect_str(&a, id, e3, 3, "e3", 0, 0);
	expect_str(&a, id, e4, 4, "e4", 0, 0);
	expect_str(&s1r, id, e3, 3, "e3", 0, 0);
	expect_str(&s1r, id, e4, 4, "e4", 0, 0);
	expect_str(&m, id, e2, 2, "e2", 0, 0);
	expect_str(&m, id, e3, 3, "e3", 0, 0);
	expect_str(&m, id, e4, 4, "e4", 0, 0);
	expect_str(&s2r, id, e2, 2, "e2", 0, 0);
	expect_str(&s2r, id, e3, 3, "e3", 0, 0);
	expect_str(&s2r, id, e4, 4, "e4", 0, 0);
	expect_str(&b, id, e1, 11, "e1'", MUTATED, 1);
	expect_str(&b, id, e2, 2, "e2", 0, 0);
	expect_str(&b, id, e3, 3, "e3", 0, 0);
	expect_str(&b, id, e4, 4, "e4", 0, 0);

	all[0] = &a;
	all[1] = &s1r;
	all[2] = &m;
	all[3] = &s2r;
	all[4] = &b;
	for (i = 0; i < 5; i++) {
		const struct eventline_record *rec;

		rec = expect_meta(all[i], EVENTLINE_META_LINE_CLOSED, id);
		EXPECT_EQ(rec->uid, 0);
		expect_eof(all[i]);
	}
	/* The stages have nothing to answer any more. */
	EXPECT_RET(forward(rs1, id, e2), ENOENT);
	EXPECT_RET(forward(rs2, id, e2), ENOENT);

	close(ra);
	close(rs1);
	close(rm);
	close(rs2);
	close(rb);
	close(ctl);
}

/* ---- 9. Posters never wait for a stage ------------------------------- */

struct blocked_post {
	int fd;
	pid_t tid;
	long ret;
	uint64_t seq;
};

/* State and CPU time of thread @tid, from /proc, for a diagnostic. */
static const char *thread_stat(pid_t tid)
{
	static char out[128];
	unsigned long utime = 0, stime = 0;
	char path[64], buf[512], state = '?', *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "gone";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return "unreadable";
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p)
		sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		       &state, &utime, &stime);
	snprintf(out, sizeof(out), "state %c, utime %lu, stime %lu ticks",
		 state, utime, stime);
	return out;
}

static void *blocked_post_fn(void *arg)
{
	struct blocked_post *bp = arg;

	__atomic_store_n(&bp->tid, (pid_t)syscall(SYS_gettid),
			 __ATOMIC_RELEASE);
	bp->ret = tu_post(bp->fd, 5, "blocked", 7, &bp->seq);
	return NULL;
}

/* Post on non-blocking @fd until -EAGAIN; returns how many went. */
static unsigned int fill_staging(int fd, uint64_t first)
{
	unsigned int n = 0;
	uint64_t seq;
	long ret;

	end_handling();
	for (;;) {
		ret = tu_post(fd, 5, "filler!!", 8, &seq);
		if (ret == -EAGAIN)
			break;
		ASSERT_EQ(ret, 0);
		ASSERT_EQ(seq, first + n);
		n++;
		ASSERT_LT(n, 1000000);
	}
	return n;
}

/* Wait until @reg's subscription has had @n events (delivered or lost). */
static void wait_offered(int owner, uint64_t sub_id, uint64_t n)
{
	uint64_t end = tu_now_ns() + 4 * WAIT_MS * MS;
	struct eventline_sub_info si;

	for (;;) {
		si = sub_info(owner, sub_id);
		if (si.delivered + si.lost >= n || tu_now_ns() >= end)
			break;
		tu_msleep(20);
	}
	EXPECT_EQ(si.delivered + si.lost, n);
}

/*
 * S (50, stage) -> B (0, a small queue), S never answering.  Posts go on
 * into the line's staging ring without waiting; once it is full a
 * non-blocking poster gets -EAGAIN at once and a blocking one sleeps
 * (not spins) until there is room: when S answers, or when the event at
 * the front passes its deadline (never sooner than the stage timeout
 * after that event was posted).  Every event posted reaches B in the end.
 */
static void test_posters_never_wait(void)
{
	struct blocked_post bp = {};
	struct timespec ts;
	uint64_t id, s_id, b_id, t0, seq, total;
	int ctl, owner, poster, rs, rb;
	unsigned int n, i;
	struct rd s, b;
	pthread_t th;
	long ret;

	ctl = setup();

	/* With the stage holding for ever: only an answer makes room. */
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, EVENTLINE_FD_NONBLOCK,
					 &id));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	set_timeout(owner, id, HOLD_MS);
	rs = join(ctl, id, 50, &s, "S");
	rb = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_NONBLOCK));
	subscribe_at(rb, id, 0);
	rd_init(&b, rb, "B");
	s_id = make_stage(owner, rs, id);
	b_id = sub_id_of(rb, id);

	alarm(60);
	n = fill_staging(owner, 1);
	tap_diag("%u posts fitted in the staging ring", n);
	EXPECT_GE(n, 2);
	EXPECT_RET(tu_post(owner, 5, "one more", 8, NULL), EAGAIN);
	expect_event(&s, id, 1, 5, "filler!!", 8, STAGE, 0);
	expect_quiet(&s, SETTLE_MS);
	expect_quiet(&b, 0);

	/* A blocking poster sleeps, waiting for room. */
	bp.fd = poster;
	ASSERT_EQ(pthread_create(&th, NULL, blocked_post_fn, &bp), 0);
	while (!__atomic_load_n(&bp.tid, __ATOMIC_ACQUIRE))
		tu_msleep(1);
	if (!tu_wait_sleeping(bp.tid)) {
		tap_diag("the blocked poster does not sleep: %s",
			 thread_stat(bp.tid));
		tap_fail();
	}

	/* S answers the front event: room for one, the blocked post goes. */
	ASSERT_EQ(forward(rs, id, 1), 0);
	ASSERT_EQ(clock_gettime(CLOCK_REALTIME, &ts), 0);
	ts.tv_sec += WAIT_MS / 1000;
	ret = pthread_timedjoin_np(th, NULL, &ts);
	if (ret) {
		tap_diag("the blocked post did not return: %s",
			 tap_errname((int)ret));
		tap_abort();
	}
	EXPECT_EQ(bp.ret, 0);
	EXPECT_EQ(bp.seq, n + 1);
	expect_event(&b, id, 1, 5, "filler!!", 8, 0, 0);
	expect_event(&s, id, 2, 5, "filler!!", 8, STAGE, 0);
	/* It took the room: full again. */
	end_handling();
	EXPECT_RET(tu_post(owner, 5, "one more", 8, NULL), EAGAIN);

	/* Another answer, room again: posting resumes. */
	ASSERT_EQ(forward(rs, id, 2), 0);
	expect_event(&b, id, 2, 5, "filler!!", 8, 0, 0);
	end_handling();
	for (i = 0; (ret = tu_post(owner, 5, "resumed", 7, &seq)) == -EAGAIN &&
		    i < WAIT_MS / 10; i++)
		tu_msleep(10);
	ASSERT_EQ(ret, 0);
	EXPECT_EQ(seq, n + 2);
	total = n + 2;

	/* The grant revoked, everything goes on, and reaches B and S. */
	ASSERT_EQ(grant(owner, s_id, 0, 0), 0);
	wait_offered(owner, b_id, total);
	wait_offered(owner, s_id, total);
	expect_counts(owner, s_id, 2, 0, 0, 0);
	alarm(0);

	close(rs);
	close(rb);
	close(poster);
	close(owner);

	/*
	 * With a 300 ms stage timeout: a blocking post into a full staging
	 * ring returns, successfully, once the front event has passed its
	 * deadline, which cannot be sooner than 300 ms after it was posted.
	 */
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, EVENTLINE_FD_NONBLOCK,
					 &id));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	set_timeout(owner, id, 300);
	rs = join(ctl, id, 50, &s, "S2");
	rb = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_NONBLOCK));
	subscribe_at(rb, id, 0);
	rd_init(&b, rb, "B2");
	s_id = make_stage(owner, rs, id);
	b_id = sub_id_of(rb, id);

	alarm(60);
	t0 = tu_now_ns();
	n = fill_staging(owner, 1);
	EXPECT_GE(n, 2);
	end_handling();
	ASSERT_EQ(tu_post(poster, 5, "blocked", 7, &seq), 0);
	EXPECT_GE(tu_now_ns() - t0, 300 * MS);
	EXPECT_EQ(seq, n + 1);
	expect_event(&b, id, 1, 5, "filler!!", 8, 0, 0);
	ASSERT_EQ(grant(owner, s_id, 0, 0), 0);
	wait_offered(owner, b_id, n + 1);
	alarm(0);

	close(rs);
	close(rb);
	close(poster);
	close(owner);
	close(ctl);
}

/* ---- 10. Unprivileged ------------------------------------------------- */

static void msg_send(int s, uint64_t v)
{
	ASSERT_EQ(send(s, &v, sizeof(v), MSG_NOSIGNAL), sizeof(v));
}

static uint64_t msg_recv(int s)
{
	uint64_t v = 0;

	if (recv(s, &v, sizeof(v), 0) != sizeof(v)) {
		tap_diag("the other side is gone");
		tap_abort();
	}
	return v;
}

/*
 * Nobody, subscribed to root's line, cannot make itself a stage: GRANT
 * and LINE_CONFIG are -ENOTTY on every fd it has (control, poster,
 * register), and MUTATE from its register, not a stage, is -ENOENT.
 * Once the owner grants it, nobody's register is a stage like any other:
 * its replacement reaches root's register after it.
 */
static void test_unprivileged(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	int ctl, owner, rb, sv[2];
	uint64_t id, n_id, seq;
	struct rd b;
	unsigned int i;
	pid_t pid;

	ctl = setup();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	/* B first, at the bottom: nobody's subscription goes above it. */
	rb = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	subscribe_at(rb, id, EVENTLINE_PRIORITY_MIN);
	rd_init(&b, rb, "B");
	ASSERT_SYSOK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));

	pid = tu_fork();
	if (!pid) {
		struct eventline_sub_info mine[MAX_SUBS];
		int nctl, reg, poster;
		struct rd r;

		close(sv[0]);
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		nctl = tu_open_ctl();
		reg = ASSERT_OK(tu_register_create(nctl, 0,
						   EVENTLINE_FD_NONBLOCK));
		subscribe_at(reg, id, EVENTLINE_PRIORITY_MIN + 1);
		rd_init(&r, reg, "nobody");
		poster = ASSERT_OK(tu_line_open(nctl, id, NULL, 0));
		n_id = sub_id_of(reg, id);

		EXPECT_RET(grant(reg, n_id, EVENTLINE_GRANT_MUTATE, 0), ENOTTY);
		EXPECT_RET(grant(poster, n_id, EVENTLINE_GRANT_MUTATE, 0),
			   ENOTTY);
		EXPECT_RET(grant(nctl, n_id, EVENTLINE_GRANT_MUTATE, 0), ENOTTY);
		EXPECT_RET(line_config(reg, 0, 1), ENOTTY);
		EXPECT_RET(line_config(poster, 0, 1), ENOTTY);
		EXPECT_RET(line_config(nctl, 0, 1), ENOTTY);
		seq = post(poster, 1, "by nobody");
		expect_str(&r, id, seq, 1, "by nobody", 0, 0);
		EXPECT_RET(forward(reg, id, seq), ENOENT);
		EXPECT_RET(replace(reg, id, seq, 2, "mine"), ENOENT);
		list_all(reg, id, mine, 2, NULL);
		for (i = 0; i < 2; i++)
			EXPECT_EQ(mine[i].sub_flags & EVENTLINE_SUB_STAGE, 0);
		msg_send(sv[1], n_id);

		/* The owner granted it: answer the next event. */
		seq = msg_recv(sv[1]);
		list_all(reg, id, mine, 2, NULL);
		EXPECT_EQ(mine[0].sub_flags &
			  (EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE),
			  EVENTLINE_SUB_STAGE | EVENTLINE_SUB_MINE);
		expect_str(&r, id, seq, 3, "root's", STAGE, 0);
		EXPECT_EQ(replace(reg, id, seq, 4, "nobody's"), 0);
		/* Still no grant of its own to give. */
		EXPECT_RET(grant(reg, n_id, 0, 0), ENOTTY);
		msg_send(sv[1], 1);
		msg_recv(sv[1]);
		tap_child_exit();
	}
	close(sv[1]);
	n_id = msg_recv(sv[0]);
	list_all(owner, 0, e, 2, NULL);
	EXPECT_EQ(e[0].sub_id, n_id);
	EXPECT_EQ(e[0].uid, TU_NOBODY);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(e[i].sub_flags & EVENTLINE_SUB_STAGE, 0);
	/* B got nobody's post (the line's first), answered by no one. */
	expect_str(&b, id, 1, 1, "by nobody", 0, 0);

	ASSERT_EQ(grant(owner, n_id, EVENTLINE_GRANT_MUTATE, 0), 0);
	seq = post(owner, 3, "root's");
	msg_send(sv[0], seq);
	EXPECT_EQ(msg_recv(sv[0]), 1);
	expect_str(&b, id, seq, 4, "nobody's", MUTATED, 1);
	expect_counts(owner, n_id, 0, 1, 0, 0);
	msg_send(sv[0], 0);
	tu_wait_ok(pid);
	expect_quiet(&b, 0);

	close(rb);
	close(owner);
	close(ctl);
}

/* ---- 11. Replaced payloads and max_payload ----------------------------- */

/*
 * A replaced payload obeys max_payload: one byte more is -EMSGSIZE (and
 * answers nothing), exactly max_payload goes through intact.  An empty
 * replacement is a record with no payload.
 */
static void test_replace_sizes(void)
{
	struct eventline_info info;
	uint64_t id, s_id, e1, e2;
	int ctl, owner, rs, rb;
	unsigned char *big;
	struct rd s, b;

	ctl = setup();
	tu_get_info(ctl, &info);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	set_timeout(owner, id, HOLD_MS);
	rs = join(ctl, id, 50, &s, "S");
	rb = join(ctl, id, 0, &b, "B");
	s_id = make_stage(owner, rs, id);
	big = malloc(info.max_payload + 1);
	ASSERT_TRUE(big);
	tu_fill(big, info.max_payload + 1, 7);

	e1 = post(owner, 1, "small");
	expect_str(&s, id, e1, 1, "small", STAGE, 0);
	EXPECT_RET(mutate(rs, id, e1, REPLACE, 2, big, info.max_payload + 1),
		   EMSGSIZE);
	expect_quiet(&b, SETTLE_MS);
	ASSERT_EQ(mutate(rs, id, e1, REPLACE, 2, big, info.max_payload), 0);
	expect_event(&b, id, e1, 2, big, info.max_payload, MUTATED, 1);

	e2 = post(owner, 3, "to be emptied");
	expect_str(&s, id, e2, 3, "to be emptied", STAGE, 0);
	ASSERT_EQ(mutate(rs, id, e2, REPLACE, 0, NULL, 0), 0);
	expect_event(&b, id, e2, 0, NULL, 0, MUTATED, 1);

	expect_quiet(&s, SETTLE_MS);
	expect_quiet(&b, 0);
	expect_counts(owner, s_id, 0, 2, 0, 0);
	free(big);
	close(rs);
	close(rb);
	close(owner);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_grant),
	TAP_TEST(test_pipeline),
	TAP_TEST(test_two_stages),
	TAP_TEST(test_order),
	TAP_TEST_TIMEOUT(test_deadline, 60),
	TAP_TEST(test_errors),
	TAP_TEST_TIMEOUT(test_leave_revoke, 40),
	TAP_TEST_TIMEOUT(test_leave_unsubscribe, 40),
	TAP_TEST_TIMEOUT(test_leave_close, 40),
	TAP_TEST_TIMEOUT(test_leave_evict, 40),
	TAP_TEST_TIMEOUT(test_close_mid_pipeline, 40),
	TAP_TEST_TIMEOUT(test_posters_never_wait, 90),
	TAP_TEST(test_unprivileged),
	TAP_TEST(test_replace_sizes),
};

TAP_MAIN(tests)
