/* difftest.h - shared types of the differential test: forms, cases, outcomes. */
#ifndef DIFFTEST_H
#define DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

/*
 * The address space both runs share. vtsim's START_LONG64 identity-maps the
 * first 4 GiB, and the host maps the same pages at the same addresses with
 * MAP_FIXED_NOREPLACE, so absolute and RIP-relative addresses are identical
 * in both. Everything sits below 64 MiB, vtsim's RAM size.
 *
 *   0x01000000  code: 64 KiB, the instruction at CODE_BASE + 0x8000
 *   0x02000000  data window: DATA_SIZE bytes that memory operands point into
 *   0x02fff000  stack window: STACK_SIZE bytes ending at STACK_TOP
 *
 * The data and stack windows are mapped exactly, so a generator bug that
 * reaches outside them faults natively instead of comparing stale bytes.
 */
#define CODE_BASE   0x01000000ull
#define CODE_SIZE   0x10000ull
#define INSN_ADDR   (CODE_BASE + 0x8000)
#define DATA_BASE   0x02000000ull
#define DATA_SIZE   0x2000ull
#define STACK_TOP   0x03000000ull
#define STACK_SIZE  0x1000ull
#define STACK_BASE  (STACK_TOP - STACK_SIZE)
#define STACK_PTR   (STACK_TOP - 0x800)   /* RSP unless a form wants otherwise */
#define RAM_SIZE    (64ull << 20)         /* vtsim's RAM */

/*
 * An exit pad is where control leaves the code under test. Natively it is
 * `jmp qword [rip+0]` followed by the address of a stub label (FF 25
 * 00000000 imm64), which changes no register and no flag; in vtsim it is
 * HLT (F4), which stops the run because RFLAGS.IF = 0.
 */
#define EXIT_PAD_LEN 14
#define MAX_EXITS    4

/* RFLAGS bits (SDM Vol. 1, 3.4.3 "EFLAGS Register"). */
#define F_CF 0x0001u
#define F_PF 0x0004u
#define F_AF 0x0010u
#define F_ZF 0x0040u
#define F_SF 0x0080u
#define F_TF 0x0100u
#define F_IF 0x0200u
#define F_DF 0x0400u
#define F_OF 0x0800u
#define F_STATUS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_COMPARED (F_STATUS | F_DF)      /* randomized and compared */

/* Undefined-flag sets that whole instruction families share. */
#define U_LOGIC (F_AF)                           /* AND OR XOR TEST */
#define U_MUL   (F_SF | F_ZF | F_AF | F_PF)       /* MUL IMUL */
#define U_DIV   (F_STATUS)                       /* DIV IDIV */
#define U_BT    (F_OF | F_SF | F_AF | F_PF)       /* BT BTS BTR BTC */
#define U_BSF   (F_CF | F_OF | F_SF | F_AF | F_PF) /* BSF BSR */

/* GPR numbers, in the order of enum vt_reg and of ModRM/REX register fields. */
enum gpr { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	   R8, R9, R10, R11, R12, R13, R14, R15, NGPR };

/*
 * A form's operand shape: the low byte of form.kind. Families read the
 * shapes they support; "r/m" is a register unless K_MEM is set.
 */
enum shape {
	SH_NONE,        /* no explicit operand: cbw, clc, movsb, ret */
	SH_RM,          /* r/m */
	SH_R,           /* register coded in the opcode: push r64, bswap */
	SH_RM_R,        /* r/m, r */
	SH_R_RM,        /* r, r/m */
	SH_RM_IMM,      /* r/m, imm8/16/32 by operand size */
	SH_RM_IMM8,     /* r/m, imm8 (sign-extended, or a count/bit offset) */
	SH_ACC_IMM,     /* AL/AX/EAX/RAX, imm */
	SH_RM_1,        /* r/m, 1 (shift by one) */
	SH_RM_CL,       /* r/m, CL */
	SH_RM_R_IMM8,   /* r/m, r, imm8 (shld/shrd) */
	SH_RM_R_CL,     /* r/m, r, CL (shld/shrd) */
	SH_R_RM_IMM8,   /* r, r/m, imm8 (imul) */
	SH_R_RM_IMM,    /* r, r/m, imm16/32 (imul) */
	SH_R_IMM,       /* register in the opcode, immediate: mov r, imm */
	SH_ACC_R,       /* rAX, register in the opcode: xchg 90+r */
	SH_IMM,         /* immediate: push imm */
	SH_IMM16,       /* 16-bit immediate: ret imm16 */
	SH_REL8,        /* 8-bit relative branch */
	SH_REL32,       /* 32-bit relative branch */
	SH_MOFFS_LOAD,  /* AL/AX/EAX/RAX, moffs */
	SH_MOFFS_STORE, /* moffs, AL/AX/EAX/RAX */
	SH_M,           /* memory only: cmpxchg8b, lea, nop recipes */
	SH_LEVEL0,      /* enter imm16, 0 */
	SH_LEVEL1,      /* enter imm16, 1 */
	SH_LEVELN,      /* enter imm16, imm8 with a nesting level above 1 */
};

/* Flags in form.kind above the shape byte. */
#define K_SHAPE 0x00ffu
#define K_MEM   0x0100u  /* the r/m operand is memory */
#define K_LOCK  0x0200u  /* LOCK prefix */
#define K_A32   0x0400u  /* address-size override (0x67): 32-bit addresses */
#define K_REP   0x0800u  /* REP / REPE prefix (F3) */
#define K_REPNE 0x1000u  /* REPNE prefix (F2) */
#define K_AM_SHIFT 16     /* bits 16-19: enum addr_mode + 1 for LEA and NOP forms, 0 = random */
#define K_AM(am) (((uint32_t)(am) + 1) << K_AM_SHIFT)

/* Addressing forms of a memory operand (SDM Vol. 2A, 2.1.5 "Addressing-Mode
 * Encoding of ModR/M and SIB Bytes"; 2.2.1.6 "RIP-Relative Addressing"). */
enum addr_mode {
	AM_BASE,            /* [base] */
	AM_BASE_D8,         /* [base + disp8] */
	AM_BASE_D32,        /* [base + disp32] */
	AM_BASE_INDEX,      /* [base + index*scale] */
	AM_BASE_INDEX_D8,   /* [base + index*scale + disp8] */
	AM_BASE_INDEX_D32,  /* [base + index*scale + disp32] */
	AM_INDEX_D32,       /* [index*scale + disp32], SIB with no base */
	AM_ABS,             /* [disp32], SIB with neither base nor index */
	AM_RIP,             /* [rip + disp32] */
	AM_COUNT
};

/* Opcode maps in form.opcode: 0x00xx one-byte, 0x0Fxx two-byte. */
#define OPC_0F 0x0f00u

struct gen;
/* Build one random instance of a form; false asks the caller to retry
 * (e.g. AH was drawn next to an operand that needs a REX prefix). */
typedef bool form_gen(struct gen *g);

/* One instruction form: one row of a family's table. */
struct form {
	const char *name;      /* mnemonic, operand kinds and size: "add r/m32, imm8 (mem)" */
	form_gen *gen;         /* builds a random instance */
	ZydisMnemonic mnem;    /* what the bytes must decode to */
	uint16_t opcode;       /* primary opcode they must decode to (OPC_0F | xx for 0F xx) */
	uint8_t size;          /* operand size in bits they must decode to, 0 = not checked */
	uint32_t kind;         /* enum shape | K_* */
	uint32_t undef;        /* RFLAGS bits the SDM leaves undefined in every instance */
	const char *recipe;    /* fixed bytes in hex for gen_recipe forms, else NULL */
};

/* The addressing form a row asks for with K_AM(), or -1 for "draw one". */
static inline int form_am(const struct form *f)
{
	return (int)(f->kind >> K_AM_SHIFT) - 1;
}

/* A family's table, for the driver to walk. */
struct form_table {
	const struct form *forms;  /* rows */
	size_t count;              /* number of rows */
};

extern const struct form_table forms_alu, forms_shift, forms_muldiv, forms_bit,
	forms_cond, forms_move, forms_xchg, forms_misc, forms_string, forms_flow;

/* One random instance: initial state, code and what is not compared. */
struct dt_case {
	uint64_t gpr[NGPR];             /* initial GPRs */
	uint64_t rflags;                /* initial RFLAGS */
	uint8_t data[DATA_SIZE];        /* initial data window */
	uint8_t stack[STACK_SIZE];      /* initial stack window */
	uint8_t insn[16];               /* the instruction under test, at INSN_ADDR */
	uint8_t insn_len;               /* its length */
	uint64_t exit[MAX_EXITS];       /* exit pads: [0] falls through, others are branch targets */
	int nexit;                      /* number of exit pads */
	uint16_t pinned;                /* GPRs whose value a generator chose (bit per enum gpr) */
	uint32_t undef_flags;           /* RFLAGS bits not compared in this instance */
	uint64_t undef_bits[NGPR];      /* GPR bits the SDM leaves undefined in this instance */
	uint64_t undef_mem;             /* address of a memory result the SDM leaves undefined */
	unsigned undef_mem_len;         /* its length in bytes (0: none) */
	uint64_t mem_ea;                /* address of the memory operand, for reports */
	unsigned mem_len;               /* its size in bytes (0: no memory operand) */
	uint64_t rip_target;            /* RIP-relative operand: the address it must reach */
	bool rip_rel;                   /* the instruction has a RIP-relative operand */
};

/* A small, fast PRNG (xoshiro256**): the whole test is a function of the seed. */
struct rng {
	uint64_t s[4];   /* state */
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);   /* uniform in [0, n) */
uint64_t rand_value(struct rng *r);              /* biased toward edge cases */

/* What a generator works on. */
struct gen {
	const struct form *f;   /* the form being instantiated */
	struct rng *rng;        /* randomness */
	struct dt_case *c;      /* the case being built */
	uint64_t ea;            /* effective address of the last memory operand made */
};

/* gen.c: operands, state and encoding helpers every family uses. */
void case_init(struct dt_case *c, struct rng *r);
int gpr_index(ZydisRegister reg);
bool reg_is_high8(ZydisRegister reg);
ZydisRegister gpr_reg(int index, int size);          /* 8-bit: AL..R15B, never AH */
uint64_t reg_get(const struct dt_case *c, ZydisRegister reg);
void reg_put(struct dt_case *c, ZydisRegister reg, uint64_t v);  /* writes and pins */
uint64_t mem_get(const struct dt_case *c, uint64_t ea, int bytes);
void mem_put(struct dt_case *c, uint64_t ea, uint64_t v, int bytes);
uint64_t trunc_bits(uint64_t v, int size);
uint64_t sign_extend(uint64_t v, int size);

ZydisEncoderRequest req_new(const struct gen *g);
ZydisEncoderOperand op_reg(struct gen *g, int size, uint16_t avoid);
ZydisEncoderOperand op_fixed(struct gen *g, ZydisRegister reg);
ZydisEncoderOperand op_imm(uint64_t v);
uint64_t pick_ea(struct gen *g, int bytes, int align);
ZydisEncoderOperand op_mem_at(struct gen *g, uint64_t ea, int bytes, uint16_t avoid);
ZydisEncoderOperand op_mem_free(struct gen *g, int bytes, bool a32, int am);
ZydisEncoderOperand op_rm(struct gen *g, int size, uint16_t avoid);
uint64_t rand_imm(struct gen *g, int bits);
int rand_count(struct gen *g, int size);

bool emit_req(struct gen *g, const ZydisEncoderRequest *q);
void patch_imm(struct gen *g, int bytes, uint64_t v);
bool emit_bytes(struct gen *g, const uint8_t *b, size_t n);
bool emit_modrm_reg(struct gen *g, int size, uint16_t opcode, int reg_field,
		    ZydisRegister reg, ZydisRegister rm, const uint8_t *imm, int immlen);
bool emit_opreg(struct gen *g, int size, uint8_t opcode, ZydisRegister reg,
		const uint8_t *imm, int immlen);
void case_add_exit(struct dt_case *c, uint64_t addr);
uint64_t pick_target(struct gen *g);
int64_t pick_rel(struct gen *g, int len, bool rel8);

size_t recipe_bytes(const struct form *f, uint8_t *b, size_t max);
bool gen_recipe(struct gen *g);
bool case_generate(const struct form *f, struct rng *r, struct dt_case *c,
		   char *err, size_t errlen);
int disasm(const uint8_t *b, size_t n, uint64_t addr, char *out, size_t outlen);

/* How one run ended, natively or in vtsim. */
struct outcome {
	uint64_t gpr[NGPR];     /* GPRs at the end */
	uint64_t rflags;        /* RFLAGS at the end */
	uint64_t rip;           /* RIP at the end (vtsim: after the HLT) */
	int exit;               /* exit pad reached, -1 if none */
	int vector;             /* exception the instruction raised, -1 if none */
	uint64_t fault_rip;     /* RIP the exception reported */
	const char *trouble;    /* why the run itself went wrong, NULL if it did not */
	const uint8_t *data;    /* data window at the end */
	const uint8_t *stack;   /* stack window at the end */
};

/* native.c: the host CPU. */
struct native;
struct native *native_new(char *err, size_t errlen);
void native_free(struct native *n);
void native_run_case(struct native *n, const struct dt_case *c, struct outcome *o);

/* vtsim.c: the simulator. */
struct vt;
struct vt *vt_new(char *err, size_t errlen);
void vt_free(struct vt *v);
void vt_run_case(struct vt *v, const struct dt_case *c, struct outcome *o);

#endif
