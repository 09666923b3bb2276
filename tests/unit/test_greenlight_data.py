"""filter_plugins/greenlight_data.py: connection argv, input checks, v2 -> v3 maps, report reading."""
import json

import pytest
import re
from pathlib import Path

from greenlight_data import (EMAIL_FORMAT, V3_RULES, greenlight_check_failures, greenlight_check_report,
                             greenlight_db_problems, greenlight_input_problems, greenlight_maps, greenlight_merge,
                             greenlight_pgpass_line, greenlight_psql_argv, greenlight_psql_vars, greenlight_report,
                             greenlight_report_changed, greenlight_report_problems, greenlight_room_options,
                             greenlight_seconds, greenlight_site_setting, greenlight_v2_permission,
                             greenlight_v3_check_sql, greenlight_v3_role_name)

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


# --- merging accounts that share an email -------------------------------------------------

def account(id_, verified=True, login=None, digest=None, ext=None):
    return {"id": id_, "verified": verified, "last_login": login, "password_digest": digest, "external_id": ext}


def test_merge_keeps_both_ways_to_sign_in():
    """The single-sign-on account signed in last: it survives and takes the local account's password."""
    merged = greenlight_merge([account(2, login="2024-01-01 10:00:00", digest="$2a$pw"),
                               account(6, login="2025-01-01 10:00:00", ext="sub-6")])
    assert merged == {"survivor": 6, "password_digest": "$2a$pw", "password_from": 2,
                      "external_id": "sub-6", "external_id_from": 6, "not_kept": []}


def test_merge_takes_the_next_credential_in_order_and_names_the_ones_not_kept():
    merged = greenlight_merge([account(1, login="2025-03-01 00:00:00", digest="$2a$one"),
                               account(2, login="2025-02-01 00:00:00", digest="$2a$two", ext="sub-2"),
                               account(3, login="2025-01-01 00:00:00", ext="sub-3")])
    assert (merged["survivor"], merged["password_from"], merged["external_id_from"]) == (1, 1, 2)
    assert merged["not_kept"] == [2, 3]  # 2's password and 3's external id have no place on one account


def test_merge_never_gives_an_unverified_accounts_credential_to_another():
    """Anyone could have registered a local account with a member's email where v2 did not verify it:
    its password must not open the member's account, and it never survives over a verified one."""
    merged = greenlight_merge([account(7, verified=False, login="2026-01-01 00:00:00", digest="$2a$intruder"),
                               account(8, login="2020-01-01 00:00:00", ext="sub-8")])
    assert merged["survivor"] == 8 and merged["password_digest"] is None and merged["not_kept"] == [7]


def test_merge_orders_never_signed_in_last_then_by_id():
    merged = greenlight_merge([account(5, digest="a"), account(4, digest="b"), account(9, login="2020-01-01", digest="c")])
    assert merged["survivor"] == 9 and merged["not_kept"] == [4, 5]
    assert greenlight_merge([account(5, digest="a"), account(4, digest="b")])["survivor"] == 4


# --- v2 permissions as v2 reads them ------------------------------------------------------

def perm(name, value, enabled=True):
    return {"name": name, "value": value, "enabled": enabled}


@pytest.mark.parametrize("rows,name,granted", [
    ([], "can_launch_recording", False),                                     # missing: false
    ([perm("can_launch_recording", "true")], "can_launch_recording", True),
    ([perm("can_launch_recording", "true", False)], "can_launch_recording", False),  # disabled: default
    ([perm("can_launch_recording", "")], "can_launch_recording", False),      # enabled but not "true"
    ([perm("can_launch_recording", "t")], "can_launch_recording", False),     # only "true" grants
    ([], "can_appear_in_share_list", True),                                   # the share-list default
    ([perm("can_appear_in_share_list", "false", False)], "can_appear_in_share_list", True),
    ([perm("can_appear_in_share_list", "false")], "can_appear_in_share_list", False),
    ([perm("can_create_rooms", "false"), perm("can_create_rooms", "true")], "can_create_rooms", True),  # last row
])
def test_v2_permission_reads_as_role_get_permission(rows, name, granted):
    assert greenlight_v2_permission(rows, name) is granted


def test_the_maps_carry_the_permission_defaults_and_the_email_format():
    maps = greenlight_maps()
    assert maps["permission_defaults"] == {"can_appear_in_share_list": "true"}
    assert set(maps["permission_defaults"]) <= set(maps["permissions"])
    assert maps["email_format"] == EMAIL_FORMAT


# --- what Greenlight v3 assumes of its rows --------------------------------------------------

@pytest.mark.parametrize("email,valid", [
    ("ada.martin1@example.org", True), ("twin+gl@example.org", True), ("a_b-c@sub.example.coop", True),
    ("no-at-sign.example.org", False), ("two@@example.org", False), ("x@localhost", False),
    ("space in@example.org", False), ("josé@example.org", False), ("a@example.org\n", False), ("a@b.c1", False),
])
def test_email_format_is_v3s(email, valid):
    """User: /\\A[\\w\\-.+]+@[\\w\\-.]+\\.[a-z]+\\z/i (PostgreSQL's ~ with ^ and $ on one line)."""
    assert bool(re.fullmatch(EMAIL_FORMAT.strip("^$"), email)) is valid


def test_the_rules_cover_what_v3_assumes():
    names = [r["rule"] for r in V3_RULES]
    assert len(names) == len(set(names))
    for required in ("users.session_token", "users.session_token.unique", "users.name", "users.email",
                     "users.email.unique", "users.email.lower_case", "users.provider_status_language",
                     "users.role", "rooms.name", "rooms.ids", "rooms.meeting_options", "roles.name",
                     "roles.permissions", "shared_accesses.unique", "recordings.fields", "formats.fields"):
        assert required in names, required
    for rule in V3_RULES:
        assert set(rule) == {"rule", "family", "rows", "why", "fix"}, rule["rule"]
        assert rule["rows"].lstrip().upper().startswith("SELECT") and ";" not in rule["rows"], rule["rule"]
        assert "public." not in rule["rows"], "rules read the tables on the search path (a dry run's copies)"


def test_the_check_sql_reports_every_rule_in_order():
    sql = greenlight_v3_check_sql()
    assert sql.count(" UNION ALL SELECT ") >= len(V3_RULES) - 1
    for order, rule in enumerate(V3_RULES):
        assert f"SELECT {order} AS ord, '{rule['rule']}' AS rule" in sql
    assert sql.rstrip().endswith(";") and sql.count(";") == 1


def test_check_report_and_failures():
    out = "BEGIN\n" + json.dumps({"check": [{"rule": "users.name", "count": 0, "examples": []},
                                            {"rule": "rooms.name", "count": 2, "examples": ["a-b-c", "d-e-f"]}]})
    check = greenlight_check_report(out)
    messages = greenlight_check_failures(check)
    assert len(messages) == 1 and messages[0].startswith("rooms.name: 2 rows (e.g. a-b-c, d-e-f): Room validates")
    assert "rename these rooms" in messages[0]
    with pytest.raises(ValueError):
        greenlight_check_report("no check here")


def test_the_report_is_the_line_with_a_mode_not_the_check():
    out = json.dumps({"mode": "v2_to_v3", "created": {}}) + "\n" + json.dumps({"check": []})
    assert greenlight_report(out)["mode"] == "v2_to_v3"


def test_pgpass_line_escapes_separators():
    line = greenlight_pgpass_line({"host": "db", "database": "gl", "user": "u", "password": "p:w\\x"})
    assert line == "db:5432:gl:u:p\\:w\\\\x\n"


def test_one_generation_query_for_preflight_and_greenlight_data():
    from greenlight_data import GENERATION_SQL, greenlight_generation_sql
    assert greenlight_generation_sql() == GENERATION_SQL
    for answer in ("'v3'", "'v2'", "'unknown'"):
        assert answer in GENERATION_SQL
    root = Path(__file__).resolve().parents[2]
    for role in ("preflight", "greenlight_data"):
        assert "greenlight_generation_sql" in (root / "roles" / role / "vars/main.yml").read_text(), role


# --- the export and the staging tables, made from one table list ---------------------------

def render_tables(generation):
    """templates/export.sql.j2 and stage.sql.j2 for a generation, as the role renders them."""
    import jinja2
    import yaml
    role = Path(__file__).resolve().parents[2] / "roles/greenlight_data"
    text = (role / "vars/main.yml").read_text()
    tables = yaml.safe_load(text[text.index("__greenlight_data_tables:"):text.index("__greenlight_data_source_tables:")])
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(role / "templates"), trim_blocks=True,
                             undefined=jinja2.StrictUndefined)
    context = {"__greenlight_data_source_tables": tables["__greenlight_data_tables"][generation],
               "__greenlight_data_source_generation": generation}
    return (context["__greenlight_data_source_tables"], env.get_template("export.sql.j2").render(**context),
            env.get_template("stage.sql.j2").render(**context))


@pytest.mark.parametrize("generation", ["v2", "v3"])
def test_export_and_staging_come_from_one_column_list(generation):
    tables, export, stage = render_tables(generation)
    assert "id" in next(iter(tables.values()))
    for table, columns in tables.items():
        names = ", ".join(columns)
        assert f"\\qecho COPY {table} ({names}) FROM stdin;" in export
        assert f"COPY (SELECT {names} FROM {table} ORDER BY id) TO STDOUT;" in export
        assert f"SELECT '{table}', count(*)" in export and f"FROM (SELECT {names} FROM {table}) t" in export
        typed = ", ".join(f"{c} {t}" + (" PRIMARY KEY" if c == "id" else "") for c, t in columns.items())
        assert f"CREATE UNLOGGED TABLE {table} ({typed});" in stage
    assert export.count("\\qecho '\\\\.'") == len(tables) + 1  # each COPY block and the manifest end
    assert "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;" in export and export.rstrip().endswith("COMMIT;")
    assert "CREATE UNLOGGED TABLE manifest" in stage and "\\if :dry_run" in stage


def test_the_v2_export_reads_only_what_v2_has():
    """Greenlight v2's own columns (schema-v2.sql), nothing of v3's."""
    tables, _, _ = render_tables("v2")
    assert "social_uid" in tables["users"] and "external_id" not in tables["users"]
    assert set(tables) == {"users", "rooms", "shared_accesses", "roles", "role_permissions", "settings", "features"}
