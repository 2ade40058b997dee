// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A program as an older release linked it: built against the shared
 * library but bound to the el_info of version node EL_PROBE_NODE, it checks
 * that el_info writes exactly EL_PROBE_SIZE bytes of the caller's struct;
 * bound to el_record_encode of EL_PROBE_ENCODE_NODE, that the encoder
 * writes EL_PROBE_MUTATIONS as the header's mutations.
 * A program linked against 0.1 has the 80-byte struct, and a library that
 * wrote more would overrun it.  /dev/null stands in for the device: the
 * library zeroes the struct and sets its size before the ioctl fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "eventline.h"

#define EL_STR(x)	#x
#define EL_XSTR(x)	EL_STR(x)

__asm__(".symver el_info,el_info@" EL_XSTR(EL_PROBE_NODE));
/*
 * el_record_encode as the same program binds it: 0.1 and 0.2 knew only
 * the 0.1 one, which must leave mutations (padding then) out of the header.
 */
__asm__(".symver el_record_encode,el_record_encode@" EL_XSTR(EL_PROBE_ENCODE_NODE));

static int probe_encode(void)
{
	struct el_record rec;
	struct eventline_record hdr;
	unsigned char buf[sizeof(hdr)];
	ssize_t n;

	/* What was padding before 0.3, as an older program may leave it. */
	memset(&rec, 0xa5, sizeof(rec));
	rec.category = EVENTLINE_CAT_LINE;
	rec.payload = NULL;
	rec.payload_len = 0;
	n = el_record_encode(buf, sizeof(buf), &rec);
	memcpy(&hdr, buf, sizeof(hdr));
	if (n != sizeof(hdr) || hdr.mutations != EL_PROBE_MUTATIONS ||
	    hdr.__reserved1) {
		fprintf(stderr, "abicheck: el_record_encode@%s returned %zd, "
			"mutations %#x; want %zu, %#x\n",
			EL_XSTR(EL_PROBE_ENCODE_NODE), n, hdr.mutations,
			sizeof(hdr), EL_PROBE_MUTATIONS);
		return 1;
	}
	printf("abicheck: el_record_encode@%s writes mutations %#x\n",
	       EL_XSTR(EL_PROBE_ENCODE_NODE), hdr.mutations);
	return 0;
}

int main(void)
{
	struct el_open_opts o = { .sz = sizeof(o), .path = "/dev/null" };
	unsigned char buf[sizeof(struct eventline_info) + 64];
	struct eventline_info *info = (void *)buf;
	struct el_ctx *ctx;
	size_t n;
	int err;

	err = el_ctx_open(&ctx, &o);
	if (err) {
		fprintf(stderr, "abicheck: open /dev/null: %s\n", strerror(-err));
		return 1;
	}
	memset(buf, 0xa5, sizeof(buf));
	err = el_info(ctx, info);
	el_ctx_close(ctx);
	for (n = sizeof(buf); n && buf[n - 1] == 0xa5; n--)
		;
	if (err != -ENOTTY || n != EL_PROBE_SIZE || info->size != EL_PROBE_SIZE) {
		fprintf(stderr, "abicheck: el_info@%s returned %d, wrote %zu bytes, "
			"size %u; want -ENOTTY, %d, %d\n", EL_XSTR(EL_PROBE_NODE),
			err, n, info->size, EL_PROBE_SIZE, EL_PROBE_SIZE);
		return 1;
	}
	printf("abicheck: el_info@%s fills %zu bytes\n", EL_XSTR(EL_PROBE_NODE), n);
	return probe_encode();
}
