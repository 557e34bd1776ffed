#!/usr/bin/env bash
# Builds the browser UI into web/dist when it is missing or older than its
# sources: `npm ci` from the lockfile (only when node_modules is missing or
# older than the lockfile), then vite. Quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
newer=$(find index.html vite.config.js package.json package-lock.json src \
  -newer dist/index.html -print -quit 2>/dev/null || true)
if [ ! -f dist/index.html ] || [ -n "$newer" ]; then
  npx --no-install vite build --logLevel error >/dev/null
fi
