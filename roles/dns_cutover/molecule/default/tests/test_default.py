"""After converge (prepare, then switch): both BIND servers answer the new records with the low TTL,
the untouched records are untouched, and the controller's record holds the snapshot taken before the switch."""
import json
import os
from pathlib import Path

import pytest

STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
RECORD = STATE / "records" / "dns_cutover" / "coop.test.json"
MOVED = ("bbb.coop.test.", "demo.coop.test.", "greenlight.coop.test.")


def answers(host, name, rdtype="ANY"):
    """Sorted (name, ttl, type, value) lines the nameserver itself answers (no recursion)."""
    out = host.check_output(f"dig +norec +noall +answer @127.0.0.1 {name} {rdtype}")
    return sorted(tuple(line.split(None, 4)[i] for i in (0, 1, 3, 4)) for line in out.splitlines() if line)


def zone_lines(text, names):
    """(name, ttl, type, value) of an AXFR listing, for the given names only."""
    rows = [line.split(None, 4) for line in text.splitlines() if line.strip()]
    return sorted((r[0], r[1], r[3], r[4]) for r in rows if r[0] in names)


def test_both_nameservers_answer_the_new_records_with_the_low_ttl(host):
    assert answers(host, "bbb.coop.test") == [
        ("bbb.coop.test.", "300", "A", "198.51.100.10"),
        ("bbb.coop.test.", "300", "AAAA", "2001:db8:1::10"),
        ("bbb.coop.test.", "300", "TXT", '"old platform"'),  # not moved, TTL lowered with its name
    ]
    # an A became a CNAME (the A was removed first) and a CNAME became two A records
    assert answers(host, "greenlight.coop.test") == [("greenlight.coop.test.", "300", "CNAME", "gl.newcoop.test.")]
    assert answers(host, "demo.coop.test") == [
        ("demo.coop.test.", "300", "A", "198.51.100.12"), ("demo.coop.test.", "300", "A", "198.51.100.13")]


def test_records_not_moved_are_untouched(host):
    assert answers(host, "www.coop.test") == [("www.coop.test.", "3600", "A", "192.0.2.99")]


def test_secondary_has_the_primary_serial(host):
    serial = host.check_output("dig +short +norec @127.0.0.1 coop.test SOA").split()[2]
    primary = host.check_output("dig +short +norec @dns_cutover-ns1 coop.test SOA").split()[2]
    assert serial == primary and int(serial) > 2026010101


def test_record_is_private_and_holds_the_snapshot_taken_before_the_switch(host):
    if host.backend.get_hostname() != "dns_cutover-ns1":
        pytest.skip("controller file, checked once")
    assert RECORD.stat().st_mode & 0o777 == 0o600 and RECORD.parent.stat().st_mode & 0o777 == 0o700
    record = json.loads(RECORD.read_text())
    before = zone_lines((STATE / "zone-before-switch.txt").read_text(), MOVED)
    saved = sorted((r["name"], str(r["ttl"]), r["type"], v) for r in record["snapshot"] for v in r["values"])
    assert saved == before
    assert record["old_ttl"] == 3600 and record["stage"] == "switch"
    assert [h["stage"] for h in record["history"]] == ["prepare", "switch"]  # the idempotence run sent nothing


def test_switch_result_names_every_verified_nameserver(host):
    if host.backend.get_hostname() != "dns_cutover-ns1":
        pytest.skip("controller file, checked once")
    result = json.loads((STATE / "switch-result.json").read_text())
    assert result["verified"] is True
    assert result["verified_on"] == ["ns1.coop.test.", "ns2.coop.test."]
    assert "TSIG" not in json.dumps(result) and "llt/Xkp" not in json.dumps(result)
