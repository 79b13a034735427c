/* test_multiboot.c - unit tests for the Multiboot loader and firmware ROMs (sim/boot/multiboot.c, sim/boot/rom.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/boot/multiboot.h"
#include "../../sim/boot/rom.h"
#include "helpers.h"

#define RAM (16ull << 20)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct machine *new_machine(uint64_t ram)
{
	char err[200];
	struct machine_config cfg = { .ram_size = ram };
	struct machine *m = machine_new(&cfg, err, sizeof err);
	cr_assert_not_null(m, "machine_new: %s", err);
	return m;
}

/* A Multiboot header at buf + off: magic, flags, checksum. */
static void mb_header(uint8_t *buf, size_t off, uint32_t flags)
{
	put32(buf + off, MB_HEADER_MAGIC);
	put32(buf + off + 4, flags);
	put32(buf + off + 8, (uint32_t)-(MB_HEADER_MAGIC + flags));
}

/*
 * An ELF32 image in buf (at least 0x2000 bytes): the file header, up to
 * four program headers at 52, and the first segment's bytes at file
 * offset 0x1000, which start with a Multiboot header (flags) followed by
 * `code`.
 */
struct phdr {
	uint32_t type, offset, vaddr, paddr, filesz, memsz, flags;
};

static size_t elf(uint8_t *buf, uint32_t entry, const struct phdr *ph, int n, uint32_t flags,
		  const uint8_t *code, size_t codelen)
{
	memset(buf, 0, 0x2000);
	memcpy(buf, "\177ELF\1\1\1", 7);
	put16(buf + 16, 2);
	put16(buf + 18, 3);
	put32(buf + 20, 1);
	put32(buf + 24, entry);
	put32(buf + 28, 52);
	put16(buf + 40, 52);
	put16(buf + 42, 32);
	put16(buf + 44, (uint16_t)n);
	for (int i = 0; i < n; i++) {
		uint8_t *p = buf + 52 + 32 * i;
		put32(p, ph[i].type);
		put32(p + 4, ph[i].offset);
		put32(p + 8, ph[i].vaddr);
		put32(p + 12, ph[i].paddr);
		put32(p + 16, ph[i].filesz);
		put32(p + 20, ph[i].memsz);
		put32(p + 24, ph[i].flags);
	}
	mb_header(buf, 0x1000, flags);
	memcpy(buf + 0x100c, code, codelen);
	return 0x2000;
}

/* One R+X segment: file 0x1000..0x2000 at 1 MiB, memsz 0x3000 (bss 0x2000); entry after the header. */
static const struct phdr one_seg = { 1, 0x1000, 0x100000, 0x100000, 0x1000, 0x3000, 5 };
static const uint8_t hlt[] = { 0xf4 };

Test(multiboot, parse_elf)
{
	uint8_t buf[0x2000];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, 3, hlt, 1);
	struct mb_image im;
	char err[300];
	cr_assert_eq(mb_parse(buf, len, &im, err, sizeof err), 0, "%s", err);
	cr_assert_eq(im.header_offset, 0x1000);
	cr_assert_eq(im.flags, 3);
	cr_assert(!im.aout);
	cr_assert_eq(im.entry, 0x10000c);
	cr_assert_eq(im.nseg, 1);
	cr_assert_eq(im.seg[0].paddr, 0x100000);
	cr_assert_eq(im.seg[0].offset, 0x1000);
	cr_assert_eq(im.seg[0].filesz, 0x1000);
	cr_assert_eq(im.seg[0].memsz, 0x3000);
	cr_assert_eq(im.start, 0x100000);
	cr_assert_eq(im.end, 0x103000);
}

/* Segments are loaded at p_paddr; a higher-half e_entry is taken through
 * the executable segment that holds it (as QEMU's ELF loader does);
 * PT_NOTE and empty PT_LOAD segments are skipped. */
Test(multiboot, parse_elf_higher_half)
{
	uint8_t buf[0x2000];
	struct phdr ph[4] = {
		{ 4, 0x1000, 0, 0, 0x10, 0x10, 4 },                           /* PT_NOTE */
		{ 1, 0x1000, 0xc0100000, 0x100000, 0x800, 0x800, 5 },         /* text */
		{ 1, 0x1800, 0xc0200000, 0x200000, 0x100, 0x2000, 6 },        /* data + bss */
		{ 1, 0x1900, 0xc0300000, 0x300000, 0, 0, 6 },                 /* empty */
	};
	size_t len = elf(buf, 0xc010000c, ph, 4, 0, hlt, 1);
	struct mb_image im;
	char err[300];
	cr_assert_eq(mb_parse(buf, len, &im, err, sizeof err), 0, "%s", err);
	cr_assert_eq(im.entry, 0x10000c);
	cr_assert_eq(im.nseg, 2);
	cr_assert_eq(im.seg[1].paddr, 0x200000);
	cr_assert_eq(im.start, 0x100000);
	cr_assert_eq(im.end, 0x202000);
}

/* The a.out kludge wins even in an ELF file (flags bit 16), as in QEMU. */
Test(multiboot, aout_kludge_beats_elf)
{
	uint8_t buf[0x2000];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, MB_HF_AOUT_KLUDGE, hlt, 1);
	/* header_addr 0x500000 at file offset 0x1000: load_addr 0x4ff000 is file offset 0 */
	put32(buf + 0x100c, 0x500000);
	put32(buf + 0x1010, 0x4ff000);
	put32(buf + 0x1014, 0);         /* load to the end of the file */
	put32(buf + 0x1018, 0x508000);  /* bss up to here */
	put32(buf + 0x101c, 0x500020);
	struct mb_image im;
	char err[300];
	cr_assert_eq(mb_parse(buf, len, &im, err, sizeof err), 0, "%s", err);
	cr_assert(im.aout);
	cr_assert_eq(im.entry, 0x500020);
	cr_assert_eq(im.nseg, 1);
	cr_assert_eq(im.seg[0].paddr, 0x4ff000);
	cr_assert_eq(im.seg[0].offset, 0);
	cr_assert_eq(im.seg[0].filesz, 0x2000);
	cr_assert_eq(im.seg[0].memsz, 0x9000);
}

/* A magic whose checksum fails is passed over; the video-mode bit is
 * accepted and ignored; the header may start as late as 8192 - 12. */
Test(multiboot, header_search)
{
	uint8_t buf[0x2000 + 64];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, MB_HF_VIDEO_MODE, hlt, 1);
	put32(buf + 0x800, MB_HEADER_MAGIC); /* bad checksum: zeros follow */
	struct mb_image im;
	char err[300];
	cr_assert_eq(mb_parse(buf, len, &im, err, sizeof err), 0, "%s", err);
	cr_assert_eq(im.header_offset, 0x1000);

	memset(buf, 0, sizeof buf);
	mb_header(buf, 8192 - 12, MB_HF_AOUT_KLUDGE);
	cr_assert_eq(mb_parse(buf, sizeof buf, &im, err, sizeof err), -1);
	cr_assert(strstr(err, "address fields run past the first 8192 bytes"), "%s", err);
	memset(buf, 0, sizeof buf);
	mb_header(buf, 8192 - 12, 0);
	cr_assert_eq(mb_parse(buf, sizeof buf, &im, err, sizeof err), -1);
	cr_assert(strstr(err, "not an ELF file"), "header at 8180 not found: %s", err);
	memset(buf, 0, sizeof buf);
	mb_header(buf, 8192 - 8, 0);
	cr_assert_eq(mb_parse(buf, sizeof buf, &im, err, sizeof err), -1);
	cr_assert(strstr(err, "no header"), "%s", err);
}

/* Each malformed image: what to break, and what the message must say. */
struct bad_case {
	const char *name;
	void (*breakit)(uint8_t *buf, size_t *len);
	const char *says;
};

static void no_magic(uint8_t *b, size_t *l) { put32(b + 0x1000, 0); (void)l; }
static void bad_sum(uint8_t *b, size_t *l) { put32(b + 0x1008, 0); (void)l; }
static void flag4(uint8_t *b, size_t *l) { mb_header(b, 0x1000, 0x10); (void)l; }
static void not_elf(uint8_t *b, size_t *l) { b[0] = 'X'; (void)l; }
static void elf64(uint8_t *b, size_t *l) { b[4] = 2; (void)l; }
static void big_endian(uint8_t *b, size_t *l) { b[5] = 2; (void)l; }
static void x86_64(uint8_t *b, size_t *l) { put16(b + 18, 62); (void)l; }
static void no_phdrs(uint8_t *b, size_t *l) { put16(b + 44, 0); (void)l; }
static void phoff_out(uint8_t *b, size_t *l) { put32(b + 28, 0x1ff0); (void)l; }
static void seg_out(uint8_t *b, size_t *l) { put32(b + 52 + 4, 0x1800); (void)l; }
static void filesz_big(uint8_t *b, size_t *l) { put32(b + 52 + 16, 0x4000); (void)l; }
static void no_load(uint8_t *b, size_t *l) { put32(b + 52, 2); (void)l; }
static void bad_entry(uint8_t *b, size_t *l) { put32(b + 24, 0x200000); (void)l; }
static void past_4g(uint8_t *b, size_t *l) { put32(b + 52 + 12, 0xffffe000); (void)l; }
static void truncated(uint8_t *b, size_t *l) { (void)b; *l = 0x1800; }
static void tiny(uint8_t *b, size_t *l) { memmove(b + 16, b + 0x1000, 12); *l = 40; }

static void aout(uint8_t *b, uint32_t hdr, uint32_t load, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	mb_header(b, 0x1000, MB_HF_AOUT_KLUDGE);
	put32(b + 0x100c, hdr);
	put32(b + 0x1010, load);
	put32(b + 0x1014, load_end);
	put32(b + 0x1018, bss_end);
	put32(b + 0x101c, entry);
}
static void a_load_above(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x101004, 0, 0, 0x101000); (void)l; }
static void a_before(uint8_t *b, size_t *l) { aout(b, 0x101000, 0xff000, 0, 0, 0x101000); (void)l; }
static void a_end_low(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x100000, 0xfffff, 0, 0x101000); (void)l; }
static void a_end_far(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x100000, 0x102001, 0, 0x101000); (void)l; }
static void a_bss_low(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x100000, 0x102000, 0x101fff, 0x101000); (void)l; }
static void a_entry(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x100000, 0, 0x104000, 0x104000); (void)l; }
static void a_4g(uint8_t *b, size_t *l) { aout(b, 0xfffff800, 0xffffe800, 0, 0, 0xfffff820); (void)l; }
static void a_fields(uint8_t *b, size_t *l) { aout(b, 0x101000, 0x100000, 0, 0, 0x101000); *l = 0x1010; }

static const struct bad_case bad_cases[] = {
	{ "no magic", no_magic, "no header (magic 0x1BADB002" },
	{ "bad checksum", bad_sum, "at file offset 0x1000 has a bad checksum" },
	{ "unknown required flag", flag4, "unknown required bits 0x0010" },
	{ "not ELF, no kludge", not_elf, "not an ELF file" },
	{ "ELF64", elf64, "64-bit ELF file" },
	{ "big-endian ELF", big_endian, "little-endian" },
	{ "x86-64 machine", x86_64, "machine 62 is not EM_386" },
	{ "no program headers", no_phdrs, "no program headers" },
	{ "program headers beyond the file", phoff_out, "truncated ELF file: the program headers" },
	{ "segment beyond the file", seg_out, "truncated ELF file: segment 0" },
	{ "p_filesz > p_memsz", filesz_big, "larger than p_memsz" },
	{ "no PT_LOAD", no_load, "no loadable (PT_LOAD) segment" },
	{ "entry outside", bad_entry, "entry point 0x200000 is not inside" },
	{ "segment past 4 GiB", past_4g, "runs past 4 GiB" },
	{ "file cut in the segment", truncated, "truncated ELF file: segment 0" },
	{ "header only", tiny, "truncated ELF file: 40 bytes" },
	{ "a.out load_addr > header_addr", a_load_above, "load_addr 0x101004 is above header_addr" },
	{ "a.out text before the file", a_before, "before the start of the file" },
	{ "a.out load_end_addr < load_addr", a_end_low, "load_end_addr 0xfffff is below load_addr" },
	{ "a.out load_end_addr past the file", a_end_far, "but the file ends at 0x2000" },
	{ "a.out bss_end_addr too low", a_bss_low, "bss_end_addr 0x101fff is below" },
	{ "a.out entry outside", a_entry, "entry_addr 0x104000 is outside the loaded image" },
	{ "a.out past 4 GiB", a_4g, "runs past 4 GiB" },
	{ "a.out fields cut off", a_fields, "address fields run past the end of the file" },
};

Test(multiboot, bad_images)
{
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *c = &bad_cases[i];
		uint8_t buf[0x2000];
		size_t len = elf(buf, 0x10000c, &one_seg, 1, 0, hlt, 1);
		c->breakit(buf, &len);
		struct mb_image im;
		char err[300] = "";
		cr_expect_eq(mb_parse(buf, len, &im, err, sizeof err), -1, "%s: accepted", c->name);
		cr_expect(strstr(err, c->says), "%s: message '%s' does not say '%s'", c->name, err, c->says);
		cr_expect(strchr(err, '\n') == NULL, "%s: message has a newline", c->name);
	}
}

/* The information structure, the memory map and the start state. */
Test(multiboot, load_info_and_state)
{
	struct machine *m = new_machine(RAM);
	/* Dirty what the loader must zero, and mark the top of RAM. */
	uint8_t junk[0x3000];
	memset(junk, 0xa5, sizeof junk);
	machine_phys_write(m, 0x100000, junk, sizeof junk);
	tm_poke(m, RAM - 0x7000, 8, 0x1122334455667788ull);

	uint8_t buf[0x2000];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, 3, hlt, 1);
	static const uint8_t mod1[] = "first", mod2[5000] = { 'x' };
	struct mb_module mods[2] = {
		{ "one.mod a b", mod1, sizeof mod1 },
		{ "dir/two.mod", mod2, sizeof mod2 },
	};
	struct mb_config cfg = { buf, len, "kern.elf", "console=ttyS0", mods, 2 };
	struct mb_boot b;
	char err[300];
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), 0, "%s", err);

	/* The image: file bytes, then zeros to p_memsz. */
	cr_assert_eq(tm_peek(m, 0x100000, 4), MB_HEADER_MAGIC);
	cr_assert_eq(tm_peek(m, 0x10000c, 1), 0xf4);
	cr_assert_eq(tm_peek(m, 0x100fff, 1), 0);
	for (uint64_t a = 0x101000; a < 0x103000; a += 8)
		cr_assert_eq(tm_peek(m, a, 8), 0, "bss not zeroed at 0x%llx", (unsigned long long)a);

	/* Modules: page-aligned after the kernel's bss. */
	cr_assert_eq(b.mod_start[0], 0x103000);
	cr_assert_eq(b.mod_start[1], 0x104000);
	cr_assert_eq(b.mods_end, 0x106000);
	cr_assert_eq(tm_peek(m, 0x103000, 4), get32(mod1));
	cr_assert_eq(tm_peek(m, 0x104000, 1), 'x');

	/* The structure (Multiboot 0.6.96, 3.3). */
	uint8_t mbi[MB_INFO_SIZE];
	machine_phys_read(m, MB_INFO_ADDR, mbi, sizeof mbi);
	cr_assert_eq(b.info, MB_INFO_ADDR);
	cr_assert_eq(get32(mbi), 0x24d, "flags 0x%x", get32(mbi));
	cr_assert_eq(get32(mbi + 4), 639);
	cr_assert_eq(get32(mbi + 8), (RAM - 0x100000) / 1024);
	cr_assert_eq(get32(mbi + 12), 0, "no boot_device");
	char s[64];
	machine_phys_read(m, get32(mbi + 16), s, sizeof s);
	cr_assert_str_eq(s, "kern.elf console=ttyS0");
	machine_phys_read(m, get32(mbi + 64), s, sizeof s);
	cr_assert_str_eq(s, "vtsim");
	cr_assert_eq(get32(mbi + 20), 2);
	uint32_t mods_addr = get32(mbi + 24);
	cr_assert_eq(tm_peek(m, mods_addr, 4), 0x103000);
	cr_assert_eq(tm_peek(m, mods_addr + 4, 4), 0x103000 + sizeof mod1);
	machine_phys_read(m, tm_peek(m, mods_addr + 8, 4), s, sizeof s);
	cr_assert_str_eq(s, "one.mod a b");
	cr_assert_eq(tm_peek(m, mods_addr + 16, 4), 0x104000);
	cr_assert_eq(tm_peek(m, mods_addr + 20, 4), 0x104000 + sizeof mod2);
	machine_phys_read(m, tm_peek(m, mods_addr + 24, 4), s, sizeof s);
	cr_assert_str_eq(s, "dir/two.mod");

	/* The memory map: size 20, base, length, type per entry. */
	static const uint64_t map[4][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 }, { 0xf0000, 0x10000, 2 }, { 0x100000, RAM - 0x100000, 1 },
	};
	cr_assert_eq(get32(mbi + 44), 4 * 24);
	uint32_t mm = get32(mbi + 48);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(tm_peek(m, mm + 24 * i, 4), 20);
		cr_assert_eq(tm_peek(m, mm + 24 * i + 4, 8), map[i][0], "entry %d base", i);
		cr_assert_eq(tm_peek(m, mm + 24 * i + 12, 8), map[i][1], "entry %d length", i);
		cr_assert_eq(tm_peek(m, mm + 24 * i + 20, 4), map[i][2], "entry %d type", i);
	}
	/* All boot data lies below the end of the boot area, clear of the kernel. */
	cr_assert_leq(b.info_end, MB_AREA_LIMIT);
	cr_assert_geq(b.info_end, MB_MODS_ADDR + 32);

	/* The machine state (3.2). */
	cr_assert_eq(machine_reg_get(m, VT_RAX), MB_BOOT_MAGIC);
	cr_assert_eq(machine_reg_get(m, VT_RBX), MB_INFO_ADDR);
	cr_assert_eq(machine_reg_get(m, VT_RIP), 0x10000c);
	cr_assert_eq(machine_reg_get(m, VT_CR0) & 0x80000001u, 1);
	cr_assert_eq(machine_reg_get(m, VT_RFLAGS) & ((1u << 9) | (1u << 17)), 0);
	cr_assert_eq(machine_reg_get(m, VT_CS), 0x08);
	cr_assert_eq(machine_reg_get(m, VT_DS), 0x10);
	cr_assert_eq(machine_reg_get(m, VT_SS), 0x10);
	cr_assert_eq(tm_peek(m, MB_GDT_ADDR + 8, 8), 0x00cf9b000000ffffull, "flat code descriptor");
	cr_assert_eq(tm_peek(m, MB_GDT_ADDR + 16, 8), 0x00cf93000000ffffull, "flat data descriptor");
	cr_assert_eq(tm_peek(m, RAM - 0x7000, 8), 0x1122334455667788ull, "the top of RAM was written");

	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(machine_icount(m), 1);
	machine_free(m);
}

/* No --append: "name " as QEMU forms it; no modules: count 0. */
Test(multiboot, load_cmdline_without_append)
{
	struct machine *m = new_machine(RAM);
	uint8_t buf[0x2000];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, 0, hlt, 1);
	struct mb_config cfg = { buf, len, "/boot/k", NULL, NULL, 0 };
	struct mb_boot b;
	char err[300], s[32];
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), 0, "%s", err);
	machine_phys_read(m, tm_peek(m, MB_INFO_ADDR + 16, 4), s, sizeof s);
	cr_assert_str_eq(s, "/boot/k ");
	cr_assert_eq(tm_peek(m, MB_INFO_ADDR + 20, 4), 0);
	cr_assert_eq(b.mods_end, 0x103000);
	machine_free(m);
}

/* A kernel that reads its structure: mem_upper into ECX, the first
 * command-line byte into DL. */
Test(multiboot, kernel_reads_info)
{
	struct machine *m = new_machine(RAM);
	static const uint8_t code[] = {
		0x8b, 0x4b, 0x08,       /* mov ecx, [ebx+8] */
		0x8b, 0x73, 0x10,       /* mov esi, [ebx+16] */
		0x8a, 0x16,             /* mov dl, [esi] */
		0xf4,                   /* hlt */
	};
	uint8_t buf[0x2000];
	size_t len = elf(buf, 0x10000c, &one_seg, 1, 0, code, sizeof code);
	struct mb_config cfg = { buf, len, "Zk", NULL, NULL, 0 };
	struct mb_boot b;
	char err[300];
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), 0, "%s", err);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	cr_assert_eq(machine_reg_get(m, VT_RCX), (RAM >> 10) - 1024);
	cr_assert_eq(machine_reg_get(m, VT_RDX) & 0xff, 'Z');
	machine_free(m);
}

/* Placement errors leave memory as it was. */
Test(multiboot, load_errors)
{
	uint8_t buf[0x2000];
	char err[300];
	struct mb_boot b;
	size_t len = elf(buf, 0x10000c, &one_seg, 1, 0, hlt, 1);

	struct machine *small = new_machine(1ull << 20);
	struct mb_config cfg = { buf, len, "k", NULL, NULL, 0 };
	cr_assert_eq(mb_load(small, &cfg, &b, err, sizeof err), -1);
	cr_assert(strstr(err, "Multiboot needs between 2 MiB and 3584 MiB of RAM"), "%s", err);
	machine_free(small);

	struct machine *m = new_machine(RAM);
	tm_poke(m, 0x100000, 4, 0xdeadbeef);
	static uint8_t big[RAM];
	struct mb_module mods[MB_MAX_MODULES + 1];
	for (int i = 0; i <= MB_MAX_MODULES; i++)
		mods[i] = (struct mb_module){ "m", big, 1 };
	cfg.mods = mods;
	cfg.nmods = MB_MAX_MODULES + 1;
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), -1);
	cr_assert(strstr(err, "too many modules"), "%s", err);
	cfg.nmods = 1;
	mods[0].len = RAM - 0x103000 + 1;
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), -1);
	cr_assert(strstr(err, "module 1 ('m', "), "%s", err);

	/* A long command line grows the boot area into a kernel just above it. */
	struct phdr low = { 1, 0x1000, 0xa000, 0xa000, 0x1000, 0x1000, 5 };
	len = elf(buf, 0xa00c, &low, 1, 0, hlt, 1);
	cfg = (struct mb_config){ buf, len, "k", NULL, NULL, 0 };
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), 0, "a kernel at 0xA000 fits: %s", err);
	char *longline = malloc(0x1000);
	memset(longline, 'a', 0xfff);
	longline[0xfff] = 0;
	cfg.append = longline;
	tm_poke(m, 0xa000, 4, 0xdeadbeef);
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), -1);
	cr_assert(strstr(err, "ELF segment 0 (0xa000-0xafff) overlaps the boot information area"), "%s", err);
	cr_assert_eq(tm_peek(m, 0xa000, 4), 0xdeadbeef, "memory written before the checks passed");
	longline = realloc(longline, 0x100000);
	memset(longline, 'a', 0xfffff);
	longline[0xfffff] = 0;
	cfg.append = longline;
	cr_assert_eq(mb_load(m, &cfg, &b, err, sizeof err), -1);
	cr_assert(strstr(err, "do not fit in the"), "%s", err);
	free(longline);
	machine_free(m);
}

/* --- firmware ROMs ------------------------------------------------------ */

/* A 64 KiB image ending in the reset vector: at FFF0h, `mov al, 'R';
 * out 0E9h, al; mov byte [ds:0], 1 ... ; hlt`. */
static uint8_t *rom_image(size_t size)
{
	uint8_t *img = calloc(1, size);
	static const uint8_t reset[] = {
		0xb0, 0x52,             /* mov al, 'R' */
		0xe6, 0xe9,             /* out 0xe9, al */
		0xb8, 0x00, 0xf0,       /* mov ax, 0xf000 */
		0x8e, 0xd8,             /* mov ds, ax */
		0xfe, 0x06, 0xf0, 0xff, /* inc byte [0xfff0]: a write to the ROM */
		0xf4,                   /* hlt */
	};
	memcpy(img + size - 16, reset, sizeof reset);
	img[0] = 0x11;                      /* the image's first byte */
	if (size >= 2 * ROM_LOW_WINDOW)
		img[size - ROM_LOW_WINDOW] = 0x22; /* the low window's first byte */
	return img;
}

Test(rom, sizes)
{
	static const size_t good[] = { 64 << 10, 128 << 10, 192 << 10, 16 << 20 };
	static const size_t badsz[] = { 0, 4096, (64 << 10) - 1, (64 << 10) + 4096, 16 << 21, (16 << 20) + (64 << 10) };
	char err[300];
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct machine *m = new_machine(RAM);
		uint8_t *img = rom_image(good[i]);
		cr_assert_eq(rom_map_firmware(m, img, good[i], err, sizeof err), 0, "%zu: %s", good[i], err);
		machine_free(m);
		free(img);
	}
	static uint8_t img[(16 << 21)];
	for (size_t i = 0; i < sizeof badsz / sizeof badsz[0]; i++) {
		struct machine *m = new_machine(RAM);
		cr_assert_eq(rom_map_firmware(m, img, badsz[i], err, sizeof err), -1, "%zu accepted", badsz[i]);
		cr_assert(strstr(err, "64 KiB to 16 MiB in whole 64 KiB units"), "%s", err);
		machine_free(m);
	}
}

Test(rom, reset_vector_and_views)
{
	size_t size = 256 << 10;
	uint8_t *img = rom_image(size);
	struct machine *m = new_machine(RAM);
	char err[300];
	cr_assert_eq(rom_map_firmware(m, img, size, err, sizeof err), 0, "%s", err);
	/* The top of 4 GiB, and the last 128 KiB at E0000h. */
	cr_assert_eq(tm_peek(m, 0x100000000ull - size, 1), 0x11);
	cr_assert_eq(tm_peek(m, 0xfffffff0, 2), 0x52b0);
	cr_assert_eq(tm_peek(m, 0xe0000, 1), 0x22);
	cr_assert_eq(tm_peek(m, 0xffff0, 2), 0x52b0);
	cr_assert_eq(tm_peek(m, 0xdffff, 1), 0, "below the window is RAM");
	/* Run from reset: real mode, CS base FFFF0000h, IP FFF0h. */
	cr_assert_eq(machine_reg_get(m, VT_RIP), 0xfff0);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	size_t n;
	const char *out = machine_console_output(m, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(out[0], 'R');
	cr_assert_eq(tm_peek(m, 0xffff0, 1), 0xb0, "the ROM was written through F000:FFF0");
	machine_phys_write(m, 0xfffffff0, "\x90", 1);
	cr_assert_eq(tm_peek(m, 0xfffffff0, 1), 0xb0, "the ROM was written at the top");
	machine_free(m);
	free(img);
}

/* A 64 KiB image shows whole at F0000h; E0000h stays RAM. */
Test(rom, small_image_below_1m)
{
	size_t size = 64 << 10;
	uint8_t *img = rom_image(size);
	struct machine *m = new_machine(RAM);
	char err[300];
	tm_poke(m, 0xe0000, 1, 0x77);
	cr_assert_eq(rom_map_firmware(m, img, size, err, sizeof err), 0, "%s", err);
	cr_assert_eq(tm_peek(m, 0xf0000, 1), 0x11);
	cr_assert_eq(tm_peek(m, 0xe0000, 1), 0x77);
	cr_assert_eq(machine_run(m, 100), STOP_HLT);
	machine_free(m);
	free(img);
}

/* RAM reaching into the top of 4 GiB, and overlapping ROMs, are refused. */
Test(rom, conflicts)
{
	uint8_t *img = rom_image(64 << 10);
	char err[300];
	struct machine *m = new_machine(RAM);
	cr_assert_eq(machine_map_rom(m, 0xf0000, img, 64 << 10, err, sizeof err), 0, "%s", err);
	cr_assert_eq(machine_map_rom(m, 0xf8000, img, 4096, err, sizeof err), -1);
	cr_assert(strstr(err, "overlaps a device"), "%s", err);
	cr_assert_eq(machine_map_rom(m, 0x1000, img, 0, err, sizeof err), -1);
	machine_free(m);
	free(img);
}
