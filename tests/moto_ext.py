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
   is keyed by (rule, ComplianceResourceType, ComplianceResourceId) and the
   latest write wins. ``TestMode=true`` validates and stores nothing.
b. ``GetComplianceDetailsByConfigRule`` is not implemented in moto. We serve
   the stored evaluations in the real response shape, timestamps as epoch
   seconds (the awsJson1_1 protocol the Rust SDK speaks parses numbers only).
   ``Limit`` follows the API model: 0 or absent means the default of 10, the
   maximum is 100.
c. ``SelectResourceConfig`` only returns canned results in moto, and its
   handler reads ``Expression`` from the query string, so over awsJson it never
   even sees the query. We answer the Lambda queries trustcheck sends from
   moto's Lambda backend (see ``SELECT_HELP``); other query shapes get a 400 ``InvalidExpressionException``
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

Control routes (JSON in, JSON out; not AWS APIs, not counted). Fault kinds:
``throttle`` (awsJson: 400 ThrottlingException; query: 400 Throttling;
Lambda REST: 429 TooManyRequestsException), ``500`` (500 InternalFailure;
IAM: ServiceFailure; Lambda: ServiceException), ``failed:N`` (PutEvaluations
only: first N evaluations come back in FailedEvaluations, not stored) and
``ok`` (let one call through). "operation" is "Operation" (any service) or
"service.Operation"; calls are counted as "service.Operation" where service is
the SigV4 signing name (config, iam, sts, sns, sqs, lambda).

    POST   /_trustcheck/faults  {"operation": "PutEvaluations", "faults": ["throttle", "500", "failed:3", "ok"]}
                                -> {"operation": ..., "queued": [whole queue for that key]}
    GET    /_trustcheck/faults  -> {"faults": {"PutEvaluations": ["500"], ...}}
    DELETE /_trustcheck/faults  -> {"faults": {}}
    GET    /_trustcheck/calls   -> {"calls": {"config.PutEvaluations": 3, ...}, "total": 3}
    DELETE /_trustcheck/calls   -> the same shape, counts before the reset
    POST   /_trustcheck/seed    {"roles": 10000, "functions": 2000, "account": "123456789012",
                                 "region": "us-east-1", "prefix": "seed"}   (only roles/functions required)
                                -> {"account", "region", "prefix", "roles", "functions",
                                    "trust_kinds": {kind: count}, "seconds", "role_seconds",
                                    "function_seconds"}
Errors: 400 {"error": "..."} for bad input, 409 when seeded names exist, 404 for unknown routes.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import io
import json
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
    ValidationException,
)
from moto.config.models import ConfigBackend
from moto.config.responses import ConfigResponse
from moto.core import DEFAULT_ACCOUNT_ID
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
        for evaluation in accepted:
            key = (
                result_token,
                evaluation["ComplianceResourceType"],
                evaluation["ComplianceResourceId"],
            )
            store[key] = {
                "ComplianceType": evaluation["ComplianceType"],
                "Annotation": evaluation.get("Annotation"),
                "OrderingTimestamp": to_epoch(evaluation["OrderingTimestamp"]),
                "ResultRecordedTime": now,
                "ConfigRuleInvokedTime": now,
            }
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


def select_resource_config(
    self: ConfigBackend,
    expression: str,
    limit: int | None = None,
    next_token: str | None = None,
) -> tuple[list[Any], dict[str, Any], str | None]:
    # Canned results registered through the moto API still win.
    if expression in self._expression_results or self.query_results_queue:
        return _original_select_resource_config(self, expression, limit, next_token)
    fields, resource_type, roles, tag_key = parse_select(expression)
    size = page_limit(limit, SELECT_MAX_LIMIT, SELECT_MAX_LIMIT, "limit")
    digest = hashlib.sha256(expression.encode()).hexdigest()[:16]
    start = 0
    if next_token:
        token = decode_token(next_token)
        if token.get("q") != digest or not isinstance(token.get("offset"), int):
            raise InvalidNextTokenException()
        start = token["offset"]

    if resource_type == "AWS::IAM::Role":
        roles_found = sorted(
            (r for r in iam_backends[self.account_id][get_partition(self.region_name)].roles.values() if any(t.get("Key") == tag_key for t in r.tags)),
            key=lambda r: r.name,
        )
        rows = [role_config_row(r) for r in roles_found]
    else:
        functions = sorted(
            (
                fn
                for fn in lambda_backends[self.account_id][self.region_name].list_functions()
                if roles is None or fn.role in roles
            ),
            key=lambda fn: fn.function_name,
        )
        rows = [lambda_config_row(fn, self.account_id, self.region_name) for fn in functions]
    page = rows[start : start + size]
    results = [json.dumps(project(row, fields), separators=(",", ":")) for row in page]
    new_token = None
    if start + size < len(rows):
        new_token = encode_token({"q": digest, "offset": start + size})
    query_info = {"SelectFields": [{"Name": f} for f in fields]}
    return results, query_info, new_token


def response_select_resource_config(self: ConfigResponse) -> str:
    """moto's handler reads Expression from the query string; awsJson sends a body."""
    params = json_body(self)
    results, query_info, next_token = self.config_backend.select_resource_config(
        expression=params.get("Expression", ""),
        limit=params.get("Limit"),
        next_token=params.get("NextToken"),
    )
    response: dict[str, Any] = {"Results": results, "QueryInfo": query_info}
    if next_token:
        response["NextToken"] = next_token
    return json.dumps(response)


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
_request_local = threading.local()


class ControlState:
    """Call counters and fault queues, shared by all request threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.faults: dict[str, collections.deque[str]] = {}

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


STATE = ControlState()


def validate_fault(operation: str, fault: Any) -> None:
    if fault in ("ok", "throttle", "500"):
        return
    if isinstance(fault, str) and _FAILED_RE.match(fault):
        if operation.split(".")[-1] != "PutEvaluations":
            raise ValueError(f"{fault!r} only applies to PutEvaluations")
        return
    raise ValueError(
        f"unknown fault {fault!r}; use 'ok', 'throttle', '500' or 'failed:N'"
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
    else:  # Lambda-style restJson1
        code = "TooManyRequestsException" if throttle else "ServiceException"
        content_type = "application/json"
    status = (400 if protocol == "json" else 429) if throttle else 500
    message = "Rate exceeded" if throttle else "Injected internal failure"
    body = json.dumps({"__type": code, "message": message})
    return Response(body, status=status, content_type=content_type,
                    headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id})


# --------------------------------------------------------------------------
# h. Bulk seeding
# --------------------------------------------------------------------------

TRUST_KINDS = (
    # (kind, share out of 20)
    ("lambda_with_source_account", 14),
    ("lambda_without_condition", 3),
    ("edgelambda_only", 2),
    ("aws_star", 1),
)


def trust_policy(kind: str, account_id: str) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    if kind == "aws_star":
        statement["Principal"] = {"AWS": "*"}
    elif kind == "edgelambda_only":
        statement["Principal"] = {"Service": "edgelambda.amazonaws.com"}
    else:
        statement["Principal"] = {"Service": "lambda.amazonaws.com"}
    if kind == "lambda_with_source_account":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account_id}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def trust_kind(index: int) -> str:
    slot = index % 20
    for kind, share in TRUST_KINDS:
        if slot < share:
            return kind
        slot -= share
    raise AssertionError("unreachable")


def _tiny_zip_b64() -> str:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\n")
    return base64.b64encode(buffer.getvalue()).decode()


def seed(roles: int, functions: int, account_id: str, region: str, prefix: str) -> dict:
    """Insert roles and functions straight into moto's backends.

    CreateRole/CreateFunction through the API scan all roles per call, which is
    quadratic; here each role is a moto ``Role`` and each function a moto
    ``LambdaFunction`` (built from a tiny in-memory zip), stored the way the
    backends store them.
    """
    if functions > roles:
        raise ValueError("functions must not exceed roles (function i uses role i)")
    started = time.perf_counter()
    partition = get_partition(region)
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
            assume_role_policy_document=trust_policy(kind, account_id),
            path="/",
            permissions_boundary=None,
            description="trustcheck benchmark seed",
            tags=[],
            max_session_duration="3600",
        )
        iam.roles[role.id] = role
        created.append(role)
    roles_done = time.perf_counter()

    storage = lambda_backends[account_id][region]._lambdas
    zip_b64 = _tiny_zip_b64()
    for index, role in enumerate(created[:functions]):
        name = f"{prefix}-fn-{index:05d}"
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
        fn = LambdaFunction(account_id=account_id, spec=spec, region=region, version="$LATEST")
        storage._functions[name] = {"latest": fn, "versions": []}
        storage._arns[fn.function_arn] = fn
    done = time.perf_counter()

    return {
        "account": account_id,
        "region": region,
        "prefix": prefix,
        "roles": roles,
        "functions": functions,
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
            result = seed(
                roles=int(body.get("roles", 0)),
                functions=int(body.get("functions", 0)),
                account_id=str(body.get("account") or DEFAULT_ACCOUNT_ID),
                region=str(body.get("region") or "us-east-1"),
                prefix=str(body.get("prefix") or "seed"),
            )
            return json_response(result)
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
