"""What the scenario's tests share: the members, the relay's mailboxes read
from outside, and a run of the role from the controller as an operator would
run it (its inputs from molecule.yml, overrides per test)."""
import io
import os
import subprocess
import sys
import tarfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import playbook_env, run_playbook

ROLE_DIR = Path(__file__).resolve().parents[3]
STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
LAB = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]["group_vars"]["all"]
DB, MAIL = "member_notify-db", "member_notify-mail"
# Who must be told (members.sql): status active, an email, not opted out; and who must not.
ELIGIBLE = {"anna", "bernd", "claire", "dora", "gina", "hugo"}
NEVER = {"erik", "olga", "paul"}  # banned, opted out, pending


def address(container):
    return subprocess.run(["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                           container], capture_output=True, text=True, check=True).stdout.strip()


def mailboxes():
    """{local part: [messages]} of every Maildir on the relay (new mail only: nobody reads them)."""
    raw = subprocess.run(["docker", "exec", MAIL, "tar", "-C", "/var/mail/vhosts", "-cf", "-", "."],
                         capture_output=True, check=True).stdout
    boxes = {}
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for entry in tar.getmembers():
            parts = Path(entry.name).parts  # ./members.test/<local part>/new/<file>, "." dropped
            if entry.isfile() and len(parts) == 4 and parts[0] == "members.test" and parts[2] in ("new", "cur"):
                message = BytesParser(policy=policy.default).parsebytes(tar.extractfile(entry).read())
                boxes.setdefault(parts[1], []).append(message)
    return boxes


def counts():
    return {box: len(messages) for box, messages in mailboxes().items()}


def clear_mailboxes():
    subprocess.run(["docker", "exec", MAIL, "rm", "-rf", "/var/mail/vhosts/members.test"], check=True)


def role_play(record_dir, **overrides):
    """A play that runs the role on the controller against the scenario's relay and database."""
    role_vars = {
        "member_notify_smtp_host": address(MAIL),
        "member_notify_smtp_ca_file": str(STATE / "relay-ca.pem"),
        "member_notify_smtp_username": LAB["lab_smtp_username"],
        "member_notify_smtp_password": LAB["lab_smtp_password"],
        "member_notify_record_dir": str(record_dir),
    }
    role_vars.update(overrides)
    return [{"name": "Tell the members", "hosts": "localhost", "gather_facts": False,
             "tasks": [{"name": "Run the role", "ansible.builtin.include_role": {"name": "member_notify"},
                        "vars": role_vars},
                       {"name": "Show the counts", "ansible.builtin.debug": {"var": "member_notify_result"}}]}]


def inventory():
    db = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}
    controller = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    return {"all": {"vars": {k: v for k, v in LAB.items() if k.startswith("member_notify_")},
                    "hosts": {"localhost": controller},
                    "children": {"target_greenlight": {"hosts": {DB: db}}}}}


def run_role(tmp_path, record_dir, extra_args=(), popen=False, **overrides):
    """ansible-playbook with the role; CompletedProcess (or, with ``popen``, a Popen in its own
    process group, so a test can kill the whole controller side at once)."""
    tmp_path = Path(tmp_path)
    (tmp_path / "play.yml").write_text(yaml.safe_dump(role_play(record_dir, **overrides)))
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory()))
    argv = ["ansible-playbook", "-i", str(tmp_path / "hosts.yml"), str(tmp_path / "play.yml"), *extra_args]
    if popen:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                env=playbook_env(), start_new_session=True)
    return subprocess.run(argv, capture_output=True, text=True, env=playbook_env(), timeout=600, check=False)


@pytest.fixture()
def run(tmp_path):
    return lambda record_dir, *args, **overrides: run_role(tmp_path, record_dir, args, **overrides)
