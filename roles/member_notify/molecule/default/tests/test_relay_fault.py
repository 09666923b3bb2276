"""SMTP failing halfway: the relay answers 451 for one member after others were
sent. The run stops at once with a message naming the relay and how many were
sent; the ledger says sent for exactly the members who have their message and
failed for the refused one. While the relay is down a run sends nothing and
leaves the ledger as it was. With the relay back, a re-run tells each remaining
member exactly once and nobody a second time."""
import json
import re
import subprocess

from conftest import ELIGIBLE, MAIL, NEVER, address, clear_mailboxes, counts, run_role
from test_rerun import delivered

# members.sql's order (oldest first): hugo, gina, dora are told before claire.
BEFORE_REFUSAL = {"hugo", "gina", "dora"}


def relay(*argv):
    subprocess.run(["docker", "exec", MAIL, *argv], check=True, capture_output=True)


def defer(addresses):
    content = "".join(f"{a} 451 4.3.0 lab relay: try again later\n" for a in addresses)
    relay("sh", "-c", f"printf '%s' '{content}' > /etc/postfix/lab-defer && postfix reload")


def flat(output):
    """The output with YAML's line folding undone (plain and double-quoted scalars), one space between words."""
    return " ".join(re.sub(r"\\\n\s*", "", output).replace("\\ ", " ").split())


def ledger_states(record):
    last = {}
    for line in (record / "50-notify.ledger.jsonl").read_text().splitlines():
        entry = json.loads(line)
        last[entry["email"].split("@")[0]] = entry["state"]
    return last


def test_relay_failing_halfway_then_back(tmp_path):
    clear_mailboxes()
    record = tmp_path / "record"
    defer(["claire@members.test"])
    try:
        (tmp_path / "first").mkdir()
        first = run_role(tmp_path / "first", record)
    finally:
        defer([])
    output = flat(first.stdout + first.stderr)
    assert first.returncode != 0, output
    assert f"The relay {address(MAIL)}:587 refused mail temporarily (451 at claire@members.test" in output, output
    assert "after 3 message(s) were sent in this run" in output and "3 still to tell" in output, output
    assert delivered() == {name: 1 for name in BEFORE_REFUSAL}
    assert ledger_states(record) == dict({name: "sent" for name in BEFORE_REFUSAL}, claire="failed")

    relay("systemctl", "stop", "postfix")
    try:
        (tmp_path / "down").mkdir()
        down = run_role(tmp_path / "down", record)
    finally:
        relay("systemctl", "start", "postfix")
    output = flat(down.stdout + down.stderr)
    assert down.returncode != 0 and f"cannot talk to the relay {address(MAIL)}:587" in output, output
    assert ledger_states(record) == dict({name: "sent" for name in BEFORE_REFUSAL}, claire="failed")

    (tmp_path / "back").mkdir()
    back = run_role(tmp_path / "back", record)
    assert back.returncode == 0, back.stdout + back.stderr
    assert delivered() == {name: 1 for name in ELIGIBLE}
    assert not NEVER & set(counts())
    assert ledger_states(record) == {name: "sent" for name in ELIGIBLE}
