/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_LIMITS_H
#define _EVL_LIMITS_H

#include <linux/gfp.h>

/* Bounds on what users can make the module hold; module parameters. */
extern unsigned int evl_max_lines_per_user;
extern unsigned int evl_max_registers_per_line;
extern unsigned int evl_max_payload;
extern unsigned int evl_max_queue_len;
extern unsigned int evl_default_queue_len;

int evl_limits_check(void);

/*
 * For memory whose size a user chooses (payloads, queues): charged to the
 * user's memory cgroup, and at its limit the call fails with -ENOMEM rather
 * than invoking the OOM killer or warning.
 */
#define EVL_GFP_USER_SIZED \
	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

#endif /* _EVL_LIMITS_H */
