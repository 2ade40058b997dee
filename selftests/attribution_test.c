// SPDX-License-Identifier: GPL-2.0
/*
 * attribution_test - who pays for what a line carries (memory cgroup v2).
 *
 * The rule (uapi REGISTER_CREATE, docs/delivery.md): a register's ring is
 * allocated when the register is created and charged to its creator's
 * memory cgroup; a post allocates nothing that outlives the call; a line's
 * staging ring is charged to the line's owner.  So events queued for a
 * reader who never reads cost the reader, never the poster, and cannot
 * make a post fail.
 *
 * Helper processes are moved into cgroups of their own and driven one
 * step at a time; the case process reads memory.current between steps.
 * memory.current moves in steps of the per-cpu charge batch (64 pages per
 * CPU), so every "did not grow" check allows that much, and amounts are
 * measured over many objects where the batch would otherwise hide them.
 *
 * Skips when cgroup2 or its memory controller is not available.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define KIB		1024LL
#define MIB		(1024 * KIB)
#define STAGING_SIZE	(32 * KIB)

/* What the per-cpu charge caches can hide or add, plus a little. */
static long long charge_slack(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return (cpus > 0 ? cpus : 1) * 64 * sysconf(_SC_PAGESIZE) + 256 * KIB;
}

/* A helper process that acts on command: one byte in, one byte out. */
struct peer {
	pid_t pid;
	int to[2], from[2];
};

static void peer_start(struct peer *p)
{
	ASSERT_SYSOK(pipe2(p->to, O_CLOEXEC));
	ASSERT_SYSOK(pipe2(p->from, O_CLOEXEC));
	p->pid = tu_fork();
}

/* In the helper: wait for the go-ahead (or end when the case is gone). */
static void peer_wait(struct peer *p)
{
	char c;

	if (read(p->to[0], &c, 1) != 1)
		tap_abort();
}

static void peer_say(struct peer *p, char c)
{
	ASSERT_EQ(write(p->from[1], &c, 1), 1);
}

/* In the case: let the helper go on and wait for it to report @c. */
static void peer_step(struct peer *p, char c)
{
	char got = 0, go = 'g';

	ASSERT_EQ(write(p->to[1], &go, 1), 1);
	if (read(p->from[0], &got, 1) != 1 || got != c) {
		tap_diag("helper %d: expected '%c', got '%c'", p->pid, c,
			 got ? got : '?');
		tu_wait_ok(p->pid);
		tap_abort();
	}
}

/* Let the helper finish and check it passed. */
static void peer_finish(struct peer *p)
{
	char go = 'g';

	ASSERT_EQ(write(p->to[1], &go, 1), 1);
	tu_wait_ok(p->pid);
}

/* What the helpers tell the case, in a shared page. */
struct shared {
	uint64_t line_id;
	uint64_t posted;	/* events posted, numbered 1..posted */
	uint64_t failed;	/* posts that failed (the poster stops) */
	int first_err;
	uint64_t received, lost;	/* what the reader found */
};

static struct shared *shared_map(void)
{
	struct shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	return sh;
}

#define EVENTS		200000
#define WARMUP		1000
#define EVENT_LEN	4096

/* Post events up to number @upto, each carrying its number first. */
static void post_upto(int owner, unsigned char *payload, struct shared *sh,
		      uint64_t upto)
{
	uint64_t seq;
	int ret;

	while (sh->posted < upto) {
		uint64_t n = sh->posted + 1;

		memcpy(payload, &n, sizeof(n));
		ret = tu_post(owner, n % 64, payload, EVENT_LEN, &seq);
		if (ret) {
			/* The case reports it; posting on would not tell more. */
			sh->failed++;
			sh->first_err = -ret;
			return;
		}
		if (seq != n) {
			tap_diag("post %llu got seq %llu",
				 (unsigned long long)n,
				 (unsigned long long)seq);
			tap_abort();
		}
		sh->posted = n;
	}
}

/*
 * The subscriber reads what it kept: events 1..k, intact and in order,
 * then one OVERFLOW record for exactly the rest.
 */
static void read_back(int reg, struct shared *sh, const unsigned char *pattern)
{
	const struct eventline_record *rec;
	const struct eventline_overflow *o;
	struct tu_reader r;
	uint64_t k = 0, n;
	int ret;

	tu_reader_init(&r, reg, 256 * 1024);
	while ((ret = tu_reader_next(&r, &rec)) == 1 &&
	       rec->category == EVENTLINE_CAT_LINE) {
		n = k + 1;
		ASSERT_EQ(rec->seq, n);
		ASSERT_EQ(rec->payload_len, EVENT_LEN);
		EXPECT_EQ(rec->type, n % 64);
		if (memcmp(tu_payload(rec), &n, sizeof(n)) ||
		    memcmp((const unsigned char *)tu_payload(rec) + sizeof(n),
			   pattern + sizeof(n), EVENT_LEN - sizeof(n))) {
			tap_diag("payload of event %llu differs",
				 (unsigned long long)n);
			tap_abort();
		}
		k++;
	}
	sh->received = k;
	ASSERT_EQ(ret, 1);
	ASSERT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0));
	o = tu_payload(rec);
	sh->lost = o->lost;
	EXPECT_EQ(o->lost, sh->posted - k);
	EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
	tu_reader_fini(&r);
}

/*
 * A poster in cgroup P and an unprivileged subscriber in cgroup S whose
 * big register never reads while 200000 events of 4096 bytes are posted:
 *  - S pays for the ring from REGISTER_CREATE on, and nothing more later;
 *  - P pays nothing for the events (a few hundred KiB of slack), and P's
 *    memory.max, half the ring, cannot make a post fail;
 *  - the subscriber then reads what fitted and an exact OVERFLOW count;
 *  - when it exits, S gives the ring back.
 */
static void test_reader_pays(void)
{
	long long p_max = 8 * MIB, slack = charge_slack();
	long long s_base, s_reg, s_posted, s_after, p_before, p_after;
	struct eventline_info info;
	struct peer poster, reader;
	struct tu_cg p_cg, s_cg;
	unsigned char *pattern;
	unsigned int ring;
	struct shared *sh;

	tu_info(&info);
	if (info.max_payload < EVENT_LEN)
		tap_skip("max_payload %u < %u", info.max_payload, EVENT_LEN);
	ring = info.max_ring_size < 16 * MIB ? info.max_ring_size : 16 * MIB;
	if (ring < 2 * p_max)
		tap_skip("max_ring_size %u below %lld", info.max_ring_size,
			 2 * p_max);
	sh = shared_map();
	pattern = malloc(EVENT_LEN);
	ASSERT_TRUE(pattern != NULL);
	tu_fill(pattern, EVENT_LEN, 17);
	tu_cg_create(&p_cg, "poster", p_max);
	tu_cg_create(&s_cg, "reader", 64 * MIB);

	peer_start(&poster);
	if (!poster.pid) {
		int ctl, owner;

		peer_wait(&poster);		/* in P */
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0,
						 &sh->line_id));
		peer_say(&poster, 'l');
		peer_wait(&poster);
		post_upto(owner, pattern, sh, WARMUP);
		peer_say(&poster, 'w');
		peer_wait(&poster);
		post_upto(owner, pattern, sh, EVENTS);
		peer_say(&poster, 'p');
		peer_wait(&poster);
		tap_child_exit();
	}
	tu_cg_enter(&p_cg, poster.pid);
	peer_step(&poster, 'l');

	peer_start(&reader);
	if (!reader.pid) {
		int ctl, reg;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		peer_wait(&reader);		/* in S */
		ctl = tu_open_ctl();
		peer_say(&reader, 'o');
		peer_wait(&reader);
		reg = ASSERT_OK(tu_register_create_ring(ctl,
				info.max_queue_len, ring,
				EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(reg, sh->line_id, NULL));
		peer_say(&reader, 'r');
		peer_wait(&reader);		/* everything posted */
		read_back(reg, sh, pattern);
		peer_say(&reader, 'd');
		peer_wait(&reader);
		tap_child_exit();
	}
	tu_cg_enter(&s_cg, reader.pid);
	peer_step(&reader, 'o');
	s_base = tu_cg_read(&s_cg, "memory.current");
	peer_step(&reader, 'r');
	s_reg = tu_cg_read(&s_cg, "memory.current");

	peer_step(&poster, 'w');
	p_before = tu_cg_read(&p_cg, "memory.current");
	peer_step(&poster, 'p');
	p_after = tu_cg_read(&p_cg, "memory.current");
	s_posted = tu_cg_read(&s_cg, "memory.current");

	tap_diag("ring %u bytes, slack %lld", ring, slack);
	tap_diag("S (reader): %lld before REGISTER_CREATE, %lld after, %lld after the posts",
		 s_base, s_reg, s_posted);
	tap_diag("P (poster): %lld after %u posts, %lld after %u, max %lld",
		 p_before, WARMUP, p_after, EVENTS, p_max);
	EXPECT_EQ(sh->posted, EVENTS);
	if (sh->failed) {
		tap_diag("post %llu failed with %s",
			 (unsigned long long)sh->posted + 1,
			 tap_errname(sh->first_err));
		tap_fail();
	}
	EXPECT_GE(s_reg - s_base, ring);
	EXPECT_LE(s_posted - s_reg, slack);
	EXPECT_LE(p_after - p_before, slack);

	peer_step(&reader, 'd');
	tap_diag("reader kept %llu events, OVERFLOW says %llu lost",
		 (unsigned long long)sh->received,
		 (unsigned long long)sh->lost);
	/* The ring was full: it held what fits, and no more. */
	EXPECT_GT(sh->received, 0);
	EXPECT_LE(sh->received * TU_REC_SIZE(EVENT_LEN), ring);
	EXPECT_EQ(sh->received + sh->lost, EVENTS);
	peer_finish(&reader);

	s_after = tu_cg_settle(&s_cg, s_base + slack);
	tap_diag("S %lld after the reader exited", s_after);
	EXPECT_LE(s_after, s_base + slack);

	peer_finish(&poster);
	tu_cg_destroy(&s_cg);
	tu_cg_destroy(&p_cg);
}

/*
 * A user's line has a 32 KiB staging ring, charged to the cgroup of the
 * owner creating it, and given back when the owner closes the line.
 * Measured over many lines so the per-cpu charge batch cannot hide it.
 */
static void test_staging_charged_to_owner(void)
{
	long long before, created, after, slack = charge_slack();
	struct eventline_info info;
	struct peer owner;
	unsigned int nl;
	struct tu_cg cg;

	tu_info(&info);
	nl = info.max_lines_per_user < 64 ? info.max_lines_per_user : 64;
	if (nl < 32)
		tap_skip("max_lines_per_user %u too few to measure",
			 info.max_lines_per_user);
	tu_cg_create(&cg, "owner", 64 * MIB);

	peer_start(&owner);
	if (!owner.pid) {
		int ctl, fds[64];
		unsigned int i;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		peer_wait(&owner);		/* in the cgroup */
		ctl = tu_open_ctl();
		/* Grow the fd table now, not while the lines are counted. */
		for (i = 0; i < nl; i++)
			fds[i] = ASSERT_SYSOK(dup(ctl));
		for (i = 0; i < nl; i++)
			close(fds[i]);
		peer_say(&owner, 'o');
		peer_wait(&owner);
		for (i = 0; i < nl; i++)
			fds[i] = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0,
							  NULL));
		peer_say(&owner, 'c');
		peer_wait(&owner);
		for (i = 0; i < nl; i++)
			close(fds[i]);
		peer_say(&owner, 'x');
		peer_wait(&owner);
		tap_child_exit();
	}
	tu_cg_enter(&cg, owner.pid);
	peer_step(&owner, 'o');
	before = tu_cg_read(&cg, "memory.current");
	peer_step(&owner, 'c');
	created = tu_cg_read(&cg, "memory.current");
	peer_step(&owner, 'x');
	after = tu_cg_settle(&cg, before + slack);

	tap_diag("memory.current %lld before, %lld with %u lines (%lld bytes each), %lld after closing them; slack %lld",
		 before, created, nl, (created - before) / nl, after, slack);
	/* About 32 KiB a line: the staging ring and a little. */
	EXPECT_GE(created - before, nl * STAGING_SIZE - slack);
	EXPECT_LE(created - before, nl * (STAGING_SIZE + 8 * KIB) + slack);
	EXPECT_LE(after, before + slack);
	peer_finish(&owner);
	tu_cg_destroy(&cg);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_reader_pays, 300),
	TAP_TEST_TIMEOUT(test_staging_charged_to_owner, 60),
};

TAP_MAIN(tests)
