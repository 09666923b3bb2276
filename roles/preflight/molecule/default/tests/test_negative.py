"""Bad inventories and inputs fail with the expected message and change nothing.

Each case runs the role again with ansible-playbook against the same two
containers, with an inventory that differs from the good one in one respect.
The cases run side by side, between one look at both hosts' state (every path
under /etc, the recordings, /opt, /usr/local and /srv, with size, time and
mode) before them all and one after.
"""
from functools import partial
from pathlib import Path

import pytest
from bbbmig_testing import REPO, assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
HOSTS = ["preflight-source", "preflight-target"]


def inventory(groups=None, hostvars=None, allvars=None):
    groups = groups or {
        "source_bbb": ["preflight-source"], "source_greenlight": ["preflight-source"],
        "target_bbb": ["preflight-target"], "target_greenlight": ["preflight-target"],
        "dns_authority": ["preflight-target"],
    }
    names = {
        "preflight-source": {"bbbmig_public_hostname": "bbb.old-coop.example"},
        "preflight-target": {"bbbmig_public_hostname": "bbb.new-coop.example"},
    }
    for host, extra in (hostvars or {}).items():
        names[host].update(extra)
    base = {
        "ansible_connection": "community.docker.docker",
        "ansible_python_interpreter": "/usr/bin/python3",
        "preflight_greenlight_db": {"access": "local", "database": "greenlight_production", "user": "postgres"},
    }
    base.update(allvars or {})
    return {"all": {
        "vars": base,
        "hosts": {h: names[h] for h in HOSTS},
        "children": {g: {"hosts": {h: {} for h in hs}} for g, hs in groups.items()},
    }}


def run(tmp_path, inv):
    return run_playbook(tmp_path, inv, REPO / ".config/molecule/converge.yml", env=playbook_env(ROLE_DIR), timeout=600)


# What a later phase changes: configuration, the recordings, installed software. (Not the
# database's files: PostgreSQL itself writes them while preflight's queries read.)
STATE = ("find /etc /var/bigbluebutton /opt /usr/local /srv -xdev "
         "-printf '%p %s %T@ %m\\n' 2>/dev/null | sort | sha256sum")


def state():
    return {host: container_sh(host, STATE) for host in HOSTS}


CASES = {
    "missing group": (
        {"groups": {"source_bbb": ["preflight-source"], "source_greenlight": ["preflight-source"],
                    "target_bbb": ["preflight-target"], "target_greenlight": ["preflight-target"]}},
        "group(s) dns_authority missing or empty"),
    "host both source and target": (
        {"groups": {"source_bbb": ["preflight-source"], "source_greenlight": ["preflight-source"],
                    "target_bbb": ["preflight-source", "preflight-target"],
                    "target_greenlight": ["preflight-target"], "dns_authority": ["preflight-target"]}},
        "preflight-source is in both source_bbb and target_bbb"),
    "served name not qualified": (
        {"hostvars": {"preflight-target": {"bbbmig_public_hostname": "bbb"}}},
        "bbb is not fully qualified"),
    "missing secret": (
        {"allvars": {"preflight_required_secrets": ["lab_bbb_secret", "lab_tsig_secret"],
                     "lab_bbb_secret": "set", "lab_tsig_secret": ""}},
        "Secrets not set for preflight-source: lab_tsig_secret"),
    "weak BBB shared secret": (
        {"hostvars": {"preflight-target": {"bbbmig_bbb_secret": "short-secret"}}},
        "bbbmig_bbb_secret of preflight-target is not a BBB shared secret"),
    "unknown host in recordings map": (
        {"allvars": {"preflight_recordings_map": {"preflight-target": ["old-node-9"]}}},
        "names old-node-9, not in source_bbb"),
    "database is not Greenlight": (
        {"allvars": {"preflight_greenlight_db": {"access": "local", "database": "not_greenlight", "user": "postgres"}}},
        "is neither a Greenlight v2 nor a v3 database"),
    "database unreachable": (
        {"allvars": {"preflight_greenlight_db": {"access": "local", "database": "no_such_db", "user": "postgres"}}},
        "Cannot query the Greenlight database no_such_db"),
    "target disk too small": (
        {"allvars": {"preflight_disk_margin": 1.0e15}},
        "will receive 23.96 KB of recordings from preflight-source"),
    "bad argument type": (
        {"allvars": {"preflight_disk_margin": "lots"}},
        "preflight_disk_margin"),
    "hostname map to a name no target serves": (
        {"allvars": {"preflight_hostname_map": {"bbb.old-coop.example": {"bbb": "bbb2.new-coop.example"}}}},
        "bbbmig_hostname_map for bbb.old-coop.example: bbb bbb2.new-coop.example is served by no target_bbb host"),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case side by side (none may change anything), with both hosts' state
    before and after them all."""
    before = state()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), inventory(**overrides))
            for case, (overrides, _) in CASES.items()}
    return before, side_by_side(jobs, workers=3), state()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert after == before


def test_the_good_inventory_passes(tmp_path):
    result = run(tmp_path, inventory())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed=0" in result.stdout and "failed=1" not in result.stdout
