// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Record stream decoder and encoder.  The decoder is fed valid streams built
 * by the encoder, every truncation of them, and hand-made hostile headers;
 * it must return exactly the records that are whole and valid, flag the rest
 * with -EBADMSG, and never touch a byte outside the buffer (the tests run
 * under AddressSanitizer).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_eventline.h"
#include "eventline.h"
#include "internal.h"

#define HDR	EVENTLINE_RECORD_SIZE_VER0

/* Write a raw header, bypassing the encoder, so any field can be wrong. */
static void put_hdr(void *buf, uint32_t size, uint16_t cat, uint16_t type,
		    uint16_t header_size, uint32_t payload_len)
{
	struct eventline_record h;

	memset(&h, 0, sizeof(h));
	h.size = size;
	h.category = cat;
	h.type = type;
	h.header_size = header_size;
	h.payload_len = payload_len;
	h.seq = 1;
	h.line_id = 1;
	memcpy(buf, &h, sizeof(h));
}

/* Decode a buffer expected to hold one malformed record and nothing valid. */
static void expect_bad(const void *buf, size_t len)
{
	struct el_record_iter it;
	struct el_record rec;

	el_record_iter_init(&it, buf, len);
	ck_assert_int_eq(el_record_next(&it, &rec), -EBADMSG);
	/* The iterator cannot resync past a bad header: it stays at the end. */
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}

static const char *const payloads[] = { "", "hello", "0123456789abcdef", "x" };
#define NPAYLOADS (sizeof(payloads) / sizeof(payloads[0]))

static struct el_record sample(unsigned int i)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_LINE,
		.type = 3 + i,
		.flags = 0x10 + i,
		.depth = i,
		.mutations = 2 * i,
		.seq = 100 + i,
		.line_id = 7,
		.timestamp_ns = 0x1122334455667788ULL + i,
		.pid = 4000 + i,
		.uid = 1000 + i,
		.payload = payloads[i],
		.payload_len = strlen(payloads[i]),
	};
	return r;
}

/* Encode every sample back to back; returns the stream length. */
static size_t build_stream(unsigned char *buf, size_t len, size_t *ends)
{
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < NPAYLOADS; i++) {
		struct el_record r = sample(i);
		ssize_t n = el_record_encode(buf + off, len - off, &r);

		ck_assert_int_gt(n, 0);
		off += n;
		ends[i] = off;
	}
	return off;
}

START_TEST(test_roundtrip_multi)
{
	unsigned char buf[512];
	size_t ends[NPAYLOADS], len;
	struct el_record_iter it;
	struct el_record rec;
	unsigned int i;

	len = build_stream(buf, sizeof(buf), ends);
	/* 56+0, 56+5, 56+16, 56+1 each padded to 8 */
	ck_assert_uint_eq(len, 56 + 64 + 72 + 64);

	el_record_iter_init(&it, buf, len);
	for (i = 0; i < NPAYLOADS; i++) {
		struct el_record want = sample(i);

		ck_assert_int_eq(el_record_next(&it, &rec), 1);
		ck_assert_uint_eq(rec.category, want.category);
		ck_assert_uint_eq(rec.type, want.type);
		ck_assert_uint_eq(rec.flags, want.flags);
		ck_assert_uint_eq(rec.depth, want.depth);
		ck_assert_uint_eq(rec.mutations, want.mutations);
		ck_assert_uint_eq(rec.seq, want.seq);
		ck_assert_uint_eq(rec.line_id, want.line_id);
		ck_assert_uint_eq(rec.timestamp_ns, want.timestamp_ns);
		ck_assert_uint_eq(rec.pid, want.pid);
		ck_assert_uint_eq(rec.uid, want.uid);
		ck_assert_uint_eq(rec.payload_len, want.payload_len);
		ck_assert_ptr_eq(rec.payload,
				 buf + (i ? ends[i - 1] : 0) + HDR);
		ck_assert_mem_eq(rec.payload, want.payload, want.payload_len);
	}
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}
END_TEST

START_TEST(test_encode_layout_and_padding)
{
	unsigned char buf[128], pay[17];
	struct eventline_record h;
	struct el_record r = { .category = EVENTLINE_CAT_LINE, .payload = pay };
	uint32_t len;

	memset(pay, 0xab, sizeof(pay));
	for (len = 0; len <= sizeof(pay); len++) {
		uint32_t want = (HDR + len + 7) / 8 * 8;
		uint32_t i;

		memset(buf, 0xee, sizeof(buf));
		r.payload_len = len;
		ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), want);
		memcpy(&h, buf, sizeof(h));
		ck_assert_uint_eq(h.size, want);
		ck_assert_uint_eq(h.header_size, HDR);
		ck_assert_uint_eq(h.payload_len, len);
		ck_assert_uint_eq(h.mutations, 0);
		ck_assert_uint_eq(h.__reserved1, 0);
		ck_assert_mem_eq(buf + HDR, pay, len);
		for (i = HDR + len; i < want; i++)
			ck_assert_uint_eq(buf[i], 0);
		/* Nothing written past the record. */
		ck_assert_uint_eq(buf[want], 0xee);
	}
}
END_TEST

START_TEST(test_truncated_every_length)
{
	unsigned char full[512];
	size_t ends[NPAYLOADS], total, cut;

	total = build_stream(full, sizeof(full), ends);
	for (cut = 0; cut <= total; cut++) {
		/* A heap copy of exactly cut bytes so ASan sees any overrun. */
		unsigned char *buf = malloc(cut ? cut : 1);
		struct el_record_iter it;
		struct el_record rec;
		unsigned int whole = 0, got = 0;
		int ret;

		ck_assert_ptr_nonnull(buf);
		memcpy(buf, full, cut);
		while (whole < NPAYLOADS && ends[whole] <= cut)
			whole++;

		el_record_iter_init(&it, buf, cut);
		while ((ret = el_record_next(&it, &rec)) == 1)
			got++;
		ck_assert_uint_eq(got, whole);
		/* Clean end only on a record boundary. */
		if (cut == 0 || (whole && ends[whole - 1] == cut))
			ck_assert_int_eq(ret, 0);
		else
			ck_assert_int_eq(ret, -EBADMSG);
		ck_assert_int_eq(el_record_next(&it, &rec), 0);
		free(buf);
	}
}
END_TEST

START_TEST(test_good_then_bad)
{
	unsigned char buf[256];
	struct el_record_iter it;
	struct el_record rec, r = sample(1);
	ssize_t n;

	n = el_record_encode(buf, sizeof(buf), &r);
	ck_assert_int_eq(n, 64);
	put_hdr(buf + n, 60, EVENTLINE_CAT_LINE, 1, HDR, 0);
	el_record_iter_init(&it, buf, n + 64);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.seq, 101);
	ck_assert_int_eq(el_record_next(&it, &rec), -EBADMSG);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}
END_TEST

START_TEST(test_size_not_multiple_of_8)
{
	unsigned char buf[128] = { 0 };
	uint32_t size;

	for (size = HDR + 1; size < HDR + 8; size++) {
		put_hdr(buf, size, EVENTLINE_CAT_LINE, 1, HDR, 0);
		expect_bad(buf, sizeof(buf));
	}
}
END_TEST

START_TEST(test_size_smaller_than_header)
{
	unsigned char buf[128] = { 0 };

	put_hdr(buf, 0, EVENTLINE_CAT_LINE, 1, HDR, 0);	/* would never advance */
	expect_bad(buf, sizeof(buf));
	put_hdr(buf, 48, EVENTLINE_CAT_LINE, 1, HDR, 0);
	expect_bad(buf, sizeof(buf));
	put_hdr(buf, 48, EVENTLINE_CAT_LINE, 1, 48, 0);	/* consistent but too old */
	expect_bad(buf, sizeof(buf));
}
END_TEST

START_TEST(test_header_size_bad)
{
	unsigned char buf[128] = { 0 };

	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 0, 0);
	expect_bad(buf, sizeof(buf));
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 48, 0);	/* too small */
	expect_bad(buf, sizeof(buf));
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 60, 0);	/* unaligned */
	expect_bad(buf, sizeof(buf));
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 72, 0);	/* beyond size */
	expect_bad(buf, sizeof(buf));
}
END_TEST

START_TEST(test_payload_overflows_size)
{
	unsigned char buf[128] = { 0 };
	struct el_record_iter it;
	struct el_record rec;

	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, HDR, 9);
	expect_bad(buf, sizeof(buf));
	/* The largest payload that fits is accepted. */
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, HDR, 8);
	el_record_iter_init(&it, buf, 64);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.payload_len, 8);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}
END_TEST

START_TEST(test_size_beyond_buffer)
{
	unsigned char *buf = malloc(64);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, 64);
	put_hdr(buf, 72, EVENTLINE_CAT_LINE, 1, HDR, 0);
	expect_bad(buf, 64);
	free(buf);
}
END_TEST

START_TEST(test_huge_values)
{
	unsigned char *buf = malloc(64);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 0, 64);
	put_hdr(buf, 0xffffffff, EVENTLINE_CAT_LINE, 1, HDR, 0);
	expect_bad(buf, 64);
	put_hdr(buf, 0xfffffff8, EVENTLINE_CAT_LINE, 1, HDR, 0);
	expect_bad(buf, 64);
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, HDR, 0xffffffff);
	expect_bad(buf, 64);
	/* header_size + payload_len wraps in 16 or 32 bits */
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 0xfff8, 0xffff0010);
	expect_bad(buf, 64);
	put_hdr(buf, 64, EVENTLINE_CAT_LINE, 1, 0xfff8, 0);
	expect_bad(buf, 64);
	free(buf);
}
END_TEST

START_TEST(test_empty_and_null)
{
	unsigned char buf[8] = { 0 };
	struct el_record_iter it;
	struct el_record rec;
	size_t len;

	el_record_iter_init(&it, buf, 0);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
	el_record_iter_init(&it, NULL, 100);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
	/* Fewer bytes than any header can hold. */
	for (len = 1; len < sizeof(buf); len++) {
		memset(buf, 0, sizeof(buf));
		expect_bad(buf, len);
	}
	ck_assert_int_eq(el_record_next(NULL, &rec), -EINVAL);
	ck_assert_int_eq(el_record_next(&it, NULL), -EINVAL);
}
END_TEST

START_TEST(test_unknown_category_passed_through)
{
	unsigned char buf[128];
	struct el_record_iter it;
	struct el_record rec, r = sample(1);
	ssize_t n;

	r.category = 0x7777;
	r.type = 999;
	n = el_record_encode(buf, sizeof(buf), &r);
	ck_assert_int_eq(n, 64);
	n += el_record_encode(buf + n, sizeof(buf) - n, &r);
	el_record_iter_init(&it, buf, n);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.category, 0x7777);
	ck_assert_uint_eq(rec.type, 999);
	ck_assert_str_eq(el_category_name(rec.category), "unknown");
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}
END_TEST

START_TEST(test_future_header_size)
{
	unsigned char buf[256];
	struct el_record_iter it;
	struct el_record rec, r = sample(2);

	/* A newer kernel appends 16 bytes of header fields we do not know. */
	memset(buf, 0x5a, sizeof(buf));
	put_hdr(buf, 72 + 8, EVENTLINE_CAT_LINE, 4, 72, 5);
	memcpy(buf + 72, "hello", 5);
	ck_assert_int_eq(el_record_encode(buf + 80, sizeof(buf) - 80, &r), 72);

	el_record_iter_init(&it, buf, 80 + 72);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.type, 4);
	ck_assert_ptr_eq(rec.payload, buf + 72);
	ck_assert_uint_eq(rec.payload_len, 5);
	ck_assert_mem_eq(rec.payload, "hello", 5);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.seq, 102);
	ck_assert_int_eq(el_record_next(&it, &rec), 0);
}
END_TEST

START_TEST(test_unaligned_buffer)
{
	unsigned char buf[512];
	size_t ends[NPAYLOADS], len;
	struct el_record_iter it;
	struct el_record rec;
	unsigned int n = 0;

	/* Records copied to an odd address decode the same (no casts). */
	len = build_stream(buf + 1, sizeof(buf) - 1, ends);
	el_record_iter_init(&it, buf + 1, len);
	while (el_record_next(&it, &rec) == 1)
		ck_assert_uint_eq(rec.seq, 100 + n++);
	ck_assert_uint_eq(n, NPAYLOADS);
}
END_TEST

/*
 * Random headers near the boundaries: whatever the decoder accepts must lie
 * inside the buffer, and it must always make progress and terminate.
 */
START_TEST(test_random_headers)
{
	static const uint32_t sizes[] = { 0, 7, 8, 48, 56, 57, 64, 72, 120, 128,
					  136, 0xfffffff8, 0xffffffff };
	static const uint16_t hsizes[] = { 0, 8, 48, 56, 60, 64, 72, 0xfff8 };
	static const uint32_t plens[] = { 0, 1, 7, 8, 16, 64, 72, 0x80000000,
					  0xffffffff };
	unsigned int round;

	srand(12345);
	for (round = 0; round < 20000; round++) {
		size_t len = rand() % 200, off;
		unsigned char *buf = malloc(len ? len : 1);
		struct el_record_iter it;
		struct el_record rec;
		unsigned int steps = 0;
		int ret;

		ck_assert_ptr_nonnull(buf);
		for (off = 0; off < len; off++)
			buf[off] = rand();
		for (off = 0; off + HDR <= len; off += 8 * (1 + rand() % 9))
			put_hdr(buf + off, sizes[rand() % 13], rand() % 4, rand(),
				hsizes[rand() % 8], plens[rand() % 9]);

		el_record_iter_init(&it, buf, len);
		while ((ret = el_record_next(&it, &rec)) == 1) {
			const unsigned char *p = rec.payload;

			ck_assert(p >= buf + HDR && p <= buf + len);
			ck_assert_uint_le(rec.payload_len, (size_t)(buf + len - p));
			ck_assert_uint_le(++steps, len / HDR);
		}
		ck_assert(ret == 0 || ret == -EBADMSG);
		free(buf);
	}
}
END_TEST

START_TEST(test_encode_too_small)
{
	unsigned char buf[80];
	struct el_record r = sample(1);	/* needs 64 bytes */
	size_t len;

	for (len = 0; len < 64; len++) {
		memset(buf, 0xee, sizeof(buf));
		ck_assert_int_eq(el_record_encode(buf, len, &r), -ENOSPC);
		/* A failed encode writes nothing. */
		ck_assert_uint_eq(buf[0], 0xee);
	}
	ck_assert_int_eq(el_record_encode(buf, 64, &r), 64);
}
END_TEST

START_TEST(test_encode_invalid)
{
	unsigned char buf[128];
	struct el_record r = sample(1);

	ck_assert_int_eq(el_record_encode(NULL, sizeof(buf), &r), -EINVAL);
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), NULL), -EINVAL);
	r.payload = NULL;
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), -EINVAL);
	r.payload_len = 0;
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), HDR);
	/* The record size field is 32 bits: a payload near 4 GiB cannot fit. */
	r.payload = buf;
	r.payload_len = 0xffffffff;
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), -EMSGSIZE);
}
END_TEST

static struct el_record overflow_rec(const void *payload, uint32_t len)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_META,
		.type = EVENTLINE_META_OVERFLOW,
		.payload = payload,
		.payload_len = len,
	};
	return r;
}

START_TEST(test_overflow_lost)
{
	struct eventline_overflow ovf = { .lost = 0x123456789ULL };
	unsigned char buf[128], longer[16] = { 0 };
	struct el_record_iter it;
	struct el_record rec, r = overflow_rec(&ovf, sizeof(ovf));
	uint64_t lost = 0;

	/* Through the encoder and decoder, as read from a register. */
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), 64);
	el_record_iter_init(&it, buf, 64);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_int_eq(el_record_overflow_lost(&rec, &lost), 0);
	ck_assert_uint_eq(lost, 0x123456789ULL);

	/* A newer kernel's longer payload still starts with lost. */
	memcpy(longer, &ovf, sizeof(ovf));
	r = overflow_rec(longer, sizeof(longer));
	lost = 0;
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), 0);
	ck_assert_uint_eq(lost, 0x123456789ULL);
}
END_TEST

START_TEST(test_overflow_lost_bad)
{
	struct eventline_overflow ovf = { .lost = 5 };
	struct el_record r;
	uint64_t lost = 77;

	r = overflow_rec(&ovf, sizeof(ovf) - 1);
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
	r = overflow_rec(NULL, sizeof(ovf));
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
	r = overflow_rec(&ovf, sizeof(ovf));
	r.category = EVENTLINE_CAT_LINE;
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
	r = overflow_rec(&ovf, sizeof(ovf));
	r.type = EVENTLINE_META_LINE_CLOSED;
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
	r.type = EVENTLINE_META_EVICTED;
	ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
	ck_assert_uint_eq(lost, 77);
	r = overflow_rec(&ovf, sizeof(ovf));
	ck_assert_int_eq(el_record_overflow_lost(NULL, &lost), -EINVAL);
	ck_assert_int_eq(el_record_overflow_lost(&r, NULL), -EINVAL);
}
END_TEST

static struct el_record demoted_rec(const void *payload, uint32_t len)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_META,
		.type = EVENTLINE_META_DEMOTED,
		.line_id = 12,
		.payload = payload,
		.payload_len = len,
	};
	return r;
}

START_TEST(test_demotion)
{
	struct eventline_demotion dem = {
		.old_priority = 700, .new_priority = -5,
		.reason = EVENTLINE_DEMOTE_REVOKED,
	}, got;
	unsigned char buf[128], longer[24] = { 0 };
	struct el_record_iter it;
	struct el_record rec, r = demoted_rec(&dem, sizeof(dem));

	/* Through the encoder and decoder: 56 + 16, as the kernel writes it. */
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), 72);
	el_record_iter_init(&it, buf, 72);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.line_id, 12);
	memset(&got, 0xa5, sizeof(got));
	ck_assert_int_eq(el_record_demotion(&rec, &got), 0);
	ck_assert_int_eq(got.old_priority, 700);
	ck_assert_int_eq(got.new_priority, -5);
	ck_assert_uint_eq(got.reason, EVENTLINE_DEMOTE_REVOKED);
	ck_assert_uint_eq(got.__reserved, 0);

	/* A newer kernel's longer payload still starts with ours. */
	dem.reason = EVENTLINE_DEMOTE_OVERFLOW;
	memcpy(longer, &dem, sizeof(dem));
	longer[sizeof(dem)] = 0xff;
	r = demoted_rec(longer, sizeof(longer));
	ck_assert_int_eq(el_record_demotion(&r, &got), 0);
	ck_assert_uint_eq(got.reason, EVENTLINE_DEMOTE_OVERFLOW);
	ck_assert_int_eq(got.old_priority, 700);
}
END_TEST

START_TEST(test_demotion_bad)
{
	struct eventline_demotion dem = { .old_priority = 1 }, got;
	struct eventline_overflow ovf = { .lost = 5 };
	struct el_record r;

	memset(&got, 0x5a, sizeof(got));
	r = demoted_rec(&dem, sizeof(dem) - 1);
	ck_assert_int_eq(el_record_demotion(&r, &got), -EINVAL);
	r = demoted_rec(NULL, sizeof(dem));
	ck_assert_int_eq(el_record_demotion(&r, &got), -EINVAL);
	r = demoted_rec(&dem, sizeof(dem));
	r.category = EVENTLINE_CAT_LINE;
	ck_assert_int_eq(el_record_demotion(&r, &got), -EINVAL);
	/* An OVERFLOW record is not a demotion, nor the other way round. */
	r = overflow_rec(&ovf, sizeof(ovf));
	ck_assert_int_eq(el_record_demotion(&r, &got), -EINVAL);
	r = demoted_rec(&dem, sizeof(dem));
	{
		uint64_t lost = 9;

		ck_assert_int_eq(el_record_overflow_lost(&r, &lost), -EINVAL);
		ck_assert_uint_eq(lost, 9);
	}
	r.type = EVENTLINE_META_EVICTED;
	ck_assert_int_eq(el_record_demotion(&r, &got), -EINVAL);
	ck_assert_int_eq(got.old_priority, 0x5a5a5a5a);
	r = demoted_rec(&dem, sizeof(dem));
	ck_assert_int_eq(el_record_demotion(NULL, &got), -EINVAL);
	ck_assert_int_eq(el_record_demotion(&r, NULL), -EINVAL);
}
END_TEST

/*
 * The stream an evicted register reads: events, two OVERFLOW records in a
 * row, EVICTED naming the line and its owner, then events of a new
 * subscription; each decoded as written.
 */
START_TEST(test_evicted_stream)
{
	struct eventline_overflow o1 = { .lost = 3 }, o2 = { .lost = 2 };
	struct el_record in[5] = {
		{ .category = EVENTLINE_CAT_LINE, .type = 2, .seq = 1,
		  .line_id = 11, .pid = 40, .uid = 1000 },
		{ .category = EVENTLINE_CAT_META,
		  .type = EVENTLINE_META_OVERFLOW, .payload = &o1,
		  .payload_len = sizeof(o1) },
		{ .category = EVENTLINE_CAT_META,
		  .type = EVENTLINE_META_OVERFLOW, .payload = &o2,
		  .payload_len = sizeof(o2) },
		{ .category = EVENTLINE_CAT_META,
		  .type = EVENTLINE_META_EVICTED, .line_id = 11, .uid = 500,
		  .timestamp_ns = 99 },
		{ .category = EVENTLINE_CAT_LINE, .type = 2, .seq = 9,
		  .line_id = 11, .pid = 40, .uid = 1000 },
	};
	unsigned char buf[512];
	struct el_record_iter it;
	struct el_record rec;
	uint64_t lost;
	size_t len = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 5; i++) {
		n = el_record_encode(buf + len, sizeof(buf) - len, &in[i]);
		ck_assert_int_gt(n, 0);
		len += n;
	}
	el_record_iter_init(&it, buf, len);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(el_record_next(&it, &rec), 1);
		ck_assert_uint_eq(rec.category, in[i].category);
		ck_assert_uint_eq(rec.type, in[i].type);
		ck_assert_uint_eq(rec.line_id, in[i].line_id);
		ck_assert_uint_eq(rec.uid, in[i].uid);
		ck_assert_uint_eq(rec.seq, in[i].seq);
		ck_assert_uint_eq(rec.payload_len, in[i].payload_len);
	}
	ck_assert_int_eq(el_record_next(&it, &rec), 0);

	/* Each OVERFLOW counts its own losses. */
	el_record_iter_init(&it, buf, len);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_int_eq(el_record_overflow_lost(&rec, &lost), 0);
	ck_assert_uint_eq(lost, 3);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_int_eq(el_record_overflow_lost(&rec, &lost), 0);
	ck_assert_uint_eq(lost, 2);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_str_eq(el_category_name(rec.category), "meta");
	ck_assert_uint_eq(rec.timestamp_ns, 99);
}
END_TEST

/*
 * What stages did travels in the header: flags and the number of stages
 * that changed the payload, both ways, each field where the uapi has it.
 */
START_TEST(test_mutations)
{
	static const char pay[] = "part 3+painted+boxed";
	struct el_record r = {
		.category = EVENTLINE_CAT_LINE,
		.type = 3,
		.flags = EVENTLINE_RECORD_STAGE | EVENTLINE_RECORD_MUTATED,
		.depth = 1,
		.mutations = 0xfffe,
		.seq = 3,
		.line_id = 5,
		.payload = pay,
		.payload_len = strlen(pay),
	}, rec;
	unsigned char buf[128], old[128];
	struct eventline_record h;
	struct el_record_iter it;
	ssize_t n;

	n = el_record_encode(buf, sizeof(buf), &r);
	ck_assert_int_eq(n, 80);
	memcpy(&h, buf, sizeof(h));
	ck_assert_uint_eq(h.flags, EVENTLINE_RECORD_STAGE |
				   EVENTLINE_RECORD_MUTATED);
	ck_assert_uint_eq(h.mutations, 0xfffe);
	ck_assert_uint_eq(h.__reserved1, 0);
	ck_assert_uint_eq(h.depth, 1);
	ck_assert_uint_eq(h.payload_len, strlen(pay));
	el_record_iter_init(&it, buf, n);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.mutations, 0xfffe);
	ck_assert_uint_eq(rec.flags, r.flags);
	ck_assert_uint_eq(rec.depth, 1);
	ck_assert_mem_eq(rec.payload, pay, strlen(pay));

	/* The kernel's header, written by hand: mutations where it says. */
	memset(&h, 0, sizeof(h));
	h.size = HDR;
	h.category = EVENTLINE_CAT_LINE;
	h.header_size = HDR;
	h.mutations = 1;
	h.__reserved1 = 0xffff;	/* a newer kernel's field: not ours */
	memcpy(buf, &h, sizeof(h));
	el_record_iter_init(&it, buf, HDR);
	ck_assert_int_eq(el_record_next(&it, &rec), 1);
	ck_assert_uint_eq(rec.mutations, 1);

	/*
	 * A program built against 0.1 or 0.2 binds el_record_encode@0.1,
	 * for which mutations is padding it may leave undefined: written as
	 * 0, everything else as the current encoder writes it.
	 */
	r.mutations = 0;
	ck_assert_int_eq(el_record_encode(buf, sizeof(buf), &r), 80);
	r.mutations = 0xa5a5;
	ck_assert_int_eq(el__record_encode_v0_1(old, sizeof(old), &r), 80);
	ck_assert_mem_eq(old, buf, 80);
	ck_assert_int_eq(el__record_encode_v0_1(old, sizeof(old), NULL),
			 -EINVAL);
	ck_assert_int_eq(el__record_encode_v0_1(old, 79, &r), -ENOSPC);
}
END_TEST

static struct el_record choke_rec(const void *payload, uint32_t len)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_META,
		.type = EVENTLINE_META_CHOKE,
		.payload = payload,
		.payload_len = len,
	};
	return r;
}

/*
 * A stage's stream: records to answer, one the stage before changed, and
 * a CHOKE record between them, each decoded as written.
 */
START_TEST(test_choke)
{
	struct eventline_choke ch = {
		.queued = 49, .queue_len = 64, .arrival_rate = 12000,
		.drain_rate = 300,
	}, got;
	unsigned char buf[512], longer[24] = { 0 };
	struct el_record in[3] = {
		{ .category = EVENTLINE_CAT_LINE, .type = 1, .seq = 1,
		  .line_id = 4, .flags = EVENTLINE_RECORD_STAGE,
		  .payload = "part 1", .payload_len = 6 },
		choke_rec(&ch, sizeof(ch)),
		{ .category = EVENTLINE_CAT_LINE, .type = 2, .seq = 2,
		  .line_id = 4, .mutations = 1,
		  .flags = EVENTLINE_RECORD_STAGE | EVENTLINE_RECORD_MUTATED,
		  .payload = "part 2+painted", .payload_len = 14 },
	};
	struct el_record_iter it;
	struct el_record rec;
	size_t len = 0;
	uint64_t lost = 5;
	ssize_t n;
	int i;

	for (i = 0; i < 3; i++) {
		n = el_record_encode(buf + len, sizeof(buf) - len, &in[i]);
		ck_assert_int_gt(n, 0);
		len += n;
	}
	/* 56 + 6, 56 + 16 (as the kernel writes it), 56 + 14, padded. */
	ck_assert_uint_eq(len, 64 + 72 + 72);
	el_record_iter_init(&it, buf, len);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(el_record_next(&it, &rec), 1);
		ck_assert_uint_eq(rec.category, in[i].category);
		ck_assert_uint_eq(rec.type, in[i].type);
		ck_assert_uint_eq(rec.flags, in[i].flags);
		ck_assert_uint_eq(rec.mutations, in[i].mutations);
		ck_assert_uint_eq(rec.seq, in[i].seq);
		memset(&got, 0xa5, sizeof(got));
		if (i != 1) {
			ck_assert_int_eq(el_record_choke(&rec, &got), -EINVAL);
			ck_assert_uint_eq(got.queued, 0xa5a5a5a5);
			continue;
		}
		ck_assert_int_eq(el_record_choke(&rec, &got), 0);
		ck_assert_uint_eq(got.queued, 49);
		ck_assert_uint_eq(got.queue_len, 64);
		ck_assert_uint_eq(got.arrival_rate, 12000);
		ck_assert_uint_eq(got.drain_rate, 300);
		/* Not an overflow, nor a demotion. */
		ck_assert_int_eq(el_record_overflow_lost(&rec, &lost), -EINVAL);
		ck_assert_uint_eq(lost, 5);
	}
	ck_assert_int_eq(el_record_next(&it, &rec), 0);

	/* A newer kernel's longer payload still starts with ours. */
	memcpy(longer, &ch, sizeof(ch));
	longer[sizeof(ch)] = 0xff;
	rec = choke_rec(longer, sizeof(longer));
	ck_assert_int_eq(el_record_choke(&rec, &got), 0);
	ck_assert_uint_eq(got.drain_rate, 300);
	ck_assert_uint_eq(got.queue_len, 64);
}
END_TEST

START_TEST(test_choke_bad)
{
	struct eventline_choke ch = { .queued = 1 }, got;
	struct eventline_demotion dem = { .old_priority = 1 };
	struct el_record r;

	memset(&got, 0x5a, sizeof(got));
	r = choke_rec(&ch, sizeof(ch) - 1);
	ck_assert_int_eq(el_record_choke(&r, &got), -EINVAL);
	r = choke_rec(NULL, sizeof(ch));
	ck_assert_int_eq(el_record_choke(&r, &got), -EINVAL);
	r = choke_rec(&ch, sizeof(ch));
	r.category = EVENTLINE_CAT_LINE;
	ck_assert_int_eq(el_record_choke(&r, &got), -EINVAL);
	/* A DEMOTED record of the same size is not a choke, nor the reverse. */
	r = demoted_rec(&dem, sizeof(dem));
	ck_assert_int_eq(el_record_choke(&r, &got), -EINVAL);
	r = choke_rec(&ch, sizeof(ch));
	{
		struct eventline_demotion d = { .reason = 9 };

		ck_assert_int_eq(el_record_demotion(&r, &d), -EINVAL);
		ck_assert_uint_eq(d.reason, 9);
	}
	ck_assert_uint_eq(got.queued, 0x5a5a5a5a);
	ck_assert_int_eq(el_record_choke(NULL, &got), -EINVAL);
	ck_assert_int_eq(el_record_choke(&r, NULL), -EINVAL);
	ck_assert_int_eq(el_record_choke(&r, &got), 0);
	ck_assert_uint_eq(got.queued, 1);
}
END_TEST

START_TEST(test_category_names)
{
	ck_assert_str_eq(el_category_name(EVENTLINE_CAT_META), "meta");
	ck_assert_str_eq(el_category_name(EVENTLINE_CAT_LINE), "line");
	ck_assert_str_eq(el_category_name(0), "unknown");
	ck_assert_str_eq(el_category_name(0xffff), "unknown");
}
END_TEST

Suite *record_suite(void)
{
	Suite *s = suite_create("record");
	TCase *dec = tcase_create("decode");
	TCase *enc = tcase_create("encode");

	tcase_add_test(dec, test_roundtrip_multi);
	tcase_add_test(dec, test_truncated_every_length);
	tcase_add_test(dec, test_good_then_bad);
	tcase_add_test(dec, test_size_not_multiple_of_8);
	tcase_add_test(dec, test_size_smaller_than_header);
	tcase_add_test(dec, test_header_size_bad);
	tcase_add_test(dec, test_payload_overflows_size);
	tcase_add_test(dec, test_size_beyond_buffer);
	tcase_add_test(dec, test_huge_values);
	tcase_add_test(dec, test_empty_and_null);
	tcase_add_test(dec, test_unknown_category_passed_through);
	tcase_add_test(dec, test_future_header_size);
	tcase_add_test(dec, test_unaligned_buffer);
	tcase_add_test(dec, test_random_headers);
	tcase_add_test(dec, test_overflow_lost);
	tcase_add_test(dec, test_overflow_lost_bad);
	tcase_add_test(dec, test_demotion);
	tcase_add_test(dec, test_demotion_bad);
	tcase_add_test(dec, test_evicted_stream);
	tcase_add_test(dec, test_mutations);
	tcase_add_test(dec, test_choke);
	tcase_add_test(dec, test_choke_bad);
	tcase_add_test(dec, test_category_names);
	tcase_add_test(enc, test_encode_layout_and_padding);
	tcase_add_test(enc, test_encode_too_small);
	tcase_add_test(enc, test_encode_invalid);
	suite_add_tcase(s, dec);
	suite_add_tcase(s, enc);
	return s;
}
