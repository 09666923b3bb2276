"""Directory delivery (converge.yml's second export: 0700/0600, tar.gz, only the members asked
for); --check changing nothing; bad inputs refused before any change."""
import json
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side
from conftest import WEB, archive_files, docker_bytes

ROLE_DIR = Path(__file__).resolve().parents[3]
SCENARIO = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
OUT = "/srv/member-export-dir"
# As converge.yml's second export.
DIRECTORY = {"member_export_delivery": "directory", "member_export_dir": OUT, "member_export_format": "tar.gz",
             "member_export_members": ["BOB@coop.test", "carol@coop.test"], "member_export_owner": "nobody",
             "member_export_include_recording_files": False}


def run(tmp_path, overrides, check=False, tags=False):
    inventory = json.loads(json.dumps(SCENARIO))
    for host in ("member_export-gl", WEB):
        inventory["host_vars"].setdefault(host, {}).update(
            ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    inventory["host_vars"][WEB].update(overrides)
    inventory["host_vars"][WEB].pop("bbbmig_verify_facts", None)
    hosts = {"all": {"children": {group: {"hosts": {h: inventory["host_vars"].get(h, {}) for h in spec["hosts"]}}
                                  for group, spec in inventory["hosts"]["all"]["children"].items()},
                     "vars": inventory["group_vars"]["all"]}}
    extra = (["--check"] if check else []) + (["--tags", "member_export_validate"] if tags else [])
    return run_playbook(tmp_path, hosts, ROLE_DIR / "molecule/default/run-role.yml", extra,
                        env=playbook_env(result_format="json"), timeout=600)


def state():
    return container_sh(WEB, f"ls -la --time-style=+%s {OUT} 2>&1; sha256sum {OUT}/* 2>&1; "
                             "sha256sum /srv/bbbmig-member-export/* /etc/nginx/conf.d/*")


CHECK = "--check in directory delivery"
NEW_DIR = dict(DIRECTORY, member_export_dir="/srv/member-export-check")


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case (validation only) and a --check run of a new directory delivery, side by
    side (none may change anything), with the state before and after them all."""
    before = state()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides, tags=True)
            for case, (overrides, _) in CASES.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"), NEW_DIR, check=True)
    return before, side_by_side(jobs), state()


def test_check_mode_writes_nothing(bad_runs):
    before, results, after = bad_runs
    check = results[CHECK]
    assert check.returncode == 0, check.stdout + check.stderr
    assert "changed=0" not in check.stdout  # the new directory and archives are reported as changes
    assert after == before
    assert container_sh(WEB, "test -e /srv/member-export-check && echo present || echo absent").strip() == "absent"


def test_directory_delivery_is_closed_to_all_but_its_owner():
    lines = container_sh(WEB, f"stat -c '%a %U %n' {OUT} {OUT}/*").splitlines()
    assert lines[0] == f"700 nobody {OUT}"
    assert len(lines) == 3 and all(line.startswith("600 nobody ") and line.endswith(".tar.gz") for line in lines[1:])


def test_only_the_members_asked_for_as_tar_gz(directory_result):
    names = container_sh(WEB, f"ls {OUT}").split()
    assert sorted(names) == sorted(entry["file"] for entry in directory_result["members"].values())
    contents = [archive_files(docker_bytes(WEB, "cat", f"{OUT}/{name}")) for name in names]
    emails = sorted(json.loads(c["account.json"])["accounts"][0]["email"] for c in contents)
    assert emails == ["bob@coop.test", "carol@coop.test"]
    bob = next(c for c in contents if b"bob@coop.test" in c["account.json"])
    assert "Team Weekly" in bob["shared_with_me.csv"].decode()
    assert not any(name.startswith("recordings/") for c in contents for name in c)
    assert "link" not in directory_result["members"]["bob@coop.test"]


CASES = {
    "generation": ({"member_export_generation": "v3", "member_export_db_host": "member_export-gl",
                    "member_export_db": {"access": "local", "database": "greenlight_production"}},
                   "holds a Greenlight v2 database, but member_export_generation is v3"),
    "link without name": ({"member_export_link_hostname": ""}, "member_export_link_hostname \"\" is not a fully qualified"),
    "alternative url": ({"member_export_alternatives": [{"name": "X", "url": "meet.example"}]},
                        "member_export_alternatives: the url of X must start with https://"),
    "short secret": ({"member_export_secret": "short"}, "member_export_secret must have at least 32 characters"),
    "expiry": ({"member_export_link_expires_on": "31/12/2030"}, "member_export_link_expires_on \"31/12/2030\" is not a day"),
    "database": ({"member_export_db": {"access": "local", "database": "nothing_here"}},
                 "cannot query the Greenlight database nothing_here"),
    "certificate": ({"member_export_link_certificate": "/etc/ssl/none.pem"}, "/etc/ssl/none.pem not found"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    assert_refused(results[case], CASES[case][1])
    assert after == before
