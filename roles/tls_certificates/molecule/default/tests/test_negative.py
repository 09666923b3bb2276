"""Bad inputs fail with a clear message before anything changes, and the
certificate in place is kept; copy and provided modes install or accept only
a certificate that fits.

Each case runs the role again with ansible-playbook against the web host,
with inputs that differ from the good ones in one respect."""
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
WEB = "tls_certificates-web"
GOOD = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
LIVE = "/etc/letsencrypt/live/bbb.newcoop.test"


def run(tmp_path, overrides, check=False):
    hostvars = dict(GOOD["host_vars"][WEB], **GOOD["group_vars"]["all"])
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {"target_bbb": {"hosts": {WEB: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], env=playbook_env(ROLE_DIR, result_format="json"), timeout=600)


def sh(command):
    return container_sh(WEB, command)


def state_digest():
    """Everything the role writes: certbot's tree, the hook, the drop-in, the copies."""
    return sh("find /etc/letsencrypt /etc/systemd/system/certbot.service.d /etc/ssl/bbbmig -type f 2>/dev/null"
              " | sort | xargs sha256sum")


CASES = {
    "no account email": ({"tls_certificates_acme_email": ""}, "tls_certificates_acme_email must be an address"),
    "name not qualified": ({"tls_certificates_extra_names": ["bbb"]},
                           "tls_certificates_names: 'bbb' is not a fully qualified hostname"),
    "unknown mode": ({"tls_certificates_mode": "manual"}, "tls_certificates_mode"),
    "no TSIG secret": ({"tls_certificates_rfc2136_key_secret": ""}, "tls_certificates_rfc2136_key_secret is empty"),
    "CA bundle missing": ({"tls_certificates_acme_ca_bundle": "/etc/ssl/nope.pem"},
                          "/etc/ssl/nope.pem does not exist on tls_certificates-web"),
    "DNS server name unknown": ({"tls_certificates_rfc2136_server": "ns9.nowhere.test"},
                                "ns9.nowhere.test does not resolve on tls_certificates-web"),
    "wrong TSIG secret": ({"tls_certificates_rfc2136_key_secret": "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZzE=",
                           "tls_certificates_extra_names": ["bbb.coop.test", "gl.coop.test"]},
                          "refused TSIG key lab-update (PeerBadSignature)"),
    "wrong TSIG key name": ({"tls_certificates_rfc2136_key_name": "other-key"}, "refused TSIG key other-key (PeerBadKey)"),
    "name outside the server's zones": ({"tls_certificates_extra_names": ["bbb.elsewhere.example"]},
                                        "is not authoritative for any zone of bbb.elsewhere.example"),
    "provided files missing": ({"tls_certificates_mode": "provided",
                                "tls_certificates_provided_certificate": "/etc/ssl/none.pem",
                                "tls_certificates_provided_key": "/etc/ssl/none.key"},
                               "cannot read /etc/ssl/none.pem, /etc/ssl/none.key"),
    "provided certificate misses a name": ({"tls_certificates_mode": "provided",
                                            "tls_certificates_extra_names": ["gl.newcoop.test"],
                                            "tls_certificates_provided_certificate": f"{LIVE}/fullchain.pem",
                                            "tls_certificates_provided_key": f"{LIVE}/privkey.pem"},
                                           "it does not cover gl.newcoop.test"),
    "copied key does not match": ({"tls_certificates_mode": "copy", "tls_certificates_copy_from": WEB,
                                   "tls_certificates_copy_certificate": f"{LIVE}/fullchain.pem",
                                   "tls_certificates_copy_key": "/root/other.key"},
                                  "its private key does not match it"),
}


CHECK = "--check with a new name"
CHECK_NEW_NAME = {"tls_certificates_extra_names": ["bbb.coop.test", "gl.coop.test"]}


COPY = "copy mode, then provided mode on the copies"
COPY_DIR = "/etc/ssl/bbbmig-copytest"


def copy_then_provide(tmp_path):
    """Copy mode twice (the second run changes nothing), then provided mode on the copies."""
    copy = {"tls_certificates_mode": "copy", "tls_certificates_copy_from": WEB, "tls_certificates_copy_dir": COPY_DIR,
            "tls_certificates_copy_certificate": f"{LIVE}/fullchain.pem",
            "tls_certificates_copy_key": f"{LIVE}/privkey.pem"}
    dest = f"{COPY_DIR}/bbb.newcoop.test"
    first = run(tmp_path, copy)
    copied = sh(f"cat {dest}/fullchain.pem 2>/dev/null || true")
    key_mode = sh(f"stat -c '%a %U' {dest}/privkey.pem 2>/dev/null || true").strip()
    second = run(tmp_path, copy)
    provided = run(tmp_path, {"tls_certificates_mode": "provided",
                              "tls_certificates_provided_certificate": f"{dest}/fullchain.pem",
                              "tls_certificates_provided_key": f"{dest}/privkey.pem"})
    return first, copied, key_mode, second, provided


@pytest.fixture(scope="module", autouse=True)
def other_key():
    sh("test -f /root/other.key || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out /root/other.key")


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case, a --check run with a new name and the copy-mode runs,
    side by side, with the state before and after them all (the copy runs
    write only to their own directory, outside that state)."""
    before = state_digest()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"), CHECK_NEW_NAME, check=True)
    jobs[COPY] = partial(copy_then_provide, tmp_path_factory.mktemp("copy"))
    return before, side_by_side(jobs), state_digest()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_with_a_clear_message_and_changes_nothing(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert after == before
    assert "d3Jvbmct" not in output and "bGFiLW9ubHkt" not in output  # no secret printed


def test_check_mode_with_a_new_name_reports_and_changes_nothing(bad_runs):
    before, results, after = bad_runs
    result = results[CHECK]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Would request a certificate for bbb.newcoop.test, bbb.coop.test, gl.coop.test" in result.stdout
    assert after == before


def test_copy_mode_installs_a_fitting_certificate_then_changes_nothing(bad_runs):
    first, copied, key_mode, second, provided = bad_runs[1][COPY]
    assert first.returncode == 0, first.stdout + first.stderr
    assert copied == sh(f"cat {LIVE}/fullchain.pem")
    assert key_mode == "600 root"
    assert second.returncode == 0 and "changed=0" in second.stdout, second.stdout
    assert provided.returncode == 0 and "changed=0" in provided.stdout, provided.stdout
