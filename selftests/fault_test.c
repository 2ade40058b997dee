// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test - every allocation the module makes may fail: it must fail
 * the one call cleanly and leave nothing half-made behind.
 *
 * Uses failslab (CONFIG_FAILSLAB, with its debugfs knobs) in task-filter
 * mode: only a task whose /proc/thread-self/make-it-fail is 1 sees
 * injected failures, and this test sets it only around the one call under
 * test, so the test's own bookkeeping (printing, malloc, reading /proc)
 * never fails.  On kernels without fault injection (stock Debian) every
 * case skips.
 *
 * Each failing call must return an errno from a small allowed set
 * (ENOMEM; ENFILE too for calls that make a file).  Then, with injection
 * off, the state must show no trace of the failure: a name whose
 * LINE_CREATE failed is free, a register whose SUBSCRIBE failed is not
 * subscribed (UNSUBSCRIBE says ENOENT) and gets nothing, a failed POST
 * used no sequence number, good registers get exactly the successful
 * posts then LINE_CLOSED then EOF, and the per-user line count is back to
 * zero (exactly max_lines_per_user lines fit).  Unloading the module and
 * the kmemleak scan at the end of the VM run catch leaks.
 *
 * The injection runs in a forked helper; the case process restores the
 * failslab settings afterwards, whatever happened to the helper.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define FS_DIR		"/sys/kernel/debug/failslab"
#define FI_MAX_REGS	3

/* The knobs we set, and what we set them to. */
static const struct {
	const char *knob, *value;
} fi_knobs[] = {
	{ "verbose", "0" },	/* a Call Trace per failure fails the run */
	{ "space", "0" },
	{ "times", "-1" },
	{ "interval", "1" },
	{ "task-filter", "Y" },
	{ "ignore-gfp-wait", "N" },
	{ "probability", "20" },
};

static char fi_saved[TU_ARRAY_SIZE(fi_knobs)][32];

/* Injection statistics per operation. */
enum fi_op {
	OP_OPEN, OP_LINE_CREATE, OP_LINE_CREATE_NAMED, OP_LINE_OPEN,
	OP_REGISTER_CREATE, OP_REGISTER_CREATE_BIG, OP_SUBSCRIBE, OP_POST,
	OP_READ, OP_NR
};

static const char *const fi_op_names[OP_NR] = {
	"open", "line_create", "line_create(named)", "line_open",
	"register_create", "register_create(kvmalloc)", "subscribe", "post",
	"read",
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

static void fi_configure(void)
{
	char path[128];
	unsigned int i;

	for (i = 0; i < TU_ARRAY_SIZE(fi_knobs); i++) {
		snprintf(path, sizeof(path), FS_DIR "/%s", fi_knobs[i].knob);
		ASSERT_OK(tu_read_str(path, fi_saved[i], sizeof(fi_saved[i])));
	}
	for (i = 0; i < TU_ARRAY_SIZE(fi_knobs); i++) {
		snprintf(path, sizeof(path), FS_DIR "/%s", fi_knobs[i].knob);
		if (tu_write_str(path, fi_knobs[i].value)) {
			tap_diag("cannot set %s", path);
			tap_fail();
		}
	}
}

/* Injection off first (probability 0), then the rest as it was. */
static void fi_restore(void)
{
	char path[128];
	int i;

	EXPECT_OK(tu_write_str(FS_DIR "/probability", "0"));
	for (i = TU_ARRAY_SIZE(fi_knobs) - 1; i >= 0; i--) {
		if (!fi_saved[i][0])
			continue;
		snprintf(path, sizeof(path), FS_DIR "/%s", fi_knobs[i].knob);
		EXPECT_OK(tu_write_str(path, fi_saved[i]));
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

/* After injection: exactly max_lines_per_user lines fit, for root. */
static void fi_check_line_count(const struct eventline_info *info)
{
	int ctl = tu_open_ctl(), *fds;
	unsigned int i, max = info->max_lines_per_user;

	if (max > 8192) {
		tap_diag("max_lines_per_user %u: count not checked", max);
		close(ctl);
		return;
	}
	tu_raise_nofile(max + 64);
	fds = calloc(max, sizeof(*fds));
	ASSERT_TRUE(fds != NULL);
	for (i = 0; i < max; i++) {
		fds[i] = tu_line_create(ctl, NULL, 0600, 0, NULL);
		if (fds[i] < 0) {
			tap_diag("line %u of %u: %s: a failed create leaked a count?",
				 i + 1, max, tap_errname(-fds[i]));
			tap_fail();
			break;
		}
	}
	if (i == max)
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EMFILE);
	while (i--)
		close(fds[i]);
	free(fds);
	close(ctl);
}

static void fi_run(unsigned int iterations)
{
	struct eventline_info info;
	struct fi_stats *s;
	unsigned int i, op;
	pid_t pid;

	fi_need_failslab();
	tu_info(&info);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(s != MAP_FAILED);
	memset(s, 0, sizeof(*s));
	fi_configure();

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
	fi_restore();

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
	fi_check_line_count(&info);
}

static void test_failslab_every_op(void)
{
	fi_run(300);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_failslab_every_op, 150),
};

TAP_MAIN(tests)
