/* rom.h - a PC firmware image mapped at the top of the 4 GiB space and below 1 MiB. */
#ifndef VTSIM_ROM_H
#define VTSIM_ROM_H

#include <stddef.h>
#include <stdint.h>

#include "../machine.h"

/* Firmware images vtsim accepts: 64 KiB to 16 MiB in whole 64 KiB units. */
#define ROM_MIN_SIZE (64u << 10)
#define ROM_MAX_SIZE (16u << 20)
#define ROM_UNIT (64u << 10)
/* How much of the image a PC also shows below 1 MiB (0xE0000-0xFFFFF). */
#define ROM_LOW_WINDOW (128u << 10)

/*
 * Map a firmware image as a PC's chipset decodes its flash: all of it
 * ending at 4 GiB (so the reset vector at 0xFFFFFFF0 is the image's last
 * 16 bytes), and its last 128 KiB again at 0xE0000-0xFFFFF (the whole
 * image at 1 MiB - len when it is smaller). Both views are read-only and
 * show the same bytes. The CPU's reset state (SDM Vol. 3A, 10.1.4 "First
 * Instruction Executed": CS base FFFF0000h, IP FFF0h) starts it; call
 * this on a machine fresh from machine_new, not machine_start. img is
 * not copied and must outlive the machine. Returns 0, or -1 with a
 * one-line reason in err.
 */
int rom_map_firmware(struct machine *m, const uint8_t *img, size_t len, char *err, size_t errlen);

#endif
