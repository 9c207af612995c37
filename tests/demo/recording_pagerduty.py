"""The demo's local PagerDuty: tests/fake_pagerduty.py, and each incident keeps the payload of the
Events API v2 trigger that opened it (summary, severity, custom_details), as PagerDuty shows an
alert's details. Everything else is the fake's: its routes, dedup rules, answers and control routes.

    python3 tests/demo/recording_pagerduty.py --port 8080

`GET /_fake/incidents` then lists, for an incident the pager opened, its "payload" as received.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/fake_pagerduty.py
import fake_pagerduty  # noqa: E402


class RecordingPagerDuty(fake_pagerduty.PagerDuty):
    def events_v2(self, body: Any) -> tuple[int, dict[str, Any]]:
        """The fake's answer; a trigger that opened an incident leaves its payload on it."""
        opened = len(self.incidents)
        status, answer = super().events_v2(body)
        if len(self.incidents) > opened:  # under the handler's lock: this event's incident
            self.incidents[-1]["payload"] = body["payload"]
        return status, answer


def main() -> None:
    fake_pagerduty.PagerDuty = RecordingPagerDuty  # what fake_pagerduty.main() serves
    fake_pagerduty.main()


if __name__ == "__main__":
    main()
