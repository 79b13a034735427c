/* icache.c - the decoded-instruction cache and its self-modifying-code coherence. */
#include "icache.h"

#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "cpu.h"
#include "fuse.h"

#define HASH_BITS 14
#define PAGE_HASH_BITS 12
/* Past this many live blocks the whole cache is dropped at the next lookup. */
#define MAX_BLOCKS 65536

/* Blocks living on one physical page, and which 64-byte lines they cover. */
struct code_page {
	uint64_t page;            /* physical page address */
	uint64_t lines;           /* bit n: some block has bytes in line n */
	struct block *blocks;     /* list through block.pnext */
	struct code_page *next;   /* hash chain */
};

struct icache {
	struct cpu *c;                          /* the CPU whose code this is */
	struct decoder dec;                     /* Zydis, one per code mode */
	struct block *hash[1u << HASH_BITS];    /* (pa, mode) -> block */
	struct code_page *pages[1u << PAGE_HASH_BITS]; /* page -> its blocks */
	struct block *graveyard;                /* dropped, freed at next lookup */
	struct block *scratch;                  /* the one-off block */
	uint64_t live;                          /* cached blocks */
	struct icache_counters n;               /* statistics */
};

static unsigned hash_pa(uint64_t pa)
{
	return (unsigned)((pa ^ (pa >> HASH_BITS) ^ (pa >> 28)) & ((1u << HASH_BITS) - 1));
}

static unsigned hash_page(uint64_t page)
{
	return (unsigned)(((page >> PAGE_SHIFT) ^ (page >> 24)) & ((1u << PAGE_HASH_BITS) - 1));
}

struct icache *icache_new(struct cpu *c)
{
	struct icache *ic = calloc(1, sizeof *ic);
	if (!ic)
		return NULL;
	ic->c = c;
	decoder_init(&ic->dec);
	ic->scratch = calloc(1, sizeof(struct block) + sizeof(struct insn));
	if (!ic->scratch) {
		free(ic);
		return NULL;
	}
	c->pm->on_code_write = icache_code_written;
	c->pm->code_opaque = ic;
	return ic;
}

static void free_list(struct block *b, bool by_pnext)
{
	while (b) {
		struct block *next = by_pnext ? b->pnext : b->hnext;
		free(b);
		b = next;
	}
}

void icache_flush(struct icache *ic)
{
	for (unsigned i = 0; i < (1u << HASH_BITS); i++) {
		free_list(ic->hash[i], false);
		ic->hash[i] = NULL;
	}
	for (unsigned i = 0; i < (1u << PAGE_HASH_BITS); i++) {
		struct code_page *cp = ic->pages[i];
		while (cp) {
			struct code_page *next = cp->next;
			if (cp->page < ic->c->pm->ram_size)
				ic->c->pm->code[cp->page >> PAGE_SHIFT] = 0;
			free(cp);
			cp = next;
		}
		ic->pages[i] = NULL;
	}
	free_list(ic->graveyard, true);
	ic->graveyard = NULL;
	ic->live = 0;
	ic->n.flushes++;
	cpu_flush_jc(ic->c);
}

void icache_free(struct icache *ic)
{
	if (!ic)
		return;
	icache_flush(ic);
	free(ic->scratch);
	free(ic);
}

static struct code_page *find_page(struct icache *ic, uint64_t page, bool create)
{
	struct code_page **pp = &ic->pages[hash_page(page)];
	for (struct code_page *cp = *pp; cp; cp = cp->next)
		if (cp->page == page)
			return cp;
	if (!create)
		return NULL;
	struct code_page *cp = calloc(1, sizeof *cp);
	if (!cp)
		return NULL;
	cp->page = page;
	cp->next = *pp;
	*pp = cp;
	return cp;
}

static uint64_t line_mask(unsigned start, unsigned end)
{
	unsigned first = start >> 6, last = (end - 1) >> 6;
	uint64_t hi = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
	return hi & ~((1ull << first) - 1);
}

static void add_block(struct icache *ic, struct block *b)
{
	uint64_t page = b->pa & PAGE_MASK;
	struct code_page *cp = find_page(ic, page, true);
	if (!cp) { /* out of memory: run it once, uncached */
		b->cached = false;
		return;
	}
	unsigned h = hash_pa(b->pa);
	b->hnext = ic->hash[h];
	ic->hash[h] = b;
	b->pnext = cp->blocks;
	cp->blocks = b;
	cp->lines |= line_mask(b->pa & ~PAGE_MASK, b->end_off);
	if (!ic->c->pm->code[page >> PAGE_SHIFT]) {
		ic->c->pm->code[page >> PAGE_SHIFT] = 1;
		tlb_protect_code(&ic->c->tlb, page);
	}
	ic->live++;
}

static void unhash(struct icache *ic, struct block *b)
{
	struct block **pp = &ic->hash[hash_pa(b->pa)];
	while (*pp && *pp != b)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = b->hnext;
}

static void code_written_page(struct icache *ic, uint64_t page, unsigned start, unsigned end)
{
	struct code_page *cp = find_page(ic, page, false);
	if (!cp || !(cp->lines & line_mask(start, end)))
		return;
	unsigned dropped = 0;
	uint64_t lines = 0;
	struct block **pp = &cp->blocks;
	while (*pp) {
		struct block *b = *pp;
		unsigned bs = b->pa & ~PAGE_MASK;
		if (bs < end && start < b->end_off) {
			*pp = b->pnext;
			unhash(ic, b);
			b->pnext = ic->graveyard;
			ic->graveyard = b;
			ic->live--;
			dropped++;
		} else {
			lines |= line_mask(bs, b->end_off);
			pp = &b->pnext;
		}
	}
	cp->lines = lines;
	if (!cp->blocks) {
		struct code_page **cpp = &ic->pages[hash_page(page)];
		while (*cpp != cp)
			cpp = &(*cpp)->next;
		*cpp = cp->next;
		free(cp);
		ic->c->pm->code[page >> PAGE_SHIFT] = 0;
	}
	if (!dropped)
		return;
	ic->n.invalidations += dropped;
	cpu_flush_jc(ic->c);
	/* The running block may be among them: leave it after this instruction. */
	ic->c->attn |= ATTN_REFETCH;
	if (ev_wanted(ic->c->bus, EV_CODE_INVAL)) {
		struct event e = { .kind = EV_CODE_INVAL };
		cpu_time_now(ic->c, &e.icount, &e.cycles);
		e.u.inval = (struct ev_code_inval){ page + start, dropped };
		ev_emit(ic->c->bus, &e);
	}
}

void icache_code_written(void *opaque, uint64_t pa, unsigned len)
{
	struct icache *ic = opaque;
	uint64_t end = pa + len;
	while (pa < end) {
		uint64_t page = pa & PAGE_MASK;
		uint64_t stop = page + PAGE_SIZE < end ? page + PAGE_SIZE : end;
		code_written_page(ic, page, (unsigned)(pa - page), (unsigned)(stop - page));
		pa = stop;
	}
}

/* Linear address of CS:RIP, with the CS limit check on fetch (SDM Vol. 3A, 5.3). */
static uint64_t fetch_linear(struct cpu *c)
{
	if (c->long64) {
		if (!is_canonical_c(c, c->rip))
			cpu_raise_gp0(c, "instruction fetch from a non-canonical address (SDM Vol. 1, 3.3.7.1 \"Canonical Addressing\")");
		return c->rip;
	}
	if (c->rip > c->seg[SEG_CS].limit)
		cpu_raise_gp0(c, "instruction fetch beyond the CS limit (SDM Vol. 3A, 5.3 \"Limit Checking\")");
	return (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
}

/* Gather up to 15 instruction bytes that cross into the next page (may #PF). */
static size_t fetch_crossing(struct cpu *c, uint64_t la, uint64_t pa, uint8_t *buf)
{
	size_t first = PAGE_SIZE - (pa & ~PAGE_MASK);
	if (first > ZYDIS_MAX_INSTRUCTION_LENGTH)
		first = ZYDIS_MAX_INSTRUCTION_LENGTH;
	phys_read_buf(c->pm, pa, buf, first);
	if (first == ZYDIS_MAX_INSTRUCTION_LENGTH)
		return first;
	uint64_t la2 = (la + first) & (c->long64 ? ~0ull : 0xffffffffull);
	if (c->long64 && !is_canonical_c(c, la2))
		cpu_raise_gp0(c, "instruction bytes run into a non-canonical address (SDM Vol. 1, 3.3.7.1)");
	uint64_t pa2 = cpu_fetch_translate(c, la2);
	phys_read_buf(c->pm, pa2, buf + first, ZYDIS_MAX_INSTRUCTION_LENGTH - first);
	return ZYDIS_MAX_INSTRUCTION_LENGTH;
}

static const struct block *one_off(struct icache *ic, uint64_t la, uint64_t pa, uint8_t mode)
{
	uint8_t buf[ZYDIS_MAX_INSTRUCTION_LENGTH];
	size_t n = fetch_crossing(ic->c, la, pa, buf);
	struct block *b = ic->scratch;
	b->pa = pa;
	b->mode = mode;
	b->n = 1;
	b->cached = false;
	decode_insn(&ic->dec, mode, buf, n, &b->insns[0]);
	if (ic->c->profiled)
		b->insns[0].cost = ic->c->class_cost[b->insns[0].cclass];
	b->insns[0].cum_cost = b->insns[0].cost;
	b->end_off = (uint16_t)(((pa & ~PAGE_MASK) + b->insns[0].len) > PAGE_SIZE
				? PAGE_SIZE : (pa & ~PAGE_MASK) + b->insns[0].len);
	ic->n.insns_decoded++;
	return b;
}

static const struct block *build(struct icache *ic, uint64_t la, uint64_t pa, uint8_t mode)
{
	const uint8_t *page = phys_ram_span(ic->c->pm, pa & PAGE_MASK, PAGE_SIZE);
	if (!page) /* code in a device or in the void: decode every time */
		return one_off(ic, la, pa, mode);

	struct insn tmp[BLOCK_MAX_INSNS];
	unsigned off = pa & ~PAGE_MASK, n = 0;
	while (n < BLOCK_MAX_INSNS && off < PAGE_SIZE) {
		size_t avail = PAGE_SIZE - off;
		if (avail > ZYDIS_MAX_INSTRUCTION_LENGTH)
			avail = ZYDIS_MAX_INSTRUCTION_LENGTH;
		int len = decode_insn(&ic->dec, mode, page + off, avail, &tmp[n]);
		if (len == 0) { /* crosses into the next page */
			if (n == 0)
				return one_off(ic, la, pa, mode);
			break;
		}
		off += (unsigned)len;
		if (ic->c->profiled)
			tmp[n].cost = ic->c->class_cost[tmp[n].cclass];
		tmp[n].cum_cost = (uint16_t)((n ? tmp[n - 1].cum_cost : 0) + tmp[n].cost);
		ic->n.insns_decoded++;
		if (tmp[n++].flags & IF_ENDS)
			break;
	}
	struct block *b = malloc(sizeof *b + n * sizeof(struct insn));
	if (!b) {
		tmp[0].flags |= IF_ENDS;
		tmp[0].cum_cost = tmp[0].cost;
		ic->scratch->pa = pa;
		ic->scratch->mode = mode;
		ic->scratch->n = 1;
		ic->scratch->cached = false;
		ic->scratch->insns[0] = tmp[0];
		return ic->scratch;
	}
	b->pa = pa;
	b->mode = mode;
	b->n = (uint8_t)n;
	b->end_off = (uint16_t)off;
	b->cached = true;
	memcpy(b->insns, tmp, n * sizeof(struct insn));
	fuse_block(b->insns, n);
	add_block(ic, b);
	ic->n.blocks_built++;
	return b;
}

const struct block *icache_lookup(struct icache *ic)
{
	struct cpu *c = ic->c;
	if (ic->graveyard) {
		free_list(ic->graveyard, true);
		ic->graveyard = NULL;
	}
	if (ic->live > MAX_BLOCKS)
		icache_flush(ic);
	uint64_t la = fetch_linear(c);
	uint64_t pa = cpu_fetch_translate(c, la);
	uint8_t mode = (uint8_t)c->code_mode;
	for (struct block *b = ic->hash[hash_pa(pa)]; b; b = b->hnext)
		if (b->pa == pa && b->mode == mode)
			return b;
	return build(ic, la, pa, mode);
}

void icache_describe(struct icache *ic, char *buf, size_t len)
{
	struct cpu *c = ic->c;
	uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
	uint64_t la = c->long64 ? c->rip : (c->seg[SEG_CS].base + c->rip) & 0xffffffffull;
	unsigned n = 0;
	buf[0] = 0;
	/* As many bytes as translate: an instruction may end before a bad page. */
	for (; n < sizeof bytes; n++) {
		uint64_t pa;
		if (!cpu_translate_peek(c, la + n, ACC_EXEC, &pa))
			break;
		bytes[n] = (uint8_t)phys_read(c->pm, pa, 1);
	}
	decode_disasm(&ic->dec, c->code_mode, bytes, n, c->rip, buf, len);
}

const struct decoder *icache_decoder(const struct icache *ic)
{
	return &ic->dec;
}

void icache_counters(const struct icache *ic, struct icache_counters *out)
{
	*out = ic->n;
}
