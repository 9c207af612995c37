#!/usr/bin/env bash
# The GitHub Action's scan (action.yml), also run by `make adoption-test`: one evaluation, the text
# report in the log, the SARIF report written for code scanning, the exit status of the text run.
# Inputs come as INPUT_* variables; TRUSTCHECK is the binary.
set -euo pipefail
trustcheck="${TRUSTCHECK:-trustcheck}"
scan="${INPUT_SCAN:-template}"
case "$scan" in
  template|terraform) ;;
  *) echo "trustcheck action: scan must be template or terraform, not '$scan'" >&2; exit 2 ;;
esac
args=(--fail-on "${INPUT_FAIL_ON:-MEDIUM}")
[ -n "${INPUT_ACCOUNT_ID:-}" ] && args+=(--account-id "$INPUT_ACCOUNT_ID")
[ -n "${INPUT_REGION:-}" ] && args+=(--region "$INPUT_REGION")
[ -n "${INPUT_PARAMS:-}" ] && args+=(--params "$INPUT_PARAMS")
# Template parameters: one per line when there are several lines (a value may then hold spaces),
# else split on spaces (`parameters: |` with one line ends in a newline too). A plan has none.
lines=()
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && lines+=("$line")
done <<< "${INPUT_PARAMETERS:-}"
parameters=()
if [ "${#lines[@]}" -gt 1 ]; then
  parameters=("${lines[@]}")
elif [ "${#lines[@]}" -eq 1 ]; then
  read -r -a parameters <<< "${lines[0]}"
fi
if [ "${#parameters[@]}" -gt 0 ] && [ "$scan" != template ]; then
  echo "trustcheck action: parameters are a template's; a $scan scan takes none" >&2
  exit 2
fi
# `${a[@]+…}`: an empty array is "unbound" to `set -u` in bash before 4.4 (macOS runners' 3.2).
for parameter in ${parameters[@]+"${parameters[@]}"}; do
  args+=(--parameter "$parameter")
done
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
# Paths split on spaces and newlines alike (`paths: |` with one per line); `read -d ''` reads
# them all and returns 1 at the end of its input.
read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
# The SARIF report is written by the same run: a file that can't be written is an error (2).
[ -n "${INPUT_SARIF:-}" ] && args+=(--output "sarif=$INPUT_SARIF")
# `--`: a path that starts with `-` is a path, never an option.
exec "$trustcheck" "$scan" "${args[@]}" -- "${paths[@]}"
