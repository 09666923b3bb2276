"""Archives written from the v2 database and the BBB node, checked against the source
data; links served by nginx until they expire, refused when forged."""
import base64
import hashlib
import json
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import DIR, GL, WEB, docker_bytes, psql_json

SAMPLE = ["alice@coop.test", "bob@coop.test", "carol@coop.test"]


def load(archive, name):
    return json.loads(archive[name].decode())


def test_one_archive_per_member_not_deleted_named_by_a_token(result):
    expected = psql_json("SELECT json_agg(lower(email) ORDER BY lower(email)) FROM users WHERE NOT deleted")
    assert sorted(result["members"]) == expected and "dave@coop.test" not in result["members"]
    listing = docker_bytes(WEB, "ls", DIR).decode().split()
    assert sorted(listing) == sorted(e["file"] for e in result["members"].values())
    for email, entry in result["members"].items():
        assert email.split("@")[0] not in entry["file"] and len(entry["file"]) == len("0" * 32 + ".zip")


@pytest.mark.parametrize("email", SAMPLE)
def test_account_matches_the_source(archives, email):
    source = psql_json(
        "SELECT json_build_object('name', u.name, 'email', u.email, 'provider', u.provider, 'language', u.language,"
        " 'created', to_char(u.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'role', r.name)"
        f" FROM users u LEFT JOIN roles r ON r.id = u.role_id WHERE lower(u.email) = '{email}'")
    [account] = load(archives[email], "account.json")["accounts"]
    assert {k: account[k] for k in source} == source


@pytest.mark.parametrize("email", SAMPLE)
def test_rooms_match_the_source_with_their_settings_and_links(archives, email):
    source = psql_json(
        "SELECT coalesce(json_agg(json_build_object('uid', r.uid, 'name', r.name, 'settings', r.room_settings,"
        " 'access_code', coalesce(r.access_code, '')) ORDER BY r.uid), '[]') FROM rooms r JOIN users u ON u.id = r.user_id"
        f" WHERE lower(u.email) = '{email}' AND NOT r.deleted")
    rooms = sorted(load(archives[email], "rooms.json"), key=lambda r: r["id"])
    assert [(r["id"], r["name"]) for r in rooms] == [(s["uid"], s["name"]) for s in source]
    for room, src in zip(rooms, source):
        settings = json.loads(src["settings"])
        assert {k: room["settings"][k] for k in settings} == settings
        assert room["settings"]["access_code"] == src["access_code"]
        assert room["old_link"] == f"https://gl.coop.test/b/{src['uid']}"
        assert room["new_link"] == f"https://gl.newcoop.test/rooms/{src['uid']}/join"
    csv_lines = archives[email]["rooms.csv"].decode().splitlines()
    assert len(csv_lines) == len(source) + 1 and all(s["uid"] in archives[email]["rooms.csv"].decode() for s in source)


def test_member_without_rooms_has_empty_lists_and_a_readme(archives):
    carol = archives["carol@coop.test"]
    assert load(carol, "rooms.json") == load(carol, "shared_with_me.json") == load(carol, "recordings.json") == []
    assert "Coop Meet: https://meet.othercoop.test/ (takes members of closed platforms)" in carol["README.txt"].decode()


@pytest.mark.parametrize("email", SAMPLE)
def test_rooms_shared_with_them_match_the_source(archives, email):
    source = psql_json(
        "SELECT coalesce(json_agg(DISTINCT r.uid), '[]') FROM shared_accesses s JOIN rooms r ON r.id = s.room_id"
        f" JOIN users u ON u.id = s.user_id WHERE lower(u.email) = '{email}' AND NOT r.deleted")
    shared = load(archives[email], "shared_with_me.json")
    assert sorted(s["id"] for s in shared) == sorted(source)
    if email == "bob@coop.test":
        assert shared[0]["owner"] == "Alice Martin" and shared[0]["name"] == "Team Weekly"


def bbb_recordings():
    """{meeting id: {(record id, format, state)}} from the BBB node's tree."""
    found = {}
    for line in docker_bytes(WEB, "sh", "-c", "cd /var/bigbluebutton && ls -d */*/*").decode().split():
        state, fmt, rid = line.split("/")
        found.setdefault(rid.rsplit("-", 1)[0], set()).add((rid, fmt, state))
    return found


@pytest.mark.parametrize("email", SAMPLE)
def test_recordings_of_their_rooms_in_every_format_with_links_and_files(archives, email):
    meetings = psql_json("SELECT coalesce(json_agg(r.bbb_id), '[]') FROM rooms r JOIN users u ON u.id = r.user_id"
                         f" WHERE lower(u.email) = '{email}' AND NOT r.deleted")
    on_bbb = bbb_recordings()
    expected = {rec for meeting in meetings for rec in on_bbb.get(meeting, set())}
    recordings = load(archives[email], "recordings.json")
    assert {(r["record_id"], r["format"], r["state"]) for r in recordings} == expected
    for rec in recordings:
        assert rec["old_link"].startswith("https://bbb.coop.test/") and rec["record_id"] in rec["old_link"]
        assert rec["new_link"] == rec["old_link"].replace("bbb.coop.test", "bbb.newcoop.test")
        media = archives[email][f"recordings/{rec['record_id']}/{rec['format']}/{rec['format']}-media.bin"]
        assert media.decode() == f"{rec['format']} media of {rec['record_id']}\n"
    if email == "alice@coop.test":
        assert {r["format"] for r in recordings} == {"presentation", "video", "podcast"}
        assert "cccccccccccccccccccccccccccccccccccccccc" not in json.dumps(recordings)  # deleted room


def test_no_password_digest_anywhere(archives):
    secrets = psql_json(
        "SELECT json_agg(v) FROM (SELECT password_digest v FROM users UNION SELECT reset_digest FROM users"
        " UNION SELECT activation_digest FROM users UNION SELECT moderator_pw FROM rooms"
        " UNION SELECT attendee_pw FROM rooms) s WHERE v IS NOT NULL")
    assert len(secrets) >= 9
    for email, files in archives.items():
        for name, content in files.items():
            text = content.decode(errors="replace")
            for column in ("password_digest", "_digest", "moderator_pw", "attendee_pw", '"password'):
                assert column not in text, (email, name, column)
            for value in secrets:
                assert value not in text, (email, name)


def curl(url):
    """(status, sha256 of the body) of a GET from the Greenlight host, trusting the web host's certificate."""
    address = docker_bytes(GL, "getent", "ahostsv4", WEB).decode().split()[0]
    out = subprocess.run(
        ["docker", "exec", GL, "sh", "-c",
         f"curl -sS --cacert /tmp/export.pem --resolve export.newcoop.test:443:{address} -o /tmp/body -w '%{{http_code}}'"
         f" '{url}' && sha256sum /tmp/body"], capture_output=True, text=True, check=True).stdout
    return int(out[:3]), out[3:].split()[0]


@pytest.fixture(scope="module")
def client_trusts_web():
    cert = docker_bytes(WEB, "cat", "/etc/ssl/lab/export.pem")
    subprocess.run(["docker", "exec", "-i", GL, "sh", "-c", "cat > /tmp/export.pem"], input=cert, check=True)


def signed(path, expires):
    secret = docker_bytes(WEB, "cat", "/etc/bbbmig/member-export.secret").decode().strip()
    md5 = base64.urlsafe_b64encode(hashlib.md5(f"{expires}{path} {secret}".encode()).digest()).decode().rstrip("=")
    return f"https://export.newcoop.test{path}?md5={md5}&expires={expires}"


def test_link_serves_the_archive_until_it_expires(result, client_trusts_web):
    entry = result["members"]["alice@coop.test"]
    assert entry["expires"] > time.time() + 29 * 86400 and entry["link"].startswith("https://export.newcoop.test/")
    file_sha = docker_bytes(WEB, "sha256sum", f"{DIR}/{entry['file']}").decode().split()[0]
    assert curl(entry["link"]) == (200, file_sha) == (200, entry["sha256"])
    path = urlsplit(entry["link"]).path
    assert curl(signed(path, int(time.time()) - 60))[0] == 410  # correctly signed, but expired


def test_forged_or_borrowed_links_are_refused(result, client_trusts_web):
    alice, bob = result["members"]["alice@coop.test"], result["members"]["bob@coop.test"]
    query = parse_qs(urlsplit(alice["link"]).query)
    assert curl(alice["link"].replace(query["md5"][0], "A" * 22))[0] == 403
    assert curl(alice["link"].replace(f"expires={alice['expires']}", f"expires={alice['expires'] + 86400}"))[0] == 403
    assert curl(alice["link"].replace(alice["file"], bob["file"]))[0] == 403  # Alice's hash for Bob's archive
    assert curl("https://export.newcoop.test/member-export/")[0] == 403
    assert curl(f"https://export.newcoop.test/member-export/{alice['file']}")[0] == 403


def test_files_and_secrets_are_closed_to_others():
    out = docker_bytes(WEB, "sh", "-c", f"stat -c '%a %U %G %n' {DIR} {DIR}/* /etc/bbbmig/member-export.secret"
                                        " /etc/nginx/conf.d/bbbmig-member-export.conf").decode().splitlines()
    modes = {line.split()[3]: tuple(line.split()[:3]) for line in out}
    assert modes.pop(DIR) == ("750", "root", "www-data")
    assert modes.pop("/etc/bbbmig/member-export.secret") == ("600", "root", "root")
    assert modes.pop("/etc/nginx/conf.d/bbbmig-member-export.conf") == ("600", "root", "root")
    assert set(modes.values()) == {("640", "root", "www-data")}
