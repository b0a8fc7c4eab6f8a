#!/usr/bin/env bash
# Runs every fuzz target in the module briefly: each FuzzXxx found by
# `go test -list` in a package that has one, for FUZZTIME (default 10s).
# Go fuzzes one target per invocation, hence the loop. New targets are
# picked up without editing this script.
#
#   test/fuzz.sh                   # all targets, 10s each
#   FUZZTIME=2m test/fuzz.sh forms # only ./forms, longer
#
# A failing input is written to the package's testdata/fuzz/FuzzXxx/;
# commit it with the fix so it stays a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-10s}"
filter="${1:-}"

# Packages with a fuzz target: list only those, as listing compiles tests.
mapfile -t pkgs < <(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u | grep -- "${filter}" || true)
if [ "${#pkgs[@]}" -eq 0 ]; then
  echo "no fuzz targets found${filter:+ matching $filter}"; exit 1
fi

start=$SECONDS
n=0
for pkg in "${pkgs[@]}"; do
  listed=$(go test -list '^Fuzz' "$pkg") || { echo "$listed"; exit 1; }
  for target in $(grep '^Fuzz' <<<"$listed"); do
    printf '\n-- %s %s (%s)\n' "$pkg" "$target" "$fuzztime"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
    n=$((n + 1))
  done
done
printf '\n%d fuzz targets in %ds\n' "$n" "$((SECONDS - start))"
