// SPDX-License-Identifier: MIT
/*
 * elbench [EVENTS]
 *
 * Throughput of eventline against a pipe, measured in the same run on the
 * same machine: under emulation (QEMU TCG) absolute figures mean little,
 * but ratios between rows do.
 *
 * Each row forks its consumers, lets the producer send EVENTS messages as
 * fast as it can, and reports messages delivered per second of the whole
 * transfer (first send to last consumer done), nanoseconds per delivered
 * message, and what was lost to full queues (eventline reports that count
 * in its overflow records; a pipe blocks the writer instead).
 *
 * Rows:
 *   syscall       getppid() in a loop: the floor of any kernel round trip
 *   pipe          one writer, one reader, 64-byte messages, 64 KiB reads
 *   line N x P    one poster, N registers each in its own process,
 *                 P-byte payloads, 64 KiB reads
 */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define READ_BUF	(64 * 1024)
#define QUEUE_LEN	65536

static const char *prog = "elbench";

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void report(const char *row, uint64_t delivered, uint64_t lost,
		   uint64_t ns, double base_rate)
{
	double rate = ns ? delivered * 1e9 / ns : 0;

	printf("%-22s %10.0f msg/s %9.0f ns/msg %8llu lost", row, rate,
	       delivered ? (double)ns / delivered : 0,
	       (unsigned long long)lost);
	if (base_rate > 0)
		printf("   %5.2fx pipe", rate / base_rate);
	putchar('\n');
}

static void bench_syscall(uint64_t n)
{
	uint64_t i, t0 = now_ns();

	for (i = 0; i < n; i++)
		getppid();
	report("syscall (getppid)", n, 0, now_ns() - t0, 0);
}

/* Tell the parent, through @ready, that a consumer is set up. */
static void signal_ready(int ready)
{
	char c = 1;

	if (write(ready, &c, 1) != 1)
		exit(1);
	close(ready);
}

static void wait_ready(int ready, int n)
{
	char c;

	while (n--)
		if (read(ready, &c, 1) != 1)
			die_err(prog, "consumer setup", -EPIPE);
}

static double bench_pipe(uint64_t n)
{
	int data[2], ready[2], status;
	char msg[64] = { 0 };
	uint64_t i, t0;
	pid_t pid;

	if (pipe(data) || pipe(ready))
		die_err(prog, "pipe", -errno);
	pid = fork();
	if (pid == 0) {
		static char buf[READ_BUF];
		uint64_t got = 0;
		ssize_t r;

		close(data[1]);
		close(ready[0]);
		signal_ready(ready[1]);
		while ((r = read(data[0], buf, sizeof(buf))) > 0)
			got += r;
		_exit(got == n * sizeof(msg) ? 0 : 1);
	}
	close(data[0]);
	close(ready[1]);
	wait_ready(ready[0], 1);

	t0 = now_ns();
	for (i = 0; i < n; i++)
		if (write(data[1], msg, sizeof(msg)) != sizeof(msg))
			die_err(prog, "pipe write", -errno);
	close(data[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die_err(prog, "pipe reader", -EIO);
	t0 = now_ns() - t0;
	report("pipe 64B", n, 0, t0, 0);
	return n * 1e9 / t0;
}

/*
 * A consumer: read until the line closes, count events and losses, and
 * send both to the parent over @result.
 */
static void line_consumer(struct el_ctx *ctx, const char *name, int ready,
			  int result)
{
	struct el_register_opts opts = { .sz = sizeof(opts),
					 .queue_len = QUEUE_LEN };
	static unsigned char buf[READ_BUF];
	uint64_t counts[2] = { 0, 0 };	/* delivered, lost */
	int reg, err;
	ssize_t r;

	reg = el_register_create(ctx, &opts);
	if (reg < 0)
		die_err(prog, "register", reg);
	err = el_subscribe(reg, name, 0, NULL);
	if (err)
		die_err(prog, "subscribe", err);
	signal_ready(ready);

	while ((r = el_read(reg, buf, sizeof(buf))) > 0) {
		struct el_record_iter it;
		struct el_record rec;
		uint64_t lost;

		el_record_iter_init(&it, buf, r);
		while (el_record_next(&it, &rec) == 1) {
			if (rec.category == EVENTLINE_CAT_LINE)
				counts[0]++;
			else if (el_record_overflow_lost(&rec, &lost) == 0)
				counts[1] += lost;
		}
	}
	if (r < 0)
		die_err(prog, "read", (int)r);
	if (write(result, counts, sizeof(counts)) != sizeof(counts))
		_exit(1);
	_exit(0);
}

static void bench_line(struct el_ctx *ctx, uint64_t n, int subscribers,
		       size_t payload_len, double base_rate)
{
	static unsigned char payload[4096];
	int ready[2], result[2], line, i;
	uint64_t delivered = 0, lost = 0, k, t0;
	char name[32], row[32];

	snprintf(name, sizeof(name), "bench-%d-%zu", subscribers, payload_len);
	line = el_line_create(ctx, name, NULL, NULL);
	if (line < 0)
		die_err(prog, "line", line);
	if (pipe(ready) || pipe(result))
		die_err(prog, "pipe", -errno);

	for (i = 0; i < subscribers; i++) {
		if (fork() == 0) {
			close(line);
			close(ready[0]);
			close(result[0]);
			line_consumer(ctx, name, ready[1], result[1]);
		}
	}
	close(ready[1]);
	close(result[1]);
	wait_ready(ready[0], subscribers);

	t0 = now_ns();
	for (k = 0; k < n; k++) {
		int err = el_post(line, 1, payload, payload_len, NULL);

		if (err)
			die_err(prog, "post", err);
	}
	/* Consumers stop at the LINE_CLOSED record, after every event. */
	close(line);
	for (i = 0; i < subscribers; i++) {
		uint64_t counts[2];

		if (read(result[0], counts, sizeof(counts)) != sizeof(counts))
			die_err(prog, "consumer result", -EIO);
		delivered += counts[0];
		lost += counts[1];
	}
	t0 = now_ns() - t0;
	while (wait(NULL) > 0)
		;
	close(ready[0]);
	close(result[0]);

	if (delivered + lost != n * subscribers)
		die_err(prog, "events unaccounted for", -EPROTO);
	snprintf(row, sizeof(row), "line %2d sub x %4zuB", subscribers,
		 payload_len);
	report(row, delivered, lost, t0, base_rate);
}

int main(int argc, char **argv)
{
	static const size_t payloads[] = { 0, 64, 1024, 4096 };
	static const int fanout[] = { 2, 4, 8 };
	struct eventline_info info = { .size = sizeof(info) };
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000;
	struct el_ctx *ctx;
	double pipe_rate;
	size_t i;
	int err;

	if (!n)
		die_err(prog, "EVENTS", -EINVAL);
	err = el_ctx_open(&ctx, NULL);
	if (err)
		die_err(prog, "open /dev/eventline", err);
	err = el_info(ctx, &info);
	if (err)
		die_err(prog, "info", err);

	printf("elbench: %llu messages per row, register queues of %d\n",
	       (unsigned long long)n, QUEUE_LEN);
	bench_syscall(n);
	pipe_rate = bench_pipe(n);
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++)
		if (payloads[i] <= info.max_payload)
			bench_line(ctx, n, 1, payloads[i], pipe_rate);
	for (i = 0; i < sizeof(fanout) / sizeof(fanout[0]); i++)
		bench_line(ctx, n, fanout[i], 64, pipe_rate);

	el_ctx_close(ctx);
	return 0;
}
