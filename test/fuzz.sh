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

# fuzz_once runs one target. Go's fuzzing coordinator sometimes ends a
# run that found nothing with "context deadline exceeded" when the time
# runs out while a worker is busy (no input is written); that, and only
# that, answers 2 so the caller runs the target once more. A real failure
# (a new input under testdata/fuzz) answers 1.
fuzz_once() {
  local out rc=0
  out=$(go test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" "$1" 2>&1) || rc=$?
  echo "$out"
  if [ "$rc" -eq 0 ]; then return 0; fi
  if grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written to' <<<"$out"; then
    echo "(the fuzzing engine timed out without a failing input: running $2 again)"
    return 2
  fi
  return 1
}

start=$SECONDS
n=0
for pkg in "${pkgs[@]}"; do
  listed=$(go test -list '^Fuzz' "$pkg") || { echo "$listed"; exit 1; }
  for target in $(grep '^Fuzz' <<<"$listed"); do
    printf '\n-- %s %s (%s)\n' "$pkg" "$target" "$fuzztime"
    rc=0
    fuzz_once "$pkg" "$target" || rc=$?
    if [ "$rc" -eq 2 ]; then
      rc=0
      fuzz_once "$pkg" "$target" || rc=$?
    fi
    [ "$rc" -eq 0 ] || exit 1
    n=$((n + 1))
  done
done
printf '\n%d fuzz targets in %ds\n' "$n" "$((SECONDS - start))"
