"""What the scenarios' verifier tests share: running a playbook again from the
controller (with an inventory the test writes, as an operator would run a
phase), and running a shell command in a container.

Molecule's verifier finds this module through PYTHONPATH, which the shared
base (.config/molecule/config.yml) sets for every scenario.
"""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def playbook_env(role_dir=None, result_format="yaml", **extra):
    """The environment of an ansible-playbook run against the repository's roles and plugins,
    with facts kept in memory (never the operator's cache). ``role_dir``: the role whose
    scenario runs, for playbooks that look up MOLECULE_PROJECT_DIRECTORY."""
    env = dict(os.environ,
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_ROLES_PATH=str(REPO / "roles"),
               ANSIBLE_FILTER_PLUGINS=str(REPO / "filter_plugins"),
               ANSIBLE_LIBRARY=str(REPO / "library"),
               ANSIBLE_MODULE_UTILS=str(REPO / "module_utils"),
               ANSIBLE_DOC_FRAGMENT_PLUGINS=str(REPO / "doc_fragments"),
               ANSIBLE_FACT_CACHING="memory",
               ANSIBLE_STDOUT_CALLBACK="default",
               ANSIBLE_CALLBACK_RESULT_FORMAT=result_format,
               ANSIBLE_NOCOLOR="1")
    if role_dir is not None:
        env["MOLECULE_PROJECT_DIRECTORY"] = str(role_dir)
    env.update({key: str(value) for key, value in extra.items()})
    return env


def run_playbook(tmp_path, inventory, playbook, extra_args=(), env=None, background=False, timeout=900):
    """Write ``inventory`` (a dict, or an inventory string such as ``"localhost,"``) and run
    ``playbook`` with it. Returns the CompletedProcess, or with ``background`` the Popen
    (stdout and stderr merged)."""
    if isinstance(inventory, dict):
        path = Path(tmp_path) / "hosts.yml"
        path.write_text(yaml.safe_dump(inventory))
        inventory = str(path)
    argv = ["ansible-playbook", "-i", inventory, str(playbook), *extra_args]
    env = env if env is not None else playbook_env()
    if background:
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)


def container_sh(container, script, check=True, shell="sh"):
    """Run ``script`` with ``shell`` in ``container``; its stdout. With ``check``, a failure
    raises AssertionError with the script and its output."""
    result = subprocess.run(["docker", "exec", container, shell, "-c", script],
                            capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{container}: {script!r} failed ({result.returncode}): {result.stdout}{result.stderr}")
    return result.stdout


def side_by_side(jobs, workers=4):
    """Run the callables of ``jobs`` ({name: callable}) at once; {name: what each returned}.
    Bad-input cases that must all change nothing run this way, between one look at the
    host's state before them and one after."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def assert_refused(result, message):
    """``result`` (a CompletedProcess of ansible-playbook) failed, said ``message`` and changed
    nothing on any host; returns its output."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert message in output, output
    assert "changed=0" in output and "changed=1" not in output, output
    return output
