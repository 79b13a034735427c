/* icache.h - the decoded-instruction cache: blocks keyed by physical address. */
#ifndef VTSIM_ICACHE_H
#define VTSIM_ICACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "insn.h"

struct cpu;

#define BLOCK_MAX_INSNS 32

/*
 * A block is a run of decoded instructions that starts at one physical
 * address and ends at a control transfer, at the end of its 4 KiB page, or
 * after BLOCK_MAX_INSNS. Blocks never span pages: an instruction that
 * crosses a page boundary is decoded afresh each time it runs (rare, and
 * it keeps every block dependent on one physical page only).
 *
 * Coherence with self-modifying code: a page holding blocks is marked in
 * physmem.code, which keeps the TLB from granting fast writes to it; every
 * write to it reaches icache_code_written(), which drops the blocks whose
 * bytes overlap the write. Dropped blocks are freed only at the next
 * lookup, never under a running handler.
 */
struct block {
	uint64_t pa;              /* physical address of the first byte */
	uint16_t end_off;         /* page offset one past the last byte */
	uint8_t mode;             /* enum code_mode it was decoded in */
	uint8_t n;                /* instructions */
	bool cached;              /* false: a one-off (page-crossing or not RAM) */
	struct block *hnext;      /* hash chain */
	struct block *pnext;      /* blocks of the same page (or the free list) */
	struct insn insns[];      /* the decoded instructions */
};

struct icache;

struct icache *icache_new(struct cpu *c);
void icache_free(struct icache *ic);
/* The block for the instruction at c->rip; decodes on a miss. May fault (#PF on fetch). */
const struct block *icache_lookup(struct icache *ic);
/* Drop every block (e.g. after a TLB flush of the fetch path is not enough). */
void icache_flush(struct icache *ic);
/* The hook physmem calls when a write lands on a code page. */
void icache_code_written(void *opaque, uint64_t pa, unsigned len);
/* Disassemble the instruction at c->rip (for #UD explanations). */
void icache_describe(struct icache *ic, char *buf, size_t len);
const struct decoder *icache_decoder(const struct icache *ic);

struct icache_counters {
	uint64_t blocks_built, insns_decoded, invalidations, flushes;
};
void icache_counters(const struct icache *ic, struct icache_counters *out);

#endif
