"""After converge (and Molecule's idempotence run, which must send nothing):
exactly one message per eligible member, in their language, with their links,
through STARTTLS and the relay's login; none for the banned, pending or
opted-out member; the ledger says sent for each."""
import json
import subprocess

from conftest import ELIGIBLE, MAIL, NEVER, STATE, mailboxes

BOXES = mailboxes()


def text(message):
    return message.get_body(("plain",)).get_content()


def test_exactly_one_message_per_eligible_member_and_none_for_the_others():
    assert {box: len(msgs) for box, msgs in BOXES.items()} == {name: 1 for name in ELIGIBLE}
    assert not NEVER & set(BOXES)


def test_each_message_is_plain_text_and_html_to_its_member():
    for name, (message,) in BOXES.items():
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert f"<{name}@members.test>" in message["To"]
        assert message["Delivered-To"] == f"{name}@members.test"
        assert message["From"] == "New Coop Platform <platform@newcoop.test>"
        assert message["Reply-To"] == "help@newcoop.test"
        assert "help@newcoop.test" in text(message)


def test_language_is_the_members_or_english():
    german = {"bernd", "dora", "hugo"}
    for name, (message,) in BOXES.items():
        if name in german:
            assert message["Subject"] == "Ihre Räume sind nach gl.newcoop.test umgezogen"
            assert message["Content-Language"] == "de" and "Hallo" in text(message)
        else:  # en, and fr (no French template) falls back to English
            assert message["Subject"] == "Your rooms have moved to gl.newcoop.test"
            assert message["Content-Language"] == "en" and "Hello" in text(message)


def test_links_recordings_and_sign_in():
    anna = text(BOXES["anna"][0])
    for link in ("https://gl.newcoop.test/rooms/ann-abc-def", "https://gl.newcoop.test/rooms/ann-xyz-123",
                 "https://demo.coop.test/b/ann-abc-def", "https://gl.coop.test/b/ann-xyz-123"):
        assert link in anna
    assert "ca.coop.test" not in anna  # a BBB-only old name had no room links
    assert "Recordings moved with your rooms: 2." in anna
    assert "your current password, which keeps working" in anna
    html = BOXES["anna"][0].get_body(("html",)).get_content()
    assert "Anna&#39;s &lt;team&gt; room" in html and '<a href="https://gl.newcoop.test/rooms/ann-abc-def">' in html
    claire = text(BOXES["claire"][0])
    assert "single sign-on" in claire and "password" not in claire
    assert "Recordings moved with your rooms: 3." in claire
    assert "keine eigenen Räume" in text(BOXES["dora"][0])
    assert "https://gl.newcoop.test/rooms/ber-k7m-2pq" in text(BOXES["bernd"][0])


def test_relay_saw_starttls_and_the_login():
    log = subprocess.run(["docker", "exec", MAIL, "grep", "postfix/smtpd", "/var/log/postfix.log"],
                         capture_output=True, text=True, check=True).stdout
    assert "TLS connection established" in log
    assert "sasl_username=notify@relay.test" in log


def test_ledger_and_counts():
    result = json.loads((STATE / "member_notify_result.json").read_text())
    assert result["told"] == 6 and result["opted_out"] == 1
    assert result["skipped"] == {"banned": 1, "pending": 1} and result["unknown"] == []
    lines = [json.loads(line) for line in (STATE / "records/50-notify.ledger.jsonl").read_text().splitlines()]
    sent = [e["email"].split("@")[0] for e in lines if e["state"] == "sent"]
    assert sorted(sent) == sorted(ELIGIBLE)
    assert (STATE / "records/50-notify.ledger.jsonl").stat().st_mode & 0o077 == 0
