// SPDX-License-Identifier: GPL-2.0
/*
 * batch_test - EVENTLINE_IOC_POST_BATCH.
 *
 * A batch posts its entries in order, with consecutive sequence numbers
 * that no other post comes between, into every register of the line; or
 * it fails and posts nothing at all.  Every case here posts known batches
 * and reads them back from two registers, comparing every record.  After
 * a batch that must fail, a single POST probes the line: its sequence
 * number shows that no number was used up, and the registers, empty
 * before it, hold exactly that one record after it.
 *
 * Also here: a POST whose seq field cannot be written fails with EFAULT
 * before posting, like a batch whose first_seq cannot be.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

#define NREG		2
#define ENTRY		sizeof(struct eventline_post_entry)
/* Room for a max_post_batch batch of small payloads, and then some. */
#define FIX_QUEUE	4096
#define FIX_RING	(2U << 20)

/* One line with NREG non-blocking registers on it. */
struct fixture {
	struct eventline_info info;
	int ctl, owner, reg[NREG];
	uint64_t id;
	uint64_t next_seq;	/* what the line numbers next */
};

static void setup_mode(struct fixture *f, unsigned int mode)
{
	int i;

	f->ctl = tu_open_ctl();
	tu_get_info(f->ctl, &f->info);
	f->owner = ASSERT_OK(tu_line_create(f->ctl, NULL, mode, 0, &f->id));
	for (i = 0; i < NREG; i++) {
		f->reg[i] = ASSERT_OK(tu_register_create_ring(f->ctl,
				FIX_QUEUE, FIX_RING, EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(f->reg[i], f->id, NULL));
	}
	f->next_seq = 1;
}

static void setup(struct fixture *f)
{
	setup_mode(f, 0600);
}

/*
 * A batch's entries and their payloads.  Entry i carries type
 * (i + salt) % 64 and a payload of a length that varies with i, filled
 * with a pattern of its own; some empty payloads have no pointer at all.
 */
struct batch {
	unsigned int n;
	struct eventline_post_entry *ents;
	unsigned char *pool;
	size_t pool_len;
};

static unsigned int batch_len(unsigned int i, unsigned int salt,
			      unsigned int maxlen)
{
	return (i * 37 + salt * 11) % (maxlen + 1);
}

static void batch_make(struct batch *b, unsigned int n, unsigned int maxlen,
		       unsigned int salt)
{
	size_t off = 0;
	unsigned int i;

	b->n = n;
	b->ents = calloc(n, ENTRY);
	b->pool_len = 0;
	for (i = 0; i < n; i++)
		b->pool_len += batch_len(i, salt, maxlen);
	b->pool = malloc(b->pool_len + 1);
	ASSERT_TRUE(b->ents && b->pool);
	for (i = 0; i < n; i++) {
		unsigned int len = batch_len(i, salt, maxlen);

		b->ents[i].type = (i + salt) % (EVENTLINE_TYPE_MAX + 1);
		b->ents[i].payload_len = len;
		tu_fill(b->pool + off, len, i * 3 + salt);
		/* An empty payload may come with or without a pointer. */
		b->ents[i].payload = len || i % 2 ? (uintptr_t)(b->pool + off)
						  : 0;
		off += len;
	}
}

static void batch_free(struct batch *b)
{
	free(b->ents);
	free(b->pool);
}

/*
 * POST_BATCH of @count entries of @entry_size bytes at @ents: the
 * ioctl's return value or -errno; first_seq (or ~0 if never written)
 * goes to @first_seq.
 */
static long post_batch(int fd, const void *ents, unsigned int count,
		       unsigned int entry_size, uint64_t *first_seq)
{
	struct eventline_post_batch pb = {
		.size = sizeof(pb),
		.count = count,
		.entry_size = entry_size,
		.entries = (uintptr_t)ents,
		.first_seq = ~0ULL,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST_BATCH, &pb);

	if (first_seq)
		*first_seq = pb.first_seq;
	return ret;
}

/* Post @b from @fd: it must return its count and start at next_seq. */
static void post_ok(struct fixture *f, int fd, const struct batch *b)
{
	uint64_t first;

	ASSERT_EQ(post_batch(fd, b->ents, b->n, ENTRY, &first), b->n);
	EXPECT_EQ(first, f->next_seq);
	f->next_seq += b->n;
}

/* Read @b back from @reg: every entry, in order, from seq @first on. */
static void expect_batch(struct fixture *f, int reg, const struct batch *b,
			 uint64_t first)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	unsigned int i;
	int ret;

	tu_reader_init(&r, reg, 256 * 1024);
	for (i = 0; i < b->n; i++) {
		const struct eventline_post_entry *e = &b->ents[i];

		ASSERT_EQ(tu_reader_next(&r, &rec), 1);
		if (!tu_check_line_record(rec, f->id, e->type, first + i,
					  (const void *)(uintptr_t)e->payload,
					  e->payload_len)) {
			tap_diag("entry %u of %u", i, b->n);
			tap_abort();
		}
		EXPECT_EQ(rec->pid, getpid());
		EXPECT_EQ(rec->uid, geteuid());
	}
	/* Nothing after the batch, not even in the reader's buffer. */
	EXPECT_EQ(r.off, r.len);
	ret = tu_reader_next(&r, &rec);
	EXPECT_EQ(ret, -EAGAIN);
	tu_reader_fini(&r);
}

static void expect_batch_all(struct fixture *f, const struct batch *b,
			     uint64_t first)
{
	int i;

	for (i = 0; i < NREG; i++)
		expect_batch(f, f->reg[i], b, first);
}

static void expect_empty(int reg)
{
	unsigned char buf[4096];

	EXPECT_ERRNO(read(reg, buf, sizeof(buf)), EAGAIN);
}

/*
 * Nothing was posted beyond what the case has read: the registers are
 * empty, and the next post gets the next sequence number and is the only
 * record they then hold.  Run after every call that must post nothing.
 */
static void expect_nothing_more(struct fixture *f, const char *what)
{
	static const char probe[] = "probe!!";
	unsigned char buf[TU_REC_SIZE(sizeof(probe))];
	unsigned int fails = tap_fail_count();
	uint64_t seq = 0;
	int i;

	for (i = 0; i < NREG; i++)
		expect_empty(f->reg[i]);
	ASSERT_OK(tu_post(f->owner, 9, probe, sizeof(probe), &seq));
	EXPECT_EQ(seq, f->next_seq);
	for (i = 0; i < NREG; i++) {
		ASSERT_EQ(tu_read_exact(f->reg[i], buf, sizeof(probe)),
			  TU_REC_SIZE(sizeof(probe)));
		tu_check_line_record((void *)buf, f->id, 9, f->next_seq, probe,
				     sizeof(probe));
		expect_empty(f->reg[i]);
	}
	f->next_seq++;
	if (tap_fail_count() != fails)
		tap_diag("... after: %s", what);
}

/*
 * Batches of 1, 2, 64 and max_post_batch entries, each between single
 * posts, arrive whole and in order in every register.
 */
static void test_batch_sizes(void)
{
	struct fixture f;
	unsigned int counts[] = { 1, 2, 64, 0 };
	size_t i;

	setup(&f);
	counts[3] = f.info.max_post_batch;
	tap_diag("max_post_batch %u, max_post_batch_bytes %u, max_payload %u",
		 f.info.max_post_batch, f.info.max_post_batch_bytes,
		 f.info.max_payload);
	ASSERT_GE(f.info.max_post_batch, 64);
	ASSERT_LE(f.info.max_post_batch, FIX_QUEUE - 8);
	for (i = 0; i < TU_ARRAY_SIZE(counts); i++) {
		unsigned int maxlen = f.info.max_payload < 200 ?
				      f.info.max_payload : 200;
		struct batch b;
		uint64_t first = f.next_seq;

		batch_make(&b, counts[i], maxlen, i);
		post_ok(&f, f.owner, &b);
		expect_batch_all(&f, &b, first);
		expect_nothing_more(&f, "a good batch");
		batch_free(&b);
	}
}

/* Two batches back to back read as one sequence, first then second. */
static void test_batches_back_to_back(void)
{
	struct batch a, b, ab;
	struct fixture f;
	uint64_t first;
	int i;

	setup(&f);
	batch_make(&a, 5, 16, 7);
	batch_make(&b, 3, 16, 8);
	first = f.next_seq;
	post_ok(&f, f.owner, &a);
	post_ok(&f, f.owner, &b);
	ab.n = a.n + b.n;
	ab.ents = calloc(ab.n, ENTRY);
	ASSERT_TRUE(ab.ents != NULL);
	memcpy(ab.ents, a.ents, a.n * ENTRY);
	memcpy(ab.ents + a.n, b.ents, b.n * ENTRY);
	for (i = 0; i < NREG; i++)
		expect_batch(&f, f.reg[i], &ab, first);
	expect_nothing_more(&f, "two batches");
	free(ab.ents);
	batch_free(&a);
	batch_free(&b);
}

/*
 * Payloads of max_post_batch_bytes in all are accepted; one byte more is
 * EMSGSIZE and posts nothing.
 */
static void test_batch_total_bytes(void)
{
	unsigned int max, full, rem, n, i;
	unsigned char *pool;
	struct fixture f;
	struct batch b;
	uint64_t first;

	setup(&f);
	max = f.info.max_payload;
	full = f.info.max_post_batch_bytes / max;
	rem = f.info.max_post_batch_bytes % max;
	n = full + !!rem;
	if (n + 1 > f.info.max_post_batch)
		tap_skip("max_post_batch %u entries of max_payload %u cannot reach max_post_batch_bytes %u",
			 f.info.max_post_batch, max,
			 f.info.max_post_batch_bytes);
	if ((uint64_t)n * TU_REC_SIZE(max) + 256 > FIX_RING)
		tap_skip("%u records of %u bytes do not fit in %u bytes",
			 n, max, FIX_RING);

	b.n = n;
	b.ents = calloc(n + 1, ENTRY);
	pool = malloc(f.info.max_post_batch_bytes + 1);
	ASSERT_TRUE(b.ents && pool);
	tu_fill(pool, f.info.max_post_batch_bytes + 1, 99);
	for (i = 0; i < n; i++) {
		b.ents[i].type = i % 64;
		b.ents[i].payload_len = i < full ? max : rem;
		b.ents[i].payload = (uintptr_t)(pool + (size_t)i * max);
	}

	/* One byte over, in an extra last entry. */
	b.ents[n].type = 1;
	b.ents[n].payload_len = 1;
	b.ents[n].payload = (uintptr_t)(pool + f.info.max_post_batch_bytes);
	EXPECT_EQ(post_batch(f.owner, b.ents, n + 1, ENTRY, NULL), -EMSGSIZE);
	expect_nothing_more(&f, "max_post_batch_bytes + 1");

	/* Exactly at the limit. */
	first = f.next_seq;
	post_ok(&f, f.owner, &b);
	expect_batch_all(&f, &b, first);
	expect_nothing_more(&f, "max_post_batch_bytes");
	free(b.ents);
	free(pool);
}

/* Raw entries of @entry_size bytes, copied from @src; the tails zero. */
static void *wide_entries(const struct eventline_post_entry *src,
			  unsigned int n, unsigned int entry_size)
{
	unsigned char *p = calloc(n, entry_size);
	unsigned int i;

	ASSERT_TRUE(p != NULL);
	for (i = 0; i < n; i++)
		memcpy(p + (size_t)i * entry_size, &src[i], ENTRY);
	return p;
}

/*
 * Every way an entry or the batch itself can be wrong fails the whole
 * call with its errno, and nothing at all is posted: the bad entry is the
 * last one, so every entry before it was good and already looked at.
 */
static void test_all_or_nothing(void)
{
	const unsigned int n = 8;
	struct eventline_post_entry *ents, orig;
	struct fixture f;
	struct batch b;
	unsigned char *big;
	void *wide, *guard;
	uint64_t first;

	setup(&f);
	batch_make(&b, n, 64, 3);
	ents = b.ents;
	orig = ents[n - 1];
	big = calloc(1, f.info.max_payload + 8);
	ASSERT_TRUE(big != NULL);

#define LAST_BAD(field, val, err, what)					\
	do {								\
		struct eventline_post_entry saved = ents[n - 1];	\
									\
		ents[n - 1].field = (val);				\
		EXPECT_EQ(post_batch(f.owner, ents, n, ENTRY, NULL), -(err)); \
		ents[n - 1] = saved;					\
		expect_nothing_more(&f, what);			\
	} while (0)

	/* Payloads the kernel cannot read. */
	ents[n - 1].payload_len = 16;
	LAST_BAD(payload, (uintptr_t)tu_unmapped(), EFAULT,
		 "unmapped payload in the last entry");
	LAST_BAD(payload, (uintptr_t)tu_guarded(8), EFAULT,
		 "payload running into a guard page in the last entry");
	LAST_BAD(payload, 1, EFAULT, "payload at address 1");
	ents[n - 1] = orig;
	/* Entry flags and type. */
	LAST_BAD(flags, 1, EINVAL, "entry flags 1");
	LAST_BAD(flags, 0x8000, EINVAL, "entry flags 0x8000");
	LAST_BAD(type, EVENTLINE_TYPE_MAX + 1, EINVAL, "type 64");
	LAST_BAD(type, 0xffff, EINVAL, "type 0xffff");
	/* payload_len above max_payload, even with a readable payload. */
	ents[n - 1].payload = (uintptr_t)big;
	LAST_BAD(payload_len, f.info.max_payload + 1, EMSGSIZE,
		 "payload_len max_payload + 1");
	LAST_BAD(payload_len, 0xffffffffu, EMSGSIZE, "payload_len ~0");
	ents[n - 1] = orig;

	/* count */
	EXPECT_EQ(post_batch(f.owner, ents, 0, ENTRY, NULL), -EINVAL);
	expect_nothing_more(&f, "count 0");
	{
		unsigned int over = f.info.max_post_batch + 1;
		struct batch m;

		batch_make(&m, over, 8, 5);
		EXPECT_EQ(post_batch(f.owner, m.ents, over, ENTRY, NULL),
			  -EINVAL);
		expect_nothing_more(&f, "count max_post_batch + 1");
		EXPECT_EQ(post_batch(f.owner, m.ents, 0xffffffffu, ENTRY, NULL),
			  -EINVAL);
		expect_nothing_more(&f, "count ~0");
		batch_free(&m);
	}

	/* entry_size */
	{
		static const unsigned int bad_sizes[] = {
			0, 8, 12, 15, 20, 23, 4100, 4104, 8192, 0xfffffff8u,
		};
		size_t i;

		for (i = 0; i < TU_ARRAY_SIZE(bad_sizes); i++) {
			long ret = post_batch(f.owner, ents, n, bad_sizes[i],
					      NULL);

			if (ret != -EINVAL) {
				tap_diag("entry_size %u: got %ld, want -EINVAL",
					 bad_sizes[i], ret);
				tap_fail();
			}
			expect_nothing_more(&f, "a bad entry_size");
		}
	}

	/* A wider entry with a non-zero tail, first or last: E2BIG. */
	wide = wide_entries(ents, n, 24);
	((unsigned char *)wide)[(n - 1) * 24 + 23] = 1;
	EXPECT_EQ(post_batch(f.owner, wide, n, 24, NULL), -E2BIG);
	expect_nothing_more(&f, "entry_size 24, last tail non-zero");
	((unsigned char *)wide)[(n - 1) * 24 + 23] = 0;
	((unsigned char *)wide)[16] = 0x80;
	EXPECT_EQ(post_batch(f.owner, wide, n, 24, NULL), -E2BIG);
	expect_nothing_more(&f, "entry_size 24, first tail non-zero");
	free(wide);

	/* Entries the kernel cannot read. */
	EXPECT_EQ(post_batch(f.owner, tu_unmapped(), n, ENTRY, NULL), -EFAULT);
	expect_nothing_more(&f, "unmapped entries");
	/* The last entry's last 8 bytes run into a guard page. */
	guard = tu_guarded((n - 1) * ENTRY + 8);
	memcpy(guard, ents, (n - 1) * ENTRY + 8);
	EXPECT_EQ(post_batch(f.owner, guard, n, ENTRY, NULL), -EFAULT);
	expect_nothing_more(&f, "entries running into a guard page");

	/* After all that, the unchanged batch still goes through. */
	first = f.next_seq;
	post_ok(&f, f.owner, &b);
	expect_batch_all(&f, &b, first);
	expect_nothing_more(&f, "the good batch");
	free(big);
	batch_free(&b);
#undef LAST_BAD
}

/*
 * Entries wider than the kernel's struct are fine when the tail is zero,
 * up to 4096 bytes each.
 */
static void test_wide_entries(void)
{
	static const unsigned int sizes[] = { 16, 24, 32, 64, 4096 };
	struct fixture f;
	struct batch b;
	size_t i;

	setup(&f);
	batch_make(&b, 16, 40, 11);
	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		void *wide = wide_entries(b.ents, b.n, sizes[i]);
		uint64_t first;

		ASSERT_EQ(post_batch(f.owner, wide, b.n, sizes[i], &first),
			  b.n);
		EXPECT_EQ(first, f.next_seq);
		expect_batch_all(&f, &b, f.next_seq);
		f.next_seq += b.n;
		expect_nothing_more(&f, "a wide batch");
		free(wide);
	}
	batch_free(&b);
}

/* The batch struct's own rules: size, flags, the fds it works on. */
static void test_batch_struct(void)
{
	unsigned char raw[64] __attribute__((aligned(8)));
	struct eventline_post_batch *pb = (void *)raw;
	struct fixture f;
	struct batch b;
	int poster;

	setup_mode(&f, 0666);
	batch_make(&b, 4, 16, 1);

#define RESET()								\
	do {								\
		memset(raw, 0, sizeof(raw));				\
		pb->size = sizeof(*pb);					\
		pb->count = b.n;					\
		pb->entry_size = ENTRY;					\
		pb->entries = (uintptr_t)b.ents;			\
	} while (0)

	/* EVENTLINE_POST_PARENT is a batch's only flag; RETAIN is POST's. */
	RESET();
	pb->flags = EVENTLINE_POST_RETAIN;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch flags RETAIN");
	RESET();
	pb->flags = 1U << 2;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch flags 1 << 2");
	/* A parent depth only with its flag; the reserved fields zero. */
	RESET();
	pb->parent_depth = 1;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch parent_depth without its flag");
	RESET();
	pb->__reserved0 = 1;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch __reserved0");
	RESET();
	pb->__reserved1 = 0x80000000u;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch __reserved1");
	RESET();
	pb->flags = 0x80000000u;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch flags 1 << 31");
	RESET();
	pb->size = EVENTLINE_POST_BATCH_SIZE_VER0 - 8;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), EINVAL);
	expect_nothing_more(&f, "batch size below VER0");
	RESET();
	pb->size = 4097;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), E2BIG);
	expect_nothing_more(&f, "batch size above a page");
	RESET();
	pb->size = sizeof(raw);
	raw[sizeof(raw) - 1] = 1;
	EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), E2BIG);
	expect_nothing_more(&f, "batch with a non-zero tail");

	/* A zero tail is fine, and first_seq is written. */
	RESET();
	pb->size = sizeof(raw);
	pb->first_seq = 12345;
	EXPECT_EQ(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), b.n);
	EXPECT_EQ(pb->first_seq, f.next_seq);
	expect_batch_all(&f, &b, f.next_seq);
	f.next_seq += b.n;

	/* From a poster fd too; not from a register or the control fd. */
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	RESET();
	EXPECT_EQ(tu_ioctl(poster, EVENTLINE_IOC_POST_BATCH, pb), b.n);
	EXPECT_EQ(pb->first_seq, f.next_seq);
	expect_batch_all(&f, &b, f.next_seq);
	f.next_seq += b.n;
	RESET();
	EXPECT_RET(tu_ioctl(f.reg[0], EVENTLINE_IOC_POST_BATCH, pb), ENOTTY);
	EXPECT_RET(tu_ioctl(f.ctl, EVENTLINE_IOC_POST_BATCH, pb), ENOTTY);
	expect_nothing_more(&f, "batch on a register or control fd");
	batch_free(&b);
#undef RESET
}

/*
 * An argument struct that can be read but not written: the output field
 * is probed first, so the call fails with EFAULT and posts nothing.  The
 * struct sits wholly in a read-only page, or straddles a writable and a
 * read-only page from its output field on (the post's seq is its last 8
 * bytes; the batch's first_seq has input fields after it, readable).  Made writable again, the same struct posts.
 */
static void test_unwritable_output(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct eventline_post_batch pb_init;
	struct eventline_post p_init;
	unsigned char *map;
	struct fixture f;
	struct batch b;
	int layout;

	setup(&f);
	batch_make(&b, 6, 32, 2);
	pb_init = (struct eventline_post_batch){
		.size = sizeof(pb_init),
		.count = b.n,
		.entry_size = ENTRY,
		.entries = (uintptr_t)b.ents,
		.first_seq = 7,
	};
	p_init = (struct eventline_post){
		.size = sizeof(p_init),
		.type = 3,
		.payload_len = 8,
		.payload = (uintptr_t)"payload",
		.seq = 7,
	};
	_Static_assert(offsetof(struct eventline_post, seq) ==
		       sizeof(struct eventline_post) - 8,
		       "seq is the last field");

	map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);

	for (layout = 0; layout < 2; layout++) {
		/* 0: all in the read-only page; 1: only the output field. */
		unsigned char *ro = map + pg;
		struct eventline_post_batch *pb =
			(void *)(layout ? ro - offsetof(struct eventline_post_batch,
							first_seq) : ro);
		struct eventline_post *p =
			(void *)(layout ? ro - sizeof(p_init) + 8 : ro + 64);
		uint64_t seq;
		int i;

		ASSERT_SYSOK(mprotect(ro, pg, PROT_READ | PROT_WRITE));
		memcpy(pb, &pb_init, sizeof(pb_init));
		if (layout) {
			/* Both straddle at the same place: one at a time. */
			ASSERT_SYSOK(mprotect(ro, pg, PROT_READ));
			EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH,
					    pb), EFAULT);
			expect_nothing_more(&f, "batch first_seq read-only");
			ASSERT_SYSOK(mprotect(ro, pg, PROT_READ | PROT_WRITE));
			EXPECT_EQ(pb->first_seq, 7);
			memcpy(p, &p_init, sizeof(p_init));
			ASSERT_SYSOK(mprotect(ro, pg, PROT_READ));
			EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST, p),
				   EFAULT);
			expect_nothing_more(&f, "post seq read-only");
			EXPECT_EQ(p->seq, 7);
		} else {
			memcpy(p, &p_init, sizeof(p_init));
			ASSERT_SYSOK(mprotect(ro, pg, PROT_READ));
			EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH,
					    pb), EFAULT);
			expect_nothing_more(&f, "batch struct read-only");
			EXPECT_RET(tu_ioctl(f.owner, EVENTLINE_IOC_POST, p),
				   EFAULT);
			expect_nothing_more(&f, "post struct read-only");
			EXPECT_EQ(pb->first_seq, 7);
			EXPECT_EQ(p->seq, 7);
		}

		/* The same structs, writable: they post. */
		ASSERT_SYSOK(mprotect(ro, pg, PROT_READ | PROT_WRITE));
		memcpy(pb, &pb_init, sizeof(pb_init));
		EXPECT_EQ(tu_ioctl(f.owner, EVENTLINE_IOC_POST_BATCH, pb), b.n);
		EXPECT_EQ(pb->first_seq, f.next_seq);
		expect_batch_all(&f, &b, f.next_seq);
		f.next_seq += b.n;
		memcpy(p, &p_init, sizeof(p_init));
		EXPECT_OK(tu_ioctl(f.owner, EVENTLINE_IOC_POST, p));
		seq = p->seq;
		EXPECT_EQ(seq, f.next_seq);
		for (i = 0; i < NREG; i++) {
			unsigned char buf[TU_REC_SIZE(8)];

			ASSERT_EQ(tu_read_exact(f.reg[i], buf, 8),
				  TU_REC_SIZE(8));
			tu_check_line_record((void *)buf, f.id, 3, f.next_seq,
					     "payload", 8);
		}
		f.next_seq++;
		expect_nothing_more(&f, "the writable structs");
	}
	batch_free(&b);
}

/* A poster fd whose line has closed: EPIPE, and nothing after the close. */
static void test_batch_after_close(void)
{
	unsigned char buf[TU_REC_SIZE(0)];
	struct fixture f;
	struct batch b;
	uint64_t first;
	int poster, i;

	setup_mode(&f, 0666);
	batch_make(&b, 3, 24, 4);
	poster = ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
	first = f.next_seq;
	post_ok(&f, poster, &b);
	expect_batch_all(&f, &b, first);

	close(f.owner);
	EXPECT_EQ(post_batch(poster, b.ents, b.n, ENTRY, NULL), -EPIPE);
	for (i = 0; i < NREG; i++) {
		ASSERT_EQ(tu_read_exact(f.reg[i], buf, 0), TU_REC_SIZE(0));
		tu_check_meta_record((void *)buf, EVENTLINE_META_LINE_CLOSED,
				     f.id);
		EXPECT_EQ(read(f.reg[i], buf, sizeof(buf)), 0);
	}
	close(poster);
	batch_free(&b);
}

/* Read an OVERFLOW record of @lost events from @reg. */
static void expect_overflow(int reg, uint64_t lost)
{
	unsigned char buf[TU_REC_SIZE(sizeof(struct eventline_overflow))];
	const struct eventline_overflow *o;

	ASSERT_EQ(tu_read_exact(reg, buf, sizeof(*o)), sizeof(buf));
	tu_check_meta_record((void *)buf, EVENTLINE_META_OVERFLOW, 0);
	o = tu_payload((void *)buf);
	EXPECT_EQ(o->lost, lost);
}

/*
 * Read the first @n entries of @b, from seq @first on, with a buffer that
 * holds exactly those records.
 */
static void expect_prefix(struct fixture *f, int reg, const struct batch *b,
			  unsigned int n, uint64_t first)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		bytes += TU_REC_SIZE(b->ents[i].payload_len);
	tu_reader_init(&r, reg, bytes);
	for (i = 0; i < n; i++) {
		const struct eventline_post_entry *e = &b->ents[i];

		ASSERT_EQ(tu_reader_next(&r, &rec), 1);
		if (!tu_check_line_record(rec, f->id, e->type, first + i,
					  (const void *)(uintptr_t)e->payload,
					  e->payload_len))
			tap_abort();
	}
	EXPECT_EQ(r.off, r.len);
	tu_reader_fini(&r);
}

/* @n entries of @len bytes each, every payload different. */
static void batch_fixed(struct batch *b, unsigned int n, unsigned int len,
			unsigned int salt)
{
	unsigned int i;

	b->n = n;
	b->ents = calloc(n, ENTRY);
	b->pool_len = (size_t)n * len;
	b->pool = malloc(b->pool_len + 1);
	ASSERT_TRUE(b->ents && b->pool);
	for (i = 0; i < n; i++) {
		tu_fill(b->pool + (size_t)i * len, len, salt + i);
		b->ents[i].type = (salt + i) % (EVENTLINE_TYPE_MAX + 1);
		b->ents[i].payload_len = len;
		b->ents[i].payload = (uintptr_t)(b->pool + (size_t)i * len);
	}
}

/*
 * A batch larger than a register's queue: that register takes the first
 * queue_len events and reports the rest in one exact OVERFLOW record once
 * read empty; one whose ring bytes run out first takes what fits beside
 * the META reserve.  A register with room takes it all.  Queueing then
 * resumes.
 *
 * The reserve: every META record is kept 72 bytes (a 56-byte header and
 * the largest META payload, 16), two per subscription (its LINE_CLOSED or
 * EVICTED record and one DEMOTED record) and one spare for OVERFLOW:
 * 72 + 2 * 72 = 216 bytes for the tiny register's one subscription.
 */
#define META_RESERVE_RECORD	72
#define META_RESERVE(subs)	(META_RESERVE_RECORD * (1 + 2 * (subs)))
_Static_assert(META_RESERVE_RECORD == sizeof(struct eventline_record) +
	       sizeof(struct eventline_demotion), "the largest META record");
_Static_assert(sizeof(struct eventline_demotion) >=
	       sizeof(struct eventline_overflow), "DEMOTED is the largest");
_Static_assert(META_RESERVE(1) == 216, "one subscription's reserve");

static void test_batch_overflow(void)
{
	const unsigned int qlen = 16, tiny_ring = 4096;
	const unsigned int reserve = META_RESERVE(1);
	const unsigned int n = 64, big_n = 8, big_len = 1000;
	struct fixture f;
	struct batch b, big;
	unsigned int fit;
	uint64_t first;
	int small, tiny;

	setup(&f);
	if (f.info.max_payload < big_len)
		tap_skip("max_payload %u < %u", f.info.max_payload, big_len);
	small = ASSERT_OK(tu_register_create(f.ctl, qlen,
					     EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(small, f.id, NULL));
	tiny = ASSERT_OK(tu_register_create_ring(f.ctl, n, tiny_ring,
						 EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(tiny, f.id, NULL));

	/* Events of 8 bytes: the small register's queue length binds. */
	batch_fixed(&b, n, 8, 6);
	first = f.next_seq;
	post_ok(&f, f.owner, &b);
	expect_batch_all(&f, &b, first);
	expect_prefix(&f, small, &b, qlen, first);
	expect_overflow(small, n - qlen);
	expect_empty(small);
	/* ... and the tiny ring's bytes: 64 records of 64 do not fit. */
	fit = (tiny_ring - reserve) / TU_REC_SIZE(8);
	ASSERT_LT(fit, n);
	expect_prefix(&f, tiny, &b, fit, first);
	expect_overflow(tiny, n - fit);
	expect_empty(tiny);

	/* Events of 1000 bytes: only the tiny ring runs out. */
	batch_fixed(&big, big_n, big_len, 50);
	first = f.next_seq;
	post_ok(&f, f.owner, &big);
	expect_batch_all(&f, &big, first);
	expect_prefix(&f, small, &big, big_n, first);
	expect_empty(small);
	fit = (tiny_ring - reserve) / TU_REC_SIZE(big_len);
	expect_prefix(&f, tiny, &big, fit, first);
	expect_overflow(tiny, big_n - fit);
	expect_empty(tiny);

	/* Queueing resumed: the next post reaches everyone. */
	{
		unsigned char buf[TU_REC_SIZE(4)];
		uint64_t seq;

		ASSERT_OK(tu_post(f.owner, 1, "abcd", 4, &seq));
		EXPECT_EQ(seq, f.next_seq);
		ASSERT_EQ(tu_read_exact(small, buf, 4), TU_REC_SIZE(4));
		tu_check_line_record((void *)buf, f.id, 1, seq, "abcd", 4);
		ASSERT_EQ(tu_read_exact(tiny, buf, 4), TU_REC_SIZE(4));
		tu_check_line_record((void *)buf, f.id, 1, seq, "abcd", 4);
	}
	batch_free(&big);
	batch_free(&b);
}

/*
 * Four threads post batches on one line at once, through the owner fd and
 * poster fds.  Every batch's events get consecutive sequence numbers,
 * together the batches cover 1..total exactly, and both registers hold
 * seq 1..total in order with each record the entry its seq says.  Some
 * batches are larger than the line's 32 KiB staging ring, so they can
 * only go once the line is idle.
 */
#define CB_THREADS	4
#define CB_BATCHES	40
#define CB_MAXN		48
#define CB_BIG_N	40
#define CB_BIG_LEN	1024
#define CB_ENTS		(CB_MAXN > CB_BIG_N ? CB_MAXN : CB_BIG_N)

struct cb_tag {
	uint32_t thread, batch, index, magic;
};

struct cb_thread {
	pthread_t th;
	pthread_barrier_t *start;
	int fd;
	unsigned int t;
	uint64_t first[CB_BATCHES];
	unsigned int n[CB_BATCHES];
	int err;
};

static bool cb_is_big(unsigned int b)
{
	return b % 8 == 7;
}

static unsigned int cb_len(unsigned int b)
{
	return cb_is_big(b) ? CB_BIG_LEN : sizeof(struct cb_tag);
}

static unsigned int cb_count(unsigned int t, unsigned int b)
{
	return cb_is_big(b) ? CB_BIG_N : 1 + (t * 7 + b * 13) % CB_MAXN;
}

static void *cb_post(void *arg)
{
	struct cb_thread *c = arg;
	struct eventline_post_entry ents[CB_ENTS];
	static __thread unsigned char pay[CB_ENTS][CB_BIG_LEN];
	unsigned int b, i;

	pthread_barrier_wait(c->start);
	for (b = 0; b < CB_BATCHES; b++) {
		long ret;

		c->n[b] = cb_count(c->t, b);
		for (i = 0; i < c->n[b]; i++) {
			struct cb_tag tag = { c->t, b, i, 0xba7c4ed };

			memset(pay[i], (int)(c->t * 16 + i), cb_len(b));
			memcpy(pay[i], &tag, sizeof(tag));
			ents[i] = (struct eventline_post_entry){
				.type = (c->t * 16 + b) % 64,
				.payload_len = cb_len(b),
				.payload = (uintptr_t)pay[i],
			};
		}
		ret = post_batch(c->fd, ents, c->n[b], ENTRY, &c->first[b]);
		if (ret != (long)c->n[b]) {
			c->err = ret < 0 ? (int)-ret : -1;
			break;
		}
	}
	return NULL;
}

static void test_concurrent_batches(void)
{
	struct cb_thread c[CB_THREADS];
	pthread_barrier_t start;
	struct cb_tag *by_seq;
	uint64_t total = 0, s;
	struct fixture f;
	unsigned int t, b, i;
	int regs[NREG], r, queue = 0;
	uint64_t ring_bytes = 0;

	setup_mode(&f, 0666);
	for (t = 0; t < CB_THREADS; t++)
		for (b = 0; b < CB_BATCHES; b++) {
			total += cb_count(t, b);
			ring_bytes += (uint64_t)cb_count(t, b) *
				      TU_REC_SIZE(cb_len(b));
		}
	queue = total + 16;
	/* Registers of their own, big enough for every event. */
	for (r = 0; r < NREG; r++) {
		unsigned int ring = 4096;

		while (ring < ring_bytes + 4096)
			ring *= 2;
		ASSERT_LE(ring, f.info.max_ring_size);
		ASSERT_LE(queue, f.info.max_queue_len);
		regs[r] = ASSERT_OK(tu_register_create_ring(f.ctl, queue, ring,
						EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(regs[r], f.id, NULL));
	}
	tap_diag("%llu events in %u batches from %u threads, %llu ring bytes",
		 (unsigned long long)total, CB_THREADS * CB_BATCHES,
		 CB_THREADS, (unsigned long long)ring_bytes);

	ASSERT_EQ(pthread_barrier_init(&start, NULL, CB_THREADS), 0);
	for (t = 0; t < CB_THREADS; t++) {
		memset(&c[t], 0, sizeof(c[t]));
		c[t].t = t;
		c[t].start = &start;
		c[t].fd = t % 2 ? f.owner :
			  ASSERT_OK(tu_line_open(f.ctl, f.id, NULL, 0));
		ASSERT_EQ(pthread_create(&c[t].th, NULL, cb_post, &c[t]), 0);
	}
	for (t = 0; t < CB_THREADS; t++) {
		ASSERT_EQ(pthread_join(c[t].th, NULL), 0);
		if (c[t].err) {
			tap_diag("thread %u: %s", t, tap_errname(c[t].err));
			tap_fail();
		}
	}
	ASSERT_FALSE(tap_failed());

	/* The batches tile 1..total: each seq belongs to exactly one. */
	by_seq = calloc(total + 1, sizeof(*by_seq));
	ASSERT_TRUE(by_seq != NULL);
	for (t = 0; t < CB_THREADS; t++)
		for (b = 0; b < CB_BATCHES; b++) {
			ASSERT_GE(c[t].first[b], 1);
			ASSERT_LE(c[t].first[b] + c[t].n[b] - 1, total);
			for (i = 0; i < c[t].n[b]; i++) {
				struct cb_tag *tag = &by_seq[c[t].first[b] + i];

				ASSERT_EQ(tag->magic, 0);
				*tag = (struct cb_tag){ t, b, i, 0xba7c4ed };
			}
		}

	/* Each register: seq 1..total in order, each record the right one. */
	for (r = 0; r < NREG; r++) {
		const struct eventline_record *rec;
		struct tu_reader rd;
		int ret;

		tu_reader_init(&rd, regs[r], 256 * 1024);
		for (s = 1; s <= total; s++) {
			const struct cb_tag *want = &by_seq[s], *got;
			unsigned char fill[CB_BIG_LEN];

			ASSERT_EQ(tu_reader_next(&rd, &rec), 1);
			ASSERT_EQ(rec->category, EVENTLINE_CAT_LINE);
			ASSERT_EQ(rec->seq, s);
			ASSERT_EQ(rec->payload_len, cb_len(want->batch));
			EXPECT_EQ(rec->type,
				  (want->thread * 16 + want->batch) % 64);
			EXPECT_EQ(rec->pid, getpid());
			got = tu_payload(rec);
			if (memcmp(got, want, sizeof(*want))) {
				tap_diag("register %d seq %llu: thread %u batch %u entry %u, want %u/%u/%u",
					 r, (unsigned long long)s, got->thread,
					 got->batch, got->index, want->thread,
					 want->batch, want->index);
				tap_abort();
			}
			memset(fill, (int)(want->thread * 16 + want->index),
			       rec->payload_len);
			EXPECT_EQ(memcmp((const unsigned char *)got +
					 sizeof(*got), fill + sizeof(*got),
					 rec->payload_len - sizeof(*got)), 0);
		}
		ret = tu_reader_next(&rd, &rec);
		EXPECT_EQ(ret, -EAGAIN);
		tu_reader_fini(&rd);
	}
	free(by_seq);
}

static const struct tap_test tests[] = {
	TAP_TEST_TIMEOUT(test_batch_sizes, 60),
	TAP_TEST(test_batches_back_to_back),
	TAP_TEST_TIMEOUT(test_batch_total_bytes, 60),
	TAP_TEST_TIMEOUT(test_all_or_nothing, 60),
	TAP_TEST(test_wide_entries),
	TAP_TEST(test_batch_struct),
	TAP_TEST(test_unwritable_output),
	TAP_TEST(test_batch_after_close),
	TAP_TEST(test_batch_overflow),
	TAP_TEST_TIMEOUT(test_concurrent_batches, 120),
};

TAP_MAIN(tests)
