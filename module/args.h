/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_ARGS_H
#define _EVL_ARGS_H

#include <linux/types.h>

int evl_args_from_user(void *dst, size_t ksize, size_t min_size,
		       const void __user *uarg);

#endif /* _EVL_ARGS_H */
