/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_UCOUNT_H
#define _EVL_UCOUNT_H

#include <linux/uidgid.h>

struct user_namespace;

/* What a user holds, each kind with its own per-user limit. */
enum evl_ucount_type {
	EVL_UCOUNT_LINES,	/* lines owned: max_lines_per_user */
	EVL_UCOUNT_REGISTERS,	/* registers: max_registers_per_user */
	EVL_UCOUNT_POSTERS,	/* poster fds: max_posters_per_user */
	EVL_UCOUNT_TYPES
};

/*
 * Who one object is counted against: a user namespace (referenced) and an
 * fsuid in it.  A zeroed charge is no charge (kernel code's lines).
 */
struct evl_charge {
	struct user_namespace *ns;
	kuid_t uid;
	enum evl_ucount_type type;
};

int evl_ucount_charge(struct evl_charge *charge, enum evl_ucount_type type);
void evl_ucount_uncharge(struct evl_charge *charge);

#endif /* _EVL_UCOUNT_H */
