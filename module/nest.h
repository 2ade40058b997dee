/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_NEST_H
#define _EVL_NEST_H

#include <linux/types.h>

/* No event is being handled: evl_nest_read()'s argument for none. */
#define EVL_NEST_NONE	(-1)

void evl_nest_read(int depth);
int evl_nest_depth(u16 parent_depth, bool has_parent, u16 *depth);
void evl_nest_exit(void);

#endif /* _EVL_NEST_H */
