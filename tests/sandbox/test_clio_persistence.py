"""The Clio emulator's optional state file: records and tokens survive a restart, and the
saver both emulators share writes whole files whatever the threads."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path

from billsync.sandbox.clio.app import ClioConfig, create_app
from billsync.sandbox.saver import Saver


def test_state_file_round_trip(tmp_path: Path) -> None:
    config = ClioConfig(state_file=str(tmp_path / "clio.json"))
    first = create_app(config)
    client = first.test_client()
    client.post("/_sandbox/seed", json={"bills": 25, "seed": 4})
    client.post("/_sandbox/bills/5/void")
    token = client.post("/_sandbox/tokens").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    before = client.get("/api/v4/bills.json?fields=id,etag,state,total,updated_at", headers=headers).json
    first.extensions["clio"].flush()

    second = create_app(config).test_client()
    after = second.get("/api/v4/bills.json?fields=id,state,total,updated_at", headers=headers)
    assert after.status_code == 200, "the token survived the restart"
    assert after.json["data"] == [{k: v for k, v in b.items() if k != "etag"} for b in before["data"]]
    assert second.get("/_sandbox/counts").json == client.get("/_sandbox/counts").json


def test_flushes_at_once_from_several_threads_all_land(tmp_path: Path) -> None:
    """The timer's flush and a shutdown's can meet: they shared the temporary file, and the
    second rename found it gone (a demo's emulators then ended with exit code 1)."""
    path = tmp_path / "state.json"
    written = itertools.count()
    saver = Saver(str(path), lambda: json.dumps({"n": next(written), "pad": "x" * 200_000}))
    errors: list[BaseException] = []

    def flush_often() -> None:
        try:
            for _ in range(20):
                saver.flush()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=flush_often) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert json.loads(path.read_text())["n"] == 119, "the last snapshot is on disk"
