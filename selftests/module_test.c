// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - the module cannot be unloaded from under open fds, its
 * parameters agree with what GET_INFO reports, every parameter outside its
 * range stops the load, and create_gid restricts who creates lines.
 *
 * Every eventline fd (control, line owner, poster, register) must pin the
 * module: if one did not, rmmod would free the code its file operations
 * point into and the next close() would jump into freed memory.
 *
 * The kernel's delete_module() refuses a module in use with
 * -EWOULDBLOCK (== EAGAIN), not -EBUSY: kernel/module/main.c,
 * try_stop_module().  The VM runner does the real rmmod after all tests.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#define MOD_NAME	"eventline"
#define MOD_SYSFS	"/sys/module/" MOD_NAME

static void need_module(void)
{
	close(tu_open_ctl());
	if (access(MOD_SYSFS, F_OK))
		tap_skip(MOD_SYSFS " missing (module built in or renamed?)");
	if (geteuid() != 0)
		tap_skip("needs root");
}

static long read_sysfs_ulong(const char *path)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return strtol(buf, NULL, 0);
}

static long refcnt(void)
{
	long r = read_sysfs_ulong(MOD_SYSFS "/refcnt");

	ASSERT_GE(r, 0);
	return r;
}

static void expect_unload_refused(void)
{
	EXPECT_ERRNO(syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK),
		     EWOULDBLOCK);
	/* and it is still there and working */
	EXPECT_EQ(access(MOD_SYSFS, F_OK), 0);
}

static void test_unload_refused_ctl(void)
{
	int ctl;

	need_module();
	ctl = tu_open_ctl();
	expect_unload_refused();
	close(ctl);
}

/*
 * Each kind of fd alone, with every other fd closed: each must hold its
 * own reference on the module.
 */
static void test_unload_refused_each_fd(void)
{
	int ctl, owner, poster, reg, fd;
	const char *what;
	uint64_t id;
	long base;
	int kind;

	need_module();
	for (kind = 0; kind < 3; kind++) {
		ctl = tu_open_ctl();
		owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
		poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		ASSERT_OK(tu_subscribe(reg, id, NULL));
		close(ctl);
		switch (kind) {
		case 0:
			what = "line owner";
			fd = owner;
			close(poster);
			close(reg);
			break;
		case 1:
			what = "poster";
			fd = poster;
			close(reg);
			close(owner);
			break;
		default:
			what = "register";
			fd = reg;
			close(poster);
			close(owner);
			break;
		}
		base = refcnt();
		if (base < 1) {
			tap_diag("only a %s fd open, refcnt %ld", what, base);
			tap_fail();
		}
		expect_unload_refused();
		close(fd);
	}
}

/* Every reference taken is given back: the count returns to where it was. */
static void test_refcnt_balanced(void)
{
	long before, during, after = -1;
	int ctl, owner, poster, reg, i;
	uint64_t id;

	need_module();
	before = refcnt();
	ctl = tu_open_ctl();
	owner = ASSERT_OK(tu_line_create(ctl, NULL, 0666, 0, &id));
	poster = ASSERT_OK(tu_line_open(ctl, id, NULL, 0));
	reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
	ASSERT_OK(tu_subscribe(reg, id, NULL));
	ASSERT_OK(tu_post(poster, 1, "x", 1, NULL));
	during = refcnt();
	EXPECT_GT(during, before);
	close(owner);
	close(poster);
	close(reg);
	close(ctl);

	/* Frees may be deferred (RCU); give them a bounded moment. */
	for (i = 0; i < 200; i++) {
		after = refcnt();
		if (after == before)
			break;
		tu_msleep(10);
	}
	EXPECT_EQ(after, before);
}

static void expect_param(const char *name, uint32_t info_value)
{
	char path[128];
	long v;

	snprintf(path, sizeof(path), MOD_SYSFS "/parameters/%s", name);
	v = read_sysfs_ulong(path);
	if (v == -ENOENT) {
		tap_diag("%s: no such parameter", name);
		return;
	}
	if (v != (long)info_value) {
		tap_diag("parameter %s is %ld, GET_INFO says %u", name, v,
			 info_value);
		tap_fail();
	}
}

/* The limits GET_INFO reports are the module's parameters. */
static void test_params_match_info(void)
{
	struct eventline_info info;

	need_module();
	if (access(MOD_SYSFS "/parameters", F_OK))
		tap_skip("module has no parameters directory");
	tu_info(&info);
	expect_param("max_lines_per_user", info.max_lines_per_user);
	expect_param("max_registers_per_line", info.max_registers_per_line);
	expect_param("max_payload", info.max_payload);
	expect_param("max_queue_len", info.max_queue_len);
	expect_param("default_queue_len", info.default_queue_len);
}

/* Unloading needs CAP_SYS_MODULE; nobody gets -EPERM, even when idle. */
static void test_unload_unprivileged(void)
{
	pid_t pid;

	need_module();
	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_ERRNO(syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK),
			     EPERM);
		tap_child_exit();
	}
	tu_wait_ok(pid);
	EXPECT_EQ(access(MOD_SYSFS, F_OK), 0);
}

/* Where the VM runner puts the module it loaded. */
#define MOD_FILE	"/eventline.ko"

/* finit_module() of MOD_FILE with @params: 0 or -errno. */
static int load_module(const char *params)
{
	int fd = open(MOD_FILE, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0))
		err = -errno;
	close(fd);
	return err;
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, MOD_NAME, O_NONBLOCK) ? -errno : 0;
}

/*
 * Run @fn in a child with the module unloaded; whatever the child did,
 * the module is loaded again with its defaults afterwards, for the tests
 * and the runner's rmmod that come after.
 */
static void with_module_reloaded(void (*fn)(void))
{
	pid_t pid;

	need_module();
	if (access(MOD_FILE, R_OK))
		tap_skip(MOD_FILE " missing (not in the VM runner)");
	ASSERT_EQ(unload_module(), 0);
	pid = tu_fork();
	if (!pid) {
		fn();
		tap_child_exit();
	}
	tu_wait_ok(pid);
	if (access(MOD_SYSFS, F_OK))
		ASSERT_EQ(load_module(""), 0);
	else if (read_sysfs_ulong(MOD_SYSFS "/parameters/create_gid") != -1)
		ASSERT_TRUE(unload_module() == 0 && load_module("") == 0);
}

/* Every parameter outside its documented range stops the load. */
static void params_out_of_range(void)
{
	static const char *const bad[] = {
		"max_lines_per_user=0", "max_lines_per_user=1048577",
		"max_registers_per_user=0", "max_posters_per_user=0",
		"max_registers_per_line=0", "max_registers_per_line=65537",
		"max_subs_per_user=0", "max_subs_per_user=1025",
		"owner_reserved_subs=1025", "max_payload=1048577",
		"max_queue_len=0", "default_queue_len=0",
		"default_queue_len=65537", "max_ring_size=65535",
		"max_ring_size=98304", "priority_ceiling=1001",
		"priority_ceiling=-1001", "demote_overflows=0", "max_depth=0",
		"max_depth=65", "choke_percent=0", "choke_percent=101",
		"choke_msec=0", "choke_msec=60001", "create_gid=-2",
	};
	static const char *const edges[] = {
		"max_payload=0", "owner_reserved_subs=1024 max_subs_per_user=1024",
		"priority_ceiling=-1000 max_depth=64 choke_percent=100",
	};
	unsigned int i;

	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		int err = load_module(bad[i]);

		if (!err) {
			tap_diag("%s loaded", bad[i]);
			unload_module();
		}
		EXPECT_EQ(err, -EINVAL);
		EXPECT_NE(access(MOD_SYSFS, F_OK), 0);
	}
	for (i = 0; i < TU_ARRAY_SIZE(edges); i++) {
		EXPECT_EQ(load_module(edges[i]), 0);
		EXPECT_EQ(unload_module(), 0);
	}
}

static void test_params_checked_at_load(void)
{
	with_module_reloaded(params_out_of_range);
}

#define CREATE_GID	4242

/* With create_gid, only its members and CAP_SYS_ADMIN create lines. */
static void create_gid_only(void)
{
	const gid_t group = CREATE_GID;
	int ctl, fd;
	pid_t pid;

	ASSERT_EQ(load_module("create_gid=4242"), 0);
	ctl = tu_open_ctl();
	fd = EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL));
	close(fd);

	pid = tu_fork();
	if (!pid) {
		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		EXPECT_RET(tu_line_create(ctl, NULL, 0600, 0, NULL), EPERM);
		/* Registers are not lines: still allowed. */
		close(EXPECT_OK(tu_register_create(ctl, 0, 0)));
		tap_child_exit();
	}
	tu_wait_ok(pid);

	pid = tu_fork();
	if (!pid) {
		ASSERT_SYSOK(setgroups(1, &group));
		ASSERT_SYSOK(setgid(TU_NOBODY));
		ASSERT_SYSOK(setuid(TU_NOBODY));
		close(EXPECT_OK(tu_line_create(ctl, NULL, 0600, 0, NULL)));
		tap_child_exit();
	}
	tu_wait_ok(pid);
	close(ctl);
}

static void test_create_gid(void)
{
	with_module_reloaded(create_gid_only);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_unload_refused_ctl),
	TAP_TEST(test_unload_refused_each_fd),
	TAP_TEST(test_refcnt_balanced),
	TAP_TEST(test_params_match_info),
	TAP_TEST(test_unload_unprivileged),
	/* Last: they unload the module and load it again. */
	TAP_TEST(test_params_checked_at_load),
	TAP_TEST(test_create_gid),
};

TAP_MAIN(tests)
