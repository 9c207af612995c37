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
# No fail-on: the params' nonCompliantAt decides, else MEDIUM (the CLI's own default); given, it
# wins over them.
args=()
[ -n "${INPUT_FAIL_ON:-}" ] && args+=(--fail-on "$INPUT_FAIL_ON")
[ -n "${INPUT_ACCOUNT_ID:-}" ] && args+=(--account-id "$INPUT_ACCOUNT_ID")
[ -n "${INPUT_REGION:-}" ] && args+=(--region "$INPUT_REGION")
[ -n "${INPUT_PARAMS:-}" ] && args+=(--params "$INPUT_PARAMS")
# The non-blank lines of $1, trimmed, into the array `lines`.
lines_of() {
  lines=()
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then lines+=("$line"); fi
  done <<< "$1"
}
# Template parameters: one per line when there are several lines (a value may then hold spaces).
# One line (`parameters: |` with one line ends in a newline too) is split on spaces when each
# word is a NAME=VALUE pair, else it is one pair whose value holds spaces. A plan has none.
lines_of "${INPUT_PARAMETERS:-}"
parameters=()
if [ "${#lines[@]}" -gt 1 ]; then
  parameters=("${lines[@]}")
elif [ "${#lines[@]}" -eq 1 ]; then
  read -r -a words <<< "${lines[0]}"
  pairs=yes
  for word in "${words[@]}"; do
    case "$word" in
      ?*=*) ;;
      *) pairs=no ;;
    esac
  done
  if [ "$pairs" = yes ]; then
    parameters=("${words[@]}")
  else
    parameters=("${lines[0]}")
  fi
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
# Paths, a line at a time: a line that names a file or directory as it stands ("my stacks") is
# one path, any other is split on spaces (`infra/a.yaml infra/b.yaml`).
lines_of "${INPUT_PATHS:-.}"
paths=()
for line in ${lines[@]+"${lines[@]}"}; do
  if [ -e "$line" ]; then
    paths+=("$line")
  else
    read -r -a words <<< "$line"
    paths+=("${words[@]}")
  fi
done
[ "${#paths[@]}" -gt 0 ] || paths=(.)
# The SARIF report is written by the same run: a file that can't be written is an error (2).
[ -n "${INPUT_SARIF:-}" ] && args+=(--output "sarif=$INPUT_SARIF")
# `--`: a path that starts with `-` is a path, never an option.
report=""
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  report="$(mktemp 2>/dev/null)" || report=""
fi
if [ -z "$report" ]; then
  exec "$trustcheck" "$scan" ${args[@]+"${args[@]}"} -- "${paths[@]}"
fi
# In a workflow, the report goes to the log as it comes and, as text, to the job's summary page
# (its first 64 KiB: a summary holds 1 MiB); the step's status is the scan's, whatever the
# summary's fate.
trap 'rm -f "$report"' EXIT
set +e
"$trustcheck" "$scan" ${args[@]+"${args[@]}"} -- "${paths[@]}" 2>&1 | tee "$report"
status=${PIPESTATUS[0]}
set -e
{
  echo "### trustcheck $scan: exit status $status"
  echo
  echo '```'
  head -c 65536 "$report"
  [ "$(wc -c < "$report")" -le 65536 ] || printf '\n… (the rest is in the step'"'"'s log)\n'
  echo '```'
} >> "$GITHUB_STEP_SUMMARY" 2>/dev/null || echo "trustcheck action: the job summary ($GITHUB_STEP_SUMMARY) could not be written" >&2
exit "$status"
