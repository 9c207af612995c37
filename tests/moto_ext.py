"""moto server with the trustcheck test extensions.

Run it like ``moto_server``::

    python3 tests/moto_ext.py -H 127.0.0.1 -p 5000

It imports moto 5.2, patches it through moto's own extension points (methods
of ``ConfigResponse``/``ConfigBackend``/``IamResponse``/``LambdaResponse``/
``LambdaBackend``, the IAM response-transformer table, a subclass of moto's
``EventSourceMapping`` and one of its ``DomainDispatcherApplication`` used as
the WSGI entry point), then calls
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
   ``DeleteEvaluationResults`` (not in moto either) drops a rule's stored
   results, as Config does; tests use it to show a rule a view of its results
   other than the one its own writes left.
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
   they made, by "service.Operation" (every AWS call, e.g. "lambda.ListEventSourceMappings",
   "sqs.GetQueueAttributes" over SQS's JSON or query protocol).
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
   ``NoSuchConfigurationAggregatorException``); its sources' regions are applied
   (an aggregator of named regions answers only for those), its source accounts
   are not. ``Limit`` (or ``MaxResults``) and ``NextToken`` as in (c). A source
   region set FAILED or OUTDATED through ``/_trustcheck/aggregator-sources`` has
   none of its rows in the answer (the aggregator never got them).
   ``DescribeConfigurationAggregatorSourcesStatus`` (not in moto either) lists one
   entry per source account (or the organization) and region (a source of every
   region: the enabled regions of ``/_trustcheck/regions``), SUCCEEDED unless set
   there, filtered by ``UpdateStatus``, ``Limit`` 0..100 (0 or absent: 100) with
   ``NextToken``; an unknown aggregator is a 400
   ``NoSuchConfigurationAggregatorException``.
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
m. Lambda event source mappings. moto only takes SQS, Kinesis and DynamoDB stream sources, looks
   the function up only by name or full ARN, lists every mapping in one page and filters
   ``FunctionName`` by the exact string a mapping was created with, reports every mapping as
   ``StateTransitionReason: "User initiated"`` without a ``LastProcessingResult``, and hands
   messages/records sent to a mapped source to the function (Docker). Here:
   ``CreateEventSourceMapping`` also takes Amazon MSK (``arn:aws:kafka:...:cluster/...``), Amazon MQ
   (``arn:aws:mq:...:broker:NAME:ID``, ``Queues`` of one), DocumentDB (``arn:aws:rds:...:cluster:NAME``)
   and self-managed Kafka (no ``EventSourceArn``; ``SelfManagedEventSource`` {"Endpoints":
   {"KAFKA_BOOTSTRAP_SERVERS": [...]}}, returned in the configuration); Kafka sources need one
   ``Topics`` entry. MSK/MQ/DocumentDB sources must be in the request's region but need not exist in
   moto; SQS/Kinesis/DynamoDB ones must exist (moto's rule). ``BatchSize`` defaults and maxima are
   the API model's per source (SQS 10/10,000, FIFO 10/10, the others 100/10,000). ``FunctionName``
   (create, update, list) is a name, ``name:qualifier``, a full or qualified ARN or a partial ARN
   (``123456789012:function:name``); a mapping's ``FunctionArn`` carries the qualifier it was created
   with, and the list filter matches account, region, name and qualifier exactly (a qualified filter
   finds the mappings of that alias/version only; a missing function lists nothing). Mappings are
   per account and region (the Lambda backend of the request). ``ListEventSourceMappings`` pages as
   Lambda does: at most 100 per page, ``MaxItems`` 1..10000 (else 400 ``ValidationException``),
   ``Marker``/``NextMarker`` (a marker of another filter: 400 ``InvalidParameterValueException``).
   A new mapping reports ``State: Enabled``/``Disabled`` and what the AWS Lambda Developer Guide shows
   for its kind (``ESM_KINDS``): ``StateTransitionReason`` "USER_INITIATED" (SQS, MQ; assumed for
   Kafka and DocumentDB) or "User action" (Kinesis, DynamoDB), ``LastProcessingResult`` absent (SQS)
   or "No records processed". ``/_trustcheck/mappings`` makes a mapping report what Lambda shows for
   a broken one (``LAST_PROCESSING_RESULTS``: the documented texts and where they come from); a
   user's ``UpdateEventSourceMapping`` with ``Enabled`` drops the State/StateTransitionReason set there.
   Mappings are not attached to their sources: nothing is ever consumed (the local endpoint runs no
   function), so a queue's ``ApproximateNumberOfMessages`` only grows, as behind a broken role.
n. Organization Config rules are not in moto. ``PutOrganizationConfigRule`` keeps a rule's name
   and ``ExcludedAccounts`` per account and region (nothing is deployed to member accounts) and
   answers its ARN; ``DescribeOrganizationConfigRules`` lists the named ones (all without names),
   each with ``OrganizationConfigRuleName``, its ARN and ``ExcludedAccounts``, and a name it
   doesn't have is a 400 ``NoSuchOrganizationConfigRuleException``, as Config answers.
o. CloudFront drops every cache behaviour's ``LambdaFunctionAssociations`` (it stores
   ``{"Quantity": 0}``), and ``ListDistributions`` summaries carry no ``DefaultCacheBehavior`` or
   ``CacheBehaviors``. We keep the associations as given and put both behaviours in the summaries,
   as CloudFront does. A fault on a CloudFront call (``throttle``, ``500``, ``error:CODE``) answers in
   its REST-XML error shape.

Control routes (JSON in, JSON out; not AWS APIs, not counted). Fault kinds:
``throttle`` (awsJson: 400 ThrottlingException; query: 400 Throttling;
REST (Lambda, Account): 429 TooManyRequestsException), ``500`` (500
InternalFailure; IAM: ServiceFailure; Lambda: ServiceException; Account:
InternalServerException), ``failed:N`` (PutEvaluations only: first N
evaluations come back in FailedEvaluations, not stored, not logged),
``delay:SECONDS`` (0 <= SECONDS <= 30, decimals allowed: sleep that long, then
let the call through normally; for race tests), ``error:CODE`` (JSON-protocol
services such as Config: a 400 with that error code, e.g.
``error:InvalidResultTokenException``), ``empty`` (SelectResourceConfig
and SelectAggregateResourceConfig only: a successful answer with no results, as
from a recorder or an aggregator that doesn't record the resource type) and ``ok`` (let one call through). Faults apply to the operations answered by the dispatcher too
(``account.ListRegions``, async ``lambda.Invoke``). "operation" is
"Operation" (any service) or "service.Operation", either optionally followed by
"@region" (only calls signed for that region: "lambda.ListEventSourceMappings@eu-west-1");
a region's queue is used before the others. Calls are counted as
"service.Operation" where service is the SigV4 signing name (config, iam, sts,
sns, sqs, lambda, account). Calls, faults and the logs below survive
``/moto-api/reset``; clear them with their DELETE routes.

    POST   /_trustcheck/faults  {"operation": "PutEvaluations", "faults": ["throttle", "500", "failed:3", "ok"]}
                                ("error:CODE": a 400 with that code, JSON-protocol services only)
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
    POST   /_trustcheck/aggregator-sources {"aggregator": NAME, "region": REGION,
                                           "status": "FAILED" | "OUTDATED" | "SUCCEEDED"}
           -> {"statuses": {"NAME@REGION": STATUS, ...}}   (every source of that aggregator there)
    DELETE /_trustcheck/aggregator-sources -> {"statuses": {}}
    GET    /_trustcheck/regions -> {"regions": [{"RegionName", "RegionOptStatus"}, ...]}
    POST   /_trustcheck/regions {"enabled": [...], "disabled": [...]}   (either may be omitted)
                                replaces the list: enabled -> ENABLED (ENABLED_BY_DEFAULT if one of
                                the 17 defaults), disabled -> DISABLED; -> {"regions": [...]}
    DELETE /_trustcheck/regions -> the default list, {"regions": [...]}
    GET    /_trustcheck/mappings -> {"mappings": [{"account", "region", "mapping": the configuration as
                                ListEventSourceMappings returns it}, ...]}   every account and region
    POST   /_trustcheck/mappings {"uuid": "<mapping UUID>", "state": "Disabled",
                                 "stateTransitionReason": "...", "lastProcessingResult": "PROBLEM: ..."}
                                what Lambda reports for that mapping from now on (Get/List/Update...):
                                uuid and at least one of the three; a string replaces the reported
                                value, null restores the default; "state" one of Creating, Enabling,
                                Enabled, Disabling, Disabled, Updating, Deleting; LastModified becomes
                                now -> {"account", "region", "mapping": the configuration}
                                (404 for an unknown UUID; lives on the mapping: a moto reset clears it)
Errors: 400 {"error": "..."} for bad input, 409 when seeded names exist, 404 for unknown routes and
unknown mappings.
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
from moto.awslambda.exceptions import UnknownFunctionException
from moto.awslambda.models import EventSourceMapping, LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import make_function_arn
from moto.config.exceptions import (
    InvalidNextTokenException,
    InvalidParameterValueException,
    InvalidResultTokenException,
    NoSuchConfigurationAggregatorException,
    ValidationException,
)
from moto.cloudfront import models as cloudfront_models
from moto.config.models import ConfigBackend
from moto.config.responses import ConfigResponse
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import backend_lock
from moto.core.exceptions import JsonRESTError
from moto.core.serialize import url_encode
from moto.dynamodbstreams.models import dynamodbstreams_backends
from moto.iam.config import RoleConfigQuery
from moto.iam.exceptions import ValidationError as IamValidationError
from moto.iam.models import Role, iam_backends
from moto.iam.responses import IamResponse
from moto.iam.utils import random_role_id
from moto.kinesis.models import kinesis_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.sqs.models import sqs_backends
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


def delete_evaluation_results(self: ConfigBackend, config_rule_name: str | None) -> None:
    """Config's DeleteEvaluationResults: the rule's stored results are gone (the write log stays)."""
    if not config_rule_name:
        raise InvalidParameterValueException("ConfigRuleName is required")
    store = evaluation_store(self)
    for key in [key for key in store if key[0] == config_rule_name]:
        del store[key]


def response_delete_evaluation_results(self: ConfigResponse) -> str:
    self.config_backend.delete_evaluation_results(json_body(self).get("ConfigRuleName"))
    return "{}"


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
    "configuration.role IN ('<arn>', ...)] [AND accountId = '<account>'], and SELECT <fields> WHERE "
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


class NoSuchOrganizationConfigRuleException(JsonRESTError):
    code = 400

    def __init__(self, name: str):
        super().__init__(
            "NoSuchOrganizationConfigRuleException",
            f"The organization config rule {name} does not exist in this account.",
        )


def organization_rules(response: ConfigResponse) -> dict[str, dict[str, Any]]:
    """The organization rules of the request's account and region (n)."""
    return response.config_backend.__dict__.setdefault("trustcheck_organization_rules", {})


def response_put_organization_config_rule(self: ConfigResponse) -> str:
    params = json_body(self)
    name = params.get("OrganizationConfigRuleName")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise ValidationException(
            "1 validation error detected: Value at 'organizationConfigRuleName' failed to satisfy "
            "constraint: Member must have length between 1 and 64"
        )
    excluded = params.get("ExcludedAccounts") or []
    arn = f"arn:aws:config:{self.region}:{self.current_account}:organization-config-rule/{name}-moto"
    organization_rules(self)[name] = {
        "OrganizationConfigRuleName": name, "OrganizationConfigRuleArn": arn,
        "ExcludedAccounts": list(excluded),
    }
    return json.dumps({"OrganizationConfigRuleArn": arn})


def response_describe_organization_config_rules(self: ConfigResponse) -> str:
    params = json_body(self)
    rules = organization_rules(self)
    names = params.get("OrganizationConfigRuleNames") or sorted(rules)
    for name in names:
        if name not in rules:
            raise NoSuchOrganizationConfigRuleException(name)
    return json.dumps({"OrganizationConfigRules": [rules[name] for name in names]})


class InvalidExpressionException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidExpressionException", f"{message}. {SELECT_HELP}")


def parse_select(expression: str) -> tuple[list[str], str, set[str] | None, str | None, set[str] | None]:
    """Parse a SelectResourceConfig query.

    Returns (selected field paths, resource type, allowed role ARNs or None
    for all roles, tag key for role queries, allowed accounts or None for all).
    """
    match = _SELECT_RE.match(expression or "")
    if not match:
        raise InvalidExpressionException(f"Unsupported query {expression!r}")
    fields = [f.strip() for f in match.group("fields").split(",") if f.strip()]
    resource_type = None
    roles: set[str] | None = None
    tag_key: str | None = None
    accounts: set[str] | None = None
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
        elif prop == "accountId":
            accounts = set(values) if accounts is None else accounts & set(values)
        else:
            raise InvalidExpressionException(f"Unsupported condition {condition!r}")
    if resource_type == "AWS::IAM::Role" and tag_key is not None and roles is None and accounts is None:
        return fields, resource_type, None, tag_key, None
    if resource_type != "AWS::Lambda::Function" or tag_key is not None:
        raise InvalidExpressionException(
            f"Unsupported resourceType {resource_type!r} with these conditions"
        )
    return fields, resource_type, roles, None, accounts


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
    fields, resource_type, roles, tag_key, accounts = parse_select(expression)
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
            if accounts is None or account_id in accounts
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


def aggregated_regions(aggregator: Any) -> set[str] | None:
    """The regions an aggregator's sources name; None when one takes every region."""
    sources = list(aggregator.account_aggregation_sources or [])
    if aggregator.organization_aggregation_source:
        sources.append(aggregator.organization_aggregation_source)
    regions: set[str] = set()
    for source in sources:
        if source.all_aws_regions:
            return None
        regions.update(source.aws_regions or [])
    return regions


def select_aggregate_resource_config(
    self: ConfigBackend,
    expression: str,
    aggregator_name: str | None,
    limit: Any = None,
    next_token: str | None = None,
) -> tuple[list[Any], dict[str, Any], str | None]:
    """The same queries over every account and region moto has a Lambda backend for.

    The aggregator must exist in this account/region; its sources' regions are
    applied, its source accounts are not (every account moto knows is in scope).
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
    regions = aggregated_regions(self.config_aggregators[aggregator_name])

    def answered(region: str) -> bool:
        fresh = STATE.source_status(aggregator_name, region) == "SUCCEEDED"
        return fresh and (regions is None or region in regions)

    return run_select(
        expression,
        limit,
        next_token,
        [source for source in lambda_sources() if answered(source[1])],
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


AGGREGATOR_SOURCE_STATUSES = ("FAILED", "SUCCEEDED", "OUTDATED")


def response_describe_configuration_aggregator_sources_status(self: ConfigResponse) -> str:
    """One entry per source account (or the organization) and region of the aggregator."""
    params = json_body(self)
    name = params.get("ConfigurationAggregatorName")
    backend = self.config_backend
    if not name:
        raise ValidationException(
            "1 validation error detected: Value null at 'configurationAggregatorName' "
            "failed to satisfy constraint: Member must not be null"
        )
    if name not in backend.config_aggregators:
        raise NoSuchConfigurationAggregatorException()
    wanted = params.get("UpdateStatus") or list(AGGREGATOR_SOURCE_STATUSES)
    if not isinstance(wanted, list) or any(v not in AGGREGATOR_SOURCE_STATUSES for v in wanted):
        raise ValidationException(
            f"1 validation error detected: Value '{wanted}' at 'updateStatus' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(AGGREGATOR_SOURCE_STATUSES)}]"
        )
    limit = params.get("Limit") or 100
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= 100:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            "constraint: Member must have value less than or equal to 100"
        )
    aggregator = backend.config_aggregators[name]
    enabled = [r["RegionName"] for r in STATE.region_entries() if r["RegionOptStatus"] != "DISABLED"]
    sources: list[tuple[str, str, Any]] = [
        (account, "ACCOUNT", source)
        for source in aggregator.account_aggregation_sources or []
        for account in source.account_ids or []
    ]
    if aggregator.organization_aggregation_source:
        sources.append(("o-moto", "ORGANIZATION", aggregator.organization_aggregation_source))
    entries = []
    for source_id, source_type, source in sources:
        for region in sorted(enabled if source.all_aws_regions else source.aws_regions or []):
            status = STATE.source_status(name, region)
            if status in wanted:
                entries.append({
                    "SourceId": source_id, "SourceType": source_type, "AwsRegion": region,
                    "LastUpdateStatus": status, "LastUpdateTime": time.time(),
                })
    start = 0
    if params.get("NextToken"):
        token = decode_token(str(params["NextToken"]))
        if token.get("scope") != name or not isinstance(token.get("offset"), int):
            raise InvalidNextTokenException()
        start = token["offset"]
    response: dict[str, Any] = {"AggregatedSourceStatusList": entries[start : start + limit]}
    if start + limit < len(entries):
        response["NextToken"] = encode_token({"scope": name, "offset": start + limit})
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
_ERROR_RE = re.compile(r"error:[A-Za-z]+")
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
        # (aggregator name, region) -> LastUpdateStatus of its sources there; SUCCEEDED if absent.
        self.aggregator_sources: dict[tuple[str, str], str] = {}

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

    def pop_fault(self, service: str, operation: str, region: str = "") -> str | None:
        """One fault for this call: the region's queues first, then "service.Operation", then
        "Operation"."""
        keys = (f"{service}.{operation}@{region}", f"{operation}@{region}", f"{service}.{operation}", operation)
        with self.lock:
            for key in keys:
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

    def set_source_status(self, aggregator: str, region: str, status: str) -> dict[str, str]:
        with self.lock:
            if status == "SUCCEEDED":
                self.aggregator_sources.pop((aggregator, region), None)
            else:
                self.aggregator_sources[(aggregator, region)] = status
            return self.source_statuses_locked()

    def source_status(self, aggregator: str, region: str) -> str:
        with self.lock:
            return self.aggregator_sources.get((aggregator, region), "SUCCEEDED")

    def source_statuses_locked(self) -> dict[str, str]:
        return {f"{name}@{region}": status for (name, region), status in sorted(self.aggregator_sources.items())}


STATE = ControlState()


def validate_fault(operation: str, fault: Any) -> None:
    if "@" in operation:
        name, _, region = operation.partition("@")
        if not name or not _REGION_RE.fullmatch(region):
            raise ValueError(f"{operation!r}: use 'Operation@region' or 'service.Operation@region'")
        operation = name
    if fault in ("ok", "throttle", "500"):
        return
    if fault == "empty":
        if operation.split(".")[-1] not in ("SelectResourceConfig", "SelectAggregateResourceConfig"):
            raise ValueError("'empty' only applies to SelectResourceConfig and SelectAggregateResourceConfig")
        return
    if isinstance(fault, str) and _FAILED_RE.match(fault):
        if operation.split(".")[-1] != "PutEvaluations":
            raise ValueError(f"{fault!r} only applies to PutEvaluations")
        return
    if isinstance(fault, str) and _DELAY_RE.fullmatch(fault):
        if float(fault.split(":", 1)[1]) > MAX_DELAY_SECONDS:
            raise ValueError(f"{fault!r}: at most {MAX_DELAY_SECONDS:g} seconds")
        return
    if isinstance(fault, str) and _ERROR_RE.fullmatch(fault):
        return
    raise ValueError(
        f"unknown fault {fault!r}; use 'ok', 'throttle', '500', 'failed:N', 'delay:SECONDS', 'error:CODE' or 'empty'"
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


def rest_xml_fault(fault: str) -> Response:
    """CloudFront's error shape (REST-XML) for a ``throttle``, ``500`` or ``error:CODE`` fault
    (``error:AccessDenied`` is a 403, as CloudFront answers a caller IAM denies)."""
    if fault.startswith("error:"):
        code = fault.split(":", 1)[1]
        kind, status = "Sender", 403 if code == "AccessDenied" else 400
    elif fault == "throttle":
        code, kind, status = "Throttling", "Sender", 400
    else:
        code, kind, status = "InternalError", "Receiver", 500
    request_id = str(uuid.uuid4())
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{kind}</Type><Code>{code}</Code>"
        "<Message>Injected fault</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return Response(body, status=status, content_type="text/xml",
                    headers={"x-amzn-RequestId": request_id})


def client_error(code: str) -> Response:
    """A 400 with `code` over the JSON protocol (an ``error:CODE`` fault): what AWS answers a
    request it refuses, such as ``InvalidResultTokenException`` for a token Config didn't issue."""
    body = json.dumps({"__type": code, "message": f"Injected {code}"})
    return Response(body, status=400, content_type="application/x-amz-json-1.1",
                    headers={"x-amzn-ErrorType": code, "x-amzn-RequestId": str(uuid.uuid4())})


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
# m. Lambda event source mappings
# --------------------------------------------------------------------------

# What Lambda reports in a mapping's LastProcessingResult, in the AWS Lambda Developer Guide as
# published on GitHub (awsdocs/aws-lambda-developer-guide, doc_source/, the last version before
# the markdown was retired on 2023-10-31):
#   "No records processed"  a new mapping, or nothing polled yet (with-ddb-example.md, and the
#                            create/list outputs of with-kinesis.md, with-ddb.md, with-mq.md,
#                            invocation-eventsourcemapping.md)
#   "OK"                     records read and the function invoked (with-ddb-example.md)
#   "PROBLEM: Function call failed"   the mapping could not invoke the function (the get/update
#                            outputs of with-kinesis.md and with-ddb.md)
#   MSK and self-managed Kafka (with-msk.md, with-kafka.md "Authentication and authorization
#   errors": "Lambda displays one of the following error messages in the event source mapping
#   under LastProcessingResult"): "Cluster failed to authorize Lambda", "SASL authentication
#   failed", "Server failed to authenticate Lambda", "Lambda failed to authenticate server"
#   (self-managed only), "Provided certificate or private key is invalid". The guide gives them as
#   headings; whether Lambda prefixes them with "PROBLEM: " is not documented.
# No text is documented for an execution role that Lambda cannot assume (the lapsed trust this
# project detects): the guide only says that the poller needs STS to assume the execution role
# (with-msk.md, "Network configuration"). Tests use "PROBLEM: Function call failed" for it.
LAST_PROCESSING_RESULTS = {
    "none_yet": "No records processed",
    "ok": "OK",
    "function_call_failed": "PROBLEM: Function call failed",
    "kafka_cluster_failed_to_authorize": "Cluster failed to authorize Lambda",
    "kafka_sasl_failed": "SASL authentication failed",
    "kafka_server_failed_to_authenticate": "Server failed to authenticate Lambda",
    "kafka_lambda_failed_to_authenticate": "Lambda failed to authenticate server",
    "kafka_invalid_certificate": "Provided certificate or private key is invalid",
}
# StateTransitionReason: "User action" in the Kinesis/DynamoDB outputs of the same guide,
# "USER_INITIATED" in the SQS and Amazon MQ ones; when an MQ or Kafka consumer stops on an error
# (with-mq.md "Event source mapping errors", with-kafka.md), one of these codes:
STOPPED_CONSUMER_REASONS = (
    "ESM_CONFIG_NOT_VALID",        # the event source mapping configuration isn't valid
    "EVENT_SOURCE_AUTHN_ERROR",    # Lambda couldn't authenticate the event source
    "EVENT_SOURCE_AUTHZ_ERROR",    # Lambda doesn't have the permissions to access the event source
    "FUNCTION_CONFIG_NOT_VALID",   # the function configuration isn't valid
)
ESM_STATES = ("Creating", "Enabling", "Enabled", "Disabling", "Disabled", "Updating", "Deleting")
ESM_PAGE = 100          # "ListEventSourceMappings returns a maximum of 100 items in each response"
ESM_MAX_ITEMS = 10000   # MaxItems: 1..10000 (API model)

# Source kinds: (default BatchSize, max BatchSize) per the API model's BatchSize documentation,
# the StateTransitionReason and LastProcessingResult a new mapping reports (None: absent, as in
# the guide's SQS output; for Kafka and DocumentDB the guide shows no output: assumed).
ESM_KINDS: dict[str, tuple[int, int, str, str | None]] = {
    "sqs": (10, 10000, "USER_INITIATED", None),
    "sqs-fifo": (10, 10, "USER_INITIATED", None),
    "kinesis": (100, 10000, "User action", "No records processed"),
    "dynamodb": (100, 10000, "User action", "No records processed"),
    "msk": (100, 10000, "USER_INITIATED", "No records processed"),
    "self-managed-kafka": (100, 10000, "USER_INITIATED", "No records processed"),
    "mq": (100, 10000, "USER_INITIATED", "No records processed"),
    "documentdb": (100, 10000, "USER_INITIATED", "No records processed"),
}
_SOURCE_ARN_RE = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d{12}):"
    r"(?P<resource>.+)"
)
_SOURCE_RESOURCES = {
    "sqs": re.compile(r"[A-Za-z0-9_-]{1,80}(\.fifo)?"),
    "kinesis": re.compile(r"stream/[A-Za-z0-9_.-]+(/consumer/[A-Za-z0-9_.-]+:\d+)?"),
    "dynamodb": re.compile(r"table/[A-Za-z0-9_.-]+/stream/.+"),
    "kafka": re.compile(r"(cluster|vpc-connection)/.+"),
    "mq": re.compile(r"broker:[^:]+:[^:]+"),
    "rds": re.compile(r"cluster:[a-z][a-z0-9-]*"),
}
# EventSourceArn pattern of the API model (ListEventSourceMappings / CreateEventSourceMapping).
_EVENT_SOURCE_ARN_RE = re.compile(
    r"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
# The FunctionName formats (name, ARN, qualified ARN, partial ARN, name:qualifier), with groups.
_FUNCTION_REF_RE = re.compile(
    r"(?:arn:(?P<partition>aws[a-zA-Z-]*)?:lambda:)?"
    r"(?:(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1}):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9-_\.]+)"
    r"(?::(?P<qualifier>\$LATEST(?:\.PUBLISHED)?|[a-zA-Z0-9-_]+))?"
)


class LambdaInvalidParameter(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidParameterValueException", message)


def function_ref(value: str, account_id: str, region: str) -> tuple[str, str, str, str | None] | None:
    """(account, region, name, qualifier) that a FunctionName names, the missing parts from the
    request's account and region; None if it matches none of Lambda's formats."""
    match = _FUNCTION_REF_RE.fullmatch(value or "")
    if not match or not 1 <= len(value) <= 256:
        return None
    return (match["account"] or account_id, match["region"] or region, match["name"], match["qualifier"])


def source_kind(event_source_arn: str | None, self_managed: Any) -> str:
    """The kind of source a mapping reads (ESM_KINDS); InvalidParameterValueException if Lambda
    would not take it."""
    if event_source_arn and self_managed:
        raise LambdaInvalidParameter("Specify either EventSourceArn or SelfManagedEventSource, not both")
    if not event_source_arn:
        if not self_managed:
            raise LambdaInvalidParameter("Missing EventSourceArn")
        endpoints = self_managed.get("Endpoints") if isinstance(self_managed, dict) else None
        servers = endpoints.get("KAFKA_BOOTSTRAP_SERVERS") if isinstance(endpoints, dict) else None
        if not isinstance(servers, list) or not servers or not all(isinstance(s, str) and s for s in servers):
            raise LambdaInvalidParameter(
                "SelfManagedEventSource must have Endpoints.KAFKA_BOOTSTRAP_SERVERS: a list of host:port")
        return "self-managed-kafka"
    match = _SOURCE_ARN_RE.fullmatch(event_source_arn)
    service = match["service"] if match else ""
    if service not in _SOURCE_RESOURCES:
        raise LambdaInvalidParameter("Unsupported event source type")
    if not _SOURCE_RESOURCES[service].fullmatch(match["resource"]):
        raise LambdaInvalidParameter(f"Invalid {service} ARN for an event source: {event_source_arn}")
    if service == "sqs":
        return "sqs-fifo" if event_source_arn.endswith(".fifo") else "sqs"
    return {"kafka": "msk", "rds": "documentdb"}.get(service, service)


class TrustcheckEventSourceMapping(EventSourceMapping):
    """moto's mapping for every source kind of ESM_KINDS, with State, StateTransitionReason and
    LastProcessingResult as Lambda reports them (and as /_trustcheck/mappings sets them)."""

    # moto's model registry files a model under the second part of its module's name.
    __module__ = "moto.awslambda.trustcheck"

    def __init__(self, spec: dict[str, Any]):
        self.kind = source_kind(spec.get("EventSourceArn"), spec.get("SelfManagedEventSource"))
        # Set through /_trustcheck/mappings; absent keys report the defaults.
        self.reported: dict[str, str] = {}
        super().__init__({**spec, "EventSourceArn": spec.get("EventSourceArn")})
        if self.kind in ("sqs", "sqs-fifo", "mq"):
            self.starting_position = None  # moto sets TRIM_HORIZON for every non-SQS source

    def _get_service_source_from_arn(self, event_source_arn: str | None = None) -> str:
        return self.kind

    @property
    def event_source_arn(self) -> str | None:
        return self._event_source_arn

    @event_source_arn.setter
    def event_source_arn(self, value: str | None) -> None:
        self._event_source_arn = value  # checked by source_kind

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: Any) -> None:
        default, maximum, _, _ = ESM_KINDS[self.kind]
        if value is None:
            self._batch_size = default
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise LambdaInvalidParameter(f"BatchSize {value} is not between 1 and {maximum}")
        if value > maximum:
            raise LambdaInvalidParameter(f"BatchSize {value} exceeds the max of {maximum}")
        self._batch_size = value

    def get_configuration(self) -> dict[str, Any]:
        config = super().get_configuration()
        _, _, reason, result = ESM_KINDS[self.kind]
        config["StateTransitionReason"] = reason
        if result is not None:
            config["LastProcessingResult"] = result
        for field, value in self.reported.items():
            config[field] = value
        return config


def resolve_mapping_function(backend: Any, name: str) -> str:
    """The FunctionArn a mapping of `name` reports (qualified if `name` is): 404 if the function
    (version, alias) does not exist in this account and region."""
    ref = function_ref(name, backend.account_id, backend.region_name)
    if ref is None:
        raise JsonRESTError("ValidationException", f"1 validation error detected: Value '{name}' at "
                            "'functionName' failed to satisfy constraint: Member must satisfy regular "
                            "expression pattern")
    account, region, function, qualifier = ref
    arn = make_function_arn(region, account, function) + (f":{qualifier}" if qualifier else "")
    if (account, region) != (backend.account_id, backend.region_name):
        raise UnknownFunctionException(arn)
    backend._lambdas.get_function_by_name_with_qualifier(function, qualifier)  # raises 404
    return arn


def source_exists(account_id: str, region: str, kind: str, arn: str | None) -> bool:
    """SQS, Kinesis and DynamoDB sources must exist in moto (as moto checks them); MSK, MQ,
    DocumentDB and self-managed Kafka sources are taken on the ARN's word."""
    if kind in ("sqs", "sqs-fifo"):
        return any(q.queue_arn == arn for q in sqs_backends[account_id][region].queues.values())
    if kind == "kinesis":
        stream = arn.split("/consumer/")[0] if arn else arn
        return any(s.arn == stream for s in kinesis_backends[account_id][region].streams.values())
    if kind == "dynamodb":
        return any(s["StreamArn"] == arn for s in dynamodbstreams_backends[account_id][region].list_streams())
    return True


def one_name(names: Any) -> bool:
    return isinstance(names, list) and len(names) == 1 and isinstance(names[0], str) and bool(names[0])


def create_event_source_mapping(self: Any, spec: dict[str, Any]) -> TrustcheckEventSourceMapping:
    """Replacement for LambdaBackend.create_event_source_mapping: every source kind of ESM_KINDS,
    any FunctionName format; the mapping is not attached to its source, so nothing is consumed."""
    spec = dict(spec)
    if not spec.get("FunctionName"):
        raise LambdaInvalidParameter("Missing FunctionName")
    function_arn = resolve_mapping_function(self, spec["FunctionName"])
    kind = source_kind(spec.get("EventSourceArn"), spec.get("SelfManagedEventSource"))
    arn = spec.get("EventSourceArn")
    if kind in ("msk", "mq", "documentdb"):  # the others are looked for in this region
        if _SOURCE_ARN_RE.fullmatch(arn)["region"] != self.region_name:
            raise LambdaInvalidParameter(f"The event source {arn} is not in {self.region_name}")
    if kind in ("msk", "self-managed-kafka") and not one_name(spec.get("Topics")):
        raise LambdaInvalidParameter("Topics must name exactly one Kafka topic")
    if kind == "mq" and not one_name(spec.get("Queues")):
        raise LambdaInvalidParameter("Queues must name exactly one Amazon MQ destination queue")
    if not source_exists(self.account_id, self.region_name, kind, arn):
        raise JsonRESTError("ResourceNotFoundException", "Invalid EventSourceArn")  # moto's answer
    spec.update(RegionName=self.region_name, AccountId=self.account_id, FunctionArn=function_arn)
    mapping = TrustcheckEventSourceMapping(spec)
    self._event_source_mappings[mapping.uuid] = mapping
    return mapping


_original_update_event_source_mapping = LambdaBackend.update_event_source_mapping


def update_event_source_mapping(self: Any, uuid: str, spec: dict[str, Any]) -> Any:
    """moto's update, with our FunctionName formats; a user's Enabled change is a user's state
    change (State and StateTransitionReason set through the control route are dropped)."""
    mapping = self.get_event_source_mapping(uuid)
    if mapping is None:
        return None
    spec = dict(spec)
    if "FunctionName" in spec:
        mapping.function_arn = resolve_mapping_function(self, spec.pop("FunctionName"))
    updated = _original_update_event_source_mapping(self, uuid, spec)
    if "Enabled" in spec and isinstance(mapping, TrustcheckEventSourceMapping):
        mapping.reported.pop("State", None)
        mapping.reported.pop("StateTransitionReason", None)
    return updated


def mapping_matches(mapping: Any, function: tuple[str, str, str, str | None] | None,
                    source: str | None) -> bool:
    if source and mapping.event_source_arn != source:
        return False
    if function is None:
        return True
    mapped = function_ref(mapping.function_arn, "", "")
    return mapped is not None and mapped == function


def lambda_list_event_source_mappings(self: LambdaResponse) -> Any:
    """ListEventSourceMappings as Lambda pages it: at most 100 per page (MaxItems 1..10000),
    Marker/NextMarker; FunctionName in any of Lambda's formats, EventSourceArn exact."""
    query = self.querystring
    function_name = query.get("FunctionName", [None])[0]
    source = query.get("EventSourceArn", [None])[0]
    marker = query.get("Marker", [None])[0]
    max_items = query.get("MaxItems", [None])[0]
    size = ESM_PAGE
    if max_items is not None:
        if not str(max_items).isdigit() or not 1 <= int(max_items) <= ESM_MAX_ITEMS:
            return _lambda_error(
                400, "ValidationException",
                f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
                f"constraint: Member must have value between 1 and {ESM_MAX_ITEMS}")
        size = min(int(max_items), ESM_PAGE)
    function = None
    if function_name is not None:
        function = function_ref(function_name, self.backend.account_id, self.backend.region_name)
        if function is None:
            return _lambda_error(
                400, "ValidationException",
                f"1 validation error detected: Value '{function_name}' at 'functionName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern")
    if source is not None and not _EVENT_SOURCE_ARN_RE.fullmatch(source):
        return _lambda_error(
            400, "ValidationException",
            f"1 validation error detected: Value '{source}' at 'eventSourceArn' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern")
    scope = hashlib.sha256(f"{function_name}\0{source}".encode()).hexdigest()[:16]
    start = 0
    if marker is not None:
        try:
            token = decode_token(marker)
        except InvalidNextTokenException:
            token = {}
        if token.get("esm") != scope or not isinstance(token.get("offset"), int) or token["offset"] < 0:
            return _lambda_error(400, "InvalidParameterValueException", "Invalid Marker")
        start = token["offset"]
    mappings = [m for m in list(self.backend._event_source_mappings.values())
                if mapping_matches(m, function, source)]
    result: dict[str, Any] = {
        "EventSourceMappings": [m.get_configuration() for m in mappings[start : start + size]]
    }
    if start + size < len(mappings):
        result["NextMarker"] = encode_token({"esm": scope, "offset": start + size})
    return json.dumps(result)


def find_mapping(uuid: str) -> tuple[str, str, Any] | None:
    """(account, region, mapping) of the mapping with this UUID, in any backend moto has."""
    for account_id, region, backend in lambda_sources():
        mapping = backend._event_source_mappings.get(uuid)
        if mapping is not None:
            return account_id, region, mapping
    return None


def all_mappings() -> list[dict[str, Any]]:
    return [
        {"account": account_id, "region": region, "mapping": mapping.get_configuration()}
        for account_id, region, backend in sorted(lambda_sources(), key=lambda s: (s[0], s[1]))
        for mapping in list(backend._event_source_mappings.values())
    ]


_REPORTED_FIELDS = {
    "state": "State",
    "stateTransitionReason": "StateTransitionReason",
    "lastProcessingResult": "LastProcessingResult",
}


def report_mapping(body: dict[str, Any]) -> dict[str, Any]:
    """POST /_trustcheck/mappings: what Lambda reports for one mapping (see the module docstring)."""
    uuid = body.get("uuid")
    fields = set(body) - {"uuid"}
    if not isinstance(uuid, str) or not uuid or not fields or fields - set(_REPORTED_FIELDS):
        raise ValueError('expected {"uuid": "<mapping UUID>", "state": ..., "stateTransitionReason": ..., '
                         '"lastProcessingResult": ...} (at least one of the three; null restores the '
                         'default)')
    for key in fields:
        value = body[key]
        if value is not None and (not isinstance(value, str) or not value or len(value) > 1024):
            raise ValueError(f'"{key}" must be a non-empty string (at most 1024 characters) or null')
    if body.get("state") is not None and body["state"] not in ESM_STATES:
        raise ValueError(f'"state" must be one of {", ".join(ESM_STATES)}')
    found = find_mapping(uuid)
    if found is None:
        raise LookupError(f"no event source mapping with UUID {uuid}")
    account_id, region, mapping = found
    if not isinstance(mapping, TrustcheckEventSourceMapping):
        raise ValueError(f"mapping {uuid} was not created through moto_ext's CreateEventSourceMapping")
    for key in fields:
        if body[key] is None:
            mapping.reported.pop(_REPORTED_FIELDS[key], None)
        else:
            mapping.reported[_REPORTED_FIELDS[key]] = body[key]
    mapping.last_modified = time.time()  # "last updated or ... its state changed"
    return {"account": account_id, "region": region, "mapping": mapping.get_configuration()}


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
        if route == "aggregator-sources" and method == "POST":
            aggregator, region, status = body.get("aggregator"), body.get("region"), body.get("status")
            if not all(isinstance(v, str) and v for v in (aggregator, region)) or status not in AGGREGATOR_SOURCE_STATUSES:
                raise ValueError(
                    'expected {"aggregator": NAME, "region": REGION, "status": "FAILED" | "OUTDATED" | "SUCCEEDED"}'
                )
            return json_response({"statuses": STATE.set_source_status(aggregator, region, status)})
        if route == "aggregator-sources" and method == "DELETE":
            STATE.clear("aggregator_sources")
            return json_response({"statuses": {}})
        if route == "mappings" and method == "GET":
            return json_response({"mappings": all_mappings()})
        if route == "mappings" and method == "POST":
            return json_response(report_mapping(body))
        if route == "regions" and method == "DELETE":
            defaults = region_list(list(DEFAULT_ENABLED_REGIONS), list(DEFAULT_DISABLED_REGIONS))
            return json_response({"regions": STATE.set_regions(defaults)})
    except KeyError as error:
        return json_response({"error": str(error.args[0])}, status=409)
    except LookupError as error:
        return json_response({"error": str(error)}, status=404)
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
            credential = _CREDENTIAL_RE.search(environ.get("HTTP_AUTHORIZATION", ""))
            region = credential.group(1) if credential else ""
            fault = STATE.pop_fault(service, operation, region)
            if service == "cloudfront" and (fault in ("throttle", "500") or (fault or "").startswith("error:")):
                return rest_xml_fault(fault)(environ, start_response)
            if fault in ("throttle", "500"):
                return fault_response(fault, service, protocol)(environ, start_response)
            if fault and fault.startswith("error:") and protocol == "json":
                return client_error(fault.split(":", 1)[1])(environ, start_response)
            if fault and fault.startswith("failed:"):
                _request_local.failed_evaluations = int(fault.split(":", 1)[1])
            if fault and fault.startswith("delay:"):
                time.sleep(float(fault.split(":", 1)[1]))
            if fault == "empty":
                return Response(_select_response([], {"SelectFields": []}, None),
                                content_type="application/x-amz-json-1.1")(environ, start_response)
            response = answered_here(service, operation, environ)
            if response is not None:
                return response(environ, start_response)
        return super().__call__(environ, start_response)


# --------------------------------------------------------------------------
# o. CloudFront's Lambda@Edge associations
# --------------------------------------------------------------------------

_moto_cache_behaviour_init = cloudfront_models.DefaultCacheBehaviour.__init__


def cache_behaviour_init(self: Any, config: dict[str, Any]) -> None:
    _moto_cache_behaviour_init(self, config)
    associations = config.get("LambdaFunctionAssociations") or {}
    items = associations.get("Items") or []
    self.lambda_function_associations = (
        {"Quantity": len(items), "Items": items} if items else {"Quantity": 0}
    )


def distribution_default_cache_behavior(self: Any) -> Any:
    return self.distribution_config.DefaultCacheBehavior


def distribution_cache_behaviors(self: Any) -> Any:
    return self.distribution_config.CacheBehaviors


# --------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------


def install() -> None:
    """Apply every patch. Idempotent enough for a single process."""
    ConfigBackend.put_evaluations = put_evaluations
    ConfigBackend.get_compliance_details_by_config_rule = get_compliance_details_by_config_rule
    ConfigBackend.select_resource_config = select_resource_config
    ConfigResponse.put_evaluations = response_put_evaluations
    ConfigBackend.delete_evaluation_results = delete_evaluation_results
    ConfigResponse.delete_evaluation_results = response_delete_evaluation_results
    ConfigResponse.get_compliance_details_by_config_rule = (
        response_get_compliance_details_by_config_rule
    )
    ConfigResponse.select_resource_config = response_select_resource_config
    ConfigBackend.select_aggregate_resource_config = select_aggregate_resource_config
    ConfigResponse.select_aggregate_resource_config = response_select_aggregate_resource_config
    ConfigResponse.describe_configuration_aggregator_sources_status = (
        response_describe_configuration_aggregator_sources_status
    )
    ConfigResponse.put_organization_config_rule = response_put_organization_config_rule
    ConfigResponse.describe_organization_config_rules = response_describe_organization_config_rules
    ConfigResponse.get_resource_config_history = response_get_resource_config_history
    ConfigResponse.batch_get_resource_config = response_batch_get_resource_config
    RoleConfigQuery.get_config_resource = role_config_resource

    IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER[
        "ListRolesResponse.Roles.Role.AssumeRolePolicyDocument"
    ] = url_encode
    IamResponse.list_roles = iam_list_roles
    LambdaResponse.list_functions = lambda_list_functions
    LambdaResponse.list_event_source_mappings = lambda_list_event_source_mappings
    LambdaBackend.create_event_source_mapping = create_event_source_mapping
    LambdaBackend.update_event_source_mapping = update_event_source_mapping

    cloudfront_models.DefaultCacheBehaviour.__init__ = cache_behaviour_init
    cloudfront_models.Distribution.default_cache_behavior = property(distribution_default_cache_behavior)
    cloudfront_models.Distribution.cache_behaviors = property(distribution_cache_behaviors)

    moto.server.DomainDispatcherApplication = TrustcheckDispatcher


def main(argv: list[str] | None = None) -> None:
    install()
    moto.server.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
