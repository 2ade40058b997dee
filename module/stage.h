/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_STAGE_H
#define _EVL_STAGE_H

#include <linux/list.h>
#include <linux/types.h>

struct evl_chain;
struct evl_event;
struct evl_line;
struct evl_register;
struct evl_sub;
struct eventline_mutate;

/* A payload a stage put in place of an event's. */
struct evl_mutation {
	u16 type;
	u16 mutations;		/* stages that changed it so far */
	u32 payload_len;
	void *payload;		/* kvmalloc()ed, charged to the stage's process */
	struct evl_mutation *next_stale;	/* replaced, to be freed */
};

/*
 * How far one staged event has got through the line's stages; kept with
 * the event in the staging ring and only touched by the line's deliverer.
 */
struct evl_progress {
	u64 wait_sub;		/* id of the stage it waits for, or 0 */
	u64 given_ns;		/* when that stage was given it */
	struct evl_mutation *mut;	/* what stages made of it, or NULL */
	bool done;		/* past every register, or dropped */
};

/* One answer of a stage, queued until the deliverer applies it. */
struct evl_answer {
	struct list_head node;
	u64 seq;
	u32 action;		/* EVENTLINE_MUTATE_* */
	struct evl_mutation *mut;	/* REPLACE */
};

void evl_stage_init(struct evl_sub *sub);
void evl_stage_start(struct evl_sub *sub, u64 from_seq);
void evl_stage_stop(struct evl_sub *sub);
void evl_stage_destroy(struct evl_sub *sub);
bool evl_stage_walk(struct evl_line *line, const struct evl_chain *chain,
		    const struct evl_event *ev, struct evl_progress *pr,
		    u64 gen, u64 now, bool closing, unsigned int *direct_wakes,
		    struct evl_mutation **stale);
void evl_mutation_free(struct evl_mutation *mut);
void evl_event_mutated(struct evl_event *cur, const struct evl_mutation *mut);
void evl_mutations_free(struct evl_mutation *stale);
long evl_stage_mutate(struct evl_register *reg, void __user *uarg);

#endif /* _EVL_STAGE_H */
