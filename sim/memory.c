/* memory.c - the physical memory map: routing accesses to RAM, devices or nothing. */
#include "memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int phys_init(struct physmem *pm, uint64_t ram_size)
{
	memset(pm, 0, sizeof *pm);
	if (ram_size == 0 || ram_size > PHYS_MAX_RAM || (ram_size & ~PAGE_MASK))
		return -1;
	/* MAP_NORESERVE: a 4 GiB guest costs only the pages it touches. */
	void *p = mmap(NULL, ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	pm->code = calloc(ram_size >> PAGE_SHIFT, 1);
	if (!pm->code) {
		munmap(p, ram_size);
		return -1;
	}
	pm->ram = p;
	pm->ram_size = ram_size;
	return 0;
}

void phys_free(struct physmem *pm)
{
	if (pm->ram)
		munmap(pm->ram, pm->ram_size);
	free(pm->code);
	memset(pm, 0, sizeof *pm);
}

int phys_add_mmio(struct physmem *pm, uint64_t base, uint64_t size,
		  const struct mmio_ops *ops, void *opaque, const char *name)
{
	if (pm->n_mmio == PHYS_MAX_MMIO || size == 0 || base + size < base)
		return -1;
	for (int i = 0; i < pm->n_mmio; i++) {
		const struct phys_region *r = &pm->mmio[i];
		if (base < r->base + r->size && r->base < base + size)
			return -1;
	}
	pm->mmio[pm->n_mmio++] = (struct phys_region){ base, size, ops, opaque, name };
	return 0;
}

static const struct phys_region *find_mmio(const struct physmem *pm, uint64_t pa)
{
	for (int i = 0; i < pm->n_mmio; i++)
		if (pa - pm->mmio[i].base < pm->mmio[i].size)
			return &pm->mmio[i];
	return NULL;
}

static bool overlaps_mmio(const struct physmem *pm, uint64_t pa, uint64_t len)
{
	for (int i = 0; i < pm->n_mmio; i++) {
		const struct phys_region *r = &pm->mmio[i];
		if (pa < r->base + r->size && r->base < pa + len)
			return true;
	}
	return false;
}

uint8_t *phys_ram_span(struct physmem *pm, uint64_t pa, uint64_t len)
{
	if (pa >= pm->ram_size || len > pm->ram_size - pa)
		return NULL;
	if (pm->n_mmio && overlaps_mmio(pm, pa, len))
		return NULL;
	return pm->ram + pa;
}

static void note_code_write(struct physmem *pm, uint64_t pa, unsigned len)
{
	uint64_t first = pa >> PAGE_SHIFT, last = (pa + len - 1) >> PAGE_SHIFT;
	for (uint64_t pg = first; pg <= last && (pg << PAGE_SHIFT) < pm->ram_size; pg++) {
		if (pm->code[pg] && pm->on_code_write) {
			pm->on_code_write(pm->code_opaque, pa, len);
			return;
		}
	}
}

uint64_t phys_read(struct physmem *pm, uint64_t pa, unsigned size)
{
	uint8_t *p = phys_ram_span(pm, pa, size);
	if (p) {
		uint64_t v = 0;
		memcpy(&v, p, size);
		return v;
	}
	const struct phys_region *r = find_mmio(pm, pa);
	if (r && pa + size - r->base <= r->size)
		return r->ops->read(r->opaque, pa - r->base, size);
	/* Straddling or unbacked: assemble byte by byte; the void reads 0xFF. */
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		uint64_t b = 0xff, a = pa + i;
		if ((r = find_mmio(pm, a)) != NULL)
			b = r->ops->read(r->opaque, a - r->base, 1) & 0xff;
		else if (a < pm->ram_size)
			b = pm->ram[a];
		v |= b << (8 * i);
	}
	return v;
}

void phys_write(struct physmem *pm, uint64_t pa, unsigned size, uint64_t val)
{
	uint8_t *p = phys_ram_span(pm, pa, size);
	if (p) {
		memcpy(p, &val, size);
		note_code_write(pm, pa, size);
		return;
	}
	const struct phys_region *r = find_mmio(pm, pa);
	if (r && pa + size - r->base <= r->size) {
		r->ops->write(r->opaque, pa - r->base, size, val);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		uint64_t a = pa + i, b = (val >> (8 * i)) & 0xff;
		if ((r = find_mmio(pm, a)) != NULL)
			r->ops->write(r->opaque, a - r->base, 1, b);
		else if (a < pm->ram_size) {
			pm->ram[a] = (uint8_t)b;
			note_code_write(pm, a, 1);
		}
	}
}

void phys_read_buf(struct physmem *pm, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;
	uint8_t *p = phys_ram_span(pm, pa, len);
	if (p) {
		memcpy(out, p, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)phys_read(pm, pa + i, 1);
}

void phys_write_buf(struct physmem *pm, uint64_t pa, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	uint8_t *p = phys_ram_span(pm, pa, len);
	if (p && len) {
		memcpy(p, in, len);
		/* One notification per page touched. */
		for (uint64_t a = pa; a < pa + len; a = (a & PAGE_MASK) + PAGE_SIZE) {
			uint64_t end = (a & PAGE_MASK) + PAGE_SIZE;
			if (end > pa + len)
				end = pa + len;
			note_code_write(pm, a, (unsigned)(end - a));
		}
		return;
	}
	for (size_t i = 0; i < len; i++)
		phys_write(pm, pa + i, 1, in[i]);
}
