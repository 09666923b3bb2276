"""Bad inputs fail before anything changes, with a message naming the input."""
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
NAME = "greenlight-host"
VARS = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]["host_vars"][NAME]
IMAGES = VARS["greenlight_images"]


def run(tmp_path, overrides):
    hostvars = dict(VARS, ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {"target_greenlight": {"hosts": {NAME: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        env=playbook_env(result_format="json"), timeout=600)


def host_state():
    return container_sh(NAME, "cd /opt/greenlight-v3 && sha256sum .env docker-compose.yml "
                              "/etc/nginx/conf.d/bbbmig-greenlight.conf; docker ps -q --no-trunc | sort")


CASES = {
    "image without a tag": ({"greenlight_images": dict(IMAGES, redis="redis")},
                            "greenlight_images.redis has no explicit tag"),
    "image on latest": ({"greenlight_images": dict(IMAGES, postgres="postgres:latest")},
                        "greenlight_images.postgres is pinned to a floating tag"),
    "greenlight on v3": ({"greenlight_images": dict(IMAGES, greenlight="bigbluebutton/greenlight:v3")},
                         "greenlight_images.greenlight is pinned to a floating tag"),
    "greenlight on a minor": ({"greenlight_images": dict(IMAGES, greenlight="bigbluebutton/greenlight:v3.8")},
                              "greenlight_images.greenlight is pinned to the floating tag 'v3.8'"),
    "missing BBB secret": ({"greenlight_bbb_secret": ""}, "greenlight_bbb_secret is missing"),
    "hostname not qualified": ({"bbbmig_public_hostname": "greenlight"},
                               "greenlight_hostname 'greenlight' is not a fully qualified hostname"),
    "admin password Greenlight refuses": ({"greenlight_admin": dict(VARS["greenlight_admin"], password="password")},
                                          "greenlight_admin.password is not one Greenlight accepts"),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    before = host_state()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    return before, side_by_side(jobs), host_state()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert VARS["greenlight_bbb_secret"] not in output
    assert after == before
