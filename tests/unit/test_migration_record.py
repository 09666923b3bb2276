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


def test_flatten_facts_makes_dotted_rows_and_cuts_long_lists():
    from migration_record import flatten_facts

    data = {"source_bbb": {"old1": {"recordings": 3, "formats": {"video": {"bytes": 10}}}},
            "ids": list(range(25)), "none": None}
    rows = flatten_facts(data)
    assert ("source_bbb.old1.recordings", "3") in rows
    assert ("source_bbb.old1.formats.video.bytes", "10") in rows
    assert ("none", "") in rows
    ids = dict(rows)["ids"]
    assert ids.startswith("0, 1, 2") and ids.endswith("(+5 more)")


def test_phase_duration():
    from migration_record import phase_duration

    assert phase_duration({"started": "2026-11-24T08:00:00Z", "finished": "2026-11-24T08:01:30Z"}) == 90
    assert phase_duration({"started": "2026-11-24T08:00:00Z", "finished": None}) is None


def test_facts_by_host_names_each_host_once_in_order():
    from migration_record import facts_by_host
    hostvars = {"a": {"fact": {"n": 1}}, "b": {}, "c": {"fact": {"n": 3}}}
    assert facts_by_host(["c", "a", "b", "a"], hostvars, "fact") == {"c": {"n": 3}, "a": {"n": 1}, "b": {}}
    assert list(facts_by_host(["c", "a"], hostvars, "fact")) == ["c", "a"]
