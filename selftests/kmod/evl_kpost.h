/* SPDX-License-Identifier: GPL-2.0 */
/*
 * evl_kpost.h - what the evl_kpost test module and selftests/kpost_test.c
 * agree on: the line, the control files, the sources and the payload.
 *
 * Control files, in debugfs (EVL_KPOST_DEBUGFS_DIR under its mount point):
 *
 *   run	write "SOURCE COUNT CHUNK": post COUNT events from SOURCE, CHUNK
 *		of them per callback (per timer expiry, per interrupt, per lock
 *		hold), and return once every post has been made (posts are
 *		delivered later, by eventline's deliver work).  One run at a
 *		time; the write fails with the first error of a bad command.
 *   last	the last run: "SOURCE first F count N ok N nobufs N errors N",
 *		then one "failed A B" line for each range of counters A..B
 *		whose post did not return 0.
 *   stats	one line per source, totals since load:
 *		"SOURCE ok N nobufs N errors N next C" (C: the next counter).
 *   line_id	eventline_kline_id() of the line.
 *
 * Each event has type EVL_KPOST_TYPE(source) and a struct evl_kpost_payload.
 * Counters are per source, start at 1 and go up by one per attempted post,
 * whatever it returned, so a missing counter names the post it stands for.
 */
#ifndef EVL_KPOST_H
#define EVL_KPOST_H

#include <linux/types.h>

#define EVL_KPOST_LINE		"kernel.evl-kpost"
#define EVL_KPOST_LINE_MODE	0644
#define EVL_KPOST_DEBUGFS_DIR	"evl_kpost"

/* Most posts one run makes. */
#define EVL_KPOST_MAX_COUNT	65536

enum evl_kpost_source {
	EVL_KPOST_PROCESS,	/* the writer of "run", preemptible */
	EVL_KPOST_SOFTIRQ,	/* a timer_list callback */
	EVL_KPOST_HARDIRQ,	/* an hrtimer callback, HRTIMER_MODE_REL_HARD */
	EVL_KPOST_IRQ_WORK,	/* a hard irq_work */
	EVL_KPOST_LOCKED,	/* the writer, under spin_lock_irqsave() */
	EVL_KPOST_NR_SOURCES,
};

/* Indexed by enum evl_kpost_source. */
#define EVL_KPOST_SOURCE_NAMES \
	{ "process", "softirq", "hardirq", "irq_work", "locked" }

#define EVL_KPOST_TYPE(source)	(1 + (source))

/* The context a post was made in, as the poster saw it. */
#define EVL_KPOST_CTX_TASK	(1U << 0)	/* in_task() */
#define EVL_KPOST_CTX_SOFTIRQ	(1U << 1)	/* in_serving_softirq() */
#define EVL_KPOST_CTX_HARDIRQ	(1U << 2)	/* in_hardirq() */
#define EVL_KPOST_CTX_IRQS_OFF	(1U << 3)	/* irqs_disabled() */

struct evl_kpost_payload {
	__u32 source;		/* enum evl_kpost_source */
	__u32 context;		/* EVL_KPOST_CTX_* */
	__u64 counter;
};

#endif /* EVL_KPOST_H */
