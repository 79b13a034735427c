/* vmxbuild.c - the ept: and vmcs: sections: EPT paging structures, the VMCS and VMXON regions, VMX operation at load. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../trace/evfield.h"
#include "../vmx/vmx.h"
#include "internal.h"

/* ------------------------------------------------------------ control names */

/* The implemented controls of a field (sim/vmx/controls.c names them),
 * for messages. */
static void ctl_list(uint32_t field, char *buf, size_t len)
{
	int n;
	const struct vmx_control *ctl = vmx_controls(&n);
	size_t pos = 0;
	buf[0] = 0;
	for (int i = 0; i < n && pos < len; i++)
		if (ctl[i].field == field && vmx_control_implemented(&ctl[i]))
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", ctl[i].name);
}

/* Fields that hold physical addresses: a label there stands for its physical address. */
static const uint32_t phys_fields[] = {
	IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP, VM_EXIT_MSR_STORE_ADDR, VM_EXIT_MSR_LOAD_ADDR,
	VM_ENTRY_MSR_LOAD_ADDR, VIRTUAL_APIC_PAGE_ADDR, APIC_ACCESS_ADDR, EPT_POINTER, VMCS_LINK_POINTER,
};

static bool is_phys_field(uint32_t enc)
{
	for (size_t i = 0; i < sizeof phys_fields / sizeof phys_fields[0]; i++)
		if (phys_fields[i] == enc)
			return true;
	return false;
}

/* ------------------------------------------------------------ vmcs: */

/* A list of control names, ORed together, for control field f. */
static int ctl_names_from(struct yctx *y, yaml_node_t *v, const char *where, const struct vmcs_field_info *f,
			  uint64_t *out)
{
	int errors = 0;
	char names[600];
	ctl_list(f->enc, names, sizeof names);
	*out = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_mark m = y_mark(e);
		if (e->type != YAML_SCALAR_NODE) {
			diag_error(y->d, m.line, m.col, "%s: a list item is %s (expected a control name: %s)", where, y_kind(e), names);
			errors++;
			continue;
		}
		const char *s = (const char *)e->data.scalar.value;
		int nctl;
		const struct vmx_control *ctl = vmx_controls(&nctl), *hit = NULL, *elsewhere = NULL;
		for (int i = 0; i < nctl; i++) {
			if (strcasecmp(ctl[i].name, s) != 0)
				continue;
			if (ctl[i].field == f->enc)
				hit = &ctl[i];
			else
				elsewhere = &ctl[i];
		}
		if (!hit && elsewhere) {
			const struct vmcs_field_info *o = vmcs_field_by_enc(elsewhere->field);
			diag_error(y->d, m.line, m.col, "%s: '%s' is a control of %s, not of %s (expected it under %s)", where, s,
				   o ? o->name : "another field", f->name, o ? o->name : "that field");
			errors++;
			continue;
		}
		if (!hit) {
			const char *cand[64];
			int nc = 0;
			for (int i = 0; i < nctl && nc < 64; i++)
				if (ctl[i].field == f->enc)
					cand[nc++] = ctl[i].name;
			const char *near = sc_suggest(s, cand, nc);
			diag_error(y->d, m.line, m.col, "%s: unknown control '%s' (%s%s%sexpected one of: %s)", where, s,
				   near ? "did you mean '" : "", near ? near : "", near ? "'? " : "", names);
			errors++;
			continue;
		}
		if (!vmx_control_implemented(hit)) {
			unsigned bit = 0;
			while (!(hit->bit >> bit & 1))
				bit++;
			diag_error(y->d, m.line, m.col,
				   "%s: vtsim does not implement '%s' (%s reports bit %u allowed-1 = 0; expected one of: %s)", where, s,
				   vmx_cap_msr_name(vmx_control_msr(f->enc)), bit, names);
			errors++;
			continue;
		}
		*out |= hit->bit;
	}
	return errors;
}

/* A list of exception vectors for EXCEPTION_BITMAP: names ("#PF", UD) or numbers 0-31. */
static int exc_names_from(struct yctx *y, yaml_node_t *v, const char *where, uint64_t *out)
{
	int errors = 0;
	*out = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_mark m = y_mark(e);
		int vec = -1;
		if (e->type == YAML_SCALAR_NODE) {
			const char *s = (const char *)e->data.scalar.value;
			uint64_t x;
			const char *why;
			vec = ev_vector_from_name(s);
			if (vec < 0 && sc_parse_u64(s, false, &x, &why) && x < 32)
				vec = (int)x;
		}
		if (vec < 0) {
			diag_error(y->d, m.line, m.col,
				   "%s: '%s' is not an exception (expected a name such as \"#PF\" (quoted: # starts a YAML comment) or a vector 0-31)",
				   where, e->type == YAML_SCALAR_NODE ? (const char *)e->data.scalar.value : y_kind(e));
			errors++;
			continue;
		}
		*out |= 1ull << vec;
	}
	return errors;
}

/* One entry of vmcs.fields. */
static int vmcs_field(struct yctx *y, yaml_node_t *k, yaml_node_t *v)
{
	struct scenario *sc = y->sc;
	struct sc_vmcs *vc = &sc->vmcs;
	struct sc_mark km = y_mark(k);
	if (k->type != YAML_SCALAR_NODE) {
		diag_error(y->d, km.line, km.col, "vmcs.fields: a key is %s (expected an SDM field name such as GUEST_RIP)", y_kind(k));
		return 1;
	}
	const char *name = (const char *)k->data.scalar.value;
	const struct vmcs_field_info *f = vmcs_field_by_name(name);
	if (!f) {
		int n;
		const struct vmcs_field_info *all = vmcs_fields(&n);
		const char **cand = malloc((size_t)n * sizeof *cand);
		char up[80];
		size_t i;
		for (i = 0; name[i] && i < sizeof up - 1; i++)
			up[i] = (char)toupper((unsigned char)name[i]);
		up[i] = 0;
		const char *near = NULL;
		if (cand) {
			for (int j = 0; j < n; j++)
				cand[j] = all[j].name;
			near = sc_suggest(up, cand, n);
		}
		diag_error(y->d, km.line, km.col, "vmcs.fields: unknown VMCS field '%s' (%s%s%sexpected an SDM name from Vol. 3C, Appendix B, such as GUEST_RIP or CPU_BASED_VM_EXEC_CONTROL)",
			   name, near ? "did you mean '" : "", near ? near : "", near ? "'? " : "");
		free(cand);
		return 1;
	}
	if (!vmx_feature_supported((enum vmcs_feature)f->feature)) {
		diag_error(y->d, km.line, km.col,
			   "vmcs.fields: %s belongs to a VMX feature vtsim does not implement (the capability MSRs report it unsupported; expected another field)",
			   f->name);
		return 1;
	}
	if (vmcs_enc_type(f->enc) == VMCS_EXIT_INFO) {
		diag_error(y->d, km.line, km.col,
			   "vmcs.fields: %s is a read-only VM-exit information field (expected a control, guest-state or host-state field)",
			   f->name);
		return 1;
	}
	for (int i = 0; i < vc->n; i++)
		if (vc->f[i].enc == f->enc) {
			diag_error(y->d, km.line, km.col, "vmcs.fields: %s given twice (first at line %d; expected each field once)", f->name,
				   vc->f[i].mark.line);
			return 1;
		}
	struct sc_vmcs_val *fv = sc_push(sc, (void **)&vc->f, &vc->n, &vc->cap, sizeof *fv);
	if (!fv)
		return 1;
	*fv = (struct sc_vmcs_val){ .mark = km, .enc = f->enc, .name = f->name, .form = VMF_NUM,
				    .physical = is_phys_field(f->enc) };
	char where[64];
	snprintf(where, sizeof where, "vmcs.fields.%s", f->name);
	struct sc_mark vm = y_mark(v);
	if (v->type == YAML_SEQUENCE_NODE) {
		fv->form = VMF_LIST;
		fv->v = (struct sc_num){ .set = true, .at = vm };
		if (vmx_control_msr(f->enc))
			return ctl_names_from(y, v, where, f, &fv->v.v);
		if (f->enc == EXCEPTION_BITMAP)
			return exc_names_from(y, v, where, &fv->v.v);
		diag_error(y->d, vm.line, vm.col,
			   "%s: a list is for control fields and EXCEPTION_BITMAP only (expected a number or a label)", where);
		return 1;
	}
	if (v->type == YAML_SCALAR_NODE && strcasecmp((const char *)v->data.scalar.value, "ept") == 0) {
		if (f->enc != EPT_POINTER) {
			diag_error(y->d, vm.line, vm.col, "%s: 'ept' stands for the EPT pointer (expected it for EPT_POINTER only)", where);
			return 1;
		}
		fv->form = VMF_EPT;
		fv->v = (struct sc_num){ .set = true, .at = vm };
		return 0;
	}
	return sc_num_from(y, v, NUM_SIGNED | NUM_LABEL, where, &fv->v);
}

static int vc_at(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "vmcs.at", &y->sc->vmcs.at);
}

static int vc_vmxon(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "vmcs.vmxon", &y->sc->vmcs.vmxon);
}

static int vc_fields(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "vmcs.fields: got %s (expected a mapping of SDM field names to values, such as {GUEST_RIP: guest})",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++)
		errors += vmcs_field(y, yaml_document_get_node(y->doc, p->key), yaml_document_get_node(y->doc, p->value));
	return errors;
}

static const struct sc_key vmcs_keys[] = { { "at", vc_at }, { "vmxon", vc_vmxon }, { "fields", vc_fields } };

int sc_p_vmcs(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_vmcs *vc = &y->sc->vmcs;
	vc->given = true;
	vc->mark = y_mark(v);
	return sc_walk_map(y, v, "vmcs", vmcs_keys, (int)(sizeof vmcs_keys / sizeof vmcs_keys[0]), NULL);
}

/* ------------------------------------------------------------ ept: */

static int em_gpa(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "gpa", &((struct sc_ept_map *)o)->gpa);
}

static int em_hpa(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_LABEL, "hpa", &((struct sc_ept_map *)o)->hpa);
}

static int em_size(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_ept_map *mp = o;
	mp->page_at = y_mark(v);
	if (sc_u64_from(y, v, "size", &mp->page))
		return 1;
	if (mp->page != (4ull << 10) && mp->page != (2ull << 20) && mp->page != (1ull << 30)) {
		diag_error(y->d, mp->page_at.line, mp->page_at.col, "size: %s is not an EPT page size (expected 4K, 2M or 1G)",
			   (const char *)v->data.scalar.value);
		return 1;
	}
	return 0;
}

static int em_count(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_ept_map *mp = o;
	return sc_page_count_from(y, v, &mp->count);
}

static int ept_flag(struct yctx *y, struct sc_mark m, const char *s, size_t n, uint32_t *flags)
{
	static const struct {
		const char *name;   /* as written */
		uint32_t bit;       /* EPTF_* */
	} t[] = { { "r", EPTF_R }, { "w", EPTF_W }, { "x", EPTF_X } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (n == 1 && tolower((unsigned char)s[0]) == t[i].name[0]) {
			*flags |= t[i].bit;
			return 0;
		}
	diag_error(y->d, m.line, m.col, "flags: unknown EPT permission '%.*s' (expected r, w or x; an empty list [] makes the page not present)",
		   (int)n, s);
	return 1;
}

static int em_flags(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_ept_map *mp = o;
	struct sc_mark m = y_mark(v);
	int errors = 0;
	mp->flags = 0;
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(y->doc, *it);
			if (e->type != YAML_SCALAR_NODE) {
				struct sc_mark em = y_mark(e);
				diag_error(y->d, em.line, em.col, "flags: a list item is %s (expected r, w or x)", y_kind(e));
				errors++;
				continue;
			}
			errors += ept_flag(y, y_mark(e), (const char *)e->data.scalar.value, e->data.scalar.length, &mp->flags);
		}
		return errors;
	}
	if (v->type != YAML_SCALAR_NODE) {
		diag_error(y->d, m.line, m.col, "flags: got %s (expected a list such as [r, w, x] or a string such as \"r x\")", y_kind(v));
		return 1;
	}
	for (const char *s = (const char *)v->data.scalar.value; *s;) {
		while (*s == ' ' || *s == ',')
			s++;
		size_t n = 0;
		while (s[n] && s[n] != ' ' && s[n] != ',')
			n++;
		if (n)
			errors += ept_flag(y, m, s, n, &mp->flags);
		s += n;
	}
	return errors;
}

static int em_memtype(struct yctx *y, yaml_node_t *v, void *o)
{
	char *s;
	if (sc_str_from(y, v, "memtype", &s))
		return 1;
	if (strcasecmp(s, "uc") == 0 || strcasecmp(s, "wb") == 0) {
		((struct sc_ept_map *)o)->memtype = tolower((unsigned char)s[0]) == 'u' ? 0 : 6;
		return 0;
	}
	struct sc_mark m = y_mark(v);
	diag_error(y->d, m.line, m.col, "memtype: unknown EPT memory type '%s' (expected uc or wb)", s);
	return 1;
}

static const struct sc_key ept_map_keys[] = {
	{ "gpa", em_gpa }, { "hpa", em_hpa }, { "size", em_size }, { "count", em_count },
	{ "flags", em_flags }, { "memtype", em_memtype },
};

static int ep_at(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "ept.at", &y->sc->ept.at);
}

static int ep_levels(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	uint64_t x;
	if (sc_u64_from(y, v, "ept.levels", &x))
		return 1;
	if (x != 4) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col,
			   "ept.levels: %llu (expected 4: vtsim walks 4-level EPT only, IA32_VMX_EPT_VPID_CAP bit 6)",
			   (unsigned long long)x);
		return 1;
	}
	y->sc->ept.levels = 4;
	return 0;
}

static int ep_ad(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_bool_from(y, v, "ept.accessed_dirty", &y->sc->ept.ad);
}

static int ep_map(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_ept *ept = &sc->ept;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col,
			   "ept.map: got %s (expected a list of mappings such as '- {gpa: 0, hpa: 0x1000000, size: 2M, flags: [r, w, x]}')",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_ept_map *mp = sc_push(sc, (void **)&ept->m, &ept->n, &ept->cap, sizeof *mp);
		if (!mp)
			return errors + 1;
		*mp = (struct sc_ept_map){ .mark = y_mark(e), .page = 4096, .count = 1, .flags = EPTF_R | EPTF_W | EPTF_X,
					   .memtype = 6 };
		mp->page_at = mp->mark;
		int err = sc_walk_map(y, e, "ept.map entry", ept_map_keys, (int)(sizeof ept_map_keys / sizeof ept_map_keys[0]), mp);
		errors += err;
		if (!err && !mp->gpa.set) {
			diag_error(y->d, mp->mark.line, mp->mark.col, "ept.map entry: no gpa (expected the guest-physical address of the first page)");
			errors++;
		}
	}
	return errors;
}

static const struct sc_key ept_keys[] = {
	{ "at", ep_at }, { "levels", ep_levels }, { "accessed_dirty", ep_ad }, { "map", ep_map },
};

int sc_p_ept(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct sc_ept *ept = &y->sc->ept;
	ept->given = true;
	ept->mark = y_mark(v);
	ept->levels = 4;
	int errors = sc_walk_map(y, v, "ept", ept_keys, (int)(sizeof ept_keys / sizeof ept_keys[0]), NULL);
	if (!errors && ept->n == 0) {
		diag_error(y->d, ept->mark.line, ept->mark.col, "ept: no map (expected map: with at least one mapping)");
		errors++;
	}
	return errors;
}

/* ------------------------------------------------------------ checks */

static const struct sc_vmcs_val *vmcs_given(const struct scenario *sc, uint32_t enc)
{
	for (int i = 0; i < sc->vmcs.n; i++)
		if (sc->vmcs.f[i].enc == enc)
			return &sc->vmcs.f[i];
	return NULL;
}

/* Rules that need the whole scenario (before assembly). */
int sc_vmx_check(struct scenario *sc, struct diag *d)
{
	int errors = 0;
	if (sc->vmcs.given && sc->vmx == SCV_NONE) {
		diag_error(d, sc->vmcs.mark.line, sc->vmcs.mark.col,
			   "vmcs: the loader fills a VMCS only in VMX operation (expected machine.mode: vmx-root or vmx-nonroot; a long64 hypervisor writes its own VMCS with VMWRITE)");
		errors++;
	}
	if (sc->vmx == SCV_NONROOT && !vmcs_given(sc, HOST_RIP)) {
		struct sc_mark at = sc->vmcs.given ? sc->vmcs.mark : sc->mode_at;
		diag_error(d, at.line, at.col,
			   "vmx-nonroot: no HOST_RIP in vmcs.fields: the guest's first VM exit would have nowhere to go (expected e.g. HOST_RIP: exit_handler)");
		errors++;
	}
	const struct sc_vmcs_val *ep = vmcs_given(sc, EPT_POINTER);
	if (ep && ep->form == VMF_EPT && !sc->ept.given) {
		diag_error(d, ep->v.at.line, ep->v.at.col, "vmcs.fields.EPT_POINTER: 'ept' names the ept: section, and there is none (expected an ept: section or a number)");
		errors++;
	}
	return errors;
}

/* ------------------------------------------------------------ EPT tables */

/*
 * EPT paging-structure entries (SDM Vol. 3C, 29.3.2, Tables 29-1 to 29-6):
 *
 *   51..12            11..8      7   6     5..3      2  1  0
 *   address           (9 A, 8 D  PS  IPAT  memtype   X  W  R
 *                      on leaves)        (leaves)
 *
 *   PML4E  gpa[47:39] -> PDPT
 *   PDPTE  gpa[38:30] -> PD,  or a 1-GByte page with PS = 1
 *   PDE    gpa[29:21] -> PT,  or a 2-MByte page with PS = 1
 *   PTE    gpa[20:12] -> a 4-KByte page
 *
 * An entry with R = W = X = 0 is not present: any access through it is
 * an EPT violation. Entries above a leaf grant R, W and X so the leaf
 * alone decides the rights. Accessed and dirty start clear. The tables
 * are allocated in walk order, the PML4 first.
 */
#define EPTE_RWX 7ull
#define EPTE_PS (1ull << 7)
#define EPTE_ADDR 0x000ffffffffff000ull

enum { E_FREE, E_TABLE, E_LEAF };

struct eptimg {
	uint8_t *bytes;     /* n pages */
	uint8_t *kind;      /* per entry: E_* */
	int *owner;         /* per entry: the mapping that filled it */
	int n, cap;         /* pages */
};

static int ept_new_table(struct eptimg *g)
{
	if (g->n == g->cap) {
		int cap = g->cap ? g->cap * 2 : 8;
		uint8_t *b = realloc(g->bytes, (size_t)cap * 4096);
		if (!b)
			return -1;
		g->bytes = b;
		uint8_t *k = realloc(g->kind, (size_t)cap * 512);
		if (!k)
			return -1;
		g->kind = k;
		int *o = realloc(g->owner, (size_t)cap * 512 * sizeof *o);
		if (!o)
			return -1;
		g->owner = o;
		g->cap = cap;
	}
	memset(g->bytes + (size_t)g->n * 4096, 0, 4096);
	memset(g->kind + (size_t)g->n * 512, E_FREE, 512);
	return g->n++;
}

static uint64_t ept_get(const struct eptimg *g, int table, unsigned idx)
{
	const uint8_t *p = g->bytes + (size_t)table * 4096 + (size_t)idx * 8;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void ept_put(struct eptimg *g, int table, unsigned idx, uint64_t v)
{
	uint8_t *p = g->bytes + (size_t)table * 4096 + (size_t)idx * 8;
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static const char *ept_size_name(uint64_t page)
{
	return page == 4096 ? "4K" : page == (2u << 20) ? "2M" : "1G";
}

static int ept_map_page(struct scenario *sc, struct diag *d, struct eptimg *g, int mi, uint64_t gpa, uint64_t hpa)
{
	const struct sc_ept_map *mp = &sc->ept.m[mi];
	int leaf = mp->page == 4096 ? 1 : mp->page == (2u << 20) ? 2 : 3;
	int table = 0;
	for (int level = 4; level >= 1; level--) {
		unsigned idx = (unsigned)((gpa >> (12 + 9 * (level - 1))) & 511);
		size_t slot = (size_t)table * 512 + idx;
		if (level == leaf) {
			if (g->kind[slot] != E_FREE) {
				diag_error(d, mp->mark.line, mp->mark.col,
					   "ept.map: gpa 0x%llx is already mapped by the mapping at line %d (expected each page mapped once)",
					   (unsigned long long)gpa, sc->ept.m[g->owner[slot]].mark.line);
				return 1;
			}
			uint64_t e = hpa;
			if (mp->flags)
				e |= mp->flags | (uint64_t)mp->memtype << 3 | (leaf > 1 ? EPTE_PS : 0);
			ept_put(g, table, idx, e);
			g->kind[slot] = E_LEAF;
			g->owner[slot] = mi;
			return 0;
		}
		if (g->kind[slot] == E_LEAF) {
			const struct sc_ept_map *o = &sc->ept.m[g->owner[slot]];
			diag_error(d, mp->mark.line, mp->mark.col,
				   "ept.map: gpa 0x%llx falls inside the %s page mapped at line %d (expected each page mapped once)",
				   (unsigned long long)gpa, ept_size_name(o->page), o->mark.line);
			return 1;
		}
		if (g->kind[slot] == E_FREE) {
			int t = ept_new_table(g);
			if (t < 0) {
				diag_error(d, mp->mark.line, mp->mark.col, "ept.map: out of memory building EPT tables");
				return 1;
			}
			/* An offset from the first table; relocated once placed. */
			ept_put(g, table, idx, (uint64_t)t * 4096 | EPTE_RWX);
			g->kind[slot] = E_TABLE;
			g->owner[slot] = mi;
		}
		table = (int)((ept_get(g, table, idx) & EPTE_ADDR) >> 12);
	}
	return 0;
}

/* Build the EPT tables for base; *image is malloc'ed. Returns errors. */
static int ept_build(struct scenario *sc, struct diag *d, uint64_t base, uint8_t **image, uint64_t *bytes)
{
	struct sc_ept *ept = &sc->ept;
	struct eptimg g = { 0 };
	int errors = 0;
	if (ept_new_table(&g) < 0)
		return 1;
	for (int mi = 0; mi < ept->n && errors < 5; mi++) {
		struct sc_ept_map *mp = &ept->m[mi];
		uint64_t gpa, hpa;
		if (sc_resolve(sc, d, &mp->gpa, true, &gpa) || sc_resolve(sc, d, mp->hpa.set ? &mp->hpa : &mp->gpa, true, &hpa)) {
			errors++;
			continue;
		}
		if ((gpa | hpa) & (mp->page - 1)) {
			diag_error(d, mp->mark.line, mp->mark.col, "ept.map: gpa 0x%llx, hpa 0x%llx (expected both aligned to the %s page size)",
				   (unsigned long long)gpa, (unsigned long long)hpa, ept_size_name(mp->page));
			errors++;
			continue;
		}
		uint64_t span = mp->page * mp->count;
		if (gpa + span < gpa || gpa + span > (1ull << 48)) {
			diag_error(d, mp->gpa.at.line, mp->gpa.at.col,
				   "ept.map: guest-physical 0x%llx + %llu pages is beyond what a 4-level EPT maps (expected below 2^48)",
				   (unsigned long long)gpa, (unsigned long long)mp->count);
			errors++;
			continue;
		}
		if (hpa + span < hpa || hpa + span > (1ull << 46)) {
			diag_error(d, mp->mark.line, mp->mark.col,
				   "ept.map: host-physical 0x%llx + %llu pages is beyond vtsim's 46-bit physical addresses",
				   (unsigned long long)hpa, (unsigned long long)mp->count);
			errors++;
			continue;
		}
		for (uint64_t k = 0; k < mp->count; k++)
			if (ept_map_page(sc, d, &g, mi, gpa + k * mp->page, hpa + k * mp->page)) {
				errors++;
				break;
			}
		if ((uint64_t)g.n * 4096 > sc->memory) {
			diag_error(d, mp->mark.line, mp->mark.col, "ept.map: the EPT tables would not fit in RAM (%d pages)", g.n);
			errors++;
			break;
		}
	}
	if (!errors)
		for (int t = 0; t < g.n; t++)
			for (unsigned i = 0; i < 512; i++)
				if (g.kind[(size_t)t * 512 + i] == E_TABLE)
					ept_put(&g, t, i, ept_get(&g, t, i) + base);
	free(g.kind);
	free(g.owner);
	if (errors) {
		free(g.bytes);
		return errors;
	}
	*image = g.bytes;
	*bytes = (uint64_t)g.n * 4096;
	return 0;
}

/* ------------------------------------------------------------ layout */

static int check_aligned(struct diag *d, const struct sc_num *at, struct sc_mark mark, const char *what, uint64_t pa)
{
	if (!(pa & 0xfff))
		return 0;
	struct sc_mark m = at->set ? at->at : mark;
	diag_error(d, m.line, m.col, "%s: 0x%llx is not 4 KiB aligned (expected a page address)", what, (unsigned long long)pa);
	return 1;
}

/* The value a field gets, and whether it fits the field's width. */
static int resolve_field(struct scenario *sc, struct diag *d, struct sc_vmcs_val *f)
{
	if (f->form == VMF_EPT) {
		f->val = sc->ept.eptp;
		return 0;
	}
	if (f->form == VMF_NUM && sc_resolve(sc, d, &f->v, f->physical, &f->val))
		return 1;
	if (f->form == VMF_LIST)
		f->val = f->v.v;
	unsigned bits = vmcs_width_bits(vmcs_enc_width(f->enc));
	if (bits == 64)
		return 0;
	if (f->val >> (bits - 1) == ~0ull >> (bits - 1))
		f->val &= (1ull << bits) - 1; /* a negative number that fits (-1: all ones) */
	if (f->val >> bits) {
		diag_error(d, f->v.at.line, f->v.at.col, "vmcs.fields.%s: 0x%llx does not fit in the field's %u bits", f->name,
			   (unsigned long long)f->val, bits);
		return 1;
	}
	return 0;
}

int sc_vmx_layout(struct scenario *sc, struct diag *d, uint64_t *top)
{
	int errors = 0;
	bool by_label;
	/* 1. EPT tables: built once to learn their size, then for their place. */
	struct sc_ept *ept = &sc->ept;
	if (ept->given) {
		uint8_t *img = NULL;
		if (ept_build(sc, d, 0, &img, &ept->bytes))
			return 1;
		free(img);
		if (sc_place(sc, d, &ept->at, ept->bytes, top, "EPT tables", ept->mark, &ept->pa, &by_label) ||
		    check_aligned(d, &ept->at, ept->mark, "ept.at", ept->pa) || ept_build(sc, d, ept->pa, &img, &ept->bytes))
			return 1;
		uint8_t *keep = sc_alloc(sc, ept->bytes);
		if (keep)
			memcpy(keep, img, ept->bytes);
		free(img);
		struct sc_blob *b = sc_add_blob(sc, "EPT tables", ept->mark, ept->pa, keep, ept->bytes);
		if (!keep || !b)
			return 1;
		b->inside_load = by_label;
		/* EPTP (25.6.11): WB paging structures, walk length 4 - 1, A/D enable. */
		ept->eptp = ept->pa | 6 | 3u << 3 | (ept->ad ? 1u << 6 : 0);
	}
	if (sc->vmx == SCV_NONE)
		return 0;
	/* 2. The VMCS region, and the VMXON region after it unless placed. */
	struct sc_vmcs *vc = &sc->vmcs;
	struct sc_mark at = vc->given ? vc->mark : sc->mode_at;
	uint64_t len = vc->at.set || vc->vmxon.set ? VMCS_REGION_SIZE : 2 * VMCS_REGION_SIZE;
	if (sc_place(sc, d, &vc->at, len, top, "VMCS region", at, &vc->pa, &by_label) ||
	    check_aligned(d, &vc->at, at, "vmcs.at", vc->pa))
		return 1;
	struct sc_blob *b = sc_add_blob(sc, "VMCS region", at, vc->pa, NULL, VMCS_REGION_SIZE);
	if (!b)
		return 1;
	b->inside_load = by_label;
	if (vc->vmxon.set) {
		if (sc_place(sc, d, &vc->vmxon, VMCS_REGION_SIZE, top, "VMXON region", at, &vc->vmxon_pa, &by_label) ||
		    check_aligned(d, &vc->vmxon, at, "vmcs.vmxon", vc->vmxon_pa))
			return 1;
	} else {
		vc->vmxon_pa = vc->pa + VMCS_REGION_SIZE;
	}
	b = sc_add_blob(sc, "VMXON region", vc->vmxon.set ? vc->vmxon.at : at, vc->vmxon_pa, NULL, VMCS_REGION_SIZE);
	if (!b)
		return 1;
	b->inside_load = by_label;
	/* 3. Field values, now that labels and the EPTP are known. */
	for (int i = 0; i < vc->n; i++)
		errors += resolve_field(sc, d, &vc->f[i]);
	return errors;
}

/* ------------------------------------------------------------ VMX operation at load */

/*
 * The host needs TR != 0 naming a TSS (VM-entry checks on host state, SDM
 * Vol. 3C, 27.2.3). A scenario without a gdt: section runs on the
 * loader's GDT (null, 64-bit code 08h, data 10h, 32-bit code 18h at the
 * start of the top 28 KiB of RAM); the loader then adds a 16-byte TSS
 * descriptor at 20h and a zeroed 64-bit TSS at GDT + 80h (or the tss:
 * section's TSS, if it has one without sel:), and loads TR with 20h.
 */
#define HOST_TSS_SEL 0x20
#define HOST_TSS_OFF 0x80

static int host_tss(struct scenario *sc, struct machine *m, struct diag *d)
{
	struct vt_segment tr;
	machine_seg_get(m, VT_SREG_TR, &tr);
	if (tr.sel & 0xfffc)
		return 0;
	if (sc->gdt.given) {
		diag_error(d, sc->gdt.mark.line, sc->gdt.mark.col,
			   "gdt: a VMX host needs TR to name a TSS (SDM Vol. 3C, 27.2.3), and this gdt: has none loaded (expected a tss: section with sel:, e.g. tss: {sel: 0x28})");
		return 1;
	}
	uint64_t gdt;
	uint16_t limit;
	machine_dtr_get(m, false, &gdt, &limit);
	uint64_t tss = sc->tss.given ? sc->tss.lin : gdt + HOST_TSS_OFF;
	if (!sc->tss.given) {
		static const uint8_t zero[0x68];
		uint16_t iomap = 0x68; /* no I/O permission bitmap */
		machine_phys_write(m, tss, zero, sizeof zero);
		machine_phys_write(m, tss + 0x66, &iomap, 2);
	}
	/* A busy 64-bit TSS (type 11), present, limit 67H (SDM Vol. 3A, 8.2.3). */
	uint64_t lo = 0x67 | (tss & 0xffffff) << 16 | 0xbull << 40 | 1ull << 47 | ((tss >> 24) & 0xff) << 56;
	uint64_t hi = tss >> 32;
	machine_phys_write(m, gdt + HOST_TSS_SEL, &lo, 8);
	machine_phys_write(m, gdt + HOST_TSS_SEL + 8, &hi, 8);
	if (limit < HOST_TSS_SEL + 15)
		machine_dtr_set(m, false, gdt, HOST_TSS_SEL + 15);
	tr = (struct vt_segment){ HOST_TSS_SEL, tss, 0x67, 0x8b };
	machine_seg_set(m, VT_SREG_TR, &tr);
	return 0;
}

int sc_vmx_apply(struct scenario *sc, struct machine *m, struct diag *d)
{
	const char *mode = sc->vmx == SCV_ROOT ? "vmx-root" : "vmx-nonroot";
	struct sc_mark at = sc->mode_at;
	char err[256];
	/* 1. A TSS for the host, if the scenario has none. */
	if (host_tss(sc, m, d))
		return -1;
	/* 2. VMXON and VMPTRLD, as firmware and a hypervisor would. */
	if (machine_vmx_on(m, sc->vmcs.vmxon_pa, sc->vmcs.pa, err, sizeof err) != 0) {
		diag_error(d, at.line, at.col, "machine.mode: %s: %s", mode, err);
		return -1;
	}
	/* 3. The VMCS: fixed-1 controls and IA-32e mode, host and guest state
	 *    from the CPU as set up so far, then the fields as written; lists
	 *    of controls or exceptions are ORed onto what is there. */
	machine_vmcs_defaults(m);
	machine_vmcs_capture_host(m);
	machine_vmcs_capture_guest(m);
	for (int i = 0; i < sc->vmcs.n; i++) {
		const struct sc_vmcs_val *f = &sc->vmcs.f[i];
		uint64_t v = f->val, old = 0;
		if (f->form == VMF_LIST && machine_vmcs_read(m, f->enc, &old))
			v |= old;
		if (!machine_vmcs_write(m, f->enc, v)) {
			diag_error(d, f->mark.line, f->mark.col, "vmcs.fields.%s: the VMCS has no such field", f->name);
			return -1;
		}
	}
	/* 4. vmx-nonroot: VM entry as VMLAUNCH performs it. */
	if (sc->vmx == SCV_NONROOT && machine_vmx_launch(m, err, sizeof err) != 0) {
		struct sc_mark va = sc->vmcs.given ? sc->vmcs.mark : at;
		const char *why = machine_vmx_why(m);
		bool said = strncmp(why, "VM entry failed", 15) == 0;
		diag_error(d, va.line, va.col, "vmx-nonroot: %s%s (expected a VMCS that passes the VM-entry checks)",
			   said ? "" : "VM entry failed: ", why);
		return -1;
	}
	return 0;
}
