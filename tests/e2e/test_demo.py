"""`make demo` keeps working: runs tests/demo/demo.py and checks what it tells a person.

    .venv-test/bin/python -m unittest tests/e2e/test_demo.py   (from the repository root; `make demo-test`)

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
from harness import HarnessError, debug_binaries, tools_env  # noqa: E402

# The demo compiles nothing and takes seconds: this only bounds a hang.
DEMO_TIMEOUT_S = 600
FUNCTIONS = ("evaluator", "notifier", "pager")


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
        self.assertEqual(sorted(steps), list(range(1, 11)), out)

        # The account: a Kinesis stream feeds clicks-consumer through an event source mapping.
        self.assertRegex(steps[3], r"Kinesis stream clicks \(24 h retention\) -> event source mapping \(Enabled\) "
                                   r"-> clicks-consumer")

        # The Config console after the sweep: five roles with findings, two correct.
        sweep = steps[4]
        self.assertEqual(len(re.findall(r"^\s+\S+-role\s+Noncompliant\s+", sweep, re.M)), 5, sweep)
        self.assertRegex(sweep, r"orders-api-role\s+Compliant\s+No trust-policy findings")
        self.assertRegex(sweep, r"clicks-consumer-role\s+Compliant\s+No trust-policy findings")
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
        self.assertIn("notice -> notifier: trigger page (CRITICAL), resolve notify (MEDIUM)", escalated)
        self.assertRegex(escalated, r"notify topic: OK: role partner-audit-role\b")
        self.assertIn("partner-audit-role: incident opened on both routes", escalated)

        # The de-escalation: still NON_COMPLIANT, the page resolved where it was opened, notify again.
        deescalated = steps[8]
        self.assertIn("evaluator: NON_COMPLIANT -> NON_COMPLIANT", deescalated)
        self.assertIn("notice -> notifier: trigger notify (MEDIUM), resolve page (CRITICAL)", deescalated)
        self.assertRegex(deescalated, r"notify topic: ALARM: CROSS_ACCOUNT_UNCONDITIONED on role partner-audit-role\b")
        self.assertIn("partner-audit-role: incident resolved on both routes, still NON_COMPLIANT", deescalated)

        # The Kinesis-fed function's role loses its Lambda trust: the mapping fails, the annotation
        # names the stream and what happens to its records, the page is critical and leads with them.
        broken = steps[9]
        self.assertIn('the mapping from clicks reports "PROBLEM: Function call failed"', broken)
        self.assertIn("evaluator: COMPLIANT -> NON_COMPLIANT", broken)
        annotation = " ".join(indented_below(broken, "clicks-consumer-role: Noncompliant"))
        self.assertTrue(annotation.startswith("LAMBDA_TRUST_MISSING: "), annotation)
        self.assertIn("stops: clicks-consumer reads Kinesis clicks", annotation)
        self.assertIn("records expire after the stream's retention: permanent loss", annotation)
        self.assertIn("notice -> notifier: trigger page (CRITICAL) ->", broken)
        self.assertIn("PagerDuty > Incidents > clicks-consumer-role, as the pager posted it: severity critical",
                      broken)
        page = indented_below(broken, "PagerDuty > Incidents > clicks-consumer-role")
        details = page.index("custom_details.event_source_mappings:")
        summary = " ".join(page[:details]).removeprefix("summary: ")
        self.assertTrue(summary.startswith("clicks-consumer stopped reading Kinesis clicks"), summary)
        self.assertIn("records expire after the stream's retention: permanent loss — LAMBDA_TRUST_MISSING", summary)
        self.assertEqual(page[details + 1:], [
            'clicks-consumer <- Kinesis clicks: Enabled, failing now ("PROBLEM: Function call failed")',
        ], broken)

        # The fix: COMPLIANT, the mapping reads again, the critical page resolved on both routes.
        restored = steps[10]
        self.assertIn('the mapping from clicks reports "OK"', restored)
        self.assertIn("evaluator: NON_COMPLIANT -> COMPLIANT", restored)
        self.assertIn("notice -> notifier: resolve page (CRITICAL) ->", restored)
        self.assertIn("clicks-consumer-role: incident resolved on both routes (1 resolve delivered", restored)

        # PagerDuty at the end: the escalation's incident (TRUST_PUBLIC, critical) and the fixed roles'
        # resolved on both routes, the other three still open; no incident for a MEDIUM finding.
        self.assertEqual(incidents(restored), {
            "partner-audit-role": ("critical", "TRUST_PUBLIC", "resolved", "resolved"),
            "payments-role": ("critical", "TRUST_PUBLIC", "triggered", "triggered"),
            "clicks-consumer stopped reading Kinesis clicks": ("critical", "", "resolved", "resolved"),
            "media-role": ("error", "LAMBDA_TRUST_CONDITION_BLOCKS", "triggered", "triggered"),
            "invoice-export-role": ("error", "LAMBDA_TRUST_MISSING", "triggered", "triggered"),
            "orders-consumer-role": ("error", "LAMBDA_TRUST_MISSING", "resolved", "resolved"),
        }, restored)
        self.assertIn("Stopped everything the demo started", out)
        # About a screen and a half, no wider than 100 columns.
        report = out.splitlines()
        self.assertLessEqual(len(report), 95, out)
        self.assertLessEqual(max(len(line) for line in report), 100, out)


def sections(out: str) -> dict[int, str]:
    """The demo's output by step: {n: the text from "[n/10]" to the next step}."""
    parts = re.split(r"^\[(\d+)/10\] ", out, flags=re.M)
    return {int(number): text for number, text in zip(parts[1::2], parts[2::2])}


def indented_below(text: str, header: str) -> list[str]:
    """The lines indented further than the line containing `header` that follow it, stripped."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if header in line)
    depth = len(lines[start]) - len(lines[start].lstrip())
    block = []
    for line in lines[start + 1:]:
        if len(line) - len(line.lstrip()) <= depth or not line.strip():
            break
        block.append(line.strip())
    return block


def incidents(text: str) -> dict[str, tuple[str, str, str, str]]:
    """The last "PagerDuty > Incidents" table in the text: role -> (severity, finding, Events v2, CloudWatch).
    A page that leads with what its finding stops ("clicks-consumer stopped reading Kinesis clicks
    (failing now): …") is keyed by that, up to a parenthesis or colon, its finding ("") past the row's end."""
    table = text.rsplit("PagerDuty > Incidents", 1)[-1]
    rows = re.findall(r"^\s+(critical|error|warning|info)\s+(.+?)\s+(\w+)\s+(\w+)$", table, re.M)
    found = {}
    for severity, summary, events, cloudwatch in rows:
        on_role = re.match(r"(\S+) on (\S+?):", summary)
        who, finding = (on_role[2], on_role[1]) if on_role else (re.split(r" \(|:|…", summary)[0], "")
        if who in found:
            raise AssertionError(f"{who} has two rows in the incidents table:\n{table}")
        found[who] = (severity, finding, events, cloudwatch)
    return found

if __name__ == "__main__":
    unittest.main()
