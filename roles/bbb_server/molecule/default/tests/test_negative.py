"""Bad inputs fail before any change with the input named; a repository key
that did not sign the repository is refused by apt; a re-run keeps the
generated secret and never prints it."""
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


def run(tmp_path, overrides):
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    hostvars = dict(GOOD["host_vars"][NODE])
    hostvars.pop("bbbmig_verify_facts")
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {
        "target_bbb": {"hosts": {NODE: hostvars}},
        "target_turn": {"hosts": {"bbb_server-mirror": GOOD["host_vars"]["bbb_server-mirror"]}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        env=playbook_env(result_format="json"), timeout=600)


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
    "turn servers without secret": ({"bbbmig_turn_secret": ""}, "bbb_server_turn_secret (bbbmig_turn_secret) must be set"),
    "turn port out of range": ({"bbb_server_turn_port": 70000}, "bbb_server_turn_port and bbb_server_turn_tls_port"),
    "other fixed uid": ({"bbb_server_uid": 2002}, "not bbb_server_uid 2002"),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    before = container_sh(NODE, STATE)
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    return before, side_by_side(jobs, workers=3), container_sh(NODE, STATE)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_change_naming_the_input(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert secret() not in output
    assert after == before


def test_a_key_that_did_not_sign_the_repository_is_refused_then_the_right_one_restores(tmp_path):
    kept = secret()
    wrong = run(tmp_path / "wrong", {"bbb_server_repo_key": "/usr/share/keyrings/debian-archive-keyring.gpg"})
    output = wrong.stdout + wrong.stderr
    assert wrong.returncode != 0, output
    assert "apt refused the package lists of http://repo.bbb-server.test/bbb/jammy-300" in output, output
    assert "NO_PUBKEY" in output or "not signed" in output, output  # apt's own words
    assert "Check that bbb_server_repo_key is the key" in output
    assert "Write bbb-web's overrides" not in output  # stopped before configuring

    again = run(tmp_path / "again", {})
    output = again.stdout + again.stderr
    assert again.returncode == 0, output
    assert secret() == kept  # generated once, read back on every run
    assert kept not in output and kept not in wrong.stdout + wrong.stderr
    assert "BEGIN PGP PUBLIC KEY BLOCK" in container_sh(NODE, "cat /etc/apt/sources.list.d/bigbluebutton.sources")
