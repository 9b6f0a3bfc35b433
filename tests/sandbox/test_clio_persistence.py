"""The Clio emulator's optional state file: records and tokens survive a restart."""

from __future__ import annotations

from pathlib import Path

from billsync.sandbox.clio.app import ClioConfig, create_app


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
