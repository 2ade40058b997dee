// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_test - randomised ioctl/read/write/poll traffic against eventline.
 *
 * A seeded PRNG drives a pool of fds of every kind (control, line owner,
 * line poster, register, an epoll fd, and unrelated fds: /dev/null, a pipe,
 * an eventfd) through random operations: every eventline ioctl with valid,
 * mutated or random argument structs placed at good, misaligned, read-only
 * or bad addresses or straddling an unmapped page; random command numbers;
 * read() and write() with odd sizes and buffers; poll, epoll, fcntl, dup,
 * close, /proc fdinfo; mmap() of every part of a register's ring (and of
 * fds that have none), sometimes moving the mapped consumer position
 * anywhere; POST and POST_BATCH through IORING_OP_URING_CMD on a raw
 * io_uring; and now and then a forked child (sometimes as uid
 * 65534) that does the same with the fds it inherited, concurrently.
 *
 * The oracles, beyond "nothing crashed or hung":
 *  - every failing call returns an errno documented for that kind of fd
 *    and command; a call with exactly one thing wrong with it returns the
 *    errno the uapi header promises for that thing;
 *  - an ioctl writes nothing but its output fields, and only within the
 *    caller's size; fds come back with the EVENTLINE_FD_* flags asked for;
 *  - every record read is well formed, and per register and line the
 *    sequence numbers only grow and nothing follows LINE_CLOSED;
 *  - mmap() fails exactly as the ring's rules say; a ring mapping shows
 *    its size and the same bytes in both copies; a consumer position
 *    beyond the producer makes read() fail with EIO;
 *  - a uring_cmd's CQE gives what the same ioctl would, or EOPNOTSUPP on
 *    fds without commands, EINVAL for a non-zero __reserved;
 *  - line ids grow with every LINE_CREATE; LINE_INFO describes the line of
 *    the fd asked (or the id a register asked about) with nothing but
 *    defined bits; LINE_SUBS writes min(room, subscriptions) well-formed
 *    entries and says how many there are; the sub_ids it lists feed EVICT;
 *    "kernel." names are never created (EPERM) nor found (ENOENT);
 *  - POST and POST_BATCH sequence numbers per line only grow; a batch
 *    returns its count and never writes its entries; a register's ring
 *    is the size asked for (or GET_INFO's default_ring_size);
 *  - a known sequence (create, register, subscribe, post, overflow, close,
 *    read back) run every few hundred operations gives exactly the
 *    expected records ("sanity oracle");
 *  - the harness fails the case on any kernel log splat.
 *
 * Reproducing: each case prints "# fuzz: case=NAME seed=0x..."; run with
 * EL_FUZZ_SEED=0x... (and the same EL_FUZZ_ITERS) to replay it.  Inside the
 * VM of scripts/vm-run.sh there is no way to pass an environment, so the
 * same two knobs can be baked in at build time through CFLAGS (the
 * Makefile appends to CFLAGS taken from the environment):
 *
 *   CFLAGS="-O2 -g -DEL_FUZZ_DEFAULT_ITERS=2000000" \
 *	make -C selftests -B fuzz_test
 *   bash scripts/vm-run.sh --kver KVER --mode test --out /tmp/vm-fuzz \
 *	--filter fuzz_test --test-timeout 3000 --timeout 3600
 *
 * (-DEL_FUZZ_DEFAULT_SEED=0x... likewise.)  Case timeouts grow with the
 * iteration count.  A failing op is printed with its fd kind, command,
 * argument placement and mutation.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#ifndef EL_FUZZ_DEFAULT_ITERS
/* Short enough for `make check` under TCG; see the top of the file. */
#define EL_FUZZ_DEFAULT_ITERS	20000
#endif
#ifndef EL_FUZZ_DEFAULT_SEED
#define EL_FUZZ_DEFAULT_SEED	0	/* 0: from the clock */
#endif

#define FZ_POOL_MAX	48	/* fds in the pool */
#define FZ_OWNERS_MAX	20	/* line owner fds, far below max_lines_per_user */
#define FZ_IDS		32	/* line ids remembered, live or closed */
#define FZ_NAMES	10	/* shared name pool, so EEXIST happens */
#define FZ_SUBS		16	/* sub_ids LINE_SUBS listed, for EVICT, GRANT */
#define FZ_REVS		8	/* chain revisions LINE_SUBS gave */
#define FZ_ORACLE_EVERY	500	/* ops between two sanity oracle runs */
#define FZ_CHILD_OPS	300	/* ops of a forked child, at most */
#define FZ_HANG_SECS	30	/* one op taking this long is a hang */
#define FZ_REG_TRACK	16	/* lines tracked per register */
#define FZ_ERRNO_MAX	160
#define FZ_ENT_PAGES	8	/* POST_BATCH entries, then a guard page */

enum fz_kind {
	FZ_CTL,
	FZ_OWNER,
	FZ_POSTER,
	FZ_REG,
	FZ_EPOLL,
	FZ_DEVNULL,
	FZ_PIPE,
	FZ_EVENTFD,
	FZ_BADFD,	/* a number that is not an open fd */
	FZ_NKINDS,
};

static const char *const fz_kind_name[FZ_NKINDS] = {
	"control", "owner", "poster", "register", "epoll",
	"/dev/null", "pipe", "eventfd", "bad-fd",
};

/* What a register has shown us of one line, for ordering checks. */
struct fz_track {
	uint64_t line_id;
	uint64_t last_seq;
	bool closed;
	/*
	 * Retained events come first in a subscription, in seq order: the
	 * line's last record read was RETAINED (a run goes on, at ret_seq),
	 * and SUBSCRIBEs we made that a run may start with.
	 */
	bool in_run;
	uint64_t ret_seq;
	unsigned int subs_pending;
};

/* State of one register object, shared by its dups. */
struct fz_regobj {
	unsigned int refs;	/* pool entries pointing here */
	struct fz_track t[FZ_REG_TRACK];
	unsigned int next;	/* slot to evict */
	/* A forked child may use it too: its SUBSCRIBEs are unseen. */
	bool shared;
	uint32_t qlen;		/* queue_len it was created with */
	bool depth_filter;	/* EVENTLINE_REGISTER_DEPTH_FILTER */
	uint16_t min_depth, max_depth;
};

/* The calling thread's nesting state (uapi "Nesting"), as we know it. */
#define FZ_NEST_NONE	(-1)	/* handling nothing: posts are top-level */
#define FZ_NEST_UNKNOWN	(-2)	/* a read whose effect we cannot tell */

/* Depths of posts we made, to check the records they become. */
#define FZ_DEPTHS	1024
struct fz_depth {
	uint64_t line_id, seq;
	uint16_t depth;
};

struct fz_fd {
	int fd;
	enum fz_kind kind;
	uint64_t line_id;	/* owner/poster: the line */
	struct fz_regobj *reg;	/* register: its tracking */
};

struct fz_line {
	uint64_t id;
	uint64_t last_seq;	/* highest POST seq we were given */
};

/* Counters shared by a case and its children (MAP_SHARED). */
struct fz_stats {
	unsigned long ops;
	unsigned long oracles;
	unsigned long children;
	unsigned long ok;
	unsigned long ok_cmd[16];	/* successes per fz_cmds[] entry */
	unsigned long records;		/* records read and checked */
	unsigned long maps, scribbles;	/* mmaps that worked, consumer moves */
	unsigned long cqes;		/* uring_cmd completions */
	unsigned long err[FZ_ERRNO_MAX];
};

static struct {
	uint64_t rng;
	struct eventline_info info;
	struct fz_fd pool[FZ_POOL_MAX];
	unsigned int npool;
	struct fz_line ids[FZ_IDS];
	unsigned int nids;
	uint64_t last_created;	/* id of our latest LINE_CREATE */
	/* sub_ids seen in LINE_SUBS answers, with their line */
	struct {
		uint64_t line_id, sub_id;
	} subs[FZ_SUBS];
	unsigned int nsubs;
	/* chain revisions seen in LINE_SUBS answers, for expected_rev */
	struct {
		uint64_t line_id, rev;
	} revs[FZ_REVS];
	unsigned int nrevs;
	int handling;		/* depth this thread handles, or FZ_NEST_* */
	struct fz_depth depths[FZ_DEPTHS];
	unsigned int choke_percent, choke_msec;	/* module parameters */
	uint64_t target_line;	/* line of the fd the op goes to, if known */
	enum fz_kind target_kind;	/* kind of that fd */
	struct fz_regobj *target_reg;	/* a register's tracking, or NULL */
	long pg;
	unsigned char *rw;	/* two read-write pages ... */
	unsigned char *guard;	/* ... followed by this PROT_NONE page */
	unsigned char *ro;	/* a read-only page, PROT_NONE after it */
	unsigned char *snap;	/* copy of rw before an ioctl */
	/* POST_BATCH entries live here, a PROT_NONE page after them */
	unsigned char *ents, *ents_end, *ents_snap;
	/* the entries fz_build_valid() laid out last */
	struct {
		unsigned char *at;
		uint32_t count;		/* entries wholly in readable memory */
		uint32_t entry_size;
		uint64_t total;		/* payload bytes */
	} batch;
	bool is_child;
	pid_t child;
	unsigned long ops_left;
	unsigned int oracle_seq;
	struct fz_stats *stats;
} fz;

/* ------------------------------------------------------------------ */
/* PRNG: splitmix64, so a seed fully determines the op sequence.       */

static uint64_t fz_rand(void)
{
	uint64_t z = (fz.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t fz_below(uint32_t n)
{
	return n ? (uint32_t)(fz_rand() % n) : 0;
}

static bool fz_chance(unsigned int percent)
{
	return fz_below(100) < percent;
}

static void fz_random_bytes(void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)fz_rand();
}

/* ------------------------------------------------------------------ */
/* The op being run, for failure messages and the hang watchdog        */

static struct {
	const char *what;
	int fd;
	enum fz_kind kind;
	unsigned long cmd;
	const char *place;
	const char *mut;
	uint32_t size;
	uintptr_t arg;
	size_t count;
} fz_cur;

/* Ops done; the watchdog thread reads it with an atomic load. */
static unsigned long fz_progress;

static void fz_describe(char *buf, size_t len)
{
	snprintf(buf, len,
		 "op=%s fd=%d(%s) cmd=%#lx arg=%#lx place=%s mut=%s size=%u count=%zu seed-state=%#llx pid=%d",
		 fz_cur.what ? fz_cur.what : "?", fz_cur.fd,
		 fz_kind_name[fz_cur.kind], fz_cur.cmd,
		 (unsigned long)fz_cur.arg, fz_cur.place ? fz_cur.place : "-",
		 fz_cur.mut ? fz_cur.mut : "-", fz_cur.size, fz_cur.count,
		 (unsigned long long)fz.rng, getpid());
}

static void fz_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fz_report(const char *fmt, ...)
{
	char msg[512], op[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_describe(op, sizeof(op));
	tap_diag("fuzz failure: %s", msg);
	tap_diag("    at op #%lu: %s", fz_progress, op);
	tap_fail();
}

/*
 * Hang watchdog: a thread checks once a second that the op counter moves.
 * An op stuck for FZ_HANG_SECS is reported by what it was and by where the
 * fuzzing thread sits in the kernel (its syscall and kernel stack, read
 * from /proc while it is still blocked), which tells a fuzzer bug from a
 * missed wake-up; the harness's case timeout alone could tell neither.
 */
static void fz_dump_task(pid_t tid, const char *file)
{
	char path[64], buf[2048];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		dprintf(STDOUT_FILENO, "# fuzz:   %s: %s\n", file, line);
}

static void *fz_watchdog(void *arg)
{
	pid_t tid = (pid_t)(intptr_t)arg;
	unsigned long seen = 0, now;
	unsigned int stalled = 0;
	char op[512];

	for (;;) {
		sleep(1);
		now = __atomic_load_n(&fz_progress, __ATOMIC_RELAXED);
		if (now != seen) {
			seen = now;
			stalled = 0;
			continue;
		}
		if (++stalled >= FZ_HANG_SECS)
			break;
	}
	fz_describe(op, sizeof(op));
	dprintf(STDOUT_FILENO, "# fuzz: op #%lu hung for %d s: %s\n", seen,
		FZ_HANG_SECS, op);
	fz_dump_task(tid, "syscall");
	fz_dump_task(tid, "wchan");
	fz_dump_task(tid, "stack");
	_exit(TAP_EXIT_FAIL);
}

/* Start the watchdog for the calling (fuzzing) thread; again after fork. */
static void fz_start_watchdog(void)
{
	pthread_t th;

	ASSERT_EQ(pthread_create(&th, NULL, fz_watchdog,
				 (void *)(intptr_t)syscall(SYS_gettid)), 0);
	pthread_detach(th);
}

/*
 * Blocking reads of an empty register sleep until a record comes.  A
 * repeating 2 ms ITIMER_REAL around them, with a handler installed without
 * SA_RESTART, turns that into EINTR; repeating, so a tick that lands just
 * before the read starts cannot leave it asleep.
 */
static void fz_nop(int sig)
{
	(void)sig;
}

static void fz_interrupt_arm(bool on)
{
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };

	if (!on)
		memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
}

static void fz_signals(void)
{
	struct sigaction sa = { .sa_handler = fz_nop };

	sigemptyset(&sa.sa_mask);
	ASSERT_SYSOK(sigaction(SIGALRM, &sa, NULL));
	/* O_ASYNC registers send SIGIO to their owner; count nothing, restart. */
	sa.sa_flags = SA_RESTART;
	ASSERT_SYSOK(sigaction(SIGIO, &sa, NULL));
	signal(SIGPIPE, SIG_IGN);
}

/* ------------------------------------------------------------------ */
/* Result bookkeeping                                                  */

static void fz_count(long ret, int err)
{
	__atomic_add_fetch(&fz.stats->ops, 1, __ATOMIC_RELAXED);
	if (ret >= 0)
		__atomic_add_fetch(&fz.stats->ok, 1, __ATOMIC_RELAXED);
	else if (err > 0 && err < FZ_ERRNO_MAX)
		__atomic_add_fetch(&fz.stats->err[err], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fz_progress, 1, __ATOMIC_RELAXED);
}

/* Sets of errnos; EMSGSIZE is 90, so wider than 64 bits. */
typedef unsigned __int128 fz_errs_t;
#define FZ_E(e)	((fz_errs_t)1 << (e))

/* errnos every eventline ioctl may return on a kind of fd it accepts */
static const fz_errs_t fz_common_errs =
	FZ_E(EFAULT) | FZ_E(EINVAL) | FZ_E(E2BIG) | FZ_E(ENOMEM);

struct fz_cmd {
	const char *name;
	unsigned long cmd;
	unsigned int kinds;	/* 1 << FZ_* it is valid on */
	uint32_t ksize, ver0;
	fz_errs_t errs;		/* beyond fz_common_errs */
	/* output fields: [off, off + len) and [off2, off2 + len2) */
	uint32_t out_off, out_len;
	uint32_t out2_off, out2_len;
};

#define K(k)	(1U << (k))

static const struct fz_cmd fz_cmds[] = {
	{ "GET_INFO", EVENTLINE_IOC_GET_INFO, K(FZ_CTL),
	  sizeof(struct eventline_info), EVENTLINE_INFO_SIZE_VER0, 0,
	  offsetof(struct eventline_info, api_version),
	  sizeof(struct eventline_info) -
		offsetof(struct eventline_info, api_version), 0, 0 },
	/* EPERM: "kernel." and (as nobody) "sys." names. */
	{ "LINE_CREATE", EVENTLINE_IOC_LINE_CREATE, K(FZ_CTL),
	  sizeof(struct eventline_line_create),
	  EVENTLINE_LINE_CREATE_SIZE_VER0,
	  FZ_E(EEXIST) | FZ_E(EPERM) | FZ_E(EDQUOT) | FZ_E(EMFILE),
	  offsetof(struct eventline_line_create, id), 8, 0, 0 },
	{ "LINE_OPEN", EVENTLINE_IOC_LINE_OPEN, K(FZ_CTL),
	  sizeof(struct eventline_line_ref), EVENTLINE_LINE_REF_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(EACCES) | FZ_E(EDQUOT) | FZ_E(EMFILE),
	  offsetof(struct eventline_line_ref, id), 8, 0, 0 },
	{ "REGISTER_CREATE", EVENTLINE_IOC_REGISTER_CREATE, K(FZ_CTL),
	  sizeof(struct eventline_register_create),
	  EVENTLINE_REGISTER_CREATE_SIZE_VER0, FZ_E(EDQUOT) | FZ_E(EMFILE),
	  0, 0, 0, 0 },
	/* Out: the id found and the priority granted. */
	{ "SUBSCRIBE", EVENTLINE_IOC_SUBSCRIBE, K(FZ_REG),
	  sizeof(struct eventline_line_ref), EVENTLINE_LINE_REF_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(EACCES) | FZ_E(EEXIST) | FZ_E(ENOSPC) |
	  FZ_E(EDQUOT) | FZ_E(ENOBUFS),
	  offsetof(struct eventline_line_ref, id), 8,
	  offsetof(struct eventline_line_ref, priority), 4 },
	{ "UNSUBSCRIBE", EVENTLINE_IOC_UNSUBSCRIBE, K(FZ_REG),
	  sizeof(struct eventline_line_ref), EVENTLINE_LINE_REF_SIZE_VER0,
	  FZ_E(ENOENT), 0, 0, 0, 0 },
	/*
	 * EAGAIN: a non-blocking fd finding the staging ring full; ELOOP: a
	 * post made while handling records read at the deepest depth.
	 */
	{ "POST", EVENTLINE_IOC_POST, K(FZ_OWNER) | K(FZ_POSTER),
	  sizeof(struct eventline_post), EVENTLINE_POST_SIZE_VER0,
	  FZ_E(EMSGSIZE) | FZ_E(EPIPE) | FZ_E(EAGAIN) | FZ_E(ELOOP),
	  offsetof(struct eventline_post, seq), 8, 0, 0 },
	{ "POST_BATCH", EVENTLINE_IOC_POST_BATCH, K(FZ_OWNER) | K(FZ_POSTER),
	  sizeof(struct eventline_post_batch), EVENTLINE_POST_BATCH_SIZE_VER0,
	  FZ_E(EMSGSIZE) | FZ_E(EPIPE) | FZ_E(EAGAIN) | FZ_E(ELOOP),
	  offsetof(struct eventline_post_batch, first_seq), 8, 0, 0 },
	/* ENOENT: a register not subscribed to the id. */
	{ "LINE_INFO", EVENTLINE_IOC_LINE_INFO,
	  K(FZ_OWNER) | K(FZ_POSTER) | K(FZ_REG),
	  sizeof(struct eventline_line_info), EVENTLINE_LINE_INFO_SIZE_VER0,
	  FZ_E(ENOENT),
	  offsetof(struct eventline_line_info, id),
	  sizeof(struct eventline_line_info) -
		offsetof(struct eventline_line_info, id), 0, 0 },
	/* ENOENT: a register not subscribed to line_id. */
	{ "LINE_SUBS", EVENTLINE_IOC_LINE_SUBS, K(FZ_OWNER) | K(FZ_REG),
	  sizeof(struct eventline_line_subs), EVENTLINE_LINE_SUBS_SIZE_VER0,
	  FZ_E(ENOENT),
	  offsetof(struct eventline_line_subs, count), 4,
	  offsetof(struct eventline_line_subs, revision), 8 },
	{ "EVICT", EVENTLINE_IOC_EVICT, K(FZ_OWNER),
	  sizeof(struct eventline_evict), EVENTLINE_EVICT_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(ESTALE), 0, 0, 0, 0 },
	/* Out: the priority granted and the result after it. */
	{ "PRIORITY", EVENTLINE_IOC_PRIORITY, K(FZ_REG),
	  sizeof(struct eventline_priority), EVENTLINE_PRIORITY_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(ESTALE) | FZ_E(ENOBUFS),
	  offsetof(struct eventline_priority, priority), 8, 0, 0 },
	{ "GRANT", EVENTLINE_IOC_GRANT, K(FZ_OWNER),
	  sizeof(struct eventline_grant), EVENTLINE_GRANT_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(ESTALE), 0, 0, 0, 0 },
	{ "LINE_CONFIG", EVENTLINE_IOC_LINE_CONFIG, K(FZ_OWNER),
	  sizeof(struct eventline_line_config), EVENTLINE_LINE_CONFIG_SIZE_VER0,
	  0, 0, 0, 0, 0 },
	/* Returns how many retained events it dropped. */
	{ "RETAIN_CLEAR", EVENTLINE_IOC_RETAIN_CLEAR, K(FZ_OWNER),
	  sizeof(struct eventline_retain_clear),
	  EVENTLINE_RETAIN_CLEAR_SIZE_VER0, 0, 0, 0, 0, 0 },
	/*
	 * ENOENT: not a stage of the line; EINVAL: an event not given to it
	 * or answered already; ETIMEDOUT: it went on.
	 */
	{ "MUTATE", EVENTLINE_IOC_MUTATE, K(FZ_REG),
	  sizeof(struct eventline_mutate), EVENTLINE_MUTATE_SIZE_VER0,
	  FZ_E(ENOENT) | FZ_E(EINVAL) | FZ_E(ETIMEDOUT), 0, 0, 0, 0 },
};

enum {
	FZ_GET_INFO,
	FZ_LINE_CREATE,
	FZ_LINE_OPEN,
	FZ_REGISTER_CREATE,
	FZ_SUBSCRIBE,
	FZ_UNSUBSCRIBE,
	FZ_POST,
	FZ_POST_BATCH,
	FZ_LINE_INFO,
	FZ_LINE_SUBS,
	FZ_EVICT,
	FZ_PRIORITY,
	FZ_GRANT,
	FZ_LINE_CONFIG,
	FZ_RETAIN_CLEAR,
	FZ_MUTATE,
	FZ_NCMDS,
};

_Static_assert(TU_ARRAY_SIZE(fz_cmds) == FZ_NCMDS, "one entry per command");
_Static_assert(TU_ARRAY_SIZE(((struct fz_stats *)0)->ok_cmd) == FZ_NCMDS,
	       "a success counter per command");

static bool fz_is_evl_kind(enum fz_kind k)
{
	return k == FZ_CTL || k == FZ_OWNER || k == FZ_POSTER || k == FZ_REG;
}

static const struct fz_cmd *fz_cmd_lookup(uint32_t cmd)
{
	unsigned int i;

	for (i = 0; i < FZ_NCMDS; i++)
		if (fz_cmds[i].cmd == cmd)
			return &fz_cmds[i];
	return NULL;
}

static const char *fz_errset(fz_errs_t set, char *buf, size_t len)
{
	size_t off = 0;
	int e;

	buf[0] = '\0';
	for (e = 1; e < 128 && off < len; e++)
		if (set & FZ_E(e))
			off += snprintf(buf + off, len - off, "%s%s",
					off ? "," : "", tap_errname(e));
	return buf;
}

/*
 * Check a failed call: @err must be in @allowed, and be @predict when that
 * is non-zero (the call had exactly one documented thing wrong with it).
 */
static void fz_check_errno(int err, fz_errs_t allowed, int predict)
{
	char set[256];

	if (predict && err != predict) {
		fz_report("expected %s, got %s", tap_errname(predict),
			  tap_errname(err));
		return;
	}
	if (err <= 0 || err >= 128 || !(allowed & FZ_E(err)))
		fz_report("undocumented errno %s (allowed: %s)",
			  tap_errname(err), fz_errset(allowed, set, sizeof(set)));
}

/* ------------------------------------------------------------------ */
/* The fd pool                                                         */

static void fz_remember_line(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < fz.nids; i++)
		if (fz.ids[i].id == id)
			return;
	if (fz.nids < FZ_IDS) {
		fz.ids[fz.nids++] = (struct fz_line){ id, 0 };
	} else {
		memmove(&fz.ids[0], &fz.ids[1],
			(FZ_IDS - 1) * sizeof(fz.ids[0]));
		fz.ids[FZ_IDS - 1] = (struct fz_line){ id, 0 };
	}
}

static struct fz_line *fz_line_find(uint64_t id)
{
	unsigned int i;

	for (i = 0; i < fz.nids; i++)
		if (fz.ids[i].id == id)
			return &fz.ids[i];
	return NULL;
}

static unsigned int fz_count_kind(enum fz_kind kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < fz.npool; i++)
		n += fz.pool[i].kind == kind;
	return n;
}

static struct fz_regobj *fz_regobj_new(void)
{
	struct fz_regobj *r = calloc(1, sizeof(*r));

	ASSERT_TRUE(r != NULL);
	r->refs = 1;
	return r;
}

static void fz_regobj_put(struct fz_regobj *r)
{
	if (r && !--r->refs)
		free(r);
}

/* Add @fd to the pool, or close it when the pool is full. */
static void fz_pool_add(int fd, enum fz_kind kind, uint64_t line_id,
			struct fz_regobj *reg)
{
	if (fz.npool >= FZ_POOL_MAX ||
	    (kind == FZ_OWNER && fz_count_kind(FZ_OWNER) >= FZ_OWNERS_MAX)) {
		close(fd);
		fz_regobj_put(reg);
		return;
	}
	fz.pool[fz.npool++] = (struct fz_fd){ fd, kind, line_id, reg };
}

static void fz_pool_del(unsigned int i)
{
	fz_regobj_put(fz.pool[i].reg);
	fz.pool[i] = fz.pool[--fz.npool];
}

static int fz_pool_index(int fd)
{
	unsigned int i;

	for (i = 0; i < fz.npool; i++)
		if (fz.pool[i].fd == fd)
			return i;
	return -1;
}

/*
 * Pick a target fd.  Mostly pool entries; sometimes a number that is
 * certainly not open, which must give EBADF.
 */
static struct fz_fd fz_pick(void)
{
	static const int bad[] = { -1, 1021, 4095, 0x7fffffff };

	if (!fz.npool || fz_chance(3))
		return (struct fz_fd){ bad[fz_below(4)], FZ_BADFD, 0, NULL };
	return fz.pool[fz_below(fz.npool)];
}

static int fz_pick_kind(enum fz_kind kind)
{
	unsigned int i, n = fz_count_kind(kind), k;

	if (!n)
		return -1;
	k = fz_below(n);
	for (i = 0; i < fz.npool; i++)
		if (fz.pool[i].kind == kind && !k--)
			return i;
	return -1;
}

static void fz_open_misc(void)
{
	int p[2], fd;

	fd = open(TU_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		tap_skip(TU_DEV " missing: is the module loaded?");
	ASSERT_GE(fd, 0);
	fz_pool_add(fd, FZ_CTL, 0, NULL);
	fz_pool_add(ASSERT_SYSOK(open("/dev/null", O_RDWR | O_CLOEXEC)),
		    FZ_DEVNULL, 0, NULL);
	ASSERT_SYSOK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	fz_pool_add(p[0], FZ_PIPE, 0, NULL);
	fz_pool_add(p[1], FZ_PIPE, 0, NULL);
	fz_pool_add(ASSERT_SYSOK(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
		    FZ_EVENTFD, 0, NULL);
	fz_pool_add(ASSERT_SYSOK(epoll_create1(EPOLL_CLOEXEC)), FZ_EPOLL, 0,
		    NULL);
}

/* ------------------------------------------------------------------ */
/* Argument construction                                               */

/*
 * "kernel." names are kernel code's: LINE_CREATE says EPERM, so no lookup
 * can find one.  "sys." names need CAP_SYS_ADMIN: root creates them, the
 * nobody case and children cannot.
 */
#define FZ_KERNEL_NAME	"kernel.fz"

static const char *const fz_names[FZ_NAMES] = {
	"fz.a", "fz.b", "fz.c", "fz.d", "fz-long-name-0123456789", "fz/e",
	"fz~f", "Fz.G", FZ_KERNEL_NAME, "sys.fz",
};

/* A valid name, or empty. */
static void fz_name_valid(char name[EVENTLINE_NAME_MAX])
{
	memset(name, 0, EVENTLINE_NAME_MAX);
	strcpy(name, fz_names[fz_below(FZ_NAMES)]);
}

/* A name the header forbids. */
static void fz_name_invalid(char name[EVENTLINE_NAME_MAX])
{
	unsigned int i;

	fz_name_valid(name);
	switch (fz_below(6)) {
	case 0:	/* unterminated */
		for (i = 0; i < EVENTLINE_NAME_MAX; i++)
			name[i] = 'a' + i % 26;
		break;
	case 1:	/* blank */
		name[1] = ' ';
		break;
	case 2:	/* control character */
		name[2] = (char)(1 + fz_below(31));
		break;
	case 3:	/* DEL or Latin-1 */
		name[0] = (char)(0x7f + fz_below(0x81));
		break;
	case 4:	/* garbage after the NUL */
		name[EVENTLINE_NAME_MAX - 1 - fz_below(40)] = 'x';
		break;
	default:	/* tab in the middle */
		name[3] = '\t';
		break;
	}
}

/* Some line id: mostly of a line we hold open, else known or made up. */
static uint64_t fz_pick_id(void)
{
	unsigned int i, n = 0;
	uint64_t live[FZ_POOL_MAX];

	for (i = 0; i < fz.npool; i++)
		if (fz.pool[i].line_id)
			live[n++] = fz.pool[i].line_id;
	if (n && fz_chance(60))
		return live[fz_below(n)];

	switch (fz_below(10)) {
	case 0:
		return 1 + fz_below(1000);
	case 1:
		return (uint64_t)UINT32_MAX + 1 + fz_below(3);
	case 2:
		return fz_rand() | 1;
	default:
		if (!fz.nids)
			return 1;
		return fz.ids[fz_below(fz.nids)].id;
	}
}

/* Kernel addresses and other pointers no user access may succeed on. */
static uintptr_t fz_bad_ptr(const char **what)
{
	switch (fz_below(7)) {
	case 0:
		*what = "NULL";
		return 0;
	case 1:
		*what = "prot-none";
		return (uintptr_t)fz.guard + fz_below(fz.pg);
	case 2:
		*what = "kernel-text";
		return 0xffffffff81000000UL + fz_below(1 << 20);
	case 3:
		*what = "direct-map";
		return 0xffff888000000000UL + (fz_rand() & 0xfffffff8UL);
	case 4:
		*what = "non-canonical";
		return 0x8000000000000000UL | (fz_rand() & 0xffffffffffUL);
	case 5:
		*what = "low";
		return 1 + fz_below(0xfff);
	default:
		*what = "all-ones";
		return ~0UL - fz_below(64);
	}
}

static uint32_t fz_fd_flags(void)
{
	uint32_t f = fz_below(4);

	/* Mostly close-on-exec, like real users; NONBLOCK half the time. */
	return f | (fz_chance(80) ? EVENTLINE_FD_CLOEXEC : 0);
}

/* A valid payload of @len bytes: somewhere in the rw pages. */
static uint64_t fz_payload_ptr(uint32_t len)
{
	return (uintptr_t)fz.rw + fz_below(2 * fz.pg - len + 1);
}

/* Entries of a valid batch at @at, fz.batch describing them. */
static void fz_lay_entries(unsigned char *at, uint32_t count,
			   uint32_t entry_size, bool big)
{
	uint64_t room = fz.info.max_post_batch_bytes;
	uint32_t i;

	fz.batch.at = at;
	fz.batch.count = count;
	fz.batch.entry_size = entry_size;
	fz.batch.total = 0;
	for (i = 0; i < count; i++) {
		struct eventline_post_entry e = {
			.type = fz_below(EVENTLINE_TYPE_MAX + 1),
			.payload_len = big ? fz.info.max_payload :
				       fz_chance(5) ? fz.info.max_payload :
				       fz_below(200),
		};

		if (!big && e.payload_len > room - fz.batch.total)
			e.payload_len = 0;
		if (e.payload_len || fz_chance(50))
			e.payload = fz_payload_ptr(e.payload_len);
		fz.batch.total += e.payload_len;
		memset(at + (size_t)i * entry_size, 0, entry_size);
		memcpy(at + (size_t)i * entry_size, &e, sizeof(e));
	}
}

/*
 * A parent depth for EVENTLINE_POST_PARENT: mostly one a handler could
 * name (below max_depth), sometimes max_depth or beyond (ELOOP).
 */
static uint16_t fz_parent_depth(void)
{
	uint32_t max = fz.info.max_depth;

	if (fz_chance(75))
		return fz_below(max);
	if (fz_chance(50))
		return max + fz_below(3);
	return max + fz_below(0x10000 - max);
}

/*
 * A valid POST_BATCH: a few entries, now and then as many as allowed (or
 * as fit the entries area), mostly of the size this header knows, else
 * bigger with a zero tail; anywhere in the entries area, aligned or not.
 */
static void fz_build_batch(struct eventline_post_batch *a)
{
	static const uint32_t sizes[] = { 24, 32, 64, 136, 4096 };
	size_t area = fz.ents_end - fz.ents;
	uint32_t es, count, most;

	es = fz_chance(70) ? sizeof(struct eventline_post_entry) :
			     sizes[fz_below(TU_ARRAY_SIZE(sizes))];
	most = area / es < fz.info.max_post_batch ? area / es :
						    fz.info.max_post_batch;
	count = fz_chance(5) ? most : 1 + fz_below(8 < most ? 8 : most);
	memset(fz.ents, 0, area);
	fz_lay_entries(fz.ents + fz_below(area - (size_t)count * es + 1), count,
		       es, false);
	a->size = sizeof(*a);
	a->count = count;
	a->entry_size = es;
	a->entries = (uintptr_t)fz.batch.at;
	if (fz_chance(20)) {
		a->flags = EVENTLINE_POST_PARENT;
		a->parent_depth = fz_parent_depth();
	}
}

/* Where the depth of a post of ours to (@line_id, @seq) is kept. */
static struct fz_depth *fz_depth_slot(uint64_t line_id, uint64_t seq)
{
	return &fz.depths[(line_id * 0x9e3779b97f4a7c15ULL + seq) % FZ_DEPTHS];
}

static uint64_t fz_pick_reg_line(void);
static struct fz_track *fz_track(struct fz_regobj *r, uint64_t line_id);
struct fz_arg;
static void fz_note_depths(const struct fz_fd *f, unsigned int ci,
			   const struct fz_arg *a, long ret);

/*
 * A valid LINE_SUBS: room for a few entries (or none), of the size this
 * header knows or bigger, anywhere in the entries area.
 */
static void fz_build_subs(struct eventline_line_subs *a)
{
	static const uint32_t sizes[] = { 32, 64, 136, 4096 };
	size_t area = fz.ents_end - fz.ents;
	uint32_t es, count;

	es = fz_chance(70) ? sizeof(struct eventline_sub_info) :
			     sizes[fz_below(TU_ARRAY_SIZE(sizes))];
	count = fz_below(9);
	a->size = sizeof(*a);
	a->count = count;
	a->entry_size = es;
	a->entries = (uintptr_t)fz.ents +
		     fz_below(area - (size_t)count * es + 1);
	/* A register names the line; the owner fd ignores it. */
	a->line_id = fz.target_kind == FZ_REG || fz_chance(50) ?
		     fz_pick_reg_line() : fz_rand();
}

/* A priority: mostly the default or near it, else anywhere in range. */
static int32_t fz_priority(void)
{
	if (fz_chance(50))
		return EVENTLINE_PRIORITY_DEFAULT;
	if (fz_chance(60))
		return (int32_t)fz_below(21) - 10;
	return EVENTLINE_PRIORITY_MIN +
	       (int32_t)fz_below(EVENTLINE_PRIORITY_MAX -
				 EVENTLINE_PRIORITY_MIN + 1);
}

/* A priority the header forbids. */
static int32_t fz_priority_invalid(void)
{
	switch (fz_below(3)) {
	case 0:
		return EVENTLINE_PRIORITY_MAX + 1 + (int32_t)fz_below(1000);
	case 1:
		return EVENTLINE_PRIORITY_MIN - 1 - (int32_t)fz_below(1000);
	default:
		return fz_chance(50) ? INT32_MIN : INT32_MAX;
	}
}

/*
 * An expected chain revision: mostly none (0), else one LINE_SUBS gave
 * for the target's line (current or since outdated), else any.
 */
static uint64_t fz_expected_rev(void)
{
	unsigned int i, n = 0, pick[FZ_REVS];

	if (fz_chance(60))
		return 0;
	for (i = 0; i < fz.nrevs; i++)
		if (fz.revs[i].line_id == fz.target_line || !fz.target_line)
			pick[n++] = i;
	if (n && fz_chance(80))
		return fz.revs[pick[fz_below(n)]].rev;
	return 1 + fz_below(1000);
}

/* A sub_id: mostly one listed for the target's line, else any. */
static uint64_t fz_pick_sub_id(void)
{
	unsigned int i, n = 0, pick[FZ_SUBS];

	for (i = 0; i < fz.nsubs; i++)
		if (fz.subs[i].line_id == fz.target_line)
			pick[n++] = i;
	if (n && fz_chance(80))
		return fz.subs[pick[fz_below(n)]].sub_id;
	if (fz.nsubs && fz_chance(50))
		return fz.subs[fz_below(fz.nsubs)].sub_id;
	return 1 + fz_below(1000);
}

/* A line for a register: mostly one it has records of, else any. */
static uint64_t fz_pick_reg_line(void)
{
	struct fz_regobj *r = fz.target_reg;
	unsigned int i, n = 0;
	uint64_t ids[FZ_REG_TRACK];

	for (i = 0; r && i < FZ_REG_TRACK; i++)
		if (r->t[i].line_id && !r->t[i].closed)
			ids[n++] = r->t[i].line_id;
	if (n && fz_chance(70))
		return ids[fz_below(n)];
	return fz_pick_id();
}

/* Build a valid struct for fz_cmds[@c] in @buf. */
static void fz_build_valid(unsigned int c, void *buf)
{
	switch (c) {
	case FZ_GET_INFO: {
		struct eventline_info *a = buf;

		a->size = sizeof(*a);
		break;
	}
	case FZ_LINE_CREATE: {
		struct eventline_line_create *a = buf;

		a->size = sizeof(*a);
		a->flags = fz_fd_flags();
		/* Only the bits GET_INFO reports as line_modes: a valid mode. */
		a->mode = (uint32_t)fz_rand() & 0666;
		if (fz_chance(60))
			fz_name_valid(a->name);
		break;
	}
	case FZ_LINE_OPEN:
	case FZ_SUBSCRIBE:
	case FZ_UNSUBSCRIBE: {
		struct eventline_line_ref *a = buf;

		a->size = sizeof(*a);
		if (c == FZ_LINE_OPEN)
			a->flags = fz_fd_flags();
		if (c != FZ_UNSUBSCRIBE && fz_chance(40))
			fz_name_valid(a->name);
		else
			a->id = fz_pick_id();
		if (c == FZ_SUBSCRIBE)
			a->priority = fz_priority();
		/* An expected owner: ourselves, root, nobody, or the kernel. */
		if (c != FZ_UNSUBSCRIBE && fz_chance(20)) {
			static const uint32_t uids[] = { 0, TU_NOBODY, TU_OTHER };

			if (fz_chance(30))
				a->flags |= EVENTLINE_REF_KERNEL_OWNED;
			if (fz_chance(80)) {
				a->flags |= EVENTLINE_REF_OWNER_UID;
				a->owner_uid = fz_chance(50) ? geteuid() :
					       uids[fz_below(3)];
			}
		}
		break;
	}
	case FZ_LINE_INFO: {
		struct eventline_line_info *a = buf;

		a->size = sizeof(*a);
		a->id = fz_pick_id();	/* ignored on line fds */
		break;
	}
	case FZ_LINE_SUBS:
		fz_build_subs(buf);
		break;
	case FZ_EVICT: {
		struct eventline_evict *a = buf;

		a->size = sizeof(*a);
		a->sub_id = fz_pick_sub_id();
		a->expected_rev = fz_expected_rev();
		break;
	}
	case FZ_PRIORITY: {
		struct eventline_priority *a = buf;

		a->size = sizeof(*a);
		a->line_id = fz_pick_reg_line();
		a->priority = fz_priority();
		a->expected_rev = fz_expected_rev();
		break;
	}
	case FZ_GRANT: {
		struct eventline_grant *a = buf;

		a->size = sizeof(*a);
		/* Now and then a stage, and now and then one no more. */
		a->flags = fz_chance(20) ? EVENTLINE_GRANT_MUTATE : 0;
		a->sub_id = fz_pick_sub_id();
		a->max_priority = fz_priority();
		a->expected_rev = fz_expected_rev();
		break;
	}
	case FZ_MUTATE: {
		struct eventline_mutate *a = buf;

		a->size = sizeof(*a);
		a->line_id = fz_pick_reg_line();
		a->seq = fz_below(64);
		a->action = fz_below(3);
		if (a->action == EVENTLINE_MUTATE_REPLACE) {
			a->type = fz_below(EVENTLINE_TYPE_MAX + 1);
			a->payload_len = fz_below(64);
			a->payload = (uintptr_t)fz.rw +
				     fz_below(fz.pg - a->payload_len + 1);
		}
		break;
	}
	case FZ_RETAIN_CLEAR: {
		struct eventline_retain_clear *a = buf;

		a->size = sizeof(*a);
		a->types = fz_chance(50) ? ~0ULL : fz_rand();
		break;
	}
	case FZ_LINE_CONFIG: {
		struct eventline_line_config *a = buf;

		a->size = sizeof(*a);
		/* Mostly the module's default, so most lines keep it. */
		a->priority_ceiling = fz_chance(70) ? fz.info.priority_ceiling :
						      fz_priority();
		break;
	}
	case FZ_REGISTER_CREATE: {
		struct eventline_register_create *a = buf;
		static const uint32_t lens[] = { 0, 1, 2, 3, 4, 7, 8, 16, 33 };
		uint32_t qlen;

		a->size = sizeof(*a);
		a->flags = fz_fd_flags() |
			   (fz_chance(20) ? EVENTLINE_REGISTER_WAKE_ALWAYS : 0);
		a->queue_len = fz_chance(2) ? fz.info.max_queue_len :
					      lens[fz_below(TU_ARRAY_SIZE(lens))];
		/*
		 * Mostly the default ring; else 4 KiB..1 MiB, or rarely the
		 * largest allowed while that is modest (the VM has 1 GiB).
		 */
		if (fz_chance(30))
			a->ring_size = 4096U << fz_below(9);
		else if (fz_chance(1) && fz.info.max_ring_size <= 16 << 20)
			a->ring_size = fz.info.max_ring_size;
		if (a->ring_size > fz.info.max_ring_size)
			a->ring_size = fz.info.max_ring_size;
		qlen = a->queue_len ? a->queue_len : fz.info.default_queue_len;
		if (fz_chance(30))
			a->wakeup_records = fz_chance(20) ? qlen :
					    fz_below(qlen + 1);
		/* A depth range, sometimes past max_depth (nothing deeper). */
		if (fz_chance(20)) {
			a->flags |= EVENTLINE_REGISTER_DEPTH_FILTER;
			a->min_depth = fz_below(fz.info.max_depth + 2);
			a->max_depth = a->min_depth +
				       fz_below(fz.info.max_depth + 2);
		}
		break;
	}
	case FZ_POST: {
		struct eventline_post *a = buf;

		a->size = sizeof(*a);
		a->type = fz_below(EVENTLINE_TYPE_MAX + 1);
		a->payload_len = fz_chance(5) ? fz.info.max_payload :
						fz_below(200);
		if (a->payload_len || fz_chance(50))
			a->payload = (uintptr_t)fz.rw +
				     fz_below(2 * fz.pg - a->payload_len + 1);
		/* The line's state for its type, now and then. */
		if (fz_chance(15))
			a->flags |= EVENTLINE_POST_RETAIN;
		if (fz_chance(20)) {
			a->flags |= EVENTLINE_POST_PARENT;
			a->parent_depth = fz_parent_depth();
		}
		break;
	}
	case FZ_POST_BATCH:
		fz_build_batch(buf);
		break;
	}
}

/* Value of the size field that a mutation produced, and what it predicts. */
struct fz_arg {
	unsigned char *ptr;	/* where the struct is */
	size_t avail;		/* bytes readable from ptr, for size checks */
	bool plain;		/* in the rw pages: snapshot and compare */
	uint32_t usize;		/* the size field as set */
	int predict;		/* errno one mutation promises, or 0 */
	bool late;		/* ... found only after output is probed */
	bool early;		/* POST/POST_BATCH: fails before the depth is */
	/* POST/POST_BATCH: no ELOOP possible; the depth the post gets */
	bool no_eloop, depth_known;
	uint16_t depth;
	unsigned int nmut;
	char mut[96];
};

static void fz_mut_note(struct fz_arg *a, const char *what, int predict)
{
	size_t len = strlen(a->mut);

	snprintf(a->mut + len, sizeof(a->mut) - len, "%s%s",
		 len ? "+" : "", what);
	/* Two things wrong at once: the header does not say which wins. */
	a->predict = a->nmut++ ? 0 : predict;
}

/* A mutation a post may fail for before its depth is checked (ELOOP). */
static void fz_mut_early(struct fz_arg *a, const char *what, int predict)
{
	a->early = true;
	fz_mut_note(a, what, predict);
}

static void fz_mutate_size(const struct fz_cmd *c, struct fz_arg *a)
{
	uint32_t *size = (uint32_t *)a->ptr;
	uint32_t s;

	/* Any error a size gives comes before a post's depth is. */
	a->early = true;
	switch (fz_below(9)) {
	case 0:
		s = fz_below(c->ver0);
		*size = s;
		fz_mut_note(a, "size<ver0", EINVAL);
		return;
	case 1:	/* bigger, zero tail: accepted */
		s = c->ksize + 1 + fz_below(64);
		break;
	case 2:	/* bigger, non-zero tail */
		s = c->ksize + 1 + fz_below(64);
		if (s <= a->avail) {
			a->ptr[c->ksize + fz_below(s - c->ksize)] =
				1 + fz_below(255);
			*size = s;
			fz_mut_note(a, "size-tail", E2BIG);
			return;
		}
		break;
	case 3:
		s = fz.pg;
		break;
	case 4:
		s = fz.pg + 1 + fz_below(4);
		*size = s;
		fz_mut_note(a, "size>page", E2BIG);
		return;
	case 5:
		s = ~0U - fz_below(4);
		*size = s;
		fz_mut_note(a, "size-huge", E2BIG);
		return;
	case 6:	/* near the next page boundary, zero tail */
		s = fz.pg - fz_below(16);
		break;
	case 7:
		s = c->ver0;
		break;
	default:
		s = (uint32_t)fz_rand();
		*size = s;
		/* In between, the tail may run past what is readable. */
		fz_mut_note(a, "size-random", s < c->ver0 ? EINVAL :
				 s > (uint32_t)fz.pg ? E2BIG : 0);
		return;
	}
	*size = s;
	/* A zero tail is fine while it can be read; past that, EFAULT. */
	a->early = s > a->avail;
	fz_mut_note(a, "size-zero-tail", s > a->avail ? EFAULT : 0);
}

/* Entry @k of the batch fz_build_valid() laid out. */
static struct eventline_post_entry *fz_entry(uint32_t k)
{
	return (void *)(fz.batch.at + (size_t)k * fz.batch.entry_size);
}

/* Give entry @k @len bytes of payload at @ptr, within the total allowed. */
static void fz_entry_payload(uint32_t k, uint32_t len, uint64_t ptr)
{
	struct eventline_post_entry *e = fz_entry(k);
	uint64_t others = fz.batch.total - e->payload_len;

	if (len > fz.info.max_post_batch_bytes - others)
		len = 1;
	fz.batch.total = others + len;
	e->payload_len = len;
	e->payload = ptr;
}

/*
 * One thing wrong with a valid batch (struct or entries), and what the
 * header says it gives.  Entries are checked in order before any payload
 * is copied and before anything is posted, so even on a closed line the
 * batch fails for its own fault first.
 */
static void fz_mutate_batch(struct eventline_post_batch *s, struct fz_arg *a)
{
	uint32_t k = fz_below(fz.batch.count), es = fz.batch.entry_size, n;
	struct eventline_post_entry *e = fz_entry(k);
	unsigned int what = fz_below(17);
	unsigned char *old = fz.batch.at;
	const char *why;
	size_t fits;

	/* An earlier mutation left no entry to change (see case 4). */
	if (!fz.batch.count && what >= 4 && what <= 12)
		what = 13;
	/*
	 * Entries are read after the output field is probed: in a struct
	 * that cannot be written, EFAULT comes first.
	 */
	if (what >= 4 && what <= 11)
		a->late = true;
	switch (what) {
	case 0:
		s->count = 0;
		fz_mut_early(a, "count=0", EINVAL);
		return;
	case 1:
		s->count = fz.info.max_post_batch + 1 +
			   (fz_chance(50) ? 0 :
			    fz_below(~0U - fz.info.max_post_batch));
		fz_mut_early(a, "count>max", EINVAL);
		return;
	case 2:
		switch (fz_below(3)) {
		case 0:
			s->entry_size =
				fz_below(EVENTLINE_POST_ENTRY_SIZE_VER0);
			break;
		case 1:
			s->entry_size = 17 + fz_below(fz.pg - 17);
			if (!(s->entry_size % 8))
				s->entry_size++;
			break;
		default:
			s->entry_size = fz.pg + 1 + fz_below(~0U - fz.pg);
			break;
		}
		fz_mut_early(a, "entry_size", EINVAL);
		return;
	case 3:
		s->entries = fz_bad_ptr(&why);
		fz_mut_note(a, "entries-bad-ptr", EFAULT);
		return;
	case 4:	/* the last entry runs into the guard page */
		fits = 1 + fz_below(es - 1);
		fz.batch.at = fz.ents_end - (size_t)(fz.batch.count - 1) * es -
			      fits;
		memmove(fz.batch.at, old,
			(size_t)(fz.batch.count - 1) * es + fits);
		s->entries = (uintptr_t)fz.batch.at;
		/* The last one is cut by the guard: leave it alone. */
		fz.batch.count--;
		fz_mut_note(a, "entries-straddle", EFAULT);
		return;
	case 5:
		e->flags = 1 + fz_below(0xffff);
		fz_mut_note(a, "entry-flags", EINVAL);
		return;
	case 6:
		e->type = EVENTLINE_TYPE_MAX + 1 +
			  fz_below(0xffff - EVENTLINE_TYPE_MAX);
		fz_mut_note(a, "entry-type", EINVAL);
		return;
	case 7:
		e->payload_len = fz.info.max_payload + 1 +
				 (fz_chance(50) ? 0 :
				  fz_below(~0U - fz.info.max_payload));
		fz_mut_note(a, "entry-payload_len>max", EMSGSIZE);
		return;
	case 8:	/* every payload valid, too many bytes in all */
		n = fz.info.max_post_batch_bytes / fz.info.max_payload + 1;
		if (n > fz.info.max_post_batch ||
		    (size_t)n * sizeof(*e) > (size_t)(fz.ents_end - fz.ents))
			break;
		fz_lay_entries(fz.ents, n, sizeof(*e), true);
		s->count = n;
		s->entry_size = sizeof(*e);
		s->entries = (uintptr_t)fz.ents;
		fz_mut_note(a, "total>max_post_batch_bytes", EMSGSIZE);
		return;
	case 9:
		if (es == sizeof(*e))
			break;
		((unsigned char *)e)[sizeof(*e) + fz_below(es - sizeof(*e))] =
			1 + fz_below(255);
		fz_mut_note(a, "entry-tail", E2BIG);
		return;
	case 10:
		n = 1 + fz_below(fz.info.max_payload);
		fz_entry_payload(k, n, fz_bad_ptr(&why));
		fz_mut_note(a, "entry-payload-bad-ptr", EFAULT);
		return;
	case 11:
		n = 2 + fz_below(fz.info.max_payload - 1);
		fz_entry_payload(k, n, (uintptr_t)fz.guard - 1 -
				       fz_below(n - 1));
		fz_mut_note(a, "entry-payload-straddles", EFAULT);
		return;
	case 12:
		fz_entry_payload(k, 0, fz_bad_ptr(&why));
		fz_mut_note(a, "entry-len0-bad-ptr", 0);
		return;
	case 14:	/* POST_BATCH takes no RETAIN */
		s->flags |= EVENTLINE_POST_RETAIN;
		fz_mut_early(a, "batch-retain", EINVAL);
		return;
	case 15:	/* a parent depth without its flag */
		s->flags &= ~EVENTLINE_POST_PARENT;
		s->parent_depth = 1 + fz_below(0xffff);
		fz_mut_early(a, "parent_depth-no-flag", EINVAL);
		return;
	case 16:
		if (fz_chance(50))
			s->__reserved0 = 1 + fz_below(0xffff);
		else
			s->__reserved1 = 1 + fz_below(~0U);
		fz_mut_early(a, "reserved", EINVAL);
		return;
	default:
		break;
	}
	s->first_seq = fz_rand();	/* output only: ignored */
	fz_mut_note(a, "first_seq-in", 0);
}

/*
 * A priority where it does not belong: LINE_OPEN and UNSUBSCRIBE take
 * none (EINVAL, checked with the flags).  SUBSCRIBE checks its range once
 * the line is found, so only a line that is certainly found and ours to
 * read (held open by an owner fd of ours, as root, no expected owner)
 * predicts EINVAL.
 */
static void fz_mutate_ref_priority(unsigned int ci, struct eventline_line_ref *s,
				   struct fz_arg *a)
{
	int own;

	if (ci != FZ_SUBSCRIBE) {
		s->priority = fz_chance(50) ? fz_priority_invalid() :
					      1 + (int32_t)fz_below(1000);
		fz_mut_note(a, "priority", EINVAL);
		return;
	}
	s->priority = fz_priority_invalid();
	own = geteuid() == 0 ? fz_pick_kind(FZ_OWNER) : -1;
	if (own < 0 || !fz.pool[own].line_id) {
		fz_mut_note(a, "priority-range", 0);
		return;
	}
	memset(s->name, 0, sizeof(s->name));
	s->id = fz.pool[own].line_id;
	s->flags = 0;
	s->owner_uid = 0;
	fz_mut_note(a, "priority-range-own-line", EINVAL);
}

static void fz_mutate(unsigned int ci, struct fz_arg *a)
{
	const struct fz_cmd *c = &fz_cmds[ci];
	unsigned char *p = a->ptr;
	unsigned int what = fz_below(8);
	uint32_t bit;

	if (what == 0) {
		fz_mutate_size(c, a);
		return;
	}
	if (what == 1) {	/* flags: a bit GET_INFO does not advertise */
		uint32_t *flags = (uint32_t *)(p + 4), valid = 0;

		switch (ci) {
		case FZ_LINE_CREATE:
			valid = fz.info.line_create_flags;
			break;
		case FZ_LINE_OPEN:
			valid = fz.info.line_open_flags;
			break;
		case FZ_REGISTER_CREATE:
			valid = fz.info.register_flags;
			break;
		case FZ_SUBSCRIBE:
			valid = fz.info.subscribe_flags;
			break;
		case FZ_POST:
			valid = fz.info.post_flags;
			break;
		case FZ_POST_BATCH:
			/* The header gives a batch only POST_PARENT. */
			valid = fz.info.post_flags & EVENTLINE_POST_PARENT;
			break;
		case FZ_GRANT:
			valid = EVENTLINE_GRANT_MUTATE;
			break;
		}
		do
			bit = fz_below(32);
		while (valid & (1U << bit));
		*flags |= 1U << bit;
		fz_mut_early(a, "flags", EINVAL);
		return;
	}

	switch (ci) {
	case FZ_GET_INFO:
		/* Output fields carry no meaning on input: garbage is fine. */
		fz_random_bytes(p + 8, c->ksize - 8);
		fz_mut_note(a, "garbage-outputs", 0);
		return;
	case FZ_LINE_CREATE: {
		struct eventline_line_create *s = (void *)p;

		switch (what % 4) {
		case 0:
			/* an execute bit, or one above the permission bits */
			s->mode |= fz_chance(50) ? 0111 & (0700 >> 3 * fz_below(3)) :
						   1U << (9 + fz_below(23));
			fz_mut_note(a, "mode", EINVAL);
			return;
		case 1:
			s->__reserved = 1 + fz_below(~0U);
			fz_mut_note(a, "reserved", EINVAL);
			return;
		case 2:
			fz_name_invalid(s->name);
			fz_mut_note(a, "name", EINVAL);
			return;
		default:
			s->id = fz_rand();	/* output only: ignored */
			fz_mut_note(a, "id-in", 0);
			return;
		}
	}
	case FZ_LINE_OPEN:
	case FZ_SUBSCRIBE:
	case FZ_UNSUBSCRIBE: {
		struct eventline_line_ref *s = (void *)p;

		switch (what % 6) {
		case 4:	/* an owner_uid without the flag that gives it meaning */
			s->flags &= ~EVENTLINE_REF_OWNER_UID;
			s->owner_uid = 1 + fz_below(~0U);
			fz_mut_note(a, "owner_uid-no-flag", EINVAL);
			return;
		case 5:
			fz_mutate_ref_priority(ci, s, a);
			return;
		case 0:	/* both id and name */
			s->id = fz_pick_id();
			fz_name_valid(s->name);
			fz_mut_note(a, "id+name", EINVAL);
			return;
		case 1:	/* neither */
			s->id = 0;
			memset(s->name, 0, sizeof(s->name));
			fz_mut_note(a, "no-id-no-name", EINVAL);
			return;
		case 2:
			s->id = 0;
			fz_name_invalid(s->name);
			fz_mut_note(a, "bad-name", EINVAL);
			return;
		default:
			memset(s->name, 0, sizeof(s->name));
			s->id = (uint64_t)UINT32_MAX + 1 + (fz_rand() >> 33);
			/* UNSUBSCRIBE: not subscribed to it either way. */
			fz_mut_note(a, "id>u32", ENOENT);
			return;
		}
	}
	case FZ_REGISTER_CREATE: {
		struct eventline_register_create *s = (void *)p;
		uint32_t max = fz.info.max_ring_size, qlen;

		switch (fz_below(9)) {
		case 8:	/* a depth range upside down */
			s->flags |= EVENTLINE_REGISTER_DEPTH_FILTER;
			s->max_depth = fz_below(0xffff);
			s->min_depth = s->max_depth + 1 +
				       fz_below(0xffff - s->max_depth);
			fz_mut_note(a, "min_depth>max_depth", EINVAL);
			return;
		case 0:	/* depths without the flag that gives them meaning */
			s->flags &= ~EVENTLINE_REGISTER_DEPTH_FILTER;
			if (fz_chance(50))
				s->min_depth = 1 + fz_below(0xffff);
			else
				s->max_depth = 1 + fz_below(0xffff);
			fz_mut_note(a, "depth-no-flag", EINVAL);
			return;
		case 1:
			s->queue_len = fz.info.max_queue_len + 1 +
				       fz_below(~0U - fz.info.max_queue_len);
			fz_mut_note(a, "queue_len", EINVAL);
			return;
		case 2:	/* in range, not a power of two */
			s->ring_size = 4097 + fz_below(max - 4097);
			if (!(s->ring_size & (s->ring_size - 1)))
				s->ring_size++;
			fz_mut_note(a, "ring_size-pow2", EINVAL);
			return;
		case 3:	/* below a page, powers of two included */
			s->ring_size = fz_chance(50) ? 1U << fz_below(12) :
						       1 + fz_below(4095);
			fz_mut_note(a, "ring_size<4096", EINVAL);
			return;
		case 4:
			s->ring_size = fz_chance(50) && max <= (1U << 30) ?
				       max << 1 : max + 1 + fz_below(~0U - max);
			fz_mut_note(a, "ring_size>max", EINVAL);
			return;
		case 5:
			s->wakeup_usec = 1000001 + fz_below(~0U - 1000001);
			fz_mut_note(a, "wakeup_usec>1s", EINVAL);
			return;
		case 6:
			s->__reserved2 = 1 + fz_below(~0U);
			fz_mut_note(a, "__reserved2", EINVAL);
			return;
		default:
			qlen = s->queue_len ? s->queue_len :
					      fz.info.default_queue_len;
			s->wakeup_records = qlen + 1 + fz_below(~0U - qlen);
			fz_mut_note(a, "wakeup_records>queue_len", EINVAL);
			return;
		}
	}
	case FZ_POST_BATCH:
		fz_mutate_batch((void *)p, a);
		return;
	case FZ_LINE_INFO:
		/* All out but a register's id: garbage is fine on line fds. */
		fz_random_bytes(p + 8, c->ksize - 8);
		fz_mut_note(a, "garbage-outputs", 0);
		return;
	case FZ_LINE_SUBS: {
		struct eventline_line_subs *s = (void *)p;
		const char *why;

		switch (what % 5) {
		case 4:	/* a line no register is subscribed to */
			s->line_id = (uint64_t)UINT32_MAX + 1 + (fz_rand() >> 33);
			fz_mut_note(a, "line_id-unknown",
				    fz.target_kind == FZ_REG ? ENOENT : 0);
			return;
		case 0:
			switch (fz_below(3)) {
			case 0:
				s->entry_size =
					fz_below(EVENTLINE_SUB_INFO_SIZE_VER0);
				break;
			case 1:
				s->entry_size = 25 + fz_below(fz.pg - 25);
				if (!(s->entry_size % 8))
					s->entry_size++;
				break;
			default:
				s->entry_size = fz.pg + 1 +
						fz_below(~0U - fz.pg);
				break;
			}
			fz_mut_note(a, "entry_size", EINVAL);
			return;
		case 1:	/* EFAULT only if the line has subscriptions */
			s->count = 1 + fz_below(8);
			s->entries = fz_bad_ptr(&why);
			fz_mut_note(a, "entries-bad-ptr", 0);
			return;
		case 2:	/* room claimed up to and past the guard page */
			s->count = fz_chance(50) ? ~0U - fz_below(4) :
				   1 + fz_below(64);
			s->entries = (uintptr_t)fz.ents_end - s->entry_size *
				     (1 + fz_below(2)) + fz_below(8);
			fz_mut_note(a, "entries-straddle", 0);
			return;
		default:
			s->count = 0;
			s->entries = fz_bad_ptr(&why);	/* never touched */
			fz_mut_note(a, "no-room-bad-ptr", 0);
			return;
		}
	}
	case FZ_EVICT: {
		struct eventline_evict *s = (void *)p;

		if (fz_chance(50)) {
			/* A handle never handed out (the revision is checked first). */
			s->sub_id = fz_rand() | 1ULL << 63;
			s->expected_rev = 0;
			fz_mut_note(a, "sub_id-unknown", ENOENT);
		} else {
			/* A revision no chain reaches. */
			s->expected_rev = fz_rand() | 1ULL << 63;
			fz_mut_note(a, "rev-stale", ESTALE);
		}
		return;
	}
	case FZ_PRIORITY: {
		struct eventline_priority *s = (void *)p;

		switch (what % 4) {
		case 0:	/* checked before the subscription is looked for */
			s->priority = fz_priority_invalid();
			fz_mut_note(a, "priority-range", EINVAL);
			return;
		case 1:
			s->line_id = (uint64_t)UINT32_MAX + 1 + (fz_rand() >> 33);
			fz_mut_note(a, "line_id-unknown", ENOENT);
			return;
		case 2:	/* ESTALE if subscribed, else ENOENT */
			s->expected_rev = fz_rand() | 1ULL << 63;
			fz_mut_note(a, "rev-stale", 0);
			return;
		default:
			s->result = (uint32_t)fz_rand();	/* out only */
			fz_mut_note(a, "result-in", 0);
			return;
		}
	}
	case FZ_GRANT: {
		struct eventline_grant *s = (void *)p;

		switch (what % 4) {
		case 0:
			s->max_priority = fz_priority_invalid();
			fz_mut_note(a, "max_priority-range", EINVAL);
			return;
		case 1:
			s->__reserved = 1 + fz_below(~0U);
			fz_mut_note(a, "reserved", EINVAL);
			return;
		case 2:
			s->sub_id = fz_rand() | 1ULL << 63;
			s->expected_rev = 0;
			fz_mut_note(a, "sub_id-unknown", ENOENT);
			return;
		default:
			s->expected_rev = fz_rand() | 1ULL << 63;
			fz_mut_note(a, "rev-stale", ESTALE);
			return;
		}
	}
	case FZ_LINE_CONFIG: {
		struct eventline_line_config *s = (void *)p;

		/*
		 * Its second word (once __reserved) is the header's
		 * stage_timeout_ms now, whose range is for the stages'
		 * fuzzing to judge.
		 */
		s->priority_ceiling = fz_priority_invalid();
		fz_mut_note(a, "ceiling-range", EINVAL);
		return;
	}
	case FZ_POST: {
		struct eventline_post *s = (void *)p;
		const char *why;

		switch (what % 6) {
		case 0:
			s->type = EVENTLINE_TYPE_MAX + 1 +
				  fz_below(0xffff - EVENTLINE_TYPE_MAX);
			fz_mut_early(a, "type", EINVAL);
			return;
		case 1:	/* a parent depth without its flag */
			s->flags &= ~EVENTLINE_POST_PARENT;
			s->parent_depth = 1 + fz_below(0xffff);
			fz_mut_early(a, "parent_depth-no-flag", EINVAL);
			return;
		case 2:
			s->payload_len = fz.info.max_payload + 1 +
				(fz_chance(50) ? 0 :
				 fz_below(~0U - fz.info.max_payload));
			fz_mut_early(a, "payload_len>max", EMSGSIZE);
			return;
		case 3:	/* payload at a bad address */
			s->payload_len = 1 + fz_below(fz.info.max_payload);
			s->payload = fz_bad_ptr(&why);
			fz_mut_note(a, "payload-bad-ptr", EFAULT);
			return;
		case 4:	/* payload runs into the guard page */
			s->payload_len = 2 + fz_below(fz.info.max_payload - 1);
			s->payload = (uintptr_t)fz.guard - 1 -
				     fz_below(s->payload_len - 1);
			fz_mut_note(a, "payload-straddles", EFAULT);
			return;
		default:	/* zero length, pointer anywhere */
			s->payload_len = 0;
			s->payload = fz_bad_ptr(&why);
			fz_mut_note(a, "len0-bad-ptr", 0);
			return;
		}
	}
	}
}

/* ------------------------------------------------------------------ */
/* ioctl                                                               */

/*
 * Command numbers the VFS handles itself before the driver sees them
 * (FIOCLEX, FIONBIO, FIOASYNC, FIFREEZE, FICLONE, FS_IOC_*, FIBMAP...).
 * Random commands stay out of their type bytes: their results are not
 * eventline's, and freezing the anon inode fs is not a test.
 */
static bool fz_vfs_cmd(uint32_t cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00:	/* FIBMAP, FIGETBSZ */
	case 0x15:	/* FS_IOC_GETFSUUID, FS_IOC_GETFSSYSFSPATH */
	case 0x54:	/* FIO* as 'T' */
	case 0x58:	/* FIFREEZE, FITHAW, FS_IOC_FSGETXATTR... */
	case 0x66:	/* FS_IOC_GETFLAGS, FS_IOC_FIEMAP */
	case 0x94:	/* FICLONE, FIDEDUPERANGE */
		return true;
	}
	return false;
}

static unsigned long fz_random_cmd(void)
{
	unsigned long cmd;

	do {
		switch (fz_below(5)) {
		case 0:	/* our magic, anything else */
			cmd = _IOC(fz_below(4), EVENTLINE_IOC_MAGIC,
				   fz_chance(50) ? fz_cmds[fz_below(FZ_NCMDS)].cmd & 0xff :
						   fz_below(256),
				   fz_below(_IOC_SIZEMASK + 1));
			break;
		case 1:	/* a real command, one bit off */
			cmd = fz_cmds[fz_below(FZ_NCMDS)].cmd ^
			      (1UL << fz_below(32));
			break;
		case 2:
			/*
			 * A real command with junk in the upper half: the
			 * kernel truncates cmd to 32 bits, so it is that one.
			 */
			cmd = fz_cmds[fz_below(FZ_NCMDS)].cmd |
			      (fz_rand() << 32);
			break;
		case 3:
			cmd = (uint32_t)fz_rand();
			break;
		default:
			cmd = fz_rand();
			break;
		}
	} while (fz_vfs_cmd((uint32_t)cmd));
	return cmd;
}

/* @n events posted on @f's line from @first on: numbers only grow. */
static void fz_check_seqs(const struct fz_fd *f, uint64_t first, uint32_t n)
{
	struct fz_line *l = f->line_id ? fz_line_find(f->line_id) : NULL;

	if (!first)
		fz_report("post gave seq 0");
	if (l && first <= l->last_seq)
		fz_report("post seq %llu after %llu on line %llu",
			  (unsigned long long)first,
			  (unsigned long long)l->last_seq,
			  (unsigned long long)f->line_id);
	if (l)
		l->last_seq = first + n - 1;
}

/* A number from /proc/self/fdinfo/@fd after @key, or 0 if unreadable. */
static unsigned int fz_fdinfo_uint(int fd, const char *key)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return 0;	/* no /proc, or not ours to read as nobody */
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, key);
	return p ? strtoul(p + strlen(key), NULL, 10) : 0;
}

/*
 * A new register's ring is the size asked for, or for the default queue
 * length GET_INFO's default_ring_size.
 */
static void fz_check_ring_size(int fd, const struct fz_arg *a)
{
	struct eventline_register_create rc = { 0 };
	unsigned int want, got;

	memcpy(&rc, a->ptr, a->usize < sizeof(rc) ? a->usize : sizeof(rc));
	want = rc.ring_size ? rc.ring_size :
	       !rc.queue_len ? fz.info.default_ring_size : 0;
	got = fz_fdinfo_uint(fd, "ring_size:");
	if (want && got && got != want)
		fz_report("register of ring_size %u, queue_len %u has a ring of %u",
			  rc.ring_size, rc.queue_len, got);
}

/*
 * LINE_INFO answered: about the fd's own line (a line fd) or the id asked
 * (a register), with only defined bits set and a terminated name.
 */
static void fz_line_info_ok(const struct fz_fd *f, const struct fz_arg *a)
{
	struct eventline_line_info li = { 0 };
	uint64_t asked;

	memcpy(&li, a->ptr, a->usize < sizeof(li) ? a->usize : sizeof(li));
	memcpy(&asked, fz.snap + (a->ptr - fz.rw) +
	       offsetof(struct eventline_line_info, id), 8);
	if (!li.id || (f->kind == FZ_REG && li.id != asked) ||
	    (f->kind != FZ_REG && f->line_id && li.id != f->line_id))
		fz_report("LINE_INFO on a %s fd (line %llu, asked %llu) says line %llu",
			  fz_kind_name[f->kind],
			  (unsigned long long)f->line_id,
			  (unsigned long long)asked,
			  (unsigned long long)li.id);
	if (li.mode & ~fz.info.line_modes ||
	    li.priority_ceiling < EVENTLINE_PRIORITY_MIN ||
	    li.priority_ceiling > EVENTLINE_PRIORITY_MAX ||
	    li.line_flags & ~(EVENTLINE_LINE_KERNEL_OWNED |
			      EVENTLINE_LINE_CLOSED) ||
	    li.nr_subs > fz.info.max_registers_per_line ||
	    !memchr(li.name, '\0', sizeof(li.name)))
		fz_report("LINE_INFO: mode %#o flags %#x subs %u ceiling %d",
			  li.mode, li.line_flags, li.nr_subs,
			  li.priority_ceiling);
	/* An owner fd holds its line open. */
	if (f->kind == FZ_OWNER && li.line_flags & EVENTLINE_LINE_CLOSED)
		fz_report("LINE_INFO on an owner fd says closed");
}

/* Remember the revision LINE_SUBS gave for @line_id. */
static void fz_remember_rev(uint64_t line_id, uint64_t rev)
{
	unsigned int i;

	for (i = 0; i < fz.nrevs; i++) {
		if (fz.revs[i].line_id == line_id) {
			fz.revs[i].rev = rev;
			return;
		}
	}
	i = fz.nrevs < FZ_REVS ? fz.nrevs++ : fz_below(FZ_REVS);
	fz.revs[i].line_id = line_id;
	fz.revs[i].rev = rev;
}

/*
 * LINE_SUBS answered: min(room, subscriptions) entries written, count the
 * subscriptions, a revision; each entry well formed, in chain order
 * (priorities never rise).  The owner sees every field and no MINE; a
 * register sees its own entry MINE and others' uid and pid only for its
 * uid.  Its sub_ids feed EVICT and GRANT, its revision expected_rev.
 */
static void fz_line_subs_ok(const struct fz_fd *f, long ret,
			    const struct fz_arg *a, bool known)
{
	const uint32_t defined = EVENTLINE_SUB_OWNER | EVENTLINE_SUB_MINE |
				 EVENTLINE_SUB_HIDDEN | EVENTLINE_SUB_NICE |
				 EVENTLINE_SUB_STAGE;
	struct eventline_line_subs ls = { 0 };
	uint32_t room, i, k, mine = 0;
	int32_t prev = EVENTLINE_PRIORITY_MAX;
	uint64_t line_id;
	bool alone;
	unsigned char *e;
	size_t n;

	if (!known)
		return;
	memcpy(&ls, a->ptr, a->usize < sizeof(ls) ? a->usize : sizeof(ls));
	memcpy(&room, fz.snap + (a->ptr - fz.rw) +
	       offsetof(struct eventline_line_subs, count), 4);
	/*
	 * A register lists a chain it is on; alone, nothing can evict it
	 * between its lookup and the listing.
	 */
	alone = !fz.child && !fz.is_child;
	if (ret != (room < ls.count ? room : ls.count) ||
	    ls.count > fz.info.max_registers_per_line ||
	    (f->kind == FZ_REG && alone && !ls.count)) {
		fz_report("LINE_SUBS on a %s fd with room %u returned %ld, count %u",
			  fz_kind_name[f->kind], room, ret, ls.count);
		return;
	}
	line_id = f->kind == FZ_REG ? ls.line_id : f->line_id;
	if (a->usize >= offsetof(struct eventline_line_subs, revision) + 8) {
		/* Every subscription raised it: 0 only for a chain never used. */
		if (!ls.revision && ls.count)
			fz_report("LINE_SUBS gave revision 0 with %u subscriptions",
				  ls.count);
		else if (line_id)
			fz_remember_rev(line_id, ls.revision);
	}
	e = (unsigned char *)(uintptr_t)ls.entries;
	if (e < fz.ents || e + (size_t)ret * ls.entry_size > fz.ents_end)
		return;
	n = ls.entry_size < sizeof(struct eventline_sub_info) ?
	    ls.entry_size : sizeof(struct eventline_sub_info);
	for (i = 0; i < ret; i++, e += ls.entry_size) {
		struct eventline_sub_info si = { 0 };

		memcpy(&si, e, n);
		mine += !!(si.sub_flags & EVENTLINE_SUB_MINE);
		if (!si.sub_id || si.sub_flags & ~defined ||
		    si.priority < EVENTLINE_PRIORITY_MIN ||
		    si.priority > prev ||
		    (f->kind != FZ_REG &&
		     si.sub_flags & (EVENTLINE_SUB_MINE | EVENTLINE_SUB_HIDDEN)) ||
		    (si.sub_flags & EVENTLINE_SUB_HIDDEN && (si.uid || si.pid)) ||
		    (n >= offsetof(struct eventline_sub_info, queued) &&
		     (si.max_priority < EVENTLINE_PRIORITY_MIN ||
		      si.max_priority > EVENTLINE_PRIORITY_MAX))) {
			fz_report("LINE_SUBS entry %u on a %s fd: sub_id %llu flags %#x uid %u pid %u priority %d (after %d) max %d",
				  i, fz_kind_name[f->kind],
				  (unsigned long long)si.sub_id, si.sub_flags,
				  si.uid, si.pid, si.priority, prev,
				  si.max_priority);
			return;
		}
		prev = si.priority;
		k = fz.nsubs < FZ_SUBS ? fz.nsubs++ : fz_below(FZ_SUBS);
		fz.subs[k].line_id = line_id;
		fz.subs[k].sub_id = si.sub_id;
	}
	/* A register's whole listing holds its own subscription once. */
	if (f->kind == FZ_REG && alone && ret == ls.count && mine != 1)
		fz_report("LINE_SUBS on a register: %u entries MINE of %ld",
			  mine, ret);
}

/*
 * SUBSCRIBE or PRIORITY succeeded: it returns (or PRIORITY's result says)
 * EVENTLINE_PRIORITY_CAPPED exactly when the priority written back is
 * below the one asked, and never grants more than asked or out of range.
 */
static void fz_priority_ok(unsigned int ci, long ret, const struct fz_arg *a,
			   bool known)
{
	size_t off = ci == FZ_SUBSCRIBE ?
		     offsetof(struct eventline_line_ref, priority) :
		     offsetof(struct eventline_priority, priority);
	uint32_t result = 0;
	int32_t asked, granted;
	long capped;

	if (ci == FZ_PRIORITY ? ret != 0 :
	    ret != 0 && ret != EVENTLINE_PRIORITY_CAPPED) {
		fz_report("%s returned %ld", fz_cmds[ci].name, ret);
		return;
	}
	/* A caller whose size stops short gets no priority back. */
	if (!known || a->usize < off + 4)
		return;
	memcpy(&asked, fz.snap + (a->ptr - fz.rw) + off, 4);
	memcpy(&granted, a->ptr + off, 4);
	capped = ret;
	if (ci == FZ_PRIORITY) {
		memcpy(&result, a->ptr + off + 4, 4);
		capped = result;
	}
	if (granted > asked || granted < EVENTLINE_PRIORITY_MIN ||
	    capped != (granted < asked ? EVENTLINE_PRIORITY_CAPPED : 0))
		fz_report("%s asked %d, granted %d, returned %ld, result %u",
			  fz_cmds[ci].name, asked, granted, ret, result);
}

/* A successful ioctl: check what came back and adopt new fds. */
static void fz_ioctl_ok(const struct fz_fd *f, unsigned int ci, long ret,
			const struct fz_arg *a)
{
	uint32_t flags = 0;
	bool known = a->plain && a->usize >= fz_cmds[ci].ver0;
	uint64_t id = 0;
	int fl;

	__atomic_add_fetch(&fz.stats->ok_cmd[ci], 1, __ATOMIC_RELAXED);
	if (known)
		memcpy(&flags, a->ptr + 4, 4);

	switch (ci) {
	case FZ_LINE_CREATE:
	case FZ_LINE_OPEN:
	case FZ_REGISTER_CREATE:
		if (ret < 0 || ret > 0x7fffffff) {
			fz_report("%s returned %ld, not an fd",
				  fz_cmds[ci].name, ret);
			return;
		}
		if (known) {
			/* The fd must be what the EVENTLINE_FD_* bits said. */
			fl = fcntl(ret, F_GETFD);
			if (!!(fl & FD_CLOEXEC) != !!(flags & EVENTLINE_FD_CLOEXEC))
				fz_report("FD_CLOEXEC %#x for flags %#x", fl, flags);
			fl = fcntl(ret, F_GETFL);
			if (!!(fl & O_NONBLOCK) != !!(flags & EVENTLINE_FD_NONBLOCK))
				fz_report("O_NONBLOCK %#x for flags %#x", fl, flags);
			if (ci == FZ_REGISTER_CREATE && (fl & O_ACCMODE) != O_RDWR)
				fz_report("register fd access mode %#x", fl);
		}
		if (ci == FZ_REGISTER_CREATE) {
			struct eventline_register_create rc = { 0 };
			struct fz_regobj *r = fz_regobj_new();
			size_t n = a->usize < sizeof(rc) ? a->usize : sizeof(rc);

			if (known)
				fz_check_ring_size(ret, a);
			/* What the kernel read: it accepted it. */
			memcpy(&rc, a->ptr, n < a->avail ? n : a->avail);
			r->qlen = rc.queue_len ? rc.queue_len :
				  fz.info.default_queue_len;
			r->depth_filter = rc.flags &
					  EVENTLINE_REGISTER_DEPTH_FILTER;
			r->min_depth = rc.min_depth;
			r->max_depth = rc.max_depth;
			fz_pool_add(ret, FZ_REG, 0, r);
			return;
		}
		if (known) {
			memcpy(&id, a->ptr + fz_cmds[ci].out_off, 8);
			if (!id)
				fz_report("%s gave line id 0", fz_cmds[ci].name);
			/* One counter, never reused: each new line is later. */
			if (ci == FZ_LINE_CREATE && id <= fz.last_created)
				fz_report("LINE_CREATE gave id %llu after %llu",
					  (unsigned long long)id,
					  (unsigned long long)fz.last_created);
			if (ci == FZ_LINE_CREATE)
				fz.last_created = id;
			fz_remember_line(id);
		}
		fz_pool_add(ret, ci == FZ_LINE_CREATE ? FZ_OWNER : FZ_POSTER,
			    id, NULL);
		return;
	default:
		break;
	}

	if (ci == FZ_LINE_SUBS) {
		fz_line_subs_ok(f, ret, a, known);
		return;
	}
	/* Its retained events may come first now (uapi "Retained events"). */
	if (ci == FZ_SUBSCRIBE && f->reg) {
		if (known) {
			memcpy(&id, a->ptr + offsetof(struct eventline_line_ref,
						      id), 8);
			fz_track(f->reg, id)->subs_pending++;
		} else {
			f->reg->shared = true;
		}
	}
	if (ci == FZ_SUBSCRIBE || ci == FZ_PRIORITY) {
		fz_priority_ok(ci, ret, a, known);
		return;
	}
	/* A line keeps at most one retained event per type. */
	if (ci == FZ_RETAIN_CLEAR) {
		if (ret > EVENTLINE_TYPE_MAX + 1)
			fz_report("RETAIN_CLEAR returned %ld", ret);
		return;
	}
	if (ci == FZ_POST_BATCH) {
		struct eventline_post_batch b;

		if (!known) {
			if (ret < 1 || ret > fz.info.max_post_batch)
				fz_report("POST_BATCH returned %ld", ret);
			return;
		}
		memcpy(&b, a->ptr, sizeof(b));
		if (ret != b.count)
			fz_report("POST_BATCH of %u returned %ld", b.count, ret);
		fz_check_seqs(f, b.first_seq, b.count);
		return;
	}
	if (ret != 0)
		fz_report("%s returned %ld, not 0", fz_cmds[ci].name, ret);

	if (ci == FZ_GET_INFO && known) {
		struct eventline_info got;
		size_t n = a->usize < sizeof(got) ? a->usize : sizeof(got);

		memcpy(&got, &fz.info, sizeof(got));
		memcpy(&got, a->ptr, n);
		got.size = fz.info.size;
		if (memcmp(&got, &fz.info, sizeof(got)))
			fz_report("GET_INFO answered differently");
	}
	if (ci == FZ_POST && known) {
		uint64_t seq;

		memcpy(&seq, a->ptr + offsetof(struct eventline_post, seq), 8);
		fz_check_seqs(f, seq, 1);
	}
	if (ci == FZ_LINE_INFO && known)
		fz_line_info_ok(f, a);
}

/*
 * Compare the argument buffer to its snapshot: only the command's output
 * field, and only inside min(size, sizeof), may have changed.
 */
static void fz_check_writes(unsigned int ci, const struct fz_arg *a,
			    size_t span)
{
	const struct fz_cmd *c = &fz_cmds[ci];
	size_t off = a->ptr - fz.rw, i;
	size_t lim = a->usize < c->ksize ? a->usize : c->ksize;

	for (i = 0; i < span; i++) {
		if (fz.rw[off + i] == fz.snap[off + i])
			continue;
		if (i >= c->out_off && i < c->out_off + c->out_len && i < lim)
			continue;
		if (i >= c->out2_off && i < c->out2_off + c->out2_len &&
		    i < lim)
			continue;
		fz_report("%s wrote byte %zu of the argument (size %u): %#x -> %#x",
			  c->name, i, a->usize, fz.snap[off + i], fz.rw[off + i]);
		return;
	}
}

/*
 * Lay out an argument for command @ci (@c, or NULL for an unknown one):
 * valid, mutated or random, at a good, misaligned, read-only, straddling
 * or bad address.  Returns the pointer to pass; @span is how much of the
 * rw pages to compare afterwards (fz_check_writes()).
 */
static uintptr_t fz_place_arg(const struct fz_cmd *c, unsigned int ci,
			      struct fz_arg *a, size_t *span)
{
	uintptr_t arg;

	/* Where the argument lives. */
	memset(fz.rw, 0, 2 * fz.pg);
	switch (fz_below(12)) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		a->ptr = fz.rw + 8 * fz_below(fz.pg / 8 - 16);
		a->plain = true;
		fz_cur.place = "aligned";
		break;
	case 6: case 7:
		a->ptr = fz.rw + 1 + fz_below(fz.pg - 128);
		a->plain = true;
		fz_cur.place = "misaligned";
		break;
	case 8: case 9:	/* runs into the guard page */
		a->ptr = fz.guard - 1 - fz_below(c ? c->ksize + 8 : 96);
		fz_cur.place = "straddles-guard";
		break;
	case 10:
		a->ptr = fz.ro + 8 * fz_below(fz.pg / 8 - 16);
		fz_cur.place = "read-only";
		break;
	default:
		a->ptr = NULL;
		fz_cur.place = "bad-ptr";
		break;
	}

	if (!a->ptr) {
		const char *why;

		arg = fz_bad_ptr(&why);
		fz_cur.place = why;
		a->predict = EFAULT;
	} else {
		unsigned char tmp[256];
		size_t ksize = c ? c->ksize : sizeof(tmp);
		size_t room = fz.guard - a->ptr;

		if (a->ptr >= fz.ro)
			room = fz.ro + fz.pg - a->ptr;
		a->avail = room;
		memset(tmp, 0, sizeof(tmp));
		if (!c || fz_chance(10)) {
			fz_random_bytes(tmp, ksize);
			a->nmut = 2;
			strcpy(a->mut, "random-bytes");
		} else {
			fz_build_valid(ci, tmp);
		}
		/* Build in place (mutations need the real buffer). */
		if (a->ptr >= fz.ro)
			ASSERT_SYSOK(mprotect(fz.ro, fz.pg,
					      PROT_READ | PROT_WRITE));
		if (room >= ksize) {
			memcpy(a->ptr, tmp, ksize);
			if (c && !a->nmut) {
				unsigned int n = fz_chance(45) ? 0 :
						 fz_chance(85) ? 1 : 2;

				while (n--)
					fz_mutate(ci, a);
			}
		} else {
			/* Only the start fits before the guard. */
			memcpy(a->ptr, tmp, room);
			a->nmut = 2;
		}
		if (room >= 4)
			memcpy(&a->usize, a->ptr, 4);
		if (a->ptr >= fz.ro)
			ASSERT_SYSOK(mprotect(fz.ro, fz.pg, PROT_READ));
		arg = (uintptr_t)a->ptr;
		/* Read-only or cut short: outputs may fault, do not guess. */
		if (!a->plain && (a->late ||
				 (a->predict != EINVAL && a->predict != E2BIG)))
			a->predict = 0;
		if (room < 4)
			a->predict = EFAULT;
		if (a->plain) {
			*span = a->usize <= fz.pg ? a->usize : 0;
			if (c && *span < c->ksize)
				*span = c->ksize;
			*span += 64;
			if (*span > (size_t)(fz.guard - a->ptr))
				*span = fz.guard - a->ptr;
			memcpy(fz.snap, fz.rw, 2 * fz.pg);
		}
	}
	fz_cur.mut = a->mut[0] ? a->mut : NULL;
	fz_cur.size = a->usize;
	fz_cur.arg = arg;
	return arg;
}

/*
 * Judge what an ioctl (or the same command through io_uring) returned:
 * @ret, or -1 and @err; @allowed and a->predict as fz_op_ioctl() set them.
 * Snapshots of the rw pages and the entries were taken before the call.
 */
static void fz_judge(const struct fz_fd *f, unsigned int ci,
		     const struct fz_cmd *c, long ret, int err,
		     const struct fz_arg *a, fz_errs_t allowed, size_t span)
{
	/* The entries are input only. */
	if (ci == FZ_POST_BATCH &&
	    memcmp(fz.ents_snap, fz.ents, fz.ents_end - fz.ents))
		fz_report("POST_BATCH wrote into its entries");

	if (a->predict == -1) {
		/* No foreign driver knows our commands. */
		if (c && ret >= 0)
			fz_report("%s succeeded on a %s fd", c->name,
				  fz_kind_name[f->kind]);
		return;
	}
	if (ret < 0) {
		fz_check_errno(err, allowed, a->predict);
		if (err == ELOOP && a->no_eloop)
			fz_report("ELOOP for a post of depth %u at most (max_depth %u, handling %d)",
				  a->depth_known ? a->depth : fz.info.max_depth,
				  fz.info.max_depth, fz.handling);
	} else if (a->predict > 0) {
		fz_report("expected %s, got success (%ld)",
			  tap_errname(a->predict), ret);
		if (c && (ci == FZ_LINE_CREATE || ci == FZ_LINE_OPEN ||
			  ci == FZ_REGISTER_CREATE))
			close(ret);
		return;
	} else if (c) {
		fz_ioctl_ok(f, ci, ret, a);
		if (ci == FZ_POST || ci == FZ_POST_BATCH)
			fz_note_depths(f, ci, a, ret);
	} else {
		fz_report("unknown command succeeded (%ld)", ret);
	}

	if (a->plain && c && (c->kinds & K(f->kind)))
		fz_check_writes(ci, a, span);
}

/*
 * A valid, unmutated argument naming a "kernel." line: no process may
 * create one, so none can be found either.
 */
static void fz_predict_kernel_name(unsigned int ci, struct fz_arg *a)
{
	const char *name;

	if (!a->plain || a->nmut || a->usize < fz_cmds[ci].ver0)
		return;
	switch (ci) {
	case FZ_LINE_CREATE:
		name = ((struct eventline_line_create *)a->ptr)->name;
		if (!strcmp(name, FZ_KERNEL_NAME))
			a->predict = EPERM;
		break;
	case FZ_LINE_OPEN:
	case FZ_SUBSCRIBE:
		name = ((struct eventline_line_ref *)a->ptr)->name;
		if (!strcmp(name, FZ_KERNEL_NAME))
			a->predict = ENOENT;
		break;
	}
}

/*
 * The depth of a POST or POST_BATCH (uapi "Nesting"): from the flags and
 * parent depth the kernel reads, and what this thread handles.  A post
 * deeper than max_depth fails with ELOOP, after the struct's own checks
 * and before anything else (output probe, payloads, entries, the line's
 * state), so it is predicted unless a mutation fails earlier.  Through
 * io_uring a post may run in a worker, which handles nothing: only a
 * parent depth makes ELOOP certain, and the depth is known only when what
 * we handle does not count.
 */
static void fz_predict_depth(unsigned int ci, struct fz_arg *a, bool uring)
{
	size_t off = ci == FZ_POST ?
		     offsetof(struct eventline_post, parent_depth) :
		     offsetof(struct eventline_post_batch, parent_depth);
	int max = fz.info.max_depth, tracked = fz.handling, parent, eff;
	uint16_t pd = 0;
	uint32_t flags;
	bool eloop = false;

	if (!a->plain || a->usize < fz_cmds[ci].ver0) {
		/* Past a late mutation's own error, ELOOP may come first. */
		if (!a->early)
			a->predict = 0;
		return;
	}
	memcpy(&flags, a->ptr + 4, 4);
	if (a->usize >= off + 2)
		memcpy(&pd, a->ptr + off, 2);
	parent = flags & EVENTLINE_POST_PARENT ? pd : FZ_NEST_NONE;
	if (parent + 1 > max) {
		eloop = true;
	} else if (tracked == FZ_NEST_UNKNOWN) {
		if (!a->early)
			a->predict = 0;
		return;
	} else {
		eff = parent > tracked ? parent : tracked;
		if (eff + 1 > max) {
			/* Inline, ELOOP; in an io_uring worker, not. */
			if (uring) {
				if (!a->early)
					a->predict = 0;
				return;
			}
			eloop = true;
		} else {
			a->no_eloop = true;
			if (!uring || tracked <= parent) {
				a->depth_known = true;
				a->depth = eff + 1;
			}
		}
	}
	if (eloop && (!a->nmut || (a->nmut == 1 && !a->early)))
		a->predict = ELOOP;
}

/* A post of ours succeeded: remember the depth its records must have. */
static void fz_note_depths(const struct fz_fd *f, unsigned int ci,
			   const struct fz_arg *a, long ret)
{
	uint64_t seq;
	long i, n = ci == FZ_POST ? 1 : ret;

	if (!a->depth_known || !f->line_id)
		return;
	memcpy(&seq, a->ptr + (ci == FZ_POST ?
			       offsetof(struct eventline_post, seq) :
			       offsetof(struct eventline_post_batch, first_seq)),
	       8);
	for (i = 0; i < n && i < FZ_DEPTHS; i++)
		*fz_depth_slot(f->line_id, seq + i) = (struct fz_depth){
			f->line_id, seq + i, a->depth };
}

static void fz_op_ioctl(void)
{
	struct fz_fd f = fz_pick();
	struct fz_arg a = { 0 };
	const struct fz_cmd *c = NULL;
	unsigned int ci = FZ_NCMDS;
	unsigned long cmd;
	size_t span = 0;
	uintptr_t arg;
	fz_errs_t allowed;
	long ret;
	int err;

	/* Mostly commands meant for this fd, some meant for another kind. */
	if (fz_chance(85)) {
		ci = fz_below(FZ_NCMDS);
		if (fz_is_evl_kind(f.kind) && fz_chance(70)) {
			while (!(fz_cmds[ci].kinds & K(f.kind)))
				ci = fz_below(FZ_NCMDS);
		}
		c = &fz_cmds[ci];
		cmd = c->cmd;
	} else {
		cmd = fz_random_cmd();
		c = fz_cmd_lookup((uint32_t)cmd);
		ci = c ? (unsigned int)(c - fz_cmds) : FZ_NCMDS;
	}

	fz_cur.what = "ioctl";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.cmd = cmd;
	fz_cur.mut = NULL;

	fz.target_line = f.line_id;
	fz.target_kind = f.kind;
	fz.target_reg = f.reg;
	arg = fz_place_arg(c, ci, &a, &span);

	/* Which errors may come back. */
	if (f.kind == FZ_BADFD) {
		a.predict = EBADF;
		allowed = FZ_E(EBADF);
	} else if (!fz_is_evl_kind(f.kind)) {
		/*
		 * Foreign fds answer for their own drivers (epoll says EINVAL
		 * to unknown commands since 6.9, a pipe knows FIONREAD...).
		 */
		a.predict = -1;
		allowed = 0;
	} else if (!c || !(c->kinds & K(f.kind))) {
		/* Ours, but not a command for this kind of fd. */
		a.predict = ENOTTY;
		allowed = FZ_E(ENOTTY);
	} else {
		allowed = fz_common_errs | c->errs;
		fz_predict_kernel_name(ci, &a);
		if (ci == FZ_POST || ci == FZ_POST_BATCH)
			fz_predict_depth(ci, &a, false);
	}

	if (ci == FZ_POST_BATCH)
		memcpy(fz.ents_snap, fz.ents, fz.ents_end - fz.ents);
	ret = ioctl(f.fd, cmd, arg);
	err = ret < 0 ? errno : 0;
	fz_count(ret, err);
	fz_judge(&f, ci, c, ret, err, &a, allowed, span);
}

/* ------------------------------------------------------------------ */
/* read / write                                                        */

static struct fz_track *fz_track(struct fz_regobj *r, uint64_t line_id)
{
	unsigned int i;

	for (i = 0; i < FZ_REG_TRACK; i++)
		if (r->t[i].line_id == line_id)
			return &r->t[i];
	i = r->next++ % FZ_REG_TRACK;
	/*
	 * A line not seen before (or forgotten): a subscription may have
	 * begun that we did not see begin, so one run of RETAINED records
	 * is allowed.
	 */
	r->t[i] = (struct fz_track){ .line_id = line_id, .subs_pending = 1 };
	return &r->t[i];
}

/*
 * A DEMOTED record: about a line whose subscription of ours is live (so
 * not after its LINE_CLOSED), from a priority above the default (or the
 * ceiling) down to it, for one of the two reasons.
 */
static void fz_check_demoted(const struct eventline_record *h,
			     const unsigned char *payload, struct fz_regobj *r)
{
	struct eventline_demotion d;

	if (h->payload_len != sizeof(d) || !h->line_id || h->pid || h->uid) {
		fz_report("bad DEMOTED record: len %u line %llu pid %u uid %u",
			  h->payload_len, (unsigned long long)h->line_id,
			  h->pid, h->uid);
		return;
	}
	memcpy(&d, payload, sizeof(d));
	if (d.new_priority > EVENTLINE_PRIORITY_DEFAULT ||
	    d.new_priority < EVENTLINE_PRIORITY_MIN ||
	    d.old_priority <= d.new_priority ||
	    d.old_priority > EVENTLINE_PRIORITY_MAX || d.__reserved ||
	    (d.reason != EVENTLINE_DEMOTE_OVERFLOW &&
	     d.reason != EVENTLINE_DEMOTE_REVOKED))
		fz_report("bad DEMOTED record: %d -> %d reason %u rsv %u",
			  d.old_priority, d.new_priority, d.reason,
			  d.__reserved);
	if (fz_track(r, h->line_id)->closed)
		fz_report("DEMOTED after LINE_CLOSED for line %llu",
			  (unsigned long long)h->line_id);
}

/*
 * A CHOKE record: about the register (line 0), its queue_len, at least
 * the choke mark queued and at most queue_len.
 */
static void fz_check_choke(const struct eventline_record *h,
			   const unsigned char *payload,
			   const struct fz_regobj *r)
{
	struct eventline_choke c;
	uint32_t mark;

	if (h->payload_len != sizeof(c) || h->size != TU_REC_SIZE(sizeof(c)) ||
	    h->line_id || h->pid || h->uid) {
		fz_report("bad CHOKE record: len %u line %llu pid %u uid %u",
			  h->payload_len, (unsigned long long)h->line_id,
			  h->pid, h->uid);
		return;
	}
	memcpy(&c, payload, sizeof(c));
	if (!r->qlen)
		return;
	mark = (uint32_t)((uint64_t)r->qlen * fz.choke_percent / 100);
	if (!mark)
		mark = 1;
	if (c.queue_len != r->qlen || c.queued > r->qlen ||
	    (fz.choke_percent && c.queued < mark))
		fz_report("bad CHOKE record: queued %u queue_len %u (register's %u, mark %u)",
			  c.queued, c.queue_len, r->qlen, mark);
}

/*
 * A LINE record's depth and flags: within the register's depth filter,
 * the depth our post of it had (when it was ours and we knew), and
 * RETAINED only as a subscription begins: before any live record of the
 * line since, each a run in seq order.
 */
static void fz_check_line_extra(const struct eventline_record *h,
				struct fz_regobj *r, struct fz_track *t)
{
	const struct fz_depth *d = fz_depth_slot(h->line_id, h->seq);

	if (r->depth_filter &&
	    (h->depth < r->min_depth || h->depth > r->max_depth))
		fz_report("record of depth %u in a register filtering %u..%u",
			  h->depth, r->min_depth, r->max_depth);
	if (d->line_id == h->line_id && d->seq == h->seq &&
	    d->depth != h->depth)
		fz_report("line %llu seq %llu: depth %u, posted at depth %u",
			  (unsigned long long)h->line_id,
			  (unsigned long long)h->seq, h->depth, d->depth);
	/*
	 * A stage's records ask for an answer; what stages changed says
	 * so, and by how many.
	 */
	if (h->flags & ~(EVENTLINE_RECORD_RETAINED | EVENTLINE_RECORD_STAGE |
			 EVENTLINE_RECORD_MUTATED)) {
		fz_report("LINE record with flags %#x", h->flags);
		return;
	}
	if (!(h->flags & EVENTLINE_RECORD_MUTATED) != !h->mutations) {
		fz_report("LINE record with flags %#x, mutations %u", h->flags,
			  h->mutations);
		return;
	}
	if (!(h->flags & EVENTLINE_RECORD_RETAINED)) {
		t->in_run = false;
		return;
	}
	if (t->in_run && h->seq > t->ret_seq) {
		t->ret_seq = h->seq;
		return;
	}
	/* A new run: a subscription of ours must have begun. */
	if (!r->shared) {
		if (!t->subs_pending)
			fz_report("RETAINED record of line %llu seq %llu not at a subscription",
				  (unsigned long long)h->line_id,
				  (unsigned long long)h->seq);
		else
			t->subs_pending--;
	}
	t->in_run = true;
	t->ret_seq = h->seq;
}

/*
 * Every record the kernel hands out must be well formed and in order.
 * Returns the depth of the deepest LINE record, or FZ_NEST_NONE.
 */
static int fz_check_records(const unsigned char *buf, size_t n,
			    struct fz_regobj *r)
{
	int deepest = FZ_NEST_NONE;
	size_t off = 0, i;

	if (n % EVENTLINE_RECORD_ALIGN)
		fz_report("read returned %zu, not a multiple of 8", n);
	while (off < n) {
		struct eventline_record h;
		struct fz_track *t;
		uint64_t lost;

		if (n - off < sizeof(h)) {
			fz_report("%zu stray bytes after the last record",
				  n - off);
			return FZ_NEST_UNKNOWN;
		}
		memcpy(&h, buf + off, sizeof(h));
		__atomic_add_fetch(&fz.stats->records, 1, __ATOMIC_RELAXED);
		if (h.size < sizeof(h) || h.size % 8 || h.size > n - off ||
		    h.header_size != sizeof(h) ||
		    (uint64_t)h.header_size + h.payload_len > h.size ||
		    h.size != TU_REC_SIZE(h.payload_len) ||
		    h.depth > fz.info.max_depth ||
		    (h.category == EVENTLINE_CAT_META &&
		     (h.depth || h.flags)) ||
		    h.__reserved1) {
			fz_report("malformed record at %zu: size %u header %u payload %u flags %#x depth %u rsv %u",
				  off, h.size, h.header_size, h.payload_len,
				  h.flags, h.depth, h.__reserved1);
			return FZ_NEST_UNKNOWN;
		}
		for (i = sizeof(h) + h.payload_len; i < h.size; i++)
			if (buf[off + i]) {
				fz_report("non-zero padding in record at %zu",
					  off);
				break;
			}
		switch (h.category) {
		case EVENTLINE_CAT_LINE:
			if (h.type > EVENTLINE_TYPE_MAX || !h.seq ||
			    !h.line_id || h.payload_len > fz.info.max_payload)
				fz_report("bad LINE record: type %u seq %llu line %llu len %u",
					  h.type, (unsigned long long)h.seq,
					  (unsigned long long)h.line_id,
					  h.payload_len);
			t = fz_track(r, h.line_id);
			if (t->closed)
				fz_report("record of line %llu after its LINE_CLOSED",
					  (unsigned long long)h.line_id);
			if ((int)h.depth > deepest)
				deepest = h.depth;
			fz_check_line_extra(&h, r, t);
			/*
			 * A retained event keeps its seq: a new subscription
			 * may give one older than the live ones before it.
			 * A run is in order (above), and every live record
			 * after it is newer than any before.
			 */
			if (h.flags & EVENTLINE_RECORD_RETAINED)
				break;
			if (h.seq <= t->last_seq)
				fz_report("line %llu: seq %llu after %llu",
					  (unsigned long long)h.line_id,
					  (unsigned long long)h.seq,
					  (unsigned long long)t->last_seq);
			t->last_seq = h.seq;
			break;
		case EVENTLINE_CAT_META:
			if (h.seq) {
				fz_report("META record with seq %llu",
					  (unsigned long long)h.seq);
				break;
			}
			if (h.type == EVENTLINE_META_OVERFLOW) {
				memcpy(&lost, buf + off + sizeof(h), 8);
				if (h.payload_len != sizeof(lost) || !lost ||
				    h.line_id)
					fz_report("bad OVERFLOW record: len %u lost %llu line %llu",
						  h.payload_len,
						  (unsigned long long)lost,
						  (unsigned long long)h.line_id);
			} else if (h.type == EVENTLINE_META_LINE_CLOSED) {
				if (h.payload_len || !h.line_id)
					fz_report("bad LINE_CLOSED record: len %u line %llu",
						  h.payload_len,
						  (unsigned long long)h.line_id);
				t = fz_track(r, h.line_id);
				/*
				 * One subscription, one LINE_CLOSED.  A second
				 * for the same line in the same register would
				 * need a resubscription to a dead line.
				 */
				if (t->closed)
					fz_report("second LINE_CLOSED for line %llu",
						  (unsigned long long)h.line_id);
				t->closed = true;
			} else if (h.type == EVENTLINE_META_EVICTED) {
				if (h.payload_len || !h.line_id)
					fz_report("bad EVICTED record: len %u line %llu",
						  h.payload_len,
						  (unsigned long long)h.line_id);
				/*
				 * Its subscription ended: later records of the
				 * line come from a new one, in sequence still.
				 * A closed line has no subscription to evict.
				 */
				t = fz_track(r, h.line_id);
				if (t->closed)
					fz_report("EVICTED after LINE_CLOSED for line %llu",
						  (unsigned long long)h.line_id);
			} else if (h.type == EVENTLINE_META_DEMOTED) {
				fz_check_demoted(&h, buf + off + sizeof(h), r);
			} else if (h.type == EVENTLINE_META_CHOKE) {
				fz_check_choke(&h, buf + off + sizeof(h), r);
			} else {
				fz_report("unknown META type %u", h.type);
			}
			break;
		default:
			fz_report("unknown category %u", h.category);
			break;
		}
		off += h.size;
	}
	return deepest;
}

static size_t fz_read_size(void)
{
	static const size_t sizes[] = {
		0, 1, 7, 8, 55, 56, 57, 63, 64, 72, 120, 4096 + 56,
	};

	switch (fz_below(5)) {
	case 0:
		return sizes[fz_below(TU_ARRAY_SIZE(sizes))];
	case 1:	/* exactly one record of some payload */
		return TU_REC_SIZE(fz_below(200));
	case 2:
		return 2 * fz.pg;
	case 3:
		return fz_below(2 * fz.pg + 1);
	default:	/* more than the buffer: the kernel must stop at faults */
		return fz_chance(50) ? 1UL << 20 : SIZE_MAX >> fz_below(3);
	}
}

/* Nobody else is reading our registers right now. */
static bool fz_alone(void)
{
	return !fz.child && !fz.is_child;
}

static void fz_op_read(void)
{
	struct fz_fd f = fz_pick();
	size_t count = fz_read_size();
	unsigned char *buf;
	bool plain = false, nonblock = false;
	const char *where = "buffer";
	fz_errs_t allowed;
	int predict = 0, err, fl;
	ssize_t n;

	switch (fz_below(8)) {
	case 0:
		buf = (unsigned char *)fz_bad_ptr(&where);
		break;
	case 1:
		buf = fz.ro;
		where = "read-only";
		break;
	case 2:
		buf = fz.rw + 1 + fz_below(7);
		where = "misaligned";
		plain = true;
		break;
	default:
		buf = fz.rw;
		plain = true;
		break;
	}
	if (plain && count > (size_t)(fz.guard - buf) && fz_chance(50))
		count = fz.guard - buf;

	fz_cur.what = "read";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.cmd = 0;
	fz_cur.place = where;
	fz_cur.mut = NULL;
	fz_cur.arg = (uintptr_t)buf;
	fz_cur.count = count;

	switch (f.kind) {
	case FZ_BADFD:
		predict = EBADF;
		allowed = FZ_E(EBADF);
		break;
	case FZ_CTL:
	case FZ_OWNER:
	case FZ_POSTER:
		/* No read method: the VFS says EINVAL before the buffer. */
		predict = EINVAL;
		allowed = FZ_E(EINVAL);
		break;
	case FZ_REG:
		fl = fcntl(f.fd, F_GETFL);
		nonblock = fl >= 0 && (fl & O_NONBLOCK);
		allowed = FZ_E(EINVAL) | FZ_E(EFAULT) | FZ_E(EAGAIN);
		if (!nonblock)
			allowed |= FZ_E(EINTR);
		break;
	default:
		return;	/* not ours */
	}

	if (f.kind == FZ_REG && !nonblock)
		fz_interrupt_arm(true);
	n = read(f.fd, buf, count);
	err = n < 0 ? errno : 0;
	if (f.kind == FZ_REG && !nonblock)
		fz_interrupt_arm(false);
	fz_count(n, err);

	/*
	 * What this thread handles now: a register's read() that returns
	 * no line event ends the handling; the VFS refuses a bad buffer
	 * (EFAULT) before the register sees it, and a read of nothing never
	 * reaches it.
	 */
	if (f.kind == FZ_REG && (n || count))
		fz.handling = n < 0 ? (err == EFAULT ? FZ_NEST_UNKNOWN :
				       FZ_NEST_NONE) :
			      !n ? FZ_NEST_NONE : FZ_NEST_UNKNOWN;
	if (n < 0) {
		fz_check_errno(err, allowed, predict);
		return;
	}
	if (predict) {
		fz_report("expected %s, read returned %zd", tap_errname(predict),
			  n);
		return;
	}
	if ((size_t)n > count) {
		fz_report("read returned %zd for %zu bytes", n, count);
		return;
	}
	if (plain) {
		int deepest = fz_check_records(buf, n, f.reg);

		if (n)
			fz.handling = deepest;
	} else if (n) {
		fz_report("read into %s returned %zd", where, n);
	}
}

/*
 * Traffic through a register, so records (retained, nested, filtered,
 * CHOKE) come back to check: subscribe a register to a line we hold, post
 * a few valid events (random RETAIN and PARENT, judged as fz_op_ioctl()
 * judges them, depths noted), read back once.  A thread that reads and
 * posts again nests deeper each time, down to ELOOP.
 */
static void fz_op_traffic(void)
{
	int ri = fz_pick_kind(FZ_REG);
	int li = fz_pick_kind(fz_chance(60) ? FZ_OWNER : FZ_POSTER);
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	const struct fz_cmd *c = &fz_cmds[FZ_POST];
	struct fz_fd r, l;
	unsigned int i, n = 1 + fz_below(6);
	bool blocking;
	ssize_t got;
	long ret;
	int err;

	if (ri < 0 || li < 0 || !fz.pool[li].line_id)
		return;
	r = fz.pool[ri];
	l = fz.pool[li];
	fz_cur.what = "traffic-subscribe";
	fz_cur.fd = r.fd;
	fz_cur.kind = FZ_REG;
	fz_cur.cmd = EVENTLINE_IOC_SUBSCRIBE;
	fz_cur.mut = NULL;
	ref.id = l.line_id;
	ret = tu_ioctl(r.fd, EVENTLINE_IOC_SUBSCRIBE, &ref);
	fz_count(ret, ret < 0 ? (int)-ret : 0);
	if (ret >= 0)
		fz_track(r.reg, l.line_id)->subs_pending++;
	else
		fz_check_errno(-ret, fz_cmds[FZ_SUBSCRIBE].errs |
				     fz_common_errs, 0);

	for (i = 0; i < n; i++) {
		struct fz_arg a = { 0 };
		size_t span = sizeof(struct eventline_post) + 64;

		memset(fz.rw, 0, 2 * fz.pg);
		a.ptr = fz.rw + 8 * fz_below(16);
		a.plain = true;
		a.avail = fz.guard - a.ptr;
		fz_build_valid(FZ_POST, a.ptr);
		a.usize = sizeof(struct eventline_post);
		fz_predict_depth(FZ_POST, &a, false);
		memcpy(fz.snap, fz.rw, 2 * fz.pg);
		fz_cur.what = "traffic-post";
		fz_cur.fd = l.fd;
		fz_cur.kind = l.kind;
		fz_cur.cmd = c->cmd;
		fz_cur.place = "aligned";
		fz_cur.arg = (uintptr_t)a.ptr;
		ret = ioctl(l.fd, c->cmd, a.ptr);
		err = ret < 0 ? errno : 0;
		fz_count(ret, err);
		fz_judge(&l, FZ_POST, c, ret, err, &a, fz_common_errs | c->errs,
			 span);
	}

	fz_cur.what = "traffic-read";
	fz_cur.fd = r.fd;
	fz_cur.cmd = 0;
	blocking = !(fcntl(r.fd, F_GETFL) & O_NONBLOCK);
	if (blocking)
		fz_interrupt_arm(true);
	got = read(r.fd, fz.rw, 2 * fz.pg);
	err = got < 0 ? errno : 0;
	if (blocking)
		fz_interrupt_arm(false);
	fz_count(got, err);
	if (got > 0) {
		fz.handling = fz_check_records(fz.rw, got, r.reg);
	} else {
		fz.handling = FZ_NEST_NONE;
		if (got < 0)
			fz_check_errno(err, FZ_E(EAGAIN) | FZ_E(EINTR) |
					    FZ_E(EINVAL), 0);
	}
}

static void fz_op_write(void)
{
	struct fz_fd f = fz_pick();
	size_t count = fz_read_size() % (2 * fz.pg);
	ssize_t n;
	int predict;

	fz_cur.what = "write";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.place = "buffer";
	fz_cur.count = count;
	fz_cur.mut = NULL;

	switch (f.kind) {
	case FZ_BADFD:
		predict = EBADF;
		break;
	case FZ_REG:	/* read-write, for its mapping, but no write method */
	case FZ_CTL:
	case FZ_OWNER:
	case FZ_POSTER:
		predict = EINVAL;	/* no write method */
		break;
	default:
		return;
	}
	n = write(f.fd, fz.rw, count);
	fz_count(n, n < 0 ? errno : 0);
	if (n >= 0)
		fz_report("write returned %zd, expected %s", n,
			  tap_errname(predict));
	else
		fz_check_errno(errno, FZ_E(predict), predict);
}

/* ------------------------------------------------------------------ */
/* poll, epoll, fcntl, dup, close, fdinfo                              */

static void fz_check_revents(const struct fz_fd *f, short revents)
{
	if (f->kind != FZ_REG)
		return;
	if (revents & ~(POLLIN | POLLRDNORM | POLLHUP))
		fz_report("register poll gave %#x", revents);
}

static void fz_op_poll(void)
{
	struct pollfd pfd[4];
	struct fz_fd f[4];
	unsigned int i, n = 1 + fz_below(4);
	int ret;

	fz_cur.what = "poll";
	fz_cur.mut = NULL;
	for (i = 0; i < n; i++) {
		f[i] = fz_pick();
		pfd[i] = (struct pollfd){ f[i].fd,
					  (short)(POLLIN | POLLOUT | POLLPRI |
						  POLLRDNORM), 0 };
	}
	fz_cur.fd = f[0].fd;
	fz_cur.kind = f[0].kind;
	ret = poll(pfd, n, 0);
	fz_count(ret, ret < 0 ? errno : 0);
	if (ret < 0) {
		fz_check_errno(errno, FZ_E(EINTR) | FZ_E(ENOMEM), 0);
		return;
	}
	for (i = 0; i < n; i++) {
		if (f[i].kind == FZ_BADFD && f[i].fd >= 0 &&
		    pfd[i].revents != POLLNVAL)
			fz_report("poll of a closed fd gave %#x",
				  pfd[i].revents);
		fz_check_revents(&f[i], pfd[i].revents);
	}

	/*
	 * Poll and read must agree: readable means a read gives records,
	 * hung up (and nothing else) means end of file.  Only when no child
	 * could take the records in between.
	 */
	if (!fz_alone() || f[0].kind != FZ_REG || !pfd[0].revents)
		return;
	{
		ssize_t r = read(f[0].fd, fz.rw, 2 * fz.pg);
		int err = r < 0 ? errno : 0;

		fz_cur.what = "read-after-poll";
		fz_count(r, err);
		fz.handling = r > 0 ? fz_check_records(fz.rw, r, f[0].reg) :
				      FZ_NEST_NONE;
		if (pfd[0].revents & POLLIN) {
			if (r <= 0)
				fz_report("POLLIN but read gave %zd/%s", r,
					  tap_errname(err));
		} else if (pfd[0].revents & POLLHUP && r != 0) {
			fz_report("POLLHUP but read gave %zd/%s", r,
				  tap_errname(err));
		}
	}
}

static void fz_op_epoll(void)
{
	int ei = fz_pick_kind(FZ_EPOLL);
	struct epoll_event ev[8];
	struct fz_fd f = fz_pick();
	int ep, ret, op, err, predict = 0;
	fz_errs_t allowed;

	if (ei < 0)
		return;
	ep = fz.pool[ei].fd;
	fz_cur.what = "epoll";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.mut = NULL;

	if (fz_chance(40)) {
		int i;

		fz_cur.what = "epoll_wait";
		ret = epoll_wait(ep, ev, 8, 0);
		fz_count(ret, ret < 0 ? errno : 0);
		if (ret < 0) {
			fz_check_errno(errno, FZ_E(EINTR), 0);
			return;
		}
		for (i = 0; i < ret; i++) {
			int j = fz_pool_index(ev[i].data.fd);

			/* data.fd may name an fd closed and reused since. */
			if (j >= 0 && fz.pool[j].kind == FZ_REG &&
			    ev[i].events & ~(EPOLLIN | EPOLLRDNORM | EPOLLHUP |
					     EPOLLERR))
				fz_report("register epoll gave %#x",
					  ev[i].events);
		}
		return;
	}

	op = fz_chance(50) ? EPOLL_CTL_ADD :
	     fz_chance(50) ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	ev[0].events = EPOLLIN | EPOLLHUP |
		       (fz_chance(30) ? EPOLLET : 0) |
		       (fz_chance(10) ? EPOLLONESHOT : 0);
	ev[0].data.fd = f.fd;
	ret = epoll_ctl(ep, op, f.fd, ev);
	err = ret < 0 ? errno : 0;
	fz_count(ret, err);
	allowed = FZ_E(EEXIST) | FZ_E(ENOENT);
	switch (f.kind) {
	case FZ_BADFD:
		predict = EBADF;
		allowed = FZ_E(EBADF);
		break;
	case FZ_CTL:
	case FZ_OWNER:
	case FZ_POSTER:
	case FZ_DEVNULL:
		/* Files without a poll method cannot be watched. */
		predict = EPERM;
		allowed = FZ_E(EPERM);
		break;
	case FZ_EPOLL:
		allowed |= FZ_E(EINVAL) | FZ_E(ELOOP);
		break;
	default:
		break;
	}
	if (ret < 0)
		fz_check_errno(err, allowed, predict);
	else if (predict)
		fz_report("epoll_ctl(%d) on %s succeeded", op,
			  fz_kind_name[f.kind]);
}

static void fz_op_fcntl(void)
{
	int i = fz_pick_kind(fz_chance(70) ? FZ_REG : FZ_OWNER + fz_below(2));
	int fd, fl;

	if (i < 0)
		return;
	fd = fz.pool[i].fd;
	fz_cur.what = "fcntl";
	fz_cur.fd = fd;
	fz_cur.kind = fz.pool[i].kind;
	fz_cur.mut = NULL;
	fl = fcntl(fd, F_GETFL);
	ASSERT_GE(fl, 0);
	switch (fz_below(3)) {
	case 0:
		fl ^= O_NONBLOCK;
		break;
	case 1:
		/* SIGIO to us on every queued record; exercises fasync. */
		fcntl(fd, F_SETOWN, getpid());
		fl ^= O_ASYNC;
		break;
	default:
		fcntl(fd, F_SETFD, fz_chance(50) ? FD_CLOEXEC : 0);
		break;
	}
	EXPECT_SYSOK(fcntl(fd, F_SETFL, fl));
	fz_count(0, 0);
}

static void fz_op_dup(void)
{
	struct fz_fd *f;
	int i, j, fd;

	if (!fz.npool)
		return;
	i = fz_below(fz.npool);
	f = &fz.pool[i];
	fz_cur.what = "dup";
	fz_cur.fd = f->fd;
	fz_cur.kind = f->kind;
	fz_cur.mut = NULL;
	if (fz_chance(30) && fz.npool > 1) {
		/* dup2 over another pool fd, which closes that one. */
		j = fz_below(fz.npool);
		if (j == i)
			return;
		fd = dup3(f->fd, fz.pool[j].fd, O_CLOEXEC);
		ASSERT_EQ(fd, fz.pool[j].fd);
		fz_regobj_put(fz.pool[j].reg);
		fz.pool[j] = *f;
		fz.pool[j].fd = fd;
		if (f->reg)
			f->reg->refs++;
	} else {
		fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 3);
		ASSERT_GE(fd, 0);
		if (f->reg)
			f->reg->refs++;
		fz_pool_add(fd, f->kind, f->line_id, f->reg);
	}
	fz_count(0, 0);
}

static void fz_op_close(void)
{
	unsigned int i;

	if (fz.npool <= 2)
		return;
	i = fz_below(fz.npool);
	fz_cur.what = "close";
	fz_cur.fd = fz.pool[i].fd;
	fz_cur.kind = fz.pool[i].kind;
	fz_cur.mut = NULL;
	/* Closing the last owner fd closes the line: the interesting part. */
	EXPECT_SYSOK(close(fz.pool[i].fd));
	fz_pool_del(i);
	fz_count(0, 0);
}

static void fz_op_fdinfo(void)
{
	struct fz_fd f = fz_pick();
	char path[64], buf[4096];
	const char *key;
	ssize_t n;
	int fd;

	if (f.kind == FZ_BADFD)
		return;
	fz_cur.what = "fdinfo";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.mut = NULL;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", f.fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;	/* /proc not mounted */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	fz_count(n, n < 0 ? errno : 0);
	if (n < 0) {
		fz_report("reading %s: %s", path, tap_errname(errno));
		return;
	}
	buf[n] = '\0';
	key = f.kind == FZ_REG ? "queue_len:" :
	      f.kind == FZ_OWNER || f.kind == FZ_POSTER ? "eventline-line:" :
	      NULL;
	if (key && !strstr(buf, key))
		fz_report("%s lacks \"%s\"", path, key);
}

/* ------------------------------------------------------------------ */
/* mmap and io_uring                                                   */

/* A register's ring size: fdinfo, else its producer page; 0 on failure. */
static uint32_t fz_ring_size(int fd)
{
	const struct eventline_ring_producer *prod;
	uint32_t size = fz_fdinfo_uint(fd, "ring_size:");

	if (size)
		return size;
	prod = mmap(NULL, fz.pg, PROT_READ, MAP_SHARED, fd,
		    EVENTLINE_MMAP_RING_PGOFF * fz.pg);
	if (prod == MAP_FAILED) {
		fz_report("mapping the producer page: %s", tap_errname(errno));
		return 0;
	}
	size = prod->size;
	munmap((void *)prod, fz.pg);
	return size;
}

/*
 * Move @reg's consumer position somewhere arbitrary, let the kernel see it
 * (poll, a read), then put it at the producer position: every record not
 * read is skipped, as a mapped reader may do, and positions stay record
 * boundaries so the read() oracles hold again.  Restoring the old position
 * instead would be wrong: the kernel frees queue places by the position it
 * finds, so records between the old and the scribbled one may be gone.
 * Only while nobody else uses the register (fz_alone()), so the producer
 * position is stable.
 */
static void fz_scribble(const struct fz_fd *f,
			struct eventline_ring_consumer *cons)
{
	const struct eventline_ring_producer *prod;
	uint32_t c0, p0, size, v;
	struct pollfd pfd;
	ssize_t n;
	int err, fl;

	prod = mmap(NULL, fz.pg, PROT_READ, MAP_SHARED, f->fd,
		    EVENTLINE_MMAP_RING_PGOFF * fz.pg);
	if (prod == MAP_FAILED) {
		fz_report("mapping the producer page: %s", tap_errname(errno));
		return;
	}
	c0 = __atomic_load_n(&cons->pos, __ATOMIC_RELAXED);
	p0 = __atomic_load_n(&prod->pos, __ATOMIC_ACQUIRE);
	size = prod->size;
	if (p0 - c0 > size || p0 % EVENTLINE_RECORD_ALIGN ||
	    c0 % EVENTLINE_RECORD_ALIGN)
		fz_report("ring of %u: consumer %u, producer %u", size, c0, p0);

	switch (fz_below(5)) {
	case 0:
		v = (uint32_t)fz_rand();
		break;
	case 1:		/* inside what is queued, maybe off a boundary */
		v = c0 + fz_below(p0 - c0 + 1);
		break;
	case 2:		/* past the producer */
		v = p0 + 8 + 8 * fz_below(16);
		break;
	case 3:		/* behind: records already read */
		v = c0 - 8 - 8 * fz_below(16);
		break;
	default:	/* off the 8-byte grid */
		v = c0 + 1 + fz_below(7);
		break;
	}
	fz_cur.what = "mmap-scribble";
	__atomic_add_fetch(&fz.stats->scribbles, 1, __ATOMIC_RELAXED);
	fz_cur.count = v;
	__atomic_store_n(&cons->pos, v, __ATOMIC_RELEASE);

	switch (fz_below(3)) {
	case 0:
		pfd = (struct pollfd){ f->fd, POLLIN, 0 };
		fz_count(poll(&pfd, 1, 0), errno);
		fz_check_revents(f, pfd.revents);
		break;
	case 1:
		fl = fcntl(f->fd, F_GETFL);
		if (!(fl & O_NONBLOCK))
			fz_interrupt_arm(true);
		n = read(f->fd, fz.rw, 2 * fz.pg);
		err = n < 0 ? errno : 0;
		if (!(fl & O_NONBLOCK))
			fz_interrupt_arm(false);
		fz_count(n, err);
		/* What it returned from there may be anything. */
		fz.handling = n > 0 ? FZ_NEST_UNKNOWN : FZ_NEST_NONE;
		/*
		 * More than the ring in use can only be a bad position;
		 * otherwise what is read from a position the kernel cannot
		 * check may be anything, even records read before.
		 */
		if (p0 - v > size && n >= 0)
			fz_report("read with consumer %u, producer %u returned %zd",
				  v, p0, n);
		else if (n < 0)
			fz_check_errno(err, FZ_E(EIO) | FZ_E(EAGAIN) |
					    FZ_E(EINTR) | FZ_E(EINVAL),
				       p0 - v > size ? EIO : 0);
		break;
	default:
		break;
	}
	__atomic_store_n(&cons->pos,
			 __atomic_load_n(&prod->pos, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	munmap((void *)prod, fz.pg);
}

/* What a whole-ring mapping shows: the producer page, the ring twice. */
static void fz_check_ring_map(const unsigned char *map, uint32_t size)
{
	const struct eventline_ring_producer *prod = (const void *)map;
	const unsigned char *data = map + fz.pg;
	unsigned int i;
	uint32_t at;

	if (prod->size != size || prod->pos % EVENTLINE_RECORD_ALIGN)
		fz_report("producer page: size %u (fdinfo %u), pos %u",
			  prod->size, size, prod->pos);
	/* Nobody writes while we are alone: both copies must agree. */
	for (i = 0; fz_alone() && i < 4; i++) {
		at = fz_below(size);
		if (data[at] != data[at + size]) {
			fz_report("ring byte %u: %#x, its second mapping %#x",
				  at, data[at], data[at + size]);
			break;
		}
	}
}

/*
 * mmap() of any fd: registers map their consumer page (offset 0, one
 * page) and ring (offset 1: the producer page alone, or it and the ring
 * twice), shared only, the ring read-only; nothing else maps.
 */
static void fz_op_mmap(void)
{
	struct fz_fd f = fz_pick();
	uint32_t size = 4096;
	size_t len, pages;
	unsigned long pgoff;
	int prot, flags, predict, fl, err;
	unsigned char *p;

	fz_cur.what = "mmap";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.cmd = 0;
	fz_cur.mut = NULL;
	if (f.kind == FZ_REG) {
		size = fz_ring_size(f.fd);
		if (!size)
			return;
	}
	switch (fz_below(6)) {
	case 0: case 1:
		pgoff = fz_below(2);
		break;
	case 2: case 3:
		pgoff = 1;
		break;
	case 4:
		pgoff = 2;
		break;
	default:
		pgoff = 3 + fz_below(1 << 16);
		break;
	}
	switch (fz_below(7)) {
	case 0: case 1:
		len = fz.pg;
		break;
	case 2:		/* rounded up to one page */
		len = 1 + fz_below(fz.pg);
		break;
	case 3: case 4:
		len = fz.pg + 2 * (size_t)size;
		break;
	case 5:
		len = 2 * (size_t)size;
		break;
	default:
		len = 2 * fz.pg + 2 * (size_t)size;
		break;
	}
	prot = fz_chance(50) ? PROT_READ : PROT_READ | PROT_WRITE;
	flags = fz_chance(80) ? MAP_SHARED : MAP_PRIVATE;
	pages = (len + fz.pg - 1) / fz.pg;
	fz_cur.place = flags == MAP_SHARED ? "shared" : "private";
	fz_cur.size = pgoff;
	fz_cur.count = len;
	fz_cur.arg = prot;

	switch (f.kind) {
	case FZ_BADFD:
		predict = EBADF;
		break;
	case FZ_REG:
		if (flags != MAP_SHARED)
			predict = EINVAL;
		else if (pgoff == EVENTLINE_MMAP_CONSUMER_PGOFF)
			predict = pages == 1 ? 0 : EINVAL;
		else if (pgoff == EVENTLINE_MMAP_RING_PGOFF)
			predict = pages != 1 &&
				  pages * fz.pg != fz.pg + 2 * (size_t)size ?
				  EINVAL : prot & PROT_WRITE ? EPERM : 0;
		else
			predict = EINVAL;
		break;
	default:
		/* The VM checks the fd's access mode before the driver. */
		fl = fcntl(f.fd, F_GETFL) & O_ACCMODE;
		if (fl == O_WRONLY ||
		    (fl == O_RDONLY && flags == MAP_SHARED &&
		     (prot & PROT_WRITE)))
			predict = EACCES;
		else
			predict = ENODEV;
		break;
	}

	p = mmap(NULL, len, prot, flags, f.fd, pgoff * fz.pg);
	err = p == MAP_FAILED ? errno : 0;
	fz_count(p == MAP_FAILED ? -1 : 0, err);
	if (p == MAP_FAILED) {
		/* A good mapping may still fail to get its pages. */
		fz_check_errno(err, FZ_E(predict) | FZ_E(ENOMEM),
			       predict);
		return;
	}
	__atomic_add_fetch(&fz.stats->maps, 1, __ATOMIC_RELAXED);
	if (predict) {
		fz_report("expected %s, mmap succeeded", tap_errname(predict));
	} else if (pgoff == EVENTLINE_MMAP_RING_PGOFF) {
		if (pages > 1)
			fz_check_ring_map(p, size);
		else if (((struct eventline_ring_producer *)p)->size != size)
			fz_report("producer page: size %u, fdinfo %u",
				  ((struct eventline_ring_producer *)p)->size,
				  size);
	} else if ((prot & PROT_WRITE) && fz_alone() && fz_chance(50)) {
		fz_scribble(&f, (void *)p);
	}
	EXPECT_SYSOK(munmap(p, len));
}

/* One io_uring per process, set up on first use; fd -1: unavailable. */
static struct {
	pid_t pid;
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} fz_ring;

static bool fz_ring_setup(void)
{
	struct io_uring_params p = { 0 };
	unsigned char *sq, *cq;
	int fd;

	/* A forked child has its parent's ring: sharing it would race. */
	if (fz_ring.pid == getpid())
		return fz_ring.fd >= 0;
	fz_ring.pid = getpid();
	fz_ring.fd = -1;
	fd = syscall(__NR_io_uring_setup, 2, &p);
	if (fd < 0) {
		if (errno != ENOSYS && errno != EPERM)
			fz_report("io_uring_setup: %s", tap_errname(errno));
		return false;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes +
			p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
		  IORING_OFF_CQ_RING);
	fz_ring.sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
			    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			    fd, IORING_OFF_SQES);
	ASSERT_TRUE(sq != MAP_FAILED && cq != MAP_FAILED &&
		    fz_ring.sqes != MAP_FAILED);
	fz_ring.sq_tail = (void *)(sq + p.sq_off.tail);
	fz_ring.sq_mask = (void *)(sq + p.sq_off.ring_mask);
	fz_ring.sq_array = (void *)(sq + p.sq_off.array);
	fz_ring.cq_head = (void *)(cq + p.cq_off.head);
	fz_ring.cq_tail = (void *)(cq + p.cq_off.tail);
	fz_ring.cq_mask = (void *)(cq + p.cq_off.ring_mask);
	fz_ring.cqes = (void *)(cq + p.cq_off.cqes);
	fz_ring.fd = fd;
	return true;
}

/* Submit one IORING_OP_URING_CMD and wait for it: the CQE's res. */
static int fz_ring_cmd(int fd, uint32_t op, uint64_t arg, uint64_t reserved)
{
	struct eventline_uring_cmd cmd = { .arg = arg, .__reserved = reserved };
	unsigned int tail = *fz_ring.sq_tail, head, i;
	struct io_uring_sqe *sqe;
	int res;

	i = tail & *fz_ring.sq_mask;
	sqe = &fz_ring.sqes[i];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = op;
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	fz_ring.sq_array[i] = i;
	__atomic_store_n(fz_ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
	/* Submitting comes before any wait a signal could interrupt. */
	ASSERT_EQ(syscall(__NR_io_uring_enter, fz_ring.fd, 1, 1,
			  IORING_ENTER_GETEVENTS, NULL, 0), 1);
	head = *fz_ring.cq_head;
	while (head == __atomic_load_n(fz_ring.cq_tail, __ATOMIC_ACQUIRE))
		syscall(__NR_io_uring_enter, fz_ring.fd, 0, 1,
			IORING_ENTER_GETEVENTS, NULL, 0);
	res = fz_ring.cqes[head & *fz_ring.cq_mask].res;
	__atomic_store_n(fz_ring.cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

/*
 * POST and POST_BATCH through IORING_OP_URING_CMD: the arguments and
 * mutations of fz_op_ioctl(), the CQE's res judged by the ioctl's model.
 * Only line fds take commands (io_uring says EOPNOTSUPP for the rest), a
 * non-zero __reserved is EINVAL before anything else, and an unknown
 * cmd_op is ENOTTY.
 */
static void fz_op_uring(void)
{
	struct fz_fd f = fz_pick();
	struct fz_arg a = { 0 };
	const struct fz_cmd *c;
	unsigned int ci;
	uint64_t reserved = fz_chance(10) ? fz_rand() | 1 : 0;
	fz_errs_t allowed;
	size_t span = 0;
	uintptr_t arg;
	uint32_t op;
	long ret;
	int res;

	if (!fz_ring_setup())
		return;
	/* Mostly line fds: the ones with something to say. */
	if (f.kind != FZ_OWNER && f.kind != FZ_POSTER && fz_chance(70)) {
		int i = fz_pick_kind(fz_chance(50) ? FZ_OWNER : FZ_POSTER);

		if (i >= 0)
			f = fz.pool[i];
	}
	/* /dev/null takes any command, as a no-op: nothing to judge. */
	if (f.kind == FZ_DEVNULL)
		return;
	switch (fz_below(5)) {
	case 0: case 1:
		op = EVENTLINE_IOC_POST;
		break;
	case 2: case 3:
		op = EVENTLINE_IOC_POST_BATCH;
		break;
	default:
		op = (uint32_t)fz_random_cmd();
		break;
	}
	c = fz_cmd_lookup(op);
	ci = c ? (unsigned int)(c - fz_cmds) : FZ_NCMDS;

	fz_cur.what = "uring_cmd";
	fz_cur.fd = f.fd;
	fz_cur.kind = f.kind;
	fz_cur.cmd = op;
	fz_cur.mut = NULL;
	fz.target_line = f.line_id;
	fz.target_kind = f.kind;
	fz.target_reg = f.reg;
	arg = fz_place_arg(c, ci, &a, &span);
	if (reserved)
		fz_cur.place = "reserved";

	if (f.kind == FZ_BADFD) {
		a.predict = EBADF;
		allowed = FZ_E(EBADF);
	} else if (f.kind != FZ_OWNER && f.kind != FZ_POSTER) {
		a.predict = EOPNOTSUPP;
		allowed = FZ_E(EOPNOTSUPP);
	} else if (reserved) {
		a.predict = EINVAL;
		allowed = FZ_E(EINVAL);
	} else if (!c || !(c->kinds & K(f.kind)) ||
		   (ci != FZ_POST && ci != FZ_POST_BATCH)) {
		/* Only the two posting commands exist as uring_cmds. */
		a.predict = ENOTTY;
		allowed = FZ_E(ENOTTY);
	} else {
		allowed = fz_common_errs | c->errs;
		fz_predict_depth(ci, &a, true);
	}

	if (ci == FZ_POST_BATCH)
		memcpy(fz.ents_snap, fz.ents, fz.ents_end - fz.ents);
	res = fz_ring_cmd(f.fd, op, arg, reserved);
	__atomic_add_fetch(&fz.stats->cqes, 1, __ATOMIC_RELAXED);
	ret = res < 0 ? -1 : res;
	fz_count(ret, -res);
	fz_judge(&f, ci, c, ret, res < 0 ? -res : 0, &a, allowed, span);
}

static void fz_op_new_ctl(void)
{
	int fd = open(TU_DEV, O_RDWR | (fz_chance(50) ? O_CLOEXEC : 0));

	fz_cur.what = "open-ctl";
	fz_cur.fd = fd;
	fz_cur.kind = FZ_CTL;
	fz_cur.mut = NULL;
	fz_count(fd, fd < 0 ? errno : 0);
	if (fd < 0)
		fz_report("open " TU_DEV ": %s", tap_errname(errno));
	else
		fz_pool_add(fd, FZ_CTL, 0, NULL);
}

/* ------------------------------------------------------------------ */
/* Children and the sanity oracle                                      */

static void fz_run(unsigned long ops, bool may_fork);

static void fz_reap(bool wait)
{
	int status;
	pid_t pid;

	if (!fz.child)
		return;
	do
		pid = waitpid(fz.child, &status, wait ? 0 : WNOHANG);
	while (pid < 0 && errno == EINTR);
	if (pid == 0)
		return;
	ASSERT_EQ(pid, fz.child);
	fz.child = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == TAP_EXIT_PASS)
		return;
	if (WIFSIGNALED(status))
		tap_diag("fuzz child %d killed by signal %d", pid,
			 WTERMSIG(status));
	else
		tap_diag("fuzz child %d exited with %d", pid,
			 WEXITSTATUS(status));
	tap_fail();
}

/*
 * A child shares every fd of the pool with us and works on them at the
 * same time: concurrent posts, reads, subscriptions and closes of the same
 * objects from two processes.  Sometimes it runs as nobody.
 */
static void fz_op_fork(void)
{
	uint64_t seed = fz_rand();
	bool nobody = geteuid() == 0 && fz_chance(40);
	unsigned long ops = 1 + fz_below(FZ_CHILD_OPS);
	pid_t pid;

	if (fz.child || fz.is_child)
		return;
	fz_cur.what = "fork";
	/* Both sides use the registers: neither sees the other's SUBSCRIBEs. */
	for (unsigned int i = 0; i < fz.npool; i++)
		if (fz.pool[i].reg)
			fz.pool[i].reg->shared = true;
	pid = tu_fork();
	if (pid) {
		fz.child = pid;
		__atomic_add_fetch(&fz.stats->children, 1, __ATOMIC_RELAXED);
		return;
	}
	fz.is_child = true;
	fz.rng = seed;
	/* A new thread, handling nothing. */
	fz.handling = FZ_NEST_NONE;
	fz_start_watchdog();
	if (nobody)
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
	fz_run(ops, false);
	tap_child_exit();
}

static int fz_read_one(int reg, void *buf, size_t cap,
		       const struct eventline_record **rec)
{
	ssize_t n = read(reg, buf, cap);

	*rec = buf;
	return n < 0 ? -errno : n;
}

/* The sub_ids of line @own's subscriptions, in chain order; how many. */
static int fz_oracle_subs(int own, uint64_t *ids, uint32_t room)
{
	struct eventline_sub_info si[4];
	struct eventline_line_subs ls = {
		.size = sizeof(ls), .count = room, .entry_size = sizeof(si[0]),
		.entries = (uintptr_t)si,
	};
	long n = tu_ioctl(own, EVENTLINE_IOC_LINE_SUBS, &ls);
	long i;

	ASSERT_LE(room, TU_ARRAY_SIZE(si));
	if (n < 0 || n != ls.count) {
		fz_report("oracle: LINE_SUBS returned %ld, count %u", n,
			  ls.count);
		return -1;
	}
	for (i = 0; i < n; i++) {
		ids[i] = si[i].sub_id;
		if (si[i].uid != geteuid() || si[i].pid != (uint32_t)getpid() ||
		    si[i].sub_flags != EVENTLINE_SUB_OWNER)
			fz_report("oracle: subscription uid %u pid %u flags %#x",
				  si[i].uid, si[i].pid, si[i].sub_flags);
	}
	return n;
}

/*
 * The owner's say over its line, checked exactly: LINE_INFO from every fd,
 * expected owners, LINE_SUBS and an EVICT, after which the evicted register
 * gets what was posted before it, EVICTED, and end of stream, while the
 * other keeps receiving.
 */
static void fz_oracle_evict(void)
{
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	struct eventline_line_info li = { .size = sizeof(li) };
	unsigned char buf[4 * TU_REC_SIZE(8)];
	const struct eventline_record *rec;
	struct eventline_evict ev = { .size = sizeof(ev) };
	uint64_t id, subs[4], seq;
	int ctl, own, keep, gone, n;

	ctl = tu_open_ctl();
	own = ASSERT_OK(tu_line_create(ctl, NULL, 0600, EVENTLINE_FD_CLOEXEC,
				       &id));
	keep = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_CLOEXEC |
							EVENTLINE_FD_NONBLOCK));
	gone = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_CLOEXEC |
							EVENTLINE_FD_NONBLOCK));
	EXPECT_OK(tu_subscribe(keep, id, NULL));
	n = fz_oracle_subs(own, subs, 4);
	EXPECT_EQ(n, 1);

	/* We own it: insisting on our uid works, on the kernel does not. */
	ref.id = id;
	ref.flags = EVENTLINE_REF_KERNEL_OWNED;
	EXPECT_RET(tu_ioctl(gone, EVENTLINE_IOC_SUBSCRIBE, &ref), EACCES);
	ref.flags = EVENTLINE_REF_OWNER_UID;
	ref.owner_uid = geteuid() + 1;
	EXPECT_RET(tu_ioctl(gone, EVENTLINE_IOC_SUBSCRIBE, &ref), EACCES);
	ref.owner_uid = geteuid();
	EXPECT_OK(tu_ioctl(gone, EVENTLINE_IOC_SUBSCRIBE, &ref));

	li.id = id;
	EXPECT_OK(tu_ioctl(gone, EVENTLINE_IOC_LINE_INFO, &li));
	EXPECT_EQ(li.id, id);
	EXPECT_EQ(li.owner_uid, geteuid());
	EXPECT_EQ(li.owner_gid, getegid());
	EXPECT_EQ(li.mode, 0600);
	EXPECT_EQ(li.line_flags, 0);
	EXPECT_EQ(li.nr_subs, 2);
	EXPECT_EQ(li.name[0], '\0');

	EXPECT_OK(tu_post(own, 4, "abcdefgh", 8, &seq));
	EXPECT_EQ(seq, 1);
	/* The new subscription is the one not listed before. */
	ASSERT_EQ(fz_oracle_subs(own, subs + 1, 3), 2);
	ev.sub_id = subs[1] == subs[0] ? subs[2] : subs[1];
	EXPECT_OK(tu_ioctl(own, EVENTLINE_IOC_EVICT, &ev));
	EXPECT_RET(tu_ioctl(own, EVENTLINE_IOC_EVICT, &ev), ENOENT);
	EXPECT_OK(tu_post(own, 5, NULL, 0, &seq));
	EXPECT_EQ(seq, 2);

	/* Until its EVICTED record is read, the register may still ask. */
	li.id = id;
	EXPECT_OK(tu_ioctl(gone, EVENTLINE_IOC_LINE_INFO, &li));
	EXPECT_EQ(li.nr_subs, 1);
	n = fz_read_one(gone, buf, sizeof(buf), &rec);
	EXPECT_EQ(n, TU_REC_SIZE(8) + TU_REC_SIZE(0));
	if (n == (int)(TU_REC_SIZE(8) + TU_REC_SIZE(0))) {
		tu_check_line_record(rec, id, 4, 1, "abcdefgh", 8);
		rec = (const void *)(buf + TU_REC_SIZE(8));
		tu_check_meta_record(rec, EVENTLINE_META_EVICTED, id);
		EXPECT_EQ(rec->uid, geteuid());
	}
	EXPECT_EQ(read(gone, buf, sizeof(buf)), 0);
	li.id = id;
	EXPECT_RET(tu_ioctl(gone, EVENTLINE_IOC_LINE_INFO, &li), ENOENT);

	/* The other register saw both posts. */
	n = fz_read_one(keep, buf, sizeof(buf), &rec);
	EXPECT_EQ(n, TU_REC_SIZE(8) + TU_REC_SIZE(0));
	if (n == (int)(TU_REC_SIZE(8) + TU_REC_SIZE(0))) {
		tu_check_line_record(rec, id, 4, 1, "abcdefgh", 8);
		tu_check_line_record((const void *)(buf + TU_REC_SIZE(8)), id,
				     5, 2, NULL, 0);
	}

	/* The evicted register may come back. */
	EXPECT_OK(tu_subscribe(gone, id, NULL));
	close(gone);
	close(keep);
	close(own);
	close(ctl);
}

/* POST of @type with @flags and @parent_depth from this thread: ret, seq. */
static long fz_oracle_post(int fd, unsigned int type, uint32_t flags,
			   uint16_t parent_depth, uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p), .flags = flags, .type = type,
		.parent_depth = parent_depth,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);

	*seq = p.seq;
	return ret;
}

/*
 * Nesting and retained events, exactly: a handler that reads and posts
 * goes one level deeper each time and gets ELOOP past max_depth (a
 * shallower parent_depth changes nothing); a read that returns nothing
 * ends the handling; POST_PARENT names the depth; a depth-filtered
 * register sees only its range; a later subscriber gets the retained
 * event first, flagged, with its seq and timestamp; RETAIN_CLEAR works
 * only on the owner fd and drops it; POST_BATCH refuses RETAIN.
 */
static void fz_oracle_nest(void)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = EVENTLINE_FD_CLOEXEC | EVENTLINE_FD_NONBLOCK |
			 EVENTLINE_REGISTER_DEPTH_FILTER,
		.queue_len = 64, .min_depth = 1, .max_depth = 2,
	};
	struct eventline_retain_clear clr = { .size = sizeof(clr),
					      .types = 1ULL << 7 };
	struct eventline_post_entry ent = { .type = 1 };
	struct eventline_post_batch b = {
		.size = sizeof(b), .flags = EVENTLINE_POST_RETAIN, .count = 1,
		.entry_size = sizeof(ent), .entries = (uintptr_t)&ent,
	};
	unsigned char buf[8 * TU_REC_SIZE(0)] __attribute__((aligned(8)));
	unsigned int max = fz.info.max_depth, d, i, nposted = 0;
	uint64_t id, seq, ts1 = 0, want;
	uint16_t depths[64];
	const struct eventline_record *rec;
	int ctl, own, pst, reg, filt, late, n;

	if (max + 4 > TU_ARRAY_SIZE(depths))
		return;
	ctl = tu_open_ctl();
	own = ASSERT_OK(tu_line_create(ctl, NULL, 0600, EVENTLINE_FD_CLOEXEC,
				       &id));
	pst = ASSERT_OK(tu_line_open(ctl, id, NULL, EVENTLINE_FD_CLOEXEC));
	reg = ASSERT_OK(tu_register_create(ctl, 64, EVENTLINE_FD_CLOEXEC |
							EVENTLINE_FD_NONBLOCK));
	filt = ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc));
	EXPECT_OK(tu_subscribe(reg, id, NULL));
	EXPECT_OK(tu_subscribe(filt, id, NULL));

	/* Handling nothing: top-level; the retained event of type 7. */
	EXPECT_EQ(read(reg, buf, sizeof(buf)), -1);
	EXPECT_OK(fz_oracle_post(own, 7, EVENTLINE_POST_RETAIN, 0, &seq));
	EXPECT_EQ(seq, 1);
	depths[nposted++] = 0;
	for (d = 0; d <= max; d++) {
		n = fz_read_one(reg, buf, sizeof(buf), &rec);
		EXPECT_EQ(n, TU_REC_SIZE(0));
		if (n != (int)TU_REC_SIZE(0))
			break;
		EXPECT_EQ(rec->seq, d + 1);
		EXPECT_EQ(rec->depth, d);
		EXPECT_EQ(rec->flags, 0);
		if (!d)
			ts1 = rec->timestamp_ns;
		if (d == max) {
			EXPECT_RET(fz_oracle_post(pst, 1, 0, 0, &seq), ELOOP);
			/* A shallower parent does not make it shallower. */
			EXPECT_RET(fz_oracle_post(own, 1, EVENTLINE_POST_PARENT,
						  0, &seq), ELOOP);
			break;
		}
		EXPECT_OK(fz_oracle_post(d % 2 ? pst : own, 1, 0, 0, &seq));
		EXPECT_EQ(seq, d + 2);
		depths[nposted++] = d + 1;
	}
	/* Drained: handling nothing, posts are top-level again. */
	EXPECT_EQ(read(reg, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EAGAIN);
	EXPECT_OK(fz_oracle_post(own, 2, EVENTLINE_POST_PARENT, max - 1,
				 &seq));
	EXPECT_EQ(seq, nposted + 1);
	depths[nposted++] = max;
	EXPECT_RET(fz_oracle_post(own, 2, EVENTLINE_POST_PARENT, max, &seq),
		   ELOOP);
	EXPECT_RET(fz_oracle_post(own, 2, 0, 1, &seq), EINVAL);
	EXPECT_OK(fz_oracle_post(pst, 3, 0, 0, &seq));
	EXPECT_EQ(seq, nposted + 1);
	depths[nposted++] = 0;
	n = fz_read_one(reg, buf, sizeof(buf), &rec);
	EXPECT_EQ(n, 2 * TU_REC_SIZE(0));
	if (n == (int)(2 * TU_REC_SIZE(0))) {
		EXPECT_EQ(rec->depth, max);
		EXPECT_EQ(((const struct eventline_record *)
			   (buf + TU_REC_SIZE(0)))->depth, 0);
	}
	/* Handling max_depth now. */
	EXPECT_RET(fz_oracle_post(own, 2, 0, 0, &seq), ELOOP);

	/* The filtered register: exactly the posts of depth 1 and 2. */
	n = read(filt, buf, sizeof(buf));
	for (i = 0, want = 0; i < nposted; i++)
		want += depths[i] >= 1 && depths[i] <= 2;
	EXPECT_EQ(n, (int)(want * TU_REC_SIZE(0)));
	for (i = 0, rec = (const void *)buf; n > 0 && i < nposted; i++) {
		if (depths[i] < 1 || depths[i] > 2)
			continue;
		EXPECT_EQ(rec->seq, i + 1);
		EXPECT_EQ(rec->depth, depths[i]);
		rec = (const void *)((const unsigned char *)rec + rec->size);
	}

	/* A later subscriber: the retained event first. */
	late = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_CLOEXEC |
							EVENTLINE_FD_NONBLOCK));
	EXPECT_OK(tu_subscribe(late, id, NULL));
	EXPECT_EQ(read(reg, buf, sizeof(buf)), -1);	/* handling: none */
	EXPECT_OK(fz_oracle_post(own, 4, 0, 0, &seq));
	n = fz_read_one(late, buf, sizeof(buf), &rec);
	EXPECT_EQ(n, 2 * TU_REC_SIZE(0));
	if (n == (int)(2 * TU_REC_SIZE(0))) {
		EXPECT_EQ(rec->seq, 1);
		EXPECT_EQ(rec->type, 7);
		EXPECT_EQ(rec->depth, 0);
		EXPECT_EQ(rec->flags, EVENTLINE_RECORD_RETAINED);
		EXPECT_EQ(rec->timestamp_ns, ts1);
		rec = (const void *)(buf + TU_REC_SIZE(0));
		EXPECT_EQ(rec->seq, seq);
		EXPECT_EQ(rec->flags, 0);
	}
	close(late);

	EXPECT_RET(tu_ioctl(own, EVENTLINE_IOC_POST_BATCH, &b), EINVAL);
	EXPECT_RET(tu_ioctl(pst, EVENTLINE_IOC_RETAIN_CLEAR, &clr), ENOTTY);
	EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_RETAIN_CLEAR, &clr), ENOTTY);
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_RETAIN_CLEAR, &clr), ENOTTY);
	EXPECT_EQ(tu_ioctl(own, EVENTLINE_IOC_RETAIN_CLEAR, &clr), 1);
	EXPECT_EQ(tu_ioctl(own, EVENTLINE_IOC_RETAIN_CLEAR, &clr), 0);
	late = ASSERT_OK(tu_register_create(ctl, 8, EVENTLINE_FD_CLOEXEC |
							EVENTLINE_FD_NONBLOCK));
	EXPECT_OK(tu_subscribe(late, id, NULL));
	EXPECT_EQ(read(late, buf, sizeof(buf)), -1);
	EXPECT_EQ(errno, EAGAIN);

	close(late);
	close(filt);
	close(reg);
	close(pst);
	close(own);
	close(ctl);
}

/*
 * A known sequence, checked exactly: whatever the fuzzing did before, a
 * fresh line and register must behave as the header says.  Covers post
 * from owner and poster, payload sizes 0..max, queue overflow and its exact
 * count, a batch, LINE_CLOSED, EPIPE on a poster of a closed line, EOF and
 * POLLHUP.
 */
static void fz_oracle(void)
{
	unsigned int max = fz.info.max_payload, i, qlen = 4;
	unsigned int lens[6] = { 0, 1, 13, max, 56, 7 };
	const struct eventline_record *rec;
	size_t cap = TU_REC_SIZE(max);
	unsigned char *buf, *payload;
	char name[EVENTLINE_NAME_MAX];
	int ctl, own, pst, reg, n;
	uint64_t id, seq, lost, t0;
	struct pollfd pfd;
	bool choke_ok;

	fz_reap(true);
	fz_cur.what = "sanity-oracle";
	fz_cur.mut = NULL;
	__atomic_add_fetch(&fz.stats->oracles, 1, __ATOMIC_RELAXED);

	buf = aligned_alloc(8, cap);
	payload = malloc(max + 1);
	ASSERT_TRUE(buf && payload);
	snprintf(name, sizeof(name), "fz-oracle-%d-%u", getpid(),
		 fz.oracle_seq++);

	ctl = tu_open_ctl();
	own = tu_line_create(ctl, name, 0600, EVENTLINE_FD_CLOEXEC, &id);
	if (own < 0)
		fz_report("oracle: LINE_CREATE: %s", tap_errname(-own));
	ASSERT_GE(own, 0);
	reg = ASSERT_OK(tu_register_create(ctl, qlen, EVENTLINE_FD_CLOEXEC |
							   EVENTLINE_FD_NONBLOCK));
	EXPECT_OK(tu_subscribe(reg, 0, name));
	EXPECT_RET(tu_subscribe(reg, id, NULL), EEXIST);
	pst = ASSERT_OK(tu_line_open(ctl, 0, name, EVENTLINE_FD_CLOEXEC));
	/*
	 * A read() that returns no line event ends this thread's handling
	 * of what the fuzzing read: the posts below are top-level (depth 0).
	 */
	EXPECT_EQ(read(reg, buf, cap), -1);
	EXPECT_EQ(errno, EAGAIN);

	/* qlen fit, two more are lost and counted. */
	t0 = tu_now_ns();
	for (i = 0; i < 6; i++) {
		tu_fill(payload, lens[i], i + fz.oracle_seq);
		EXPECT_OK(tu_post(i % 2 ? pst : own, i, payload, lens[i],
				  &seq));
		EXPECT_EQ(seq, i + 1);
	}
	/*
	 * The queue stood at or above its choke mark from the third post
	 * on: a guest slow enough to spend choke_msec on these posts may
	 * have earned the register a CHOKE record, after the 4th event.
	 */
	choke_ok = tu_now_ns() - t0 >= (uint64_t)fz.choke_msec * 1000000;
	for (i = 0; i < qlen; i++) {
		n = fz_read_one(reg, buf, TU_REC_SIZE(lens[i]), &rec);
		EXPECT_EQ(n, TU_REC_SIZE(lens[i]));
		if (n <= 0)
			break;
		tu_fill(payload, lens[i], i + fz.oracle_seq);
		tu_check_line_record(rec, id, i, i + 1, payload, lens[i]);
	}
	n = fz_read_one(reg, buf, cap, &rec);
	if (choke_ok && n == TU_REC_SIZE(sizeof(struct eventline_choke)) &&
	    rec->category == EVENTLINE_CAT_META &&
	    rec->type == EVENTLINE_META_CHOKE) {
		struct eventline_choke c;

		memcpy(&c, tu_payload(rec), sizeof(c));
		EXPECT_EQ(c.queue_len, qlen);
		EXPECT_EQ(c.queued, qlen);
		n = fz_read_one(reg, buf, cap, &rec);
	}
	EXPECT_EQ(n, TU_REC_SIZE(sizeof(struct eventline_overflow)));
	if (n > 0) {
		tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0);
		memcpy(&lost, tu_payload(rec), sizeof(lost));
		EXPECT_EQ(lost, 2);
	}
	EXPECT_EQ(read(reg, buf, cap), -1);
	EXPECT_EQ(errno, EAGAIN);

	/*
	 * Queueing resumed, for a post and a batch of two (the queue's
	 * last three places); then the owner goes and the poster is
	 * refused.
	 */
	EXPECT_OK(tu_post(pst, 63, payload, 3, &seq));
	EXPECT_EQ(seq, 7);
	{
		struct eventline_post_entry ents[2] = {
			{ .type = 5 },
			{ .type = 6, .payload_len = 9,
			  .payload = (uintptr_t)payload },
		};
		struct eventline_post_batch b = {
			.size = sizeof(b), .count = 2,
			.entry_size = sizeof(ents[0]),
			.entries = (uintptr_t)ents,
		};

		EXPECT_EQ(tu_ioctl(own, EVENTLINE_IOC_POST_BATCH, &b), 2);
		EXPECT_EQ(b.first_seq, 8);
	}
	EXPECT_SYSOK(close(own));
	EXPECT_RET(tu_post(pst, 1, NULL, 0, NULL), EPIPE);
	EXPECT_RET(tu_line_open(ctl, id, NULL, 0), ENOENT);
	n = fz_read_one(reg, buf, cap, &rec);
	EXPECT_EQ(n, TU_REC_SIZE(3) + TU_REC_SIZE(0) + TU_REC_SIZE(9) +
		     sizeof(*rec));
	if (n == (int)(TU_REC_SIZE(3) + TU_REC_SIZE(0) + TU_REC_SIZE(9) +
		       sizeof(*rec))) {
		size_t off = 0;

		tu_check_line_record(rec, id, 63, 7, payload, 3);
		off += TU_REC_SIZE(3);
		tu_check_line_record((const void *)(buf + off), id, 5, 8,
				     NULL, 0);
		off += TU_REC_SIZE(0);
		tu_check_line_record((const void *)(buf + off), id, 6, 9,
				     payload, 9);
		off += TU_REC_SIZE(9);
		tu_check_meta_record((const void *)(buf + off),
				     EVENTLINE_META_LINE_CLOSED, id);
	}
	pfd = (struct pollfd){ reg, POLLIN, 0 };
	EXPECT_EQ(poll(&pfd, 1, 0), 1);
	EXPECT_EQ(pfd.revents, POLLHUP);
	EXPECT_EQ(read(reg, buf, cap), 0);

	close(pst);
	close(reg);
	close(ctl);
	free(buf);
	free(payload);
	fz_oracle_evict();
	fz_oracle_nest();
	/* Its reads left this thread handling what they returned. */
	fz.handling = FZ_NEST_UNKNOWN;
}

/* ------------------------------------------------------------------ */
/* The driver                                                          */

static void fz_run(unsigned long ops, bool may_fork)
{
	unsigned long i;
	unsigned int r;

	for (i = 0; i < ops; i++) {
		if (tap_fail_count() > 20)
			break;	/* enough to go on */
		if (!fz.is_child)
			fz_reap(false);
		if (!fz.is_child && i && i % FZ_ORACLE_EVERY == 0)
			fz_oracle();

		r = fz_below(1000);
		if (r < 450)
			fz_op_ioctl();
		else if (r < 580)
			fz_op_read();
		else if (r < 600)
			fz_op_write();
		else if (r < 660)
			fz_op_poll();
		else if (r < 720)
			fz_op_epoll();
		else if (r < 750)
			fz_op_fcntl();
		else if (r < 800)
			fz_op_dup();
		else if (r < 880)
			fz_op_close();
		else if (r < 910)
			fz_op_fdinfo();
		else if (r < 930)
			fz_op_new_ctl();
		else if (r < 932 && may_fork)
			fz_op_fork();
		else if (r < 952)
			fz_op_mmap();
		else if (r < 972)
			fz_op_uring();
		else if (r < 990)
			fz_op_traffic();
		else
			/* Keep lines and registers around to work on. */
			fz_op_ioctl();

		/* Never run dry of control fds, or creation stops. */
		if (!fz_count_kind(FZ_CTL))
			fz_op_new_ctl();
	}
}

static unsigned long fz_env_ul(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end) {
		tap_diag("ignoring %s=%s", name, s);
		return def;
	}
	return v;
}

static unsigned long fz_total_iters(void)
{
	return fz_env_ul("EL_FUZZ_ITERS", EL_FUZZ_DEFAULT_ITERS);
}

/* Share of the iterations each case gets, in percent. */
#define FZ_SHARE_ROOT		70
#define FZ_SHARE_NOBODY		30

static void fz_case(const char *name, unsigned int share, bool nobody,
		    unsigned int salt)
{
	uint64_t seed = fz_env_ul("EL_FUZZ_SEED", EL_FUZZ_DEFAULT_SEED);
	unsigned long ops = fz_total_iters() * share / 100;
	char errs[1024];
	size_t off = 0;
	unsigned int i;

	if (!seed)
		seed = tu_now_ns() ^ ((uint64_t)getpid() << 32);
	/* Cases differ from each other but follow from the one seed. */
	fz.rng = seed ^ (0x51ed27e5ULL * salt);
	tap_diag("fuzz: case=%s seed=%#llx iters=%lu (replay: EL_FUZZ_SEED=%#llx EL_FUZZ_ITERS=%lu)",
		 name, (unsigned long long)seed, ops,
		 (unsigned long long)seed, fz_total_iters());

	fz.pg = sysconf(_SC_PAGESIZE);
	fz.stats = mmap(NULL, sizeof(*fz.stats), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	fz.rw = mmap(NULL, 5 * fz.pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(fz.stats != MAP_FAILED && fz.rw != MAP_FAILED);
	fz.guard = fz.rw + 2 * fz.pg;
	fz.ro = fz.rw + 3 * fz.pg;
	ASSERT_SYSOK(mprotect(fz.guard, fz.pg, PROT_NONE));
	ASSERT_SYSOK(mprotect(fz.ro, fz.pg, PROT_READ));
	ASSERT_SYSOK(mprotect(fz.ro + fz.pg, fz.pg, PROT_NONE));
	fz.snap = malloc(2 * fz.pg);
	ASSERT_TRUE(fz.snap != NULL);
	fz.ents = mmap(NULL, (FZ_ENT_PAGES + 1) * fz.pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(fz.ents != MAP_FAILED);
	fz.ents_end = fz.ents + FZ_ENT_PAGES * fz.pg;
	ASSERT_SYSOK(mprotect(fz.ents_end, fz.pg, PROT_NONE));
	fz.ents_snap = malloc(FZ_ENT_PAGES * fz.pg);
	ASSERT_TRUE(fz.ents_snap != NULL);

	fz_signals();
	tu_info(&fz.info);
	fz.handling = FZ_NEST_NONE;
	{
		long long v;

		if (!tu_read_ll("/sys/module/eventline/parameters/choke_percent",
				&v))
			fz.choke_percent = v;
		if (!tu_read_ll("/sys/module/eventline/parameters/choke_msec",
				&v))
			fz.choke_msec = v;
	}
	if (nobody)
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
	fz_start_watchdog();
	fz_open_misc();

	fz_run(ops, !nobody);
	fz_reap(true);
	if (!tap_failed())
		fz_oracle();

	for (i = 1; i < FZ_ERRNO_MAX && off < sizeof(errs); i++)
		if (fz.stats->err[i])
			off += snprintf(errs + off, sizeof(errs) - off, "%s%s:%lu",
					off ? "," : "", tap_errname(i),
					fz.stats->err[i]);
	tap_diag("fuzz: case=%s seed=%#llx ops=%lu ok=%lu children=%lu oracles=%lu records=%lu errors-by-errno=%s",
		 name, (unsigned long long)seed, fz.stats->ops, fz.stats->ok,
		 fz.stats->children, fz.stats->oracles, fz.stats->records,
		 off ? errs : "none");
	for (i = 0, off = 0; i < FZ_NCMDS; i++)
		off += snprintf(errs + off, sizeof(errs) - off, "%s%s:%lu",
				i ? "," : "", fz_cmds[i].name,
				fz.stats->ok_cmd[i]);
	tap_diag("fuzz: case=%s ok-by-ioctl=%s mmaps=%lu scribbles=%lu uring-cqes=%lu",
		 name, errs, fz.stats->maps, fz.stats->scribbles,
		 fz.stats->cqes);
}

/* As root, with forked children (root or nobody) sharing the pool. */
static void test_fuzz_root(void)
{
	fz_case("fuzz_root", FZ_SHARE_ROOT, false, 1);
}

/* The whole case as uid 65534: lines of other modes, EACCES, limits. */
static void test_fuzz_nobody(void)
{
	fz_case("fuzz_nobody", FZ_SHARE_NOBODY, true, 2);
}

/*
 * Every command number with our magic, every direction and a few sizes,
 * on every kind of fd: only the exact published numbers may be accepted.
 */
static void test_cmd_space(void)
{
	static const unsigned int sizes[] = { 0, 4, 8, 16, 32, 72, 88 };
	struct eventline_info *info;
	unsigned int nr, dir, s, k;
	int fds[4];
	uint64_t id;
	int ctl;

	ctl = tu_open_ctl();
	fds[0] = ctl;
	fds[1] = ASSERT_OK(tu_line_create(ctl, NULL, 0600, EVENTLINE_FD_CLOEXEC,
					  &id));
	fds[2] = ASSERT_OK(tu_line_open(ctl, id, NULL, EVENTLINE_FD_CLOEXEC));
	fds[3] = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_CLOEXEC));
	/* A page of zeroes: a size of 0 is EINVAL, never success. */
	info = tu_guarded(4096);

	for (k = 0; k < 4; k++)
		for (nr = 0; nr < 256; nr++)
			for (dir = 0; dir < 4; dir++)
				for (s = 0; s < TU_ARRAY_SIZE(sizes); s++) {
					unsigned long cmd = _IOC(dir,
						EVENTLINE_IOC_MAGIC, nr,
						sizes[s]);
					const struct fz_cmd *c = fz_cmd_lookup(cmd);
					long ret = tu_ioctl(fds[k], cmd, info);

					if (c && (c->kinds & K(FZ_CTL + k))) {
						/* size 0 in the struct */
						EXPECT_EQ(ret, -EINVAL);
						continue;
					}
					if (ret != -ENOTTY) {
						tap_diag("cmd %#lx on %s: %ld",
							 cmd, fz_kind_name[k],
							 ret);
						tap_fail();
					}
				}
	close(fds[3]);
	close(fds[2]);
	close(fds[1]);
	close(ctl);
}

/* Seconds for @share percent of the iterations; TCG does ~1000 ops/s. */
static unsigned int fz_timeout(unsigned int share)
{
	unsigned long t = 60 + fz_total_iters() * share / 100 / 250;

	return t > 86400 ? 86400 : t;
}

int main(int argc, char **argv)
{
	struct tap_test tests[] = {
		TAP_TEST(test_cmd_space),
		TAP_TEST_TIMEOUT(test_fuzz_root, fz_timeout(FZ_SHARE_ROOT)),
		TAP_TEST_TIMEOUT(test_fuzz_nobody, fz_timeout(FZ_SHARE_NOBODY)),
	};

	return tap_main(tests, TU_ARRAY_SIZE(tests), argc, argv);
}
