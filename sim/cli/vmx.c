/* vmx.c - `vtsim vmx`: print vtsim's VMX tables (what exits, the VM-entry checks, VMCS fields, controls, capabilities). */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../vmx/entry.h"
#include "../vmx/vmx.h"
#include "cli.h"

static const char vmx_help[] =
	"usage: vtsim vmx TABLE [FILTER]\n"
	"\n"
	"Print one of vtsim's VMX tables, the data the simulator itself runs on:\n"
	"  exits [WORD]     which guest action causes a VM exit, under which control,\n"
	"                   with which exit reason and qualification (SDM Vol. 3C, 26.1-26.2)\n"
	"  checks [WORD]    the VM-entry checks, one row each, in the order VM entry\n"
	"                   performs them (SDM Vol. 3C, 27.2-27.4); WORD filters ids,\n"
	"                   e.g. 'guest.cs' or 'host'\n"
	"  fields [WORD]    the VMCS fields with their encodings (SDM Vol. 3C, Appendix B)\n"
	"  controls [WORD]  the VM-execution, VM-exit and VM-entry controls by name, and\n"
	"                   which of them vtsim implements\n"
	"  caps             the VMX capability MSRs 480H-490H (SDM Vol. 3C, Appendix A)\n"
	"A FILTER keeps the rows that contain it (case-insensitive).\n";

static bool keep(const char *filter, const char *a, const char *b)
{
	return !filter || (a && strcasestr(a, filter)) || (b && strcasestr(b, filter));
}

static int print_exits(const char *filter)
{
	int n;
	const struct vmx_exit_rule *r = vmx_exit_rules(&n);
	static const char *const ctl[] = { "always", "pin-based", "processor-based", "secondary", "bitmaps/masks" };
	for (int k = 0; k < n; k++) {
		const char *name = vmx_exit_reason_name(r[k].reason);
		if (!keep(filter, r[k].what, name))
			continue;
		printf("%s\n  exit reason %u (%s); control: %s\n  exits when: %s\n  qualification: %s\n  SDM Vol. 3C, %s\n",
		       r[k].what, r[k].reason, name ? name : "?", ctl[r[k].ctl < 5 ? r[k].ctl : 4], r[k].when, r[k].qual,
		       r[k].section);
	}
	return 0;
}

static int print_checks(const char *filter)
{
	int n;
	const struct vmx_check *c = vmx_entry_checks(&n);
	static const char *const stage[] = { "control (VMfailValid 7)", "host (VMfailValid 8)",
					     "guest (exit reason 33)", "MSR load (exit reason 34)" };
	int shown = 0;
	for (int k = 0; k < n; k++) {
		if (!keep(filter, c[k].id, c[k].section))
			continue;
		printf("%-40s %s\n  %s\n  SDM Vol. 3C, %s\n", c[k].id, stage[c[k].stage & 3], c[k].text, c[k].section);
		shown++;
	}
	printf("%d of %d checks\n", shown, n);
	return 0;
}

static int print_fields(const char *filter)
{
	int n;
	const struct vmcs_field_info *f = vmcs_fields(&n);
	for (int k = 0; k < n; k++) {
		if (!keep(filter, f[k].name, f[k].title))
			continue;
		printf("%04X  %-32s %2u-bit  %-12s %s%s\n", f[k].enc, f[k].name, vmcs_width_bits(vmcs_enc_width(f[k].enc)),
		       vmcs_enc_type(f[k].enc) == VMCS_CONTROL ? "control" : vmcs_enc_type(f[k].enc) == VMCS_EXIT_INFO ? "exit-info"
		       : vmcs_enc_type(f[k].enc) == VMCS_GUEST ? "guest-state" : "host-state",
		       f[k].title, vmx_feature_supported((enum vmcs_feature)f[k].feature) ? "" : "  (not implemented)");
	}
	return 0;
}

static int print_controls(const char *filter)
{
	int n;
	const struct vmx_control *c = vmx_controls(&n);
	for (int k = 0; k < n; k++) {
		const struct vmcs_field_info *f = vmcs_field_by_enc(c[k].field);
		if (!keep(filter, c[k].name, f ? f->name : NULL))
			continue;
		uint64_t cap = 0;
		vmx_cap_msr(vmx_control_msr(c[k].field), &cap);
		unsigned bit = (unsigned)__builtin_ctz(c[k].bit);
		printf("%-34s %-28s bit %2u  %s\n", c[k].name, f ? f->name : "?", bit,
		       !vmx_control_implemented(&c[k]) ? "not implemented" : ((uint32_t)cap & c[k].bit) ? "must be 1" : "implemented");
	}
	return 0;
}

static int print_caps(void)
{
	for (uint32_t msr = IA32_VMX_BASIC; msr <= IA32_VMX_TRUE_ENTRY_CTLS; msr++) {
		uint64_t v;
		if (vmx_cap_msr(msr, &v))
			printf("%03XH  %-30s %016llX\n", msr, vmx_cap_msr_name(msr), (unsigned long long)v);
	}
	return 0;
}

int cmd_vmx(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(vmx_help, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (argc > 3) {
		cli_error("vmx: too many arguments (expected TABLE [FILTER]; see 'vtsim vmx --help')");
		return EXIT_USAGE;
	}
	const char *t = argv[1], *filter = argc > 2 ? argv[2] : NULL;
	if (strcmp(t, "exits") == 0)
		return print_exits(filter);
	if (strcmp(t, "checks") == 0)
		return print_checks(filter);
	if (strcmp(t, "fields") == 0)
		return print_fields(filter);
	if (strcmp(t, "controls") == 0)
		return print_controls(filter);
	if (strcmp(t, "caps") == 0 && !filter)
		return print_caps();
	cli_error("vmx: unknown table '%s' (expected exits, checks, fields, controls or caps)", t);
	return EXIT_USAGE;
}
