"""Bad input fails with a clear message before anything is written.

Each case runs the role again with ansible-playbook against the same two
containers, with inputs that differ from the scenario's in one respect, and
checks the message, changed=0 and that the target's live tables are unchanged.
(Other input checks are unit tested in tests/unit/test_greenlight_data.py:
each run here costs half a minute on a loaded machine.)
"""
import pytest
from conftest import TARGET, changed_hosts, playbook, sql, target_digest

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
}


def check_refused(tmp_path, allvars, message):
    before = target_digest()
    result = playbook(tmp_path, allvars)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert message in output, output
    assert changed_hosts(output) == set(), output
    assert target_digest() == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_writes_nothing(tmp_path, case):
    check_refused(tmp_path, *CASES[case])


def test_a_conflicting_target_account_under_the_fail_policy_is_refused(tmp_path):
    """Someone registered on the new platform with a member's email before the migration."""
    created = sql(TARGET, "SELECT created_at FROM users WHERE email = 'local1@example.org'")[0][0]
    sql(TARGET, "UPDATE users SET created_at = '2026-01-01' WHERE email = 'local1@example.org'")
    try:
        check_refused(tmp_path, {"greenlight_data_email_conflict_policy": "fail"},
                      "Email local1@example.org: the target already has an account under provider greenlight that"
                      " this migration did not create")
    finally:
        sql(TARGET, f"UPDATE users SET created_at = '{created}' WHERE email = 'local1@example.org'")
