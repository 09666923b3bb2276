"""Never twice: a second run sends none; a run killed part-way (the whole
controller side, as a crash would) and run again tells each remaining member
exactly once and nobody twice. The password never reaches the output."""
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

from conftest import ELIGIBLE, LAB, MAIL, NEVER, STATE, clear_mailboxes, counts, run_role


def kill_tree(pid):
    """SIGKILL ``pid`` and every process below it. Killing ansible-playbook alone is not enough:
    its workers run in sessions of their own (setsid) and a module would finish its run."""
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += children.get(current, [])
    for member in tree:
        try:
            os.kill(member, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return tree


def delivered():
    """The mailboxes once the relay's queue is empty and two looks a second apart agree."""
    previous = None
    for _ in range(60):
        queue = subprocess.run(["docker", "exec", MAIL, "postqueue", "-j"], capture_output=True, text=True,
                               check=True).stdout.strip()
        now = counts()
        if not queue and now == previous:
            return now
        previous = now
        time.sleep(1)
    raise AssertionError(f"the relay's queue never emptied: {queue}")


def test_second_run_sends_none(tmp_path):
    before = counts()
    result = run_role(tmp_path, STATE / "records", ["-vv"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "changed=0" in output and re.search(r"already_told['\"]?: 6\b", output), output
    assert counts() == before
    assert LAB["lab_smtp_password"] not in output


def test_interrupted_run_then_rerun_tells_each_member_once(tmp_path):
    clear_mailboxes()
    record = tmp_path / "record"
    # 20 a minute: one message every 3 seconds, time to kill the run after the second.
    (tmp_path / "first").mkdir()
    first = run_role(tmp_path / "first", record, popen=True, member_notify_rate_per_minute=20)
    deadline = time.monotonic() + 120
    while sum(counts().values()) < 2 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first.poll() is None, "the first run ended before it could be killed: " + first.stdout.read()
    kill_tree(first.pid)  # the controller's whole side at once, as a crash would
    first.wait()
    after_kill = delivered()  # what the relay accepted before the kill, all delivered
    assert 2 <= sum(after_kill.values()) < len(ELIGIBLE), (after_kill, first.stdout.read())
    time.sleep(3)
    assert counts() == after_kill

    (tmp_path / "second").mkdir()
    second = run_role(tmp_path / "second", record)
    output = second.stdout + second.stderr
    assert second.returncode == 0, output
    final = delivered()
    last = {}
    for line in (record / "50-notify.ledger.jsonl").read_text().splitlines():
        entry = json.loads(line)
        last[entry["email"].split("@")[0]] = entry["state"]
    unknown = {name for name, state in last.items() if state == "sending"}
    assert all(f"{name}@members.test" in output for name in unknown), output  # reported for a human
    # A kill between the relay's accept and the ledger's "sent" leaves a sent-unknown member: reported, not resent.
    assert all(final.get(name) == 1 for name in ELIGIBLE - unknown), (final, output)
    assert all(final.get(name, 0) <= 1 for name in unknown), (final, output)
    assert not NEVER & set(final)
    assert all(final.get(name) == after_kill.get(name) for name in after_kill), "a member told before the kill got another"


def test_run_refused_while_a_killed_plays_module_still_sends(tmp_path):
    """Killing ansible-playbook (its process group, as closing the terminal would) leaves its worker
    and the module running (workers call setsid): a re-run then must refuse, not mail the same members."""
    clear_mailboxes()
    record = tmp_path / "record"
    (tmp_path / "first").mkdir()
    # 8 a minute: the orphaned module is still sending (for 40 s) when the second run reads the ledger.
    first = run_role(tmp_path / "first", record, popen=True, member_notify_rate_per_minute=8)
    deadline = time.monotonic() + 120
    while sum(counts().values()) < 1 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert first.poll() is None, "the first run ended before it could be killed: " + first.stdout.read()
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()

    (tmp_path / "second").mkdir()
    second = run_role(tmp_path / "second", record)
    output = second.stdout + second.stderr
    assert second.returncode != 0 and "is held by another run that is still sending" in output, output

    ledger = record / "50-notify.ledger.jsonl"
    deadline = time.monotonic() + 120
    while ledger.read_text().count('"state": "sent"') < len(ELIGIBLE) and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(1)  # the orphaned module lets go of the ledger as it ends
    (tmp_path / "third").mkdir()
    third = run_role(tmp_path / "third", record)
    output = third.stdout + third.stderr
    assert third.returncode == 0 and re.search(r"already_told['\"]?: 6\b", output), output
    assert delivered() == {name: 1 for name in ELIGIBLE}
