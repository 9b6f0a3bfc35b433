"""The Clio emulator answers at least 500 requests a second, so it never limits a benchmark.

The load comes from a separate process so that the client's own Python work does not
share the server's interpreter lock and the number measures the emulator.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.sandbox.clio_fixtures import *  # noqa: F401,F403
from tests.sandbox.clio_fixtures import Clio

LOAD = """
import json, sys, threading, time
import httpx
url, token, seconds, clients = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
paths = ["/api/v4/bills.json?fields=id,number,state,total,client{id,name}&limit=20&order=id(asc)",
         "/api/v4/bills/17.json?fields=id,etag,total,balance",
         "/api/v4/allocations.json?fields=id,amount,bill{id}&limit=20&order=id(asc)",
         "/api/v4/bills.json?updated_since=2100-01-01T00:00:00Z&fields=id"]
done, failures = [0] * clients, []
deadline = time.monotonic() + seconds
def work(i):
    with httpx.Client(base_url=url, headers={"Authorization": "Bearer " + token}) as http:
        while time.monotonic() < deadline:
            status = http.get(paths[done[i] % len(paths)]).status_code
            if status != 200:
                failures.append(status)
            done[i] += 1
threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
started = time.monotonic()
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"requests": sum(done), "seconds": time.monotonic() - started, "failures": failures}))
"""


def test_sustains_500_requests_per_second(clio: Clio) -> None:
    clio.admin("POST", "/seed", json={"bills": 5000, "seed": 2})
    token = clio.mint()
    run = subprocess.run([sys.executable, "-c", LOAD, clio.url, token, "2.0", "8"],
                         capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(run.stdout)
    rate = result["requests"] / result["seconds"]
    print(f"Clio emulator: {rate:.0f} requests/s over {result['requests']} requests")
    assert rate >= 500, f"only {rate:.0f} requests/s"
    assert not result["failures"], result["failures"][:5]
