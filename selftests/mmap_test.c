// SPDX-License-Identifier: GPL-2.0
/*
 * mmap_test - reading a register through its shared mapping: the mapping
 * rules, the acquire/release protocol across the ring's end, the queue
 * freed from the consumer position alone, overflow, end of stream and
 * wake-ups as seen by a mapped reader, mixing read() with the mapping, and
 * a reader that writes nonsense into its consumer position.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* A register's two mappings. */
struct map {
	int fd;
	long pg;
	uint32_t size;
	struct eventline_ring_consumer *cons;
	const struct eventline_ring_producer *prod;
	const unsigned char *data;
	void *ring;
	size_t ring_len;
	unsigned int wraps;	/* records read that ran past the ring's end */
};

/* mmap() of @fd at page offset @pgoff, or -errno. */
static long map_raw(void **out, size_t len, int prot, int flags, int fd,
		    unsigned long pgoff)
{
	void *p = mmap(NULL, len, prot, flags, fd,
		       (off_t)pgoff * sysconf(_SC_PAGESIZE));

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

/* Map @fd's consumer page and ring; @size is the ring size asked for. */
static void map_reg(struct map *m, int fd, uint32_t size)
{
	void *p = NULL;

	memset(m, 0, sizeof(*m));
	m->fd = fd;
	m->pg = sysconf(_SC_PAGESIZE);
	m->size = size;
	ASSERT_OK(map_raw(&p, m->pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  EVENTLINE_MMAP_CONSUMER_PGOFF));
	m->cons = p;
	m->ring_len = m->pg + 2 * (size_t)size;
	ASSERT_OK(map_raw(&m->ring, m->ring_len, PROT_READ, MAP_SHARED, fd,
			  EVENTLINE_MMAP_RING_PGOFF));
	m->prod = m->ring;
	m->data = (const unsigned char *)m->ring + m->pg;
	ASSERT_EQ(m->prod->size, size);
}

static void map_unmap(struct map *m)
{
	EXPECT_SYSOK(munmap(m->cons, m->pg));
	EXPECT_SYSOK(munmap(m->ring, m->ring_len));
}

static uint32_t prod_pos(const struct map *m)
{
	return __atomic_load_n(&m->prod->pos, __ATOMIC_ACQUIRE);
}

static uint32_t cons_pos(const struct map *m)
{
	return __atomic_load_n(&m->cons->pos, __ATOMIC_RELAXED);
}

static void set_cons(struct map *m, uint32_t pos)
{
	__atomic_store_n(&m->cons->pos, pos, __ATOMIC_RELEASE);
}

/*
 * The record at the consumer position, or NULL when the ring is empty;
 * checked to be whole and within what the producer published.
 */
static const struct eventline_record *map_peek(struct map *m)
{
	uint32_t prod = prod_pos(m), cons = cons_pos(m);
	const struct eventline_record *rec;

	if (cons == prod)
		return NULL;
	ASSERT_LE(prod - cons, m->size);
	ASSERT_EQ(cons % 8, 0);
	rec = (const void *)(m->data + (cons & (m->size - 1)));
	ASSERT_GE(rec->size, sizeof(*rec));
	ASSERT_EQ(rec->size % 8, 0);
	ASSERT_LE(rec->size, prod - cons);
	ASSERT_LE((uint64_t)rec->header_size + rec->payload_len, rec->size);
	if ((cons & (m->size - 1)) + rec->size > m->size)
		m->wraps++;
	return rec;
}

/* Release @rec (the one map_peek() returned) to the kernel. */
static void map_consume(struct map *m, const struct eventline_record *rec)
{
	set_cons(m, cons_pos(m) + rec->size);
}

/* The next record, which must be there; consumed, copied to @buf. */
static const struct eventline_record *map_next(struct map *m, void *buf,
					       size_t cap)
{
	const struct eventline_record *rec = map_peek(m);

	ASSERT_TRUE(rec != NULL);
	ASSERT_LE(rec->size, cap);
	memcpy(buf, rec, rec->size);
	map_consume(m, rec);
	return buf;
}

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	ASSERT_SYSOK(poll(&pfd, 1, 0));
	return pfd.revents;
}

/* A field of /proc/self/fdinfo/@fd, or -1 when it is not there. */
static long long fdinfo(int fd, const char *key)
{
	char path[64], buf[4096], *p;
	size_t klen = strlen(key);
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = ASSERT_SYSOK(open(path, O_RDONLY | O_CLOEXEC));
	n = ASSERT_SYSOK(read(f, buf, sizeof(buf) - 1));
	close(f);
	buf[n] = '\0';
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return strtoll(p + klen + 1, NULL, 10);
	return -1;
}

/* Payload of event @seq: a pattern of @len bytes derived from it. */
static void payload_for(void *buf, unsigned int len, uint64_t seq)
{
	tu_fill(buf, len, (unsigned int)seq);
}

/* Post @len bytes of the pattern for the next seq, which must be @seq. */
static void post_seq(int owner, unsigned int len, uint64_t seq)
{
	static unsigned char buf[1 << 20];
	uint64_t got;

	payload_for(buf, len, seq);
	ASSERT_OK(tu_post(owner, seq % 64, buf, len, &got));
	ASSERT_EQ(got, seq);
}

/* Check a record against post_seq(@len, @seq). */
static void check_seq(const struct eventline_record *rec, uint64_t line_id,
		      unsigned int len, uint64_t seq)
{
	static unsigned char buf[1 << 20];

	payload_for(buf, len, seq);
	if (!tu_check_line_record(rec, line_id, seq % 64, seq, buf, len))
		tap_abort();
}

static void check_overflow(const struct eventline_record *rec, uint64_t lost)
{
	struct eventline_overflow ov;

	if (!tu_check_meta_record(rec, EVENTLINE_META_OVERFLOW, 0))
		tap_abort();
	memcpy(&ov, tu_payload(rec), sizeof(ov));
	EXPECT_EQ(ov.lost, lost);
}

/* The ring's data pages appear twice in a row: the double mapping. */
static void check_alias(const struct map *m)
{
	if (memcmp(m->data, m->data + m->size, m->size)) {
		tap_diag("second copy of the ring differs from the first");
		tap_fail();
	}
}

struct setup {
	struct eventline_info info;
	int ctl, owner;
	uint64_t id;
};

static void setup_line(struct setup *s)
{
	s->ctl = tu_open_ctl();
	tu_get_info(s->ctl, &s->info);
	s->owner = ASSERT_OK(tu_line_create(s->ctl, NULL, 0666, 0, &s->id));
}

/* A non-blocking register of @ring bytes on the line, mapped into @m. */
static int mapped_reg(struct setup *s, struct map *m, unsigned int queue_len,
		      unsigned int ring)
{
	int fd = ASSERT_OK(tu_register_create_ring(s->ctl, queue_len, ring,
				      EVENTLINE_FD_NONBLOCK));

	ASSERT_OK(tu_subscribe(fd, s->id, NULL));
	map_reg(m, fd, ring);
	return fd;
}

/* The consumer page: one page, read-write, shared, and really shared. */
static void test_map_consumer_page(void)
{
	struct eventline_ring_consumer *c1, *c2;
	struct setup s;
	void *p = NULL;
	long pg = sysconf(_SC_PAGESIZE);
	int fd;

	setup_line(&s);
	fd = ASSERT_OK(tu_register_create_ring(s.ctl, 16, 4096, 0));
	ASSERT_OK(map_raw(&p, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  EVENTLINE_MMAP_CONSUMER_PGOFF));
	c1 = p;
	ASSERT_OK(map_raw(&p, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  EVENTLINE_MMAP_CONSUMER_PGOFF));
	c2 = p;
	EXPECT_EQ(c1->pos, 0);
	/* Two mappings of one page: a store through one shows in the other. */
	c1->pos = 0x1234;
	EXPECT_EQ(c2->pos, 0x1234);
	c1->pos = 0;
	/* Read-only is fine too. */
	EXPECT_OK(map_raw(&p, pg, PROT_READ, MAP_SHARED, fd,
			  EVENTLINE_MMAP_CONSUMER_PGOFF));
	EXPECT_RET(map_raw(&p, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   EVENTLINE_MMAP_CONSUMER_PGOFF), EINVAL);
	EXPECT_RET(map_raw(&p, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			   EVENTLINE_MMAP_CONSUMER_PGOFF), EINVAL);
	EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_PRIVATE, fd,
			   EVENTLINE_MMAP_CONSUMER_PGOFF), EINVAL);
	/* It cannot grow. */
	EXPECT_ERRNO(mremap(c1, pg, 2 * pg, 0), EFAULT);
	EXPECT_ERRNO(mremap(c1, pg, 2 * pg, MREMAP_MAYMOVE), EFAULT);
	EXPECT_EQ(c2->pos, 0);
}

/*
 * The ring mapping: producer page then the data twice, read-only, of
 * exactly page + 2 * ring_size bytes, for several ring sizes.
 */
static void test_map_ring_rules(void)
{
	static const unsigned int sizes[] = { 4096, 8192, 65536 };
	long pg = sysconf(_SC_PAGESIZE);
	struct setup s;
	unsigned int i;

	setup_line(&s);
	for (i = 0; i < TU_ARRAY_SIZE(sizes); i++) {
		size_t len = pg + 2 * (size_t)sizes[i];
		const struct eventline_ring_producer *prod;
		void *p = NULL;
		int fd = ASSERT_OK(tu_register_create_ring(s.ctl, 16, sizes[i], 0));

		EXPECT_EQ(fdinfo(fd, "ring_size"), sizes[i]);
		ASSERT_OK(map_raw(&p, len, PROT_READ, MAP_SHARED, fd,
				  EVENTLINE_MMAP_RING_PGOFF));
		prod = p;
		EXPECT_EQ(prod->size, sizes[i]);
		EXPECT_EQ(prod->pos, 0);

		/* Any other length. */
		EXPECT_RET(map_raw(&p, len - pg, PROT_READ, MAP_SHARED, fd,
				   EVENTLINE_MMAP_RING_PGOFF), EINVAL);
		EXPECT_RET(map_raw(&p, len + pg, PROT_READ, MAP_SHARED, fd,
				   EVENTLINE_MMAP_RING_PGOFF), EINVAL);
		EXPECT_RET(map_raw(&p, pg + sizes[i], PROT_READ, MAP_SHARED,
				   fd, EVENTLINE_MMAP_RING_PGOFF), EINVAL);
		EXPECT_RET(map_raw(&p, 2 * (size_t)sizes[i], PROT_READ,
				   MAP_SHARED, fd, EVENTLINE_MMAP_RING_PGOFF),
			   EINVAL);
		/* The data alone, at the page after the producer's. */
		EXPECT_RET(map_raw(&p, 2 * (size_t)sizes[i], PROT_READ,
				   MAP_SHARED, fd, 2), EINVAL);
		/* Unknown offsets. */
		EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_SHARED, fd, 2),
			   EINVAL);
		EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_SHARED, fd, 1000),
			   EINVAL);
		EXPECT_RET(map_raw(&p, len, PROT_READ, MAP_SHARED, fd,
				   1UL << 20), EINVAL);
		/* Private, writable. */
		EXPECT_RET(map_raw(&p, len, PROT_READ, MAP_PRIVATE, fd,
				   EVENTLINE_MMAP_RING_PGOFF), EINVAL);
		EXPECT_RET(map_raw(&p, len, PROT_READ | PROT_WRITE, MAP_SHARED,
				   fd, EVENTLINE_MMAP_RING_PGOFF), EPERM);
		EXPECT_RET(map_raw(&p, len, PROT_WRITE, MAP_SHARED, fd,
				   EVENTLINE_MMAP_RING_PGOFF), EPERM);

		/* Made writable later, grown. */
		EXPECT_ERRNO(mprotect((void *)prod, len, PROT_READ | PROT_WRITE),
			     EACCES);
		EXPECT_ERRNO(mprotect((void *)prod, pg, PROT_WRITE), EACCES);
		EXPECT_ERRNO(mremap((void *)prod, len, len + pg, 0), EFAULT);
		EXPECT_ERRNO(mremap((void *)prod, len, len + pg,
				    MREMAP_MAYMOVE), EFAULT);
		/* Still mapped and intact after all that. */
		EXPECT_EQ(prod->size, sizes[i]);
		EXPECT_SYSOK(munmap((void *)prod, len));
		close(fd);
	}
}

/* A register of the default ring size maps with that size. */
static void test_map_default_size(void)
{
	struct setup s;
	struct map m;
	int fd;

	setup_line(&s);
	fd = ASSERT_OK(tu_register_create_ring(s.ctl, 0, 0, 0));
	ASSERT_EQ(fdinfo(fd, "ring_size"), s.info.default_ring_size);
	map_reg(&m, fd, s.info.default_ring_size);
	EXPECT_EQ(m.prod->size, s.info.default_ring_size);
	EXPECT_EQ(prod_pos(&m), 0);
	EXPECT_EQ(cons_pos(&m), 0);
	map_unmap(&m);
}

/*
 * Records read through the mapping are byte for byte those read() gives a
 * twin register on the same line, across many wraps of a small ring, with
 * bursts of records of mixed sizes.
 */
static void reading_wraps(unsigned int ring)
{
	static const unsigned int lens[] = {
		0, 1, 7, 8, 9, 100, 1000, 2000, 3000, 63, 500, 1500, 4,
	};
	static unsigned char buf[1 << 16];
	struct setup s;
	struct map m;
	unsigned int i, n = 0, used = 0;
	uint64_t seq = 0, checked = 0;
	/* What the ring takes besides events: the OVERFLOW spare, one sub. */
	const unsigned int room = ring - 2 * TU_REC_SIZE(8);
	int twin;

	setup_line(&s);
	mapped_reg(&s, &m, 1024, ring);
	twin = ASSERT_OK(tu_register_create_ring(s.ctl, 1024, ring, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(twin, s.id, NULL));

	for (i = 0; i < 300; i++) {
		unsigned int len = lens[i % TU_ARRAY_SIZE(lens)];

		if (len > s.info.max_payload)
			len = s.info.max_payload;
		if (used + TU_REC_SIZE(len) > room || n == (i % 5) + 1) {
			/* Drain the burst through the mapping. */
			const struct eventline_record *rec;
			uint64_t first = seq - n + 1;

			check_alias(&m);
			while ((rec = map_peek(&m))) {
				ssize_t got = read(twin, buf, rec->size);

				ASSERT_EQ(got, rec->size);
				if (memcmp(buf, rec, rec->size)) {
					tap_diag("seq %llu: mapped record differs from read()'s",
						 (unsigned long long)rec->seq);
					tap_fail();
				}
				ASSERT_EQ(rec->seq, first);
				first++;
				checked++;
				map_consume(&m, rec);
			}
			EXPECT_EQ(first, seq + 1);
			EXPECT_EQ(cons_pos(&m), prod_pos(&m));
			EXPECT_ERRNO(read(twin, buf, sizeof(buf)), EAGAIN);
			EXPECT_ERRNO(read(m.fd, buf, sizeof(buf)), EAGAIN);
			n = 0;
			used = 0;
		}
		post_seq(s.owner, len, ++seq);
		n++;
		used += TU_REC_SIZE(len);
		/*
		 * The twin's copy is compared with the mapping's when drained;
		 * check the newest record against what was posted.
		 */
		EXPECT_EQ(prod_pos(&m) - cons_pos(&m), used);
		check_seq((const void *)(m.data + ((prod_pos(&m) -
						     TU_REC_SIZE(len)) & (ring - 1))),
			  s.id, len, seq);
	}
	tap_diag("ring %u: %llu records compared, %u wrapped round the end",
		 ring, (unsigned long long)checked, m.wraps);
	EXPECT_GE(checked, 200);
	EXPECT_GE(m.wraps, 5);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 0);
	EXPECT_EQ(fdinfo(twin, "lost"), 0);
}

static void test_read_wrap_4096(void)
{
	reading_wraps(4096);
}

static void test_read_wrap_8192(void)
{
	reading_wraps(8192);
}

/*
 * The kernel counts queued events from the consumer position alone: a
 * queue of 4, drained through the mapping without a system call, takes 4
 * more.
 */
static void test_queue_freed_by_mapping(void)
{
	unsigned char buf[256];
	const struct eventline_record *rec;
	struct setup s;
	struct map m;
	uint64_t seq;
	int round;

	setup_line(&s);
	mapped_reg(&s, &m, 4, 8192);
	for (round = 0, seq = 0; round < 3; round++) {
		uint64_t first = seq + 1;
		int i;

		for (i = 0; i < 4; i++)
			post_seq(s.owner, 8, ++seq);
		EXPECT_EQ(fdinfo(m.fd, "queued"), 4);
		for (i = 0; i < 4; i++)
			check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8,
				  first + i);
		EXPECT_TRUE(map_peek(&m) == NULL);
		EXPECT_EQ(fdinfo(m.fd, "queued"), 0);
		EXPECT_EQ(fdinfo(m.fd, "lost"), 0);
	}
	/* And the bound still holds: a fifth is lost. */
	for (seq = 12; seq < 17; )
		post_seq(s.owner, 8, ++seq);
	EXPECT_EQ(fdinfo(m.fd, "queued"), 4);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 1);
	for (seq = 13; seq < 17; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_NE(poll_now(m.fd) & POLLIN, 0);
	rec = map_next(&m, buf, sizeof(buf));
	check_overflow(rec, 1);
	EXPECT_TRUE(map_peek(&m) == NULL);
}

/*
 * Overflow for a mapped reader: the OVERFLOW record is written once the
 * reader has caught up, by poll() when no post comes, or by the next post.
 */
static void test_overflow_poll(void)
{
	unsigned char buf[256];
	const struct eventline_record *rec;
	struct setup s;
	struct map m;
	uint64_t seq;

	setup_line(&s);
	mapped_reg(&s, &m, 4, 8192);
	for (seq = 0; seq < 4 + 5; )
		post_seq(s.owner, 8, ++seq);
	for (seq = 1; seq <= 4; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	/* Caught up, no system call yet: nothing more in the ring. */
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 5);
	EXPECT_EQ(poll_now(m.fd), POLLIN);
	rec = map_peek(&m);
	ASSERT_TRUE(rec != NULL);
	check_overflow(rec, 5);
	map_consume(&m, rec);
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_EQ(poll_now(m.fd), 0);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 0);
	/* Queueing resumed. */
	post_seq(s.owner, 8, 10);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 10);
	EXPECT_TRUE(map_peek(&m) == NULL);

	/* The same, with a post rather than poll() writing the record. */
	for (seq = 10; seq < 10 + 4 + 2; )
		post_seq(s.owner, 8, ++seq);
	for (seq = 11; seq <= 14; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	EXPECT_TRUE(map_peek(&m) == NULL);
	post_seq(s.owner, 8, 17);
	check_overflow(map_next(&m, buf, sizeof(buf)), 2);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 17);
	EXPECT_TRUE(map_peek(&m) == NULL);
}

/*
 * Losses by bytes: a queue of 16 in a ring of 4096 holds three records of
 * 1056 bytes (with 128 set aside for META records); the next two are lost
 * and reported once the mapped reader has caught up.
 */
static void test_overflow_bytes(void)
{
	static unsigned char buf[4096];
	const unsigned int len = 1000;
	struct setup s;
	struct map m;
	uint64_t seq;

	setup_line(&s);
	mapped_reg(&s, &m, 16, 4096);
	for (seq = 0; seq < 5; )
		post_seq(s.owner, len, ++seq);
	EXPECT_EQ(prod_pos(&m), 3 * TU_REC_SIZE(len));
	EXPECT_EQ(fdinfo(m.fd, "lost"), 2);
	for (seq = 1; seq <= 3; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, len, seq);
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_EQ(poll_now(m.fd), POLLIN);
	check_overflow(map_next(&m, buf, sizeof(buf)), 2);
	EXPECT_TRUE(map_peek(&m) == NULL);
	post_seq(s.owner, len, 6);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, len, 6);
	EXPECT_TRUE(map_peek(&m) == NULL);
}

/* Only registers map: lines and the control device do not. */
static void test_map_other_fds(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct setup s;
	void *p = NULL;
	int poster;

	setup_line(&s);
	poster = ASSERT_OK(tu_line_open(s.ctl, s.id, NULL, 0));
	EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_SHARED, s.ctl, 0), ENODEV);
	EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_SHARED, s.owner, 0),
		   ENODEV);
	EXPECT_RET(map_raw(&p, pg, PROT_READ, MAP_SHARED, poster, 0), ENODEV);
}

/*
 * read() and the mapping share one consumer position: each sees what the
 * other consumed, in both orders.
 */
static void test_mix_read_and_map(void)
{
	static unsigned char buf[8192];
	static const unsigned int lens[] = { 8, 100, 0, 1000, 17, 8, 300 };
	struct setup s;
	struct map m;
	uint64_t seq;
	uint32_t pos = 0;
	ssize_t n;

	setup_line(&s);
	mapped_reg(&s, &m, 64, 8192);
	for (seq = 1; seq <= 7; seq++)
		post_seq(s.owner, lens[seq - 1], seq);

	/* read() two: the mapping's consumer position moved past them. */
	for (seq = 1; seq <= 2; seq++) {
		n = tu_read_exact(m.fd, buf, lens[seq - 1]);
		ASSERT_EQ(n, TU_REC_SIZE(lens[seq - 1]));
		check_seq((const void *)buf, s.id, lens[seq - 1], seq);
		pos += n;
		EXPECT_EQ(cons_pos(&m), pos);
	}
	/* The mapping takes the next two. */
	for (; seq <= 4; seq++) {
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, lens[seq - 1],
			  seq);
		pos += TU_REC_SIZE(lens[seq - 1]);
	}
	EXPECT_EQ(cons_pos(&m), pos);
	/* read() resumes where the mapping stopped, with all the rest. */
	n = read(m.fd, buf, sizeof(buf));
	ASSERT_EQ(n, TU_REC_SIZE(lens[4]) + TU_REC_SIZE(lens[5]) +
		     TU_REC_SIZE(lens[6]));
	check_seq((const void *)buf, s.id, lens[4], 5);
	check_seq((const void *)(buf + TU_REC_SIZE(lens[4])), s.id, lens[5], 6);
	check_seq((const void *)(buf + TU_REC_SIZE(lens[4]) +
				 TU_REC_SIZE(lens[5])), s.id, lens[6], 7);
	EXPECT_EQ(cons_pos(&m), prod_pos(&m));
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_ERRNO(read(m.fd, buf, sizeof(buf)), EAGAIN);
	EXPECT_EQ(fdinfo(m.fd, "queued"), 0);
}

/*
 * End of stream through the mapping: LINE_CLOSED after the last event
 * (after the OVERFLOW record when losses are pending), then EPOLLHUP once
 * it is consumed, and read() returns 0.
 */
static void line_closed(bool with_losses)
{
	unsigned char buf[256];
	const struct eventline_record *rec;
	unsigned int nr = with_losses ? 6 : 2;
	struct setup s;
	struct map m;
	uint64_t seq;

	setup_line(&s);
	mapped_reg(&s, &m, 4, 8192);
	for (seq = 1; seq <= nr; seq++)
		post_seq(s.owner, 8, seq);
	ASSERT_SYSOK(close(s.owner));
	EXPECT_EQ(poll_now(m.fd), POLLIN);
	for (seq = 1; seq <= nr && seq <= 4; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	if (with_losses)
		check_overflow(map_next(&m, buf, sizeof(buf)), nr - 4);
	rec = map_next(&m, buf, sizeof(buf));
	if (!tu_check_meta_record(rec, EVENTLINE_META_LINE_CLOSED, s.id))
		tap_abort();
	EXPECT_EQ(rec->size, TU_REC_SIZE(0));
	EXPECT_EQ(rec->payload_len, 0);
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_EQ(poll_now(m.fd), POLLHUP);
	EXPECT_EQ(read(m.fd, buf, sizeof(buf)), 0);
	EXPECT_EQ(poll_now(m.fd), POLLHUP);
	EXPECT_EQ(cons_pos(&m), prod_pos(&m));
}

static void test_line_closed(void)
{
	line_closed(false);
}

static void test_line_closed_after_losses(void)
{
	line_closed(true);
}

struct poller {
	int fd;
	pid_t tid;
	int ret;
	short revents;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };

	__atomic_store_n(&p->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	p->ret = poll(&pfd, 1, 5000);
	p->revents = pfd.revents;
	return NULL;
}

/* Block in poll() on the (empty) register; a post must wake it. */
static void wake_on_post(struct setup *s, struct map *m, uint64_t seq)
{
	struct poller p = { .fd = m->fd };
	pthread_t th;
	uint64_t t0;

	ASSERT_TRUE(map_peek(m) == NULL);
	ASSERT_EQ(pthread_create(&th, NULL, poll_thread, &p), 0);
	while (!__atomic_load_n(&p.tid, __ATOMIC_ACQUIRE))
		tu_msleep(1);
	EXPECT_TRUE(tu_wait_sleeping(p.tid));
	t0 = tu_now_ns();
	post_seq(s->owner, 8, seq);
	pthread_join(th, NULL);
	EXPECT_EQ(p.ret, 1);
	EXPECT_EQ(p.revents, POLLIN);
	if (p.ret != 1)
		tap_diag("seq %llu: poll() not woken by the post",
			 (unsigned long long)seq);
	EXPECT_LT(tu_now_ns() - t0, 4000000000ULL);
}

/*
 * A reader that consumes only through the mapping and sleeps in poll() is
 * woken by the next post every time, whatever happened before.
 */
static void test_wake_mapped_reader(void)
{
	unsigned char buf[256];
	struct setup s;
	struct map m;
	uint64_t seq = 0;
	int i;

	setup_line(&s);
	mapped_reg(&s, &m, 64, 8192);
	/* Fresh register. */
	wake_on_post(&s, &m, ++seq);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	/* Consumed through the mapping only, then asleep again. */
	wake_on_post(&s, &m, ++seq);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	/* Posts while the reader was not armed, consumed silently. */
	for (i = 0; i < 3; i++)
		post_seq(s.owner, 8, ++seq);
	for (i = 2; i >= 0; i--)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq - i);
	wake_on_post(&s, &m, ++seq);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	wake_on_post(&s, &m, ++seq);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
}

/* wakeup_records counts what the mapped reader has not consumed. */
static void test_wakeup_records_mapped(void)
{
	struct eventline_register_create rc = {
		.size = sizeof(rc),
		.flags = EVENTLINE_FD_NONBLOCK,
		.queue_len = 16,
		.ring_size = 8192,
		.wakeup_records = 3,
	};
	unsigned char buf[256];
	struct setup s;
	struct map m;
	uint64_t seq;
	int fd;

	setup_line(&s);
	fd = ASSERT_OK(tu_ioctl(s.ctl, EVENTLINE_IOC_REGISTER_CREATE, &rc));
	ASSERT_OK(tu_subscribe(fd, s.id, NULL));
	map_reg(&m, fd, 8192);
	post_seq(s.owner, 8, 1);
	post_seq(s.owner, 8, 2);
	EXPECT_EQ(poll_now(fd), 0);
	post_seq(s.owner, 8, 3);
	EXPECT_EQ(poll_now(fd), POLLIN);
	/* Two consumed through the mapping: one left, below the mark. */
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 1);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 2);
	EXPECT_EQ(poll_now(fd), 0);
	post_seq(s.owner, 8, 4);
	EXPECT_EQ(poll_now(fd), 0);
	post_seq(s.owner, 8, 5);
	EXPECT_EQ(poll_now(fd), POLLIN);
	for (seq = 3; seq <= 5; seq++)
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, seq);
	EXPECT_EQ(poll_now(fd), 0);
}

/*
 * A reader that stores nonsense in its consumer position: read() fails with
 * EIO (or returns records, if the nonsense happens to be a valid position),
 * posts keep succeeding, and the other registers on the line get every
 * record exactly.  A sane position brings the register back.
 */
static void test_hostile_positions(void)
{
	static const unsigned int lens[] = { 0, 8, 100, 1000, 3000, 8 };
	static unsigned char buf[65536];
	const struct eventline_record *rec;
	struct setup s;
	struct map m;
	uint64_t seq = 0;
	int twin, other, phase, i;
	long long plost;

	setup_line(&s);
	mapped_reg(&s, &m, 64, 4096);
	twin = ASSERT_OK(tu_register_create_ring(s.ctl, 64, 16384, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(twin, s.id, NULL));
	other = ASSERT_OK(tu_register_create_ring(s.ctl, 0, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(other, s.id, NULL));

	for (phase = 0; phase < 5; phase++) {
		uint32_t prod, bad;
		uint64_t first;
		ssize_t n;

		/* Move the ring along so positions differ per phase. */
		post_seq(s.owner, 100 * phase + 40, ++seq);
		check_seq(map_next(&m, buf, sizeof(buf)), s.id,
			  100 * phase + 40, seq);
		/* A record left unread, for the position inside it. */
		post_seq(s.owner, 100, ++seq);
		prod = prod_pos(&m);
		switch (phase) {
		case 0:
			bad = prod + 12345;
			break;
		case 1:
			bad = prod - TU_REC_SIZE(100) + 3;
			break;
		case 2:
			bad = prod - 3 * 4096;
			break;
		case 3:
			bad = prod - TU_REC_SIZE(100) + 24;
			break;
		default:
			bad = 0xffffffffu;
			break;
		}
		set_cons(&m, bad);
		errno = 0;
		n = read(m.fd, buf, sizeof(buf));
		if (n < 0)
			EXPECT_EQ(errno, EIO);
		else
			EXPECT_LE(n, 4096);
		tap_diag("phase %d: consumer %#x, producer %#x: read() %zd%s%s",
			 phase, bad, prod, n, n < 0 ? " " : "",
			 n < 0 ? tap_errname(errno) : "");
		poll_now(m.fd);
		EXPECT_GE(fdinfo(m.fd, "queued"), 0);

		first = seq + 1;
		for (i = 0; i < (int)TU_ARRAY_SIZE(lens); i++)
			post_seq(s.owner, lens[i], ++seq);
		n = read(m.fd, buf, sizeof(buf));
		if (n < 0)
			EXPECT_EQ(errno, EIO);

		/* The others got everything, exactly. */
		for (i = 0; i < 2; i++) {
			int fd = i ? other : twin;
			uint64_t q;

			/* The two records of the phase's start. */
			for (q = first - 2; q < first; q++) {
				unsigned int len = q == first - 1 ? 100 :
						   100 * phase + 40;

				ASSERT_EQ(tu_read_exact(fd, buf, len),
					  TU_REC_SIZE(len));
				check_seq((const void *)buf, s.id, len, q);
			}
			for (q = first; q <= seq; q++) {
				unsigned int len = lens[q - first];

				ASSERT_EQ(tu_read_exact(fd, buf, len),
					  TU_REC_SIZE(len));
				check_seq((const void *)buf, s.id, len, q);
			}
			EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN);
		}

		/* Sane again: the next post arrives, after any OVERFLOW. */
		plost = fdinfo(m.fd, "lost");
		if (phase == 0 || phase == 2)
			/* The ring looked full (or beyond full): all lost. */
			EXPECT_EQ(plost, TU_ARRAY_SIZE(lens));
		set_cons(&m, prod_pos(&m));
		post_seq(s.owner, 8, ++seq);
		rec = map_next(&m, buf, sizeof(buf));
		if (rec->category == EVENTLINE_CAT_META) {
			check_overflow(rec, plost);
			rec = map_next(&m, buf, sizeof(buf));
		} else {
			EXPECT_EQ(plost, 0);
		}
		check_seq(rec, s.id, 8, seq);
		EXPECT_TRUE(map_peek(&m) == NULL);
		EXPECT_ERRNO(read(m.fd, buf, sizeof(buf)), EAGAIN);
		for (i = 0; i < 2; i++) {
			int fd = i ? other : twin;

			ASSERT_EQ(tu_read_exact(fd, buf, 8), TU_REC_SIZE(8));
			check_seq((const void *)buf, s.id, 8, seq);
			/*
			 * Read to empty: that ends this thread's handling of
			 * the record, so the next post is not nested in it.
			 */
			EXPECT_ERRNO(read(fd, buf, sizeof(buf)), EAGAIN);
		}
	}

	/* Normal operation, read() and mapping, across the ring's end. */
	for (i = 0; i < 40; i++) {
		unsigned int len = lens[i % TU_ARRAY_SIZE(lens)];

		post_seq(s.owner, len, ++seq);
		if (i % 2) {
			check_seq(map_next(&m, buf, sizeof(buf)), s.id, len,
				  seq);
		} else {
			ASSERT_EQ(tu_read_exact(m.fd, buf, len),
				  TU_REC_SIZE(len));
			check_seq((const void *)buf, s.id, len, seq);
		}
		ASSERT_EQ(tu_read_exact(twin, buf, len), TU_REC_SIZE(len));
		ASSERT_EQ(tu_read_exact(other, buf, len), TU_REC_SIZE(len));
		/* Read to empty: the next post is not nested in this one. */
		EXPECT_ERRNO(read(other, buf, sizeof(buf)), EAGAIN);
	}
	EXPECT_EQ(fdinfo(m.fd, "lost"), 0);
	EXPECT_EQ(fdinfo(m.fd, "queued"), 0);
}

/*
 * A consumer position ahead of the producer must not let in a record
 * larger than the whole ring (such a record is counted lost): were it
 * written near the ring's end it would run past the kernel's double
 * mapping.  Here it would start at offset 0, so an admitted record shows
 * as a moved producer position without harm.
 */
static void test_hostile_ahead_no_oversized(void)
{
	static unsigned char buf[1 << 20];
	const unsigned int ring = 4096;
	unsigned int len;
	struct setup s;
	struct map m;
	int other;

	setup_line(&s);
	len = s.info.max_payload;
	if (TU_REC_SIZE(len) <= ring)
		tap_skip("max_payload %u: every record fits a %u-byte ring",
			 len, ring);
	if (len > sizeof(buf))
		len = sizeof(buf);
	mapped_reg(&s, &m, 64, ring);
	other = ASSERT_OK(tu_register_create_ring(s.ctl, 0, 0, EVENTLINE_FD_NONBLOCK));
	ASSERT_OK(tu_subscribe(other, s.id, NULL));
	ASSERT_EQ(prod_pos(&m), 0);

	/* Honest reader first: the record cannot fit, it is lost. */
	post_seq(s.owner, len, 1);
	EXPECT_EQ(prod_pos(&m), 0);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 1);
	EXPECT_EQ(poll_now(m.fd), POLLIN);
	check_overflow(map_next(&m, buf, sizeof(buf)), 1);
	ASSERT_EQ(prod_pos(&m), TU_REC_SIZE(8));

	/*
	 * Now a few small records ahead of the producer: far enough that
	 * the kernel's room check wraps round for this record.
	 */
	set_cons(&m, prod_pos(&m) + 256);
	post_seq(s.owner, len, 2);
	EXPECT_EQ(prod_pos(&m), TU_REC_SIZE(8));
	if (prod_pos(&m) != TU_REC_SIZE(8))
		tap_diag("a %lu-byte record went into a %u-byte ring",
			 TU_REC_SIZE(len), ring);
	EXPECT_EQ(tu_read_exact(other, buf, len), TU_REC_SIZE(len));
	check_seq((const void *)buf, s.id, len, 1);
	EXPECT_EQ(tu_read_exact(other, buf, len), TU_REC_SIZE(len));
	check_seq((const void *)buf, s.id, len, 2);
}

/*
 * A child inherits the mappings and reads through them; closing the fd
 * leaves the register alive for as long as it is mapped, and munmap of the
 * last mapping releases it (its subscription goes).
 */
static void test_fork_and_release(void)
{
	unsigned char buf[2048];
	struct setup s;
	struct map m;
	uint32_t pos;
	pid_t pid;

	setup_line(&s);
	mapped_reg(&s, &m, 16, 8192);
	EXPECT_EQ(fdinfo(s.owner, "registers"), 1);
	post_seq(s.owner, 8, 1);
	post_seq(s.owner, 100, 2);
	post_seq(s.owner, 1000, 3);

	pid = tu_fork();
	if (!pid) {
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 1);
		check_seq(map_next(&m, buf, sizeof(buf)), s.id, 100, 2);
		/* The child's own fd and mappings go when it exits. */
		tap_child_exit();
	}
	tu_wait_ok(pid);
	EXPECT_EQ(cons_pos(&m), TU_REC_SIZE(8) + TU_REC_SIZE(100));
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 1000, 3);

	/* The mappings hold the register: posts still arrive. */
	ASSERT_SYSOK(close(m.fd));
	EXPECT_EQ(fdinfo(s.owner, "registers"), 1);
	post_seq(s.owner, 8, 4);
	check_seq(map_next(&m, buf, sizeof(buf)), s.id, 8, 4);
	EXPECT_SYSOK(munmap(m.cons, m.pg));
	EXPECT_EQ(fdinfo(s.owner, "registers"), 1);
	pos = prod_pos(&m);
	post_seq(s.owner, 8, 5);
	EXPECT_EQ(prod_pos(&m), pos + TU_REC_SIZE(8));
	EXPECT_SYSOK(munmap(m.ring, m.ring_len));
	EXPECT_EQ(fdinfo(s.owner, "registers"), 0);
	post_seq(s.owner, 8, 6);
}

/*
 * A ring of a few MiB maps, wraps and reads back exactly; posted in
 * batches to get round it quickly.
 */
static void test_large_ring(void)
{
	static unsigned char pl[64][4096];
	const unsigned int ring = 4 << 20, per = 60;
	struct eventline_post_entry e[64];
	unsigned int len, b, i;
	struct setup s;
	struct map m;
	uint64_t seq = 0;

	setup_line(&s);
	if (s.info.max_ring_size < ring)
		tap_skip("max_ring_size %u below %u", s.info.max_ring_size,
			 ring);
	len = s.info.max_payload < 4000 ? s.info.max_payload : 4000;
	mapped_reg(&s, &m, 4096, ring);
	EXPECT_EQ(m.prod->size, ring);
	for (b = 0; (uint64_t)b * per * TU_REC_SIZE(len) < ring + ring / 4;
	     b++) {
		struct eventline_post_batch pb = {
			.size = sizeof(pb),
			.count = per,
			.entry_size = sizeof(e[0]),
			.entries = (uintptr_t)e,
		};
		unsigned char chk[TU_REC_SIZE(4096)];

		for (i = 0; i < per; i++) {
			payload_for(pl[i], len, seq + 1 + i);
			e[i] = (struct eventline_post_entry){
				.type = (seq + 1 + i) % 64,
				.payload_len = len,
				.payload = (uintptr_t)pl[i],
			};
		}
		ASSERT_EQ(tu_ioctl(s.owner, EVENTLINE_IOC_POST_BATCH, &pb),
			  per);
		ASSERT_EQ(pb.first_seq, seq + 1);
		for (i = 0; i < per; i++)
			check_seq(map_next(&m, chk, sizeof(chk)), s.id, len,
				  ++seq);
		EXPECT_TRUE(map_peek(&m) == NULL);
	}
	check_alias(&m);
	tap_diag("%llu records through a %u-byte ring, %u wrapped",
		 (unsigned long long)seq, ring, m.wraps);
	EXPECT_GT((uint64_t)prod_pos(&m), (uint64_t)ring);
	EXPECT_EQ(fdinfo(m.fd, "lost"), 0);
	map_unmap(&m);
}

static unsigned int conc_len(uint64_t seq)
{
	return (seq * 37) % 1500;
}

struct conc {
	int owner;
	unsigned int n;
	struct map *m;
};

/*
 * Alternates stretches that outrun the reader (losses) with stretches
 * that let it keep up (records read while the next ones are written).
 */
static void *conc_poster(void *arg)
{
	struct conc *c = arg;
	uint64_t seq;

	for (seq = 1; seq <= c->n; seq++) {
		post_seq(c->owner, conc_len(seq), seq);
		if ((seq / 250) % 2 && seq % 4 == 0) {
			int spins = 0;

			while (prod_pos(c->m) - cons_pos(c->m) > 4096 &&
			       spins++ < 1000)
				sched_yield();
		}
	}
	return NULL;
}

/*
 * A poster thread and a mapped reader on another CPU: every record the
 * reader sees through the mapping is intact while the producer keeps
 * writing past it, and every gap in the sequence is announced by an
 * OVERFLOW record carrying its exact size.
 */
static void test_concurrent_reader(void)
{
	const struct eventline_record *rec;
	struct setup s;
	struct map m;
	struct conc c;
	pthread_t th;
	uint64_t expect = 1, pending = 0, got = 0, lost = 0, polls = 0;
	uint64_t last_progress;

	setup_line(&s);
	mapped_reg(&s, &m, 64, 8192);
	c.owner = s.owner;
	c.n = 4000;
	c.m = &m;
	ASSERT_EQ(pthread_create(&th, NULL, conc_poster, &c), 0);
	last_progress = tu_now_ns();
	while (got + lost < c.n) {
		rec = map_peek(&m);
		if (!rec) {
			struct pollfd pfd = { .fd = m.fd, .events = POLLIN };

			ASSERT_SYSOK(poll(&pfd, 1, 1000));
			polls++;
			if (tu_now_ns() - last_progress > 15000000000ULL) {
				tap_diag("stuck: %llu read, %llu lost of %u",
					 (unsigned long long)got,
					 (unsigned long long)lost, c.n);
				tap_fail();
				break;
			}
			continue;
		}
		last_progress = tu_now_ns();
		if (rec->category == EVENTLINE_CAT_META) {
			struct eventline_overflow ov;

			ASSERT_EQ(rec->type, EVENTLINE_META_OVERFLOW);
			/* One record per gap, and only after a gap. */
			EXPECT_EQ(pending, 0);
			memcpy(&ov, tu_payload(rec), sizeof(ov));
			EXPECT_GT(ov.lost, 0);
			pending = ov.lost;
			lost += ov.lost;
		} else {
			ASSERT_EQ(rec->seq, expect + pending);
			check_seq(rec, s.id, conc_len(rec->seq), rec->seq);
			expect = rec->seq + 1;
			pending = 0;
			got++;
		}
		map_consume(&m, rec);
	}
	pthread_join(th, NULL);
	tap_diag("%llu read through the mapping, %llu lost, %llu polls, %u wrapped",
		 (unsigned long long)got, (unsigned long long)lost,
		 (unsigned long long)polls, m.wraps);
	EXPECT_EQ(got + lost, c.n);
	EXPECT_EQ(expect + pending, c.n + 1);
	EXPECT_TRUE(map_peek(&m) == NULL);
	EXPECT_EQ(poll_now(m.fd), 0);
}

static const struct tap_test tests[] = {
	TAP_TEST(test_map_consumer_page),
	TAP_TEST(test_map_ring_rules),
	TAP_TEST(test_map_default_size),
	TAP_TEST(test_read_wrap_4096),
	TAP_TEST(test_read_wrap_8192),
	TAP_TEST(test_queue_freed_by_mapping),
	TAP_TEST(test_overflow_poll),
	TAP_TEST(test_overflow_bytes),
	TAP_TEST(test_map_other_fds),
	TAP_TEST(test_mix_read_and_map),
	TAP_TEST(test_line_closed),
	TAP_TEST(test_line_closed_after_losses),
	TAP_TEST_TIMEOUT(test_wake_mapped_reader, 60),
	TAP_TEST(test_wakeup_records_mapped),
	TAP_TEST_TIMEOUT(test_hostile_positions, 60),
	TAP_TEST(test_hostile_ahead_no_oversized),
	TAP_TEST(test_fork_and_release),
	TAP_TEST_TIMEOUT(test_large_ring, 120),
	TAP_TEST_TIMEOUT(test_concurrent_reader, 120),
};
TAP_MAIN(tests)
