/* asm.c - assembling a scenario's asm: and asm_file: entries with NASM, and reading back their labels. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "files.h"
#include "internal.h"

extern char **environ;

/*
 * Each entry is assembled on its own with `nasm -f bin`, run directly with
 * posix_spawnp (no shell), in a private temporary directory. The source
 * NASM sees is a short wrapper:
 *
 *     [map symbols TMP/outN.map]    labels and their addresses, read back below
 *     [bits 64]                     from bits:, or the starting mode
 *     [org 0x100000]                the entry's va (default: its at)
 *     ...the text...                (asm_file: %include "the file" instead)
 *
 * NASM's messages about line HEADER_LINES + k of the wrapper are re-issued
 * against line k of the text in the scenario, with the column of its
 * indentation; messages about an asm_file (or a file it includes) name
 * that file.
 */

/* Lines of the wrapper before the entry's text. */
#define HEADER_LINES 3

struct asm_run {
	char dir[256];      /* the temporary directory */
	const char *nasm;   /* the assembler to run */
};

static int run_nasm(struct asm_run *r, const char *incdir, const char *pre, const char *src, const char *out,
		    const char *log, char *err, size_t errlen)
{
	char idir[4200], pinc[500];
	snprintf(idir, sizeof idir, "-I%s/", incdir);
	snprintf(pinc, sizeof pinc, "-P%s", pre);
	char *argv[] = { (char *)r->nasm, "-f", "bin", idir, pinc, "-o", (char *)out, (char *)src, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	int rc = posix_spawnp(&pid, r->nasm, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(err, errlen, "cannot run '%s': %s (expected NASM on the PATH: install the Debian package nasm, or set NASM)",
			 r->nasm, strerror(rc));
		return -1;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "waiting for nasm: %s", strerror(errno));
			return -1;
		}
	}
	if (WIFSIGNALED(status)) {
		snprintf(err, errlen, "nasm was killed by signal %d", WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Re-issue NASM's "FILE:LINE: error: MESSAGE" lines as scenario errors. */
static int report_log(struct scenario *sc, struct diag *d, const struct sc_load *l, const char *log, const char *wrapper,
		      bool *undefined_only)
{
	*undefined_only = true;
	char *text = NULL;
	size_t len;
	char err[256];
	if (sc_read_file(log, (uint8_t **)&text, &len, 1 << 20, err, sizeof err) != 0) {
		diag_error(d, l->mark.line, l->mark.col, "nasm failed and its messages cannot be read: %s", err);
		return 1;
	}
	int reported = 0;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		/* FILE:LINE: SEVERITY: MESSAGE */
		char *sev = strstr(line, ": error: ");
		const char *what = "error";
		if (!sev) {
			sev = strstr(line, ": fatal: ");
			what = "fatal";
		}
		if (sev) {
			char *msg = sev + strlen(": error: ");
			char better[400];
			/* A label this entry defines that an earlier entry defined
			 * too: NASM sees it as redefining the imported EQU. */
			const char *q = strchr(msg, '`'), *q2 = q ? strchr(q, '\'') : NULL;
			if (q && q2 && (strstr(msg, "inconsistently redefined") || strstr(msg, "redefined"))) {
				char name[100];
				size_t nl2 = (size_t)(q2 - q - 1);
				if (nl2 < sizeof name) {
					memcpy(name, q + 1, nl2);
					name[nl2] = 0;
					const struct sc_label *lab = sc_label_find(sc, name);
					if (lab && lab->load != (int)(l - sc->load)) {
						snprintf(better, sizeof better,
							 "label '%s' is also defined by the memory entry at line %d (expected labels unique across memory entries)",
							 name, sc->load[lab->load].mark.line);
						msg = better;
					}
				}
			}
			*undefined_only &= strncmp(msg, "symbol `", 8) == 0 && strstr(msg, "' not defined") != NULL;
			*sev = 0;
			char *colon = strrchr(line, ':');
			long n = colon ? strtol(colon + 1, NULL, 10) : 0;
			if (colon)
				*colon = 0;
			const char *file = line;
			if (!colon || strcmp(file, "nasm") == 0) {
				/* "nasm: fatal: ..." has no position */
				diag_error(d, l->src_mark.line, l->src_mark.col, "nasm: %s: %s", what, msg);
			} else if (strcmp(file, wrapper) == 0 && (n <= HEADER_LINES || l->kind != LK_ASM)) {
				/* the wrapper's own lines: bits, org, %include */
				diag_error(d, l->mark.line, l->mark.col, "nasm: %s: %s (in the entry's bits or va)", what, msg);
			} else if (strcmp(file, wrapper) == 0) {
				/* A literal block maps line for line; other string
				 * styles are reported where the text starts. */
				long k = n - HEADER_LINES;
				if (l->src_block)
					diag_error(d, l->src_line + (int)k - 1, l->src_col, "nasm: %s: %s", what, msg);
				else
					diag_error(d, l->src_mark.line, l->src_mark.col, "nasm: %s: %s (line %ld of the asm text)", what, msg, k);
			} else {
				diag_error_in(d, file, (int)n, 1, "nasm: %s: %s", what, msg);
			}
			reported++;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!reported) {
		diag_error(d, l->mark.line, l->mark.col, "nasm failed without an error message: %.200s", text);
		*undefined_only = false;
	}
	free(text);
	return 1;
}

/*
 * The map file's symbol sections:
 *
 *   ---- No Section -----
 *   Value     Name                    EQU constants
 *   00000005  foo
 *   ---- Section .text ----
 *   Real              Virtual           Name
 *             100000            100000  start
 *
 * Real is the address in the output image (org + offset), Virtual the
 * address the code was assembled for (they differ only with vstart=).
 */
static int read_map(struct scenario *sc, struct diag *d, int li, const char *path)
{
	struct sc_load *l = &sc->load[li];
	char *text = NULL;
	size_t len;
	char err[256];
	if (sc_read_file(path, (uint8_t **)&text, &len, 64 << 20, err, sizeof err) != 0) {
		diag_error(d, l->mark.line, l->mark.col, "cannot read NASM's map file: %s", err);
		return 1;
	}
	int errors = 0;
	bool in_symbols = false;
	for (char *line = text; line && *line && !errors;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (strncmp(line, "-- Symbols", 10) == 0)
			in_symbols = true;
		char a[64], b[64], name[512];
		unsigned long long real, virt;
		int k = in_symbols ? sscanf(line, " %63s %63s %511s", a, b, name) : 0;
		bool section_sym = k == 3 && sscanf(a, "%llx", &real) == 1 && sscanf(b, "%llx", &virt) == 1 &&
				   strcmp(a, "Real") != 0;
		bool constant = k == 2 && sscanf(a, "%llx", &real) == 1 && strcmp(a, "Value") != 0;
		if (constant) {
			strcpy(name, b);
			virt = real;
		}
		if (section_sym || constant) {
			const struct sc_label *old = sc_label_find(sc, name);
			if (old && constant && old->load != li && old->va == virt)
				goto next; /* imported from another entry (entryN.equ) */
			if (old) {
				const struct sc_load *ol = &sc->load[old->load];
				if (old->load == li)
					diag_error(d, l->mark.line, l->mark.col, "label '%s' is defined twice in this entry", name);
				else
					diag_error(d, l->mark.line, l->mark.col,
						   "label '%s' is defined here and by the memory entry at line %d (expected labels unique across memory entries)",
						   name, ol->mark.line);
				errors++;
			} else {
				struct sc_label *lab = sc_push(sc, (void **)&sc->lab, &sc->nlab, &sc->caplab, sizeof *lab);
				if (!lab) {
					errors++;
				} else {
					lab->name = sc_strdup(sc, name);
					lab->va = virt;
					lab->pa = section_sym ? l->pa + (real - l->lin) : real;
					lab->load = li;
				}
			}
		}
	next:
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	return errors;
}

static int write_text(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Labels of the entries assembled so far, as EQUs NASM reads first (-P). */
static int write_imports(struct scenario *sc, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	for (int k = 0; k < sc->nlab; k++) {
		const struct sc_label *lab = &sc->lab[k];
		enum sc_load_kind kind = sc->load[lab->load].kind;
		if (kind == LK_ASM || kind == LK_ASM_FILE)
			fprintf(f, "%s equ 0x%llx\n", lab->name, (unsigned long long)lab->va);
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Assemble entry i; *retry says it failed only on symbols that another
 * entry, not yet assembled, may define. */
static int assemble_one(struct scenario *sc, struct diag *d, struct asm_run *r, int i, bool *retry)
{
	struct sc_load *l = &sc->load[i];
	char src[400], out[400], map[400], log[400], pre[400], err[512];
	*retry = false;
	snprintf(pre, sizeof pre, "%s/entry%d.equ", r->dir, i);
	if (write_imports(sc, pre, err, sizeof err) != 0) {
		diag_error(d, l->mark.line, l->mark.col, "%s", err);
		return 1;
	}
	snprintf(src, sizeof src, "%s/entry%d.asm", r->dir, i);
	snprintf(out, sizeof out, "%s/entry%d.bin", r->dir, i);
	snprintf(map, sizeof map, "%s/entry%d.map", r->dir, i);
	snprintf(log, sizeof log, "%s/entry%d.log", r->dir, i);
	int bits = l->bits ? l->bits : sc->mode == SCM_REAL ? 16 : sc->mode == SCM_PROT32 ? 32 : 64;

	size_t cap = strlen(l->src) + strlen(sc->file) + 4096 + 600;
	char *text = malloc(cap);
	if (!text)
		return 1;
	int n = snprintf(text, cap, "[map symbols %s]\n[bits %d]\n[org 0x%llx]\n", map, bits, (unsigned long long)l->lin);
	if (l->kind == LK_ASM) {
		/* Line HEADER_LINES + k of the wrapper is line k of the text. */
		snprintf(text + n, cap - (size_t)n, "%s\n", l->src);
	} else {
		if (access(l->path, R_OK) != 0) {
			diag_error(d, l->src_mark.line, l->src_mark.col, "asm_file: cannot read '%s': %s (expected a NASM source file)",
				   l->path, strerror(errno));
			free(text);
			return 1;
		}
		if (strchr(l->path, '"')) {
			diag_error(d, l->src_mark.line, l->src_mark.col, "asm_file: file names with '\"' are not supported");
			free(text);
			return 1;
		}
		snprintf(text + n, cap - (size_t)n, "%%include \"%s\"\n", l->path);
	}
	int rc = write_text(src, text, err, sizeof err);
	free(text);
	if (rc != 0) {
		diag_error(d, l->mark.line, l->mark.col, "%s", err);
		return 1;
	}
	rc = run_nasm(r, sc->dir, pre, src, out, log, err, sizeof err);
	if (rc < 0) {
		diag_error(d, l->src_mark.line, l->src_mark.col, "%s", err);
		return 1;
	}
	if (rc > 0)
		return report_log(sc, d, l, log, src, retry);
	struct stat st;
	if (stat(out, &st) != 0 || (uint64_t)st.st_size > sc->memory) {
		diag_error(d, l->mark.line, l->mark.col, "the assembled code is larger than RAM (%llu bytes; expected at most machine.memory)",
			   (unsigned long long)(stat(out, &st) == 0 ? (uint64_t)st.st_size : 0));
		return 1;
	}
	uint8_t *data;
	size_t len;
	if (sc_read_file(out, &data, &len, sc->memory, err, sizeof err) != 0) {
		diag_error(d, l->mark.line, l->mark.col, "cannot read NASM's output: %s", err);
		return 1;
	}
	l->data = sc_alloc(sc, len);
	if (!l->data) {
		free(data);
		return 1;
	}
	memcpy(l->data, data, len);
	l->len = len;
	free(data);
	return read_map(sc, d, i, map);
}

static void remove_dir(const char *dir, int nload)
{
	/* Only the files this module created: entryN.{asm,bin,map,log,equ}. */
	static const char *const ext[] = { "asm", "bin", "map", "log", "equ" };
	for (int i = 0; i < nload; i++)
		for (int k = 0; k < 5; k++) {
			char p[400];
			snprintf(p, sizeof p, "%s/entry%d.%s", dir, i, ext[k]);
			unlink(p);
		}
	rmdir(dir);
}

int sc_assemble(struct scenario *sc, struct diag *d)
{
	bool any = false;
	for (int i = 0; i < sc->nload; i++)
		any |= sc->load[i].kind == LK_ASM || sc->load[i].kind == LK_ASM_FILE;
	if (!any)
		return 0;
	struct asm_run r;
	const char *nasm = getenv("NASM");
	r.nasm = nasm && *nasm ? nasm : "nasm";
	const char *tmp = getenv("TMPDIR");
	snprintf(r.dir, sizeof r.dir, "%s/vtsim-asm.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r.dir)) {
		diag_error(d, 0, 0, "cannot create a temporary directory for NASM in %s: %s", tmp && *tmp ? tmp : "/tmp",
			   strerror(errno));
		return 1;
	}
	/*
	 * Entries may use each other's labels. Each round assembles the
	 * entries still pending with the labels known so far; an entry that
	 * fails only on undefined symbols waits for the next round, as long
	 * as some other entry succeeded in this one.
	 */
	int errors = 0;
	bool *pending = calloc((size_t)sc->nload, sizeof *pending);
	struct diag *last = calloc((size_t)sc->nload, sizeof *last);
	if (!pending || !last) {
		free(pending);
		free(last);
		remove_dir(r.dir, sc->nload);
		return 1;
	}
	for (int i = 0; i < sc->nload; i++) {
		pending[i] = sc->load[i].kind == LK_ASM || sc->load[i].kind == LK_ASM_FILE;
		diag_init(&last[i], d->file);
	}
	for (bool progress = true; progress;) {
		progress = false;
		for (int i = 0; i < sc->nload; i++) {
			if (!pending[i])
				continue;
			bool retry;
			diag_free(&last[i]);
			if (assemble_one(sc, &last[i], &r, i, &retry) == 0) {
				pending[i] = false;
				progress = true;
			} else if (!retry) {
				pending[i] = false;
				diag_move(d, &last[i]);
				errors++;
			}
		}
	}
	for (int i = 0; i < sc->nload; i++) {
		if (pending[i]) {
			diag_move(d, &last[i]);
			errors++;
		}
		diag_free(&last[i]);
	}
	free(pending);
	free(last);
	remove_dir(r.dir, sc->nload);
	return errors;
}
