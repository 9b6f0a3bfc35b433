"""``python -m tests.audit``: the installed packages against known security advisories.

With an advisory service in reach, pip-audit asks it. Without one (CI runs offline), the
installed versions are checked against the snapshot in ``advisories.json``; that snapshot
is only as new as its ``taken`` date, which the output says. Exit 1 when anything is affected.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import httpx
from packaging.utils import canonicalize_name
from packaging.version import Version

SNAPSHOT = Path(__file__).with_name("advisories.json")
#: What pip-audit asks PyPI for: a release's data, with its "vulnerabilities".
PROBE = "https://pypi.org/pypi/waitress/3.0.0/json"


@dataclass(frozen=True)
class Finding:
    package: str
    installed: str
    advisory: str
    fixed: str
    summary: str

    def __str__(self) -> str:
        return f"{self.package} {self.installed}: {self.advisory} (fixed in {self.fixed}) {self.summary}"


def installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def affected(versions: dict[str, str], advisories: list[dict[str, str]]) -> list[Finding]:
    """The advisories whose package is installed at a version older than its fix."""
    return [
        Finding(name, versions[name], a["id"], a["fixed"], a["summary"])
        for a in advisories
        if (name := canonicalize_name(a["package"])) in versions and Version(versions[name]) < Version(a["fixed"])
    ]


def service_reachable() -> bool:
    """Whether PyPI answers with advisory data (a proxy that answers everything does not)."""
    try:
        return "vulnerabilities" in httpx.get(PROBE, timeout=10).json()
    except (httpx.HTTPError, ValueError):
        return False


def main() -> int:
    if service_reachable():
        return subprocess.call([sys.executable, "-m", "pip_audit", "--skip-editable", "--progress-spinner", "off"])
    snapshot = json.loads(SNAPSHOT.read_text())
    print(f"audit: no advisory service in reach; checking the snapshot taken {snapshot['taken']}")
    findings = affected(installed(), snapshot["advisories"])
    for finding in findings:
        print(f"audit: {finding}")
    print(f"audit: {len(findings)} known vulnerabilit{'y' if len(findings) == 1 else 'ies'} installed")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
