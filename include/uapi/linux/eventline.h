/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * eventline: a generic, kernel-overseen event system.
 *
 * This header is the only ABI between the eventline module and userspace.
 *
 * Objects
 * -------
 * /dev/eventline is the control device (mode 0666 unless the administrator's
 * udev rule says otherwise: anyone may open it read-write; access to each
 * line is decided by the line's mode; see "Security model").  Every
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
 * Input fields named __reserved must be zero; fields the kernel only writes
 * (marked "out") are ignored on input, __reserved ones included.  Output
 * fields are meaningful only when the call succeeds.
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
 *
 * Security model
 * --------------
 * Every rule below is enforced by the module; each has a selftest.
 *
 * 1. Namespaces.  A line belongs to the user namespace of the task that
 *    created it (kernel code's lines to the initial one).  Names are unique
 *    per user namespace, and a line can be found, by name or by id, only
 *    from a task in that same user namespace: the namespace in which its
 *    owner and group are defined and its mode means something.  Nothing
 *    crosses a user namespace boundary except an fd passed on purpose
 *    (SCM_RIGHTS): a poster fd or a register already subscribed keeps
 *    working wherever it is passed.  (Not the IPC namespace, as POSIX
 *    message queues use: a line's permission check is made of uids and
 *    gids, which only the user namespace gives a meaning.)
 * 2. Ids.  Line ids are 64-bit, start at 1 and are never reused while the
 *    module is loaded.  They are handed out in creation order by one
 *    counter, so an id tells only how many lines were created before it.
 * 3. No existence oracle.  A lookup says -ENOENT, exactly as for a line
 *    that never existed, when the line is in another user namespace, has
 *    closed, or its mode grants the caller neither read nor write.  -EACCES
 *    goes only to a caller who may use the line one way but asked for the
 *    other, or whose expected owner (EVENTLINE_REF_OWNER_UID,
 *    EVENTLINE_REF_KERNEL_OWNED) does not match.  A name's existence is
 *    visible through -EEXIST from LINE_CREATE, as a file's is to creat().
 * 4. Permissions.  A line has an owner (the creator's fsuid), a group (its
 *    fsgid) and a mode, checked like a file's: read permission to
 *    subscribe, write permission to open for posting; the owner fd may
 *    always post.  LINE_CREATE applies the creator's umask to the mode, as
 *    mq_open() does.  CAP_DAC_OVERRIDE in the line's user namespace
 *    overrides the mode (only when the owner and group are mapped there), as
 *    for files.  Identity for ownership, permission and per-user limits is
 *    the fsuid/fsgid, as for files; records name the poster by its euid, as
 *    SO_PEERCRED does.  MAC policy (SELinux, AppArmor) sees /dev/eventline
 *    but not individual lines: an administrator restricts who may use the
 *    module with the device node's group and mode (a udev rule), and who may
 *    create lines with the create_gid module parameter.
 * 5. Verifiable owners.  EVENTLINE_IOC_LINE_INFO tells the owner, group,
 *    mode and name of a line from any fd on it (owner fd, poster fd, or a
 *    register subscribed to it).  LINE_OPEN and SUBSCRIBE by name can
 *    insist on an owner (EVENTLINE_REF_OWNER_UID) or on kernel code as the
 *    owner (EVENTLINE_REF_KERNEL_OWNED), so a squatter's line of the same
 *    name is refused rather than used.  Well-known names: names starting
 *    with "kernel." belong to kernel code (LINE_CREATE gives -EPERM), and
 *    names starting with "sys." need CAP_SYS_ADMIN in the caller's user
 *    namespace.
 * 6. Fair shares.  One line takes at most max_registers_per_line
 *    subscriptions.  The last owner_reserved_subs of them are for the
 *    owner's uid alone, and each other uid may hold at most
 *    max_subs_per_user of them (-EDQUOT beyond).  The owner lists the
 *    subscriptions (EVENTLINE_IOC_LINE_SUBS) and evicts any
 *    (EVENTLINE_IOC_EVICT); the evicted register receives an
 *    EVENTLINE_META_EVICTED record.
 * 7. Per-user limits.  Lines owned, registers and poster fds held are
 *    counted per user: per (user namespace, fsuid), and, as the kernel's
 *    ucounts do, again for the namespace's owner in each ancestor
 *    namespace up to the initial one, so a user's child namespaces share
 *    that user's limits.  Beyond a limit the call fails with -EDQUOT.
 *    Every limit applies to root too.  GET_INFO reports them.
 * 8. Memory.  What a register queues is allocated when it is created and
 *    charged to its creator's memory cgroup; a line's staging ring to its
 *    owner's.  A poster never pays for, and cannot be failed by, a reader.
 * 9. Attribution.  A record's pid and uid are the poster's tgid and euid
 *    translated, when the event is delivered to the register, into the
 *    pid and user namespaces of the register's creator (0 when the poster
 *    is not visible there, overflowuid when unmapped).  A pid is a number:
 *    once the poster has exited, the number may name another process by
 *    the time the record is read; a poster that must be identified beyond
 *    doubt should pass a pidfd over a socket.  timestamp_ns is
 *    CLOCK_MONOTONIC in the time namespace of the register's creator.
 * 10. Lifetimes.  A closed line that registers still hold (their
 *    LINE_CLOSED record unread) keeps its struct, and the reference on its
 *    creator's user namespace, until the last of them is read or closed.
 */
#ifndef _UAPI_LINUX_EVENTLINE_H
#define _UAPI_LINUX_EVENTLINE_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Records start at multiples of this from the start of a read() buffer. */
#define EVENTLINE_RECORD_ALIGN		8

/* Raised when the ABI gains something a caller may want to probe for. */
#define EVENTLINE_API_VERSION		3

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
#define EVENTLINE_META_EVICTED		3	/* line_id: whose owner evicted us */
#define EVENTLINE_META_DEMOTED		4	/* payload: struct eventline_demotion */
#define EVENTLINE_META_CHOKE		5	/* payload: struct eventline_choke */

/*
 * Choke points
 * ------------
 * A register whose queue stays at or above choke_percent of its queue_len
 * (module parameter, default 75) for choke_msec (default 100 ms), while
 * events keep arriving, is a choke point: it receives one
 * EVENTLINE_META_CHOKE record per episode, before anything is lost if the
 * ring has room for it, so its reader can add workers or drain faster.  The
 * episode ends when a delivery finds the queue below the mark again.
 */
struct eventline_choke {
	__u32 queued;		/* events queued when the record was written */
	__u32 queue_len;
	__u32 arrival_rate;	/* events per second offered since the episode began */
	__u32 drain_rate;	/* events per second read since the episode began */
};

/*
 * The chain
 * ---------
 * The subscriptions of a line form its chain, ordered by priority (higher
 * first; equal priorities in subscription order).  A post is copied into
 * the registers in chain order, and woken in that order: no register sees
 * an event before every register above it could.
 *
 * A subscription asks for a priority when it subscribes (eventline_line_ref
 * .priority) or later (EVENTLINE_IOC_PRIORITY).  The kernel grants, and
 * says what: anyone may take up to the line's priority ceiling (set by the
 * owner with EVENTLINE_IOC_LINE_CONFIG; the priority_ceiling module
 * parameter by default); above it, up to what the owner granted that
 * subscription (EVENTLINE_IOC_GRANT), or anything with CAP_SYS_NICE in the
 * line's user namespace.  Asking for more than allowed is not an error: the
 * kernel grants the most it allows and says the request was capped.
 *
 * The kernel demotes a subscription placed above the default priority
 * (EVENTLINE_PRIORITY_DEFAULT, or the line's ceiling if that is lower)
 * that does not hold its place: after demote_overflows overflow episodes
 * (module parameter; an episode is charged to the subscription whose event
 * was the first one dropped) since its priority was last set, or when the
 * owner lowers the grant its priority depended on.  A demoted subscription
 * goes back to that default, its register receives an
 * EVENTLINE_META_DEMOTED record, and it may ask again.
 *
 * Every change of the chain (subscribe, unsubscribe, eviction, close of a
 * register, priority, grant, demotion) raises its revision.  Owner and
 * subscribers list the chain with EVENTLINE_IOC_LINE_SUBS, which returns
 * the revision; PRIORITY, GRANT and EVICT take an expected revision and
 * fail with -ESTALE if the chain has changed since, so a caller can act
 * only on the chain it read.
 */
#define EVENTLINE_PRIORITY_MIN		(-1000)
#define EVENTLINE_PRIORITY_MAX		1000
#define EVENTLINE_PRIORITY_DEFAULT	0	/* what SUBSCRIBE gives by default */

/* Why a subscription was demoted (eventline_demotion.reason). */
#define EVENTLINE_DEMOTE_OVERFLOW	1	/* it overflowed repeatedly */
#define EVENTLINE_DEMOTE_REVOKED	2	/* the owner lowered its grant */
#define EVENTLINE_DEMOTE_TIMEOUT	3	/* a stage missed deadlines repeatedly */

/*
 * Mutating stages
 * ---------------
 * The owner grants mutate permission to a subscription (GRANT with
 * EVENTLINE_GRANT_MUTATE), and it becomes a *stage*: from the next event
 * on, an event reaches the registers after the stage in the chain only
 * once the stage has answered it with EVENTLINE_IOC_MUTATE: forward it
 * unchanged, forward a new payload and type, or drop it.  Registers before
 * the stage see the original; registers after it see what it forwarded.
 * Records a stage must answer carry EVENTLINE_RECORD_STAGE; records whose
 * payload stages changed carry EVENTLINE_RECORD_MUTATED and, in
 * @mutations, how many stages changed it.
 *
 * A stage answers in order; an event it has not answered holds back later
 * ones only at that stage, and every register still receives a line's
 * events in post order.  An event the stage leaves unanswered for the
 * line's stage timeout (EVENTLINE_IOC_LINE_CONFIG; module parameter
 * stage_timeout_ms, default 1000) goes on unmodified and its late answer
 * gets -ETIMEDOUT; demote_timeouts misses in a row (default 3) demote the
 * stage (EVENTLINE_DEMOTE_TIMEOUT).  A stage whose register does not have
 * room for the record misses it the same way.
 *
 * Events wait for stages in the line's staging ring: a post never waits
 * for a stage, but a stage that is slow to answer fills the staging ring,
 * and posters then wait for room (or get -EAGAIN) as for any slow
 * delivery, at most for the stage timeout.  A stage that loses its grant,
 * unsubscribes, is evicted or released, and a line that closes, let every
 * event waiting for them go on: nothing is lost, nothing hangs.  Replaced
 * payloads obey max_payload and are charged to the stage's process.
 */
#define EVENTLINE_GRANT_MUTATE		(1U << 0)	/* GRANT: make it a stage */

/* eventline_mutate.action */
#define EVENTLINE_MUTATE_FORWARD	0	/* unchanged */
#define EVENTLINE_MUTATE_REPLACE	1	/* with type, payload */
#define EVENTLINE_MUTATE_DROP		2	/* no register after it gets it */

/**
 * struct eventline_mutate - EVENTLINE_IOC_MUTATE (register fd of a stage)
 * @size:	in: sizeof(struct eventline_mutate)
 * @flags:	in: must be 0
 * @line_id:	in: the line
 * @seq:	in: the event answered: the oldest the stage has not answered
 * @action:	in: EVENTLINE_MUTATE_*
 * @type:	in: REPLACE: the new type, 0..EVENTLINE_TYPE_MAX; else 0
 * @__reserved:	must be 0
 * @payload_len: in: REPLACE: bytes at @payload, at most max_payload; else 0
 * @__reserved2: must be 0
 * @payload:	in: REPLACE: user pointer to the new payload; else 0
 *
 * Errors: -ENOENT the register is not a stage of the line; -EINVAL bad
 * action or fields, or @seq is not the oldest event given to the stage
 * and not answered yet; -ETIMEDOUT the event has already gone on (its
 * deadline passed, or the stage was passed over); -EMSGSIZE; -ENOMEM.
 */
struct eventline_mutate {
	__u32 size;
	__u32 flags;
	__u64 line_id;
	__u64 seq;
	__u32 action;
	__u16 type;
	__u16 __reserved;
	__u32 payload_len;
	__u32 __reserved2;
	__u64 payload;
};

/* Payload of an EVENTLINE_META_DEMOTED record; line_id says which line. */
struct eventline_demotion {
	__s32 old_priority;
	__s32 new_priority;
	__u32 reason;		/* EVENTLINE_DEMOTE_* */
	__u32 __reserved;
};

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
/* Queue only events of depth min_depth..max_depth (see "Nesting"). */
#define EVENTLINE_REGISTER_DEPTH_FILTER	(1U << 9)

/*
 * Nesting
 * -------
 * A post made while handling an event is one level deeper than that event
 * (eventline_record.depth); a post made while handling nothing has depth
 * 0.  A thread is handling an event from the moment a read() of a
 * register returns line events to it (the deepest of them counts) until
 * its next read() of a register returns none.  The kernel tracks this per
 * thread, so a handler that reads and posts needs no extra argument.  A
 * thread that reads its registers until -EAGAIN (as an edge-triggered
 * epoll user does) handles nothing once it has drained them: what it posts
 * later, on its own initiative, is top-level again.  One that reads an
 * event and posts, reads the event it caused and posts again, is nesting,
 * and stops at max_depth.  A
 * thread that got the event another way (a mapped ring, io_uring, another
 * thread) names its parent's depth with EVENTLINE_POST_PARENT; the kernel
 * takes the deeper of the two, so a post can never be shallower than the
 * kernel knows its thread is.  io_uring posts count as the submitting
 * thread's when io_uring issues them at once; one it hands to a worker
 * thread (IOSQE_ASYNC, or a retry after waiting for staging room) counts
 * as the worker's, which handles nothing: a handler that posts through
 * io_uring passes EVENTLINE_POST_PARENT.  execve() ends the handling.
 * A post deeper than max_depth (module parameter, GET_INFO) fails with
 * -ELOOP and posts nothing: handlers that re-post
 * into each other's lines stop there instead of looping for ever.
 * Kernel code's posts have depth 0.
 */
#define EVENTLINE_POST_PARENT		(1U << 0)	/* parent_depth is given */

/*
 * Retained events
 * ---------------
 * A post is fire-and-forget: it reaches the registers subscribed when it
 * is posted, and nothing else keeps it.  A POST with EVENTLINE_POST_RETAIN
 * also becomes the line's current state for its type, replacing the
 * previous retained event of that type: every register that subscribes
 * later receives the line's retained events first (in the order they were
 * posted, with EVENTLINE_RECORD_RETAINED in the record's flags and their
 * original seq and timestamp), before any event posted after it joined.
 * The owner clears them with EVENTLINE_IOC_RETAIN_CLEAR; closing the line
 * drops them.  A line keeps at most one per type (64), charged to the
 * memory cgroup of the poster that retained it.
 */
#define EVENTLINE_POST_RETAIN		(1U << 1)	/* keep as the line's state */

/* Bits of eventline_record.flags. */
#define EVENTLINE_RECORD_RETAINED	(1U << 0)	/* a retained event, given on subscribe */
#define EVENTLINE_RECORD_STAGE		(1U << 1)	/* answer with EVENTLINE_IOC_MUTATE */
#define EVENTLINE_RECORD_MUTATED	(1U << 2)	/* a stage changed the payload */

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
 * @max_registers_per_user: out: registers one user may hold at once
 * @max_posters_per_user: out: poster fds (LINE_OPEN) one user may hold
 * @max_subs_per_user:	out: subscriptions one uid other than the owner's
 *			may hold on one line
 * @owner_reserved_subs: out: subscriptions of each line only its owner's
 *			uid may take
 * @priority_ceiling:	out: the priority ceiling of a new line
 * @demote_overflows:	out: overflow episodes after which a subscription
 *			is demoted
 * @max_depth:		out: the deepest nesting a post may have
 * @stage_timeout_ms:	out: a new line's stage timeout
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
	__u32 max_registers_per_user;
	__u32 max_posters_per_user;
	__u32 max_subs_per_user;
	__u32 owner_reserved_subs;
	__s32 priority_ceiling;
	__u32 demote_overflows;
	__u32 max_depth;
	__u32 stage_timeout_ms;
};

/**
 * struct eventline_line_create - EVENTLINE_IOC_LINE_CREATE (control fd)
 * @size:	in: sizeof(struct eventline_line_create)
 * @flags:	in: EVENTLINE_FD_* for the returned owner fd
 * @mode:	in: permission bits (see above), less the caller's umask;
 *		the owner is the caller's fsuid, the group its fsgid
 * @__reserved:	must be 0
 * @id:		out: the line's id, never 0 and never reused
 * @name:	in: NUL-terminated name, or empty for an anonymous line
 *
 * Returns the owner fd.  Closing its last reference closes the line: every
 * register subscribed to it receives an EVENTLINE_META_LINE_CLOSED record.
 * The line becomes visible to lookups only once nothing can fail any more:
 * no one can subscribe to a line whose creation then fails.
 *
 * Errors: -EINVAL bad mode or name, -EEXIST name taken in the caller's user
 * namespace, -EPERM a "kernel." name, a "sys." name without CAP_SYS_ADMIN,
 * or the caller is not in the create_gid group (module parameter) nor has
 * CAP_SYS_ADMIN, -EDQUOT the caller's user owns max_lines_per_user lines
 * (see the security model), -EMFILE/-ENFILE no fd, -ENOMEM.
 */
struct eventline_line_create {
	__u32 size;
	__u32 flags;
	__u32 mode;
	__u32 __reserved;
	__u64 id;
	char name[EVENTLINE_NAME_MAX];
};

/* Flags of struct eventline_line_ref (LINE_OPEN and SUBSCRIBE). */
#define EVENTLINE_REF_OWNER_UID		(1U << 8)	/* owner must be @owner_uid */
#define EVENTLINE_REF_KERNEL_OWNED	(1U << 9)	/* owner must be kernel code */

/**
 * struct eventline_line_ref - names a line, by id or by name
 * @size:	in: sizeof(struct eventline_line_ref)
 * @flags:	in: EVENTLINE_FD_* (LINE_OPEN only), and EVENTLINE_REF_*
 *		(LINE_OPEN and SUBSCRIBE; UNSUBSCRIBE takes no flags)
 * @id:		in: the line id, or 0 to look the line up by @name;
 *		out: the id of the line found
 * @name:	in: NUL-terminated name when @id is 0, else must be empty
 * @owner_uid:	in: with EVENTLINE_REF_OWNER_UID, the uid (in the caller's
 *		user namespace) that must own the line; else must be 0
 * @priority:	SUBSCRIBE: in: the priority asked for, EVENTLINE_PRIORITY_MIN
 *		to EVENTLINE_PRIORITY_MAX; out: the priority granted (see "The
 *		chain").  LINE_OPEN and UNSUBSCRIBE: must be 0
 *
 * Used by EVENTLINE_IOC_LINE_OPEN (control fd; returns a poster fd, needs
 * write permission on the line), EVENTLINE_IOC_SUBSCRIBE (register fd; needs
 * read permission) and EVENTLINE_IOC_UNSUBSCRIBE (register fd; by id only).
 * Lines are found only in the caller's user namespace.  A subscription
 * receives the events posted after SUBSCRIBE returns, and none posted
 * before it.  UNSUBSCRIBE returns once every event posted before it has
 * reached the register; what is queued stays queued and is read as usual,
 * with an OVERFLOW record for losses not yet reported.  A register whose
 * stream has ended (read() gave 0) may subscribe again, and is live until
 * that subscription ends too.  SUBSCRIBE returns 0, or
 * EVENTLINE_PRIORITY_CAPPED when it granted a lower priority than asked.
 *
 * Errors: -ENOENT no such line in the caller's user namespace, or it has
 * closed, or its mode grants the caller neither read nor write, or
 * (UNSUBSCRIBE) the register is not subscribed to it; -EACCES the mode
 * denies what the caller asked for, or the owner is not the one expected;
 * -EINVAL both or neither of @id and @name given, bad name; -EEXIST
 * (SUBSCRIBE) already subscribed to this line; -ENOSPC (SUBSCRIBE) the
 * line has no subscription left for the caller (max_registers_per_line,
 * less owner_reserved_subs for others than the owner); -EDQUOT (SUBSCRIBE)
 * the caller's uid holds max_subs_per_user subscriptions of the line, or
 * (LINE_OPEN) the caller's user holds max_posters_per_user poster fds;
 * -ENOBUFS (SUBSCRIBE) the register's ring is too full to set aside room
 * for the line's META records (read, then retry).
 */
struct eventline_line_ref {
	__u32 size;
	__u32 flags;
	__u64 id;
	char name[EVENTLINE_NAME_MAX];
	__u32 owner_uid;
	__s32 priority;
};

/* SUBSCRIBE and PRIORITY: the priority granted is below the one asked. */
#define EVENTLINE_PRIORITY_CAPPED	1

/* Bits of eventline_line_info.line_flags. */
#define EVENTLINE_LINE_KERNEL_OWNED	(1U << 0)	/* created by kernel code */
#define EVENTLINE_LINE_CLOSED		(1U << 1)	/* its owner has closed it */

/**
 * struct eventline_line_info - EVENTLINE_IOC_LINE_INFO (line owner fd,
 *				poster fd, or register fd)
 * @size:	in: sizeof(struct eventline_line_info)
 * @flags:	in: must be 0
 * @id:		in (register fd): a line the register is subscribed to, or
 *		whose LINE_CLOSED or EVICTED record it has not read yet;
 *		out (line fds): the line's id
 * @owner_uid:	out: the owner, in the caller's user namespace (overflowuid
 *		when unmapped)
 * @owner_gid:	out: the line's group, likewise
 * @mode:	out: the line's permission bits
 * @line_flags:	out: EVENTLINE_LINE_*
 * @nr_subs:	out: subscriptions the line has now
 * @priority_ceiling: out: the highest priority anyone may take
 * @name:	out: the line's name, empty for an anonymous line
 *
 * Tells who stands behind a line, so a caller can check it before trusting
 * what it reads or posts.  Anyone holding an fd on the line may ask.
 *
 * Errors: -ENOENT (register fd) not subscribed to @id.
 */
struct eventline_line_info {
	__u32 size;
	__u32 flags;
	__u64 id;
	__u32 owner_uid;
	__u32 owner_gid;
	__u32 mode;
	__u32 line_flags;
	__u32 nr_subs;
	__s32 priority_ceiling;
	char name[EVENTLINE_NAME_MAX];
};

/* Bits of eventline_sub_info.sub_flags. */
#define EVENTLINE_SUB_OWNER		(1U << 0)	/* held by the owner's uid */

#define EVENTLINE_SUB_MINE		(1U << 1)	/* held by the caller's register */
#define EVENTLINE_SUB_HIDDEN		(1U << 2)	/* uid, pid withheld */
#define EVENTLINE_SUB_NICE		(1U << 3)	/* priority by CAP_SYS_NICE */
#define EVENTLINE_SUB_STAGE		(1U << 4)	/* may mutate: a stage */

/**
 * struct eventline_sub_info - one subscription, as EVENTLINE_IOC_LINE_SUBS
 *			       lists it
 * @sub_id:	a handle for GRANT and EVICT, never reused
 * @uid:	fsuid of the task that subscribed, in the caller's user
 *		namespace
 * @pid:	tgid of the register's creator in the caller's pid namespace,
 *		0 when it has exited or is not visible there
 * @sub_flags:	EVENTLINE_SUB_*
 * @priority:	its priority; entries come in chain order
 * @max_priority: what the owner granted it (EVENTLINE_PRIORITY_MIN: nothing
 *		beyond the ceiling)
 * @queued:	events waiting in its register (of all its lines)
 * @delivered:	events of this line copied into its register
 * @lost:	events of this line its register had no room for
 * @overflows:	overflow episodes charged to it since its priority was set
 * @demotions:	times the kernel demoted it
 * @forwarded:	(stages) events answered FORWARD
 * @mutated:	(stages) events answered REPLACE
 * @dropped:	(stages) events answered DROP
 * @timed_out:	(stages) events that went on unanswered
 *
 * Seen by the owner, every field is filled in.  Seen by a subscriber, uid
 * and pid of other uids' subscriptions read 0 with EVENTLINE_SUB_HIDDEN.
 */
struct eventline_sub_info {
	__u64 sub_id;
	__u32 uid;
	__u32 pid;
	__u32 sub_flags;
	__s32 priority;
	__s32 max_priority;
	__u32 queued;
	__u64 delivered;
	__u64 lost;
	__u32 overflows;
	__u32 demotions;
	__u32 forwarded;
	__u32 mutated;
	__u32 dropped;
	__u32 timed_out;
};

/**
 * struct eventline_line_subs - EVENTLINE_IOC_LINE_SUBS (line owner fd, or a
 *				register fd subscribed to the line)
 * @size:	in: sizeof(struct eventline_line_subs)
 * @flags:	in: must be 0
 * @count:	in: entries there is room for at @entries (may be 0);
 *		out: subscriptions the line has
 * @entry_size:	in: sizeof(struct eventline_sub_info); a multiple of 8 from
 *		EVENTLINE_SUB_INFO_SIZE_VER0 to 4096; fields beyond what the
 *		kernel knows are zeroed
 * @entries:	in: user pointer to the array
 * @line_id:	in (register fd): the line; ignored on the owner fd
 * @revision:	out: the chain's revision the list shows
 *
 * Lists the line's chain, in order, as one consistent snapshot.  Returns
 * the number of entries written: min(room, subscriptions).
 *
 * Errors: -EINVAL bad entry_size; -ENOENT (register fd) not subscribed to
 * @line_id.
 */
struct eventline_line_subs {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 entry_size;
	__u64 entries;
	__u64 line_id;
	__u64 revision;
};

/**
 * struct eventline_evict - EVENTLINE_IOC_EVICT (line owner fd)
 * @size:	in: sizeof(struct eventline_evict)
 * @flags:	in: must be 0
 * @sub_id:	in: from EVENTLINE_IOC_LINE_SUBS
 * @expected_rev: in: 0, or the chain revision the caller acts on (-ESTALE
 *		if the chain has changed since)
 *
 * Ends the subscription as if the line had closed for it alone: every
 * event posted before the call still reaches the register, then an
 * EVENTLINE_META_EVICTED record (line_id: this line, uid: the owner), the
 * last record the register receives from the line; end of stream follows
 * the LINE_CLOSED rules.  The register may subscribe again if the line's
 * mode allows it.
 *
 * Errors: -ENOENT no live subscription with this id on the line, -ESTALE.
 */
struct eventline_evict {
	__u32 size;
	__u32 flags;
	__u64 sub_id;
	__u64 expected_rev;
};

/**
 * struct eventline_priority - EVENTLINE_IOC_PRIORITY (register fd)
 * @size:	in: sizeof(struct eventline_priority)
 * @flags:	in: must be 0
 * @line_id:	in: a line the register is subscribed to
 * @priority:	in: the priority asked for, EVENTLINE_PRIORITY_MIN to
 *		EVENTLINE_PRIORITY_MAX; out: the priority granted
 * @result:	out: EVENTLINE_PRIORITY_CAPPED when less was granted
 * @expected_rev: in: 0, or the chain revision the caller acts on
 *
 * Moves the subscription to its place for the granted priority (see "The
 * chain"); events already queued stay queued.  Resets its overflow count.
 *
 * Errors: -EINVAL priority out of range; -ENOENT not subscribed to the
 * line; -ESTALE; -ENOBUFS the ring has no room to set aside for a
 * DEMOTED record (read, then retry); -ENOMEM.
 */
struct eventline_priority {
	__u32 size;
	__u32 flags;
	__u64 line_id;
	__s32 priority;
	__u32 result;
	__u64 expected_rev;
};

/**
 * struct eventline_grant - EVENTLINE_IOC_GRANT (line owner fd)
 * @size:	in: sizeof(struct eventline_grant)
 * @flags:	in: EVENTLINE_GRANT_MUTATE to make it a stage (without it, a
 *		stage stops being one)
 * @sub_id:	in: from EVENTLINE_IOC_LINE_SUBS
 * @max_priority: in: the highest priority the subscription may take,
 *		EVENTLINE_PRIORITY_MIN (nothing above the ceiling) to
 *		EVENTLINE_PRIORITY_MAX
 * @__reserved:	must be 0
 * @expected_rev: in: 0, or the chain revision the caller acts on
 *
 * Priority grants take effect on the subscription's next request; mutate
 * permission at once, for the events posted after.  Lowering a grant
 * that the subscription's priority depends on demotes it
 * (EVENTLINE_DEMOTE_REVOKED).
 *
 * Errors: -EINVAL max_priority out of range; -ENOENT no subscription with
 * this id on the line; -ESTALE.
 */
struct eventline_grant {
	__u32 size;
	__u32 flags;
	__u64 sub_id;
	__s32 max_priority;
	__u32 __reserved;
	__u64 expected_rev;
};

/**
 * struct eventline_retain_clear - EVENTLINE_IOC_RETAIN_CLEAR (line owner fd)
 * @size:	in: sizeof(struct eventline_retain_clear)
 * @flags:	in: must be 0
 * @types:	in: bit (1 << type) for each type whose retained event goes
 *
 * Returns the number of retained events dropped.  Registers that already
 * received them keep what they queued.
 */
struct eventline_retain_clear {
	__u32 size;
	__u32 flags;
	__u64 types;
};

/**
 * struct eventline_line_config - EVENTLINE_IOC_LINE_CONFIG (line owner fd)
 * @size:	in: sizeof(struct eventline_line_config)
 * @flags:	in: must be 0
 * @priority_ceiling: in: the highest priority anyone may take without a
 *		grant, EVENTLINE_PRIORITY_MIN to EVENTLINE_PRIORITY_MAX
 * @stage_timeout_ms: in: how long a stage may take to answer an event,
 *		1..60000, or 0 to leave it as it is
 *
 * The ceiling applies to requests from now on: priorities granted before
 * stand.  The timeout applies to events given to stages from now on.
 *
 * Errors: -EINVAL out of range.
 */
struct eventline_line_config {
	__u32 size;
	__u32 flags;
	__s32 priority_ceiling;
	__u32 stage_timeout_ms;
};

/**
 * struct eventline_register_create - EVENTLINE_IOC_REGISTER_CREATE (control fd)
 * @size:	in: sizeof(struct eventline_register_create)
 * @flags:	in: EVENTLINE_FD_* for the returned register fd, and
 *		EVENTLINE_REGISTER_WAKE_ALWAYS
 * @queue_len:	in: records the queue holds, 0 for default_queue_len,
 *		at most max_queue_len
 * @min_depth:	in: with EVENTLINE_REGISTER_DEPTH_FILTER, the shallowest
 *		event depth queued; else must be 0
 * @max_depth:	in: with EVENTLINE_REGISTER_DEPTH_FILTER, the deepest event
 *		depth queued (min_depth <= max_depth); else must be 0.  Events
 *		outside the range are skipped, not counted as lost; META
 *		records always come.
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
 * Ring room is set aside for the META records each subscription may
 * cause (its LINE_CLOSED or EVICTED record, and one DEMOTED record per
 * priority it takes) and for one OVERFLOW record, 72 bytes each, so META
 * records are never dropped.
 *
 * Errors: -EINVAL queue_len above max_queue_len, bad ring_size,
 * wakeup_records or wakeup_usec, unknown flags; -EDQUOT the caller's user
 * holds max_registers_per_user registers; -ENOMEM.
 */
struct eventline_register_create {
	__u32 size;
	__u32 flags;
	__u32 queue_len;
	__u16 min_depth;
	__u16 max_depth;
	__u32 ring_size;
	__u32 wakeup_records;
	__u32 wakeup_usec;
	__u32 __reserved2;
};

/**
 * struct eventline_post - EVENTLINE_IOC_POST (line owner or poster fd)
 * @size:	 in: sizeof(struct eventline_post)
 * @flags:	 in: EVENTLINE_POST_PARENT, EVENTLINE_POST_RETAIN
 * @type:	 in: event type, 0..EVENTLINE_TYPE_MAX
 * @parent_depth: in: with EVENTLINE_POST_PARENT, the depth of the event
 *		 this post handles (see "Nesting"); else must be 0
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
 * -ELOOP deeper than max_depth,
 * -EPIPE the line has closed (poster fds only), -EAGAIN see above,
 * -EINTR interrupted while waiting for staging room, -ENOMEM.
 */
struct eventline_post {
	__u32 size;
	__u32 flags;
	__u16 type;
	__u16 parent_depth;
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
 * @flags:	in: EVENTLINE_POST_PARENT or 0
 * @count:	in: entries at @entries, 1..max_post_batch
 * @entry_size:	in: sizeof(struct eventline_post_entry)
 * @entries:	in: user pointer to @count entries
 * @first_seq:	out: sequence number of the first event posted
 * @parent_depth: in: as for EVENTLINE_IOC_POST; every entry has the depth
 *		the batch's post gets
 * @__reserved0: must be 0
 * @__reserved1: must be 0
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
	__u16 parent_depth;
	__u16 __reserved0;
	__u32 __reserved1;
};

/**
 * struct eventline_record - header of each record read from a register
 * @size:	  bytes from this header to the next record (header, payload
 *		  and zero padding to a multiple of 8)
 * @category:	  EVENTLINE_CAT_*
 * @type:	  type within the category
 * @flags:	  EVENTLINE_RECORD_*; readers must ignore unknown bits
 * @depth:	  nesting depth of the post (0 for a top-level post; see
 *		  "Nesting")
 * @header_size:  bytes of this header; the payload starts this far from
 *		  the start of the record (a later ABI may append header fields)
 * @seq:	  sequence number on its line (0 for META records)
 * @line_id:	  the line; for META records the line they are about
 *		  (LINE_CLOSED, EVICTED), 0 for OVERFLOW, which is about the
 *		  register
 * @timestamp_ns: CLOCK_MONOTONIC time of the post (of the loss, close or
 *		  eviction for META records), in the time namespace of the
 *		  register's creator.  Monotonic within one line; records of
 *		  different lines may interleave out of time order.
 * @pid:	  poster's thread-group id in the pid namespace of the
 *		  register's creator, taken when the event was delivered to
 *		  the register; 0 when not visible there, not from a process
 *		  (kernel code's posts) or a META record
 * @uid:	  poster's euid in the user namespace of the register's
 *		  creator (overflowuid when unmapped); for LINE_CLOSED and
 *		  EVICTED the line's owner, for OVERFLOW 0
 * @payload_len:  bytes of payload following this header
 * @mutations:	  stages that changed the payload before this register
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
	__u16 mutations;
	__u16 __reserved1;
};

/*
 * Payload of an EVENTLINE_META_OVERFLOW record.  Two OVERFLOW records may
 * come in a row: losses after the first was written, while the ring had no
 * room yet for the events that followed.
 */
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
#define EVENTLINE_IOC_LINE_INFO		_IO(EVENTLINE_IOC_MAGIC, 0x12)
#define EVENTLINE_IOC_LINE_SUBS		_IO(EVENTLINE_IOC_MAGIC, 0x13)
#define EVENTLINE_IOC_EVICT		_IO(EVENTLINE_IOC_MAGIC, 0x14)
#define EVENTLINE_IOC_PRIORITY		_IO(EVENTLINE_IOC_MAGIC, 0x15)
#define EVENTLINE_IOC_GRANT		_IO(EVENTLINE_IOC_MAGIC, 0x16)
#define EVENTLINE_IOC_LINE_CONFIG	_IO(EVENTLINE_IOC_MAGIC, 0x17)
#define EVENTLINE_IOC_RETAIN_CLEAR	_IO(EVENTLINE_IOC_MAGIC, 0x18)
#define EVENTLINE_IOC_MUTATE		_IO(EVENTLINE_IOC_MAGIC, 0x19)
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
#define EVENTLINE_LINE_INFO_SIZE_VER0		104
#define EVENTLINE_SUB_INFO_SIZE_VER0		24
#define EVENTLINE_LINE_SUBS_SIZE_VER0		24
#define EVENTLINE_EVICT_SIZE_VER0		16
#define EVENTLINE_PRIORITY_SIZE_VER0		32
#define EVENTLINE_GRANT_SIZE_VER0		32
#define EVENTLINE_LINE_CONFIG_SIZE_VER0		16
#define EVENTLINE_RETAIN_CLEAR_SIZE_VER0	16
#define EVENTLINE_MUTATE_SIZE_VER0		48

#endif /* _UAPI_LINUX_EVENTLINE_H */
