/* test_pic.c - the 8259A pair: initialization, priorities, EOIs, rotation, cascade, spurious IRQs. */
#include <criterion/criterion.h>

#include "../../sim/devices/pic.h"
#include "../../sim/platform.h"
#include "guest.h"
#include "helpers.h"

static int notified;

static void count_notify(void *opaque)
{
	(void)opaque;
	notified++;
}

/* Both chips initialized as a PC OS does: edge, cascade, ICW4, 8086 mode,
 * master vectors 20h-27h, slave 28h-2Fh, everything unmasked. */
static void init_pair(struct pic *p, uint8_t icw4)
{
	pic_init(p, count_notify, NULL);
	static const uint16_t port[] = { 0x20, 0xa0, 0x21, 0xa1, 0x21, 0xa1, 0x21, 0xa1 };
	uint8_t val[] = { 0x11, 0x11, 0x20, 0x28, 0x04, 0x02, icw4, icw4 };
	for (int i = 0; i < 8; i++)
		pic_write(p, port[i], val[i]);
}

/* OCW3 selects what the command port reads: 0Ah IRR, 0Bh ISR. */
static uint8_t irr(struct pic *p, uint16_t cmd)
{
	pic_write(p, cmd, 0x0a);
	return pic_read(p, cmd);
}

static uint8_t isr(struct pic *p, uint16_t cmd)
{
	pic_write(p, cmd, 0x0b);
	return pic_read(p, cmd);
}

Test(pic, power_on_is_masked_and_silent)
{
	struct pic p;
	pic_init(&p, NULL, NULL);
	pic_set_irq(&p, 1, 1);
	cr_assert_eq(pic_read(&p, 0x21), 0xff, "every input masked until ICW1");
	cr_assert_eq(pic_pending(&p), -1);
	cr_assert_eq(irr(&p, 0x20), 0x02, "the request is latched even while masked");
}

Test(pic, icw_sequence_and_imr)
{
	struct pic p;
	init_pair(&p, 0x01);
	cr_assert_eq(pic_read(&p, 0x21), 0x00, "ICW1 clears IMR");
	pic_write(&p, 0x21, 0xa5);
	pic_write(&p, 0xa1, 0x3c);
	cr_assert_eq(pic_read(&p, 0x21), 0xa5);
	cr_assert_eq(pic_read(&p, 0xa1), 0x3c);
	cr_assert_eq(p.chip[0].base, 0x20);
	cr_assert_eq(p.chip[1].base, 0x28);
	cr_assert_eq(p.chip[0].icw3, 0x04);
	cr_assert_eq(p.chip[1].icw3, 0x02);
	cr_assert_eq(p.chip[0].init_step, 0);
	/* Single mode without ICW4: ICW1, ICW2 only. */
	pic_write(&p, 0x20, 0x12);
	pic_write(&p, 0x21, 0x40);
	cr_assert_eq(p.chip[0].init_step, 0, "SNGL and no IC4: initialized after ICW2");
	pic_write(&p, 0x21, 0x0f);
	cr_assert_eq(pic_read(&p, 0x21), 0x0f, "the next data write is OCW1");
}

Test(pic, edge_request_inta_eoi)
{
	struct pic p;
	init_pair(&p, 0x01);
	notified = 0;
	pic_set_irq(&p, 3, 1);
	cr_assert_gt(notified, 0, "a line change notifies the platform");
	cr_assert_eq(irr(&p, 0x20), 0x08);
	cr_assert_eq(pic_pending(&p), 0x23);
	cr_assert_eq(pic_intack(&p), 0x23);
	cr_assert_eq(irr(&p, 0x20), 0x00, "INTA clears IRR");
	cr_assert_eq(isr(&p, 0x20), 0x08, "... and sets ISR");
	cr_assert_eq(pic_pending(&p), -1, "the input is in service");
	/* Still high: no new edge, no new request after EOI. */
	pic_write(&p, 0x20, 0x20);
	cr_assert_eq(isr(&p, 0x20), 0x00, "non-specific EOI");
	cr_assert_eq(pic_pending(&p), -1, "edge-triggered: a steady high level is one request");
	pic_set_irq(&p, 3, 0);
	pic_set_irq(&p, 3, 1);
	cr_assert_eq(pic_pending(&p), 0x23, "a new rising edge is a new request");
}

Test(pic, fixed_priority_and_nesting)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 5, 1);
	pic_set_irq(&p, 1, 1);
	cr_assert_eq(pic_intack(&p), 0x21, "IR1 outranks IR5");
	cr_assert_eq(pic_pending(&p), -1, "IR5 waits while IR1 is in service");
	pic_set_irq(&p, 0, 1);
	cr_assert_eq(pic_pending(&p), 0x20, "IR0 outranks the IR1 in service: it nests");
	cr_assert_eq(pic_intack(&p), 0x20);
	cr_assert_eq(isr(&p, 0x20), 0x03);
	pic_write(&p, 0x20, 0x20); /* clears IR0, the highest in service */
	cr_assert_eq(isr(&p, 0x20), 0x02);
	pic_write(&p, 0x20, 0x61); /* specific EOI for IR1 */
	cr_assert_eq(isr(&p, 0x20), 0x00);
	cr_assert_eq(pic_intack(&p), 0x25);
}

Test(pic, masked_requests_wait)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_write(&p, 0x21, 0x10);
	pic_set_irq(&p, 4, 1);
	cr_assert_eq(pic_pending(&p), -1);
	cr_assert_eq(irr(&p, 0x20), 0x10);
	pic_write(&p, 0x21, 0x00);
	cr_assert_eq(pic_pending(&p), 0x24, "unmasking releases the latched request");
}

Test(pic, cascade_and_spurious_irq15)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 10, 1);
	cr_assert_eq(irr(&p, 0x20), 0x04, "the slave's INT is the master's IR2");
	cr_assert_eq(irr(&p, 0xa0), 0x04);
	cr_assert_eq(pic_pending(&p), 0x2a);
	cr_assert_eq(pic_intack(&p), 0x2a);
	cr_assert_eq(isr(&p, 0x20), 0x04);
	cr_assert_eq(isr(&p, 0xa0), 0x04);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	cr_assert_eq(isr(&p, 0x20) | isr(&p, 0xa0), 0);

	/* A slave request that vanishes before INTA: the slave answers IR7
	 * (vector 2Fh) but the master has put IR2 in service. */
	pic_set_irq(&p, 9, 0);
	pic_set_irq(&p, 9, 1);
	cr_assert_eq(pic_pending(&p), 0x29);
	/* The drop races the INTA sequence: the master has latched IR2 and
	 * resolves it, then the slave finds its request gone. */
	pic_set_irq(&p, 9, 0);
	p.chip[0].irr |= 0x04;
	cr_assert_eq(pic_intack(&p), 0x2f, "spurious IRQ15");
	cr_assert_eq(isr(&p, 0xa0), 0x00, "the slave sets no ISR bit for it");
	cr_assert_eq(isr(&p, 0x20), 0x04, "the master's IR2 is in service: it still needs an EOI");
}

Test(pic, spurious_irq7)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 6, 1);
	cr_assert_eq(pic_pending(&p), 0x26);
	pic_set_irq(&p, 6, 0);
	cr_assert_eq(pic_pending(&p), -1, "the request went with its input");
	cr_assert_eq(pic_intack(&p), 0x27, "INTA with nothing to acknowledge: IR7");
	cr_assert_eq(isr(&p, 0x20), 0x00, "and no ISR bit");
}

Test(pic, auto_eoi_and_rotation)
{
	struct pic p;
	init_pair(&p, 0x03); /* AEOI */
	pic_set_irq(&p, 3, 1);
	cr_assert_eq(pic_intack(&p), 0x23);
	cr_assert_eq(isr(&p, 0x20), 0x00, "AEOI: nothing stays in service");

	/* Rotate in AEOI mode: a serviced input becomes the lowest. */
	init_pair(&p, 0x03);
	pic_write(&p, 0x20, 0x80);
	pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 4, 1);
	cr_assert_eq(pic_intack(&p), 0x21);
	pic_set_irq(&p, 0, 1);
	cr_assert_eq(pic_intack(&p), 0x24, "after rotation IR4 outranks IR0");
	cr_assert_eq(pic_intack(&p), 0x20);
}

Test(pic, rotate_on_eoi_and_set_priority)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 3, 1);
	cr_assert_eq(pic_intack(&p), 0x23);
	pic_write(&p, 0x20, 0xa0); /* rotate on non-specific EOI: IR3 becomes lowest */
	cr_assert_eq(isr(&p, 0x20), 0);
	pic_set_irq(&p, 1, 1);
	pic_set_irq(&p, 5, 1);
	cr_assert_eq(pic_pending(&p), 0x25, "IR4 is now highest, then IR5 ... IR3");
	pic_write(&p, 0x20, 0xc6); /* set priority: IR6 lowest, IR7 highest */
	cr_assert_eq(pic_pending(&p), 0x21);
	cr_assert_eq(pic_intack(&p), 0x21);
	pic_write(&p, 0x20, 0xe1); /* rotate on specific EOI for IR1 */
	cr_assert_eq(isr(&p, 0x20), 0);
	cr_assert_eq(pic_pending(&p), 0x25, "IR1 lowest: IR5 next");
}

Test(pic, special_mask_mode)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_set_irq(&p, 0, 1);
	cr_assert_eq(pic_intack(&p), 0x20);
	pic_set_irq(&p, 5, 1);
	cr_assert_eq(pic_pending(&p), -1, "IR0 in service blocks IR5");
	pic_write(&p, 0x21, 0x01); /* mask IR0 ... */
	pic_write(&p, 0x20, 0x68); /* ... and enter special mask mode (ESMM|SMM) */
	cr_assert_eq(pic_pending(&p), 0x25, "a masked in-service input no longer blocks");
	pic_write(&p, 0x20, 0x48); /* leave special mask mode */
	cr_assert_eq(pic_pending(&p), -1);
}

Test(pic, poll_command)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_write(&p, 0x20, 0x0c);
	cr_assert_eq(pic_read(&p, 0x20), 0x00, "poll with nothing pending");
	pic_set_irq(&p, 6, 1);
	pic_write(&p, 0x20, 0x0c);
	cr_assert_eq(pic_read(&p, 0x20), 0x86, "poll word: request on IR6");
	cr_assert_eq(isr(&p, 0x20), 0x40, "the poll acts as INTA");
}

Test(pic, level_triggered_through_elcr)
{
	struct pic p;
	init_pair(&p, 0x01);
	pic_write(&p, 0x4d1, 0xff);
	cr_assert_eq(pic_read(&p, 0x4d1), 0xde, "IRQ8 and IRQ13 cannot be level-triggered");
	pic_write(&p, 0x4d0, 0xff);
	cr_assert_eq(pic_read(&p, 0x4d0), 0xf8, "nor IRQ0-2");
	pic_set_irq(&p, 11, 1);
	cr_assert_eq(pic_intack(&p), 0x2b);
	pic_write(&p, 0xa0, 0x20);
	pic_write(&p, 0x20, 0x20);
	cr_assert_eq(pic_pending(&p), 0x2b, "level: still high after EOI, so requested again");
	pic_set_irq(&p, 11, 0);
	cr_assert_eq(pic_pending(&p), -1);
}

Test(pic, special_fully_nested_mode)
{
	struct pic p;
	init_pair(&p, 0x11); /* SFNM */
	pic_set_irq(&p, 12, 1);
	cr_assert_eq(pic_intack(&p), 0x2c);
	pic_set_irq(&p, 9, 1);
	cr_assert_eq(pic_pending(&p), 0x29, "SFNM: a higher slave request nests through IR2");
	init_pair(&p, 0x01);
	pic_set_irq(&p, 12, 1);
	cr_assert_eq(pic_intack(&p), 0x2c);
	pic_set_irq(&p, 9, 0);
	pic_set_irq(&p, 9, 1);
	cr_assert_eq(pic_pending(&p), -1, "fully nested: IR2 in service blocks it");
}

/*
 * Through port I/O from a guest (tests/unit/guests/pic_regs32.asm): the
 * guest initializes both chips, masks (IRQ3 masked, IRQ10 not), reads IMR
 * back, then with IRQ3 and IRQ10 raised (by the test, between two runs)
 * reads IRR and ISR through OCW3 and a poll; IF stays 0, so nothing is
 * delivered. IRR shows masked requests too.
 */
Test(pic, guest_port_io)
{
	struct machine *m = tm_new(START_PROT32);
	tg_load(m, "pic_regs32.bin");
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA + 0, 1), 0xfb, "master IMR read back");
	cr_assert_eq(tm_peek(m, TM_DATA + 1, 1), 0x7b, "slave IMR read back");
	cr_assert_eq(tm_peek(m, TM_DATA + 2, 1), 0x00, "IRR empty after ICW1");
	platform_set_irq(machine_platform(m), 3, 1);
	platform_set_irq(machine_platform(m), 10, 1);
	machine_reg_set(m, VT_RIP, machine_reg_get(m, VT_RIP)); /* wake from HLT */
	cr_assert_eq(machine_run(m, 10000), STOP_HLT);
	cr_assert_eq(tm_peek(m, TM_DATA + 3, 1), 0x0c, "master IRR: IR3 and IR2 (cascade)");
	cr_assert_eq(tm_peek(m, TM_DATA + 4, 1), 0x04, "slave IRR: IR2 (IRQ10)");
	cr_assert_eq(tm_peek(m, TM_DATA + 5, 1), 0x00, "master ISR: nothing delivered");
	cr_assert_eq(tm_peek(m, TM_DATA + 6, 1), 0x82, "poll: IR2 is the highest request");
	cr_assert_eq(tm_peek(m, TM_DATA + 7, 1), 0x04, "master ISR after the poll");
	machine_free(m);
}
