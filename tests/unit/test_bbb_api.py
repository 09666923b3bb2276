"""filter_plugins/bbb_api.py: signed API URLs and getMeetings answers."""
import hashlib
from urllib.parse import parse_qsl, urlsplit

import pytest

from bbb_api import bbb_api_url, bbb_meetings, bbb_recordings

SECRET = "0123456789abcdef0123456789abcdef"


def test_the_checksum_follows_bbbs_rule():
    url = bbb_api_url("http://127.0.0.1:8090/bigbluebutton/api/", "getMeetings", {}, SECRET)
    assert url == ("http://127.0.0.1:8090/bigbluebutton/api/getMeetings?checksum="
                   + hashlib.sha1(f"getMeetings{SECRET}".encode()).hexdigest())


def test_parameters_are_encoded_and_signed_as_sent():
    url = bbb_api_url("https://bbb.example/bigbluebutton/api", "end",
                      {"meetingID": "room 1&2", "password": "mp"}, SECRET, "sha256")
    parts = urlsplit(url)
    query, checksum = parts.query.rsplit("&checksum=", 1)
    assert query == "meetingID=room+1%262&password=mp"
    assert dict(parse_qsl(query)) == {"meetingID": "room 1&2", "password": "mp"}
    assert checksum == hashlib.sha256(f"end{query}{SECRET}".encode()).hexdigest()


@pytest.mark.parametrize("kwargs, message", [
    ({"secret": ""}, "no shared secret"),
    ({"secret": SECRET, "algorithm": "md5"}, "not one BBB accepts"),
])
def test_a_call_that_cannot_be_signed_is_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bbb_api_url("http://x/bigbluebutton/api", "getMeetings", {}, **kwargs)


def test_meetings_are_read_from_a_getmeetings_answer():
    answer = """<response><returncode>SUCCESS</returncode><meetings>
      <meeting><meetingName>Weekly &amp; co</meetingName><meetingID>abc</meetingID>
        <createDate>Tue Dec 01 10:00:00 UTC 2026</createDate><moderatorPW>mp</moderatorPW>
        <participantCount>7</participantCount><moderatorCount>1</moderatorCount></meeting>
      <meeting><meetingName>Empty</meetingName><meetingID>def</meetingID><moderatorPW>x</moderatorPW>
        <participantCount>0</participantCount></meeting>
    </meetings></response>"""
    assert bbb_meetings(answer) == [
        {"id": "abc", "name": "Weekly & co", "participants": 7, "moderators": 1,
         "created": "Tue Dec 01 10:00:00 UTC 2026", "password": "mp"},
        {"id": "def", "name": "Empty", "participants": 0, "moderators": 0, "created": "", "password": "x"},
    ]


def test_no_meetings_is_an_empty_list():
    answer = ("<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings</messageKey>"
              "<message>no meetings were found on this server</message></response>")
    assert bbb_meetings(answer) == []


@pytest.mark.parametrize("answer, message", [
    ("<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
     "<message>Checksums do not match</message></response>", "checksumError"),
    ("<html>502 Bad Gateway</html>", "FAILED|nothing"),
    ("not xml", "not a BBB API answer"),
])
def test_an_answer_that_is_not_a_success_is_never_read_as_no_meetings(answer, message):
    with pytest.raises(ValueError, match=message):
        bbb_meetings(answer)


def test_recordings_are_read_from_a_getrecordings_answer():
    answer = """<response><returncode>SUCCESS</returncode><recordings>
      <recording><recordID>b-2</recordID><meetingID>m2</meetingID><state>unpublished</state>
        <playback><format><type>video</type><url>https://bbb.new.example/playback/video/b-2/</url></format></playback>
      </recording>
      <recording><recordID>a-1</recordID><meetingID>m1</meetingID><state>published</state>
        <playback><format><type>presentation</type><url>https://bbb.new.example/playback/presentation/2.3/a-1</url></format>
        <format><type>podcast</type><url>https://bbb.new.example/podcast/a-1/audio.ogg</url></format></playback>
      </recording></recordings></response>"""
    assert bbb_recordings(answer) == [
        {"id": "a-1", "meeting_id": "m1", "state": "published",
         "playback": ["https://bbb.new.example/playback/presentation/2.3/a-1",
                      "https://bbb.new.example/podcast/a-1/audio.ogg"]},
        {"id": "b-2", "meeting_id": "m2", "state": "unpublished",
         "playback": ["https://bbb.new.example/playback/video/b-2/"]},
    ]


def test_a_refused_getrecordings_is_never_read_as_no_recordings():
    answer = ("<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
              "<message>Checksums do not match</message></response>")
    with pytest.raises(ValueError, match="FAILED: checksumError"):
        bbb_recordings(answer)
