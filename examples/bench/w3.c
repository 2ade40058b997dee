// SPDX-License-Identifier: MIT
/*
 * W3: latency with one event in flight.  Two processes ping-pong an 8-byte
 * event carrying the sender's CLOCK_MONOTONIC time, taken just before the
 * post; the receiver, asleep in read() until it arrives, takes the
 * difference as soon as read() returns.  Both directions count; the first
 * rounds are warm-up.
 *
 *   eventline  a line each way, a blocking register on each side
 *   pipe       a pipe each way
 *   eventfd    an eventfd each way; the time travels in shared memory
 *
 * Metrics: p50, p99, p99.9 and max of post-to-read in ns (calib's
 * clock_gettime row gives the cost of the two clock reads inside them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"

#define WARMUP	20

struct w3_shared {
	_Atomic uint32_t ready, waiting;
	uint64_t stamp[2];	/* eventfd: the time each way */
	double lat[];		/* the child's samples */
};

struct w3 {
	enum mech mech;
	uint64_t rounds;
	int line[2], reg[2], fds[2][2];
	struct w3_shared *sh;
};

/* Direction 0 is parent to child, 1 child to parent. */
static void w3_send(struct w3 *w, int dir)
{
	uint64_t t = now_ns(), one = 1;
	int err;

	switch (w->mech) {
	case MECH_EVL:
		err = el_post(w->line[dir], 1, &t, sizeof(t), NULL);
		if (err)
			fatal_err("post", err);
		break;
	case MECH_PIPE:
		if (write(w->fds[dir][1], &t, sizeof(t)) != sizeof(t))
			fatal_err("pipe write", -errno);
		break;
	default:
		w->sh->stamp[dir] = t;
		if (write(w->fds[dir][0], &one, sizeof(one)) != sizeof(one))
			fatal_err("eventfd write", -errno);
		break;
	}
}

/*
 * Each side posts its next message because it read the last one: to the
 * kernel that is a handler re-posting, one level deeper each time, and
 * ping-pong would end in ELOOP at max_depth (see "Nesting" in the uapi
 * header).  The ping is a new message, not a reply: draining the register
 * (a read that finds it empty, without sleeping) ends the handling, as an
 * edge-triggered reader's last read does.  Not part of the latency.
 */
static void w3_handled(int reg)
{
	uint64_t buf[16];
	struct iovec iov = { buf, sizeof(buf) };

	if (preadv2(reg, &iov, 1, -1, RWF_NOWAIT) != -1 || errno != EAGAIN)
		fatal("W3: register not drained");
}

/* Returns post-to-read latency in ns. */
static double w3_recv(struct w3 *w, int dir)
{
	uint64_t buf[16], t;
	ssize_t r;

	switch (w->mech) {
	case MECH_EVL: {
		const struct eventline_record *rec = (const void *)buf;

		r = read(w->reg[dir], buf, sizeof(buf));
		t = now_ns();
		if (r < (ssize_t)sizeof(*rec) || rec->category != EVENTLINE_CAT_LINE ||
		    rec->payload_len != sizeof(t))
			fatal("W3: unexpected read of %zd bytes", r);
		memcpy(buf, (const char *)buf + rec->header_size, sizeof(t));
		w3_handled(w->reg[dir]);
		break;
	}
	case MECH_PIPE:
		r = read(w->fds[dir][0], buf, sizeof(uint64_t));
		t = now_ns();
		if (r != sizeof(uint64_t))
			fatal_err("pipe read", r < 0 ? -errno : -EIO);
		break;
	default:
		r = read(w->fds[dir][0], buf, sizeof(uint64_t));
		t = now_ns();
		if (r != sizeof(uint64_t))
			fatal_err("eventfd read", r < 0 ? -errno : -EIO);
		buf[0] = w->sh->stamp[dir];
		break;
	}
	return (double)(t - buf[0]);
}

static void w3_child(void *arg)
{
	struct w3 *w = arg;
	uint64_t i;

	count_and_wake(&w->sh->ready, &w->sh->waiting, 1);
	for (i = 0; i < w->rounds + WARMUP; i++) {
		double lat = w3_recv(w, 0);

		if (i >= WARMUP)
			w->sh->lat[i - WARMUP] = lat;
		w3_send(w, 1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void w3_run(const struct row *r, struct sample *s)
{
	struct w3 w = { .mech = r->mech_id, .rounds = r->count };
	size_t shsize = sizeof(*w.sh) + 2 * w.rounds * sizeof(double);
	double *lat;
	uint64_t i, id;
	pid_t pid;
	int d;

	w.sh = shm_alloc(shsize);
	lat = w.sh->lat + w.rounds;
	for (d = 0; d < 2; d++) {
		switch (w.mech) {
		case MECH_EVL:
			w.line[d] = evl_line(&id);
			w.reg[d] = evl_register(0, 0, 0);
			evl_subscribe(w.reg[d], id);
			break;
		case MECH_PIPE:
			if (pipe(w.fds[d]))
				fatal_err("pipe", -errno);
			break;
		default:
			w.fds[d][0] = w.fds[d][1] = eventfd(0, EFD_CLOEXEC);
			if (w.fds[d][0] < 0)
				fatal_err("eventfd", -errno);
			break;
		}
	}
	pid = spawn(w3_child, &w);
	wait_at_least(&w.sh->ready, &w.sh->waiting, 1);
	for (i = 0; i < w.rounds + WARMUP; i++) {
		double l;

		w3_send(&w, 0);
		l = w3_recv(&w, 1);
		if (i >= WARMUP)
			lat[i - WARMUP] = l;
	}
	reap(pid, "W3 partner");

	lat = w.sh->lat;
	qsort(lat, 2 * w.rounds, sizeof(*lat), cmp_double);
	put(s, "p50_ns", percentile(lat, 2 * w.rounds, 50));
	put(s, "p99_ns", percentile(lat, 2 * w.rounds, 99));
	put(s, "p99.9_ns", percentile(lat, 2 * w.rounds, 99.9));
	put(s, "max_ns", lat[2 * w.rounds - 1]);

	for (d = 0; d < 2; d++) {
		if (w.mech == MECH_EVL) {
			close(w.line[d]);
			close(w.reg[d]);
		} else {
			close(w.fds[d][0]);
			if (w.mech == MECH_PIPE)
				close(w.fds[d][1]);
		}
	}
	shm_free(w.sh, shsize);
}

void w3_rows(void)
{
	static const enum mech mechs[] = { MECH_EVL, MECH_PIPE, MECH_EFD };
	size_t m;

	for (m = 0; m < ARRAY_SIZE(mechs); m++) {
		struct row *r = add_row("W3", mech_name(mechs[m]), w3_run);

		r->mech_id = mechs[m];
		r->count = g.short_mode ? 100 : 5000;
		row_param(r, "payload", "8");
	}
}
