#!/usr/bin/env bash
# scripts/quickstart.sh — install what is missing, build, and run the quickstart drill on the
# embedded local platform. Prints the verdict and where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec build/chaindrill run scenarios/0001-quickstart.yaml "$@"
