"""library/member_notify.py: inputs checked before any message, the ledger
written around every message (sending before, sent after), re-runs and
sent-unknown members never mailed again, languages, links, dry run."""
import email
import json
import smtplib
from email import policy
from pathlib import Path

import pytest
from member_notify import (InputError, Stopped, classify, input_problems, language_chain, link_problem,
                           mailbox_problem, notify, pick_language, read_ledger)

ROLE_MESSAGES = Path(__file__).resolve().parents[2] / "roles/member_notify/files/messages"


def member(n, **extra):
    base = {"id": f"id-{n}", "name": f"Member {n}", "email": f"m{n}@members.test", "language": "en",
            "status": "active", "sso": False, "rooms": [{"name": f"Room {n}", "friendly_id": f"abc-def-{n:03d}",
                                                       "recordings": n}]}
    base.update(extra)
    return base


def params(tmp_path, members=(), **extra):
    p = {"members": list(members), "validate_only": False, "sender": "Platform <platform@newcoop.test>",
         "reply_to": "help@newcoop.test", "subjects": {"en": "Moved to {new_hostname}", "de": "Umgezogen"},
         "templates_dir": str(ROLE_MESSAGES), "default_language": "en", "new_hostname": "gl.newcoop.test",
         "old_hostnames": ["demo.coop.test"], "room_link": "https://{host}/rooms/{friendly_id}",
         "old_room_links": ["https://{old_host}/b/{friendly_id}"], "contact": "help@newcoop.test",
         "opt_out": [], "resend": [], "smtp_host": "relay.test", "smtp_port": 587, "smtp_starttls": True,
         "smtp_username": "u", "smtp_password": "secret", "smtp_ca_file": "", "smtp_timeout": 5,
         "rate_per_minute": 6000.0, "ledger": str(tmp_path / "ledger.jsonl"), "dry_run": False,
         "dry_run_dir": str(tmp_path / "eml"), "stop_after": 0}
    p.update(extra)
    return p


class FakeSession:
    def __init__(self, relay):
        self.relay = relay

    def noop(self):
        return (250, b"ok")

    def send_message(self, msg, to_addrs):
        # What the ledger says at the moment the relay gets the message.
        self.relay.ledger_at_send.append(read_ledger(self.relay.ledger_path).get(msg["X-Test-Id"] or "", None))
        outcome = self.relay.outcomes.pop(0) if self.relay.outcomes else None
        if outcome is not None:
            raise outcome
        self.relay.sent.append((to_addrs, msg))
        return {}


class FakeRelay:
    """Stands in for Relay: records messages and the ledger state seen at each send."""

    def __init__(self, ledger_path, outcomes=(), login_error=None):
        self.ledger_path = ledger_path
        self.outcomes = list(outcomes)
        self.login_error = login_error
        self.sent, self.ledger_at_send, self.connects = [], [], 0
        self.session = None

    def connect(self):
        self.connects += 1
        if self.login_error:
            raise self.login_error
        self.session = FakeSession(self)

    def ready(self):
        if self.session is None:
            self.connect()

    def close(self):
        pass


def ledger_lines(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines()]


def test_addresses():
    assert mailbox_problem("member_notify_sender", "Platform <platform@newcoop.test>") is None
    assert "member_notify_sender" in mailbox_problem("member_notify_sender", "platform at newcoop")
    assert "member_notify_sender" in mailbox_problem("member_notify_sender", "a@b.test, c@d.test")
    assert mailbox_problem("member_notify_reply_to", "", required=False) is None


def test_link_templates_must_give_a_room_url():
    fields = {"host": "gl.newcoop.test"}
    assert link_problem("member_notify_room_link", "https://{host}/rooms/{friendly_id}", fields) is None
    assert "does not produce a room URL" in link_problem("member_notify_room_link", "{host}/rooms/{friendly_id}", fields)
    assert "does not produce a room URL" in link_problem("member_notify_room_link", "https://{host}/rooms", fields)
    assert "cannot be filled in" in link_problem("member_notify_room_link", "https://{hots}/{friendly_id}", fields)


def test_language_falls_back_to_base_then_default():
    assert language_chain("pt_BR", "en") == ["pt_BR", "pt", "en"]
    assert pick_language("de", {"en", "de"}, "en") == "de"
    assert pick_language("de_AT", {"en", "de"}, "en") == "de"
    assert pick_language("fr", {"en", "de"}, "en") == "en"
    assert pick_language("", {"en"}, "en") == "en"


def test_classify_reasons():
    members = [member(1), member(2, status="banned"), member(3, status="pending"), member(4, email=""),
               member(5, email="Opt@Members.Test"), member(6), member(7), member(8), member(9, email="nobody")]
    ledger = {"id-6": "sent", "id-7": "sending", "id-8": "failed"}
    plan = {m["id"]: reason for m, reason in classify(members, ledger, ["opt@members.test"], [])}
    assert plan == {"id-1": "send", "id-2": "banned", "id-3": "pending", "id-4": "no_email", "id-5": "opted_out",
                    "id-6": "already_told", "id-7": "sent_unknown", "id-8": "send", "id-9": "bad_email"}
    again = {m["id"]: reason for m, reason in classify(members, ledger, [], ["M7@members.test"])}
    assert again["id-7"] == "send"


def test_bad_inputs_are_named(tmp_path):
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl/en.txt.j2").write_text("hi")
    problems = " ".join(input_problems(params(tmp_path, sender="nope", templates_dir=str(tmp_path / "tpl"),
                                              room_link="rooms/{friendly_id}", rate_per_minute=0.0)))
    assert "member_notify_sender 'nope'" in problems
    assert "no en.html.j2 for the default language" in problems
    assert "member_notify_room_link" in problems
    assert "member_notify_rate_per_minute" in problems


def test_login_refused_fails_before_any_message(tmp_path):
    error = InputError("member_notify_smtp_username/member_notify_smtp_password: the relay refused the login")
    relay = FakeRelay(tmp_path / "ledger.jsonl", login_error=error)
    with pytest.raises(InputError, match="member_notify_smtp_password"):
        notify(params(tmp_path, [member(1)]), dry_run=False, relay=relay)
    assert relay.sent == [] and not (tmp_path / "ledger.jsonl").exists()


def test_each_message_is_recorded_sending_before_and_sent_after(tmp_path, monkeypatch):
    import member_notify
    original = member_notify.build_message

    def tagged(m, language, env, p):
        msg = original(m, language, env, p)
        msg["X-Test-Id"] = m["id"]
        return msg
    monkeypatch.setattr(member_notify, "build_message", tagged)
    members = [member(1), member(2, language="de", sso=True, rooms=[]), member(3, language="fr")]
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(params(tmp_path, members), dry_run=False, relay=relay)

    assert result["told"] == 3
    assert relay.ledger_at_send == ["sending", "sending", "sending"]
    lines = ledger_lines(tmp_path / "ledger.jsonl")
    assert [(e["member"], e["state"]) for e in lines] == [
        ("id-1", "sending"), ("id-1", "sent"), ("id-2", "sending"), ("id-2", "sent"), ("id-3", "sending"), ("id-3", "sent")]
    by_to = {to[0]: msg for to, msg in relay.sent}
    first = email.message_from_bytes(bytes(by_to["m1@members.test"]), policy=policy.default)
    assert first.get_content_type() == "multipart/alternative"
    text = first.get_body(("plain",)).get_content()
    assert "https://gl.newcoop.test/rooms/abc-def-001" in text
    assert "https://demo.coop.test/b/abc-def-001" in text
    assert first["Subject"] == "Moved to gl.newcoop.test" and first["Reply-To"] == "help@newcoop.test"
    german = email.message_from_bytes(bytes(by_to["m2@members.test"]), policy=policy.default)
    assert german["Subject"] == "Umgezogen" and "Single Sign-on" in german.get_body(("plain",)).get_content()
    assert email.message_from_bytes(bytes(by_to["m3@members.test"]), policy=policy.default)["Content-Language"] == "en"

    again = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(params(tmp_path, members), dry_run=False, relay=again)
    assert again.sent == [] and result["already_told"] == 3 and result["told"] == 0


def test_html_escapes_room_names(tmp_path):
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    notify(params(tmp_path, [member(1, rooms=[{"name": "<script>x</script>", "friendly_id": "abc-def-ghi",
                                               "recordings": 0}])]), dry_run=False, relay=relay)
    html = email.message_from_bytes(bytes(relay.sent[0][1]), policy=policy.default).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_no_answer_leaves_sent_unknown_and_stops(tmp_path):
    members = [member(1), member(2), member(3)]
    relay = FakeRelay(tmp_path / "ledger.jsonl", outcomes=[None, smtplib.SMTPServerDisconnected("gone")])
    with pytest.raises(Stopped, match="sent-unknown") as stopped:
        notify(params(tmp_path, members), dry_run=False, relay=relay)
    assert stopped.value.result["told"] == 1
    assert read_ledger(tmp_path / "ledger.jsonl") == {"id-1": "sent", "id-2": "sending"}

    rerun = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(params(tmp_path, members), dry_run=False, relay=rerun)
    assert [to for to, _ in rerun.sent] == [["m3@members.test"]]
    assert result["unknown"] == ["m2@members.test (id-2)"] and result["already_told"] == 1


def test_refused_recipient_is_recorded_failed_and_tried_again(tmp_path):
    members = [member(1), member(2)]
    refused = smtplib.SMTPRecipientsRefused({"m1@members.test": (550, b"no such user")})
    relay = FakeRelay(tmp_path / "ledger.jsonl", outcomes=[refused])
    result = notify(params(tmp_path, members), dry_run=False, relay=relay)
    assert result["told"] == 1 and len(result["failed"]) == 1
    assert read_ledger(tmp_path / "ledger.jsonl") == {"id-1": "failed", "id-2": "sent"}
    rerun = FakeRelay(tmp_path / "ledger.jsonl")
    notify(params(tmp_path, members), dry_run=False, relay=rerun)
    assert [to for to, _ in rerun.sent] == [["m1@members.test"]]


def test_stop_after_for_drills(tmp_path):
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    with pytest.raises(Stopped, match="member_notify_stop_after"):
        notify(params(tmp_path, [member(1), member(2), member(3)], stop_after=2), dry_run=False, relay=relay)
    assert len(relay.sent) == 2


def test_dry_run_writes_one_eml_each_and_sends_none(tmp_path):
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(params(tmp_path, [member(1), member(2, status="banned"), member(3)]), dry_run=True, relay=relay)
    assert relay.sent == [] and result["would_tell"] == 2
    assert sorted(p.name for p in (tmp_path / "eml").iterdir()) == ["id-1.eml", "id-3.eml"]
    assert not (tmp_path / "ledger.jsonl").exists()


def test_torn_ledger_line_is_ignored(tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_text('{"member": "id-1", "state": "sent"}\n{"member": "id-2", "sta')
    assert read_ledger(path) == {"id-1": "sent"}


def test_line_after_a_torn_one_stands_alone(tmp_path):
    path = tmp_path / "ledger.jsonl"
    path.write_text('{"member": "id-1", "state": "sent"}\n{"member": "id-2", "sta')
    relay = FakeRelay(path)
    notify(params(tmp_path, [member(1), member(2)]), dry_run=False, relay=relay)
    assert read_ledger(path) == {"id-1": "sent", "id-2": "sent"}


def test_a_second_run_refuses_while_one_holds_the_ledger(tmp_path):
    from member_notify import Ledger
    holder = Ledger(str(tmp_path / "ledger.jsonl"))
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    with pytest.raises(InputError, match="held by another run"):
        notify(params(tmp_path, [member(1)]), dry_run=False, relay=relay)
    assert relay.sent == []
    holder.close()
    notify(params(tmp_path, [member(1)]), dry_run=False, relay=relay)
    assert len(relay.sent) == 1
