"""recordings_sync logic: streams, rsync statistics, manifests, metadata rewrite, generator."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import bbb_recordings_manifest as manifest_mod
import recordings as rf
from bbb_recordings_metadata import old_hostnames_in, rewrite_metadata

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tests/generators/bbb_recordings.py"

STATS = """
Number of files: 1,734 (reg: 1,602, dir: 132)
Number of created files: 1,734 (reg: 1,602, dir: 132)
Number of deleted files: 0
Number of regular files transferred: 1,602
Total file size: 34,052,066 bytes
Total transferred file size: 34,052,066 bytes
Literal data: 34,052,066 bytes
Matched data: 0 bytes
File list size: 65,515
File list generation time: 0.001 seconds
File list transfer time: 0.000 seconds
Total bytes sent: 31,166
Total bytes received: 34,161,842

sent 31,166 bytes  received 34,161,842 bytes  22,795,338.67 bytes/sec
total size is 34,052,066  speedup is 1.00
"""


# ---- map -----------------------------------------------------------------

def test_map_problems_name_unknown_hosts():
    assert rf.recordings_map_problems({}, ["old1"], ["new1"]) == []
    assert rf.recordings_map_problems({"new1": ["old1", "old9"], "new7": []}, ["old1"], ["new1"]) == [
        "recordings_sync_map for new1 names old9, not in source_bbb",
        "recordings_sync_map names target new7, which is not in target_bbb"]


def test_sources_for_a_target():
    assert rf.recordings_sources_for("new1", ["old1", "old2"], {}) == ["old1", "old2"]
    assert rf.recordings_sources_for("new1", ["old1", "old2"], {"new1": ["old2"]}) == ["old2"]
    assert rf.recordings_sources_for("new2", ["old1", "old2"], {"new1": ["old2"]}) == []


def test_feeds_of_every_target():
    assert rf.recordings_feeds({}, ["old1", "old2"], ["new1", "new2"]) == {
        "new1": ["old1", "old2"], "new2": ["old1", "old2"]}
    assert rf.recordings_feeds({"new1": ["old2"]}, ["old1", "old2"], ["new1", "new2"]) == {"new1": ["old2"], "new2": []}


def test_map_problems_name_the_input_they_check():
    assert rf.recordings_map_problems({"new1": ["old9"]}, ["old1"], ["new1"], "preflight_recordings_map") == [
        "preflight_recordings_map for new1 names old9, not in source_bbb"]


# ---- streams -------------------------------------------------------------

def test_streams_put_every_id_in_exactly_one_stream_balanced_by_bytes():
    recs = {f"id{n:02d}": {"bytes": b} for n, b in enumerate([100, 90, 80, 10, 10, 10, 5, 1])}
    streams = rf.recordings_streams(recs, 3)
    assert sorted(sum(streams, [])) == sorted(recs)
    loads = [sum(recs[r]["bytes"] for r in s) for s in streams]
    assert max(loads) - min(loads) <= 25
    assert rf.recordings_streams(recs, 3) == streams  # deterministic


def test_streams_keep_empty_streams_and_accept_plain_sizes():
    assert rf.recordings_streams({"a": 5}, 3) == [["a"], [], []]
    assert rf.recordings_streams({"a": 5, "b": 7}, 0) == [["a", "b"]]


def test_stream_plan_splits_each_source_and_drops_empty_streams():
    owner = {"a": "old1", "b": "old1", "c": "old2"}
    recs = {"a": {"bytes": 10}, "b": {"bytes": 20}, "c": {"bytes": 5}}
    plan = rf.recordings_stream_plan(owner, recs, 2)
    assert [(p["name"], p["ids"], p["bytes"]) for p in plan] == [
        ("old1-1", ["b"], 20), ("old1-2", ["a"], 10), ("old2-1", ["c"], 5)]


def test_files_from_lists_paths_of_the_chosen_ids():
    recs = {"a": {"paths": ["recording/raw/a", "published/presentation/a"], "metadata": ["published/presentation/a/metadata.xml"]},
            "b": {"paths": ["recording/raw/b"], "metadata": []}}
    assert rf.recordings_files_from(recs, ["b"]) == "recording/raw/b\n"
    assert rf.recordings_metadata_list(recs) == "published/presentation/a/metadata.xml\n"
    assert rf.recordings_of_source({"a": "old1", "b": "old2"}, recs, "old2") == {"b": recs["b"]}


def test_status_files_are_listed_apart_from_the_content():
    recs = {"b": {"paths": ["recording/raw/b", "recording/status/archived/b.done",
                            "recording/status/published/b-presentation.done", "published/presentation/b"]},
            "a": {"paths": ["recording/status/recorded/a.done", "captions/a"]}}
    assert rf.recordings_files_from(recs, ["b", "a"]) == "recording/raw/b\npublished/presentation/b\ncaptions/a\n"
    assert rf.recordings_status_list(recs) == (
        "recording/status/recorded/a.done\nrecording/status/archived/b.done\n"
        "recording/status/published/b-presentation.done\n")


# ---- rsync statistics ----------------------------------------------------

def test_rsync_stats_parses_rsync_327_output():
    stats = rf.rsync_stats(STATS)
    assert stats["files"] == 1734
    assert stats["created"] == 1734 and stats["created_dirs"] == 132
    assert stats["transferred"] == 1602
    assert stats["total_size"] == 34052066 and stats["transferred_size"] == 34052066
    assert stats["bytes_received"] == 34161842


def test_rsync_stats_of_empty_output_is_zero():
    assert set(rf.rsync_stats("").values()) == {0}


def test_driver_output_split_and_summarised():
    text = f"=== stream 1 source old1 rc 0 seconds 2.0\n{STATS}\n=== stream 2 source old1 rc 23 seconds 4.0\n{STATS}"
    streams = rf.rsync_streams_output(text)
    assert [s["stream"] for s in streams] == ["1", "2"]
    assert streams[1]["rc"] == 23
    summary = rf.rsync_summary(streams, recordings=40)
    assert summary["failed_streams"] == ["2"]
    assert summary["files_transferred"] == 3204
    assert summary["bytes_transferred"] == 2 * 34052066
    assert summary["seconds"] == 4.0
    assert summary["rate"] == 34052066 // 2
    assert rf.rsync_summary(streams, 40, seconds=0)["rate"] == 0


# ---- manifests -----------------------------------------------------------

def test_manifest_diff_lists_missing_extra_and_differing_files():
    src = {"r1": {"a": [1, 10, "h1"], "b": [2, 10, "h2"], "c": [3, 10, "h3"]}, "r2": {"x": [1, 1, None]}}
    dst = {"r1": {"a": [1, 99, "h1"], "b": [2, 10, "hX"], "d": [4, 10, "h4"]}, "r2": {"x": [1, 1, None]}}
    diff = rf.manifest_diff(src, dst)
    assert diff == {"r1": {"missing": ["c"], "extra": ["d"], "differ": ["b"]}}
    messages = rf.manifest_problems(diff)
    assert messages == ["r1: missing: c; extra: d; differ: b"]


def test_manifest_diff_fast_mode_compares_mtime():
    assert rf.manifest_diff({"r": {"a": [1, 10, None]}}, {"r": {"a": [1, 11, None]}}) == {
        "r": {"missing": [], "extra": [], "differ": ["a"]}}
    assert rf.manifest_diff({"r": {"a": [1, 10, None]}}, {"r": {"a": [1, 10, None]}}) == {}


def test_collisions_name_both_sources_and_identical_copies_pass():
    sources = {"old1": {"r1": {"digest": "A"}, "r2": {"digest": "B"}},
               "old2": {"r1": {"digest": "A"}, "r2": {"digest": "C"}}}
    assert rf.record_id_collisions(sources) == ["record r2 exists on old1 and old2 with different content"]
    assert rf.recordings_merge(sources) == {"r1": "old1", "r2": "old1"}


def test_pending_counts_what_a_copy_would_move():
    src = {"a": {"bytes": 100, "files": 3, "digest": "x"}, "b": {"bytes": 50, "files": 2, "digest": "y"}}
    dst = {"a": {"bytes": 100, "files": 3, "digest": "x"}, "b": {"bytes": 20, "files": 1, "digest": "old"}}
    assert rf.recordings_pending(src, dst) == {"recordings": 1, "files": 1, "bytes": 30, "ids": ["b"]}
    assert rf.recordings_pending(src, {})["bytes"] == 150


def test_raw_retention_risk_and_published_days():
    now = 100 * 86400
    recs = {"old": {"published": True, "raw_mtime": 0}, "new": {"published": True, "raw_mtime": now - 3600},
            "unpub": {"published": False, "raw_mtime": 0}, "noraw": {"published": True, "raw_mtime": None}}
    assert rf.raw_retention_risk(recs, 14, now) == ["old"]
    assert rf.raw_retention_risk(recs, -1, now) == []
    assert rf.raw_retention_risk(recs, None, now) == []
    cron = "#!/bin/bash\npublished_days=14\nunrecorded_days=14\n"
    assert rf.bbb_published_days([cron, "published_days=-1  # keep raw\n"]) == -1
    assert rf.bbb_published_days([cron, ""]) == 14
    assert rf.bbb_published_days(["", ""]) is None


# ---- metadata.xml rewrite ------------------------------------------------

META = """<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>r1</id>
  <meta><bbb-origin-server-name>greenlight.coop.test</bbb-origin-server-name></meta>
  <playback>
    <format>podcast</format>
    <link>
          https://bbb.coop.test/podcast/r1/audio.ogg
        </link>
    <extensions><preview><images>
      <image width="176" height="136" alt="Slide 1">https://bbb.coop.test:8443/presentation/r1/thumb-1.png</image>
      <image width="176" height="136" alt="Other">https://cdn.example.org/x.png</image>
    </images></preview></extensions>
  </playback>
</recording>
"""


def test_rewrite_replaces_links_on_their_own_line_and_preview_images():
    out = rewrite_metadata(META, ["bbb.coop.test"], "bbb.newcoop.test")
    assert "<link>\n          https://bbb.newcoop.test/podcast/r1/audio.ogg\n        </link>" in out
    assert ">https://bbb.newcoop.test:8443/presentation/r1/thumb-1.png</image>" in out
    assert "https://cdn.example.org/x.png" in out  # other hosts untouched
    assert "greenlight.coop.test" in out  # another host, left alone
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<recording>')
    assert old_hostnames_in(out, ["bbb.coop.test"]) == []


def test_rewrite_is_idempotent_and_a_no_op_without_old_names():
    once = rewrite_metadata(META, ["bbb.coop.test"], "bbb.newcoop.test")
    assert rewrite_metadata(once, ["bbb.coop.test"], "bbb.newcoop.test") is once
    assert rewrite_metadata(META, ["bbb.newcoop.test"], "bbb.newcoop.test") is META
    assert rewrite_metadata(META, ["other.test"], "bbb.newcoop.test") is META


def test_rewrite_refuses_broken_xml():
    with pytest.raises(Exception):
        rewrite_metadata("<recording><link>https://bbb.coop.test/x</recording>", ["bbb.coop.test"], "n.test")


# ---- generator + manifest module on a real tree --------------------------

@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("bbb")
    subprocess.run([sys.executable, str(GENERATOR), "--root", str(root), "--count", "12", "--seed", "3",
                    "--host", "bbb.coop.test", "--total-size", "3M", "--processing", "2"], check=True)
    return root


def test_generator_is_deterministic(tree, tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--root", str(tmp_path), "--count", "12", "--seed", "3",
                    "--host", "bbb.coop.test", "--total-size", "3M", "--processing", "2"], check=True)
    a = manifest_mod.build(str(tree), "full", ["presentation", "video", "podcast", "screenshare", "notes"])
    b = manifest_mod.build(str(tmp_path), "full", ["presentation", "video", "podcast", "screenshare", "notes"])
    assert {r: v["digest"] for r, v in a["recordings"].items()} == {r: v["digest"] for r, v in b["recordings"].items()}


def test_manifest_lists_finished_recordings_and_reports_processing(tree):
    m = manifest_mod.build(str(tree), "fast", ["presentation", "video", "podcast", "screenshare", "notes"], detail=True)
    assert m["count"] == 10 and len(m["processing"]) == 2
    assert not set(m["processing"]) & set(m["recordings"])
    rid, info = sorted(m["recordings"].items())[0]
    assert f"recording/raw/{rid}" in info["paths"]
    assert any(p.startswith("recording/status/") for p in info["paths"])
    assert info["files"] == len(m["files"][rid])
    assert info["bytes"] == sum(v[0] for v in m["files"][rid].values())
    assert all(p.endswith("/metadata.xml") for p in info["metadata"]) and info["metadata"]
    with_all = manifest_mod.build(str(tree), "fast", ["presentation"], only_finished=False)
    assert with_all["count"] == 12


def test_manifest_digest_sees_a_changed_byte_in_full_mode(tree):
    fmts = ["presentation"]
    before = manifest_mod.build(str(tree), "full", fmts)
    fast_before = manifest_mod.build(str(tree), "fast", fmts)
    rid = sorted(before["recordings"])[0]
    target = tree / f"recording/raw/{rid}/events.xml"
    data = target.read_bytes()
    stat = target.stat()
    target.write_bytes(data[:-2] + b"X\n")
    os.utime(target, (stat.st_atime, stat.st_mtime))
    try:
        fast = manifest_mod.build(str(tree), "fast", fmts)
        full = manifest_mod.build(str(tree), "full", fmts)
        # Same size and mtime: the fast mode cannot see it, the full mode must.
        assert fast["recordings"][rid]["digest"] == fast_before["recordings"][rid]["digest"]
        assert full["recordings"][rid]["digest"] != before["recordings"][rid]["digest"]
        assert fast["recordings"][rid]["bytes"] == before["recordings"][rid]["bytes"]
    finally:
        target.write_bytes(data)
        os.utime(target, (stat.st_atime, stat.st_mtime))


def test_manifest_of_a_missing_tree_is_empty(tmp_path):
    m = manifest_mod.build(str(tmp_path / "none"))
    assert m["exists"] is False and m["recordings"] == {}


def test_the_manifest_knows_a_playback_formats_metadata_from_other_files():
    """library/bbb_recordings_manifest.py reads a format's metadata.xml from metadata_root: only those."""
    from bbb_recordings_manifest import is_format_metadata
    rid = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
    for state in ("published", "unpublished", "deleted"):
        assert is_format_metadata(f"{state}/presentation/{rid}/metadata.xml")
    assert not is_format_metadata(f"recording/raw/{rid}/events.xml")
    assert not is_format_metadata(f"published/presentation/{rid}/shapes.svg")
    assert not is_format_metadata(f"recording/raw/{rid}/metadata.xml")
