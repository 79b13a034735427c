/* debug.c - breakpoints from DR0-DR3 and DR7: instruction (fault) and data (trap) #DB. */
#include "cpu.h"

/*
 * DR7 (SDM Vol. 3A, 18.2.4 "Debug Control Register (DR7)"):
 *
 *   31-30 29-28  27-26 25-24  23-22 21-20  19-18 17-16  ...  7  6  5  4  3  2  1  0
 *   LEN3  R/W3   LEN2  R/W2   LEN1  R/W1   LEN0  R/W0        G3 L3 G2 L2 G1 L1 G0 L0
 *
 * R/W: 00 instruction execution, 01 data writes, 11 data reads or writes,
 * 10 I/O (only with CR4.DE; not modelled). LEN: 00 1 byte, 01 2, 11 4,
 * 10 8 bytes; the address is aligned down to the length. Instruction
 * breakpoints must have LEN 00.
 */
static unsigned rw_of(uint64_t dr7, int n) { return (dr7 >> (16 + 4 * n)) & 3; }
static unsigned len_of(uint64_t dr7, int n)
{
	static const unsigned bytes[4] = { 1, 2, 8, 4 };
	return bytes[(dr7 >> (18 + 4 * n)) & 3];
}

void cpu_debug_update(struct cpu *c)
{
	uint64_t dr7 = c->dr[7];
	c->dr_exec = c->dr_data = 0;
	for (int n = 0; n < 4; n++) {
		if (!((dr7 >> (2 * n)) & 3)) /* neither Ln nor Gn */
			continue;
		unsigned rw = rw_of(dr7, n);
		if (rw == 0)
			c->dr_exec |= (uint8_t)(1u << n);
		else if (rw == 1 || rw == 3)
			c->dr_data |= (uint8_t)(1u << n);
	}
	/* Pages that now hold watched addresses must leave the fast path. */
	cpu_tlb_invalidate(c, TLBI_NONE, 0, 0);
}

void cpu_debug_data(struct cpu *c, uint64_t la, unsigned size, bool write)
{
	for (int n = 0; n < 4; n++) {
		if (!(c->dr_data & (1u << n)))
			continue;
		if (!write && rw_of(c->dr[7], n) == 1)
			continue; /* a write-only breakpoint ignores reads */
		unsigned len = len_of(c->dr[7], n);
		uint64_t start = c->dr[n] & ~(uint64_t)(len - 1);
		if (la < start + len && start < la + size)
			c->dr_hits |= (uint8_t)(1u << n);
	}
}

bool cpu_debug_watches_page(const struct cpu *c, uint64_t la)
{
	for (int n = 0; n < 4; n++)
		if ((c->dr_data & (1u << n)) && (c->dr[n] >> 12) == (la >> 12))
			return true;
	return false;
}

unsigned cpu_debug_exec(const struct cpu *c, uint64_t la)
{
	unsigned hits = 0;
	if (c->rflags & FL_RF) /* RF suppresses instruction breakpoints for one insn */
		return 0;
	for (int n = 0; n < 4; n++)
		if ((c->dr_exec & (1u << n)) && c->dr[n] == la)
			hits |= 1u << n;
	return hits;
}
