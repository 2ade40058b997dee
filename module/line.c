// SPDX-License-Identifier: GPL-2.0
/*
 * Lines: creation, lookup, permissions, ownership and closing.
 *
 * A line lives as long as its owner file.  The owner fd (LINE_CREATE) and
 * poster fds (LINE_OPEN) both post (post.c); closing the owner closes the
 * line: it leaves the id and name tables, refuses further posts, and every
 * subscription receives its LINE_CLOSED record.  The struct itself is
 * reference counted (owner, poster fds, subscriptions, lookups in flight)
 * and freed after an RCU grace period because id lookups are lockless.
 *
 * The security model of the uapi header is enforced here: a line is found
 * only from its own user namespace; a caller its mode grants nothing is
 * told -ENOENT, as for a line that does not exist; ids are 64-bit and never
 * reused; a line is published only once its creation can no longer fail.
 *
 * LOCKING
 *
 * evl_lines_mutex (global, sleeping) protects the name table and updates of
 * the id table.  Only line creation, name lookup and close take it: never
 * posts or reads.  Id lookups walk the id table under RCU and take a
 * reference with kref_get_unless_zero().
 *
 * line->post_lock (raw spinlock, irqsave) numbers posts and hands them to
 * the line's deliverer, and orders the owner's close against posts: once
 * line->dead is set under it no post is accepted.  See deliver.c.
 *
 * line->chain_mutex protects the chain; see chain.c.
 *
 * evl_lines_mutex nests nothing of ours (only allocations).  line->dead is
 * written under post_lock and read under it or locklessly (lookup,
 * subscribe: a racing close then ends the subscription it let in, see
 * chain.c).  The full order is read_mutex -> reg->mutex ->
 * line->chain_mutex -> reg->lock, and line->chain_mutex -> post_lock.
 *
 * Only kernel code posts from interrupt context, and only post_lock is
 * taken there.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "args.h"
#include "chain.h"
#include "deliver.h"
#include "fd.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "retain.h"
#include "uring.h"

/* Well-known names: see the security model in the uapi header. */
#define EVL_KERNEL_NAME_PREFIX	"kernel."
#define EVL_SYS_NAME_PREFIX	"sys."

/* A poster fd: the line it posts on, and the user it is counted against. */
struct evl_poster {
	struct evl_line *line;
	struct evl_charge charge;
};

static DEFINE_MUTEX(evl_lines_mutex);
static DEFINE_HASHTABLE(evl_line_names, 8);
static DEFINE_HASHTABLE(evl_line_ids, 8);
/* Ids are never reused: 2^64 creates outlast any machine. */
static atomic64_t evl_last_line_id = ATOMIC64_INIT(0);

static const struct file_operations evl_line_owner_fops;
static const struct file_operations evl_line_poster_fops;

/*
 * A name is printable ASCII without blanks, NUL-terminated inside the
 * field, with only zeroes after the NUL: the tail may gain a meaning later.
 * Returns its length, 0 for an empty name, or -EINVAL.
 */
int evl_name_check(const char name[EVENTLINE_NAME_MAX])
{
	size_t len = strnlen(name, EVENTLINE_NAME_MAX);
	size_t i;

	if (len == EVENTLINE_NAME_MAX)
		return -EINVAL;
	/* Not isgraph(): the kernel's ctype table accepts Latin-1 too. */
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~')
			return -EINVAL;
	if (memchr_inv(name + len, 0, EVENTLINE_NAME_MAX - len))
		return -EINVAL;
	return len;
}

/* Names that only kernel code may give a line. */
bool evl_name_is_kernel(const char *name)
{
	return str_has_prefix(name, EVL_KERNEL_NAME_PREFIX);
}

static u32 evl_name_hash(const struct user_namespace *ns, const char *name)
{
	return full_name_hash(ns, name, strlen(name));
}

/* Caller holds evl_lines_mutex. */
static struct evl_line *evl_name_find(const struct user_namespace *ns,
				      const char *name)
{
	struct evl_line *line;

	lockdep_assert_held(&evl_lines_mutex);
	hash_for_each_possible(evl_line_names, line, name_node,
			       evl_name_hash(ns, name))
		if (line->user_ns == ns && !strcmp(line->name, name))
			return line;
	return NULL;
}

/* Under RCU; the caller takes a reference before leaving it. */
static struct evl_line *evl_id_find(u64 id)
{
	struct evl_line *line;

	hash_for_each_possible_rcu(evl_line_ids, line, id_node, id)
		if (line->id == id)
			return line;
	return NULL;
}

/*
 * Make @line findable by id and name: the last step of creating it, so
 * nobody can find a line whose creation then fails.
 */
int evl_line_publish(struct evl_line *line)
{
	int err = 0;

	mutex_lock(&evl_lines_mutex);
	if (line->name[0] && evl_name_find(line->user_ns, line->name)) {
		err = -EEXIST;
	} else {
		hash_add_rcu(evl_line_ids, &line->id_node, line->id);
		if (line->name[0])
			hash_add(evl_line_names, &line->name_node,
				 evl_name_hash(line->user_ns, line->name));
	}
	mutex_unlock(&evl_lines_mutex);
	return err;
}

static void evl_line_unpublish(struct evl_line *line)
{
	mutex_lock(&evl_lines_mutex);
	if (hash_hashed(&line->id_node)) {
		hash_del_rcu(&line->id_node);
		if (line->name[0])
			hash_del(&line->name_node);
	}
	mutex_unlock(&evl_lines_mutex);
}

static void evl_line_free(struct kref *ref)
{
	struct evl_line *line = container_of(ref, struct evl_line, ref);

	WARN_ON_ONCE(rcu_access_pointer(line->chain));
	evl_line_deliver_destroy(line);
	put_user_ns(line->user_ns);
	kfree_rcu(line, rcu);
}

void evl_line_put(struct evl_line *line)
{
	kref_put(&line->ref, evl_line_free);
}

/*
 * Close the line: no new lookups, no new posts, every event already posted
 * delivered, then every subscriber told.  Runs once, when the owner lets
 * go (or creation fails before the line was published), and drops the
 * owner's reference.
 */
void evl_line_close(struct evl_line *line)
{
	evl_line_unpublish(line);
	evl_ucount_uncharge(&line->charge);
	evl_line_quiesce(line);
	evl_chain_close(line);
	/* No delivery is left to find a subscription overflowing. */
	cancel_work_sync(&line->demote_work);
	/* Nobody can subscribe any more to be given them. */
	evl_retain_clear(line, U64_MAX);
	/* Subscriptions may keep the struct a while; not its staging ring. */
	evl_line_deliver_destroy(line);
	evl_line_put(line);
}

/**
 * evl_line_new() - allocate an unpublished line
 * @name:	its name, already checked, or "" for none
 * @mode:	permission bits, already checked
 * @uid:	owner
 * @gid:	owner's group
 * @user_ns:	where the line lives (names unique, lookups possible); a
 *		reference is taken
 * @staging_size: bytes of staging ring, a power of two >= PAGE_SIZE
 * @gfp:	GFP_KERNEL_ACCOUNT for a user's line, charged to its creator
 *
 * The line gets its id here, so ids follow creation order.
 *
 * Return: the line with one reference (the owner's), or NULL.
 */
struct evl_line *evl_line_new(const char *name, umode_t mode, kuid_t uid,
			      kgid_t gid, struct user_namespace *user_ns,
			      u32 staging_size, gfp_t gfp)
{
	struct evl_line *line;

	line = kzalloc(sizeof(*line), gfp);
	if (!line)
		return NULL;
	if (evl_line_deliver_init(line, staging_size, gfp)) {
		kfree(line);
		return NULL;
	}
	kref_init(&line->ref);
	line->id = atomic64_inc_return(&evl_last_line_id);
	line->mode = mode;
	line->uid = uid;
	line->gid = gid;
	line->user_ns = get_user_ns(user_ns);
	INIT_HLIST_NODE(&line->id_node);
	mutex_init(&line->chain_mutex);
	line->priority_ceiling = evl_priority_ceiling;
	line->stage_timeout_ns = (u64)evl_stage_timeout_ms * NSEC_PER_MSEC;
	INIT_WORK(&line->demote_work, evl_chain_demote_work);
	strscpy(line->name, name, sizeof(line->name));
	return line;
}

/*
 * Like a file's permission check: owner, group, then other bits, with
 * CAP_DAC_OVERRIDE in the line's user namespace overriding, as for an inode,
 * only when the owner's uid and gid are mapped in that namespace.
 *
 * Return: 0; -EACCES when the mode grants the caller read or write but not
 * all of @may_mask; -ENOENT when it grants neither, so that the caller
 * cannot tell the line from one that does not exist.
 */
static int evl_line_permission(const struct evl_line *line, int may_mask)
{
	umode_t mode = line->mode;

	if (uid_eq(current_fsuid(), line->uid))
		mode >>= 6;
	else if (in_group_p(line->gid))
		mode >>= 3;
	mode &= MAY_READ | MAY_WRITE;

	if (!(may_mask & ~mode))
		return 0;
	if (kuid_has_mapping(line->user_ns, line->uid) &&
	    kgid_has_mapping(line->user_ns, line->gid) &&
	    ns_capable(line->user_ns, CAP_DAC_OVERRIDE))
		return 0;
	return mode ? -EACCES : -ENOENT;
}

/* The owner the caller insists on, if it does (EVENTLINE_REF_*). */
static int evl_line_check_owner(const struct evl_line *line,
				const struct eventline_line_ref *ref)
{
	if (ref->flags & EVENTLINE_REF_KERNEL_OWNED && !line->kernel_owned)
		return -EACCES;
	if (ref->flags & EVENTLINE_REF_OWNER_UID &&
	    !uid_eq(make_kuid(current_user_ns(), ref->owner_uid), line->uid))
		return -EACCES;
	return 0;
}

/* A line by id or name, in the caller's user namespace, referenced. */
static struct evl_line *evl_line_find(const struct eventline_line_ref *ref)
{
	struct user_namespace *ns = current_user_ns();
	struct evl_line *line;

	if (ref->id) {
		rcu_read_lock();
		line = evl_id_find(ref->id);
		if (line && (line->user_ns != ns ||
			     !kref_get_unless_zero(&line->ref)))
			line = NULL;
		rcu_read_unlock();
	} else {
		mutex_lock(&evl_lines_mutex);
		line = evl_name_find(ns, ref->name);
		if (line)
			kref_get(&line->ref);
		mutex_unlock(&evl_lines_mutex);
	}
	return line;
}

/**
 * evl_line_lookup() - find the line a caller's line reference names
 * @ref:	filled with the caller's struct; on success @ref->id is the
 *		line's id
 * @uref:	the caller's struct eventline_line_ref
 * @valid_flags: the flags this command accepts in @ref->flags
 * @may_mask:	MAY_READ to subscribe, MAY_WRITE to post
 * @usize:	set to the caller's struct size, if not NULL
 *
 * Return: the line with a reference held, or an error from copying the
 * struct in, ERR_PTR(-EINVAL) for unknown flags, a non-zero reserved field
 * or owner_uid without its flag, and when @ref gives both or neither of id
 * and name; -ENOENT, -EACCES as the security model says.
 */
struct evl_line *evl_line_lookup(struct eventline_line_ref *ref,
				 const void __user *uref, u32 valid_flags,
				 int may_mask, int *usize)
{
	struct evl_line *line;
	int len, err;

	err = evl_args_from_user(ref, sizeof(*ref),
				 EVENTLINE_LINE_REF_SIZE_VER0, uref);
	if (err < 0)
		return ERR_PTR(err);
	if (usize)
		*usize = err;
	if (ref->flags & ~valid_flags ||
	    (ref->owner_uid && !(ref->flags & EVENTLINE_REF_OWNER_UID)))
		return ERR_PTR(-EINVAL);
	/* Only SUBSCRIBE takes a priority; its caller checks the range. */
	if (ref->priority && may_mask != MAY_READ)
		return ERR_PTR(-EINVAL);

	len = evl_name_check(ref->name);
	if (len < 0 || !ref->id == !len)
		return ERR_PTR(-EINVAL);

	line = evl_line_find(ref);
	if (!line)
		return ERR_PTR(-ENOENT);
	/* Found just before its owner closed it: as good as gone. */
	err = READ_ONCE(line->dead) ? -ENOENT : evl_line_permission(line, may_mask);
	if (!err)
		err = evl_line_check_owner(line, ref);
	if (err) {
		evl_line_put(line);
		return ERR_PTR(err);
	}
	ref->id = line->id;
	return line;
}

/* The well-known names and the create_gid parameter; see the uapi header. */
static int evl_line_may_create(const char *name)
{
	if (evl_name_is_kernel(name))
		return -EPERM;
	if (str_has_prefix(name, EVL_SYS_NAME_PREFIX) &&
	    !ns_capable(current_user_ns(), CAP_SYS_ADMIN))
		return -EPERM;
	if (evl_create_gid >= 0 &&
	    !in_group_p(make_kgid(&init_user_ns, evl_create_gid)) &&
	    !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

long evl_line_create(void __user *uarg)
{
	struct eventline_line_create __user *ucreate = uarg;
	struct eventline_line_create args;
	struct evl_new_fd nfd;
	struct evl_line *line;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_LINE_CREATE_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags & ~EVL_LINE_CREATE_FLAGS ||
	    args.mode & ~EVL_LINE_MODES ||
	    args.__reserved || evl_name_check(args.name) < 0)
		return -EINVAL;
	err = evl_line_may_create(args.name);
	if (err)
		return err;

	/* As mq_open() does: the umask applies to what the creator asks for. */
	line = evl_line_new(args.name, args.mode & ~current_umask(),
			    current_fsuid(), current_fsgid(), current_user_ns(),
			    EVL_USER_STAGING_SIZE, EVL_GFP_USER_SIZED);
	if (!line)
		return -ENOMEM;
	err = evl_ucount_charge(&line->charge, EVL_UCOUNT_LINES);
	if (err) {
		evl_line_put(line);
		return err;
	}

	/* From here on the file owns the line: undo through evl_fd_abort(). */
	err = evl_fd_prepare(&nfd, "[eventline-line]", &evl_line_owner_fops,
			     line, O_RDWR, args.flags);
	if (err) {
		evl_line_close(line);
		return err;
	}
	if (put_user(line->id, &ucreate->id)) {
		err = -EFAULT;
		goto abort;
	}
	err = evl_line_publish(line);
	if (err)
		goto abort;
	return evl_fd_install(&nfd);

abort:
	evl_fd_abort(&nfd);
	return err;
}

long evl_line_open(void __user *uarg)
{
	struct eventline_line_ref __user *uref = uarg;
	struct eventline_line_ref args;
	struct evl_poster *poster;
	struct evl_new_fd nfd;
	struct evl_line *line;
	int err;

	line = evl_line_lookup(&args, uarg, EVL_LINE_OPEN_FLAGS, MAY_WRITE,
			       NULL);
	if (IS_ERR(line))
		return PTR_ERR(line);

	poster = kzalloc(sizeof(*poster), GFP_KERNEL_ACCOUNT);
	if (!poster) {
		evl_line_put(line);
		return -ENOMEM;
	}
	poster->line = line;
	err = evl_ucount_charge(&poster->charge, EVL_UCOUNT_POSTERS);
	if (err) {
		kfree(poster);
		evl_line_put(line);
		return err;
	}

	/* From here on the file owns the poster: undo through evl_fd_abort(). */
	err = evl_fd_prepare(&nfd, "[eventline-line]", &evl_line_poster_fops,
			     poster, O_RDWR, args.flags & EVL_FD_FLAGS);
	if (err) {
		evl_ucount_uncharge(&poster->charge);
		kfree(poster);
		evl_line_put(line);
		return err;
	}
	if (put_user(args.id, &uref->id)) {
		evl_fd_abort(&nfd);
		return -EFAULT;
	}
	return evl_fd_install(&nfd);
}

/* The line behind an owner or poster fd. */
struct evl_line *evl_file_line(struct file *file)
{
	if (file->f_op == &evl_line_poster_fops) {
		struct evl_poster *poster = file->private_data;

		return poster->line;
	}
	return file->private_data;
}

/**
 * evl_line_info_args() - read EVENTLINE_IOC_LINE_INFO's argument
 * @args:	the kernel copy
 * @uarg:	the caller's struct eventline_line_info
 *
 * Return: the caller's size, or -errno.
 */
int evl_line_info_args(struct eventline_line_info *args, void __user *uarg)
{
	int usize;

	usize = evl_args_from_user(args, sizeof(*args),
				   EVENTLINE_LINE_INFO_SIZE_VER0, uarg);
	if (usize >= 0 && args->flags)
		return -EINVAL;
	return usize;
}

/**
 * evl_line_info_to_user() - answer EVENTLINE_IOC_LINE_INFO about @line
 * @line:	the line
 * @uarg:	the caller's struct eventline_line_info
 * @usize:	its size, from evl_line_info_args()
 *
 * Return: 0 or -EFAULT.
 */
int evl_line_info_to_user(const struct evl_line *line, void __user *uarg,
			  int usize)
{
	struct user_namespace *ns = current_user_ns();
	struct eventline_line_info info = {
		.id = line->id,
		.owner_uid = from_kuid_munged(ns, line->uid),
		.owner_gid = from_kgid_munged(ns, line->gid),
		.mode = line->mode,
		.nr_subs = READ_ONCE(line->nr_subs),
		.priority_ceiling = READ_ONCE(line->priority_ceiling),
	};

	if (line->kernel_owned)
		info.line_flags |= EVENTLINE_LINE_KERNEL_OWNED;
	if (READ_ONCE(line->dead))
		info.line_flags |= EVENTLINE_LINE_CLOSED;
	strscpy(info.name, line->name, sizeof(info.name));
	return evl_args_to_user(uarg, &info, sizeof(info), usize);
}

static long evl_line_info(struct evl_line *line, void __user *uarg)
{
	struct eventline_line_info args;
	int usize;

	usize = evl_line_info_args(&args, uarg);
	if (usize < 0)
		return usize;
	return evl_line_info_to_user(line, uarg, usize);
}

/**
 * evl_line_subs_args() - read EVENTLINE_IOC_LINE_SUBS's argument
 * @args:	the kernel copy
 * @uarg:	the caller's struct eventline_line_subs
 *
 * Return: the caller's size, or -errno.
 */
int evl_line_subs_args(struct eventline_line_subs *args, void __user *uarg)
{
	int usize;

	usize = evl_args_from_user(args, sizeof(*args),
				   EVENTLINE_LINE_SUBS_SIZE_VER0, uarg);
	if (usize < 0)
		return usize;
	if (args->flags || args->entry_size < EVENTLINE_SUB_INFO_SIZE_VER0 ||
	    args->entry_size > PAGE_SIZE ||
	    args->entry_size % EVENTLINE_RECORD_ALIGN)
		return -EINVAL;
	return usize;
}

/**
 * evl_line_subs_to_user() - answer EVENTLINE_IOC_LINE_SUBS about @line
 * @line:	the line
 * @viewer:	the subscriber's register asking, or NULL for the owner
 * @args:	from evl_line_subs_args()
 * @uarg:	the caller's struct
 * @usize:	its size
 *
 * Return: entries written, or -errno.
 */
long evl_line_subs_to_user(struct evl_line *line,
			   const struct evl_register *viewer,
			   struct eventline_line_subs *args, void __user *uarg,
			   int usize)
{
	struct eventline_sub_info *infos = NULL;
	void __user *uent = u64_to_user_ptr(args->entries);
	u32 room, written, i;
	int err = 0;

	/* A line never has more subscriptions than this. */
	room = min(args->count, evl_max_registers_per_line);
	if (room) {
		infos = kvcalloc(room, sizeof(*infos), GFP_KERNEL_ACCOUNT);
		if (!infos)
			return -ENOMEM;
	}
	written = evl_chain_list(line, viewer, infos, room, &args->count,
				 &args->revision);

	for (i = 0; i < written && !err; i++, uent += args->entry_size) {
		size_t len = min_t(size_t, args->entry_size, sizeof(*infos));

		if (copy_to_user(uent, &infos[i], len) ||
		    clear_user(uent + len, args->entry_size - len))
			err = -EFAULT;
	}
	kvfree(infos);
	if (!err)
		err = evl_args_to_user(uarg, args, sizeof(*args), usize);
	return err ?: written;
}

static long evl_line_subs(struct evl_line *line, void __user *uarg)
{
	struct eventline_line_subs args;
	int usize;

	usize = evl_line_subs_args(&args, uarg);
	if (usize < 0)
		return usize;
	return evl_line_subs_to_user(line, NULL, &args, uarg, usize);
}

/* EVENTLINE_IOC_EVICT: the owner ends one subscription. */
static long evl_line_evict(struct evl_line *line, void __user *uarg)
{
	struct eventline_evict args;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_EVICT_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags)
		return -EINVAL;
	return evl_chain_evict(line, args.sub_id, args.expected_rev);
}

static bool evl_priority_valid(s32 priority)
{
	return priority >= EVENTLINE_PRIORITY_MIN &&
	       priority <= EVENTLINE_PRIORITY_MAX;
}

/* EVENTLINE_IOC_GRANT: the owner sets what one subscription may take. */
static long evl_line_grant(struct evl_line *line, void __user *uarg)
{
	struct eventline_grant args;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_GRANT_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags & ~EVENTLINE_GRANT_MUTATE || args.__reserved ||
	    !evl_priority_valid(args.max_priority))
		return -EINVAL;
	return evl_chain_grant(line, args.sub_id, args.max_priority,
			       args.flags & EVENTLINE_GRANT_MUTATE,
			       args.expected_rev);
}

/* EVENTLINE_IOC_RETAIN_CLEAR: the owner drops retained events. */
static long evl_line_retain_clear(struct evl_line *line, void __user *uarg)
{
	struct eventline_retain_clear args;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_RETAIN_CLEAR_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags)
		return -EINVAL;
	return evl_retain_clear(line, args.types);
}

/* EVENTLINE_IOC_LINE_CONFIG: the owner sets the ceiling and the timeout. */
static long evl_line_config(struct evl_line *line, void __user *uarg)
{
	struct eventline_line_config args;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_LINE_CONFIG_SIZE_VER0, uarg);
	if (err < 0)
		return err;
	if (args.flags || !evl_priority_valid(args.priority_ceiling) ||
	    args.stage_timeout_ms > EVL_STAGE_TIMEOUT_CEILING)
		return -EINVAL;
	evl_chain_set_ceiling(line, args.priority_ceiling);
	if (args.stage_timeout_ms)
		WRITE_ONCE(line->stage_timeout_ns,
			   (u64)args.stage_timeout_ms * NSEC_PER_MSEC);
	return 0;
}

/**
 * evl_priority_check() - whether a requested priority is in range
 * @priority:	the request
 *
 * Return: 0 or -EINVAL.
 */
int evl_priority_check(s32 priority)
{
	return evl_priority_valid(priority) ? 0 : -EINVAL;
}

static long evl_line_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct evl_line *line = evl_file_line(file);
	void __user *uarg = (void __user *)arg;
	bool owner = file->f_op == &evl_line_owner_fops;

	switch (cmd) {
	case EVENTLINE_IOC_LINE_INFO:
		return evl_line_info(line, uarg);
	case EVENTLINE_IOC_LINE_SUBS:
		return owner ? evl_line_subs(line, uarg) : -ENOTTY;
	case EVENTLINE_IOC_EVICT:
		return owner ? evl_line_evict(line, uarg) : -ENOTTY;
	case EVENTLINE_IOC_GRANT:
		return owner ? evl_line_grant(line, uarg) : -ENOTTY;
	case EVENTLINE_IOC_LINE_CONFIG:
		return owner ? evl_line_config(line, uarg) : -ENOTTY;
	case EVENTLINE_IOC_RETAIN_CLEAR:
		return owner ? evl_line_retain_clear(line, uarg) : -ENOTTY;
	default:
		return evl_line_post_cmd(file, cmd, uarg,
					 file->f_flags & O_NONBLOCK);
	}
}

static int evl_line_owner_release(struct inode *inode, struct file *file)
{
	evl_line_close(file->private_data);
	return 0;
}

static int evl_line_poster_release(struct inode *inode, struct file *file)
{
	struct evl_poster *poster = file->private_data;

	evl_ucount_uncharge(&poster->charge);
	evl_line_put(poster->line);
	kfree(poster);
	return 0;
}

static void evl_line_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct evl_line *line = evl_file_line(file);

	seq_printf(m, "eventline-line:\t%llu\n", line->id);
	seq_printf(m, "name:\t%s\n", line->name);
	seq_printf(m, "owner:\t%s\n",
		   file->f_op == &evl_line_owner_fops ? "yes" : "no");
	seq_printf(m, "mode:\t%04o\n", line->mode);
	seq_printf(m, "uid:\t%u\n", from_kuid_munged(seq_user_ns(m), line->uid));
	seq_printf(m, "gid:\t%u\n", from_kgid_munged(seq_user_ns(m), line->gid));
	seq_printf(m, "registers:\t%u\n", READ_ONCE(line->nr_subs));
	seq_printf(m, "seq:\t%llu\n", READ_ONCE(line->seq));
	seq_printf(m, "staging_size:\t%u\n", line->staging.size);
	seq_printf(m, "staging_drops:\t%llu\n", READ_ONCE(line->staging_drops));
}

static const struct file_operations evl_line_owner_fops = {
	.owner		= THIS_MODULE,
	.release	= evl_line_owner_release,
	.unlocked_ioctl	= evl_line_ioctl,
	.uring_cmd	= evl_uring_cmd,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= evl_line_show_fdinfo,
};

static const struct file_operations evl_line_poster_fops = {
	.owner		= THIS_MODULE,
	.release	= evl_line_poster_release,
	.unlocked_ioctl	= evl_line_ioctl,
	.uring_cmd	= evl_uring_cmd,
	.compat_ioctl	= compat_ptr_ioctl,
	.show_fdinfo	= evl_line_show_fdinfo,
};

/* Called at module exit, when no file can hold a line any more. */
void evl_lines_exit(void)
{
	WARN_ON(!hash_empty(evl_line_ids));
}
