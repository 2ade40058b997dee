// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A program as an older release linked it: built against the shared
 * library but bound to the el_info of version node EL_PROBE_NODE, it checks
 * that el_info writes exactly EL_PROBE_SIZE bytes of the caller's struct.
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
	return 0;
}
