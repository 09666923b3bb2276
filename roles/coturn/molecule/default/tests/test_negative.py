"""Bad inputs fail before anything changes, naming the input and never showing
the secret; --check with a new allowed peer reports the change and makes none.

Each case runs the scenario's converge again with ansible-playbook against the
TURN host, with inputs that differ from the good ones in one respect."""
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
SERVER = "coturn-server"
GOOD = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
SECRET = GOOD["host_vars"][SERVER]["bbbmig_turn_secret"]
SHORT = "short0123456789"
SYMBOLS = "labOnly-Turn-Secret-0123456789abcdef!"


def client_address():
    return container_sh("coturn-client", "hostname -I").split()[0]


def run(tmp_path, overrides, check=False):
    hostvars = dict(GOOD["host_vars"][SERVER])
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3",
                    coturn_allowed_peer_addresses=[client_address()])
    hostvars.update(overrides)
    inventory = {"all": {"children": {"target_turn": {"hosts": {SERVER: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], env=playbook_env(ROLE_DIR, result_format="json"), timeout=600)


def state():
    """Everything the role writes, and coturn's process (a restart would change it)."""
    return container_sh(SERVER, "sha256sum /etc/turnserver.conf /etc/coturn/* /etc/default/coturn;"
                                " ls /etc/letsencrypt/renewal-hooks/deploy; ufw status;"
                                " systemctl show -p MainPID coturn")


CASES = {
    "short secret": ({"bbbmig_turn_secret": SHORT},
                     "coturn_static_auth_secret must be at least 32 characters, letters and digits only"),
    "secret with symbols": ({"bbbmig_turn_secret": SYMBOLS},
                            "coturn_static_auth_secret must be at least 32 characters, letters and digits only"),
    "no secret": ({"bbbmig_turn_secret": ""}, "coturn_static_auth_secret is empty: set bbbmig_turn_secret"),
    "realm not qualified": ({"coturn_realm": "turn"}, "coturn_realm: turn is not fully qualified"),
    "invalid peer range": ({"coturn_denied_peer_ranges": ["10.0.0.0/8", "192.168.0.0/33"]},
                           "coturn_denied_peer_ranges: '192.168.0.0/33' is not an IP address or CIDR range"),
    "invalid allowed peer": ({"coturn_allowed_peer_addresses": ["bbb1.newcoop.test"]},
                             "coturn_allowed_peer_addresses: 'bbb1.newcoop.test' is not an IP address or CIDR range"),
    "relay min not below max": ({"coturn_min_port": 50000, "coturn_max_port": 40000},
                                "coturn_min_port (50000) must be below coturn_max_port (40000)"),
    "port out of range": ({"coturn_max_port": 70000}, "coturn_max_port must be a port number (1-65535)"),
    "TLS port in the relay range": ({"coturn_tls_listening_port": 40000},
                                    "listening port 40000 lies in the relay range"),
    "bad external address": ({"coturn_external_ip": "203.0.113.7/24"},
                             "coturn_external_ip: '203.0.113.7/24' must be an address or public/private addresses"),
    "certificate missing": ({"coturn_certificate": "/etc/ssl/none.pem"},
                            "/etc/ssl/none.pem not found: run tls_certificates first"),
}

CHECK = "--check with a new allowed peer"


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    """Every bad case and a --check run side by side (none may change anything),
    with the state before and after them all."""
    before = state()
    jobs = {case: partial(run, tmp_path_factory.mktemp("case"), overrides) for case, (overrides, _) in CASES.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"),
                          {"coturn_allowed_peer_addresses": [client_address(), "192.168.50.0/24"]}, check=True)
    return before, side_by_side(jobs), state()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_before_any_change_naming_the_input(bad_runs, case):
    before, results, after = bad_runs
    output = assert_refused(results[case], CASES[case][1])
    assert "TASK [coturn : Install coturn" not in output  # refused in validate, before any task that changes
    for secret in (SECRET, SHORT, SYMBOLS):
        assert secret not in output
    assert after == before


def test_check_mode_with_a_new_allowed_peer_changes_nothing(bad_runs):
    before, results, after = bad_runs
    result = results[CHECK]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changed=0" not in result.stdout  # the configuration would change
    assert SECRET not in result.stdout + result.stderr
    assert after == before
