// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reading a register through its shared mapping.
 *
 * The kernel publishes records by a release store of the producer position
 * and takes ring bytes back only once the consumer position has passed
 * them, so a record between the two stays put while the caller looks at
 * it.  The consumer position is the caller's own memory, though, and
 * anything may have been stored there: every record is checked against the
 * bytes the producer published, and those against the ring's size, before
 * the decoder (record.c) reads it.  The ring's bytes are mapped twice in a
 * row, so a record that starts inside the first copy and is no longer than
 * the ring lies wholly inside the mapping.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/*
 * The kernel's rings are at least a page, and a power of two so that a
 * position's offset is a mask (which also keeps them within 2 GiB, as
 * 32-bit positions need to tell a full ring from an empty one).
 */
#define EL_RING_MIN_SIZE	4096U

int el__ring_size_ok(uint32_t size)
{
	return size >= EL_RING_MIN_SIZE && !(size & (size - 1));
}

int el__ring_init(struct el_ring *ring, int fd,
		  struct eventline_ring_consumer *cons,
		  const struct eventline_ring_producer *prod,
		  const void *data)
{
	uint32_t size = __atomic_load_n(&prod->size, __ATOMIC_RELAXED);

	if (!el__ring_size_ok(size))
		return -EIO;
	ring->fd = fd;
	ring->size = size;
	ring->cons = cons;
	ring->prod = prod;
	ring->data = data;
	ring->head = __atomic_load_n(&cons->pos, __ATOMIC_RELAXED);
	ring->released = ring->head;
	return 0;
}

static void *el__map(int fd, size_t len, int prot, unsigned long pgoff,
		     size_t page)
{
	return mmap(NULL, len, prot, MAP_SHARED, fd, (off_t)(pgoff * page));
}

int el_ring_map(int reg_fd, struct el_ring **ringp)
{
	const struct eventline_ring_producer *prod;
	long page = sysconf(_SC_PAGESIZE);
	struct el_ring *ring;
	uint32_t size;
	void *cons;
	int err;

	if (!ringp || page <= 0)
		return -EINVAL;

	/* The producer page alone tells the size, hence the full length. */
	prod = el__map(reg_fd, page, PROT_READ, EVENTLINE_MMAP_RING_PGOFF, page);
	if (prod == MAP_FAILED)
		return -errno;
	size = __atomic_load_n(&prod->size, __ATOMIC_RELAXED);
	munmap((void *)prod, page);
	if (!el__ring_size_ok(size))
		return -EIO;
	if (size > (SIZE_MAX - page) / 2)
		return -ENOMEM;

	ring = calloc(1, sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	ring->page = page;
	ring->ring_len = page + 2 * (size_t)size;

	cons = el__map(reg_fd, page, PROT_READ | PROT_WRITE,
		       EVENTLINE_MMAP_CONSUMER_PGOFF, page);
	if (cons == MAP_FAILED) {
		err = -errno;
		goto err_free;
	}
	prod = el__map(reg_fd, ring->ring_len, PROT_READ,
		       EVENTLINE_MMAP_RING_PGOFF, page);
	if (prod == MAP_FAILED) {
		err = -errno;
		goto err_cons;
	}
	err = el__ring_init(ring, reg_fd, cons, prod,
			    (const unsigned char *)prod + page);
	/* The length mapped must be the one the ring has. */
	if (!err && ring->size != size)
		err = -EIO;
	if (err)
		goto err_ring;
	*ringp = ring;
	return 0;

err_ring:
	munmap((void *)prod, ring->ring_len);
err_cons:
	munmap(cons, page);
err_free:
	free(ring);
	return err;
}

void el_ring_unmap(struct el_ring *ring)
{
	if (!ring)
		return;
	munmap((void *)ring->prod, ring->ring_len);
	munmap(ring->cons, ring->page);
	free(ring);
}

int el_ring_next(struct el_ring *ring, struct el_record *rec)
{
	const unsigned char *start;
	struct el_record_iter it;
	uint32_t prod, avail;

	if (!ring || !rec)
		return -EINVAL;
	/*
	 * With nothing held, start from the shared position: a read() on
	 * the register may have moved it since.
	 */
	if (ring->head == ring->released) {
		ring->head = __atomic_load_n(&ring->cons->pos, __ATOMIC_RELAXED);
		ring->released = ring->head;
	}
	/* Pairs with the kernel's release: the records are written before. */
	prod = __atomic_load_n(&ring->prod->pos, __ATOMIC_ACQUIRE);
	avail = prod - ring->head;
	if (!avail)
		return 0;
	/*
	 * The kernel never queues more than the ring holds nor starts a
	 * record off alignment; either means the consumer position was
	 * stored wrong, which read() reports as -EIO too.  Within those
	 * bounds the decoder sees at most @avail bytes, all of them mapped.
	 */
	if (avail > ring->size || ring->head % EVENTLINE_RECORD_ALIGN)
		return -EIO;
	start = ring->data + (ring->head & (ring->size - 1));
	el_record_iter_init(&it, start, avail);
	if (el_record_next(&it, rec) != 1)
		return -EIO;
	ring->head += it.pos - start;
	return 1;
}

void el_ring_consume(struct el_ring *ring)
{
	if (!ring || ring->head == ring->released)
		return;
	/* Release: done with the records before the kernel may reuse them. */
	__atomic_store_n(&ring->cons->pos, ring->head, __ATOMIC_RELEASE);
	ring->released = ring->head;
}

int el_ring_wait(struct el_ring *ring, int timeout_ms)
{
	struct pollfd pfd;

	if (!ring)
		return -EINVAL;
	/*
	 * Always the system call, even with records in view: poll() is what
	 * arms the wake-up, writes a pending OVERFLOW record and honours
	 * the register's wakeup_records.
	 */
	pfd.fd = ring->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return -errno;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	return pfd.revents & (POLLIN | POLLHUP | POLLERR);
}
