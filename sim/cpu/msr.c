/* msr.c - the model-specific registers vtsim implements, one table row each. */
#include <stddef.h>

#include "access.h"
#include "cpu.h"

/*
 * How a row is read and written. Most MSRs are a plain field of struct cpu;
 * the others need code (their reads are computed or their writes change
 * the machine). A write that sets a reserved bit, or a non-canonical
 * address where the SDM requires a canonical one, raises #GP(0) (SDM Vol.
 * 4, "Model-Specific Registers"; Vol. 2B, WRMSR).
 */
enum msr_kind {
	MK_FIELD,      /* the 64-bit field at `off` */
	MK_CANONICAL,  /* a field holding a linear address: must be canonical */
	MK_TSC,        /* IA32_TSC: cycles + tsc_offset */
	MK_EFER,       /* IA32_EFER */
	MK_FS_BASE,    /* the FS descriptor cache's base */
	MK_GS_BASE,    /* the GS descriptor cache's base */
	MK_PAT,        /* IA32_PAT: every byte a valid memory type */
	MK_FEATURE_CONTROL, /* IA32_FEATURE_CONTROL: frozen once locked */
};

struct msr_row {
	uint32_t msr;        /* index, as in ECX */
	const char *name;    /* the SDM's name */
	enum msr_kind kind;  /* how to access it */
	size_t off;          /* offsetof(struct cpu, field) for field kinds */
	uint64_t reserved;   /* bits a write must leave 0 */
};

#define F(field) offsetof(struct cpu, field)

static const struct msr_row msrs[] = {
	{ 0x00000010, "IA32_TSC", MK_TSC, 0, 0 },
	{ 0x0000003a, "IA32_FEATURE_CONTROL", MK_FEATURE_CONTROL, F(feature_control), ~0x7ull },
	{ 0x00000174, "IA32_SYSENTER_CS", MK_FIELD, F(sysenter_cs), ~0xffffull },
	{ 0x00000175, "IA32_SYSENTER_ESP", MK_CANONICAL, F(sysenter_esp), 0 },
	{ 0x00000176, "IA32_SYSENTER_EIP", MK_CANONICAL, F(sysenter_eip), 0 },
	{ 0x000001a0, "IA32_MISC_ENABLE", MK_FIELD, F(misc_enable), ~0x1ull },
	{ 0x00000277, "IA32_PAT", MK_PAT, F(pat), 0 },
	{ 0xc0000080, "IA32_EFER", MK_EFER, 0, ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE) },
	{ 0xc0000081, "IA32_STAR", MK_FIELD, F(star), 0 },
	{ 0xc0000082, "IA32_LSTAR", MK_CANONICAL, F(lstar), 0 },
	{ 0xc0000083, "IA32_CSTAR", MK_CANONICAL, F(cstar), 0 },
	{ 0xc0000084, "IA32_FMASK", MK_FIELD, F(fmask), ~0xffffffffull },
	{ 0xc0000100, "IA32_FS_BASE", MK_FS_BASE, 0, 0 },
	{ 0xc0000101, "IA32_GS_BASE", MK_GS_BASE, 0, 0 },
	{ 0xc0000102, "IA32_KERNEL_GS_BASE", MK_CANONICAL, F(kernel_gs_base), 0 },
	{ 0xc0000103, "IA32_TSC_AUX", MK_FIELD, F(tsc_aux), ~0xffffffffull },
};

static const struct msr_row *find(uint32_t msr)
{
	for (size_t i = 0; i < sizeof msrs / sizeof msrs[0]; i++)
		if (msrs[i].msr == msr)
			return &msrs[i];
	return NULL;
}

const char *cpu_msr_name(uint32_t msr)
{
	const struct msr_row *r = find(msr);
	if (r)
		return r->name;
	if (msr == 0x1b)
		return "IA32_APIC_BASE";
	if (msr >= 0x800 && msr <= 0x8ff)
		return "x2APIC register";
	return vmx_cap_msr_name(msr);
}

static uint64_t *field(struct cpu *c, const struct msr_row *r)
{
	return (uint64_t *)((char *)c + r->off);
}

/* IA32_PAT: each of the eight entries must be UC(0), WC(1), WT(4), WP(5),
 * WB(6) or UC-(7) (SDM Vol. 3A, 13.12.2 "IA32_PAT MSR"). */
static bool pat_valid(uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		unsigned t = (v >> (8 * i)) & 0xff;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

bool cpu_msr_read(struct cpu *c, uint32_t msr, uint64_t *val)
{
	const struct msr_row *r = find(msr);
	/* The read-only VMX capability MSRs 480H-490H (SDM Vol. 3C, Appendix A). */
	if (!r && vmx_cap_msr(msr, val))
		return true;
	if (!r)
		return c->plat.msr_read && c->plat.msr_read(c->plat.opaque, msr, val);
	switch (r->kind) {
	case MK_TSC: *val = c->cycles + c->tsc_offset; break;
	case MK_EFER: *val = c->efer; break;
	case MK_FS_BASE: *val = c->seg[SEG_FS].base; break;
	case MK_GS_BASE: *val = c->seg[SEG_GS].base; break;
	default: *val = *field(c, r); break;
	}
	return true;
}

bool cpu_msr_write(struct cpu *c, uint32_t msr, uint64_t val)
{
	const struct msr_row *r = find(msr);
	if (!r)
		return c->plat.msr_write && c->plat.msr_write(c->plat.opaque, msr, val);
	if (val & r->reserved)
		return false;
	switch (r->kind) {
	case MK_TSC:
		c->tsc_offset = val - c->cycles;
		return true;
	case MK_EFER: {
		/* LMA is read-only; LME may not change while paging is on
		 * (SDM Vol. 3A, 10.8.5 "Initializing IA-32e Mode"). */
		uint64_t nv = (val & ~EFER_LMA) | (c->efer & EFER_LMA);
		if ((c->cr0 & CR0_PG) && ((nv ^ c->efer) & EFER_LME))
			return false;
		c->efer = nv;
		cpu_flush_tlb(c); /* NXE changes what the walk permits */
		return true;
	}
	case MK_FS_BASE:
	case MK_GS_BASE:
		if (!is_canonical_c(c, val))
			return false;
		c->seg[r->kind == MK_FS_BASE ? SEG_FS : SEG_GS].base = val;
		return true;
	case MK_CANONICAL:
		if (!is_canonical_c(c, val))
			return false;
		break;
	case MK_PAT:
		if (!pat_valid(val))
			return false;
		break;
	case MK_FEATURE_CONTROL:
		if (c->feature_control & 1) /* locked until reset */
			return false;
		break;
	default:
		break;
	}
	*field(c, r) = val;
	return true;
}
