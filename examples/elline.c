// SPDX-License-Identifier: MIT
/*
 * elline NAME [MODE]
 *
 * Own a line from the shell: create the line NAME (mode in octal, default
 * 0644), then post one event per line read from stdin, "TYPE [PAYLOAD]",
 * printing the sequence number of each.  The line lives until stdin ends;
 * then the owner fd closes and every subscriber gets its LINE_CLOSED record.
 */
#include <unistd.h>

#include "common.h"

int main(int argc, char **argv)
{
	struct el_line_opts opts = { .sz = sizeof(opts),
				     .mode = EL_LINE_DEFAULT_MODE,
				     .fd_flags = EL_DEFAULT_FD_FLAGS };
	char text[4096 + 16];
	struct el_ctx *ctx;
	uint64_t id;
	char *end;
	int fd, err;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: elline NAME [MODE] < events\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		opts.mode = strtoul(argv[2], &end, 8);
		if (errno || *end || end == argv[2]) {
			fprintf(stderr, "elline: bad mode '%s'\n", argv[2]);
			return 2;
		}
	}

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("elline", "open /dev/eventline", err);
	fd = el_line_create(ctx, argv[1], &opts, &id);
	if (fd < 0)
		die_err("elline", argv[1], fd);
	printf("line %llu \"%s\" mode %04o\n", (unsigned long long)id, argv[1],
	       opts.mode);
	fflush(stdout);

	while (fgets(text, sizeof(text), stdin)) {
		size_t len = strcspn(text, "\n");
		const char *payload;
		unsigned long type;
		uint64_t seq;

		text[len] = '\0';
		if (!len)
			continue;
		errno = 0;
		type = strtoul(text, &end, 0);
		if (errno || end == text || (*end && *end != ' ') ||
		    type > EVENTLINE_TYPE_MAX) {
			fprintf(stderr, "elline: bad event '%s' (want: TYPE [PAYLOAD])\n",
				text);
			continue;
		}
		payload = *end ? end + 1 : "";
		err = el_post(fd, type, payload, strlen(payload), &seq);
		if (err) {
			fprintf(stderr, "elline: post: %s\n", strerror(-err));
			continue;
		}
		printf("posted seq %llu type %lu\n", (unsigned long long)seq, type);
		fflush(stdout);
	}

	close(fd);
	el_ctx_close(ctx);
	return 0;
}
