// SPDX-License-Identifier: MIT
/*
 * Calibration rows: what this machine (usually a TCG guest) charges for the
 * operations every transport is built from, measured in the same run so
 * that eventline's figures can be read against them.
 *
 *   null-syscall     syscall(SYS_getppid)
 *   clock_gettime    CLOCK_MONOTONIC, the clock W3 stamps events with
 *   memcpy           cache-hot copy of each W1 payload size
 *   eventfd          write + read of one eventfd in one thread: the
 *                    two-syscall floor of a post and a read
 *   futex-pingpong   two threads handing a turn back and forth through a
 *                    futex; half a round trip is one wake-up
 *   shm-ring         W1's eventfd+shm ring between two threads of one
 *                    process (no address-space switch): the upper bound
 *   eventline-post   what one post costs the poster, taken apart: 64-byte
 *                    events, batch 1 and 64, into a line with no
 *                    subscriber (system call, copy-in, numbering) and with
 *                    one register that holds them all and is not read
 *                    (plus the copy into one ring); no reader, so no
 *                    wake-up is in the figure
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static void null_syscall(const struct row *r, struct sample *s)
{
	uint64_t i, t0 = now_ns();

	for (i = 0; i < r->count; i++)
		syscall(SYS_getppid);
	put(s, "ns_per_call", (double)(now_ns() - t0) / r->count);
}

static void clock_read(const struct row *r, struct sample *s)
{
	struct timespec ts;
	uint64_t i, t0 = now_ns();

	for (i = 0; i < r->count; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	put(s, "ns_per_call", (double)(now_ns() - t0) / r->count);
}

static void copy(const struct row *r, struct sample *s)
{
	static unsigned char src[4096], dst[4096];
	uint64_t i, t0;
	double ns;

	memset(src, 1, sizeof(src));
	t0 = now_ns();
	for (i = 0; i < r->count; i++) {
		memcpy(dst, src, r->payload);
		/* Keep the compiler from merging or dropping the copies. */
		__asm__ __volatile__("" : : "r"(dst), "r"(src) : "memory");
	}
	ns = (double)(now_ns() - t0) / r->count;
	put(s, "ns_per_copy", ns);
	put(s, "gbytes_per_s", r->payload / ns);
}

static void eventfd_pair(const struct row *r, struct sample *s)
{
	uint64_t i, v = 1, t0;
	int fd = eventfd(0, EFD_CLOEXEC);

	if (fd < 0)
		fatal_err("eventfd", -errno);
	t0 = now_ns();
	for (i = 0; i < r->count; i++) {
		if (write(fd, &v, sizeof(v)) != sizeof(v) ||
		    read(fd, &v, sizeof(v)) != sizeof(v))
			fatal_err("eventfd write+read", -errno);
	}
	put(s, "ns_per_write_read", (double)(now_ns() - t0) / r->count);
	close(fd);
}

/* Whose turn it is: even for the main thread, odd for the partner. */
struct pingpong {
	_Atomic uint32_t turn;
	uint64_t rounds;
};

static void take_turn(struct pingpong *p, uint32_t mine, uint32_t next)
{
	uint32_t v;

	while ((v = atomic_load(&p->turn)) != mine)
		futex_wait(&p->turn, v, 0);
	atomic_store(&p->turn, next);
	futex_wake(&p->turn);
}

static void *partner(void *arg)
{
	struct pingpong *p = arg;
	uint64_t i;

	for (i = 0; i < p->rounds; i++)
		take_turn(p, 2 * i + 1, 2 * i + 2);
	return NULL;
}

static void futex_pingpong(const struct row *r, struct sample *s)
{
	struct pingpong p = { .rounds = r->count };
	pthread_t th;
	uint64_t i, t0;
	double ns;

	if (pthread_create(&th, NULL, partner, &p))
		fatal("pthread_create");
	t0 = now_ns();
	for (i = 0; i < r->count; i++)
		take_turn(&p, 2 * i, 2 * i + 1);
	/* The last hand-back is the partner's; wait for it. */
	while (atomic_load(&p.turn) != 2 * r->count)
		futex_wait(&p.turn, atomic_load(&p.turn), 1000000);
	ns = (double)(now_ns() - t0) / r->count;
	pthread_join(th, NULL);
	put(s, "ns_per_round_trip", ns);
	put(s, "ns_per_wakeup", ns / 2);
}

static void eventline_post_cost(const struct row *r, struct sample *s)
{
	static unsigned char payload[64 * 64];
	struct eventline_post_entry e[64];
	uint64_t id, i, t0;
	int line, reg = -1;
	uint32_t j;

	line = evl_line(&id);
	if (r->n) {
		reg = evl_register(r->count, evl_ring_for(r->count, r->payload, 1),
				   0);
		evl_subscribe(reg, id);
	}
	for (j = 0; j < (uint32_t)r->batch; j++)
		e[j] = (struct eventline_post_entry){
			.type = 1, .payload_len = r->payload,
			.payload = (uintptr_t)(payload + j * r->payload) };
	t0 = now_ns();
	for (i = 0; i < r->count; i += r->batch) {
		if (r->batch > 1) {
			evl_post_batch(line, e, r->batch);
			continue;
		}
		j = el_post(line, 1, payload, r->payload, NULL);
		if (j)
			fatal_err("post", (int)j);
	}
	put(s, "ns_per_event", (double)(now_ns() - t0) / r->count);
	if (reg >= 0)
		close(reg);
	close(line);
}

static struct row *calib(const char *mech, row_fn fn, uint64_t full,
			 uint64_t brief)
{
	struct row *r = add_row("calib", mech, fn);

	r->count = g.short_mode ? brief : full;
	return r;
}

void calib_rows(void)
{
	static const int payloads[] = { 16, 64, 256, 1024, 4096 };
	struct row *r;
	size_t i;

	calib("null-syscall", null_syscall, 200000, 2000);
	calib("clock_gettime", clock_read, 200000, 2000);
	for (i = 0; i < ARRAY_SIZE(payloads); i++) {
		r = calib("memcpy", copy, 500000, 5000);
		r->payload = payloads[i];
		row_param(r, "payload", "%d", r->payload);
	}
	calib("eventfd", eventfd_pair, 100000, 1000);
	calib("futex-pingpong", futex_pingpong, 20000, 200);
	for (i = 0; i < 2; i++) {
		r = calib("shm-ring", w1_run, 65536, 256);
		r->mech_id = MECH_SHM;
		r->variant = W1_THREADS;
		r->payload = 64;
		r->batch = i ? 64 : 1;
		row_param(r, "payload", "%d", r->payload);
		row_param(r, "batch", "%d", r->batch);
		row_param(r, "threads", "true");
	}
	for (i = 0; i < 4; i++) {
		r = calib("eventline-post", eventline_post_cost, 16384, 256);
		r->payload = 64;
		r->batch = i & 1 ? 64 : 1;
		r->n = i >> 1;
		row_param(r, "payload", "%d", r->payload);
		row_param(r, "batch", "%d", r->batch);
		row_param(r, "subscribers", "%d", r->n);
	}
}
