"""No secret reaches any output, log or record of the migration: the lab's converge runs
site.yml at -vvv with ANSIBLE_LOG_PATH set (molecule.yml), which logs everything
ansible-playbook shows; the phases the tests run again (50-notify, the rehearsed cutover)
log there too (BBBMIG_MIGRATION_LOG), the verifier's own Ansible (testinfra's inventory
listing) nowhere. The secrets are read from the inventory and from the hosts. Runs after the other
tests (file order)."""
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import testinfra
import yaml
from bbbmig_testing import REPO

STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
LOG = Path(os.environ.get("BBBMIG_MIGRATION_LOG") or STATE / "ansible.log")
RECORD = STATE / "records"


def lab(name):
    return testinfra.get_host(f"docker://{name}")


def values(host, command):
    """The non-empty lines a command prints on a lab host."""
    return [line.strip() for line in lab(host).check_output(command).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def secrets():
    """{what: value} of every secret of the lab migration."""
    vault = yaml.safe_load((REPO / "inventories/lab/group_vars/all/vault.yml").read_text())
    found = {f"inventory {k}": str(v) for k, v in vault.items()}
    env = dict(line.split("=", 1) for line in values("lab-new-gl", "grep -E '^[A-Z_]+=' /opt/greenlight-v3/.env"))
    for key in ("SECRET_KEY_BASE", "POSTGRES_PASSWORD"):
        found[f"lab-new-gl .env {key}"] = env[key].strip("'\"")
    for host in ("lab-old-bbb", "lab-new-bbb"):
        for n, line in enumerate(values(host, "grep -rhs '^securitySalt=' /etc/bigbluebutton /usr/share/bbb-web || true")):
            found[f"{host} BBB secret {n}"] = line.split("=", 1)[1]
    tsig = values("lab-ns1", "sed -n 's/.*secret \"\\(.*\\)\";.*/\\1/p' /etc/bind/lab-tsig.key")
    found["lab-ns1 TSIG key"] = tsig[0]
    found["lab-acme SMTP login"] = values("lab-acme", "cat /etc/dovecot/lab-users")[0].split("{PLAIN}", 1)[1]
    # The migration's private keys (20-presync made one, each 40-cutover run another; converge.yml
    # kept copies): every line of their body but the first, which every OpenSSH key shares.
    keys = values("lab-new-bbb", "cat /root/lab-migration-keys/*")
    body = [line for line in keys if not line.startswith("-----")]
    heads = {line for line in body if line.startswith("b3BlbnNzaC1rZXktdjE")}
    for n, line in enumerate(line for line in body if line not in heads and len(line) >= 40):
        found[f"migration private key line {n}"] = line
    return found


def test_every_secret_was_found_where_the_migration_keeps_it(secrets):
    assert all(len(value) >= 16 for value in secrets.values()), secrets.keys()
    assert secrets["lab-new-bbb BBB secret 0"] == secrets["inventory vault_bbb_shared_secret"]
    assert secrets["lab-acme SMTP login"] == secrets["inventory vault_smtp_password"]
    assert sum(1 for k in secrets if k.startswith("migration private key")) >= 2


def test_the_log_holds_the_verbose_migration():
    log = LOG.read_text(errors="replace")
    assert "ESTABLISH DOCKER CONNECTION" in log  # -vvv
    for phase in ("00-preflight", "20-presync", "40-cutover", "50-notify"):
        assert f"migration_record_phase: {phase}" in log or f"'{phase}'" in log or phase in log


def outputs():
    """Every file a secret must not reach: the log, and the records (JSON, ledger, report)."""
    files = [LOG] + sorted(p for p in RECORD.rglob("*") if p.is_file())
    assert len(files) > 5
    return files


def test_no_secret_in_any_output_log_or_record(secrets):
    leaks = []
    for path in outputs():
        text = path.read_text(errors="replace")
        for what, value in secrets.items():
            if value in text:
                line = next(line for line in text.splitlines() if value in line)
                leaks.append(f"{what} in {path.name}: ...{line[:300]}")
    assert leaks == [], "\n".join(leaks)


# Who may read a file holding a secret, besides root: the group of the service that reads it.
SERVICE_GROUPS = {
    "/etc/bigbluebutton/bbb-web.properties": "bigbluebutton",
    "/etc/bigbluebutton/turn-stun-servers.xml": "bigbluebutton",
    "/etc/turnserver.conf": "turnserver",
    "/etc/coturn/privkey.pem": "turnserver",
}
# Where the migration (and what it installs) keeps files; Docker's image layers left out.
SEARCHED = "/etc /root /opt /srv /var/lib /var/backups /home /usr/local /tmp"
PRIVATE_KEY = "-----BEGIN ([A-Z]+ )?PRIVATE KEY-----"


def readers(host, path):
    """Who can read ``path`` on ``host``: its owner, its group when the group may read it and
    reach it, everyone when others may read it and reach it (every directory above searchable)."""
    lines = values(host, "p=" + shlex.quote(path) + "; while :; do stat -c '%a %U %G %n' \"$p\";"
                   " [ \"$p\" = / ] && break; p=$(dirname \"$p\"); done")
    (mode, owner, group, _), parents = lines[0].split(" ", 3), [line.split(" ", 3) for line in lines[1:]]
    mode = int(mode, 8)
    who = {f"user {owner}"}
    if mode & 0o040 and all(int(m, 8) & 0o001 or (int(m, 8) & 0o010 and g == group) for m, _, g, _ in parents):
        who.add(f"group {group}")
    if mode & 0o004 and all(int(m, 8) & 0o001 for m, _, _, _ in parents):
        who.add("everyone")
    return who


@pytest.mark.parametrize("host", ["lab-old-bbb", "lab-old-gl", "lab-new-bbb", "lab-new-gl"])
def test_every_file_holding_a_secret_is_readable_only_by_root_and_its_service(secrets, host):
    patterns = "\n".join(value for value in secrets.values()) + "\n"
    found = subprocess.run(
        ["docker", "exec", "-i", host, "sh", "-c",
         f"{{ grep -rlsF -f - {SEARCHED} --exclude-dir=vfs --exclude-dir=overlay2;"
         f" grep -rlsE -e '{PRIVATE_KEY}' {SEARCHED} --exclude-dir=vfs --exclude-dir=overlay2; }} | sort -u"],
        input=patterns, capture_output=True, text=True, check=False, timeout=300).stdout.split()
    assert found, f"no file on {host} holds a secret or a private key: the search is broken"
    wrong = {}
    for path in found:
        allowed = {"user root"} | ({f"group {SERVICE_GROUPS[path]}"} if path in SERVICE_GROUPS else set())
        who = readers(host, path)
        if not who <= allowed:
            wrong[path] = sorted(who - allowed)
    assert wrong == {}


def test_the_migrations_keys_open_nothing_on_the_old_nodes_after_the_cutover():
    """The cutover removes the migration's trust: no authorized_keys line of the migration is
    left on an old node, and each recordings key converge.yml kept is refused by sshd."""
    for host in ("lab-old-bbb", "lab-old-gl"):
        left = values(host, "cat /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys 2>/dev/null | grep bbbmig- || true")
        assert left == [], (host, left)
    keys = values("lab-new-bbb", "ls /root/lab-migration-keys")
    assert keys
    old = lab("lab-old-bbb").interface("eth0").addresses[0]
    for key in keys:
        attempt = lab("lab-new-bbb").run(
            f"ssh -i /root/lab-migration-keys/{key} -o BatchMode=yes -o StrictHostKeyChecking=no"
            f" -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 root@{old} id")
        assert attempt.rc == 255 and "Permission denied" in attempt.stderr, (key, attempt.stderr)
