// SPDX-License-Identifier: GPL-2.0
/*
 * eventline: a generic, kernel-overseen event system.
 *
 * This file only brings the module up and down; each concept lives in its
 * own file (device, line, chain, register, event).
 */
#include <linux/module.h>

#include "deliver.h"
#include "device.h"
#include "limits.h"
#include "line.h"
#include "nest.h"

static int __init evl_init(void)
{
	int err;

	err = evl_limits_check();
	if (err)
		return err;
	err = evl_deliver_init();
	if (err)
		return err;
	err = evl_device_init();
	if (err)
		evl_deliver_exit();
	return err;
}

static void __exit evl_exit(void)
{
	/* No fd is open (each pins the module), so nothing is queued. */
	evl_device_exit();
	evl_deliver_exit();
	evl_lines_exit();
	evl_nest_exit();
}

module_init(evl_init);
module_exit(evl_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("eventline: event lines, registers and kernel event sources");
MODULE_AUTHOR("The eventline developers");
