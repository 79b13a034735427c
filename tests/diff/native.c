/* native.c - runs a test case on the host CPU: fixed mappings, the asm stub, fault capture. */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "difftest.h"

/* The register block native.asm loads from and stores into. */
struct native_regs {
	uint64_t gpr[NGPR];   /* RAX..R15 */
	uint64_t rflags;      /* RFLAGS */
};

uint64_t native_run(const struct native_regs *in, struct native_regs *out, uint64_t target);
extern char native_exit0[], native_exit1[], native_exit2[], native_exit3[];

/* What a signal handler saw when the guest instruction faulted. */
struct native_fault {
	int signo;              /* SIGFPE, SIGSEGV, ... */
	int code;               /* si_code */
	uint64_t gpr[NGPR];     /* GPRs at the fault */
	uint64_t rflags;        /* RFLAGS at the fault */
	uint64_t rip;           /* RIP of the faulting instruction */
};

/*
 * ENTER may fault "if a write using the final value of the stack pointer
 * would cause a page fault" (SDM Vol. 2A, ENTER, exceptions), and the AMD
 * host does check: its final RSP can be 64 KiB + 256 bytes below the
 * window, so that much stays mapped (never written, never compared).
 */
#define STACK_HEADROOM 0x11000ull

struct native {
	uint8_t *code;          /* CODE_BASE, RWX */
	uint8_t *data;          /* DATA_BASE */
	uint8_t *stack;         /* STACK_BASE */
	void *altstack;         /* where fault handlers run: the guest RSP is not ours */
	struct native_fault fault;  /* filled by the handler */
	sigjmp_buf env;         /* the handler's way back into native_run_case */
};

/*
 * A signal handler has no argument to find its context by, so the one
 * in-flight run is published here for the duration of native_run().
 */
static struct native *current;

static void on_fault(int signo, siginfo_t *si, void *ucv)
{
	static const int from_greg[NGPR] = {
		REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
		REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	};
	ucontext_t *uc = ucv;
	struct native *n = current;

	if (!n) {
		/* A fault in the harness itself: die the ordinary way. */
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	n->fault.signo = signo;
	n->fault.code = si->si_code;
	for (int i = 0; i < NGPR; i++)
		n->fault.gpr[i] = (uint64_t)uc->uc_mcontext.gregs[from_greg[i]];
	n->fault.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
	n->fault.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(n->env, 1);
}

static void *map_fixed(uint64_t addr, uint64_t len, int prot, char *err, size_t errlen)
{
	void *p = mmap((void *)addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		       -1, 0);
	if (p == MAP_FAILED || p != (void *)addr) {
		snprintf(err, errlen, "cannot map %#llx+%#llx: %s", (unsigned long long)addr,
			 (unsigned long long)len, p == MAP_FAILED ? strerror(errno) : "kernel chose another address");
		return NULL;
	}
	return p;
}

struct native *native_new(char *err, size_t errlen)
{
	static const int fault_signals[] = { SIGFPE, SIGSEGV, SIGBUS, SIGILL, SIGTRAP };
	struct native *n = calloc(1, sizeof(*n));
	stack_t ss;
	struct sigaction sa;

	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->code = map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, err, errlen);
	n->data = map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE, err, errlen);
	n->stack = map_fixed(STACK_BASE, STACK_SIZE, PROT_READ | PROT_WRITE, err, errlen);
	if (n->stack && !map_fixed(STACK_BASE - STACK_HEADROOM, STACK_HEADROOM, PROT_READ | PROT_WRITE,
				   err, errlen))
		return NULL;
	if (!n->code || !n->data || !n->stack)
		return NULL;
	memset(n->code, 0xcc, CODE_SIZE);   /* INT3 wherever no case put code */

	n->altstack = malloc(1 << 16);
	ss = (stack_t){ .ss_sp = n->altstack, .ss_size = 1 << 16 };
	if (!n->altstack || sigaltstack(&ss, NULL) != 0) {
		snprintf(err, errlen, "sigaltstack: %s", strerror(errno));
		return NULL;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++)
		sigaction(fault_signals[i], &sa, NULL);
	return n;
}

void native_free(struct native *n)
{
	stack_t off = { .ss_flags = SS_DISABLE };

	if (!n)
		return;
	sigaltstack(&off, NULL);
	free(n->altstack);
	munmap((void *)CODE_BASE, CODE_SIZE);
	munmap((void *)DATA_BASE, DATA_SIZE);
	munmap((void *)(STACK_BASE - STACK_HEADROOM), STACK_HEADROOM + STACK_SIZE);
	free(n);
}

/* Linux's signal for each exception the guest instruction may raise. */
static int signal_vector(int signo, int code)
{
	switch (signo) {
	case SIGFPE:  return code == FPE_INTDIV || code == FPE_INTOVF ? 0 : 16;  /* #DE */
	case SIGILL:  return 6;    /* #UD */
	case SIGTRAP: return 3;    /* #BP: ran into INT3 filler */
	case SIGBUS:  return 13;   /* #GP: e.g. misaligned CMPXCHG16B */
	default:      return 14;   /* #PF */
	}
}

/* Exit pad bytes: jmp qword [rip+0]; dq addr. */
static void put_pad(uint8_t *p, uint64_t addr)
{
	static const uint8_t jmp_rip0[6] = { 0xff, 0x25, 0, 0, 0, 0 };
	memcpy(p, jmp_rip0, sizeof(jmp_rip0));
	memcpy(p + sizeof(jmp_rip0), &addr, 8);
}

void native_run_case(struct native *n, const struct dt_case *c, struct outcome *o)
{
	char *const pads[MAX_EXITS] = { native_exit0, native_exit1, native_exit2, native_exit3 };
	struct native_regs in, out;

	memcpy(n->code + (INSN_ADDR - CODE_BASE), c->insn, c->insn_len);
	for (int i = 0; i < c->nexit; i++)
		put_pad(n->code + (c->exit[i] - CODE_BASE), (uint64_t)pads[i]);
	memcpy(n->data, c->data, DATA_SIZE);
	memcpy(n->stack, c->stack, STACK_SIZE);

	memcpy(in.gpr, c->gpr, sizeof(in.gpr));
	/* Reserved bit 1 set; TF and AC clear; IF is the kernel's. */
	in.rflags = (c->rflags & F_COMPARED) | 0x2 | F_IF;

	memset(o, 0, sizeof(*o));
	o->exit = -1;
	o->vector = -1;
	current = n;
	if (sigsetjmp(n->env, 1) == 0) {
		uint64_t k = native_run(&in, &out, INSN_ADDR);
		current = NULL;
		memcpy(o->gpr, out.gpr, sizeof(o->gpr));
		o->rflags = out.rflags;
		o->exit = (int)k;
		o->rip = c->exit[k];
	} else {
		current = NULL;
		memcpy(o->gpr, n->fault.gpr, sizeof(o->gpr));
		o->rflags = n->fault.rflags;
		o->rip = n->fault.rip;
		o->fault_rip = n->fault.rip;
		o->vector = signal_vector(n->fault.signo, n->fault.code);
		if (o->vector != 0 || n->fault.rip != INSN_ADDR)
			o->trouble = "the host CPU faulted where no fault was planned";
	}
	o->data = n->data;
	o->stack = n->stack;

	/* Back to INT3 filler so a stray branch in a later case traps. */
	memset(n->code + (INSN_ADDR - CODE_BASE), 0xcc, c->insn_len);
	for (int i = 0; i < c->nexit; i++)
		memset(n->code + (c->exit[i] - CODE_BASE), 0xcc, EXIT_PAD_LEN);
}
