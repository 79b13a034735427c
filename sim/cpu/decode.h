/* decode.h - turning instruction bytes into struct insn, with Zydis. */
#ifndef VTSIM_DECODE_H
#define VTSIM_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <Zydis/Zydis.h>

#include "insn.h"

/* How the CPU interprets code: the decoder's machine mode. */
enum code_mode { CM_REAL16, CM_PROT16, CM_PROT32, CM_COMPAT16, CM_COMPAT32, CM_LONG64, CM_COUNT };

struct decoder {
	ZydisDecoder z[CM_COUNT];  /* one Zydis decoder per code mode */
	ZydisFormatter fmt;        /* Intel syntax */
};

void decoder_init(struct decoder *d);

/*
 * Decode one instruction from bytes[0..n). Returns its length, or 0 when
 * the n bytes end before the instruction does (fetch more and retry).
 * Encodings that are invalid, or that vtsim does not execute, decode to a
 * handler that raises #UD with an explanation.
 */
int decode_insn(const struct decoder *d, enum code_mode mode, const uint8_t *bytes,
		size_t n, struct insn *out);

/* Intel-syntax disassembly of bytes at address rip into buf ("" if invalid). */
int decode_disasm(const struct decoder *d, enum code_mode mode, const uint8_t *bytes,
		  size_t n, uint64_t rip, char *buf, size_t len);

#endif
