/* segment.h - segment descriptors and the hidden descriptor caches. */
#ifndef VTSIM_SEGMENT_H
#define VTSIM_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

/*
 * A segment descriptor (SDM Vol. 3A, 3.4.5 "Segment Descriptors"):
 *
 *   63..56  55 54  53 52  51..48   47 46-45 44  43..40  39..16      15..0
 *   base    G  D/B L  AVL limit    P  DPL   S   type    base 23:0   limit 15:0
 *   31:24                 19:16
 */
static inline uint64_t desc_base(uint64_t d)
{
	return ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
}

static inline uint32_t desc_limit(uint64_t d)
{
	uint32_t raw = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	return (d & (1ull << 55)) ? (raw << 12) | 0xfff : raw;
}

/* Access rights in the VMCS layout used by struct segment. */
static inline uint16_t desc_attr(uint64_t d)
{
	return (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
}

/* Read the 8-byte descriptor for sel from the GDT or LDT. Returns false if
 * the selector is beyond the table limit (or names an absent LDT). */
bool seg_read_desc(struct cpu *c, uint16_t sel, uint64_t *desc);
/* A 16-byte system descriptor (IA-32e mode: call gates, TSS, LDT). */
bool seg_read_desc16(struct cpu *c, uint16_t sel, uint64_t *lo, uint64_t *hi);
/* Write a descriptor back (the busy bit of a TSS, the accessed bit). */
void seg_write_desc(struct cpu *c, uint16_t sel, uint64_t desc);

/* Descriptor fields (SDM Vol. 3A, 3.4.5). */
static inline unsigned desc_type(uint64_t d) { return (d >> 40) & 0xf; }
static inline unsigned desc_dpl(uint64_t d) { return (d >> 45) & 3; }
static inline bool desc_s(uint64_t d) { return (d >> 44) & 1; }
static inline bool desc_present(uint64_t d) { return (d >> 47) & 1; }
static inline bool desc_l(uint64_t d) { return (d >> 53) & 1; }
static inline bool desc_db(uint64_t d) { return (d >> 54) & 1; }
static inline bool desc_is_code(uint64_t d) { return desc_s(d) && (desc_type(d) & 8); }
static inline bool desc_conforming(uint64_t d) { return desc_is_code(d) && (desc_type(d) & 4); }

/* Load DS/ES/FS/GS/SS by selector with the architectural checks (faults). */
void seg_load(struct cpu *c, int seg, uint16_t sel);

/* Set the accessed bit of a code/data descriptor in its table; returns it. */
uint64_t seg_mark_accessed(struct cpu *c, uint16_t sel, uint64_t desc);

/* Fill a descriptor cache from a descriptor. */
void seg_cache_load(struct segment *s, uint16_t sel, uint64_t desc);

#endif
