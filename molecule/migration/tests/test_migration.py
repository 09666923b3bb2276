"""The lab platform after playbooks/site.yml, checked from outside."""
import json
import os
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


def test_every_phase_finished_ok_and_the_report_says_so():
    report = (RECORD / "report.md").read_text()
    for name in ("00-preflight", "10-provision", "20-presync", "30-members", "40-cutover"):
        assert phase(name)["result"] == "ok"
        assert f"| {name} | ok |" in report
    assert (RECORD / "report.html").exists()


def test_preflight_discovered_the_old_platform():
    data = phase("00-preflight")["data"]
    old = data["source_bbb"]["lab-old-bbb"]
    assert old["bbb_version"] == "1:2.7-20"
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
    count = "psql -X -tA -d greenlight_production -c 'SELECT count(*) FROM {}'"
    new = lab("lab-new-gl")
    users = int(new.check_output("runuser -u postgres -- " + count.format("users")))
    rooms = int(new.check_output("runuser -u postgres -- " + count.format("rooms")))
    members = phase("40-cutover")["data"]["members"]
    assert users > 0 and rooms > 0
    assert members.get("mismatches", []) == []


def test_members_find_their_recordings_with_new_links():
    new = lab("lab-new-gl")
    psql = "runuser -u postgres -- psql -X -tA -d greenlight_production -c "
    listed = int(new.check_output(psql + "'SELECT count(*) FROM recordings'"))
    elsewhere = int(new.check_output(psql + "\"SELECT count(*) FROM formats WHERE url NOT LIKE 'https://bbb.newcoop.test/%'\""))
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
