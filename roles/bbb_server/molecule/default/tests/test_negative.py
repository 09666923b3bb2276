"""Bad inputs fail before any change with the input named; --check changes
nothing; a repository key that did not sign the repository is refused by apt;
no run prints the secret (that a re-run keeps it is the idempotence step's
changed=0 on bbb-web.properties)."""
import re
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
NODE = "bbb_server-node"
GOOD = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
STATE = ("sha256sum /etc/bigbluebutton/bbb-web.properties /etc/bigbluebutton/recording/recording.yml "
         "/etc/bigbluebutton/turn-stun-servers.xml /etc/apt/sources.list.d/bigbluebutton.sources "
         "/etc/default/bigbluebutton-cron-config; ufw status; systemctl is-active bbb-web nginx")


def run(tmp_path, overrides, check=False):
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    hostvars = dict(GOOD["host_vars"][NODE])
    hostvars.pop("bbbmig_verify_facts")
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {
        "target_bbb": {"hosts": {NODE: hostvars}},
        "target_turn": {"hosts": {"bbb_server-mirror": GOOD["host_vars"]["bbb_server-mirror"]}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], env=playbook_env(result_format="json"), timeout=600)


def secret():
    text = container_sh(NODE, "cat /etc/bigbluebutton/bbb-web.properties")
    return re.search(r"^securitySalt=(\S+)$", text, re.M).group(1)


CASES = {
    "release not supported by the version": ({"bbb_server_version": "noble-400"},
                                             "BBB noble-400 does not install on Debian bookworm"),
    "unknown version": ({"bbb_server_version": "focal-270"},
                        "bbb_server_version 'focal-270' is not a key of bbb_server_supported_releases"),
    "short secret": ({"bbb_server_secret": "abc123"}, "bbb_server_secret (bbbmig_bbb_secret) must be 32 or more"),
    "secret with symbols": ({"bbb_server_secret": "a" * 31 + "-" + "b" * 8}, "bbb_server_secret (bbbmig_bbb_secret)"),
    "hostname not qualified": ({"bbbmig_public_hostname": "bbb"},
                               "bbb_server_hostname 'bbb' is not a fully qualified hostname"),
    "turn server not qualified": ({"bbb_server_turn_servers": ["turn"]},
                                  "bbb_server_turn_servers: turn is not a fully qualified hostname"),
    "turn servers without secret": ({"bbbmig_turn_secret": ""},
                                    "bbb_server_turn_secret (bbbmig_turn_secret) must be 32 or more letters and digits"),
    "short turn secret": ({"bbb_server_turn_secret": "Turn5ecret"}, "bbb_server_turn_secret (bbbmig_turn_secret)"),
    "turn port out of range": ({"bbb_server_turn_port": 70000}, "bbb_server_turn_port and bbb_server_turn_tls_port"),
    "other fixed uid": ({"bbb_server_uid": 2002}, "not bbb_server_uid 2002"),
}


CHECK = "--check with another retention"


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case and a --check run, side by side (none may change anything),
    with the node's state before and after them all."""
    before = container_sh(NODE, STATE)
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"), {"bbb_server_published_days": 45}, check=True)
    return before, side_by_side(jobs, workers=3), container_sh(NODE, STATE)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_change_naming_the_input(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert secret() not in output
    assert after == before


def test_check_mode_reports_the_change_prints_no_secret_and_changes_nothing(bad_runs):
    before, results, after = bad_runs
    result = results[CHECK]
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "changed=0" not in output  # the new retention is reported as a change
    assert secret() not in output
    assert after == before


def test_a_key_that_did_not_sign_the_repository_is_refused(tmp_path):
    wrong = run(tmp_path / "wrong", {"bbb_server_repo_key": "/usr/share/keyrings/debian-archive-keyring.gpg"})
    output = wrong.stdout + wrong.stderr
    assert wrong.returncode != 0, output
    assert "apt refused the package lists of http://repo.bbb-server.test/bbb/jammy-300" in output, output
    assert "NO_PUBKEY" in output or "not signed" in output, output  # apt's own words
    assert "Check that bbb_server_repo_key is the key" in output
    assert "Write bbb-web's overrides" not in output  # stopped before configuring
    assert secret() not in output
