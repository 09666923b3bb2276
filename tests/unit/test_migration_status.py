"""playbooks/status.yml: the status view of a migration record, run on this machine
against record directories written here in the format roles/migration_record writes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def phase_file(directory, phase, result, started, finished=None, runs=1, data=None):
    directory.mkdir(mode=0o700, exist_ok=True)
    entry = {"phase": phase, "started": started, "finished": finished, "result": result,
             "runs": runs, "operator": "alice", "data": data or {}}
    (directory / f"{phase}.json").write_text(json.dumps(entry, indent=4) + "\n")


def status(record_dir, tmp_path, *args, callback="json"):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_STDOUT_CALLBACK=callback)
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,",
            "-e", f"bbbmig_record_dir={record_dir}", "-e", "bbbmig_migration_id=x",
            "-e", f"ansible_python_interpreter={sys.executable}", str(ROOT / "playbooks/status.yml"), *args]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def status_lines(record_dir, tmp_path, *args):
    out = json.loads(status(record_dir, tmp_path, *args).stdout)
    assert out["stats"]["localhost"]["changed"] == 0 and out["stats"]["localhost"]["failures"] == 0
    task = out["plays"][0]["tasks"][-1]
    assert task["task"]["name"] == "Show each phase and the one to run next"
    return task["hosts"]["localhost"]["msg"]


def rows(lines):
    """{phase: its row's cells} from the table lines."""
    return {line.split()[0]: line.split()[1:] for line in lines if line[:2].isdigit()}


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_no_record_yet_says_so_and_that_preflight_comes_first(tmp_path, check):
    record = tmp_path / "records"
    lines = status_lines(record, tmp_path, *check)
    assert lines[:2] == ["No migration record yet: nothing has run.", f"Record directory (none yet) {record}"]
    assert list(rows(lines)) == ["00-preflight", "10-provision", "20-presync", "30-members", "40-cutover",
                                 "50-notify", "60-decommission"]
    assert all(cells == ["not", "run", "-", "-", "-"] for cells in rows(lines).values())
    assert lines[-1] == "Next is 00-preflight (playbooks/00-preflight.yml)."
    assert not record.exists()


def test_a_failed_phase_comes_next_and_a_running_one_is_shown(tmp_path):
    record = tmp_path / "records"
    phase_file(record, "00-preflight", "ok", "2026-11-24T08:00:00Z", "2026-11-24T08:03:10Z")
    phase_file(record, "10-provision", "failed", "2026-11-24T09:00:00Z", "2026-11-24T10:02:05Z", runs=2)
    phase_file(record, "20-presync", "running", "2026-11-24T11:00:00Z")
    before = sorted((p.name, p.stat().st_mtime_ns) for p in record.iterdir())
    lines = status_lines(record, tmp_path)
    assert lines[0] == f"Record directory {record}"
    table = rows(lines)
    assert table["00-preflight"] == ["ok", "2026-11-24", "08:00", "2026-11-24", "08:03", "3m10s"]
    assert table["10-provision"] == ["failed", "2026-11-24", "09:00", "2026-11-24", "10:02", "1h02m05s"]
    assert table["20-presync"][:4] == ["running", "2026-11-24", "11:00", "-"]
    assert table["20-presync"][4].endswith("+")  # time so far
    assert table["30-members"] == ["not", "run", "-", "-", "-"]
    assert lines[-1] == "Next is 10-provision, finished failed: fix the cause, then re-run it."
    assert sorted((p.name, p.stat().st_mtime_ns) for p in record.iterdir()) == before


def test_a_running_phase_comes_next_when_its_requirements_are_met(tmp_path):
    record = tmp_path / "records"
    phase_file(record, "00-preflight", "ok", "2026-11-24T08:00:00Z", "2026-11-24T08:03:10Z")
    phase_file(record, "10-provision", "running", "2026-11-24T09:00:00Z")
    lines = status_lines(record, tmp_path, "--check")
    assert lines[-2] == "Next is 10-provision, started 2026-11-24 09:00 UTC and not finished."
    assert lines[-1] == "Unless a run of it is under way, it stopped half-way: re-run it."


def test_a_rolled_back_cutover_and_a_dry_run(tmp_path):
    record = tmp_path / "records"
    for phase in ("00-preflight", "10-provision", "20-presync", "30-members"):
        phase_file(record, phase, "ok", "2026-11-24T08:00:00Z", "2026-11-24T08:00:45Z")
    phase_file(record, "40-cutover", "rolled_back", "2026-11-25T06:00:00Z", "2026-11-25T06:20:00Z",
               data={"rollback": {"records": 2}})
    lines = status_lines(record, tmp_path)
    assert rows(lines)["40-cutover"] == ["rolled_back", "2026-11-25", "06:00", "2026-11-25", "06:20", "20m00s"]
    assert lines[-1] == "Next is 40-cutover, rolled back: fix the cause, then re-run it."

    phase_file(record, "30-members", "ok", "2026-11-24T08:00:00Z", "2026-11-24T08:00:45Z",
               data={"greenlight": {"dry_run": True, "users": 12}})
    lines = status_lines(record, tmp_path)
    assert rows(lines)["30-members"][:3] == ["ok", "(dry", "run)"]
    assert lines[-1] == "Next is 30-members, only a dry run so far: run it for real."


def test_every_phase_done_and_the_default_output_keeps_each_row_on_one_line(tmp_path):
    record = tmp_path / "records"
    for phase in ("00-preflight", "10-provision", "20-presync", "30-members", "40-cutover"):
        phase_file(record, phase, "ok", "2026-11-24T08:00:00Z", "2026-11-24T19:59:59Z")
    lines = status_lines(record, tmp_path)
    assert lines[-1] == "Next is 50-notify (playbooks/50-notify.yml)."
    for phase in ("50-notify", "60-decommission"):
        phase_file(record, phase, "ok", "2026-11-26T08:00:00Z", "2026-11-26T08:10:00Z")
    lines = status_lines(record, tmp_path)
    assert lines[-1] == "Every phase finished ok: nothing to run next."
    out = status(record, tmp_path, callback="default").stdout
    assert "changed=0" in out and "failed=0" in out
    for line in lines:
        assert line in out, out


def test_the_phases_requirements_are_the_phase_playbooks_own():
    """status.yml lists every phase playbook that opens a record, in order, with the
    migration_record_requires that playbook opens it with."""
    opened = {}
    for path in sorted((ROOT / "playbooks").glob("[0-9]*.yml")):
        for play in yaml.safe_load(path.read_text()):
            for role in play.get("roles", []):
                rvars = role.get("vars", {}) if isinstance(role, dict) else {}
                if rvars.get("migration_record_action") == "start":
                    opened[rvars["migration_record_phase"]] = rvars.get("migration_record_requires", [])
    listed = yaml.safe_load((ROOT / "playbooks/status.yml").read_text())[0]["vars"]["status_phases"]
    assert [p["phase"] for p in listed] == sorted(opened)
    assert {p["phase"]: p["requires"] for p in listed} == opened
