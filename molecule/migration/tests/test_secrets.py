"""No secret reaches any output, log or record of the migration: the lab's converge runs
site.yml at -vvv with ANSIBLE_LOG_PATH set (molecule.yml), which logs everything
ansible-playbook shows; the phases the tests run again (50-notify, the rehearsed cutover)
log there too (BBBMIG_MIGRATION_LOG), the verifier's own Ansible (testinfra's inventory
listing) nowhere. The secrets are read from the inventory and from the hosts. Runs after the other
tests (file order)."""
import os
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
