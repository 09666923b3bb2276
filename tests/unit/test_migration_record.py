from migration_record import record_problems


def test_no_requirements_means_no_problem():
    assert record_problems({}, []) == []


def test_each_kind_of_unfinished_phase_is_named():
    record = {
        "00-preflight": {"result": "ok"},
        "20-presync": {"result": "running", "started": "2026-11-24T08:00:00Z"},
        "30-members": {"result": "failed"},
    }
    assert record_problems(record, ["00-preflight", "20-presync", "30-members", "40-cutover"]) == [
        "20-presync started 2026-11-24T08:00:00Z but did not finish (re-run it)",
        "30-members finished with result 'failed'",
        "40-cutover has not run (run playbooks/40-cutover.yml first)",
    ]
