/* ioport.c - the port-I/O map: routing IN and OUT to devices. */
#include "ioport.h"

#include <stddef.h>

int pio_add(struct pio_map *pm, uint16_t first, uint32_t count,
	    const struct pio_ops *ops, void *opaque, const char *name)
{
	if (pm->n == PIO_MAX_RANGES || count == 0 || first + count > 0x10000)
		return -1;
	for (int i = 0; i < pm->n; i++)
		if (first < pm->r[i].first + pm->r[i].count && pm->r[i].first < first + count)
			return -1;
	pm->r[pm->n++] = (struct pio_range){ first, count, ops, opaque, name };
	return 0;
}

static const struct pio_range *find(const struct pio_map *pm, uint16_t port)
{
	for (int i = 0; i < pm->n; i++)
		if ((uint32_t)(port - pm->r[i].first) < pm->r[i].count)
			return &pm->r[i];
	return NULL;
}

uint32_t pio_in(struct pio_map *pm, uint16_t port, unsigned size)
{
	const struct pio_range *r = find(pm, port);
	uint32_t ones = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	if (!r || !r->ops->in)
		return ones;
	return r->ops->in(r->opaque, port, size) & ones;
}

void pio_out(struct pio_map *pm, uint16_t port, unsigned size, uint32_t val)
{
	const struct pio_range *r = find(pm, port);
	if (r && r->ops->out)
		r->ops->out(r->opaque, port, size, val);
}
