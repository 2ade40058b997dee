// SPDX-License-Identifier: GPL-2.0
/*
 * Delivery: how a post on a line reaches the rings of its registers.
 *
 * One context at a time is a line's *deliverer*: it walks the chain and
 * copies events into every register (chain.c, register.c).  Posters never
 * wait for another poster's fan-out:
 *
 *  - A post finding the line idle takes the deliverer role, stamps its
 *    events (sequence numbers, time) and delivers them itself from its own
 *    buffer: no allocation, no intermediate copy.  Unless the chain is
 *    longer than EVL_POSTER_FANOUT: then it stages them and hands the role
 *    to the deliver work, so that a post's cost does not grow with the
 *    number of subscribers (the fan-out runs on eventline's unbound
 *    workqueue instead).
 *  - A post finding a deliverer at work appends its events to the line's
 *    staging ring (a copy of its payloads under post_lock) and returns; the
 *    deliverer delivers them, in sequence order, before it gives the role
 *    up.  A poster in process context that finds no room waits for room
 *    (or fails with -EAGAIN on a non-blocking fd); it never waits for a
 *    reader, since deliveries never do.
 *  - A post from kernel code, in any context but NMI, always stages, and
 *    if the line was idle it takes the role on behalf of the deliver work:
 *    an irq_work (safe under any lock, scheduler locks included) queues the
 *    work, which delivers in process context.
 *  - A poster that has delivered for a while (EVL_POSTER_BUDGET events of
 *    other posters) hands the role, with what is left, to the work, so one
 *    system call's cost stays bounded.  Deliveries copy in chunks and
 *    reschedule between them (chain.c).
 *
 * The staging ring is allocated with the line and charged to its owner:
 * it is the line's in-flight state.  Registers' rings are charged to their
 * creators.  Nothing on the post path allocates.
 *
 * LOCKING
 *
 * line->post_lock (raw spinlock, irqsave; kernel code posts from hard
 *	interrupts): @dead, @delivering, @rewalk, @seq, the producer side of
 *	the staging ring, the published chain with @nr_subs and @nr_stages,
 *	and the retained events (retain.c).  Held to number and stage one
 *	post (a batch: its events) or publish a chain; never across a
 *	delivery, a wake-up or a wait.
 * The deliverer role (@delivering): owns the consumer side of the staging
 *	ring, and the progress of each staged event through stages
 *	(stage.c).  It is given up, under post_lock, only with the staging
 *	ring empty, or with every staged event waiting for a stage and
 *	nothing new to walk for (@rewalk clear): a post, a stage's answer or
 *	deadline sets @rewalk or takes the role again (evl_line_kick()), so
 *	no staged event is stranded, and sequence order holds.
 *
 * Order: post_lock nests nothing but is taken inside line->chain_mutex
 * (chain.c publishes each new chain under it).  The deliverer takes,
 * without post_lock, RCU -> reg->lock (register.c).
 *
 * Subscriptions and staged events: a subscription receives the events
 * numbered from the moment it joined (sub->from_seq, set under post_lock
 * as the chain that holds it is published), even those still staged then;
 * UNSUBSCRIBE first waits for @delivered_seq to pass the events posted
 * before it.
 */
#include <linux/irq_work.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "line.h"
#include "retain.h"
#include "stage.h"

/* Events of other posters a poster delivers before handing over. */
#define EVL_POSTER_BUDGET	64
/*
 * Chains longer than this are delivered by the deliver work, not by the
 * poster: a post then costs the same whatever the number of subscribers.
 */
#define EVL_POSTER_FANOUT	64
/* Events the deliver work delivers before it requeues itself. */
#define EVL_WORK_BUDGET		1024
/* Staged events delivered to the chain as one batch. */
#define EVL_DRAIN_BATCH		8
/* Wake-ups a deliverer does itself per walk of a line with stages. */
#define EVL_DIRECT_STAGE_WAKES	4
/*
 * Staged events one walk takes down a chain with stages, under one RCU
 * read side and one chain: those further back wait for the front to move.
 */
#define EVL_STAGE_WALK_MAX	1024

/* An event in the staging ring: what evl_event carries, and the payload. */
struct evl_staged {
	u32 size;		/* bytes to the next staged event */
	u16 category;
	u16 type;
	u16 depth;
	u32 payload_len;
	u64 seq;
	u64 timestamp_ns;
	struct pid *pid;	/* a counted reference */
	kuid_t uid;
	struct evl_progress progress;	/* through the line's stages */
	u8 payload[];
};

static u32 evl_staged_size(u32 payload_len)
{
	return ALIGN(sizeof(struct evl_staged) + payload_len, 8);
}

/*
 * Deliveries handed over by kernel posters and busy posters, and wake-ups
 * handed over by deliverers (register.c).  Unbound: the work a post hands
 * over is done wherever there is room, not on the poster's CPU.
 */
struct workqueue_struct *evl_wq;

int evl_deliver_init(void)
{
	evl_wq = alloc_workqueue("eventline", WQ_UNBOUND, 0);
	return evl_wq ? 0 : -ENOMEM;
}

void evl_deliver_exit(void)
{
	destroy_workqueue(evl_wq);
}

static void evl_deliver_work(struct work_struct *work);
static void evl_deliver_kick(struct irq_work *work);

int evl_line_deliver_init(struct evl_line *line, u32 staging_size, gfp_t gfp)
{
	raw_spin_lock_init(&line->post_lock);
	init_waitqueue_head(&line->post_wq);
	INIT_WORK(&line->deliver_work, evl_deliver_work);
	init_irq_work(&line->deliver_kick, evl_deliver_kick);
	return evl_ring_alloc(&line->staging, staging_size, false, gfp);
}

void evl_line_deliver_destroy(struct evl_line *line)
{
	evl_ring_free(&line->staging);
}

/* Number @nr events from the line; caller holds post_lock. */
static void evl_stamp(struct evl_line *line, struct evl_event *evs,
		      unsigned int nr)
{
	u64 now = ktime_get_ns();
	unsigned int i;

	lockdep_assert_held(&line->post_lock);
	for (i = 0; i < nr; i++) {
		evs[i].seq = ++line->seq;
		evs[i].line_id = line->id;
		evs[i].timestamp_ns = now;
		if (evs[i].retained)
			evs[i].retained = evl_retain_install(line, &evs[i]);
	}
}

/* Would @nr events fit in the staging ring?  Caller holds post_lock. */
static bool evl_stage_fits(struct evl_line *line, const struct evl_event *evs,
			   unsigned int nr)
{
	u32 need = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		need += evl_staged_size(evs[i].payload_len);
	return need <= line->staging.size - evl_ring_used(&line->staging);
}

/* Append stamped events; caller holds post_lock and checked the room. */
static void evl_stage(struct evl_line *line, const struct evl_event *evs,
		      unsigned int nr)
{
	u32 pos = line->staging.prod;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct evl_staged *st = evl_ring_at(&line->staging, pos);

		st->size = evl_staged_size(evs[i].payload_len);
		st->category = evs[i].category;
		st->type = evs[i].type;
		st->depth = evs[i].depth;
		st->payload_len = evs[i].payload_len;
		st->seq = evs[i].seq;
		st->timestamp_ns = evs[i].timestamp_ns;
		st->pid = get_pid(evs[i].pid);
		st->uid = evs[i].uid;
		st->progress = (struct evl_progress) {};
		memcpy(st->payload, evs[i].payload, evs[i].payload_len);
		pos += st->size;
	}
	evl_ring_publish(&line->staging, pos);
}

/*
 * Nobody listens, and nothing staged is on its way to a register that
 * could see a gap: number the events and be done.  The chain is read
 * without its lock; a subscription racing with the post may or may not
 * see it.  Caller holds post_lock.
 */
static bool evl_post_unheard(struct evl_line *line, struct evl_event *evs,
			     unsigned int nr)
{
	if (line->delivering || line->nr_subs || evl_ring_used(&line->staging))
		return false;
	evl_stamp(line, evs, nr);
	WRITE_ONCE(line->delivered_seq, line->seq);
	return true;
}

/*
 * Number and stage @nr events that fit; caller holds post_lock.  Returns
 * true when the line was idle: the role is then taken for the deliver
 * work, which the caller must queue.
 */
static bool evl_post_stage(struct evl_line *line, struct evl_event *evs,
			   unsigned int nr)
{
	bool idle = !line->delivering;

	evl_stamp(line, evs, nr);
	evl_stage(line, evs, nr);
	line->delivering = true;
	/* A deliverer about to give up at a stage walks these too. */
	line->rewalk = true;
	return idle;
}

/*
 * @line has something new for its deliverer (a stage's answer or
 * deadline): have one walk the staging ring again.  Any context but NMI.
 */
void evl_line_kick(struct evl_line *line)
{
	unsigned long flags;
	bool claimed;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	/* Closing: the owner's close walks everything past every stage. */
	claimed = !line->dead && !line->delivering;
	if (claimed)
		line->delivering = true;
	line->rewalk = true;
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	if (claimed)
		queue_work(evl_wq, &line->deliver_work);
}

/* Take the deliverer role if it is free. */
static bool evl_line_claim(struct evl_line *line)
{
	unsigned long flags;
	bool claimed;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	claimed = !line->delivering;
	line->delivering = true;
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	return claimed;
}

/* A staged event as evl_event, as the registers after its stages see it. */
static void evl_staged_event(const struct evl_line *line,
			     const struct evl_staged *st, struct evl_event *ev)
{
	*ev = (struct evl_event) {
		.category = st->category,
		.type = st->type,
		.depth = st->depth,
		.payload_len = st->payload_len,
		.seq = st->seq,
		.line_id = line->id,
		.timestamp_ns = st->timestamp_ns,
		.pid = st->pid,
		.uid = st->uid,
		.payload = st->payload,
	};
}

/* Done with the staged events up to @end: free them in the ring. */
static void evl_staged_consume(struct evl_line *line, u32 cons, u32 end)
{
	struct evl_ring *staging = &line->staging;
	const struct evl_staged *st;
	u64 seq = 0;

	for (; cons != end; cons += st->size) {
		st = evl_ring_at(staging, cons);
		seq = st->seq;
		put_pid(st->pid);
		evl_mutation_free(st->progress.mut);
	}
	WRITE_ONCE(line->delivered_seq, seq);
	evl_ring_consume(staging, end);
}

/*
 * With stages on the chain: walk every staged event as far down the chain
 * as it can go (stage.c), and free those past every register from the
 * front of the ring.  Returns how many were freed (at least 1, for the
 * caller's budget); *@stuck says that the rest wait for stages.
 */
static unsigned int evl_drain_stages(struct evl_line *line, bool *stuck)
{
	struct evl_ring *staging = &line->staging;
	u32 cons = evl_ring_cons(staging), off = 0, done_end = cons, avail;
	unsigned int direct_wakes = EVL_DIRECT_STAGE_WAKES, freed = 0;
	struct evl_mutation *stale = NULL;
	u64 gen = ++line->walk_gen, now = ktime_get_ns();
	/* Once for the whole walk; see evl_stage_walk(). */
	bool closing = READ_ONCE(line->dead);
	unsigned int walked = 0;
	bool front = true;
	struct evl_chain *chain;
	struct evl_event ev;

	avail = evl_ring_avail_from(staging, cons);
	rcu_read_lock();
	chain = rcu_dereference(line->chain);
	while (off < avail && walked++ < EVL_STAGE_WALK_MAX) {
		struct evl_staged *st = evl_ring_at(staging, cons + off);

		if (!st->progress.done) {
			evl_staged_event(line, st, &ev);
			st->progress.done = !chain ||
				evl_stage_walk(line, chain, &ev, &st->progress,
					       gen, now, closing, &direct_wakes,
					       &stale);
		}
		off += st->size;
		front &= st->progress.done;
		if (front) {
			done_end = cons + off;
			freed++;
		}
	}
	rcu_read_unlock();
	evl_mutations_free(stale);
	if (done_end != cons)
		evl_staged_consume(line, cons, done_end);
	/* Not stuck if the walk stopped short: there is more to walk. */
	*stuck = done_end != cons + avail && off == avail;
	/* A walk that frees nothing still counts against the budget. */
	return freed ?: 1;
}

/*
 * Deliver up to EVL_DRAIN_BATCH staged events; the caller holds the role.
 * Returns how many; *@stuck says the rest wait for stages.
 */
static unsigned int evl_drain_batch(struct evl_line *line, bool *stuck)
{
	struct evl_event evs[EVL_DRAIN_BATCH];
	struct evl_ring *staging = &line->staging;
	u32 cons = evl_ring_cons(staging), off = 0, avail;
	unsigned int nr = 0;

	if (READ_ONCE(line->nr_stages))
		return evl_drain_stages(line, stuck);
	*stuck = false;
	avail = evl_ring_avail_from(staging, cons);
	while (nr < EVL_DRAIN_BATCH && off < avail) {
		const struct evl_staged *st = evl_ring_at(staging, cons + off);

		off += st->size;
		/* Dropped by a stage that has left the chain since. */
		if (st->progress.done)
			continue;
		evl_staged_event(line, st, &evs[nr]);
		if (st->progress.mut)
			evl_event_mutated(&evs[nr], st->progress.mut);
		nr++;
	}
	if (nr)
		evl_chain_deliver(line, evs, nr);
	evl_staged_consume(line, cons, cons + off);
	return nr ?: 1;
}

/*
 * The role holder delivers what was staged meanwhile, then gives the role
 * up; after @budget events it passes the role to the deliver work instead.
 */
static void evl_drain(struct evl_line *line, unsigned int budget)
{
	bool stuck = false;
	unsigned long flags;
	unsigned int done;

	for (;;) {
		raw_spin_lock_irqsave(&line->post_lock, flags);
		/*
		 * Given up only with nothing staged, or with everything
		 * staged waiting for stages and nothing new to walk for:
		 * a stage's answer or deadline, or a post, kicks a new walk.
		 */
		if (!evl_ring_avail(&line->staging) ||
		    (stuck && !line->rewalk)) {
			line->delivering = false;
			raw_spin_unlock_irqrestore(&line->post_lock, flags);
			break;
		}
		line->rewalk = false;
		raw_spin_unlock_irqrestore(&line->post_lock, flags);

		if (!budget) {
			queue_work(evl_wq, &line->deliver_work);
			return;
		}
		done = evl_drain_batch(line, &stuck);
		budget -= min(budget, done);
		/* Posters waiting for staging room. */
		if (wq_has_sleeper(&line->post_wq))
			wake_up(&line->post_wq);
	}
	/*
	 * Posters waiting for the role, and a closing owner.  The line stays
	 * valid: a poster holds a file reference, and the close flushes the
	 * work before it drops the owner's.
	 */
	if (wq_has_sleeper(&line->post_wq))
		wake_up(&line->post_wq);
}

static void evl_deliver_work(struct work_struct *work)
{
	evl_drain(container_of(work, struct evl_line, deliver_work),
		  EVL_WORK_BUDGET);
}

/* Kernel posts kick the work from here: safe in any context. */
static void evl_deliver_kick(struct irq_work *work)
{
	struct evl_line *line = container_of(work, struct evl_line,
					     deliver_kick);

	queue_work(evl_wq, &line->deliver_work);
}

/* Condition of a poster's wait: can its events go now? */
static bool evl_post_may_go(struct evl_line *line, const struct evl_event *evs,
			    unsigned int nr)
{
	unsigned long flags;
	bool go;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	/*
	 * The role free with events still staged: they wait for stages, and
	 * only room will do.
	 */
	go = line->dead || evl_stage_fits(line, evs, nr) ||
	     (!line->delivering && !evl_ring_used(&line->staging));
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	return go;
}

/**
 * evl_post_events() - post events on a line, from process context
 * @line:	the line
 * @evs:	category, type, depth, payload and poster filled in; the
 *		payloads stay the caller's and are not kept after return
 * @nr:		how many; they get consecutive sequence numbers
 * @flags:	EVL_POST_*
 *
 * Return: 0 with @evs stamped, -EPIPE the line has closed, -EAGAIN no
 * staging room and EVL_POST_NONBLOCK, -ERESTARTSYS interrupted while
 * waiting for room.  On error nothing was posted.
 */
int evl_post_events(struct evl_line *line, struct evl_event *evs,
		    unsigned int nr, unsigned int flags)
{
	unsigned long irqflags;
	bool kick;

	for (;;) {
		raw_spin_lock_irqsave(&line->post_lock, irqflags);
		if (line->dead) {
			raw_spin_unlock_irqrestore(&line->post_lock, irqflags);
			return -EPIPE;
		}
		if (evl_post_unheard(line, evs, nr)) {
			raw_spin_unlock_irqrestore(&line->post_lock, irqflags);
			return 0;
		}
		/*
		 * Idle, nothing staged before them, no stage to wait for and a
		 * chain short enough: deliver them ourselves.
		 */
		if (!line->delivering && !evl_ring_used(&line->staging) &&
		    !line->nr_stages &&
		    (READ_ONCE(line->nr_subs) <= EVL_POSTER_FANOUT ||
		     !evl_stage_fits(line, evs, nr))) {
			line->delivering = true;
			evl_stamp(line, evs, nr);
			raw_spin_unlock_irqrestore(&line->post_lock, irqflags);

			evl_chain_deliver(line, evs, nr);
			WRITE_ONCE(line->delivered_seq, evs[nr - 1].seq);
			evl_drain(line, EVL_POSTER_BUDGET);
			return 0;
		}
		/* Busy, or a long chain for the deliver work: stage them. */
		if (evl_stage_fits(line, evs, nr)) {
			kick = evl_post_stage(line, evs, nr);
			raw_spin_unlock_irqrestore(&line->post_lock, irqflags);
			if (kick)
				queue_work(evl_wq, &line->deliver_work);
			return 0;
		}
		raw_spin_unlock_irqrestore(&line->post_lock, irqflags);

		if (flags & EVL_POST_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(line->post_wq,
					     evl_post_may_go(line, evs, nr)))
			return -ERESTARTSYS;
	}
}

/**
 * evl_post_atomic() - post one event from any context but NMI
 * @line:	the line
 * @ev:		as for evl_post_events(); the payload is copied
 *
 * The event is staged and delivered by the line's deliver work.
 *
 * Return: 0, -EPIPE the line has closed, -ENOBUFS the staging ring is full
 * (the event is dropped and counted in the line's statistics).
 */
int evl_post_atomic(struct evl_line *line, struct evl_event *ev)
{
	unsigned long flags;
	bool kick;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	if (line->dead) {
		raw_spin_unlock_irqrestore(&line->post_lock, flags);
		return -EPIPE;
	}
	if (evl_post_unheard(line, ev, 1)) {
		raw_spin_unlock_irqrestore(&line->post_lock, flags);
		return 0;
	}
	if (!evl_stage_fits(line, ev, 1)) {
		line->staging_drops++;
		raw_spin_unlock_irqrestore(&line->post_lock, flags);
		return -ENOBUFS;
	}
	kick = evl_post_stage(line, ev, 1);
	raw_spin_unlock_irqrestore(&line->post_lock, flags);

	if (kick)
		irq_work_queue(&line->deliver_kick);
	return 0;
}

/**
 * evl_line_set_chain() - publish a new chain for @line
 * @line:	the line; caller holds its chain_mutex
 * @chain:	the chain, or NULL for none
 * @nr_stages:	how many of its subscriptions are stages
 * @joining:	a subscription new in @chain, or NULL; it receives the
 *		events numbered from now on
 * @retained:	with @joining, room for EVL_RETAINED_MAX: set to the
 *		retained events numbered before, referenced, in order
 *
 * Under post_lock, so that every post is numbered either before the
 * change (and not the joining subscription's) or after it (and seen by
 * every deliverer that reads the chain, and by the nobody-listens
 * shortcut), and so that the retained events given to @joining are
 * exactly those numbered before it joined.
 *
 * Return: how many retained events were put in @retained.
 */
unsigned int evl_line_set_chain(struct evl_line *line, struct evl_chain *chain,
				unsigned int nr_stages, struct evl_sub *joining,
				struct evl_retained **retained)
{
	unsigned int nr_retained = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	if (joining) {
		joining->from_seq = line->seq + 1;
		joining->next_seq = joining->from_seq;
		nr_retained = evl_retain_snapshot(line, retained);
	}
	rcu_assign_pointer(line->chain, chain);
	WRITE_ONCE(line->nr_subs, chain ? chain->nr : 0);
	WRITE_ONCE(line->nr_stages, nr_stages);
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	return nr_retained;
}

/* The sequence number the next post on @line will get. */
u64 evl_line_next_seq(struct evl_line *line)
{
	unsigned long flags;
	u64 seq;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	seq = line->seq + 1;
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	return seq;
}

/**
 * evl_line_wait_delivered() - wait until every event posted so far is in
 *			       every register of the chain
 * @line:	the line
 *
 * Bounded: deliveries never wait for readers.  For UNSUBSCRIBE, so that
 * what was posted before it still arrives, as it did before the call.
 *
 * Context: process context, no spinlock held; may sleep.
 */
void evl_line_wait_delivered(struct evl_line *line)
{
	u64 seq = evl_line_next_seq(line) - 1;

	/* Written by the role holder, which wakes post_wq as it lets go. */
	wait_event(line->post_wq, READ_ONCE(line->delivered_seq) >= seq);
}

/**
 * evl_line_hold() - take @line's deliverer role
 * @line:	the line
 *
 * Waits only for a delivery in progress, which never waits itself.  While
 * the caller holds the role posts are staged, and nothing reaches any
 * register of the line.
 *
 * Context: process context, no eventline lock held but reg->mutex.
 */
void evl_line_hold(struct evl_line *line)
{
	for (;;) {
		wait_event(line->post_wq, !READ_ONCE(line->delivering));
		if (evl_line_claim(line))
			return;
	}
}

/* Give the role back, delivering first what was staged meanwhile. */
void evl_line_unhold(struct evl_line *line)
{
	evl_drain(line, EVL_POSTER_BUDGET);
}

/*
 * The owner is closing the line: refuse new posts, deliver every event
 * already posted, and leave nothing queued.  Afterwards the chain can be
 * closed knowing no delivery runs or will run.
 */
void evl_line_quiesce(struct evl_line *line)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	WRITE_ONCE(line->dead, true);
	raw_spin_unlock_irqrestore(&line->post_lock, flags);
	/* Posters waiting for room get -EPIPE now. */
	wake_up_all(&line->post_wq);

	evl_line_hold(line);
	evl_drain(line, UINT_MAX);
	irq_work_sync(&line->deliver_kick);
	flush_work(&line->deliver_work);
}
