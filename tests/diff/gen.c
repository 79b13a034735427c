/* gen.c - random values, operands and instruction encoding shared by every form family. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

#define MODE64 ZYDIS_MACHINE_MODE_LONG_64

/* ---- randomness ---------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* Values where carries, signs and parities change. */
static const uint64_t edge_values[] = {
	0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
	0x8000000000000000, 0xffffffffffffffff, 0xfffffffffffffffe,
	0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x0f0f0f0f0f0f0f0f,
};
#define N_EDGE (sizeof(edge_values) / sizeof(edge_values[0]))

uint64_t rand_value(struct rng *r)
{
	static const int widths[4] = { 8, 16, 32, 64 };
	int w = widths[rng_below(r, 4)];

	switch (rng_below(r, 8)) {
	case 0:
		return edge_values[rng_below(r, N_EDGE)];
	case 1:
		return edge_values[rng_below(r, N_EDGE)] + rng_below(r, 5) - 2;
	case 2:
		return rng_below(r, 64);
	case 3:
		return sign_extend(rng_next(r), w);      /* negative at some width */
	case 4:
		return trunc_bits(rng_next(r), w);
	default:
		return rng_next(r);
	}
}

uint64_t trunc_bits(uint64_t v, int size)
{
	return size >= 64 ? v : v & ((1ull << size) - 1);
}

uint64_t sign_extend(uint64_t v, int size)
{
	return size >= 64 ? v : (uint64_t)((int64_t)(v << (64 - size)) >> (64 - size));
}

/* ---- state --------------------------------------------------------------- */

void case_init(struct dt_case *c, struct rng *r)
{
	memset(c, 0, offsetof(struct dt_case, data));
	memset(&c->insn, 0, sizeof(*c) - offsetof(struct dt_case, insn));
	for (int i = 0; i < NGPR; i++)
		c->gpr[i] = rand_value(r);
	c->gpr[RSP] = STACK_PTR;
	c->rflags = 0x2 | (rng_next(r) & F_COMPARED);
	for (size_t i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = rng_next(r);
		memcpy(c->data + i, &v, 8);
	}
	for (size_t i = 0; i < STACK_SIZE; i += 8) {
		uint64_t v = rng_next(r);
		memcpy(c->stack + i, &v, 8);
	}
	c->nexit = 1;   /* exit[0], the fall-through, is placed after encoding */
}

static const ZydisRegister high8[4] = {
	ZYDIS_REGISTER_AH, ZYDIS_REGISTER_CH, ZYDIS_REGISTER_DH, ZYDIS_REGISTER_BH,
};

bool reg_is_high8(ZydisRegister reg)
{
	return reg >= ZYDIS_REGISTER_AH && reg <= ZYDIS_REGISTER_BH;
}

int gpr_index(ZydisRegister reg)
{
	return ZydisRegisterGetId(ZydisRegisterGetLargestEnclosing(MODE64, reg));
}

ZydisRegister gpr_reg(int index, int size)
{
	switch (size) {
	case 8:
		/* Zydis numbers GPR8 as AL..BL, AH..BH, SPL..DIL, R8B..: skip the high four. */
		return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR8, index < 4 ? index : index + 4);
	case 16: return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, index);
	case 32: return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR32, index);
	default: return ZydisRegisterEncode(ZYDIS_REGCLASS_GPR64, index);
	}
}

static int reg_width(ZydisRegister reg)
{
	return ZydisRegisterGetWidth(MODE64, reg);
}

uint64_t reg_get(const struct dt_case *c, ZydisRegister reg)
{
	uint64_t v = c->gpr[gpr_index(reg)];

	if (reg_is_high8(reg))
		return (v >> 8) & 0xff;
	return trunc_bits(v, reg_width(reg));
}

void reg_put(struct dt_case *c, ZydisRegister reg, uint64_t v)
{
	int i = gpr_index(reg);
	int w = reg_width(reg);
	int shift = reg_is_high8(reg) ? 8 : 0;
	uint64_t mask = trunc_bits(~0ull, w) << shift;

	c->gpr[i] = (c->gpr[i] & ~mask) | ((v << shift) & mask);
	c->pinned |= (uint16_t)(1u << i);
}

static uint8_t *mem_ptr(struct dt_case *c, uint64_t ea, int bytes)
{
	if (ea >= DATA_BASE && ea + bytes <= DATA_BASE + DATA_SIZE)
		return c->data + (ea - DATA_BASE);
	if (ea >= STACK_BASE && ea + bytes <= STACK_TOP)
		return c->stack + (ea - STACK_BASE);
	fprintf(stderr, "difftest: internal error: %#llx+%d is outside the data and stack windows\n",
		(unsigned long long)ea, bytes);
	abort();
}

uint64_t mem_get(const struct dt_case *c, uint64_t ea, int bytes)
{
	uint64_t v = 0;
	memcpy(&v, mem_ptr((struct dt_case *)c, ea, bytes), bytes);
	return v;
}

void mem_put(struct dt_case *c, uint64_t ea, uint64_t v, int bytes)
{
	memcpy(mem_ptr(c, ea, bytes), &v, bytes);
}

/* ---- operands ------------------------------------------------------------ */

ZydisEncoderRequest req_new(const struct gen *g)
{
	ZydisEncoderRequest q;

	memset(&q, 0, sizeof(q));
	q.machine_mode = MODE64;
	q.mnemonic = g->f->mnem;
	if (g->f->kind & K_LOCK)
		q.prefixes |= ZYDIS_ATTRIB_HAS_LOCK;
	return q;
}

/*
 * A random register of the given size. 8-bit draws include AH..BH, which
 * cannot share an instruction with a REX prefix; the encoder then fails and
 * the case is drawn again. RSP as an ordinary operand gets a random value
 * unless a generator pinned it.
 */
ZydisEncoderOperand op_reg(struct gen *g, int size, uint16_t avoid)
{
	ZydisEncoderOperand op = { .type = ZYDIS_OPERAND_TYPE_REGISTER };
	ZydisRegister reg;

	do {
		int k = (int)rng_below(g->rng, size == 8 ? 20 : 16);
		reg = k < 16 ? gpr_reg(k, size) : high8[k - 16];
	} while (avoid & (1u << gpr_index(reg)));
	if (gpr_index(reg) == RSP && !(g->c->pinned & (1u << RSP)))
		g->c->gpr[RSP] = rand_value(g->rng);
	op.reg.value = reg;
	return op;
}

ZydisEncoderOperand op_fixed(struct gen *g, ZydisRegister reg)
{
	ZydisEncoderOperand op = { .type = ZYDIS_OPERAND_TYPE_REGISTER };

	(void)g;
	op.reg.value = reg;
	return op;
}

ZydisEncoderOperand op_imm(uint64_t v)
{
	ZydisEncoderOperand op = { .type = ZYDIS_OPERAND_TYPE_IMMEDIATE };

	op.imm.u = v;
	return op;
}

/* An address in the data window with room for the operand, away from the edges. */
uint64_t pick_ea(struct gen *g, int bytes, int align)
{
	uint64_t off = 64 + rng_below(g->rng, DATA_SIZE - 128 - bytes);

	return DATA_BASE + (off & ~(uint64_t)(align - 1));
}

static int rand_scale(struct gen *g)
{
	return 1 << rng_below(g->rng, 4);
}

static int64_t rand_disp(struct gen *g, bool d32)
{
	int64_t d;

	if (!d32)
		return (int8_t)rng_next(g->rng);
	d = (int32_t)rand_value(g->rng);
	if (d >= -128 && d <= 127)
		d += 0x1000;    /* keep it a disp32 */
	return d;
}

static bool has_base(int am)
{
	return am <= AM_BASE_INDEX_D32;
}

static bool has_index(int am)
{
	return am >= AM_BASE_INDEX && am <= AM_INDEX_D32;
}

static ZydisEncoderOperand mem_operand(ZydisRegister base, ZydisRegister index, int scale,
				       int64_t disp, int bytes)
{
	ZydisEncoderOperand op = { .type = ZYDIS_OPERAND_TYPE_MEMORY };

	op.mem.base = base;
	op.mem.index = index;
	op.mem.scale = index != ZYDIS_REGISTER_NONE ? (ZyanU8)scale : 0;
	op.mem.displacement = disp;
	op.mem.size = (ZyanU16)bytes;
	return op;
}

/* Draws a base and an index (never RSP) outside avoid. */
static bool pick_base_index(struct gen *g, int am, uint16_t avoid, int *base, int *index)
{
	uint16_t free_regs = (uint16_t)~avoid;

	*base = *index = -1;
	if (has_base(am)) {
		if (!free_regs)
			return false;
		do
			*base = (int)rng_below(g->rng, NGPR);
		while (!(free_regs & (1u << *base)));
		free_regs &= (uint16_t)~(1u << *base);
	}
	if (has_index(am)) {
		free_regs &= (uint16_t)~(1u << RSP);   /* SIB index 100b means "none" */
		if (!free_regs)
			return false;
		do
			*index = (int)rng_below(g->rng, NGPR);
		while (!(free_regs & (1u << *index)));
	}
	return true;
}

/*
 * A memory operand that reaches ea through a random addressing form. The
 * base and index get values that make the sum land on ea, wrapping modulo
 * 2^64 (or 2^32 with the 0x67 prefix, where the upper halves of the
 * registers must not matter: SDM Vol. 1, 3.3.7 "Address Calculations in
 * 64-Bit Mode"). The registers it uses are pinned.
 */
ZydisEncoderOperand op_mem_at(struct gen *g, uint64_t ea, int bytes, uint16_t avoid)
{
	struct dt_case *c = g->c;
	bool a32 = rng_below(g->rng, 8) == 0;
	int size = a32 ? 32 : 64;
	int am = (int)rng_below(g->rng, AM_COUNT);
	int base, index, scale = rand_scale(g);
	int64_t disp = 0;
	uint64_t idxv = 0, basev;

	avoid |= c->pinned;
	g->ea = ea;
	c->mem_ea = ea;
	c->mem_len = (unsigned)bytes;
	if (am == AM_ABS && a32) {
		/* Zydis has no way to ask for 67 when no register names the size. */
		a32 = false;
		size = 64;
	}
	if (!pick_base_index(g, am, avoid, &base, &index))
		am = AM_ABS;
	if (am == AM_RIP) {
		c->rip_rel = true;
		c->rip_target = ea;
		return mem_operand(a32 ? ZYDIS_REGISTER_EIP : ZYDIS_REGISTER_RIP,
				   ZYDIS_REGISTER_NONE, 0, 0, bytes);
	}
	if (am == AM_ABS)
		return mem_operand(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, (int64_t)ea, bytes);

	if (am == AM_BASE_D8 || am == AM_BASE_INDEX_D8)
		disp = rand_disp(g, false);
	else if (am == AM_BASE_D32 || am == AM_BASE_INDEX_D32)
		disp = rand_disp(g, true);

	if (index >= 0) {
		if (base < 0 && !a32) {
			/* No base: disp32 is sign-extended, so the index must carry the address. */
			idxv = (ea >> (scale == 8 ? 3 : scale == 4 ? 2 : scale == 2 ? 1 : 0))
			       + rng_below(g->rng, 1 << 16) - (1 << 15);
		} else {
			idxv = rand_value(g->rng);
		}
		c->gpr[index] = idxv;
		c->pinned |= (uint16_t)(1u << index);
	}
	basev = ea - idxv * (uint64_t)scale - (uint64_t)disp;
	if (base >= 0) {
		if (a32)
			basev = (rng_next(g->rng) << 32) | (uint32_t)basev;   /* ignored upper half */
		c->gpr[base] = basev;
		c->pinned |= (uint16_t)(1u << base);
	} else {
		disp = a32 ? (int32_t)(uint32_t)basev : (int64_t)basev;   /* [index*scale + disp32] */
	}
	return mem_operand(base >= 0 ? gpr_reg(base, size) : ZYDIS_REGISTER_NONE,
			   index >= 0 ? gpr_reg(index, size) : ZYDIS_REGISTER_NONE,
			   scale, disp, bytes);
}

/*
 * A memory operand that is never accessed (LEA, NOP): registers keep their
 * random values and nothing is pinned. am < 0 draws an addressing form.
 */
ZydisEncoderOperand op_mem_free(struct gen *g, int bytes, bool a32, int am)
{
	int size = a32 ? 32 : 64;
	int base, index, scale = rand_scale(g);
	int64_t disp = 0;

	if (am < 0)
		am = (int)rng_below(g->rng, AM_COUNT);
	pick_base_index(g, am, 0, &base, &index);
	switch (am) {
	case AM_BASE_D8:
	case AM_BASE_INDEX_D8:
		disp = rand_disp(g, false);
		break;
	case AM_BASE_D32:
	case AM_BASE_INDEX_D32:
	case AM_INDEX_D32:
	case AM_ABS:
	case AM_RIP:
		disp = rand_disp(g, true);
		break;
	}
	if (am == AM_RIP)
		return mem_operand(a32 ? ZYDIS_REGISTER_EIP : ZYDIS_REGISTER_RIP,
				   ZYDIS_REGISTER_NONE, 0, disp, bytes);
	return mem_operand(base >= 0 ? gpr_reg(base, size) : ZYDIS_REGISTER_NONE,
			   index >= 0 ? gpr_reg(index, size) : ZYDIS_REGISTER_NONE,
			   scale, disp, bytes);
}

/* The r/m operand of a ModRM form: memory when the form says so. */
ZydisEncoderOperand op_rm(struct gen *g, int size, uint16_t avoid)
{
	/* A locked operand that straddles a cache line is a split lock, which
	 * the kernel may punish; keep locked operands naturally aligned. */
	int align = (g->f->kind & K_LOCK) ? size / 8 : 1;

	if (g->f->kind & K_MEM)
		return op_mem_at(g, pick_ea(g, size / 8, align), size / 8, avoid);
	return op_reg(g, size, avoid);
}

/* An immediate of the given width, sign-extended to 64 bits. */
uint64_t rand_imm(struct gen *g, int bits)
{
	return sign_extend(rand_value(g->rng), bits);
}

/* A shift or rotate count: mostly the interesting ones, for CL the full byte. */
int rand_count(struct gen *g, int size)
{
	const int edges[] = { 0, 1, 2, size - 1, size, size + 1, 2 * size - 1, 2 * size,
			      9, 16, 17, 31, 32, 33, 63, 64, 65 };
	const int n = (int)(sizeof(edges) / sizeof(edges[0]));

	if (rng_below(g->rng, 3) == 0)
		return (int)rng_below(g->rng, 256);
	return edges[rng_below(g->rng, n)];
}

/* ---- encoding ------------------------------------------------------------ */

/*
 * Encodes q at INSN_ADDR. A RIP-relative displacement counts from the end
 * of the instruction (SDM Vol. 2A, 2.2.1.6), so such an instruction is
 * encoded twice: once to learn its length, once with the displacement.
 */
bool emit_req(struct gen *g, const ZydisEncoderRequest *q)
{
	struct dt_case *c = g->c;
	ZydisEncoderRequest r = *q;
	ZyanUSize len = sizeof(c->insn);

	if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&r, c->insn, &len)))
		return false;
	if (c->rip_rel) {
		for (int i = 0; i < r.operand_count; i++) {
			ZydisEncoderOperand *op = &r.operands[i];
			if (op->type == ZYDIS_OPERAND_TYPE_MEMORY &&
			    (op->mem.base == ZYDIS_REGISTER_RIP || op->mem.base == ZYDIS_REGISTER_EIP))
				op->mem.displacement = (int64_t)(c->rip_target - (INSN_ADDR + len));
		}
		len = sizeof(c->insn);
		if (!ZYAN_SUCCESS(ZydisEncoderEncodeInstruction(&r, c->insn, &len)))
			return false;
	}
	c->insn_len = (uint8_t)len;
	return true;
}

/*
 * The immediate is the last field of a legacy instruction. Forms that need
 * a particular opcode (81 /0 id rather than 83 /0 ib, C1 /4 ib with a count
 * of 1 rather than D1 /4) are encoded with a placeholder that forces that
 * opcode, then the real value is written over it.
 */
void patch_imm(struct gen *g, int bytes, uint64_t v)
{
	memcpy(g->c->insn + g->c->insn_len - bytes, &v, bytes);
}

bool emit_bytes(struct gen *g, const uint8_t *b, size_t n)
{
	memcpy(g->c->insn, b, n);
	g->c->insn_len = (uint8_t)n;
	return true;
}

/* The bytes of a row's recipe, "66 0f 1f 44 00 00"; returns how many. */
size_t recipe_bytes(const struct form *f, uint8_t *b, size_t max)
{
	const char *p = f->recipe;
	size_t n = 0;

	while (p && *p && n < max) {
		char *end;
		b[n++] = (uint8_t)strtoul(p, &end, 16);
		p = end;
	}
	return n;
}

/* A form spelled as fixed bytes in its row. */
bool gen_recipe(struct gen *g)
{
	uint8_t b[16];

	return emit_bytes(g, b, recipe_bytes(g->f, b, sizeof(b)));
}

/* The number a register has in ModRM/REX: AH..BH are 4..7 without REX. */
static int reg_code(ZydisRegister reg)
{
	return reg_is_high8(reg) ? gpr_index(reg) + 4 : gpr_index(reg);
}

/* SPL, BPL, SIL and DIL exist only with a REX prefix (SDM Vol. 2A, 2.2.1.2). */
static bool needs_rex(ZydisRegister reg)
{
	return reg_width(reg) == 8 && !reg_is_high8(reg) && gpr_index(reg) >= 4;
}

/*
 * Legacy prefix, REX and opcode for a hand-encoded form: [66] [REX] [0F] op.
 * size 16 adds 66, size 64 sets REX.W, size 0 means the default (64-bit
 * stack operations). Returns the length, or -1 when AH..BH meet a REX.
 */
static int put_prefix_opcode(uint8_t *b, int size, uint16_t opcode, int rex,
			     bool have_high8)
{
	int n = 0;

	if (size == 16)
		b[n++] = 0x66;
	if (size == 64)
		rex |= 0x48;
	if (rex) {
		if (have_high8)
			return -1;
		b[n++] = (uint8_t)(rex | 0x40);
	}
	if (opcode & OPC_0F)
		b[n++] = 0x0f;
	b[n++] = (uint8_t)opcode;
	return n;
}

/*
 * A register-direct ModRM form (mod = 11b), for the encodings Zydis would
 * not choose: 03 /r with two registers, C7 /0 with a register, and the
 * like. reg_field >= 0 is an opcode extension (/digit) instead of reg.
 */
bool emit_modrm_reg(struct gen *g, int size, uint16_t opcode, int reg_field,
		    ZydisRegister reg, ZydisRegister rm, const uint8_t *imm, int immlen)
{
	uint8_t *b = g->c->insn;
	int field = reg_field >= 0 ? reg_field : reg_code(reg);
	int rex = 0, n;
	bool high = reg_is_high8(rm) || (reg_field < 0 && reg_is_high8(reg));

	if (reg_field < 0 && (reg_code(reg) & 8))
		rex |= 0x44;
	if (reg_code(rm) & 8)
		rex |= 0x41;
	if (needs_rex(rm) || (reg_field < 0 && needs_rex(reg)))
		rex |= 0x40;
	n = put_prefix_opcode(b, size, opcode, rex, high);
	if (n < 0)
		return false;
	b[n++] = (uint8_t)(0xc0 | (field & 7) << 3 | (reg_code(rm) & 7));
	if (immlen)
		memcpy(b + n, imm, immlen);
	g->c->insn_len = (uint8_t)(n + immlen);
	return true;
}

/* A register coded in the low three opcode bits (90+r, 50+r, C8+r). */
bool emit_opreg(struct gen *g, int size, uint8_t opcode, ZydisRegister reg,
		const uint8_t *imm, int immlen)
{
	uint8_t *b = g->c->insn;
	int rex = (reg_code(reg) & 8) ? 0x41 : (needs_rex(reg) ? 0x40 : 0);
	int n = put_prefix_opcode(b, size, (uint16_t)(opcode + (reg_code(reg) & 7)), rex,
				  reg_is_high8(reg));

	if (n < 0)
		return false;
	if (immlen)
		memcpy(b + n, imm, immlen);
	g->c->insn_len = (uint8_t)(n + immlen);
	return true;
}

/* ---- control flow -------------------------------------------------------- */

void case_add_exit(struct dt_case *c, uint64_t addr)
{
	if (c->nexit >= MAX_EXITS) {
		fprintf(stderr, "difftest: internal error: more than %d exits\n", MAX_EXITS);
		abort();
	}
	c->exit[c->nexit++] = addr;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* An absolute branch target in the code page, clear of the instruction and other exits. */
uint64_t pick_target(struct gen *g)
{
	for (;;) {
		uint64_t t = CODE_BASE + 0x100 + rng_below(g->rng, CODE_SIZE - 0x200);
		bool clash = overlaps(t, EXIT_PAD_LEN, INSN_ADDR - 0x40, 0x80);

		for (int i = 1; i < g->c->nexit; i++)
			clash |= overlaps(t, EXIT_PAD_LEN, g->c->exit[i], EXIT_PAD_LEN);
		if (!clash)
			return t;
	}
}

/*
 * A branch displacement for an instruction of length len. The target pad
 * must not overlap the instruction or the fall-through pad right after it:
 * d <= -(len + EXIT_PAD_LEN) or d >= EXIT_PAD_LEN.
 */
int64_t pick_rel(struct gen *g, int len, bool rel8)
{
	int64_t lo = rel8 ? -128 : -0x7f00, hi = rel8 ? 127 : 0x7e00;

	if (!rel8 && rng_below(g->rng, 4) == 0) {
		lo = -128;   /* a rel32 that would have fitted a rel8 */
		hi = 127;
	}
	for (;;) {
		int64_t d = lo + (int64_t)rng_below(g->rng, (uint64_t)(hi - lo + 1));
		if (d <= -(len + EXIT_PAD_LEN) || d >= EXIT_PAD_LEN)
			return d;
	}
}

/* ---- the driver's side --------------------------------------------------- */

int disasm(const uint8_t *b, size_t n, uint64_t addr, char *out, size_t outlen)
{
	ZydisDisassembledInstruction d;

	if (!ZYAN_SUCCESS(ZydisDisassembleIntel(MODE64, addr, b, n, &d))) {
		snprintf(out, outlen, "(undecodable)");
		return -1;
	}
	snprintf(out, outlen, "%s", d.text);
	return d.info.length;
}

static bool has_explicit_mem(const ZydisDecodedOperand *ops, int n)
{
	for (int i = 0; i < n; i++)
		if (ops[i].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT &&
		    ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			return true;
	return false;
}

/*
 * The generated bytes must be the form the table row names: Zydis's decoder
 * checks the mnemonic, opcode, operand size, prefixes and operand kind, so a
 * slip in a generator cannot quietly test some other form.
 */
static bool verify(const struct form *f, const struct dt_case *c, char *err, size_t errlen)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction in;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	char text[96];
	const char *bad = NULL;
	uint16_t opc;

	ZydisDecoderInit(&dec, MODE64, ZYDIS_STACK_WIDTH_64);
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, c->insn, c->insn_len, &in, ops))) {
		snprintf(err, errlen, "generated bytes do not decode");
		return false;
	}
	opc = (uint16_t)(in.opcode | (in.opcode_map == ZYDIS_OPCODE_MAP_0F ? OPC_0F : 0));
	switch (f->kind & K_SHAPE) {
	case SH_R:
	case SH_ACC_R:
	case SH_R_IMM:
		opc &= (uint16_t)~7u;   /* the register is in the opcode's low three bits */
		break;
	}
	if (in.length != c->insn_len)
		bad = "length";
	else if (in.mnemonic != f->mnem)
		bad = "mnemonic";
	else if (opc != f->opcode)
		bad = "opcode";
	else if (f->size && in.operand_width != f->size)
		bad = "operand size";
	else if (has_explicit_mem(ops, in.operand_count_visible) != !!(f->kind & K_MEM))
		bad = "register/memory operand";
	else if (!(in.attributes & ZYDIS_ATTRIB_HAS_LOCK) != !(f->kind & K_LOCK))
		bad = "LOCK prefix";
	else if ((f->kind & K_A32) && in.address_width != 32)
		bad = "address size";
	else if (!(in.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) != !(f->kind & K_REP))
		bad = "REP prefix";
	else if (!(in.attributes & ZYDIS_ATTRIB_HAS_REPNE) != !(f->kind & K_REPNE))
		bad = "REPNE prefix";
	if (bad) {
		disasm(c->insn, c->insn_len, INSN_ADDR, text, sizeof(text));
		snprintf(err, errlen, "generated \"%s\" (opcode %#x, %d-bit), which differs in %s",
			 text, opc, in.operand_width, bad);
		return false;
	}
	return true;
}

/* Builds a valid random instance of f into c, or explains why it cannot. */
bool case_generate(const struct form *f, struct rng *r, struct dt_case *c,
		   char *err, size_t errlen)
{
	for (int attempt = 0; attempt < 200; attempt++) {
		struct gen g = { .f = f, .rng = r, .c = c };

		case_init(c, r);
		if (!f->gen(&g))
			continue;
		c->exit[0] = INSN_ADDR + c->insn_len;
		for (int i = 1; i < c->nexit; i++)
			if (overlaps(c->exit[i], EXIT_PAD_LEN, INSN_ADDR, c->insn_len + EXIT_PAD_LEN)) {
				snprintf(err, errlen, "exit %d overlaps the instruction", i);
				return false;
			}
		c->undef_flags |= f->undef;
		return verify(f, c, err, errlen);
	}
	snprintf(err, errlen, "no encodable instance in 200 draws");
	return false;
}
