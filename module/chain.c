// SPDX-License-Identifier: GPL-2.0
/*
 * The chain: the subscriptions of one line, in delivery order.
 *
 * A subscription (struct evl_sub) ties one register to one line.  The
 * line's deliverer (deliver.c) walks the chain under RCU and copies each
 * batch of events into each register in turn; today every subscription
 * has the same rank and the chain is in subscription order.  Priorities,
 * mutating stages and worker groups order and stage this same walk.
 *
 * Fair shares: a line's subscriptions are a shared resource, so the last
 * owner_reserved_subs of max_registers_per_line are kept for the owner's
 * uid, and any other uid may hold at most max_subs_per_user of them.  The
 * owner lists the chain (LINE_SUBS) and evicts from it (EVICT).
 *
 * Lifetime: a subscription is created by SUBSCRIBE and ends by
 * UNSUBSCRIBE, by the register's release, or when its line closes or its
 * owner evicts it (its LINE_CLOSED or EVICTED record is then in the
 * register's ring, and the read that consumes it reaps the subscription).
 * It is freed after an RCU grace period because deliverers may still be
 * walking past it.
 *
 * LOCKING
 *
 * reg->mutex: the register's subs list; held across subscribe,
 *	unsubscribe, reap and release, so those never race each other.
 * line->lock (spinlock): line->chain, line->nr_subs and each sub's
 *	on_chain.  The chain is walked under RCU by the deliverer.
 * reg->lock: sub->state and the register's ring; see register.c.
 *	sub->state is also read locklessly (READ_ONCE) under reg->mutex,
 *	where only a line's close can change it, from LIVE to ENDED.
 *
 * Nesting: read_mutex -> reg->mutex -> line->lock -> reg->lock, and
 * line->lock -> line->post_lock (the joining sequence number).  Closing a
 * line wakes readers under line->lock; no poster ever waits on it.
 */
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "limits.h"
#include "line.h"
#include "register.h"

static void evl_chain_reap_locked(struct evl_register *reg);

/* Subscription ids, for the owner's LINE_SUBS and EVICT. */
static atomic64_t evl_last_sub_id = ATOMIC64_INIT(0);

/*
 * Whether @sub may take a place on @line's chain; caller holds line->lock.
 * Counting a uid's subscriptions walks the chain: at most
 * max_registers_per_line entries, and only when subscribing.
 */
static int evl_chain_admit(struct evl_line *line, const struct evl_sub *sub)
{
	unsigned int held = 0;
	struct evl_sub *other;

	lockdep_assert_held(&line->lock);
	if (line->nr_subs >= evl_max_registers_per_line)
		return -ENOSPC;
	if (uid_eq(sub->uid, line->uid))
		return 0;
	if (line->nr_subs >= evl_max_registers_per_line - evl_owner_reserved_subs)
		return -ENOSPC;
	list_for_each_entry(other, &line->chain, chain_node)
		held += uid_eq(other->uid, sub->uid);
	return held >= evl_max_subs_per_user ? -EDQUOT : 0;
}

/**
 * evl_chain_subscribe() - add @reg to the end of @line's chain
 * @reg:	the register; caller holds reg->mutex
 * @line:	a referenced line; the reference passes to the subscription
 *		on success and stays with the caller on failure
 *
 * Return: 0, -EEXIST when already subscribed, -ENOENT when the line has
 * closed, -ENOSPC when the line has no place left for the caller, -EDQUOT
 * when the caller's uid holds its share of the line, -ENOBUFS when the
 * register's ring has no room left to set aside for the subscription's
 * LINE_CLOSED record.
 */
int evl_chain_subscribe(struct evl_register *reg, struct evl_line *line)
{
	struct evl_sub *sub;
	int err = 0;

	lockdep_assert_held(&reg->mutex);
	evl_chain_reap_locked(reg);
	list_for_each_entry(sub, &reg->subs, reg_node)
		if (sub->line == line && READ_ONCE(sub->state) == EVL_SUB_LIVE)
			return -EEXIST;

	sub = kzalloc(sizeof(*sub), GFP_KERNEL_ACCOUNT);
	if (!sub)
		return -ENOMEM;
	sub->line = line;
	sub->reg = reg;
	sub->uid = current_fsuid();

	spin_lock(&line->lock);
	if (READ_ONCE(line->dead))
		err = -ENOENT;
	else
		err = evl_chain_admit(line, sub) ?: evl_register_attach(reg, sub);
	if (!err) {
		/*
		 * Events numbered before now, even if not yet delivered, are
		 * not this subscription's: it joins at the next number.
		 */
		sub->from_seq = evl_line_next_seq(line);
		sub->id = atomic64_inc_return(&evl_last_sub_id);
		list_add_tail_rcu(&sub->chain_node, &line->chain);
		sub->on_chain = true;
		WRITE_ONCE(line->nr_subs, line->nr_subs + 1);
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
		WRITE_ONCE(line->nr_subs, line->nr_subs - 1);
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
		/* What was posted before the call still arrives. */
		evl_line_wait_delivered(sub->line);
		evl_chain_unlink(sub);
		/* The line may have closed since we looked. */
		if (!evl_register_detach(reg, sub))
			return -ENOENT;
		evl_chain_free(sub);
		return 0;
	}
	return -ENOENT;
}

/*
 * Registers a deliverer wakes itself per call; the rest are woken from
 * their wake work, so a post's cost does not grow with sleeping readers.
 */
#define EVL_DIRECT_WAKES	4
/*
 * Events copied per walk of the chain.  Between walks the deliverer leaves
 * the RCU read side and may reschedule: a big batch to many registers
 * never holds the CPU for long.
 */
#define EVL_DELIVER_CHUNK	64

/**
 * evl_chain_deliver() - copy events into every register on @line's chain
 * @line:	the line; the caller is its deliverer (deliver.c), in process
 *		context
 * @evs:	the events, in sequence order
 * @nr:		how many
 */
void evl_chain_deliver(struct evl_line *line, const struct evl_event *evs,
		       unsigned int nr)
{
	unsigned int direct_wakes = EVL_DIRECT_WAKES, done, chunk;
	struct evl_sub *sub;

	for (done = 0; done < nr; done += chunk) {
		chunk = min(nr - done, EVL_DELIVER_CHUNK);
		rcu_read_lock();
		list_for_each_entry_rcu(sub, &line->chain, chain_node)
			evl_register_enqueue(sub, evs + done, chunk,
					     &direct_wakes);
		rcu_read_unlock();
		cond_resched();
	}
}

/*
 * The owner closed @line and its deliverer has finished: empty the chain
 * and give each register its LINE_CLOSED record, the last record it
 * receives from this line.
 */
void evl_chain_close(struct evl_line *line)
{
	struct evl_sub *sub, *tmp;

	spin_lock(&line->lock);
	list_for_each_entry_safe(sub, tmp, &line->chain, chain_node) {
		list_del_rcu(&sub->chain_node);
		sub->on_chain = false;
		evl_register_line_closed(sub, EVENTLINE_META_LINE_CLOSED,
					 line->id, line->uid);
	}
	WRITE_ONCE(line->nr_subs, 0);
	spin_unlock(&line->lock);
}

/**
 * evl_chain_list() - describe @line's subscriptions, in chain order
 * @line:	the line
 * @infos:	room for @room entries
 * @room:	how many fit
 * @total:	set to the number of subscriptions
 *
 * uid and pid are given in the caller's namespaces.
 *
 * Return: the number of entries filled in.
 */
u32 evl_chain_list(struct evl_line *line, struct eventline_sub_info *infos,
		   u32 room, u32 *total)
{
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct user_namespace *user_ns = current_user_ns();
	struct evl_sub *sub;
	u32 n = 0;

	spin_lock(&line->lock);
	list_for_each_entry(sub, &line->chain, chain_node) {
		if (n == room)
			break;
		/* On the chain, so its register is not released yet. */
		infos[n++] = (struct eventline_sub_info) {
			.sub_id = sub->id,
			.uid = from_kuid_munged(user_ns, sub->uid),
			.pid = pid_nr_ns(sub->reg->creator, pid_ns),
			.sub_flags = uid_eq(sub->uid, line->uid) ?
				     EVENTLINE_SUB_OWNER : 0,
		};
	}
	*total = line->nr_subs;
	spin_unlock(&line->lock);
	return n;
}

/**
 * evl_chain_evict() - end one subscription of @line, for its owner
 * @line:	the line
 * @sub_id:	the subscription
 *
 * What was posted before the call reaches the register first, then its
 * EVICTED record, as a LINE_CLOSED would: the register reaps the
 * subscription when it reads the record.
 *
 * Return: 0, or -ENOENT when no subscription of @line has this id.
 */
int evl_chain_evict(struct evl_line *line, u64 sub_id)
{
	struct evl_sub *sub;
	int err = -ENOENT;

	evl_line_wait_delivered(line);
	spin_lock(&line->lock);
	list_for_each_entry(sub, &line->chain, chain_node) {
		if (sub->id != sub_id)
			continue;
		list_del_rcu(&sub->chain_node);
		sub->on_chain = false;
		WRITE_ONCE(line->nr_subs, line->nr_subs - 1);
		evl_register_line_closed(sub, EVENTLINE_META_EVICTED,
					 line->id, line->uid);
		err = 0;
		break;
	}
	spin_unlock(&line->lock);
	return err;
}

/* The register's file is going away: end all of its subscriptions. */
void evl_chain_release_register(struct evl_register *reg)
{
	struct evl_sub *sub, *tmp;

	mutex_lock(&reg->mutex);
	list_for_each_entry_safe(sub, tmp, &reg->subs, reg_node) {
		evl_chain_unlink(sub);
		evl_register_detach(reg, sub);
		evl_chain_free(sub);
		cond_resched();
	}
	mutex_unlock(&reg->mutex);
}

/* Free the subscriptions whose lines closed; caller holds reg->mutex. */
static void evl_chain_reap_locked(struct evl_register *reg)
{
	struct evl_sub *sub, *tmp;

	lockdep_assert_held(&reg->mutex);
	list_for_each_entry_safe(sub, tmp, &reg->subs, reg_node)
		if (READ_ONCE(sub->state) == EVL_SUB_ENDED)
			evl_chain_free(sub);
}

/*
 * Called when the reader has consumed a LINE_CLOSED or EVICTED record.  A reader that
 * consumes through its mapping leaves them to the next subscribe or to the
 * register's release.
 */
void evl_chain_reap(struct evl_register *reg)
{
	mutex_lock(&reg->mutex);
	evl_chain_reap_locked(reg);
	mutex_unlock(&reg->mutex);
}
