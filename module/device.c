// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/eventline, the control device.
 *
 * A control fd holds no state: it is only where lines and registers are
 * created and where userspace asks what this module supports.  Anyone the
 * device node's mode admits may open it (0666 unless a udev rule says
 * otherwise); what they may do is decided per line by its mode and per
 * user by the limits (see the security model in the uapi header).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "args.h"
#include "device.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "register.h"

static long evl_ctl_get_info(struct eventline_info __user *uinfo)
{
	struct eventline_info info;
	int usize;

	usize = evl_args_from_user(&info, sizeof(info),
				   EVENTLINE_INFO_SIZE_VER0, uinfo);
	if (usize < 0)
		return usize;
	if (info.flags)
		return -EINVAL;

	memset(&info, 0, sizeof(info));
	info.api_version = EVENTLINE_API_VERSION;
	info.record_size = sizeof(struct eventline_record);
	info.categories = EVL_CATEGORIES;
	info.fd_flags = EVL_FD_FLAGS;
	info.line_create_flags = EVL_LINE_CREATE_FLAGS;
	info.line_open_flags = EVL_LINE_OPEN_FLAGS;
	info.register_flags = EVL_REGISTER_FLAGS;
	info.subscribe_flags = EVL_SUBSCRIBE_FLAGS;
	info.post_flags = EVL_POST_FLAGS;
	info.max_lines_per_user = evl_max_lines_per_user;
	info.max_registers_per_line = evl_max_registers_per_line;
	info.max_payload = evl_max_payload;
	info.max_queue_len = evl_max_queue_len;
	info.default_queue_len = evl_default_queue_len;
	info.name_max = EVENTLINE_NAME_MAX;
	info.line_modes = EVL_LINE_MODES;
	info.max_post_batch = EVL_MAX_POST_BATCH;
	info.max_ring_size = evl_max_ring_size;
	info.default_ring_size = evl_default_ring_size(evl_default_queue_len);
	info.max_post_batch_bytes = EVL_MAX_POST_BATCH_BYTES;

	info.max_registers_per_user = evl_max_registers_per_user;
	info.max_posters_per_user = evl_max_posters_per_user;
	info.max_subs_per_user = evl_max_subs_per_user;
	info.owner_reserved_subs = evl_owner_reserved_subs;
	info.priority_ceiling = evl_priority_ceiling;
	info.demote_overflows = evl_demote_overflows;
	info.max_depth = evl_max_depth;
	info.stage_timeout_ms = evl_stage_timeout_ms;

	return evl_args_to_user(uinfo, &info, sizeof(info), usize);
}

static long evl_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case EVENTLINE_IOC_GET_INFO:
		return evl_ctl_get_info(uarg);
	case EVENTLINE_IOC_LINE_CREATE:
		return evl_line_create(uarg);
	case EVENTLINE_IOC_LINE_OPEN:
		return evl_line_open(uarg);
	case EVENTLINE_IOC_REGISTER_CREATE:
		return evl_register_create(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations evl_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= evl_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice evl_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "eventline",
	.fops	= &evl_ctl_fops,
	.mode	= 0666,
};

int evl_device_init(void)
{
	return misc_register(&evl_misc);
}

void evl_device_exit(void)
{
	misc_deregister(&evl_misc);
}
