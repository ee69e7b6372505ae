/* tests/test_util_progress.c — util/progress: what a terminal and a log file are shown, driven by
 * an injected clock into a memory stream: redraws in place with "\r" (at most ten a second, a bold
 * label unless colour is off), plain lines at each quarter elsewhere, nothing for a short step,
 * rate and ETA, a line erased before a log message, and progress off. */
#include "helpers.h"

#include "util/bytes.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double fake_now;
static double clock_fn(void)
{
	return fake_now;
}

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void capture_on(struct capture *c, int tty, int color, double delay)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	struct drill_progress_opts o = {.out = c->f, .tty = tty, .color = color, .delay_s = delay,
					.now = clock_fn};
	drill_progress_configure(&o);
	fake_now = 100;
}

static char *capture_off(struct capture *c)
{
	drill_progress_off();
	fclose(c->f);
	return c->buf;
}

static size_t count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

static void plain_lines_at_quarters(void **state)
{
	(void)state;
	struct capture c;
	capture_on(&c, 0, 1, 2.0);
	struct drill_progress *p = drill_progress_start("write 1000 blocks", 1000, DRILL_PROGRESS_BLOCKS);
	assert_non_null(p);
	drill_progress_add(p, 300); /* before the delay: nothing */
	fake_now += 2.5;
	drill_progress_add(p, 100); /* 40%: the first quarter passed */
	fake_now += 0.5;
	drill_progress_add(p, 50); /* 45%: same quarter */
	fake_now += 2;
	drill_progress_add(p, 350); /* 80%: the third quarter */
	fake_now += 1;
	drill_progress_add(p, 200);
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_null(strchr(out, '\r'));
	assert_null(strchr(out, '\x1b')); /* colour never goes to a file */
	assert_int_equal(count(out, "\n"), 3);
	assert_non_null(strstr(out, "chaindrill: write 1000 blocks:  40% 400/1000 blocks, 160 blocks/s, "
				    "ETA 0:04\n"));
	assert_non_null(strstr(out, "chaindrill: write 1000 blocks:  80% 800/1000 blocks, 160 blocks/s, "
				    "ETA 0:01\n"));
	assert_non_null(strstr(out, "chaindrill: write 1000 blocks: done, 1000 blocks in 0:06, 167 "
				    "blocks/s\n"));
	free(out);
}

static void short_step_shows_nothing(void **state)
{
	(void)state;
	struct capture c;
	for (int tty = 0; tty < 2; tty++) {
		capture_on(&c, tty, 1, 2.0);
		struct drill_progress *p = drill_progress_start("verify", 10, DRILL_PROGRESS_BLOCKS);
		fake_now += 1;
		drill_progress_add(p, 10);
		fake_now += 0.5;
		drill_progress_finish(p);
		char *out = capture_off(&c);
		assert_int_equal(c.len, 0);
		free(out);
	}
}

static void terminal_redraws_in_place(void **state)
{
	(void)state;
	struct capture c;
	capture_on(&c, 1, 1, 0);
	struct drill_progress *p = drill_progress_start("backup nightly", 4 << 20, DRILL_PROGRESS_BYTES);
	fake_now += 1;
	drill_progress_add(p, 1 << 20); /* drawn */
	fake_now += 0.05;
	drill_progress_add(p, 1 << 20); /* within a tenth of a second: not drawn */
	fake_now += 0.06;
	drill_progress_add(p, 1 << 20); /* drawn */
	fake_now += 1;
	drill_progress_add(p, 1 << 20);
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_int_equal(count(out, "\r"), 4); /* three redraws and the last line */
	assert_int_equal(count(out, "\n"), 1);
	assert_non_null(strstr(out, "\r\x1b[1mbackup nightly\x1b[0m:  25% 1.0 MiB/4.0 MiB, 1.0 MiB/s, "
				    "ETA 0:03"));
	assert_non_null(strstr(out, "\x1b[1mbackup nightly\x1b[0m:  75% 3.0 MiB/4.0 MiB"));
	assert_null(strstr(out, " 50% "));
	assert_non_null(strstr(out, "done, 4.0 MiB in 0:02, 1.9 MiB/s\n"));
	free(out);
}

static void terminal_without_colour(void **state)
{
	(void)state;
	struct capture c;
	capture_on(&c, 1, 0, 0);
	struct drill_progress *p = drill_progress_start("write 50 blocks", 50, DRILL_PROGRESS_BLOCKS);
	fake_now += 1;
	drill_progress_add(p, 25);
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "\rwrite 50 blocks:  50% 25/50 blocks, 25 blocks/s, ETA 0:01"));
	free(out);
}

/* A log line erases the line drawn in place; the next add draws it again, padded over. */
static void cleared_before_a_message(void **state)
{
	(void)state;
	struct capture c;
	capture_on(&c, 1, 0, 0);
	struct drill_progress *p = drill_progress_start("verify", 0, DRILL_PROGRESS_BLOCKS);
	fake_now += 1;
	drill_progress_add(p, 4096);
	size_t before = c.len;
	drill_progress_clear();
	fflush(c.f);
	assert_true(c.len > before);
	assert_int_equal(c.buf[c.len - 1], '\r');
	fake_now += 0.01; /* a redraw after a clear does not wait for the interval */
	drill_progress_add(p, 4096);
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_non_null(strstr(out, "\rverify: 4096 blocks, 4096 blocks/s"));
	assert_non_null(strstr(out, "\rverify: 8192 blocks, 8111 blocks/s"));
	free(out);
}

/* No total: a plain line every ten seconds; the total may grow as it becomes known. */
static void unknown_total(void **state)
{
	(void)state;
	struct capture c;
	capture_on(&c, 0, 0, 2.0);
	struct drill_progress *p = drill_progress_start("verify", 0, DRILL_PROGRESS_BLOCKS);
	for (int i = 0; i < 25; i++) {
		fake_now += 1;
		drill_progress_add(p, 100);
	}
	drill_progress_add_total(p, 5000);
	fake_now += 1;
	drill_progress_add(p, 100); /* 52%: with a total, quarters */
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_int_equal(count(out, "\n"), 5); /* at 2 s, 12 s, 22 s, 52%, done */
	assert_non_null(strstr(out, "chaindrill: verify: 200 blocks, 100 blocks/s\n"));
	assert_non_null(strstr(out, "chaindrill: verify:  52% 2600/5000 blocks, 100 blocks/s, ETA 0:24\n"));
	free(out);
}

/* A copy's total is the size of the trees it copies, summed before it starts. */
static void copy_total_from_trees(void **state)
{
	(void)state;
	char *dir = drill_test_scratch("progress-copy");
	char *a = drill_xasprintf("%s/a", dir), *b = drill_xasprintf("%s/b", dir);
	char *fa = drill_xasprintf("%s/f", a), *fb = drill_xasprintf("%s/sub/g", b);
	char *sub = drill_xasprintf("%s/sub", b);
	assert_drill_ok(drill_fs_mkdir_p(a, 0755));
	assert_drill_ok(drill_fs_mkdir_p(sub, 0755));
	char *mib = drill_xcalloc(1, 1 << 20);
	assert_drill_ok(drill_fs_write_atomic(fa, mib, 1 << 20));
	assert_drill_ok(drill_fs_write_atomic(fb, mib, 1 << 20));
	struct capture c;
	capture_on(&c, 0, 0, 0);
	const char *trees[] = {a, b, NULL};
	struct drill_progress *p = drill_progress_start_copy("backup x", trees, 3);
	fake_now += 2;
	drill_progress_add(p, 1 << 20);
	drill_progress_finish(p);
	char *out = capture_off(&c);
	assert_non_null(strstr(out, "chaindrill: backup x:  50% 1.0 MiB/2.0 MiB, 512.0 KiB/s, ETA 0:02\n"));
	drill_progress_off();
	assert_null(drill_progress_start_copy("backup x", trees, 2)); /* off: not even walked */
	free(out);
	free(mib);
	free(fa);
	free(fb);
	free(sub);
	free(a);
	free(b);
	free(dir);
}

static void off_is_silent(void **state)
{
	(void)state;
	drill_progress_off();
	assert_false(drill_progress_on());
	struct drill_progress *p = drill_progress_start("write", 10, DRILL_PROGRESS_BLOCKS);
	assert_null(p);
	drill_progress_add(p, 5); /* NULL is fine everywhere */
	drill_progress_add_total(p, 5);
	drill_progress_clear();
	drill_progress_finish(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_lines_at_quarters),
		cmocka_unit_test(short_step_shows_nothing),
		cmocka_unit_test(terminal_redraws_in_place),
		cmocka_unit_test(terminal_without_colour),
		cmocka_unit_test(cleared_before_a_message),
		cmocka_unit_test(unknown_total),
		cmocka_unit_test(copy_total_from_trees),
		cmocka_unit_test(off_is_silent),
	};
	return drill_test_run(tests, NULL, NULL);
}
