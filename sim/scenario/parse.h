/* parse.h - the section parsers of a scenario, shared by parse*.c. */
#ifndef VTSIM_SCENARIO_PARSE_H
#define VTSIM_SCENARIO_PARSE_H

#include "internal.h"

/* A named bit of a register, for values written as lists of names. */
struct sc_bitname {
	const char *name;    /* lower case, as in the SDM's bit names */
	uint64_t bit;        /* its mask */
};

extern const struct sc_bitname cr0_bits[], cr4_bits[], efer_bits[], rflags_bits[];

/* A number, or a list of bit names ORed with always. */
int sc_bits_from(struct yctx *y, yaml_node_t *n, const char *what, const struct sc_bitname *t,
		 uint64_t always, struct sc_num *out);
/* Hex text or a list of byte values. */
int sc_bytes_from(struct yctx *y, yaml_node_t *v, const char *what, uint8_t **out, size_t *len);

/* Descriptor fields (type, base, limit, dpl, present, db, l, g, avl, s),
 * with one extra key "selector" handled by extra_fn(obj) when non-NULL. */
int sc_parse_desc_fields(struct yctx *y, yaml_node_t *v, const char *where, struct sc_desc *d,
			 int (*extra_fn)(struct yctx *, yaml_node_t *, void *), void *extra_obj);

/* Sections (parse_tables.c, parse_expect.c). */
int sc_p_gdt(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_ldt(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_idt(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_tss(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_paging(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_expect(struct yctx *y, yaml_node_t *v, void *o);

#endif
