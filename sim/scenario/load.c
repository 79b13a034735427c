/* load.c - scenario_load: read the YAML, parse it, assemble, read files, resolve labels, lay out memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "internal.h"

#define MAX_SCENARIO_BYTES (16u << 20)
#define DEFAULT_MEMORY (32ull << 20)
#define DEFAULT_MAX_INSNS 10000000ull

static struct scenario *sc_new(const char *path)
{
	struct scenario *sc = calloc(1, sizeof *sc);
	if (!sc)
		return NULL;
	sc->file = sc_strdup(sc, path);
	const char *slash = strrchr(path, '/');
	sc->dir = slash ? sc_strndup(sc, path, slash == path ? 1 : (size_t)(slash - path)) : sc_strdup(sc, ".");
	sc->memory = DEFAULT_MEMORY;
	sc->mode = SCM_LONG64;
	sc->max_insns = DEFAULT_MAX_INSNS;
	sc->ex.stop = -1;
	sc->ex.exit_code = -1;
	sc->ex.shutdown = -1;
	sc->tlb_untagged = -1;
	if (!sc->file || !sc->dir) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (int i = 0; i < sc->nblocks; i++)
		free(sc->blocks[i]);
	free(sc->blocks);
	free(sc->load);
	free(sc->lab);
	free(sc->gdt.d);
	free(sc->ldt.d);
	free(sc->idt.g);
	free(sc->tss.f);
	free(sc->paging.m);
	free(sc->ept.m);
	free(sc->vmcs.f);
	free(sc->msr);
	free(sc->narr);
	free(sc->ex.reg);
	free(sc->ex.flag);
	free(sc->ex.mem);
	free(sc->ex.cnt);
	free(sc->ex.seq);
	free(sc->blob);
	free(sc);
}

/* libyaml's own errors: "FILE:LINE:COL: YAML syntax error: PROBLEM (CONTEXT)". */
/* The column (1-based) of a '#' after a space inside a flow collection
 * on line (1-based) of text, which YAML reads as a comment; or 0. */
static int hash_comment_on(const char *text, int line)
{
	const char *p = text;
	for (int l = 1; l < line && p; l++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || line < 1)
		return 0;
	const char *end = strchr(p, '\n');
	size_t n = end ? (size_t)(end - p) : strlen(p);
	bool flow = false;
	for (size_t i = 0; i < n; i++) {
		flow |= p[i] == '{' || p[i] == '[';
		if (flow && p[i] == '#' && i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t'))
			return (int)i + 1;
	}
	return 0;
}

static void yaml_problem(struct diag *d, const yaml_parser_t *p, const char *text)
{
	const yaml_mark_t *m = &p->problem_mark;
	int line = (int)m->line + 1, ctx = (int)p->context_mark.line + 1;
	if (p->error == YAML_SCANNER_ERROR && m->index < strlen(text) && text[m->index] == '\t') {
		diag_error(d, line, (int)m->column + 1, "YAML syntax error: a tab character (expected spaces: YAML indents with spaces only)");
		return;
	}
	int hl = hash_comment_on(text, ctx) ? ctx : hash_comment_on(text, line) ? line : hash_comment_on(text, line - 1) ? line - 1 : 0;
	if (p->context && hl) {
		diag_error(d, hl, hash_comment_on(text, hl),
			   "YAML syntax error: %s %s: a '#' after a space starts a comment (expected it quoted, e.g. vector: \"#GP\")",
			   p->problem ? p->problem : "", p->context);
		return;
	}
	const char *what = p->error == YAML_READER_ERROR ? "YAML input error" : "YAML syntax error";
	if (p->error == YAML_READER_ERROR) {
		diag_error(d, 0, 0, "%s: %s at byte %zu (expected UTF-8 text)", what, p->problem ? p->problem : "unreadable", p->problem_offset);
		return;
	}
	if (p->context && ctx != line)
		diag_error(d, line, (int)m->column + 1, "%s: %s %s started at line %d (expected well-formed YAML)", what,
			   p->problem ? p->problem : "", p->context, ctx);
	else if (p->context)
		diag_error(d, line, (int)m->column + 1, "%s: %s %s (expected well-formed YAML)", what, p->problem ? p->problem : "",
			   p->context);
	else
		diag_error(d, (int)m->line + 1, (int)m->column + 1, "%s: %s (expected well-formed YAML)", what, p->problem ? p->problem : "");
}

/* Rules that need the whole scenario. */
static int check_sections(struct scenario *sc, struct diag *d)
{
	int errors = 0;
	for (int i = 0; i < sc->nload; i++) {
		struct sc_load *l = &sc->load[i];
		if (l->kind == LK_ELF && l->at.set) {
			diag_error(d, l->at.at.line, l->at.at.col,
				   "memory entry at: an elf image loads where its program headers say (expected no at: for elf)");
			errors++;
		}
		l->pa = l->at.v;
		l->lin = l->va.set ? l->va.v : l->at.v;
	}
	if (sc->tss.given && sc->tss.sel >= 0 && !sc->gdt.given) {
		diag_error(d, sc->tss.sel_at.line, sc->tss.sel_at.col,
			   "tss.sel: there is no gdt: section to put the TSS descriptor in (expected a gdt: section)");
		errors++;
	}
	if (sc->ldt.given && !sc->gdt.given) {
		diag_error(d, sc->ldt.mark.line, sc->ldt.mark.col, "ldt: there is no gdt: section to put the LDT descriptor in (expected a gdt: section)");
		errors++;
	}
	errors += sc_vmx_check(sc, d);
	return errors;
}

/* Where execution starts: machine.entry, registers.rip, label start, an
 * ELF entry point, or the first memory entry. */
static int find_entry(struct scenario *sc, struct diag *d)
{
	if (sc->entry.set) {
		sc->entry_at = sc->entry.at;
		return sc_resolve(sc, d, &sc->entry, false, &sc->start_rip);
	}
	if (sc->reg[VT_RIP].set) {
		sc->entry_at = sc->reg[VT_RIP].at;
		return sc_resolve(sc, d, &sc->reg[VT_RIP], false, &sc->start_rip);
	}
	const struct sc_label *start = sc_label_find(sc, "start");
	if (start) {
		sc->start_rip = start->va;
		sc->entry_at = sc->load[start->load].mark;
		return 0;
	}
	for (int i = 0; i < sc->nload; i++)
		if (sc->load[i].kind == LK_ELF) {
			sc->start_rip = sc->load[i].elf_entry;
			sc->entry_at = sc->load[i].mark;
			return 0;
		}
	if (sc->nload == 0) {
		diag_error(d, 0, 0, "nothing to run: no memory: entries (expected at least one, e.g. memory: [{asm: ..., at: 0x1000}])");
		return 1;
	}
	sc->start_rip = sc->load[0].lin;
	sc->entry_at = sc->load[0].mark;
	return 0;
}

static int resolve_expectations(struct scenario *sc, struct diag *d)
{
	int errors = 0;
	uint64_t v;
	for (int i = 0; i < sc->nnarr; i++)
		errors += sc_resolve_pattern(sc, d, &sc->narr[i].on);
	for (int i = 0; i < sc->ex.ncnt; i++)
		errors += sc_resolve_pattern(sc, d, &sc->ex.cnt[i].p);
	for (int i = 0; i < sc->ex.nseq; i++)
		errors += sc_resolve_pattern(sc, d, &sc->ex.seq[i]);
	for (int i = 0; i < sc->ex.nreg; i++)
		errors += sc_resolve(sc, d, &sc->ex.reg[i].v, false, &v);
	for (int i = 0; i < sc->ex.nmem; i++) {
		const struct sc_expect_mem *em = &sc->ex.mem[i];
		if (sc_resolve(sc, d, &em->at, true, &v)) {
			errors++;
		} else if (v + em->len < v || v + em->len > sc->memory) {
			diag_error(d, em->at.at.line, em->at.at.col, "expect.memory at: 0x%llx + %zu bytes is outside RAM (machine.memory is 0x%llx)",
				   (unsigned long long)v, em->len, (unsigned long long)sc->memory);
			errors++;
		}
	}
	for (int i = 0; i < VT_REG_COUNT; i++)
		if (sc->reg[i].set)
			errors += sc_resolve(sc, d, &sc->reg[i], false, &v);
	for (int i = 0; i < 5; i++)
		if (sc->ctl[i].set)
			errors += sc_resolve(sc, d, &sc->ctl[i], false, &v);
	for (int i = 0; i < sc->nmsr; i++)
		errors += sc_resolve(sc, d, &sc->msr[i].v, false, &v);
	return errors;
}

static void compute_mask(struct scenario *sc)
{
	/* Exceptions, interrupts and shutdowns are rare: always watched, so
	 * failure messages can name the event that decided them. */
	uint32_t m = EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_SHUTDOWN);
	for (int i = 0; i < sc->nnarr; i++)
		m |= EVB(sc->narr[i].on.kind);
	for (int i = 0; i < sc->ex.ncnt; i++)
		m |= EVB(sc->ex.cnt[i].p.kind);
	for (int i = 0; i < sc->ex.nseq; i++)
		m |= EVB(sc->ex.seq[i].kind);
	sc->event_mask = m;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

struct scenario *scenario_load(const char *path, struct diag *d)
{
	struct scenario *sc = sc_new(path);
	if (!sc) {
		diag_error(d, 0, 0, "out of memory");
		return NULL;
	}
	uint8_t *text;
	size_t len;
	char err[256];
	if (sc_read_file(path, &text, &len, MAX_SCENARIO_BYTES, err, sizeof err) != 0) {
		diag_error(d, 0, 0, "cannot read the scenario: %s", err);
		scenario_free(sc);
		return NULL;
	}
	sc->text = sc_strndup(sc, (const char *)text, len);
	free(text);
	if (!sc->text) {
		scenario_free(sc);
		return NULL;
	}
	if (strlen(sc->text) != len) {
		diag_error(d, 0, 0, "the file contains a NUL byte (expected YAML text)");
		scenario_free(sc);
		return NULL;
	}

	/* 1. YAML into a document tree (libyaml keeps each node's line and column). */
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)sc->text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(d, &parser, sc->text);
		yaml_parser_delete(&parser);
		scenario_free(sc);
		return NULL;
	}
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		diag_error(d, 0, 0, "the scenario is empty (expected a mapping with at least memory:)");
		yaml_document_delete(&doc);
		yaml_parser_delete(&parser);
		scenario_free(sc);
		return NULL;
	}
	yaml_document_t doc2;
	if (yaml_parser_load(&parser, &doc2)) {
		yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
		if (r2)
			diag_error(d, (int)r2->start_mark.line + 1, (int)r2->start_mark.column + 1,
				   "a second YAML document (expected one scenario per file; remove the '---')");
		yaml_document_delete(&doc2);
	} else {
		yaml_problem(d, &parser, sc->text);
	}

	/* 2. The document into struct scenario, key by key. */
	struct yctx y = { sc, d, &doc };
	if (d->count == 0)
		sc_parse_document(&y, root);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (d->count)
		goto fail;
	if (!sc->name) {
		const char *b = base_name(path);
		const char *dot = strrchr(b, '.');
		sc->name = sc_strndup(sc, b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
	}

	/* 3. Files, assembly and labels; then where everything goes. */
	if (check_sections(sc, d) || sc_read_images(sc, d) || sc_assemble(sc, d))
		goto fail;
	/* Gates and call gates default to the starting CS when it is ring 0,
	 * else to 0x08, the kernel code selector by convention. */
	sc->start_cs = sc->mode == SCM_REAL ? 0 : 0x08;
	if (sc->seg[1].given && sc->mode != SCM_REAL && (sc->seg[1].sel.v & 3) == 0)
		sc->start_cs = (uint16_t)sc->seg[1].sel.v;
	if (find_entry(sc, d) || resolve_expectations(sc, d))
		goto fail;
	if (sc->mode == SCM_REAL && sc->start_rip >= 0x100000 && !sc->seg[1].given) {
		diag_error(d, sc->entry_at.line, sc->entry_at.col,
			   "the entry point 0x%llx is above 1 MiB, out of reach in real mode (expected code below 0x100000)",
			   (unsigned long long)sc->start_rip);
		goto fail;
	}
	if (sc->mode == SCM_PROT32 && sc->start_rip > 0xffffffffull) {
		diag_error(d, sc->entry_at.line, sc->entry_at.col, "the entry point 0x%llx is above 4 GiB, out of reach in prot32 mode",
			   (unsigned long long)sc->start_rip);
		goto fail;
	}
	if (sc_layout(sc, d))
		goto fail;
	compute_mask(sc);
	return sc;
fail:
	scenario_free(sc);
	return NULL;
}

const char *scenario_name(const struct scenario *sc)
{
	return sc->name;
}

const char *scenario_description(const struct scenario *sc)
{
	return sc->description ? sc->description : "";
}

const char *scenario_mode_name(const struct scenario *sc)
{
	static const char *const n[] = { "real", "prot32", "long64" };
	if (sc->vmx != SCV_NONE)
		return sc->vmx == SCV_ROOT ? "vmx-root" : "vmx-nonroot";
	return n[sc->mode];
}

uint64_t scenario_memory(const struct scenario *sc)
{
	return sc->memory;
}

const char *scenario_profile(const struct scenario *sc, int *line, int *col)
{
	*line = sc->profile_at.line;
	*col = sc->profile_at.col;
	return sc->profile;
}

uint64_t scenario_max_insns(const struct scenario *sc)
{
	return sc->max_insns;
}

uint64_t scenario_max_cycles(const struct scenario *sc)
{
	return sc->max_cycles;
}

uint32_t scenario_event_mask(const struct scenario *sc)
{
	return sc->event_mask;
}
