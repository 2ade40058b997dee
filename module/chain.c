// SPDX-License-Identifier: GPL-2.0
/*
 * The chain: the subscriptions of one line, in delivery order.
 *
 * A subscription (struct evl_sub) ties one register to one line.  The
 * chain (struct evl_chain) is an array of a line's live subscriptions,
 * sorted by priority, higher first, equal priorities in subscription
 * order.  It is never edited: every change builds a new array and
 * publishes it under RCU, raising the line's chain revision.  The line's
 * deliverer (deliver.c) reads the array once per chunk of events and
 * copies the chunk into each register in array order, so a reorder can
 * never make it skip a register or visit one twice, and higher priorities
 * are served, and woken, first.
 *
 * Priorities: the kernel grants what the line's ceiling, the owner's grant
 * to the subscription or CAP_SYS_NICE allow, never more than asked; see
 * "The chain" in the uapi header.  A subscription that overflows
 * demote_overflows times since its priority was set, or whose grant is
 * lowered under it, is demoted to the default priority and told with a
 * DEMOTED record; its register keeps ring room for that record, set aside
 * whenever the subscription takes a priority (register.c).
 *
 * Fair shares: a line's subscriptions are a shared resource, so the last
 * owner_reserved_subs of max_registers_per_line are kept for the owner's
 * uid, and any other uid may hold at most max_subs_per_user of them.  The
 * owner lists the chain (LINE_SUBS), grants (GRANT) and evicts (EVICT).
 *
 * Lifetime: a subscription is created by SUBSCRIBE and ends by
 * UNSUBSCRIBE, by the register's release, or when its line closes or its
 * owner evicts it (its LINE_CLOSED or EVICTED record is then in the
 * register's ring, and the read that consumes it reaps the subscription).
 * Subscriptions and replaced arrays are freed after an RCU grace period
 * because deliverers may still be walking past them.
 *
 * LOCKING
 *
 * reg->mutex: the register's subs list; held across subscribe,
 *	unsubscribe, reap and release, so those never race each other.
 * line->chain_mutex: line->chain, the chain revision, the ceiling and the
 *	fields of each sub marked so; held to build and publish a chain.
 *	The chain itself is read under RCU.
 * reg->lock: sub->state, the register's ring and the per-delivery
 *	counters; see register.c.  sub->state is also read locklessly
 *	(READ_ONCE) under reg->mutex, where only a line's close or an
 *	eviction can change it, from LIVE to ENDED.
 *
 * Nesting: read_mutex -> reg->mutex -> the line's deliverer role (SUBSCRIBE
 * holds it, see deliver.c) -> line->chain_mutex -> reg->lock, and
 * line->chain_mutex -> line->post_lock (publishing a chain).  No poster
 * ever waits for chain_mutex; deliverers never take it, nor does anything
 * that holds it wait for the role.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/user_namespace.h>

#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "limits.h"
#include "line.h"
#include "register.h"
#include "retain.h"
#include "stage.h"

static void evl_chain_reap_locked(struct evl_register *reg);

/* Subscription ids, for the owner's LINE_SUBS, GRANT and EVICT. */
static atomic64_t evl_last_sub_id = ATOMIC64_INIT(0);

static struct evl_chain *evl_chain_current(struct evl_line *line)
{
	return rcu_dereference_protected(line->chain,
					 lockdep_is_held(&line->chain_mutex));
}

/* Higher priority first, then older subscriptions (smaller ids) first. */
static int evl_sub_cmp(const void *a, const void *b)
{
	const struct evl_sub *x = *(struct evl_sub * const *)a;
	const struct evl_sub *y = *(struct evl_sub * const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : 1;
}

/*
 * For changes that must not fail: taking a subscription away, and the
 * kernel's own demotions.  A chain is at most max_registers_per_line
 * pointers.
 */
#define EVL_CHAIN_GFP_NOFAIL	(GFP_KERNEL_ACCOUNT | __GFP_NOFAIL)

/*
 * A copy of @line's chain without @drop and with @add (either may be
 * NULL), to be sorted and published; NULL when @gfp lets it fail.
 */
static struct evl_chain *evl_chain_copy(struct evl_line *line,
					const struct evl_sub *drop,
					struct evl_sub *add, gfp_t gfp)
{
	struct evl_chain *old = evl_chain_current(line), *new;
	unsigned int i, nr = old ? old->nr : 0;

	new = kvmalloc(struct_size(new, subs, nr + !!add), gfp);
	if (!new)
		return NULL;
	new->nr = 0;
	for (i = 0; i < nr; i++)
		if (old->subs[i] != drop)
			new->subs[new->nr++] = old->subs[i];
	if (add)
		new->subs[new->nr++] = add;
	return new;
}

/*
 * Sort @new, publish it (or nothing, when it is empty) and retire the old
 * chain; @joining receives the events numbered from now on, and @retained
 * (with @joining) the retained events numbered before.  Returns how many
 * of those.
 */
static unsigned int evl_chain_publish(struct evl_line *line,
				      struct evl_chain *new,
				      struct evl_sub *joining,
				      struct evl_retained **retained)
{
	struct evl_chain *old = evl_chain_current(line);
	unsigned int nr_retained, nr_stages = 0, i;

	lockdep_assert_held(&line->chain_mutex);
	if (new && !new->nr) {
		kvfree(new);
		new = NULL;
	}
	if (new)
		sort(new->subs, new->nr, sizeof(new->subs[0]), evl_sub_cmp, NULL);
	for (i = 0; new && i < new->nr; i++)
		nr_stages += new->subs[i]->stage;
	line->chain_rev++;
	nr_retained = evl_line_set_chain(line, new, nr_stages, joining,
					 retained);
	if (old)
		kvfree_rcu(old, rcu);
	return nr_retained;
}

/*
 * The same subscriptions, after a change to their priorities or stages:
 * sorted again, published with a new revision.  Must not fail.
 */
static void evl_chain_republish(struct evl_line *line)
{
	evl_chain_publish(line, evl_chain_copy(line, NULL, NULL,
					       EVL_CHAIN_GFP_NOFAIL), NULL, NULL);
}

/*
 * Give a new subscription the line's retained events, before anything
 * posted after it joined: the caller holds the line's deliverer role.
 * Puts the references evl_line_set_chain() took.
 */
static void evl_chain_give_retained(struct evl_sub *sub,
				    struct evl_retained **retained,
				    unsigned int nr)
{
	unsigned int direct_wakes = 1, i;

	for (i = 0; i < nr; i++) {
		evl_register_enqueue(sub, &retained[i]->ev, 1, &direct_wakes);
		evl_retained_put(retained[i]);
	}
}

/**
 * evl_chain_grantable() - the priority a request gets
 * @line:	the line
 * @priority:	asked for, already in range
 * @max_priority: the owner's grant to the subscription
 * @by:		set to what allows the priority granted
 *
 * Return: the priority granted: @priority, or the most the line's
 * ceiling, the grant and the caller's capabilities allow.
 */
s32 evl_chain_grantable(struct evl_line *line, s32 priority, s32 max_priority,
			enum evl_prio_by *by)
{
	s32 ceiling = READ_ONCE(line->priority_ceiling);

	if (priority <= ceiling) {
		*by = EVL_PRIO_BY_CEILING;
		return priority;
	}
	if (priority <= max_priority) {
		*by = EVL_PRIO_BY_GRANT;
		return priority;
	}
	if (ns_capable(line->user_ns, CAP_SYS_NICE)) {
		*by = EVL_PRIO_BY_NICE;
		return priority;
	}
	*by = max_priority > ceiling ? EVL_PRIO_BY_GRANT : EVL_PRIO_BY_CEILING;
	return max(ceiling, max_priority);
}

/*
 * Whether @sub may take a place on @line's chain; caller holds
 * line->chain_mutex.  Counting a uid's subscriptions walks the chain: at
 * most max_registers_per_line entries, and only when subscribing.
 */
static int evl_chain_admit(struct evl_line *line, const struct evl_sub *sub)
{
	struct evl_chain *chain = evl_chain_current(line);
	unsigned int held = 0, nr = chain ? chain->nr : 0, i;

	if (nr >= evl_max_registers_per_line)
		return -ENOSPC;
	if (uid_eq(sub->uid, line->uid))
		return 0;
	if (nr >= evl_max_registers_per_line - evl_owner_reserved_subs)
		return -ENOSPC;
	for (i = 0; i < nr; i++)
		held += uid_eq(chain->subs[i]->uid, sub->uid);
	return held >= evl_max_subs_per_user ? -EDQUOT : 0;
}

/**
 * evl_chain_subscribe() - add @reg to @line's chain
 * @reg:	the register; caller holds reg->mutex
 * @line:	a referenced line; the reference passes to the subscription
 *		on success and stays with the caller on failure
 * @priority:	the priority asked for, already in range
 * @granted:	set to the priority granted
 *
 * Return: 0, -EEXIST when already subscribed, -ENOENT when the line has
 * closed, -ENOSPC when the line has no place left for the caller, -EDQUOT
 * when the caller's uid holds its share of the line, -ENOBUFS when the
 * register's ring has no room left to set aside for the subscription's
 * META records, -ENOMEM.
 */
int evl_chain_subscribe(struct evl_register *reg, struct evl_line *line,
			s32 priority, s32 *granted)
{
	struct evl_retained *retained[EVL_RETAINED_MAX];
	unsigned int nr_retained = 0;
	struct evl_chain *new = NULL;
	struct evl_sub *sub;
	int err;

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
	sub->max_priority = EVENTLINE_PRIORITY_MIN;
	evl_stage_init(sub);

	/* No event may reach the new register before its retained ones. */
	evl_line_hold(line);
	mutex_lock(&line->chain_mutex);
	if (READ_ONCE(line->dead)) {
		err = -ENOENT;
		goto out;
	}
	err = evl_chain_admit(line, sub);
	if (err)
		goto out;
	new = evl_chain_copy(line, NULL, sub, GFP_KERNEL_ACCOUNT);
	if (!new) {
		err = -ENOMEM;
		goto out;
	}
	err = evl_register_attach(reg, sub);
	if (err)
		goto out;
	sub->priority = evl_chain_grantable(line, priority, sub->max_priority,
					    &sub->by);
	*granted = sub->priority;
	sub->id = atomic64_inc_return(&evl_last_sub_id);
	sub->on_chain = true;
	nr_retained = evl_chain_publish(line, new, sub, retained);
	new = NULL;
out:
	mutex_unlock(&line->chain_mutex);
	evl_chain_give_retained(sub, retained, nr_retained);
	evl_line_unhold(line);
	kvfree(new);
	if (err) {
		kfree(sub);
		return err;
	}
	list_add_tail(&sub->reg_node, &reg->subs);
	return 0;
}

/*
 * Take @sub off its line's chain if it is still there.  A stage stops
 * being one first (evl_chain_unstage()), so no walk finds it half gone.
 */
static void evl_chain_unlink_locked(struct evl_sub *sub)
{
	struct evl_line *line = sub->line;

	lockdep_assert_held(&line->chain_mutex);
	if (!sub->on_chain)
		return;
	WARN_ON_ONCE(sub->stage);
	evl_chain_publish(line, evl_chain_copy(line, sub, NULL,
					       EVL_CHAIN_GFP_NOFAIL), NULL, NULL);
	sub->on_chain = false;
}

static void evl_chain_unstage(struct evl_sub *sub);

static void evl_chain_unlink(struct evl_sub *sub)
{
	if (READ_ONCE(sub->stage))
		evl_chain_unstage(sub);
	mutex_lock(&sub->line->chain_mutex);
	evl_chain_unlink_locked(sub);
	mutex_unlock(&sub->line->chain_mutex);
}

/* Free an ended, unlinked subscription; caller holds reg->mutex. */
static void evl_chain_free(struct evl_sub *sub)
{
	lockdep_assert_held(&sub->reg->mutex);
	list_del(&sub->reg_node);
	evl_stage_destroy(sub);
	evl_line_put(sub->line);
	kfree_rcu(sub, rcu);
}

/* @reg's live subscription to @line_id, or NULL; caller holds reg->mutex. */
struct evl_sub *evl_chain_find_live(struct evl_register *reg, u64 line_id)
{
	struct evl_sub *sub;

	lockdep_assert_held(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node)
		if (sub->line->id == line_id &&
		    READ_ONCE(sub->state) == EVL_SUB_LIVE)
			return sub;
	return NULL;
}

/*
 * @sub stops being a stage as it leaves the chain.  Like a revoked grant
 * (evl_chain_grant()) the caller holds the line's deliverer role, so that
 * no walk is under way: one that had an event wait at the stage must not
 * take a later one past it.  What waited for it goes on as the role is
 * given back.  Caller also holds chain_mutex.
 */
static void evl_chain_unstage_locked(struct evl_sub *sub)
{
	struct evl_line *line = sub->line;

	lockdep_assert_held(&line->chain_mutex);
	if (!sub->stage)
		return;
	evl_stage_stop(sub);
	evl_chain_republish(line);
}

/* The same, taking the role and chain_mutex. */
static void evl_chain_unstage(struct evl_sub *sub)
{
	struct evl_line *line = sub->line;

	evl_line_hold(line);
	mutex_lock(&line->chain_mutex);
	evl_chain_unstage_locked(sub);
	mutex_unlock(&line->chain_mutex);
	evl_line_unhold(line);
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
	struct evl_sub *sub = evl_chain_find_live(reg, line_id);

	if (!sub)
		return -ENOENT;
	/* A stage answers no more: nothing may wait for it now. */
	if (READ_ONCE(sub->stage))
		evl_chain_unstage(sub);
	/* What was posted before the call still arrives. */
	evl_line_wait_delivered(sub->line);
	evl_chain_unlink(sub);
	/* The line may have closed, or its owner evicted us, since we looked. */
	if (!evl_register_detach(reg, sub))
		return -ENOENT;
	evl_chain_free(sub);
	return 0;
}

/**
 * evl_chain_demotion_target() - where a demoted subscription of @line goes
 * @line:	the line
 *
 * Return: the default priority, or the line's ceiling if that is lower;
 * only subscriptions above it can be demoted.
 */
s32 evl_chain_demotion_target(const struct evl_line *line)
{
	return min(EVENTLINE_PRIORITY_DEFAULT, READ_ONCE(line->priority_ceiling));
}

/*
 * Move @sub back to the default priority and tell its register why;
 * caller holds chain_mutex and publishes the reordered chain.
 */
static void evl_chain_demote(struct evl_sub *sub, u32 reason)
{
	s32 old = sub->priority;

	lockdep_assert_held(&sub->line->chain_mutex);
	sub->priority = evl_chain_demotion_target(sub->line);
	sub->by = EVL_PRIO_BY_CEILING;
	sub->demotions++;
	evl_register_demoted(sub, old, reason);
}

static int evl_chain_check_rev(struct evl_line *line, u64 expected_rev)
{
	return expected_rev && expected_rev != line->chain_rev ? -ESTALE : 0;
}

/**
 * evl_chain_set_priority() - a subscription asks for a new priority
 * @sub:	a live subscription; caller holds its register's mutex
 * @priority:	asked for, already in range
 * @expected_rev: 0, or the chain revision the caller acts on
 * @granted:	set to the priority granted
 *
 * Return: 0, -ESTALE, -ENOENT when the line closed or evicted @sub since
 * it was found, -ENOBUFS when no ring room can be kept for a DEMOTED
 * record, -ENOMEM.
 */
int evl_chain_set_priority(struct evl_sub *sub, s32 priority, u64 expected_rev,
			   s32 *granted)
{
	struct evl_line *line = sub->line;
	struct evl_chain *new;
	int err;

	mutex_lock(&line->chain_mutex);
	err = evl_chain_check_rev(line, expected_rev);
	if (err)
		goto out;
	if (!sub->on_chain) {
		err = -ENOENT;
		goto out;
	}
	new = evl_chain_copy(line, NULL, NULL, GFP_KERNEL_ACCOUNT);
	if (!new) {
		err = -ENOMEM;
		goto out;
	}
	err = evl_register_arm_demotion(sub);
	if (err) {
		kvfree(new);
		goto out;
	}
	sub->priority = evl_chain_grantable(line, priority, sub->max_priority,
					    &sub->by);
	*granted = sub->priority;
	evl_chain_publish(line, new, NULL, NULL);
out:
	mutex_unlock(&line->chain_mutex);
	return err;
}

/* The subscription of @line with @sub_id; caller holds chain_mutex. */
static struct evl_sub *evl_chain_find_id(struct evl_line *line, u64 sub_id)
{
	struct evl_chain *chain = evl_chain_current(line);
	unsigned int i;

	for (i = 0; chain && i < chain->nr; i++)
		if (chain->subs[i]->id == sub_id)
			return chain->subs[i];
	return NULL;
}

/**
 * evl_chain_grant() - the owner sets what one subscription may take
 * @line:	the line
 * @sub_id:	the subscription
 * @max_priority: the highest priority it may take, already in range
 * @mutate:	whether it is to be a stage
 * @expected_rev: 0, or the chain revision the owner acts on
 *
 * Making a subscription a stage, or one no more, holds the line's
 * deliverer role, so that no walk is under way as the stages change: the
 * stage answers every event numbered after the call.
 *
 * Return: 0, -ENOENT, -ESTALE.
 */
int evl_chain_grant(struct evl_line *line, u64 sub_id, s32 max_priority,
		    bool mutate, u64 expected_rev)
{
	struct evl_sub *sub;
	int err;

	evl_line_hold(line);
	mutex_lock(&line->chain_mutex);
	err = evl_chain_check_rev(line, expected_rev);
	if (err)
		goto out;
	sub = evl_chain_find_id(line, sub_id);
	if (!sub) {
		err = -ENOENT;
		goto out;
	}
	/*
	 * Only a priority the grant allowed depends on it: one taken under
	 * the ceiling, even a ceiling since lowered, or by CAP_SYS_NICE
	 * stands.
	 */
	if (sub->by == EVL_PRIO_BY_GRANT && max_priority < sub->max_priority &&
	    sub->priority > max_priority &&
	    sub->priority > evl_chain_demotion_target(line))
		evl_chain_demote(sub, EVENTLINE_DEMOTE_REVOKED);
	sub->max_priority = max_priority;
	if (mutate && !sub->stage)
		evl_stage_start(sub, evl_line_next_seq(line));
	else if (!mutate && sub->stage)
		evl_stage_stop(sub);
	/* Reordered or not, the chain's listing changed. */
	evl_chain_republish(line);
out:
	mutex_unlock(&line->chain_mutex);
	/* What waited for a stage that stopped goes on now. */
	evl_line_unhold(line);
	return err;
}

/* The owner sets the line's priority ceiling, for requests from now on. */
void evl_chain_set_ceiling(struct evl_line *line, s32 ceiling)
{
	mutex_lock(&line->chain_mutex);
	WRITE_ONCE(line->priority_ceiling, ceiling);
	mutex_unlock(&line->chain_mutex);
}

/*
 * Demote the subscriptions deliverers found overflowing repeatedly
 * (sub->demote_pending, see register.c); queued by them, on evl_wq.
 */
void evl_chain_demote_work(struct work_struct *work)
{
	struct evl_line *line = container_of(work, struct evl_line,
					     demote_work);
	struct evl_chain *chain;
	unsigned int i, demoted = 0;

	mutex_lock(&line->chain_mutex);
	chain = evl_chain_current(line);
	for (i = 0; chain && i < chain->nr; i++) {
		struct evl_sub *sub = chain->subs[i];
		u32 reason = evl_register_take_demotion(sub);

		if (!reason || sub->priority <= evl_chain_demotion_target(line))
			continue;
		evl_chain_demote(sub, reason);
		demoted++;
	}
	if (demoted)
		evl_chain_republish(line);
	mutex_unlock(&line->chain_mutex);
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
 *
 * Registers are served in chain order, each chunk from one chain.
 */
void evl_chain_deliver(struct evl_line *line, const struct evl_event *evs,
		       unsigned int nr)
{
	unsigned int direct_wakes = EVL_DIRECT_WAKES, done, chunk, i;
	struct evl_chain *chain;

	for (done = 0; done < nr; done += chunk) {
		chunk = min(nr - done, EVL_DELIVER_CHUNK);
		rcu_read_lock();
		chain = rcu_dereference(line->chain);
		for (i = 0; chain && i < chain->nr; i++)
			evl_register_enqueue(chain->subs[i], evs + done, chunk,
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
	struct evl_chain *chain;
	unsigned int i;

	mutex_lock(&line->chain_mutex);
	chain = evl_chain_current(line);
	for (i = 0; chain && i < chain->nr; i++) {
		chain->subs[i]->on_chain = false;
		/* The line is quiesced: its deliverer will not kick again. */
		evl_stage_stop(chain->subs[i]);
		evl_register_line_closed(chain->subs[i],
					 EVENTLINE_META_LINE_CLOSED,
					 line->id, line->uid);
	}
	evl_chain_publish(line, NULL, NULL, NULL);
	mutex_unlock(&line->chain_mutex);
}

/**
 * evl_chain_list() - describe @line's chain, in order
 * @line:	the line
 * @viewer:	the register of a subscriber asking, or NULL for the owner
 * @infos:	room for @room entries
 * @room:	how many fit
 * @total:	set to the number of subscriptions
 * @rev:	set to the chain revision listed
 *
 * uid and pid are given in the caller's namespaces; a subscriber sees
 * them only for its own uid's subscriptions.
 *
 * Return: the number of entries filled in.
 */
u32 evl_chain_list(struct evl_line *line, const struct evl_register *viewer,
		   struct eventline_sub_info *infos, u32 room, u32 *total,
		   u64 *rev)
{
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct user_namespace *user_ns = current_user_ns();
	kuid_t fsuid = current_fsuid();
	struct evl_chain *chain;
	u32 n;

	mutex_lock(&line->chain_mutex);
	chain = evl_chain_current(line);
	*total = chain ? chain->nr : 0;
	*rev = line->chain_rev;
	for (n = 0; n < min(room, *total); n++) {
		struct evl_sub *sub = chain->subs[n];
		struct eventline_sub_info *info = &infos[n];

		/* On the chain, so its register is not released yet. */
		*info = (struct eventline_sub_info) {
			.sub_id = sub->id,
			.priority = sub->priority,
			.max_priority = sub->max_priority,
			.demotions = sub->demotions,
		};
		evl_register_sub_stats(sub, info);
		if (uid_eq(sub->uid, line->uid))
			info->sub_flags |= EVENTLINE_SUB_OWNER;
		if (sub->by == EVL_PRIO_BY_NICE)
			info->sub_flags |= EVENTLINE_SUB_NICE;
		if (sub->stage)
			info->sub_flags |= EVENTLINE_SUB_STAGE;
		if (sub->reg == viewer)
			info->sub_flags |= EVENTLINE_SUB_MINE;
		if (viewer && !uid_eq(sub->uid, fsuid)) {
			info->sub_flags |= EVENTLINE_SUB_HIDDEN;
			continue;
		}
		info->uid = from_kuid_munged(user_ns, sub->uid);
		/* A pid number outlives its process: say 0 once it exited. */
		if (pid_has_task(sub->reg->creator, PIDTYPE_TGID))
			info->pid = pid_nr_ns(sub->reg->creator, pid_ns);
	}
	mutex_unlock(&line->chain_mutex);
	return n;
}

/**
 * evl_chain_evict() - end one subscription of @line, for its owner
 * @line:	the line
 * @sub_id:	the subscription
 * @expected_rev: 0, or the chain revision the owner acts on
 *
 * What was posted before the call reaches the register first, then its
 * EVICTED record, as a LINE_CLOSED would: the register reaps the
 * subscription when it reads the record.
 *
 * Return: 0, -ENOENT when no subscription of @line has this id, -ESTALE.
 */
int evl_chain_evict(struct evl_line *line, u64 sub_id, u64 expected_rev)
{
	struct evl_sub *sub;
	int err;

	/* A stage answers no more: nothing it holds may make us wait. */
	evl_line_hold(line);
	mutex_lock(&line->chain_mutex);
	err = evl_chain_check_rev(line, expected_rev);
	sub = err ? NULL : evl_chain_find_id(line, sub_id);
	if (sub)
		evl_chain_unstage_locked(sub);
	mutex_unlock(&line->chain_mutex);
	evl_line_unhold(line);
	if (err)
		return err;

	evl_line_wait_delivered(line);
	mutex_lock(&line->chain_mutex);
	sub = evl_chain_find_id(line, sub_id);
	if (!sub) {
		err = -ENOENT;
		goto out;
	}
	evl_chain_unlink_locked(sub);
	evl_register_line_closed(sub, EVENTLINE_META_EVICTED, line->id,
				 line->uid);
out:
	mutex_unlock(&line->chain_mutex);
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
 * Called when the reader has consumed a LINE_CLOSED or EVICTED record.  A
 * reader that consumes through its mapping leaves them to the next
 * subscribe or to the register's release.
 */
void evl_chain_reap(struct evl_register *reg)
{
	mutex_lock(&reg->mutex);
	evl_chain_reap_locked(reg);
	mutex_unlock(&reg->mutex);
}
