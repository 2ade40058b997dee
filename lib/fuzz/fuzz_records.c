// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz_records.c - libFuzzer target for libeventline's record decoder.
 *
 * The decoder (record.c) promises to treat its input as hostile: whatever
 * the bytes, el_record_next() must never read outside the buffer, must
 * make progress, and must stop for good at the first malformed record.
 * ASan and UBSan check the first; the checks below abort() on the rest,
 * and on any record that does not survive an encode/decode round trip:
 *
 *  - every payload lies inside the input, and records tile the input
 *    exactly when decoding ends without error;
 *  - after -EBADMSG the iterator stays at its end;
 *  - decoding from an odd address gives the same records (the decoder
 *    must not assume alignment; UBSan's alignment check watches);
 *  - el_record_overflow_lost() succeeds only on a META/OVERFLOW record
 *    with room for the count, and returns the count in the payload;
 *    el_record_demotion() likewise on a META/DEMOTED record with room
 *    for a struct eventline_demotion, el_record_choke() on a META/CHOKE
 *    record with room for a struct eventline_choke;
 *  - el_record_encode() of each record into a buffer of exactly the
 *    needed size succeeds, refuses one byte less, pads with zeroes, and
 *    decodes back to the same fields and payload.
 *
 * Built by `make -C lib fuzz`, run by `make -C lib fuzz-run`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventline.h"

#define ALIGN8(x)	(((x) + 7) & ~(uint64_t)7)

/* Fail loudly with the reason; libFuzzer saves the input that did it. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void check_same(const struct el_record *a, const struct el_record *b)
{
	CHECK(a->category == b->category);
	CHECK(a->type == b->type);
	CHECK(a->flags == b->flags);
	CHECK(a->depth == b->depth);
	CHECK(a->mutations == b->mutations);
	CHECK(a->seq == b->seq);
	CHECK(a->line_id == b->line_id);
	CHECK(a->timestamp_ns == b->timestamp_ns);
	CHECK(a->pid == b->pid);
	CHECK(a->uid == b->uid);
	CHECK(a->payload_len == b->payload_len);
	CHECK(!a->payload_len ||
	      !memcmp(a->payload, b->payload, a->payload_len));
}

static void check_overflow(const struct el_record *rec)
{
	uint64_t lost = 0, want;
	int ret = el_record_overflow_lost(rec, &lost);

	if (rec->category == EVENTLINE_CAT_META &&
	    rec->type == EVENTLINE_META_OVERFLOW &&
	    rec->payload_len >= sizeof(struct eventline_overflow)) {
		CHECK(ret == 0);
		memcpy(&want, rec->payload, sizeof(want));
		CHECK(lost == want);
	} else {
		CHECK(ret == -EINVAL);
	}
	CHECK(el_record_overflow_lost(rec, NULL) == -EINVAL);
}

static void check_demotion(const struct el_record *rec)
{
	struct eventline_demotion got, want;
	int ret;

	memset(&got, 0xa5, sizeof(got));
	ret = el_record_demotion(rec, &got);
	if (rec->category == EVENTLINE_CAT_META &&
	    rec->type == EVENTLINE_META_DEMOTED &&
	    rec->payload_len >= sizeof(struct eventline_demotion)) {
		CHECK(ret == 0);
		memcpy(&want, rec->payload, sizeof(want));
		CHECK(!memcmp(&got, &want, sizeof(got)));
	} else {
		CHECK(ret == -EINVAL);
		memset(&want, 0xa5, sizeof(want));
		CHECK(!memcmp(&got, &want, sizeof(got)));
	}
	CHECK(el_record_demotion(rec, NULL) == -EINVAL);
}

static void check_choke(const struct el_record *rec)
{
	struct eventline_choke got, want;
	int ret;

	memset(&got, 0xa5, sizeof(got));
	ret = el_record_choke(rec, &got);
	if (rec->category == EVENTLINE_CAT_META &&
	    rec->type == EVENTLINE_META_CHOKE &&
	    rec->payload_len >= sizeof(struct eventline_choke)) {
		CHECK(ret == 0);
		memcpy(&want, rec->payload, sizeof(want));
		CHECK(!memcmp(&got, &want, sizeof(got)));
	} else {
		CHECK(ret == -EINVAL);
		memset(&want, 0xa5, sizeof(want));
		CHECK(!memcmp(&got, &want, sizeof(got)));
	}
	CHECK(el_record_choke(rec, NULL) == -EINVAL);
}

/* Encode @rec, check the bytes, decode them again and compare. */
static void check_round_trip(const struct el_record *rec)
{
	uint64_t need = ALIGN8(sizeof(struct eventline_record) +
			       (uint64_t)rec->payload_len);
	struct eventline_record hdr;
	struct el_record_iter it;
	struct el_record again;
	unsigned char *buf;
	uint64_t i;
	ssize_t n;

	/* Exactly the size needed, so ASan sees any write past it. */
	buf = malloc(need);
	CHECK(buf != NULL);
	CHECK(el_record_encode(buf, need - 1, rec) == -ENOSPC);
	n = el_record_encode(buf, need, rec);
	CHECK(n >= 0 && (uint64_t)n == need);

	memcpy(&hdr, buf, sizeof(hdr));
	CHECK(hdr.size == need);
	CHECK(hdr.header_size == sizeof(hdr));
	CHECK(hdr.mutations == rec->mutations);
	CHECK(hdr.__reserved1 == 0);
	for (i = sizeof(hdr) + rec->payload_len; i < need; i++)
		CHECK(buf[i] == 0);

	el_record_iter_init(&it, buf, need);
	CHECK(el_record_next(&it, &again) == 1);
	check_same(rec, &again);
	CHECK(again.payload == buf + sizeof(hdr));
	CHECK(el_record_next(&it, &again) == 0);
	free(buf);
}

/* Decode all of @buf; returns the number of records, checking each. */
static size_t decode_all(const unsigned char *buf, size_t size,
			 struct el_record *first, bool round_trip)
{
	struct el_record_iter it;
	struct el_record rec;
	size_t count = 0, used = 0;
	int ret;

	el_record_iter_init(&it, buf, size);
	while ((ret = el_record_next(&it, &rec)) == 1) {
		const unsigned char *p = rec.payload;

		/* Progress: every record is at least a header. */
		CHECK(count < size / EVENTLINE_RECORD_SIZE_VER0);
		CHECK(p >= buf + used + EVENTLINE_RECORD_SIZE_VER0);
		CHECK(p + rec.payload_len <= buf + size);
		CHECK((size_t)(it.pos - buf) > used);
		CHECK((size_t)(it.pos - buf) <= size);
		CHECK((it.pos - buf - used) % EVENTLINE_RECORD_ALIGN == 0);
		used = it.pos - buf;
		if (!count && first)
			*first = rec;
		count++;

		check_overflow(&rec);
		check_demotion(&rec);
		check_choke(&rec);
		if (round_trip)
			check_round_trip(&rec);
		CHECK(el_category_name(rec.category) != NULL);
	}
	CHECK(ret == 0 || ret == -EBADMSG);
	if (ret == 0)
		CHECK(used == size);	/* records tile the buffer */
	/* Past the end or a bad record, it stays finished. */
	CHECK(el_record_next(&it, &rec) == 0);
	CHECK(el_record_next(&it, &rec) == 0);
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct el_record first, first_odd;
	struct el_record_iter it;
	unsigned char *odd;
	size_t n, n_odd;

	n = decode_all(data, size, &first, true);

	/* The same bytes at an odd address decode the same way. */
	odd = malloc(size + 1);
	CHECK(odd != NULL);
	memcpy(odd + 1, data, size);
	n_odd = decode_all(odd + 1, size, &first_odd, false);
	CHECK(n == n_odd);
	if (n) {
		check_same(&first, &first_odd);
		CHECK((const uint8_t *)first.payload - data ==
		      (const unsigned char *)first_odd.payload - (odd + 1));
	}
	free(odd);

	/* Argument checks never touch the data; no buffer is no records. */
	el_record_iter_init(&it, NULL, size);
	CHECK(el_record_next(&it, &first) == 0);
	el_record_iter_init(&it, data, size);
	CHECK(el_record_next(&it, NULL) == -EINVAL);
	CHECK(el_record_next(NULL, &first) == -EINVAL);
	return 0;
}
