/* machine.c - one simulated PC: CPU, memory map, ports, devices, event bus. */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "cpu/access.h"
#include "cpu/cpu.h"
#include "cpu/decode.h"
#include "cpu/icache.h"
#include "cpu/segment.h"
#include "clock.h"
#include "devices/devices.h"
#include "ioport.h"
#include "memory.h"
#include "paging/walk.h"
#include "platform.h"
#include "machine_priv.h"


const char *stop_reason_name(enum stop_reason r)
{
	switch (r) {
	case STOP_NONE: return "running";
	case STOP_HLT: return "hlt";
	case STOP_HLT_IDLE: return "hlt-idle";
	case STOP_EXIT_PORT: return "exit-port";
	case STOP_MAX_INSNS: return "max-insns";
	case STOP_SHUTDOWN: return "shutdown";
	case STOP_REQUEST: return "request";
	case STOP_MAX_CYCLES: return "max-cycles";
	}
	return "?";
}

static void console_put(void *opaque, uint8_t byte)
{
	struct machine *m = opaque;
	if (m->console) {
		m->console(m->console_opaque, byte);
		return;
	}
	if (m->out_len + 1 >= m->out_cap) {
		size_t cap = m->out_cap ? m->out_cap * 2 : 4096;
		char *p = realloc(m->out, cap);
		if (!p)
			return; /* output is best effort; the run goes on */
		m->out = p;
		m->out_cap = cap;
	}
	m->out[m->out_len++] = (char)byte;
	m->out[m->out_len] = 0;
}

static void on_exit_port(void *opaque, uint32_t value)
{
	struct machine *m = opaque;
	m->exit_code = (int)value;
	machine_request_stop(m, STOP_EXIT_PORT);
}

struct machine *machine_new(const struct machine_config *cfg, char *err, size_t errlen)
{
	struct machine *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg->ram_size == 0 || cfg->ram_size > PHYS_MAX_RAM || (cfg->ram_size & ~PAGE_MASK)) {
		snprintf(err, errlen, "RAM size %llu is not a multiple of 4 KiB between 4 KiB and %llu GiB",
			 (unsigned long long)cfg->ram_size, (unsigned long long)(PHYS_MAX_RAM >> 30));
		free(m);
		return NULL;
	}
	if (phys_init(&m->pm, cfg->ram_size) != 0) {
		snprintf(err, errlen, "cannot reserve %llu bytes of host memory for guest RAM",
			 (unsigned long long)cfg->ram_size);
		free(m);
		return NULL;
	}
	m->console = cfg->console;
	m->console_opaque = cfg->console_opaque;
	m->exit_code = -1;
	cpu_init(&m->cpu, &m->pm, &m->pio, &m->bus);
	if (!m->cpu.ic) {
		snprintf(err, errlen, "out of memory for the decoded-instruction cache");
		phys_free(&m->pm);
		free(m);
		return NULL;
	}
	/* The clock keeps cpu.deadline at its earliest timer; the platform
	 * builds the devices and serves the CPU's INTR, MSR and CR8 hooks. */
	uint64_t hz = cfg->cpu_hz ? cfg->cpu_hz : MACHINE_DEFAULT_HZ;
	if (hz < MACHINE_MIN_HZ || hz > MACHINE_MAX_HZ) {
		snprintf(err, errlen, "CPU frequency %llu Hz is not between %llu MHz and %llu GHz",
			 (unsigned long long)hz, (unsigned long long)(MACHINE_MIN_HZ / 1000000),
			 (unsigned long long)(MACHINE_MAX_HZ / 1000000000));
		machine_free(m);
		return NULL;
	}
	clock_init(&m->clock, hz, &m->cpu.deadline);
	struct platform_config pc = {
		.cpu = &m->cpu, .pm = &m->pm, .pio = &m->pio, .clock = &m->clock,
		.ram_size = cfg->ram_size, .console = { console_put, m },
		.on_exit = on_exit_port, .exit_opaque = m,
	};
	m->plat = platform_init(&pc, err, errlen);
	if (!m->plat) {
		machine_free(m);
		return NULL;
	}
	m->cpu.plat = platform_cpu_hooks(m->plat);
	return m;
}

void machine_free(struct machine *m)
{
	if (!m)
		return;
	platform_free(m->plat);
	cpu_free(&m->cpu);
	phys_free(&m->pm);
	free(m->out);
	free(m);
}

/* Flat descriptors the loaders install (SDM Vol. 3A, 3.4.5). */
#define DESC_CODE64 0x00af9b000000ffffull /* base 0, limit 4G, L=1, P, DPL 0, exec/read, accessed */
#define DESC_CODE32 0x00cf9b000000ffffull /* base 0, limit 4G, D=1 */
#define DESC_DATA 0x00cf93000000ffffull   /* base 0, limit 4G, B=1, read/write, accessed */

static void load_flat(struct cpu *c, uint64_t code_desc)
{
	seg_cache_load(&c->seg[SEG_CS], 0x08, code_desc);
	for (int s = 0; s < SEG_COUNT; s++)
		if (s != SEG_CS)
			seg_cache_load(&c->seg[s], 0x10, DESC_DATA);
}

/*
 * The long64 loader (like a boot loader would): a GDT and identity page
 * tables for the first 4 GiB with 2 MiB pages at the top of RAM:
 *   top - 0x7000  GDT: null, 64-bit code (0x08), data (0x10), 32-bit code (0x18)
 *   top - 0x6000  PML4, one entry
 *   top - 0x5000  PDPT, four entries
 *   top - 0x4000  four page directories, 512 PS=1 entries each
 * Entries are present, writable and user-accessible (so ring-3 code runs
 * without tables of its own), with A and D already set.
 */
static int build_long64(struct machine *m, char *err, size_t errlen)
{
	uint64_t top = m->pm.ram_size;
	if (top < 0x10000) {
		snprintf(err, errlen, "long64 mode needs at least 64 KiB of RAM for its page tables");
		return -1;
	}
	uint64_t gdt = top - 0x7000, pml4 = top - 0x6000, pdpt = top - 0x5000, pd = top - 0x4000;
	uint64_t g[4] = { 0, DESC_CODE64, DESC_DATA, DESC_CODE32 };
	machine_phys_write(m, gdt, g, sizeof g);
	uint64_t e = pdpt | 0x27; /* P RW US A */
	machine_phys_write(m, pml4, &e, 8);
	for (uint64_t i = 0; i < 4; i++) {
		e = (pd + i * 0x1000) | 0x27;
		machine_phys_write(m, pdpt + i * 8, &e, 8);
	}
	for (uint64_t i = 0; i < 4 * 512; i++) {
		e = (i << 21) | 0xe7; /* P RW US A D PS */
		machine_phys_write(m, pd + i * 8, &e, 8);
	}
	struct cpu *c = &m->cpu;
	c->gdtr = (struct descriptor_table){ gdt, sizeof g - 1 };
	c->cr3 = pml4;
	c->cr4 = CR4_PAE;
	c->efer = EFER_LME | EFER_LMA | EFER_NXE;
	c->cr0 = CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE;
	load_flat(c, DESC_CODE64);
	return 0;
}

int machine_start(struct machine *m, enum start_mode mode, uint64_t entry, char *err, size_t errlen)
{
	struct cpu *c = &m->cpu;
	cpu_reset(c);
	m->exit_code = -1;
	switch (mode) {
	case START_REAL16:
		/* The IVT stays live at 0 (IDTR base 0, limit FFFFh), as after reset. */
		if (entry >= 0x100000) {
			snprintf(err, errlen, "real16 entry 0x%llx is above 1 MiB", (unsigned long long)entry);
			return -1;
		}
		cpu_load_seg_real(c, SEG_CS, (uint16_t)((entry >> 4) & 0xf000));
		c->seg[SEG_CS].limit = 0xffff;
		c->rip = entry & 0xffff;
		break;
	case START_PROT32: {
		uint64_t top = m->pm.ram_size;
		if (top < 0x10000) {
			snprintf(err, errlen, "prot32 mode needs at least 64 KiB of RAM");
			return -1;
		}
		if (entry > 0xffffffffull) {
			snprintf(err, errlen, "prot32 entry 0x%llx is above 4 GiB", (unsigned long long)entry);
			return -1;
		}
		uint64_t g[4] = { 0, DESC_CODE32, DESC_DATA, 0 };
		machine_phys_write(m, top - 0x7000, g, sizeof g);
		c->gdtr = (struct descriptor_table){ top - 0x7000, sizeof g - 1 };
		c->cr0 = CR0_ET | CR0_PE;
		load_flat(c, DESC_CODE32);
		c->rip = entry;
		break;
	}
	case START_LONG64:
		if (build_long64(m, err, errlen) != 0)
			return -1;
		c->rip = entry;
		break;
	default:
		snprintf(err, errlen, "unknown start mode");
		return -1;
	}
	if (mode != START_REAL16)
		c->idtr = (struct descriptor_table){ 0, 0 }; /* empty: any exception shuts down */
	c->gpr[RDX] = 0;
	cpu_update_mode(c);
	cpu_flush_tlb(c);
	return 0;
}

void machine_phys_write(struct machine *m, uint64_t pa, const void *buf, size_t len)
{
	phys_write_buf(&m->pm, pa, buf, len);
}

void machine_phys_read(struct machine *m, uint64_t pa, void *buf, size_t len)
{
	phys_read_buf(&m->pm, pa, buf, len);
}

uint64_t machine_ram_size(const struct machine *m)
{
	return m->pm.ram_size;
}

static const char *const reg_names[VT_REG_COUNT] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
	"rip", "rflags", "es", "cs", "ss", "ds", "fs", "gs",
	"fs_base", "gs_base", "cr0", "cr2", "cr3", "cr4", "efer",
};

int machine_reg_id(const char *name)
{
	for (int i = 0; i < VT_REG_COUNT; i++)
		if (strcmp(name, reg_names[i]) == 0)
			return i;
	return -1;
}

const char *machine_reg_name(enum vt_reg id)
{
	return (unsigned)id < VT_REG_COUNT ? reg_names[id] : "?";
}

uint64_t machine_reg_get(struct machine *m, enum vt_reg id)
{
	struct cpu *c = &m->cpu;
	if (id <= VT_R15)
		return c->gpr[id - VT_RAX];
	switch (id) {
	case VT_RIP: return c->rip;
	case VT_RFLAGS: return cpu_get_rflags(c);
	case VT_ES: case VT_CS: case VT_SS: case VT_DS: case VT_FS: case VT_GS:
		return c->seg[id - VT_ES].sel;
	case VT_FS_BASE: return c->seg[SEG_FS].base;
	case VT_GS_BASE: return c->seg[SEG_GS].base;
	case VT_CR0: return c->cr0;
	case VT_CR2: return c->cr2;
	case VT_CR3: return c->cr3;
	case VT_CR4: return c->cr4;
	case VT_EFER: return c->efer;
	default: return 0;
	}
}

void machine_reg_set(struct machine *m, enum vt_reg id, uint64_t v)
{
	struct cpu *c = &m->cpu;
	if (id <= VT_R15) {
		c->gpr[id - VT_RAX] = v;
		return;
	}
	switch (id) {
	case VT_RIP: /* a front end moving RIP also wakes a halted CPU */
		c->rip = v;
		c->halted = false;
		break;
	case VT_RFLAGS: cpu_set_rflags(c, v); break;
	case VT_ES: case VT_CS: case VT_SS: case VT_DS: case VT_FS: case VT_GS: {
		int s = id - VT_ES;
		uint64_t desc;
		if (!(c->cr0 & CR0_PE))
			cpu_load_seg_real(c, s, (uint16_t)v);
		else if ((v & 0xfffc) && seg_read_desc(c, (uint16_t)v, &desc))
			seg_cache_load(&c->seg[s], (uint16_t)v, desc);
		else
			c->seg[s].sel = (uint16_t)v;
		break;
	}
	case VT_FS_BASE: c->seg[SEG_FS].base = v; break;
	case VT_GS_BASE: c->seg[SEG_GS].base = v; break;
	case VT_CR0: c->cr0 = v; break;
	case VT_CR2: c->cr2 = v; break;
	case VT_CR3: c->cr3 = v; break;
	case VT_CR4: c->cr4 = v; break;
	case VT_EFER: c->efer = v; break;
	default: break;
	}
	if (id >= VT_ES) {
		cpu_update_mode(c);
		cpu_flush_tlb(c);
	}
}

bool machine_msr_get(struct machine *m, uint32_t msr, uint64_t *val)
{
	return cpu_msr_read(&m->cpu, msr, val);
}

bool machine_msr_set(struct machine *m, uint32_t msr, uint64_t val)
{
	return cpu_msr_write(&m->cpu, msr, val);
}

const char *machine_msr_name(uint32_t msr)
{
	return cpu_msr_name(msr);
}

bool machine_translate(struct machine *m, uint64_t la, int access, struct walk *w, bool *in_tlb)
{
	struct cpu *c = &m->cpu;
	const struct tlbm *t = access == ACC_EXEC ? &c->itlb : &c->dtlb;
	uint16_t pcid = cpu_pcid(c), vpid = cpu_vpid(c);
	*in_tlb = false;
	for (unsigned k = 0; t->e && k < t->sets * t->ways; k++) {
		const struct tlbm_entry *e = &t->e[k];
		if (e->valid && (e->global || e->pcid == pcid) && e->vpid == vpid &&
		    (la >> e->size_log2) == (e->page >> e->size_log2))
			*in_tlb = true;
	}
	/* In VMX non-root operation with EPT this is the two-dimensional walk. */
	return cpu_translate_walk(c, la, (enum access)access, w);
}

bool machine_translate_gpa(struct machine *m, uint64_t gpa, int access, uint64_t *hpa, struct walk *w)
{
	struct cpu *c = &m->cpu;
	memset(w, 0, sizeof *w);
	w->gpa = gpa;
	uint64_t eptp;
	if (c->vmx.guest && (c->vmx.proc2 & SEC_ENABLE_EPT)) {
		eptp = c->vmx.eptp;
	} else if (c->vmx.vmcs != VMCS_NONE) {
		eptp = vmcs_read(&m->pm, c->vmx.vmcs, EPT_POINTER);
		if ((w->why = ept_eptp_check(eptp)) != NULL)
			return false;
	} else {
		w->why = "not in VMX operation: there is no EPT pointer, and guest-physical addresses are physical";
		return false;
	}
	static const uint32_t kinds[] = { [ACC_READ] = EPT_QUAL_READ, [ACC_WRITE] = EPT_QUAL_WRITE, [ACC_EXEC] = EPT_QUAL_FETCH };
	struct ept_result r;
	bool ok = ept_walk(&m->pm, eptp, gpa, kinds[access == ACC_WRITE ? ACC_WRITE : access == ACC_EXEC ? ACC_EXEC : ACC_READ],
			   false, &r);
	w->ept = true;
	w->ept_final = true;
	w->nrefs = r.nrefs;
	for (int i = 0; i < r.nrefs; i++)
		w->refs[i] = (struct walk_ref){ .level = r.refs[i].level, .stage = WALK_EPT, .for_level = 0, .ept_rwx = 7,
						.pa = r.refs[i].pa, .gpa = gpa, .entry = r.refs[i].entry };
	w->ept_rwx = r.rwx;
	if (!ok) {
		w->fault_kind = r.fault == EPT_MISCONFIG ? WALK_EPT_MISCONFIG : WALK_EPT_VIOLATION;
		w->ept_qual = r.qual;
		w->why = r.why;
		return false;
	}
	w->pa = r.hpa;
	w->page_size = w->ept_page_size = r.page_size;
	w->ept_dirty = r.dirty;
	w->writable = w->user = true;
	*hpa = r.hpa;
	return true;
}

int machine_tlb_entries(struct machine *m, int which, struct tlb_entry_info *out, int max)
{
	const struct cpu *c = &m->cpu;
	int n = 0;
	switch (which) {
	case MACHINE_TLB_ITLB:
	case MACHINE_TLB_DTLB: {
		const struct tlbm *t = which == MACHINE_TLB_ITLB ? &c->itlb : &c->dtlb;
		for (unsigned k = 0; t->e && k < t->sets * t->ways; k++) {
			const struct tlbm_entry *e = &t->e[k];
			if (!e->valid)
				continue;
			if (n < max)
				out[n] = (struct tlb_entry_info){ .page = e->page, .pa = e->pa, .eptag = e->eptag, .pcid = e->pcid,
								 .vpid = e->vpid, .size_log2 = e->size_log2, .ept_rwx = e->ept_rwx,
								 .global = e->global, .user = e->user, .writable = e->writable,
								 .nx = e->nx, .dirty = e->dirty };
			n++;
		}
		return n;
	}
	case MACHINE_TLB_PSC_PDE:
	case MACHINE_TLB_PSC_PDPTE:
	case MACHINE_TLB_PSC_PML4E: {
		int level = which - MACHINE_TLB_PSC_PDE + 2;
		unsigned shift = 12 + 9 * (unsigned)(level - 1); /* the bits a cached entry at this level covers */
		const struct psc_entry *e = c->psc.e[level - 2];
		for (unsigned i = 0; e && i < c->psc.size; i++) {
			if (!e[i].valid)
				continue;
			if (n < max)
				out[n] = (struct tlb_entry_info){ .page = e[i].key << shift, .pa = e[i].table, .eptag = e[i].eptag,
								 .pcid = e[i].pcid, .vpid = e[i].vpid, .size_log2 = (uint8_t)shift,
								 .level = e[i].level, .ept_rwx = 7, .user = e[i].user,
								 .writable = e[i].writable, .nx = e[i].nx };
			n++;
		}
		return n;
	}
	case MACHINE_TLB_GPA: {
		const struct gpa_tlb *g = &c->psc.gtlb;
		for (unsigned i = 0; g->e && i < g->size; i++) {
			const struct gpa_tlb_entry *e = &g->e[i];
			if (!e->valid)
				continue;
			if (n < max)
				out[n] = (struct tlb_entry_info){ .page = e->gpa, .pa = e->hpa, .eptag = e->ep4ta,
								 .size_log2 = e->size_log2, .ept_rwx = e->rwx, .dirty = e->dirty };
			n++;
		}
		return n;
	}
	default:
		return -1;
	}
}

void machine_tlb_stats(const struct machine *m, struct tlb_stats *out)
{
	const struct cpu *c = &m->cpu;
	*out = (struct tlb_stats){
		.itlb_hits = c->itlb.hits, .itlb_misses = c->itlb.misses,
		.dtlb_hits = c->dtlb.hits, .dtlb_misses = c->dtlb.misses,
		.walks = c->walks, .walk_refs = c->walk_refs, .psc_hits = c->psc.hits,
	};
}

enum stop_reason machine_run(struct machine *m, uint64_t max_insns)
{
	enum stop_reason r = (enum stop_reason)cpu_run(&m->cpu, max_insns);
	if (ev_wanted(&m->bus, EV_STOP)) {
		struct event e = { .kind = EV_STOP, .icount = m->cpu.icount, .cycles = m->cpu.cycles };
		e.u.stop = r;
		ev_emit(&m->bus, &e);
	}
	return r;
}

void machine_set_cycle_limit(struct machine *m, uint64_t cycles)
{
	m->cpu.cycle_limit = cycles;
}

void machine_request_stop(struct machine *m, enum stop_reason why)
{
	if (m->cpu.stop == STOP_NONE)
		m->cpu.stop = why;
	m->cpu.attn |= ATTN_STOP;
}

uint64_t machine_icount(const struct machine *m)
{
	return m->cpu.icount;
}

uint64_t machine_cycles(const struct machine *m)
{
	return m->cpu.cycles;
}

uint64_t machine_cpu_hz(const struct machine *m)
{
	return m->clock.hz;
}

struct platform *machine_platform(struct machine *m)
{
	return m->plat;
}

int machine_exit_code(const struct machine *m)
{
	return m->exit_code;
}

const struct ev_exception *machine_last_exception(const struct machine *m)
{
	return m->cpu.have_exc ? &m->cpu.last_exc : NULL;
}

int machine_cpl(const struct machine *m)
{
	return m->cpu.cpl;
}

const char *machine_console_output(const struct machine *m, size_t *len)
{
	if (len)
		*len = m->out_len;
	return m->out ? m->out : "";
}

void machine_icache_stats(const struct machine *m, struct icache_stats *out)
{
	struct icache_counters n;
	icache_counters(m->cpu.ic, &n);
	*out = (struct icache_stats){ n.blocks_built, n.insns_decoded, n.invalidations, n.flushes };
}

int machine_subscribe(struct machine *m, uint32_t mask, ev_fn *fn, void *opaque)
{
	return ev_subscribe(&m->bus, mask, fn, opaque);
}

void machine_unsubscribe(struct machine *m, int handle)
{
	ev_unsubscribe(&m->bus, handle);
}

int machine_disasm(struct machine *m, uint64_t pa, char *buf, size_t len)
{
	uint8_t bytes[15];
	machine_phys_read(m, pa, bytes, sizeof bytes);
	return decode_disasm(icache_decoder(m->cpu.ic), m->cpu.code_mode, bytes, sizeof bytes, pa, buf, len);
}

int machine_disasm_at(struct machine *m, uint64_t pa, uint64_t runtime_address, char *buf, size_t len)
{
	uint8_t bytes[15];
	machine_phys_read(m, pa, bytes, sizeof bytes);
	return decode_disasm(icache_decoder(m->cpu.ic), m->cpu.code_mode, bytes, sizeof bytes, runtime_address, buf, len);
}

/* --- boot support --- */

/* A ROM range: opaque points at the image bytes for this range. */
static uint64_t rom_read(void *opaque, uint64_t off, unsigned size)
{
	const uint8_t *p = (const uint8_t *)opaque + off;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void rom_write(void *opaque, uint64_t off, unsigned size, uint64_t val)
{
	(void)opaque, (void)off, (void)size, (void)val; /* read-only: writes are dropped */
}

static const struct mmio_ops rom_ops = { rom_read, rom_write };

int machine_map_rom(struct machine *m, uint64_t pa, const void *data, size_t len, char *err, size_t errlen)
{
	if (len == 0 || pa + len < pa) {
		snprintf(err, errlen, "ROM range of %zu bytes at 0x%llx is empty or wraps", len,
			 (unsigned long long)pa);
		return -1;
	}
	if (phys_add_mmio(&m->pm, pa, len, &rom_ops, (void *)(uintptr_t)data, "rom") != 0) {
		snprintf(err, errlen, "cannot map a ROM at 0x%llx-0x%llx: it overlaps a device, or the "
			 "memory map is full (%d device ranges)", (unsigned long long)pa,
			 (unsigned long long)(pa + len - 1), PHYS_MAX_MMIO);
		return -1;
	}
	/* Fast-path TLB entries and decoded blocks may point at RAM the ROM now covers. */
	cpu_flush_tlb(&m->cpu);
	icache_flush(m->cpu.ic);
	return 0;
}

int machine_start_prot32_gdt(struct machine *m, uint64_t entry, uint64_t gdt_pa, char *err, size_t errlen)
{
	uint64_t g[4] = { 0, DESC_CODE32, DESC_DATA, 0 };
	if (gdt_pa > m->pm.ram_size || m->pm.ram_size - gdt_pa < sizeof g) {
		snprintf(err, errlen, "GDT at 0x%llx is outside RAM", (unsigned long long)gdt_pa);
		return -1;
	}
	if (entry > 0xffffffffull) {
		snprintf(err, errlen, "prot32 entry 0x%llx is above 4 GiB", (unsigned long long)entry);
		return -1;
	}
	/* As machine_start's START_PROT32, but nothing written at the top of RAM. */
	struct cpu *c = &m->cpu;
	cpu_reset(c);
	m->exit_code = -1;
	machine_phys_write(m, gdt_pa, g, sizeof g);
	c->gdtr = (struct descriptor_table){ gdt_pa, sizeof g - 1 };
	c->idtr = (struct descriptor_table){ 0, 0 }; /* empty: any exception shuts down */
	c->cr0 = CR0_ET | CR0_PE;
	load_flat(c, DESC_CODE32);
	c->rip = entry;
	c->gpr[RDX] = 0;
	cpu_update_mode(c);
	cpu_flush_tlb(c);
	return 0;
}

/* --- scenario support --- */

static struct segment *sreg_of(struct cpu *c, enum vt_sreg s)
{
	if (s == VT_SREG_LDTR)
		return &c->ldtr;
	if (s == VT_SREG_TR)
		return &c->tr;
	return &c->seg[s];
}

void machine_seg_get(struct machine *m, enum vt_sreg s, struct vt_segment *out)
{
	const struct segment *g = sreg_of(&m->cpu, s);
	*out = (struct vt_segment){ g->sel, g->base, g->limit, g->attr };
}

void machine_seg_set(struct machine *m, enum vt_sreg s, const struct vt_segment *v)
{
	struct cpu *c = &m->cpu;
	*sreg_of(c, s) = (struct segment){ v->sel, v->base, v->limit, v->attr };
	cpu_update_mode(c);
	cpu_flush_tlb(c);
}

void machine_dtr_get(struct machine *m, bool idt, uint64_t *base, uint16_t *limit)
{
	const struct descriptor_table *t = idt ? &m->cpu.idtr : &m->cpu.gdtr;
	*base = t->base;
	*limit = t->limit;
}

void machine_dtr_set(struct machine *m, bool idt, uint64_t base, uint16_t limit)
{
	struct descriptor_table *t = idt ? &m->cpu.idtr : &m->cpu.gdtr;
	*t = (struct descriptor_table){ base, limit };
}

void machine_sync_paging(struct machine *m)
{
	struct cpu *c = &m->cpu;
	/* PAE paging outside IA-32e mode reads its four PDPTEs into registers
	 * when CR3 is loaded (SDM Vol. 3A, 4.4.1). */
	if ((c->cr0 & CR0_PG) && (c->cr4 & CR4_PAE) && !(c->efer & EFER_LMA)) {
		uint64_t base = c->cr3 & 0xffffffe0ull;
		for (int i = 0; i < 4; i++)
			phys_read_buf(&m->pm, base + 8 * (uint64_t)i, &c->pdpte[i], 8);
	}
	cpu_update_mode(c);
	cpu_flush_tlb(c);
}

void machine_set_profile(struct machine *m, const struct cost_profile *p)
{
	m->profile = *p;
	m->have_profile = true;
	/* The core charges its figures from now on; the clock runs at its
	 * frequency (before the first instruction: timers are not yet armed
	 * against another rate). */
	cpu_apply_profile(&m->cpu, p);
	if (m->cpu.icount == 0 && p->hz)
		m->clock.hz = p->hz;
}

const struct cost_profile *machine_profile(const struct machine *m)
{
	return m->have_profile ? &m->profile : NULL;
}

/* ---- VMX ------------------------------------------------------------- */

int machine_vmx_on(struct machine *m, uint64_t vmxon_pa, uint64_t vmcs_pa, char *err, size_t len)
{
	if (vmxon_pa + 4096 > m->pm.ram_size || vmcs_pa + 4096 > m->pm.ram_size) {
		snprintf(err, len, "the VMXON region and the VMCS must lie in RAM");
		return -1;
	}
	int r = vmx_api_on(&m->cpu, vmxon_pa, vmcs_pa, err, len);
	cpu_update_mode(&m->cpu);
	return r;
}

void machine_vmcs_defaults(struct machine *m)
{
	if (m->cpu.vmx.vmcs != VMCS_NONE)
		vmx_api_default_controls(&m->cpu);
}

void machine_vmcs_capture_host(struct machine *m)
{
	if (m->cpu.vmx.vmcs != VMCS_NONE)
		vmx_api_capture_host(&m->cpu);
}

void machine_vmcs_capture_guest(struct machine *m)
{
	if (m->cpu.vmx.vmcs != VMCS_NONE)
		vmx_api_capture_guest(&m->cpu);
}

bool machine_vmcs_read(struct machine *m, uint32_t enc, uint64_t *val)
{
	if (m->cpu.vmx.vmcs == VMCS_NONE || vmcs_slot(enc) < 0)
		return false;
	*val = vmcs_read(&m->pm, m->cpu.vmx.vmcs, enc);
	return true;
}

bool machine_vmcs_write(struct machine *m, uint32_t enc, uint64_t val)
{
	if (m->cpu.vmx.vmcs == VMCS_NONE || vmcs_slot(enc) < 0)
		return false;
	vmcs_write(&m->pm, m->cpu.vmx.vmcs, enc, val);
	return true;
}

int machine_vmx_launch(struct machine *m, char *err, size_t len)
{
	return vmx_api_launch(&m->cpu, err, len);
}

int machine_vmx_mode(const struct machine *m)
{
	return m->cpu.vmx.guest ? 2 : m->cpu.vmx.on ? 1 : 0;
}

void machine_vmx_stats(const struct machine *m, struct vmx_stats *out)
{
	const struct vmx_state *v = &m->cpu.vmx;
	*out = (struct vmx_stats){ .exits = v->exits, .entries = v->entries, .entry_fails = v->entry_fails };
	for (int r = 0; r < EXIT_REASON_COUNT && r < 65; r++)
		out->by_reason[r] = v->exits_by_reason[r];
}

const char *machine_vmx_why(const struct machine *m)
{
	return m->cpu.vmx.why;
}

void machine_set_tlb_untagged(struct machine *m, bool untagged)
{
	m->cpu.vmx.untagged_tlb = untagged;
}

void machine_nmi(struct machine *m)
{
	platform_raise_nmi(m->plat);
}
