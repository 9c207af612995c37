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
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
read -r -a paths <<< "${INPUT_PATHS:-.}"
if [ -n "${INPUT_SARIF:-}" ]; then
  # The SARIF run's status is the same verdict; 2 (a usage or input error) stops here.
  status=0
  "$trustcheck" "$scan" "${args[@]}" --format sarif "${paths[@]}" > "$INPUT_SARIF" || status=$?
  [ "$status" -le 1 ] || exit "$status"
fi
exec "$trustcheck" "$scan" "${args[@]}" "${paths[@]}"
