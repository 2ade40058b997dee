/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_RING_H
#define _EVL_RING_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>
#include <asm/barrier.h>

/*
 * A byte ring of variable-sized records with one consumer.
 *
 * The data pages are mapped twice, back to back, so a record that starts
 * near the end of the ring continues contiguously into the second mapping
 * and neither side ever splits one (the BPF ring buffer does the same).
 * Positions are free-running u32 byte counts; the ring holds at most
 * @size bytes, so prod - cons never exceeds it.
 *
 * The producer side (@prod and the bytes past it) belongs to whoever holds
 * the lock of the structure that embeds the ring; the consumer side (@cons)
 * to its single consumer.  The producer publishes records with a release
 * store of @prod, the consumer frees them with a release store of @cons,
 * and each side reads the other's position with an acquire load, so bytes
 * are never read before they are written or overwritten while being read.
 */
struct evl_ring {
	void *data;		/* 2 * @size bytes; the second half aliases */
	struct page **pages;
	u32 size;		/* power of two, a multiple of PAGE_SIZE */
	u32 prod;		/* end of the published records */
	u32 cons ____cacheline_aligned_in_smp;	/* start of the unread ones */
};

int evl_ring_alloc(struct evl_ring *ring, u32 size, gfp_t gfp);
void evl_ring_free(struct evl_ring *ring);

/*
 * Producer: the consumer's position.  Everything before it has been read
 * and may be overwritten.
 */
static inline u32 evl_ring_consumed(const struct evl_ring *ring)
{
	/* Pairs with the release in evl_ring_consume(). */
	return smp_load_acquire(&ring->cons);
}

/* Producer: bytes in use, as far as the consumer has published. */
static inline u32 evl_ring_used(const struct evl_ring *ring)
{
	return ring->prod - evl_ring_consumed(ring);
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
}

/* Consumer: bytes published and not yet consumed. */
static inline u32 evl_ring_avail(const struct evl_ring *ring)
{
	/* Pairs with the release in evl_ring_publish(). */
	return smp_load_acquire(&ring->prod) - ring->cons;
}

/* Consumer: the producer may reuse everything before @pos. */
static inline void evl_ring_consume(struct evl_ring *ring, u32 pos)
{
	/* Our reads of the records before the position; see evl_ring_consumed(). */
	smp_store_release(&ring->cons, pos);
}

#endif /* _EVL_RING_H */
