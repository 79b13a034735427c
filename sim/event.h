/* event.h - the typed event bus: what the machine tells its listeners. */
#ifndef VTSIM_EVENT_H
#define VTSIM_EVENT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Every event kind has one bit in a subscription mask. The core tests
 * `bus->mask & EVB(kind)` before it builds an event, so a kind nobody
 * listens to costs one load and one untaken branch.
 */
enum ev_kind {
	EV_INSN,      /* an instruction retired */
	EV_EXCEPTION, /* an exception is being delivered (or escalated) */
	EV_INTERRUPT, /* an external interrupt is being delivered */
	EV_IO,        /* an IN/OUT reached the port map */
	EV_CODE_INVAL,/* a write hit decoded code: its blocks were dropped */
	EV_WALK,      /* a TLB miss walked the page tables (u.walk) */
	EV_SHUTDOWN,  /* triple fault: the processor stopped */
	EV_STOP,      /* the run loop returned (HLT, exit port, limit, ...) */
	EV_CPL,       /* the current privilege level changed (u.cpl) */
	EV_IRET,      /* IRET returned from a handler (u.iret) */
	EV_VMEXIT,    /* a VM exit: guest to host (u.vmx) */
	EV_VMENTRY,   /* a VM entry: host to guest (u.vmx) */
	EV_VMENTRY_FAIL, /* VMLAUNCH/VMRESUME failed: VMfail, or a failed-entry exit (u.vmx) */
	EV_KIND_COUNT
};

#define EVB(kind) (1u << (kind))

struct ev_exception {
	uint8_t vector;      /* 0..31 */
	bool has_error;      /* an error code was pushed */
	uint32_t error;      /* the error code */
	uint64_t rip;        /* RIP of the faulting instruction */
	const char *why;     /* one line: what went wrong and the SDM section */
	const char *insn;    /* disassembly of the instruction, or "" */
};

struct ev_io {
	uint16_t port;       /* I/O port */
	uint8_t size;        /* 1, 2 or 4 bytes */
	bool write;          /* OUT (true) or IN (false) */
	uint32_t value;      /* value written or read */
};

struct ev_insn {
	uint64_t rip;        /* RIP of the retired instruction */
	uint8_t len;         /* its length in bytes */
};

struct walk;
struct ev_walk {
	uint64_t la;             /* linear address translated */
	uint8_t access;          /* enum access: 0 read, 1 write, 2 fetch */
	const struct walk *w;    /* the walk record (paging/walk.h), valid during the callback */
};

struct ev_cpl {
	uint8_t from, to;        /* old and new CPL */
	uint64_t rip;            /* where execution continues */
};

struct ev_iret {
	uint64_t from_rip;       /* the IRET */
	uint64_t to_rip;         /* where it returned to */
	uint8_t cpl;             /* CPL after the return */
};

struct ev_vmx {
	uint32_t reason;         /* exit reason (bit 31: entry failure); VMfail: VM-instruction error */
	uint64_t qual;           /* exit qualification */
	uint64_t from_rip;       /* RIP before: the guest's (exit) or the host's (entry) */
	uint64_t to_rip;         /* RIP after: HOST_RIP (exit) or GUEST_RIP (entry) */
	const char *check;       /* the failed VM-entry check's id, or "" */
	const char *why;         /* one line with the SDM section */
};

struct ev_code_inval {
	uint64_t paddr;      /* physical address of the write */
	unsigned blocks;     /* decoded blocks dropped */
};

struct event {
	enum ev_kind kind;   /* which member of the union is valid */
	uint64_t icount;     /* instructions retired when it happened */
	uint64_t cycles;     /* modelled cycles when it happened */
	union {
		struct ev_exception exc;     /* EV_EXCEPTION, EV_INTERRUPT, EV_SHUTDOWN */
		struct ev_io io;             /* EV_IO */
		struct ev_insn insn;         /* EV_INSN */
		struct ev_code_inval inval;  /* EV_CODE_INVAL */
		struct ev_walk walk;         /* EV_WALK */
		struct ev_cpl cpl;           /* EV_CPL */
		struct ev_iret iret;         /* EV_IRET */
		struct ev_vmx vmx;           /* EV_VMEXIT, EV_VMENTRY, EV_VMENTRY_FAIL */
		int stop;                    /* EV_STOP: enum stop_reason */
	} u;
};

typedef void ev_fn(void *opaque, const struct event *e);

#define EV_MAX_LISTENERS 16

struct ev_listener {
	uint32_t mask;       /* EVB() bits this listener wants */
	ev_fn *fn;           /* callback; NULL marks a free slot */
	void *opaque;        /* passed back to fn */
};

struct ev_bus {
	uint32_t mask;       /* union of all listeners' masks */
	struct ev_listener l[EV_MAX_LISTENERS]; /* the listeners */
};

/* Subscribe fn to the kinds in mask. Returns a handle >= 0, or -1 when full. */
int ev_subscribe(struct ev_bus *bus, uint32_t mask, ev_fn *fn, void *opaque);
void ev_unsubscribe(struct ev_bus *bus, int handle);
/* Deliver e to every listener of its kind. Call only when ev_wanted(). */
void ev_emit(const struct ev_bus *bus, const struct event *e);

static inline bool ev_wanted(const struct ev_bus *bus, enum ev_kind k)
{
	return __builtin_expect((bus->mask & EVB(k)) != 0, 0);
}

const char *ev_kind_name(enum ev_kind k);

#endif
