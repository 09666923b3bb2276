"""The node as a client and an operator see it: BBB's packages from the signed
repository, every configured value in BBB's override files, the API through
nginx and TLS answering a third-party client (bigbluebutton-api-python) with
the configured secret and refusing a wrong checksum, the recordings laid out
in prepare listed, ufw's rules."""
import hashlib
import json
import os
import re
import ssl
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import testinfra
from bigbluebutton_api_python import BigBlueButton

NODE = testinfra.get_host("docker://bbb_server-node")
HOST = "bbb.newcoop.test"
CERT = f"/etc/letsencrypt/live/{HOST}/fullchain.pem"


def journal(unit):
    return NODE.run(f"journalctl -u {unit} --no-pager -n 40").stdout


@pytest.fixture(scope="module")
def secret():
    text = NODE.file("/etc/bigbluebutton/bbb-web.properties").content_string
    (value,) = re.findall(r"^securitySalt=(\S+)$", text, re.M)
    return value


@pytest.fixture(scope="module")
def api_base(tmp_path_factory):
    """https://<node address>/bigbluebutton/ with the node's certificate trusted
    (the controller reaches it by address: the public name is not in any DNS here)."""
    cafile = tmp_path_factory.mktemp("ca") / "node.pem"
    cafile.write_text(NODE.file(CERT).content_string)
    context = ssl.create_default_context(cafile=str(cafile))
    context.check_hostname = False  # by address; the chain is still verified against the node's certificate
    urllib.request.install_opener(urllib.request.build_opener(urllib.request.HTTPSHandler(context=context)))
    address = subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "bbb_server-node"],
        capture_output=True, text=True, check=True).stdout.strip()
    return f"https://{address}/bigbluebutton/"


def test_bbb_packages_come_from_the_signed_repository():
    for name in ("bigbluebutton", "bbb-html5", "bbb-web", "bbb-config", "bbb-record-core"):
        assert NODE.package(name).is_installed and NODE.package(name).version == "1:3.0.4-1", name
    policy = NODE.check_output("apt-cache policy bigbluebutton")
    assert "http://repo.bbb-server.test/bbb/jammy-300 bigbluebutton-jammy/main amd64 Packages" in policy
    sources = NODE.file("/etc/apt/sources.list.d/bigbluebutton.sources").content_string
    assert "Suites: bigbluebutton-jammy" in sources and "BEGIN PGP PUBLIC KEY BLOCK" in sources
    # apt verified the signature: InRelease kept, no unauthenticated lists
    assert NODE.run("ls /var/lib/apt/lists/ | grep -q 'repo.bbb-server.test.*InRelease'").rc == 0


def test_the_bigbluebutton_user_has_its_fixed_ids_and_owns_the_tree():
    user = NODE.user("bigbluebutton")
    assert (user.uid, user.gid) == (2001, 2001)
    assert NODE.file("/var/bigbluebutton/published").user == "bigbluebutton"


def test_bbb_web_overrides_hold_the_url_and_a_generated_secret(secret):
    props = NODE.file("/etc/bigbluebutton/bbb-web.properties")
    assert (props.user, props.group, props.mode) == ("root", "bigbluebutton", 0o640)
    assert f"bigbluebutton.web.serverURL=https://{HOST}\n" in props.content_string
    assert re.fullmatch(r"[A-Za-z0-9]{48}", secret)
    packaged = NODE.file("/usr/share/bbb-web/WEB-INF/classes/bigbluebutton.properties").content_string
    assert secret not in packaged  # the packaged defaults stay as shipped


def test_bbb_conf_prints_the_url_and_secret_it_reads(secret):
    out = NODE.check_output("bbb-conf --secret")
    assert f"URL: https://{HOST}/bigbluebutton/" in out and f"Secret: {secret}" in out
    check = NODE.check_output("bbb-conf --check")
    assert re.search(rf"playback_host: {HOST}$", check, re.M) and re.search(r"playback_protocol: https$", check, re.M)
    assert "# Warning" not in check, check


def test_recording_overrides():
    text = NODE.file("/etc/bigbluebutton/recording/recording.yml").content_string
    assert f"playback_host: {HOST}\n" in text and "playback_protocol: https\n" in text


def test_turn_servers_default_to_the_target_turn_hosts():
    xml = NODE.file("/etc/bigbluebutton/turn-stun-servers.xml")
    assert (xml.group, xml.mode) == ("bigbluebutton", 0o640)
    root = ET.fromstring(xml.content_string)
    values = [arg.get("value") for arg in root.iter("{http://www.springframework.org/schema/beans}constructor-arg")]
    assert "stun:turn.newcoop.test:3478" in values
    assert "turns:turn.newcoop.test:5349?transport=tcp" in values
    assert "Turn5ecretOfTheLabTurnServer0001" in values
    assert "86400" in values


def test_nginx_serves_tls_with_the_configured_certificate_and_no_default_site():
    include = NODE.file("/etc/bigbluebutton/nginx/bbb-server-tls.nginx").content_string
    assert f"ssl_certificate {CERT};" in include and f"server_name {HOST};" in include
    assert not NODE.file("/etc/nginx/sites-enabled/default").exists
    assert NODE.run("nginx -t").rc == 0
    out = NODE.run(f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' --cacert {CERT} "
                   f"--resolve {HOST}:80:127.0.0.1 http://{HOST}/bigbluebutton/api")
    assert out.stdout == f"301 https://{HOST}/bigbluebutton/api"


def test_retention_of_the_daily_clean_up():
    assert "published_days=30\n" in NODE.file("/etc/default/bigbluebutton-cron-config").content_string


def test_the_api_answers_through_nginx_and_tls_with_the_configured_secret(secret):
    assert NODE.service("bbb-web").is_running, journal("bbb-web")
    query = "meetingID=probe"
    checksum = hashlib.sha256(f"isMeetingRunning{query}{secret}".encode()).hexdigest()
    out = NODE.check_output(f"curl -sS --cacert {CERT} --resolve {HOST}:443:127.0.0.1 "
                            f"'https://{HOST}/bigbluebutton/api/isMeetingRunning?{query}&checksum={checksum}'")
    assert "<returncode>SUCCESS</returncode><running>false</running>" in out


def test_a_wrong_checksum_is_refused(secret):
    checksum = hashlib.sha1(f"getMeetings{secret}x".encode()).hexdigest()
    out = NODE.check_output(f"curl -sS --cacert {CERT} --resolve {HOST}:443:127.0.0.1 "
                            f"'https://{HOST}/bigbluebutton/api/getMeetings?checksum={checksum}'")
    assert "<returncode>FAILED</returncode><messageKey>checksumError</messageKey>" in out


def test_a_third_party_client_creates_lists_and_ends_meetings(api_base, secret):
    bbb = BigBlueButton(api_base, secret)
    bbb.create_meeting("verify-one", params={"name": "Verify one", "moderatorPW": "mp1", "attendeePW": "ap1"})
    bbb.create_meeting("verify-two", params={"name": "Verify two", "moderatorPW": "mp2", "attendeePW": "ap2"})
    listed = {m.get_meetingid(): m.get_meetingname() for m in bbb.get_meetings().get_meetings()}
    assert listed == {"verify-one": "Verify one", "verify-two": "Verify two"}
    assert bbb.is_meeting_running("verify-one").get_field("running") == "false"
    assert bbb.end_meeting("verify-one", "mp1").get_message_key() == "sentEndMeetingRequest"
    assert bbb.end_meeting("verify-two", "mp2").get_return_code() == "SUCCESS"
    assert bbb.get_meetings().get_meetings() == []


def test_a_third_party_client_lists_the_recordings_on_disk(api_base, secret):
    layout = NODE.check_output("cd /var/bigbluebutton/published && ls -d */*").split()
    formats = {}
    for entry in layout:
        fmt, rid = entry.split("/")
        formats.setdefault(rid, []).append(fmt)
    single = sorted(rid for rid, fmts in formats.items() if fmts == ["presentation"])
    assert len(single) >= 2, layout
    # this client reads one <format> a recording and needs two or more recordings in an answer
    records = BigBlueButton(api_base, secret).get_recordings(recording_id=",".join(single[:2])).get_recordings()
    assert [(r.get_recordid(), r.get_playbackurl()) for r in records] == [
        (rid, f"https://{HOST}/playback/presentation/2.3/{rid}") for rid in single[:2]]
    everything = urllib.request.urlopen(
        f"{api_base}api/getRecordings?checksum={hashlib.sha1(f'getRecordings{secret}'.encode()).hexdigest()}").read()
    listed = {r.findtext("recordID") for r in ET.fromstring(everything).iter("recording")
              if r.findtext("state") == "published"}
    assert listed == set(formats)


def test_ufw_allows_bbb_ports_and_denies_the_rest():
    status = NODE.check_output("ufw status verbose")
    assert "Status: active" in status and "deny (incoming)" in status
    for rule in ("22/tcp", "80/tcp", "443/tcp", "16384:32768/udp"):
        assert re.search(rf"^{re.escape(rule)}\s+ALLOW IN\s+Anywhere", status, re.M), rule


def test_the_result_fact_names_the_api_and_versions_but_not_the_secret(secret):
    facts = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "bbb_server-node.facts.json"
    result = json.loads(facts.read_text())["bbb_server_result"]
    assert result["api_url"] == f"https://{HOST}/bigbluebutton/api"
    assert result["version"] == "jammy-300"
    assert result["packages"]["bigbluebutton"] == "1:3.0.4-1" and result["packages"]["bbb-web"] == "1:3.0.4-1"
    assert secret not in facts.read_text()
