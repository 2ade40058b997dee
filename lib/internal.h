/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libeventline internals.  Nothing here is exported: the objects are built
 * with -fvisibility=hidden and only EL_API symbols reach the dynamic table.
 * Internal helpers are named el__* so they cannot clash with public names.
 */
#ifndef EL_INTERNAL_H
#define EL_INTERNAL_H

#include <stddef.h>
#include "eventline.h"

#define el__offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

struct el_ctx {
	int fd;		/* the open control device */
};

/*
 * Symbol versions, for a call whose argument grew without carrying its size:
 * @impl becomes @name in version node @node, the default one for programs
 * linked from now on, or an older one that programs linked before keep.
 * The implementations are EL_API so that the versioned names are exported;
 * the version script keeps @impl itself local.
 */
#define EL_SYMVER(impl, name, node) \
	__asm__(".symver " #impl "," #name "@" #node)
#define EL_SYMVER_DEFAULT(impl, name, node) \
	__asm__(".symver " #impl "," #name "@@" #node)

EL_API int el__info_v0_1(struct el_ctx *ctx, struct eventline_info *info);
EL_API int el__info_v0_2(struct el_ctx *ctx, struct eventline_info *info);
EL_API int el__info_v0_3(struct el_ctx *ctx, struct eventline_info *info);
EL_API ssize_t el__record_encode_v0_1(void *buf, size_t len,
				      const struct el_record *rec);
EL_API ssize_t el__record_encode_v0_3(void *buf, size_t len,
				      const struct el_record *rec);

int el__opts_check(const void *opts, size_t min_sz, size_t known_sz);

/*
 * Validate an options struct.  @last_v0 is the last member of the first
 * published version of the struct: callers built against that version pass
 * a sz that ends there, and must keep working when the struct grows.
 * @last is the last member this library knows.  Everything after it must
 * be zero, tail padding included: a later version may put a member there.
 */
#define EL_OPTS_CHECK(opts, type, last_v0, last)			\
	el__opts_check((opts), el__offsetofend(struct type, last_v0),	\
		       el__offsetofend(struct type, last))

/*
 * Read an option, or @def when the caller passed no options or a struct too
 * old to contain the field.  Only use after EL_OPTS_CHECK() succeeded.
 */
#define EL_OPTS_GET(opts, field, def)					\
	((opts) && (opts)->sz >=					\
	 el__offsetofend(__typeof__(*(opts)), field) ? (opts)->field : (def))

/*
 * A register's ring as el_ring_map() maps it.  @head runs ahead of
 * @released over the records el_ring_next() returned; @released is the
 * consumer position last stored in, or loaded from, the consumer page.
 * @size is read once: the mapping's length depends on it.
 */
struct el_ring {
	int fd;
	uint32_t size;
	uint32_t head;
	uint32_t released;
	struct eventline_ring_consumer *cons;
	const struct eventline_ring_producer *prod;
	const unsigned char *data;	/* @size bytes, then the same again */
	size_t page;		/* length of the consumer mapping */
	size_t ring_len;	/* length of the mapping at @prod */
};

int el__ring_size_ok(uint32_t size);
int el__ring_init(struct el_ring *ring, int fd,
		  struct eventline_ring_consumer *cons,
		  const struct eventline_ring_producer *prod,
		  const void *data);

int el__line_ref_init(struct eventline_line_ref *ref, const char *name,
		      uint64_t id, uint32_t flags, uint32_t owner_uid,
		      int32_t priority);
int el__copy_name(char dst[EVENTLINE_NAME_MAX], const char *name);
int el__post_entries_init(struct eventline_post_entry *dst,
			  const struct el_post_entry *src, size_t count);

#endif /* EL_INTERNAL_H */
