// SPDX-License-Identifier: MIT
/*
 * W2: fan-out.  One producer hands every event (64-byte payload) to N
 * readers, which are busy-reading (non-blocking reads, yielding when
 * empty), asleep in a blocking read(), or behind epoll.
 *
 *   eventline       one POST per event on a line with N registers
 *   pipe, unix-seqpacket
 *                   the producer writes each event to N pipes or sockets
 *
 * Up to N = 64 every reader is a process with one register (default
 * options) or one pipe/socket.  N = 1024 (eventline only) uses 4 reader
 * processes of 256 registers each, with 128-record, 16 KiB rings so the
 * whole row stays within a few tens of MiB: asleep means one thread per
 * register, busy and epoll one thread per process over its 256.
 *
 * The producer posts in bursts of 64 events, which every queue holds, and
 * waits for all readers to take each burst before the next: no event can
 * be lost (a loss is an error), and producer CPU is measured over the
 * posting loops only (CLOCK_THREAD_CPUTIME_ID), so it is the cost of a post
 * with N subscribers, wake-ups included.  Deliveries per second count the
 * whole run, bursts and waits.
 *
 * W2-iso: 8 registers, asleep readers, posts without bursts.  Seven (or in
 * the reference variant, all eight) have queues that hold the whole run;
 * the stalled one has the default queue and reads nothing until the
 * producer is done, then drains: its received events plus the count in its
 * OVERFLOW record must equal what was posted, exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define PAYLOAD		64
#define BURST		64
#define BUF_BYTES	16384
#define MAX_N		1024
#define ISO_N		8

static const char *const mode_names[] = { "busy", "asleep", "epoll" };

struct w2_shared {
	_Atomic uint32_t ready, ready_waiting;
	_Atomic uint32_t done, done_waiting;
	_Atomic uint32_t drain, drain_waiting;
	_Atomic uint64_t lost;
	uint64_t t_end[ISO_N];
	uint64_t stalled_events, stalled_lost;
};

struct chan {
	int fd;
	int index;
	uint64_t events, bytes;
	struct evl_count c;
};

struct w2 {
	enum mech mech;
	int mode, n, nproc, per_proc, stalled;
	bool iso;
	uint64_t count;
	uint32_t queue_len, ring_size;
	int line;
	uint64_t line_id;
	int (*fds)[2];
	struct w2_shared *sh;
};

struct unit {
	struct w2 *w;
	struct chan *ch;
	int nch;
};

/* One read from @ch; returns the events it brought, 0 if none (EAGAIN). */
static uint64_t chan_read(struct w2 *w, struct chan *ch, void *buf,
			  bool nonblock)
{
	struct mmsghdr mm[BURST];
	struct iovec iov[BURST];
	uint64_t before = ch->events, lost = ch->c.lost;
	ssize_t r;
	int i;

	if (w->mech == MECH_SEQP) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < BURST; i++) {
			iov[i] = (struct iovec){ (char *)buf + i * PAYLOAD, PAYLOAD };
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(ch->fd, mm, BURST,
			     nonblock ? MSG_DONTWAIT : MSG_WAITFORONE, NULL);
	} else {
		r = read(ch->fd, buf, BUF_BYTES);
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0)
		fatal_err("W2 read", r ? -errno : -EPIPE);
	switch (w->mech) {
	case MECH_EVL:
		evl_scan(buf, r, &ch->c);
		ch->events = ch->c.events;
		/* The stalled register of W2-iso reports its own. */
		if (ch->c.lost != lost && ch->index != w->stalled)
			atomic_fetch_add(&w->sh->lost, ch->c.lost - lost);
		break;
	case MECH_PIPE:
		ch->bytes += r;
		ch->events = ch->bytes / PAYLOAD;
		break;
	default:
		ch->events += r;
		break;
	}
	return ch->events - before;
}

static bool chan_done(const struct w2 *w, const struct chan *ch)
{
	return ch->events + ch->c.lost >= w->count;
}

static void chan_finish(struct w2 *w, struct chan *ch)
{
	if (ch->index < ISO_N)
		w->sh->t_end[ch->index] = now_ns();
}

/* Every mode counts what it read into sh->done, waking the producer. */
static void *unit_run(void *arg)
{
	struct unit *u = arg;
	struct w2 *w = u->w;
	char *buf = malloc(BUF_BYTES);
	int i, left = u->nch, ep = -1;
	uint64_t n;

	if (!buf)
		fatal("out of memory");
	if (w->mode == MODE_EPOLL) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (ep < 0)
			fatal_err("epoll_create1", -errno);
		for (i = 0; i < u->nch; i++) {
			struct epoll_event ev = { .events = EPOLLIN,
						  .data.u32 = i };

			if (epoll_ctl(ep, EPOLL_CTL_ADD, u->ch[i].fd, &ev))
				fatal_err("epoll_ctl", -errno);
		}
	}
	while (left) {
		if (w->mode == MODE_ASLEEP) {
			n = chan_read(w, &u->ch[0], buf, false);
			if (n)
				count_and_wake(&w->sh->done, &w->sh->done_waiting, n);
			if (chan_done(w, &u->ch[0])) {
				chan_finish(w, &u->ch[0]);
				left--;
			}
		} else if (w->mode == MODE_BUSY) {
			bool progress = false;

			for (i = 0; i < u->nch; i++) {
				struct chan *ch = &u->ch[i];

				if (chan_done(w, ch))
					continue;
				n = chan_read(w, ch, buf, true);
				if (!n)
					continue;
				progress = true;
				count_and_wake(&w->sh->done, &w->sh->done_waiting, n);
				if (chan_done(w, ch)) {
					chan_finish(w, ch);
					left--;
				}
			}
			if (!progress)
				sched_yield();
		} else {
			struct epoll_event ev[64];
			int k, nev = epoll_wait(ep, ev, 64, -1);

			if (nev < 0 && errno != EINTR)
				fatal_err("epoll_wait", -errno);
			for (k = 0; k < nev; k++) {
				struct chan *ch = &u->ch[ev[k].data.u32];

				if (chan_done(w, ch))
					continue;
				/* Read until EAGAIN: that re-arms the wake-up. */
				while ((n = chan_read(w, ch, buf, true)))
					count_and_wake(&w->sh->done,
						       &w->sh->done_waiting, n);
				if (chan_done(w, ch)) {
					chan_finish(w, ch);
					left--;
				}
			}
		}
	}
	if (ep >= 0)
		close(ep);
	free(buf);
	return NULL;
}

/* The stalled register of W2-iso: nothing until told, then drain it. */
static void stalled_run(struct w2 *w, struct chan *ch)
{
	char *buf = malloc(BUF_BYTES);
	int idle = 0;

	if (!buf)
		fatal("out of memory");
	wait_at_least(&w->sh->drain, &w->sh->drain_waiting, 1);
	/*
	 * Every post has been delivered by now.  The OVERFLOW record comes
	 * once the events queued before the first loss are read, so read
	 * until events and losses account for every post, or until reads
	 * keep finding nothing.
	 */
	while (ch->events + ch->c.lost < w->count) {
		uint64_t lost = ch->c.lost;

		if (chan_read(w, ch, buf, true) || ch->c.lost != lost)
			idle = 0;
		else if (++idle > 100)
			fatal("W2-iso: stalled register ran dry after %llu events "
			      "and %llu lost of %llu posted",
			      (unsigned long long)ch->events,
			      (unsigned long long)ch->c.lost,
			      (unsigned long long)w->count);
	}
	w->sh->stalled_events = ch->events;
	w->sh->stalled_lost = ch->c.lost;
	free(buf);
}

static void reader_proc(void *arg)
{
	struct unit *u = arg;
	struct w2 *w = u->w;
	pthread_t *th;
	pthread_attr_t attr;
	int i;

	for (i = 0; i < u->nch; i++) {
		struct chan *ch = &u->ch[i];

		if (w->mech == MECH_EVL) {
			bool stalled = ch->index == w->stalled;
			uint32_t flags = w->mode == MODE_ASLEEP ? 0 :
					 EVENTLINE_FD_NONBLOCK;

			if (stalled)
				ch->fd = evl_register(0, 0, EVENTLINE_FD_NONBLOCK);
			else
				ch->fd = evl_register(w->queue_len, w->ring_size, flags);
			evl_subscribe(ch->fd, w->line_id);
		} else if (w->mode != MODE_ASLEEP && w->mech == MECH_PIPE) {
			fcntl(ch->fd, F_SETFL, O_NONBLOCK);
		}
		count_and_wake(&w->sh->ready, &w->sh->ready_waiting, 1);
	}
	if (u->ch[0].index == w->stalled) {
		stalled_run(w, &u->ch[0]);
		return;
	}
	if (w->mode != MODE_ASLEEP || u->nch == 1) {
		unit_run(u);
		return;
	}
	/* Asleep with many registers: one small thread blocked on each. */
	th = calloc(u->nch, sizeof(*th));
	if (!th)
		fatal("out of memory");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < u->nch; i++) {
		struct unit *one = malloc(sizeof(*one));

		if (!one)
			fatal("out of memory");
		*one = (struct unit){ w, &u->ch[i], 1 };
		if (pthread_create(&th[i], &attr, unit_run, one))
			fatal("pthread_create");
	}
	for (i = 0; i < u->nch; i++)
		pthread_join(th[i], NULL);
}

static void post_one(struct w2 *w, unsigned char *buf)
{
	int i, err;

	if (w->mech == MECH_EVL) {
		err = el_post(w->line, 1, buf, PAYLOAD, NULL);
		if (err)
			fatal_err("post", err);
		return;
	}
	for (i = 0; i < w->n; i++) {
		ssize_t r = w->mech == MECH_PIPE ?
			    write(w->fds[i][1], buf, PAYLOAD) :
			    send(w->fds[i][1], buf, PAYLOAD, 0);

		if (r != PAYLOAD)
			fatal_err("W2 write", r < 0 ? -errno : -EIO);
	}
}

static void w2_common(const struct row *r, struct sample *s, bool iso)
{
	struct w2 w = {
		.mech = r->mech_id, .mode = r->mode, .n = r->n,
		.iso = iso, .count = r->count,
		.stalled = iso && r->variant ? ISO_N - 1 : -1,
	};
	unsigned char buf[PAYLOAD] = { 0 };
	struct chan *chans;
	struct unit *units;
	pid_t *pids;
	uint64_t t0, t_end, cpu = 0, c0, i, k, readers;
	int p, j;

	w.sh = shm_alloc(sizeof(*w.sh));
	w.nproc = w.n <= 64 ? w.n : 4;
	w.per_proc = w.n / w.nproc;
	if (w.n > 64) {
		w.queue_len = 128;
		w.ring_size = evl_ring_for(2 * BURST, PAYLOAD, 1);
	}
	if (iso) {
		w.queue_len = w.count;
		w.ring_size = evl_ring_for(w.count, PAYLOAD, 1);
	}
	chans = calloc(w.n, sizeof(*chans));
	units = calloc(w.nproc, sizeof(*units));
	pids = calloc(w.nproc, sizeof(*pids));
	if (!chans || !units || !pids)
		fatal("out of memory");
	if (w.mech == MECH_EVL) {
		w.line = evl_line(&w.line_id);
	} else {
		w.fds = calloc(w.n, sizeof(*w.fds));
		if (!w.fds)
			fatal("out of memory");
		for (j = 0; j < w.n; j++) {
			int ret = w.mech == MECH_PIPE ?
				  pipe2(w.fds[j], O_CLOEXEC) :
				  socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC,
					     0, w.fds[j]);

			if (ret)
				fatal_err("pipe/socketpair", -errno);
			chans[j].fd = w.fds[j][0];
		}
	}
	for (j = 0; j < w.n; j++)
		chans[j].index = j;
	for (p = 0; p < w.nproc; p++) {
		units[p] = (struct unit){ &w, chans + p * w.per_proc, w.per_proc };
		pids[p] = spawn(reader_proc, &units[p]);
	}
	wait_at_least(&w.sh->ready, &w.sh->ready_waiting, w.n);

	readers = w.stalled >= 0 ? w.n - 1 : w.n;
	t0 = now_ns();
	for (i = 0; i < w.count; i += BURST) {
		c0 = thread_cpu_ns();
		for (k = 0; k < BURST; k++) {
			uint64_t seq = i + k;

			memcpy(buf, &seq, sizeof(seq));
			post_one(&w, buf);
		}
		cpu += thread_cpu_ns() - c0;
		if (!iso)
			wait_at_least(&w.sh->done, &w.sh->done_waiting,
				      (i + BURST) * w.n);
	}
	wait_at_least(&w.sh->done, &w.sh->done_waiting, w.count * readers);
	t_end = now_ns();
	atomic_store(&w.sh->drain, 1);
	futex_wake(&w.sh->drain);
	for (p = 0; p < w.nproc; p++)
		reap(pids[p], "W2 reader");

	if (atomic_load(&w.sh->lost))
		fatal("W2: %llu events lost by registers that hold every burst",
		      (unsigned long long)atomic_load(&w.sh->lost));
	put(s, "prod_cpu_ns_per_event", (double)cpu / w.count);
	if (!iso) {
		put(s, "deliveries_per_s", w.count * w.n / ((t_end - t0) / 1e9));
		put(s, "prod_cpu_ns_per_delivery", (double)cpu / w.count / w.n);
	} else {
		/* The same seven readers in both variants. */
		uint64_t last = 0;

		for (j = 0; j < ISO_N - 1; j++)
			if (w.sh->t_end[j] > last)
				last = w.sh->t_end[j];
		put(s, "others_deliveries_per_s",
		    w.count * (ISO_N - 1) / ((last - t0) / 1e9));
		if (w.stalled >= 0) {
			if (w.sh->stalled_lost != w.count - w.sh->stalled_events)
				fatal("W2-iso: stalled register received %llu and was "
				      "told %llu lost, of %llu posted",
				      (unsigned long long)w.sh->stalled_events,
				      (unsigned long long)w.sh->stalled_lost,
				      (unsigned long long)w.count);
			put(s, "stalled_received", w.sh->stalled_events);
			put(s, "stalled_lost", w.sh->stalled_lost);
			put(s, "stalled_loss_exact", 1);
		}
	}

	if (w.mech == MECH_EVL) {
		close(w.line);
	} else {
		for (j = 0; j < w.n; j++) {
			close(w.fds[j][0]);
			close(w.fds[j][1]);
		}
		free(w.fds);
	}
	free(chans);
	free(units);
	free(pids);
	shm_free(w.sh, sizeof(*w.sh));
}

static void w2_run(const struct row *r, struct sample *s)
{
	w2_common(r, s, false);
}

static void w2_iso_run(const struct row *r, struct sample *s)
{
	w2_common(r, s, true);
}

void w2_rows(void)
{
	static const int ns[] = { 1, 2, 4, 8, 16, 64, 1024 };
	static const enum mech mechs[] = { MECH_EVL, MECH_PIPE, MECH_SEQP };
	size_t m, n;
	int mode;
	struct row *r;

	for (m = 0; m < ARRAY_SIZE(mechs); m++) {
		for (n = 0; n < ARRAY_SIZE(ns); n++) {
			/* 1024 pipes or sockets per event: eventline only. */
			if (ns[n] > 64 && mechs[m] != MECH_EVL)
				continue;
			for (mode = MODE_BUSY; mode <= MODE_EPOLL; mode++) {
				uint64_t c = g.short_mode ? BURST : 16384 / ns[n];

				r = add_row("W2", mech_name(mechs[m]), w2_run);
				r->mech_id = mechs[m];
				r->n = ns[n];
				r->mode = mode;
				r->count = c < 2 * BURST ? 2 * BURST : c / BURST * BURST;
				if (g.short_mode)
					r->count = BURST;
				row_param(r, "n", "%d", r->n);
				row_param(r, "mode", "\"%s\"", mode_names[mode]);
				row_param(r, "payload", "%d", PAYLOAD);
			}
		}
	}
	for (n = 0; n < 2; n++) {
		r = add_row("W2-iso", "eventline", w2_iso_run);
		r->mech_id = MECH_EVL;
		r->n = ISO_N;
		r->mode = MODE_ASLEEP;
		r->variant = n;
		r->count = g.short_mode ? 2048 : 8192;
		row_param(r, "n", "%d", r->n);
		row_param(r, "stalled", "%d", (int)n);
		row_param(r, "payload", "%d", PAYLOAD);
	}
}
