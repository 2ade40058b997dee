/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_DELIVER_H
#define _EVL_DELIVER_H

#include <linux/gfp.h>
#include <linux/types.h>

struct evl_chain;
struct evl_event;
struct evl_line;
struct evl_retained;
struct evl_sub;

/* evl_post_events() flags. */
#define EVL_POST_NONBLOCK	BIT(0)	/* never wait for staging room */

struct workqueue_struct;

extern struct workqueue_struct *evl_wq;

int evl_deliver_init(void);
void evl_deliver_exit(void);
int evl_line_deliver_init(struct evl_line *line, u32 staging_size, gfp_t gfp);
void evl_line_deliver_destroy(struct evl_line *line);
int evl_post_events(struct evl_line *line, struct evl_event *evs,
		    unsigned int nr, unsigned int flags);
int evl_post_atomic(struct evl_line *line, struct evl_event *ev);
void evl_line_quiesce(struct evl_line *line);
unsigned int evl_line_set_chain(struct evl_line *line, struct evl_chain *chain,
				unsigned int nr_stages, struct evl_sub *joining,
				struct evl_retained **retained);
u64 evl_line_next_seq(struct evl_line *line);
void evl_line_kick(struct evl_line *line);
void evl_line_hold(struct evl_line *line);
void evl_line_unhold(struct evl_line *line);
void evl_line_wait_delivered(struct evl_line *line);

#endif /* _EVL_DELIVER_H */
