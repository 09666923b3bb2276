"""The record holds one private JSON file a phase, and refuses phases out of order."""
import json

import yaml
from bbbmig_testing import run_playbook


def test_phase_file_is_private_and_complete(host):
    f = host.file("/srv/records/lab/00-preflight.json")
    assert f.mode == 0o600 and host.file("/srv/records/lab").mode == 0o700
    entry = json.loads(f.content_string)
    assert entry["result"] == "ok" and entry["data"] == {"recordings": 3}
    # converge and the idempotence step each ran the phase once
    assert entry["started"] <= entry["finished"] and entry["runs"] == 2


def run_phase(tmp_path, requires):
    play = [{"name": "A later phase", "hosts": "all", "gather_facts": False, "tasks": [{
        "name": "Open the phase", "ansible.builtin.include_role": {"name": "migration_record"},
        "vars": {"migration_record_action": "start", "migration_record_phase": "40-cutover",
                 "migration_record_requires": requires}}]}]
    (tmp_path / "play.yml").write_text(yaml.safe_dump(play))
    inventory = {"all": {"hosts": {"migration_record-controller": {
        "ansible_connection": "community.docker.docker", "migration_record_dir": "/srv/records/lab"}}}}
    return run_playbook(tmp_path, inventory, tmp_path / "play.yml", timeout=300)


def test_a_phase_out_of_order_is_refused_and_writes_nothing(host, tmp_path):
    result = run_phase(tmp_path, ["00-preflight", "30-members"])
    assert result.returncode != 0
    assert "40-cutover cannot run yet: 30-members has not run (run playbooks/30-members.yml first)" in result.stdout
    assert not host.file("/srv/records/lab/40-cutover.json").exists


def test_report_lists_every_phase_and_the_recorded_data(host):
    md = host.file("/srv/records/lab/report.md").content_string
    assert "| 00-preflight: Checks and discovery of the old platform | ok |" in md
    assert "| 40-cutover: The cutover | not run yet |" in md
    # data the report has no words for is shown as it is, keys made readable
    assert "| recordings | 3 |" in md
    assert "- **Members could not use the platform:** not run yet" in md
    html = host.file("/srv/records/lab/report.html").content_string
    assert '<td class="ok">ok</td>' in html and "<th>recordings</th><td>3</td>" in html
    assert host.file("/srv/records/lab/report.html").mode == 0o600
