"""Bad input fails with a clear message before any change; --check changes nothing.

Each case runs the shared converge again with an inventory that differs from
the scenario's in one respect. The cases run concurrently (the machine is
slow); each asserts its own message, no change reported, and untouched trees.
"""
from concurrent.futures import ThreadPoolExecutor

import pytest
from helpers import NEW, OLD1, OLD2, SOURCES, converge, inventory, sh, tree_digest

CASES = {
    "unknown source in the map": (
        {"allvars": {"recordings_sync_map": {NEW: [OLD1, "recordings_sync-old9"]}}},
        f"recordings_sync_map for {NEW} names recordings_sync-old9, not in source_bbb"),
    "record id collision": (
        {"hostvars": {OLD2: {"recordings_sync_source_path": "/srv/collide"}}},
        f"exists on {OLD1} and {OLD2} with different content"),
    "target without enough space": (
        {"allvars": {"recordings_sync_path": "/srv/new-tree", "recordings_sync_disk_margin": 1.0e12}},
        "Grow the disk or split recordings_sync_map"),
    "missing source path": (
        {"hostvars": {OLD1: {"recordings_sync_source_path": "/srv/no-such-tree"}}},
        f"{OLD1}: /srv/no-such-tree is missing"),
    "owner missing on the target": (
        {"allvars": {"recordings_sync_owner": "bbb-nobody"}},
        f"{NEW} has no user bbb-nobody"),
    "raw data BBB's cron would delete": (
        {"allvars": {"recordings_sync_raw_retention": "fail"}},
        "deletes raw data of published recordings older than 14 days"),
    "bad argument type": (
        {"allvars": {"recordings_sync_streams": "lots"}},
        "recordings_sync_streams"),
}


def fast(overrides):
    """The case's overrides with the fast (size and mtime) manifests: the messages do not depend on it."""
    allvars = {"recordings_sync_verify": "fast"} | overrides.get("allvars", {})
    return overrides | {"allvars": allvars}


def digests():
    return {h: tree_digest(h) for h in SOURCES + [NEW]} | {"new-tree": sh(NEW, "ls -d /srv/new-tree 2>&1 || true")}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    before = digests()
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {case: pool.submit(converge, tmp_path_factory.mktemp("case"), inventory(**fast(CASES[case][0])))
                   for case in CASES}
        results = {case: f.result() for case, f in futures.items()}
    return before, digests(), results


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_before_any_change(runs, case):
    before, after, results = runs
    rc, output = results[case]
    assert rc != 0, output
    assert CASES[case][1] in output, output
    assert "changed=0" in output and "changed=1" not in output, output
    assert after == before


def test_check_mode_reports_what_would_be_copied_and_changes_nothing(tmp_path):
    rid = sh(OLD2, "ls /var/bigbluebutton/published/presentation | tail -1").strip()
    sh(NEW, f"mkdir -p /root/stash && mv /var/bigbluebutton/published/presentation/{rid} /root/stash/")
    try:
        before = tree_digest(NEW)
        rc, output = converge(tmp_path, inventory(allvars={"recordings_sync_verify": "fast"}), ["--check"])
        assert rc == 0, output
        assert "would copy 1 recordings" in output, output
        assert tree_digest(NEW) == before
    finally:
        sh(NEW, f"mv /root/stash/{rid} /var/bigbluebutton/published/presentation/")
