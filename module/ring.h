/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_RING_H
#define _EVL_RING_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include <linux/eventline.h>

struct vm_area_struct;

/*
 * A byte ring of variable-sized records with one consumer.
 *
 * The data pages are mapped twice, back to back, so a record that starts
 * near the end of the ring continues contiguously into the second mapping
 * and neither side ever splits one (the BPF ring buffer does the same).
 * Positions are free-running u32 byte counts; the ring holds at most
 * @size bytes.
 *
 * The producer side (@prod and the bytes past it) belongs to whoever holds
 * the lock of the structure that embeds the ring; the consumer position to
 * its single consumer.  The producer publishes records with a release
 * store of @prod, the consumer frees them with a release store of its
 * position, and each side reads the other's with an acquire load, so bytes
 * are never read before they are written or overwritten while being read.
 *
 * A *mappable* ring (a register's) keeps the consumer position in a page
 * of its own that the reader may map writable, and mirrors @prod into a
 * read-only page mapped in front of the data.  The kernel never trusts the
 * consumer position: a reader that writes nonsense there can only make
 * its own ring look full or make itself read garbage it caused.
 */
struct evl_ring {
	void *data;		/* 2 * @size bytes; the second half aliases */
	struct page **pages;	/* producer page (mappable), data, data */
	u32 size;		/* power of two, a multiple of PAGE_SIZE */
	u32 prod;		/* end of the published records */
	struct eventline_ring_producer *user_prod;	/* NULL if not mappable */
	struct page *cons_page;
	u32 *cons;		/* in @cons_page, or @cons_local */
	u32 cons_local;
};

int evl_ring_alloc(struct evl_ring *ring, u32 size, bool mappable, gfp_t gfp);
void evl_ring_free(struct evl_ring *ring);
int evl_ring_mmap(struct evl_ring *ring, struct vm_area_struct *vma);

/*
 * Producer: the consumer's position.  Everything before it has been read
 * and may be overwritten.
 */
static inline u32 evl_ring_consumed(const struct evl_ring *ring)
{
	/* Pairs with the release in evl_ring_consume(). */
	return smp_load_acquire(ring->cons);
}

/* Producer: bytes in use, as far as the consumer has published. */
static inline u32 evl_ring_used(const struct evl_ring *ring)
{
	return ring->prod - evl_ring_consumed(ring);
}

/*
 * Producer: may @size bytes go in at @pos and still leave @keep bytes
 * free?  Written so that no sum can wrap: the consumer position of a
 * mappable ring is whatever its reader stored, and a position that claims
 * more than the ring's size in use just means "full".
 */
static inline bool evl_ring_room(const struct evl_ring *ring, u32 pos,
				 u32 size, u32 keep)
{
	u32 used = pos - evl_ring_consumed(ring), room;

	if (used > ring->size)
		return false;
	room = ring->size - used;
	return keep <= room && size <= room - keep;
}

/* Producer: where the record at @pos (at or after prod) goes. */
static inline void *evl_ring_at(const struct evl_ring *ring, u32 pos)
{
	return ring->data + (pos & (ring->size - 1));
}

/* Producer: make the bytes up to @pos visible to the consumer. */
static inline void evl_ring_publish(struct evl_ring *ring, u32 pos)
{
	/* The records' bytes before the position; pairs with evl_ring_avail(). */
	smp_store_release(&ring->prod, pos);
	if (ring->user_prod)
		/* The same for a mapped reader. */
		smp_store_release(&ring->user_prod->pos, pos);
}

/* Consumer: its position, as last stored (a mapped reader may move it). */
static inline u32 evl_ring_cons(const struct evl_ring *ring)
{
	return READ_ONCE(*ring->cons);
}

/* Consumer: bytes published past @cons. */
static inline u32 evl_ring_avail_from(const struct evl_ring *ring, u32 cons)
{
	/* Pairs with the release in evl_ring_publish(). */
	return smp_load_acquire(&ring->prod) - cons;
}

/* Consumer: bytes published and not yet consumed. */
static inline u32 evl_ring_avail(const struct evl_ring *ring)
{
	return evl_ring_avail_from(ring, evl_ring_cons(ring));
}

/* Consumer: the producer may reuse everything before @pos. */
static inline void evl_ring_consume(struct evl_ring *ring, u32 pos)
{
	/* Our reads of the records before the position; see evl_ring_consumed(). */
	smp_store_release(ring->cons, pos);
}

#endif /* _EVL_RING_H */
