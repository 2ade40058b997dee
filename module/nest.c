// SPDX-License-Identifier: GPL-2.0
/*
 * Nesting: a post made while handling an event is one level deeper than
 * that event, up to max_depth; beyond it the post fails with -ELOOP, so two
 * handlers re-posting into each other's lines stop instead of livelocking.
 *
 * The kernel keeps, per thread, the depth of the event it is handling: the
 * deepest line event the thread's last read() of a register returned.  A
 * read() that returns no line event (only META records, nothing, or an
 * error) ends the handling.  So a handler that only reads and posts needs
 * no extra argument.  A thread that reads through a mapping, through
 * io_uring or in another thread passes the parent's depth with
 * EVENTLINE_POST_PARENT; the kernel takes the deeper of that and what it
 * tracked for the posting thread, so a post never claims to be shallower
 * than that.  An io_uring post that io_uring hands to one of its workers
 * is the worker's, which handles nothing.  A thread that execs starts a
 * new program, which handles nothing either.
 *
 * The state lives in a hash keyed by the thread's struct pid, holding a
 * reference on it.  Only the thread itself adds or changes its entry, on
 * its own read(); entries of threads that exited are reaped when the table
 * has doubled since the last reap, so it stays proportional to the threads
 * that handle events.
 *
 * LOCKING
 *
 * Each bucket has its own bit spinlock (hlist_bl), so readers on different
 * CPUs do not share a lock; it nests no other lock.  The count is atomic.
 * Entries are allocated before a bucket is locked.
 */
#include <linux/atomic.h>
#include <linux/hash.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
/* After sched.h: bit spinlocks need cpu_relax(). */
#include <linux/list_bl.h>

#include "limits.h"
#include "nest.h"

struct evl_handling {
	struct hlist_bl_node node;
	struct pid *pid;	/* the thread; a counted reference */
	u64 exec_id;		/* its self_exec_id then: a new program handles nothing */
	u16 depth;		/* of the event it is handling */
};

#define EVL_NEST_BITS		8
#define EVL_NEST_REAP_MIN	256

static struct hlist_bl_head evl_nest_table[1 << EVL_NEST_BITS];
static atomic_t evl_nest_count = ATOMIC_INIT(0);
static atomic_t evl_nest_reap_at = ATOMIC_INIT(EVL_NEST_REAP_MIN);

static struct hlist_bl_head *evl_nest_bucket(const struct pid *pid)
{
	return &evl_nest_table[hash_ptr(pid, EVL_NEST_BITS)];
}

/* Caller holds @head's lock. */
static struct evl_handling *evl_nest_find(struct hlist_bl_head *head,
					  const struct pid *pid)
{
	struct hlist_bl_node *pos;
	struct evl_handling *h;

	hlist_bl_for_each_entry(h, pos, head, node)
		if (h->pid == pid)
			return h;
	return NULL;
}

/* Unhash @h; caller holds its bucket's lock. */
static void evl_nest_unhash(struct evl_handling *h)
{
	hlist_bl_del(&h->node);
	atomic_dec(&evl_nest_count);
}

static void evl_nest_free(struct evl_handling *h)
{
	put_pid(h->pid);
	kfree(h);
}

/* Drop the entries of threads that have exited (or, at exit, all). */
static void evl_nest_reap(bool all)
{
	struct hlist_bl_node *pos, *tmp;
	struct evl_handling *h;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(evl_nest_table); i++) {
		hlist_bl_lock(&evl_nest_table[i]);
		hlist_bl_for_each_entry_safe(h, pos, tmp, &evl_nest_table[i], node) {
			if (all || !pid_has_task(h->pid, PIDTYPE_PID)) {
				evl_nest_unhash(h);
				/* put_pid() and kfree() do not sleep. */
				evl_nest_free(h);
			}
		}
		hlist_bl_unlock(&evl_nest_table[i]);
	}
	atomic_set(&evl_nest_reap_at,
		   max(EVL_NEST_REAP_MIN, 2 * atomic_read(&evl_nest_count)));
}

/**
 * evl_nest_read() - the calling thread's read() returned its records
 * @depth:	the deepest line event among them, or EVL_NEST_NONE
 *
 * Context: process context.
 */
void evl_nest_read(int depth)
{
	struct pid *pid = task_pid(current);
	struct hlist_bl_head *head = evl_nest_bucket(pid);
	struct evl_handling *h;

	/* Nobody handles anything: nothing to end. */
	if (depth == EVL_NEST_NONE && !atomic_read(&evl_nest_count))
		return;
	hlist_bl_lock(head);
	h = evl_nest_find(head, pid);
	if (h && depth != EVL_NEST_NONE) {
		h->depth = depth;
		h->exec_id = current->self_exec_id;
		hlist_bl_unlock(head);
		return;
	}
	if (h)
		evl_nest_unhash(h);
	hlist_bl_unlock(head);
	if (h) {
		evl_nest_free(h);
		return;
	}
	if (depth == EVL_NEST_NONE)
		return;

	/* No entry yet; only this thread adds its own, so none can race in. */
	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!h)
		return;	/* the next post is just not nested */
	h->pid = get_pid(pid);
	h->exec_id = current->self_exec_id;
	h->depth = depth;
	hlist_bl_lock(head);
	hlist_bl_add_head(&h->node, head);
	hlist_bl_unlock(head);
	if (atomic_inc_return(&evl_nest_count) >= atomic_read(&evl_nest_reap_at))
		evl_nest_reap(false);
}

/**
 * evl_nest_depth() - the depth of a post by the calling thread
 * @parent_depth: the parent's depth the caller gives, if @has_parent
 * @has_parent:	EVENTLINE_POST_PARENT was given
 * @depth:	set to the post's depth
 *
 * Return: 0, or -ELOOP when the post would be deeper than max_depth.
 */
int evl_nest_depth(u16 parent_depth, bool has_parent, u16 *depth)
{
	struct pid *pid = task_pid(current);
	struct hlist_bl_head *head = evl_nest_bucket(pid);
	int parent = has_parent ? parent_depth : EVL_NEST_NONE;
	struct evl_handling *h;

	if (atomic_read(&evl_nest_count)) {
		hlist_bl_lock(head);
		h = evl_nest_find(head, pid);
		if (h && h->exec_id == current->self_exec_id)
			parent = max_t(int, parent, h->depth);
		hlist_bl_unlock(head);
	}
	if (parent + 1 > (int)evl_max_depth)
		return -ELOOP;
	*depth = parent + 1;
	return 0;
}

/* Module exit: no register is left to read from. */
void evl_nest_exit(void)
{
	evl_nest_reap(true);
}
