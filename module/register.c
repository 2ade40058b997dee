// SPDX-License-Identifier: GPL-2.0
/*
 * Registers: a subscriber's fd and its bounded queue.
 *
 * The queue is a ring of event pointers, so queueing an event costs one
 * reference and one slot whatever its size.  Two kinds of record are not
 * in the ring but owed at a position in it:
 *
 *  - overflow: when the ring is full, events are dropped and counted in
 *    reg->lost, and dropping goes on until the reader has read everything
 *    queued before the first loss.  Then it reads one OVERFLOW record with
 *    the exact count and queueing resumes.  The loss therefore always sits
 *    at the tail, and the count is exact and in order.
 *  - line closed: when a line closes, each of its subscriptions owes a
 *    LINE_CLOSED record at the tail position of that moment (closed_at),
 *    after every event of that line.  They wait on reg->closed in order.
 *
 * At equal positions the OVERFLOW record comes first (the lost events may
 * be those of the line that then closed), then LINE_CLOSED records, then
 * the event in the ring slot.
 *
 * read() returns 0 (and poll() EPOLLHUP) once a line has closed, no
 * subscription is live, and every record has been read.
 *
 * LOCKING
 *
 * reg->lock (spinlock, innermost): the ring, head/tail, the loss
 *	count, the closed list, nr_live/hup and every sub->state.  Posters
 *	take it from the chain walk; it never nests another eventline lock.
 * reg->read_mutex: one reader at a time.  Only the reader advances head or
 *	removes closed records, so it may copy a record to userspace without
 *	reg->lock and commit the read afterwards: a fault loses nothing.
 *	It is not held while the reader sleeps waiting for records.
 * reg->mutex: subscriptions; see chain.c.
 *
 * Nesting: read_mutex -> reg->mutex -> line->lock -> reg->lock.
 */
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "args.h"
#include "chain.h"
#include "event.h"
#include "fd.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "register.h"

static const struct file_operations evl_register_fops;

/* What a reader finds next in a register. */
struct evl_next {
	enum {
		EVL_NEXT_NONE,
		EVL_NEXT_EVENT,
		EVL_NEXT_CLOSED,
		EVL_NEXT_OVERFLOW,
	} kind;
	struct evl_event *ev;	/* EVENT */
	struct evl_sub *sub;	/* CLOSED */
	u64 lost;		/* OVERFLOW */
};

static bool evl_register_has_record(const struct evl_register *reg)
{
	lockdep_assert_held(&reg->lock);
	return reg->head != reg->tail || reg->lost || !list_empty(&reg->closed);
}

static bool evl_register_hung_up(const struct evl_register *reg)
{
	lockdep_assert_held(&reg->lock);
	return reg->hup && !reg->nr_live;
}

static bool evl_register_ready(struct evl_register *reg)
{
	bool ready;

	spin_lock(&reg->lock);
	ready = evl_register_has_record(reg) || evl_register_hung_up(reg);
	spin_unlock(&reg->lock);
	return ready;
}

static void evl_register_wake(struct evl_register *reg, __poll_t band)
{
	/* Pairs with the barrier in the waiter's prepare_to_wait/poll_wait. */
	if (wq_has_sleeper(&reg->wq))
		wake_up_interruptible_poll(&reg->wq, band);
	kill_fasync(&reg->fasync, SIGIO, band & EPOLLHUP ? POLL_HUP : POLL_IN);
}

/* A new subscription of @reg starts live; caller holds its line's lock. */
void evl_register_attach(struct evl_register *reg, struct evl_sub *sub)
{
	spin_lock(&reg->lock);
	sub->state = EVL_SUB_LIVE;
	reg->nr_live++;
	reg->hup = false;
	spin_unlock(&reg->lock);
}

/**
 * evl_register_detach() - end a subscription, as far as the queue cares
 * @reg:	its register
 * @sub:	the subscription, already off its line's chain
 * @discard_closed: also drop an unread LINE_CLOSED record (the register is
 *		being released); otherwise a closed subscription is left alone
 *
 * Return: true when @sub was live.
 */
bool evl_register_detach(struct evl_register *reg, struct evl_sub *sub,
			 bool discard_closed)
{
	bool was_live, hung_up;

	spin_lock(&reg->lock);
	was_live = sub->state == EVL_SUB_LIVE;
	if (was_live) {
		reg->nr_live--;
		WRITE_ONCE(sub->state, EVL_SUB_ENDED);
	} else if (sub->state == EVL_SUB_CLOSED && discard_closed) {
		list_del_init(&sub->closed_node);
		WRITE_ONCE(sub->state, EVL_SUB_ENDED);
	}
	/* The last live subscription went after a line closed: end of stream. */
	hung_up = was_live && evl_register_hung_up(reg);
	spin_unlock(&reg->lock);

	if (hung_up)
		evl_register_wake(reg, EPOLLHUP);
	return was_live;
}

/**
 * evl_register_enqueue() - queue @ev for @sub's register, or count it lost
 * @sub:	a subscription found on a chain under RCU
 * @ev:		the event; a reference is taken when it is queued
 *
 * Called from the chain walk, under the line's post_lock and RCU.
 */
void evl_register_enqueue(struct evl_sub *sub, struct evl_event *ev)
{
	struct evl_register *reg = sub->reg;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE) {
		/* Unsubscribed or released since the chain walk found it. */
		spin_unlock(&reg->lock);
		return;
	}
	if (reg->lost || reg->tail - reg->head >= reg->queue_len) {
		if (!reg->lost++)
			reg->lost_ns = ktime_get_ns();
		spin_unlock(&reg->lock);
		return;
	}
	reg->ring[reg->tail++ & reg->ring_mask] = evl_event_get(ev);
	spin_unlock(&reg->lock);

	evl_register_wake(reg, EPOLLIN | EPOLLRDNORM);
}

/* @sub's line closed; caller holds the line's lock, @sub is off its chain. */
void evl_register_line_closed(struct evl_sub *sub)
{
	struct evl_register *reg = sub->reg;

	spin_lock(&reg->lock);
	if (sub->state != EVL_SUB_LIVE) {
		spin_unlock(&reg->lock);
		return;
	}
	WRITE_ONCE(sub->state, EVL_SUB_CLOSED);
	sub->closed_at = reg->tail;
	sub->closed_ns = ktime_get_ns();
	list_add_tail(&sub->closed_node, &reg->closed);
	reg->nr_live--;
	reg->hup = true;
	spin_unlock(&reg->lock);

	evl_register_wake(reg, EPOLLIN | EPOLLRDNORM | EPOLLHUP);
}

/* Find the next record without consuming it; caller holds read_mutex. */
static void evl_register_peek(struct evl_register *reg, struct evl_next *next)
{
	struct evl_sub *sub;

	lockdep_assert_held(&reg->read_mutex);
	spin_lock(&reg->lock);
	sub = list_first_entry_or_null(&reg->closed, struct evl_sub,
				       closed_node);
	if (reg->head == reg->tail && reg->lost) {
		next->kind = EVL_NEXT_OVERFLOW;
		next->lost = reg->lost;
	} else if (sub && sub->closed_at == reg->head) {
		next->kind = EVL_NEXT_CLOSED;
		next->sub = sub;
	} else if (reg->head != reg->tail) {
		next->kind = EVL_NEXT_EVENT;
		next->ev = reg->ring[reg->head & reg->ring_mask];
	} else {
		next->kind = EVL_NEXT_NONE;
	}
	spin_unlock(&reg->lock);
}

/*
 * The record @next was copied out: remove it.  Returns true when a
 * subscription ended and should be reaped.
 */
static bool evl_register_consume(struct evl_register *reg,
				 const struct evl_next *next)
{
	struct evl_event *ev = NULL;

	lockdep_assert_held(&reg->read_mutex);
	spin_lock(&reg->lock);
	switch (next->kind) {
	case EVL_NEXT_EVENT:
		ev = reg->ring[reg->head & reg->ring_mask];
		reg->ring[reg->head++ & reg->ring_mask] = NULL;
		break;
	case EVL_NEXT_CLOSED:
		list_del_init(&next->sub->closed_node);
		WRITE_ONCE(next->sub->state, EVL_SUB_ENDED);
		break;
	case EVL_NEXT_OVERFLOW:
		/* Losses counted since the peek get a record of their own. */
		reg->lost -= next->lost;
		if (reg->lost)
			reg->lost_ns = ktime_get_ns();
		break;
	case EVL_NEXT_NONE:
		break;
	}
	spin_unlock(&reg->lock);

	if (ev)
		evl_event_put(ev);
	return next->kind == EVL_NEXT_CLOSED;
}

/*
 * Copy @next to @buf if it fits in @space.  Returns its size, -ENOSPC when
 * it does not fit, or -EFAULT.
 */
static ssize_t evl_register_copy_next(struct evl_register *reg,
				      const struct evl_next *next,
				      char __user *buf, size_t space)
{
	struct eventline_overflow overflow;
	struct eventline_record rec;
	const void *payload = NULL;

	switch (next->kind) {
	case EVL_NEXT_EVENT:
		evl_event_to_record(next->ev, &rec);
		payload = next->ev->payload;
		break;
	case EVL_NEXT_CLOSED:
		evl_record_init(&rec, EVENTLINE_CAT_META,
				EVENTLINE_META_LINE_CLOSED, 0);
		rec.line_id = next->sub->line->id;
		rec.timestamp_ns = next->sub->closed_ns;
		rec.uid = from_kuid_munged(current_user_ns(),
					   next->sub->line->uid);
		break;
	case EVL_NEXT_OVERFLOW:
		overflow.lost = next->lost;
		evl_record_init(&rec, EVENTLINE_CAT_META,
				EVENTLINE_META_OVERFLOW, sizeof(overflow));
		rec.timestamp_ns = READ_ONCE(reg->lost_ns);
		rec.uid = from_kuid_munged(current_user_ns(), GLOBAL_ROOT_UID);
		payload = &overflow;
		break;
	case EVL_NEXT_NONE:
		return 0;
	}

	if (rec.size > space)
		return -ENOSPC;
	if (evl_record_copy_to_user(buf, &rec, payload))
		return -EFAULT;
	return rec.size;
}

/*
 * Copy as many whole records as fit.  Returns bytes copied (0 if none is
 * queued), -EINVAL when the first does not fit, or -EFAULT.
 */
static ssize_t evl_register_copy_records(struct evl_register *reg,
					 char __user *buf, size_t count)
{
	struct evl_next next;
	bool reap = false;
	size_t copied = 0;
	ssize_t n = 0;

	lockdep_assert_held(&reg->read_mutex);
	for (;;) {
		evl_register_peek(reg, &next);
		if (next.kind == EVL_NEXT_NONE)
			break;
		n = evl_register_copy_next(reg, &next, buf + copied,
					   count - copied);
		if (n < 0)
			break;
		reap |= evl_register_consume(reg, &next);
		copied += n;
	}
	if (reap)
		evl_chain_reap(reg);

	if (copied)
		return copied;
	if (n == -ENOSPC)
		return -EINVAL;
	return n;
}

static ssize_t evl_register_read(struct file *file, char __user *buf,
				 size_t count, loff_t *pos)
{
	struct evl_register *reg = file->private_data;
	ssize_t ret;
	bool eof;

	for (;;) {
		if (mutex_lock_interruptible(&reg->read_mutex))
			return -ERESTARTSYS;
		ret = evl_register_copy_records(reg, buf, count);
		spin_lock(&reg->lock);
		eof = !evl_register_has_record(reg) &&
		      evl_register_hung_up(reg);
		spin_unlock(&reg->lock);
		mutex_unlock(&reg->read_mutex);

		if (ret || eof)
			return ret;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(reg->wq, evl_register_ready(reg)))
			return -ERESTARTSYS;
	}
}

static __poll_t evl_register_poll(struct file *file, poll_table *wait)
{
	struct evl_register *reg = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &reg->wq, wait);

	spin_lock(&reg->lock);
	if (evl_register_has_record(reg))
		mask |= EPOLLIN | EPOLLRDNORM;
	else if (evl_register_hung_up(reg))
		mask |= EPOLLHUP;
	spin_unlock(&reg->lock);
	return mask;
}

static int evl_register_fasync(int fd, struct file *file, int on)
{
	struct evl_register *reg = file->private_data;

	return fasync_helper(fd, file, on, &reg->fasync);
}

static long evl_register_subscribe(struct evl_register *reg,
				   struct eventline_line_ref __user *uref)
{
	struct eventline_line_ref args;
	struct evl_line *line;
	int err;

	line = evl_line_lookup(&args, uref, EVL_SUBSCRIBE_FLAGS, MAY_READ);
	if (IS_ERR(line))
		return PTR_ERR(line);

	mutex_lock(&reg->mutex);
	err = evl_chain_subscribe(reg, line);
	mutex_unlock(&reg->mutex);
	if (err) {
		evl_line_put(line);
		return err;
	}
	/*
	 * The subscription stands even if this fails, as a write() that
	 * faults after transferring data still transferred it.
	 */
	if (put_user(args.id, &uref->id))
		return -EFAULT;
	return 0;
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
	if (args.flags || !args.id || args.name[0] ||
	    memchr_inv(args.name, 0, sizeof(args.name)))
		return -EINVAL;

	mutex_lock(&reg->mutex);
	err = evl_chain_unsubscribe(reg, args.id);
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
	default:
		return -ENOTTY;
	}
}

static void evl_register_free(struct evl_register *reg)
{
	u32 pos;

	for (pos = reg->head; pos != reg->tail; pos++)
		evl_event_put(reg->ring[pos & reg->ring_mask]);
	kvfree(reg->ring);
	/* Posters may still be looking at reg->lock of a sub just ended. */
	kfree_rcu(reg, rcu);
}

static int evl_register_release(struct inode *inode, struct file *file)
{
	struct evl_register *reg = file->private_data;

	evl_chain_release_register(reg);
	evl_register_free(reg);
	return 0;
}

static void evl_register_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct evl_register *reg = file->private_data;
	struct evl_sub *sub;

	spin_lock(&reg->lock);
	seq_printf(m, "queue_len:\t%u\n", reg->queue_len);
	seq_printf(m, "queued:\t%u\n", reg->tail - reg->head);
	seq_printf(m, "lost:\t%llu\n", reg->lost);
	seq_printf(m, "live:\t%u\n", reg->nr_live);
	spin_unlock(&reg->lock);

	mutex_lock(&reg->mutex);
	list_for_each_entry(sub, &reg->subs, reg_node)
		seq_printf(m, "line:\t%u\n", sub->line->id);
	mutex_unlock(&reg->mutex);
}

static const struct file_operations evl_register_fops = {
	.owner		= THIS_MODULE,
	.read		= evl_register_read,
	.poll		= evl_register_poll,
	.fasync		= evl_register_fasync,
	.release	= evl_register_release,
	.unlocked_ioctl	= evl_register_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= evl_register_show_fdinfo,
};

long evl_register_create(void __user *uarg)
{
	struct eventline_register_create args;
	struct evl_register *reg;
	struct evl_new_fd nfd;
	u32 queue_len;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_REGISTER_CREATE_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags & ~EVL_REGISTER_FLAGS || args.__reserved ||
	    args.queue_len > evl_max_queue_len)
		return -EINVAL;
	queue_len = args.queue_len ?: evl_default_queue_len;

	reg = kzalloc(sizeof(*reg), GFP_KERNEL_ACCOUNT);
	if (!reg)
		return -ENOMEM;
	/*
	 * The size is the caller's choice: at its memory cgroup's limit it
	 * gets ENOMEM (no OOM kill, no splat), like a post does.
	 */
	reg->ring = kvcalloc(roundup_pow_of_two(queue_len), sizeof(*reg->ring),
			     EVL_GFP_USER_SIZED);
	if (!reg->ring) {
		kfree(reg);
		return -ENOMEM;
	}
	reg->ring_mask = roundup_pow_of_two(queue_len) - 1;
	reg->queue_len = queue_len;
	spin_lock_init(&reg->lock);
	INIT_LIST_HEAD(&reg->closed);
	mutex_init(&reg->mutex);
	INIT_LIST_HEAD(&reg->subs);
	mutex_init(&reg->read_mutex);
	init_waitqueue_head(&reg->wq);

	err = evl_fd_prepare(&nfd, "[eventline-register]", &evl_register_fops,
			     reg, O_RDONLY, args.flags);
	if (err) {
		evl_register_free(reg);
		return err;
	}
	return evl_fd_install(&nfd);
}
