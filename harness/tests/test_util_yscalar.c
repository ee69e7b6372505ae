/* tests/test_util_yscalar.c — which plain YAML scalars some reader takes for a number or a boolean
 * (util/yscalar.h), the rule the scenario, vendor and kubeconfig loaders refuse strings by. */
#include "helpers.h"

#include "util/yscalar.h"

#include <stdio.h>
#include <string.h>

static void check(const char *text, const char *want)
{
	const char *got = drill_yaml_plain_type(text);
	if (want ? !got || strcmp(got, want) : got != NULL)
		fail_msg("%s: got %s, want %s", text, got ? got : "a string", want ? want : "a string");
}

static void booleans(void **state)
{
	(void)state;
	/* YAML 1.2 core: true/false in three spellings; YAML 1.1 also y/n, yes/no, on/off. */
	static const char *const b[] = {"true", "True", "TRUE", "false", "False", "FALSE", "yes",
					"Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off",
					"Off", "OFF", "y", "Y", "n", "N"};
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		check(b[i], "a boolean");
}

static void numbers(void **state)
{
	(void)state;
	static const char *const n[] = {"0",    "42",   "-1",      "+7",   "0755", "1_000",
					"1.5",  ".5",   "1.",      "1e5",  "-2.5E-3", "0x1f",
					"0xFF", "0o17", "0b101",   ".inf", "-.Inf", "+.INF",
					".nan", ".NaN", "123456789012345678901234567890"};
	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		check(n[i], "a number");
}

static void strings(void **state)
{
	(void)state;
	/* Names the scenarios use, and near misses of numbers and booleans. */
	static const char *const s[] = {"",      "a",     "zone-a", "us-east-1a", "b1", "1a",
					"v1.2",  "1.2.3", "0x",     "0xg",        "0o8", "0b2",
					"-",     "+",     ".",      "_",          "__",  "e5",
					"1e",    "1e+",   "nan",    "inf",        "yes-no", "onion",
					"TRUE1", "no-op", "1-2",    "10.0.0.1",   "~",   "null"};
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		check(s[i], NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(booleans),
		cmocka_unit_test(numbers),
		cmocka_unit_test(strings),
	};
	return drill_test_run(tests, NULL, NULL);
}
