// SPDX-License-Identifier: GPL-2.0
/*
 * eventline: a generic, kernel-overseen event system.
 *
 * This file only brings the module up and down; each concept lives in its
 * own file (device, line, chain, register, event).
 */
#include <linux/module.h>
#include <linux/rcupdate.h>

#include "device.h"
#include "limits.h"
#include "line.h"

static int __init evl_init(void)
{
	int err;

	err = evl_limits_check();
	if (err)
		return err;
	return evl_device_init();
}

static void __exit evl_exit(void)
{
	evl_device_exit();
	/*
	 * Lines, subscriptions and registers go with kfree_rcu(), which runs
	 * no module code; rcu_barrier() only makes sure no other RCU callback
	 * of ours is still queued before the text goes away.
	 */
	rcu_barrier();
	evl_lines_exit();
}

module_init(evl_init);
module_exit(evl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("eventline: event lines, registers and kernel event sources");
MODULE_AUTHOR("The eventline developers");
