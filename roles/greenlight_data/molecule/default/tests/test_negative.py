"""Bad input fails with a clear message before anything is written.

The cases run as the plays of one ansible-playbook run against the same two
containers (a run each would cost half a minute apiece on a loaded machine),
each play with inputs that differ from the scenario's in one respect: the
role's failure is rescued and its message saved per case and host. Then each
case's message is checked, the run's PLAY RECAP says changed=0 on both hosts,
and the target's live tables are the same as before the cases. A case's play
starts with the results earlier cases registered on the hosts, which a real
run never has: they could only carry a run further than it should go, and
any write would show in the target's digest. (Other input checks are unit
tested in tests/unit/test_greenlight_data.py.)
"""
import json

import pytest
import yaml
from conftest import ROLE_DIR, SOURCE, TARGET, changed_hosts, inventory, sql, target_digest
from bbbmig_testing import playbook_env, run_playbook

# Someone registered on the new platform with a member's email before the migration: local1's account
# on the target is no longer one this migration created (its created_at differs from the source's).
CONFLICT_SETUP = "UPDATE users SET created_at = '2026-01-01' WHERE email = 'local1@example.org'"

CASES = {
    "target database is not Greenlight": (
        {"greenlight_data_target_db": {"access": "local", "database": "not_greenlight", "user": "postgres"}},
        "holds neither a Greenlight v2 nor a v3 database; mode v2_to_v3 needs Greenlight v3 there"),
    "source database is not Greenlight": (
        {"greenlight_data_source_db": {"access": "local", "database": "postgres", "user": "postgres"}},
        "The source database postgres on greenlight_data-source holds neither a Greenlight v2 nor a v3 database"),
    "missing credentials": (
        {"greenlight_data_target_db": {"access": "tcp", "host": "greenlight_data-target", "database": "greenlight_v3",
                                       "user": "greenlight"}},
        "greenlight_data_target_db.password is empty: access tcp needs host, user and password"),
    "two source accounts under the fail policy": (
        {"greenlight_data_email_conflict_policy": "fail"},
        "Email twin+gl@example.org: source accounts 2 (greenlight), 6 (openid_connect) all map to provider greenlight"),
    "a conflicting target account under the fail policy": (
        {"greenlight_data_email_conflict_policy": "fail"},
        "Email local1@example.org: the target already has an account under provider greenlight that"
        " this migration did not create"),
    "provider not mapped": (
        {"greenlight_data_provider_map": {"greenlight": "greenlight"}},
        "Source provider 'openid_connect'"),
    "v3_to_v3 from a v2 database": (
        {"greenlight_data_mode": "v3_to_v3"},
        "The source database greenlight_production on greenlight_data-source holds a Greenlight v2 database;"
        " mode v3_to_v3 needs Greenlight v3 there"),
    "bad argument type": (
        {"greenlight_data_pause": "lots"},
        "greenlight_data_pause"),
    "filling recordings in v3_to_v3": (
        {"greenlight_data_mode": "v3_to_v3", "greenlight_data_fill_recordings": True,
         "greenlight_data_recordings_hosts": [TARGET]},
        "greenlight_data_fill_recordings needs mode v2_to_v3"),
}
SETUP = {"a conflicting target account under the fail policy": CONFLICT_SETUP}
PSQL = ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "greenlight_v3", "-c"]


def case_play(number, case):
    """One play: the role with the case's inputs, its failure rescued and its message kept (case_failures)."""
    allvars, _ = CASES[case]
    steps = []
    if case in SETUP:
        steps.append({"name": "Prepare the case", "ansible.builtin.command": {"argv": PSQL + [SETUP[case]]},
                      "when": f"inventory_hostname == '{TARGET}'", "changed_when": False})
    steps.append({"name": "Run the role", "ansible.builtin.include_role": {"name": "greenlight_data"}})
    play = {"name": f"Case {number}: {case}", "hosts": "source_greenlight:target_greenlight", "gather_facts": False,
            "vars": allvars,
            "tasks": [{"name": "Run the case", "block": steps, "rescue": [{
                "name": "Keep the failure's message",
                "ansible.builtin.set_fact": {"case_failures": "{{ case_failures | default({}) | combine({'%d':"
                                             " ansible_failed_result.msg | default('') | string}) }}" % number}}]}]}
    if case in SETUP:
        restore = (f"UPDATE users SET created_at = '{sql(TARGET, _CREATED)[0][0]}'"
                   " WHERE email = 'local1@example.org'")
        play["tasks"][0]["always"] = [{"name": "Undo the case's preparation", "changed_when": False,
                                       "ansible.builtin.command": {"argv": PSQL + [restore]},
                                       "when": f"inventory_hostname == '{TARGET}'"}]
    return play


_CREATED = "SELECT created_at FROM users WHERE email = 'local1@example.org'"


@pytest.fixture(scope="module")
def refused(tmp_path_factory):
    """Every case in one ansible-playbook run: (output, {case: [failure messages]}, target unchanged)."""
    tmp_path = tmp_path_factory.mktemp("negative")
    results = tmp_path / "failures.json"
    cases = sorted(CASES)
    save = {"name": "Save the failures", "hosts": "localhost", "gather_facts": False, "tasks": [{
        "name": "Write them where the test reads them", "ansible.builtin.copy": {
            "dest": str(results), "mode": "0600",
            "content": "{{ {'%s': hostvars['%s'].case_failures | default({}), '%s': hostvars['%s'].case_failures"
                       " | default({})} | to_json }}" % (SOURCE, SOURCE, TARGET, TARGET)}}]}
    (tmp_path / "cases.yml").write_text(yaml.safe_dump([case_play(n, c) for n, c in enumerate(cases)] + [save],
                                                       sort_keys=False))
    before = target_digest()
    run = run_playbook(tmp_path, inventory(), tmp_path / "cases.yml",
                       env=playbook_env(ROLE_DIR))
    after = target_digest()
    saved = json.loads(results.read_text()) if results.exists() else {}
    failures = {case: [host[str(n)] for host in saved.values() if str(n) in host] for n, case in enumerate(cases)}
    return run.stdout + run.stderr, failures, before == after


def test_the_cases_change_nothing(refused):
    output, _, unchanged = refused
    assert "PLAY RECAP" in output, output
    assert changed_hosts(output) == set(), output
    assert unchanged


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_writes_nothing(refused, case):
    _, failures, _ = refused
    assert failures[case], f"the role did not fail for {case!r}"
    assert any(CASES[case][1] in str(msg) for msg in failures[case]), failures[case]
