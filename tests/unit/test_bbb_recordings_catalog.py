from bbb_recordings_catalog import catalog, parse_metadata

RID = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"


def metadata(rid=RID, fmt="presentation", published="true", meta="<meetingId>room-abc</meetingId>"
             "<meetingName>Assembly</meetingName>", link=None, extra=""):
    link = link or f"<link>\n      https://bbb.example.org/playback/{fmt}/2.3/{rid}\n    </link>"
    return (f'<?xml version="1.0" encoding="UTF-8"?><recording><id>{rid}</id><state>published</state>'
            f"<published>{published}</published><start_time>1517234271176</start_time>"
            f"<end_time>1517237871176</end_time><participants>4</participants>{extra}<meta>{meta}</meta>"
            f"<playback><format>{fmt}</format>{link}<duration>3599999</duration></playback></recording>")


def test_a_row_carries_what_getrecordings_reports():
    row = parse_metadata(metadata(), "presentation")
    assert row == {"record_id": RID, "meeting_id": "room-abc", "name": "Assembly", "published": True,
                   "protected": None, "participants": 4, "start_time": 1517234271176, "format": "presentation",
                   "url": f"https://bbb.example.org/playback/presentation/2.3/{RID}", "length": 59}


def test_a_name_set_in_meta_wins_and_protection_is_read():
    row = parse_metadata(metadata(meta="<meetingId>m</meetingId><meetingName>Old</meetingName><name>Renamed</name>",
                                  extra="<protected>true</protected>"), "presentation")
    assert row["name"] == "Renamed" and row["protected"] is True


def test_the_tree_gives_one_row_per_format_and_skips_deleted_and_broken(tmp_path):
    def put(rel, text):
        path = tmp_path / rel / "metadata.xml"
        path.parent.mkdir(parents=True)
        path.write_text(text)

    put(f"published/presentation/{RID}", metadata())
    put(f"published/video/{RID}", metadata(fmt="video"))
    put("unpublished/presentation/other-1", metadata(rid="other-1", published="false"))
    put("deleted/presentation/gone-1", metadata(rid="gone-1"))
    put("published/presentation/broken-1", "<recording><id>")
    put("published/presentation/nomeeting-1", metadata(rid="nomeeting-1", meta="<meetingName>x</meetingName>"))

    rows, unreadable = catalog(str(tmp_path))

    assert [(r["record_id"], r["format"], r["published"]) for r in rows] == [
        (RID, "presentation", True), (RID, "video", True), ("other-1", "presentation", False)]
    assert sorted(u.split(":")[0] for u in unreadable) == [
        "published/presentation/broken-1/metadata.xml", "published/presentation/nomeeting-1/metadata.xml"]
    assert "no meeting_id" in " ".join(unreadable)


def test_a_missing_tree_lists_nothing(tmp_path):
    assert catalog(str(tmp_path / "none")) == ([], [])
