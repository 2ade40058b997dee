// SPDX-License-Identifier: MIT
/*
 * W6: kernel memory per idle register (default options, one subscription),
 * per line, and per queued event.
 *
 * A child process moves itself into a memory cgroup of its own and reads
 * memory.current before and after creating K objects; eventline charges
 * rings and lines to the creator's cgroup.  memory.current moves in steps
 * of the per-CPU charge cache (64 pages), so every figure comes with its
 * resolution, 64 pages x CPUs / K.  Without cgroup2 and its memory
 * controller the child uses /proc/meminfo instead (MemTotal - MemFree,
 * which also sees every other allocation in the guest); the row's "method"
 * parameter says which.
 *
 * The queued-event row makes one register whose ring holds QUEUED events,
 * then posts them: a post allocates nothing that outlives it, so the
 * second delta is expected near zero; the ring's own size per record slot
 * is reported beside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define K_REGISTERS	64
#define K_LINES		64
#define QUEUED		16000
#define EV_PAYLOAD	64

enum { W6_REGISTER, W6_LINE, W6_EVENT };

static char cg_dir[128];
static const char *method;

struct w6_shared {
	int64_t before, created, posted;
};

static void cg_cleanup(void)
{
	if (cg_dir[0])
		rmdir(cg_dir);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -errno;
}

static void cg_setup(void)
{
	char buf[256] = "";
	FILE *f;

	method = "meminfo";
	if (access(CG_ROOT "/cgroup.controllers", F_OK) &&
	    mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
		return;
	f = fopen(CG_ROOT "/cgroup.controllers", "r");
	if (!f)
		return;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (!strstr(buf, "memory") ||
	    write_str(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return;
	snprintf(cg_dir, sizeof(cg_dir), CG_ROOT "/elbench-%d", getpid());
	if (mkdir(cg_dir, 0755) && errno != EEXIST)
		return;
	method = "memcg";
	atexit(cg_cleanup);
}

static int64_t mem_now(void)
{
	char path[160], line[128];
	long long v, total = 0, free_kb = 0;
	FILE *f;

	if (cg_dir[0]) {
		snprintf(path, sizeof(path), "%s/memory.current", cg_dir);
		f = fopen(path, "r");
		if (!f || fscanf(f, "%lld", &v) != 1)
			fatal("reading %s", path);
		fclose(f);
		return v;
	}
	f = fopen("/proc/meminfo", "r");
	if (!f)
		fatal_err("/proc/meminfo", -errno);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "MemTotal: %lld", &total);
		sscanf(line, "MemFree: %lld", &free_kb);
	}
	fclose(f);
	return (total - free_kb) * 1024;
}

struct w6_job {
	int what;
	struct w6_shared *sh;
};

static void w6_child(void *arg)
{
	static unsigned char payload[EV_PAYLOAD];
	struct w6_job *j = arg;
	int fds[K_REGISTERS > K_LINES ? K_REGISTERS : K_LINES];
	char pid[192];
	uint64_t id, i;
	int line = -1, n;

	if (cg_dir[0]) {
		snprintf(pid, sizeof(pid), "%s/cgroup.procs", cg_dir);
		if (write_str(pid, "0"))
			fatal("cannot enter %s", cg_dir);
	}
	/* Fault in what the measured calls touch, before the baseline. */
	if (j->what != W6_LINE)
		line = evl_line(&id);
	mem_now();
	j->sh->before = mem_now();
	switch (j->what) {
	case W6_REGISTER:
		for (n = 0; n < K_REGISTERS; n++) {
			fds[n] = evl_register(0, 0, 0);
			evl_subscribe(fds[n], id);
		}
		j->sh->created = mem_now();
		break;
	case W6_LINE:
		for (n = 0; n < K_LINES; n++)
			fds[n] = evl_line(&id);
		j->sh->created = mem_now();
		break;
	default:
		n = 1;
		fds[0] = evl_register(QUEUED, evl_ring_for(QUEUED, EV_PAYLOAD, 1), 0);
		evl_subscribe(fds[0], id);
		j->sh->created = mem_now();
		for (i = 0; i < QUEUED; i++) {
			int err = el_post(line, 1, payload, sizeof(payload), NULL);

			if (err)
				fatal_err("post", err);
		}
		j->sh->posted = mem_now();
		break;
	}
	while (n--)
		close(fds[n]);
	if (line >= 0)
		close(line);
}

static void w6_run(const struct row *r, struct sample *s)
{
	struct w6_job j = { .what = r->variant };
	double res;
	pid_t pid;

	j.sh = shm_alloc(sizeof(*j.sh));
	pid = spawn(w6_child, &j);
	reap(pid, "W6 child");
	res = cg_dir[0] ? 64.0 * 4096 * g.ncpus : 0;
	switch (r->variant) {
	case W6_REGISTER:
		put(s, "bytes_per_register",
		    (double)(j.sh->created - j.sh->before) / K_REGISTERS);
		put(s, "resolution_bytes", res / K_REGISTERS);
		put(s, "default_ring_size", g.info.default_ring_size);
		break;
	case W6_LINE:
		put(s, "bytes_per_line",
		    (double)(j.sh->created - j.sh->before) / K_LINES);
		put(s, "resolution_bytes", res / K_LINES);
		break;
	default:
		put(s, "bytes_per_queued_event",
		    (double)(j.sh->posted - j.sh->created) / QUEUED);
		put(s, "ring_bytes_per_slot",
		    (double)(j.sh->created - j.sh->before) / QUEUED);
		put(s, "record_bytes", evl_record_size(EV_PAYLOAD));
		put(s, "resolution_bytes", res / QUEUED);
		break;
	}
	shm_free(j.sh, sizeof(*j.sh));
}

void w6_rows(void)
{
	static const char *const what[] = { "register", "line", "queued-event" };
	int i;

	cg_setup();
	for (i = W6_REGISTER; i <= W6_EVENT; i++) {
		struct row *r = add_row("W6", "eventline", w6_run);

		r->variant = i;
		row_param(r, "object", "\"%s\"", what[i]);
		row_param(r, "method", "\"%s\"", method);
		row_param(r, "count", "%d", i == W6_REGISTER ? K_REGISTERS :
			  i == W6_LINE ? K_LINES : QUEUED);
		if (i == W6_EVENT)
			row_param(r, "payload", "%d", EV_PAYLOAD);
	}
}
