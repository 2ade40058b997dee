/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_LIMITS_H
#define _EVL_LIMITS_H

/* Bounds on what users can make the module hold; module parameters. */
extern unsigned int evl_max_lines_per_user;
extern unsigned int evl_max_registers_per_line;
extern unsigned int evl_max_payload;
extern unsigned int evl_max_queue_len;
extern unsigned int evl_default_queue_len;

int evl_limits_check(void);

#endif /* _EVL_LIMITS_H */
