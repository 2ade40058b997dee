/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_LIMITS_H
#define _EVL_LIMITS_H

#include <linux/gfp.h>
#include <linux/sizes.h>
#include <linux/types.h>

/* Bounds on what users can make the module hold; module parameters. */
extern unsigned int evl_max_lines_per_user;
extern unsigned int evl_max_registers_per_line;
extern unsigned int evl_max_payload;
extern unsigned int evl_max_queue_len;
extern unsigned int evl_default_queue_len;
extern unsigned int evl_max_ring_size;
extern unsigned int evl_max_registers_per_user;
extern unsigned int evl_max_posters_per_user;
extern unsigned int evl_max_subs_per_user;
extern unsigned int evl_owner_reserved_subs;
extern int evl_create_gid;
extern int evl_priority_ceiling;
extern unsigned int evl_demote_overflows;
extern unsigned int evl_max_depth;
extern unsigned int evl_choke_percent;
extern unsigned int evl_choke_msec;
extern unsigned int evl_stage_timeout_ms;
extern unsigned int evl_demote_timeouts;

/* The longest a stage may be given to answer, in ms. */
#define EVL_STAGE_TIMEOUT_CEILING	60000

int evl_limits_check(void);
u32 evl_default_ring_size(u32 queue_len);

/* Staging ring of a user's line: posts that arrive while one delivers. */
#define EVL_USER_STAGING_SIZE		SZ_32K

/* One EVENTLINE_IOC_POST_BATCH: entries, and payload bytes in all. */
#define EVL_MAX_POST_BATCH		1024
#define EVL_MAX_POST_BATCH_BYTES	SZ_1M

/*
 * For memory whose size a user chooses (rings, a post's payload copies):
 * charged to the memory cgroup of the task that asks for it, and at its
 * limit the call fails with -ENOMEM rather than invoking the OOM killer or
 * warning.
 */
#define EVL_GFP_USER_SIZED \
	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

#endif /* _EVL_LIMITS_H */
