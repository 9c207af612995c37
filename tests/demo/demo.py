"""`make demo`: trustcheck's whole loop on this machine, with no AWS account.

    make demo                    (or: .venv-test/bin/python tests/demo/demo.py, with cargo-lambda on PATH and the
                                  debug binaries built by `make trustcheck-bin`)

What it starts, all on 127.0.0.1 and each in its own process group, stopped on exit, on error and
on Ctrl-C:
  * the local AWS endpoint: moto + tests/moto_ext.py (IAM, Lambda, Config, DynamoDB, Kinesis, SNS,
    SQS, SSM);
  * a local PagerDuty: tests/fake_pagerduty.py (Events API v2 and the CloudWatch integration), run by
    tests/demo/recording_pagerduty.py, which keeps the payload of the trigger that opened an incident;
  * the Lambda runtime emulator, `cargo lambda watch --only-lambda-apis` (runtime and invoke APIs on
    one port; it builds and runs nothing);
  * the real `evaluator`, `notifier` and `pager` binaries of this workspace, each its own process
    with its runtime API pointed at the emulator: target/debug/<name>, as `make trustcheck-bin`
    builds them (the test build; `make demo` runs that first: after `make
    unit` it compiles nothing). The demo itself compiles nothing.

What it does, as AWS would:
  1. creates what the stack creates (the alerts ledger, a DynamoDB table; the page and notify SNS
     topics; the pager's SSM routing-key parameter), then seven IAM roles (the classic trust-policy
     failures, one trusting another account without a condition, two correct ones) and the Lambda
     functions that use them, one of them fed by a Kinesis stream through an event source mapping;
  2. Config runs the rule: a ScheduledNotification invokes the evaluator, which sweeps the
     account, writes its evaluations (PutEvaluations), compares each role's alert with the one it
     recorded in the ledger and hands every change to the notifier as a notice (an asynchronous
     invocation). The local endpoint records those invocations instead of running them; the demo
     plays Lambda's asynchronous delivery and invokes the notifier with each notice, in order. The
     notifier publishes to the page topic (findings at or above PAGE_AT=HIGH) or the notify topic.
     The page topic has an SQS subscription, read here and handed to the pager as SNS invokes it
     (an SNS event), and an HTTP subscription to the local PagerDuty's CloudWatch integration (the
     no-code route); the notify topic has an SQS subscription, read here as a mailbox would be;
  3. fixes one role; Config's ConfigurationItemChangeNotification for it invokes the evaluator, the
     role turns COMPLIANT, and the page resolves on both routes;
  4. escalates the MEDIUM role (it also trusts "Principal": "*"): it stays NON_COMPLIANT, so Config
     would announce no compliance change, yet the evaluator pages it; then de-escalates it (back to
     MEDIUM): the page resolves where it was opened and the notify topic hears of it again;
  5. breaks the Kinesis-fed function's role the classic way (edgelambda.amazonaws.com only): Lambda
     can no longer assume it, so the mapping fails (its LastProcessingResult, set as Lambda reports
     it through the local endpoint's /_trustcheck/mappings) and the stream's records start to
     expire. The change event's evaluation names the stopped mapping in the annotation; the page,
     CRITICAL, leads with it, and PagerDuty's incident lists it in its custom details. Then the
     trust is restored: COMPLIANT, the mapping reads again, the page resolves on both routes.
Then it prints what a person would see: the rule's results as the Config console lists them and
the incidents in PagerDuty. Logs of every process are in target/demo-logs/.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # tests/harness.py
from harness import (  # noqa: E402
    EDGE_LAMBDA, LAMBDA, FakePagerDuty, LambdaEmulator, LocalAws, Processes, aws_env, compliance_by_resource,
    debug_binaries, free_port, percent_encode, source_account, tiny_zip, tools_env, trust_policy, trust_statement,
)

LOG_DIR = ROOT / "target" / "demo-logs"
ACCOUNT = "123456789012"
REGION = "us-east-1"
RULE = "trustcheck-iam-role-trust"
RULE_ARN = f"arn:aws:config:{REGION}:{ACCOUNT}:config-rule/config-rule-demo01"
ROUTING_KEY_PARAMETER = "/trustcheck/pagerduty/routing-key"
ROUTING_KEY = "R0demo0routing0key00000000000000"  # 32 characters, like a real integration key
CLOUDWATCH_KEY = "C0demo0cloudwatch0integration000"
PAGE_TOPIC = "trustcheck-page"
NOTIFY_TOPIC = "trustcheck-notify"
ALERTS_TABLE = "trustcheck-alerts"
PAGE_AT = "HIGH"  # the stack's default: findings at or above it page, the rest notify
# As infra/template.yaml sets it (NotifierFunction.Arn); the evaluator invokes the notifier by it.
NOTIFIER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:notifier"
PARTNER_ACCOUNT = "111122223333"
WIDTH = 100
# Compliance as the Config console spells it.
CONSOLE = {"COMPLIANT": "Compliant", "NON_COMPLIANT": "Noncompliant", "NOT_APPLICABLE": "Not applicable"}

FUNCTIONS = ("evaluator", "notifier", "pager")
# As infra/template.yaml sizes them; lambda_runtime requires the variable.
MEMORY_MB = {"evaluator": 256, "notifier": 128, "pager": 128}

START_TIMEOUT_S = 30
INVOKE_TIMEOUT_S = 120
# For the demo's own AWS calls (boto3).
CLIENT_CONFIG = {"retries": {"max_attempts": 2, "mode": "standard"}, "connect_timeout": 5, "read_timeout": 60}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps(trust_policy(*statements))


GOOD_TRUST = policy(trust_statement(LAMBDA, source_account(ACCOUNT)))
PARTNER_STATEMENT = trust_statement({"AWS": f"arn:aws:iam::{PARTNER_ACCOUNT}:root"})
# CROSS_ACCOUNT_UNCONDITIONED (MEDIUM): NON_COMPLIANT, below PAGE_AT: the notify route.
PARTNER_TRUST = policy(PARTNER_STATEMENT)
# The same plus TRUST_PUBLIC (CRITICAL): still NON_COMPLIANT, now the page route.
PARTNER_PUBLIC_TRUST = policy(PARTNER_STATEMENT, trust_statement("*"))
# The classic bad edit: Lambda@Edge's principal instead of Lambda's (LAMBDA_TRUST_MISSING).
EDGE_ONLY_TRUST = policy(trust_statement(EDGE_LAMBDA))

# (role, what went wrong, trust policy, functions that use it)
ROLES: list[tuple[str, str, str, list[str]]] = [
    (
        "orders-consumer-role",
        "only edgelambda.amazonaws.com (Lambda@Edge)",
        EDGE_ONLY_TRUST,
        ["orders-consumer"],
    ),
    (
        "invoice-export-role",
        "the account root instead of Lambda",
        policy(trust_statement({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
        ["invoice-export"],
    ),
    (
        "payments-role",
        'Lambda plus the "Principal": "*" bad fix',
        policy(trust_statement(LAMBDA), trust_statement("*")),
        ["payments"],
    ),
    (
        "media-role",
        "aws:SourceArn pinned to 1 of 2 functions",
        policy(trust_statement(
            LAMBDA, {"StringEquals": {"aws:SourceArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:thumbnailer"}}
        )),
        ["thumbnailer", "resizer"],
    ),
    ("partner-audit-role", f"account {PARTNER_ACCOUNT}'s root, no condition", PARTNER_TRUST, []),
    ("orders-api-role", "correct: Lambda + aws:SourceAccount", GOOD_TRUST, ["orders-api"]),
    ("clicks-consumer-role", "correct: Lambda + aws:SourceAccount", GOOD_TRUST, ["clicks-consumer"]),
]
FIX_ROLE = "orders-consumer-role"
ESCALATE_ROLE = "partner-audit-role"
# A Kinesis stream feeding a function through an event source mapping; the function's role loses
# its Lambda trust in step 9 (EDGE_ONLY_TRUST) and gets it back in step 10.
STREAM = "clicks"
STREAM_ROLE = "clicks-consumer-role"
STREAM_FUNCTION = "clicks-consumer"
# What Lambda reports in the mapping's LastProcessingResult (tests/moto_ext.py, item m.): failing
# while it can't invoke the function, OK once it reads again.
FAILING, READING = "PROBLEM: Function call failed", "OK"
STEPS = 10


# ------------------------------------------------------------------------------------------ output

def say(text: str = "") -> None:
    print(text, flush=True)


def step(number: int, text: str) -> None:
    say(f"\n[{number}/{STEPS}] {text}")


def clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# ------------------------------------------------------------------------------------------ the demo

class Demo:
    def __init__(self, processes: Processes) -> None:
        self.processes = processes
        self.binaries = debug_binaries(*FUNCTIONS)
        self.workdir = Path(tempfile.mkdtemp(prefix="trustcheck-demo-"))
        # `cargo lambda` (the emulator and invoke) from its venv.
        self.env = aws_env(tools_env())
        self.results: dict[str, tuple[str, str]] = {}  # role id -> (compliance, annotation)
        self.roles: dict[str, dict[str, Any]] = {}  # role name -> IAM role

    # ---------------------------------------------------------------- servers

    def start_servers(self) -> None:
        port = free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.env["AWS_ENDPOINT_URL"] = self.endpoint  # the servers get it too, as the functions do
        self.aws = LocalAws(self.processes, LOG_DIR / "moto.log", self.env, port, client_config=CLIENT_CONFIG)
        self.pagerduty = RecordingPagerDuty(self.processes, LOG_DIR / "pagerduty.log", self.env)

    def start_emulator(self) -> None:
        """`cargo lambda watch --only-lambda-apis`: the runtime and invoke APIs on one port, no build."""
        self.emulator = LambdaEmulator(self.processes, self.env, LOG_DIR / "cargo-lambda-watch.log")

    def start_functions(self) -> None:
        """Each function from target/debug as Lambda runs it, its runtime API the emulator's; then an
        empty event to each, which it must answer (with its error) within START_TIMEOUT_S. All get the
        same variables; each function reads only its own."""
        started = time.monotonic()
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:"
        function_env = {
            **self.env,
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            # evaluator (PAGES_PER_SWEEP: its default, 20); the notifier and the pager read the
            # alerts ledger too
            "RULE_PARAMETERS": "{}",
            "ALERTS_TABLE": ALERTS_TABLE,
            "NOTIFIER_FUNCTION": NOTIFIER_ARN,
            "PAGE_AT": PAGE_AT,
            # notifier
            "PAGE_TOPIC_ARN": topic + PAGE_TOPIC,
            "NOTIFY_TOPIC_ARN": topic + NOTIFY_TOPIC,
            # pager
            "ROUTING_KEY_PARAMETER": ROUTING_KEY_PARAMETER,
            "PAGERDUTY_EVENTS_URL": f"{self.pagerduty.url}/v2/enqueue",
        }
        for function in FUNCTIONS:
            self.emulator.start_function(function, self.binaries[function], function_env, MEMORY_MB[function],
                                         LOG_DIR / f"{function}.log")

        probe = self.workdir / "probe.json"
        probe.write_text("{}")
        for function in FUNCTIONS:
            answer = self.emulator.invoke(function, probe, START_TIMEOUT_S)
            # An empty event is an error for every handler: an answer means it runs.
            if answer.returncode != 0 and "rror" not in answer.stdout + answer.stderr:
                raise RuntimeError(f"{function} gave no answer to an empty event:\n{answer.stdout}{answer.stderr}\n"
                                   f"{self.emulator.logs(function)}")
        say(f"    running, each its own process ({elapsed(time.monotonic() - started)})")

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        data_file = self.workdir / f"event-{uuid.uuid4().hex[:8]}.json"
        data_file.write_text(json.dumps(event))
        answer = self.emulator.invoke(function, data_file, INVOKE_TIMEOUT_S)
        if answer.returncode != 0:
            raise RuntimeError(f"{function} failed:\n{answer.stdout}{answer.stderr}\n{self.emulator.logs(function)}")
        return json.loads(answer.stdout)

    # ---------------------------------------------------------------- AWS resources

    def client(self, service: str):
        return self.aws.client(service)

    def create_stack(self) -> None:
        """What infra/template.yaml creates around the functions: the alerts ledger, the two topics
        (the page topic with the pager's and the CloudWatch route's subscriptions, the notify topic
        with a mailbox-like SQS subscription) and the pager's routing-key parameter."""
        self.client("dynamodb").create_table(
            TableName=ALERTS_TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "dedup_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "dedup_key", "AttributeType": "S"}],
        )
        sns, sqs = self.client("sns"), self.client("sqs")
        self.page_topic = sns.create_topic(Name=PAGE_TOPIC)["TopicArn"]
        self.notify_topic = sns.create_topic(Name=NOTIFY_TOPIC)["TopicArn"]
        self.queues = {}
        for topic_arn, queue in ((self.page_topic, "page-to-pager"), (self.notify_topic, "notify-inbox")):
            url = sqs.create_queue(QueueName=queue)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            self.queues[queue] = url
            sub = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)["SubscriptionArn"]
            if queue == "page-to-pager":
                self.pager_subscription = sub
        # The no-code route: PagerDuty's CloudWatch integration URL as an (HTTPS in AWS) subscription.
        sns.subscribe(TopicArn=self.page_topic, Protocol="http",
                      Endpoint=f"{self.pagerduty.url}/integration/{CLOUDWATCH_KEY}/enqueue")
        self.client("ssm").put_parameter(Name=ROUTING_KEY_PARAMETER, Type="SecureString", Value=ROUTING_KEY)

    def create_account(self) -> None:
        iam, lam = self.client("iam"), self.client("lambda")
        for name, what, trust, functions in ROLES:
            role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]
            self.roles[name] = role
            for function in functions:
                lam.create_function(
                    FunctionName=function, Runtime="provided.al2023", Role=role["Arn"], Handler="bootstrap",
                    Architectures=["arm64"], Code={"ZipFile": tiny_zip()},
                )
            used = f"used by {clip(', '.join(functions), 20)}" if functions else "no function uses it"
            say(f"    {name:<21} {clip(what, 44):<44} {used}")

    def create_stream(self) -> None:
        """The Kinesis stream STREAM, read by STREAM_FUNCTION through an event source mapping (the
        local endpoint keeps the mapping, as Lambda lists it, and consumes nothing)."""
        kinesis = self.client("kinesis")
        kinesis.create_stream(StreamName=STREAM, ShardCount=1)
        stream = kinesis.describe_stream_summary(StreamName=STREAM)["StreamDescriptionSummary"]
        mapping = self.client("lambda").create_event_source_mapping(
            EventSourceArn=stream["StreamARN"], FunctionName=STREAM_FUNCTION, StartingPosition="LATEST",
        )
        self.mapping = mapping["UUID"]
        say(f"    Kinesis stream {STREAM} ({stream['RetentionPeriodHours']} h retention) -> event source mapping "
            f"({mapping['State']}) -> {STREAM_FUNCTION}")

    def report_mapping(self, last_processing_result: str) -> None:
        """What Lambda reports for the stream's mapping, set through the local endpoint's control
        route (tests/moto_ext.py, item m.): Lambda itself says so within seconds of the poller's
        first failure or success."""
        self.control("POST", "mappings", {"uuid": self.mapping, "lastProcessingResult": last_processing_result})

    # ---------------------------------------------------------------- Config

    def compliance(self) -> dict[str, tuple[str, str]]:
        return compliance_by_resource(self.client("config"), RULE)

    def config_event(self, invoking: dict[str, Any]) -> dict[str, Any]:
        return {
            "invokingEvent": json.dumps(invoking),
            "ruleParameters": "{}",
            "resultToken": RULE,  # the local endpoint's convention: the token is the rule name
            "eventLeftScope": False,
            "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
            "configRuleArn": RULE_ARN,
            "configRuleName": RULE,
            "configRuleId": "config-rule-demo01",
            "accountId": ACCOUNT,
            "evaluationMode": "DETECTIVE",
        }

    def scheduled_run(self) -> dict[str, Any]:
        return self.invoke("evaluator", self.config_event({
            "awsAccountId": ACCOUNT, "notificationCreationTime": now_iso(),
            "messageType": "ScheduledNotification", "recordVersion": "1.0",
        }))

    def change_trust(self, name: str, document: str,
                     meanwhile: Callable[[], None] | None = None) -> tuple[str, str, dict[str, Any]]:
        """Updates a role's trust policy and sends Config's ConfigurationItemChangeNotification for it
        to the evaluator: (compliance before, compliance after, the evaluator's response). `meanwhile`
        runs between the two, as what happens before Config records the change."""
        role = self.roles[name]
        before = self.compliance().get(role["RoleId"], ("-", ""))[0]
        self.client("iam").update_assume_role_policy(RoleName=name, PolicyDocument=document)
        if meanwhile is not None:
            meanwhile()
        captured = now_iso()
        item = {
            "relatedEvents": [], "relationships": [],
            "configuration": {
                "path": role["Path"], "roleName": role["RoleName"], "roleId": role["RoleId"], "arn": role["Arn"],
                "createDate": role["CreateDate"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "assumeRolePolicyDocument": percent_encode(document),
                "instanceProfileList": [], "rolePolicyList": [], "attachedManagedPolicies": [],
                "permissionsBoundary": None, "tags": [], "roleLastUsed": None,
            },
            "supplementaryConfiguration": {}, "tags": {}, "configurationItemVersion": "1.3",
            "configurationItemCaptureTime": captured, "configurationStateId": int(time.time() * 1000),
            "awsAccountId": ACCOUNT, "configurationItemStatus": "OK", "resourceType": "AWS::IAM::Role",
            "resourceId": role["RoleId"], "resourceName": role["RoleName"], "ARN": role["Arn"],
            "awsRegion": "global", "availabilityZone": "Not Applicable", "configurationStateMd5Hash": "",
            "resourceCreationTime": role["CreateDate"].strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        outcome = self.invoke("evaluator", self.config_event({
            "configurationItemDiff": {"changeType": "UPDATE", "changedProperties": {}},
            "configurationItem": item, "notificationCreationTime": now_iso(),
            "messageType": "ConfigurationItemChangeNotification", "recordVersion": "1.3",
        }))
        self.results = self.compliance()
        return before, self.results.get(role["RoleId"], ("-", ""))[0], outcome

    # ---------------------------------------------------------------- Lambda's async delivery, SNS, PagerDuty

    def control(self, method: str, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """The local endpoint's control routes (tests/moto_ext.py), not an AWS API."""
        return self.aws.control(method, route, body, timeout_s=10)

    def deliver_notices(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The notices the evaluator handed the notifier since the last look, to the notifier in the
        order sent, as Lambda's asynchronous queue delivers them: [(notice, notifier's response)].

        The local endpoint records asynchronous invocations instead of running them (tests/moto_ext.py,
        item l.). The evaluator has answered by now, so every notice it sent is recorded, and nothing
        is recorded between the read and the clear. Its invocations of itself (a sweep near its
        deadline continues in a new one) are not notices: a sweep of six roles makes none."""
        recorded = self.control("GET", "invocations")["invocations"]
        self.control("DELETE", "invocations")
        delivered = []
        for invocation in recorded:
            if not is_notifier(invocation["function"]):
                continue
            notice = invocation["payload"]
            delivered.append((notice, self.invoke("notifier", notice)))
        return delivered

    def deliver_pages(self, expected: int) -> list[dict[str, Any]]:
        """The page topic's messages, to the pager as SNS invokes it (one record per invocation):
        the `expected` ones the notifier published, then whatever else is there. The pager's responses."""
        sqs = self.client("sqs")
        responses: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            received = sqs.receive_message(QueueUrl=self.queues["page-to-pager"], MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1 if len(responses) < expected else 0,
                                           MessageAttributeNames=["All"])
            messages = received.get("Messages", [])
            if not messages:
                if len(responses) < expected:
                    continue
                return responses
            for message in messages:
                responses.append(self.invoke("pager", sns_event(json.loads(message["Body"]), self.pager_subscription)))
                sqs.delete_message(QueueUrl=self.queues["page-to-pager"], ReceiptHandle=message["ReceiptHandle"])
        raise RuntimeError(f"the page topic delivered {len(responses)} of the {expected} pages the notifier published")

    def notified(self) -> list[str]:
        """The notify topic's messages since the last look, by subject (as a mailbox lists them)."""
        sqs = self.client("sqs")
        subjects = []
        while True:
            received = sqs.receive_message(QueueUrl=self.queues["notify-inbox"], MaxNumberOfMessages=10,
                                           WaitTimeSeconds=0)
            messages = received.get("Messages", [])
            if not messages:
                return subjects
            for message in messages:
                subjects.append(json.loads(message["Body"]).get("Subject") or "(no subject)")
                sqs.delete_message(QueueUrl=self.queues["notify-inbox"], ReceiptHandle=message["ReceiptHandle"])

    def deliver(self) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[str]]:
        """After an evaluator invocation: its notices -> notifier -> SNS -> pager (and the HTTPS
        subscription, which SNS serves itself) and the notify topic's mailbox."""
        notices = self.deliver_notices()
        on_page_topic = sum(1 for _, outcome in notices for p in outcome.get("published", []) if p["route"] == "page")
        return notices, self.deliver_pages(on_page_topic), self.notified()

    def incidents(self) -> list[dict[str, Any]]:
        return self.pagerduty.incidents()

    def incident_of(self, name: str) -> dict[str, str]:
        """The role's latest incident on each route: {"events": status, "cloudwatch": status}."""
        statuses = {"events": "-", "cloudwatch": "-"}
        for incident in self.incidents():
            if self.is_incident_of(incident, name):
                statuses["events" if incident["routing_key"] == ROUTING_KEY else "cloudwatch"] = incident["status"]
        return statuses

    def dedup_key(self, name: str) -> str:
        return f"aws-config/{ACCOUNT}/{REGION}/{RULE}/AWS::IAM::Role/{self.roles[name]['RoleId']}"

    def is_incident_of(self, incident: dict[str, Any], name: str) -> bool:
        """Each incident of a role has the role's key and the severity it opened at (an escalation
        opens a new one)."""
        return incident["dedup_key"].startswith(self.dedup_key(name) + "/")

    def page_of(self, name: str) -> dict[str, Any]:
        """The payload of the Events API v2 trigger that opened the role's latest incident, as the
        local PagerDuty received it from the pager."""
        opened = [i for i in self.incidents() if self.is_incident_of(i, name) and "payload" in i]
        if not opened:
            raise RuntimeError(f"PagerDuty received no Events API v2 trigger for {name}")
        return opened[-1]["payload"]

    # ---------------------------------------------------------------- the report

    def name_of(self, resource_id: str) -> str:
        for name, role in self.roles.items():
            if role["RoleId"] == resource_id:
                return name
        return resource_id

    def print_results(self) -> None:
        say(f"\n    AWS Config > Rules > {RULE} > Resources in scope (AWS::IAM::Role)")
        say(f"    {'Resource':<21} {'Compliance':<13} Annotation")
        rows = sorted(self.results.items(), key=lambda kv: (kv[1][0] != "NON_COMPLIANT", self.name_of(kv[0])))
        for resource_id, (compliance, annotation) in rows:
            say(f"    {self.name_of(resource_id):<21} {CONSOLE.get(compliance, compliance):<13} "
                f"{clip(annotation, WIDTH - 40)}")

    def print_annotation(self, name: str) -> None:
        """The role's annotation in the Config console (at most 256 characters), whole, wrapped."""
        compliance, annotation = self.results.get(self.roles[name]["RoleId"], ("-", ""))
        say(f"    AWS Config > Rules > {RULE} > {name}: {CONSOLE.get(compliance, compliance)}")
        for line in textwrap.wrap(annotation, WIDTH - 6, break_on_hyphens=False):
            say(f"      {line}")

    def print_page(self, name: str) -> None:
        """The trigger that opened the role's incident, as PagerDuty received it: its severity, its
        summary's first two lines (the rest names the role's ARN and account) and the stopped
        mappings of its custom details, one line each."""
        payload = self.page_of(name)
        say(f"    PagerDuty > Incidents > {name}, as the pager posted it: severity {payload['severity']}")
        for line in textwrap.wrap(f"summary: {payload['summary']}", WIDTH - 6, max_lines=2, placeholder=" …",
                                  break_on_hyphens=False):
            say(f"      {line}")
        say("      custom_details.event_source_mappings:")
        for mapping in payload["custom_details"].get("event_source_mappings", []):
            function = mapping["function"].rsplit(":", 1)[-1]
            source = mapping["source"].rsplit("/", 1)[-1]
            now = "failing now" if mapping["failing_now"] else "not failing (yet)"
            say("        " + clip(f"{function} <- {mapping['source_type']} {source}: {mapping['state']}, {now} "
                                  f"(\"{mapping['last_processing_result']}\")", WIDTH - 8))

    def print_incidents(self) -> None:
        """One row per incident key: its state through each route."""
        by_key: dict[str, dict[str, Any]] = {}
        for incident in self.incidents():
            entry = by_key.setdefault(incident["dedup_key"], {"events": "-", "cloudwatch": "-", "severity": ""})
            # The role ARN and the account are in the incident's details; here, the role and the finding.
            summary = re.sub(r" \(arn:[^)]*\)| in account \d{12}", "", incident["summary"]).replace(" IAM role ", " ")
            if incident["routing_key"] == ROUTING_KEY:
                entry["events"] = incident["status"]
                entry["summary"], entry["severity"] = summary, incident["severity"]
            else:
                entry["cloudwatch"] = incident["status"]
                entry.setdefault("summary", summary)
        order = ("critical", "error", "warning", "info", "")
        say(f"\n    PagerDuty > Incidents{'':<46} {'Events v2':<10} CloudWatch")
        for entry in sorted(by_key.values(), key=lambda e: (order.index(e["severity"]), e["summary"])):
            say(f"    {entry['severity']:<8} {clip(entry['summary'], 58):<58} {entry['events']:<10} {entry['cloudwatch']}")
        say("    (Events v2: sent by the pager function; CloudWatch: the page topic's HTTPS subscription)")


class RecordingPagerDuty(FakePagerDuty):
    """tests/fake_pagerduty.py as tests/demo/recording_pagerduty.py runs it: an incident keeps the
    payload of the trigger that opened it."""

    script = "demo/recording_pagerduty.py"


def is_notifier(function: str) -> bool:
    """The notifier as the evaluator names it (NOTIFIER_FUNCTION): its ARN or name, maybe with a qualifier."""
    name = function.removeprefix(NOTIFIER_ARN.removesuffix("notifier"))
    return name.split(":")[0] == "notifier"


def describe_steps(notices: list[tuple[dict[str, Any], dict[str, Any]]]) -> str:
    """A transition's steps as the notice lists them: "resolve notify (MEDIUM), trigger page (CRITICAL)"."""
    steps = [s for notice, _ in notices for s in notice.get("steps", [])]
    return ", ".join(f"{s['action']} {s['route']} ({s['severity']})" for s in steps) or "none"


def sns_event(envelope: dict[str, Any], subscription_arn: str) -> dict[str, Any]:
    """The SNS envelope an SQS subscription received, as the Lambda event SNS sends a subscribed function."""
    record = {key: envelope[key] for key in ("Type", "MessageId", "TopicArn", "Message", "Timestamp",
                                              "SignatureVersion", "Signature") if key in envelope}
    record["Subject"] = envelope.get("Subject")
    record["SigningCertUrl"] = envelope.get("SigningCertURL", "https://sns.invalid/cert.pem")
    record["UnsubscribeUrl"] = envelope.get("UnsubscribeURL", "https://sns.invalid/unsubscribe")
    record["MessageAttributes"] = envelope.get("MessageAttributes", {})
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": subscription_arn, "Sns": record}]}


def run(demo: Demo) -> None:
    say("trustcheck demo: Config rule -> notifier -> SNS -> PagerDuty, on 127.0.0.1, no AWS account")

    step(1, "Starting a local AWS endpoint (moto), a local PagerDuty and the Lambda runtime emulator")
    demo.start_servers()
    demo.start_emulator()
    say(f"    AWS {demo.endpoint}  PagerDuty {demo.pagerduty.url}  Lambda emulator :{demo.emulator.port}")
    demo.create_stack()
    say(f"    the stack: alerts table {ALERTS_TABLE} (DynamoDB), topics {PAGE_TOPIC}, {NOTIFY_TOPIC}")

    step(2, "Starting evaluator, notifier and pager: the debug binaries in target/debug")
    demo.start_functions()

    step(3, "An account whose IAM roles were edited the way people break them")
    demo.create_account()
    demo.create_stream()

    step(4, "AWS Config runs the rule: ScheduledNotification -> evaluator (sweeps every role)")
    outcome = demo.scheduled_run()
    say(f"    the evaluator wrote {outcome.get('written')} evaluations, {outcome.get('non_compliant')} NON_COMPLIANT")
    demo.results = demo.compliance()
    demo.print_results()

    step(5, "Evaluator -> notices -> notifier -> SNS -> pager -> PagerDuty")
    notices, pager, notified = demo.deliver()
    published = [p for _, outcome in notices for p in outcome.get("published", [])]
    on = {route: sum(1 for p in published if p["route"] == route) for route in ("page", "notify")}
    say(f"    {len(notices)} notices -> notifier: {on['page']} pages to the page topic, {on['notify']} to the "
        f"notify topic (PAGE_AT={PAGE_AT})")
    say(f"    page topic -> pager: {sum(r.get('pages', 0) for r in pager)} delivered to PagerDuty")
    for subject in notified:
        say(f"    notify topic: {clip(subject, WIDTH - 18)}")
    if demo.incident_of(ESCALATE_ROLE) != {"events": "-", "cloudwatch": "-"}:
        raise RuntimeError(f"{ESCALATE_ROLE} (MEDIUM, below PAGE_AT) opened an incident: "
                           f"{demo.incident_of(ESCALATE_ROLE)}")
    demo.print_incidents()

    step(6, f"Fixing {FIX_ROLE}: trust lambda.amazonaws.com, pinned with aws:SourceAccount")
    fix_trust(demo, FIX_ROLE)

    step(7, f'Escalation: {ESCALATE_ROLE} also trusts "Principal": "*" (MEDIUM -> CRITICAL)')
    retrust(demo, PARTNER_PUBLIC_TRUST, "triggered")
    say(f"    {ESCALATE_ROLE}: incident opened on both routes; Config saw no compliance change")

    step(8, f"De-escalation: {ESCALATE_ROLE} back to account {PARTNER_ACCOUNT} only (CRITICAL -> MEDIUM)")
    retrust(demo, PARTNER_TRUST, "resolved")
    say(f"    {ESCALATE_ROLE}: incident resolved on both routes, still NON_COMPLIANT")

    step(9, f"{STREAM_ROLE} loses its trust: edited to edgelambda.amazonaws.com only (Lambda@Edge)")
    before, after, _ = demo.change_trust(STREAM_ROLE, EDGE_ONLY_TRUST, lambda: demo.report_mapping(FAILING))
    say(f'    Lambda can\'t assume the role: the mapping from {STREAM} reports "{FAILING}"')
    notices, pager, _ = demo.deliver()
    say(f"    ConfigurationItemChangeNotification -> evaluator: {before} -> {after}")
    demo.print_annotation(STREAM_ROLE)
    say(f"    notice -> notifier: {describe_steps(notices)} -> SNS -> pager and HTTPS subscription")
    statuses = demo.incident_of(STREAM_ROLE)
    if (before, after) != ("COMPLIANT", "NON_COMPLIANT") or set(statuses.values()) != {"triggered"}:
        raise RuntimeError(f"{STREAM_ROLE}: {before} -> {after}, incident {statuses}; "
                           "expected COMPLIANT -> NON_COMPLIANT and triggered on both routes")
    demo.print_page(STREAM_ROLE)

    step(10, f"Fixing {STREAM_ROLE}: trust lambda.amazonaws.com again, with aws:SourceAccount")
    fix_trust(demo, STREAM_ROLE, lambda: demo.report_mapping(READING),
              f'    Lambda assumes the role again: the mapping from {STREAM} reports "{READING}"')
    demo.print_incidents()


def fix_trust(demo: "Demo", name: str, meanwhile: Callable[[], None] | None = None,
              meanwhile_said: str | None = None) -> None:
    """Gives a broken role the good Lambda trust; its incident must end up resolved on both routes."""
    before, after, _ = demo.change_trust(name, GOOD_TRUST, meanwhile)
    if meanwhile_said:
        say(meanwhile_said)
    notices, pager, _ = demo.deliver()
    say(f"    ConfigurationItemChangeNotification -> evaluator: {before} -> {after}")
    say(f"    notice -> notifier: {describe_steps(notices)} -> SNS -> pager and HTTPS subscription")
    statuses = demo.incident_of(name)
    if statuses != {"events": "resolved", "cloudwatch": "resolved"}:
        raise RuntimeError(f"the incident for {name} was not resolved: {statuses}")
    say(f"    {name}: incident resolved on both routes "
        f"({sum(r.get('pages', 0) for r in pager)} resolve delivered by the pager)")


def retrust(demo: "Demo", trust: str, expected_status: str) -> None:
    """Changes the escalating role's trust while it stays NON_COMPLIANT; its incident must end
    up `expected_status` on both routes."""
    before, after, _ = demo.change_trust(ESCALATE_ROLE, trust)
    notices, _, notified = demo.deliver()
    say(f"    ConfigurationItemChangeNotification -> evaluator: {before} -> {after}")
    say(f"    notice -> notifier: {describe_steps(notices)}")
    for subject in notified:
        say(f"    notify topic: {clip(subject, WIDTH - 18)}")
    statuses = demo.incident_of(ESCALATE_ROLE)
    if (before, after) != ("NON_COMPLIANT", "NON_COMPLIANT") or set(statuses.values()) != {expected_status}:
        raise RuntimeError(f"{ESCALATE_ROLE}: {before} -> {after}, incident {statuses}; "
                           f"expected NON_COMPLIANT throughout and {expected_status} on both routes")


def main() -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    processes = Processes()  # stopped at exit too

    def interrupted(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    started = time.monotonic()
    demo = None
    try:
        demo = Demo(processes)
        run(demo)
        return 0
    except KeyboardInterrupt:
        say("\ninterrupted")
        return 130
    except RuntimeError as error:
        say(f"\ndemo failed: {textwrap.shorten(str(error).splitlines()[0], 300)}")
        say(textwrap.indent("\n".join(str(error).splitlines()[1:]), "  "))
        return 1
    finally:
        processes.stop_all()
        if demo is not None:
            shutil.rmtree(demo.workdir, ignore_errors=True)
        say(f"\nStopped everything the demo started ({elapsed(time.monotonic() - started)} in all). "
            f"Logs: {LOG_DIR.relative_to(ROOT)}/")


if __name__ == "__main__":
    sys.exit(main())
