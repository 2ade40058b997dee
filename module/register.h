/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_REGISTER_H
#define _EVL_REGISTER_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

struct evl_event;
struct evl_sub;
struct fasync_struct;

/*
 * A register: a subscriber's fd with one bounded queue fed by all of its
 * subscriptions.  See register.c for the queue and its locking.
 */
struct evl_register {
	spinlock_t lock;			/* the queue; see register.c */
	struct evl_event **ring;	/* ring_mask + 1 slots */
	u32 ring_mask;
	u32 queue_len;			/* records the queue may hold */
	u32 head;			/* next slot to read; free-running */
	u32 tail;			/* next slot to fill; free-running */
	u64 lost;			/* dropped since the last overflow record */
	u64 lost_ns;			/* time of the first of them */
	struct list_head closed;	/* subs owing a LINE_CLOSED record */
	unsigned int nr_live;		/* subs in EVL_SUB_LIVE */
	bool hup;			/* a line closed and none is live */

	struct mutex mutex;		/* subscription changes */
	struct list_head subs;		/* all evl_sub of this register */

	struct mutex read_mutex;	/* one reader at a time */
	wait_queue_head_t wq;
	struct fasync_struct *fasync;
	struct rcu_head rcu;
};

long evl_register_create(void __user *uarg);
void evl_register_attach(struct evl_register *reg, struct evl_sub *sub);
bool evl_register_detach(struct evl_register *reg, struct evl_sub *sub,
			 bool discard_closed);
void evl_register_enqueue(struct evl_sub *sub, struct evl_event *ev);
void evl_register_line_closed(struct evl_sub *sub);

#endif /* _EVL_REGISTER_H */
