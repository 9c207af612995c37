"""A fake PagerDuty on loopback, for tests and `make demo`.

    python3 tests/fake_pagerduty.py --port 8080

It implements the documented behaviour of the two routes trustcheck's pages take:

* ``POST /v2/enqueue`` -- the Events API v2 (what the ``pager`` function calls). A
  ``trigger`` opens an incident for (routing_key, dedup_key); a trigger with the same
  key joins the open incident and does not page again; ``resolve`` closes it; a
  resolve (or acknowledge) for no open incident is dropped. Malformed events get
  400, as PagerDuty answers. Accepted events get 202 ``{"status":"success",...}``.
  Documented: the Events API allows about 120 events a minute per routing key and
  answers 429 beyond it; the fake counts accepted and refused requests of each
  routing key in a sliding 60 s window (``/_fake/limits`` sets the number).
  Observed, not documented word for word: an unknown routing key gets 400
  ``"errors": ["Invalid routing key"]``; the fake answers so for any key outside
  the set given to ``/_fake/limits`` (when one is given).
* ``POST /integration/<key>/enqueue`` -- the Amazon CloudWatch integration an SNS
  HTTPS subscription posts to. The body is the SNS envelope; the Subject must
  start with ``ALARM: `` or ``OK: `` and the JSON Message must carry a matching
  ``NewStateValue``, or the event is discarded. Incidents are correlated by
  ``AlarmName``.

Control routes (not PagerDuty's):

* ``POST /_fake/script`` ``{"statuses": [429, 202]}``: the next responses of
  ``/v2/enqueue``, in order (then 202 again). A scripted error is not applied.
* ``POST /_fake/limits`` ``{"per_minute": 120, "valid_keys": ["K"]}``: the rate limit per
  routing key, and the only routing keys accepted (both optional; defaults 120 and any key).
* ``GET /_fake/incidents``: every incident with its events.
* ``GET /_fake/events``: every request received, in order.
* ``DELETE /_fake``: forget everything.
"""

from __future__ import annotations

import argparse
import collections
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SEVERITIES = {"critical", "error", "warning", "info"}
ACTIONS = {"trigger", "acknowledge", "resolve"}


class PagerDuty:
    """Incidents keyed by (routing_key, dedup_key), with PagerDuty's dedup rules."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.incidents: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.script: list[int] = []
        self.per_minute = 120
        self.valid_keys: set[str] | None = None
        self.recent: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def rate_limited(self, routing_key: str) -> bool:
        """Counts this request against the key's last 60 s; True beyond the limit."""
        now = time.monotonic()
        window = self.recent[routing_key]
        while window and now - window[0] > 60:
            window.popleft()
        window.append(now)
        return len(window) > self.per_minute

    def open_incident(self, key: tuple[str, str]) -> dict[str, Any] | None:
        for incident in self.incidents:
            if (incident["routing_key"], incident["dedup_key"]) == key and incident["status"] != "resolved":
                return incident
        return None

    def apply(self, routing_key: str, dedup_key: str, action: str, summary: str, severity: str) -> str:
        incident = self.open_incident((routing_key, dedup_key))
        if action == "trigger":
            if incident:
                incident["events"].append("trigger")
                return "joined"
            self.incidents.append({
                "routing_key": routing_key, "dedup_key": dedup_key, "status": "triggered",
                "summary": summary, "severity": severity, "events": ["trigger"],
            })
            return "opened"
        if not incident:
            return "dropped"
        incident["events"].append(action)
        incident["status"] = "resolved" if action == "resolve" else "acknowledged"
        return incident["status"]

    def events_v2(self, body: Any) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, dict):
            return 400, {"status": "invalid event", "errors": ["Event object is invalid"]}
        errors = []
        if not body.get("routing_key"):
            errors.append("'routing_key' is missing or blank")
        action = body.get("event_action")
        if action not in ACTIONS:
            errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        dedup_key = body.get("dedup_key")
        if action != "trigger" and not dedup_key:
            errors.append("'dedup_key' is required for acknowledge and resolve")
        if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > 255):
            errors.append("'dedup_key' must be a string of at most 255 characters")
        payload = body.get("payload") if isinstance(body.get("payload"), dict) else {}
        if action == "trigger":
            for field in ("summary", "source", "severity"):
                if not payload.get(field):
                    errors.append(f"'payload.{field}' is missing or blank")
            if payload.get("severity") and payload["severity"] not in SEVERITIES:
                errors.append("'payload.severity' is invalid")
            if len(str(payload.get("summary", ""))) > 1024:
                errors.append("'payload.summary' is longer than 1024 characters")
        routing_key = body.get("routing_key") or ""
        if self.rate_limited(routing_key):
            self.events.append({"route": "events-v2", "event_action": action, "dedup_key": dedup_key,
                                "result": "throttled"})
            return 429, {"status": "throttle event",
                         "message": "Requests for this service are arriving too quickly. Please retry later."}
        if not errors and self.valid_keys is not None and routing_key not in self.valid_keys:
            errors.append("Invalid routing key")
        if errors:
            self.events.append({"route": "events-v2", "event_action": action, "dedup_key": dedup_key,
                                "result": "invalid"})
            return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        result = self.apply(body["routing_key"], dedup_key or "", action,
                            payload.get("summary", ""), payload.get("severity", ""))
        self.events.append({"route": "events-v2", "event_action": action, "dedup_key": dedup_key, "result": result})
        return 202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key}

    def cloudwatch(self, key: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            envelope = json.loads(raw)
            message = json.loads(envelope.get("Message", ""))
        except (ValueError, TypeError, AttributeError):
            self.events.append({"route": "cloudwatch", "result": "discarded: not JSON"})
            return 202, {"status": "discarded"}
        subject = envelope.get("Subject") or ""
        state = message.get("NewStateValue") if isinstance(message, dict) else None
        if not ((subject.startswith("ALARM: ") and state == "ALARM") or (subject.startswith("OK: ") and state == "OK")):
            self.events.append({"route": "cloudwatch", "result": "discarded: not alarm-shaped"})
            return 202, {"status": "discarded"}
        action = "trigger" if state == "ALARM" else "resolve"
        result = self.apply(key, message.get("AlarmName", ""), action, subject, "")
        self.events.append({"route": "cloudwatch", "event_action": action,
                            "dedup_key": message.get("AlarmName"), "result": result})
        return 202, {"status": "success"}


class Handler(BaseHTTPRequestHandler):
    pd: PagerDuty

    def log_message(self, *args: Any) -> None:  # quiet: tests read /_fake/events instead
        pass

    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_POST(self) -> None:
        raw = self.read_body()
        with self.pd.lock:
            if self.path == "/v2/enqueue":
                if self.pd.script:
                    status = self.pd.script.pop(0)
                    if status >= 300:
                        self.pd.events.append({"route": "events-v2", "result": f"scripted {status}"})
                        return self.reply(status, {"status": "scripted", "message": f"HTTP {status}"})
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self.reply(400, {"status": "invalid event", "errors": ["body is not JSON"]})
                return self.reply(*self.pd.events_v2(body))
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "integration" and parts[2] == "enqueue":
                return self.reply(*self.pd.cloudwatch(parts[1], raw))
            if self.path == "/_fake/limits":
                limits = json.loads(raw or b"{}")
                self.pd.per_minute = int(limits.get("per_minute", self.pd.per_minute))
                if "valid_keys" in limits:
                    self.pd.valid_keys = set(limits["valid_keys"])
                return self.reply(200, {"per_minute": self.pd.per_minute,
                                        "valid_keys": sorted(self.pd.valid_keys or [])})
            if self.path == "/_fake/script":
                self.pd.script.extend(int(s) for s in json.loads(raw or b"{}").get("statuses", []))
                return self.reply(200, {"script": self.pd.script})
        self.reply(404, {"error": f"no route {self.path}"})

    def do_GET(self) -> None:
        with self.pd.lock:
            if self.path == "/_fake/incidents":
                return self.reply(200, {"incidents": self.pd.incidents})
            if self.path == "/_fake/events":
                return self.reply(200, {"events": self.pd.events})
        self.reply(404, {"error": f"no route {self.path}"})

    def do_DELETE(self) -> None:
        with self.pd.lock:
            if self.path == "/_fake":
                self.pd.reset()
                return self.reply(200, {"reset": True})
        self.reply(404, {"error": f"no route {self.path}"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    Handler.pd = PagerDuty()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
