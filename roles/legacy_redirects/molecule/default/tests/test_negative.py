"""Bad inputs fail with a clear message and leave nginx's configuration as it
was; a configuration nginx rejects is put back; --check changes nothing."""
import subprocess
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
WEB = "legacy_redirects-web"
GOOD = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
CONF = "/etc/nginx/conf.d/bbbmig-legacy-redirects.conf"
SITES = GOOD["host_vars"][WEB]["legacy_redirects_sites"]


def run(tmp_path, overrides, check=False):
    hostvars = dict(GOOD["host_vars"][WEB])
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {"target_greenlight": {"hosts": {WEB: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], env=playbook_env(result_format="json"), timeout=600)


def sh(command):
    return container_sh(WEB, command)


def nginx_state():
    return sh(f"sha256sum {CONF}; ls /etc/nginx/conf.d; systemctl is-active nginx")


CASES = {
    "site without a new host": ({"legacy_redirects_sites": SITES + [{"old_hostname": "de.coop.test"}]},
                                "legacy_redirects_sites[3] (de.coop.test): names no new host"),
    "old name not qualified": ({"legacy_redirects_sites": [{"old_hostname": "demo", "bbb": "bbb.newcoop.test"}]},
                               "old_hostname 'demo' is not a fully qualified hostname"),
    "old name twice": ({"legacy_redirects_sites": SITES + [SITES[0]]}, "demo.coop.test is listed twice"),
    "redirect loop": ({"legacy_redirects_sites": [{"old_hostname": "gl.newcoop.test", "greenlight": "gl.newcoop.test"}]},
                      "greenlight is the old hostname itself"),
    "bad playback path": ({"legacy_redirects_bbb_paths": ["playback"]},
                          "legacy_redirects_bbb_paths: 'playback' must be a path prefix"),
    "status not permanent": ({"legacy_redirects_status": 302}, "legacy_redirects_status"),
    "site without old name": ({"legacy_redirects_sites": [{"bbb": "bbb.newcoop.test"}]}, "old_hostname"),
    "certificate missing": ({"legacy_redirects_certificate": "/etc/ssl/none.pem"},
                            "/etc/ssl/none.pem not found. Run tls_certificates first"),
}


CHECK = "--check with a new site"
CHECK_NEW_SITE = {"legacy_redirects_sites": SITES + [{"old_hostname": "de.coop.test", "bbb": "bbb.newcoop.test"}]}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case and a --check run with a new site, side by side (none
    may change anything), with the state before and after them all."""
    before = nginx_state()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"), CHECK_NEW_SITE, check=True)
    return before, side_by_side(jobs), nginx_state()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    assert_refused(results[case], CASES[case][1])
    assert after == before


def test_a_configuration_nginx_rejects_is_put_back(tmp_path):
    before = nginx_state()
    result = run(tmp_path, {"legacy_redirects_certificate": "/etc/hostname"})  # exists, but is no certificate
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "nginx rejected the redirect configuration" in output and "the previous configuration was put back" in output
    assert nginx_state() == before
    assert subprocess.run(["docker", "exec", WEB, "nginx", "-t"], capture_output=True, check=False).returncode == 0


def test_check_mode_with_a_new_site_changes_nothing(bad_runs):
    before, results, after = bad_runs
    result = results[CHECK]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changed=0" not in result.stdout  # the new site is reported as a change
    assert after == before
