"""The fallback (no cooperative took the members): playbooks/50-notify.yml with
no target_greenlight reads the members from the old Greenlight v2, only reads it
(its dump is the same after), runs member_export first (link delivery behind
nginx's secure_link on the old host) and mails each active member one message
in their language with their rooms' old links, the alternatives and the link
member_export made for them: fetched on the old host, it is that member's own
archive."""
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile

import pytest
import yaml
from bbbmig_testing import REPO, playbook_env
from conftest import DB, LAB, MAIL, STATE, address, clear_mailboxes, mailboxes

TOLD = {"anna": "en", "bernd": "de", "claire": "en"}  # members-v2.sql: active, not deleted
ALTERNATIVES = [{"name": "Other Coop Meet", "url": "https://meet.other-coop.test/", "note": "takes members"},
                {"name": "Town Jitsi", "url": "https://jitsi.town.test/"}]


def dump_v2():
    out = subprocess.run(["docker", "exec", DB, "runuser", "-u", "postgres", "--", "pg_dump", "--no-owner",
                          "greenlight_v2"], capture_output=True, check=True).stdout
    # pg_dump's \restrict line carries a random key each time.
    lines = [line for line in out.splitlines() if not line.startswith((b"\\restrict ", b"\\unrestrict "))]
    assert len(lines) > 100
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def fetch_on_old_host(url):
    """GET ``url`` from nginx on the old host (by address, its name as Host): (status, body)."""
    script = ("import ssl,sys,urllib.request,urllib.error,urllib.parse\n"
              "u=urllib.parse.urlsplit(sys.argv[1])\n"
              "r=urllib.request.Request('https://127.0.0.1'+u.path+'?'+u.query,headers={'Host':u.hostname})\n"
              "c=ssl._create_unverified_context()\n"
              "try:\n b=urllib.request.urlopen(r,context=c).read();sys.stdout.buffer.write(b'200\\n'+b)\n"
              "except urllib.error.HTTPError as e:\n sys.stdout.buffer.write(str(e.code).encode()+b'\\n')\n")
    out = subprocess.run(["docker", "exec", DB, "python3", "-c", script, url], capture_output=True, check=True).stdout
    status, _, body = out.partition(b"\n")
    return int(status), body


@pytest.fixture(scope="module")
def fallback(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fallback")
    db = {"ansible_connection": "community.docker.docker", "ansible_python_interpreter": "/usr/bin/python3"}
    group_vars = {k: v for k, v in LAB.items() if k.startswith("member_notify_")}
    group_vars.update({
        "bbbmig_record_dir": str(tmp / "record"),
        "member_notify_db": {"access": "local", "database": "greenlight_v2", "user": "postgres"},
        "member_notify_hostname_map": {}, "member_notify_old_hostnames": ["gl.coop.test"],
        "member_notify_smtp_host": address(MAIL), "member_notify_smtp_ca_file": str(STATE / "relay-ca.pem"),
        "member_notify_smtp_username": LAB["lab_smtp_username"], "member_notify_smtp_password": LAB["lab_smtp_password"],
        "member_export_db": {"access": "local", "database": "greenlight_v2", "user": "postgres"},
        "member_export_recordings_hosts": [], "member_export_hostname_map": {},
        "member_export_old_greenlight_hostname": "gl.coop.test", "member_export_dir": "/srv/fallback-export",
        "member_export_delivery": "link", "member_export_link_hostname": "export.coop.test",
        "member_export_link_certificate": "/etc/ssl/certs/ssl-cert-snakeoil.pem",
        "member_export_link_certificate_key": "/etc/ssl/private/ssl-cert-snakeoil.key",
        "member_export_link_ipv6": False, "member_export_alternatives": ALTERNATIVES,
    })
    inventory = {"all": {"vars": group_vars,
                         "hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}},
                         "children": {"source_greenlight": {"hosts": {DB: db}}}}}
    (tmp / "hosts.yml").write_text(yaml.safe_dump(inventory))
    clear_mailboxes()
    before = dump_v2()
    run = subprocess.run(["ansible-playbook", "-i", str(tmp / "hosts.yml"), str(REPO / "playbooks/50-notify.yml")],
                         capture_output=True, text=True, env=playbook_env(), timeout=900, check=False)
    return {"run": run, "boxes": mailboxes(), "before": before, "after": dump_v2(), "record": tmp / "record"}


def text(message):
    return message.get_body(("plain",)).get_content()


def test_the_playbook_tells_each_active_member_once(fallback):
    output = fallback["run"].stdout + fallback["run"].stderr
    assert fallback["run"].returncode == 0, output
    assert {box: len(msgs) for box, msgs in fallback["boxes"].items()} == {name: 1 for name in TOLD}
    assert LAB["lab_smtp_password"] not in output
    ledger = [json.loads(line) for line in (fallback["record"] / "50-notify.ledger.jsonl").read_text().splitlines()]
    assert sorted(e["email"] for e in ledger if e["state"] == "sent") == sorted(f"{n}@members.test" for n in TOLD)
    record = json.loads((fallback["record"] / "50-notify.json").read_text())
    assert int(record["data"]["told"]) == 3


def test_the_old_greenlight_is_only_read(fallback):
    assert fallback["after"] == fallback["before"]


def test_language_rooms_and_alternatives(fallback):
    for name, language in TOLD.items():
        message, = fallback["boxes"][name]
        body, html = text(message), message.get_body(("html",)).get_content()
        assert message["Content-Language"] == language
        assert ("wird geschlossen" if language == "de" else "is closing") in message["Subject"]
        assert "gl.coop.test" in message["Subject"]
        for alt in ALTERNATIVES:
            assert alt["name"] in body and alt["url"] in body and alt["url"] in html
        assert "/rooms/" not in body and "gl.newcoop.test" not in body
    anna = text(fallback["boxes"]["anna"][0])
    assert "https://gl.coop.test/b/ann-v2h-001" in anna and "https://gl.coop.test/b/ann-v2c-002" in anna
    assert "ann-v2x-003" not in anna  # a deleted room
    assert "Anna&#39;s &lt;class&gt;" in fallback["boxes"]["anna"][0].get_body(("html",)).get_content()
    assert "https://gl.coop.test/b/ber-v2b-004" in text(fallback["boxes"]["bernd"][0])
    assert "no rooms of your own" in text(fallback["boxes"]["claire"][0])


def test_each_member_gets_the_link_member_export_made_for_them(fallback):
    seen = set()
    for name in TOLD:
        body = text(fallback["boxes"][name][0])
        links = re.findall(r"https://export\.coop\.test/member-export/[0-9a-f]{32}\.zip\?md5=[A-Za-z0-9_-]+&expires=\d+",
                           body)
        assert len(links) == 1, body
        status, archive = fetch_on_old_host(links[0])
        assert status == 200
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            accounts = json.loads(zipped.read("account.json"))["accounts"]
        assert [a["email"] for a in accounts] == [f"{name}@members.test"]
        forged = re.sub(r"md5=[^&]+", "md5=AAAAAAAAAAAAAAAAAAAAAA", links[0])
        assert fetch_on_old_host(forged)[0] == 403
        seen.add(links[0])
    assert len(seen) == len(TOLD)
