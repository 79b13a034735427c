/* uart.c - a 16550A UART that transmits instantly, with FIFOs, loopback and interrupts. */
#include "devices.h"

/*
 * Registers by offset from the base port (PC16550D data sheet, Table II);
 * DLAB is LCR bit 7:
 *
 *   +0  read: RBR (DLAB=0) / DLL (DLAB=1)   write: THR / DLL
 *   +1  IER (DLAB=0) / DLM (DLAB=1)
 *   +2  read: IIR                            write: FCR
 *   +3  LCR    +4 MCR    +5 LSR (read only)  +6 MSR (read only)   +7 SCR
 */
enum { THR_RBR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define LCR_DLAB 0x80
#define IER_RDA 0x01  /* received data available */
#define IER_THRE 0x02 /* transmitter holding register empty */
#define IER_RLS 0x04  /* receiver line status */
#define IER_MS 0x08   /* modem status */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08 /* on a PC: gates the interrupt output onto the IRQ line */
#define MCR_LOOP 0x10
#define LSR_DR 0x01   /* data ready */
#define LSR_OE 0x02   /* overrun error */
#define LSR_ERRS 0x1e /* OE PE FE BI */
#define LSR_THRE 0x20 /* transmitter holding register empty */
#define LSR_TEMT 0x40 /* transmitter empty */
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define FCR_ENABLE 0x01

/* What the far end presents when nothing is attached: CTS, DSR and DCD. */
#define LINES_IDLE (MSR_CTS | MSR_DSR | MSR_DCD)

/*
 * IIR, interrupt identification in priority order (data sheet Table IV):
 * receiver line status 06h, received data 04h, character timeout 0Ch
 * (FIFO mode), THR empty 02h, modem status 00h; 01h means none pending.
 * vtsim signals the character timeout as soon as the FIFO holds fewer
 * bytes than the trigger level, without waiting four character times.
 */
static uint8_t trigger_level(const struct dev_uart *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };
	return (u->fcr & FCR_ENABLE) ? level[u->fcr >> 6] : 1;
}

static uint8_t iir_id(const struct dev_uart *u)
{
	if ((u->ier & IER_RLS) && u->lsr_err)
		return 0x06;
	if ((u->ier & IER_RDA) && u->rx_n) {
		if (u->rx_n >= trigger_level(u))
			return 0x04;
		return 0x0c;
	}
	if ((u->ier & IER_THRE) && u->thre)
		return 0x02;
	if ((u->ier & IER_MS) && u->msr_delta)
		return 0x00;
	return 0x01;
}

static void update_irq(struct dev_uart *u)
{
	bool level = !(iir_id(u) & 1) && (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
	if (level != u->irq_level) {
		u->irq_level = level;
		dev_irq_set(&u->irq, level);
	}
}

/* The modem status inputs: the far end's, or in loopback the MCR outputs
 * fed back (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD). */
static uint8_t lines_now(const struct dev_uart *u)
{
	if (!(u->mcr & MCR_LOOP))
		return LINES_IDLE;
	uint8_t m = u->mcr;
	return (uint8_t)(((m & MCR_RTS) ? MSR_CTS : 0) | ((m & MCR_DTR) ? MSR_DSR : 0) |
			 ((m & MCR_OUT1) ? MSR_RI : 0) | ((m & MCR_OUT2) ? MSR_DCD : 0));
}

/* Delta bits: DCTS, DDSR and DDCD on any change, TERI when RI goes from on to off. */
static void set_lines(struct dev_uart *u, uint8_t now)
{
	uint8_t ch = u->lines ^ now;
	u->msr_delta |= (uint8_t)(((ch & MSR_CTS) ? 0x01 : 0) | ((ch & MSR_DSR) ? 0x02 : 0) |
				  ((ch & u->lines & MSR_RI) ? 0x04 : 0) | ((ch & MSR_DCD) ? 0x08 : 0));
	u->lines = now;
}

static void rx_push(struct dev_uart *u, uint8_t byte)
{
	unsigned cap = (u->fcr & FCR_ENABLE) ? UART_FIFO : 1;
	if (u->rx_n == cap) {
		/* Overrun: with FIFOs the new character is lost; without, it
		 * overwrites RBR (data sheet, LSR bit 1). */
		u->lsr_err |= LSR_OE;
		if (cap == 1)
			u->rx[u->rx_head] = byte;
		return;
	}
	u->rx[(u->rx_head + u->rx_n) % UART_FIFO] = byte;
	u->rx_n++;
}

static uint8_t rx_pop(struct dev_uart *u)
{
	if (u->rx_n) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO);
		u->rx_n--;
	}
	return u->rbr;
}

static uint8_t uart_read(struct dev_uart *u, unsigned reg)
{
	uint8_t v;
	switch (reg) {
	case THR_RBR:
		if (u->lcr & LCR_DLAB)
			return (uint8_t)u->divisor;
		v = rx_pop(u);
		break;
	case IER:
		return (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
	case IIR_FCR:
		v = iir_id(u);
		if (v == 0x02)
			u->thre = false; /* reading IIR clears a THRE interrupt it reports */
		v |= (u->fcr & FCR_ENABLE) ? 0xc0 : 0;
		break;
	case LCR: return u->lcr;
	case MCR: return u->mcr;
	case LSR:
		v = (uint8_t)(LSR_THRE | LSR_TEMT | u->lsr_err | (u->rx_n ? LSR_DR : 0));
		u->lsr_err = 0;
		break;
	case MSR:
		v = u->lines | u->msr_delta;
		u->msr_delta = 0;
		break;
	default: return u->scr;
	}
	update_irq(u);
	return v;
}

static void uart_write(struct dev_uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case THR_RBR:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
			return;
		}
		if (u->mcr & MCR_LOOP)
			rx_push(u, v); /* loopback: the transmitter feeds the receiver */
		else
			u->sink.put(u->sink.opaque, v);
		/* The byte moves on at once: THR is empty again, and a new
		 * THRE interrupt is pending (its line drops and rises). */
		u->thre = false;
		update_irq(u);
		u->thre = true;
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | (v << 8));
			return;
		}
		/* Enabling the THRE interrupt while THR is empty raises it at once. */
		if ((v & IER_THRE) && !(u->ier & IER_THRE))
			u->thre = true;
		u->ier = v & 0x0f;
		break;
	case IIR_FCR:
		/* FCR: a change of bit 0 empties the FIFOs; bit 1 resets the
		 * receiver FIFO (bit 2, the transmitter's, has nothing to do).
		 * The other bits are written only together with bit 0. */
		if (((v ^ u->fcr) & FCR_ENABLE) || (v & 0x02))
			u->rx_n = u->rx_head = 0;
		u->fcr = (v & FCR_ENABLE) ? (v & 0xc1) : 0;
		break;
	case LCR: u->lcr = v; return;
	case MCR:
		u->mcr = v & 0x1f;
		set_lines(u, lines_now(u));
		break;
	case SCR: u->scr = v; return;
	default: return; /* LSR and MSR are read-only */
	}
	update_irq(u);
}

static uint32_t uart_in(void *opaque, uint16_t port, unsigned size)
{
	struct dev_uart *u = opaque;
	uint32_t v = 0;
	/* Wider accesses read consecutive registers, one byte each; bytes
	 * past the last register read as the void (all ones). */
	for (unsigned k = 0; k < size; k++) {
		unsigned reg = (port & 7) + k;
		v |= (uint32_t)(reg < 8 ? uart_read(u, reg) : 0xff) << (8 * k);
	}
	return v;
}

static void uart_out(void *opaque, uint16_t port, unsigned size, uint32_t val)
{
	struct dev_uart *u = opaque;
	for (unsigned k = 0; k < size && (port & 7) + k < 8; k++)
		uart_write(u, (port & 7) + k, (uint8_t)(val >> (8 * k)));
}

static const struct pio_ops uart_ops = { uart_in, uart_out };

void dev_uart_reset(struct dev_uart *u)
{
	u->ier = u->lcr = u->mcr = u->fcr = 0;
	u->lsr_err = u->msr_delta = 0;
	u->lines = LINES_IDLE;
	u->rx_n = u->rx_head = 0;
	u->rbr = 0;
	u->thre = false; /* no THRE interrupt until IER enables it or THR is written */
	u->irq_level = false;
	dev_irq_set(&u->irq, 0);
}

void dev_uart_receive(struct dev_uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP)
		return; /* the serial input is disconnected in loopback mode */
	rx_push(u, byte);
	update_irq(u);
}

int dev_uart_attach(struct dev_uart *u, struct pio_map *pio, uint16_t base)
{
	u->divisor = 12; /* 9600 baud from the 1.8432 MHz crystal */
	dev_uart_reset(u);
	return pio_add(pio, base, 8, &uart_ops, u, "uart16550");
}
