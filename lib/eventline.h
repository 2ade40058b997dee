/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libeventline: userspace access to the eventline kernel module.
 *
 * Conventions (shared with liburing and libbpf):
 *  - every call returns >= 0 on success or a negative errno value; callers
 *    never need to look at errno;
 *  - the library never prints;
 *  - options structs start with "size_t sz", which the caller sets to
 *    sizeof() the struct it was compiled with.  A NULL options pointer means
 *    defaults; sz == 0 or too small for the first version of the struct gives
 *    -EINVAL; bytes beyond what this library knows must be zero, else -E2BIG.
 *    Always zero the whole struct before filling it in.
 *
 * The kernel ABI is <linux/eventline.h>; this header includes it.
 */
#ifndef EVENTLINE_H
#define EVENTLINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/eventline.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EL_VERSION_MAJOR	0
#define EL_VERSION_MINOR	3
#define EL_VERSION_PATCH	0

#ifndef EL_API
#define EL_API __attribute__((visibility("default")))
#endif

/* "MAJOR.MINOR.PATCH" of the library actually loaded. */
EL_API const char *el_version(void);

/* Control device */

struct el_ctx;

struct el_open_opts {
	size_t sz;
	const char *path;	/* device node; NULL: "/dev/eventline" */
};

EL_API int el_ctx_open(struct el_ctx **ctxp, const struct el_open_opts *opts);
EL_API void el_ctx_close(struct el_ctx *ctx);
EL_API int el_ctx_fd(const struct el_ctx *ctx);
/*
 * Fills the struct eventline_info of this header; fields the running module
 * does not know stay 0.  Programs built against an older header call the
 * el_info of their version node, which fills only the struct they know.
 */
EL_API int el_info(struct el_ctx *ctx, struct eventline_info *info);

/* Lines */

struct el_line_opts {
	size_t sz;
	uint32_t mode;		/* permission bits, e.g. 0644 */
	uint32_t fd_flags;	/* EVENTLINE_FD_* for the owner fd */
};

/* Defaults when the options pointer is NULL. */
#define EL_LINE_DEFAULT_MODE		0644
#define EL_DEFAULT_FD_FLAGS		EVENTLINE_FD_CLOEXEC

EL_API int el_line_create(struct el_ctx *ctx, const char *name,
			  const struct el_line_opts *opts, uint64_t *id_out);
EL_API int el_line_open(struct el_ctx *ctx, const char *name, uint64_t id,
			uint32_t fd_flags, uint64_t *id_out);

/*
 * Since 0.3: el_line_open() that can insist on the line's owner, so that a
 * line of the same name created by someone else is refused (-EACCES).
 */
struct el_line_open_opts {
	size_t sz;
	uint32_t fd_flags;	/* EVENTLINE_FD_* for the poster fd */
	uint32_t flags;		/* EVENTLINE_REF_* */
	uint32_t owner_uid;	/* with EVENTLINE_REF_OWNER_UID, else 0 */
};

EL_API int el_line_open_opts(struct el_ctx *ctx, const char *name, uint64_t id,
			     const struct el_line_open_opts *opts,
			     uint64_t *id_out);

/*
 * Since 0.3: who stands behind a line, from any fd on it: the owner or a
 * poster fd (@id ignored), or a register subscribed to line @id.
 */
EL_API int el_line_info(int fd, uint64_t id, struct eventline_line_info *out);

/*
 * Since 0.3: list a line's chain, in order (returns how many entries were
 * written, at most @room; *@total_out gets how many there are and
 * *@rev_out the chain's revision).  On the owner fd @line_id is ignored;
 * a register subscribed to the line names it with @line_id.
 */
EL_API int el_line_subs(int fd, uint64_t line_id,
			struct eventline_sub_info *entries, size_t room,
			size_t *total_out, uint64_t *rev_out);
/*
 * Since 0.3, on the owner fd only: evict a subscription, and set the
 * highest priority one may take and, with @flags EVENTLINE_GRANT_MUTATE,
 * make it a stage (without it, a stage stops being one).  @expected_rev
 * 0, or the revision el_line_subs() gave: -ESTALE when the chain has
 * changed since.
 */
EL_API int el_evict(int owner_fd, uint64_t sub_id, uint64_t expected_rev);
EL_API int el_grant(int owner_fd, uint64_t sub_id, int32_t max_priority,
		    uint32_t flags, uint64_t expected_rev);
/*
 * Since 0.3, on the owner fd only: the highest priority anyone may take
 * without a grant, for requests from now on, and how long a stage may take
 * to answer an event (milliseconds, 1..60000; 0 leaves it as it is).
 */
EL_API int el_line_config(int owner_fd, int32_t priority_ceiling,
			  uint32_t stage_timeout_ms);
EL_API int el_post(int line_fd, uint16_t type, const void *payload, size_t len,
		   uint64_t *seq_out);

/* One event of el_post_batch(). */
struct el_post_entry {
	uint16_t type;		/* 0..EVENTLINE_TYPE_MAX */
	uint16_t flags;		/* none defined yet: must be 0 */
	const void *payload;	/* may be NULL when len is 0 */
	size_t len;
};

EL_API int el_post_batch(int line_fd, const struct el_post_entry *entries,
			 size_t count, uint64_t *first_seq_out);

/* Registers */

struct el_register_opts {
	size_t sz;
	uint32_t queue_len;	/* records; 0: the module's default */
	uint32_t fd_flags;	/* EVENTLINE_FD_* for the register fd */
	/* Since 0.2: */
	uint32_t ring_size;	/* bytes, a power of two; 0: sized for queue_len */
	uint32_t wakeup_records; /* wake the reader once this many are queued */
	uint32_t flags;		/* EVENTLINE_REGISTER_* (WAKE_ALWAYS) */
	uint32_t wakeup_usec;	/* with wakeup_records > 1: or after this long */
};

EL_API int el_register_create(struct el_ctx *ctx,
			      const struct el_register_opts *opts);
EL_API int el_subscribe(int reg_fd, const char *name, uint64_t id,
			uint64_t *id_out);

/*
 * Since 0.3: el_subscribe() that can insist on the line's owner and ask
 * for a priority.  Returns 0, EVENTLINE_PRIORITY_CAPPED when the kernel
 * granted less than @priority, or -errno.
 */
struct el_subscribe_opts {
	size_t sz;
	uint32_t flags;		/* EVENTLINE_REF_* */
	uint32_t owner_uid;	/* with EVENTLINE_REF_OWNER_UID, else 0 */
	int32_t priority;	/* EVENTLINE_PRIORITY_MIN..MAX; 0: default */
	int32_t *granted;	/* if not NULL: set to the priority granted */
};

EL_API int el_subscribe_opts(int reg_fd, const char *name, uint64_t id,
			     const struct el_subscribe_opts *opts,
			     uint64_t *id_out);
/*
 * Since 0.3: ask for a new place in line @line_id's chain.  @expected_rev
 * as for el_grant().  Returns 0, EVENTLINE_PRIORITY_CAPPED when less was
 * granted, or -errno; *@granted (if not NULL) gets the priority granted.
 */
EL_API int el_priority(int reg_fd, uint64_t line_id, int32_t priority,
		       uint64_t expected_rev, int32_t *granted);
/*
 * Since 0.3, on the register fd of a stage: answer event @seq of line
 * @line_id, the oldest it was given (EVENTLINE_RECORD_STAGE) and has not
 * answered.  @action EVENTLINE_MUTATE_FORWARD or _DROP take no @type and
 * no payload; EVENTLINE_MUTATE_REPLACE forwards @type and the @len bytes
 * at @payload instead.  -ETIMEDOUT: the event went on without the answer.
 */
EL_API int el_mutate(int reg_fd, uint64_t line_id, uint64_t seq,
		     uint32_t action, uint16_t type, const void *payload,
		     size_t len);
EL_API int el_unsubscribe(int reg_fd, uint64_t id);
EL_API ssize_t el_read(int reg_fd, void *buf, size_t len);

/*
 * Records: decoding and encoding of the stream read from a register.  Pure
 * functions over a caller's buffer; no kernel needed.
 */

/* One decoded record; payload points into the buffer it was decoded from. */
struct el_record {
	uint16_t category;	/* EVENTLINE_CAT_* */
	uint16_t type;
	uint32_t flags;
	uint16_t depth;
	uint16_t mutations;	/* since 0.3: stages that changed the payload */
	uint64_t seq;
	uint64_t line_id;
	uint64_t timestamp_ns;
	uint32_t pid;
	uint32_t uid;
	const void *payload;
	uint32_t payload_len;
};

struct el_record_iter {
	const unsigned char *pos;
	const unsigned char *end;
};

EL_API void el_record_iter_init(struct el_record_iter *it, const void *buf,
				size_t len);
EL_API int el_record_next(struct el_record_iter *it, struct el_record *rec);
EL_API ssize_t el_record_encode(void *buf, size_t len,
				const struct el_record *rec);
EL_API int el_record_overflow_lost(const struct el_record *rec, uint64_t *lost);
/* Since 0.3: the payload of an EVENTLINE_META_DEMOTED record. */
EL_API int el_record_demotion(const struct el_record *rec,
			      struct eventline_demotion *demotion);
/* Since 0.3: the payload of an EVENTLINE_META_CHOKE record. */
EL_API int el_record_choke(const struct el_record *rec,
			   struct eventline_choke *choke);
EL_API const char *el_category_name(uint16_t category);

/*
 * Reading a register through its shared mapping (since 0.2): records are
 * decoded in place, with no copy and no system call while records are
 * queued.  One reader at a time per register, as for read().
 */
struct el_ring;

EL_API int el_ring_map(int reg_fd, struct el_ring **ringp);
EL_API void el_ring_unmap(struct el_ring *ring);
EL_API int el_ring_next(struct el_ring *ring, struct el_record *rec);
EL_API void el_ring_consume(struct el_ring *ring);
EL_API int el_ring_wait(struct el_ring *ring, int timeout_ms);

/*
 * io_uring: <eventline-uring.h> prepares SQEs that post on a line or read a
 * register; it is inline over liburing, which only its users need.
 */

#ifdef __cplusplus
}
#endif

#endif /* EVENTLINE_H */
