/* util/num.h — the one strict reader of numbers given on a command line (every option of every
 * command, the replica daemon's included): the whole text is a decimal integer within a range. */
#ifndef DRILL_UTIL_NUM_H
#define DRILL_UTIL_NUM_H

#include <stdint.h>

/* Parse `text` as a decimal integer in min..max into *out. Only digits, the whole text: no sign,
 * no space, no leading zero (0755 is not 755 to every reader), no exponent, point or suffix
 * ("1e9", "1.5", "2x" are refused, never read as 1, 1 or 2). On failure *out is unchanged and
 * DRILL_EINPUT is returned with the message "expected UNIT in MIN..MAX, got 'TEXT'" (unit NULL:
 * "an integer"; else e.g. "a number of seconds"). */
int drill_num_parse(uint64_t *out, const char *text, uint64_t min, uint64_t max,
		    const char *unit);

#endif
