"""Re-runs: a dry run writes nothing (--check: tests/test_safety.py); a run
whose export breaks off and a run killed mid-transform leave the target as it
was, and the next run completes it without duplicates; a run with nothing
new writes no row; a run that adds most of a table loads it in bulk (a
first migration into an empty database: tests/test_recordings.py).

The source gains one member (with a room and a share) and one renamed member
here, so that the runs below have something to do.
"""
import subprocess
import time

import pytest
from conftest import (ROOM_OPTIONS, SOURCE, TARGET, changed_hosts, fresh_v3, playbook, report_of, sql, table_shape,
                      target_digest)

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


def source_sql_in_background(query):
    """``query`` on the source in a psql that runs until it is terminated (a Popen)."""
    return subprocess.Popen(["docker", "exec", SOURCE, "runuser", "-u", "postgres", "--", "psql", "-X", "-q",
                             "-d", "greenlight_production", "-c", query],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_source_connection_dropped_mid_export_fails_naming_it_and_writes_nothing(tmp_path):
    """The export's backend on the source is terminated while it streams (after the users, held at the
    rooms by a lock taken here): the run fails naming the source host and database, and the target is
    as it was (no live row, no staging left). The next test's completing run then writes each new row
    once: nothing the broken run streamed was kept."""
    before = target_digest()
    holder = source_sql_in_background("BEGIN; LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600);")
    try:
        deadline = time.time() + 60
        while not sql(SOURCE, "SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'rooms'"
                              " AND l.mode = 'AccessExclusiveLock' AND l.granted"):
            assert time.time() < deadline and holder.poll() is None, "the lock on rooms was never taken"
            time.sleep(0.2)
        run = playbook(tmp_path, background=True)
        killed, deadline = [], time.time() + 300
        while not killed and time.time() < deadline and run.poll() is None:
            time.sleep(0.5)
            killed = sql(SOURCE, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                 " AND query LIKE 'COPY (SELECT % FROM rooms ORDER BY id) TO STDOUT%'")
        output = run.communicate(timeout=300)[0]
    finally:
        sql(SOURCE, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE rooms%'")
        holder.wait(timeout=60)
    assert killed, "the export never waited at the rooms:\n" + output
    assert run.returncode != 0, output
    assert ("The export from the source database greenlight_production on greenlight_data-source broke off"
            in output), output
    assert "terminating connection due to administrator command" in output, output
    assert "Nothing was committed on the target" in output, output
    assert changed_hosts(output) == set(), output
    assert target_digest() == before  # no row of the users streamed before the break, no staging schema


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
