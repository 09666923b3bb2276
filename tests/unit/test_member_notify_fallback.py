"""library/member_notify.py: the fallback message (no new home: old links, the
member's own member_export link or path, the alternatives, in every shipped
language) and a relay that fails halfway (stopped with the relay and the counts
named; the ledger consistent; the re-run tells the rest once)."""
import email
import smtplib
from email import policy

import pytest
from member_notify import InputError, Stopped, notify, read_ledger
from test_member_notify import FakeRelay, member, params

ALTERNATIVES = [{"name": "Other Coop Meet", "url": "https://meet.other.test/", "note": "takes members"},
                {"name": "Jitsi of the Town", "url": "https://jitsi.town.test/"}]


def export_result(members, link=True):
    """member_export_result as member_export's build step sets it."""
    out = {"generation": "v2", "delivery": "link" if link else "directory", "host": "old-gl",
           "dir": "/srv/bbbmig-member-export", "members": {}}
    for m in members:
        entry = {"file": f"{m['id'][-1] * 32}.zip", "token": m["id"][-1] * 32, "recordings": 4}
        if link:
            entry.update(link=f"https://export.old.test/member-export/{entry['file']}?md5=SIG{m['id']}&expires=99",
                         expires_at="2030-01-31T00:00:00Z")
        out["members"][m["email"]] = entry
    return out


def fallback_params(tmp_path, members, **extra):
    fields = {"fallback": True, "alternatives": ALTERNATIVES, "export": export_result(members), "new_hostname": "",
              "room_link": "", "old_hostnames": ["gl.old.test"],
              "subjects": {"en": "{old_hostname} is closing", "de": "{old_hostname} schließt"}}
    fields.update(extra)
    return params(tmp_path, members, **fields)


def parts(msg):
    parsed = email.message_from_bytes(bytes(msg), policy=policy.default)
    return (parsed.get_body(("plain",)).get_content(), parsed.get_body(("html",)).get_content())


@pytest.mark.parametrize("language", ["en", "de"])
def test_fallback_message_has_export_link_and_alternatives(tmp_path, language):
    one = member(1, language=language)
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    p = fallback_params(tmp_path, [one])
    notify(p, dry_run=False, relay=relay)
    (to, msg), = relay.sent
    text, html = parts(msg)
    link = p["export"]["members"]["m1@members.test"]["link"]
    for body in (text, html):
        assert link.replace("&", "&amp;" if body is html else "&") in body
        for alt in ALTERNATIVES:
            assert alt["url"] in body and alt["name"] in body
        assert "https://gl.old.test/b/abc-def-001" in body
        assert "gl.newcoop.test" not in body and "/rooms/" not in body
        assert "4" in body  # the recordings the archive lists
    assert msg["Subject"] == ("gl.old.test is closing" if language == "en" else "gl.old.test schließt")


def test_directory_delivery_names_the_archive_path(tmp_path):
    one = member(1)
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    p = fallback_params(tmp_path, [one])
    p["export"] = export_result([one], link=False)
    notify(p, dry_run=False, relay=relay)
    text, _ = parts(relay.sent[0][1])
    assert f"/srv/bbbmig-member-export/{'1' * 32}.zip" in text and "md5=" not in text


def test_member_without_archive_is_not_told_and_listed(tmp_path):
    one, two = member(1), member(2)
    p = fallback_params(tmp_path, [one, two])
    del p["export"]["members"]["m2@members.test"]
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(p, dry_run=False, relay=relay)
    assert [to for to, _ in relay.sent] == [["m1@members.test"]]
    assert result["skipped"] == {"no_export": 1} and result["no_export"] == ["m2@members.test (id-2)"]


def test_fallback_inputs_are_named(tmp_path):
    p = fallback_params(tmp_path, [member(1)], alternatives=[], export={})
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    with pytest.raises(InputError) as err:
        notify(p, dry_run=False, relay=relay)
    assert "member_notify_alternatives is empty" in str(err.value)
    assert "member_notify_export_host has no member_export_result" in str(err.value)
    assert relay.sent == []
    bad = fallback_params(tmp_path, [member(1)], alternatives=[{"name": "X", "url": "meet.other.test"}])
    with pytest.raises(InputError, match="member_notify_alternatives: .* needs a name and an https:// URL"):
        notify(bad, dry_run=False, relay=FakeRelay(tmp_path / "ledger.jsonl"))


def test_relay_refusing_temporarily_stops_the_run_and_the_rerun_tells_the_rest(tmp_path):
    members = [member(n) for n in range(1, 6)]
    deferred = smtplib.SMTPRecipientsRefused({"m3@members.test": (451, b"4.3.0 try again later")})
    relay = FakeRelay(tmp_path / "ledger.jsonl", outcomes=[None, None, deferred])
    with pytest.raises(Stopped) as stopped:
        notify(params(tmp_path, members), dry_run=False, relay=relay)
    message = str(stopped.value)
    assert "relay.test:587" in message and "451" in message
    assert "after 2 message(s) were sent" in message and "3 still to tell" in message
    assert len(relay.sent) == 2  # nobody after the refusal was tried
    assert read_ledger(tmp_path / "ledger.jsonl") == {"id-1": "sent", "id-2": "sent", "id-3": "failed"}

    rerun = FakeRelay(tmp_path / "ledger.jsonl")
    result = notify(params(tmp_path, members), dry_run=False, relay=rerun)
    assert [to for to, _ in rerun.sent] == [[f"m{n}@members.test"] for n in (3, 4, 5)]
    assert result["already_told"] == 2 and result["told"] == 3


class DyingRelay(FakeRelay):
    """The relay goes away after ``alive`` messages: NOOP fails and a new connection is refused."""

    def __init__(self, ledger_path, alive):
        super().__init__(ledger_path)
        self.alive = alive

    def ready(self):
        if len(self.sent) >= self.alive:
            raise InputError("member_notify_smtp_host: cannot talk to the relay relay.test:587 "
                             "([Errno 111] Connection refused).")
        super().ready()


def test_relay_gone_between_messages_stops_with_the_counts(tmp_path):
    members = [member(n) for n in range(1, 5)]
    relay = DyingRelay(tmp_path / "ledger.jsonl", alive=1)
    with pytest.raises(Stopped) as stopped:
        notify(params(tmp_path, members), dry_run=False, relay=relay)
    message = str(stopped.value)
    assert "relay.test:587 stopped answering" in message and "after 1 message(s) were sent" in message
    assert "3 still to tell" in message and "Connection refused" in message
    assert read_ledger(tmp_path / "ledger.jsonl") == {"id-1": "sent"}  # no doubt about anyone
    rerun = FakeRelay(tmp_path / "ledger.jsonl")
    notify(params(tmp_path, members), dry_run=False, relay=rerun)
    assert [to for to, _ in rerun.sent] == [[f"m{n}@members.test"] for n in (2, 3, 4)]


def test_links_come_apart_from_the_export_result(tmp_path):
    """The role hands the links in a no_log option and the rest of member_export_result without them."""
    one = member(1)
    p = fallback_params(tmp_path, [one])
    links = {e: entry.pop("link") for e, entry in p["export"]["members"].items()}
    p["export_links"] = links
    relay = FakeRelay(tmp_path / "ledger.jsonl")
    notify(p, dry_run=False, relay=relay)
    text, _ = parts(relay.sent[0][1])
    assert links["m1@members.test"] in text and "/srv/bbbmig-member-export" not in text
