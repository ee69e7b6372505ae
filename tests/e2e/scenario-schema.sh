#!/usr/bin/env bash
# scenarios/schema.json (docs/scenario.md) says what the loader accepts: it is a valid draft-07
# schema, and over every scenario of the tree (scenarios/, fixtures/, tests/e2e/data, the
# bad-input manifest's) and one probe per rule, `chaindrill validate` and the schema both accept
# or both reject each file, except the cases tests/e2e/lib/scenario-schema.py lists with the
# reason JSON Schema cannot say them.
. "$SOURCE/tests/e2e/lib/testlib.sh"
py=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema, yaml' 2>/dev/null; then py=$p; break; fi
done
if [ -z "$py" ]; then
	fail "python3 with jsonschema and yaml (python3-jsonschema, python3-yaml in scripts/packages.txt)"
	finish
fi
if "$py" "$SOURCE/tests/e2e/lib/scenario-schema.py" "$CHAINDRILL" "$SOURCE" "$SCRATCH" >"$SCRATCH/log" 2>&1; then
	pass "loader and schema agree ($(grep -c '^ok' "$SCRATCH/log") checks)"
else
	fail "loader and schema agree" "$(grep -v '^ok' "$SCRATCH/log" | head -60)"
fi
grep -E '^ok - (agreed|scenarios/schema)' "$SCRATCH/log" | sed 's/^/# /' # the summary, as comments
finish
