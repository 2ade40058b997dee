// SPDX-License-Identifier: GPL-2.0
/*
 * Limits on everything an unprivileged user can make the module create or
 * hold.  They are module parameters fixed at load time (mode 0444): changing
 * a bound under live lines would leave objects that already exceed it.
 */
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sizes.h>

#include "event.h"
#include "limits.h"

/* Hard ceilings the parameters may not exceed; they keep sizes in u32. */
#define EVL_PAYLOAD_CEILING	SZ_1M
#define EVL_QUEUE_CEILING	SZ_1M
#define EVL_RING_CEILING	SZ_1G
#define EVL_PER_USER_CEILING	SZ_1M
#define EVL_DEPTH_CEILING	64
#define EVL_CHOKE_MSEC_CEILING	60000
#define EVL_REGISTERS_PER_LINE_CEILING	SZ_64K

/* Ring bytes per record of queue_len when a register asks for no size. */
#define EVL_RING_BYTES_PER_RECORD	64

/*
 * Per-user counts are kept per (user namespace, fsuid) and charged up the
 * namespace hierarchy; see ucount.c.
 */
unsigned int evl_max_lines_per_user = 128;
module_param_named(max_lines_per_user, evl_max_lines_per_user, uint, 0444);
MODULE_PARM_DESC(max_lines_per_user, "Lines one user may own at once (1..1M, default 128)");

unsigned int evl_max_registers_per_user = 4096;
module_param_named(max_registers_per_user, evl_max_registers_per_user, uint, 0444);
MODULE_PARM_DESC(max_registers_per_user, "Registers one user may hold at once (1..1M, default 4096)");

unsigned int evl_max_posters_per_user = 1024;
module_param_named(max_posters_per_user, evl_max_posters_per_user, uint, 0444);
MODULE_PARM_DESC(max_posters_per_user, "Poster fds one user may hold at once (1..1M, default 1024)");

unsigned int evl_max_registers_per_line = 1024;
module_param_named(max_registers_per_line, evl_max_registers_per_line, uint, 0444);
MODULE_PARM_DESC(max_registers_per_line, "Registers subscribed to one line (1..65536, default 1024)");

unsigned int evl_max_subs_per_user = 256;
module_param_named(max_subs_per_user, evl_max_subs_per_user, uint, 0444);
MODULE_PARM_DESC(max_subs_per_user, "Subscriptions of one line one uid other than its owner's may hold (1..max_registers_per_line, default 256)");

unsigned int evl_owner_reserved_subs = 64;
module_param_named(owner_reserved_subs, evl_owner_reserved_subs, uint, 0444);
MODULE_PARM_DESC(owner_reserved_subs, "Subscriptions of each line kept for its owner's uid (0..max_registers_per_line, default 64)");

int evl_priority_ceiling;
module_param_named(priority_ceiling, evl_priority_ceiling, int, 0444);
MODULE_PARM_DESC(priority_ceiling, "Priority anyone may take on a new line without a grant (-1000..1000, default 0)");

unsigned int evl_demote_overflows = 3;
module_param_named(demote_overflows, evl_demote_overflows, uint, 0444);
MODULE_PARM_DESC(demote_overflows, "Overflow episodes after which a subscription is demoted (1..1M, default 3)");

unsigned int evl_max_depth = 8;
module_param_named(max_depth, evl_max_depth, uint, 0444);
MODULE_PARM_DESC(max_depth, "Deepest nesting of a post made while handling an event (1..64, default 8)");

unsigned int evl_choke_percent = 75;
module_param_named(choke_percent, evl_choke_percent, uint, 0444);
MODULE_PARM_DESC(choke_percent, "Queue fill, in percent of queue_len, that makes a choke point if it lasts (1..100, default 75)");

unsigned int evl_choke_msec = 100;
module_param_named(choke_msec, evl_choke_msec, uint, 0444);
MODULE_PARM_DESC(choke_msec, "How long a queue stays above the choke mark before its reader is told (1..60000 ms, default 100)");

unsigned int evl_stage_timeout_ms = 1000;
module_param_named(stage_timeout_ms, evl_stage_timeout_ms, uint, 0444);
MODULE_PARM_DESC(stage_timeout_ms, "How long a stage may take to answer, for a new line (1..60000 ms, default 1000)");

unsigned int evl_demote_timeouts = 3;
module_param_named(demote_timeouts, evl_demote_timeouts, uint, 0444);
MODULE_PARM_DESC(demote_timeouts, "Deadlines a stage misses in a row before it is demoted (1..1M, default 3)");

int evl_create_gid = -1;
module_param_named(create_gid, evl_create_gid, int, 0444);
MODULE_PARM_DESC(create_gid, "Group (initial namespace) whose members alone, with CAP_SYS_ADMIN holders, may create lines; -1 for everyone (default)");

unsigned int evl_max_payload = 4096;
module_param_named(max_payload, evl_max_payload, uint, 0444);
MODULE_PARM_DESC(max_payload, "Largest event payload in bytes (0..1 MiB, default 4096)");

unsigned int evl_max_queue_len = 65536;
module_param_named(max_queue_len, evl_max_queue_len, uint, 0444);
MODULE_PARM_DESC(max_queue_len, "Largest register queue in records (1..1M, default 65536)");

unsigned int evl_default_queue_len = 1024;
module_param_named(default_queue_len, evl_default_queue_len, uint, 0444);
MODULE_PARM_DESC(default_queue_len, "Queue length of a register that asks for none (1..max_queue_len, default 1024)");

unsigned int evl_max_ring_size = SZ_16M;
module_param_named(max_ring_size, evl_max_ring_size, uint, 0444);
MODULE_PARM_DESC(max_ring_size, "Largest register ring in bytes, a power of two (default 16 MiB, at least 64 KiB, at most 1 GiB)");

/**
 * evl_default_ring_size() - ring bytes for a register that asks for none
 * @queue_len:	the register's queue length in records
 *
 * Room for queue_len records of 64 bytes (up to 8 bytes of payload) besides
 * the META reserve, and for at least two records of max_payload, within
 * max_ring_size.
 */
u32 evl_default_ring_size(u32 queue_len)
{
	u64 want = max_t(u64, (u64)queue_len * EVL_RING_BYTES_PER_RECORD,
			 2 * (u64)evl_record_size(evl_max_payload));

	/* The OVERFLOW spare and one subscription's LINE_CLOSED. */
	want += 2 * EVL_META_RECORD_SIZE;
	want = max_t(u64, want, PAGE_SIZE);
	return min_t(u64, roundup_pow_of_two(want), evl_max_ring_size);
}

static bool evl_param_in(const char *name, unsigned int val, unsigned int min,
			 unsigned int max)
{
	if (val >= min && val <= max)
		return true;
	pr_err("%s must be %u..%u, not %u\n", name, min, max, val);
	return false;
}

/* Every parameter's range, checked at load: the module refuses to load otherwise. */
int evl_limits_check(void)
{
	if (!evl_param_in("max_lines_per_user", evl_max_lines_per_user, 1,
			  EVL_PER_USER_CEILING) ||
	    !evl_param_in("max_registers_per_user", evl_max_registers_per_user,
			  1, EVL_PER_USER_CEILING) ||
	    !evl_param_in("max_posters_per_user", evl_max_posters_per_user, 1,
			  EVL_PER_USER_CEILING) ||
	    !evl_param_in("max_registers_per_line", evl_max_registers_per_line,
			  1, EVL_REGISTERS_PER_LINE_CEILING) ||
	    !evl_param_in("max_subs_per_user", evl_max_subs_per_user, 1,
			  evl_max_registers_per_line) ||
	    !evl_param_in("owner_reserved_subs", evl_owner_reserved_subs, 0,
			  evl_max_registers_per_line) ||
	    !evl_param_in("max_payload", evl_max_payload, 0,
			  EVL_PAYLOAD_CEILING) ||
	    !evl_param_in("max_queue_len", evl_max_queue_len, 1,
			  EVL_QUEUE_CEILING) ||
	    !evl_param_in("default_queue_len", evl_default_queue_len, 1,
			  evl_max_queue_len))
		return -EINVAL;
	if (!evl_param_in("demote_overflows", evl_demote_overflows, 1,
			  EVL_PER_USER_CEILING) ||
	    !evl_param_in("max_depth", evl_max_depth, 1, EVL_DEPTH_CEILING) ||
	    !evl_param_in("choke_percent", evl_choke_percent, 1, 100) ||
	    !evl_param_in("choke_msec", evl_choke_msec, 1, EVL_CHOKE_MSEC_CEILING) ||
	    !evl_param_in("stage_timeout_ms", evl_stage_timeout_ms, 1,
			  EVL_STAGE_TIMEOUT_CEILING) ||
	    !evl_param_in("demote_timeouts", evl_demote_timeouts, 1,
			  EVL_PER_USER_CEILING))
		return -EINVAL;
	if (evl_priority_ceiling < EVENTLINE_PRIORITY_MIN ||
	    evl_priority_ceiling > EVENTLINE_PRIORITY_MAX) {
		pr_err("priority_ceiling must be %d..%d\n", EVENTLINE_PRIORITY_MIN,
		       EVENTLINE_PRIORITY_MAX);
		return -EINVAL;
	}
	if (evl_create_gid < -1) {
		pr_err("create_gid must be -1 or a gid\n");
		return -EINVAL;
	}
	if (evl_max_ring_size < SZ_64K || evl_max_ring_size > EVL_RING_CEILING ||
	    !is_power_of_2(evl_max_ring_size)) {
		pr_err("max_ring_size must be a power of two from 64 KiB to 1 GiB\n");
		return -EINVAL;
	}
	return 0;
}
