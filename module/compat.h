/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels eventline supports (Debian's 6.1 and
 * 6.12), behind the newer kernel's names.  Nothing else may test the
 * kernel version.
 */
#ifndef _EVL_COMPAT_H
#define _EVL_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vm_flags read-only behind these (bc292ab00f6c). */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#endif /* _EVL_COMPAT_H */
