"""Mode v3_to_v3: the v3 database the v2 migration filled (on the target
container, with a few recordings and formats and a changed room
configuration added here) is copied into a fresh, installed Greenlight v3
(schema and seeds, its own uuids) on the other container, with the hosts'
parts swapped. The copy is compared with the
original by SQL from outside, by natural keys; a second run writes no row;
--check on a third fresh database writes nothing.
"""
import subprocess

import pytest
from conftest import REPO, SOURCE, TARGET, changed_hosts, playbook, report_of, sql, target_digest

ORIGINAL = (TARGET, "greenlight_v3")
COPY = (SOURCE, "greenlight_v3_copy")
DRY = (SOURCE, "greenlight_v3_dry")

RECORDINGS = """
INSERT INTO recordings (room_id, name, record_id, visibility, length, participants, protectable, recorded_at,
                        created_at, updated_at)
SELECT r.id, 'Recording ' || x.n || ' of ' || r.name,
       encode(digest(r.meeting_id, 'sha1'), 'hex') || '-' || (1700000000000 + x.n * 1000),
       CASE x.n WHEN 1 THEN 'Published' ELSE 'Protected' END, 60 * x.n, x.n + 1, x.n = 2,
       timestamp '2026-10-01 10:00:00' + x.n * interval '1 day', '2026-10-02 08:00:00', '2026-10-03 08:00:00'
  FROM (SELECT * FROM rooms ORDER BY friendly_id LIMIT 2) r CROSS JOIN generate_series(1, 2) x(n)
 WHERE NOT EXISTS (SELECT 1 FROM recordings);
INSERT INTO formats (recording_id, recording_type, url, created_at, updated_at)
SELECT c.id, f.t, 'https://bbb.example.org/playback/' || f.t || '/2.3/' || c.record_id, c.created_at, c.updated_at
  FROM recordings c CROSS JOIN (VALUES ('presentation'), ('video')) f(t)
 WHERE (f.t = 'presentation' OR c.name LIKE 'Recording 1 %')
   AND NOT EXISTS (SELECT 1 FROM formats x WHERE x.recording_id = c.id);
UPDATE rooms_configurations c SET value = 'true', updated_at = '2026-10-04 08:00:00'
  FROM meeting_options o WHERE o.id = c.meeting_option_id AND o.name = 'glRequireAuthentication' AND c.value <> 'true';
"""

# What must be equal on both sides, by natural keys (ids differ: each side has its own).
SAME = {
    "users": "SELECT u.email, u.provider, u.name, u.password_digest, u.external_id, u.created_at, u.updated_at,"
             " u.last_login, u.language, u.verified, u.status, r.name, r.provider"
             " FROM users u LEFT JOIN roles r ON r.id = u.role_id ORDER BY 1, 2",
    "rooms": "SELECT r.friendly_id, r.meeting_id, r.name, u.email, u.provider, r.last_session, r.created_at"
             " FROM rooms r JOIN users u ON u.id = r.user_id ORDER BY 1",
    "room meeting options": "SELECT r.friendly_id, o.name, x.value FROM room_meeting_options x"
                            " JOIN rooms r ON r.id = x.room_id JOIN meeting_options o ON o.id = x.meeting_option_id"
                            " ORDER BY 1, 2",
    "shared accesses": "SELECT u.email, r.friendly_id, s.created_at FROM shared_accesses s"
                       " JOIN users u ON u.id = s.user_id JOIN rooms r ON r.id = s.room_id ORDER BY 1, 2",
    "roles and permissions": "SELECT r.name, r.provider, r.color, p.name, rp.value FROM roles r"
                             " LEFT JOIN role_permissions rp ON rp.role_id = r.id"
                             " LEFT JOIN permissions p ON p.id = rp.permission_id ORDER BY 1, 2, 4",
    "site settings": "SELECT s.name, ss.provider, ss.value FROM site_settings ss JOIN settings s ON s.id = ss.setting_id"
                     " ORDER BY 1, 2",
    "room configurations": "SELECT o.name, c.provider, c.value FROM rooms_configurations c"
                           " JOIN meeting_options o ON o.id = c.meeting_option_id ORDER BY 1, 2",
    "recordings": "SELECT c.record_id, r.friendly_id, c.name, c.visibility, c.length, c.participants, c.protectable,"
                  " c.recorded_at, c.created_at, c.updated_at FROM recordings c JOIN rooms r ON r.id = c.room_id"
                  " ORDER BY 1",
    "formats": "SELECT c.record_id, f.recording_type, f.url FROM formats f JOIN recordings c ON c.id = f.recording_id"
               " ORDER BY 1, 2",
}


def fresh_v3(host, db):
    """A freshly installed Greenlight v3 database (schema and seeds) named ``db`` on ``host``."""
    psql = ["docker", "exec", "-i", host, "runuser", "-u", "postgres", "--"]
    subprocess.run(psql + ["dropdb", "--if-exists", db], check=True, capture_output=True)
    subprocess.run(psql + ["createdb", db], check=True, capture_output=True)
    schema = "\n".join((REPO / "tests/greenlight" / f).read_text() for f in ("schema-v3.sql", "seed-v3.sql"))
    subprocess.run(psql + ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-"], input=schema,
                   text=True, check=True, capture_output=True)


def v3_to_v3(tmp_path, target, extra=()):
    """Run the role in mode v3_to_v3 from the original to ``target`` (host, database)."""
    return playbook(tmp_path, {
        "greenlight_data_mode": "v3_to_v3",
        "greenlight_data_source_db": {"access": "local", "database": ORIGINAL[1], "user": "postgres"},
        "greenlight_data_target_db": {"access": "local", "database": target[1], "user": "postgres"},
        # The copy is fresh: any account conflict would be the role's own mistake.
        "greenlight_data_email_conflict_policy": "fail",
    }, extra=extra, swap=True)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """Recordings and a changed room configuration on the original, two fresh v3 databases on the other container, then one run."""
    sql(ORIGINAL[0], RECORDINGS, ORIGINAL[1])
    fresh_v3(*COPY)
    fresh_v3(*DRY)
    tmp_path = tmp_path_factory.mktemp("v3_to_v3")
    result = v3_to_v3(tmp_path, COPY)
    assert result.returncode == 0, result.stdout + result.stderr
    return result, report_of(tmp_path)


def test_the_copy_is_committed_verified_and_counts_recordings(first_run):
    result, report = first_run
    assert changed_hosts(result.stdout) == {SOURCE}, result.stdout  # the host holding the new target
    assert report["mode"] == "v3_to_v3" and report["committed"] is True and report["dry_run"] is False
    assert report["problems"] == [] and report["mismatch_count"] == 0
    for entity, counts in report["verification"].items():
        assert counts["eligible"] == counts["present"], entity
    assert report["recordings"] == {"recordings": 4, "formats": 6}
    assert report["created"]["recordings"] == 4 and report["created"]["formats"] == 6
    # a fresh copy: every big table in bulk
    assert sorted(report["bulk_loaded"]) == ["room_meeting_options", "rooms", "shared_accesses", "users"]
    assert report["updated"]["rooms_configurations"] == 1  # glRequireAuthentication is forced on the original
    users = int(sql(ORIGINAL[0], "SELECT count(*) FROM users", ORIGINAL[1])[0][0])
    assert report["created"]["users"] == users > 0


@pytest.mark.parametrize("entity", sorted(SAME))
def test_the_copy_holds_what_the_original_holds(first_run, entity):
    original = sql(ORIGINAL[0], SAME[entity], ORIGINAL[1])
    assert original, f"nothing to compare: the original holds no {entity}"
    assert sql(COPY[0], SAME[entity], COPY[1]) == original


def test_the_comparison_covers_what_matters(first_run):
    """Non-default room options, pending and banned members, custom roles, SSO external ids, and a room
    configuration that differs from the fresh database's seed."""
    assert sql(COPY[0], "SELECT count(*) FROM room_meeting_options x JOIN meeting_options o"
                          " ON o.id = x.meeting_option_id WHERE x.value IS DISTINCT FROM o.default_value",
               COPY[1])[0][0] != "0"
    assert {r[0] for r in sql(COPY[0], "SELECT DISTINCT status FROM users", COPY[1])} >= {"0", "1", "2"}
    assert sql(COPY[0], "SELECT count(*) FROM roles WHERE name NOT IN ('Administrator', 'User', 'Guest')",
               COPY[1])[0][0] != "0"
    assert sql(COPY[0], "SELECT count(*) FROM users WHERE external_id IS NOT NULL", COPY[1])[0][0] != "0"
    assert sql(COPY[0], "SELECT c.value FROM rooms_configurations c JOIN meeting_options o"
                        " ON o.id = c.meeting_option_id WHERE o.name = 'glRequireAuthentication'", COPY[1]) == [["true"]]


def test_the_copy_keeps_its_own_ids(first_run):
    """Seeded rows keep the target's uuids; no id of the original was copied."""
    for table in ("users", "rooms", "roles", "permissions", "settings", "meeting_options", "recordings"):
        original = {r[0] for r in sql(ORIGINAL[0], f"SELECT id FROM {table}", ORIGINAL[1])}
        copy = {r[0] for r in sql(COPY[0], f"SELECT id FROM {table}", COPY[1])}
        assert copy and not original & copy, table


def test_a_second_run_writes_no_row(first_run, tmp_path):
    before = target_digest(*COPY)
    result = v3_to_v3(tmp_path, COPY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert changed_hosts(result.stdout) == set(), result.stdout
    report = report_of(tmp_path)
    assert report["committed"] is True and report["mismatch_count"] == 0
    assert {k: int(v) for k, v in report["created"].items() if int(v)} == {}
    assert report["bulk_loaded"] == []
    assert {k: int(v) for k, v in report["updated"].items() if int(v)} == {}
    assert target_digest(*COPY) == before


def test_check_mode_on_a_fresh_database_writes_nothing(first_run, tmp_path):
    before = target_digest(*DRY)
    result = v3_to_v3(tmp_path, DRY, extra=["--check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert changed_hosts(result.stdout) == set(), result.stdout
    report = report_of(tmp_path)
    assert report["dry_run"] is True and report["committed"] is False
    assert report["created"]["users"] == first_run[1]["created"]["users"]
    assert report["created"]["recordings"] == 4
    assert target_digest(*DRY) == before
    assert sql(DRY[0], "SELECT count(*) FROM users", DRY[1]) == [["0"]]
