"""coturn answers the BBB node as BBB's clients use it: STUN bindings, TURN
allocations with credentials derived from the shared secret (TURN REST API)
relayed to an allowed peer, refusals for a wrong secret, an expired username
and denied peers; TLS with the configured certificate; ufw; the secret only in
the configuration file, never in Ansible's output."""
import base64
import hashlib
import hmac
import json
import os
import re
import shlex
import time
from pathlib import Path

import pytest
import testinfra
import yaml
from bbbmig_testing import REPO, playbook_env, run_playbook

ROLE_DIR = Path(__file__).resolve().parents[3]
SERVER = testinfra.get_host("docker://coturn-server")
CLIENT = testinfra.get_host("docker://coturn-client")
INVENTORY = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
SERVER_VARS = INVENTORY["host_vars"]["coturn-server"]
SECRET = SERVER_VARS["bbbmig_turn_secret"]
REALM = SERVER_VARS["bbbmig_public_hostname"]
LIVE = f"/etc/letsencrypt/live/{REALM}"
PEER_PORT = 3480
CONF = "/etc/turnserver.conf"


def address(host):
    return host.check_output("hostname -I").split()[0]


def rest_credentials(secret, lifetime=3600):
    """What BBB hands its clients: username = expiry time, password = base64(HMAC-SHA1(secret, username))."""
    username = str(int(time.time()) + lifetime)
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


@pytest.fixture(scope="module")
def peer():
    """turnutils_peer on the BBB node: the UDP echo peer the relayed data goes to."""
    addr = address(CLIENT)
    CLIENT.run("systemctl stop coturn-test-peer; systemctl reset-failed coturn-test-peer")
    CLIENT.check_output(f"systemd-run --unit coturn-test-peer turnutils_peer -p {PEER_PORT} -L {addr}")
    yield addr
    CLIENT.run("systemctl stop coturn-test-peer")


def relay(peer_address, secret=SECRET, lifetime=3600, extra=""):
    user, password = rest_credentials(secret, lifetime)
    return CLIENT.run(f"timeout 30 turnutils_uclient {extra} -u {user} -w {shlex.quote(password)} "
                      f"-e {peer_address} -r {PEER_PORT} -n 5 -m 1 coturn-server")


def echoed(out):
    """(sent, received) messages of turnutils_uclient's final count."""
    counts = re.findall(r"tot_send_msgs=(\d+), tot_recv_msgs=(\d+)", out.stdout)
    assert counts, out.stdout + out.stderr
    return tuple(int(n) for n in counts[-1])


def test_stun_binding_is_answered_with_the_clients_address():
    out = CLIENT.run("timeout 10 turnutils_stunclient -p 3478 coturn-server")
    assert out.rc == 0, out.stdout + out.stderr
    assert f"UDP reflexive addr: {address(CLIENT)}:" in out.stdout


def test_allocation_with_rest_credentials_relays_to_the_allowed_peer(peer):
    out = relay(peer)
    assert out.rc == 0, out.stdout + out.stderr
    sent, received = echoed(out)
    assert sent > 0 and received == sent
    assert "Total lost packets 0 " in out.stdout


def test_allocation_over_dtls_relays_too(peer):
    out = relay(peer, extra="-S -p 5349")
    assert out.rc == 0, out.stdout + out.stderr
    sent, received = echoed(out)
    assert sent > 0 and received == sent


@pytest.mark.parametrize("secret, lifetime", [("wrongSecret0123456789abcdefXYZwrongSecret", 3600), (SECRET, -60)],
                         ids=["wrong secret", "expired username"])
def test_allocation_is_refused(peer, secret, lifetime):
    out = relay(peer, secret=secret, lifetime=lifetime)
    assert out.rc != 0, out.stdout
    assert "Cannot complete Allocation" in out.stdout + out.stderr


@pytest.mark.parametrize("denied", ["server", "10.20.30.40", "127.0.0.1"])
def test_relaying_to_a_denied_private_address_is_refused(peer, denied):
    target = address(SERVER) if denied == "server" else denied
    out = relay(target)
    assert out.rc != 0, out.stdout
    assert "403 (Forbidden IP)" in out.stdout + out.stderr


def test_tls_port_presents_the_configured_certificate():
    served = CLIENT.check_output(
        f"openssl s_client -connect coturn-server:5349 -servername {REALM} </dev/null 2>/dev/null"
        " | openssl x509 -noout -fingerprint -sha256")
    assert served == SERVER.check_output(f"openssl x509 -in {LIVE}/fullchain.pem -noout -fingerprint -sha256")


def test_coturn_runs_as_turnserver_and_accepted_every_peer_line():
    service = SERVER.service("coturn")
    assert service.is_running and service.is_enabled
    pid = SERVER.check_output("systemctl show -p MainPID --value coturn")
    assert SERVER.check_output(f"ps -o user= -p {pid}") == "turnserver"
    log = SERVER.check_output(f"journalctl --no-pager _PID={pid}")
    assert "Relay ports initialization done" in log  # coturn logs to syslog, hence the journal
    assert "Wrong address format" not in log and "CONFIG ERROR" not in log, log


def test_files_and_modes():
    conf = SERVER.file(CONF)
    assert (conf.user, conf.group, conf.mode) == ("root", "turnserver", 0o640)
    assert f"static-auth-secret={SECRET}\n" in conf.content_string
    assert f"realm={REALM}\n" in conf.content_string
    for name in ("fullchain.pem", "privkey.pem"):
        copy = SERVER.file(f"/etc/coturn/{name}")
        assert (copy.user, copy.group, copy.mode) == ("root", "turnserver", 0o640)
        assert copy.sha256sum == SERVER.file(f"{LIVE}/{name}").sha256sum
    assert SERVER.file(f"{LIVE}/privkey.pem").mode == 0o600  # certbot's key stays root's
    assert not SERVER.file("/etc/systemd/system/coturn.service.d/bbbmig-bind-port.conf").exists  # 5349 needs no capability


def test_ufw_opens_exactly_coturns_ports_and_ssh():
    status = SERVER.check_output("ufw status")
    assert "Status: active" in status
    rules = {line.split()[0] for line in status.splitlines() if "ALLOW" in line and "(v6)" not in line}
    assert rules == {"22/tcp", "3478", "5349", "32769:65535/udp"}  # no protocol: TCP and UDP


def test_ufw_drops_other_ports():
    SERVER.run("systemctl stop coturn-test-http; systemctl reset-failed coturn-test-http")
    SERVER.check_output("systemd-run --unit coturn-test-http python3 -m http.server 8099")
    try:
        probe = "python3 -c 'import socket; socket.create_connection((\"{}\", 8099), timeout=3)'"
        assert SERVER.run("sleep 1; " + probe.format("127.0.0.1")).rc == 0  # something listens
        assert CLIENT.run(probe.format("coturn-server")).rc != 0  # but ufw drops it from outside
    finally:
        SERVER.run("systemctl stop coturn-test-http")


def test_coturn_result_fact_says_what_is_served_without_the_secret():
    facts = json.loads((Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "coturn-server.facts.json").read_text())
    assert facts["coturn_result"] == {"realm": REALM, "listening_port": 3478, "tls": True, "tls_listening_port": 5349,
                                      "min_port": 32769, "max_port": 65535}
    assert SECRET not in json.dumps(facts)


def converge(tmp_path, extra_args, overrides=None):
    hostvars = dict(SERVER_VARS, ansible_connection="community.docker.docker",
                    ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides or {})
    inventory = {"all": {"children": {
        "target_turn": {"hosts": {"coturn-server": hostvars}},
        "lab_bbb_node": {"hosts": {"coturn-client": {"ansible_connection": "community.docker.docker",
                                                     "ansible_python_interpreter": "/usr/bin/python3"}}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml", extra_args,
                        env=playbook_env(ROLE_DIR), timeout=600)


def test_a_new_secret_in_check_mode_shows_neither_secret(tmp_path):
    before = SERVER.file(CONF).sha256sum
    new = "anotherLabSecret0123456789abcdefABCDEF"
    result = converge(tmp_path, ["-vvv", "--diff", "--check"], {"bbbmig_turn_secret": new})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"coturn-server\s+: ok=\d+\s+changed=[1-9]", output), output  # the file would change
    assert SECRET not in output and new not in output
    assert SERVER.file(CONF).sha256sum == before


def test_the_molecule_log_never_shows_the_secret():
    log = REPO / ".cache/molecule-logs/coturn.log"
    if not log.exists():
        pytest.skip("not run by tests/run-molecule.sh: no log to read")
    text = log.read_text(errors="replace")
    assert "TASK [coturn : Write coturn's configuration]" in text
    assert SECRET not in text


def test_a_renewal_reaches_coturn_through_the_deploy_hook():
    """certbot renews: new files in the lineage, then its deploy hook. coturn presents the new certificate."""
    hook = "/etc/letsencrypt/renewal-hooks/deploy/bbbmig-coturn"
    assert SERVER.file(hook).mode == 0o755
    SERVER.check_output(
        f"openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN={REALM} -addext subjectAltName=DNS:{REALM}"
        f" -keyout {LIVE}/privkey.pem.new -out {LIVE}/fullchain.pem.new 2>/dev/null"
        f" && mv {LIVE}/privkey.pem.new {LIVE}/privkey.pem && mv {LIVE}/fullchain.pem.new {LIVE}/fullchain.pem")
    pid = SERVER.check_output("systemctl show -p MainPID --value coturn")
    SERVER.check_output(f"RENEWED_LINEAGE=/etc/letsencrypt/live/other.test {hook}")  # another certificate: no-op
    assert SERVER.check_output("systemctl show -p MainPID --value coturn") == pid
    SERVER.check_output(f"RENEWED_LINEAGE={LIVE} {hook}")
    assert SERVER.check_output("systemctl show -p MainPID --value coturn") != pid
    assert SERVER.file("/etc/coturn/privkey.pem").sha256sum == SERVER.file(f"{LIVE}/privkey.pem").sha256sum
    assert SERVER.file("/etc/coturn/privkey.pem").group == "turnserver"
    time.sleep(1)
    test_tls_port_presents_the_configured_certificate()
