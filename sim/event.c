/* event.c - the event bus: subscription and delivery. */
#include "event.h"

#include <stddef.h>

static void recompute_mask(struct ev_bus *bus)
{
	uint32_t m = 0;
	for (int i = 0; i < EV_MAX_LISTENERS; i++)
		if (bus->l[i].fn)
			m |= bus->l[i].mask;
	bus->mask = m;
}

int ev_subscribe(struct ev_bus *bus, uint32_t mask, ev_fn *fn, void *opaque)
{
	for (int i = 0; i < EV_MAX_LISTENERS; i++) {
		if (!bus->l[i].fn) {
			bus->l[i] = (struct ev_listener){ mask, fn, opaque };
			recompute_mask(bus);
			return i;
		}
	}
	return -1;
}

void ev_unsubscribe(struct ev_bus *bus, int handle)
{
	if (handle < 0 || handle >= EV_MAX_LISTENERS)
		return;
	bus->l[handle].fn = NULL;
	recompute_mask(bus);
}

void ev_emit(const struct ev_bus *bus, const struct event *e)
{
	for (int i = 0; i < EV_MAX_LISTENERS; i++)
		if (bus->l[i].fn && (bus->l[i].mask & EVB(e->kind)))
			bus->l[i].fn(bus->l[i].opaque, e);
}

const char *ev_kind_name(enum ev_kind k)
{
	static const char *const names[EV_KIND_COUNT] = {
		[EV_INSN] = "insn",
		[EV_EXCEPTION] = "exception",
		[EV_INTERRUPT] = "interrupt",
		[EV_IO] = "io",
		[EV_CODE_INVAL] = "code-inval",
		[EV_WALK] = "walk",
		[EV_SHUTDOWN] = "shutdown",
		[EV_STOP] = "stop",
		[EV_CPL] = "cpl-change",
		[EV_IRET] = "iret",
		[EV_VMEXIT] = "vm-exit",
		[EV_VMENTRY] = "vm-entry",
		[EV_VMENTRY_FAIL] = "vm-entry-fail",
	};
	return (unsigned)k < EV_KIND_COUNT ? names[k] : "?";
}
