/* state.c - the machine's state for a human: registers, hidden segment state, memory, descriptor tables. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../paging/walk.h"
#include "../trace/evfield.h"
#include "internal.h"

/* ---------------------------------------------------------------- helpers */

#define CR0_PE 1ull
#define RFLAGS_VM (1ull << 17)
#define EFER_LMA (1ull << 10)

const char *dbg_mode_name(struct machine *m)
{
	if (!(machine_reg_get(m, VT_CR0) & CR0_PE))
		return "real";
	if (machine_reg_get(m, VT_RFLAGS) & RFLAGS_VM)
		return "vm86";
	struct vt_segment cs;
	machine_seg_get(m, VT_SREG_CS, &cs);
	bool db = cs.attr & (1u << 14), l = cs.attr & (1u << 13);
	if (machine_reg_get(m, VT_EFER) & EFER_LMA)
		return l ? "long64" : db ? "compat32" : "compat16";
	return db ? "prot32" : "prot16";
}

bool dbg_la_to_pa(struct machine *m, uint64_t la, int access, uint64_t *pa)
{
	struct walk w;
	bool in_tlb;
	if (machine_translate(m, la, access, &w, &in_tlb)) {
		*pa = w.pa;
		return true;
	}
	/* A supervisor page seen from CPL 3, or a read-only one: the debugger
	 * may look (the guest's walk found the page; only rights failed). */
	if (!w.ept && w.fault_kind == WALK_PF && (w.pfec & PFEC_P) && !(w.pfec & PFEC_RSVD)) {
		*pa = w.pa;
		return true;
	}
	return false;
}

static bool access_linear(struct machine *m, uint64_t la, void *buf, size_t len, int access)
{
	uint8_t *p = buf;
	while (len) {
		size_t n = 4096 - (la & 0xfff);
		if (n > len)
			n = len;
		uint64_t pa;
		if (!dbg_la_to_pa(m, la, access, &pa))
			return false;
		machine_phys_read(m, pa, p, n);
		p += n, la += n, len -= n;
	}
	return true;
}

bool dbg_read_linear(struct machine *m, uint64_t la, void *buf, size_t len)
{
	return access_linear(m, la, buf, len, ACC_READ);
}

bool dbg_read_gpa(struct machine *m, uint64_t gpa, void *buf, size_t len)
{
	static const int accesses[] = { ACC_READ, ACC_EXEC, ACC_WRITE };
	uint8_t *p = buf;
	while (len) {
		size_t n = 4096 - (gpa & 0xfff);
		if (n > len)
			n = len;
		/* The debugger may look at a page EPT maps for some access only
		 * (an execute-only page): the walk found it, only rights failed. */
		uint64_t hpa = 0;
		bool ok = false;
		struct walk w;
		for (int i = 0; i < 3 && !ok; i++)
			ok = machine_translate_gpa(m, gpa, accesses[i], &hpa, &w);
		if (!ok)
			return false;
		machine_phys_read(m, hpa, p, n);
		p += n, gpa += n, len -= n;
	}
	return true;
}

bool dbg_read_space(struct machine *m, enum dbg_space space, uint64_t addr, void *buf, size_t len)
{
	switch (space) {
	case DBG_PHYS: machine_phys_read(m, addr, buf, len); return true;
	case DBG_GPA: return dbg_read_gpa(m, addr, buf, len);
	default: return dbg_read_linear(m, addr, buf, len);
	}
}

int dbg_disasm_la(struct machine *m, uint64_t la, char *buf, size_t len)
{
	uint64_t pa;
	if (!dbg_la_to_pa(m, la, ACC_EXEC, &pa))
		return 0;
	/* Shown at the linear address, so that branch targets and RIP-relative
	 * operands are the guest's. machine_disasm_at reads 15 bytes from pa:
	 * an instruction that crosses into a page mapped elsewhere reads the
	 * next physical page. */
	return machine_disasm_at(m, pa, la, buf, len);
}

void dbg_show_where(struct dbg *d)
{
	uint64_t rip = machine_reg_get(d->m, VT_RIP);
	char insn[128];
	if (dbg_disasm_la(d->m, rip, insn, sizeof insn))
		dbg_printf(d, "=> 0x%llx: %s\n", (unsigned long long)rip, insn);
	else
		dbg_printf(d, "=> 0x%llx: (not mapped for fetching)\n", (unsigned long long)rip);
}

/* Names of the bits set in v, from a table; unnamed set bits as "bitN". */
struct bitname {
	unsigned bit;        /* bit number */
	const char *name;    /* the SDM's name */
};

static void bits(char *buf, size_t len, uint64_t v, const struct bitname *t, int n)
{
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; i < n; i++)
		if (v & (1ull << t[i].bit))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? " " : "", t[i].name);
	if (!o)
		snprintf(buf, len, "-");
}

/* ---------------------------------------------------------------- registers */

int dbg_cmd_regs(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "regs takes no arguments (one register: 'x' or 'set'; control registers: 'cr')");
		return 0;
	}
	static const enum vt_reg rows[][2] = {
		{ VT_RAX, VT_RBX }, { VT_RCX, VT_RDX }, { VT_RSI, VT_RDI }, { VT_RBP, VT_RSP },
		{ VT_R8, VT_R9 }, { VT_R10, VT_R11 }, { VT_R12, VT_R13 }, { VT_R14, VT_R15 },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		dbg_printf(d, "%-4s 0x%016llx   %-4s 0x%016llx\n", machine_reg_name(rows[r][0]),
			   (unsigned long long)machine_reg_get(d->m, rows[r][0]), machine_reg_name(rows[r][1]),
			   (unsigned long long)machine_reg_get(d->m, rows[r][1]));
	char f[160];
	static const struct bitname fl[] = { { 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
					     { 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" },
					     { 17, "VM" }, { 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" } };
	uint64_t rf = machine_reg_get(d->m, VT_RFLAGS);
	bits(f, sizeof f, rf, fl, (int)(sizeof fl / sizeof fl[0]));
	dbg_printf(d, "rip  0x%016llx   rflags 0x%llx [%s IOPL=%u]\n", (unsigned long long)machine_reg_get(d->m, VT_RIP),
		   (unsigned long long)rf, f, (unsigned)((rf >> 12) & 3));
	dbg_printf(d, "cs 0x%04llx ss 0x%04llx ds 0x%04llx es 0x%04llx fs 0x%04llx gs 0x%04llx   cpl %d  %s\n",
		   (unsigned long long)machine_reg_get(d->m, VT_CS), (unsigned long long)machine_reg_get(d->m, VT_SS),
		   (unsigned long long)machine_reg_get(d->m, VT_DS), (unsigned long long)machine_reg_get(d->m, VT_ES),
		   (unsigned long long)machine_reg_get(d->m, VT_FS), (unsigned long long)machine_reg_get(d->m, VT_GS),
		   machine_cpl(d->m), dbg_mode_name(d->m));
	return 0;
}

int dbg_cmd_flags(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "flags takes no arguments (to change RFLAGS: set rflags VALUE)");
		return 0;
	}
	static const struct {
		unsigned bit;       /* bit number */
		const char *name;   /* mnemonic */
		const char *what;   /* meaning */
	} t[] = {
		{ 0, "CF", "carry" }, { 2, "PF", "parity (low byte has an even number of 1s)" },
		{ 4, "AF", "auxiliary carry (BCD)" }, { 6, "ZF", "zero" }, { 7, "SF", "sign" },
		{ 8, "TF", "trap: single-step, #DB after each instruction" }, { 9, "IF", "interrupt enable: INTR is taken" },
		{ 10, "DF", "direction: string instructions go down" }, { 11, "OF", "overflow" },
		{ 14, "NT", "nested task: IRET returns to the linked TSS" }, { 16, "RF", "resume: no instruction breakpoint for one instruction" },
		{ 17, "VM", "virtual-8086 mode" }, { 18, "AC", "alignment check (and SMAP override)" },
		{ 19, "VIF", "virtual interrupt flag" }, { 20, "VIP", "virtual interrupt pending" },
		{ 21, "ID", "CPUID is available" },
	};
	uint64_t rf = machine_reg_get(d->m, VT_RFLAGS);
	dbg_printf(d, "rflags 0x%llx\n", (unsigned long long)rf);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		dbg_printf(d, "  %-3s %u  %s\n", t[i].name, (unsigned)((rf >> t[i].bit) & 1), t[i].what);
	dbg_printf(d, "  IOPL %u  I/O privilege level (bits 13:12)\n", (unsigned)((rf >> 12) & 3));
	return 0;
}

int dbg_cmd_cr(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "cr takes no arguments");
		return 0;
	}
	static const struct bitname cr0[] = { { 0, "PE" }, { 1, "MP" }, { 2, "EM" }, { 3, "TS" }, { 4, "ET" }, { 5, "NE" },
					      { 16, "WP" }, { 18, "AM" }, { 29, "NW" }, { 30, "CD" }, { 31, "PG" } };
	static const struct bitname cr4[] = { { 0, "VME" }, { 1, "PVI" }, { 2, "TSD" }, { 3, "DE" }, { 4, "PSE" },
					      { 5, "PAE" }, { 6, "MCE" }, { 7, "PGE" }, { 8, "PCE" }, { 9, "OSFXSR" },
					      { 10, "OSXMMEXCPT" }, { 11, "UMIP" }, { 12, "LA57" }, { 13, "VMXE" },
					      { 14, "SMXE" }, { 16, "FSGSBASE" }, { 17, "PCIDE" }, { 18, "OSXSAVE" },
					      { 20, "SMEP" }, { 21, "SMAP" }, { 22, "PKE" } };
	static const struct bitname efer[] = { { 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" } };
	char b[256];
	uint64_t v = machine_reg_get(d->m, VT_CR0);
	bits(b, sizeof b, v, cr0, (int)(sizeof cr0 / sizeof cr0[0]));
	dbg_printf(d, "cr0  0x%016llx  [%s]\n", (unsigned long long)v, b);
	dbg_printf(d, "cr2  0x%016llx  (the last page-fault linear address)\n", (unsigned long long)machine_reg_get(d->m, VT_CR2));
	uint64_t cr3 = machine_reg_get(d->m, VT_CR3), c4 = machine_reg_get(d->m, VT_CR4);
	if (c4 & (1ull << 17))
		dbg_printf(d, "cr3  0x%016llx  [table 0x%llx PCID %llu]\n", (unsigned long long)cr3,
			   (unsigned long long)(cr3 & ~0xfffull), (unsigned long long)(cr3 & 0xfff));
	else
		dbg_printf(d, "cr3  0x%016llx  [table 0x%llx%s%s]\n", (unsigned long long)cr3, (unsigned long long)(cr3 & ~0xfffull),
			   cr3 & 8 ? " PWT" : "", cr3 & 16 ? " PCD" : "");
	bits(b, sizeof b, c4, cr4, (int)(sizeof cr4 / sizeof cr4[0]));
	dbg_printf(d, "cr4  0x%016llx  [%s]\n", (unsigned long long)c4, b);
	v = machine_reg_get(d->m, VT_EFER);
	bits(b, sizeof b, v, efer, (int)(sizeof efer / sizeof efer[0]));
	dbg_printf(d, "efer 0x%016llx  [%s]\n", (unsigned long long)v, b);
	dbg_printf(d, "paging: %s; mode: %s\n", pg_mode_name((enum paging_mode)dbg_paging_mode(d->m)), dbg_mode_name(d->m));
	return 0;
}

int dbg_cmd_msr(struct dbg *d, int argc, char **argv)
{
	if (argc != 2) {
		dbg_error(d, "usage: msr NAME|NUM (for example msr IA32_EFER, msr 0xc0000080)");
		return 0;
	}
	uint32_t msr;
	if (!dbg_parse_msr(d, argv[1], &msr))
		return 0;
	uint64_t v;
	const char *n = machine_msr_name(msr);
	if (!machine_msr_get(d->m, msr, &v)) {
		dbg_error(d, "MSR 0x%x%s%s%s is not implemented by vtsim: RDMSR of it raises #GP(0)", msr, n ? " (" : "", n ? n : "",
			  n ? ")" : "");
		return 0;
	}
	dbg_printf(d, "%s (0x%x) = 0x%016llx\n", n ? n : "MSR", msr, (unsigned long long)v);
	return 0;
}

/* ---------------------------------------------------------------- segments */

/* Access rights in the VMCS layout, decoded: "code exec/read accessed, DPL 0, present, L=1 D=0 G=1". */
static void rights(uint16_t a, char *buf, size_t len)
{
	static const char *const sys[16] = { "reserved", "16-bit TSS (available)", "LDT", "16-bit TSS (busy)",
					     "16-bit call gate", "task gate", "16-bit interrupt gate", "16-bit trap gate",
					     "reserved", "TSS (available)", "reserved", "TSS (busy)", "call gate",
					     "reserved", "interrupt gate", "trap gate" };
	unsigned type = a & 15;
	char t[64];
	if (!(a & (1u << 7)) && !(a & (1u << 4)) && type == 0) {
		snprintf(buf, len, "unusable");
		return;
	}
	if (a & (1u << 4)) {
		if (type & 8)
			snprintf(t, sizeof t, "code exec%s%s%s", type & 2 ? "/read" : "-only", type & 4 ? " conforming" : "",
				 type & 1 ? " accessed" : "");
		else
			snprintf(t, sizeof t, "data read%s%s%s", type & 2 ? "/write" : "-only", type & 4 ? " expand-down" : "",
				 type & 1 ? " accessed" : "");
	} else {
		snprintf(t, sizeof t, "%s", sys[type]);
	}
	snprintf(buf, len, "%s, DPL %u, %s, L=%u D=%u G=%u", t, (a >> 5) & 3, a & (1u << 7) ? "present" : "NOT present",
		 (a >> 13) & 1, (a >> 14) & 1, (a >> 15) & 1);
}

/* A descriptor from 8 (or 16, for long-mode system descriptors) bytes. */
static void decode_desc(uint64_t lo, uint64_t hi, bool wide, uint64_t *base, uint32_t *limit, uint16_t *attr)
{
	uint32_t l = (uint32_t)((lo & 0xffff) | ((lo >> 32) & 0xf0000));
	*attr = (uint16_t)(((lo >> 40) & 0xff) | (((lo >> 52) & 0xf) << 12));
	*limit = (*attr & (1u << 15)) ? (l << 12) | 0xfff : l;
	*base = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24);
	if (wide)
		*base |= (hi & 0xffffffffull) << 32;
}

static bool long_mode(struct machine *m)
{
	return (machine_reg_get(m, VT_EFER) & EFER_LMA) != 0;
}

/* Is a descriptor of this attribute 16 bytes wide (a long-mode system descriptor)? */
static bool wide_desc(struct machine *m, uint16_t attr)
{
	unsigned type = attr & 15;
	return long_mode(m) && !(attr & (1u << 4)) && (type == 2 || type == 9 || type == 11 || type == 12 || type == 14 ||
						      type == 15);
}

/* Read the descriptor a selector names; false with why in err. */
static bool read_desc(struct machine *m, uint16_t sel, bool gdt_only, uint64_t *lo, uint64_t *hi, char *where, size_t wlen,
		      char *err, size_t elen)
{
	uint64_t tbase;
	uint32_t tlimit;
	bool ldt = (sel & 4) && !gdt_only;
	if (ldt) {
		struct vt_segment l;
		machine_seg_get(m, VT_SREG_LDTR, &l);
		if (!(l.attr & (1u << 7))) {
			snprintf(err, elen, "TI=1 but LDTR is unusable");
			return false;
		}
		tbase = l.base;
		tlimit = l.limit;
	} else {
		uint16_t gl;
		machine_dtr_get(m, false, &tbase, &gl);
		tlimit = gl;
	}
	unsigned idx = sel >> 3;
	snprintf(where, wlen, "%s[%u]", ldt ? "LDT" : "GDT", idx);
	if ((uint64_t)idx * 8 + 7 > tlimit) {
		snprintf(err, elen, "%s is beyond the table's limit 0x%x", where, tlimit);
		return false;
	}
	uint64_t e[2] = { 0, 0 };
	if (!dbg_read_linear(m, tbase + idx * 8ull, e, 8)) {
		snprintf(err, elen, "%s at 0x%llx is not mapped", where, (unsigned long long)(tbase + idx * 8ull));
		return false;
	}
	if ((uint64_t)idx * 8 + 15 <= tlimit)
		dbg_read_linear(m, tbase + idx * 8ull + 8, &e[1], 8);
	*lo = e[0];
	*hi = e[1];
	return true;
}

int dbg_cmd_sregs(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "sregs takes no arguments");
		return 0;
	}
	static const char *const names[VT_SREG_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr" };
	const char *mode = dbg_mode_name(d->m);
	bool real = !strcmp(mode, "real") || !strcmp(mode, "vm86");
	for (int s = 0; s < VT_SREG_COUNT; s++) {
		struct vt_segment v;
		machine_seg_get(d->m, (enum vt_sreg)s, &v);
		char r[160];
		rights(v.attr, r, sizeof r);
		dbg_printf(d, "%-4s sel 0x%04x  base 0x%016llx  limit 0x%08x  rights 0x%04x  %s\n", names[s], v.sel,
			   (unsigned long long)v.base, v.limit, v.attr, r);
		/* Does the hidden part still match what loading the selector would give? */
		if (real && s < VT_SREG_LDTR) {
			if (v.base == (uint64_t)v.sel << 4)
				dbg_printf(d, "     real mode: base = selector << 4 (0x%llx), as a load gives\n", (unsigned long long)v.base);
			else
				dbg_printf(d, "     real mode: base differs from selector << 4 (0x%x): kept from protected mode "
					      "(\"unreal\" state)\n", v.sel << 4);
			continue;
		}
		if ((v.sel & 0xfffc) == 0 && !(s == VT_SREG_LDTR && (v.sel & 4))) {
			dbg_printf(d, "     null selector: no descriptor%s\n",
				   s == VT_SREG_CS || (s == VT_SREG_SS && strcmp(mode, "long64")) ? " (unusual here)" : "");
			continue;
		}
		uint64_t lo, hi;
		char where[32], err[120];
		if (!read_desc(d->m, v.sel, s >= VT_SREG_LDTR, &lo, &hi, where, sizeof where, err, sizeof err)) {
			dbg_printf(d, "     cannot compare: %s\n", err);
			continue;
		}
		uint64_t b;
		uint32_t l;
		uint16_t a;
		decode_desc(lo, hi, false, &b, &l, &a);
		decode_desc(lo, hi, wide_desc(d->m, a), &b, &l, &a);
		uint16_t mask = (a & (1u << 4)) ? 0xf0fe : 0xf0ff; /* the accessed bit may differ */
		bool base_ok = b == v.base, lim_ok = l == v.limit, attr_ok = (a & mask) == (v.attr & mask);
		if ((s == VT_SREG_FS || s == VT_SREG_GS) && !strcmp(mode, "long64"))
			base_ok = true; /* 64-bit mode: the base comes from IA32_FS_BASE/IA32_GS_BASE */
		if (base_ok && lim_ok && attr_ok)
			dbg_printf(d, "     matches %s%s\n", where,
				   (s == VT_SREG_FS || s == VT_SREG_GS) && !strcmp(mode, "long64") ? " (base from the MSR)" : "");
		else {
			char r2[160];
			rights(a, r2, sizeof r2);
			dbg_printf(d, "     DIFFERS from %s: base 0x%llx%s limit 0x%x%s rights 0x%04x%s (%s)\n", where,
				   (unsigned long long)b, base_ok ? "" : " (!)", l, lim_ok ? "" : " (!)", a, attr_ok ? "" : " (!)", r2);
			dbg_printf(d, "     the hidden part keeps the values of the last load until the register is loaded again\n");
		}
	}
	uint64_t base;
	uint16_t lim;
	machine_dtr_get(d->m, false, &base, &lim);
	dbg_printf(d, "gdtr base 0x%016llx  limit 0x%04x\n", (unsigned long long)base, lim);
	machine_dtr_get(d->m, true, &base, &lim);
	dbg_printf(d, "idtr base 0x%016llx  limit 0x%04x\n", (unsigned long long)base, lim);
	return 0;
}

int dbg_cmd_gdt(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "gdt takes no arguments");
		return 0;
	}
	uint64_t base;
	uint16_t lim;
	machine_dtr_get(d->m, false, &base, &lim);
	dbg_printf(d, "GDT at 0x%llx, limit 0x%x (%u entries)\n", (unsigned long long)base, lim, (lim + 1u) / 8);
	for (unsigned i = 0; i * 8 + 7 <= lim; i++) {
		uint64_t e[2] = { 0, 0 };
		if (!dbg_read_linear(d->m, base + i * 8ull, e, 8)) {
			dbg_printf(d, "[%u] not mapped\n", i);
			break;
		}
		if (i * 8 + 15 <= lim)
			dbg_read_linear(d->m, base + i * 8ull + 8, &e[1], 8);
		if (!e[0]) {
			/* A run of null descriptors is one line. */
			unsigned j = i;
			uint64_t z = 0;
			while ((j + 1) * 8 + 7 <= lim && dbg_read_linear(d->m, base + (j + 1) * 8ull, &z, 8) && !z)
				j++;
			if (j == i)
				dbg_printf(d, "[%2u] sel 0x%04x  %016llx  null\n", i, i * 8, 0ull);
			else
				dbg_printf(d, "[%2u-%u] sel 0x%04x-0x%04x  null (%u entries)\n", i, j, i * 8, j * 8, j - i + 1);
			i = j;
			continue;
		}
		uint64_t b;
		uint32_t l;
		uint16_t a;
		decode_desc(e[0], e[1], false, &b, &l, &a);
		bool wide = wide_desc(d->m, a);
		decode_desc(e[0], e[1], wide, &b, &l, &a);
		char r[160];
		rights(a, r, sizeof r);
		dbg_printf(d, "[%2u] sel 0x%04x  %016llx  base 0x%llx limit 0x%x  %s\n", i, i * 8, (unsigned long long)e[0],
			   (unsigned long long)b, l, r);
		if (wide) {
			dbg_printf(d, "[%2u]             %016llx  (upper half of the 16-byte descriptor above)\n", i + 1,
				   (unsigned long long)e[1]);
			i++;
		}
	}
	return 0;
}

int dbg_cmd_idt(struct dbg *d, int argc, char **argv)
{
	bool all = argc == 2 && !strcmp(argv[1], "all");
	if (argc > 2 || (argc == 2 && !all)) {
		dbg_error(d, "usage: idt [all]");
		return 0;
	}
	uint64_t base;
	uint16_t lim;
	machine_dtr_get(d->m, true, &base, &lim);
	const char *mode = dbg_mode_name(d->m);
	if (!strcmp(mode, "real")) {
		dbg_printf(d, "Real mode: the interrupt vector table at 0x%llx, limit 0x%x (4-byte segment:offset entries)\n",
			   (unsigned long long)base, lim);
		for (unsigned v = 0; v * 4 + 3 <= lim && v < 256; v++) {
			uint16_t e[2];
			if (!dbg_read_linear(d->m, base + v * 4ull, e, 4))
				break;
			if (!all && !e[0] && !e[1])
				continue;
			const char *n = ev_vector_name(v);
			dbg_printf(d, "[%3u] %-4s %04x:%04x\n", v, n ? n : "", e[1], e[0]);
		}
		return 0;
	}
	unsigned size = long_mode(d->m) ? 16 : 8;
	dbg_printf(d, "IDT at 0x%llx, limit 0x%x (%u gates of %u bytes)%s\n", (unsigned long long)base, lim, (lim + 1u) / size, size,
		   all ? "" : "; present gates only");
	for (unsigned v = 0; v * size + size - 1 <= lim && v < 256; v++) {
		uint64_t e[2] = { 0, 0 };
		if (!dbg_read_linear(d->m, base + (uint64_t)v * size, e, size)) {
			dbg_printf(d, "[%3u] not mapped\n", v);
			break;
		}
		bool present = (e[0] >> 47) & 1;
		if (!all && !present)
			continue;
		uint64_t off = (e[0] & 0xffff) | ((e[0] >> 32) & 0xffff0000ull);
		if (size == 16)
			off |= (e[1] & 0xffffffffull) << 32;
		unsigned type = (e[0] >> 40) & 15, dpl = (e[0] >> 45) & 3, ist = (e[0] >> 32) & 7;
		const char *n = ev_vector_name(v);
		const char *tn = type == 14 ? "interrupt gate" : type == 15 ? "trap gate" : type == 5 ? "task gate"
			       : type == 6 ? "16-bit interrupt gate" : type == 7 ? "16-bit trap gate" : "invalid type";
		dbg_printf(d, "[%3u] %-4s %s -> %04llx:0x%llx, DPL %u%s%s\n", v, n ? n : "", tn,
			   (unsigned long long)((e[0] >> 16) & 0xffff), (unsigned long long)off, dpl,
			   size == 16 && ist ? ", IST" : "", present ? "" : ", NOT present");
		if (size == 16 && ist)
			dbg_printf(d, "      IST %u\n", ist);
	}
	return 0;
}

int dbg_cmd_tss(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "tss takes no arguments");
		return 0;
	}
	struct vt_segment tr;
	machine_seg_get(d->m, VT_SREG_TR, &tr);
	if (!(tr.attr & (1u << 7))) {
		dbg_printf(d, "TR is not loaded (selector 0x%x): no task-state segment\n", tr.sel);
		return 0;
	}
	dbg_printf(d, "TR sel 0x%04x: TSS at 0x%llx, limit 0x%x\n", tr.sel, (unsigned long long)tr.base, tr.limit);
	uint8_t t[104];
	memset(t, 0, sizeof t);
	if (!dbg_read_linear(d->m, tr.base, t, tr.limit + 1 < sizeof t ? tr.limit + 1 : sizeof t)) {
		dbg_printf(d, "the TSS is not mapped\n");
		return 0;
	}
#define U16(o) ((unsigned)(t[o] | t[(o) + 1] << 8))
#define U32(o) ((uint32_t)t[o] | (uint32_t)t[(o) + 1] << 8 | (uint32_t)t[(o) + 2] << 16 | (uint32_t)t[(o) + 3] << 24)
#define U64(o) ((uint64_t)U32(o) | (uint64_t)U32((o) + 4) << 32)
	if (long_mode(d->m)) {
		dbg_printf(d, "64-bit TSS (SDM Vol. 3A, 8.7):\n");
		for (int i = 0; i < 3; i++)
			dbg_printf(d, "  rsp%d  0x%016llx  (stack for a switch to CPL %d)\n", i, (unsigned long long)U64(4 + 8 * i), i);
		for (int i = 1; i <= 7; i++)
			dbg_printf(d, "  ist%d  0x%016llx\n", i, (unsigned long long)U64(36 + 8 * (i - 1)));
		dbg_printf(d, "  I/O map base 0x%x\n", U16(102));
	} else {
		dbg_printf(d, "32-bit TSS (SDM Vol. 3A, 8.2.1):\n");
		dbg_printf(d, "  link 0x%04x  esp0 0x%08x ss0 0x%04x  esp1 0x%08x ss1 0x%04x  esp2 0x%08x ss2 0x%04x\n", U16(0),
			   U32(4), U16(8), U32(12), U16(16), U32(20), U16(24));
		dbg_printf(d, "  cr3 0x%08x  eip 0x%08x  eflags 0x%08x\n", U32(28), U32(32), U32(36));
		dbg_printf(d, "  eax 0x%08x ecx 0x%08x edx 0x%08x ebx 0x%08x esp 0x%08x ebp 0x%08x esi 0x%08x edi 0x%08x\n",
			   U32(40), U32(44), U32(48), U32(52), U32(56), U32(60), U32(64), U32(68));
		dbg_printf(d, "  es 0x%04x cs 0x%04x ss 0x%04x ds 0x%04x fs 0x%04x gs 0x%04x ldt 0x%04x  T=%u  I/O map base 0x%x\n",
			   U16(72), U16(76), U16(80), U16(84), U16(88), U16(92), U16(96), t[100] & 1, U16(102));
	}
#undef U16
#undef U32
#undef U64
	return 0;
}

/* ---------------------------------------------------------------- memory */

static void unreadable(struct dbg *d, enum dbg_space space, uint64_t at)
{
	if (space == DBG_GPA)
		dbg_printf(d, "0x%llx: (cannot read: EPT does not map this guest-physical address)\n", (unsigned long long)at);
	else
		dbg_printf(d, "0x%llx: (cannot read: not mapped, or no read permission; see 'walk 0x%llx')\n",
			   (unsigned long long)at, (unsigned long long)at);
}

int dbg_cmd_x(struct dbg *d, int argc, char **argv)
{
	/* argv[1] is "/FMT" when typed as x/FMT. */
	const char *fmt = argc > 1 && argv[1][0] == '/' ? argv[1] + 1 : "";
	int a = argc > 1 && argv[1][0] == '/' ? 2 : 1;
	enum dbg_space space = DBG_LINEAR;
	if (a < argc && !strcmp(argv[a], "phys"))
		space = DBG_PHYS, a++;
	else if (a < argc && !strcmp(argv[a], "gpa"))
		space = DBG_GPA, a++;
	if (a + 1 != argc) {
		dbg_error(d, "usage: x/FMT [phys|gpa] ADDR (for example x/4xg rsp, x/s phys 0x1000; see 'help x')");
		return 0;
	}
	uint64_t count = 0;
	char f = 'x';
	unsigned size = 4;
	const char *p = fmt;
	while (isdigit((unsigned char)*p))
		count = count * 10 + (uint64_t)(*p++ - '0');
	for (; *p; p++) {
		if (strchr("xduoctsi", *p))
			f = *p;
		else if (*p == 'b' || *p == 'h' || *p == 'w' || *p == 'g')
			size = *p == 'b' ? 1 : *p == 'h' ? 2 : *p == 'w' ? 4 : 8;
		else {
			dbg_error(d, "x: '%c' is not a format letter (formats x d u o c t s i; sizes b h w g)", *p);
			return 0;
		}
	}
	if (!count)
		count = 1;
	if (count > 4096) {
		dbg_error(d, "x: at most 4096 units at a time");
		return 0;
	}
	uint64_t addr;
	if (!dbg_parse_value(d, argv[a], &addr))
		return 0;
	if (f == 'c')
		size = 1;
	if (space == DBG_GPA) {
		struct walk w;
		uint64_t hpa;
		if (!machine_translate_gpa(d->m, addr, ACC_READ, &hpa, &w) && !w.ept) {
			dbg_error(d, "x gpa: %s", w.why);
			return 0;
		}
	}
	if (f == 'i') {
		if (space != DBG_LINEAR) {
			dbg_error(d, "x/i reads linear addresses (disassembly follows the instruction stream); drop '%s'",
				  space == DBG_PHYS ? "phys" : "gpa");
			return 0;
		}
		for (uint64_t i = 0; i < count; i++) {
			char insn[128];
			int n = dbg_disasm_la(d->m, addr, insn, sizeof insn);
			if (!n) {
				dbg_printf(d, "0x%llx: (cannot decode or not mapped)\n", (unsigned long long)addr);
				break;
			}
			dbg_printf(d, "0x%llx: %s\n", (unsigned long long)addr, insn);
			addr += (uint64_t)n;
		}
		return 0;
	}
	if (f == 's') {
		for (uint64_t i = 0; i < count; i++) {
			char s[256];
			size_t n = 0;
			uint8_t c;
			uint64_t at = addr;
			for (;;) {
				if (!dbg_read_space(d->m, space, addr, &c, 1)) {
					unreadable(d, space, addr);
					return 0;
				}
				addr++;
				if (!c || n + 5 >= sizeof s)
					break;
				if (isprint(c))
					s[n++] = (char)c;
				else
					n += (size_t)snprintf(s + n, sizeof s - n, "\\x%02x", c);
			}
			s[n] = 0;
			dbg_printf(d, "0x%llx: \"%s\"\n", (unsigned long long)at, s);
		}
		return 0;
	}
	unsigned per_line = size == 1 ? 8 : size == 2 ? 8 : size == 4 ? 4 : 2;
	if (f == 't')
		per_line = size >= 4 ? 1 : 2;
	char line[512];
	size_t o = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t at = addr + i * size, v = 0;
		uint8_t buf[8];
		if (!dbg_read_space(d->m, space, at, buf, size)) {
			if (o && i % per_line)
				dbg_printf(d, "%s\n", line);
			unreadable(d, space, at);
			return 0;
		}
		for (unsigned k = 0; k < size; k++)
			v |= (uint64_t)buf[k] << (8 * k);
		if (i % per_line == 0)
			o = (size_t)snprintf(line, sizeof line, "0x%llx:", (unsigned long long)at);
		int64_t sv = size == 8 ? (int64_t)v : (int64_t)(v << (64 - 8 * size)) >> (64 - 8 * size);
		switch (f) {
		case 'x': o += (size_t)snprintf(line + o, sizeof line - o, " 0x%0*llx", (int)size * 2, (unsigned long long)v); break;
		case 'd': o += (size_t)snprintf(line + o, sizeof line - o, " %lld", (long long)sv); break;
		case 'u': o += (size_t)snprintf(line + o, sizeof line - o, " %llu", (unsigned long long)v); break;
		case 'o': o += (size_t)snprintf(line + o, sizeof line - o, " 0%llo", (unsigned long long)v); break;
		case 't':
			o += (size_t)snprintf(line + o, sizeof line - o, " ");
			for (int k = (int)size * 8 - 1; k >= 0 && o + 2 < sizeof line; k--)
				line[o++] = (char)('0' + ((v >> k) & 1));
			line[o] = 0;
			break;
		case 'c':
			if (isprint((int)v))
				o += (size_t)snprintf(line + o, sizeof line - o, " '%c'", (int)v);
			else
				o += (size_t)snprintf(line + o, sizeof line - o, " '\\x%02x'", (unsigned)v);
			break;
		}
		if (i % per_line == per_line - 1 || i + 1 == count)
			dbg_printf(d, "%s\n", line);
	}
	return 0;
}

int dbg_cmd_disas(struct dbg *d, int argc, char **argv)
{
	if (argc > 3) {
		dbg_error(d, "usage: disas [ADDR] [N]");
		return 0;
	}
	uint64_t rip = machine_reg_get(d->m, VT_RIP), addr = rip, n = 8;
	if (argc >= 2 && !dbg_parse_value(d, argv[1], &addr))
		return 0;
	if (argc == 3 && (!dbg_parse_number(argv[2], &n) || n == 0 || n > 1000)) {
		dbg_error(d, "disas: '%s' is not a count from 1 to 1000", argv[2]);
		return 0;
	}
	for (uint64_t i = 0; i < n; i++) {
		char insn[128];
		int len = dbg_disasm_la(d->m, addr, insn, sizeof insn);
		if (!len) {
			dbg_printf(d, "   0x%llx: (cannot decode, or not mapped for fetching)\n", (unsigned long long)addr);
			break;
		}
		dbg_printf(d, "%s 0x%llx: %s\n", addr == rip ? "=>" : "  ", (unsigned long long)addr, insn);
		addr += (uint64_t)len;
	}
	return 0;
}

int dbg_cmd_stack(struct dbg *d, int argc, char **argv)
{
	uint64_t n = 8;
	if (argc > 2 || (argc == 2 && (!dbg_parse_number(argv[1], &n) || n == 0 || n > 512))) {
		dbg_error(d, "usage: stack [N] (N from 1 to 512)");
		return 0;
	}
	const char *mode = dbg_mode_name(d->m);
	unsigned w = !strcmp(mode, "long64") ? 8 : (!strcmp(mode, "prot32") || !strcmp(mode, "compat32")) ? 4 : 2;
	struct vt_segment ss;
	machine_seg_get(d->m, VT_SREG_SS, &ss);
	uint64_t sp = machine_reg_get(d->m, VT_RSP), rbp = machine_reg_get(d->m, VT_RBP);
	if (w < 8)
		sp &= ss.attr & (1u << 14) ? 0xffffffffu : 0xffffu;
	uint64_t base = w == 8 ? 0 : ss.base;
	dbg_printf(d, "stack at %s 0x%llx (%u-byte slots)\n", w == 8 ? "rsp" : "ss:sp", (unsigned long long)sp, w);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t at = sp + i * w, v = 0;
		if (!dbg_read_linear(d->m, base + at, &v, w)) {
			dbg_printf(d, "  0x%llx: (not mapped)\n", (unsigned long long)at);
			break;
		}
		char note[160] = "";
		char insn[96];
		uint64_t pa;
		if (at == rbp)
			snprintf(note, sizeof note, "  <- rbp");
		else if (v && dbg_la_to_pa(d->m, v, 2, &pa) && v >= 16 && dbg_read_linear(d->m, v - 5, insn, 1) &&
			 (uint8_t)insn[0] == 0xe8)
			snprintf(note, sizeof note, "  (return address after a CALL at 0x%llx)", (unsigned long long)(v - 5));
		dbg_printf(d, "%s 0x%llx: 0x%0*llx%s\n", i == 0 ? "=>" : "  ", (unsigned long long)at, (int)w * 2,
			   (unsigned long long)v, note);
	}
	return 0;
}

/* ---------------------------------------------------------------- set */

int dbg_cmd_set(struct dbg *d, int argc, char **argv)
{
	if (argc != 3) {
		dbg_error(d, "usage: set REG VALUE or set VMCS_FIELD VALUE (for example set rax 0x1234)");
		return 0;
	}
	char low[32];
	snprintf(low, sizeof low, "%s", argv[1][0] == '$' ? argv[1] + 1 : argv[1]);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int id = machine_reg_id(low);
	if (id < 0) {
		bool handled;
		if (dbg_vmcs_set(d, argv[1], argv[2], &handled) || handled) {
			dbg_history_pin(d);
			return 0;
		}
		dbg_error(d, "'%s' is neither a register nor a VMCS field (registers: rax..r15, rip, rflags, es..gs, fs_base, "
			     "gs_base, cr0, cr2, cr3, cr4, efer)", argv[1]);
		return 0;
	}
	uint64_t v;
	if (!dbg_parse_value(d, argv[2], &v))
		return 0;
	machine_reg_set(d->m, (enum vt_reg)id, v);
	if (id == VT_CR0 || id == VT_CR3 || id == VT_CR4 || id == VT_EFER)
		machine_sync_paging(d->m);
	dbg_printf(d, "%s = 0x%llx\n", machine_reg_name((enum vt_reg)id), (unsigned long long)machine_reg_get(d->m, (enum vt_reg)id));
	dbg_history_pin(d);
	return 0;
}
