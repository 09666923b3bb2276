"""Pure logic of the DNS cutover: input checks, each stage's updates, the TTL wait, the record."""
import sys
from pathlib import Path

import pytest

from dns_cutover import (dns_absolute, dns_cutover_next_state, dns_cutover_plan, dns_cutover_problems,
                         dns_rollback_target, dns_switch_target, dns_switch_wait, dns_ttl_target)

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "roles/dns_cutover/library"))
import dns_cutover_zone  # noqa: E402  (the role's own module, importable once its directory is on the path)

ZONE = "coop.test"
OLD = [
    {"name": "bbb.coop.test.", "type": "A", "ttl": 3600, "values": ["192.0.2.10"]},
    {"name": "bbb.coop.test.", "type": "TXT", "ttl": 3600, "values": ['"old"']},
    {"name": "demo.coop.test.", "type": "CNAME", "ttl": 3600, "values": ["bbb.coop.test."]},
    {"name": "gl.coop.test.", "type": "A", "ttl": 3600, "values": ["192.0.2.11"]},
    {"name": "gl.coop.test.", "type": "AAAA", "ttl": 3600, "values": ["2001:db8::11"]},
]
NAMES = ["bbb.coop.test.", "demo.coop.test.", "gl.coop.test."]


def test_names_are_made_absolute_inside_the_zone():
    assert dns_absolute("bbb", ZONE) == "bbb.coop.test."
    assert dns_absolute("BBB.Coop.Test", ZONE) == "bbb.coop.test."
    assert dns_absolute("@", "coop.test.") == "coop.test."
    assert dns_absolute("x.other.test.", ZONE) == "x.other.test."


def test_good_records_have_no_problem():
    records = [{"name": "bbb", "type": "A", "values": ["198.51.100.1"]},
               {"name": "gl.coop.test.", "type": "CNAME", "values": ["gl.new.test."]}]
    assert dns_cutover_problems(records, ZONE) == []


@pytest.mark.parametrize("record, message", [
    ({"name": "bbb.other.test.", "type": "A", "values": ["1.2.3.4"]}, "bbb.other.test. is outside the zone coop.test."),
    ({"name": "coop.test.", "type": "NS", "values": ["ns9.x."]}, "type NS cannot be moved"),
    ({"name": "bbb", "type": "A", "values": []}, "values must be a non-empty list"),
    ({"name": "bbb", "type": "CNAME", "values": ["a.", "b."]}, "a CNAME has exactly one value"),
    ({"name": "@", "type": "CNAME", "values": ["a."]}, "the zone apex cannot hold a CNAME"),
    ({"name": "bbb"}, "needs name, type and values"),
])
def test_each_bad_record_gets_one_clear_message(record, message):
    problems = dns_cutover_problems([record], ZONE)
    assert any(message in p for p in problems), problems


def test_a_cname_beside_other_data_and_duplicates_are_refused():
    problems = dns_cutover_problems([{"name": "x", "type": "CNAME", "values": ["a."]},
                                     {"name": "x", "type": "A", "values": ["192.0.2.1"]},
                                     {"name": "x", "type": "A", "values": ["192.0.2.2"]}], ZONE)
    assert any("listed twice" in p for p in problems)
    assert any("x.coop.test. gets a CNAME and A" in p for p in problems)


def test_bad_ttls_and_empty_inputs_are_refused():
    assert any("dns_cutover_low_ttl" in p for p in dns_cutover_problems([], ZONE, low_ttl=0))
    assert any("dns_cutover_records is empty" in p for p in dns_cutover_problems([], ZONE))
    assert any("dns_cutover_final_ttl" in p for p in dns_cutover_problems([], ZONE, final_ttl=10 ** 7))
    assert "is not a zone name" in dns_cutover_problems([], "")[0]


def test_prepare_lowers_every_ttl_at_the_names_and_leaves_short_ones():
    current = OLD + [{"name": "bbb.coop.test.", "type": "MX", "ttl": 60, "values": ["10 mx.coop.test."]},
                     {"name": "www.coop.test.", "type": "A", "ttl": 3600, "values": ["192.0.2.99"]}]
    plan = dns_cutover_plan(current, dns_ttl_target(current, NAMES, 300, True))
    assert [(p["name"], p["type"], p["ttl"], p["state"]) for p in plan] == [
        (r["name"], r["type"], 300, "present") for r in OLD]
    lowered = [dict(r, ttl=300) for r in current if r["name"] in NAMES and r["ttl"] > 300] + current[5:]
    assert dns_cutover_plan(lowered, dns_ttl_target(lowered, NAMES, 300, True)) == []


def test_switch_removes_what_a_cname_cannot_live_with_first():
    desired = [{"name": "bbb.coop.test.", "type": "A", "values": ["198.51.100.10"]},
               {"name": "gl.coop.test.", "type": "CNAME", "values": ["gl.new.test."]},
               {"name": "demo.coop.test.", "type": "A", "values": ["198.51.100.13", "198.51.100.12"]}]
    plan = dns_cutover_plan(OLD, dns_switch_target(OLD, desired, 300))
    assert [(p["state"], p["name"], p["type"]) for p in plan] == [
        ("absent", "demo.coop.test.", "CNAME"), ("absent", "gl.coop.test.", "A"), ("absent", "gl.coop.test.", "AAAA"),
        ("present", "bbb.coop.test.", "A"), ("present", "gl.coop.test.", "CNAME"), ("present", "demo.coop.test.", "A")]
    assert plan[-1]["values"] == ["198.51.100.12", "198.51.100.13"] and plan[-1]["ttl"] == 300
    assert "was 192.0.2.10 ttl 3600" in plan[3]["label"]


def test_a_switch_already_made_sends_nothing():
    desired = [{"name": "bbb.coop.test.", "type": "A", "values": ["198.51.100.10"]}]
    done = [{"name": "bbb.coop.test.", "type": "A", "ttl": 300, "values": ["198.51.100.10"]}] + OLD[1:]
    assert dns_cutover_plan(done, dns_switch_target(done, desired, 300)) == []


def test_rollback_restores_the_snapshot_exactly_and_removes_what_the_switch_added():
    switched = [{"name": "bbb.coop.test.", "type": "A", "ttl": 300, "values": ["198.51.100.10"]},
                {"name": "gl.coop.test.", "type": "CNAME", "ttl": 300, "values": ["gl.new.test."]}]
    plan = dns_cutover_plan(switched, dns_rollback_target(switched, OLD, NAMES))
    assert plan[0]["state"] == "absent" and (plan[0]["name"], plan[0]["type"]) == ("gl.coop.test.", "CNAME")
    restored = {(p["name"], p["type"], p["ttl"], tuple(p["values"])) for p in plan if p["state"] == "present"}
    assert restored == {(r["name"], r["type"], r["ttl"], tuple(r["values"])) for r in OLD}
    assert dns_cutover_plan(OLD, dns_rollback_target(OLD, OLD, NAMES)) == []


def test_switch_waits_one_old_ttl_after_prepare():
    state = {"prepared_at": 1_000_000, "old_ttl": 3600}
    early = dns_switch_wait(state, 1_000_100)
    assert not early["allowed"] and early["seconds_left"] == 3500
    assert "allowed from 1970-01-12T14:46:40Z (3500 s from now)" in early["reason"]
    assert dns_switch_wait(state, 1_003_600)["allowed"]
    assert dns_switch_wait(state, 1_000_002, override=2)["allowed"]
    assert "run the prepare stage first" in dns_switch_wait({}, 5)["reason"]


def test_the_record_keeps_the_first_snapshot_until_a_rollback():
    state = dns_cutover_next_state({}, "prepare", 100, OLD, [{"label": "x"}], NAMES, 1)
    assert state["prepared_at"] == 100 and state["old_ttl"] == 3600 and state["original"] == OLD
    assert dns_cutover_next_state(state, "prepare", 200, OLD, [], NAMES, 1) == state  # nothing sent, nothing new
    low = [dict(r, ttl=300) for r in OLD]
    switched = dns_cutover_next_state(state, "switch", 300, low, [{"label": "y"}], NAMES, 7)
    assert switched["snapshot"] == low and switched["snapshot_serial"] == 7
    half = [{"name": "bbb.coop.test.", "type": "A", "ttl": 300, "values": ["198.51.100.10"]}]
    again = dns_cutover_next_state(switched, "switch", 400, half, [{"label": "z"}], NAMES, 8)
    assert again["snapshot"] == low  # a re-run after a failed switch keeps the original snapshot
    rolled = dns_cutover_next_state(again, "rollback", 500, half, [{"label": "r"}], NAMES, 9)
    assert dns_cutover_next_state(rolled, "switch", 600, low, [{"label": "s"}], NAMES, 10)["snapshot_at"] != switched["snapshot_at"]
    assert [h["stage"] for h in rolled["history"]] == ["prepare", "switch", "switch", "rollback"]


def test_module_normalises_values_and_names():
    assert dns_cutover_zone.absolute("bbb", "coop.test") == "bbb.coop.test."
    assert dns_cutover_zone.canonical("CNAME", "gl", "coop.test.") == "gl.coop.test."
    assert dns_cutover_zone.canonical("AAAA", "2001:DB8:0::1") == "2001:db8::1"
    assert dns_cutover_zone.canonical("TXT", "hello") == '"hello"'


def test_module_reports_each_difference_of_a_nameserver():
    expected = [{"name": "bbb.coop.test.", "type": "A", "values": ["198.51.100.10"], "ttl": 300}]
    absent = [{"name": "gl.coop.test.", "type": "A"}]
    good = {"serial": 12, "bbb.coop.test. A": {"ttl": 300, "values": ["198.51.100.10"]}, "gl.coop.test. A": None}
    assert dns_cutover_zone.compare_answers(expected, absent, 12, good) == []
    stale = {"serial": 11, "bbb.coop.test. A": {"ttl": 3600, "values": ["192.0.2.10"]},
             "gl.coop.test. A": {"ttl": 300, "values": ["192.0.2.11"]}}
    assert dns_cutover_zone.compare_answers(expected, absent, 12, stale) == [
        "SOA serial 11 < 12", "bbb.coop.test. A: answers 192.0.2.10 (expected 198.51.100.10)",
        "gl.coop.test. A: still answers 192.0.2.11"]
    assert dns_cutover_zone.compare_answers(expected, absent, 12, {"serial": "no answer (Timeout)"}) == [
        "no answer (Timeout)"]


def test_module_lists_each_nameserver_that_does_not_answer():
    """What a switch is refused for (tasks/validate.yml): every address without an SOA answer, by name."""
    zone = dns_cutover_zone.Zone.__new__(dns_cutover_zone.Zone)
    zone.answers = lambda address, expected, absent: (
        {"serial": 7} if address == "192.0.2.1" else {"serial": "no answer (Timeout)"})
    servers = [{"name": "ns1.coop.test.", "addresses": ["192.0.2.1"]},
               {"name": "ns2.coop.test.", "addresses": ["192.0.2.1", "192.0.2.2"]},
               {"name": "ns3.other.test.", "addresses": []}]
    assert zone.silent(servers) == ["ns2.coop.test. (192.0.2.2): no answer (Timeout)",
                                    "ns3.other.test.: no address found for it"]
    assert zone.silent(servers[:1]) == []


def test_serials_compare_in_serial_arithmetic():
    assert dns_cutover_zone.serial_reached(2026010112, 2026010112)
    assert dns_cutover_zone.serial_reached(5, 2 ** 32 - 10)  # wrapped past zero: later
    assert not dns_cutover_zone.serial_reached(2026010111, 2026010112)


def test_redirect_records_point_every_old_name_at_the_redirecting_host():
    """The contract's hostname map and the new Greenlight host's addresses give the records."""
    from dns_cutover import dns_redirect_records
    records = dns_redirect_records({"meet.coop.test": {"greenlight": "meet.newcoop.test"},
                                    "BBB.coop.test.": {"bbb": "bbb.newcoop.test"}},
                                   ["198.51.100.10", "2001:db8::10"])
    assert records == [
        {"name": "bbb.coop.test.", "type": "A", "values": ["198.51.100.10"]},
        {"name": "bbb.coop.test.", "type": "AAAA", "values": ["2001:db8::10"]},
        {"name": "meet.coop.test.", "type": "A", "values": ["198.51.100.10"]},
        {"name": "meet.coop.test.", "type": "AAAA", "values": ["2001:db8::10"]}]
    assert dns_cutover_problems(records, "coop.test") == []
    assert dns_redirect_records({"a.coop.test": {}}, ["192.0.2.1"]) == [
        {"name": "a.coop.test.", "type": "A", "values": ["192.0.2.1"]}]
    assert dns_redirect_records({}, ["192.0.2.1"]) == [] and dns_redirect_records({"a.x": {}}, []) == []
