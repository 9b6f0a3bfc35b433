"""Every query Status and ListLinks run is an index search that needs no sort, so their
cost stays the same at a million links (the measured figures are in bench/README.md).

Checked on SQLite, whose plans do not depend on table statistics; on PostgreSQL the
planner rightly prefers other plans on small tables, so bench/bench_status.py is where
its plans are exercised at size.
"""

from __future__ import annotations

import logging

import pytest

from billsync.daemon.store import paging
from billsync.daemon.store.models import Link
from billsync.v1 import billsync_pb2 as pb
from tests.conftest import BACKEND

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="plans are checked on SQLite")

CALLS = {
    "Status": lambda client, cid: client.status(cid),
    "ListLinks": lambda client, cid: client.list_links(cid, page_size=5, page_token=paging.encode("after", 3)),
    "ListLinks by kind": lambda client, cid: client.list_links(cid, kind=pb.KIND_INVOICE),
    "ListLinks by state": lambda client, cid: client.list_links(cid, state=pb.LINK_STATE_FAILED),
    "ListLinks by kind and state": lambda client, cid: client.list_links(
        cid, kind=pb.KIND_INVOICE, state=pb.LINK_STATE_FAILED
    ),
}


@pytest.mark.parametrize("name", CALLS)
def test_each_query_is_an_index_search_without_a_sort(client, db, caplog, name):
    connection = client.create_connection("Firm")
    Link.insert_many(
        [{"connection": connection.id, "kind": "invoice", "clio_id": str(i), "state": "failed"} for i in range(10)]
    ).execute()
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        CALLS[name](client, connection.id)
    queries = [  # the call's own: the daemon's scheduler may poll meanwhile, in threads of its own
        r.msg
        for r in caplog.records
        if r.name == "peewee"
        and r.threadName.startswith("rpc")
        and isinstance(r.msg, tuple)
        and r.msg[0].startswith("SELECT")
    ]
    assert queries
    for sql, params in queries:
        plan = " / ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall())
        assert plan.startswith("SEARCH") and "TEMP B-TREE" not in plan, (sql, plan)
