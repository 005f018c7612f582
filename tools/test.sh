#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, then runs every unit and
# end-to-end test, and ends with one line "N passed, M failed". Works on a fresh Debian
# machine with Node 20 and the npm registry.
set -euo pipefail
export NEXT_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium (for Playwright)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  # npm 11 leaves other platforms' optional packages out of the lock file and then refuses
  # `npm ci` on it; `npm install` installs the same locked versions.
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
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
[ "$unit" -eq 0 ] && [ "$e2e" -eq 0 ]
