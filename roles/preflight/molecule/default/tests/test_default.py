"""Preflight discovered what prepare.yml seeded, and changed nothing."""
import json
import os
from pathlib import Path

import pytest

STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])


def saved_facts(host):
    """The facts the shared converge saved for ``host`` (undefined ones are absent)."""
    facts = json.loads((STATE / f"{host}.facts.json").read_text())
    return {k: v for k, v in facts.items() if v != ""}


def test_source_bbb_discovery_matches_the_seed():
    bbb = saved_facts("preflight-source")["preflight_source_bbb"]
    assert bbb["bbb_version"] == "1:2.7-20"
    assert bbb["recordings"] == 3  # a and c in raw, a published, b unpublished
    assert bbb["bytes"] == 1000 + 20000 + 500 + 3000 + 40
    assert bbb["formats"]["presentation"]["published"] == 1
    assert bbb["formats"]["presentation"]["unpublished"] == 1
    assert bbb["formats"]["video"] == {"published": 1, "unpublished": 0, "deleted": 0, "bytes": 20000, "files": 1}
    assert bbb["raw"]["count"] == 2
    assert bbb["processing"] == ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1700000000000"]


def test_source_greenlight_discovery_matches_the_seed():
    gl = saved_facts("preflight-source")["preflight_source_greenlight"]
    assert gl["reachable"] is True
    assert gl["generation"] == "v2"
    assert gl["schema_version"] == "20200730180000"
    assert (gl["users"], gl["users_deleted"], gl["users_pending"], gl["users_denied"]) == (5, 1, 1, 1)
    assert (gl["rooms"], gl["shared_accesses"]) == (4, 2)
    assert gl["database_bytes"] > 0


def test_targets_get_no_source_facts():
    facts = saved_facts("preflight-target")
    assert "preflight_source_bbb" not in facts and "preflight_source_greenlight" not in facts


@pytest.mark.parametrize("name", ["preflight-source"])
def test_source_tree_left_as_seeded(host, name):
    if host.backend.get_hostname() != name:
        pytest.skip("source host only")
    listing = host.check_output("cd /var/bigbluebutton && find . -type f -printf '%p %s\\n' | sort")
    assert len(listing.splitlines()) == 8
