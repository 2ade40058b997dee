// SPDX-License-Identifier: GPL-2.0
/*
 * retain_test - "Retained events" of include/uapi/linux/eventline.h.
 *
 * A post is fire-and-forget unless it carries EVENTLINE_POST_RETAIN: then
 * it also becomes the line's retained event for its type, and a register
 * that subscribes later is first given the line's retained events, in
 * sequence order, flagged EVENTLINE_RECORD_RETAINED, with their original
 * seq, timestamp and poster, before anything posted after it joined.
 *
 * Every case posts known events and reads back exactly what a new
 * subscriber (and an earlier one) must hold: which records, in which
 * order, with which flags, and nothing more (the register then reads
 * EAGAIN).  The load case does the same while a thread posts without
 * pause: its sequence numbers are its own counter, so for every register
 * subscribing in the middle of it the retained set it must be given is a
 * function of the first sequence number it receives live.
 *
 * Also: RETAIN_CLEAR (its count, who may call it, its checks), posts that
 * fail retain nothing, POST_BATCH refuses the flag, closing a line drops
 * its retained events, a retained payload of max_payload bytes, the
 * normal overflow rule for retained records in a tiny ring, and what the
 * retained copies cost the poster's memory cgroup.
 *
 * Needs root (cgroups for the memory case; the rest runs as anyone).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define KIB		1024LL
#define MIB		(1024 * KIB)

#define RETAIN		EVENTLINE_POST_RETAIN
#define FLAG_RETAINED	EVENTLINE_RECORD_RETAINED

/* Records of the small cases fit in this many bytes, with room to spare. */
#define READ_CAP	(64 * 1024)

/* POST with @flags; 0 or -errno, the event's seq in @seq. */
static long post(int fd, unsigned int type, const void *payload,
		 unsigned int len, unsigned int flags, uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.flags = flags,
		.type = type,
		.payload_len = len,
		.payload = (uintptr_t)payload,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);

	if (ret >= 0 && seq)
		*seq = p.seq;
	return ret;
}

/* POST of a string payload (without its NUL); returns the seq. */
static uint64_t post_str(int fd, unsigned int type, const char *s,
			 unsigned int flags)
{
	uint64_t seq = 0;

	ASSERT_EQ(post(fd, type, s, strlen(s), flags, &seq), 0);
	ASSERT_NE(seq, 0);
	return seq;
}

/* RETAIN_CLEAR with an explicit struct size. */
static long retain_clear_sz(int fd, uint32_t size, uint32_t flags,
			    uint64_t types)
{
	struct {
		struct eventline_retain_clear rc;
		uint64_t tail;
	} arg = {
		.rc = { .size = size, .flags = flags, .types = types },
	};

	return tu_ioctl(fd, EVENTLINE_IOC_RETAIN_CLEAR, &arg);
}

static long retain_clear(int fd, uint64_t types)
{
	return retain_clear_sz(fd, sizeof(struct eventline_retain_clear), 0,
			       types);
}

#define TYPE_BIT(t)	(1ULL << (t))

/* A non-blocking register of @queue_len records subscribed to @id. */
static int new_sub(int ctl, uint64_t id, unsigned int queue_len)
{
	int reg = ASSERT_OK(tu_register_create(ctl, queue_len,
					       EVENTLINE_FD_NONBLOCK));

	ASSERT_EQ(tu_subscribe(reg, id, NULL), 0);
	return reg;
}

/*
 * The next record must be a line event of @type, @seq and payload @s,
 * posted by this process, with the RETAINED flag iff @retained.  Returns
 * its timestamp.
 */
static uint64_t expect_line(struct tu_reader *r, uint64_t line_id,
			    unsigned int type, uint64_t seq, const char *s,
			    bool retained)
{
	const struct eventline_record *rec;
	int ret = tu_reader_next(r, &rec);

	if (ret != 1) {
		tap_diag("expected seq %llu (type %u, \"%s\"%s), read gave %s",
			 (unsigned long long)seq, type, s,
			 retained ? ", retained" : "",
			 ret ? tap_errname(-ret) : "end of file");
		tap_abort();
	}
	if (!tu_check_line_record(rec, line_id, type, seq, s, strlen(s)))
		tap_diag("    that record: seq %llu type %u flags %#x",
			 (unsigned long long)rec->seq, rec->type, rec->flags);
	EXPECT_EQ(rec->flags, retained ? FLAG_RETAINED : 0);
	EXPECT_EQ(rec->pid, getpid());
	EXPECT_EQ(rec->uid, geteuid());
	return rec->timestamp_ns;
}

/* Nothing more is queued: read() says EAGAIN (and this thread handles nothing). */
static void expect_empty(struct tu_reader *r)
{
	const struct eventline_record *rec;
	int ret = tu_reader_next(r, &rec);

	if (ret == 1)
		tap_diag("unexpected record: category %u type %u seq %llu flags %#x",
			 rec->category, rec->type,
			 (unsigned long long)rec->seq, rec->flags);
	EXPECT_EQ(ret, -EAGAIN);
}

/* Which records a register holds, for the simple cases: drained, must be empty. */
static void expect_nothing(int reg)
{
	struct tu_reader r;

	tu_reader_init(&r, reg, READ_CAP);
	expect_empty(&r);
	tu_reader_fini(&r);
}

/*
 * 1. A post without RETAIN reaches only the registers subscribed when it
 * is posted: not one that subscribes after it, whether the line had
 * subscribers (delivered) or none (the nobody-listens shortcut).
 */
static void test_fire_and_forget(void)
{
	struct eventline_info info;
	struct tu_reader ra, rb, rc;
	int ctl, owner, a, b, c;
	uint64_t id, s1, s2, s3;

	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	EXPECT_TRUE(info.post_flags & EVENTLINE_POST_RETAIN);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));

	/* Nobody listens. */
	s1 = post_str(owner, 3, "x", 0);
	EXPECT_EQ(s1, 1);
	a = new_sub(ctl, id, 0);
	tu_reader_init(&ra, a, READ_CAP);
	expect_empty(&ra);

	/* Delivered to a, which was there; not kept for b. */
	s2 = post_str(owner, 3, "y", 0);
	EXPECT_EQ(s2, 2);
	b = new_sub(ctl, id, 0);
	tu_reader_init(&rb, b, READ_CAP);
	expect_empty(&rb);
	expect_line(&ra, id, 3, s2, "y", false);
	expect_empty(&ra);

	/* b's first record is the first event posted after it joined. */
	s3 = post_str(owner, 4, "z", 0);
	expect_line(&ra, id, 4, s3, "z", false);
	expect_line(&rb, id, 4, s3, "z", false);
	expect_empty(&ra);
	expect_empty(&rb);

	/* And a third register, after all that, gets nothing at all. */
	c = new_sub(ctl, id, 0);
	tu_reader_init(&rc, c, READ_CAP);
	expect_empty(&rc);

	tu_reader_fini(&ra);
	tu_reader_fini(&rb);
	tu_reader_fini(&rc);
	close(a);
	close(b);
	close(c);
	close(owner);
	close(ctl);
}

/*
 * 2. The line keeps the last RETAIN post of each type; a register that
 * subscribes later reads them first, in seq order, flagged, with their
 * original seq, line_id, timestamp and poster, then the events posted
 * after it joined, unflagged.  An earlier subscriber receives every post
 * live and unflagged, the retained ones included.
 */
static void test_retained_first(void)
{
	struct tu_reader ra, rb;
	uint64_t id, s[6], ts_a[6], ts;
	int ctl, owner, a, b;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	a = new_sub(ctl, id, 0);

	s[1] = post_str(owner, 3, "a", RETAIN);
	s[2] = post_str(owner, 3, "b", RETAIN);
	s[3] = post_str(owner, 5, "c", RETAIN);
	s[4] = post_str(owner, 7, "d", 0);
	EXPECT_EQ(s[1], 1);
	EXPECT_EQ(s[4], 4);

	b = new_sub(ctl, id, 0);
	tu_reader_init(&rb, b, READ_CAP);
	/* Not "a": replaced by "b".  Not "d": not retained. */
	ts = expect_line(&rb, id, 3, s[2], "b", true);
	tu_reader_init(&ra, a, READ_CAP);
	ts_a[1] = expect_line(&ra, id, 3, s[1], "a", false);
	ts_a[2] = expect_line(&ra, id, 3, s[2], "b", false);
	ts_a[3] = expect_line(&ra, id, 5, s[3], "c", false);
	ts_a[4] = expect_line(&ra, id, 7, s[4], "d", false);
	expect_empty(&ra);
	/* The original timestamp: the one a received live. */
	EXPECT_EQ(ts, ts_a[2]);
	ts = expect_line(&rb, id, 5, s[3], "c", true);
	EXPECT_EQ(ts, ts_a[3]);
	expect_empty(&rb);
	EXPECT_LE(ts_a[1], ts_a[2]);

	/* Posted after b joined: live, unflagged, for both. */
	s[5] = post_str(owner, 9, "e", 0);
	EXPECT_EQ(s[5], 5);
	ts_a[5] = expect_line(&ra, id, 9, s[5], "e", false);
	ts = expect_line(&rb, id, 9, s[5], "e", false);
	EXPECT_EQ(ts, ts_a[5]);
	expect_empty(&ra);
	expect_empty(&rb);

	/* A retained post after b joined also reaches b live, unflagged. */
	s[5] = post_str(owner, 5, "f", RETAIN);
	expect_line(&ra, id, 5, s[5], "f", false);
	expect_line(&rb, id, 5, s[5], "f", false);
	expect_empty(&ra);
	expect_empty(&rb);

	tu_reader_fini(&ra);
	tu_reader_fini(&rb);
	close(a);
	close(b);
	close(owner);
	close(ctl);
}

/*
 * A register that unsubscribes and subscribes again is a new subscriber:
 * it is given the retained events again, as they are now.
 */
static void test_resubscribe(void)
{
	uint64_t id, s3, s5, s3b;
	struct tu_reader r;
	int ctl, owner, reg;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	s3 = post_str(owner, 3, "three", RETAIN);
	s5 = post_str(owner, 5, "five", RETAIN);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 3, s3, "three", true);
	expect_line(&r, id, 5, s5, "five", true);
	expect_empty(&r);

	ASSERT_EQ(tu_unsubscribe(reg, id), 0);
	s3b = post_str(owner, 3, "THREE", RETAIN);
	expect_empty(&r);
	ASSERT_EQ(tu_subscribe(reg, id, NULL), 0);
	/* Sequence order: 5 was posted before the new 3. */
	expect_line(&r, id, 5, s5, "five", true);
	expect_line(&r, id, 3, s3b, "THREE", true);
	expect_empty(&r);

	tu_reader_fini(&r);
	close(reg);
	close(owner);
	close(ctl);
}

/*
 * 3. Retained with nobody subscribed (the post is numbered and dropped by
 * the nobody-listens shortcut) is still kept, and replaced by the next
 * one of its type; also after the last subscriber has left.
 */
static void test_retained_unheard(void)
{
	uint64_t id, s1, s2, s3;
	struct tu_reader r;
	int ctl, owner, reg;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	s1 = post_str(owner, 3, "s1", RETAIN);
	s2 = post_str(owner, 3, "s2", RETAIN);
	s3 = post_str(owner, 0, "zero", RETAIN);
	EXPECT_EQ(s1, 1);
	EXPECT_EQ(s2, 2);
	EXPECT_EQ(s3, 3);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 3, s2, "s2", true);
	expect_line(&r, id, 0, s3, "zero", true);
	expect_empty(&r);

	/* The only subscriber leaves: nobody listens again. */
	ASSERT_EQ(tu_unsubscribe(reg, id), 0);
	close(reg);
	tu_reader_fini(&r);
	s1 = post_str(owner, EVENTLINE_TYPE_MAX, "last", RETAIN);
	EXPECT_EQ(s1, 4);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 3, s2, "s2", true);
	expect_line(&r, id, 0, s3, "zero", true);
	expect_line(&r, id, EVENTLINE_TYPE_MAX, s1, "last", true);
	expect_empty(&r);

	tu_reader_fini(&r);
	close(reg);
	close(owner);
	close(ctl);
}

/*
 * 4. RETAIN_CLEAR: the owner drops retained events by type mask and is
 * told how many; what registers already queued stays; only the owner fd
 * takes it; a poster fd (write permission) may post with RETAIN.
 */
static void test_retain_clear(void)
{
	uint64_t id, s3, s5, s6, s0, s63;
	struct tu_reader r, rq;
	int ctl, owner, poster, reg, queued;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));

	/* Nothing retained yet. */
	EXPECT_EQ(retain_clear(owner, ~0ULL), 0);

	s3 = post_str(owner, 3, "b", RETAIN);
	s5 = post_str(owner, 5, "c", RETAIN);
	queued = new_sub(ctl, id, 0);	/* holds both, flagged */

	EXPECT_EQ(retain_clear(owner, TYPE_BIT(3)), 1);
	/* Gone already; and types that never had one. */
	EXPECT_EQ(retain_clear(owner, TYPE_BIT(3)), 0);
	EXPECT_EQ(retain_clear(owner, TYPE_BIT(4) | TYPE_BIT(40)), 0);
	EXPECT_EQ(retain_clear(owner, 0), 0);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 5, s5, "c", true);
	expect_empty(&r);
	tu_reader_fini(&r);
	close(reg);

	/* The register that subscribed before the clear keeps both. */
	tu_reader_init(&rq, queued, READ_CAP);
	expect_line(&rq, id, 3, s3, "b", true);
	expect_line(&rq, id, 5, s5, "c", true);
	expect_empty(&rq);

	/* Checks, and who may clear: nothing is dropped by these. */
	EXPECT_RET(retain_clear_sz(owner, sizeof(struct eventline_retain_clear),
				   1, TYPE_BIT(5)), EINVAL);
	EXPECT_RET(retain_clear_sz(owner, sizeof(struct eventline_retain_clear),
				   1U << 31, TYPE_BIT(5)), EINVAL);
	EXPECT_RET(retain_clear_sz(owner, EVENTLINE_RETAIN_CLEAR_SIZE_VER0 - 8,
				   0, TYPE_BIT(5)), EINVAL);
	EXPECT_RET(retain_clear(poster, TYPE_BIT(5)), ENOTTY);
	EXPECT_RET(retain_clear(queued, TYPE_BIT(5)), ENOTTY);
	EXPECT_RET(retain_clear(ctl, TYPE_BIT(5)), ENOTTY);

	/* Write permission suffices to retain. */
	s6 = post_str(poster, 6, "from poster", RETAIN);
	s0 = post_str(poster, 0, "type 0", RETAIN);
	s63 = post_str(owner, EVENTLINE_TYPE_MAX, "type 63", RETAIN);
	/* queued received these live, unflagged. */
	expect_line(&rq, id, 6, s6, "from poster", false);
	expect_line(&rq, id, 0, s0, "type 0", false);
	expect_line(&rq, id, EVENTLINE_TYPE_MAX, s63, "type 63", false);
	expect_empty(&rq);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 5, s5, "c", true);
	expect_line(&r, id, 6, s6, "from poster", true);
	expect_line(&r, id, 0, s0, "type 0", true);
	expect_line(&r, id, EVENTLINE_TYPE_MAX, s63, "type 63", true);
	expect_empty(&r);
	tu_reader_fini(&r);
	close(reg);

	/* The highest bit, and several at once, retained by two fds. */
	EXPECT_EQ(retain_clear(owner, TYPE_BIT(EVENTLINE_TYPE_MAX)), 1);
	EXPECT_EQ(retain_clear(owner, TYPE_BIT(0) | TYPE_BIT(5) | TYPE_BIT(6) |
				      TYPE_BIT(7)), 3);
	EXPECT_EQ(retain_clear(owner, ~0ULL), 0);

	reg = new_sub(ctl, id, 0);
	expect_nothing(reg);
	close(reg);

	/* The line still retains after a clear. */
	s5 = post_str(poster, 5, "again", RETAIN);
	expect_line(&rq, id, 5, s5, "again", false);
	expect_empty(&rq);
	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 5, s5, "again", true);
	expect_empty(&r);
	tu_reader_fini(&r);
	close(reg);

	tu_reader_fini(&rq);
	close(queued);
	close(poster);
	close(owner);
	close(ctl);
}

/*
 * 5. POST_BATCH does not take EVENTLINE_POST_RETAIN (in its flags or an
 * entry's): EINVAL, and nothing is posted or retained.
 */
static void test_batch_refuses_retain(void)
{
	struct eventline_post_entry ents[2] = {
		{ .type = 3, .payload_len = 1, .payload = (uintptr_t)"p" },
		{ .type = 4, .payload_len = 1, .payload = (uintptr_t)"q" },
	};
	struct eventline_post_batch pb = {
		.size = sizeof(pb),
		.count = 2,
		.entry_size = sizeof(ents[0]),
		.entries = (uintptr_t)ents,
	};
	uint64_t id, seq;
	struct tu_reader r;
	int ctl, owner, reg, late;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	reg = new_sub(ctl, id, 0);

	pb.flags = RETAIN;
	EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_POST_BATCH, &pb), EINVAL);
	pb.flags = RETAIN | EVENTLINE_POST_PARENT;
	EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_POST_BATCH, &pb), EINVAL);
	pb.flags = 0;
	ents[1].flags = RETAIN;
	EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_POST_BATCH, &pb), EINVAL);

	/* No number used, nothing delivered, nothing retained. */
	late = new_sub(ctl, id, 0);
	expect_nothing(late);
	seq = post_str(owner, 9, "probe", 0);
	EXPECT_EQ(seq, 1);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 9, seq, "probe", false);
	expect_empty(&r);
	tu_reader_fini(&r);
	tu_reader_init(&r, late, READ_CAP);
	expect_line(&r, id, 9, seq, "probe", false);
	expect_empty(&r);
	tu_reader_fini(&r);

	/* The same batch without the flag posts, and retains nothing. */
	ents[1].flags = 0;
	EXPECT_EQ(tu_ioctl(owner, EVENTLINE_IOC_POST_BATCH, &pb), 2);
	EXPECT_EQ(pb.first_seq, 2);
	close(late);
	late = new_sub(ctl, id, 0);
	expect_nothing(late);

	close(late);
	close(reg);
	close(owner);
	close(ctl);
}

/*
 * A POST that fails posts nothing and retains nothing: the retained event
 * of its type stays the previous one.
 */
static void test_failed_post_retains_nothing(void)
{
	struct eventline_info info;
	struct tu_reader r;
	uint64_t id, s3, seq;
	struct eventline_post p;
	unsigned char *big;
	int ctl, owner, reg;

	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	s3 = post_str(owner, 3, "good", RETAIN);

	big = calloc(1, info.max_payload + 1);
	ASSERT_TRUE(big != NULL);
	EXPECT_RET(post(owner, 3, big, info.max_payload + 1, RETAIN, NULL),
		   EMSGSIZE);
	EXPECT_RET(post(owner, EVENTLINE_TYPE_MAX + 1, "x", 1, RETAIN, NULL),
		   EINVAL);
	/* An unknown flag beside RETAIN. */
	EXPECT_RET(post(owner, 3, "x", 1, RETAIN | (1U << 2), NULL), EINVAL);
	EXPECT_RET(post(owner, 3, "x", 1, RETAIN | (1U << 31), NULL), EINVAL);
	/* Deeper than max_depth. */
	p = (struct eventline_post) {
		.size = sizeof(p),
		.flags = RETAIN | EVENTLINE_POST_PARENT,
		.type = 3,
		.parent_depth = info.max_depth,
		.payload_len = 1,
		.payload = (uintptr_t)"x",
	};
	if (info.max_depth < 0xffff)
		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_POST, &p), ELOOP);
	/* A bad payload pointer. */
	EXPECT_RET(post(owner, 3, tu_unmapped(), 8, RETAIN, NULL), EFAULT);
	free(big);

	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 3, s3, "good", true);
	expect_empty(&r);
	seq = post_str(owner, 9, "probe", 0);
	EXPECT_EQ(seq, s3 + 1);
	expect_line(&r, id, 9, seq, "probe", false);
	expect_empty(&r);

	tu_reader_fini(&r);
	close(reg);
	close(owner);
	close(ctl);
}

/*
 * 7. Closing a line drops its retained events: a register subscribed
 * before the close still reads what it was given and then LINE_CLOSED,
 * last, then end of file; a new line of the same name retains nothing.
 */
static void test_close_drops(void)
{
	const struct eventline_record *rec;
	uint64_t id, id2, s3, s5, seq;
	struct tu_reader ra, rb, rc;
	int ctl, owner, poster, a, b, c;
	char name[EVENTLINE_NAME_MAX];

	snprintf(name, sizeof(name), "retain-test-close-%d", getpid());
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, name, 0600, 0, &id));
	poster = ASSERT_OK(tu_line_open(ctl, 0, name, 0));
	a = new_sub(ctl, id, 0);
	s3 = post_str(owner, 3, "kept", RETAIN);
	b = new_sub(ctl, id, 0);
	s5 = post_str(poster, 5, "also", RETAIN);
	close(owner);

	/* A poster fd outlives the line: no post, retained or not. */
	EXPECT_RET(post(poster, 3, "late", 4, RETAIN, NULL), EPIPE);
	EXPECT_RET(post(poster, 3, "late", 4, 0, NULL), EPIPE);
	EXPECT_RET(tu_subscribe(a, id, NULL), ENOENT);

	tu_reader_init(&ra, a, READ_CAP);
	expect_line(&ra, id, 3, s3, "kept", false);
	expect_line(&ra, id, 5, s5, "also", false);
	ASSERT_EQ(tu_reader_next(&ra, &rec), 1);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id));
	EXPECT_EQ(rec->flags, 0);
	EXPECT_EQ(tu_reader_next(&ra, &rec), 0);

	tu_reader_init(&rb, b, READ_CAP);
	expect_line(&rb, id, 3, s3, "kept", true);
	expect_line(&rb, id, 5, s5, "also", false);
	ASSERT_EQ(tu_reader_next(&rb, &rec), 1);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id));
	EXPECT_EQ(tu_reader_next(&rb, &rec), 0);

	/* The name again: a new line, with nothing retained. */
	owner = ASSERT_OK(tu_line_create(ctl, name, 0600, 0, &id2));
	EXPECT_NE(id2, id);
	c = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_EQ(tu_subscribe(c, 0, name), 0);
	tu_reader_init(&rc, c, READ_CAP);
	expect_empty(&rc);
	seq = post_str(owner, 3, "new", 0);
	EXPECT_EQ(seq, 1);
	expect_line(&rc, id2, 3, seq, "new", false);
	expect_empty(&rc);

	tu_reader_fini(&ra);
	tu_reader_fini(&rb);
	tu_reader_fini(&rc);
	close(a);
	close(b);
	close(c);
	close(poster);
	close(owner);
	close(ctl);
}

/*
 * 8. A retained payload may be as large as any (max_payload), or empty
 * with no pointer; each comes back byte for byte.
 */
static void test_big_payload(void)
{
	const struct eventline_record *rec;
	struct eventline_info info;
	uint64_t id, s_big = 0, s_empty = 0;
	unsigned char *big;
	struct tu_reader r;
	int ctl, owner, reg;

	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	big = malloc(info.max_payload);
	ASSERT_TRUE(big != NULL);
	tu_fill(big, info.max_payload, 42);
	ASSERT_EQ(post(owner, 2, big, info.max_payload, RETAIN, &s_big), 0);
	ASSERT_EQ(post(owner, 1, NULL, 0, RETAIN, &s_empty), 0);

	/* The default ring holds two records of max_payload. */
	reg = new_sub(ctl, id, 0);
	tu_reader_init(&r, reg, TU_REC_SIZE(info.max_payload) * 2);
	ASSERT_EQ(tu_reader_next(&r, &rec), 1);
	EXPECT_TRUE(tu_check_line_record(rec, id, 2, s_big, big,
					 info.max_payload));
	EXPECT_EQ(rec->flags, FLAG_RETAINED);
	ASSERT_EQ(tu_reader_next(&r, &rec), 1);
	EXPECT_TRUE(tu_check_line_record(rec, id, 1, s_empty, NULL, 0));
	EXPECT_EQ(rec->flags, FLAG_RETAINED);
	expect_empty(&r);

	tu_reader_fini(&r);
	free(big);
	close(reg);
	close(owner);
	close(ctl);
}

/*
 * 9. Retained records obey the queue like any other: a new register with
 * a one-record queue is given the oldest retained event, the next two are
 * counted lost, and once it is read an OVERFLOW record says exactly 2.
 */
static void test_tiny_ring(void)
{
	struct eventline_sub_info subs[4];
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = TU_ARRAY_SIZE(subs),
		.entry_size = sizeof(subs[0]),
		.entries = (uintptr_t)subs,
	};
	const struct eventline_record *rec;
	const struct eventline_overflow *o;
	uint64_t id, s1, s2, s3, seq;
	struct tu_reader r;
	int ctl, owner, reg;

	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	s1 = post_str(owner, 10, "one", RETAIN);
	s2 = post_str(owner, 11, "two", RETAIN);
	s3 = post_str(owner, 12, "three", RETAIN);
	EXPECT_EQ(s2, s1 + 1);
	EXPECT_EQ(s3, s1 + 2);

	reg = ASSERT_OK(tu_register_create_ring(ctl, 1, 4096,
						EVENTLINE_FD_NONBLOCK));
	ASSERT_EQ(tu_subscribe(reg, id, NULL), 0);

	/* The owner sees one delivered, two lost. */
	memset(subs, 0, sizeof(subs));
	ASSERT_EQ(tu_ioctl(owner, EVENTLINE_IOC_LINE_SUBS, &ls), 1);
	EXPECT_EQ(subs[0].delivered, 1);
	EXPECT_EQ(subs[0].lost, 2);
	EXPECT_EQ(subs[0].queued, 1);

	tu_reader_init(&r, reg, READ_CAP);
	expect_line(&r, id, 10, s1, "one", true);
	ASSERT_EQ(tu_reader_next(&r, &rec), 1);
	EXPECT_TRUE(tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0));
	EXPECT_EQ(rec->flags, 0);
	o = tu_payload(rec);
	EXPECT_EQ(o->lost, 2);
	expect_empty(&r);

	/* Queueing resumes, live. */
	seq = post_str(owner, 13, "live", 0);
	EXPECT_EQ(seq, s3 + 1);
	expect_line(&r, id, 13, seq, "live", false);
	expect_empty(&r);

	tu_reader_fini(&r);
	close(reg);
	close(owner);
	close(ctl);
}

/* ------------------------------------------------------------------ */
/* 6. Ordering under load                                             */

/*
 * One thread posts without pause on a line nobody else posts on, so the
 * event it posts i-th has seq i; every ST_EVERY-th is retained, cycling
 * through ST_TYPES types, and the others use the same types unretained
 * (which must not replace anything).  The payload is the seq.
 *
 * A register that joins at seq F (its first live event, or first loss)
 * must be given exactly the last retained post of each type before F:
 * seqs 8m - 24, 8m - 16, 8m - 8 and 8m (those >= 8) for m = (F - 1) / 8,
 * flagged, in that order; then every seq from F on, unflagged, each one
 * either read or counted in an OVERFLOW record, in order.
 */
#define ST_EVERY	8
#define ST_TYPES	4
#define ST_LIVE		256	/* live seqs each new register accounts for */
#define ST_SUBSCRIBERS	2
#define ST_RUN_NS	(1500ULL * 1000 * 1000)
#define ST_POLL_MS	5000
#define ST_QUEUE	4096
/* The queue of the second subscriber thread's registers: losses likely. */
#define ST_SMALL_QUEUE	64

static bool st_retained(uint64_t seq)
{
	return seq % ST_EVERY == 0;
}

static unsigned int st_type(uint64_t seq)
{
	if (st_retained(seq))
		return 1 + (seq / ST_EVERY) % ST_TYPES;
	return 1 + seq % ST_TYPES;
}

struct stress {
	int ctl, owner;
	uint64_t line_id;
	int stop;		/* poster: stop posting */
	int posted;		/* poster done; last_seq is final */
	uint64_t last_seq;
	/* What the subscriber threads saw, for the diagnostics. */
	unsigned long regs, regs_with_loss, full_sets;
	uint64_t lost;
};

/* The stream check of one register. */
struct seqcheck {
	uint64_t line_id;
	uint64_t first;		/* F, once known */
	uint64_t next;		/* seq of the next live record, 0 before F */
	uint64_t pending_lost;	/* reported since the last live record */
	uint64_t lost;
	uint64_t ret[ST_TYPES + 1];
	unsigned int nr_ret;
	bool bad;
};

static void sc_fail(struct seqcheck *c, const struct eventline_record *rec,
		    const char *why)
{
	tap_diag("line %llu: %s (record: category %u type %u seq %llu flags %#x; expected seq %llu, lost pending %llu, %u retained so far)",
		 (unsigned long long)c->line_id, why, rec->category, rec->type,
		 (unsigned long long)rec->seq, rec->flags,
		 (unsigned long long)c->next,
		 (unsigned long long)c->pending_lost, c->nr_ret);
	tap_fail();
	c->bad = true;
}

/* The payload, type, line and depth of a record from the poster. */
static bool st_rec_ok(struct seqcheck *c, const struct eventline_record *rec)
{
	uint64_t v;

	if (rec->payload_len != sizeof(v) || rec->line_id != c->line_id ||
	    rec->depth || rec->type != st_type(rec->seq) ||
	    rec->size != TU_REC_SIZE(sizeof(v))) {
		sc_fail(c, rec, "record fields do not match the post");
		return false;
	}
	memcpy(&v, tu_payload(rec), sizeof(v));
	if (v != rec->seq) {
		sc_fail(c, rec, "payload is not the seq");
		return false;
	}
	return true;
}

/* F is known: the retained records read must be exactly those due. */
static void sc_check_retained(struct seqcheck *c,
			      const struct eventline_record *rec)
{
	uint64_t want[ST_TYPES], m = (c->first - 1) / ST_EVERY;
	unsigned int n = 0, i;
	uint64_t k;

	for (k = m >= ST_TYPES ? m - ST_TYPES + 1 : 1; k <= m; k++)
		want[n++] = k * ST_EVERY;
	if (n != c->nr_ret) {
		tap_diag("joined at seq %llu: %u retained records, want %u",
			 (unsigned long long)c->first, c->nr_ret, n);
		sc_fail(c, rec, "wrong number of retained records");
		return;
	}
	for (i = 0; i < n; i++) {
		if (c->ret[i] != want[i]) {
			tap_diag("joined at seq %llu: retained #%u is seq %llu, want %llu",
				 (unsigned long long)c->first, i,
				 (unsigned long long)c->ret[i],
				 (unsigned long long)want[i]);
			sc_fail(c, rec, "wrong retained record");
			return;
		}
	}
}

/* Check one record of the stream; false once something is wrong. */
static bool sc_record(struct seqcheck *c, const struct eventline_record *rec)
{
	if (rec->category == EVENTLINE_CAT_META) {
		const struct eventline_overflow *o = tu_payload(rec);

		if (rec->type != EVENTLINE_META_OVERFLOW || rec->line_id ||
		    rec->payload_len != sizeof(*o) || rec->flags ||
		    !o->lost) {
			sc_fail(c, rec, "unexpected META record");
			return false;
		}
		c->pending_lost += o->lost;
		c->lost += o->lost;
		return true;
	}
	if (rec->category != EVENTLINE_CAT_LINE) {
		sc_fail(c, rec, "unknown category");
		return false;
	}
	if (!st_rec_ok(c, rec))
		return false;
	if (rec->flags & FLAG_RETAINED) {
		if (rec->flags != FLAG_RETAINED) {
			sc_fail(c, rec, "unknown record flags");
			return false;
		}
		if (c->next || c->pending_lost) {
			sc_fail(c, rec, "retained record after the live ones began");
			return false;
		}
		if (!st_retained(rec->seq) || c->nr_ret >= ST_TYPES ||
		    (c->nr_ret && rec->seq <= c->ret[c->nr_ret - 1])) {
			sc_fail(c, rec, "retained record out of place");
			return false;
		}
		c->ret[c->nr_ret++] = rec->seq;
		return true;
	}
	if (rec->flags) {
		sc_fail(c, rec, "unknown record flags");
		return false;
	}
	if (!c->next) {
		/* The first live seq, or the first lost one. */
		if (rec->seq <= c->pending_lost) {
			sc_fail(c, rec, "more lost than posted before it");
			return false;
		}
		c->first = rec->seq - c->pending_lost;
		if (c->nr_ret && c->ret[c->nr_ret - 1] >= c->first) {
			sc_fail(c, rec, "retained record not older than the live ones");
			return false;
		}
		sc_check_retained(c, rec);
		if (c->bad)
			return false;
	} else if (rec->seq != c->next + c->pending_lost) {
		sc_fail(c, rec, "gap or reorder in the live sequence");
		return false;
	}
	c->next = rec->seq + 1;
	c->pending_lost = 0;
	return true;
}

/* Last seq the register has accounted for (read or lost), 0 if none. */
static uint64_t sc_accounted(const struct seqcheck *c)
{
	if (!c->next)
		return 0;
	return c->next - 1 + c->pending_lost;
}

/*
 * Read @reg until @done says so; false on a check failure, a read error
 * or ST_POLL_MS without a record.
 */
static bool st_read(int reg, struct seqcheck *c,
		    bool (*done)(const struct seqcheck *, struct stress *),
		    struct stress *st)
{
	const struct eventline_record *rec;
	struct pollfd pfd = { .fd = reg, .events = POLLIN };
	uint64_t idle_since = 0;
	struct tu_reader r;
	bool ok = false;
	int ret;

	tu_reader_init(&r, reg, 64 * 1024);
	for (;;) {
		ret = tu_reader_next(&r, &rec);
		if (ret == 1) {
			if (!sc_record(c, rec))
				break;
			continue;
		}
		if (ret != -EAGAIN) {
			tap_diag("read: %s", ret ? tap_errname(-ret) : "EOF");
			tap_fail();
			break;
		}
		if (done(c, st)) {
			ok = true;
			break;
		}
		/* Short waits: done() may turn true with nothing to read. */
		if (!idle_since)
			idle_since = tu_now_ns();
		ret = poll(&pfd, 1, 20);
		if (ret > 0) {
			idle_since = 0;
			continue;
		}
		if (ret < 0 || tu_now_ns() - idle_since >
			       ST_POLL_MS * 1000000ULL) {
			tap_diag("line %llu: no record for %d ms (accounted up to seq %llu, poster done %d)",
				 (unsigned long long)c->line_id, ST_POLL_MS,
				 (unsigned long long)sc_accounted(c),
				 __atomic_load_n(&st->posted, __ATOMIC_ACQUIRE));
			tap_fail();
			break;
		}
	}
	tu_reader_fini(&r);
	return ok;
}

static bool st_new_done(const struct seqcheck *c, struct stress *st)
{
	(void)st;
	return c->next && sc_accounted(c) - c->first + 1 >= ST_LIVE;
}

/* The earliest register: done once it accounted for every post. */
static bool st_all_done(const struct seqcheck *c, struct stress *st)
{
	if (!__atomic_load_n(&st->posted, __ATOMIC_ACQUIRE))
		return false;
	return sc_accounted(c) >= st->last_seq;
}

static void *st_poster(void *arg)
{
	struct stress *st = arg;
	uint64_t seq, got;
	long ret;

	for (seq = 1; !__atomic_load_n(&st->stop, __ATOMIC_RELAXED); seq++) {
		ret = post(st->owner, st_type(seq), &seq, sizeof(seq),
			   st_retained(seq) ? RETAIN : 0, &got);
		if (ret) {
			tap_diag("post %llu: %s", (unsigned long long)seq,
				 tap_errname((int)-ret));
			tap_fail();
			break;
		}
		if (got != seq) {
			tap_diag("post %llu got seq %llu",
				 (unsigned long long)seq,
				 (unsigned long long)got);
			tap_fail();
			break;
		}
	}
	st->last_seq = seq - 1;
	__atomic_store_n(&st->posted, 1, __ATOMIC_RELEASE);
	return NULL;
}

struct st_sub {
	struct stress *st;
	unsigned int queue_len;
};

/* Subscribe new registers, one after the other, for ST_RUN_NS. */
static void *st_subscriber(void *arg)
{
	struct st_sub *sub = arg;
	struct stress *st = sub->st;
	uint64_t end = tu_now_ns() + ST_RUN_NS;
	struct seqcheck c;
	long ret;
	int reg;

	do {
		reg = tu_register_create(st->ctl, sub->queue_len,
					 EVENTLINE_FD_NONBLOCK);
		if (reg < 0) {
			tap_diag("REGISTER_CREATE: %s", tap_errname(-reg));
			tap_fail();
			break;
		}
		ret = tu_subscribe(reg, st->line_id, NULL);
		if (ret) {
			tap_diag("SUBSCRIBE: %s", tap_errname((int)-ret));
			tap_fail();
			close(reg);
			break;
		}
		memset(&c, 0, sizeof(c));
		c.line_id = st->line_id;
		if (!st_read(reg, &c, st_new_done, st)) {
			close(reg);
			break;
		}
		close(reg);
		__atomic_add_fetch(&st->regs, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&st->lost, c.lost, __ATOMIC_RELAXED);
		if (c.lost)
			__atomic_add_fetch(&st->regs_with_loss, 1,
					   __ATOMIC_RELAXED);
		if (c.nr_ret == ST_TYPES)
			__atomic_add_fetch(&st->full_sets, 1,
					   __ATOMIC_RELAXED);
	} while (tu_now_ns() < end && !tap_failed());
	return NULL;
}

struct st_early {
	struct stress *st;
	int reg;
	struct seqcheck c;
};

static void *st_early_reader(void *arg)
{
	struct st_early *e = arg;

	st_read(e->reg, &e->c, st_all_done, e->st);
	return NULL;
}

static void test_ordering_under_load(void)
{
	pthread_t poster, subs[ST_SUBSCRIBERS], early_thr;
	struct st_sub sub[ST_SUBSCRIBERS];
	struct stress st = {};
	struct st_early early = {};
	unsigned int i;

	st.ctl = tu_open_ctl();
	st.owner = ASSERT_OK(tu_line_create(st.ctl, NULL, 0600, 0,
					    &st.line_id));
	/* Subscribed before the first post: everything live, from seq 1. */
	early.st = &st;
	early.reg = ASSERT_OK(tu_register_create(st.ctl, ST_QUEUE * 4,
						 EVENTLINE_FD_NONBLOCK));
	ASSERT_EQ(tu_subscribe(early.reg, st.line_id, NULL), 0);
	early.c.line_id = st.line_id;

	ASSERT_EQ(pthread_create(&early_thr, NULL, st_early_reader, &early), 0);
	ASSERT_EQ(pthread_create(&poster, NULL, st_poster, &st), 0);
	for (i = 0; i < ST_SUBSCRIBERS; i++) {
		sub[i].st = &st;
		sub[i].queue_len = i % 2 ? ST_SMALL_QUEUE : ST_QUEUE;
		ASSERT_EQ(pthread_create(&subs[i], NULL, st_subscriber,
					 &sub[i]), 0);
	}
	for (i = 0; i < ST_SUBSCRIBERS; i++)
		pthread_join(subs[i], NULL);
	__atomic_store_n(&st.stop, 1, __ATOMIC_RELAXED);
	pthread_join(poster, NULL);
	pthread_join(early_thr, NULL);

	tap_diag("%llu posts; %lu new registers checked (%lu given all %d retained types, %lu with losses, %llu lost); early register: first seq %llu, %llu lost",
		 (unsigned long long)st.last_seq, st.regs, st.full_sets,
		 ST_TYPES, st.regs_with_loss, (unsigned long long)st.lost,
		 (unsigned long long)early.c.first,
		 (unsigned long long)early.c.lost);
	/* Every subscriber thread checked at least one register. */
	EXPECT_GE(st.regs, ST_SUBSCRIBERS);
	EXPECT_FALSE(early.c.bad);
	EXPECT_EQ(early.c.first, 1);
	EXPECT_EQ(early.c.nr_ret, 0);
	EXPECT_EQ(sc_accounted(&early.c), st.last_seq);
	/* Enough posts that the registers joined with retained events due. */
	EXPECT_GT(st.last_seq, ST_EVERY * ST_TYPES);

	close(early.reg);
	close(st.owner);
	close(st.ctl);
}

/* ------------------------------------------------------------------ */
/* Memory: what retained copies cost, and whom                        */

static long long charge_slack(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return (cpus > 0 ? cpus : 1) * 64 * sysconf(_SC_PAGESIZE) + 256 * KIB;
}

#define MC_LINES	16

static void mc_say(int fd, char c)
{
	ASSERT_EQ(write(fd, &c, 1), 1);
}

static void mc_wait(int fd, char want)
{
	char c = 0;

	ASSERT_EQ(read(fd, &c, 1), 1);
	ASSERT_EQ(c, want);
}

/* Retain one max_payload event of every type on every line. */
static void mc_retain_all(const int *owners, const unsigned char *buf,
			  unsigned int len)
{
	unsigned int l, t;

	for (l = 0; l < MC_LINES; l++)
		for (t = 0; t <= EVENTLINE_TYPE_MAX; t++)
			ASSERT_EQ(post(owners[l], t, buf, len, RETAIN, NULL),
				  0);
}

/*
 * The line keeps each retained copy charged to the memory cgroup of the
 * poster that retained it (here a helper in a cgroup of its own, posting
 * on lines the case process owns): memory.current grows by at least the
 * payload bytes kept, replacing them costs nothing more, and the owner's
 * RETAIN_CLEAR gives it all back.
 */
static void test_memcg_charge(void)
{
	long long slack = charge_slack(), base, first, second, cleared;
	int ctl, owners[MC_LINES], to[2], from[2];
	long long kept, per_copy_max;
	struct eventline_info info;
	unsigned char *buf;
	uint64_t id;
	struct tu_cg cg;
	unsigned int l;
	pid_t pid;

	if (geteuid() != 0)
		tap_skip("needs root for cgroups");
	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	if (info.max_lines_per_user < MC_LINES + 2)
		tap_skip("max_lines_per_user %u", info.max_lines_per_user);
	kept = (long long)MC_LINES * (EVENTLINE_TYPE_MAX + 1) *
	       info.max_payload;
	if (kept < 4 * slack)
		tap_skip("max_payload %u too small to measure",
			 info.max_payload);
	/* A kmalloc'ed copy: header and payload, rounded up to a power of 2. */
	per_copy_max = 2 * ((long long)info.max_payload + 512);
	for (l = 0; l < MC_LINES; l++)
		owners[l] = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	buf = malloc(info.max_payload);
	ASSERT_TRUE(buf != NULL);
	tu_fill(buf, info.max_payload, 7);
	tu_cg_create(&cg, "retain",
		     4 * MC_LINES * (EVENTLINE_TYPE_MAX + 1) * per_copy_max +
		     64 * MIB);
	ASSERT_SYSOK(pipe(to));
	ASSERT_SYSOK(pipe(from));

	pid = tu_fork();
	if (!pid) {
		mc_wait(to[0], 'i');		/* in the cgroup */
		/* Warm up: the post path's own allocations, not retained. */
		for (l = 0; l < MC_LINES; l++)
			ASSERT_EQ(post(owners[l], 0, buf, info.max_payload, 0,
				       NULL), 0);
		mc_say(from[1], 'w');
		mc_wait(to[0], '1');
		mc_retain_all(owners, buf, info.max_payload);
		mc_say(from[1], '1');
		mc_wait(to[0], '2');
		mc_retain_all(owners, buf, info.max_payload);
		mc_say(from[1], '2');
		mc_wait(to[0], 'x');
		tap_child_exit();
	}
	tu_cg_enter(&cg, pid);
	mc_say(to[1], 'i');
	mc_wait(from[0], 'w');
	base = tu_cg_read(&cg, "memory.current");
	mc_say(to[1], '1');
	mc_wait(from[0], '1');
	first = tu_cg_read(&cg, "memory.current");
	mc_say(to[1], '2');
	mc_wait(from[0], '2');
	second = tu_cg_read(&cg, "memory.current");

	for (l = 0; l < MC_LINES; l++)
		EXPECT_EQ(retain_clear(owners[l], ~0ULL),
			  EVENTLINE_TYPE_MAX + 1);
	cleared = tu_cg_settle(&cg, base + slack);

	tap_diag("memory.current: %lld base, %lld with %d retained copies of %u bytes, %lld after replacing them, %lld after RETAIN_CLEAR; slack %lld",
		 base, first, MC_LINES * (EVENTLINE_TYPE_MAX + 1),
		 info.max_payload, second, cleared, slack);
	EXPECT_GE(first - base, kept - slack);
	/*
	 * Not much more than the payloads either; on the debug kernel KASAN's
	 * redzones and quarantine double what each allocation costs, so only
	 * there is the bound left unchecked.
	 */
	if (!tu_debug_kernel())
		EXPECT_LE(first - base, MC_LINES * (EVENTLINE_TYPE_MAX + 1) *
					per_copy_max + slack);
	/* Replacing frees what is replaced. */
	EXPECT_LE(second - first, slack);
	EXPECT_GE(second - base, kept - slack);
	EXPECT_LE(cleared, base + slack);

	mc_say(to[1], 'x');
	tu_wait_ok(pid);
	for (l = 0; l < MC_LINES; l++)
		close(owners[l]);
	free(buf);
	close(ctl);
	tu_cg_destroy(&cg);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_fire_and_forget),
	TAP_TEST(test_retained_first),
	TAP_TEST(test_resubscribe),
	TAP_TEST(test_retained_unheard),
	TAP_TEST(test_retain_clear),
	TAP_TEST(test_batch_refuses_retain),
	TAP_TEST(test_failed_post_retains_nothing),
	TAP_TEST(test_close_drops),
	TAP_TEST(test_big_payload),
	TAP_TEST(test_tiny_ring),
	TAP_TEST_TIMEOUT(test_ordering_under_load, 90),
	TAP_TEST_TIMEOUT(test_memcg_charge, 60),
};

TAP_MAIN(tests)
