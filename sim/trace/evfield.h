/* evfield.h - the fields of each event kind by name: one table that traces, patterns and stats share. */
#ifndef VTSIM_EVFIELD_H
#define VTSIM_EVFIELD_H

#include <stdbool.h>
#include <stdint.h>

#include "../event.h"

/* How a field's value reads and prints. */
enum evf_type {
	EVF_COUNT,   /* a small number, printed in decimal */
	EVF_ADDR,    /* an address or a 64-bit value, printed "0x..." */
	EVF_BOOL,    /* true/false */
	EVF_VECTOR,  /* an interrupt vector; patterns accept "#GP", "GP" or 13 */
	EVF_STOP,    /* enum stop_reason; patterns accept "hlt", "exit-port", ... */
	EVF_REASON,  /* a basic VM exit reason; patterns accept "EPT_VIOLATION", "ept-violation" or 48 */
	EVF_TEXT,    /* a string (explanations, disassembly): traced, never matched */
};

struct ev_field {
	const char *name;                          /* as in traces and scenario patterns */
	enum evf_type type;                        /* how it reads */
	uint64_t (*get)(const struct event *e);    /* the value (not for EVF_TEXT) */
	const char *(*text)(const struct event *e);/* the string (EVF_TEXT only) */
};

/* The fields of kind k, in trace order; *n gets their number (0 for kinds
 * the table does not describe yet: they trace with kind, icount, cycles). */
const struct ev_field *ev_fields(enum ev_kind k, int *n);
/* The field of kind k named name, or NULL. */
const struct ev_field *ev_field_find(enum ev_kind k, const char *name);

/* The kind named name ("exception", "io", ...), or -1. */
int ev_kind_from_name(const char *name);

/* Exception mnemonic for vector v: "#GP", "#PF", "NMI"; NULL above 31 or reserved. */
const char *ev_vector_name(unsigned v);
/* Vector from "#GP", "GP", "gp" (case-insensitive) or -1. */
int ev_vector_from_name(const char *s);

#endif
