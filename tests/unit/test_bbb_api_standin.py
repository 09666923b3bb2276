"""The bbb-web stand-in (tests/standins/bbb-packages-standin) answers the BBB
API as BBB does: a client nobody here wrote (bigbluebutton-api-python, from
PyPI) creates, lists and ends meetings and lists recordings laid out by
tests/generators/bbb_recordings.py; checksums follow BBB's rule (sha1 to
sha512, told apart by length), and a wrong one gets BBB's checksumError."""
import hashlib
import importlib.util
import sys
import threading
import urllib.request
import xml.etree.ElementTree as ET
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from bigbluebutton_api_python import BigBlueButton
from bigbluebutton_api_python.exception import BBBException

ROOT = Path(__file__).resolve().parents[2]
SERVICE = ROOT / "tests/standins/bbb-packages-standin/packages/bbb-web/usr/share/bbb-web/bbb_web_standin.py"
DEFAULTS = ROOT / "tests/standins/bbb-packages-standin/packages/bbb-web/usr/share/bbb-web/WEB-INF/classes/bigbluebutton.properties"
SECRET = "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7c"


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The stand-in on a free port, configured as a node the role configured:
    packaged defaults, then an override file with the secret and the URL."""
    tmp = tmp_path_factory.mktemp("bbb")
    web = load("bbb_web_standin", SERVICE)
    overrides = tmp / "bbb-web.properties"
    overrides.write_text(
        f"bigbluebutton.web.serverURL=https://bbb.newcoop.test\nsecuritySalt={SECRET}\n"
        f"publishedDir={tmp}/published\nunpublishedDir={tmp}/unpublished\n")
    (tmp / "bbb-version").write_text("3.0.4\n")
    web.DEFAULTS, web.OVERRIDES, web.BBB_VERSION_FILE = str(DEFAULTS), str(overrides), str(tmp / "bbb-version")
    generator = load("bbb_recordings", ROOT / "tests/generators/bbb_recordings.py")
    generator.main(["--root", str(tmp), "--count", "6", "--seed", "1", "--host", "bbb.newcoop.test",
                    "--total-size", "1M"])
    web.Handler.platform = web.Platform()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), web.Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}/bigbluebutton/", "root": tmp}
    httpd.shutdown()


def raw(server, call, query, secret=SECRET, digest="sha1"):
    checksum = hashlib.new(digest, (call + query + secret).encode()).hexdigest()
    sep = "&" if query else ""
    with urllib.request.urlopen(f"{server['url']}api/{call}?{query}{sep}checksum={checksum}") as answer:
        return ET.fromstring(answer.read())


def published(server):
    """{record id: [formats]} of what the generator published."""
    found = {}
    for metadata in sorted((server["root"] / "published").glob("*/*/metadata.xml")):
        found.setdefault(metadata.parent.name, []).append(metadata.parent.parent.name)
    return found


def test_the_client_creates_lists_and_ends_meetings(server):
    bbb = BigBlueButton(server["url"], SECRET)
    assert bbb.get_meetings().get_meetings() == []
    created = bbb.create_meeting("room-one", params={"name": "Room one", "moderatorPW": "mod1", "attendeePW": "att1"})
    assert created.get_meetingid() == "room-one" and created.get_moderator_pw() == "mod1"
    bbb.create_meeting("room-two", params={"name": "Room two"})
    meetings = {m.get_meetingid(): m for m in bbb.get_meetings().get_meetings()}
    assert set(meetings) == {"room-one", "room-two"}
    assert meetings["room-one"].get_meetingname() == "Room one"
    assert bbb.is_meeting_running("room-one").get_field("running") == "false"  # nobody joined
    with pytest.raises(BBBException, match="moderator password"):
        bbb.end_meeting("room-one", "wrong")
    assert bbb.end_meeting("room-one", "mod1").get_message_key() == "sentEndMeetingRequest"
    assert bbb.end_meeting("room-two", meetings["room-two"].get_moderatorpw()).get_return_code() == "SUCCESS"
    assert bbb.get_meetings().get_meetings() == []
    with pytest.raises(BBBException, match="could not find a meeting"):
        bbb.end_meeting("room-one", "mod1")


def test_the_client_lists_recordings_from_disk(server):
    bbb = BigBlueButton(server["url"], SECRET)
    single = sorted(rid for rid, formats in published(server).items() if formats == ["presentation"])
    assert len(single) >= 2, "the generator published too few presentation-only recordings with this seed"
    # This client reads one <format> per recording and needs two recordings or more
    # in an answer (it iterates a lone element's keys): ask for two presentation-only ones.
    records = bbb.get_recordings(recording_id=",".join(single[:2])).get_recordings()
    assert [r.get_recordid() for r in records] == single[:2]
    for record in records:
        assert record.get_playbacktype() == "presentation"
        assert record.get_playbackurl() == f"https://bbb.newcoop.test/playback/presentation/2.3/{record.get_recordid()}"
        assert record.is_published() and record.get_state() == "published"
    assert bbb.get_recordings(recording_id="0" * 40 + "-1").get_recordings() == []


def test_every_published_format_is_listed_once_per_recording(server):
    answer = raw(server, "getRecordings", "")
    assert answer.findtext("returncode") == "SUCCESS"
    listed = {r.findtext("recordID"): sorted(f.findtext("type") for f in r.iter("format"))
              for r in answer.iter("recording") if r.findtext("state") == "published"}
    assert listed == {rid: sorted(formats) for rid, formats in published(server).items()}
    unpublished = [r for r in answer.iter("recording") if r.findtext("state") == "unpublished"]
    assert all(r.findtext("published") == "false" for r in unpublished)


@pytest.mark.parametrize("digest", ["sha1", "sha256", "sha384", "sha512"])
def test_each_checksum_digest_bbb_accepts_is_accepted(server, digest):
    assert raw(server, "getMeetings", "", digest=digest).findtext("messageKey") == "noMeetings"


@pytest.mark.parametrize("call, query, secret", [
    ("getMeetings", "", "x" * 36),                        # wrong secret
    ("isMeetingRunning", "meetingID=a", SECRET + "x"),
    ("getRecordings", "meetingID=a", ""),
])
def test_a_wrong_checksum_is_refused_as_bbb_refuses_it(server, call, query, secret):
    answer = raw(server, call, query, secret=secret)
    assert (answer.findtext("returncode"), answer.findtext("messageKey")) == ("FAILED", "checksumError")


def test_a_checksum_over_other_parameters_is_refused(server):
    checksum = hashlib.sha1(f"isMeetingRunningmeetingID=a{SECRET}".encode()).hexdigest()
    with urllib.request.urlopen(f"{server['url']}api/isMeetingRunning?meetingID=b&checksum={checksum}") as answer:
        assert ET.fromstring(answer.read()).findtext("messageKey") == "checksumError"


def test_the_bare_api_path_answers_with_the_version(server):
    with urllib.request.urlopen(f"{server['url']}api") as answer:
        root = ET.fromstring(answer.read())
    assert (root.findtext("returncode"), root.findtext("version"), root.findtext("bbbVersion")) == (
        "SUCCESS", "2.0", "3.0.4")


def test_missing_meeting_id_is_named(server):
    answer = raw(server, "create", "name=x")
    assert (answer.findtext("returncode"), answer.findtext("messageKey")) == ("FAILED", "missingParamMeetingID")


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
