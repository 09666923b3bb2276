"""The target holds what the source v2 database says it should, computed here
independently of the role's SQL (policies of molecule.yml: merge the
one-email-two-providers pair, skip deleted users, keep pending and denied ones)."""
import json
from collections import Counter, defaultdict

import bcrypt
import pytest
from conftest import SOURCE, STATE, TARGET, sql
from greenlight_data import greenlight_merge, greenlight_room_options, greenlight_site_setting, greenlight_v2_permission


def source_users():
    """v2 users; verified as v2 knew it: a verified or activated email, or single sign-on."""
    rows = sql(SOURCE, "SELECT u.id, u.email, u.password_digest, u.social_uid, u.language, u.deleted, r.name,"
                       " u.created_at, u.last_login, coalesce(u.email_verified, false) OR u.activated_at IS NOT NULL"
                       " OR u.social_uid IS NOT NULL FROM users u LEFT JOIN roles r ON r.id = u.role_id ORDER BY u.id")
    keys = ["id", "email", "digest", "social_uid", "language", "deleted", "role", "created_at", "last_login", "verified"]
    return [dict(zip(keys, r[:-1] + [r[-1] == "t"])) for r in rows]


@pytest.fixture(scope="module")
def expected():
    """Survivor accounts by lower email, source user id -> survivor email, rooms, shares."""
    users = [u for u in source_users()
             if u["deleted"] == "f" and u["role"] != "super_admin" and (u["email"] or "").strip()]
    by_email = defaultdict(list)
    for u in users:
        by_email[u["email"].strip().lower()].append(u)
    survivors, owner_of = {}, {}
    for email, accounts in by_email.items():
        merged = greenlight_merge([{"id": int(u["id"]), "verified": u["verified"], "last_login": u["last_login"],
                                    "password_digest": u["digest"], "external_id": u["social_uid"]} for u in accounts])
        survivors[email] = next(u for u in accounts if int(u["id"]) == merged["survivor"])
        survivors[email].update(digest=merged["password_digest"], social_uid=merged["external_id"])
        for u in accounts:
            owner_of[u["id"]] = email
    rooms = sql(SOURCE, "SELECT id, user_id, uid, bbb_id, room_settings, access_code, moderator_access_code"
                        " FROM rooms WHERE NOT deleted ORDER BY id")
    live_rooms = {r[0]: r for r in rooms if r[1] in owner_of}
    shares = set()
    for room_id, user_id in sql(SOURCE, "SELECT room_id, user_id FROM shared_accesses"):
        if room_id in live_rooms and user_id in owner_of:
            owner = owner_of[live_rooms[room_id][1]]
            if owner_of[user_id] != owner:
                shares.add((owner_of[user_id], live_rooms[room_id][2]))
    return {"survivors": survivors, "owner_of": owner_of, "rooms": live_rooms, "shares": shares}


def test_the_role_reports_a_verified_committed_run():
    facts = json.loads((STATE / f"{TARGET}.facts.json").read_text())["greenlight_data_result"]
    assert facts["committed"] is True and facts["dry_run"] is False
    assert facts["mismatch_count"] == 0 and facts["problems"] == []
    for entity, counts in facts["verification"].items():
        assert counts["eligible"] == counts["present"], entity
    assert facts["skipped"]["users"]["merged into another account"] == 1
    assert len(facts["merges"]) == 1 and facts["merges"][0]["email"] == "twin+gl@example.org"
    assert "server_recordings_sync" in facts["recordings"]


def test_every_eligible_member_has_an_account_with_the_same_digest(expected):
    target = {r[0]: r for r in sql(TARGET, "SELECT email, password_digest, external_id, provider, created_at FROM users")}
    assert set(target) == set(expected["survivors"])
    for email, u in expected["survivors"].items():
        assert target[email][1] == u["digest"], email
        assert target[email][2] == u["social_uid"], email
        assert target[email][3] == "greenlight"
        assert target[email][4] == u["created_at"], email


def test_the_merged_account_keeps_both_ways_to_sign_in():
    """local2's password (twin+gl@example.org) and user 6's single sign-on subject, on one account."""
    twins = {r[0]: r for r in sql(SOURCE, "SELECT id, password_digest, social_uid FROM users WHERE id IN (2, 6)")}
    assert twins["2"][1] and not twins["2"][2] and twins["6"][2] and not twins["6"][1]
    assert sql(TARGET, "SELECT password_digest, external_id FROM users WHERE email = 'twin+gl@example.org'") == [
        [twins["2"][1], twins["6"][2]]]
    facts = json.loads((STATE / f"{TARGET}.facts.json").read_text())["greenlight_data_result"]
    merge = facts["merges"][0]
    assert {merge["password_from"], merge["external_id_from"]} == {"2", "6"} and merge["not_kept"] == []


def test_every_account_holds_its_own_session_token_that_has_expired():
    """Greenlight looks the signed-in user up by session token: no NULL (an anonymous visitor's lookup
    finds nobody), none shared, and each expired so that every member signs in once."""
    assert sql(TARGET, "SELECT count(*) FROM users WHERE session_token IS NULL OR session_expiry IS NULL") == [["0"]]
    assert sql(TARGET, "SELECT count(*) FROM users WHERE session_token IS NOT DISTINCT FROM NULL") == [["0"]]
    assert sql(TARGET, "SELECT count(*) = count(DISTINCT session_token) FROM users") == [["t"]]
    assert sql(TARGET, "SELECT count(*) FROM users WHERE session_expiry > now() AT TIME ZONE 'UTC'") == [["0"]]
    assert sql(TARGET, "SELECT count(*) FROM users WHERE session_token !~ '^[0-9a-f]{64}$'") == [["0"]]


def test_permissions_follow_v2_where_a_row_is_missing_or_disabled():
    """As v2's Role#get_permission reads them: Moderators (v2 role 7) has no can_launch_recording row, so no
    CanRecord (the target's User role may record); Teacher's can_edit_roles row is "true" but disabled, so no
    ManageRoles; its disabled share-list row reads as v2's default, true."""
    rows = sql(SOURCE, "SELECT role_id, name, value, enabled FROM role_permissions WHERE role_id IN (6, 7) ORDER BY id")
    v2 = {rid: [{"name": n, "value": v, "enabled": e == "t"} for r, n, v, e in rows if r == rid] for rid in ("6", "7")}
    assert not greenlight_v2_permission(v2["7"], "can_launch_recording")
    assert not greenlight_v2_permission(v2["6"], "can_edit_roles")
    assert greenlight_v2_permission(v2["6"], "can_appear_in_share_list")
    perms = {(r, p): v for r, p, v in sql(TARGET, "SELECT r.name, p.name, rp.value FROM role_permissions rp"
                                                  " JOIN roles r ON r.id = rp.role_id"
                                                  " JOIN permissions p ON p.id = rp.permission_id")}
    assert perms[("User", "CanRecord")] == "true"
    assert perms[("Moderators", "CanRecord")] == "false"
    assert perms[("Teacher", "ManageRoles")] == "false"
    assert perms[("Teacher", "SharedList")] == perms[("Moderators", "SharedList")] == "true"


def test_known_passwords_still_work():
    digests = dict(sql(TARGET, "SELECT email, password_digest FROM users"))
    for i, email in ((1, "local1@example.org"), (3, "local3@example.org")):
        assert bcrypt.checkpw(f"password-{i}".encode(), digests[email].encode()), email
        assert not bcrypt.checkpw(b"wrong", digests[email].encode())


def test_emails_are_lower_case_and_plus_addresses_survive():
    emails = [r[0] for r in sql(TARGET, "SELECT email FROM users")]
    assert all(e == e.lower() for e in emails)
    assert any("+" in e for e in emails)
    assert "twin+gl@example.org" in emails


def test_languages_statuses_and_roles_are_mapped():
    assert sql(TARGET, "SELECT count(*) FROM users WHERE language = 'default'") == [["0"]]
    src = Counter(r[0] for r in sql(SOURCE, "SELECT r.name FROM users u JOIN roles r ON r.id = u.role_id"
                                            " WHERE NOT u.deleted AND u.email IS NOT NULL"))
    statuses = dict(sql(TARGET, "SELECT status, count(*) FROM users GROUP BY status"))
    assert int(statuses.get("1", 0)) == src["pending"]
    assert int(statuses.get("2", 0)) == src["denied"]
    roles = dict(sql(TARGET, "SELECT name, color FROM roles WHERE provider = 'greenlight'"))
    assert roles["Teacher"] == "#aa5500" and "Moderators" in roles and "MODERATORS" not in roles
    perms = dict(sql(TARGET, "SELECT p.name, rp.value FROM role_permissions rp JOIN roles r ON r.id = rp.role_id"
                             " JOIN permissions p ON p.id = rp.permission_id WHERE r.name = 'Teacher'"))
    assert perms["ManageRooms"] == perms["ManageRecordings"] == perms["CanRecord"] == "true"
    assert perms["ManageUsers"] == "false"
    assert len(perms) == int(sql(TARGET, "SELECT count(*) FROM permissions")[0][0])


def test_every_room_keeps_its_link_meeting_id_and_owner(expected):
    target = {r[0]: r for r in sql(TARGET, "SELECT r.friendly_id, r.meeting_id, u.email FROM rooms r"
                                           " JOIN users u ON u.id = r.user_id")}
    want = {r[2]: (r[3], expected["owner_of"][r[1]]) for r in expected["rooms"].values()}
    assert set(target) == set(want)
    assert any(len(f.split("-")) == 3 for f in target) and any(len(f.split("-")) == 4 for f in target)
    for friendly_id, (meeting_id, owner) in want.items():
        assert target[friendly_id][1:] == [meeting_id, owner], friendly_id


def test_every_room_has_one_row_per_meeting_option_with_mapped_values(expected):
    defaults = dict(sql(TARGET, "SELECT name, default_value FROM meeting_options"))
    rows = sql(TARGET, "SELECT r.friendly_id, o.name, x.value FROM room_meeting_options x"
                       " JOIN rooms r ON r.id = x.room_id JOIN meeting_options o ON o.id = x.meeting_option_id")
    actual = defaultdict(dict)
    counts = Counter((f, o) for f, o, _ in rows)
    assert max(counts.values()) == 1
    for friendly_id, option, value in rows:
        actual[friendly_id][option] = value
    seen_policies = set()
    for _, _, uid, _, settings, access, mod_access in expected["rooms"].values():
        want = greenlight_room_options(settings, access, mod_access, {k: v or "" for k, v in defaults.items()})
        assert actual[uid] == {k: v for k, v in want.items()}, uid
        seen_policies.add((want["guestPolicy"], want["record"], want["glViewerAccessCode"] != ""))
    assert len(seen_policies) == 8  # both policies x recording x access code all occur


def test_every_shared_access_is_there_once(expected):
    rows = sql(TARGET, "SELECT u.email, r.friendly_id FROM shared_accesses s JOIN users u ON u.id = s.user_id"
                       " JOIN rooms r ON r.id = s.room_id")
    assert len(rows) == len({tuple(r) for r in rows})
    assert {tuple(r) for r in rows} == expected["shares"]


def test_site_settings_keep_colours_and_preupload():
    features = sql(SOURCE, "SELECT name, value FROM features")
    want = dict(filter(None, (greenlight_site_setting(n, v) for n, v in features)))
    actual = dict(sql(TARGET, "SELECT s.name, x.value FROM site_settings x JOIN settings s ON s.id = x.setting_id"
                              " WHERE x.provider = 'greenlight'"))
    for name, value in want.items():
        assert actual[name] == value, name
    assert actual["PrimaryColorDark"] == "#0f5323" and actual["RegistrationMethod"] == "approval"
    assert "PreuploadPresentation" in want


def test_no_staging_left_behind():
    assert sql(TARGET, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'greenlight_data%'") == [["0"]]
