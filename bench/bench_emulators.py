"""Each emulator's own throughput (requests/s), so we know they never limit a daemon benchmark.

The emulators run in a child process (client and server must not share one GIL) with
their limits off, exactly as ``sandbox.server.Sandbox`` serves them to the daemon; several
client threads with keep-alive connections drive each for a few seconds. QBO gets a mix
of creates and reads; Clio's API is read-only (users change Clio through the admin API),
so it gets the daemon's own kinds of reads on a seeded demo firm.

Run: ``python -m bench emulators`` or ``.venv/bin/python bench/bench_emulators.py [seconds] [threads]``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable

import httpx

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, __file__.rsplit("/bench/", 1)[0])

from bench.report import Table
from billsync.sandbox.clio.app import ClioConfig
from billsync.sandbox.qbo.config import QBOConfig

#: Requests each thread sends on its keep-alive connection, by request number.
Request = Callable[[httpx.Client, int], httpx.Response]
GOAL = 500.0
#: Bills seeded in Clio, so listings page through realistic records.
CLIO_BILLS = 200


def _serve(queue: "multiprocessing.Queue[tuple[str, str]]") -> None:
    from billsync.sandbox.server import Sandbox

    box = Sandbox(
        qbo_config=QBOConfig(limits_enabled=False), clio_config=ClioConfig(rate_limit_per_minute=10**9)
    ).start()
    queue.put((box.qbo_url, box.clio_url))
    threading.Event().wait()


def _qbo_request(client: httpx.Client, n: int) -> httpx.Response:
    if n % 4 == 0:
        return client.post("/customer", json={"DisplayName": f"Bench {threading.get_ident()} {n}"})
    if n % 4 == 1:
        return client.get("/query", params={"query": "select * from Account maxresults 5"})
    return client.get("/preferences")


def _clio_request(client: httpx.Client, n: int) -> httpx.Response:
    if n % 4 == 0:
        return client.get("/bills.json", params={"fields": "id,etag,number,total,state,client{id,name}", "limit": 20})
    if n % 4 == 1:
        return client.get("/contacts.json", params={"fields": "id,etag,name,type", "limit": 20})
    if n % 4 == 2:
        return client.get(f"/bills/{1 + n % CLIO_BILLS}.json", params={"fields": "id,etag,number,total"})
    return client.get("/users/who_am_i.json", params={"fields": "id,name"})


def _drive(base_url: str, token: str, request: Request, seconds: float, threads: int) -> float:
    """Requests/s that ``threads`` keep-alive clients get from one emulator in ``seconds``."""
    counter = itertools.count()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        with httpx.Client(base_url=base_url, headers=headers) as client:
            for n in itertools.count():
                if time.monotonic() > deadline:
                    return
                response = request(client, n)
                if response.status_code not in (200, 201):
                    raise RuntimeError(f"{response.request.url}: HTTP {response.status_code} {response.text[:200]}")
                next(counter)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return next(counter) / (time.monotonic() - started)


def measure(seconds: float, threads: int) -> dict[str, float]:
    """Both emulators' requests/s, one after the other, on one served sandbox."""
    queue: multiprocessing.Queue[tuple[str, str]] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        qbo_url, clio_url = queue.get(timeout=30)
        qbo_token = httpx.post(f"{qbo_url}/_sandbox/tokens").json()
        httpx.post(f"{clio_url}/_sandbox/seed", json={"bills": CLIO_BILLS, "seed": 1}, timeout=60).raise_for_status()
        clio_token = httpx.post(f"{clio_url}/_sandbox/tokens").json()
        return {
            "qbo": _drive(
                f"{qbo_url}/v3/company/{qbo_token['realmId']}",
                qbo_token["access_token"],
                _qbo_request,
                seconds,
                threads,
            ),
            "clio": _drive(f"{clio_url}/api/v4", clio_token["access_token"], _clio_request, seconds, threads),
        }
    finally:
        server.terminate()


def run(quick: bool = False, seconds: float | None = None, threads: int = 8) -> Table:
    seconds = seconds if seconds is not None else (1.5 if quick else 5.0)
    rates = measure(seconds, threads)
    table = Table(f"Emulator throughput ({threads} client threads, {seconds:g} s each, limits off)")
    table.add("QBO requests/s (25% creates, 75% reads)", rates["qbo"], f">= {GOAL:.0f}", rates["qbo"] >= GOAL)
    table.add(
        "Clio requests/s (listings, one record, who_am_i)", rates["clio"], f">= {GOAL:.0f}", rates["clio"] >= GOAL
    )
    table.notes.append("server in a child process (waitress, 16 threads per emulator); clients in this one")
    return table


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    run(seconds=seconds, threads=threads).print()


if __name__ == "__main__":
    main()
