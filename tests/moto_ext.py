"""moto server with the trustcheck test extensions.

Run it like ``moto_server``::

    python3 tests/moto_ext.py -H 127.0.0.1 -p 5000

It imports moto 5.2, patches it through moto's own extension points (methods
of ``ConfigResponse``/``ConfigBackend``/``IamResponse``/``LambdaResponse``,
the IAM response-transformer table, and a subclass of moto's
``DomainDispatcherApplication`` used as the WSGI entry point), then calls
``moto.server.main()``. Why each patch exists:

a. ``PutEvaluations`` without ``TestMode`` raises NotImplementedError in moto.
   We store the evaluations and validate them the way AWS does (at most 100 per
   call, ``Annotation`` 1-256 characters, ``INSUFFICIENT_DATA`` rejected).
   **Test convention: the ``ResultToken`` is the config rule name.** Real
   result tokens are opaque; here a handler test passes the rule name as
   ``resultToken`` in the invoking event and the results can be read back with
   ``GetComplianceDetailsByConfigRule(ConfigRuleName=<that name>)``. Storage
   is keyed by (rule, ComplianceResourceType, ComplianceResourceId) with AWS
   Config's OrderingTimestamp semantics: a write whose ``OrderingTimestamp`` is
   older than the stored one is accepted (not a FailedEvaluation) but does not
   replace it; an equal or newer one does. So that tests can see writes that
   left no trace in the store, every accepted evaluation is also appended to a
   write log (``/_trustcheck/evaluations``), with ``stored`` telling whether it
   replaced the stored one. ``TestMode=true`` validates and stores (and logs)
   nothing.
b. ``GetComplianceDetailsByConfigRule`` is not implemented in moto. We serve
   the stored evaluations in the real response shape, timestamps as epoch
   seconds (the awsJson1_1 protocol the Rust SDK speaks parses numbers only).
   ``Limit`` follows the API model: 0 or absent means the default of 10, the
   maximum is 100.
c. ``SelectResourceConfig`` only returns canned results in moto, and its
   handler reads ``Expression`` from the query string, so over awsJson it never
   even sees the query. We answer the Lambda queries trustcheck sends from
   moto's Lambda backend of the request's account and region, like a
   non-aggregated AWS query (see ``SELECT_HELP``; role queries: that account's
   IAM roles); other query shapes get a 400 ``InvalidExpressionException``
   instead of a silent empty answer. Canned results registered through the
   moto API still take precedence.
d. ``GetResourceConfigHistory`` / ``BatchGetResourceConfig`` return items that
   the Rust SDK and the AWS CLI cannot parse (timestamps as
   ``"2026-11-27 05:29:22.57"``, ``tags`` as a list), and IAM role items carry
   the role *name* as ``resourceId`` where AWS uses the RoleId (AROA...). We
   convert timestamps to epoch seconds, tags to a map, and set ``resourceId``
   (and the ARN, which moto builds without the role path) as AWS does.
   ``configuration`` stays a JSON string with the trust policy percent-encoded.
e. IAM ``ListRoles`` returns ``AssumeRolePolicyDocument`` raw, while real AWS
   (and moto's ``GetRole``) percent-encode it. We register moto's own
   ``url_encode`` transformer for ListRoles. moto honours ``MaxItems`` up to
   any size; we add AWS's 1..1000 range check.
f. Fault injection (``/_trustcheck/faults``) so tests can exercise retries and
   partial failures: a FIFO queue per operation, one fault popped per call.
g. Call counting (``/_trustcheck/calls``) so benchmarks can report the API calls
   they made, by "service.Operation".
h. Bulk seeding (``/_trustcheck/seed``): 10,000 roles through the API take
   minutes (moto's CreateRole and CreateFunction scan every existing role), so
   seeding builds moto's model objects and inserts them into the backends.
i. Lambda ``ListFunctions`` in moto ignores ``MaxItems``/``Marker`` and returns
   every function in one page. Real AWS returns at most 50 per page with a
   ``NextMarker``; we do the same so benchmark call counts are realistic.
   Like every Lambda call it sees only the request's account and region.
j. ``SelectAggregateResourceConfig`` is not implemented in moto. We answer the
   same queries as (c), with rows of the same JSON text shape, from the Lambda
   backends of every account and region moto has (role queries: every
   account's IAM roles), sorted by account, region, name. The
   ``ConfigurationAggregatorName`` must name an aggregator made with
   ``PutConfigurationAggregator`` in the request's account/region (else 400
   ``NoSuchConfigurationAggregatorException``); its source accounts/regions are
   not applied. ``Limit`` (or ``MaxResults``) and ``NextToken`` as in (c).
k. AWS Account ``ListRegions`` (rest-json ``POST /listRegions``) does not
   exist in moto (its ``account`` backend only has alternate contacts). The
   dispatcher answers it from a region list: by default the 17 regions enabled
   by default in the aws partition (``ENABLED_BY_DEFAULT``) plus af-south-1,
   ap-east-1, eu-south-1 and me-south-1 (``DISABLED``), sorted by name; tests
   replace it through ``/_trustcheck/regions``. ``RegionOptStatusContains``
   filters; ``MaxResults`` is 1..50 (absent: 50 per page) with ``NextToken``;
   bad input is a 400 ``ValidationException``.
l. Lambda ``Invoke`` with ``X-Amz-Invocation-Type: Event`` makes moto run the
   function (Docker). The dispatcher instead records the invocation (see
   ``/_trustcheck/invocations``) and answers 202 with an empty body, as AWS
   does for an accepted async invocation. The function need not exist in moto
   (a handler may invoke itself by ARN); only the FunctionName/Qualifier
   patterns of the API model are checked (400 ``ValidationException``).
   ``RequestResponse`` and ``DryRun`` invocations still go to moto.

Control routes (JSON in, JSON out; not AWS APIs, not counted). Fault kinds:
``throttle`` (awsJson: 400 ThrottlingException; query: 400 Throttling;
REST (Lambda, Account): 429 TooManyRequestsException), ``500`` (500
InternalFailure; IAM: ServiceFailure; Lambda: ServiceException; Account:
InternalServerException), ``failed:N`` (PutEvaluations only: first N
evaluations come back in FailedEvaluations, not stored, not logged),
``delay:SECONDS`` (0 <= SECONDS <= 30, decimals allowed: sleep that long, then
let the call through normally; for race tests) and ``ok`` (let one call
through). Faults apply to the operations answered by the dispatcher too
(``account.ListRegions``, async ``lambda.Invoke``). "operation" is
"Operation" (any service) or "service.Operation"; calls are counted as
"service.Operation" where service is the SigV4 signing name (config, iam, sts,
sns, sqs, lambda, account). Calls, faults and the logs below survive
``/moto-api/reset``; clear them with their DELETE routes.

    POST   /_trustcheck/faults  {"operation": "PutEvaluations", "faults": ["throttle", "500", "failed:3", "ok"]}
                                -> {"operation": ..., "queued": [whole queue for that key]}
    GET    /_trustcheck/faults  -> {"faults": {"PutEvaluations": ["500"], ...}}
    DELETE /_trustcheck/faults  -> {"faults": {}}
    GET    /_trustcheck/calls   -> {"calls": {"config.PutEvaluations": 3, ...}, "total": 3}
    DELETE /_trustcheck/calls   -> the same shape, counts before the reset
    POST   /_trustcheck/seed    {"roles": 10000, "functions": 2000, "account": "123456789012",
                                 "region": "us-east-1", "prefix": "seed",
                                 "regions": ["us-east-1", "eu-west-1"]}   (only roles/functions required)
                                -> {"account", "region", "regions", "prefix", "roles", "functions",
                                    "functions_by_region": {region: count},
                                    "trust_kinds": {kind: count}, "seconds", "role_seconds",
                                    "function_seconds"}
                                function i goes to regions[i % len(regions)]; "regions" defaults to
                                ["region"], "region" (IAM partition) to regions[0] or us-east-1
    GET    /_trustcheck/evaluations?rule=NAME
                                -> {"evaluations": [{"resourceType", "resourceId", "complianceType",
                                    "annotation" (null if absent), "orderingTimestamp" (epoch s, float),
                                    "stored": bool}, ...]}   every accepted evaluation of every
                                PutEvaluations with ResultToken NAME, in the order received
    DELETE /_trustcheck/evaluations -> {"evaluations": []}
    GET    /_trustcheck/invocations -> {"invocations": [{"function": FunctionName as sent (URL-decoded;
                                    name, name:qualifier or ARN), "qualifier": ?Qualifier or null,
                                    "payload": the body parsed as JSON, else its text}, ...]}
                                async (Event) invocations in the order received
    DELETE /_trustcheck/invocations -> {"invocations": []}
    GET    /_trustcheck/regions -> {"regions": [{"RegionName", "RegionOptStatus"}, ...]}
    POST   /_trustcheck/regions {"enabled": [...], "disabled": [...]}   (either may be omitted)
                                replaces the list: enabled -> ENABLED (ENABLED_BY_DEFAULT if one of
                                the 17 defaults), disabled -> DISABLED; -> {"regions": [...]}
    DELETE /_trustcheck/regions -> the default list, {"regions": [...]}
Errors: 400 {"error": "..."} for bad input, 409 when seeded names exist, 404 for unknown routes.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import moto.server
from moto.awslambda.models import LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.config.exceptions import (
    InvalidNextTokenException,
    InvalidParameterValueException,
    InvalidResultTokenException,
    NoSuchConfigurationAggregatorException,
    ValidationException,
)
from moto.config.models import ConfigBackend
from moto.config.responses import ConfigResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import backend_lock
from moto.core.exceptions import JsonRESTError
from moto.core.serialize import url_encode
from moto.iam.config import RoleConfigQuery
from moto.iam.exceptions import ValidationError as IamValidationError
from moto.iam.models import Role, iam_backends
from moto.iam.responses import IamResponse
from moto.iam.utils import random_role_id
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Request, Response

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # tests/harness.py
from harness import seeded_trust_policy, tiny_zip, trust_kind  # noqa: E402

CONTROL_PREFIX = "/_trustcheck/"

# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def to_epoch(value: Any) -> Any:
    """Epoch seconds (float) from a datetime, an ISO-ish string or a number.

    Naive datetimes are UTC (moto stores ``utcnow()`` without tzinfo).
    Anything unparseable is returned unchanged.
    """
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    return value


def encode_token(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token: str) -> dict[str, Any]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if isinstance(payload, dict):
            return payload
    except (ValueError, TypeError):
        pass
    raise InvalidNextTokenException()


def page_limit(value: Any, default: int, maximum: int, field: str) -> int:
    """AWS paging semantics: absent or 0 means the default; above max is a 400."""
    if value in (None, 0, "0", ""):
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise ValidationException(f"Value '{value}' at '{field}' is not an integer")
    if limit < 0 or limit > maximum:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at '{field}' failed to "
            f"satisfy constraint: Member must have value less than or equal to {maximum}"
        )
    return limit


def json_body(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.body or "{}")
    except ValueError:
        body = {}
    return body if isinstance(body, dict) else {}


# --------------------------------------------------------------------------
# a. PutEvaluations (stored), b. GetComplianceDetailsByConfigRule
# --------------------------------------------------------------------------

PUTTABLE_COMPLIANCE = ("COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE")
ALL_COMPLIANCE = PUTTABLE_COMPLIANCE + ("INSUFFICIENT_DATA",)
MAX_EVALUATIONS = 100
COMPLIANCE_DEFAULT_LIMIT = 10  # API model: "The default is 10."
COMPLIANCE_MAX_LIMIT = 100


def evaluation_store(backend: ConfigBackend) -> dict[tuple[str, str, str], dict]:
    """Evaluations of one account/region; lives on the backend so moto resets clear it."""
    return backend.__dict__.setdefault("trustcheck_evaluations", {})


def _length_error(value: Any, where: str, low: int, high: int) -> ValidationException:
    bound = (
        f"greater than or equal to {low}"
        if len(value) < low
        else f"less than or equal to {high}"
    )
    return ValidationException(
        f"1 validation error detected: Value '{value}' at '{where}' failed to "
        f"satisfy constraint: Member must have length {bound}"
    )


def validate_evaluation(index: int, evaluation: Any) -> None:
    where = f"evaluations.{index}.member"
    if not isinstance(evaluation, dict):
        raise ValidationException(f"Value at '{where}' must be a structure")
    for field in (
        "ComplianceResourceType",
        "ComplianceResourceId",
        "ComplianceType",
        "OrderingTimestamp",
    ):
        if evaluation.get(field) is None:
            raise ValidationException(
                f"1 validation error detected: Value null at '{where}.{field[0].lower()}"
                f"{field[1:]}' failed to satisfy constraint: Member must not be null"
            )
    for field, high in (("ComplianceResourceType", 256), ("ComplianceResourceId", 768)):
        value = str(evaluation[field])
        if not 1 <= len(value) <= high:
            raise _length_error(value, f"{where}.{field}", 1, high)
    compliance = evaluation["ComplianceType"]
    if compliance == "INSUFFICIENT_DATA":
        raise InvalidParameterValueException(
            "The ComplianceType INSUFFICIENT_DATA is not valid for PutEvaluations. "
            "Valid values are COMPLIANT, NON_COMPLIANT and NOT_APPLICABLE."
        )
    if compliance not in ALL_COMPLIANCE:
        raise ValidationException(
            f"1 validation error detected: Value '{compliance}' at "
            f"'{where}.complianceType' failed to satisfy constraint: Member must "
            f"satisfy enum value set: [{', '.join(ALL_COMPLIANCE)}]"
        )
    annotation = evaluation.get("Annotation")
    if annotation is not None and not 1 <= len(annotation) <= 256:
        raise _length_error(annotation, f"{where}.annotation", 1, 256)
    if not isinstance(to_epoch(evaluation["OrderingTimestamp"]), (int, float)):
        raise ValidationException(
            f"Value at '{where}.orderingTimestamp' is not a valid timestamp"
        )


def put_evaluations(
    self: ConfigBackend,
    evaluations: list[dict[str, Any]] | None = None,
    result_token: str | None = None,
    test_mode: bool | None = False,
    fail_first: int = 0,
) -> dict[str, list[Any]]:
    """Replacement for ConfigBackend.put_evaluations (ResultToken = rule name).

    ``fail_first`` comes from an injected ``failed:N`` fault: the first N
    evaluations are reported in FailedEvaluations and not stored.
    """
    if evaluations is None:
        raise InvalidParameterValueException(
            "The Evaluations object in your request cannot be null."
            "Add the required parameters and try again."
        )
    if not result_token:
        raise InvalidResultTokenException()
    if len(evaluations) > MAX_EVALUATIONS:
        raise ValidationException(
            f"1 validation error detected: Value at 'evaluations' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_EVALUATIONS}"
        )
    for index, evaluation in enumerate(evaluations, start=1):
        validate_evaluation(index, evaluation)

    failed, accepted = evaluations[:fail_first], evaluations[fail_first:]
    if not test_mode:
        store = evaluation_store(self)
        now = time.time()
        log = []
        for evaluation in accepted:
            key = (
                result_token,
                evaluation["ComplianceResourceType"],
                evaluation["ComplianceResourceId"],
            )
            ordering = float(to_epoch(evaluation["OrderingTimestamp"]))
            current = store.get(key)
            # AWS Config keeps the evaluation with the latest OrderingTimestamp:
            # an older one is accepted by the API but does not replace it.
            stored = current is None or ordering >= current["OrderingTimestamp"]
            if stored:
                store[key] = {
                    "ComplianceType": evaluation["ComplianceType"],
                    "Annotation": evaluation.get("Annotation"),
                    "OrderingTimestamp": ordering,
                    "ResultRecordedTime": now,
                    "ConfigRuleInvokedTime": now,
                }
            log.append(
                {
                    "resourceType": evaluation["ComplianceResourceType"],
                    "resourceId": evaluation["ComplianceResourceId"],
                    "complianceType": evaluation["ComplianceType"],
                    "annotation": evaluation.get("Annotation"),
                    "orderingTimestamp": ordering,
                    "stored": stored,
                }
            )
        STATE.log_evaluations(result_token, log)
    return {"FailedEvaluations": failed}


def get_compliance_details_by_config_rule(
    self: ConfigBackend,
    config_rule_name: str | None,
    compliance_types: list[str] | None = None,
    limit: Any = None,
    next_token: str | None = None,
) -> dict[str, Any]:
    """Stored evaluations of one rule, sorted by resource id, paginated.

    An unknown rule gives an empty list (tests need not create the rule).
    """
    if not config_rule_name or len(config_rule_name) > 64:
        raise _length_error(config_rule_name or "", "configRuleName", 1, 64)
    wanted = set(compliance_types or ALL_COMPLIANCE)
    if "INSUFFICIENT_DATA" in (compliance_types or []):
        raise InvalidParameterValueException(
            "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results."
        )
    unknown = wanted - set(ALL_COMPLIANCE)
    if unknown:
        raise ValidationException(f"Invalid ComplianceTypes: {sorted(unknown)}")
    size = page_limit(limit, COMPLIANCE_DEFAULT_LIMIT, COMPLIANCE_MAX_LIMIT, "limit")

    rows = sorted(
        (
            (resource_id, resource_type, stored)
            for (rule, resource_type, resource_id), stored in evaluation_store(self).items()
            if rule == config_rule_name and stored["ComplianceType"] in wanted
        ),
        key=lambda row: (row[0], row[1]),
    )
    start = 0
    if next_token:
        token = decode_token(next_token)
        if token.get("rule") != config_rule_name or not isinstance(token.get("offset"), int):
            raise InvalidNextTokenException()
        start = token["offset"]

    results = []
    for resource_id, resource_type, stored in rows[start : start + size]:
        result = {
            "EvaluationResultIdentifier": {
                "EvaluationResultQualifier": {
                    "ConfigRuleName": config_rule_name,
                    "ResourceType": resource_type,
                    "ResourceId": resource_id,
                    "EvaluationMode": "DETECTIVE",
                },
                "OrderingTimestamp": stored["OrderingTimestamp"],
            },
            "ComplianceType": stored["ComplianceType"],
            "ResultRecordedTime": stored["ResultRecordedTime"],
            "ConfigRuleInvokedTime": stored["ConfigRuleInvokedTime"],
        }
        if stored["Annotation"] is not None:
            result["Annotation"] = stored["Annotation"]
        results.append(result)

    response: dict[str, Any] = {"EvaluationResults": results}
    if start + size < len(rows):
        response["NextToken"] = encode_token(
            {"rule": config_rule_name, "offset": start + size}
        )
    return response


def response_put_evaluations(self: ConfigResponse) -> str:
    params = json_body(self)
    result = self.config_backend.put_evaluations(
        params.get("Evaluations"),
        params.get("ResultToken"),
        params.get("TestMode"),
        fail_first=take_failed_evaluations_fault(),
    )
    return json.dumps(result)


def response_get_compliance_details_by_config_rule(self: ConfigResponse) -> str:
    params = json_body(self)
    result = self.config_backend.get_compliance_details_by_config_rule(
        params.get("ConfigRuleName"),
        params.get("ComplianceTypes"),
        params.get("Limit"),
        params.get("NextToken"),
    )
    return json.dumps(result)


# --------------------------------------------------------------------------
# c. SelectResourceConfig over moto's Lambda backend
# --------------------------------------------------------------------------

SELECT_HELP = (
    "trustcheck moto_ext understands: SELECT <fields> WHERE resourceType = "
    "'AWS::Lambda::Function' [AND configuration.role = '<role arn>' | AND "
    "configuration.role IN ('<arn>', ...)], and SELECT <fields> WHERE "
    "resourceType = 'AWS::IAM::Role' AND tags.key = '<tag key>'"
)
SELECT_MAX_LIMIT = 100
_SELECT_RE = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+WHERE\s+(?P<where>.+?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_AND_RE = re.compile(r"\s+AND\s+", re.IGNORECASE)
_QUOTED = r"'((?:[^']|'')*)'"
_EQ_RE = re.compile(r"^\(?\s*(?P<prop>[A-Za-z][\w.]*)\s*=\s*" + _QUOTED + r"\s*\)?$", re.DOTALL)
_IN_RE = re.compile(
    r"^\(?\s*(?P<prop>[A-Za-z][\w.]*)\s+IN\s*\((?P<values>[^)]*)\)\s*\)?$",
    re.IGNORECASE | re.DOTALL,
)


class InvalidExpressionException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidExpressionException", f"{message}. {SELECT_HELP}")


def parse_select(expression: str) -> tuple[list[str], str, set[str] | None, str | None]:
    """Parse a SelectResourceConfig query.

    Returns (selected field paths, resource type, allowed role ARNs or None
    for all roles, tag key for role queries).
    """
    match = _SELECT_RE.match(expression or "")
    if not match:
        raise InvalidExpressionException(f"Unsupported query {expression!r}")
    fields = [f.strip() for f in match.group("fields").split(",") if f.strip()]
    resource_type = None
    roles: set[str] | None = None
    tag_key: str | None = None
    for condition in _AND_RE.split(match.group("where").strip()):
        condition = condition.strip()
        eq, in_ = _EQ_RE.match(condition), _IN_RE.match(condition)
        if eq:
            prop, values = eq.group("prop"), [eq.group(2).replace("''", "'")]
        elif in_:
            prop = in_.group("prop")
            values = [v.replace("''", "'") for v in re.findall(_QUOTED, in_.group("values"))]
        else:
            raise InvalidExpressionException(f"Unsupported condition {condition!r}")
        if prop == "resourceType" and eq:
            resource_type = values[0]
        elif prop == "configuration.role":
            roles = set(values) if roles is None else roles & set(values)
        elif prop == "tags.key" and eq:
            tag_key = values[0]
        else:
            raise InvalidExpressionException(f"Unsupported condition {condition!r}")
    if resource_type == "AWS::IAM::Role" and tag_key is not None and roles is None:
        return fields, resource_type, None, tag_key
    if resource_type != "AWS::Lambda::Function" or tag_key is not None:
        raise InvalidExpressionException(
            f"Unsupported resourceType {resource_type!r} with these conditions"
        )
    return fields, resource_type, roles, None


def role_config_row(role: Role) -> dict[str, Any]:
    """An IAM role as Config's advanced query sees it (global resource)."""
    return {
        "resourceId": role.id,
        "resourceName": role.name,
        "resourceType": "AWS::IAM::Role",
        "arn": role.arn,
        "accountId": role.account_id,
        "awsRegion": "global",
        "tags": [{"key": t.get("Key"), "value": t.get("Value", "")} for t in role.tags],
    }


def lambda_config_row(fn: LambdaFunction, account_id: str, region: str) -> dict[str, Any]:
    """A Lambda function as Config's advanced query sees it."""
    return {
        "resourceId": fn.function_name,
        "resourceName": fn.function_name,
        "resourceType": "AWS::Lambda::Function",
        "arn": fn.function_arn,
        "accountId": account_id,
        "awsRegion": region,
        "configuration": {
            "functionName": fn.function_name,
            "functionArn": fn.function_arn,
            "role": fn.role,
            "runtime": fn.run_time,
            "handler": fn.handler,
            "packageType": fn.package_type,
            "memorySize": fn.memory_size,
            "timeout": fn.timeout,
        },
    }


def project(row: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Keep the selected dotted paths, nested as Config returns them."""
    if "*" in fields:
        return row
    out: dict[str, Any] = {}
    for path in fields:
        source, target = row, out
        parts = path.split(".")
        for part in parts[:-1]:
            source = source.get(part) if isinstance(source, dict) else None
            target = target.setdefault(part, {})
        if isinstance(source, dict) and parts[-1] in source:
            target[parts[-1]] = source[parts[-1]]
    return out


_original_select_resource_config = ConfigBackend.select_resource_config


def lambda_sources(account_id: str | None = None, region: str | None = None) -> list[tuple[str, str, Any]]:
    """(account, region, Lambda backend) triples: one, or every one moto has created."""
    if account_id is not None and region is not None:
        return [(account_id, region, lambda_backends[account_id][region])]
    with backend_lock:  # a snapshot; other threads may be creating backends
        return list(lambda_backends.iter_backends())


def iam_role_sources(account_ids: list[str], partition: str) -> list[Role]:
    roles: list[Role] = []
    for account_id in account_ids:
        roles.extend(iam_backends[account_id][partition].roles.values())
    return roles


def run_select(
    expression: str,
    limit: Any,
    next_token: str | None,
    sources: list[tuple[str, str, Any]],
    role_accounts: list[str],
    partition: str,
    scope: str = "",
) -> tuple[list[str], dict[str, Any], str | None]:
    """Answer a parsed query from the given Lambda backends / IAM accounts.

    ``scope`` (the aggregator name) is part of the NextToken check, so a token
    from SelectResourceConfig is not accepted by the aggregate call and back.
    """
    fields, resource_type, roles, tag_key = parse_select(expression)
    size = page_limit(limit, SELECT_MAX_LIMIT, SELECT_MAX_LIMIT, "limit")
    digest = hashlib.sha256(f"{scope}\0{expression}".encode()).hexdigest()[:16]
    start = 0
    if next_token:
        token = decode_token(next_token)
        if token.get("q") != digest or not isinstance(token.get("offset"), int):
            raise InvalidNextTokenException()
        start = token["offset"]

    if resource_type == "AWS::IAM::Role":
        roles_found = sorted(
            (r for r in iam_role_sources(role_accounts, partition) if any(t.get("Key") == tag_key for t in r.tags)),
            key=lambda r: (r.account_id, r.name),
        )
        rows = [role_config_row(r) for r in roles_found]
    else:
        rows = [
            lambda_config_row(fn, account_id, region)
            for account_id, region, backend in sorted(sources, key=lambda s: (s[0], s[1]))
            for fn in sorted(backend.list_functions(), key=lambda fn: fn.function_name)
            if roles is None or fn.role in roles
        ]
    page = rows[start : start + size]
    results = [json.dumps(project(row, fields), separators=(",", ":")) for row in page]
    new_token = None
    if start + size < len(rows):
        new_token = encode_token({"q": digest, "offset": start + size})
    query_info = {"SelectFields": [{"Name": f} for f in fields]}
    return results, query_info, new_token


def select_resource_config(
    self: ConfigBackend,
    expression: str,
    limit: int | None = None,
    next_token: str | None = None,
) -> tuple[list[Any], dict[str, Any], str | None]:
    """Only the request's account and region (IAM roles: the request's account)."""
    # Canned results registered through the moto API still win.
    if expression in self._expression_results or self.query_results_queue:
        return _original_select_resource_config(self, expression, limit, next_token)
    return run_select(
        expression,
        limit,
        next_token,
        lambda_sources(self.account_id, self.region_name),
        [self.account_id],
        get_partition(self.region_name),
    )


def select_aggregate_resource_config(
    self: ConfigBackend,
    expression: str,
    aggregator_name: str | None,
    limit: Any = None,
    next_token: str | None = None,
) -> tuple[list[Any], dict[str, Any], str | None]:
    """The same queries over every account and region moto has a Lambda backend for.

    The aggregator must exist in this account/region; its source accounts and
    regions are not applied (every account and region moto knows is in scope).
    """
    if not aggregator_name:
        raise ValidationException(
            "1 validation error detected: Value null at 'configurationAggregatorName' "
            "failed to satisfy constraint: Member must not be null"
        )
    if aggregator_name not in self.config_aggregators:
        raise NoSuchConfigurationAggregatorException()
    partition = get_partition(self.region_name)
    with backend_lock:
        role_accounts = sorted(iam_backends.keys())
    return run_select(
        expression,
        limit,
        next_token,
        lambda_sources(),
        role_accounts,
        partition,
        scope=aggregator_name,
    )


def _select_response(results: list[str], query_info: dict, next_token: str | None) -> str:
    response: dict[str, Any] = {"Results": results, "QueryInfo": query_info}
    if next_token:
        response["NextToken"] = next_token
    return json.dumps(response)


def response_select_resource_config(self: ConfigResponse) -> str:
    """moto's handler reads Expression from the query string; awsJson sends a body."""
    params = json_body(self)
    return _select_response(
        *self.config_backend.select_resource_config(
            expression=params.get("Expression", ""),
            limit=params.get("Limit"),
            next_token=params.get("NextToken"),
        )
    )


def response_select_aggregate_resource_config(self: ConfigResponse) -> str:
    params = json_body(self)
    return _select_response(
        *self.config_backend.select_aggregate_resource_config(
            expression=params.get("Expression", ""),
            aggregator_name=params.get("ConfigurationAggregatorName"),
            # The API model has both; Limit wins when both are set.
            limit=params.get("Limit") or params.get("MaxResults"),
            next_token=params.get("NextToken"),
        )
    )


# --------------------------------------------------------------------------
# d. Config items the Rust SDK can parse
# --------------------------------------------------------------------------

_original_role_config_resource = RoleConfigQuery.get_config_resource


def role_config_resource(self: RoleConfigQuery, account_id: str, partition: str,
                         resource_id: str, *args: Any, **kwargs: Any) -> dict | None:
    """moto's role item, with AWS's resourceId (RoleId) and the ARN with path."""
    item = _original_role_config_resource(
        self, account_id, partition, resource_id, *args, **kwargs
    )
    role = self.backends[account_id][partition].roles.get(resource_id)
    if item is None or role is None:
        return item
    item["resourceId"] = role.id
    item["arn"] = role.arn
    configuration = json.loads(item["configuration"])
    configuration["arn"] = role.arn
    item["configuration"] = json.dumps(configuration)
    return item


def normalize_config_item(item: dict[str, Any]) -> dict[str, Any]:
    """Epoch-second timestamps and a tag map, as the Config API model says."""
    for field in ("configurationItemCaptureTime", "resourceCreationTime"):
        if field in item:
            item[field] = to_epoch(item[field])
    tags = item.get("tags")
    if isinstance(tags, list):
        item["tags"] = {
            (t.get("Key") or t.get("key")): (t.get("Value", t.get("value")))
            for t in tags
            if isinstance(t, dict)
        }
    return item


def response_get_resource_config_history(self: ConfigResponse) -> str:
    schema = self.config_backend.get_resource_config_history(
        self._get_param("resourceType"), self._get_param("resourceId"), self.region
    )
    schema["configurationItems"] = [
        normalize_config_item(i) for i in schema["configurationItems"]
    ]
    return json.dumps(schema)


def response_batch_get_resource_config(self: ConfigResponse) -> str:
    schema = self.config_backend.batch_get_resource_config(
        self._get_param("resourceKeys"), self.region
    )
    schema["baseConfigurationItems"] = [
        normalize_config_item(i) for i in schema["baseConfigurationItems"]
    ]
    return json.dumps(schema)


# --------------------------------------------------------------------------
# e. IAM ListRoles encoding and MaxItems range; i. Lambda ListFunctions paging
# --------------------------------------------------------------------------

_original_list_roles = IamResponse.list_roles
LIST_ROLES_MAX_ITEMS = 1000
LIST_FUNCTIONS_PAGE = 50


def iam_list_roles(self: IamResponse) -> Any:
    max_items = self._get_param("MaxItems")
    if max_items is not None and not 1 <= int(max_items) <= LIST_ROLES_MAX_ITEMS:
        raise IamValidationError(
            f"1 validation error detected: Value '{max_items}' at 'maxItems' failed "
            f"to satisfy constraint: Member must have value less than or equal to "
            f"{LIST_ROLES_MAX_ITEMS}"
        )
    return _original_list_roles(self)


def lambda_list_functions(self: LambdaResponse) -> str:
    """ListFunctions with Marker/MaxItems and AWS's 50-per-page cap."""
    query = self.querystring
    func_version = query.get("FunctionVersion", [None])[0]
    max_items = query.get("MaxItems", [None])[0]
    marker = query.get("Marker", [None])[0]
    size = LIST_FUNCTIONS_PAGE
    if max_items is not None:
        if not str(max_items).isdigit() or not 1 <= int(max_items) <= 10000:
            return _lambda_error(400, "ValidationException", f"Invalid MaxItems {max_items!r}")
        size = min(int(max_items), LIST_FUNCTIONS_PAGE)
    if marker is not None and not str(marker).isdigit():
        return _lambda_error(400, "InvalidParameterValueException", "Invalid Marker")
    start = int(marker or 0)
    functions = list(self.backend.list_functions(func_version))
    result: dict[str, Any] = {
        "Functions": [fn.get_configuration() for fn in functions[start : start + size]]
    }
    if start + size < len(functions):
        result["NextMarker"] = str(start + size)
    return json.dumps(result)


def _lambda_error(status: int, code: str, message: str) -> Any:
    body = json.dumps({"Type": "User", "message": message})
    return status, {"x-amzn-ErrorType": code, "status": status}, body


# --------------------------------------------------------------------------
# f. faults, g. call counts (shared state)
# --------------------------------------------------------------------------

_FAILED_RE = re.compile(r"^failed:(\d+)$")
_DELAY_RE = re.compile(r"delay:(\d+(?:\.\d*)?|\.\d+)")  # use fullmatch
MAX_DELAY_SECONDS = 30.0
_request_local = threading.local()

# k. The regions enabled by default in the aws partition, and a few opt-in ones.
DEFAULT_ENABLED_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1",
    "sa-east-1",
)
DEFAULT_DISABLED_REGIONS = ("af-south-1", "ap-east-1", "eu-south-1", "me-south-1")
_REGION_RE = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")  # use fullmatch


def region_list(enabled: Any, disabled: Any) -> list[dict[str, str]]:
    """ListRegions entries, sorted by name; ValueError for bad input."""
    statuses: dict[str, str] = {}
    for names, enabled_list in ((enabled, True), (disabled, False)):
        if not isinstance(names, list):
            raise ValueError('expected {"enabled": [region, ...], "disabled": [region, ...]}')
        for name in names:
            if not isinstance(name, str) or not _REGION_RE.fullmatch(name):
                raise ValueError(f"invalid region name {name!r}")
            if name in statuses:
                raise ValueError(f"region {name!r} listed twice")
            if not enabled_list:
                statuses[name] = "DISABLED"
            elif name in DEFAULT_ENABLED_REGIONS:
                statuses[name] = "ENABLED_BY_DEFAULT"
            else:
                statuses[name] = "ENABLED"
    return [{"RegionName": n, "RegionOptStatus": statuses[n]} for n in sorted(statuses)]


class ControlState:
    """Call counters, fault queues and recordings, shared by all request threads.

    Not cleared by ``/moto-api/reset`` (only by their own DELETE routes).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.faults: dict[str, collections.deque[str]] = {}
        self.evaluations: list[tuple[str, dict[str, Any]]] = []  # (rule, entry)
        self.invocations: list[dict[str, Any]] = []
        self.regions = region_list(list(DEFAULT_ENABLED_REGIONS), list(DEFAULT_DISABLED_REGIONS))

    def count(self, key: str) -> None:
        with self.lock:
            self.calls[key] += 1

    def snapshot_calls(self, reset: bool = False) -> dict[str, Any]:
        with self.lock:
            calls = dict(sorted(self.calls.items()))
            if reset:
                self.calls.clear()
        return {"calls": calls, "total": sum(calls.values())}

    def add_faults(self, operation: str, faults: list[str]) -> list[str]:
        with self.lock:
            queue = self.faults.setdefault(operation, collections.deque())
            queue.extend(faults)
            return list(queue)

    def pop_fault(self, service: str, operation: str) -> str | None:
        """One fault for this call: "service.Operation" queue first, then "Operation"."""
        with self.lock:
            for key in (f"{service}.{operation}", operation):
                queue = self.faults.get(key)
                if queue:
                    return queue.popleft()
        return None

    def list_faults(self) -> dict[str, list[str]]:
        with self.lock:
            return {op: list(q) for op, q in self.faults.items() if q}

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def log_evaluations(self, rule: str, entries: list[dict[str, Any]]) -> None:
        with self.lock:
            self.evaluations.extend((rule, entry) for entry in entries)

    def evaluation_log(self, rule: str) -> list[dict[str, Any]]:
        with self.lock:
            return [entry for logged_rule, entry in self.evaluations if logged_rule == rule]

    def record_invocation(self, invocation: dict[str, Any]) -> None:
        with self.lock:
            self.invocations.append(invocation)

    def invocation_log(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.invocations)

    def clear(self, what: str) -> None:
        with self.lock:
            getattr(self, what).clear()

    def set_regions(self, regions: list[dict[str, str]]) -> list[dict[str, str]]:
        with self.lock:
            self.regions = regions
            return list(regions)

    def region_entries(self) -> list[dict[str, str]]:
        with self.lock:
            return list(self.regions)


STATE = ControlState()


def validate_fault(operation: str, fault: Any) -> None:
    if fault in ("ok", "throttle", "500"):
        return
    if isinstance(fault, str) and _FAILED_RE.match(fault):
        if operation.split(".")[-1] != "PutEvaluations":
            raise ValueError(f"{fault!r} only applies to PutEvaluations")
        return
    if isinstance(fault, str) and _DELAY_RE.fullmatch(fault):
        if float(fault.split(":", 1)[1]) > MAX_DELAY_SECONDS:
            raise ValueError(f"{fault!r}: at most {MAX_DELAY_SECONDS:g} seconds")
        return
    raise ValueError(
        f"unknown fault {fault!r}; use 'ok', 'throttle', '500', 'failed:N' or 'delay:SECONDS'"
    )


def take_failed_evaluations_fault() -> int:
    """N from a ``failed:N`` fault popped for the current request, else 0."""
    count = getattr(_request_local, "failed_evaluations", 0)
    _request_local.failed_evaluations = 0
    return count


# --------------------------------------------------------------------------
# Operation identification (for counting and faults)
# --------------------------------------------------------------------------

_CREDENTIAL_RE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/]+)/([^/]+)/aws4_request")
_TARGET_SERVICES = {"StarlingDoveService": "config", "AmazonSQS": "sqs"}


def read_form_body(environ: dict[str, Any]) -> str:
    """Read a form-encoded body and put it back for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body.decode("utf-8", "replace")


def rest_operation(service: str, region: str, method: str, path: str) -> str | None:
    """REST operation name from the service model's URIs (moto's own table)."""
    try:
        from moto.core.responses import _get_method_urls

        patterns = _get_method_urls(service, region).get(method, {})
    except Exception:
        return None
    for regexp, name in sorted(patterns.items(), key=lambda kv: len(kv[0]), reverse=True):
        if re.match(regexp, path):
            return name
    return None


def identify(environ: dict[str, Any]) -> tuple[str, str, str]:
    """(service, operation, protocol) of an AWS request; protocol is json/query/rest."""
    credential = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
    region, service = credential.groups() if credential else ("us-east-1", "")
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        prefix, _, operation = target.rpartition(".")
        service = service or _TARGET_SERVICES.get(prefix, prefix)
        return service, operation, "json"
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action") or parse_qs(
        read_form_body(environ)
    ).get("Action")
    if action:
        return service or "unknown", action[0], "query"
    method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
    operation = rest_operation(service, region, method, path) if service else None
    return service or "unknown", operation or f"{method} {path}", "rest"


# --------------------------------------------------------------------------
# Fault responses
# --------------------------------------------------------------------------


_REST_500_CODES = {"account": "InternalServerException"}


def fault_response(fault: str, service: str, protocol: str) -> Response:
    request_id = str(uuid.uuid4())
    throttle = fault == "throttle"
    if protocol == "query":
        code = "Throttling" if throttle else ("ServiceFailure" if service == "iam" else "InternalFailure")
        kind = "Sender" if throttle else "Receiver"
        message = "Rate exceeded" if throttle else "Injected internal failure"
        body = (
            "<ErrorResponse><Error>"
            f"<Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Response(body, status=400 if throttle else 500, content_type="text/xml",
                        headers={"x-amzn-RequestId": request_id})
    if protocol == "json":
        code = "ThrottlingException" if throttle else "InternalFailure"
        content_type = "application/x-amz-json-1.1"
    else:  # Lambda-style restJson1 (the Account API names its 500 differently)
        code = "TooManyRequestsException" if throttle else _REST_500_CODES.get(service, "ServiceException")
        content_type = "application/json"
    status = (400 if protocol == "json" else 429) if throttle else 500
    message = "Rate exceeded" if throttle else "Injected internal failure"
    body = json.dumps({"__type": code, "message": message})
    return Response(body, status=status, content_type=content_type,
                    headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id})


# --------------------------------------------------------------------------
# k. Account ListRegions, l. asynchronous Lambda Invoke (answered by us)
# --------------------------------------------------------------------------

REGION_OPT_STATUSES = ("ENABLED", "ENABLING", "DISABLING", "DISABLED", "ENABLED_BY_DEFAULT")
LIST_REGIONS_MAX_RESULTS = 50  # API model maximum; also our default page size


def rest_json_error(status: int, code: str, message: str, **extra: Any) -> Response:
    request_id = str(uuid.uuid4())
    body = json.dumps({"__type": code, "message": message, **extra})
    return Response(body, status=status, content_type="application/json",
                    headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id})


def account_validation_error(field: str, message: str) -> Response:
    return rest_json_error(
        400, "ValidationException", f"1 validation error detected: {message}",
        reason="fieldValidationFailed", fieldList=[{"name": field, "message": message}],
    )


def account_list_regions(request: Request) -> Response:
    """POST /listRegions from the region list set through /_trustcheck/regions."""
    raw = request.get_data(as_text=True) or "{}"
    try:
        params = json.loads(raw)
    except ValueError:
        params = None
    if not isinstance(params, dict):
        return rest_json_error(400, "SerializationException", "Request body is not a JSON object")
    account_id = params.get("AccountId")
    if account_id is not None and not re.fullmatch(r"\d{12}", str(account_id)):
        return account_validation_error("AccountId", f"Value '{account_id}' must match ^\\d{{12}}$")
    statuses = params.get("RegionOptStatusContains")
    if statuses is not None:
        if not isinstance(statuses, list) or any(v not in REGION_OPT_STATUSES for v in statuses):
            return account_validation_error(
                "RegionOptStatusContains",
                f"Value '{statuses}' must satisfy enum value set: [{', '.join(REGION_OPT_STATUSES)}]",
            )
    max_results = params.get("MaxResults")
    if max_results is None:
        size = LIST_REGIONS_MAX_RESULTS
    elif isinstance(max_results, int) and not isinstance(max_results, bool) and 1 <= max_results <= LIST_REGIONS_MAX_RESULTS:
        size = max_results
    else:
        return account_validation_error(
            "MaxResults",
            f"Value '{max_results}' must have value between 1 and {LIST_REGIONS_MAX_RESULTS}",
        )
    wanted = sorted(set(statuses or REGION_OPT_STATUSES))
    start = 0
    next_token = params.get("NextToken")
    if next_token:
        try:
            token = decode_token(str(next_token))
        except InvalidNextTokenException:
            token = {}
        if token.get("filter") != wanted or not isinstance(token.get("offset"), int):
            return account_validation_error("NextToken", "The NextToken is not valid")
        start = token["offset"]
    regions = [r for r in STATE.region_entries() if r["RegionOptStatus"] in wanted]
    result: dict[str, Any] = {"Regions": regions[start : start + size]}
    if start + size < len(regions):
        result["NextToken"] = encode_token({"filter": wanted, "offset": start + size})
    return Response(json.dumps(result), status=200, content_type="application/json",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


_INVOKE_PATH_RE = re.compile(r"^/[^/]+/functions/(?P<name>[^/]+)/invocations/?$")
# NamespacedFunctionName / Qualifier patterns from the Lambda API model.
_FUNCTION_NAME_RE = re.compile(
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?"
    r"(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)
_QUALIFIER_RE = re.compile(r"[a-zA-Z0-9$_-]{1,128}")


def lambda_invoke_event(request: Request) -> Response:
    """Invoke with X-Amz-Invocation-Type: Event: record it, answer 202 with no body."""
    match = _INVOKE_PATH_RE.match(request.path)
    name = match.group("name") if match else ""
    if not 1 <= len(name) <= 256 or not _FUNCTION_NAME_RE.fullmatch(name):
        return rest_json_error(
            400, "ValidationException",
            f"1 validation error detected: Value '{name}' at 'functionName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern",
        )
    qualifier = request.args.get("Qualifier")
    if qualifier is not None and not _QUALIFIER_RE.fullmatch(qualifier):
        return rest_json_error(
            400, "ValidationException",
            f"1 validation error detected: Value '{qualifier}' at 'qualifier' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern",
        )
    text = request.get_data().decode("utf-8", "replace")
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = text
    STATE.record_invocation({"function": name, "qualifier": qualifier, "payload": payload})
    return Response(b"", status=202, content_type="application/json",
                    headers={"x-amzn-RequestId": str(uuid.uuid4())})


def answered_here(service: str, operation: str, environ: dict[str, Any]) -> Response | None:
    """Operations we answer without moto (after counting and faults)."""
    if service == "account" and operation == "ListRegions":
        return account_list_regions(Request(environ))
    if (
        service == "lambda"
        and operation == "Invoke"
        and environ.get("HTTP_X_AMZ_INVOCATION_TYPE") == "Event"
    ):
        return lambda_invoke_event(Request(environ))
    return None


# --------------------------------------------------------------------------
# h. Bulk seeding
# --------------------------------------------------------------------------


def seed(roles: int, functions: int, account_id: str, region: str, prefix: str,
         regions: list[str] | None = None) -> dict:
    """Insert roles and functions straight into moto's backends.

    CreateRole/CreateFunction through the API scan all roles per call, which is
    quadratic; here each role is a moto ``Role`` and each function a moto
    ``LambdaFunction`` (built from a tiny in-memory zip), stored the way the
    backends store them. Function i goes to ``regions[i % len(regions)]``
    (default: just ``region``); roles are global (IAM). Role i's trust policy
    is of the kind ``trust_kind(i)`` (tests/harness.py, as the CLI benchmark's).
    """
    if functions > roles:
        raise ValueError("functions must not exceed roles (function i uses role i)")
    if roles < 0 or functions < 0:
        raise ValueError("roles and functions must not be negative")
    regions = list(regions or [region])
    for name in [region, *regions]:
        if not isinstance(name, str) or not _REGION_RE.fullmatch(name):
            raise ValueError(f"invalid region name {name!r}")
    if len(set(regions)) != len(regions):
        raise ValueError("regions must not repeat")
    partition = get_partition(region)
    if any(get_partition(r) != partition for r in regions):
        raise ValueError("all regions must be in the partition of 'region' (IAM is per partition)")
    started = time.perf_counter()
    iam = iam_backends[account_id][partition]
    taken = {role.name for role in iam.roles.values()}
    names = [f"{prefix}-role-{i:05d}" for i in range(roles)]
    if taken.intersection(names):
        raise KeyError(f"roles named {prefix}-role-* already exist; use another prefix")

    kinds: collections.Counter[str] = collections.Counter()
    created: list[Role] = []
    for index, name in enumerate(names):
        kind = trust_kind(index)
        kinds[kind] += 1
        role = Role(
            account_id=account_id,
            partition=partition,
            role_id=random_role_id(account_id),
            name=name,
            assume_role_policy_document=json.dumps(seeded_trust_policy(kind, account_id)),
            path="/",
            permissions_boundary=None,
            description="trustcheck benchmark seed",
            tags=[],
            max_session_duration="3600",
        )
        iam.roles[role.id] = role
        created.append(role)
    roles_done = time.perf_counter()

    storages = {r: lambda_backends[account_id][r]._lambdas for r in regions}
    by_region = dict.fromkeys(regions, 0)
    zip_b64 = base64.b64encode(tiny_zip()).decode()
    for index, role in enumerate(created[:functions]):
        name = f"{prefix}-fn-{index:05d}"
        function_region = regions[index % len(regions)]
        storage = storages[function_region]
        if name in storage._functions:
            raise KeyError(f"function {name} already exists; use another prefix")
        spec = {
            "FunctionName": name,
            "Role": role.arn,
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Architectures": ["arm64"],
            "Code": {"ZipFile": zip_b64},
        }
        fn = LambdaFunction(account_id=account_id, spec=spec, region=function_region, version="$LATEST")
        storage._functions[name] = {"latest": fn, "versions": []}
        storage._arns[fn.function_arn] = fn
        by_region[function_region] += 1
    done = time.perf_counter()

    return {
        "account": account_id,
        "region": region,
        "regions": regions,
        "prefix": prefix,
        "roles": roles,
        "functions": functions,
        "functions_by_region": by_region,
        "trust_kinds": dict(kinds),
        "seconds": round(done - started, 3),
        "role_seconds": round(roles_done - started, 3),
        "function_seconds": round(done - roles_done, 3),
    }


# --------------------------------------------------------------------------
# Control routes and the WSGI entry point
# --------------------------------------------------------------------------


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")


def control(request: Request) -> Response:
    route = request.path[len(CONTROL_PREFIX):].strip("/")
    method = request.method
    try:
        body = request.get_json(force=True, silent=True) if method == "POST" else {}
        if not isinstance(body, dict):
            raise ValueError("body must be a JSON object")
        if route == "calls" and method == "GET":
            return json_response(STATE.snapshot_calls())
        if route == "calls" and method == "DELETE":
            return json_response(STATE.snapshot_calls(reset=True))
        if route == "faults" and method == "GET":
            return json_response({"faults": STATE.list_faults()})
        if route == "faults" and method == "DELETE":
            STATE.clear_faults()
            return json_response({"faults": {}})
        if route == "faults" and method == "POST":
            operation, faults = body.get("operation"), body.get("faults")
            if not isinstance(operation, str) or not operation or not isinstance(faults, list):
                raise ValueError('expected {"operation": "<Op>", "faults": [...]}')
            for fault in faults:
                validate_fault(operation, fault)
            return json_response({"operation": operation, "queued": STATE.add_faults(operation, faults)})
        if route == "seed" and method == "POST":
            regions = body.get("regions")
            if regions is not None and (not isinstance(regions, list) or not regions):
                raise ValueError('"regions" must be a non-empty list of region names')
            result = seed(
                roles=int(body.get("roles", 0)),
                functions=int(body.get("functions", 0)),
                account_id=str(body.get("account") or DEFAULT_ACCOUNT_ID),
                region=str(body.get("region") or (regions or ["us-east-1"])[0]),
                prefix=str(body.get("prefix") or "seed"),
                regions=regions,
            )
            return json_response(result)
        if route == "evaluations" and method == "GET":
            rule = request.args.get("rule")
            if not rule:
                raise ValueError("expected ?rule=<config rule name (the ResultToken)>")
            return json_response({"evaluations": STATE.evaluation_log(rule)})
        if route == "evaluations" and method == "DELETE":
            STATE.clear("evaluations")
            return json_response({"evaluations": []})
        if route == "invocations" and method == "GET":
            return json_response({"invocations": STATE.invocation_log()})
        if route == "invocations" and method == "DELETE":
            STATE.clear("invocations")
            return json_response({"invocations": []})
        if route == "regions" and method == "GET":
            return json_response({"regions": STATE.region_entries()})
        if route == "regions" and method == "POST":
            if not {"enabled", "disabled"} & set(body) or set(body) - {"enabled", "disabled"}:
                raise ValueError('expected {"enabled": [region, ...], "disabled": [region, ...]}')
            regions = region_list(body.get("enabled", []), body.get("disabled", []))
            return json_response({"regions": STATE.set_regions(regions)})
        if route == "regions" and method == "DELETE":
            defaults = region_list(list(DEFAULT_ENABLED_REGIONS), list(DEFAULT_DISABLED_REGIONS))
            return json_response({"regions": STATE.set_regions(defaults)})
    except KeyError as error:
        return json_response({"error": str(error.args[0])}, status=409)
    except (ValueError, TypeError) as error:
        return json_response({"error": str(error)}, status=400)
    return json_response({"error": f"no route {method} {request.path}"}, status=404)


class TrustcheckDispatcher(DomainDispatcherApplication):
    """moto's dispatcher plus control routes, call counting and fault injection."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROL_PREFIX):
            return control(Request(environ))(environ, start_response)
        _request_local.failed_evaluations = 0
        if not path.startswith("/moto-api") and path != "/favicon.ico":
            service, operation, protocol = identify(environ)
            STATE.count(f"{service}.{operation}")
            fault = STATE.pop_fault(service, operation)
            if fault in ("throttle", "500"):
                return fault_response(fault, service, protocol)(environ, start_response)
            if fault and fault.startswith("failed:"):
                _request_local.failed_evaluations = int(fault.split(":", 1)[1])
            if fault and fault.startswith("delay:"):
                time.sleep(float(fault.split(":", 1)[1]))
            response = answered_here(service, operation, environ)
            if response is not None:
                return response(environ, start_response)
        return super().__call__(environ, start_response)


# --------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------


def install() -> None:
    """Apply every patch. Idempotent enough for a single process."""
    ConfigBackend.put_evaluations = put_evaluations
    ConfigBackend.get_compliance_details_by_config_rule = get_compliance_details_by_config_rule
    ConfigBackend.select_resource_config = select_resource_config
    ConfigResponse.put_evaluations = response_put_evaluations
    ConfigResponse.get_compliance_details_by_config_rule = (
        response_get_compliance_details_by_config_rule
    )
    ConfigResponse.select_resource_config = response_select_resource_config
    ConfigBackend.select_aggregate_resource_config = select_aggregate_resource_config
    ConfigResponse.select_aggregate_resource_config = response_select_aggregate_resource_config
    ConfigResponse.get_resource_config_history = response_get_resource_config_history
    ConfigResponse.batch_get_resource_config = response_batch_get_resource_config
    RoleConfigQuery.get_config_resource = role_config_resource

    IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER[
        "ListRolesResponse.Roles.Role.AssumeRolePolicyDocument"
    ] = url_encode
    IamResponse.list_roles = iam_list_roles
    LambdaResponse.list_functions = lambda_list_functions

    moto.server.DomainDispatcherApplication = TrustcheckDispatcher


def main(argv: list[str] | None = None) -> None:
    install()
    moto.server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
