"""Regenerate the index golden files in ``tests/golden/index/``.

Run ``python tests/regen_golden.py`` from the repository root after an
intended change to the index encoding, then review the diff of
``index.json`` and ``index.json.sig`` before committing. The signing key there
is a throwaway TEST-ONLY key, never used for a real index.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "index"
TREE = GOLDEN / "tree"
INDEX = GOLDEN / "index.json"
SIGNATURE = GOLDEN / "index.json.sig"
SIGNING_KEY = GOLDEN / "TEST-ONLY-signing-key.hex"
PUBLIC_KEY = GOLDEN / "TEST-ONLY-public-key.hex"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from registry.index.build import build_index, generated_time  # noqa: E402
from registry.load.tree import Layout, load_registry  # noqa: E402
from registry.signing import sign_index  # noqa: E402


def golden_index() -> bytes:
    """The index built from the golden tree at the fixed epoch."""
    registry, findings = load_registry(Layout.of_root(TREE))
    if findings:
        raise SystemExit("\n".join(f.format() for f in findings))
    generated = generated_time(EPOCH, datetime.now(UTC))
    return build_index([entry.manifest for entry in registry.manifests], generated)


def golden_signature(raw: bytes) -> str:
    return sign_index(raw, SIGNING_KEY.read_text(encoding="ascii"))


def main() -> None:
    raw = golden_index()
    INDEX.write_bytes(raw)
    SIGNATURE.write_text(golden_signature(raw), encoding="ascii")
    print(f"wrote {INDEX.relative_to(ROOT)} ({len(raw)} bytes) and {SIGNATURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
