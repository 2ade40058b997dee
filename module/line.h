/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_LINE_H
#define _EVL_LINE_H

#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/eventline.h>

#include "ring.h"
#include "ucount.h"

struct evl_chain;
struct evl_retained;
struct evl_register;
struct file;
struct user_namespace;

/*
 * A line: a broadcast channel owned by the file that created it, or by
 * kernel code (kapi.c).  See line.c for its lifetime, deliver.c for how
 * posts reach the chain, chain.c for its subscribers.
 */
struct evl_line {
	struct kref ref;
	u64 id;				/* never reused */
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	bool kernel_owned;		/* created by kernel code (kapi.c) */
	struct user_namespace *user_ns;	/* the only one it is found from */
	struct evl_charge charge;	/* against its owner's line limit */
	struct hlist_node id_node;
	struct hlist_node name_node;

	/* Posting and delivery; see deliver.c. */
	raw_spinlock_t post_lock ____cacheline_aligned_in_smp;
	bool dead;			/* owner gone; set under post_lock */
	bool delivering;		/* the deliverer role is taken */
	u64 seq;			/* last sequence number */
	u64 delivered_seq;		/* last one in every register */
	u64 staging_drops;		/* kernel posts with no staging room */
	bool rewalk;			/* something new for a deliverer at stages */
	unsigned int nr_stages;		/* stages on the chain */
	u64 walk_gen;			/* the deliverer's walks; see stage.c */
	u64 stage_timeout_ns;
	struct evl_ring staging;	/* posts waiting for the deliverer */
	wait_queue_head_t post_wq;	/* posters waiting for room or role */
	struct work_struct deliver_work;
	struct irq_work deliver_kick;

	/* The chain of subscriptions; see chain.c. */
	struct mutex chain_mutex ____cacheline_aligned_in_smp;
	struct evl_chain __rcu *chain;	/* published under post_lock too */
	unsigned int nr_subs;		/* in @chain; written under post_lock */
	u64 chain_rev;
	s32 priority_ceiling;
	struct work_struct demote_work;

	/* Retained events, one per type; post_lock.  See retain.c. */
	struct evl_retained *retained[EVENTLINE_TYPE_MAX + 1];

	struct rcu_head rcu;
	char name[EVENTLINE_NAME_MAX];
};

struct evl_line *evl_line_new(const char *name, umode_t mode, kuid_t uid,
			      kgid_t gid, struct user_namespace *user_ns,
			      u32 staging_size, gfp_t gfp);
int evl_name_check(const char name[EVENTLINE_NAME_MAX]);
bool evl_name_is_kernel(const char *name);
int evl_line_publish(struct evl_line *line);
void evl_line_close(struct evl_line *line);
long evl_line_create(void __user *uarg);
long evl_line_open(void __user *uarg);
struct evl_line *evl_file_line(struct file *file);
long evl_line_post_cmd(struct file *file, unsigned int cmd, void __user *uarg,
		       bool nonblock);
int evl_line_info_args(struct eventline_line_info *args, void __user *uarg);
int evl_line_info_to_user(const struct evl_line *line, void __user *uarg,
			  int usize);
int evl_line_subs_args(struct eventline_line_subs *args, void __user *uarg);
long evl_line_subs_to_user(struct evl_line *line,
			   const struct evl_register *viewer,
			   struct eventline_line_subs *args, void __user *uarg,
			   int usize);
int evl_priority_check(s32 priority);
struct evl_line *evl_line_lookup(struct eventline_line_ref *ref,
				 const void __user *uref, u32 valid_flags,
				 int may_mask, int *usize);
void evl_line_put(struct evl_line *line);
void evl_lines_exit(void);

#endif /* _EVL_LINE_H */
