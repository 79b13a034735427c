/* fwcfg.h - QEMU's firmware configuration device, traditional interface at 510h/511h. */
#ifndef VTSIM_FWCFG_H
#define VTSIM_FWCFG_H

#include <stdint.h>

#include "../ioport.h"

/*
 * The selector port (510h, 16 bits) picks an item by key and rewinds it;
 * each read of the data port (511h) returns the item's next byte, and 0
 * past its end or for a key with no item. Keys as QEMU numbers them
 * (QEMU's docs/specs/fw_cfg.rst): bit 14 (the write channel, unsupported)
 * is ignored and bit 15 selects the architecture-specific keys.
 */
#define FW_CFG_SIGNATURE 0x0000 /* "QEMU" */
#define FW_CFG_ID 0x0001        /* feature bits, 32-bit LE: bit 0 traditional interface */
#define FW_CFG_RAM_SIZE 0x0003  /* 64-bit LE */
#define FW_CFG_NB_CPUS 0x0005   /* 16-bit LE */
#define FW_CFG_MAX_CPUS 0x000f  /* 16-bit LE */

#define FWCFG_MAX_ITEMS 32

struct fwcfg_item {
	uint16_t key;          /* selector value */
	uint32_t len;          /* bytes */
	uint8_t *data;         /* owned copy */
};

struct fwcfg {
	uint16_t selector;                      /* current key */
	uint32_t offset;                        /* next byte of the selected item */
	struct fwcfg_item item[FWCFG_MAX_ITEMS]; /* the items */
	int n;                                  /* items in use */
};

/* The standard items for a machine with ram_size bytes and one CPU.
 * Returns 0, or -1 when out of memory. */
int fwcfg_init(struct fwcfg *f, uint64_t ram_size);
void fwcfg_free(struct fwcfg *f);
/* Add or replace an item (for loaders). Returns 0, or -1 when full or out of memory. */
int fwcfg_add(struct fwcfg *f, uint16_t key, const void *data, uint32_t len);
int fwcfg_attach(struct fwcfg *f, struct pio_map *pio);
/* Selector back to key 0, offset 0. */
void fwcfg_reset(struct fwcfg *f);

#endif
