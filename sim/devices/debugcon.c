/* debugcon.c - the debug console at port 0xE9 and the exit port at 0xF4. */
#include "devices.h"

static uint32_t debugcon_in(void *opaque, uint16_t port, unsigned size)
{
	(void)opaque;
	(void)port;
	(void)size;
	return 0xe9; /* reading the port tells a guest the console is there */
}

static void debugcon_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_debugcon *d = opaque;
	(void)port;
	(void)size;
	d->sink.put(d->sink.opaque, (uint8_t)val);
}

static const struct pio_ops debugcon_ops = { debugcon_in, debugcon_out };

int dev_debugcon_attach(struct dev_debugcon *d, struct pio_map *pio, uint16_t port)
{
	return pio_add(pio, port, 1, &debugcon_ops, d, "debugcon");
}

static void exitport_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_exitport *d = opaque;
	(void)port;
	if (size < 4)
		val &= (1u << (8 * size)) - 1;
	d->on_exit(d->opaque, val);
}

static const struct pio_ops exitport_ops = { 0, exitport_out };

int dev_exitport_attach(struct dev_exitport *d, struct pio_map *pio, uint16_t port)
{
	return pio_add(pio, port, 1, &exitport_ops, d, "exit-port");
}
