#!/usr/bin/env bash
# The whole suite: format, lint, typecheck, migrations check, unit and integration tests on PGlite and PostgreSQL, the
# cluster test and the Playwright tests against a production build. Any failure fails the run.
set -euo pipefail

usage="Usage: npm test [-- --help]

Runs the whole suite and stops at the first failure: format and lint, typecheck, the migrations
check, unit and integration tests on PGlite and PostgreSQL, a production build, the cluster test
(two instances behind nginx) and the Playwright end-to-end tests.

Environment:
  TEST_DATABASE_URL  the PostgreSQL server the integration tests run on besides PGlite, e.g.
                     postgres://postgres:postgres@localhost:5432/postgres. Unset: a throwaway
                     server is started from Debian's postgresql binaries and removed afterwards."

# It takes no arguments: one given by mistake is refused, not ignored by a run that lasts many minutes.
if [ $# -gt 0 ]; then
  case "$1" in
    -h | --help)
      echo "$usage"
      exit 0
      ;;
    -*) echo "Unknown option '$1'" >&2 ;;
    *) echo "Unexpected argument '$1'" >&2 ;;
  esac
  printf '\n%s\n' "$usage" >&2
  exit 2
fi

cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "format and lint"
npm run --silent format:check
npm run --silent lint

step "typecheck"
npm run --silent typecheck

# The committed migrations must be consistent with each other, and db/schema must not differ from
# them (generating into a copy must find nothing to do).
step "migrations check"
npx drizzle-kit check
migrations_copy=$(mktemp -d -p . .migrations-check.XXXXXX)
cp -r db/migrations/. "$migrations_copy"
generated=$(npx drizzle-kit generate --dialect postgresql --schema ./db/schema/index.ts --out "$migrations_copy" 2>&1)
rm -rf "$migrations_copy"
if ! grep -q "No schema changes" <<<"$generated"; then
  echo "db/schema differs from the committed migrations: run npm run db:generate and commit the migration." >&2
  exit 1
fi

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

# Two instances of the build behind nginx (deploy/nginx.conf) on one PostgreSQL database.
step "cluster test (two instances behind nginx)"
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "The cluster test needs nginx: install Debian's nginx (apt-get install nginx); .ci/run installs it." >&2
  exit 1
fi
npx vitest run -c vitest.cluster.config.ts

step "end-to-end tests (Playwright, Chromium)"
npx playwright test
