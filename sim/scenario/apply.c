/* apply.c - scenario_apply: memory, tables, segment registers, control registers, MSRs, GPRs and VMX, in that order. */
#include <stdio.h>
#include <string.h>

#include "../cost.h"
#include "internal.h"

/* The CR0/CR4/EFER bits the loader itself sets (SDM Vol. 3A, 2.5 and 4.1). */
#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_PGE (1ull << 7)
#define CR4_LA57 (1ull << 12)
#define EFER_NXE (1ull << 11)

static const char *const seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

static void write_loads(struct scenario *sc, struct machine *m)
{
	static const uint8_t zeros[4096];
	for (int i = 0; i < sc->nload; i++) {
		const struct sc_load *l = &sc->load[i];
		if (l->kind != LK_ELF) {
			machine_phys_write(m, l->pa, l->data, l->len);
			continue;
		}
		for (int k = 0; k < l->nsegs; k++) {
			const struct sc_elf_seg *s = &l->segs[k];
			machine_phys_write(m, s->pa, s->data, s->filesz);
			for (uint64_t off = s->filesz; off < s->memsz; off += sizeof zeros) {
				uint64_t n = s->memsz - off < sizeof zeros ? s->memsz - off : sizeof zeros;
				machine_phys_write(m, s->pa + off, zeros, n);
			}
		}
	}
	for (int i = 0; i < sc->nblob; i++)
		if (!sc->blob[i].is_load && sc->blob[i].data)
			machine_phys_write(m, sc->blob[i].pa, sc->blob[i].data, sc->blob[i].len);
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The 8-byte descriptor sel names, from the tables as the scenario built
 * them (or the built-in GDT machine_start wrote). */
static bool find_desc(struct scenario *sc, struct machine *m, uint16_t sel, uint64_t *desc)
{
	uint32_t off = sel & 0xfff8u;
	if (sel & 4) {
		for (int i = 0; i < sc->nblob; i++) {
			const struct sc_blob *b = &sc->blob[i];
			if (strcmp(b->what, "ldt") == 0 && off + 8 <= b->len) {
				*desc = rd64(b->data + off);
				return true;
			}
		}
		return false;
	}
	if (sc->gdt.given) {
		if (off + 8 > sc->gdt_bytes)
			return false;
		*desc = rd64(sc->gdt_img + off);
		return true;
	}
	uint64_t base;
	uint16_t limit;
	machine_dtr_get(m, false, &base, &limit);
	if (off + 7 > limit)
		return false;
	uint8_t b[8];
	machine_phys_read(m, base + off, b, 8);
	*desc = rd64(b);
	return true;
}

/* Segment descriptor fields (SDM Vol. 3A, 3.4.5) into a descriptor cache. */
static struct vt_segment cache_of(uint16_t sel, uint64_t d)
{
	uint64_t base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
	uint32_t limit = (uint32_t)((d & 0xffff) | (((d >> 48) & 0xf) << 16));
	if (d & (1ull << 55))
		limit = (limit << 12) | 0xfff;
	uint16_t attr = (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
	return (struct vt_segment){ sel, base, limit, attr };
}

/* Load segment register s from its descriptor with the checks MOV/far JMP
 * would make, reporting problems against the scenario. */
static int load_from_table(struct scenario *sc, struct machine *m, struct diag *d, int s, uint16_t sel, bool explicit,
			   struct vt_segment *out)
{
	const struct sc_segreg *r = &sc->seg[s];
	struct sc_mark at = explicit ? r->mark : sc->gdt.given ? sc->gdt.mark : sc->mode_at;
	char who[96];
	if (explicit)
		snprintf(who, sizeof who, "registers.%s: selector 0x%02x", seg_names[s], sel);
	else
		snprintf(who, sizeof who, "%s: the default %s selector 0x%02x", sc->gdt.given ? "gdt" : "machine.mode", seg_names[s], sel);
	char fix[48] = "";
	if (!explicit)
		snprintf(fix, sizeof fix, ", or name one with registers.%s", seg_names[s]);
	if ((sel & 0xfffc) == 0) {
		if (s == 1 || (s == 2 && sc->mode != SCM_LONG64)) {
			diag_error(d, at.line, at.col, "%s is null (expected a %s segment)", who, s == 1 ? "code" : "writable data");
			return 1;
		}
		*out = (struct vt_segment){ sel, 0, 0, 0 }; /* unusable */
		return 0;
	}
	uint64_t desc;
	if (!find_desc(sc, m, sel, &desc)) {
		diag_error(d, at.line, at.col, "%s is beyond the %s (expected a selector of one of its descriptors%s)", who,
			   sel & 4 ? "ldt" : sc->gdt.given ? "gdt" : "built-in GDT (0x08 code, 0x10 data)", fix);
		return 1;
	}
	if (desc == 0) {
		diag_error(d, at.line, at.col, "%s names an empty slot of the %s (expected a %s there%s)", who,
			   sel & 4 ? "ldt" : "gdt", s == 1 ? "code segment" : s == 2 ? "writable data segment" : "data segment", fix);
		return 1;
	}
	*out = cache_of(sel, desc);
	unsigned type = out->attr & 0xf, dpl = (out->attr >> 5) & 3, rpl = sel & 3;
	bool sbit = out->attr & 0x10, code = sbit && (type & 8), present = out->attr & 0x80;
	const char *want = NULL;
	if (s == 1 && !code)
		want = "a code segment";
	else if (s == 2 && (!sbit || code || !(type & 2)))
		want = "a writable data segment";
	else if (s != 1 && s != 2 && (!sbit || (code && !(type & 2))))
		want = "a data or readable code segment";
	if (want) {
		diag_error(d, at.line, at.col, "%s names a descriptor of type 0x%x%s (expected %s%s)", who, type,
			   sbit ? "" : " (a system descriptor)", want, fix);
		return 1;
	}
	if (!present) {
		diag_error(d, at.line, at.col, "%s names a descriptor that is not present (expected present: 1)", who);
		return 1;
	}
	if (s == 1 && !(type & 4) && rpl != dpl) {
		diag_error(d, at.line, at.col, "%s has RPL %u but the code segment's DPL is %u (expected them equal: CPL comes from CS)", who,
			   rpl, dpl);
		return 1;
	}
	return 0;
}

static int set_segments(struct scenario *sc, struct machine *m, struct diag *d)
{
	int errors = 0;
	struct vt_segment seg[6];
	bool set[6] = { false };
	for (int s = 0; s < 6; s++) {
		const struct sc_segreg *r = &sc->seg[s];
		if (r->hidden) {
			uint64_t base;
			uint32_t limit;
			uint16_t attr;
			struct sc_desc dd = r->d;
			if (sc_hidden_state(sc, d, &dd, s, &base, &limit, &attr)) {
				errors++;
				continue;
			}
			seg[s] = (struct vt_segment){ (uint16_t)r->sel.v, base, limit, attr };
			set[s] = true;
		} else if (sc->mode == SCM_REAL) {
			if (r->given)
				machine_reg_set(m, (enum vt_reg)(VT_ES + s), r->sel.v);
		} else if (r->given || sc->gdt.given) {
			uint16_t sel = r->given ? (uint16_t)r->sel.v : s == 1 ? 0x08 : 0x10;
			if (load_from_table(sc, m, d, s, sel, r->given, &seg[s]))
				errors++;
			else
				set[s] = true;
		}
	}
	if (errors)
		return errors;
	/* CS first (it decides the mode), then SS (CPL checks), then the rest. */
	static const int order[6] = { 1, 2, 0, 3, 4, 5 };
	for (int k = 0; k < 6; k++) {
		int s = order[k];
		if (set[s])
			machine_seg_set(m, (enum vt_sreg)s, &seg[s]);
	}
	if (sc->mode != SCM_REAL && set[2] && !sc->seg[2].hidden && (seg[2].sel & 0xfffc)) {
		unsigned cpl = (unsigned)machine_cpl(m), dpl = (seg[2].attr >> 5) & 3;
		if (dpl != cpl || (seg[2].sel & 3) != cpl) {
			struct sc_mark at = sc->seg[2].given ? sc->seg[2].mark : sc->gdt.mark;
			diag_error(d, at.line, at.col, "ss 0x%x: its RPL and DPL must equal CPL %u (expected a stack segment for ring %u)",
				   seg[2].sel, cpl, cpl);
			return 1;
		}
	}
	return 0;
}

static void set_system_segments(struct scenario *sc, struct machine *m)
{
	if (sc->ldt.given) {
		struct vt_segment v = { (uint16_t)sc->ldt.sel, sc->ldt.lin, (uint32_t)(sc->ldt.slots * 8 - 1), 0x82 };
		machine_seg_set(m, VT_SREG_LDTR, &v);
	}
	if (sc->tss.given && sc->tss.sel >= 0) {
		/* A busy 32-bit or 64-bit TSS (type 11), present: as after LTR. */
		struct vt_segment v = { (uint16_t)sc->tss.sel, sc->tss.lin, 0x67, 0x8b };
		machine_seg_set(m, VT_SREG_TR, &v);
	}
}

static void set_paging(struct scenario *sc, struct machine *m)
{
	const struct sc_paging *pg = &sc->paging;
	uint64_t cr4 = machine_reg_get(m, VT_CR4);
	if (pg->fmt == PGF_PAE || pg->fmt == PGF_4LEVEL || pg->fmt == PGF_5LEVEL)
		cr4 |= CR4_PAE;
	if (pg->fmt == PGF_5LEVEL)
		cr4 |= CR4_LA57;
	if (pg->need_pse)
		cr4 |= CR4_PSE;
	if (pg->need_pge)
		cr4 |= CR4_PGE;
	machine_reg_set(m, VT_CR4, cr4);
	if (pg->need_nx)
		machine_reg_set(m, VT_EFER, machine_reg_get(m, VT_EFER) | EFER_NXE);
	machine_reg_set(m, VT_CR3, pg->root);
	machine_reg_set(m, VT_CR0, machine_reg_get(m, VT_CR0) | CR0_PG | CR0_PE);
}

int scenario_apply(struct scenario *sc, struct machine *m, struct diag *d)
{
	static const enum start_mode modes[] = { START_REAL16, START_PROT32, START_LONG64 };
	char err[256];
	uint64_t v;
	/* 1. The starting mode as machine_start builds it: flat segments, and
	 *    for long64 an identity map of the first 4 GiB. */
	if (machine_start(m, modes[sc->mode], sc->start_rip, err, sizeof err) != 0) {
		diag_error(d, sc->mode_at.line, sc->mode_at.col, "machine.mode: %s", err);
		return -1;
	}
	/* 2. Memory: loads, then the tables the builders made. */
	write_loads(sc, m);
	/* 3. Descriptor-table registers. */
	if (sc->gdt.given)
		machine_dtr_set(m, false, sc->gdt.lin, (uint16_t)(sc->gdt_bytes - 1));
	if (sc->idt.given)
		machine_dtr_set(m, true, sc->idt.lin, (uint16_t)sc->idt.limit);
	/* 4. Segment registers from the tables (or as written), LDTR, TR. */
	if (set_segments(sc, m, d))
		return -1;
	set_system_segments(sc, m);
	/* 5. Paging from paging:, then control registers as written. */
	if (sc->paging.given)
		set_paging(sc, m);
	static const enum vt_reg ctl_ids[5] = { VT_CR0, VT_CR2, VT_CR3, VT_CR4, VT_EFER };
	for (int i = 0; i < 5; i++)
		if (sc->ctl[i].set && sc_resolve(sc, d, &sc->ctl[i], false, &v) == 0)
			machine_reg_set(m, ctl_ids[i], v);
	machine_sync_paging(m);
	/* 6. MSRs, with WRMSR's checks. */
	for (int i = 0; i < sc->nmsr; i++) {
		const struct sc_msr *r = &sc->msr[i];
		if (sc_resolve(sc, d, &r->v, false, &v))
			return -1;
		if (!machine_msr_set(m, r->index, v)) {
			const char *name = machine_msr_name(r->index);
			diag_error(d, r->mark.line, r->mark.col,
				   "msrs: vtsim does not implement MSR 0x%x%s%s%s or rejects the value 0x%llx: WRMSR would raise #GP(0) (expected an MSR and a value WRMSR accepts)",
				   r->index, name ? " (" : "", name ? name : "", name ? ")" : "", (unsigned long long)v);
			return -1;
		}
	}
	machine_sync_paging(m);
	/* 7. General-purpose registers, RFLAGS, FS/GS bases, and RIP last. */
	for (int i = 0; i < VT_REG_COUNT; i++) {
		if (i == VT_RIP || (i >= VT_ES && i <= VT_GS) || !sc->reg[i].set)
			continue;
		if (sc_resolve(sc, d, &sc->reg[i], false, &v))
			return -1;
		machine_reg_set(m, (enum vt_reg)i, v);
	}
	uint64_t rip = sc->start_rip;
	if (sc->mode == SCM_REAL && (sc->seg[1].given)) {
		struct vt_segment cs;
		machine_seg_get(m, VT_SREG_CS, &cs);
		if (!sc->reg[VT_RIP].set)
			rip = sc->start_rip - cs.base;
		if (rip > 0xffff) {
			diag_error(d, sc->seg[1].mark.line, sc->seg[1].mark.col,
				   "registers.cs: the entry 0x%llx is not within 64 KiB of CS base 0x%llx (expected IP = entry - CS*16 below 0x10000)",
				   (unsigned long long)sc->start_rip, (unsigned long long)cs.base);
			return -1;
		}
	}
	machine_reg_set(m, VT_RIP, rip);
	/* 8. The TLB model, then VMX operation (vmxbuild.c). */
	if (sc->tlb_untagged >= 0)
		machine_set_tlb_untagged(m, sc->tlb_untagged == 1);
	if (sc->vmx != SCV_NONE && sc_vmx_apply(sc, m, d) != 0)
		return -1;
	return 0;
}
