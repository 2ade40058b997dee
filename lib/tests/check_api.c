// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The syscall wrappers, without the module.
 *
 * This test binary links the library sources in, so defining ioctl() here
 * takes the place of libc's for them.  Calls on FAKE_FD are recorded and
 * answered as the module would; any other fd goes to the real syscall.  That
 * shows both what the wrappers put in each argument struct and that bad
 * arguments are refused before any ioctl is made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_eventline.h"
#include "internal.h"

#define FAKE_FD		1000
#define FAKE_RET_FD	33
#define FAKE_ID		42
#define FAKE_SEQ	9

static struct {
	unsigned int calls;
	unsigned long request;
	unsigned char arg[256];	/* the argument struct as the kernel saw it */
} fake;

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;
	uint32_t size;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return syscall(SYS_ioctl, fd, request, arg);

	fake.calls++;
	fake.request = request;
	memcpy(&size, arg, sizeof(size));
	memcpy(fake.arg, arg, size < sizeof(fake.arg) ? size : sizeof(fake.arg));

	switch (request) {
	case EVENTLINE_IOC_GET_INFO:
		((struct eventline_info *)arg)->api_version = EVENTLINE_API_VERSION;
		return 0;
	case EVENTLINE_IOC_LINE_CREATE:
		((struct eventline_line_create *)arg)->id = FAKE_ID;
		return FAKE_RET_FD;
	case EVENTLINE_IOC_LINE_OPEN:
		((struct eventline_line_ref *)arg)->id = FAKE_ID;
		return FAKE_RET_FD;
	case EVENTLINE_IOC_SUBSCRIBE:
		((struct eventline_line_ref *)arg)->id = FAKE_ID;
		return 0;
	case EVENTLINE_IOC_REGISTER_CREATE:
		return FAKE_RET_FD;
	case EVENTLINE_IOC_UNSUBSCRIBE:
		errno = ENOENT;
		return -1;
	case EVENTLINE_IOC_POST:
		((struct eventline_post *)arg)->seq = FAKE_SEQ;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static struct el_ctx fake_ctx = { .fd = FAKE_FD };

/* 64 'n's: one more than fits with the NUL. */
static const char long_name[] =
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn";
static const char max_name[] =
	"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn";

/* An options struct from a newer caller: ours plus one unknown field. */
struct line_opts_v2 {
	struct el_line_opts v1;
	uint64_t future;
};

START_TEST(test_opts_check)
{
	struct { size_t sz; uint32_t a, b; unsigned char tail[16]; } o;
	size_t min = el__offsetofend(__typeof__(o), a);
	size_t known = el__offsetofend(__typeof__(o), b);

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(el__opts_check(NULL, min, known), 0);
	ck_assert_int_eq(el__opts_check(&o, min, known), -EINVAL);	/* sz 0 */
	o.sz = sizeof(size_t);
	ck_assert_int_eq(el__opts_check(&o, min, known), -EINVAL);
	o.sz = min - 1;
	ck_assert_int_eq(el__opts_check(&o, min, known), -EINVAL);
	o.sz = min;		/* an older caller */
	ck_assert_int_eq(el__opts_check(&o, min, known), 0);
	o.sz = known;
	ck_assert_int_eq(el__opts_check(&o, min, known), 0);
	o.sz = sizeof(o);	/* a newer caller, unknown tail zero */
	ck_assert_int_eq(el__opts_check(&o, min, known), 0);
	o.tail[sizeof(o.tail) - 1] = 1;
	ck_assert_int_eq(el__opts_check(&o, min, known), -E2BIG);
	o.sz = sizeof(o) - 1;	/* the non-zero byte is beyond sz */
	ck_assert_int_eq(el__opts_check(&o, min, known), 0);
}
END_TEST

START_TEST(test_line_create_opts)
{
	struct line_opts_v2 o;

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(el_line_create(&fake_ctx, "x", &o.v1, NULL), -EINVAL);
	o.v1.sz = sizeof(size_t);
	ck_assert_int_eq(el_line_create(&fake_ctx, "x", &o.v1, NULL), -EINVAL);
	o.v1.sz = sizeof(o);
	o.future = 1;
	ck_assert_int_eq(el_line_create(&fake_ctx, "x", &o.v1, NULL), -E2BIG);
	ck_assert_uint_eq(fake.calls, 0);
	o.future = 0;
	ck_assert_int_eq(el_line_create(&fake_ctx, "x", &o.v1, NULL), FAKE_RET_FD);
	ck_assert_uint_eq(fake.calls, 1);
}
END_TEST

START_TEST(test_line_create_args)
{
	struct eventline_line_create *arg = (void *)fake.arg;
	struct el_line_opts o = { .sz = sizeof(o), .mode = 0600,
				  .fd_flags = EVENTLINE_FD_NONBLOCK };
	uint64_t id = 0;

	/* Defaults: mode 0644, close-on-exec. */
	ck_assert_int_eq(el_line_create(&fake_ctx, "weather", NULL, &id),
			 FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_CREATE);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_LINE_CREATE_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(arg->mode, 0644);
	ck_assert_uint_eq(arg->__reserved, 0);
	ck_assert_str_eq(arg->name, "weather");
	ck_assert_uint_eq(id, FAKE_ID);

	/* Options taken as given; anonymous line; id_out optional. */
	ck_assert_int_eq(el_line_create(&fake_ctx, NULL, &o, NULL), FAKE_RET_FD);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_NONBLOCK);
	ck_assert_uint_eq(arg->mode, 0600);
	ck_assert_str_eq(arg->name, "");
	ck_assert_int_eq(el_line_create(&fake_ctx, "", &o, NULL), FAKE_RET_FD);
	ck_assert_str_eq(arg->name, "");

	ck_assert_int_eq(el_line_create(&fake_ctx, max_name, NULL, NULL),
			 FAKE_RET_FD);
	ck_assert_str_eq(arg->name, max_name);
	ck_assert_uint_eq(fake.calls, 4);
}
END_TEST

START_TEST(test_names_too_long)
{
	ck_assert_int_eq(sizeof(long_name), EVENTLINE_NAME_MAX + 1);
	ck_assert_int_eq(el_line_create(&fake_ctx, long_name, NULL, NULL),
			 -ENAMETOOLONG);
	ck_assert_int_eq(el_line_open(&fake_ctx, long_name, 0, 0, NULL),
			 -ENAMETOOLONG);
	ck_assert_int_eq(el_subscribe(FAKE_FD, long_name, 0, NULL),
			 -ENAMETOOLONG);
	ck_assert_uint_eq(fake.calls, 0);
}
END_TEST

START_TEST(test_null_args)
{
	struct eventline_info info;
	char buf[8];

	ck_assert_int_eq(el_ctx_open(NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_ctx_fd(NULL), -EINVAL);
	el_ctx_close(NULL);
	ck_assert_int_eq(el_info(NULL, &info), -EINVAL);
	ck_assert_int_eq(el_info(&fake_ctx, NULL), -EINVAL);
	ck_assert_int_eq(el_line_create(NULL, "x", NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_line_open(NULL, "x", 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(el_register_create(NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_post(FAKE_FD, 1, NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(el_read(FAKE_FD, NULL, sizeof(buf)), -EINVAL);
	ck_assert_uint_eq(fake.calls, 0);
}
END_TEST

START_TEST(test_line_ref_one_of_name_or_id)
{
	struct eventline_line_ref *ref = (void *)fake.arg;
	uint64_t id = 0;

	ck_assert_int_eq(el_line_open(&fake_ctx, NULL, 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(el_line_open(&fake_ctx, "", 0, 0, NULL), -EINVAL);
	ck_assert_int_eq(el_line_open(&fake_ctx, "x", 5, 0, NULL), -EINVAL);
	ck_assert_int_eq(el_subscribe(FAKE_FD, NULL, 0, NULL), -EINVAL);
	ck_assert_int_eq(el_subscribe(FAKE_FD, "x", 5, NULL), -EINVAL);
	ck_assert_int_eq(el_unsubscribe(FAKE_FD, 0), -EINVAL);
	ck_assert_uint_eq(fake.calls, 0);

	ck_assert_int_eq(el_line_open(&fake_ctx, "weather", 0,
				      EVENTLINE_FD_CLOEXEC, &id), FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_OPEN);
	ck_assert_uint_eq(ref->size, EVENTLINE_LINE_REF_SIZE_VER0);
	ck_assert_uint_eq(ref->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(ref->id, 0);
	ck_assert_str_eq(ref->name, "weather");
	ck_assert_uint_eq(id, FAKE_ID);

	id = 0;
	ck_assert_int_eq(el_subscribe(FAKE_FD, NULL, 17, &id), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_SUBSCRIBE);
	ck_assert_uint_eq(ref->flags, 0);
	ck_assert_uint_eq(ref->id, 17);
	ck_assert_str_eq(ref->name, "");
	ck_assert_uint_eq(id, FAKE_ID);

	/* Errors from the kernel come back as negative errno. */
	ck_assert_int_eq(el_unsubscribe(FAKE_FD, 17), -ENOENT);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_UNSUBSCRIBE);
	ck_assert_uint_eq(ref->id, 17);
}
END_TEST

START_TEST(test_register_create)
{
	struct eventline_register_create *arg = (void *)fake.arg;
	struct el_register_opts o;

	ck_assert_int_eq(el_register_create(&fake_ctx, NULL), FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_REGISTER_CREATE);
	ck_assert_uint_eq(arg->size, EVENTLINE_REGISTER_CREATE_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(arg->queue_len, 0);

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), -EINVAL);
	o.sz = sizeof(o);
	o.queue_len = 4;
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->queue_len, 4);
	ck_assert_uint_eq(arg->__reserved, 0);
	ck_assert_uint_eq(fake.calls, 2);
}
END_TEST

START_TEST(test_post)
{
	struct eventline_post *arg = (void *)fake.arg;
	static const char pay[] = "abc";
	uint64_t seq = 0;

	ck_assert_int_eq(el_post(FAKE_FD, 5, pay, 3, &seq), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_POST);
	ck_assert_uint_eq(arg->size, EVENTLINE_POST_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->type, 5);
	ck_assert_uint_eq(arg->__reserved0, 0);
	ck_assert_uint_eq(arg->payload_len, 3);
	ck_assert_uint_eq(arg->payload, (uintptr_t)pay);
	ck_assert_uint_eq(seq, FAKE_SEQ);

	ck_assert_int_eq(el_post(FAKE_FD, 5, NULL, 0, NULL), 0);
	ck_assert_uint_eq(arg->payload, 0);
	ck_assert_uint_eq(fake.calls, 2);
#if SIZE_MAX > UINT32_MAX
	ck_assert_int_eq(el_post(FAKE_FD, 5, pay, (size_t)UINT32_MAX + 1, NULL),
			 -EMSGSIZE);
	ck_assert_uint_eq(fake.calls, 2);
#endif
}
END_TEST

START_TEST(test_info)
{
	struct eventline_info info;
	struct eventline_info *arg = (void *)fake.arg;

	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_info(&fake_ctx, &info), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_GET_INFO);
	ck_assert_uint_eq(arg->size, EVENTLINE_INFO_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->max_payload, 0);
	ck_assert_uint_eq(info.api_version, EVENTLINE_API_VERSION);
}
END_TEST

/* The real syscalls, on files that are not the eventline device. */
START_TEST(test_ctx_open)
{
	struct el_open_opts o = { .sz = sizeof(o), .path = "/dev/null" };
	struct { struct el_open_opts v1; uint64_t future; } big;
	struct eventline_info info;
	struct el_ctx *ctx = NULL;
	char buf[64];
	int fd;

	ck_assert_int_eq(el_ctx_open(&ctx, &o), 0);
	ck_assert_ptr_nonnull(ctx);
	fd = el_ctx_fd(ctx);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	/* Wrong device: the ioctl's errno comes back negated. */
	ck_assert_int_eq(el_info(ctx, &info), -ENOTTY);
	el_ctx_close(ctx);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);

	o.path = "/nonexistent/eventline";
	ck_assert_int_eq(el_ctx_open(&ctx, &o), -ENOENT);

	memset(&big, 0, sizeof(big));
	big.v1.sz = sizeof(big);
	big.v1.path = "/dev/null";
	big.future = 1;
	ck_assert_int_eq(el_ctx_open(&ctx, &big.v1), -E2BIG);
	big.v1.sz = 0;
	ck_assert_int_eq(el_ctx_open(&ctx, &big.v1), -EINVAL);

	ck_assert_int_eq(el_post(-1, 1, NULL, 0, NULL), -EBADF);
	ck_assert_int_eq(el_read(-1, buf, sizeof(buf)), -EBADF);
}
END_TEST

START_TEST(test_version)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", EL_VERSION_MAJOR,
		 EL_VERSION_MINOR, EL_VERSION_PATCH);
	ck_assert_str_eq(el_version(), want);
	ck_assert_str_eq(el_version(), "0.1.0");
}
END_TEST

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *opts = tcase_create("opts");
	TCase *wrap = tcase_create("wrappers");

	tcase_add_test(opts, test_opts_check);
	tcase_add_test(opts, test_line_create_opts);
	tcase_add_test(wrap, test_line_create_args);
	tcase_add_test(wrap, test_names_too_long);
	tcase_add_test(wrap, test_null_args);
	tcase_add_test(wrap, test_line_ref_one_of_name_or_id);
	tcase_add_test(wrap, test_register_create);
	tcase_add_test(wrap, test_post);
	tcase_add_test(wrap, test_info);
	tcase_add_test(wrap, test_ctx_open);
	tcase_add_test(wrap, test_version);
	suite_add_tcase(s, opts);
	suite_add_tcase(s, wrap);
	return s;
}
