"""50-notify on the lab: every eligible member of the new Greenlight got exactly one message,
through the lab's relay (postfix on lab-acme, STARTTLS and SASL login), with the links of
their own rooms; a second run of site.yml (its notify phase) sends none. Runs after
test_migration.py (file order), before the rehearsal re-runs 40-cutover."""
import base64
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
import testinfra
from bbbmig_testing import REPO, playbook_env, run_playbook

RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "records"
RELAY = "lab-acme"
NEW_HOST = "meet.newcoop.test"  # inventories/lab: bbbmig_hostname_map's greenlight name
OPTED_OUT = "local3@example.org"  # inventories/lab: member_notify_opt_out
# Every delivered message (the relay's one Maildir for example.org), read on the relay.
READ_MAILDIR = r"""
import email, email.policy, glob, json
out = []
for path in sorted(glob.glob('/var/mail/vhosts/example.org/all/*/*')):
    with open(path, 'rb') as handle:
        msg = email.message_from_binary_file(handle, policy=email.policy.default)
    body = msg.get_body(('plain',))
    out.append({'to': str(msg['To']), 'subject': str(msg['Subject']), 'from': str(msg['From']),
                'text': body.get_content() if body is not None else ''})
print(json.dumps(out))
"""


def lab(name):
    return testinfra.get_host(f"docker://{name}")


def delivered():
    script = base64.b64encode(READ_MAILDIR.encode()).decode()
    return json.loads(lab(RELAY).check_output(f"echo {script} | base64 -d | python3"))


def address(to):
    """The bare address of a To header (``Name <addr>`` or ``addr``), lower case."""
    return to.rsplit("<", 1)[-1].rstrip(">").strip().lower()


def new_rows(sql):
    out = lab("lab-new-gl").check_output(
        "docker exec postgres psql -X -tA -F '|' -U postgres -d greenlight-v3-production -c " + json.dumps(sql))
    return [line.split("|") for line in out.splitlines() if line]


def settled():
    """Wait until the relay's queue is empty (every accepted message delivered)."""
    for _ in range(30):
        if "Mail queue is empty" in lab(RELAY).run("postqueue -p").stdout:
            return
        time.sleep(1)
    raise AssertionError(lab(RELAY).run("postqueue -p").stdout)


@pytest.fixture(scope="module")
def first():
    settled()
    return {"mails": delivered(), "record": json.loads((RECORD / "50-notify.json").read_text())}


@pytest.fixture(scope="module")
def eligible():
    """{email (lower case): set of room friendly ids} of the new Greenlight's active members
    with an address, minus the one who opted out: read here, not from the role."""
    members = {uid: (email or "").strip().lower() for uid, email, status in
               new_rows("SELECT id, coalesce(email, ''), status FROM users WHERE status = 0")}
    rooms = {}
    for uid, email in members.items():
        if "@" in email and email != OPTED_OUT:
            rooms[email] = set()
    for uid, fid in new_rows("SELECT user_id, friendly_id FROM rooms"):
        if members.get(uid) in rooms:
            rooms[members[uid]].add(fid)
    return rooms


def test_every_eligible_member_got_exactly_one_message(first, eligible):
    counts = Counter(address(m["to"]) for m in first["mails"])
    assert len(eligible) > 100  # inventories/lab: 200 generated members
    assert set(counts) == set(eligible)
    assert {a: n for a, n in counts.items() if n != 1} == {}
    assert OPTED_OUT not in counts
    data = first["record"]["data"]
    assert first["record"]["result"] == "ok"
    assert int(data["told"]) == len(first["mails"]) and int(data["opted_out"]) == 1
    assert int(data["refused_by_relay"]) == 0 and int(data["sent_unknown"]) == 0


def test_each_message_links_the_members_own_rooms_on_the_new_greenlight(first, eligible):
    wrong = {}
    for mail in first["mails"]:
        email = address(mail["to"])
        linked = {word.rstrip(".,)>").rsplit("/", 1)[-1] for word in mail["text"].split()
                  if word.startswith(f"https://{NEW_HOST}/rooms/")}
        if linked != eligible[email]:
            wrong[email] = (sorted(linked), sorted(eligible[email]))
    assert wrong == {}
    assert sum(1 for mail in first["mails"] if eligible[address(mail["to"])]) > 100
    assert all(mail["from"] == "New Coop Platform <platform@newcoop.test>" for mail in first["mails"])
    assert all(NEW_HOST in mail["subject"] or NEW_HOST in mail["text"] for mail in first["mails"])


def test_the_relay_took_them_only_over_tls_after_a_login(first):
    log = lab(RELAY).check_output("cat /var/log/postfix.log")
    assert "sasl_method=PLAIN" in log or "sasl_method=LOGIN" in log
    assert "TLS connection established from" in log or "Anonymous TLS connection established" in log


def test_the_report_lists_the_notify_counts(first):
    data = first["record"]["data"]
    skipped = sum(int(n) for n in data["skipped"].values())
    report = (RECORD / "report.md").read_text()
    assert (f"**Members told:** {data['told']} sent ({data['told']} in the last run, 0 before), "
            f"1 skipped (opted out), {skipped} ineligible") in report
    assert "0 failed (0 refused by the relay, 0 sent-unknown)" in report


def test_a_second_site_run_sends_none(first, tmp_path):
    env = playbook_env(BBBMIG_RECORD_DIR=str(RECORD), BBBMIG_REPO_ROOT=str(REPO),
                       ANSIBLE_LOG_PATH=os.environ.get("BBBMIG_MIGRATION_LOG", "/dev/null"))
    again = run_playbook(tmp_path, str(REPO / "inventories/lab"), REPO / "playbooks/site.yml",
                         extra_args=["--tags", "notify"], env=env)
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-2000:]
    settled()
    assert len(delivered()) == len(first["mails"])
    data = json.loads((RECORD / "50-notify.json").read_text())["data"]
    assert int(data["told"]) == 0 and int(data["already_told"]) == int(first["record"]["data"]["told"])
    report = (RECORD / "report.md").read_text()
    assert f"**Members told:** {data['already_told']} sent (0 in the last run, {data['already_told']} before)" in report
