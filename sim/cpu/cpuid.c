/* cpuid.c - CPUID: what vtsim implements, and nothing it does not. */
#include "exec.h"

/*
 * A guest that believes CPUID must work: every feature bit set here is
 * implemented, every one cleared is not (and its instructions fault as the
 * SDM says for an absent feature). Leaves per SDM Vol. 2A, CPUID, Table 3-8.
 * Notable absences: no x87 FPU, MMX, SSE or XSAVE (those instructions #UD
 * or #NM), no MONITOR/MWAIT, no CLFLUSH, no performance counters, no MTRRs
 * or machine checks. VMX is reported (sim/vmx/caps.c says which parts).
 */
struct cpuid_row {
	uint32_t leaf, subleaf;   /* EAX and (where it matters) ECX in */
	uint32_t eax, ebx, ecx, edx; /* out */
};

#define B(n) (1u << (n))
#define MAX_BASIC 0x7u
#define MAX_EXT 0x80000008u

static const struct cpuid_row rows[] = {
	/* Vendor "GenuineIntel" in EBX, EDX, ECX. */
	{ 0, 0, MAX_BASIC, 0x756e6547, 0x6c65746e, 0x49656e69 },
	/* Family 6, model 9EH, stepping 0 (the signature EDX holds after
	 * reset); CLFLUSH line 8 x 8 bytes; 1 logical processor; APIC ID 0.
	 * ECX: VMX(5) PCID(17) x2APIC(21). EDX: DE(2) PSE(3) TSC(4) MSR(5) PAE(6)
	 * CX8(8) APIC(9) SEP(11) PGE(13) CMOV(15) PAT(16) PSE-36(17). */
	{ 1, 0, 0x000906e0, 0x00010800, B(5) | B(17) | B(21),
	  B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(9) | B(11) | B(13) | B(15) | B(16) | B(17) },
	/* Structured extended features: EBX SMEP(7) INVPCID(10) SMAP(20);
	 * ECX UMIP(2) LA57(16). */
	{ 7, 0, 0, B(7) | B(10) | B(20), B(2) | B(16), 0 },
	{ 0x80000000, 0, MAX_EXT, 0, 0, 0 },
	/* ECX LAHF/SAHF in 64-bit mode(0). EDX SYSCALL(11) XD(20) 1-GByte
	 * pages(26) RDTSCP(27) Intel 64(29). */
	{ 0x80000001, 0, 0, 0, B(0), B(11) | B(20) | B(26) | B(27) | B(29) },
	/* Brand string "vtsim x86-64 simulated CPU" padded with NULs. */
	{ 0x80000002, 0, 0x69737476, 0x3878206d, 0x34362d36, 0x6d697320 },
	{ 0x80000003, 0, 0x74616c75, 0x43206465, 0x00005550, 0 },
	{ 0x80000004, 0, 0, 0, 0, 0 },
	/* Invariant TSC (EDX bit 8): the TSC counts modelled cycles. */
	{ 0x80000007, 0, 0, 0, 0, B(8) },
	/* Physical address bits 46, linear address bits 57 (LA57). */
	{ 0x80000008, 0, (57u << 8) | 46u, 0, 0, 0 },
};

/* Leaves that take a subleaf in ECX (the others ignore it). */
static bool has_subleaves(uint32_t leaf)
{
	return leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd;
}

static void lookup(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	/* Beyond the maximum, Intel processors return the highest basic leaf. */
	if ((leaf < 0x80000000u && leaf > MAX_BASIC) || leaf > MAX_EXT)
		leaf = MAX_BASIC;
	if (!has_subleaves(leaf))
		sub = 0;
	out[0] = out[1] = out[2] = out[3] = 0;
	for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		if (rows[k].leaf == leaf && rows[k].subleaf == sub) {
			out[0] = rows[k].eax;
			out[1] = rows[k].ebx;
			out[2] = rows[k].ecx;
			out[3] = rows[k].edx;
			return;
		}
	}
}

void op_cpuid(struct cpu *c, const struct insn *i)
{
	if (c->vmx.guest)
		vmx_intercept(c, i, VXC_CPUID, 0, 0);
	uint32_t r[4];
	uint32_t leaf = (uint32_t)c->gpr[RAX];
	lookup(leaf, (uint32_t)c->gpr[RCX], r);
	/* With the local APIC globally disabled (IA32_APIC_BASE.EN = 0),
	 * CPUID.01H:EDX.APIC reads 0 (SDM Vol. 3A, 11.4.3). */
	uint64_t base;
	if (leaf == 1 && c->plat.msr_read && c->plat.msr_read(c->plat.opaque, 0x1b, &base) &&
	    !(base & (1u << 11)))
		r[3] &= ~B(9);
	reg_put(c, RAX, 4, r[0]);
	reg_put(c, RBX, 4, r[1]);
	reg_put(c, RCX, 4, r[2]);
	reg_put(c, RDX, 4, r[3]);
}
