#!/usr/bin/env bash
# npm run studio: installs dependencies if needed, builds, and serves the studio on the bundled zoo.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # The lock file lists every platform's optional packages, so `npm ci` accepts it as committed
  # and never rewrites it.
  npm ci --no-audit --no-fund
fi
npx next build
echo "Merge Studio: http://localhost:${PORT:-3000}"
exec npx next start -p "${PORT:-3000}"
