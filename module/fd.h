/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_FD_H
#define _EVL_FD_H

#include <linux/fs.h>

/*
 * A file descriptor reserved but not yet visible to userspace, so that an
 * ioctl can still fail (say, writing an output field) without having handed
 * out an fd.
 */
struct evl_new_fd {
	struct file *file;
	int fd;
};

int evl_fd_prepare(struct evl_new_fd *nfd, const char *name,
		   const struct file_operations *fops, void *priv,
		   int access, u32 evl_fd_flags);
int evl_fd_install(struct evl_new_fd *nfd);
void evl_fd_abort(struct evl_new_fd *nfd);

#endif /* _EVL_FD_H */
