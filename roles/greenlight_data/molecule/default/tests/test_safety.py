"""The migrated platform is safe to open: sessions, the check of the target as
Greenlight v3 reads it, a dry run that never blocks Greenlight, and the member
data's path (source to target, over a key that can only read the export,
none of it ever on the controller, nothing left behind on either host)."""
import re
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from conftest import SOURCE, TARGET, changed_hosts, playbook, report_of, sql, target_digest

TOKEN = "SELECT session_token, session_expiry FROM users WHERE email = '{}'"


# One planted row (or two) per family of rules, none of which the run touches: the run
# commits (nothing to write) and its check after the commit must fail naming each rule.
PLANT = """
INSERT INTO users (name, email, provider, password_digest, role_id, language, status, created_at, updated_at)
SELECT 'Planted', 'planted@example.org', 'greenlight', 'x', id, 'en', 0, now(), now()
  FROM roles WHERE name = 'User' AND provider = 'greenlight';
INSERT INTO rooms (user_id, name, friendly_id, meeting_id, created_at, updated_at)
SELECT id, ' ', 'pla-nte-dro-oom', repeat('p', 40), now(), now() FROM users WHERE email = 'planted@example.org';
INSERT INTO roles (name, color, provider, created_at, updated_at) VALUES ('Planted', '#000000', 'greenlight', now(), now());
INSERT INTO recordings (room_id, name, record_id, visibility, length, participants, recorded_at, created_at, updated_at)
SELECT id, 'Planted', repeat('p', 40) || '-1700000000000', 'Secret', 1, 1, now(), now(), now()
  FROM rooms WHERE friendly_id = 'pla-nte-dro-oom';
"""
UNPLANT = """
DELETE FROM recordings WHERE name = 'Planted';
DELETE FROM rooms WHERE friendly_id = 'pla-nte-dro-oom';
DELETE FROM users WHERE email = 'planted@example.org';
DELETE FROM roles WHERE name = 'Planted';
"""
FAMILIES = {
    "users": ("users.session_token", "planted@example.org"),
    "rooms": ("rooms.name", "pla-nte-dro-oom"),
    "room options": ("rooms.meeting_options", "pla-nte-dro-oom glAnyoneCanStart: 0 rows"),  # one per option
    "roles": ("roles.permissions", "Planted (greenlight) CanRecord: 0 rows"),  # one per permission
    "recordings": ("recordings.fields", "pppppppppppppppppppppppppppppppppppppppp-1700000000000"),
}


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    """The role run once over a target holding the planted rows; they are removed afterwards."""
    sql(TARGET, PLANT)
    try:
        result = playbook(tmp_path_factory.mktemp("planted"))
    finally:
        sql(TARGET, UNPLANT)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_check_after_the_commit_names_a_row_greenlight_would_reject(planted_run, family):
    returncode, output = planted_run
    rule, example = FAMILIES[family]
    assert returncode != 0, output
    assert "The migration is committed, but the target holds rows Greenlight v3 would reject" in output, output
    named = output.index(f"{rule}: ")  # "<rule>: <n> rows (e.g. <examples>): <why>; <fix>."
    assert re.match(r"\d+ rows \(e\.g\. ", output[named + len(rule) + 2:]), output[named:named + 300]
    assert example in output[named:output.index("): ", named)], output[named:named + 300]


def test_the_check_passes_once_the_rows_are_gone_keeps_sessions_and_leaves_nothing(tmp_path, planted_run):
    """The same run again without the planted rows passes, and leaves no run directory (key, export
    command, scripts) on either host and no authorisation of a run key on the source. Meanwhile local1
    signed in on the new platform (a new token, expiry ahead): the run keeps both. local3's token is
    NULL, as an earlier version of the role left accounts: the run gives it one, expired."""
    signed_in = ["ab" * 32, "2027-01-01 10:00:00"]
    sql(TARGET, f"UPDATE users SET session_token = '{signed_in[0]}', session_expiry = '{signed_in[1]}'"
                " WHERE email = 'local1@example.org';"
                " UPDATE users SET session_token = NULL, session_expiry = NULL WHERE email = 'local3@example.org'")
    result = playbook(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = report_of(tmp_path)
    check = report["check"]
    assert check["after_commit"] is True and check["failed"] == [] and check["rules"] >= 15
    assert report["updated"]["users"] == 1
    assert sql(TARGET, TOKEN.format("local1@example.org")) == [signed_in]
    token, expiry = sql(TARGET, TOKEN.format("local3@example.org"))[0]
    assert len(token) == 64 and token != signed_in[0]
    assert sql(TARGET, f"SELECT '{expiry}'::timestamp <= now() AT TIME ZONE 'UTC'") == [["t"]]
    for host in (SOURCE, TARGET):
        left = subprocess.run(["docker", "exec", host, "sh", "-c", "ls -d /var/tmp/greenlight_data.* 2>/dev/null"],
                              capture_output=True, text=True, check=False).stdout
        assert left == "", (host, left)
    keys = subprocess.run(["docker", "exec", SOURCE, "sh", "-c", "cat /root/.ssh/authorized_keys 2>/dev/null"],
                          capture_output=True, text=True, check=False).stdout
    assert "bbbmig-greenlight-data" not in keys


def locks_of(pid):
    """(relation, mode) of every lock the backend ``pid`` holds on a table of Greenlight's (public)."""
    return sql(TARGET, "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                       f" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = {pid} AND n.nspname = 'public'"
                       " ORDER BY 1, 2")


def test_a_dry_run_never_blocks_greenlight_and_its_key_reads_only_the_export(tmp_path):
    """While a --check run is paused mid-write (after the users, as a real run holds its locks), it holds
    nothing on Greenlight's tables but ACCESS SHARE, a writer of those tables does not wait, and the
    run's key, tried from the target, only ever prints the export, whatever it asks for. --check is a
    dry run: it reports what a real run would write, writes nothing and reports no change."""
    source_changes = "UPDATE users SET name = name || ' (dry)' WHERE email = 'local3@example.org'"
    sql(SOURCE, source_changes)  # something for the dry run to write to its copies
    before = target_digest()
    digest = sql(SOURCE, "SELECT password_digest FROM users WHERE email = 'local1@example.org'")[0][0]
    stale = set(on_the_controller(digest))  # left by something else than this run: not its doing
    run = playbook(tmp_path, {"greenlight_data_pause": 12}, extra=["--check"], background=True)
    try:
        pid, deadline = None, time.time() + 300
        while pid is None and time.time() < deadline and run.poll() is None:
            time.sleep(0.5)
            rows = sql(TARGET, "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(%'"
                               " AND pid <> pg_backend_pid()")
            pid = rows[0][0] if rows else None
        assert pid, "the dry run never reached its pause"
        locks = locks_of(pid)
        assert locks and all(mode == "AccessShareLock" for _, mode in locks), locks
        writer = sql(TARGET, "SET lock_timeout = '3s'; UPDATE users SET updated_at = updated_at"
                             " WHERE email = 'local1@example.org' RETURNING email")
        assert writer == [["local1@example.org"]]

        assert set(on_the_controller(digest)) - stale == set()

        run_dir = subprocess.run(["docker", "exec", TARGET, "sh", "-c", "ls -d /var/tmp/greenlight_data.*"],
                                 capture_output=True, text=True, check=True).stdout.split()[0]
        ssh = ["docker", "exec", TARGET, "ssh", "-T", "-i", f"{run_dir}/id_ed25519", "-o", "BatchMode=yes",
               "-o", f"UserKnownHostsFile={run_dir}/known_hosts"]
        for attempt in ([f"root@{SOURCE}", "cat /etc/shadow"], [f"root@{SOURCE}", "sh"],
                        ["-L", "15432:localhost:5432", f"root@{SOURCE}", "true"]):
            tried = subprocess.run(ssh + attempt, capture_output=True, text=True, timeout=60, check=False)
            assert "root:" not in tried.stdout and tried.stdout.lstrip().startswith("COPY users"), attempt
    finally:
        output = run.communicate(timeout=300)[0]
        sql(SOURCE, "UPDATE users SET name = replace(name, ' (dry)', '') WHERE email = 'local3@example.org'")
    assert run.returncode == 0, output
    report = report_of(tmp_path)
    assert report["dry_run"] is True and report["committed"] is False and report["updated"]["users"] == 1
    assert report["check"]["after_commit"] is False and report["check"]["failed"] == []
    assert changed_hosts(output) == set(), output
    assert target_digest() == before


def on_the_controller(text):
    """Files of this run's controller holding ``text``: Ansible's local temporary files and any
    greenlight_data.* directory in the temporary directory (where a fetched export would go)."""
    places = [str(p) for p in Path.home().joinpath(".ansible/tmp").glob("*")]
    places += [str(p) for p in Path(tempfile.gettempdir()).glob("greenlight_data.*")]
    places += [str(p) for p in Path(tempfile.gettempdir()).glob("ansible-*")]
    if not places:
        return []
    return subprocess.run(["grep", "-rlF", text, *places], capture_output=True, text=True, check=False).stdout.split()
