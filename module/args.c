// SPDX-License-Identifier: GPL-2.0
/*
 * Reading extensible ioctl argument structs.
 *
 * Every eventline argument struct begins with a u32 size set by the caller.
 * One helper validates it for all ioctls so that the rules of the uapi
 * header (short struct, oversized struct with a non-zero tail) hold
 * everywhere in exactly the same way.
 */
#include <linux/uaccess.h>

#include "args.h"

/**
 * evl_args_from_user() - copy an argument struct that carries its own size
 * @dst:	kernel copy, @ksize bytes
 * @ksize:	sizeof() the struct as this module knows it
 * @min_size:	size of the first published version of the struct
 * @uarg:	user pointer; its first u32 is the caller's size
 *
 * Return: the caller's size (so that output is written back as far as the
 * size that was checked, not one re-read from userspace), -EFAULT, -EINVAL
 * when it is below @min_size, or -E2BIG when it is larger than a page or
 * has non-zero bytes beyond @ksize.  A caller's struct shorter than @ksize
 * is zero-extended.
 */
int evl_args_from_user(void *dst, size_t ksize, size_t min_size,
		       const void __user *uarg)
{
	u32 usize;
	int err;

	if (get_user(usize, (const u32 __user *)uarg))
		return -EFAULT;
	if (usize < min_size)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	err = copy_struct_from_user(dst, ksize, uarg, usize);
	return err ?: usize;
}

/* Output starts after the size and flags words, which are never written. */
#define EVL_ARGS_OUT_OFFSET	(2 * sizeof(u32))

/**
 * evl_args_to_user() - write a struct's output back, as far as the caller's
 *			size reaches
 * @uarg:	the caller's struct
 * @src:	the kernel's struct, @ksize bytes, beginning with size and flags
 * @ksize:	sizeof() the struct as this module knows it
 * @usize:	the size evl_args_from_user() returned
 *
 * Return: 0 or -EFAULT.
 */
int evl_args_to_user(void __user *uarg, const void *src, size_t ksize,
		     size_t usize)
{
	size_t len = min(ksize, usize) - EVL_ARGS_OUT_OFFSET;

	if (copy_to_user((char __user *)uarg + EVL_ARGS_OUT_OFFSET,
			 (const char *)src + EVL_ARGS_OUT_OFFSET, len))
		return -EFAULT;
	return 0;
}
