"""The full verify keeps its hashes between passes (recordings_sync_hash_cache) and still proves
every byte: a file changed behind its size and mtime is caught by its ctime."""
import json

import pytest
from helpers import NEW, SOURCES, STATE, TREE, inventory, run_stage, sh

CACHE = "/var/lib/bbb-migration/recordings-manifest-cache.json"


def result():
    # Saved by the last scenario converge (Molecule's idempotence step: the second full pass).
    return json.loads((STATE / f"{NEW}.facts.json").read_text())["recordings_sync_result"]


@pytest.mark.parametrize("host", SOURCES + [NEW])
def test_the_cache_is_a_private_file_outside_the_tree(host):
    assert sh(host, f"stat -c '%U %a %F' {CACHE}").strip() == "root 600 regular file"
    entries = json.loads(sh(host, f"cat {CACHE}"))["entries"]
    assert len(entries) > 500
    assert all(path.startswith(f"{TREE}/") or path.startswith("/var/lib/bbb-migration/recordings/metadata/")
               for path in entries)


def test_the_second_full_pass_reads_no_unchanged_file():
    hashing = result()["hashing"]
    assert result()["verify"] == "full" and result()["hash_cache"] is True
    for source in SOURCES:
        assert int(hashing["sources"][source]["hashed"]) == 0, hashing
        assert int(hashing["sources"][source]["cached"]) > 500, hashing
    assert int(hashing["target_verify"]["hashed"]) == 0, hashing
    assert int(hashing["target_verify"]["cached"]) > 1000, hashing


def test_a_file_changed_with_its_size_and_mtime_put_back_is_caught(tmp_path):
    rid = sh(NEW, f"ls {TREE}/recording/raw | head -1").strip()
    path = f"{TREE}/recording/raw/{rid}/events.xml"
    before = sh(NEW, f"stat -c '%s %y' {path}; sha256sum <{path}")
    # One byte changed in place, then size and mtime exactly as they were: rsync's quick check and
    # a size+mtime manifest cannot see it; the kernel has set a new ctime.
    sh(NEW, f"cp -p {path} /root/events.orig && printf 'X' | dd of={path} bs=1 seek=10 conv=notrunc status=none"
            f" && touch -m -r /root/events.orig {path}")
    try:
        changed = sh(NEW, f"stat -c '%s %y' {path}; sha256sum <{path}")
        assert changed.splitlines()[0] == before.splitlines()[0] and changed != before
        # The verification stage (its validation first) with the default full check.
        rc, out = run_stage(tmp_path, inventory(), "recordings_sync_verify")
        assert rc != 0, out[-3000:]
        assert "differ from their source (full check)" in out and f"differ: recording/raw/{rid}/events.xml" in out
    finally:
        sh(NEW, f"cat /root/events.orig >{path} && touch -m -r /root/events.orig {path} && rm /root/events.orig")
    assert sh(NEW, f"stat -c '%s %y' {path}; sha256sum <{path}") == before
