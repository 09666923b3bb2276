"""filter_plugins/decommission.py: which names and addresses lead to an old host, the
nameservers' answers that still do, the cutover and grace check, the migrated counts
against the target's, the certificates kept, and the PostgreSQL command lines."""
from datetime import datetime, timezone

import pytest

import decommission as d

SNAPSHOT = [
    {"name": "bbb.coop.test.", "type": "A", "ttl": 300, "values": ["203.0.113.5"]},
    {"name": "bbb.coop.test.", "type": "TXT", "ttl": 300, "values": ['"203.0.113.9"']},
    {"name": "demo.coop.test.", "type": "A", "ttl": 300, "values": ["203.0.113.5"]},
    {"name": "meet.coop.test.", "type": "A", "ttl": 300, "values": ["203.0.113.7"]},
]
MAP = {"bbb.coop.test": {"bbb": "bbb.new.test"}, "demo.coop.test": {"greenlight": "gl.new.test"},
       "meet.coop.test": {"greenlight": "gl.new.test"}}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def cutover(**over):
    record = {"phase": "40-cutover", "result": "ok", "finished": "2026-11-01T12:00:00Z",
              "data": {"dns": {"verified": True}}}
    record.update(over)
    return {"40-cutover": record}


def test_the_public_address_behind_nat_comes_from_the_snapshot():
    assert d.decommission_old_addresses(["10.0.0.5", "fe80::1"], SNAPSHOT, "bbb.coop.test") == \
        ["10.0.0.5", "203.0.113.5", "fe80::1"]
    assert d.decommission_old_addresses(["10.0.0.5"], SNAPSHOT, "other.coop.test") == ["10.0.0.5"]


def test_names_are_the_public_one_and_the_old_names_that_pointed_here():
    assert d.decommission_names("bbb.coop.test.", MAP, SNAPSHOT, ["203.0.113.5"]) == ["bbb.coop.test", "demo.coop.test"]
    assert d.decommission_names("meet.coop.test", MAP, SNAPSHOT, ["203.0.113.7"]) == ["meet.coop.test"]
    # a TXT value that looks like the address does not count
    assert d.decommission_names("x.coop.test", MAP, SNAPSHOT, ["203.0.113.9"]) == ["x.coop.test"]


def test_a_name_still_answering_the_old_address_on_one_nameserver_is_named():
    answers = {"ns1.coop.test. (192.0.2.53)": {"bbb.coop.test": ["192.0.2.10"]},
               "ns2.coop.test. (198.51.100.53)": {"bbb.coop.test": ["203.0.113.5"]}}
    assert d.decommission_still_resolving(answers, ["bbb.coop.test"], ["203.0.113.5"]) == \
        ["bbb.coop.test on ns2.coop.test. (198.51.100.53) still answers 203.0.113.5"]


def test_a_nameserver_that_does_not_answer_is_a_problem_and_other_zones_are_not():
    answers = {"ns1 (192.0.2.53)": {"bbb.coop.test": "no answer (Timeout)"},
               "ns.other (192.0.2.54)": {"x.other.test": []}}
    problems = d.decommission_still_resolving(answers, ["bbb.coop.test", "x.other.test"], ["203.0.113.5"])
    assert problems == ["bbb.coop.test on ns1 (192.0.2.53): no answer (Timeout), so it cannot be shown not to lead here"]


def test_names_leading_elsewhere_or_nowhere_pass():
    answers = {"ns1 (192.0.2.53)": {"bbb.coop.test": ["192.0.2.10"], "demo.coop.test": []}}
    assert d.decommission_still_resolving(answers, ["bbb.coop.test", "demo.coop.test"], ["203.0.113.5"]) == []


def test_a_verified_cutover_past_its_grace_period_allows_a_decommission():
    assert d.decommission_cutover_problems(cutover(), 30, NOW) == []


@pytest.mark.parametrize("phases, grace, message", [
    ({}, 0, "no 40-cutover phase"),
    (cutover(result="rolled_back"), 0, "result is 'rolled_back'"),
    (cutover(data={"dns": {"verified": False}}), 0, "not recorded as verified"),
    (cutover(data={}), 0, "not recorded as verified"),
    (cutover(finished=None), 0, "no end time"),
    (cutover(), 31, "grace period of 31 day(s) after the cutover (2026-11-01T12:00:00Z) has not passed: "
                    "wait until 2026-12-02T12:00:00Z"),
])
def test_each_cutover_problem_has_its_message(phases, grace, message):
    problems = d.decommission_cutover_problems(phases, grace, NOW)
    assert any(message in p for p in problems), problems


def test_migrated_counts_come_from_the_cutover_then_from_30_members():
    members = {"data": {"greenlight": {"verification": {"users": {"eligible": 194, "present": 194},
                                                        "rooms": {"eligible": 366, "present": 366}}}}}
    late = {"data": {"members": {"verification": {"users": {"present": 195}, "rooms": {"present": 367}}}}}
    assert d.decommission_migrated_counts({"30-members": members}) == {"users": 194, "rooms": 366}
    assert d.decommission_migrated_counts({"30-members": members, "40-cutover": late}) == {"users": 195, "rooms": 367}
    assert d.decommission_migrated_counts({"40-cutover": {"data": {"members": {}}}}) == {}


def test_a_target_holding_fewer_than_migrated_is_named():
    assert d.decommission_count_problems({"users": 194, "rooms": 366}, {"users": 200, "rooms": 366}) == []
    assert d.decommission_count_problems({"users": 194, "rooms": 366}, {"users": 193, "rooms": 400}) == \
        ["the new Greenlight database holds 193 users, fewer than the 194 migrated"]
    assert "no migrated counts" in d.decommission_count_problems({}, {"users": 1, "rooms": 1})[0]


def test_certificates_with_migrated_names_or_living_elsewhere_are_kept():
    certs = d.decommission_certificates(["bbb.coop.test bbb.coop.test", "ops.coop.test ops.coop.test",
                                         "old.coop.test old.coop.test", ""])
    assert certs == {"bbb.coop.test": ["bbb.coop.test"], "ops.coop.test": ["ops.coop.test"],
                     "old.coop.test": ["old.coop.test"]}
    answers = {"ns1 (192.0.2.53)": {"ops.coop.test": ["192.0.2.99"], "old.coop.test": ["203.0.113.5"]}}
    assert d.decommission_kept_certificates(certs, MAP, "bbb.coop.test", answers, ["203.0.113.5"]) == \
        ["bbb.coop.test (bbb.coop.test)", "ops.coop.test (ops.coop.test)"]


@pytest.mark.parametrize("db, program, argv", [
    ({"access": "docker", "container": "greenlight-db", "database": "gl", "user": "postgres"}, "pg_dump",
     ["docker", "exec", "-i", "greenlight-db", "pg_dump", "--format=custom", "-U", "postgres", "-d", "gl"]),
    ({"access": "local", "database": "gl"}, "psql",
     ["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "gl"]),
    ({"access": "tcp", "host": "db", "database": "gl", "user": "gl", "password": "s3cret"}, "pg_dump",
     ["pg_dump", "-h", "db", "-p", "5432", "--format=custom", "-U", "gl", "-d", "gl"]),
])
def test_pg_command_lines(db, program, argv):
    assert d.decommission_pg_argv(db, program) == argv
    assert "s3cret" not in d.decommission_pg_argv(db, program)


def test_unknown_access_or_program_is_an_error():
    with pytest.raises(ValueError):
        d.decommission_pg_argv({"access": "ssh", "database": "gl"})
    with pytest.raises(ValueError):
        d.decommission_pg_argv({"access": "local", "database": "gl"}, "pg_restore")
