#!/usr/bin/env python3
"""Benchmarks of the `evaluator` Lambda binary (`make bench-lambda`: cold start, scheduled sweep;
the figures are in the README's "Performance" section).

    python3 tests/perf/lambda_bench.py cold-start [--binary target/release/evaluator] [--runs 20]
    python3 tests/perf/lambda_bench.py sweep [--binary target/release/evaluator] [--roles 10000]
                                             [--functions 2000] [--mappings N] [--rounds 1]
                                             [--regions R1,R2,...] [--throttle N] [--deadline SECONDS]

Both run the binary as Lambda would, against a fake Lambda Runtime API served here on 127.0.0.1
(GET .../invocation/next, POST .../invocation/<id>/response and .../error, POST .../init/error).

cold-start: time from just before spawning the process to its first GET .../invocation/next
(the runtime asks for its first event once logging, the SDK config and the clients are built).
Nothing is delivered; the process is stopped after that request. Also reports the binary's size.

sweep: starts the local AWS endpoint (moto + tests/moto_ext.py) on a free loopback port, seeds
roles and functions in bulk (/_trustcheck/seed), creates event source mappings through the Lambda API
(--mappings N, default one for every 4th function: N functions spread evenly over the seeded ones
and their regions, some with a role that stops Lambda (see mapped_functions); each reads its own
source, in turn an SQS queue, a FIFO queue, a Kinesis stream and a DynamoDB stream, in the function's
region; created by name and by ARN in turn), measures the floor (bare IAM ListRoles paging with
MaxItems=1000 through boto3), then delivers one ScheduledNotification event
(functions/evaluator/tests/fixtures/scheduled.json) to a fresh process and times event delivery ->
POST .../response. Reports the API calls the sweep made (/_trustcheck/calls; the mappings' calls,
lambda.ListEventSourceMappings and sqs.GetQueueAttributes, always, 0 when none), the process's peak
RSS (VmHWM) and checks that the rule holds one stored evaluation per role. With --rounds N the sweep is
repeated N times against the same endpoint and rule, each round in a fresh process: round 1 is the
first sweep of the account (no earlier results), later rounds find the previous round's results.
--regions spreads the functions over several regions (the evaluator finds them with Config's query
in its own region and ListFunctions in every other enabled one). --throttle N queues N throttling
faults, every other call, on each of ListRoles, ListFunctions, SelectResourceConfig and
PutEvaluations. --deadline gives each invocation that much time (Lambda's deadline header): a sweep
that hands the rest of the account to a new invocation of itself (lambda:Invoke, recorded by the
endpoint) is followed here, each part delivered to the same process as Lambda would, and the
figures cover every part; the check that every role is stored exactly once covers them too.

Exit status 0 when every measurement succeeded, 1 otherwise. Every process started here is
stopped on exit, on errors and on Ctrl-C / SIGTERM (each runs in its own process group).
"""

from __future__ import annotations

import argparse
import http.server
import json
import math
import os
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # tests/harness.py
from harness import (  # noqa: E402
    HarnessError, LocalAws, Processes, aws_env, evaluation_results, free_port, lambda_env, tail,
)

SCHEDULED_FIXTURE = ROOT / "functions" / "evaluator" / "tests" / "fixtures" / "scheduled.json"
LOG_DIR = ROOT / "target" / "bench-logs"
DEFAULT_BINARY = ROOT / "target" / "release" / "evaluator"
ACCOUNT = "123456789012"
REGION = "us-east-1"
FUNCTION_NAME = "trustcheck-evaluator"
RUNTIME_PREFIX = "/2018-06-01/runtime"
SEED_TIMEOUT_S = 900
FIRST_REQUEST_TIMEOUT_S = 30


class BenchError(Exception):
    """A measurement failed; the message says why."""


# --------------------------------------------------------------------------
# The function's environment
# --------------------------------------------------------------------------


def function_env(runtime_port: int, endpoint: str) -> dict[str, str]:
    """The environment Lambda gives a provided.al2023 function (the parts the binary reads), with no
    AWS_* variable of the caller's."""
    env = lambda_env(aws_env(endpoint=endpoint), f"127.0.0.1:{runtime_port}", FUNCTION_NAME, 128, "$LATEST")
    env.update(
        {
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{FUNCTION_NAME}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "AWS_SESSION_TOKEN": "testing",
            # The rule alone: its evaluations and API calls are what is measured.
            "PAGING": "off",
        }
    )
    return env


def peak_rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


# --------------------------------------------------------------------------
# Fake Lambda Runtime API
# --------------------------------------------------------------------------


class RuntimeApi:
    """A Lambda Runtime API on 127.0.0.1 that hands out queued events and records what comes back.

    GET next blocks until an event is queued (or the server shuts down); the time of the first
    GET and the time each event was delivered are recorded with time.perf_counter().
    """

    def __init__(self) -> None:
        self.events: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.results: queue.Queue[tuple[str, str, bytes, float]] = queue.Queue()
        self.first_next = threading.Event()
        self.first_next_at: float | None = None
        self.delivered_at: dict[str, float] = {}
        self.init_error: bytes | None = None
        self._closing = threading.Event()
        self._lock = threading.Lock()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)
                self.wfile.flush()

            def do_GET(self) -> None:
                now = time.perf_counter()
                if self.path != f"{RUNTIME_PREFIX}/invocation/next":
                    self._reply(404, b'{"errorMessage":"unknown route"}')
                    return
                with api._lock:
                    if api.first_next_at is None:
                        api.first_next_at = now
                        api.first_next.set()
                while not api._closing.is_set():
                    try:
                        request_id, body = api.events.get(timeout=0.2)
                    except queue.Empty:
                        continue
                    deadline_ms = int((time.time() + api.deadline_s) * 1000)
                    headers = {
                        "Lambda-Runtime-Aws-Request-Id": request_id,
                        "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                        "Lambda-Runtime-Invoked-Function-Arn": (
                            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
                        ),
                        "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
                    }
                    api.delivered_at[request_id] = time.perf_counter()
                    self._reply(200, body, headers)
                    return
                self.close_connection = True

            def do_POST(self) -> None:
                now = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path[len(RUNTIME_PREFIX) :].strip("/").split("/")
                if parts == ["init", "error"]:
                    result = ("", "init-error", body, now)
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    result = (parts[1], parts[2], body, now)
                else:
                    self._reply(404, b'{"errorMessage":"unknown route"}')
                    return
                if result[1] == "init-error":
                    api.init_error = body
                # Acknowledge before the main thread learns of it (and may stop the process).
                self._reply(202, b'{"status":"OK"}')
                api.results.put(result)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                # The function is stopped with its keep-alive connection open: not an error.
                if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="runtime-api", daemon=True)

    deadline_s = 900.0

    def __enter__(self) -> "RuntimeApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        self.server.shutdown()
        self.server.server_close()

    def deliver(self, body: bytes) -> str:
        request_id = str(uuid.uuid4())
        self.events.put((request_id, body))
        return request_id

    def wait_result(self, request_id: str, timeout_s: float, child: subprocess.Popen) -> tuple[str, bytes, float]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                rid, kind, body, at = self.results.get(timeout=0.2)
            except queue.Empty:
                if child.poll() is not None:
                    raise BenchError(f"the function exited with status {child.returncode} before answering")
                continue
            if kind == "init-error":
                raise BenchError(f"the function reported an init error: {body.decode(errors='replace')}")
            if rid == request_id:
                return kind, body, at
        raise BenchError(f"no response to invocation {request_id} within {timeout_s:.0f} s")


# --------------------------------------------------------------------------
# Local AWS endpoint
# --------------------------------------------------------------------------


def start_moto(procs: Processes) -> LocalAws:
    """The local AWS endpoint on a free port, its log in LOG_DIR, its clients patient (a sweep's pages are big)."""
    port = free_port()
    return LocalAws(
        procs,
        LOG_DIR / f"moto-{port}.log",
        dict(os.environ),
        port,
        client_config={"retries": {"max_attempts": 1, "mode": "standard"}, "read_timeout": 300},
    )


# --------------------------------------------------------------------------
# Event source mappings
# --------------------------------------------------------------------------

MAPPING_KINDS = ("sqs", "sqs-fifo", "kinesis", "dynamodb")
# Calls the sweep table always shows (0 when the sweep made none): what the mappings cost.
MAPPING_CALLS = ("lambda.ListEventSourceMappings", "sqs.GetQueueAttributes")


def mapped_functions(functions: int, mappings: int) -> list[int]:
    """The seeded functions that get a mapping: one in each of `mappings` equal runs of functions
    (runs of 4 by default), at an offset that moves by one every 4 mappings. So the mappings of each
    source kind (MAPPING_KINDS[j % 4]) fall on every trust kind of the seeded mix (TRUST_KINDS, by
    position of 20: edgelambda_only roles, which stop Lambda, included) and in every region
    (function i is in regions[i % len(regions)])."""
    run = functions // mappings if mappings else 1
    return [j * functions // mappings + (j // 4) % run for j in range(mappings)]


def create_mappings(moto: LocalAws, functions: int, mappings: int, regions: list[str]) -> dict:
    """One event source mapping per function of mapped_functions(), created through the Lambda API
    in the function's region (function i is in regions[i % len(regions)], as /_trustcheck/seed puts
    it), each reading a source of its own made for it: MAPPING_KINDS in turn."""
    started = time.perf_counter()
    clients: dict[tuple[str, str], object] = {}

    def client(service: str, region: str):
        if (service, region) not in clients:
            clients[service, region] = moto.client(service, region)
        return clients[service, region]

    kinds: dict[str, int] = {}
    by_region: dict[str, int] = {}
    for j, index in enumerate(mapped_functions(functions, mappings)):
        kind = MAPPING_KINDS[j % len(MAPPING_KINDS)]
        region = regions[index % len(regions)]
        name = f"bench-src-{index:05d}"
        if kind in ("sqs", "sqs-fifo"):
            queue = name + (".fifo" if kind == "sqs-fifo" else "")
            attributes = {"FifoQueue": "true"} if kind == "sqs-fifo" else {}
            client("sqs", region).create_queue(QueueName=queue, Attributes=attributes)
            source, position = f"arn:aws:sqs:{region}:{ACCOUNT}:{queue}", None
        elif kind == "kinesis":
            client("kinesis", region).create_stream(StreamName=name, ShardCount=1)
            source, position = f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/{name}", "LATEST"
        else:
            table = client("dynamodb", region).create_table(
                TableName=name, BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            )
            source, position = table["TableDescription"]["LatestStreamArn"], "LATEST"
        function = f"bench-fn-{index:05d}"
        if j % 2:
            function = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function}"
        extra = {"StartingPosition": position} if position else {}
        client("lambda", region).create_event_source_mapping(EventSourceArn=source, FunctionName=function, **extra)
        kinds[kind] = kinds.get(kind, 0) + 1
        by_region[region] = by_region.get(region, 0) + 1
    return {"mappings": mappings, "kinds": kinds, "by_region": by_region,
            "seconds": round(time.perf_counter() - started, 3)}


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    value_width = max(len(value) for _, value in rows)
    print(f"\n{title}")
    print(f"  {'-' * width}  {'-' * value_width}")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value.rjust(value_width)}")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def binary_facts(binary: Path) -> list[tuple[str, str]]:
    size = binary.stat().st_size
    try:
        described = subprocess.run(["file", "-b", str(binary)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        described = ""
    if "not stripped" in described:
        stripped = "no (not stripped)"
    elif "stripped" in described:
        stripped = "yes"
    else:
        stripped = "unknown (`file` unavailable)"
    arch = described.split(",")[1].strip() if described.count(",") >= 1 else "?"
    return [
        ("binary", str(binary.relative_to(ROOT) if binary.is_relative_to(ROOT) else binary)),
        ("size", f"{size:,} bytes ({size / 1_000_000:.2f} MB, {size / 1048576:.2f} MiB)"),
        ("stripped", stripped),
        ("architecture", arch),
    ]


# --------------------------------------------------------------------------
# cold-start
# --------------------------------------------------------------------------


def cold_start(args: argparse.Namespace, procs: Processes) -> None:
    binary = check_binary(args.binary)
    times_ms: list[float] = []
    for run in range(1, args.runs + 1):
        with RuntimeApi() as api:
            env = function_env(api.port, "http://127.0.0.1:9")  # never contacted at start-up
            log = LOG_DIR / f"cold-start-{run:03d}.log"
            started = time.perf_counter()
            child = procs.spawn([str(binary)], env, log)
            try:
                if not api.first_next.wait(timeout=FIRST_REQUEST_TIMEOUT_S):
                    status = child.poll()
                    raise BenchError(
                        f"run {run}: no GET .../invocation/next within {FIRST_REQUEST_TIMEOUT_S} s "
                        f"(process {'running' if status is None else f'exited {status}'}):\n{tail(log)}"
                    )
                if api.init_error is not None:
                    raise BenchError(f"run {run}: init error: {api.init_error.decode(errors='replace')}")
                times_ms.append((api.first_next_at - started) * 1000)
            finally:
                procs.stop(child)
        print(f"  run {run:3d}: {times_ms[-1]:8.2f} ms", flush=True)
    rows = [
        ("runs", str(len(times_ms))),
        ("min", f"{min(times_ms):.2f} ms"),
        ("median", f"{statistics.median(times_ms):.2f} ms"),
        ("p90", f"{percentile(times_ms, 0.90):.2f} ms"),
        ("max", f"{max(times_ms):.2f} ms"),
    ]
    table("Cold start: spawn -> first GET /runtime/invocation/next", rows + binary_facts(binary))


# --------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------


def floor_list_roles(moto: LocalAws) -> tuple[float, int, int]:
    """Bare ListRoles paging with MaxItems=1000: (seconds, pages, roles)."""
    iam = moto.client("iam")
    pages = roles = 0
    marker = None
    started = time.perf_counter()
    while True:
        kwargs = {"MaxItems": 1000}
        if marker:
            kwargs["Marker"] = marker
        page = iam.list_roles(**kwargs)
        pages += 1
        roles += len(page["Roles"])
        if not page.get("IsTruncated"):
            break
        marker = page["Marker"]
    return time.perf_counter() - started, pages, roles


def stored_evaluations(moto: LocalAws, rule: str) -> dict[str, int]:
    """Stored evaluations of the rule for AWS::IAM::Role, by compliance type."""
    counts: dict[str, int] = {}
    for result in evaluation_results(moto.client("config"), rule):
        qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        if qualifier.get("ResourceType") == "AWS::IAM::Role":
            counts[result["ComplianceType"]] = counts.get(result["ComplianceType"], 0) + 1
    return counts


def one_sweep(
    args: argparse.Namespace, procs: Processes, moto: LocalAws, binary: Path, rule: str, number: int
) -> dict:
    floor_s, floor_pages, listed = floor_list_roles(moto)
    if listed != args.roles:
        raise BenchError(f"ListRoles floor saw {listed} roles, expected {args.roles}")
    moto.control("DELETE", "calls")
    moto.control("DELETE", "invocations")
    moto.control("DELETE", "evaluations")
    if args.throttle:
        for operation in ("ListRoles", "ListFunctions", "SelectResourceConfig", "PutEvaluations"):
            moto.control("POST", "faults", {"operation": operation, "faults": ["throttle", "ok"] * args.throttle})
    event = SCHEDULED_FIXTURE.read_text().replace("{{RULE}}", rule).encode()
    outcomes = []
    with RuntimeApi() as api:
        api.deadline_s = args.deadline
        log = LOG_DIR / f"sweep-round-{number}.log"
        child = procs.spawn([str(binary)], function_env(api.port, moto.endpoint), log)
        try:
            if not api.first_next.wait(timeout=FIRST_REQUEST_TIMEOUT_S):
                raise BenchError(f"the function never asked for an event:\n{tail(log)}")
            wall_s = 0.0
            # The sweep, then every part it handed on (Lambda would deliver each asynchronously).
            while event is not None:
                request_id = api.deliver(event)
                kind, body, answered_at = api.wait_result(request_id, args.timeout, child)
                if kind == "error":
                    raise BenchError(f"the function returned an error: {body.decode(errors='replace')}")
                wall_s += answered_at - api.delivered_at[request_id]
                outcomes.append(json.loads(body))
                handed_on = moto.control("GET", "invocations")["invocations"][len(outcomes) - 1 :]
                event = json.dumps(handed_on[0]["payload"]).encode() if handed_on else None
            peak_kib = peak_rss_kib(child.pid)
        except BenchError as error:
            raise BenchError(f"{error}\nfunction log ({log}):\n{tail(log)}") from None
        finally:
            procs.stop(child)
    moto.control("DELETE", "faults")
    calls = moto.control("GET", "calls")
    stored = stored_evaluations(moto, rule)
    stored_total = sum(stored.values())
    if stored_total != args.roles:
        raise BenchError(f"{stored_total} evaluations stored for {args.roles} roles: {stored}")
    written = sum(o.get("written", 0) for o in outcomes)
    if written != args.roles:
        raise BenchError(f"the sweep's parts report {written} written for {args.roles} roles: {outcomes}")
    writes: dict[str, int] = {}
    for evaluation in moto.control("GET", f"evaluations?rule={rule}")["evaluations"]:
        writes[evaluation["resourceId"]] = writes.get(evaluation["resourceId"], 0) + 1
    repeated = {rid: n for rid, n in writes.items() if n > 1}
    if len(writes) != args.roles or repeated:
        raise BenchError(f"{len(writes)} roles written, {len(repeated)} more than once: {list(repeated.items())[:5]}")
    return {
        "wall_s": wall_s,
        "floor_s": floor_s,
        "floor_pages": floor_pages,
        "calls": calls["calls"],
        "total": calls["total"],
        "peak_kib": peak_kib,
        "outcomes": outcomes,
        "non_compliant": sum(o.get("non_compliant", 0) for o in outcomes),
        "stored": stored,
    }


def sweep(args: argparse.Namespace, procs: Processes) -> None:
    binary = check_binary(args.binary)
    if args.functions > args.roles:
        raise BenchError("--functions must not exceed --roles (function i uses role i)")
    moto = start_moto(procs)
    print(f"moto on {moto.endpoint}; seeding {args.roles:,} roles and {args.functions:,} functions ...", flush=True)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    seeded = moto.control(
        "POST",
        "seed",
        {"roles": args.roles, "functions": args.functions, "prefix": "bench", "region": REGION, "regions": regions},
        timeout_s=SEED_TIMEOUT_S,
    )
    print(f"seeded in {seeded['seconds']} s; trust kinds: {seeded['trust_kinds']}", flush=True)
    print(f"functions by region: {seeded['functions_by_region']}", flush=True)
    mappings = create_mappings(moto, args.functions, args.mappings, regions)
    print(f"created {mappings['mappings']:,} event source mappings in {mappings['seconds']} s: "
          f"{mappings['kinds']}; by region: {mappings['by_region']}", flush=True)
    rule = "trustcheck-bench"
    results = []
    for number in range(1, args.rounds + 1):
        result = one_sweep(args, procs, moto, binary, rule, number)
        results.append(result)
        rows = [
            ("roles", f"{args.roles:,}"),
            ("functions", f"{args.functions:,} in {len(regions)} region(s): {', '.join(regions)}"),
            ("event source mappings", f"{args.mappings:,}" + "".join(
                f"{', ' if n else ': '}{kind} {count:,}" for n, (kind, count) in enumerate(mappings["kinds"].items()))),
            ("throttling injected", f"{args.throttle} per operation" if args.throttle else "none"),
            ("deadline per invocation", f"{args.deadline:.0f} s"),
            ("invocations (sweep parts)", f"{len(result['outcomes'])}"),
        ]
        calls = {**dict.fromkeys(MAPPING_CALLS, 0), **result["calls"]}
        rows += [(f"calls {op}", f"{count:,}") for op, count in sorted(calls.items())]
        rows += [
            ("calls total", f"{result['total']:,}"),
            ("sweep wall time", f"{result['wall_s']:.3f} s"),
            ("floor (boto3 ListRoles, MaxItems=1000)", f"{result['floor_s']:.3f} s, {result['floor_pages']} pages"),
            ("ratio sweep / floor", f"{result['wall_s'] / result['floor_s']:.1f}x"),
            (
                "peak RSS (VmHWM)",
                "n/a" if result["peak_kib"] is None else f"{result['peak_kib'] / 1024:.1f} MiB",
            ),
            ("written / non-compliant", f"{args.roles:,} / {result['non_compliant']:,} (each role written once)"),
            ("stored evaluations", f"{sum(result['stored'].values()):,} {dict(sorted(result['stored'].items()))}"),
        ]
        label = "first sweep of the account" if number == 1 else "earlier results present"
        table(f"Sweep round {number}/{args.rounds} ({label})", rows)
    if args.rounds > 1:
        walls = [r["wall_s"] for r in results]
        table(
            f"Sweep over {args.rounds} rounds",
            [
                ("wall time min", f"{min(walls):.3f} s"),
                ("wall time median", f"{statistics.median(walls):.3f} s"),
                ("wall time max", f"{max(walls):.3f} s"),
                ("calls total per round", ", ".join(f"{r['total']:,}" for r in results)),
            ],
        )


# --------------------------------------------------------------------------


def check_binary(path: str) -> Path:
    binary = Path(path)
    if not binary.is_absolute():
        binary = (Path.cwd() / binary).resolve()
    if not binary.is_file() or not os.access(binary, os.X_OK):
        raise BenchError(f"{binary} is not an executable; build it: cargo build --release -p evaluator")
    return binary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    cold = commands.add_parser("cold-start", help="time from spawn to the first GET /runtime/invocation/next")
    cold.add_argument("--binary", default=str(DEFAULT_BINARY))
    cold.add_argument("--runs", type=int, default=20)
    sw = commands.add_parser("sweep", help="one ScheduledNotification sweep against seeded moto")
    sw.add_argument("--binary", default=str(DEFAULT_BINARY))
    sw.add_argument("--roles", type=int, default=10_000)
    sw.add_argument("--functions", type=int, default=2_000)
    sw.add_argument("--mappings", type=int, default=None,
                    help="event source mappings to create before the sweep (default: one for every 4th function)")
    sw.add_argument("--rounds", type=int, default=1)
    sw.add_argument("--timeout", type=float, default=900, help="seconds to wait for the sweep's response")
    sw.add_argument("--regions", default=REGION, help="comma-separated regions to spread the functions over")
    sw.add_argument("--throttle", type=int, default=0, help="throttling faults queued per operation")
    sw.add_argument("--deadline", type=float, default=900, help="seconds each invocation has (Lambda's deadline)")
    args = parser.parse_args(argv)
    if getattr(args, "runs", 1) < 1 or getattr(args, "rounds", 1) < 1:
        parser.error("--runs and --rounds must be at least 1")
    if args.command == "sweep":
        if args.mappings is None:
            args.mappings = args.functions // 4
        if not 0 <= args.mappings <= args.functions:
            parser.error("--mappings must be between 0 and --functions (one mapping per function at most)")

    # SIGTERM ends the benchmark like Ctrl-C does, so the finally below stops the children.
    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    # Ctrl-C works even when started with SIGINT ignored (a background job of a non-interactive shell).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    procs = Processes(grace_s=3.0)
    try:
        if args.command == "cold-start":
            cold_start(args, procs)
        else:
            sweep(args, procs)
        return 0
    except (BenchError, HarnessError) as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception:  # an unexpected failure (boto3, I/O): still a non-zero exit, children stopped
        traceback.print_exc()
        print("\nFAILED: unexpected error (traceback above)", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()


if __name__ == "__main__":
    sys.exit(main())
