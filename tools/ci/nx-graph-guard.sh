#!/usr/bin/env bash
# Proves the build cannot give a false green: in a scratch copy of the tree, a breaking rename in a shared
# lib must fail the build of a context that depends on it (no stale cache hit), and `nx affected` must name it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$scratch"
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_CACHE_DIRECTORY="$root/.nx/cache" NX_WORKSPACE_DATA_DIRECTORY="$scratch/.nx/workspace-data"

echo "[nx-graph-guard] booking builds on the tree as it is"
npx nx run booking:build --outputStyle=static >/tmp/nx-graph-guard.ok.log 2>&1 || { cat /tmp/nx-graph-guard.ok.log; echo "[nx-graph-guard] booking:build failed on an unbroken tree"; exit 1; }

echo "[nx-graph-guard] a breaking rename in @vgp/contracts"
sed -i 's/^export type ConsultationEventData = /export type ConsultationEventDataRenamed = /' libs/shared/contracts/src/events.ts
grep -q 'ConsultationEventDataRenamed' libs/shared/contracts/src/events.ts

affected="$(npx nx show projects --affected --files=libs/shared/contracts/src/events.ts 2>/dev/null)"
for project in booking signalling recording replay-access audit platform; do
  grep -qx "$project" <<<"$affected" || { echo "[nx-graph-guard] nx affected does not name $project: $affected"; exit 1; }
done

if npx nx run booking:build --outputStyle=static >/tmp/nx-graph-guard.broken.log 2>&1; then
  cat /tmp/nx-graph-guard.broken.log
  echo "[nx-graph-guard] FAILED: booking:build passed after a breaking change in a dependency (stale cache or missing graph edge)"
  exit 1
fi
grep -q 'ConsultationEventData' /tmp/nx-graph-guard.broken.log || { cat /tmp/nx-graph-guard.broken.log; echo "[nx-graph-guard] booking:build failed for another reason"; exit 1; }
echo "[nx-graph-guard] ok: the break fails the dependents' build, and nx affected names every context"
