// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoding and encoding of the record stream read from a register.
 *
 * The decoder treats its input as hostile: a buffer may come from a buggy or
 * newer kernel, a file or a fuzzer.  Every length is checked against the
 * bytes that remain before anything is read, headers are copied out rather
 * than cast (the buffer need not be aligned), and once the stream is found
 * malformed the iterator stays at its end: past a bad size field there is no
 * way to find the next record boundary.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#define EL_ALIGN8(x)	(((x) + 7) & ~(uint64_t)7)

/*
 * The decoder reads exactly the first published header.  When the uapi
 * appends header fields this fails to build until the decoder learns to read
 * them (only when header_size says they are present).
 */
static_assert(sizeof(struct eventline_record) == EVENTLINE_RECORD_SIZE_VER0,
	      "teach el_record_next() the new eventline_record fields");

/*
 * struct el_record is the caller's, and el_record_next() writes all of it:
 * it must keep the size it had in 0.1.  mutations (0.3) took the padding
 * after depth, which programs built against 0.1 or 0.2 leave undefined;
 * they keep an el_record_encode() that ignores it (EVENTLINE_0.1).
 */
static_assert(sizeof(struct el_record) == 64 &&
	      offsetof(struct el_record, mutations) == 10 &&
	      offsetof(struct el_record, seq) == 16,
	      "struct el_record must keep its 0.1 size and layout");

void el_record_iter_init(struct el_record_iter *it, const void *buf, size_t len)
{
	if (!it)
		return;
	it->pos = buf;
	it->end = buf ? it->pos + len : it->pos;
}

int el_record_next(struct el_record_iter *it, struct el_record *rec)
{
	struct eventline_record hdr;
	size_t remaining;

	if (!it || !rec)
		return -EINVAL;
	if (!it->pos || it->pos >= it->end)
		return 0;

	remaining = it->end - it->pos;
	if (remaining < EVENTLINE_RECORD_SIZE_VER0)
		goto bad;
	memcpy(&hdr, it->pos, EVENTLINE_RECORD_SIZE_VER0);

	/*
	 * size keeps records 8-aligned and must stay inside the buffer; the
	 * header must be at least the first published one (a larger one comes
	 * from a newer ABI and is skipped over); the payload must fit in the
	 * record.  64-bit arithmetic so that huge fields cannot wrap.
	 */
	if (hdr.size % 8 || hdr.size > remaining ||
	    hdr.header_size < EVENTLINE_RECORD_SIZE_VER0 || hdr.header_size % 8 ||
	    (uint64_t)hdr.header_size + hdr.payload_len > hdr.size)
		goto bad;

	memset(rec, 0, sizeof(*rec));
	rec->category = hdr.category;
	rec->type = hdr.type;
	rec->flags = hdr.flags;
	rec->depth = hdr.depth;
	/* Part of __reserved1 before API 3, which kernels wrote as 0. */
	rec->mutations = hdr.mutations;
	rec->seq = hdr.seq;
	rec->line_id = hdr.line_id;
	rec->timestamp_ns = hdr.timestamp_ns;
	rec->pid = hdr.pid;
	rec->uid = hdr.uid;
	rec->payload = it->pos + hdr.header_size;
	rec->payload_len = hdr.payload_len;

	it->pos += hdr.size;
	return 1;

bad:
	it->pos = it->end;
	return -EBADMSG;
}

EL_SYMVER_DEFAULT(el__record_encode_v0_3, el_record_encode, EVENTLINE_0.3);
ssize_t el__record_encode_v0_3(void *buf, size_t len,
			       const struct el_record *rec)
{
	struct eventline_record hdr;
	unsigned char *p = buf;
	uint64_t size;

	if (!buf || !rec || (!rec->payload && rec->payload_len))
		return -EINVAL;

	size = EL_ALIGN8(sizeof(hdr) + (uint64_t)rec->payload_len);
	if (size > UINT32_MAX || size > SSIZE_MAX)
		return -EMSGSIZE;
	if (size > len)
		return -ENOSPC;

	memset(&hdr, 0, sizeof(hdr));
	hdr.size = size;
	hdr.category = rec->category;
	hdr.type = rec->type;
	hdr.flags = rec->flags;
	hdr.depth = rec->depth;
	hdr.mutations = rec->mutations;
	hdr.header_size = sizeof(hdr);
	hdr.seq = rec->seq;
	hdr.line_id = rec->line_id;
	hdr.timestamp_ns = rec->timestamp_ns;
	hdr.pid = rec->pid;
	hdr.uid = rec->uid;
	hdr.payload_len = rec->payload_len;

	memcpy(p, &hdr, sizeof(hdr));
	if (rec->payload_len)
		memcpy(p + sizeof(hdr), rec->payload, rec->payload_len);
	/* Padding is zero, as the kernel writes it. */
	memset(p + sizeof(hdr) + rec->payload_len, 0,
	       size - sizeof(hdr) - rec->payload_len);
	return size;
}

/* A caller built against 0.1 or 0.2: what is now mutations was padding. */
EL_SYMVER(el__record_encode_v0_1, el_record_encode, EVENTLINE_0.1);
ssize_t el__record_encode_v0_1(void *buf, size_t len,
			       const struct el_record *rec)
{
	struct el_record r;

	if (!rec)
		return -EINVAL;
	r = *rec;
	r.mutations = 0;
	return el__record_encode_v0_3(buf, len, &r);
}

int el_record_overflow_lost(const struct el_record *rec, uint64_t *lost)
{
	struct eventline_overflow ovf;

	if (!rec || !lost || rec->category != EVENTLINE_CAT_META ||
	    rec->type != EVENTLINE_META_OVERFLOW || !rec->payload ||
	    rec->payload_len < sizeof(struct eventline_overflow))
		return -EINVAL;
	/* A longer payload is a newer kernel's struct; lost stays first. */
	memcpy(&ovf, rec->payload, sizeof(ovf));
	*lost = ovf.lost;
	return 0;
}

int el_record_demotion(const struct el_record *rec,
		       struct eventline_demotion *demotion)
{
	if (!rec || !demotion || rec->category != EVENTLINE_CAT_META ||
	    rec->type != EVENTLINE_META_DEMOTED || !rec->payload ||
	    rec->payload_len < sizeof(*demotion))
		return -EINVAL;
	/* A longer payload is a newer kernel's struct: its start is ours. */
	memcpy(demotion, rec->payload, sizeof(*demotion));
	return 0;
}

int el_record_choke(const struct el_record *rec, struct eventline_choke *choke)
{
	if (!rec || !choke || rec->category != EVENTLINE_CAT_META ||
	    rec->type != EVENTLINE_META_CHOKE || !rec->payload ||
	    rec->payload_len < sizeof(*choke))
		return -EINVAL;
	/* A longer payload is a newer kernel's struct: its start is ours. */
	memcpy(choke, rec->payload, sizeof(*choke));
	return 0;
}

const char *el_category_name(uint16_t category)
{
	switch (category) {
	case EVENTLINE_CAT_META:
		return "meta";
	case EVENTLINE_CAT_LINE:
		return "line";
	default:
		return "unknown";
	}
}
