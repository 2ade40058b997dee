// SPDX-License-Identifier: MIT
/*
 * elcat NAME|ID
 *
 * Subscribe a new register to one line and print every record it receives,
 * one line of text each, until the line closes.  Records are read in place
 * through the register's shared mapping (el_ring_map(3)).
 */
#include <poll.h>
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
	struct el_record rec;
	struct el_ring *ring;
	struct el_ctx *ctx;
	const char *name;
	uint64_t id;
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
	reg = el_register_create(ctx, NULL);
	if (reg < 0)
		die_err("elcat", "create register", reg);
	err = el_subscribe(reg, name, id, &id);
	if (err)
		die_err("elcat", "subscribe", err);
	el_ctx_close(ctx);
	fprintf(stderr, "elcat: subscribed to line %llu\n",
		(unsigned long long)id);

	err = el_ring_map(reg, &ring);
	if (err)
		die_err("elcat", "map register", err);

	for (;;) {
		/* Released one by one: a slow terminal holds back no room. */
		while ((err = el_ring_next(ring, &rec)) == 1) {
			print_record(&rec);
			el_ring_consume(ring);
		}
		if (err)
			die_err("elcat", "decode", err);
		err = el_ring_wait(ring, -1);
		if (err == -EINTR)
			continue;
		if (err < 0)
			die_err("elcat", "poll", err);
		if (!(err & POLLIN))
			break;	/* every line we were subscribed to closed */
	}
	el_ring_unmap(ring);
	close(reg);
	return 0;
}
