/* fwcfg.c - the fw_cfg items a guest can read through ports 510h (selector) and 511h (data). */
#include "fwcfg.h"

#include <stdlib.h>
#include <string.h>

#define KEY_WRITE_CHANNEL 0x4000

static struct fwcfg_item *find(struct fwcfg *f, uint16_t key)
{
	for (int i = 0; i < f->n; i++)
		if (f->item[i].key == key)
			return &f->item[i];
	return NULL;
}

int fwcfg_add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	if (len)
		memcpy(copy, data, len);
	struct fwcfg_item *it = find(f, key);
	if (!it) {
		if (f->n == FWCFG_MAX_ITEMS) {
			free(copy);
			return -1;
		}
		it = &f->item[f->n++];
	} else {
		free(it->data);
	}
	*it = (struct fwcfg_item){ key, len, copy };
	return 0;
}

static void le(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

int fwcfg_init(struct fwcfg *f, uint64_t ram_size)
{
	uint8_t id[4], ram[8], cpus[2];
	memset(f, 0, sizeof *f);
	le(id, 1, 4); /* traditional interface only: no DMA */
	le(ram, ram_size, 8);
	le(cpus, 1, 2);
	if (fwcfg_add(f, FW_CFG_SIGNATURE, "QEMU", 4) || fwcfg_add(f, FW_CFG_ID, id, 4) ||
	    fwcfg_add(f, FW_CFG_RAM_SIZE, ram, 8) || fwcfg_add(f, FW_CFG_NB_CPUS, cpus, 2) ||
	    fwcfg_add(f, FW_CFG_MAX_CPUS, cpus, 2)) {
		fwcfg_free(f);
		return -1;
	}
	return 0;
}

void fwcfg_free(struct fwcfg *f)
{
	for (int i = 0; i < f->n; i++)
		free(f->item[i].data);
	f->n = 0;
}

void fwcfg_reset(struct fwcfg *f)
{
	f->selector = 0;
	f->offset = 0;
}

static uint8_t next_byte(struct fwcfg *f)
{
	const struct fwcfg_item *it = find(f, f->selector & (uint16_t)~KEY_WRITE_CHANNEL);
	if (!it || f->offset >= it->len)
		return 0;
	return it->data[f->offset++];
}

/* The data port is one byte wide; a wider read returns successive bytes
 * of the item, little-endian, as that many byte reads would. The selector
 * port reads 0. */
static uint32_t fwcfg_in(void *opaque, uint16_t port, unsigned size)
{
	struct fwcfg *f = opaque;
	if (port != 0x511)
		return 0;
	uint32_t v = 0;
	for (unsigned k = 0; k < size; k++)
		v |= (uint32_t)next_byte(f) << (8 * k);
	return v;
}

/* Writing the selector (any width; its low 16 bits) rewinds the item;
 * writes to the data port are ignored, as in current QEMU. */
static void fwcfg_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct fwcfg *f = opaque;
	(void)size;
	if (port == 0x510) {
		f->selector = (uint16_t)val;
		f->offset = 0;
	}
}

static const struct pio_ops fwcfg_ops = { fwcfg_in, fwcfg_out };

int fwcfg_attach(struct fwcfg *f, struct pio_map *pio)
{
	return pio_add(pio, 0x510, 2, &fwcfg_ops, f, "fw_cfg");
}
