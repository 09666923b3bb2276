"""First-run mistakes end in a clear message, before anything changes (issue 15).

The inventory checks are pure Python (filter_plugins/inventory_checks.py): each
case below takes a good, example-shaped inventory, breaks it in one way and
asserts the one problem found names the variable (or group) and says how to fix
it. Two cases run ansible-playbook end to end with a local temporary inventory:
hosts that do not answer SSH (a closed port on this machine) and a malformed
inventory, each failing 00-preflight with its message, rc != 0 and the
migration record marked failed with the cause.
"""
import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from inventory_checks import inventory_problems, unreachable_hosts

ROOT = Path(__file__).resolve().parents[2]
SECRET = "a1b2c3d4" * 5  # 40 letters and digits: a secret BBB accepts

GROUPS = {
    "source_bbb": ["old1", "old2"],
    "source_greenlight": ["oldgl"],
    "target_bbb": ["new1"],
    "target_greenlight": ["newgl"],
    "target_turn": ["new1"],
    "dns_authority": ["ns1"],
}
HOSTVARS = {
    "old1": {"bbbmig_public_hostname": "ca.oldcoop.example", "bbbmig_bbb_secret": SECRET},
    "old2": {"bbbmig_public_hostname": "de.oldcoop.example", "bbbmig_bbb_secret": SECRET},
    "oldgl": {"bbbmig_public_hostname": "meet.oldcoop.example"},
    "new1": {"bbbmig_public_hostname": "bbb1.newcoop.example", "bbbmig_bbb_secret": SECRET},
    "newgl": {"bbbmig_public_hostname": "meet.newcoop.example"},
    "ns1": {},
}
SETTINGS = {  # as roles/preflight/tasks/inventory.yml passes them, with its defaults
    "required_groups": ["source_bbb", "source_greenlight", "target_bbb", "target_greenlight", "dns_authority"],
    "single_groups": ["source_greenlight", "target_greenlight"],
    "pairs": [["source_bbb", "target_bbb"], ["source_greenlight", "target_greenlight"]],
    "allow_overlap": False,
    "name_groups": ["source_bbb", "source_greenlight", "target_bbb", "target_greenlight", "target_turn"],
    "secret_hosts": ["old1", "old2", "new1"],
    "served_hostnames": ["ca.oldcoop.example", "de.oldcoop.example", "meet.oldcoop.example",
                         "bbb1.newcoop.example", "meet.newcoop.example"],
    "recordings_map": {"new1": ["old1", "old2"]},
    "hostname_map": {
        "meet.oldcoop.example": {"greenlight": "meet.newcoop.example", "bbb": "bbb1.newcoop.example"},
        "ca.oldcoop.example": {"bbb": "bbb1.newcoop.example"},
        "de.oldcoop.example": {"bbb": "bbb1.newcoop.example"},
    },
    "turn_secret": "f" * 64,
    "greenlight_db": {"access": "docker", "container": "greenlight-db",
                      "database": "greenlight_production", "user": "postgres"},
}


def check(groups=None, hostvars=None, settings=None):
    inv = {"groups": copy.deepcopy(GROUPS), "hostvars": copy.deepcopy(HOSTVARS), "settings": copy.deepcopy(SETTINGS)}
    for key, change in (("groups", groups), ("hostvars", hostvars), ("settings", settings)):
        if change:
            change(inv[key])
    return inventory_problems(inv["groups"], inv["hostvars"], inv["settings"])


def put(*path_and_value):
    """A change that sets d[k1][k2]... = value (or deletes the key when value is DELETE)."""
    *path, value = path_and_value

    def change(d):
        for key in path[:-1]:
            d = d[key]
        if value is DELETE:
            del d[path[-1]]
        else:
            d[path[-1]] = value
    return change


DELETE = object()

# case: (where, change, words every message must carry: the variable/group, the fix)
CASES = {
    # groups
    "missing group": ("groups", put("dns_authority", DELETE),
                      ["group(s) dns_authority missing or empty", "inventories/example/hosts.yml"]),
    "empty group": ("groups", put("target_bbb", []), ["group(s) target_bbb missing or empty", "Every migration needs"]),
    "two source Greenlight hosts": ("groups", put("source_greenlight", ["oldgl", "old1"]),
                                    ["source_greenlight has 2 hosts (oldgl, old1)", "exactly one"]),
    "two target Greenlight hosts": ("groups", put("target_greenlight", ["newgl", "new1"]),
                                    ["target_greenlight has 2 hosts", "exactly one"]),
    "BBB node both source and target": ("groups", put("target_bbb", ["new1", "old1"]),
                                        ["old1 is in both source_bbb and target_bbb",
                                         "preflight_allow_source_target_overlap"]),
    "Greenlight both source and target": ("groups", put("target_greenlight", ["oldgl"]),
                                          ["oldgl is in both source_greenlight and target_greenlight",
                                           "preflight_allow_source_target_overlap"]),
    # public names
    "public name missing": ("hostvars", put("old2", "bbbmig_public_hostname", DELETE),
                            ["bbbmig_public_hostname is not set for old2 (source_bbb)", "set the full public name"]),
    "public name empty": ("hostvars", put("newgl", "bbbmig_public_hostname", ""),
                          ["bbbmig_public_hostname is not set for newgl", "host variables"]),
    "public name a list": ("hostvars", put("new1", "bbbmig_public_hostname", ["a.example.org", "b.example.org"]),
                           ["bbbmig_public_hostname of new1 is a list", "give one name as a string"]),
    "public name a number": ("hostvars", put("oldgl", "bbbmig_public_hostname", 42),
                             ["bbbmig_public_hostname of oldgl is a number", "give one name as a string"]),
    "public name shared by two hosts": ("hostvars", put("old2", "bbbmig_public_hostname", "CA.oldcoop.example."),
                                        ["bbbmig_public_hostname CA.oldcoop.example. is set for both old1 and old2",
                                         "each host serves its own name"]),
    "served name not qualified": ("settings", put("served_hostnames", ["bbb"]),
                                  ["bbb is not fully qualified", "set bbbmig_public_hostname to a full name"]),
    "served name with an underscore": ("settings", put("served_hostnames", ["bbb_1.example.org"]),
                                       ["bbb_1.example.org has an invalid label", "bbbmig_public_hostname"]),
    "served name an address": ("settings", put("served_hostnames", ["192.0.2.10"]),
                               ["192.0.2.10 is an address, not a hostname", "bbbmig_public_hostname"]),
    # secrets (never printed)
    "short BBB secret": ("hostvars", put("new1", "bbbmig_bbb_secret", "abc123"),
                         ["bbbmig_bbb_secret of new1 is not a BBB shared secret", "openssl rand -hex 20"]),
    "BBB secret with symbols": ("hostvars", put("old1", "bbbmig_bbb_secret", "!" * 40),
                                ["bbbmig_bbb_secret of old1 is not a BBB shared secret", "32 letters and digits"]),
    "BBB secret a number": ("hostvars", put("old2", "bbbmig_bbb_secret", 12345),
                            ["bbbmig_bbb_secret of old2", "from the vault"]),
    "short TURN secret": ("settings", put("turn_secret", "short"),
                          ["bbbmig_turn_secret is not 32+ letters and digits", "openssl rand -hex 32"]),
    "TURN secret a list": ("settings", put("turn_secret", ["x" * 40]),
                           ["bbbmig_turn_secret is a list", "openssl rand -hex 32"]),
    # recordings map
    "recordings map a list": ("settings", put("recordings_map", ["new1", "old1"]),
                              ["bbbmig_recordings_map is a list", "give a mapping"]),
    "recordings map names a missing source": ("settings", put("recordings_map", {"new1": ["old1", "old2", "old9"]}),
                                              ["bbbmig_recordings_map for new1 names old9, not in source_bbb",
                                               "inventory names of the old BBB nodes"]),
    "recordings map names a missing target": ("settings", put("recordings_map", {"new1": ["old1"], "new9": ["old2"]}),
                                              ["bbbmig_recordings_map names target new9, which is not in target_bbb",
                                               "new BBB nodes as keys"]),
    "recordings map target is a source": ("settings", put("recordings_map", {"new1": ["old2"], "old1": ["old2"]}),
                                          ["names target old1, which is not in target_bbb (it is a source",
                                           "inventory names of the new BBB nodes"]),
    "recordings map sources a string": ("settings", put("recordings_map", {"new1": "old1"}),
                                        ["bbbmig_recordings_map for new1 is a string", "new1: [old1]"]),
    "recordings map target without sources": ("settings", put("recordings_map", {"new1": []}),
                                              ["bbbmig_recordings_map for new1 lists no source", "remove the key"]),
    "recordings map source twice": ("settings", put("recordings_map", {"new1": ["old1", "old2", "old1"]}),
                                    ["bbbmig_recordings_map for new1 names old1 twice", "list each source once"]),
    "recordings map leaves a source out": ("settings", put("recordings_map", {"new1": ["old1"]}),
                                           ["bbbmig_recordings_map sends no target the recordings of old2",
                                            "add each source_bbb host"]),
    # hostname map
    "hostname map a list": ("settings", put("hostname_map", ["meet.oldcoop.example"]),
                            ["bbbmig_hostname_map is a list", "{old name: {greenlight: new name, bbb: new name}}"]),
    "hostname map old name not qualified": ("settings", put("hostname_map", "meet", {"greenlight": "meet.newcoop.example"}),
                                            ["bbbmig_hostname_map: old name meet is not fully qualified",
                                             "full name members' links carry"]),
    "hostname map names an old name twice": ("settings", put("hostname_map", "Meet.OldCoop.Example.",
                                                             {"greenlight": "meet.newcoop.example"}),
                                             ["bbbmig_hostname_map names Meet.OldCoop.Example. twice",
                                              "one place only"]),
    "hostname map entry a string": ("settings", put("hostname_map", "ca.oldcoop.example", "bbb1.newcoop.example"),
                                    ["bbbmig_hostname_map for ca.oldcoop.example is a string",
                                     "give {greenlight: new name} and/or {bbb: new name}"]),
    "hostname map unknown key": ("settings", put("hostname_map", "ca.oldcoop.example", {"bbb": "bbb1.newcoop.example",
                                                                                        "web": "x.newcoop.example"}),
                                 ["bbbmig_hostname_map for ca.oldcoop.example has key(s) web",
                                  "use greenlight and/or bbb"]),
    "hostname map entry empty": ("settings", put("hostname_map", "de.oldcoop.example", {}),
                                 ["bbbmig_hostname_map for de.oldcoop.example says where neither link goes",
                                  "give greenlight and/or bbb"]),
    "hostname map new name not qualified": ("settings", put("hostname_map", "ca.oldcoop.example", {"bbb": "bbb1"}),
                                            ["bbbmig_hostname_map for ca.oldcoop.example: bbb bbb1 is not fully qualified",
                                             "use a full name"]),
    "hostname map sends a name to itself": ("settings", put("hostname_map", "ca.oldcoop.example",
                                                            {"bbb": "ca.oldcoop.example"}),
                                            ["bbbmig_hostname_map sends ca.oldcoop.example to itself",
                                             "must go to a new name"]),
    "hostname map sends an old name to another old name": (
        "settings", put("hostname_map", "ca.oldcoop.example", {"bbb": "de.oldcoop.example"}),
        ["bbbmig_hostname_map for ca.oldcoop.example: bbb de.oldcoop.example is an old name",
         "old names only redirect"]),
    "hostname map new name served by no target": (
        "settings", put("hostname_map", "de.oldcoop.example", {"bbb": "bbb2.newcoop.example"}),
        ["bbbmig_hostname_map for de.oldcoop.example: bbb bbb2.newcoop.example is served by no target_bbb host",
         "bbb1.newcoop.example"]),
    "hostname map Greenlight link to a BBB name": (
        "settings", put("hostname_map", "meet.oldcoop.example", {"greenlight": "bbb1.newcoop.example"}),
        ["greenlight bbb1.newcoop.example is served by no target_greenlight host", "meet.newcoop.example"]),
    "hostname map old name is a target's name": (
        "settings", put("hostname_map", "meet.newcoop.example", {"bbb": "bbb1.newcoop.example"}),
        ["bbbmig_hostname_map: old name meet.newcoop.example is a new host's bbbmig_public_hostname",
         "cannot take over a name"]),
    "hostname map leaves out a source's name": ("settings", put("hostname_map", "de.oldcoop.example", DELETE),
                                                ["bbbmig_hostname_map leaves out de.oldcoop.example",
                                                 "its links break at the cutover"]),
    # the old Greenlight database
    "database access a mapping of the wrong kind": ("settings", put("greenlight_db", "greenlight_production"),
                                                    ["bbbmig_source_greenlight_db is a string", "give a mapping"]),
    "database access unknown": ("settings", put("greenlight_db", "access", "ssh"),
                                ["bbbmig_source_greenlight_db.access is 'ssh'", "use docker, local or tcp"]),
    "database name missing": ("settings", put("greenlight_db", "database", DELETE),
                              ["bbbmig_source_greenlight_db.database is not set", "greenlight_production"]),
    "database container missing": ("settings", put("greenlight_db", "container", DELETE),
                                   ["bbbmig_source_greenlight_db.container is not set but access is docker",
                                    "docker ps"]),
    "database host missing over tcp": ("settings", put("greenlight_db", {"access": "tcp", "database": "gl"}),
                                       ["bbbmig_source_greenlight_db.host is not set but access is tcp",
                                        "give the database's address"]),
    "database port not a number": ("settings", put("greenlight_db", "port", "fivefourthreetwo"),
                                   ["bbbmig_source_greenlight_db.port is 'fivefourthreetwo'", "(5432)"]),
}


def test_the_good_inventory_has_no_problem():
    assert check() == []


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_mistake_is_named_with_its_fix(case):
    where, change, words = CASES[case]
    problems = check(**{where: change})
    assert [p for p in problems if all(word in p for word in words)], problems


def test_every_problem_is_reported_at_once():
    def many(settings):
        settings["served_hostnames"] = ["bbb"]
        settings["recordings_map"] = {"new1": ["old9"]}
        settings["greenlight_db"] = {"access": "ssh", "database": "gl"}
    problems = check(groups=put("dns_authority", DELETE), settings=many)
    assert len(problems) >= 4, problems


def test_overlap_is_allowed_for_an_in_place_move():
    assert check(groups=put("target_bbb", ["new1", "old1"]),
                 settings=put("allow_overlap", True)) == []


def test_empty_maps_and_no_database_are_not_problems():
    def empty(settings):
        settings.update(recordings_map={}, hostname_map={}, greenlight_db={}, turn_secret="")
    assert check(settings=empty) == []


def test_no_message_carries_a_secret():
    def weak(hostvars):
        hostvars["new1"]["bbbmig_bbb_secret"] = "leaky-secret-value"
    problems = check(hostvars=weak, settings=put("turn_secret", "other-leaky-value"))
    assert problems and not any("leaky" in p for p in problems), problems


def test_unreachable_hosts_name_host_address_and_cause():
    hostvars = {
        "a": {"ansible_host": "192.0.2.1", "__preflight_python": {"unreachable": True, "msg": "Task failed: timed out"}},
        "b": {"ansible_host": "127.0.0.1", "ansible_port": 1,
              "__preflight_python": {"unreachable": True, "msg": "Connection refused"}},
        "c": {"__preflight_python": {"rc": 0, "stdout": "3.11.2"}},
        "d": {},
    }
    assert unreachable_hosts(["a", "b", "c", "d"], hostvars) == [
        "a (192.0.2.1) is unreachable: timed out",
        "b (127.0.0.1:1) is unreachable: Connection refused",
    ]


# End to end: ansible-playbook with a local temporary inventory; nothing is dialled
# outside this machine (port 1 on the loopback is closed).

def run_preflight(tmp_path, inventory):
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "host_vars/localhost.yml").write_text(yaml.safe_dump(
        {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_SSH_CONTROL_PATH_DIR=str(tmp_path / "cp"),
               BBBMIG_RECORD_DIR=str(tmp_path / "records"))
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"),
            str(ROOT / "playbooks/00-preflight.yml")]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, check=False)
    record = json.loads((tmp_path / "records/00-preflight.json").read_text())
    return result, result.stdout + result.stderr, record


def inventory(hostvars, allvars):
    names = {"old1.example.org": "source_bbb", "oldgl.example.org": "source_greenlight",
             "new1.example.org": "target_bbb", "newgl.example.org": "target_greenlight", "ns1.example.org": "dns_authority"}
    return {"all": {
        "vars": {"bbbmig_record_dir": "{{ lookup('ansible.builtin.env', 'BBBMIG_RECORD_DIR') }}", **allvars},
        "children": {group: {"hosts": {host: {"bbbmig_public_hostname": host, **hostvars}}}
                     for host, group in names.items()},
    }}


def test_unreachable_hosts_are_all_named_and_the_record_failed(tmp_path):
    result, output, record = run_preflight(tmp_path, inventory(
        {}, {"ansible_host": "127.0.0.1", "ansible_port": 1, "ansible_connection": "ssh", "ansible_ssh_timeout": 3}))
    assert result.returncode != 0, output
    message = output[output.index("TASK [Stop, saying why]"):]
    for host in ("old1.example.org", "oldgl.example.org", "new1.example.org", "newgl.example.org", "ns1.example.org"):
        assert f"{host} (127.0.0.1:1) is unreachable" in " ".join(message.split()), output
    assert "Check ansible_host, the SSH key and that sshd runs" in " ".join(message.split()), output
    assert record["result"] == "failed", record
    causes = " ".join(f["cause"] for f in record["data"]["failures"])
    assert "ns1.example.org (127.0.0.1:1) is unreachable" in causes, record


def test_a_bad_inventory_fails_before_any_host_is_touched(tmp_path):
    inv = inventory({"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                    {"bbbmig_recordings_map": {"new1.example.org": ["old9.example.org"]}})
    inv["all"]["children"]["target_greenlight"]["hosts"]["newgl.example.org"]["bbbmig_public_hostname"] = "newgl"
    result, output, record = run_preflight(tmp_path, inv)
    flat = " ".join(output.split())
    assert result.returncode != 0, output
    assert "bbbmig_recordings_map for new1.example.org names old9.example.org, not in source_bbb" in flat, output
    assert "newgl is not fully qualified" in flat, output
    assert "Read the host's Python version" not in output, output  # stopped before any host was asked anything
    recap = [line for line in output.splitlines() if ".example.org" in line and " : ok=" in line]
    assert len(recap) == 5 and all(" changed=0 " in line for line in recap), output  # the record is the controller's
    assert record["result"] == "failed" and "old9.example.org" in record["data"]["failures"][0]["cause"], record
