"""filter_plugins/cutover_verify.py: which requests the cutover's check from outside sends, and what
fabricated answers to them mean."""
import pytest

from bbb_api import bbb_recordings_answer
from cutover_verify import cutover_bbb_nodes, cutover_findings, cutover_public_probes
from web_probe import ProbeError, probe, shown

MAP = {"old.coop.test": {"greenlight": "meet.newcoop.test", "bbb": "bbb.newcoop.test"},
       "bbbold.coop.test": {"bbb": "bbb.newcoop.test"}}
NODE = {"name": "bbb1", "hostname": "bbb.newcoop.test", "secret": "s" * 40, "recordings": 2}


def recordings_xml(*urls_per_recording, returncode="SUCCESS"):
    recordings = "".join(
        f"<recording><recordID>r{i}</recordID><meetingID>m{i}</meetingID><state>published</state><playback>"
        + "".join(f"<format><type>presentation</type><url>{u}</url></format>" for u in urls) + "</playback></recording>"
        for i, urls in enumerate(urls_per_recording))
    return f"<response><returncode>{returncode}</returncode><recordings>{recordings}</recordings></response>"


def ok(url, json=None):
    answer = {"failed": False, "changed": False, "status": 200, "url": url, "body": ""}
    if json is not None:
        answer["json"] = json
    return answer


def findings(probes, answers, nodes=(), bbb_bodies=()):
    bbb_answers = [{"failed": False, "status": 200, "body": body} for body in bbb_bodies]
    return cutover_findings(probes, answers, list(nodes), bbb_answers, [bbb_recordings_answer(b) for b in bbb_bodies])


def good_answers(probes):
    """What the new platform answers when all is well."""
    answers = []
    for p in probes:
        if p.get("json_friendly_id"):
            answers.append(ok(p["url"], {"data": {"friendly_id": p["json_friendly_id"], "name": "Board"}}))
        elif p.get("expect_path"):
            answers.append(ok(f"https://{p['expect_host']}{p['expect_path']}"))
        else:
            path = p["url"].split("/", 3)[3]
            answers.append(ok(f"https://{p['expect_host']}/{path}"))
    return answers


# cutover_bbb_nodes

def test_bbb_nodes_take_name_secret_and_the_copied_count_from_each_host():
    hostvars = {"bbb1": {"bbbmig_public_hostname": "bbb.newcoop.test", "bbbmig_bbb_secret": "x" * 40,
                         "recordings_sync_result": {"recordings": "12"}},
                "bbb2": {"bbbmig_bbb_secret": "y" * 40, "recordings_sync_result": {"recordings": 0}},
                "bbb3": {}}
    assert cutover_bbb_nodes(["bbb1", "bbb2", "bbb3"], hostvars) == [
        {"name": "bbb1", "hostname": "bbb.newcoop.test", "secret": "x" * 40, "recordings": 12},
        {"name": "bbb2", "hostname": "bbb2", "secret": "y" * 40, "recordings": 0},  # 0 copied is still a count
        {"name": "bbb3", "hostname": "bbb3", "secret": "", "recordings": None},  # this run did not copy: no count
    ]
    assert cutover_bbb_nodes(None, {}) == []


# cutover_public_probes

def test_public_probes_cover_health_old_names_old_room_links_and_rooms():
    probes = cutover_public_probes(MAP, "meet.newcoop.test", ["abc-def-ghi"])
    assert [(p["check"], p["url"], p["expect_host"]) for p in probes] == [
        ("greenlight healthy", "https://meet.newcoop.test/health_check", "meet.newcoop.test"),
        ("old name reaches the new platform", "https://bbbold.coop.test/bigbluebutton/api", "bbb.newcoop.test"),
        ("old name reaches the new platform", "https://old.coop.test/health_check", "meet.newcoop.test"),
        ("old room link leads to the room", "https://old.coop.test/b/abc-def-ghi", "meet.newcoop.test"),
        ("room exists on the new Greenlight", "https://meet.newcoop.test/api/v1/rooms/abc-def-ghi/public.json",
         "meet.newcoop.test"),
    ]
    assert probes[3]["expect_path"] == "/rooms/abc-def-ghi/join"
    assert probes[4]["json_friendly_id"] == "abc-def-ghi"


def test_without_an_old_greenlight_name_rooms_are_checked_only_on_the_new_greenlight():
    probes = cutover_public_probes({"bbbold.coop.test": {"bbb": "bbb.newcoop.test"}}, "meet.newcoop.test", ["r1"])
    assert [p["check"] for p in probes] == ["greenlight healthy", "old name reaches the new platform",
                                            "room exists on the new Greenlight"]


def test_a_bbb_only_platform_asks_no_greenlight():
    assert cutover_public_probes({}, "", ["r1"]) == []


# cutover_findings

def test_all_well_passes_with_one_check_per_request():
    probes = cutover_public_probes(MAP, "meet.newcoop.test", ["abc-def-ghi"])
    body = recordings_xml(["https://bbb.newcoop.test/playback/presentation/2.3/r0"],
                          ["https://bbb.newcoop.test/playback/video/r1/"])
    result = findings(probes, good_answers(probes), [NODE], [body])
    assert result["passed"] is True and result["failed"] == []
    assert len(result["checks"]) == 6
    assert result["checks"][0] == {"check": "new BBB answers with its secret and lists the migrated recordings",
                                   "target": "https://bbb.newcoop.test/bigbluebutton/api", "ok": True,
                                   "detail": "2 recordings, playback on bbb.newcoop.test"}


def test_nothing_checked_is_not_a_pass():
    assert findings([], []) == {"passed": False, "checks": [], "failed": []}


@pytest.mark.parametrize("node_count, urls, expected", [
    (5, [["https://bbb.newcoop.test/p/r0"], ["https://bbb.newcoop.test/p/r1"]],
     "lists 2 recordings where 5 were migrated to it"),
    (2, [["https://bbb.newcoop.test/p/r0"], ["https://bbb.oldcoop.test/p/r1", "https://x.test/p/r1"]],
     "lists playback links on bbb.oldcoop.test, x.test, not only on bbb.newcoop.test"),
])
def test_recordings_lost_or_still_played_elsewhere_fail(node_count, urls, expected):
    result = findings([], [], [dict(NODE, recordings=node_count)], [recordings_xml(*urls)])
    assert result["passed"] is False
    assert result["failed"] == [f"new BBB answers with its secret and lists the migrated recordings: "
                                f"https://bbb.newcoop.test/bigbluebutton/api {expected}"]


def test_no_count_to_compare_skips_only_the_count():
    result = findings([], [], [dict(NODE, recordings=None)], [recordings_xml(["https://bbb.newcoop.test/p/r0"])])
    assert result["passed"] is True and result["checks"][0]["detail"] == "1 recordings, playback on bbb.newcoop.test"


def test_a_refused_secret_and_a_failed_request_are_named():
    refused = "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>" \
              "<message>Checksums do not match</message></response>"
    nodes = [NODE, dict(NODE, name="bbb2", hostname="bbb2.newcoop.test")]
    bbb_answers = [{"failed": False, "status": 200, "body": refused},
                   {"failed": True, "msg": "bbb2.newcoop.test (192.0.2.7) presents a certificate that is not accepted"}]
    result = cutover_findings([], [], nodes, bbb_answers, [bbb_recordings_answer(refused), bbb_recordings_answer("")])
    assert result["failed"] == [
        "new BBB answers with its secret and lists the migrated recordings: https://bbb.newcoop.test/bigbluebutton/api "
        "the BBB API answered FAILED: checksumError Checksums do not match",
        "new BBB answers with its secret and lists the migrated recordings: https://bbb2.newcoop.test/bigbluebutton/api "
        "bbb2.newcoop.test (192.0.2.7) presents a certificate that is not accepted",
    ]


def test_public_answers_that_end_elsewhere_or_without_the_room_fail():
    probes = cutover_public_probes(MAP, "meet.newcoop.test", ["abc-def-ghi"])
    answers = good_answers(probes)
    answers[0] = {"failed": True, "msg": "meet.newcoop.test: nameserver 192.0.2.53 did not answer (LifetimeTimeout)"}
    answers[1] = ok("https://bbb.oldcoop.test/bigbluebutton/api")  # the old name still lands on the old node
    answers[3] = ok("https://meet.newcoop.test/")  # the room link lost its room
    answers[4] = ok(probes[4]["url"], {"data": {"friendly_id": "zzz-zzz-zzz"}})
    result = findings(probes, answers)
    assert result["passed"] is False
    assert result["failed"] == [
        "greenlight healthy: https://meet.newcoop.test/health_check "
        "meet.newcoop.test: nameserver 192.0.2.53 did not answer (LifetimeTimeout)",
        "old name reaches the new platform: https://bbbold.coop.test/bigbluebutton/api "
        "ends on bbb.oldcoop.test, not bbb.newcoop.test",
        "old room link leads to the room: https://old.coop.test/b/abc-def-ghi ends at /, not /rooms/abc-def-ghi/join",
        "room exists on the new Greenlight: https://meet.newcoop.test/api/v1/rooms/abc-def-ghi/public.json "
        "answers no room abc-def-ghi",
    ]
    assert result["checks"][2] == {"check": "old name reaches the new platform",
                                   "target": "https://old.coop.test/health_check", "ok": True,
                                   "detail": "200 from https://meet.newcoop.test/health_check"}


# web_probe names the role's signed call without its checksum (Ansible prints a failure's message
# even under no_log)

def test_a_signed_calls_checksum_is_never_named():
    assert shown("https://bbb.test/bigbluebutton/api/getRecordings?checksum=0123abcd") == \
        "https://bbb.test/bigbluebutton/api/getRecordings?checksum=(hidden)"
    assert shown("https://bbb.test/api/getRecordings?meetingID=m1&checksum=0123abcd&x=1") == \
        "https://bbb.test/api/getRecordings?meetingID=m1&checksum=(hidden)&x=1"
    assert shown("https://meet.test/b/abc?return=%2F") == "https://meet.test/b/abc?return=%2F"
    with pytest.raises(ProbeError) as refused:
        probe("http://192.0.2.1/bigbluebutton/api/getRecordings?checksum=0123abcd")  # refused before connecting
    assert "0123abcd" not in str(refused.value) and "checksum=(hidden)" in str(refused.value)
