#!/usr/bin/env python3
"""Deterministic Greenlight v2 dataset: SQL (COPY blocks) for schema-v2.sql.

    generate.py --users 300 --seed 4 > data.sql

The same arguments always give the same bytes. Every dataset holds the edge
cases the migration must handle: OIDC users with external ids and local users
with bcrypt digests (users 1, 2 and 3, the first three, all local, have
real digests of ``password-<id>``: ``local1@example.org``, the twin
``Twin+gl@Example.org`` and ``local3@example.org``), deleted, pending and denied users, a
super admin, a user without email, emails with ``+`` and upper case, one email
under two providers, 3-part and 4-part room uids, every combination of the
five room settings, access codes, home rooms with ``{ }``, deleted rooms,
shared rooms (with one duplicate share, which v2 allows), custom roles with
permissions and site settings including all three colours and 'Preupload
Presentation'. Sizes: about 1.7 rooms and 0.5 shared accesses per user.
"""
import argparse
import datetime as dt
import hashlib
import itertools
import json
import random
import sys
import uuid

import bcrypt

BCRYPT64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
FIRST = ["ada", "bob", "chloe", "dmitri", "eve", "farah", "gus", "hana", "ivo", "jules", "kim", "lea",
         "mads", "nour", "olga", "paul", "quinn", "rosa", "sven", "tariq", "ursula", "vera", "wim", "yara", "zoe"]
LAST = ["martin", "bernard", "dubois", "nguyen", "schmidt", "rossi", "garcia", "okafor", "kowalski", "silva"]
LANGS = ["default", "default", "default", "en", "fr", "de", None]
SETTING_KEYS = ["muteOnStart", "requireModeratorApproval", "anyoneCanStart", "joinModerator", "recording"]
BASE = dt.datetime(2018, 3, 1, 9, 0, 0)
FOUR_PART_SINCE = dt.datetime(2020, 6, 1)
# v2 built-in roles (provider greenlight) and two custom ones.
ROLES = [(1, "user", 1), (2, "admin", 0), (3, "pending", -1), (4, "denied", -3), (5, "super_admin", -2),
         (6, "teacher", 2), (7, "MODERATORS", 3)]
PERMISSIONS = {
    1: {"can_create_rooms": "true"},
    2: {"can_create_rooms": "true", "can_manage_users": "true", "can_manage_rooms_recordings": "true",
        "can_edit_site_settings": "true", "can_edit_roles": "true"},
    # (value, enabled): v2 reads a disabled row as the default ("true" for the share list only)
    6: {"can_create_rooms": "true", "can_manage_rooms_recordings": "true", "can_launch_recording": "true",
        "can_manage_users": "false", "can_edit_roles": ("true", False), "can_appear_in_share_list": ("false", False)},
    7: {"can_create_rooms": "true", "can_manage_users": "true", "can_appear_in_share_list": "true",
        "send_promoted_email": "true"},
}
FEATURES = [("Primary Color", "#1a7f37"), ("Primary Color Lighten", "#d9f2e0"),
            ("Primary Color Darken", "#0f5323"), ("Registration Method", "2"), ("Shared Access", "true"),
            ("Preupload Presentation", "true"), ("Legal URL", "https://coop.example/legal"),
            ("Privacy Policy URL", "https://coop.example/privacy"),
            ("Room Configuration Mute On Join", "optional")]
KNOWN_PASSWORDS = 3


def copy_value(value):
    """A value in COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_block(table, columns, rows):
    """A COPY ... FROM stdin block for psql."""
    out = [f"COPY {table} ({', '.join(columns)}) FROM stdin;"]
    out += ["\t".join(copy_value(v) for v in row) for row in rows]
    out.append("\\.")
    return "\n".join(out) + "\n"


class Dataset:
    """Builds the rows; all randomness comes from one seeded generator."""

    def __init__(self, users, seed):
        self.n = users
        self.rng = random.Random(seed)
        self.seed = seed
        self.uids = set()
        self.users, self.rooms, self.shares = [], [], []

    def when(self, start=BASE, days=2000):
        return start + dt.timedelta(seconds=self.rng.randrange(days * 86400))

    def digest(self, index, local_index):
        if local_index <= KNOWN_PASSWORDS:
            # the 22nd salt character carries only 2 bits: one of . O e u
            salt = "$2a$10$" + "".join(self.rng.choice(BCRYPT64) for _ in range(21)) + self.rng.choice(".Oeu")
            return bcrypt.hashpw(f"password-{index}".encode(), salt.encode()).decode()
        body = "".join(self.rng.choice(BCRYPT64) for _ in range(53))
        return f"$2a$12${body}"

    def uid(self, name, created):
        parts = 4 if created >= FOUR_PART_SINCE else 3
        while True:
            chunks = [(name[:3] + "xxx")[:3]] + ["".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                                                       for _ in range(3)) for _ in range(parts - 1)]
            uid = "-".join(chunks)
            if uid not in self.uids:
                self.uids.add(uid)
                return uid

    def room(self, user_id, owner_name, created, settings, home=False):
        rid = len(self.rooms) + 1
        uid = self.uid(owner_name, created)
        access = None if home or self.rng.random() > 0.2 else f"{self.rng.randrange(10**6):06d}"
        mod_access = None if home or self.rng.random() > 0.1 else f"{self.rng.randrange(10**6):06d}"
        deleted = not home and self.rng.random() < 0.02
        last = None if self.rng.random() < 0.3 else self.when(created, 300)
        self.rooms.append((rid, user_id, "Home Room" if home else f"{owner_name.title()}'s room {rid}", uid,
                           hashlib.sha1(f"{self.seed}-{uid}".encode()).hexdigest(), last, settings,
                           access, mod_access, deleted, created, max(created, last or created)))
        return rid

    def build(self):
        combos = itertools.cycle(itertools.product([False, True], repeat=len(SETTING_KEYS)))
        local_index = 0
        for i in range(1, self.n + 1):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            oidc = self.rng.random() < 0.6 and i not in (1, 2, 3, 4, 5)
            if i in (6, 7):  # 6: OIDC twin of local user 2's email, in another case
                oidc = i == 6
            email = f"{first}.{last}{i}@example.org"
            if i == 2:
                email = "Twin+gl@Example.org"
            elif i == 6:
                email = "twin+GL@example.org"
            elif i <= KNOWN_PASSWORDS + 2 and not oidc:
                email = f"local{i}@example.org"
            elif i % 17 == 0:
                email = f"{first.title()}.{last.upper()}+gl{i}@Example.ORG"
            elif i % 23 == 0:
                email = f"{first}+{last}{i}@example.org"
            if i == 9:
                email = None
            role = 1
            roll = self.rng.random()
            if i == 4:
                role = 5
            elif i == 10 or roll < 0.03:
                role = 3  # pending
            elif i == 11 or roll < 0.04:
                role = 4  # denied
            elif i == 3 or roll < 0.05:
                role = 2
            elif i in (12, 13) or roll < 0.10:
                role = 6 if (i == 12 or roll < 0.08) else 7
            deleted = i == 14 or self.rng.random() < 0.03
            created = self.when()
            login = None if self.rng.random() < 0.1 else self.when(created, 400)
            if not oidc:
                local_index += 1
            digest = None if oidc else self.digest(i, local_index)
            social = str(uuid.UUID(int=self.rng.getrandbits(128))) if oidc else None
            home = self.room(i, first, created, "{ }", home=True)
            self.users.append((i, "openid_connect" if oidc else "greenlight", f"{first.title()} {last.title()}",
                               email, social, digest, not oidc and self.rng.random() < 0.9,
                               self.rng.choice(LANGS), deleted, role, login,
                               None if oidc else created, created, max(created, login or created), home))
            extra = 2 if i <= 40 else (1 if self.rng.random() < 0.7 else 0)
            for _ in range(extra):
                values = dict(zip(SETTING_KEYS, next(combos) if len(self.rooms) < 200 else
                                  [self.rng.random() < 0.3 for _ in SETTING_KEYS]))
                self.room(i, first, self.when(created, 600), json.dumps(values))
        owners = {r[0]: r[1] for r in self.rooms}
        for _ in range(self.n // 2):
            room = self.rng.randrange(1, len(self.rooms) + 1)
            user = self.rng.randrange(1, self.n + 1)
            if owners[room] != user:
                self.shares.append((room, user))
        self.shares.append(self.shares[0])  # v2 has no unique index: a duplicate share

    def sql(self):
        now = BASE + dt.timedelta(days=2100)
        out = ["-- Greenlight v2 dataset: generate.py --users %d --seed %d\n" % (self.n, self.seed),
               "SET client_min_messages = warning;\n"]
        out.append(copy_block("roles", ["id", "name", "priority", "provider", "colour", "created_at", "updated_at"],
                              [(rid, name, prio, "greenlight", "#aa5500" if rid == 6 else None, BASE, BASE)
                               for rid, name, prio in ROLES]))
        perms = [(rid, name) + (value if isinstance(value, tuple) else (value, True)) + (BASE, BASE)
                 for rid, p in PERMISSIONS.items() for name, value in p.items()]
        out.append(copy_block("role_permissions", ["role_id", "name", "value", "enabled", "created_at", "updated_at"], perms))
        out.append(copy_block("settings", ["id", "provider", "created_at", "updated_at"], [(1, "greenlight", BASE, BASE)]))
        out.append(copy_block("features", ["setting_id", "name", "value", "enabled", "created_at", "updated_at"],
                              [(1, name, value, True, BASE, BASE) for name, value in FEATURES]))
        out.append(copy_block("users", ["id", "provider", "name", "email", "social_uid", "password_digest",
                                        "email_verified", "language", "deleted", "role_id", "last_login",
                                        "activated_at", "created_at", "updated_at", "room_id"], self.users))
        out.append(copy_block("rooms", ["id", "user_id", "name", "uid", "bbb_id", "last_session", "room_settings",
                                        "access_code", "moderator_access_code", "deleted", "created_at",
                                        "updated_at"], self.rooms))
        out.append(copy_block("shared_accesses", ["room_id", "user_id", "created_at", "updated_at"],
                              [(room, user, now, now) for room, user in self.shares]))
        out.append("DO $$ BEGIN\n")
        for table in ("roles", "role_permissions", "settings", "features", "users", "rooms", "shared_accesses"):
            out.append(f"  PERFORM setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}));\n")
        out.append("END $$;\n")
        out.append("ANALYZE;\n")
        return "".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--meeting-ids", action="store_true",
                        help="print the meeting ids (bbb_id) of the live rooms of live members instead of the SQL,"
                             " one a line: what a BBB node's recordings of this platform would name")
    args = parser.parse_args(argv)
    if args.users < 20:
        parser.error("--users must be at least 20 (the edge cases need them)")
    data = Dataset(args.users, args.seed)
    data.build()
    if args.meeting_ids:
        gone = {u[0] for u in data.users if u[8]}
        sys.stdout.write("".join(f"{r[4]}\n" for r in data.rooms if not r[9] and r[1] not in gone))
    else:
        sys.stdout.write(data.sql())


if __name__ == "__main__":
    main()
