// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test - every allocation the module makes may fail: it must fail
 * the one call cleanly and leave nothing half-made behind.
 *
 * Two ways of injecting, on kernels with fault injection (the debug
 * kernel); on kernels without it (stock Debian) every case skips.
 *
 * test_failslab_every_op: failslab (CONFIG_FAILSLAB, with its debugfs
 * knobs) in task-filter mode: only a task whose
 * /proc/thread-self/make-it-fail is 1 sees injected failures, and this
 * test sets it only around the one call under test, so the test's own
 * bookkeeping (printing, malloc, reading /proc) never fails.  Rounds of
 * every operation, each slab allocation failing at random.
 *
 * test_fail_nth_sweep: /proc/thread-self/fail-nth makes exactly the Nth
 * fallible allocation of the calling thread fail, slab (failslab) or page
 * (fail_page_alloc, when the kernel has it) alike.  Each call that the
 * delivery engine made allocate (REGISTER_CREATE: page pointer array,
 * ring, producer and consumer pages, vmap, event-end array; LINE_CREATE:
 * the staging ring; POST above 256 bytes of payload: its copy;
 * POST_BATCH: entry, event and payload arrays) is repeated with
 * N = 1, 2, ... until a call sees no injected failure, so every one of
 * its allocations fails once, including the page-by-page ring allocation.
 * fail-nth fails one allocation per call, so for the arrays kvmalloc()
 * may put in vmalloc() a random pass follows that fails every allocation
 * of two pages or more (forcing the fallback) and, at random, slab
 * allocations, those of the fallback included.
 *
 * Each failing call must return an errno from a small allowed set
 * (ENOMEM; ENFILE too for calls that make a file); a call may also
 * succeed when what failed had a fallback.  Then, with injection off, the
 * state must show no trace of the failure: a failed LINE_CREATE or
 * REGISTER_CREATE left no fd and a name whose LINE_CREATE failed is free,
 * a register whose SUBSCRIBE failed is not subscribed (UNSUBSCRIBE says
 * ENOENT) and gets nothing, a failed POST or POST_BATCH used no sequence
 * number and delivered nothing, good registers get exactly the successful
 * posts then LINE_CLOSED then EOF, a register made despite an injected
 * failure works (read() and its mapping), and the per-user counts of
 * lines, registers and poster fds are back to zero (exactly the limit of
 * each fits).  Unloading the
 * module and the kmemleak scan at the end of the VM run catch leaked
 * objects; kmemleak does not track pages or vmap areas, so the sweep also
 * runs in a memory cgroup that must be back to (nearly) nothing when it is
 * done (ring pages are charged to it) and checks that /proc/vmallocinfo
 * lists no more eventline areas than before.
 *
 * The injection runs in a forked helper; the case process restores the
 * fault injection settings afterwards, whatever happened to the helper.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define FS_DIR		"/sys/kernel/debug/failslab"
#define FPA_DIR		"/sys/kernel/debug/fail_page_alloc"
#define FI_MAX_REGS	3
#define FI_BATCH	3	/* entries of a batch in the random rounds */

struct fi_knob {
	const char *dir, *knob, *value;
};

/* The knobs the random case sets, and what it sets them to. */
static const struct fi_knob fi_knobs[] = {
	{ FS_DIR, "verbose", "0" },	/* a Call Trace per failure fails the run */
	{ FS_DIR, "space", "0" },
	{ FS_DIR, "times", "-1" },
	{ FS_DIR, "interval", "1" },
	{ FS_DIR, "task-filter", "Y" },
	{ FS_DIR, "ignore-gfp-wait", "N" },
	{ FS_DIR, "probability", "20" },
};

/*
 * The sweep's: no random failures, only fail-nth, which still goes through
 * each fault type's filters first, so those must let GFP_KERNEL and
 * single-page allocations through.
 */
static const struct fi_knob fi_nth_slab_knobs[] = {
	{ FS_DIR, "verbose", "0" },
	{ FS_DIR, "ignore-gfp-wait", "N" },
	{ FS_DIR, "task-filter", "Y" },
	{ FS_DIR, "interval", "1" },
	{ FS_DIR, "space", "0" },
	{ FS_DIR, "times", "-1" },
	{ FS_DIR, "probability", "0" },
};

static const struct fi_knob fi_nth_page_knobs[] = {
	{ FPA_DIR, "verbose", "0" },
	{ FPA_DIR, "ignore-gfp-wait", "N" },
	{ FPA_DIR, "min-order", "0" },
	{ FPA_DIR, "task-filter", "Y" },
	{ FPA_DIR, "interval", "1" },
	{ FPA_DIR, "space", "0" },
	{ FPA_DIR, "times", "-1" },
	{ FPA_DIR, "probability", "0" },
};

#define FI_MAX_KNOBS	8

/* What the knobs were before a case changed them. */
struct fi_saved {
	const struct fi_knob *knobs;
	unsigned int nr;
	char val[FI_MAX_KNOBS][32];
};

/* Injection statistics per operation. */
enum fi_op {
	OP_OPEN, OP_LINE_CREATE, OP_LINE_CREATE_NAMED, OP_LINE_OPEN,
	OP_REGISTER_CREATE, OP_REGISTER_CREATE_BIG, OP_SUBSCRIBE, OP_POST,
	OP_POST_BATCH, OP_READ, OP_NR
};

static const char *const fi_op_names[OP_NR] = {
	"open", "line_create", "line_create(named)", "line_open",
	"register_create", "register_create(kvmalloc)", "subscribe", "post",
	"post_batch", "read",
};

struct fi_stats {
	unsigned int ok[OP_NR], failed[OP_NR];
};

static int fi_self = -1;	/* /proc/thread-self/make-it-fail */

/* Skip unless failslab is there; mount debugfs if nobody did. */
static void fi_need_failslab(void)
{
	struct eventline_info info;

	tu_info(&info);	/* skips without the module */
	if (access(FS_DIR, F_OK)) {
		mkdir("/sys/kernel/debug", 0700);
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	}
	if (access(FS_DIR, F_OK))
		tap_skip("no " FS_DIR " (kernel without CONFIG_FAILSLAB)");
	if (access("/proc/thread-self/make-it-fail", W_OK))
		tap_skip("no /proc/thread-self/make-it-fail");
}

/* Save then set @nr knobs; fi_restore() puts them back. */
static void fi_configure(struct fi_saved *saved, const struct fi_knob *knobs,
			 unsigned int nr)
{
	char path[128];
	unsigned int i;

	ASSERT_LE(nr, FI_MAX_KNOBS);
	saved->knobs = knobs;
	saved->nr = nr;
	memset(saved->val, 0, sizeof(saved->val));
	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/%s", knobs[i].dir,
			 knobs[i].knob);
		ASSERT_OK(tu_read_str(path, saved->val[i],
				      sizeof(saved->val[i])));
	}
	for (i = 0; i < nr; i++) {
		snprintf(path, sizeof(path), "%s/%s", knobs[i].dir,
			 knobs[i].knob);
		if (tu_write_str(path, knobs[i].value)) {
			tap_diag("cannot set %s", path);
			tap_fail();
		}
	}
}

/* Injection off first (probability 0), then the rest as it was. */
static void fi_restore(const struct fi_saved *saved)
{
	char path[128];
	int i;

	if (!saved->nr)
		return;
	snprintf(path, sizeof(path), "%s/probability", saved->knobs[0].dir);
	EXPECT_OK(tu_write_str(path, "0"));
	for (i = saved->nr - 1; i >= 0; i--) {
		if (!saved->val[i][0])
			continue;
		snprintf(path, sizeof(path), "%s/%s", saved->knobs[i].dir,
			 saved->knobs[i].knob);
		EXPECT_OK(tu_write_str(path, saved->val[i]));
	}
}

static void fi_set(bool on)
{
	if (pwrite(fi_self, on ? "1" : "0", 1, 0) != 1) {
		tap_diag("make-it-fail: %s", tap_errname(errno));
		tap_abort();
	}
}

/* Run @expr with injection on for this thread only. */
#define FI(expr)				\
	({					\
		long __r;			\
		fi_set(true);			\
		__r = (long)(expr);		\
		fi_set(false);			\
		__r;				\
	})

/*
 * Account one injected call: success, or a clean failure from @allowed
 * (a 0-terminated list).  Anything else fails the case.
 */
static bool fi_check(struct fi_stats *s, enum fi_op op, long ret,
		     const int *allowed, unsigned int iter)
{
	unsigned int i;

	if (ret >= 0) {
		s->ok[op]++;
		return true;
	}
	s->failed[op]++;
	for (i = 0; allowed[i]; i++)
		if (-ret == allowed[i])
			return false;
	tap_diag("iteration %u: %s failed with %s, not an allowed errno",
		 iter, fi_op_names[op], tap_errname((int)-ret));
	tap_fail();
	return false;
}

static const int fi_enomem[] = { ENOMEM, 0 };
static const int fi_newfile[] = { ENOMEM, ENFILE, 0 };

static long fi_open_ctl(void)
{
	int fd = open(TU_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* POST_BATCH of @count entries; the first sequence number to @first_seq. */
static long fi_post_batch(int fd, const struct eventline_post_entry *ents,
			  unsigned int count, uint64_t *first_seq)
{
	struct eventline_post_batch pb = {
		.size = sizeof(pb),
		.count = count,
		.entry_size = sizeof(*ents),
		.entries = (uintptr_t)ents,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST_BATCH, &pb);

	if (ret >= 0)
		*first_seq = pb.first_seq;
	return ret;
}

/* Read everything queued on a non-blocking register into @seqs. */
static unsigned int fi_drain(int reg, uint64_t line_id, uint64_t *seqs,
			     unsigned int max, bool *closed, bool *eof)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	unsigned int n = 0;
	int ret;

	*closed = *eof = false;
	tu_reader_init(&r, reg, 16 * 4096);
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		if (rec->category == EVENTLINE_CAT_LINE) {
			EXPECT_EQ(rec->line_id, line_id);
			EXPECT_FALSE(*closed);
			if (n < max)
				seqs[n] = rec->seq;
			n++;
			continue;
		}
		/* No overflow here: queues are longer than the posts. */
		tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, line_id);
		EXPECT_FALSE(*closed);
		*closed = true;
	}
	if (ret == 0)
		*eof = true;
	else
		EXPECT_EQ(ret, -EAGAIN);
	tu_reader_fini(&r);
	return n;
}

/*
 * One round through every operation that allocates, with injection on
 * around each, then checks with injection off.
 */
static void fi_round(struct fi_stats *s, unsigned int iter,
		     const struct eventline_info *info)
{
	static const unsigned int sizes[] = { 0, 8, 200, 1000, 4096 };
	unsigned int qlens[FI_MAX_REGS] = { 16, 1024, info->max_queue_len };
	int regs[FI_MAX_REGS], ctl, owner, poster, fd, i, j;
	bool subscribed[FI_MAX_REGS], named = iter & 1, closed, eof;
	uint64_t id, seq, last_seq = 0, posted[16], got[16];
	unsigned int nposted = 0, n, early[FI_MAX_REGS];
	unsigned char payload[4096];
	char name[32];
	long ret;

	snprintf(name, sizeof(name), "fault-%u", iter);
	ret = FI(fi_open_ctl());
	if (!fi_check(s, OP_OPEN, ret, fi_newfile, iter))
		return;
	ctl = ret;

	ret = FI(tu_line_create(ctl, named ? name : NULL, 0666,
				EVENTLINE_FD_CLOEXEC, &id));
	if (!fi_check(s, named ? OP_LINE_CREATE_NAMED : OP_LINE_CREATE, ret,
		      fi_newfile, iter)) {
		/* Nothing of it may remain: the name is free. */
		if (named) {
			fd = tu_line_create(ctl, name, 0666, 0, NULL);
			if (fd < 0) {
				tap_diag("iteration %u: name %s after a failed create: %s",
					 iter, name, tap_errname(-fd));
				tap_fail();
			} else {
				close(fd);
			}
		}
		close(ctl);
		return;
	}
	owner = ret;

	/* A poster fd, by id or by name. */
	ret = FI(tu_line_open(ctl, named ? 0 : id, named ? name : NULL, 0));
	poster = fi_check(s, OP_LINE_OPEN, ret, fi_newfile, iter) ? ret : -1;

	for (i = 0; i < FI_MAX_REGS; i++) {
		enum fi_op op = qlens[i] > 1024 ? OP_REGISTER_CREATE_BIG :
						  OP_REGISTER_CREATE;

		subscribed[i] = false;
		ret = FI(tu_register_create(ctl, qlens[i], EVENTLINE_FD_NONBLOCK));
		regs[i] = fi_check(s, op, ret, fi_newfile, iter) ? ret : -1;
		if (regs[i] < 0)
			continue;
		ret = FI(tu_subscribe(regs[i], id, NULL));
		subscribed[i] = fi_check(s, OP_SUBSCRIBE, ret, fi_enomem, iter);
		/* A failed subscription left no trace. */
		if (!subscribed[i])
			EXPECT_RET(tu_unsubscribe(regs[i], id), ENOENT);
	}

	for (j = 0; j < 10; j++) {
		unsigned int len = sizes[j % TU_ARRAY_SIZE(sizes)];
		int pfd = (j & 1) && poster >= 0 ? poster : owner;

		if (j == 5) {
			/*
			 * A batch in the middle: the post after it proves a
			 * failed one took no sequence number.
			 */
			struct eventline_post_entry ents[FI_BATCH];
			unsigned int k;

			for (k = 0; k < FI_BATCH; k++)
				ents[k] = (struct eventline_post_entry) {
					.type = 40 + k,
					.payload_len = k * 500 < info->max_payload ?
						       k * 500 : info->max_payload,
					.payload = (uintptr_t)payload,
				};
			tu_fill(payload, ents[FI_BATCH - 1].payload_len, iter);
			ret = FI(fi_post_batch(pfd, ents, FI_BATCH, &seq));
			if (fi_check(s, OP_POST_BATCH, ret, fi_enomem, iter)) {
				EXPECT_EQ(ret, FI_BATCH);
				EXPECT_EQ(seq, last_seq + 1);
				for (k = 0; k < FI_BATCH; k++)
					posted[nposted++] = seq + k;
				last_seq = seq + FI_BATCH - 1;
			}
		}
		if (len > info->max_payload)
			len = info->max_payload;
		tu_fill(payload, len, iter * 16 + j);
		ret = FI(tu_post(pfd, j, payload, len, &seq));
		if (!fi_check(s, OP_POST, ret, fi_enomem, iter))
			continue;
		/* A failed post took no sequence number. */
		EXPECT_EQ(seq, last_seq + 1);
		last_seq = seq;
		posted[nposted++] = seq;
	}

	/*
	 * A read with injection on: nothing to allocate, it must work.
	 * It takes as many records as fit; the drain below gets the rest.
	 */
	for (i = 0; i < FI_MAX_REGS; i++) {
		unsigned char buf[2 * TU_REC_SIZE(4096)] __attribute__((aligned(8)));
		size_t off = 0;

		early[i] = 0;
		if (!subscribed[i] || !nposted)
			continue;
		ret = FI(read(regs[i], buf, sizeof(buf)));
		if (ret < 0)
			ret = -errno;
		if (!fi_check(s, OP_READ, ret, (const int[]){ 0 }, iter))
			continue;
		while (off + sizeof(struct eventline_record) <= (size_t)ret) {
			const struct eventline_record *rec = (void *)(buf + off);

			if (early[i] < nposted)
				EXPECT_EQ(rec->seq, posted[early[i]]);
			early[i]++;
			off += rec->size;
		}
		EXPECT_EQ(off, (size_t)ret);
		EXPECT_GT(early[i], 0);
	}

	close(owner);
	for (i = 0; i < FI_MAX_REGS; i++) {
		unsigned int skip = early[i];

		if (regs[i] < 0)
			continue;
		n = fi_drain(regs[i], id, got, TU_ARRAY_SIZE(got), &closed, &eof);
		if (!subscribed[i]) {
			/* Never subscribed: nothing, not even LINE_CLOSED. */
			EXPECT_EQ(n, 0);
			EXPECT_FALSE(closed);
			EXPECT_FALSE(eof);
		} else {
			/* The first ones went to the injected read. */
			EXPECT_EQ(n + skip, nposted);
			for (j = 0; j + skip < nposted && j < (int)n; j++)
				EXPECT_EQ(got[j], posted[j + skip]);
			EXPECT_TRUE(closed);
			EXPECT_TRUE(eof);
		}
		close(regs[i]);
	}
	if (poster >= 0) {
		EXPECT_RET(tu_post(poster, 0, NULL, 0, NULL), EPIPE);
		close(poster);
	}
	/* The name went with the line. */
	if (named)
		EXPECT_RET(tu_line_open(ctl, 0, name, 0), ENOENT);
	close(ctl);
}

static void fi_report(const struct fi_stats *s)
{
	unsigned int i;

	for (i = 0; i < OP_NR; i++)
		tap_diag("%-26s %5u ok %5u injected failures", fi_op_names[i],
			 s->ok[i], s->failed[i]);
}

static int fi_make_line(int ctl, uint64_t id)
{
	(void)id;
	return tu_line_create(ctl, NULL, 0600, 0, NULL);
}

/* The smallest ring, so that a thousand of them cost little. */
static int fi_make_register(int ctl, uint64_t id)
{
	(void)id;
	return tu_register_create_ring(ctl, 1, 4096, 0);
}

static int fi_make_poster(int ctl, uint64_t id)
{
	return tu_line_open(ctl, id, NULL, 0);
}

/* Exactly @max objects fit, then -EDQUOT: no failure leaked a count. */
static void fi_check_count(int ctl, uint64_t id, const char *what,
			   unsigned int max, int (*make)(int ctl, uint64_t id))
{
	unsigned int i;
	int *fds;

	if (max > 8192) {
		tap_diag("%s limit %u: count not checked", what, max);
		return;
	}
	tu_raise_nofile(max + 64);
	fds = calloc(max, sizeof(*fds));
	ASSERT_TRUE(fds != NULL);
	for (i = 0; i < max; i++) {
		fds[i] = make(ctl, id);
		if (fds[i] < 0) {
			tap_diag("%s %u of %u: %s: a failed create leaked a count?",
				 what, i + 1, max, tap_errname(-fds[i]));
			tap_fail();
			break;
		}
	}
	if (i == max)
		EXPECT_RET(make(ctl, id), EDQUOT);
	while (i--)
		close(fds[i]);
	free(fds);
}

/*
 * After injection, for root: exactly max_lines_per_user lines,
 * max_registers_per_user registers and max_posters_per_user poster fds
 * fit (the poster fds on a line of root's, counted before it exists).
 */
static void fi_check_counts(const struct eventline_info *info)
{
	int ctl = tu_open_ctl(), line;
	uint64_t id;

	fi_check_count(ctl, 0, "line", info->max_lines_per_user, fi_make_line);
	fi_check_count(ctl, 0, "register", info->max_registers_per_user,
		       fi_make_register);
	line = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	fi_check_count(ctl, id, "poster fd", info->max_posters_per_user,
		       fi_make_poster);
	close(line);
	close(ctl);
}

static void fi_run(unsigned int iterations)
{
	struct eventline_info info;
	struct fi_saved saved;
	struct fi_stats *s;
	unsigned int i, op;
	pid_t pid;

	fi_need_failslab();
	tu_info(&info);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	fi_configure(&saved, fi_knobs, TU_ARRAY_SIZE(fi_knobs));

	pid = tu_fork();
	if (!pid) {
		fi_self = open("/proc/thread-self/make-it-fail",
			       O_WRONLY | O_CLOEXEC);
		ASSERT_GE(fi_self, 0);
		for (i = 0; i < iterations; i++)
			fi_round(s, i, &info);
		fi_set(false);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	fi_restore(&saved);

	fi_report(s);
	/* The test means nothing if nothing was injected anywhere. */
	for (op = 0; op < OP_NR; op++) {
		if (op == OP_READ)
			continue;
		if (!s->failed[op] || !s->ok[op]) {
			tap_diag("%s: %u ok, %u failed: want both",
				 fi_op_names[op], s->ok[op], s->failed[op]);
			tap_fail();
		}
	}
	fi_check_counts(&info);
}

/*
 * The fail-nth sweep.
 */

/* Far more fallible allocations than any one call makes. */
#define FI_NTH_MAX		4096
#define FI_CG_SLACK		(2LL * 1024 * 1024)
#define FI_NTH_REPEAT		4	/* sweeps of the small calls */
/* Calls of a high-order sweep, and how often a slab allocation fails. */
#define FI_HIGH_ORDER_CALLS	50
#define FI_HIGH_ORDER_SLAB	"10"
/* More failures than a call can see: what is left says if any happened. */
#define FI_TIMES		"1000000"

static int fi_nth = -1;		/* /proc/thread-self/fail-nth */
static bool fi_have_fpa;	/* page allocations fail too */

/* Make the @n-th fallible allocation of this thread from now on fail. */
static void fi_nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(fi_nth, buf, len, 0) != len) {
		tap_diag("fail-nth: %s", tap_errname(errno));
		tap_abort();
	}
}

/*
 * Whether the armed failure happened; if not, disarm it so that it cannot
 * hit the test's own bookkeeping.
 */
static bool fi_nth_fired(void)
{
	char buf[16] = "";

	if (pread(fi_nth, buf, sizeof(buf) - 1, 0) <= 0) {
		tap_diag("fail-nth: %s", tap_errname(errno));
		tap_abort();
	}
	if (strtoul(buf, NULL, 10) == 0)
		return true;
	fi_nth_arm(0);
	return false;
}

/* A line, its owner fd and its next sequence number. */
struct fi_line {
	int owner;
	uint64_t id, next_seq;
	int reg;		/* a subscriber that reads everything, or -1 */
};

/*
 * One call under test, swept over every allocation it makes.
 *
 * fail-nth fails one allocation per call, and kvmalloc() answers a failed
 * kmalloc() by falling back to vmalloc(), so an array of more than a
 * page never fails that way.  And while fail-nth is armed no other
 * failure is injected.  So a high-order sweep is random instead: every
 * allocation of two pages or more that the call makes fails
 * (fail_page_alloc, min-order 1), so such a kvmalloc() always falls back
 * to vmalloc(), and each slab allocation, those of the fallback included,
 * fails with probability FI_HIGH_ORDER_SLAB percent; both for this thread
 * only (task-filter and make-it-fail).
 */
struct fi_sweep {
	const char *name;
	const int *allowed;	/* errnos a failed call may give */
	/*
	 * Injected failures the call must report, every time: a lower bound.
	 * Which allocation the n-th one is shifts with the allocator's state
	 * (a per-cpu cache refill, kvfree_rcu()'s page), so only the sites
	 * every path surely reaches count.
	 */
	unsigned int min_failed;
	bool high_order;	/* a high-order sweep, not fail-nth */
	long (*call)(struct fi_sweep *sw);
	/* With injection off: the state after the call returned @ret. */
	void (*check)(struct fi_sweep *sw, long ret);
	/* Context of the calls. */
	int ctl;
	struct fi_line *line;
	unsigned int queue_len, ring_size, count, len;
	const char *name_arg;
	unsigned int fds;
	uint64_t out;
	/* Before each call, with injection off (may be NULL). */
	void (*prep)(struct fi_sweep *sw);
	bool fired;		/* for check: an allocation failed in the call */
};

/* What one record read from a register must be. */
struct fi_want {
	unsigned int type;
	uint64_t seq;
	const void *payload;
	unsigned int len;
};

/* Payload bytes for the posts, prefaulted: a sweep never faults on them. */
static unsigned char *fi_payload;
static struct eventline_post_entry *fi_ents;
static struct fi_want *fi_wants;
#define FI_PAYLOAD_BYTES	(1024 * 1024)
#define FI_ENTS			1024

static unsigned int fi_nr_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	unsigned int n = 0;

	ASSERT_TRUE(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The non-blocking register @reg holds exactly @nr records: @want. */
static void fi_expect_records(int reg, uint64_t line_id,
			      const struct fi_want *want, unsigned int nr)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	unsigned int n = 0;
	int ret;

	tu_reader_init(&r, reg, 256 * 1024);
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		if (n < nr &&
		    !tu_check_line_record(rec, line_id, want[n].type,
					  want[n].seq, want[n].payload,
					  want[n].len)) {
			tap_diag("record %u of %u is not the one posted", n, nr);
			n = nr;	/* one report is enough */
		}
		n++;
	}
	tu_reader_fini(&r);
	EXPECT_EQ(ret, -EAGAIN);
	EXPECT_EQ(n, nr);
}

/*
 * After a post that failed: it took no sequence number (the next post
 * gets the one it would have had) and delivered nothing (the subscriber
 * holds that next post alone).
 */
static void fi_check_nothing_posted(struct fi_line *l)
{
	struct fi_want w = { .type = 63 };

	ASSERT_OK(tu_post(l->owner, w.type, NULL, 0, &w.seq));
	EXPECT_EQ(w.seq, l->next_seq);
	l->next_seq = w.seq + 1;
	if (l->reg >= 0)
		fi_expect_records(l->reg, l->id, &w, 1);
}

static void fi_line_open_test_line(struct fi_line *l, int ctl,
				   unsigned int queue_len,
				   unsigned int ring_size)
{
	l->owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600,
					    EVENTLINE_FD_CLOEXEC, &l->id));
	l->next_seq = 1;
	l->reg = -1;
	if (!queue_len)
		return;
	l->reg = tu_register_create_ring(ctl, queue_len, ring_size,
					 EVENTLINE_FD_CLOEXEC |
					 EVENTLINE_FD_NONBLOCK);
	ASSERT_OK(l->reg);
	ASSERT_OK(tu_subscribe(l->reg, l->id, NULL));
}

static void fi_line_close_test_line(struct fi_line *l)
{
	close(l->owner);
	if (l->reg >= 0)
		close(l->reg);
}

/* REGISTER_CREATE. */
static long fi_call_register_create(struct fi_sweep *sw)
{
	return tu_register_create_ring(sw->ctl, sw->queue_len, sw->ring_size,
			EVENTLINE_FD_CLOEXEC | EVENTLINE_FD_NONBLOCK);
}

/*
 * A register made despite an injected failure (one with a fallback) must
 * be whole: its mapping shows the ring size asked for, with the data
 * mapped twice in a row, and a post arrives there and through read().
 */
static void fi_check_register_works(int reg, unsigned int ring_size,
				    struct fi_line *l)
{
	long pg = sysconf(_SC_PAGESIZE);
	const struct eventline_ring_producer *prod;
	struct eventline_ring_consumer *cons;
	struct fi_want w = { .type = 7, .payload = fi_payload, .len = 100 };
	unsigned char *map;

	map = mmap(NULL, pg + 2 * (size_t)ring_size, PROT_READ, MAP_SHARED,
		   reg, EVENTLINE_MMAP_RING_PGOFF * pg);
	ASSERT_TRUE(map != MAP_FAILED);
	cons = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, reg,
		    EVENTLINE_MMAP_CONSUMER_PGOFF * pg);
	ASSERT_TRUE(cons != MAP_FAILED);
	prod = (const void *)map;
	EXPECT_EQ(prod->size, ring_size);
	EXPECT_EQ(prod->pos, 0);
	EXPECT_EQ(cons->pos, 0);

	ASSERT_OK(tu_subscribe(reg, l->id, NULL));
	ASSERT_OK(tu_post(l->owner, w.type, w.payload, w.len, &w.seq));
	EXPECT_EQ(w.seq, l->next_seq);
	l->next_seq = w.seq + 1;
	EXPECT_EQ(__atomic_load_n(&prod->pos, __ATOMIC_ACQUIRE),
		  TU_REC_SIZE(w.len));
	tu_check_line_record((const void *)(map + pg), l->id, w.type, w.seq,
			     w.payload, w.len);
	EXPECT_EQ(memcmp(map + pg, map + pg + ring_size, TU_REC_SIZE(w.len)),
		  0);
	fi_expect_records(reg, l->id, &w, 1);
	EXPECT_EQ(cons->pos, TU_REC_SIZE(w.len));
	munmap(cons, pg);
	munmap(map, pg + 2 * (size_t)ring_size);
}

static void fi_check_register_create(struct fi_sweep *sw, long ret)
{
	unsigned int fds = fi_nr_fds();

	if (ret < 0) {
		/* No fd, not even one closed already. */
		EXPECT_EQ(fds, sw->fds);
		return;
	}
	EXPECT_EQ(fds, sw->fds + 1);
	fi_check_register_works(ret, sw->ring_size, sw->line);
	close(ret);
}

/* LINE_CREATE, named (sw->name_arg) or not. */
static long fi_call_line_create(struct fi_sweep *sw)
{
	return tu_line_create(sw->ctl, sw->name_arg, 0600,
			      EVENTLINE_FD_CLOEXEC, &sw->out);
}

static void fi_check_line_create(struct fi_sweep *sw, long ret)
{
	unsigned int fds = fi_nr_fds();
	uint64_t seq;
	int fd;

	if (ret < 0) {
		EXPECT_EQ(fds, sw->fds);
		/* No line by that name, and the name is free. */
		if (sw->name_arg) {
			EXPECT_RET(tu_line_open(sw->ctl, 0, sw->name_arg, 0),
				   ENOENT);
			fd = tu_line_create(sw->ctl, sw->name_arg, 0600, 0,
					    NULL);
			EXPECT_GE(fd, 0);
			if (fd >= 0)
				close(fd);
		}
		return;
	}
	EXPECT_EQ(fds, sw->fds + 1);
	/* A whole line: found by id and name, and it posts. */
	fd = tu_line_open(sw->ctl, sw->name_arg ? 0 : sw->out, sw->name_arg,
			  EVENTLINE_FD_CLOEXEC);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
	EXPECT_OK(tu_post(ret, 1, fi_payload, 300, &seq));
	EXPECT_EQ(seq, 1);
	close(ret);
	if (sw->name_arg)
		EXPECT_RET(tu_line_open(sw->ctl, 0, sw->name_arg, 0), ENOENT);
}

/* POST of sw->len payload bytes on the test line. */
static long fi_call_post(struct fi_sweep *sw)
{
	return tu_post(sw->line->owner, 5, fi_payload, sw->len, &sw->out);
}

static void fi_check_post(struct fi_sweep *sw, long ret)
{
	struct fi_line *l = sw->line;
	struct fi_want w = {
		.type = 5, .seq = sw->out, .payload = fi_payload,
		.len = sw->len,
	};

	if (ret < 0) {
		fi_check_nothing_posted(l);
		return;
	}
	EXPECT_EQ(w.seq, l->next_seq);
	l->next_seq = w.seq + 1;
	fi_expect_records(l->reg, l->id, &w, 1);
}

/* POST_BATCH of sw->count entries of sw->len bytes each. */
static long fi_call_post_batch(struct fi_sweep *sw)
{
	return fi_post_batch(sw->line->owner, fi_ents, sw->count, &sw->out);
}

static void fi_check_post_batch(struct fi_sweep *sw, long ret)
{
	struct fi_line *l = sw->line;
	unsigned int i;

	if (ret < 0) {
		fi_check_nothing_posted(l);
		return;
	}
	EXPECT_EQ(ret, sw->count);
	EXPECT_EQ(sw->out, l->next_seq);
	for (i = 0; i < sw->count; i++)
		fi_wants[i] = (struct fi_want) {
			.type = fi_ents[i].type,
			.seq = sw->out + i,
			.payload = (const void *)(uintptr_t)fi_ents[i].payload,
			.len = fi_ents[i].payload_len,
		};
	l->next_seq = sw->out + sw->count;
	fi_expect_records(l->reg, l->id, fi_wants, sw->count);
}

/*
 * Entries of @len bytes each, every one with its own payload bytes, in
 * fi_ents; @count * @len must fit FI_PAYLOAD_BYTES.
 */
static void fi_fill_batch(unsigned int count, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < count; i++)
		fi_ents[i] = (struct eventline_post_entry) {
			.type = i % (EVENTLINE_TYPE_MAX + 1),
			.payload_len = len,
			.payload = (uintptr_t)(fi_payload + (size_t)i * len),
		};
}

static void fi_times_arm(void)
{
	ASSERT_OK(tu_write_str(FS_DIR "/times", FI_TIMES));
	ASSERT_OK(tu_write_str(FPA_DIR "/times", FI_TIMES));
}

/* Whether anything failed since fi_times_arm(). */
static bool fi_times_fired(void)
{
	char slab[32], page[32];

	ASSERT_OK(tu_read_str(FS_DIR "/times", slab, sizeof(slab)));
	ASSERT_OK(tu_read_str(FPA_DIR "/times", page, sizeof(page)));
	return strcmp(slab, FI_TIMES) || strcmp(page, FI_TIMES);
}

/* Make call @n of a sweep; whether an allocation failed in it. */
static bool fi_sweep_call(struct fi_sweep *sw, unsigned int n, long *ret)
{
	if (sw->high_order) {
		fi_times_arm();
		*ret = FI(sw->call(sw));
		return fi_times_fired();
	}
	fi_nth_arm(n);
	*ret = sw->call(sw);
	return fi_nth_fired();
}

static void fi_high_order(bool on)
{
	ASSERT_OK(tu_write_str(FPA_DIR "/min-order", on ? "1" : "0"));
	ASSERT_OK(tu_write_str(FPA_DIR "/probability", on ? "100" : "0"));
	ASSERT_OK(tu_write_str(FS_DIR "/probability",
			       on ? FI_HIGH_ORDER_SLAB : "0"));
	if (!on) {
		ASSERT_OK(tu_write_str(FS_DIR "/times", "-1"));
		ASSERT_OK(tu_write_str(FPA_DIR "/times", "-1"));
	}
}

/*
 * Call sw->call with the 1st, 2nd, ... fallible allocation failing, until
 * a call makes fewer than that (fail-nth), or FI_HIGH_ORDER_CALLS times
 * (high-order); check the state after each.
 */
static void fi_sweep_run(struct fi_sweep *sw)
{
	unsigned int n, failed = 0, absorbed = 0, i;
	unsigned int calls = sw->high_order ? FI_HIGH_ORDER_CALLS : FI_NTH_MAX;
	bool fired = true;
	long ret;

	if (sw->high_order)
		fi_high_order(true);
	for (n = 1; n <= calls; n++) {
		if (sw->prep)
			sw->prep(sw);
		sw->fds = fi_nr_fds();
		fired = fi_sweep_call(sw, n, &ret);
		sw->fired = fired;
		if (ret < 0 && !fired) {
			tap_diag("%s: failed with %s, nothing injected",
				 sw->name, tap_errname((int)-ret));
			tap_fail();
		} else if (ret < 0) {
			failed++;
			for (i = 0; sw->allowed[i]; i++)
				if (-ret == sw->allowed[i])
					break;
			if (!sw->allowed[i]) {
				tap_diag("%s: call %u failed: %s, not an allowed errno",
					 sw->name, n, tap_errname((int)-ret));
				tap_fail();
			}
		} else if (fired) {
			absorbed++;
		}
		sw->check(sw, ret);
		if (!sw->high_order && !fired)
			break;
	}
	if (sw->high_order) {
		fi_high_order(false);
	} else if (fired) {
		tap_diag("%s: still allocating at the %u-th allocation?",
			 sw->name, FI_NTH_MAX);
		tap_fail();
	}
	tap_diag("%-46s %4u calls: %4u failed, %2u had a fallback",
		 sw->name, n > calls ? calls : n, failed, absorbed);
	if (failed < sw->min_failed) {
		tap_diag("%s: %u injected failures failed the call, want at least %u",
			 sw->name, failed, sw->min_failed);
		tap_fail();
	}
}

/* Pages a ring of @size bytes allocates one by one (see module/ring.c). */
static unsigned int fi_ring_pages(unsigned int size, bool mappable)
{
	return size / sysconf(_SC_PAGESIZE) + 2 * mappable;
}

static void fi_sweep_register(int ctl, struct fi_line *l,
			      unsigned int queue_len, unsigned int ring_size,
			      bool high_order, unsigned int min_failed)
{
	char name[96];
	struct fi_sweep sw = {
		.name = name, .allowed = fi_newfile,
		.call = fi_call_register_create,
		.check = fi_check_register_create,
		.ctl = ctl, .line = l,
		.queue_len = queue_len, .ring_size = ring_size,
		.high_order = high_order, .min_failed = min_failed,
	};

	snprintf(name, sizeof(name), "register_create(q %u, ring %u)%s",
		 queue_len, ring_size, high_order ? " high-order" : "");
	fi_sweep_run(&sw);
}

static void fi_sweep_line(int ctl, const char *line_name)
{
	struct fi_sweep sw = {
		.name = line_name ? "line_create(named)" : "line_create",
		.allowed = fi_newfile,
		.call = fi_call_line_create,
		.check = fi_check_line_create,
		.ctl = ctl, .name_arg = line_name,
		/* The struct, then each page of the 32 KiB staging ring. */
		.min_failed = 1 + (fi_have_fpa ?
				   fi_ring_pages(32 * 1024, false) : 0),
	};

	fi_sweep_run(&sw);
}

static void fi_sweep_post(struct fi_line *l, unsigned int len)
{
	char name[64];
	struct fi_sweep sw = {
		.name = name, .allowed = fi_enomem,
		.call = fi_call_post, .check = fi_check_post,
		.line = l, .len = len,
		.min_failed = 1,	/* the payload's copy */
	};

	snprintf(name, sizeof(name), "post(%u bytes)", len);
	fi_sweep_run(&sw);
}

static void fi_sweep_post_batch(struct fi_line *l, unsigned int count,
				unsigned int len, bool high_order,
				unsigned int min_failed)
{
	char name[64];
	struct fi_sweep sw = {
		.name = name, .allowed = fi_enomem,
		.call = fi_call_post_batch, .check = fi_check_post_batch,
		.line = l, .count = count, .len = len,
		.high_order = high_order, .min_failed = min_failed,
	};

	fi_fill_batch(count, len);
	snprintf(name, sizeof(name), "post_batch(%u x %u bytes)%s", count, len,
		 high_order ? " high-order" : "");
	fi_sweep_run(&sw);
}

/*
 * The chain's allocating paths (issue 8): SUBSCRIBE (the subscription,
 * the chain array copy; on a line with retained events), PRIORITY (the
 * array copy), GRANT (its array copy cannot fail: __GFP_NOFAIL), a
 * retaining POST (the retained copy), a stage's MUTATE REPLACE (the
 * answer, its mutation and payload), the per-user count entries of
 * LINE_CREATE, LINE_OPEN and REGISTER_CREATE for a user that holds
 * nothing yet, and the nesting entry a read() makes for its thread.
 */

/* The line's chain as its owner lists it. */
static long fi_subs(int owner, struct eventline_sub_info *infos,
		    unsigned int room, uint64_t *rev)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = room,
		.entry_size = sizeof(*infos),
		.entries = (uintptr_t)infos,
	};
	long n = ASSERT_OK(tu_ioctl(owner, EVENTLINE_IOC_LINE_SUBS, &ls));

	*rev = ls.revision;
	return n;
}

static unsigned int fi_nr_subs(int owner)
{
	struct eventline_line_info li = { .size = sizeof(li) };

	ASSERT_OK(tu_ioctl(owner, EVENTLINE_IOC_LINE_INFO, &li));
	return li.nr_subs;
}

/* State of the chain sweeps. */
struct fi_chain {
	int ctl;
	struct fi_line *l;
	int reg;			/* the register under test */
	uint64_t sub_id, rev;
	unsigned int nsubs;
	int prio;
	uint64_t retained[3];		/* the line's retained types 10, 11, 12 */
	/* MUTATE */
	int stage_owner, stage, down;
	uint64_t stage_id, seq;
	/* nest */
	unsigned int fired_shallow;
	int owner2, reg2;
	uint64_t id2;
};

static struct fi_chain fi_ch;

/* A fresh register subscribing gets exactly the retained events expected. */
static void fi_check_retained(struct fi_line *l)
{
	const struct eventline_record *rec;
	uint64_t want[3];
	unsigned int n = 0, i, k;
	struct tu_reader r;
	int reg, ret;

	for (i = 0; i < 3; i++) {
		if (!fi_ch.retained[i])
			continue;
		for (k = n; k && want[k - 1] > fi_ch.retained[i]; k--)
			want[k] = want[k - 1];
		want[k] = fi_ch.retained[i];
		n++;
	}
	reg = ASSERT_OK(tu_register_create(fi_ch.ctl, 16,
					   EVENTLINE_FD_NONBLOCK |
					   EVENTLINE_FD_CLOEXEC));
	ASSERT_OK(tu_subscribe(reg, l->id, NULL));
	tu_reader_init(&r, reg, 64 * 1024);
	for (i = 0; (ret = tu_reader_next(&r, &rec)) == 1; i++) {
		if (i < n && (rec->seq != want[i] ||
			      rec->flags != EVENTLINE_RECORD_RETAINED)) {
			tap_diag("retained record %u: seq %llu flags %#x, want seq %llu",
				 i, (unsigned long long)rec->seq, rec->flags,
				 (unsigned long long)want[i]);
			tap_fail();
		}
	}
	EXPECT_EQ(ret, -EAGAIN);
	EXPECT_EQ(i, n);
	tu_reader_fini(&r);
	close(reg);
}

static long fi_post_flags(int fd, unsigned int type, unsigned int flags,
			  const void *payload, unsigned int len, uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.flags = flags,
		.type = type,
		.payload_len = len,
		.payload = (uintptr_t)payload,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);

	if (!ret)
		*seq = p.seq;
	return ret;
}

/* Drain @reg (non-blocking) and return how many records it held. */
static unsigned int fi_drain_all(int reg)
{
	unsigned char buf[16 * 1024] __attribute__((aligned(8)));
	unsigned int n = 0;
	ssize_t r;
	size_t off;

	while ((r = read(reg, buf, sizeof(buf))) > 0)
		for (off = 0; off < (size_t)r;
		     off += ((struct eventline_record *)(buf + off))->size)
			n++;
	EXPECT_TRUE(r < 0 && errno == EAGAIN);
	return n;
}

/* SUBSCRIBE, on a line with retained events. */
static void fi_prep_chain(struct fi_sweep *sw)
{
	struct eventline_sub_info infos[8];

	(void)sw;
	fi_ch.nsubs = fi_subs(fi_ch.l->owner, infos, 8, &fi_ch.rev);
}

static long fi_call_subscribe(struct fi_sweep *sw)
{
	(void)sw;
	return tu_subscribe(fi_ch.reg, fi_ch.l->id, NULL);
}

static void fi_check_subscribe(struct fi_sweep *sw, long ret)
{
	struct eventline_sub_info infos[8];
	struct fi_line *l = fi_ch.l;
	uint64_t rev;
	long n = fi_subs(l->owner, infos, 8, &rev);

	(void)sw;
	if (ret < 0) {
		/* No subscription, no chain change, nothing queued. */
		EXPECT_EQ(n, fi_ch.nsubs);
		EXPECT_EQ(fi_nr_subs(l->owner), fi_ch.nsubs);
		EXPECT_EQ(rev, fi_ch.rev);
		EXPECT_RET(tu_unsubscribe(fi_ch.reg, l->id), ENOENT);
		EXPECT_EQ(fi_drain_all(fi_ch.reg), 0);
		fi_check_nothing_posted(l);
		EXPECT_EQ(fi_drain_all(fi_ch.reg), 0);
		return;
	}
	EXPECT_EQ(n, fi_ch.nsubs + 1);
	EXPECT_EQ(fi_nr_subs(l->owner), fi_ch.nsubs + 1);
	EXPECT_NE(rev, fi_ch.rev);
	/* The retained events, then what is posted. */
	EXPECT_EQ(fi_drain_all(fi_ch.reg), 2);
	fi_check_nothing_posted(l);
	EXPECT_EQ(fi_drain_all(fi_ch.reg), 1);
	EXPECT_OK(tu_unsubscribe(fi_ch.reg, l->id));
}

/* PRIORITY between 5 and -5. */
static long fi_call_priority(struct fi_sweep *sw)
{
	struct eventline_priority p = {
		.size = sizeof(p),
		.line_id = fi_ch.l->id,
		.priority = -fi_ch.prio,
	};

	(void)sw;
	return tu_ioctl(fi_ch.reg, EVENTLINE_IOC_PRIORITY, &p);
}

static void fi_check_priority(struct fi_sweep *sw, long ret)
{
	struct eventline_sub_info infos[8];
	uint64_t rev;
	long n = fi_subs(fi_ch.l->owner, infos, 8, &rev), i;

	(void)sw;
	EXPECT_EQ(n, fi_ch.nsubs);
	if (!ret)
		fi_ch.prio = -fi_ch.prio;
	/* The chain changed exactly when the call succeeded. */
	EXPECT_EQ(rev != fi_ch.rev, ret == 0);
	for (i = 0; i < n; i++)
		if (infos[i].sub_id == fi_ch.sub_id)
			EXPECT_EQ(infos[i].priority, fi_ch.prio);
	/* In chain order: the register at 5 comes first, at -5 last. */
	EXPECT_EQ(infos[fi_ch.prio > 0 ? 0 : n - 1].sub_id, fi_ch.sub_id);
	fi_check_nothing_posted(fi_ch.l);
	EXPECT_EQ(fi_drain_all(fi_ch.reg), 1);
}

/* GRANT: never fails. */
static long fi_call_grant(struct fi_sweep *sw)
{
	struct eventline_grant g = {
		.size = sizeof(g),
		.sub_id = fi_ch.sub_id,
		.max_priority = sw->count & 1 ? 100 : EVENTLINE_PRIORITY_MIN,
		.flags = sw->count & 2 ? EVENTLINE_GRANT_MUTATE : 0,
	};

	return tu_ioctl(fi_ch.l->owner, EVENTLINE_IOC_GRANT, &g);
}

static void fi_check_grant(struct fi_sweep *sw, long ret)
{
	struct eventline_sub_info infos[8];
	uint64_t rev;
	long n = fi_subs(fi_ch.l->owner, infos, 8, &rev), i;

	EXPECT_EQ(ret, 0);
	EXPECT_NE(rev, fi_ch.rev);
	for (i = 0; i < n; i++) {
		if (infos[i].sub_id != fi_ch.sub_id)
			continue;
		EXPECT_EQ(infos[i].max_priority, sw->count & 1 ? 100 :
				EVENTLINE_PRIORITY_MIN);
		EXPECT_EQ(!!(infos[i].sub_flags & EVENTLINE_SUB_STAGE),
			  !!(sw->count & 2));
	}
}

/* POST with EVENTLINE_POST_RETAIN: its retained copy. */
static long fi_call_retain(struct fi_sweep *sw)
{
	return fi_post_flags(fi_ch.l->owner, 12, EVENTLINE_POST_RETAIN,
			     fi_payload, sw->len, &sw->out);
}

static void fi_check_retain(struct fi_sweep *sw, long ret)
{
	struct fi_line *l = fi_ch.l;
	struct fi_want w = {
		.type = 12, .seq = sw->out, .payload = fi_payload,
		.len = sw->len,
	};

	if (ret < 0) {
		/* Not posted, and not retained either. */
		fi_check_nothing_posted(l);
	} else {
		EXPECT_EQ(w.seq, l->next_seq);
		l->next_seq = w.seq + 1;
		fi_expect_records(l->reg, l->id, &w, 1);
		fi_ch.retained[2] = w.seq;
	}
	fi_check_retained(l);
}

/* MUTATE REPLACE by a stage, of the event it was just given. */
static void fi_prep_mutate(struct fi_sweep *sw)
{
	unsigned char buf[4096] __attribute__((aligned(8)));
	const struct eventline_record *rec = (void *)buf;
	unsigned int i;
	ssize_t r = -1;

	(void)sw;
	ASSERT_OK(tu_post(fi_ch.stage_owner, 3, fi_payload + 1, 100,
			  &fi_ch.seq));
	for (i = 0; i < 2000 && r < 0; i++) {
		r = read(fi_ch.stage, buf, sizeof(buf));
		if (r < 0)
			tu_msleep(1);
	}
	ASSERT_EQ(r, TU_REC_SIZE(100));
	EXPECT_EQ(rec->seq, fi_ch.seq);
	EXPECT_EQ(rec->flags, EVENTLINE_RECORD_STAGE);
}

static long fi_call_mutate(struct fi_sweep *sw)
{
	struct eventline_mutate m = {
		.size = sizeof(m),
		.line_id = fi_ch.stage_id,
		.seq = fi_ch.seq,
		.action = EVENTLINE_MUTATE_REPLACE,
		.type = 4,
		.payload_len = sw->len,
		.payload = (uintptr_t)(fi_payload + 7),
	};

	return tu_ioctl(fi_ch.stage, EVENTLINE_IOC_MUTATE, &m);
}

static void fi_check_mutate(struct fi_sweep *sw, long ret)
{
	unsigned char buf[8192] __attribute__((aligned(8)));
	const struct eventline_record *rec = (void *)buf;
	struct eventline_mutate m = {
		.size = sizeof(m),
		.line_id = fi_ch.stage_id,
		.seq = fi_ch.seq,
		.action = EVENTLINE_MUTATE_FORWARD,
	};
	unsigned int i;
	ssize_t r = -1;

	/* The register after the stage: the replacement, or at the timeout the original. */
	for (i = 0; i < 5000 && r < 0; i++) {
		r = read(fi_ch.down, buf, sizeof(buf));
		if (r < 0)
			tu_msleep(1);
	}
	if (ret < 0) {
		ASSERT_EQ(r, TU_REC_SIZE(100));
		EXPECT_EQ(rec->flags, 0);
		EXPECT_EQ(rec->mutations, 0);
		EXPECT_EQ(rec->type, 3);
		EXPECT_EQ(memcmp(tu_payload(rec), fi_payload + 1, 100), 0);
		/* Nothing was queued, and the event went on at its deadline. */
		EXPECT_RET(tu_ioctl(fi_ch.stage, EVENTLINE_IOC_MUTATE, &m),
			   ETIMEDOUT);
	} else {
		ASSERT_EQ(r, TU_REC_SIZE(sw->len));
		EXPECT_EQ(rec->flags, EVENTLINE_RECORD_MUTATED);
		EXPECT_EQ(rec->mutations, 1);
		EXPECT_EQ(rec->type, 4);
		EXPECT_EQ(rec->seq, fi_ch.seq);
		EXPECT_EQ(memcmp(tu_payload(rec), fi_payload + 7, sw->len), 0);
	}
	EXPECT_EQ(fi_drain_all(fi_ch.down), 0);
}

/* read() of a line event: its nesting entry. */
static void fi_prep_read(struct fi_sweep *sw)
{
	uint64_t seq;

	(void)sw;
	/* Drained: this thread handles nothing now. */
	fi_drain_all(fi_ch.l->reg);
	fi_drain_all(fi_ch.reg);
	ASSERT_OK(tu_post(fi_ch.l->owner, 6, NULL, 0, &seq));
}

static long fi_call_read(struct fi_sweep *sw)
{
	unsigned char buf[256] __attribute__((aligned(8)));
	ssize_t r = read(fi_ch.reg, buf, sizeof(buf));

	(void)sw;
	return r < 0 ? -errno : r;
}

static void fi_check_read(struct fi_sweep *sw, long ret)
{
	unsigned char buf[256] __attribute__((aligned(8)));
	const struct eventline_record *rec = (void *)buf;
	uint64_t seq;

	EXPECT_EQ(ret, TU_REC_SIZE(0));
	/* A post now is nested, unless the entry could not be made. */
	ASSERT_OK(tu_post(fi_ch.owner2, 1, NULL, 0, &seq));
	ASSERT_EQ(read(fi_ch.reg2, buf, sizeof(buf)), TU_REC_SIZE(0));
	if (!sw->fired) {
		EXPECT_EQ(rec->depth, 1);
	} else if (rec->depth == 0) {
		fi_ch.fired_shallow++;
	}
}

/* LINE_OPEN (for a user holding nothing: its count entry too). */
static long fi_call_line_open(struct fi_sweep *sw)
{
	return tu_line_open(sw->ctl, fi_ch.stage_id, NULL, EVENTLINE_FD_CLOEXEC);
}

static void fi_check_new_fd(struct fi_sweep *sw, long ret)
{
	uint64_t seq;

	EXPECT_EQ(fi_nr_fds(), sw->fds + (ret >= 0));
	if (ret < 0)
		return;
	if (sw->call == fi_call_line_open)
		EXPECT_OK(tu_post(ret, 2, NULL, 0, &seq));
	close(ret);
}

static void fi_chain_sweep(const char *name, const int *allowed,
			   unsigned int min_failed,
			   void (*prep)(struct fi_sweep *),
			   long (*call)(struct fi_sweep *),
			   void (*check)(struct fi_sweep *, long),
			   unsigned int len, unsigned int count)
{
	struct fi_sweep sw = {
		.name = name, .allowed = allowed, .min_failed = min_failed,
		.prep = prep, .call = call, .check = check,
		.ctl = fi_ch.ctl, .len = len, .count = count,
	};

	fi_sweep_run(&sw);
}

/*
 * As a user that holds nothing (TU_OTHER), so each call allocates that
 * user's count entry: LINE_CREATE, LINE_OPEN of @id, REGISTER_CREATE;
 * then exactly the limit of each fits: no failure left a count behind.
 */
static void fi_ucount_helper(const struct eventline_info *info, uint64_t id)
{
	struct fi_sweep sw = { .allowed = fi_newfile };
	int ctl;

	fi_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fi_nth, 0);
	tu_raise_nofile(info->max_registers_per_user + 256);
	tu_drop_privs(TU_OTHER, TU_OTHER);
	ctl = tu_open_ctl();
	fi_ch.stage_id = id;
	sw.ctl = ctl;

	sw.name = "line_create(new user)";
	sw.call = fi_call_line_create;
	sw.check = fi_check_line_create;
	sw.min_failed = 1;
	fi_sweep_run(&sw);

	sw.name = "line_open(new user)";
	sw.call = fi_call_line_open;
	sw.check = fi_check_new_fd;
	fi_sweep_run(&sw);

	sw.name = "register_create(new user)";
	sw.call = fi_call_register_create;
	sw.check = fi_check_new_fd;
	sw.queue_len = 16;
	sw.ring_size = sysconf(_SC_PAGESIZE);
	fi_sweep_run(&sw);

	fi_check_count(ctl, 0, "line (new user)", info->max_lines_per_user,
		       fi_make_line);
	fi_check_count(ctl, 0, "register (new user)",
		       info->max_registers_per_user, fi_make_register);
	fi_check_count(ctl, id, "poster fd (new user)",
		       info->max_posters_per_user, fi_make_poster);
	close(ctl);
}

static void fi_chain_sweeps(int ctl, const struct eventline_info *info)
{
	struct eventline_line_config cfg = {
		.size = sizeof(cfg),
		.priority_ceiling = info->priority_ceiling,
		.stage_timeout_ms = 100,
	};
	struct eventline_sub_info infos[8];
	struct fi_line line, stage_line;
	struct eventline_grant g;
	uint64_t seq, rev;
	unsigned int i;
	int other;
	pid_t pid;

	memset(&fi_ch, 0, sizeof(fi_ch));
	fi_ch.ctl = ctl;
	fi_ch.l = &line;
	fi_line_open_test_line(&line, ctl, 64, 0);
	for (i = 0; i < 2; i++) {
		ASSERT_OK(fi_post_flags(line.owner, 10 + i,
					EVENTLINE_POST_RETAIN, fi_payload, 300,
					&seq));
		fi_ch.retained[i] = seq;
		line.next_seq = seq + 1;
	}
	EXPECT_EQ(fi_drain_all(line.reg), 2);
	fi_ch.reg = ASSERT_OK(tu_register_create(ctl, 64, EVENTLINE_FD_NONBLOCK |
						 EVENTLINE_FD_CLOEXEC));
	for (i = 0; i < FI_NTH_REPEAT; i++)
		fi_chain_sweep("subscribe(retained)", fi_enomem, 1,
			       fi_prep_chain, fi_call_subscribe,
			       fi_check_subscribe, 0, 0);

	/* PRIORITY and GRANT on a subscription of the line. */
	{
		struct eventline_line_ref ref = {
			.size = sizeof(ref), .id = line.id, .priority = 5,
		};

		ASSERT_OK(tu_ioctl(fi_ch.reg, EVENTLINE_IOC_SUBSCRIBE, &ref));
		EXPECT_EQ(fi_drain_all(fi_ch.reg), 2);
		fi_ch.prio = 5;
	}
	fi_subs(line.owner, infos, 8, &rev);
	fi_ch.sub_id = infos[0].sub_id;
	for (i = 0; i < FI_NTH_REPEAT; i++)
		fi_chain_sweep("priority", fi_enomem, 1, fi_prep_chain,
			       fi_call_priority, fi_check_priority, 0, 0);
	for (i = 0; i < 4; i++)
		fi_chain_sweep("grant", (const int[]){ 0 }, 0, fi_prep_chain,
			       fi_call_grant, fi_check_grant, 0, i);
	EXPECT_OK(tu_unsubscribe(fi_ch.reg, line.id));
	fi_drain_all(fi_ch.reg);

	/* Retaining posts: small, and a payload of max_payload. */
	fi_chain_sweep("post(retain, 300 bytes)", fi_enomem, 1, NULL,
		       fi_call_retain, fi_check_retain, 300, 0);
	fi_chain_sweep("post(retain, max_payload)", fi_enomem, 1, NULL,
		       fi_call_retain, fi_check_retain, info->max_payload, 0);

	/* read(): the nesting entry of the reading thread. */
	ASSERT_OK(tu_subscribe(fi_ch.reg, line.id, NULL));
	fi_ch.owner2 = ASSERT_OK(tu_line_create(ctl, NULL, 0600,
						EVENTLINE_FD_CLOEXEC,
						&fi_ch.id2));
	fi_ch.reg2 = ASSERT_OK(tu_register_create(ctl, 16,
						  EVENTLINE_FD_NONBLOCK |
						  EVENTLINE_FD_CLOEXEC));
	ASSERT_OK(tu_subscribe(fi_ch.reg2, fi_ch.id2, NULL));
	for (i = 0; i < FI_NTH_REPEAT; i++)
		fi_chain_sweep("read(nesting entry)", (const int[]){ 0 }, 0,
			       fi_prep_read, fi_call_read, fi_check_read, 0, 0);
	/* Or the test proved nothing. */
	EXPECT_GT(fi_ch.fired_shallow, 0);
	fi_drain_all(fi_ch.reg);
	close(fi_ch.owner2);
	close(fi_ch.reg2);
	close(fi_ch.reg);
	fi_line_close_test_line(&line);

	/* MUTATE REPLACE: a stage (first) and a register after it. */
	fi_line_open_test_line(&stage_line, ctl, 0, 0);
	ASSERT_OK(tu_ioctl(stage_line.owner, EVENTLINE_IOC_LINE_CONFIG, &cfg));
	fi_ch.stage_owner = stage_line.owner;
	fi_ch.stage_id = stage_line.id;
	fi_ch.stage = ASSERT_OK(tu_register_create(ctl, 64,
						   EVENTLINE_FD_NONBLOCK |
						   EVENTLINE_FD_CLOEXEC));
	ASSERT_OK(tu_subscribe(fi_ch.stage, stage_line.id, NULL));
	fi_ch.down = ASSERT_OK(tu_register_create(ctl, 64,
						  EVENTLINE_FD_NONBLOCK |
						  EVENTLINE_FD_CLOEXEC));
	ASSERT_OK(tu_subscribe(fi_ch.down, stage_line.id, NULL));
	fi_subs(stage_line.owner, infos, 8, &rev);
	g = (struct eventline_grant){
		.size = sizeof(g), .flags = EVENTLINE_GRANT_MUTATE,
		.sub_id = infos[0].sub_id,
		.max_priority = EVENTLINE_PRIORITY_MIN,
	};
	ASSERT_OK(tu_ioctl(stage_line.owner, EVENTLINE_IOC_GRANT, &g));
	fi_chain_sweep("mutate(replace, 0 bytes)", fi_enomem, 1,
		       fi_prep_mutate, fi_call_mutate, fi_check_mutate, 0, 0);
	fi_chain_sweep("mutate(replace, 300 bytes)", fi_enomem, 1,
		       fi_prep_mutate, fi_call_mutate, fi_check_mutate, 300, 0);
	fi_chain_sweep("mutate(replace, max_payload)", fi_enomem, 1,
		       fi_prep_mutate, fi_call_mutate, fi_check_mutate,
		       info->max_payload, 0);
	close(fi_ch.stage);
	close(fi_ch.down);
	fi_line_close_test_line(&stage_line);

	/* Count entries of a user that holds nothing yet. */
	other = ASSERT_OK(tu_line_create(ctl, NULL, 0666, EVENTLINE_FD_CLOEXEC,
					 &seq));
	pid = tu_fork();
	if (!pid) {
		fi_ucount_helper(info, seq);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(other);
}

static void __attribute__((noinline)) fi_prefault_stack(void)
{
	volatile unsigned char buf[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 1;
}

/* The helper: every sweep, in the memory cgroup it was moved into. */
static void fi_nth_helper(const struct eventline_info *info)
{
	unsigned int big_count, big_len, i, reg_ring, pg, fpa = fi_have_fpa;
	struct fi_line reg_line, post_line;
	char name[32];
	int ctl;

	fi_nth = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fi_nth, 0);
	fi_self = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fi_self, 0);
	fi_payload = malloc(FI_PAYLOAD_BYTES);
	fi_ents = calloc(FI_ENTS, sizeof(*fi_ents));
	fi_wants = calloc(FI_ENTS, sizeof(*fi_wants));
	ASSERT_TRUE(fi_payload && fi_ents && fi_wants);
	tu_fill(fi_payload, FI_PAYLOAD_BYTES, 1);
	fi_prefault_stack();

	ctl = tu_open_ctl();
	/* A line to check new registers on; no subscriber of its own. */
	fi_line_open_test_line(&reg_line, ctl, 0, 0);

	/*
	 * REGISTER_CREATE: the smallest ring; a ring whose page pointer
	 * array is over a page (kvcalloc falls back to vmalloc); the
	 * largest queue, whose event-end array goes to vmalloc.
	 */
	pg = sysconf(_SC_PAGESIZE);
	reg_ring = 1024 * 1024 < info->max_ring_size ? 1024 * 1024 :
						       info->max_ring_size;
	for (i = 0; i < FI_NTH_REPEAT; i++)
		fi_sweep_register(ctl, &reg_line, 16, pg, false,
				  1 + fpa * fi_ring_pages(pg, true));
	fi_sweep_register(ctl, &reg_line, 64, reg_ring, false,
			  1 + fpa * fi_ring_pages(reg_ring, true));
	/* A 256 KiB event-end array: kmalloc fails, then its vmalloc. */
	fi_sweep_register(ctl, &reg_line, info->max_queue_len, 16 * pg, false,
			  1 + fpa * fi_ring_pages(16 * pg, true));
	if (fpa) {
		/*
		 * The vmalloc() fallback of the event-end array, and with a
		 * 4 MiB ring that of its 16 KiB page pointer array.
		 */
		fi_sweep_register(ctl, &reg_line, info->max_queue_len, 16 * pg,
				  true, 1);
		if (info->max_ring_size >= 4 * 1024 * 1024)
			fi_sweep_register(ctl, &reg_line, 64, 4 * 1024 * 1024,
					  true, 1);
	}
	fi_line_close_test_line(&reg_line);

	/* LINE_CREATE, anonymous and named, with its staging ring. */
	for (i = 0; i < FI_NTH_REPEAT; i++) {
		snprintf(name, sizeof(name), "fault-nth-%u", i);
		fi_sweep_line(ctl, NULL);
		fi_sweep_line(ctl, name);
	}

	/*
	 * POST and POST_BATCH on a line with one subscriber big enough for
	 * the largest batch (no loss: what arrives is exactly what was
	 * posted).
	 */
	big_count = info->max_post_batch < FI_ENTS ? info->max_post_batch :
						     FI_ENTS;
	big_len = info->max_post_batch_bytes / big_count;
	if (big_len > 1000)
		big_len = 1000;
	if (big_len > info->max_payload)
		big_len = info->max_payload;
	fi_line_open_test_line(&post_line, ctl, 2 * big_count,
			       info->max_ring_size < 4 * 1024 * 1024 ?
			       info->max_ring_size : 4 * 1024 * 1024);
	fi_sweep_post(&post_line, 257);
	fi_sweep_post(&post_line, info->max_payload);
	/* Entries and events fail; the payloads' 4500 bytes fall back. */
	fi_sweep_post_batch(&post_line, 3, 1500, false, 1);
	/* Here every kmalloc failure falls back to vmalloc... */
	fi_sweep_post_batch(&post_line, big_count, big_len, false, 0);
	/* ...which then fails, and so does the call. */
	if (fpa)
		fi_sweep_post_batch(&post_line, big_count, big_len, true, 1);
	fi_line_close_test_line(&post_line);

	fi_chain_sweeps(ctl, info);
	close(ctl);
}

/* Eventline's entries in /proc/vmallocinfo (vmap and vmalloc areas). */
static int fi_vmalloc_areas(void)
{
	FILE *f = fopen("/proc/vmallocinfo", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, "[eventline]");
	fclose(f);
	return n;
}

/* Whether tu_cg_create() would work (it skips the case otherwise). */
static bool fi_memcg_usable(void)
{
	char buf[256];

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK)) {
		mkdir("/sys/fs/cgroup", 0755);
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", 0, NULL);
	}
	return !tu_read_str("/sys/fs/cgroup/cgroup.controllers", buf,
			    sizeof(buf)) && strstr(buf, "memory") &&
	       !tu_write_str("/sys/fs/cgroup/cgroup.subtree_control",
			     "+memory");
}

static void test_fail_nth_sweep(void)
{
	struct fi_saved saved_slab = { 0 }, saved_page = { 0 };
	struct eventline_info info;
	int go[2], areas, areas_after;
	bool memcg;
	struct tu_cg cg;
	long long after;
	pid_t pid;

	fi_need_failslab();
	if (access("/proc/thread-self/fail-nth", W_OK))
		tap_skip("no /proc/thread-self/fail-nth");
	tu_info(&info);
	fi_have_fpa = !access(FPA_DIR, F_OK);
	if (!fi_have_fpa)
		tap_diag("no " FPA_DIR " (no CONFIG_FAIL_PAGE_ALLOC): slab allocations only");
	memcg = fi_memcg_usable();
	if (memcg)
		tu_cg_create(&cg, "fault", 512LL * 1024 * 1024);
	else
		tap_diag("no cgroup2 memory controller: page leaks not checked");
	areas = fi_vmalloc_areas();
	if (areas >= 0) {
		/* The count must see a line's staging ring, or it proves nothing. */
		int ctl = tu_open_ctl();
		int fd = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));

		EXPECT_GT(fi_vmalloc_areas(), areas);
		close(fd);
		close(ctl);
		EXPECT_EQ(fi_vmalloc_areas(), areas);
	} else {
		tap_diag("no /proc/vmallocinfo: vmap leaks not checked");
	}

	fi_configure(&saved_slab, fi_nth_slab_knobs,
		     TU_ARRAY_SIZE(fi_nth_slab_knobs));
	if (fi_have_fpa)
		fi_configure(&saved_page, fi_nth_page_knobs,
			     TU_ARRAY_SIZE(fi_nth_page_knobs));

	ASSERT_SYSOK(pipe(go));
	pid = tu_fork();
	if (!pid) {
		char c;

		close(go[1]);
		ASSERT_EQ(read(go[0], &c, 1), 1);	/* in the cgroup */
		fi_nth_helper(&info);
		tap_child_exit();
	}
	close(go[0]);
	if (memcg)
		tu_cg_enter(&cg, pid);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	close(go[1]);
	tu_wait_ok(pid);
	fi_restore(&saved_page);
	fi_restore(&saved_slab);

	/* kmemleak sees neither pages nor vmap areas: these do. */
	if (areas >= 0) {
		areas_after = fi_vmalloc_areas();
		tap_diag("eventline vmalloc/vmap areas: %d before, %d after",
			 areas, areas_after);
		EXPECT_EQ(areas_after, areas);
	}
	if (memcg) {
		after = tu_cg_settle(&cg, FI_CG_SLACK);
		tap_diag("memory.current %lld once the helper exited", after);
		EXPECT_LE(after, FI_CG_SLACK);
		tu_cg_destroy(&cg);
	}
	fi_check_counts(&info);
}

static void test_failslab_every_op(void)
{
	fi_run(300);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_failslab_every_op, 150),
	TAP_TEST_TIMEOUT(test_fail_nth_sweep, 600),
};

TAP_MAIN(tests)
