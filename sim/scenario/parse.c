/* parse.c - the scenario's top level: name, machine, memory, registers, control, msrs, narrate, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parse.h"

/* ------------------------------------------------------------ bit names */

const struct sc_bitname cr0_bits[] = {
	{ "pe", 1ull << 0 }, { "mp", 1ull << 1 }, { "em", 1ull << 2 }, { "ts", 1ull << 3 },
	{ "et", 1ull << 4 }, { "ne", 1ull << 5 }, { "wp", 1ull << 16 }, { "am", 1ull << 18 },
	{ "nw", 1ull << 29 }, { "cd", 1ull << 30 }, { "pg", 1ull << 31 }, { NULL, 0 },
};
const struct sc_bitname cr4_bits[] = {
	{ "vme", 1ull << 0 }, { "pvi", 1ull << 1 }, { "tsd", 1ull << 2 }, { "de", 1ull << 3 },
	{ "pse", 1ull << 4 }, { "pae", 1ull << 5 }, { "mce", 1ull << 6 }, { "pge", 1ull << 7 },
	{ "pce", 1ull << 8 }, { "osfxsr", 1ull << 9 }, { "osxmmexcpt", 1ull << 10 }, { "umip", 1ull << 11 },
	{ "la57", 1ull << 12 }, { "vmxe", 1ull << 13 }, { "smxe", 1ull << 14 }, { "fsgsbase", 1ull << 16 },
	{ "pcide", 1ull << 17 }, { "osxsave", 1ull << 18 }, { "smep", 1ull << 20 }, { "smap", 1ull << 21 },
	{ "pke", 1ull << 22 }, { NULL, 0 },
};
const struct sc_bitname efer_bits[] = {
	{ "sce", 1ull << 0 }, { "lme", 1ull << 8 }, { "lma", 1ull << 10 }, { "nxe", 1ull << 11 }, { NULL, 0 },
};
/* RFLAGS (SDM Vol. 1, 3.4.3); iopl1..iopl3 set the two-bit IOPL field. */
const struct sc_bitname rflags_bits[] = {
	{ "cf", 1ull << 0 }, { "pf", 1ull << 2 }, { "af", 1ull << 4 }, { "zf", 1ull << 6 },
	{ "sf", 1ull << 7 }, { "tf", 1ull << 8 }, { "if", 1ull << 9 }, { "df", 1ull << 10 },
	{ "of", 1ull << 11 }, { "iopl1", 1ull << 12 }, { "iopl2", 2ull << 12 }, { "iopl3", 3ull << 12 },
	{ "nt", 1ull << 14 }, { "rf", 1ull << 16 }, { "vm", 1ull << 17 }, { "ac", 1ull << 18 },
	{ "vif", 1ull << 19 }, { "vip", 1ull << 20 }, { "id", 1ull << 21 }, { NULL, 0 },
};

static void bit_list(const struct sc_bitname *t, char *buf, size_t len)
{
	size_t pos = 0;
	buf[0] = 0;
	for (int i = 0; t[i].name && pos < len; i++)
		pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", i ? " " : "", t[i].name);
}

/* A register value: a number (or label), or a list of bit names ORed together. */
int sc_bits_from(struct yctx *y, yaml_node_t *n, const char *what, const struct sc_bitname *t,
		 uint64_t always, struct sc_num *out)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return sc_num_from(y, n, NUM_SIGNED | NUM_LABEL, what, out);
	*out = (struct sc_num){ .set = true, .at = y_mark(n), .v = always };
	int errors = 0;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_mark m = y_mark(e);
		char names[400];
		bit_list(t, names, sizeof names);
		if (e->type != YAML_SCALAR_NODE) {
			diag_error(y->d, m.line, m.col, "%s: a list item is %s (expected a bit name: %s)", what, y_kind(e), names);
			errors++;
			continue;
		}
		const char *s = (const char *)e->data.scalar.value;
		int k = -1;
		for (int i = 0; t[i].name; i++)
			if (strcasecmp(t[i].name, s) == 0)
				k = i;
		if (k < 0) {
			diag_error(y->d, m.line, m.col, "%s: unknown bit '%s' (expected one of: %s)", what, s, names);
			errors++;
			continue;
		}
		out->v |= t[k].bit;
	}
	return errors;
}

/* ------------------------------------------------------------ top level */

static int p_name(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_str_from(y, v, "name", &y->sc->name);
}

static int p_description(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_str_from(y, v, "description", &y->sc->description);
}

/* machine: */
static int m_memory(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	uint64_t x;
	if (sc_u64_from(y, v, "machine.memory", &x))
		return 1;
	struct sc_mark m = y_mark(v);
	if (x < 0x10000 || x > (64ull << 30) || (x & 0xfff)) {
		diag_error(y->d, m.line, m.col,
			   "machine.memory: %s is not a RAM size (expected 64K to 64G in whole 4 KiB pages, e.g. 16M)",
			   (const char *)v->data.scalar.value);
		return 1;
	}
	y->sc->memory = x;
	return 0;
}

/* vmx-root and vmx-nonroot start as long64 does, then enter VMX operation. */
static const struct {
	const char *name;   /* as written */
	enum sc_mode mode;  /* the CPU's starting mode */
	enum sc_vmx vmx;    /* VMX operation on top of it */
} mode_names[] = {
	{ "real", SCM_REAL, SCV_NONE }, { "real16", SCM_REAL, SCV_NONE }, { "prot32", SCM_PROT32, SCV_NONE },
	{ "long64", SCM_LONG64, SCV_NONE }, { "vmx-root", SCM_LONG64, SCV_ROOT },
	{ "vmx-nonroot", SCM_LONG64, SCV_NONROOT },
};

static int m_mode(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	char *s;
	if (sc_str_from(y, v, "machine.mode", &s))
		return 1;
	struct sc_mark m = y_mark(v);
	y->sc->mode_at = m;
	for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++) {
		if (strcmp(s, mode_names[i].name) != 0)
			continue;
		y->sc->mode = mode_names[i].mode;
		y->sc->vmx = mode_names[i].vmx;
		return 0;
	}
	diag_error(y->d, m.line, m.col, "machine.mode: unknown mode '%s' (expected real, prot32, long64, vmx-root or vmx-nonroot)", s);
	return 1;
}

/* machine.tlb: untagged flushes every translation on each VM entry and exit. */
static int m_tlb(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	char *s;
	if (sc_str_from(y, v, "machine.tlb", &s))
		return 1;
	if (strcmp(s, "untagged") == 0 || strcmp(s, "tagged") == 0) {
		y->sc->tlb_untagged = s[0] == 'u';
		return 0;
	}
	struct sc_mark m = y_mark(v);
	diag_error(y->d, m.line, m.col, "machine.tlb: unknown TLB model '%s' (expected tagged or untagged)", s);
	return 1;
}

static int m_profile(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	y->sc->profile_at = y_mark(v);
	return sc_str_from(y, v, "machine.profile", &y->sc->profile);
}

static int m_entry(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	return sc_num_from(y, v, NUM_LABEL, "machine.entry", &y->sc->entry);
}

static const struct sc_key machine_keys[] = {
	{ "memory", m_memory }, { "mode", m_mode }, { "profile", m_profile }, { "entry", m_entry },
	{ "tlb", m_tlb },
};

static int p_machine(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_walk_map(y, v, "machine", machine_keys, (int)(sizeof machine_keys / sizeof machine_keys[0]), o);
}

/* ------------------------------------------------------------ memory: */

static int l_at(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_PLAIN, "memory entry at", &((struct sc_load *)o)->at);
}

static int l_va(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_num_from(y, v, NUM_PLAIN, "memory entry va", &((struct sc_load *)o)->va);
}

static int l_bits(struct yctx *y, yaml_node_t *v, void *o)
{
	uint64_t b;
	if (sc_u64_from(y, v, "memory entry bits", &b))
		return 1;
	if (b != 16 && b != 32 && b != 64) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "memory entry bits: %llu (expected 16, 32 or 64)", (unsigned long long)b);
		return 1;
	}
	((struct sc_load *)o)->bits = (int)b;
	return 0;
}

/* Where the text of a literal block scalar starts, and its indentation. */
static void block_position(const struct scenario *sc, const yaml_node_t *v, int *line, int *col)
{
	int l0 = (int)v->start_mark.line + 1; /* the line with '|' */
	*line = l0 + 1;
	*col = 1;
	const char *p = sc->text;
	for (int l = 1; l < l0 + 1 && *p; l++) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return;
		p = nl + 1;
	}
	/* The first non-blank line gives the indentation. */
	for (const char *q = p; *q;) {
		int ind = 0;
		while (q[ind] == ' ')
			ind++;
		if (q[ind] != '\n' && q[ind] != '\r' && q[ind] != 0) {
			*col = ind + 1;
			return;
		}
		const char *nl = strchr(q, '\n');
		if (!nl)
			return;
		q = nl + 1;
	}
}

static int set_src(struct yctx *y, yaml_node_t *v, struct sc_load *l, enum sc_load_kind kind, const char *key)
{
	if ((int)l->kind != -1) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col,
			   "memory entry: '%s' and another content key in one entry (expected exactly one of asm, asm_file, binary, elf, bytes)",
			   key);
		return 1;
	}
	char what[40];
	snprintf(what, sizeof what, "memory entry %s", key);
	if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col, "%s: got %s (expected %s)", what, y_kind(v),
			   kind == LK_ASM ? "NASM source text, e.g. a literal block after 'asm: |'" : "a file name");
		return 1;
	}
	if (sc_str_from(y, v, what, &l->src))
		return 1;
	l->kind = kind;
	l->src_mark = y_mark(v);
	if (kind == LK_ASM) {
		l->src_block = v->data.scalar.style == YAML_LITERAL_SCALAR_STYLE;
		if (l->src_block) {
			block_position(y->sc, v, &l->src_line, &l->src_col);
		} else {
			l->src_line = l->src_mark.line;
			l->src_col = l->src_mark.col;
		}
	}
	return 0;
}

static int l_asm(struct yctx *y, yaml_node_t *v, void *o)
{
	return set_src(y, v, o, LK_ASM, "asm");
}

static int l_asm_file(struct yctx *y, yaml_node_t *v, void *o)
{
	return set_src(y, v, o, LK_ASM_FILE, "asm_file");
}

static int l_binary(struct yctx *y, yaml_node_t *v, void *o)
{
	return set_src(y, v, o, LK_BINARY, "binary");
}

static int l_elf(struct yctx *y, yaml_node_t *v, void *o)
{
	return set_src(y, v, o, LK_ELF, "elf");
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes as hex text ("90 90 f4", "9090f4") or a list of numbers 0..255. */
int sc_bytes_from(struct yctx *y, yaml_node_t *v, const char *what, uint8_t **out, size_t *len)
{
	struct sc_mark m = y_mark(v);
	if (v->type == YAML_SEQUENCE_NODE) {
		size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		uint8_t *b = sc_alloc(y->sc, n);
		if (!b)
			return 1;
		size_t k = 0;
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(y->doc, *it);
			uint64_t x;
			if (sc_u64_from(y, e, what, &x))
				return 1;
			if (x > 255) {
				struct sc_mark em = y_mark(e);
				diag_error(y->d, em.line, em.col, "%s: %llu is not a byte (expected 0 to 255)", what,
					   (unsigned long long)x);
				return 1;
			}
			b[k++] = (uint8_t)x;
		}
		if (n == 0) {
			diag_error(y->d, m.line, m.col, "%s: an empty list (expected at least one byte)", what);
			return 1;
		}
		*out = b;
		*len = n;
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0) {
		diag_error(y->d, m.line, m.col, "%s: got %s (expected hex bytes such as \"90 90 f4\" or a list of numbers)",
			   what, y_kind(v));
		return 1;
	}
	const char *s = (const char *)v->data.scalar.value;
	uint8_t *b = sc_alloc(y->sc, strlen(s) / 2 + 1);
	if (!b)
		return 1;
	size_t n = 0;
	for (const char *p = s; *p;) {
		if (*p == ' ' || *p == '\n' || *p == '\t' || *p == ',') {
			p++;
			continue;
		}
		int hi = hexval(p[0]), lo = hi >= 0 ? hexval(p[1]) : -1;
		if (hi < 0 || lo < 0) {
			diag_error(y->d, m.line, m.col, "%s: '%.2s' at offset %d is not a hex byte (expected pairs of hex digits such as \"90 90 f4\")",
				   what, p, (int)(p - s));
			return 1;
		}
		b[n++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (n == 0) {
		diag_error(y->d, m.line, m.col, "%s: no bytes (expected hex bytes such as \"90 90 f4\")", what);
		return 1;
	}
	*out = b;
	*len = n;
	return 0;
}

static int l_bytes(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_load *l = o;
	if ((int)l->kind != -1) {
		struct sc_mark m = y_mark(v);
		diag_error(y->d, m.line, m.col,
			   "memory entry: 'bytes' and another content key in one entry (expected exactly one of asm, asm_file, binary, elf, bytes)");
		return 1;
	}
	l->kind = LK_BYTES;
	l->src_mark = y_mark(v);
	return sc_bytes_from(y, v, "memory entry bytes", &l->data, &l->len);
}

static const struct sc_key load_keys[] = {
	{ "asm", l_asm }, { "asm_file", l_asm_file }, { "binary", l_binary }, { "elf", l_elf },
	{ "bytes", l_bytes }, { "at", l_at }, { "va", l_va }, { "bits", l_bits },
};

static int p_memory(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col, "memory: got %s (expected a list of entries such as '- {asm: ..., at: 0x1000}')",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_load *l = sc_push(sc, (void **)&sc->load, &sc->nload, &sc->capload, sizeof *l);
		if (!l)
			return errors + 1;
		l->mark = y_mark(e);
		l->kind = -1;
		int err = sc_walk_map(y, e, "memory entry", load_keys, (int)(sizeof load_keys / sizeof load_keys[0]), l);
		errors += err;
		if (err)
			continue;
		if ((int)l->kind == -1) {
			diag_error(y->d, l->mark.line, l->mark.col,
				   "memory entry: nothing to load (expected one of asm, asm_file, binary, elf, bytes)");
			errors++;
		} else if (!l->at.set && l->kind != LK_ELF) {
			diag_error(y->d, l->mark.line, l->mark.col,
				   "memory entry: no 'at' (expected the physical address to load at, e.g. at: 0x100000)");
			errors++;
		} else if (l->va.set && l->kind != LK_ASM && l->kind != LK_ASM_FILE) {
			diag_error(y->d, l->va.at.line, l->va.at.col,
				   "memory entry va: only asm and asm_file entries have a linear address (expected no va here)");
			errors++;
		} else if (l->bits && l->kind != LK_ASM && l->kind != LK_ASM_FILE) {
			diag_error(y->d, l->mark.line, l->mark.col, "memory entry bits: only asm and asm_file entries are assembled");
			errors++;
		}
	}
	return errors;
}

/* ------------------------------------------------------------ registers: */

static int seg_selector(struct yctx *y, yaml_node_t *v, void *o)
{
	struct sc_segreg *s = o;
	return sc_num_from(y, v, NUM_PLAIN, "segment selector", &s->sel);
}

static int p_segreg(struct yctx *y, yaml_node_t *v, struct sc_segreg *s, const char *name)
{
	char where[40];
	snprintf(where, sizeof where, "registers.%s", name);
	s->given = true;
	s->mark = y_mark(v);
	if (v->type == YAML_SCALAR_NODE) {
		if (sc_num_from(y, v, NUM_PLAIN, where, &s->sel))
			return 1;
	} else {
		/* selector plus the hidden part as descriptor fields */
		s->hidden = true;
		s->d = (struct sc_desc){ .mark = s->mark, .type = -1, .s = -1, .dpl = -1, .present = -1,
					 .db = -1, .l = -1, .g = -1, .avl = -1, .target_sel = -1 };
		if (sc_parse_desc_fields(y, v, where, &s->d, seg_selector, s))
			return 1;
		if (!s->sel.set) {
			diag_error(y->d, s->mark.line, s->mark.col, "%s: no selector (expected selector: with the hidden fields)", where);
			return 1;
		}
	}
	if (s->sel.v > 0xffff) {
		diag_error(y->d, s->sel.at.line, s->sel.at.col, "%s: selector 0x%llx is wider than 16 bits", where,
			   (unsigned long long)s->sel.v);
		return 1;
	}
	return 0;
}

static int p_registers(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "registers: got %s (expected a mapping such as {rax: 1, rsp: stack_top})", y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		const char *name = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";
		int id = machine_reg_id(name);
		bool dup = false;
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(y->doc, q->key);
			dup |= k2->type == YAML_SCALAR_NODE && strcmp((const char *)k2->data.scalar.value, name) == 0;
		}
		if (dup) {
			diag_error(y->d, km.line, km.col, "registers: key '%s' given twice", name);
			errors++;
			continue;
		}
		if (id >= VT_ES && id <= VT_GS) {
			errors += p_segreg(y, val, &sc->seg[id - VT_ES], name);
		} else if (id == VT_RFLAGS) {
			errors += sc_bits_from(y, val, "registers.rflags", rflags_bits, 2, &sc->reg[id]);
		} else if (id >= 0 && id <= VT_GS_BASE) {
			char what[32];
			snprintf(what, sizeof what, "registers.%s", name);
			errors += sc_num_from(y, val, NUM_SIGNED | NUM_LABEL, what, &sc->reg[id]);
		} else if (id >= VT_CR0 && id <= VT_EFER) {
			diag_error(y->d, km.line, km.col, "registers: '%s' is a control register (expected it under control:)", name);
			errors++;
		} else {
			const char *cand[VT_CR0];
			for (int i = 0; i < VT_CR0; i++)
				cand[i] = machine_reg_name((enum vt_reg)i);
			const char *near = sc_suggest(name, cand, VT_CR0);
			if (near)
				diag_error(y->d, km.line, km.col, "registers: unknown register '%s' (did you mean '%s'?)", name, near);
			else
				diag_error(y->d, km.line, km.col,
					   "registers: unknown register '%s' (expected rax..r15, rip, rflags, es, cs, ss, ds, fs, gs, fs_base or gs_base)",
					   name);
			errors++;
		}
	}
	return errors;
}

/* ------------------------------------------------------------ control: */

static int c_reg(struct yctx *y, yaml_node_t *v, int idx, const char *name, const struct sc_bitname *bits)
{
	char what[32];
	snprintf(what, sizeof what, "control.%s", name);
	if (bits)
		return sc_bits_from(y, v, what, bits, 0, &y->sc->ctl[idx]);
	return sc_num_from(y, v, NUM_LABEL, what, &y->sc->ctl[idx]);
}

static int c_cr0(struct yctx *y, yaml_node_t *v, void *o) { (void)o; return c_reg(y, v, 0, "cr0", cr0_bits); }
static int c_cr2(struct yctx *y, yaml_node_t *v, void *o) { (void)o; return c_reg(y, v, 1, "cr2", NULL); }
static int c_cr3(struct yctx *y, yaml_node_t *v, void *o) { (void)o; return c_reg(y, v, 2, "cr3", NULL); }
static int c_cr4(struct yctx *y, yaml_node_t *v, void *o) { (void)o; return c_reg(y, v, 3, "cr4", cr4_bits); }
static int c_efer(struct yctx *y, yaml_node_t *v, void *o) { (void)o; return c_reg(y, v, 4, "efer", efer_bits); }

static const struct sc_key control_keys[] = {
	{ "cr0", c_cr0 }, { "cr2", c_cr2 }, { "cr3", c_cr3 }, { "cr4", c_cr4 }, { "efer", c_efer },
};

static int p_control(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_walk_map(y, v, "control", control_keys, (int)(sizeof control_keys / sizeof control_keys[0]), o);
}

/* ------------------------------------------------------------ msrs: */

/* Architectural MSRs by SDM name (Vol. 4, Table 2-2). */
static const struct {
	const char *name;   /* SDM name */
	uint32_t index;     /* number */
} msr_names[] = {
	{ "IA32_TIME_STAMP_COUNTER", 0x10 }, { "IA32_APIC_BASE", 0x1b }, { "IA32_FEATURE_CONTROL", 0x3a },
	{ "IA32_TSC_ADJUST", 0x3b }, { "IA32_SYSENTER_CS", 0x174 }, { "IA32_SYSENTER_ESP", 0x175 },
	{ "IA32_SYSENTER_EIP", 0x176 }, { "IA32_MISC_ENABLE", 0x1a0 }, { "IA32_PAT", 0x277 },
	{ "IA32_EFER", 0xc0000080 }, { "IA32_STAR", 0xc0000081 }, { "IA32_LSTAR", 0xc0000082 },
	{ "IA32_CSTAR", 0xc0000083 }, { "IA32_FMASK", 0xc0000084 }, { "IA32_FS_BASE", 0xc0000100 },
	{ "IA32_GS_BASE", 0xc0000101 }, { "IA32_KERNEL_GS_BASE", 0xc0000102 }, { "IA32_TSC_AUX", 0xc0000103 },
};

static int p_msrs(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_MAPPING_NODE) {
		diag_error(y->d, m.line, m.col, "msrs: got %s (expected a mapping such as {IA32_LSTAR: syscall_entry, 0x174: 8})",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(y->doc, p->value);
		struct sc_mark km = y_mark(k);
		if (k->type != YAML_SCALAR_NODE) {
			diag_error(y->d, km.line, km.col, "msrs: a key is %s (expected an MSR name or number)", y_kind(k));
			errors++;
			continue;
		}
		const char *name = (const char *)k->data.scalar.value;
		uint64_t idx = 0;
		const char *why;
		bool found = false;
		for (size_t i = 0; i < sizeof msr_names / sizeof msr_names[0]; i++)
			if (strcasecmp(msr_names[i].name, name) == 0) {
				idx = msr_names[i].index;
				found = true;
			}
		if (!found && !sc_parse_u64(name, false, &idx, &why)) {
			const char *cand[sizeof msr_names / sizeof msr_names[0]];
			for (size_t i = 0; i < sizeof msr_names / sizeof msr_names[0]; i++)
				cand[i] = msr_names[i].name;
			const char *near = sc_suggest(name, cand, (int)(sizeof msr_names / sizeof msr_names[0]));
			diag_error(y->d, km.line, km.col, "msrs: unknown MSR '%s' (%s%s%sexpected an SDM name such as IA32_LSTAR or a number such as 0xC0000082)",
				   name, near ? "did you mean '" : "", near ? near : "", near ? "'? " : "");
			errors++;
			continue;
		}
		if (idx > 0xffffffffull) {
			diag_error(y->d, km.line, km.col, "msrs: MSR number %s is wider than 32 bits", name);
			errors++;
			continue;
		}
		bool dup = false;
		for (int i = 0; i < sc->nmsr; i++)
			dup |= sc->msr[i].index == (uint32_t)idx;
		if (dup) {
			diag_error(y->d, km.line, km.col, "msrs: MSR 0x%llx given twice", (unsigned long long)idx);
			errors++;
			continue;
		}
		struct sc_msr *r = sc_push(sc, (void **)&sc->msr, &sc->nmsr, &sc->capmsr, sizeof *r);
		if (!r)
			return errors + 1;
		r->mark = km;
		r->index = (uint32_t)idx;
		errors += sc_num_from(y, val, NUM_SIGNED | NUM_LABEL, "msrs value", &r->v);
	}
	return errors;
}

/* ------------------------------------------------------------ narrate: */

static int n_on(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_parse_pattern(y, v, "narrate.on", &((struct sc_narration *)o)->on, NULL, 0);
}

static int n_say(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_str_from(y, v, "narrate.say", &((struct sc_narration *)o)->say);
}

static int n_once(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_bool_from(y, v, "narrate.once", &((struct sc_narration *)o)->once);
}

static const struct sc_key narrate_keys[] = { { "on", n_on }, { "say", n_say }, { "once", n_once } };

static int p_narrate(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	struct scenario *sc = y->sc;
	struct sc_mark m = y_mark(v);
	if (v->type != YAML_SEQUENCE_NODE) {
		diag_error(y->d, m.line, m.col,
			   "narrate: got %s (expected a list of entries such as '- {on: {kind: exception, vector: \"#PF\"}, say: ...}')",
			   y_kind(v));
		return 1;
	}
	int errors = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(y->doc, *it);
		struct sc_narration *n = sc_push(sc, (void **)&sc->narr, &sc->nnarr, &sc->capnarr, sizeof *n);
		if (!n)
			return errors + 1;
		n->mark = y_mark(e);
		n->on.kind = -1;
		int err = sc_walk_map(y, e, "narrate entry", narrate_keys, 3, n);
		errors += err;
		if (err)
			continue;
		if (n->on.kind < 0 || !n->say) {
			diag_error(y->d, n->mark.line, n->mark.col, "narrate entry: no '%s' (expected both on: (an event pattern) and say: (the text))",
				   n->on.kind < 0 ? "on" : "say");
			errors++;
		}
	}
	return errors;
}

/* ------------------------------------------------------------ limits: */

static int lim_insns(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	y->sc->insns_at = y_mark(v);
	if (sc_u64_from(y, v, "limits.instructions", &y->sc->max_insns))
		return 1;
	if (y->sc->max_insns == 0) {
		diag_error(y->d, y->sc->insns_at.line, y->sc->insns_at.col, "limits.instructions: 0 (expected a positive count)");
		return 1;
	}
	return 0;
}

static int lim_cycles(struct yctx *y, yaml_node_t *v, void *o)
{
	(void)o;
	y->sc->cycles_at = y_mark(v);
	if (sc_u64_from(y, v, "limits.cycles", &y->sc->max_cycles))
		return 1;
	if (y->sc->max_cycles == 0) {
		diag_error(y->d, y->sc->cycles_at.line, y->sc->cycles_at.col, "limits.cycles: 0 (expected a positive count)");
		return 1;
	}
	return 0;
}

static const struct sc_key limit_keys[] = { { "instructions", lim_insns }, { "cycles", lim_cycles } };

static int p_limits(struct yctx *y, yaml_node_t *v, void *o)
{
	return sc_walk_map(y, v, "limits", limit_keys, 2, o);
}

/* The top-level keys, in the order docs/scenario-format.md describes them. */
static const struct sc_key top_keys[] = {
	{ "name", p_name },
	{ "description", p_description },
	{ "machine", p_machine },
	{ "memory", p_memory },
	{ "gdt", sc_p_gdt },
	{ "ldt", sc_p_ldt },
	{ "idt", sc_p_idt },
	{ "tss", sc_p_tss },
	{ "paging", sc_p_paging },
	{ "ept", sc_p_ept },
	{ "vmcs", sc_p_vmcs },
	{ "registers", p_registers },
	{ "control", p_control },
	{ "msrs", p_msrs },
	{ "narrate", p_narrate },
	{ "expect", sc_p_expect },
	{ "limits", p_limits },
};

int sc_parse_document(struct yctx *y, yaml_node_t *root)
{
	/* machine.mode decides defaults other sections use while parsing
	 * (the TSS format), so read it first. */
	if (root->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(y->doc, p->key);
			yaml_node_t *v = yaml_document_get_node(y->doc, p->value);
			if (k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "machine") != 0 ||
			    v->type != YAML_MAPPING_NODE)
				continue;
			for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
				yaml_node_t *k2 = yaml_document_get_node(y->doc, q->key);
				yaml_node_t *v2 = yaml_document_get_node(y->doc, q->value);
				if (k2->type != YAML_SCALAR_NODE || v2->type != YAML_SCALAR_NODE ||
				    strcmp((const char *)k2->data.scalar.value, "mode") != 0)
					continue;
				for (size_t i = 0; i < sizeof mode_names / sizeof mode_names[0]; i++)
					if (strcmp((const char *)v2->data.scalar.value, mode_names[i].name) == 0) {
						y->sc->mode = mode_names[i].mode;
						y->sc->vmx = mode_names[i].vmx;
					}
			}
		}
	}
	return sc_walk_map(y, root, "scenario", top_keys, (int)(sizeof top_keys / sizeof top_keys[0]), NULL);
}
