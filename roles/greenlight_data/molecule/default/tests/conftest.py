"""Helpers for the greenlight_data verifier: SQL on either database from the
controller (docker exec, as an operator would), re-runs of the role with
ansible-playbook, and a digest of the target's live tables."""
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from bbbmig_testing import playbook_env, run_playbook

ROLE_DIR = Path(__file__).resolve().parents[3]
REPO = ROLE_DIR.parents[1]
sys.path.insert(0, str(REPO / "filter_plugins"))
STATE = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
SOURCE, TARGET = "greenlight_data-source", "greenlight_data-target"
DBS = {SOURCE: "greenlight_production", TARGET: "greenlight_v3"}
LIVE_TABLES = ["users", "roles", "role_permissions", "rooms", "room_meeting_options", "shared_accesses",
               "site_settings", "settings", "meeting_options", "permissions", "recordings", "formats",
               "rooms_configurations"]


def sql(host, query, db=None):
    """Rows of ``query`` on ``host``'s Greenlight database, as lists of strings (NULL -> None)."""
    out = subprocess.run(
        ["docker", "exec", host, "runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-tA", "-F", "\t",
         "-v", "ON_ERROR_STOP=1", "-P", "null=\\N", "-d", db or DBS[host], "-c", query],
        capture_output=True, text=True, check=True)
    return [[None if v == "\\N" else v for v in line.split("\t")] for line in out.stdout.splitlines() if line]


def target_digest(host=TARGET, db=None):
    """Row counts and a content digest of every live v3 table: equal digests, unchanged target."""
    parts = [f"SELECT '{t}', count(*), md5(coalesce(string_agg(x::text, '' ORDER BY x::text), '')) FROM {t} x"
             for t in LIVE_TABLES]
    return sql(host, " UNION ALL ".join(parts) + " UNION ALL SELECT 'schemas', count(*), '' FROM pg_namespace"
               " WHERE nspname = 'greenlight_data_staging'", db)


def inventory(allvars=None, source=SOURCE, target=TARGET):
    """The scenario's inventory, with ``allvars`` overriding its group vars (and the hosts' parts
    swapped when ``source`` is the target container, for v3_to_v3)."""
    scenario = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())
    base = dict(scenario["provisioner"]["inventory"]["group_vars"]["all"])
    base.update({"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"})
    base.update(allvars or {})
    return {"all": {"vars": base, "hosts": {SOURCE: {}, TARGET: {}},
                    "children": {"source_greenlight": {"hosts": {source: {}}},
                                 "target_greenlight": {"hosts": {target: {}}}}}}


def playbook(tmp_path, allvars=None, extra=(), background=False, swap=False):
    """Run the role on both hosts with ansible-playbook (run-role.yml); ``swap``: the target
    container is the source and the source container the target."""
    env = playbook_env(ROLE_DIR, result_format="json", GREENLIGHT_DATA_RESULT=tmp_path / "result.json")
    hosts = inventory(allvars, *((TARGET, SOURCE) if swap else (SOURCE, TARGET)))
    return run_playbook(tmp_path, hosts, ROLE_DIR / "molecule/default/run-role.yml", extra, env=env,
                        background=background)


def report_of(tmp_path):
    """The role's result (greenlight_data_result) saved by a successful playbook() run."""
    return json.loads((tmp_path / "result.json").read_text())


def changed_hosts(output):
    """Hosts of the scenario whose PLAY RECAP line reports changed > 0."""
    changed = set()
    for line in output.splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[0] in (SOURCE, TARGET) and parts[1] == ":":
            counts = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
            if int(counts.get("changed", 0)):
                changed.add(parts[0])
    return changed


def psql_file(host, db, path):
    """Run the SQL file at ``path`` (on the controller) in ``db`` on ``host``."""
    subprocess.run(["docker", "exec", "-i", host, "runuser", "-u", "postgres", "--", "psql", "-X", "-q",
                    "-v", "ON_ERROR_STOP=1", "-d", db, "-f", "-"],
                   input=path.read_text(), text=True, check=True, capture_output=True)


def fresh_v3(name):
    """A new database on the target holding the v3 schema (no seeds)."""
    subprocess.run(["docker", "exec", TARGET, "runuser", "-u", "postgres", "--", "dropdb", "--if-exists", name], check=True)
    subprocess.run(["docker", "exec", TARGET, "runuser", "-u", "postgres", "--", "createdb", name], check=True)
    psql_file(TARGET, name, REPO / "tests/greenlight/schema-v3.sql")


ROOM_OPTIONS = ("SELECT r.friendly_id, o.name, x.value, x.created_at FROM room_meeting_options x"
                " JOIN rooms r ON r.id = x.room_id JOIN meeting_options o ON o.id = x.meeting_option_id ORDER BY 1, 2")


def table_shape(tables):
    """Indexes and validated constraints of ``tables``, as SQL that lists them in a fixed order."""
    names = ", ".join(f"'{t}'" for t in tables)
    return (f"SELECT 'index', indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ({names})"
            " UNION ALL SELECT 'constraint ' || conrelid::regclass || '.' || conname, pg_get_constraintdef(oid)"
            f" FROM pg_constraint WHERE conrelid::regclass::text IN ({names}) AND convalidated ORDER BY 1, 2")
