"""Filling v3's recordings from the target BBB node's metadata.xml (greenlight_data_fill_recordings),
into a fresh v3 database: the recordings of migrated rooms listed as Greenlight's own sync
would list them, nothing for rooms not migrated, nothing written twice, and a recording whose
metadata.xml cannot be read stops the run before any write. That first fill is also the scenario's first
migration into an empty database (every big table loaded in bulk). Refusing the fill in v3_to_v3 is a case
of tests/test_negative.py."""
import subprocess

import pytest
from conftest import (REPO, ROOM_OPTIONS, TARGET, changed_hosts, fresh_v3, playbook, psql_file, report_of, sql,
                      table_shape, target_digest)

DB = "greenlight_v3_recordings"
TREE = "/srv/bbb-recordings"
RID = ["%040x-1517234271176" % n for n in (1, 2, 3)]


def metadata(rid, meeting_id, fmt, published=True, name="", protected=""):
    """A metadata.xml as BBB writes it (the link on its own line, as some versions do)."""
    meta = f"<meetingId>{meeting_id}</meetingId><meetingName>Assembly</meetingName>{name}"
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<recording>\n  <id>{rid}</id>\n  <state>published</state>\n'
            f"  <published>{'true' if published else 'false'}</published>\n  <start_time>1517234271176</start_time>\n"
            f"  <end_time>1517237871176</end_time>\n  <participants>5</participants>{protected}\n  <meta>{meta}</meta>\n"
            f"  <playback>\n    <format>{fmt}</format>\n    <link>\n      https://bbb.example.org/playback/{fmt}/{rid}\n"
            f"    </link>\n    <duration>{125 * 60000 + 59999}</duration>\n  </playback>\n</recording>\n")


def put(state, fmt, rid, text):
    path = f"{TREE}/{state}/{fmt}/{rid}/metadata.xml"
    subprocess.run(["docker", "exec", "-i", TARGET, "sh", "-c", f"mkdir -p {path.rsplit('/', 1)[0]} && cat > {path}"],
                   input=text, text=True, check=True)


@pytest.fixture(scope="module")
def rooms():
    """Two migrated rooms (friendly id, meeting id) and a recording tree on the target for them."""
    picked = sql(TARGET, "SELECT friendly_id, meeting_id FROM rooms ORDER BY friendly_id LIMIT 2")
    subprocess.run(["docker", "exec", TARGET, "rm", "-rf", TREE], check=True)
    put("published", "presentation", RID[0], metadata(RID[0], picked[0][1], "presentation",
                                                       name="<name>Renamed talk</name>"))
    put("published", "video", RID[0], metadata(RID[0], picked[0][1], "video", name="<name>Renamed talk</name>"))
    put("unpublished", "presentation", RID[1], metadata(RID[1], picked[1][1], "presentation", published=False,
                                                         protected="\n  <protected>false</protected>"))
    put("published", "presentation", RID[2], metadata(RID[2], "a-meeting-no-room-has", "presentation"))
    put("deleted", "presentation", "f" * 40 + "-1", metadata("f" * 40 + "-1", picked[0][1], "presentation"))
    fresh_v3(DB)
    psql_file(TARGET, DB, REPO / "tests/greenlight/seed-v3.sql")
    return picked


def fill(tmp_path, **extra):
    allvars = {"greenlight_data_target_db": {"access": "local", "database": DB, "user": "postgres"},
               "greenlight_data_fill_recordings": True, "greenlight_data_recordings_hosts": [TARGET],
               "greenlight_data_recordings_dir": TREE}
    allvars.update(extra)
    return playbook(tmp_path, allvars)


@pytest.fixture(scope="module")
def first_fill(rooms, tmp_path_factory):
    """The first run into the fresh database (a first migration, recordings filled): its report."""
    tmp_path = tmp_path_factory.mktemp("first_fill")
    result = fill(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return report_of(tmp_path)


def test_recordings_of_migrated_rooms_are_listed_as_greenlight_lists_them(rooms, first_fill):
    report = first_fill
    assert report["committed"] is True and report["mismatch_count"] == 0
    assert report["recordings"] == {"recordings": 2, "formats": 3}
    assert report["skipped"]["recordings"] == {"room not migrated": 1}
    assert report["verification"]["recordings"] == {"eligible": 2, "present": 2}
    rows = sql(TARGET, "SELECT c.record_id, r.friendly_id, c.name, c.visibility, c.length, c.participants,"
                       " c.protectable, c.recorded_at FROM recordings c JOIN rooms r ON r.id = c.room_id"
                       " ORDER BY 1", DB)
    assert rows == [
        # two formats: the presentation's length (125 min, rounded down); the name set in meta wins
        [RID[0], rooms[0][0], "Renamed talk", "Published", "125", "5", "f", "2018-01-29 13:57:51.176"],
        # unpublished, and BBB says something about protection: protectable
        [RID[1], rooms[1][0], "Assembly", "Unpublished", "125", "5", "t", "2018-01-29 13:57:51.176"]]
    assert sql(TARGET, "SELECT c.record_id, f.recording_type, f.url FROM formats f JOIN recordings c"
                       " ON c.id = f.recording_id ORDER BY 1, 2", DB) == [
        [RID[0], "presentation", f"https://bbb.example.org/playback/presentation/{RID[0]}"],
        [RID[0], "video", f"https://bbb.example.org/playback/video/{RID[0]}"],
        [RID[1], "presentation", f"https://bbb.example.org/playback/presentation/{RID[1]}"]]


BULK_TABLES = ["room_meeting_options", "rooms", "shared_accesses", "users"]


def test_a_first_migration_loads_every_big_table_in_bulk_with_the_same_result(first_fill):
    """Into an empty v3 database, users, rooms, room options and shares all take the bulk path
    (with greenlight_data_bulk_load_rows 1 here); the rows are those of the row-by-row target
    (the scenario's converge) and each table ends with exactly the indexes and constraints of a
    freshly created schema."""
    assert first_fill["committed"] is True and first_fill["mismatch_count"] == 0
    assert sorted(first_fill["bulk_loaded"]) == BULK_TABLES
    for query in (ROOM_OPTIONS,
                  "SELECT email, provider, password_digest, external_id, created_at FROM users ORDER BY 1, 2",
                  "SELECT r.friendly_id, r.meeting_id, u.email FROM rooms r JOIN users u ON u.id = r.user_id ORDER BY 1",
                  "SELECT u.email, r.friendly_id FROM shared_accesses s JOIN users u ON u.id = s.user_id"
                  " JOIN rooms r ON r.id = s.room_id ORDER BY 1, 2"):
        assert sql(TARGET, query, DB) == sql(TARGET, query), query

    fresh_v3("greenlight_v3_reference")
    shape = sql(TARGET, table_shape(BULK_TABLES), DB)
    assert {row[1].split(" ON public.")[1].split(" ")[0] for row in shape if row[0] == "index"} == set(BULK_TABLES)
    assert shape == sql(TARGET, table_shape(BULK_TABLES), "greenlight_v3_reference")


def test_a_second_fill_writes_nothing(first_fill, tmp_path):
    before = target_digest(db=DB)
    result = fill(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert changed_hosts(result.stdout) == set(), result.stdout
    assert target_digest(db=DB) == before


def test_an_unreadable_metadata_xml_stops_the_run_before_any_write(first_fill, tmp_path):
    put("published", "presentation", "broken-1", "<recording><id>broken-1</id>")
    try:
        before = target_digest(db=DB)
        result = fill(tmp_path)
        assert result.returncode != 0
        assert f"{TARGET}:{TREE}/published/presentation/broken-1/metadata.xml" in result.stdout, result.stdout
        assert target_digest(db=DB) == before
    finally:
        subprocess.run(["docker", "exec", TARGET, "rm", "-rf", f"{TREE}/published/presentation/broken-1"], check=True)
