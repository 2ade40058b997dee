// SPDX-License-Identifier: GPL-2.0
/*
 * Byte rings: allocation and mapping.  See ring.h for the protocol.
 *
 * The pages are allocated one by one, so a large ring needs no high-order
 * allocation, and with the caller's gfp flags: a register's ring is
 * allocated in its creator's context with __GFP_ACCOUNT and so charged to
 * the creator's memory cgroup for as long as the ring exists.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "ring.h"

/**
 * evl_ring_alloc() - allocate and double-map @size bytes of ring
 * @ring:	zeroed ring to set up
 * @size:	a power of two, at least PAGE_SIZE
 * @gfp:	flags for the pages and the page array
 *
 * Return: 0 or -ENOMEM.
 */
int evl_ring_alloc(struct evl_ring *ring, u32 size, gfp_t gfp)
{
	unsigned int nr = size >> PAGE_SHIFT, i;

	ring->pages = kcalloc(2 * nr, sizeof(*ring->pages), gfp);
	if (!ring->pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		ring->pages[i] = alloc_page(gfp | __GFP_ZERO);
		if (!ring->pages[i])
			goto fail;
		ring->pages[nr + i] = ring->pages[i];
	}
	ring->data = vmap(ring->pages, 2 * nr, VM_MAP, PAGE_KERNEL);
	if (!ring->data)
		goto fail;
	ring->size = size;
	return 0;

fail:
	while (i--)
		__free_page(ring->pages[i]);
	kfree(ring->pages);
	ring->pages = NULL;
	return -ENOMEM;
}

void evl_ring_free(struct evl_ring *ring)
{
	unsigned int i;

	if (!ring->pages)
		return;
	vunmap(ring->data);
	for (i = 0; i < ring->size >> PAGE_SHIFT; i++)
		__free_page(ring->pages[i]);
	kfree(ring->pages);
}
