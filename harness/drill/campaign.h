/* drill/campaign.h — random drills whose outcome is known in advance.
 *
 * `chaindrill run --campaign N --seed S` runs N drills. Drill k is drawn from (S, k) alone: a
 * cluster size, write volumes, and one fault of a random kind at a random target and moment (or
 * none), together with the outcome that fault must cause — a verdict, or the step that must fail
 * and the error it must give. The scenario is ordinary YAML, loaded by the ordinary loader, so a
 * drill that differs is reproduced exactly by `chaindrill run --campaign N --seed S --drill k`,
 * or by the scenario file kept beside the report. */
#ifndef DRILL_DRILL_CAMPAIGN_H
#define DRILL_DRILL_CAMPAIGN_H

#include <stddef.h>
#include <stdint.h>

struct drill_campaign_drill {
	char *name;     /* campaign-<S>-<k> */
	char *fault;    /* the template's name: "none", "lock-left", "truncate-backup", ... */
	char *why;      /* one line: why the expected outcome follows */
	char *yaml;     /* the whole scenario */
};

/* Which templates a campaign draws from (`run --campaign N --only clean|faults`). */
enum drill_campaign_only {
	DRILL_CAMPAIGN_ALL = 0, /* every template, "none" included */
	DRILL_CAMPAIGN_CLEAN,   /* "none" only: every drill must come out consistent */
	DRILL_CAMPAIGN_FAULTS,  /* every template but "none" */
};

/* "all", "clean" or "faults" -> the selection; -1 for anything else. */
int drill_campaign_only_parse(const char *s);
const char *drill_campaign_only_name(enum drill_campaign_only only);

/* Drill k of campaign S drawn from the templates `only` selects (caller frees with
 * drill_campaign_drill_free). Everything but the template is drawn the same way whatever `only`
 * is, so a clean campaign and a fault campaign of the same seed differ only in their faults. */
void drill_campaign_make(struct drill_campaign_drill *out, uint64_t campaign_seed, size_t k,
			 enum drill_campaign_only only);
void drill_campaign_drill_free(struct drill_campaign_drill *d);

/* The templates, for `chaindrill faults --campaign` style listings and tests. */
size_t drill_campaign_template_count(void);
const char *drill_campaign_template_name(size_t i);

#endif
