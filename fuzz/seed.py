"""Seeds the fuzz corpus with every policy the project's fixtures hold (`make fuzz` runs it).

Each seed is one selector byte (role and parameters, see fuzz_targets/check.rs) followed by the
document, plain and percent-encoded. Files are named by content, so running it again adds nothing.
"""

import hashlib
import json
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus" / "check"


def documents():
    for case in json.loads((ROOT / "shared/trustcheck/tests/fixtures/cases.json").read_text()):
        policy = case["policy"]
        yield policy if isinstance(policy, str) else json.dumps(policy, ensure_ascii=False)
    for folder in ("cli/tests/policies", "tests/fixtures"):
        for path in sorted((ROOT / folder).glob("*.json")):
            yield path.read_text()


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    added = 0
    for index, document in enumerate(documents()):
        for text in (document, quote(document, safe="")):
            seed = bytes([index % 256]) + text.encode()
            path = CORPUS / f"seed-{hashlib.sha1(seed).hexdigest()}"
            if not path.exists():
                path.write_bytes(seed)
                added += 1
    print(f"fuzz corpus: {added} seeds added, {len(list(CORPUS.iterdir()))} inputs in {CORPUS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
