"""`make demo` keeps working: runs tests/demo/demo.py and checks what it tells a person.

    python3 -m unittest tests/e2e/test_demo.py      (from the repository root; `make demo-test`)

Skipped when cargo-lambda is not installed (`make tools`). The demo runs the debug binaries
target/debug/{evaluator,notifier,pager} (`cargo test --workspace --no-run`, which `make demo-test`
runs first through `make trustcheck-bin`) and compiles nothing; it starts and stops its own servers
and processes. This test only reads its output and exit status.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # tests/harness.py
from harness import HarnessError, debug_binaries, find_cargo_lambda, tools_env  # noqa: E402

# The demo compiles nothing and takes seconds: this only bounds a hang.
DEMO_TIMEOUT_S = 600
FUNCTIONS = ("evaluator", "notifier", "pager")


@unittest.skipIf(find_cargo_lambda() is None, "cargo lambda is not installed: run `make tools`")
class Demo(unittest.TestCase):
    def test_the_whole_loop(self) -> None:
        try:
            debug_binaries(*FUNCTIONS)
        except HarnessError as missing:
            self.fail(str(missing))
        env = tools_env()
        result = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "demo" / "demo.py")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
        out = result.stdout
        print(out)
        self.assertEqual(result.returncode, 0, f"{out}\n{result.stderr}")
        steps = sections(out)
        self.assertEqual(sorted(steps), list(range(1, 9)), out)

        # The Config console after the sweep: five roles with findings, one correct.
        sweep = steps[4]
        self.assertEqual(len(re.findall(r"^\s+\S+-role\s+Noncompliant\s+", sweep, re.M)), 5, sweep)
        self.assertRegex(sweep, r"orders-api-role\s+Compliant\s+No trust-policy findings")
        self.assertRegex(sweep, r"payments-role\s+Noncompliant\s+TRUST_PUBLIC")
        self.assertRegex(sweep, r"media-role\s+Noncompliant\s+LAMBDA_TRUST_CONDITION_BLOCKS")
        self.assertRegex(sweep, r"partner-audit-role\s+Noncompliant\s+CROSS_ACCOUNT_UNCONDITIONED")

        # The sweep's notices: four roles at or above HIGH page, the MEDIUM one only notifies.
        paged = steps[5]
        self.assertIn("5 notices -> notifier: 4 pages to the page topic, 1 to the notify topic", paged)
        self.assertIn("page topic -> pager: 4 delivered to PagerDuty", paged)
        self.assertRegex(paged, r"notify topic: ALARM: CROSS_ACCOUNT_UNCONDITIONED on role partner-audit-role\b")
        self.assertEqual(incidents(paged), {
            "payments-role": ("critical", "TRUST_PUBLIC", "triggered", "triggered"),
            "media-role": ("error", "LAMBDA_TRUST_CONDITION_BLOCKS", "triggered", "triggered"),
            "invoice-export-role": ("error", "LAMBDA_TRUST_MISSING", "triggered", "triggered"),
            "orders-consumer-role": ("error", "LAMBDA_TRUST_MISSING", "triggered", "triggered"),
        }, paged)

        # The fix: COMPLIANT, and the page resolved on both routes.
        fixed = steps[6]
        self.assertIn("evaluator: NON_COMPLIANT -> COMPLIANT", fixed)
        self.assertIn("notice -> notifier: resolve page (HIGH) ->", fixed)
        self.assertIn("orders-consumer-role: incident resolved on both routes (1 resolve delivered", fixed)

        # The escalation: NON_COMPLIANT before and after (Config announces nothing), yet it pages.
        escalated = steps[7]
        self.assertIn("evaluator: NON_COMPLIANT -> NON_COMPLIANT", escalated)
        self.assertIn("notice -> notifier: resolve notify (MEDIUM), trigger page (CRITICAL)", escalated)
        self.assertRegex(escalated, r"notify topic: OK: role partner-audit-role\b")
        self.assertIn("partner-audit-role: incident opened on both routes", escalated)

        # The de-escalation: still NON_COMPLIANT, the page resolved where it was opened, notify again.
        deescalated = steps[8]
        self.assertIn("evaluator: NON_COMPLIANT -> NON_COMPLIANT", deescalated)
        self.assertIn("notice -> notifier: resolve page (CRITICAL), trigger notify (MEDIUM)", deescalated)
        self.assertRegex(deescalated, r"notify topic: ALARM: CROSS_ACCOUNT_UNCONDITIONED on role partner-audit-role\b")
        self.assertIn("partner-audit-role: incident resolved on both routes, still NON_COMPLIANT", deescalated)

        # PagerDuty at the end: the escalation's incident (TRUST_PUBLIC, critical) and the fixed role's
        # resolved on both routes, the other three still open; no incident for a MEDIUM finding.
        self.assertEqual(incidents(deescalated), {
            "partner-audit-role": ("critical", "TRUST_PUBLIC", "resolved", "resolved"),
            "payments-role": ("critical", "TRUST_PUBLIC", "triggered", "triggered"),
            "media-role": ("error", "LAMBDA_TRUST_CONDITION_BLOCKS", "triggered", "triggered"),
            "invoice-export-role": ("error", "LAMBDA_TRUST_MISSING", "triggered", "triggered"),
            "orders-consumer-role": ("error", "LAMBDA_TRUST_MISSING", "resolved", "resolved"),
        }, deescalated)
        self.assertIn("Stopped everything the demo started", out)
        # About one screen, no wider than 100 columns.
        report = out.splitlines()
        self.assertLessEqual(len(report), 70, out)
        self.assertLessEqual(max(len(line) for line in report), 100, out)


def sections(out: str) -> dict[int, str]:
    """The demo's output by step: {n: the text from "[n/8]" to the next step}."""
    parts = re.split(r"^\[(\d+)/8\] ", out, flags=re.M)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2])}


def incidents(text: str) -> dict[str, tuple[str, str, str, str]]:
    """The last "PagerDuty > Incidents" table in the text: role -> (severity, finding, Events v2, CloudWatch)."""
    table = text.rsplit("PagerDuty > Incidents", 1)[-1]
    rows = re.findall(r"^\s+(critical|error|warning|info)\s+(\S+) on (\S+?):.*?(\w+)\s+(\w+)$", table, re.M)
    found = {role: (severity, finding, events, cloudwatch) for severity, finding, role, events, cloudwatch in rows}
    if len(found) != len(rows):
        raise AssertionError(f"a role has two rows in the incidents table:\n{table}")
    return found

if __name__ == "__main__":
    unittest.main()
