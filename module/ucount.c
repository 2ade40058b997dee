// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user counts of what users hold (lines, registers, poster fds),
 * against the per-user limits of limits.c.
 *
 * A user is a (user namespace, uid) pair, not a global uid: the same uid
 * means different people in different namespaces.  And as the kernel's
 * ucounts do, an object is counted again at every ancestor namespace,
 * against the uid that owns the namespace below: a user who creates child
 * user namespaces (and maps subordinate uids in them) shares its own limit
 * with everything they hold, instead of multiplying it by the number of
 * uids it can map.
 *
 * Counts live in a hash keyed by (namespace, uid); an entry exists only
 * while one of its counts is non-zero.  Each charge holds a reference on
 * its namespace, which pins the ancestors, so a key never outlives the
 * namespace it names.
 *
 * LOCKING
 *
 * evl_ucounts_mutex protects the hash and every count.  Charges and
 * uncharges happen in process context only (creating and releasing files)
 * and nest no other eventline lock.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/hash.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "limits.h"
#include "ucount.h"

struct evl_ucount {
	struct hlist_node node;
	const struct user_namespace *ns;
	kuid_t uid;
	unsigned int count[EVL_UCOUNT_TYPES];
};

static DEFINE_MUTEX(evl_ucounts_mutex);
static DEFINE_HASHTABLE(evl_ucounts, 7);

static unsigned long evl_ucount_key(const struct user_namespace *ns, kuid_t uid)
{
	return hash_ptr(ns, 32) ^ __kuid_val(uid);
}

static unsigned int evl_ucount_limit(enum evl_ucount_type type)
{
	switch (type) {
	case EVL_UCOUNT_LINES:
		return evl_max_lines_per_user;
	case EVL_UCOUNT_REGISTERS:
		return evl_max_registers_per_user;
	case EVL_UCOUNT_POSTERS:
		return evl_max_posters_per_user;
	default:
		return 0;
	}
}

static struct evl_ucount *evl_ucount_find(const struct user_namespace *ns,
					  kuid_t uid)
{
	struct evl_ucount *uc;

	hash_for_each_possible(evl_ucounts, uc, node, evl_ucount_key(ns, uid))
		if (uc->ns == ns && uid_eq(uc->uid, uid))
			return uc;
	return NULL;
}

/* The next level up: the namespace's owner, in its parent. */
static bool evl_ucount_up(const struct user_namespace **ns, kuid_t *uid)
{
	if (!(*ns)->parent)
		return false;
	*uid = (*ns)->owner;
	*ns = (*ns)->parent;
	return true;
}

/* Give back one count at each of the first @levels levels of @charge. */
static void evl_ucount_put_levels(const struct evl_charge *charge,
				  unsigned int levels)
{
	const struct user_namespace *ns = charge->ns;
	kuid_t uid = charge->uid;
	struct evl_ucount *uc;
	int i;

	lockdep_assert_held(&evl_ucounts_mutex);
	for (; levels; levels--) {
		uc = evl_ucount_find(ns, uid);
		if (!WARN_ON_ONCE(!uc || !uc->count[charge->type]))
			uc->count[charge->type]--;
		for (i = 0; uc && i < EVL_UCOUNT_TYPES && !uc->count[i]; i++)
			;
		if (uc && i == EVL_UCOUNT_TYPES) {
			hash_del(&uc->node);
			kfree(uc);
		}
		evl_ucount_up(&ns, &uid);
	}
}

/**
 * evl_ucount_charge() - count one more @type object against the caller
 * @charge:	filled in; keep it with the object for evl_ucount_uncharge()
 * @type:	what is being created
 *
 * The caller's fsuid in its user namespace is charged, then the owner of
 * each namespace in its parent, up to the initial namespace.
 *
 * Return: 0, -EDQUOT when any level is at the limit (nothing is charged
 * then), -ENOMEM.
 */
int evl_ucount_charge(struct evl_charge *charge, enum evl_ucount_type type)
{
	const struct user_namespace *ns = current_user_ns();
	unsigned int levels = 0, limit = evl_ucount_limit(type);
	kuid_t uid = current_fsuid();
	struct evl_ucount *uc;
	int err = 0;

	*charge = (struct evl_charge) {
		.ns = get_user_ns(current_user_ns()),
		.uid = uid,
		.type = type,
	};
	mutex_lock(&evl_ucounts_mutex);
	do {
		uc = evl_ucount_find(ns, uid);
		if (!uc) {
			uc = kzalloc(sizeof(*uc), GFP_KERNEL_ACCOUNT);
			if (!uc) {
				err = -ENOMEM;
				break;
			}
			uc->ns = ns;
			uc->uid = uid;
			hash_add(evl_ucounts, &uc->node, evl_ucount_key(ns, uid));
		}
		/* Never a new entry: every limit is at least 1. */
		if (uc->count[type] >= limit) {
			err = -EDQUOT;
			break;
		}
		uc->count[type]++;
		levels++;
	} while (evl_ucount_up(&ns, &uid));
	if (err)
		evl_ucount_put_levels(charge, levels);
	mutex_unlock(&evl_ucounts_mutex);

	if (err) {
		put_user_ns(charge->ns);
		charge->ns = NULL;
	}
	return err;
}

/* Give back what evl_ucount_charge() counted; a zeroed charge is none. */
void evl_ucount_uncharge(struct evl_charge *charge)
{
	const struct user_namespace *ns;
	unsigned int levels = 1;
	kuid_t uid;

	if (!charge->ns)
		return;
	for (ns = charge->ns, uid = charge->uid; evl_ucount_up(&ns, &uid);)
		levels++;
	mutex_lock(&evl_ucounts_mutex);
	evl_ucount_put_levels(charge, levels);
	mutex_unlock(&evl_ucounts_mutex);
	put_user_ns(charge->ns);
	charge->ns = NULL;
}
