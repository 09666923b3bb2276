"""A frozen old Greenlight: member data read-only at the database (the migration's
READ ONLY export still works), the application's sessions ended, v2's own
maintenance mode on and the app recreated; the unfreeze puts back the database's
settings and the .env byte for byte, or names what changed meanwhile; without a
v2 .env, nginx in front answers 503 with the message; bad inputs change nothing (run side by side)."""
import json
import os
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
GL = "maintenance_mode-gl"
SCENARIO = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
ENV = "/root/greenlight/.env"
STATE_FILE = "/var/lib/bbbmig/maintenance-mode.json"
INSERT = ("INSERT INTO users (provider, name, email, created_at, updated_at)"
          " VALUES ('greenlight', 'Late Member', 'late@coop.test', now(), now())")


def sql(statement):
    """Run ``statement`` in a new session; (succeeded, output)."""
    result = container_sh(GL, "runuser -u postgres -- psql -X -tA -v ON_ERROR_STOP=1 -d greenlight_production "
                              f"-c {json.dumps(statement)} 2>&1; echo \"rc=$?\"", shell="bash")
    output, _, rc = result.rstrip().rpartition("rc=")
    return rc == "0", output


def settings():
    return sql("SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0 "
               "AND setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())")[1].strip()


def run(tmp_path, check=False, **overrides):
    """converge.yml on the old Greenlight alone with ``overrides``."""
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    hostvars = dict(SCENARIO["host_vars"][GL])
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {"source_greenlight": {"hosts": {GL: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], timeout=300,
                        env=playbook_env(MOLECULE_EPHEMERAL_DIRECTORY=tmp_path))


def result_of(tmp_path):
    return json.loads((Path(tmp_path) / f"{GL}.facts.json").read_text())["maintenance_mode_result"]


def test_member_data_is_read_only_but_readable_and_exportable():
    ok, output = sql(INSERT)
    assert not ok and "read-only transaction" in output, output
    assert sql("SELECT email FROM users") == (True, "ada@coop.test\n")
    ok, output = sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                     "COPY (SELECT id, email FROM users ORDER BY id) TO STDOUT; COMMIT;")
    assert ok and "ada@coop.test" in output, output
    assert "default_transaction_read_only=on" in settings() and "work_mem=8MB" in settings()


def test_the_applications_session_open_at_the_freeze_was_ended():
    ok, output = sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%AS app_session' "
                     "AND pid <> pg_backend_pid()")
    assert ok and output.strip() == "0", output


def test_v2s_own_maintenance_mode_is_on_and_the_app_was_recreated_once():
    env = container_sh(GL, f"cat {ENV}")
    assert "\nMAINTENANCE_MODE=true\n" in env and "MAINTENANCE_MODE=false" not in env
    assert "SECRET_KEY_BASE=0f1e2d3c" in env
    assert container_sh(GL, "cat /root/greenlight/restarted") == "/root/greenlight\n"  # not again at idempotence
    state = container_sh(GL, f"cat {STATE_FILE}")
    assert "0f1e2d3c" not in state and json.loads(state)["greenlight"]["env_line"] == "MAINTENANCE_MODE=false"


def test_the_freeze_says_what_it_did():
    result = result_of(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
    assert {k: result[k] for k in ("action", "node", "kind", "database_read_only", "notice")} == {
        "action": "freeze", "node": GL, "kind": "greenlight", "database_read_only": True, "notice": "v2_env"}
    assert result["sessions_ended"] == 0 and result["warnings"] == []  # the idempotence run's: nothing again


def test_the_unfreeze_restores_the_database_and_the_env_exactly(tmp_path):
    result = run(tmp_path, maintenance_mode_action="unfreeze")
    assert result.returncode == 0, result.stdout + result.stderr
    assert sql(INSERT)[0]
    assert settings() == container_sh(GL, "cat /root/settings-before").strip() == "{work_mem=8MB}"
    assert container_sh(GL, "sha256sum -c /root/env-before.sha256").strip() == f"{ENV}: OK"
    assert container_sh(GL, "cat /root/greenlight/restarted") == "/root/greenlight\n" * 2
    assert container_sh(GL, f"ls {STATE_FILE} 2>&1 || true").count("No such file") == 1
    facts = result_of(tmp_path)
    assert facts["kind"] == "greenlight" and facts["configuration_as_before"] is True
    again = run(tmp_path / "again", maintenance_mode_action="unfreeze")
    assert again.returncode == 0 and "changed=0" in again.stdout, again.stdout


def test_an_unfreeze_names_an_env_edited_while_frozen(tmp_path):
    # v2 .env without the line: the freeze adds it, the unfreeze takes it away again.
    container_sh(GL, f"cp -p {ENV} /root/env-original && sed -i '/^MAINTENANCE_MODE=/d' {ENV} "
                     f"&& sha256sum {ENV} > /root/env-stripped.sha256")
    try:
        assert run(tmp_path / "freeze").returncode == 0
        assert container_sh(GL, f"tail -n 1 {ENV}") == "MAINTENANCE_MODE=true\n"
        container_sh(GL, f"echo 'MAINTENANCE_WINDOW=tonight' >> {ENV}")
        result = run(tmp_path / "unfreeze", maintenance_mode_action="unfreeze")
        output = result.stdout + result.stderr
        assert result.returncode != 0 and ENV in output and "member data can be changed again" in output, output
        assert "0f1e2d3c" not in output
        assert sql(INSERT)[0]
        container_sh(GL, f"sed -i '/^MAINTENANCE_WINDOW=tonight$/d' {ENV}")
        assert run(tmp_path / "again", maintenance_mode_action="unfreeze").returncode == 0
        assert container_sh(GL, "sha256sum -c /root/env-stripped.sha256").strip() == f"{ENV}: OK"
    finally:
        container_sh(GL, f"cp -p /root/env-original {ENV}")


def test_without_a_v2_env_nginx_in_front_shows_the_notice(tmp_path):
    include = "/etc/nginx/bbbmig-greenlight/maintenance.conf"
    inputs = {"maintenance_mode_greenlight_env_file": "/root/no-greenlight/.env",
              "maintenance_mode_greenlight_nginx_include": include}
    container_sh(GL, "systemd-run --unit=maintenance-mode-app-again runuser -u postgres -- "
                     "psql -X -d greenlight_production -c 'SELECT pg_sleep(3600) AS app_session'")
    container_sh(GL, "for i in $(seq 20); do runuser -u postgres -- psql -X -tA -d greenlight_production -c "
                     "\"SELECT 1 FROM pg_stat_activity WHERE query LIKE '%AS app_session' AND pid <> pg_backend_pid()\" "
                     "| grep -q 1 && exit 0; sleep 0.5; done; exit 1")
    assert run(tmp_path / "freeze", **inputs).returncode == 0
    facts = result_of(tmp_path / "freeze")
    assert facts["notice"] == "nginx" and facts["sessions_ended"] >= 1
    answer = container_sh(GL, "curl -sS -i http://127.0.0.1:8080/b/rooms")
    assert answer.startswith("HTTP/1.1 503") and "Retry-After: 3600" in answer
    assert "moving to its new home" in answer and "text/html" in answer
    assert not sql(INSERT)[0]
    result = run(tmp_path / "unfreeze", maintenance_mode_action="unfreeze", **inputs)
    assert result.returncode == 0, result.stdout + result.stderr
    assert container_sh(GL, "curl -sS http://127.0.0.1:8080/b/rooms") == "greenlight v2 standin"
    assert sql(INSERT)[0] and settings() == "{work_mem=8MB}"


BAD_INPUTS = {
    "database over ssh": ({"bbbmig_source_greenlight_db": {"access": "ssh", "database": "greenlight_production"}},
                          "maintenance_mode_greenlight_db.access is 'ssh'"),
    "database that does not answer": (
        {"bbbmig_source_greenlight_db": {"access": "local", "database": "greenlight_old", "user": "postgres"}},
        "the old Greenlight's database greenlight_old (local access) does not answer"),
    "unknown kind": ({"maintenance_mode_kind": "moodle"}, "maintenance_mode_kind"),
    # This host has no Docker: the default `docker compose up -d` cannot recreate v2 here.
    "restart command this host cannot run": (
        {"maintenance_mode_greenlight_restart_command": ["docker", "compose", "up", "-d"]},
        "maintenance_mode_greenlight_restart_command (docker compose up -d) cannot run on maintenance_mode-gl:"
        " `docker compose` does not answer"),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad input side by side, with the database's settings and the .env before and after them all."""
    jobs = {case: partial(run, tmp_path_factory.mktemp("bad"), **overrides)
            for case, (overrides, _) in BAD_INPUTS.items()}
    before = settings(), container_sh(GL, f"sha256sum {ENV}")
    return before, side_by_side(jobs, workers=3), (settings(), container_sh(GL, f"sha256sum {ENV}"))


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    assert_refused(results[case], BAD_INPUTS[case][1])
    assert after == before
