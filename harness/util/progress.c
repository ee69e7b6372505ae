/* util/progress.c — one step's progress on stderr: redrawn in place on a terminal, plain lines
 * elsewhere (util/progress.h). */
#include "util/progress.h"

#include "util/bytes.h"
#include "util/fs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DELAY_S 2.0 /* a step shorter than this needs no progress */
#define TTY_INTERVAL_S 0.1  /* at most ten redraws a second */
#define PLAIN_INTERVAL_S 10 /* plain lines of a step whose total is not known */
#define ETA_AFTER_S 1.0     /* a rate measured over less is too noisy to predict from */

struct drill_progress {
	char label[128];
	enum drill_progress_unit unit;
	_Atomic uint64_t done, total;
	double t0, last_draw;
	int shown;      /* anything was drawn for this step */
	int quarter;    /* plain lines: the last quarter reported (1..3) */
	size_t width;   /* terminal: length of the line drawn, to blank it out */
};

static struct {
	int configured, on;
	struct drill_progress_opts o;
} cfg;
static pthread_mutex_t draw_mu = PTHREAD_MUTEX_INITIALIZER; /* guards drawing and `active` */
static struct drill_progress *active;

void drill_progress_configure(const struct drill_progress_opts *o)
{
	cfg.configured = 1;
	cfg.on = o != NULL && o->out != NULL;
	if (cfg.on) {
		cfg.o = *o;
		if (!cfg.o.now)
			cfg.o.now = drill_now_s;
		cfg.o.color = cfg.o.color && cfg.o.tty; /* plain lines never carry escape codes */
	}
}

void drill_progress_off(void)
{
	drill_progress_configure(NULL);
}

/* stderr, as the environment says: a terminal (not a dumb one), NO_COLOR, the delay. */
static void configure_from_env(void)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM"), *delay =
		getenv("CHAINDRILL_PROGRESS_DELAY");
	struct drill_progress_opts o = {.out = stderr, .delay_s = DEFAULT_DELAY_S};
	o.tty = isatty(fileno(stderr)) && !(term && !strcmp(term, "dumb"));
	o.color = !(nc && nc[0]);
	if (delay && delay[0]) {
		char *end;
		double d = strtod(delay, &end);
		if (!*end && d >= 0)
			o.delay_s = d;
	}
	drill_progress_configure(&o);
}

int drill_progress_on(void)
{
	if (!cfg.configured)
		configure_from_env();
	return cfg.on;
}

struct drill_progress *drill_progress_start(const char *label, uint64_t total,
					    enum drill_progress_unit unit)
{
	if (!drill_progress_on())
		return NULL;
	struct drill_progress *p = drill_xcalloc(1, sizeof(*p));
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->unit = unit;
	atomic_store(&p->total, total);
	p->t0 = cfg.o.now();
	pthread_mutex_lock(&draw_mu);
	active = p;
	pthread_mutex_unlock(&draw_mu);
	return p;
}

struct drill_progress *drill_progress_start_copy(const char *label, const char *const *trees,
						 size_t n)
{
	if (!drill_progress_on())
		return NULL;
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t b = 0;
		if (trees[i] && drill_fs_tree_size(&b, trees[i]) == 0) /* else the copy will say */
			total += b;
	}
	return drill_progress_start(label, total, DRILL_PROGRESS_BYTES);
}

/* "1234 blocks", "12.3 MiB" */
static void amount(char *buf, size_t size, enum drill_progress_unit unit, double v)
{
	if (unit == DRILL_PROGRESS_BLOCKS)
		snprintf(buf, size, "%.0f", v);
	else if (v < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", v / 1024);
	else if (v < 1024.0 * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", v / (1024 * 1024));
	else
		snprintf(buf, size, "%.2f GiB", v / (1024.0 * 1024 * 1024));
}

static void duration(char *buf, size_t size, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, size, "%lu:%02lu", t / 60, t % 60);
}

/* The text of the step's state: "45% 2700/6000 blocks, 1234 blocks/s, ETA 0:03". */
static void describe(char *buf, size_t size, const struct drill_progress *p, double now,
		     int finished)
{
	uint64_t done = atomic_load(&p->done), total = atomic_load(&p->total);
	double secs = now - p->t0, rate = secs > 0 ? (double)done / secs : 0;
	const char *unit = p->unit == DRILL_PROGRESS_BLOCKS ? " blocks" : "";
	char d[32], t[32], r[32], eta[32];
	amount(d, sizeof(d), p->unit, (double)done);
	amount(t, sizeof(t), p->unit, (double)total);
	amount(r, sizeof(r), p->unit, rate);
	if (finished) {
		duration(eta, sizeof(eta), secs);
		snprintf(buf, size, "done, %s%s in %s, %s%s/s", d, unit, eta, r, unit);
	} else if (total) {
		int pct = (int)(done >= total ? 100 : done * 100 / total);
		size_t o = (size_t)snprintf(buf, size, "%3d%% %s/%s%s, %s%s/s", pct, d, t, unit, r,
					    unit);
		if (rate > 0 && done < total && secs >= ETA_AFTER_S && o < size) {
			duration(eta, sizeof(eta), (double)(total - done) / rate);
			snprintf(buf + o, size - o, ", ETA %s", eta);
		}
	} else {
		snprintf(buf, size, "%s%s, %s%s/s", d, unit, r, unit);
	}
}

/* Terminal: redraw the line in place, padded over what was there. Caller holds draw_mu. */
static void draw_tty(struct drill_progress *p, double now, int finished)
{
	char text[256];
	describe(text, sizeof(text), p, now, finished);
	size_t width = strlen(p->label) + 2 + strlen(text);
	fprintf(cfg.o.out, "\r%s%s%s: %s", cfg.o.color ? "\x1b[1m" : "", p->label,
		cfg.o.color ? "\x1b[0m" : "", text);
	for (size_t i = width; i < p->width; i++)
		fputc(' ', cfg.o.out);
	if (finished)
		fputc('\n', cfg.o.out);
	fflush(cfg.o.out);
	p->width = finished ? 0 : width;
	p->last_draw = now;
	p->shown = 1;
}

/* Elsewhere: one plain line. Caller holds draw_mu. */
static void draw_plain(struct drill_progress *p, double now, int finished)
{
	char text[256];
	describe(text, sizeof(text), p, now, finished);
	fprintf(cfg.o.out, "chaindrill: %s: %s\n", p->label, text);
	fflush(cfg.o.out);
	p->last_draw = now;
	p->shown = 1;
}

/* Draw if it is time: past the delay, and a tenth of a second since the last redraw (terminal) or
 * a new quarter reached (plain lines; every ten seconds without a total). */
static void maybe_draw(struct drill_progress *p)
{
	if (pthread_mutex_trylock(&draw_mu) != 0)
		return; /* another thread is drawing: its line is as good */
	double now = cfg.o.now();
	if (now - p->t0 >= cfg.o.delay_s) {
		uint64_t done = atomic_load(&p->done), total = atomic_load(&p->total);
		if (cfg.o.tty) {
			if (!p->shown || now - p->last_draw >= TTY_INTERVAL_S)
				draw_tty(p, now, 0);
		} else if (total) {
			int q = (int)(done >= total ? 4 : done * 4 / total);
			if (q > p->quarter && q < 4) {
				draw_plain(p, now, 0);
				p->quarter = q;
			}
		} else if (!p->shown || now - p->last_draw >= PLAIN_INTERVAL_S) {
			draw_plain(p, now, 0);
		}
	}
	pthread_mutex_unlock(&draw_mu);
}

void drill_progress_add(struct drill_progress *p, uint64_t done)
{
	if (!p)
		return;
	atomic_fetch_add(&p->done, done);
	maybe_draw(p);
}

void drill_progress_add_total(struct drill_progress *p, uint64_t more)
{
	if (p)
		atomic_fetch_add(&p->total, more);
}

void drill_progress_finish(struct drill_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&draw_mu);
	double now = cfg.o.now();
	if (p->shown || now - p->t0 >= cfg.o.delay_s) {
		if (cfg.o.tty)
			draw_tty(p, now, 1);
		else
			draw_plain(p, now, 1);
	}
	if (active == p)
		active = NULL;
	pthread_mutex_unlock(&draw_mu);
	free(p);
}

void drill_progress_clear(void)
{
	if (!cfg.on || !cfg.o.tty)
		return;
	pthread_mutex_lock(&draw_mu);
	if (active && active->width) {
		fprintf(cfg.o.out, "\r%*s\r", (int)active->width, "");
		fflush(cfg.o.out);
		active->width = 0;
		active->last_draw = 0; /* redrawn at the next add */
		active->shown = 0;
	}
	pthread_mutex_unlock(&draw_mu);
}
