"""End to end: the `evaluator` binary under the Lambda runtime emulator, against the local AWS endpoint.

    .venv-test/bin/python -m unittest tests/e2e/test_evaluator_lambda.py   (from the repository root; `make e2e`)

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
import re
import shutil
import sys
import tempfile
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # tests/harness.py
from harness import (  # noqa: E402
    EDGE_LAMBDA, LAMBDA, HarnessError, LambdaEmulator, LocalAws, Processes, aws_env, compliance_by_resource,
    debug_binaries, free_port, percent_encode, source_account, tiny_zip, tools_env,
    trust_policy, trust_statement,
)

FIXTURES = ROOT / "functions" / "evaluator" / "tests" / "fixtures"
LOG_DIR = ROOT / "target" / "e2e-logs"
RULE = "trustcheck-e2e"

FUNCTION = "evaluator"
# As infra/template.yaml gives the evaluator; lambda_runtime requires the variable.
MEMORY_MB = 256

# From starting the binary to its answer to an empty event (it builds its SDK clients first).
FUNCTION_READY_TIMEOUT_S = 60
INVOKE_TIMEOUT_S = 120

EDGE_ONLY = json.dumps(trust_policy(trust_statement(EDGE_LAMBDA)))
LAMBDA_TRUST = json.dumps(trust_policy(trust_statement(LAMBDA, source_account())))


class EvaluatorUnderLambdaEmulator(unittest.TestCase):
    processes: Processes | None = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.started = time.monotonic()
        cls.binary = debug_binaries(FUNCTION)[FUNCTION]
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        cls.workdir = Path(tempfile.mkdtemp(prefix="trustcheck-e2e-"))
        cls.env = aws_env(tools_env())
        cls.processes = Processes()
        # Also on Ctrl-C, which skips tearDownClass.
        atexit.register(cls._stop)
        try:
            cls._start_servers()
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
        if cls.processes is not None:
            cls.processes.stop_all()
        shutil.rmtree(getattr(cls, "workdir", ""), ignore_errors=True)

    # ---------------------------------------------------------------- servers

    @classmethod
    def _start_servers(cls) -> None:
        """The local AWS endpoint, then the emulator only: runtime API and invoke API on one port."""
        port = free_port()
        cls.aws = LocalAws(cls.processes, LOG_DIR / f"moto-{port}.log", cls.env, port,
                           client_config={"retries": {"max_attempts": 2, "mode": "standard"}})
        port = free_port()
        cls.emulator = LambdaEmulator(cls.processes, cls.env, LOG_DIR / f"watch-{port}.log", port)

    @classmethod
    def _start_function(cls) -> None:
        """target/debug/evaluator as Lambda runs it, its runtime API being the emulator's."""
        log = LOG_DIR / f"{FUNCTION}-{cls.emulator.port}.log"
        # The rule alone: paging is tested through the handler and in the demo. JSON logs, as the
        # stacks' LoggingConfig gives the function (their evaluator-silent alarm reads them).
        function_env = {**cls.env, "AWS_ENDPOINT_URL": cls.aws.endpoint, "PAGING": "off",
                        "AWS_LAMBDA_LOG_FORMAT": "JSON"}
        cls.function_log = log
        cls.emulator.start_function(FUNCTION, cls.binary, function_env,
                                    MEMORY_MB, log)

        # Ready means the function answers: an empty event is rejected by the handler
        # (InvalidEvent) without touching AWS.
        probe = cls.workdir / "probe.json"
        probe.write_text("{}")
        result = cls.emulator.invoke(FUNCTION, probe, timeout_s=FUNCTION_READY_TIMEOUT_S)
        said = result.stdout + result.stderr
        if "InvalidEvent" not in said:
            raise HarnessError(f"{FUNCTION} gave an unexpected answer to an empty event:\n{said}\n"
                               f"{cls.emulator.logs(FUNCTION)}")
        cls.ready_after_s = time.monotonic() - cls.started
        print(f"\ne2e: {FUNCTION} ready after {cls.ready_after_s:.1f} s", flush=True)

    # ---------------------------------------------------------------- helpers

    def client(self, service: str):
        return self.aws.client(service)

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
            result = self.emulator.invoke(FUNCTION, event, timeout_s=INVOKE_TIMEOUT_S)
        except HarnessError as error:
            self.fail(f"invoke {fixture}: {error}")
        print(f"\ne2e: invoke {fixture} {time.monotonic() - started:.2f} s", flush=True)
        self.assertEqual(
            result.returncode,
            0,
            f"cargo lambda invoke {fixture} failed:\n{result.stdout}\n{result.stderr}\n{self.emulator.logs(FUNCTION)}",
        )
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError:
            self.fail(f"invoke {fixture} did not print JSON:\n{result.stdout}\n{result.stderr}")

    def results(self) -> dict[str, tuple[str, str]]:
        """resource id -> (compliance, annotation) of every result the rule holds."""
        return compliance_by_resource(self.client("config"), RULE)

    # ---------------------------------------------------------------- the scenario

    def test_change_event_then_sweep(self) -> None:
        iam = self.client("iam")
        bad = iam.create_role(RoleName="orders-consumer-role", AssumeRolePolicyDocument=EDGE_ONLY)["Role"]
        self.client("lambda").create_function(
            FunctionName="orders-consumer",
            Runtime="provided.al2023",
            Role=bad["Arn"],
            Handler="bootstrap",
            Code={"ZipFile": tiny_zip()},
        )

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

        # The stacks' evaluator-silent alarm counts the log lines its metric filter matches: the
        # finished sweep logged exactly one, the change event none.
        pattern = filter_pattern("EvaluatorSweepsDone")
        matched = [line for line in json_log_lines(self.function_log) if filter_matches(pattern, line)]
        self.assertEqual(len(matched), 1, f"{pattern} matched {matched} in\n{self.emulator.logs(FUNCTION)}")
        # A test sweep (resultToken TESTMODE, as a hand-made invoke would send it) is no sweep to
        # the alarm: run daily, it would keep a rule that stopped sweeping from alarming.
        self.invoke("scheduled-testmode.json")
        again = [line for line in json_log_lines(self.function_log) if filter_matches(pattern, line)]
        self.assertEqual(again, matched, "a test sweep's line is not counted")
        # The recorder-off alarm counts the same lines with recorder_off 1: this endpoint has no
        # recorder.
        self.assertEqual(outcome.get("roles_unrecorded"), "no configuration recorder in this region", outcome)
        recorder_off = filter_pattern("EvaluatorRecorderOff")
        self.assertTrue(filter_matches(recorder_off, matched[0]), matched[0])
        self.assertFalse(filter_matches(recorder_off, {**matched[0], "fields": {**matched[0]["fields"], "recorder_off": 0}}))
        # So does the line of a sweep that doesn't count as one (here the test sweep; a token
        # Config refused alike): whether Config records roles depends on neither.
        uncounted = [
            line for line in json_log_lines(self.function_log)
            if str(read_field(line, "fields.message")).startswith("sweep done in test mode")
        ]
        self.assertEqual(len(uncounted), 1, uncounted)
        self.assertTrue(filter_matches(recorder_off, uncounted[0]), uncounted[0])


def filter_pattern(resource: str) -> str:
    """The pattern of the SAM template's metric filter `resource` (EvaluatorSweepsDone,
    EvaluatorRecorderOff), which the CDK stack must spell the same."""
    template = (ROOT / "infra" / "template.yaml").read_text()
    found = re.search(rf"{resource}:\n(?:\s+.*\n)*?\s+FilterPattern: '(.+)'\n", template)
    assert found, f"infra/template.yaml has no {resource} filter pattern"
    pattern = found.group(1)
    cdk = (ROOT / "infra" / "cdk" / "lib" / "trustcheck.ts").read_text()
    assert f"FilterPattern.literal('{pattern}')" in cdk, f"the CDK stack's {resource} filter is not {pattern}"
    return pattern


def read_field(event: dict, path: str) -> object:
    value: object = event
    for name in path.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def json_log_lines(path: Path) -> list[dict]:
    lines = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def filter_matches(pattern: str, event: dict) -> bool:
    """A CloudWatch Logs JSON filter of the forms the stacks use: { $.a.b = "text" } or
    { $.a.b = 1 }, or several joined by &&."""
    body = re.fullmatch(r"\{ (.+) \}", pattern)
    assert body, f"not a filter pattern this test reads: {pattern}"
    for term in body.group(1).split(" && "):
        form = re.fullmatch(r'\$\.([A-Za-z_.]+) = (?:"([^"]*)"|(-?[0-9]+))', term)
        assert form, f"not a filter term this test reads: {term}"
        expected = form.group(2) if form.group(2) is not None else int(form.group(3))
        if read_field(event, form.group(1)) != expected:
            return False
    return True


if __name__ == "__main__":
    unittest.main()
