/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - a small TAP 13 test harness for the eventline selftests.
 *
 * Each test program lists its cases in a table and hands it to tap_main():
 *
 *	static void test_foo(void) { ASSERT_EQ(1 + 1, 2); }
 *
 *	static const struct tap_test tests[] = {
 *		TAP_TEST(test_foo),
 *		TAP_TEST_TIMEOUT(test_slow, 30),
 *	};
 *	TAP_MAIN(tests)
 *
 * Every case runs in its own forked child, in its own process group, so a
 * crash, a hang or a leaked fd in one case cannot disturb the next: the
 * parent kills the whole group when the per-case timeout expires.  The
 * child reports through its exit status (0 pass, 1 fail, 4 skip) and a
 * shared page for the skip reason.
 *
 * After every case the parent reads what the kernel logged meanwhile
 * (/dev/kmsg) and fails the case on any WARNING, BUG, lockdep, KASAN or
 * similar report: the module must never splat, whatever userspace does.
 *
 * EXPECT_* record a failure and let the case go on; ASSERT_* end the case
 * (the current process) at once.  Both print file:line, the expression and
 * the expected and actual values as TAP diagnostics ("# ...").
 *
 * The binary exits 0 when every case passed (skips allowed), 1 when any
 * failed and 4 when every case was skipped.
 */
#ifndef EVENTLINE_SELFTESTS_TAP_H
#define EVENTLINE_SELFTESTS_TAP_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TAP_EXIT_PASS		0
#define TAP_EXIT_FAIL		1
#define TAP_EXIT_SKIP		4

/* Seconds a case may run; TCG guests are slow, so be generous. */
#define TAP_DEFAULT_TIMEOUT	20

struct tap_test {
	const char *name;
	void (*fn)(void);
	unsigned int timeout;	/* seconds, 0 for TAP_DEFAULT_TIMEOUT */
};

#define TAP_TEST(fn)			{ #fn, fn, 0 }
#define TAP_TEST_TIMEOUT(fn, secs)	{ #fn, fn, (secs) }

#define TAP_MAIN(table)							\
	int main(int argc, char **argv)					\
	{								\
		return tap_main(table, sizeof(table) / sizeof(table[0]), \
				argc, argv);				\
	}

int tap_main(const struct tap_test *tests, unsigned int n,
	     int argc, char **argv);

/* Print one "# ..." diagnostic line. */
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Mark the current case failed but keep going. */
void tap_fail(void);
bool tap_failed(void);
/* Failures recorded so far, to tell whether a check added any. */
unsigned int tap_fail_count(void);

/* End the current case (or helper process) now. */
void tap_skip(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void tap_abort(void) __attribute__((noreturn));

/*
 * Exit status for a process forked by a case: 0 when it recorded no
 * failure.  Use it as the last thing a helper child does, and check the
 * status with tu_wait_ok() in the parent.
 */
void tap_child_exit(void) __attribute__((noreturn));

/* "EINVAL" for EINVAL, or the number for anything unusual. */
const char *tap_errname(int err);

/*
 * An integer of any standard type up to 64 bits, by sign and magnitude, so
 * that signed and unsigned values compare by value on every ABI (i386 has
 * no __int128): no -Wsign-compare surprises, no u64 turning negative.
 */
struct tap_int {
	bool neg;
	unsigned long long mag;
};

/* "<= 0 && != 0" rather than "< 0": no -Wtype-limits on unsigned types. */
#define TAP_INT(v)							\
	({								\
		__typeof__(v) __v = (v);				\
		bool __neg = __v <= 0 && __v != 0;			\
		(struct tap_int){ __neg, __neg ?			\
			-(unsigned long long)(long long)__v :		\
			(unsigned long long)__v };			\
	})

/* -1, 0 or 1 as @a is below, equal to or above @b. */
int tap_int_cmp(struct tap_int a, struct tap_int b);

/* Fill @buf with a printable form of @v. */
const char *tap_fmt_int(char *buf, size_t len, struct tap_int v);

void tap_report_cmp(const char *file, int line, const char *a_str,
		    const char *op, const char *b_str, struct tap_int a,
		    struct tap_int b);

#define __TAP_CMP(a, a_str, op, b, b_str, on_fail)			\
	do {								\
		struct tap_int __a = TAP_INT(a);			\
		struct tap_int __b = TAP_INT(b);			\
		if (!(tap_int_cmp(__a, __b) op 0)) {			\
			tap_report_cmp(__FILE__, __LINE__, a_str, #op, b_str, \
				       __a, __b);			\
			on_fail;					\
		}							\
	} while (0)

#define EXPECT_EQ(a, b)		__TAP_CMP(a, #a, ==, b, #b, tap_fail())
#define EXPECT_NE(a, b)		__TAP_CMP(a, #a, !=, b, #b, tap_fail())
#define EXPECT_LT(a, b)		__TAP_CMP(a, #a, <, b, #b, tap_fail())
#define EXPECT_LE(a, b)		__TAP_CMP(a, #a, <=, b, #b, tap_fail())
#define EXPECT_GT(a, b)		__TAP_CMP(a, #a, >, b, #b, tap_fail())
#define EXPECT_GE(a, b)		__TAP_CMP(a, #a, >=, b, #b, tap_fail())
#define ASSERT_EQ(a, b)		__TAP_CMP(a, #a, ==, b, #b, tap_abort())
#define ASSERT_NE(a, b)		__TAP_CMP(a, #a, !=, b, #b, tap_abort())
#define ASSERT_LT(a, b)		__TAP_CMP(a, #a, <, b, #b, tap_abort())
#define ASSERT_LE(a, b)		__TAP_CMP(a, #a, <=, b, #b, tap_abort())
#define ASSERT_GT(a, b)		__TAP_CMP(a, #a, >, b, #b, tap_abort())
#define ASSERT_GE(a, b)		__TAP_CMP(a, #a, >=, b, #b, tap_abort())

#define __TAP_BOOL(cond, cond_str, want, on_fail)			\
	do {								\
		if ((bool)(cond) != (want)) {				\
			tap_diag("%s:%d: expected %s to be %s",		\
				 __FILE__, __LINE__, cond_str,		\
				 (want) ? "true" : "false");		\
			tap_fail();					\
			on_fail;					\
		}							\
	} while (0)

#define EXPECT_TRUE(c)		__TAP_BOOL(c, #c, true, (void)0)
#define EXPECT_FALSE(c)		__TAP_BOOL(c, #c, false, (void)0)
#define ASSERT_TRUE(c)		__TAP_BOOL(c, #c, true, tap_abort())
#define ASSERT_FALSE(c)		__TAP_BOOL(c, #c, false, tap_abort())

/*
 * A libc-style call (returns -1 and sets errno on failure) must fail with
 * errno @err.
 */
#define __TAP_ERRNO(call, call_str, err, on_fail)			\
	do {								\
		long __r;						\
		int __e;						\
		errno = 0;						\
		__r = (long)(call);					\
		__e = errno;						\
		if (__r != -1 || __e != (err)) {			\
			tap_diag("%s:%d: %s", __FILE__, __LINE__, call_str); \
			if (__r == -1)					\
				tap_diag("    expected -1/%s, got -1/%s", \
					 tap_errname(err),		\
					 tap_errname(__e));		\
			else						\
				tap_diag("    expected -1/%s, got %ld",	\
					 tap_errname(err), __r);	\
			tap_fail();					\
			on_fail;					\
		}							\
	} while (0)

#define EXPECT_ERRNO(call, err)	__TAP_ERRNO(call, #call, err, (void)0)
#define ASSERT_ERRNO(call, err)	__TAP_ERRNO(call, #call, err, tap_abort())

/*
 * A libc-style call must succeed; evaluates to its return value so it can
 * be used as "int fd = ASSERT_SYSOK(open(...));".
 */
#define __TAP_SYSOK(call, call_str, on_fail)				\
	({								\
		long __r;						\
		errno = 0;						\
		__r = (long)(call);					\
		if (__r < 0) {						\
			tap_diag("%s:%d: %s", __FILE__, __LINE__, call_str); \
			tap_diag("    expected success, got %ld/%s",	\
				 __r, tap_errname(errno));		\
			tap_fail();					\
			on_fail;					\
		}							\
		__r;							\
	})

#define EXPECT_SYSOK(call)	__TAP_SYSOK(call, #call, (void)0)
#define ASSERT_SYSOK(call)	__TAP_SYSOK(call, #call, tap_abort())

/*
 * A kernel-style expression (returns >= 0 or -errno, as the util.h
 * helpers do) must give -@err.
 */
#define __TAP_RET(expr, expr_str, err, on_fail)				\
	do {								\
		long __r = (long)(expr);				\
		if (__r != -(long)(err)) {				\
			tap_diag("%s:%d: %s", __FILE__, __LINE__, expr_str); \
			if (__r < 0)					\
				tap_diag("    expected -%s, got -%s",	\
					 tap_errname(err),		\
					 tap_errname((int)-__r));	\
			else						\
				tap_diag("    expected -%s, got %ld (success)", \
					 tap_errname(err), __r);	\
			tap_fail();					\
			on_fail;					\
		}							\
	} while (0)

#define EXPECT_RET(expr, err)	__TAP_RET(expr, #expr, err, (void)0)
#define ASSERT_RET(expr, err)	__TAP_RET(expr, #expr, err, tap_abort())

/* A kernel-style expression must succeed; evaluates to its value. */
#define __TAP_OK(expr, expr_str, on_fail)				\
	({								\
		long __r = (long)(expr);				\
		if (__r < 0) {						\
			tap_diag("%s:%d: %s", __FILE__, __LINE__, expr_str); \
			tap_diag("    expected success, got -%s",	\
				 tap_errname((int)-__r));		\
			tap_fail();					\
			on_fail;					\
		}							\
		__r;							\
	})

#define EXPECT_OK(expr)		__TAP_OK(expr, #expr, (void)0)
#define ASSERT_OK(expr)		__TAP_OK(expr, #expr, tap_abort())

#endif /* EVENTLINE_SELFTESTS_TAP_H */
