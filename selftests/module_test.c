// SPDX-License-Identifier: GPL-2.0
/*
 * module_test - the module cannot be unloaded from under open fds, and
 * its parameters agree with what GET_INFO reports.
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

static const struct tap_test tests[] = {
	TAP_TEST(test_unload_refused_ctl),
	TAP_TEST(test_unload_refused_each_fd),
	TAP_TEST(test_refcnt_balanced),
	TAP_TEST(test_params_match_info),
	TAP_TEST(test_unload_unprivileged),
};

TAP_MAIN(tests)
