/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_REGISTER_H
#define _EVL_REGISTER_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "ring.h"
#include "ucount.h"

struct eventline_sub_info;
struct evl_event;
struct evl_sub;
struct fasync_struct;
struct pid;
struct pid_namespace;
struct user_namespace;

/*
 * A register: a subscriber's fd and the ring its records are copied into.
 * See register.c for the queue and its locking.
 */
struct evl_register {
	/* Producer side: deliverers of every line the register is on. */
	spinlock_t lock;
	struct evl_ring ring;		/* prod: lock; consumer: the reader */
	u32 queue_len;			/* events the ring may hold */
	u32 reserved;			/* ring bytes kept for META records */
	u32 *ev_end;			/* end position of each queued event */
	u32 ev_mask;			/* ev_end has ev_mask + 1 slots */
	u32 ev_head;			/* events queued, ever */
	u32 ev_tail;			/* events seen consumed, ever */
	u32 meta_end;			/* end of the last META record */
	bool meta_unread;		/* the consumer has not passed it */
	u32 wakeup_records;		/* wake once this many are queued */
	u32 wakeup_usec;		/* or once they waited this long */
	bool timer_due;			/* the wait expired; ready at once */
	struct hrtimer wake_timer;
	bool wake_always;		/* EVENTLINE_REGISTER_WAKE_ALWAYS */
	bool depth_filter;		/* EVENTLINE_REGISTER_DEPTH_FILTER */
	u16 min_depth;			/* events outside are skipped */
	u16 max_depth;
	bool hup;			/* a line of it closed, ever */
	unsigned int nr_live;		/* subs in EVL_SUB_LIVE */
	u64 lost;			/* dropped since the last overflow record */
	u32 choke_mark;			/* queued events that make a choke point */
	u64 choke_since;		/* when the queue reached the mark, or 0 */
	u64 choke_offered;		/* @offered then */
	u32 choke_tail;			/* @ev_tail then */
	bool choke_told;		/* this episode's CHOKE record is written */
	u64 offered;			/* events that passed the filters, ever */
	u64 chokes;			/* episodes */
	u64 lost_ns;			/* time of the first of them */
	struct work_struct wake_work;	/* wake-ups deferred by deliverers */

	/* Shared by both sides. */
	atomic_t armed;			/* reader caught up: wake on next record */
	struct pid_namespace *pid_ns;	/* records are translated into these */
	struct user_namespace *user_ns;
	s64 time_offset_ns;		/* creator's CLOCK_MONOTONIC offset */
	struct pid *creator;		/* creator's thread group, for LINE_SUBS */
	struct evl_charge charge;	/* against the creator's register limit */

	/* Consumer side. */
	struct mutex read_mutex ____cacheline_aligned_in_smp;
	wait_queue_head_t wq;
	struct fasync_struct *fasync;

	struct mutex mutex;		/* subscription changes */
	struct list_head subs;		/* all evl_sub of this register */
	struct rcu_head rcu;
};

long evl_register_create(void __user *uarg);
int evl_register_attach(struct evl_register *reg, struct evl_sub *sub);
int evl_register_arm_demotion(struct evl_sub *sub);
u32 evl_register_take_demotion(struct evl_sub *sub);
void evl_register_request_demotion(struct evl_sub *sub, u32 reason);
u64 evl_register_next_seq(struct evl_sub *sub);
void evl_register_demoted(struct evl_sub *sub, s32 old, u32 reason);
void evl_register_sub_stats(struct evl_sub *sub,
			    struct eventline_sub_info *info);
bool evl_register_detach(struct evl_register *reg, struct evl_sub *sub);
void evl_register_enqueue(struct evl_sub *sub, const struct evl_event *evs,
			  unsigned int nr, unsigned int *direct_wakes);
void evl_register_line_closed(struct evl_sub *sub, u16 type, u64 line_id,
			      kuid_t owner);

#endif /* _EVL_REGISTER_H */
