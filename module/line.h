/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_LINE_H
#define _EVL_LINE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>

#include <linux/eventline.h>

struct evl_user;
struct user_namespace;

/*
 * A line: a broadcast channel owned by the file that created it.  See
 * line.c for its lifetime and locking, chain.c for its subscribers.
 */
struct evl_line {
	struct kref ref;
	u32 id;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	struct user_namespace *user_ns;	/* where @name is unique */
	struct evl_user *user;		/* owner's line count */
	struct hlist_node name_node;

	/* Serialises posts so every register sees one order per line. */
	spinlock_t post_lock;
	bool dead;			/* owner gone; set under post_lock */
	u64 seq;			/* last sequence number; post_lock */

	/* The chain of subscriptions; see chain.c. */
	spinlock_t lock;
	struct list_head chain;
	unsigned int nr_subs;

	struct rcu_head rcu;
	char name[EVENTLINE_NAME_MAX];
};

long evl_line_create(void __user *uarg);
long evl_line_open(void __user *uarg);
struct evl_line *evl_line_lookup(struct eventline_line_ref *ref,
				 const void __user *uref, u32 valid_flags,
				 int may_mask);
void evl_line_put(struct evl_line *line);
void evl_lines_exit(void);

#endif /* _EVL_LINE_H */
