// SPDX-License-Identifier: GPL-2.0
/*
 * memcg_test - what a user makes the module hold is charged to the user's
 * memory cgroup, so memory.max bounds it and it is given back on close.
 *
 * A helper process is moved into a fresh child cgroup (cgroup2, memory
 * controller) and makes the module hold memory there: queued events with
 * max_payload payloads, register rings, lines.  The case process watches
 * memory.current from outside:
 *
 *  - it grows by at least what the helper made the kernel keep (the
 *    payload bytes of every queued event, the ring of every register);
 *  - after the helper exits and its fds close, it falls back to (nearly)
 *    where it was before: nothing the module charged stays charged.
 *
 * Running into memory.max must end in a clean ENOMEM from the post that
 * crosses it, not the cgroup's OOM killer: never more than memory.max is
 * charged, nothing is killed, and the system goes on working.
 *
 * Skips when cgroup2 or its memory controller is not available.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
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

	snprintf(cg->dir, sizeof(cg->dir), CG_ROOT "/eventline-memcg-%d",
		 getpid());
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
 * Queued events are charged: N posts of max_payload bytes sitting in a
 * register's queue show up in memory.current, and go when the fds close.
 */
static void test_queued_events_charged(void)
{
	struct eventline_info info;
	long long before, base, full, after, want;
	unsigned int n = 2048, i;
	struct helper h;
	struct cg cg;

	tu_info(&info);
	cg_create(&cg, 256 * MIB);
	before = cg_read(&cg, "memory.current");
	helper_start(&h);
	if (!h.pid) {
		int ctl, owner, reg;
		unsigned char *payload = malloc(info.max_payload);
		unsigned char buf[TU_REC_SIZE(4096)];
		uint64_t id;

		ASSERT_TRUE(payload != NULL);
		helper_wait(&h);	/* moved into the cgroup */
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
		reg = ASSERT_OK(tu_register_create(ctl, n, EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		tu_fill(payload, info.max_payload, 1);
		helper_say(h.from[1], 'r');
		helper_wait(&h);
		for (i = 0; i < n; i++)
			ASSERT_OK(tu_post(owner, 1, payload, info.max_payload,
					  NULL));
		helper_say(h.from[1], 'p');
		helper_wait(&h);
		/* All of them are there, intact. */
		if (info.max_payload <= 4096) {
			for (i = 0; i < n; i++) {
				ASSERT_EQ(tu_read_exact(reg, buf, info.max_payload),
					  TU_REC_SIZE(info.max_payload));
				if (!tu_check_line_record((void *)buf, id, 1, i + 1,
							  payload,
							  info.max_payload))
					tap_abort();
			}
		}
		EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
		tap_child_exit();	/* closing everything on the way */
	}
	cg_enter(&cg, h.pid);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'r');
	base = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	ASSERT_EQ(parent_hear(&h), 'p');
	full = cg_read(&cg, "memory.current");
	helper_say(h.to[1], 'g');
	tu_wait_ok(h.pid);

	/* Each queued event holds at least its payload. */
	want = (long long)n * info.max_payload;
	tap_diag("memory.current: %lld before, %lld with line and register, %lld with %u events of %u bytes queued",
		 before, base, full, n, info.max_payload);
	EXPECT_GE(full - base, want);

	/* Given back: within a couple of MiB of per-cpu charge caches. */
	after = cg_settle(&cg, before + 2 * MIB);
	tap_diag("memory.current %lld after the helper exited", after);
	EXPECT_LE(after, before + 2 * MIB);
	cg_destroy(&cg);
}

/*
 * As an unprivileged user: register rings (kvmalloc'd, up to
 * max_queue_len slots) are charged to the creator's cgroup, and the lines
 * the user may pin are bounded (EMFILE at max_lines_per_user); all of it
 * is given back on exit.
 */
static void test_unprivileged_rings_and_lines(void)
{
	struct eventline_info info;
	long long before, base, rings, lines, after, want;
	const unsigned int nreg = 16;
	struct helper h;
	struct cg cg;

	tu_info(&info);
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
		helper_wait(&h);
		ctl = tu_open_ctl();
		helper_say(h.from[1], 'r');
		helper_wait(&h);
		for (i = 0; i < nreg; i++)
			ASSERT_OK(tu_register_create(ctl, info.max_queue_len, 0));
		helper_say(h.from[1], 'q');
		helper_wait(&h);
		for (i = 0; i < info.max_lines_per_user; i++)
			ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EMFILE);
		EXPECT_RET(tu_line_create(ctl, "memcg-over", 0600, 0, NULL),
			   EMFILE);
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

	tap_diag("memory.current: %lld before, %lld base, %lld with %u rings of %u, %lld with %u lines",
		 before, base, rings, nreg, info.max_queue_len, lines,
		 info.max_lines_per_user);
	/* A ring is one pointer per slot (rounded up to a power of two). */
	want = (long long)nreg * info.max_queue_len * sizeof(void *);
	EXPECT_GE(rings - base, want);
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

/*
 * Run into memory.max by queueing events: the posts must end with ENOMEM,
 * nobody OOM-killed, no more than memory.max charged, and the module must
 * go on working for others.
 */
static void test_limit_holds(void)
{
	const long long max = 24 * MIB;
	struct eventline_info info;
	long long events, after, oom_kill;
	uint64_t *queued;
	struct helper h;
	int status, ctl, owner, reg;
	uint64_t id;
	struct cg cg;
	tu_info(&info);
	cg_create(&cg, max);
	queued = mmap(NULL, sizeof(*queued), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(queued != MAP_FAILED);
	*queued = 0;
	helper_start(&h);
	if (!h.pid) {
		unsigned char *payload = calloc(1, info.max_payload);
		int ret;

		ASSERT_TRUE(payload != NULL);
		/*
		 * Our own pages count against memory.max too: fault in the
		 * stack and stdio now (charged to the parent cgroup), so the
		 * only thing that can cross the limit is the posts.
		 */
		prefault_stack();
		tap_diag("helper %d filling its cgroup", getpid());
		helper_wait(&h);
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
		reg = ASSERT_OK(tu_register_create(ctl, info.max_queue_len, 0));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		/* More than memory.max could ever hold, if nothing stopped it. */
		for (;;) {
			ret = tu_post(owner, 0, payload, info.max_payload, NULL);
			if (ret)
				break;
			if (++*queued >= info.max_queue_len)
				break;
		}
		/* Give the memory back before touching anything else. */
		close(reg);
		close(owner);
		if (ret != -ENOMEM) {
			tap_diag("post %llu: %s, want ENOMEM",
				 (unsigned long long)*queued + 1,
				 ret ? tap_errname(-ret) : "success (queue full)");
			tap_fail();
		}
		tap_child_exit();
	}
	cg_enter(&cg, h.pid);
	helper_say(h.to[1], 'g');
	ASSERT_EQ(waitpid(h.pid, &status, 0), h.pid);
	events = cg_read_key(&cg, "memory.events", "max");
	oom_kill = cg_read_key(&cg, "memory.events", "oom_kill");
	tap_diag("%llu events queued, memory.events max %lld oom_kill %lld, status %#x",
		 (unsigned long long)*queued, events, oom_kill, status);
	/*
	 * The poster got ENOMEM: payloads are allocated so that the limit
	 * fails the call instead of waking the cgroup's OOM killer.
	 */
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(oom_kill, 0);
	/* It was memory.max that stopped it, not the queue. */
	EXPECT_LT(*queued * info.max_payload, (uint64_t)max);
	EXPECT_GE(events, 1);

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
	TAP_TEST_TIMEOUT(test_queued_events_charged, 60),
	TAP_TEST_TIMEOUT(test_unprivileged_rings_and_lines, 60),
	TAP_TEST_TIMEOUT(test_limit_holds, 60),
};

TAP_MAIN(tests)
