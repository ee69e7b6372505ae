/* util/yscalar.c — numbers and booleans among plain YAML scalars (yscalar.h). */
#include "util/yscalar.h"

#include <string.h>

static int is_bool(const char *v)
{
	static const char *const bools[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "true",
					    "True",  "TRUE",  "on",   "On",   "ON",   "n",
					    "N",     "no",    "No",   "NO",   "false", "False",
					    "FALSE", "off",   "Off",  "OFF"};
	for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
		if (!strcmp(v, bools[i]))
			return 1;
	return 0;
}

/* 0x1f, 0o17, 0b101 (p after any sign). */
static int is_prefixed_int(const char *p)
{
	static const struct {
		char letter;
		const char *digits;
	} bases[] = {{'x', "0123456789abcdefABCDEF_"}, {'o', "01234567_"}, {'b', "01_"}};
	if (p[0] != '0' || !p[1] || !p[2])
		return 0;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (p[1] == bases[i].letter)
			return strspn(p + 2, bases[i].digits) == strlen(p + 2);
	return 0;
}

/* Decimal integers and floats: digits (and `_`), at most one point, an optional exponent; at
 * least one digit. */
static int is_decimal(const char *p)
{
	size_t n = strspn(p, "0123456789_");
	int digits = strcspn(p, "0123456789") < n;
	const char *q = p + n;
	if (*q == '.') {
		size_t frac = strspn(q + 1, "0123456789_");
		digits |= strcspn(q + 1, "0123456789") < frac;
		q += 1 + frac;
	}
	if (!digits)
		return 0;
	if ((*q == 'e' || *q == 'E') && q[1]) {
		const char *e = q + 1 + (q[1] == '-' || q[1] == '+');
		size_t ed = strspn(e, "0123456789");
		q = ed ? e + ed : q;
	}
	return *q == '\0';
}

const char *drill_yaml_plain_type(const char *v)
{
	if (is_bool(v))
		return "a boolean";
	const char *p = v + (*v == '-' || *v == '+');
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF") || !strcmp(v, ".nan") ||
	    !strcmp(v, ".NaN") || !strcmp(v, ".NAN"))
		return "a number";
	if (is_prefixed_int(p) || is_decimal(p))
		return "a number";
	return NULL;
}
