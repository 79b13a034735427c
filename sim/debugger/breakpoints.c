/* breakpoints.c - breakpoints on addresses and events, watchpoints, and the commands that manage them. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../paging/walk.h"
#include "../scenario/scenario.h"
#include "../trace/evfield.h"
#include "../vmx/vmcs.h"
#include "../vmx/vmx.h"
#include "internal.h"

static const char *const kind_names[] = {
	[BP_ADDR] = "address", [BP_PHYS] = "physical", [BP_GPA] = "guest-phys", [BP_EXCEPTION] = "exception",
	[BP_PAGEFAULT] = "pagefault", [BP_VMEXIT] = "vmexit", [BP_VMENTRY] = "vmentry",
	[BP_VMENTRY_FAIL] = "vmentry-fail", [BP_CPL] = "cpl-change", [BP_MODE] = "mode-change", [BP_IO] = "io",
	[BP_MSR] = "msr", [BP_WATCH] = "watch", [BP_RWATCH] = "rwatch", [BP_AWATCH] = "awatch",
};

int dbg_paging_mode(struct machine *m)
{
	struct walk_ctx ctx = { .cr0 = machine_reg_get(m, VT_CR0), .cr4 = machine_reg_get(m, VT_CR4),
				.efer = machine_reg_get(m, VT_EFER) };
	return (int)pg_mode(&ctx);
}

bool dbg_bp_any_mode(const struct dbg *d)
{
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].kind == BP_MODE && d->bp[i].enabled)
			return true;
	return false;
}

/* Find an MSR by name (case-insensitive, IA32_ optional) in the ranges vtsim implements. */
static bool msr_by_name(const char *s, uint32_t *out)
{
	static const uint32_t ranges[][2] = { { 0, 0x1000 }, { 0xc0000000, 0xc0000200 }, { 0xc0010000, 0xc0010200 } };
	for (int r = 0; r < 3; r++)
		for (uint32_t msr = ranges[r][0]; msr < ranges[r][1]; msr++) {
			const char *n = machine_msr_name(msr);
			if (n && (strcasecmp(n, s) == 0 || (strncasecmp(n, "IA32_", 5) == 0 && strcasecmp(n + 5, s) == 0))) {
				*out = msr;
				return true;
			}
		}
	return false;
}

bool dbg_parse_msr(struct dbg *d, const char *s, uint32_t *out)
{
	uint64_t v;
	if (dbg_parse_number(s, &v) && v <= 0xffffffffu) {
		*out = (uint32_t)v;
		return true;
	}
	if (msr_by_name(s, out))
		return true;
	dbg_error(d, "'%s' is not an MSR vtsim knows (give a name such as IA32_EFER or a number such as 0xc0000080)", s);
	return false;
}

static struct dbg_bp *add(struct dbg *d, enum bp_kind kind)
{
	if (d->nbp == DBG_MAX_BP) {
		dbg_error(d, "too many breakpoints (at most %d): delete some first", DBG_MAX_BP);
		return NULL;
	}
	struct dbg_bp *b = &d->bp[d->nbp++];
	*b = (struct dbg_bp){ .id = d->next_id++, .kind = kind, .enabled = true, .any = true };
	return b;
}

static const char *space_name(enum dbg_space s)
{
	return s == DBG_PHYS ? "physical" : s == DBG_GPA ? "guest-physical" : "linear";
}

static void describe(const struct dbg_bp *b, char *buf, size_t len)
{
	switch (b->kind) {
	case BP_ADDR: snprintf(buf, len, "rip == 0x%llx", (unsigned long long)b->arg); break;
	case BP_PHYS: snprintf(buf, len, "instruction at physical 0x%llx", (unsigned long long)b->arg); break;
	case BP_GPA: snprintf(buf, len, "instruction at guest-physical 0x%llx", (unsigned long long)b->arg); break;
	case BP_EXCEPTION:
		if (b->any)
			snprintf(buf, len, "any exception");
		else
			snprintf(buf, len, "exception %s (vector %llu)", ev_vector_name((unsigned)b->arg) ? ev_vector_name((unsigned)b->arg) : "INT n",
				 (unsigned long long)b->arg);
		break;
	case BP_PAGEFAULT: snprintf(buf, len, "page fault (#PF)"); break;
	case BP_VMEXIT:
		if (b->any)
			snprintf(buf, len, "any VM exit");
		else
			snprintf(buf, len, "VM exit %s (reason %llu)", vmx_exit_reason_name((unsigned)b->arg),
				 (unsigned long long)b->arg);
		break;
	case BP_VMENTRY: snprintf(buf, len, "VM entry"); break;
	case BP_VMENTRY_FAIL: snprintf(buf, len, "failed VM entry"); break;
	case BP_CPL: snprintf(buf, len, "CPL change"); break;
	case BP_MODE: snprintf(buf, len, "operating or paging mode change"); break;
	case BP_IO:
		if (b->any)
			snprintf(buf, len, "any I/O port");
		else
			snprintf(buf, len, "I/O port 0x%llx", (unsigned long long)b->arg);
		break;
	case BP_MSR:
		if (b->any)
			snprintf(buf, len, "RDMSR/WRMSR of any MSR");
		else {
			const char *n = machine_msr_name((uint32_t)b->arg);
			snprintf(buf, len, "RDMSR/WRMSR of %s (0x%llx)", n ? n : "MSR", (unsigned long long)b->arg);
		}
		break;
	case BP_WATCH:
	case BP_RWATCH:
	case BP_AWATCH:
		snprintf(buf, len, "%s of %u byte%s at %s 0x%llx",
			 b->kind == BP_WATCH ? "writes" : b->kind == BP_RWATCH ? "reads" : "reads and writes", b->len,
			 b->len == 1 ? "" : "s", space_name(b->space), (unsigned long long)b->arg);
		break;
	}
}

static void announce(struct dbg *d, const struct dbg_bp *b)
{
	char what[160];
	describe(b, what, sizeof what);
	dbg_printf(d, "%s %d: %s", b->kind >= BP_WATCH ? "Watchpoint" : "Breakpoint", b->id, what);
	if (b->cond.n)
		dbg_printf(d, " (stops only if %s)", b->cond.text);
	dbg_printf(d, "\n");
}

/* ---------------------------------------------------------------- conditions */

/* The parser's state: the text, where it is, the tree being built. */
struct cparse {
	struct dbg *d;          /* for labels */
	const char *p;          /* next character */
	struct dbg_cond *c;     /* the tree */
	char err[200];          /* the first error, or "" */
};

static int cnode(struct cparse *cp, enum cond_op op, int a, int b, uint64_t v, unsigned size)
{
	if (cp->err[0])
		return -1;
	if (cp->c->n == DBG_COND_NODES) {
		snprintf(cp->err, sizeof cp->err, "the condition is too long (at most %d terms and operators)", DBG_COND_NODES);
		return -1;
	}
	cp->c->node[cp->c->n] = (struct dbg_cond_node){ .op = (uint8_t)op, .size = (uint8_t)size, .a = (int8_t)a,
							.b = (int8_t)b, .v = v };
	return cp->c->n++;
}

static void cskip(struct cparse *cp)
{
	while (*cp->p == ' ' || *cp->p == '\t')
		cp->p++;
}

/* Is the next token t? Consume it if so. */
static bool ctake(struct cparse *cp, const char *t)
{
	cskip(cp);
	size_t n = strlen(t);
	if (strncmp(cp->p, t, n))
		return false;
	cp->p += n;
	return true;
}

static bool word_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_' || ch == '$' || ch == '.';
}

static int cond_or(struct cparse *cp);

/* A name or number: number, register, label, VMCS field (in that order). */
static int cond_word(struct cparse *cp)
{
	const char *start = cp->p;
	while (word_char(*cp->p))
		cp->p++;
	char w[64];
	size_t n = (size_t)(cp->p - start);
	if (n == 0) {
		if (!cp->err[0])
			snprintf(cp->err, sizeof cp->err, "expected a value at '%s'", *start ? start : "the end");
		return -1;
	}
	if (n >= sizeof w) {
		snprintf(cp->err, sizeof cp->err, "'%.*s' is too long for a name", (int)n, start);
		return -1;
	}
	snprintf(w, sizeof w, "%.*s", (int)n, start);
	uint64_t v;
	if (dbg_parse_number(w, &v))
		return cnode(cp, C_NUM, -1, -1, v, 0);
	char low[64];
	const char *r = w[0] == '$' ? w + 1 : w;
	size_t k;
	for (k = 0; r[k]; k++)
		low[k] = (char)tolower((unsigned char)r[k]);
	low[k] = 0;
	int id = machine_reg_id(low);
	if (id >= 0)
		return cnode(cp, C_REG, -1, -1, (uint64_t)id, 0);
	char wide[72];
	if (low[0] == 'e' && low[1]) { /* eax: the low half of rax */
		snprintf(wide, sizeof wide, "r%s", low + 1);
		if ((id = machine_reg_id(wide)) >= 0 && id <= VT_RFLAGS)
			return cnode(cp, C_REG32, -1, -1, (uint64_t)id, 0);
	}
	if (k >= 3 && low[0] == 'r' && low[k - 1] == 'd') { /* r8d */
		snprintf(wide, sizeof wide, "%.*s", (int)(k - 1), low);
		if ((id = machine_reg_id(wide)) >= 0 && id <= VT_R15)
			return cnode(cp, C_REG32, -1, -1, (uint64_t)id, 0);
	}
	if (cp->d->sc && scenario_label(cp->d->sc, w, &v, NULL))
		return cnode(cp, C_NUM, -1, -1, v, 0);
	const struct vmcs_field_info *f = vmcs_field_by_name(w);
	if (f && w[0] != '$')
		return cnode(cp, C_VMCS, -1, -1, f->enc, 0);
	snprintf(cp->err, sizeof cp->err, "'%s' is not a value (expected a number, a register such as rax%s, or a VMCS field "
		 "such as EXIT_QUALIFICATION)", w, cp->d->sc ? ", a label of the scenario" : "");
	return -1;
}

static int cond_primary(struct cparse *cp)
{
	cskip(cp);
	if (ctake(cp, "*")) {
		unsigned size = 8;
		const char *save = cp->p;
		if (ctake(cp, "(")) {
			static const struct { const char *name; unsigned size; } casts[] = {
				{ "u8", 1 }, { "u16", 2 }, { "u32", 4 }, { "u64", 8 },
			};
			size = 0;
			for (size_t i = 0; i < sizeof casts / sizeof casts[0] && !size; i++) {
				const char *at = cp->p;
				if (ctake(cp, casts[i].name) && !word_char(*cp->p) && ctake(cp, ")"))
					size = casts[i].size;
				else
					cp->p = at;
			}
			if (!size) { /* *(rsp+8): a parenthesized address */
				cp->p = save;
				size = 8;
			}
		}
		int a = cond_primary(cp);
		return a < 0 ? -1 : cnode(cp, C_MEM, a, -1, 0, size);
	}
	if (ctake(cp, "(")) {
		int a = cond_or(cp);
		if (a < 0)
			return -1;
		if (!ctake(cp, ")")) {
			snprintf(cp->err, sizeof cp->err, "expected ')' at '%s'", *cp->p ? cp->p : "the end");
			return -1;
		}
		return a;
	}
	return cond_word(cp);
}

static int cond_unary(struct cparse *cp)
{
	if (ctake(cp, "-")) {
		int a = cond_unary(cp);
		return a < 0 ? -1 : cnode(cp, C_NEG, a, -1, 0, 0);
	}
	return cond_primary(cp);
}

static int cond_sum(struct cparse *cp)
{
	int a = cond_unary(cp);
	while (a >= 0) {
		enum cond_op op;
		if (ctake(cp, "+"))
			op = C_ADD;
		else if (ctake(cp, "-"))
			op = C_SUB;
		else
			break;
		int b = cond_unary(cp);
		a = b < 0 ? -1 : cnode(cp, op, a, b, 0, 0);
	}
	return a;
}

static int cond_cmp(struct cparse *cp)
{
	static const struct { const char *tok; enum cond_op op; } rel[] = {
		{ "==", C_EQ }, { "!=", C_NE }, { "<=", C_LE }, { ">=", C_GE }, { "<", C_LT }, { ">", C_GT },
	};
	int a = cond_sum(cp);
	if (a < 0)
		return -1;
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
		if (ctake(cp, rel[i].tok)) {
			int b = cond_sum(cp);
			return b < 0 ? -1 : cnode(cp, rel[i].op, a, b, 0, 0);
		}
	cskip(cp);
	if (*cp->p == '=' && cp->p[1] != '=') {
		snprintf(cp->err, sizeof cp->err, "'=' is not a comparison: write '==' to compare");
		return -1;
	}
	return a;
}

static int cond_and(struct cparse *cp)
{
	int a = cond_cmp(cp);
	while (a >= 0 && ctake(cp, "&&")) {
		int b = cond_cmp(cp);
		a = b < 0 ? -1 : cnode(cp, C_AND, a, b, 0, 0);
	}
	return a;
}

static int cond_or(struct cparse *cp)
{
	int a = cond_and(cp);
	while (a >= 0 && ctake(cp, "||")) {
		int b = cond_and(cp);
		a = b < 0 ? -1 : cnode(cp, C_OR, a, b, 0, 0);
	}
	return a;
}

/* Parse words argv[0..argc) as a condition into *c; false with the error printed. */
static bool cond_parse(struct dbg *d, int argc, char **argv, struct dbg_cond *c)
{
	memset(c, 0, sizeof *c);
	size_t o = 0;
	for (int i = 0; i < argc; i++) {
		int n = snprintf(c->text + o, sizeof c->text - o, "%s%s", i ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof c->text - o) {
			dbg_error(d, "the condition is too long (at most %zu characters)", sizeof c->text - 1);
			return false;
		}
		o += (size_t)n;
	}
	if (!o) {
		dbg_error(d, "'if' needs a condition (for example: if rax == 1 && *(u8)0x1000 != 0)");
		return false;
	}
	struct cparse cp = { .d = d, .p = c->text, .c = c };
	int root = cond_or(&cp);
	cskip(&cp);
	if (root >= 0 && *cp.p && !cp.err[0])
		snprintf(cp.err, sizeof cp.err, "unexpected '%s' (expected an operator: == != < <= > >= + - && ||)", cp.p);
	if (cp.err[0]) {
		dbg_error(d, "bad condition '%s': %s", c->text, cp.err);
		c->n = 0;
		return false;
	}
	return true;
}

/* Evaluate node i; false with why in d->cond_error. */
static bool cond_eval(struct dbg *d, const struct dbg_cond *c, int i, uint64_t *out)
{
	const struct dbg_cond_node *e = &c->node[i];
	uint64_t a = 0, b = 0;
	switch ((enum cond_op)e->op) {
	case C_NUM: *out = e->v; return true;
	case C_REG: *out = machine_reg_get(d->m, (enum vt_reg)e->v); return true;
	case C_REG32: *out = machine_reg_get(d->m, (enum vt_reg)e->v) & 0xffffffffu; return true;
	case C_VMCS: {
		const struct vmcs_field_info *f = vmcs_field_by_enc((uint32_t)e->v);
		if (machine_vmx_mode(d->m) == 0 || !machine_vmcs_read(d->m, (uint32_t)e->v, out)) {
			snprintf(d->cond_error, sizeof d->cond_error, "%s has no value: %s", f ? f->name : "the VMCS field",
				 machine_vmx_mode(d->m) == 0 ? "not in VMX operation" : "there is no current VMCS");
			return false;
		}
		return true;
	}
	case C_MEM: {
		uint8_t buf[8] = { 0 };
		if (!cond_eval(d, c, e->a, &a))
			return false;
		if (!dbg_read_linear(d->m, a, buf, e->size)) {
			snprintf(d->cond_error, sizeof d->cond_error, "cannot read %u byte%s at linear 0x%llx (not mapped)", e->size,
				 e->size == 1 ? "" : "s", (unsigned long long)a);
			return false;
		}
		*out = 0;
		for (unsigned k = 0; k < e->size; k++)
			*out |= (uint64_t)buf[k] << (8 * k);
		return true;
	}
	case C_NEG:
		if (!cond_eval(d, c, e->a, &a))
			return false;
		*out = -a;
		return true;
	case C_AND:
	case C_OR:
		if (!cond_eval(d, c, e->a, &a))
			return false;
		if ((a != 0) == (e->op == C_OR)) { /* decided by the left side */
			*out = a != 0;
			return true;
		}
		if (!cond_eval(d, c, e->b, &b))
			return false;
		*out = b != 0;
		return true;
	default:
		break;
	}
	if (!cond_eval(d, c, e->a, &a) || !cond_eval(d, c, e->b, &b))
		return false;
	switch ((enum cond_op)e->op) {
	case C_ADD: *out = a + b; break;
	case C_SUB: *out = a - b; break;
	case C_EQ: *out = a == b; break;
	case C_NE: *out = a != b; break;
	case C_LT: *out = a < b; break;
	case C_LE: *out = a <= b; break;
	case C_GT: *out = a > b; break;
	case C_GE: *out = a >= b; break;
	default: *out = 0; break;
	}
	return true;
}

/* Does b's condition hold now? A condition that cannot be evaluated stops
 * the machine, with why in d->cond_error (the stop message says it). */
static bool cond_holds(struct dbg *d, const struct dbg_bp *b)
{
	if (!b->cond.n)
		return true;
	uint64_t v;
	d->cond_error[0] = 0;
	if (!cond_eval(d, &b->cond, b->cond.n - 1, &v))
		return true;
	return v != 0;
}

/* Split "... if COND": the words before 'if' stay in argc; the condition
 * goes to *c. false with an error printed. */
static bool split_if(struct dbg *d, int *argc, char **argv, struct dbg_cond *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 1; i < *argc; i++)
		if (!strcmp(argv[i], "if")) {
			if (!cond_parse(d, *argc - i - 1, argv + i + 1, c))
				return false;
			*argc = i;
			return true;
		}
	return true;
}

int dbg_cmd_condition(struct dbg *d, int argc, char **argv)
{
	uint64_t id;
	if (argc < 2 || !dbg_parse_number(argv[1], &id)) {
		dbg_error(d, "usage: condition N [EXPR] (for example condition 1 rax == 5; without EXPR it removes the condition)");
		return 0;
	}
	struct dbg_bp *b = NULL;
	for (int i = 0; i < d->nbp; i++)
		if ((uint64_t)d->bp[i].id == id)
			b = &d->bp[i];
	if (!b) {
		dbg_error(d, "condition: no breakpoint number %llu (see 'info breakpoints')", (unsigned long long)id);
		return 0;
	}
	if (argc == 2) {
		b->cond.n = 0;
		b->cond.text[0] = 0;
		dbg_printf(d, "Breakpoint %d is now unconditional.\n", b->id);
		return 0;
	}
	struct dbg_cond c;
	if (!cond_parse(d, argc - 2, argv + 2, &c))
		return 0; /* the breakpoint keeps its condition */
	b->cond = c;
	dbg_printf(d, "Breakpoint %d stops only if %s.\n", b->id, b->cond.text);
	return 0;
}

/* An optional number argument: vector, reason, port. */
int dbg_cmd_break(struct dbg *d, int argc, char **argv)
{
	struct dbg_cond cond;
	if (!split_if(d, &argc, argv, &cond))
		return 0;
	if (argc > 3) {
		dbg_error(d, "too many arguments (usage: break [ADDR | phys ADDR | gpa ADDR | EVENT [ARG]]; see 'help break')");
		return 0;
	}
	const char *k = argc > 1 ? argv[1] : NULL, *arg = argc > 2 ? argv[2] : NULL;
	struct dbg_bp tmp = { .any = true };
	uint64_t v;
	if (!k) {
		tmp.kind = BP_ADDR;
		tmp.any = false;
		tmp.arg = machine_reg_get(d->m, VT_RIP);
	} else if (!strcmp(k, "phys") || !strcmp(k, "*pa") || !strcmp(k, "gpa")) {
		if (!arg) {
			dbg_error(d, "break %s needs an address", k);
			return 0;
		}
		if (!dbg_parse_value(d, arg, &v))
			return 0;
		tmp.kind = !strcmp(k, "gpa") ? BP_GPA : BP_PHYS;
		tmp.arg = v;
		tmp.any = false;
	} else if (!strcmp(k, "exception") || !strcmp(k, "pagefault") || !strcmp(k, "vmexit") || !strcmp(k, "vmentry") ||
		   !strcmp(k, "vmentry-fail") || !strcmp(k, "cpl-change") || !strcmp(k, "mode-change") || !strcmp(k, "io") ||
		   !strcmp(k, "msr")) {
		bool takes = !strcmp(k, "exception") || !strcmp(k, "vmexit") || !strcmp(k, "io") || !strcmp(k, "msr");
		if (arg && !takes) {
			dbg_error(d, "break %s takes no argument", k);
			return 0;
		}
		if (!strcmp(k, "exception")) {
			tmp.kind = BP_EXCEPTION;
			if (arg) {
				int vec = ev_vector_from_name(arg);
				if (vec < 0 && dbg_parse_number(arg, &v) && v < 256)
					vec = (int)v;
				if (vec < 0) {
					dbg_error(d, "'%s' is not an exception vector (expected a name such as #GP, GP or a number 0-255)", arg);
					return 0;
				}
				tmp.arg = (uint64_t)vec;
			}
		} else if (!strcmp(k, "vmexit")) {
			tmp.kind = BP_VMEXIT;
			if (arg) {
				int r = vmx_exit_reason_parse(arg);
				if (r < 0) {
					dbg_error(d, "'%s' is not a VM-exit reason (expected a name such as CPUID, ept-violation, or a number; "
						     "see 'vtsim vmx exits')", arg);
					return 0;
				}
				tmp.arg = (uint64_t)r;
			}
		} else if (!strcmp(k, "io")) {
			tmp.kind = BP_IO;
			if (arg) {
				if (!dbg_parse_number(arg, &v) || v > 0xffff) {
					dbg_error(d, "'%s' is not an I/O port (expected 0 to 0xffff)", arg);
					return 0;
				}
				tmp.arg = v;
			}
		} else if (!strcmp(k, "msr")) {
			tmp.kind = BP_MSR;
			if (arg) {
				uint32_t msr;
				if (!dbg_parse_msr(d, arg, &msr))
					return 0;
				tmp.arg = msr;
			}
		} else {
			tmp.kind = !strcmp(k, "pagefault") ? BP_PAGEFAULT : !strcmp(k, "vmentry") ? BP_VMENTRY
				 : !strcmp(k, "vmentry-fail") ? BP_VMENTRY_FAIL : !strcmp(k, "cpl-change") ? BP_CPL : BP_MODE;
		}
		tmp.any = !arg;
	} else {
		if (arg) {
			dbg_error(d, "'%s' is not a breakpoint kind (expected an address, or phys, gpa, exception, pagefault, vmexit, "
				     "vmentry, vmentry-fail, cpl-change, mode-change, io, msr)", k);
			return 0;
		}
		uint64_t label;
		char first[64]; /* the first term: a register or a label */
		snprintf(first, sizeof first, "%.*s", (int)strcspn(k, "+-"), k);
		if (isalpha((unsigned char)k[0]) && machine_reg_id(first) < 0 &&
		    !(d->sc && scenario_label(d->sc, first, &label, NULL))) {
			dbg_error(d, "'%s' is neither an address nor a breakpoint kind (expected an address, or phys, gpa, exception, "
				     "pagefault, vmexit, vmentry, vmentry-fail, cpl-change, mode-change, io, msr)", k);
			return 0;
		}
		if (!dbg_parse_value(d, k[0] == '*' ? k + 1 : k, &v))
			return 0;
		tmp.kind = BP_ADDR;
		tmp.arg = v;
		tmp.any = false;
	}
	struct dbg_bp *b = add(d, tmp.kind);
	if (!b)
		return 0;
	b->any = tmp.any;
	b->arg = tmp.arg;
	b->cond = cond;
	announce(d, b);
	return 0;
}

static void read_watch(struct dbg *d, struct dbg_bp *b, uint8_t *buf, bool *ok)
{
	*ok = dbg_read_space(d->m, b->space, b->arg, buf, b->len);
}

void dbg_bp_refresh_watch(struct dbg *d)
{
	for (int i = 0; i < d->nbp; i++)
		if (d->bp[i].kind >= BP_WATCH)
			read_watch(d, &d->bp[i], d->bp[i].old, &d->bp[i].old_valid);
}

static int watch_common(struct dbg *d, int argc, char **argv, enum bp_kind kind)
{
	struct dbg_cond cond;
	if (!split_if(d, &argc, argv, &cond))
		return 0;
	int a = 1;
	enum dbg_space space = DBG_LINEAR;
	if (argc > 1 && !strcmp(argv[1], "phys"))
		space = DBG_PHYS, a++;
	else if (argc > 1 && !strcmp(argv[1], "gpa"))
		space = DBG_GPA, a++;
	if (argc - a < 1 || argc - a > 2) {
		dbg_error(d, "usage: %s [phys|gpa] ADDR [LEN] [if COND]", argv[0]);
		return 0;
	}
	uint64_t addr, len = 1;
	if (!dbg_parse_value(d, argv[a], &addr))
		return 0;
	if (argc - a == 2 && (!dbg_parse_number(argv[a + 1], &len) || len == 0 || len > DBG_WATCH_MAX)) {
		dbg_error(d, "%s: '%s' is not a length from 1 to %d bytes", argv[0], argv[a + 1], DBG_WATCH_MAX);
		return 0;
	}
	struct dbg_bp *b = add(d, kind);
	if (!b)
		return 0;
	b->any = false;
	b->arg = addr;
	b->len = (unsigned)len;
	b->space = space;
	b->cond = cond;
	read_watch(d, b, b->old, &b->old_valid);
	announce(d, b);
	if (!b->old_valid && space == DBG_GPA) {
		struct walk w;
		uint64_t hpa;
		machine_translate_gpa(d->m, addr, ACC_READ, &hpa, &w);
		dbg_printf(d, "(guest-physical 0x%llx cannot be read now: %s; the watchpoint starts when it can)\n",
			   (unsigned long long)addr, w.ept ? "EPT does not map it" : w.why);
	} else if (!b->old_valid) {
		dbg_printf(d, "(0x%llx is not mapped now; the watchpoint starts when it is)\n", (unsigned long long)addr);
	}
	return 0;
}

int dbg_cmd_watch(struct dbg *d, int argc, char **argv) { return watch_common(d, argc, argv, BP_WATCH); }
int dbg_cmd_rwatch(struct dbg *d, int argc, char **argv) { return watch_common(d, argc, argv, BP_RWATCH); }
int dbg_cmd_awatch(struct dbg *d, int argc, char **argv) { return watch_common(d, argc, argv, BP_AWATCH); }

void dbg_list_breakpoints(struct dbg *d)
{
	if (!d->nbp) {
		dbg_printf(d, "No breakpoints or watchpoints.\n");
		return;
	}
	dbg_printf(d, "Num  Type          Enb  Hits  What\n");
	for (int i = 0; i < d->nbp; i++) {
		const struct dbg_bp *b = &d->bp[i];
		char what[160];
		describe(b, what, sizeof what);
		dbg_printf(d, "%-4d %-13s %-4s %-5llu %s\n", b->id, kind_names[b->kind], b->enabled ? "y" : "n",
			   (unsigned long long)b->hits, what);
		if (b->cond.n)
			dbg_printf(d, "                             stop only if %s\n", b->cond.text);
	}
}

int dbg_cmd_info(struct dbg *d, int argc, char **argv)
{
	if (argc == 2 && (!strncmp(argv[1], "breakpoints", strlen(argv[1])) || !strncmp(argv[1], "watchpoints", strlen(argv[1])))) {
		dbg_list_breakpoints(d);
		return 0;
	}
	if (argc == 2 && !strncmp(argv[1], "registers", strlen(argv[1]))) {
		char *a[] = { "regs", NULL };
		return dbg_cmd_regs(d, 1, a);
	}
	dbg_error(d, "usage: info breakpoints|registers|watchpoints");
	return 0;
}

/* Apply fn to breakpoints named by number (all with no numbers for delete). */
static int each(struct dbg *d, int argc, char **argv, int op)
{
	static const char *const verbs[] = { "delete", "disable", "enable" };
	if (argc == 1 && op == 0) {
		d->nbp = 0;
		dbg_printf(d, "Deleted every breakpoint.\n");
		return 0;
	}
	if (argc == 1) {
		dbg_error(d, "%s needs breakpoint numbers (see 'info breakpoints')", verbs[op]);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		uint64_t id;
		int i;
		if (!dbg_parse_number(argv[a], &id)) {
			dbg_error(d, "%s: '%s' is not a breakpoint number", verbs[op], argv[a]);
			continue;
		}
		for (i = 0; i < d->nbp && (uint64_t)d->bp[i].id != id; i++)
			;
		if (i == d->nbp) {
			dbg_error(d, "%s: no breakpoint number %llu (see 'info breakpoints')", verbs[op], (unsigned long long)id);
			continue;
		}
		if (op == 0) {
			memmove(&d->bp[i], &d->bp[i + 1], (size_t)(d->nbp - i - 1) * sizeof d->bp[0]);
			d->nbp--;
			dbg_printf(d, "Deleted breakpoint %llu.\n", (unsigned long long)id);
		} else {
			d->bp[i].enabled = op == 2;
			if (op == 2 && d->bp[i].kind >= BP_WATCH)
				read_watch(d, &d->bp[i], d->bp[i].old, &d->bp[i].old_valid);
			dbg_printf(d, "%s breakpoint %llu.\n", op == 2 ? "Enabled" : "Disabled", (unsigned long long)id);
		}
	}
	return 0;
}

int dbg_cmd_delete(struct dbg *d, int argc, char **argv) { return each(d, argc, argv, 0); }
int dbg_cmd_disable(struct dbg *d, int argc, char **argv) { return each(d, argc, argv, 1); }
int dbg_cmd_enable(struct dbg *d, int argc, char **argv) { return each(d, argc, argv, 2); }

/* ---------------------------------------------------------------- matching */

static int hit(struct dbg *d, struct dbg_bp *b, const char *fmt, const char *what)
{
	if (!d->quiet)
		b->hits++;
	d->hit = b->id;
	snprintf(d->hit_msg, sizeof d->hit_msg, fmt, b->id, what);
	if (b->cond.n && d->cond_error[0]) {
		size_t n = strlen(d->hit_msg);
		snprintf(d->hit_msg + n, sizeof d->hit_msg - n, "\n(stopped: the condition '%s' could not be tested: %s)",
			 b->cond.text, d->cond_error);
		d->cond_error[0] = 0;
	}
	return b->id;
}

/* The register named in a memory operand, as a value. */
static bool operand_reg(struct machine *m, const char *name, uint64_t *v)
{
	int id = machine_reg_id(name);
	if (id >= 0 && id <= VT_RIP) {
		*v = machine_reg_get(m, (enum vt_reg)id);
		return true;
	}
	char wide[40];
	if (name[0] == 'e' && strlen(name) == 3) {
		snprintf(wide, sizeof wide, "r%s", name + 1);
		if ((id = machine_reg_id(wide)) >= 0 && id <= VT_RIP) {
			*v = machine_reg_get(m, (enum vt_reg)id) & 0xffffffffu;
			return true;
		}
	}
	size_t n = strlen(name);
	if (name[0] == 'r' && n >= 3 && name[n - 1] == 'd') {
		snprintf(wide, sizeof wide, "%.*s", (int)(n - 1), name);
		if ((id = machine_reg_id(wide)) >= 0) {
			*v = machine_reg_get(m, (enum vt_reg)id) & 0xffffffffu;
			return true;
		}
	}
	return false;
}

/*
 * The explicit memory operand of an instruction, from its Intel-syntax
 * disassembly: "mov dword ptr fs:[rbx+rcx*4+0x10], eax". Sets the linear
 * address, the size, and whether it is read and/or written.
 */
static bool memory_operand(struct machine *m, const char *text, int ilen, uint64_t *la, unsigned *size, bool *rd, bool *wr)
{
	const char *open = strchr(text, '['), *close = open ? strchr(open, ']') : NULL;
	if (!open || !close)
		return false;
	char mn[16];
	const char *p = text;
	for (;;) { /* skip prefixes */
		size_t k = strcspn(p, " ");
		snprintf(mn, sizeof mn, "%.*s", (int)k, p);
		if (strcmp(mn, "lock") && strncmp(mn, "rep", 3) && strcmp(mn, "bnd"))
			break;
		p += k + (p[k] == ' ');
	}
	if (!strcmp(mn, "lea") || !strcmp(mn, "invlpg") || !strncmp(mn, "nop", 3) || !strncmp(mn, "prefetch", 8))
		return false;
	const char *comma = strchr(p, ',');
	bool first = !comma || open < comma;
	static const char *const write_only[] = { "mov", "pop", "sgdt", "sidt", "sldt", "str", "smsw", "vmptrst", "vmread",
						  "movnti", NULL };
	static const char *const read_only[] = { "cmp", "test", "push", "call", "jmp", "lgdt", "lidt", "lldt", "ltr", "lmsw",
						 "vmptrld", "vmclear", "vmxon", "bt", "verr", "verw", "mul", "imul", "div",
						 "idiv", "ljmp", "lcall", NULL };
	*rd = true;
	*wr = false;
	if (first) {
		bool w = false, r = false;
		for (int i = 0; write_only[i]; i++)
			w |= !strcmp(mn, write_only[i]);
		for (int i = 0; read_only[i]; i++)
			r |= !strcmp(mn, read_only[i]);
		if (!strncmp(mn, "set", 3) || !strncmp(mn, "cmov", 4))
			w = mn[0] == 's';
		*wr = !r;
		*rd = !w;
	}
	/* The size keyword before the bracket. */
	*size = 8;
	static const struct { const char *kw; unsigned n; } sizes[] = {
		{ "byte ptr", 1 }, { "word ptr", 2 }, { "dword ptr", 4 }, { "qword ptr", 8 }, { "tbyte ptr", 10 },
		{ "xmmword ptr", 16 }, { "fword ptr", 6 },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		const char *s = strstr(text, sizes[i].kw);
		if (s && s < open && (s == text || s[-1] == ' '))
			*size = sizes[i].n;
	}
	/* A segment override right before the bracket. */
	uint64_t base = 0;
	bool seg_given = open - text >= 3 && open[-1] == ':';
	int seg = -1;
	if (seg_given) {
		static const char *const sn[] = { "es", "cs", "ss", "ds", "fs", "gs" };
		for (int s = 0; s < 6; s++)
			if (!strncmp(open - 3, sn[s], 2))
				seg = s;
	}
	/* The terms inside: reg, reg*scale, number, joined by + and -. */
	uint64_t addr = 0;
	const char *q = open + 1;
	int sign = 1;
	bool stack = false;
	while (q < close) {
		size_t n = strcspn(q, "+-]");
		char term[32];
		if (n == 0 || n >= sizeof term)
			return false;
		snprintf(term, sizeof term, "%.*s", (int)n, q);
		uint64_t v, scale = 1;
		char *star = strchr(term, '*');
		if (star) {
			*star = 0;
			scale = strtoull(star + 1, NULL, 0);
		}
		if (!strcmp(term, "rip"))
			v = machine_reg_get(m, VT_RIP) + (uint64_t)ilen;
		else if (!operand_reg(m, term, &v) && !dbg_parse_number(term, &v))
			return false;
		if (!strcmp(term, "rsp") || !strcmp(term, "rbp") || !strcmp(term, "esp") || !strcmp(term, "ebp"))
			stack = true;
		addr += sign > 0 ? v * scale : -(v * scale);
		q += n;
		if (*q == '+' || *q == '-')
			sign = *q++ == '+' ? 1 : -1;
	}
	if (seg < 0)
		seg = stack ? VT_SREG_SS : VT_SREG_DS;
	bool long64 = !strcmp(dbg_mode_name(m), "long64");
	if (!long64 || seg == VT_SREG_FS || seg == VT_SREG_GS) {
		struct vt_segment s;
		machine_seg_get(m, (enum vt_sreg)seg, &s);
		base = s.base;
	}
	*la = base + addr;
	if (!long64)
		*la &= 0xffffffffu;
	return true;
}

static bool overlaps(uint64_t a, unsigned alen, uint64_t b, unsigned blen)
{
	return a < b + blen && b < a + alen;
}

/* RDMSR (0F 32) or WRMSR (0F 30) after prefixes: 1 read, 2 write, 0 neither. */
static int msr_insn(const uint8_t *bytes, int n, bool long64)
{
	int i = 0;
	while (i < n && (bytes[i] == 0x66 || bytes[i] == 0x67 || bytes[i] == 0xf2 || bytes[i] == 0xf3 ||
			 bytes[i] == 0x2e || bytes[i] == 0x3e || bytes[i] == 0x26 || bytes[i] == 0x36 || bytes[i] == 0x64 ||
			 bytes[i] == 0x65 || (long64 && (bytes[i] & 0xf0) == 0x40)))
		i++;
	if (i + 1 < n && bytes[i] == 0x0f && bytes[i + 1] == 0x32)
		return 1;
	if (i + 1 < n && bytes[i] == 0x0f && bytes[i + 1] == 0x30)
		return 2;
	return 0;
}

int dbg_bp_check_before(struct dbg *d)
{
	uint64_t rip = machine_reg_get(d->m, VT_RIP);
	bool have_walk = false, walk_ok = false;
	struct walk w;
	bool have_insn = false;
	char insn[128] = "";
	int ilen = 0;
	for (int i = 0; i < d->nbp; i++) {
		struct dbg_bp *b = &d->bp[i];
		if (!b->enabled)
			continue;
		char what[300];
		switch (b->kind) {
		case BP_ADDR:
			if (rip == b->arg && cond_holds(d, b)) {
				snprintf(what, sizeof what, "rip 0x%llx", (unsigned long long)rip);
				return hit(d, b, "Breakpoint %d at %s", what);
			}
			break;
		case BP_PHYS:
		case BP_GPA:
			if (!have_walk) {
				bool in_tlb;
				walk_ok = machine_translate(d->m, rip, ACC_EXEC, &w, &in_tlb);
				have_walk = true;
			}
			if (walk_ok && (b->kind == BP_PHYS ? w.pa : (w.ept ? w.gpa : w.pa)) == b->arg && cond_holds(d, b)) {
				snprintf(what, sizeof what, "rip 0x%llx, %s 0x%llx", (unsigned long long)rip,
					 b->kind == BP_PHYS ? "physical" : "guest-physical", (unsigned long long)b->arg);
				return hit(d, b, "Breakpoint %d at %s", what);
			}
			break;
		case BP_MSR: {
			uint8_t bytes[8];
			if (!dbg_read_linear(d->m, rip, bytes, sizeof bytes))
				break;
			int k = msr_insn(bytes, 8, !strcmp(dbg_mode_name(d->m), "long64"));
			uint32_t msr = (uint32_t)machine_reg_get(d->m, VT_RCX);
			if (k && (b->any || msr == b->arg) && cond_holds(d, b)) {
				const char *n = machine_msr_name(msr);
				snprintf(what, sizeof what, "%s of %s (0x%x) about to run at rip 0x%llx", k == 1 ? "RDMSR" : "WRMSR",
					 n ? n : "an MSR vtsim does not implement", msr, (unsigned long long)rip);
				return hit(d, b, "Breakpoint %d: %s", what);
			}
			break;
		}
		case BP_RWATCH:
		case BP_AWATCH: {
			if (!have_insn) {
				ilen = dbg_disasm_la(d->m, rip, insn, sizeof insn);
				have_insn = true;
			}
			uint64_t la;
			unsigned size;
			bool rd, wr;
			if (!ilen || !memory_operand(d->m, insn, ilen, &la, &size, &rd, &wr) || !rd)
				break;
			uint64_t target = b->arg;
			if (b->space == DBG_PHYS) { /* compare physical addresses */
				if (!dbg_la_to_pa(d->m, la, ACC_READ, &la))
					break;
			} else if (b->space == DBG_GPA) { /* guest-physical: code running under EPT */
				struct walk gw;
				bool in_tlb;
				if (!machine_translate(d->m, la, ACC_READ, &gw, &in_tlb) || !gw.ept)
					break;
				la = gw.gpa;
			}
			if (overlaps(la, size, target, b->len) && cond_holds(d, b)) {
				snprintf(what, sizeof what, "'%s' at rip 0x%llx is about to read %u byte%s at 0x%llx", insn,
					 (unsigned long long)rip, size, size == 1 ? "" : "s", (unsigned long long)la);
				return hit(d, b, "Watchpoint %d: %s", what);
			}
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

static void format_bytes(const uint8_t *p, unsigned len, char *buf, size_t n)
{
	if (len <= 8) {
		uint64_t v = 0;
		for (unsigned i = 0; i < len; i++)
			v |= (uint64_t)p[i] << (8 * i);
		snprintf(buf, n, "0x%llx", (unsigned long long)v);
		return;
	}
	size_t o = 0;
	for (unsigned i = 0; i < len && o + 4 < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%02x", i ? " " : "", p[i]);
}

void dbg_bp_unit_start(struct dbg *d)
{
	for (int i = 0; i < d->nbp; i++)
		d->bp[i].pending = false;
}

int dbg_bp_check_after(struct dbg *d, const char *mode_before, int pg_before)
{
	int found = 0;
	/* Event breakpoints with a condition: their event happened in this
	 * unit; the condition is tested now, after it, where the stop is. */
	for (int i = 0; i < d->nbp; i++) {
		struct dbg_bp *b = &d->bp[i];
		if (b->pending && !found && b->enabled && cond_holds(d, b))
			found = hit(d, b, "Breakpoint %d: %s", b->pending_msg);
		b->pending = false;
	}
	for (int i = 0; i < d->nbp; i++) {
		struct dbg_bp *b = &d->bp[i];
		if (!b->enabled)
			continue;
		if (b->kind == BP_WATCH || b->kind == BP_AWATCH) {
			uint8_t now[DBG_WATCH_MAX];
			bool ok;
			read_watch(d, b, now, &ok);
			if (!found && ok && b->old_valid && memcmp(now, b->old, b->len) != 0 && cond_holds(d, b)) {
				char o[200], n[200], what[640];
				format_bytes(b->old, b->len, o, sizeof o);
				format_bytes(now, b->len, n, sizeof n);
				snprintf(what, sizeof what, "%u byte%s at %s 0x%llx changed: %s -> %s", b->len, b->len == 1 ? "" : "s",
					 space_name(b->space), (unsigned long long)b->arg, o, n);
				found = hit(d, b, "Watchpoint %d: %s", what);
			}
			memcpy(b->old, now, b->len);
			b->old_valid = ok;
		} else if (b->kind == BP_MODE && !found) {
			const char *mode = dbg_mode_name(d->m);
			int pg = dbg_paging_mode(d->m);
			if ((strcmp(mode, mode_before) || pg != pg_before) && cond_holds(d, b)) {
				char what[200];
				snprintf(what, sizeof what, "mode %s -> %s, paging %s -> %s", mode_before, mode,
					 pg_mode_name((enum paging_mode)pg_before), pg_mode_name((enum paging_mode)pg));
				found = hit(d, b, "Breakpoint %d: %s", what);
			}
		}
	}
	return found;
}

int dbg_bp_check_event(struct dbg *d, const struct event *e)
{
	for (int i = 0; i < d->nbp; i++) {
		struct dbg_bp *b = &d->bp[i];
		if (!b->enabled)
			continue;
		bool match = false;
		switch (b->kind) {
		case BP_EXCEPTION: match = e->kind == EV_EXCEPTION && (b->any || e->u.exc.vector == b->arg); break;
		case BP_PAGEFAULT: match = e->kind == EV_EXCEPTION && e->u.exc.vector == 14; break;
		case BP_VMEXIT: match = e->kind == EV_VMEXIT && (b->any || (e->u.vmx.reason & 0xffff) == b->arg); break;
		case BP_VMENTRY: match = e->kind == EV_VMENTRY; break;
		case BP_VMENTRY_FAIL: match = e->kind == EV_VMENTRY_FAIL; break;
		case BP_CPL: match = e->kind == EV_CPL; break;
		case BP_IO: match = e->kind == EV_IO && (b->any || e->u.io.port == b->arg); break;
		default: break;
		}
		if (match && b->cond.n) { /* tested after the unit (dbg_bp_check_after) */
			if (!b->pending)
				dbg_describe_event(e, b->pending_msg, sizeof b->pending_msg);
			b->pending = true;
		} else if (match) {
			if (!d->quiet)
				b->hits++;
			return b->id;
		}
	}
	return 0;
}
