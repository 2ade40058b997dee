/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_CHAIN_H
#define _EVL_CHAIN_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct eventline_line_subs;
struct eventline_sub_info;
struct evl_event;
struct evl_line;
struct evl_register;

/* What allowed a subscription the priority it has. */
enum evl_prio_by {
	EVL_PRIO_BY_CEILING,	/* the line's ceiling: anyone could take it */
	EVL_PRIO_BY_GRANT,	/* the owner's grant to it */
	EVL_PRIO_BY_NICE,	/* CAP_SYS_NICE in the line's user namespace */
};

enum evl_sub_state {
	EVL_SUB_LIVE,		/* on its line's chain, receiving events */
	EVL_SUB_ENDED,		/* off the chain; to be freed */
};

/*
 * A subscription: one register's place in one line's chain.  It is the
 * unit the chain orders by priority, and the owner grants and evicts.
 */
struct evl_sub {
	struct list_head reg_node;	/* reg->subs; reg->mutex */
	struct evl_line *line;		/* counted reference */
	struct evl_register *reg;
	u64 id;				/* for LINE_SUBS, GRANT, EVICT; never reused */
	kuid_t uid;			/* fsuid of the task that subscribed */
	u64 from_seq;			/* first event it receives */

	/* line->chain_mutex */
	bool on_chain;
	s32 priority;			/* read locklessly by deliverers */
	s32 max_priority;		/* the owner's grant */
	enum evl_prio_by by;		/* what allowed its priority */
	u32 demotions;

	/* reg->lock */
	enum evl_sub_state state;	/* also read under reg->mutex, see chain.c */
	u64 next_seq;			/* events below it were given to it */
	bool demote_reserved;		/* ring room kept for a DEMOTED record */
	bool demote_pending;		/* demote_work demotes it ... */
	u32 demote_reason;		/* ... for this EVENTLINE_DEMOTE_* */
	u32 overflows;			/* episodes since its priority was set */
	u64 delivered;
	u64 lost;

	/*
	 * A stage (stage.c).  @stage and @stage_from change under
	 * chain_mutex with the line's deliverer role held; the counters and
	 * @stalled_gen belong to the deliverer.
	 */
	bool stage;
	u64 stage_from;			/* first event it must answer */
	spinlock_t stage_lock;
	struct list_head answers;	/* stage_lock */
	u64 passed_upto;		/* stage_lock: last event gone on past it */
	u64 answered_upto;		/* stage_lock: last event it answered */
	u64 stalled_gen;		/* a walk found an event waiting here */
	u32 misses;			/* deadlines missed in a row */
	u32 forwarded, mutated, dropped, timed_out;
	struct hrtimer deadline;

	struct rcu_head rcu;
};

/*
 * A line's chain: its live subscriptions in delivery order, published
 * whole under RCU and replaced, never edited, on every change.
 */
struct evl_chain {
	struct rcu_head rcu;
	unsigned int nr;
	struct evl_sub *subs[];
};

int evl_chain_subscribe(struct evl_register *reg, struct evl_line *line,
			s32 priority, s32 *granted);
s32 evl_chain_demotion_target(const struct evl_line *line);
s32 evl_chain_grantable(struct evl_line *line, s32 priority, s32 max_priority,
			enum evl_prio_by *by);
int evl_chain_unsubscribe(struct evl_register *reg, u64 line_id);
int evl_chain_set_priority(struct evl_sub *sub, s32 priority, u64 expected_rev,
			   s32 *granted);
int evl_chain_grant(struct evl_line *line, u64 sub_id, s32 max_priority,
		    bool mutate, u64 expected_rev);
void evl_chain_set_ceiling(struct evl_line *line, s32 ceiling);
void evl_chain_deliver(struct evl_line *line, const struct evl_event *evs,
		       unsigned int nr);
void evl_chain_demote_work(struct work_struct *work);
void evl_chain_close(struct evl_line *line);
u32 evl_chain_list(struct evl_line *line, const struct evl_register *viewer,
		   struct eventline_sub_info *infos, u32 room, u32 *total,
		   u64 *rev);
int evl_chain_evict(struct evl_line *line, u64 sub_id, u64 expected_rev);
struct evl_sub *evl_chain_find_live(struct evl_register *reg, u64 line_id);
void evl_chain_release_register(struct evl_register *reg);
void evl_chain_reap(struct evl_register *reg);

#endif /* _EVL_CHAIN_H */
