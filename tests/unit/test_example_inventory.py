"""inventories/example is complete for every phase, and stays so.

Its addresses are documentation addresses: nothing here dials them. Each phase
playbook is syntax-checked with the example inventory and its vault, then run
in --check with every host on a local connection and only the tasks every run
starts with (Ansible's argument-spec validation of each role, and fact
gathering of the controller itself): the example's values must satisfy every
role's argument specs. Preflight's inventory checks (assertions evaluated on
the controller) run against it too.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "inventories/example"
PLAYBOOKS = sorted(p.name for p in (ROOT / "playbooks").glob("*.yml"))


@pytest.fixture(scope="module")
def vault_password(tmp_path_factory):
    path = tmp_path_factory.mktemp("vault") / "example"
    path.write_text("example-only-password\n")  # the example's own, documented in the README
    return path


def ansible_playbook(playbook, vault_password, tmp_path, *args):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"))
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(INVENTORY), "--vault-id", f"example@{vault_password}",
            str(ROOT / "playbooks" / playbook), *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_every_phase_parses_with_the_example_inventory(playbook, vault_password, tmp_path):
    result = ansible_playbook(playbook, vault_password, tmp_path, "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("playbook", PLAYBOOKS)
def test_the_example_satisfies_every_roles_argument_specs(playbook, vault_password, tmp_path):
    result = ansible_playbook(playbook, vault_password, tmp_path, "--check", "--tags", "bbbmig-none",
                              "-e", "ansible_connection=local", "-e", "ansible_become=false", "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"bbbmig_record_dir={tmp_path / 'records'}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "failed=0" in output and "unreachable=0" in output, output
    if "roles:" in (ROOT / "playbooks" / playbook).read_text():
        assert "Validating arguments against arg spec" in output, output


def test_preflights_inventory_checks_pass_on_the_example(vault_password, tmp_path):
    result = ansible_playbook("00-preflight.yml", vault_password, tmp_path, "--check", "--tags", "preflight_inventory",
                              "-e", "ansible_connection=local", "-e", "ansible_become=false", "-e", f"ansible_python_interpreter={sys.executable}", "-e", f"bbbmig_record_dir={tmp_path / 'records'}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Check that every required inventory group has a host" in output, output
