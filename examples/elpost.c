// SPDX-License-Identifier: MIT
/*
 * elpost NAME|ID TYPE [PAYLOAD]
 *
 * Open an existing line for posting (needs write permission in the line's
 * mode) and post one event of TYPE carrying the bytes of PAYLOAD (without a
 * trailing NUL).  Prints the line id and the sequence number the kernel gave
 * the event.
 */
#include "common.h"

int main(int argc, char **argv)
{
	const char *name, *payload = argc > 3 ? argv[3] : NULL;
	unsigned long type;
	struct el_ctx *ctx;
	uint64_t id, seq;
	char *end;
	int fd, err;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: elpost NAME|ID TYPE [PAYLOAD]\n");
		return 2;
	}
	if (parse_line_arg(argv[1], &name, &id)) {
		fprintf(stderr, "elpost: bad line id '%s'\n", argv[1]);
		return 2;
	}
	errno = 0;
	type = strtoul(argv[2], &end, 0);
	if (errno || *end || end == argv[2] || type > EVENTLINE_TYPE_MAX) {
		fprintf(stderr, "elpost: TYPE must be 0..%d\n", EVENTLINE_TYPE_MAX);
		return 2;
	}

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("elpost", "open /dev/eventline", err);
	fd = el_line_open(ctx, name, id, EVENTLINE_FD_CLOEXEC, &id);
	if (fd < 0)
		die_err("elpost", "open line", fd);
	err = el_post(fd, type, payload, payload ? strlen(payload) : 0, &seq);
	if (err)
		die_err("elpost", "post", err);
	printf("line %llu seq %llu\n", (unsigned long long)id,
	       (unsigned long long)seq);
	el_ctx_close(ctx);
	return 0;
}
