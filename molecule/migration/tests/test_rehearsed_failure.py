"""The rehearsed failure: the check from outside fails after the DNS switch, and 40-cutover
rolls the cutover back; repaired, it completes. Runs after test_migration.py (file order),
on the migrated lab, and leaves it migrated again."""
import hashlib
import json
import os
from pathlib import Path

import pytest
import testinfra
from bbbmig_testing import REPO, playbook_env, run_playbook
from test_migration import old_gl_write

RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "records"
SECRET = "labbbbsecretnotforproduction0123456789abcdef"  # inventories/lab vault_bbb_shared_secret
NAMES = ("bbb.coop.test", "meet.coop.test")


def lab(name):
    return testinfra.get_host(f"docker://{name}")


def address(name):
    return lab(name).interface("eth0").addresses[0]


def answers(server):
    ns = lab("lab-ns1")
    return {name: ns.check_output(f"dig +short +norec @{server} {name} A").strip() for name in NAMES}


def create_on_old_node():
    """Try to start a meeting on the old node through its own nginx: BBB's answer."""
    query = "meetingID=rehearsal&name=Rehearsal"
    checksum = hashlib.sha1(f"create{query}{SECRET}".encode()).hexdigest()
    return lab("lab-old-bbb").check_output(
        f"curl -sS 'http://127.0.0.1/bigbluebutton/api/create?{query}&checksum={checksum}'")


def cutover(tmp_path):
    env = playbook_env(BBBMIG_RECORD_DIR=str(RECORD), BBBMIG_REPO_ROOT=str(REPO),
                       ANSIBLE_LOG_PATH=os.environ.get("BBBMIG_MIGRATION_LOG", "/dev/null"))
    return run_playbook(tmp_path, str(REPO / "inventories/lab"), REPO / "playbooks/40-cutover.yml", env=env)


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """Stop the new BBB's API, run 40-cutover (it fails and rolls back), look, repair, run again."""
    tmp = tmp_path_factory.mktemp("rehearsal")
    old = {"bbb.coop.test": address("lab-old-bbb"), "meet.coop.test": address("lab-old-gl")}
    new_bbb = lab("lab-new-bbb")
    new_bbb.check_output("systemctl stop bbb-web")
    try:
        failed = cutover(tmp)
        seen = {
            "output": failed.stdout + failed.stderr,
            "returncode": failed.returncode,
            "dns": {server: answers(server) for server in ("lab-ns1", "lab-ns2")},
            "create": create_on_old_node(),
            "old_gl_write": old_gl_write().rc,
            "record": json.loads((RECORD / "40-cutover.json").read_text()),
        }
    finally:
        new_bbb.check_output("systemctl start bbb-web")
    repaired = cutover(tmp)
    seen["old"] = old
    seen["repaired"] = repaired
    return seen


def test_the_failed_check_stops_the_phase_naming_its_cause(rehearsal):
    assert rehearsal["returncode"] != 0
    assert "The cutover was rolled back: check from outside failed on localhost" in rehearsal["output"]
    assert "new BBB answers with its secret" in rehearsal["output"]


@pytest.mark.parametrize("server", ["lab-ns1", "lab-ns2"])
def test_dns_is_back_to_the_snapshot_on_both_nameservers(rehearsal, server):
    assert rehearsal["dns"][server] == rehearsal["old"]


def test_the_old_platform_is_in_use_again(rehearsal):
    assert "<returncode>SUCCESS</returncode>" in rehearsal["create"], rehearsal["create"]
    assert rehearsal["old_gl_write"] == 0  # the old Greenlight's data is writable again


def test_the_record_says_rolled_back_with_the_cause_and_keeps_the_cutover_data(rehearsal):
    record = rehearsal["record"]
    assert record["result"] == "rolled_back"
    failure = record["data"]["failure"]
    assert failure["step"] == "check from outside" and failure["after_switch"] is True
    assert "new BBB answers with its secret" in failure["cause"]
    assert record["data"]["dns"]["stage"] == "switch" and record["data"]["dns"]["verified"] is True
    assert record["data"]["rollback"]["dns"]["stage"] == "rollback"
    assert record["data"]["rollback"]["dns"]["verified"] is True
    assert {"lab-old-bbb", "lab-old-gl"} <= set(record["data"]["rollback"]["unfrozen"])
    assert record["data"]["verification"]["passed"] is False


def test_after_the_repair_the_cutover_completes(rehearsal):
    repaired = rehearsal["repaired"]
    assert repaired.returncode == 0, repaired.stdout[-4000:] + repaired.stderr[-2000:]
    record = json.loads((RECORD / "40-cutover.json").read_text())
    assert record["result"] == "ok" and record["data"]["verification"]["passed"] is True
    new_gl = address("lab-new-gl")
    for server in ("lab-ns1", "lab-ns2"):
        assert set(answers(server).values()) == {new_gl}
    assert "<messageKey>maintenance</messageKey>" in create_on_old_node()
    assert old_gl_write().rc != 0
