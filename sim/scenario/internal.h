/* internal.h - the parsed scenario, shared by the loader's parts (not for front ends). */
#ifndef VTSIM_SCENARIO_INTERNAL_H
#define VTSIM_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "../machine.h"
#include "diag.h"
#include "scenario.h"

/* A position in the scenario file, 1-based. */
struct sc_mark {
	int line;    /* line */
	int col;     /* column */
};

/*
 * A number as the scenario wrote it: a constant, or a label with an
 * optional addend ("handler", "stack_top-16"). Labels are known only after
 * assembly, so values stay in this form until sc_resolve().
 */
struct sc_num {
	bool set;            /* the key was given */
	struct sc_mark at;   /* where the value is */
	const char *label;   /* label name, or NULL for a constant */
	uint64_t v;          /* the constant, or the addend (mod 2^64) */
};

/* A label from an assembled or ELF load. */
struct sc_label {
	char *name;          /* as NASM or the ELF symbol table spells it */
	uint64_t va;         /* linear address */
	uint64_t pa;         /* physical address */
	int load;            /* index of the load that defined it */
};

enum sc_load_kind { LK_ASM, LK_ASM_FILE, LK_BINARY, LK_ELF, LK_BYTES };

/* One PT_LOAD segment of an ELF image. */
struct sc_elf_seg {
	uint64_t pa;         /* where it goes */
	uint64_t filesz;     /* bytes from the file */
	uint64_t memsz;      /* bytes in memory (the rest is zeroed) */
	const uint8_t *data; /* its bytes, inside sc_load.data */
};

/* One entry of memory: (what is loaded where). */
struct sc_load {
	enum sc_load_kind kind;    /* what the entry holds */
	struct sc_mark mark;       /* the entry */
	struct sc_num at;          /* physical address of byte 0 */
	struct sc_num va;          /* linear address of byte 0 (asm org; default: at) */
	int bits;                  /* asm: 16, 32 or 64; 0 means "from the mode" */
	char *src;                 /* asm text, or the file name as written */
	struct sc_mark src_mark;   /* where that value is */
	int src_line;              /* inline asm: scenario line of the text's first line */
	int src_col;               /* inline asm: its indentation + 1 */
	bool src_block;            /* inline asm is a literal block: lines map exactly */
	char *path;                /* file kinds: the path, relative to the scenario's directory */
	uint8_t *data;             /* the image (asm output, file contents, bytes) */
	size_t len;                /* its length */
	struct sc_elf_seg *segs;   /* ELF: the PT_LOAD segments */
	int nsegs;                 /* their number */
	uint64_t elf_entry;        /* ELF: e_entry */
	uint64_t pa, lin;          /* resolved at and va */
};

/* A descriptor built from fields (GDT, LDT entries and hidden segment state). */
struct sc_desc {
	struct sc_mark mark;       /* the entry */
	int index;                 /* slot in the table (selector >> 3) */
	int type;                  /* type nibble, -1 until known */
	int s;                     /* S: 1 code/data, 0 system */
	bool code;                 /* a code segment (type bit 3 with S=1) */
	bool wide;                 /* a 16-byte system descriptor (IA-32e TSS, LDT, call gate) */
	struct sc_num base;        /* base (linear) */
	struct sc_num limit;       /* limit in bytes; granularity chosen from it unless g is given */
	int dpl, present, db, l, g, avl; /* bits; -1 = the default */
	struct sc_num target;      /* call gate: the entry point */
	int target_sel;            /* call gate: code selector, -1 = the start CS */
	int params;                /* call gate: parameter count */
	const char *what;          /* "tss" or "ldt" when a section created it */
};

/* gdt: and ldt: */
struct sc_dtable {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	struct sc_num at;          /* physical address; allocated if not set */
	struct sc_num va;          /* linear base for GDTR/the LDT descriptor (default: at) */
	int sel;                   /* ldt: GDT selector of its descriptor, -1 none */
	struct sc_mark sel_at;     /* where sel was written */
	struct sc_desc *d;         /* entries */
	int n, cap;                /* entries used and allocated */
	int slots;                 /* 8-byte slots, including the null descriptor */
	uint64_t pa, lin;          /* resolved */
};

/* One idt: entry, for one vector or a range. */
struct sc_gate {
	struct sc_mark mark;       /* the entry */
	int lo, hi;                /* vectors */
	struct sc_num handler;     /* entry point (linear) */
	int sel;                   /* code selector, -1 = the start CS */
	int type;                  /* 14 interrupt gate, 15 trap gate (32-bit: 6/7 for 16-bit gates) */
	int dpl;                   /* gate DPL */
	bool present;              /* P */
	int ist;                   /* IA-32e: IST index 0-7 */
};

struct sc_idt {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	struct sc_num at, va;      /* where; linear base */
	int limit;                 /* IDTR limit, -1 = just cover the highest vector */
	struct sc_gate *g;         /* entries */
	int n, cap;                /* entries used and allocated */
	uint64_t pa, lin;          /* resolved */
};

/* A field of a TSS, by name. */
struct sc_tss_val {
	int field;                 /* index into the format's field table */
	struct sc_num v;           /* value */
};

struct sc_tss {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	struct sc_num at, va;      /* where; linear base for the descriptor */
	int bits;                  /* 32 or 64 */
	int sel;                   /* GDT selector of its descriptor, -1 none */
	struct sc_mark sel_at;     /* where sel was written */
	struct sc_tss_val *f;      /* fields given */
	int n, cap;                /* entries used and allocated */
	uint64_t pa, lin;          /* resolved */
};

/* Paging formats (SDM Vol. 3A, 4.1.1 "Four Paging Modes"). */
enum sc_pgfmt { PGF_NONE, PGF_32BIT, PGF_PAE, PGF_4LEVEL, PGF_5LEVEL };

/* Page flags a mapping may ask for (bits of the leaf entry, named). */
#define MAPF_W (1u << 0)     /* R/W */
#define MAPF_U (1u << 1)     /* U/S */
#define MAPF_NX (1u << 2)    /* XD (needs EFER.NXE, which the loader sets) */
#define MAPF_G (1u << 3)     /* global (the loader sets CR4.PGE) */
#define MAPF_PWT (1u << 4)   /* write-through */
#define MAPF_PCD (1u << 5)   /* cache disable */
#define MAPF_A (1u << 6)     /* accessed, preset */
#define MAPF_D (1u << 7)     /* dirty, preset */
#define MAPF_NP (1u << 8)    /* not present: P=0, the rest as given */

struct sc_map {
	struct sc_mark mark;       /* the entry */
	struct sc_num va, pa;      /* first page */
	uint64_t page;             /* page size: 4K, 2M, 4M or 1G */
	struct sc_mark page_at;    /* where size was written */
	uint64_t count;            /* pages */
	uint32_t flags;            /* MAPF_* */
};

/* A structure the CPU reads through linear addresses (GDT, IDT, TSS, LDT):
 * with paging on it must be mapped. */
struct sc_pgneed {
	const char *what;          /* "gdt", "idt", ... */
	struct sc_mark mark;       /* its section */
	uint64_t lin, pa, len;     /* where it is seen, where it is, its size */
	bool allocated;            /* the loader chose the place: map it 1:1 if unmapped */
};

struct sc_paging {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	enum sc_pgfmt fmt;         /* format */
	struct sc_mark fmt_at;     /* where it was given (or the section) */
	struct sc_num at;          /* where the tables go; allocated if not set */
	struct sc_map *m;          /* mappings */
	int n, cap;                /* entries used and allocated */
	uint64_t pa;               /* resolved: first table page */
	uint64_t root;             /* CR3 (the top-level table or the PDPT) */
	uint64_t bytes;            /* the tables' total size */
	bool need_pse, need_nx, need_pge; /* control bits the mappings need */
	struct sc_pgneed need[5];  /* tables to map */
	int nneed;
	int nuser;                 /* mappings the scenario wrote (the rest the loader added); 0 until built */
};

/* EPT access rights a mapping may grant (bits 2:0 of an EPT entry). */
#define EPTF_R (1u << 0)     /* read */
#define EPTF_W (1u << 1)     /* write */
#define EPTF_X (1u << 2)     /* execute */

/* One ept.map entry: guest-physical pages onto host-physical ones. */
struct sc_ept_map {
	struct sc_mark mark;       /* the entry */
	struct sc_num gpa, hpa;    /* first page (hpa default: gpa) */
	uint64_t page;             /* page size: 4K, 2M or 1G */
	struct sc_mark page_at;    /* where size was written */
	uint64_t count;            /* pages */
	uint32_t flags;            /* EPTF_*; 0 = not present */
	int memtype;               /* EPT memory type: 0 UC, 6 WB */
};

/* ept: (SDM Vol. 3C, 29.3). */
struct sc_ept {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	struct sc_num at;          /* where the tables go; allocated if not set */
	int levels;                /* walk length: 4 */
	bool ad;                   /* EPTP bit 6: accessed and dirty flags */
	struct sc_ept_map *m;      /* mappings */
	int n, cap;                /* entries used and allocated */
	uint64_t pa, bytes;        /* resolved: the PML4 (first table page), the tables' size */
	uint64_t eptp;             /* the EPT pointer for EPT_POINTER: ept */
};

/* How a vmcs.fields value was written. */
enum sc_vmcs_form {
	VMF_NUM,                   /* a number or label: written as is */
	VMF_LIST,                  /* control or exception names: ORed onto the default */
	VMF_EPT,                   /* "ept": the EPTP of the ept: section */
};

struct sc_vmcs_val {
	struct sc_mark mark;       /* the entry's key */
	uint32_t enc;              /* field encoding (vmx/vmcs.h) */
	const char *name;          /* its SDM name */
	enum sc_vmcs_form form;    /* how it was written */
	bool physical;             /* the field holds a physical address: labels resolve to pa */
	struct sc_num v;           /* value (VMF_LIST: the ORed bits) */
	uint64_t val;              /* resolved by the layout */
};

/* vmcs: the VMCS the loader fills for vmx-root and vmx-nonroot. */
struct sc_vmcs {
	bool given;                /* the section exists */
	struct sc_mark mark;       /* its key */
	struct sc_num at;          /* VMCS region; allocated if not set */
	struct sc_num vmxon;       /* VMXON region; default: the page after the VMCS */
	struct sc_vmcs_val *f;     /* fields given */
	int n, cap;                /* entries used and allocated */
	uint64_t pa, vmxon_pa;     /* resolved */
};

/* machine.mode vmx-root / vmx-nonroot: long64, then VMX operation. */
enum sc_vmx { SCV_NONE, SCV_ROOT, SCV_NONROOT };

/* A segment register's explicit initial state. */
struct sc_segreg {
	bool given;                /* registers: names it */
	struct sc_mark mark;       /* where */
	struct sc_num sel;         /* selector */
	bool hidden;               /* base/limit/attributes given: load them as written */
	struct sc_desc d;          /* the hidden part, as descriptor fields */
};

struct sc_msr {
	struct sc_mark mark;       /* the entry */
	uint32_t index;            /* MSR number */
	struct sc_num v;           /* value */
};

/* An event pattern: a kind, and fields that must equal given values. */
#define SC_PATTERN_FIELDS 8
struct sc_pattern {
	struct sc_mark mark;       /* the pattern */
	int kind;                  /* enum ev_kind */
	int n;                     /* fields to compare */
	struct {
		const struct ev_field *f; /* which */
		struct sc_num v;          /* value */
		uint64_t want;            /* resolved value */
	} f[SC_PATTERN_FIELDS];
};

struct sc_narration {
	struct sc_mark mark;       /* the entry */
	struct sc_pattern on;      /* when */
	char *say;                 /* what */
	bool once;                 /* only the first time */
};

/* A count or bound: exact (min == max) or a range. */
struct sc_range {
	bool set;                  /* given */
	struct sc_mark mark;       /* where */
	uint64_t min, max;         /* inclusive */
};

struct sc_expect_reg {
	struct sc_mark mark;       /* the entry */
	int reg;                   /* enum vt_reg */
	struct sc_num v;           /* value */
};

struct sc_expect_flag {
	struct sc_mark mark;       /* the entry */
	const char *name;          /* "cf" */
	uint64_t bit;              /* its RFLAGS bit */
	bool v;                    /* set or clear */
};

struct sc_expect_mem {
	struct sc_mark mark;       /* the entry */
	struct sc_num at;          /* physical address */
	uint8_t *bytes;            /* expected contents */
	size_t len;                /* their length */
	int width;                 /* 1/2/4/8 for a number, 0 for bytes or a string */
	bool text;                 /* written as a string */
};

struct sc_expect_count {
	struct sc_mark mark;       /* the entry */
	struct sc_pattern p;       /* which events */
	struct sc_range r;         /* how many */
};

struct sc_expect {
	struct sc_expect_reg *reg; int nreg, capreg;       /* registers: */
	struct sc_expect_flag *flag; int nflag, capflag;   /* flags: */
	struct sc_expect_mem *mem; int nmem, capmem;       /* memory: */
	struct sc_expect_count *cnt; int ncnt, capcnt;     /* events: and exceptions: */
	struct sc_pattern *seq; int nseq, capseq;          /* sequence: */
	struct sc_mark seq_mark;   /* the sequence key */
	char *console; size_t console_len; /* expected output */
	bool console_set, console_contains; struct sc_mark console_at; /* given; substring match; where */
	int stop; struct sc_mark stop_at;          /* enum stop_reason, -1 unset */
	int exit_code; struct sc_mark exit_at;     /* -1 unset */
	int shutdown; struct sc_mark shutdown_at;  /* 0/1, -1 unset */
	struct sc_range insns, cycles;             /* bounds */
};

/* Bytes the loader writes: a load's image or a table a builder made. */
struct sc_blob {
	const char *what;          /* "gdt", "idt", "tss", "ldt", "page tables", "asm", ... */
	struct sc_mark mark;       /* the entry or section that made it */
	uint64_t pa;               /* where */
	const uint8_t *data;       /* contents (NULL: zeros) */
	uint64_t len;              /* bytes */
	bool is_load;              /* from memory: (not a builder) */
	bool inside_load;          /* placed at a label: may lie inside a load's bytes */
};

struct scenario {
	char *file;                /* path as given */
	char *dir;                 /* its directory, for relative file names */
	char *text;                /* the file's contents (inline asm indentation) */
	char *name;                /* name: */
	char *description;         /* description: */

	/* machine: */
	uint64_t memory;           /* RAM bytes */
	enum sc_mode mode;         /* starting mode of the CPU (vmx-*: long64) */
	enum sc_vmx vmx;           /* vmx-root, vmx-nonroot: VMX operation on top of long64 */
	int tlb_untagged;          /* machine.tlb: 1 untagged, 0 tagged, -1 not given */
	struct sc_mark mode_at;    /* where mode was written */
	char *profile;             /* profile name or NULL */
	struct sc_mark profile_at; /* where it was written */
	struct sc_num entry;       /* machine.entry (else registers.rip, label start, first load) */

	struct sc_load *load; int nload, capload;          /* memory: entries */
	struct sc_label *lab; int nlab, caplab;            /* labels from asm and ELF entries */

	struct sc_dtable gdt, ldt;           /* gdt:, ldt: */
	struct sc_idt idt;                   /* idt: */
	struct sc_tss tss;                   /* tss: */
	struct sc_paging paging;             /* paging: */
	struct sc_ept ept;                   /* ept: */
	struct sc_vmcs vmcs;                 /* vmcs: */

	struct sc_num reg[VT_REG_COUNT];     /* registers: GPRs, rip, rflags, fs_base, gs_base */
	struct sc_segreg seg[6];             /* registers: es cs ss ds fs gs */
	struct sc_num ctl[5];                /* control: cr0 cr2 cr3 cr4 efer */
	struct sc_msr *msr; int nmsr, capmsr;              /* msrs: */

	struct sc_narration *narr; int nnarr, capnarr;     /* narrate: */
	struct sc_expect ex;                 /* expect: */
	uint64_t max_insns, max_cycles;      /* limits: (0 = none for cycles) */
	struct sc_mark insns_at, cycles_at;  /* where the limits were written */

	struct sc_blob *blob; int nblob, capblob; /* everything written before the start, in order */
	uint8_t *gdt_img;                    /* the GDT as built (for loading segments) */
	uint64_t gdt_bytes;                  /* its size */

	uint32_t event_mask;                 /* EVB() kinds expectations and narration need */
	uint64_t start_rip;                  /* resolved entry */
	struct sc_mark entry_at;             /* where the entry point comes from */
	uint16_t start_cs;                   /* CS selector at the start (gate default) */

	void **blocks; int nblocks, capblocks; /* everything allocated, freed together */
};

/* Memory that lives as long as the scenario. */
void *sc_alloc(struct scenario *sc, size_t n);
char *sc_strdup(struct scenario *sc, const char *s);
char *sc_strndup(struct scenario *sc, const char *s, size_t n);
/* Append a zeroed element to an array; NULL when out of memory. */
void *sc_push(struct scenario *sc, void **arr, int *n, int *cap, size_t elem);

/* Parsing (parse.c): the YAML document into struct scenario. */
struct yctx {
	struct scenario *sc;       /* what is being filled */
	struct diag *d;            /* errors */
	yaml_document_t *doc;      /* the document */
};

static inline struct sc_mark y_mark(const yaml_node_t *n)
{
	return (struct sc_mark){ (int)n->start_mark.line + 1, (int)n->start_mark.column + 1 };
}

int sc_parse_document(struct yctx *y, yaml_node_t *root);

/* Values (value.c). */
/* What a scalar may be: SCALAR_NUM numbers only; SCALAR_EXPR also labels. */
enum { NUM_PLAIN = 0, NUM_SIGNED = 1, NUM_LABEL = 2 };
bool sc_parse_u64(const char *s, bool allow_signed, uint64_t *out, const char **why);
int sc_num_from(struct yctx *y, yaml_node_t *n, int flags, const char *what, struct sc_num *out);
int sc_u64_from(struct yctx *y, yaml_node_t *n, const char *what, uint64_t *out);
/* The `count:` of a paging or EPT map entry: 1 to 2^20 pages. */
int sc_page_count_from(struct yctx *y, yaml_node_t *n, uint64_t *count);
int sc_bool_from(struct yctx *y, yaml_node_t *n, const char *what, bool *out);
int sc_str_from(struct yctx *y, yaml_node_t *n, const char *what, char **out);
const char *y_kind(const yaml_node_t *n);
/* Resolve a number; physical picks a label's physical address. */
int sc_resolve(struct scenario *sc, struct diag *d, const struct sc_num *n, bool physical, uint64_t *out);
const struct sc_label *sc_label_find(const struct scenario *sc, const char *name);
/* The closest known label to name, for "did you mean", or NULL. */
const char *sc_label_suggest(const struct scenario *sc, const char *name);
/* The closest of candidates[0..n-1] to word, or NULL if none is close. */
const char *sc_suggest(const char *word, const char *const *candidates, int n);

/* Mapping walker: a table of keys, one row each. */
struct sc_key {
	const char *key;           /* as written */
	int (*parse)(struct yctx *y, yaml_node_t *v, void *obj); /* fills obj; returns errors */
};
int sc_walk_map(struct yctx *y, yaml_node_t *map, const char *where, const struct sc_key *keys, int nkeys,
		void *obj);

/* Event patterns (pattern.c). */
int sc_parse_pattern(struct yctx *y, yaml_node_t *n, const char *where, struct sc_pattern *p,
		     const char *const *extra, int nextra);
int sc_resolve_pattern(struct scenario *sc, struct diag *d, struct sc_pattern *p);
bool sc_pattern_match(const struct sc_pattern *p, const struct event *e);
void sc_pattern_describe(const struct sc_pattern *p, char *buf, size_t len);
void sc_event_describe(const struct event *e, char *buf, size_t len);

/* Assembly (asm.c): assemble every asm load, read its labels. */
int sc_assemble(struct scenario *sc, struct diag *d);
/* Files (image.c): binaries and ELF images. */
int sc_read_images(struct scenario *sc, struct diag *d);

/* Builders (build.c): descriptor and table encoding. */
uint64_t sc_desc_encode(const struct sc_desc *e, uint64_t base, uint64_t limit_bytes, uint64_t *hi);
uint16_t sc_desc_attr(const struct sc_desc *e, uint64_t limit_bytes, uint32_t *limit_out);
/* Hidden state of segment register seg (0-5) written as descriptor fields. */
int sc_hidden_state(struct scenario *sc, struct diag *d, struct sc_desc *e, int seg, uint64_t *base, uint32_t *limit,
		    uint16_t *attr);
int sc_layout(struct scenario *sc, struct diag *d);
/* Placement helpers of the layout (build.c), shared with vmxbuild.c. */
struct sc_blob *sc_add_blob(struct scenario *sc, const char *what, struct sc_mark mark, uint64_t pa,
			    const uint8_t *data, uint64_t len);
int sc_place(struct scenario *sc, struct diag *d, const struct sc_num *at, uint64_t len, uint64_t *top,
	     const char *what, struct sc_mark mark, uint64_t *pa, bool *by_label);
/* VMX (vmxbuild.c): the ept: and vmcs: sections, the EPT tables and VMCS
 * layout, and VMX operation at the end of scenario_apply. */
int sc_p_ept(struct yctx *y, yaml_node_t *v, void *o);
int sc_p_vmcs(struct yctx *y, yaml_node_t *v, void *o);
int sc_vmx_check(struct scenario *sc, struct diag *d);
int sc_vmx_layout(struct scenario *sc, struct diag *d, uint64_t *top);
int sc_vmx_apply(struct scenario *sc, struct machine *m, struct diag *d);
/* Paging (pgbuild.c). */
int sc_paging_build(struct scenario *sc, struct diag *d, uint64_t base, uint8_t **image, uint64_t *bytes);
const char *sc_pgfmt_name(enum sc_pgfmt f);

/* TSS formats (build.c). */
int sc_tss_field(int bits, const char *name);
const char *sc_tss_field_names(int bits);

#endif
