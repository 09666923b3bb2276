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


PHASES = [{"phase": "00-preflight", "requires": []},
          {"phase": "10-provision", "requires": ["00-preflight"]},
          {"phase": "20-presync", "requires": ["00-preflight"]},
          {"phase": "30-members", "requires": ["00-preflight"]},
          {"phase": "40-cutover", "requires": ["00-preflight", "10-provision", "20-presync", "30-members"]}]


def entry(result, started="2026-11-24T08:00:00Z", finished="2026-11-24T08:01:30Z", **extra):
    return {"result": result, "started": started, "finished": finished, "runs": 1, "data": {}, **extra}


def next_phase(rows):
    return [row["phase"] for row in rows if row["next"]]


def test_record_status_without_a_record_proposes_preflight():
    from migration_record import record_status

    rows = record_status({}, PHASES)
    assert [(r["phase"], r["result"], r["duration"]) for r in rows] == [
        (p["phase"], "not run", None) for p in PHASES]
    assert next_phase(rows) == ["00-preflight"]


def test_record_status_proposes_the_first_unfinished_phase_whose_requirements_are_met():
    from migration_record import record_status

    record = {"00-preflight": entry("ok"), "20-presync": entry("ok")}
    rows = record_status(record, PHASES)
    assert next_phase(rows) == ["10-provision"]
    assert rows[0]["duration"] == 90 and rows[0]["done"]
    record.update({"10-provision": entry("ok"), "30-members": entry("ok")})
    assert next_phase(record_status(record, PHASES)) == ["40-cutover"]
    record["40-cutover"] = entry("ok")
    assert next_phase(record_status(record, PHASES)) == []


def test_record_status_failed_running_and_rolled_back_phases_come_next():
    from migration_record import record_status

    record = {"00-preflight": entry("ok"), "10-provision": entry("failed")}
    assert next_phase(record_status(record, PHASES)) == ["10-provision"]
    record = {p["phase"]: entry("ok") for p in PHASES} | {"40-cutover": entry("rolled_back")}
    assert next_phase(record_status(record, PHASES)) == ["40-cutover"]
    record = {"00-preflight": entry("ok"), "10-provision": entry("running", finished=None)}
    rows = record_status(record, PHASES, now="2026-11-24T08:05:00Z")
    assert next_phase(rows) == ["10-provision"]
    assert (rows[1]["duration"], rows[1]["so_far"], rows[1]["done"]) == (None, 300, False)


def test_a_phase_is_not_proposed_while_its_requirements_are_unmet():
    from migration_record import record_status

    # 00-preflight itself is open: nothing else may run, and it is the one proposed.
    rows = record_status({"00-preflight": entry("running", finished=None)}, PHASES)
    assert next_phase(rows) == ["00-preflight"]
    assert rows[1]["problems"] == ["00-preflight started 2026-11-24T08:00:00Z but did not finish (re-run it)"]
    # A requirement outside the listed phases can block everything.
    rows = record_status({}, [{"phase": "20-presync", "requires": ["00-preflight"]}])
    assert next_phase(rows) == []


def test_a_dry_run_is_shown_and_is_not_done():
    from migration_record import is_dry_run, record_status

    dry = entry("ok", data={"greenlight": {"dry_run": True, "users": 3}})
    assert is_dry_run(dry) and is_dry_run(entry("ok", dry_run=True)) and is_dry_run(entry("ok", data={"dry_run": True}))
    assert not is_dry_run(entry("ok", data={"greenlight": {"dry_run": False}})) and not is_dry_run(None)
    record = {"00-preflight": entry("ok"), "10-provision": entry("ok"), "20-presync": entry("ok"), "30-members": dry}
    rows = record_status(record, PHASES)
    assert rows[3]["dry_run"] and not rows[3]["done"]
    assert next_phase(rows) == ["30-members"]


def test_phases_only_in_the_record_follow_and_are_never_proposed():
    from migration_record import record_status

    rows = record_status({"50-notify": entry("failed"), "00-preflight": entry("ok")}, PHASES[:1])
    assert [r["phase"] for r in rows] == ["00-preflight", "50-notify"]
    assert rows[1]["problems"] is None and next_phase(rows) == []


def test_format_duration():
    from migration_record import format_duration

    assert [format_duration(s) for s in (None, 0, 59, 90, 3725, 90000)] == [
        "", "0s", "59s", "1m30s", "1h02m05s", "25h00m00s"]


def test_record_status_lines_table_and_next():
    from migration_record import record_status, record_status_lines

    record = {"00-preflight": entry("ok"), "10-provision": entry("ok"), "20-presync": entry("ok"),
              "30-members": entry("ok", data={"greenlight": {"dry_run": True}})}
    lines = record_status_lines(record_status(record, PHASES), "/rec/x")
    assert lines[0] == "Record directory /rec/x"
    assert lines[1].split() == ["phase", "result", "started", "UTC", "finished", "UTC", "duration"]
    assert lines[3].split() == ["00-preflight", "ok", "2026-11-24", "08:00", "2026-11-24", "08:01", "1m30s"]
    assert lines[6].split()[:3] == ["30-members", "ok", "(dry"]
    assert lines[7].split() == ["40-cutover", "not", "run", "-", "-", "-"]
    assert lines[8:] == ["Next is 30-members, only a dry run so far: run it for real."]
    # Short enough that Ansible's YAML output does not fold a row.
    assert max(len(line) for line in lines[1:8]) <= 76


def test_record_status_lines_without_a_record_and_when_all_done():
    from migration_record import record_status, record_status_lines

    lines = record_status_lines(record_status({}, PHASES), "/rec/x", exists=False)
    assert lines[:2] == ["No migration record yet: nothing has run.", "Record directory (none yet) /rec/x"]
    assert lines[-1] == "Next is 00-preflight (playbooks/00-preflight.yml)."
    done = {p["phase"]: entry("ok") for p in PHASES}
    assert record_status_lines(record_status(done, PHASES), "/rec/x")[-1] == "Every phase finished ok: nothing to run next."
    lines = record_status_lines(record_status({}, PHASES[2:3]), "/rec/x")
    assert lines[-2:] == ["No phase may run; 20-presync waits:",
                          "00-preflight has not run (run playbooks/00-preflight.yml first)"]
    record = {"00-preflight": entry("ok"), "10-provision": entry("running", finished=None)}
    lines = record_status_lines(record_status(record, PHASES, now="2026-12-01T08:00:00Z"), "/rec/x")
    assert rows_of(lines)["10-provision"] == ["running", "2026-11-24", "08:00", "-", "168h00m00s+"]
    assert lines[-2:] == ["Next is 10-provision, started 2026-11-24 08:00 UTC and not finished.",
                          "Unless a run of it is under way, it stopped half-way: re-run it."]
    assert max(len(line) for line in lines[1:]) <= 76


def rows_of(lines):
    return {line.split()[0]: line.split()[1:] for line in lines if line[:2].isdigit()}
