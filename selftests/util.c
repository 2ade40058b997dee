// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - helpers shared by the eventline selftests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * Copy @name into a name field.  A 64-character @name fills the field with
 * no NUL, which is how tests build an unterminated name on purpose.
 */
static void tu_set_name(char dst[EVENTLINE_NAME_MAX], const char *name)
{
	size_t len = strnlen(name, EVENTLINE_NAME_MAX);

	memset(dst, 0, EVENTLINE_NAME_MAX);
	memcpy(dst, name, len);
}

long tu_ioctl(int fd, unsigned long cmd, void *arg)
{
	long ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

int tu_open_ctl(void)
{
	int fd = open(TU_DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT)
		tap_skip(TU_DEV " missing: is the module loaded?");
	if (fd < 0) {
		tap_diag("open(" TU_DEV "): %s", tap_errname(errno));
		tap_abort();
	}
	return fd;
}

void tu_get_info(int ctl, struct eventline_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
}

void tu_info(struct eventline_info *info)
{
	int ctl = tu_open_ctl();

	tu_get_info(ctl, info);
	close(ctl);
}

int tu_line_create(int ctl, const char *name, unsigned int mode,
		   unsigned int flags, uint64_t *id)
{
	struct eventline_line_create lc = {
		.size = sizeof(lc),
		.flags = flags,
		.mode = mode,
	};
	long ret;

	if (name)
		tu_set_name(lc.name, name);
	ret = tu_ioctl(ctl, EVENTLINE_IOC_LINE_CREATE, &lc);
	if (ret >= 0 && id)
		*id = lc.id;
	return ret;
}

int tu_line_open(int ctl, uint64_t id, const char *name, unsigned int flags)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.flags = flags,
		.id = id,
	};

	if (name)
		tu_set_name(ref.name, name);
	return tu_ioctl(ctl, EVENTLINE_IOC_LINE_OPEN, &ref);
}

int tu_register_create(int ctl, unsigned int queue_len, unsigned int flags)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = flags,
		.queue_len = queue_len,
	};

	return tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc);
}

int tu_subscribe(int reg, uint64_t id, const char *name)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.id = id,
	};

	if (name)
		tu_set_name(ref.name, name);
	return tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref);
}

int tu_unsubscribe(int reg, uint64_t id)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.id = id,
	};

	return tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &ref);
}

int tu_post(int fd, unsigned int type, const void *payload,
	    unsigned int len, uint64_t *seq)
{
	struct eventline_post p = {
		.size = sizeof(p),
		.type = type,
		.payload_len = len,
		.payload = (uintptr_t)payload,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST, &p);

	if (ret >= 0 && seq)
		*seq = p.seq;
	return ret;
}

ssize_t tu_read_exact(int reg, void *buf, size_t len)
{
	ssize_t n = read(reg, buf, TU_REC_SIZE(len));

	return n < 0 ? -errno : n;
}

void tu_reader_init(struct tu_reader *r, int fd, size_t cap)
{
	r->fd = fd;
	r->cap = cap;
	r->len = 0;
	r->off = 0;
	/* 8-byte alignment so records can be used in place. */
	r->buf = aligned_alloc(8, TU_ALIGN8(cap));
	ASSERT_TRUE(r->buf != NULL);
}

void tu_reader_fini(struct tu_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int tu_reader_next(struct tu_reader *r, const struct eventline_record **rec)
{
	const struct eventline_record *h;

	if (r->off >= r->len) {
		ssize_t n = read(r->fd, r->buf, r->cap);

		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r->len = n;
		r->off = 0;
	}

	h = (const struct eventline_record *)(r->buf + r->off);
	/*
	 * The kernel promises whole, self-describing, 8-byte aligned
	 * records; anything else would make the stream unparsable.
	 */
	ASSERT_LE(r->off + sizeof(*h), r->len);
	ASSERT_GE(h->size, sizeof(*h));
	ASSERT_EQ(h->size % 8, 0);
	ASSERT_LE(r->off + h->size, r->len);
	ASSERT_LE((uint64_t)h->header_size + h->payload_len, h->size);
	r->off += h->size;
	*rec = h;
	return 1;
}

bool tu_check_line_record(const struct eventline_record *rec,
			  uint64_t line_id, unsigned int type, uint64_t seq,
			  const void *payload, unsigned int len)
{
	unsigned int fails = tap_fail_count();
	const unsigned char *p;
	size_t i;

	EXPECT_EQ(rec->category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(rec->type, type);
	EXPECT_EQ(rec->header_size, sizeof(struct eventline_record));
	EXPECT_EQ(rec->size, TU_REC_SIZE(len));
	EXPECT_EQ(rec->payload_len, len);
	EXPECT_EQ(rec->seq, seq);
	EXPECT_EQ(rec->line_id, line_id);
	EXPECT_EQ(rec->depth, 0);
	EXPECT_EQ(rec->__reserved1, 0);
	if (rec->payload_len == len && rec->size == TU_REC_SIZE(len)) {
		p = tu_payload(rec);
		if (len && memcmp(p, payload, len)) {
			tap_diag("%s: payload of seq %llu differs", __func__,
				 (unsigned long long)seq);
			tap_fail();
		}
		for (i = sizeof(*rec) + len; i < rec->size; i++) {
			if (((const unsigned char *)rec)[i]) {
				tap_diag("%s: padding byte %zu is %#x",
					 __func__, i,
					 ((const unsigned char *)rec)[i]);
				tap_fail();
				break;
			}
		}
	}
	return tap_fail_count() == fails;
}

bool tu_check_meta_record(const struct eventline_record *rec,
			  unsigned int type, uint64_t line_id)
{
	unsigned int fails = tap_fail_count();

	EXPECT_EQ(rec->category, EVENTLINE_CAT_META);
	EXPECT_EQ(rec->type, type);
	EXPECT_EQ(rec->header_size, sizeof(struct eventline_record));
	EXPECT_EQ(rec->seq, 0);
	EXPECT_EQ(rec->line_id, line_id);
	EXPECT_EQ(rec->__reserved1, 0);
	if (type == EVENTLINE_META_OVERFLOW) {
		EXPECT_EQ(rec->payload_len, sizeof(struct eventline_overflow));
		EXPECT_EQ(rec->size,
			  TU_REC_SIZE(sizeof(struct eventline_overflow)));
	}
	if (type == EVENTLINE_META_CHOKE) {
		const struct eventline_choke *c = tu_payload(rec);

		EXPECT_EQ(rec->payload_len, sizeof(*c));
		EXPECT_EQ(rec->size, TU_REC_SIZE(sizeof(*c)));
		EXPECT_LE(c->queued, c->queue_len);
		EXPECT_GT(c->queued, 0);
	}
	return tap_fail_count() == fails;
}

void tu_fill(void *buf, size_t len, unsigned int seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8) + 1);
}

bool tu_debug_kernel(void)
{
	return !access("/sys/kernel/debug/kmemleak", F_OK);
}

void tu_drop_privs(uid_t uid, gid_t gid)
{
	ASSERT_SYSOK(setgroups(0, NULL));
	ASSERT_SYSOK(setresgid(gid, gid, gid));
	ASSERT_SYSOK(setresuid(uid, uid, uid));
	ASSERT_EQ(geteuid(), uid);
}

void tu_raise_nofile(unsigned long n)
{
	struct rlimit rl;

	ASSERT_SYSOK(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur >= n)
		return;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	ASSERT_SYSOK(setrlimit(RLIMIT_NOFILE, &rl));
}

pid_t tu_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	return pid;
}

void tu_wait_ok(pid_t pid)
{
	int status;

	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == TAP_EXIT_PASS)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == TAP_EXIT_SKIP)
		tap_skip("%s", "helper process skipped");
	if (WIFSIGNALED(status))
		tap_diag("helper %d killed by signal %d", pid, WTERMSIG(status));
	else
		tap_diag("helper %d exited with %d", pid, WEXITSTATUS(status));
	tap_fail();
}

bool tu_wait_sleeping(pid_t tid)
{
	char path[64], buf[512], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	for (i = 0; i < 500; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return false;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			/* "pid (comm) S ..."; comm may contain ')' */
			p = strrchr(buf, ')');
			if (p && p[1] == ' ' && p[2] == 'S')
				return true;
		}
		tu_msleep(10);
	}
	return false;
}

void *tu_guarded(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *p;

	ASSERT_LE(n, (size_t)pg);
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(p != MAP_FAILED);
	ASSERT_SYSOK(mprotect(p + pg, pg, PROT_NONE));
	memset(p, 0, pg);
	return p + pg - n;
}

void *tu_unmapped(void)
{
	void *p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

int tu_write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? n : 0;
}

int tu_read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int tu_read_ll(const char *path, long long *val)
{
	char buf[64], *end;
	int ret = tu_read_str(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtoll(buf, &end, 10);
	return errno || end == buf ? -EINVAL : 0;
}

void tu_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

uint64_t tu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int tu_register_create_ring(int ctl, unsigned int queue_len,
			    unsigned int ring_size, unsigned int flags)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = flags,
		.queue_len = queue_len,
		.ring_size = ring_size,
	};

	return tu_ioctl(ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc);
}

#define TU_CG_ROOT	"/sys/fs/cgroup"

void tu_cg_create(struct tu_cg *cg, const char *tag, long long max)
{
	char buf[256], val[32];
	int ret;

	if (access(TU_CG_ROOT "/cgroup.controllers", F_OK)) {
		mkdir(TU_CG_ROOT, 0755);
		if (mount("cgroup2", TU_CG_ROOT, "cgroup2", 0, NULL))
			tap_skip("cannot mount cgroup2: %s", tap_errname(errno));
	}
	if (tu_read_str(TU_CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) ||
	    !strstr(buf, "memory"))
		tap_skip("no memory controller in cgroup2");
	ret = tu_write_str(TU_CG_ROOT "/cgroup.subtree_control", "+memory");
	if (ret)
		tap_skip("cannot enable +memory: %s", tap_errname(-ret));

	snprintf(cg->dir, sizeof(cg->dir), TU_CG_ROOT "/eventline-%s-%d", tag,
		 getpid());
	ASSERT_SYSOK(mkdir(cg->dir, 0755));
	snprintf(buf, sizeof(buf), "%s/memory.swap.max", cg->dir);
	if (!access(buf, F_OK))
		ASSERT_OK(tu_write_str(buf, "0"));
	snprintf(buf, sizeof(buf), "%s/memory.max", cg->dir);
	snprintf(val, sizeof(val), "%lld", max);
	ASSERT_OK(tu_write_str(buf, val));
}

void tu_cg_enter(const struct tu_cg *cg, pid_t pid)
{
	char path[192], val[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg->dir);
	snprintf(val, sizeof(val), "%d", pid);
	ASSERT_OK(tu_write_str(path, val));
}

long long tu_cg_read(const struct tu_cg *cg, const char *file)
{
	char path[192];
	long long v;

	snprintf(path, sizeof(path), "%s/%s", cg->dir, file);
	ASSERT_OK(tu_read_ll(path, &v));
	return v;
}

long long tu_cg_settle(const struct tu_cg *cg, long long limit)
{
	long long cur = 0;
	int i;

	for (i = 0; i < 500; i++) {
		cur = tu_cg_read(cg, "memory.current");
		if (cur <= limit)
			break;
		tu_msleep(10);
	}
	return cur;
}

void tu_cg_destroy(struct tu_cg *cg)
{
	int i;

	for (i = 0; i < 500 && rmdir(cg->dir) && errno == EBUSY; i++)
		tu_msleep(10);
}
