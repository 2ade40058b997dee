// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mapped reader, without the module.  Fake rings are built in memory
 * the way the kernel lays them out (the ring's bytes twice in a row, in a
 * heap block of exactly that size so that AddressSanitizer catches a read
 * past the mapping's end) and in a memfd mapped through el_ring_map(), then
 * given hostile sizes, consumer positions and records.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_eventline.h"
#include "internal.h"

#define HDR		EVENTLINE_RECORD_SIZE_VER0
#define RING_SIZE	4096U
#define REC_SIZE(len)	((HDR + (len) + 7) & ~7U)

struct fake {
	struct eventline_ring_consumer cons;
	struct eventline_ring_producer prod;
	unsigned char *data;	/* 2 * size bytes: the double mapping */
	uint32_t size;
	struct el_ring ring;
};

static void fake_init(struct fake *f, uint32_t size, uint32_t pos)
{
	memset(f, 0, sizeof(*f));
	f->size = size;
	f->data = malloc(2 * (size_t)size);
	ck_assert_ptr_nonnull(f->data);
	memset(f->data, 0, 2 * (size_t)size);
	f->prod.size = size;
	f->prod.pos = pos;
	f->cons.pos = pos;
	ck_assert_int_eq(el__ring_init(&f->ring, -1, &f->cons, &f->prod,
				       f->data), 0);
}

static void fake_free(struct fake *f)
{
	free(f->data);
}

/* Store @len bytes at ring position @pos, in both copies of the ring. */
static void fake_put(struct fake *f, uint32_t pos, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i;

	for (i = 0; i < len; i++) {
		uint32_t off = (pos + i) & (f->size - 1);

		f->data[off] = p[i];
		f->data[off + f->size] = p[i];
	}
}

/* A payload of @len bytes derived from @seed. */
static void fill(unsigned char *buf, uint32_t len, uint32_t seed)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

/* Queue a LINE record of event @seq with @len payload bytes, as the kernel. */
static uint32_t fake_post(struct fake *f, uint64_t seq, uint32_t len)
{
	static unsigned char rec[65536], pay[65536];
	struct el_record r = {
		.category = EVENTLINE_CAT_LINE,
		.type = seq % 64,
		.seq = seq,
		.line_id = 5,
		.payload = pay,
		.payload_len = len,
	};
	ssize_t n;

	fill(pay, len, seq);
	n = el_record_encode(rec, sizeof(rec), &r);
	ck_assert_int_eq(n, REC_SIZE(len));
	fake_put(f, f->prod.pos, rec, n);
	__atomic_store_n(&f->prod.pos, f->prod.pos + n, __ATOMIC_RELEASE);
	return n;
}

/* The record must be event @seq with @len bytes, decoded inside the ring. */
static void check_rec(const struct fake *f, const struct el_record *rec,
		      uint64_t seq, uint32_t len)
{
	static unsigned char want[65536];
	const unsigned char *p = rec->payload;

	ck_assert_uint_eq(rec->category, EVENTLINE_CAT_LINE);
	ck_assert_uint_eq(rec->seq, seq);
	ck_assert_uint_eq(rec->type, seq % 64);
	ck_assert_uint_eq(rec->line_id, 5);
	ck_assert_uint_eq(rec->payload_len, len);
	/* In place: a pointer into the ring, contiguous across its end. */
	ck_assert(p >= f->data + HDR && p + len <= f->data + 2 * f->size);
	fill(want, len, seq);
	ck_assert(memcmp(p, want, len) == 0);
}

START_TEST(test_ring_sizes)
{
	static const uint32_t bad[] = {
		0, 1, 8, 56, 2048, 4095, 4097, 6144, 12288, (1U << 31) + 4096,
		0xfffff000, 0xffffffff,
	};
	static const uint32_t good[] = { 4096, 8192, 1U << 20, 1U << 31 };
	struct eventline_ring_consumer cons = { 0 };
	struct eventline_ring_producer prod = { 0 };
	unsigned char data[8];
	struct el_ring ring;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		prod.size = bad[i];
		ck_assert_int_eq(el__ring_size_ok(bad[i]), 0);
		ck_assert_int_eq(el__ring_init(&ring, -1, &cons, &prod, data),
				 -EIO);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		prod.size = good[i];
		ck_assert_int_ne(el__ring_size_ok(good[i]), 0);
		ck_assert_int_eq(el__ring_init(&ring, -1, &cons, &prod, data),
				 0);
		ck_assert_uint_eq(ring.size, good[i]);
	}
}
END_TEST

/*
 * Records of many sizes through a small ring, from a position just short of
 * the 32-bit wrap: each is returned once, in order, in place, including
 * those that run past the ring's end; nothing is released before
 * el_ring_consume(), which releases exactly what was returned.
 */
START_TEST(test_ring_in_order_across_ends)
{
	static const uint32_t lens[] = { 0, 1, 8, 100, 1000, 3000, 7, 2000 };
	struct el_record rec;
	struct fake f;
	uint64_t seq = 0, next = 1;
	uint32_t start = 0xffffffffU - 3 * RING_SIZE + 1 - 0x100, straddled = 0;
	unsigned int i;

	fake_init(&f, RING_SIZE, start & ~7U);
	for (i = 0; i < 200; i++) {
		uint32_t len = lens[i % 8], at = f.prod.pos;

		/* Keep the queue within the ring, as the kernel does. */
		if (f.prod.pos + REC_SIZE(len) - f.cons.pos > RING_SIZE) {
			uint32_t held = f.cons.pos;

			while (next <= seq) {
				ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
				check_rec(&f, &rec, next, lens[(next - 1) % 8]);
				next++;
				/* Returned is not released. */
				ck_assert_uint_eq(f.cons.pos, held);
			}
			ck_assert_int_eq(el_ring_next(&f.ring, &rec), 0);
			el_ring_consume(&f.ring);
			ck_assert_uint_eq(f.cons.pos, f.prod.pos);
		}
		fake_post(&f, ++seq, len);
		if ((at & (RING_SIZE - 1)) + REC_SIZE(len) > RING_SIZE)
			straddled++;
	}
	while (el_ring_next(&f.ring, &rec) == 1) {
		check_rec(&f, &rec, next, lens[(next - 1) % 8]);
		next++;
	}
	ck_assert_uint_eq(next, seq + 1);
	el_ring_consume(&f.ring);
	ck_assert_uint_eq(f.cons.pos, f.prod.pos);
	/* The run did cross both the ring's end and the positions' wrap. */
	ck_assert_uint_gt(straddled, 0);
	ck_assert_uint_lt(f.prod.pos, start);
	fake_free(&f);
}
END_TEST

/* Consume releases what was returned, and no more. */
START_TEST(test_ring_consume_partial)
{
	struct el_record rec;
	struct fake f;
	uint32_t first;

	fake_init(&f, RING_SIZE, 64);
	el_ring_consume(&f.ring);		/* nothing returned: no store */
	ck_assert_uint_eq(f.cons.pos, 64);
	first = fake_post(&f, 1, 10);
	fake_post(&f, 2, 20);
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	check_rec(&f, &rec, 1, 10);
	el_ring_consume(&f.ring);
	ck_assert_uint_eq(f.cons.pos, 64 + first);
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	check_rec(&f, &rec, 2, 20);
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 0);
	ck_assert_uint_eq(f.cons.pos, 64 + first);
	el_ring_consume(&f.ring);
	ck_assert_uint_eq(f.cons.pos, f.prod.pos);
	fake_free(&f);
}
END_TEST

/* A read() moves the shared consumer position: picked up when nothing is held. */
START_TEST(test_ring_mixed_with_read)
{
	struct el_record rec;
	struct fake f;
	uint32_t n1;

	fake_init(&f, RING_SIZE, 0);
	n1 = fake_post(&f, 1, 5);
	fake_post(&f, 2, 6);
	fake_post(&f, 3, 7);
	f.cons.pos += n1;			/* read() took event 1 */
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	check_rec(&f, &rec, 2, 6);
	el_ring_consume(&f.ring);
	f.cons.pos = f.prod.pos;		/* and read() took event 3 */
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 0);
	fake_post(&f, 4, 8);
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	check_rec(&f, &rec, 4, 8);
	fake_free(&f);
}
END_TEST

/*
 * Consumer positions a buggy reader may store: every one gives -EIO without
 * moving, and a sane position brings the ring back.
 */
START_TEST(test_ring_hostile_positions)
{
	struct el_record rec;
	struct fake f;
	uint32_t n1, n2, prod, bad[7];
	unsigned int i;

	fake_init(&f, RING_SIZE, 1000);
	n1 = fake_post(&f, 1, 200);
	n2 = fake_post(&f, 2, 0);
	prod = f.prod.pos;
	bad[0] = prod + 8;			/* beyond the producer */
	bad[1] = prod + 0x80000000U;
	bad[2] = prod - RING_SIZE - 8;		/* more than the ring holds */
	bad[3] = 1000 + 3;			/* off alignment */
	bad[4] = 1000 + HDR;			/* inside a payload */
	bad[5] = prod - 16;			/* less than a header left */
	bad[6] = prod - n2 - 8;			/* the tail of a record */
	for (i = 0; i < 7; i++) {
		f.cons.pos = bad[i];
		ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
		ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
		el_ring_consume(&f.ring);
		ck_assert_uint_eq(f.cons.pos, bad[i]);
	}
	f.cons.pos = 1000 + n1;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	check_rec(&f, &rec, 2, 0);
	el_ring_consume(&f.ring);
	ck_assert_uint_eq(f.cons.pos, prod);
	fake_free(&f);
}
END_TEST

/*
 * Positions that land on bytes forming a valid record, which the decoder
 * alone would accept: a stale record beyond the producer, a queue longer
 * than the ring, a record at an unaligned position.  Were any accepted, a
 * record could also run past the mapping's end.
 */
START_TEST(test_ring_positions_on_valid_bytes)
{
	struct eventline_record h;
	struct el_record rec;
	struct fake f;
	uint32_t n1;

	fake_init(&f, RING_SIZE, 0);
	n1 = fake_post(&f, 1, 16);
	fake_post(&f, 2, 16);
	fake_post(&f, 3, 16);

	/* Event 2 is intact, but the producer is behind it. */
	f.prod.pos = n1 - 8;
	f.cons.pos = n1;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);

	/* Event 1 intact, but one ring and one record queued. */
	f.cons.pos = 0;
	f.prod.pos = RING_SIZE + n1;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);

	/* A record near the ring's end that would run past the mapping. */
	memset(&h, 0, sizeof(h));
	h.header_size = HDR;
	h.size = RING_SIZE + 64;
	h.payload_len = RING_SIZE;
	fake_put(&f, RING_SIZE - 64, &h, sizeof(h));
	f.cons.pos = RING_SIZE - 64;
	f.prod.pos = f.cons.pos + h.size;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);

	/* A well-formed record at an unaligned position. */
	h.size = 64;
	h.payload_len = 8;
	fake_put(&f, 1003, &h, sizeof(h));
	f.cons.pos = 1003;
	f.prod.pos = 1003 + 64;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	fake_put(&f, 1000, &h, sizeof(h));
	f.cons.pos = 1000;
	f.prod.pos = 1000 + 64;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	ck_assert_uint_eq(rec.payload_len, 8);
	fake_free(&f);
}
END_TEST

/*
 * Records whose fields reach beyond what the producer published or the end
 * of the mapping (the heap block ends exactly there).
 */
START_TEST(test_ring_hostile_records)
{
	struct eventline_record h;
	struct el_record rec;
	struct fake f;
	uint32_t pos = 2 * RING_SIZE - 64;	/* offset size - 64 */

	fake_init(&f, RING_SIZE, pos);
	memset(&h, 0, sizeof(h));
	h.header_size = HDR;
	h.category = EVENTLINE_CAT_LINE;

	/* size runs to the end of the second copy, and past it. */
	h.size = RING_SIZE + 64;
	fake_put(&f, pos, &h, sizeof(h));
	f.prod.pos = pos + RING_SIZE;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	h.size = 0xfffffff8U;
	fake_put(&f, pos, &h, sizeof(h));
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);

	/* A whole record, but longer than what was published. */
	h.size = 128;
	h.payload_len = 72;
	fake_put(&f, pos, &h, sizeof(h));
	f.prod.pos = pos + 120;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	/* Published in full it is fine, across the ring's end. */
	f.prod.pos = pos + 128;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	ck_assert_uint_eq(rec.payload_len, 72);
	ck_assert(((const unsigned char *)rec.payload) + 72 <=
		  f.data + 2 * RING_SIZE);
	el_ring_consume(&f.ring);

	/* A payload beyond its record, a bad header size, a zero size. */
	pos = f.prod.pos;
	h.size = 64;
	h.payload_len = 9;
	fake_put(&f, pos, &h, sizeof(h));
	f.prod.pos = pos + 64;
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	h.payload_len = 8;
	h.header_size = 8;
	fake_put(&f, pos, &h, sizeof(h));
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	h.header_size = HDR;
	h.size = 0;
	h.payload_len = 0;
	fake_put(&f, pos, &h, sizeof(h));
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), -EIO);
	h.size = 64;
	fake_put(&f, pos, &h, sizeof(h));
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 1);
	ck_assert_int_eq(el_ring_next(&f.ring, &rec), 0);
	fake_free(&f);
}
END_TEST

/*
 * Random ring bytes and random positions: whatever comes back lies inside
 * the mapping and inside what was published (ASan checks every read).
 */
START_TEST(test_ring_random)
{
	struct el_record rec;
	struct fake f;
	unsigned int round, i, ok = 0;

	srand(12345);
	fake_init(&f, RING_SIZE, 0);
	for (round = 0; round < 3000; round++) {
		uint32_t cons = rand(), avail = rand() % (RING_SIZE + 64);

		if (round % 2)
			cons &= ~7U;
		for (i = 0; i < 2 * RING_SIZE; i++)
			f.data[i] = rand();
		/* Plausible headers now and then, so some records pass. */
		if (round % 3 == 0) {
			struct eventline_record h;

			memset(&h, 0, sizeof(h));
			h.header_size = HDR;
			h.size = (rand() % (RING_SIZE / 8)) * 8;
			h.payload_len = rand() % (h.size + 1);
			fake_put(&f, cons, &h, sizeof(h));
		}
		f.cons.pos = cons;
		f.prod.pos = cons + avail;
		for (i = 0; i < 64; i++) {
			const unsigned char *p;
			int ret = el_ring_next(&f.ring, &rec);

			if (ret != 1) {
				ck_assert(ret == 0 || ret == -EIO);
				break;
			}
			ok++;
			p = rec.payload;
			ck_assert(p >= f.data && p + rec.payload_len <=
				  f.data + 2 * RING_SIZE);
			ck_assert_uint_le(f.ring.head - cons, avail);
		}
		el_ring_consume(&f.ring);
	}
	ck_assert_uint_gt(ok, 0);
	fake_free(&f);
}
END_TEST

/* el_ring_wait() is poll(): revents out, timeouts and errors as codes. */
START_TEST(test_ring_wait)
{
	struct fake f;
	int p[2];

	fake_init(&f, RING_SIZE, 0);
	ck_assert_int_eq(pipe(p), 0);
	f.ring.fd = p[0];
	ck_assert_int_eq(el_ring_wait(&f.ring, 0), 0);
	ck_assert_int_eq(el_ring_wait(&f.ring, 10), 0);
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	ck_assert_int_eq(el_ring_wait(&f.ring, -1), POLLIN);
	close(p[1]);
	ck_assert_int_eq(el_ring_wait(&f.ring, -1), POLLIN | POLLHUP);
	close(p[0]);
	ck_assert_int_eq(el_ring_wait(&f.ring, 0), -EBADF);
	ck_assert_int_eq(el_ring_wait(NULL, 0), -EINVAL);
	fake_free(&f);
}
END_TEST

static long page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * A memfd laid out as a register's file: consumer page, producer page,
 * then the ring twice.  el_ring_map() must map each part at its offset,
 * the consumer page shared and writable.
 */
static int memfd_ring(uint32_t size, uint32_t prod_size, uint32_t pos,
		      const void *recs, uint32_t len)
{
	struct eventline_ring_producer prod = { .pos = pos + len,
						.size = prod_size };
	struct eventline_ring_consumer cons = { .pos = pos };
	long pg = page_size();
	int fd = memfd_create("fake-register", MFD_CLOEXEC);
	uint32_t i;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 2 * pg + 2 * (off_t)size), 0);
	ck_assert_int_eq(pwrite(fd, &cons, sizeof(cons), 0), sizeof(cons));
	ck_assert_int_eq(pwrite(fd, &prod, sizeof(prod), pg), sizeof(prod));
	for (i = 0; i < len; i++) {
		off_t off = 2 * pg + ((pos + i) & (size - 1));
		const unsigned char *b = (const unsigned char *)recs + i;

		ck_assert_int_eq(pwrite(fd, b, 1, off), 1);
		ck_assert_int_eq(pwrite(fd, b, 1, off + size), 1);
	}
	return fd;
}

START_TEST(test_ring_map_memfd)
{
	static unsigned char recs[3 * 256];
	struct el_ring *ring = NULL;
	struct el_record rec, in;
	uint32_t size = 16384, pos = size - 40, cons, len = 0;
	unsigned int i;
	int fd;

	for (i = 0; i < 3; i++) {
		memset(&in, 0, sizeof(in));
		in.category = EVENTLINE_CAT_LINE;
		in.seq = i + 1;
		in.payload = "memfd ring";
		in.payload_len = 10;
		len += el_record_encode(recs + len, sizeof(recs) - len, &in);
	}
	/* The first record runs past the ring's end. */
	fd = memfd_ring(size, size, pos, recs, len);
	ck_assert_int_eq(el_ring_map(fd, &ring), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(el_ring_next(ring, &rec), 1);
		ck_assert_uint_eq(rec.seq, i + 1);
		ck_assert_uint_eq(rec.payload_len, 10);
		ck_assert(memcmp(rec.payload, "memfd ring", 10) == 0);
	}
	ck_assert_int_eq(el_ring_next(ring, &rec), 0);
	el_ring_consume(ring);
	/* The store reached the file's first page. */
	ck_assert_int_eq(pread(fd, &cons, sizeof(cons), 0), sizeof(cons));
	ck_assert_uint_eq(cons, pos + len);
	el_ring_unmap(ring);
	close(fd);

	/* Garbage in the producer page's size: refused before mapping more. */
	fd = memfd_ring(size, size + 8, 0, NULL, 0);
	ring = NULL;
	ck_assert_int_eq(el_ring_map(fd, &ring), -EIO);
	ck_assert_ptr_null(ring);
	close(fd);
	fd = memfd_ring(size, 0, 0, NULL, 0);
	ck_assert_int_eq(el_ring_map(fd, &ring), -EIO);
	close(fd);
}
END_TEST

START_TEST(test_ring_map_errors)
{
	struct el_ring *ring = NULL;
	struct el_record rec;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(el_ring_map(p[0], &ring), -ENODEV);
	ck_assert_int_eq(el_ring_map(-1, &ring), -EBADF);
	ck_assert_ptr_null(ring);
	ck_assert_int_eq(el_ring_map(p[0], NULL), -EINVAL);
	ck_assert_int_eq(el_ring_next(NULL, &rec), -EINVAL);
	el_ring_consume(NULL);
	el_ring_unmap(NULL);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("mapped");

	tcase_add_test(tc, test_ring_sizes);
	tcase_add_test(tc, test_ring_in_order_across_ends);
	tcase_add_test(tc, test_ring_consume_partial);
	tcase_add_test(tc, test_ring_mixed_with_read);
	tcase_add_test(tc, test_ring_hostile_positions);
	tcase_add_test(tc, test_ring_positions_on_valid_bytes);
	tcase_add_test(tc, test_ring_hostile_records);
	tcase_add_test(tc, test_ring_random);
	tcase_add_test(tc, test_ring_wait);
	tcase_add_test(tc, test_ring_map_memfd);
	tcase_add_test(tc, test_ring_map_errors);
	suite_add_tcase(s, tc);
	return s;
}
