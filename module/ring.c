// SPDX-License-Identifier: GPL-2.0
/*
 * Byte rings: allocation, kernel mapping and user mapping.  See ring.h
 * for the protocol.
 *
 * The pages are allocated one by one, so a large ring needs no high-order
 * allocation, and with the caller's gfp flags: a register's ring is
 * allocated in its creator's context with __GFP_ACCOUNT and so charged to
 * the creator's memory cgroup for as long as the ring exists, mapped or
 * not.
 *
 * User mapping (registers only), at page offsets of the register fd:
 *   EVENTLINE_MMAP_CONSUMER_PGOFF: the consumer page, may be writable;
 *   EVENTLINE_MMAP_RING_PGOFF: the producer page, alone or followed by the
 *	data twice, read-only (VM_MAYWRITE cleared, so mprotect cannot
 *	change that).
 * Every page is inserted at mmap time (no fault handler, no use of
 * page->mapping), as io_uring and the BPF ring buffer do.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "ring.h"

/**
 * evl_ring_alloc() - allocate and double-map @size bytes of ring
 * @ring:	zeroed ring to set up
 * @size:	a power of two, at least PAGE_SIZE
 * @mappable:	also the producer and consumer pages for a user mapping
 * @gfp:	flags for every allocation
 *
 * Return: 0 or -ENOMEM.
 */
int evl_ring_alloc(struct evl_ring *ring, u32 size, bool mappable, gfp_t gfp)
{
	unsigned int nr = size >> PAGE_SHIFT, first = mappable, i, allocated;
	struct page **data;

	/* One pointer per page: a large ring must not need a large kmalloc. */
	ring->pages = kvcalloc(first + 2 * nr, sizeof(*ring->pages), gfp);
	if (!ring->pages)
		return -ENOMEM;
	data = ring->pages + first;
	for (allocated = 0; allocated < first + nr; allocated++) {
		ring->pages[allocated] = alloc_page(gfp | __GFP_ZERO);
		if (!ring->pages[allocated])
			goto fail;
		cond_resched();
	}
	for (i = 0; i < nr; i++)
		data[nr + i] = data[i];
	ring->data = vmap(data, 2 * nr, VM_MAP, PAGE_KERNEL);
	if (!ring->data)
		goto fail;
	if (mappable) {
		ring->cons_page = alloc_page(gfp | __GFP_ZERO);
		if (!ring->cons_page) {
			vunmap(ring->data);
			goto fail;
		}
		ring->cons = page_address(ring->cons_page);
		ring->user_prod = page_address(ring->pages[0]);
		ring->user_prod->size = size;
	} else {
		ring->cons = &ring->cons_local;
	}
	ring->size = size;
	return 0;

fail:
	while (allocated--)
		__free_page(ring->pages[allocated]);
	kvfree(ring->pages);
	ring->pages = NULL;
	return -ENOMEM;
}

/* Free the ring's memory; safe to call again, and on a ring never allocated. */
void evl_ring_free(struct evl_ring *ring)
{
	unsigned int i, nr = (ring->size >> PAGE_SHIFT) + !!ring->user_prod;

	if (!ring->pages)
		return;
	vunmap(ring->data);
	for (i = 0; i < nr; i++) {
		__free_page(ring->pages[i]);
		cond_resched();
	}
	kvfree(ring->pages);
	ring->pages = NULL;
	if (ring->cons_page)
		__free_page(ring->cons_page);
	ring->cons_page = NULL;
}

/**
 * evl_ring_mmap() - map part of a mappable ring into a reader's address space
 * @ring:	the ring
 * @vma:	the mapping; its page offset says which part
 *
 * Return: 0, -EINVAL wrong offset or length, or not shared, -EPERM a
 * writable mapping of the read-only part, or an error from inserting.
 */
int evl_ring_mmap(struct evl_ring *ring, struct vm_area_struct *vma)
{
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long nr = len >> PAGE_SHIFT;
	struct page **pages;

	/* Private copies of the pages would never see the other side. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	switch (vma->vm_pgoff) {
	case EVENTLINE_MMAP_CONSUMER_PGOFF:
		if (len != PAGE_SIZE)
			return -EINVAL;
		pages = &ring->cons_page;
		break;
	case EVENTLINE_MMAP_RING_PGOFF:
		/* The producer page alone tells the ring's size. */
		if (len != PAGE_SIZE &&
		    len != PAGE_SIZE + 2 * (unsigned long)ring->size)
			return -EINVAL;
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vm_flags_clear(vma, VM_MAYWRITE);
		pages = ring->pages;
		break;
	default:
		return -EINVAL;
	}
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return vm_insert_pages(vma, vma->vm_start, pages, &nr);
}
