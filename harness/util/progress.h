/* util/progress.h — progress of a long step (writes, backup and restore copies, verify) on stderr.
 *
 * On a terminal one line is redrawn in place ("\r"), at most ten times a second: the step's label,
 * percent, done/total, rate and ETA; the label is bold unless NO_COLOR is set and non-empty
 * (https://no-color.org). Elsewhere (a log file, CI) plain lines without "\r" or escape codes, one
 * at each quarter (25, 50, 75, 100%); with no total known, one every ten seconds. A step shorter
 * than the delay (2 s, or $CHAINDRILL_PROGRESS_DELAY seconds) shows nothing at all, so short drills
 * and test output stay as they were. `-q`, and runs of several drills at once (--jobs), turn it
 * off.
 *
 * Cheap to call from a hot loop: drill_progress_add is an atomic add and, at most every
 * 1/10 s, a draw; every function accepts NULL (progress off) and does nothing. Only one step
 * shows at a time; several threads may add to it. */
#ifndef DRILL_UTIL_PROGRESS_H
#define DRILL_UTIL_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum drill_progress_unit { DRILL_PROGRESS_BLOCKS, DRILL_PROGRESS_BYTES };

struct drill_progress_opts {
	FILE *out;           /* where it is drawn (stderr) */
	int tty;             /* redraw one line in place; else plain lines */
	int color;           /* a bold label (only on a tty) */
	double delay_s;      /* nothing is shown before the step has run this long */
	double (*now)(void); /* monotonic seconds; NULL: drill_now_s */
};

/* Set how progress shows; NULL turns it off. Without a call, the first step configures it from
 * the environment: stderr, isatty(stderr), NO_COLOR, $CHAINDRILL_PROGRESS_DELAY. */
void drill_progress_configure(const struct drill_progress_opts *o);
void drill_progress_off(void);
int drill_progress_on(void); /* would a step show (so that a caller may compute a total)? */

/* A step begins: `total` units are expected (0: not known yet). NULL when progress is off. */
struct drill_progress *drill_progress_start(const char *label, uint64_t total,
					    enum drill_progress_unit unit);
/* A step that copies these trees, in bytes: their sizes are summed first (a stat per file), and
 * only when progress shows. */
struct drill_progress *drill_progress_start_copy(const char *label, const char *const *trees,
						 size_t n);
void drill_progress_add(struct drill_progress *p, uint64_t done);      /* thread-safe */
void drill_progress_add_total(struct drill_progress *p, uint64_t more); /* thread-safe */
/* The step ended: its last line (if anything was shown), and p is freed. */
void drill_progress_finish(struct drill_progress *p);

/* Erase the line drawn in place, before another message goes to the terminal (util/log.c). */
void drill_progress_clear(void);

#endif
