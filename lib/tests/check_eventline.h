/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Suites of the libeventline unit tests; check_main.c runs them all. */
#ifndef CHECK_EVENTLINE_H
#define CHECK_EVENTLINE_H

#include <check.h>

Suite *record_suite(void);
Suite *api_suite(void);
Suite *ring_suite(void);
Suite *uring_suite(void);

#endif
