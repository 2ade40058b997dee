// SPDX-License-Identifier: GPL-2.0
/*
 * evl_kpost - a test module that posts on an eventline kernel line from
 * every context kernel code runs in, driven by selftests/kpost_test.c.
 *
 * It uses <linux/eventline_kernel.h> as a driver would: loading creates
 * the line EVL_KPOST_LINE, unloading destroys it, and in between the
 * control files in debugfs (evl_kpost.h) make it post from process
 * context, a timer (softirq), a hard hrtimer, a hard irq_work or under a
 * spinlock with interrupts off, recording what every post returned.
 *
 * A run posts its events in chunks.  The writer of "run" drives it: it
 * posts a chunk itself (process, locked) or arms the timer, hrtimer or
 * irq_work that posts it, and waits for that chunk before starting the
 * next, so eventline's deliver work can run between chunks.  A run of one
 * chunk from an interrupt or with interrupts off is a burst that nothing
 * on that CPU drains while it lasts.
 *
 * LOCKING
 *
 * kp.mutex: one run at a time; the run's results and the totals, which
 *	the control files read.  A chunk's callback updates the run without
 *	a lock: the writer is waiting for it on kp.chunk_done and no other
 *	chunk is armed meanwhile.
 * kp.lock (spinlock, irqsave): held around the posts of EVL_KPOST_LOCKED
 *	as a driver's own lock would be; it protects nothing.
 */
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/eventline_kernel.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/uaccess.h>

#include "evl_kpost.h"

/* The hrtimer of a chunk fires this long after it is armed. */
#define KP_HRTIMER_DELAY_NS	(20 * NSEC_PER_USEC)
/* Longest "run" command accepted. */
#define KP_CMD_MAX		64

struct kp_totals {
	u64 ok;
	u64 nobufs;
	u64 errors;
	u64 next;		/* the source's next counter */
};

struct kp_run {
	enum evl_kpost_source source;
	u64 first;		/* counter of the first post */
	u32 count;		/* posts to make; after the run, posts made */
	u32 chunk;		/* posts per callback */
	u32 done;		/* posts made so far */
	u32 ok;
	u32 nobufs;
	u32 errors;
	unsigned long *failed;	/* bit i: post first + i did not return 0 */
};

static struct {
	struct evl_line *line;
	struct dentry *dir;
	struct mutex mutex;	/* the run, the totals */
	struct kp_run run;	/* the last run; none yet while !run.failed */
	struct kp_totals totals[EVL_KPOST_NR_SOURCES];
	struct completion chunk_done;
	struct timer_list timer;
	struct hrtimer hrtimer;
	struct irq_work irq_work;
	spinlock_t lock;	/* a driver's lock, around EVL_KPOST_LOCKED */
} kp;

static const char *const kp_source_names[] = EVL_KPOST_SOURCE_NAMES;
static_assert(ARRAY_SIZE(kp_source_names) == EVL_KPOST_NR_SOURCES);

static u32 kp_context(void)
{
	u32 ctx = 0;

	if (in_task())
		ctx |= EVL_KPOST_CTX_TASK;
	if (in_serving_softirq())
		ctx |= EVL_KPOST_CTX_SOFTIRQ;
	if (in_hardirq())
		ctx |= EVL_KPOST_CTX_HARDIRQ;
	if (irqs_disabled())
		ctx |= EVL_KPOST_CTX_IRQS_OFF;
	return ctx;
}

/* Make the next chunk of posts of the run, in whatever context this is. */
static void kp_post_chunk(void)
{
	struct kp_run *run = &kp.run;
	struct evl_kpost_payload p = {
		.source = run->source,
		.context = kp_context(),
	};
	u32 end = min(run->count, run->done + run->chunk);
	int err;

	for (; run->done < end; run->done++) {
		p.counter = run->first + run->done;
		err = eventline_kline_post(kp.line, EVL_KPOST_TYPE(run->source),
					   &p, sizeof(p));
		if (!err) {
			run->ok++;
			continue;
		}
		__set_bit(run->done, run->failed);
		if (err == -ENOBUFS)
			run->nobufs++;
		else
			run->errors++;
	}
}

static void kp_timer_fn(struct timer_list *timer)
{
	kp_post_chunk();
	complete(&kp.chunk_done);
}

static enum hrtimer_restart kp_hrtimer_fn(struct hrtimer *hrtimer)
{
	kp_post_chunk();
	complete(&kp.chunk_done);
	return HRTIMER_NORESTART;
}

static void kp_irq_work_fn(struct irq_work *work)
{
	kp_post_chunk();
	complete(&kp.chunk_done);
}

/*
 * Wait until no callback is pending or running: complete() is not quite
 * the callback's last instruction, and a killed writer leaves its chunk
 * armed.
 */
static void kp_quiesce(void)
{
	timer_delete_sync(&kp.timer);
	hrtimer_cancel(&kp.hrtimer);
	irq_work_sync(&kp.irq_work);
}

/* Have the run's source make one chunk of posts: 0, or -EINTR if killed. */
static int kp_chunk(void)
{
	unsigned long flags;

	reinit_completion(&kp.chunk_done);
	switch (kp.run.source) {
	case EVL_KPOST_PROCESS:
		kp_post_chunk();
		cond_resched();
		return 0;
	case EVL_KPOST_LOCKED:
		spin_lock_irqsave(&kp.lock, flags);
		kp_post_chunk();
		spin_unlock_irqrestore(&kp.lock, flags);
		cond_resched();
		return 0;
	case EVL_KPOST_SOFTIRQ:
		mod_timer(&kp.timer, jiffies);
		break;
	case EVL_KPOST_HARDIRQ:
		hrtimer_start(&kp.hrtimer, ns_to_ktime(KP_HRTIMER_DELAY_NS),
			      HRTIMER_MODE_REL_HARD);
		break;
	case EVL_KPOST_IRQ_WORK:
		irq_work_queue(&kp.irq_work);
		break;
	case EVL_KPOST_NR_SOURCES:
		return -EINVAL;
	}
	if (!wait_for_completion_killable(&kp.chunk_done))
		return 0;
	kp_quiesce();
	return -EINTR;
}

/* "SOURCE COUNT CHUNK": make a run; see evl_kpost.h. */
static ssize_t kp_run_write(struct file *file, const char __user *ubuf,
			    size_t len, loff_t *ppos)
{
	struct kp_totals *totals;
	unsigned long *failed;
	u32 count, chunk;
	char name[16];
	int source, n, err = 0;
	char *cmd;

	if (len >= KP_CMD_MAX)
		return -EINVAL;
	cmd = memdup_user_nul(ubuf, len);
	if (IS_ERR(cmd))
		return PTR_ERR(cmd);
	n = sscanf(cmd, "%15s %u %u", name, &count, &chunk);
	kfree(cmd);
	if (n != 3)
		return -EINVAL;
	source = match_string(kp_source_names, ARRAY_SIZE(kp_source_names),
			      name);
	if (source < 0 || !count || count > EVL_KPOST_MAX_COUNT || !chunk ||
	    chunk > count)
		return -EINVAL;

	failed = bitmap_zalloc(count, GFP_KERNEL);
	if (!failed)
		return -ENOMEM;
	if (mutex_lock_killable(&kp.mutex)) {
		bitmap_free(failed);
		return -EINTR;
	}
	totals = &kp.totals[source];
	bitmap_free(kp.run.failed);
	kp.run = (struct kp_run) {
		.source = source,
		.first = totals->next,
		.count = count,
		.chunk = chunk,
		.failed = failed,
	};
	while (kp.run.done < kp.run.count && !err)
		err = kp_chunk();
	/* A killed run reports, and counts, the posts it made. */
	kp.run.count = kp.run.done;
	totals->next += kp.run.done;
	totals->ok += kp.run.ok;
	totals->nobufs += kp.run.nobufs;
	totals->errors += kp.run.errors;
	mutex_unlock(&kp.mutex);
	return err ?: len;
}

static const struct file_operations kp_run_fops = {
	.owner = THIS_MODULE,
	.write = kp_run_write,
	.llseek = noop_llseek,
};

static int kp_last_show(struct seq_file *m, void *unused)
{
	const struct kp_run *run = &kp.run;
	unsigned long a, b;

	if (mutex_lock_interruptible(&kp.mutex))
		return -EINTR;
	if (run->failed) {
		seq_printf(m, "%s first %llu count %u ok %u nobufs %u errors %u\n",
			   kp_source_names[run->source], run->first, run->count,
			   run->ok, run->nobufs, run->errors);
		for (a = find_first_bit(run->failed, run->count);
		     a < run->count;
		     a = find_next_bit(run->failed, run->count, b)) {
			b = find_next_zero_bit(run->failed, run->count, a);
			seq_printf(m, "failed %llu %llu\n", run->first + a,
				   run->first + b - 1);
		}
	}
	mutex_unlock(&kp.mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_last);

static int kp_stats_show(struct seq_file *m, void *unused)
{
	const struct kp_totals *t;
	int i;

	if (mutex_lock_interruptible(&kp.mutex))
		return -EINTR;
	for (i = 0; i < EVL_KPOST_NR_SOURCES; i++) {
		t = &kp.totals[i];
		seq_printf(m, "%s ok %llu nobufs %llu errors %llu next %llu\n",
			   kp_source_names[i], t->ok, t->nobufs, t->errors,
			   t->next);
	}
	mutex_unlock(&kp.mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_stats);

static int kp_line_id_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "%llu\n", eventline_kline_id(kp.line));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(kp_line_id);

static int __init kp_init(void)
{
	struct dentry *dir;
	int i;

	mutex_init(&kp.mutex);
	spin_lock_init(&kp.lock);
	init_completion(&kp.chunk_done);
	timer_setup(&kp.timer, kp_timer_fn, 0);
	hrtimer_init(&kp.hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	kp.hrtimer.function = kp_hrtimer_fn;
	kp.irq_work = IRQ_WORK_INIT_HARD(kp_irq_work_fn);
	for (i = 0; i < EVL_KPOST_NR_SOURCES; i++)
		kp.totals[i].next = 1;

	kp.line = eventline_kline_create(EVL_KPOST_LINE, EVL_KPOST_LINE_MODE, 0);
	if (IS_ERR(kp.line))
		return PTR_ERR(kp.line);
	/* Without its control files the module is of no use: fail the load. */
	dir = debugfs_create_dir(EVL_KPOST_DEBUGFS_DIR, NULL);
	if (IS_ERR(dir)) {
		eventline_kline_destroy(kp.line);
		return PTR_ERR(dir);
	}
	kp.dir = dir;
	debugfs_create_file("run", 0200, dir, NULL, &kp_run_fops);
	debugfs_create_file("last", 0400, dir, NULL, &kp_last_fops);
	debugfs_create_file("stats", 0400, dir, NULL, &kp_stats_fops);
	debugfs_create_file("line_id", 0400, dir, NULL, &kp_line_id_fops);
	return 0;
}

/*
 * No run is in progress: an open control file pins the module.  The line
 * goes last, so its subscribers see every event posted, then LINE_CLOSED.
 */
static void __exit kp_exit(void)
{
	debugfs_remove_recursive(kp.dir);
	kp_quiesce();
	eventline_kline_destroy(kp.line);
	bitmap_free(kp.run.failed);
}

module_init(kp_init);
module_exit(kp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("eventline test: kernel posts from every context");
MODULE_AUTHOR("The eventline developers");
