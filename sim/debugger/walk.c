/* walk.c - `walk` explains a translation entry by entry (the 2-D walk under EPT); `tlb`. */
#include <stdlib.h>
#include <string.h>

#include "../paging/walk.h"
#include "../vmx/vmcs.h"
#include "internal.h"

static const char *guest_level_name(enum paging_mode mode, unsigned level)
{
	if (mode == PG_32BIT)
		return level == 2 ? "PDE" : "PTE";
	static const char *const n[] = { "?", "PTE", "PDE", "PDPTE", "PML4E", "PML5E" };
	return level <= 5 ? n[level] : "?";
}

static const char *ept_level_name(unsigned level)
{
	static const char *const n[] = { "?", "EPT PTE", "EPT PDE", "EPT PDPTE", "EPT PML4E" };
	return level <= 4 ? n[level] : "?";
}

static const char *size_name(uint64_t size)
{
	return size == (1ull << 30) ? "1 GiB" : size == (4ull << 20) ? "4 MiB" : size == (2ull << 20) ? "2 MiB" : "4 KiB";
}

/* A guest paging-structure entry (SDM Vol. 3A, 4.3-4.5):
 *   63 XD | 51..12 address | 8 G | 7 PS | 6 D | 5 A | 4 PCD | 3 PWT | 2 U/S | 1 R/W | 0 P */
static void guest_entry(enum paging_mode mode, unsigned level, uint64_t e, bool last, char *buf, size_t len)
{
	if (!(e & 1)) {
		snprintf(buf, len, "P=0: not present");
		return;
	}
	bool pae_pdpte = mode == PG_PAE && level == 3;
	bool leaf = level == 1 || ((e & 0x80) && (level == 2 || (level == 3 && mode != PG_PAE)));
	uint64_t addr;
	uint64_t size = level == 1 ? 4096 : level == 2 ? (mode == PG_32BIT ? 4ull << 20 : 2ull << 20) : 1ull << 30;
	if (mode == PG_32BIT && leaf && level == 2)
		addr = (e & 0xffc00000ull) | (((e >> 13) & 0xff) << 32);
	else if (mode == PG_32BIT)
		addr = e & 0xfffff000ull;
	else
		addr = e & 0x000ffffffffff000ull & (leaf ? ~(size - 1) : ~0ull);
	size_t o = (size_t)snprintf(buf, len, "P");
	if (!pae_pdpte) {
		o += (size_t)snprintf(buf + o, len - o, " %s %s", e & 2 ? "R/W=1 (writable)" : "R/W=0 (read-only)",
				      e & 4 ? "U/S=1 (user)" : "U/S=0 (supervisor)");
	}
	if (e & 8)
		o += (size_t)snprintf(buf + o, len - o, " PWT");
	if (e & 16)
		o += (size_t)snprintf(buf + o, len - o, " PCD");
	if (!pae_pdpte && (e & 32))
		o += (size_t)snprintf(buf + o, len - o, " A");
	if (leaf && (e & 64))
		o += (size_t)snprintf(buf + o, len - o, " D");
	if (leaf && level > 1)
		o += (size_t)snprintf(buf + o, len - o, " PS");
	if (leaf && (e & 0x100))
		o += (size_t)snprintf(buf + o, len - o, " G");
	if (mode != PG_32BIT && (e >> 63))
		o += (size_t)snprintf(buf + o, len - o, " XD (no execute)");
	if (leaf)
		snprintf(buf + o, len - o, " -> %s page at 0x%llx", size_name(size), (unsigned long long)addr);
	else
		snprintf(buf + o, len - o, " -> next table at 0x%llx%s", (unsigned long long)addr, last ? "" : "");
}

/* An EPT entry (SDM Vol. 3C, 29.3.2):
 *   51..12 address | 10 UX | 9 D | 8 A | 7 PS | 6 IPAT | 5..3 memtype | 2 X | 1 W | 0 R */
static void ept_entry(unsigned level, uint64_t e, char *buf, size_t len)
{
	if (!(e & 7)) {
		snprintf(buf, len, "R=W=X=0: not present");
		return;
	}
	bool leaf = level == 1 || ((e & EPTE_PS) && (level == 2 || level == 3));
	uint64_t size = level == 1 ? 4096 : level == 2 ? 2ull << 20 : 1ull << 30;
	size_t o = (size_t)snprintf(buf, len, "%c%c%c", e & 1 ? 'R' : '-', e & 2 ? 'W' : '-', e & 4 ? 'X' : '-');
	if (leaf) {
		static const char *const mt[8] = { "UC", "WC", "2?", "3?", "WT", "WP", "WB", "7?" };
		o += (size_t)snprintf(buf + o, len - o, " memtype %s%s", mt[epte_memtype(e)], e & EPTE_IPAT ? " IPAT" : "");
	}
	if (e & EPTE_A)
		o += (size_t)snprintf(buf + o, len - o, " A");
	if (leaf && (e & EPTE_D))
		o += (size_t)snprintf(buf + o, len - o, " D");
	if (leaf && level > 1)
		o += (size_t)snprintf(buf + o, len - o, " PS");
	uint64_t addr = e & 0x000ffffffffff000ull & (leaf ? ~(size - 1) : ~0ull);
	if (leaf)
		snprintf(buf + o, len - o, " -> %s host page at 0x%llx", size_name(size), (unsigned long long)addr);
	else
		snprintf(buf + o, len - o, " -> next EPT table at 0x%llx", (unsigned long long)addr);
}

static void pfec_text(uint32_t pfec, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s", pfec & PFEC_P ? "P=1 (protection)" : "P=0 (not present)", pfec & PFEC_W ? " W (write)" : " R (read)",
		 pfec & PFEC_U ? " U (user)" : " S (supervisor)", pfec & PFEC_RSVD ? " RSVD" : "", pfec & PFEC_I ? " I (fetch)" : "");
}

int dbg_cmd_walk(struct dbg *d, int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		dbg_error(d, "usage: walk ADDR [r|w|x] (for example walk 0x200000 w)");
		return 0;
	}
	uint64_t la;
	if (!dbg_parse_value(d, argv[1], &la))
		return 0;
	int acc = ACC_READ;
	if (argc == 3) {
		if (!strcmp(argv[2], "r") || !strcmp(argv[2], "read"))
			acc = ACC_READ;
		else if (!strcmp(argv[2], "w") || !strcmp(argv[2], "write"))
			acc = ACC_WRITE;
		else if (!strcmp(argv[2], "x") || !strcmp(argv[2], "exec") || !strcmp(argv[2], "fetch"))
			acc = ACC_EXEC;
		else {
			dbg_error(d, "walk: '%s' is not an access (expected r, w or x)", argv[2]);
			return 0;
		}
	}
	static const char *const accs[] = { "read", "write", "fetch" };
	struct machine *m = d->m;
	enum paging_mode mode = (enum paging_mode)dbg_paging_mode(m);
	struct walk w;
	bool in_tlb;
	bool ok = machine_translate(m, la, acc, &w, &in_tlb);
	dbg_printf(d, "Translating linear 0x%llx for a %s at CPL %d: paging %s", (unsigned long long)la, accs[acc],
		   machine_cpl(m), pg_mode_name(mode));
	if (mode != PG_NONE)
		dbg_printf(d, ", CR3 0x%llx", (unsigned long long)machine_reg_get(m, VT_CR3));
	uint64_t eptp;
	if (w.ept && machine_vmcs_read(m, EPT_POINTER, &eptp))
		dbg_printf(d, "; under EPT, EPTP 0x%llx (EPT PML4 table at 0x%llx)", (unsigned long long)eptp,
			   (unsigned long long)(eptp & 0x000ffffffffff000ull));
	dbg_printf(d, "\n");
	if (w.ept)
		dbg_printf(d, "The two-dimensional walk: each guest-physical address (of a guest table and of the\n"
			      "final page) is translated through EPT before the CPU can read it.\n");
	int guest = 0, ept = 0, last_for = -1;
	for (int i = 0; i < w.nrefs; i++) {
		const struct walk_ref *r = &w.refs[i];
		char what[300];
		if (r->stage == WALK_EPT) {
			if (r->for_level != last_for) {
				if (r->for_level)
					dbg_printf(d, "  EPT walk for guest-physical 0x%llx (where the guest %s is):\n",
						   (unsigned long long)r->gpa, guest_level_name(mode, r->for_level));
				else
					dbg_printf(d, "  EPT walk for the final guest-physical address 0x%llx:\n",
						   (unsigned long long)r->gpa);
				last_for = r->for_level;
			}
			ept_entry(r->level, r->entry, what, sizeof what);
			dbg_printf(d, "  [%2d]   %-9s at 0x%llx = 0x%016llx  %s\n", i + 1, ept_level_name(r->level),
				   (unsigned long long)r->pa, (unsigned long long)r->entry, what);
			ept++;
		} else {
			last_for = -1;
			guest_entry(mode, r->level, r->entry, i + 1 == w.nrefs, what, sizeof what);
			if (r->pa == PDPTE_REGISTER)
				dbg_printf(d, "  [--] %-6s from the PDPTE register %u (no memory reference) = 0x%016llx  %s\n",
					   guest_level_name(mode, r->level), (unsigned)((la >> 30) & 3), (unsigned long long)r->entry, what);
			else if (w.ept)
				dbg_printf(d, "  [%2d] guest %-5s at gpa 0x%llx (host 0x%llx) = 0x%016llx  %s\n", i + 1,
					   guest_level_name(mode, r->level), (unsigned long long)r->gpa, (unsigned long long)r->pa,
					   (unsigned long long)r->entry, what);
			else
				dbg_printf(d, "  [%2d] %-5s at 0x%llx = 0x%016llx  %s\n", i + 1, guest_level_name(mode, r->level),
					   (unsigned long long)r->pa, (unsigned long long)r->entry, what);
			if (r->pa != PDPTE_REGISTER)
				guest++;
			if (w.ept && r->ept_rwx != 7)
				dbg_printf(d, "         (EPT grants %c%c%c on the page holding it)\n", r->ept_rwx & 1 ? 'R' : '-',
					   r->ept_rwx & 2 ? 'W' : '-', r->ept_rwx & 4 ? 'X' : '-');
		}
	}
	if (mode == PG_NONE && !w.ept)
		dbg_printf(d, "  paging is off (CR0.PG = 0): the linear address is the physical address\n");
	dbg_printf(d, "%d memory reference%s: %d guest paging-structure entr%s, %d EPT entr%s%s\n", guest + ept,
		   guest + ept == 1 ? "" : "s", guest, guest == 1 ? "y" : "ies", ept, ept == 1 ? "y" : "ies",
		   w.psc_level ? " (the walk started from a paging-structure cache entry)" : "");
	if (ok) {
		dbg_printf(d, "=> physical 0x%llx", (unsigned long long)w.pa);
		if (w.ept)
			dbg_printf(d, " (guest-physical 0x%llx)", (unsigned long long)w.gpa);
		dbg_printf(d, ": %s page, %s, %s%s%s\n", size_name(w.page_size), w.writable ? "writable" : "read-only",
			   w.user ? "user" : "supervisor", w.nx ? ", no-execute" : "", w.global ? ", global" : "");
		if (w.ept)
			dbg_printf(d, "   EPT grants %c%c%c on the final page\n", w.ept_rwx & 1 ? 'R' : '-', w.ept_rwx & 2 ? 'W' : '-',
				   w.ept_rwx & 4 ? 'X' : '-');
	} else if (w.fault_kind == WALK_EPT_VIOLATION) {
		char q[200];
		dbg_decode_qual(48, w.ept_qual, q, sizeof q);
		dbg_printf(d, "=> EPT violation (VM exit 48) on guest-physical 0x%llx, %s: qualification 0x%x %s\n",
			   (unsigned long long)w.gpa, w.ept_final ? "the final translation" : "a guest paging-structure access",
			   w.ept_qual, q);
		dbg_printf(d, "   %s\n", w.why ? w.why : "");
	} else if (w.fault_kind == WALK_EPT_MISCONFIG) {
		dbg_printf(d, "=> EPT misconfiguration (VM exit 49) on guest-physical 0x%llx\n   %s\n", (unsigned long long)w.gpa,
			   w.why ? w.why : "");
	} else {
		char p[120];
		pfec_text(w.pfec, p, sizeof p);
		dbg_printf(d, "=> page fault (#PF), error code 0x%x [%s]\n   %s\n", w.pfec, p, w.why ? w.why : "");
	}
	dbg_printf(d, "The %s model %s a translation for this address.\n", acc == ACC_EXEC ? "ITLB" : "DTLB",
		   in_tlb ? "holds" : "does not hold");
	return 0;
}

/* Entries in a stable order: by address, then by tags. */
static int cmp_entry(const void *pa, const void *pb)
{
	const struct tlb_entry_info *a = pa, *b = pb;
	if (a->page != b->page)
		return a->page < b->page ? -1 : 1;
	if (a->vpid != b->vpid)
		return a->vpid < b->vpid ? -1 : 1;
	if (a->pcid != b->pcid)
		return a->pcid < b->pcid ? -1 : 1;
	if (a->eptag != b->eptag)
		return a->eptag < b->eptag ? -1 : 1;
	return 0;
}

static const char *span_name(unsigned log2)
{
	switch (log2) {
	case 12: return "4 KiB";
	case 21: return "2 MiB";
	case 22: return "4 MiB";
	case 30: return "1 GiB";
	case 39: return "512 GiB";
	default: return "?";
	}
}

/* "RW U NX D": the combined rights of a linear or combined mapping. */
static void rights_text(const struct tlb_entry_info *e, bool leaf, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s %s %s%s", e->writable ? "RW" : "R-", e->user ? "U" : "S", e->nx ? "NX" : "X",
				    leaf && e->dirty ? " D" : "");
	if (e->eptag && leaf)
		snprintf(buf + o, len - o, "  EPT %c%c%c", e->ept_rwx & 1 ? 'R' : '-', e->ept_rwx & 2 ? 'W' : '-',
			 e->ept_rwx & 4 ? 'X' : '-');
}

static void eptag_text(uint64_t eptag, char *buf, size_t len)
{
	if (eptag)
		snprintf(buf, len, "0x%llx", (unsigned long long)(eptag & ~1ull));
	else
		snprintf(buf, len, "-");
}

/* One structure of the TLB model; with filter, only entries covering addr. */
static void show_tlb(struct dbg *d, int which, const char *title, bool filter, uint64_t addr)
{
	int n = machine_tlb_entries(d->m, which, NULL, 0);
	if (n < 0)
		return;
	struct tlb_entry_info *e = n ? calloc((size_t)n, sizeof *e) : NULL;
	if (n && !e) {
		dbg_error(d, "tlb: out of memory");
		return;
	}
	n = machine_tlb_entries(d->m, which, e, n);
	if (n > 0)
		qsort(e, (size_t)n, sizeof *e, cmp_entry);
	int shown = 0;
	for (int i = 0; i < n; i++)
		shown += !filter || (addr >> e[i].size_log2) == (e[i].page >> e[i].size_log2);
	if (filter)
		dbg_printf(d, "%s: %d valid entr%s, %d covering 0x%llx\n", title, n, n == 1 ? "y" : "ies", shown,
			   (unsigned long long)addr);
	else
		dbg_printf(d, "%s: %d valid entr%s\n", title, n, n == 1 ? "y" : "ies");
	if (!shown) {
		free(e);
		return;
	}
	if (which == MACHINE_TLB_GPA)
		dbg_printf(d, "  %-18s    %-18s  %-7s  %-12s  %s\n", "guest-physical", "host-physical", "size", "EP4TA",
			   "EPT rights");
	else if (which >= MACHINE_TLB_PSC_PDE)
		dbg_printf(d, "  %-18s    %-18s  %-7s  %-4s  %-4s  %-12s  %s\n", "linear region", "next table", "covers", "PCID",
			   "VPID", "EPT tag", "rights so far");
	else
		dbg_printf(d, "  %-18s    %-18s  %-7s  %-4s  %-4s  %-12s  %-1s  %s\n", "linear page", "physical page", "size",
			   "PCID", "VPID", "EPT tag", "G", "rights");
	for (int i = 0; i < n; i++) {
		if (filter && (addr >> e[i].size_log2) != (e[i].page >> e[i].size_log2))
			continue;
		char tag[40], r[60];
		if (which == MACHINE_TLB_GPA) {
			snprintf(tag, sizeof tag, "0x%llx", (unsigned long long)e[i].eptag);
			dbg_printf(d, "  0x%-16llx -> 0x%-16llx  %-7s  %-12s  %c%c%c%s\n", (unsigned long long)e[i].page,
				   (unsigned long long)e[i].pa, span_name(e[i].size_log2), tag, e[i].ept_rwx & 1 ? 'R' : '-',
				   e[i].ept_rwx & 2 ? 'W' : '-', e[i].ept_rwx & 4 ? 'X' : '-', e[i].dirty ? " D" : "");
			continue;
		}
		eptag_text(e[i].eptag, tag, sizeof tag);
		rights_text(&e[i], which < MACHINE_TLB_PSC_PDE, r, sizeof r);
		if (which >= MACHINE_TLB_PSC_PDE)
			dbg_printf(d, "  0x%-16llx -> 0x%-16llx  %-7s  %-4u  %-4u  %-12s  %s\n", (unsigned long long)e[i].page,
				   (unsigned long long)e[i].pa, span_name(e[i].size_log2), e[i].pcid, e[i].vpid, tag, r);
		else
			dbg_printf(d, "  0x%-16llx -> 0x%-16llx  %-7s  %-4u  %-4u  %-12s  %c  %s\n", (unsigned long long)e[i].page,
				   (unsigned long long)e[i].pa, span_name(e[i].size_log2), e[i].pcid, e[i].vpid, tag,
				   e[i].global ? 'G' : '-', r);
	}
	free(e);
}

int dbg_cmd_tlb(struct dbg *d, int argc, char **argv)
{
	if (argc > 2) {
		dbg_error(d, "usage: tlb [ADDR]");
		return 0;
	}
	uint64_t la = 0, gpa = 0;
	bool filter = argc == 2, gpa_known = false;
	if (filter) {
		if (!dbg_parse_value(d, argv[1], &la))
			return 0;
		struct walk w;
		bool in_tlb;
		if ((machine_translate(d->m, la, ACC_READ, &w, &in_tlb) || w.fault_kind != WALK_PF) && w.ept) {
			gpa = w.gpa;
			gpa_known = true;
		}
	}
	/* The linear TLBs and the paging-structure caches (SDM Vol. 3A, 4.10),
	 * then the guest-physical mappings of EPT (SDM Vol. 3C, 29.4.1). */
	show_tlb(d, MACHINE_TLB_ITLB, "ITLB", filter, la);
	show_tlb(d, MACHINE_TLB_DTLB, "DTLB", filter, la);
	show_tlb(d, MACHINE_TLB_PSC_PML4E, "PML4E cache", filter, la);
	show_tlb(d, MACHINE_TLB_PSC_PDPTE, "PDPTE cache", filter, la);
	show_tlb(d, MACHINE_TLB_PSC_PDE, "PDE cache", filter, la);
	if (!filter || gpa_known)
		show_tlb(d, MACHINE_TLB_GPA, "guest-physical TLB", filter, gpa);
	struct tlb_stats t;
	machine_tlb_stats(d->m, &t);
	dbg_printf(d, "ITLB: %llu hits, %llu misses; DTLB: %llu hits, %llu misses\n", (unsigned long long)t.itlb_hits,
		   (unsigned long long)t.itlb_misses, (unsigned long long)t.dtlb_hits, (unsigned long long)t.dtlb_misses);
	dbg_printf(d, "page walks: %llu, memory references: %llu, paging-structure cache hits: %llu\n",
		   (unsigned long long)t.walks, (unsigned long long)t.walk_refs, (unsigned long long)t.psc_hits);
	dbg_printf(d, "(hits count only lookups that missed the simulator's fast path, so they understate real hits)\n");
	if (filter) {
		struct walk w;
		bool in_i, in_d;
		machine_translate(d->m, la, ACC_EXEC, &w, &in_i);
		machine_translate(d->m, la, ACC_READ, &w, &in_d);
		dbg_printf(d, "0x%llx: %s the ITLB, %s the DTLB for the current tags\n", (unsigned long long)la,
			   in_i ? "in" : "not in", in_d ? "in" : "not in");
	}
	return 0;
}
