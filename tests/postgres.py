"""Kept so ``from tests.postgres import …`` still works; the helper lives in sandbox/
so that bench/ can start a cluster without importing the tests."""

from __future__ import annotations

from sandbox.postgres import free_port, pg_bin, throwaway_cluster  # noqa: F401
