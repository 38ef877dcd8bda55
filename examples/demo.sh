#!/bin/sh
# The demo behind `make demo`: score the example clinic's questionnaires.
# Usage: sh examples/demo.sh [path/to/cairn]
set -eu
CAIRN=${1:-build/cairn}
cd "$(dirname "$0")/.."
export CAIRN_INSTRUMENTS="$(pwd)/instruments"

echo "== What Cairn can score"
"$CAIRN" instruments
echo
echo "== Sarah's PHQ-9 at her first session (one answer per item)"
"$CAIRN" score phq9 2 2 1 2 1 2 1 0 1
echo
echo "== James's GAD-7, one item left blank (prorated by the NHS rule)"
"$CAIRN" score gad7 2 1 2 - 1 2 1
echo
echo "== The same, as JSON for scripts"
"$CAIRN" score gad7 --json 2 1 2 - 1 2 1
