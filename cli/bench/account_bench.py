#!/usr/bin/env python3
"""Benchmark of `trustcheck account --auth-details` on a large account (`make bench-cli`; the
figures are in the README's "Performance" section and in docs/cli.md).

    python3 cli/bench/account_bench.py [--binary target/release/trustcheck] [--roles 5000]
                                       [--functions 2000] [--runs 5]

Writes an authorization-details file (as `aws iam get-account-authorization-details` prints it:
every role with its trust policy object, inline and attached policies, tags; plus the account's
managed policies) and a list-functions file (function i uses role i) under target/bench-cli/, then
runs the binary on them --runs times per output format, output to /dev/null. Reports the median and
worst wall time and the peak resident memory (ru_maxrss of the binary, from wait4 in a small
launcher process) per format, and
checks the verdict counts against the generated mix. Trust policies by position, of 20: 14 Lambda
with aws:SourceAccount, 3 Lambda without a condition, 2 Lambda@Edge only, 1 {"AWS": "*"}.

Exit status 0 when every run succeeded with the expected counts, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # tests/harness.py: the same mix of trust policies the local endpoint seeds
from harness import seeded_trust_policy, trust_kind  # noqa: E402

OUT_DIR = ROOT / "target" / "bench-cli"
ACCOUNT = "123456789012"
REGION = "us-east-1"


def generate(roles: int, functions: int) -> tuple[Path, Path]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    details_path = OUT_DIR / f"auth-details-{roles}.json"
    functions_path = OUT_DIR / f"functions-{functions}.json"
    role_list = []
    for i in range(roles):
        name = f"bench-role-{i:05d}"
        role_list.append({
            "Path": "/service/" if i % 7 == 0 else "/",
            "RoleName": name,
            "RoleId": f"AROA{i:016d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{'service/' if i % 7 == 0 else ''}{name}",
            "CreateDate": "2024-03-01T10:00:00+00:00",
            "AssumeRolePolicyDocument": seeded_trust_policy(trust_kind(i), ACCOUNT),
            "InstanceProfileList": [],
            "RolePolicyList": [{
                "PolicyName": "inline",
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
                    "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue-{i:05d}"}]},
            }],
            "AttachedManagedPolicies": [{
                "PolicyName": "AWSLambdaBasicExecutionRole",
                "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}],
            "Tags": [{"Key": "team", "Value": f"team-{i % 13}"}],
            "RoleLastUsed": {"LastUsedDate": "2024-06-01T10:00:00+00:00", "Region": REGION},
        })
    policies = [{
        "PolicyName": f"managed-{i}", "PolicyId": f"ANPA{i:016d}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:policy/managed-{i}", "Path": "/", "DefaultVersionId": "v1",
        "AttachmentCount": 1, "IsAttachable": True,
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i}/*"}]},
            "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": "2024-03-01T10:00:00+00:00"}],
    } for i in range(200)]
    details = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": role_list, "Policies": policies}
    # The AWS CLI pretty-prints with four spaces.
    details_path.write_text(json.dumps(details, indent=4) + "\n")
    function_list = [{
        "FunctionName": f"bench-fn-{i:05d}",
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:bench-fn-{i:05d}",
        "Runtime": "provided.al2023", "Role": role_list[i]["Arn"], "Handler": "bootstrap",
        "CodeSize": 1024, "Timeout": 3, "MemorySize": 128, "LastModified": "2024-03-01T10:00:00.000+0000",
        "Architectures": ["arm64"], "PackageType": "Zip",
    } for i in range(functions)]
    functions_path.write_text(json.dumps({"Functions": function_list}, indent=4) + "\n")
    return details_path, functions_path


def expected_non_compliant(roles: int) -> int:
    # Edge-only roles are Lambda roles (their trust names Lambda@Edge) without Lambda's trust;
    # {"AWS": "*"} is public. Both fail whether or not a function uses them.
    return sum(1 for i in range(roles) if trust_kind(i) in ("edgelambda_only", "aws_star"))


# Runs the binary once and prints its wall time, peak RSS, exit status and the end of its stderr.
# It runs in a fresh, small Python process: a child forked from this one (which holds the
# generated account) starts with this process's memory mapped, and the kernel keeps that
# high-water mark through exec, so its ru_maxrss would be this process's. From the launcher, the
# figure is the larger of the binary's peak and the launcher's own (about 10 MiB).
MEASURE = """
import json, os, subprocess, sys, tempfile, time
with open(os.devnull, "wb") as sink, tempfile.TemporaryFile() as errors:
    started = time.perf_counter()
    child = subprocess.Popen(sys.argv[1:], stdout=sink, stderr=errors)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    errors.seek(0)
    tail = errors.read().decode(errors="replace")[-2000:]
print(json.dumps([wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), tail]))
"""


def run_once(binary: Path, args: list[str]) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS in KiB, exit status, the end of the binary's stderr."""
    measured = subprocess.run([sys.executable, "-c", MEASURE, str(binary), *args],
                              capture_output=True, text=True, check=False)
    if measured.returncode != 0:
        raise SystemExit(f"the measuring launcher failed: {measured.stderr.strip()}")
    wall, peak_kib, code, stderr_tail = json.loads(measured.stdout)
    return wall, peak_kib, code, stderr_tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=ROOT / "target" / "release" / "trustcheck")
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    if not options.binary.is_file():
        print(f"no binary at {options.binary}: cargo build --release -p trustcheck-cli", file=sys.stderr)
        return 1
    if options.functions > options.roles:
        print("--functions must not exceed --roles (function i uses role i)", file=sys.stderr)
        return 1

    started = time.perf_counter()
    details, functions = generate(options.roles, options.functions)
    print(f"generated {details.relative_to(ROOT)} ({details.stat().st_size / 1e6:.1f} MB, {options.roles} roles) and "
          f"{functions.relative_to(ROOT)} ({functions.stat().st_size / 1e6:.1f} MB, {options.functions} functions) "
          f"in {time.perf_counter() - started:.1f} s")
    print(f"binary {options.binary.relative_to(ROOT) if options.binary.is_relative_to(ROOT) else options.binary} "
          f"({options.binary.stat().st_size / 1e6:.1f} MB); machine: {platform.machine()}, {os.cpu_count()} CPUs, "
          f"{platform.system()} {platform.release()}")

    base = ["account", "--auth-details", str(details), "--functions", str(functions)]
    # The verdicts, once, from the JSON report.
    report = json.loads(subprocess.run([str(options.binary), *base, "--format", "json"],
                                       capture_output=True, check=False).stdout)
    summary = report["summary"]
    expected = expected_non_compliant(options.roles)
    ok = summary["roles"] == options.roles and summary["non_compliant"] == expected
    print(f"verdicts: {summary['roles']} roles, {summary['non_compliant']} NON_COMPLIANT (expected {expected}), "
          f"{summary['compliant']} COMPLIANT; findings {summary['findings']}")

    print(f"{'format':<8}{'runs':>6}{'median s':>11}{'max s':>9}{'peak RSS MiB':>15}{'roles/s':>10}")
    for fmt in ("json", "sarif", "text"):
        walls, peaks = [], []
        for _ in range(options.runs):
            wall, peak_kib, code, stderr_tail = run_once(options.binary, [*base, "--format", fmt])
            if code != 1:
                print(f"  {fmt}: exit status {code}, expected 1 (NON_COMPLIANT roles): {stderr_tail.strip()}",
                      file=sys.stderr)
                ok = False
            walls.append(wall)
            peaks.append(peak_kib)
        median = statistics.median(walls)
        print(f"{fmt:<8}{options.runs:>6}{median:>11.3f}{max(walls):>9.3f}{max(peaks) / 1024:>15.1f}"
              f"{options.roles / median:>10.0f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
