// SPDX-License-Identifier: GPL-2.0
/*
 * kpost_test - kernel code posts on a line from any context, and nothing
 * it posts is lost without a trace.
 *
 * The evl_kpost test module (selftests/kmod/) owns the kernel line
 * "evl-kpost".  Told through debugfs, it posts on it from process context,
 * a timer (softirq), a hard hrtimer, a hard irq_work or under a spinlock
 * with interrupts off, and records what each post returned; each payload
 * carries its source, the context the poster saw and a per-source counter
 * that every attempted post advances.  The cases subscribe registers and
 * hold what arrives against that record: every post that returned 0
 * arrives exactly once, in order, as a LINE record of pid 0 and uid 0;
 * the counters that do not arrive are exactly those of the posts that
 * returned -ENOBUFS; the line's sequence numbers have no gap, so no
 * accepted event went missing; a register that overflows accounts for
 * each event it lost.
 *
 * The VM runner (scripts/vm-run.sh) loads evl_kpost just before this
 * program and removes it afterwards if it is still there.  The last case
 * unloads it itself: its subscribers must get every event, then
 * LINE_CLOSED, then end of file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kmod/evl_kpost.h"
#include "util.h"

#define KP_DIR		"/sys/kernel/debug/" EVL_KPOST_DEBUGFS_DIR
#define KP_MODULE	"evl_kpost"

/* Records a register is made to hold; far more than any case posts. */
#define KP_QUEUE_LEN	16384
/* How long delivery may stall before what is missing counts as lost. */
#define KP_STALL_MS	15000
/* How long to wait for records that should not come. */
#define KP_GRACE_MS	300

/* Type and payload of the events this program posts from userspace. */
#define KP_USER_TYPE	0
struct kp_user_payload {
	uint64_t counter;
};

static const char *const kp_names[] = EVL_KPOST_SOURCE_NAMES;

/* The context each source posts in. */
static const uint32_t kp_context[EVL_KPOST_NR_SOURCES] = {
	[EVL_KPOST_PROCESS] = EVL_KPOST_CTX_TASK,
	[EVL_KPOST_SOFTIRQ] = EVL_KPOST_CTX_SOFTIRQ,
	[EVL_KPOST_HARDIRQ] = EVL_KPOST_CTX_HARDIRQ | EVL_KPOST_CTX_IRQS_OFF,
	[EVL_KPOST_IRQ_WORK] = EVL_KPOST_CTX_HARDIRQ | EVL_KPOST_CTX_IRQS_OFF,
	[EVL_KPOST_LOCKED] = EVL_KPOST_CTX_TASK | EVL_KPOST_CTX_IRQS_OFF,
};

/*
 * Context bits a source may show besides those: a hard interrupt (the
 * hrtimer's, or the irq_work's self-IPI or tick) can come while this CPU
 * is serving a softirq, and in_serving_softirq() is then true in the
 * interrupt too.  Process context, the timer's softirq and the spinlock
 * measure their own context only, so they are exact.
 */
static const uint32_t kp_context_may[EVL_KPOST_NR_SOURCES] = {
	[EVL_KPOST_HARDIRQ] = EVL_KPOST_CTX_SOFTIRQ,
	[EVL_KPOST_IRQ_WORK] = EVL_KPOST_CTX_SOFTIRQ,
};

/* One run of the module, as its "last" file reports it. */
struct kp_result {
	unsigned int source;
	uint64_t first;
	uint32_t count, ok, nobufs, errors;
	bool *failed;		/* [count]: post first + i did not return 0 */
};

/* A line of the module's "stats" file. */
struct kp_totals {
	uint64_t ok, nobufs, errors, next;
};

/* A record read from a register, reduced to what the checks look at. */
struct kp_rec {
	uint16_t type;
	uint32_t pid, uid;
	uint64_t seq, timestamp_ns;
	uint32_t source, context;
	uint64_t counter;
};

/* What a register delivered. */
struct kp_stream {
	struct kp_rec *recs;	/* the LINE records, in the order read */
	size_t n, cap;
	uint64_t lost;		/* sum of the OVERFLOW records */
	unsigned int overflows;
	size_t before_overflow;	/* LINE records read before the first one */
	bool closed;		/* LINE_CLOSED read */
	bool eof;		/* read() returned 0 */
};

static void need_kpost(void)
{
	close(tu_open_ctl());
	if (geteuid() != 0)
		tap_skip("needs root");
	if (access(KP_DIR "/run", W_OK))
		tap_skip(KP_DIR "/run: %s (evl_kpost not loaded?)",
			 tap_errname(errno));
}

/* The whole of a small file, NUL-terminated; the caller frees it. */
static char *kp_read_file(const char *path)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	ASSERT_TRUE(buf != NULL);
	fd = ASSERT_SYSOK(open(path, O_RDONLY | O_CLOEXEC));
	for (;;) {
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ASSERT_TRUE(buf != NULL);
		}
		n = ASSERT_SYSOK(read(fd, buf + len, cap - len - 1));
		if (!n)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
}

static void kp_totals(unsigned int source, struct kp_totals *t)
{
	char *text = kp_read_file(KP_DIR "/stats"), *line, *save = NULL;
	bool found = false;
	char name[16];

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct kp_totals v;

		if (sscanf(line, "%15s ok %" SCNu64 " nobufs %" SCNu64
			   " errors %" SCNu64 " next %" SCNu64, name, &v.ok,
			   &v.nobufs, &v.errors, &v.next) != 5) {
			tap_diag("stats: cannot parse '%s'", line);
			tap_abort();
		}
		if (!strcmp(name, kp_names[source])) {
			*t = v;
			found = true;
		}
	}
	free(text);
	if (!found) {
		tap_diag("stats: no line for %s", kp_names[source]);
		tap_abort();
	}
}

/*
 * Have the module make @count posts from @source, @chunk per callback, and
 * read back what each returned.  Checks that the report adds up and agrees
 * with the module's totals.
 */
static void kp_run(unsigned int source, uint32_t count, uint32_t chunk,
		   struct kp_result *res)
{
	struct kp_totals before, after;
	char cmd[64], name[16], *text, *line, *save = NULL;
	uint64_t a, b, i, nfailed = 0;

	kp_totals(source, &before);
	snprintf(cmd, sizeof(cmd), "%s %u %u", kp_names[source], count, chunk);
	ASSERT_OK(tu_write_str(KP_DIR "/run", cmd));

	text = kp_read_file(KP_DIR "/last");
	line = strtok_r(text, "\n", &save);
	ASSERT_TRUE(line != NULL);
	memset(res, 0, sizeof(*res));
	if (sscanf(line, "%15s first %" SCNu64 " count %u ok %u nobufs %u errors %u",
		   name, &res->first, &res->count, &res->ok, &res->nobufs,
		   &res->errors) != 6) {
		tap_diag("last: cannot parse '%s'", line);
		tap_abort();
	}
	res->source = source;
	ASSERT_EQ(strcmp(name, kp_names[source]), 0);
	ASSERT_EQ(res->count, count);
	ASSERT_EQ((uint64_t)res->ok + res->nobufs + res->errors, count);
	/* -ENOBUFS is the only failure a post on a live line may have. */
	EXPECT_EQ(res->errors, 0);
	res->failed = calloc(count, sizeof(bool));
	ASSERT_TRUE(res->failed != NULL);
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (sscanf(line, "failed %" SCNu64 " %" SCNu64, &a, &b) != 2) {
			tap_diag("last: cannot parse '%s'", line);
			tap_abort();
		}
		ASSERT_LE(res->first, a);
		ASSERT_LE(a, b);
		ASSERT_LT(b, res->first + count);
		for (i = a; i <= b; i++) {
			EXPECT_FALSE(res->failed[i - res->first]);
			res->failed[i - res->first] = true;
			nfailed++;
		}
	}
	free(text);
	EXPECT_EQ(nfailed, (uint64_t)res->nobufs + res->errors);

	/* Counters are per source and never reused. */
	kp_totals(source, &after);
	EXPECT_EQ(before.next, res->first);
	EXPECT_EQ(after.next, before.next + count);
	EXPECT_EQ(after.ok, before.ok + res->ok);
	EXPECT_EQ(after.nobufs, before.nobufs + res->nobufs);
	EXPECT_EQ(after.errors, before.errors + res->errors);
}

static void kp_result_free(struct kp_result *res)
{
	free(res->failed);
	res->failed = NULL;
}

static uint64_t kp_line_id(void)
{
	char *text = kp_read_file(KP_DIR "/line_id");
	uint64_t id = strtoull(text, NULL, 10);

	free(text);
	ASSERT_NE(id, 0);
	return id;
}

/* SUBSCRIBE by name; returns the id the kernel found. */
static long kp_subscribe(int reg, uint64_t *id)
{
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	long ret;

	strcpy(ref.name, EVL_KPOST_LINE);
	ret = tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref);
	if (ret >= 0)
		*id = ref.id;
	return ret;
}

/* A non-blocking register of @queue_len records on the kernel line. */
static int kp_register(unsigned int queue_len, uint64_t *id)
{
	int ctl = tu_open_ctl(), reg;

	reg = ASSERT_OK(tu_register_create(ctl, queue_len,
					   EVENTLINE_FD_CLOEXEC |
					   EVENTLINE_FD_NONBLOCK));
	close(ctl);
	ASSERT_OK(kp_subscribe(reg, id));
	EXPECT_EQ(*id, kp_line_id());
	return reg;
}

static void kp_stream_init(struct kp_stream *s)
{
	memset(s, 0, sizeof(*s));
	s->cap = 1024;
	s->recs = malloc(s->cap * sizeof(*s->recs));
	ASSERT_TRUE(s->recs != NULL);
}

static void kp_stream_free(struct kp_stream *s)
{
	free(s->recs);
	s->recs = NULL;
}

/* Check one record's header and keep what the checks need. */
static void kp_take(struct kp_stream *s, const struct eventline_record *r,
		    uint64_t line_id)
{
	const void *p = tu_payload(r);
	struct kp_rec *k;

	if (r->category == EVENTLINE_CAT_META &&
	    r->type == EVENTLINE_META_OVERFLOW) {
		const struct eventline_overflow *o = p;

		EXPECT_TRUE(tu_check_meta_record(r, EVENTLINE_META_OVERFLOW, 0));
		EXPECT_FALSE(s->closed);
		EXPECT_GT(o->lost, 0);
		if (!s->overflows++)
			s->before_overflow = s->n;
		s->lost += o->lost;
		return;
	}
	/* A small queue filling up is a choke point: told, nothing lost. */
	if (r->category == EVENTLINE_CAT_META &&
	    r->type == EVENTLINE_META_CHOKE) {
		EXPECT_TRUE(tu_check_meta_record(r, EVENTLINE_META_CHOKE, 0));
		EXPECT_FALSE(s->closed);
		return;
	}
	if (r->category == EVENTLINE_CAT_META &&
	    r->type == EVENTLINE_META_LINE_CLOSED) {
		EXPECT_TRUE(tu_check_meta_record(r, EVENTLINE_META_LINE_CLOSED,
						 line_id));
		EXPECT_FALSE(s->closed);
		s->closed = true;
		return;
	}
	/* Nothing but events of the line, and none after it closed. */
	ASSERT_EQ(r->category, EVENTLINE_CAT_LINE);
	EXPECT_FALSE(s->closed);
	EXPECT_EQ(r->line_id, line_id);
	EXPECT_EQ(r->header_size, sizeof(*r));
	EXPECT_EQ(r->flags, 0);
	EXPECT_EQ(r->depth, 0);
	EXPECT_EQ(r->__reserved1, 0);
	if (s->n == s->cap) {
		s->cap *= 2;
		s->recs = realloc(s->recs, s->cap * sizeof(*s->recs));
		ASSERT_TRUE(s->recs != NULL);
	}
	k = &s->recs[s->n++];
	memset(k, 0, sizeof(*k));
	k->type = r->type;
	k->pid = r->pid;
	k->uid = r->uid;
	k->seq = r->seq;
	k->timestamp_ns = r->timestamp_ns;
	if (r->type == KP_USER_TYPE) {
		struct kp_user_payload up;

		ASSERT_EQ(r->payload_len, sizeof(up));
		ASSERT_EQ(r->size, TU_REC_SIZE(sizeof(up)));
		memcpy(&up, p, sizeof(up));
		k->counter = up.counter;
	} else {
		struct evl_kpost_payload kp;

		ASSERT_EQ(r->payload_len, sizeof(kp));
		ASSERT_EQ(r->size, TU_REC_SIZE(sizeof(kp)));
		memcpy(&kp, p, sizeof(kp));
		k->source = kp.source;
		k->context = kp.context;
		k->counter = kp.counter;
	}
}

/*
 * Read @reg until the LINE records and the losses reported add up to
 * @want, then for a grace period more, so that a duplicate or an extra
 * record shows; with @to_eof, until read() returns 0 instead.
 */
static void kp_collect(int reg, uint64_t line_id, uint64_t want, bool to_eof,
		       struct kp_stream *s)
{
	const uint64_t stall_ns = KP_STALL_MS * 1000000ULL;
	uint64_t deadline = tu_now_ns() + stall_ns;
	const struct eventline_record *r;
	struct pollfd pfd = { .fd = reg, .events = POLLIN };
	struct tu_reader rd;
	bool grace = false;
	int ret;

	tu_reader_init(&rd, reg, 65536);
	for (;;) {
		ret = tu_reader_next(&rd, &r);
		if (ret == 1) {
			kp_take(s, r, line_id);
			deadline = tu_now_ns() + stall_ns;
			continue;
		}
		if (ret == 0) {
			s->eof = true;
			break;
		}
		ASSERT_EQ(ret, -EAGAIN);
		if (!to_eof && s->n + s->lost >= want) {
			if (grace)
				break;
			/* One more look after the grace period. */
			grace = true;
			tu_msleep(KP_GRACE_MS);
			continue;
		}
		if (tu_now_ns() >= deadline) {
			tap_diag("%zu records, %" PRIu64 " lost, then nothing for %d ms",
				 s->n, s->lost, KP_STALL_MS);
			tap_diag("wanted %" PRIu64 "%s", want,
				 to_eof ? " and end of file" : "");
			tap_fail();
			break;
		}
		poll(&pfd, 1, 100);
	}
	tu_reader_fini(&rd);
}

/*
 * Check the kernel's records in @s against run @res, and @nuser events
 * posted from userspace meanwhile by this process.  With @complete, every
 * accepted post must be there; otherwise the register lost some, and each
 * loss must be in an OVERFLOW record.
 */
static void kp_check(const struct kp_stream *s, const struct kp_result *res,
		     uint64_t nuser, bool complete)
{
	uint64_t next_user = 0, prev_counter = 0, nkernel = 0;
	const struct kp_rec *k, *prev = NULL;
	unsigned int bad = tap_fail_count();
	size_t i;

	for (i = 0; i < s->n && tap_fail_count() - bad < 10; i++) {
		k = &s->recs[i];
		/* Per-line order: the line's sequence and the clock. */
		if (prev) {
			EXPECT_GT(k->seq, prev->seq);
			/* Posts that fail take no number: no gap unless lost. */
			if (complete)
				EXPECT_EQ(k->seq, prev->seq + 1);
			EXPECT_GE(k->timestamp_ns, prev->timestamp_ns);
		}
		prev = k;
		if (k->type == KP_USER_TYPE) {
			EXPECT_EQ(k->pid, getpid());
			EXPECT_EQ(k->uid, 0);
			if (complete)
				EXPECT_EQ(k->counter, next_user);
			else
				EXPECT_GE(k->counter, next_user);
			next_user = k->counter + 1;
			continue;
		}
		/* Kernel code's posts carry no process. */
		EXPECT_EQ(k->type, EVL_KPOST_TYPE(res->source));
		EXPECT_EQ(k->source, res->source);
		EXPECT_EQ(k->context & ~kp_context_may[res->source],
			  kp_context[res->source]);
		EXPECT_EQ(k->pid, 0);
		EXPECT_EQ(k->uid, 0);
		/* Counters of this run only, each once, in posting order. */
		EXPECT_GE(k->counter, res->first);
		EXPECT_LT(k->counter, res->first + res->count);
		EXPECT_GT(k->counter, prev_counter);
		prev_counter = k->counter;
		if (k->counter >= res->first &&
		    k->counter < res->first + res->count &&
		    res->failed[k->counter - res->first]) {
			tap_diag("counter %" PRIu64 " arrived but its post failed",
				 k->counter);
			tap_fail();
		}
		nkernel++;
	}
	if (tap_fail_count() != bad)
		return;
	/*
	 * Every counter that arrived was accepted, each once: with as many
	 * as were accepted, the missing ones are exactly the failed ones.
	 */
	if (complete) {
		EXPECT_EQ(nkernel, res->ok);
		EXPECT_EQ(s->n - nkernel, nuser);
		EXPECT_EQ(s->lost, 0);
	} else {
		EXPECT_EQ(s->n + s->lost, res->ok + nuser);
	}
}

/* @count posts from @source, @chunk at a time, all of them delivered. */
static void kp_run_and_check(int reg, uint64_t id, unsigned int source,
			     uint32_t count, uint32_t chunk,
			     struct kp_result *res)
{
	struct kp_stream s;

	kp_run(source, count, chunk, res);
	kp_stream_init(&s);
	kp_collect(reg, id, res->ok, false, &s);
	kp_check(&s, res, 0, true);
	kp_stream_free(&s);
}

/* The line is the module's: found by name, with its id and mode. */
static void test_kernel_line(void)
{
	struct eventline_line_info li;
	struct eventline_line_ref ref;
	int ctl, reg, fd;
	uint64_t id, got = 0;
	pid_t pid;

	need_kpost();
	id = kp_line_id();
	ctl = tu_open_ctl();
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	ASSERT_OK(kp_subscribe(reg, &got));
	EXPECT_EQ(got, id);
	EXPECT_RET(kp_subscribe(reg, &got), EEXIST);
	/* LINE_INFO through the register says who stands behind it. */
	memset(&li, 0, sizeof(li));
	li.size = sizeof(li);
	li.id = id;
	EXPECT_OK(tu_ioctl(reg, EVENTLINE_IOC_LINE_INFO, &li));
	EXPECT_EQ(li.id, id);
	EXPECT_EQ(li.line_flags & EVENTLINE_LINE_KERNEL_OWNED,
		  EVENTLINE_LINE_KERNEL_OWNED);
	EXPECT_EQ(li.mode, EVL_KPOST_LINE_MODE);
	EXPECT_EQ(li.owner_uid, 0);
	EXPECT_EQ(strcmp(li.name, EVL_KPOST_LINE), 0);
	EXPECT_OK(tu_unsubscribe(reg, id));
	/* A subscriber may insist that kernel code owns the line. */
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	ref.flags = EVENTLINE_REF_KERNEL_OWNED;
	strcpy(ref.name, EVL_KPOST_LINE);
	EXPECT_OK(tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref));
	EXPECT_EQ(ref.id, id);
	EXPECT_OK(tu_unsubscribe(reg, id));
	/* "kernel." names are kernel code's: no process may create one. */
	EXPECT_RET(tu_line_create(ctl, EVL_KPOST_LINE, 0600, 0, NULL), EPERM);
	/* Owned by root with mode 0644: root may post on it too. */
	fd = EXPECT_OK(tu_line_open(ctl, 0, EVL_KPOST_LINE, 0));
	if (fd >= 0)
		close(fd);
	close(reg);
	close(ctl);

	/* Others may read it, and only read it. */
	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		ctl = tu_open_ctl();
		EXPECT_RET(tu_line_open(ctl, 0, EVL_KPOST_LINE, 0), EACCES);
		EXPECT_RET(tu_line_open(ctl, id, NULL, 0), EACCES);
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		EXPECT_OK(kp_subscribe(reg, &got));
		EXPECT_EQ(got, id);
		tap_child_exit();
	}
	tu_wait_ok(pid);
}

/*
 * One source: a run that fits the staging ring in one go (no post may
 * fail), then a longer one in chunks that interleave with delivery.
 */
static void kp_source_case(unsigned int source)
{
	struct kp_result res;
	uint64_t id;
	int reg;

	need_kpost();
	reg = kp_register(KP_QUEUE_LEN, &id);

	/* 256 payloads of 16 bytes: well within the 64 KiB staging ring. */
	kp_run_and_check(reg, id, source, 256, 256, &res);
	EXPECT_EQ(res.ok, 256);
	kp_result_free(&res);

	kp_run_and_check(reg, id, source, 4096, 32, &res);
	EXPECT_GT(res.ok, 0);
	if (res.nobufs)
		tap_diag("%s: %u of 4096 chunked posts found no staging room",
			 kp_names[source], res.nobufs);
	kp_result_free(&res);
	close(reg);
}

static void test_process(void)
{
	kp_source_case(EVL_KPOST_PROCESS);
}

static void test_softirq(void)
{
	kp_source_case(EVL_KPOST_SOFTIRQ);
}

static void test_hardirq(void)
{
	kp_source_case(EVL_KPOST_HARDIRQ);
}

static void test_irq_work(void)
{
	kp_source_case(EVL_KPOST_IRQ_WORK);
}

static void test_locked(void)
{
	kp_source_case(EVL_KPOST_LOCKED);
}

/*
 * A burst far larger than the staging ring, from a hard interrupt and
 * with interrupts off, where the deliver work cannot drain meanwhile:
 * posts must fail with -ENOBUFS, every accepted one must arrive, with no
 * gap in the line's numbering, and the line must work normally after.
 */
static void test_burst(void)
{
	static const unsigned int sources[] = {
		EVL_KPOST_HARDIRQ, EVL_KPOST_LOCKED,
	};
	struct kp_result res;
	unsigned int i;
	uint64_t id;
	int reg;

	need_kpost();
	reg = kp_register(KP_QUEUE_LEN, &id);
	for (i = 0; i < TU_ARRAY_SIZE(sources); i++) {
		/* 4096 payloads of 16 bytes: several times the 64 KiB ring. */
		kp_run_and_check(reg, id, sources[i], 4096, 4096, &res);
		EXPECT_GT(res.nobufs, 0);
		EXPECT_GT(res.ok, 0);
		tap_diag("%s burst: %u accepted, %u -ENOBUFS", kp_names[sources[i]],
			 res.ok, res.nobufs);
		kp_result_free(&res);

		kp_run_and_check(reg, id, EVL_KPOST_PROCESS, 64, 64, &res);
		EXPECT_EQ(res.ok, 64);
		kp_result_free(&res);
	}
	close(reg);
}

/*
 * A register with a tiny queue beside one that takes everything: the
 * tiny one loses events, and the OVERFLOW records count every one of
 * them; once it has been read, it queues again.
 */
static void test_tiny_queue(void)
{
	struct kp_stream big, tiny;
	struct kp_result res;
	uint64_t id, id2;
	int reg, small, round;

	need_kpost();
	reg = kp_register(KP_QUEUE_LEN, &id);
	small = kp_register(4, &id2);
	ASSERT_EQ(id2, id);
	for (round = 0; round < 2; round++) {
		kp_run(round ? EVL_KPOST_HARDIRQ : EVL_KPOST_SOFTIRQ, 512, 512,
		       &res);
		EXPECT_EQ(res.ok, 512);
		/* All of it delivered to the big one means to both. */
		kp_stream_init(&big);
		kp_collect(reg, id, res.ok, false, &big);
		kp_check(&big, &res, 0, true);
		kp_stream_free(&big);

		kp_stream_init(&tiny);
		kp_collect(small, id, res.ok, false, &tiny);
		kp_check(&tiny, &res, 0, false);
		EXPECT_GT(tiny.n, 0);
		EXPECT_GT(tiny.overflows, 0);
		EXPECT_LE(tiny.before_overflow, 4);
		kp_stream_free(&tiny);
		kp_result_free(&res);
	}
	close(small);
	close(reg);
}

struct kp_poster {
	int fd;
	uint64_t count;
	int err;
};

static void *kp_user_poster(void *arg)
{
	struct kp_poster *p = arg;
	struct kp_user_payload up;
	uint64_t i;
	int ret;

	for (i = 0; i < p->count; i++) {
		up.counter = i;
		ret = tu_post(p->fd, KP_USER_TYPE, &up, sizeof(up), NULL);
		if (ret < 0) {
			p->err = ret;
			break;
		}
	}
	return NULL;
}

/*
 * Userspace and interrupts post on the line at once: the deliverer role
 * passes between a posting process and the deliver work, and the line's
 * order holds across both.
 */
static void test_with_user_posts(void)
{
	struct kp_poster poster = { .count = 3000 };
	struct kp_result res;
	struct kp_stream s;
	pthread_t thread;
	uint64_t id;
	int ctl, reg;

	need_kpost();
	reg = kp_register(KP_QUEUE_LEN, &id);
	ctl = tu_open_ctl();
	poster.fd = ASSERT_OK(tu_line_open(ctl, 0, EVL_KPOST_LINE, 0));
	close(ctl);
	ASSERT_EQ(pthread_create(&thread, NULL, kp_user_poster, &poster), 0);
	kp_run(EVL_KPOST_HARDIRQ, 4096, 8, &res);
	ASSERT_EQ(pthread_join(thread, NULL), 0);
	EXPECT_EQ(poster.err, 0);
	EXPECT_GT(res.ok, 0);

	kp_stream_init(&s);
	kp_collect(reg, id, res.ok + poster.count, false, &s);
	kp_check(&s, &res, poster.count, true);
	kp_stream_free(&s);
	kp_result_free(&res);
	close(poster.fd);
	close(reg);
}

/*
 * Unloading the module destroys its line: subscribers get every event
 * posted before, even those still staged, then LINE_CLOSED, then end of
 * file.  Last case: the module is gone afterwards.
 */
static void test_unload(void)
{
	char buf[TU_REC_SIZE(sizeof(struct evl_kpost_payload))];
	struct pollfd pfd;
	struct kp_result res;
	struct kp_stream s;
	uint64_t id, got;
	int reg, ctl;

	need_kpost();
	reg = kp_register(KP_QUEUE_LEN, &id);
	/* With interrupts off all 512 are staged before any is delivered. */
	kp_run(EVL_KPOST_LOCKED, 512, 512, &res);
	EXPECT_EQ(res.ok, 512);
	ASSERT_SYSOK(syscall(SYS_delete_module, KP_MODULE, O_NONBLOCK));
	EXPECT_ERRNO(access("/sys/module/" KP_MODULE, F_OK), ENOENT);
	EXPECT_ERRNO(access(KP_DIR, F_OK), ENOENT);

	kp_stream_init(&s);
	kp_collect(reg, id, res.ok, true, &s);
	EXPECT_TRUE(s.closed);
	EXPECT_TRUE(s.eof);
	kp_check(&s, &res, 0, true);
	kp_stream_free(&s);
	kp_result_free(&res);

	pfd = (struct pollfd){ .fd = reg, .events = POLLIN };
	EXPECT_EQ(poll(&pfd, 1, 0), 1);
	EXPECT_TRUE(pfd.revents & POLLHUP);
	EXPECT_EQ(read(reg, buf, sizeof(buf)), 0);
	close(reg);

	/* The name is free again. */
	ctl = tu_open_ctl();
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	EXPECT_RET(kp_subscribe(reg, &got), ENOENT);
	close(reg);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_kernel_line),
	TAP_TEST_TIMEOUT(test_process, 120),
	TAP_TEST_TIMEOUT(test_softirq, 120),
	TAP_TEST_TIMEOUT(test_hardirq, 120),
	TAP_TEST_TIMEOUT(test_irq_work, 120),
	TAP_TEST_TIMEOUT(test_locked, 120),
	TAP_TEST_TIMEOUT(test_burst, 120),
	TAP_TEST_TIMEOUT(test_tiny_queue, 120),
	TAP_TEST_TIMEOUT(test_with_user_posts, 120),
	/* Unloads the module: keep it last. */
	TAP_TEST_TIMEOUT(test_unload, 120),
};

TAP_MAIN(tests)
