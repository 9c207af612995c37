"""Tests for tests/moto_ext.py, the local AWS endpoint used by trustcheck's tests.

Run from the repository root:

    python3 -m unittest tests/test_moto_ext.py

Starts the extended moto server on a free loopback port as a subprocess,
drives it with boto3 (dummy credentials, us-east-1 unless a test needs other
regions), and stops it afterwards, also when a test or the start-up fails.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
from pathlib import Path

import botocore.handlers
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # tests/harness.py
from harness import LAMBDA, LocalAws, Processes, request_json, source_account, tiny_zip  # noqa: E402
from harness import trust_policy, trust_statement  # noqa: E402

ACCOUNT = "123456789012"
REGION = "us-east-1"
START_TIMEOUT_S = 15
LAMBDA_TRUST = trust_policy(trust_statement(LAMBDA, source_account(ACCOUNT)))


class MotoExtTest(unittest.TestCase):
    aws: LocalAws
    endpoint: str

    # ---------------------------------------------------------------- setup

    @classmethod
    def setUpClass(cls) -> None:
        handle, log = tempfile.mkstemp(prefix="moto_ext_", suffix=".log")
        os.close(handle)
        cls.log = Path(log)
        cls.processes = Processes(grace_s=5.0)
        cls.addClassCleanup(cls.stop_server)
        cls.aws = LocalAws(cls.processes, cls.log, timeout_s=START_TIMEOUT_S)
        cls.endpoint = cls.aws.endpoint
        cls.iam = cls.client("iam")
        cls.config = cls.client("config")
        cls.awslambda = cls.client("lambda")
        cls.sts = cls.client("sts")

    @classmethod
    def stop_server(cls) -> None:
        cls.processes.stop_all()
        cls.log.unlink(missing_ok=True)

    @classmethod
    def client(cls, service: str, retries: int = 1, validate: bool = True, region: str = REGION):
        """boto3 client; validate=False skips boto3's own length/range checks
        (the Rust SDK does not check them, so the server must)."""
        return cls.aws.client(
            service,
            region,
            retries={"mode": "standard", "total_max_attempts": retries},
            parameter_validation=validate,
        )

    def setUp(self) -> None:
        self.control("POST", "/moto-api/reset")
        for route in ("faults", "calls", "evaluations", "invocations", "regions", "aggregator-sources"):
            self.control("DELETE", f"/_trustcheck/{route}")

    # -------------------------------------------------------------- helpers

    def control(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        return request_json(f"{self.endpoint}{path}", method, body, timeout_s=60)

    def raw_call(self, client, operation: str, **kwargs) -> tuple[dict, bytes]:
        """Call an operation; return (parsed response, raw body bytes)."""
        captured: dict[str, bytes] = {}
        event = f"after-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"

        def hook(http_response, **_):
            captured["body"] = http_response.content

        client.meta.events.register(event, hook)
        try:
            method = botocore.xform_name(operation)
            parsed = getattr(client, method)(**kwargs)
        finally:
            client.meta.events.unregister(event, hook)
        return parsed, captured["body"]

    def create_role(self, name: str, trust: dict = LAMBDA_TRUST, **kwargs) -> dict:
        return self.iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **kwargs
        )["Role"]

    def create_function(self, name: str, role_arn: str, client=None) -> dict:
        return (client or self.awslambda).create_function(
            FunctionName=name,
            Role=role_arn,
            Runtime="provided.al2023",
            Handler="bootstrap",
            Code={"ZipFile": tiny_zip()},
        )

    @staticmethod
    def evaluation(resource_id: str, compliance: str = "NON_COMPLIANT", **extra) -> dict:
        return {
            "ComplianceResourceType": "AWS::IAM::Role",
            "ComplianceResourceId": resource_id,
            "ComplianceType": compliance,
            "OrderingTimestamp": 1_700_000_000,
            **extra,
        }

    def details(self, rule: str, **kwargs) -> list[dict]:
        return self.config.get_compliance_details_by_config_rule(
            ConfigRuleName=rule, Limit=100, **kwargs
        )["EvaluationResults"]

    def seed(self, roles: int, functions: int, **extra) -> dict:
        status, body = self.control(
            "POST", "/_trustcheck/seed", {"roles": roles, "functions": functions, **extra}
        )
        self.assertEqual(status, 200, body)
        return body

    def assert_error(self, code: str, call, *args, **kwargs) -> ClientError:
        with self.assertRaises(ClientError) as caught:
            call(*args, **kwargs)
        self.assertEqual(caught.exception.response["Error"]["Code"], code)
        return caught.exception

    # ------------------------------------------------------ a. PutEvaluations

    def test_put_evaluations_stores_and_reads_back(self):
        result = self.config.put_evaluations(
            ResultToken="trustcheck-rule",
            Evaluations=[
                self.evaluation("AROAB", Annotation="Principal AWS:* trusts everyone"),
                self.evaluation("AROAA", "COMPLIANT", OrderingTimestamp=1_700_000_123),
            ],
        )
        self.assertEqual(result["FailedEvaluations"], [])

        parsed, raw = self.raw_call(
            self.config, "GetComplianceDetailsByConfigRule", ConfigRuleName="trustcheck-rule"
        )
        results = parsed["EvaluationResults"]
        self.assertEqual(
            [r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"] for r in results],
            ["AROAA", "AROAB"],
            "stable order by resource id",
        )
        first, second = results
        self.assertEqual(first["ComplianceType"], "COMPLIANT")
        self.assertNotIn("Annotation", first)
        self.assertEqual(second["ComplianceType"], "NON_COMPLIANT")
        self.assertEqual(second["Annotation"], "Principal AWS:* trusts everyone")
        qualifier = second["EvaluationResultIdentifier"]["EvaluationResultQualifier"]
        self.assertEqual(
            qualifier,
            {
                "ConfigRuleName": "trustcheck-rule",
                "ResourceType": "AWS::IAM::Role",
                "ResourceId": "AROAB",
                "EvaluationMode": "DETECTIVE",
            },
        )
        self.assertNotIn("NextToken", parsed)

        wire = json.loads(raw)["EvaluationResults"][0]
        self.assertEqual(wire["EvaluationResultIdentifier"]["OrderingTimestamp"], 1_700_000_123)
        for field in ("ResultRecordedTime", "ConfigRuleInvokedTime"):
            self.assertIsInstance(wire[field], (int, float), f"{field} must be epoch seconds")
            self.assertLess(abs(wire[field] - time.time()), 60)

        # The latest write wins; other rules are separate.
        self.config.put_evaluations(
            ResultToken="trustcheck-rule", Evaluations=[self.evaluation("AROAB", "NOT_APPLICABLE")]
        )
        self.config.put_evaluations(ResultToken="other-rule", Evaluations=[self.evaluation("AROAZ")])
        by_id = {
            r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]: r
            for r in self.details("trustcheck-rule")
        }
        self.assertEqual(set(by_id), {"AROAA", "AROAB"})
        self.assertEqual(by_id["AROAB"]["ComplianceType"], "NOT_APPLICABLE")
        self.assertNotIn("Annotation", by_id["AROAB"])

        compliant = self.details("trustcheck-rule", ComplianceTypes=["COMPLIANT"])
        self.assertEqual(len(compliant), 1)
        self.assertEqual(compliant[0]["ComplianceType"], "COMPLIANT")
        self.assertEqual(self.details("never-evaluated-rule"), [])

    def test_test_mode_validates_and_stores_nothing(self):
        result = self.config.put_evaluations(
            ResultToken="TESTMODE", TestMode=True, Evaluations=[self.evaluation("AROAA")]
        )
        self.assertEqual(result["FailedEvaluations"], [])
        self.assertEqual(self.details("TESTMODE"), [])
        self.assert_error(
            "InvalidParameterValueException",
            self.config.put_evaluations,
            ResultToken="TESTMODE",
            TestMode=True,
            Evaluations=[self.evaluation("AROAA", "INSUFFICIENT_DATA")],
        )

    def test_delete_evaluation_results_drops_only_that_rule_s(self):
        for rule in ("trustcheck-a", "trustcheck-b"):
            self.config.put_evaluations(ResultToken=rule, Evaluations=[self.evaluation("AROAA")])
        self.config.delete_evaluation_results(ConfigRuleName="trustcheck-a")
        left = lambda rule: self.config.get_compliance_details_by_config_rule(ConfigRuleName=rule)[
            "EvaluationResults"
        ]
        self.assertEqual(left("trustcheck-a"), [])
        self.assertEqual(len(left("trustcheck-b")), 1)

    def test_put_evaluations_validation(self):
        put = self.client("config", validate=False).put_evaluations
        too_many = [self.evaluation(f"AROA{i:04d}") for i in range(101)]
        error = self.assert_error("ValidationException", put, ResultToken="r", Evaluations=too_many)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assert_error(
            "ValidationException", put, ResultToken="r",
            Evaluations=[self.evaluation("AROAA", Annotation="")],
        )
        self.assert_error(
            "ValidationException", put, ResultToken="r",
            Evaluations=[self.evaluation("AROAA", Annotation="x" * 257)],
        )
        self.assert_error(
            "InvalidParameterValueException", put, ResultToken="r",
            Evaluations=[self.evaluation("AROAA", "INSUFFICIENT_DATA")],
        )
        self.assert_error(
            "ValidationException", put, ResultToken="r",
            Evaluations=[self.evaluation("AROAA", "MAYBE")],
        )
        # A failing call stores nothing, even its valid members.
        self.assert_error(
            "ValidationException", put, ResultToken="r",
            Evaluations=[self.evaluation("AROAA"), self.evaluation("AROAB", Annotation="")],
        )
        self.assertEqual(self.details("r"), [])
        # Boundaries that AWS accepts.
        put(ResultToken="r", Evaluations=[self.evaluation("AROAA", Annotation="x" * 256)])
        put(ResultToken="r", Evaluations=too_many[:100])
        self.assertEqual(len(self.details("r")), 100)

    def test_ordering_timestamp_keeps_latest_and_logs_writes(self):
        put = self.config.put_evaluations
        put(ResultToken="ordered", Evaluations=[
            self.evaluation("AROAA", Annotation="t200", OrderingTimestamp=1_700_000_200),
        ])
        first = self.details("ordered")[0]

        # Older: accepted by the API, but the stored evaluation stays.
        result = put(ResultToken="ordered", Evaluations=[
            self.evaluation("AROAA", "COMPLIANT", OrderingTimestamp=1_700_000_100),
        ])
        self.assertEqual(result["FailedEvaluations"], [])
        parsed, raw = self.raw_call(
            self.config, "GetComplianceDetailsByConfigRule", ConfigRuleName="ordered"
        )
        (kept,) = parsed["EvaluationResults"]
        self.assertEqual((kept["ComplianceType"], kept["Annotation"]), ("NON_COMPLIANT", "t200"))
        self.assertEqual(kept["ResultRecordedTime"], first["ResultRecordedTime"])
        wire = json.loads(raw)["EvaluationResults"][0]
        self.assertEqual(wire["EvaluationResultIdentifier"]["OrderingTimestamp"], 1_700_000_200)
        self.assertIsInstance(wire["ResultRecordedTime"], (int, float))

        # Equal replaces, newer replaces; in one call the members apply in order.
        put(ResultToken="ordered", Evaluations=[
            self.evaluation("AROAA", "NOT_APPLICABLE", OrderingTimestamp=1_700_000_200),
        ])
        self.assertEqual(self.details("ordered")[0]["ComplianceType"], "NOT_APPLICABLE")
        put(ResultToken="ordered", Evaluations=[
            self.evaluation("AROAA", "COMPLIANT", OrderingTimestamp=1_700_000_300),
            self.evaluation("AROAA", "NON_COMPLIANT", OrderingTimestamp=1_700_000_250),
        ])
        (latest,) = self.details("ordered")
        self.assertEqual(latest["ComplianceType"], "COMPLIANT")
        self.assertEqual(
            latest["EvaluationResultIdentifier"]["OrderingTimestamp"].timestamp(), 1_700_000_300
        )
        self.assertGreaterEqual(latest["ResultRecordedTime"], first["ResultRecordedTime"])

        # Not logged: TestMode calls, failed:N members, calls that fail validation, other rules.
        put(ResultToken="ordered", TestMode=True, Evaluations=[self.evaluation("AROAT")])
        self.queue("PutEvaluations", "failed:1")
        put(ResultToken="ordered", Evaluations=[
            self.evaluation("AROAF"), self.evaluation("AROAB", OrderingTimestamp=1_700_000_400),
        ])
        self.assert_error("ValidationException", self.client("config", validate=False).put_evaluations,
                          ResultToken="ordered", Evaluations=[self.evaluation("AROAV", Annotation="")])
        put(ResultToken="other-rule", Evaluations=[self.evaluation("AROAA")])

        status, body = self.control("GET", "/_trustcheck/evaluations?rule=ordered")
        self.assertEqual(status, 200)
        self.assertEqual(
            [(e["resourceId"], e["complianceType"], e["orderingTimestamp"], e["stored"])
             for e in body["evaluations"]],
            [
                ("AROAA", "NON_COMPLIANT", 1_700_000_200.0, True),
                ("AROAA", "COMPLIANT", 1_700_000_100.0, False),
                ("AROAA", "NOT_APPLICABLE", 1_700_000_200.0, True),
                ("AROAA", "COMPLIANT", 1_700_000_300.0, True),
                ("AROAA", "NON_COMPLIANT", 1_700_000_250.0, False),
                ("AROAB", "NON_COMPLIANT", 1_700_000_400.0, True),
            ],
        )
        self.assertEqual(
            body["evaluations"][0],
            {"resourceType": "AWS::IAM::Role", "resourceId": "AROAA", "complianceType": "NON_COMPLIANT",
             "annotation": "t200", "orderingTimestamp": 1_700_000_200.0, "stored": True},
        )
        self.assertIsNone(body["evaluations"][1]["annotation"])
        self.assertIsInstance(body["evaluations"][0]["orderingTimestamp"], float)
        self.assertEqual(len(self.control("GET", "/_trustcheck/evaluations?rule=other-rule")[1]["evaluations"]), 1)
        self.assertEqual(self.control("GET", "/_trustcheck/evaluations?rule=nope")[1], {"evaluations": []})
        self.assertEqual(self.control("GET", "/_trustcheck/evaluations")[0], 400)
        self.assertEqual(self.control("DELETE", "/_trustcheck/evaluations"), (200, {"evaluations": []}))
        self.assertEqual(self.control("GET", "/_trustcheck/evaluations?rule=ordered")[1], {"evaluations": []})
        self.assertEqual(len(self.details("ordered")), 2, "clearing the log keeps the store")

    # ------------------------------------- b. GetComplianceDetailsByConfigRule

    def test_compliance_details_pagination(self):
        ids = [f"AROA{i:05d}" for i in range(250)]
        for chunk in (ids[:100], ids[100:200], ids[200:]):
            self.config.put_evaluations(
                ResultToken="paged-rule", Evaluations=[self.evaluation(i) for i in chunk]
            )
        seen, pages, token = [], 0, None
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.config.get_compliance_details_by_config_rule(
                ConfigRuleName="paged-rule", Limit=100, **kwargs
            )
            pages += 1
            self.assertLessEqual(len(page["EvaluationResults"]), 100)
            seen += [
                r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
                for r in page["EvaluationResults"]
            ]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, ids)

        # The boto3 paginator agrees; the API default page size is 10.
        paginator = self.config.get_paginator("get_compliance_details_by_config_rule")
        sizes = [len(p["EvaluationResults"]) for p in paginator.paginate(ConfigRuleName="paged-rule")]
        self.assertEqual(sizes, [10] * 25)

        self.assert_error(
            "ValidationException",
            self.config.get_compliance_details_by_config_rule,
            ConfigRuleName="paged-rule", Limit=101,
        )
        self.assert_error(
            "InvalidNextTokenException",
            self.config.get_compliance_details_by_config_rule,
            ConfigRuleName="paged-rule", NextToken="garbage",
        )

    # ----------------------------------------------- c. SelectResourceConfig

    def test_select_resource_config_by_role_and_all(self):
        role_a = self.create_role("app-a")
        role_b = self.create_role("app-b")
        for name in ("fn-a1", "fn-a2", "fn-a3"):
            self.create_function(name, role_a["Arn"])
        self.create_function("fn-b1", role_b["Arn"])

        by_role = self.config.select_resource_config(
            Expression=(
                "SELECT resourceName, arn, accountId, configuration.role, configuration.functionName "
                f"WHERE resourceType = 'AWS::Lambda::Function' AND configuration.role = '{role_a['Arn']}'"
            )
        )
        rows = [json.loads(r) for r in by_role["Results"]]
        self.assertEqual([r["resourceName"] for r in rows], ["fn-a1", "fn-a2", "fn-a3"])
        self.assertEqual(
            rows[0],
            {
                "resourceName": "fn-a1",
                "arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn-a1",
                "accountId": ACCOUNT,
                "configuration": {"role": role_a["Arn"], "functionName": "fn-a1"},
            },
        )
        self.assertEqual(
            [f["Name"] for f in by_role["QueryInfo"]["SelectFields"]],
            ["resourceName", "arn", "accountId", "configuration.role", "configuration.functionName"],
        )
        self.assertNotIn("NextToken", by_role)

        everything = self.config.select_resource_config(
            Expression="select * where resourceType='AWS::Lambda::Function'"
        )
        rows = [json.loads(r) for r in everything["Results"]]
        self.assertEqual([r["resourceName"] for r in rows], ["fn-a1", "fn-a2", "fn-a3", "fn-b1"])
        self.assertEqual(rows[3]["configuration"]["role"], role_b["Arn"])

        in_list = self.config.select_resource_config(
            Expression=(
                "SELECT resourceName WHERE resourceType = 'AWS::Lambda::Function' "
                f"AND configuration.role IN ('{role_b['Arn']}', 'arn:aws:iam::{ACCOUNT}:role/none')"
            )
        )
        self.assertEqual([json.loads(r) for r in in_list["Results"]], [{"resourceName": "fn-b1"}])

        unused = self.create_role("unused")
        empty = self.config.select_resource_config(
            Expression=(
                "SELECT arn WHERE resourceType = 'AWS::Lambda::Function' "
                f"AND configuration.role = '{unused['Arn']}'"
            )
        )
        self.assertEqual(empty["Results"], [])

    def test_select_roles_by_tag_key(self):
        iam = self.client("iam")
        iam.create_role(RoleName="tagged-exempt", AssumeRolePolicyDocument="{}",
                        Tags=[{"Key": "trustcheck:exempt", "Value": "break-glass"}])
        iam.create_role(RoleName="untagged", AssumeRolePolicyDocument="{}")
        config = self.client("config")
        out = config.select_resource_config(
            Expression="SELECT resourceId WHERE resourceType = 'AWS::IAM::Role' AND tags.key = 'trustcheck:exempt'")
        rows = [json.loads(r) for r in out["Results"]]
        role_id = iam.get_role(RoleName="tagged-exempt")["Role"]["RoleId"]
        self.assertEqual(rows, [{"resourceId": role_id}])

    def test_select_resource_config_pagination_and_errors(self):
        self.seed(roles=230, functions=230, prefix="sel")
        expression = "SELECT resourceName WHERE resourceType = 'AWS::Lambda::Function'"
        names, pages, token = [], 0, None
        while True:
            kwargs = {"NextToken": token} if token else {}
            page = self.config.select_resource_config(Expression=expression, Limit=100, **kwargs)
            pages += 1
            names += [json.loads(r)["resourceName"] for r in page["Results"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(names, [f"sel-fn-{i:05d}" for i in range(230)])

        role_arn = f"arn:aws:iam::{ACCOUNT}:role/sel-role-00007"
        single = self.config.select_resource_config(
            Expression=(
                "SELECT resourceName, configuration.role WHERE resourceType = "
                f"'AWS::Lambda::Function' AND configuration.role = '{role_arn}'"
            ),
            Limit=5,
        )
        self.assertEqual(
            [json.loads(r) for r in single["Results"]],
            [{"resourceName": "sel-fn-00007", "configuration": {"role": role_arn}}],
        )

        for bad in (
            "SELECT resourceId WHERE resourceType = 'AWS::IAM::Role'",
            "SELECT resourceId WHERE resourceType = 'AWS::Lambda::Function' AND tags.key = 'x'",
            "SELECT COUNT(*)",
        ):
            error = self.assert_error(
                "InvalidExpressionException", self.config.select_resource_config, Expression=bad
            )
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
            self.assertIn("configuration.role", error.response["Error"]["Message"])
        self.assert_error(
            "ValidationException", self.config.select_resource_config, Expression=expression, Limit=101
        )
        self.assert_error(
            "InvalidNextTokenException",
            self.config.select_resource_config,
            Expression=expression, NextToken="bm9wZQ==",
        )

    # -------------------------------- c./i. per region, j. aggregate queries

    LAMBDA_ROWS = (
        "SELECT resourceName, arn, awsRegion, accountId, configuration.role "
        "WHERE resourceType = 'AWS::Lambda::Function'"
    )

    def select_rows(self, client, expression: str, **kwargs) -> list[dict]:
        return [json.loads(r) for r in client.select_resource_config(Expression=expression, **kwargs)["Results"]]

    def test_select_and_list_functions_are_per_region(self):
        role = self.create_role("regional")
        eu_lambda = self.client("lambda", region="eu-west-1")
        eu_config = self.client("config", region="eu-west-1")
        self.create_function("us-fn-1", role["Arn"])
        self.create_function("us-fn-2", role["Arn"])
        self.create_function("eu-fn-1", role["Arn"], client=eu_lambda)

        us_rows = self.select_rows(self.config, self.LAMBDA_ROWS)
        self.assertEqual([(r["resourceName"], r["awsRegion"]) for r in us_rows],
                         [("us-fn-1", "us-east-1"), ("us-fn-2", "us-east-1")])
        eu_rows = self.select_rows(eu_config, self.LAMBDA_ROWS)
        self.assertEqual(
            eu_rows,
            [{"resourceName": "eu-fn-1", "arn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:eu-fn-1",
              "awsRegion": "eu-west-1", "accountId": ACCOUNT, "configuration": {"role": role["Arn"]}}],
        )
        self.assertEqual(self.select_rows(self.client("config", region="ap-south-1"), self.LAMBDA_ROWS), [])
        self.assertEqual([f["FunctionName"] for f in self.awslambda.list_functions()["Functions"]],
                         ["us-fn-1", "us-fn-2"])
        self.assertEqual([f["FunctionName"] for f in eu_lambda.list_functions()["Functions"]], ["eu-fn-1"])

        # ListFunctions pages (50 per page) count only the region's functions.
        self.seed(roles=120, functions=120, regions=["us-east-1", "eu-west-1"])
        for client, total in ((self.awslambda, 62), (eu_lambda, 61)):
            pages = list(client.get_paginator("list_functions").paginate())
            self.assertEqual([len(p["Functions"]) for p in pages], [50, total - 50])
        names = [json.loads(r)["resourceName"] for r in eu_config.select_resource_config(
            Expression="SELECT resourceName WHERE resourceType = 'AWS::Lambda::Function'", Limit=100
        )["Results"]]
        self.assertEqual(len(names), 61)
        self.assertTrue(all(n == "eu-fn-1" or int(n[-5:]) % 2 == 1 for n in names), names[:5])

    def test_select_aggregate_resource_config(self):
        role = self.create_role("agg-role")
        other = self.create_role("agg-other")
        eu_lambda = self.client("lambda", region="eu-west-1")
        self.create_function("fn-us", role["Arn"])
        self.create_function("fn-eu", role["Arn"], client=eu_lambda)
        self.create_function("fn-other", other["Arn"], client=eu_lambda)
        # Another account moto knows (seeded straight into its backends).
        self.seed(roles=2, functions=2, account="111111111111", region="ap-south-1", prefix="acct")

        select = self.config.select_aggregate_resource_config
        expression = self.LAMBDA_ROWS + f" AND configuration.role = '{role['Arn']}'"
        error = self.assert_error("NoSuchConfigurationAggregatorException", select,
                                  Expression=expression, ConfigurationAggregatorName="nope")
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)

        self.config.put_configuration_aggregator(
            ConfigurationAggregatorName="org",
            AccountAggregationSources=[{"AccountIds": [ACCOUNT], "AllAwsRegions": True}],
        )
        parsed, raw = self.raw_call(self.config, "SelectAggregateResourceConfig",
                                    Expression=expression, ConfigurationAggregatorName="org")
        rows = [json.loads(r) for r in parsed["Results"]]
        self.assertEqual(
            rows,
            [
                {"resourceName": "fn-eu", "arn": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:fn-eu",
                 "awsRegion": "eu-west-1", "accountId": ACCOUNT, "configuration": {"role": role["Arn"]}},
                {"resourceName": "fn-us", "arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:fn-us",
                 "awsRegion": "us-east-1", "accountId": ACCOUNT, "configuration": {"role": role["Arn"]}},
            ],
        )
        self.assertIsInstance(json.loads(raw)["Results"][0], str, "rows are JSON text")
        self.queue("SelectAggregateResourceConfig", "empty")
        self.assertEqual(select(Expression=expression, ConfigurationAggregatorName="org")["Results"], [])
        self.assertEqual([f["Name"] for f in parsed["QueryInfo"]["SelectFields"]],
                         ["resourceName", "arn", "awsRegion", "accountId", "configuration.role"])
        # Same text as the regional query gives for the same function.
        regional = self.config.select_resource_config(Expression=expression)["Results"]
        self.assertEqual(parsed["Results"][1], regional[0])

        everything = [
            (r["accountId"], r["awsRegion"], r["resourceName"])
            for page in self.config.get_paginator("select_aggregate_resource_config").paginate(
                Expression=self.LAMBDA_ROWS, ConfigurationAggregatorName="org", Limit=2)
            for r in map(json.loads, page["Results"])
        ]
        self.assertEqual(everything, [
            ("111111111111", "ap-south-1", "acct-fn-00000"),
            ("111111111111", "ap-south-1", "acct-fn-00001"),
            (ACCOUNT, "eu-west-1", "fn-eu"),
            (ACCOUNT, "eu-west-1", "fn-other"),
            (ACCOUNT, "us-east-1", "fn-us"),
        ])
        # `accountId` keeps an organization's aggregator to one account's rows.
        own = [json.loads(r)["resourceName"] for r in select(
            Expression=self.LAMBDA_ROWS + f" AND accountId = '{ACCOUNT}'", ConfigurationAggregatorName="org")["Results"]]
        self.assertEqual(own, ["fn-eu", "fn-other", "fn-us"])
        page = select(Expression=self.LAMBDA_ROWS, ConfigurationAggregatorName="org", MaxResults=3)
        self.assertEqual(len(page["Results"]), 3)
        self.assertIn("NextToken", page)
        self.assert_error("InvalidNextTokenException", self.config.select_resource_config,
                          Expression=self.LAMBDA_ROWS, NextToken=page["NextToken"])
        self.assert_error("InvalidExpressionException", select,
                          Expression="SELECT COUNT(*)", ConfigurationAggregatorName="org")
        self.assert_error("ValidationException", select, Expression=self.LAMBDA_ROWS,
                          ConfigurationAggregatorName="org", Limit=101)
        # An aggregator of named regions answers for those only.
        self.config.put_configuration_aggregator(
            ConfigurationAggregatorName="us-only",
            AccountAggregationSources=[{"AccountIds": [ACCOUNT], "AwsRegions": ["us-east-1"]}],
        )
        rows = [json.loads(r) for r in select(Expression=expression, ConfigurationAggregatorName="us-only")["Results"]]
        self.assertEqual([r["resourceName"] for r in rows], ["fn-us"])

        # Its sources' status, one entry per account and region; a failed region's rows are missing.
        describe = self.config.describe_configuration_aggregator_sources_status
        statuses = describe(ConfigurationAggregatorName="us-only")["AggregatedSourceStatusList"]
        self.assertEqual(
            [(s["SourceId"], s["SourceType"], s["AwsRegion"], s["LastUpdateStatus"]) for s in statuses],
            [(ACCOUNT, "ACCOUNT", "us-east-1", "SUCCEEDED")],
        )
        status, body = self.control("POST", "/_trustcheck/aggregator-sources",
                                    {"aggregator": "org", "region": "eu-west-1", "status": "FAILED"})
        self.assertEqual((status, body), (200, {"statuses": {"org@eu-west-1": "FAILED"}}))
        failed = describe(ConfigurationAggregatorName="org", UpdateStatus=["FAILED", "OUTDATED"])
        self.assertEqual([(s["AwsRegion"], s["LastUpdateStatus"]) for s in failed["AggregatedSourceStatusList"]],
                         [("eu-west-1", "FAILED")])
        every = [s["AwsRegion"] for page in self.config.get_paginator(
            "describe_configuration_aggregator_sources_status").paginate(ConfigurationAggregatorName="org", Limit=5)
            for s in page["AggregatedSourceStatusList"]]
        self.assertEqual(len(every), 17, "every enabled region once")
        rows = [json.loads(r)["resourceName"] for r in select(Expression=expression, ConfigurationAggregatorName="org")["Results"]]
        self.assertEqual(rows, ["fn-us"])
        self.assert_error("NoSuchConfigurationAggregatorException", describe, ConfigurationAggregatorName="nope")
        self.assert_error("ValidationException", describe, ConfigurationAggregatorName="org", UpdateStatus=["BROKEN"])
        self.assertEqual(self.control("POST", "/_trustcheck/aggregator-sources", {"aggregator": "org"})[0], 400)
        self.control("DELETE", "/_trustcheck/aggregator-sources")

        # Role queries: every account's roles.
        self.iam.tag_role(RoleName="agg-other", Tags=[{"Key": "trustcheck:exempt", "Value": "x"}])
        roles = [json.loads(r) for r in select(
            Expression="SELECT resourceName, accountId WHERE resourceType = 'AWS::IAM::Role' "
                       "AND tags.key = 'trustcheck:exempt'",
            ConfigurationAggregatorName="org")["Results"]]
        self.assertEqual(roles, [{"resourceName": "agg-other", "accountId": ACCOUNT}])

    # ------------------------------------------- d. config items parseable

    def test_organization_config_rules_keep_their_excluded_accounts(self):
        put = self.config.put_organization_config_rule(
            OrganizationConfigRuleName="org-rule",
            OrganizationCustomRuleMetadata={
                "LambdaFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:evaluator",
                "OrganizationConfigRuleTriggerTypes": ["ScheduledNotification"],
            },
            ExcludedAccounts=["111122223333"],
        )
        self.assertIn(":organization-config-rule/org-rule-", put["OrganizationConfigRuleArn"])
        rules = self.config.describe_organization_config_rules(
            OrganizationConfigRuleNames=["org-rule"]
        )["OrganizationConfigRules"]
        self.assertEqual([r["ExcludedAccounts"] for r in rules], [["111122223333"]])
        self.assertEqual(rules[0]["OrganizationConfigRuleArn"], put["OrganizationConfigRuleArn"])
        with self.assertRaises(ClientError) as caught:
            self.config.describe_organization_config_rules(OrganizationConfigRuleNames=["other"])
        self.assertEqual(
            caught.exception.response["Error"]["Code"], "NoSuchOrganizationConfigRuleException"
        )

    def test_config_history_and_batch_get_are_parseable(self):
        role = self.create_role(
            "svc-role", Path="/service/", Tags=[{"Key": "team", "Value": "sec"}]
        )
        self.assertTrue(role["RoleId"].startswith("AROA"))
        parsed, raw = self.raw_call(
            self.config, "GetResourceConfigHistory",
            resourceType="AWS::IAM::Role", resourceId=role["RoleId"],
        )
        self.assertEqual(len(parsed["configurationItems"]), 1)
        item = json.loads(raw)["configurationItems"][0]
        for field in ("configurationItemCaptureTime", "resourceCreationTime"):
            self.assertIsInstance(item[field], (int, float), f"{field} must be epoch seconds")
            self.assertLess(abs(item[field] - time.time()), 120)
        self.assertEqual(item["tags"], {"team": "sec"})
        self.assertEqual(item["resourceId"], role["RoleId"])
        self.assertEqual(item["resourceName"], "svc-role")
        self.assertEqual(item["arn"], role["Arn"])
        self.assertEqual(item["accountId"], ACCOUNT)
        self.assertIsInstance(item["configuration"], str)
        configuration = json.loads(item["configuration"])
        encoded = configuration["assumeRolePolicyDocument"]
        self.assertTrue(encoded.startswith("%7B"), encoded[:20])
        self.assertEqual(json.loads(urllib.parse.unquote(encoded)), LAMBDA_TRUST)
        self.assertEqual(configuration["roleId"], role["RoleId"])

        parsed, raw = self.raw_call(
            self.config, "BatchGetResourceConfig",
            resourceKeys=[{"resourceType": "AWS::IAM::Role", "resourceId": role["RoleId"]}],
        )
        item = json.loads(raw)["baseConfigurationItems"][0]
        self.assertIsInstance(item["configurationItemCaptureTime"], (int, float))
        self.assertEqual(item["resourceId"], role["RoleId"])
        self.assertEqual(parsed["unprocessedResourceKeys"], [])

        # Like AWS, the role name is not a resource id.
        self.assert_error(
            "ResourceNotDiscoveredException",
            self.config.get_resource_config_history,
            resourceType="AWS::IAM::Role", resourceId="svc-role",
        )

    # ------------------------------------------------------- e. ListRoles

    def test_list_roles_encodes_trust_policy_like_get_role(self):
        iam = self.client("iam")
        iam.meta.events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
        self.create_role("encoded")
        listed = iam.list_roles()["Roles"][0]["AssumeRolePolicyDocument"]
        got = iam.get_role(RoleName="encoded")["Role"]["AssumeRolePolicyDocument"]
        self.assertIsInstance(listed, str)
        self.assertTrue(listed.startswith("%7B%22Version%22"), listed[:30])
        self.assertEqual(listed, got)
        self.assertEqual(json.loads(urllib.parse.unquote(listed)), LAMBDA_TRUST)

    def test_list_roles_max_items_1000(self):
        self.seed(roles=2500, functions=0)
        names, pages, marker = [], [], None
        while True:
            kwargs = {"Marker": marker} if marker else {}
            page = self.iam.list_roles(MaxItems=1000, **kwargs)
            pages.append(len(page["Roles"]))
            names += [r["RoleName"] for r in page["Roles"]]
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                break
            marker = page["Marker"]
        self.assertEqual(pages, [1000, 1000, 500])
        self.assertEqual(sorted(names), [f"seed-role-{i:05d}" for i in range(2500)])
        self.assertEqual(len(self.iam.list_roles()["Roles"]), 100, "default MaxItems is 100")
        self.assert_error("ValidationError", self.iam.list_roles, MaxItems=1001)

    # -------------------------------------------------- i. ListFunctions paging

    def test_list_functions_pages_like_aws(self):
        self.seed(roles=120, functions=120)
        sizes = [len(p["Functions"]) for p in self.awslambda.get_paginator("list_functions").paginate()]
        self.assertEqual(sizes, [50, 50, 20])
        first = self.awslambda.list_functions(MaxItems=10)
        self.assertEqual(len(first["Functions"]), 10)
        second = self.awslambda.list_functions(MaxItems=1000, Marker=first["NextMarker"])
        self.assertEqual(len(second["Functions"]), 50, "at most 50 per page")
        self.assertEqual(second["Functions"][0]["FunctionName"], "seed-fn-00010")
        self.assert_error(
            "InvalidParameterValueException", self.awslambda.list_functions, Marker="not-a-marker"
        )
        self.assert_error(
            "ValidationException", self.client("lambda", validate=False).list_functions, MaxItems=0
        )

    # ---------------------------------------------------- k. Account ListRegions

    DEFAULT_ENABLED = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
        "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
        "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
    ]
    DEFAULT_DISABLED = ["af-south-1", "ap-east-1", "eu-south-1", "me-south-1"]

    def test_account_list_regions(self):
        account = self.client("account")
        parsed, raw = self.raw_call(account, "ListRegions")
        self.assertNotIn("NextToken", parsed)
        expected = sorted(
            [{"RegionName": r, "RegionOptStatus": "ENABLED_BY_DEFAULT"} for r in self.DEFAULT_ENABLED]
            + [{"RegionName": r, "RegionOptStatus": "DISABLED"} for r in self.DEFAULT_DISABLED],
            key=lambda r: r["RegionName"],
        )
        self.assertEqual(json.loads(raw), {"Regions": expected})
        self.assertEqual(self.control("GET", "/_trustcheck/regions"), (200, {"regions": expected}))

        enabled = account.list_regions(RegionOptStatusContains=["ENABLED", "ENABLED_BY_DEFAULT"])
        self.assertEqual(sorted(r["RegionName"] for r in enabled["Regions"]), sorted(self.DEFAULT_ENABLED))
        pages = list(account.get_paginator("list_regions").paginate(
            RegionOptStatusContains=["DISABLED"], PaginationConfig={"PageSize": 3}))
        self.assertEqual([[r["RegionName"] for r in p["Regions"]] for p in pages],
                         [["af-south-1", "ap-east-1", "eu-south-1"], ["me-south-1"]])

        # Replace the list: an opt-in region enabled, a default one disabled.
        status, body = self.control("POST", "/_trustcheck/regions",
                                    {"enabled": ["us-east-1", "ap-east-1"], "disabled": ["eu-west-1"]})
        self.assertEqual(status, 200, body)
        replaced = [
            {"RegionName": "ap-east-1", "RegionOptStatus": "ENABLED"},
            {"RegionName": "eu-west-1", "RegionOptStatus": "DISABLED"},
            {"RegionName": "us-east-1", "RegionOptStatus": "ENABLED_BY_DEFAULT"},
        ]
        self.assertEqual(body, {"regions": replaced})
        self.assertEqual(account.list_regions()["Regions"], replaced)
        self.assertEqual(account.list_regions(RegionOptStatusContains=["ENABLED"])["Regions"], replaced[:1])
        for bad in ({}, {"enabled": "us-east-1"}, {"enabled": ["us-east-1"], "disabled": ["us-east-1"]},
                    {"enabled": ["not a region"]}, {"enabled": [], "other": []}):
            status, body = self.control("POST", "/_trustcheck/regions", bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)
        self.assertEqual(self.control("DELETE", "/_trustcheck/regions"), (200, {"regions": expected}))

        unchecked = self.client("account", validate=False)
        for kwargs in ({"MaxResults": 0}, {"MaxResults": 51}, {"RegionOptStatusContains": ["ON"]},
                       {"NextToken": "garbage"}):
            error = self.assert_error("ValidationException", unchecked.list_regions, **kwargs)
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400, kwargs)

        self.queue("account.ListRegions", "throttle", "500")
        error = self.assert_error("TooManyRequestsException", account.list_regions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        error = self.assert_error("InternalServerException", account.list_regions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(len(account.list_regions()["Regions"]), 21)
        self.assertEqual(self.control("GET", "/_trustcheck/calls")[1]["calls"]["account.ListRegions"], 13)

    # ------------------------------------------------ l. async Lambda Invoke

    def test_lambda_invoke_event_is_recorded(self):
        arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:evaluator"
        response = self.awslambda.invoke(
            FunctionName="evaluator", InvocationType="Event",
            Payload=json.dumps({"resultToken": "rule", "roles": ["AROAA"]}),
        )
        self.assertEqual(response["StatusCode"], 202)
        self.assertEqual(response["Payload"].read(), b"")
        self.awslambda.invoke(FunctionName=arn, InvocationType="Event", Qualifier="live", Payload=b"not json")
        self.awslambda.invoke(FunctionName="evaluator:3", InvocationType="Event")

        status, body = self.control("GET", "/_trustcheck/invocations")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"invocations": [
            {"function": "evaluator", "qualifier": None,
             "payload": {"resultToken": "rule", "roles": ["AROAA"]}},
            {"function": arn, "qualifier": "live", "payload": "not json"},
            {"function": "evaluator:3", "qualifier": None, "payload": ""},
        ]})

        # Faults apply; faulted calls are not recorded.
        self.queue("Invoke", "throttle", "500")
        error = self.assert_error("TooManyRequestsException", self.awslambda.invoke,
                                  FunctionName="evaluator", InvocationType="Event")
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assert_error("ServiceException", self.awslambda.invoke,
                          FunctionName="evaluator", InvocationType="Event")
        error = self.assert_error("ValidationException", self.awslambda.invoke,
                                  FunctionName="no spaces", InvocationType="Event")
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # RequestResponse still goes to moto (unknown function: 404, not recorded).
        self.assert_error("ResourceNotFoundException", self.awslambda.invoke, FunctionName="evaluator")

        self.assertEqual(len(self.control("GET", "/_trustcheck/invocations")[1]["invocations"]), 3)
        self.assertEqual(self.control("GET", "/_trustcheck/calls")[1]["calls"], {"lambda.Invoke": 7})
        self.assertEqual(self.control("DELETE", "/_trustcheck/invocations"), (200, {"invocations": []}))
        self.assertEqual(self.control("GET", "/_trustcheck/invocations")[1], {"invocations": []})

    # --------------------------------------------------------------- f. faults

    def queue(self, operation: str, *faults: str) -> dict:
        status, body = self.control(
            "POST", "/_trustcheck/faults", {"operation": operation, "faults": list(faults)}
        )
        self.assertEqual(status, 200, body)
        return body

    def test_fault_throttle_and_500_on_json_protocol(self):
        body = self.queue("PutEvaluations", "throttle", "500")
        self.assertEqual(body, {"operation": "PutEvaluations", "queued": ["throttle", "500"]})
        put = lambda: self.config.put_evaluations(  # noqa: E731
            ResultToken="faulty", Evaluations=[self.evaluation("AROAA")]
        )
        error = self.assert_error("ThrottlingException", put)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(error.response["Error"]["Message"], "Rate exceeded")
        error = self.assert_error("InternalFailure", put)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(self.details("faulty"), [], "faulted calls store nothing")
        put()
        self.assertEqual(len(self.details("faulty")), 1, "queue drained; next call succeeds")

        # With retries on, a throttle is retried transparently by the SDK.
        self.queue("config.PutEvaluations", "throttle")
        retrying = self.client("config", retries=3)
        result = retrying.put_evaluations(ResultToken="faulty", Evaluations=[self.evaluation("AROAB")])
        self.assertEqual(result["ResponseMetadata"]["RetryAttempts"], 1)

    def test_fault_for_one_region(self):
        self.queue("lambda.ListFunctions@eu-west-1", "500")
        # Another region's call is not affected, and leaves the fault queued.
        self.awslambda.list_functions()
        eu = self.client("lambda", region="eu-west-1")
        self.assert_error("ServiceException", eu.list_functions)
        eu.list_functions()
        for bad in ("@eu-west-1", "lambda.ListFunctions@", "a@b@c", "lambda.ListFunctions@eu-west1"):
            status, body = self.control("POST", "/_trustcheck/faults", {"operation": bad, "faults": ["500"]})
            self.assertEqual(status, 400, (bad, body))

    def test_fault_empty_select(self):
        role = self.create_role("empty-select")
        self.create_function("recorded-fn", role["Arn"])
        query = "SELECT arn, configuration.role WHERE resourceType = 'AWS::Lambda::Function'"
        self.queue("SelectResourceConfig", "empty")
        self.assertEqual(self.config.select_resource_config(Expression=query)["Results"], [])
        # The next call is answered from the Lambda backend again.
        self.assertEqual(len(self.config.select_resource_config(Expression=query)["Results"]), 1)
        status, body = self.control(
            "POST", "/_trustcheck/faults", {"operation": "PutEvaluations", "faults": ["empty"]}
        )
        self.assertEqual(status, 400, body)

    def test_fault_failed_evaluations(self):
        self.queue("PutEvaluations", "ok", "failed:2")
        evaluations = [self.evaluation(f"AROA{i}") for i in range(5)]
        first = self.config.put_evaluations(ResultToken="partial", Evaluations=evaluations[:1])
        self.assertEqual(first["FailedEvaluations"], [], "'ok' lets a call through")
        second = self.config.put_evaluations(ResultToken="partial", Evaluations=evaluations[1:])
        self.assertEqual(
            [e["ComplianceResourceId"] for e in second["FailedEvaluations"]], ["AROA1", "AROA2"]
        )
        self.assertEqual(second["FailedEvaluations"][0]["ComplianceType"], "NON_COMPLIANT")
        stored = [
            r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
            for r in self.details("partial")
        ]
        self.assertEqual(stored, ["AROA0", "AROA3", "AROA4"])

    def test_fault_error_code(self):
        self.queue("PutEvaluations", "error:InvalidResultTokenException")
        put = lambda: self.config.put_evaluations(  # noqa: E731
            ResultToken="forged", Evaluations=[self.evaluation("AROAF")]
        )
        error = self.assert_error("InvalidResultTokenException", put)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(self.details("forged"), [], "a refused call stores nothing")
        put()
        self.assertEqual(len(self.details("forged")), 1)
        for bad in ("error:", "error:Bad Code", "error:x;y"):
            status, body = self.control("POST", "/_trustcheck/faults", {"operation": "PutEvaluations", "faults": [bad]})
            self.assertEqual(status, 400, (bad, body))

    def test_fault_on_query_and_rest_protocols(self):
        self.queue("ListRoles", "throttle", "500")
        error = self.assert_error("Throttling", self.iam.list_roles)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        error = self.assert_error("ServiceFailure", self.iam.list_roles)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertIn("Roles", self.iam.list_roles())

        self.queue("lambda.ListFunctions", "throttle", "500")
        error = self.assert_error("TooManyRequestsException", self.awslambda.list_functions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        error = self.assert_error("ServiceException", self.awslambda.list_functions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(self.awslambda.list_functions()["Functions"], [])

    def test_cloudfront_keeps_lambda_edge_associations_in_its_summaries(self):
        cloudfront = self.client("cloudfront")
        behaviour = {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "allow-all",
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "MinTTL": 0,
        }

        def associations(*arns: str) -> dict:
            items = [{"LambdaFunctionARN": arn, "EventType": "viewer-request"} for arn in arns]
            return {"Quantity": len(items), "Items": items}

        edge = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:rewrite:3"
        other = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:auth:1"
        cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "edge",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "site",
                "DomainName": "example.com",
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
            }]},
            "DefaultCacheBehavior": {**behaviour, "LambdaFunctionAssociations": associations(edge)},
            "CacheBehaviors": {"Quantity": 1, "Items": [
                {**behaviour, "PathPattern": "/private/*", "LambdaFunctionAssociations": associations(other)},
            ]},
        })
        [summary] = cloudfront.list_distributions()["DistributionList"]["Items"]
        arns = lambda associated: [a["LambdaFunctionARN"] for a in associated["LambdaFunctionAssociations"]["Items"]]
        self.assertEqual(arns(summary["DefaultCacheBehavior"]), [edge])
        self.assertEqual(arns(summary["CacheBehaviors"]["Items"][0]), [other])

        self.queue("cloudfront.ListDistributions", "500")
        error = self.assert_error("InternalError", cloudfront.list_distributions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.queue("cloudfront.ListDistributions", "error:AccessDenied")
        error = self.assert_error("AccessDenied", cloudfront.list_distributions)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def test_fault_delay_then_normal_answer(self):
        self.create_role("slow")
        self.queue("iam.ListRoles", "delay:1.5")
        iam = self.client("iam")
        results: dict[str, float] = {}

        def slow_call():
            started = time.monotonic()
            results["roles"] = len(iam.list_roles()["Roles"])
            results["slow"] = time.monotonic() - started

        thread = threading.Thread(target=slow_call)
        thread.start()
        deadline = time.monotonic() + 10
        while self.control("GET", "/_trustcheck/faults")[1]["faults"] and time.monotonic() < deadline:
            time.sleep(0.02)  # until the slow call has popped its fault and sleeps
        started = time.monotonic()
        self.sts.get_caller_identity()
        fast = time.monotonic() - started
        overlapped = thread.is_alive()
        thread.join(timeout=10)
        self.assertGreaterEqual(results["slow"], 1.5)
        self.assertEqual(results["roles"], 1, "the delayed call is answered normally")
        self.assertTrue(overlapped, "the other call ran while the delayed one slept")
        self.assertLess(fast, 1.0, "other calls are not held up")

        self.assertEqual(self.queue("PutEvaluations", "delay:30", "delay:.5", "delay:0")["queued"],
                         ["delay:30", "delay:.5", "delay:0"])
        for bad in ("delay:30.5", "delay:-1", "delay:", "delay:nan", "delay:1e1"):
            status, body = self.control("POST", "/_trustcheck/faults",
                                        {"operation": "ListRoles", "faults": [bad]})
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)

    def test_fault_queue_control(self):
        self.queue("PutEvaluations", "throttle")
        self.queue("PutEvaluations", "failed:1")
        self.queue("ListRoles", "500")
        status, body = self.control("GET", "/_trustcheck/faults")
        self.assertEqual(status, 200)
        self.assertEqual(
            body, {"faults": {"PutEvaluations": ["throttle", "failed:1"], "ListRoles": ["500"]}}
        )
        status, body = self.control("DELETE", "/_trustcheck/faults")
        self.assertEqual((status, body), (200, {"faults": {}}))
        self.assertIn("Roles", self.iam.list_roles(), "cleared faults no longer fire")

        for bad in (
            {"operation": "PutEvaluations", "faults": ["explode"]},
            {"operation": "ListRoles", "faults": ["failed:1"]},
            {"operation": "PutEvaluations"},
            {"faults": ["throttle"]},
        ):
            status, body = self.control("POST", "/_trustcheck/faults", bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)
        status, _ = self.control("GET", "/_trustcheck/nope")
        self.assertEqual(status, 404)

    # ---------------------------------------------------------- g. call counts

    def test_call_counts(self):
        self.create_function("counted", self.create_role("counted")["Arn"])
        self.iam.list_roles()
        self.iam.list_roles()
        self.config.put_evaluations(ResultToken="counted", Evaluations=[self.evaluation("AROAA")])
        self.awslambda.list_functions()
        self.awslambda.get_function(FunctionName="counted")
        self.sts.get_caller_identity()
        self.queue("GetCallerIdentity", "throttle")
        self.assert_error("Throttling", self.sts.get_caller_identity)
        expected = {
            "config.PutEvaluations": 1,
            "iam.CreateRole": 1,
            "iam.ListRoles": 2,
            "lambda.CreateFunction": 1,
            "lambda.GetFunction": 1,
            "lambda.ListFunctions": 1,
            "sts.GetCallerIdentity": 2,
        }
        status, body = self.control("GET", "/_trustcheck/calls")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"calls": expected, "total": 9})
        status, body = self.control("DELETE", "/_trustcheck/calls")
        self.assertEqual(body["calls"], expected, "DELETE returns what it cleared")
        self.assertEqual(self.control("GET", "/_trustcheck/calls")[1], {"calls": {}, "total": 0})

    # ------------------------------------------------------------- h. seeding

    def test_seed_across_regions(self):
        body = self.seed(roles=10, functions=7, regions=["us-east-1", "eu-west-1", "ap-south-1"],
                         prefix="multi")
        self.assertEqual(body["functions_by_region"], {"us-east-1": 3, "eu-west-1": 2, "ap-south-1": 2})
        self.assertEqual((body["region"], body["regions"]), ("us-east-1", ["us-east-1", "eu-west-1", "ap-south-1"]))
        eu = self.client("lambda", region="eu-west-1").list_functions()["Functions"]
        self.assertEqual([f["FunctionName"] for f in eu], ["multi-fn-00001", "multi-fn-00004"])
        self.assertTrue(eu[0]["FunctionArn"].startswith("arn:aws:lambda:eu-west-1:"))
        self.assertEqual(eu[0]["Role"], f"arn:aws:iam::{ACCOUNT}:role/multi-role-00001")
        self.assertEqual(len(self.awslambda.list_functions()["Functions"]), 3)
        self.assertEqual(len(self.iam.list_roles()["Roles"]), 10, "roles are global")

        default = self.seed(roles=1, functions=1, prefix="single")
        self.assertEqual((default["region"], default["regions"], default["functions_by_region"]),
                         ("us-east-1", ["us-east-1"], {"us-east-1": 1}))
        other = self.seed(roles=1, functions=1, prefix="eu", regions=["eu-west-2"])
        self.assertEqual((other["region"], other["functions_by_region"]), ("eu-west-2", {"eu-west-2": 1}))

        for bad in ({"regions": []}, {"regions": "eu-west-1"}, {"regions": ["eu-west-1", "eu-west-1"]},
                    {"regions": ["moon-1"]}, {"regions": ["us-east-1", "cn-north-1"]}):
            status, body = self.control("POST", "/_trustcheck/seed",
                                        {"roles": 1, "functions": 1, "prefix": "bad", **bad})
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)

    def test_seed_10000_roles_2000_functions(self):
        started = time.perf_counter()
        body = self.seed(roles=10_000, functions=2_000)
        elapsed = time.perf_counter() - started
        print(
            f"\nseed 10,000 roles + 2,000 functions: {elapsed:.2f}s wall "
            f"(server: {body['seconds']}s, roles {body['role_seconds']}s, "
            f"functions {body['function_seconds']}s)",
            file=sys.stderr,
        )
        self.assertLess(elapsed, 10)
        self.assertEqual((body["roles"], body["functions"]), (10_000, 2_000))
        self.assertEqual(
            body["trust_kinds"],
            {
                "lambda_with_source_account": 7000,
                "lambda_without_condition": 1500,
                "edgelambda_only": 1000,
                "aws_star": 500,
            },
        )

        self.control("DELETE", "/_trustcheck/calls")
        functions = [
            fn
            for page in self.awslambda.get_paginator("list_functions").paginate()
            for fn in page["Functions"]
        ]
        self.assertEqual(len(functions), 2000)
        self.assertEqual(functions[0]["Role"], f"arn:aws:iam::{ACCOUNT}:role/seed-role-00000")
        self.assertEqual(
            self.control("GET", "/_trustcheck/calls")[1]["calls"], {"lambda.ListFunctions": 40}
        )

        iam = self.client("iam")
        iam.meta.events.unregister("after-call.iam", botocore.handlers.json_decode_policies)
        page = iam.list_roles(MaxItems=1000)
        self.assertEqual(len(page["Roles"]), 1000)
        self.assertTrue(page["IsTruncated"])
        trusts = {
            json.dumps(json.loads(urllib.parse.unquote(r["AssumeRolePolicyDocument"]))["Statement"][0]["Principal"])
            for r in page["Roles"]
        }
        self.assertEqual(
            trusts,
            {
                '{"Service": "lambda.amazonaws.com"}',
                '{"Service": "edgelambda.amazonaws.com"}',
                '{"AWS": "*"}',
            },
        )
        role = iam.get_role(RoleName="seed-role-00019")["Role"]
        self.assertIn("%22AWS%22%3A%20%22%2A%22", role["AssumeRolePolicyDocument"])
        history = self.config.get_resource_config_history(
            resourceType="AWS::IAM::Role", resourceId=role["RoleId"]
        )["configurationItems"][0]
        self.assertEqual(history["resourceName"], "seed-role-00019")

        status, body = self.control("POST", "/_trustcheck/seed", {"roles": 1, "functions": 0})
        self.assertEqual(status, 409, "re-seeding the same prefix is refused")
        status, body = self.control("POST", "/_trustcheck/seed", {"roles": 1, "functions": 2, "prefix": "x"})
        self.assertEqual(status, 400)


    # ------------------------------------------------- m. event source mappings

    MSK_ARN = f"arn:aws:kafka:{REGION}:{ACCOUNT}:cluster/events/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1"
    MQ_ARN = f"arn:aws:mq:{REGION}:{ACCOUNT}:broker:orders:b-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
    DOCDB_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:catalog"
    KAFKA_SERVERS = {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["broker-1.example.com:9092", "broker-2.example.com:9092"]}}

    def sources(self, region: str = REGION, prefix: str = "src") -> dict[str, str]:
        """An SQS queue, a FIFO queue, a Kinesis stream and a DynamoDB stream: kind -> ARN."""
        sqs = self.client("sqs", region=region)
        arns = {}
        for kind, name, attributes in (("sqs", f"{prefix}-queue", {}),
                                       ("sqs-fifo", f"{prefix}-queue.fifo", {"FifoQueue": "true"})):
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arns[kind] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        kinesis = self.client("kinesis", region=region)
        kinesis.create_stream(StreamName=f"{prefix}-stream", ShardCount=1)
        arns["kinesis"] = kinesis.describe_stream_summary(
            StreamName=f"{prefix}-stream")["StreamDescriptionSummary"]["StreamARN"]
        table = self.client("dynamodb", region=region).create_table(
            TableName=f"{prefix}-table", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        arns["dynamodb"] = table["TableDescription"]["LatestStreamArn"]
        return arns

    def mapped(self, **kwargs) -> dict:
        kwargs.setdefault("FunctionName", "consumer")
        return self.awslambda.create_event_source_mapping(**kwargs)

    def listed(self, client=None, **kwargs) -> list[dict]:
        paginator = (client or self.awslambda).get_paginator("list_event_source_mappings")
        return [m for page in paginator.paginate(**kwargs) for m in page["EventSourceMappings"]]

    def test_event_source_mappings_of_every_source_kind(self):
        role = self.create_role("consumer")
        self.create_function("consumer", role["Arn"])
        arns = self.sources()
        function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:consumer"
        created = {
            "sqs": self.mapped(EventSourceArn=arns["sqs"]),
            "sqs-fifo": self.mapped(EventSourceArn=arns["sqs-fifo"], BatchSize=10),
            "kinesis": self.mapped(EventSourceArn=arns["kinesis"], StartingPosition="LATEST"),
            "dynamodb": self.mapped(EventSourceArn=arns["dynamodb"], StartingPosition="TRIM_HORIZON",
                                    Enabled=False),
            "msk": self.mapped(EventSourceArn=self.MSK_ARN, Topics=["clicks"], StartingPosition="LATEST",
                               BatchSize=10000),
            "mq": self.mapped(EventSourceArn=self.MQ_ARN, Queues=["orders"],
                              SourceAccessConfigurations=[{"Type": "BASIC_AUTH", "URI": (
                                  f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:mq-AbCdEf")}]),
            "documentdb": self.mapped(EventSourceArn=self.DOCDB_ARN, StartingPosition="LATEST",
                                      DocumentDBEventSourceConfig={"DatabaseName": "catalog"}),
            "self-managed-kafka": self.mapped(SelfManagedEventSource=self.KAFKA_SERVERS, Topics=["clicks"],
                                              StartingPosition="TRIM_HORIZON"),
        }
        expected = {  # BatchSize, State, StateTransitionReason, LastProcessingResult (None: absent)
            "sqs": (10, "Enabled", "USER_INITIATED", None),
            "sqs-fifo": (10, "Enabled", "USER_INITIATED", None),
            "kinesis": (100, "Enabled", "User action", "No records processed"),
            "dynamodb": (100, "Disabled", "User action", "No records processed"),
            "msk": (10000, "Enabled", "USER_INITIATED", "No records processed"),
            "mq": (100, "Enabled", "USER_INITIATED", "No records processed"),
            "documentdb": (100, "Enabled", "USER_INITIATED", "No records processed"),
            "self-managed-kafka": (100, "Enabled", "USER_INITIATED", "No records processed"),
        }
        for kind, mapping in created.items():
            self.assertEqual(mapping["FunctionArn"], function_arn, kind)
            self.assertEqual(
                (mapping["BatchSize"], mapping["State"], mapping["StateTransitionReason"],
                 mapping.get("LastProcessingResult")), expected[kind], kind)
            self.assertEqual(mapping["EventSourceMappingArn"],
                             f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{mapping['UUID']}")
        self.assertEqual(created["msk"]["Topics"], ["clicks"])
        self.assertEqual(created["mq"]["Queues"], ["orders"])
        self.assertNotIn("StartingPosition", created["mq"])
        self.assertNotIn("StartingPosition", created["sqs"])
        self.assertEqual(created["kinesis"]["StartingPosition"], "LATEST")
        self.assertEqual(created["documentdb"]["DocumentDBEventSourceConfig"], {"DatabaseName": "catalog"})

        # Listed the same; self-managed Kafka has no EventSourceArn, its servers instead.
        parsed, raw = self.raw_call(self.awslambda, "ListEventSourceMappings")
        by_uuid = {m["UUID"]: m for m in json.loads(raw)["EventSourceMappings"]}
        self.assertEqual(set(by_uuid), {m["UUID"] for m in created.values()})
        kafka = by_uuid[created["self-managed-kafka"]["UUID"]]
        self.assertNotIn("EventSourceArn", kafka)
        self.assertEqual(kafka["SelfManagedEventSource"], self.KAFKA_SERVERS)
        self.assertEqual(by_uuid[created["msk"]["UUID"]]["EventSourceArn"], self.MSK_ARN)
        self.assertIsInstance(by_uuid[created["sqs"]["UUID"]]["LastModified"], (int, float))
        self.assertEqual(self.awslambda.get_event_source_mapping(UUID=created["mq"]["UUID"])["Queues"], ["orders"])

        # Nothing is consumed: messages and records stay at the source.
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName="src-queue")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="order 1")
        sqs.send_message(QueueUrl=url, MessageBody="order 2")
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        self.assertEqual(attributes["Attributes"]["ApproximateNumberOfMessages"], "2")
        self.client("kinesis").put_record(StreamName="src-stream", Data=b"click", PartitionKey="p")
        self.client("dynamodb").put_item(TableName="src-table", Item={"id": {"S": "1"}})

        # What Lambda refuses.
        unchecked = self.client("lambda", validate=False)
        create = unchecked.create_event_source_mapping
        for kwargs in (
            {"EventSourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic"},      # not a mapping source
            {"EventSourceArn": self.MSK_ARN},                                  # Kafka without Topics
            {"EventSourceArn": self.MQ_ARN},                                   # MQ without Queues
            {"SelfManagedEventSource": self.KAFKA_SERVERS, "EventSourceArn": self.MSK_ARN, "Topics": ["t"]},
            {"SelfManagedEventSource": {"Endpoints": {}}, "Topics": ["t"]},
            {"EventSourceArn": arns["sqs-fifo"], "BatchSize": 11},
            {"EventSourceArn": arns["sqs"], "BatchSize": 10001},
            {"EventSourceArn": self.MSK_ARN.replace(REGION, "eu-west-1"), "Topics": ["t"]},
            {"EventSourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:not-a-cluster"},
        ):
            error = self.assert_error("InvalidParameterValueException", create, FunctionName="consumer", **kwargs)
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400, kwargs)
        self.assert_error("ValidationException", create, FunctionName="no spaces", EventSourceArn=arns["sqs"])
        self.assert_error("InvalidParameterValueException", unchecked.update_event_source_mapping,
                          UUID=created["sqs-fifo"]["UUID"], BatchSize=11)
        self.assert_error("ResourceNotFoundException", create, FunctionName="consumer",
                          EventSourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue")
        error = self.assert_error("ResourceNotFoundException", create, FunctionName="nobody",
                                  EventSourceArn=arns["sqs"])
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertEqual(len(self.listed()), 8, "refused mappings are not stored")

    def test_list_event_source_mappings_by_function_in_any_format(self):
        role = self.create_role("consumer")
        self.create_function("consumer", role["Arn"])
        self.create_function("other", role["Arn"])
        self.awslambda.publish_version(FunctionName="consumer")
        self.awslambda.create_alias(FunctionName="consumer", Name="live", FunctionVersion="1")
        arns = self.sources()
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:consumer"
        by_name = self.mapped(EventSourceArn=arns["sqs"])["UUID"]
        by_arn = self.mapped(EventSourceArn=arns["kinesis"], FunctionName=arn, StartingPosition="LATEST")["UUID"]
        by_partial = self.mapped(EventSourceArn=arns["dynamodb"], FunctionName=f"{ACCOUNT}:function:consumer",
                                 StartingPosition="LATEST")["UUID"]
        kafka = self.mapped(SelfManagedEventSource=self.KAFKA_SERVERS, Topics=["t"], FunctionName="consumer")["UUID"]
        alias = self.mapped(EventSourceArn=arns["sqs-fifo"], FunctionName=f"{arn}:live")
        other = self.mapped(EventSourceArn=arns["sqs"], FunctionName="other")["UUID"]
        self.assertEqual(alias["FunctionArn"], f"{arn}:live", "a mapping keeps its function's qualifier")

        unqualified = {by_name, by_arn, by_partial, kafka}
        for name in ("consumer", arn, f"{ACCOUNT}:function:consumer", f"{REGION}:{ACCOUNT}:function:consumer"):
            found = self.listed(FunctionName=name)
            self.assertEqual({m["UUID"] for m in found}, unqualified, name)
            self.assertTrue(all(m["FunctionArn"] == arn for m in found))
        for name in ("consumer:live", f"{arn}:live", f"{ACCOUNT}:function:consumer:live"):
            self.assertEqual([m["UUID"] for m in self.listed(FunctionName=name)], [alias["UUID"]], name)
        self.assertEqual(self.listed(FunctionName=f"{arn}:1"), [])
        self.assertEqual([m["UUID"] for m in self.listed(FunctionName="other")], [other])
        self.assertEqual(len(self.listed()), 6)
        self.assertEqual({m["UUID"] for m in self.listed(EventSourceArn=arns["sqs"])}, {by_name, other})
        self.assertEqual([m["UUID"] for m in self.listed(EventSourceArn=arns["sqs"], FunctionName=arn)], [by_name])
        self.assertEqual(self.listed(FunctionName="nobody"), [], "an unknown function lists nothing")
        self.assertEqual(self.listed(FunctionName=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:consumer"), [])
        self.assertEqual(self.listed(FunctionName="111111111111:function:consumer"), [])

        # Per region: a mapping in eu-west-1 is listed there only.
        eu_lambda = self.client("lambda", region="eu-west-1")
        self.create_function("consumer", role["Arn"], client=eu_lambda)
        eu_arns = self.sources(region="eu-west-1", prefix="eu")
        eu = eu_lambda.create_event_source_mapping(EventSourceArn=eu_arns["kinesis"], FunctionName="consumer",
                                                   StartingPosition="LATEST")
        self.assertEqual(eu["FunctionArn"], f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:consumer")
        self.assertEqual([m["UUID"] for m in self.listed(eu_lambda)], [eu["UUID"]])
        self.assertEqual([m["UUID"] for m in self.listed(eu_lambda, FunctionName=eu["FunctionArn"])], [eu["UUID"]])
        self.assertEqual(self.listed(eu_lambda, FunctionName=arn), [])
        self.assertEqual(len(self.listed()), 6)

        # UpdateEventSourceMapping takes the same formats.
        moved = self.awslambda.update_event_source_mapping(UUID=other, FunctionName=f"{ACCOUNT}:function:consumer:live")
        self.assertEqual(moved["FunctionArn"], f"{arn}:live")
        self.assertEqual({m["UUID"] for m in self.listed(FunctionName="consumer:live")}, {alias["UUID"], other})

        unchecked = self.client("lambda", validate=False)
        for bad in ({"FunctionName": "no spaces"}, {"FunctionName": "a:b:c"},
                    {"EventSourceArn": "not-an-arn"}):
            error = self.assert_error("ValidationException", unchecked.list_event_source_mappings, **bad)
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400, bad)

    def test_list_event_source_mappings_pages_like_aws(self):
        self.seed(roles=3, functions=3, prefix="paged")
        queue = self.sources()["sqs"]
        uuids = [self.mapped(EventSourceArn=queue, FunctionName=f"paged-fn-{i % 3:05d}")["UUID"] for i in range(250)]
        self.control("DELETE", "/_trustcheck/calls")

        pages = list(self.awslambda.get_paginator("list_event_source_mappings").paginate())
        self.assertEqual([len(p["EventSourceMappings"]) for p in pages], [100, 100, 50])
        self.assertEqual([m["UUID"] for p in pages for m in p["EventSourceMappings"]], uuids, "stable order")
        self.assertNotIn("NextMarker", pages[-1])
        self.assertEqual(self.control("GET", "/_trustcheck/calls")[1]["calls"], {"lambda.ListEventSourceMappings": 3})

        first = self.awslambda.list_event_source_mappings(MaxItems=7)
        self.assertEqual(len(first["EventSourceMappings"]), 7)
        second = self.awslambda.list_event_source_mappings(MaxItems=10000, Marker=first["NextMarker"])
        self.assertEqual(len(second["EventSourceMappings"]), 100, "at most 100 per page")
        self.assertEqual(second["EventSourceMappings"][0]["UUID"], uuids[7])
        fn0 = [m["UUID"] for m in self.listed(FunctionName="paged-fn-00000", PaginationConfig={"PageSize": 30})]
        self.assertEqual(fn0, uuids[0::3])
        self.assertEqual(len(fn0), 84)

        unchecked = self.client("lambda", validate=False)
        for max_items in (0, 10001):
            error = self.assert_error("ValidationException", unchecked.list_event_source_mappings, MaxItems=max_items)
            self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assert_error("InvalidParameterValueException", self.awslambda.list_event_source_mappings,
                          Marker="garbage")
        self.assert_error("InvalidParameterValueException", self.awslambda.list_event_source_mappings,
                          Marker=first["NextMarker"], FunctionName="paged-fn-00001")

    def test_mapping_reports_what_lambda_shows_for_a_broken_one(self):
        role = self.create_role("consumer")
        self.create_function("consumer", role["Arn"])
        arns = self.sources()
        stream = self.mapped(EventSourceArn=arns["kinesis"], StartingPosition="LATEST")
        queue = self.mapped(EventSourceArn=arns["sqs"])
        uuid = stream["UUID"]

        status, body = self.control("POST", "/_trustcheck/mappings", {
            "uuid": uuid, "state": "Disabled", "stateTransitionReason": "FUNCTION_CONFIG_NOT_VALID",
            "lastProcessingResult": "PROBLEM: Function call failed"})
        self.assertEqual(status, 200, body)
        self.assertEqual((body["account"], body["region"]), (ACCOUNT, REGION))
        self.assertEqual(body["mapping"]["UUID"], uuid)
        got = self.awslambda.get_event_source_mapping(UUID=uuid)
        self.assertEqual((got["State"], got["StateTransitionReason"], got["LastProcessingResult"]),
                         ("Disabled", "FUNCTION_CONFIG_NOT_VALID", "PROBLEM: Function call failed"))
        self.assertGreaterEqual(got["LastModified"], stream["LastModified"])
        listed = {m["UUID"]: m for m in self.listed(FunctionName="consumer")}
        self.assertEqual(listed[uuid]["LastProcessingResult"], "PROBLEM: Function call failed")
        self.assertEqual((listed[queue["UUID"]]["State"], listed[queue["UUID"]]["StateTransitionReason"]),
                         ("Enabled", "USER_INITIATED"), "other mappings keep their report")
        self.assertNotIn("LastProcessingResult", listed[queue["UUID"]])

        # One field at a time; null restores the default.
        self.control("POST", "/_trustcheck/mappings", {"uuid": queue["UUID"], "lastProcessingResult": "OK"})
        self.assertEqual(self.awslambda.get_event_source_mapping(UUID=queue["UUID"])["LastProcessingResult"], "OK")
        self.control("POST", "/_trustcheck/mappings", {"uuid": queue["UUID"], "lastProcessingResult": None})
        self.assertNotIn("LastProcessingResult", self.awslambda.get_event_source_mapping(UUID=queue["UUID"]))

        # A user's Enabled change is a user's state change; the processing result stays.
        updated = self.awslambda.update_event_source_mapping(UUID=uuid, Enabled=True)
        self.assertEqual((updated["State"], updated["StateTransitionReason"], updated["LastProcessingResult"]),
                         ("Enabled", "User action", "PROBLEM: Function call failed"))

        status, body = self.control("GET", "/_trustcheck/mappings")
        self.assertEqual(status, 200)
        self.assertEqual({(m["account"], m["region"], m["mapping"]["UUID"]) for m in body["mappings"]},
                         {(ACCOUNT, REGION, uuid), (ACCOUNT, REGION, queue["UUID"])})

        for bad in ({"uuid": uuid}, {"state": "Disabled"}, {"uuid": uuid, "state": "Broken"},
                    {"uuid": uuid, "lastProcessingResult": ""}, {"uuid": uuid, "lastProcessingResult": 3},
                    {"uuid": uuid, "State": "Disabled"}, {"uuid": uuid, "state": "Disabled", "extra": 1}):
            status, body = self.control("POST", "/_trustcheck/mappings", bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("error", body)
        status, body = self.control("POST", "/_trustcheck/mappings", {"uuid": "no-such-uuid", "state": "Disabled"})
        self.assertEqual(status, 404, body)

        self.control("POST", "/moto-api/reset")
        self.assertEqual(self.control("GET", "/_trustcheck/mappings"), (200, {"mappings": []}))

    def test_call_counts_mappings_and_queue_attributes(self):
        role = self.create_role("consumer")
        self.create_function("consumer", role["Arn"])
        sqs = self.client("sqs", region="eu-west-1")
        sqs.create_queue(QueueName="orders")
        self.control("DELETE", "/_trustcheck/calls")

        self.awslambda.list_event_source_mappings()
        self.awslambda.list_event_source_mappings(FunctionName="consumer", MaxItems=100)
        # The queue URL as real SQS names it (what a caller builds from the queue's ARN).
        url = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/orders"
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        self.assertEqual(attributes["Attributes"], {"ApproximateNumberOfMessages": "0"})
        # SQS's query protocol is counted under the same name.
        body = urllib.parse.urlencode({"Action": "GetQueueAttributes", "QueueUrl": url,
                                       "AttributeName.1": "ApproximateNumberOfMessages"}).encode()
        request = urllib.request.Request(self.endpoint + "/", data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/sqs/aws4_request, "
                             "SignedHeaders=host, Signature=0"})
        with urllib.request.urlopen(request, timeout=30) as response:
            self.assertIn(b"ApproximateNumberOfMessages", response.read())
        self.queue("lambda.ListEventSourceMappings", "throttle")
        error = self.assert_error("TooManyRequestsException", self.awslambda.list_event_source_mappings)
        self.assertEqual(error.response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assertEqual(self.control("GET", "/_trustcheck/calls")[1], {
            "calls": {"lambda.ListEventSourceMappings": 3, "sqs.GetQueueAttributes": 2}, "total": 5})


if __name__ == "__main__":
    unittest.main()
