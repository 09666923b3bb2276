"""The lab platform after playbooks/site.yml, checked from outside."""
import hashlib
import json
import os
import re
from pathlib import Path

import pytest
import testinfra

RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "records"
testinfra_hosts = ["lab-ns1"]


def lab(name):
    return testinfra.get_host(f"docker://{name}")


def address(name):
    return lab(name).interface("eth0").addresses[0]


def phase(name):
    return json.loads((RECORD / f"{name}.json").read_text())


def new_psql(sql):
    """A query on the new Greenlight's database, in its compose `postgres` container."""
    return lab("lab-new-gl").check_output(
        "docker exec postgres psql -X -tA -U postgres -d greenlight-v3-production -c " + json.dumps(sql))


def old_psql(sql):
    """The psql command for the old Greenlight's database, in v2's compose `db` container."""
    return "docker exec greenlight_db_1 psql -X -tA -U postgres -d greenlight_production -c " + json.dumps(sql)


def bbb_api(call, query, secret):
    """GET a BBB API call on the new node through its nginx (TLS), signed with ``secret``."""
    checksum = hashlib.sha256(f"{call}{query}{secret}".encode()).hexdigest()
    url = f"https://bbb.newcoop.test/bigbluebutton/api/{call}?{query}{'&' if query else ''}checksum={checksum}"
    return lab("lab-new-bbb").check_output(f"curl -sk --resolve bbb.newcoop.test:443:127.0.0.1 '{url}'")


def test_every_phase_finished_ok_and_the_report_says_so():
    report = (RECORD / "report.md").read_text()
    for name in ("00-preflight", "10-provision", "20-presync", "30-members", "40-cutover"):
        assert phase(name)["result"] == "ok"
        assert re.search(rf"^\| {name}: [^|]+ \| ok \|", report, re.M), name
    assert (RECORD / "report.html").exists()


def test_preflight_discovered_the_old_platform():
    data = phase("00-preflight")["data"]
    old = data["source_bbb"]["lab-old-bbb"]
    assert old["bbb_version"] == "1:2.7.12-1"  # BBB 2.7 from the lab's repository
    # inventories/lab: 30 recordings, one of them still processing (raw only)
    assert old["recordings"] == 30 and len(old["processing"]) == 1
    assert data["source_greenlight"]["lab-old-gl"]["generation"] == "v2"


@pytest.mark.parametrize("server", ["lab-ns1", "lab-ns2"])
def test_old_names_point_at_the_new_platform_on_every_nameserver(host, server):
    new_gl = address("lab-new-gl")
    for name in ("bbb.coop.test", "meet.coop.test"):
        assert host.check_output(f"dig +short +norec @{server} {name} A").strip() == new_gl
    assert host.check_output(f"dig +short +norec @{server} bbb.newcoop.test A").strip() == address("lab-new-bbb")


def test_every_finished_recording_arrived_with_new_links():
    old, new = lab("lab-old-bbb"), lab("lab-new-bbb")
    listing = "cd /var/bigbluebutton/published && find . -type f ! -name metadata.xml -exec sha256sum {} + | sort"
    assert new.check_output(listing) == old.check_output(listing)
    leftover = new.run("grep -rl 'bbb.coop.test' /var/bigbluebutton/published /var/bigbluebutton/unpublished")
    assert leftover.stdout == "", leftover.stdout
    assert new.run("grep -rl 'https://bbb.newcoop.test/' /var/bigbluebutton/published").stdout.strip()
    assert new.check_output("stat -c %U /var/bigbluebutton/published/presentation") == "bigbluebutton"


def test_the_migration_key_is_gone_from_the_old_node():
    keys = lab("lab-old-bbb").run("cat /root/.ssh/authorized_keys")
    assert "rrsync" not in keys.stdout


def test_members_arrived_on_the_new_greenlight():
    users = int(new_psql("SELECT count(*) FROM users"))
    rooms = int(new_psql("SELECT count(*) FROM rooms"))
    members = phase("40-cutover")["data"]["members"]
    assert users > 0 and rooms > 0
    assert members.get("mismatches", []) == []


def test_members_find_their_recordings_with_new_links():
    listed = int(new_psql("SELECT count(*) FROM recordings"))
    elsewhere = int(new_psql("SELECT count(*) FROM formats WHERE url NOT LIKE 'https://bbb.newcoop.test/%'"))
    members = phase("40-cutover")["data"]["members"]
    # 30 recordings, one still processing: every finished one is listed, or counted as skipped
    skipped = sum(members["skipped"]["recordings"].values())
    assert listed > 0 and elsewhere == 0
    assert members["recordings"]["recordings"] == listed
    assert listed + skipped == 29


def test_old_links_redirect_to_the_new_platform(host):
    gl = address("lab-new-gl")
    curl = (f"curl -sk -o /dev/null -w '%{{http_code}} %{{redirect_url}}' "
            f"--resolve meet.coop.test:443:{gl} --resolve bbb.coop.test:443:{gl} ")
    room = host.check_output(curl + "https://meet.coop.test/b/wou-cyy-wpt")
    assert room == "301 https://meet.newcoop.test/rooms/wou-cyy-wpt/join"
    rid = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
    play = host.check_output(curl + f"https://bbb.coop.test/playback/presentation/2.3/{rid}")
    assert play == f"301 https://bbb.newcoop.test/playback/presentation/2.3/{rid}"


def test_the_new_bbb_api_lists_the_migrated_recordings_with_its_own_secret():
    secret = "labbbbsecretnotforproduction0123456789abcdef"  # inventories/lab vault_bbb_shared_secret
    answer = bbb_api("getRecordings", "", secret)
    assert "<returncode>SUCCESS</returncode>" in answer
    # 30 recordings on the old node, one still processing (no playback yet): 29 published
    assert answer.count("<recordID>") == 29
    assert "bbb.coop.test" not in answer and "https://bbb.newcoop.test/playback/" in answer
    refused = bbb_api("getRecordings", "", "not-the-secret-" + secret)
    assert "<messageKey>checksumError</messageKey>" in refused


def test_the_new_greenlight_is_healthy():
    health = lab("lab-new-gl").check_output(
        "curl -sk -w ' %{http_code}' --resolve meet.newcoop.test:443:127.0.0.1 https://meet.newcoop.test/health_check")
    assert health == "success 200"


def test_an_old_room_link_leads_to_that_room_on_the_new_greenlight(host):
    gl = address("lab-new-gl")
    # An old member's room, by its v2 link /b/<uid>, and the room v3 holds under that friendly id.
    uid = lab("lab-old-gl").check_output(old_psql(
        "SELECT r.uid FROM rooms r JOIN users u ON u.id = r.user_id"
        " WHERE NOT r.deleted AND NOT u.deleted AND r.name <> '' ORDER BY r.id LIMIT 1"))
    name = new_psql(f"SELECT name FROM rooms WHERE friendly_id = '{uid}'")
    assert uid and name
    resolve = f"--resolve meet.coop.test:443:{gl} --resolve meet.newcoop.test:443:{gl}"
    landing = host.check_output(f"curl -sfkL -o /dev/null -w '%{{url_effective}}' {resolve} https://meet.coop.test/b/{uid}")
    assert landing == f"https://meet.newcoop.test/rooms/{uid}/join"
    # The join page is v3's single-page application; it reads the room from the public room API.
    room = json.loads(host.check_output(f"curl -sfk {resolve} https://meet.newcoop.test/api/v1/rooms/{uid}/public.json"))
    assert room["data"]["name"] == name and room["data"]["friendly_id"] == uid


def test_the_old_node_is_frozen_after_the_cutover():
    freeze = phase("40-cutover")["data"]["freeze"]["lab-old-bbb"]
    assert freeze["running_at_freeze"] == ["Board meeting"] and freeze["ended"] == ["Board meeting"]
    secret = "labbbbsecretnotforproduction0123456789abcdef"
    query = "meetingID=after-cutover&name=Too+late"
    checksum = hashlib.sha1(f"create{query}{secret}".encode()).hexdigest()
    answer = lab("lab-old-bbb").check_output(
        f"curl -sS 'http://127.0.0.1/bigbluebutton/api/create?{query}&checksum={checksum}'")
    assert "<messageKey>maintenance</messageKey>" in answer


def old_gl_write():
    """Try a member's write on the old Greenlight's database, as its application would."""
    return lab("lab-old-gl").run(old_psql("UPDATE users SET name = name WHERE id = (SELECT min(id) FROM users)"))


def test_the_old_greenlight_holds_its_data_read_only_after_the_cutover():
    freeze = phase("40-cutover")["data"]["freeze"]["lab-old-gl"]
    assert freeze["kind"] == "greenlight" and freeze["database_read_only"] is True
    write = old_gl_write()
    assert write.rc != 0 and "read-only transaction" in write.stderr, write.stderr
