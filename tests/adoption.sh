#!/usr/bin/env bash
# How engineers adopt the CLI, run as they would: the lean binary (`cargo install … 
# --no-default-features`), the pre-commit hooks through `pre-commit try-repo` in a scratch
# repository, and the GitHub Action's script. Each step must pass on a good template and fail on a
# broken one.   Usage: tests/adoption.sh TRUSTCHECK_BINARY PRE_COMMIT
set -euo pipefail
trustcheck="$(realpath "$1")"
pre_commit="$(realpath "$2")"
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

fail() { echo "adoption-test: $*" >&2; exit 1; }
# try-repo commits a snapshot of this repository's working tree: a CI machine may have no identity.
export GIT_AUTHOR_NAME=trustcheck GIT_AUTHOR_EMAIL=trustcheck@example.invalid
export GIT_COMMITTER_NAME=trustcheck GIT_COMMITTER_EMAIL=trustcheck@example.invalid

good='AWSTemplateFormatVersion: "2010-09-09"
Resources:
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
            Condition: {StringEquals: {"aws:SourceAccount": !Ref AWS::AccountId}}'
broken='AWSTemplateFormatVersion: "2010-09-09"
Resources:
  PanicFixRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: sts:AssumeRole'

echo "== the lean CLI: $("$trustcheck" --version), $(du -k "$trustcheck" | cut -f1) KiB"
"$trustcheck" template --fail-on LOW "$root/infra/template.yaml" > /dev/null || fail "the lean CLI fails the project's own template"
if "$trustcheck" account --live > /dev/null 2> "$scratch/live.err"; then fail "account --live ran without the AWS SDK"; fi
grep -q "built without it" "$scratch/live.err" || fail "account --live doesn't say the lean build lacks it: $(cat "$scratch/live.err")"

echo "== pre-commit try-repo (trustcheck-templates) in a scratch repository"
repo="$scratch/repo"
mkdir -p "$repo/stacks" "$repo/node_modules/dep"
git -C "$repo" init -q
printf '%s\n' "$good" > "$repo/stacks/app.yaml"
printf '%s\n' "$broken" > "$repo/node_modules/dep/template.yaml" # never searched
printf 'name: ci\non: push\n' > "$repo/workflow.yml"                # YAML, not a template
printf '%s\n' "$good" > "$repo/stacks/--fail-on=LOW.yaml"           # a file name, never an option
git -C "$repo" add -A
hook() {
  (cd "$repo" && PATH="$(dirname "$trustcheck"):$PATH" PRE_COMMIT_HOME="$scratch/cache" \
    "$pre_commit" try-repo "$root" trustcheck-templates --all-files) > "$scratch/hook.out" 2>&1
}
hook || { cat "$scratch/hook.out"; fail "the hook fails a good repository"; }
printf '%s\n' "$broken" > "$repo/stacks/panic.yaml"
git -C "$repo" add -A
if hook; then cat "$scratch/hook.out"; fail "the hook passes a role anyone can assume"; fi
grep -q "TRUST_PUBLIC" "$scratch/hook.out" || { cat "$scratch/hook.out"; fail "the hook's output doesn't name TRUST_PUBLIC"; }

echo "== pre-commit try-repo (trustcheck-terraform): a plan with broken roles fails"
cp "$root/cli/tests/terraform/plan.json" "$repo/tfplan.json"
git -C "$repo" add -A
if (cd "$repo" && PATH="$(dirname "$trustcheck"):$PATH" PRE_COMMIT_HOME="$scratch/cache" \
    "$pre_commit" try-repo "$root" trustcheck-terraform --all-files) > "$scratch/tf.out" 2>&1; then
  cat "$scratch/tf.out"; fail "the terraform hook passes a plan with broken roles"
fi
grep -q "NON_COMPLIANT" "$scratch/tf.out" || { cat "$scratch/tf.out"; fail "the terraform hook's output names no NON_COMPLIANT role"; }
rm "$repo/tfplan.json"
git -C "$repo" add -A

echo "== the GitHub Action's script (action/run.sh)"
action() {
  (cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS="$1" INPUT_SARIF="$scratch/out.sarif" \
    bash "$root/action/run.sh") > "$scratch/action.out" 2>&1
}
action stacks/app.yaml || { cat "$scratch/action.out"; fail "the action fails a good template"; }
python3 -c 'import json,sys; log=json.load(open(sys.argv[1])); assert log["version"] == "2.1.0" and log["runs"][0]["results"] == [], log' "$scratch/out.sarif" \
  || fail "the action's SARIF for a good template is not an empty SARIF 2.1.0 log"
if action stacks; then cat "$scratch/action.out"; fail "the action passes a role anyone can assume"; fi
# One path per line, as `paths: |` gives them: every one is scanned.
if action $'stacks/app.yaml\nstacks/panic.yaml'; then cat "$scratch/action.out"; fail "the action scans only the first line of its paths"; fi
# Several on a line, and lines: every one is scanned (the broken one fails the run, none is missing).
status=0
action $'stacks/app.yaml stacks/panic.yaml\nstacks/app.yaml' || status=$?
[ "$status" -eq 1 ] || { cat "$scratch/action.out"; fail "the action's paths, spaced and on lines, exit $status, not 1"; }
# In a workflow the report goes to the job's summary too, and the step's status is the scan's.
status=0
(cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS=stacks INPUT_SARIF="" GITHUB_STEP_SUMMARY="$scratch/summary.md" \
  bash "$root/action/run.sh") > "$scratch/action.out" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$scratch/action.out"; fail "the action with a step summary exits $status, not 1"; }
grep -q "TRUST_PUBLIC" "$scratch/action.out" || { cat "$scratch/action.out"; fail "the action with a step summary logs no report"; }
grep -q '^### trustcheck template: exit status 1$' "$scratch/summary.md" && grep -q "TRUST_PUBLIC" "$scratch/summary.md" \
  || { cat "$scratch/summary.md"; fail "the job summary doesn't hold the report"; }
# A summary that can't be written changes nothing of the step's status.
status=0
(cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS=stacks/app.yaml INPUT_SARIF="" GITHUB_STEP_SUMMARY="$scratch" \
  bash "$root/action/run.sh") > "$scratch/action.out" 2>&1 || status=$?
[ "$status" -eq 0 ] || { cat "$scratch/action.out"; fail "an unwritable job summary made a passing scan exit $status"; }
# A SARIF file that can't be written is an error (2), not a pass.
status=0
(cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS=stacks/app.yaml INPUT_SARIF="$scratch/no/such/dir/out.sarif" \
  bash "$root/action/run.sh") > "$scratch/action.out" 2>&1 || status=$?
[ "$status" -eq 2 ] || { cat "$scratch/action.out"; fail "the action's unwritable SARIF exits $status, not 2"; }
python3 -c 'import json,sys; log=json.load(open(sys.argv[1])); assert any(r["ruleId"] == "TRUST_PUBLIC" for r in log["runs"][0]["results"]), log' "$scratch/out.sarif" \
  || fail "the action's SARIF doesn't report TRUST_PUBLIC"
# A template whose trusted account is a parameter without a default: unresolved, it fails closed; the
# `parameters` input settles it, and `params` and `region` reach the run.
printf 'Parameters:\n  Trusted: {Type: String}\nResources:\n  VendorRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: !Ref Trusted}, Action: sts:AssumeRole}\n          - {Effect: Allow, Principal: {Service: scheduler.amazonaws.com}, Action: sts:AssumeRole}\n' > "$repo/stacks/vendor.yaml"
vendor() {
  (cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS=stacks/vendor.yaml INPUT_SARIF="" "$@" \
    bash "$root/action/run.sh") > "$scratch/action.out" 2>&1
}
if vendor env; then cat "$scratch/action.out"; fail "the action passes a principal left to a parameter"; fi
vendor env INPUT_PARAMETERS=$'  Trusted=arn:aws:iam::123456789012:role/deployer\nUnused=a value with spaces\n' INPUT_REGION=eu-west-1 \
  || { cat "$scratch/action.out"; fail "the action's parameters input doesn't settle the principal"; }
if vendor env INPUT_PARAMETERS=Trusted=arn:aws:iam::123456789012:role/deployer INPUT_PARAMS='{"requireSourceAccount": true}'; then
  cat "$scratch/action.out"; fail "the action's params input doesn't reach the run (requireSourceAccount)"
fi
grep -q "CONFUSED_DEPUTY_UNSCOPED" "$scratch/action.out" || { cat "$scratch/action.out"; fail "requireSourceAccount didn't report the unscoped service"; }
# One line written as a block (`parameters: |`) ends in a newline: still split on spaces.
if vendor env INPUT_PARAMETERS=$'Unused=x Trusted=arn:aws:iam::123456789012:role/deployer\n' INPUT_PARAMS='{"requireSourceAccount": true}'; then
  cat "$scratch/action.out"; fail "the action merged one line of parameters into one"
fi
grep -q "CONFUSED_DEPUTY_UNSCOPED" "$scratch/action.out" || { cat "$scratch/action.out"; fail "one line of parameters was not split"; }
# One pair whose value holds spaces, on one line: one parameter, not split.
vendor env INPUT_PARAMETERS=$'Trusted=arn:aws:iam::123456789012:role/deployer
' \
  || { cat "$scratch/action.out"; fail "the action's one pair on one line doesn't settle the principal"; }
vendor env INPUT_PARAMETERS=$'Trusted=arn:aws:iam::123456789012:role/deployer
Note=hello world
' \
  || { cat "$scratch/action.out"; fail "a parameter whose value holds spaces, one per line, fails the action"; }
# Without fail-on, the params' nonCompliantAt decides: a MEDIUM cross-account trust passes at HIGH.
printf 'Resources:\n  Partner:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::444455556666:root"}, Action: sts:AssumeRole}\n' > "$repo/stacks/partner.yaml"
partner() {
  (cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS=stacks/partner.yaml INPUT_SARIF="" "$@" \
    bash "$root/action/run.sh") > "$scratch/action.out" 2>&1
}
if partner env; then cat "$scratch/action.out"; fail "the action passes another account's unconditioned trust"; fi
partner env INPUT_PARAMS='{"nonCompliantAt": "HIGH"}' \
  || { cat "$scratch/action.out"; fail "the action's params nonCompliantAt is overridden"; }
if partner env INPUT_PARAMS='{"nonCompliantAt": "HIGH"}' INPUT_FAIL_ON=MEDIUM; then
  cat "$scratch/action.out"; fail "the action's fail-on doesn't win over the params"
fi
# A path that holds a space, on one line, is one path.
mkdir -p "$repo/my stacks"
cp "$repo/stacks/partner.yaml" "$repo/my stacks/partner.yaml"
status=0
(cd "$repo" && TRUSTCHECK="$trustcheck" INPUT_PATHS="my stacks" INPUT_SARIF="" \
  bash "$root/action/run.sh") > "$scratch/action.out" 2>&1 || status=$?
[ "$status" -eq 1 ] && grep -q "CROSS_ACCOUNT_UNCONDITIONED" "$scratch/action.out" \
  || { cat "$scratch/action.out"; fail "the action's path with a space exits $status, not 1 with its finding"; }
rm -r "$repo/my stacks" "$repo/stacks/partner.yaml"
status=0
vendor env INPUT_SCAN=terraform INPUT_PARAMETERS=Trusted=x || status=$?
[ "$status" -eq 2 ] || { cat "$scratch/action.out"; fail "parameters for a terraform scan exit $status, not 2"; }
echo "adoption-test: the lean CLI, the pre-commit hook and the action behave"
