/* multiboot.c - the Multiboot (v1) loader: header, ELF32 or a.out-kludge image, boot information, start state. */
#include "multiboot.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Section numbers below are those of the Multiboot Specification 0.6.96. */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t page_up(uint64_t a)
{
	return (a + 0xfff) & ~0xfffull;
}

/* ---------------------------------------------------------------- header */

/*
 * The header is the first 32-bit aligned magic in the first 8192 bytes
 * whose checksum holds (3.1.1); like QEMU, a magic with a bad checksum is
 * passed over in case a good header follows.
 */
static int find_header(const uint8_t *img, size_t len, uint32_t *off, char *err, size_t errlen)
{
	size_t limit = len < MB_SEARCH_BYTES ? len : MB_SEARCH_BYTES;
	long bad = -1;
	for (size_t o = 0; o + 12 <= limit; o += 4) {
		if (le32(img + o) != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(MB_HEADER_MAGIC + le32(img + o + 4) + le32(img + o + 8)) == 0) {
			*off = (uint32_t)o;
			return 0;
		}
		if (bad < 0)
			bad = (long)o;
	}
	if (bad >= 0)
		return fail(err, errlen, "the Multiboot header at file offset 0x%lx has a bad checksum "
			    "(magic + flags + checksum must be 0 mod 2^32; Multiboot spec 3.1.2)", bad);
	return fail(err, errlen, "not a Multiboot kernel: no header (magic 0x1BADB002, 32-bit aligned) "
		    "in the first 8192 bytes (Multiboot spec 3.1.1)");
}

/* ------------------------------------------------------ a.out kludge (3.1.3) */

/*
 * The address fields say it all: the file from the header's offset minus
 * (header_addr - load_addr) is the text and data, loaded at load_addr up
 * to load_end_addr (0: to the end of the file); bss follows up to
 * bss_end_addr (0: none); entry_addr is where to jump.
 */
static int parse_aout(const uint8_t *img, size_t len, struct mb_image *im, char *err, size_t errlen)
{
	uint32_t off = im->header_offset;
	if ((uint64_t)off + 32 > len || off + 32 > MB_SEARCH_BYTES)
		return fail(err, errlen, "the Multiboot header at file offset 0x%x sets flags bit 16 but its "
			    "address fields run past the %s (Multiboot spec 3.1.1)", off,
			    (uint64_t)off + 32 > len ? "end of the file" : "first 8192 bytes");
	const uint8_t *h = img + off;
	uint32_t header_addr = le32(h + 12), load_addr = le32(h + 16), load_end = le32(h + 20);
	uint32_t bss_end = le32(h + 24), entry = le32(h + 28);
	if (load_addr > header_addr)
		return fail(err, errlen, "a.out kludge: load_addr 0x%x is above header_addr 0x%x "
			    "(Multiboot spec 3.1.3)", load_addr, header_addr);
	if (header_addr - load_addr > off)
		return fail(err, errlen, "a.out kludge: header_addr - load_addr = 0x%x puts the start of the "
			    "text before the start of the file (the header is at file offset 0x%x)",
			    header_addr - load_addr, off);
	uint32_t text = off - (header_addr - load_addr);
	uint64_t load_size;
	if (load_end) {
		if (load_end < load_addr)
			return fail(err, errlen, "a.out kludge: load_end_addr 0x%x is below load_addr 0x%x",
				    load_end, load_addr);
		load_size = load_end - load_addr;
		if (text + load_size > len)
			return fail(err, errlen, "a.out kludge: load_end_addr 0x%x asks for 0x%llx bytes from file "
				    "offset 0x%x, but the file ends at 0x%zx (truncated?)", load_end,
				    (unsigned long long)load_size, text, len);
	} else {
		load_size = len - text;
	}
	uint64_t mem_size = load_size;
	if (bss_end) {
		if (bss_end < load_addr + load_size)
			return fail(err, errlen, "a.out kludge: bss_end_addr 0x%x is below the end of the loaded "
				    "text and data (0x%llx)", bss_end, (unsigned long long)(load_addr + load_size));
		mem_size = bss_end - load_addr;
	}
	if (load_addr + mem_size > 0x100000000ull)
		return fail(err, errlen, "a.out kludge: the image (0x%llx bytes at 0x%x) runs past 4 GiB",
			    (unsigned long long)mem_size, load_addr);
	if (mem_size == 0)
		return fail(err, errlen, "a.out kludge: nothing to load (load_addr = load_end_addr, no bss)");
	if (entry < load_addr || entry >= load_addr + mem_size)
		return fail(err, errlen, "a.out kludge: entry_addr 0x%x is outside the loaded image "
			    "(0x%x-0x%llx)", entry, load_addr, (unsigned long long)(load_addr + mem_size - 1));
	im->aout = true;
	im->entry = entry;
	im->nseg = 1;
	im->seg[0] = (struct mb_segment){ load_addr, text, (uint32_t)load_size, (uint32_t)mem_size, 0 };
	return 0;
}

/* ---------------------------------------------------------------- ELF32 */

/*
 * ELF32 (System V ABI, "Object Files"): the file header, then program
 * headers at e_phoff, each e_phentsize bytes:
 *
 *   file header  0 e_ident[16]  16 e_type  18 e_machine  24 e_entry
 *                28 e_phoff  42 e_phentsize  44 e_phnum   (52 bytes)
 *   program hdr  0 p_type  4 p_offset  8 p_vaddr  12 p_paddr
 *                16 p_filesz  20 p_memsz  24 p_flags     (32 bytes)
 *
 * Each PT_LOAD segment goes to p_paddr: p_filesz bytes from the file,
 * then zeros up to p_memsz (3.1: the loader uses the ELF headers).
 */
enum { PT_LOAD = 1, PF_X = 1, EM_386 = 3, ELFCLASS32 = 1, ELFCLASS64 = 2, ELFDATA2LSB = 1 };

static int parse_elf(const uint8_t *img, size_t len, struct mb_image *im, char *err, size_t errlen)
{
	if (len < 4 || memcmp(img, "\177ELF", 4) != 0)
		return fail(err, errlen, "the kernel is not an ELF file and its Multiboot header does not set "
			    "flags bit 16 (the a.out kludge): nothing says where to load it (Multiboot spec 3.1.3)");
	if (len < 52)
		return fail(err, errlen, "truncated ELF file: %zu bytes, shorter than the 52-byte ELF32 header", len);
	if (img[4] == ELFCLASS64)
		return fail(err, errlen, "a 64-bit ELF file: Multiboot loads ELF32 images, or any image through "
			    "the address fields of flags bit 16 (Multiboot spec 3.1.3)");
	if (img[4] != ELFCLASS32 || img[5] != ELFDATA2LSB)
		return fail(err, errlen, "ELF class %u, data encoding %u: Multiboot needs a little-endian "
			    "ELF32 file", img[4], img[5]);
	if (le16(img + 18) != EM_386)
		return fail(err, errlen, "ELF machine %u is not EM_386 (3)", le16(img + 18));
	uint32_t entry = le32(img + 24), phoff = le32(img + 28);
	unsigned phentsize = le16(img + 42), phnum = le16(img + 44);
	if (phnum == 0)
		return fail(err, errlen, "the ELF file has no program headers: nothing to load");
	if (phentsize < 32)
		return fail(err, errlen, "ELF program headers of %u bytes: ELF32 needs 32", phentsize);
	if ((uint64_t)phoff + (uint64_t)phnum * phentsize > len)
		return fail(err, errlen, "truncated ELF file: the program headers (%u of %u bytes at offset "
			    "0x%x) run past its end (%zu bytes)", phnum, phentsize, phoff, len);
	bool translated = false;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = img + phoff + (uint64_t)i * phentsize;
		uint32_t offset = le32(ph + 4), vaddr = le32(ph + 8), paddr = le32(ph + 12);
		uint32_t filesz = le32(ph + 16), memsz = le32(ph + 20), pflags = le32(ph + 24);
		if (le32(ph) != PT_LOAD || memsz == 0)
			continue;
		if (filesz > memsz)
			return fail(err, errlen, "ELF segment %u: p_filesz 0x%x is larger than p_memsz 0x%x",
				    i, filesz, memsz);
		if (filesz && (uint64_t)offset + filesz > len)
			return fail(err, errlen, "truncated ELF file: segment %u (0x%x bytes at file offset 0x%x) "
				    "runs past its end (%zu bytes)", i, filesz, offset, len);
		if ((uint64_t)paddr + memsz > 0x100000000ull)
			return fail(err, errlen, "ELF segment %u (0x%x bytes at 0x%x) runs past 4 GiB",
				    i, memsz, paddr);
		if (im->nseg == MB_MAX_SEGMENTS)
			return fail(err, errlen, "more than %d loadable ELF segments", MB_MAX_SEGMENTS);
		im->seg[im->nseg++] = (struct mb_segment){ paddr, offset, filesz, memsz, (int)i };
		/* A higher-half kernel links e_entry at its virtual address: like
		 * QEMU, take it through the executable segment that holds it. */
		if (!translated && vaddr != paddr && (pflags & PF_X) && entry >= vaddr &&
		    entry - vaddr < filesz) {
			entry = entry - vaddr + paddr;
			translated = true;
		}
	}
	if (im->nseg == 0)
		return fail(err, errlen, "the ELF file has no loadable (PT_LOAD) segment");
	bool inside = false;
	for (int i = 0; i < im->nseg; i++)
		inside |= entry >= im->seg[i].paddr && entry - im->seg[i].paddr < im->seg[i].memsz;
	if (!inside)
		return fail(err, errlen, "the ELF entry point 0x%x is not inside any loadable segment", entry);
	im->entry = entry;
	return 0;
}

int mb_parse(const uint8_t *img, size_t len, struct mb_image *out, char *err, size_t errlen)
{
	*out = (struct mb_image){ 0 };
	if (find_header(img, len, &out->header_offset, err, errlen) != 0)
		return -1;
	out->flags = le32(img + out->header_offset + 4);
	uint32_t unknown = out->flags & 0xffff & ~MB_HF_KNOWN_REQUIRED;
	if (unknown)
		return fail(err, errlen, "the Multiboot header requires features vtsim does not know "
			    "(flags 0x%08x, unknown required bits 0x%04x): a loader must refuse such a kernel "
			    "(Multiboot spec 3.1.2)", out->flags, unknown);
	int rc = (out->flags & MB_HF_AOUT_KLUDGE) ? parse_aout(img, len, out, err, errlen)
						  : parse_elf(img, len, out, err, errlen);
	if (rc != 0)
		return rc;
	out->start = UINT32_MAX;
	for (int i = 0; i < out->nseg; i++) {
		const struct mb_segment *s = &out->seg[i];
		if (s->paddr < out->start)
			out->start = s->paddr;
		if ((uint64_t)s->paddr + s->memsz > out->end)
			out->end = (uint64_t)s->paddr + s->memsz;
	}
	return 0;
}

/* ----------------------------------------------------------- placement */

/* Is [a, a+n) clear of the boot data and the PC's reserved low area? */
static int check_range(const char *what, uint64_t a, uint64_t n, uint64_t ram, uint32_t info_end,
		       char *err, size_t errlen)
{
	if (n == 0)
		return 0;
	if (a + n > ram)
		return fail(err, errlen, "%s (0x%llx-0x%llx) lies outside RAM, which ends at 0x%llx", what,
			    (unsigned long long)a, (unsigned long long)(a + n - 1), (unsigned long long)ram);
	if (a < info_end && MB_AREA_START < a + n)
		return fail(err, errlen, "%s (0x%llx-0x%llx) overlaps the boot information area at "
			    "0x%x-0x%x", what, (unsigned long long)a, (unsigned long long)(a + n - 1),
			    MB_AREA_START, info_end - 1);
	if (a < MB_HOLE_END && MB_AREA_LIMIT < a + n)
		return fail(err, errlen, "%s (0x%llx-0x%llx) overlaps the PC's reserved area 0x%x-0x%x "
			    "(extended BIOS data, video memory, BIOS)", what, (unsigned long long)a,
			    (unsigned long long)(a + n - 1), MB_AREA_LIMIT, MB_HOLE_END - 1);
	return 0;
}

/*
 * The memory map (3.3, "mmap_*"), as a PC's BIOS reports it through INT
 * 15h E820h: conventional memory below the extended BIOS data area, the
 * BIOS area, then everything from 1 MiB up. Each entry is
 *   -4 size (20: the bytes that follow)  0 base_addr (64)  8 length (64)
 *   16 type (1 available RAM, 2 reserved)
 * and mmap_addr points at the size field.
 */
struct mmap_row {
	uint64_t base, len; /* range */
	uint32_t type;      /* 1 available, 2 reserved */
};

static int memory_map(uint64_t ram, struct mmap_row rows[4])
{
	rows[0] = (struct mmap_row){ 0, 0x9FC00, 1 };
	rows[1] = (struct mmap_row){ 0x9FC00, 0xA0000 - 0x9FC00, 2 };
	rows[2] = (struct mmap_row){ 0xF0000, 0x10000, 2 };
	rows[3] = (struct mmap_row){ 0x100000, ram - 0x100000, 1 };
	return 4;
}

/* The boot data at MB_AREA_START, built in a host buffer first. */
struct info_area {
	uint8_t buf[MB_AREA_LIMIT - MB_AREA_START]; /* bytes from MB_AREA_START */
	uint32_t next;                              /* next free physical address */
};

/* Copy the concatenation of up to three strings (NULL: none) into the
 * area, 4-byte aligned; its physical address, or 0 if it does not fit. */
static uint32_t add_string(struct info_area *a, const char *s1, const char *s2, const char *s3)
{
	const char *part[3] = { s1, s2, s3 };
	uint64_t at = a->next, end = at;
	for (int i = 0; i < 3; i++) {
		size_t n = part[i] ? strlen(part[i]) : 0;
		if (end + n + 1 > MB_AREA_LIMIT)
			return 0;
		memcpy(a->buf + (end - MB_AREA_START), part[i] ? part[i] : "", n);
		end += n;
	}
	a->buf[end - MB_AREA_START] = 0;
	a->next = (uint32_t)((end + 1 + 3) & ~3ull);
	return (uint32_t)at;
}

static int build_info(const struct mb_config *cfg, uint64_t ram, const struct mb_boot *b,
		      struct info_area *a, char *err, size_t errlen)
{
	memset(a->buf, 0, sizeof a->buf);
	uint8_t *mbi = a->buf + (MB_INFO_ADDR - MB_AREA_START);

	struct mmap_row rows[4];
	int n = memory_map(ram, rows);
	for (int i = 0; i < n; i++) {
		uint8_t *e = a->buf + (MB_MMAP_ADDR - MB_AREA_START) + 24 * i;
		put32(e, 20);
		put64(e + 4, rows[i].base);
		put64(e + 12, rows[i].len);
		put32(e + 20, rows[i].type);
	}
	put32(mbi + 44, 24u * (uint32_t)n);
	put32(mbi + 48, MB_MMAP_ADDR);

	/* mem_lower: KiB of conventional memory (639, as a PC's INT 12h says
	 * with a 1 KiB EBDA); mem_upper: KiB from 1 MiB to the end of RAM. */
	put32(mbi + 4, 639);
	put32(mbi + 8, (uint32_t)((ram - 0x100000) / 1024));

	/* The module list (3.3, "mods_*"): mod_start, mod_end (exclusive),
	 * string, reserved; the strings follow it. The command line is what
	 * QEMU passes: the file name, a space, and -append's text (empty by
	 * default). */
	a->next = MB_MODS_ADDR + 16u * (uint32_t)cfg->nmods;
	uint32_t cmdline = add_string(a, cfg->kernel_name, " ", cfg->append);
	uint32_t loader = add_string(a, MB_LOADER_NAME, NULL, NULL);
	bool fits = cmdline && loader;
	for (int i = 0; i < cfg->nmods && fits; i++) {
		uint32_t s = add_string(a, cfg->mods[i].string, NULL, NULL);
		uint8_t *mod = a->buf + (MB_MODS_ADDR - MB_AREA_START) + 16 * i;
		put32(mod, b->mod_start[i]);
		put32(mod + 4, (uint32_t)(b->mod_start[i] + cfg->mods[i].len));
		put32(mod + 8, s);
		fits = s != 0;
	}
	if (!fits)
		return fail(err, errlen, "the command line and module strings do not fit in the %u bytes of "
			    "the boot information area (0x%x-0x%x)", MB_AREA_LIMIT - MB_MODS_ADDR,
			    MB_MODS_ADDR, MB_AREA_LIMIT - 1);
	put32(mbi + 16, cmdline);
	put32(mbi + 20, (uint32_t)cfg->nmods);
	put32(mbi + 24, MB_MODS_ADDR);
	put32(mbi + 64, loader);
	put32(mbi + 0, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP | MB_INFO_LOADER_NAME);
	return 0;
}

int mb_load(struct machine *m, const struct mb_config *cfg, struct mb_boot *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	uint64_t ram = machine_ram_size(m);
	if (ram < MB_MIN_RAM || ram > MB_MAX_RAM)
		return fail(err, errlen, "Multiboot needs between %llu MiB and %llu MiB of RAM, not %llu KiB",
			    MB_MIN_RAM >> 20, MB_MAX_RAM >> 20, (unsigned long long)(ram >> 10));
	if (cfg->nmods < 0 || cfg->nmods > MB_MAX_MODULES)
		return fail(err, errlen, "too many modules: %d (at most %d)", cfg->nmods, MB_MAX_MODULES);
	struct mb_image *im = &out->image;
	if (mb_parse(cfg->kernel, cfg->kernel_len, im, err, errlen) != 0)
		return -1;

	/* Modules follow the kernel, each on a page boundary: flags bit 0
	 * asks for that, and QEMU does it always. */
	uint64_t at = page_up(im->end);
	for (int i = 0; i < cfg->nmods; i++) {
		if (at + cfg->mods[i].len > ram)
			return fail(err, errlen, "module %d ('%s', %zu bytes) does not fit in RAM after 0x%llx",
				    i + 1, cfg->mods[i].string, cfg->mods[i].len, (unsigned long long)at);
		out->mod_start[i] = (uint32_t)at;
		at = page_up(at + cfg->mods[i].len);
	}
	out->mods_end = at;

	struct info_area *a = malloc(sizeof *a);
	if (!a)
		return fail(err, errlen, "out of memory");
	if (build_info(cfg, ram, out, a, err, errlen) != 0)
		goto bad;
	out->info = MB_INFO_ADDR;
	out->info_end = a->next;

	char what[64];
	for (int i = 0; i < im->nseg; i++) {
		if (im->aout)
			snprintf(what, sizeof what, "the kernel image");
		else
			snprintf(what, sizeof what, "ELF segment %d", im->seg[i].phdr);
		if (check_range(what, im->seg[i].paddr, im->seg[i].memsz, ram, out->info_end, err, errlen) != 0)
			goto bad;
	}
	for (int i = 0; i < cfg->nmods; i++) {
		snprintf(what, sizeof what, "module %d", i + 1);
		if (check_range(what, out->mod_start[i], cfg->mods[i].len, ram, out->info_end, err, errlen) != 0)
			goto bad;
	}

	/* Everything checked: set the CPU up (3.2), then write memory. */
	if (machine_start_prot32_gdt(m, im->entry, MB_GDT_ADDR, err, errlen) != 0)
		goto bad;
	static const uint8_t zeros[4096];
	for (int i = 0; i < im->nseg; i++) {
		const struct mb_segment *s = &im->seg[i];
		machine_phys_write(m, s->paddr, cfg->kernel + s->offset, s->filesz);
		for (uint64_t z = s->filesz; z < s->memsz; z += sizeof zeros) {
			uint64_t k = s->memsz - z < sizeof zeros ? s->memsz - z : sizeof zeros;
			machine_phys_write(m, s->paddr + z, zeros, (size_t)k);
		}
	}
	for (int i = 0; i < cfg->nmods; i++)
		machine_phys_write(m, out->mod_start[i], cfg->mods[i].data, cfg->mods[i].len);
	machine_phys_write(m, MB_AREA_START, a->buf, a->next - MB_AREA_START);
	free(a);
	machine_reg_set(m, VT_RAX, MB_BOOT_MAGIC);
	machine_reg_set(m, VT_RBX, MB_INFO_ADDR);
	return 0;
bad:
	free(a);
	return -1;
}
