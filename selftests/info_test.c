// SPDX-License-Identifier: GPL-2.0
/*
 * info_test - EVENTLINE_IOC_GET_INFO and the control device itself.
 *
 * GET_INFO is how userspace discovers the module's limits and flags, so
 * every other test trusts it: check that what it reports is consistent
 * with the header, and that it follows the extensible-struct rules.
 * (ioctl_test runs the same size/flags/pointer rules over every ioctl.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

#define PARAM_DIR	"/sys/module/eventline/parameters/"

/* GET_INFO reports module parameter @name as it was loaded. */
static void expect_param(const char *name, long long val)
{
	char path[128];
	long long v;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	if (tu_read_ll(path, &v)) {
		tap_diag("cannot read %s", path);
		tap_fail();
		return;
	}
	if (v != val) {
		tap_diag("GET_INFO %s is %lld, the parameter %lld", name, val,
			 v);
		tap_fail();
	}
}

static void test_info_fields(void)
{
	const uint32_t fd_flags = EVENTLINE_FD_CLOEXEC | EVENTLINE_FD_NONBLOCK;
	const uint32_t ref_flags = EVENTLINE_REF_OWNER_UID |
				   EVENTLINE_REF_KERNEL_OWNED;
	struct eventline_info info;
	int ctl = tu_open_ctl();

	tu_get_info(ctl, &info);

	/* In fields are not rewritten. */
	EXPECT_EQ(info.size, sizeof(info));
	EXPECT_EQ(info.size, 128);
	EXPECT_EQ(info.flags, 0);

	EXPECT_EQ(info.api_version, EVENTLINE_API_VERSION);
	EXPECT_EQ(info.api_version, 3);
	EXPECT_EQ(info.record_size, sizeof(struct eventline_record));
	EXPECT_EQ(info.record_size, EVENTLINE_RECORD_SIZE_VER0);
	EXPECT_EQ(info.categories & (1ULL << EVENTLINE_CAT_META),
		  1ULL << EVENTLINE_CAT_META);
	EXPECT_EQ(info.categories & (1ULL << EVENTLINE_CAT_LINE),
		  1ULL << EVENTLINE_CAT_LINE);
	/* Category 0 does not exist. */
	EXPECT_EQ(info.categories & 1, 0);

	/* Every fd-creating ioctl takes the EVENTLINE_FD_* bits. */
	EXPECT_EQ(info.fd_flags & fd_flags, fd_flags);
	EXPECT_EQ(info.line_create_flags & fd_flags, fd_flags);
	EXPECT_EQ(info.line_open_flags & fd_flags, fd_flags);
	EXPECT_EQ(info.register_flags & fd_flags, fd_flags);
	/* LINE_OPEN and SUBSCRIBE can insist on the line's owner. */
	EXPECT_EQ(info.line_open_flags, fd_flags | ref_flags);
	EXPECT_EQ(info.subscribe_flags, ref_flags);
	/* A parent's depth (nesting) and retained events. */
	EXPECT_EQ(info.post_flags,
		  EVENTLINE_POST_PARENT | EVENTLINE_POST_RETAIN);

	EXPECT_GT(info.max_lines_per_user, 0);
	EXPECT_GT(info.max_registers_per_line, 0);
	EXPECT_GT(info.max_payload, 0);
	EXPECT_GT(info.max_queue_len, 0);
	EXPECT_GT(info.default_queue_len, 0);
	EXPECT_LE(info.default_queue_len, info.max_queue_len);
	EXPECT_EQ(info.name_max, EVENTLINE_NAME_MAX);
	/* Read and write for owner, group, other; no execute bits. */
	EXPECT_EQ(info.line_modes, 0666);
	EXPECT_EQ(info.__reserved, 0);

	/* The per-user limits and the owner's share of each line. */
	EXPECT_GT(info.max_registers_per_user, 0);
	EXPECT_GT(info.max_posters_per_user, 0);
	EXPECT_GT(info.max_subs_per_user, 0);
	EXPECT_LE(info.owner_reserved_subs, info.max_registers_per_line);

	/* The chain: the parameters' values, within their ranges. */
	EXPECT_GE(info.priority_ceiling, EVENTLINE_PRIORITY_MIN);
	EXPECT_LE(info.priority_ceiling, EVENTLINE_PRIORITY_MAX);
	EXPECT_GE(info.demote_overflows, 1);
	expect_param("priority_ceiling", info.priority_ceiling);
	expect_param("demote_overflows", info.demote_overflows);
	expect_param("max_depth", info.max_depth);
	expect_param("stage_timeout_ms", info.stage_timeout_ms);

	tap_diag("limits: lines/user %u, registers/line %u, payload %u, "
		 "queue %u (default %u)", info.max_lines_per_user,
		 info.max_registers_per_line, info.max_payload,
		 info.max_queue_len, info.default_queue_len);
	tap_diag("limits: registers/user %u, posters/user %u, subs/user/line "
		 "%u, owner's reserve %u", info.max_registers_per_user,
		 info.max_posters_per_user, info.max_subs_per_user,
		 info.owner_reserved_subs);
	tap_diag("chain: priority ceiling %d, demoted after %u overflows",
		 info.priority_ceiling, info.demote_overflows);
	close(ctl);
}

/*
 * Out fields, __reserved included, are ignored on input: a caller may
 * reuse a struct a previous call filled, or not zero it at all beyond size
 * and flags, and gets the same answer.
 */
static void test_info_out_fields_ignored(void)
{
	struct eventline_info ref, info;
	int ctl = tu_open_ctl();

	tu_get_info(ctl, &ref);
	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info));
	EXPECT_EQ(memcmp(&info, &ref, sizeof(ref)), 0);
	EXPECT_EQ(info.__reserved, 0);

	/* Only __reserved dirty: still no -EINVAL, and it is written as 0. */
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.__reserved = 1;
	EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info));
	EXPECT_EQ(info.__reserved, 0);
	EXPECT_EQ(memcmp(&info, &ref, sizeof(ref)), 0);

	/* The same for a caller of the first version. */
	memset(&info, 0xa5, sizeof(info));
	info.size = EVENTLINE_INFO_SIZE_VER0;
	info.flags = 0;
	EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info));
	EXPECT_EQ(memcmp((char *)&info + 8, (char *)&ref + 8,
			 EVENTLINE_INFO_SIZE_VER0 - 8), 0);
	close(ctl);
}

/*
 * Callers of the earlier versions get exactly their fields and nothing
 * past them: 96 bytes (API 2), 112 (API 3 before the chain), 120 (the
 * chain, before nesting).
 */
static void test_info_older_callers(void)
{
	const size_t sizes[] = {
		offsetof(struct eventline_info, max_registers_per_user),
		offsetof(struct eventline_info, priority_ceiling),
		offsetof(struct eventline_info, max_depth),
	};
	const size_t want[] = { 96, 112, 120 };
	unsigned char buf[sizeof(struct eventline_info) + 16];
	struct eventline_info *info = (void *)buf, ref;
	int ctl = tu_open_ctl();
	size_t i, k;

	tu_get_info(ctl, &ref);
	for (k = 0; k < TU_ARRAY_SIZE(sizes); k++) {
		size_t v = sizes[k];

		EXPECT_EQ(v, want[k]);
		memset(buf, 0xa5, sizeof(buf));
		memset(buf, 0, v);
		info->size = v;
		EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
		EXPECT_EQ(memcmp((char *)info + 8, (char *)&ref + 8, v - 8), 0);
		for (i = v; i < sizeof(buf); i++) {
			if (buf[i] != 0xa5) {
				tap_diag("size %zu: byte %zu past the caller's "
					 "size was written", v, i);
				tap_fail();
				break;
			}
		}
	}
	close(ctl);
}

/* Two control fds see the same module. */
static void test_info_consistent(void)
{
	struct eventline_info a, b;
	int c1 = tu_open_ctl(), c2 = tu_open_ctl();

	tu_get_info(c1, &a);
	tu_get_info(c2, &b);
	EXPECT_EQ(memcmp(&a, &b, sizeof(a)), 0);
	tu_get_info(c1, &b);
	EXPECT_EQ(memcmp(&a, &b, sizeof(a)), 0);
	close(c1);
	close(c2);
}

static void test_info_short_size(void)
{
	static const uint32_t sizes[] = {
		0, 4, 8, 16, EVENTLINE_INFO_SIZE_VER0 - 8,
		EVENTLINE_INFO_SIZE_VER0 - 1,
	};
	struct eventline_info info;
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizes[i];
		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info),
			   EINVAL);
		/* Nothing written back on failure. */
		EXPECT_EQ(info.api_version, 0);
	}
	close(ctl);
}

/*
 * A caller built against exactly the first version gets its fields and
 * not one byte more.
 */
static void test_info_ver0_no_overrun(void)
{
	unsigned char buf[EVENTLINE_INFO_SIZE_VER0 + 64];
	struct eventline_info *info = (void *)buf;
	int ctl = tu_open_ctl();
	size_t i;

	memset(buf, 0xa5, sizeof(buf));
	memset(buf, 0, EVENTLINE_INFO_SIZE_VER0);
	info->size = EVENTLINE_INFO_SIZE_VER0;
	EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
	EXPECT_EQ(info->api_version, EVENTLINE_API_VERSION);
	for (i = EVENTLINE_INFO_SIZE_VER0; i < sizeof(buf); i++) {
		if (buf[i] != 0xa5) {
			tap_diag("byte %zu past the caller's size was written",
				 i);
			tap_fail();
			break;
		}
	}
	close(ctl);
}

/* A newer caller's struct: bigger, with a zero tail, is fine. */
static void test_info_bigger_zero_tail(void)
{
	struct eventline_info ref;
	unsigned char buf[4096];
	struct eventline_info *info = (void *)buf;
	static const uint32_t sizes[] = {
		sizeof(struct eventline_info) + 8,
		sizeof(struct eventline_info) + 64,
		4096,
	};
	int ctl = tu_open_ctl();
	size_t i, j;

	tu_get_info(ctl, &ref);
	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		memset(buf, 0, sizeof(buf));
		info->size = sizes[i];
		EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
		/* The known part is what a current-size caller gets. */
		info->size = ref.size;
		EXPECT_EQ(memcmp(info, &ref, sizeof(ref)), 0);
		/* The unknown tail is left zero. */
		for (j = sizeof(ref); j < sizes[i]; j++) {
			if (buf[j]) {
				tap_diag("size %u: tail byte %zu is %#x",
					 sizes[i], j, buf[j]);
				tap_fail();
				break;
			}
		}
	}
	close(ctl);
}

/*
 * @size is an "in" field: the kernel reads it and must not rewrite it,
 * whatever the caller's size (a caller may reuse the struct).
 */
static void test_info_size_not_rewritten(void)
{
	unsigned char buf[512];
	struct eventline_info *info = (void *)buf;
	static const uint32_t sizes[] = {
		EVENTLINE_INFO_SIZE_VER0,
		sizeof(struct eventline_info) + 8,
		sizeof(buf),
	};
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		memset(buf, 0, sizeof(buf));
		info->size = sizes[i];
		EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
		EXPECT_EQ(info->size, sizes[i]);
	}
	close(ctl);
}

/* Bigger with anything non-zero the kernel does not know: -E2BIG. */
static void test_info_bigger_nonzero_tail(void)
{
	unsigned char buf[4096];
	struct eventline_info *info = (void *)buf;
	static const struct {
		uint32_t size;
		uint32_t dirty;	/* offset of the non-zero byte */
	} cases[] = {
		{ sizeof(struct eventline_info) + 8,
		  sizeof(struct eventline_info) },
		{ sizeof(struct eventline_info) + 8,
		  sizeof(struct eventline_info) + 7 },
		{ 4096, 4095 },
	};
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(cases); i++) {
		memset(buf, 0, sizeof(buf));
		info->size = cases[i].size;
		buf[cases[i].dirty] = 1;
		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info), E2BIG);
		EXPECT_EQ(info->api_version, 0);
	}
	close(ctl);
}

/* The header accepts sizes up to one page; beyond that is -E2BIG. */
static void test_info_size_over_page(void)
{
	unsigned char *buf = calloc(1, 3 * 4096);
	struct eventline_info *info = (void *)buf;
	static const uint32_t sizes[] = { 4096 + 8, 8192, 0xffffffffu };
	int ctl = tu_open_ctl();
	size_t i;

	ASSERT_TRUE(buf != NULL);
	if (sysconf(_SC_PAGESIZE) != 4096)
		tap_skip("page size is not 4096");
	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		info->size = sizes[i];
		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info), E2BIG);
	}
	free(buf);
	close(ctl);
}

static void test_info_flags(void)
{
	struct eventline_info info;
	int ctl = tu_open_ctl();
	unsigned int bit;

	for (bit = 0; bit < 32; bit++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.flags = 1U << bit;
		EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, &info),
			   EINVAL);
	}
	close(ctl);
}

static void test_info_bad_pointer(void)
{
	struct eventline_info *info;
	int ctl = tu_open_ctl();

	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, NULL), EFAULT);
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, (void *)1), EFAULT);
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, tu_unmapped()),
		   EFAULT);
	/* A kernel address must be refused, not read. */
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO,
			    (void *)0xffffffff81000000UL), EFAULT);

	/* size readable, the rest of the struct past the end of memory */
	info = tu_guarded(8);
	info->size = sizeof(*info);
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info), EFAULT);

	/* the whole struct readable, but a bigger size runs off the end */
	info = tu_guarded(sizeof(*info));
	info->size = sizeof(*info) + 8;
	EXPECT_RET(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info), EFAULT);

	/* and exactly fitting works */
	info->size = sizeof(*info);
	EXPECT_OK(tu_ioctl(ctl, EVENTLINE_IOC_GET_INFO, info));
	EXPECT_EQ(info->api_version, EVENTLINE_API_VERSION);
	close(ctl);
}

static void test_ctl_unknown_cmd(void)
{
	const unsigned long cmds[] = {
		_IO(EVENTLINE_IOC_MAGIC, 0x04),
		_IO(EVENTLINE_IOC_MAGIC, 0x0f),
		_IO(EVENTLINE_IOC_MAGIC, 0x15),
		_IO(EVENTLINE_IOC_MAGIC, 0x16),
		_IO(EVENTLINE_IOC_MAGIC, 0x17),
		_IO(EVENTLINE_IOC_MAGIC, 0x21),
		_IO(EVENTLINE_IOC_MAGIC, 0xff),
		/* The commands carry no size: a sized variant is not them. */
		_IOWR(EVENTLINE_IOC_MAGIC, 0x00, struct eventline_info),
		_IOR(EVENTLINE_IOC_MAGIC, 0x00, struct eventline_info),
		_IOW(EVENTLINE_IOC_MAGIC, 0x01, struct eventline_line_create),
		/* Another driver's magic with our number. */
		_IO(0xE8, 0x00),
		TCGETS,
		FIONREAD,
	};
	struct eventline_info info = { .size = sizeof(info) };
	int ctl = tu_open_ctl();
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(cmds); i++) {
		long ret = tu_ioctl(ctl, cmds[i], &info);

		if (ret != -ENOTTY) {
			tap_diag("cmd %#lx: expected -ENOTTY, got %ld (%s)",
				 cmds[i], ret,
				 ret < 0 ? tap_errname(-ret) : "success");
			tap_fail();
		}
	}
	close(ctl);
}

/* Many control fds can be open; each is independent. */
static void test_ctl_many_opens(void)
{
	struct eventline_info info;
	int fds[64];
	size_t i;

	for (i = 0; i < TU_ARRAY_SIZE(fds); i++)
		fds[i] = tu_open_ctl();
	for (i = 0; i < TU_ARRAY_SIZE(fds); i += 7)
		tu_get_info(fds[i], &info);
	for (i = 0; i < TU_ARRAY_SIZE(fds); i++)
		EXPECT_SYSOK(close(fds[i]));
}

/* An unprivileged user may open the device (its mode allows it). */
static void test_ctl_unprivileged(void)
{
	struct stat st;
	pid_t pid;

	close(tu_open_ctl());
	ASSERT_SYSOK(stat(TU_DEV, &st));
	if ((st.st_mode & 0006) != 0006)
		tap_skip(TU_DEV " mode %o does not let others in",
			 st.st_mode & 0777);
	pid = tu_fork();
	if (!pid) {
		struct eventline_info info;
		int ctl;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		ctl = tu_open_ctl();
		tu_get_info(ctl, &info);
		EXPECT_EQ(info.api_version, EVENTLINE_API_VERSION);
		tap_child_exit();
	}
	tu_wait_ok(pid);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_info_fields),
	TAP_TEST(test_info_out_fields_ignored),
	TAP_TEST(test_info_older_callers),
	TAP_TEST(test_info_consistent),
	TAP_TEST(test_info_short_size),
	TAP_TEST(test_info_ver0_no_overrun),
	TAP_TEST(test_info_bigger_zero_tail),
	TAP_TEST(test_info_size_not_rewritten),
	TAP_TEST(test_info_bigger_nonzero_tail),
	TAP_TEST(test_info_size_over_page),
	TAP_TEST(test_info_flags),
	TAP_TEST(test_info_bad_pointer),
	TAP_TEST(test_ctl_unknown_cmd),
	TAP_TEST(test_ctl_many_opens),
	TAP_TEST(test_ctl_unprivileged),
};

TAP_MAIN(tests)
