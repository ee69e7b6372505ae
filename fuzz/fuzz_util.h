/* fuzz/fuzz_util.h — what the fuzz targets share: a private directory for the files a loader
 * must read from disk, and the entry points every target defines.
 *
 * Each target is built twice: with clang's libFuzzer (CHAINDRILL_FUZZ=ON, scripts/fuzz.sh), and
 * with the project's normal compiler linked with fuzz/replay.c, which feeds it every file of the
 * corpus and its regressions (ctest label fuzz-replay). */
#ifndef DRILL_FUZZ_UTIL_H
#define DRILL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The process's own empty directory, made on first use under $CHAINDRILL_SCRATCH (else $TMPDIR,
 * else /tmp) as chaindrill-fuzz-XXXXXX, registered with the deletion guard and removed at exit. */
const char *fuzz_dir(void);

/* Write `data` to fuzz_dir()/name (replacing it); returns the path (malloc'd). Aborts on an I/O
 * error: that is the harness failing, not the code under test. */
char *fuzz_write(const char *name, const uint8_t *data, size_t size);

#endif
