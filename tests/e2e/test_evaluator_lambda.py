"""End to end: the `evaluator` binary under the Lambda runtime emulator, against the local AWS endpoint.

    python3 -m unittest tests/e2e/test_evaluator_lambda.py      (from the repository root; `make e2e`)

`cargo lambda watch --only-lambda-apis` serves the emulated Lambda control plane (the runtime API
and the invoke API, on one port of 127.0.0.1) and compiles nothing. The function is the debug
binary target/debug/evaluator as `cargo test --workspace --no-run` builds it (`make e2e` runs that
first through `make trustcheck-bin`: the build `make unit` made, so nothing compiles again), started
here as its own process with the Lambda environment pointing at the emulator. `cargo lambda invoke
evaluator --data-file <event>` sends it Config's events (functions/evaluator/tests/fixtures). The
function talks to moto + tests/moto_ext.py through AWS_ENDPOINT_URL; results are read back with
GetComplianceDetailsByConfigRule (by the endpoint's convention the resultToken is the rule name).

The emulator never learns that a function process died (an invocation for it would wait forever),
so this test watches the process itself: every wait fails as soon as the evaluator exits, with the
tail of its log.

Skipped when cargo-lambda is not installed (`make tools` installs it into .venv-tools); its directory
is put first on PATH for the children. Fails at once when target/debug/evaluator is missing. moto,
the emulator and the evaluator run in their own process groups and are stopped in tearDownClass,
also on failure.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "functions" / "evaluator" / "tests" / "fixtures"
LOG_DIR = ROOT / "target" / "e2e-logs"
REGION = "us-east-1"
RULE = "trustcheck-e2e"

FUNCTION = "evaluator"
# As infra/template.yaml gives the evaluator; lambda_runtime requires the variable.
MEMORY_MB = 256

MOTO_START_TIMEOUT_S = 30
WATCHER_PORT_TIMEOUT_S = 60
# From starting the binary to its answer to an empty event (it builds its SDK clients first).
FUNCTION_READY_TIMEOUT_S = 60
INVOKE_TIMEOUT_S = 120

EDGE_ONLY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "edgelambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }
        ],
    }
)
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18  # an end-of-central-directory record: the smallest zip


def find_cargo_lambda() -> Path | None:
    on_path = shutil.which("cargo-lambda")
    if on_path:
        return Path(on_path)
    local = ROOT / ".venv-tools" / "bin" / "cargo-lambda"
    return local if local.is_file() and os.access(local, os.X_OK) else None


def debug_binary(name: str) -> Path:
    """target/debug/<name>, as `cargo test --workspace --no-run` builds it; nothing here compiles it."""
    path = ROOT / "target" / "debug" / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"{path.relative_to(ROOT)} is missing: build it with `cargo test --workspace --no-run` "
            "(or `make trustcheck-bin`; `make e2e` does that first)"
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_group(child: subprocess.Popen | None, grace_s: float = 10.0) -> None:
    """Ends the child's whole process group (for the watcher: cargo and cargo-lambda)."""
    if child is None:
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            child.wait(timeout=grace_s)
            # The leader is gone; take any stragglers of its group with it.
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        except subprocess.TimeoutExpired:
            continue


def percent_encode(text: str) -> str:
    """RFC 3986, as IAM and Config deliver trust policies."""
    return urllib.parse.quote(text, safe="-_.~")


@unittest.skipIf(
    find_cargo_lambda() is None,
    "cargo lambda is not installed: run `make tools` (or `make e2e`, which installs it into .venv-tools)",
)
class EvaluatorUnderLambdaEmulator(unittest.TestCase):
    moto: subprocess.Popen | None = None
    watcher: subprocess.Popen | None = None
    function: subprocess.Popen | None = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.started = time.monotonic()
        cls.binary = debug_binary(FUNCTION)
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        cls.workdir = Path(tempfile.mkdtemp(prefix="trustcheck-e2e-"))
        tools = find_cargo_lambda().parent
        cls.env = dict(os.environ)
        cls.env["PATH"] = f"{tools}{os.pathsep}{cls.env.get('PATH', '')}"
        cls.env.update(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        cls.env.pop("AWS_PROFILE", None)
        cls.env.pop("AWS_SESSION_TOKEN", None)
        # Also on Ctrl-C, which skips tearDownClass.
        atexit.register(cls._stop)
        try:
            cls._start_moto()
            cls._start_watcher()
            cls._start_function()
        except BaseException:
            cls._stop()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        cls._stop()
        print(f"\ne2e: {time.monotonic() - cls.started:.1f} s in all (logs in {LOG_DIR})", flush=True)

    @classmethod
    def _stop(cls) -> None:
        stop_group(cls.function)
        stop_group(cls.watcher)
        stop_group(cls.moto)
        cls.function = cls.watcher = cls.moto = None
        shutil.rmtree(getattr(cls, "workdir", ""), ignore_errors=True)

    # ---------------------------------------------------------------- servers

    @classmethod
    def _spawn(cls, argv: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
        with open(log, "wb") as out:
            return subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @classmethod
    def _start_moto(cls) -> None:
        port = free_port()
        cls.endpoint = f"http://127.0.0.1:{port}"
        cls.moto_log = LOG_DIR / f"moto-{port}.log"
        cls.moto = cls._spawn(
            [sys.executable, str(ROOT / "tests" / "moto_ext.py"), "-H", "127.0.0.1", "-p", str(port)],
            cls.moto_log,
            cls.env,
        )
        deadline = time.monotonic() + MOTO_START_TIMEOUT_S
        while True:
            try:
                urllib.request.urlopen(f"{cls.endpoint}/moto-api/", timeout=2).read()
                return
            except (urllib.error.URLError, OSError):
                pass
            if cls.moto.poll() is not None:
                raise RuntimeError(f"moto exited ({cls.moto.returncode}):\n{tail(cls.moto_log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto did not answer within {MOTO_START_TIMEOUT_S} s:\n{tail(cls.moto_log)}")
            time.sleep(0.1)

    @classmethod
    def _start_watcher(cls) -> None:
        """The emulator only: runtime API and invoke API on one port. It runs no build."""
        cls.invoke_port = free_port()
        cls.watcher_log = LOG_DIR / f"watch-{cls.invoke_port}.log"
        argv = ["cargo", "lambda", "watch", "--only-lambda-apis"]
        argv += ["--invoke-address", "127.0.0.1", "--invoke-port", str(cls.invoke_port)]
        cls.watcher = cls._spawn(argv, cls.watcher_log, cls.env)

        deadline = time.monotonic() + WATCHER_PORT_TIMEOUT_S
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.invoke_port), timeout=1).close()
                return
            except OSError:
                pass
            cls._alive()
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"cargo lambda watch did not listen within {WATCHER_PORT_TIMEOUT_S} s:\n{tail(cls.watcher_log)}"
                )
            time.sleep(0.2)

    @classmethod
    def _start_function(cls) -> None:
        """target/debug/evaluator as Lambda runs it, its runtime API being the emulator's."""
        cls.function_log = LOG_DIR / f"{FUNCTION}-{cls.invoke_port}.log"
        env = {
            **cls.env,
            "AWS_ENDPOINT_URL": cls.endpoint,
            "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{cls.invoke_port}/.rt/{FUNCTION}",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION,
            "AWS_LAMBDA_FUNCTION_VERSION": "1",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY_MB),
        }
        cls.function = cls._spawn([str(cls.binary)], cls.function_log, env)

        # Ready means the function answers: an empty event is rejected by the handler
        # (InvalidEvent) without touching AWS.
        probe = cls.workdir / "probe.json"
        probe.write_text("{}")
        try:
            result = cls._invoke_raw(probe, timeout_s=FUNCTION_READY_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(
                f"{FUNCTION} did not answer within {FUNCTION_READY_TIMEOUT_S} s:\n{cls._logs(watcher=True)}"
            ) from None
        said = result.stdout + result.stderr
        if "InvalidEvent" not in said:
            raise RuntimeError(f"{FUNCTION} gave an unexpected answer to an empty event:\n{said}\n{cls._logs()}")
        cls.ready_after_s = time.monotonic() - cls.started
        print(f"\ne2e: {FUNCTION} ready after {cls.ready_after_s:.1f} s", flush=True)

    @classmethod
    def _logs(cls, watcher: bool = False) -> str:
        text = f"{FUNCTION} log:\n{tail(cls.function_log)}"
        return text + (f"\ncargo lambda watch log:\n{tail(cls.watcher_log, 10)}" if watcher else "")

    @classmethod
    def _alive(cls) -> None:
        """The emulator would wait forever for a function that is gone: watch both processes here."""
        if cls.watcher is not None and cls.watcher.poll() is not None:
            raise RuntimeError(f"cargo lambda watch exited ({cls.watcher.returncode}):\n{tail(cls.watcher_log)}")
        if cls.function is not None and cls.function.poll() is not None:
            raise RuntimeError(f"{FUNCTION} exited ({cls.function.returncode}):\n{cls._logs()}")

    @classmethod
    def _invoke_raw(cls, data_file: Path, timeout_s: float) -> subprocess.CompletedProcess:
        """`cargo lambda invoke`; raises TimeoutExpired after timeout_s, RuntimeError if a server exits."""
        argv = ["cargo", "lambda", "invoke", FUNCTION, "--data-file", str(data_file)]
        argv += ["--invoke-address", "127.0.0.1", "--invoke-port", str(cls.invoke_port), "--output-format", "json"]
        call = subprocess.Popen(
            argv, cwd=ROOT, env=cls.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )
        deadline = time.monotonic() + timeout_s
        try:
            while True:
                try:
                    stdout, stderr = call.communicate(timeout=0.2)
                    return subprocess.CompletedProcess(argv, call.returncode, stdout, stderr)
                except subprocess.TimeoutExpired:
                    pass
                cls._alive()
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(argv, timeout_s)
        finally:
            if call.poll() is None:  # cargo and its cargo-lambda child
                try:
                    os.killpg(call.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                call.communicate()

    # ---------------------------------------------------------------- helpers

    def client(self, service: str):
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )

    def invoke(self, fixture: str, role: dict | None = None, policy: str = "") -> dict:
        text = (FIXTURES / fixture).read_text()
        text = text.replace("{{RULE}}", RULE).replace("{{POLICY}}", percent_encode(policy))
        if role is not None:
            text = (
                text.replace("{{ROLE_ID}}", role["RoleId"])
                .replace("{{ROLE_ARN}}", role["Arn"])
                .replace("{{ROLE_NAME}}", role["RoleName"])
            )
        self.assertNotIn("{{", text, f"unfilled placeholder in {fixture}")
        event = self.workdir / f"event-{fixture}"
        event.write_text(text)
        started = time.monotonic()
        try:
            result = self._invoke_raw(event, timeout_s=INVOKE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail(f"invoke {fixture} took over {INVOKE_TIMEOUT_S} s:\n{self._logs(watcher=True)}")
        except RuntimeError as error:
            self.fail(f"invoke {fixture}: {error}")
        print(f"\ne2e: invoke {fixture} {time.monotonic() - started:.2f} s", flush=True)
        self.assertEqual(
            result.returncode,
            0,
            f"cargo lambda invoke {fixture} failed:\n{result.stdout}\n{result.stderr}\n{self._logs()}",
        )
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError:
            self.fail(f"invoke {fixture} did not print JSON:\n{result.stdout}\n{result.stderr}")

    def results(self) -> dict[str, tuple[str, str]]:
        """resource id -> (compliance, annotation) of every result the rule holds."""
        config = self.client("config")
        found: dict[str, tuple[str, str]] = {}
        token = None
        while True:
            kwargs = {"ConfigRuleName": RULE, "Limit": 100}
            if token:
                kwargs["NextToken"] = token
            page = config.get_compliance_details_by_config_rule(**kwargs)
            for result in page["EvaluationResults"]:
                qualifier = result["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
                found[qualifier["ResourceId"]] = (result["ComplianceType"], result.get("Annotation", ""))
            token = page.get("NextToken")
            if not token:
                return found

    # ---------------------------------------------------------------- the scenario

    def test_change_event_then_sweep(self) -> None:
        iam = self.client("iam")
        bad = iam.create_role(RoleName="orders-consumer-role", AssumeRolePolicyDocument=EDGE_ONLY)["Role"]
        self.client("lambda").create_function(
            FunctionName="orders-consumer",
            Runtime="provided.al2023",
            Role=bad["Arn"],
            Handler="bootstrap",
            Code={"ZipFile": EMPTY_ZIP},
        )
        self.assertTrue(bad["RoleId"].startswith("AROA"), bad["RoleId"])

        # A configuration change of the role: one evaluation, naming the function that uses it.
        outcome = self.invoke("change.json", bad, EDGE_ONLY)
        self.assertEqual((outcome.get("written"), outcome.get("non_compliant")), (1, 1), outcome)
        compliance, annotation = self.results()[bad["RoleId"]]
        self.assertEqual(compliance, "NON_COMPLIANT", annotation)
        self.assertTrue(annotation.startswith("LAMBDA_TRUST_MISSING"), annotation)
        self.assertIn("orders-consumer", annotation)

        # A role created since, then the periodic sweep of the whole account.
        good = iam.create_role(RoleName="orders-api-role", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]
        outcome = self.invoke("scheduled.json")
        self.assertEqual((outcome.get("written"), outcome.get("non_compliant")), (2, 1), outcome)
        results = self.results()
        self.assertEqual(set(results), {bad["RoleId"], good["RoleId"]}, results)
        compliance, annotation = results[bad["RoleId"]]
        self.assertEqual(compliance, "NON_COMPLIANT", annotation)
        self.assertTrue(annotation.startswith("LAMBDA_TRUST_MISSING"), annotation)
        self.assertIn("orders-consumer", annotation)
        self.assertEqual(results[good["RoleId"]][0], "COMPLIANT", results[good["RoleId"]])


if __name__ == "__main__":
    unittest.main()
