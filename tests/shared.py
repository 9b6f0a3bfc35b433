"""Where the real material lives: ../shared/fixtures beside the checkout (as in CI)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
QBO_RECORDINGS = FIXTURES / "qbo-recorded"
CLIO_OPENAPI = FIXTURES / "clio" / "openapi.json"
