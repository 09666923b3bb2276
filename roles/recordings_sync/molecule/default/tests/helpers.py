"""Helpers shared by the recordings_sync verifier tests: run the role again
with a changed inventory, look into the containers, hash trees."""
import os
from pathlib import Path

from bbbmig_testing import REPO, container_sh, playbook_env, run_playbook

ROLE_DIR = Path(__file__).resolve().parents[3]
STATE = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
OLD1, OLD2, NEW = "recordings_sync-old1", "recordings_sync-old2", "recordings_sync-new"
SOURCES = [OLD1, OLD2]
HOSTNAMES = {OLD1: "ca.coop.test", OLD2: "de.coop.test", NEW: "bbb.newcoop.test"}
TREE = "/var/bigbluebutton"
KEY = "/root/.ssh/bbbmig_recordings_ed25519"


def sh(host, script, check=True):
    """Run a bash script in a container; return stdout."""
    return container_sh(host, script, check=check, shell="bash")


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


def start_converge(tmp_path, inv, extra_args=()):
    """Start the shared converge with ``inv``; return the Popen (stdout+stderr merged)."""
    return run_playbook(tmp_path, inv, REPO / ".config/molecule/converge.yml", extra_args,
                        env=playbook_env(ROLE_DIR), background=True)


def start_stage(tmp_path, inv, stage, extra_args=()):
    """Start only the role's ``stage`` (its tag, e.g. recordings_sync_copy: its validation runs
    first, as with any stage) through the scenario's stage.yml; return the Popen."""
    return run_playbook(tmp_path, inv, ROLE_DIR / "molecule/default/stage.yml", ["--tags", stage, *extra_args],
                        env=playbook_env(ROLE_DIR), background=True)


def run_stage(tmp_path, inv, stage, extra_args=()):
    """Run only the role's ``stage`` (see start_stage); return (rc, output)."""
    proc = start_stage(tmp_path, inv, stage, extra_args)
    out, _ = proc.communicate(timeout=900)
    return proc.returncode, out


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
