// SPDX-License-Identifier: GPL-2.0
/*
 * The chain: the subscriptions of one line, in delivery order.
 *
 * A subscription (struct evl_sub) ties one register to one line.  Posts
 * walk the line's chain under RCU and hand the event to each register in
 * turn; today every subscription has the same rank and the chain is in
 * subscription order.  Priorities, mutating stages and worker groups order
 * and stage this same walk.
 *
 * Lifetime: a subscription is created by SUBSCRIBE and ends by
 * UNSUBSCRIBE, by the register's release, or when its line closes and the
 * reader has read the LINE_CLOSED record (then the register's next read
 * reaps it).  It is freed after an RCU grace period because posters may
 * still be walking past it.
 *
 * LOCKING
 *
 * reg->mutex: the register's subs list; held across subscribe,
 *	unsubscribe, reap and release, so those never race each other.
 * line->lock (spinlock): line->chain, line->nr_subs and each
 *	sub's on_chain.  The chain is walked under RCU by posters.
 * reg->lock: sub->state and the register's queue; see register.c.
 *
 * Nesting: reg->mutex -> line->lock -> reg->lock.
 */
#include <linux/rculist.h>
#include <linux/slab.h>

#include "chain.h"
#include "limits.h"
#include "line.h"
#include "register.h"

/**
 * evl_chain_subscribe() - add @reg to the end of @line's chain
 * @reg:	the register; caller holds reg->mutex
 * @line:	a referenced line; the reference passes to the subscription
 *		on success and stays with the caller on failure
 *
 * Return: 0, -EEXIST when already subscribed, -ENOENT when the line has
 * closed, -ENOSPC when the line has max_registers_per_line subscribers.
 */
int evl_chain_subscribe(struct evl_register *reg, struct evl_line *line)
{
	struct evl_sub *sub;
	int err = 0;

	lockdep_assert_held(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node)
		if (sub->line == line && READ_ONCE(sub->state) == EVL_SUB_LIVE)
			return -EEXIST;

	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		return -ENOMEM;
	sub->line = line;
	sub->reg = reg;
	INIT_LIST_HEAD(&sub->closed_node);

	spin_lock(&line->lock);
	if (READ_ONCE(line->dead)) {
		err = -ENOENT;
	} else if (line->nr_subs >= evl_max_registers_per_line) {
		err = -ENOSPC;
	} else {
		evl_register_attach(reg, sub);
		list_add_tail_rcu(&sub->chain_node, &line->chain);
		sub->on_chain = true;
		line->nr_subs++;
	}
	spin_unlock(&line->lock);

	if (err) {
		kfree(sub);
		return err;
	}
	list_add_tail(&sub->reg_node, &reg->subs);
	return 0;
}

/* Take @sub off its line's chain if it is still there. */
static void evl_chain_unlink(struct evl_sub *sub)
{
	struct evl_line *line = sub->line;

	spin_lock(&line->lock);
	if (sub->on_chain) {
		list_del_rcu(&sub->chain_node);
		sub->on_chain = false;
		line->nr_subs--;
	}
	spin_unlock(&line->lock);
}

/* Free an ended, unlinked subscription; caller holds reg->mutex. */
static void evl_chain_free(struct evl_sub *sub)
{
	lockdep_assert_held(&sub->reg->mutex);
	list_del(&sub->reg_node);
	evl_line_put(sub->line);
	kfree_rcu(sub, rcu);
}

/**
 * evl_chain_unsubscribe() - end @reg's live subscription to a line
 * @reg:	the register; caller holds reg->mutex
 * @line_id:	the line
 *
 * Events already queued stay queued.  A subscription whose line has closed
 * is no longer live: its LINE_CLOSED record stays queued and -ENOENT is
 * returned, as for a line the register never subscribed to.
 */
int evl_chain_unsubscribe(struct evl_register *reg, u64 line_id)
{
	struct evl_sub *sub;

	lockdep_assert_held(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node) {
		if (sub->line->id != line_id ||
		    READ_ONCE(sub->state) != EVL_SUB_LIVE)
			continue;
		evl_chain_unlink(sub);
		/* The line may have closed since we looked. */
		if (!evl_register_detach(reg, sub, false))
			return -ENOENT;
		evl_chain_free(sub);
		return 0;
	}
	return -ENOENT;
}

/**
 * evl_chain_deliver() - hand @ev to every register on @line's chain
 * @line:	the line; caller holds line->post_lock
 * @ev:		the event; each queue takes its own reference
 */
void evl_chain_deliver(struct evl_line *line, struct evl_event *ev)
{
	struct evl_sub *sub;

	lockdep_assert_held(&line->post_lock);
	rcu_read_lock();
	list_for_each_entry_rcu(sub, &line->chain, chain_node)
		evl_register_enqueue(sub, ev);
	rcu_read_unlock();
}

/*
 * The owner closed @line: empty its chain and owe each register a
 * LINE_CLOSED record.  No post runs any more (line->dead is set), so the
 * record is the last thing each register receives from this line.
 */
void evl_chain_close(struct evl_line *line)
{
	struct evl_sub *sub, *tmp;

	spin_lock(&line->lock);
	list_for_each_entry_safe(sub, tmp, &line->chain, chain_node) {
		list_del_rcu(&sub->chain_node);
		sub->on_chain = false;
		evl_register_line_closed(sub);
	}
	line->nr_subs = 0;
	spin_unlock(&line->lock);
}

/* The register's file is going away: end all of its subscriptions. */
void evl_chain_release_register(struct evl_register *reg)
{
	struct evl_sub *sub, *tmp;

	mutex_lock(&reg->mutex);
	list_for_each_entry_safe(sub, tmp, &reg->subs, reg_node) {
		evl_chain_unlink(sub);
		evl_register_detach(reg, sub, true);
		evl_chain_free(sub);
	}
	mutex_unlock(&reg->mutex);
}

/* Free the subscriptions whose LINE_CLOSED record the reader consumed. */
void evl_chain_reap(struct evl_register *reg)
{
	struct evl_sub *sub, *tmp;

	mutex_lock(&reg->mutex);
	list_for_each_entry_safe(sub, tmp, &reg->subs, reg_node)
		if (READ_ONCE(sub->state) == EVL_SUB_ENDED)
			evl_chain_free(sub);
	mutex_unlock(&reg->mutex);
}
