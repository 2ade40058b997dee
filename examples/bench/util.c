// SPDX-License-Identifier: MIT
/* elbench helpers: clocks, shared memory, processes, futexes, eventline. */
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t proc_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

void *shm_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		fatal_err("mmap shared", -errno);
	return p;
}

void shm_free(void *p, size_t size)
{
	munmap(p, size);
}

/* Fork a child that runs @fn and exits 0; fatal() in it exits 1. */
pid_t spawn(void (*fn)(void *arg), void *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fatal_err("fork", -errno);
	if (pid == 0) {
		/* A failed run must not leave readers blocked forever. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg);
		_exit(0);
	}
	return pid;
}

void reap(pid_t pid, const char *what)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fatal_err("waitpid", -errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fatal("%s (pid %d) failed (status 0x%x)", what, pid, status);
}

int futex_wait(_Atomic uint32_t *addr, uint32_t val, long timeout_ns)
{
	struct timespec ts = { timeout_ns / 1000000000L,
			       timeout_ns % 1000000000L };

	return syscall(SYS_futex, addr, FUTEX_WAIT, val,
		       timeout_ns ? &ts : NULL, NULL, 0);
}

void futex_wake(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, addr, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

/* Far beyond any wait of a working run, even under emulation. */
#define STALL_NS	(60ULL * 1000000000ULL)

/*
 * Sleep until *@ctr reaches @target.  Counters only grow; the waker calls
 * count_and_wake(), which wakes only while *@waiting says someone sleeps,
 * so the counting side pays no futex call while nobody waits.
 */
void wait_at_least(_Atomic uint32_t *ctr, _Atomic uint32_t *waiting,
		   uint32_t target)
{
	uint32_t v, seen = atomic_load(ctr);
	uint64_t since = now_ns();

	while ((v = atomic_load(ctr)) < target) {
		/*
		 * A counter that stops moving means a partner died or an event
		 * went missing: fail instead of hanging until the VM's limit.
		 */
		if (v != seen) {
			seen = v;
			since = now_ns();
		} else if (now_ns() - since > STALL_NS) {
			fatal("no progress for %d s: %u of %u counted",
			      (int)(STALL_NS / 1000000000ULL), v, target);
		}
		atomic_fetch_add(waiting, 1);
		/* Recheck after announcing ourselves: a wake may have gone by. */
		v = atomic_load(ctr);
		if (v < target)
			futex_wait(ctr, v, 20000000);
		atomic_fetch_sub(waiting, 1);
	}
}

void count_and_wake(_Atomic uint32_t *ctr, _Atomic uint32_t *waiting,
		    uint32_t add)
{
	atomic_fetch_add(ctr, add);
	if (atomic_load(waiting))
		futex_wake(ctr);
}

const char *mech_name(enum mech m)
{
	switch (m) {
	case MECH_EVL: return "eventline";
	case MECH_PIPE: return "pipe";
	case MECH_SEQP: return "unix-seqpacket";
	case MECH_SHM: return "eventfd+shm";
	case MECH_EFD: return "eventfd";
	}
	return "?";
}

/* W2 holds up to 2 x 64 pipe ends plus 1024 registers over its processes. */
void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Nearest-rank percentile of @n sorted values. */
double percentile(double *sorted, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p / 100.0 * n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return sorted[i - 1];
}

size_t evl_record_size(uint32_t payload)
{
	return ALIGN_UP(g.info.record_size + payload, EVENTLINE_RECORD_ALIGN);
}

/*
 * Smallest ring that holds @records records of @payload bytes plus the
 * META reserve of @subs subscriptions (64 bytes each and 64 spare).
 */
uint32_t evl_ring_for(uint64_t records, uint32_t payload, uint32_t subs)
{
	uint64_t want = records * evl_record_size(payload) + 64ULL * subs + 64;
	uint64_t ring = 4096;

	while (ring < want)
		ring <<= 1;
	if (ring > g.info.max_ring_size)
		fatal("a ring of %llu bytes exceeds max_ring_size %u",
		      (unsigned long long)ring, g.info.max_ring_size);
	return ring;
}

int evl_line(uint64_t *id)
{
	struct el_line_opts o = { .sz = sizeof(o), .mode = 0666,
				  .fd_flags = EVENTLINE_FD_CLOEXEC };
	int fd = el_line_create(g.ctx, NULL, &o, id);

	if (fd < 0)
		fatal_err("line create", fd);
	return fd;
}

/* libeventline's options have no ring size yet: the raw ioctl. */
int evl_register(uint32_t queue_len, uint32_t ring_size, uint32_t flags)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = flags | EVENTLINE_FD_CLOEXEC,
		.queue_len = queue_len,
		.ring_size = ring_size,
	};
	int fd = ioctl(g.ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc);

	if (fd < 0)
		fatal_err("register create", -errno);
	return fd;
}

void evl_subscribe(int reg, uint64_t line_id)
{
	int err = el_subscribe(reg, NULL, line_id, NULL);

	if (err)
		fatal_err("subscribe", err);
}

void evl_post_batch(int line, struct eventline_post_entry *e, uint32_t n)
{
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.count = n,
		.entry_size = sizeof(*e),
		.entries = (uintptr_t)e,
	};
	int ret = ioctl(line, EVENTLINE_IOC_POST_BATCH, &b);

	if (ret != (int)n)
		fatal_err("EVENTLINE_IOC_POST_BATCH", ret < 0 ? -errno : -EIO);
}

uint64_t evl_scan(const void *buf, size_t len, struct evl_count *c)
{
	const unsigned char *p = buf, *end = p + len;
	uint64_t events = 0;

	while (p < end) {
		const struct eventline_record *r = (const void *)p;

		if (end - p < (ptrdiff_t)sizeof(*r) || r->size < sizeof(*r) ||
		    r->size > (size_t)(end - p))
			fatal("malformed record stream");
		if (r->category == EVENTLINE_CAT_LINE) {
			if (r->seq <= c->last_seq)
				fatal("sequence went back: %llu after %llu",
				      (unsigned long long)r->seq,
				      (unsigned long long)c->last_seq);
			c->last_seq = r->seq;
			events++;
		} else if (r->category == EVENTLINE_CAT_META &&
			   r->type == EVENTLINE_META_OVERFLOW) {
			const struct eventline_overflow *o =
				(const void *)(p + r->header_size);

			c->lost += o->lost;
		} else if (r->category == EVENTLINE_CAT_META &&
			   r->type == EVENTLINE_META_LINE_CLOSED) {
			c->closed++;
		}
		p += r->size;
	}
	c->events += events;
	return events;
}
