/* tlb.h - the fast translation cache: linear page -> host pointer, per access kind. */
#ifndef VTSIM_TLB_H
#define VTSIM_TLB_H

#include <stdint.h>

/*
 * A direct-mapped cache in front of the page walk. Each entry answers for
 * one 4 KiB linear page and holds one tag per access kind; a tag equals the
 * page's linear address only if that kind of access may go straight to host
 * memory (RAM, permitted, A/D already set, and, for writes, no decoded code
 * on the page). Anything else takes the slow path, which walks, checks,
 * faults and refills.
 *
 * The hit test for an access of n bytes at la is one compare:
 *     (la ^ tag) <= 4096 - n
 * true only when la is in the tagged page and the access does not cross
 * its end. TLB_EMPTY is non-canonical, so no linear address matches it.
 *
 * This is the simulator's software cache, not yet the architectural TLB
 * model of the CPU profile; it is flushed whenever the architecture says
 * translations may change (MOV CR3, INVLPG, paging-mode changes).
 */
#define TLB_BITS 9
#define TLB_ENTRIES (1u << TLB_BITS)
#define TLB_EMPTY 0x8000000000000000ull

struct tlb_entry {
	uint64_t tag_r;    /* linear page if reads may use addend */
	uint64_t tag_w;    /* linear page if writes may use addend */
	uint64_t tag_x;    /* linear page if instruction fetch may */
	uintptr_t addend;  /* host address = linear address + addend */
	uint64_t pa;       /* physical page address */
};

/*
 * Data accesses and instruction fetches use separate arrays, as the
 * hardware's DTLB and ITLB are separate: code and data pages that happen
 * to share an index would otherwise evict each other on every block.
 */
/* Entries filled since the last flush that a flush clears one by one;
 * beyond this many it clears the whole cache. VM entries and exits flush
 * often, and a guest's round trip touches only a few pages. */
#define TLB_TRACK 64

struct tlb {
	struct tlb_entry e[2][TLB_ENTRIES]; /* data: [0] supervisor, [1] user (CPL 3) accesses */
	struct tlb_entry x[2][TLB_ENTRIES]; /* instruction fetch, same split (follows e) */
	uint16_t filled[TLB_TRACK];         /* entries filled since the flush, as indexes from e[0][0] */
	unsigned nfilled;                   /* how many; TLB_TRACK + 1: too many to list */
};

void tlb_flush(struct tlb *t);

/* An empty entry is about to be filled: remember it for tlb_flush(). */
static inline void tlb_note_fill(struct tlb *t, const struct tlb_entry *e)
{
	if (e->tag_r != TLB_EMPTY || e->tag_w != TLB_EMPTY || e->tag_x != TLB_EMPTY)
		return;
	if (t->nfilled < TLB_TRACK)
		t->filled[t->nfilled] = (uint16_t)(e - &t->e[0][0]);
	if (t->nfilled <= TLB_TRACK)
		t->nfilled++;
}
/* Drop write permission for entries mapping physical page pa (code was decoded there). */
void tlb_protect_code(struct tlb *t, uint64_t pa);

static inline struct tlb_entry *tlb_slot(struct tlb *t, int user, uint64_t la)
{
	return &t->e[user][(la >> 12) & (TLB_ENTRIES - 1)];
}

static inline struct tlb_entry *tlb_islot(struct tlb *t, int user, uint64_t la)
{
	return &t->x[user][(la >> 12) & (TLB_ENTRIES - 1)];
}

#endif
