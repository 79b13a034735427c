/* ept.c - the EPT walk: guest-physical to host-physical, with its misconfigurations and violations. */
#include "ept.h"

#include "walk.h"

/* Bits M-1..12 of an entry or of the EPTP; bits 51..M are reserved (M = MAXPHYADDR). */
#define EPT_ADDR_MASK (((1ull << VT_MAXPHYADDR) - 1) & ~0xfffull)
#define EPT_RSVD_HIGH (((1ull << 52) - 1) & ~((1ull << VT_MAXPHYADDR) - 1))

uint64_t eptp_ep4ta(uint64_t eptp)
{
	return eptp & EPT_ADDR_MASK;
}

const char *ept_eptp_check(uint64_t eptp)
{
	unsigned mt = eptp_memtype(eptp);
	if (mt != EPTP_MEMTYPE_UC && mt != EPTP_MEMTYPE_WB)
		return "EPTP memory type (bits 2:0) must be UC (0) or WB (6) (SDM Vol. 3C, 27.2.1.1 \"VM-Execution Control Fields\")";
	if (eptp_walk_length(eptp) != 4)
		return "EPTP bits 5:3 must be 3: vtsim supports 4-level EPT only (SDM Vol. 3C, 27.2.1.1 \"VM-Execution Control Fields\")";
	if (eptp & 0xf80ull)
		return "EPTP reserved bits 11:7 must be 0 (SDM Vol. 3C, 27.2.1.1 \"VM-Execution Control Fields\")";
	if (eptp & ~((1ull << VT_MAXPHYADDR) - 1))
		return "EPTP bits 63:MAXPHYADDR must be 0 (SDM Vol. 3C, 27.2.1.1 \"VM-Execution Control Fields\")";
	return NULL;
}

static bool fail(struct ept_result *r, enum ept_fault f, const char *why)
{
	r->fault = f;
	r->why = why;
	return false;
}

/*
 * Is a present entry misconfigured (SDM Vol. 3C, 29.3.3.1 "EPT
 * Misconfigurations")? Returns why, or NULL. leaf: the entry maps a page.
 */
static const char *misconfigured(uint64_t e, int level, bool leaf)
{
	if ((e & (EPTE_R | EPTE_W)) == EPTE_W)
		return "EPT misconfiguration: write permission without read permission (bit 1 = 1, bit 0 = 0) (SDM Vol. 3C, 29.3.3.1 \"EPT Misconfigurations\")";
	if (e & EPT_RSVD_HIGH)
		return "EPT misconfiguration: reserved bit above MAXPHYADDR set in an EPT entry (SDM Vol. 3C, 29.3.3.1 \"EPT Misconfigurations\")";
	if (level == 4 && (e & EPTE_PS))
		return "EPT misconfiguration: bit 7 set in an EPT PML4E (SDM Vol. 3C, 29.3.3.1 \"EPT Misconfigurations\", Table 29-1)";
	if (!leaf) {
		if (e & 0x78ull)
			return "EPT misconfiguration: reserved bits 6:3 set in an EPT entry that references a table (SDM Vol. 3C, 29.3.3.1 \"EPT Misconfigurations\")";
		return NULL;
	}
	unsigned mt = epte_memtype(e);
	if (mt == 2 || mt == 3 || mt == 7)
		return "EPT misconfiguration: reserved EPT memory type 2, 3 or 7 in an entry that maps a page (SDM Vol. 3C, 29.3.3.1 \"EPT Misconfigurations\")";
	if (level > 1) {
		uint64_t size = 1ull << (12 + 9 * (level - 1));
		if (e & (size - 1) & ~0xfffull)
			return "EPT misconfiguration: reserved address bits set in an EPT entry that maps a large page (SDM Vol. 3C, 29.3.3.1, Tables 29-2 and 29-4)";
	}
	return NULL;
}

/*
 * The walk (SDM Vol. 3C, 29.3.2 "EPT Translation Mechanism"):
 *
 *   gpa:  47..39      38..30      29..21     20..12     11..0
 *         PML4 index  PDPT index  PD index   PT index   offset
 *
 *   EPTP[M-1:12] -> EPT PML4E -> EPT PDPTE (PS: 1 GiB) -> EPT PDE (PS: 2 MiB) -> EPT PTE
 *
 * Each present entry is checked for misconfiguration as it is read (a
 * misconfiguration wins over a violation, 29.3.3); a not-present entry
 * ends the walk with a violation; the rights are checked on the AND of
 * all entries' R/W/X (29.3.3.2). Accessed and dirty flags (29.3.5) are
 * set only when the translation succeeds.
 */
bool ept_walk(struct physmem *pm, uint64_t eptp, uint64_t gpa, uint32_t access, bool set_ad,
	      struct ept_result *r)
{
	r->gpa = gpa;
	r->hpa = 0;
	r->page_size = 4096;
	r->rwx = EPTE_RWX;
	r->memtype = 0;
	r->ipat = false;
	r->dirty = true;
	r->fault = EPT_OK;
	r->qual = 0;
	r->why = NULL;
	r->nrefs = 0;

	uint64_t table = eptp_ep4ta(eptp);
	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (unsigned)(level - 1);
		uint64_t pa = table + ((gpa >> shift) & 511) * 8;
		uint64_t e = phys_read(pm, pa, 8);
		r->refs[r->nrefs++] = (struct ept_ref){ (uint8_t)level, pa, e };
		r->rwx &= (uint8_t)(e & EPTE_RWX);
		if (!(e & EPTE_RWX)) {
			r->qual = (access & (EPT_QUAL_ACCESS_MASK | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL));
			return fail(r, EPT_VIOLATION,
				    "EPT violation: EPT entry not present (bits 2:0 = 000) (SDM Vol. 3C, 29.3.3.2 \"EPT Violations\")");
		}
		bool leaf = level == 1 || ((level == 2 || level == 3) && (e & EPTE_PS));
		const char *why = misconfigured(e, level, leaf);
		if (why)
			return fail(r, EPT_MISCONFIG, why);
		if (!leaf) {
			table = e & EPT_ADDR_MASK;
			continue;
		}
		r->page_size = 1ull << shift;
		r->hpa = (e & EPT_ADDR_MASK & ~(r->page_size - 1)) | (gpa & (r->page_size - 1));
		r->memtype = (uint8_t)epte_memtype(e);
		r->ipat = (e & EPTE_IPAT) != 0;
		break;
	}

	bool need_r = access & EPT_QUAL_READ, need_w = access & EPT_QUAL_WRITE;
	bool need_x = access & EPT_QUAL_FETCH;
	if ((need_r && !(r->rwx & EPTE_R)) || (need_w && !(r->rwx & EPTE_W)) ||
	    (need_x && !(r->rwx & EPTE_X))) {
		r->qual = (access & (EPT_QUAL_ACCESS_MASK | EPT_QUAL_GLA_VALID | EPT_QUAL_FINAL)) |
			  ((uint32_t)r->rwx << 3);
		return fail(r, EPT_VIOLATION,
			    need_x && !(r->rwx & EPTE_X) ? "EPT violation: instruction fetch from a guest-physical page without execute permission (SDM Vol. 3C, 29.3.3.2 \"EPT Violations\")"
			    : need_w && !(r->rwx & EPTE_W) ? "EPT violation: write to a guest-physical page without write permission (SDM Vol. 3C, 29.3.3.2 \"EPT Violations\")"
			    : "EPT violation: read of a guest-physical page without read permission (SDM Vol. 3C, 29.3.3.2 \"EPT Violations\")");
	}

	/* Accessed and dirty flags for EPT (SDM Vol. 3C, 29.3.5): A in every
	 * entry used, D in the leaf on a write. */
	uint64_t leaf = r->refs[r->nrefs - 1].entry;
	if (!eptp_ad(eptp))
		return true;
	r->dirty = (leaf & EPTE_D) || (set_ad && need_w);
	if (!set_ad)
		return true;
	for (int i = 0; i < r->nrefs; i++) {
		struct ept_ref *ref = &r->refs[i];
		uint64_t e = ref->entry | EPTE_A;
		if (i == r->nrefs - 1 && need_w)
			e |= EPTE_D;
		if (e != ref->entry)
			phys_write(pm, ref->pa, 8, e);
	}
	return true;
}
