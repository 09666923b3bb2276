"""Pure helpers for the legacy_redirects role: check the old-host map, turn it
into nginx server blocks (a list of plain dicts the template prints), and say
where an old URL must land (the reference the role's own verify step and the
tests compare nginx's answers with). Nothing here touches a host."""

import re
from urllib.parse import parse_qs

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

# Greenlight v2 room uid: a 3-character chunk of the owner's name (may hold
# '-' or '_'), then two (before mid-2020) or three random 3-character chunks.
ROOM_UID = r"[a-z0-9_-]{3}(?:-[a-z0-9]{3}){2,3}"
# BBB record id: sha1 hex of the meeting id, '-', epoch milliseconds.
RECORD_ID = r"[0-9a-f]{40}-[0-9]{13}"
PLAYBACK_20 = "/playback/presentation/2.0/playback.html"


def _is_fqdn(name):
    if not isinstance(name, str):
        return False
    labels = name.strip().lower().split(".")
    return len(labels) >= 2 and not labels[-1].isdigit() and all(_LABEL.match(x) for x in labels)


def redirect_sites(hostname_map):
    """legacy_redirects' sites from the project's ``bbbmig_hostname_map`` ({old name: {greenlight,
    bbb}}): one site per old name, in name order."""
    return [dict({"old_hostname": old}, **{k: v for k, v in (new or {}).items() if k in ("greenlight", "bbb")})
            for old, new in sorted((hostname_map or {}).items())]


def redirect_problems(sites, bbb_paths):
    """One message per problem in the old-host map and the playback paths."""
    problems = []
    if not sites:
        problems.append("legacy_redirects_sites is empty: list each old hostname and where it moved "
                        "({old_hostname: ..., greenlight: ..., bbb: ...}).")
    seen = set()
    for i, site in enumerate(sites or []):
        old = (site.get("old_hostname") or "").lower()
        where = f"legacy_redirects_sites[{i}] ({old or 'no old_hostname'})"
        if not _is_fqdn(old):
            problems.append(f"{where}: old_hostname {old!r} is not a fully qualified hostname.")
        if old in seen:
            problems.append(f"{where}: {old} is listed twice; give each old hostname once.")
        seen.add(old)
        targets = [site.get(k) for k in ("greenlight", "bbb") if site.get(k)]
        if not targets:
            problems.append(f"{where}: names no new host; set greenlight (rooms, sign-in) "
                            "and/or bbb (recording playback).")
        for key in ("greenlight", "bbb"):
            value = site.get(key)
            if value and not _is_fqdn(value):
                problems.append(f"{where}: {key} {value!r} is not a fully qualified hostname.")
            elif value and value.lower() == old:
                problems.append(f"{where}: {key} is the old hostname itself; that would redirect in a loop.")
    for path in bbb_paths or []:
        if not (isinstance(path, str) and path.startswith("/") and path.endswith("/") and len(path) > 2
                and re.match(r"^[A-Za-z0-9/._-]+$", path)):
            problems.append(f"legacy_redirects_bbb_paths: {path!r} must be a path prefix such as /playback/ "
                            "(leading and trailing slash, letters, digits, . _ -).")
    return problems


def redirect_servers(sites, bbb_paths, status=301):
    """nginx server blocks for the old hostnames: ``[{name, locations: [{match, lines}]}]``.

    Per old host, in nginx's order of precedence: exact and prefix matches for
    BBB's playback paths (to the new BBB host, same path; the 2.0 presentation
    player straight to the 2.3 one), regular expressions for Greenlight v2's
    ``/b/<uid>`` room links (to v3's ``/rooms/<uid>/join``) and other ``/b/``
    paths (the prefix dropped), then everything else to the new Greenlight
    host (or the BBB host when the old host served no Greenlight), path and
    query kept.
    """
    servers = []
    for site in sites:
        gl, bbb = site.get("greenlight"), site.get("bbb")
        locations = []
        if bbb:
            locations.append({"match": f"= {PLAYBACK_20}", "lines": [
                f'if ($arg_meetingId ~ "^({RECORD_ID})$") {{ return {status} https://{bbb}/playback/presentation/2.3/$1; }}',
                f"return {status} https://{bbb}$request_uri;"]})
            for path in bbb_paths:
                locations.append({"match": f"^~ {path}", "lines": [f"return {status} https://{bbb}$request_uri;"]})
        if gl:
            locations.append({"match": f'~ "^/b/({ROOM_UID})(?:/.*)?$"',
                              "lines": [f"return {status} https://{gl}/rooms/$1/join;"]})
            locations.append({"match": '~ "^/b(?:/(.*))?$"',
                              "lines": [f"return {status} https://{gl}/$1$is_args$args;"]})
        locations.append({"match": "/", "lines": [f"return {status} https://{gl or bbb}$request_uri;"]})
        servers.append({"name": site["old_hostname"].lower(), "locations": locations})
    return servers


def redirect_target(site, path, query, bbb_paths):
    """Where ``https://<old>/<path>?<query>`` must land (the full URL), by the
    same rules as redirect_servers, written independently of nginx."""
    gl, bbb = site.get("greenlight"), site.get("bbb")
    suffix = f"?{query}" if query else ""
    if bbb and path == PLAYBACK_20:
        meeting = parse_qs(query).get("meetingId", [""])[0]
        if re.fullmatch(RECORD_ID, meeting) and len(parse_qs(query)["meetingId"]) == 1:
            return f"https://{bbb}/playback/presentation/2.3/{meeting}"
        return f"https://{bbb}{path}{suffix}"
    if bbb and any(path.startswith(p) for p in bbb_paths):
        return f"https://{bbb}{path}{suffix}"
    if gl:
        room = re.fullmatch(rf"/b/({ROOM_UID})(?:/.*)?", path)
        if room:
            return f"https://{gl}/rooms/{room.group(1)}/join"
        rest = re.fullmatch(r"/b(?:/(.*))?", path)
        if rest:
            return f"https://{gl}/{rest.group(1) or ''}{suffix}"
    return f"https://{gl or bbb}{path}{suffix}"


def redirect_samples(sites, bbb_paths):
    """A few old URLs per old host with the URL each must land on, for the
    role's verify step: ``[{host, uri, location}]``."""
    record = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
    samples = []
    for site in sites:
        uris = ["/", "/some/page?x=1"]
        if site.get("greenlight"):
            uris += ["/b/abc-def-ghi", "/b/abc-def-ghi-jkl/join?x=1", "/b/signin"]
        if site.get("bbb"):
            uris += [f"{PLAYBACK_20}?meetingId={record}"] + [f"{p}{record}/" for p in bbb_paths]
        for uri in uris:
            path, _, query = uri.partition("?")
            samples.append({"host": site["old_hostname"].lower(), "uri": uri,
                            "location": redirect_target(site, path, query, bbb_paths)})
    return samples


def redirect_mismatches(results):
    """Messages for the sample requests whose answer was not the expected
    redirect. ``results`` are ansible.builtin.uri loop results over
    redirect_samples (each with ``item`` and ``location``); skipped ones are ignored."""
    problems = []
    for result in results or []:
        if result.get("skipped"):
            continue
        item = result.get("item") or {}
        got = result.get("location")
        if got != item.get("location"):
            problems.append(f"https://{item.get('host')}{item.get('uri')} to {got or 'no Location'} "
                            f"(status {result.get('status')}), not to {item.get('location')}")
    return problems


class FilterModule:
    """legacy_redirects filters."""

    def filters(self):
        return {
            "redirect_problems": redirect_problems,
            "redirect_sites": redirect_sites,
            "redirect_servers": redirect_servers,
            "redirect_target": redirect_target,
            "redirect_samples": redirect_samples,
            "redirect_mismatches": redirect_mismatches,
        }
