"""`make demo` keeps working: runs tests/demo/demo.py and checks what it tells a person.

    python3 -m unittest tests/e2e/test_demo.py      (from the repository root; `make demo-test`)

Skipped when cargo-lambda is not installed (`make tools`). The demo runs the debug binaries
target/debug/{evaluator,notifier,pager} (`cargo test --workspace --no-run`, which `make demo-test`
runs first through `make trustcheck-bin`) and compiles nothing; it starts and stops its own servers
and processes. This test only reads its output and exit status.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The demo compiles nothing and takes seconds: this only bounds a hang.
DEMO_TIMEOUT_S = 600
FUNCTIONS = ("evaluator", "notifier", "pager")


def cargo_lambda_dir() -> Path | None:
    on_path = shutil.which("cargo-lambda")
    if on_path:
        return Path(on_path).parent
    local = ROOT / ".venv-tools" / "bin"
    return local if (local / "cargo-lambda").is_file() else None


@unittest.skipIf(cargo_lambda_dir() is None, "cargo lambda is not installed: run `make tools`")
class Demo(unittest.TestCase):
    def test_the_whole_loop(self) -> None:
        missing = [f"target/debug/{name}" for name in FUNCTIONS if not (ROOT / "target" / "debug" / name).is_file()]
        if missing:
            self.fail(f"{', '.join(missing)} not built: run `cargo test --workspace --no-run` (`make demo-test` does)")
        env = dict(os.environ)
        env["PATH"] = f"{cargo_lambda_dir()}{os.pathsep}{env.get('PATH', '')}"
        result = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "demo" / "demo.py")],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S, stdin=subprocess.DEVNULL,
        )
        out = result.stdout
        print(out)
        self.assertEqual(result.returncode, 0, f"{out}\n{result.stderr}")
        # The Config console: four broken roles, one correct.
        self.assertEqual(len(re.findall(r"^\s+\S+-role\s+Noncompliant\s+", out, re.M)), 4, out)
        self.assertRegex(out, r"orders-api-role\s+Compliant\s+No trust-policy findings")
        self.assertRegex(out, r"payments-role\s+Noncompliant\s+TRUST_PUBLIC")
        self.assertRegex(out, r"media-role\s+Noncompliant\s+LAMBDA_TRUST_CONDITION_BLOCKS")
        # PagerDuty: four incidents on both routes, then the fixed role's resolved on both.
        self.assertIn("4 pages published", out)
        self.assertRegex(out, r"LAMBDA_TRUST_MISSING on orders-consumer-role.*resolved\s+resolved")
        self.assertIn("incident resolved on both routes", out)
        self.assertIn("Stopped everything the demo started", out)
        # One screen.
        report = out.splitlines()
        self.assertLessEqual(len(report), 55, out)
        self.assertLessEqual(max(len(line) for line in report), 100, out)


if __name__ == "__main__":
    unittest.main()
