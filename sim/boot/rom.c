/* rom.c - mapping a firmware image where a PC's reset vector finds it. */
#include "rom.h"

#include <stdio.h>

int rom_map_firmware(struct machine *m, const uint8_t *img, size_t len, char *err, size_t errlen)
{
	if (len < ROM_MIN_SIZE || len > ROM_MAX_SIZE || len % ROM_UNIT != 0) {
		snprintf(err, errlen, "a firmware image must be 64 KiB to 16 MiB in whole 64 KiB units, "
			 "not %zu bytes", len);
		return -1;
	}
	uint64_t high = (1ull << 32) - len;
	if (machine_ram_size(m) > high) {
		snprintf(err, errlen, "RAM (%llu MiB) reaches into the firmware at 0x%llx",
			 (unsigned long long)(machine_ram_size(m) >> 20), (unsigned long long)high);
		return -1;
	}
	if (machine_map_rom(m, high, img, len, err, errlen) != 0)
		return -1;
	size_t low_len = len < ROM_LOW_WINDOW ? len : ROM_LOW_WINDOW;
	return machine_map_rom(m, 0x100000 - low_len, img + (len - low_len), low_len, err, errlen);
}
