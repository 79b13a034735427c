/* ioport.h - the port-I/O map: 64 Ki ports, each range served by a device. */
#ifndef VTSIM_IOPORT_H
#define VTSIM_IOPORT_H

#include <stdint.h>

struct pio_ops {
	uint32_t (*in)(void *opaque, uint16_t port, unsigned size);             /* size 1,2,4 */
	void (*out)(void *opaque, uint16_t port, unsigned size, uint32_t val);  /* size 1,2,4 */
};

#define PIO_MAX_RANGES 32

struct pio_range {
	uint16_t first;             /* first port */
	uint32_t count;             /* ports in the range */
	const struct pio_ops *ops;  /* callbacks */
	void *opaque;               /* device state */
	const char *name;           /* for messages */
};

struct pio_map {
	struct pio_range r[PIO_MAX_RANGES]; /* registered ranges */
	int n;                              /* used entries */
};

/* Returns 0, or -1 when full or overlapping. */
int pio_add(struct pio_map *pm, uint16_t first, uint32_t count,
	    const struct pio_ops *ops, void *opaque, const char *name);
/* Unclaimed ports read all-ones and ignore writes, as on a PC. */
uint32_t pio_in(struct pio_map *pm, uint16_t port, unsigned size);
void pio_out(struct pio_map *pm, uint16_t port, unsigned size, uint32_t val);

#endif
