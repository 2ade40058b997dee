// SPDX-License-Identifier: MIT
/*
 * W1: one producer process streams COUNT events of PAYLOAD bytes to one
 * consumer process, BATCH events per call on each side.
 *
 *   eventline       POST per event (batch 1), POST_BATCH of 64 entries
 *                   (batch 64), or POST per event with 64-record reads
 *                   ("eventline-post"); the consumer read()s BATCH records
 *   eventline-mmap  posted as "eventline"; the consumer maps its register's
 *                   ring and reads the records in place, copying each
 *                   payload out as the eventfd+shm consumer does, and
 *                   sleeps in poll() when the ring is empty
 *   pipe            write/read of BATCH fixed-size messages, 1 MiB pipe
 *   unix-seqpacket  send/recv, or sendmmsg/recvmmsg of BATCH messages
 *   eventfd+shm     a shared-memory ring of fixed slots (1 MiB), published
 *                   BATCH at a time; eventfd wake-ups only when the other
 *                   side sleeps.  What a program can do without a kernel
 *                   transport: the upper bound.
 *
 * eventline has no back-pressure (a full queue drops), so its register's
 * ring holds a whole repetition: loss is impossible and counts as an error.
 * The peers block the writer when full.
 *
 * Metrics: events and bytes per second from the first send to the last
 * event consumed; producer and consumer CPU per event from each process's
 * CLOCK_PROCESS_CPUTIME_ID (threads: CLOCK_THREAD_CPUTIME_ID).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#define SHM_RING_BYTES	(1 << 20)
#define PIPE_BYTES	(1 << 20)
#define MAX_BATCH	64
/* A mapped reader that waits this long for an event fails the row. */
#define STALL_MS	60000

struct shm_ring {
	_Atomic uint64_t tail __attribute__((aligned(64)));
	_Atomic uint32_t cons_sleeping;
	_Atomic uint64_t head __attribute__((aligned(64)));
	_Atomic uint32_t prod_sleeping;
	int data_efd, space_efd;
	uint32_t slots, slot_size;
	unsigned char data[] __attribute__((aligned(64)));
};

struct w1_shared {
	_Atomic uint32_t ready, waiting;
	uint64_t t_end, cons_cpu, events, lost;
};

/* A register's ring as its mapped reader sees it. */
struct ring_map {
	struct eventline_ring_consumer *cons;
	const struct eventline_ring_producer *prod;
	const unsigned char *data;	/* the ring's bytes, mapped twice */
	uint32_t size;
	size_t len;			/* of the ring mapping */
	long pg;
};

struct w1 {
	const struct row *r;
	enum mech mech;
	uint32_t payload, batch;
	uint64_t count;
	bool threads, singly, mapped;
	int line, reg, fds[2];
	uint32_t reg_ring;		/* the register's ring size */
	struct shm_ring *ring;
	size_t ring_bytes;
	struct w1_shared *sh;
};

static uint64_t cpu_now(const struct w1 *w)
{
	return w->threads ? thread_cpu_ns() : proc_cpu_ns();
}

static void efd_signal(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		fatal_err("eventfd write", -errno);
}

static void efd_wait(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			fatal_err("eventfd read", -errno);
}

static unsigned char *slot(struct shm_ring *q, uint64_t i)
{
	return q->data + (size_t)(i & (q->slots - 1)) * q->slot_size;
}

static void shm_produce(struct w1 *w, unsigned char *src)
{
	struct shm_ring *q = w->ring;
	uint64_t t = 0, j;

	while (t < w->count) {
		uint32_t n = w->batch;

		while (t + n - atomic_load_explicit(&q->head,
						    memory_order_acquire) > q->slots) {
			atomic_store(&q->prod_sleeping, 1);
			if (t + n - atomic_load(&q->head) > q->slots)
				efd_wait(q->space_efd);
			atomic_store(&q->prod_sleeping, 0);
		}
		for (j = 0; j < n; j++) {
			memcpy(src, &t, sizeof(t));
			memcpy(slot(q, t + j), src, w->payload);
		}
		t += n;
		atomic_store_explicit(&q->tail, t, memory_order_release);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_exchange(&q->cons_sleeping, 0))
			efd_signal(q->data_efd);
	}
}

static uint64_t shm_consume(struct w1 *w, unsigned char *dst)
{
	struct shm_ring *q = w->ring;
	uint64_t h = 0, t, n, j;

	while (h < w->count) {
		t = atomic_load_explicit(&q->tail, memory_order_acquire);
		if (t == h) {
			atomic_store(&q->cons_sleeping, 1);
			if (atomic_load(&q->tail) == h)
				efd_wait(q->data_efd);
			/* A wake we did not need leaves a count: harmless. */
			atomic_store(&q->cons_sleeping, 0);
			continue;
		}
		n = t - h < w->batch ? t - h : w->batch;
		for (j = 0; j < n; j++)
			memcpy(dst, slot(q, h + j), w->payload);
		h += n;
		atomic_store_explicit(&q->head, h, memory_order_release);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_exchange(&q->prod_sleeping, 0))
			efd_signal(q->space_efd);
	}
	return h;
}

static void produce(struct w1 *w)
{
	static unsigned char buf[MAX_BATCH * 4096];
	struct eventline_post_entry e[MAX_BATCH];
	struct mmsghdr mm[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	uint64_t i, k;
	uint32_t j;

	memset(mm, 0, sizeof(mm));
	for (j = 0; j < w->batch; j++) {
		e[j] = (struct eventline_post_entry){
			.type = 1, .payload_len = w->payload,
			.payload = (uintptr_t)(buf + j * w->payload) };
		iov[j] = (struct iovec){ buf + j * w->payload, w->payload };
		mm[j].msg_hdr.msg_iov = &iov[j];
		mm[j].msg_hdr.msg_iovlen = 1;
	}
	if (w->mech == MECH_SHM) {
		shm_produce(w, buf);
		return;
	}
	for (i = 0; i < w->count; i += w->batch) {
		/* Produce the events: stamp each with its number. */
		for (k = 0; k < w->batch; k++) {
			uint64_t n = i + k;

			memcpy(buf + k * w->payload, &n, sizeof(n));
		}
		switch (w->mech) {
		case MECH_EVL:
			if (w->batch > 1 && !w->singly) {
				evl_post_batch(w->line, e, w->batch);
				break;
			}
			for (j = 0; j < w->batch; j++) {
				int err = el_post(w->line, 1, buf + j * w->payload,
						  w->payload, NULL);

				if (err)
					fatal_err("post", err);
			}
			break;
		case MECH_PIPE: {
			size_t len = (size_t)w->batch * w->payload, off = 0;

			while (off < len) {
				ssize_t r = write(w->fds[1], buf + off, len - off);

				if (r < 0 && errno != EINTR)
					fatal_err("pipe write", -errno);
				off += r > 0 ? r : 0;
			}
			break;
		}
		case MECH_SEQP:
			if (w->batch == 1) {
				if (send(w->fds[1], buf, w->payload, 0) !=
				    (ssize_t)w->payload)
					fatal_err("send", -errno);
				break;
			}
			for (j = 0; j < w->batch;) {
				int r = sendmmsg(w->fds[1], mm + j, w->batch - j, 0);

				if (r < 0 && errno != EINTR)
					fatal_err("sendmmsg", -errno);
				j += r > 0 ? r : 0;
			}
			break;
		default:
			fatal("bad mechanism");
		}
	}
}

static void map_ring(struct w1 *w, struct ring_map *m)
{
	void *p;

	m->pg = sysconf(_SC_PAGESIZE);
	m->size = w->reg_ring;
	m->len = m->pg + 2 * (size_t)m->size;
	p = mmap(NULL, m->pg, PROT_READ | PROT_WRITE, MAP_SHARED, w->reg,
		 EVENTLINE_MMAP_CONSUMER_PGOFF * m->pg);
	if (p == MAP_FAILED)
		fatal_err("mmap of the register's consumer page", -errno);
	m->cons = p;
	p = mmap(NULL, m->len, PROT_READ, MAP_SHARED, w->reg,
		 EVENTLINE_MMAP_RING_PGOFF * m->pg);
	if (p == MAP_FAILED)
		fatal_err("mmap of the register's ring", -errno);
	m->prod = p;
	m->data = (const unsigned char *)p + m->pg;
	if (m->prod->size != m->size)
		fatal("mapped ring of %u bytes, created with %u", m->prod->size,
		      m->size);
}

static void unmap_ring(struct ring_map *m)
{
	munmap(m->cons, m->pg);
	munmap((void *)m->prod, m->len);
}

/*
 * Sleep until the register has something.  poll() also arms the wake-up
 * and writes any pending OVERFLOW record into the ring.
 */
static void ring_wait(const struct w1 *w, const struct evl_count *c)
{
	struct pollfd pfd = { .fd = w->reg, .events = POLLIN };
	int r = poll(&pfd, 1, STALL_MS);

	if (r < 0 && errno == EINTR)
		return;
	if (r < 0)
		fatal_err("register poll", -errno);
	if (!r)
		fatal("mapped reader: nothing for %d s, %llu events and %llu "
		      "lost of %llu", STALL_MS / 1000,
		      (unsigned long long)c->events,
		      (unsigned long long)c->lost,
		      (unsigned long long)w->count);
	if (!(pfd.revents & POLLIN))
		fatal("mapped reader: poll() revents %#x with the ring empty",
		      pfd.revents);
}

/*
 * The mapped reader: takes the producer position (acquire), goes through
 * the records up to it in place, copying each payload to @dst, then hands
 * them all back with one release store of the consumer position.  The
 * records are counted by evl_scan(), as those of read() are.
 */
static void consume_mapped(struct w1 *w, struct ring_map *m,
			   unsigned char *dst, struct evl_count *c)
{
	uint32_t pos = __atomic_load_n(&m->cons->pos, __ATOMIC_RELAXED), end;

	while (c->events + c->lost < w->count) {
		end = __atomic_load_n(&m->prod->pos, __ATOMIC_ACQUIRE);
		if (end == pos) {
			ring_wait(w, c);
			continue;
		}
		if (end - pos > m->size || end % EVENTLINE_RECORD_ALIGN)
			fatal("mapped reader: producer at %u, consumer at %u, "
			      "ring of %u", end, pos, m->size);
		do {
			const struct eventline_record *rec =
				(const void *)(m->data + (pos & (m->size - 1)));

			if (end - pos < sizeof(*rec) || rec->size > end - pos ||
			    rec->header_size + (uint64_t)rec->payload_len >
			    rec->size)
				fatal("mapped reader: malformed record at %u", pos);
			if (evl_scan(rec, rec->size, c)) {
				if (rec->payload_len != w->payload)
					fatal("mapped reader: payload of %u bytes, "
					      "%u posted", rec->payload_len,
					      w->payload);
				memcpy(dst, (const unsigned char *)rec +
				       rec->header_size, rec->payload_len);
			}
			pos += rec->size;
		} while (pos != end);
		__atomic_store_n(&m->cons->pos, pos, __ATOMIC_RELEASE);
	}
}

static void consume(struct w1 *w)
{
	static unsigned char buf[MAX_BATCH * (4096 + 128)];
	struct mmsghdr mm[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct evl_count c = { 0 };
	struct ring_map m = { 0 };
	uint64_t cpu0, got = 0;
	size_t len;
	uint32_t j;
	ssize_t r;

	memset(mm, 0, sizeof(mm));
	for (j = 0; j < w->batch; j++) {
		iov[j] = (struct iovec){ buf + j * w->payload, w->payload };
		mm[j].msg_hdr.msg_iov = &iov[j];
		mm[j].msg_hdr.msg_iovlen = 1;
	}
	/* Setup, like the register's creation, is not part of the run. */
	if (w->mapped)
		map_ring(w, &m);
	cpu0 = cpu_now(w);
	count_and_wake(&w->sh->ready, &w->sh->waiting, 1);

	switch (w->mech) {
	case MECH_EVL:
		if (w->mapped) {
			consume_mapped(w, &m, buf, &c);
			got = c.events;
			break;
		}
		len = w->batch * evl_record_size(w->payload);
		while (c.events + c.lost < w->count) {
			r = read(w->reg, buf, len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				fatal_err("register read", r ? -errno : -EPIPE);
			evl_scan(buf, r, &c);
		}
		got = c.events;
		break;
	case MECH_PIPE:
		len = (size_t)w->batch * w->payload;
		while (got < w->count * w->payload) {
			r = read(w->fds[0], buf, len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				fatal_err("pipe read", r ? -errno : -EPIPE);
			got += r;
		}
		got /= w->payload;
		break;
	case MECH_SEQP:
		while (got < w->count) {
			if (w->batch == 1)
				r = recv(w->fds[0], buf, w->payload, 0) > 0;
			else
				r = recvmmsg(w->fds[0], mm, w->batch,
					     MSG_WAITFORONE, NULL);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				fatal_err("recv", r ? -errno : -EPIPE);
			got += r;
		}
		break;
	case MECH_SHM:
		got = shm_consume(w, buf);
		break;
	default:
		fatal("bad mechanism");
	}
	w->sh->t_end = now_ns();
	w->sh->cons_cpu = cpu_now(w) - cpu0;
	w->sh->events = got;
	w->sh->lost = c.lost;
	if (w->mapped)
		unmap_ring(&m);
}

static void consumer_proc(void *arg)
{
	consume(arg);
}

static void *consumer_thread(void *arg)
{
	consume(arg);
	return NULL;
}

static void setup(struct w1 *w)
{
	int sz;

	switch (w->mech) {
	case MECH_EVL: {
		uint64_t id;

		w->line = evl_line(&id);
		w->reg_ring = evl_ring_for(w->count, w->payload, 1);
		w->reg = evl_register(w->count, w->reg_ring, 0);
		evl_subscribe(w->reg, id);
		break;
	}
	case MECH_PIPE:
		if (pipe2(w->fds, O_CLOEXEC))
			fatal_err("pipe", -errno);
		/* As much room as the shared-memory ring; 1 MiB is the default cap. */
		fcntl(w->fds[1], F_SETPIPE_SZ, PIPE_BYTES);
		break;
	case MECH_SEQP:
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, w->fds))
			fatal_err("socketpair", -errno);
		sz = 4 << 20;
		if (setsockopt(w->fds[1], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
			setsockopt(w->fds[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		setsockopt(w->fds[0], SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
		break;
	case MECH_SHM: {
		uint32_t ss = ALIGN_UP(w->payload, 8), slots = 64;

		while ((uint64_t)slots * 2 * ss <= SHM_RING_BYTES)
			slots *= 2;
		w->ring_bytes = sizeof(*w->ring) + (size_t)slots * ss;
		w->ring = shm_alloc(w->ring_bytes);
		w->ring->slots = slots;
		w->ring->slot_size = ss;
		w->ring->data_efd = eventfd(0, EFD_CLOEXEC);
		w->ring->space_efd = eventfd(0, EFD_CLOEXEC);
		if (w->ring->data_efd < 0 || w->ring->space_efd < 0)
			fatal_err("eventfd", -errno);
		break;
	}
	default:
		fatal("bad mechanism");
	}
}

static void teardown(struct w1 *w)
{
	switch (w->mech) {
	case MECH_EVL:
		close(w->line);
		close(w->reg);
		break;
	case MECH_PIPE:
	case MECH_SEQP:
		close(w->fds[0]);
		close(w->fds[1]);
		break;
	case MECH_SHM:
		close(w->ring->data_efd);
		close(w->ring->space_efd);
		shm_free(w->ring, w->ring_bytes);
		break;
	default:
		break;
	}
}

void w1_run(const struct row *r, struct sample *s)
{
	struct w1 w = {
		.r = r, .mech = r->mech_id, .payload = r->payload,
		.batch = r->batch, .count = r->count,
		.threads = r->variant & W1_THREADS,
		.singly = r->variant & W1_POST_SINGLY,
		.mapped = r->variant & W1_MAPPED,
	};
	uint64_t t0, cpu0, prod_cpu;
	pthread_t th;
	pid_t pid = 0;
	double secs;

	w.sh = shm_alloc(sizeof(*w.sh));
	setup(&w);
	if (w.threads) {
		if (pthread_create(&th, NULL, consumer_thread, &w))
			fatal("pthread_create");
	} else {
		pid = spawn(consumer_proc, &w);
	}
	wait_at_least(&w.sh->ready, &w.sh->waiting, 1);

	t0 = now_ns();
	cpu0 = cpu_now(&w);
	produce(&w);
	prod_cpu = cpu_now(&w) - cpu0;
	if (w.threads)
		pthread_join(th, NULL);
	else
		reap(pid, "W1 consumer");

	if (w.sh->lost || w.sh->events != w.count)
		fatal("W1 %s: %llu events received, %llu lost, of %llu posted "
		      "into a ring that holds them all", r->mech,
		      (unsigned long long)w.sh->events,
		      (unsigned long long)w.sh->lost,
		      (unsigned long long)w.count);
	secs = (w.sh->t_end - t0) / 1e9;
	put(s, "events_per_s", w.count / secs);
	put(s, "mbytes_per_s", w.count * (double)w.payload / secs / 1e6);
	put(s, "prod_cpu_ns_per_event", (double)prod_cpu / w.count);
	put(s, "cons_cpu_ns_per_event", (double)w.sh->cons_cpu / w.count);
	put(s, "cpu_ns_per_event", (double)(prod_cpu + w.sh->cons_cpu) / w.count);
	teardown(&w);
	shm_free(w.sh, sizeof(*w.sh));
}

/* Events per repetition: enough to dwarf the setup, within one ring. */
static uint64_t w1_count(uint32_t payload, uint32_t batch)
{
	uint64_t n = g.short_mode ? 256 : batch == 1 ? 8192 : 32768;
	uint64_t cap = (g.info.max_ring_size - 4096) / evl_record_size(payload);

	if (n > cap)
		n = cap / MAX_BATCH * MAX_BATCH;
	return n;
}

void w1_rows(void)
{
	static const int payloads[] = { 16, 64, 256, 1024, 4096 };
	static const int batches[] = { 1, 64 };
	static const struct {
		const char *name;
		enum mech mech;
		int variant;
	} kinds[] = {
		{ "eventline", MECH_EVL, 0 },
		{ "eventline-mmap", MECH_EVL, W1_MAPPED },
		{ "pipe", MECH_PIPE, 0 },
		{ "unix-seqpacket", MECH_SEQP, 0 },
		{ "eventfd+shm", MECH_SHM, 0 },
		/* POST per event with batched reads: batch 64 only. */
		{ "eventline-post", MECH_EVL, W1_POST_SINGLY },
	};
	size_t p, b, k;

	for (p = 0; p < ARRAY_SIZE(payloads); p++) {
		for (b = 0; b < ARRAY_SIZE(batches); b++) {
			for (k = 0; k < ARRAY_SIZE(kinds); k++) {
				struct row *r;

				if ((kinds[k].variant & W1_POST_SINGLY) &&
				    batches[b] == 1)
					continue;
				r = add_row("W1", kinds[k].name, w1_run);
				r->mech_id = kinds[k].mech;
				r->variant = kinds[k].variant;
				r->payload = payloads[p];
				r->batch = batches[b];
				r->count = w1_count(r->payload, r->batch);
				row_param(r, "payload", "%d", r->payload);
				row_param(r, "batch", "%d", r->batch);
			}
		}
	}
}
