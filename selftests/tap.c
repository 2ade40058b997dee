// SPDX-License-Identifier: GPL-2.0
/*
 * tap.c - the TAP 13 harness behind tap.h.
 *
 * The parent process only prints the plan and results and watches the
 * kernel log; everything a case does happens in a forked child (the case
 * "leader") that starts its own process group.  The parent is a child
 * subreaper, so helpers the case forked and left behind are re-parented to
 * it and can be killed and reaped before the next case starts: a stray
 * process holding a line open would otherwise change what the next case
 * sees (names, per-user counts).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

#define TAP_REASON_MAX	256

/*
 * State shared between the parent and the case's processes: the skip
 * reason.  Mapped MAP_SHARED before forking so any process of the case
 * (not only the leader) can tap_skip().
 */
struct tap_shared {
	char reason[TAP_REASON_MAX];
};

static struct tap_shared *tap_shm;
static volatile unsigned int tap_fail_flag;
static int tap_kmsg_fd = -1;

void tap_diag(const char *fmt, ...)
{
	char buf[1024], *line, *save = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	/* One "# " per output line keeps multi-line messages valid TAP. */
	flockfile(stdout);
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("# %s\n", line);
	funlockfile(stdout);
	fflush(stdout);
}

void tap_fail(void)
{
	__atomic_add_fetch(&tap_fail_flag, 1, __ATOMIC_RELAXED);
}

bool tap_failed(void)
{
	return tap_fail_flag != 0;
}

unsigned int tap_fail_count(void)
{
	return tap_fail_flag;
}

void tap_abort(void)
{
	fflush(stdout);
	_exit(TAP_EXIT_FAIL);
}

void tap_child_exit(void)
{
	fflush(stdout);
	_exit(tap_fail_flag ? TAP_EXIT_FAIL : TAP_EXIT_PASS);
}

void tap_skip(const char *fmt, ...)
{
	va_list ap;

	if (tap_shm) {
		va_start(ap, fmt);
		vsnprintf(tap_shm->reason, sizeof(tap_shm->reason), fmt, ap);
		va_end(ap);
	}
	fflush(stdout);
	/* A failure recorded before the skip still counts. */
	_exit(tap_fail_flag ? TAP_EXIT_FAIL : TAP_EXIT_SKIP);
}

const char *tap_errname(int err)
{
	static __thread char buf[16];
	const char *name;

	if (err == 0)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

int tap_int_cmp(struct tap_int a, struct tap_int b)
{
	int sign = a.neg ? -1 : 1;

	/* A negative tap_int is never zero. */
	if (a.neg != b.neg)
		return a.neg ? -1 : 1;
	if (a.mag == b.mag)
		return 0;
	return a.mag < b.mag ? -sign : sign;
}

const char *tap_fmt_int(char *buf, size_t len, struct tap_int v)
{
	if (v.neg)
		snprintf(buf, len, "-%llu (%#llx)", v.mag, -v.mag);
	else
		snprintf(buf, len, "%llu (%#llx)", v.mag, v.mag);
	return buf;
}

void tap_report_cmp(const char *file, int line, const char *a_str,
		    const char *op, const char *b_str, struct tap_int a,
		    struct tap_int b)
{
	char abuf[64], bbuf[64];

	tap_diag("%s:%d: expected %s %s %s", file, line, a_str, op, b_str);
	tap_diag("    left:  %s", tap_fmt_int(abuf, sizeof(abuf), a));
	tap_diag("    right: %s", tap_fmt_int(bbuf, sizeof(bbuf), b));
	tap_fail();
}

/* ------------------------------------------------------------------ */
/* Kernel log oracle                                                   */

/*
 * Substrings that mean the kernel complained.  Any of them in a message
 * logged while a case ran fails that case.
 */
static const char *const tap_kmsg_bad[] = {
	"WARNING:",
	"BUG:",
	"kernel BUG",
	"Oops",
	"general protection fault",
	"KASAN",
	"UBSAN",
	"KFENCE",
	"lockdep",
	"DEBUG_LOCKS_WARN_ON",
	"possible recursive locking",
	"possible circular locking",
	"suspicious RCU usage",
	"INFO: task",
	"rcu_sched self-detected stall",
	"rcu: INFO",
	"refcount_t:",
	"list_add corruption",
	"list_del corruption",
	/* Leak reports only: kmemleak also logs its own allocation failures. */
	"unreferenced object",
	"suspected memory leak",
	"Call Trace:",
	"Kernel panic",
};

static void tap_kmsg_open(void)
{
	tap_kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (tap_kmsg_fd < 0) {
		printf("# kernel log not checked: /dev/kmsg: %s\n",
		       strerror(errno));
		return;
	}
	/* Only what is logged from now on concerns us. */
	lseek(tap_kmsg_fd, 0, SEEK_END);
}

/* Returns the number of bad kernel messages since the last call. */
static int tap_kmsg_check(void)
{
	char rec[8192];
	int bad = 0;

	if (tap_kmsg_fd < 0)
		return 0;

	for (;;) {
		ssize_t n = read(tap_kmsg_fd, rec, sizeof(rec) - 1);
		char *msg, *end;
		size_t i;

		if (n < 0 && errno == EPIPE) {
			/* The ring wrapped under us; keep reading. */
			printf("# kernel log: some messages were lost\n");
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rec[n] = '\0';

		/* "prio,seq,usec,flags;message\n KEY=value\n..." */
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		end = strchr(msg, '\n');
		if (end)
			*end = '\0';

		for (i = 0; i < sizeof(tap_kmsg_bad) / sizeof(tap_kmsg_bad[0]);
		     i++) {
			if (strstr(msg, tap_kmsg_bad[i])) {
				if (bad < 40)
					printf("# kernel: %s\n", msg);
				bad++;
				break;
			}
		}
	}
	fflush(stdout);
	return bad;
}

/* ------------------------------------------------------------------ */
/* Running cases                                                       */

/* Wait for @pid for at most @secs seconds; returns false on timeout. */
static bool tap_wait_timeout(pid_t pid, unsigned int secs, int *status)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	struct timespec start, now;

	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		int ret;

		clock_gettime(CLOCK_MONOTONIC, &start);
		for (;;) {
			long left;

			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (long)secs * 1000 -
			       ((now.tv_sec - start.tv_sec) * 1000 +
				(now.tv_nsec - start.tv_nsec) / 1000000);
			if (left <= 0) {
				close(pidfd);
				return false;
			}
			ret = poll(&pfd, 1, (int)left);
			if (ret > 0)
				break;
			if (ret < 0 && errno != EINTR)
				break;
		}
		close(pidfd);
		return waitpid(pid, status, 0) == pid;
	}

	/* No pidfd (should not happen on 6.1+): poll waitpid. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec tick = { 0, 10 * 1000 * 1000 };

		if (waitpid(pid, status, WNOHANG) == pid)
			return true;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= (time_t)secs)
			return false;
		nanosleep(&tick, NULL);
	}
}

/* Kill and reap whatever is left of a case's process group. */
static void tap_reap_group(pid_t pgid)
{
	int status;

	kill(-pgid, SIGKILL);
	while (waitpid(-pgid, &status, 0) > 0 || errno == EINTR)
		;
	/* Orphans re-parented to us that changed group. */
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

/* Returns TAP_EXIT_* for the case. */
static int tap_run_one(const struct tap_test *t, unsigned int num)
{
	unsigned int timeout = t->timeout ? t->timeout : TAP_DEFAULT_TIMEOUT;
	int status = 0, result;
	pid_t pid;

	memset(tap_shm, 0, sizeof(*tap_shm));
	fflush(stdout);

	pid = fork();
	if (pid < 0) {
		printf("# fork: %s\n", strerror(errno));
		return TAP_EXIT_FAIL;
	}
	if (pid == 0) {
		setpgid(0, 0);
		if (tap_kmsg_fd >= 0)
			close(tap_kmsg_fd);
		tap_fail_flag = 0;
		t->fn();
		tap_child_exit();
	}
	setpgid(pid, pid);

	if (!tap_wait_timeout(pid, timeout, &status)) {
		printf("# %s: timed out after %u s\n", t->name, timeout);
		tap_reap_group(pid);
		result = TAP_EXIT_FAIL;
	} else {
		tap_reap_group(pid);
		if (WIFEXITED(status)) {
			result = WEXITSTATUS(status);
			if (result != TAP_EXIT_PASS && result != TAP_EXIT_SKIP) {
				if (result != TAP_EXIT_FAIL)
					printf("# %s: exited with %d\n",
					       t->name, result);
				result = TAP_EXIT_FAIL;
			}
		} else if (WIFSIGNALED(status)) {
			printf("# %s: killed by signal %d (%s)\n", t->name,
			       WTERMSIG(status), strsignal(WTERMSIG(status)));
			result = TAP_EXIT_FAIL;
		} else {
			result = TAP_EXIT_FAIL;
		}
	}

	if (tap_kmsg_check()) {
		printf("# %s: the kernel logged a warning or error\n", t->name);
		result = TAP_EXIT_FAIL;
	}

	switch (result) {
	case TAP_EXIT_PASS:
		printf("ok %u - %s\n", num, t->name);
		break;
	case TAP_EXIT_SKIP:
		printf("ok %u - %s # SKIP %s\n", num, t->name,
		       tap_shm->reason[0] ? tap_shm->reason : "no reason given");
		break;
	default:
		printf("not ok %u - %s\n", num, t->name);
		break;
	}
	fflush(stdout);
	return result;
}

static bool tap_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc <= 1)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

static void tap_usage(const char *prog, const struct tap_test *tests,
		      unsigned int n)
{
	unsigned int i;

	printf("usage: %s [-l] [case...]\n  -l  list the cases\n", prog);
	printf("cases:\n");
	for (i = 0; i < n; i++)
		printf("  %s\n", tests[i].name);
}

int tap_main(const struct tap_test *tests, unsigned int n,
	     int argc, char **argv)
{
	unsigned int i, planned = 0, num = 0, pass = 0, fail = 0, skip = 0;

	if (argc > 1 && (!strcmp(argv[1], "-l") || !strcmp(argv[1], "-h"))) {
		if (!strcmp(argv[1], "-h")) {
			tap_usage(argv[0], tests, n);
		} else {
			for (i = 0; i < n; i++)
				printf("%s\n", tests[i].name);
		}
		return 0;
	}

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap_shm = mmap(NULL, sizeof(*tap_shm), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tap_shm == MAP_FAILED) {
		perror("mmap");
		return TAP_EXIT_FAIL;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* A reader killed by the test must not kill the harness. */
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A line's mode is the mode asked for less the creator's umask, as
	 * for files.  Cases ask for exact modes, so they start from umask 0
	 * whatever the runner's is; a case about the umask sets its own.
	 */
	umask(0);

	for (i = 0; i < n; i++)
		planned += tap_selected(tests[i].name, argc, argv);

	printf("TAP version 13\n");
	printf("1..%u\n", planned);
	tap_kmsg_open();

	for (i = 0; i < n; i++) {
		if (!tap_selected(tests[i].name, argc, argv))
			continue;
		switch (tap_run_one(&tests[i], ++num)) {
		case TAP_EXIT_PASS:
			pass++;
			break;
		case TAP_EXIT_SKIP:
			skip++;
			break;
		default:
			fail++;
			break;
		}
	}

	printf("# %s: %u passed, %u failed, %u skipped\n",
	       program_invocation_short_name, pass, fail, skip);
	if (fail)
		return TAP_EXIT_FAIL;
	if (planned && skip == planned)
		return TAP_EXIT_SKIP;
	return TAP_EXIT_PASS;
}
