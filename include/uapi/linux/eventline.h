/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * eventline: a generic, kernel-overseen event system.
 *
 * This header is the only ABI between the eventline module and userspace.
 *
 * Objects
 * -------
 * /dev/eventline is the control device (mode 0666: anyone may open it
 * read-write; access to each line is decided by the line's mode).  Every
 * open of it gives a control fd on which lines and registers are created.
 *
 * A *line* is a broadcast channel.  EVENTLINE_IOC_LINE_CREATE returns the
 * owner fd of a new line: the line lives exactly as long as that fd (and its
 * dups).  EVENTLINE_IOC_LINE_OPEN returns a poster fd for an existing line,
 * subject to the line's mode.  Both fds accept EVENTLINE_IOC_POST.
 *
 * A *register* is a subscriber: one fd with one bounded queue, created by
 * EVENTLINE_IOC_REGISTER_CREATE and attached to lines with
 * EVENTLINE_IOC_SUBSCRIBE.  read() on it returns whole records (struct
 * eventline_record followed by its payload).  poll()/epoll report EPOLLIN
 * when a record is ready, and EPOLLHUP once a line it was subscribed to has
 * closed, no subscription is left (the others closed too, or were
 * unsubscribed) and everything queued has been read; read() then returns 0.
 *
 * Ioctl arguments
 * ---------------
 * Every argument struct starts with a __u32 size that the caller sets to
 * sizeof() the struct it was compiled with, and a __u32 flags word.  The
 * kernel accepts any size from the first published version of the struct up
 * to one page: a shorter struct means the missing tail fields are zero; a
 * longer one must have a zero tail beyond what the kernel knows, else
 * -E2BIG.  Unknown flag bits and non-zero __reserved fields give -EINVAL.
 * The size field is never written; output fields are written back only as
 * far as the caller's size reaches.
 *
 * Errors common to all ioctls: -EFAULT bad pointer, -EINVAL size below the
 * first version, bad flags, reserved field or value, -E2BIG size above one
 * page or a non-zero unknown tail, -ENOTTY command not valid on this kind
 * of fd.
 *
 * Records
 * -------
 * Each record read from a register is 8-byte aligned and self-describing:
 * size covers the header, the payload and the padding to the next record;
 * header_size says where the payload starts.
 * Readers must step over records by size and skip categories or types they
 * do not know.  A read() buffer too small for the next record gives -EINVAL;
 * otherwise read() returns as many whole records as fit.
 */
#ifndef _UAPI_LINUX_EVENTLINE_H
#define _UAPI_LINUX_EVENTLINE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Records start at multiples of this from the start of a read() buffer. */
#define EVENTLINE_RECORD_ALIGN		8

/* Raised when the ABI gains something a caller may want to probe for. */
#define EVENTLINE_API_VERSION		2

/* Names are NUL-terminated, printable, non-blank ASCII, unique per user ns. */
#define EVENTLINE_NAME_MAX		64

/* Event types of one category are 0..63 so a __u64 mask can select them. */
#define EVENTLINE_TYPE_MAX		63

/* Record categories. */
#define EVENTLINE_CAT_META		1	/* produced by the register itself */
#define EVENTLINE_CAT_LINE		2	/* posted on a line */

/* Types of EVENTLINE_CAT_META records. */
#define EVENTLINE_META_OVERFLOW		1	/* payload: struct eventline_overflow */
#define EVENTLINE_META_LINE_CLOSED	2	/* line_id: the line that closed */

/* Flags for fds returned by LINE_CREATE, LINE_OPEN and REGISTER_CREATE. */
#define EVENTLINE_FD_CLOEXEC		(1U << 0)
#define EVENTLINE_FD_NONBLOCK		(1U << 1)

/*
 * REGISTER_CREATE flags beside the EVENTLINE_FD_* bits.
 *
 * By default a register wakes its reader (poll, epoll, a blocking read(),
 * SIGIO) only when records arrive after the reader has caught up: after a
 * read() found the queue empty, or a poll() found it not ready.  An
 * edge-triggered epoll user must therefore read until EAGAIN before waiting
 * again.  EVENTLINE_REGISTER_WAKE_ALWAYS wakes on every delivery instead.
 */
#define EVENTLINE_REGISTER_WAKE_ALWAYS	(1U << 8)

/*
 * Line modes are permission bits like a file's (0644, 0600, ...): owner,
 * group, other.  Read permission lets a process subscribe; write permission
 * lets it open the line for posting.  Execute bits are not used and must be
 * zero; GET_INFO's line_modes reports the bits a module accepts.
 */

/**
 * struct eventline_info - EVENTLINE_IOC_GET_INFO (control fd)
 * @size:		in: sizeof(struct eventline_info)
 * @flags:		in: must be 0
 * @api_version:	out: EVENTLINE_API_VERSION of the running module
 * @record_size:	out: sizeof(struct eventline_record) the module writes
 * @categories:		out: bit (1 << EVENTLINE_CAT_*) for each category
 * @fd_flags:		out: EVENTLINE_FD_* bits accepted
 * @line_create_flags:	out: flags accepted by EVENTLINE_IOC_LINE_CREATE
 * @line_open_flags:	out: flags accepted by EVENTLINE_IOC_LINE_OPEN
 * @register_flags:	out: flags accepted by EVENTLINE_IOC_REGISTER_CREATE
 * @subscribe_flags:	out: flags accepted by EVENTLINE_IOC_SUBSCRIBE
 * @post_flags:		out: flags accepted by EVENTLINE_IOC_POST
 * @max_lines_per_user:	out: lines one user may own at once
 * @max_registers_per_line: out: subscriptions one line accepts
 * @max_payload:	out: largest payload EVENTLINE_IOC_POST accepts
 * @max_queue_len:	out: largest queue a register may ask for
 * @default_queue_len:	out: queue length when a register asks for 0
 * @name_max:		out: EVENTLINE_NAME_MAX
 * @line_modes:		out: the line mode bits LINE_CREATE accepts
 * @__reserved:		out: 0
 * @max_post_batch:	out: most entries one EVENTLINE_IOC_POST_BATCH takes
 * @max_ring_size:	out: largest register ring in bytes
 * @default_ring_size:	out: ring bytes of a register that asks for
 *			default_queue_len records and no ring size
 * @max_post_batch_bytes: out: most payload bytes, all entries together,
 *			one EVENTLINE_IOC_POST_BATCH takes
 *
 * A caller compiled against an older header passes a smaller size and gets
 * the fields its size covers.
 *
 * Errors: -EINVAL non-zero flags.
 */
struct eventline_info {
	__u32 size;
	__u32 flags;
	__u32 api_version;
	__u32 record_size;
	__u64 categories;
	__u32 fd_flags;
	__u32 line_create_flags;
	__u32 line_open_flags;
	__u32 register_flags;
	__u32 subscribe_flags;
	__u32 post_flags;
	__u32 max_lines_per_user;
	__u32 max_registers_per_line;
	__u32 max_payload;
	__u32 max_queue_len;
	__u32 default_queue_len;
	__u32 name_max;
	__u32 line_modes;
	__u32 __reserved;
	__u32 max_post_batch;
	__u32 max_ring_size;
	__u32 default_ring_size;
	__u32 max_post_batch_bytes;
};

/**
 * struct eventline_line_create - EVENTLINE_IOC_LINE_CREATE (control fd)
 * @size:	in: sizeof(struct eventline_line_create)
 * @flags:	in: EVENTLINE_FD_* for the returned owner fd
 * @mode:	in: permission bits (see above); the owner is the caller's
 *		fsuid/fsgid
 * @__reserved:	must be 0
 * @id:		out: the line's id, never 0; ids are handed out cyclically
 *		so a closed line's id is not soon reused
 * @name:	in: NUL-terminated name, or empty for an anonymous line
 *
 * Returns the owner fd.  Closing its last reference closes the line: every
 * register subscribed to it receives an EVENTLINE_META_LINE_CLOSED record.
 *
 * Errors: -EINVAL bad mode or name, -EEXIST name taken in the caller's user
 * namespace, -EMFILE the caller's user owns max_lines_per_user lines,
 * -ENOMEM.
 */
struct eventline_line_create {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 __reserved;
	__u64 id;
	char name[EVENTLINE_NAME_MAX];
};

/**
 * struct eventline_line_ref - names a line, by id or by name
 * @size:	in: sizeof(struct eventline_line_ref)
 * @flags:	in: EVENTLINE_FD_* (LINE_OPEN only; SUBSCRIBE takes none yet)
 * @id:		in: the line id, or 0 to look the line up by @name;
 *		out: the id of the line found
 * @name:	in: NUL-terminated name when @id is 0, else must be empty
 *
 * Used by EVENTLINE_IOC_LINE_OPEN (control fd; returns a poster fd, needs
 * write permission on the line), EVENTLINE_IOC_SUBSCRIBE (register fd; needs
 * read permission) and EVENTLINE_IOC_UNSUBSCRIBE (register fd; by id only).
 * Names are looked up in the caller's user namespace.  A subscription
 * receives the events posted after SUBSCRIBE returns, and none posted
 * before it; UNSUBSCRIBE returns once every event posted before it has
 * reached the register.
 *
 * Errors: -ENOENT no such line, or it has closed, or (UNSUBSCRIBE) the
 * register is not subscribed to it; -EACCES the line's mode denies the
 * caller; -EINVAL both or neither of @id and @name given, bad name;
 * -EEXIST (SUBSCRIBE) already subscribed to this line; -ENOSPC (SUBSCRIBE)
 * the line has max_registers_per_line subscribers; -ENOBUFS (SUBSCRIBE)
 * the register's ring is too full to set aside room for the line's
 * LINE_CLOSED record (read, then retry).
 */
struct eventline_line_ref {
	__u32 size;
	__u32 flags;
	__u64 id;
	char name[EVENTLINE_NAME_MAX];
};

/**
 * struct eventline_register_create - EVENTLINE_IOC_REGISTER_CREATE (control fd)
 * @size:	in: sizeof(struct eventline_register_create)
 * @flags:	in: EVENTLINE_FD_* for the returned register fd, and
 *		EVENTLINE_REGISTER_WAKE_ALWAYS
 * @queue_len:	in: records the queue holds, 0 for default_queue_len,
 *		at most max_queue_len
 * @__reserved:	must be 0
 * @ring_size:	in: bytes of record storage, a power of two from the page
 *		size (4096 on x86) to max_ring_size; 0 picks room for queue_len records of up to
 *		8 bytes of payload (64 bytes each) and for two records of
 *		max_payload, plus the META reserve, rounded up to a power of
 *		two and capped at max_ring_size (GET_INFO default_ring_size
 *		is the result for default_queue_len)
 * @wakeup_records: in: wake the reader only once this many records are
 *		queued (0 or 1: on the first); poll() reports EPOLLIN from
 *		then on.  LINE_CLOSED, OVERFLOW and end of stream always wake.
 *		At most queue_len.
 * @wakeup_usec: in: with wakeup_records above 1, also wake the reader (and
 *		report EPOLLIN) once events have waited this long, however
 *		few; 0 for no time limit, at most 1000000 (one second)
 * @__reserved2: must be 0
 *
 * Returns the register fd.  The register owns its queue: the ring is
 * allocated here and charged to the caller's memory cgroup, and posts copy
 * records into it, so what a register holds never counts against a poster.
 * The queue holds up to queue_len records and up to ring_size bytes of
 * them (each record takes its size); when either is reached, newer events
 * are dropped and counted: once the reader has read every record queued
 * before the first loss it receives one EVENTLINE_META_OVERFLOW record
 * carrying the exact number lost, and queueing resumes.  An event whose
 * record is larger than the whole ring is counted lost the same way.
 * Room for one LINE_CLOSED record per subscription is set aside in the
 * ring, so META records are never dropped.
 *
 * Errors: -EINVAL queue_len above max_queue_len, bad ring_size,
 * wakeup_records or wakeup_usec, unknown flags; -ENOMEM.
 */
struct eventline_register_create {
	__u32 size;
	__u32 flags;
	__u32 queue_len;
	__u32 __reserved;
	__u32 ring_size;
	__u32 wakeup_records;
	__u32 wakeup_usec;
	__u32 __reserved2;
};

/**
 * struct eventline_post - EVENTLINE_IOC_POST (line owner or poster fd)
 * @size:	 in: sizeof(struct eventline_post)
 * @flags:	 in: must be 0
 * @type:	 in: event type, 0..EVENTLINE_TYPE_MAX
 * @__reserved0: must be 0
 * @payload_len: in: bytes at @payload, at most max_payload
 * @payload:	 in: user pointer to the payload (may be 0 when @payload_len is 0)
 * @seq:	 out: the event's sequence number on its line (first is 1)
 *
 * The payload is copied into the ring of every register on the line before
 * the call returns; or, while another post on the line is being delivered
 * or when the line has more than 64 subscribers, into the line's staging
 * ring, to be delivered in sequence order without this call waiting for it
 * (by the post being delivered, or by a kernel worker).  When the staging
 * ring is full the call waits for room (it never waits for a reader), or
 * fails with -EAGAIN on a non-blocking fd.  No subscriber can make a post
 * fail; one that slows delivery down can only make posters wait for
 * staging room.  The call either posts the event and returns 0, or posts
 * nothing.
 *
 * Errors: -EINVAL bad type, -EMSGSIZE payload_len above max_payload,
 * -EPIPE the line has closed (poster fds only), -EAGAIN see above,
 * -EINTR interrupted while waiting for staging room, -ENOMEM.
 */
struct eventline_post {
	__u32 size;
	__u32 flags;
	__u16 type;
	__u16 __reserved0;
	__u32 payload_len;
	__u64 payload;
	__u64 seq;
};

/**
 * struct eventline_post_entry - one event of EVENTLINE_IOC_POST_BATCH
 * @type:	 in: event type, 0..EVENTLINE_TYPE_MAX
 * @flags:	 in: must be 0
 * @payload_len: in: bytes at @payload, at most max_payload
 * @payload:	 in: user pointer to the payload (may be 0 when @payload_len
 *		 is 0)
 */
struct eventline_post_entry {
	__u16 type;
	__u16 flags;
	__u32 payload_len;
	__u64 payload;
};

/**
 * struct eventline_post_batch - EVENTLINE_IOC_POST_BATCH (line owner or
 *				 poster fd)
 * @size:	in: sizeof(struct eventline_post_batch)
 * @flags:	in: must be 0
 * @count:	in: entries at @entries, 1..max_post_batch
 * @entry_size:	in: sizeof(struct eventline_post_entry)
 * @entries:	in: user pointer to @count entries
 * @first_seq:	out: sequence number of the first event posted
 *
 * Posts all the entries, in order, with consecutive sequence numbers (no
 * other post on the line comes between them), and returns @count; or fails
 * and posts none.  Every entry is checked and every payload copied before
 * the first is posted, so a bad entry or pointer fails the whole call.
 * Each register on the line receives the batch in chunks of up to 64
 * events, each with one reservation and at most one wake-up.
 *
 * Errors: as EVENTLINE_IOC_POST, plus -EINVAL bad count or entry_size,
 * -EMSGSIZE payloads above max_post_batch_bytes in total.
 */
struct eventline_post_batch {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__u64 entries;
	__u64 first_seq;
};

/**
 * struct eventline_record - header of each record read from a register
 * @size:	  bytes from this header to the next record (header, payload
 *		  and zero padding to a multiple of 8)
 * @category:	  EVENTLINE_CAT_*
 * @type:	  type within the category
 * @flags:	  none defined yet; readers must ignore unknown bits
 * @depth:	  nesting depth of the post (0 for a top-level post)
 * @header_size:  bytes of this header; the payload starts this far from
 *		  the start of the record (a later ABI may append header fields)
 * @seq:	  sequence number on its line (0 for META records)
 * @line_id:	  the line, or 0 when the record is about the register
 * @timestamp_ns: CLOCK_MONOTONIC time of the post
 * @pid:	  poster's thread-group id in the pid namespace of the
 *		  register's creator, taken when the event was delivered to
 *		  the register; 0 when not visible there or not from a process
 *		  (kernel code's posts)
 * @uid:	  poster's euid in the user namespace of the register's
 *		  creator (overflowuid when unmapped)
 * @payload_len:  bytes of payload following this header
 * @__reserved1: 0
 */
struct eventline_record {
	__u32 size;
	__u16 category;
	__u16 type;
	__u32 flags;
	__u16 depth;
	__u16 header_size;
	__u64 seq;
	__u64 line_id;
	__u64 timestamp_ns;
	__u32 pid;
	__u32 uid;
	__u32 payload_len;
	__u32 __reserved1;
};

/* Payload of an EVENTLINE_META_OVERFLOW record. */
struct eventline_overflow {
	__u64 lost;	/* events dropped since the previous overflow record */
};

/*
 * io_uring
 * --------
 * Line owner and poster fds take IORING_OP_URING_CMD with cmd_op
 * EVENTLINE_IOC_POST or EVENTLINE_IOC_POST_BATCH and struct
 * eventline_uring_cmd in the first 16 bytes of the SQE's command area
 * (sqe->cmd); @arg points at the struct the ioctl takes, and the CQE's res
 * is what the ioctl returns (0, the batch count, or -errno).  Other
 * cmd_op values give -ENOTTY.  Registers need no command: IORING_OP_READ
 * on a register is served without a worker thread (it waits through
 * poll), with the semantics of read().
 */
struct eventline_uring_cmd {
	__u64 arg;
	__u64 __reserved;	/* must be 0 */
};

/*
 * Reading a register through a shared mapping
 * -------------------------------------------
 * A register's ring can be mapped with two mmap() calls on its fd (offsets
 * in pages of the system page size, MAP_SHARED):
 *
 *   consumer = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
 *		     EVENTLINE_MMAP_CONSUMER_PGOFF * page);
 *   ring = mmap(NULL, page + 2 * ring_size, PROT_READ, MAP_SHARED, fd,
 *		 EVENTLINE_MMAP_RING_PGOFF * page);
 *
 * The second mapping starts with struct eventline_ring_producer, followed
 * at one page by the ring's bytes, mapped twice in a row so that a record
 * never wraps.  Mapping just that first page (length one page) is allowed
 * too, to learn the ring's @size.  Both mappings must be MAP_SHARED; the
 * register fd is opened read-write for the consumer page's sake (write()
 * on it fails with -EINVAL).  Records are exactly those read() returns.  To read:
 *
 *   prod = __atomic_load_n(&producer->pos, __ATOMIC_ACQUIRE);
 *   for (pos = consumer->pos; pos != prod; pos += rec->size)
 *	rec = data + (pos & (size - 1)), ... use rec ...;
 *   __atomic_store_n(&consumer->pos, pos, __ATOMIC_RELEASE);
 *
 * Positions are free-running 32-bit byte counts.  read() and the mapping
 * share the consumer position and may be mixed (by one reader at a time).
 * Wake-ups, overflow and end of stream work as for read(), with one rule:
 * when the ring is empty, call poll() (or read()) before sleeping; that
 * arms the wake-up and writes any pending OVERFLOW record into the ring.
 * Storing a consumer position that is not the end of a record read (or
 * beyond the producer) can only corrupt the caller's own view: the kernel
 * never trusts it, and read() then fails with -EIO.
 */
#define EVENTLINE_MMAP_CONSUMER_PGOFF	0
#define EVENTLINE_MMAP_RING_PGOFF	1

/* The first bytes of the consumer page. */
struct eventline_ring_consumer {
	__u32 pos;
};

/* The first bytes of the producer page. */
struct eventline_ring_producer {
	__u32 pos;
	__u32 size;
};

/*
 * The size of each argument struct travels in its size field, so the
 * command numbers carry none (as VFIO does) and stay the same as the
 * structs grow.
 */
#define EVENTLINE_IOC_MAGIC		0xE7

#define EVENTLINE_IOC_GET_INFO		_IO(EVENTLINE_IOC_MAGIC, 0x00)
#define EVENTLINE_IOC_LINE_CREATE	_IO(EVENTLINE_IOC_MAGIC, 0x01)
#define EVENTLINE_IOC_LINE_OPEN		_IO(EVENTLINE_IOC_MAGIC, 0x02)
#define EVENTLINE_IOC_REGISTER_CREATE	_IO(EVENTLINE_IOC_MAGIC, 0x03)
#define EVENTLINE_IOC_SUBSCRIBE		_IO(EVENTLINE_IOC_MAGIC, 0x10)
#define EVENTLINE_IOC_UNSUBSCRIBE	_IO(EVENTLINE_IOC_MAGIC, 0x11)
#define EVENTLINE_IOC_POST		_IO(EVENTLINE_IOC_MAGIC, 0x20)
#define EVENTLINE_IOC_POST_BATCH	_IO(EVENTLINE_IOC_MAGIC, 0x21)

/* Sizes of the first published version of each struct. */
#define EVENTLINE_INFO_SIZE_VER0		80
#define EVENTLINE_LINE_CREATE_SIZE_VER0		88
#define EVENTLINE_LINE_REF_SIZE_VER0		80
#define EVENTLINE_REGISTER_CREATE_SIZE_VER0	16
#define EVENTLINE_POST_SIZE_VER0		32
#define EVENTLINE_RECORD_SIZE_VER0		56
#define EVENTLINE_POST_BATCH_SIZE_VER0		32
#define EVENTLINE_POST_ENTRY_SIZE_VER0		16

#endif /* _UAPI_LINUX_EVENTLINE_H */
