"""The Bill Syncing admin panel: a Flask extension that talks to the billsync daemon over gRPC.

Mount it in a host app with ``BillSyncAdmin(app)``; run it alone with ``billsync web``.
"""

from __future__ import annotations

from billsync.webadmin.extension import BillSyncAdmin

__all__ = ["BillSyncAdmin"]
