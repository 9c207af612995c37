#!/usr/bin/env python3
"""Instructions per `check` and per `evaluate` of the rule engine, counted by callgrind.

Criterion's wall-clock figures on a shared VM move by a third from hour to hour; an instruction
count doesn't, so it is what compares two versions of the engine. Runs the benchmark binary in
its once mode (TRUSTCHECK_BENCH_ONCE=1: each policy of the corpus checked once, each
NON_COMPLIANT one evaluated once) under callgrind, collecting only inside the two measured loops.

    tests/perf/instructions.py [--bench engine|engine_mimalloc] [--binary target/release/deps/engine-HASH] [--corpus FILE]

Without --binary it builds the benchmark (cargo bench --no-run) and uses that.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

MEASURED = {
    # function (as callgrind names it, in either benchmark: `engine_mimalloc` holds `engine` as a
    # module) -> what the loop does once per policy
    "*engine::check_each_once": "check (decode + evaluate + verdict and annotation)",
    "*engine::evaluate_each_once": "evaluate of a NON_COMPLIANT policy (verdict + suggested policy)",
}


def counted(binary, function, corpus):
    """Instructions inside `function` over one run, and the corpus line the binary printed."""
    env = dict(os.environ, TRUSTCHECK_BENCH_ONCE="1", TRUSTCHECK_CORPUS=corpus or "")
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--toggle-collect={function}", f"--callgrind-out-file={out}", binary],
            env=env, capture_output=True, text=True, check=False,
        )
        if run.returncode != 0:
            sys.exit(f"valgrind {binary} failed ({run.returncode}):\n{run.stderr[-2000:]}")
        summary = open(out, encoding="utf-8").read()
    totals = re.search(r"^(?:summary|totals): (\d+)", summary, re.M)
    if not totals:
        sys.exit(f"callgrind wrote no totals for {function}")
    line = re.search(r"^corpus: (\d+) policies, (\d+) bytes on average, (\d+) NON_COMPLIANT$", run.stdout, re.M)
    if not line:
        sys.exit(f"the benchmark printed no corpus line:\n{run.stdout[-2000:]}")
    return int(totals.group(1)), line


def built_benchmark(bench):
    """Builds the engine benchmark `bench` and returns its executable, as cargo reports it."""
    build = subprocess.run(
        ["cargo", "bench", "-p", "trustcheck", "--bench", bench, "--no-run", "--message-format=json"],
        capture_output=True, text=True, check=False,
    )
    if build.returncode != 0:
        sys.exit(f"cargo bench --no-run failed:\n{build.stderr[-3000:]}")
    for line in build.stdout.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("target", {}).get("name") == bench:
            if message.get("executable"):
                return message["executable"]
    sys.exit("cargo built no engine benchmark")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", help="the engine benchmark (default: build it)")
    parser.add_argument(
        "--bench", default="engine", choices=["engine", "engine_mimalloc"],
        help="which benchmark to build: the system allocator (the Lambda functions') or the CLI's",
    )
    parser.add_argument("--corpus", help="one trust policy per line (default: the generated corpus)")
    args = parser.parse_args()
    binary = args.binary or built_benchmark(args.bench)
    for function, what in MEASURED.items():
        instructions, line = counted(binary, function, args.corpus)
        policies, average, failing = (int(g) for g in line.groups())
        calls = failing if "evaluate" in function else policies
        if instructions == 0 or calls == 0:
            sys.exit(f"nothing counted in {function}: is it still in the benchmark, not inlined?")
        print(f"{what}: {instructions // calls:,} instructions a policy ({calls:,} policies, {average} bytes on average)")


if __name__ == "__main__":
    main()
