#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, then runs every unit and
# end-to-end test. Works on a fresh Debian machine with Node 20 and the npm registry.
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
  npm ci --no-audit --no-fund
fi

echo "== typecheck"
npx tsc --noEmit

echo "== unit tests"
npx vitest run

echo "== build"
npx next build

echo "== end-to-end tests (Chromium: /usr/bin/chromium)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test
