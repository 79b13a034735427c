/* image.c - the binary: and elf: entries of memory: flat files and ELF images with their symbols. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "internal.h"

int sc_read_file(const char *path, uint8_t **data, size_t *len, uint64_t max, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			fclose(f);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n < cap - 1)
			break;
		if (n > max) {
			free(buf);
			fclose(f);
			snprintf(err, errlen, "larger than %llu bytes", (unsigned long long)max);
			return -1;
		}
		cap *= 2;
		uint8_t *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "%s", strerror(EISDIR));
		return -1;
	}
	if (n > max) {
		free(buf);
		snprintf(err, errlen, "larger than %llu bytes", (unsigned long long)max);
		return -1;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

/* Little-endian field readers: ELF images are read byte by byte, never cast. */
static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct elf_view {
	const uint8_t *b;   /* the file */
	size_t len;         /* its size */
	bool is64;          /* ELFCLASS64 */
};

static bool in_file(const struct elf_view *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

static int add_symbols(struct scenario *sc, int li, const struct elf_view *e, uint64_t shoff, unsigned shnum,
		       unsigned shentsize)
{
	for (unsigned s = 0; s < shnum; s++) {
		const uint8_t *sh = e->b + shoff + (uint64_t)s * shentsize;
		if (rd(sh + 4, 4) != SHT_SYMTAB)
			continue;
		uint64_t off = e->is64 ? rd(sh + 24, 8) : rd(sh + 16, 4);
		uint64_t size = e->is64 ? rd(sh + 32, 8) : rd(sh + 20, 4);
		unsigned link = (unsigned)rd(sh + (e->is64 ? 40 : 24), 4);
		uint64_t entsize = e->is64 ? 24 : 16;
		if (link >= shnum || !in_file(e, off, size))
			continue;
		const uint8_t *str = e->b + shoff + (uint64_t)link * shentsize;
		uint64_t soff = e->is64 ? rd(str + 24, 8) : rd(str + 16, 4);
		uint64_t ssize = e->is64 ? rd(str + 32, 8) : rd(str + 20, 4);
		if (!in_file(e, soff, ssize) || ssize == 0 || e->b[soff + ssize - 1] != 0)
			continue;
		for (uint64_t k = 1; k < size / entsize; k++) {
			const uint8_t *sym = e->b + off + k * entsize;
			uint32_t name = (uint32_t)rd(sym, 4);
			unsigned info = e->is64 ? sym[4] : sym[12];
			unsigned shndx = (unsigned)(e->is64 ? rd(sym + 6, 2) : rd(sym + 14, 2));
			uint64_t value = e->is64 ? rd(sym + 8, 8) : rd(sym + 4, 4);
			unsigned type = info & 0xf;
			if (name == 0 || name >= ssize || shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE)
				continue;
			const char *nm = (const char *)e->b + soff + name;
			if (!*nm || sc_label_find(sc, nm))
				continue; /* the first definition wins (local symbols may repeat) */
			struct sc_label *lab = sc_push(sc, (void **)&sc->lab, &sc->nlab, &sc->caplab, sizeof *lab);
			if (!lab)
				return 1;
			lab->name = sc_strdup(sc, nm);
			lab->va = lab->pa = value;
			lab->load = li;
		}
	}
	return 0;
}

static int load_elf(struct scenario *sc, struct diag *d, int li)
{
	struct sc_load *l = &sc->load[li];
	struct elf_view e = { l->data, l->len, false };
	struct sc_mark m = l->src_mark;
	if (l->len < 52 || memcmp(l->data, ELFMAG, SELFMAG) != 0) {
		diag_error(d, m.line, m.col, "elf: '%s' is not an ELF file (expected an ELF executable, e.g. from ld)", l->path);
		return 1;
	}
	unsigned cls = l->data[EI_CLASS], data = l->data[EI_DATA];
	if ((cls != ELFCLASS32 && cls != ELFCLASS64) || data != ELFDATA2LSB) {
		diag_error(d, m.line, m.col, "elf: '%s' is not a little-endian ELF32 or ELF64 file", l->path);
		return 1;
	}
	e.is64 = cls == ELFCLASS64;
	if (e.is64 && l->len < 64) {
		diag_error(d, m.line, m.col, "elf: '%s' is truncated (its ELF header is incomplete)", l->path);
		return 1;
	}
	unsigned machine = (unsigned)rd(l->data + 18, 2);
	if (machine != EM_386 && machine != EM_X86_64) {
		diag_error(d, m.line, m.col, "elf: '%s' is for machine %u (expected x86: EM_386 or EM_X86_64)", l->path, machine);
		return 1;
	}
	l->elf_entry = e.is64 ? rd(l->data + 24, 8) : rd(l->data + 24, 4);
	uint64_t phoff = e.is64 ? rd(l->data + 32, 8) : rd(l->data + 28, 4);
	uint64_t shoff = e.is64 ? rd(l->data + 40, 8) : rd(l->data + 32, 4);
	unsigned phentsize = (unsigned)rd(l->data + (e.is64 ? 54 : 42), 2);
	unsigned phnum = (unsigned)rd(l->data + (e.is64 ? 56 : 44), 2);
	unsigned shentsize = (unsigned)rd(l->data + (e.is64 ? 58 : 46), 2);
	unsigned shnum = (unsigned)rd(l->data + (e.is64 ? 60 : 48), 2);
	if (phentsize < (e.is64 ? 56u : 32u) || !in_file(&e, phoff, (uint64_t)phnum * phentsize)) {
		diag_error(d, m.line, m.col, "elf: '%s' has a damaged program header table", l->path);
		return 1;
	}
	l->segs = sc_alloc(sc, (phnum ? phnum : 1) * sizeof *l->segs);
	if (!l->segs)
		return 1;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = l->data + phoff + (uint64_t)i * phentsize;
		if (rd(ph, 4) != PT_LOAD)
			continue;
		uint64_t off = e.is64 ? rd(ph + 8, 8) : rd(ph + 4, 4);
		uint64_t paddr = e.is64 ? rd(ph + 24, 8) : rd(ph + 12, 4);
		uint64_t filesz = e.is64 ? rd(ph + 32, 8) : rd(ph + 16, 4);
		uint64_t memsz = e.is64 ? rd(ph + 40, 8) : rd(ph + 20, 4);
		if (!in_file(&e, off, filesz) || memsz < filesz) {
			diag_error(d, m.line, m.col, "elf: '%s': program header %u points outside the file or has memsz < filesz", l->path, i);
			return 1;
		}
		if (memsz == 0)
			continue;
		l->segs[l->nsegs++] = (struct sc_elf_seg){ paddr, filesz, memsz, l->data + off };
	}
	if (l->nsegs == 0) {
		diag_error(d, m.line, m.col, "elf: '%s' has no PT_LOAD segment (expected a linked executable)", l->path);
		return 1;
	}
	int first_label = sc->nlab;
	if (shnum && shentsize >= (e.is64 ? 64u : 40u) && in_file(&e, shoff, (uint64_t)shnum * shentsize) &&
	    add_symbols(sc, li, &e, shoff, shnum, shentsize))
		return 1;
	/* Symbols are linear addresses; their physical address comes through
	 * the program header whose virtual range holds them. */
	for (int k = first_label; k < sc->nlab; k++) {
		struct sc_label *lab = &sc->lab[k];
		for (unsigned i = 0; i < phnum; i++) {
			const uint8_t *ph = l->data + phoff + (uint64_t)i * phentsize;
			if (rd(ph, 4) != PT_LOAD)
				continue;
			uint64_t vaddr = e.is64 ? rd(ph + 16, 8) : rd(ph + 8, 4);
			uint64_t paddr = e.is64 ? rd(ph + 24, 8) : rd(ph + 12, 4);
			uint64_t memsz = e.is64 ? rd(ph + 40, 8) : rd(ph + 20, 4);
			if (lab->va >= vaddr && lab->va - vaddr < memsz)
				lab->pa = paddr + (lab->va - vaddr);
		}
	}
	return 0;
}

static const char *kind_key(enum sc_load_kind k)
{
	return k == LK_BINARY ? "binary" : k == LK_ELF ? "elf" : "asm_file";
}

int sc_read_images(struct scenario *sc, struct diag *d)
{
	int errors = 0;
	for (int i = 0; i < sc->nload; i++) {
		struct sc_load *l = &sc->load[i];
		if (l->kind != LK_BINARY && l->kind != LK_ELF && l->kind != LK_ASM_FILE)
			continue;
		if (l->src[0] == '/' || strcmp(sc->dir, ".") == 0) {
			l->path = sc_strdup(sc, l->src);
		} else {
			size_t n = strlen(sc->dir) + strlen(l->src) + 2;
			l->path = sc_alloc(sc, n);
			if (l->path)
				snprintf(l->path, n, "%s/%s", sc->dir, l->src);
		}
		if (!l->path)
			return errors + 1;
		if (l->kind == LK_ASM_FILE)
			continue; /* NASM reads it */
		uint8_t *data;
		size_t len;
		char err[256];
		if (sc_read_file(l->path, &data, &len, sc->memory, err, sizeof err) != 0) {
			diag_error(d, l->src_mark.line, l->src_mark.col, "%s: cannot read '%s': %s (expected a file, relative to the scenario's directory)",
				   kind_key(l->kind), l->path, err);
			errors++;
			continue;
		}
		if (len == 0 && l->kind == LK_BINARY) {
			free(data);
			diag_error(d, l->src_mark.line, l->src_mark.col, "binary: '%s' is empty (expected at least one byte)", l->path);
			errors++;
			continue;
		}
		l->data = sc_alloc(sc, len);
		if (!l->data) {
			free(data);
			return errors + 1;
		}
		memcpy(l->data, data, len);
		l->len = len;
		free(data);
		if (l->kind == LK_ELF)
			errors += load_elf(sc, d, i);
	}
	return errors;
}
