/* pci.c - PCI configuration mechanism #1 with no devices behind it. */
#include "devices.h"

/*
 * CONFIG_ADDRESS (0xCF8), PCI Local Bus Specification 3.0, 3.2.2.3.2:
 *
 *   31      30-24     23-16  15-11   10-8      7-2       1-0
 *   enable  reserved  bus    device  function  register  00
 *
 * Only a 32-bit access to 0xCF8 reaches the register; byte and word
 * accesses to 0xCF8-0xCFB are ordinary I/O, which nothing claims here
 * (so they read all ones). CONFIG_DATA (0xCFC-0xCFF) reads all ones for
 * every address: no function exists, and a configuration read of an
 * absent function completes with all ones (a master abort).
 */
#define CONFIG_ADDRESS_BITS 0x80fffffcu

static uint32_t pci_in(void *opaque, uint16_t port, unsigned size)
{
	struct dev_pci *d = opaque;
	if (port == 0xcf8 && size == 4)
		return d->address;
	return 0xffffffffu;
}

static void pci_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_pci *d = opaque;
	if (port == 0xcf8 && size == 4)
		d->address = val & CONFIG_ADDRESS_BITS;
	/* Configuration writes to absent functions are dropped. */
}

static const struct pio_ops pci_ops = { pci_in, pci_out };

int dev_pci_attach(struct dev_pci *d, struct pio_map *pio)
{
	d->address = 0;
	return pio_add(pio, 0xcf8, 8, &pci_ops, d, "pci-config");
}
