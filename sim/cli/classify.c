/* classify.c - `vtsim classify`: Popek and Goldberg's analysis of IA-32, run instruction by instruction on vtsim. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cost.h"
#include "../machine.h"
#include "../vmx/vmx.h"
#include "cli.h"
#include "config.h"

#define DEFAULT_PROFILE "skylake"

static const char classify_help[] =
	"usage: vtsim classify [--profile NAME]\n"
	"\n"
	"Popek and Goldberg's analysis (CACM 1974) run on vtsim. Each instruction of\n"
	"the list runs in a tiny guest three times: at CPL 0 on bare hardware with the\n"
	"guest's own descriptor tables; deprivileged at CPL 1 in 32-bit protected mode\n"
	"under a software monitor (the monitor's GDT, IDT, LDT, TSS and CR0 loaded,\n"
	"real IF = 1, ring-1 aliases of the guest's segments); and at CPL 0 in VMX\n"
	"non-root operation with default controls. The table says whether it traps\n"
	"when deprivileged, whether it behaves differently there without trapping\n"
	"(registers, flags, memory or privileged state compared with the CPL-0 run),\n"
	"and whether it exits in VMX non-root operation; then the verdict: the\n"
	"sensitive instructions that are not privileged.\n"
	"\n"
	"  --profile NAME   CPU cost profile for the cycle column (default skylake)\n"
	"  --help           this text\n";

/*
 * Physical (= linear) layout of every tiny guest. The prot32 machines map
 * the first 4 MiB with one 4-MiB page; the VMX machine uses the loader's
 * identity map of 4 GiB.
 *
 *   0x01000 CODE      the instruction under test
 *   0x01800 TARGET    far CALL/JMP/RET target
 *   0x02000 G_GDT     the guest's GDT        0x02800 M_GDT  the monitor's copy
 *   0x03000 G_IDT     the guest's IDT        0x04000 M_IDT  the monitor's IDT
 *   0x05000 G_LDT, 0x05100 M_LDT, 0x05200 G_TSS, 0x05300 SPARE_TSS, 0x05400 M_TSS
 *   0x06000 STUBS     every gate's handler: HLT (the run stops at the delivery)
 *   0x07000 DATA      256 bytes compared after the run (stores, operands)
 *   0x08f00-0x09000   the stack (ESP = STACK), compared after the run
 *   0x0a000 ESP0      the monitor's ring-0 stack
 *   0x0b000 PD        the prot32 page directory
 *   0x0c000 HOST_CODE HOST_RIP (HLT)    0x0f000 HOST_STACK
 *   0x10000 VMXON, 0x11000 VMCS
 */
enum {
	CODE = 0x1000, TARGET = 0x1800, G_GDT = 0x2000, M_GDT = 0x2800, G_IDT = 0x3000, M_IDT = 0x4000,
	G_LDT = 0x5000, M_LDT = 0x5100, G_TSS = 0x5200, SPARE_TSS = 0x5300, M_TSS = 0x5400, STUBS = 0x6000,
	DATA = 0x7000, DATA_LEN = 256, STACK_LO = 0x8f00, STACK = 0x8ff0, STACK_HI = 0x9000, ESP0 = 0xa000,
	PD = 0xb000, HOST_CODE = 0xc000, HOST_STACK = 0xf000, VMXON = 0x10000, VMCS = 0x11000,
	RAM = 2 << 20,
	GDT_LIMIT = 0x8f, IDT_LIMIT = 0xfff,
	PSEUDO_GDT = DATA + 0x80, PSEUDO_IDT = DATA + 0x88, /* LGDT/LIDT operands: the guest's own tables */
};

/* GDT selectors. System descriptors take 16 bytes so that the same table
 * also serves the IA-32e guest (SDM Vol. 3A, 3.5.2 and 8.2.3). */
enum {
	SEL_CODE0 = 0x08, SEL_DATA0 = 0x10,   /* the guest kernel's flat segments, DPL 0 */
	SEL_CODE1 = 0x18, SEL_DATA1 = 0x20,   /* the monitor's ring-1 aliases of them, DPL 1 */
	SEL_LDT = 0x28, SEL_TSS = 0x38,       /* the guest's LDT and (busy) TSS */
	SEL_SPARE_TSS = 0x48,                 /* an available TSS, for LTR */
	SEL_M_TSS = 0x58, SEL_M_LDT = 0x68,   /* the monitor's TSS and shadow LDT */
	SEL_CODE64 = 0x78,                    /* 64-bit code: the IA-32e guest's handlers, the host */
};

/* CR0 of the guest (PE ET NE PG), and the monitor's: it also keeps TS set
 * so the guest's first FPU instruction traps (lazy FPU switching). */
#define GUEST_CR0_VAL 0x80000031ull
#define MONITOR_CR0_VAL (GUEST_CR0_VAL | 0x8)
#define MSR_SYSENTER_CS 0x174u

/* ---- the instructions ----------------------------------------------- */

/* What a test preloads (beyond the registers' literal values). */
enum preset { P_NONE, P_CR0_TS, P_CR3 };

struct insn_test {
	const char *name;            /* as printed */
	uint8_t code[8];             /* the 32-bit encoding */
	uint8_t len;                 /* its length */
	uint32_t eax, ebx, ecx, edx; /* registers before */
	uint32_t stack[2];           /* the two dwords at ESP */
	enum preset preset;          /* EAX from the machine's own state */
};

#define ENC(...) .code = { __VA_ARGS__ }, .len = sizeof((uint8_t[]){ __VA_ARGS__ })

/* The sensitive candidates of Robin and Irvine (USENIX Security 2000), then
 * the privileged instructions. Encodings only: every column is measured. */
static const struct insn_test tests[] = {
	{ "SGDT", ENC(0x0f, 0x01, 0x03), .ebx = DATA },                   /* sgdt [ebx] */
	{ "SIDT", ENC(0x0f, 0x01, 0x0b), .ebx = DATA },                   /* sidt [ebx] */
	{ "SLDT", ENC(0x0f, 0x00, 0xc0) },                                /* sldt eax */
	{ "SMSW", ENC(0x0f, 0x01, 0xe0) },                                /* smsw eax */
	{ "STR", ENC(0x0f, 0x00, 0xc8) },                                 /* str eax */
	{ "PUSHF", ENC(0x9c) },
	{ "POPF", ENC(0x9d), .stack = { 0x202 } },                        /* pops IF = 1 */
	{ "LAR", ENC(0x0f, 0x02, 0xc3), .ebx = SEL_DATA0 },               /* lar eax, ebx */
	{ "LSL", ENC(0x0f, 0x03, 0xc3), .ebx = SEL_DATA0 },               /* lsl eax, ebx */
	{ "VERR", ENC(0x0f, 0x00, 0xe3), .ebx = SEL_DATA0 },              /* verr bx */
	{ "VERW", ENC(0x0f, 0x00, 0xeb), .ebx = SEL_DATA0 },              /* verw bx */
	{ "PUSH CS", ENC(0x0e) },
	{ "PUSH DS", ENC(0x1e) },
	{ "POP DS", ENC(0x1f), .stack = { SEL_DATA0 } },
	{ "MOV from CS", ENC(0x8c, 0xc8) },                               /* mov eax, cs */
	{ "MOV from DS", ENC(0x8c, 0xd8) },                               /* mov eax, ds */
	{ "MOV to DS", ENC(0x8e, 0xd8), .eax = SEL_DATA0 },             /* mov ds, ax */
	{ "CALL far", ENC(0x9a, TARGET & 0xff, TARGET >> 8, 0, 0, SEL_CODE0, 0) },
	{ "JMP far", ENC(0xea, TARGET & 0xff, TARGET >> 8, 0, 0, SEL_CODE0, 0) },
	{ "RET far", ENC(0xcb), .stack = { TARGET, SEL_CODE0 } },
	{ "INT 0x80", ENC(0xcd, 0x80) },
	{ "CLI", ENC(0xfa) },
	{ "STI", ENC(0xfb) },
	{ "HLT", ENC(0xf4) },
	{ "LGDT", ENC(0x0f, 0x01, 0x13), .ebx = PSEUDO_GDT },             /* lgdt [ebx] */
	{ "LIDT", ENC(0x0f, 0x01, 0x1b), .ebx = PSEUDO_IDT },             /* lidt [ebx] */
	{ "LLDT", ENC(0x0f, 0x00, 0xd0), .eax = SEL_LDT },                /* lldt ax */
	{ "LTR", ENC(0x0f, 0x00, 0xd8), .eax = SEL_SPARE_TSS },           /* ltr ax */
	{ "MOV to CR0", ENC(0x0f, 0x22, 0xc0), .preset = P_CR0_TS },    /* mov cr0, eax (sets TS) */
	{ "MOV to CR3", ENC(0x0f, 0x22, 0xd8), .preset = P_CR3 },       /* mov cr3, eax (reload) */
	{ "MOV from CR0", ENC(0x0f, 0x20, 0xc0) },                        /* mov eax, cr0 */
	{ "IN", ENC(0xe4, 0x80) },                                        /* in al, 0x80 */
	{ "OUT", ENC(0xe6, 0x80) },                                       /* out 0x80, al */
	{ "RDMSR", ENC(0x0f, 0x32), .ecx = MSR_SYSENTER_CS },
	{ "WRMSR", ENC(0x0f, 0x30), .ecx = MSR_SYSENTER_CS, .eax = SEL_CODE0 },
	{ "INVLPG", ENC(0x0f, 0x01, 0x3b), .ebx = DATA },                 /* invlpg [ebx] */
};
#define NTESTS (int)(sizeof tests / sizeof tests[0])

/* ---- one run -------------------------------------------------------- */

/* The three places an instruction runs. */
enum env { ENV_NATIVE, ENV_DEPRIV, ENV_VMX, ENV_COUNT };

/* Everything compared after a run. */
struct outcome {
	bool ok;                   /* the machine was built and entered */
	char err[200];             /* else why not */
	bool event;                /* an IDT delivery or a VM exit ended the run */
	bool vmexit;               /* it was a VM exit */
	unsigned vector;           /* exception or interrupt vector */
	uint32_t reason;           /* VM exit reason */
	bool halted;               /* the run stopped at HLT */
	uint64_t cycles;           /* cycles for the instruction (and its trap or exit) */
	uint32_t gpr[8], gpr0[8];  /* EAX..EDI after and before */
	uint32_t eip, eflags;      /* after */
	uint32_t if0;              /* RFLAGS.IF before */
	uint16_t sel[6], sel0[6];  /* ES CS SS DS FS GS after and before */
	uint64_t gdtr, idtr;       /* base << 16 | limit */
	uint16_t ldtr, tr;         /* selectors */
	uint64_t cr0, cr3, msr;    /* CR0, CR3, IA32_SYSENTER_CS */
	uint64_t gdtr0, idtr0, cr00, cr30, msr0; /* before */
	uint16_t ldtr0, tr0;
	uint8_t data[DATA_LEN];    /* DATA after */
	uint8_t stack[STACK_HI - STACK_LO]; /* the stack after */
};

static void on_event(void *opaque, const struct event *e)
{
	struct outcome *o = opaque;
	if (o->event)
		return;
	o->event = true;
	if (e->kind == EV_VMEXIT) {
		o->vmexit = true;
		o->reason = e->u.vmx.reason & 0xffff;
	} else {
		o->vector = e->u.exc.vector;
	}
}

static void put64(struct machine *m, uint64_t pa, uint64_t v)
{
	machine_phys_write(m, pa, &v, 8);
}

/* A segment descriptor (SDM Vol. 3A, 3.4.5): base, limit in bytes, the
 * access byte, and the flags nibble (G D/B L AVL). */
static uint64_t desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	if (flags & 8)
		limit >>= 12;
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)(limit >> 16 & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) | ((uint64_t)(base >> 24) << 56);
}

/* The GDT both the guest and the monitor's copy hold. */
static void write_gdt(struct machine *m, uint64_t at)
{
	uint64_t g[(GDT_LIMIT + 1) / 8] = { 0 };
	g[SEL_CODE0 / 8] = desc(0, 0xffffffff, 0x9a, 0xc);
	g[SEL_DATA0 / 8] = desc(0, 0xffffffff, 0x92, 0xc);
	g[SEL_CODE1 / 8] = desc(0, 0xffffffff, 0xba, 0xc);
	g[SEL_DATA1 / 8] = desc(0, 0xffffffff, 0xb2, 0xc);
	g[SEL_LDT / 8] = desc(G_LDT, 0xf, 0x82, 0);
	g[SEL_TSS / 8] = desc(G_TSS, 0x67, 0x8b, 0);
	g[SEL_SPARE_TSS / 8] = desc(SPARE_TSS, 0x67, 0x89, 0);
	g[SEL_M_TSS / 8] = desc(M_TSS, 0x67, 0x8b, 0);
	g[SEL_M_LDT / 8] = desc(M_LDT, 0xf, 0x82, 0);
	g[SEL_CODE64 / 8] = desc(0, 0xffffffff, 0x9a, 0xa);
	machine_phys_write(m, at, g, sizeof g);
}

/* 256 gates to STUBS, DPL 3 so that INT n passes at any CPL: 32-bit
 * interrupt gates (SDM Vol. 3A, 6.11) or 64-bit ones (6.14.1). */
static void write_idt(struct machine *m, uint64_t at, bool long_mode)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t off = STUBS, sel = long_mode ? SEL_CODE64 : SEL_CODE0;
		uint64_t lo = (off & 0xffff) | (sel << 16) | (0xeeull << 40) | ((off >> 16 & 0xffff) << 48);
		if (long_mode) {
			put64(m, at + 16 * v, lo);
			put64(m, at + 16 * v + 8, off >> 32);
		} else {
			put64(m, at + 8 * v, lo);
		}
	}
}

/* What every machine holds: tables, stubs, the operands, the stack. */
static void write_common(struct machine *m, const struct insn_test *t, bool long_mode)
{
	write_gdt(m, G_GDT);
	write_gdt(m, M_GDT);
	write_idt(m, G_IDT, long_mode);
	write_idt(m, M_IDT, long_mode);
	/* Both TSSes: SS0:ESP0 (32-bit) or RSP0 (64-bit), no I/O bit map. */
	for (uint64_t tss = G_TSS; tss <= M_TSS; tss += 0x100) {
		if (long_mode) {
			put64(m, tss + 4, ESP0);
		} else {
			uint32_t esp0 = ESP0, ss0 = SEL_DATA0;
			machine_phys_write(m, tss + 4, &esp0, 4);
			machine_phys_write(m, tss + 8, &ss0, 4);
		}
		uint16_t iomap = 0x68;
		machine_phys_write(m, tss + 0x66, &iomap, 2);
	}
	static const uint8_t hlt = 0xf4;
	machine_phys_write(m, STUBS, &hlt, 1);
	machine_phys_write(m, TARGET, &hlt, 1);
	machine_phys_write(m, HOST_CODE, &hlt, 1);
	machine_phys_write(m, CODE, t->code, t->len);
	machine_phys_write(m, CODE + t->len, &hlt, 1);
	/* LGDT and LIDT operands: the guest's own tables. */
	uint8_t pd[6];
	uint16_t lim = GDT_LIMIT;
	uint32_t base = G_GDT;
	memcpy(pd, &lim, 2);
	memcpy(pd + 2, &base, 4);
	machine_phys_write(m, PSEUDO_GDT, pd, 6);
	lim = IDT_LIMIT;
	base = G_IDT;
	memcpy(pd, &lim, 2);
	memcpy(pd + 2, &base, 4);
	machine_phys_write(m, PSEUDO_IDT, pd, 6);
	machine_phys_write(m, STACK, t->stack, sizeof t->stack);
}

static void seg(struct machine *m, enum vt_sreg s, uint16_t sel, uint32_t base, uint32_t limit, uint16_t attr)
{
	struct vt_segment v = { .sel = sel, .base = base, .limit = limit, .attr = attr };
	machine_seg_set(m, s, &v);
}

/* The registers a test starts with; EAX may come from the machine. */
static void set_gprs(struct machine *m, const struct insn_test *t, uint64_t cr0, uint64_t cr3)
{
	uint32_t eax = t->eax;
	if (t->preset == P_CR0_TS)
		eax = (uint32_t)(cr0 | 0x8);
	else if (t->preset == P_CR3)
		eax = (uint32_t)cr3;
	for (int r = VT_RAX; r <= VT_RDI; r++)
		machine_reg_set(m, (enum vt_reg)r, 0);
	machine_reg_set(m, VT_RAX, eax);
	machine_reg_set(m, VT_RBX, t->ebx);
	machine_reg_set(m, VT_RCX, t->ecx);
	machine_reg_set(m, VT_RDX, t->edx);
	machine_reg_set(m, VT_RSP, STACK);
}

/*
 * A prot32 machine: the guest kernel at CPL 0 with its own tables, or (the
 * monitor's view) at CPL 1 through the ring-1 aliases, with the monitor's
 * GDT, IDT, LDT, TSS and CR0 loaded and real IF = 1 while the guest's own
 * IF is 0 (SDM Vol. 3A, 5.5 and 6.8.1 on what CPL 1 may do).
 */
static int build_prot32(struct machine *m, const struct insn_test *t, bool depriv, char *err, size_t len)
{
	if (machine_start(m, START_PROT32, CODE, err, len) != 0)
		return -1;
	write_common(m, t, false);
	put64(m, PD, 0x87); /* one 4-MiB page: present, writable, user */
	machine_reg_set(m, VT_CR4, machine_reg_get(m, VT_CR4) | 0x10); /* PSE */
	machine_reg_set(m, VT_CR3, PD);
	machine_reg_set(m, VT_CR0, depriv ? MONITOR_CR0_VAL : GUEST_CR0_VAL);
	machine_sync_paging(m);
	machine_dtr_set(m, false, depriv ? M_GDT : G_GDT, GDT_LIMIT);
	machine_dtr_set(m, true, depriv ? M_IDT : G_IDT, IDT_LIMIT);
	if (depriv) {
		seg(m, VT_SREG_LDTR, SEL_M_LDT, M_LDT, 0xf, 0x82);
		seg(m, VT_SREG_TR, SEL_M_TSS, M_TSS, 0x67, 0x8b);
	} else {
		seg(m, VT_SREG_LDTR, SEL_LDT, G_LDT, 0xf, 0x82);
		seg(m, VT_SREG_TR, SEL_TSS, G_TSS, 0x67, 0x8b);
	}
	uint16_t cs = depriv ? SEL_CODE1 | 1 : SEL_CODE0, ds = depriv ? SEL_DATA1 | 1 : SEL_DATA0;
	uint16_t dpl = depriv ? 0x20 : 0;
	seg(m, VT_SREG_CS, cs, 0, 0xffffffff, 0xc09b | dpl);
	for (enum vt_sreg s = VT_SREG_ES; s <= VT_SREG_GS; s++)
		if (s != VT_SREG_CS)
			seg(m, s, ds, 0, 0xffffffff, 0xc093 | dpl);
	machine_reg_set(m, VT_RFLAGS, depriv ? 0x202 : 0x2);
	machine_reg_set(m, VT_RIP, CODE);
	set_gprs(m, t, machine_reg_get(m, VT_CR0), PD);
	return 0;
}

static bool vmw(struct machine *m, uint32_t enc, uint64_t v)
{
	return machine_vmcs_write(m, enc, v);
}

/*
 * A 64-bit host in VMX root operation whose guest is the same guest kernel
 * at CPL 0, in compatibility mode (a 32-bit code segment in IA-32e mode)
 * so the 32-bit encodings mean the same; default controls (the capability
 * MSRs' fixed bits only) and the guest's own tables.
 */
static int build_vmx(struct machine *m, const struct insn_test *t, char *err, size_t len)
{
	if (machine_start(m, START_LONG64, HOST_CODE, err, len) != 0)
		return -1;
	write_common(m, t, true);
	/* The host: the monitor's GDT, IDT and TSS, 64-bit code. */
	machine_dtr_set(m, false, M_GDT, GDT_LIMIT);
	machine_dtr_set(m, true, M_IDT, IDT_LIMIT);
	seg(m, VT_SREG_CS, SEL_CODE64, 0, 0xffffffff, 0xa09b);
	for (enum vt_sreg s = VT_SREG_ES; s <= VT_SREG_GS; s++)
		if (s != VT_SREG_CS)
			seg(m, s, SEL_DATA0, 0, 0xffffffff, 0xc093);
	seg(m, VT_SREG_TR, SEL_M_TSS, M_TSS, 0x67, 0x8b);
	if (machine_vmx_on(m, VMXON, VMCS, err, len) != 0)
		return -1;
	machine_vmcs_defaults(m);
	machine_reg_set(m, VT_RIP, HOST_CODE);
	machine_reg_set(m, VT_RSP, HOST_STACK);
	machine_vmcs_capture_host(m);
	machine_vmcs_capture_guest(m);
	/* The guest: its own tables, CPL 0, compatibility mode, IF = 0. */
	static const struct { uint32_t sel, base, limit, ar; uint16_t v; uint32_t b, l, a; } gs[] = {
		{ GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR_BYTES, SEL_DATA0, 0, 0xffffffff, 0xc093 },
		{ GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR_BYTES, SEL_CODE0, 0, 0xffffffff, 0xc09b },
		{ GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR_BYTES, SEL_DATA0, 0, 0xffffffff, 0xc093 },
		{ GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR_BYTES, SEL_DATA0, 0, 0xffffffff, 0xc093 },
		{ GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR_BYTES, SEL_DATA0, 0, 0xffffffff, 0xc093 },
		{ GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR_BYTES, SEL_DATA0, 0, 0xffffffff, 0xc093 },
		{ GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR_BYTES, SEL_LDT, G_LDT, 0xf, 0x82 },
		{ GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR_BYTES, SEL_TSS, G_TSS, 0x67, 0x8b },
	};
	bool ok = true;
	for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++)
		ok &= vmw(m, gs[i].sel, gs[i].v) && vmw(m, gs[i].base, gs[i].b) && vmw(m, gs[i].limit, gs[i].l) &&
		      vmw(m, gs[i].ar, gs[i].a);
	ok &= vmw(m, GUEST_GDTR_BASE, G_GDT) && vmw(m, GUEST_GDTR_LIMIT, GDT_LIMIT);
	ok &= vmw(m, GUEST_IDTR_BASE, G_IDT) && vmw(m, GUEST_IDTR_LIMIT, IDT_LIMIT);
	ok &= vmw(m, GUEST_CR0, GUEST_CR0_VAL) && vmw(m, GUEST_RFLAGS, 0x2);
	ok &= vmw(m, GUEST_RIP, CODE) && vmw(m, GUEST_RSP, STACK);
	if (!ok) {
		snprintf(err, len, "a VMCS field could not be written");
		return -1;
	}
	uint64_t cr3 = 0;
	machine_vmcs_read(m, GUEST_CR3, &cr3);
	set_gprs(m, t, GUEST_CR0_VAL, cr3);
	return 0;
}

static uint64_t dtr(struct machine *m, bool idt)
{
	uint64_t base;
	uint16_t lim;
	machine_dtr_get(m, idt, &base, &lim);
	return base << 16 | lim;
}

static uint16_t sreg(struct machine *m, enum vt_sreg s)
{
	struct vt_segment v;
	machine_seg_get(m, s, &v);
	return v.sel;
}

/* The privileged state the comparison watches. */
static void snap_priv(struct machine *m, uint64_t *gdtr, uint64_t *idtr, uint16_t *ldtr, uint16_t *tr, uint64_t *cr0,
		      uint64_t *cr3, uint64_t *msr)
{
	*gdtr = dtr(m, false);
	*idtr = dtr(m, true);
	*ldtr = sreg(m, VT_SREG_LDTR);
	*tr = sreg(m, VT_SREG_TR);
	*cr0 = machine_reg_get(m, VT_CR0);
	*cr3 = machine_reg_get(m, VT_CR3);
	*msr = 0;
	machine_msr_get(m, MSR_SYSENTER_CS, msr);
}

/* Run test t in env: one instruction, or until its trap or VM exit. */
static void run_one(const struct insn_test *t, enum env env, const struct cost_profile *prof, struct outcome *o)
{
	*o = (struct outcome){ 0 };
	struct machine_config cfg = { .ram_size = RAM };
	struct machine *m = machine_new(&cfg, o->err, sizeof o->err);
	if (!m)
		return;
	machine_set_profile(m, prof);
	int r = env == ENV_VMX ? build_vmx(m, t, o->err, sizeof o->err)
			       : build_prot32(m, t, env == ENV_DEPRIV, o->err, sizeof o->err);
	if (r != 0)
		goto out;
	if (env == ENV_VMX && machine_vmx_launch(m, o->err, sizeof o->err) != 0)
		goto out;
	o->ok = true;
	o->if0 = machine_reg_get(m, VT_RFLAGS) >> 9 & 1;
	for (int i = 0; i < 8; i++)
		o->gpr0[i] = (uint32_t)machine_reg_get(m, (enum vt_reg)(VT_RAX + i));
	for (int s = 0; s < 6; s++)
		o->sel0[s] = sreg(m, (enum vt_sreg)s);
	snap_priv(m, &o->gdtr0, &o->idtr0, &o->ldtr0, &o->tr0, &o->cr00, &o->cr30, &o->msr0);
	if (machine_subscribe(m, EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_VMEXIT) | EVB(EV_SHUTDOWN), on_event, o) < 0) {
		o->ok = false;
		snprintf(o->err, sizeof o->err, "no event listener slot");
		goto out;
	}
	uint64_t c0 = machine_cycles(m);
	enum stop_reason why = machine_run(m, 1);
	o->cycles = machine_cycles(m) - c0;
	o->halted = why == STOP_HLT || why == STOP_HLT_IDLE;
	if (o->event)
		goto out; /* the state after a trap is the monitor's business */
	for (int i = 0; i < 8; i++)
		o->gpr[i] = (uint32_t)machine_reg_get(m, (enum vt_reg)(VT_RAX + i));
	o->eip = (uint32_t)machine_reg_get(m, VT_RIP);
	o->eflags = (uint32_t)machine_reg_get(m, VT_RFLAGS);
	for (int s = 0; s < 6; s++)
		o->sel[s] = sreg(m, (enum vt_sreg)s);
	snap_priv(m, &o->gdtr, &o->idtr, &o->ldtr, &o->tr, &o->cr0, &o->cr3, &o->msr);
	machine_phys_read(m, DATA, o->data, sizeof o->data);
	machine_phys_read(m, STACK_LO, o->stack, sizeof o->stack);
out:
	machine_free(m);
}

/* ---- comparing runs ------------------------------------------------- */

/* RFLAGS bits an instruction's result shows: CF PF AF ZF SF TF DF OF IOPL NT AC. */
#define VISIBLE_FLAGS 0x47dd5u

/*
 * Does `b` behave like `a` (the CPL-0 run)? Results compare by value:
 * registers, visible flags, memory, and what the instruction did to
 * segment registers, IF and the privileged state (changed or not, and to
 * what). Fills how with the first difference, "" if none.
 */
static bool same(const struct outcome *a, const struct outcome *b, char *how, size_t len)
{
	static const char *const gpr[8] = { "EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI" };
	static const char *const sn[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };
	*how = 0;
	if (a->halted != b->halted) {
		snprintf(how, len, "%s", b->halted ? "halts" : "does not halt");
		return false;
	}
	for (int i = 0; i < 8; i++) {
		bool ca = a->gpr[i] != a->gpr0[i], cb = b->gpr[i] != b->gpr0[i];
		if (ca != cb || (ca && a->gpr[i] != b->gpr[i])) {
			if (cb)
				snprintf(how, len, "%s=0x%x (CPL 0: %s0x%x)", gpr[i], b->gpr[i], ca ? "" : "unchanged ",
					 a->gpr[i]);
			else
				snprintf(how, len, "%s unchanged (CPL 0: 0x%x)", gpr[i], a->gpr[i]);
			return false;
		}
	}
	if (a->eip != b->eip) {
		snprintf(how, len, "EIP=0x%x (CPL 0: 0x%x)", b->eip, a->eip);
		return false;
	}
	uint32_t fd = (a->eflags ^ b->eflags) & VISIBLE_FLAGS;
	if (fd) {
		snprintf(how, len, "RFLAGS=0x%x (CPL 0: 0x%x)", b->eflags & VISIBLE_FLAGS, a->eflags & VISIBLE_FLAGS);
		return false;
	}
	/* IF: what the instruction made of it. */
	uint32_t aif = a->eflags >> 9 & 1, bif = b->eflags >> 9 & 1;
	bool ach = aif != a->if0, bch = bif != b->if0;
	if (ach != bch || (ach && aif != bif)) {
		snprintf(how, len, "IF %s (CPL 0: %s)", bch ? (bif ? "set" : "cleared") : "unchanged",
			 ach ? (aif ? "set" : "cleared") : "unchanged");
		return false;
	}
	for (int s = 0; s < 6; s++) {
		bool ca = a->sel[s] != a->sel0[s], cb = b->sel[s] != b->sel0[s];
		if (ca != cb || (ca && a->sel[s] != b->sel[s])) {
			snprintf(how, len, "%s=0x%x (CPL 0: 0x%x)", sn[s], b->sel[s], a->sel[s]);
			return false;
		}
	}
	for (int i = 0; i < DATA_LEN; i += 4)
		if (memcmp(a->data + i, b->data + i, 4) != 0) {
			uint32_t x, y;
			memcpy(&x, a->data + i, 4);
			memcpy(&y, b->data + i, 4);
			snprintf(how, len, "stores 0x%08x at 0x%x (CPL 0: 0x%08x)", y, DATA + i, x);
			return false;
		}
	for (int i = 0; i < (int)sizeof a->stack; i += 4)
		if (memcmp(a->stack + i, b->stack + i, 4) != 0) {
			uint32_t x, y;
			memcpy(&x, a->stack + i, 4);
			memcpy(&y, b->stack + i, 4);
			snprintf(how, len, "pushes 0x%08x (CPL 0: 0x%08x)", y, x);
			return false;
		}
	/* Privileged state: changed the same way? */
	struct { const char *name; uint64_t a0, a1, b0, b1; } p[] = {
		{ "GDTR", a->gdtr0, a->gdtr, b->gdtr0, b->gdtr }, { "IDTR", a->idtr0, a->idtr, b->idtr0, b->idtr },
		{ "LDTR", a->ldtr0, a->ldtr, b->ldtr0, b->ldtr }, { "TR", a->tr0, a->tr, b->tr0, b->tr },
		{ "CR0", a->cr00, a->cr0, b->cr00, b->cr0 }, { "CR3", a->cr30, a->cr3, b->cr30, b->cr3 },
		{ "IA32_SYSENTER_CS", a->msr0, a->msr, b->msr0, b->msr },
	};
	for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
		bool ca = p[i].a0 != p[i].a1, cb = p[i].b0 != p[i].b1;
		if (ca != cb) {
			snprintf(how, len, "%s %s", p[i].name, cb ? "changed" : "unchanged");
			return false;
		}
	}
	return true;
}

static const char *event_name(const struct outcome *o, char *buf, size_t len)
{
	if (o->vmexit) {
		const char *n = vmx_exit_reason_name(o->reason);
		snprintf(buf, len, "exit: %s", n ? n : "?");
	} else {
		const char *n = o->vector < 32 ? (const char *[]){ "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
								  "#DF", "", "#TS", "#NP", "#SS", "#GP", "#PF", "",
								  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP" }[o->vector < 22 ? o->vector : 9]
					       : "";
		if (*n)
			snprintf(buf, len, "%s", n);
		else
			snprintf(buf, len, "vector 0x%x", o->vector);
	}
	return buf;
}

/* The classes of Popek and Goldberg, as the runs show them. */
enum klass {
	K_BROKEN,        /* a run did not start */
	K_PRIVILEGED,    /* traps deprivileged, not at CPL 0 */
	K_GATE,          /* vectors through the IDT at every CPL: the monitor's IDT receives it */
	K_SENSITIVE,     /* no trap, but behaves differently deprivileged */
	K_INNOCUOUS,     /* no trap, same behaviour */
};

static const char *const klass_name[] = {
	"(did not run)", "privileged", "trap to the IDT", "SENSITIVE, NOT PRIVILEGED", "innocuous",
};

struct verdict {
	const struct insn_test *t;
	struct outcome r[ENV_COUNT];
	enum klass k;
	char depriv[128];    /* the CPL-1 column */
	char vmx[128];       /* the VMX column */
	bool vmx_same;       /* VMX non-root behaved as CPL 0 (no exit) */
};

static void judge(struct verdict *v)
{
	const struct outcome *n = &v->r[ENV_NATIVE], *d = &v->r[ENV_DEPRIV], *x = &v->r[ENV_VMX];
	char how[96], ev[40];
	if (!n->ok || !d->ok || !x->ok) {
		v->k = K_BROKEN;
		snprintf(v->depriv, sizeof v->depriv, "%s", !n->ok ? n->err : !d->ok ? d->err : "");
		snprintf(v->vmx, sizeof v->vmx, "%s", x->ok ? "" : x->err);
		return;
	}
	if (d->event) {
		v->k = n->event && !n->vmexit && n->vector == d->vector ? K_GATE : K_PRIVILEGED;
		snprintf(v->depriv, sizeof v->depriv, "traps: %s", event_name(d, ev, sizeof ev));
	} else if (n->event) {
		v->k = K_SENSITIVE;
		snprintf(v->depriv, sizeof v->depriv, "runs (CPL 0: %s)", event_name(n, ev, sizeof ev));
	} else if (!same(n, d, how, sizeof how)) {
		v->k = K_SENSITIVE;
		snprintf(v->depriv, sizeof v->depriv, "%s", how);
	} else {
		v->k = K_INNOCUOUS;
		snprintf(v->depriv, sizeof v->depriv, "same as CPL 0");
	}
	if (x->vmexit) {
		snprintf(v->vmx, sizeof v->vmx, "%s", event_name(x, ev, sizeof ev));
	} else if (x->event || n->event) {
		v->vmx_same = x->event && n->event && x->vector == n->vector;
		snprintf(v->vmx, sizeof v->vmx, "no exit, %s", v->vmx_same ? "as CPL 0" : "differs");
	} else {
		v->vmx_same = same(n, x, how, sizeof how);
		snprintf(v->vmx, sizeof v->vmx, "no exit, %s%s", v->vmx_same ? "as CPL 0" : "", how);
	}
}

/* ---- the command ---------------------------------------------------- */


/* Names of the rows of class k (or, with vmx_exit, of those that exit), comma-separated. */
static void list(const struct verdict *v, int n, int k, bool vmx_exit, char *buf, size_t len)
{
	size_t used = 0;
	*buf = 0;
	for (int i = 0; i < n && used < len; i++) {
		bool in = vmx_exit ? v[i].r[ENV_VMX].vmexit : (int)v[i].k == k;
		if (in)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", v[i].t->name);
	}
	if (!*buf)
		snprintf(buf, len, "none");
}

enum { OPT_PROFILE = 256, OPT_HELP };

int cmd_classify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, 0, OPT_PROFILE },
		{ "help", no_argument, 0, OPT_HELP },
		{ 0, 0, 0, 0 },
	};
	const char *pname = DEFAULT_PROFILE;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_PROFILE: pname = optarg; break;
		case OPT_HELP: fputs(classify_help, stdout); return 0;
		default:
			cli_error("classify: unknown or incomplete option '%s' (try 'vtsim classify --help')", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		cli_error("classify: unexpected argument '%s' (usage: vtsim classify [--profile NAME])", argv[optind]);
		return EXIT_USAGE;
	}

	/* 1. The cost profile, for the cycle column. */
	const char *dirs[4];
	char own[4200], err[1024];
	int ndirs = cli_profile_dirs(dirs, own, sizeof own);
	struct cost_profile prof;
	if (cost_find(pname, dirs, ndirs, &prof, err, sizeof err) != 0) {
		cli_error("--profile: %s", err);
		return EXIT_USAGE;
	}

	/* 2. Every instruction in the three places. */
	static struct verdict v[NTESTS];
	for (int i = 0; i < NTESTS; i++) {
		v[i] = (struct verdict){ .t = &tests[i] };
		for (int e = 0; e < ENV_COUNT; e++)
			run_one(&tests[i], (enum env)e, &prof, &v[i].r[e]);
		judge(&v[i]);
	}

	/* 3. The table. */
	printf("Popek and Goldberg on IA-32, measured on vtsim (%s). Each instruction ran\n"
	       "  CPL 0:  on bare hardware, the guest kernel's own GDT (0x%x), IDT (0x%x),\n"
	       "          LDT 0x%x, TSS 0x%x, CR0 0x%llx, IF 0;\n"
	       "  CPL 1:  under a 32-bit software monitor: ring-1 aliases CS 0x%x, DS 0x%x; the\n"
	       "          monitor's GDT (0x%x), IDT (0x%x), LDT 0x%x, TSS 0x%x, CR0 0x%llx, IF 1;\n"
	       "  VMX:    at CPL 0 in VMX non-root operation with default controls, the\n"
	       "          guest's own tables (compatibility mode under a 64-bit host).\n"
	       "The CPL-1 column says how the instruction trapped, or what it did there that\n"
	       "it did not do at CPL 0 (registers, flags, memory, privileged state).\n\n",
	       prof.name, G_GDT, G_IDT, SEL_LDT, SEL_TSS, GUEST_CR0_VAL, SEL_CODE1 | 1, SEL_DATA1 | 1, M_GDT, M_IDT,
	       SEL_M_LDT, SEL_M_TSS, MONITOR_CR0_VAL);
	printf("%-12s %-50s %-20s %-14s %s\n", "instruction", "deprivileged (CPL 1)", "VMX non-root",
	       "cycles 0/1/VMX", "class");
	bool broken = false;
	for (int i = 0; i < NTESTS; i++) {
		char cyc[40];
		snprintf(cyc, sizeof cyc, "%llu/%llu/%llu", (unsigned long long)v[i].r[ENV_NATIVE].cycles,
			 (unsigned long long)v[i].r[ENV_DEPRIV].cycles, (unsigned long long)v[i].r[ENV_VMX].cycles);
		printf("%-12s %-50.50s %-20.20s %-14s %s\n", v[i].t->name, v[i].depriv, v[i].vmx, cyc, klass_name[v[i].k]);
		broken |= v[i].k == K_BROKEN;
	}

	/* 4. The verdict, from the classes. */
	char sens[1024], priv[1024], gate[256], exits[512];
	list(v, NTESTS, K_SENSITIVE, false, sens, sizeof sens);
	list(v, NTESTS, K_PRIVILEGED, false, priv, sizeof priv);
	list(v, NTESTS, K_GATE, false, gate, sizeof gate);
	list(v, NTESTS, 0, true, exits, sizeof exits);
	int nsens = 0, nsame = 0, nnoexit = 0;
	for (int i = 0; i < NTESTS; i++) {
		nsens += v[i].k == K_SENSITIVE;
		nnoexit += v[i].r[ENV_VMX].ok && !v[i].r[ENV_VMX].vmexit;
		nsame += v[i].vmx_same;
	}
	printf("\nprivileged (trap when deprivileged): %s\n", priv);
	printf("trap at every CPL (through the monitor's IDT): %s\n", gate);
	printf("sensitive but not privileged: %s\n", sens);
	printf("exit in VMX non-root operation with default controls: %s\n", exits);
	printf("\nVerdict. Popek and Goldberg's theorem: a machine can be virtualized by\n"
	       "trap-and-emulate if its sensitive instructions are a subset of its privileged\n"
	       "ones. %s\n"
	       "VT-x does not make these instructions trap; it removes the need. The guest\n"
	       "kernel runs at CPL 0 in VMX non-root operation with its own descriptor tables,\n"
	       "CR0 and IF, so its sensitive instructions behave as on hardware: %d of the %d\n"
	       "instructions that ran there without a VM exit gave the CPL-0 results, and the\n"
	       "VMM regains control only where the VMCS says so (with default controls: %s).\n",
	       nsens ? "On IA-32 the condition fails: the instructions listed above as sensitive\n"
		       "but not privileged run at CPL 1 without trapping and give the guest other\n"
		       "results than at CPL 0, so a monitor that deprivileges the guest kernel\n"
		       "cannot keep its illusion by trap-and-emulate alone (binary translation or\n"
		       "paravirtualization fill the gap)."
		     : "Here every sensitive instruction trapped.",
	       nsame, nnoexit, exits);
	return broken ? 1 : 0;
}
