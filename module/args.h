/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_ARGS_H
#define _EVL_ARGS_H

#include <linux/types.h>

int evl_args_from_user(void *dst, size_t ksize, size_t min_size,
		       const void __user *uarg);
int evl_args_to_user(void __user *uarg, const void *src, size_t ksize,
		     size_t usize);

#endif /* _EVL_ARGS_H */
