// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * gen_corpus.c - write the seed corpus for fuzz_records into a directory.
 *
 * Seeds are generated rather than checked in as binary files so that what
 * they contain can be read here: streams as a register returns them
 * (several LINE records with payloads of awkward lengths, OVERFLOW
 * records, LINE_CLOSED and EVICTED records), a record with a longer
 * header from a future ABI, and a few broken streams that must stop the
 * decoder.
 *
 *   gen_corpus DIR
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventline.h"

#define BUF_MAX	16384

static unsigned char buf[BUF_MAX];
static size_t len;
static const char *dir;

static void add(const struct el_record *rec)
{
	ssize_t n = el_record_encode(buf + len, sizeof(buf) - len, rec);

	if (n < 0) {
		fprintf(stderr, "gen_corpus: encode: %s\n", strerror(-n));
		exit(1);
	}
	len += n;
}

static void line_rec(uint64_t line, uint16_t type, uint64_t seq,
		     const void *payload, uint32_t plen)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_LINE, .type = type, .seq = seq,
		.line_id = line, .timestamp_ns = 1000000000ULL + seq,
		.pid = 4242, .uid = 1000, .payload = payload,
		.payload_len = plen,
	};

	add(&r);
}

static void meta_rec(uint16_t type, uint64_t line, uint64_t lost)
{
	struct el_record r = {
		.category = EVENTLINE_CAT_META, .type = type,
		.line_id = line, .timestamp_ns = 2000000000ULL,
	};

	if (type == EVENTLINE_META_OVERFLOW) {
		r.payload = &lost;
		r.payload_len = sizeof(lost);
	}
	add(&r);
}

static void save(const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	len = 0;
}

/* The header of the record at @off, to bend into a broken one. */
static struct eventline_record *hdr_at(size_t off)
{
	return (struct eventline_record *)(buf + off);
}

int main(int argc, char **argv)
{
	static const char text[] = "hello, eventline";
	unsigned char big[4096];
	unsigned int i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 1);

	/* One of each, then the streams a register really produces. */
	line_rec(1, 0, 1, NULL, 0);
	save("line-empty");

	line_rec(7, 3, 1, text, sizeof(text) - 1);
	line_rec(7, 63, 2, big, 1);
	line_rec(9, 5, 1, big, 7);
	line_rec(9, 5, 2, big, 8);
	line_rec(7, 1, 3, big, 9);
	save("lines-multi");

	line_rec(3, 2, 10, big, 100);
	line_rec(3, 2, 11, big, 100);
	meta_rec(EVENTLINE_META_OVERFLOW, 0, 5);
	line_rec(3, 2, 17, big, 100);
	save("overflow");

	line_rec(4, 1, 1, text, 5);
	meta_rec(EVENTLINE_META_OVERFLOW, 0, 1);
	meta_rec(EVENTLINE_META_LINE_CLOSED, 4, 0);
	meta_rec(EVENTLINE_META_LINE_CLOSED, 8, 0);
	save("closed");

	line_rec(2, 0, 1, big, sizeof(big));
	meta_rec(EVENTLINE_META_LINE_CLOSED, 2, 0);
	save("max-payload");

	/*
	 * The owner evicts us and we subscribe again; two OVERFLOW records
	 * in a row, as a queue that filled again before it had room gives.
	 */
	line_rec(11, 2, 1, text, 4);
	meta_rec(EVENTLINE_META_OVERFLOW, 0, 3);
	meta_rec(EVENTLINE_META_OVERFLOW, 0, 2);
	line_rec(11, 2, 7, text, 4);
	meta_rec(EVENTLINE_META_EVICTED, 11, 0);
	line_rec(11, 2, 9, text, 6);
	save("evicted");

	/* Demoted after overflowing: OVERFLOW, DEMOTED, events go on. */
	line_rec(12, 3, 1, text, 4);
	meta_rec(EVENTLINE_META_OVERFLOW, 0, 9);
	{
		struct eventline_demotion d = {
			.old_priority = 50, .new_priority = 0,
			.reason = EVENTLINE_DEMOTE_OVERFLOW,
		};
		struct el_record r = {
			.category = EVENTLINE_CAT_META,
			.type = EVENTLINE_META_DEMOTED, .line_id = 12,
			.timestamp_ns = 3000000000ULL, .payload = &d,
			.payload_len = sizeof(d),
		};

		add(&r);
	}
	line_rec(12, 3, 11, text, 4);
	save("demoted");

	/*
	 * A stage's stream: events to answer, one an earlier stage replaced,
	 * and a CHOKE record as its queue fills.
	 */
	line_rec(13, 1, 1, text, 4);
	hdr_at(0)->flags = EVENTLINE_RECORD_STAGE;
	line_rec(13, 2, 2, text, 6);
	hdr_at(64)->flags = EVENTLINE_RECORD_STAGE | EVENTLINE_RECORD_MUTATED;
	hdr_at(64)->mutations = 1;
	{
		struct eventline_choke c = {
			.queued = 49, .queue_len = 64,
			.arrival_rate = 12000, .drain_rate = 300,
		};
		struct el_record r = {
			.category = EVENTLINE_CAT_META,
			.type = EVENTLINE_META_CHOKE,
			.timestamp_ns = 4000000000ULL, .payload = &c,
			.payload_len = sizeof(c),
		};

		add(&r);
	}
	save("stage-choke");

	/*
	 * A future kernel's record: header_size 64 with 8 unknown header
	 * bytes before the payload, which readers must skip.
	 */
	line_rec(5, 4, 1, big, 16);
	hdr_at(0)->header_size = 64;
	hdr_at(0)->payload_len = 8;
	line_rec(5, 4, 2, text, 3);
	save("newer-header");

	/* Broken streams: each must end decoding with -EBADMSG. */
	line_rec(6, 1, 1, big, 10);
	line_rec(6, 1, 2, big, 10);
	hdr_at(0)->size += 4;			/* not a multiple of 8 */
	save("bad-size-unaligned");

	line_rec(6, 1, 1, big, 10);
	hdr_at(0)->size = 0x7ffffff8;		/* runs past the end */
	save("bad-size-huge");

	line_rec(6, 1, 1, big, 10);
	hdr_at(0)->payload_len = 0xffffffff;	/* 32-bit wrap bait */
	save("bad-payload-len");

	line_rec(6, 1, 1, big, 10);
	hdr_at(0)->header_size = 8;		/* shorter than VER0 */
	save("bad-header-size");

	line_rec(6, 1, 1, big, 10);
	len -= 3;				/* truncated */
	save("truncated");
	return 0;
}
