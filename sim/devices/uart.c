/* uart.c - a 16550A UART that transmits instantly and never receives. */
#include "devices.h"

enum { THR_RBR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20 /* transmitter holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */

static uint32_t uart_in(void *opaque, uint16_t port, unsigned size)
{
	struct dev_uart *u = opaque;
	(void)size;
	switch (port & 7) {
	case THR_RBR: return (u->lcr & LCR_DLAB) ? (u->divisor & 0xff) : 0;
	case IER: return (u->lcr & LCR_DLAB) ? (u->divisor >> 8) : u->ier;
	case IIR_FCR: return ((u->fcr & 1) ? 0xc0 : 0) | 0x01; /* no interrupt pending */
	case LCR: return u->lcr;
	case MCR: return u->mcr;
	case LSR: return LSR_THRE | LSR_TEMT;
	case MSR: return (u->mcr & 0x10) ? ((u->mcr & 0x0f) << 4) : 0xb0; /* loopback or CTS|DSR|DCD */
	default: return u->scr;
	}
}

static void uart_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_uart *u = opaque;
	(void)size;
	uint8_t v = (uint8_t)val;
	switch (port & 7) {
	case THR_RBR:
		if (u->lcr & LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
		else if (!(u->mcr & 0x10)) /* loopback mode keeps bytes inside */
			u->sink.put(u->sink.opaque, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | (v << 8));
		else
			u->ier = v & 0x0f;
		break;
	case IIR_FCR: u->fcr = v; break;
	case LCR: u->lcr = v; break;
	case MCR: u->mcr = v & 0x1f; break;
	case SCR: u->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
}

static const struct pio_ops uart_ops = { uart_in, uart_out };

int dev_uart_attach(struct dev_uart *u, struct pio_map *pio, uint16_t base)
{
	u->divisor = 12; /* 9600 baud */
	return pio_add(pio, base, 8, &uart_ops, u, "uart16550");
}
