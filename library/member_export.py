#!/usr/bin/python3
"""Ansible module: one deterministic archive per member, from Greenlight rows read by the role."""

DOCUMENTATION = r"""
module: member_export
short_description: Write one archive per member (account, rooms, shares, recordings) from Greenlight data
description:
  - Takes the rows the member_export role read from a Greenlight v2 or v3 database (never a
    password digest: the role's queries do not read one, and this module drops any key that
    names a password or a digest) and, for v2, the recordings listed on the BBB nodes.
  - Writes one archive per member email into I(dest), named by a token derived from the email
    with I(secret) (HMAC-SHA256), so a name cannot be guessed from an email.
  - Archives are deterministic (sorted entries, fixed times, owner and modes): an archive whose
    content did not change is left as it is, so a second run changes nothing.
  - Archives of members no longer exported are removed from I(dest) (only files named like
    this module's archives).
  - With I(link_base_url), each member's link carries an expiry and an nginx secure_link md5
    (C(md5(expires + uri + " " + secret)), base64url without padding).
options:
  dest: {description: Directory of the archives (created if absent)., type: path, required: true}
  generation: {description: Greenlight generation the rows come from., type: str, choices: [v2, v3], required: true}
  data: {description: "The rows: users, rooms, shares (and recordings for v3).", type: dict, required: true}
  catalog: {description: v2 recordings (bbb_recordings_catalog rows)., type: list, elements: dict, default: []}
  members: {description: Emails to export (empty = every member)., type: list, elements: str, default: []}
  secret: {description: Secret of the tokens and links., type: str, required: true, no_log: true}
  archive_format: {description: zip or tar.gz., type: str, choices: [zip, tar.gz], default: zip}
  hostname_map: {description: "bbbmig_hostname_map: {old name: {greenlight, bbb}}.", type: dict, default: {}}
  old_greenlight_hostname: {description: Old Greenlight name (empty = from the map)., type: str, default: ""}
  new_greenlight_hostname: {description: New Greenlight name (empty = from the map)., type: str, default: ""}
  link_base_url: {description: Base URL of the archives (empty = no links)., type: str, default: ""}
  expires_on: {description: "Last day (UTC, YYYY-MM-DD) the links work; empty = I(link_days) from today.", type: str, default: ""}
  link_days: {description: Days the links work when I(expires_on) is empty., type: int, default: 30}
  alternatives: {description: "Alternative services: [{name, url, note}].", type: list, elements: dict, default: []}
  include_recording_files: {description: Put the recordings' files in the archives., type: bool, default: false}
  recordings_dir: {description: The BBB recording tree on this host., type: path, default: /var/bigbluebutton}
  owner: {description: Owner of the archives., type: str, default: root}
  group: {description: Group of the archives., type: str, default: root}
  mode: {description: Mode of the archives (the directory gets the matching search bits)., type: str, default: "0600"}
"""

EXAMPLES = r"""
- name: Write the archives
  member_export:
    dest: /srv/bbbmig-member-export
    generation: v2
    data: "{{ rows }}"
    secret: "{{ secret }}"
"""

RETURN = r"""
members:
  description: "Per email: file, token, sha256, rooms, shared, recordings, link and expires (when linked)."
  type: dict
  returned: always
written: {description: Archives written or rewritten., type: list, returned: always}
removed: {description: Stale archives removed., type: list, returned: always}
"""

import base64
import csv
import datetime
import gzip
import hashlib
import hmac
import io
import json
import os
import re
import tarfile
import tempfile
import time
import zipfile
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleModule

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TOKEN_RE = re.compile(r"^[0-9a-f]{32}\.(zip|tar\.gz)$")
FORBIDDEN_KEY = re.compile(r"password|digest|_pw$", re.IGNORECASE)
V2_SETTING_NAMES = {  # v2 room_settings keys, as a person reads them
    "recording": "recording allowed",
    "muteOnStart": "mute on start",
    "anyoneCanStart": "anyone can start",
    "joinModerator": "everyone joins as moderator",
    "requireModeratorApproval": "moderator approval",
}


def token(secret, email):
    """The archive's name (without extension) for ``email``: HMAC-SHA256, 32 hex digits."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def secure_link(uri, expires, secret):
    """nginx secure_link_md5 "$secure_link_expires$uri <secret>": base64url md5, no padding."""
    digest = hashlib.md5(f"{expires}{uri} {secret}".encode()).digest()  # nosec: nginx's scheme
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def link_expiry(expires_on, link_days, now=None):
    """Epoch second at which the links stop working: the end (UTC) of ``expires_on`` (YYYY-MM-DD),
    or of the day ``link_days`` days from ``now``. Whole days, so that runs on one day agree."""
    if expires_on:
        day = datetime.datetime.strptime(expires_on, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
        return int(day.timestamp()) + 86400
    now = time.time() if now is None else now
    return (int(now) // 86400 + int(link_days) + 1) * 86400


def _iso_ms(epoch_ms):
    """A BBB start time (epoch milliseconds) as an ISO 8601 UTC time; None when absent."""
    if not epoch_ms:
        return None
    return datetime.datetime.fromtimestamp(int(epoch_ms) // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def scrub(value):
    """``value`` without any key that names a password or digest, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if not FORBIDDEN_KEY.search(str(k))}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def greenlight_hosts(hostname_map, old, new):
    """(old Greenlight name, new Greenlight name) from the inputs or the map."""
    hostname_map = hostname_map or {}
    if not old:
        olds = sorted(k for k, v in hostname_map.items() if (v or {}).get("greenlight"))
        old = olds[0] if olds else ""
    if not new and old:
        new = (hostname_map.get(old) or {}).get("greenlight", "")
    return old, new


def moved_url(url, hostname_map):
    """``url`` on the host it moved to (bbbmig_hostname_map's bbb entry), or '' when it did not move."""
    if not url:
        return ""
    parts = urlsplit(url)
    new = ((hostname_map or {}).get((parts.hostname or "").lower()) or {}).get("bbb")
    if not new:
        return ""
    return urlunsplit((parts.scheme or "https", new, parts.path, parts.query, parts.fragment))


def room_links(uid, generation, old_host, new_host):
    """(old link, new link) of a room whose v2 uid / v3 friendly_id is ``uid``."""
    old = f"https://{old_host}/b/{uid}" if old_host and uid else ""
    new = f"https://{new_host}/rooms/{uid}/join" if new_host and uid else ""
    if generation == "v3" and not new and old_host:
        new = f"https://{old_host}/rooms/{uid}/join"  # a v3 source without a new home: its own links
        old = ""
    return old, new


def v2_settings(room):
    """A v2 room's settings: its room_settings JSON (named as in v2) and its access codes."""
    try:
        raw = json.loads(room.get("settings") or "{}")
    except ValueError:
        raw = {}
    settings = {k: raw[k] for k in sorted(raw) if not FORBIDDEN_KEY.search(k)} if isinstance(raw, dict) else {}
    settings["access_code"] = room.get("access_code") or ""
    settings["moderator_access_code"] = room.get("moderator_access_code") or ""
    return settings


def build_members(params):
    """{email: member dict} for every exported member, in a stable order; pure (no I/O)."""
    data, generation = params["data"], params["generation"]
    hostname_map = params.get("hostname_map") or {}
    old_host, new_host = greenlight_hosts(hostname_map, params.get("old_greenlight_hostname"),
                                          params.get("new_greenlight_hostname"))
    wanted = {e.strip().lower() for e in params.get("members") or []}
    users = {str(u["id"]): u for u in data.get("users") or []}
    rooms = {str(r["id"]): r for r in data.get("rooms") or []}

    recordings = {}  # meeting id -> [recording rows]
    if generation == "v2":
        for row in params.get("catalog") or []:
            recordings.setdefault(row.get("meeting_id"), []).append({
                "record_id": row.get("record_id"), "name": row.get("name") or "",
                "format": row.get("format"), "recorded_at": _iso_ms(row.get("start_time")),
                "length_minutes": row.get("length"), "published": bool(row.get("published")),
                "old_link": row.get("url") or "", "new_link": moved_url(row.get("url"), hostname_map),
                "state": "published" if row.get("published") else "unpublished"})
    else:
        for row in data.get("recordings") or []:
            recordings.setdefault(row.get("meeting_id"), []).append({
                "record_id": row.get("record_id"), "name": row.get("name") or "",
                "format": row.get("format"), "recorded_at": row.get("recorded_at"),
                "length_minutes": row.get("length"), "published": row.get("visibility") != "Unpublished",
                "visibility": row.get("visibility"), "old_link": "", "new_link": row.get("url") or "",
                "state": "unpublished" if row.get("visibility") == "Unpublished" else "published"})

    def room_entry(room):
        uid = room.get("uid")
        old, new = room_links(uid, generation, old_host, new_host)
        settings = v2_settings(room) if generation == "v2" else dict(sorted((room.get("settings") or {}).items()))
        return {"name": room.get("name") or "", "id": uid, "meeting_id": room.get("meeting_id"),
                "home_room": bool(room.get("home")), "created": room.get("created"),
                "last_session": room.get("last_session"), "settings": scrub(settings),
                "old_link": old, "new_link": new}

    members = {}
    for user in sorted(users.values(), key=lambda u: (str(u.get("email") or "").lower(), str(u["id"]))):
        email = str(user.get("email") or "").strip().lower()
        if not email or (wanted and email not in wanted):
            continue
        member = members.setdefault(email, {"email": email, "accounts": [], "rooms": [], "shared": [],
                                            "recordings": []})
        member["accounts"].append(scrub({
            "name": user.get("name"), "email": user.get("email"), "provider": user.get("provider"),
            "language": user.get("language"), "created": user.get("created"), "role": user.get("role"),
            "last_login": user.get("last_login"), **({"status": user["status"]} if "status" in user else {})}))
        own = sorted((r for r in rooms.values() if str(r.get("user_id")) == str(user["id"])),
                     key=lambda r: (not r.get("home"), str(r.get("name") or ""), str(r.get("uid"))))
        for room in own:
            entry = room_entry(room)
            member["rooms"].append(entry)
            for rec in sorted(recordings.get(room.get("meeting_id"), []),
                              key=lambda x: (str(x["recorded_at"]), str(x["record_id"]), str(x["format"]))):
                member["recordings"].append(dict(rec, room=entry["name"], room_id=entry["id"]))
        shared_ids = sorted({str(s["room_id"]) for s in data.get("shares") or [] if str(s.get("user_id")) == str(user["id"])})
        for room_id in shared_ids:
            room = rooms.get(room_id)
            if room is None:
                continue
            entry = room_entry(room)
            owner = users.get(str(room.get("user_id")), {})
            member["shared"].append({"name": entry["name"], "id": entry["id"], "owner": owner.get("name") or "",
                                     "old_link": entry["old_link"], "new_link": entry["new_link"]})
    for member in members.values():
        member["token"] = token(params["secret"], member["email"])
    return members


def _csv(rows, columns):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["; ".join(f"{k}={v}" for k, v in row[c].items()) if isinstance(row.get(c), dict)
                         else ("" if row.get(c) is None else row.get(c)) for c in columns])
    return out.getvalue()


def readme(member, params):
    """README.txt of a member's archive (English)."""
    lines = [
        "Your data from the video-conference platform (Greenlight and BigBlueButton)",
        "",
        f"This archive holds what the platform kept about the account {member['email']}.",
        "Each list comes twice: as JSON (for programs) and as CSV (opens in a spreadsheet).",
        "",
        "  account.json                         your account: name, email, sign-in provider, language,",
        "                                       creation date and role (your password is NOT included)",
        f"  rooms.json, rooms.csv                your rooms ({len(member['rooms'])}) with their settings and links",
        f"  shared_with_me.json, .csv            rooms others shared with you ({len(member['shared'])})",
        f"  recordings.json, recordings.csv      recordings of your rooms ({len(member['recordings'])}) and their playback links",
    ]
    if params.get("include_recording_files"):
        lines.append("  recordings/<id>/<format>/            the recordings' files, as the platform played them back")
    lines += ["", "Links: 'old_link' is the address you used until now; 'new_link' is where it leads now",
              "(empty when there is no new home for it). Links stop working when the platform closes.", ""]
    alternatives = params.get("alternatives") or []
    if alternatives:
        lines.append("Where to go next: services that can host your meetings")
        for alt in alternatives:
            lines.append(f"  - {alt.get('name')}: {alt.get('url')}" + (f" ({alt['note']})" if alt.get("note") else ""))
        lines.append("")
    return "\n".join(lines) + "\n"


def archive_entries(member, params):
    """[(name in archive, bytes or a file path)] of a member's archive, sorted by name."""
    dump = lambda obj: (json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()  # noqa: E731
    recordings = member["recordings"]
    entries = {
        "README.txt": readme(member, params).encode(),
        "account.json": dump({"accounts": member["accounts"]}),
        "rooms.json": dump(member["rooms"]),
        "rooms.csv": _csv(member["rooms"], ["name", "id", "home_room", "created", "last_session", "settings",
                                            "old_link", "new_link"]).encode(),
        "shared_with_me.json": dump(member["shared"]),
        "shared_with_me.csv": _csv(member["shared"], ["name", "id", "owner", "old_link", "new_link"]).encode(),
        "recordings.json": dump(recordings),
        "recordings.csv": _csv(recordings, ["room", "room_id", "record_id", "name", "format", "recorded_at",
                                            "length_minutes", "published", "old_link", "new_link"]).encode(),
    }
    if params.get("include_recording_files"):
        root = params.get("recordings_dir") or "/var/bigbluebutton"
        for rec in recordings:
            base = os.path.join(root, rec.get("state") or "published", str(rec["format"]), str(rec["record_id"]))
            for dirpath, dirnames, filenames in os.walk(base):
                dirnames.sort()
                for name in sorted(filenames):
                    path = os.path.join(dirpath, name)
                    if os.path.isfile(path) and not os.path.islink(path):
                        rel = os.path.relpath(path, base)
                        entries[f"recordings/{rec['record_id']}/{rec['format']}/{rel}"] = path
    return sorted(entries.items())


def _read(content):
    if isinstance(content, bytes):
        return content
    with open(content, "rb") as handle:
        return handle.read()


def write_archive(handle, entries, archive_format):
    """Write ``entries`` to the open binary ``handle`` with fixed times, owners and modes."""
    if archive_format == "zip":
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in entries:
                info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, _read(content))
        return
    with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0) as zipped:
        with tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as archive:
            for name, content in entries:
                data = _read(content)
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                archive.addfile(info, io.BytesIO(data))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main():
    spec = {
        "dest": {"type": "path", "required": True},
        "generation": {"type": "str", "choices": ["v2", "v3"], "required": True},
        "data": {"type": "dict", "required": True},
        "catalog": {"type": "list", "elements": "dict", "default": []},
        "members": {"type": "list", "elements": "str", "default": []},
        "secret": {"type": "str", "required": True, "no_log": True},
        "archive_format": {"type": "str", "choices": ["zip", "tar.gz"], "default": "zip"},
        "hostname_map": {"type": "dict", "default": {}},
        "old_greenlight_hostname": {"type": "str", "default": ""},
        "new_greenlight_hostname": {"type": "str", "default": ""},
        "link_base_url": {"type": "str", "default": ""},
        "expires_on": {"type": "str", "default": ""},
        "link_days": {"type": "int", "default": 30},
        "alternatives": {"type": "list", "elements": "dict", "default": []},
        "include_recording_files": {"type": "bool", "default": False},
        "recordings_dir": {"type": "path", "default": "/var/bigbluebutton"},
        "owner": {"type": "str", "default": "root"},
        "group": {"type": "str", "default": "root"},
        "mode": {"type": "str", "default": "0600"},
    }
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    params = module.params
    if len(params["secret"]) < 32:
        module.fail_json(msg="member_export: the secret must have at least 32 characters.")
    try:
        expires = link_expiry(params["expires_on"], params["link_days"])
    except ValueError:
        module.fail_json(msg=f"member_export: expires_on {params['expires_on']!r} is not a date (YYYY-MM-DD).")
    members = build_members(params)
    dest, fmt = params["dest"], params["archive_format"]
    file_mode = int(params["mode"], 8)
    dir_mode = file_mode | ((file_mode & 0o444) >> 2)  # a search bit wherever there is a read bit
    written, removed, result = [], [], {}
    changed = False

    if not os.path.isdir(dest):
        changed = True
        if not module.check_mode:
            os.makedirs(dest, 0o700)
    if os.path.isdir(dest):
        changed |= module.set_fs_attributes_if_different(module.load_file_common_arguments(
            {"path": dest, "owner": params["owner"], "group": params["group"], "mode": f"{dir_mode:04o}"}), False)

    for email, member in members.items():
        name = f"{member['token']}.{fmt}"
        path = os.path.join(dest, name)
        entries = archive_entries(member, params)
        # Built outside the directory (an unchanged archive leaves it untouched), moved in atomically.
        handle, tmp = tempfile.mkstemp(prefix="member-export-")
        try:
            with os.fdopen(handle, "wb") as out:
                write_archive(out, entries, fmt)
            digest = _sha256(tmp)
            if not os.path.exists(path) or _sha256(path) != digest:
                changed = True
                written.append(name)
                if not module.check_mode:
                    os.chmod(tmp, file_mode)
                    module.atomic_move(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        if os.path.exists(path):
            changed |= module.set_fs_attributes_if_different(module.load_file_common_arguments(
                {"path": path, "owner": params["owner"], "group": params["group"], "mode": params["mode"]}), False)
        entry = {"file": name, "token": member["token"], "sha256": digest, "rooms": len(member["rooms"]),
                 "shared": len(member["shared"]), "recordings": len(member["recordings"]),
                 "names": sorted({a["name"] for a in member["accounts"] if a.get("name")}),
                 "languages": sorted({a["language"] for a in member["accounts"] if a.get("language")})}
        if params["link_base_url"]:
            base = params["link_base_url"].rstrip("/")
            uri = urlsplit(base).path + "/" + name
            entry["expires"] = expires
            entry["expires_at"] = datetime.datetime.fromtimestamp(expires, datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
            entry["link"] = f"{base}/{name}?md5={secure_link(uri, expires, params['secret'])}" \
                            f"&expires={expires}"
        result[email] = entry

    keep = {entry["file"] for entry in result.values()}
    if os.path.isdir(dest):
        for name in sorted(os.listdir(dest)):
            if TOKEN_RE.match(name) and name not in keep:
                changed = True
                removed.append(name)
                if not module.check_mode:
                    os.unlink(os.path.join(dest, name))

    module.exit_json(changed=changed, members=result, written=written, removed=removed)


if __name__ == "__main__":
    main()
