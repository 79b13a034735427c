/* exception.c - the one place exceptions and interrupts are delivered. */
#include "exception.h"

#include <stdio.h>

#include "../machine.h"
#include "access.h"
#include "exec.h"
#include "far.h"
#include "icache.h"
#include "segment.h"

const char *exc_name(int v)
{
	static const char *const n[32] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO",
		"#TS", "#NP", "#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM",
		"#VE", "#CP",
	};
	if (v >= 0 && v < 32 && n[v])
		return n[v];
	return "INT";
}

void cpu_raise(struct cpu *c, int vector, uint32_t error, bool has_error, const char *why)
{
	/* A fault while delivering an event external to the program (an
	 * interrupt or an earlier exception) sets EXT in its selector error
	 * code (SDM Vol. 3A, 6.13 "Error Code"). */
	if (c->delivering && !c->delivering_soft &&
	    (vector == EXC_TS || vector == EXC_NP || vector == EXC_SS || vector == EXC_GP))
		error |= 1;
	c->pending = (struct ev_exception){
		.vector = (uint8_t)vector, .has_error = has_error, .error = error,
		.rip = c->rip, .why = why ? why : "", .insn = "",
	};
	c->pending_soft = false;
	c->pending_ext = false;
	longjmp(*c->catch, 1);
}

void cpu_raise_ud(struct cpu *c, const char *why)
{
	cpu_raise(c, EXC_UD, 0, false, why);
}

void cpu_raise_gp0(struct cpu *c, const char *why)
{
	cpu_raise(c, EXC_GP, 0, true, why);
}

void exc_deliver_external(struct cpu *c, uint8_t vector)
{
	c->pending = (struct ev_exception){ .vector = vector, .rip = c->rip,
					    .why = "external interrupt (INTR) accepted with RFLAGS.IF=1 (SDM Vol. 3A, 6.3.2)",
					    .insn = "" };
	c->pending_soft = false;
	c->pending_ext = true;
	exc_deliver_pending(c);
}

void exc_deliver_nmi(struct cpu *c)
{
	c->pending = (struct ev_exception){ .vector = EXC_NMI, .rip = c->rip,
					    .why = "NMI accepted: no NMI handler was running (SDM Vol. 3A, 6.7.1)",
					    .insn = "" };
	c->pending_soft = false;
	c->pending_ext = true;
	c->pending_nmi = true;
	exc_deliver_pending(c);
}

void exc_deliver_trap(struct cpu *c, uint8_t vector, const char *why)
{
	c->pending = (struct ev_exception){ .vector = vector, .rip = c->rip, .why = why, .insn = "" };
	c->pending_soft = false;
	c->pending_ext = false;
	exc_deliver_pending(c);
}

void exc_soft_int(struct cpu *c, const struct insn *i, uint8_t vector)
{
	c->pending = (struct ev_exception){ .vector = vector, .rip = c->rip,
					    .why = "software interrupt: INT n, INT3 or INTO (SDM Vol. 3A, 6.4.2)",
					    .insn = "" };
	c->pending_soft = true;
	c->pending_ext = false;
	c->pending_insn = i;
	longjmp(*c->catch, 1);
}

/* Contributory exceptions (SDM Vol. 3A, 6.15, Table 6-4). */
static bool contributory(int v)
{
	return v == EXC_DE || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP;
}

/* Which pairs become a double fault (SDM Vol. 3A, 6.15, Table 6-5). */
static bool makes_double_fault(int first, int second)
{
	if (contributory(first))
		return contributory(second);
	if (first == EXC_PF)
		return contributory(second) || second == EXC_PF;
	return false;
}

/* Error code for a fault on an IDT entry: index, IDT bit, EXT bit (SDM Vol. 3A, 6.13). */
static uint32_t idt_error(uint8_t v, bool ext)
{
	return (uint32_t)v * 8 + 2 + (ext ? 1 : 0);
}

static void push_sized(struct cpu *c, unsigned size, uint64_t v)
{
	push(c, size, v);
}

/* Real-address mode: the IVT (SDM Vol. 3A, 21.1.4 "Interrupt and Exception Handling"). */
static void deliver_real(struct cpu *c, uint8_t v, uint64_t ret_rip)
{
	if ((uint32_t)v * 4 + 3 > c->idtr.limit)
		cpu_raise(c, EXC_GP, 0, false, "vector beyond the IVT limit (SDM Vol. 3A, 21.1.4)");
	uint64_t ent = sys_read(c, c->idtr.base + (uint64_t)v * 4, 4);
	push_sized(c, 2, cpu_get_rflags(c));
	push_sized(c, 2, c->seg[SEG_CS].sel);
	push_sized(c, 2, ret_rip);
	c->rflags &= ~(uint64_t)(FL_IF | FL_TF | FL_AC);
	cpu_load_seg_real(c, SEG_CS, (uint16_t)(ent >> 16));
	c->rip = ent & 0xffff;
}

/*
 * Load and check the code segment a gate points to (SDM Vol. 3A, 6.12.1.1)
 * and return the CPL the handler runs at: the target's DPL for a
 * nonconforming segment (a more privileged ring means a stack switch),
 * the current CPL for a conforming one.
 */
static unsigned gate_target(struct cpu *c, uint16_t sel, bool ext, uint64_t *desc)
{
	uint32_t err = (sel & 0xfffc) | (ext ? 1 : 0);
	if ((sel & 0xfffc) == 0)
		cpu_raise(c, EXC_GP, ext ? 1 : 0, true, "interrupt gate with a null code selector (SDM Vol. 3A, 6.12.1.1)");
	if (!seg_read_desc(c, sel, desc))
		cpu_raise(c, EXC_GP, err, true, "gate's code selector beyond the descriptor table (SDM Vol. 3A, 6.12.1.1)");
	if (!desc_is_code(*desc))
		cpu_raise(c, EXC_GP, err, true, "gate's selector does not name a code segment (SDM Vol. 3A, 6.12.1.1)");
	unsigned dpl = desc_dpl(*desc);
	if (dpl > c->cpl)
		cpu_raise(c, EXC_GP, err, true, "gate's code segment DPL > CPL (SDM Vol. 3A, 6.12.1.1)");
	if (!desc_present(*desc))
		cpu_raise(c, EXC_NP, err, true, "gate's code segment not present (SDM Vol. 3A, 6.12.1.1)");
	return desc_conforming(*desc) ? c->cpl : dpl;
}

static void enter_handler(struct cpu *c, uint16_t sel, uint64_t desc, uint64_t rip, bool int_gate,
			  unsigned cpl)
{
	far_load_cs(c, sel, desc, cpl);
	flags_materialize(c);
	c->rflags &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
	if (int_gate)
		c->rflags &= ~(uint64_t)FL_IF;
	cpu_update_mode(c);
	c->rip = rip;
}

/* Protected mode, 32-bit IDT (SDM Vol. 3A, 6.11 "IDT Descriptors", 6.12). */
static void deliver_prot(struct cpu *c, uint8_t v, enum deliver_kind kind, uint64_t ret_rip,
			 bool has_err, uint32_t err)
{
	bool ext = kind != DK_SOFT_INT;
	if ((uint32_t)v * 8 + 7 > c->idtr.limit)
		cpu_raise(c, EXC_GP, idt_error(v, ext), true, "vector beyond the IDT limit (SDM Vol. 3A, 6.10)");
	uint64_t g = sys_read(c, c->idtr.base + (uint64_t)v * 8, 8);
	unsigned type = (g >> 40) & 0x1f, dpl = (g >> 45) & 3;
	bool int_gate = type == 0x0e || type == 0x06, trap_gate = type == 0x0f || type == 0x07;
	if (type == 0x05)
		cpu_raise(c, EXC_GP, idt_error(v, ext), true, "task gates are not yet modelled by vtsim (SDM Vol. 3A, 6.12.2)");
	if (!int_gate && !trap_gate)
		cpu_raise(c, EXC_GP, idt_error(v, ext), true, "IDT entry is not an interrupt, trap or task gate (SDM Vol. 3A, 6.11)");
	if (kind == DK_SOFT_INT && dpl < c->cpl)
		cpu_raise(c, EXC_GP, idt_error(v, false), true, "INT n through a gate with DPL < CPL (SDM Vol. 3A, 6.12.1.1)");
	if (!(g & (1ull << 47)))
		cpu_raise(c, EXC_NP, idt_error(v, ext), true, "IDT gate not present (SDM Vol. 3A, 6.12.1.1)");
	uint16_t sel = (uint16_t)(g >> 16);
	uint64_t off = (g & 0xffff) | ((g >> 32) & 0xffff0000ull), desc;
	unsigned size = (type & 8) ? 4 : 2;
	unsigned cpl = gate_target(c, sel, ext, &desc);
	if (size == 2)
		off &= 0xffff;
	if (off > desc_limit(desc))
		cpu_raise(c, EXC_GP, ext ? 1 : 0, true, "handler offset beyond its code segment's limit (SDM Vol. 3A, 6.12.1)");
	uint64_t fl = cpu_get_rflags(c);
	if (cpl < c->cpl) {
		/* To a more privileged ring: its stack from the TSS, and the
		 * old SS:ESP pushed there first (SDM Vol. 3A, 6.12.1, Figure 6-4). */
		uint16_t nss;
		uint64_t nsp, ssd;
		struct segment nseg;
		far_tss_stack(c, cpl, 0, &nss, &nsp);
		ssd = far_check_new_ss(c, nss, cpl, false, EXC_TS);
		seg_cache_load(&nseg, nss, ssd);
		unsigned ssize = (nseg.attr & SEGA_DB) ? 4 : 2;
		nsp = far_push_to(c, &nseg, ssize, nsp, size, c->seg[SEG_SS].sel);
		nsp = far_push_to(c, &nseg, ssize, nsp, size, c->gpr[RSP] & size_mask(c->stack_size));
		nsp = far_push_to(c, &nseg, ssize, nsp, size, fl);
		nsp = far_push_to(c, &nseg, ssize, nsp, size, c->seg[SEG_CS].sel);
		nsp = far_push_to(c, &nseg, ssize, nsp, size, ret_rip);
		if (has_err)
			nsp = far_push_to(c, &nseg, ssize, nsp, size, err);
		far_load_ss(c, nss, ssd, cpl);
		reg_put(c, RSP, ssize, nsp);
	} else {
		push_sized(c, size, fl);
		push_sized(c, size, c->seg[SEG_CS].sel);
		push_sized(c, size, ret_rip);
		if (has_err)
			push_sized(c, size, err);
	}
	enter_handler(c, sel, desc, off, int_gate, cpl);
}

/* IA-32e mode, 64-bit IDT (SDM Vol. 3A, 6.14 "Exception and Interrupt Handling in 64-bit Mode"). */
static void deliver_long(struct cpu *c, uint8_t v, enum deliver_kind kind, uint64_t ret_rip,
			 bool has_err, uint32_t err)
{
	bool ext = kind != DK_SOFT_INT;
	if ((uint32_t)v * 16 + 15 > c->idtr.limit)
		cpu_raise(c, EXC_GP, idt_error(v, ext), true, "vector beyond the IDT limit (SDM Vol. 3A, 6.14.1)");
	uint64_t lo = sys_read(c, c->idtr.base + (uint64_t)v * 16, 8);
	uint64_t hi = sys_read(c, c->idtr.base + (uint64_t)v * 16 + 8, 8);
	unsigned type = (lo >> 40) & 0x1f, dpl = (lo >> 45) & 3, ist = (lo >> 32) & 7;
	if (type != 0x0e && type != 0x0f)
		cpu_raise(c, EXC_GP, idt_error(v, ext), true, "64-bit IDT entry is not an interrupt or trap gate (SDM Vol. 3A, 6.14.1)");
	if (kind == DK_SOFT_INT && dpl < c->cpl)
		cpu_raise(c, EXC_GP, idt_error(v, false), true, "INT n through a gate with DPL < CPL (SDM Vol. 3A, 6.12.1.1)");
	if (!(lo & (1ull << 47)))
		cpu_raise(c, EXC_NP, idt_error(v, ext), true, "IDT gate not present (SDM Vol. 3A, 6.14.1)");
	uint16_t sel = (uint16_t)(lo >> 16);
	uint64_t off = (lo & 0xffff) | ((lo >> 32) & 0xffff0000ull) | (hi << 32), desc;
	unsigned cpl = gate_target(c, sel, ext, &desc);
	if (!desc_l(desc) || desc_db(desc))
		cpu_raise(c, EXC_GP, (sel & 0xfffc) | (ext ? 1 : 0), true,
			  "64-bit gate must point to a 64-bit code segment (L=1, D=0) (SDM Vol. 3A, 6.14.1)");
	if (!is_canonical_c(c, off))
		cpu_raise(c, EXC_GP, ext ? 1 : 0, true, "handler address is not canonical (SDM Vol. 3A, 6.14.1)");
	/*
	 * The new stack (SDM Vol. 3A, 6.14.4 and 6.14.5): an IST entry when
	 * the gate names one, else the TSS's RSP for a more privileged ring,
	 * else the current stack. It is aligned to 16 bytes and SS:RSP is
	 * always pushed; on a ring change SS becomes null with RPL = new CPL.
	 */
	uint64_t old_rsp = c->gpr[RSP], nsp = old_rsp;
	uint16_t nss = c->seg[SEG_SS].sel;
	if (ist || cpl < c->cpl)
		far_tss_stack(c, cpl, ist, &nss, &nsp);
	if (cpl == c->cpl)
		nss = c->seg[SEG_SS].sel;
	nsp &= ~0xfull;
	uint64_t rf = cpu_get_rflags(c), cs = c->seg[SEG_CS].sel;
	struct segment flat = { 0, 0, 0xffffffff, 0 };
	nsp = far_push_to(c, &flat, 8, nsp, 8, c->seg[SEG_SS].sel);
	nsp = far_push_to(c, &flat, 8, nsp, 8, old_rsp);
	nsp = far_push_to(c, &flat, 8, nsp, 8, rf);
	nsp = far_push_to(c, &flat, 8, nsp, 8, cs);
	nsp = far_push_to(c, &flat, 8, nsp, 8, ret_rip);
	if (has_err)
		nsp = far_push_to(c, &flat, 8, nsp, 8, err);
	if (cpl < c->cpl)
		far_load_ss(c, nss, 0, cpl);
	c->gpr[RSP] = nsp;
	enter_handler(c, sel, desc, off, type == 0x0e, cpl);
}

static void emit_exception(struct cpu *c, enum ev_kind kind, const struct ev_exception *e)
{
	if (!ev_wanted(c->bus, kind))
		return;
	struct event ev = { .kind = kind };
	cpu_time_now(c, &ev.icount, &ev.cycles);
	ev.u.exc = *e;
	ev_emit(c->bus, &ev);
}

/* Which exceptions push an error code (SDM Vol. 3A, 6.13, Table 6-1 "Error Code"). */
static bool has_error_code(int v)
{
	return v == EXC_DF || v == EXC_TS || v == EXC_NP || v == EXC_SS || v == EXC_GP ||
	       v == EXC_PF || v == EXC_AC;
}

/*
 * Deliver an event injected by VM entry (SDM Vol. 3C, 27.6 "Event
 * Injection"): through the guest IDT as if it had happened right now,
 * without consulting the exception bitmap. Software events push RIP plus
 * the VM-entry instruction length.
 */
void exc_deliver_injected(struct cpu *c, uint32_t info, uint32_t err, uint32_t len)
{
	unsigned type = intr_info_type(info), vector = intr_info_vector(info);
	c->pending = (struct ev_exception){
		.vector = (uint8_t)vector, .has_error = (info & INTR_INFO_DELIVER_CODE) != 0, .error = err,
		.rip = c->rip, .why = "event injected by VM entry (SDM Vol. 3C, 27.6)", .insn = "",
	};
	c->pending_soft = type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
			  type == INTR_TYPE_PRIV_SW_EXC;
	c->pending_ext = type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI;
	c->pending_injected = true;
	c->pending_inject_type = (uint8_t)type;
	c->next_rip = (c->rip + len) & c->ip_mask;
	c->delivering_len = len;
	exc_deliver_pending(c);
}

void exc_deliver_pending(struct cpu *c)
{
	struct ev_exception e = c->pending;
	bool soft = c->pending_soft, ext = c->pending_ext, injected = c->pending_injected;
	bool nmi = c->pending_nmi || (injected && c->pending_inject_type == INTR_TYPE_NMI);
	c->pending_ext = false;
	c->pending_injected = false;
	c->pending_nmi = false;
	/* Delivering an NMI blocks further NMIs until IRET (6.7.1); an NMI
	 * injected with "virtual NMIs" sets virtual-NMI blocking instead
	 * (SDM Vol. 3C, 27.6.1.2). */
	if (nmi && injected && (c->vmx.pin & PIN_VIRTUAL_NMIS))
		c->vmx.vnmi_blocked = true;
	else if (nmi)
		c->nmi_blocked = true;
	if (injected) {
		/* The VMCS says whether an error code is pushed (27.6.1.2). */
	} else if (!soft && !ext) {
		/* Real-address mode pushes no error codes (SDM Vol. 3A, 21.1.4). */
		e.has_error = has_error_code(e.vector) && (c->cr0 & CR0_PE);
		if (!e.has_error)
			e.error = 0;
	}
	if (c->delivering) {
		/* Software and external interrupts are benign whatever their
		 * vector (Table 6-4): a fault while delivering one is delivered
		 * serially. */
		int first = c->delivering_benign ? -1 : c->delivering_vector;
		if (first == EXC_DF && c->vmx.guest) {
			/* In VMX non-root operation a triple fault is a VM exit
			 * (SDM Vol. 3C, 26.2), not a shutdown. */
			c->delivering = false;
			struct vmx_exit_info x = { .reason = EXIT_REASON_TRIPLE_FAULT };
			snprintf(c->vmx.why, sizeof c->vmx.why,
				 "triple fault in VMX non-root operation: %s while delivering #DF causes a VM exit (SDM Vol. 3C, 26.2)",
				 exc_name(e.vector));
			x.why = c->vmx.why;
			vmx_exit_raise(c, &x);
		}
		if (first == EXC_DF) {
			/* A fault while invoking the double-fault handler: shutdown (6.15, #DF). */
			snprintf(c->why, sizeof c->why, "triple fault: %s while delivering #DF -> shutdown (SDM Vol. 3A, 6.15, Interrupt 8)",
				 exc_name(e.vector));
			c->delivering = false;
			c->shutdown = true;
			e.why = c->why;
			c->last_exc = e;
			emit_exception(c, EV_SHUTDOWN, &e);
			return;
		}
		if (makes_double_fault(first, e.vector)) {
			snprintf(c->why, sizeof c->why, "%s while delivering %s -> double fault (SDM Vol. 3A, 6.15, Table 6-5)",
				 exc_name(e.vector), exc_name(first));
			e = (struct ev_exception){ .vector = EXC_DF, .has_error = true, .error = 0,
						   .rip = c->rip, .why = c->why, .insn = "" };
		}
	}
	/* VMX non-root operation: the exception bitmap may turn the exception
	 * into a VM exit (SDM Vol. 3C, 26.2); interrupts and injected events
	 * are not subject to it. */
	if (c->vmx.guest && !ext && !injected)
		vmx_exception_exits(c, e.vector, e.has_error, e.error, soft,
				    c->pending_insn && soft ? c->pending_insn->len : 0);
	if (e.vector == EXC_UD && !soft) {
		icache_describe(c->ic, c->insn_text, sizeof c->insn_text);
		e.insn = c->insn_text;
	}
	/* Blocking by STI or MOV SS ends when an event is delivered. */
	c->int_shadow = c->mov_ss_shadow = false;
	c->delivering = true;
	c->delivering_has_err = e.has_error;
	c->delivering_err = e.error;
	if (injected)
		c->delivering_type = c->pending_inject_type;
	else if (ext)
		c->delivering_type = nmi ? INTR_TYPE_NMI : INTR_TYPE_EXT_INTR;
	else if (soft)
		c->delivering_type = (e.vector == EXC_BP || e.vector == EXC_OF) ? INTR_TYPE_SOFT_EXCEPTION
										 : INTR_TYPE_SOFT_INTR;
	else
		c->delivering_type = INTR_TYPE_HARD_EXCEPTION;
	if (soft && !injected)
		c->delivering_len = c->pending_insn ? c->pending_insn->len : 0;
	c->delivering_vector = e.vector;
	c->delivering_benign = soft || ext;
	c->delivering_soft = soft;
	c->last_exc = e;
	c->have_exc = true;
	emit_exception(c, ext ? EV_INTERRUPT : EV_EXCEPTION, &e);

	enum deliver_kind kind = soft ? DK_SOFT_INT : ext ? DK_EXT_INT : DK_FAULT;
	c->cycles += ext ? c->cost_interrupt : c->cost_exception;
	uint64_t ret = soft ? c->next_rip : c->rip;
	c->halted = false;
	if (!(c->cr0 & CR0_PE))
		deliver_real(c, e.vector, ret);
	else if (c->efer & EFER_LMA)
		deliver_long(c, e.vector, kind, ret, e.has_error, e.error);
	else
		deliver_prot(c, e.vector, kind, ret, e.has_error, e.error);
	c->delivering = false;
	/* INT n is trap-like: once delivered, it has retired (SDM Vol. 3A, 6.5). */
	if (soft && !injected)
		cpu_retire_one(c, e.rip, c->pending_insn);
	c->attn |= ATTN_REFETCH;
}
