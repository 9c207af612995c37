"""Every IAM role the deploy templates create must pass trustcheck's own rule.

    python infra/tests/check_trust.py infra/template.yaml infra/org/member-role.yaml infra/cdk/cdk.out/Trustcheck.template.json

Reads each template (YAML with CloudFormation tags, or JSON) with cfn-lint's decoder, resolves the
intrinsics a trust policy uses (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::If)
with account 123456789012, region us-east-1 and the parameters' defaults, and runs

    cargo run -q -p trustcheck-cli -- policy --account-id 123456789012 --role-arn ... \
        [--lambda-function <each function that uses the role>] --params '{"nonCompliantAt":"LOW"}' --format json FILE

on every AWS::IAM::Role's AssumeRolePolicyDocument. A role passes when it is COMPLIANT with no
finding at all, even LOW ones. (`trustcheck template`, which reads whole templates, is the CLI's
own job; this script only needs the policy subcommand.) Exit status 0 when every role passes.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
# Parameters without defaults, by name: what a deployer would pass.
PARAMETER_VALUES = {
    "EvaluatorRoleArn": f"arn:aws:iam::{ACCOUNT}:role/trustcheck-EvaluatorRole-EXAMPLE",
    "OrganizationId": "o-exampleorg1",
}
ROLE_TYPES = {"AWS::IAM::Role"}
FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}


class Resolver:
    def __init__(self, template: dict[str, Any]):
        self.resources = template.get("Resources", {})
        self.parameters = {
            name: PARAMETER_VALUES.get(name, spec.get("Default", f"EXAMPLE-{name}"))
            for name, spec in template.get("Parameters", {}).items()
        }

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "trustcheck",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return name

    def get_att(self, logical_id: str, attribute: str) -> str:
        kind = self.resources.get(logical_id, {}).get("Type", "")
        if kind in ROLE_TYPES and attribute == "Arn":
            return role_arn(logical_id)
        if kind in FUNCTION_TYPES and attribute == "Arn":
            return function_arn(logical_id)
        return f"arn:aws:example:{REGION}:{ACCOUNT}:{logical_id}/{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
                extra = {k: self.resolve(v) for k, v in extra.items()}

                def substitute(match: re.Match) -> str:
                    name = match.group(1)
                    if name in extra:
                        return str(extra[name])
                    if "." in name:
                        return self.get_att(*name.split(".", 1))
                    return str(self.ref(name))

                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
            if key == "Fn::Join":
                separator, items = arg
                return separator.join(str(self.resolve(i)) for i in self.resolve(items))
            if key == "Fn::Select":
                index, items = arg
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = arg
                return str(self.resolve(text)).split(separator)
            if key == "Fn::If":
                return self.resolve(arg[1])
        return {k: self.resolve(v) for k, v in value.items()}


def role_arn(logical_id: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{logical_id}"


def function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{logical_id}"


def role_of(function: dict[str, Any]) -> str | None:
    """Logical id of the role a function names with GetAtt Role.Arn, if it does."""
    role = function.get("Properties", {}).get("Role")
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        arg = role["Fn::GetAtt"]
        return (arg if isinstance(arg, list) else arg.split("."))[0]
    return None


def load(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    if template is None:
        raise SystemExit(f"{path}: can't read the template: {matches}")
    return template


def trustcheck_command(override: str | None) -> list[str]:
    if override:
        return override.split()
    return ["cargo", "run", "-q", "-p", "trustcheck-cli", "--"]


def check(path: Path, command: list[str], workdir: Path) -> list[str]:
    """Checks every role of one template; returns the failures."""
    template = load(path)
    resolver = Resolver(template)
    resources = template.get("Resources", {})
    users: dict[str, list[str]] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") in FUNCTION_TYPES and (role := role_of(resource)):
            users.setdefault(role, []).append(logical_id)
    failures = []
    roles = [(lid, r) for lid, r in resources.items() if r.get("Type") in ROLE_TYPES]
    if not roles:
        failures.append(f"{path}: no AWS::IAM::Role found (nothing checked)")
    for logical_id, resource in roles:
        document = resolver.resolve(resource.get("Properties", {}).get("AssumeRolePolicyDocument"))
        policy_file = workdir / f"{path.stem}-{logical_id}.json"
        policy_file.write_text(json.dumps(document, indent=1))
        argv = command + ["policy", "--account-id", ACCOUNT, "--role-arn", role_arn(logical_id)]
        for function in users.get(logical_id, []):
            argv += ["--lambda-function", function_arn(function)]
        argv += ["--params", '{"nonCompliantAt":"LOW"}', "--format", "json", str(policy_file)]
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
        try:
            verdict = json.loads(result.stdout)
        except json.JSONDecodeError:
            failures.append(f"{path.name} {logical_id}: trustcheck said nothing readable "
                            f"(exit {result.returncode}): {result.stderr.strip()[-500:]}")
            continue
        used_by = ", ".join(users.get(logical_id, [])) or "-"
        findings = [f["id"] for f in verdict.get("findings", [])]
        status = verdict.get("compliance")
        print(f"  {path.name:<32} {logical_id:<22} {status:<14} used by {used_by}"
              + (f"  findings: {', '.join(findings)}" if findings else ""))
        if status != "COMPLIANT" or findings or result.returncode != 0:
            failures.append(f"{path.name} {logical_id}: {verdict.get('annotation')}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("templates", nargs="+", type=Path)
    parser.add_argument("--trustcheck", help="command that runs the CLI (default: cargo run -q -p trustcheck-cli --)")
    args = parser.parse_args()
    command = trustcheck_command(args.trustcheck)
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="trustcheck-infra-") as tmp:
        for path in args.templates:
            failures += check(path, command, Path(tmp))
    if failures:
        print("roles that fail trustcheck's own rule:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print("every role passes trustcheck's own rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
