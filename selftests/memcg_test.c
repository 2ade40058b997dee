// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_test - what a user makes the module hold is charged to the user's
 * memory cgroup, so memory.max bounds it and it is given back on close.
 *
 * Who pays (docs/delivery.md, section 3): a register's ring is allocated
 * at REGISTER_CREATE and charged to its creator; a line's staging ring to
 * its owner; a post allocates nothing that outlives the call.  So queued
 * events count against the reader that queues them, never against a
 * poster, and a reader that never reads cannot make a post fail.
 *
 * Helper processes are moved into fresh child cgroups (cgroup2, memory
 * controller) and make the module allocate there; the case process watches
 * memory.current from outside.  memory.current is exact up to the
 * controller's per-CPU charge batches (cg_slack()), which the checks
 * allow for and no more:
 *
 *  - it grows by the ring bytes of every register created, asked for or
 *    the default size, and shrinks by them on close;
 *  - it does not grow in the poster's cgroup, nor in the readers', while
 *    100000 events go to registers that never read;
 *  - at memory.max, REGISTER_CREATE fails with a clean ENOMEM, not the
 *    cgroup's OOM killer: never more than memory.max is charged, nothing
 *    is killed, and the system goes on working;
 *  - after the helpers exit, it falls back to (nearly) where it was.
 *
 * Skips when cgroup2 or its memory controller is not available.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define MIB		(1024LL * 1024)

struct cg {
	char dir[128];
};

static void cg_path(const struct cg *cg, const char *file, char *buf,
		    size_t len)
{
	snprintf(buf, len, "%s/%s", cg->dir, file);
}

static long long cg_read(const struct cg *cg, const char *file)
{
	char path[192];
	long long v;

	cg_path(cg, file, path, sizeof(path));
	ASSERT_OK(tu_read_ll(path, &v));
	return v;
}

/* A "key value" line of a flat-keyed file such as memory.events. */
static long long cg_read_key(const struct cg *cg, const char *file,
			     const char *key)
{
	char path[192], line[128];
	long long v = -1;
	FILE *f;

	cg_path(cg, file, path, sizeof(path));
	f = fopen(path, "re");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		size_t n = strlen(key);

		if (!strncmp(line, key, n) && line[n] == ' ')
			v = atoll(line + n + 1);
	}
	fclose(f);
	return v;
}

static void cg_write(const struct cg *cg, const char *file, const char *val)
{
	char path[192];
	int ret;

	cg_path(cg, file, path, sizeof(path));
	ret = tu_write_str(path, val);
	if (ret) {
		tap_diag("write %s to %s: %s", val, path, tap_errname(-ret));
		tap_abort();
	}
}

/* cgroup2 with the memory controller, and a child cgroup of our own. */
static void cg_create(struct cg *cg, long long max)
{
	static unsigned int n;
	char buf[256];

	if (access(CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(CG_ROOT, 0755);
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			tap_skip("cannot mount cgroup2: %s", tap_errname(errno));
	}
	if (tu_read_str(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		tap_skip("no memory controller in cgroup2");
	if (tu_write_str(CG_ROOT "/cgroup.subtree_control", "+memory"))
		tap_skip("cannot enable +memory: %s", tap_errname(errno));

	snprintf(cg->dir, sizeof(cg->dir), CG_ROOT "/eventline-memcg-%d-%u",
		 getpid(), n++);
	ASSERT_SYSOK(mkdir(cg->dir, 0755));
	snprintf(buf, sizeof(buf), "%lld", max);
	cg_write(cg, "memory.max", buf);
	/* No swap in the guest, but make sure nothing leaves for it. */
	cg_path(cg, "memory.swap.max", buf, sizeof(buf));
	if (!access(buf, F_OK))
		cg_write(cg, "memory.swap.max", "0");
}

static void cg_enter(const struct cg *cg, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", pid);
	cg_write(cg, "cgroup.procs", buf);
}

/*
 * Wait until memory.current is at most @limit (uncharging may lag behind
 * an exit by RCU grace periods and per-cpu charge caches).
 */
static long long cg_settle(const struct cg *cg, long long limit)
{
	long long cur = 0;
	int i;

	for (i = 0; i < 300; i++) {
		cur = cg_read(cg, "memory.current");
		if (cur <= limit)
			break;
		tu_msleep(10);
	}
	return cur;
}

static void cg_destroy(struct cg *cg)
{
	int i;

	/* The helper may take a moment to leave the cgroup. */
	for (i = 0; i < 200 && rmdir(cg->dir) && errno == EBUSY; i++)
		tu_msleep(10);
}

/* A helper that acts on command: one byte in, one byte out. */
struct helper {
	pid_t pid;
	int to[2], from[2];
};

/* Write to a good part of the stack, so no later call faults it in. */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile unsigned char buf[64 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 1;
}

static void helper_start(struct helper *h)
{
	ASSERT_SYSOK(pipe2(h->to, O_CLOEXEC));
	ASSERT_SYSOK(pipe2(h->from, O_CLOEXEC));
	h->pid = tu_fork();
}

static char helper_wait(struct helper *h)
{
	char c;

	ASSERT_EQ(read(h->to[0], &c, 1), 1);
	return c;
}

static void helper_say(int fd, char c)
{
	ASSERT_EQ(write(fd, &c, 1), 1);
}

static char parent_hear(struct helper *h)
{
	char c = 0;

	return read(h->from[0], &c, 1) == 1 ? c : 0;
}

/*
 * Bounds on how far memory.current may be from what was charged: the
 * memory controller charges in batches of 64 pages per CPU and keeps the
 * surplus in a per-CPU stock (one more page for its byte-sized object
 * stock), counted in memory.current but not yet used.
 */
static long long cg_slack(void)
{
	return 65LL * sysconf(_SC_PAGESIZE) * sysconf(_SC_NPROCESSORS_ONLN);
}

/* What REGISTER_CREATE allocates beside the ring's data (see the test). */
static long long reg_overhead(unsigned int ring_size, unsigned int queue_len)
{
	long long pg = sysconf(_SC_PAGESIZE), slots = 1;

	while (slots < queue_len)
		slots <<= 1;
	/*
	 * The producer and consumer pages, the page array (the data pages
	 * twice, for the double mapping, and the producer page), one end
	 * position per event slot, and up to a page for the struct and its
	 * file.
	 */
	return 2 * pg + (1 + 2LL * ring_size / pg) * 8 + slots * 4 + pg;
}

/* The ring size a register fd reports in /proc/self/fdinfo. */
static unsigned int reg_ring_size(int fd)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(f, 0);
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	p = strstr(buf, "ring_size:");
	ASSERT_TRUE(p != NULL);
	return strtoul(p + strlen("ring_size:"), NULL, 10);
}

/*
 * A register's ring is allocated at REGISTER_CREATE and charged to the
 * creator's cgroup: ring_size bytes (a power of two, so whole pages) plus
 * small bookkeeping, whether the size is asked for or the default; closing
 * the register gives it back.
 */
static void test_ring_charged_to_creator(void)
{
	/* Enough default rings that their bytes stand well above the slack. */
	enum { NREG = 4, NDFLT = 32 };
	const unsigned int qlen = 64;
	struct eventline_info info;
	long long before, base, asked, dflt, closed, after, want, slack;
	unsigned int ring;
	struct helper h;
	struct cg cg;

	tu_info(&info);
	ring = info.max_ring_size < 4 * MIB ? info.max_ring_size : 4 * MIB;
	slack = cg_slack();
	cg_create(&cg, 256 * MIB);
	before = cg_read(&cg, "memory.current");
	helper_start(&h);
	if (!h.pid) {
		int ctl, reg[NREG + NDFLT];
		unsigned int i;

		prefault_stack();
		helper_wait(&h);	/* moved into the cgroup */
		ctl = tu_open_ctl();
		helper_say(h.from[1], 'r');
		helper_wait(&h);
		for (i = 0; i < NREG; i++) {
			reg[i] = ASSERT_OK(tu_register_create_ring(ctl, qlen,
								   ring, 0));
			EXPECT_EQ(reg_ring_size(reg[i]), ring);
		}
		helper_say(h.from[1], 'a');
		helper_wait(&h);
		for (; i < NREG + NDFLT; i++) {
			reg[i] = ASSERT_OK(tu_register_create(ctl, 0, 0));
			EXPECT_EQ(reg_ring_size(reg[i]),
				  info.default_ring_size);
		}
		helper_say(h.from[1], 'd');
		helper_wait(&h);
		for (i = 0; i < NREG + NDFLT; i++)
			close(reg[i]);
		helper_say(h.from[1], 'c');
		helper_wait(&h);
		tap_child_exit();
	}
	cg_enter(&cg, h.pid);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'r');
	base = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'a');
	asked = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'd');
	dflt = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'c');
	/* The ring goes with close(); the struct after an RCU grace period. */
	closed = cg_settle(&cg, base + slack);
	helper_say(h.to[1], 'g');
	tu_wait_ok(h.pid);

	tap_diag("memory.current: %lld before, %lld base, %lld with %u rings of %u, %lld with %u more of %u (default), %lld closed; slack %lld",
		 before, base, asked, NREG, ring, dflt, NDFLT,
		 info.default_ring_size, closed, slack);
	want = NREG * (long long)ring;
	EXPECT_GE(asked - base, want - slack);
	EXPECT_LE(asked - base, want + NREG * reg_overhead(ring, qlen) + slack);
	want = NDFLT * (long long)info.default_ring_size;
	EXPECT_GE(dflt - asked, want - slack);
	EXPECT_LE(dflt - asked,
		  want + NDFLT * reg_overhead(info.default_ring_size,
					      info.default_queue_len) + slack);
	EXPECT_LE(closed, base + slack);

	/* Given back: within a couple of MiB of per-cpu charge caches. */
	after = cg_settle(&cg, before + 2 * MIB);
	tap_diag("memory.current %lld after the helper exited", after);
	EXPECT_LE(after, before + 2 * MIB);
	cg_destroy(&cg);
}

/*
 * As an unprivileged user: register rings (for max_queue_len records, the
 * default ring size) are charged to the creator's cgroup, and the lines
 * the user may pin are bounded (EDQUOT at max_lines_per_user); all of it
 * is given back on exit.
 */
static void test_unprivileged_rings_and_lines(void)
{
	struct eventline_info info;
	long long before, base, rings, lines, after, want;
	const unsigned int nreg = 16;
	unsigned long long *ring_bytes;
	struct helper h;
	struct cg cg;

	tu_info(&info);
	ring_bytes = mmap(NULL, sizeof(*ring_bytes), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ring_bytes != MAP_FAILED);
	*ring_bytes = 0;
	if (info.max_lines_per_user > 4096)
		tap_skip("max_lines_per_user %u too many here",
			 info.max_lines_per_user);
	tu_raise_nofile(info.max_lines_per_user + nreg + 64);
	cg_create(&cg, 256 * MIB);
	before = cg_read(&cg, "memory.current");
	helper_start(&h);
	if (!h.pid) {
		unsigned int i;
		int ctl;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		/* /proc/self/fdinfo: ours to read again after the uid change. */
		ASSERT_SYSOK(prctl(PR_SET_DUMPABLE, 1));
		helper_wait(&h);
		ctl = tu_open_ctl();
		helper_say(h.from[1], 'r');
		helper_wait(&h);
		for (i = 0; i < nreg; i++)
			*ring_bytes += reg_ring_size(ASSERT_OK(tu_register_create(
					ctl, info.max_queue_len, 0)));
		helper_say(h.from[1], 'q');
		helper_wait(&h);
		for (i = 0; i < info.max_lines_per_user; i++)
			ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		EXPECT_RET(tu_line_create(ctl, "memcg-over", 0600, 0, NULL),
			   EDQUOT);
		helper_say(h.from[1], 'l');
		helper_wait(&h);
		tap_child_exit();
	}
	cg_enter(&cg, h.pid);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'r');
	base = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'q');
	rings = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'l');
	lines = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	tu_wait_ok(h.pid);

	tap_diag("memory.current: %lld before, %lld base, %lld with %u rings for %u records (%llu bytes in all), %lld with %u lines",
		 before, base, rings, nreg, info.max_queue_len, *ring_bytes,
		 lines, info.max_lines_per_user);
	/* Every ring's bytes, give or take the charge batches. */
	want = *ring_bytes;
	EXPECT_GE(*ring_bytes, (unsigned long long)nreg * 4096);
	EXPECT_GE(rings - base, want - cg_slack());
	/*
	 * Lines are charged too, but a few hundred bytes each: 128 of them
	 * hide inside the per-cpu charge batch (64 pages), so only their
	 * number is asserted, not their bytes.
	 */
	EXPECT_GE(lines, rings);

	after = cg_settle(&cg, before + 2 * MIB);
	tap_diag("memory.current %lld after the helper exited", after);
	EXPECT_LE(after, before + 2 * MIB);
	cg_destroy(&cg);

	/* Nobody's count went with the helper: room for a line again. */
	h.pid = tu_fork();
	if (!h.pid) {
		int ctl = tu_open_ctl();

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		tap_child_exit();
	}
	tu_wait_ok(h.pid);
}

/* memory.max of @cg: @max bytes. */
static void cg_set_max(const struct cg *cg, long long max)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", max);
	cg_write(cg, "memory.max", buf);
}

/* memory.peak, or -1 before Linux 5.19. */
static long long cg_peak(const struct cg *cg)
{
	char path[192];
	long long v;

	cg_path(cg, "memory.peak", path, sizeof(path));
	return tu_read_ll(path, &v) ? -1 : v;
}

static unsigned int pow2_ceil(unsigned long long v)
{
	unsigned int p = 4096;

	while (p < v)
		p <<= 1;
	return p;
}

/* What the poster and reader helpers share. */
struct pnc_shared {
	uint64_t line_id;
};

/*
 * Posting into registers that never read charges the poster nothing that
 * outlives a call.  A poster posts 100000 events of max_payload bytes
 * (400 MiB at the default), half one by one and half in batches, into
 * four registers of another cgroup that never read: every post succeeds,
 * the poster's memory.current stays within one call's transient payload
 * copies and the charge batches (memory.peak shows the whole run), its
 * memory.max, 8 MiB above where it started, is never hit, and the
 * readers' cgroup does not grow either, its rings having been paid for at
 * REGISTER_CREATE.  Afterwards each register holds exactly the first
 * events that fit its ring, then one OVERFLOW record with the exact number
 * of the rest, then LINE_CLOSED.
 */
static void test_posts_not_charged(void)
{
	enum { NREG = 4, BATCH = 64 };
	const unsigned int nev = 100000, qlen = 64;
	long long base_p, base_r, cur, top_p = 0, top_r = 0, peak, maxev;
	long long slack, transient;
	unsigned int ring, rec, fit;
	struct eventline_info info;
	struct pnc_shared *sh;
	struct helper hp, hr;
	struct cg cgp, cgr;
	struct pollfd pfd;
	char c = 0;

	tu_info(&info);
	rec = TU_REC_SIZE(info.max_payload);
	/*
	 * 8 records, and the META reserve: 72 bytes per META record, two
	 * per subscription (LINE_CLOSED or EVICTED, DEMOTED), one spare.
	 */
	ring = pow2_ceil(8ULL * rec + 216);
	if (ring > info.max_ring_size)
		tap_skip("max_payload %u too big for max_ring_size %u",
			 info.max_payload, info.max_ring_size);
	fit = (ring - 216) / rec;
	if (fit > qlen)
		fit = qlen;
	slack = cg_slack();
	/* A batch's payload copies and its entry and event arrays. */
	transient = BATCH * (long long)(info.max_payload + 128) +
		    2 * sysconf(_SC_PAGESIZE);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(sh != MAP_FAILED);
	cg_create(&cgp, 256 * MIB);
	cg_create(&cgr, 256 * MIB);

	helper_start(&hp);
	if (!hp.pid) {
		struct eventline_post_entry ents[BATCH];
		unsigned char *payload = malloc(info.max_payload);
		unsigned int i, n;
		int ctl, owner;

		ASSERT_TRUE(payload != NULL);
		tu_fill(payload, info.max_payload, 7);
		for (i = 0; i < BATCH; i++)
			ents[i] = (struct eventline_post_entry){
				.type = 2, .payload_len = info.max_payload,
				.payload = (uintptr_t)payload,
			};
		prefault_stack();
		helper_wait(&hp);	/* moved into its cgroup */
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0,
						 &sh->line_id));
		helper_say(hp.from[1], 'l');
		helper_wait(&hp);
		for (n = 0; n < nev / 2; n++)
			if (tu_post(owner, 1, payload, info.max_payload, NULL))
				break;
		while (n < nev) {
			struct eventline_post_batch b = {
				.size = sizeof(b),
				.count = nev - n < BATCH ? nev - n : BATCH,
				.entry_size = sizeof(ents[0]),
				.entries = (uintptr_t)ents,
			};

			if (tu_ioctl(owner, EVENTLINE_IOC_POST_BATCH, &b) !=
			    b.count)
				break;
			n += b.count;
		}
		helper_say(hp.from[1], 'p');
		/* Every post went through. */
		EXPECT_EQ(n, nev);
		helper_wait(&hp);
		close(owner);
		close(ctl);
		tap_child_exit();
	}

	helper_start(&hr);
	if (!hr.pid) {
		unsigned char *payload = malloc(info.max_payload);
		const struct eventline_record *r;
		int ctl, reg[NREG];
		struct tu_reader rd;
		unsigned int i, j;
		uint64_t lost;

		ASSERT_TRUE(payload != NULL);
		tu_fill(payload, info.max_payload, 7);
		prefault_stack();
		helper_wait(&hr);	/* moved into its cgroup */
		ctl = tu_open_ctl();
		for (i = 0; i < NREG; i++) {
			reg[i] = ASSERT_OK(tu_register_create_ring(ctl, qlen,
					ring, EVENTLINE_FD_NONBLOCK));
			ASSERT_OK(tu_subscribe(reg[i], sh->line_id, NULL));
		}
		helper_say(hr.from[1], 's');
		helper_wait(&hr);	/* all posted, the line closed */
		for (i = 0; i < NREG; i++) {
			tu_reader_init(&rd, reg[i], 64 * 1024);
			for (j = 1; j <= fit; j++) {
				ASSERT_EQ(tu_reader_next(&rd, &r), 1);
				if (!tu_check_line_record(r, sh->line_id, 1, j,
							  payload,
							  info.max_payload))
					tap_abort();
			}
			/*
			 * The ring had room for the OVERFLOW record when the
			 * line closed, so it comes before LINE_CLOSED.
			 */
			ASSERT_EQ(tu_reader_next(&rd, &r), 1);
			ASSERT_TRUE(tu_check_meta_record(r,
						EVENTLINE_META_OVERFLOW, 0));
			memcpy(&lost, tu_payload(r), sizeof(lost));
			EXPECT_EQ(lost, nev - fit);
			ASSERT_EQ(tu_reader_next(&rd, &r), 1);
			EXPECT_TRUE(tu_check_meta_record(r,
					EVENTLINE_META_LINE_CLOSED,
					sh->line_id));
			EXPECT_EQ(tu_reader_next(&rd, &r), 0);
			tu_reader_fini(&rd);
		}
		tap_child_exit();
	}

	cg_enter(&cgp, hp.pid);
	helper_say(hp.to[1], 'g');
	ASSERT_EQ(parent_hear(&hp), 'l');
	cg_enter(&cgr, hr.pid);
	helper_say(hr.to[1], 'g');
	ASSERT_EQ(parent_hear(&hr), 's');

	base_p = cg_read(&cgp, "memory.current");
	base_r = cg_read(&cgr, "memory.current");
	cg_set_max(&cgp, base_p + 8 * MIB);
	helper_say(hp.to[1], 'g');
	/* Watch both cgroups while the posts go on. */
	pfd = (struct pollfd){ hp.from[0], POLLIN, 0 };
	do {
		cur = cg_read(&cgp, "memory.current");
		top_p = cur > top_p ? cur : top_p;
		cur = cg_read(&cgr, "memory.current");
		top_r = cur > top_r ? cur : top_r;
	} while (poll(&pfd, 1, 1) == 0);
	c = parent_hear(&hp);
	peak = cg_peak(&cgp);
	maxev = cg_read_key(&cgp, "memory.events", "max");
	helper_say(hp.to[1], 'g');
	tu_wait_ok(hp.pid);
	helper_say(hr.to[1], 'g');
	tu_wait_ok(hr.pid);

	tap_diag("poster memory.current %lld at the start, %lld at most (memory.peak %lld), memory.events max %lld; readers %lld, %lld at most; %u of each register's events fit in %u bytes; slack %lld + %lld",
		 base_p, top_p, peak, maxev, base_r, top_r, fit, ring, slack,
		 transient);
	EXPECT_EQ(c, 'p');
	EXPECT_LE(top_p - base_p, transient + slack);
	if (peak >= 0)
		EXPECT_LE(peak - base_p, transient + slack);
	EXPECT_EQ(maxev, 0);
	EXPECT_LE(top_r - base_r, slack);

	EXPECT_LE(cg_settle(&cgp, 2 * MIB), 2 * MIB);
	EXPECT_LE(cg_settle(&cgr, 2 * MIB), 2 * MIB);
	cg_destroy(&cgp);
	cg_destroy(&cgr);
}

/*
 * At the memory cgroup's limit, REGISTER_CREATE of a big ring fails with
 * ENOMEM: no OOM kill, memory.max never exceeded, the failed ring leaves
 * nothing charged, and the registers created before it still work.  With
 * room for two and a half rings, exactly two are created.
 */
static void test_limit_holds(void)
{
	enum { TRIES = 8 };
	struct eventline_info info;
	long long base, max, at_fail, events, oom, oom_kill, peak, after;
	unsigned int ring;
	int status, ctl, owner, reg, *made;
	struct helper h;
	uint64_t id;
	struct cg cg;

	tu_info(&info);
	ring = info.max_ring_size < 16 * MIB ? info.max_ring_size : 16 * MIB;
	if (ring < 4 * MIB)
		tap_skip("max_ring_size %u: too small to reach the limit",
			 info.max_ring_size);
	made = mmap(NULL, sizeof(*made), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(made != MAP_FAILED);
	*made = 0;
	cg_create(&cg, 256 * MIB);
	helper_start(&h);
	if (!h.pid) {
		unsigned char buf[TU_REC_SIZE(256)];
		unsigned char payload[256];
		int regs[TRIES], ret = 0, i;
		uint64_t seq;

		/*
		 * Our own pages count against memory.max too: fault in the
		 * stack and stdio now (charged to the parent cgroup), so the
		 * only thing that can reach the limit is the rings.
		 */
		prefault_stack();
		tap_diag("helper %d filling its cgroup", getpid());
		tu_fill(payload, sizeof(payload), 3);
		helper_wait(&h);
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
		helper_say(h.from[1], 'o');
		helper_wait(&h);	/* memory.max is set */
		for (i = 0; i < TRIES; i++) {
			ret = tu_register_create_ring(ctl, 64, ring, 0);
			if (ret < 0)
				break;
			regs[i] = ret;
		}
		*made = i;
		EXPECT_RET(ret, ENOMEM);
		helper_say(h.from[1], 'f');
		helper_wait(&h);
		/* The rings made before the limit work. */
		for (i = 0; i < *made; i++)
			ASSERT_OK(tu_subscribe(regs[i], id, NULL));
		EXPECT_OK(tu_post(owner, 5, payload, sizeof(payload), &seq));
		for (i = 0; i < *made; i++) {
			EXPECT_EQ(tu_read_exact(regs[i], buf, sizeof(payload)),
				  TU_REC_SIZE(sizeof(payload)));
			tu_check_line_record((void *)buf, id, 5, seq, payload,
					     sizeof(payload));
			close(regs[i]);
		}
		close(owner);
		tap_child_exit();
	}
	cg_enter(&cg, h.pid);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'o');
	base = cg_read(&cg, "memory.current");
	max = base + 2 * (long long)ring + ring / 2;
	cg_set_max(&cg, max);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'f');
	at_fail = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(waitpid(h.pid, &status, 0), h.pid);
	events = cg_read_key(&cg, "memory.events", "max");
	oom = cg_read_key(&cg, "memory.events", "oom");
	oom_kill = cg_read_key(&cg, "memory.events", "oom_kill");
	peak = cg_peak(&cg);
	tap_diag("%d rings of %u made under memory.max %lld (base %lld); %lld after the failure, memory.peak %lld, memory.events max %lld oom %lld oom_kill %lld, status %#x",
		 *made, ring, max, base, at_fail, peak, events, oom, oom_kill,
		 status);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(*made, 2);
	/* The limit failed the allocation: no OOM, nobody killed. */
	EXPECT_GE(events, 1);
	EXPECT_EQ(oom, 0);
	EXPECT_EQ(oom_kill, 0);
	if (peak >= 0)
		EXPECT_LE(peak, max);
	/* What the failed REGISTER_CREATE had allocated went back. */
	EXPECT_LE(at_fail, base + 2 * (ring + reg_overhead(ring, 64)) +
		  cg_slack());

	after = cg_settle(&cg, 2 * MIB);
	EXPECT_LE(after, 2 * MIB);
	cg_destroy(&cg);

	/* The system is fine: a line posts to a register as ever. */
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	ASSERT_OK(tu_post(owner, 0, "x", 1, NULL));
	{
		unsigned char buf[TU_REC_SIZE(1)];

		EXPECT_EQ(tu_read_exact(reg, buf, 1), TU_REC_SIZE(1));
	}
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_ring_charged_to_creator, 60),
	TAP_TEST_TIMEOUT(test_unprivileged_rings_and_lines, 60),
	TAP_TEST_TIMEOUT(test_posts_not_charged, 180),
	TAP_TEST_TIMEOUT(test_limit_holds, 60),
};

TAP_MAIN(tests)
