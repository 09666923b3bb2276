"""library/member_export.py: names, links, what goes into a member's archive, determinism."""
import io
import json
import tarfile
import zipfile

import pytest

import member_export as me

SECRET = "s" * 40
MAP = {"gl.coop.test": {"greenlight": "gl.newcoop.test"}, "bbb.coop.test": {"bbb": "bbb.newcoop.test"}}
DATA = {
    "users": [
        {"id": 1, "name": "Alice", "email": "Alice@Coop.test", "provider": "greenlight", "language": "fr",
         "created": "2020-03-04T05:06:07Z", "role": "admin", "password_digest": "$2a$secret"},
        {"id": 2, "name": "Bob", "email": "bob@coop.test", "provider": "greenlight", "language": "default",
         "created": "2020-04-05T06:07:08Z", "role": "user"},
        {"id": 3, "name": "Carol", "email": "carol@coop.test", "provider": "google", "language": "de",
         "created": "2021-02-03T04:05:06Z", "role": "user"},
    ],
    "rooms": [
        {"id": 1, "user_id": 1, "name": "Home", "uid": "ali-x7k-2mn", "meeting_id": "a" * 40, "home": True,
         "settings": "{ }", "access_code": None},
        {"id": 2, "user_id": 1, "name": "Team", "uid": "ali-tm3-9qr", "meeting_id": "b" * 40,
         "settings": '{"recording":true,"muteOnStart":true}', "access_code": "123456", "moderator_pw": "x"},
    ],
    "shares": [{"room_id": 2, "user_id": 2}, {"room_id": 2, "user_id": 2}],
}
CATALOG = [
    {"meeting_id": "a" * 40, "record_id": f"{'a' * 40}-1", "format": fmt, "published": True, "start_time": 1,
     "length": 30, "name": "Home", "url": f"https://bbb.coop.test/playback/{fmt}/x"}
    for fmt in ("presentation", "video", "podcast")
]


def params(**extra):
    base = {"data": DATA, "generation": "v2", "catalog": CATALOG, "secret": SECRET, "hostname_map": MAP,
            "members": [], "old_greenlight_hostname": "", "new_greenlight_hostname": ""}
    base.update(extra)
    return base


def test_nginx_secure_link_md5_as_nginx_documents_it():
    # nginx's documentation: echo -n '2147483647/s/link127.0.0.1 secret' | openssl md5 -binary | base64url
    assert me.secure_link("/s/link127.0.0.1", 2147483647, "secret") == "_e4Nc3iduzkWRm01TBBNYw"


def test_token_is_keyed_stable_and_does_not_show_the_email():
    assert me.token(SECRET, "Alice@Coop.test") == me.token(SECRET, " alice@coop.test")
    assert me.token(SECRET, "alice@coop.test") != me.token("t" * 40, "alice@coop.test")
    assert me.token(SECRET, "alice@coop.test") != me.token(SECRET, "bob@coop.test")
    assert "alice" not in me.token(SECRET, "alice@coop.test") and len(me.token(SECRET, "a@b.c")) == 32


def test_link_expiry_is_the_end_of_a_utc_day():
    assert me.link_expiry("2030-01-02", 30) == 1893628800  # 2030-01-03T00:00:00Z
    assert me.link_expiry("", 2, now=86400 * 10 + 5) == 86400 * 13
    with pytest.raises(ValueError):
        me.link_expiry("2030-13-01", 30)


def test_members_rooms_shares_recordings_and_links():
    members = me.build_members(params())
    assert sorted(members) == ["alice@coop.test", "bob@coop.test", "carol@coop.test"]
    alice, bob, carol = (members[e] for e in sorted(members))
    assert [r["name"] for r in alice["rooms"]] == ["Home", "Team"]
    team = alice["rooms"][1]
    assert team["settings"] == {"recording": True, "muteOnStart": True, "access_code": "123456",
                                "moderator_access_code": ""}
    assert team["old_link"] == "https://gl.coop.test/b/ali-tm3-9qr"
    assert team["new_link"] == "https://gl.newcoop.test/rooms/ali-tm3-9qr/join"
    assert [r["format"] for r in alice["recordings"]] == ["podcast", "presentation", "video"]
    assert alice["recordings"][0]["new_link"] == "https://bbb.newcoop.test/playback/podcast/x"
    assert bob["rooms"] == [] and bob["recordings"] == []
    assert bob["shared"] == [{"name": "Team", "id": "ali-tm3-9qr", "owner": "Alice",
                              "old_link": team["old_link"], "new_link": team["new_link"]}]  # duplicate share once
    assert carol["rooms"] == carol["shared"] == carol["recordings"] == []
    assert "password" not in json.dumps(members) and "$2a$" not in json.dumps(members)


def test_without_a_new_home_rooms_keep_only_their_old_links():
    members = me.build_members(params(hostname_map={}, old_greenlight_hostname="gl.coop.test"))
    room = members["alice@coop.test"]["rooms"][0]
    assert (room["old_link"], room["new_link"]) == ("https://gl.coop.test/b/ali-x7k-2mn", "")
    assert members["alice@coop.test"]["recordings"][0]["new_link"] == ""


def test_only_the_members_asked_for():
    assert list(me.build_members(params(members=["BOB@coop.test"]))) == ["bob@coop.test"]


def test_v3_rows():
    data = {"users": [{"id": "u1", "name": "Ann", "email": "ann@coop.test", "provider": "greenlight",
                       "language": "en", "role": "User", "status": "active"}],
            "rooms": [{"id": "r1", "user_id": "u1", "name": "Ann's", "uid": "abc-def-ghi-jkl", "meeting_id": "m1",
                       "settings": {"record": "true", "glViewerAccessCode": ""}}],
            "shares": [],
            "recordings": [{"meeting_id": "m1", "record_id": "m1-1", "format": "video", "visibility": "Published",
                            "url": "https://bbb.newcoop.test/playback/video/m1-1/"}]}
    ann = me.build_members(params(data=data, generation="v3", catalog=[]))["ann@coop.test"]
    assert ann["rooms"][0]["new_link"] == "https://gl.newcoop.test/rooms/abc-def-ghi-jkl/join"
    assert ann["recordings"][0]["new_link"].endswith("/video/m1-1/") and ann["accounts"][0]["status"] == "active"


@pytest.mark.parametrize("fmt", ["zip", "tar.gz"])
def test_archives_are_byte_for_byte_the_same_twice(fmt, tmp_path):
    member = me.build_members(params(alternatives=[{"name": "Other", "url": "https://o.test"}]))["alice@coop.test"]
    outputs = []
    for _ in range(2):
        out = io.BytesIO()
        me.write_archive(out, me.archive_entries(member, {"alternatives": [{"name": "Other", "url": "https://o.test"}]}),
                         fmt)
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]
    data = io.BytesIO(outputs[0])
    if fmt == "zip":
        names = zipfile.ZipFile(data).namelist()
        readme = zipfile.ZipFile(data).read("README.txt").decode()
    else:
        with tarfile.open(fileobj=data, mode="r:gz") as tar:
            names = tar.getnames()
            readme = tar.extractfile("README.txt").read().decode()
    assert names == sorted(["README.txt", "account.json", "rooms.json", "rooms.csv", "shared_with_me.json",
                            "shared_with_me.csv", "recordings.json", "recordings.csv"])
    assert "Other: https://o.test" in readme and "password is NOT included" in readme


def test_scrub_drops_passwords_and_digests_at_any_depth():
    assert me.scrub({"a": 1, "password_digest": "x", "n": [{"reset_digest": 1, "moderator_pw": 2, "b": 2}]}) == \
        {"a": 1, "n": [{"b": 2}]}
