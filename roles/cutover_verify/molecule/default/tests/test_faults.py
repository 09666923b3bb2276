"""The role run again from the controller (ansible-playbook -v, as an operator would) against the same
platform, with one fault each: it must fail naming the fault, and never print the BBB secret or the
checksum made with it. Also: --check runs every check and passes."""
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
SECRET = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())[
    "provisioner"]["inventory"]["group_vars"]["all"]["cutover_verify_lab_secret"]
# What the signed getRecordings call carries: as good as the secret for listing recordings.
CHECKSUM = hashlib.sha1(f"getRecordings{SECRET}".encode()).hexdigest()
NOBODY = "127.0.0.9"  # an address on this machine where no nameserver listens


def address(container):
    return subprocess.run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                           container], capture_output=True, text=True, check=True).stdout.strip()


def good_vars():
    return {
        "cutover_verify_nameservers": [address("cutover_verify-web")],
        "cutover_verify_ca_file": str(STATE / "ca.pem"),
        "cutover_verify_bbb_nodes": [{"name": "bbb", "hostname": "bbb.verify.test", "secret": SECRET, "recordings": 2}],
        "cutover_verify_greenlight_hostname": "meet.verify.test",
        "cutover_verify_hostname_map": {"old.verify.test": {"greenlight": "meet.verify.test", "bbb": "bbb.verify.test"},
                                        "bbbold.verify.test": {"bbb": "bbb.verify.test"}},
        "cutover_verify_rooms": ["abc-def-ghi"],
    }


def run(tmp_path, overrides, check=False):
    """Run the role with the good inputs changed by ``overrides``: (rc, output, cutover_verify_result)."""
    role_vars = good_vars()
    role_vars.update(overrides)
    if "WEB" in role_vars["cutover_verify_nameservers"]:  # the platform's own nameserver, then another
        role_vars["cutover_verify_nameservers"] = [address("cutover_verify-web")] + role_vars["cutover_verify_nameservers"][1:]
    saved = tmp_path / "result.json"
    play = [{"name": "Check the new platform from outside", "hosts": "localhost", "connection": "local",
             "gather_facts": False, "vars": {"ansible_python_interpreter": sys.executable},
             "tasks": [{"name": "Run the role, keeping its result", "block": [
                 {"name": "Apply the role", "ansible.builtin.include_role": {"name": "cutover_verify"}, "vars": role_vars}],
                 "rescue": [
                     {"name": "Keep the result", "ansible.builtin.copy": {
                         "content": "{{ cutover_verify_result | default({}) | to_json }}", "dest": str(saved),
                         "mode": "0600"}},
                     {"name": "Fail as the role did", "ansible.builtin.fail": {"msg": "the role failed"}}]}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    result = run_playbook(tmp_path, "localhost,", tmp_path / "play.yml", ["-v"] + (["--check"] if check else []),
                          timeout=300)
    found = json.loads(saved.read_text()) if saved.exists() else None
    return result.returncode, result.stdout + result.stderr, found


CASES = {
    # room and recordings together: the role reports every failed check at once
    "missing room, recordings lost": (
        {"cutover_verify_rooms": ["abc-def-ghi", "zzz-zzz-zzz"],
         "cutover_verify_bbb_nodes": [{"name": "bbb", "hostname": "bbb.verify.test", "secret": SECRET, "recordings": 5}]},
        ["room exists on the new Greenlight: https://meet.verify.test/api/v1/rooms/zzz-zzz-zzz/public.json "
         "https://meet.verify.test/api/v1/rooms/zzz-zzz-zzz/public.json ends with status 404",
         "new BBB answers with its secret and lists the migrated recordings: https://bbb.verify.test/bigbluebutton/api "
         "lists 2 recordings where 5 were migrated to it"]),
    "CA that did not sign the certificate": (
        {"cutover_verify_ca_file": str(STATE / "other-ca.pem")},
        [f"{name} ({{address}}) presents a certificate that is not accepted"
         for name in ("bbb.verify.test", "meet.verify.test", "bbbold.verify.test", "old.verify.test", "old.verify.test",
                      "meet.verify.test")]),
    "certificate expiring too soon": (
        {"cutover_verify_min_cert_days": 9999},
        ["the certificate of bbb.verify.test expires on", "the certificate of meet.verify.test expires on",
         "the certificate of old.verify.test expires on", "the certificate of bbbold.verify.test expires on",
         "(at least 9999 wanted)"]),
    "a nameserver that does not answer": (
        {"cutover_verify_nameservers": ["WEB", NOBODY], "cutover_verify_timeout": 2},
        [f"{name}: nameserver {NOBODY} did not answer (LifetimeTimeout)"
         for name in ("bbb.verify.test", "meet.verify.test", "bbbold.verify.test", "old.verify.test")]),
    "a BBB node whose API is not there": (
        {"cutover_verify_bbb_nodes": [{"name": "bbb", "hostname": "meet.verify.test", "secret": SECRET, "recordings": 2}]},
        ["new BBB answers with its secret and lists the migrated recordings: https://meet.verify.test/bigbluebutton/api",
         "ends with status 404", "getRecordings?checksum=(hidden)"]),
}
FAILED_CHECKS = {"missing room, recordings lost": 2, "CA that did not sign the certificate": 6,
                 "certificate expiring too soon": 6, "a nameserver that does not answer": 6,
                 "a BBB node whose API is not there": 1}
GOOD = "the good inputs under --check"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every fault case and the good inputs under --check, side by side."""
    jobs = {name: partial(run, tmp_path_factory.mktemp("case"), overrides) for name, (overrides, _) in CASES.items()}
    jobs[GOOD] = partial(run, tmp_path_factory.mktemp("good"), {}, check=True)
    return side_by_side(jobs, workers=3)


@pytest.mark.parametrize("case", CASES)
def test_a_fault_fails_the_role_naming_it(runs, case):
    rc, output, result = runs[case]
    assert rc != 0, output
    assert result is not None and result["passed"] is False, output
    assert len(result["failed"]) == FAILED_CHECKS[case], result["failed"]
    failed = " | ".join(result["failed"])
    for expected in CASES[case][1]:
        assert expected.format(address=address("cutover_verify-web")) in failed, failed
        assert expected.format(address=address("cutover_verify-web")) in output, output  # the operator sees it too
    assert "The new platform does not answer as it should from outside" in output, output


@pytest.mark.parametrize("case", [*CASES, GOOD])
def test_the_secret_and_its_checksum_are_never_printed(runs, case):
    _, output, _ = runs[case]
    assert SECRET not in output
    assert CHECKSUM not in output


def test_check_mode_runs_every_check_and_passes(runs):
    rc, output, result = runs[GOOD]
    assert rc == 0, output
    assert result is None  # the rescue never ran
    assert "msg: 6 checks passed from outside" in output, output
    assert "changed=0" in output and "changed=1" not in output, output
