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
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
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
#define FAKE_MAX_BATCH	1024	/* the module's max_post_batch */
#define FAKE_NR_SUBS	3	/* subscriptions LINE_SUBS reports */
#define FAKE_SUB_ID	1000	/* sub_id of the first of them */
#define FAKE_REV	77	/* the chain revision LINE_SUBS reports */
#define FAKE_CEILING	10	/* the most SUBSCRIBE and PRIORITY grant */

static struct {
	unsigned int calls;
	unsigned long request;
	unsigned char arg[256];	/* the argument struct as the kernel saw it */
	/* POST_BATCH: the entries, copied as the kernel reads them */
	struct eventline_post_entry entries[FAKE_MAX_BATCH];
	/* GET_INFO: sizeof(struct eventline_info) of the module; 0: ours */
	uint32_t info_size;
	/* MUTATE: the replacement payload, copied as the kernel reads it */
	unsigned char payload[64];
} fake;

/* What the fake module reports: every field non-zero. */
static const struct eventline_info fake_info = {
	.api_version = EVENTLINE_API_VERSION,
	.record_size = EVENTLINE_RECORD_SIZE_VER0,
	.max_payload = 4096,
	.line_modes = 0666,
	.max_post_batch = FAKE_MAX_BATCH,
	.max_ring_size = 16 << 20,
	.default_ring_size = 65536,
	.max_post_batch_bytes = 1 << 20,
	.max_registers_per_user = 1024,
	.max_posters_per_user = 1023,
	.max_subs_per_user = 256,
	.owner_reserved_subs = 64,
	.priority_ceiling = -2,
	.demote_overflows = 3,
	.max_depth = 8,
	.stage_timeout_ms = 1000,
};

/* What LINE_INFO reports on any fd. */
static const struct eventline_line_info fake_line_info = {
	.id = FAKE_ID,
	.owner_uid = 1234,
	.owner_gid = 5678,
	.mode = 0640,
	.line_flags = EVENTLINE_LINE_KERNEL_OWNED,
	.nr_subs = FAKE_NR_SUBS,
	.priority_ceiling = -3,
	.name = "kernel.fake",
};

/*
 * GET_INFO as a module whose struct is fake.info_size bytes: a longer
 * caller's struct must have a zero tail, and only what both know is written.
 */
static int fake_get_info(struct eventline_info *arg, uint32_t size)
{
	uint32_t known = fake.info_size ? fake.info_size : sizeof(*arg);
	const size_t out = offsetof(struct eventline_info, api_version);
	const unsigned char *p = (const void *)arg;
	uint32_t i;

	for (i = known; i < size; i++) {
		if (p[i]) {
			errno = E2BIG;
			return -1;
		}
	}
	memcpy((char *)arg + out, (const char *)&fake_info + out,
	       (size < known ? size : known) - out);
	return 0;
}

static int fake_line_info_ioctl(struct eventline_line_info *arg)
{
	const size_t out = offsetof(struct eventline_line_info, id);

	/* A register must name a line; a line fd's id is out only. */
	if (!arg->id) {
		errno = ENOENT;
		return -1;
	}
	memcpy((char *)arg + out, (const char *)&fake_line_info + out,
	       sizeof(*arg) - out);
	return 0;
}

/* LINE_SUBS of a line with FAKE_NR_SUBS subscriptions. */
static int fake_line_subs(struct eventline_line_subs *arg)
{
	unsigned char *ent = (void *)(uintptr_t)arg->entries;
	uint32_t i, n = arg->count < FAKE_NR_SUBS ? arg->count : FAKE_NR_SUBS;

	if (arg->entry_size != sizeof(struct eventline_sub_info)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct eventline_sub_info e = {
			.sub_id = FAKE_SUB_ID + i,
			.uid = 100 + i,
			.pid = 200 + i,
			.sub_flags = i ? EVENTLINE_SUB_STAGE : EVENTLINE_SUB_OWNER,
			.priority = FAKE_CEILING - (int32_t)i,
			.max_priority = EVENTLINE_PRIORITY_MIN,
			.delivered = 300 + i,
			/* the stage counters end the 72-byte entry */
			.forwarded = 400 + i,
			.mutated = 500 + i,
			.dropped = 600 + i,
			.timed_out = 700 + i,
		};

		memcpy(ent + (size_t)i * arg->entry_size, &e, sizeof(e));
	}
	arg->count = FAKE_NR_SUBS;
	arg->revision = FAKE_REV;
	return n;
}

/* The chain's changes: a stale revision, an unknown sub_id, a bad range. */
static int fake_chain_check(uint64_t sub_id, int32_t priority, uint64_t rev)
{
	if (priority < EVENTLINE_PRIORITY_MIN ||
	    priority > EVENTLINE_PRIORITY_MAX)
		errno = EINVAL;
	else if (rev && rev != FAKE_REV)
		errno = ESTALE;
	else if (sub_id != FAKE_SUB_ID)
		errno = ENOENT;
	else
		return 0;
	return -1;
}

/*
 * GRANT: the chain checks, and flags other than EVENTLINE_GRANT_MUTATE
 * refused as the kernel refuses unknown flags.
 */
static int fake_grant_ioctl(const struct eventline_grant *arg)
{
	if (arg->flags & ~EVENTLINE_GRANT_MUTATE) {
		errno = EINVAL;
		return -1;
	}
	return fake_chain_check(arg->sub_id, arg->max_priority,
				arg->expected_rev);
}

/* LINE_CONFIG: the ceiling's range, a stage timeout of 0..60000 ms. */
static int fake_line_config(const struct eventline_line_config *arg)
{
	if (arg->stage_timeout_ms > 60000) {
		errno = EINVAL;
		return -1;
	}
	return fake_chain_check(FAKE_SUB_ID, arg->priority_ceiling, 0);
}

/*
 * MUTATE on a register that is a stage of line FAKE_ID and was last given
 * event FAKE_SEQ: older events have gone on (-ETIMEDOUT), newer ones were
 * not given to it (-EINVAL).  The rules on fields are the kernel's.
 */
static int fake_mutate(const struct eventline_mutate *arg)
{
	bool replace = arg->action == EVENTLINE_MUTATE_REPLACE;

	errno = 0;
	if (arg->flags || arg->__reserved || arg->__reserved2 ||
	    arg->action > EVENTLINE_MUTATE_DROP ||
	    (!replace && (arg->type || arg->payload_len || arg->payload)) ||
	    arg->type > EVENTLINE_TYPE_MAX || arg->seq > FAKE_SEQ)
		errno = EINVAL;
	else if (arg->payload_len > sizeof(fake.payload))
		errno = EMSGSIZE;
	else if (arg->line_id != FAKE_ID)
		errno = ENOENT;
	else if (arg->seq < FAKE_SEQ)
		errno = ETIMEDOUT;
	if (errno)
		return -1;
	if (arg->payload_len)
		memcpy(fake.payload, (const void *)(uintptr_t)arg->payload,
		       arg->payload_len);
	return 0;
}

/* SUBSCRIBE and PRIORITY grant up to FAKE_CEILING, and say when capped. */
static int fake_grant(int32_t *priority)
{
	if (*priority < EVENTLINE_PRIORITY_MIN ||
	    *priority > EVENTLINE_PRIORITY_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (*priority <= FAKE_CEILING)
		return 0;
	*priority = FAKE_CEILING;
	return EVENTLINE_PRIORITY_CAPPED;
}

static int fake_priority(struct eventline_priority *arg)
{
	int ret;

	if (fake_chain_check(arg->line_id == FAKE_ID ? FAKE_SUB_ID : 0,
			     EVENTLINE_PRIORITY_DEFAULT, arg->expected_rev))
		return -1;
	ret = fake_grant(&arg->priority);
	if (ret < 0)
		return ret;
	arg->result = ret;
	return 0;
}

static int fake_post_batch(struct eventline_post_batch *arg)
{
	const unsigned char *ent = (const void *)(uintptr_t)arg->entries;
	uint32_t i;

	if (arg->count > FAKE_MAX_BATCH) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < arg->count; i++)
		memcpy(&fake.entries[i], ent + (size_t)i * arg->entry_size,
		       sizeof(fake.entries[i]));
	arg->first_seq = FAKE_SEQ;
	return arg->count;
}

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
		return fake_get_info(arg, size);
	case EVENTLINE_IOC_LINE_CREATE:
		((struct eventline_line_create *)arg)->id = FAKE_ID;
		return FAKE_RET_FD;
	case EVENTLINE_IOC_LINE_OPEN:
		((struct eventline_line_ref *)arg)->id = FAKE_ID;
		return FAKE_RET_FD;
	case EVENTLINE_IOC_SUBSCRIBE:
		((struct eventline_line_ref *)arg)->id = FAKE_ID;
		return fake_grant(&((struct eventline_line_ref *)arg)->priority);
	case EVENTLINE_IOC_REGISTER_CREATE:
		return FAKE_RET_FD;
	case EVENTLINE_IOC_UNSUBSCRIBE:
		errno = ENOENT;
		return -1;
	case EVENTLINE_IOC_POST:
		((struct eventline_post *)arg)->seq = FAKE_SEQ;
		return 0;
	case EVENTLINE_IOC_POST_BATCH:
		return fake_post_batch(arg);
	case EVENTLINE_IOC_LINE_INFO:
		return fake_line_info_ioctl(arg);
	case EVENTLINE_IOC_LINE_SUBS:
		return fake_line_subs(arg);
	case EVENTLINE_IOC_EVICT:
		return fake_chain_check(((struct eventline_evict *)arg)->sub_id,
					EVENTLINE_PRIORITY_DEFAULT,
					((struct eventline_evict *)arg)->expected_rev);
	case EVENTLINE_IOC_GRANT:
		return fake_grant_ioctl(arg);
	case EVENTLINE_IOC_LINE_CONFIG:
		return fake_line_config(arg);
	case EVENTLINE_IOC_MUTATE:
		return fake_mutate(arg);
	case EVENTLINE_IOC_PRIORITY:
		return fake_priority(arg);
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
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, long_name, 0, NULL, NULL),
			 -ENAMETOOLONG);
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, long_name, 0, NULL, NULL),
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
	ck_assert_int_eq(el_line_open_opts(NULL, "x", 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_line_info(FAKE_FD, FAKE_ID, NULL), -EINVAL);
	ck_assert_int_eq(el_register_create(NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_post(FAKE_FD, 1, NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(el_post_batch(FAKE_FD, NULL, 1, NULL), -EINVAL);
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
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, NULL, 0, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 5, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, "", 0, NULL, NULL), -EINVAL);
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, "x", 5, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(fake.calls, 0);

	/*
	 * The 0.3 struct, owner_uid 0: a module that predates it accepts the
	 * longer struct because its tail is zero.
	 */
	ck_assert_int_eq(el_line_open(&fake_ctx, "weather", 0,
				      EVENTLINE_FD_CLOEXEC, &id), FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_OPEN);
	ck_assert_uint_eq(ref->size, sizeof(*ref));
	ck_assert_uint_eq(ref->size, EVENTLINE_LINE_REF_SIZE_VER0 + 8);
	ck_assert_uint_eq(ref->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(ref->id, 0);
	ck_assert_str_eq(ref->name, "weather");
	ck_assert_uint_eq(ref->owner_uid, 0);
	ck_assert_int_eq(ref->priority, 0);
	ck_assert_uint_eq(id, FAKE_ID);

	id = 0;
	ck_assert_int_eq(el_subscribe(FAKE_FD, NULL, 17, &id), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_SUBSCRIBE);
	ck_assert_uint_eq(ref->flags, 0);
	ck_assert_uint_eq(ref->id, 17);
	ck_assert_str_eq(ref->name, "");
	ck_assert_uint_eq(ref->owner_uid, 0);
	ck_assert_uint_eq(id, FAKE_ID);

	/* Errors from the kernel come back as negative errno. */
	ck_assert_int_eq(el_unsubscribe(FAKE_FD, 17), -ENOENT);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_UNSUBSCRIBE);
	ck_assert_uint_eq(ref->id, 17);
}
END_TEST

/* An options struct as a newer caller has it: one more field. */
struct line_open_opts_next {
	struct el_line_open_opts v;
	uint64_t future;
};

START_TEST(test_line_open_opts)
{
	struct eventline_line_ref *ref = (void *)fake.arg;
	struct line_open_opts_next big;
	size_t known = el__offsetofend(struct el_line_open_opts, owner_uid);
	unsigned char *p = (unsigned char *)&big.v;
	uint64_t id = 0;

	/* No options: a close-on-exec poster fd and no owner asked for. */
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "weather", 0, NULL, &id),
			 FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_OPEN);
	ck_assert_uint_eq(ref->size, sizeof(*ref));
	ck_assert_uint_eq(ref->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(ref->owner_uid, 0);
	ck_assert_str_eq(ref->name, "weather");
	ck_assert_uint_eq(id, FAKE_ID);

	/* fd_flags and REF flags share the kernel's flags word. */
	memset(&big, 0, sizeof(big));
	big.v.sz = sizeof(big.v);
	big.v.fd_flags = EVENTLINE_FD_NONBLOCK;
	big.v.flags = EVENTLINE_REF_OWNER_UID;
	big.v.owner_uid = 4321;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, NULL, 9, &big.v, NULL),
			 FAKE_RET_FD);
	ck_assert_uint_eq(ref->flags,
			  EVENTLINE_FD_NONBLOCK | EVENTLINE_REF_OWNER_UID);
	ck_assert_uint_eq(ref->owner_uid, 4321);
	ck_assert_uint_eq(ref->id, 9);
	ck_assert_str_eq(ref->name, "");
	ck_assert_int_eq(ref->priority, 0);

	/* fd_flags 0 is taken as given once sz covers it. */
	big.v.fd_flags = 0;
	big.v.flags = EVENTLINE_REF_KERNEL_OWNED;
	big.v.owner_uid = 0;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "kernel.x", 0, &big.v,
					   NULL), FAKE_RET_FD);
	ck_assert_uint_eq(ref->flags, EVENTLINE_REF_KERNEL_OWNED);
	ck_assert_uint_eq(fake.calls, 3);

	/* sz rules: every field is in the first version. */
	big.v.sz = 0;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 0, &big.v, NULL),
			 -EINVAL);
	big.v.sz = known - 1;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 0, &big.v, NULL),
			 -EINVAL);
	big.v.sz = sizeof(big);
	big.future = 1;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 0, &big.v, NULL),
			 -E2BIG);
	big.future = 0;
	if (known < sizeof(big.v)) {
		/* Tail padding (64-bit): a later version may use it. */
		p[known] = 1;
		ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 0, &big.v,
						   NULL), -E2BIG);
		p[known] = 0;
	}
	ck_assert_uint_eq(fake.calls, 3);
	big.v.sz = known;
	ck_assert_int_eq(el_line_open_opts(&fake_ctx, "x", 0, &big.v, NULL),
			 FAKE_RET_FD);
	ck_assert_uint_eq(fake.calls, 4);
}
END_TEST

START_TEST(test_subscribe_opts)
{
	struct eventline_line_ref *ref = (void *)fake.arg;
	struct { struct el_subscribe_opts v; uint64_t future; } big;
	int32_t granted = 12345;
	uint64_t id = 0;

	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, "weather", 0, NULL, &id), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_SUBSCRIBE);
	ck_assert_uint_eq(ref->size, sizeof(*ref));
	ck_assert_uint_eq(ref->flags, 0);
	ck_assert_uint_eq(ref->owner_uid, 0);
	ck_assert_int_eq(ref->priority, EVENTLINE_PRIORITY_DEFAULT);
	ck_assert_str_eq(ref->name, "weather");
	ck_assert_uint_eq(id, FAKE_ID);

	memset(&big, 0, sizeof(big));
	big.v.sz = sizeof(big.v);
	big.v.flags = EVENTLINE_REF_OWNER_UID;
	big.v.owner_uid = 65534;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL), 0);
	ck_assert_uint_eq(ref->flags, EVENTLINE_REF_OWNER_UID);
	ck_assert_uint_eq(ref->owner_uid, 65534);
	ck_assert_uint_eq(ref->id, 3);
	ck_assert_int_eq(ref->priority, 0);
	ck_assert_uint_eq(fake.calls, 2);

	/* A priority within what is allowed: granted as asked. */
	big.v.priority = -7;
	big.v.granted = &granted;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL), 0);
	ck_assert_int_eq(ref->priority, -7);
	ck_assert_int_eq(granted, -7);
	/* More than allowed: capped, and told what it got. */
	big.v.priority = FAKE_CEILING + 5;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL),
			 EVENTLINE_PRIORITY_CAPPED);
	ck_assert_int_eq(ref->priority, FAKE_CEILING + 5);
	ck_assert_int_eq(granted, FAKE_CEILING);
	/* Out of range: the kernel's EINVAL, granted untouched. */
	granted = 12345;
	big.v.priority = EVENTLINE_PRIORITY_MAX + 1;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL),
			 -EINVAL);
	ck_assert_int_eq(granted, 12345);
	ck_assert_uint_eq(fake.calls, 5);

	/* A caller of the first fields only: default priority, no output. */
	big.v.sz = el__offsetofend(struct el_subscribe_opts, owner_uid);
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL), 0);
	ck_assert_int_eq(ref->priority, 0);
	ck_assert_int_eq(granted, 12345);
	ck_assert_uint_eq(fake.calls, 6);

	big.v.priority = 0;
	big.v.granted = NULL;
	big.v.sz = el__offsetofend(struct el_subscribe_opts, flags);
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL),
			 -EINVAL);
	big.v.sz = sizeof(big);
	big.future = 1;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL),
			 -E2BIG);
	ck_assert_uint_eq(fake.calls, 6);
	big.future = 0;
	ck_assert_int_eq(el_subscribe_opts(FAKE_FD, NULL, 3, &big.v, NULL), 0);
	ck_assert_uint_eq(fake.calls, 7);

	/* el_subscribe() asks for the default and says 0, capped or not. */
	ck_assert_int_eq(el_subscribe(FAKE_FD, NULL, 3, NULL), 0);
	ck_assert_int_eq(ref->priority, EVENTLINE_PRIORITY_DEFAULT);
}
END_TEST

START_TEST(test_priority)
{
	struct eventline_priority *arg = (void *)fake.arg;
	int32_t granted = 12345;

	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID, 4, 0, &granted), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_PRIORITY);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_PRIORITY_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->line_id, FAKE_ID);
	ck_assert_int_eq(arg->priority, 4);
	ck_assert_uint_eq(arg->result, 0);
	ck_assert_uint_eq(arg->expected_rev, 0);
	ck_assert_int_eq(granted, 4);

	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID, EVENTLINE_PRIORITY_MAX,
				     FAKE_REV, &granted),
			 EVENTLINE_PRIORITY_CAPPED);
	ck_assert_uint_eq(arg->expected_rev, FAKE_REV);
	ck_assert_int_eq(granted, FAKE_CEILING);
	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID, EVENTLINE_PRIORITY_MIN,
				     0, NULL), 0);

	/* Errors come back negated, and granted is left alone. */
	granted = 12345;
	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID, 1, FAKE_REV + 1,
				     &granted), -ESTALE);
	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID + 1, 1, 0, &granted),
			 -ENOENT);
	ck_assert_int_eq(el_priority(FAKE_FD, FAKE_ID,
				     EVENTLINE_PRIORITY_MIN - 1, 0, &granted),
			 -EINVAL);
	ck_assert_int_eq(granted, 12345);
	ck_assert_uint_eq(fake.calls, 6);
	ck_assert_int_eq(el_priority(-1, FAKE_ID, 1, 0, &granted), -EBADF);
}
END_TEST

START_TEST(test_grant)
{
	struct eventline_grant *arg = (void *)fake.arg;

	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID, 500, 0, FAKE_REV), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_GRANT);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_GRANT_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->sub_id, FAKE_SUB_ID);
	ck_assert_int_eq(arg->max_priority, 500);
	ck_assert_uint_eq(arg->__reserved, 0);
	ck_assert_uint_eq(arg->expected_rev, FAKE_REV);
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID, EVENTLINE_PRIORITY_MIN,
				  0, 0), 0);
	ck_assert_uint_eq(arg->expected_rev, 0);
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID, 1, 0, FAKE_REV - 1),
			 -ESTALE);
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID + 1, 1, 0, 0), -ENOENT);
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID,
				  EVENTLINE_PRIORITY_MAX + 1, 0, 0), -EINVAL);
	ck_assert_uint_eq(fake.calls, 5);
	/* Mutate permission travels in flags; the rest as before. */
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID, 60,
				  EVENTLINE_GRANT_MUTATE, FAKE_REV), 0);
	ck_assert_uint_eq(arg->flags, EVENTLINE_GRANT_MUTATE);
	ck_assert_int_eq(arg->max_priority, 60);
	ck_assert_uint_eq(arg->sub_id, FAKE_SUB_ID);
	ck_assert_uint_eq(arg->expected_rev, FAKE_REV);
	ck_assert_uint_eq(arg->__reserved, 0);
	/* Unknown flags are passed on for the kernel to refuse. */
	ck_assert_int_eq(el_grant(FAKE_FD, FAKE_SUB_ID, 60, 1U << 5, 0),
			 -EINVAL);
	ck_assert_uint_eq(arg->flags, 1U << 5);
	ck_assert_uint_eq(fake.calls, 7);
	ck_assert_int_eq(el_grant(-1, FAKE_SUB_ID, 1, 0, 0), -EBADF);
}
END_TEST

START_TEST(test_line_config)
{
	struct eventline_line_config *arg = (void *)fake.arg;

	ck_assert_int_eq(el_line_config(FAKE_FD, -20, 0), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_CONFIG);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_LINE_CONFIG_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_int_eq(arg->priority_ceiling, -20);
	/* 0: the stage timeout stays as it is. */
	ck_assert_uint_eq(arg->stage_timeout_ms, 0);
	ck_assert_int_eq(el_line_config(FAKE_FD, EVENTLINE_PRIORITY_MAX, 300),
			 0);
	ck_assert_int_eq(arg->priority_ceiling, EVENTLINE_PRIORITY_MAX);
	ck_assert_uint_eq(arg->stage_timeout_ms, 300);
	ck_assert_int_eq(el_line_config(FAKE_FD, EVENTLINE_PRIORITY_MIN - 1,
					0), -EINVAL);
	/* The timeout's range is the kernel's to judge. */
	ck_assert_int_eq(el_line_config(FAKE_FD, 0, 60001), -EINVAL);
	ck_assert_uint_eq(arg->stage_timeout_ms, 60001);
	ck_assert_int_eq(el_line_config(FAKE_FD, 0, 60000), 0);
	ck_assert_uint_eq(fake.calls, 5);
	ck_assert_int_eq(el_line_config(-1, 0, 0), -EBADF);
}
END_TEST

START_TEST(test_mutate)
{
	struct eventline_mutate *arg = (void *)fake.arg;
	static const char pay[] = "part 1+painted";
	unsigned char big[sizeof(fake.payload) + 1];

	/* FORWARD: no type, no payload. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_FORWARD, 0, NULL, 0), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_MUTATE);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_MUTATE_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->line_id, FAKE_ID);
	ck_assert_uint_eq(arg->seq, FAKE_SEQ);
	ck_assert_uint_eq(arg->action, EVENTLINE_MUTATE_FORWARD);
	ck_assert_uint_eq(arg->type, 0);
	ck_assert_uint_eq(arg->__reserved, 0);
	ck_assert_uint_eq(arg->payload_len, 0);
	ck_assert_uint_eq(arg->__reserved2, 0);
	ck_assert_uint_eq(arg->payload, 0);

	/* REPLACE: the new type and payload, as the kernel reads them. */
	memset(fake.payload, 0, sizeof(fake.payload));
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 63, pay,
				   strlen(pay)), 0);
	ck_assert_uint_eq(arg->action, EVENTLINE_MUTATE_REPLACE);
	ck_assert_uint_eq(arg->type, 63);
	ck_assert_uint_eq(arg->payload_len, strlen(pay));
	ck_assert_uint_eq(arg->payload, (uintptr_t)pay);
	ck_assert_mem_eq(fake.payload, pay, strlen(pay));
	/* An empty replacement is a payload too. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 2, NULL, 0), 0);
	ck_assert_uint_eq(arg->payload, 0);

	/* DROP. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_DROP, 0, NULL, 0), 0);
	ck_assert_uint_eq(arg->action, EVENTLINE_MUTATE_DROP);
	ck_assert_uint_eq(fake.calls, 4);

	/* The kernel's errors come back negated. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ - 1,
				   EVENTLINE_MUTATE_FORWARD, 0, NULL, 0),
			 -ETIMEDOUT);
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ + 1,
				   EVENTLINE_MUTATE_FORWARD, 0, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID + 1, FAKE_SEQ,
				   EVENTLINE_MUTATE_FORWARD, 0, NULL, 0),
			 -ENOENT);
	/* Fields it alone judges are passed on as given. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ, 3, 0, NULL, 0),
			 -EINVAL);
	ck_assert_uint_eq(arg->action, 3);
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_FORWARD, 1, NULL, 0),
			 -EINVAL);
	ck_assert_uint_eq(arg->type, 1);
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_DROP, 0, pay, 3), -EINVAL);
	ck_assert_uint_eq(arg->payload_len, 3);
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 64, pay, 3),
			 -EINVAL);
	ck_assert_uint_eq(arg->type, 64);
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 1, big,
				   sizeof(big)), -EMSGSIZE);
	ck_assert_uint_eq(fake.calls, 12);

	/* What the kernel cannot see is refused before the ioctl. */
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 1, NULL, 1),
			 -EINVAL);
#if SIZE_MAX > UINT32_MAX
	ck_assert_int_eq(el_mutate(FAKE_FD, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_REPLACE, 1, pay,
				   (size_t)UINT32_MAX + 1), -EMSGSIZE);
#endif
	ck_assert_uint_eq(fake.calls, 12);
	ck_assert_int_eq(el_mutate(-1, FAKE_ID, FAKE_SEQ,
				   EVENTLINE_MUTATE_FORWARD, 0, NULL, 0),
			 -EBADF);
}
END_TEST

START_TEST(test_line_info)
{
	struct eventline_line_info *arg = (void *)fake.arg;
	struct eventline_line_info info;

	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_line_info(FAKE_FD, 17, &info), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_INFO);
	/* As the kernel saw it: this header's size, zero but for the id. */
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_LINE_INFO_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->id, 17);
	ck_assert_uint_eq(arg->owner_uid, 0);
	ck_assert_int_eq(arg->priority_ceiling, 0);
	ck_assert_str_eq(arg->name, "");
	/* As the caller gets it back. */
	ck_assert_uint_eq(info.size, sizeof(info));
	ck_assert_uint_eq(info.id, FAKE_ID);
	ck_assert_uint_eq(info.owner_uid, fake_line_info.owner_uid);
	ck_assert_uint_eq(info.owner_gid, fake_line_info.owner_gid);
	ck_assert_uint_eq(info.mode, fake_line_info.mode);
	ck_assert_uint_eq(info.line_flags, EVENTLINE_LINE_KERNEL_OWNED);
	ck_assert_uint_eq(info.nr_subs, FAKE_NR_SUBS);
	ck_assert_int_eq(info.priority_ceiling, -3);
	ck_assert_str_eq(info.name, "kernel.fake");

	/* Errors come back negated. */
	ck_assert_int_eq(el_line_info(FAKE_FD, 0, &info), -ENOENT);
	ck_assert_uint_eq(fake.calls, 2);
	ck_assert_int_eq(el_line_info(-1, 0, &info), -EBADF);
}
END_TEST

START_TEST(test_line_subs)
{
	struct eventline_line_subs *arg = (void *)fake.arg;
	struct eventline_sub_info subs[FAKE_NR_SUBS + 2];
	size_t total = 0;
	uint64_t rev = 0;
	int i;

	memset(subs, 0xa5, sizeof(subs));
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, subs, FAKE_NR_SUBS + 2,
				      &total, &rev), FAKE_NR_SUBS);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_LINE_SUBS);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_LINE_SUBS_SIZE_VER0 + 16);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->count, FAKE_NR_SUBS + 2);
	ck_assert_uint_eq(arg->entry_size, sizeof(subs[0]));
	ck_assert_uint_eq(arg->entry_size, 72);
	ck_assert_uint_eq(arg->entries, (uintptr_t)subs);
	ck_assert_uint_eq(arg->line_id, 0);
	ck_assert_uint_eq(arg->revision, 0);
	ck_assert_uint_eq(total, FAKE_NR_SUBS);
	ck_assert_uint_eq(rev, FAKE_REV);
	for (i = 0; i < FAKE_NR_SUBS; i++) {
		ck_assert_uint_eq(subs[i].sub_id, FAKE_SUB_ID + i);
		ck_assert_uint_eq(subs[i].uid, 100 + i);
		ck_assert_uint_eq(subs[i].pid, 200 + i);
		ck_assert_int_eq(subs[i].priority, FAKE_CEILING - i);
		ck_assert_int_eq(subs[i].max_priority, EVENTLINE_PRIORITY_MIN);
		ck_assert_uint_eq(subs[i].delivered, 300 + i);
		ck_assert_uint_eq(subs[i].forwarded, 400 + i);
		ck_assert_uint_eq(subs[i].mutated, 500 + i);
		ck_assert_uint_eq(subs[i].dropped, 600 + i);
		ck_assert_uint_eq(subs[i].timed_out, 700 + i);
	}
	ck_assert_uint_eq(subs[0].sub_flags, EVENTLINE_SUB_OWNER);
	ck_assert_uint_eq(subs[1].sub_flags, EVENTLINE_SUB_STAGE);
	ck_assert_uint_eq(subs[FAKE_NR_SUBS].sub_id, 0xa5a5a5a5a5a5a5a5ull);

	/* A register names its line. */
	ck_assert_int_eq(el_line_subs(FAKE_FD, FAKE_ID, subs, 1, NULL, NULL),
			 1);
	ck_assert_uint_eq(arg->line_id, FAKE_ID);

	/* Less room than subscriptions: the entries written, and the total. */
	total = 0;
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, subs, 1, &total, NULL), 1);
	ck_assert_uint_eq(arg->count, 1);
	ck_assert_uint_eq(total, FAKE_NR_SUBS);

	/* No room at all: just the count; the outputs are optional. */
	total = 0;
	rev = 0;
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, NULL, 0, &total, &rev), 0);
	ck_assert_uint_eq(arg->count, 0);
	ck_assert_uint_eq(arg->entries, 0);
	ck_assert_uint_eq(total, FAKE_NR_SUBS);
	ck_assert_uint_eq(rev, FAKE_REV);
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, subs, FAKE_NR_SUBS, NULL,
				      NULL), FAKE_NR_SUBS);
	ck_assert_uint_eq(fake.calls, 5);

	/* Room must come with an array; refused before the ioctl. */
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, NULL, 1, &total, &rev),
			 -EINVAL);
	ck_assert_uint_eq(fake.calls, 5);
#if SIZE_MAX > UINT32_MAX
	/* Room beyond what count and the int result hold is offered capped. */
	ck_assert_int_eq(el_line_subs(FAKE_FD, 0, subs, (size_t)UINT32_MAX + 2,
				      NULL, NULL), FAKE_NR_SUBS);
	ck_assert_uint_eq(arg->count, INT_MAX);
#endif
	/* On failure the outputs are left alone. */
	rev = 5;
	total = 6;
	ck_assert_int_eq(el_line_subs(-1, 0, subs, 1, &total, &rev), -EBADF);
	ck_assert_uint_eq(rev, 5);
	ck_assert_uint_eq(total, 6);
}
END_TEST

START_TEST(test_evict)
{
	struct eventline_evict *arg = (void *)fake.arg;

	ck_assert_int_eq(el_evict(FAKE_FD, FAKE_SUB_ID, 0), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_EVICT);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->size, EVENTLINE_EVICT_SIZE_VER0 + 8);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->sub_id, FAKE_SUB_ID);
	ck_assert_uint_eq(arg->expected_rev, 0);
	ck_assert_int_eq(el_evict(FAKE_FD, FAKE_SUB_ID, FAKE_REV), 0);
	ck_assert_uint_eq(arg->expected_rev, FAKE_REV);
	ck_assert_int_eq(el_evict(FAKE_FD, FAKE_SUB_ID, FAKE_REV + 1), -ESTALE);
	ck_assert_int_eq(el_evict(FAKE_FD, FAKE_SUB_ID + 1, 0), -ENOENT);
	ck_assert_uint_eq(arg->sub_id, FAKE_SUB_ID + 1);
	ck_assert_int_eq(el_evict(-1, 1, 0), -EBADF);
}
END_TEST

START_TEST(test_register_create)
{
	struct eventline_register_create *arg = (void *)fake.arg;
	struct el_register_opts o;

	ck_assert_int_eq(el_register_create(&fake_ctx, NULL), FAKE_RET_FD);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_REGISTER_CREATE);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_gt(arg->size, EVENTLINE_REGISTER_CREATE_SIZE_VER0);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(arg->queue_len, 0);
	ck_assert_uint_eq(arg->ring_size, 0);
	ck_assert_uint_eq(arg->wakeup_records, 0);

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), -EINVAL);
	o.sz = sizeof(o);
	o.queue_len = 4;
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->queue_len, 4);
	ck_assert_uint_eq(arg->min_depth, 0);
	ck_assert_uint_eq(arg->max_depth, 0);
	ck_assert_uint_eq(arg->ring_size, 0);
	ck_assert_uint_eq(arg->wakeup_records, 0);

	/* The 0.2 fields; flags join fd_flags in the kernel's flags word. */
	o.fd_flags = EVENTLINE_FD_NONBLOCK;
	o.ring_size = 8192;
	o.wakeup_records = 3;
	o.flags = EVENTLINE_REGISTER_WAKE_ALWAYS;
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->flags,
			  EVENTLINE_FD_NONBLOCK | EVENTLINE_REGISTER_WAKE_ALWAYS);
	ck_assert_uint_eq(arg->queue_len, 4);
	ck_assert_uint_eq(arg->ring_size, 8192);
	ck_assert_uint_eq(arg->wakeup_records, 3);
	ck_assert_uint_eq(arg->min_depth, 0);
	ck_assert_uint_eq(arg->max_depth, 0);
	ck_assert_uint_eq(fake.calls, 3);
}
END_TEST

/*
 * A caller built against 0.1 passes the 0.1 sz: what lies beyond it in
 * memory is not its struct and must not be read.
 */
START_TEST(test_register_opts_old_caller)
{
	struct eventline_register_create *arg = (void *)fake.arg;
	struct el_register_opts o;

	memset(&o, 0xff, sizeof(o));
	o.sz = el__offsetofend(struct el_register_opts, fd_flags);
	o.queue_len = 8;
	o.fd_flags = EVENTLINE_FD_CLOEXEC;
	ck_assert_int_eq(o.sz, sizeof(size_t) + 8);
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(arg->queue_len, 8);
	ck_assert_uint_eq(arg->ring_size, 0);
	ck_assert_uint_eq(arg->wakeup_records, 0);

	/* Each field counts once sz covers it. */
	o.sz = el__offsetofend(struct el_register_opts, ring_size);
	o.ring_size = 4096;
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->ring_size, 4096);
	ck_assert_uint_eq(arg->wakeup_records, 0);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);

	o.sz = el__offsetofend(struct el_register_opts, wakeup_records);
	o.wakeup_records = 2;
	ck_assert_int_eq(el_register_create(&fake_ctx, &o), FAKE_RET_FD);
	ck_assert_uint_eq(arg->wakeup_records, 2);
	ck_assert_uint_eq(arg->flags, EVENTLINE_FD_CLOEXEC);
	ck_assert_uint_eq(fake.calls, 3);
}
END_TEST

/* Bytes after the last known field, padding included, must be zero. */
START_TEST(test_register_opts_tail)
{
	struct { struct el_register_opts v; uint64_t future; } big;
	size_t known = el__offsetofend(struct el_register_opts, wakeup_usec);
	unsigned char *p = (unsigned char *)&big.v;

	memset(&big, 0, sizeof(big));
	big.v.sz = sizeof(big);
	big.future = 1;
	ck_assert_int_eq(el_register_create(&fake_ctx, &big.v), -E2BIG);
	big.future = 0;
	if (known < sizeof(big.v)) {
		/* A later version may put a field in today's padding. */
		p[known] = 1;
		ck_assert_int_eq(el_register_create(&fake_ctx, &big.v), -E2BIG);
		p[known] = 0;
	}
	ck_assert_uint_eq(fake.calls, 0);
	ck_assert_int_eq(el_register_create(&fake_ctx, &big.v), FAKE_RET_FD);
	ck_assert_uint_eq(fake.calls, 1);
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
	ck_assert_uint_eq(arg->parent_depth, 0);
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

static const char pay_a[] = "abc", pay_b[] = "defgh";

START_TEST(test_post_batch)
{
	struct eventline_post_batch *arg = (void *)fake.arg;
	struct el_post_entry e[3] = {
		{ .type = 1, .payload = pay_a, .len = 3 },
		{ .type = EVENTLINE_TYPE_MAX },
		{ .type = 7, .flags = 0x8000, .payload = pay_b, .len = 5 },
	};
	uint64_t seq = 0;

	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 3, &seq), 3);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_POST_BATCH);
	ck_assert_uint_eq(arg->size, sizeof(*arg));
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->parent_depth, 0);
	ck_assert_uint_eq(arg->count, 3);
	ck_assert_uint_eq(arg->entry_size, EVENTLINE_POST_ENTRY_SIZE_VER0);
	ck_assert_uint_eq(seq, FAKE_SEQ);

	ck_assert_uint_eq(fake.entries[0].type, 1);
	ck_assert_uint_eq(fake.entries[0].flags, 0);
	ck_assert_uint_eq(fake.entries[0].payload_len, 3);
	ck_assert_uint_eq(fake.entries[0].payload, (uintptr_t)pay_a);
	ck_assert_uint_eq(fake.entries[1].type, EVENTLINE_TYPE_MAX);
	ck_assert_uint_eq(fake.entries[1].payload_len, 0);
	ck_assert_uint_eq(fake.entries[1].payload, 0);
	/* Entry flags are the kernel's to judge: passed on as given. */
	ck_assert_uint_eq(fake.entries[2].type, 7);
	ck_assert_uint_eq(fake.entries[2].flags, 0x8000);
	ck_assert_uint_eq(fake.entries[2].payload_len, 5);
	ck_assert_uint_eq(fake.entries[2].payload, (uintptr_t)pay_b);

	/* first_seq_out is optional. */
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 1, NULL), 1);
	ck_assert_uint_eq(arg->count, 1);
	ck_assert_uint_eq(fake.calls, 2);
}
END_TEST

/* Refused before any ioctl, and first_seq_out left alone. */
START_TEST(test_post_batch_invalid)
{
	struct el_post_entry e[5];
	uint64_t seq = 77;
	int i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < 5; i++) {
		e[i].type = i;
		e[i].payload = pay_a;
		e[i].len = 3;
	}
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 0, &seq), -EINVAL);
	ck_assert_int_eq(el_post_batch(FAKE_FD, NULL, 0, &seq), -EINVAL);
	ck_assert_int_eq(el_post_batch(FAKE_FD, NULL, 5, &seq), -EINVAL);
	/* The count is returned as an int; checked before entries are read. */
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, (size_t)INT_MAX + 1, &seq),
			 -EINVAL);

	/* A payload pointer is needed when there is a payload, in any entry. */
	e[3].payload = NULL;
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 5, &seq), -EINVAL);
	e[3].len = 0;
	ck_assert_uint_eq(fake.calls, 0);
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 5, NULL), 5);
	ck_assert_uint_eq(fake.entries[3].payload, 0);
	ck_assert_uint_eq(fake.entries[3].payload_len, 0);
	ck_assert_uint_eq(fake.calls, 1);
#if SIZE_MAX > UINT32_MAX
	/* The kernel's payload_len is 32 bits: no length may wrap in it. */
	e[4].len = (size_t)UINT32_MAX + 1;
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 5, &seq), -EMSGSIZE);
	e[4].len = UINT32_MAX;
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, 5, NULL), 5);
	ck_assert_uint_eq(fake.entries[4].payload_len, UINT32_MAX);
	ck_assert_uint_eq(fake.calls, 2);
#endif
	ck_assert_uint_eq(seq, 77);
}
END_TEST

/* Past the on-stack array the entries are converted in one allocation. */
START_TEST(test_post_batch_large)
{
	static struct el_post_entry e[FAKE_MAX_BATCH + 1];
	static unsigned char pay[FAKE_MAX_BATCH + 1];
	struct eventline_post_batch *arg = (void *)fake.arg;
	const size_t counts[] = { 63, 64, 65, 200, FAKE_MAX_BATCH };
	uint64_t seq = 0;
	size_t n, i;

	for (i = 0; i < FAKE_MAX_BATCH + 1; i++) {
		e[i].type = i % (EVENTLINE_TYPE_MAX + 1);
		e[i].payload = &pay[i];
		e[i].len = i + 1 <= UINT16_MAX ? i + 1 : 1;
	}
	for (n = 0; n < sizeof(counts) / sizeof(counts[0]); n++) {
		memset(fake.entries, 0, sizeof(fake.entries));
		ck_assert_int_eq(el_post_batch(FAKE_FD, e, counts[n], &seq),
				 counts[n]);
		ck_assert_uint_eq(arg->count, counts[n]);
		for (i = 0; i < counts[n]; i++) {
			ck_assert_uint_eq(fake.entries[i].type, e[i].type);
			ck_assert_uint_eq(fake.entries[i].payload_len, e[i].len);
			ck_assert_uint_eq(fake.entries[i].payload,
					  (uintptr_t)&pay[i]);
		}
	}
	/* Above max_post_batch the module refuses; nothing is split. */
	seq = 0;
	ck_assert_int_eq(el_post_batch(FAKE_FD, e, FAKE_MAX_BATCH + 1, &seq),
			 -EINVAL);
	ck_assert_uint_eq(arg->count, FAKE_MAX_BATCH + 1);
	ck_assert_uint_eq(seq, 0);
	ck_assert_uint_eq(fake.calls, n + 1);
}
END_TEST

START_TEST(test_post_entries_init)
{
	struct el_post_entry src[2] = {
		{ .type = 3, .flags = 1, .payload = pay_b, .len = 5 },
		{ .type = 4, .payload = NULL, .len = 1 },
	};
	struct eventline_post_entry dst[2];

	ck_assert_int_eq(sizeof(dst[0]), EVENTLINE_POST_ENTRY_SIZE_VER0);
	memset(dst, 0xff, sizeof(dst));
	ck_assert_int_eq(el__post_entries_init(dst, src, 1), 0);
	ck_assert_uint_eq(dst[0].type, 3);
	ck_assert_uint_eq(dst[0].flags, 1);
	ck_assert_uint_eq(dst[0].payload_len, 5);
	ck_assert_uint_eq(dst[0].payload, (uintptr_t)pay_b);
	ck_assert_int_eq(el__post_entries_init(dst, src, 2), -EINVAL);
	ck_assert_int_eq(el__post_entries_init(dst, src, 0), 0);
}
END_TEST

START_TEST(test_info)
{
	struct eventline_info info;
	struct eventline_info *arg = (void *)fake.arg;

	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_info(&fake_ctx, &info), 0);
	ck_assert_uint_eq(fake.request, EVENTLINE_IOC_GET_INFO);
	ck_assert_uint_eq(arg->size, sizeof(info));
	ck_assert_uint_eq(arg->size, 128);
	ck_assert_uint_eq(arg->flags, 0);
	ck_assert_uint_eq(arg->max_payload, 0);
	ck_assert_uint_eq(arg->max_post_batch_bytes, 0);
	ck_assert_uint_eq(info.api_version, EVENTLINE_API_VERSION);
	ck_assert_uint_eq(info.max_payload, fake_info.max_payload);
	ck_assert_uint_eq(info.max_post_batch, FAKE_MAX_BATCH);
	ck_assert_uint_eq(info.max_ring_size, fake_info.max_ring_size);
	ck_assert_uint_eq(info.default_ring_size, fake_info.default_ring_size);
	ck_assert_uint_eq(info.max_post_batch_bytes,
			  fake_info.max_post_batch_bytes);
	ck_assert_uint_eq(info.max_registers_per_user,
			  fake_info.max_registers_per_user);
	ck_assert_uint_eq(info.max_posters_per_user,
			  fake_info.max_posters_per_user);
	ck_assert_uint_eq(info.max_subs_per_user, fake_info.max_subs_per_user);
	ck_assert_uint_eq(info.owner_reserved_subs,
			  fake_info.owner_reserved_subs);
	ck_assert_int_eq(info.priority_ceiling, fake_info.priority_ceiling);
	ck_assert_uint_eq(info.demote_overflows, fake_info.demote_overflows);
	ck_assert_uint_eq(info.max_depth, fake_info.max_depth);
	ck_assert_uint_eq(info.stage_timeout_ms, fake_info.stage_timeout_ms);
}
END_TEST

/* A module from before the struct grew: the newer fields read 0. */
START_TEST(test_info_old_module)
{
	struct eventline_info info;

	fake.info_size = EVENTLINE_INFO_SIZE_VER0;
	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_info(&fake_ctx, &info), 0);
	ck_assert_uint_eq(info.size, sizeof(info));
	ck_assert_uint_eq(info.api_version, EVENTLINE_API_VERSION);
	ck_assert_uint_eq(info.line_modes, fake_info.line_modes);
	ck_assert_uint_eq(info.max_post_batch, 0);
	ck_assert_uint_eq(info.max_ring_size, 0);
	ck_assert_uint_eq(info.default_ring_size, 0);
	ck_assert_uint_eq(info.max_post_batch_bytes, 0);
	ck_assert_uint_eq(info.max_registers_per_user, 0);

	/* A 0.2 module: the 0.3 fields read 0, the 0.2 ones are there. */
	fake.info_size = 96;
	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_info(&fake_ctx, &info), 0);
	ck_assert_uint_eq(info.max_post_batch_bytes,
			  fake_info.max_post_batch_bytes);
	ck_assert_uint_eq(info.max_registers_per_user, 0);
	ck_assert_uint_eq(info.max_posters_per_user, 0);
	ck_assert_uint_eq(info.max_subs_per_user, 0);
	ck_assert_uint_eq(info.owner_reserved_subs, 0);

	/* A module without the chain: its limits, no ceiling, no depth. */
	fake.info_size = offsetof(struct eventline_info, priority_ceiling);
	memset(&info, 0xff, sizeof(info));
	ck_assert_int_eq(el_info(&fake_ctx, &info), 0);
	ck_assert_uint_eq(info.owner_reserved_subs,
			  fake_info.owner_reserved_subs);
	ck_assert_int_eq(info.priority_ceiling, 0);
	ck_assert_uint_eq(info.demote_overflows, 0);
	ck_assert_uint_eq(info.max_depth, 0);
	ck_assert_uint_eq(info.stage_timeout_ms, 0);
}
END_TEST

/*
 * el_info@EVENTLINE_0.2, which programs linked against 0.2 call: the 96-byte
 * struct of 0.2, filled in full, and not one byte past it.
 */
START_TEST(test_info_v0_2)
{
	struct eventline_info *arg = (void *)fake.arg;
	struct {
		unsigned char info[96];
		unsigned char canary[32];
	} buf;
	struct eventline_info v2;
	size_t i;

	ck_assert_uint_eq(offsetof(struct eventline_info,
				   max_registers_per_user), sizeof(buf.info));
	memset(&buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(el__info_v0_2(&fake_ctx, (void *)buf.info), 0);
	ck_assert_uint_eq(arg->size, sizeof(buf.info));
	for (i = 0; i < sizeof(buf.canary); i++)
		ck_assert_uint_eq(buf.canary[i], 0xa5);
	memset(&v2, 0, sizeof(v2));
	memcpy(&v2, buf.info, sizeof(buf.info));
	ck_assert_uint_eq(v2.size, sizeof(buf.info));
	ck_assert_uint_eq(v2.api_version, EVENTLINE_API_VERSION);
	ck_assert_uint_eq(v2.max_post_batch_bytes,
			  fake_info.max_post_batch_bytes);
	ck_assert_int_eq(el__info_v0_2(NULL, (void *)buf.info), -EINVAL);
}
END_TEST

/*
 * el_info@EVENTLINE_0.1, which programs linked against 0.1 call: it must
 * fill the 0.1 struct and not one byte past it.
 */
START_TEST(test_info_v0_1)
{
	struct eventline_info *arg = (void *)fake.arg;
	struct {
		unsigned char info[EVENTLINE_INFO_SIZE_VER0];
		unsigned char canary[32];
	} buf;
	struct eventline_info v0;
	size_t i;

	memset(&buf, 0xa5, sizeof(buf));
	ck_assert_int_eq(el__info_v0_1(&fake_ctx, (void *)buf.info), 0);
	ck_assert_uint_eq(arg->size, EVENTLINE_INFO_SIZE_VER0);
	for (i = 0; i < sizeof(buf.canary); i++)
		ck_assert_uint_eq(buf.canary[i], 0xa5);
	memcpy(&v0, buf.info, sizeof(buf.info));
	ck_assert_uint_eq(v0.size, EVENTLINE_INFO_SIZE_VER0);
	ck_assert_uint_eq(v0.api_version, EVENTLINE_API_VERSION);
	ck_assert_uint_eq(v0.line_modes, fake_info.line_modes);
	ck_assert_int_eq(el__info_v0_1(NULL, (void *)buf.info), -EINVAL);
	ck_assert_int_eq(el__info_v0_1(&fake_ctx, NULL), -EINVAL);
}
END_TEST

/* The real syscalls, on files that are not the eventline device. */
START_TEST(test_ctx_open)
{
	struct el_open_opts o = { .sz = sizeof(o), .path = "/dev/null" };
	struct { struct el_open_opts v1; uint64_t future; } big;
	struct eventline_info info;
	struct el_post_entry batch[100];
	struct el_ctx *ctx = NULL;
	uint64_t seq = 5;
	char buf[64];
	int fd;

	ck_assert_int_eq(el_ctx_open(&ctx, &o), 0);
	ck_assert_ptr_nonnull(ctx);
	fd = el_ctx_fd(ctx);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	/* Wrong device: the ioctl's errno comes back negated. */
	ck_assert_int_eq(el_info(ctx, &info), -ENOTTY);
	memset(batch, 0, sizeof(batch));
	ck_assert_int_eq(el_post_batch(fd, batch, 1, &seq), -ENOTTY);
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
	ck_assert_int_eq(el_post_batch(-1, batch, 1, &seq), -EBADF);
	/* On the heap path too; ASan fails the run if the copy leaks. */
	ck_assert_int_eq(el_post_batch(-1, batch, 100, &seq), -EBADF);
	ck_assert_uint_eq(seq, 5);
	ck_assert_int_eq(el_read(-1, buf, sizeof(buf)), -EBADF);
}
END_TEST

START_TEST(test_version)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", EL_VERSION_MAJOR,
		 EL_VERSION_MINOR, EL_VERSION_PATCH);
	ck_assert_str_eq(el_version(), want);
	ck_assert_str_eq(el_version(), "0.3.0");
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
	tcase_add_test(opts, test_line_open_opts);
	tcase_add_test(opts, test_subscribe_opts);
	tcase_add_test(opts, test_register_opts_old_caller);
	tcase_add_test(opts, test_register_opts_tail);
	tcase_add_test(wrap, test_register_create);
	tcase_add_test(wrap, test_post);
	tcase_add_test(wrap, test_post_batch);
	tcase_add_test(wrap, test_post_batch_invalid);
	tcase_add_test(wrap, test_post_batch_large);
	tcase_add_test(wrap, test_post_entries_init);
	tcase_add_test(wrap, test_info);
	tcase_add_test(wrap, test_info_old_module);
	tcase_add_test(wrap, test_info_v0_1);
	tcase_add_test(wrap, test_info_v0_2);
	tcase_add_test(wrap, test_line_info);
	tcase_add_test(wrap, test_line_subs);
	tcase_add_test(wrap, test_evict);
	tcase_add_test(opts, test_priority);
	tcase_add_test(wrap, test_grant);
	tcase_add_test(wrap, test_line_config);
	tcase_add_test(wrap, test_mutate);
	tcase_add_test(wrap, test_ctx_open);
	tcase_add_test(wrap, test_version);
	suite_add_tcase(s, opts);
	suite_add_tcase(s, wrap);
	return s;
}
