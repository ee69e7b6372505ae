/* util/num.c — strict decimal integers for options (util/num.h). */
#include "util/num.h"

#include "util/err.h"

#include <inttypes.h>

int drill_num_parse(uint64_t *out, const char *text, uint64_t min, uint64_t max,
		    const char *unit)
{
	const char *what = unit ? unit : "an integer";
	uint64_t v = 0;
	int ok = text && text[0] && !(text[0] == '0' && text[1]);
	for (const char *p = text; ok && *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - d) / 10)
			ok = 0;
		else
			v = v * 10 + d;
	}
	if (!ok || v < min || v > max)
		return drill_err(DRILL_EINPUT, "expected %s in %" PRIu64 "..%" PRIu64 ", got '%s'",
				 what, min, max, text ? text : "");
	*out = v;
	return 0;
}
