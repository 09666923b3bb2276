"""The export from a Greenlight v3 database (dataset-v3.sql on member_export-gl,
into /srv/member-export-v3 on the web host): each archive checked against the
database as v3 holds it (users, rooms, room_meeting_options, shared_accesses,
recordings with one row per format), the links v3's own, and no digest or
session token anywhere."""
import json

import pytest
from conftest import WEB, archive_files, docker_bytes, psql_json

V3_DIR = "/srv/member-export-v3"


def v3(sql):
    return psql_json(sql, database="greenlight_v3")


@pytest.fixture(scope="module")
def v3_archives(v3_result):
    return {email: archive_files(docker_bytes(WEB, "cat", f"{V3_DIR}/{entry['file']}"))
            for email, entry in v3_result["members"].items()}


def load(files, name):
    return json.loads(files[name])


def test_every_v3_member_has_one_archive(v3_result):
    emails = v3("SELECT json_agg(lower(email) ORDER BY email) FROM users")
    assert sorted(v3_result["members"]) == emails == ["vera@coop.test", "wim@coop.test", "xena@coop.test"]
    assert v3_result["generation"] == "v3"
    files = docker_bytes(WEB, "ls", V3_DIR).decode().split()
    assert sorted(files) == sorted(e["file"] for e in v3_result["members"].values())


def test_accounts_match_the_database(v3_archives):
    rows = v3("SELECT json_object_agg(lower(u.email), json_build_object('name', u.name, 'language', u.language,"
              " 'role', r.name, 'status', u.status)) FROM users u JOIN roles r ON r.id = u.role_id")
    for email, files in v3_archives.items():
        account, = load(files, "account.json")["accounts"]
        row = rows[email]
        assert (account["name"], account["language"], account["role"]) == (row["name"], row["language"], row["role"])
        assert account["status"] == {0: "active", 1: "pending", 2: "banned"}[row["status"]]
    assert load(v3_archives["vera@coop.test"], "account.json")["accounts"][0]["last_login"] == "2024-05-06T07:08:09Z"


def test_rooms_with_their_options_and_links(v3_archives):
    rooms = {r["id"]: r for r in load(v3_archives["vera@coop.test"], "rooms.json")}
    assert set(rooms) == set(v3("SELECT json_agg(r.friendly_id) FROM rooms r JOIN users u ON u.id = r.user_id"
                                " WHERE u.email = 'vera@coop.test'"))
    options = v3("SELECT json_object_agg(mo.name, rmo.value) FROM room_meeting_options rmo"
                 " JOIN meeting_options mo ON mo.id = rmo.meeting_option_id JOIN rooms r ON r.id = rmo.room_id"
                 " WHERE r.friendly_id = 'ver-h0m-e01'")
    assert rooms["ver-h0m-e01"]["settings"] == options
    assert rooms["ver-h0m-e01"]["settings"]["glViewerAccessCode"] == "vera-viewer-code"
    assert rooms["ver-s3m-002"]["settings"] == {"record": "false"}
    # The map's new Greenlight name gives the links (the v3 database is the new Greenlight's).
    assert rooms["ver-h0m-e01"]["new_link"] == "https://gl.newcoop.test/rooms/ver-h0m-e01/join"
    assert rooms["ver-h0m-e01"]["last_session"] == "2024-05-06T07:00:00Z"
    assert load(v3_archives["wim@coop.test"], "rooms.json") == []
    assert b"ver-s3m-002" in v3_archives["vera@coop.test"]["rooms.csv"]


def test_rooms_shared_with_a_member(v3_archives):
    shared = load(v3_archives["wim@coop.test"], "shared_with_me.json")
    expected = v3("SELECT json_agg(json_build_array(r.friendly_id, o.name) ORDER BY r.friendly_id)"
                  " FROM shared_accesses s JOIN users u ON u.id = s.user_id JOIN rooms r ON r.id = s.room_id"
                  " JOIN users o ON o.id = r.user_id WHERE u.email = 'wim@coop.test'")
    assert sorted([s["id"], s["owner"]] for s in shared) == expected
    assert load(v3_archives["vera@coop.test"], "shared_with_me.json") == []


def test_recordings_one_row_per_format(v3_archives):
    recordings = load(v3_archives["vera@coop.test"], "recordings.json")
    expected = v3("SELECT json_agg(json_build_array(rc.record_id, f.recording_type, f.url, rc.visibility, rc.length)"
                  " ORDER BY rc.record_id, f.recording_type) FROM recordings rc JOIN formats f ON f.recording_id = rc.id")
    got = sorted([r["record_id"], r["format"], r["new_link"], r["visibility"], r["length_minutes"]] for r in recordings)
    assert got == expected and len(got) == 3
    by_format = {(r["record_id"][-13:], r["format"]): r for r in recordings}
    assert by_format[("1710000000000", "presentation")]["published"] is False
    assert by_format[("1700000000000", "video")]["room_id"] == "ver-h0m-e01"
    assert load(v3_archives["wim@coop.test"], "recordings.json") == []


def test_no_digest_or_session_token_in_any_archive(v3_archives):
    secrets = v3("SELECT json_agg(x) FROM (SELECT password_digest AS x FROM users UNION ALL"
                 " SELECT session_token FROM users UNION ALL SELECT reset_digest FROM users WHERE reset_digest IS NOT NULL"
                 " UNION ALL SELECT verification_digest FROM users WHERE verification_digest IS NOT NULL) s")
    assert len(secrets) == 8
    for files in v3_archives.values():
        for name, content in files.items():
            for secret in secrets:
                assert secret.encode() not in content, name
            assert b"password_digest" not in content and b"session_token" not in content
