/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_CHAIN_H
#define _EVL_CHAIN_H

#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct eventline_sub_info;
struct evl_event;
struct evl_line;
struct evl_register;

enum evl_sub_state {
	EVL_SUB_LIVE,		/* on its line's chain, receiving events */
	EVL_SUB_ENDED,		/* off the chain; to be freed */
};

/*
 * A subscription: one register's place in one line's chain.  It is the
 * unit the chain orders and, later, grants priority and mutation to.
 */
struct evl_sub {
	struct list_head chain_node;	/* line->chain; line->lock, RCU */
	struct list_head reg_node;	/* reg->subs; reg->mutex */
	struct evl_line *line;		/* counted reference */
	struct evl_register *reg;
	bool on_chain;			/* line->lock */
	enum evl_sub_state state;	/* written under reg->lock */
	u64 from_seq;			/* first event it receives */
	u64 id;				/* for LINE_SUBS and EVICT; never reused */
	kuid_t uid;			/* fsuid of the task that subscribed */
	struct rcu_head rcu;
};

int evl_chain_subscribe(struct evl_register *reg, struct evl_line *line);
int evl_chain_unsubscribe(struct evl_register *reg, u64 line_id);
void evl_chain_deliver(struct evl_line *line, const struct evl_event *evs,
		       unsigned int nr);
void evl_chain_close(struct evl_line *line);
u32 evl_chain_list(struct evl_line *line, struct eventline_sub_info *infos,
		   u32 room, u32 *total);
int evl_chain_evict(struct evl_line *line, u64 sub_id);
void evl_chain_release_register(struct evl_register *reg);
void evl_chain_reap(struct evl_register *reg);

#endif /* _EVL_CHAIN_H */
