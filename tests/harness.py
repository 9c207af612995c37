"""The Python test harness: what the e2e test, the demo, the Lambda benchmark and the local endpoint's
self-test share, in one copy, so that a fix to how a server is started or stopped reaches all of them.

    ROOT = Path(__file__).resolve().parents[N]      # the repository root, from the script's place
    sys.path.insert(0, str(ROOT / "tests"))         # tests/harness.py, whichever way the script runs
    from harness import ...

(`python3 tests/demo/demo.py` puts the script's own folder on sys.path, `python3 -m unittest
tests/e2e/test_evaluator_lambda.py` the current one: neither is tests/.) The standard library only at
import time: tests/moto_ext.py imports it for the seeded trust policies and cli/bench/account_bench.py
for the same mix, neither needing boto3 for it (aws_client imports boto3 when called).

  constants  ROOT, ACCOUNT, REGION, START_TIMEOUT_S, EMULATOR_START_TIMEOUT_S
  processes  free_port, tail, HarnessError, stop_group, Processes
  servers    wait_http, LocalServer, LocalAws (moto + tests/moto_ext.py), FakePagerDuty (tests/fake_pagerduty.py)
  Lambda     find_cargo_lambda, tools_env, debug_binaries, aws_env, lambda_env, LambdaEmulator
  AWS data   aws_client, request_json, evaluation_results, compliance_by_resource, percent_encode, tiny_zip
  trust      LAMBDA, EDGE_LAMBDA, trust_statement, trust_policy, source_account, TRUST_KINDS, trust_kind,
             seeded_trust_policy
"""

from __future__ import annotations

import atexit
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"
REGION = "us-east-1"
# Bounds on a hang, not expectations: each starts in a second or two.
START_TIMEOUT_S = 30
EMULATOR_START_TIMEOUT_S = 60


class HarnessError(RuntimeError):
    """A process started here did not come up, or exited, or did not answer; the message says which,
    with the tail of its log (the reason is usually there)."""


# ------------------------------------------------------------------------------------------ processes


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (the OS picks it): every server started here
    gets its own, so runs side by side and earlier runs that left a server behind do not collide."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 25) -> str:
    """The last lines of a child's log, for an error message: why a child died or hangs is there."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_group(child: subprocess.Popen | None, grace_s: float = 10.0) -> None:
    """Ends the child's whole process group: SIGTERM, SIGKILL after grace_s; once the leader is gone,
    SIGKILL for what is left of its group. `cargo lambda` runs cargo-lambda as its child, which a
    signal to the leader alone would leave running."""
    if child is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            child.wait(timeout=grace_s)
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        except subprocess.TimeoutExpired:
            continue


class Processes:
    """The children a test or script starts, each in its own process group (a new session): stopping
    one stops its children too, and a Ctrl-C in the terminal reaches only the Python process, which
    stops them. stop_all() ends them newest first; it also runs at exit, because Ctrl-C skips
    unittest's tearDownClass and a script's own clean-up."""

    def __init__(self, grace_s: float = 10.0) -> None:
        self.grace_s = grace_s
        self.children: list[subprocess.Popen] = []
        atexit.register(self.stop_all)

    def spawn(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        """argv, run in the repository root with its stdout and stderr to log and stdin closed."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            child = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.children.append(child)
        return child

    def track(self, child: subprocess.Popen) -> None:
        """A child started elsewhere (one with pipes), stopped with the others if still running."""
        self.children.append(child)

    def untrack(self, child: subprocess.Popen) -> None:
        """A child that has ended on its own (an invoke that answered): nothing left to stop."""
        self.children = [c for c in self.children if c is not child]

    def stop(self, child: subprocess.Popen) -> None:
        """Stops one child (its group) before the others, e.g. a function process between runs."""
        stop_group(child, self.grace_s)
        self.untrack(child)

    def stop_all(self) -> None:
        """Stops every child still tracked, newest first (functions before the servers they use)."""
        while self.children:
            child = self.children.pop()
            try:
                stop_group(child, self.grace_s)
            except Exception as error:  # keep stopping the others
                print(f"warning: could not stop pid {child.pid}: {error}", file=sys.stderr)


# ------------------------------------------------------------------------------------------ servers


def wait_http(url: str, child: subprocess.Popen, log: Path, what: str, timeout_s: float = START_TIMEOUT_S) -> None:
    """Returns once url answers, with any HTTP status (the server is up). Raises HarnessError as soon
    as the child exits, or after timeout_s, with the tail of its log: no waiting out a dead server."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            pass
        if child.poll() is not None:
            raise HarnessError(f"{what} exited ({child.returncode}):\n{tail(log)}")
        if time.monotonic() > deadline:
            raise HarnessError(f"{what} did not answer within {timeout_s} s:\n{tail(log)}")
        time.sleep(0.1)


class LocalServer:
    """A server of tests/ started on 127.0.0.1 (a free port unless one is given), ready once it answers."""

    script = ""
    ready_path = "/"
    what = "a server"

    def __init__(
        self, processes: Processes, log: Path, env: dict[str, str] | None = None, port: int | None = None,
        timeout_s: float = START_TIMEOUT_S,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        argv = [sys.executable, str(ROOT / "tests" / self.script), *self.arguments()]
        self.child = processes.spawn(argv, dict(os.environ) if env is None else env, log)
        wait_http(self.url + self.ready_path, self.child, log, self.what, timeout_s)

    def arguments(self) -> list[str]:
        return []


class LocalAws(LocalServer):
    """The local AWS endpoint: moto in server mode with tests/moto_ext.py (what moto lacks or gets
    wrong for trustcheck, and the /_trustcheck/ control routes). client_config is botocore's Config
    for every client() of it; a call's own keywords override it."""

    script = "moto_ext.py"
    ready_path = "/moto-api/"
    what = "the local AWS endpoint (moto)"

    def __init__(self, processes: Processes, log: Path, env: dict[str, str] | None = None, port: int | None = None,
                 timeout_s: float = START_TIMEOUT_S, client_config: dict[str, Any] | None = None) -> None:
        self.client_config = client_config or {}
        super().__init__(processes, log, env, port, timeout_s)
        self.endpoint = self.url

    def arguments(self) -> list[str]:
        return ["-H", "127.0.0.1", "-p", str(self.port)]

    def client(self, service: str, region: str = REGION, **config: Any):
        return aws_client(self.endpoint, service, region, **{**self.client_config, **config})

    def control(self, method: str, route: str, body: dict | None = None, timeout_s: float = 30) -> dict:
        """A control route of the endpoint, /_trustcheck/<route> (not an AWS API): its JSON answer.
        HarnessError on an HTTP error status, with the endpoint's own words."""
        status, answer = request_json(f"{self.endpoint}/_trustcheck/{route}", method, body, timeout_s)
        if status >= 400:
            raise HarnessError(f"{method} /_trustcheck/{route}: {status} {json.dumps(answer)}")
        return answer


class FakePagerDuty(LocalServer):
    """tests/fake_pagerduty.py: PagerDuty's Events API v2 and its CloudWatch integration."""

    script = "fake_pagerduty.py"
    ready_path = "/_fake/incidents"
    what = "the local PagerDuty"

    def arguments(self) -> list[str]:
        return ["--port", str(self.port)]

    def incidents(self) -> list[dict[str, Any]]:
        return request_json(f"{self.url}/_fake/incidents", timeout_s=5)[1]["incidents"]


# ------------------------------------------------------------------------------------------ Lambda


def find_cargo_lambda() -> Path | None:
    """cargo-lambda on PATH, else the one `make tools` installs into .venv-tools; None when neither is
    there (the tests that need it fail, naming `make tools`, rather than skip)."""
    on_path = shutil.which("cargo-lambda")
    if on_path:
        return Path(on_path)
    local = ROOT / ".venv-tools" / "bin" / "cargo-lambda"
    return local if local.is_file() and os.access(local, os.X_OK) else None


def tools_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of base (os.environ) with cargo-lambda's folder first on PATH: `cargo lambda` runs the
    cargo-lambda it finds there, and a plain `python3 ...` may not have .venv-tools/bin on PATH."""
    cargo_lambda = find_cargo_lambda()
    if cargo_lambda is None:
        raise HarnessError("cargo-lambda is not installed: run `make tools` (`make e2e`, `make demo` and "
                           "`make demo-test` install it into .venv-tools)")
    env = dict(os.environ if base is None else base)
    env["PATH"] = f"{cargo_lambda.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def debug_binaries(*names: str) -> dict[str, Path]:
    """target/debug/<name> for each name, as `make trustcheck-bin` builds them (`make
    trustcheck-bin`, which `make e2e`, `make demo` and `make demo-test` run first): nothing here
    compiles. HarnessError naming the ones missing."""
    binaries = {name: ROOT / "target" / "debug" / name for name in names}
    missing = [str(path.relative_to(ROOT)) for path in binaries.values()
               if not (path.is_file() and os.access(path, os.X_OK))]
    if missing:
        raise HarnessError(f"{', '.join(missing)} not built: run `make trustcheck-bin` (the test build, with "
                           "clippy as `make test` runs it; `make e2e`, `make demo` and `make demo-test` run it first)")
    return binaries


def aws_env(base: dict[str, str] | None = None, region: str = REGION, endpoint: str | None = None) -> dict[str, str]:
    """base (os.environ) without any AWS_* variable of the caller's (profile, credentials, config
    files, endpoint), plus dummy credentials for region and no instance metadata: nothing started
    with it can reach a real AWS account. With endpoint, every SDK call goes there (AWS_ENDPOINT_URL)."""
    env = {key: value for key, value in (os.environ if base is None else base).items() if not key.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    if endpoint is not None:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env


def lambda_env(
    base: dict[str, str], runtime_api: str, function: str, memory_mb: int, version: str = "1"
) -> dict[str, str]:
    """base plus what Lambda tells a provided.al2023 function and lambda_runtime requires: where its
    runtime API is (host:port, and a path under cargo-lambda's emulator), its name, version, memory."""
    return {
        **base,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
    }


class LambdaEmulator:
    """`cargo lambda watch --only-lambda-apis`: Lambda's runtime API and invoke API on one port of
    127.0.0.1. It builds and runs nothing: each function is a binary started here (start_function)
    with its runtime API pointed at the emulator, and invoke() is `cargo lambda invoke`. env is for
    the emulator and the invokes (cargo-lambda first on PATH: tools_env).

    The emulator never learns that a function process died (an invocation of it would wait
    forever), so every wait here watches the processes too and fails as soon as one has exited."""

    def __init__(self, processes: Processes, env: dict[str, str], log: Path, port: int | None = None,
                 timeout_s: float = EMULATOR_START_TIMEOUT_S) -> None:
        self.processes, self.env, self.log = processes, env, log
        self.port = port or free_port()
        self.functions: dict[str, tuple[subprocess.Popen, Path]] = {}
        argv = ["cargo", "lambda", "watch", "--only-lambda-apis"]
        argv += ["--invoke-address", "127.0.0.1", "--invoke-port", str(self.port)]
        self.watcher = processes.spawn(argv, env, log)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                pass
            self.check_alive()
            if time.monotonic() > deadline:
                raise HarnessError(f"cargo lambda watch did not listen within {timeout_s} s:\n{tail(log)}")
            time.sleep(0.2)

    def start_function(
        self, name: str, binary: Path, env: dict[str, str], memory_mb: int, log: Path
    ) -> subprocess.Popen:
        """binary as Lambda runs the function `name`: env plus Lambda's variables (lambda_env), its
        runtime API the emulator's."""
        runtime_api = f"http://127.0.0.1:{self.port}/.rt/{name}"
        child = self.processes.spawn([str(binary)], lambda_env(env, runtime_api, name, memory_mb), log)
        self.functions[name] = (child, log)
        return child

    def check_alive(self, function: str | None = None) -> None:
        """HarnessError if the emulator, or the function, has exited."""
        if self.watcher.poll() is not None:
            raise HarnessError(f"cargo lambda watch exited ({self.watcher.returncode}):\n{tail(self.log)}")
        if function in self.functions:
            child, log = self.functions[function]
            if child.poll() is not None:
                raise HarnessError(f"{function} exited ({child.returncode}):\n{self.logs(function)}")

    def logs(self, function: str, watcher: bool = False) -> str:
        """The tail of the function's log, and of the emulator's with watcher."""
        text = f"{function} log:\n{tail(self.functions[function][1])}" if function in self.functions else ""
        return text + (f"\ncargo lambda watch log:\n{tail(self.log, 10)}" if watcher else "")

    def invoke(self, function: str, data_file: Path, timeout_s: float) -> subprocess.CompletedProcess:
        """`cargo lambda invoke <function> --data-file <data_file>`, JSON output: its exit status,
        stdout and stderr. HarnessError when the function or the emulator exits meanwhile, or after
        timeout_s."""
        argv = ["cargo", "lambda", "invoke", function, "--data-file", str(data_file)]
        argv += ["--invoke-address", "127.0.0.1", "--invoke-port", str(self.port), "--output-format", "json"]
        call = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )
        self.processes.track(call)
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    stdout, stderr = call.communicate(timeout=0.2)
                    return subprocess.CompletedProcess(argv, call.returncode, stdout, stderr)
                except subprocess.TimeoutExpired:
                    pass
                self.check_alive(function)
                if time.monotonic() > deadline:
                    raise HarnessError(f"{function} did not answer within {timeout_s} s:\n"
                                       f"{self.logs(function, watcher=True)}")
        finally:
            if call.poll() is None:  # cargo and its cargo-lambda child
                try:
                    os.killpg(call.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                call.communicate()
            self.processes.untrack(call)


# ------------------------------------------------------------------------------------------ AWS data


def aws_client(endpoint: str, service: str, region: str = REGION, **config: Any):
    """A boto3 client of endpoint with dummy credentials; config is botocore's Config (retries,
    timeouts, parameter_validation). boto3 is imported here, not with the module."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(**config),
    )


def request_json(url: str, method: str = "GET", body: dict | None = None, timeout_s: float = 30) -> tuple[int, dict]:
    """An HTTP request to a control route of the local servers (not an AWS API), with body as JSON:
    (status, the JSON answer, {} when there is none). An HTTP error status is returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw or b"{}")
    except ValueError:
        return status, {}


def evaluation_results(config, rule: str) -> Iterator[dict[str, Any]]:
    """Every EvaluationResult the rule holds, page by page (GetComplianceDetailsByConfigRule). By the
    local endpoint's convention an invocation's resultToken is the rule's name."""
    token = None
    while True:
        kwargs: dict[str, Any] = {"ConfigRuleName": rule, "Limit": 100}
        if token:
            kwargs["NextToken"] = token
        page = config.get_compliance_details_by_config_rule(**kwargs)
        yield from page["EvaluationResults"]
        token = page.get("NextToken")
        if not token:
            return


def compliance_by_resource(config, rule: str) -> dict[str, tuple[str, str]]:
    """resource id -> (compliance type, annotation) of every result the rule holds."""
    found: dict[str, tuple[str, str]] = {}
    for result in evaluation_results(config, rule):
        qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        found[qualifier["ResourceId"]] = (result["ComplianceType"], result.get("Annotation", ""))
    return found


def percent_encode(text: str) -> str:
    """RFC 3986, as IAM and Config deliver trust policies (in Config's configuration items)."""
    return urllib.parse.quote(text, safe="-_.~")


def tiny_zip() -> bytes:
    """A zip of a one-line bootstrap: the code CreateFunction wants (stored, never run)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return buffer.getvalue()


# Trust policies: one statement shape for the hand-written ones of the tests and the demo and for the
# generated mix the endpoint seeds (tests/moto_ext.py) and the CLI benchmark writes.
LAMBDA = {"Service": "lambda.amazonaws.com"}
EDGE_LAMBDA = {"Service": "edgelambda.amazonaws.com"}


def trust_statement(principal: dict[str, Any] | str, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    """Allow principal (LAMBDA, {"AWS": arn}, "*", ...) sts:AssumeRole, under condition when given."""
    principal = dict(principal) if isinstance(principal, dict) else principal
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return statement


def trust_policy(*statements: dict[str, Any]) -> dict[str, Any]:
    """A role's trust policy (AssumeRolePolicyDocument) of these statements; json.dumps it for IAM."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def source_account(account: str = ACCOUNT) -> dict[str, Any]:
    """The condition that pins a service principal to one account (aws:SourceAccount)."""
    return {"StringEquals": {"aws:SourceAccount": account}}


# The generated mix, by position of 20: (kind, share). Lambda pinned to the account, Lambda with no
# condition, Lambda@Edge only (a Lambda role without Lambda's trust), and {"AWS": "*"} (public).
TRUST_KINDS = (
    ("lambda_with_source_account", 14),
    ("lambda_without_condition", 3),
    ("edgelambda_only", 2),
    ("aws_star", 1),
)


def trust_kind(index: int) -> str:
    """The kind of trust role number index gets in the generated mix (TRUST_KINDS)."""
    slot = index % 20
    for kind, share in TRUST_KINDS:
        if slot < share:
            return kind
        slot -= share
    raise AssertionError("unreachable")


def seeded_trust_policy(kind: str, account: str = ACCOUNT) -> dict[str, Any]:
    """The trust policy of a kind of TRUST_KINDS, in account."""
    if kind == "aws_star":
        return trust_policy(trust_statement({"AWS": "*"}))
    if kind == "edgelambda_only":
        return trust_policy(trust_statement(EDGE_LAMBDA))
    condition = source_account(account) if kind == "lambda_with_source_account" else None
    return trust_policy(trust_statement(LAMBDA, condition))
