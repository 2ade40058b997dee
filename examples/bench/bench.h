/* SPDX-License-Identifier: MIT */
/*
 * elbench internals: the row table the harness in ../elbench.c runs, and
 * the helpers every workload file (calib.c, w1.c, w2.c, w3.c, w6.c) shares.
 *
 * A row is one configuration of one mechanism in one workload.  Its run
 * function does one repetition and fills a sample with named metrics; the
 * harness runs every row once per repetition, in an order that rotates from
 * one repetition to the next, and reports the median, min and max of each
 * metric.  A run function that meets a real error (a failing call, events
 * lost where the configuration makes loss impossible) calls fatal(): the
 * program then exits non-zero.  Speed never fails a row.
 */
#ifndef ELBENCH_BENCH_H
#define ELBENCH_BENCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <eventline.h>

#define MAX_REPS	9
#define MAX_METRICS	12
#define MAX_ROWS	256

struct metric {
	const char *name;
	double v;
};

struct sample {
	int n;
	struct metric m[MAX_METRICS];
};

struct row;
typedef void (*row_fn)(const struct row *r, struct sample *s);

struct row {
	const char *workload;	/* "calib", "W1", "W2", "W2-iso", "W3", "W6" */
	const char *mech;	/* "eventline", "pipe", ... */
	char params[192];	/* JSON members, e.g. "payload":64,"batch":1 */
	char label[96];		/* the same for people */
	row_fn fn;
	int mech_id;		/* enum mech, for rows that share a run function */
	int payload, batch, n, mode, variant;
	uint64_t count;		/* events (or iterations) per repetition */
	struct sample s[MAX_REPS];
	int nrep;
};

/* Reader modes of W2. */
enum { MODE_BUSY, MODE_ASLEEP, MODE_EPOLL };

/* Mechanisms of the transport helpers. */
enum mech { MECH_EVL, MECH_PIPE, MECH_SEQP, MECH_SHM, MECH_EFD };

struct bench {
	bool short_mode;
	int reps;
	struct el_ctx *ctx;
	int ctl;			/* el_ctx_fd(ctx) */
	struct eventline_info info;
	long ncpus;
};

extern struct bench g;

/* Harness (elbench.c). */
struct row *add_row(const char *workload, const char *mech, row_fn fn);
void row_param(struct row *r, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void put(struct sample *s, const char *name, double v);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatal_err(const char *what, int err) __attribute__((noreturn));

/* Workload files: each adds its rows. */
void calib_rows(void);
void w1_rows(void);
void w2_rows(void);
void w3_rows(void);
void w6_rows(void);

/* One producer to one consumer (w1.c); calib.c runs it with threads. */
void w1_run(const struct row *r, struct sample *s);
#define W1_POST_SINGLY	1	/* variant: eventline POST even at batch 64 */
#define W1_THREADS	2	/* variant: two threads instead of two processes */
#define W1_MAPPED	4	/* variant: eventline consumer reads its mapped ring */

/* util.c */
uint64_t now_ns(void);
uint64_t proc_cpu_ns(void);
uint64_t thread_cpu_ns(void);
void *shm_alloc(size_t size);
void shm_free(void *p, size_t size);
pid_t spawn(void (*fn)(void *arg), void *arg);
void reap(pid_t pid, const char *what);
int futex_wait(_Atomic uint32_t *addr, uint32_t val, long timeout_ns);
void futex_wake(_Atomic uint32_t *addr);
void wait_at_least(_Atomic uint32_t *ctr, _Atomic uint32_t *waiting,
		   uint32_t target);
void count_and_wake(_Atomic uint32_t *ctr, _Atomic uint32_t *waiting,
		    uint32_t add);
const char *mech_name(enum mech m);
void raise_nofile(void);
double percentile(double *sorted, size_t n, double p);

/* eventline through the raw uapi where libeventline has no call yet. */
size_t evl_record_size(uint32_t payload);
uint32_t evl_ring_for(uint64_t records, uint32_t payload, uint32_t subs);
int evl_line(uint64_t *id);
int evl_register(uint32_t queue_len, uint32_t ring_size, uint32_t flags);
void evl_subscribe(int reg, uint64_t line_id);
void evl_post_batch(int line, struct eventline_post_entry *e, uint32_t n);

/*
 * Counts what one read() from a register returned.  @next_seq tracks the
 * line's sequence numbers: an event whose number is not above the last one
 * is a harness error, a gap is a loss (reported again, exactly, by the
 * OVERFLOW record).  Returns the number of events.
 */
struct evl_count {
	uint64_t events, lost, last_seq, closed;
};
uint64_t evl_scan(const void *buf, size_t len, struct evl_count *c);

#define ALIGN_UP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#endif /* ELBENCH_BENCH_H */
