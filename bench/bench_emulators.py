"""Print each emulator's own throughput (requests/s) for a mix of reads and creates.

The emulators run in a child process (so client and server do not share one GIL), with
limits off; several client threads with keep-alive connections drive them for a few
seconds. Run: ``.venv/bin/python bench/bench_emulators.py [seconds] [threads]``.
"""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import threading
import time

import httpx

from sandbox.qbo.config import QBOConfig


def _serve(queue: "multiprocessing.Queue[str]") -> None:
    from sandbox.server import Sandbox

    sandbox = Sandbox(clio=False, qbo_config=QBOConfig(limits_enabled=False)).start()
    queue.put(sandbox.qbo_url)
    threading.Event().wait()


def _qbo_worker(url: str, token: str, realm: str, deadline: float, counter: itertools.count) -> None:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=f"{url}/v3/company/{realm}", headers=headers) as client:
        for n in itertools.count():
            if time.monotonic() > deadline:
                return
            if n % 4 == 0:
                response = client.post("/customer", json={"DisplayName": f"Bench {threading.get_ident()} {n}"})
            elif n % 4 == 1:
                response = client.get("/query", params={"query": "select * from Account maxresults 5"})
            else:
                response = client.get("/preferences")
            assert response.status_code == 200, response.text
            next(counter)


def bench_qbo(seconds: float, threads: int) -> float:
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        url = queue.get(timeout=30)
        token = httpx.post(f"{url}/_sandbox/tokens").json()
        counter = itertools.count()
        deadline = time.monotonic() + seconds
        workers = [threading.Thread(target=_qbo_worker, args=(url, token["access_token"], token["realmId"],
                                                               deadline, counter)) for _ in range(threads)]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return next(counter) / (time.monotonic() - started)
    finally:
        server.terminate()


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    print(f"qbo  {bench_qbo(seconds, threads):8.0f} requests/s  (25% creates, 75% reads, {threads} threads)")


if __name__ == "__main__":
    main()
