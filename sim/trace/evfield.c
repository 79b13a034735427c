/* evfield.c - per-kind field tables for events (see evfield.h). */
#include "evfield.h"

#include "../paging/walk.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static uint64_t exc_vector(const struct event *e) { return e->u.exc.vector; }
static uint64_t exc_error(const struct event *e) { return e->u.exc.error; }
static uint64_t exc_has_error(const struct event *e) { return e->u.exc.has_error; }
static uint64_t exc_rip(const struct event *e) { return e->u.exc.rip; }
static const char *exc_why(const struct event *e) { return e->u.exc.why ? e->u.exc.why : ""; }
static const char *exc_insn(const struct event *e) { return e->u.exc.insn ? e->u.exc.insn : ""; }
static uint64_t io_port(const struct event *e) { return e->u.io.port; }
static uint64_t io_size(const struct event *e) { return e->u.io.size; }
static uint64_t io_write(const struct event *e) { return e->u.io.write; }
static uint64_t io_value(const struct event *e) { return e->u.io.value; }
static uint64_t insn_rip(const struct event *e) { return e->u.insn.rip; }
static uint64_t insn_len(const struct event *e) { return e->u.insn.len; }
static uint64_t inval_paddr(const struct event *e) { return e->u.inval.paddr; }
static uint64_t inval_blocks(const struct event *e) { return e->u.inval.blocks; }
static uint64_t stop_reason(const struct event *e) { return (uint64_t)e->u.stop; }
static uint64_t walk_la(const struct event *e) { return e->u.walk.la; }
static uint64_t walk_access(const struct event *e) { return e->u.walk.access; }
static uint64_t walk_refs(const struct event *e) { return e->u.walk.w ? (uint64_t)e->u.walk.w->nrefs : 0; }
static uint64_t walk_pa(const struct event *e) { return e->u.walk.w ? e->u.walk.w->pa : 0; }
static uint64_t walk_page(const struct event *e) { return e->u.walk.w ? e->u.walk.w->page_size : 0; }
static uint64_t walk_fault(const struct event *e) { return e->u.walk.w ? e->u.walk.w->fault : 0; }
static uint64_t walk_ept(const struct event *e) { return e->u.walk.w ? e->u.walk.w->ept : 0; }
static uint64_t walk_ept_refs(const struct event *e)
{
	uint64_t n = 0;
	for (int i = 0; e->u.walk.w && i < e->u.walk.w->nrefs; i++)
		n += e->u.walk.w->refs[i].stage == WALK_EPT;
	return n;
}
static uint64_t walk_gpa(const struct event *e) { return e->u.walk.w && e->u.walk.w->ept ? e->u.walk.w->gpa : 0; }
/* 0: none, 1: EPT violation, 2: EPT misconfiguration. */
static uint64_t walk_ept_fault(const struct event *e)
{
	const struct walk *w = e->u.walk.w;
	return !w ? 0 : w->fault_kind == WALK_EPT_VIOLATION ? 1 : w->fault_kind == WALK_EPT_MISCONFIG ? 2 : 0;
}
static uint64_t walk_ept_final(const struct event *e) { return e->u.walk.w ? e->u.walk.w->ept_final : 0; }
static uint64_t walk_ept_qual(const struct event *e) { return e->u.walk.w ? e->u.walk.w->ept_qual : 0; }
static uint64_t cpl_from(const struct event *e) { return e->u.cpl.from; }
static uint64_t cpl_to(const struct event *e) { return e->u.cpl.to; }
static uint64_t cpl_rip(const struct event *e) { return e->u.cpl.rip; }
static uint64_t iret_from(const struct event *e) { return e->u.iret.from_rip; }
static uint64_t iret_to(const struct event *e) { return e->u.iret.to_rip; }
static uint64_t iret_cpl(const struct event *e) { return e->u.iret.cpl; }
static uint64_t vmx_reason(const struct event *e) { return e->u.vmx.reason & 0xffff; }
static uint64_t vmx_failed(const struct event *e) { return (e->u.vmx.reason >> 31) & 1; }
static uint64_t vmx_qual(const struct event *e) { return e->u.vmx.qual; }
static uint64_t vmx_from(const struct event *e) { return e->u.vmx.from_rip; }
static uint64_t vmx_to(const struct event *e) { return e->u.vmx.to_rip; }
static uint64_t vmx_error(const struct event *e) { return e->u.vmx.reason; }
static const char *vmx_check(const struct event *e) { return e->u.vmx.check ? e->u.vmx.check : ""; }
static const char *vmx_why(const struct event *e) { return e->u.vmx.why ? e->u.vmx.why : ""; }

/* Exceptions, interrupts and the shutdown record share struct ev_exception. */
static const struct ev_field exc_fields[] = {
	{ "vector", EVF_VECTOR, exc_vector, NULL },
	{ "error", EVF_ADDR, exc_error, NULL },
	{ "has_error", EVF_BOOL, exc_has_error, NULL },
	{ "rip", EVF_ADDR, exc_rip, NULL },
	{ "why", EVF_TEXT, NULL, exc_why },
	{ "insn", EVF_TEXT, NULL, exc_insn },
};
static const struct ev_field io_fields[] = {
	{ "port", EVF_ADDR, io_port, NULL },
	{ "size", EVF_COUNT, io_size, NULL },
	{ "write", EVF_BOOL, io_write, NULL },
	{ "value", EVF_ADDR, io_value, NULL },
};
static const struct ev_field insn_fields[] = {
	{ "rip", EVF_ADDR, insn_rip, NULL },
	{ "len", EVF_COUNT, insn_len, NULL },
};
static const struct ev_field inval_fields[] = {
	{ "paddr", EVF_ADDR, inval_paddr, NULL },
	{ "blocks", EVF_COUNT, inval_blocks, NULL },
};
/* access: 0 read, 1 write, 2 instruction fetch (enum access in paging/walk.h).
 * refs counts every entry read, guest and EPT; ept_refs the EPT ones. With
 * EPT, pa is host-physical and gpa guest-physical (0 without EPT);
 * ept_fault 1 is an EPT violation, 2 a misconfiguration, ept_final says it
 * was on the final address (not a guest table), ept_qual the violation's
 * exit qualification. */
static const struct ev_field walk_fields[] = {
	{ "la", EVF_ADDR, walk_la, NULL },
	{ "access", EVF_COUNT, walk_access, NULL },
	{ "refs", EVF_COUNT, walk_refs, NULL },
	{ "pa", EVF_ADDR, walk_pa, NULL },
	{ "page_size", EVF_ADDR, walk_page, NULL },
	{ "fault", EVF_BOOL, walk_fault, NULL },
	{ "ept", EVF_BOOL, walk_ept, NULL },
	{ "ept_refs", EVF_COUNT, walk_ept_refs, NULL },
	{ "gpa", EVF_ADDR, walk_gpa, NULL },
	{ "ept_fault", EVF_COUNT, walk_ept_fault, NULL },
	{ "ept_final", EVF_BOOL, walk_ept_final, NULL },
	{ "ept_qual", EVF_ADDR, walk_ept_qual, NULL },
};
static const struct ev_field cpl_fields[] = {
	{ "from", EVF_COUNT, cpl_from, NULL },
	{ "to", EVF_COUNT, cpl_to, NULL },
	{ "rip", EVF_ADDR, cpl_rip, NULL },
};
static const struct ev_field iret_fields[] = {
	{ "from_rip", EVF_ADDR, iret_from, NULL },
	{ "to_rip", EVF_ADDR, iret_to, NULL },
	{ "cpl", EVF_COUNT, iret_cpl, NULL },
};
/* VM exits: reason is the basic exit reason; entry_failure is bit 31. */
static const struct ev_field vmexit_fields[] = {
	{ "reason", EVF_REASON, vmx_reason, NULL },
	{ "entry_failure", EVF_BOOL, vmx_failed, NULL },
	{ "qual", EVF_ADDR, vmx_qual, NULL },
	{ "guest_rip", EVF_ADDR, vmx_from, NULL },
	{ "host_rip", EVF_ADDR, vmx_to, NULL },
	{ "check", EVF_TEXT, NULL, vmx_check },
	{ "why", EVF_TEXT, NULL, vmx_why },
};
static const struct ev_field vmentry_fields[] = {
	{ "host_rip", EVF_ADDR, vmx_from, NULL },
	{ "guest_rip", EVF_ADDR, vmx_to, NULL },
	{ "why", EVF_TEXT, NULL, vmx_why },
};
/* A VMfail: error is the VM-instruction error (0 for VMfailInvalid). */
static const struct ev_field vmfail_fields[] = {
	{ "error", EVF_COUNT, vmx_error, NULL },
	{ "rip", EVF_ADDR, vmx_from, NULL },
	{ "check", EVF_TEXT, NULL, vmx_check },
	{ "why", EVF_TEXT, NULL, vmx_why },
};
static const struct ev_field stop_fields[] = {
	{ "reason", EVF_STOP, stop_reason, NULL },
};

#define ROW(k, t) [k] = { t, (int)(sizeof t / sizeof t[0]) }
static const struct {
	const struct ev_field *f;  /* the table */
	int n;                     /* its rows */
} kinds[EV_KIND_COUNT] = {
	ROW(EV_INSN, insn_fields),
	ROW(EV_EXCEPTION, exc_fields),
	ROW(EV_INTERRUPT, exc_fields),
	ROW(EV_IO, io_fields),
	ROW(EV_CODE_INVAL, inval_fields),
	ROW(EV_WALK, walk_fields),
	ROW(EV_SHUTDOWN, exc_fields),
	ROW(EV_STOP, stop_fields),
	ROW(EV_CPL, cpl_fields),
	ROW(EV_IRET, iret_fields),
	ROW(EV_VMEXIT, vmexit_fields),
	ROW(EV_VMENTRY, vmentry_fields),
	ROW(EV_VMENTRY_FAIL, vmfail_fields),
};

const struct ev_field *ev_fields(enum ev_kind k, int *n)
{
	if ((unsigned)k >= EV_KIND_COUNT || !kinds[k].f) {
		*n = 0;
		return NULL;
	}
	*n = kinds[k].n;
	return kinds[k].f;
}

const struct ev_field *ev_field_find(enum ev_kind k, const char *name)
{
	int n;
	const struct ev_field *f = ev_fields(k, &n);
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

int ev_kind_from_name(const char *name)
{
	for (int k = 0; k < EV_KIND_COUNT; k++)
		if (strcmp(ev_kind_name((enum ev_kind)k), name) == 0)
			return k;
	return -1;
}

/* Mnemonics of SDM Vol. 3A, 6.3.1, Table 6-1. */
static const char *const vector_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
	"#TS", "#NP", "#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM",
	"#VE", "#CP",
};

const char *ev_vector_name(unsigned v)
{
	return v < 32 ? vector_names[v] : NULL;
}

int ev_vector_from_name(const char *s)
{
	if (*s == '#')
		s++;
	for (unsigned v = 0; v < 32; v++) {
		const char *n = vector_names[v];
		if (!n)
			continue;
		if (*n == '#')
			n++;
		size_t i = 0;
		while (n[i] && s[i] && toupper((unsigned char)s[i]) == n[i])
			i++;
		if (!n[i] && !s[i])
			return (int)v;
	}
	return -1;
}
