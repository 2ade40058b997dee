// SPDX-License-Identifier: MIT
/*
 * elcat NAME|ID
 *
 * Subscribe a new register to one line and print every record it receives,
 * one line of text each, until the line closes (read() returns 0).
 */
#include <unistd.h>

#include "common.h"

/* Text payloads are shown quoted, anything else as hex (first 64 bytes). */
static void print_payload(const unsigned char *p, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len && isprint(p[i]); i++)
		;
	if (i == len) {
		printf(" \"%.*s\"", (int)len, (const char *)p);
		return;
	}
	putchar(' ');
	for (i = 0; i < len && i < 64; i++)
		printf("%02x", p[i]);
	if (len > 64)
		printf("...");
}

static void print_record(const struct el_record *rec)
{
	uint64_t lost;

	printf("%llu.%09llu %s type %u line %llu seq %llu depth %u pid %u uid %u",
	       (unsigned long long)(rec->timestamp_ns / 1000000000),
	       (unsigned long long)(rec->timestamp_ns % 1000000000),
	       el_category_name(rec->category), rec->type,
	       (unsigned long long)rec->line_id, (unsigned long long)rec->seq,
	       rec->depth, rec->pid, rec->uid);
	if (el_record_overflow_lost(rec, &lost) == 0)
		printf(" overflow: %llu lost", (unsigned long long)lost);
	else if (rec->category == EVENTLINE_CAT_META &&
		 rec->type == EVENTLINE_META_LINE_CLOSED)
		printf(" line closed");
	else
		print_payload(rec->payload, rec->payload_len);
	putchar('\n');
}

int main(int argc, char **argv)
{
	struct eventline_info info;
	struct el_record_iter it;
	struct el_record rec;
	struct el_ctx *ctx;
	const char *name;
	size_t buf_len;
	uint64_t id;
	void *buf;
	int reg, err;

	if (argc != 2) {
		fprintf(stderr, "usage: elcat NAME|ID\n");
		return 2;
	}
	if (parse_line_arg(argv[1], &name, &id)) {
		fprintf(stderr, "elcat: bad line id '%s'\n", argv[1]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("elcat", "open /dev/eventline", err);
	err = el_info(ctx, &info);
	if (err)
		die_err("elcat", "get info", err);
	reg = el_register_create(ctx, NULL);
	if (reg < 0)
		die_err("elcat", "create register", reg);
	err = el_subscribe(reg, name, id, &id);
	if (err)
		die_err("elcat", "subscribe", err);
	el_ctx_close(ctx);
	fprintf(stderr, "elcat: subscribed to line %llu\n",
		(unsigned long long)id);

	/* Room for the largest record the module can produce. */
	buf_len = info.record_size + info.max_payload + 8;
	buf = malloc(buf_len);
	if (!buf)
		die_err("elcat", "malloc", -ENOMEM);

	for (;;) {
		ssize_t n = el_read(reg, buf, buf_len);

		if (n == -EINTR)
			continue;
		if (n < 0)
			die_err("elcat", "read", n);
		if (n == 0)
			break;	/* every line we were subscribed to closed */
		el_record_iter_init(&it, buf, n);
		while ((err = el_record_next(&it, &rec)) == 1)
			print_record(&rec);
		if (err)
			die_err("elcat", "decode", err);
	}
	free(buf);
	close(reg);
	return 0;
}
