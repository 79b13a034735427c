/* segment.c - reading descriptors and filling the hidden segment caches. */
#include "segment.h"

#include "access.h"

bool seg_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc)
{
	uint32_t off = sel & 0xfff8u;
	if (off + 7 > c->gdtr.limit)
		return false;
	*desc = sys_read(c, c->gdtr.base + off, 8);
	return true;
}

void seg_cache_load(struct segment *s, uint16_t sel, uint64_t desc)
{
	s->sel = sel;
	s->base = desc_base(desc);
	s->limit = desc_limit(desc);
	s->attr = desc_attr(desc);
}
