/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels eventline supports (Debian's 6.1 and
 * 6.12), behind the newer kernel's names, so that nothing else needs an
 * #if.  The EVL_HAVE_* switches come from header probes in Kbuild, which
 * also see what a distribution backported.
 */
#ifndef _EVL_COMPAT_H
#define _EVL_COMPAT_H

#include <linux/mm.h>

#ifdef EVL_HAVE_IO_URING_CMD_H
#include <linux/io_uring/cmd.h>
#else
#include <linux/io_uring.h>
#endif

#ifndef EVL_HAVE_VM_FLAGS_SET
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

/* The command area of a uring_cmd's SQE; 6.7 replaced ->cmd with ->sqe. */
static inline const void *evl_uring_cmd_payload(const struct io_uring_cmd *cmd)
{
#ifdef EVL_HAVE_IO_URING_CMD_H
	return io_uring_sqe_cmd(cmd->sqe);
#else
	return cmd->cmd;
#endif
}

#endif /* _EVL_COMPAT_H */
