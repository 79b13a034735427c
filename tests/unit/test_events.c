/* test_events.c - unit tests for the event bus as the machine drives it (sim/event.c and its emitters). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

#define MAX_EV 256

/* Everything a listener saw, in order. */
struct rec {
	int n;                        /* events recorded */
	struct event ev[MAX_EV];      /* copies */
};

static void record(void *opaque, const struct event *e)
{
	struct rec *r = opaque;
	if (r->n < MAX_EV)
		r->ev[r->n] = *e;
	r->n++;
}

static int count_kind(const struct rec *r, enum ev_kind k)
{
	int n = 0;
	for (int i = 0; i < r->n && i < MAX_EV; i++)
		n += r->ev[i].kind == k;
	return n;
}

/*
 * EV_INSN: one event per retired instruction, in program order, with its
 * RIP and length; the count matches machine_icount. A loop:
 *   0: mov ecx, 3   5: L: dec ecx   7: jnz L   9: hlt
 */
Test(events, insn_stream)
{
	static const uint8_t code[] = { 0xb9, 0x03, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75, 0xfc };
	static const uint64_t rips[] = { 0, 5, 7, 5, 7, 5, 7, 9 };
	static const uint8_t lens[] = { 5, 2, 2, 2, 2, 2, 2, 1 };
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	int h = machine_subscribe(m, EVB(EV_INSN), record, &r);
	cr_assert_geq(h, 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(r.n, 8);
	cr_assert_eq((uint64_t)r.n, machine_icount(m));
	for (int i = 0; i < r.n; i++) {
		cr_expect_eq(r.ev[i].kind, EV_INSN);
		cr_expect_eq(r.ev[i].u.insn.rip, TM_CODE + rips[i], "event %d: rip %#llx", i,
			     (unsigned long long)r.ev[i].u.insn.rip);
		cr_expect_eq(r.ev[i].u.insn.len, lens[i], "event %d: len", i);
		cr_expect_eq(r.ev[i].icount, (uint64_t)i + 1, "event %d: icount counts the instruction", i);
		if (i)
			cr_expect_geq(r.ev[i].cycles, r.ev[i - 1].cycles);
	}
	machine_free(m);
}

/* EV_IO: port, size, direction and value of each IN and OUT. */
Test(events, io)
{
	static const uint8_t code[] = {
		0xb0, 0x41,             /* mov al, 'A' */
		0xe6, 0xe9,             /* out 0xe9, al */
		0x66, 0xba, 0xfd, 0x03, /* mov dx, 0x3fd */
		0xec,                   /* in al, dx */
		0x66, 0xba, 0x80, 0x00, /* mov dx, 0x80 */
		0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0xef,                   /* out dx, eax */
		0x66, 0xed,             /* in ax, dx */
	};
	static const struct ev_io want[] = {
		{ 0xe9, 1, true, 0x41 },
		{ 0x3fd, 1, false, 0x60 },
		{ 0x80, 4, true, 0x12345678 },
		{ 0x80, 2, false, 0xffff },
	};
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	cr_assert_geq(machine_subscribe(m, EVB(EV_IO), record, &r), 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(r.n, 4);
	for (int i = 0; i < 4; i++) {
		const struct ev_io *io = &r.ev[i].u.io;
		cr_expect_eq(r.ev[i].kind, EV_IO);
		cr_expect_eq(io->port, want[i].port, "event %d: port %#x", i, io->port);
		cr_expect_eq(io->size, want[i].size, "event %d: size", i);
		cr_expect_eq(io->write, want[i].write, "event %d: direction", i);
		cr_expect_eq(io->value, want[i].value, "event %d: value %#x", i, io->value);
	}
	machine_free(m);
}

/*
 * EV_EXCEPTION for each delivery attempt, EV_SHUTDOWN at the triple
 * fault, EV_STOP once per machine_run with the stop reason.
 */
Test(events, exception_shutdown_stop)
{
	static const uint8_t code[] = { 0x90, 0x0f, 0x0b }; /* nop; ud2 */
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION) | EVB(EV_SHUTDOWN) | EVB(EV_STOP), record, &r), 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
	cr_assert_eq(r.n, 5, "#UD, #GP, #DF, shutdown, stop");
	cr_assert_eq(r.ev[0].kind, EV_EXCEPTION);
	cr_assert_eq(r.ev[0].u.exc.vector, 6);
	cr_assert_eq(r.ev[0].u.exc.rip, TM_CODE + 1);
	cr_assert_eq(r.ev[0].u.exc.has_error, false);
	cr_assert_not_null(r.ev[0].u.exc.why);
	cr_assert_eq(r.ev[0].icount, 1, "the NOP had retired");
	cr_assert_eq(r.ev[1].kind, EV_EXCEPTION);
	cr_assert_eq(r.ev[1].u.exc.vector, 13);
	cr_assert(r.ev[1].u.exc.has_error, "#GP pushes an error code");
	cr_assert_eq(r.ev[1].u.exc.error, (6 << 3) | 2 | 1, "IDT entry 6 beyond the limit: index, IDT, EXT");
	cr_assert_eq(r.ev[2].kind, EV_EXCEPTION);
	cr_assert_eq(r.ev[2].u.exc.vector, 8);
	cr_assert(r.ev[2].u.exc.has_error);
	cr_assert_eq(r.ev[2].u.exc.error, 0, "#DF's error code is 0");
	cr_assert_eq(r.ev[3].kind, EV_SHUTDOWN);
	cr_assert_eq(r.ev[4].kind, EV_STOP);
	cr_assert_eq(r.ev[4].u.stop, STOP_SHUTDOWN);
	cr_assert_eq(r.ev[4].icount, 1);
	machine_free(m);
}

/*
 * The error code for a vector beyond the IDT limit (SDM Vol. 3A, 6.13,
 * Figure 6-6): the index field (bits 15:3) is the vector number in every
 * mode, although 64-bit IDT entries are 16 bytes; IDT (bit 1) is set; EXT
 * (bit 0) is set because the #GP arose while delivering an earlier
 * exception: 6*8 + 2 + 1 = 33h.
 */
Test(events, idt_error_code_index)
{
	static const uint8_t code[] = { 0x0f, 0x0b }; /* ud2 */
	static const enum start_mode modes[] = { START_LONG64, START_PROT32 };
	for (int j = 0; j < 2; j++) {
		struct rec r = { 0 };
		struct machine *m = tm_new(modes[j]);
		cr_assert_geq(machine_subscribe(m, EVB(EV_EXCEPTION), record, &r), 0);
		cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_SHUTDOWN);
		cr_assert_geq(r.n, 2);
		cr_assert_eq(r.ev[1].u.exc.vector, 13);
		cr_expect_eq(r.ev[1].u.exc.error, (6 << 3) | 2 | 1, "mode %d: error code %#x", j, r.ev[1].u.exc.error);
		machine_free(m);
	}
}

/* EV_STOP for every run: max-insns, then HLT. */
Test(events, stop_each_run)
{
	static const uint8_t code[] = { 0x90, 0x90, 0x90, 0x90 };
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	cr_assert_geq(machine_subscribe(m, EVB(EV_STOP), record, &r), 0);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 2), STOP_MAX_INSNS);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(r.n, 2);
	cr_assert_eq(r.ev[0].u.stop, STOP_MAX_INSNS);
	cr_assert_eq(r.ev[0].icount, 2);
	cr_assert_eq(r.ev[1].u.stop, STOP_HLT);
	cr_assert_eq(r.ev[1].icount, 5);
	machine_free(m);
}

/* EV_CODE_INVAL: a store into decoded code names the address. */
Test(events, code_inval)
{
	static const uint8_t code[] = {
		0xc6, 0x05, 0x00, 0x00, 0x00, 0x00, 0x90, /* mov byte [rip+0], 0x90 */
		0xcc,                                     /* int3, overwritten by a NOP */
	};
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	cr_assert_geq(machine_subscribe(m, EVB(EV_CODE_INVAL), record, &r), 0);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(r.n, 1);
	cr_assert_eq(r.ev[0].u.inval.paddr, TM_CODE + 7);
	cr_assert_geq(r.ev[0].u.inval.blocks, 1);
	machine_free(m);
}

/* Several listeners each get what they asked for; an unsubscribed one
 * gets nothing more, and its slot can be reused. */
Test(events, listeners_and_unsubscribe)
{
	static const uint8_t code[] = { 0x90, 0xb0, 0x41, 0xe6, 0xe9 }; /* nop; mov al, 'A'; out 0xe9, al */
	struct rec all = { 0 }, insn = { 0 }, io = { 0 }, gone = { 0 };
	struct machine *m = tm_new(START_LONG64);
	int h_all = machine_subscribe(m, EVB(EV_INSN) | EVB(EV_IO) | EVB(EV_STOP), record, &all);
	int h_insn = machine_subscribe(m, EVB(EV_INSN), record, &insn);
	int h_io = machine_subscribe(m, EVB(EV_IO), record, &io);
	int h_gone = machine_subscribe(m, EVB(EV_INSN) | EVB(EV_IO) | EVB(EV_STOP), record, &gone);
	cr_assert(h_all >= 0 && h_insn >= 0 && h_io >= 0 && h_gone >= 0);
	cr_assert(h_all != h_insn && h_insn != h_io && h_io != h_gone && h_all != h_gone);
	machine_unsubscribe(m, h_gone);
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(insn.n, 4);
	cr_assert_eq(count_kind(&insn, EV_INSN), 4);
	cr_assert_eq(io.n, 1);
	cr_assert_eq(io.ev[0].kind, EV_IO);
	cr_assert_eq(all.n, 4 + 1 + 1);
	cr_assert_eq(count_kind(&all, EV_STOP), 1);
	cr_assert_eq(all.ev[all.n - 1].kind, EV_STOP, "EV_STOP comes last");
	cr_assert_eq(gone.n, 0, "an unsubscribed listener got %d events", gone.n);

	/* Unsubscribing everyone: the next run reports nothing, and runs the
	 * fast path (no EV_INSN listener left). */
	machine_unsubscribe(m, h_all);
	machine_unsubscribe(m, h_insn);
	machine_unsubscribe(m, h_io);
	machine_unsubscribe(m, -1);  /* harmless */
	machine_unsubscribe(m, 999); /* harmless */
	all.n = insn.n = io.n = 0;
	cr_assert_eq(tm_run_bytes(m, code, sizeof code), STOP_HLT);
	cr_assert_eq(all.n + insn.n + io.n, 0);
	machine_free(m);
}

Test(events, listener_table_full)
{
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	int h[EV_MAX_LISTENERS];
	for (int i = 0; i < EV_MAX_LISTENERS; i++) {
		h[i] = machine_subscribe(m, EVB(EV_STOP), record, &r);
		cr_assert_geq(h[i], 0, "listener %d", i);
	}
	cr_assert_eq(machine_subscribe(m, EVB(EV_STOP), record, &r), -1, "table full");
	machine_unsubscribe(m, h[3]);
	cr_assert_eq(machine_subscribe(m, EVB(EV_STOP), record, &r), h[3], "freed slot reused");
	static const uint8_t code[] = { 0x90 };
	cr_assert_eq(tm_run_bytes(m, code, 1), STOP_HLT);
	cr_assert_eq(r.n, EV_MAX_LISTENERS, "one EV_STOP per listener");
	machine_free(m);
}

/* A listener subscribed between runs starts receiving at the next run;
 * the instruction stream then switches to per-instruction events. */
Test(events, subscribe_between_runs)
{
	static const uint8_t code[] = { 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
	struct rec r = { 0 };
	struct machine *m = tm_new(START_LONG64);
	tm_load(m, code, sizeof code);
	cr_assert_eq(machine_run(m, 2), STOP_MAX_INSNS);
	cr_assert_geq(machine_subscribe(m, EVB(EV_INSN), record, &r), 0);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(r.n, 5);
	cr_assert_eq(r.ev[0].u.insn.rip, TM_CODE + 2);
	cr_assert_eq(r.ev[0].icount, 3);
	machine_free(m);
}

/* machine_request_stop from a listener: the run ends after the current
 * instruction with STOP_REQUEST, on the fast path (EV_IO listener only)
 * and when stepping (EV_INSN listener). */
struct stopper {
	struct machine *m;  /* the machine to stop */
	uint64_t after;     /* events to let pass first */
	uint64_t seen;      /* events so far */
};

static void stop_it(void *opaque, const struct event *e)
{
	(void)e;
	struct stopper *s = opaque;
	if (++s->seen == s->after)
		machine_request_stop(s->m, STOP_REQUEST);
}

Test(events, request_stop_from_listener)
{
	static const uint8_t code[] = {
		0x90, 0x90,       /* nop; nop */
		0xe6, 0x80,       /* out 0x80, al */
		0x90, 0x90, 0x90, /* nop; nop; nop */
	};
	static const uint32_t masks[] = { EVB(EV_IO), EVB(EV_INSN) };
	static const uint64_t after[] = { 1, 4 };
	for (int j = 0; j < 2; j++) {
		struct machine *m = tm_new(START_LONG64);
		struct stopper s = { m, after[j], 0 };
		cr_assert_geq(machine_subscribe(m, masks[j], stop_it, &s), 0);
		tm_load(m, code, sizeof code);
		cr_assert_eq(machine_run(m, 100), STOP_REQUEST, "case %d", j);
		cr_assert_eq(machine_reg_get(m, VT_RIP), TM_CODE + (j ? 5 : 4), "case %d: RIP", j);
		cr_assert_eq(machine_icount(m), j ? 4u : 3u, "case %d: icount", j);
		/* The request is spent: the next run goes on to the HLT. */
		cr_assert_eq(machine_run(m, 100), STOP_HLT, "case %d: second run", j);
		machine_free(m);
	}
}
