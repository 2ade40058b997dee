// SPDX-License-Identifier: MIT
/*
 * elcat [-u UID | -k] [-p PRIORITY] NAME|ID
 *
 * Subscribe a new register to one line and print every record it receives,
 * one line of text each, until the line closes (or its owner evicts us).
 * Records are read in place through the register's shared mapping
 * (el_ring_map(3)).  -u refuses a line not owned by UID, -k one not created
 * by kernel code, so that a line someone else made under the expected name
 * is not trusted.  -p asks for a place in the line's chain (see "The
 * chain" in <linux/eventline.h>) and says what was granted; a later
 * demotion is printed as it arrives, and so is a CHOKE record when elcat
 * cannot keep up.  Events that stages before elcat replaced are marked
 * "mutated" with the number of stages; if the owner makes elcat itself a
 * stage, it marks the events it is given "stage" and forwards them
 * unchanged, so that it never holds the line up.
 */
#include <getopt.h>
#include <stdbool.h>
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

static const char *demote_reason(uint32_t reason)
{
	switch (reason) {
	case EVENTLINE_DEMOTE_OVERFLOW:
		return "it overflowed repeatedly";
	case EVENTLINE_DEMOTE_REVOKED:
		return "the owner lowered its grant";
	case EVENTLINE_DEMOTE_TIMEOUT:
		return "as a stage it missed its deadlines";
	default:
		return "unknown reason";
	}
}

static void print_record(const struct el_record *rec)
{
	struct eventline_demotion dem;
	struct eventline_choke choke;
	uint64_t lost;

	printf("%llu.%09llu %s type %u line %llu seq %llu depth %u pid %u uid %u",
	       (unsigned long long)(rec->timestamp_ns / 1000000000),
	       (unsigned long long)(rec->timestamp_ns % 1000000000),
	       el_category_name(rec->category), rec->type,
	       (unsigned long long)rec->line_id, (unsigned long long)rec->seq,
	       rec->depth, rec->pid, rec->uid);
	if (rec->flags & EVENTLINE_RECORD_RETAINED)
		printf(" retained");
	if (rec->flags & EVENTLINE_RECORD_STAGE)
		printf(" stage");
	if (rec->flags & EVENTLINE_RECORD_MUTATED)
		printf(" mutated x%u", rec->mutations);
	if (el_record_overflow_lost(rec, &lost) == 0)
		printf(" overflow: %llu lost", (unsigned long long)lost);
	else if (el_record_demotion(rec, &dem) == 0)
		printf(" demoted: priority %d -> %d, %s", dem.old_priority,
		       dem.new_priority, demote_reason(dem.reason));
	else if (el_record_choke(rec, &choke) == 0)
		printf(" choke: %u of %u queued, %u events/s in, %u/s read",
		       choke.queued, choke.queue_len, choke.arrival_rate,
		       choke.drain_rate);
	else if (rec->category == EVENTLINE_CAT_META &&
		 rec->type == EVENTLINE_META_LINE_CLOSED)
		printf(" line closed");
	else if (rec->category == EVENTLINE_CAT_META &&
		 rec->type == EVENTLINE_META_EVICTED)
		printf(" evicted by the line's owner");
	else
		print_payload(rec->payload, rec->payload_len);
	putchar('\n');
}

static int usage(void)
{
	fprintf(stderr, "usage: elcat [-u UID | -k] [-p PRIORITY] NAME|ID\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct el_subscribe_opts so = { .sz = sizeof(so) };
	struct eventline_line_info li;
	struct el_record rec;
	struct el_ring *ring;
	struct el_ctx *ctx;
	const char *name;
	int32_t granted;
	char *end;
	uint64_t id;
	long prio;
	bool capped;
	int reg, err, opt;

	while ((opt = getopt(argc, argv, "u:kp:")) != -1) {
		switch (opt) {
		case 'u':
			errno = 0;
			so.owner_uid = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end)
				return usage();
			so.flags |= EVENTLINE_REF_OWNER_UID;
			break;
		case 'k':
			so.flags |= EVENTLINE_REF_KERNEL_OWNED;
			break;
		case 'p':
			/* The range is the kernel's to judge (-EINVAL). */
			errno = 0;
			prio = strtol(optarg, &end, 10);
			if (errno || !*optarg || *end || prio < INT32_MIN ||
			    prio > INT32_MAX)
				return usage();
			so.priority = prio;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 1)
		return usage();
	if (parse_line_arg(argv[optind], &name, &id)) {
		fprintf(stderr, "elcat: bad line id '%s'\n", argv[optind]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("elcat", "open /dev/eventline", err);
	reg = el_register_create(ctx, NULL);
	if (reg < 0)
		die_err("elcat", "create register", reg);
	so.granted = &granted;
	err = el_subscribe_opts(reg, name, id, &so, &id);
	if (err == -EACCES && so.flags)
		fprintf(stderr, "elcat: the line is not owned as asked, or not readable\n");
	if (err < 0)
		die_err("elcat", "subscribe", err);
	capped = err == EVENTLINE_PRIORITY_CAPPED;
	el_ctx_close(ctx);
	err = el_line_info(reg, id, &li);
	if (err)
		die_err("elcat", "line info", err);
	fprintf(stderr, "elcat: subscribed to line %llu (owner uid %u%s, mode %03o)\n",
		(unsigned long long)id, li.owner_uid,
		li.line_flags & EVENTLINE_LINE_KERNEL_OWNED ? ", kernel" : "",
		li.mode);
	fprintf(stderr, "elcat: priority %d%s (asked %d, line's ceiling %d)\n",
		granted, capped ? ", capped" : "",
		so.priority, li.priority_ceiling);

	err = el_ring_map(reg, &ring);
	if (err)
		die_err("elcat", "map register", err);

	for (;;) {
		/* Released one by one: a slow terminal holds back no room. */
		while ((err = el_ring_next(ring, &rec)) == 1) {
			print_record(&rec);
			/*
			 * A stage answers in order; forwarding as soon as
			 * it is printed keeps the registers after us fed.
			 * -ETIMEDOUT: it has gone on already, as it was.
			 */
			if (rec.category == EVENTLINE_CAT_LINE &&
			    (rec.flags & EVENTLINE_RECORD_STAGE)) {
				err = el_mutate(reg, rec.line_id, rec.seq,
						EVENTLINE_MUTATE_FORWARD, 0,
						NULL, 0);
				if (err && err != -ETIMEDOUT && err != -ENOENT)
					die_err("elcat", "forward", err);
			}
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
			break;	/* the line closed, or its owner evicted us */
	}
	el_ring_unmap(ring);
	close(reg);
	return 0;
}
