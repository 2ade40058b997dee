// SPDX-License-Identifier: GPL-2.0
/*
 * Retained events: a line's current state, one event per type, given to
 * every register that subscribes later before anything posted after it.
 *
 * A POST with EVENTLINE_POST_RETAIN copies its event before it is numbered
 * (the copy is charged to the poster, and at most one per type lives per
 * line); when the post is numbered, under the line's post_lock, the copy
 * takes its sequence number and replaces the line's previous one of that
 * type.  So the retained set always matches the sequence: a subscription
 * that joins at sequence N (deliver.c) is given exactly the retained
 * events numbered before N, and receives the ones after through its chain.
 * SUBSCRIBE holds the line's deliverer role while it gives them, so no
 * later event can reach the new register first (chain.c).
 *
 * LOCKING
 *
 * line->retained[] is read and written under line->post_lock only.  Each
 * entry is reference counted: the line holds one, and a subscription
 * being given the set holds one per entry until they are in its ring, so
 * a replacement in the meantime frees nothing under it.  Entries are
 * freed outside post_lock.
 */
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "limits.h"
#include "line.h"
#include "retain.h"

/**
 * evl_retained_new() - copy an event to be retained, before it is posted
 * @ev:		the event, payload attached
 *
 * Return: the copy, with one reference, or NULL.
 */
struct evl_retained *evl_retained_new(const struct evl_event *ev)
{
	struct evl_retained *ret;
	void *payload = NULL;

	/*
	 * Apart, so that a payload of a page takes a page, not the next
	 * power of two up with the header.
	 */
	ret = kmalloc(sizeof(*ret), EVL_GFP_USER_SIZED);
	if (ev->payload_len)
		payload = kvmalloc(ev->payload_len, EVL_GFP_USER_SIZED);
	if (!ret || (ev->payload_len && !payload)) {
		kfree(ret);
		kvfree(payload);
		return NULL;
	}
	memcpy(payload, ev->payload, ev->payload_len);
	refcount_set(&ret->ref, 1);
	ret->ev = *ev;
	ret->ev.pid = get_pid(ev->pid);
	ret->ev.payload = payload;
	ret->ev.retained = NULL;
	ret->ev.flags = EVENTLINE_RECORD_RETAINED;
	return ret;
}

void evl_retained_put(struct evl_retained *ret)
{
	if (ret && refcount_dec_and_test(&ret->ref)) {
		put_pid(ret->ev.pid);
		kvfree(ret->ev.payload);
		kfree(ret);
	}
}

/**
 * evl_retain_install() - @ev was just numbered: make its copy current
 * @line:	the line; caller holds post_lock
 * @ev:		the stamped event, with ev->retained from evl_retained_new()
 *
 * Return: the entry it replaces, for the caller to put after unlocking.
 */
struct evl_retained *evl_retain_install(struct evl_line *line,
					struct evl_event *ev)
{
	struct evl_retained *ret = ev->retained, *old;

	lockdep_assert_held(&line->post_lock);
	ret->ev.seq = ev->seq;
	ret->ev.line_id = ev->line_id;
	ret->ev.timestamp_ns = ev->timestamp_ns;
	old = line->retained[ev->type];
	line->retained[ev->type] = ret;
	ev->retained = NULL;	/* the line's now */
	return old;
}

static int evl_retained_cmp(const void *a, const void *b)
{
	const struct evl_retained *x = *(struct evl_retained * const *)a;
	const struct evl_retained *y = *(struct evl_retained * const *)b;

	return x->ev.seq < y->ev.seq ? -1 : 1;
}

/**
 * evl_retain_snapshot() - the line's retained events, in sequence order
 * @line:	the line; caller holds post_lock
 * @snap:	room for EVL_RETAINED_MAX entries; each is referenced
 *
 * Return: how many.
 */
unsigned int evl_retain_snapshot(struct evl_line *line,
				 struct evl_retained **snap)
{
	unsigned int i, nr = 0;

	lockdep_assert_held(&line->post_lock);
	for (i = 0; i < EVL_RETAINED_MAX; i++) {
		if (!line->retained[i])
			continue;
		refcount_inc(&line->retained[i]->ref);
		snap[nr++] = line->retained[i];
	}
	sort(snap, nr, sizeof(*snap), evl_retained_cmp, NULL);
	return nr;
}

/**
 * evl_retain_clear() - drop retained events of @line
 * @line:	the line
 * @types:	bit (1 << type) per type to drop
 *
 * Return: how many were dropped.
 */
unsigned int evl_retain_clear(struct evl_line *line, u64 types)
{
	struct evl_retained *gone[EVL_RETAINED_MAX];
	unsigned int i, nr = 0;
	unsigned long flags;

	raw_spin_lock_irqsave(&line->post_lock, flags);
	for (i = 0; i < EVL_RETAINED_MAX; i++) {
		if (!(types & BIT_ULL(i)) || !line->retained[i])
			continue;
		gone[nr++] = line->retained[i];
		line->retained[i] = NULL;
	}
	raw_spin_unlock_irqrestore(&line->post_lock, flags);

	for (i = 0; i < nr; i++)
		evl_retained_put(gone[i]);
	return nr;
}
