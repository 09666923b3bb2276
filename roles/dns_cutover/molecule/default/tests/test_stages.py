"""Every stage and fault case, run from the controller with ansible-playbook against the scenario's
two BIND servers (after converge left the zone switched). The tests run in file order:
refusals first (nothing may change; they run side by side), then rollback, switches with the secondary down before and
during them, finalize."""
import hashlib
import json
import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
RECORD_DIR = STATE / "records"
RECORD = RECORD_DIR / "dns_cutover" / "coop.test.json"
LAB = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]["group_vars"]["all"]
KEY = f"hmac-sha256:{LAB['lab_bind_tsig_name']}:{LAB['lab_bind_tsig_secret']}"
MOVED = ("bbb.coop.test.", "demo.coop.test.", "greenlight.coop.test.")
SWITCH = [
    {"name": "bbb", "type": "A", "values": ["198.51.100.10"]},
    {"name": "bbb", "type": "AAAA", "values": ["2001:db8:1::10"]},
    {"name": "greenlight", "type": "CNAME", "values": ["gl.newcoop.test."]},
    {"name": "demo.coop.test.", "type": "A", "values": ["198.51.100.12", "198.51.100.13"]},
]


def address(container):
    return subprocess.run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                           container], capture_output=True, text=True, check=True).stdout.strip()


def run_stage(tmp_path, stage, check=False, background=False, **overrides):
    """Run the role's ``stage`` on the controller; returns (rc, output), or the Popen with ``background``."""
    role_vars = {
        "dns_cutover_stage": stage, "dns_cutover_zone": "coop.test", "dns_cutover_primary": address("dns_cutover-ns1"),
        "dns_cutover_tsig_name": LAB["lab_bind_tsig_name"], "dns_cutover_tsig_secret": LAB["lab_bind_tsig_secret"],
        "dns_cutover_record_dir": str(RECORD_DIR), "dns_cutover_records": SWITCH,
        "dns_cutover_wait_seconds": 0, "dns_cutover_verify_timeout": 30,
    }
    role_vars.update(overrides)
    play = [{"name": f"DNS cutover stage {stage}", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "Run the stage", "ansible.builtin.include_role": {"name": "dns_cutover"}, "vars": role_vars}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    result = run_playbook(tmp_path, "localhost,", tmp_path / "play.yml", ["--check"] if check else [], timeout=300,
                          background=background)
    if background:
        return result
    return result.returncode, result.stdout + result.stderr


def zone_digest():
    """The whole zone as the primary serves it (SOA serial included): any update changes it."""
    out = subprocess.run(["docker", "exec", "dns_cutover-ns1", "dig", "+noall", "+answer", "+onesoa", "@127.0.0.1",
                          "-y", KEY, "coop.test", "AXFR"], capture_output=True, text=True, check=True).stdout
    assert "SOA" in out
    return hashlib.sha256(out.encode()).hexdigest()


def at_names(container):
    """(name, ttl, type, value) of every record at the moved names, as ``container`` answers (no recursion);
    one dig asks for all of them (its options before the first name apply to every question)."""
    questions = [arg for name in MOVED for arg in (name, "ANY")]
    out = subprocess.run(["docker", "exec", container, "dig", "+norec", "+noall", "+answer", "@127.0.0.1", *questions],
                         capture_output=True, text=True, check=True).stdout
    rows = [line.split(None, 4) for line in out.splitlines() if line.strip()]
    assert {r[0] for r in rows} <= set(MOVED), out  # an answer to each question asked, nothing else
    return sorted((r[0], r[1], r[3], r[4]) for r in rows)


def before_switch():
    rows = [line.split(None, 4) for line in (STATE / "zone-before-switch.txt").read_text().splitlines() if line.strip()]
    return sorted((r[0], r[1], r[3], r[4]) for r in rows if r[0] in MOVED)


def unchanged(output):
    return "changed=0" in output and "changed=1" not in output


WRONG_SECRET = "d3Jvbmcgc2VjcmV0IGZvciB0aGUgbGFiIGtleQ=="
TOO_SOON, WRONG_KEY, OUTSIDE, CHECK = "switch too soon", "wrong TSIG key", "record outside the zone", "rollback --check"


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """The runs that must change nothing, side by side: a switch right after a fresh prepare (its own record),
    a rollback signed with a wrong key, a switch with a record outside the zone, a rollback under --check.
    Returns (zone and record before them all, {case: (rc, output)}, zone and record after them all)."""
    fresh = tmp_path_factory.mktemp("fresh") / "record"
    rc, out = run_stage(tmp_path_factory.mktemp("prepare"), "prepare", dns_cutover_record_dir=str(fresh),
                        dns_cutover_low_ttl=60)
    assert rc == 0, out
    jobs = {
        TOO_SOON: partial(run_stage, tmp_path_factory.mktemp("too-soon"), "switch", dns_cutover_record_dir=str(fresh),
                          dns_cutover_wait_seconds=None,
                          dns_cutover_records=[{"name": "bbb", "type": "A", "values": ["198.51.100.99"]}]),
        WRONG_KEY: partial(run_stage, tmp_path_factory.mktemp("wrong-key"), "rollback",
                           dns_cutover_tsig_secret=WRONG_SECRET),
        OUTSIDE: partial(run_stage, tmp_path_factory.mktemp("outside"), "switch", dns_cutover_records=SWITCH + [
            {"name": "bbb.other-coop.test.", "type": "A", "values": ["198.51.100.20"]}]),
        CHECK: partial(run_stage, tmp_path_factory.mktemp("check"), "rollback", check=True),
    }
    before = zone_digest(), RECORD.read_text()
    return before, side_by_side(jobs), (zone_digest(), RECORD.read_text())


def test_switch_is_refused_until_the_old_ttl_has_passed_since_prepare(refusals):
    before, results, after = refusals
    rc, out = results[TOO_SOON]
    assert rc != 0, out
    assert "Switch of coop.test refused: the TTL was lowered at" in out and "the switch is allowed from" in out, out
    assert unchanged(out), out
    assert after == before


def test_a_wrong_tsig_key_fails_with_a_clear_message_before_any_change(refusals):
    before, results, after = refusals
    rc, out = results[WRONG_KEY]
    assert rc != 0, out
    assert f"TSIG key {LAB['lab_bind_tsig_name']} (hmac-sha256) was rejected by the primary" in out, out
    assert "d3Jvbmcg" not in out and LAB["lab_bind_tsig_secret"] not in out
    assert unchanged(out), out
    assert after == before


def test_a_record_outside_the_zone_is_refused_before_any_change(refusals):
    before, results, after = refusals
    rc, out = results[OUTSIDE]
    assert rc != 0, out
    assert "bbb.other-coop.test. is outside the zone coop.test." in out, out
    assert unchanged(out), out
    assert after == before


def test_check_mode_reports_the_rollback_and_sends_nothing(refusals):
    before, results, after = refusals
    rc, out = results[CHECK]
    assert rc == 0, out
    assert "remove greenlight.coop.test. CNAME gl.newcoop.test." in out and "set bbb.coop.test. A 192.0.2.10 ttl 300" in out, out
    assert after == before


def test_rollback_re_applies_every_saved_record_exactly_on_both_nameservers(tmp_path):
    rc, out = run_stage(tmp_path, "rollback")
    assert rc == 0, out
    assert at_names("dns_cutover-ns1") == before_switch()
    assert at_names("dns_cutover-ns2") == before_switch()
    rc, out = run_stage(tmp_path, "rollback")
    assert rc == 0 and unchanged(out) and "nothing to change" in out, out


def refresh_secondary():
    """The NOTIFY sent while the secondary was down is lost: a secondary back from an outage catches up at its
    next refresh (60 s in this zone), or at once when its operator asks it to, as done here."""
    subprocess.run(["docker", "exec", "dns_cutover-ns2", "sh", "-c",
                    "for i in $(seq 30); do rndc refresh coop.test && exit 0; sleep 0.5; done; exit 1"], check=True)


def test_a_switch_is_refused_while_a_nameserver_is_down_and_goes_through_once_it_is_back(tmp_path):
    """named stopped on the secondary before the switch: the switch is refused before any update, naming it
    (a switch sent now could not be verified there); started again, the same switch goes through, verified on both."""
    assert at_names("dns_cutover-ns2") == before_switch()  # the previous test rolled back: a switch has work to do
    before, record = zone_digest(), RECORD.read_text()
    subprocess.run(["docker", "exec", "dns_cutover-ns2", "systemctl", "stop", "named"], check=True)
    try:
        rc, out = run_stage(tmp_path, "switch", dns_cutover_rollback_on_failure=True)
    finally:
        subprocess.run(["docker", "exec", "dns_cutover-ns2", "systemctl", "start", "named"], check=True)
    assert rc != 0, out
    assert "Switch of coop.test refused: ns2.coop.test. (" in out and "): no answer (" in out, out
    assert "Nothing was changed." in out and "ns1.coop.test. (" not in out.split("refused:", 1)[1].split("\n", 1)[0]
    assert unchanged(out), out
    assert zone_digest() == before and RECORD.read_text() == record
    refresh_secondary()
    rc, out = run_stage(tmp_path, "switch")
    assert rc == 0, out
    for ns in ("dns_cutover-ns1", "dns_cutover-ns2"):
        assert ("greenlight.coop.test.", "300", "CNAME", "gl.newcoop.test.") in at_names(ns), ns
    assert at_names("dns_cutover-ns2") == at_names("dns_cutover-ns1")


def switch_with_the_secondary_frozen_once_checked(tmp_path, thaw_when, verify_timeout):
    """A switch (rolled back on failure, as 40-cutover runs it) during which the secondary stops answering:
    frozen (docker pause: at once, unlike a stop, so it falls exactly between the role's check that every
    nameserver answers and the update) and thawed when a line of the output holds ``thaw_when``. The zone
    is rolled back first unless both nameservers already serve the snapshot. (rc, output)"""
    if not at_names("dns_cutover-ns1") == at_names("dns_cutover-ns2") == before_switch():
        rc, out = run_stage(tmp_path, "rollback")
        assert rc == 0, out
    assert at_names("dns_cutover-ns1") == before_switch()
    lines, frozen = [], False
    try:
        run = run_stage(tmp_path, "switch", background=True, dns_cutover_verify_timeout=verify_timeout,
                        dns_cutover_rollback_on_failure=True)
        for line in run.stdout:
            lines.append(line)
            if not frozen and "TASK [dns_cutover : Report the updates this stage sends]" in line:
                subprocess.run(["docker", "pause", "dns_cutover-ns2"], check=True)
                frozen = True
            if frozen and thaw_when in line:
                break
    finally:
        if frozen:
            subprocess.run(["docker", "unpause", "dns_cutover-ns2"], check=True)
    refresh_secondary()  # thawed, it answers the NOTIFYs it missed; a refresh makes it catch up at once
    out = "".join(lines) + run.communicate(timeout=300)[0]
    assert frozen, out
    return run.returncode, out


def test_a_switch_not_verified_is_rolled_back_at_once_when_asked(tmp_path):
    """The secondary stops answering once the switch was checked, and is back as soon as the switch's
    verification failed: the role puts the snapshot back, verifies that on both nameservers and fails saying so
    (the rollback's verification, with the same timeout, waits for the thawed secondary to catch up)."""
    rc, out = switch_with_the_secondary_frozen_once_checked(tmp_path, "not verified within", 10)
    assert rc != 0, out
    assert "not verified within 10 s on ns2.coop.test." in out, out
    assert "The switch was rolled back: coop.test serves the saved records again" in out, out
    for ns in ("dns_cutover-ns1", "dns_cutover-ns2"):
        assert at_names(ns) == before_switch(), ns


def test_a_nameserver_still_down_during_the_rollback_is_named_and_a_rerun_completes(tmp_path):
    """The secondary stays down through the switch and its rollback: the primary serves the snapshot again
    (verified there), the message names the secondary where neither is verified; back, the switch goes through.
    Both verifications are bound to fail on the secondary: the shortest timeout that asks it once will do."""
    rc, out = switch_with_the_secondary_frozen_once_checked(tmp_path, "The switch was rolled back, but", 3)
    assert rc != 0, out
    assert "not verified within 3 s on ns2.coop.test." in out, out
    assert "The switch was rolled back, but the rollback is not verified everywhere" in out, out
    assert "Verified on: ns1.coop.test." in out, out
    assert at_names("dns_cutover-ns1") == before_switch()
    rc, out = run_stage(tmp_path, "switch")  # the cause gone, the same switch goes through
    assert rc == 0, out
    for ns in ("dns_cutover-ns1", "dns_cutover-ns2"):
        assert ("greenlight.coop.test.", "300", "CNAME", "gl.newcoop.test.") in at_names(ns), ns


def test_finalize_raises_the_ttl_back_and_is_idempotent(tmp_path):
    rc, out = run_stage(tmp_path, "finalize")
    assert rc == 0, out
    for ns in ("dns_cutover-ns1", "dns_cutover-ns2"):
        assert {ttl for _, ttl, _, _ in at_names(ns)} == {"3600"}
    rc, out = run_stage(tmp_path, "finalize")
    assert rc == 0 and unchanged(out), out
