from bbb_recordings_info import scan

RID1 = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
RID2 = "0123456789abcdef0123456789abcdef01234567-1600000000000"
RID3 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1700000000000"
RID4 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb-1800000000000"


def write(path, size):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_scan_counts_formats_raw_and_processing(tmp_path):
    write(tmp_path / "published/presentation" / RID1 / "metadata.xml", 100)
    write(tmp_path / "published/presentation" / RID1 / "shapes.svg", 50)
    write(tmp_path / "published/video" / RID1 / "video-0.m4v", 1000)
    write(tmp_path / "unpublished/presentation" / RID2 / "metadata.xml", 10)
    write(tmp_path / "deleted/presentation/" / RID3 / "metadata.xml", 7)
    write(tmp_path / "recording/raw" / RID1 / "events.xml", 5)
    write(tmp_path / "recording/raw" / RID3 / "events.xml", 5)
    write(tmp_path / "recording/raw" / RID4 / "events.xml", 5)
    for state, rid in (("recorded", RID1), ("recorded", RID3), ("archived", RID3), ("archived", RID4)):
        write(tmp_path / "recording/status" / state / f"{rid}.done", 0)

    result = scan(str(tmp_path))

    assert result["formats"]["presentation"] == {
        "published": 1, "unpublished": 1, "deleted": 1, "bytes": 167, "files": 4}
    assert result["formats"]["video"]["published"] == 1
    assert result["raw"] == {"count": 3, "bytes": 15, "files": 3}
    assert result["recordings"] == 4
    assert result["bytes"] == 100 + 50 + 1000 + 10 + 15
    # RID4 has no playback format yet; RID3 was processed, then deleted: not processing.
    assert result["processing"] == [RID4]


def test_scan_of_missing_tree(tmp_path):
    result = scan(str(tmp_path / "absent"))
    assert result["exists"] is False and result["recordings"] == 0
