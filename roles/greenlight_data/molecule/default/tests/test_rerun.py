"""Re-runs: a dry run and --check write nothing; a run killed mid-transform
leaves the target as it was, and the next run completes it without
duplicates; a run with nothing new writes no row.

The source gains one member (with a room and a share) and one renamed member
here, so that the runs below have something to do.
"""
import time

import pytest
from conftest import REPO, SOURCE, TARGET, changed_hosts, fresh_v3, playbook, psql_file, report_of, sql, target_digest

NEW_EMAIL = "New.Member+late@Example.org"


@pytest.fixture(scope="module", autouse=True)
def source_changes():
    """One new member with a room shared with local1, and one renamed member, on the source."""
    if not sql(SOURCE, f"SELECT id FROM users WHERE email = '{NEW_EMAIL}'"):
        sql(SOURCE, f"""
            INSERT INTO users (provider, name, email, password_digest, role_id, created_at, updated_at)
            VALUES ('greenlight', 'New Member', '{NEW_EMAIL}', '$2a$12$newmembernewmembernewmembernewmembernewmembernewmemb',
                    1, '2026-11-01 10:00:00', '2026-11-01 10:00:00');
            INSERT INTO rooms (user_id, name, uid, bbb_id, room_settings, created_at, updated_at)
            SELECT id, 'Late room', 'new-abc-def-ghi', repeat('ab', 20), '{{"recording":true}}', created_at, created_at
              FROM users WHERE email = '{NEW_EMAIL}';
            INSERT INTO shared_accesses (room_id, user_id, created_at, updated_at)
            SELECT r.id, u.id, now(), now() FROM rooms r, users u
             WHERE r.uid = 'new-abc-def-ghi' AND u.email = 'local1@example.org';
            UPDATE users SET name = 'Renamed Member', updated_at = '2026-11-02 10:00:00' WHERE email = 'local3@example.org';
        """)


def counts(report, section):
    return {k: int(v) for k, v in report[section].items() if int(v)}


def options():
    """How many meeting options the target knows: a migrated room holds one row each."""
    return int(sql(TARGET, "SELECT count(*) FROM meeting_options")[0][0])


def test_a_dry_run_reports_what_would_change_and_writes_nothing(tmp_path):
    before = target_digest()
    result = playbook(tmp_path, {"greenlight_data_dry_run": True})
    assert result.returncode == 0, result.stdout + result.stderr
    assert changed_hosts(result.stdout) == set(), result.stdout
    report = report_of(tmp_path)
    assert report["dry_run"] is True and report["committed"] is False
    assert counts(report, "created") == {"users": 1, "rooms": 1, "room_meeting_options": options(), "shared_accesses": 1}
    assert counts(report, "updated") == {"users": 1}
    assert target_digest() == before


def test_check_mode_is_a_dry_run(tmp_path):
    before = target_digest()
    result = playbook(tmp_path, extra=["--check"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert report_of(tmp_path)["dry_run"] is True
    assert target_digest() == before


def test_a_run_killed_mid_transform_writes_nothing_and_the_next_run_completes(tmp_path):
    before = target_digest()
    (tmp_path / "killed").mkdir()
    run = playbook(tmp_path / "killed", {"greenlight_data_pause": 120}, background=True)
    killed = []
    deadline = time.time() + 300
    while not killed and time.time() < deadline and run.poll() is None:
        time.sleep(1)
        killed = sql(TARGET, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE query LIKE 'SELECT pg_sleep(%' AND pid <> pg_backend_pid()")
    output = run.communicate(timeout=300)[0]
    assert killed, "the run never reached its pause:\n" + output
    assert run.returncode != 0, output
    assert "terminating connection" in output or "server closed the connection" in output, output
    assert target_digest() == before  # the users written before the pause were rolled back

    result = playbook(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["committed"] is True and report["mismatch_count"] == 0
    assert counts(report, "created") == {"users": 1, "rooms": 1, "room_meeting_options": options(), "shared_accesses": 1}
    assert report["bulk_loaded"] == []  # a room's options in a table of thousands: row by row
    assert sql(TARGET, "SELECT name FROM users WHERE email = 'local3@example.org'") == [["Renamed Member"]]
    assert sql(TARGET, "SELECT count(*) FROM users WHERE email = lower('" + NEW_EMAIL + "')") == [["1"]]
    assert sql(TARGET, "SELECT count(*) FROM (SELECT room_id, meeting_option_id FROM room_meeting_options"
                       " GROUP BY 1, 2 HAVING count(*) > 1) d") == [["0"]]
    assert sql(TARGET, "SELECT x.value FROM room_meeting_options x JOIN rooms r ON r.id = x.room_id"
                       " JOIN meeting_options o ON o.id = x.meeting_option_id"
                       " WHERE r.friendly_id = 'new-abc-def-ghi' AND o.name = 'record'") == [["true"]]


def test_a_run_with_nothing_new_writes_no_row(tmp_path):
    before = target_digest()
    result = playbook(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert changed_hosts(result.stdout) == set(), result.stdout
    report = report_of(tmp_path)
    assert counts(report, "created") == {} and counts(report, "updated") == {}
    assert target_digest() == before


ROOM_OPTIONS = ("SELECT r.friendly_id, o.name, x.value, x.created_at FROM room_meeting_options x"
                " JOIN rooms r ON r.id = x.room_id JOIN meeting_options o ON o.id = x.meeting_option_id ORDER BY 1, 2")
BULK_TABLES = ["room_meeting_options", "rooms", "shared_accesses", "users"]


def table_shape(tables):
    """Indexes and validated constraints of ``tables``, as SQL that lists them in a fixed order."""
    names = ", ".join(f"'{t}'" for t in tables)
    return (f"SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ({names})"
            " UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname, pg_get_constraintdef(oid)"
            f" FROM pg_constraint WHERE conrelid::regclass::text IN ({names}) AND convalidated ORDER BY 1, 2")


def test_a_run_that_adds_most_of_a_table_loads_it_in_bulk_and_rebuilds_it_whole(tmp_path):
    """With every room option gone from the target, the run re-adds them all in bulk (indexes and
    foreign keys set aside and rebuilt); the table ends with the same rows and exactly the indexes
    and constraints of a freshly created v3 schema."""
    options = sql(TARGET, ROOM_OPTIONS)
    sql(TARGET, "DELETE FROM room_meeting_options")
    result = playbook(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["committed"] is True and report["mismatch_count"] == 0
    assert report["bulk_loaded"] == ["room_meeting_options"]
    assert counts(report, "created") == {"room_meeting_options": len(options)}
    assert sql(TARGET, ROOM_OPTIONS) == options

    fresh_v3("greenlight_v3_reference")
    shape = sql(TARGET, table_shape(["room_meeting_options"]))
    assert len(shape) == 6  # primary key and two foreign keys, three indexes
    assert shape == sql(TARGET, table_shape(["room_meeting_options"]), "greenlight_v3_reference")


def test_a_first_migration_loads_every_big_table_in_bulk_with_the_same_result(tmp_path):
    """Into an empty v3 database, users, rooms, room options and shares all take the bulk path
    (with greenlight_data_bulk_load_rows 1 here); the rows are those of the row-by-row target
    and each table ends with exactly the indexes and constraints of a freshly created schema."""
    fresh_v3("greenlight_v3_fresh")
    psql_file(TARGET, "greenlight_v3_fresh", REPO / "tests/greenlight/seed-v3.sql")
    fresh_db = {"access": "local", "database": "greenlight_v3_fresh", "user": "postgres"}
    result = playbook(tmp_path, {"greenlight_data_target_db": fresh_db})
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    assert report["committed"] is True and report["mismatch_count"] == 0
    assert sorted(report["bulk_loaded"]) == BULK_TABLES
    for query in (ROOM_OPTIONS,
                  "SELECT email, provider, password_digest, external_id, created_at FROM users ORDER BY 1, 2",
                  "SELECT r.friendly_id, r.meeting_id, u.email FROM rooms r JOIN users u ON u.id = r.user_id ORDER BY 1",
                  "SELECT u.email, r.friendly_id FROM shared_accesses s JOIN users u ON u.id = s.user_id"
                  " JOIN rooms r ON r.id = s.room_id ORDER BY 1, 2"):
        assert sql(TARGET, query, "greenlight_v3_fresh") == sql(TARGET, query), query

    fresh_v3("greenlight_v3_reference")
    shape = sql(TARGET, table_shape(BULK_TABLES), "greenlight_v3_fresh")
    assert {row[1].split(" ON public.")[1].split(" ")[0] for row in shape if row[0] == "index"} == set(BULK_TABLES)
    assert shape == sql(TARGET, table_shape(BULK_TABLES), "greenlight_v3_reference")
