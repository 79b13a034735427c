/* memory.h - the physical memory map: RAM, device ranges, and the rest. */
#ifndef VTSIM_MEMORY_H
#define VTSIM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Physical address space, as a PC sees it:
 *
 *   0 ................ ram_size      RAM (host memory, byte for byte)
 *   mmio[i].base ..   + size         a device: reads and writes call it
 *   anything else                    unbacked: reads all-ones, writes dropped
 *
 * Device ranges take precedence over RAM where they overlap (as the
 * xAPIC page does on a real PC).
 */

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ull
#define PAGE_MASK (~(PAGE_SIZE - 1))

struct mmio_ops {
	uint64_t (*read)(void *opaque, uint64_t off, unsigned size);            /* size 1,2,4,8 */
	void (*write)(void *opaque, uint64_t off, unsigned size, uint64_t val); /* size 1,2,4,8 */
};

#define PHYS_MAX_MMIO 16

struct phys_region {
	uint64_t base;              /* first physical address */
	uint64_t size;              /* bytes */
	const struct mmio_ops *ops; /* callbacks */
	void *opaque;               /* device state passed to ops */
	const char *name;           /* for messages */
};

/* Called when a write lands on a RAM page marked as holding decoded code. */
typedef void code_write_fn(void *opaque, uint64_t paddr, unsigned len);

struct physmem {
	uint8_t *ram;               /* host copy of guest RAM */
	uint64_t ram_size;          /* bytes, a multiple of PAGE_SIZE */
	uint8_t *code;              /* per RAM page: nonzero if decoded code lives there */
	code_write_fn *on_code_write; /* the decoded-instruction cache's hook */
	void *code_opaque;          /* its state */
	struct phys_region mmio[PHYS_MAX_MMIO]; /* device ranges */
	int n_mmio;                 /* used entries of mmio[] */
};

/* Largest RAM vtsim accepts (64 GiB): the host must be able to reserve it. */
#define PHYS_MAX_RAM (64ull << 30)

/* Returns 0, or -1 if the host cannot reserve the RAM. */
int phys_init(struct physmem *pm, uint64_t ram_size);
void phys_free(struct physmem *pm);
/* Returns 0, or -1 when the table is full or the range overlaps a device. */
int phys_add_mmio(struct physmem *pm, uint64_t base, uint64_t size,
		  const struct mmio_ops *ops, void *opaque, const char *name);

/* Host pointer to RAM at pa if [pa, pa+len) is plain RAM (no device), else NULL. */
uint8_t *phys_ram_span(struct physmem *pm, uint64_t pa, uint64_t len);

/* One access of size 1, 2, 4 or 8 bytes, naturally or not aligned, routed
 * to RAM, a device or the void. Writes notify the decoded-code hook. */
uint64_t phys_read(struct physmem *pm, uint64_t pa, unsigned size);
void phys_write(struct physmem *pm, uint64_t pa, unsigned size, uint64_t val);

/* Bulk copies for loaders and front ends (byte by byte through the map). */
void phys_read_buf(struct physmem *pm, uint64_t pa, void *buf, size_t len);
void phys_write_buf(struct physmem *pm, uint64_t pa, const void *buf, size_t len);

static inline bool phys_is_code_page(const struct physmem *pm, uint64_t pa)
{
	return pa < pm->ram_size && pm->code[pa >> PAGE_SHIFT];
}

#endif
