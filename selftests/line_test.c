// SPDX-License-Identifier: GPL-2.0
/*
 * line_test - creating, naming, opening and closing lines; line
 * permissions and the per-user line limit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

static void need_root(void)
{
	if (geteuid() != 0)
		tap_skip("needs root to switch users");
}

/* A name no other test (or earlier run) uses. */
static const char *uniq_name(const char *tag)
{
	static char name[EVENTLINE_NAME_MAX];

	snprintf(name, sizeof(name), "line_test.%s.%d", tag, getpid());
	return name;
}

static void test_create_anonymous(void)
{
	int ctl = tu_open_ctl();
	uint64_t id1 = 0, id2 = 0;
	int l1, l2;

	l1 = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id1));
	l2 = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id2));
	EXPECT_NE(l1, l2);
	EXPECT_NE(id1, 0);
	EXPECT_NE(id2, 0);
	EXPECT_NE(id1, id2);
	/* Anonymous lines are found by id. */
	EXPECT_OK(tu_subscribe(ASSERT_OK(tu_register_create(ctl, 0, 0)),
			       id1, NULL));
	close(l1);
	close(l2);
	close(ctl);
}

static void test_create_named(void)
{
	struct eventline_line_ref ref = { .size = sizeof(ref) };
	const char *name = uniq_name("named");
	int ctl = tu_open_ctl();
	uint64_t id = 0;
	int owner, poster;

	owner = ASSERT_OK(tu_line_create(ctl, name, 0666, 0, &id));
	EXPECT_NE(id, 0);

	/* LINE_OPEN by name hands back the id it found. */
	strcpy(ref.name, name);
	poster = ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_LINE_OPEN, &ref));
	EXPECT_EQ(ref.id, id);
	close(poster);

	/* and by id */
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	ref.id = id;
	poster = ASSERT_OK(tu_ioctl(ctl, EVENTLINE_IOC_LINE_OPEN, &ref));
	EXPECT_EQ(ref.id, id);
	close(poster);

	/* SUBSCRIBE by name reports the id too. */
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	strcpy(ref.name, name);
	EXPECT_OK(tu_ioctl(ASSERT_OK(tu_register_create(ctl, 0, 0)),
			   EVENTLINE_IOC_SUBSCRIBE, &ref));
	EXPECT_EQ(ref.id, id);
	close(owner);
	close(ctl);
}

static void test_name_collision(void)
{
	const char *name = uniq_name("collide");
	int ctl = tu_open_ctl();
	uint64_t id1, id2;
	int owner, dup_fd;

	owner = ASSERT_OK(tu_line_create(ctl, name, 0600, 0, &id1));
	EXPECT_RET(tu_line_create(ctl, name, 0600, 0, NULL), EEXIST);
	/* Another control fd is no different. */
	EXPECT_RET(tu_line_create(tu_open_ctl(), name, 0600, 0, NULL), EEXIST);

	/* The line, and its name, live as long as any dup of the owner fd. */
	dup_fd = ASSERT_SYSOK(dup(owner));
	close(owner);
	EXPECT_RET(tu_line_create(ctl, name, 0600, 0, NULL), EEXIST);
	close(dup_fd);

	/* Once the owner is gone the name is free again, with a new id. */
	owner = ASSERT_OK(tu_line_create(ctl, name, 0600, 0, &id2));
	EXPECT_NE(id1, id2);
	close(owner);
	close(ctl);
}

/* Names are unique per user namespace, not per user. */
static void test_name_collision_other_user(void)
{
	const char *name = uniq_name("xuser");
	int ctl = tu_open_ctl();
	int owner;
	pid_t pid;

	need_root();
	owner = ASSERT_OK(tu_line_create(ctl, name, 0600, 0, NULL));
	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_RET(tu_line_create(ctl, name, 0666, 0, NULL), EEXIST);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(owner);
}

static void test_good_names(void)
{
	char longest[EVENTLINE_NAME_MAX];
	const char *names[] = {
		"a", "~", "org.example/x:y-1_2@host", "!\"#$%&'()*+,-./:;<=>?[]^`{|}",
		longest,
	};
	int ctl = tu_open_ctl();
	size_t i;

	/* 63 characters and the NUL: the longest name there is. */
	memset(longest, 'n', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	memcpy(longest, uniq_name("long"), strlen(uniq_name("long")));

	for (i = 0; i < TU_ARRAY_SIZE(names); i++) {
		uint64_t id;
		int owner = tu_line_create(ctl, names[i], 0600, 0, &id);

		if (owner < 0) {
			tap_diag("name \"%s\": %s", names[i],
				 tap_errname(-owner));
			tap_fail();
			continue;
		}
		/* The name finds the same line. */
		EXPECT_OK(tu_line_open(ctl, 0, names[i], 0));
		EXPECT_OK(tu_subscribe(ASSERT_OK(tu_register_create(ctl, 0, 0)),
				       0, names[i]));
		close(owner);
	}
	close(ctl);
}

/* "printable, non-blank ASCII": no blanks, controls or bytes >= 0x80. */
static void test_bad_names(void)
{
	struct eventline_line_create lc;
	static const char *const bad[] = {
		"has space", " lead", "trail ", "tab\there", "nl\n", "bell\a",
		"del\x7f", "hi\x80", "latin\xe9", "\xff",
	};
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		unsigned int fails = tap_fail_count();
		char shown[64] = "";
		const char *s;

		EXPECT_RET(tu_line_create(ctl, bad[i], 0600, 0, NULL), EINVAL);
		EXPECT_RET(tu_line_open(ctl, 0, bad[i], 0), EINVAL);
		EXPECT_RET(tu_subscribe(ASSERT_OK(tu_register_create(ctl, 0, 0)),
					0, bad[i]), EINVAL);
		if (tap_fail_count() == fails)
			continue;
		for (s = bad[i]; *s && strlen(shown) < sizeof(shown) - 5; s++)
			snprintf(shown + strlen(shown), 5,
				 *s > 0x20 && *s < 0x7f ? "%c" : "\\x%02x",
				 (unsigned char)*s);
		tap_diag("    ^ for the name \"%s\"", shown);
	}

	/* 64 bytes with no NUL among them. */
	memset(&lc, 0, sizeof(lc));
	lc.size = sizeof(lc);
	lc.mode = 0600;
	memset(lc.name, 'x', sizeof(lc.name));
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_LINE_CREATE, &lc), EINVAL);
	close(ctl);
}

static void test_bad_mode(void)
{
	static const uint32_t bad[] = {
		0700, 0070, 0007, 0111, 0777, 01000, 01666, 02666, 04666,
		0100000, 0xffffffffu,
	};
	static const uint32_t good[] = { 0, 0666, 0600, 0444, 0222, 0640 };
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		int ret = tu_line_create(ctl, NULL, bad[i], 0, NULL);

		if (ret != -EINVAL) {
			tap_diag("mode %#o: expected -EINVAL, got %d", bad[i],
				 ret);
			tap_fail();
			if (ret >= 0)
				close(ret);
		}
	}
	for (i = 0; i < TU_ARRAY_SIZE(good); i++) {
		int ret = tu_line_create(ctl, NULL, good[i], 0, NULL);

		if (ret < 0) {
			tap_diag("mode %#o: %s", good[i], tap_errname(-ret));
			tap_fail();
		} else {
			close(ret);
		}
	}
	close(ctl);
}

/* LINE_OPEN / SUBSCRIBE / UNSUBSCRIBE line references. */
static void test_line_ref_errors(void)
{
	struct eventline_line_ref ref;
	const char *name = uniq_name("ref");
	int ctl = tu_open_ctl();
	int reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	uint64_t id;
	int owner;
	unsigned int i;
	static const unsigned long cmds[] = {
		EVENTLINE_IOC_LINE_OPEN, EVENTLINE_IOC_SUBSCRIBE,
	};

	owner = ASSERT_OK(tu_line_create(ctl, name, 0666, 0, &id));

	for (i = 0; i < TU_ARRAY_SIZE(cmds); i++) {
		int fd = cmds[i] == EVENTLINE_IOC_LINE_OPEN ? ctl : reg;

		/* both id and name */
		memset(&ref, 0, sizeof(ref));
		ref.size = sizeof(ref);
		ref.id = id;
		strcpy(ref.name, name);
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), EINVAL);

		/* neither */
		memset(&ref, 0, sizeof(ref));
		ref.size = sizeof(ref);
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), EINVAL);

		/* unterminated name */
		memset(ref.name, 'q', sizeof(ref.name));
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), EINVAL);

		/* no such id, no such name */
		memset(&ref, 0, sizeof(ref));
		ref.size = sizeof(ref);
		ref.id = id + 1000000;
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), ENOENT);
		ref.id = ~0ULL;
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), ENOENT);
		ref.id = 0;
		strcpy(ref.name, "line_test.no.such.name");
		EXPECT_RET(tu_ioctl(fd, cmds[i], &ref), ENOENT);
	}

	/* UNSUBSCRIBE takes an id only. */
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	strcpy(ref.name, name);
	EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &ref), EINVAL);
	ref.id = id;
	EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &ref), EINVAL);
	memset(&ref, 0, sizeof(ref));
	ref.size = sizeof(ref);
	EXPECT_RET(tu_ioctl(reg, EVENTLINE_IOC_UNSUBSCRIBE, &ref), EINVAL);
	/* still subscribed after all that */
	EXPECT_RET(tu_subscribe(reg, id, NULL), EEXIST);
	EXPECT_OK(tu_unsubscribe(reg, id));
	EXPECT_RET(tu_unsubscribe(reg, id), ENOENT);
	EXPECT_RET(tu_unsubscribe(reg, id + 1000000), ENOENT);
	close(owner);
	close(ctl);
}

/* A closed line cannot be found any more, by id or by name. */
static void test_closed_line_gone(void)
{
	const char *name = uniq_name("gone");
	int ctl = tu_open_ctl();
	int reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	uint64_t id;

	close(ASSERT_OK(tu_line_create(ctl, name, 0666, 0, &id)));
	EXPECT_RET(tu_line_open(ctl, id, NULL, 0), ENOENT);
	EXPECT_RET(tu_line_open(ctl, 0, name, 0), ENOENT);
	EXPECT_RET(tu_subscribe(reg, id, NULL), ENOENT);
	EXPECT_RET(tu_subscribe(reg, 0, name), ENOENT);
	close(ctl);
}

/*
 * Ids come from one counter and are never reused: each line created after
 * another, even after that one closed, has a larger id.
 */
static void test_ids_not_reused(void)
{
	int ctl = tu_open_ctl();
	uint64_t ids[64];
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(ids); i++) {
		close(ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &ids[i])));
		EXPECT_NE(ids[i], 0);
		if (i && ids[i] <= ids[i - 1]) {
			tap_diag("id %llu after %llu",
				 (unsigned long long)ids[i],
				 (unsigned long long)ids[i - 1]);
			tap_fail();
		}
	}
	close(ctl);
}

static void check_fd_flags(int fd, bool cloexec, bool nonblock)
{
	int fdfl = fcntl(fd, F_GETFD), fl = fcntl(fd, F_GETFL);

	ASSERT_GE(fdfl, 0);
	EXPECT_EQ(!!(fdfl & FD_CLOEXEC), cloexec);
	EXPECT_EQ(!!(fl & O_NONBLOCK), nonblock);
}

/* EVENTLINE_FD_* on every call that returns an fd. */
static void test_fd_flags(void)
{
	int ctl = tu_open_ctl();
	uint64_t id;
	unsigned int f;

	for (f = 0; f < 4; f++) {
		bool ce = f & EVENTLINE_FD_CLOEXEC, nb = f & EVENTLINE_FD_NONBLOCK;
		int owner, poster, reg;

		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, f, &id));
		check_fd_flags(owner, ce, nb);
		poster = ASSERT_OK(tu_line_open(ctl, id, NULL, f));
		check_fd_flags(poster, ce, nb);
		reg = ASSERT_OK(tu_register_create(ctl, 0, f));
		check_fd_flags(reg, ce, nb);
		close(reg);
		close(poster);
		close(owner);
	}
	close(ctl);
}

/* The owner fd is shared by fork like any file: the line outlives the parent's copy. */
static void test_owner_shared_by_fork(void)
{
	int ctl = tu_open_ctl();
	int reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	unsigned char rec[TU_REC_SIZE(0)];
	int owner, go[2];
	uint64_t id, seq;
	pid_t pid;

	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	ASSERT_SYSOK(pipe(go));
	pid = tu_fork();
	if (!pid) {
		char c;

		close(go[1]);
		/* wait for the parent to drop its copy, then post */
		ASSERT_EQ(read(go[0], &c, 1), 0);
		EXPECT_OK(tu_post(owner, 3, NULL, 0, NULL));
		tap_child_exit();
	}
	close(go[0]);
	close(owner);
	close(go[1]);
	tu_wait_ok(pid);
	/* the child's post arrived; the line closed when the child exited */
	ASSERT_EQ(tu_read_exact(reg, rec, 0), TU_REC_SIZE(0));
	EXPECT_EQ(((struct eventline_record *)rec)->category, EVENTLINE_CAT_LINE);
	EXPECT_EQ(((struct eventline_record *)rec)->pid, pid);
	seq = ((struct eventline_record *)rec)->seq;
	EXPECT_EQ(seq, 1);
	ASSERT_EQ(tu_read_exact(reg, rec, 0), TU_REC_SIZE(0));
	tu_check_meta_record((void *)rec, EVENTLINE_META_LINE_CLOSED, id);
	close(ctl);
}

/*
 * Mode bits, like a file's: read lets a process subscribe, write lets it
 * open the line for posting.  @uid/@gid is who the helper runs as;
 * @want_open and @want_subscribe the errno expected, 0 for success: ENOENT
 * when the mode grants the helper neither (the line is not revealed),
 * EACCES when it grants only the other one.
 */
static void check_access(uint64_t id, uid_t uid, gid_t gid,
			 int want_open, int want_subscribe)
{
	/*
	 * Open the device as root: what is checked is the line's mode,
	 * not the device node's.
	 */
	int ctl = tu_open_ctl();
	pid_t pid = tu_fork();

	if (!pid) {
		int reg, ret;

		tu_drop_privs(uid, gid);
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));

		ret = tu_line_open(ctl, id, NULL, 0);
		if (want_open) {
			EXPECT_RET(ret, want_open);
		} else {
			EXPECT_OK(ret);
			if (ret >= 0)
				EXPECT_OK(tu_post(ret, 1, "x", 1, NULL));
		}
		ret = tu_subscribe(reg, id, NULL);
		if (want_subscribe)
			EXPECT_RET(ret, want_subscribe);
		else
			EXPECT_OK(ret);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

static void test_perm_other(void)
{
	int ctl = tu_open_ctl();
	uint64_t id;
	int l;

	need_root();
	/* r for others: subscribe yes, post no */
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0644, 0, &id));
	check_access(id, TU_NOBODY, TU_NOBODY, EACCES, 0);
	close(l);

	/* nothing for others: as if there were no such line */
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
	check_access(id, TU_NOBODY, TU_NOBODY, ENOENT, ENOENT);
	close(l);

	/* w only for others: post yes, subscribe no */
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0622, 0, &id));
	check_access(id, TU_NOBODY, TU_NOBODY, 0, EACCES);
	close(l);

	/* rw for others */
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	check_access(id, TU_NOBODY, TU_NOBODY, 0, 0);
	close(l);
	close(ctl);
}

/* The owner is the creator's fsuid/fsgid; group bits apply to the group. */
static void test_perm_group(void)
{
	int ctl = tu_open_ctl();
	uint64_t id;
	int l;

	need_root();
	/* Create as root but with fsgid nobody: the line's group is nobody. */
	setfsgid(TU_NOBODY);
	ASSERT_EQ(setfsgid(-1), TU_NOBODY);
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0060, 0, &id));
	setfsgid(0);

	check_access(id, TU_OTHER, TU_NOBODY, 0, 0);		/* group */
	check_access(id, TU_OTHER, TU_OTHER, ENOENT, ENOENT);	/* other */
	close(l);

	/* Read for the group only: the group may not post, others see nothing. */
	setfsgid(TU_NOBODY);
	ASSERT_EQ(setfsgid(-1), TU_NOBODY);
	l = ASSERT_OK(tu_line_create(ctl, NULL, 0640, 0, &id));
	setfsgid(0);
	check_access(id, TU_OTHER, TU_NOBODY, EACCES, 0);	/* group */
	check_access(id, TU_OTHER, TU_OTHER, ENOENT, ENOENT);	/* other */
	close(l);
	close(ctl);
}

/* A line created by an unprivileged user is owned by that user. */
static void test_perm_owner(void)
{
	int ctl = tu_open_ctl();
	int go[2], back[2];
	uint64_t id;
	pid_t pid;

	need_root();
	ASSERT_SYSOK(pipe(go));
	ASSERT_SYSOK(pipe(back));
	pid = tu_fork();
	if (!pid) {
		char c;
		int l;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		l = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
		ASSERT_EQ(write(back[1], &id, sizeof(id)), sizeof(id));
		/* keep the line open until the parent is done */
		ASSERT_EQ(read(go[0], &c, 1), 1);
		close(l);
		tap_child_exit();
	}
	ASSERT_EQ(read(back[0], &id, sizeof(id)), sizeof(id));
	check_access(id, TU_NOBODY, TU_NOBODY, 0, 0);		/* owner */
	check_access(id, TU_OTHER, TU_NOBODY, ENOENT, ENOENT);	/* group */
	check_access(id, TU_OTHER, TU_OTHER, ENOENT, ENOENT);	/* other */
	ASSERT_EQ(write(go[1], "x", 1), 1);
	tu_wait_ok(pid);
	close(ctl);
}

/*
 * max_lines_per_user: as nobody, create lines until -EDQUOT; exactly the
 * limit fits.  Root's lines are not counted against nobody, and closing
 * one line makes room for one more.
 */
static void test_lines_per_user_limit(void)
{
	struct eventline_info info;
	int ctl = tu_open_ctl();
	unsigned int i, max;
	int root_lines[4];
	pid_t pid;

	need_root();
	tu_get_info(ctl, &info);
	max = info.max_lines_per_user;
	if (max > 16384)
		tap_skip("max_lines_per_user %u is too many to reach here", max);
	tu_raise_nofile(max + 64);

	/* Root owns a few lines meanwhile; they must not count for nobody. */
	for (i = 0; i < TU_ARRAY_SIZE(root_lines); i++)
		root_lines[i] = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0,
							 NULL));

	pid = tu_fork();
	if (!pid) {
		int *fds = calloc(max, sizeof(*fds));
		int ctl2 = tu_open_ctl();
		int again;

		ASSERT_TRUE(fds != NULL);
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		for (i = 0; i < max; i++) {
			fds[i] = tu_line_create(ctl, NULL, 0600, 0, NULL);
			if (fds[i] < 0) {
				tap_diag("line %u of %u: %s", i + 1, max,
					 tap_errname(-fds[i]));
				tap_abort();
			}
		}
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		/* The limit is per user, not per fd: a new ctl fd is no way out. */
		EXPECT_RET(tu_line_create(ctl2, NULL, 0600, 0, NULL), EDQUOT);
		/* A failed create must not leak a count either: still full. */
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);

		close(fds[max / 2]);
		again = tu_line_create(ctl, NULL, 0600, 0, NULL);
		EXPECT_OK(again);
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EDQUOT);
		tap_child_exit();
	}
	tu_wait_ok(pid);

	/* All of nobody's lines went with the helper: room again. */
	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

/* Posting through a poster fd of a 0666 line created by someone else. */
static void test_poster_from_other_user(void)
{
	unsigned char buf[TU_REC_SIZE(4)];
	struct eventline_record *rec = (void *)buf;
	int ctl = tu_open_ctl();
	int reg = ASSERT_OK(tu_register_create(ctl, 0, EVENTLINE_FD_NONBLOCK));
	uint64_t id;
	int owner;
	pid_t pid;

	need_root();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	pid = tu_fork();
	if (!pid) {
		int poster;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
		EXPECT_OK(tu_post(poster, 9, "abcd", 4, NULL));
		tap_child_exit();
	}
	tu_wait_ok(pid);
	ASSERT_EQ(tu_read_exact(reg, buf, 4), TU_REC_SIZE(4));
	tu_check_line_record(rec, id, 9, 1, "abcd", 4);
	/* The record names the poster, not the line's owner. */
	EXPECT_EQ(rec->uid, TU_NOBODY);
	EXPECT_EQ(rec->pid, pid);
	close(owner);
	close(ctl);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_create_anonymous),
	TAP_TEST(test_create_named),
	TAP_TEST(test_name_collision),
	TAP_TEST(test_name_collision_other_user),
	TAP_TEST(test_good_names),
	TAP_TEST(test_bad_names),
	TAP_TEST(test_bad_mode),
	TAP_TEST(test_line_ref_errors),
	TAP_TEST(test_closed_line_gone),
	TAP_TEST(test_ids_not_reused),
	TAP_TEST(test_fd_flags),
	TAP_TEST(test_owner_shared_by_fork),
	TAP_TEST(test_perm_other),
	TAP_TEST(test_perm_group),
	TAP_TEST(test_perm_owner),
	TAP_TEST_TIMEOUT(test_lines_per_user_limit, 60),
	TAP_TEST(test_poster_from_other_user),
};

TAP_MAIN(tests)
