// SPDX-License-Identifier: GPL-2.0
/*
 * security_test - the "Security model" of include/uapi/linux/eventline.h,
 * rule by rule: lines scoped to their user namespace, no existence oracle,
 * ids, verifiable owners, reserved names, the umask, fair shares of a
 * line, listing and evicting subscriptions, per-user limits charged up the
 * namespace hierarchy, LINE_CREATE publishing last, time namespaces and
 * GET_INFO.
 *
 * Whatever an unprivileged user does is done by a forked helper that
 * really is that user (setgroups, setresgid, setresuid), some helpers in a
 * user namespace of their own.  Helpers talk to the case process over a
 * SOCK_SEQPACKET socketpair: one __u64 per message, optionally with an fd
 * (SCM_RIGHTS), which is also how fds cross namespace boundaries here.
 *
 * Needs root.  Cases that create lines as other users skip when the module
 * was loaded with create_gid set.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define PARAM_DIR	"/sys/module/eventline/parameters/"

/* Garbage for fields the kernel only writes: it must overwrite them. */
#define JUNK_ID		0x5a5a5a5a5a5a5a5aULL

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

/*
 * Debian kernels can forbid unprivileged user namespaces with this
 * sysctl; the cases that need them allow them (the VM is ours).
 */
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
 * mapped to 0, as `unshare -r` does; the caller then has every capability
 * there.  Skips when the kernel refuses user namespaces.
 */
static void enter_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];

	/* Dropping privileges made us non-dumpable: /proc/self would be root's. */
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
	ASSERT_EQ(getegid(), 0);
}

static uint32_t overflow_id(const char *what)
{
	char path[64];
	long long v;

	snprintf(path, sizeof(path), "/proc/sys/kernel/%s", what);
	ASSERT_OK(tu_read_ll(path, &v));
	return v;
}

/* A name no other test, earlier run or other case uses. */
static void uniq(char name[EVENTLINE_NAME_MAX], const char *prefix,
		 const char *tag)
{
	snprintf(name, EVENTLINE_NAME_MAX, "%ssecurity_test.%s.%d", prefix,
		 tag, getpid());
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

/*
 * In the case process: when the helper is gone instead, its exit status
 * says why (a skip is passed on).
 */
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

/* LINE_OPEN or SUBSCRIBE with every field of the line reference. */
static long ref_call(int fd, unsigned long cmd, uint64_t id, const char *name,
		     uint32_t flags, uint32_t owner_uid, uint64_t *found)
{
	struct eventline_line_ref ref = {
		.size = sizeof(ref),
		.flags = flags,
		.id = id,
		.owner_uid = owner_uid,
	};
	long ret;

	if (name)
		snprintf(ref.name, sizeof(ref.name), "%s", name);
	ret = tu_ioctl(fd, cmd, &ref);
	if (ret >= 0 && found)
		*found = ref.id;
	return ret;
}

/*
 * LINE_OPEN on @ctl and SUBSCRIBE of @reg with the same reference must
 * give @open_err and @sub_err (0: success, after which the poster fd is
 * closed and the subscription undone).
 */
static void check_lookup(int ctl, int reg, uint64_t id, const char *name,
			 uint32_t flags, uint32_t owner_uid, int open_err,
			 int sub_err)
{
	unsigned int fails = tap_fail_count();
	uint64_t found = 0;
	long ret;

	ret = ref_call(ctl, EVENTLINE_IOC_LINE_OPEN, id, name, flags,
		       owner_uid, &found);
	if (open_err) {
		EXPECT_RET(ret, open_err);
	} else {
		EXPECT_OK(ret);
		if (ret >= 0)
			close(ret);
	}
	ret = ref_call(reg, EVENTLINE_IOC_SUBSCRIBE, id, name, flags,
		       owner_uid, &found);
	if (sub_err) {
		EXPECT_RET(ret, sub_err);
	} else {
		EXPECT_OK(ret);
		if (ret >= 0)
			EXPECT_OK(tu_unsubscribe(reg, found));
	}
	if (tap_fail_count() != fails)
		tap_diag("    ^ lookup of id %llu name \"%s\" flags %#x owner_uid %u, as uid %u",
			 (unsigned long long)id, name ? name : "", flags,
			 owner_uid, geteuid());
}

/*
 * LINE_INFO; every output field is filled with junk first, since the
 * kernel ignores output fields on input and must write each one.
 */
static long line_info(int fd, uint64_t id, struct eventline_line_info *li)
{
	memset(li, 0x5a, sizeof(*li));
	li->size = sizeof(*li);
	li->flags = 0;
	li->id = id;
	return tu_ioctl(fd, EVENTLINE_IOC_LINE_INFO, li);
}

static void check_info(int fd, uint64_t id, uint64_t line_id, uint32_t uid,
		       uint32_t gid, uint32_t mode, const char *name,
		       int nr_subs, uint32_t line_flags)
{
	unsigned int fails = tap_fail_count();
	struct eventline_line_info li;

	ASSERT_OK(line_info(fd, id, &li));
	EXPECT_EQ(li.size, sizeof(li));
	EXPECT_EQ(li.id, line_id);
	EXPECT_EQ(li.owner_uid, uid);
	EXPECT_EQ(li.owner_gid, gid);
	EXPECT_EQ(li.mode, mode);
	EXPECT_EQ(li.line_flags, line_flags);
	if (nr_subs >= 0)
		EXPECT_EQ(li.nr_subs, nr_subs);
	if (strnlen(li.name, sizeof(li.name)) == sizeof(li.name) ||
	    strcmp(li.name, name)) {
		tap_diag("LINE_INFO name: expected \"%s\", got \"%.64s\"",
			 name, li.name);
		tap_fail();
	}
	if (tap_fail_count() != fails)
		tap_diag("    ^ LINE_INFO on fd %d about line %llu", fd,
			 (unsigned long long)line_id);
}

static long line_subs(int fd, struct eventline_sub_info *entries,
		      uint32_t room, uint32_t entry_size, uint32_t *count)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = room,
		.entry_size = entry_size,
		.entries = (uintptr_t)entries,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &ls);

	if (count)
		*count = ls.count;
	return ret;
}

static long evict(int fd, uint64_t sub_id)
{
	struct eventline_evict ev = { .size = sizeof(ev), .sub_id = sub_id };

	return tu_ioctl(fd, EVENTLINE_IOC_EVICT, &ev);
}

/* Read the next record of a non-blocking register; fails on anything else. */
static const struct eventline_record *next_rec(struct tu_reader *r)
{
	const struct eventline_record *rec = NULL;

	ASSERT_EQ(tu_reader_next(r, &rec), 1);
	return rec;
}

/* ---- 1. Namespaces --------------------------------------------------- */

/*
 * A line is found only from its own user namespace, by id and by name;
 * the same name may live in two namespaces at once; a poster fd and a
 * subscribed register passed across the boundary keep working.
 */
static void test_userns_scoping(void)
{
	char name[EVENTLINE_NAME_MAX], only_parent[EVENTLINE_NAME_MAX];
	char only_child[EVENTLINE_NAME_MAX];
	const struct eventline_record *rec;
	int ctl, reg, reg0, owner, poster, cposter, creg2, fd;
	uint32_t ofuid, ofgid;
	uint64_t pid_id, cid, cid2, found;
	struct tu_reader r;
	struct peer p;

	need_root();
	need_open_create();
	allow_userns();
	ofuid = overflow_id("overflowuid");
	ofgid = overflow_id("overflowgid");
	uniq(name, "", "ns");
	uniq(only_parent, "", "ns-parent");
	uniq(only_child, "", "ns-child");
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, name, 0666, 0, &pid_id));
	ASSERT_OK(tu_line_create(ctl, only_parent, 0666, 0, NULL));
	reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(reg, pid_id, NULL));
	reg0 = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	poster = ASSERT_OK(tu_line_open(ctl, pid_id, NULL, 0));

	if (peer_fork(&p)) {
		int cctl, creg, cown, ctls[2], regs[2];
		unsigned int i, j;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		enter_userns();
		cctl = tu_open_ctl();
		/* The parent's name is free here. */
		cown = ASSERT_OK(tu_line_create(cctl, name, 0666, 0, &cid));
		ASSERT_OK(tu_line_create(cctl, only_child, 0666, 0, &cid2));
		creg = ASSERT_OK(tu_register_create(cctl, 0,
						    EVENTLINE_FD_NONBLOCK));

		/*
		 * The parent's lines do not exist from here, not even through
		 * a control fd or a register made in the initial namespace:
		 * what counts is the caller's namespace.
		 */
		ctls[0] = cctl;
		ctls[1] = ctl;
		regs[0] = creg;
		regs[1] = reg0;
		for (i = 0; i < 2; i++) {
			for (j = 0; j < 2; j++) {
				check_lookup(ctls[i], regs[j], pid_id, NULL, 0,
					     0, ENOENT, ENOENT);
				check_lookup(ctls[i], regs[j], 0, only_parent,
					     0, 0, ENOENT, ENOENT);
			}
		}
		/* The shared name finds this namespace's line. */
		found = 0;
		fd = ASSERT_OK(ref_call(cctl, EVENTLINE_IOC_LINE_OPEN, 0, name,
					0, 0, &found));
		EXPECT_EQ(found, cid);
		close(fd);
		found = 0;
		ASSERT_OK(ref_call(creg, EVENTLINE_IOC_SUBSCRIBE, 0, name, 0,
				   0, &found));
		EXPECT_EQ(found, cid);
		/* Its owner is uid 0 here (nobody outside). */
		check_info(cown, JUNK_ID, cid, 0, 0, 0666, name, 1, 0);

		msg_send(p.s, cid, -1);
		msg_send(p.s, cid2, -1);
		cposter = ASSERT_OK(tu_line_open(cctl, cid, NULL, 0));
		msg_send(p.s, 0, cposter);
		creg2 = ASSERT_OK(tu_register_create(cctl, 0,
						     EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(creg2, cid, NULL));
		msg_send(p.s, 0, creg2);
		close(creg2);
		close(cposter);

		/* The parent's poster fd works in here... */
		msg_recv(p.s, &fd);
		EXPECT_OK(tu_post(fd, 5, "in", 2, NULL));
		/* ...and tells whose line it is: root, unmapped here. */
		check_info(fd, JUNK_ID, pid_id, ofuid, ofgid, 0666, name, 1, 0);
		close(fd);
		msg_send(p.s, 1, -1);

		/* The parent posted on our line through our poster fd. */
		msg_recv(p.s, NULL);
		tu_reader_init(&r, creg, 4096);
		rec = next_rec(&r);
		tu_check_line_record(rec, cid, 6, 1, "out", 3);
		EXPECT_EQ(rec->uid, ofuid);
		EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
		tu_reader_fini(&r);
		EXPECT_OK(tu_post(cown, 7, "own", 3, NULL));
		msg_send(p.s, 2, -1);
		msg_recv(p.s, NULL);
		tap_child_exit();
	}
	cid = peer_recv(&p, NULL);
	cid2 = peer_recv(&p, NULL);
	EXPECT_NE(cid, pid_id);

	/* From the initial namespace the child's lines do not exist. */
	check_lookup(ctl, reg0, cid, NULL, 0, 0, ENOENT, ENOENT);
	check_lookup(ctl, reg0, cid2, NULL, 0, 0, ENOENT, ENOENT);
	check_lookup(ctl, reg0, 0, only_child, 0, 0, ENOENT, ENOENT);
	found = 0;
	fd = ASSERT_OK(ref_call(ctl, EVENTLINE_IOC_LINE_OPEN, 0, name, 0, 0,
				&found));
	EXPECT_EQ(found, pid_id);
	close(fd);

	/* Its fds work here, and tell the owner as the initial ns sees it. */
	peer_recv(&p, &cposter);
	peer_recv(&p, &creg2);
	check_info(cposter, JUNK_ID, cid, TU_NOBODY, TU_NOBODY, 0666, name,
		   2, 0);
	check_info(creg2, cid, cid, TU_NOBODY, TU_NOBODY, 0666, name, 2, 0);
	msg_send(p.s, 0, poster);

	/* The child posted on our line through our poster fd. */
	peer_recv(&p, NULL);
	tu_reader_init(&r, reg, 4096);
	rec = next_rec(&r);
	tu_check_line_record(rec, pid_id, 5, 1, "in", 2);
	/* Its uid 0 is nobody here. */
	EXPECT_EQ(rec->uid, TU_NOBODY);
	EXPECT_EQ(rec->pid, p.pid);
	EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
	tu_reader_fini(&r);

	EXPECT_OK(tu_post(cposter, 6, "out", 3, NULL));
	msg_send(p.s, 1, -1);
	peer_recv(&p, NULL);
	/* Records are in the namespaces of the register's creator. */
	tu_reader_init(&r, creg2, 4096);
	rec = next_rec(&r);
	tu_check_line_record(rec, cid, 6, 1, "out", 3);
	EXPECT_EQ(rec->uid, ofuid);
	EXPECT_EQ(rec->pid, getpid());
	rec = next_rec(&r);
	tu_check_line_record(rec, cid, 7, 2, "own", 3);
	EXPECT_EQ(rec->uid, 0);
	EXPECT_EQ(rec->pid, p.pid);
	EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
	tu_reader_fini(&r);
	msg_send(p.s, 3, -1);
	tu_wait_ok(p.pid);
	close(owner);
	close(ctl);
}

/* ---- 2. No existence oracle ------------------------------------------ */

static void test_no_existence_oracle(void)
{
	char n600[EVENTLINE_NAME_MAX], n604[EVENTLINE_NAME_MAX];
	char n602[EVENTLINE_NAME_MAX], n640[EVENTLINE_NAME_MAX];
	char never[EVENTLINE_NAME_MAX], n666[EVENTLINE_NAME_MAX];
	uint64_t id600, id604, id602, id640, id666, closed_id;
	int ctl;
	pid_t pid;

	need_root();
	uniq(n600, "", "o600");
	uniq(n604, "", "o604");
	uniq(n602, "", "o602");
	uniq(n640, "", "o640");
	uniq(n666, "", "o666");
	uniq(never, "", "never");
	ctl = tu_open_ctl();
	close(ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &closed_id)));
	ASSERT_OK(tu_line_create(ctl, n600, 0600, 0, &id600));
	ASSERT_OK(tu_line_create(ctl, n604, 0604, 0, &id604));
	ASSERT_OK(tu_line_create(ctl, n602, 0602, 0, &id602));
	ASSERT_OK(tu_line_create(ctl, n666, 0666, 0, &id666));
	/* Group TU_OTHER may read, others nothing. */
	setfsgid(TU_OTHER);
	ASSERT_EQ(setfsgid(-1), TU_OTHER);
	ASSERT_OK(tu_line_create(ctl, n640, 0640, 0, &id640));
	setfsgid(0);

	pid = tu_fork();
	if (!pid) {
		int reg;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		/* Neither read nor write: exactly as if it never existed. */
		check_lookup(ctl, reg, id600, NULL, 0, 0, ENOENT, ENOENT);
		check_lookup(ctl, reg, 0, n600, 0, 0, ENOENT, ENOENT);
		check_lookup(ctl, reg, id640, NULL, 0, 0, ENOENT, ENOENT);
		check_lookup(ctl, reg, 0, n640, 0, 0, ENOENT, ENOENT);
		/* An expected owner, right or wrong, changes nothing. */
		check_lookup(ctl, reg, 0, n600, EVENTLINE_REF_OWNER_UID, 0,
			     ENOENT, ENOENT);
		check_lookup(ctl, reg, 0, n600, EVENTLINE_REF_OWNER_UID, 4242,
			     ENOENT, ENOENT);
		check_lookup(ctl, reg, 0, n600, EVENTLINE_REF_KERNEL_OWNED, 0,
			     ENOENT, ENOENT);
		/* The same answer as lines that never were or are gone. */
		check_lookup(ctl, reg, id600 + 1000000, NULL, 0, 0, ENOENT,
			     ENOENT);
		check_lookup(ctl, reg, UINT64_MAX, NULL, 0, 0, ENOENT, ENOENT);
		check_lookup(ctl, reg, closed_id, NULL, 0, 0, ENOENT, ENOENT);
		check_lookup(ctl, reg, 0, never, 0, 0, ENOENT, ENOENT);
		/* 64-bit ids: the low half of one is not the line. */
		check_lookup(ctl, reg, (1ULL << 32) | id666, NULL, 0, 0,
			     ENOENT, ENOENT);
		check_lookup(ctl, reg, id666, NULL, 0, 0, 0, 0);

		/* One way allowed: -EACCES for the other. */
		check_lookup(ctl, reg, id604, NULL, 0, 0, EACCES, 0);
		check_lookup(ctl, reg, 0, n604, 0, 0, EACCES, 0);
		check_lookup(ctl, reg, id602, NULL, 0, 0, 0, EACCES);
		check_lookup(ctl, reg, 0, n602, 0, 0, 0, EACCES);
		/* A usable line with the wrong expected owner: -EACCES. */
		check_lookup(ctl, reg, 0, n666, EVENTLINE_REF_OWNER_UID, 4242,
			     EACCES, EACCES);
		check_lookup(ctl, reg, 0, n666, EVENTLINE_REF_OWNER_UID, 0,
			     0, 0);
		tap_child_exit();
	}
	tu_wait_ok(pid);

	pid = tu_fork();
	if (!pid) {
		int reg;

		/* In the line's group: read yes, write no. */
		tu_drop_privs(TU_OTHER, TU_OTHER);
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		check_lookup(ctl, reg, id640, NULL, 0, 0, EACCES, 0);
		check_lookup(ctl, reg, 0, n640, 0, 0, EACCES, 0);
		check_lookup(ctl, reg, id600, NULL, 0, 0, ENOENT, ENOENT);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

/* ---- 3. Ids ----------------------------------------------------------- */

#define NR_IDS	1000

static void test_ids_increase(void)
{
	uint64_t ids[NR_IDS], a, b = 0, c;
	int ctl, reg, i;
	struct peer p;

	need_root();
	allow_userns();
	ctl = tu_open_ctl();
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	for (i = 0; i < NR_IDS; i++) {
		close(ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &ids[i])));
		/* Strictly increasing, so never the same twice. */
		if (i)
			ASSERT_GT(ids[i], ids[i - 1]);
		else
			ASSERT_GT(ids[i], 0);
	}
	/* Closed lines are gone, even for root. */
	check_lookup(ctl, reg, ids[0], NULL, 0, 0, ENOENT, ENOENT);
	check_lookup(ctl, reg, ids[NR_IDS / 2], NULL, 0, 0, ENOENT, ENOENT);
	check_lookup(ctl, reg, ids[NR_IDS - 1], NULL, 0, 0, ENOENT, ENOENT);

	/* One counter for every namespace. */
	close(ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &a)));
	if (peer_fork(&p)) {
		int cctl;

		enter_userns();
		cctl = tu_open_ctl();
		close(ASSERT_OK(tu_line_create(cctl, NULL, 0600, 0, &b)));
		msg_send(p.s, b, -1);
		tap_child_exit();
	}
	b = peer_recv(&p, NULL);
	tu_wait_ok(p.pid);
	close(ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &c)));
	EXPECT_GT(a, ids[NR_IDS - 1]);
	EXPECT_GT(b, a);
	EXPECT_GT(c, b);
	close(ctl);
}

/* ---- 4. Verifiable owners -------------------------------------------- */

static void test_line_info(void)
{
	char name[EVENTLINE_NAME_MAX], nname[EVENTLINE_NAME_MAX];
	struct eventline_line_info li;
	const struct eventline_record *rec;
	int ctl, owner, other, poster, reg1, reg2, reg3, nposter;
	uint64_t id, id2, nid;
	struct tu_reader r;
	struct peer p;

	need_root();
	need_open_create();
	uniq(name, "", "info");
	uniq(nname, "", "info-nobody");
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, name, 0640, 0, &id));
	check_info(owner, JUNK_ID, id, 0, 0, 0640, name, 0, 0);
	reg1 = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	reg2 = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(reg1, id, NULL));
	ASSERT_OK(tu_subscribe(reg2, id, NULL));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	check_info(owner, JUNK_ID, id, 0, 0, 0640, name, 2, 0);
	check_info(poster, JUNK_ID, id, 0, 0, 0640, name, 2, 0);
	check_info(reg1, id, id, 0, 0, 0640, name, 2, 0);
	/* An anonymous line has an empty name. */
	other = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id2));
	check_info(other, JUNK_ID, id2, 0, 0, 0666, "", 0, 0);

	/* A register answers only about its own lines. */
	EXPECT_RET(line_info(reg1, id2, &li), ENOENT);
	EXPECT_RET(line_info(reg1, id2 + 1000000, &li), ENOENT);
	EXPECT_RET(line_info(reg1, UINT64_MAX, &li), ENOENT);
	/* Flags must be 0; the control fd is no line fd. */
	memset(&li, 0, sizeof(li));
	li.size = sizeof(li);
	li.flags = 1;
	EXPECT_RET(tu_ioctl(owner, EVENTLINE_IOC_LINE_INFO, &li), EINVAL);
	EXPECT_RET(line_info(ctl, id, &li), ENOTTY);

	/*
	 * Closed, the line still answers through the fds that keep it:
	 * registers with LINE_CLOSED unread, and the poster fd.
	 */
	close(owner);
	check_info(reg1, id, id, 0, 0, 0640, name, -1, EVENTLINE_LINE_CLOSED);
	check_info(poster, JUNK_ID, id, 0, 0, 0640, name, -1,
		   EVENTLINE_LINE_CLOSED);
	tu_reader_init(&r, reg1, 4096);
	rec = next_rec(&r);
	tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id);
	EXPECT_EQ(tu_reader_next(&r, &rec), 0);
	tu_reader_fini(&r);
	/* Read: reg1 has nothing to do with the line any more. */
	EXPECT_RET(line_info(reg1, id, &li), ENOENT);
	check_info(reg2, id, id, 0, 0, 0640, name, -1, EVENTLINE_LINE_CLOSED);

	/* A line of nobody's, seen by nobody and by root. */
	if (peer_fork(&p)) {
		int own;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		own = ASSERT_OK(tu_line_create(ctl, nname, 0644, 0, &nid));
		check_info(own, JUNK_ID, nid, TU_NOBODY, TU_NOBODY, 0644,
			   nname, 0, 0);
		msg_send(p.s, nid, -1);
		msg_recv(p.s, NULL);
		check_info(own, JUNK_ID, nid, TU_NOBODY, TU_NOBODY, 0644,
			   nname, 1, 0);
		msg_send(p.s, 0, -1);
		msg_recv(p.s, NULL);
		tap_child_exit();
	}
	nid = peer_recv(&p, NULL);
	reg3 = ASSERT_OK(tu_register_create(ctl, 0, 0));
	ASSERT_OK(tu_subscribe(reg3, nid, NULL));
	check_info(reg3, nid, nid, TU_NOBODY, TU_NOBODY, 0644, nname, 1, 0);
	/* Root may post on it (CAP_DAC_OVERRIDE). */
	nposter = ASSERT_OK(tu_line_open(ctl, nid, NULL, 0));
	check_info(nposter, JUNK_ID, nid, TU_NOBODY, TU_NOBODY, 0644, nname,
		   1, 0);
	msg_send(p.s, 0, -1);
	peer_recv(&p, NULL);
	msg_send(p.s, 0, -1);
	tu_wait_ok(p.pid);
	close(ctl);
}

/* A squatter's line of the expected name is refused, not used. */
static void test_expected_owner(void)
{
	char svc[EVENTLINE_NAME_MAX], mine[EVENTLINE_NAME_MAX];
	struct eventline_line_ref ref;
	int ctl, reg, cmd;
	uint64_t id, found;
	struct peer p;
	long fd;

	need_root();
	need_open_create();
	uniq(svc, "", "svc");
	uniq(mine, "", "svc-root");
	ctl = tu_open_ctl();
	if (peer_fork(&p)) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		ASSERT_OK(tu_line_create(ctl, svc, 0666, 0, &id));
		msg_send(p.s, id, -1);
		msg_recv(p.s, NULL);
		tap_child_exit();
	}
	id = peer_recv(&p, NULL);
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));

	/* The name is taken... */
	EXPECT_RET(tu_line_create(ctl, svc, 0666, 0, NULL), EEXIST);
	/* ...and not by root, nor by kernel code: refused. */
	check_lookup(ctl, reg, 0, svc, EVENTLINE_REF_OWNER_UID, 0, EACCES,
		     EACCES);
	check_lookup(ctl, reg, 0, svc, EVENTLINE_REF_KERNEL_OWNED, 0, EACCES,
		     EACCES);
	/* Expecting the owner it has works, and finds that line. */
	check_lookup(ctl, reg, 0, svc, EVENTLINE_REF_OWNER_UID, TU_NOBODY, 0,
		     0);
	found = 0;
	fd = ASSERT_OK(ref_call(ctl, EVENTLINE_IOC_LINE_OPEN, 0, svc,
				EVENTLINE_REF_OWNER_UID, TU_NOBODY, &found));
	EXPECT_EQ(found, id);
	close(fd);
	/* Root's own line, expecting root. */
	ASSERT_OK(tu_line_create(ctl, mine, 0600, 0, NULL));
	check_lookup(ctl, reg, 0, mine, EVENTLINE_REF_OWNER_UID, 0, 0, 0);
	check_lookup(ctl, reg, 0, mine, EVENTLINE_REF_KERNEL_OWNED, 0, EACCES,
		     EACCES);

	for (cmd = 0; cmd < 2; cmd++) {
		unsigned long ioc = cmd ? EVENTLINE_IOC_SUBSCRIBE :
					  EVENTLINE_IOC_LINE_OPEN;
		int on = cmd ? reg : ctl;

		/* owner_uid without the flag. */
		EXPECT_RET(ref_call(on, ioc, 0, svc, 0, TU_NOBODY, NULL),
			   EINVAL);
		/* An unknown flag. */
		EXPECT_RET(ref_call(on, ioc, 0, svc, 1U << 10, 0, NULL),
			   EINVAL);
	}
	/* LINE_OPEN takes nothing after owner_uid, even with the right owner. */
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	strcpy(ref.name, svc);
	ref.flags = EVENTLINE_REF_OWNER_UID;
	ref.owner_uid = TU_NOBODY;
	ref.priority = 1;
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_LINE_OPEN, &ref), EINVAL);
	/* SUBSCRIBE returns no fd: EVENTLINE_FD_* are not its flags. */
	EXPECT_RET(ref_call(reg, EVENTLINE_IOC_SUBSCRIBE, 0, svc,
			    EVENTLINE_FD_CLOEXEC, 0, NULL), EINVAL);
	msg_send(p.s, 0, -1);
	tu_wait_ok(p.pid);
	close(ctl);
}

/* ---- 5. Reserved names ----------------------------------------------- */

static void test_reserved_names(void)
{
	char sys[EVENTLINE_NAME_MAX], kern[EVENTLINE_NAME_MAX];
	char sys2[EVENTLINE_NAME_MAX], kern2[EVENTLINE_NAME_MAX];
	int ctl;
	pid_t pid;

	need_root();
	need_open_create();
	allow_userns();
	uniq(sys, "sys.", "x");
	uniq(kern, "kernel.", "x");
	/* Only the prefixes with the dot are reserved. */
	uniq(sys2, "system.", "x");
	uniq(kern2, "kernel_", "x");
	ctl = tu_open_ctl();
	EXPECT_RET(tu_line_create(ctl, kern, 0666, 0, NULL), EPERM);
	close(ASSERT_OK(tu_line_create(ctl, sys, 0666, 0, NULL)));

	pid = tu_fork();
	if (!pid) {
		pid_t inner;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_RET(tu_line_create(ctl, kern, 0666, 0, NULL), EPERM);
		EXPECT_RET(tu_line_create(ctl, sys, 0666, 0, NULL), EPERM);
		EXPECT_OK(tu_line_create(ctl, sys2, 0666, 0, NULL));
		EXPECT_OK(tu_line_create(ctl, kern2, 0666, 0, NULL));
		/* A failed create left the names free. */
		check_lookup(ctl, ASSERT_OK(tu_register_create(ctl, 0, 0)), 0,
			     sys, 0, 0, ENOENT, ENOENT);

		/* CAP_SYS_ADMIN in one's own user namespace is enough. */
		inner = tu_fork();
		if (!inner) {
			int cctl;

			enter_userns();
			cctl = tu_open_ctl();
			EXPECT_OK(tu_line_create(cctl, sys, 0666, 0, NULL));
			EXPECT_RET(tu_line_create(cctl, kern, 0666, 0, NULL),
				   EPERM);
			tap_child_exit();
		}
		tu_wait_ok(inner);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

/* ---- 6. umask -------------------------------------------------------- */

static uint32_t mode_of(int owner)
{
	struct eventline_line_info li;

	ASSERT_OK(line_info(owner, JUNK_ID, &li));
	return li.mode;
}

static void test_umask(void)
{
	static const struct {
		mode_t umask;
		uint32_t asked, got;
	} cases[] = {
		{ 027, 0666, 0640 },
		{ 022, 0666, 0644 },
		{ 077, 0666, 0600 },
		{ 0, 0666, 0666 },
		{ 0, 0622, 0622 },
		{ 066, 0640, 0600 },
	};
	int ctl, owner;
	uint64_t id;
	unsigned int i;
	pid_t pid;

	need_root();
	ctl = tu_open_ctl();
	for (i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		umask(cases[i].umask);
		owner = ASSERT_OK(tu_line_create(ctl, NULL, cases[i].asked, 0,
						 NULL));
		if (mode_of(owner) != cases[i].got) {
			tap_diag("umask %#o, mode %#o: expected %#o, got %#o",
				 cases[i].umask, cases[i].asked, cases[i].got,
				 mode_of(owner));
			tap_fail();
		}
		close(owner);
	}

	/* The mode enforced is the masked one. */
	umask(077);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		check_lookup(ctl, ASSERT_OK(tu_register_create(ctl, 0, 0)), id,
			     NULL, 0, 0, ENOENT, ENOENT);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(owner);
	close(ctl);
}

/* ---- 7. Fair shares -------------------------------------------------- */

#define MAX_SHARE_UIDS	32

/*
 * Uids other than the owner's fill a line: each up to max_subs_per_user
 * (-EDQUOT), all together up to max_registers_per_line less
 * owner_reserved_subs (-ENOSPC); the owner still gets the reserve.
 */
static void test_fair_shares(void)
{
	struct peer peers[MAX_SHARE_UIDS];
	struct eventline_info info;
	unsigned int per_line, per_uid, reserve, others, taken = 0, n, i;
	int ctl, owner, reg;
	uint64_t id, id2;

	need_root();
	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	per_line = info.max_registers_per_line;
	per_uid = info.max_subs_per_user;
	reserve = info.owner_reserved_subs;
	ASSERT_NE(per_uid, 0);
	ASSERT_LE(reserve, per_line);
	others = per_line - reserve;
	if (per_line > 8192 || others / per_uid + 2 > MAX_SHARE_UIDS ||
	    per_uid + 1 > info.max_registers_per_user)
		tap_skip("limits %u/%u/%u too large to reach here", per_line,
			 per_uid, reserve);
	tu_raise_nofile(per_line + 256);
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id2));

	for (n = 0;; n++) {
		unsigned int remaining = taken < others ? others - taken : 0;
		unsigned int want, count;
		int err;

		ASSERT_LT(n, MAX_SHARE_UIDS);
		if (peer_fork(&peers[n])) {
			uid_t uid = TU_NOBODY - n;

			tu_drop_privs(uid, uid);
			count = 0;
			err = 0;
			for (i = 0; i <= per_uid; i++) {
				reg = ASSERT_OK(tu_register_create(ctl, 1, 0));
				err = -tu_subscribe(reg, id, NULL);
				if (err)
					break;
				count++;
			}
			/* The share is per line: another line takes it. */
			if (err == EDQUOT)
				EXPECT_OK(tu_subscribe(reg, id2, NULL));
			msg_send(peers[n].s, count, -1);
			msg_send(peers[n].s, err, -1);
			msg_recv(peers[n].s, NULL);
			tap_child_exit();
		}
		count = peer_recv(&peers[n], NULL);
		err = peer_recv(&peers[n], NULL);
		want = remaining < per_uid ? remaining : per_uid;
		if (count != want ||
		    (remaining > per_uid && err != EDQUOT) ||
		    (remaining < per_uid && err != ENOSPC) ||
		    (remaining == per_uid && err != EDQUOT && err != ENOSPC)) {
			tap_diag("uid %u: %u subscriptions then %s; expected %u then %s (room for others %u, %u taken)",
				 TU_NOBODY - n, count, tap_errname(err), want,
				 remaining > per_uid ? "EDQUOT" :
				 remaining < per_uid ? "ENOSPC" :
				 "EDQUOT or ENOSPC", others, taken);
			tap_fail();
		}
		taken += count;
		if (!remaining || !count)
			break;
	}
	EXPECT_EQ(taken, others);

	/* The owner's reserve is all there. */
	for (i = 0; i < reserve; i++) {
		reg = ASSERT_OK(tu_register_create(ctl, 1, 0));
		if (tu_subscribe(reg, id, NULL)) {
			tap_diag("owner's subscription %u of %u refused", i + 1,
				 reserve);
			tap_fail();
			break;
		}
	}
	reg = ASSERT_OK(tu_register_create(ctl, 1, 0));
	EXPECT_RET(tu_subscribe(reg, id, NULL), ENOSPC);
	{
		struct eventline_line_info li;

		ASSERT_OK(line_info(owner, JUNK_ID, &li));
		EXPECT_EQ(li.nr_subs, per_line);
	}
	for (i = 0; i <= n; i++) {
		msg_send(peers[i].s, 0, -1);
		tu_wait_ok(peers[i].pid);
	}
	close(ctl);
}

/* ---- 8. Listing and evicting ----------------------------------------- */

static const struct eventline_sub_info *
find_sub(const struct eventline_sub_info *e, unsigned int n, uint32_t uid)
{
	const struct eventline_sub_info *hit = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (e[i].uid != uid)
			continue;
		if (hit) {
			tap_diag("uid %u listed twice", uid);
			tap_fail();
		}
		hit = &e[i];
	}
	if (!hit) {
		tap_diag("no subscription of uid %u listed", uid);
		tap_fail();
	}
	return hit;
}

/* An entry_size beyond the kernel's struct. */
#define WIDE	(sizeof(struct eventline_sub_info) + 16)

static void test_list_and_evict(void)
{
	struct eventline_sub_info e[8];
	const struct eventline_sub_info *s;
	unsigned char wide[4 * WIDE];
	int ctl, owner, other, poster, rreg, areg, reg;
	uint64_t id, id2, b_sub, b_sub2;
	uint32_t count;
	unsigned int i;
	struct peer a, b;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	other = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id2));
	rreg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	ASSERT_OK(tu_subscribe(rreg, id, NULL));

	/* A: nobody subscribes a register, hands it to root and exits. */
	if (peer_fork(&a)) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		msg_send(a.s, 0, reg);
		tap_child_exit();
	}
	peer_recv(&a, &areg);
	tu_wait_ok(a.pid);

	/* B: TU_OTHER stays, to be evicted. */
	if (peer_fork(&b)) {
		const struct eventline_record *rec;
		struct eventline_line_info li;
		struct tu_reader r;

		tu_drop_privs(TU_OTHER, TU_OTHER);
		reg = ASSERT_OK(tu_register_create(ctl, 0,
						   EVENTLINE_FD_NONBLOCK));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		msg_send(b.s, 0, -1);
		/* Evicted, with EVICTED unread: LINE_INFO still answers. */
		msg_recv(b.s, NULL);
		check_info(reg, id, id, 0, 0, 0644, "", -1, 0);
		tu_reader_init(&r, reg, 4096);
		rec = next_rec(&r);
		tu_check_line_record(rec, id, 1, 1, "a", 1);
		rec = next_rec(&r);
		tu_check_line_record(rec, id, 2, 2, "b", 1);
		rec = next_rec(&r);
		tu_check_meta_record(rec, EVENTLINE_META_EVICTED, id);
		EXPECT_EQ(rec->uid, 0);
		/* Nothing after it: the post after EVICT did not come. */
		EXPECT_EQ(tu_reader_next(&r, &rec), 0);
		EXPECT_RET(line_info(reg, id, &li), ENOENT);
		/* And may come back. */
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		msg_send(b.s, 0, -1);
		msg_recv(b.s, NULL);
		rec = next_rec(&r);
		tu_check_line_record(rec, id, 4, 4, "d", 1);
		EXPECT_EQ(tu_reader_next(&r, &rec), -EAGAIN);
		tu_reader_fini(&r);
		msg_send(b.s, 0, -1);
		msg_recv(b.s, NULL);
		tap_child_exit();
	}
	peer_recv(&b, NULL);

	/* Room 0: nothing written, the count reported. */
	count = 0;
	EXPECT_EQ(line_subs(owner, NULL, 0, sizeof(e[0]), &count), 0);
	EXPECT_EQ(count, 3);
	count = 1;
	memset(e, 0xff, sizeof(e));
	EXPECT_EQ(line_subs(owner, e, 1, sizeof(e[0]), &count), 1);
	EXPECT_EQ(count, 3);
	EXPECT_EQ(e[1].sub_id, UINT64_MAX);

	memset(e, 0xff, sizeof(e));
	ASSERT_EQ(line_subs(owner, e, TU_ARRAY_SIZE(e), sizeof(e[0]), &count),
		  3);
	EXPECT_EQ(count, 3);
	EXPECT_EQ(e[3].sub_id, UINT64_MAX);
	EXPECT_NE(e[0].sub_id, e[1].sub_id);
	EXPECT_NE(e[0].sub_id, e[2].sub_id);
	EXPECT_NE(e[1].sub_id, e[2].sub_id);
	s = find_sub(e, 3, 0);
	if (s) {
		EXPECT_EQ(s->pid, getpid());
		EXPECT_TRUE(s->sub_flags & EVENTLINE_SUB_OWNER);
	}
	/* A's register now belongs to root, but A subscribed it, and is gone. */
	s = find_sub(e, 3, TU_NOBODY);
	if (s) {
		EXPECT_EQ(s->pid, 0);
		EXPECT_FALSE(s->sub_flags & EVENTLINE_SUB_OWNER);
	}
	s = find_sub(e, 3, TU_OTHER);
	ASSERT_TRUE(s != NULL);
	EXPECT_EQ(s->pid, b.pid);
	EXPECT_FALSE(s->sub_flags & EVENTLINE_SUB_OWNER);
	b_sub = s->sub_id;

	/* Entries larger than the kernel's: the tail is zeroed. */
	memset(wide, 0xff, sizeof(wide));
	ASSERT_EQ(line_subs(owner, (void *)wide, 4, WIDE, &count), 3);
	for (i = 0; i < 3; i++) {
		const unsigned char *t = wide + i * WIDE + sizeof(e[0]);
		static const unsigned char zero[WIDE - sizeof(e[0])];

		EXPECT_TRUE(!memcmp(t, zero, sizeof(zero)));
	}
	EXPECT_EQ(wide[3 * WIDE], 0xff);

	/* Bad entry sizes. */
	EXPECT_RET(line_subs(owner, e, 8, 0, NULL), EINVAL);
	EXPECT_RET(line_subs(owner, e, 8, 16, NULL), EINVAL);
	EXPECT_RET(line_subs(owner, e, 8, 28, NULL), EINVAL);
	EXPECT_RET(line_subs(owner, e, 1, 4104, NULL), EINVAL);
	/* Owner fd only. */
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	EXPECT_RET(line_subs(poster, e, 8, sizeof(e[0]), NULL), ENOTTY);
	EXPECT_RET(line_subs(ctl, e, 8, sizeof(e[0]), NULL), ENOTTY);
	EXPECT_RET(evict(poster, b_sub), ENOTTY);
	EXPECT_RET(evict(rreg, b_sub), ENOTTY);
	EXPECT_RET(evict(ctl, b_sub), ENOTTY);
	/* Another line's owner fd does not know this subscription. */
	EXPECT_RET(evict(other, b_sub), ENOENT);

	/* Posted before the eviction: delivered; after: not. */
	EXPECT_OK(tu_post(owner, 1, "a", 1, NULL));
	EXPECT_OK(tu_post(owner, 2, "b", 1, NULL));
	EXPECT_OK(evict(owner, b_sub));
	EXPECT_RET(evict(owner, b_sub), ENOENT);
	EXPECT_OK(tu_post(owner, 3, "c", 1, NULL));
	EXPECT_EQ(line_subs(owner, NULL, 0, sizeof(e[0]), &count), 0);
	EXPECT_EQ(count, 2);
	msg_send(b.s, 0, -1);

	/* B subscribed again: a new subscription, a new id. */
	peer_recv(&b, NULL);
	ASSERT_EQ(line_subs(owner, e, TU_ARRAY_SIZE(e), sizeof(e[0]), &count),
		  3);
	s = find_sub(e, 3, TU_OTHER);
	ASSERT_TRUE(s != NULL);
	b_sub2 = s->sub_id;
	EXPECT_NE(b_sub2, b_sub);
	/* The old id does not reach the new subscription. */
	EXPECT_RET(evict(owner, b_sub), ENOENT);
	EXPECT_OK(tu_post(owner, 4, "d", 1, NULL));
	msg_send(b.s, 0, -1);
	peer_recv(&b, NULL);
	msg_send(b.s, 0, -1);
	tu_wait_ok(b.pid);
	close(areg);
	close(ctl);
}

/* ---- 9. Per-user limits ---------------------------------------------- */

static void test_user_limits(void)
{
	struct eventline_info info;
	unsigned int nl, nr, np, i;
	int ctl, *fds;
	uint64_t id;
	pid_t pid;

	need_root();
	need_open_create();
	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	nl = info.max_lines_per_user;
	nr = info.max_registers_per_user;
	np = info.max_posters_per_user;
	if (nl > 16384 || nr > 16384 || np > 16384)
		tap_skip("per-user limits %u/%u/%u too large to reach here",
			 nl, nr, np);
	/* So that -EMFILE is not what stops us. */
	tu_raise_nofile(nl + nr + np + 256);

	pid = tu_fork();
	if (!pid) {
		int first, ret;

		fds = calloc(nl + nr + np, sizeof(*fds));
		ASSERT_TRUE(fds != NULL);
		tu_drop_privs(TU_NOBODY, TU_NOBODY);

		for (i = 0; i < nl; i++) {
			fds[i] = tu_line_create(ctl, NULL, 0600, 0,
						i ? NULL : &id);
			if (fds[i] < 0) {
				tap_diag("line %u of %u: %s", i + 1, nl,
					 tap_errname(-fds[i]));
				tap_abort();
			}
		}
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		close(fds[nl - 1]);
		fds[nl - 1] = EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0,
						       NULL));
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);

		first = nl;
		for (i = 0; i < nr; i++) {
			ret = tu_register_create(ctl, 1, 0);
			if (ret < 0) {
				tap_diag("register %u of %u: %s", i + 1, nr,
					 tap_errname(-ret));
				tap_abort();
			}
			fds[first + i] = ret;
		}
		EXPECT_RET(tu_register_create(ctl, 1, 0), EDQUOT);
		close(fds[first]);
		fds[first] = EXPECT_OK(tu_register_create(ctl, 1, 0));
		EXPECT_RET(tu_register_create(ctl, 1, 0), EDQUOT);

		first = nl + nr;
		for (i = 0; i < np; i++) {
			ret = tu_line_open(ctl, id, NULL, 0);
			if (ret < 0) {
				tap_diag("poster %u of %u: %s", i + 1, np,
					 tap_errname(-ret));
				tap_abort();
			}
			fds[first + i] = ret;
		}
		EXPECT_RET(tu_line_open(ctl, id, NULL, 0), EDQUOT);
		close(fds[first]);
		fds[first] = EXPECT_OK(tu_line_open(ctl, id, NULL, 0));
		EXPECT_RET(tu_line_open(ctl, id, NULL, 0), EDQUOT);
		/* The owner fd may still post: it is no poster fd. */
		EXPECT_OK(tu_post(fds[0], 1, NULL, 0, NULL));
		tap_child_exit();
	}
	tu_wait_ok(pid);
	/* Nobody's counts were nobody's: root is not affected. */
	EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
	close(ctl);
}

/*
 * A user's child user namespaces share its limits: what nobody's
 * namespace creates counts for nobody in the initial one too.
 */
static void test_user_limits_hierarchy(void)
{
	struct eventline_info info;
	unsigned int nl, i;
	int ctl;
	pid_t pid;

	need_root();
	need_open_create();
	allow_userns();
	ctl = tu_open_ctl();
	tu_get_info(ctl, &info);
	nl = info.max_lines_per_user;
	if (nl > 16384)
		tap_skip("max_lines_per_user %u too large to reach here", nl);
	tu_raise_nofile(nl + 64);

	pid = tu_fork();
	if (!pid) {
		int *fds = calloc(nl, sizeof(*fds));
		struct peer c;

		ASSERT_TRUE(fds != NULL);
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		/* Forked first, so it holds none of the lines below. */
		if (peer_fork(&c)) {
			int cctl, a, b;

			msg_recv(c.s, NULL);
			enter_userns();
			cctl = tu_open_ctl();
			a = EXPECT_OK(tu_line_create(cctl, NULL, 0600, 0,
						     NULL));
			EXPECT_RET(tu_line_create(cctl, NULL, 0600, 0, NULL),
				   EDQUOT);
			msg_send(c.s, 1, -1);
			msg_recv(c.s, NULL);
			b = EXPECT_OK(tu_line_create(cctl, NULL, 0600, 0,
						     NULL));
			EXPECT_RET(tu_line_create(cctl, NULL, 0600, 0, NULL),
				   EDQUOT);
			msg_send(c.s, 2, -1);
			msg_recv(c.s, NULL);
			close(a);
			close(b);
			tap_child_exit();
		}
		for (i = 0; i + 1 < nl; i++)
			fds[i] = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0,
							  NULL));
		msg_send(c.s, 0, -1);
		ASSERT_EQ(peer_recv(&c, NULL), 1);
		/* The child's line is ours too: we are full. */
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		close(fds[0]);
		msg_send(c.s, 0, -1);
		ASSERT_EQ(peer_recv(&c, NULL), 2);
		msg_send(c.s, 0, -1);
		tu_wait_ok(c.pid);
		/* Its two lines closed: two free places, no more. */
		EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

/* ---- 10. LINE_CREATE publishes last ---------------------------------- */

/* Make every fd allocation of this process fail with -EMFILE. */
static void no_more_fds(void)
{
	int lowest = ASSERT_SYSOK(open("/", O_RDONLY | O_CLOEXEC));
	struct rlimit rl;

	close(lowest);
	ASSERT_SYSOK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = lowest;
	ASSERT_SYSOK(setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_ERRNO(open("/", O_RDONLY | O_CLOEXEC), EMFILE);
}

static void restore_fds(void)
{
	struct rlimit rl;

	ASSERT_SYSOK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = rl.rlim_max;
	ASSERT_SYSOK(setrlimit(RLIMIT_NOFILE, &rl));
}

#define RACE_NS		1500000000ULL

/*
 * A create that fails never makes its line visible: not to a lookup, not
 * as a taken name to another creator.
 */
static void test_create_publishes_last(void)
{
	char name[EVENTLINE_NAME_MAX];
	int ctl, reg;
	uint64_t deadline;
	pid_t failer, other;

	need_root();
	need_open_create();
	uniq(name, "", "late");
	ctl = tu_open_ctl();
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));

	/* Deterministic: after a failed create the name is free. */
	failer = tu_fork();
	if (!failer) {
		int reg2 = ASSERT_OK(tu_register_create(ctl, 0, 0));

		no_more_fds();
		EXPECT_RET(tu_line_create(ctl, name, 0666, 0, NULL), EMFILE);
		EXPECT_RET(tu_subscribe(reg2, 0, name), ENOENT);
		restore_fds();
		check_lookup(ctl, reg2, 0, name, 0, 0, ENOENT, ENOENT);
		/* Nothing leaked: the same name, and the same process, work. */
		close(ASSERT_OK(tu_line_create(ctl, name, 0666, 0, NULL)));
		tap_child_exit();
	}
	tu_wait_ok(failer);
	check_lookup(ctl, reg, 0, name, 0, 0, ENOENT, ENOENT);

	/* The same after -EDQUOT: nobody at its line limit. */
	failer = tu_fork();
	if (!failer) {
		struct eventline_info info;
		unsigned int i;

		tu_get_info(ctl, &info);
		tu_raise_nofile(info.max_lines_per_user + 64);
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		for (i = 0; i < info.max_lines_per_user; i++)
			ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		EXPECT_RET(tu_line_create(ctl, name, 0666, 0, NULL), EDQUOT);
		check_lookup(ctl, ASSERT_OK(tu_register_create(ctl, 0, 0)), 0,
			     name, 0, 0, ENOENT, ENOENT);
		tap_child_exit();
	}
	tu_wait_ok(failer);
	close(ASSERT_OK(tu_line_create(ctl, name, 0666, 0, NULL)));

	/*
	 * Racing: one process fails to create the name over and over while
	 * another looks it up (never found), then while another creates and
	 * closes it (never -EEXIST: the failing one never held the name).
	 */
	deadline = tu_now_ns() + RACE_NS;
	failer = tu_fork();
	if (!failer) {
		unsigned long n = 0;
		int ret;

		no_more_fds();
		while (tu_now_ns() < deadline) {
			ret = tu_line_create(ctl, name, 0666, 0, NULL);
			if (ret != -EMFILE) {
				EXPECT_RET(ret, EMFILE);
				break;
			}
			n++;
		}
		EXPECT_GT(n, 0);
		tap_child_exit();
	}
	other = tu_fork();
	if (!other) {
		unsigned long n = 0;
		long ret;

		while (tu_now_ns() < deadline) {
			ret = tu_subscribe(reg, 0, name);
			if (ret != -ENOENT) {
				tap_diag("lookup %lu of a line whose create fails", n);
				EXPECT_RET(ret, ENOENT);
				break;
			}
			ret = tu_line_open(ctl, 0, name, 0);
			if (ret != -ENOENT) {
				tap_diag("open %lu of a line whose create fails", n);
				EXPECT_RET(ret, ENOENT);
				break;
			}
			n++;
		}
		EXPECT_GT(n, 0);
		tap_child_exit();
	}
	tu_wait_ok(failer);
	tu_wait_ok(other);

	deadline = tu_now_ns() + RACE_NS;
	failer = tu_fork();
	if (!failer) {
		int ret;

		no_more_fds();
		while (tu_now_ns() < deadline) {
			ret = tu_line_create(ctl, name, 0666, 0, NULL);
			/* The other creator's line may hold the name. */
			if (ret != -EMFILE && ret != -EEXIST) {
				EXPECT_RET(ret, EMFILE);
				break;
			}
		}
		tap_child_exit();
	}
	other = tu_fork();
	if (!other) {
		unsigned long n = 0;
		int ret;

		while (tu_now_ns() < deadline) {
			ret = tu_line_create(ctl, name, 0666, 0, NULL);
			if (ret < 0) {
				tap_diag("create %lu of a name whose other creator fails", n);
				EXPECT_OK(ret);
				break;
			}
			close(ret);
			n++;
		}
		EXPECT_GT(n, 0);
		tap_child_exit();
	}
	tu_wait_ok(failer);
	tu_wait_ok(other);
	close(ctl);
}

/* ---- 11. Time namespaces --------------------------------------------- */

#define TIMENS_OFFSET_S	1000ULL
#define NSEC		1000000000ULL

/*
 * timestamp_ns is CLOCK_MONOTONIC in the time namespace of the register's
 * creator, for line records and META records alike.
 */
static void test_timens_timestamps(void)
{
	char off[64];
	int ctl, owner, ret;
	uint64_t id, t_root;
	struct peer g;
	pid_t t;

	need_root();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));

	/* The socketpair is made here so that G can talk to the case. */
	if (peer_fork(&g)) {
		/* The case process alone holds the line open. */
		close(owner);
		/* T: the namespace is for its children. */
		if (unshare(CLONE_NEWTIME)) {
			if (errno == EINVAL)
				tap_skip("no time namespaces (CLONE_NEWTIME)");
			tap_diag("unshare(CLONE_NEWTIME): %s",
				 tap_errname(errno));
			tap_abort();
		}
		snprintf(off, sizeof(off), "monotonic %llu 0", TIMENS_OFFSET_S);
		ret = tu_write_str("/proc/self/timens_offsets", off);
		if (ret) {
			tap_diag("timens_offsets: %s", tap_errname(-ret));
			tap_abort();
		}
		t = tu_fork();
		if (!t) {
			const struct eventline_record *rec;
			uint64_t before, after, t0;
			struct tu_reader r;
			int reg;

			before = tu_now_ns();
			reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
			ASSERT_OK(tu_subscribe(reg, id, NULL));
			msg_send(g.s, before, -1);
			t0 = msg_recv(g.s, NULL);
			tu_reader_init(&r, reg, 4096);
			rec = next_rec(&r);
			after = tu_now_ns();
			tu_check_line_record(rec, id, 1, 1, NULL, 0);
			EXPECT_GE(rec->timestamp_ns, before);
			EXPECT_LE(rec->timestamp_ns, after);
			/* And well ahead of the poster's own clock. */
			EXPECT_GT(rec->timestamp_ns,
				  t0 + (TIMENS_OFFSET_S - 100) * NSEC);
			/* META records too: LINE_CLOSED. */
			msg_send(g.s, 0, -1);
			before = after;
			rec = next_rec(&r);
			after = tu_now_ns();
			tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, id);
			EXPECT_GE(rec->timestamp_ns, before);
			EXPECT_LE(rec->timestamp_ns, after);
			tu_reader_fini(&r);
			tap_child_exit();
		}
		tu_wait_ok(t);
		tap_child_exit();
	}
	/* G's clock must be the offset one, or the case proves nothing. */
	t_root = tu_now_ns();
	EXPECT_GT(peer_recv(&g, NULL), t_root + (TIMENS_OFFSET_S - 100) * NSEC);
	t_root = tu_now_ns();
	EXPECT_OK(tu_post(owner, 1, NULL, 0, NULL));
	msg_send(g.s, t_root, -1);
	peer_recv(&g, NULL);
	close(owner);
	tu_wait_ok(g.pid);
	close(ctl);
}

/* ---- 12. GET_INFO ---------------------------------------------------- */

static void check_param(const char *param, uint32_t val)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), PARAM_DIR "%s", param);
	if (tu_read_ll(path, &v)) {
		tap_diag("cannot read %s", path);
		tap_fail();
		return;
	}
	if (v != val) {
		tap_diag("GET_INFO %s is %u, the parameter %lld", param, val,
			 v);
		tap_fail();
	}
}

static void test_get_info(void)
{
	struct eventline_info info;
	int ctl = tu_open_ctl();

	/*
	 * Output fields, __reserved included, are ignored on input.  (Only
	 * those of this security model's version: a kernel that predates
	 * later fields would rightly refuse a non-zero tail with -E2BIG.)
	 */
	memset(&info, 0, sizeof(info));
	memset(&info, 0xa5, offsetof(struct eventline_info, owner_reserved_subs) +
	       sizeof(info.owner_reserved_subs));
	info.size = sizeof(info);
	info.flags = 0;
	ASSERT_EQ(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info), 0);
	EXPECT_EQ(info.size, sizeof(info));
	EXPECT_EQ(info.__reserved, 0);
	EXPECT_EQ(info.api_version, EVENTLINE_API_VERSION);
	EXPECT_EQ(info.record_size, sizeof(struct eventline_record));
	EXPECT_EQ(info.line_open_flags,
		  EVENTLINE_FD_CLOEXEC | EVENTLINE_FD_NONBLOCK |
		  EVENTLINE_REF_OWNER_UID | EVENTLINE_REF_KERNEL_OWNED);
	EXPECT_EQ(info.subscribe_flags,
		  EVENTLINE_REF_OWNER_UID | EVENTLINE_REF_KERNEL_OWNED);
	EXPECT_NE(info.max_registers_per_user, 0);
	EXPECT_NE(info.max_posters_per_user, 0);
	EXPECT_NE(info.max_subs_per_user, 0);
	EXPECT_LE(info.max_subs_per_user, info.max_registers_per_line);
	EXPECT_LE(info.owner_reserved_subs, info.max_registers_per_line);
	check_param("max_lines_per_user", info.max_lines_per_user);
	check_param("max_registers_per_line", info.max_registers_per_line);
	check_param("max_registers_per_user", info.max_registers_per_user);
	check_param("max_posters_per_user", info.max_posters_per_user);
	check_param("max_subs_per_user", info.max_subs_per_user);
	check_param("owner_reserved_subs", info.owner_reserved_subs);

	/* flags is input: still checked. */
	info.flags = 1;
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info), EINVAL);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_userns_scoping),
	TAP_TEST(test_no_existence_oracle),
	TAP_TEST_TIMEOUT(test_ids_increase, 60),
	TAP_TEST(test_line_info),
	TAP_TEST(test_expected_owner),
	TAP_TEST(test_reserved_names),
	TAP_TEST(test_umask),
	TAP_TEST_TIMEOUT(test_fair_shares, 180),
	TAP_TEST(test_list_and_evict),
	TAP_TEST_TIMEOUT(test_user_limits, 180),
	TAP_TEST_TIMEOUT(test_user_limits_hierarchy, 60),
	TAP_TEST_TIMEOUT(test_create_publishes_last, 60),
	TAP_TEST(test_timens_timestamps),
	TAP_TEST(test_get_info),
};

TAP_MAIN(tests)
