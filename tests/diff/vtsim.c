/* vtsim.c - runs a test case in vtsim: one machine, reset into 64-bit mode per case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"
#include "machine.h"

/* Enough for REP with RCX <= 16 even if every iteration counts. */
#define VT_MAX_INSNS 1000

struct vt {
	struct machine *m;          /* created once, restarted for every case */
	int first_vector;           /* first exception of the current run, -1 if none */
	uint64_t first_rip;         /* RIP it reported */
	uint8_t data[DATA_SIZE];    /* data window read back after the run */
	uint8_t stack[STACK_SIZE];  /* stack window read back after the run */
	char trouble[160];          /* why the last run went wrong */
};

static void on_exception(void *opaque, const struct event *e)
{
	struct vt *v = opaque;

	if (v->first_vector < 0) {
		v->first_vector = e->u.exc.vector;
		v->first_rip = e->u.exc.rip;
	}
}

struct vt *vt_new(char *err, size_t errlen)
{
	struct machine_config cfg = { .ram_size = RAM_SIZE };   /* console output stays in a buffer */
	struct vt *v = calloc(1, sizeof(*v));

	if (!v) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->m = machine_new(&cfg, err, errlen);
	if (!v->m) {
		free(v);
		return NULL;
	}
	if (machine_subscribe(v->m, EVB(EV_EXCEPTION), on_exception, v) < 0) {
		snprintf(err, errlen, "machine_subscribe failed");
		machine_free(v->m);
		free(v);
		return NULL;
	}
	return v;
}

void vt_free(struct vt *v)
{
	if (v) {
		machine_free(v->m);
		free(v);
	}
}

static void put_code(struct machine *m, const struct dt_case *c, bool erase)
{
	uint8_t fill[EXIT_PAD_LEN];

	memset(fill, 0xcc, sizeof(fill));
	if (erase) {
		machine_phys_write(m, INSN_ADDR, fill, c->insn_len);
	} else {
		machine_phys_write(m, INSN_ADDR, c->insn, c->insn_len);
		fill[0] = 0xf4;   /* HLT: with IF=0 the run stops here */
	}
	for (int i = 0; i < c->nexit; i++)
		machine_phys_write(m, c->exit[i], fill, EXIT_PAD_LEN);
}

void vt_run_case(struct vt *v, const struct dt_case *c, struct outcome *o)
{
	char err[128];
	enum stop_reason why;

	memset(o, 0, sizeof(*o));
	o->exit = -1;
	o->vector = -1;
	o->data = v->data;
	o->stack = v->stack;
	if (machine_start(v->m, START_LONG64, INSN_ADDR, err, sizeof(err)) != 0) {
		snprintf(v->trouble, sizeof(v->trouble), "machine_start: %s", err);
		o->trouble = v->trouble;
		return;
	}
	put_code(v->m, c, false);
	machine_phys_write(v->m, DATA_BASE, c->data, DATA_SIZE);
	machine_phys_write(v->m, STACK_BASE, c->stack, STACK_SIZE);
	for (int i = 0; i < NGPR; i++)
		machine_reg_set(v->m, (enum vt_reg)(VT_RAX + i), c->gpr[i]);
	/* IF=0 so that HLT ends the run (natively IF is 1 and not compared). */
	machine_reg_set(v->m, VT_RFLAGS, (c->rflags & F_COMPARED) | 0x2);

	v->first_vector = -1;
	why = machine_run(v->m, VT_MAX_INSNS);

	for (int i = 0; i < NGPR; i++)
		o->gpr[i] = machine_reg_get(v->m, (enum vt_reg)(VT_RAX + i));
	o->rflags = machine_reg_get(v->m, VT_RFLAGS);
	o->rip = machine_reg_get(v->m, VT_RIP);
	machine_phys_read(v->m, DATA_BASE, v->data, DATA_SIZE);
	machine_phys_read(v->m, STACK_BASE, v->stack, STACK_SIZE);
	put_code(v->m, c, true);

	o->vector = v->first_vector;
	o->fault_rip = v->first_rip;
	if (why == STOP_HLT && o->vector < 0) {
		/* HLT retires, so RIP is one past the pad it stopped on. */
		for (int i = 0; i < c->nexit; i++)
			if (o->rip == c->exit[i] + 1)
				o->exit = i;
	} else if (!(why == STOP_SHUTDOWN && o->vector >= 0)) {
		snprintf(v->trouble, sizeof(v->trouble), "vtsim stopped with %s at rip %#llx",
			 stop_reason_name(why), (unsigned long long)o->rip);
		o->trouble = v->trouble;
	}
}
