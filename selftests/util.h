/* SPDX-License-Identifier: GPL-2.0 */
/*
 * util.h - helpers shared by the eventline selftests.
 *
 * These talk to /dev/eventline through the raw uapi (ioctl/read), never
 * through libeventline: the selftests check the kernel ABI itself.
 *
 * Convention: the tu_*() wrappers return >= 0 on success and -errno on
 * failure, like the kernel, so a test writes
 *	EXPECT_RET(tu_post(fd, 64, NULL, 0, NULL), EINVAL);
 * and tap.h prints the errno names when it does not match.
 */
#ifndef EVENTLINE_SELFTESTS_UTIL_H
#define EVENTLINE_SELFTESTS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/eventline.h>

#include "tap.h"

#define TU_DEV			"/dev/eventline"
#define TU_NOBODY		65534	/* the unprivileged uid/gid we drop to */
#define TU_OTHER		65533	/* a second unprivileged uid/gid */

#define TU_ALIGN8(x)		(((x) + 7UL) & ~7UL)
/* Size of the record a post of @len payload bytes produces. */
#define TU_REC_SIZE(len)	TU_ALIGN8(sizeof(struct eventline_record) + (len))

#define TU_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ioctl() returning -errno instead of setting errno. */
long tu_ioctl(int fd, unsigned long cmd, void *arg);

/*
 * Open the control device; skips the case when the module is not loaded
 * (no /dev/eventline), fails it on any other error.
 */
int tu_open_ctl(void);

/* GET_INFO into @info; aborts the case on failure. */
void tu_get_info(int ctl, struct eventline_info *info);
/* Same, opening and closing a control fd of its own. */
void tu_info(struct eventline_info *info);

/* LINE_CREATE: returns the owner fd or -errno; stores the id in @id. */
int tu_line_create(int ctl, const char *name, unsigned int mode,
		   unsigned int flags, uint64_t *id);
/* LINE_OPEN by id (@name NULL) or by name (@id 0): poster fd or -errno. */
int tu_line_open(int ctl, uint64_t id, const char *name, unsigned int flags);

/* REGISTER_CREATE: register fd or -errno. */
int tu_register_create(int ctl, unsigned int queue_len, unsigned int flags);

/* SUBSCRIBE / UNSUBSCRIBE by id (@name NULL) or by name. */
int tu_subscribe(int reg, uint64_t id, const char *name);
int tu_unsubscribe(int reg, uint64_t id);

/* POST: 0 or -errno; the event's sequence number goes to @seq. */
int tu_post(int fd, unsigned int type, const void *payload,
	    unsigned int len, uint64_t *seq);

/*
 * Read exactly one record of @len payload bytes: read() is given a buffer
 * of exactly TU_REC_SIZE(@len) bytes so it cannot return more than one.
 * Returns the bytes read or -errno.
 */
ssize_t tu_read_exact(int reg, void *buf, size_t len);

/*
 * A buffered reader, to walk records one by one when their sizes are not
 * known in advance.  tu_reader_next() returns 1 with *@rec set, 0 at end of
 * file, or -errno (-EAGAIN on an empty non-blocking register).
 */
struct tu_reader {
	int fd;
	size_t cap, len, off;
	unsigned char *buf;
};

void tu_reader_init(struct tu_reader *r, int fd, size_t cap);
void tu_reader_fini(struct tu_reader *r);
int tu_reader_next(struct tu_reader *r, const struct eventline_record **rec);

static inline const void *tu_payload(const struct eventline_record *rec)
{
	return (const unsigned char *)rec + rec->header_size;
}

/*
 * Check one record against what a post produced (category LINE, header
 * fields, payload bytes, zero padding).  Records failures via EXPECT_*;
 * returns false when anything was off.
 */
bool tu_check_line_record(const struct eventline_record *rec,
			  uint64_t line_id, unsigned int type, uint64_t seq,
			  const void *payload, unsigned int len);

/* Check a META record of @type about @line_id. */
bool tu_check_meta_record(const struct eventline_record *rec,
			  unsigned int type, uint64_t line_id);

/* Fill @buf with a pattern derived from @seed so payloads differ. */
void tu_fill(void *buf, size_t len, unsigned int seed);

/* Drop to uid/gid @id with no supplementary groups; aborts on failure. */
void tu_drop_privs(uid_t uid, gid_t gid);

/*
 * The debug kernel (scripts/debug-kernel.sh: KASAN, lockdep, kmemleak), told
 * by its kmemleak file: several times slower, and every allocation costs
 * more memory.
 */
bool tu_debug_kernel(void);

/* Raise RLIMIT_NOFILE to at least @n (as root, before dropping privs). */
void tu_raise_nofile(unsigned long n);

/*
 * fork() for helpers: the child must end with tap_child_exit() (or an
 * ASSERT); tu_wait_ok() then fails the case unless the child passed, and
 * passes a skip on.
 */
pid_t tu_fork(void);
void tu_wait_ok(pid_t pid);

/* Wait until thread/process @tid is asleep (state S), at most ~5 s. */
bool tu_wait_sleeping(pid_t tid);

/*
 * A buffer of @n bytes that ends exactly where an inaccessible page
 * begins, to check that the kernel fails with -EFAULT (and does not
 * overrun) when a struct runs off the end of mapped memory.
 */
void *tu_guarded(size_t n);

/* An address that is never mapped (a PROT_NONE page). */
void *tu_unmapped(void);

/*
 * Small files under /proc, /sys and debugfs: write @val (no newline
 * added), read the first line (newline stripped) or an integer.
 * 0 or -errno.
 */
int tu_write_str(const char *path, const char *val);
int tu_read_str(const char *path, char *buf, size_t len);
int tu_read_ll(const char *path, long long *val);

/* Sleep @ms milliseconds. */
void tu_msleep(unsigned int ms);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tu_now_ns(void);

/*
 * REGISTER_CREATE with an explicit ring size in bytes (0: the kernel's
 * default for @queue_len): register fd or -errno.
 */
int tu_register_create_ring(int ctl, unsigned int queue_len,
			    unsigned int ring_size, unsigned int flags);

/*
 * A cgroup v2 child cgroup of the test's own, with the memory controller,
 * to measure what the module charges (memory.current) to whom.
 * tu_cg_create() mounts cgroup2 at /sys/fs/cgroup if nothing is there and
 * skips the case when cgroup2 or its memory controller is unavailable;
 * @tag makes the name unique within the process; @max is memory.max in
 * bytes (swap is turned off for it).
 */
struct tu_cg {
	char dir[128];
};

void tu_cg_create(struct tu_cg *cg, const char *tag, long long max);
/* Move process @pid into @cg. */
void tu_cg_enter(const struct tu_cg *cg, pid_t pid);
/* An integer file of @cg, such as "memory.current"; aborts on failure. */
long long tu_cg_read(const struct tu_cg *cg, const char *file);
/*
 * Wait (a few seconds at most) until memory.current is at most @limit:
 * uncharging can lag an exit by RCU grace periods and per-cpu caches.
 * Returns the last value read.
 */
long long tu_cg_settle(const struct tu_cg *cg, long long limit);
/* Remove @cg once the processes in it are gone. */
void tu_cg_destroy(struct tu_cg *cg);

#endif /* EVENTLINE_SELFTESTS_UTIL_H */
