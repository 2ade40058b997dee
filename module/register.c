// SPDX-License-Identifier: GPL-2.0
/*
 * Registers: a subscriber's fd and the ring it reads.
 *
 * Each register owns a byte ring (ring.h), allocated when it is created and
 * charged to its creator's memory cgroup.  A delivery copies the event's
 * record (header, payload, padding) into the ring of every register on the
 * line's chain; read() copies whole records out.  A register therefore holds
 * only memory its creator paid for, and a reader that never reads can only
 * lose its own events.
 *
 * Bounds: at most queue_len events and at most ring.size bytes.  Room for
 * one META record per live subscription, plus one spare for an overflow
 * record, is set aside in @reserved, so META records are never dropped:
 * events go in only while used + reserved stays within the ring.  An
 * OVERFLOW record written early (before a LINE_CLOSED) spends the spare,
 * so used + reserved may then exceed the ring by at most one META record
 * until the reader catches up; every LINE_CLOSED still fits, since its
 * own share is part of @reserved.
 *
 * Overflow: an event that does not fit is dropped and counted in @lost, and
 * dropping goes on until the reader has read everything queued before the
 * first loss (the ring is empty).  Then one OVERFLOW record with the exact
 * count goes into the ring, written by the next delivery or by the reader
 * itself, and queueing resumes.  A line that closes while losses are
 * pending gets the OVERFLOW record in before its LINE_CLOSED record when
 * the spare room allows, since the losses may be that line's.
 *
 * The number of queued events is kept by the producer alone, from an array
 * of event end positions and the consumer position (evl_register_queued()),
 * so a reader that consumes through its mapping frees its queue without a
 * system call, and nothing it writes there can make the kernel misbehave.
 *
 * Wake-ups: by default a delivery wakes the reader only when the reader
 * has caught up (@armed: a read() or poll() found nothing to do since the
 * last wake) and @wakeup_records events are queued, or they have waited
 * @wakeup_usec (an hrtimer, started when a delivery leaves fewer than
 * @wakeup_records queued, then sets @timer_due); WAKE_ALWAYS wakes on
 * every delivery, and a first loss wakes whatever wakeup_records says.  A
 * deliverer wakes a few registers itself (outside any lock, see
 * deliver.c) and hands the rest to each register's wake work, on
 * eventline's unbound workqueue, so a post's cost does not grow with
 * sleeping readers or their epoll watchers.
 * LINE_CLOSED and end of stream always wake, and so does a CHOKE record
 * (evl_register_check_choke()): the reader is falling behind.
 *
 * read() returns 0 (and poll() EPOLLHUP) whenever a line of the register
 * has closed (at any time in its life: @hup is never cleared), no
 * subscription is live, and every record has been read.  A new
 * subscription makes the register live again until it ends too.
 *
 * LOCKING
 *
 * reg->lock (spinlock, process context only): the producer side of the
 *	ring, @reserved, @lost, @nr_live, @hup, the event-end array, the
 *	META tracking, the choke episode, and each subscription's state,
 *	watermark (next_seq), counters and pending demotion.  Deliverers take
 *	it for the copy; it nests no other eventline lock.  Wake-ups happen
 *	after it is dropped (or in the wake work, queued under it, as the
 *	line's demotion work is).
 * No lock: @armed (atomics, the reader/deliverer handshake) and
 *	@timer_due (READ_ONCE/WRITE_ONCE; also set by the wakeup_usec timer
 *	in hard interrupt context, which takes no eventline lock).
 * reg->read_mutex: one read() at a time; it owns the consumer position,
 *	which a mapped reader shares (ring.h).  The reader copies records
 *	to userspace without reg->lock (producers never write between the
 *	consumer position and prod) and frees them afterwards: a fault loses
 *	nothing.  Not held while the reader sleeps.
 * reg->mutex: subscriptions; see chain.c.
 *
 * Nesting: read_mutex -> reg->mutex -> line->chain_mutex -> reg->lock.
 */
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "args.h"
#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "fd.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "nest.h"
#include "register.h"
#include "stage.h"

static const struct file_operations evl_register_fops;

/* CLOCK_MONOTONIC now, in the time namespace of the register's creator. */
static u64 evl_register_now(const struct evl_register *reg)
{
	return ktime_get_ns() + reg->time_offset_ns;
}

/*
 * End of stream, once the ring is read: a line closed and no subscription
 * is live.  @hup is set with a release after the LINE_CLOSED record is
 * published, so a reader that sees it also sees the record.
 */
static bool evl_register_hung_up(const struct evl_register *reg)
{
	/* Pairs with the release in evl_register_line_closed(). */
	return smp_load_acquire(&reg->hup) && !READ_ONCE(reg->nr_live);
}

/*
 * Is anyone there to wake: a sleeper in read(), poll or epoll, or a SIGIO
 * owner?  A reader polling with O_NONBLOCK needs no wake-up, and handing
 * one to the wake work for nobody would cost a kworker wake-up per post.
 */
static bool evl_register_has_waiter(struct evl_register *reg)
{
	return wq_has_sleeper(&reg->wq) || READ_ONCE(reg->fasync);
}

static void evl_register_wake(struct evl_register *reg, __poll_t band)
{
	/*
	 * Pairs with the barrier in the waiter's prepare_to_wait/poll_wait.
	 * Readers wait exclusively, so records wake one of them; the end of
	 * the stream wakes them all.
	 */
	if (wq_has_sleeper(&reg->wq))
		__wake_up(&reg->wq, TASK_INTERRUPTIBLE, band & EPOLLHUP ? 0 : 1,
			  poll_to_key(band));
	kill_fasync(&reg->fasync, SIGIO, band & EPOLLHUP ? POLL_HUP : POLL_IN);
}

/*
 * wakeup_usec ran out with fewer than wakeup_records events queued: they
 * are ready now.  Runs in hard interrupt context, where a wake-up is fine.
 */
static enum hrtimer_restart evl_register_wake_timer(struct hrtimer *timer)
{
	struct evl_register *reg = container_of(timer, struct evl_register,
						wake_timer);

	WRITE_ONCE(reg->timer_due, true);
	/* Pairs with evl_register_arm(), as a delivery's check does. */
	if (atomic_xchg(&reg->armed, 0))
		evl_register_wake(reg, EPOLLIN | EPOLLRDNORM);
	return HRTIMER_NORESTART;
}

static void evl_register_wake_work(struct work_struct *work)
{
	evl_register_wake(container_of(work, struct evl_register, wake_work),
			  EPOLLIN | EPOLLRDNORM);
}

/*
 * The reader found nothing (more) to do: the next delivery wakes it.  The
 * full barrier orders the flag before the reader's re-check of the ring,
 * against the deliverer's publish-then-check in evl_register_want_wake().
 */
static void evl_register_arm(struct evl_register *reg)
{
	/*
	 * Fully ordered: after the waiter's queueing (poll_wait,
	 * prepare_to_wait) and before the caller's re-check of the ring.
	 */
	atomic_xchg(&reg->armed, 1);
}

/*
 * Events still in the ring: those whose end the consumer has not passed.
 * Kept by the kernel from the consumer position alone, so a mapped reader
 * that never makes a system call still frees its queue.
 */
static u32 evl_register_queued(struct evl_register *reg)
{
	u32 cons = evl_ring_consumed(&reg->ring);

	lockdep_assert_held(&reg->lock);
	while (reg->ev_tail != reg->ev_head &&
	       (s32)(cons - reg->ev_end[reg->ev_tail & reg->ev_mask]) >= 0)
		reg->ev_tail++;
	if (reg->meta_unread && (s32)(cons - reg->meta_end) >= 0)
		reg->meta_unread = false;
	return reg->ev_head - reg->ev_tail;
}

/* After a delivery to @reg published records: does the reader want them? */
static bool evl_register_want_wake(struct evl_register *reg, u32 queued)
{
	lockdep_assert_held(&reg->lock);
	if (reg->wake_always)
		return true;
	if (queued < reg->wakeup_records)
		return false;
	/* Publish of prod before the read of armed; see evl_register_arm(). */
	smp_mb();
	return atomic_read(&reg->armed) && atomic_xchg(&reg->armed, 0);
}

/* Room for an event of @size bytes at @pos, past the META reserve? */
static bool evl_register_fits(const struct evl_register *reg, u32 pos,
			      u32 size)
{
	return evl_ring_room(&reg->ring, pos, size, reg->reserved);
}

static void evl_register_put_meta(struct evl_register *reg, u32 *pos,
				  const struct eventline_record *rec,
				  const void *payload)
{
	lockdep_assert_held(&reg->lock);
	evl_record_write(evl_ring_at(&reg->ring, *pos), rec, payload);
	*pos += rec->size;
	reg->meta_end = *pos;
	reg->meta_unread = true;
}

/* The OVERFLOW record for the losses counted so far; caller checked room. */
static void evl_register_put_overflow(struct evl_register *reg, u32 *pos)
{
	struct eventline_overflow overflow = { .lost = reg->lost };
	struct eventline_record rec;

	evl_record_init(&rec, EVENTLINE_CAT_META, EVENTLINE_META_OVERFLOW,
			sizeof(overflow));
	rec.timestamp_ns = reg->lost_ns;
	evl_register_put_meta(reg, pos, &rec, &overflow);
	reg->lost = 0;
}

/* Count an event lost; returns true for the first of a run of losses. */
static bool evl_register_count_lost(struct evl_register *reg)
{
	if (reg->lost++)
		return false;
	reg->lost_ns = evl_register_now(reg);
	return true;
}

/*
 * May an event of @size bytes go in at @pos, with @queued events in the
 * ring?  Writes a pending OVERFLOW record first when the reader has caught
 * up with the losses.
 */
static bool evl_register_admit(struct evl_register *reg, u32 *pos, u32 size,
			       u32 queued)
{
	if (reg->lost) {
		if (*pos != evl_ring_consumed(&reg->ring))
			return false;
		/* Empty ring: the spare reserve always holds the record. */
		evl_register_put_overflow(reg, pos);
	}
	return queued < reg->queue_len && evl_register_fits(reg, *pos, size);
}

/* Have @sub's line demote it, unless it is due already or at the default. */
static void evl_register_demote_locked(struct evl_sub *sub, u32 reason)
{
	lockdep_assert_held(&sub->reg->lock);
	if (sub->demote_pending ||
	    READ_ONCE(sub->priority) <= evl_chain_demotion_target(sub->line))
		return;
	sub->demote_pending = true;
	sub->demote_reason = reason;
	queue_work(evl_wq, &sub->line->demote_work);
}

/**
 * evl_register_request_demotion() - have @sub demoted, for @reason
 * @sub:	a subscription on its line's chain; the caller is the line's
 *		deliverer
 * @reason:	EVENTLINE_DEMOTE_*
 */
void evl_register_request_demotion(struct evl_sub *sub, u32 reason)
{
	spin_lock(&sub->reg->lock);
	evl_register_demote_locked(sub, reason);
	spin_unlock(&sub->reg->lock);
}

/* The first sequence number @sub has not been given yet. */
u64 evl_register_next_seq(struct evl_sub *sub)
{
	return READ_ONCE(sub->next_seq);
}

/*
 * An overflow episode began with one of @sub's events: after
 * demote_overflows of them, have its line demote it.  Caller holds
 * reg->lock, as a deliverer of the line.
 */
static void evl_register_charge_overflow(struct evl_sub *sub)
{
	lockdep_assert_held(&sub->reg->lock);
	if (++sub->overflows >= evl_demote_overflows)
		evl_register_demote_locked(sub, EVENTLINE_DEMOTE_OVERFLOW);
}

/* Give back the META room @sub kept; caller holds reg->lock. */
static void evl_register_unreserve(struct evl_register *reg,
				   struct evl_sub *sub)
{
	lockdep_assert_held(&reg->lock);
	reg->reserved -= EVL_META_RECORD_SIZE;
	if (sub->demote_reserved) {
		reg->reserved -= EVL_META_RECORD_SIZE;
		sub->demote_reserved = false;
	}
}

/*
 * Choke detection, at each delivery: the queue has stayed at or above its
 * mark for choke_msec.  Returns true when it wrote the episode's CHOKE
 * record at *@pos; a ring with no room for it tries again at the next
 * delivery.  Caller holds reg->lock.
 */
static bool evl_register_check_choke(struct evl_register *reg, u32 *pos,
				     u32 queued)
{
	struct eventline_record rec;
	struct eventline_choke choke;
	u64 now, elapsed;

	lockdep_assert_held(&reg->lock);
	if (queued < reg->choke_mark) {
		reg->choke_since = 0;
		reg->choke_told = false;
		return false;
	}
	now = ktime_get_ns();
	if (!reg->choke_since) {
		reg->choke_since = now;
		reg->choke_offered = reg->offered;
		reg->choke_tail = reg->ev_tail;
		return false;
	}
	elapsed = now - reg->choke_since;
	if (reg->choke_told || elapsed < (u64)evl_choke_msec * NSEC_PER_MSEC ||
	    !evl_register_fits(reg, *pos, EVL_META_RECORD_SIZE))
		return false;

	choke = (struct eventline_choke) {
		.queued = queued,
		.queue_len = reg->queue_len,
		.arrival_rate = div64_u64((reg->offered - reg->choke_offered) *
					  NSEC_PER_SEC, elapsed),
		.drain_rate = div64_u64((u64)(reg->ev_tail - reg->choke_tail) *
					NSEC_PER_SEC, elapsed),
	};
	evl_record_init(&rec, EVENTLINE_CAT_META, EVENTLINE_META_CHOKE,
			sizeof(choke));
	rec.timestamp_ns = now + reg->time_offset_ns;
	evl_register_put_meta(reg, pos, &rec, &choke);
	reg->choke_told = true;
	reg->chokes++;
	return true;
}

/**
 * evl_register_enqueue() - copy events into @sub's register, or count them lost
 * @sub:	a subscription found on a chain under RCU
 * @evs:	the events, in sequence order
 * @nr:		how many
 * @direct_wakes: wake-ups the caller may still do itself; when none are
 *		left, the register's wake work wakes its reader
 *
 * Called by the line's deliverer, in process context, under RCU.
 */
void evl_register_enqueue(struct evl_sub *sub, const struct evl_event *evs,
			  unsigned int nr, unsigned int *direct_wakes)
{
	struct evl_register *reg = sub->reg;
	bool wake = false, first_loss = false, choke, published;
	struct evl_who who = {};
	struct eventline_record rec;
	unsigned int i;
	u32 pos, queued;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE) {
		/* Unsubscribed or released since the chain walk found it. */
		spin_unlock(&reg->lock);
		return;
	}
	pos = reg->ring.prod;
	queued = evl_register_queued(reg);
	/* The reader caught up: a new wait for wakeup_usec starts. */
	if (!queued && pos == evl_ring_consumed(&reg->ring))
		WRITE_ONCE(reg->timer_due, false);
	for (i = 0; i < nr; i++) {
		u32 size = evl_record_size(evs[i].payload_len);

		/*
		 * Given already (a walk that waited at a stage is walked
		 * again, see stage.c), or posted before the subscription and
		 * delivered after it; but a retained event is given to a new
		 * subscription on purpose.
		 */
		if (!(evs[i].flags & EVENTLINE_RECORD_RETAINED)) {
			if (evs[i].seq < sub->next_seq)
				continue;
			WRITE_ONCE(sub->next_seq, evs[i].seq + 1);
		}
		if (reg->depth_filter && (evs[i].depth < reg->min_depth ||
					  evs[i].depth > reg->max_depth))
			continue;
		reg->offered++;
		if (!evl_register_admit(reg, &pos, size, queued)) {
			sub->lost++;
			if (evl_register_count_lost(reg)) {
				first_loss = true;
				evl_register_charge_overflow(sub);
			}
			continue;
		}
		sub->delivered++;
		evl_event_to_record(&evs[i], &rec, &who, reg->pid_ns,
				    reg->user_ns);
		rec.timestamp_ns += reg->time_offset_ns;
		evl_record_write(evl_ring_at(&reg->ring, pos), &rec,
				 evs[i].payload);
		pos += size;
		reg->ev_end[reg->ev_head++ & reg->ev_mask] = pos;
		queued++;
	}
	choke = evl_register_check_choke(reg, &pos, queued);
	published = pos != reg->ring.prod;
	if (published)
		evl_ring_publish(&reg->ring, pos);
	/* Too few to wake for: wake for them anyway after wakeup_usec. */
	if (published && reg->wakeup_usec && queued < reg->wakeup_records &&
	    !READ_ONCE(reg->timer_due) && !hrtimer_active(&reg->wake_timer))
		hrtimer_start(&reg->wake_timer,
			      ns_to_ktime((u64)reg->wakeup_usec * NSEC_PER_USEC),
			      HRTIMER_MODE_REL);
	/*
	 * Losses wake a reader below its wakeup_records too: it must drain
	 * the ring for the OVERFLOW record to come, and queueing to resume.
	 */
	if (published || first_loss)
		wake = evl_register_want_wake(reg, first_loss || choke ?
						   U32_MAX : queued) &&
		       evl_register_has_waiter(reg);
	/*
	 * Queued under reg->lock, so that release, which ends the
	 * subscription under the same lock, can cancel it.
	 */
	if (wake && !*direct_wakes) {
		queue_work(evl_wq, &reg->wake_work);
		wake = false;
	}
	spin_unlock(&reg->lock);

	if (wake) {
		(*direct_wakes)--;
		evl_register_wake(reg, EPOLLIN | EPOLLRDNORM);
	}
}

/**
 * evl_register_line_closed() - @sub's line closed, or its owner evicted
 *				@sub: queue the record that says so
 * @sub:	the subscription, off its chain; caller holds the line's
 *		chain_mutex
 * @type:	EVENTLINE_META_LINE_CLOSED or EVENTLINE_META_EVICTED
 * @line_id:	the line
 * @owner:	the line's owner, for the record's uid
 *
 * Every event the line's deliverer has queued for @sub is in the ring, and
 * none will follow (enqueues check sub->state under reg->lock), so this is
 * the last record the register receives from the line.
 */
void evl_register_line_closed(struct evl_sub *sub, u16 type, u64 line_id,
			      kuid_t owner)
{
	struct evl_register *reg = sub->reg;
	struct eventline_record rec;
	bool hung_up;
	u32 pos;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE) {
		spin_unlock(&reg->lock);
		return;
	}
	pos = reg->ring.prod;
	/*
	 * The losses may be this line's: say so before it says goodbye, in
	 * the spare room, unless an earlier OVERFLOW record still holds it.
	 */
	if (reg->lost && evl_ring_room(&reg->ring, pos, 0, reg->reserved))
		evl_register_put_overflow(reg, &pos);

	evl_record_init(&rec, EVENTLINE_CAT_META, type, 0);
	rec.line_id = line_id;
	rec.timestamp_ns = evl_register_now(reg);
	rec.uid = from_kuid_munged(reg->user_ns, owner);
	evl_register_put_meta(reg, &pos, &rec, NULL);
	evl_ring_publish(&reg->ring, pos);

	evl_register_unreserve(reg, sub);
	WRITE_ONCE(sub->state, EVL_SUB_ENDED);
	WRITE_ONCE(reg->nr_live, reg->nr_live - 1);
	/* After the record's publish; pairs with evl_register_hung_up(). */
	smp_store_release(&reg->hup, true);
	hung_up = !reg->nr_live;
	spin_unlock(&reg->lock);

	evl_register_wake(reg, EPOLLIN | EPOLLRDNORM | (hung_up ? EPOLLHUP : 0));
}

/**
 * evl_register_attach() - a new subscription of @reg starts live
 * @reg:	the register
 * @sub:	the subscription; caller holds its line's chain_mutex
 *
 * Ring room is set aside for the two META records the subscription may
 * cause: the LINE_CLOSED (or EVICTED) record that ends it, and one
 * DEMOTED record.
 *
 * Return: 0, or -ENOBUFS when the ring is too full to set that room aside.
 */
int evl_register_attach(struct evl_register *reg, struct evl_sub *sub)
{
	int err = 0;

	spin_lock(&reg->lock);
	if (evl_register_fits(reg, reg->ring.prod, 2 * EVL_META_RECORD_SIZE)) {
		reg->reserved += 2 * EVL_META_RECORD_SIZE;
		sub->demote_reserved = true;
		sub->state = EVL_SUB_LIVE;
		WRITE_ONCE(reg->nr_live, reg->nr_live + 1);
	} else {
		err = -ENOBUFS;
	}
	spin_unlock(&reg->lock);
	return err;
}

/**
 * evl_register_arm_demotion() - keep ring room for a DEMOTED record
 * @sub:	a subscription taking a new priority; caller holds its line's
 *		chain_mutex
 *
 * A subscription is demoted at most once per priority it takes (demotion
 * sends it to the default, below which none is demoted), so one record's
 * room per priority taken is enough.  Also starts its count of overflow episodes afresh.
 *
 * Return: 0, or -ENOBUFS when the ring is too full to set that room aside.
 */
int evl_register_arm_demotion(struct evl_sub *sub)
{
	struct evl_register *reg = sub->reg;
	int err = 0;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE) {
		err = -ENOENT;
	} else if (!sub->demote_reserved) {
		if (evl_register_fits(reg, reg->ring.prod, EVL_META_RECORD_SIZE)) {
			reg->reserved += EVL_META_RECORD_SIZE;
			sub->demote_reserved = true;
		} else {
			err = -ENOBUFS;
		}
	}
	if (!err) {
		sub->overflows = 0;
		sub->demote_pending = false;
	}
	spin_unlock(&reg->lock);
	return err;
}

/**
 * evl_register_take_demotion() - whether @sub is due for demotion
 * @sub:	a subscription on its line's chain; caller holds chain_mutex
 *
 * Return: 0, or the EVENTLINE_DEMOTE_* reason, once per request.
 */
u32 evl_register_take_demotion(struct evl_sub *sub)
{
	u32 reason;

	spin_lock(&sub->reg->lock);
	reason = sub->demote_pending ? sub->demote_reason : 0;
	sub->demote_pending = false;
	spin_unlock(&sub->reg->lock);
	return reason;
}

/**
 * evl_register_demoted() - tell @sub's register it was demoted
 * @sub:	the subscription, live; caller holds its line's chain_mutex
 * @old:	the priority it had
 * @reason:	EVENTLINE_DEMOTE_*
 *
 * The record goes into the room evl_register_attach() or
 * evl_register_arm_demotion() kept for it, so it is never dropped.
 */
void evl_register_demoted(struct evl_sub *sub, s32 old, u32 reason)
{
	struct eventline_demotion demotion = {
		.old_priority = old,
		.new_priority = sub->priority,
		.reason = reason,
	};
	struct evl_register *reg = sub->reg;
	struct eventline_record rec;
	u32 pos;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE || !sub->demote_reserved) {
		spin_unlock(&reg->lock);
		return;
	}
	reg->reserved -= EVL_META_RECORD_SIZE;
	sub->demote_reserved = false;
	pos = reg->ring.prod;
	evl_record_init(&rec, EVENTLINE_CAT_META, EVENTLINE_META_DEMOTED,
			sizeof(demotion));
	rec.line_id = sub->line->id;
	rec.timestamp_ns = evl_register_now(reg);
	evl_register_put_meta(reg, &pos, &rec, &demotion);
	evl_ring_publish(&reg->ring, pos);
	spin_unlock(&reg->lock);

	evl_register_wake(reg, EPOLLIN | EPOLLRDNORM);
}

/* Per-subscription figures for LINE_SUBS. */
void evl_register_sub_stats(struct evl_sub *sub, struct eventline_sub_info *info)
{
	struct evl_register *reg = sub->reg;

	spin_lock(&reg->lock);
	info->queued = evl_register_queued(reg);
	info->delivered = sub->delivered;
	info->lost = sub->lost;
	info->overflows = sub->overflows;
	spin_unlock(&reg->lock);
	/* The deliverer's, read as they are. */
	info->forwarded = READ_ONCE(sub->forwarded);
	info->mutated = READ_ONCE(sub->mutated);
	info->dropped = READ_ONCE(sub->dropped);
	info->timed_out = READ_ONCE(sub->timed_out);
}

/**
 * evl_register_detach() - end a subscription, as far as the queue cares
 * @reg:	its register
 * @sub:	the subscription, already off its line's chain
 *
 * Return: true when @sub was live.
 */
bool evl_register_detach(struct evl_register *reg, struct evl_sub *sub)
{
	bool was_live, hung_up;

	spin_lock(&reg->lock);
	was_live = sub->state == EVL_SUB_LIVE;
	if (was_live) {
		evl_register_unreserve(reg, sub);
		WRITE_ONCE(reg->nr_live, reg->nr_live - 1);
		WRITE_ONCE(sub->state, EVL_SUB_ENDED);
	}
	/* The last live subscription went after a line closed: end of stream. */
	hung_up = was_live && evl_register_hung_up(reg);
	spin_unlock(&reg->lock);

	if (hung_up)
		evl_register_wake(reg, EPOLLHUP);
	return was_live;
}

/*
 * The reader caught up with pending losses and no delivery has come to
 * write their OVERFLOW record: write it now.
 */
static void evl_register_flush_overflow(struct evl_register *reg)
{
	u32 pos;

	spin_lock(&reg->lock);
	pos = reg->ring.prod;
	if (reg->lost && pos == evl_ring_consumed(&reg->ring)) {
		evl_register_put_overflow(reg, &pos);
		evl_ring_publish(&reg->ring, pos);
	}
	spin_unlock(&reg->lock);
}

/*
 * Is there something for the reader: wakeup_records events, a META record,
 * losses to report, or end of stream?
 */
static bool evl_register_ready(struct evl_register *reg)
{
	bool ready;

	if (!evl_ring_avail(&reg->ring))
		return READ_ONCE(reg->lost) || evl_register_hung_up(reg);
	if (reg->wakeup_records <= 1)
		return true;
	spin_lock(&reg->lock);
	ready = evl_register_queued(reg) >= reg->wakeup_records || reg->lost ||
		reg->meta_unread || READ_ONCE(reg->timer_due);
	spin_unlock(&reg->lock);
	return ready;
}

/* As evl_register_ready(), arming the wake-up when there is nothing. */
static bool evl_register_ready_or_arm(struct evl_register *reg)
{
	if (evl_register_ready(reg))
		return true;
	evl_register_arm(reg);
	return evl_register_ready(reg);
}

/*
 * Copy as many whole records as fit in @count bytes, with one copy, and
 * free them.  Returns bytes copied (0 if none is queued), -EINVAL when the
 * first does not fit, -EFAULT (nothing is consumed then), or -EIO when a
 * mapped reader left the consumer position off a record boundary.
 */
static ssize_t evl_register_copy_out(struct evl_register *reg,
				     struct iov_iter *to, int *depth)
{
	size_t count = iov_iter_count(to);
	struct evl_ring *ring = &reg->ring;
	unsigned int closed = 0;
	u32 cons, avail, off = 0;
	int deepest = EVL_NEST_NONE;

	lockdep_assert_held(&reg->read_mutex);
	cons = evl_ring_cons(ring);
	avail = evl_ring_avail_from(ring, cons);
	if (!avail && READ_ONCE(reg->lost)) {
		evl_register_flush_overflow(reg);
		avail = evl_ring_avail_from(ring, cons);
	}
	if (avail > ring->size)
		return -EIO;
	while (off < avail) {
		const struct eventline_record *rec = evl_ring_at(ring, cons + off);
		u32 size = READ_ONCE(rec->size);

		if (size < sizeof(*rec) || size > avail - off ||
		    !IS_ALIGNED(size, EVENTLINE_RECORD_ALIGN))
			return -EIO;
		if (size > count - off)
			break;
		off += size;
		closed += rec->category == EVENTLINE_CAT_META &&
			  (rec->type == EVENTLINE_META_LINE_CLOSED ||
			   rec->type == EVENTLINE_META_EVICTED);
		if (rec->category == EVENTLINE_CAT_LINE)
			deepest = max_t(int, deepest, rec->depth);
	}
	if (!off)
		return avail ? -EINVAL : 0;
	if (copy_to_iter(evl_ring_at(ring, cons), off, to) != off)
		return -EFAULT;

	evl_ring_consume(ring, cons + off);
	*depth = deepest;
	/* Drained: an edge-triggered reader waits next, so wake it then. */
	if (off == avail)
		evl_register_arm(reg);
	if (closed)
		evl_chain_reap(reg);
	return off;
}

/* Sleep until there is something to read; -ERESTARTSYS on a signal. */
static int evl_register_wait(struct evl_register *reg)
{
	/* Exclusive: one batch of records needs one reader, not all. */
	return wait_event_interruptible_exclusive(reg->wq,
						  evl_register_ready_or_arm(reg));
}

/*
 * read(), readv() and io_uring reads.  With IOCB_NOWAIT (io_uring's first,
 * inline attempt; the file has FMODE_NOWAIT) nothing sleeps: an empty
 * register gives -EAGAIN and io_uring waits through ->poll, without a
 * worker thread.
 */
static ssize_t evl_register_read_records(struct kiocb *iocb,
					 struct iov_iter *to, int *depth)
{
	struct file *file = iocb->ki_filp;
	struct evl_register *reg = file->private_data;
	bool nowait = iocb->ki_flags & IOCB_NOWAIT ||
		      file->f_flags & O_NONBLOCK;
	ssize_t ret;

	for (;;) {
		if (nowait) {
			if (!mutex_trylock(&reg->read_mutex))
				return -EAGAIN;
		} else if (mutex_lock_interruptible(&reg->read_mutex)) {
			return -ERESTARTSYS;
		}
		ret = evl_register_copy_out(reg, to, depth);
		mutex_unlock(&reg->read_mutex);

		if (ret)
			return ret;
		/* Records first, then end of stream. */
		if (evl_register_hung_up(reg) && !evl_ring_avail(&reg->ring) &&
		    !READ_ONCE(reg->lost))
			return 0;
		if (nowait) {
			evl_register_arm(reg);
			return -EAGAIN;
		}
		ret = evl_register_wait(reg);
		if (ret)
			return ret;
	}
}

static ssize_t evl_register_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	int depth = EVL_NEST_NONE;
	ssize_t ret;

	/* As for a pipe: nothing asked, nothing to wait for. */
	if (!iov_iter_count(to))
		return 0;
	ret = evl_register_read_records(iocb, to, &depth);
	/* The reading thread now handles the deepest event read, if any. */
	evl_nest_read(ret > 0 ? depth : EVL_NEST_NONE);
	return ret;
}

static __poll_t evl_register_poll(struct file *file, poll_table *wait)
{
	struct evl_register *reg = file->private_data;

	poll_wait(file, &reg->wq, wait);

	/* A mapped reader learns of its losses here, before it sleeps. */
	if (READ_ONCE(reg->lost) && !evl_ring_avail(&reg->ring))
		evl_register_flush_overflow(reg);
	if (!evl_register_ready_or_arm(reg))
		return 0;
	/* hup first: its acquire makes the LINE_CLOSED record visible. */
	if (evl_register_hung_up(reg) && !evl_ring_avail(&reg->ring))
		return EPOLLHUP;
	return EPOLLIN | EPOLLRDNORM;
}

static int evl_register_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct evl_register *reg = file->private_data;

	return evl_ring_mmap(&reg->ring, vma);
}

static int evl_register_fasync(int fd, struct file *file, int on)
{
	struct evl_register *reg = file->private_data;

	return fasync_helper(fd, file, on, &reg->fasync);
}

static long evl_register_subscribe(struct evl_register *reg,
				   struct eventline_line_ref __user *uref)
{
	bool has_priority;
	struct eventline_line_ref args;
	struct evl_line *line;
	s32 granted;
	int usize, err;

	line = evl_line_lookup(&args, uref, EVL_SUBSCRIBE_FLAGS, MAY_READ,
			       &usize);
	if (IS_ERR(line))
		return PTR_ERR(line);
	has_priority = usize >= offsetofend(struct eventline_line_ref, priority);
	err = evl_priority_check(args.priority);
	/* Written before subscribing, so a bad pointer changes nothing. */
	if (!err && (put_user(args.id, &uref->id) ||
		     (has_priority && put_user(args.priority, &uref->priority))))
		err = -EFAULT;
	if (err) {
		evl_line_put(line);
		return err;
	}

	mutex_lock(&reg->mutex);
	err = evl_chain_subscribe(reg, line, args.priority, &granted);
	mutex_unlock(&reg->mutex);
	if (err) {
		evl_line_put(line);
		return err;
	}
	/* Probed above: only a racing munmap makes this fault. */
	if (has_priority)
		put_user(granted, &uref->priority);
	return granted < args.priority ? EVENTLINE_PRIORITY_CAPPED : 0;
}

/* EVENTLINE_IOC_PRIORITY: ask for a new place in a line's chain. */
static long evl_register_priority(struct evl_register *reg, void __user *uarg)
{
	struct eventline_priority args;
	struct evl_sub *sub;
	s32 asked, granted;
	int usize, err;

	usize = evl_args_from_user(&args, sizeof(args),
				   EVENTLINE_PRIORITY_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (args.flags || evl_priority_check(args.priority))
		return -EINVAL;
	/* Written before acting, so a bad pointer changes nothing. */
	asked = args.priority;
	args.result = 0;
	if (evl_args_to_user(uarg, &args, sizeof(args), usize))
		return -EFAULT;

	mutex_lock(&reg->mutex);
	sub = evl_chain_find_live(reg, args.line_id);
	err = sub ? evl_chain_set_priority(sub, asked, args.expected_rev,
					   &granted) : -ENOENT;
	mutex_unlock(&reg->mutex);
	if (err)
		return err;
	args.priority = granted;
	args.result = granted < asked ? EVENTLINE_PRIORITY_CAPPED : 0;
	/* Probed above: only a racing munmap makes this fault. */
	evl_args_to_user(uarg, &args, sizeof(args), usize);
	return 0;
}

/* EVENTLINE_IOC_LINE_SUBS: a subscriber lists a line's chain. */
static long evl_register_line_subs(struct evl_register *reg, void __user *uarg)
{
	struct eventline_line_subs args;
	struct evl_sub *sub;
	int usize;
	long ret;

	usize = evl_line_subs_args(&args, uarg);
	if (usize < 0)
		return usize;
	mutex_lock(&reg->mutex);
	sub = evl_chain_find_live(reg, args.line_id);
	ret = sub ? evl_line_subs_to_user(sub->line, reg, &args, uarg, usize) :
		    -ENOENT;
	mutex_unlock(&reg->mutex);
	return ret;
}

static long evl_register_unsubscribe(struct evl_register *reg,
				     struct eventline_line_ref __user *uref)
{
	struct eventline_line_ref args;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_LINE_REF_SIZE_VER0, uref);
	if (err < 0)
		return err;
	if (args.flags || !args.id || args.owner_uid || args.priority ||
	    memchr_inv(args.name, 0, sizeof(args.name)))
		return -EINVAL;

	mutex_lock(&reg->mutex);
	err = evl_chain_unsubscribe(reg, args.id);
	mutex_unlock(&reg->mutex);
	return err;
}

/*
 * LINE_INFO about one of the register's lines, closed or evicted ones
 * included until their last record is read: the reader can check who
 * stands behind a line before trusting what it read from it.
 */
static long evl_register_line_info(struct evl_register *reg, void __user *uarg)
{
	struct eventline_line_info args;
	struct evl_sub *sub;
	int usize, err = -ENOENT;

	usize = evl_line_info_args(&args, uarg);
	if (usize < 0)
		return usize;
	mutex_lock(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node) {
		if (sub->line->id == args.id) {
			err = evl_line_info_to_user(sub->line, uarg, usize);
			break;
		}
	}
	mutex_unlock(&reg->mutex);
	return err;
}

static long evl_register_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct evl_register *reg = file->private_data;

	switch (cmd) {
	case EVENTLINE_IOC_SUBSCRIBE:
		return evl_register_subscribe(reg, (void __user *)arg);
	case EVENTLINE_IOC_UNSUBSCRIBE:
		return evl_register_unsubscribe(reg, (void __user *)arg);
	case EVENTLINE_IOC_LINE_INFO:
		return evl_register_line_info(reg, (void __user *)arg);
	case EVENTLINE_IOC_LINE_SUBS:
		return evl_register_line_subs(reg, (void __user *)arg);
	case EVENTLINE_IOC_PRIORITY:
		return evl_register_priority(reg, (void __user *)arg);
	case EVENTLINE_IOC_MUTATE:
		return evl_stage_mutate(reg, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static void evl_register_free(struct evl_register *reg)
{
	evl_ring_free(&reg->ring);
	kvfree(reg->ev_end);
	evl_ucount_uncharge(&reg->charge);
	put_pid(reg->creator);
	put_pid_ns(reg->pid_ns);
	put_user_ns(reg->user_ns);
	/* Deliverers may still be looking at reg->lock of a sub just ended. */
	kfree_rcu(reg, rcu);
}

static int evl_register_release(struct inode *inode, struct file *file)
{
	struct evl_register *reg = file->private_data;

	evl_chain_release_register(reg);
	/*
	 * Every subscription ended under reg->lock: no wake is queued and no
	 * timer started after.
	 */
	cancel_work_sync(&reg->wake_work);
	hrtimer_cancel(&reg->wake_timer);
	evl_register_free(reg);
	return 0;
}

static void evl_register_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct evl_register *reg = file->private_data;
	struct evl_sub *sub;

	seq_printf(m, "queue_len:\t%u\n", reg->queue_len);
	seq_printf(m, "ring_size:\t%u\n", reg->ring.size);
	spin_lock(&reg->lock);
	seq_printf(m, "queued:\t%u\n", evl_register_queued(reg));
	seq_printf(m, "ring_used:\t%u\n", evl_ring_used(&reg->ring));
	seq_printf(m, "lost:\t%llu\n", reg->lost);
	seq_printf(m, "chokes:\t%llu\n", reg->chokes);
	seq_printf(m, "live:\t%u\n", reg->nr_live);
	spin_unlock(&reg->lock);

	mutex_lock(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node)
		seq_printf(m, "line:\t%llu\n", sub->line->id);
	mutex_unlock(&reg->mutex);
}

static const struct file_operations evl_register_fops = {
	.owner		= THIS_MODULE,
	.read_iter	= evl_register_read_iter,
	.poll		= evl_register_poll,
	.mmap		= evl_register_mmap,
	.fasync		= evl_register_fasync,
	.release	= evl_register_release,
	.unlocked_ioctl	= evl_register_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= evl_register_show_fdinfo,
};

long evl_register_create(void __user *uarg)
{
	struct eventline_register_create args;
	struct timespec64 mono_offset = {};
	struct evl_register *reg;
	struct evl_new_fd nfd;
	u32 queue_len, ring_size;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_REGISTER_CREATE_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags & ~EVL_REGISTER_FLAGS ||
	    args.queue_len > evl_max_queue_len)
		return -EINVAL;
	if (args.flags & EVENTLINE_REGISTER_DEPTH_FILTER ?
	    args.min_depth > args.max_depth :
	    args.min_depth || args.max_depth)
		return -EINVAL;
	queue_len = args.queue_len ?: evl_default_queue_len;
	if (args.wakeup_records > queue_len || args.__reserved2 ||
	    args.wakeup_usec > USEC_PER_SEC)
		return -EINVAL;
	ring_size = args.ring_size ?: evl_default_ring_size(queue_len);
	if (ring_size < PAGE_SIZE || ring_size > evl_max_ring_size ||
	    !is_power_of_2(ring_size))
		return -EINVAL;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	err = evl_ucount_charge(&reg->charge, EVL_UCOUNT_REGISTERS);
	if (err) {
		kfree(reg);
		return err;
	}
	/*
	 * The size is the caller's choice: at its memory cgroup's limit it
	 * gets ENOMEM (no OOM kill, no splat).
	 */
	reg->ev_mask = roundup_pow_of_two(queue_len) - 1;
	reg->ev_end = kvcalloc(reg->ev_mask + 1, sizeof(*reg->ev_end),
			       EVL_GFP_USER_SIZED);
	if (!reg->ev_end ||
	    evl_ring_alloc(&reg->ring, ring_size, true, EVL_GFP_USER_SIZED)) {
		kvfree(reg->ev_end);
		evl_ucount_uncharge(&reg->charge);
		kfree(reg);
		return -ENOMEM;
	}
	reg->queue_len = queue_len;
	reg->choke_mark = max_t(u32, 1, div_u64((u64)queue_len *
						evl_choke_percent, 100));
	reg->wakeup_records = args.wakeup_records;
	reg->wakeup_usec = args.wakeup_records > 1 ? args.wakeup_usec : 0;
	reg->wake_always = args.flags & EVENTLINE_REGISTER_WAKE_ALWAYS;
	reg->depth_filter = args.flags & EVENTLINE_REGISTER_DEPTH_FILTER;
	reg->min_depth = args.min_depth;
	reg->max_depth = args.max_depth;
	/* The spare room for an OVERFLOW record. */
	reg->reserved = EVL_META_RECORD_SIZE;
	atomic_set(&reg->armed, 1);
	reg->pid_ns = get_pid_ns(task_active_pid_ns(current));
	reg->user_ns = get_user_ns(current_user_ns());
	reg->creator = get_pid(task_tgid(current));
	/* Fixed for good once a task has entered its time namespace. */
	timens_add_monotonic(&mono_offset);
	reg->time_offset_ns = timespec64_to_ns(&mono_offset);
	spin_lock_init(&reg->lock);
	INIT_WORK(&reg->wake_work, evl_register_wake_work);
	hrtimer_init(&reg->wake_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	reg->wake_timer.function = evl_register_wake_timer;
	mutex_init(&reg->mutex);
	INIT_LIST_HEAD(&reg->subs);
	mutex_init(&reg->read_mutex);
	init_waitqueue_head(&reg->wq);

	/*
	 * Read-write, though nothing is written through it: a shared
	 * writable mapping (the consumer page) needs FMODE_WRITE.
	 */
	err = evl_fd_prepare(&nfd, "[eventline-register]", &evl_register_fops,
			     reg, O_RDWR, args.flags & EVL_FD_FLAGS);
	if (err) {
		evl_register_free(reg);
		return err;
	}
	/* read_iter honours IOCB_NOWAIT, as eventfd's and a pipe's do. */
	nfd.file->f_mode |= FMODE_NOWAIT;
	return evl_fd_install(&nfd);
}
