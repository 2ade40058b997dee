// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl_test - the rules every eventline ioctl shares, checked on all of
 * them from one table.
 *
 * The uapi header promises the same behaviour everywhere: a size field
 * (short -> EINVAL, bigger with a non-zero tail -> E2BIG, bigger with a
 * zero tail -> accepted, above a page -> E2BIG), unknown flag bits and
 * non-zero __reserved fields -> EINVAL, bad pointers -> EFAULT, a command
 * on the wrong kind of fd -> ENOTTY, and output written only as far as
 * the caller's size reaches.  A new ioctl gets all of this by adding one
 * row to abi_cmds[].
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

enum fd_kind {
	FD_CTL,		/* /dev/eventline */
	FD_OWNER,	/* LINE_CREATE */
	FD_POSTER,	/* LINE_OPEN */
	FD_REG,		/* REGISTER_CREATE */
	FD_NR,
};

static const char *const fd_kind_name[FD_NR] = {
	"control", "line owner", "line poster", "register",
};

/* One fd of each kind, plus what the arguments refer to. */
struct abi_ctx {
	struct eventline_info info;
	int fd[FD_NR];
	uint64_t line_id;
	char line_name[EVENTLINE_NAME_MAX];
	/* POST_BATCH's entries: they live outside its argument struct. */
	struct eventline_post_entry ents[1];
	/* LINE_SUBS writes here */
	struct eventline_sub_info subs[4];
	/* a non-blocking register that EVICT's rows subscribe and evict */
	int evict_reg;
};

/* The ABI is fixed by these sizes, for 64-bit and 32-bit callers alike. */
_Static_assert(sizeof(struct eventline_info) == 128, "info");
_Static_assert(sizeof(struct eventline_line_ref) == 88, "line_ref");
_Static_assert(offsetof(struct eventline_line_ref, priority) ==
	       EVENTLINE_LINE_REF_SIZE_VER0 + 4, "line_ref priority");
_Static_assert(sizeof(struct eventline_line_info) ==
	       EVENTLINE_LINE_INFO_SIZE_VER0, "line_info");
_Static_assert(sizeof(struct eventline_sub_info) == 72, "sub_info");
_Static_assert(sizeof(struct eventline_mutate) ==
	       EVENTLINE_MUTATE_SIZE_VER0, "mutate");
_Static_assert(sizeof(struct eventline_choke) == 16, "choke");
_Static_assert(sizeof(struct eventline_line_subs) == 40, "line_subs");
_Static_assert(sizeof(struct eventline_evict) == 24, "evict");
_Static_assert(sizeof(struct eventline_priority) ==
	       EVENTLINE_PRIORITY_SIZE_VER0, "priority");
_Static_assert(sizeof(struct eventline_grant) == EVENTLINE_GRANT_SIZE_VER0,
	       "grant");
_Static_assert(sizeof(struct eventline_line_config) ==
	       EVENTLINE_LINE_CONFIG_SIZE_VER0, "line_config");
_Static_assert(sizeof(struct eventline_demotion) == 16, "demotion");
_Static_assert(sizeof(struct eventline_register_create) == 32,
	       "register_create");
_Static_assert(sizeof(struct eventline_post_batch) == 40, "post_batch");
_Static_assert(sizeof(struct eventline_post_entry) ==
	       EVENTLINE_POST_ENTRY_SIZE_VER0, "post_entry");

#define ABI_BUF	(3 * 4096)

struct abi_cmd {
	const char *name;
	unsigned long cmd;
	unsigned int kinds;		/* bitmask of (1 << FD_*) it works on */
	size_t ver0;			/* EVENTLINE_*_SIZE_VER0 */
	size_t size;			/* sizeof() the struct */
	/* flags the kernel accepts, from GET_INFO */
	uint32_t (*valid_flags)(const struct abi_ctx *c);
	/*
	 * The errno an accepted flag alone gives with the valid argument,
	 * when it asks for something the argument cannot satisfy; NULL: 0.
	 */
	int (*flag_err)(uint32_t flag);
	/* reserved fields: offset and width, 0 width for none */
	size_t rsv_off[2], rsv_len[2];
	/* build a valid argument in @arg (zeroed, size set by the caller) */
	void (*prep)(struct abi_ctx *c, void *arg);
	/* undo whatever a call did (close fds, unsubscribe); @ret is its result */
	void (*undo)(struct abi_ctx *c, void *arg, long ret);
	/* (1 << FD_*): the fd the calls go to; 0: the first of @kinds */
	unsigned int use;
	/*
	 * The smallest size the valid argument works with, when an input
	 * beyond VER0 is needed; a VER0 caller then gets @ver0_err.
	 */
	size_t min_ok;
	int ver0_err;
};

static uint32_t flags_none(const struct abi_ctx *c)
{
	(void)c;
	return 0;
}

static uint32_t flags_grant(const struct abi_ctx *c)
{
	(void)c;
	return EVENTLINE_GRANT_MUTATE;
}

static uint32_t flags_line_create(const struct abi_ctx *c)
{
	return c->info.line_create_flags;
}

static uint32_t flags_line_open(const struct abi_ctx *c)
{
	return c->info.line_open_flags;
}

static uint32_t flags_register(const struct abi_ctx *c)
{
	return c->info.register_flags;
}

static uint32_t flags_subscribe(const struct abi_ctx *c)
{
	return c->info.subscribe_flags;
}

static uint32_t flags_post(const struct abi_ctx *c)
{
	return c->info.post_flags;
}

/* The header gives POST_BATCH only EVENTLINE_POST_PARENT of POST's flags. */
static uint32_t flags_post_batch(const struct abi_ctx *c)
{
	return c->info.post_flags & EVENTLINE_POST_PARENT;
}

/*
 * The test's line is owned by the test's uid (0), so insisting on owner
 * uid 0 (owner_uid is 0 in the valid argument) is met, and insisting on
 * kernel code as the owner is refused.
 */
static int flag_err_line_ref(uint32_t flag)
{
	return flag == EVENTLINE_REF_KERNEL_OWNED ? EACCES : 0;
}

static void prep_nothing(struct abi_ctx *c, void *arg)
{
	(void)c;
	(void)arg;
}

static void prep_line_create(struct abi_ctx *c, void *arg)
{
	struct eventline_line_create *lc = arg;

	(void)c;
	lc->mode = 0600;
}

static void prep_line_ref(struct abi_ctx *c, void *arg)
{
	struct eventline_line_ref *ref = arg;

	ref->id = c->line_id;
}

static void prep_unsubscribe(struct abi_ctx *c, void *arg)
{
	struct eventline_line_ref *ref = arg;

	ASSERT_OK(tu_subscribe(c->fd[FD_REG], c->line_id, NULL));
	ref->id = c->line_id;
}

/* LINE_INFO's id is in for a register, out (and ignored) for line fds. */
static void prep_line_info(struct abi_ctx *c, void *arg)
{
	struct eventline_line_info *li = arg;

	li->id = c->line_id;
}

static void prep_line_subs(struct abi_ctx *c, void *arg)
{
	struct eventline_line_subs *ls = arg;

	ls->count = TU_ARRAY_SIZE(c->subs);
	ls->entry_size = sizeof(c->subs[0]);
	ls->entries = (uintptr_t)c->subs;
}

/* A register lists a line it is subscribed to, named by line_id. */
static void prep_reg_line_subs(struct abi_ctx *c, void *arg)
{
	struct eventline_line_subs *ls = arg;

	ASSERT_OK(tu_subscribe(c->fd[FD_REG], c->line_id, NULL));
	prep_line_subs(c, arg);
	ls->line_id = c->line_id;
}

/* The sub_ids of the test line's subscriptions; returns how many. */
static unsigned int line_sub_ids(struct abi_ctx *c, uint64_t *ids,
				 unsigned int room)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = TU_ARRAY_SIZE(c->subs),
		.entry_size = sizeof(c->subs[0]),
		.entries = (uintptr_t)c->subs,
	};
	long n = tu_ioctl(c->fd[FD_OWNER], EVENTLINE_IOC_LINE_SUBS, &ls);
	long i;

	ASSERT_OK(n);
	ASSERT_LE(n, room);
	for (i = 0; i < n; i++)
		ids[i] = c->subs[i].sub_id;
	return n;
}

/* Subscribe the eviction register; returns its new subscription's id. */
static uint64_t evict_reg_subscribe(struct abi_ctx *c)
{
	uint64_t before[4], after[4];
	unsigned int nb, na, i, j;

	nb = line_sub_ids(c, before, TU_ARRAY_SIZE(before));
	ASSERT_OK(tu_subscribe(c->evict_reg, c->line_id, NULL));
	na = line_sub_ids(c, after, TU_ARRAY_SIZE(after));
	ASSERT_EQ(na, nb + 1);
	/* sub_ids are never reused: the new one is the one not seen before. */
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && before[j] != after[i]; j++)
			;
		if (j == nb)
			break;
	}
	ASSERT_LT(i, na);
	return after[i];
}

/* EVICT names the eviction register's new subscription. */
static void prep_evict(struct abi_ctx *c, void *arg)
{
	struct eventline_evict *ev = arg;

	ev->sub_id = evict_reg_subscribe(c);
}

/* The register asks for priority 0, the default, on its new subscription. */
static void prep_priority(struct abi_ctx *c, void *arg)
{
	struct eventline_priority *pr = arg;

	ASSERT_OK(tu_subscribe(c->fd[FD_REG], c->line_id, NULL));
	pr->line_id = c->line_id;
}

/* The owner grants the eviction register's new subscription up to 10. */
static void prep_grant(struct abi_ctx *c, void *arg)
{
	struct eventline_grant *gr = arg;

	gr->sub_id = evict_reg_subscribe(c);
	gr->max_priority = 10;
}

static void prep_retain_clear(struct abi_ctx *c, void *arg)
{
	struct eventline_retain_clear *rc = arg;

	(void)c;
	rc->types = ~0ULL;
}

/* The ceiling the module gives a new line: setting it changes nothing. */
static void prep_line_config(struct abi_ctx *c, void *arg)
{
	struct eventline_line_config *lc = arg;

	lc->priority_ceiling = c->info.priority_ceiling;
}

static void prep_post(struct abi_ctx *c, void *arg)
{
	struct eventline_post *p = arg;

	(void)c;
	p->type = 1;
}

/* One entry without payload: the batch posts one event. */
static void prep_post_batch(struct abi_ctx *c, void *arg)
{
	struct eventline_post_batch *b = arg;

	memset(c->ents, 0, sizeof(c->ents));
	c->ents[0].type = 2;
	b->count = 1;
	b->entry_size = sizeof(c->ents[0]);
	b->entries = (uintptr_t)c->ents;
}

static void undo_nothing(struct abi_ctx *c, void *arg, long ret)
{
	(void)c;
	(void)arg;
	(void)ret;
}

static void undo_close(struct abi_ctx *c, void *arg, long ret)
{
	(void)c;
	(void)arg;
	if (ret >= 0)
		close(ret);
}

static void undo_subscribe(struct abi_ctx *c, void *arg, long ret)
{
	(void)arg;
	if (ret >= 0)
		EXPECT_OK(tu_unsubscribe(c->fd[FD_REG], c->line_id));
}

/* Calls that leave the subscription prep made in place, failed or not. */
static void undo_reg_sub(struct abi_ctx *c, void *arg, long ret)
{
	(void)arg;
	(void)ret;
	EXPECT_OK(tu_unsubscribe(c->fd[FD_REG], c->line_id));
}

static void undo_evict_reg_sub(struct abi_ctx *c, void *arg, long ret)
{
	(void)arg;
	(void)ret;
	EXPECT_OK(tu_unsubscribe(c->evict_reg, c->line_id));
}

static void undo_unsubscribe(struct abi_ctx *c, void *arg, long ret)
{
	(void)arg;
	/* A call that failed left the subscription in place. */
	if (ret < 0)
		EXPECT_OK(tu_unsubscribe(c->fd[FD_REG], c->line_id));
}

/*
 * An eviction ends the subscription: read the EVICTED record (and the end
 * of stream after it) so that the register may subscribe again and its
 * ring does not fill.  A refused one left the subscription in place.
 */
static void undo_evict(struct abi_ctx *c, void *arg, long ret)
{
	struct pollfd pfd = { .fd = c->evict_reg, .events = POLLIN };
	unsigned char buf[4096];
	ssize_t n;

	(void)arg;
	if (ret < 0) {
		EXPECT_OK(tu_unsubscribe(c->evict_reg, c->line_id));
		return;
	}
	for (;;) {
		if (poll(&pfd, 1, 5000) != 1) {
			tap_diag("EVICT: no end of stream on the evicted register");
			tap_fail();
			return;
		}
		n = read(c->evict_reg, buf, sizeof(buf));
		if (n == 0)
			return;
		if (n < 0 && errno != EAGAIN) {
			tap_diag("EVICT: read: %s", tap_errname(errno));
			tap_fail();
			return;
		}
	}
}

static const struct abi_cmd abi_cmds[] = {
	{
		.name = "GET_INFO", .cmd = EVENTLINE_IOC_GET_INFO,
		.kinds = 1 << FD_CTL,
		.ver0 = EVENTLINE_INFO_SIZE_VER0,
		.size = sizeof(struct eventline_info),
		.valid_flags = flags_none,
		.prep = prep_nothing, .undo = undo_nothing,
	},
	{
		.name = "LINE_CREATE", .cmd = EVENTLINE_IOC_LINE_CREATE,
		.kinds = 1 << FD_CTL,
		.ver0 = EVENTLINE_LINE_CREATE_SIZE_VER0,
		.size = sizeof(struct eventline_line_create),
		.valid_flags = flags_line_create,
		.rsv_off = { offsetof(struct eventline_line_create, __reserved) },
		.rsv_len = { sizeof(((struct eventline_line_create *)0)->__reserved) },
		.prep = prep_line_create, .undo = undo_close,
	},
	{
		.name = "LINE_OPEN", .cmd = EVENTLINE_IOC_LINE_OPEN,
		.kinds = 1 << FD_CTL,
		.ver0 = EVENTLINE_LINE_REF_SIZE_VER0,
		.size = sizeof(struct eventline_line_ref),
		.valid_flags = flags_line_open,
		.flag_err = flag_err_line_ref,
		/*
		 * owner_uid must be 0 without EVENTLINE_REF_OWNER_UID, and
		 * only SUBSCRIBE takes a priority.
		 */
		.rsv_off = { offsetof(struct eventline_line_ref, owner_uid),
			     offsetof(struct eventline_line_ref, priority) },
		.rsv_len = { sizeof(((struct eventline_line_ref *)0)->owner_uid),
			     sizeof(((struct eventline_line_ref *)0)->priority) },
		.prep = prep_line_ref, .undo = undo_close,
	},
	{
		.name = "REGISTER_CREATE", .cmd = EVENTLINE_IOC_REGISTER_CREATE,
		.kinds = 1 << FD_CTL,
		.ver0 = EVENTLINE_REGISTER_CREATE_SIZE_VER0,
		.size = sizeof(struct eventline_register_create),
		.valid_flags = flags_register,
		/* The depths must be 0 without EVENTLINE_REGISTER_DEPTH_FILTER. */
		.rsv_off = { offsetof(struct eventline_register_create, min_depth),
			     offsetof(struct eventline_register_create, __reserved2) },
		.rsv_len = { 2 * sizeof(((struct eventline_register_create *)0)->min_depth),
			     sizeof(((struct eventline_register_create *)0)->__reserved2) },
		.prep = prep_nothing, .undo = undo_close,
	},
	{
		.name = "SUBSCRIBE", .cmd = EVENTLINE_IOC_SUBSCRIBE,
		.kinds = 1 << FD_REG,
		.ver0 = EVENTLINE_LINE_REF_SIZE_VER0,
		.size = sizeof(struct eventline_line_ref),
		.valid_flags = flags_subscribe,
		.flag_err = flag_err_line_ref,
		/* priority is an input here: test_priority_range */
		.rsv_off = { offsetof(struct eventline_line_ref, owner_uid) },
		.rsv_len = { sizeof(((struct eventline_line_ref *)0)->owner_uid) },
		.prep = prep_line_ref, .undo = undo_subscribe,
	},
	{
		.name = "UNSUBSCRIBE", .cmd = EVENTLINE_IOC_UNSUBSCRIBE,
		.kinds = 1 << FD_REG,
		.ver0 = EVENTLINE_LINE_REF_SIZE_VER0,
		.size = sizeof(struct eventline_line_ref),
		/* The header gives UNSUBSCRIBE no flags at all. */
		.valid_flags = flags_none,
		.rsv_off = { offsetof(struct eventline_line_ref, owner_uid),
			     offsetof(struct eventline_line_ref, priority) },
		.rsv_len = { sizeof(((struct eventline_line_ref *)0)->owner_uid),
			     sizeof(((struct eventline_line_ref *)0)->priority) },
		.prep = prep_unsubscribe, .undo = undo_unsubscribe,
	},
	{
		.name = "POST", .cmd = EVENTLINE_IOC_POST,
		.kinds = (1 << FD_OWNER) | (1 << FD_POSTER),
		.ver0 = EVENTLINE_POST_SIZE_VER0,
		.size = sizeof(struct eventline_post),
		.valid_flags = flags_post,
		/* parent_depth must be 0 without EVENTLINE_POST_PARENT. */
		.rsv_off = { offsetof(struct eventline_post, parent_depth) },
		.rsv_len = { sizeof(((struct eventline_post *)0)->parent_depth) },
		.prep = prep_post, .undo = undo_nothing,
	},
	{
		.name = "POST_BATCH", .cmd = EVENTLINE_IOC_POST_BATCH,
		.kinds = (1 << FD_OWNER) | (1 << FD_POSTER),
		.ver0 = EVENTLINE_POST_BATCH_SIZE_VER0,
		.size = sizeof(struct eventline_post_batch),
		.valid_flags = flags_post_batch,
		/* parent_depth (0 without its flag), __reserved0, __reserved1 */
		.rsv_off = { offsetof(struct eventline_post_batch, parent_depth) },
		.rsv_len = { sizeof(struct eventline_post_batch) -
			     offsetof(struct eventline_post_batch, parent_depth) },
		.prep = prep_post_batch, .undo = undo_nothing,
	},
	{
		/* All out, but a register's id: nothing reserved. */
		.name = "LINE_INFO", .cmd = EVENTLINE_IOC_LINE_INFO,
		.kinds = (1 << FD_OWNER) | (1 << FD_POSTER) | (1 << FD_REG),
		.ver0 = EVENTLINE_LINE_INFO_SIZE_VER0,
		.size = sizeof(struct eventline_line_info),
		.valid_flags = flags_none,
		.prep = prep_line_info, .undo = undo_nothing,
	},
	{
		.name = "LINE_SUBS", .cmd = EVENTLINE_IOC_LINE_SUBS,
		.kinds = (1 << FD_OWNER) | (1 << FD_REG),
		.use = 1 << FD_OWNER,
		.ver0 = EVENTLINE_LINE_SUBS_SIZE_VER0,
		.size = sizeof(struct eventline_line_subs),
		.valid_flags = flags_none,
		.prep = prep_line_subs, .undo = undo_nothing,
	},
	{
		.name = "LINE_SUBS (register)", .cmd = EVENTLINE_IOC_LINE_SUBS,
		.kinds = (1 << FD_OWNER) | (1 << FD_REG),
		.use = 1 << FD_REG,
		.ver0 = EVENTLINE_LINE_SUBS_SIZE_VER0,
		.size = sizeof(struct eventline_line_subs),
		.valid_flags = flags_none,
		.prep = prep_reg_line_subs, .undo = undo_reg_sub,
		/* line_id comes after the first version's fields */
		.min_ok = offsetof(struct eventline_line_subs, line_id) +
			  sizeof(uint64_t),
		.ver0_err = ENOENT,
	},
	{
		.name = "EVICT", .cmd = EVENTLINE_IOC_EVICT,
		.kinds = 1 << FD_OWNER,
		.ver0 = EVENTLINE_EVICT_SIZE_VER0,
		.size = sizeof(struct eventline_evict),
		.valid_flags = flags_none,
		.prep = prep_evict, .undo = undo_evict,
	},
	{
		/* result is out only: ignored on input, nothing reserved. */
		.name = "PRIORITY", .cmd = EVENTLINE_IOC_PRIORITY,
		.kinds = 1 << FD_REG,
		.ver0 = EVENTLINE_PRIORITY_SIZE_VER0,
		.size = sizeof(struct eventline_priority),
		.valid_flags = flags_none,
		.prep = prep_priority, .undo = undo_reg_sub,
	},
	{
		.name = "GRANT", .cmd = EVENTLINE_IOC_GRANT,
		.kinds = 1 << FD_OWNER,
		.ver0 = EVENTLINE_GRANT_SIZE_VER0,
		.size = sizeof(struct eventline_grant),
		.valid_flags = flags_grant,
		.rsv_off = { offsetof(struct eventline_grant, __reserved) },
		.rsv_len = { sizeof(((struct eventline_grant *)0)->__reserved) },
		.prep = prep_grant, .undo = undo_evict_reg_sub,
	},
	{
		/* Nothing retained on the test line: clears none, returns 0. */
		.name = "RETAIN_CLEAR", .cmd = EVENTLINE_IOC_RETAIN_CLEAR,
		.kinds = 1 << FD_OWNER,
		.ver0 = EVENTLINE_RETAIN_CLEAR_SIZE_VER0,
		.size = sizeof(struct eventline_retain_clear),
		.valid_flags = flags_none,
		.prep = prep_retain_clear, .undo = undo_nothing,
	},
	{
		.name = "LINE_CONFIG", .cmd = EVENTLINE_IOC_LINE_CONFIG,
		.kinds = 1 << FD_OWNER,
		.ver0 = EVENTLINE_LINE_CONFIG_SIZE_VER0,
		.size = sizeof(struct eventline_line_config),
		.valid_flags = flags_none,
		.prep = prep_line_config, .undo = undo_nothing,
	},
};

static void abi_setup(struct abi_ctx *c)
{
	int ctl = tu_open_ctl();
	int ret;

	memset(c, 0, sizeof(*c));
	c->fd[FD_CTL] = ctl;
	tu_get_info(ctl, &c->info);
	snprintf(c->line_name, sizeof(c->line_name), "ioctl_test.%d", getpid());
	ret = tu_line_create(ctl, c->line_name, 0666, 0, &c->line_id);
	ASSERT_OK(ret);
	c->fd[FD_OWNER] = ret;
	c->fd[FD_POSTER] = ASSERT_OK(tu_line_open(ctl, c->line_id, NULL, 0));
	c->fd[FD_REG] = ASSERT_OK(tu_register_create(ctl, 0, 0));
	c->evict_reg = ASSERT_OK(tu_register_create(ctl, 0,
						    EVENTLINE_FD_NONBLOCK));
}

/* The fd @cmd's calls go to: its own choice, or the first it is valid on. */
static int abi_fd(const struct abi_ctx *c, const struct abi_cmd *cmd)
{
	unsigned int kinds = cmd->use ? cmd->use : cmd->kinds;
	int k;

	for (k = 0; k < FD_NR; k++)
		if (kinds & (1 << k))
			return c->fd[k];
	return -1;
}

/* The smallest size @cmd's valid argument works with. */
static size_t abi_min_ok(const struct abi_cmd *cmd)
{
	return cmd->min_ok ? cmd->min_ok : cmd->ver0;
}

/*
 * Build a valid argument for @cmd with the caller's size @size in a
 * zeroed buffer, run @mutate on it, issue the ioctl and undo its effect.
 */
static long abi_call(struct abi_ctx *c, const struct abi_cmd *cmd,
		     unsigned char *buf, uint32_t size,
		     void (*mutate)(unsigned char *buf, void *priv), void *priv)
{
	long ret;

	memset(buf, 0, ABI_BUF);
	cmd->prep(c, buf);
	*(uint32_t *)buf = size;
	if (mutate)
		mutate(buf, priv);
	ret = tu_ioctl(abi_fd(c, cmd), cmd->cmd, buf);
	cmd->undo(c, buf, ret);
	return ret;
}

static void abi_expect(const struct abi_cmd *cmd, const char *what,
		       long ret, int err)
{
	if (err == 0 && ret >= 0)
		return;
	if (err && ret == -err)
		return;
	tap_diag("%s, %s: expected %s%s, got %s%s", cmd->name, what,
		 err ? "-" : "", err ? tap_errname(err) : "success",
		 ret < 0 ? "-" : "", ret < 0 ? tap_errname(-ret) : "success");
	tap_fail();
}

/* Every ioctl works with its own size: the baseline for the rest. */
static void test_valid_args(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];

		abi_expect(cmd, "own size", abi_call(&c, cmd, buf, cmd->size,
						     NULL, NULL), 0);
		abi_expect(cmd, "VER0 size", abi_call(&c, cmd, buf, cmd->ver0,
						      NULL, NULL), cmd->ver0_err);
		if (cmd->min_ok)
			abi_expect(cmd, "smallest working size",
				   abi_call(&c, cmd, buf, cmd->min_ok, NULL,
					    NULL), 0);
	}
	free(buf);
}

static void test_short_size(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, j;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		const uint32_t sizes[] = { 0, 4, 8, cmd->ver0 - 8, cmd->ver0 - 1 };

		for (j = 0; j < TU_ARRAY_SIZE(sizes); j++) {
			char what[32];

			snprintf(what, sizeof(what), "size %u", sizes[j]);
			abi_expect(cmd, what, abi_call(&c, cmd, buf, sizes[j],
						       NULL, NULL), EINVAL);
		}
	}
	free(buf);
}

static void test_bigger_zero_tail(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, j;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		const uint32_t sizes[] = { cmd->size + 1, cmd->size + 8,
					   cmd->size + 100, 4096 };

		for (j = 0; j < TU_ARRAY_SIZE(sizes); j++) {
			char what[48];

			snprintf(what, sizeof(what), "size %u, zero tail",
				 sizes[j]);
			abi_expect(cmd, what, abi_call(&c, cmd, buf, sizes[j],
						       NULL, NULL), 0);
		}
	}
	free(buf);
}

static void dirty_byte(unsigned char *buf, void *priv)
{
	buf[*(size_t *)priv] = 0x01;
}

static void test_bigger_nonzero_tail(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, j;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		const struct { uint32_t size; size_t dirty; } cases[] = {
			{ cmd->size + 1, cmd->size },
			{ cmd->size + 8, cmd->size + 7 },
			{ 4096, cmd->size },
			{ 4096, 4095 },
		};

		for (j = 0; j < TU_ARRAY_SIZE(cases); j++) {
			char what[64];
			size_t dirty = cases[j].dirty;

			snprintf(what, sizeof(what), "size %u, byte %zu set",
				 cases[j].size, dirty);
			abi_expect(cmd, what,
				   abi_call(&c, cmd, buf, cases[j].size,
					    dirty_byte, &dirty), E2BIG);
		}
	}
	free(buf);
}

/* Sizes above one page are refused as too big, as clone3() does. */
static void test_size_over_page(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, j;

	if (sysconf(_SC_PAGESIZE) != 4096)
		tap_skip("page size is not 4096");
	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		const uint32_t sizes[] = { 4097, 8192, 0x80000000u, 0xffffffffu };

		for (j = 0; j < TU_ARRAY_SIZE(sizes); j++) {
			char what[32];

			snprintf(what, sizeof(what), "size %#x", sizes[j]);
			abi_expect(cmd, what, abi_call(&c, cmd, buf, sizes[j],
						       NULL, NULL), E2BIG);
		}
	}
	free(buf);
}

static void set_flags(unsigned char *buf, void *priv)
{
	((uint32_t *)buf)[1] = *(uint32_t *)priv;
}

/* Each flag bit the kernel does not advertise is refused. */
static void test_unknown_flags(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	unsigned int bit;
	size_t i;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		uint32_t valid = cmd->valid_flags(&c);

		for (bit = 0; bit < 32; bit++) {
			uint32_t flags = 1U << bit;
			char what[32];

			if (valid & flags)
				continue;
			snprintf(what, sizeof(what), "flags %#x", flags);
			abi_expect(cmd, what, abi_call(&c, cmd, buf, cmd->size,
						       set_flags, &flags),
				   EINVAL);
		}
		/* ... and each advertised one is accepted. */
		for (bit = 0; bit < 32; bit++) {
			uint32_t flags = 1U << bit;
			char what[32];

			if (!(valid & flags))
				continue;
			snprintf(what, sizeof(what), "flags %#x", flags);
			abi_expect(cmd, what, abi_call(&c, cmd, buf, cmd->size,
						       set_flags, &flags),
				   cmd->flag_err ? cmd->flag_err(flags) : 0);
		}
	}
	free(buf);
}

struct rsv_poke {
	size_t off;
	unsigned char val;
};

static void poke_byte(unsigned char *buf, void *priv)
{
	struct rsv_poke *p = priv;

	buf[p->off] = p->val;
}

static void test_reserved_fields(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, r, b;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];

		for (r = 0; r < 2; r++) {
			for (b = 0; b < cmd->rsv_len[r]; b++) {
				struct rsv_poke p = {
					.off = cmd->rsv_off[r] + b,
					.val = 0x80,
				};
				char what[48];

				snprintf(what, sizeof(what),
					 "reserved byte at %zu", p.off);
				abi_expect(cmd, what,
					   abi_call(&c, cmd, buf, cmd->size,
						    poke_byte, &p), EINVAL);
			}
		}
	}
	free(buf);
}

static void test_bad_pointers(void)
{
	struct abi_ctx c;
	size_t i;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		int fd = abi_fd(&c, cmd);
		void *bad[] = {
			NULL, (void *)1, tu_unmapped(),
			(void *)0xffffffff81000000UL, (void *)-8L,
		};
		unsigned char *p;
		size_t j;
		long ret;

		for (j = 0; j < TU_ARRAY_SIZE(bad); j++) {
			char what[48];

			snprintf(what, sizeof(what), "pointer %p", bad[j]);
			abi_expect(cmd, what, tu_ioctl(fd, cmd->cmd, bad[j]),
				   EFAULT);
		}

		/* size readable, the rest of the struct is not */
		p = tu_guarded(8);
		*(uint32_t *)p = cmd->size;
		abi_expect(cmd, "struct cut by a hole",
			   tu_ioctl(fd, cmd->cmd, p), EFAULT);

		/* struct readable, but its size claims more */
		p = tu_guarded(cmd->size);
		cmd->prep(&c, p);
		*(uint32_t *)p = cmd->size + 8;
		ret = tu_ioctl(fd, cmd->cmd, p);
		cmd->undo(&c, p, ret);
		abi_expect(cmd, "size past a hole", ret, EFAULT);

		/* and a struct ending right at the hole is fine */
		memset(p, 0, cmd->size);
		cmd->prep(&c, p);
		*(uint32_t *)p = cmd->size;
		ret = tu_ioctl(fd, cmd->cmd, p);
		cmd->undo(&c, p, ret);
		abi_expect(cmd, "struct ending at a hole", ret, 0);
	}
}

/* Output goes no further than the caller's size. */
static void test_no_write_past_size(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i, j;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];
		size_t min = abi_min_ok(cmd);
		long ret;

		/* prep writes inputs within min: the dirt stays beyond it. */
		memset(buf, 0xa5, ABI_BUF);
		memset(buf, 0, min);
		cmd->prep(&c, buf);
		*(uint32_t *)buf = min;
		ret = tu_ioctl(abi_fd(&c, cmd), cmd->cmd, buf);
		cmd->undo(&c, buf, ret);
		abi_expect(cmd, "smallest size, dirty memory after", ret, 0);
		for (j = min; j < min + 256; j++) {
			if (buf[j] != 0xa5) {
				tap_diag("%s: byte %zu past the caller's size "
					 "was written", cmd->name, j);
				tap_fail();
				break;
			}
		}
	}
	free(buf);
}

/* Each command is valid on its own kind of fd only: ENOTTY elsewhere. */
static void test_wrong_fd_kind(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	size_t i;
	int k;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		const struct abi_cmd *cmd = &abi_cmds[i];

		for (k = 0; k < FD_NR; k++) {
			char what[48];
			long ret;

			if (cmd->kinds & (1 << k))
				continue;
			memset(buf, 0, ABI_BUF);
			cmd->prep(&c, buf);
			*(uint32_t *)buf = cmd->size;
			ret = tu_ioctl(c.fd[k], cmd->cmd, buf);
			/* Undo what prep did, or the call if it wrongly worked. */
			cmd->undo(&c, buf, ret);
			snprintf(what, sizeof(what), "on a %s fd",
				 fd_kind_name[k]);
			abi_expect(cmd, what, ret, ENOTTY);
		}
	}
	free(buf);
}

/* Unknown command numbers, on every kind of fd. */
static void test_unknown_cmds(void)
{
	const unsigned long cmds[] = {
		_IO(EVENTLINE_IOC_MAGIC, 0x04),
		_IO(EVENTLINE_IOC_MAGIC, 0x1e),
		_IO(EVENTLINE_IOC_MAGIC, 0x1f),
		_IO(EVENTLINE_IOC_MAGIC, 0x22),
		_IO(EVENTLINE_IOC_MAGIC, 0xff),
		_IOWR(EVENTLINE_IOC_MAGIC, 0x20, struct eventline_post),
		_IOWR(EVENTLINE_IOC_MAGIC, 0x21, struct eventline_post_batch),
		_IOW(EVENTLINE_IOC_MAGIC, 0x10, struct eventline_line_ref),
		_IOWR(EVENTLINE_IOC_MAGIC, 0x15, struct eventline_priority),
		_IOW(EVENTLINE_IOC_MAGIC, 0x16, struct eventline_grant),
		_IO(0xE8, 0x20),
		_IO(0, 0),
	};
	unsigned char buf[256] = { 0 };
	struct abi_ctx c;
	size_t i;
	int k;

	abi_setup(&c);
	*(uint32_t *)buf = 128;
	for (k = 0; k < FD_NR; k++) {
		for (i = 0; i < TU_ARRAY_SIZE(cmds); i++) {
			long ret = tu_ioctl(c.fd[k], cmds[i], buf);

			if (ret != -ENOTTY) {
				tap_diag("%s fd, cmd %#lx: expected -ENOTTY, "
					 "got %ld", fd_kind_name[k], cmds[i],
					 ret);
				tap_fail();
			}
		}
	}
}

static long post_batch(int fd, void *ents, uint32_t count, uint32_t entry_size,
		       uint64_t *first_seq)
{
	struct eventline_post_batch b = {
		.size = sizeof(b),
		.count = count,
		.entry_size = entry_size,
		.entries = (uintptr_t)ents,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_POST_BATCH, &b);

	*first_seq = b.first_seq;
	return ret;
}

/* A refused call posted nothing: the line's next event gets seq @next. */
static void expect_next_seq(int fd, uint64_t *next)
{
	uint64_t seq = 0;

	EXPECT_OK(tu_post(fd, 1, NULL, 0, &seq));
	EXPECT_EQ(seq, *next);
	*next = seq + 1;
}

/*
 * POST_BATCH's entries are extensible structs too, with their size in
 * entry_size: at least VER0, a multiple of 8 and at most a page (EINVAL
 * otherwise), a zero tail beyond what the kernel knows is accepted and a
 * non-zero one is E2BIG; their flags must be 0 and they must be readable.
 * A refused batch posts none of its entries.
 */
static void test_batch_entries(void)
{
	const uint32_t bad_sizes[] = { 0, 8, 15, 17, 20, 23, 4097, 4104,
				       8192, 0xffffffffu };
	const uint32_t good_sizes[] = { 16, 24, 32, 64, 4096 };
	long pg = sysconf(_SC_PAGESIZE);
	struct eventline_post_entry *e, *big;
	uint64_t next = 1, first;
	unsigned char *area, *end;
	struct abi_ctx c;
	unsigned int bit;
	size_t i;
	int fd;

	if (pg != 4096)
		tap_skip("page size is not 4096");
	abi_setup(&c);
	fd = c.fd[FD_OWNER];
	/* Two pages for entries, then a hole. */
	area = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(area != MAP_FAILED);
	ASSERT_SYSOK(mprotect(area + 2 * pg, pg, PROT_NONE));
	end = area + 2 * pg;

	for (i = 0; i < TU_ARRAY_SIZE(bad_sizes); i++) {
		memset(area, 0, 2 * pg);
		EXPECT_RET(post_batch(fd, area, 1, bad_sizes[i], &first),
			   EINVAL);
	}
	expect_next_seq(fd, &next);

	for (i = 0; i < TU_ARRAY_SIZE(good_sizes); i++) {
		uint32_t es = good_sizes[i];

		/* Two entries, zero tails: both posted, in order. */
		memset(area, 0, 2 * pg);
		((struct eventline_post_entry *)area)->type = 3;
		((struct eventline_post_entry *)(area + es))->type = 4;
		EXPECT_EQ(post_batch(fd, area, 2, es, &first), 2);
		EXPECT_EQ(first, next);
		next += 2;
		if (es == sizeof(*e))
			continue;
		/* A non-zero byte in the second entry's tail, first or last. */
		area[es + sizeof(*e)] = 1;
		EXPECT_RET(post_batch(fd, area, 2, es, &first), E2BIG);
		area[es + sizeof(*e)] = 0;
		area[2 * es - 1] = 0x80;
		EXPECT_RET(post_batch(fd, area, 2, es, &first), E2BIG);
		expect_next_seq(fd, &next);
	}

	/* Entry flags (none defined) and types, in the second entry. */
	e = (struct eventline_post_entry *)area;
	for (bit = 0; bit < 16; bit++) {
		memset(area, 0, 2 * pg);
		e[1].flags = 1U << bit;
		EXPECT_RET(post_batch(fd, e, 2, sizeof(*e), &first), EINVAL);
	}
	memset(area, 0, 2 * pg);
	e[1].type = EVENTLINE_TYPE_MAX + 1;
	EXPECT_RET(post_batch(fd, e, 2, sizeof(*e), &first), EINVAL);
	e[1].type = 0xffff;
	EXPECT_RET(post_batch(fd, e, 2, sizeof(*e), &first), EINVAL);
	expect_next_seq(fd, &next);

	/* count: 1..max_post_batch. */
	big = calloc(c.info.max_post_batch + 1, sizeof(*big));
	ASSERT_TRUE(big != NULL);
	EXPECT_RET(post_batch(fd, big, 0, sizeof(*big), &first), EINVAL);
	EXPECT_RET(post_batch(fd, big, c.info.max_post_batch + 1, sizeof(*big),
			      &first), EINVAL);
	EXPECT_RET(post_batch(fd, big, 0xffffffffu, sizeof(*big), &first),
		   EINVAL);
	expect_next_seq(fd, &next);
	EXPECT_EQ(post_batch(fd, big, c.info.max_post_batch, sizeof(*big),
			     &first), c.info.max_post_batch);
	EXPECT_EQ(first, next);
	next += c.info.max_post_batch;
	free(big);

	/* Entries at bad addresses, or running into the hole. */
	EXPECT_RET(post_batch(fd, NULL, 1, sizeof(*e), &first), EFAULT);
	EXPECT_RET(post_batch(fd, tu_unmapped(), 1, sizeof(*e), &first),
		   EFAULT);
	memset(area, 0, 2 * pg);
	EXPECT_RET(post_batch(fd, end - 2 * sizeof(*e) + 8, 2, sizeof(*e),
			      &first), EFAULT);
	EXPECT_RET(post_batch(fd, end - 4096 - 8, 2, 4096, &first), EFAULT);
	expect_next_seq(fd, &next);
	EXPECT_EQ(post_batch(fd, end - 2 * sizeof(*e), 2, sizeof(*e), &first),
		  2);
	EXPECT_EQ(first, next);
	next += 2;

	/* The second payload faults: the good first entry stays unposted. */
	memset(area, 0, 2 * pg);
	e[0].payload_len = 8;
	e[0].payload = (uintptr_t)(area + pg);
	e[1].payload_len = 8;
	e[1].payload = (uintptr_t)(end - 4);
	EXPECT_RET(post_batch(fd, e, 2, sizeof(*e), &first), EFAULT);
	expect_next_seq(fd, &next);

	/*
	 * A batch (and a post) whose struct cannot take the sequence number
	 * back fails before posting: the struct is in a read-only page.
	 */
	memset(area, 0, 2 * pg);
	{
		struct eventline_post_batch *b = (void *)(area + pg);
		struct eventline_post *p = (void *)(area + pg + 64);

		*b = (struct eventline_post_batch){
			.size = sizeof(*b), .count = 1,
			.entry_size = sizeof(*e), .entries = (uintptr_t)area,
		};
		*p = (struct eventline_post){ .size = sizeof(*p), .type = 1 };
		ASSERT_SYSOK(mprotect(area + pg, pg, PROT_READ));
		EXPECT_RET(tu_ioctl(fd, EVENTLINE_IOC_POST_BATCH, b), EFAULT);
		EXPECT_RET(tu_ioctl(fd, EVENTLINE_IOC_POST, p), EFAULT);
		expect_next_seq(fd, &next);
	}

	ASSERT_SYSOK(munmap(area, 3 * pg));
}

/*
 * LINE_INFO answers the same on the owner fd, a poster fd and a register
 * subscribed to the line; out fields (the id on line fds, the ceiling) are
 * ignored on input.  A register asks about a line it is not subscribed to
 * in vain.
 */
static void test_line_info_fd_kinds(void)
{
	const int kinds[] = { FD_OWNER, FD_POSTER, FD_REG };
	struct eventline_line_info li;
	struct abi_ctx c;
	size_t i;

	abi_setup(&c);
	ASSERT_OK(tu_subscribe(c.fd[FD_REG], c.line_id, NULL));
	for (i = 0; i < TU_ARRAY_SIZE(kinds); i++) {
		memset(&li, 0xa5, sizeof(li));
		li.size = sizeof(li);
		li.flags = 0;
		li.id = kinds[i] == FD_REG ? c.line_id : 0xa5a5;
		EXPECT_OK(tu_ioctl(c.fd[kinds[i]], EVENTLINE_IOC_LINE_INFO, &li));
		EXPECT_EQ(li.id, c.line_id);
		EXPECT_EQ(li.owner_uid, geteuid());
		EXPECT_EQ(li.owner_gid, getegid());
		EXPECT_EQ(li.mode, 0666);
		EXPECT_EQ(li.line_flags, 0);
		EXPECT_EQ(li.nr_subs, 1);
		EXPECT_EQ(li.priority_ceiling, c.info.priority_ceiling);
		EXPECT_EQ(strcmp(li.name, c.line_name), 0);
	}
	EXPECT_OK(tu_unsubscribe(c.fd[FD_REG], c.line_id));
	memset(&li, 0, sizeof(li));
	li.size = sizeof(li);
	li.id = c.line_id;
	EXPECT_RET(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_LINE_INFO, &li), ENOENT);
	li.id = 0;
	EXPECT_RET(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_LINE_INFO, &li), ENOENT);
	/* The line's count follows: nobody subscribed any more. */
	li.id = 0;
	EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_LINE_INFO, &li));
	EXPECT_EQ(li.nr_subs, 0);
}

static long line_subs(int fd, void *ents, uint32_t *count, uint32_t entry_size)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = *count,
		.entry_size = entry_size,
		.entries = (uintptr_t)ents,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &ls);

	*count = ls.count;
	return ret;
}

/*
 * LINE_SUBS's entries are sized by entry_size: a multiple of 8 from VER0
 * to a page (EINVAL otherwise); what the kernel does not know is zeroed,
 * nothing past count entries is written, and the return value is the
 * entries written while count comes back as the subscriptions there are.
 */
static void test_subs_entries(void)
{
	const uint32_t bad_sizes[] = { 0, 8, 16, 23, 25, 28, 4097, 4104,
				       8192, 0xffffffffu };
	const uint32_t good_sizes[] = { 24, 32, 56, 64, 4096 };
	const size_t area_len = 4 * 4096;
	unsigned char *area;
	struct eventline_sub_info *e;
	uint64_t first_id = 0;
	struct abi_ctx c;
	uint32_t count;
	size_t i, j;
	int reg2;

	abi_setup(&c);
	area = malloc(area_len);
	ASSERT_TRUE(area != NULL);
	reg2 = ASSERT_OK(tu_register_create(c.fd[FD_CTL], 0, 0));
	ASSERT_OK(tu_subscribe(c.fd[FD_REG], c.line_id, NULL));
	ASSERT_OK(tu_subscribe(reg2, c.line_id, NULL));

	for (i = 0; i < TU_ARRAY_SIZE(bad_sizes); i++) {
		count = 1;
		EXPECT_RET(line_subs(c.fd[FD_OWNER], area, &count,
				     bad_sizes[i]), EINVAL);
	}

	for (i = 0; i < TU_ARRAY_SIZE(good_sizes); i++) {
		uint32_t es = good_sizes[i];

		memset(area, 0xa5, area_len);
		count = 3;
		EXPECT_EQ(line_subs(c.fd[FD_OWNER], area, &count, es), 2);
		EXPECT_EQ(count, 2);
		for (j = 0; j < 2; j++) {
			e = (void *)(area + j * es);
			EXPECT_NE(e->sub_id, 0);
			EXPECT_EQ(e->uid, geteuid());
			EXPECT_EQ(e->pid, getpid());
			/* Root owns the line: its subscriptions are the owner's. */
			EXPECT_EQ(e->sub_flags, EVENTLINE_SUB_OWNER);
			EXPECT_EQ(e->priority, EVENTLINE_PRIORITY_DEFAULT);
			if (es < sizeof(*e))
				continue;
			/* No grant, nothing posted yet. */
			EXPECT_EQ(e->max_priority, EVENTLINE_PRIORITY_MIN);
			EXPECT_EQ(e->queued, 0);
			EXPECT_EQ(e->delivered, 0);
			EXPECT_EQ(e->lost, 0);
			EXPECT_EQ(e->overflows, 0);
			EXPECT_EQ(e->demotions, 0);
			if (es > sizeof(*e) &&
			    area[j * es + sizeof(*e)] != 0) {
				tap_diag("entry_size %u: tail not zeroed", es);
				tap_fail();
			}
		}
		/* The same subscriptions, in the same order, every time. */
		e = (void *)area;
		if (!first_id)
			first_id = e->sub_id;
		EXPECT_EQ(e->sub_id, first_id);
		EXPECT_NE(((struct eventline_sub_info *)(area + es))->sub_id,
			  first_id);
		/* The third slot had room but no subscription: untouched. */
		EXPECT_EQ(area[2 * es], 0xa5);
	}

	/* Less room than subscriptions, and none at all. */
	memset(area, 0xa5, area_len);
	count = 1;
	EXPECT_EQ(line_subs(c.fd[FD_OWNER], area, &count, sizeof(*e)), 1);
	EXPECT_EQ(count, 2);
	EXPECT_EQ(((struct eventline_sub_info *)area)->sub_id, first_id);
	EXPECT_EQ(area[sizeof(*e)], 0xa5);
	count = 0;
	EXPECT_EQ(line_subs(c.fd[FD_OWNER], NULL, &count, sizeof(*e)), 0);
	EXPECT_EQ(count, 2);

	/* Entries that cannot be written. */
	count = 2;
	EXPECT_RET(line_subs(c.fd[FD_OWNER], NULL, &count, sizeof(*e)),
		   EFAULT);
	count = 2;
	EXPECT_RET(line_subs(c.fd[FD_OWNER], tu_unmapped(), &count,
			     sizeof(*e)), EFAULT);
	count = 2;
	EXPECT_RET(line_subs(c.fd[FD_OWNER], tu_guarded(sizeof(*e)), &count,
			     sizeof(*e)), EFAULT);

	/* Evicted or unsubscribed, a subscription is no longer listed. */
	EXPECT_OK(tu_unsubscribe(c.fd[FD_REG], c.line_id));
	count = 2;
	EXPECT_EQ(line_subs(c.fd[FD_OWNER], area, &count, sizeof(*e)), 1);
	EXPECT_EQ(count, 1);
	e = (void *)area;
	{
		struct eventline_evict ev = { .size = sizeof(ev),
					      .sub_id = e->sub_id };

		EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev));
		/* An id that was evicted, or never handed out, is ENOENT. */
		EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev),
			   ENOENT);
		ev.sub_id = first_id;
		EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev),
			   ENOENT);
		ev.sub_id = ~0ULL;
		EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev),
			   ENOENT);
	}
	count = 2;
	EXPECT_EQ(line_subs(c.fd[FD_OWNER], area, &count, sizeof(*e)), 0);
	EXPECT_EQ(count, 0);
	close(reg2);
	free(area);
}

static long line_subs_rev(int fd, uint64_t line_id, struct eventline_sub_info *ents,
			  uint32_t room, uint64_t *rev)
{
	struct eventline_line_subs ls = {
		.size = sizeof(ls),
		.count = room,
		.entry_size = sizeof(*ents),
		.entries = (uintptr_t)ents,
		.line_id = line_id,
		.revision = 0xa5a5a5a5a5a5a5a5ULL,
	};
	long ret = tu_ioctl(fd, EVENTLINE_IOC_LINE_SUBS, &ls);

	if (ret >= 0 && rev)
		*rev = ls.revision;
	return ret;
}

/*
 * A register subscribed to a line lists its chain too, by line_id: the
 * same entries and revision as the owner sees, its own marked MINE (here
 * every subscription is root's, so none is HIDDEN).  Not subscribed, or
 * line_id 0: ENOENT.  The owner fd ignores line_id.  Every change of the
 * chain raises the revision, and acting on an older one gives ESTALE.
 * The counters follow what was posted.
 */
static void test_subs_register(void)
{
	struct eventline_sub_info own[4], mine[4];
	struct eventline_priority pr = { .size = sizeof(pr) };
	struct eventline_grant gr = { .size = sizeof(gr) };
	struct eventline_evict ev = { .size = sizeof(ev) };
	uint64_t rev = 0, rev2 = 0, other_id;
	struct abi_ctx c;
	unsigned int i;
	int reg2, other;

	abi_setup(&c);
	reg2 = ASSERT_OK(tu_register_create(c.fd[FD_CTL], 0,
					    EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(c.fd[FD_REG], c.line_id, NULL));
	ASSERT_OK(tu_subscribe(reg2, c.line_id, NULL));
	other = ASSERT_OK(tu_line_create(c.fd[FD_CTL], NULL, 0666, 0,
					 &other_id));

	memset(own, 0xa5, sizeof(own));
	memset(mine, 0x5a, sizeof(mine));
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, own, 4, &rev), 2);
	EXPECT_EQ(line_subs_rev(c.fd[FD_REG], c.line_id, mine, 4, &rev2), 2);
	EXPECT_NE(rev, 0);
	EXPECT_EQ(rev2, rev);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(mine[i].sub_id, own[i].sub_id);
		EXPECT_EQ(mine[i].uid, own[i].uid);
		EXPECT_EQ(mine[i].pid, own[i].pid);
		EXPECT_EQ(own[i].sub_flags, EVENTLINE_SUB_OWNER);
	}
	/* Equal priorities in subscription order: FD_REG's is first. */
	EXPECT_LT(own[0].sub_id, own[1].sub_id);
	EXPECT_EQ(mine[0].sub_flags, EVENTLINE_SUB_OWNER | EVENTLINE_SUB_MINE);
	EXPECT_EQ(mine[1].sub_flags, EVENTLINE_SUB_OWNER);

	/* line_id: ignored on the owner fd, required on a register. */
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], ~0ULL, own, 4, &rev2), 2);
	EXPECT_EQ(rev2, rev);
	EXPECT_RET(line_subs_rev(c.fd[FD_REG], 0, mine, 4, NULL), ENOENT);
	EXPECT_RET(line_subs_rev(c.fd[FD_REG], other_id, mine, 4, NULL),
		   ENOENT);
	EXPECT_RET(line_subs_rev(c.fd[FD_REG], ~0ULL, mine, 4, NULL), ENOENT);

	/* Counters: three events reach both registers. */
	for (i = 0; i < 3; i++)
		ASSERT_OK(tu_post(c.fd[FD_POSTER], 1, NULL, 0, NULL));
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, own, 4, &rev2), 2);
	EXPECT_EQ(rev2, rev);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(own[i].delivered, 3);
		EXPECT_EQ(own[i].queued, 3);
		EXPECT_EQ(own[i].lost, 0);
	}

	/* A change of the chain raises the revision... */
	EXPECT_OK(tu_unsubscribe(reg2, c.line_id));
	EXPECT_EQ(line_subs_rev(c.fd[FD_REG], c.line_id, mine, 4, &rev2), 1);
	EXPECT_GT(rev2, rev);
	/* ... and acting on the old one is refused, changing nothing. */
	ASSERT_OK(tu_subscribe(reg2, c.line_id, NULL));
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, own, 4, &rev), 2);
	EXPECT_GT(rev, rev2);
	ev.sub_id = own[1].sub_id;
	ev.expected_rev = rev2;
	EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev), ESTALE);
	gr.sub_id = own[1].sub_id;
	gr.max_priority = 5;
	gr.expected_rev = rev2;
	EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_GRANT, &gr), ESTALE);
	pr.line_id = c.line_id;
	pr.priority = 1;
	pr.expected_rev = rev2;
	EXPECT_RET(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_PRIORITY, &pr), ESTALE);
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, own, 4, &rev2), 2);
	EXPECT_EQ(rev2, rev);
	EXPECT_EQ(own[1].max_priority, EVENTLINE_PRIORITY_MIN);
	EXPECT_EQ(own[0].priority, EVENTLINE_PRIORITY_DEFAULT);

	/* The current revision works; a grant changes the listing too. */
	gr.expected_rev = rev;
	EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_GRANT, &gr));
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, own, 4, &rev2), 2);
	EXPECT_GT(rev2, rev);
	EXPECT_EQ(own[1].max_priority, 5);
	ev.expected_rev = rev2;
	EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_EVICT, &ev));
	close(reg2);
	close(other);
}

/*
 * Priorities are EVENTLINE_PRIORITY_MIN..MAX wherever one goes in, else
 * EINVAL; PRIORITY checks its argument before looking for the
 * subscription.  Root holds CAP_SYS_NICE, so it is granted what it asks.
 */
static void test_priority_range(void)
{
	const int32_t bad[] = { EVENTLINE_PRIORITY_MIN - 1,
				EVENTLINE_PRIORITY_MAX + 1, INT32_MIN,
				INT32_MAX };
	const int32_t good[] = { EVENTLINE_PRIORITY_MIN, -1, 0, 1,
				 EVENTLINE_PRIORITY_MAX };
	struct eventline_line_ref ref;
	struct eventline_priority pr;
	struct eventline_grant gr;
	struct eventline_line_config lc;
	struct eventline_sub_info subs[2];
	struct abi_ctx c;
	size_t i;

	abi_setup(&c);
	for (i = 0; i < TU_ARRAY_SIZE(bad); i++) {
		ref = (struct eventline_line_ref){ .size = sizeof(ref),
						   .id = c.line_id,
						   .priority = bad[i] };
		EXPECT_RET(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_SUBSCRIBE,
				    &ref), EINVAL);
		pr = (struct eventline_priority){ .size = sizeof(pr),
						  .line_id = c.line_id,
						  .priority = bad[i] };
		EXPECT_RET(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_PRIORITY, &pr),
			   EINVAL);
		gr = (struct eventline_grant){ .size = sizeof(gr),
					       .sub_id = ~0ULL,
					       .max_priority = bad[i] };
		EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_GRANT, &gr),
			   EINVAL);
		lc = (struct eventline_line_config){ .size = sizeof(lc),
						     .priority_ceiling = bad[i] };
		EXPECT_RET(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_LINE_CONFIG,
				    &lc), EINVAL);
	}
	/* Nothing subscribed above. */
	EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, subs, 2, NULL), 0);

	if (geteuid() != 0)
		tap_skip("needs root (CAP_SYS_NICE) for the valid range");
	for (i = 0; i < TU_ARRAY_SIZE(good); i++) {
		ref = (struct eventline_line_ref){ .size = sizeof(ref),
						   .id = c.line_id,
						   .priority = good[i] };
		EXPECT_EQ(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_SUBSCRIBE, &ref),
			  0);
		EXPECT_EQ(ref.priority, good[i]);
		pr = (struct eventline_priority){ .size = sizeof(pr),
						  .line_id = c.line_id,
						  .priority = good[TU_ARRAY_SIZE(good) - 1 - i],
						  .result = 0xa5a5a5a5 };
		EXPECT_EQ(tu_ioctl(c.fd[FD_REG], EVENTLINE_IOC_PRIORITY, &pr), 0);
		EXPECT_EQ(pr.priority, good[TU_ARRAY_SIZE(good) - 1 - i]);
		EXPECT_EQ(pr.result, 0);
		EXPECT_EQ(line_subs_rev(c.fd[FD_OWNER], 0, subs, 2, NULL), 1);
		EXPECT_EQ(subs[0].priority, pr.priority);
		gr = (struct eventline_grant){ .size = sizeof(gr),
					       .sub_id = subs[0].sub_id,
					       .max_priority = good[i] };
		EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_GRANT, &gr));
		EXPECT_OK(tu_unsubscribe(c.fd[FD_REG], c.line_id));
		lc = (struct eventline_line_config){ .size = sizeof(lc),
						     .priority_ceiling = good[i] };
		EXPECT_OK(tu_ioctl(c.fd[FD_OWNER], EVENTLINE_IOC_LINE_CONFIG,
				   &lc));
	}
}

/*
 * Asking for more than allowed is not an error: SUBSCRIBE returns
 * EVENTLINE_PRIORITY_CAPPED with the priority granted written back (only
 * as far as the caller's size reaches), PRIORITY returns 0 with result
 * CAPPED.  Without CAP_SYS_NICE, the ceiling (the module's default here)
 * is what anyone may take.
 */
static void test_priority_capped(void)
{
	struct eventline_info info;
	pid_t pid;

	tu_info(&info);
	if (info.priority_ceiling >= EVENTLINE_PRIORITY_MAX)
		tap_skip("priority_ceiling is the maximum: nothing is capped");
	if (geteuid() != 0)
		tap_skip("needs root to drop to nobody");
	pid = tu_fork();
	if (!pid) {
		int32_t ask = info.priority_ceiling + 1;
		struct eventline_line_ref ref;
		struct eventline_priority pr;
		unsigned char buf[sizeof(ref) + 8];
		uint64_t id;
		int ctl, own, reg;

		tu_drop_privs(TU_NOBODY, TU_NOBODY);
		ctl = tu_open_ctl();
		own = ASSERT_OK(tu_line_create(ctl, NULL, 0600, 0, &id));
		reg = ASSERT_OK(tu_register_create(ctl, 0, 0));
		ref = (struct eventline_line_ref){ .size = sizeof(ref),
						   .id = id, .priority = ask };
		EXPECT_EQ(tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, &ref),
			  EVENTLINE_PRIORITY_CAPPED);
		EXPECT_EQ(ref.priority, info.priority_ceiling);
		pr = (struct eventline_priority){ .size = sizeof(pr),
						  .line_id = id,
						  .priority = ask };
		EXPECT_EQ(tu_ioctl(reg, EVENTLINE_IOC_PRIORITY, &pr), 0);
		EXPECT_EQ(pr.priority, info.priority_ceiling);
		EXPECT_EQ(pr.result, EVENTLINE_PRIORITY_CAPPED);
		pr.priority = info.priority_ceiling;
		pr.result = 0xa5a5a5a5;
		EXPECT_EQ(tu_ioctl(reg, EVENTLINE_IOC_PRIORITY, &pr), 0);
		EXPECT_EQ(pr.priority, info.priority_ceiling);
		EXPECT_EQ(pr.result, 0);
		EXPECT_OK(tu_unsubscribe(reg, id));

		/* A first-version caller: capped, but nothing written back. */
		memset(buf, 0xa5, sizeof(buf));
		memset(buf, 0, EVENTLINE_LINE_REF_SIZE_VER0);
		((struct eventline_line_ref *)buf)->size =
			EVENTLINE_LINE_REF_SIZE_VER0;
		((struct eventline_line_ref *)buf)->id = id;
		EXPECT_EQ(tu_ioctl(reg, EVENTLINE_IOC_SUBSCRIBE, buf), 0);
		EXPECT_EQ(buf[EVENTLINE_LINE_REF_SIZE_VER0], 0xa5);
		close(reg);
		close(own);
		tap_child_exit();
	}
	tu_wait_ok(pid);
}

/* A failed call must not have changed anything: the objects still work. */
static void test_state_after_errors(void)
{
	unsigned char *buf = malloc(ABI_BUF);
	struct abi_ctx c;
	unsigned char rec[TU_REC_SIZE(0)];
	uint64_t seq;
	size_t i;

	abi_setup(&c);
	/* Hammer every ioctl with bad sizes first. */
	for (i = 0; i < TU_ARRAY_SIZE(abi_cmds); i++) {
		abi_call(&c, &abi_cmds[i], buf, 1, NULL, NULL);
		abi_call(&c, &abi_cmds[i], buf, 0xffffffffu, NULL, NULL);
	}
	ASSERT_OK(tu_subscribe(c.fd[FD_REG], c.line_id, NULL));
	ASSERT_OK(tu_post(c.fd[FD_POSTER], 5, NULL, 0, &seq));
	ASSERT_EQ(tu_read_exact(c.fd[FD_REG], rec, 0), TU_REC_SIZE(0));
	tu_check_line_record((void *)rec, c.line_id, 5, seq, NULL, 0);
	free(buf);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_valid_args),
	TAP_TEST(test_short_size),
	TAP_TEST(test_bigger_zero_tail),
	TAP_TEST(test_bigger_nonzero_tail),
	TAP_TEST(test_size_over_page),
	TAP_TEST(test_unknown_flags),
	TAP_TEST(test_reserved_fields),
	TAP_TEST(test_bad_pointers),
	TAP_TEST(test_no_write_past_size),
	TAP_TEST(test_wrong_fd_kind),
	TAP_TEST(test_unknown_cmds),
	TAP_TEST(test_batch_entries),
	TAP_TEST(test_line_info_fd_kinds),
	TAP_TEST(test_subs_entries),
	TAP_TEST(test_subs_register),
	TAP_TEST(test_priority_range),
	TAP_TEST(test_priority_capped),
	TAP_TEST(test_state_after_errors),
};

TAP_MAIN(tests)
