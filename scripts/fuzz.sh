#!/usr/bin/env bash
# Runs every fuzz target in the module for ${FUZZTIME:-5s} each. Targets are
# found with `go test -list`, so a new Fuzz function is picked up without
# editing this script. A failure stops the run; its input is written under
# the package's testdata/fuzz/<target>/, where it stays as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-5s}

# `go test -list` prints a package's matching names, then its "ok" line.
listing=$(go test -list '^Fuzz' ./...)
targets=()
names=()
while IFS= read -r line; do
  case "$line" in
    Fuzz*) names+=("$line") ;;
    ok*)
      pkg=$(awk '{print $2}' <<<"$line")
      for name in ${names[@]+"${names[@]}"}; do
        targets+=("$pkg $name")
      done
      names=()
      ;;
  esac
done <<<"$listing"

if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi

for target in "${targets[@]}"; do
  read -r pkg name <<<"$target"
  printf '\n-- %s %s (%s)\n' "$pkg" "$name" "$fuzztime"
  go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg"
done
