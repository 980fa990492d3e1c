#!/usr/bin/env bash
# The whole test run: formatting, lint, unit and integration tests per project, type-check builds, the graph guard,
# then end-to-end tests on a running platform. Real servers for the integration tiers are started here and always stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=0

# Real servers for the int-spec tier (Kafka, versitygw, FerretDB, PostgreSQL), installed into .cache/ on first use.
# Servers that were already running (a developer's session) are left running; the rest are stopped at exit.
running=()
for s in kafka s3 mongo postgres; do tools/services/status "$s" >/dev/null 2>&1 && running+=("$s"); done
stop_started() {
  for s in kafka s3 mongo postgres; do
    [[ " ${running[*]-} " == *" $s "* ]] || tools/services/down "$s" >/dev/null 2>&1 || true
  done
}
trap stop_started EXIT
tools/services/up

npx prettier --check . --log-level=warn
npx nx run-many -t lint test build --parallel=2 --outputStyle=static
# The build graph is real: a breaking change in a shared lib fails its dependents (ADR 0018).
tools/ci/nx-graph-guard.sh
npx vitest run --project e2e
