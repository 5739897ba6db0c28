#!/usr/bin/env bash
# The whole suite: lint, typecheck, unit and integration tests on PGlite and PostgreSQL, and the
# Playwright tests against a production build. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "lint"
npm run --silent lint

step "typecheck"
npm run --silent typecheck

# The integration tests always run on PostgreSQL too. Without TEST_DATABASE_URL, a throwaway
# server is started from Debian's postgresql binaries and removed afterwards.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  step "starting a throwaway PostgreSQL"
  source scripts/throwaway-postgres.sh
fi

step "unit and integration tests (PGlite and PostgreSQL)"
npx vitest run

step "production build"
npx next build

step "end-to-end tests (Playwright, Chromium)"
npx playwright test
