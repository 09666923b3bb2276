"""Pure logic of the greenlight_data role: how to reach a Greenlight database,
the v2 -> v3 maps the import SQL applies, and reading the import's report.

The import itself is set-based SQL (roles/greenlight_data/files/*.sql); these
functions build its inputs and interpret its output, and the room-option map
is also available in Python so tests can compute the expected result
independently of the SQL.
"""
import json

# v2 room_settings key -> (v3 meeting option, how the value is mapped).
ROOM_SETTING_MAP = {
    "recording": ("record", "bool"),
    "muteOnStart": ("muteOnStart", "bool"),
    "anyoneCanStart": ("glAnyoneCanStart", "bool"),
    "joinModerator": ("glAnyoneJoinAsModerator", "bool"),
    "requireModeratorApproval": ("guestPolicy", "guest_policy"),
}
# v2 rooms column -> v3 meeting option (access codes).
ROOM_COLUMN_MAP = {
    "access_code": "glViewerAccessCode",
    "moderator_access_code": "glModeratorAccessCode",
}
# v2 role permission name -> v3 permission names.
PERMISSION_MAP = {
    "can_create_rooms": ["CreateRoom"],
    "can_manage_users": ["ManageUsers"],
    "can_manage_rooms_recordings": ["ManageRooms", "ManageRecordings"],
    "can_edit_site_settings": ["ManageSiteSettings"],
    "can_edit_roles": ["ManageRoles"],
    "can_appear_in_share_list": ["SharedList"],
    "can_launch_recording": ["CanRecord"],
}
# What v2 reads for a permission whose row is missing or disabled (Role#default_value:
# the share list follows config.shared_access_default, which v2 fixes to "true").
V2_PERMISSION_DEFAULTS = {"can_appear_in_share_list": "true"}
# v2 built-in role name -> v3 role name (None: the user's status carries it).
BUILTIN_ROLE_MAP = {
    "admin": "Administrator",
    "user": "User",
    "pending": "User",
    "denied": "User",
    "super_admin": None,
}
# v2 feature name -> v3 setting name.
SITE_SETTING_MAP = {
    "Primary Color": "PrimaryColor",
    "Primary Color Lighten": "PrimaryColorLight",
    "Primary Color Darken": "PrimaryColorDark",
    "Branding Image": "BrandingImage",
    "Legal URL": "Terms",
    "Privacy Policy URL": "PrivacyPolicy",
    "Registration Method": "RegistrationMethod",
    "Shared Access": "ShareRooms",
    "Preupload Presentation": "PreuploadPresentation",
}
REGISTRATION_METHODS = {"0": "open", "1": "invite", "2": "approval"}
USER_POLICIES = {
    "pending": ("skip", "pending"),
    "denied": ("skip", "banned"),
    "deleted": ("skip", "banned"),
}
EMAIL_CONFLICT_POLICIES = ("merge", "skip", "fail")


# Which Greenlight a database holds, answered by the database itself: 'v3' (meeting_options
# and rooms), 'v2' (features, and users.social_uid), or 'unknown'. Asked by preflight
# (discovery) and greenlight_data (validation).
GENERATION_SQL = (
    "SELECT CASE"
    " WHEN to_regclass('public.meeting_options') IS NOT NULL AND to_regclass('public.rooms') IS NOT NULL THEN 'v3'"
    " WHEN to_regclass('public.features') IS NOT NULL AND EXISTS (SELECT 1 FROM information_schema.columns"
    " WHERE table_schema = 'public' AND table_name = 'users' AND column_name = 'social_uid') THEN 'v2'"
    " ELSE 'unknown' END")


def greenlight_generation_sql(_unused=None):
    """The query that says which Greenlight generation a database holds (GENERATION_SQL)."""
    return GENERATION_SQL


# What Greenlight v3 itself assumes of the rows it reads (its models' validations and
# its session lookup: app/models/*.rb, ApplicationController#current_user), as SQL over
# the live tables. Each rule's `rows` selects one text key for each row that breaks it;
# `why` says what v3 would do with such a row, `fix` what the operator can do. Checked
# after the commit, in a fresh connection (and by a dry run on the copies it wrote).
EMAIL_FORMAT = r"^[A-Za-z0-9_.+-]+@[A-Za-z0-9_.-]+\.[A-Za-z]+$"  # User: /\A[\w\-.+]+@[\w\-.]+\.[a-z]+\z/i
V3_RULES = [
    {"rule": "users.session_token", "family": "users",
     "rows": "SELECT email || ' (' || provider || ')' FROM users WHERE session_token IS NULL OR session_expiry IS NULL",
     "why": "Greenlight finds the signed-in user by session token: a visitor without a session looks up a NULL "
            "token and is handed this account",
     "fix": "run the phase again (it gives every migrated account a token), or set a random token on these rows"},
    {"rule": "users.session_token.unique", "family": "users",
     "rows": "SELECT min(email) || ' and ' || (count(*) - 1) || ' more' FROM users WHERE session_token IS NOT NULL"
             " GROUP BY session_token HAVING count(*) > 1",
     "why": "two accounts with one session token: whoever holds it is signed in as either",
     "fix": "give each of these accounts a new random token and an expiry in the past"},
    {"rule": "users.name", "family": "users",
     "rows": "SELECT email FROM users WHERE name IS NULL OR btrim(name) = '' OR length(name) > 255",
     "why": "User validates a name of 1 to 255 characters: the account cannot be saved (sign-in, role change)",
     "fix": "give these members a name of at most 255 characters in the source and run again"},
    {"rule": "users.email", "family": "users",
     "rows": "SELECT coalesce(email, '(none)') || ' (' || provider || ')' FROM users"
             " WHERE email IS NULL OR length(email) NOT BETWEEN 5 AND 255 OR email !~ '" + EMAIL_FORMAT + "'",
     "why": "User validates an email of 5 to 255 characters shaped local@domain.tld (letters, digits, _-.+)",
     "fix": "correct these addresses in the source (or remove the accounts there) and run again"},
    {"rule": "users.email.lower_case", "family": "users",
     "rows": "SELECT email FROM users WHERE email <> lower(email)",
     "why": "Greenlight stores emails in lower case and looks them up so: this member could not sign in",
     "fix": "lower-case these emails on the target (no other account may hold the lower-case one)"},
    {"rule": "users.email.unique", "family": "users",
     "rows": "SELECT lower(email) || ' (' || provider || ')' FROM users GROUP BY lower(email), provider"
             " HAVING count(*) > 1",
     "why": "User validates one account per email and provider, case-insensitively",
     "fix": "merge or remove the extra accounts (greenlight_data_email_conflict_policy)"},
    {"rule": "users.provider_status_language", "family": "users",
     "rows": "SELECT email FROM users WHERE coalesce(btrim(provider), '') = '' OR status IS NULL"
             " OR status NOT IN (0, 1, 2) OR coalesce(btrim(language), '') = ''",
     "why": "User validates a provider, a status (0 active, 1 pending, 2 banned) and a language",
     "fix": "set them on these rows (greenlight_data_default_language for the language)"},
    {"rule": "users.credentials", "family": "users",
     "rows": "SELECT email FROM users WHERE password_digest IS NULL AND external_id IS NULL",
     "why": "User requires a password unless the account has an external id: nobody can sign in to it",
     "fix": "give the member a password reset, or an external id for single sign-on"},
    {"rule": "users.reset_and_verification_digests", "family": "users",
     "rows": "SELECT min(email) FROM users WHERE reset_digest IS NOT NULL GROUP BY reset_digest HAVING count(*) > 1"
             " UNION ALL SELECT min(email) FROM users WHERE verification_digest IS NOT NULL"
             " GROUP BY verification_digest HAVING count(*) > 1",
     "why": "User validates unique reset and verification digests: one link would open two accounts",
     "fix": "clear these digests (the members ask for a new link)"},
    {"rule": "users.role", "family": "users",
     "rows": "SELECT u.email FROM users u LEFT JOIN roles r ON r.id = u.role_id"
             " WHERE r.id IS NULL OR r.provider IS DISTINCT FROM u.provider",
     "why": "a user belongs to a role of its own provider (User#check_user_role_provider)",
     "fix": "give these accounts a role of their provider"},
    {"rule": "rooms.name", "family": "rooms",
     "rows": "SELECT friendly_id FROM rooms WHERE name IS NULL OR btrim(name) = '' OR length(name) > 255",
     "why": "Room validates a name of 1 to 255 characters",
     "fix": "rename these rooms in the source and run again"},
    {"rule": "rooms.ids", "family": "rooms",
     "rows": "SELECT coalesce(friendly_id, '(none)') FROM rooms WHERE coalesce(friendly_id, '') = ''"
             " OR coalesce(meeting_id, '') = '' OR user_id IS NULL OR recordings_processing IS NULL"
             " OR recordings_processing < 0"
             " UNION ALL SELECT friendly_id FROM rooms GROUP BY friendly_id HAVING count(*) > 1"
             " UNION ALL SELECT min(friendly_id) FROM rooms GROUP BY meeting_id HAVING count(*) > 1",
     "why": "Room validates a unique friendly id and meeting id, an owner and recordings_processing >= 0",
     "fix": "resolve the duplicate rooms on the target"},
    {"rule": "rooms.meeting_options", "family": "room options",
     "rows": "SELECT r.friendly_id || ' ' || o.name || ': ' || coalesce(x.n, 0) || ' rows' FROM rooms r"
             " CROSS JOIN meeting_options o LEFT JOIN (SELECT room_id, meeting_option_id, count(*) AS n"
             " FROM room_meeting_options GROUP BY 1, 2) x ON x.room_id = r.id AND x.meeting_option_id = o.id"
             " WHERE x.n IS DISTINCT FROM 1",
     "why": "a room holds one row per meeting option, as Room#create_meeting_options makes them",
     "fix": "run the phase again (it completes migrated rooms), or add the missing rows with the option's default"},
    {"rule": "roles.name", "family": "roles",
     "rows": "SELECT coalesce(name, '(none)') || ' (' || coalesce(provider, '(none)') || ')' FROM roles"
             " WHERE coalesce(btrim(name), '') = '' OR coalesce(btrim(provider), '') = ''"
             " UNION ALL SELECT lower(name) || ' (' || provider || ')' FROM roles GROUP BY lower(name), provider"
             " HAVING count(*) > 1",
     "why": "Role validates a name, unique per provider case-insensitively, and a provider",
     "fix": "rename or merge these roles on the target"},
    {"rule": "roles.permissions", "family": "roles",
     "rows": "SELECT r.name || ' (' || r.provider || ') ' || p.name || ': ' || coalesce(x.n, 0) || ' rows'"
             " FROM roles r CROSS JOIN permissions p LEFT JOIN (SELECT role_id, permission_id, count(*) AS n,"
             " bool_and(coalesce(btrim(value), '') <> '') AS valued FROM role_permissions GROUP BY 1, 2) x"
             " ON x.role_id = r.id AND x.permission_id = p.id WHERE x.n IS DISTINCT FROM 1 OR NOT x.valued",
     "why": "a role holds one valued row per permission (Role#create_role_permissions, RolePermission value present)",
     "fix": "add the missing rows on the target with the User role's value"},
    {"rule": "shared_accesses.unique", "family": "shares",
     "rows": "SELECT user_id || ' -> ' || room_id FROM shared_accesses GROUP BY user_id, room_id HAVING count(*) > 1",
     "why": "SharedAccess validates one share per user and room",
     "fix": "delete the extra shares"},
    {"rule": "recordings.fields", "family": "recordings",
     "rows": "SELECT coalesce(record_id, '(none)') FROM recordings WHERE coalesce(btrim(name), '') = ''"
             " OR coalesce(record_id, '') = '' OR length IS NULL OR participants IS NULL"
             " OR visibility IS NULL OR visibility NOT IN ('Published', 'Unpublished', 'Protected', 'Public',"
             " 'Public/Protected')",
     "why": "Recording validates a name, record id, length, participants and a known visibility",
     "fix": "correct these recordings, or delete them and run Greenlight's rake server_recordings_sync"},
    {"rule": "formats.fields", "family": "recordings",
     "rows": "SELECT coalesce(c.record_id, '(no recording)') || ' ' || coalesce(f.recording_type, '(none)')"
             " FROM formats f LEFT JOIN recordings c ON c.id = f.recording_id"
             " WHERE coalesce(f.recording_type, '') = '' OR coalesce(f.url, '') = ''",
     "why": "Format validates a recording type and a URL",
     "fix": "correct these formats, or rebuild the recordings with rake server_recordings_sync"},
]
# How many offending rows a rule names in its report.
V3_RULE_EXAMPLES = 5


def greenlight_v3_check_sql(rules=None):
    """One SQL statement that checks every rule over the tables on the search path and prints
    one JSON line: {"check": [{"rule", "count", "examples"}, ...]} (every rule, in order)."""
    parts = []
    for order, rule in enumerate(rules or V3_RULES):
        parts.append(f"SELECT {order} AS ord, '{rule['rule']}' AS rule, count(*) AS n,"
                     f" (array_agg(k ORDER BY k))[1:{V3_RULE_EXAMPLES}] AS examples FROM ({rule['rows']}) v(k)")
    return ("SELECT json_build_object('check', json_agg(json_build_object('rule', rule, 'count', n,"
            " 'examples', coalesce(examples, '{}')) ORDER BY ord))::text FROM (\n  "
            + "\n  UNION ALL ".join(parts) + "\n) r;\n")


def greenlight_check_report(stdout):
    """The check's results from psql's output (the last JSON line with a "check" key)."""
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith('{"check"'):
            return json.loads(line)["check"]
    raise ValueError("the check of the target printed no result")


def greenlight_check_failures(check, rules=None):
    """A message for each rule that rows break: the rule, how many rows, a few of them, why and the fix."""
    described = {rule["rule"]: rule for rule in rules or V3_RULES}
    messages = []
    for result in check or []:
        if int(result["count"]):
            rule = described.get(result["rule"], {"why": "", "fix": ""})
            messages.append(f"{result['rule']}: {result['count']} rows (e.g. {', '.join(result['examples'])}):"
                            f" {rule['why']}; {rule['fix']}.")
    return messages


def greenlight_maps(_unused=None):
    """Every fixed v2 -> v3 map as one JSON-ready dict (handed to the import SQL)."""
    return {
        "room_settings": {k: {"option": o, "kind": t} for k, (o, t) in ROOM_SETTING_MAP.items()},
        "room_columns": dict(ROOM_COLUMN_MAP),
        "permissions": {k: list(v) for k, v in PERMISSION_MAP.items()},
        "permission_defaults": dict(V2_PERMISSION_DEFAULTS),
        "email_format": EMAIL_FORMAT,
        "builtin_roles": dict(BUILTIN_ROLE_MAP),
        "site_settings": dict(SITE_SETTING_MAP),
        "registration_methods": dict(REGISTRATION_METHODS),
    }


def _as_bool_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return "true" if str(value).strip().lower() in ("true", "1", "t", "yes") else "false"


def greenlight_room_options(room_settings, access_code=None, moderator_access_code=None, defaults=None):
    """The v3 meeting-option values of a v2 room: one entry per option in ``defaults``.

    ``room_settings`` is v2's JSON text (``'{ }'`` for home rooms, possibly invalid:
    then every option keeps its default). ``defaults`` maps option name -> default value.
    """
    values = dict(defaults or {})
    try:
        settings = json.loads(room_settings) if room_settings else {}
    except (TypeError, ValueError):
        settings = {}
    if not isinstance(settings, dict):
        settings = {}
    for key, (option, kind) in ROOM_SETTING_MAP.items():
        if option not in values or key not in settings or settings[key] is None:
            continue
        flag = _as_bool_text(settings[key])
        if kind == "guest_policy":
            values[option] = "ASK_MODERATOR" if flag == "true" else "ALWAYS_ACCEPT"
        else:
            values[option] = flag
    for value, option in ((access_code, ROOM_COLUMN_MAP["access_code"]),
                          (moderator_access_code, ROOM_COLUMN_MAP["moderator_access_code"])):
        if option in values and value:
            values[option] = value
    return values


def greenlight_site_setting(name, value):
    """(v3 setting name, v3 value) for a v2 feature, or None when v3 has no such setting."""
    target = SITE_SETTING_MAP.get(name)
    if target is None:
        return None
    if target == "RegistrationMethod":
        return target, REGISTRATION_METHODS.get(str(value), "open")
    if target == "ShareRooms" or target == "PreuploadPresentation":
        return target, _as_bool_text(value)
    return target, "" if value is None else str(value)


def greenlight_v2_permission(rows, name):
    """True when a v2 role with permission ``rows`` (dicts with name, value, enabled, in id
    order) has permission ``name``, as v2's Role#get_permission reads it: the last row of that
    name gives its value when enabled, else (disabled or missing) the default; only "true" grants."""
    value = V2_PERMISSION_DEFAULTS.get(name, "false")
    for row in rows:
        if row["name"] == name:
            value = row["value"] if row["enabled"] else V2_PERMISSION_DEFAULTS.get(name, "false")
    return value == "true"


def greenlight_merge(accounts):
    """The account a group of source accounts (one email, one target provider) merges into,
    and the credentials it keeps.

    ``accounts``: dicts with id, verified, last_login (sortable or None), password_digest,
    external_id. The survivor is the first verified account, then by latest sign-in, then
    lowest id. It keeps its own password digest and external id and takes, where it has
    none, the first one (in that order) of another *verified* account: an unverified
    account's credentials are never given to someone else's account. Returns a dict:
    survivor, password_digest, external_id, password_from, external_id_from (ids or None)
    and not_kept (ids of other accounts with a credential that was not kept).
    """
    def order(account):
        login = account.get("last_login")
        return (not account.get("verified"), login is None, _descending(login), account["id"])

    ordered = sorted(accounts, key=order)
    survivor = ordered[0]
    result = {"survivor": survivor["id"]}
    for credential, given_by in (("password_digest", "password_from"), ("external_id", "external_id_from")):
        if survivor.get(credential):
            giver = survivor
        else:
            giver = next((a for a in ordered[1:] if a.get("verified") and a.get(credential)), None)
        result[credential] = giver[credential] if giver else None
        result[given_by] = giver["id"] if giver else None
    result["not_kept"] = sorted(
        a["id"] for a in ordered[1:]
        if (a.get("password_digest") and a["id"] != result["password_from"])
        or (a.get("external_id") and a["id"] != result["external_id_from"]))
    return result


def _descending(value):
    """A sort key that orders strings (ISO timestamps) from the latest down."""
    return [-ord(c) for c in value or ""]


def greenlight_v3_role_name(name):
    """v3 name of a v2 role: built-ins by the map, custom ones capitalised as Ruby does."""
    if name in BUILTIN_ROLE_MAP:
        return BUILTIN_ROLE_MAP[name]
    return name[:1].upper() + name[1:].lower() if name else name


def greenlight_psql_argv(db):
    """The psql command line that reaches ``db`` (greenlight_data_*_db shape).

    access ``docker``: psql inside the container (docker exec -i); ``local``: psql as
    the postgres system user (runuser); ``tcp``: a direct connection (the password is
    passed in the environment, never on the command line).
    """
    access = db.get("access", "docker")
    base = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", db.get("user") or "postgres",
            "-d", db["database"]]
    if access == "docker":
        return ["docker", "exec", "-i", db["container"]] + base
    if access == "local":
        return ["runuser", "-u", "postgres", "--"] + base
    if access == "tcp":
        return base[:5] + ["-h", db["host"], "-p", str(db.get("port") or 5432)] + base[5:]
    raise ValueError(f"unknown database access {access!r}")


def greenlight_db_problems(db, name):
    """One message per missing connection detail of ``db``; ``name`` is the input's name."""
    problems = []
    if not isinstance(db, dict):
        return [f"{name} must be a dictionary with access, database and user."]
    access = db.get("access")
    if access not in ("docker", "local", "tcp"):
        return [f"{name}.access is {access!r}: use docker, local or tcp."]
    if not db.get("database"):
        problems.append(f"{name}.database is empty: name the Greenlight database.")
    if access == "docker" and not db.get("container"):
        problems.append(f"{name}.container is empty: access docker needs the database container's name.")
    if access == "tcp":
        for key in ("host", "user", "password"):
            if not db.get(key):
                problems.append(f"{name}.{key} is empty: access tcp needs host, user and password"
                                " (put the password in the vault).")
    return problems


def greenlight_input_problems(provider_map, default_language):
    """Messages for provider-map and language inputs that cannot work."""
    problems = []
    if not isinstance(provider_map, dict) or not provider_map:
        return ["greenlight_data_provider_map is empty: map every v2 provider to a v3 provider"
                " (e.g. openid_connect: greenlight)."]
    for source, target in provider_map.items():
        if not isinstance(target, str) or not target.strip():
            problems.append(f"greenlight_data_provider_map maps {source!r} to nothing: give a v3 provider name.")
    if not isinstance(default_language, str) or not default_language.strip() or default_language == "default":
        problems.append("greenlight_data_default_language must be a language code such as 'en'"
                        " (v2's 'default' is not a language).")
    return problems


def greenlight_pgpass_line(db):
    """The ~/.pgpass line for a tcp ``db`` (greenlight_data_*_db shape): host:port:database:user:password,
    with ':' and '\\' escaped as libpq reads them."""
    fields = [db["host"], db.get("port") or 5432, db["database"], db.get("user") or "postgres", db["password"]]
    return ":".join(str(f).replace("\\", "\\\\").replace(":", "\\:") for f in fields) + "\n"


def greenlight_psql_vars(variables):
    """psql -v arguments for ``variables``; dicts and lists are passed as JSON."""
    argv = []
    for key in sorted(variables):
        value = variables[key]
        if isinstance(value, (dict, list)):
            value = json.dumps(value, sort_keys=True)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        argv += ["-v", f"{key}={value}"]
    return argv


def greenlight_report(stdout):
    """The import's JSON report: the last line of psql's output that is a JSON object with a mode."""
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith('{"mode"') and line.endswith("}"):
            return json.loads(line)
    raise ValueError("the import printed no report (no JSON object in its output)")


def greenlight_report_changed(report):
    """True when the run wrote rows to the live tables (never in a dry run)."""
    if report.get("dry_run") or report.get("problems") or report.get("mismatches"):
        return False
    return any(int(n) for n in report.get("created", {}).values()) or \
        any(int(n) for n in report.get("updated", {}).values())


def greenlight_report_problems(report):
    """Human messages for a report's problems and verification mismatches."""
    messages = [p["message"] if isinstance(p, dict) else str(p) for p in report.get("problems") or []]
    for m in report.get("mismatches") or []:
        messages.append(f"verification: {m['entity']} {m['key']}: {m['issue']}")
    return messages


def greenlight_catalog_problems(results, root):
    """``host:root/file: reason`` for each metadata.xml the bbb_recordings_catalog loop could not read."""
    return [f"{result['item']}:{root.rstrip('/')}/{line}"
            for result in results or [] for line in result.get("unreadable") or []]


def greenlight_seconds(delta):
    """Seconds (float) in a command result's ``delta`` such as ``0:01:02.500000``."""
    hours, minutes, seconds = str(delta).split(":")
    return round(int(hours) * 3600 + int(minutes) * 60 + float(seconds), 3)


class FilterModule:
    """greenlight_data filters."""

    def filters(self):
        return {
            "greenlight_catalog_problems": greenlight_catalog_problems,
            "greenlight_check_failures": greenlight_check_failures,
            "greenlight_check_report": greenlight_check_report,
            "greenlight_v3_check_sql": greenlight_v3_check_sql,
            "greenlight_generation_sql": greenlight_generation_sql,
            "greenlight_maps": greenlight_maps,
            "greenlight_merge": greenlight_merge,
            "greenlight_v2_permission": greenlight_v2_permission,
            "greenlight_room_options": greenlight_room_options,
            "greenlight_site_setting": greenlight_site_setting,
            "greenlight_v3_role_name": greenlight_v3_role_name,
            "greenlight_psql_argv": greenlight_psql_argv,
            "greenlight_db_problems": greenlight_db_problems,
            "greenlight_input_problems": greenlight_input_problems,
            "greenlight_pgpass_line": greenlight_pgpass_line,
            "greenlight_psql_vars": greenlight_psql_vars,
            "greenlight_report": greenlight_report,
            "greenlight_report_changed": greenlight_report_changed,
            "greenlight_report_problems": greenlight_report_problems,
            "greenlight_seconds": greenlight_seconds,
        }
