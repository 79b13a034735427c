/* helpers.h - shared unit-test helpers: a machine, code at a fixed address, a run to HLT. */
#ifndef VTSIM_TEST_HELPERS_H
#define VTSIM_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include "../../sim/machine.h"

/*
 * Physical layout every helper uses. Paging, when on (START_LONG64), is
 * an identity map, and the flat segments of START_PROT32 and the zero
 * segments of START_REAL16 have base 0, so these are also the linear
 * addresses and the offsets the test code uses.
 *   0x00000  real-mode IVT (START_REAL16 keeps it live)
 *   0x01000  TM_CODE: the test's instruction bytes, then HLT
 *   0x08000  TM_DATA: free for test data, up to TM_STACK
 *   0x0f000  TM_STACK: initial stack pointer (grows down)
 */
#define TM_RAM (4ull << 20)
#define TM_CODE 0x1000ull
#define TM_DATA 0x8000ull
#define TM_STACK 0xf000ull

/* RFLAGS bits (SDM Vol. 1, 3.4.3), for checking results. */
#define TM_CF (1ull << 0)
#define TM_PF (1ull << 2)
#define TM_AF (1ull << 4)
#define TM_ZF (1ull << 6)
#define TM_SF (1ull << 7)
#define TM_DF (1ull << 10)
#define TM_OF (1ull << 11)
#define TM_ARITH (TM_CF | TM_PF | TM_AF | TM_ZF | TM_SF | TM_OF)

/* A machine with TM_RAM bytes of RAM started in `mode` at TM_CODE, with
 * RSP = TM_STACK and RFLAGS = 2 (IF = 0, so HLT stops with STOP_HLT).
 * Fails the current test if the machine cannot be built. */
struct machine *tm_new(enum start_mode mode);

/* Copy code to TM_CODE, append HLT (F4) and point RIP at TM_CODE. */
void tm_load(struct machine *m, const void *code, size_t len);

/* tm_load, then run until the machine stops (at most 10^6 instructions). */
enum stop_reason tm_run_bytes(struct machine *m, const void *code, size_t len);

/* RIP after the HLT that tm_load appended to len bytes of code. */
uint64_t tm_end_rip(size_t len);

/* Little-endian memory access, size 1, 2, 4 or 8 bytes. */
void tm_poke(struct machine *m, uint64_t pa, unsigned size, uint64_t v);
uint64_t tm_peek(struct machine *m, uint64_t pa, unsigned size);

/* The arithmetic flags, and RFLAGS with them replaced by `flags`. */
uint64_t tm_flags(struct machine *m);
void tm_set_flags(struct machine *m, uint64_t flags);

/* Exceptions seen during a run, in order (EV_EXCEPTION events). */
#define TM_MAX_EXC 8
struct tm_exc_log {
	int n;                       /* exceptions recorded (at most TM_MAX_EXC) */
	uint8_t vector[TM_MAX_EXC];  /* their vectors */
	uint64_t rip[TM_MAX_EXC];    /* RIP each was raised at */
};

/* Start recording exceptions into log (which must outlive the machine's runs). */
void tm_log_exceptions(struct machine *m, struct tm_exc_log *log);

#endif
