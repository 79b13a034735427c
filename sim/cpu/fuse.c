/* fuse.c - fused flag-setter + Jcc handlers and the pass that installs them. */
#include "fuse.h"

#include "alu.h"

/* The second half of a fused pair: i + 1 is the Jcc. */
static inline __attribute__((always_inline)) void then_jcc(struct cpu *c, const struct insn *i, unsigned cc)
{
	const struct insn *j = i + 1;
	uint64_t jrip = c->next_rip; /* the first instruction has retired */
	c->rip = jrip;
	c->next_rip = (jrip + j->len) & c->ip_mask;
	if (cpu_cond(c, cc)) {
		branch_to(c, c->next_rip + j->imm, j->osz);
		c->cycles += c->cost_taken;
	}
}

/* One handler per (first instruction, condition): FUSED_ALL makes the 16
 * of a first instruction and their table, so cpu_cond() folds. */
#define FUSED(name, first, cc) \
	static void name##_j##cc(struct cpu *c, const struct insn *i) \
	{ \
		first; \
		then_jcc(c, i, cc); \
	}
#define FUSED_ALL(name, first) \
	FUSED(name, first, 0) FUSED(name, first, 1) FUSED(name, first, 2) FUSED(name, first, 3) \
	FUSED(name, first, 4) FUSED(name, first, 5) FUSED(name, first, 6) FUSED(name, first, 7) \
	FUSED(name, first, 8) FUSED(name, first, 9) FUSED(name, first, 10) FUSED(name, first, 11) \
	FUSED(name, first, 12) FUSED(name, first, 13) FUSED(name, first, 14) FUSED(name, first, 15) \
	static insn_fn *const name##_jtab[16] = { \
		name##_j0, name##_j1, name##_j2, name##_j3, name##_j4, name##_j5, name##_j6, name##_j7, \
		name##_j8, name##_j9, name##_j10, name##_j11, name##_j12, name##_j13, name##_j14, name##_j15, \
	};

FUSED_ALL(cmp_rr, alu_rr(c, i, ALU_CMP))
FUSED_ALL(cmp_ri, alu_ri(c, i, ALU_CMP))
FUSED_ALL(cmp_rm, alu_rm(c, i, ALU_CMP))
FUSED_ALL(cmp_m, cmp_m(c, i))
FUSED_ALL(sub_ri, alu_ri(c, i, ALU_SUB))
FUSED_ALL(test_rr, test_rr(c, i))
FUSED_ALL(test_ri, test_ri(c, i))
FUSED_ALL(inc_r, incdec_r(c, i, 1))
FUSED_ALL(dec_r, incdec_r(c, i, -1))
FUSED_ALL(shift_ri, op_shift_ri(c, i))
#undef FUSED_ALL
#undef FUSED

struct fusion {
	insn_fn *first;              /* the first instruction's specialised handler */
	insn_fn *const *jtab;        /* fused handlers by condition code */
};

static bool is_jcc(const struct insn *j)
{
	return j->fn == op_jcc_tab[j->sub & 15];
}

void fuse_block(struct insn *insns, unsigned n)
{
	const struct fusion table[] = {
		{ op_alu_rr_tab[ALU_CMP], cmp_rr_jtab },
		{ op_alu_ri_tab[ALU_CMP], cmp_ri_jtab },
		{ op_alu_rm_tab[ALU_CMP], cmp_rm_jtab },
		{ op_cmp_m, cmp_m_jtab },
		{ op_alu_ri_tab[ALU_SUB], sub_ri_jtab },
		{ op_test_rr, test_rr_jtab },
		{ op_test_ri, test_ri_jtab },
		{ op_inc_r, inc_r_jtab },
		{ op_dec_r, dec_r_jtab },
		{ op_shift_ri, shift_ri_jtab },
	};
	for (unsigned k = 0; k + 1 < n; k++) {
		if (!is_jcc(&insns[k + 1]))
			continue;
		for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
			if (insns[k].fn == table[t].first) {
				insns[k].fast = table[t].jtab[insns[k + 1].sub & 15];
				insns[k].span = 2;
				insns[k].span_len = (uint8_t)(insns[k].len + insns[k + 1].len);
				k++;
				break;
			}
		}
	}
}
