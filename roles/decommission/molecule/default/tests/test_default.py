"""A decommissioned old BBB node: its final archive on the archive host, verified by
SHA-256 and holding the configuration and the recordings manifest; its units masked,
the migration's key gone (an administrator's kept), the audit on the controller. Then,
with the node put back as it was: each guard refuses and changes nothing, --check
changes nothing, and a run with `delete` removes the recording tree."""
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
NODE = "decommission-node"
ARCHIVE = "decommission-archive"
SCENARIO = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
NODE_VARS = SCENARIO["host_vars"][NODE]
SECRET = NODE_VARS["bbbmig_bbb_secret"]
STATE_FILE = "/var/lib/bbbmig/decommission.json"
DEST = f"/srv/bbbmig-archive/{NODE}/final-archive.tar"
RECORDS = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "records"
UNITS = ("bbb-web", "nginx")
MIGRATION_KEY = ('restrict,command="/usr/bin/rrsync -ro /var/bigbluebutton" ssh-ed25519 '
                 "AAAAC3NzaC1lZDI1NTE5AAAAIMigrationKeyOfTheLabNotARealOne000000000 bbbmig-recordings@lab-new-bbb")
# What a run must not touch: units, state, keys, recordings on the node; the archive host's copy and keys.
NODE_STATE = ("for u in bbb-web nginx; do echo $u $(systemctl is-enabled $u) $(systemctl is-active $u); done; "
              "ls /var/lib/bbbmig 2>&1; sha256sum /root/.ssh/authorized_keys; "
              "find /var/bigbluebutton /etc/bigbluebutton /etc/nginx -type f -print0 | sort -z | xargs -0 sha256sum")
ARCHIVE_STATE = f"ls -l --time-style=+%s /srv/bbbmig-archive/{NODE}; cat /root/.ssh/authorized_keys 2>/dev/null || true"


def address(container):
    return subprocess.run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                           container], capture_output=True, text=True, check=True).stdout.strip()


def api(call, query=""):
    checksum = hashlib.sha1(f"{call}{query}{SECRET}".encode()).hexdigest()
    url = f"http://127.0.0.1:8090/bigbluebutton/api/{call}?{query}{'&' if query else ''}checksum={checksum}"
    return container_sh(NODE, f"curl -sS '{url}'")


def state():
    return container_sh(NODE, NODE_STATE, shell="bash") + container_sh(ARCHIVE, ARCHIVE_STATE)


def run(tmp_path, check=False, playbook=ROLE_DIR / "molecule/default/converge.yml", extra=(), **overrides):
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    hostvars = dict(NODE_VARS)
    hostvars.pop("bbbmig_verify_facts")
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3",
                    decommission_record_dir=str(RECORDS), decommission_dns_server=address(ARCHIVE))
    hostvars.update(overrides)
    archive = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}
    inventory = {"all": {"children": {"source_bbb": {"hosts": {NODE: hostvars}},
                                      "lab_mirror": {"hosts": {ARCHIVE: archive}}}}}
    return run_playbook(tmp_path, inventory, playbook, (["--check"] if check else []) + list(extra),
                        env=playbook_env(), timeout=300)


def set_bbb_address(value):
    container_sh(ARCHIVE, "nsupdate -k /etc/bind/lab-tsig.key <<EOF\nserver 127.0.0.1\nzone coop.test\n"
                          f"update delete bbb.coop.test. A\nupdate add bbb.coop.test. 60 A {value}\nsend\nEOF",
                 shell="bash")


# --- after converge -------------------------------------------------------------------------

def test_the_archive_on_the_archive_host_is_the_one_the_node_made():
    recorded = json.loads(container_sh(NODE, f"cat {STATE_FILE}"))["archive"]
    on_archive = container_sh(ARCHIVE, f"sha256sum {DEST}").split()[0]
    assert recorded["path"] == DEST and recorded["host"] == ARCHIVE
    assert recorded["sha256"] == on_archive == recorded["sha256_on_destination"]
    assert container_sh(ARCHIVE, f"cd {os.path.dirname(DEST)} && sha256sum -c final-archive.tar.sha256").strip() \
        == "final-archive.tar: OK"


def test_the_archive_holds_the_configuration_and_the_recordings_manifest():
    members = container_sh(ARCHIVE, f"tar -tf {DEST}").splitlines()
    assert "etc/bigbluebutton/bbb-web.properties" in members and "etc/nginx/nginx.conf" in members
    manifest = container_sh(ARCHIVE, f"tar -xOf {DEST} ./recordings.sha256")
    expected = container_sh(NODE, "cd /var/bigbluebutton && find . -type f -print0 | sort -z | xargs -0 sha256sum")
    assert manifest == expected and "0123456789abcdef0123456789abcdef01234567-1700000000000/metadata.xml" in manifest


def test_the_one_off_key_is_gone_from_the_archive_host_and_the_node():
    assert "decommission@" not in container_sh(ARCHIVE, "cat /root/.ssh/authorized_keys 2>/dev/null || true")
    assert container_sh(NODE, "ls /var/lib/bbbmig/decommission 2>&1 || true").count("No such file") == 1


def test_bbbs_units_are_stopped_and_masked():
    for unit in UNITS:
        assert container_sh(NODE, f"systemctl is-enabled {unit} || true").strip() == "masked", unit
        assert container_sh(NODE, f"systemctl is-active {unit} || true").strip() == "inactive", unit


def test_the_migration_key_is_removed_and_the_administrators_kept():
    keys = container_sh(NODE, "cat /root/.ssh/authorized_keys")
    assert "bbbmig-recordings@lab-new-bbb" not in keys and "admin@coop.test" in keys


def test_the_audit_on_the_controller_says_who_when_what_and_the_digests():
    audit = json.loads((RECORDS / "decommission" / f"{NODE}.json").read_text())
    on_archive = container_sh(ARCHIVE, f"sha256sum {DEST}").split()[0]
    assert audit["host"] == NODE and audit["operator"] and audit["completed_at"].endswith("Z")
    assert audit["archive"]["sha256"] == on_archive and audit["archive"]["path"] == DEST
    assert audit["services_masked"] == ["bbb-web", "nginx"]
    assert audit["keys_removed_from"] == ["/root/.ssh/authorized_keys"]
    assert audit["data_removal"] == "none" and audit["data_removed"] == []
    assert audit["names_checked"] == ["bbb.coop.test"]
    assert SECRET not in json.dumps(audit)


def test_a_run_interrupted_after_the_services_stopped_completes_on_a_re_run(tmp_path):
    """bbb-web is masked, so it cannot say that no meeting runs: the begun retirement skips that check."""
    recorded = json.loads(container_sh(NODE, f"cat {STATE_FILE}"))
    assert recorded["retire_started_at"] <= recorded["completed_at"]
    interrupted = {k: v for k, v in recorded.items() if k in ("archive", "retire_started_at")}
    container_sh(NODE, f"cat > {STATE_FILE} <<'EOF'\n{json.dumps(interrupted)}\nEOF", shell="bash")
    result = run(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    again = json.loads(container_sh(NODE, f"cat {STATE_FILE}"))
    assert again["archive"] == recorded["archive"] and again["retire_started_at"] == recorded["retire_started_at"]
    assert again["completed_at"] >= recorded["completed_at"]
    assert container_sh(NODE, "systemctl is-enabled bbb-web || true").strip() == "masked"


# --- the node put back as before the decommission ---------------------------------------------

@pytest.fixture(scope="module")
def node_back():
    container_sh(NODE, f"rm -f {STATE_FILE}; for u in {' '.join(UNITS)}; do systemctl unmask $u; "
                       "systemctl enable --now $u; done; "
                       f"grep -q bbbmig-recordings /root/.ssh/authorized_keys || echo '{MIGRATION_KEY}' >> /root/.ssh/authorized_keys",
                 shell="bash")
    container_sh(NODE, "for i in $(seq 30); do curl -sf http://127.0.0.1:8090/bigbluebutton/api >/dev/null && exit 0; "
                       "sleep 1; done; exit 1")
    return state()


INPUT_GUARDS = {
    "wrong confirmation": ({"decommission_confirm": "decommission-archive"}, "decommission_confirm=decommission-node"),
    "no confirmation": ({"decommission_confirm": ""}, "decommission_confirm is not set"),
    "grace period": ({"decommission_grace_days": 3650}, "grace period of 3650 day(s) after the cutover"),
    "archive host": ({"decommission_archive_host": "backup.example"},
                     "decommission_archive_host must name a host of the inventory"),
    "data removal": ({"decommission_data_removal": "discard"}, "decommission_data_device is empty"),
}


def test_each_input_guard_refuses_and_changes_nothing(tmp_path, node_back):
    results = side_by_side({name: (lambda n=name: run(tmp_path / n.replace(" ", "-"), **INPUT_GUARDS[n][0]))
                            for name in INPUT_GUARDS})
    for name, (_, message) in INPUT_GUARDS.items():
        output = assert_refused(results[name], message)
        assert "Nothing was changed" in output and SECRET not in output, name
    assert state() == node_back


def test_a_name_still_leading_to_the_node_is_refused(tmp_path, node_back):
    set_bbb_address(address(NODE))
    try:
        output = assert_refused(run(tmp_path), "its public names still lead to it")
        assert f"bbb.coop.test on ns1.coop.test. ({address(ARCHIVE)}) still answers {address(NODE)}" in output
    finally:
        set_bbb_address("192.0.2.10")
    assert state() == node_back


def test_a_live_meeting_is_refused(tmp_path, node_back):
    assert "SUCCESS" in api("create", "meetingID=last-one&name=Last+assembly")
    try:
        output = assert_refused(run(tmp_path), "1 meeting(s) still running: Last assembly")
        assert SECRET not in output
    finally:
        api("end", "meetingID=last-one")
    assert state() == node_back


def test_revoking_a_certificate_of_a_migrated_name_is_refused(tmp_path, node_back):
    container_sh(NODE, "mkdir -p /etc/letsencrypt/live/bbb.coop.test && cd /etc/letsencrypt/live/bbb.coop.test && "
                       "openssl req -x509 -newkey ed25519 -nodes -keyout privkey.pem -out cert.pem -days 2 "
                       "-subj /CN=bbb.coop.test -addext subjectAltName=DNS:bbb.coop.test 2>/dev/null")
    try:
        output = assert_refused(run(tmp_path, decommission_revoke_certificates=True),
                                "carry names that now live on the new platform: bbb.coop.test (bbb.coop.test)")
        assert "Nothing was changed" in output
    finally:
        container_sh(NODE, "rm -rf /etc/letsencrypt")
    assert state() == node_back


def test_check_mode_shows_the_decommission_and_changes_nothing(tmp_path, node_back):
    result = run(tmp_path, check=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"{NODE}\s+: ok=\d+\s+changed=[1-9]", result.stdout) and "Mask them" in result.stdout
    assert state() == node_back


def test_the_phase_playbook_deletes_the_data_and_records_the_phase(tmp_path, node_back):
    result = run(tmp_path, playbook=ROLE_DIR.parents[1] / "playbooks/60-decommission.yml",
                 extra=["-e", f"decommission_confirm={NODE}", "-e", f"bbbmig_record_dir={RECORDS}"],
                 decommission_data_removal="delete")
    assert result.returncode == 0, result.stdout + result.stderr
    phase = json.loads((RECORDS / "60-decommission.json").read_text())
    assert phase["result"] == "ok" and phase["data"]["hosts"][NODE]["data_removal"] == "delete"
    assert container_sh(NODE, "ls /var/bigbluebutton 2>&1 || true").count("No such file") == 1
    audit = json.loads((RECORDS / "decommission" / f"{NODE}.json").read_text())
    assert audit["data_removal"] == "delete" and audit["data_removed"] == ["/var/bigbluebutton"]
    assert container_sh(NODE, "systemctl is-enabled bbb-web || true").strip() == "masked"
