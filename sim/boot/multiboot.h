/* multiboot.h - loading a Multiboot (v1) kernel into a machine, as a boot loader does. */
#ifndef VTSIM_MULTIBOOT_H
#define VTSIM_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../machine.h"

/*
 * The Multiboot Specification version 0.6.96 ("the spec" below) defines
 * how a boot loader finds a kernel's header, loads the image, describes
 * the machine to it and jumps to it. vtsim follows the spec and, where
 * the spec leaves a choice, what `qemu-system-x86_64 -kernel` does, so a
 * kernel tested under QEMU sees the same thing here.
 *
 * The OS image header (spec 3.1.1), 32-bit aligned, wholly inside the
 * first 8192 bytes of the file:
 *
 *   offset  field          present
 *        0  magic          always: 0x1BADB002
 *        4  flags          always
 *        8  checksum       always: magic + flags + checksum = 0 (mod 2^32)
 *       12  header_addr    flags bit 16 (the "a.out kludge", spec 3.1.3)
 *       16  load_addr      flags bit 16
 *       20  load_end_addr  flags bit 16
 *       24  bss_end_addr   flags bit 16
 *       28  entry_addr     flags bit 16
 *       32  mode_type, width, height, depth (flags bit 2, spec 3.1.4)
 *
 * Header flags (spec 3.1.2): bits 0-15 are requirements a loader must
 * understand or refuse; bits 16-31 are optional.
 *
 *   31          17 16 15            3  2  1  0
 *  +--------------+--+---------------+--+--+--+
 *  |  optional    |AK|  (must be 0)  |VM|MI|PA|
 *  +--------------+--+---------------+--+--+--+
 *   PA page-align modules, MI memory information wanted,
 *   VM video mode wanted (vtsim has no display: ignored),
 *   AK the address fields at offsets 12-28 say where to load.
 */
#define MB_HEADER_MAGIC 0x1BADB002u   /* spec 3.1.2 */
#define MB_BOOT_MAGIC 0x2BADB002u     /* EAX at entry, spec 3.2 */
#define MB_SEARCH_BYTES 8192u         /* the header lies inside these, spec 3.1.1 */

#define MB_HF_PAGE_ALIGN (1u << 0)    /* modules on 4 KiB boundaries */
#define MB_HF_MEMORY_INFO (1u << 1)   /* mem_lower/mem_upper (and mmap) wanted */
#define MB_HF_VIDEO_MODE (1u << 2)    /* a video mode wanted */
#define MB_HF_AOUT_KLUDGE (1u << 16)  /* the address fields are valid */
#define MB_HF_KNOWN_REQUIRED (MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE)

/*
 * The Multiboot information structure (spec 3.3): the fields vtsim fills,
 * by byte offset. Flags say which fields are valid.
 *
 *    0 flags         4 mem_lower (KiB)   8 mem_upper (KiB)   16 cmdline
 *   20 mods_count   24 mods_addr        44 mmap_length      48 mmap_addr
 *   64 boot_loader_name                 116 bytes in all (with the
 *   framebuffer fields of 0.6.96, left zero)
 */
#define MB_INFO_MEMORY (1u << 0)      /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE (1u << 2)     /* cmdline */
#define MB_INFO_MODS (1u << 3)        /* mods_count, mods_addr */
#define MB_INFO_MMAP (1u << 6)        /* mmap_length, mmap_addr */
#define MB_INFO_LOADER_NAME (1u << 9) /* boot_loader_name */
#define MB_INFO_SIZE 116u

/*
 * Where the loader puts what it builds, all in conventional memory below
 * the 640 KiB line as QEMU does (its memory map at 0x9000, its information
 * structure at 0x9500):
 *
 *   0x09000  memory map (spec 3.3, "mmap_*"), 24 bytes per entry
 *   0x09500  Multiboot information structure
 *   0x09600  module list, 16 bytes per module
 *   ...      strings: the command line, "vtsim", the module strings
 *   0x9FC00  GDT of the start state (null, code 08h, data 10h), inside the
 *            extended BIOS data area the memory map marks reserved
 *   0xA0000  video memory and BIOS: reserved, never loaded into
 *   0x100000 the kernel (where its headers say); modules follow it, each
 *            starting on a 4 KiB boundary
 */
#define MB_AREA_START 0x9000u
#define MB_MMAP_ADDR 0x9000u
#define MB_INFO_ADDR 0x9500u
#define MB_MODS_ADDR 0x9600u
#define MB_AREA_LIMIT 0x9FC00u        /* boot data must end below this */
#define MB_GDT_ADDR 0x9FC00u
#define MB_HOLE_END 0x100000u         /* end of the PC's reserved low area */

#define MB_MAX_MODULES 64
#define MB_MAX_SEGMENTS 16
#define MB_LOADER_NAME "vtsim"

/* Smallest and largest RAM the loader describes: more than 1 MiB (the
 * kernel lives above it), and no further than the start of the 32-bit
 * device hole at 3.5 GiB, where PCs put the APIC and the firmware. */
#define MB_MIN_RAM (2ull << 20)
#define MB_MAX_RAM 0xE0000000ull

/* One piece of the image to copy to physical memory. */
struct mb_segment {
	uint32_t paddr;        /* physical load address */
	uint32_t offset;       /* file offset of the bytes */
	uint32_t filesz;       /* bytes from the file */
	uint32_t memsz;        /* bytes in memory; memsz - filesz are zeroed (bss) */
	int phdr;              /* its ELF program header's index (0 for the a.out kludge) */
};

/* What the header and the image say, before anything is loaded. */
struct mb_image {
	uint32_t header_offset; /* file offset of the Multiboot header */
	uint32_t flags;         /* the header's flags */
	bool aout;              /* loaded through the address fields (flags bit 16) */
	uint32_t entry;         /* physical address of the first instruction */
	int nseg;               /* used entries of seg[] */
	struct mb_segment seg[MB_MAX_SEGMENTS]; /* what to load where */
	uint32_t start;         /* lowest physical address the image occupies */
	uint64_t end;           /* first byte after it (bss included) */
};

/*
 * Find and check the header of the kernel file img[0..len) and work out
 * what goes where (spec 3.1): the address fields when flags bit 16 is set
 * (even for an ELF file, as QEMU does), else the ELF32 program headers
 * (PT_LOAD segments at p_paddr). Touches no machine. Returns 0, or -1
 * with a one-line reason in err.
 */
int mb_parse(const uint8_t *img, size_t len, struct mb_image *out, char *err, size_t errlen);

/* A boot module: a file the loader places in memory for the kernel. */
struct mb_module {
	const char *string;    /* its string for the kernel: file name and arguments */
	const uint8_t *data;   /* its contents */
	size_t len;            /* bytes */
};

struct mb_config {
	const uint8_t *kernel;   /* the kernel file's bytes */
	size_t kernel_len;       /* their number */
	const char *kernel_name; /* the file name as the user gave it */
	const char *append;      /* extra command-line text, or NULL */
	const struct mb_module *mods; /* modules, in order */
	int nmods;               /* how many (at most MB_MAX_MODULES) */
};

/* Where things ended up. */
struct mb_boot {
	struct mb_image image;   /* the parsed kernel */
	uint32_t info;           /* the information structure (EBX) */
	uint32_t mod_start[MB_MAX_MODULES]; /* each module's first byte */
	uint64_t mods_end;       /* first byte after the last module */
	uint32_t info_end;       /* first byte after the boot data at MB_AREA_START */
};

/*
 * Boot a Multiboot kernel on m as a boot loader does: load the image and
 * the modules, build the information structure, then put the CPU in the
 * state of spec 3.2: EAX = 0x2BADB002, EBX = the structure's address,
 * 32-bit protected mode with flat 4 GiB code (08h) and data (10h)
 * segments, paging off, EFLAGS.IF = VM = 0, EIP = the entry point.
 * The command line is "kernel_name append" (QEMU's form: the space is
 * there even without append). Everything is checked before memory is
 * written. Returns 0, or -1 with a one-line reason in err.
 */
int mb_load(struct machine *m, const struct mb_config *cfg, struct mb_boot *out,
	    char *err, size_t errlen);

#endif
