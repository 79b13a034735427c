/* test_scenario.c - unit tests for scenarios (sim/scenario/), cost profiles (sim/cost.c) and event fields (sim/trace/). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../sim/cost.h"
#include "../../sim/machine.h"
#include "../../sim/paging/walk.h"
#include "../../sim/scenario/internal.h"
#include "../../sim/scenario/scenario.h"
#include "../../sim/trace/evfield.h"

/* ------------------------------------------------------------ helpers */

/* Write text to a fresh temporary .yaml file; returns its path (static buffer per call site). */
static void write_yaml(char *path, size_t len, const char *text)
{
	snprintf(path, len, "%s/vtsim-test-XXXXXX.yaml", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemps(path, 5);
	cr_assert_geq(fd, 0, "mkstemps");
	FILE *f = fdopen(fd, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load a scenario from text; the first error (if any) in err. */
static struct scenario *load_text(const char *text, char *err, size_t errlen)
{
	char path[256];
	write_yaml(path, sizeof path, text);
	struct diag d;
	diag_init(&d, "t.yaml");
	struct scenario *sc = scenario_load(path, &d);
	unlink(path);
	err[0] = 0;
	if (d.n) {
		/* Drop the temporary file's name: keep "LINE:COL: message". */
		const char *m = strstr(d.msg[0], ".yaml:");
		snprintf(err, errlen, "%s", m ? m + 6 : d.msg[0]);
	}
	diag_free(&d);
	return sc;
}

static struct machine *apply(struct scenario *sc)
{
	char err[200];
	struct machine_config cfg = { .ram_size = scenario_memory(sc) };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	cr_assert_not_null(m, "machine_new: %s", err);
	struct diag d;
	diag_init(&d, "t.yaml");
	int rc = scenario_apply(sc, m, &d);
	cr_assert_eq(rc, 0, "scenario_apply: %s", d.n ? d.msg[0] : "?");
	diag_free(&d);
	return m;
}

/* ------------------------------------------------------------ numbers */

Test(scenario, numbers)
{
	static const struct {
		const char *s;   /* text */
		bool ok;         /* parses */
		uint64_t v;      /* value */
	} cases[] = {
		{ "0", true, 0 }, { "42", true, 42 }, { "0x1f", true, 0x1f }, { "0X1F", true, 0x1f },
		{ "0b101", true, 5 }, { "0o17", true, 15 }, { "4K", true, 4096 }, { "2M", true, 2u << 20 },
		{ "1G", true, 1u << 30 }, { "1T", true, 1ull << 40 }, { "1_000", true, 1000 }, { "1e6", true, 1000000 },
		{ "0x10K", true, 0x4000 }, { "0xffffffffffffffff", true, UINT64_MAX }, { "-1", true, UINT64_MAX },
		{ "", false, 0 }, { "x", false, 0 }, { "0x", false, 0 }, { "12Q", false, 0 }, { "0b102", false, 0 },
		{ "0x10000000000000000", false, 0 }, { "1__0", false, 0 }, { "1e20", false, 0 }, { "16777216T", false, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t v = 0;
		const char *why;
		bool ok = sc_parse_u64(cases[i].s, true, &v, &why);
		cr_expect_eq(ok, cases[i].ok, "'%s': ok=%d", cases[i].s, ok);
		if (ok && cases[i].ok)
			cr_expect_eq(v, cases[i].v, "'%s': %#llx", cases[i].s, (unsigned long long)v);
	}
	uint64_t v;
	const char *why;
	cr_expect_not(sc_parse_u64("-1", false, &v, &why));
	cr_expect_str_eq(why, "negative numbers are not allowed here");
}

Test(scenario, vector_names)
{
	cr_expect_eq(ev_vector_from_name("#GP"), 13);
	cr_expect_eq(ev_vector_from_name("gp"), 13);
	cr_expect_eq(ev_vector_from_name("#pf"), 14);
	cr_expect_eq(ev_vector_from_name("NMI"), 2);
	cr_expect_eq(ev_vector_from_name("#XX"), -1);
	cr_expect_str_eq(ev_vector_name(8), "#DF");
	cr_expect_null(ev_vector_name(15));
	cr_expect_eq(ev_kind_from_name("exception"), EV_EXCEPTION);
	cr_expect_eq(ev_kind_from_name("vm-exit"), EV_VMEXIT);
	cr_expect_eq(ev_kind_from_name("vm-entry-fail"), EV_VMENTRY_FAIL);
	cr_expect_eq(ev_kind_from_name("vm-exits"), -1);
}

/* ------------------------------------------------------------ descriptors */

Test(scenario, descriptor_encoding)
{
	/* The loader's own flat descriptors (SDM Vol. 3A, 3.4.5) come out of the fields. */
	struct sc_desc code32 = { .type = 0xb, .s = 1, .dpl = 0, .present = 1, .db = 1, .l = 0, .g = 1, .avl = 0 };
	struct sc_desc code64 = { .type = 0xb, .s = 1, .dpl = 0, .present = 1, .db = 0, .l = 1, .g = 1, .avl = 0 };
	struct sc_desc data = { .type = 0x3, .s = 1, .dpl = 0, .present = 1, .db = 1, .l = 0, .g = 1, .avl = 0 };
	struct sc_desc tss64 = { .type = 0x9, .s = 0, .dpl = 0, .present = 1, .db = 0, .l = 0, .g = 0, .avl = 0, .wide = true };
	uint64_t hi;
	cr_expect_eq(sc_desc_encode(&code32, 0, 0xffffffff, &hi), 0x00cf9b000000ffffull);
	cr_expect_eq(sc_desc_encode(&code64, 0, 0xffffffff, &hi), 0x00af9b000000ffffull);
	cr_expect_eq(sc_desc_encode(&data, 0, 0xffffffff, &hi), 0x00cf93000000ffffull);
	cr_expect_eq(sc_desc_encode(&tss64, 0xffff800012345678ull, 0x67, &hi), 0x1200893456780067ull);
	cr_expect_eq(hi, 0xffff8000ull);
	uint32_t limit;
	cr_expect_eq(sc_desc_attr(&code64, 0xffffffff, &limit), 0xa09b);
	cr_expect_eq(limit, 0xffffffffu);
}

/* ------------------------------------------------------------ cost profiles */

static const char good_profile[] =
	"# a test profile\n"
	"name t\n"
	"description A test CPU\n"
	"frequency 2.5 GHz   # source: the test\n"
	"cycles.alu 1 # source: x\n"
	"cycles.mul 3 # source: x\n"
	"cycles.div 20 # estimate: x\n"
	"cycles.branch_taken 1 # source: x\n"
	"cycles.call_ret 2 # source: x\n"
	"cycles.string_iter 1 # source: x\n"
	"cycles.system 20 # source: x\n"
	"cycles.walk_ref 10 # source: x\n"
	"cycles.tlb_miss 7 # source: x\n"
	"cycles.pwc_hit 2 # source: x\n"
	"cycles.exception 200 # source: x\n"
	"cycles.interrupt 220 # source: x\n"
	"cycles.cr3_write 80 # source: x\n"
	"cycles.tlb_flush 10 # source: x\n"
	"cycles.vm_exit 1100 # source: x\n"
	"cycles.vm_entry 900 # source: x\n"
	"tlb.itlb_4k 128 # source: x\n"
	"tlb.dtlb_4k 64 # source: x\n"
	"tlb.dtlb_2m 32 # source: x\n"
	"tlb.dtlb_1g 0 # source: x\n"
	"tlb.stlb 512 # source: x\n"
	"tlb.pwc 32 # source: x\n";

Test(cost, parse_good)
{
	struct cost_profile p;
	char err[300];
	cr_assert_eq(cost_parse(good_profile, "t.profile", &p, err, sizeof err), 0, "%s", err);
	cr_expect_str_eq(p.name, "t");
	cr_expect_str_eq(p.description, "A test CPU");
	cr_expect_eq(p.hz, 2500000000ull);
	cr_expect_eq(p.cycles[COST_DIV], 20);
	cr_expect_eq(p.cycles[COST_VM_EXIT], 1100);
	cr_expect_eq(p.size[SIZE_STLB], 512);
	cr_expect_eq(p.estimates, 1ull << cost_item_figure(COST_DIV));
	cr_expect_str_eq(cost_item_name(COST_VM_ENTRY), "vm_entry");
}

static void expect_profile_error(const char *from, const char *to, const char *want)
{
	char text[4096], err[300];
	const char *at = strstr(good_profile, from);
	cr_assert_not_null(at, "%s", from);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good_profile), good_profile, to, at + strlen(from));
	struct cost_profile p;
	cr_expect_eq(cost_parse(text, "t.profile", &p, err, sizeof err), -1, "accepted: %s", to);
	cr_expect_str_eq(err, want);
}

Test(cost, parse_errors)
{
	expect_profile_error("cycles.div 20 # estimate: x", "cycles.div 20",
			     "t.profile:7:14: figure 'cycles.div' has no source (expected a comment '# source: ...' or '# estimate: ...')");
	expect_profile_error("cycles.div 20 # estimate: x", "cycles.div 20 # from memory",
			     "t.profile:7:17: the comment of 'cycles.div' must start with 'source:' or 'estimate:'");
	expect_profile_error("cycles.div 20", "cycles.div twenty",
			     "t.profile:7:12: bad cycle count for 'cycles.div' (expected a whole number below 2^32)");
	expect_profile_error("frequency 2.5 GHz", "frequency 2.5 Ghz",
			     "t.profile:4:11: bad frequency for 'frequency' (expected e.g. '3.4 GHz' or '2133 MHz')");
	expect_profile_error("cycles.div", "cycles.dvi",
			     "t.profile:7:1: unknown key 'cycles.dvi' (expected name, description, frequency, cycles.* or tlb.*; see profiles/README.md)");
	expect_profile_error("tlb.pwc 32 # source: x\n", "tlb.pwc 32 # source: x\ntlb.pwc 32 # source: x\n",
			     "t.profile:27:1: 'tlb.pwc' is given twice");
	expect_profile_error("tlb.pwc 32 # source: x\n", "",
			     "t.profile:25:1: figure 'tlb.pwc' is missing (every profile gives every figure)");
}

Test(cost, shipped_profiles)
{
	static const char *const names[] = { "p4-prescott", "core2-merom", "nehalem", "skylake" };
	const char *dirs[] = { TOP_SRCDIR "/profiles" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct cost_profile p;
		char err[600];
		cr_assert_eq(cost_find(names[i], dirs, 1, &p, err, sizeof err), 0, "%s: %s", names[i], err);
		cr_expect_str_eq(p.name, names[i]);
		cr_expect_gt(p.hz, 1000000000ull);
		cr_expect_gt(p.cycles[COST_VM_EXIT], p.cycles[COST_EXCEPTION], "%s: a VM exit costs more than an exception", names[i]);
	}
	struct cost_profile p;
	char err[600];
	cr_expect_eq(cost_find("486", dirs, 1, &p, err, sizeof err), -1);
	cr_expect_str_eq(err, "unknown CPU profile '486' (expected one of: core2-merom, nehalem, p4-prescott, skylake)");
}

/* ------------------------------------------------------------ paging builder against the walker */

/* The translation the core's walker gives for la, or ~0 when it would fault. */
static uint64_t translate(struct machine *m, uint64_t la, int access)
{
	struct walk w;
	bool in_tlb;
	return machine_translate(m, la, access, &w, &in_tlb) ? w.pa : ~0ull;
}

Test(paging_builder, four_level)
{
	char err[400];
	struct scenario *sc = load_text(
		"machine: {mode: long64, memory: 8M}\n"
		"memory: [{at: 0x1000, bytes: f4}]\n"
		"paging:\n"
		"  map:\n"
		"    - {va: 0, pa: 0, size: 2M, flags: [w]}\n"
		"    - {va: 0x40000000, pa: 0, size: 1G}\n"
		"    - {va: 0xffff800000000000, pa: 0x300000, count: 3, flags: [w, nx]}\n"
		"    - {va: 0x7000000000, pa: 0x400000, flags: [np]}\n",
		err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	struct machine *m = apply(sc);
	cr_expect_eq(translate(m, 0x1234, ACC_READ), 0x1234);
	cr_expect_eq(translate(m, 0x40001234, ACC_READ), 0x1234);
	cr_expect_eq(translate(m, 0x40001234, ACC_WRITE), ~0ull, "1G page is read-only");
	cr_expect_eq(translate(m, 0xffff800000002abcull, ACC_WRITE), 0x302abc);
	cr_expect_eq(translate(m, 0xffff800000002abcull, ACC_EXEC), ~0ull, "nx");
	cr_expect_eq(translate(m, 0xffff800000003000ull, ACC_READ), ~0ull, "beyond count");
	cr_expect_eq(translate(m, 0x7000000000ull, ACC_READ), ~0ull, "np");
	cr_expect_neq(machine_reg_get(m, VT_EFER) & (1u << 11), 0, "NXE set for nx");
	machine_free(m);
	scenario_free(sc);
}

Test(paging_builder, thirty_two_bit_and_pae)
{
	char err[400];
	struct scenario *sc = load_text(
		"machine: {mode: prot32, memory: 8M}\n"
		"memory: [{at: 0x1000, bytes: f4}]\n"
		"paging:\n"
		"  map:\n"
		"    - {va: 0, pa: 0, size: 4M, flags: [w]}\n"
		"    - {va: 0xc0000000, pa: 0x500000, count: 2, flags: [u]}\n",
		err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	struct machine *m = apply(sc);
	cr_expect_eq(translate(m, 0x3fffff, ACC_WRITE), 0x3fffff);
	cr_expect_eq(translate(m, 0xc0001004, ACC_READ), 0x501004);
	cr_expect_neq(machine_reg_get(m, VT_CR4) & (1u << 4), 0, "PSE set for a 4M page");
	machine_free(m);
	scenario_free(sc);

	sc = load_text("machine: {mode: prot32, memory: 8M}\n"
		       "memory: [{at: 0x1000, bytes: f4}]\n"
		       "paging:\n"
		       "  mode: pae\n"
		       "  map:\n"
		       "    - {va: 0, pa: 0, size: 2M, flags: [w]}\n"
		       "    - {va: 0x80000000, pa: 0x600000, flags: [w, nx]}\n",
		       err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	m = apply(sc);
	cr_expect_eq(translate(m, 0x80000ff0, ACC_WRITE), 0x600ff0);
	cr_expect_eq(translate(m, 0x80000ff0, ACC_EXEC), ~0ull);
	machine_free(m);
	scenario_free(sc);
}

/* ------------------------------------------------------------ errors */

static void expect_error(const char *text, const char *want)
{
	char err[400];
	struct scenario *sc = load_text(text, err, sizeof err);
	cr_expect_null(sc, "accepted: %s", text);
	cr_expect_str_eq(err, want);
	scenario_free(sc);
}

Test(scenario, errors)
{
	expect_error("machine: {mode: long64, memry: 1M}\n",
		     "1:25: machine: unknown key 'memry' (did you mean 'memory'? expected one of: memory, mode, profile, entry, tlb)");
	expect_error("memory: [{at: 0x1000, bytes: f4}]\nregisters: {rax: buf + 2*}\n",
		     "2:18: registers.rax: 'buf + 2*': expected a number at '' (expected a number such as 42, 0x1000 or 4K, or a label such as start or buf+8, or a sum such as 0x9000 + 0x33*8 or handler+2)");
	expect_error("memory: [{at: 0x1000, bytes: f4}]\nregisters: {rax: a + b}\n",
		     "2:18: registers.rax: 'a + b': two labels in one expression ('a' and 'b') (expected a number such as 42, 0x1000 or 4K, or a label such as start or buf+8, or a sum such as 0x9000 + 0x33*8 or handler+2)");
	expect_error("machine: {mode: prot32, memory: 1M}\nmemory: [{at: 0x1000, bytes: f4}]\nexpect: {registers: {rip: nowhere}}\n",
		     "3:27: unknown label 'nowhere' (expected a label defined in an asm:, asm_file: or elf: entry of memory:, and there are none)");
}

/* ------------------------------------------------------------ a whole run */

static void feed(void *opaque, const struct event *e)
{
	scenario_watch_event(opaque, e, NULL, NULL);
}

static void run_and_check(const char *text, int checked, int failed, const char *first)
{
	char err[400];
	struct scenario *sc = load_text(text, err, sizeof err);
	cr_assert_not_null(sc, "%s", err);
	struct machine *m = apply(sc);
	struct sc_watch *w = scenario_watch_new(sc);
	cr_assert_geq(machine_subscribe(m, scenario_event_mask(sc), feed, w), 0);
	enum stop_reason why = machine_run(m, 1000);
	struct sc_outcome o = { why, 0, "", 0 };
	struct sc_result r;
	scenario_check(sc, m, w, &o, &r);
	cr_expect_eq(r.checked, checked);
	cr_expect_eq(r.failed, failed, "%s", r.nmsg ? r.msg[0] : "");
	if (first)
		cr_expect(r.nmsg && strstr(r.msg[0], first) != NULL, "%s", r.nmsg ? r.msg[0] : "(none)");
	scenario_result_free(&r);
	scenario_watch_free(w);
	machine_free(m);
	scenario_free(sc);
}

/* mov eax, 5; out 0xe9, al; hlt (32-bit code) */
#define PROGRAM "memory: [{at: 0x1000, bytes: \"b8 05 00 00 00 e6 e9 f4\"}]\n"

Test(scenario, run_and_check)
{
	run_and_check("name: unit\nmachine: {mode: prot32, memory: 1M}\n" PROGRAM
		      "expect:\n"
		      "  stop: hlt\n"
		      "  registers: {rax: 5, rip: 0x1000 + 8}\n"
		      "  events: [{kind: io, port: 0xe9, value: 5, count: 1}]\n"
		      "  sequence: [{kind: io, write: yes}]\n"
		      "  instructions: {min: 3, max: 3}\n",
		      6, 0, NULL);
	run_and_check("machine: {mode: prot32, memory: 1M}\n" PROGRAM
		      "expect:\n"
		      "  registers: {rax: 6}\n"
		      "  events: [{kind: io, port: 0xe9, count: 0}]\n",
		      2, 2, "expect.registers.rax: expected 0x6, got 0x5");
}
