/* gdbstub.c - the GDB remote serial protocol server: gdb attaches to a machine over TCP. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <Zydis/Zydis.h>

#include "../machine.h"
#include "../paging/walk.h"
#include "../platform.h"
#include "debugger.h"
#include "gdbstub.h"

/*
 * The protocol (GDB manual, appendix "Remote Serial Protocol"): gdb and
 * the stub exchange packets
 *
 *	$<data>#<two hex digits: sum of the data bytes mod 256>
 *
 * and each side answers a packet with '+' (received) or '-' (resend),
 * until both agree on QStartNoAckMode. gdb interrupts a running target
 * with one byte 0x03 outside any packet. The stub is all-stop with one
 * thread (the CPU): while gdb waits for a stop reply the machine runs;
 * otherwise it stands still between two instructions.
 *
 * Breakpoints are not INT3 bytes in guest memory: the guest could read,
 * checksum or overwrite them, and a hypervisor's EPT could hide them.
 * Instead, while any breakpoint or watchpoint is set, the machine runs
 * one instruction at a time and RIP and the watched bytes are checked
 * after each; with none set it runs in large chunks at full speed.
 * Read and access watchpoints look at the memory operands of the
 * instruction about to run (see predict_access).
 */

#define PACKET_MAX 16384        /* largest packet either side sends (qSupported PacketSize) */
#define MAX_POINTS 64           /* breakpoints and watchpoints together */
#define WATCH_MAX_LEN 512       /* bytes one watchpoint can cover */
#define RUN_CHUNK (1u << 18)    /* instructions per machine_run with no points set */
#define POLL_EVERY 4096         /* single steps between looks for gdb's interrupt */

/* Z packet types (GDB manual, "Packets": Z0-Z4). */
enum point_type { PT_SW_BREAK, PT_HW_BREAK, PT_WRITE_WATCH, PT_READ_WATCH, PT_ACCESS_WATCH };

struct point {
	enum point_type type;   /* Z0..Z4 */
	uint64_t addr;          /* RIP (breakpoints) or linear address (watchpoints) */
	uint32_t len;           /* bytes watched; the kind for breakpoints */
	uint8_t *old;           /* watchpoints: the bytes as last seen */
	bool old_ok;            /* ... and whether they could be read */
};

/* What ended the serving loop. */
enum session_end { END_NONE, END_DETACH, END_KILL };

struct gdbstub {
	int listen_fd;          /* the listening socket */
	int fd;                 /* the client, or -1 */
	int port;               /* port listened on */
	struct machine *m;      /* the machine served */
	struct scenario *sc;    /* for the debugger (may be NULL) */
	struct dbg *dbg;        /* the `monitor` interpreter, or NULL until first used */
	bool own_dbg;           /* dbg was made here and is freed here */
	uint64_t limit;         /* icount at which the run ends (the instruction limit) */
	double secs;            /* wall time spent running guest code */
	bool no_ack;            /* QStartNoAckMode is in effect */
	bool finished;          /* the machine stopped for good and gdb has been told */
	enum stop_reason why;   /* how the last machine_run ended */
	char last_stop[64];     /* the last stop reply, for '?' */
	struct point pts[MAX_POINTS]; /* breakpoints and watchpoints */
	char xml[12288];        /* the target description (qXfer:features:read) */
	size_t xml_len;         /* its length */
	int npts;               /* entries used in pts */
	uint8_t rbuf[4096];     /* bytes received, not yet consumed */
	size_t rpos, rlen;      /* consumed / received in rbuf */
	char in[PACKET_MAX + 1];        /* the packet being handled, NUL-terminated */
	char reply[PACKET_MAX + 1];     /* the reply being built */
	char frame[PACKET_MAX + 8];     /* $reply#cs as sent */
};

/* ------------------------------------------------------------ registers */

/*
 * The register file gdb sees, in the order of the `g` packet and of the
 * target description. gdb's amd64 code requires the feature
 * org.gnu.gdb.i386.core with exactly these names (the x87 ones too) and
 * org.gnu.gdb.i386.sse; org.gnu.gdb.i386.segments gives fs_base and
 * gs_base. The control registers and EFER travel in a vtsim feature:
 * gdb shows them as it finds them ("info registers cr3", "p/x $cr0").
 */
enum { FEAT_CORE, FEAT_SSE, FEAT_SEGMENTS, FEAT_SYSTEM, FEAT_COUNT };

static const char *const feature_names[FEAT_COUNT] = {
	"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
	"org.vtsim.x86.system",
};

/* Registers vtsim does not model (x87, SSE: vtsim executes neither)
 * read as their reset value and ignore writes; CR8 is the local APIC's
 * TPR (SDM Vol. 3A, 10.8.6). */
enum { R_FIXED = -1, R_CR8 = -2 };

struct gdb_reg {
	const char *name;       /* gdb's name */
	uint8_t bits;           /* size in the g packet */
	int8_t id;              /* enum vt_reg, R_FIXED or R_CR8 */
	uint8_t feature;        /* FEAT_* */
	const char *type;       /* target-description type */
	uint32_t fixed;         /* R_FIXED: the value shown */
};

#define GPR(n, vt, ty) { n, 64, vt, FEAT_CORE, ty, 0 }
#define X87(n, bits, v) { n, bits, R_FIXED, FEAT_CORE, (bits) == 80 ? "i387_ext" : "int", v }
#define XMM(n) { n, 128, R_FIXED, FEAT_SSE, "uint128", 0 }
#define SYS(n, vt, ty) { n, 64, vt, FEAT_SYSTEM, ty, 0 }

static const struct gdb_reg regs[] = {
	GPR("rax", VT_RAX, "int64"), GPR("rbx", VT_RBX, "int64"), GPR("rcx", VT_RCX, "int64"),
	GPR("rdx", VT_RDX, "int64"), GPR("rsi", VT_RSI, "int64"), GPR("rdi", VT_RDI, "int64"),
	GPR("rbp", VT_RBP, "data_ptr"), GPR("rsp", VT_RSP, "data_ptr"),
	GPR("r8", VT_R8, "int64"), GPR("r9", VT_R9, "int64"), GPR("r10", VT_R10, "int64"),
	GPR("r11", VT_R11, "int64"), GPR("r12", VT_R12, "int64"), GPR("r13", VT_R13, "int64"),
	GPR("r14", VT_R14, "int64"), GPR("r15", VT_R15, "int64"),
	GPR("rip", VT_RIP, "code_ptr"),
	{ "eflags", 32, VT_RFLAGS, FEAT_CORE, "i386_eflags", 0 },
	{ "cs", 32, VT_CS, FEAT_CORE, "int32", 0 }, { "ss", 32, VT_SS, FEAT_CORE, "int32", 0 },
	{ "ds", 32, VT_DS, FEAT_CORE, "int32", 0 }, { "es", 32, VT_ES, FEAT_CORE, "int32", 0 },
	{ "fs", 32, VT_FS, FEAT_CORE, "int32", 0 }, { "gs", 32, VT_GS, FEAT_CORE, "int32", 0 },
	X87("st0", 80, 0), X87("st1", 80, 0), X87("st2", 80, 0), X87("st3", 80, 0),
	X87("st4", 80, 0), X87("st5", 80, 0), X87("st6", 80, 0), X87("st7", 80, 0),
	X87("fctrl", 32, 0x37f), X87("fstat", 32, 0), X87("ftag", 32, 0xffff), X87("fiseg", 32, 0),
	X87("fioff", 32, 0), X87("foseg", 32, 0), X87("fooff", 32, 0), X87("fop", 32, 0),
	XMM("xmm0"), XMM("xmm1"), XMM("xmm2"), XMM("xmm3"), XMM("xmm4"), XMM("xmm5"),
	XMM("xmm6"), XMM("xmm7"), XMM("xmm8"), XMM("xmm9"), XMM("xmm10"), XMM("xmm11"),
	XMM("xmm12"), XMM("xmm13"), XMM("xmm14"), XMM("xmm15"),
	{ "mxcsr", 32, R_FIXED, FEAT_SSE, "int", 0x1f80 },
	{ "fs_base", 64, VT_FS_BASE, FEAT_SEGMENTS, "int", 0 },
	{ "gs_base", 64, VT_GS_BASE, FEAT_SEGMENTS, "int", 0 },
	SYS("cr0", VT_CR0, "vtsim_cr0"), SYS("cr2", VT_CR2, "data_ptr"), SYS("cr3", VT_CR3, "int"),
	SYS("cr4", VT_CR4, "vtsim_cr4"), SYS("cr8", R_CR8, "int"), SYS("efer", VT_EFER, "vtsim_efer"),
};

#define NREGS ((int)(sizeof regs / sizeof regs[0]))

/* Flag types: gdb prints a register of such a type with its set bits
 * named ("cr0 0x80000011 [ PG ET PE ]"). */
struct flag_bit {
	uint8_t bit;            /* bit number */
	const char *name;       /* the SDM's name */
};

struct flag_type {
	const char *id;         /* type name in the description */
	uint8_t feature;        /* where it is defined */
	uint8_t size;           /* bytes */
	const struct flag_bit *bits; /* named bits, ending with a NULL name */
};

/* RFLAGS: SDM Vol. 1, 3.4.3. */
static const struct flag_bit eflags_bits[] = {
	{ 0, "CF" }, { 1, "" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" },
	{ 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" }, { 16, "RF" }, { 17, "VM" },
	{ 18, "AC" }, { 19, "VIF" }, { 20, "VIP" }, { 21, "ID" }, { 0, NULL },
};
/* CR0: SDM Vol. 3A, 2.5. */
static const struct flag_bit cr0_bits[] = {
	{ 0, "PE" }, { 1, "MP" }, { 2, "EM" }, { 3, "TS" }, { 4, "ET" }, { 5, "NE" },
	{ 16, "WP" }, { 18, "AM" }, { 29, "NW" }, { 30, "CD" }, { 31, "PG" }, { 0, NULL },
};
/* CR4: SDM Vol. 3A, 2.5. */
static const struct flag_bit cr4_bits[] = {
	{ 0, "VME" }, { 1, "PVI" }, { 2, "TSD" }, { 3, "DE" }, { 4, "PSE" }, { 5, "PAE" },
	{ 6, "MCE" }, { 7, "PGE" }, { 8, "PCE" }, { 9, "OSFXSR" }, { 10, "OSXMMEXCPT" },
	{ 11, "UMIP" }, { 12, "LA57" }, { 13, "VMXE" }, { 14, "SMXE" }, { 16, "FSGSBASE" },
	{ 17, "PCIDE" }, { 18, "OSXSAVE" }, { 20, "SMEP" }, { 21, "SMAP" }, { 22, "PKE" },
	{ 0, NULL },
};
/* IA32_EFER: SDM Vol. 3A, 2.2.1. */
static const struct flag_bit efer_bits[] = {
	{ 0, "SCE" }, { 8, "LME" }, { 10, "LMA" }, { 11, "NXE" }, { 0, NULL },
};

static const struct flag_type flag_types[] = {
	{ "i386_eflags", FEAT_CORE, 4, eflags_bits },
	{ "vtsim_cr0", FEAT_SYSTEM, 8, cr0_bits },
	{ "vtsim_cr4", FEAT_SYSTEM, 8, cr4_bits },
	{ "vtsim_efer", FEAT_SYSTEM, 8, efer_bits },
};

static bool is_control(int id)
{
	return id == VT_CR0 || id == VT_CR3 || id == VT_CR4 || id == VT_EFER;
}

static uint64_t reg_read(struct gdbstub *g, const struct gdb_reg *r)
{
	if (r->id == R_FIXED)
		return r->fixed;
	if (r->id == R_CR8)
		return lapic_cr8_get(platform_lapic(machine_platform(g->m)));
	return machine_reg_get(g->m, (enum vt_reg)r->id);
}

/*
 * gdb writes whole register sets (G) when the user changes one, so only
 * values that differ are written: rewriting a selector reloads its
 * hidden part from the descriptor table, which would undo a scenario's
 * deliberately stale descriptor cache.
 */
static void reg_write(struct gdbstub *g, const struct gdb_reg *r, uint64_t v)
{
	if (r->bits < 64)
		v &= (1ull << r->bits) - 1;
	if (r->id == R_FIXED || v == reg_read(g, r))
		return;
	if (r->id == R_CR8) {
		lapic_cr8_set(platform_lapic(machine_platform(g->m)), (uint8_t)v);
		return;
	}
	machine_reg_set(g->m, (enum vt_reg)r->id, v);
	if (is_control(r->id))
		machine_sync_paging(g->m);
	if (r->id == VT_RIP && g->finished) {
		g->finished = false; /* `jump` after HLT: the CPU is awake again */
		g->why = STOP_NONE;
	}
}

/* ------------------------------------------------------------- hex and I/O */

static const char hexdig[] = "0123456789abcdef";

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse hex digits at *p up to a non-hex character. False if none. */
static bool parse_hex(const char **p, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	while (hexval(*s) >= 0)
		x = (x << 4) | (uint64_t)hexval(*s++);
	if (s == *p)
		return false;
	*p = s;
	*v = x;
	return true;
}

/* Append n bytes of buf as hex to the reply at *pos. */
static void put_hex(struct gdbstub *g, size_t *pos, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n && *pos + 2 < sizeof g->reply; i++) {
		g->reply[(*pos)++] = hexdig[buf[i] >> 4];
		g->reply[(*pos)++] = hexdig[buf[i] & 15];
	}
	g->reply[*pos] = 0;
}

/* A register value as gdb wants it: target byte order (little-endian). */
static void put_reg(struct gdbstub *g, size_t *pos, const struct gdb_reg *r)
{
	uint8_t b[16] = { 0 };
	uint64_t v = reg_read(g, r);
	for (int i = 0; i < 8 && i < r->bits / 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_hex(g, pos, b, r->bits / 8u);
}

/* Read a register value of r->bits from hex at *p. False if short. */
static bool get_reg(const char **p, const struct gdb_reg *r, uint64_t *v)
{
	uint64_t x = 0;
	for (int i = 0; i < r->bits / 8; i++) {
		int h = hexval((*p)[0]), l = h < 0 ? -1 : hexval((*p)[1]);
		if (h < 0 || l < 0)
			return false;
		if (i < 8)
			x |= (uint64_t)(h << 4 | l) << (8 * i);
		*p += 2;
	}
	*v = x;
	return true;
}

static void send_all(struct gdbstub *g, const char *buf, size_t n)
{
	while (n && g->fd >= 0) {
		ssize_t k = send(g->fd, buf, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(g->fd);
			g->fd = -1;
			return;
		}
		buf += k;
		n -= (size_t)k;
	}
}

/* The next byte from gdb, waiting for it; -1 once the connection is gone. */
static int get_byte(struct gdbstub *g)
{
	while (g->rpos == g->rlen) {
		if (g->fd < 0)
			return -1;
		ssize_t k = recv(g->fd, g->rbuf, sizeof g->rbuf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(g->fd);
			g->fd = -1;
			return -1;
		}
		g->rpos = 0;
		g->rlen = (size_t)k;
	}
	return g->rbuf[g->rpos++];
}

/* Send a packet and, unless acks are off, wait for gdb's '+'. */
static void send_packet(struct gdbstub *g, const char *data)
{
	size_t n = strlen(data);
	uint8_t sum = 0;
	g->frame[0] = '$';
	memcpy(g->frame + 1, data, n);
	for (size_t i = 0; i < n; i++)
		sum += (uint8_t)data[i];
	g->frame[n + 1] = '#';
	g->frame[n + 2] = hexdig[sum >> 4];
	g->frame[n + 3] = hexdig[sum & 15];
	for (int tries = 0; tries < 8 && g->fd >= 0; tries++) {
		send_all(g, g->frame, n + 4);
		if (g->no_ack)
			return;
		int c;
		while ((c = get_byte(g)) >= 0 && c != '+' && c != '-' && c != '$')
			; /* stray bytes (a late Ctrl-C) before the ack */
		if (c == '$')
			g->rpos--; /* the next packet: take it as the ack, keep it */
		if (c != '-')
			return;
	}
}

/*
 * Receive one packet into g->in. Returns its length, or -1 when the
 * connection is gone. A bad checksum is answered with '-' and gdb sends
 * the packet again. Stray acks and interrupts outside packets are
 * dropped: while the machine stands still there is nothing to interrupt.
 */
static int recv_packet(struct gdbstub *g)
{
	for (;;) {
		int c;
		while ((c = get_byte(g)) >= 0 && c != '$')
			;
		if (c < 0)
			return -1;
		size_t n = 0;
		uint8_t sum = 0;
		bool overflow = false;
		while ((c = get_byte(g)) >= 0 && c != '#') {
			if (c == '$') { /* a new packet started: the old one was cut */
				n = 0;
				sum = 0;
				overflow = false;
				continue;
			}
			sum += (uint8_t)c;
			if (n < PACKET_MAX)
				g->in[n++] = (char)c;
			else
				overflow = true;
		}
		int hi = c < 0 ? -1 : get_byte(g);
		int lo = hi < 0 ? -1 : get_byte(g);
		if (lo < 0)
			return -1;
		bool ok = !overflow && hexval(hi) >= 0 && hexval(lo) >= 0 && (hexval(hi) << 4 | hexval(lo)) == sum;
		if (!g->no_ack)
			send_all(g, ok ? "+" : "-", 1);
		if (!ok && !g->no_ack)
			continue;
		g->in[n] = 0;
		return (int)n;
	}
}

/* Console output for gdb's terminal ('O' packets: hex text). */
static void send_console(struct gdbstub *g, const char *text, size_t len)
{
	const size_t chunk = (PACKET_MAX - 2) / 2;
	while (len && g->fd >= 0) {
		size_t n = len < chunk ? len : chunk;
		size_t pos = 1;
		g->reply[0] = 'O';
		put_hex(g, &pos, (const uint8_t *)text, n);
		send_packet(g, g->reply);
		text += n;
		len -= n;
	}
}

/* ------------------------------------------------------------- memory */

/*
 * gdb's addresses are linear addresses, translated as the CPU would now
 * (through EPT in VMX non-root operation), without side effects. The
 * debugger may look at supervisor pages from user mode and write
 * read-only pages: a walk that failed only on access rights still found
 * the page (without EPT, whose final step comes after the rights check).
 */
static bool linear_to_phys(struct gdbstub *g, uint64_t la, uint64_t *pa)
{
	struct walk w;
	bool in_tlb;
	if (machine_translate(g->m, la, ACC_READ, &w, &in_tlb) ||
	    (!w.ept && w.fault_kind == WALK_PF && (w.pfec & PFEC_P) && !(w.pfec & PFEC_RSVD))) {
		*pa = w.pa;
		return true;
	}
	return false;
}

/* Copy len bytes at linear address la from (write: to) buf, page by page.
 * Returns the bytes done before the first unmapped page. */
static size_t linear_access(struct gdbstub *g, uint64_t la, uint8_t *buf, size_t len, bool write)
{
	size_t done = 0;
	while (done < len) {
		uint64_t a = la + done, pa;
		size_t n = 4096 - (a & 4095);
		if (n > len - done)
			n = len - done;
		if (!linear_to_phys(g, a, &pa))
			break;
		if (write)
			machine_phys_write(g->m, pa, buf + done, n);
		else
			machine_phys_read(g->m, pa, buf + done, n);
		done += n;
	}
	return done;
}

/* m ADDR,LEN */
static void cmd_read_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len)) {
		strcpy(g->reply, "E02");
		return;
	}
	uint8_t buf[PACKET_MAX / 2];
	if (len > sizeof buf - 1)
		len = sizeof buf - 1;
	size_t n = linear_access(g, addr, buf, len, false);
	if (n == 0 && len) {
		strcpy(g->reply, "E01");
		return;
	}
	size_t pos = 0;
	put_hex(g, &pos, buf, n);
}

/* M ADDR,LEN:XX... */
static void cmd_write_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!parse_hex(&p, &addr) || *p++ != ',' || !parse_hex(&p, &len) || *p++ != ':' ||
	    strlen(p) != 2 * len) {
		strcpy(g->reply, "E02");
		return;
	}
	uint8_t buf[PACKET_MAX / 2];
	for (uint64_t i = 0; i < len; i++) {
		int h = hexval(p[2 * i]), l = hexval(p[2 * i + 1]);
		if (h < 0 || l < 0) {
			strcpy(g->reply, "E02");
			return;
		}
		buf[i] = (uint8_t)(h << 4 | l);
	}
	strcpy(g->reply, linear_access(g, addr, buf, len, true) == len ? "OK" : "E01");
}

/* ------------------------------------------------------------- points */

static bool is_watch(enum point_type t)
{
	return t >= PT_WRITE_WATCH;
}

/* Z/z TYPE,ADDR,KIND */
static void cmd_point(struct gdbstub *g, const char *p, bool insert)
{
	uint64_t type, addr, kind;
	if (!parse_hex(&p, &type) || *p++ != ',' || !parse_hex(&p, &addr) || *p++ != ',' ||
	    !parse_hex(&p, &kind)) {
		strcpy(g->reply, "E02");
		return;
	}
	if (type > PT_ACCESS_WATCH) {
		g->reply[0] = 0; /* not a type this stub knows */
		return;
	}
	if (is_watch((enum point_type)type) && (kind == 0 || kind > WATCH_MAX_LEN)) {
		strcpy(g->reply, "E03");
		return;
	}
	int i;
	for (i = 0; i < g->npts; i++)
		if (g->pts[i].type == type && g->pts[i].addr == addr && g->pts[i].len == kind)
			break;
	if (!insert) { /* removing one that is not there is fine */
		if (i < g->npts) {
			free(g->pts[i].old);
			g->pts[i] = g->pts[--g->npts];
		}
		strcpy(g->reply, "OK");
		return;
	}
	if (i < g->npts) {
		strcpy(g->reply, "OK");
		return;
	}
	if (g->npts == MAX_POINTS) {
		strcpy(g->reply, "E04");
		return;
	}
	struct point *pt = &g->pts[g->npts];
	*pt = (struct point){ .type = (enum point_type)type, .addr = addr, .len = (uint32_t)kind };
	if (is_watch(pt->type)) {
		if (!(pt->old = malloc(kind))) {
			strcpy(g->reply, "E05");
			return;
		}
		pt->old_ok = linear_access(g, addr, pt->old, kind, false) == kind;
	}
	g->npts++;
	strcpy(g->reply, "OK");
}

/* After an instruction: the stop reply's reason if a point was hit. */
static bool check_points(struct gdbstub *g, char *why, size_t len)
{
	uint64_t rip = machine_reg_get(g->m, VT_RIP);
	uint8_t now[WATCH_MAX_LEN];
	for (int i = 0; i < g->npts; i++) {
		struct point *pt = &g->pts[i];
		if (!is_watch(pt->type)) {
			if (rip == pt->addr) {
				snprintf(why, len, "%s:;", pt->type == PT_SW_BREAK ? "swbreak" : "hwbreak");
				return true;
			}
			continue;
		}
		/* A write (or access) watchpoint fires when the bytes change,
		 * through any mapping (a write of the same value goes unseen),
		 * after the writing instruction as on x86 hardware (SDM Vol. 3B,
		 * 17.3.1.2: data breakpoints are traps). */
		if (pt->type == PT_READ_WATCH)
			continue;
		bool ok = linear_access(g, pt->addr, now, pt->len, false) == pt->len;
		bool changed = ok && pt->old_ok && memcmp(now, pt->old, pt->len) != 0;
		if (ok)
			memcpy(pt->old, now, pt->len);
		pt->old_ok = ok;
		if (changed) {
			snprintf(why, len, "%s:%llx;", pt->type == PT_WRITE_WATCH ? "watch" : "awatch",
				 (unsigned long long)pt->addr);
			return true;
		}
	}
	return false;
}

static bool has_access_watch(const struct gdbstub *g)
{
	for (int i = 0; i < g->npts; i++)
		if (g->pts[i].type == PT_READ_WATCH || g->pts[i].type == PT_ACCESS_WATCH)
			return true;
	return false;
}

/*
 * Read and access watchpoints need every load the CPU makes, and the
 * machine reports none. So before each instruction the stub decodes it
 * (with Zydis, the decoder the CPU uses) and computes the linear address
 * of each memory operand from the registers, the segment bases and the
 * address size: explicit operands, and the implicit ones Zydis lists
 * (string instructions' [rsi]/[rdi], the stack of PUSH, POP, CALL, RET).
 * The stop is reported after the instruction, as hardware reports data
 * breakpoints. Not seen: what the CPU reads by itself (descriptor
 * tables, page tables, the IDT and TSS during event delivery).
 */
static bool predict_access(struct gdbstub *g, char *why, size_t len)
{
	struct machine *m = g->m;
	struct vt_segment cs;
	machine_seg_get(m, VT_SREG_CS, &cs);
	bool pe = machine_reg_get(m, VT_CR0) & 1, vm86 = machine_reg_get(m, VT_RFLAGS) & (1u << 17);
	bool long64 = (machine_reg_get(m, VT_EFER) & (1u << 10)) && (cs.attr & (1u << 13));
	ZydisMachineMode mode = long64 ? ZYDIS_MACHINE_MODE_LONG_64
				: pe && !vm86 && (cs.attr & (1u << 14)) ? ZYDIS_MACHINE_MODE_LONG_COMPAT_32
				: ZYDIS_MACHINE_MODE_LONG_COMPAT_16;
	ZydisStackWidth sw = long64 ? ZYDIS_STACK_WIDTH_64 : mode == ZYDIS_MACHINE_MODE_LONG_COMPAT_32
				? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16;
	ZydisDecoder dec;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, mode, sw)))
		return false;
	uint64_t rip = machine_reg_get(m, VT_RIP);
	uint64_t fetch = long64 ? rip : (cs.base + rip) & 0xffffffffull;
	uint8_t code[15];
	size_t n = linear_access(g, fetch, code, sizeof code, false);
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (n == 0 || ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, code, n, &insn, ops)))
		return false;
	ZydisRegisterContext ctx = { { 0 } };
	for (int r = 0; r < 16; r++) {
		uint64_t v = machine_reg_get(m, (enum vt_reg)(VT_RAX + r));
		ctx.values[ZydisRegisterEncode(ZYDIS_REGCLASS_GPR64, (ZyanU8)r)] = v;
		ctx.values[ZydisRegisterEncode(ZYDIS_REGCLASS_GPR32, (ZyanU8)r)] = v & 0xffffffffull;
		ctx.values[ZydisRegisterEncode(ZYDIS_REGCLASS_GPR16, (ZyanU8)r)] = v & 0xffff;
	}
	ctx.values[ZYDIS_REGISTER_RIP] = rip;
	ctx.values[ZYDIS_REGISTER_EIP] = rip & 0xffffffffull;
	ctx.values[ZYDIS_REGISTER_IP] = rip & 0xffff;
	for (int k = 0; k < insn.operand_count; k++) {
		const ZydisDecodedOperand *op = &ops[k];
		ZyanU64 ea;
		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM ||
		    ZYAN_FAILED(ZydisCalcAbsoluteAddressEx(&insn, op, rip, &ctx, &ea)))
			continue;
		/* Segment bases: only FS and GS count in 64-bit mode (SDM Vol. 3A, 3.2.4). */
		uint64_t la = ea;
		int seg = op->mem.segment - ZYDIS_REGISTER_ES;
		if (seg >= 0 && seg <= VT_SREG_GS && (!long64 || seg >= VT_SREG_FS)) {
			struct vt_segment s;
			machine_seg_get(m, (enum vt_sreg)seg, &s);
			la = long64 ? la + s.base : (la + s.base) & 0xffffffffull;
		}
		uint64_t size = op->size ? op->size / 8u : 1;
		bool rd = op->actions & ZYDIS_OPERAND_ACTION_MASK_READ;
		bool wr = op->actions & ZYDIS_OPERAND_ACTION_MASK_WRITE;
		for (int i = 0; i < g->npts; i++) {
			const struct point *pt = &g->pts[i];
			bool wants = (pt->type == PT_READ_WATCH && rd) || (pt->type == PT_ACCESS_WATCH && (rd || wr));
			if (wants && la < pt->addr + pt->len && pt->addr < la + size) {
				snprintf(why, len, "%s:%llx;", pt->type == PT_READ_WATCH ? "rwatch" : "awatch",
					 (unsigned long long)pt->addr);
				return true;
			}
		}
	}
	return false;
}

/* ------------------------------------------------------------- running */

static double now_secs(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Has gdb sent an interrupt (0x03)? Other bytes are kept for later. */
static bool interrupted(struct gdbstub *g)
{
	if (g->fd < 0)
		return false;
	struct pollfd p = { .fd = g->fd, .events = POLLIN };
	if (g->rpos == g->rlen) {
		if (poll(&p, 1, 0) <= 0 || get_byte(g) < 0)
			return false;
		g->rpos--; /* peeked */
	}
	if (g->rbuf[g->rpos] == 0x03) {
		g->rpos++;
		return true;
	}
	return false;
}

static bool terminal(enum stop_reason r)
{
	return r != STOP_NONE && r != STOP_REQUEST && r != STOP_MAX_INSNS;
}

static const char *stop_text(enum stop_reason r)
{
	switch (r) {
	case STOP_HLT: return "HLT with interrupts disabled";
	case STOP_HLT_IDLE: return "HLT with interrupts enabled and nothing to wake the CPU";
	case STOP_EXIT_PORT: return "the guest wrote to the exit port 0xF4";
	case STOP_SHUTDOWN: return "triple fault: the processor shut down";
	case STOP_MAX_INSNS: return "the instruction limit was reached";
	case STOP_MAX_CYCLES: return "the cycle limit was reached";
	default: return "stopped";
	}
}

/*
 * Resume for gdb: one instruction (step) or until a breakpoint, a
 * watchpoint, gdb's interrupt or the end of the run; then build the stop
 * reply. The end of the run is reported as a stop first (SIGTRAP, or
 * SIGSEGV for a shutdown), so that gdb can still look at the final
 * state; resuming after that reports the exit (W, or X for a shutdown).
 */
static void resume(struct gdbstub *g, bool step)
{
	struct machine *m = g->m;
	if (g->finished) {
		if (g->why == STOP_SHUTDOWN)
			strcpy(g->reply, "X0b");
		else
			snprintf(g->reply, sizeof g->reply, "W%02x",
				 g->why == STOP_EXIT_PORT ? machine_exit_code(m) & 0xff : 0);
		strcpy(g->last_stop, g->reply);
		return;
	}
	char why[48] = "";
	int sig = 5; /* SIGTRAP */
	double t0 = now_secs();
	for (uint64_t n = 0;; n++) {
		uint64_t icount = machine_icount(m);
		if (icount >= g->limit) {
			g->why = STOP_MAX_INSNS;
			break;
		}
		bool single = step || g->npts > 0;
		bool access = single && has_access_watch(g) && predict_access(g, why, sizeof why);
		uint64_t left = g->limit - icount;
		g->why = machine_run(m, single ? 1 : left < RUN_CHUNK ? left : RUN_CHUNK);
		if (g->why == STOP_MAX_INSNS && machine_icount(m) < g->limit)
			g->why = STOP_NONE; /* the chunk ended, not the run */
		if (access && machine_icount(m) > icount)
			break; /* the instruction that read the watched bytes retired */
		why[0] = 0; /* it faulted instead: no access is reported */
		if (g->why != STOP_NONE)
			break;
		if (g->npts > 0 && check_points(g, why, sizeof why))
			break;
		if (step)
			break;
		if ((!single || n % POLL_EVERY == 0) && interrupted(g)) {
			sig = 2; /* SIGINT */
			break;
		}
		if (g->fd < 0)
			break; /* gdb is gone: the session ends after this */
	}
	g->secs += now_secs() - t0;
	if (g->why == STOP_MAX_INSNS && machine_icount(m) < g->limit)
		g->why = STOP_NONE;
	if (g->why == STOP_REQUEST)
		sig = 2;
	if (terminal(g->why) || g->why == STOP_MAX_INSNS) {
		char msg[160];
		int n = snprintf(msg, sizeof msg, "vtsim: %s at rip 0x%llx (resume to end the session)\n",
				 stop_text(g->why), (unsigned long long)machine_reg_get(m, VT_RIP));
		send_console(g, msg, (size_t)n);
		g->finished = true;
		if (g->why == STOP_SHUTDOWN)
			sig = 11; /* SIGSEGV */
	}
	snprintf(g->reply, sizeof g->reply, "T%02xthread:01;%s", sig, why);
	strcpy(g->last_stop, g->reply);
}

/* ------------------------------------------------------------- monitor */

/* qRcmd,HEX: a debugger command line; its output goes back in O packets. */
static void cmd_monitor(struct gdbstub *g, const char *p)
{
	char line[PACKET_MAX / 2 + 1];
	size_t n = 0;
	for (; p[0] && p[1] && n < sizeof line - 1; p += 2) {
		int h = hexval(p[0]), l = hexval(p[1]);
		if (h < 0 || l < 0)
			break;
		line[n++] = (char)(h << 4 | l);
	}
	line[n] = 0;
	if (!g->dbg && (g->dbg = dbg_new(g->m, g->sc)))
		g->own_dbg = true;
	if (!g->dbg) {
		static const char none[] = "monitor: cannot start the debugger (out of memory or event listeners)\n";
		send_console(g, none, sizeof none - 1);
		strcpy(g->reply, "OK");
		return;
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		strcpy(g->reply, "E05");
		return;
	}
	if (dbg_command(g->dbg, line, f) == 1)
		fputs("monitor: the session ends with gdb's own quit or detach\n", f);
	fclose(f);
	send_console(g, out, len);
	free(out);
	strcpy(g->reply, "OK");
}

/* ------------------------------------------------------------- queries */

/* Text appended to a fixed buffer; n counts what did not fit, too. */
struct text {
	char *buf;              /* the buffer */
	size_t cap;             /* its size */
	size_t n;               /* characters written (or wanted) */
};

static void __attribute__((format(printf, 2, 3))) add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(t->buf + (t->n < t->cap ? t->n : t->cap), t->n < t->cap ? t->cap - t->n : 0, fmt, ap);
	va_end(ap);
	t->n += k > 0 ? (size_t)k : 0;
}

/* The target description, built once from the tables above. */
static size_t target_xml(char *buf, size_t cap)
{
	struct text t = { buf, cap, 0 };
	add(&t, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
		"<target version=\"1.0\">\n<architecture>i386:x86-64</architecture>\n");
	for (int f = 0; f < FEAT_COUNT; f++) {
		add(&t, "<feature name=\"%s\">\n", feature_names[f]);
		for (size_t k = 0; k < sizeof flag_types / sizeof flag_types[0]; k++) {
			if (flag_types[k].feature != f)
				continue;
			add(&t, "<flags id=\"%s\" size=\"%u\">\n", flag_types[k].id, flag_types[k].size);
			for (const struct flag_bit *b = flag_types[k].bits; b->name; b++)
				add(&t, "<field name=\"%s\" start=\"%u\" end=\"%u\"/>\n", b->name, b->bit, b->bit);
			add(&t, "</flags>\n");
		}
		for (int r = 0; r < NREGS; r++)
			if (regs[r].feature == f)
				add(&t, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%d\"%s/>\n", regs[r].name,
				    regs[r].bits, regs[r].type, r,
				    regs[r].id == R_FIXED && f == FEAT_CORE ? " group=\"float\"" : "");
		add(&t, "</feature>\n");
	}
	add(&t, "</target>\n");
	return t.n;
}

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void cmd_xfer_features(struct gdbstub *g, const char *p)
{
	const char *xml = g->xml;
	size_t xml_len = g->xml_len;
	if (strncmp(p, "target.xml:", 11) != 0) {
		strcpy(g->reply, "E00");
		return;
	}
	p += 11;
	uint64_t off, len;
	if (!parse_hex(&p, &off) || *p++ != ',' || !parse_hex(&p, &len)) {
		strcpy(g->reply, "E02");
		return;
	}
	if (off >= xml_len) {
		strcpy(g->reply, "l");
		return;
	}
	/* Binary data: '#', '$', '}' and '*' are escaped as '}' and c ^ 0x20. */
	size_t pos = 1, i = off;
	size_t room = len < PACKET_MAX - 8 ? len : PACKET_MAX - 8;
	for (; i < xml_len && pos < room; i++) {
		char c = xml[i];
		if (c == '#' || c == '$' || c == '}' || c == '*') {
			g->reply[pos++] = '}';
			c ^= 0x20;
		}
		g->reply[pos++] = c;
	}
	g->reply[0] = i < xml_len ? 'm' : 'l';
	g->reply[pos] = 0;
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void cmd_query(struct gdbstub *g, const char *p)
{
	if (starts(p, "qSupported"))
		snprintf(g->reply, sizeof g->reply,
			 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+",
			 PACKET_MAX);
	else if (starts(p, "qXfer:features:read:"))
		cmd_xfer_features(g, p + 20);
	else if (starts(p, "qAttached"))
		strcpy(g->reply, "1"); /* gdb detaches (not kills) when it quits */
	else if (strcmp(p, "qC") == 0)
		strcpy(g->reply, "QC01");
	else if (strcmp(p, "qfThreadInfo") == 0)
		strcpy(g->reply, "m01");
	else if (strcmp(p, "qsThreadInfo") == 0)
		strcpy(g->reply, "l");
	else if (starts(p, "qSymbol"))
		strcpy(g->reply, "OK");
	else if (starts(p, "qRcmd,"))
		cmd_monitor(g, p + 6);
	else
		g->reply[0] = 0;
}

/* vCont;ACTION[:TID][;ACTION...]: one CPU, so the first action decides. */
static void cmd_vcont(struct gdbstub *g, const char *p, bool *resume_it, bool *step)
{
	if (strcmp(p, "vCont?") == 0) {
		strcpy(g->reply, "vCont;c;C;s;S");
		return;
	}
	char a = p[6];
	if (p[5] != ';' || !a || !strchr("cCsS", a)) {
		g->reply[0] = 0;
		return;
	}
	*resume_it = true;
	*step = a == 's' || a == 'S';
}

/* ------------------------------------------------------------- serving */

/* g: every register, in the order of the target description. */
static void cmd_read_regs(struct gdbstub *g)
{
	size_t pos = 0;
	g->reply[0] = 0;
	for (int r = 0; r < NREGS; r++)
		put_reg(g, &pos, &regs[r]);
}

/* G XX...: every register. */
static void cmd_write_regs(struct gdbstub *g, const char *p)
{
	uint64_t v[NREGS];
	for (int r = 0; r < NREGS; r++)
		if (!get_reg(&p, &regs[r], &v[r])) {
			strcpy(g->reply, "E02");
			return;
		}
	for (int r = 0; r < NREGS; r++)
		reg_write(g, &regs[r], v[r]);
	strcpy(g->reply, "OK");
}

/* p N / P N=XX... */
static void cmd_reg(struct gdbstub *g, const char *p, bool write)
{
	uint64_t n, v;
	if (!parse_hex(&p, &n) || n >= (uint64_t)NREGS || (write && *p++ != '=')) {
		strcpy(g->reply, "E00");
		return;
	}
	size_t pos = 0;
	if (!write) {
		put_reg(g, &pos, &regs[n]);
		return;
	}
	if (!get_reg(&p, &regs[n], &v)) {
		strcpy(g->reply, "E02");
		return;
	}
	reg_write(g, &regs[n], v);
	strcpy(g->reply, "OK");
}

/* Handle one packet. Returns how the session ends (END_NONE: it goes on). */
static enum session_end handle(struct gdbstub *g)
{
	const char *p = g->in;
	bool go = false, step = false;
	g->reply[0] = 0;
	switch (p[0]) {
	case '?': strcpy(g->reply, g->last_stop); break;
	case 'g': cmd_read_regs(g); break;
	case 'G': cmd_write_regs(g, p + 1); break;
	case 'p': cmd_reg(g, p + 1, false); break;
	case 'P': cmd_reg(g, p + 1, true); break;
	case 'm': cmd_read_mem(g, p + 1); break;
	case 'M': cmd_write_mem(g, p + 1); break;
	case 'Z': cmd_point(g, p + 1, true); break;
	case 'z': cmd_point(g, p + 1, false); break;
	case 'c': case 'C': go = true; break; /* a resume address or signal is ignored */
	case 's': case 'S': go = step = true; break;
	case 'H': case 'T': strcpy(g->reply, "OK"); break; /* one thread */
	case 'q': cmd_query(g, p); break;
	case 'Q':
		if (strcmp(p, "QStartNoAckMode") == 0) {
			send_packet(g, "OK");
			g->no_ack = true;
			return END_NONE;
		}
		break;
	case 'v':
		if (starts(p, "vCont"))
			cmd_vcont(g, p, &go, &step);
		else if (starts(p, "vKill")) {
			send_packet(g, "OK");
			return END_KILL;
		}
		break;
	case 'D':
		send_packet(g, "OK");
		return END_DETACH;
	case 'k':
		return END_KILL;
	default: break;
	}
	if (go)
		resume(g, step);
	send_packet(g, g->reply);
	return END_NONE;
}

int gdbstub_parse_port(const char *s, int *port)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < 0 || v > 65535 || *s == '-' || *s == '+')
		return -1;
	*port = (int)v;
	return 0;
}

struct gdbstub *gdbstub_listen(int port, char *err, size_t errlen)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot make a socket: %s", strerror(errno));
		return NULL;
	}
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
		int e = errno;
		if (e == EADDRINUSE)
			snprintf(err, errlen, "port %d on 127.0.0.1 is in use (another vtsim or gdbserver?); "
				 "pick another port, or 0 for any free one", port);
		else if (e == EACCES)
			snprintf(err, errlen, "no permission to listen on port %d (ports below 1024 need privileges)",
				 port);
		else
			snprintf(err, errlen, "cannot listen on 127.0.0.1:%d: %s", port, strerror(e));
		close(fd);
		return NULL;
	}
	socklen_t alen = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &alen);
	struct gdbstub *g = calloc(1, sizeof *g);
	if (!g) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	g->listen_fd = fd;
	g->fd = -1;
	g->port = ntohs(a.sin_port);
	g->xml_len = target_xml(g->xml, sizeof g->xml);
	if (g->xml_len >= sizeof g->xml) {
		fprintf(stderr, "vtsim: gdbstub: the target description needs more than %zu bytes\n", sizeof g->xml);
		abort(); /* a bug in the tables above */
	}
	return g;
}

int gdbstub_port(const struct gdbstub *g)
{
	return g->port;
}

void gdbstub_use_dbg(struct gdbstub *g, struct dbg *d)
{
	g->dbg = d;
	g->own_dbg = false;
}

/* Wait for gdb. Returns false if accept fails for good. */
static bool wait_for_gdb(struct gdbstub *g)
{
	fprintf(stderr, "vtsim: waiting for gdb on 127.0.0.1:%d; in gdb: target remote :%d\n", g->port, g->port);
	fflush(stderr);
	for (;;) {
		int fd = accept(g->listen_fd, NULL, NULL);
		if (fd >= 0) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			g->fd = fd;
			return true;
		}
		if (errno != EINTR && errno != ECONNABORTED) {
			fprintf(stderr, "vtsim: --gdb: cannot accept a connection: %s\n", strerror(errno));
			return false;
		}
	}
}

enum stop_reason gdbstub_serve(struct gdbstub *g, struct machine *m, struct scenario *sc, uint64_t max_insns)
{
	uint64_t ic = machine_icount(m);
	g->m = m;
	g->sc = sc;
	g->limit = ic + max_insns < ic ? UINT64_MAX : ic + max_insns;
	g->why = STOP_NONE;
	g->finished = false;
	g->no_ack = false;
	g->rpos = g->rlen = 0;
	g->secs = 0;
	for (int i = 0; i < g->npts; i++)
		free(g->pts[i].old);
	g->npts = 0;
	strcpy(g->last_stop, "T05thread:01;");
	enum session_end end = END_NONE;
	if (wait_for_gdb(g)) {
		while (end == END_NONE && recv_packet(g) >= 0)
			end = handle(g);
	}
	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
	if (end == END_KILL) {
		fprintf(stderr, "vtsim: gdb killed the run at rip 0x%llx\n",
			(unsigned long long)machine_reg_get(m, VT_RIP));
		return STOP_REQUEST;
	}
	return terminal(g->why) || g->why == STOP_MAX_INSNS ? g->why : STOP_NONE;
}

enum stop_reason gdbstub_run(struct gdbstub *g, struct machine *m, struct scenario *sc,
			     uint64_t max_insns, double *secs)
{
	enum stop_reason why = gdbstub_serve(g, m, sc, max_insns);
	if (why == STOP_NONE) {
		/* Detached, or the connection dropped: run on without gdb. */
		double t0 = now_secs();
		uint64_t now = machine_icount(m);
		why = now >= g->limit ? STOP_MAX_INSNS : machine_run(m, g->limit - now);
		g->secs += now_secs() - t0;
	}
	if (secs)
		*secs = g->secs;
	return why;
}

void gdbstub_free(struct gdbstub *g)
{
	if (!g)
		return;
	if (g->fd >= 0)
		close(g->fd);
	close(g->listen_fd);
	for (int i = 0; i < g->npts; i++)
		free(g->pts[i].old);
	if (g->own_dbg)
		dbg_free(g->dbg);
	free(g);
}
