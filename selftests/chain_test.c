// SPDX-License-Identifier: GPL-2.0
/*
 * chain_test - "The chain" of include/uapi/linux/eventline.h: priorities
 * asked for and granted (the default, the line's ceiling, the owner's
 * grant, CAP_SYS_NICE in the line's user namespace), the chain's order and
 * revision, -ESTALE, delivery in chain order, listing as owner and as
 * subscriber with per-subscription counters, demotion by repeated overflow
 * and by a lowered grant, and -ENOBUFS when no room is left for a DEMOTED
 * record.
 *
 * Unprivileged subscribers are forked helpers that really are nobody
 * (setgroups, setresgid, setresuid), one of them in a user namespace of its
 * own.  Helpers and the case process take turns over a SOCK_SEQPACKET
 * socketpair: one __u64 per message, optionally with an fd (SCM_RIGHTS).
 *
 * Needs root.  Cases relying on the module's default priority ceiling (0)
 * skip when it was loaded with another; cases that create lines as
 * another user skip when create_gid is set.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define PARAM_DIR	"/sys/module/eventline/parameters/"

/* Time a demotion (done by a work item) is given to show up. */
#define DEMOTE_WAIT_MS	5000
/* Time after which a demotion that should not happen would have shown up. */
#define SETTLE_MS	300

/* Room for every listing this file asks for. */
#define MAX_SUBS	16

static void need_root(void)
{
	if (geteuid() != 0)
		tap_skip("needs root to switch users");
	/* The modes below are the ones asked for: LINE_CREATE applies the umask. */
	umask(0);
}

/* Lines made by unprivileged helpers need create_gid unset (-1). */
static void need_open_create(void)
{
	long long gid;

	if (!tu_read_ll(PARAM_DIR "create_gid", &gid) && gid != -1)
		tap_skip("module loaded with create_gid=%lld", gid);
}

/* The cases that count on a new line's ceiling being the default, 0. */
static void need_default_ceiling(void)
{
	struct eventline_info info;

	tu_info(&info);
	if (info.priority_ceiling != 0)
		tap_skip("module loaded with priority_ceiling=%d",
			 info.priority_ceiling);
}

static void allow_userns(void)
{
	char val[16];

	if (!tu_read_str("/proc/sys/kernel/unprivileged_userns_clone", val,
			 sizeof(val)) && strcmp(val, "1"))
		ASSERT_OK(tu_write_str("/proc/sys/kernel/unprivileged_userns_clone",
				       "1"));
}

/*
 * Move into a new user namespace in which the caller's euid and egid are
 * mapped to 0; the caller then has every capability there, and none more
 * in the namespace it came from.  Skips when user namespaces are refused.
 */
static void enter_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	ASSERT_SYSOK(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	if (unshare(CLONE_NEWUSER)) {
		if (errno == EPERM || errno == EINVAL || errno == ENOSPC ||
		    errno == EUSERS)
			tap_skip("unshare(CLONE_NEWUSER): %s", tap_errname(errno));
		tap_diag("unshare(CLONE_NEWUSER): %s", tap_errname(errno));
		tap_abort();
	}
	snprintf(map, sizeof(map), "0 %u 1", uid);
	ASSERT_OK(tu_write_str("/proc/self/uid_map", map));
	ASSERT_OK(tu_write_str("/proc/self/setgroups", "deny"));
	snprintf(map, sizeof(map), "0 %u 1", gid);
	ASSERT_OK(tu_write_str("/proc/self/gid_map", map));
	ASSERT_EQ(geteuid(), 0);
}

/* Take CAP_SYS_NICE out of this process's effective and permitted sets. */
static void drop_cap_sys_nice(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	ASSERT_SYSOK(syscall(SYS_capget, &h, d));
	d[CAP_TO_INDEX(CAP_SYS_NICE)].effective &= ~CAP_TO_MASK(CAP_SYS_NICE);
	d[CAP_TO_INDEX(CAP_SYS_NICE)].permitted &= ~CAP_TO_MASK(CAP_SYS_NICE);
	ASSERT_SYSOK(syscall(SYS_capset, &h, d));
}

/* ---- Talking to helpers ---------------------------------------------- */

struct peer {
	pid_t pid;
	int s;		/* this side's end of the socketpair */
};

/* fork() with a channel; true in the helper. */
static bool peer_fork(struct peer *p)
{
	int sv[2];

	ASSERT_SYSOK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	p->pid = tu_fork();
	if (!p->pid) {
		close(sv[0]);
		p->s = sv[1];
		return true;
	}
	close(sv[1]);
	p->s = sv[0];
	return false;
}

/* Send @v, and @fd unless it is -1. */
static void msg_send(int s, uint64_t v, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { &v, sizeof(v) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;

	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		m.msg_control = c.buf;
		m.msg_controllen = sizeof(c.buf);
		h = CMSG_FIRSTHDR(&m);
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		h->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(h), &fd, sizeof(int));
	}
	ASSERT_EQ(sendmsg(s, &m, MSG_NOSIGNAL), sizeof(v));
}

/* Receive one message, with an fd when @fd is not NULL; false at EOF. */
static bool msg_try_recv(int s, uint64_t *v, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { v, sizeof(*v) };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = c.buf, .msg_controllen = sizeof(c.buf),
	};
	struct cmsghdr *h;

	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != sizeof(*v))
		return false;
	if (fd) {
		*fd = -1;
		for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
			if (h->cmsg_level == SOL_SOCKET &&
			    h->cmsg_type == SCM_RIGHTS)
				memcpy(fd, CMSG_DATA(h), sizeof(int));
		ASSERT_GE(*fd, 0);
	}
	return true;
}

/* In a helper: the case process is gone, so is the helper's purpose. */
static uint64_t msg_recv(int s, int *fd)
{
	uint64_t v = 0;

	if (!msg_try_recv(s, &v, fd))
		tap_abort();
	return v;
}

/* In the case process: when the helper is gone instead, say why. */
static uint64_t peer_recv(struct peer *p, int *fd)
{
	uint64_t v = 0;

	if (!msg_try_recv(p->s, &v, fd)) {
		tu_wait_ok(p->pid);
		tap_diag("helper %d ended early", p->pid);
		tap_abort();
	}
	return v;
}

/* ---- The ioctls this file is about ----------------------------------- */

/*
 * SUBSCRIBE by id asking for @prio; the priority written back goes to
 * @granted.  Returns what the ioctl returned (0, CAPPED or -errno).
 */
static long subscribe_prio(int reg, uint64_t id, int32_t prio,
			   int32_t *granted)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.id = id,
		.priority = prio,
	};
	long ret = tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref);

	if (granted)
		*granted = ref.priority;
	return ret;
}

/* SUBSCRIBE that must succeed with exactly @want granted and @ret returned. */
static void subscribe_expect(int reg, uint64_t id, int32_t prio, int32_t want,
			     long ret)
{
	int32_t granted = INT32_MIN;

	ASSERT_EQ(subscribe_prio(reg, id, prio, &granted), ret);
	EXPECT_EQ(granted, want);
}

/*
 * PRIORITY; @result is filled with junk first, since the kernel only
 * writes it and must overwrite it.
 */
static long set_prio(int reg, uint64_t line_id, int32_t prio, uint64_t rev,
		     int32_t *granted, uint32_t *result)
{
	struct eventline_priority p = {
		.size = sizeof(p),
		.line_id = line_id,
		.priority = prio,
		.result = 0x5a5a5a5a,
		.expected_rev = rev,
	};
	long ret = tu_ioctl(reg, EVENTLINE_IOC_PRIORITY, &p);

	if (ret >= 0) {
		if (granted)
			*granted = p.priority;
		if (result)
			*result = p.result;
	}
	return ret;
}

/* PRIORITY that must succeed, granting @want with @result. */
static void prio_expect(int reg, uint64_t line_id, int32_t prio, int32_t want,
			uint32_t result)
{
	int32_t granted = INT32_MIN;
	uint32_t res = 0x5a5a5a5a;

	ASSERT_EQ(set_prio(reg, line_id, prio, 0, &granted, &res), 0);
	EXPECT_EQ(granted, want);
	EXPECT_EQ(res, result);
}

static long grant(int fd, uint64_t sub_id, int32_t max_priority, uint64_t rev)
{
	struct eventline_grant g = {
		.size = sizeof(g),
		.sub_id = sub_id,
		.max_priority = max_priority,
		.expected_rev = rev,
	};

	return tu_ioctl(fd, EVENTLINE_IOC_GRANT, &g);
}

static long line_config(int fd, int32_t ceiling)
{
	struct eventline_line_config c = {
		.size = sizeof(c),
		.priority_ceiling = ceiling,
	};

	return tu_ioctl(fd, EVENTLINE_IOC_LINE_CONFIG, &c);
}

static long evict(int fd, uint64_t sub_id, uint64_t rev)
{
	struct eventline_evict ev = {
		.size = sizeof(ev),
		.sub_id = sub_id,
		.expected_rev = rev,
	};

	return tu_ioctl(fd, EVENTLINE_IOC_EVICT, &ev);
}

/* LINE_INFO's priority_ceiling, from any fd on the line. */
static int32_t info_ceiling(int fd, uint64_t id)
{
	struct eventline_line_info li;

	memset(&li, 0x5a, sizeof(li));
	li.size = sizeof(li);
	li.flags = 0;
	li.id = id;
	ASSERT_OK(tu_ioctl(fd, EVENTLINE_IOC_LINE_INFO, &li));
	return li.priority_ceiling;
}

/*
 * LINE_SUBS on an owner fd (@line_id ignored) or a register fd; entries
 * and output fields are filled with junk first.  Returns the entries
 * written or -errno.
 */
static long list_subs(int fd, uint64_t line_id, struct eventline_sub_info *e,
		      uint32_t room, uint32_t *count, uint64_t *rev)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = room,
		.entry_size = sizeof(*e),
		.entries = (uintptr_t)e,
		.line_id = line_id,
		.revision = 0x5a5a5a5a5a5a5a5aULL,
	};
	long ret;

	if (e)
		memset(e, 0x5a, room * sizeof(*e));
	ret = tu_ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &ls);
	if (ret >= 0) {
		EXPECT_EQ(ret, ls.count < room ? ls.count : room);
		if (count)
			*count = ls.count;
		if (rev)
			*rev = ls.revision;
	}
	return ret;
}

/* The whole chain; aborts unless it has exactly @want entries. */
static void list_all(int fd, uint64_t line_id, struct eventline_sub_info *e,
		     uint32_t want, uint64_t *rev)
{
	uint32_t count = UINT32_MAX;

	ASSERT_EQ(list_subs(fd, line_id, e, MAX_SUBS, &count, rev), want);
	ASSERT_EQ(count, want);
}

/* The chain's revision, as the owner sees it. */
static uint64_t chain_rev(int owner)
{
	uint64_t rev = 0;

	ASSERT_EQ(list_subs(owner, 0, NULL, 0, NULL, &rev), 0);
	return rev;
}

/* The entry of @sub_id in a listing of @n, or NULL. */
static const struct eventline_sub_info *
find_id(const struct eventline_sub_info *e, unsigned int n, uint64_t sub_id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].sub_id == sub_id)
			return &e[i];
	return NULL;
}

/*
 * @reg's own subscription to @line_id, as its register lists it: exactly
 * one entry carries EVENTLINE_SUB_MINE.
 */
static void my_sub(int reg, uint64_t line_id, struct eventline_sub_info *out)
{
	struct eventline_sub_info e[MAX_SUBS];
	uint32_t count = 0, i, mine = 0;

	ASSERT_GE(list_subs(reg, line_id, e, MAX_SUBS, &count, NULL), 1);
	ASSERT_LE(count, MAX_SUBS);
	for (i = 0; i < count; i++) {
		if (e[i].sub_flags & EVENTLINE_SUB_MINE) {
			*out = e[i];
			mine++;
		}
	}
	ASSERT_EQ(mine, 1);
}

/* ---- Reading records ------------------------------------------------- */

/* What a non-blocking register held, by kind. */
struct drained {
	unsigned int events;		/* CAT_LINE records */
	unsigned int overflow_recs;	/* OVERFLOW records */
	uint64_t lost;			/* their counts, added up */
	unsigned int demoted;		/* DEMOTED records */
	struct eventline_demotion dem;	/* the last one's payload */
	uint64_t dem_line;		/* and its line_id */
	unsigned int other;		/* anything else */
};

/* Read @reg (non-blocking) until -EAGAIN, adding what came to @d. */
static void drain(int reg, struct drained *d)
{
	const struct eventline_record *rec;
	struct tu_reader r;
	int ret;

	tu_reader_init(&r, reg, 16384);
	while ((ret = tu_reader_next(&r, &rec)) == 1) {
		if (rec->category == EVENTLINE_CAT_LINE) {
			d->events++;
		} else if (rec->category == EVENTLINE_CAT_META &&
			   rec->type == EVENTLINE_META_OVERFLOW) {
			struct eventline_overflow o;

			tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0);
			memcpy(&o, tu_payload(rec), sizeof(o));
			d->overflow_recs++;
			d->lost += o.lost;
		} else if (rec->category == EVENTLINE_CAT_META &&
			   rec->type == EVENTLINE_META_DEMOTED) {
			EXPECT_EQ(rec->header_size,
				  sizeof(struct eventline_record));
			EXPECT_EQ(rec->payload_len,
				  sizeof(struct eventline_demotion));
			EXPECT_EQ(rec->size,
				  TU_REC_SIZE(sizeof(struct eventline_demotion)));
			EXPECT_EQ(rec->seq, 0);
			memcpy(&d->dem, tu_payload(rec), sizeof(d->dem));
			d->dem_line = rec->line_id;
			d->demoted++;
		} else {
			tap_diag("unexpected record category %u type %u",
				 rec->category, rec->type);
			d->other++;
		}
	}
	EXPECT_EQ(ret, -EAGAIN);
	tu_reader_fini(&r);
}

/*
 * Drain @reg until a DEMOTED record has come, for DEMOTE_WAIT_MS at most
 * (demotion by overflow runs in a work item).
 */
static void drain_until_demoted(int reg, struct drained *d)
{
	uint64_t end = tu_now_ns() + DEMOTE_WAIT_MS * 1000000ULL;
	struct pollfd pfd = { .fd = reg, .events = POLLIN };

	for (;;) {
		drain(reg, d);
		if (d->demoted || tu_now_ns() >= end)
			break;
		poll(&pfd, 1, 50);
	}
}

/* A DEMOTED record with exactly this payload about @line_id came. */
static void expect_demotion(const struct drained *d, uint64_t line_id,
			    int32_t old, int32_t new, uint32_t reason)
{
	EXPECT_EQ(d->demoted, 1);
	EXPECT_EQ(d->dem_line, line_id);
	EXPECT_EQ(d->dem.old_priority, old);
	EXPECT_EQ(d->dem.new_priority, new);
	EXPECT_EQ(d->dem.reason, reason);
	EXPECT_EQ(d->dem.__reserved, 0);
}

/* After SETTLE_MS, @reg holds nothing at all: no DEMOTED record came. */
static void expect_nothing_queued(int reg)
{
	struct drained d = {};

	tu_msleep(SETTLE_MS);
	drain(reg, &d);
	EXPECT_EQ(d.demoted, 0);
	EXPECT_EQ(d.events + d.overflow_recs + d.other, 0);
}

/*
 * One overflow episode of a register with queue_len 1 and only this line:
 * three posts (one queued, two lost), then read until -EAGAIN, which
 * brings the OVERFLOW record.  What was read is added to @d.
 */
static void overflow_episode(int owner, int reg, struct drained *d)
{
	struct drained now = {};
	int i;

	for (i = 0; i < 3; i++)
		ASSERT_OK(tu_post(owner, 1, "episode", 7, NULL));
	drain(reg, &now);
	EXPECT_EQ(now.events, 1);
	EXPECT_EQ(now.overflow_recs, 1);
	EXPECT_EQ(now.lost, 2);
	d->events += now.events;
	d->overflow_recs += now.overflow_recs;
	d->lost += now.lost;
	d->other += now.other;
	if (now.demoted) {
		d->demoted += now.demoted;
		d->dem = now.dem;
		d->dem_line = now.dem_line;
	}
}

/* ---- 1. The default priority ----------------------------------------- */

/*
 * SUBSCRIBE asking for the default returns 0 and writes 0 back; a caller
 * compiled before the priority field existed (an 80-byte line_ref) gets
 * the default whatever follows its struct in memory, and nothing is
 * written past its 80 bytes.  LINE_OPEN and UNSUBSCRIBE take no priority.
 */
static void test_default_priority(void)
{
	struct eventline_sub_info e[MAX_SUBS], mine;
	struct eventline_line_ref *ref;
	unsigned char buf[sizeof(*ref) + 16] __attribute__((aligned(8)));
	unsigned char tail[sizeof(buf) - EVENTLINE_LINE_REF_SIZE_VER0];
	int ctl, owner, reg, reg2, reg3;
	uint64_t id, rev;
	int32_t prio;
	unsigned int i;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	reg2 = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	reg3 = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));

	/* Asking for the default: 0 returned (not CAPPED), 0 written back. */
	subscribe_expect(reg, id, EVENTLINE_PRIORITY_DEFAULT, 0, 0);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);
	EXPECT_EQ(mine.max_priority, EVENTLINE_PRIORITY_MIN);
	EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);

	/*
	 * A VER0 line_ref: 80 bytes, followed in memory by junk where
	 * owner_uid would be (EINVAL if it were read) and by the priority
	 * root would be granted (500, by CAP_SYS_NICE) if it were read.
	 * Neither is read, and nothing past the 80 bytes is written.
	 */
	memset(buf, 0xa5, sizeof(buf));
	ref = (struct eventline_line_ref *)buf;
	memset(ref, 0, EVENTLINE_LINE_REF_SIZE_VER0);
	ref->size = EVENTLINE_LINE_REF_SIZE_VER0;
	ref->id = id;
	ASSERT_EQ(offsetof(struct eventline_line_ref, priority),
		  EVENTLINE_LINE_REF_SIZE_VER0 + 4);
	prio = 500;
	memcpy(&ref->priority, &prio, sizeof(prio));
	memcpy(tail, buf + EVENTLINE_LINE_REF_SIZE_VER0, sizeof(tail));
	EXPECT_EQ(tu_ioctl(reg2, EVENTLINE_IOC_SUBSCRIBE, ref), 0);
	EXPECT_EQ(ref->id, id);
	EXPECT_TRUE(!memcmp(tail, buf + EVENTLINE_LINE_REF_SIZE_VER0,
			    sizeof(tail)));
	my_sub(reg2, id, &mine);
	EXPECT_EQ(mine.priority, EVENTLINE_PRIORITY_DEFAULT);
	EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);

	/* A VER0 struct ending where memory ends works: nothing past it is touched. */
	ref = tu_guarded(EVENTLINE_LINE_REF_SIZE_VER0);
	ref->size = EVENTLINE_LINE_REF_SIZE_VER0;
	ref->id = id;
	EXPECT_EQ(tu_ioctl(reg3, EVENTLINE_IOC_SUBSCRIBE, ref), 0);
	my_sub(reg3, id, &mine);
	EXPECT_EQ(mine.priority, EVENTLINE_PRIORITY_DEFAULT);

	list_all(owner, 0, e, 3, &rev);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(e[i].priority, 0);

	/* Only SUBSCRIBE takes a priority. */
	{
		struct eventline_line_ref r = {
			.size = sizeof(r), .id = id, .priority = 1,
		};

		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_LINE_OPEN, &r), EINVAL);
		EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &r), EINVAL);
		r.priority = -1;
		EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &r), EINVAL);
		/* Still subscribed, and the chain untouched. */
		EXPECT_EQ(chain_rev(owner), rev);
		r.priority = 0;
		EXPECT_OK(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &r));
	}
	close(reg);
	close(reg2);
	close(reg3);
	close(owner);
	close(ctl);
}

/* ---- 2. The line's ceiling ------------------------------------------- */

/*
 * Without a grant or CAP_SYS_NICE, a subscriber gets at most the line's
 * ceiling, and is told when it got less than it asked.  The owner sets
 * the ceiling, for requests from then on.
 */
static void test_ceiling(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	struct eventline_info info;
	int ctl, owner, poster, rreg;
	uint64_t id;
	struct peer p;

	need_root();
	need_default_ceiling();
	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	EXPECT_EQ(info_ceiling(owner, id), info.priority_ceiling);

	if (peer_fork(&p)) {
		struct eventline_sub_info mine;
		int reg, i;
		static const int32_t bad[] = {
			EVENTLINE_PRIORITY_MIN - 1, EVENTLINE_PRIORITY_MAX + 1,
			INT32_MIN, INT32_MAX,
		};
		int32_t granted = INT32_MIN;
		uint32_t result = UINT32_MAX;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		reg = ASSERT_OK(tu_register_create(ctl, 0,
						   EVENTLINE_FD_NONBLOCK));
		/* Out of range: EINVAL, and no subscription made. */
		for (i = 0; i < (int)TU_ARRAY_SIZE(bad); i++)
			EXPECT_RET(subscribe_prio(reg, id, bad[i], NULL),
				   EINVAL);
		EXPECT_RET(list_subs(reg, id, NULL, 0, NULL, NULL), ENOENT);
		/* Above the ceiling: capped to it, and said so. */
		subscribe_expect(reg, id, 500, 0, EVENTLINE_PRIORITY_CAPPED);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
		/* Just above: capped as well. */
		prio_expect(reg, id, 1, 0, EVENTLINE_PRIORITY_CAPPED);
		/* Below the ceiling: granted as asked. */
		ASSERT_OK(tu_unsubscribe(reg, id));
		subscribe_expect(reg, id, -5, -5, 0);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, -5);
		prio_expect(reg, id, EVENTLINE_PRIORITY_MIN,
			    EVENTLINE_PRIORITY_MIN, 0);
		prio_expect(reg, id, 0, 0, 0);
		for (i = 0; i < (int)TU_ARRAY_SIZE(bad); i++)
			EXPECT_RET(set_prio(reg, id, bad[i], 0, NULL, NULL),
				   EINVAL);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		/* Nobody cannot set the ceiling, whatever fd it uses. */
		EXPECT_RET(line_config(reg, 1000), ENOTTY);
		EXPECT_RET(line_config(ctl, 1000), ENOTTY);
		msg_send(p.s, 0, -1);

		/* The owner raised the ceiling to 100. */
		msg_recv(p.s, NULL);
		EXPECT_EQ(info_ceiling(reg, id), 100);
		ASSERT_EQ(set_prio(reg, id, 500, 0, &granted, &result), 0);
		EXPECT_EQ(granted, 100);
		EXPECT_EQ(result, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(reg, id, 100, 100, 0);
		prio_expect(reg, id, 80, 80, 0);
		msg_send(p.s, 0, -1);

		/* Lowered to 20: what was granted stands, new requests are capped. */
		msg_recv(p.s, NULL);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 80);
		prio_expect(reg, id, 50, 20, EVENTLINE_PRIORITY_CAPPED);
		msg_send(p.s, 0, -1);

		/* Below the default: even the default is capped. */
		msg_recv(p.s, NULL);
		prio_expect(reg, id, 0, -10, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(reg, id, -10, -10, 0);
		ASSERT_OK(tu_unsubscribe(reg, id));
		subscribe_expect(reg, id, 0, -10, EVENTLINE_PRIORITY_CAPPED);
		tap_child_exit();
	}
	peer_recv(&p, NULL);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].uid, TU_NOBODY);
	EXPECT_EQ(e[0].priority, 0);

	/* Only the owner fd sets the ceiling; in range only. */
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	rreg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(rreg, id, NULL));
	EXPECT_RET(line_config(poster, 100), ENOTTY);
	EXPECT_RET(line_config(rreg, 100), ENOTTY);
	EXPECT_RET(line_config(ctl, 100), ENOTTY);
	EXPECT_RET(line_config(owner, EVENTLINE_PRIORITY_MIN - 1), EINVAL);
	EXPECT_RET(line_config(owner, EVENTLINE_PRIORITY_MAX + 1), EINVAL);
	{
		struct eventline_line_config c = {
			.size = sizeof(c), .flags = 1, .priority_ceiling = 100,
		};

		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_LINE_CONFIG, &c),
			   EINVAL);
		c.flags = 0;
		c.stage_timeout_ms = 60001;	/* above the ceiling */
		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_LINE_CONFIG, &c),
			   EINVAL);
	}
	/* None of that changed the ceiling. */
	EXPECT_EQ(info_ceiling(owner, id), 0);
	EXPECT_EQ(info_ceiling(poster, id), 0);
	EXPECT_EQ(info_ceiling(rreg, id), 0);

	ASSERT_OK(line_config(owner, 100));
	EXPECT_EQ(info_ceiling(owner, id), 100);
	EXPECT_EQ(info_ceiling(poster, id), 100);
	EXPECT_EQ(info_ceiling(rreg, id), 100);
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);
	list_all(owner, 0, e, 2, NULL);
	EXPECT_EQ(e[0].uid, TU_NOBODY);
	EXPECT_EQ(e[0].priority, 80);
	EXPECT_EQ(e[0].sub_flags & EVENTLINE_SUB_NICE, 0);

	ASSERT_OK(line_config(owner, 20));
	EXPECT_EQ(info_ceiling(owner, id), 20);
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);

	ASSERT_OK(line_config(owner, -10));
	EXPECT_EQ(info_ceiling(owner, id), -10);
	msg_send(p.s, 0, -1);
	tu_wait_ok(p.pid);
	close(rreg);
	close(poster);
	close(owner);
	close(ctl);
}

/* ---- 3. The owner's grant -------------------------------------------- */

/*
 * The owner lists the chain and grants one subscription more than the
 * ceiling; the grant applies to its next request.  A subscriber cannot
 * grant itself anything.
 */
static void test_owner_grant(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	int ctl, owner, other;
	uint64_t id, id2, sub_id, new_id, rev;
	struct peer p;

	need_root();
	need_default_ceiling();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	other = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id2));

	if (peer_fork(&p)) {
		struct eventline_sub_info mine;
		int reg, poster;
		int32_t granted = INT32_MIN;
		uint32_t result = UINT32_MAX;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		reg = ASSERT_OK(tu_register_create(ctl, 0,
						   EVENTLINE_FD_NONBLOCK));
		poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
		subscribe_expect(reg, id, 0, 0, 0);
		my_sub(reg, id, &mine);
		/* Not even its own sub_id makes a register an owner. */
		EXPECT_RET(grant(reg, mine.sub_id, 1000, 0), ENOTTY);
		EXPECT_RET(grant(poster, mine.sub_id, 1000, 0), ENOTTY);
		EXPECT_RET(grant(ctl, mine.sub_id, 1000, 0), ENOTTY);
		EXPECT_RET(evict(reg, mine.sub_id, 0), ENOTTY);
		EXPECT_RET(evict(poster, mine.sub_id, 0), ENOTTY);
		EXPECT_RET(list_subs(poster, id, e, MAX_SUBS, NULL, NULL),
			   ENOTTY);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.max_priority, EVENTLINE_PRIORITY_MIN);
		prio_expect(reg, id, 900, 0, EVENTLINE_PRIORITY_CAPPED);
		msg_send(p.s, mine.sub_id, -1);

		/* Granted 700: from the next request on. */
		msg_recv(p.s, NULL);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		EXPECT_EQ(mine.max_priority, 700);
		ASSERT_EQ(set_prio(reg, id, 900, 0, &granted, &result), 0);
		EXPECT_EQ(granted, 700);
		EXPECT_EQ(result, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(reg, id, 650, 650, 0);
		prio_expect(reg, id, 700, 700, 0);
		prio_expect(reg, id, 701, 700, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(reg, id, 650, 650, 0);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 650);
		EXPECT_EQ(mine.max_priority, 700);
		EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
		/* A new subscription starts without a grant. */
		ASSERT_OK(tu_unsubscribe(reg, id));
		subscribe_expect(reg, id, 650, 0, EVENTLINE_PRIORITY_CAPPED);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.max_priority, EVENTLINE_PRIORITY_MIN);
		msg_send(p.s, mine.sub_id, -1);
		msg_recv(p.s, NULL);
		tap_child_exit();
	}
	sub_id = peer_recv(&p, NULL);
	list_all(owner, 0, e, 1, &rev);
	EXPECT_EQ(e[0].sub_id, sub_id);
	EXPECT_EQ(e[0].uid, TU_NOBODY);
	EXPECT_EQ(e[0].pid, p.pid);
	EXPECT_EQ(e[0].priority, 0);
	EXPECT_EQ(e[0].max_priority, EVENTLINE_PRIORITY_MIN);
	EXPECT_EQ(e[0].sub_flags, 0);

	/* Bad grants change nothing. */
	EXPECT_RET(grant(owner, sub_id, EVENTLINE_PRIORITY_MAX + 1, 0), EINVAL);
	EXPECT_RET(grant(owner, sub_id, EVENTLINE_PRIORITY_MIN - 1, 0), EINVAL);
	EXPECT_RET(grant(owner, sub_id + 1000000, 700, 0), ENOENT);
	EXPECT_RET(grant(other, sub_id, 700, 0), ENOENT);
	{
		struct eventline_grant g = {
			.size = sizeof(g), .flags = 1U << 31, .sub_id = sub_id,
			.max_priority = 700,
		};

		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_GRANT, &g), EINVAL);
		g.flags = 0;
		g.__reserved = 1;
		EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_GRANT, &g), EINVAL);
	}
	EXPECT_EQ(chain_rev(owner), rev);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].max_priority, EVENTLINE_PRIORITY_MIN);

	ASSERT_OK(grant(owner, sub_id, 700, rev));
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].max_priority, 700);
	EXPECT_EQ(e[0].priority, 0);
	msg_send(p.s, 0, -1);

	/* The new subscription: a new id, listed with no grant. */
	new_id = peer_recv(&p, NULL);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_TRUE(find_id(e, 1, sub_id) == NULL);
	EXPECT_EQ(e[0].sub_id, new_id);
	EXPECT_NE(new_id, sub_id);
	EXPECT_EQ(e[0].priority, 0);
	EXPECT_EQ(e[0].max_priority, EVENTLINE_PRIORITY_MIN);
	EXPECT_RET(grant(owner, sub_id, 700, 0), ENOENT);
	msg_send(p.s, 0, -1);
	tu_wait_ok(p.pid);
	close(other);
	close(owner);
	close(ctl);
}

/* ---- 4. CAP_SYS_NICE ------------------------------------------------- */

/*
 * CAP_SYS_NICE in the line's user namespace takes any priority, and the
 * listing says so; without it (root without the capability, nobody, or
 * nobody with every capability in a user namespace of its own, for a line
 * of the initial one) the ceiling applies.
 */
static void test_cap_sys_nice(void)
{
	struct eventline_sub_info e[MAX_SUBS], mine;
	int ctl, owner, rowner, reg;
	uint64_t id, rid;
	struct peer p;
	pid_t pid;

	need_root();
	need_open_create();
	need_default_ceiling();
	allow_userns();
	ctl = tu_open_ctl();

	/* A line owned by nobody. */
	if (peer_fork(&p)) {
		int fd;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		fd = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
		msg_send(p.s, id, fd);
		tap_child_exit();
	}
	id = peer_recv(&p, &owner);
	tu_wait_ok(p.pid);
	EXPECT_EQ(info_ceiling(owner, id), 0);

	/* Root, with CAP_SYS_NICE: whatever it asks. */
	reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, id, 999, 999, 0);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].priority, 999);
	EXPECT_EQ(e[0].uid, 0);
	EXPECT_EQ(e[0].max_priority, EVENTLINE_PRIORITY_MIN);
	EXPECT_EQ(e[0].sub_flags, EVENTLINE_SUB_NICE);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.sub_flags, EVENTLINE_SUB_MINE | EVENTLINE_SUB_NICE);
	/* Within the ceiling, the capability is not what grants it. */
	prio_expect(reg, id, 0, 0, 0);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].sub_flags, 0);
	prio_expect(reg, id, EVENTLINE_PRIORITY_MAX, EVENTLINE_PRIORITY_MAX, 0);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].sub_flags, EVENTLINE_SUB_NICE);
	EXPECT_EQ(e[0].priority, EVENTLINE_PRIORITY_MAX);

	/* Root without CAP_SYS_NICE is capped like anyone. */
	pid = tu_fork();
	if (!pid) {
		int r;

		drop_cap_sys_nice();
		r = ASSERT_OK(tu_register_create(ctl, 0,
						 EVENTLINE_FD_NONBLOCK));
		subscribe_expect(r, id, 999, 0, EVENTLINE_PRIORITY_CAPPED);
		my_sub(r, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
		/* And its PRIORITY requests too, on a register root made. */
		prio_expect(reg, id, 998, 0, EVENTLINE_PRIORITY_CAPPED);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);

	/*
	 * Nobody: capped on a line of the initial namespace, still capped
	 * with every capability of a user namespace of its own; a line of
	 * that namespace it may take any priority on.
	 */
	rowner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &rid));
	if (peer_fork(&p)) {
		uint64_t cid;
		int r, cctl, cown, creg;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		r = ASSERT_OK(tu_register_create(ctl, 0,
						 EVENTLINE_FD_NONBLOCK));
		subscribe_expect(r, rid, 999, 0, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(r, rid, 999, 0, EVENTLINE_PRIORITY_CAPPED);

		enter_userns();
		/* CAP_SYS_NICE here is not CAP_SYS_NICE in the line's namespace. */
		prio_expect(r, rid, 999, 0, EVENTLINE_PRIORITY_CAPPED);
		prio_expect(r, rid, 1, 0, EVENTLINE_PRIORITY_CAPPED);

		cctl = tu_open_ctl();
		cown = ASSERT_OK(tu_line_create(cctl, NULL, 0644, 0, &cid));
		creg = ASSERT_OK(tu_register_create(cctl, 0,
						    EVENTLINE_FD_NONBLOCK));
		subscribe_expect(creg, cid, 999, 999, 0);
		list_all(cown, 0, e, 1, NULL);
		EXPECT_EQ(e[0].priority, 999);
		EXPECT_EQ(e[0].uid, 0);
		EXPECT_TRUE(e[0].sub_flags & EVENTLINE_SUB_NICE);
		/* The register made before unshare gets the same there. */
		subscribe_expect(r, cid, 998, 998, 0);
		tap_child_exit();
	}
	tu_wait_ok(p.pid);
	close(rowner);
	close(reg);
	close(owner);
	close(ctl);
}

/* ---- 5. Chain order and revision ------------------------------------- */

/* The chain as the owner lists it must be exactly these subs, in order. */
static void expect_order(int owner, const uint64_t *sub_ids,
			 const int32_t *prios, unsigned int n)
{
	struct eventline_sub_info e[MAX_SUBS];
	unsigned int i, fails = tap_fail_count();

	list_all(owner, 0, e, n, NULL);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(e[i].sub_id, sub_ids[i]);
		EXPECT_EQ(e[i].priority, prios[i]);
	}
	if (tap_fail_count() != fails)
		for (i = 0; i < n; i++)
			tap_diag("    chain[%u]: sub %llu priority %d", i,
				 (unsigned long long)e[i].sub_id,
				 e[i].priority);
}

/* Raised by @what: the revision after must be above @before. */
static uint64_t expect_raised(int owner, uint64_t before, const char *what)
{
	uint64_t now = chain_rev(owner);

	if (now <= before) {
		tap_diag("%s did not raise the chain revision (%llu -> %llu)",
			 what, (unsigned long long)before,
			 (unsigned long long)now);
		tap_fail();
	}
	return now;
}

/*
 * Higher priorities first, equal ones in subscription order; every change
 * raises the revision, posts do not; acting on an old revision gives
 * -ESTALE and changes nothing.
 */
static void test_chain_order(void)
{
	static const int32_t asked[5] = { 10, -3, 10, 50, 0 };
	struct eventline_sub_info e[MAX_SUBS], mine;
	const struct eventline_record *rec;
	uint64_t buf[TU_REC_SIZE(0) / 8];
	int ctl, owner, poster, regs[5], i;
	uint64_t id, sub[5], rev, old, seq;
	struct tu_reader r;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	/* Granted by the ceiling, not by root's CAP_SYS_NICE. */
	ASSERT_OK(line_config(owner, 100));
	rev = chain_rev(owner);
	for (i = 0; i < 5; i++) {
		regs[i] = ASSERT_OK(tu_register_create(ctl, 0,
						       EVENTLINE_FD_NONBLOCK));
		subscribe_expect(regs[i], id, asked[i], asked[i], 0);
		rev = expect_raised(owner, rev, "SUBSCRIBE");
		my_sub(regs[i], id, &mine);
		sub[i] = mine.sub_id;
		EXPECT_EQ(mine.priority, asked[i]);
		EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
	}
	/* 50, 10 (first), 10 (second), 0, -3. */
	{
		uint64_t w[5] = { sub[3], sub[0], sub[2], sub[4], sub[1] };
		int32_t p[5] = { 50, 10, 10, 0, -3 };

		expect_order(owner, w, p, 5);
	}
	/* A subscriber lists the same chain, at the same revision. */
	{
		uint64_t srev = 0;

		list_all(regs[1], id, e, 5, &srev);
		EXPECT_EQ(srev, rev);
		EXPECT_EQ(e[0].sub_id, sub[3]);
		EXPECT_EQ(e[4].sub_id, sub[1]);
		EXPECT_EQ(e[4].sub_flags & EVENTLINE_SUB_MINE,
			  EVENTLINE_SUB_MINE);
		EXPECT_EQ(e[0].sub_flags & EVENTLINE_SUB_MINE, 0);
	}

	/* A post reaches every register, and changes no revision. */
	ASSERT_OK(tu_post(owner, 3, "chain", 5, &seq));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	ASSERT_OK(tu_post(poster, 4, "chain2", 6, NULL));
	EXPECT_EQ(chain_rev(owner), rev);
	for (i = 0; i < 5; i++) {
		tu_reader_init(&r, regs[i], 4096);
		ASSERT_EQ(tu_reader_next(&r, &rec), 1);
		tu_check_line_record(rec, id, 3, seq, "chain", 5);
		ASSERT_EQ(tu_reader_next(&r, &rec), 1);
		tu_check_line_record(rec, id, 4, seq + 1, "chain2", 6);
		EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
		tu_reader_fini(&r);
	}
	list_all(owner, 0, e, 5, NULL);
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(e[i].delivered, 2);
		EXPECT_EQ(e[i].lost, 0);
		EXPECT_EQ(e[i].queued, 0);
	}
	EXPECT_EQ(chain_rev(owner), rev);

	/* PRIORITY moves a subscription, and raises the revision. */
	prio_expect(regs[1], id, 100, 100, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	{
		uint64_t w[5] = { sub[1], sub[3], sub[0], sub[2], sub[4] };
		int32_t p[5] = { 100, 50, 10, 10, 0 };

		expect_order(owner, w, p, 5);
	}
	/*
	 * Equal priorities stay in subscription order, whoever asked last:
	 * the first 10 leaves and comes back, the second goes up and back.
	 */
	prio_expect(regs[0], id, 20, 20, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	prio_expect(regs[0], id, 10, 10, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	prio_expect(regs[2], id, 5, 5, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	prio_expect(regs[2], id, 10, 10, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	{
		uint64_t w[5] = { sub[1], sub[3], sub[0], sub[2], sub[4] };
		int32_t p[5] = { 100, 50, 10, 10, 0 };

		expect_order(owner, w, p, 5);
	}

	/* PRIORITY on an old revision: -ESTALE, nothing changes. */
	old = rev - 1;
	EXPECT_RET(set_prio(regs[4], id, 60, old, NULL, NULL), ESTALE);
	EXPECT_EQ(chain_rev(owner), rev);
	my_sub(regs[4], id, &mine);
	EXPECT_EQ(mine.priority, 0);
	{
		int32_t granted = 0;
		uint32_t result = 1;

		ASSERT_EQ(set_prio(regs[4], id, 60, rev, &granted, &result), 0);
		EXPECT_EQ(granted, 60);
		EXPECT_EQ(result, 0);
	}
	old = rev;
	rev = expect_raised(owner, rev, "PRIORITY");
	{
		uint64_t w[5] = { sub[1], sub[4], sub[3], sub[0], sub[2] };
		int32_t p[5] = { 100, 60, 50, 10, 10 };

		expect_order(owner, w, p, 5);
	}

	/* GRANT: likewise. */
	EXPECT_RET(grant(owner, sub[2], 300, old), ESTALE);
	EXPECT_EQ(chain_rev(owner), rev);
	list_all(owner, 0, e, 5, NULL);
	EXPECT_EQ(find_id(e, 5, sub[2])->max_priority, EVENTLINE_PRIORITY_MIN);
	ASSERT_OK(grant(owner, sub[2], 300, rev));
	old = rev;
	rev = expect_raised(owner, rev, "GRANT");
	list_all(owner, 0, e, 5, NULL);
	EXPECT_EQ(find_id(e, 5, sub[2])->max_priority, 300);
	/* Not applied until asked for. */
	EXPECT_EQ(find_id(e, 5, sub[2])->priority, 10);
	/* And again with no expected revision. */
	ASSERT_OK(grant(owner, sub[2], 200, 0));
	old = rev;
	rev = expect_raised(owner, rev, "GRANT");

	/* EVICT: likewise. */
	EXPECT_RET(evict(owner, sub[1], old), ESTALE);
	EXPECT_EQ(chain_rev(owner), rev);
	list_all(owner, 0, e, 5, NULL);
	ASSERT_OK(evict(owner, sub[1], rev));
	rev = expect_raised(owner, rev, "EVICT");
	{
		uint64_t w[4] = { sub[4], sub[3], sub[0], sub[2] };
		int32_t p[4] = { 60, 50, 10, 10 };

		expect_order(owner, w, p, 4);
	}
	tu_reader_init(&r, regs[1], 4096);
	ASSERT_EQ(tu_reader_next(&r, &rec), 1);
	tu_check_meta_record(rec, EVENTLINE_META_EVICTED, id);
	tu_reader_fini(&r);
	/* Acting on a subscription that is gone changes nothing either. */
	EXPECT_RET(grant(owner, sub[1], 10, rev), ENOENT);
	EXPECT_RET(evict(owner, sub[1], rev), ENOENT);
	EXPECT_RET(set_prio(regs[1], id, 10, rev, NULL, NULL), ENOENT);
	EXPECT_EQ(chain_rev(owner), rev);

	/* UNSUBSCRIBE and a register's close. */
	ASSERT_OK(tu_unsubscribe(regs[2], id));
	rev = expect_raised(owner, rev, "UNSUBSCRIBE");
	close(regs[0]);
	rev = expect_raised(owner, rev, "closing a register");
	{
		uint64_t w[2] = { sub[4], sub[3] };
		int32_t p[2] = { 60, 50 };

		expect_order(owner, w, p, 2);
	}
	/* The survivors still receive, and posts leave the revision be. */
	ASSERT_OK(tu_post(owner, 5, NULL, 0, &seq));
	EXPECT_EQ(chain_rev(owner), rev);
	for (i = 3; i < 5; i++) {
		ASSERT_EQ(tu_read_exact(regs[i], buf, 0), TU_REC_SIZE(0));
		tu_check_line_record((void *)buf, id, 5, seq, NULL, 0);
	}
	/* Those that left do not: the evicted one is at end of stream. */
	EXPECT_EQ(tu_read_exact(regs[1], buf, 0), 0);
	EXPECT_RET(tu_read_exact(regs[2], buf, 0), EAGAIN);
	close(poster);
	for (i = 1; i < 5; i++)
		close(regs[i]);
	close(owner);
	close(ctl);
}

/* ---- 6. Delivery and wake order -------------------------------------- */

struct blocked_reader {
	int fd;
	pid_t tid;
	uint64_t line_id;
	int rounds;		/* events to read, one per round */
	ssize_t ret;
	unsigned char buf[256];
	int checks;		/* comparisons made with entries above */
	int behind;		/* of which an entry above had received less */
	int errors;		/* listings that failed or lacked our entry */
};

/*
 * Block in read() @rounds times; each time, first thing after waking,
 * list the chain and check that every subscription above this one had
 * already received at least as many events as this one.
 */
static void *blocked_read(void *arg)
{
	struct blocked_reader *b = arg;
	struct eventline_sub_info e[MAX_SUBS];
	uint32_t count, j, mine;
	int i;

	__atomic_store_n(&b->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	for (i = 0; i < b->rounds; i++) {
		b->ret = read(b->fd, b->buf, sizeof(b->buf));
		if (b->ret <= 0)
			break;
		if (list_subs(b->fd, b->line_id, e, MAX_SUBS, &count, NULL) < 0 ||
		    count > MAX_SUBS) {
			b->errors++;
			continue;
		}
		for (mine = 0; mine < count; mine++)
			if (e[mine].sub_flags & EVENTLINE_SUB_MINE)
				break;
		if (mine == count) {
			b->errors++;
			continue;
		}
		for (j = 0; j < mine; j++) {
			b->checks++;
			if (e[j].delivered < e[mine].delivered)
				b->behind++;
		}
	}
	return NULL;
}

static void start_reader(struct blocked_reader *b, pthread_t *th)
{
	ASSERT_EQ(pthread_create(th, NULL, blocked_read, b), 0);
	while (!__atomic_load_n(&b->tid, __ATOMIC_ACQUIRE))
		tu_msleep(1);
	ASSERT_TRUE(tu_wait_sleeping(b->tid));
}

/*
 * Both registers of a post wake; a register lower on the chain is woken
 * only after those above it received the event.  Wake-up timing across
 * CPUs is not asserted (it is not deterministic); the counters are.
 */
static void test_delivery_order(void)
{
	struct eventline_sub_info e[MAX_SUBS], ma, mb, mc;
	struct blocked_reader ra = {}, rb = {};
	int ctl, owner, a, b, c, i, up[6];
	pthread_t ta, tb;
	uint64_t id, seq;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	ASSERT_OK(line_config(owner, 100));

	/* A (100) and B (0), each with a reader blocked in read(). */
	a = ASSERT_OK(tu_register_create(ctl, 0, 0));
	b = ASSERT_OK(tu_register_create(ctl, 0, 0));
	subscribe_expect(b, id, 0, 0, 0);
	subscribe_expect(a, id, 100, 100, 0);
	my_sub(a, id, &ma);
	my_sub(b, id, &mb);
	ra = (struct blocked_reader){ .fd = a, .line_id = id, .rounds = 1 };
	rb = (struct blocked_reader){ .fd = b, .line_id = id, .rounds = 1 };
	start_reader(&ra, &ta);
	start_reader(&rb, &tb);
	ASSERT_OK(tu_post(owner, 7, "wake", 4, &seq));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(ra.ret, TU_REC_SIZE(4));
	EXPECT_EQ(rb.ret, TU_REC_SIZE(4));
	tu_check_line_record((void *)ra.buf, id, 7, seq, "wake", 4);
	tu_check_line_record((void *)rb.buf, id, 7, seq, "wake", 4);
	EXPECT_EQ(ra.checks, 0);
	EXPECT_EQ(rb.checks, 1);
	EXPECT_EQ(rb.behind, 0);
	EXPECT_EQ(ra.errors + rb.errors, 0);
	list_all(owner, 0, e, 2, NULL);
	EXPECT_EQ(e[0].sub_id, ma.sub_id);
	EXPECT_EQ(e[1].sub_id, mb.sub_id);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(e[i].delivered, 1);
		EXPECT_EQ(e[i].lost, 0);
		EXPECT_EQ(e[i].queued, 0);
	}
	close(a);
	close(b);

	/*
	 * A (100) and five more above B (90..50), never read; B (0), a
	 * reader blocked in read(); C (-100), never read.  Each time B's
	 * reader wakes with its k-th event, every register above it has
	 * received k events already (they hold all 20; none is lost).
	 */
	c = ASSERT_OK(tu_register_create(ctl, 64, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(c, id, -100, -100, 0);
	b = ASSERT_OK(tu_register_create(ctl, 64, 0));
	subscribe_expect(b, id, 0, 0, 0);
	for (i = 0; i < 6; i++) {
		up[i] = ASSERT_OK(tu_register_create(ctl, 64,
						     EVENTLINE_FD_NONBLOCK));
		subscribe_expect(up[i], id, 100 - 10 * i, 100 - 10 * i, 0);
	}
	a = up[0];
	my_sub(a, id, &ma);
	my_sub(b, id, &mb);
	my_sub(c, id, &mc);
	memset(&rb, 0, sizeof(rb));
	rb = (struct blocked_reader){ .fd = b, .line_id = id, .rounds = 20 };
	start_reader(&rb, &tb);
	for (i = 0; i < 20; i++) {
		ASSERT_TRUE(tu_wait_sleeping(rb.tid));
		ASSERT_OK(tu_post(owner, 8, &i, sizeof(i), NULL));
		/* Let the reader take it before the next one. */
		while (1) {
			uint32_t count;

			ASSERT_EQ(list_subs(owner, 0, e, MAX_SUBS, &count,
					    NULL), 8);
			if (!find_id(e, 8, mb.sub_id)->queued)
				break;
			tu_msleep(1);
		}
	}
	pthread_join(tb, NULL);
	EXPECT_EQ(rb.ret, TU_REC_SIZE(sizeof(i)));
	EXPECT_EQ(rb.checks, 20 * 6);
	EXPECT_EQ(rb.behind, 0);
	EXPECT_EQ(rb.errors, 0);
	list_all(owner, 0, e, 8, NULL);
	EXPECT_EQ(e[0].sub_id, ma.sub_id);
	EXPECT_EQ(e[6].sub_id, mb.sub_id);
	EXPECT_EQ(e[7].sub_id, mc.sub_id);
	for (i = 0; i < 8; i++) {
		EXPECT_EQ(e[i].priority, i < 6 ? 100 - 10 * i : i == 6 ? 0 : -100);
		EXPECT_EQ(e[i].delivered, 20);
		EXPECT_EQ(e[i].lost, 0);
		EXPECT_EQ(e[i].queued, i == 6 ? 0 : 20);
	}
	for (i = 0; i < 6; i++)
		close(up[i]);
	close(b);
	close(c);
	close(owner);
	close(ctl);
}

/* ---- 7. Listing as a subscriber -------------------------------------- */

/*
 * A subscriber lists the whole chain, in order, with the counters of each
 * entry; it sees uid and pid of its own uid's subscriptions only, and its
 * own register's is marked.
 */
static void test_subscriber_listing(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	int ctl, owner, hi, lo, other, i;
	uint64_t id, id2, rev;
	struct peer p;
	pid_t nb;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	other = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id2));
	/* Root's 10 by the ceiling, not by CAP_SYS_NICE. */
	ASSERT_OK(line_config(owner, 100));
	hi = ASSERT_OK(tu_register_create(ctl, 64, EVENTLINE_FD_NONBLOCK));
	lo = ASSERT_OK(tu_register_create(ctl, 64, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(hi, id, 10, 10, 0);

	if (peer_fork(&p)) {
		const struct eventline_sub_info *s;
		struct drained d = {};
		int n, n2, n3;
		uint32_t count;
		uint64_t srev;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		n = ASSERT_OK(tu_register_create(ctl, 4,
						 EVENTLINE_FD_NONBLOCK));
		n2 = ASSERT_OK(tu_register_create(ctl, 64,
						  EVENTLINE_FD_NONBLOCK));
		n3 = ASSERT_OK(tu_register_create(ctl, 64,
						  EVENTLINE_FD_NONBLOCK));
		subscribe_expect(n, id, 0, 0, 0);
		subscribe_expect(n2, id, 0, 0, 0);
		/* Not subscribed: -ENOENT, for an existing line or not. */
		EXPECT_RET(list_subs(n3, id, e, MAX_SUBS, NULL, NULL), ENOENT);
		EXPECT_RET(list_subs(n3, 0, e, MAX_SUBS, NULL, NULL), ENOENT);
		EXPECT_RET(list_subs(n, id2, e, MAX_SUBS, NULL, NULL), ENOENT);
		EXPECT_RET(list_subs(n, id + 1000000, e, MAX_SUBS, NULL, NULL),
			   ENOENT);
		msg_send(p.s, 0, -1);

		/* Root subscribed lo at -10 and posted 10 events. */
		rev = msg_recv(p.s, NULL);
		ASSERT_EQ(list_subs(n, id, e, MAX_SUBS, &count, &srev), 4);
		EXPECT_EQ(count, 4);
		EXPECT_EQ(srev, rev);
		/* hi (root, 10), n (0), n2 (0), lo (root, -10). */
		EXPECT_EQ(e[0].priority, 10);
		EXPECT_EQ(e[1].priority, 0);
		EXPECT_EQ(e[2].priority, 0);
		EXPECT_EQ(e[3].priority, -10);
		for (i = 0; i < 4; i += 3) {
			s = &e[i];
			EXPECT_TRUE(s->sub_flags & EVENTLINE_SUB_HIDDEN);
			EXPECT_FALSE(s->sub_flags & EVENTLINE_SUB_MINE);
			EXPECT_EQ(s->uid, 0);
			EXPECT_EQ(s->pid, 0);
			EXPECT_EQ(s->delivered, 10);
			EXPECT_EQ(s->lost, 0);
			EXPECT_EQ(s->queued, 10);
			EXPECT_EQ(s->overflows, 0);
			EXPECT_EQ(s->demotions, 0);
			EXPECT_EQ(s->max_priority, EVENTLINE_PRIORITY_MIN);
		}
		/* Its own register's: uid and pid, marked. */
		s = &e[1];
		EXPECT_EQ(s->sub_flags, EVENTLINE_SUB_MINE);
		EXPECT_EQ(s->uid, TU_NOBODY);
		EXPECT_EQ(s->pid, getpid());
		EXPECT_EQ(s->delivered, 4);
		EXPECT_EQ(s->lost, 6);
		EXPECT_EQ(s->queued, 4);
		EXPECT_EQ(s->overflows, 1);
		EXPECT_EQ(s->demotions, 0);
		EXPECT_EQ(s->max_priority, EVENTLINE_PRIORITY_MIN);
		/* Another register of its uid: shown, not marked. */
		s = &e[2];
		EXPECT_EQ(s->sub_flags, 0);
		EXPECT_EQ(s->uid, TU_NOBODY);
		EXPECT_EQ(s->pid, getpid());
		EXPECT_EQ(s->delivered, 10);
		EXPECT_EQ(s->lost, 0);
		EXPECT_EQ(s->queued, 10);
		EXPECT_EQ(s->overflows, 0);
		/* Through the other register, the other one is marked. */
		ASSERT_EQ(list_subs(n2, id, e, MAX_SUBS, &count, NULL), 4);
		EXPECT_EQ(e[1].sub_flags, 0);
		EXPECT_EQ(e[2].sub_flags, EVENTLINE_SUB_MINE);
		EXPECT_TRUE(e[0].sub_flags & EVENTLINE_SUB_HIDDEN);
		EXPECT_TRUE(e[3].sub_flags & EVENTLINE_SUB_HIDDEN);
		/* Less room: the first entries, and the count of all. */
		memset(e, 0x5a, sizeof(e));
		ASSERT_EQ(list_subs(n, id, e, 2, &count, NULL), 2);
		EXPECT_EQ(count, 4);
		EXPECT_EQ(e[1].sub_flags, EVENTLINE_SUB_MINE);
		EXPECT_EQ(e[2].sub_id, 0x5a5a5a5a5a5a5a5aULL);

		/* Read: 4 events and an OVERFLOW record for the 6 lost. */
		drain(n, &d);
		EXPECT_EQ(d.events, 4);
		EXPECT_EQ(d.overflow_recs, 1);
		EXPECT_EQ(d.lost, 6);
		my_sub(n, id, e);
		EXPECT_EQ(e[0].queued, 0);
		EXPECT_EQ(e[0].delivered, 4);
		EXPECT_EQ(e[0].lost, 6);
		EXPECT_EQ(e[0].overflows, 1);
		memset(&d, 0, sizeof(d));
		drain(n2, &d);
		EXPECT_EQ(d.events, 10);
		EXPECT_EQ(d.overflow_recs, 0);

		/* Once unsubscribed, the register may not list it. */
		ASSERT_OK(tu_unsubscribe(n2, id));
		EXPECT_RET(list_subs(n2, id, e, MAX_SUBS, NULL, NULL), ENOENT);
		ASSERT_EQ(list_subs(n, id, e, MAX_SUBS, &count, NULL), 3);
		msg_send(p.s, 0, -1);
		tap_child_exit();
	}
	peer_recv(&p, NULL);
	nb = p.pid;
	subscribe_expect(lo, id, -10, -10, 0);
	for (i = 0; i < 10; i++)
		ASSERT_OK(tu_post(owner, 1, &i, sizeof(i), NULL));
	rev = chain_rev(owner);
	/* The owner sees everything. */
	list_all(owner, 0, e, 4, NULL);
	EXPECT_EQ(e[0].uid, 0);
	EXPECT_EQ(e[0].pid, getpid());
	EXPECT_EQ(e[0].sub_flags, EVENTLINE_SUB_OWNER);
	EXPECT_EQ(e[1].uid, TU_NOBODY);
	EXPECT_EQ(e[1].pid, nb);
	EXPECT_EQ(e[1].sub_flags, 0);
	EXPECT_EQ(e[1].delivered, 4);
	EXPECT_EQ(e[1].lost, 6);
	EXPECT_EQ(e[2].uid, TU_NOBODY);
	EXPECT_EQ(e[3].sub_flags, EVENTLINE_SUB_OWNER);
	msg_send(p.s, rev, -1);
	peer_recv(&p, NULL);
	tu_wait_ok(p.pid);
	/* Root's registers list as subscribers too. */
	list_all(hi, id, e, 2, NULL);
	EXPECT_EQ(e[0].sub_flags, EVENTLINE_SUB_OWNER | EVENTLINE_SUB_MINE);
	close(hi);
	close(lo);
	close(other);
	close(owner);
	close(ctl);
}

/* ---- 8. Demotion by overflow ----------------------------------------- */

static unsigned int demote_overflows(void)
{
	struct eventline_info info;

	tu_info(&info);
	if (info.demote_overflows > 20)
		tap_skip("module loaded with demote_overflows=%u",
			 info.demote_overflows);
	ASSERT_GE(info.demote_overflows, 1);
	return info.demote_overflows;
}

/*
 * A subscription above the default that overflows demote_overflows times
 * since its priority was set goes back to the default and is told; fewer
 * times, or at or below the default, nothing happens.
 */
static void test_demote_overflow(void)
{
	struct eventline_sub_info mine;
	unsigned int dn, k;
	int ctl, owner, reg;
	uint64_t id, rev;
	struct drained d = {};

	need_root();
	dn = demote_overflows();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	/* 50 by the ceiling, not by root's CAP_SYS_NICE. */
	ASSERT_OK(line_config(owner, 100));
	reg = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, id, 50, 50, 0);

	/* One episode short: nothing. */
	for (k = 1; k < dn; k++) {
		overflow_episode(owner, reg, &d);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.overflows, k);
		EXPECT_EQ(mine.priority, 50);
	}
	EXPECT_EQ(d.demoted, 0);
	rev = chain_rev(owner);
	expect_nothing_queued(reg);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 50);
	EXPECT_EQ(mine.demotions, 0);
	EXPECT_EQ(mine.lost, 2 * (dn - 1));
	EXPECT_EQ(chain_rev(owner), rev);

	/* The last one: demoted to the default, and told. */
	memset(&d, 0, sizeof(d));
	for (k = 0; k < 3; k++)
		ASSERT_OK(tu_post(owner, 1, "last", 4, NULL));
	drain_until_demoted(reg, &d);
	EXPECT_EQ(d.events, 1);
	EXPECT_EQ(d.overflow_recs, 1);
	EXPECT_EQ(d.lost, 2);
	expect_demotion(&d, id, 50, 0, EVENTLINE_DEMOTE_OVERFLOW);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);
	EXPECT_EQ(mine.demotions, 1);
	EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
	expect_raised(owner, rev, "a demotion");

	/* It may ask again; that starts the count afresh. */
	prio_expect(reg, id, 50, 50, 0);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.overflows, 0);
	if (dn >= 2) {
		memset(&d, 0, sizeof(d));
		for (k = 1; k < dn; k++)
			overflow_episode(owner, reg, &d);
		prio_expect(reg, id, 50, 50, 0);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.overflows, 0);
		/* dn - 1 more: 2 * dn - 2 >= dn in all, but since the reset, one short. */
		for (k = 1; k < dn; k++)
			overflow_episode(owner, reg, &d);
		EXPECT_EQ(d.demoted, 0);
		expect_nothing_queued(reg);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 50);
		EXPECT_EQ(mine.demotions, 1);
		EXPECT_EQ(mine.overflows, dn - 1);
	}
	memset(&d, 0, sizeof(d));
	for (k = 0; k < 3; k++)
		ASSERT_OK(tu_post(owner, 1, "last", 4, NULL));
	drain_until_demoted(reg, &d);
	expect_demotion(&d, id, 50, 0, EVENTLINE_DEMOTE_OVERFLOW);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);
	EXPECT_EQ(mine.demotions, 2);
	close(reg);
	close(owner);
	close(ctl);
}

/* At or below the default, overflowing never demotes. */
static void test_no_demotion_at_default(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	unsigned int dn, k;
	int ctl, owner, z, w;
	uint64_t id, rev;
	struct drained dz = {}, dw = {};

	need_root();
	dn = demote_overflows();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	ASSERT_OK(line_config(owner, 100));
	z = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_NONBLOCK));
	w = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(z, id, 0, 0, 0);
	subscribe_expect(w, id, -5, -5, 0);
	rev = chain_rev(owner);
	for (k = 0; k < 2 * dn + 1; k++) {
		int i;

		for (i = 0; i < 3; i++)
			ASSERT_OK(tu_post(owner, 1, "x", 1, NULL));
		drain(z, &dz);
		drain(w, &dw);
	}
	EXPECT_EQ(dz.events, 2 * dn + 1);
	EXPECT_EQ(dz.lost, 2 * (2 * dn + 1));
	EXPECT_EQ(dw.events, 2 * dn + 1);
	EXPECT_EQ(dw.lost, 2 * (2 * dn + 1));
	expect_nothing_queued(z);
	expect_nothing_queued(w);
	EXPECT_EQ(dz.demoted + dw.demoted, 0);
	list_all(owner, 0, e, 2, NULL);
	EXPECT_EQ(e[0].priority, 0);
	EXPECT_EQ(e[1].priority, -5);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(e[k].demotions, 0);
		EXPECT_EQ(e[k].overflows, 2 * dn + 1);
	}
	EXPECT_EQ(chain_rev(owner), rev);
	close(z);
	close(w);
	close(owner);
	close(ctl);
}

/*
 * An episode is charged to the subscription whose event was dropped
 * first: a register on two lines, the full queue taken by one line's
 * event and the other's dropped.
 */
static void test_demote_charge(void)
{
	struct eventline_sub_info mh, ml;
	int ctl, oh, ol, reg;
	uint64_t hid, lid;
	unsigned int dn, k;
	struct drained d = {};

	need_root();
	dn = demote_overflows();
	ctl = tu_open_ctl();
	oh = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &hid));
	ol = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &lid));
	ASSERT_OK(line_config(oh, 100));
	reg = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, hid, 50, 50, 0);
	subscribe_expect(reg, lid, 0, 0, 0);

	/* The high line's event queued, the low line's dropped. */
	for (k = 0; k < dn; k++) {
		ASSERT_OK(tu_post(oh, 1, "h", 1, NULL));
		ASSERT_OK(tu_post(ol, 2, "l", 1, NULL));
		drain(reg, &d);
	}
	EXPECT_EQ(d.events, dn);
	EXPECT_EQ(d.lost, dn);
	expect_nothing_queued(reg);
	my_sub(reg, hid, &mh);
	my_sub(reg, lid, &ml);
	EXPECT_EQ(mh.priority, 50);
	EXPECT_EQ(mh.overflows, 0);
	EXPECT_EQ(mh.lost, 0);
	EXPECT_EQ(mh.delivered, dn);
	EXPECT_EQ(ml.overflows, dn);
	EXPECT_EQ(ml.lost, dn);
	EXPECT_EQ(ml.delivered, 0);

	/* The other way round: the high line's dropped. */
	memset(&d, 0, sizeof(d));
	for (k = 0; k + 1 < dn; k++) {
		ASSERT_OK(tu_post(ol, 2, "l", 1, NULL));
		ASSERT_OK(tu_post(oh, 1, "h", 1, NULL));
		drain(reg, &d);
	}
	EXPECT_EQ(d.demoted, 0);
	expect_nothing_queued(reg);
	my_sub(reg, hid, &mh);
	EXPECT_EQ(mh.overflows, dn - 1);
	EXPECT_EQ(mh.priority, 50);
	EXPECT_EQ(mh.demotions, 0);
	ASSERT_OK(tu_post(ol, 2, "l", 1, NULL));
	ASSERT_OK(tu_post(oh, 1, "h", 1, NULL));
	drain_until_demoted(reg, &d);
	expect_demotion(&d, hid, 50, 0, EVENTLINE_DEMOTE_OVERFLOW);
	my_sub(reg, hid, &mh);
	EXPECT_EQ(mh.priority, 0);
	EXPECT_EQ(mh.demotions, 1);
	my_sub(reg, lid, &ml);
	EXPECT_EQ(ml.demotions, 0);
	close(reg);
	close(oh);
	close(ol);
	close(ctl);
}

/* A priority taken by CAP_SYS_NICE is demoted by overflows all the same. */
static void test_demote_nice(void)
{
	struct eventline_sub_info mine;
	unsigned int dn, k;
	int ctl, owner, reg;
	uint64_t id;
	struct drained d = {};

	need_root();
	need_default_ceiling();
	dn = demote_overflows();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	reg = ASSERT_OK(tu_register_create(ctl, 1, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, id, 60, 60, 0);
	my_sub(reg, id, &mine);
	EXPECT_TRUE(mine.sub_flags & EVENTLINE_SUB_NICE);
	for (k = 1; k < dn; k++)
		overflow_episode(owner, reg, &d);
	EXPECT_EQ(d.demoted, 0);
	expect_nothing_queued(reg);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 60);
	EXPECT_EQ(mine.overflows, dn - 1);
	for (k = 0; k < 3; k++)
		ASSERT_OK(tu_post(owner, 1, "last", 4, NULL));
	drain_until_demoted(reg, &d);
	expect_demotion(&d, id, 60, 0, EVENTLINE_DEMOTE_OVERFLOW);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);
	EXPECT_EQ(mine.demotions, 1);
	EXPECT_FALSE(mine.sub_flags & EVENTLINE_SUB_NICE);
	close(reg);
	close(owner);
	close(ctl);
}

/* ---- 9. Demotion by a lowered grant ---------------------------------- */

/*
 * Lowering a grant a priority depends on demotes it; lowering one it does
 * not depend on, or one CAP_SYS_NICE stands in for, does not.
 */
static void test_demote_revoked(void)
{
	struct eventline_sub_info e[MAX_SUBS];
	const struct eventline_sub_info *s;
	int ctl, owner, rreg;
	uint64_t id, sub_id, rev;
	struct drained d = {};
	struct peer p;

	need_root();
	need_default_ceiling();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));

	if (peer_fork(&p)) {
		struct eventline_sub_info mine;
		int reg;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		reg = ASSERT_OK(tu_register_create(ctl, 0,
						   EVENTLINE_FD_NONBLOCK));
		subscribe_expect(reg, id, 0, 0, 0);
		my_sub(reg, id, &mine);
		msg_send(p.s, mine.sub_id, -1);

		/* Granted 700: takes 600. */
		msg_recv(p.s, NULL);
		prio_expect(reg, id, 600, 600, 0);
		msg_send(p.s, 0, -1);

		/* Grant lowered to 0: demoted, and told. */
		msg_recv(p.s, NULL);
		drain_until_demoted(reg, &d);
		expect_demotion(&d, id, 600, 0, EVENTLINE_DEMOTE_REVOKED);
		EXPECT_EQ(d.events + d.overflow_recs + d.other, 0);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		EXPECT_EQ(mine.max_priority, 0);
		EXPECT_EQ(mine.demotions, 1);
		/* Asking again gets what the grant now allows. */
		prio_expect(reg, id, 600, 0, EVENTLINE_PRIORITY_CAPPED);
		msg_send(p.s, 0, -1);

		/* Granted 700, then lowered to 100, at priority 0: nothing. */
		msg_recv(p.s, NULL);
		expect_nothing_queued(reg);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 0);
		EXPECT_EQ(mine.max_priority, 100);
		EXPECT_EQ(mine.demotions, 1);
		prio_expect(reg, id, 600, 100, EVENTLINE_PRIORITY_CAPPED);
		msg_send(p.s, 0, -1);

		/* 600 under 700, lowered to 650: still within it, nothing. */
		msg_recv(p.s, NULL);
		prio_expect(reg, id, 600, 600, 0);
		msg_send(p.s, 0, -1);
		msg_recv(p.s, NULL);
		expect_nothing_queued(reg);
		my_sub(reg, id, &mine);
		EXPECT_EQ(mine.priority, 600);
		EXPECT_EQ(mine.max_priority, 650);
		EXPECT_EQ(mine.demotions, 1);
		msg_send(p.s, 0, -1);
		tap_child_exit();
	}
	sub_id = peer_recv(&p, NULL);
	ASSERT_OK(grant(owner, sub_id, 700, 0));
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);
	rev = chain_rev(owner);
	ASSERT_OK(grant(owner, sub_id, 0, rev));
	rev = expect_raised(owner, rev, "GRANT");
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].priority, 0);
	EXPECT_EQ(e[0].max_priority, 0);
	EXPECT_EQ(e[0].demotions, 1);
	msg_send(p.s, 0, -1);

	peer_recv(&p, NULL);
	ASSERT_OK(grant(owner, sub_id, 700, 0));
	ASSERT_OK(grant(owner, sub_id, 100, 0));
	msg_send(p.s, 0, -1);

	peer_recv(&p, NULL);
	ASSERT_OK(grant(owner, sub_id, 700, 0));
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);
	ASSERT_OK(grant(owner, sub_id, 650, 0));
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);
	tu_wait_ok(p.pid);

	/* Root above its grant by CAP_SYS_NICE: a lowered grant leaves it. */
	rreg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(rreg, id, 900, 900, 0);
	list_all(owner, 0, e, 1, NULL);
	s = &e[0];
	EXPECT_TRUE(s->sub_flags & EVENTLINE_SUB_NICE);
	sub_id = s->sub_id;
	ASSERT_OK(grant(owner, sub_id, 500, 0));
	ASSERT_OK(grant(owner, sub_id, 0, 0));
	expect_nothing_queued(rreg);
	list_all(owner, 0, e, 1, NULL);
	EXPECT_EQ(e[0].priority, 900);
	EXPECT_EQ(e[0].max_priority, 0);
	EXPECT_EQ(e[0].demotions, 0);
	EXPECT_TRUE(e[0].sub_flags & EVENTLINE_SUB_NICE);
	close(rreg);
	close(owner);
	close(ctl);
}

/*
 * A priority granted under the ceiling stands when the ceiling is lowered
 * ("priorities granted before stand"), and a grant that is raised, or set
 * to what it was, lowers nothing: no demotion either way.
 */
static void test_grant_keeps_ceiling_priority(void)
{
	struct eventline_sub_info mine;
	int ctl, owner, reg;
	uint64_t id;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	ASSERT_OK(line_config(owner, 100));
	reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, id, 50, 50, 0);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
	ASSERT_OK(line_config(owner, 0));
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 50);

	/* The grant stays what it was (nothing beyond the ceiling). */
	ASSERT_OK(grant(owner, mine.sub_id, EVENTLINE_PRIORITY_MIN, 0));
	expect_nothing_queued(reg);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 50);
	EXPECT_EQ(mine.demotions, 0);

	/* The grant is raised, to less than the priority. */
	ASSERT_OK(grant(owner, mine.sub_id, 10, 0));
	expect_nothing_queued(reg);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 50);
	EXPECT_EQ(mine.max_priority, 10);
	EXPECT_EQ(mine.demotions, 0);
	close(reg);
	close(owner);
	close(ctl);
}

/* ---- 10. No room for a DEMOTED record -------------------------------- */

/*
 * A register keeps 72 bytes of its ring for the DEMOTED record of each
 * priority a subscription takes.  Once that record was written, taking a
 * new priority needs 72 free bytes again: a full ring gives -ENOBUFS
 * until it is read.  A 4096-byte ring, one subscription: 216 bytes kept
 * (OVERFLOW spare, LINE_CLOSED, DEMOTED); after the DEMOTED record (72
 * bytes written, 144 still kept) exactly 60 64-byte events fit:
 * 72 + 60 * 64 + 144 = 4056, and one more would need 4120.
 */
static void test_enobufs(void)
{
	struct eventline_sub_info e[MAX_SUBS], mine;
	unsigned char rec[TU_REC_SIZE(sizeof(struct eventline_demotion))];
	const struct eventline_record *h = (const void *)rec;
	struct eventline_demotion dem;
	int ctl, owner, owner2, reg, i;
	uint64_t id, id2, rev, seq0 = 0, seq;
	struct drained d = {};

	need_root();
	need_default_ceiling();
	ASSERT_EQ(TU_REC_SIZE(sizeof(dem)), 72);
	ASSERT_EQ(TU_REC_SIZE(8), 64);
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	owner2 = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id2));
	reg = ASSERT_OK(tu_register_create_ring(ctl, 128, 4096,
						EVENTLINE_FD_NONBLOCK));
	subscribe_expect(reg, id, 0, 0, 0);
	my_sub(reg, id, &mine);
	/* 600 by a grant of 700 (so not by root's CAP_SYS_NICE)... */
	ASSERT_OK(grant(owner, mine.sub_id, 700, 0));
	prio_expect(reg, id, 600, 600, 0);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.sub_flags & EVENTLINE_SUB_NICE, 0);
	/* ...revoked: the DEMOTED record takes the room kept for it. */
	ASSERT_OK(grant(owner, mine.sub_id, 0, 0));
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);

	/* Fill the ring: 60 events fit, the 61st is lost. */
	for (i = 0; i < 61; i++) {
		ASSERT_OK(tu_post(owner, 1, "12345678", 8, &seq));
		if (!i)
			seq0 = seq;
	}
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.delivered, 60);
	EXPECT_EQ(mine.lost, 1);

	/* No room to keep for a new DEMOTED record: -ENOBUFS, nothing changes. */
	rev = chain_rev(owner);
	EXPECT_RET(set_prio(reg, id, 100, 0, NULL, NULL), ENOBUFS);
	EXPECT_RET(set_prio(reg, id, 100, rev, NULL, NULL), ENOBUFS);
	EXPECT_EQ(chain_rev(owner), rev);
	my_sub(reg, id, &mine);
	EXPECT_EQ(mine.priority, 0);
	/* Nor for a new subscription's two META records. */
	EXPECT_RET(subscribe_prio(reg, id2, 0, NULL), ENOBUFS);
	EXPECT_RET(list_subs(reg, id2, e, MAX_SUBS, NULL, NULL), ENOENT);

	/* Reading the DEMOTED record (72 bytes) frees enough. */
	ASSERT_EQ(read(reg, rec, sizeof(rec)), sizeof(rec));
	EXPECT_EQ(h->category, EVENTLINE_CAT_META);
	EXPECT_EQ(h->type, EVENTLINE_META_DEMOTED);
	EXPECT_EQ(h->line_id, id);
	EXPECT_EQ(h->size, sizeof(rec));
	memcpy(&dem, rec + h->header_size, sizeof(dem));
	EXPECT_EQ(dem.old_priority, 600);
	EXPECT_EQ(dem.new_priority, 0);
	EXPECT_EQ(dem.reason, EVENTLINE_DEMOTE_REVOKED);
	prio_expect(reg, id, 100, 100, 0);
	rev = expect_raised(owner, rev, "PRIORITY");
	/* The room is kept now: asking again needs none. */
	prio_expect(reg, id, 90, 90, 0);
	/* A subscription's 144 bytes still do not fit. */
	EXPECT_RET(subscribe_prio(reg, id2, 0, NULL), ENOBUFS);

	/* Drained: 60 events in order, the loss, and room for everything. */
	{
		const struct eventline_record *r;
		struct tu_reader rd;

		tu_reader_init(&rd, reg, 8192);
		for (i = 0; i < 60; i++) {
			ASSERT_EQ(tu_reader_next(&rd, &r), 1);
			tu_check_line_record(r, id, 1, seq0 + i, "12345678", 8);
		}
		ASSERT_EQ(tu_reader_next(&rd, &r), 1);
		tu_check_meta_record(r, EVENTLINE_META_OVERFLOW, 0);
		EXPECT_EQ(((const struct eventline_overflow *)tu_payload(r))->lost,
			  1);
		EXPECT_EQ(tu_reader_next(&rd, &r), -EAGAIN);
		tu_reader_fini(&rd);
	}
	subscribe_expect(reg, id2, 0, 0, 0);
	drain(reg, &d);
	EXPECT_EQ(d.events + d.overflow_recs + d.demoted + d.other, 0);
	close(reg);
	close(owner2);
	close(owner);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_default_priority),
	TAP_TEST(test_ceiling),
	TAP_TEST(test_owner_grant),
	TAP_TEST(test_cap_sys_nice),
	TAP_TEST(test_chain_order),
	TAP_TEST_TIMEOUT(test_delivery_order, 60),
	TAP_TEST(test_subscriber_listing),
	TAP_TEST_TIMEOUT(test_demote_overflow, 60),
	TAP_TEST_TIMEOUT(test_no_demotion_at_default, 60),
	TAP_TEST_TIMEOUT(test_demote_charge, 60),
	TAP_TEST_TIMEOUT(test_demote_nice, 60),
	TAP_TEST_TIMEOUT(test_demote_revoked, 60),
	TAP_TEST(test_grant_keeps_ceiling_priority),
	TAP_TEST(test_enobufs),
};

TAP_MAIN(tests)
