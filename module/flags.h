/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_FLAGS_H
#define _EVL_FLAGS_H

#include <linux/bits.h>

#include <linux/eventline.h>

/*
 * Every flag this module accepts, per argument.  Kept out of the uapi
 * header so that adding a flag never changes what old binaries were told
 * is valid; userspace learns them from EVENTLINE_IOC_GET_INFO.
 */
#define EVL_FD_FLAGS		(EVENTLINE_FD_CLOEXEC | EVENTLINE_FD_NONBLOCK)
#define EVL_LINE_CREATE_FLAGS	EVL_FD_FLAGS
#define EVL_REF_FLAGS		(EVENTLINE_REF_OWNER_UID | \
				 EVENTLINE_REF_KERNEL_OWNED)
#define EVL_LINE_OPEN_FLAGS	(EVL_FD_FLAGS | EVL_REF_FLAGS)
#define EVL_REGISTER_FLAGS	(EVL_FD_FLAGS | EVENTLINE_REGISTER_WAKE_ALWAYS | \
				 EVENTLINE_REGISTER_DEPTH_FILTER)
#define EVL_SUBSCRIBE_FLAGS	EVL_REF_FLAGS
#define EVL_POST_FLAGS		(EVENTLINE_POST_PARENT | EVENTLINE_POST_RETAIN)
/* POST_BATCH: retaining is for single posts. */
#define EVL_POST_BATCH_FLAGS	EVENTLINE_POST_PARENT

/* Read (subscribe) and write (post) for owner, group and other. */
#define EVL_LINE_MODES		0666

#define EVL_CATEGORIES		(BIT_ULL(EVENTLINE_CAT_META) | \
				 BIT_ULL(EVENTLINE_CAT_LINE))

#endif /* _EVL_FLAGS_H */
