// SPDX-License-Identifier: MIT
/*
 * demo: one line, one owner, three subscribers.
 *
 * Run as root with the eventline module loaded.  The owner creates the line
 * "weather" and forks three subscribers, each with its own register:
 *
 *   A  the module's default queue length
 *   B  a queue of 16 records
 *   C  a queue of 4 records, so it overflows
 *
 * The owner posts NEVENTS typed events (readings as a struct, forecasts and
 * alerts as text), then closes the line.  Every subscriber prints what it
 * reads: the events, C's overflow record with the exact count lost, the
 * line-closed record, and the end of the stream (read() returns 0).
 *
 * Subscribers only read and print when the owner hands them the turn over a
 * pipe, so the output order is the same on every run: C reads first, while
 * the line is still open (its overflow record comes once it has read the
 * four events queued before the loss), then the owner closes the line and
 * A, B and C drain their queues one after another.  Each subscriber checks
 * every record against what the owner posted; anything unexpected ends the
 * demo with a message and a non-zero exit status.
 *
 * Then the demo becomes the factory example (factory.c, installed next to
 * it): a line whose chain has priorities granted by its owner, two
 * mutating stages and a stage passed over at its deadline.  Its exit
 * status is the demo's.
 */
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

#define LINE_NAME	"weather"
#define NEVENTS		8
#define TIMEOUT_SECS	30	/* a lost wake-up fails the demo, not the VM run */

enum { EV_READING = 1, EV_FORECAST = 2, EV_ALERT = 3 };

/* Payload of EV_READING; the text events carry their bytes without a NUL. */
struct reading {
	int32_t temp_dC;	/* tenths of a degree Celsius */
	uint32_t wind_kmh;
};

static const struct event {
	uint16_t type;
	struct reading reading;
	const char *text;
} events[NEVENTS] = {
	{ EV_READING,  { 215, 12 }, NULL },
	{ EV_FORECAST, { 0, 0 },    "sunny spells" },
	{ EV_READING,  { 198, 20 }, NULL },
	{ EV_READING,  { 174, 31 }, NULL },
	{ EV_ALERT,    { 0, 0 },    "gale warning" },
	{ EV_READING,  { 160, 55 }, NULL },
	{ EV_FORECAST, { 0, 0 },    "rain from the west" },
	{ EV_ALERT,    { 0, 0 },    "gale warning lifted" },
};

struct sub {
	char name;
	uint32_t queue_len;	/* 0: the module's default */
	pid_t pid;
	int report_rd;		/* owner's end: the child says "ready"/"done" */
	int turn_wr;		/* owner's end: the owner says "your turn" */
};

static struct sub subs[] = {
	{ .name = 'A', .queue_len = 0 },
	{ .name = 'B', .queue_len = 16 },
	{ .name = 'C', .queue_len = 4 },
};
#define NSUBS (sizeof(subs) / sizeof(subs[0]))

static pid_t owner_pid;
static uint64_t line_id;

static const char *type_name(uint16_t type)
{
	switch (type) {
	case EV_READING:
		return "reading";
	case EV_FORECAST:
		return "forecast";
	case EV_ALERT:
		return "alert";
	}
	return "?";
}

static const void *event_payload(const struct event *ev, size_t *len)
{
	if (ev->text) {
		*len = strlen(ev->text);
		return ev->text;
	}
	*len = sizeof(ev->reading);
	return &ev->reading;
}

static void fail(const char *who, const char *what)
{
	fprintf(stderr, "demo: %s: %s\n", who, what);
	exit(1);
}

/* Subscriber side */

struct reader {
	struct sub *sub;
	int reg;
	uint64_t next_seq;	/* the event we expect next */
	int overflowed;
	int closed;
};

/* Check one line record against what the owner posted, and print it. */
static void handle_event(struct reader *r, const struct el_record *rec)
{
	const struct event *ev;
	const void *want;
	size_t want_len;

	if (rec->seq != r->next_seq || rec->seq > NEVENTS)
		fail("subscriber", "event out of sequence");
	ev = &events[rec->seq - 1];
	want = event_payload(ev, &want_len);
	if (rec->line_id != line_id || rec->type != ev->type ||
	    rec->pid != (uint32_t)owner_pid || rec->uid != geteuid() ||
	    rec->depth != 0 || rec->payload_len != want_len ||
	    memcmp(rec->payload, want, want_len))
		fail("subscriber", "event differs from what was posted");
	r->next_seq++;

	printf("[%c] line %llu seq %llu type %u %-8s pid %u uid %u: ",
	       r->sub->name, (unsigned long long)rec->line_id,
	       (unsigned long long)rec->seq, rec->type, type_name(rec->type),
	       rec->pid, rec->uid);
	if (ev->text) {
		printf("\"%.*s\"\n", (int)rec->payload_len,
		       (const char *)rec->payload);
	} else {
		struct reading rd;

		memcpy(&rd, rec->payload, sizeof(rd));
		printf("%.1f C, wind %u km/h\n", rd.temp_dC / 10.0,
		       rd.wind_kmh);
	}
}

static void handle_meta(struct reader *r, const struct el_record *rec)
{
	uint32_t queue_len = r->sub->queue_len;
	uint64_t lost;

	if (el_record_overflow_lost(rec, &lost) == 0) {
		/* The queue kept the first queue_len events and lost the rest. */
		if (r->overflowed || !queue_len || r->next_seq != queue_len + 1 ||
		    lost != NEVENTS - queue_len)
			fail("subscriber", "unexpected overflow record");
		r->overflowed = 1;
		r->next_seq += lost;
		printf("[%c] overflow: %llu events lost\n", r->sub->name,
		       (unsigned long long)lost);
	} else if (rec->type == EVENTLINE_META_LINE_CLOSED) {
		if (r->closed || rec->line_id != line_id ||
		    r->next_seq != NEVENTS + 1)
			fail("subscriber", "unexpected line-closed record");
		r->closed = 1;
		printf("[%c] line %llu closed\n", r->sub->name,
		       (unsigned long long)rec->line_id);
	} else {
		fail("subscriber", "unknown meta record");
	}
}

/*
 * Read and print records until @stop_after_overflow is satisfied by an
 * overflow record, or else until the end of the stream.
 */
static void drain(struct reader *r, int stop_after_overflow)
{
	unsigned char buf[4096];
	struct el_record_iter it;
	struct el_record rec;
	ssize_t n;
	int ret;

	for (;;) {
		n = el_read(r->reg, buf, sizeof(buf));
		if (n == 0) {
			if (!r->closed)
				fail("subscriber", "end of stream before line closed");
			printf("[%c] end of stream\n", r->sub->name);
			return;
		}
		if (n < 0)
			die_err("demo: subscriber", "read", n);

		el_record_iter_init(&it, buf, n);
		while ((ret = el_record_next(&it, &rec)) == 1) {
			if (rec.category == EVENTLINE_CAT_LINE)
				handle_event(r, &rec);
			else if (rec.category == EVENTLINE_CAT_META)
				handle_meta(r, &rec);
			else
				fail("subscriber", "unknown record category");
		}
		if (ret)
			die_err("demo: subscriber", "decode", ret);
		if (stop_after_overflow && r->overflowed)
			return;
	}
}

static void wait_turn(int turn_rd)
{
	char c;

	if (read(turn_rd, &c, 1) != 1)
		fail("subscriber", "owner went away");
}

static void report(int report_wr)
{
	if (write(report_wr, "x", 1) != 1)
		fail("subscriber", "cannot report to owner");
}

static void subscriber(struct el_ctx *ctx, struct sub *sub, int report_wr,
		       int turn_rd)
{
	struct el_register_opts opts = {
		.sz = sizeof(opts),
		.queue_len = sub->queue_len,
		.fd_flags = EVENTLINE_FD_CLOEXEC,
	};
	struct reader r = { .sub = sub, .next_seq = 1 };
	uint64_t id;
	int err;

	alarm(TIMEOUT_SECS);
	r.reg = el_register_create(ctx, &opts);
	if (r.reg < 0)
		die_err("demo: subscriber", "create register", r.reg);
	err = el_subscribe(r.reg, LINE_NAME, 0, &id);
	if (err)
		die_err("demo: subscriber", "subscribe", err);
	if (id != line_id)
		fail("subscriber", "subscribed to the wrong line");
	el_ctx_close(ctx);
	report(report_wr);

	/* The small queue is read once while the line is still open. */
	if (sub->queue_len && sub->queue_len < NEVENTS) {
		wait_turn(turn_rd);
		drain(&r, 1);
		report(report_wr);
	}
	wait_turn(turn_rd);
	drain(&r, 0);
	exit(0);
}

/* Owner side */

static void stop_subscribers(void)
{
	unsigned int i;

	for (i = 0; i < NSUBS; i++)
		if (subs[i].pid > 0)
			kill(subs[i].pid, SIGKILL);
}

static void owner_fail(const char *what, int err)
{
	stop_subscribers();
	if (err)
		die_err("demo: owner", what, err);
	fail("owner", what);
}

static void spawn(struct el_ctx *ctx, int line_fd, struct sub *sub)
{
	int report[2], turn[2];
	unsigned int i;

	if (pipe(report) || pipe(turn))
		owner_fail("pipe", -errno);
	fflush(stdout);	/* or the child would print our buffer again */
	sub->pid = fork();
	if (sub->pid < 0)
		owner_fail("fork", -errno);
	if (sub->pid == 0) {
		/* The owner fd must stay with the owner, or closing it would
		 * not close the line. */
		close(line_fd);
		for (i = 0; &subs[i] != sub; i++) {
			close(subs[i].report_rd);
			close(subs[i].turn_wr);
		}
		close(report[0]);
		close(turn[1]);
		subscriber(ctx, sub, report[1], turn[0]);
	}
	close(report[1]);
	close(turn[0]);
	sub->report_rd = report[0];
	sub->turn_wr = turn[1];
}

/* Hand @sub the turn and wait until it reports back or exits. */
static void give_turn(struct sub *sub, int wait_exit)
{
	int status;
	char c;

	if (write(sub->turn_wr, "x", 1) != 1)
		owner_fail("cannot reach subscriber", 0);
	if (!wait_exit) {
		if (read(sub->report_rd, &c, 1) != 1)
			owner_fail("subscriber died", 0);
		return;
	}
	if (waitpid(sub->pid, &status, 0) < 0)
		owner_fail("waitpid", -errno);
	sub->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		owner_fail("subscriber failed", 0);
}

/* Replace this program with "factory" from the same directory. */
static int run_factory(void)
{
	char path[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof("factory"));
	if (n < 0)
		die_err("demo", "find our own directory", -errno);
	path[n] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		fail("owner", "no directory in /proc/self/exe");
	strcpy(slash + 1, "factory");
	printf("\ndemo: part two, the factory line (%s)\n", path);
	fflush(stdout);
	execl(path, "factory", (char *)NULL);
	die_err("demo", "run the factory", -errno);
	return 1;
}

int main(void)
{
	struct el_line_opts line_opts = {
		.sz = sizeof(line_opts),
		.mode = 0644,
		.fd_flags = EVENTLINE_FD_CLOEXEC,
	};
	struct eventline_info info;
	struct el_ctx *ctx;
	unsigned int i;
	int line_fd, err;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A peer that died shows up as EPIPE on its pipe, not as our death. */
	signal(SIGPIPE, SIG_IGN);
	alarm(TIMEOUT_SECS);
	owner_pid = getpid();

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("demo", "open /dev/eventline", err);
	err = el_info(ctx, &info);
	if (err)
		die_err("demo", "get info", err);
	printf("eventline API %u, libeventline %s, default queue %u, max payload %u\n",
	       info.api_version, el_version(), info.default_queue_len,
	       info.max_payload);
	if (info.default_queue_len <= NEVENTS)
		fail("owner", "default queue too short for this demo");

	line_fd = el_line_create(ctx, LINE_NAME, &line_opts, &line_id);
	if (line_fd < 0)
		die_err("demo", "create line", line_fd);
	printf("owner: created line \"%s\" id %llu, pid %d\n", LINE_NAME,
	       (unsigned long long)line_id, (int)owner_pid);

	for (i = 0; i < NSUBS; i++)
		spawn(ctx, line_fd, &subs[i]);
	for (i = 0; i < NSUBS; i++) {
		if (read(subs[i].report_rd, &c, 1) != 1)
			owner_fail("subscriber died before subscribing", 0);
		printf("owner: subscriber %c ready (queue %u)\n", subs[i].name,
		       subs[i].queue_len ? subs[i].queue_len :
					   info.default_queue_len);
	}
	el_ctx_close(ctx);

	for (i = 0; i < NEVENTS; i++) {
		const void *payload;
		uint64_t seq;
		size_t len;

		payload = event_payload(&events[i], &len);
		err = el_post(line_fd, events[i].type, payload, len, &seq);
		if (err)
			owner_fail("post", err);
		if (seq != i + 1)
			owner_fail("unexpected sequence number", 0);
		printf("owner: posted seq %llu type %u (%s), %zu bytes\n",
		       (unsigned long long)seq, events[i].type,
		       type_name(events[i].type), len);
	}

	for (i = 0; i < NSUBS; i++)
		if (subs[i].queue_len && subs[i].queue_len < NEVENTS)
			give_turn(&subs[i], 0);

	close(line_fd);
	printf("owner: closed line %llu\n", (unsigned long long)line_id);

	for (i = 0; i < NSUBS; i++)
		give_turn(&subs[i], 1);
	printf("demo: all subscribers saw what was posted\n");
	return run_factory();
}
