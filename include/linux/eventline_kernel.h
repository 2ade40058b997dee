/* SPDX-License-Identifier: GPL-2.0 */
/*
 * eventline's in-kernel API: lines owned by kernel code.
 *
 * A driver or another module creates a line, posts on it from any context
 * but NMI (process, softirq, hard interrupt, under any spinlock), and
 * destroys it.  Userspace subscribes to the line like to any other, by id
 * or name; the line is owned by root in the initial user namespace with
 * the mode given here.  Records of kernel posts carry pid 0 and uid 0.
 *
 * Posts are staged in the line's staging ring and delivered to registers
 * by a work item, so a post never waits and never wakes a reader itself.
 * When the staging ring is full the post fails with -ENOBUFS and is
 * counted; size the ring for the bursts the caller expects.
 */
#ifndef _LINUX_EVENTLINE_KERNEL_H
#define _LINUX_EVENTLINE_KERNEL_H

#include <linux/types.h>

struct evl_line;

struct evl_line *eventline_kline_create(const char *name, umode_t mode,
					u32 staging_size);
void eventline_kline_destroy(struct evl_line *line);
int eventline_kline_post(struct evl_line *line, u16 type,
			 const void *payload, u32 payload_len);
u64 eventline_kline_id(const struct evl_line *line);

#endif /* _LINUX_EVENTLINE_KERNEL_H */
