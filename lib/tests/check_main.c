// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit test runner: needs no kernel module.  Every test runs in its own
 * process (CK_FORK), so a crash fails one test instead of the run.
 */
#include <stdlib.h>

#include "check_eventline.h"

int main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(record_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, ring_suite());
	srunner_add_suite(sr, uring_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
