/* commands.c - the debugger's command table: parsing a line, help, the prompt, completion. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../scenario/scenario.h"
#include "../vmx/vmcs.h"
#include "../vmx/vmx.h"
#include "internal.h"
#include "repl.h"

/* One row per command: name, aliases, usage, what it does, an example. */
struct dbg_command {
	const char *name;       /* as typed */
	const char *aliases;    /* space-separated short forms, or "" */
	dbg_cmd_fn *fn;         /* NULL: handled here (help, quit) */
	const char *usage;      /* synopsis */
	const char *summary;    /* one line */
	const char *details;    /* more lines, or "" */
	const char *example;    /* one example */
};

static dbg_cmd_fn cmd_help, cmd_quit;

static const struct dbg_command commands[] = {
	/* run control */
	{ "step", "s si stepi", dbg_cmd_step, "step [N]", "run N instructions (default 1)",
	  "A step also ends where the CPU delivers an exception or interrupt, or\n"
	  "performs a VM exit or VM entry, so that you see the first instruction of\n"
	  "the handler. Breakpoints met on the way stop it.", "step 3" },
	{ "next", "n ni nexti", dbg_cmd_next, "next", "step over a CALL or INT n: run until it returns",
	  "Any other instruction is stepped as with 'step'.", "next" },
	{ "continue", "c cont", dbg_cmd_continue, "continue", "run until a breakpoint, HLT, shutdown or the scenario's limit",
	  "Ctrl-C stops a run in the interactive debugger.", "continue" },
	{ "until", "u advance", dbg_cmd_until, "until ADDR", "run until RIP reaches the linear address ADDR",
	  "Breakpoints met on the way stop it too.", "until 0x100010" },
	{ "finish", "fin", dbg_cmd_finish, "finish", "run until the current function returns (RET or IRET at this stack depth)", "",
	  "finish" },
	{ "reverse-step", "rs rsi reverse-stepi", dbg_cmd_reverse_step, "reverse-step [N]", "go back N steps (default 1)",
	  "The debugger keeps snapshots of the whole machine and re-runs forward\n"
	  "from the nearest earlier one: the simulation is deterministic.", "reverse-step 2" },
	{ "reverse-continue", "rc", dbg_cmd_reverse_continue, "reverse-continue",
	  "go back to the most recent place where a breakpoint would have stopped",
	  "Without one, it goes back to the start.", "reverse-continue" },
	{ "restart", "run r", dbg_cmd_restart, "restart", "go back to the start; breakpoints stay", "", "restart" },
	/* breakpoints */
	{ "break", "b", dbg_cmd_break, "break [ADDR | phys ADDR | gpa ADDR | EVENT [ARG]] [if COND]",
	  "stop at an address or when an event happens",
	  "  break ADDR              RIP reaches the linear address ADDR\n"
	  "  break phys ADDR         the instruction at RIP is at physical ADDR\n"
	  "                          (also: break *pa ADDR)\n"
	  "  break gpa ADDR          ... at guest-physical ADDR (under EPT)\n"
	  "  break exception [VEC]   an exception is delivered (#GP, GP or 13)\n"
	  "  break pagefault         a #PF is delivered\n"
	  "  break vmexit [REASON]   a VM exit (CPUID, ept-violation or 48)\n"
	  "  break vmentry           a VM entry\n"
	  "  break vmentry-fail      VMLAUNCH or VMRESUME fails\n"
	  "  break cpl-change        the privilege level changes\n"
	  "  break mode-change       the operating mode or the paging mode changes\n"
	  "  break io [PORT]         IN or OUT reaches a port\n"
	  "  break msr [MSR]         RDMSR or WRMSR is about to run (MSR by name or number)\n"
	  "Event breakpoints stop after the event, at the first instruction of the\n"
	  "handler (or of the host, for a VM exit).\n"
	  "With 'if COND' the breakpoint stops only when COND holds (see 'help condition').",
	  "break vmexit CPUID if rax == 1" },
	{ "watch", "", dbg_cmd_watch, "watch [phys|gpa] ADDR [LEN] [if COND]",
	  "stop when LEN bytes (default 1, at most 64) are written",
	  "A write is seen when the bytes change; the machine stops after the\n"
	  "instruction that wrote them. ADDR is linear unless 'phys' (physical) or\n"
	  "'gpa' (guest-physical, through EPT with the current EPT pointer) is given.", "watch 0x100040 4" },
	{ "rwatch", "", dbg_cmd_rwatch, "rwatch [phys|gpa] ADDR [LEN] [if COND]",
	  "stop before an instruction whose memory operand reads ADDR",
	  "Only explicit memory operands are seen (not PUSH, POP, string or\n"
	  "descriptor-table accesses); with 'gpa', only those of code running under EPT.", "rwatch 0x100040 4" },
	{ "awatch", "", dbg_cmd_awatch, "awatch [phys|gpa] ADDR [LEN] [if COND]",
	  "stop on reads and writes of ADDR (rwatch and watch)", "", "awatch 0x100040 8" },
	{ "condition", "cond", dbg_cmd_condition, "condition N [COND]",
	  "stop at breakpoint N only when COND holds; without COND, always",
	  "COND compares values with == != < <= > >=, joined by && and ||:\n"
	  "  values     numbers, registers (rax, eax, $rip), labels, + and -, ( )\n"
	  "  memory     *ADDR reads 8 bytes at a linear address; *(u8)ADDR,\n"
	  "             *(u16)ADDR, *(u32)ADDR, *(u64)ADDR other sizes: *(u32)(rsp+8)\n"
	  "  VMCS       fields by SDM name in VMX operation (EXIT_QUALIFICATION)\n"
	  "A bare value holds when it is not 0. COND is tested where the breakpoint\n"
	  "would stop: before the instruction for addresses, after the event or the\n"
	  "write for the others. One that cannot be tested (memory not mapped, no\n"
	  "VMCS) stops the machine and says why. 'break ADDR if COND' and\n"
	  "'watch ADDR if COND' set one at once.",
	  "condition 1 rax == 5 && *(u8)0x200000 != 0x90" },
	{ "info", "i", dbg_cmd_info, "info breakpoints|registers|watchpoints", "list breakpoints, or show the registers", "",
	  "info breakpoints" },
	{ "delete", "d", dbg_cmd_delete, "delete [N...]", "delete breakpoints N (all without N)", "", "delete 1" },
	{ "disable", "dis", dbg_cmd_disable, "disable N...", "disable breakpoints N", "", "disable 2" },
	{ "enable", "en", dbg_cmd_enable, "enable N...", "enable breakpoints N again", "", "enable 2" },
	/* state */
	{ "regs", "registers", dbg_cmd_regs, "regs", "general-purpose registers, RIP, RFLAGS", "", "regs" },
	{ "sregs", "", dbg_cmd_sregs, "sregs", "segment registers with their hidden part, checked against the GDT/LDT",
	  "Each segment register shows its selector and the descriptor cache (base,\n"
	  "limit, access rights). 'matches' says whether the descriptor the selector\n"
	  "names still holds the same values: after the table changes, the hidden\n"
	  "part keeps the old ones until the register is loaded again.", "sregs" },
	{ "cr", "", dbg_cmd_cr, "cr", "control registers and EFER, bits decoded", "", "cr" },
	{ "msr", "rdmsr", dbg_cmd_msr, "msr NAME|NUM", "read a model-specific register", "", "msr IA32_EFER" },
	{ "flags", "eflags rflags", dbg_cmd_flags, "flags", "RFLAGS, each flag decoded", "", "flags" },
	{ "x", "", dbg_cmd_x, "x/FMT [phys|gpa] ADDR", "examine memory: FMT is [COUNT][FORMAT][SIZE]",
	  "FORMAT: x hex, d signed, u unsigned, c characters, s string, i instructions.\n"
	  "SIZE: b 1, h 2, w 4, g 8 bytes. ADDR is linear unless 'phys' (physical) or\n"
	  "'gpa' (guest-physical, through EPT with the current EPT pointer) is given.", "x/4xg rsp" },
	{ "disas", "disassemble", dbg_cmd_disas, "disas [ADDR] [N]", "disassemble N instructions (default 8) at ADDR (default RIP)",
	  "ADDR is linear; addresses and branch targets are shown as the guest sees\n"
	  "them (linear), whatever physical page holds the bytes.", "disas rip 4" },
	{ "stack", "bt", dbg_cmd_stack, "stack [N]", "the N stack slots at RSP (default 8)", "", "stack 4" },
	{ "gdt", "", dbg_cmd_gdt, "gdt", "the global descriptor table, each descriptor decoded", "", "gdt" },
	{ "idt", "", dbg_cmd_idt, "idt [ALL]", "the interrupt descriptor table (present gates; 'all' for every one)", "", "idt" },
	{ "tss", "", dbg_cmd_tss, "tss", "the task-state segment TR points to", "", "tss" },
	{ "set", "", dbg_cmd_set, "set REG|VMCS_FIELD VALUE", "write a register or a field of the current VMCS",
	  "The change becomes part of the history: reverse-step past it and step\n"
	  "forward again, and it is made again.", "set rax 0x1234" },
	/* translation */
	{ "walk", "", dbg_cmd_walk, "walk ADDR [r|w|x]", "translate a linear address step by step, as the CPU would now",
	  "Each paging-structure entry is shown with its bits decoded. Under EPT\n"
	  "every guest-physical address (of each guest table and of the final page)\n"
	  "goes through the EPT walk first: the two-dimensional walk, with every\n"
	  "memory reference numbered in the order the CPU makes it. Nothing is\n"
	  "changed: no accessed/dirty flags, no TLB fill, no fault.", "walk 0x200000 w" },
	{ "tlb", "", dbg_cmd_tlb, "tlb [ADDR]", "the TLB model's entries and counters; with ADDR, whether it holds ADDR",
	  "Lists the valid ITLB and DTLB entries (linear page -> physical page, size,\n"
	  "PCID, VPID, EPT tag, global, rights), the paging-structure caches per\n"
	  "level with their tags, and the guest-physical TLB (EPT), then the counters.", "tlb" },
	/* VMX */
	{ "vmcs", "", dbg_cmd_vmcs, "vmcs [FIELD]", "the current VMCS grouped as the SDM groups it, or one field",
	  "Controls are decoded bit by bit by name; FIELD is an SDM name such as\n"
	  "GUEST_RIP or EXIT_QUALIFICATION (Tab completes them).", "vmcs VM_EXIT_REASON" },
	{ "exits", "", dbg_cmd_exits, "exits", "the recent VM exits, reasons and qualifications decoded", "", "exits" },
	{ "why", "", dbg_cmd_why, "why", "why the last exception, VM exit or failed VM entry happened, with its SDM section", "",
	  "why" },
	/* the scenario */
	{ "stats", "", dbg_cmd_stats, "stats", "instructions, cycles, VM exits by reason, TLB counters", "", "stats" },
	{ "trace", "", dbg_cmd_trace, "trace on|off|insns", "print every event as it happens (insns: every instruction too)", "",
	  "trace on" },
	{ "help", "h ?", cmd_help, "help [COMMAND]", "list the commands, or describe one", "", "help walk" },
	{ "quit", "q exit", cmd_quit, "quit", "end the session", "", "quit" },
};

#define NCOMMANDS ((int)(sizeof commands / sizeof commands[0]))

/* ---------------------------------------------------------------- output */

void dbg_flush_console(struct dbg *d)
{
	size_t len;
	const char *s = machine_console_output(d->m, &len);
	if (len < d->console_seen || d->quiet)
		return;
	if (len > d->console_seen) {
		fwrite(s + d->console_seen, 1, len - d->console_seen, d->out);
		d->mid_line = s[len - 1] != '\n';
		d->console_seen = len;
	}
}

static void start_line(struct dbg *d)
{
	dbg_flush_console(d);
	if (d->mid_line)
		fputc('\n', d->out);
	d->mid_line = false;
}

void dbg_printf(struct dbg *d, const char *fmt, ...)
{
	if (d->quiet)
		return;
	start_line(d);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
}

void dbg_error(struct dbg *d, const char *fmt, ...)
{
	start_line(d);
	fputs("error: ", d->out);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
}

/* ---------------------------------------------------------------- values */

bool dbg_parse_number(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	int base = 10;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	if (!isxdigit((unsigned char)*p))
		return false;
	unsigned long long v = strtoull(p, &end, base);
	if (*end == 'h' && base == 10) { /* 1000h, the SDM's way */
		v = strtoull(p, &end, 16);
		end++;
	}
	if (*end)
		return false;
	*out = v;
	return true;
}

/* One term: a number or a register. */
static bool parse_term(struct dbg *d, const char *s, size_t n, uint64_t *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf) {
		dbg_error(d, "'%.*s' is not a value (expected a number such as 0x1000, or a register such as rsp)", (int)n, s);
		return false;
	}
	memcpy(buf, s, n);
	buf[n] = 0;
	const char *r = buf[0] == '$' ? buf + 1 : buf;
	if (dbg_parse_number(buf, out))
		return true;
	char low[64];
	size_t k;
	for (k = 0; r[k]; k++)
		low[k] = (char)tolower((unsigned char)r[k]);
	low[k] = 0;
	int id = machine_reg_id(low);
	if (id >= 0) {
		*out = machine_reg_get(d->m, (enum vt_reg)id);
		return true;
	}
	/* 32-bit names read the low half. */
	if (low[0] == 'e' && low[1]) {
		char wide[64];
		snprintf(wide, sizeof wide, "r%s", low + 1);
		if ((id = machine_reg_id(wide)) >= 0 && id <= VT_RFLAGS) {
			*out = machine_reg_get(d->m, (enum vt_reg)id) & 0xffffffffu;
			return true;
		}
	}
	/* A label of the scenario's code. */
	if (d->sc && scenario_label(d->sc, buf, out, NULL))
		return true;
	dbg_error(d, "'%s' is not a value (expected a number such as 0x1000, a register such as rsp%s)", buf,
		  d->sc ? ", or a label of the scenario" : "");
	return false;
}

bool dbg_parse_value(struct dbg *d, const char *s, uint64_t *out)
{
	uint64_t acc = 0;
	int sign = 1;
	const char *p = s;
	if (*p == '-')
		sign = -1, p++;
	for (;;) {
		size_t n = strcspn(p, "+-");
		uint64_t v;
		if (!parse_term(d, p, n, &v))
			return false;
		acc = sign > 0 ? acc + v : acc - v;
		p += n;
		if (!*p)
			break;
		sign = *p == '+' ? 1 : -1;
		if (!*++p) {
			dbg_error(d, "'%s' ends with an operator", s);
			return false;
		}
	}
	*out = acc;
	return true;
}

/* ---------------------------------------------------------------- lookup */

static bool has_alias(const struct dbg_command *c, const char *w)
{
	const char *a = c->aliases;
	size_t n = strlen(w);
	while (*a) {
		size_t k = strcspn(a, " ");
		if (k == n && strncmp(a, w, n) == 0)
			return true;
		a += k;
		while (*a == ' ')
			a++;
	}
	return false;
}

/* Exact name or alias, then a unique prefix of a name. */
static const struct dbg_command *find_command(const char *w, int *ambiguous)
{
	*ambiguous = 0;
	for (int i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, w) == 0 || has_alias(&commands[i], w))
			return &commands[i];
	const struct dbg_command *found = NULL;
	size_t n = strlen(w);
	for (int i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, w, n) == 0) {
			if (found)
				(*ambiguous)++;
			found = &commands[i];
		}
	return *ambiguous ? NULL : found;
}

static int cmd_help(struct dbg *d, int argc, char **argv)
{
	if (argc > 2) {
		dbg_error(d, "help takes one command name (usage: help [COMMAND])");
		return 0;
	}
	if (argc == 2) {
		int amb;
		const char *w = argv[1];
		if (strncmp(w, "x/", 2) == 0)
			w = "x";
		const struct dbg_command *c = find_command(w, &amb);
		if (!c) {
			dbg_error(d, "no command '%s' (try 'help' for the list)", argv[1]);
			return 0;
		}
		dbg_printf(d, "usage: %s\n%s\n", c->usage, c->summary);
		if (*c->details)
			dbg_printf(d, "%s\n", c->details);
		if (*c->aliases)
			dbg_printf(d, "aliases: %s\n", c->aliases);
		dbg_printf(d, "example: %s\n", c->example);
		return 0;
	}
	static const struct {
		int first;          /* index of the group's first command */
		const char *title;  /* heading */
	} groups[] = { { 0, "Run control" }, { 8, "Breakpoints" }, { 17, "State" }, { 29, "Translation" },
		       { 31, "VMX" }, { 34, "The scenario" }, { 36, "The session" } };
	int g = 0;
	for (int i = 0; i < NCOMMANDS; i++) {
		if (g < (int)(sizeof groups / sizeof groups[0]) && groups[g].first == i)
			dbg_printf(d, "%s%s:\n", i ? "\n" : "", groups[g++].title);
		if (strlen(commands[i].usage) > 36)
			dbg_printf(d, "  %s\n  %-36s %s\n", commands[i].usage, "", commands[i].summary);
		else
			dbg_printf(d, "  %-36s %s\n", commands[i].usage, commands[i].summary);
	}
	dbg_printf(d, "\nNumbers are decimal or 0x hex; registers (rsp, $rip), the scenario's labels\n"
		      "and + - work in addresses. Commands may be shortened to a unique prefix. 'help COMMAND'\n"
		      "describes one with an example.\n");
	return 0;
}

static int cmd_quit(struct dbg *d, int argc, char **argv)
{
	(void)d, (void)argc, (void)argv;
	return 1;
}

/* ---------------------------------------------------------------- lifecycle */

struct dbg *dbg_new(struct machine *m, struct scenario *sc)
{
	struct dbg *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->m = m;
	d->sc = sc;
	d->out = stdout;
	d->next_id = 1;
	if (sc) {
		d->watch = scenario_watch_new(sc);
		d->max_insns = scenario_max_insns(sc);
	}
	uint32_t mask = EVB(EV_EXCEPTION) | EVB(EV_INTERRUPT) | EVB(EV_IO) | EVB(EV_SHUTDOWN) | EVB(EV_CPL) |
			EVB(EV_IRET) | EVB(EV_VMEXIT) | EVB(EV_VMENTRY) | EVB(EV_VMENTRY_FAIL);
	if (sc)
		mask |= scenario_event_mask(sc);
	d->handle = machine_subscribe(m, mask, dbg_on_event, d);
	if (d->handle < 0) {
		scenario_watch_free(d->watch);
		free(d);
		return NULL;
	}
	dbg_history_init(d);
	dbg_mark_seen(d);
	return d;
}

void dbg_interrupt(struct dbg *d)
{
	d->interrupted = 1;
}

void dbg_free(struct dbg *d)
{
	if (!d)
		return;
	machine_unsubscribe(d->m, d->handle);
	dbg_history_free(d);
	scenario_watch_free(d->watch);
	free(d);
}

/* Split a line into words (at most 32); a line whose first word starts with '#' is a comment. */
static int split(char *s, char **argv, int max)
{
	int argc = 0;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || (*s == '#' && argc == 0)) /* a comment line */
			break;
		if (argc == max)
			return -1;
		argv[argc++] = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		if (*s)
			*s++ = 0;
	}
	return argc;
}

int dbg_command(struct dbg *d, const char *line, FILE *out)
{
	d->out = out;
	d->quiet = false;
	d->interrupted = 0;
	char buf[1024];
	if (strlen(line) >= sizeof buf) {
		dbg_error(d, "the line is too long (at most %zu characters)", sizeof buf - 1);
		return 0;
	}
	strcpy(buf, line);
	char *argv[33];
	int argc = split(buf, argv, 32);
	if (argc < 0) {
		dbg_error(d, "too many words (at most 32)");
		return 0;
	}
	if (argc == 0)
		return 0;
	dbg_sync(d);
	/* x/FMT ADDR: the format is glued to the command. */
	char *fmt = NULL, fmtbuf[64];
	if (argv[0][0] == 'x' && argv[0][1] == '/') {
		snprintf(fmtbuf, sizeof fmtbuf, "%s", argv[0] + 1);
		fmt = fmtbuf;
		argv[0][1] = 0;
	}
	int amb;
	const struct dbg_command *c = find_command(argv[0], &amb);
	if (!c) {
		if (amb)
			dbg_error(d, "'%s' is ambiguous: it starts %d commands (try 'help')", argv[0], amb + 1);
		else
			dbg_error(d, "unknown command '%s' (try 'help')", argv[0]);
		return 0;
	}
	if (fmt) { /* hand x its format as the first argument */
		memmove(argv + 2, argv + 1, (size_t)argc * sizeof *argv);
		argv[1] = fmt;
		argc++;
	}
	int rc = c->fn(d, argc, argv);
	dbg_flush_console(d);
	if (d->mid_line) {
		fputc('\n', d->out);
		d->mid_line = false;
	}
	dbg_mark_seen(d);
	fflush(out);
	return rc == 1;
}

void dbg_prompt(struct dbg *d, char *buf, size_t len)
{
	int vmx = machine_vmx_mode(d->m);
	snprintf(buf, len, "(vtsim %s cpl%d%s 0x%llx) ", dbg_mode_name(d->m), machine_cpl(d->m),
		 vmx == 2 ? " non-root" : vmx == 1 ? " root" : "", (unsigned long long)machine_reg_get(d->m, VT_RIP));
}

/* ---------------------------------------------------------------- completion */

static const char *const break_words[] = { "phys", "gpa", "if", "exception", "pagefault", "vmexit", "vmentry",
					   "vmentry-fail", "cpl-change", "mode-change", "io", "msr", NULL };
static const char *const info_words[] = { "breakpoints", "registers", "watchpoints", NULL };
static const char *const trace_words[] = { "on", "off", "insns", NULL };

const char *dbg_complete(struct dbg *d, const char *line_so_far, const char *prefix, int n)
{
	(void)d;
	size_t pl = strlen(prefix);
	/* Which word is being completed, and the command before it. */
	char first[32] = "", second[32] = "";
	int words = 0;
	const char *p = line_so_far;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		size_t k = strcspn(p, " \t");
		if (p[k] == 0 && line_so_far[strlen(line_so_far) - 1] != ' ' && line_so_far[strlen(line_so_far) - 1] != '\t')
			break; /* the word being typed */
		char *dst = words == 0 ? first : words == 1 ? second : NULL;
		if (dst)
			snprintf(dst, 32, "%.*s", (int)k, p);
		words++;
		p += k;
	}
	int seen = 0;
#define OFFER(s) do { if (strncasecmp((s), prefix, pl) == 0 && seen++ == n) return (s); } while (0)
	if (words == 0) {
		for (int i = 0; i < NCOMMANDS; i++)
			OFFER(commands[i].name);
		return NULL;
	}
	int amb;
	const struct dbg_command *c = find_command(first, &amb);
	if (!c)
		return NULL;
	if (c->fn == dbg_cmd_break && words == 1) {
		for (int i = 0; break_words[i]; i++)
			OFFER(break_words[i]);
		return NULL;
	}
	if (c->fn == dbg_cmd_break && words == 2 && strcmp(second, "vmexit") == 0) {
		for (unsigned r = 0; r < EXIT_REASON_COUNT; r++)
			if (vmx_exit_reason_name(r))
				OFFER(vmx_exit_reason_name(r));
		return NULL;
	}
	if (c->fn == dbg_cmd_info && words == 1) {
		for (int i = 0; info_words[i]; i++)
			OFFER(info_words[i]);
		return NULL;
	}
	if (c->fn == dbg_cmd_trace && words == 1) {
		for (int i = 0; trace_words[i]; i++)
			OFFER(trace_words[i]);
		return NULL;
	}
	if (c->fn == cmd_help && words == 1) {
		for (int i = 0; i < NCOMMANDS; i++)
			OFFER(commands[i].name);
		return NULL;
	}
	if (c->fn == dbg_cmd_msr && words == 1) {
		static const uint32_t ranges[][2] = { { 0, 0x1000 }, { 0xc0000000, 0xc0000200 } };
		const char *last = NULL;
		for (int r = 0; r < 2; r++)
			for (uint32_t msr = ranges[r][0]; msr < ranges[r][1]; msr++) {
				const char *nm = machine_msr_name(msr);
				if (nm && nm != last && strchr(nm, ' ') == NULL)
					OFFER(nm);
				last = nm;
			}
		return NULL;
	}
	if (c->fn == cmd_help || c->fn == dbg_cmd_vmcs || c->fn == dbg_cmd_set || words >= 1) {
		if (c->fn != dbg_cmd_vmcs) {
			for (int r = 0; r < VT_REG_COUNT; r++)
				OFFER(machine_reg_name((enum vt_reg)r));
		}
		if (c->fn == dbg_cmd_vmcs || c->fn == dbg_cmd_set) {
			int nf;
			const struct vmcs_field_info *f = vmcs_fields(&nf);
			for (int i = 0; i < nf; i++)
				OFFER(f[i].name);
		}
	}
#undef OFFER
	return NULL;
}
