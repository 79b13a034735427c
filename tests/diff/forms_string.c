/* forms_string.c - MOVS CMPS STOS LODS SCAS in all sizes, with REP/REPE/REPNE, DF 0 and 1. */
#include "difftest.h"

/*
 * A string instruction works on [RSI] and/or [RDI] and steps them by the
 * element size, down when DF=1 (SDM Vol. 1, 7.3.9 "String Operations").
 * With a REP prefix it repeats RCX times, and REPE/REPNE also stop CMPS and
 * SCAS on the first mismatch/match (Vol. 2B, REP/REPE/REPZ/REPNE/REPNZ).
 * With 0x67 the registers are ESI, EDI and ECX; their random upper halves
 * must not matter. RCX stays at most 16 so a run is short; RSI and RDI sit
 * at least 256 bytes inside the data window, and DF comes from the random
 * initial RFLAGS.
 */
#define MAX_REP 16

static bool is_cmps_or_scas(ZydisMnemonic m)
{
	return (m >= ZYDIS_MNEMONIC_CMPSB && m <= ZYDIS_MNEMONIC_CMPSW) ||
	       (m >= ZYDIS_MNEMONIC_SCASB && m <= ZYDIS_MNEMONIC_SCASW);
}

static bool is_scas(ZydisMnemonic m)
{
	return m == ZYDIS_MNEMONIC_SCASB || m == ZYDIS_MNEMONIC_SCASW ||
	       m == ZYDIS_MNEMONIC_SCASD || m == ZYDIS_MNEMONIC_SCASQ;
}

static uint64_t element(uint64_t base, int i, int esz, bool down)
{
	return down ? base - (uint64_t)(i * esz) : base + (uint64_t)(i * esz);
}

static uint64_t string_address(struct gen *g)
{
	return DATA_BASE + 256 + rng_below(g->rng, DATA_SIZE - 512);
}

static uint64_t rep_count(struct gen *g)
{
	static const uint64_t edges[] = { 0, 1, 2, MAX_REP };

	if (rng_below(g->rng, 2))
		return edges[rng_below(g->rng, 4)];
	return rng_below(g->rng, MAX_REP + 1);
}

static bool gen_string(struct gen *g)
{
	const struct form *f = g->f;
	struct dt_case *c = g->c;
	ZydisMnemonic m = f->mnem;
	int esz = f->size / 8;
	bool down = (c->rflags & F_DF) != 0;
	bool rep = (f->kind & (K_REP | K_REPNE)) != 0;
	bool a32 = (f->kind & K_A32) != 0;
	uint64_t rsi = string_address(g), rdi = string_address(g);
	uint64_t count = rep ? rep_count(g) : rng_below(g->rng, MAX_REP + 1);
	uint64_t run = rng_below(g->rng, count + 1);   /* elements made to match */
	ZydisEncoderRequest q = req_new(g);

	/* Now and then the two strings overlap by a few bytes. */
	if (rng_below(g->rng, 4) == 0)
		rdi = rsi + rng_below(g->rng, 4 * (uint64_t)esz) - 2 * (uint64_t)esz;

	if (is_cmps_or_scas(m) && rng_below(g->rng, 4) != 0) {
		uint64_t acc = c->gpr[RAX];
		/* REPE runs through equal elements and REPNE through unequal ones:
		 * the stop comes at element `run`. */
		for (uint64_t i = 0; i <= run && i < count; i++) {
			bool same = (f->kind & K_REPNE) ? i == run : i < run;
			uint64_t d = element(rdi, (int)i, esz, down);
			uint64_t want = is_scas(m) ? acc : mem_get(c, element(rsi, (int)i, esz, down), esz);
			if (same)
				mem_put(c, d, want, esz);
			else if (mem_get(c, d, esz) == trunc_bits(want, esz * 8))
				mem_put(c, d, want + 1, esz);
		}
	}

	reg_put(c, ZYDIS_REGISTER_RSI, a32 ? rsi | rng_next(g->rng) << 32 : rsi);
	reg_put(c, ZYDIS_REGISTER_RDI, a32 ? rdi | rng_next(g->rng) << 32 : rdi);
	if (rep)
		reg_put(c, ZYDIS_REGISTER_RCX, a32 ? count | rng_next(g->rng) << 32 : count);

	if (f->kind & K_REPNE)
		q.prefixes |= ZYDIS_ATTRIB_HAS_REPNE;
	else if ((f->kind & K_REP) && is_cmps_or_scas(m))
		q.prefixes |= ZYDIS_ATTRIB_HAS_REPE;
	else if (f->kind & K_REP)
		q.prefixes |= ZYDIS_ATTRIB_HAS_REP;
	if (a32)
		q.address_size_hint = ZYDIS_ADDRESS_SIZE_HINT_32;
	return emit_req(g, &q);
}

static const struct form rows[] = {
	{ "movsb", gen_string, ZYDIS_MNEMONIC_MOVSB, 0xa4, 8, SH_NONE, 0, NULL },
	{ "rep movsb", gen_string, ZYDIS_MNEMONIC_MOVSB, 0xa4, 8, SH_NONE | K_REP, 0, NULL },
	{ "rep movsb (a32)", gen_string, ZYDIS_MNEMONIC_MOVSB, 0xa4, 8, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "movsw", gen_string, ZYDIS_MNEMONIC_MOVSW, 0xa5, 16, SH_NONE, 0, NULL },
	{ "rep movsw", gen_string, ZYDIS_MNEMONIC_MOVSW, 0xa5, 16, SH_NONE | K_REP, 0, NULL },
	{ "rep movsw (a32)", gen_string, ZYDIS_MNEMONIC_MOVSW, 0xa5, 16, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "movsd", gen_string, ZYDIS_MNEMONIC_MOVSD, 0xa5, 32, SH_NONE, 0, NULL },
	{ "rep movsd", gen_string, ZYDIS_MNEMONIC_MOVSD, 0xa5, 32, SH_NONE | K_REP, 0, NULL },
	{ "rep movsd (a32)", gen_string, ZYDIS_MNEMONIC_MOVSD, 0xa5, 32, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "movsq", gen_string, ZYDIS_MNEMONIC_MOVSQ, 0xa5, 64, SH_NONE, 0, NULL },
	{ "rep movsq", gen_string, ZYDIS_MNEMONIC_MOVSQ, 0xa5, 64, SH_NONE | K_REP, 0, NULL },
	{ "rep movsq (a32)", gen_string, ZYDIS_MNEMONIC_MOVSQ, 0xa5, 64, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "stosb", gen_string, ZYDIS_MNEMONIC_STOSB, 0xaa, 8, SH_NONE, 0, NULL },
	{ "rep stosb", gen_string, ZYDIS_MNEMONIC_STOSB, 0xaa, 8, SH_NONE | K_REP, 0, NULL },
	{ "rep stosb (a32)", gen_string, ZYDIS_MNEMONIC_STOSB, 0xaa, 8, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "stosw", gen_string, ZYDIS_MNEMONIC_STOSW, 0xab, 16, SH_NONE, 0, NULL },
	{ "rep stosw", gen_string, ZYDIS_MNEMONIC_STOSW, 0xab, 16, SH_NONE | K_REP, 0, NULL },
	{ "rep stosw (a32)", gen_string, ZYDIS_MNEMONIC_STOSW, 0xab, 16, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "stosd", gen_string, ZYDIS_MNEMONIC_STOSD, 0xab, 32, SH_NONE, 0, NULL },
	{ "rep stosd", gen_string, ZYDIS_MNEMONIC_STOSD, 0xab, 32, SH_NONE | K_REP, 0, NULL },
	{ "rep stosd (a32)", gen_string, ZYDIS_MNEMONIC_STOSD, 0xab, 32, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "stosq", gen_string, ZYDIS_MNEMONIC_STOSQ, 0xab, 64, SH_NONE, 0, NULL },
	{ "rep stosq", gen_string, ZYDIS_MNEMONIC_STOSQ, 0xab, 64, SH_NONE | K_REP, 0, NULL },
	{ "rep stosq (a32)", gen_string, ZYDIS_MNEMONIC_STOSQ, 0xab, 64, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "lodsb", gen_string, ZYDIS_MNEMONIC_LODSB, 0xac, 8, SH_NONE, 0, NULL },
	{ "rep lodsb", gen_string, ZYDIS_MNEMONIC_LODSB, 0xac, 8, SH_NONE | K_REP, 0, NULL },
	{ "rep lodsb (a32)", gen_string, ZYDIS_MNEMONIC_LODSB, 0xac, 8, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "lodsw", gen_string, ZYDIS_MNEMONIC_LODSW, 0xad, 16, SH_NONE, 0, NULL },
	{ "rep lodsw", gen_string, ZYDIS_MNEMONIC_LODSW, 0xad, 16, SH_NONE | K_REP, 0, NULL },
	{ "rep lodsw (a32)", gen_string, ZYDIS_MNEMONIC_LODSW, 0xad, 16, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "lodsd", gen_string, ZYDIS_MNEMONIC_LODSD, 0xad, 32, SH_NONE, 0, NULL },
	{ "rep lodsd", gen_string, ZYDIS_MNEMONIC_LODSD, 0xad, 32, SH_NONE | K_REP, 0, NULL },
	{ "rep lodsd (a32)", gen_string, ZYDIS_MNEMONIC_LODSD, 0xad, 32, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "lodsq", gen_string, ZYDIS_MNEMONIC_LODSQ, 0xad, 64, SH_NONE, 0, NULL },
	{ "rep lodsq", gen_string, ZYDIS_MNEMONIC_LODSQ, 0xad, 64, SH_NONE | K_REP, 0, NULL },
	{ "rep lodsq (a32)", gen_string, ZYDIS_MNEMONIC_LODSQ, 0xad, 64, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "cmpsb", gen_string, ZYDIS_MNEMONIC_CMPSB, 0xa6, 8, SH_NONE, 0, NULL },
	{ "repe cmpsb", gen_string, ZYDIS_MNEMONIC_CMPSB, 0xa6, 8, SH_NONE | K_REP, 0, NULL },
	{ "repe cmpsb (a32)", gen_string, ZYDIS_MNEMONIC_CMPSB, 0xa6, 8, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne cmpsb", gen_string, ZYDIS_MNEMONIC_CMPSB, 0xa6, 8, SH_NONE | K_REPNE, 0, NULL },
	{ "repne cmpsb (a32)", gen_string, ZYDIS_MNEMONIC_CMPSB, 0xa6, 8, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "cmpsw", gen_string, ZYDIS_MNEMONIC_CMPSW, 0xa7, 16, SH_NONE, 0, NULL },
	{ "repe cmpsw", gen_string, ZYDIS_MNEMONIC_CMPSW, 0xa7, 16, SH_NONE | K_REP, 0, NULL },
	{ "repe cmpsw (a32)", gen_string, ZYDIS_MNEMONIC_CMPSW, 0xa7, 16, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne cmpsw", gen_string, ZYDIS_MNEMONIC_CMPSW, 0xa7, 16, SH_NONE | K_REPNE, 0, NULL },
	{ "repne cmpsw (a32)", gen_string, ZYDIS_MNEMONIC_CMPSW, 0xa7, 16, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "cmpsd", gen_string, ZYDIS_MNEMONIC_CMPSD, 0xa7, 32, SH_NONE, 0, NULL },
	{ "repe cmpsd", gen_string, ZYDIS_MNEMONIC_CMPSD, 0xa7, 32, SH_NONE | K_REP, 0, NULL },
	{ "repe cmpsd (a32)", gen_string, ZYDIS_MNEMONIC_CMPSD, 0xa7, 32, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne cmpsd", gen_string, ZYDIS_MNEMONIC_CMPSD, 0xa7, 32, SH_NONE | K_REPNE, 0, NULL },
	{ "repne cmpsd (a32)", gen_string, ZYDIS_MNEMONIC_CMPSD, 0xa7, 32, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "cmpsq", gen_string, ZYDIS_MNEMONIC_CMPSQ, 0xa7, 64, SH_NONE, 0, NULL },
	{ "repe cmpsq", gen_string, ZYDIS_MNEMONIC_CMPSQ, 0xa7, 64, SH_NONE | K_REP, 0, NULL },
	{ "repe cmpsq (a32)", gen_string, ZYDIS_MNEMONIC_CMPSQ, 0xa7, 64, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne cmpsq", gen_string, ZYDIS_MNEMONIC_CMPSQ, 0xa7, 64, SH_NONE | K_REPNE, 0, NULL },
	{ "repne cmpsq (a32)", gen_string, ZYDIS_MNEMONIC_CMPSQ, 0xa7, 64, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "scasb", gen_string, ZYDIS_MNEMONIC_SCASB, 0xae, 8, SH_NONE, 0, NULL },
	{ "repe scasb", gen_string, ZYDIS_MNEMONIC_SCASB, 0xae, 8, SH_NONE | K_REP, 0, NULL },
	{ "repe scasb (a32)", gen_string, ZYDIS_MNEMONIC_SCASB, 0xae, 8, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne scasb", gen_string, ZYDIS_MNEMONIC_SCASB, 0xae, 8, SH_NONE | K_REPNE, 0, NULL },
	{ "repne scasb (a32)", gen_string, ZYDIS_MNEMONIC_SCASB, 0xae, 8, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "scasw", gen_string, ZYDIS_MNEMONIC_SCASW, 0xaf, 16, SH_NONE, 0, NULL },
	{ "repe scasw", gen_string, ZYDIS_MNEMONIC_SCASW, 0xaf, 16, SH_NONE | K_REP, 0, NULL },
	{ "repe scasw (a32)", gen_string, ZYDIS_MNEMONIC_SCASW, 0xaf, 16, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne scasw", gen_string, ZYDIS_MNEMONIC_SCASW, 0xaf, 16, SH_NONE | K_REPNE, 0, NULL },
	{ "repne scasw (a32)", gen_string, ZYDIS_MNEMONIC_SCASW, 0xaf, 16, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "scasd", gen_string, ZYDIS_MNEMONIC_SCASD, 0xaf, 32, SH_NONE, 0, NULL },
	{ "repe scasd", gen_string, ZYDIS_MNEMONIC_SCASD, 0xaf, 32, SH_NONE | K_REP, 0, NULL },
	{ "repe scasd (a32)", gen_string, ZYDIS_MNEMONIC_SCASD, 0xaf, 32, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne scasd", gen_string, ZYDIS_MNEMONIC_SCASD, 0xaf, 32, SH_NONE | K_REPNE, 0, NULL },
	{ "repne scasd (a32)", gen_string, ZYDIS_MNEMONIC_SCASD, 0xaf, 32, SH_NONE | K_REPNE | K_A32, 0, NULL },
	{ "scasq", gen_string, ZYDIS_MNEMONIC_SCASQ, 0xaf, 64, SH_NONE, 0, NULL },
	{ "repe scasq", gen_string, ZYDIS_MNEMONIC_SCASQ, 0xaf, 64, SH_NONE | K_REP, 0, NULL },
	{ "repe scasq (a32)", gen_string, ZYDIS_MNEMONIC_SCASQ, 0xaf, 64, SH_NONE | K_REP | K_A32, 0, NULL },
	{ "repne scasq", gen_string, ZYDIS_MNEMONIC_SCASQ, 0xaf, 64, SH_NONE | K_REPNE, 0, NULL },
	{ "repne scasq (a32)", gen_string, ZYDIS_MNEMONIC_SCASQ, 0xaf, 64, SH_NONE | K_REPNE | K_A32, 0, NULL },
};

const struct form_table forms_string = { rows, sizeof(rows) / sizeof(rows[0]) };
