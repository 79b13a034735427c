/* vmcs.c - VMX in the debugger: the VMCS by SDM group and name, recent VM exits, and `why`. */
#include <string.h>
#include <strings.h>

#include "../paging/ept.h"
#include "../trace/evfield.h"
#include "../vmx/vmx.h"
#include "internal.h"

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

void dbg_decode_qual(uint32_t reason, uint64_t q, char *buf, size_t len)
{
	buf[0] = 0;
	switch (reason & 0xffff) {
	case EXIT_REASON_TASK_SWITCH: {
		static const char *const src[] = { "CALL", "IRET", "JMP", "task gate in IDT" };
		snprintf(buf, len, "(task switch to selector 0x%llx by %s)", (unsigned long long)(q & 0xffff), src[(q >> 30) & 3]);
		break;
	}
	case EXIT_REASON_INVLPG:
	case EXIT_REASON_INVPCID:
		snprintf(buf, len, "(linear address 0x%llx)", (unsigned long long)q);
		break;
	case EXIT_REASON_CR_ACCESS: {
		unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
		if (type == 0)
			snprintf(buf, len, "(MOV to CR%u from %s)", cr, gpr_names[gpr]);
		else if (type == 1)
			snprintf(buf, len, "(MOV from CR%u to %s)", cr, gpr_names[gpr]);
		else if (type == 2)
			snprintf(buf, len, "(CLTS)");
		else
			snprintf(buf, len, "(LMSW, source data 0x%llx)", (unsigned long long)((q >> 16) & 0xffff));
		break;
	}
	case EXIT_REASON_DR_ACCESS:
		snprintf(buf, len, "(MOV %s DR%u, %s)", (q >> 4) & 1 ? "from" : "to", (unsigned)(q & 7), gpr_names[(q >> 8) & 15]);
		break;
	case EXIT_REASON_IO_INSTRUCTION:
		snprintf(buf, len, "(%s%s%s port 0x%llx, %u byte%s%s)", (q >> 5) & 1 ? "REP " : "", (q >> 3) & 1 ? "IN" : "OUT",
			 (q >> 4) & 1 ? "S" : "", (unsigned long long)((q >> 16) & 0xffff), (unsigned)(q & 7) + 1,
			 (q & 7) ? "s" : "", (q >> 6) & 1 ? ", immediate port" : ", port in DX");
		break;
	case EXIT_REASON_EPT_VIOLATION: {
		size_t o = (size_t)snprintf(buf, len, "(%s%s%s; the page was %c%c%c", q & EPT_QUAL_READ ? "read" : "",
					    q & EPT_QUAL_WRITE ? "write" : "", q & EPT_QUAL_FETCH ? "fetch" : "",
					    q & EPT_QUAL_READABLE ? 'R' : '-', q & EPT_QUAL_WRITABLE ? 'W' : '-',
					    q & EPT_QUAL_EXECUTABLE ? 'X' : '-');
		if (q & EPT_QUAL_GLA_VALID)
			o += (size_t)snprintf(buf + o, len - o, "; guest-linear address valid; %s",
					      q & EPT_QUAL_FINAL ? "the final translation" : "a guest paging-structure access");
		if (q & EPT_QUAL_NMI_UNBLOCKING)
			o += (size_t)snprintf(buf + o, len - o, "; NMI unblocking by IRET");
		snprintf(buf + o, len - o, ")");
		break;
	}
	case EXIT_REASON_EXCEPTION_NMI:
		if (q)
			snprintf(buf, len, "(#PF: the linear address; #DB: the debug conditions)");
		break;
	default:
		break;
	}
}

/* Interruption information (SDM Vol. 3C, Tables 25-17, 25-19, 25-20). */
static void intr_info(uint32_t v, char *buf, size_t len)
{
	static const char *const types[8] = { "external interrupt", "reserved", "NMI", "hardware exception",
					      "software interrupt", "privileged software exception", "software exception",
					      "other event" };
	if (!(v & INTR_INFO_VALID)) {
		snprintf(buf, len, "not valid");
		return;
	}
	const char *n = intr_info_type(v) == INTR_TYPE_HARD_EXCEPTION ? ev_vector_name(intr_info_vector(v)) : NULL;
	snprintf(buf, len, "valid: %s, vector %u%s%s%s", types[intr_info_type(v)], intr_info_vector(v), n ? " " : "", n ? n : "",
		 v & INTR_INFO_DELIVER_CODE ? ", error code delivered" : "");
}

/* Decode a field's value for a human; "" if there is nothing to add. */
static void decode_field(struct dbg *d, uint32_t enc, uint64_t v, char *buf, size_t len)
{
	buf[0] = 0;
	switch (enc) {
	case EXCEPTION_BITMAP: {
		size_t o = 0;
		for (unsigned b = 0; b < 32; b++)
			if (v & (1ull << b)) {
				const char *n = ev_vector_name(b);
				o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? " " : "exits on: ", n ? n : "?");
			}
		if (!o)
			snprintf(buf, len, "no exception exits");
		break;
	}
	case VM_EXIT_REASON: {
		const char *n = vmx_exit_reason_name((unsigned)v);
		snprintf(buf, len, "%s (basic reason %u)%s", n ? n : "?", (unsigned)(v & 0xffff),
			 v & EXIT_REASON_FAILED_VMENTRY ? ", VM-entry failure" : "");
		break;
	}
	case EXIT_QUALIFICATION: {
		uint64_t r;
		if (machine_vmcs_read(d->m, VM_EXIT_REASON, &r))
			dbg_decode_qual((uint32_t)r, v, buf, len);
		break;
	}
	case VM_INSTRUCTION_ERROR:
		if (v)
			snprintf(buf, len, "%s", vmx_insn_error_text((unsigned)v));
		break;
	case VM_EXIT_INTR_INFO:
	case IDT_VECTORING_INFO_FIELD:
	case VM_ENTRY_INTR_INFO_FIELD:
		intr_info((uint32_t)v, buf, len);
		break;
	case EPT_POINTER:
		snprintf(buf, len, "EPT PML4 table at 0x%llx, walk length %u, memory type %s%s", (unsigned long long)(v & 0x000ffffffffff000ull),
			 eptp_walk_length(v), eptp_memtype(v) == 6 ? "WB" : eptp_memtype(v) == 0 ? "UC" : "invalid",
			 eptp_ad(v) ? ", accessed/dirty flags on" : "");
		break;
	case GUEST_ACTIVITY_STATE: {
		static const char *const a[] = { "active", "HLT", "shutdown", "wait-for-SIPI" };
		snprintf(buf, len, "%s", v < 4 ? a[v] : "invalid");
		break;
	}
	case GUEST_INTERRUPTIBILITY_INFO:
		snprintf(buf, len, "%s%s%s%s%s", v & GUEST_INTR_STATE_STI ? "blocking by STI " : "",
			 v & GUEST_INTR_STATE_MOV_SS ? "blocking by MOV SS " : "", v & GUEST_INTR_STATE_SMI ? "blocking by SMI " : "",
			 v & GUEST_INTR_STATE_NMI ? "blocking by NMI " : "", v & 0xf ? "" : "no blocking");
		break;
	case VMCS_LINK_POINTER:
		if (v == ~0ull)
			snprintf(buf, len, "none (all ones)");
		break;
	default:
		if (enc >= GUEST_ES_AR_BYTES && enc <= GUEST_TR_AR_BYTES) {
			if (v & (1u << 16))
				snprintf(buf, len, "unusable");
			else
				snprintf(buf, len, "type %u, S=%u, DPL %u, P=%u, L=%u, D/B=%u, G=%u", (unsigned)(v & 15),
					 (unsigned)((v >> 4) & 1), (unsigned)((v >> 5) & 3), (unsigned)((v >> 7) & 1),
					 (unsigned)((v >> 13) & 1), (unsigned)((v >> 14) & 1), (unsigned)((v >> 15) & 1));
		}
		break;
	}
}

static bool is_control_field(uint32_t enc)
{
	return enc == PIN_BASED_VM_EXEC_CONTROL || enc == CPU_BASED_VM_EXEC_CONTROL || enc == SECONDARY_VM_EXEC_CONTROL ||
	       enc == VM_EXIT_CONTROLS || enc == VM_ENTRY_CONTROLS;
}

static void show_field(struct dbg *d, const struct vmcs_field_info *f, uint64_t v, bool verbose)
{
	unsigned bitsw = vmcs_width_bits(vmcs_enc_width(f->enc));
	char dec[400];
	decode_field(d, f->enc, v, dec, sizeof dec);
	dbg_printf(d, "  %-34s %04X  0x%0*llx%s%s\n", f->name, f->enc, (int)bitsw / 4, (unsigned long long)v, *dec ? "  " : "", dec);
	if (!is_control_field(f->enc))
		return;
	int n;
	const struct vmx_control *c = vmx_controls(&n);
	uint32_t named = 0;
	for (int i = 0; i < n; i++) {
		if (c[i].field != f->enc)
			continue;
		named |= c[i].bit;
		if (verbose || (v & c[i].bit))
			dbg_printf(d, "      [%c] %-36s bit %2d%s\n", v & c[i].bit ? 'x' : ' ', c[i].name, __builtin_ctz(c[i].bit),
				   vmx_control_implemented(&c[i]) ? "" : "  (not implemented)");
	}
	uint64_t cap = 0;
	vmx_cap_msr(vmx_control_msr(f->enc), &cap);
	for (int b = 0; b < 32; b++)
		if ((v & (1ull << b)) && !(named & (1u << b)))
			dbg_printf(d, "      [x] %-36s bit %2d%s\n", "(reserved)", b,
				   ((uint32_t)cap & (1u << b)) ? "  (fixed to 1 by the capability MSR)" : "");
}

/* SDM Vol. 3C, 25.3: guest state, host state, then the control fields, then exit information. */
enum group { G_GUEST, G_HOST, G_EXEC, G_EXIT, G_ENTRY, G_INFO, G_COUNT };

static enum group group_of(const struct vmcs_field_info *f)
{
	switch (vmcs_enc_type(f->enc)) {
	case VMCS_GUEST: return G_GUEST;
	case VMCS_HOST: return G_HOST;
	case VMCS_EXIT_INFO: return G_INFO;
	default:
		if (!strncmp(f->name, "VM_EXIT_", 8))
			return G_EXIT;
		if (!strncmp(f->name, "VM_ENTRY_", 9))
			return G_ENTRY;
		return G_EXEC;
	}
}

int dbg_cmd_vmcs(struct dbg *d, int argc, char **argv)
{
	if (argc > 2) {
		dbg_error(d, "usage: vmcs [FIELD]");
		return 0;
	}
	int vmx = machine_vmx_mode(d->m);
	uint64_t probe;
	if (!vmx || !machine_vmcs_read(d->m, VM_EXIT_REASON, &probe)) {
		dbg_error(d, "%s", !vmx ? "the CPU is not in VMX operation (no VMXON yet): there is no VMCS"
					: "there is no current VMCS (VMPTRLD loads one)");
		return 0;
	}
	if (argc == 2) {
		const struct vmcs_field_info *f = vmcs_field_by_name(argv[1]);
		uint64_t v;
		if (!f) {
			dbg_error(d, "'%s' is not a VMCS field (SDM names such as GUEST_RIP; 'vtsim vmx fields' lists them)", argv[1]);
			return 0;
		}
		if (!machine_vmcs_read(d->m, f->enc, &v)) {
			dbg_error(d, "%s (%s) does not exist on vtsim: its feature is not implemented", f->name, f->title);
			return 0;
		}
		dbg_printf(d, "%s: %s\n", f->title, vmcs_type_name(vmcs_enc_type(f->enc)));
		show_field(d, f, v, true);
		return 0;
	}
	static const char *const titles[G_COUNT] = {
		"Guest-state area (SDM Vol. 3C, 25.4)", "Host-state area (25.5)", "VM-execution control fields (25.6)",
		"VM-exit control fields (25.7)", "VM-entry control fields (25.8)", "VM-exit information fields (25.9)",
	};
	dbg_printf(d, "The current VMCS (%s operation):\n", vmx == 2 ? "VMX non-root" : "VMX root");
	int n;
	const struct vmcs_field_info *f = vmcs_fields(&n);
	for (int g = 0; g < G_COUNT; g++) {
		dbg_printf(d, "%s\n", titles[g]);
		for (int i = 0; i < n; i++) {
			uint64_t v;
			if (group_of(&f[i]) != (enum group)g || !machine_vmcs_read(d->m, f[i].enc, &v))
				continue;
			show_field(d, &f[i], v, false);
		}
	}
	return 0;
}

bool dbg_vmcs_set(struct dbg *d, const char *name, const char *value, bool *handled)
{
	*handled = false;
	const struct vmcs_field_info *f = vmcs_field_by_name(name);
	if (!f)
		return false;
	*handled = true;
	uint64_t v;
	if (!dbg_parse_value(d, value, &v))
		return false;
	if (!machine_vmcs_write(d->m, f->enc, v)) {
		dbg_error(d, "cannot write %s: no current VMCS, or the field does not exist on vtsim", f->name);
		return false;
	}
	machine_vmcs_read(d->m, f->enc, &v);
	dbg_printf(d, "%s = 0x%llx\n", f->name, (unsigned long long)v);
	if (machine_vmx_mode(d->m) == 2 && vmcs_enc_type(f->enc) != VMCS_HOST)
		dbg_printf(d, "(in non-root operation the CPU uses the values it loaded at VM entry; this takes effect at the next "
			      "VM entry or exit that reads it)\n");
	return true;
}

int dbg_cmd_exits(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "exits takes no arguments");
		return 0;
	}
	if (!d->nexits) {
		dbg_printf(d, "No VM exits yet.\n");
		return 0;
	}
	dbg_printf(d, "The last %d VM exit%s, oldest first:\n", d->nexits, d->nexits == 1 ? "" : "s");
	for (int k = 0; k < d->nexits; k++) {
		const struct dbg_exit *x = &d->exits[(d->exit_head - d->nexits + k + DBG_MAX_EXITS) % DBG_MAX_EXITS];
		const char *name = vmx_exit_reason_name(x->reason);
		char q[200];
		if (x->failed) {
			dbg_printf(d, "  step %llu, insn %llu: VM entry failed at rip 0x%llx (error/reason 0x%x)\n",
				   (unsigned long long)x->t, (unsigned long long)x->icount, (unsigned long long)x->from_rip, x->reason);
		} else {
			dbg_decode_qual(x->reason, x->qual, q, sizeof q);
			dbg_printf(d, "  step %llu, insn %llu: %s (reason %u)%s, qualification 0x%llx%s%s\n", (unsigned long long)x->t,
				   (unsigned long long)x->icount, name ? name : "?", x->reason & 0xffff,
				   x->reason & EXIT_REASON_FAILED_VMENTRY ? " VM-entry failure" : "", (unsigned long long)x->qual,
				   *q ? " " : "", q);
			dbg_printf(d, "      guest rip 0x%llx -> host rip 0x%llx\n", (unsigned long long)x->from_rip,
				   (unsigned long long)x->to_rip);
		}
		if (x->why[0])
			dbg_printf(d, "      %s\n", x->why);
	}
	return 0;
}

int dbg_cmd_why(struct dbg *d, int argc, char **argv)
{
	if (argc > 1) {
		dbg_error(d, "why takes no arguments");
		return 0;
	}
	const struct ev_exception *e = machine_last_exception(d->m);
	const char *v = machine_vmx_why(d->m);
	if (!e && (!v || !*v)) {
		dbg_printf(d, "Nothing to explain yet: no exception, VM exit or failed VM entry has happened.\n");
		return 0;
	}
	if (e) {
		const char *n = ev_vector_name(e->vector);
		dbg_printf(d, "Last exception: %s (vector %u) at rip 0x%llx", n ? n : "INT n", e->vector, (unsigned long long)e->rip);
		if (e->has_error)
			dbg_printf(d, ", error code 0x%x", e->error);
		if (e->insn && *e->insn)
			dbg_printf(d, " [%s]", e->insn);
		dbg_printf(d, "\n  %s\n", e->why && *e->why ? e->why : "(no explanation recorded)");
	}
	if (v && *v)
		dbg_printf(d, "Last VM exit or VM entry:\n  %s\n", v);
	return 0;
}
