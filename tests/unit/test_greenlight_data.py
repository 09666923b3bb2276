"""filter_plugins/greenlight_data.py: connection argv, input checks, v2 -> v3 maps, report reading."""
import json

import pytest
from greenlight_data import (greenlight_db_problems, greenlight_input_problems, greenlight_maps,
                             greenlight_psql_argv, greenlight_psql_vars, greenlight_report,
                             greenlight_report_changed, greenlight_report_problems, greenlight_room_options,
                             greenlight_seconds, greenlight_site_setting, greenlight_v3_role_name)

DEFAULTS = {"record": "false", "muteOnStart": "false", "guestPolicy": "ALWAYS_ACCEPT", "glAnyoneCanStart": "false",
            "glAnyoneJoinAsModerator": "false", "glRequireAuthentication": "false", "glModeratorAccessCode": "",
            "glViewerAccessCode": ""}


def test_psql_argv_for_each_access():
    db = {"access": "docker", "container": "greenlight-db", "database": "gl", "user": "postgres"}
    assert greenlight_psql_argv(db)[:4] == ["docker", "exec", "-i", "greenlight-db"]
    assert greenlight_psql_argv(dict(db, access="local"))[:5] == ["runuser", "-u", "postgres", "--", "psql"]
    tcp = greenlight_psql_argv({"access": "tcp", "host": "db.example", "port": 6432, "user": "gl", "database": "gl",
                                "password": "secret"})
    assert tcp[tcp.index("-h") + 1] == "db.example" and tcp[tcp.index("-p") + 1] == "6432"
    assert "secret" not in " ".join(tcp)
    assert tcp[-2:] == ["-d", "gl"]
    with pytest.raises(ValueError):
        greenlight_psql_argv({"access": "ssh", "database": "gl"})


def test_db_problems_name_each_missing_detail():
    assert greenlight_db_problems({"access": "local", "database": "gl"}, "x") == []
    assert greenlight_db_problems({"access": "docker", "database": "gl"}, "src") == [
        "src.container is empty: access docker needs the database container's name."]
    problems = greenlight_db_problems({"access": "tcp", "database": "gl", "host": "h"}, "tgt")
    assert [p.split(" ")[0] for p in problems] == ["tgt.user", "tgt.password"]
    assert "vault" in problems[-1]
    assert "use docker, local or tcp" in greenlight_db_problems({"access": "ftp"}, "x")[0]
    assert greenlight_db_problems("gl", "x")[0].startswith("x must be a dictionary")


def test_input_problems():
    assert greenlight_input_problems({"openid_connect": "greenlight"}, "en") == []
    assert "is empty" in greenlight_input_problems({}, "en")[0]
    assert "maps 'ldap' to nothing" in greenlight_input_problems({"ldap": ""}, "en")[0]
    assert "not a language" in greenlight_input_problems({"a": "b"}, "default")[0]


@pytest.mark.parametrize("settings,access,mod,expected", [
    ("{ }", None, None, {}),
    ("", "", None, {}),
    ("not json", "123456", None, {"glViewerAccessCode": "123456"}),
    ('["a"]', None, "654321", {"glModeratorAccessCode": "654321"}),
    ('{"recording": true, "muteOnStart": false, "requireModeratorApproval": true, "anyoneCanStart": "true",'
     ' "joinModerator": true}', None, None,
     {"record": "true", "guestPolicy": "ASK_MODERATOR", "glAnyoneCanStart": "true", "glAnyoneJoinAsModerator": "true"}),
    ('{"requireModeratorApproval": false, "recording": null, "unknown": true}', None, None, {}),
])
def test_room_options_map_v2_settings_and_codes(settings, access, mod, expected):
    assert greenlight_room_options(settings, access, mod, DEFAULTS) == dict(DEFAULTS, **expected)


def test_room_options_only_fill_options_the_target_has():
    assert greenlight_room_options('{"recording": true}', "1", "2", {"record": "false"}) == {"record": "true"}


@pytest.mark.parametrize("name,value,expected", [
    ("Primary Color Darken", "#0f5323", ("PrimaryColorDark", "#0f5323")),
    ("Preupload Presentation", "true", ("PreuploadPresentation", "true")),
    ("Registration Method", "2", ("RegistrationMethod", "approval")),
    ("Registration Method", "9", ("RegistrationMethod", "open")),
    ("Shared Access", "false", ("ShareRooms", "false")),
    ("Legal URL", None, ("Terms", "")),
    ("Room Configuration Mute On Join", "optional", None),
])
def test_site_settings(name, value, expected):
    assert greenlight_site_setting(name, value) == expected


def test_role_names_and_maps():
    assert greenlight_v3_role_name("admin") == "Administrator"
    assert greenlight_v3_role_name("super_admin") is None
    assert greenlight_v3_role_name("MODERATORS") == "Moderators"
    maps = greenlight_maps()
    assert maps["permissions"]["can_manage_rooms_recordings"] == ["ManageRooms", "ManageRecordings"]
    assert maps["site_settings"]["Preupload Presentation"] == "PreuploadPresentation"
    assert json.loads(json.dumps(maps)) == maps


def test_psql_vars_quote_nothing_and_pass_json():
    argv = greenlight_psql_vars({"dry_run": True, "map": {"b": "x", "a": "y"}, "lang": "en"})
    assert argv == ["-v", "dry_run=true", "-v", "lang=en", "-v", 'map={"a": "y", "b": "x"}']


def test_report_reading():
    out = 'some notice\n\n{"mode": "v2_to_v3", "dry_run": false, "created": {"users": 2}, "updated": {"rooms": 0}}\n'
    report = greenlight_report(out)
    assert report["created"]["users"] == 2 and greenlight_report_changed(report)
    assert not greenlight_report_changed(dict(report, created={"users": 0}))
    assert not greenlight_report_changed(dict(report, dry_run=True))
    assert not greenlight_report_changed(dict(report, problems=["x"]))
    with pytest.raises(ValueError):
        greenlight_report("ERROR: boom")


def test_report_problems_read_as_sentences():
    report = {"problems": ["Email a@b: ..."], "mismatches": [{"entity": "room", "key": "abc-def-ghi",
                                                              "issue": "owner differs"}]}
    assert greenlight_report_problems(report) == ["Email a@b: ...", "verification: room abc-def-ghi: owner differs"]


def test_seconds():
    assert greenlight_seconds("0:01:02.500000") == 62.5
    assert greenlight_seconds("1:00:00.000001") == 3600.0


def test_v3_to_v3_report_counts_recordings_and_formats():
    out = ('{"mode": "v3_to_v3", "dry_run": false, "problems": [], "mismatches": [],'
           ' "created": {"users": 0, "recordings": 0, "formats": 2}, "updated": {"recordings": 0},'
           ' "recordings": {"recordings": 4, "formats": 6}}')
    report = greenlight_report(out)
    assert report["recordings"] == {"recordings": 4, "formats": 6}
    assert greenlight_report_changed(report)
    assert not greenlight_report_changed(dict(report, created={"users": 0, "recordings": 0, "formats": 0}))
    assert greenlight_report_changed(dict(report, created={}, updated={"recordings": 1}))


def test_catalog_problems_name_host_and_file():
    from greenlight_data import greenlight_catalog_problems
    results = [{"item": "bbb1", "unreadable": ["published/presentation/x/metadata.xml: not XML"]},
               {"item": "bbb2", "unreadable": []}, {"item": "bbb3", "skipped": True}]
    assert greenlight_catalog_problems(results, "/var/bigbluebutton/") == [
        "bbb1:/var/bigbluebutton/published/presentation/x/metadata.xml: not XML"]
