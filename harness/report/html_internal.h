/* report/html_internal.h — what html.c (a run's report.html) and html_index.c (index.html over
 * many runs) share: the page frame, escaped output, and a scenario's outcome word. */
#ifndef DRILL_REPORT_HTML_INTERNAL_H
#define DRILL_REPORT_HTML_INTERNAL_H

#include "util/bytes.h"

#include <jansson.h>

void drill_html_put(struct drill_buf *b, const char *s);
void drill_html_putf(struct drill_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void drill_html_text(struct drill_buf *b, const char *s); /* HTML-escaped; NULL writes nothing */

/* <!DOCTYPE html> up to <body>: the strict Content-Security-Policy (no script, no request of any
 * kind: the page only reads what it carries) and the stylesheet. */
void drill_html_begin(struct drill_buf *b, const char *title);
void drill_html_end(struct drill_buf *b); /* NUL-terminates: b->data is the page */

const char *drill_html_jstr(json_t *o, const char *key, const char *dflt);

/* "matched", "differed" or "error": the scenario's outcome against its expectation. */
const char *drill_html_outcome(json_t *sc);

/* The CSS class of a run's outcome word: "matched" (also vendor-check's "passed"), "differed"
 * (also "failed") or "error". */
const char *drill_html_outcome_class(const char *word);

/* The outcome word in a colored box: never color alone, the word is there in print too. */
void drill_html_badge(struct drill_buf *b, const char *cls, const char *word);

#endif
