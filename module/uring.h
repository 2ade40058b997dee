/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_URING_H
#define _EVL_URING_H

struct io_uring_cmd;

int evl_uring_cmd(struct io_uring_cmd *cmd, unsigned int issue_flags);

#endif /* _EVL_URING_H */
