/* testdev.c - the 32-bit scratch register of QEMU's pc-testdev at ports 0xE0-0xE3. */
#include "devices.h"

/*
 * Port 0xE0 + k is byte lane k of the register, so an access of n bytes
 * at 0xE0 + k covers lanes k..k+n-1; lanes past 0xE3 are not this device
 * (reads of them give all ones, writes vanish).
 */
static uint32_t testdev_in(void *opaque, uint16_t port, unsigned size)
{
	struct dev_testdev *d = opaque;
	unsigned lane = port - 0xe0u;
	uint32_t v = 0;
	for (unsigned k = 0; k < size; k++) {
		uint32_t b = lane + k < 4 ? (d->scratch >> (8 * (lane + k))) & 0xff : 0xff;
		v |= b << (8 * k);
	}
	return v;
}

static void testdev_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_testdev *d = opaque;
	unsigned lane = port - 0xe0u;
	for (unsigned k = 0; k < size && lane + k < 4; k++) {
		unsigned sh = 8 * (lane + k);
		d->scratch = (d->scratch & ~(0xffu << sh)) | (((val >> (8 * k)) & 0xffu) << sh);
	}
}

static const struct pio_ops testdev_ops = { testdev_in, testdev_out };

int dev_testdev_attach(struct dev_testdev *d, struct pio_map *pio)
{
	d->scratch = 0;
	return pio_add(pio, 0xe0, 4, &testdev_ops, d, "pc-testdev");
}
