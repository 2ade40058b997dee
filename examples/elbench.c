// SPDX-License-Identifier: MIT
/*
 * elbench [--short] [--reps N] [--only WORD]
 *
 * eventline against the other ways one process can hand events to others,
 * measured in one run on one machine.  Under emulation (QEMU TCG) absolute
 * figures mean little; ratios between rows of the same run do.  The suite
 * reports figures, never a verdict on speed: it exits non-zero only when
 * something is broken (a call failed, events went missing where loss is
 * impossible, the report could not be written).
 *
 * Workloads (examples/bench/):
 *   calib   the machine's own limits: a null syscall, memcpy per size,
 *           clock_gettime, eventfd write+read in one thread, a futex
 *           ping-pong between two threads, a shared-memory ring with eventfd
 *           wake-ups between two threads (no kernel on the data path)
 *   W1      one producer process to one consumer process: eventline (POST,
 *           POST_BATCH), pipe, AF_UNIX SOCK_SEQPACKET (sendmmsg/recvmmsg),
 *           eventfd + shared-memory ring; payload 16..4096 B, batch 1 and 64
 *   W2      fan-out to N readers busy-reading, asleep in read() or behind
 *           epoll: eventline, and a producer writing N pipes or N sockets
 *   W2-iso  8 registers, one of which never reads
 *   W3      latency of one event in flight, post to read, ping-pong
 *   W6      kernel memory per register, per line, per queued event
 *
 * Every row runs once per repetition, rows in an order that rotates from
 * one repetition to the next so slow drifts of the host spread over all
 * rows.  A progress line per row goes to stderr.  stdout gets a table and a
 * JSON document between "#### ELBENCH-JSON-BEGIN" and "#### ELBENCH-JSON-END"
 * lines, for scripts/bench.sh to lift out of the VM's console log.
 *
 * --short runs a tiny version of every row (make check runs it so the
 * benchmark cannot rot); --reps sets the repetitions (default 5, short 1);
 * --only runs the rows whose workload or mechanism contains WORD.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench/bench.h"

struct bench g;

static struct row rows[MAX_ROWS];
static int nrows;

struct row *add_row(const char *workload, const char *mech, row_fn fn)
{
	struct row *r;

	if (nrows == MAX_ROWS)
		fatal("too many rows");
	r = &rows[nrows++];
	memset(r, 0, sizeof(*r));
	r->workload = workload;
	r->mech = mech;
	r->fn = fn;
	return r;
}

/* Append "key":value to the row's JSON params and key=value to its label. */
void row_param(struct row *r, const char *key, const char *fmt, ...)
{
	char val[96];
	size_t pl = strlen(r->params), ll = strlen(r->label);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(r->params + pl, sizeof(r->params) - pl, "%s\"%s\":%s",
		 pl ? "," : "", key, val);
	if (val[0] == '"') {
		memmove(val, val + 1, strlen(val));
		val[strcspn(val, "\"")] = 0;
	}
	snprintf(r->label + ll, sizeof(r->label) - ll, "%s%s=%s",
		 ll ? " " : "", key, val);
}

void put(struct sample *s, const char *name, double v)
{
	if (s->n == MAX_METRICS)
		fatal("too many metrics");
	s->m[s->n].name = name;
	s->m[s->n].v = v;
	s->n++;
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "elbench: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void fatal_err(const char *what, int err)
{
	fatal("%s: %s", what, strerror(-err));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct agg {
	double median, min, max;
};

static struct agg aggregate(const struct row *r, int mi)
{
	double v[MAX_REPS];
	struct agg a;
	int i;

	for (i = 0; i < r->nrep; i++)
		v[i] = r->s[i].m[mi].v;
	qsort(v, r->nrep, sizeof(v[0]), cmp_double);
	a.min = v[0];
	a.max = v[r->nrep - 1];
	a.median = r->nrep % 2 ? v[r->nrep / 2] :
		   (v[r->nrep / 2 - 1] + v[r->nrep / 2]) / 2;
	return a;
}

static int metric_index(const struct row *r, const char *name)
{
	int i;

	for (i = 0; r->nrep && i < r->s[0].n; i++)
		if (!strcmp(r->s[0].m[i].name, name))
			return i;
	return -1;
}

/*
 * Marginal producer cost per subscriber: least-squares slope of the
 * producer's CPU per event against N, over the W2 rows of one mechanism and
 * reader mode with N <= 64 (the N = 1024 row uses a different queue size).
 */
static void w2_marginal(void)
{
	static const char *const mechs[] = { "eventline", "pipe",
					     "unix-seqpacket" };
	static const char *const modes[] = { "busy", "asleep", "epoll" };
	size_t a, b;
	int i;

	for (a = 0; a < ARRAY_SIZE(mechs); a++) {
		for (b = 0; b < ARRAY_SIZE(modes); b++) {
			double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;
			struct row *d;

			for (i = 0; i < nrows; i++) {
				struct row *r = &rows[i];
				int mi = metric_index(r, "prod_cpu_ns_per_event");

				if (strcmp(r->workload, "W2") ||
				    strcmp(r->mech, mechs[a]) ||
				    r->mode != (int)b || r->n > 64 || mi < 0)
					continue;
				double y = aggregate(r, mi).median;

				sx += r->n;
				sy += y;
				sxx += (double)r->n * r->n;
				sxy += r->n * y;
				k++;
			}
			if (k < 2 || k * sxx == sx * sx)
				continue;
			d = add_row("W2-marginal", mechs[a], NULL);
			row_param(d, "mode", "\"%s\"", modes[b]);
			row_param(d, "fit", "\"N<=64\"");
			d->nrep = 1;
			put(&d->s[0], "marginal_prod_ns_per_subscriber",
			    (k * sxy - sx * sy) / (k * sxx - sx * sx));
			put(&d->s[0], "intercept_prod_ns",
			    (sy - (k * sxy - sx * sy) / (k * sxx - sx * sx) * sx) / k);
		}
	}
}

static void json_string_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t i;

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	/* Only what needs no escaping goes into the JSON. */
	for (i = 0; buf[i]; i++)
		if (buf[i] == '"' || buf[i] == '\\' || (unsigned char)buf[i] < 32)
			buf[i] = '?';
}

static void print_guest(void)
{
	const char *pdir = "/sys/module/eventline/parameters";
	char buf[128], path[512];
	struct utsname u;
	struct dirent *de;
	DIR *d;
	int first = 1;

	uname(&u);
	json_string_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			 buf, sizeof(buf));
	printf("\"guest\":{\"kernel\":\"%s\",\"cpus\":%ld,\"clocksource\":\"%s\",",
	       u.release, g.ncpus, buf);
	printf("\"module_params\":{");
	d = opendir(pdir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", pdir, de->d_name);
		json_string_file(path, buf, sizeof(buf));
		printf("%s\"%s\":\"%s\"", first ? "" : ",", de->d_name, buf);
		first = 0;
	}
	if (d)
		closedir(d);
	printf("},\"info\":{\"api_version\":%u,\"record_size\":%u,"
	       "\"max_payload\":%u,\"default_queue_len\":%u,"
	       "\"default_ring_size\":%u,\"max_ring_size\":%u,"
	       "\"max_post_batch\":%u}},\n",
	       g.info.api_version, g.info.record_size, g.info.max_payload,
	       g.info.default_queue_len, g.info.default_ring_size,
	       g.info.max_ring_size, g.info.max_post_batch);
}

static void print_json(void)
{
	int i, j, k;

	printf("#### ELBENCH-JSON-BEGIN\n{\"elbench\":1,\"mode\":\"%s\",\"reps\":%d,\n",
	       g.short_mode ? "short" : "full", g.reps);
	print_guest();
	printf("\"rows\":[\n");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		printf("{\"workload\":\"%s\",\"mechanism\":\"%s\",\"params\":{%s},"
		       "\"reps\":%d,\"metrics\":{", r->workload, r->mech,
		       r->params, r->nrep);
		for (j = 0; r->nrep && j < r->s[0].n; j++) {
			struct agg a = aggregate(r, j);

			printf("%s\"%s\":{\"median\":%.6g,\"min\":%.6g,\"max\":%.6g,\"values\":[",
			       j ? "," : "", r->s[0].m[j].name, a.median,
			       a.min, a.max);
			for (k = 0; k < r->nrep; k++)
				printf("%s%.6g", k ? "," : "", r->s[k].m[j].v);
			printf("]}");
		}
		printf("}}%s\n", i + 1 < nrows ? "," : "");
	}
	printf("]}\n#### ELBENCH-JSON-END\n");
}

static void print_table(void)
{
	const char *last = "";
	int i, j;

	printf("\nelbench: median [min..max] of %d repetitions%s\n", g.reps,
	       g.short_mode ? " (short mode: figures are not meaningful)" : "");
	for (i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (strcmp(last, r->workload))
			printf("\n== %s\n", r->workload);
		last = r->workload;
		printf("%-15s %-26s", r->mech, r->label);
		for (j = 0; r->nrep && j < r->s[0].n; j++) {
			struct agg a = aggregate(r, j);

			printf("\n    %-34s %12.4g  [%.4g .. %.4g]",
			       r->s[0].m[j].name, a.median, a.min, a.max);
		}
		putchar('\n');
	}
	putchar('\n');
}

static bool selected(const struct row *r, const char *only)
{
	return !only || strstr(r->workload, only) || strstr(r->mech, only);
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	int i, k, rep, err, nsel = 0, done = 0;
	uint64_t t0 = now_ns();

	g.reps = 0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--short"))
			g.short_mode = true;
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			g.reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else
			fatal("usage: elbench [--short] [--reps N] [--only WORD]");
	}
	if (!g.reps)
		g.reps = g.short_mode ? 1 : 5;
	if (g.reps < 1 || g.reps > MAX_REPS)
		fatal("--reps must be 1..%d", MAX_REPS);

	g.ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	err = el_ctx_open(&g.ctx, NULL);
	if (err)
		fatal_err("open /dev/eventline", err);
	g.ctl = el_ctx_fd(g.ctx);
	g.info.size = sizeof(g.info);
	err = el_info(g.ctx, &g.info);
	if (err)
		fatal_err("GET_INFO", err);
	if (g.info.max_payload < 4096 || !g.info.max_post_batch)
		fatal("module too old or limited: max_payload %u, max_post_batch %u",
		      g.info.max_payload, g.info.max_post_batch);
	raise_nofile();
	/* One final write of the report; the progress lines go to stderr. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);

	calib_rows();
	w1_rows();
	w2_rows();
	w3_rows();
	w6_rows();
	for (i = 0; i < nrows; i++)
		nsel += selected(&rows[i], only);

	for (rep = 0; rep < g.reps; rep++) {
		/* Rotate the start so no row always runs first or last. */
		int start = nrows * rep / g.reps;

		for (k = 0; k < nrows; k++) {
			struct row *r = &rows[(start + k) % nrows];
			struct sample *s = &r->s[r->nrep];

			if (!selected(r, only))
				continue;
			r->fn(r, s);
			r->nrep++;
			done++;
			fprintf(stderr, "elbench: [%d/%d] rep %d %s %s %s:",
				done, nsel * g.reps, rep + 1, r->workload,
				r->mech, r->label);
			for (i = 0; i < s->n && i < 3; i++)
				fprintf(stderr, " %s=%.4g", s->m[i].name,
					s->m[i].v);
			fputc('\n', stderr);
		}
	}
	/* Drop what was not run, so every row printed has its repetitions. */
	for (i = k = 0; i < nrows; i++)
		if (rows[i].nrep)
			rows[k++] = rows[i];
	nrows = k;
	w2_marginal();

	print_table();
	print_json();
	printf("elbench: %d rows x %d repetitions in %.1f s\n", nsel, g.reps,
	       (now_ns() - t0) / 1e9);
	if (fflush(stdout) || ferror(stdout))
		fatal("writing the report: %s", strerror(errno));
	el_ctx_close(g.ctx);
	return 0;
}
