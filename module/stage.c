// SPDX-License-Identifier: GPL-2.0
/*
 * Mutating stages: subscriptions the owner let change events for the
 * registers after them in the chain.
 *
 * Events wait for stages where they already are: in the line's staging
 * ring (deliver.c).  The line's deliverer walks every staged event down
 * the chain as far as it can go (evl_stage_walk()): registers before the
 * first stage that has not answered it receive it, the stage is given it
 * once (a record flagged EVENTLINE_RECORD_STAGE), and it waits there.  A
 * stage's answer (EVENTLINE_IOC_MUTATE) is queued on the subscription and
 * the deliverer kicked; the next walk applies it and takes the event on,
 * or, after the line's stage timeout, takes it on unanswered.  An event
 * leaves the staging ring once it is past every register, so posters wait
 * for a slow stage only through staging room, as for any slow delivery,
 * and at most for the timeout.
 *
 * Order: the deliverer walks events in sequence order, and once one waits
 * at a stage (sub->stalled_gen == this walk), later events stop there too,
 * answered or not.  Every register therefore receives a line's events in
 * post order, and an unanswered event holds back later ones only at its
 * stage.  Delivery is idempotent (each subscription's next_seq
 * watermark, register.c), so walking an event again after it waited never
 * gives a register anything twice.
 *
 * A stage that stops being one (grant revoked, unsubscribed, evicted,
 * released) simply leaves the chain's stages: the next walk takes what
 * waited for it on.  A closing line walks everything past every stage.
 *
 * LOCKING
 *
 * sub->stage_lock (spinlock): the queued answers, @passed_upto and
 * @answered_upto; taken by MUTATE (under reg->mutex) and by the deliverer
 * (under RCU).  Nests nothing.  Everything else of the walk belongs to the
 * deliverer role.  The deadline hrtimer only kicks the deliverer.
 */
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "args.h"
#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "limits.h"
#include "line.h"
#include "register.h"
#include "stage.h"

void evl_mutation_free(struct evl_mutation *mut)
{
	if (mut) {
		kvfree(mut->payload);
		kfree(mut);
	}
}

/* Free a list of replaced mutations, outside any RCU read side. */
void evl_mutations_free(struct evl_mutation *stale)
{
	struct evl_mutation *next;

	for (; stale; stale = next) {
		next = stale->next_stale;
		evl_mutation_free(stale);
	}
}

static void evl_answer_free(struct evl_answer *ans)
{
	evl_mutation_free(ans->mut);
	kfree(ans);
}

static enum hrtimer_restart evl_stage_deadline(struct hrtimer *timer)
{
	struct evl_sub *sub = container_of(timer, struct evl_sub, deadline);

	evl_line_kick(sub->line);
	return HRTIMER_NORESTART;
}

/* A new subscription: not a stage, ready to become one. */
void evl_stage_init(struct evl_sub *sub)
{
	spin_lock_init(&sub->stage_lock);
	INIT_LIST_HEAD(&sub->answers);
	hrtimer_init(&sub->deadline, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	sub->deadline.function = evl_stage_deadline;
}

/*
 * Make @sub a stage for the events numbered from @from_seq on; caller
 * holds the line's chain_mutex and deliverer role, so no walk is under way.
 */
void evl_stage_start(struct evl_sub *sub, u64 from_seq)
{
	spin_lock(&sub->stage_lock);
	sub->passed_upto = from_seq - 1;
	sub->answered_upto = from_seq - 1;
	spin_unlock(&sub->stage_lock);
	WRITE_ONCE(sub->stage_from, from_seq);
	WRITE_ONCE(sub->stage, true);
}

/* Drop the answers no walk will apply; caller holds nothing. */
static void evl_stage_flush(struct evl_sub *sub)
{
	struct evl_answer *ans, *tmp;
	LIST_HEAD(answers);

	spin_lock(&sub->stage_lock);
	list_splice_init(&sub->answers, &answers);
	spin_unlock(&sub->stage_lock);
	list_for_each_entry_safe(ans, tmp, &answers, node)
		evl_answer_free(ans);
}

/*
 * @sub is no stage any more: events waiting for it go on at the next walk,
 * which the caller kicks (or the chain change it makes does).
 */
void evl_stage_stop(struct evl_sub *sub)
{
	WRITE_ONCE(sub->stage, false);
	hrtimer_cancel(&sub->deadline);
	evl_stage_flush(sub);
}

/* The subscription is being freed; process context. */
void evl_stage_destroy(struct evl_sub *sub)
{
	hrtimer_cancel(&sub->deadline);
	evl_stage_flush(sub);
}

static void evl_stage_arm(struct evl_sub *sub, u64 when_ns)
{
	ktime_t when = ns_to_ktime(when_ns);

	/* An earlier deadline pending covers this one: it walks again. */
	if (hrtimer_active(&sub->deadline) &&
	    ktime_before(hrtimer_get_expires(&sub->deadline), when))
		return;
	hrtimer_start(&sub->deadline, when, HRTIMER_MODE_ABS);
}

/* @cur as the registers after the stages that changed it see it. */
void evl_event_mutated(struct evl_event *cur, const struct evl_mutation *mut)
{
	cur->type = mut->type;
	cur->payload = mut->payload;
	cur->payload_len = mut->payload_len;
	cur->mutations = mut->mutations;
	cur->flags |= EVENTLINE_RECORD_MUTATED;
}

enum evl_stage_outcome {
	EVL_STAGE_PASS,		/* the event goes on */
	EVL_STAGE_DROP,		/* it goes no further */
	EVL_STAGE_WAIT,		/* it waits for the stage */
};

/*
 * The event @pr describes has been given to stage @sub: has it answered,
 * or run out of time?  A REPLACE answer's mutation moves into @pr; the one
 * it replaces goes on @stale, for the caller to free outside RCU.
 */
static enum evl_stage_outcome
evl_stage_outcome(struct evl_sub *sub, u64 seq, struct evl_progress *pr,
		  u64 now, u64 timeout, struct evl_mutation **stale)
{
	enum evl_stage_outcome out = EVL_STAGE_WAIT;
	struct evl_answer *ans;
	bool timed_out = false;

	spin_lock(&sub->stage_lock);
	ans = list_first_entry_or_null(&sub->answers, struct evl_answer, node);
	if (seq <= sub->passed_upto) {
		/* Gone on in an earlier walk; the answer queued is another's. */
		out = EVL_STAGE_PASS;
		ans = NULL;
	} else if (ans && ans->seq == seq) {
		list_del(&ans->node);
		sub->passed_upto = seq;
		out = EVL_STAGE_PASS;
	} else if (pr->wait_sub == sub->id && now - pr->given_ns >= timeout) {
		sub->passed_upto = seq;
		timed_out = true;
		out = EVL_STAGE_PASS;
		ans = NULL;
	} else {
		ans = NULL;
	}
	spin_unlock(&sub->stage_lock);

	if (timed_out) {
		sub->timed_out++;
		if (++sub->misses >= evl_demote_timeouts)
			evl_register_request_demotion(sub,
						      EVENTLINE_DEMOTE_TIMEOUT);
		return out;
	}
	if (!ans)
		return out;
	sub->misses = 0;
	switch (ans->action) {
	case EVENTLINE_MUTATE_DROP:
		sub->dropped++;
		out = EVL_STAGE_DROP;
		break;
	case EVENTLINE_MUTATE_REPLACE:
		ans->mut->mutations = pr->mut ? pr->mut->mutations + 1 : 1;
		if (pr->mut) {
			pr->mut->next_stale = *stale;
			*stale = pr->mut;
		}
		pr->mut = ans->mut;
		ans->mut = NULL;
		sub->mutated++;
		break;
	default:
		sub->forwarded++;
	}
	/* Nothing left in it to vfree(): safe under RCU. */
	kfree(ans);
	return out;
}

/**
 * evl_stage_walk() - take one staged event down the chain as far as it goes
 * @line:	the line; the caller is its deliverer, under RCU
 * @chain:	the line's chain
 * @ev:		the event as posted
 * @pr:		its progress, kept with it in the staging ring
 * @gen:	this walk's number: stages an earlier event of this walk
 *		waits for stop later ones too
 * @now:	the walk's time, CLOCK_MONOTONIC
 * @closing:	the line is closing: every stage lets everything by.  Read
 *		once per walk: an event let by a stage must never overtake
 *		one the same walk left waiting there.
 * @direct_wakes: as for evl_register_enqueue()
 * @stale:	mutations replaced during the walk, to free after RCU
 *
 * Return: true when the event is past every register (or dropped).
 */
bool evl_stage_walk(struct evl_line *line, const struct evl_chain *chain,
		    const struct evl_event *ev, struct evl_progress *pr,
		    u64 gen, u64 now, bool closing, unsigned int *direct_wakes,
		    struct evl_mutation **stale)
{
	u64 timeout = READ_ONCE(line->stage_timeout_ns);
	struct evl_event cur = *ev;
	unsigned int i;

	if (pr->mut)
		evl_event_mutated(&cur, pr->mut);
	for (i = 0; i < chain->nr; i++) {
		struct evl_sub *sub = chain->subs[i];
		struct evl_event given;

		if (closing || !READ_ONCE(sub->stage) ||
		    ev->seq < READ_ONCE(sub->stage_from)) {
			evl_register_enqueue(sub, &cur, 1, direct_wakes);
			continue;
		}
		/* An older event waits here: this one waits behind it. */
		if (sub->stalled_gen == gen)
			return false;
		if (ev->seq >= evl_register_next_seq(sub)) {
			given = cur;
			given.flags |= EVENTLINE_RECORD_STAGE;
			evl_register_enqueue(sub, &given, 1, direct_wakes);
			pr->wait_sub = sub->id;
			pr->given_ns = now;
			evl_stage_arm(sub, now + timeout);
			sub->stalled_gen = gen;
			return false;
		}
		switch (evl_stage_outcome(sub, ev->seq, pr, now, timeout, stale)) {
		case EVL_STAGE_DROP:
			return true;
		case EVL_STAGE_WAIT:
			evl_stage_arm(sub, pr->given_ns + timeout);
			sub->stalled_gen = gen;
			return false;
		default:
			if (pr->mut)
				evl_event_mutated(&cur, pr->mut);
		}
	}
	return true;
}

/**
 * evl_stage_mutate() - EVENTLINE_IOC_MUTATE: a stage answers an event
 * @reg:	the stage's register
 * @uarg:	struct eventline_mutate
 *
 * Return: 0 or -errno, see the uapi header.
 */
long evl_stage_mutate(struct evl_register *reg, void __user *uarg)
{
	struct eventline_mutate args;
	struct evl_answer *ans;
	struct evl_sub *sub;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_MUTATE_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags || args.__reserved || args.__reserved2 ||
	    args.action > EVENTLINE_MUTATE_DROP)
		return -EINVAL;
	if (args.action != EVENTLINE_MUTATE_REPLACE &&
	    (args.type || args.payload_len || args.payload))
		return -EINVAL;
	if (args.type > EVENTLINE_TYPE_MAX)
		return -EINVAL;
	if (args.payload_len > evl_max_payload)
		return -EMSGSIZE;

	err = 0;
	ans = kzalloc(sizeof(*ans), GFP_KERNEL_ACCOUNT);
	if (!ans)
		return -ENOMEM;
	ans->seq = args.seq;
	ans->action = args.action;
	if (args.action == EVENTLINE_MUTATE_REPLACE) {
		ans->mut = kzalloc(sizeof(*ans->mut), GFP_KERNEL_ACCOUNT);
		if (ans->mut && args.payload_len)
			ans->mut->payload = kvmalloc(args.payload_len,
						     EVL_GFP_USER_SIZED);
		if (!ans->mut || (args.payload_len && !ans->mut->payload)) {
			err = -ENOMEM;
			goto out;
		}
		ans->mut->type = args.type;
		ans->mut->payload_len = args.payload_len;
		if (copy_from_user(ans->mut->payload,
				   u64_to_user_ptr(args.payload),
				   args.payload_len)) {
			err = -EFAULT;
			goto out;
		}
	}

	mutex_lock(&reg->mutex);
	sub = evl_chain_find_live(reg, args.line_id);
	if (!sub || !READ_ONCE(sub->stage)) {
		err = -ENOENT;
	} else {
		spin_lock(&sub->stage_lock);
		/* Not given to it (yet, or as a stage), or answered already. */
		if (args.seq < READ_ONCE(sub->stage_from) ||
		    args.seq >= evl_register_next_seq(sub) ||
		    args.seq <= sub->answered_upto)
			err = -EINVAL;
		else if (args.seq <= sub->passed_upto)
			err = -ETIMEDOUT;
		if (!err) {
			list_add_tail(&ans->node, &sub->answers);
			sub->answered_upto = args.seq;
			ans = NULL;
		}
		spin_unlock(&sub->stage_lock);
		if (!err)
			evl_line_kick(sub->line);
	}
	mutex_unlock(&reg->mutex);
out:
	if (ans)
		evl_answer_free(ans);
	return err;
}
