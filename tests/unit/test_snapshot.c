/* test_snapshot.c - machine snapshots (sim/snapshot.c): restoring one replays the run exactly. */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"

/*
 * A guest that keeps the TLB model and memory busy: it writes RBX to 64
 * pages spread over 2 MiB, round after round, summing what it reads, so
 * that cycles depend on TLB misses and memory on how far it got.
 */
static const uint8_t busy[] = {
	0x48, 0x31, 0xc0,                         /* .round: xor rax, rax */
	0xbe, 0x00, 0x00, 0x10, 0x00,             /* mov esi, 0x100000 */
	0xb9, 0x40, 0x00, 0x00, 0x00,             /* mov ecx, 64 */
	0x48, 0x89, 0x1e,                         /* .page: mov [rsi], rbx */
	0x48, 0x03, 0x06,                         /* add rax, [rsi] */
	0x48, 0x81, 0xc6, 0x00, 0x80, 0x00, 0x00, /* add rsi, 0x8000 */
	0xe2, 0xf1,                               /* loop .page */
	0x48, 0x8d, 0x5c, 0x03, 0x01,             /* lea rbx, [rbx + rax + 1] */
	0xeb, 0xdd,                               /* jmp .round */
};

struct state {
	uint64_t rip, rax, rbx, rcx, icount, cycles;
	uint64_t mem[64];
};

static void capture(struct machine *m, struct state *s)
{
	s->rip = machine_reg_get(m, VT_RIP);
	s->rax = machine_reg_get(m, VT_RAX);
	s->rbx = machine_reg_get(m, VT_RBX);
	s->rcx = machine_reg_get(m, VT_RCX);
	s->icount = machine_icount(m);
	s->cycles = machine_cycles(m);
	for (int k = 0; k < 64; k++)
		s->mem[k] = tm_peek(m, 0x100000 + 0x8000ull * (uint64_t)k, 8);
}

Test(snapshot, restore_replays_the_run_exactly)
{
	struct machine *m = tm_new(START_LONG64);
	tm_load(m, busy, sizeof busy);
	machine_run(m, 5000);
	struct machine_snapshot *s = machine_snapshot_take(m);
	cr_assert_not_null(s);
	struct state at, first, second;
	capture(m, &at);
	machine_run(m, 20000);
	capture(m, &first);
	cr_assert_neq(first.icount, at.icount, "the guest ran on");
	cr_assert_neq(memcmp(&first.mem, &at.mem, sizeof at.mem), 0, "and changed memory");

	cr_assert_eq(machine_snapshot_restore(m, s), 0);
	struct state back;
	capture(m, &back);
	cr_expect_eq(memcmp(&back, &at, sizeof at), 0, "restoring brings back registers, counters and memory");
	machine_run(m, 20000);
	capture(m, &second);
	cr_expect_eq(second.rip, first.rip);
	cr_expect_eq(second.rbx, first.rbx);
	cr_expect_eq(second.icount, first.icount);
	cr_expect_eq(second.cycles, first.cycles, "cycles too: the TLB model was restored with the rest");
	cr_expect_eq(memcmp(second.mem, first.mem, sizeof first.mem), 0);
	machine_snapshot_free(s);
	machine_free(m);
}

Test(snapshot, belongs_to_its_machine)
{
	struct machine *a = tm_new(START_LONG64), *b = tm_new(START_LONG64);
	struct machine_snapshot *s = machine_snapshot_take(a);
	cr_assert_not_null(s);
	cr_expect_eq(machine_snapshot_restore(b, s), -1, "another machine's snapshot is refused");
	machine_snapshot_free(s);
	machine_free(a);
	machine_free(b);
}
