// SPDX-License-Identifier: MIT
/*
 * factory: a three-stage factory line on one eventline line.
 *
 * Run as root (or any user) with the eventline module loaded.  The owner
 * creates the line "factory" and four stations subscribe to it, each with
 * its own register and thread:
 *
 *   inspector  priority 100  sees every part as it was made
 *   painter    priority  60  a stage: paints each part ("+painted")
 *   packer     priority  40  a stage: boxes each painted part ("+boxed")
 *   shipping   priority   0  sees the finished products
 *
 * The chain runs in priority order, so a part reaches the painter, then
 * the packer, then shipping, and each stage's answer is what the stations
 * after it receive (see "Mutating stages" in <linux/eventline.h>).
 *
 * Priorities: the line's ceiling is 0, so the stations that ask for more
 * when they subscribe are capped to 0; the owner lists the chain, grants
 * each its priority (and the two stages mutate permission), and they ask
 * again.  CAP_SYS_NICE would let a station take any priority without the
 * owner, so the program gives it up first.
 *
 * The deadline: the line's stage timeout is STAGE_TIMEOUT_MS.  The packer
 * deliberately leaves part STALL_PART unanswered: the kernel passes it on
 * at the deadline, so shipping receives it painted but not boxed, the
 * packer's late answer fails with ETIMEDOUT, and the chain listing counts
 * one timed-out event for it.
 *
 * Each station writes what it sees to its own log, printed once all are
 * done, so the output is the same on every run.  Every record is checked
 * against what the line should deliver there; anything else ends the
 * program with a message and exit status 1.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define LINE_NAME		"factory"
#define NPARTS			5
#define STALL_PART		3	/* the packer leaves it waiting */
#define STAGE_TIMEOUT_MS	500
#define TIMEOUT_SECS		30	/* a hang fails the run */
#define MAX_SUBS		8

enum { EV_PART = 1, EV_PAINTED = 2, EV_BOXED = 3 };

enum role { INSPECTOR, PAINTER, PACKER, SHIPPING, NSTATIONS };

#define KNOWN_FLAGS	(EVENTLINE_RECORD_RETAINED | \
			 EVENTLINE_RECORD_STAGE | EVENTLINE_RECORD_MUTATED)

struct station {
	const char *name;
	int32_t priority;	/* what it asks for, and is granted */
	bool stage;
	int reg;
	uint64_t sub_id;
	pthread_t thread;
	char log[4096];
	size_t log_len;
	const char *error;	/* set when something unexpected happened */
};

/* In chain order; they subscribe in the opposite order. */
static struct station stations[NSTATIONS] = {
	[INSPECTOR] = { .name = "inspector", .priority = 100 },
	[PAINTER] = { .name = "painter", .priority = 60, .stage = true },
	[PACKER] = { .name = "packer", .priority = 40, .stage = true },
	[SHIPPING] = { .name = "shipping", .priority = 0 },
};

static uint64_t line_id;

static void fail(const char *what)
{
	fprintf(stderr, "factory: %s\n", what);
	exit(1);
}

static const char *type_name(uint16_t type)
{
	switch (type) {
	case EV_PART:
		return "part";
	case EV_PAINTED:
		return "painted";
	case EV_BOXED:
		return "boxed";
	}
	return "?";
}

static void note(struct station *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct station *st, const char *fmt, ...)
{
	size_t room = sizeof(st->log) - st->log_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(st->log + st->log_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		st->error = "log full";
	else
		st->log_len += n;
}

/* What station @role should receive as part @seq, and what it answers. */
struct expect {
	uint16_t type;
	uint32_t flags;
	uint16_t mutations;
	char payload[64];
};

static void expected(enum role role, uint64_t seq, struct expect *e)
{
	unsigned int n = seq;

	memset(e, 0, sizeof(*e));
	switch (role) {
	case INSPECTOR:
		e->type = EV_PART;
		snprintf(e->payload, sizeof(e->payload), "part %u", n);
		break;
	case PAINTER:
		e->type = EV_PART;
		e->flags = EVENTLINE_RECORD_STAGE;
		snprintf(e->payload, sizeof(e->payload), "part %u", n);
		break;
	case PACKER:
		e->type = EV_PAINTED;
		e->flags = EVENTLINE_RECORD_STAGE | EVENTLINE_RECORD_MUTATED;
		e->mutations = 1;
		snprintf(e->payload, sizeof(e->payload), "part %u+painted", n);
		break;
	default:
		/* The part the packer stalled on: as the painter left it. */
		e->flags = EVENTLINE_RECORD_MUTATED;
		if (seq == STALL_PART) {
			e->type = EV_PAINTED;
			e->mutations = 1;
			snprintf(e->payload, sizeof(e->payload),
				 "part %u+painted", n);
		} else {
			e->type = EV_BOXED;
			e->mutations = 2;
			snprintf(e->payload, sizeof(e->payload),
				 "part %u+painted+boxed", n);
		}
	}
}

static void log_record(struct station *st, const struct el_record *rec)
{
	note(st, "%s: seq %llu %-7s \"%.*s\"", st->name,
	     (unsigned long long)rec->seq, type_name(rec->type),
	     (int)rec->payload_len, (const char *)rec->payload);
	if (rec->flags & EVENTLINE_RECORD_STAGE)
		note(st, " [stage]");
	if (rec->flags & EVENTLINE_RECORD_MUTATED)
		note(st, " [mutated x%u]", rec->mutations);
}

/* A stage's answer to part @seq: its payload with @suffix appended. */
static int answer(struct station *st, const struct el_record *rec,
		  uint16_t type, const char *suffix)
{
	char out[128];
	int len, err;

	len = snprintf(out, sizeof(out), "%.*s%s", (int)rec->payload_len,
		       (const char *)rec->payload, suffix);
	if (len < 0 || (size_t)len >= sizeof(out)) {
		st->error = "answer too long";
		return -1;
	}
	err = el_mutate(st->reg, rec->line_id, rec->seq,
			EVENTLINE_MUTATE_REPLACE, type, out, len);
	if (err) {
		note(st, "\n%s: answering seq %llu: %s\n", st->name,
		     (unsigned long long)rec->seq, strerror(-err));
		st->error = "a stage's answer was refused";
		return -1;
	}
	note(st, " -> %s \"%s\"\n", type_name(type), out);
	return 0;
}

/* One line record at station @st: check it, log it, answer it if a stage. */
static int handle(struct station *st, enum role role,
		  const struct el_record *rec, uint64_t want_seq,
		  uint64_t *stalled)
{
	struct expect e;
	int err;

	log_record(st, rec);
	expected(role, want_seq, &e);
	if (rec->seq != want_seq || rec->line_id != line_id ||
	    rec->type != e.type || (rec->flags & KNOWN_FLAGS) != e.flags ||
	    rec->mutations != e.mutations || rec->depth != 0 ||
	    rec->payload_len != strlen(e.payload) ||
	    memcmp(rec->payload, e.payload, rec->payload_len)) {
		note(st, "\n%s: expected seq %llu %s \"%s\" flags %#x "
		     "mutations %u\n", st->name, (unsigned long long)want_seq,
		     type_name(e.type), e.payload, e.flags, e.mutations);
		st->error = "a record differs from what this station should get";
		return -1;
	}

	switch (role) {
	case PAINTER:
		return answer(st, rec, EV_PAINTED, "+painted");
	case PACKER:
		if (rec->seq == STALL_PART) {
			/* Do nothing: the line's deadline must move it on. */
			note(st, " -> no answer: the packer stalls\n");
			*stalled = rec->seq;
			return 0;
		}
		if (*stalled) {
			/*
			 * This part was given only once the stalled one had
			 * gone on: its answer now comes too late.
			 */
			err = el_mutate(st->reg, line_id, *stalled,
					EVENTLINE_MUTATE_REPLACE, EV_BOXED,
					"late", 4);
			note(st, " (its late answer for seq %llu: %s)",
			     (unsigned long long)*stalled,
			     err ? strerror(-err) : "accepted");
			if (err != -ETIMEDOUT) {
				note(st, "\n");
				st->error = "the late answer was not refused with ETIMEDOUT";
				return -1;
			}
			*stalled = 0;
		}
		return answer(st, rec, EV_BOXED, "+boxed");
	case SHIPPING:
		if (rec->seq == STALL_PART)
			note(st, " <- passed over by the packer at its deadline");
		/* fall through */
	default:
		note(st, "\n");
		return 0;
	}
}

/* A station's thread: read parts until all NPARTS have come through. */
static void *station_run(void *arg)
{
	struct station *st = arg;
	enum role role = st - stations;
	unsigned char buf[16384];
	uint64_t want_seq = 1, stalled = 0;
	struct el_record_iter it;
	struct el_record rec;
	ssize_t n;
	int ret;

	while (want_seq <= NPARTS && !st->error) {
		n = el_read(st->reg, buf, sizeof(buf));
		if (n <= 0) {
			st->error = n ? "read failed" : "end of stream too early";
			break;
		}
		el_record_iter_init(&it, buf, n);
		while ((ret = el_record_next(&it, &rec)) == 1) {
			if (rec.category == EVENTLINE_CAT_META &&
			    rec.type == EVENTLINE_META_CHOKE)
				continue;	/* not with these few parts */
			if (rec.category != EVENTLINE_CAT_LINE) {
				struct eventline_demotion dem;

				note(st, "%s: meta record type %u", st->name,
				     rec.type);
				if (!el_record_demotion(&rec, &dem))
					note(st, ": demoted from %d to %d, reason %u",
					     dem.old_priority, dem.new_priority,
					     dem.reason);
				note(st, "\n");
				st->error = "unexpected meta record";
				break;
			}
			if (handle(st, role, &rec, want_seq, &stalled))
				break;
			want_seq++;
		}
		if (ret < 0)
			st->error = "undecodable record";
	}
	return NULL;
}

/*
 * CAP_SYS_NICE lets a subscriber take any priority without the owner's
 * grant; without it, the grants below are what counts.  Capabilities are
 * per thread: this one asks for every priority.
 */
static void drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	const uint32_t bit = 1U << (CAP_SYS_NICE % 32);

	if (syscall(SYS_capget, &hdr, data))
		die_err("factory", "capget", -errno);
	data[CAP_SYS_NICE / 32].effective &= ~bit;
	data[CAP_SYS_NICE / 32].permitted &= ~bit;
	data[CAP_SYS_NICE / 32].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		die_err("factory", "capset", -errno);
}

static const char *station_of(uint64_t sub_id)
{
	unsigned int i;

	for (i = 0; i < NSTATIONS; i++)
		if (stations[i].sub_id == sub_id)
			return stations[i].name;
	return "?";
}

/* List the chain on the owner fd; returns its revision. */
static uint64_t list_chain(int line_fd, struct eventline_sub_info *subs,
			   size_t *nr)
{
	uint64_t rev;
	size_t total;
	int n;

	n = el_line_subs(line_fd, 0, subs, MAX_SUBS, &total, &rev);
	if (n < 0)
		die_err("factory", "list the chain", n);
	if ((size_t)n != total || total != NSTATIONS)
		fail("the chain does not hold the four stations");
	*nr = n;
	return rev;
}

static void print_chain(int line_fd, const char *when, bool counters)
{
	struct eventline_sub_info subs[MAX_SUBS];
	uint64_t rev;
	size_t i, nr;

	rev = list_chain(line_fd, subs, &nr);
	printf("owner: the chain %s (revision %llu):\n", when,
	       (unsigned long long)rev);
	printf("    station    priority  grant  stage");
	if (counters)
		printf("  delivered  lost  forwarded  mutated  dropped  timed_out");
	printf("\n");
	for (i = 0; i < nr; i++) {
		printf("    %-9s  %8d  %5d  %-*s", station_of(subs[i].sub_id),
		       subs[i].priority,
		       subs[i].max_priority == EVENTLINE_PRIORITY_MIN ?
		       0 : subs[i].max_priority, counters ? 5 : 0,
		       subs[i].sub_flags & EVENTLINE_SUB_STAGE ? "yes" : "no");
		if (counters)
			printf("  %9llu  %4llu  %9u  %7u  %7u  %9u",
			       (unsigned long long)subs[i].delivered,
			       (unsigned long long)subs[i].lost,
			       subs[i].forwarded, subs[i].mutated,
			       subs[i].dropped, subs[i].timed_out);
		printf("\n");
	}
}

/* The chain must be the stations in order, with what was granted. */
static void check_chain(int line_fd, bool granted, bool done)
{
	struct eventline_sub_info subs[MAX_SUBS];
	size_t i, nr;

	list_chain(line_fd, subs, &nr);
	for (i = 0; i < nr; i++) {
		/* Before the grants: all at 0, in subscription order. */
		const struct station *st =
			&stations[granted ? i : NSTATIONS - 1 - i];
		const struct eventline_sub_info *s = &subs[i];
		uint32_t timed_out = 0, mutated = 0;

		if (s->sub_id != st->sub_id ||
		    s->priority != (granted ? st->priority : 0) ||
		    !!(s->sub_flags & EVENTLINE_SUB_STAGE) !=
		    (granted && st->stage) ||
		    (s->sub_flags & EVENTLINE_SUB_NICE) || s->demotions)
			fail("the chain is not as granted");
		if (!done)
			continue;
		if (i == PAINTER)
			mutated = NPARTS;
		if (i == PACKER) {
			mutated = NPARTS - 1;
			timed_out = 1;
		}
		if (s->delivered != NPARTS || s->lost || s->forwarded ||
		    s->dropped || s->mutated != mutated ||
		    s->timed_out != timed_out)
			fail("the chain's counters are not what the run did");
	}
}

/* Ask for @st's priority; @capped is what the kernel should say. */
static void ask_priority(struct station *st, bool capped, int32_t want)
{
	int32_t granted = 12345;
	int ret;

	ret = el_priority(st->reg, line_id, st->priority, 0, &granted);
	if (ret < 0)
		die_err("factory", "priority", ret);
	printf("%s: asked for priority %d, granted %d%s\n", st->name,
	       st->priority, granted, ret ? " (capped)" : "");
	if (granted != want || (ret == EVENTLINE_PRIORITY_CAPPED) != capped)
		fail("the kernel granted another priority than expected");
}

/* The subscription of @st: its own entry in the chain it can list. */
static uint64_t own_sub_id(const struct station *st)
{
	struct eventline_sub_info subs[MAX_SUBS];
	size_t total;
	int i, n;

	n = el_line_subs(st->reg, line_id, subs, MAX_SUBS, &total, NULL);
	if (n < 0)
		die_err("factory", "list the chain from a register", n);
	for (i = 0; i < n; i++)
		if (subs[i].sub_flags & EVENTLINE_SUB_MINE)
			return subs[i].sub_id;
	fail("a station cannot find itself in the chain");
	return 0;
}

static void subscribe(struct el_ctx *ctx, struct station *st)
{
	struct el_register_opts ro = {
		.sz = sizeof(ro),
		.fd_flags = EVENTLINE_FD_CLOEXEC,
	};
	int32_t granted = 12345;
	struct el_subscribe_opts so = {
		.sz = sizeof(so),
		.priority = st->priority,
		.granted = &granted,
	};
	uint64_t id;
	int ret;

	st->reg = el_register_create(ctx, &ro);
	if (st->reg < 0)
		die_err("factory", "create register", st->reg);
	ret = el_subscribe_opts(st->reg, LINE_NAME, 0, &so, &id);
	if (ret < 0)
		die_err("factory", "subscribe", ret);
	if (id != line_id)
		fail("subscribed to another line");
	st->sub_id = own_sub_id(st);
	printf("%s: subscribed asking for priority %d, granted %d%s\n",
	       st->name, st->priority, granted,
	       ret == EVENTLINE_PRIORITY_CAPPED ?
	       " (capped: above the line's ceiling)" : "");
	/* Above the ceiling of 0, nothing without a grant. */
	if (granted != 0 ||
	    (ret == EVENTLINE_PRIORITY_CAPPED) != (st->priority > 0))
		fail("the kernel granted another priority than expected");
}

static void grant(int line_fd, const struct station *st)
{
	struct eventline_sub_info subs[MAX_SUBS];
	uint64_t rev;
	size_t nr;
	int err;

	/* Act only on the chain just seen: -ESTALE if it changed since. */
	rev = list_chain(line_fd, subs, &nr);
	err = el_grant(line_fd, st->sub_id, st->priority,
		       st->stage ? EVENTLINE_GRANT_MUTATE : 0, rev);
	if (err)
		die_err("factory", "grant", err);
	printf("owner: granted %s up to priority %d%s\n", st->name,
	       st->priority, st->stage ? ", and mutate: a stage" : "");
}

/* After the line closes, each register's last record and end of stream. */
static void check_closed(const struct station *st)
{
	unsigned char buf[4096];
	struct el_record_iter it;
	struct el_record rec;
	ssize_t n;

	n = el_read(st->reg, buf, sizeof(buf));
	if (n < 0)
		die_err("factory", "read", n);
	el_record_iter_init(&it, buf, n);
	do {
		if (el_record_next(&it, &rec) != 1)
			fail("no line-closed record");
	} while (rec.category == EVENTLINE_CAT_META &&
		 rec.type == EVENTLINE_META_CHOKE);
	if (rec.category != EVENTLINE_CAT_META ||
	    rec.type != EVENTLINE_META_LINE_CLOSED || rec.line_id != line_id ||
	    el_record_next(&it, &rec) != 0)
		fail("the line-closed record is not the last record");
	if (el_read(st->reg, buf, sizeof(buf)) != 0)
		fail("no end of stream after the line closed");
}

int main(void)
{
	struct el_line_opts lo = {
		.sz = sizeof(lo),
		.mode = 0600,
		.fd_flags = EVENTLINE_FD_CLOEXEC,
	};
	struct eventline_info info;
	struct el_ctx *ctx;
	unsigned int i;
	int line_fd, err;
	bool ok = true;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(TIMEOUT_SECS);
	drop_cap_sys_nice();

	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err("factory", "open /dev/eventline", err);
	err = el_info(ctx, &info);
	if (err)
		die_err("factory", "get info", err);
	printf("factory: eventline API %u, libeventline %s, default stage timeout %u ms\n",
	       info.api_version, el_version(), info.stage_timeout_ms);

	line_fd = el_line_create(ctx, LINE_NAME, &lo, &line_id);
	if (line_fd < 0)
		die_err("factory", "create line", line_fd);
	/* Ceiling 0: priorities above it are the owner's to give. */
	err = el_line_config(line_fd, 0, STAGE_TIMEOUT_MS);
	if (err)
		die_err("factory", "configure the line", err);
	printf("owner: created line \"%s\": priority ceiling 0, stage timeout %d ms\n",
	       LINE_NAME, STAGE_TIMEOUT_MS);

	for (i = NSTATIONS; i-- > 0;)
		subscribe(ctx, &stations[i]);
	el_ctx_close(ctx);
	check_chain(line_fd, false, false);
	print_chain(line_fd, "as they subscribed", false);

	for (i = 0; i < NSTATIONS; i++)
		if (stations[i].priority > 0)
			grant(line_fd, &stations[i]);
	for (i = 0; i < NSTATIONS; i++)
		if (stations[i].priority > 0)
			ask_priority(&stations[i], false, stations[i].priority);
	check_chain(line_fd, true, false);
	print_chain(line_fd, "after the grants", false);

	for (i = 0; i < NSTATIONS; i++) {
		err = pthread_create(&stations[i].thread, NULL, station_run,
				     &stations[i]);
		if (err)
			die_err("factory", "start a station", -err);
	}
	for (i = 1; i <= NPARTS; i++) {
		char part[32];
		uint64_t seq;
		int len = snprintf(part, sizeof(part), "part %u", i);

		err = el_post(line_fd, EV_PART, part, len, &seq);
		if (err)
			die_err("factory", "post", err);
		if (seq != i)
			fail("unexpected sequence number");
		printf("owner: posted seq %llu \"%s\"\n",
		       (unsigned long long)seq, part);
	}
	for (i = 0; i < NSTATIONS; i++)
		pthread_join(stations[i].thread, NULL);

	for (i = 0; i < NSTATIONS; i++) {
		struct station *st = &stations[i];

		printf("--- %s (priority %d%s) ---\n%.*s", st->name,
		       st->priority, st->stage ? ", stage" : "",
		       (int)st->log_len, st->log);
		if (st->error) {
			fprintf(stderr, "factory: %s: %s\n", st->name,
				st->error);
			ok = false;
		}
	}
	if (!ok)
		return 1;

	check_chain(line_fd, true, true);
	print_chain(line_fd, "after the run", true);

	close(line_fd);
	for (i = 0; i < NSTATIONS; i++) {
		check_closed(&stations[i]);
		close(stations[i].reg);
	}
	printf("owner: closed the line; every station read its end\n");
	printf("factory: part %d went on at the packer's deadline, unboxed; "
	       "the others were painted and boxed\n", STALL_PART);
	return 0;
}
