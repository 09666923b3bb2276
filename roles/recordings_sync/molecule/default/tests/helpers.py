"""Helpers shared by the recordings_sync verifier tests: run the role again
with a changed inventory, look into the containers, hash trees."""
import os
import subprocess
from pathlib import Path

import yaml

ROLE_DIR = Path(__file__).resolve().parents[3]
REPO = ROLE_DIR.parents[1]
STATE = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
OLD1, OLD2, NEW = "recordings_sync-old1", "recordings_sync-old2", "recordings_sync-new"
SOURCES = [OLD1, OLD2]
HOSTNAMES = {OLD1: "ca.coop.test", OLD2: "de.coop.test", NEW: "bbb.newcoop.test"}
TREE = "/var/bigbluebutton"
KEY = "/root/.ssh/bbbmig_recordings_ed25519"


def sh(host, script, check=True):
    """Run a shell script in a container; return stdout."""
    result = subprocess.run(["docker", "exec", host, "bash", "-c", script],
                            capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{host}: {script!r} failed: {result.stdout}{result.stderr}")
    return result.stdout


def inventory(hostvars=None, allvars=None):
    """The scenario's inventory, with ``hostvars`` / ``allvars`` overriding it."""
    hosts = {h: {"bbbmig_public_hostname": HOSTNAMES[h]} for h in (OLD1, OLD2, NEW)}
    for host, extra in (hostvars or {}).items():
        hosts[host].update(extra)
    base = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3",
            "recordings_sync_streams": 3}
    base.update(allvars or {})
    return {"all": {"vars": base, "hosts": hosts, "children": {
        "source_bbb": {"hosts": {OLD1: {}, OLD2: {}}}, "target_bbb": {"hosts": {NEW: {}}}}}}


def playbook_env():
    return dict(os.environ,
                MOLECULE_PROJECT_DIRECTORY=str(ROLE_DIR),
                ANSIBLE_ROLES_PATH=str(REPO / "roles"),
                ANSIBLE_FILTER_PLUGINS=str(REPO / "filter_plugins"),
                ANSIBLE_LIBRARY=str(REPO / "library"),
                ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                ANSIBLE_FACT_CACHING="memory",
                ANSIBLE_STDOUT_CALLBACK="default",
                ANSIBLE_CALLBACK_RESULT_FORMAT="yaml",
                ANSIBLE_NOCOLOR="1")


def start_converge(tmp_path, inv, extra_args=()):
    """Start the shared converge with ``inv``; return the Popen (stdout+stderr merged)."""
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inv))
    return subprocess.Popen(
        ["ansible-playbook", "-i", str(path), *extra_args, str(REPO / ".config/molecule/converge.yml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=playbook_env())


def converge(tmp_path, inv, extra_args=()):
    """Run the shared converge with ``inv``; return (rc, output)."""
    proc = start_converge(tmp_path, inv, extra_args)
    out, _ = proc.communicate(timeout=900)
    return proc.returncode, out


# Files of a tree as "<sha256>  ./<path>" lines: every regular file except
# format metadata.xml (compared separately, the hostname differs) and the
# recordings still processing on a source (ids with raw data but no format).
LISTING = r"""
cd {tree} || exit 0
processing=$(for d in recording/raw/*/; do id=$(basename "$d"); \
  ls -d published/*/"$id" unpublished/*/"$id" 2>/dev/null | grep -q . || echo "$id"; done)
find . -type f ! -path './published/*/*/metadata.xml' ! -path './unpublished/*/*/metadata.xml' -print0 \
  | sort -z | xargs -0 -r sha256sum | {filter} || true
"""
SKIP_PROCESSING = """grep -v -F -f <(echo "$processing" | grep . || echo '//none//')"""


def file_hashes(host, tree=TREE, skip_processing=True):
    """{relative path: sha256} of ``host``'s tree (see LISTING)."""
    out = sh(host, LISTING.format(tree=tree, filter=SKIP_PROCESSING if skip_processing else "cat"))
    hashes = {}
    for line in out.splitlines():
        digest, path = line.split("  ", 1)
        hashes[path] = digest
    return hashes


def expected_target_hashes():
    """What the target must hold: the union of the sources' finished recordings."""
    expected = {}
    for source in SOURCES:
        expected.update(file_hashes(source))
    return expected


def tree_digest(host, tree=TREE):
    """Digest of names, sizes, mtimes, owners, modes and contents of a tree."""
    return sh(host, f"cd {tree} 2>/dev/null || exit 0; find . -printf '%p %s %T@ %u %m\\n' | sort | sha256sum;"
                    " find . -type f -print0 | sort -z | xargs -0 -r sha256sum | sha256sum")
