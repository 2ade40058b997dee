// SPDX-License-Identifier: GPL-2.0
/*
 * Creating the anonymous-inode files behind line and register fds.
 *
 * Each file holds a reference on the module through fops->owner, which is
 * what makes rmmod fail with -EBUSY while any eventline fd is open.
 */
#include <linux/anon_inodes.h>
#include <linux/fcntl.h>
#include <linux/file.h>

#include <linux/eventline.h>

#include "fd.h"

/**
 * evl_fd_prepare() - reserve an fd and create its file
 * @nfd:	filled in on success
 * @name:	anon inode name shown in /proc/<pid>/fd
 * @fops:	file operations; their release() owns @priv from now on
 * @priv:	file->private_data
 * @access:	O_RDONLY, O_WRONLY or O_RDWR
 * @evl_fd_flags: EVENTLINE_FD_* flags from the caller, already validated
 *
 * On failure nothing was created and @priv still belongs to the caller.
 */
int evl_fd_prepare(struct evl_new_fd *nfd, const char *name,
		   const struct file_operations *fops, void *priv,
		   int access, u32 evl_fd_flags)
{
	int flags = access;

	if (evl_fd_flags & EVENTLINE_FD_CLOEXEC)
		flags |= O_CLOEXEC;
	if (evl_fd_flags & EVENTLINE_FD_NONBLOCK)
		flags |= O_NONBLOCK;

	nfd->fd = get_unused_fd_flags(flags);
	if (nfd->fd < 0)
		return nfd->fd;

	nfd->file = anon_inode_getfile(name, fops, priv, flags);
	if (IS_ERR(nfd->file)) {
		put_unused_fd(nfd->fd);
		return PTR_ERR(nfd->file);
	}
	return 0;
}

/* Make the fd visible to userspace; returns it. */
int evl_fd_install(struct evl_new_fd *nfd)
{
	fd_install(nfd->fd, nfd->file);
	return nfd->fd;
}

/* Undo evl_fd_prepare(); the file's release() runs and frees its object. */
void evl_fd_abort(struct evl_new_fd *nfd)
{
	fput(nfd->file);
	put_unused_fd(nfd->fd);
}
