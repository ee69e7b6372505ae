/* util/yscalar.h — what a plain (unquoted) YAML scalar is to the YAML readers people use with
 * chaindrill's files: kubectl (go-yaml v2, YAML 1.1), PyYAML (YAML 1.1) and editors' language
 * servers (YAML 1.2 core schema). A file chaindrill reads as a string must be a string to all of
 * them, so the loaders refuse a plain scalar any of them would read as a number or a boolean
 * where a string is expected, and tell the user to quote it. */
#ifndef DRILL_UTIL_YSCALAR_H
#define DRILL_UTIL_YSCALAR_H

/* "a boolean" (true, yes, on, n, ... in any of YAML 1.1's spellings), "a number" (decimal with
 * optional sign, `_` separators, point and exponent; 0x, 0o and 0b integers; .inf, .nan), or
 * NULL: a string to every reader. Null (`~`, `null`, empty) is the caller's to tell apart. */
const char *drill_yaml_plain_type(const char *text);

#endif
