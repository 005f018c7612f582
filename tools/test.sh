#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, then runs every unit and
# end-to-end test, and ends with one line "N passed, M failed". Works on a fresh Debian
# machine with Node 20 and the npm registry.
set -euo pipefail
export NEXT_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."
# Neither README command may leave the tree dirty: what git sees now is compared at the end.
tree_before=$(git status --porcelain 2>/dev/null || true)

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium (for Playwright)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  # The lock file lists every platform's optional packages, so `npm ci` accepts it as committed
  # and never rewrites it.
  npm ci --no-audit --no-fund
fi

mkdir -p test-results
echo "== typecheck"
npx tsc --noEmit

echo "== unit tests (Vitest)"
unit=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json || unit=$?

echo "== build"
npx next build

echo "== end-to-end tests (Playwright, /usr/bin/chromium)"
e2e=0
PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/e2e.json npx playwright test --reporter=list,json || e2e=$?

node tools/testSummary.mjs test-results/unit.json test-results/e2e.json
tree_after=$(git status --porcelain 2>/dev/null || true)
clean=0
if [ "$tree_before" != "$tree_after" ]; then
  echo "The test run changed the working tree (git status --porcelain before and after differ):"
  diff <(echo "$tree_before") <(echo "$tree_after") || true
  clean=1
fi
[ "$unit" -eq 0 ] && [ "$e2e" -eq 0 ] && [ "$clean" -eq 0 ]
