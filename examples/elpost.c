// SPDX-License-Identifier: MIT
/*
 * elpost NAME|ID TYPE [PAYLOAD]
 * elpost -b NAME|ID < events
 *
 * Open an existing line for posting (needs write permission in the line's
 * mode) and post one event of TYPE carrying the bytes of PAYLOAD (without a
 * trailing NUL).  Prints the line id and the sequence number the kernel gave
 * the event.
 *
 * With -b, read events from stdin, one "TYPE [PAYLOAD]" per line as elline
 * takes them, and post them all with one el_post_batch() call: either every
 * event is posted, with consecutive sequence numbers, or none is.  Prints
 * the line id and the range of sequence numbers.
 */
#include <unistd.h>

#include "common.h"

static int parse_type(const char *arg, unsigned long *type)
{
	char *end;

	errno = 0;
	*type = strtoul(arg, &end, 0);
	if (errno || *end || end == arg || *type > EVENTLINE_TYPE_MAX)
		return -EINVAL;
	return 0;
}

/*
 * Read stdin into batch entries; the payloads point into the lines, which
 * stay allocated until the program exits.  Any bad line refuses the whole
 * batch, as the kernel would refuse a bad entry.
 */
static size_t read_batch(struct el_post_entry **entriesp)
{
	struct el_post_entry *entries = NULL;
	size_t count = 0, cap = 0, lineno = 0, bufsz;
	char *line, *payload;
	unsigned long type;
	ssize_t len;

	for (;;) {
		line = NULL;
		bufsz = 0;
		len = getline(&line, &bufsz, stdin);
		if (len < 0) {
			free(line);
			break;
		}
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len) {
			free(line);
			continue;
		}
		/* "TYPE PAYLOAD": cut at the first space. */
		payload = strchr(line, ' ');
		if (payload)
			*payload++ = '\0';
		if (parse_type(line, &type)) {
			fprintf(stderr, "elpost: line %zu: bad TYPE '%s' (want: TYPE [PAYLOAD])\n",
				lineno, line);
			exit(2);
		}
		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			entries = realloc(entries, cap * sizeof(*entries));
			if (!entries)
				die_err("elpost", "read events", -ENOMEM);
		}
		entries[count++] = (struct el_post_entry) {
			.type = type,
			.payload = payload,
			.len = payload ? strlen(payload) : 0,
		};
	}
	if (ferror(stdin))
		die_err("elpost", "read events", -EIO);
	*entriesp = entries;
	return count;
}

static void usage(void)
{
	fprintf(stderr, "usage: elpost NAME|ID TYPE [PAYLOAD]\n"
			"       elpost -b NAME|ID < events    "
			"(\"TYPE [PAYLOAD]\" lines, posted as one batch)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct el_post_entry *entries = NULL;
	struct eventline_info info;
	const char *name, *payload;
	size_t count = 0;
	unsigned long type = 0;
	int opt, fd, err, batch = 0;
	struct el_ctx *ctx;
	uint64_t id, seq;

	/* "+": options end at NAME, so a PAYLOAD may start with '-'. */
	while ((opt = getopt(argc, argv, "+b")) != -1) {
		if (opt != 'b')
			usage();
		batch = 1;
	}
	argc -= optind;
	argv += optind;
	if (batch ? argc != 1 : argc < 2 || argc > 3)
		usage();
	if (parse_line_arg(argv[0], &name, &id)) {
		fprintf(stderr, "elpost: bad line id '%s'\n", argv[0]);
		return 2;
	}
	if (!batch && parse_type(argv[1], &type)) {
		fprintf(stderr, "elpost: TYPE must be 0..%d\n", EVENTLINE_TYPE_MAX);
		return 2;
	}
	payload = !batch && argc > 2 ? argv[2] : NULL;

	if (batch) {
		count = read_batch(&entries);
		if (!count) {
			fprintf(stderr, "elpost: no events on stdin\n");
			return 2;
		}
	}

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("elpost", "open /dev/eventline", err);
	if (batch) {
		/* Say why rather than pass on the module's bare EINVAL. */
		err = el_info(ctx, &info);
		if (err)
			die_err("elpost", "module info", err);
		if (!info.max_post_batch) {
			fprintf(stderr, "elpost: the module predates batched posts\n");
			return 1;
		}
		if (count > info.max_post_batch) {
			fprintf(stderr, "elpost: %zu events; the module posts at most %u in one batch\n",
				count, info.max_post_batch);
			return 1;
		}
	}
	fd = el_line_open(ctx, name, id, EVENTLINE_FD_CLOEXEC, &id);
	if (fd < 0)
		die_err("elpost", "open line", fd);
	if (batch) {
		err = el_post_batch(fd, entries, count, &seq);
		if (err < 0)
			die_err("elpost", "post batch", err);
		printf("line %llu seq %llu..%llu\n", (unsigned long long)id,
		       (unsigned long long)seq,
		       (unsigned long long)(seq + count - 1));
	} else {
		err = el_post(fd, type, payload, payload ? strlen(payload) : 0,
			      &seq);
		if (err)
			die_err("elpost", "post", err);
		printf("line %llu seq %llu\n", (unsigned long long)id,
		       (unsigned long long)seq);
	}
	el_ctx_close(ctx);
	return 0;
}
