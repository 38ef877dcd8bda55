# Real-browser tests of the self-report pages (tests/browser/selfreport.mjs)
# and of the clinician's dashboard with its print views
# (tests/browser/dashboard.mjs: from Today to a client's page, its paper
# form and chart; tests/browser/pages.mjs: Today, Caseload, Clinic
# outcomes, Research, Downloads): Debian's chromium driven by
# playwright-core, checked with axe-core; the PDFs read with poppler-utils.
# Without chromium, node or the npm packages the suite says what it
# skipped; with CAIRN_REQUIRE_BROWSER=1 (set by .ci/run) that is a failure.
. tests/cli/lib.sh
cd "$T_ROOT"
missing=""
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
command -v node >/dev/null 2>&1 || missing="$missing node"
[ -f tests/browser/node_modules/playwright-core/package.json ] &&
    [ -f tests/browser/node_modules/axe-core/axe.min.js ] ||
    missing="$missing npm-packages(npm ci --prefix tests/browser)"
if [ -n "$missing" ]; then
    if [ "${CAIRN_REQUIRE_BROWSER:-0}" = 1 ]; then
        t_not_ok "browser tests" "missing:$missing"
        exit 1
    fi
    echo "# SKIP browser tests: missing$missing"
    exit 0
fi
SHOTS="$T_ROOT/${BUILD:-build}/browser" CAIRN="$CAIRN" \
    node tests/browser/selfreport.mjs
rc=$?
SHOTS="$T_ROOT/${BUILD:-build}/browser" CAIRN="$CAIRN" \
    node tests/browser/dashboard.mjs || rc=1
SHOTS="$T_ROOT/${BUILD:-build}/browser" CAIRN="$CAIRN" \
    node tests/browser/pages.mjs || rc=1
exit $rc
