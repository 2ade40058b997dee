// SPDX-License-Identifier: GPL-2.0
/*
 * Lines: creation, lookup, permissions, posting, and closing.
 *
 * A line lives as long as its owner file.  The owner fd (LINE_CREATE) and
 * poster fds (LINE_OPEN) both post; closing the owner closes the line:
 * it leaves the id and name tables, refuses further posts, and every
 * subscription receives its LINE_CLOSED record.  The struct itself is
 * reference counted (owner, poster fds, subscriptions, lookups in flight)
 * and freed after an RCU grace period because id lookups are lockless.
 *
 * LOCKING
 *
 * evl_lines_mutex (global, sleeping) protects the name table and the
 * per-user line counts.  Only line creation, name lookup and close take it:
 * never posts or reads.
 *
 * evl_lines (xarray) maps ids to lines; its own lock serialises updates and
 * lookups run under RCU, taking a reference with kref_get_unless_zero().
 *
 * line->post_lock (raw spinlock, irqsave) numbers posts and hands them to
 * the line's deliverer, and orders the owner's close against posts: once
 * line->dead is set under it no post is accepted.  See deliver.c.
 *
 * line->lock protects the chain; see chain.c.
 *
 * evl_lines_mutex nests nothing of ours (only the xarray's lock and
 * allocations).  line->post_lock and line->lock are never held together.
 * line->dead is written under post_lock and read under it or locklessly
 * (lookup, subscribe: a racing close then ends the subscription it let
 * in, see chain.c).  The full order is read_mutex -> reg->mutex ->
 * line->lock -> reg->lock.
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
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "args.h"
#include "chain.h"
#include "deliver.h"
#include "event.h"
#include "fd.h"
#include "flags.h"
#include "limits.h"
#include "line.h"
#include "uring.h"

/* Lines one user owns, for max_lines_per_user. */
struct evl_user {
	struct hlist_node node;
	kuid_t uid;
	unsigned int nr_lines;
};

static DEFINE_MUTEX(evl_lines_mutex);
static DEFINE_HASHTABLE(evl_line_names, 8);
static DEFINE_HASHTABLE(evl_users, 6);
static DEFINE_XARRAY_ALLOC1(evl_lines);
static u32 evl_next_line_id;

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

/* Count one more line against its owner's limit; caller holds the mutex. */
static int evl_user_charge(struct evl_line *line)
{
	struct evl_user *user;

	lockdep_assert_held(&evl_lines_mutex);
	hash_for_each_possible(evl_users, user, node, __kuid_val(line->uid))
		if (uid_eq(user->uid, line->uid))
			goto found;

	user = kzalloc(sizeof(*user), GFP_KERNEL_ACCOUNT);
	if (!user)
		return -ENOMEM;
	user->uid = line->uid;
	hash_add(evl_users, &user->node, __kuid_val(user->uid));
found:
	/* A new user has no lines, and max_lines_per_user is at least 1. */
	if (user->nr_lines >= evl_max_lines_per_user)
		return -EMFILE;
	user->nr_lines++;
	line->user = user;
	return 0;
}

static void evl_user_uncharge(struct evl_line *line)
{
	struct evl_user *user = line->user;

	lockdep_assert_held(&evl_lines_mutex);
	if (!user || --user->nr_lines)
		return;
	hash_del(&user->node);
	kfree(user);
}

/*
 * Make @line findable by id and name.  A line a user creates then counts
 * against that user's limit (@charge); kernel code's lines do not.
 */
static int evl_line_publish(struct evl_line *line, bool charge)
{
	int err;

	mutex_lock(&evl_lines_mutex);
	if (line->name[0] && evl_name_find(line->user_ns, line->name)) {
		err = -EEXIST;
		goto out;
	}
	if (charge) {
		err = evl_user_charge(line);
		if (err)
			goto out;
	}
	err = xa_alloc_cyclic(&evl_lines, &line->id, line, xa_limit_32b,
			      &evl_next_line_id, GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		evl_user_uncharge(line);
		goto out;
	}
	err = 0;
	if (line->name[0])
		hash_add(evl_line_names, &line->name_node,
			 evl_name_hash(line->user_ns, line->name));
out:
	mutex_unlock(&evl_lines_mutex);
	return err;
}

static void evl_line_unpublish(struct evl_line *line)
{
	mutex_lock(&evl_lines_mutex);
	xa_erase(&evl_lines, line->id);
	if (line->name[0])
		hash_del(&line->name_node);
	evl_user_uncharge(line);
	mutex_unlock(&evl_lines_mutex);
}

static void evl_line_free(struct kref *ref)
{
	struct evl_line *line = container_of(ref, struct evl_line, ref);

	WARN_ON_ONCE(!list_empty(&line->chain));
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
 * go (or creation fails after the line was published), and drops the
 * owner's reference.
 */
void evl_line_close(struct evl_line *line)
{
	evl_line_unpublish(line);
	evl_line_quiesce(line);
	evl_chain_close(line);
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
 * @user_ns:	where @name is unique; a reference is taken
 * @staging_size: bytes of staging ring, a power of two >= PAGE_SIZE
 * @gfp:	GFP_KERNEL_ACCOUNT for a user's line, charged to its creator
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
	line->mode = mode;
	line->uid = uid;
	line->gid = gid;
	line->user_ns = get_user_ns(user_ns);
	spin_lock_init(&line->lock);
	INIT_LIST_HEAD(&line->chain);
	strscpy(line->name, name, sizeof(line->name));
	return line;
}

/* Publish a kernel code's line; see kapi.c. */
int evl_line_publish_kernel(struct evl_line *line)
{
	return evl_line_publish(line, false);
}

/*
 * Like a file's permission check: owner, group, then other bits, with
 * CAP_DAC_OVERRIDE in the line's user namespace overriding, as for an inode,
 * only when the owner's uid and gid are mapped in that namespace.
 */
static int evl_line_permission(const struct evl_line *line, int may_mask)
{
	umode_t mode = line->mode;

	if (uid_eq(current_fsuid(), line->uid))
		mode >>= 6;
	else if (in_group_p(line->gid))
		mode >>= 3;

	if (!(may_mask & ~mode & (MAY_READ | MAY_WRITE)))
		return 0;
	if (kuid_has_mapping(line->user_ns, line->uid) &&
	    kgid_has_mapping(line->user_ns, line->gid) &&
	    ns_capable(line->user_ns, CAP_DAC_OVERRIDE))
		return 0;
	return -EACCES;
}

/**
 * evl_line_lookup() - find the line a caller's line reference names
 * @ref:	filled with the caller's struct; on success @ref->id is the
 *		line's id
 * @uref:	the caller's struct eventline_line_ref
 * @valid_flags: the flags this command accepts in @ref->flags
 * @may_mask:	MAY_READ to subscribe, MAY_WRITE to post
 *
 * Return: the line with a reference held, or an error from copying the
 * struct in, ERR_PTR(-EINVAL) for unknown flags or when @ref gives both or
 * neither of id and name, -ENOENT, -EACCES.
 */
struct evl_line *evl_line_lookup(struct eventline_line_ref *ref,
				 const void __user *uref, u32 valid_flags,
				 int may_mask)
{
	struct evl_line *line = NULL;
	int len, err;

	err = evl_args_from_user(ref, sizeof(*ref),
				 EVENTLINE_LINE_REF_SIZE_VER0, uref);
	if (err < 0)
		return ERR_PTR(err);
	if (ref->flags & ~valid_flags)
		return ERR_PTR(-EINVAL);

	len = evl_name_check(ref->name);
	if (len < 0 || !ref->id == !len)
		return ERR_PTR(-EINVAL);

	if (ref->id) {
		rcu_read_lock();
		if (ref->id <= U32_MAX)
			line = xa_load(&evl_lines, ref->id);
		if (line && !kref_get_unless_zero(&line->ref))
			line = NULL;
		rcu_read_unlock();
	} else {
		mutex_lock(&evl_lines_mutex);
		line = evl_name_find(current_user_ns(), ref->name);
		if (line)
			kref_get(&line->ref);
		mutex_unlock(&evl_lines_mutex);
	}
	if (!line)
		return ERR_PTR(-ENOENT);
	/* Found just before its owner closed it: as good as gone. */
	if (READ_ONCE(line->dead)) {
		evl_line_put(line);
		return ERR_PTR(-ENOENT);
	}

	err = evl_line_permission(line, may_mask);
	if (err) {
		evl_line_put(line);
		return ERR_PTR(err);
	}
	ref->id = line->id;
	return line;
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

	line = evl_line_new(args.name, args.mode, current_fsuid(),
			    current_fsgid(), current_user_ns(),
			    EVL_USER_STAGING_SIZE, EVL_GFP_USER_SIZED);
	if (!line)
		return -ENOMEM;

	err = evl_line_publish(line, true);
	if (err) {
		evl_line_put(line);
		return err;
	}

	/* From here on the line is visible: undo through evl_line_close(). */
	err = evl_fd_prepare(&nfd, "[eventline-line]", &evl_line_owner_fops,
			     line, O_RDWR, args.flags);
	if (err) {
		evl_line_close(line);
		return err;
	}
	if (put_user((u64)line->id, &ucreate->id)) {
		evl_fd_abort(&nfd);
		return -EFAULT;
	}
	return evl_fd_install(&nfd);
}

long evl_line_open(void __user *uarg)
{
	struct eventline_line_ref __user *uref = uarg;
	struct eventline_line_ref args;
	struct evl_new_fd nfd;
	struct evl_line *line;
	int err;

	line = evl_line_lookup(&args, uarg, EVL_LINE_OPEN_FLAGS, MAY_WRITE);
	if (IS_ERR(line))
		return PTR_ERR(line);

	err = evl_fd_prepare(&nfd, "[eventline-line]", &evl_line_poster_fops,
			     line, O_RDWR, args.flags);
	if (err) {
		evl_line_put(line);
		return err;
	}
	if (put_user(args.id, &uref->id)) {
		evl_fd_abort(&nfd);
		return -EFAULT;
	}
	return evl_fd_install(&nfd);
}

/* Payloads up to this size are copied to the stack, larger ones to the heap. */
#define EVL_POST_STACK_PAYLOAD	256

/* An event of @type from the calling process, payload not yet attached. */
static void evl_user_event(struct evl_event *ev, u16 type, u32 payload_len)
{
	*ev = (struct evl_event) {
		.category = EVENTLINE_CAT_LINE,
		.type = type,
		.payload_len = payload_len,
		/* Stable while current runs; staging takes a reference. */
		.pid = task_tgid(current),
		.uid = current_euid(),
	};
}

static long evl_line_post(struct evl_line *line,
			  struct eventline_post __user *upost,
			  unsigned int flags)
{
	u8 stack_buf[EVL_POST_STACK_PAYLOAD];
	struct eventline_post args;
	struct evl_event ev;
	void *buf = NULL;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_POST_SIZE_VER0, upost);
	if (err < 0)
		return err;
	if (args.flags & ~EVL_POST_FLAGS || args.__reserved0 ||
	    args.type > EVENTLINE_TYPE_MAX)
		return -EINVAL;
	if (args.payload_len > evl_max_payload)
		return -EMSGSIZE;
	/* Written first, so a bad pointer fails before anything is posted. */
	if (put_user(0ULL, &upost->seq))
		return -EFAULT;

	evl_user_event(&ev, args.type, args.payload_len);
	if (args.payload_len > sizeof(stack_buf)) {
		buf = kvmalloc(args.payload_len, EVL_GFP_USER_SIZED);
		if (!buf)
			return -ENOMEM;
	}
	ev.payload = buf ?: stack_buf;
	if (copy_from_user((void *)ev.payload, u64_to_user_ptr(args.payload),
			   args.payload_len))
		err = -EFAULT;
	else
		err = evl_post_events(line, &ev, 1, flags);
	kvfree(buf);
	if (err)
		return err;
	/*
	 * Probed above, so only a racing munmap can make this fault; the
	 * event is posted either way and the call reports that.
	 */
	put_user(ev.seq, &upost->seq);
	return 0;
}

/* The entries of a batch and their payloads, copied in and checked. */
struct evl_batch {
	struct eventline_post_entry *ents;
	struct evl_event *evs;
	void *payloads;
};

static void evl_batch_free(struct evl_batch *b)
{
	kvfree(b->ents);
	kvfree(b->evs);
	kvfree(b->payloads);
}

/* Copy in and check every entry: nothing is posted until all are good. */
static int evl_batch_entries_from_user(struct evl_batch *b,
				       const struct eventline_post_batch *args,
				       size_t *total)
{
	const void __user *uent = u64_to_user_ptr(args->entries);
	unsigned int i;
	int err;

	*total = 0;
	/* Entries of the size this module knows come in with one copy. */
	if (args->entry_size == sizeof(*b->ents) &&
	    copy_from_user(b->ents, uent, args->count * sizeof(*b->ents)))
		return -EFAULT;
	for (i = 0; i < args->count; i++, uent += args->entry_size) {
		struct eventline_post_entry *ent = &b->ents[i];

		if (args->entry_size != sizeof(*ent)) {
			err = copy_struct_from_user(ent, sizeof(*ent), uent,
						    args->entry_size);
			if (err)
				return err;
		}
		if (ent->flags || ent->type > EVENTLINE_TYPE_MAX)
			return -EINVAL;
		if (ent->payload_len > evl_max_payload)
			return -EMSGSIZE;
		*total += ent->payload_len;
		if (*total > EVL_MAX_POST_BATCH_BYTES)
			return -EMSGSIZE;
	}
	return 0;
}

/*
 * Copy the payloads in, one copy per run of entries whose payloads lie
 * back to back in the caller's memory, as a batch built in one buffer's
 * do: a copy from userspace costs far more than its bytes.
 */
static int evl_batch_payloads_from_user(struct evl_batch *b, unsigned int nr)
{
	unsigned int i, first = 0;
	size_t run = 0, off = 0;

	for (i = 0; i < nr; i++) {
		const struct eventline_post_entry *ent = &b->ents[i];

		run += ent->payload_len;
		if (i + 1 < nr &&
		    b->ents[i + 1].payload == ent->payload + ent->payload_len)
			continue;
		if (copy_from_user(b->payloads + off,
				   u64_to_user_ptr(b->ents[first].payload), run))
			return -EFAULT;
		off += run;
		run = 0;
		first = i + 1;
	}
	return 0;
}

static int evl_batch_from_user(struct evl_batch *b,
			       const struct eventline_post_batch *args)
{
	size_t total, off = 0;
	unsigned int i;
	int err;

	memset(b, 0, sizeof(*b));
	b->ents = kvcalloc(args->count, sizeof(*b->ents), EVL_GFP_USER_SIZED);
	b->evs = kvcalloc(args->count, sizeof(*b->evs), EVL_GFP_USER_SIZED);
	if (!b->ents || !b->evs)
		return -ENOMEM;
	err = evl_batch_entries_from_user(b, args, &total);
	if (err)
		return err;
	if (total) {
		b->payloads = kvmalloc(total, EVL_GFP_USER_SIZED);
		if (!b->payloads)
			return -ENOMEM;
	}
	for (i = 0; i < args->count; i++) {
		const struct eventline_post_entry *ent = &b->ents[i];

		evl_user_event(&b->evs[i], ent->type, ent->payload_len);
		b->evs[i].payload = b->payloads + off;
		off += ent->payload_len;
	}
	return evl_batch_payloads_from_user(b, args->count);
}

static long evl_line_post_batch(struct evl_line *line,
				struct eventline_post_batch __user *ubatch,
				unsigned int flags)
{
	struct eventline_post_batch args;
	struct evl_batch batch;
	int err;

	err = evl_args_from_user(&args, sizeof(args),
				 EVENTLINE_POST_BATCH_SIZE_VER0, ubatch);
	if (err < 0)
		return err;
	if (args.flags || !args.count || args.count > EVL_MAX_POST_BATCH ||
	    args.entry_size < EVENTLINE_POST_ENTRY_SIZE_VER0 ||
	    args.entry_size > PAGE_SIZE ||
	    args.entry_size % EVENTLINE_RECORD_ALIGN)
		return -EINVAL;
	if (put_user(0ULL, &ubatch->first_seq))
		return -EFAULT;

	err = evl_batch_from_user(&batch, &args);
	if (!err)
		err = evl_post_events(line, batch.evs, args.count, flags);
	if (!err)	/* probed above; as for POST, the events stand */
		put_user(batch.evs[0].seq, &ubatch->first_seq);
	evl_batch_free(&batch);
	return err ?: args.count;
}

/**
 * evl_line_post_cmd() - POST or POST_BATCH, from an ioctl or io_uring
 * @file:	an owner or poster fd
 * @cmd:	EVENTLINE_IOC_POST or EVENTLINE_IOC_POST_BATCH
 * @uarg:	the command's argument struct
 * @nonblock:	fail with -EAGAIN rather than wait for staging room
 *
 * Return: as the ioctl; -ENOTTY for any other command.
 */
long evl_line_post_cmd(struct file *file, unsigned int cmd, void __user *uarg,
		       bool nonblock)
{
	unsigned int flags = nonblock ? EVL_POST_NONBLOCK : 0;

	switch (cmd) {
	case EVENTLINE_IOC_POST:
		return evl_line_post(file->private_data, uarg, flags);
	case EVENTLINE_IOC_POST_BATCH:
		return evl_line_post_batch(file->private_data, uarg, flags);
	default:
		return -ENOTTY;
	}
}

static long evl_line_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return evl_line_post_cmd(file, cmd, (void __user *)arg,
				 file->f_flags & O_NONBLOCK);
}

static int evl_line_owner_release(struct inode *inode, struct file *file)
{
	evl_line_close(file->private_data);
	return 0;
}

static int evl_line_poster_release(struct inode *inode, struct file *file)
{
	evl_line_put(file->private_data);
	return 0;
}

static void evl_line_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct evl_line *line = file->private_data;

	seq_printf(m, "eventline-line:\t%u\n", line->id);
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
	WARN_ON(!xa_empty(&evl_lines));
	xa_destroy(&evl_lines);
}
