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


def greenlight_maps(_unused=None):
    """Every fixed v2 -> v3 map as one JSON-ready dict (handed to the import SQL)."""
    return {
        "room_settings": {k: {"option": o, "kind": t} for k, (o, t) in ROOM_SETTING_MAP.items()},
        "room_columns": dict(ROOM_COLUMN_MAP),
        "permissions": {k: list(v) for k, v in PERMISSION_MAP.items()},
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
    """The import's JSON report: the last line of psql's output that is a JSON object."""
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
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
            "greenlight_maps": greenlight_maps,
            "greenlight_room_options": greenlight_room_options,
            "greenlight_site_setting": greenlight_site_setting,
            "greenlight_v3_role_name": greenlight_v3_role_name,
            "greenlight_psql_argv": greenlight_psql_argv,
            "greenlight_db_problems": greenlight_db_problems,
            "greenlight_input_problems": greenlight_input_problems,
            "greenlight_psql_vars": greenlight_psql_vars,
            "greenlight_report": greenlight_report,
            "greenlight_report_changed": greenlight_report_changed,
            "greenlight_report_problems": greenlight_report_problems,
            "greenlight_seconds": greenlight_seconds,
        }
