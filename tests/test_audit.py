"""The advisory check that ``make test`` runs, and the minimums ``setup.cfg`` asks for."""

from __future__ import annotations

import configparser
import json
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.audit import SNAPSHOT, affected

ROOT = Path(__file__).parent.parent
ADVISORIES = json.loads(SNAPSHOT.read_text())["advisories"]


def test_a_release_before_the_fix_is_reported_and_the_fix_is_not() -> None:
    findings = affected({"waitress": "3.0.0", "flask": "3.1.1"}, ADVISORIES)
    assert {(f.package, f.advisory) for f in findings} == {
        ("waitress", "CVE-2024-49768"),
        ("waitress", "CVE-2024-49769"),
    }


def test_no_installable_version_of_a_direct_dependency_has_a_known_advisory() -> None:
    """Every minimum in ``install_requires`` is at or past the fix of each advisory on it."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    requirements = [Requirement(line) for line in config["options"]["install_requires"].split("\n") if line.strip()]
    minimums = {
        canonicalize_name(r.name): Version(s.version) for r in requirements for s in r.specifier if s.operator == ">="
    }
    too_low = [
        f"{a['package']} >= {minimums[name]} allows {a['id']} (fixed in {a['fixed']})"
        for a in ADVISORIES
        if (name := canonicalize_name(a["package"])) in minimums and minimums[name] < Version(a["fixed"])
    ]
    assert not too_low
