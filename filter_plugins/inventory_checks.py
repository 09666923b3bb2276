"""Pure checks on the migration inventory, used by the preflight role.

Each filter returns a list of problems (plain sentences for the operator);
an empty list means the check passed. Nothing here touches a host.
"""

import re

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def fqdn_problems(names):
    """Return one message per name that is not a fully qualified domain name.

    A served hostname must have at least two labels, each 1-63 characters
    of letters, digits and inner hyphens, the last one not all-numeric, and
    at most 253 characters in all. A trailing dot is accepted.
    """
    problems = []
    for name in names or []:
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{name!r} is not a hostname")
            continue
        host = name.strip().lower()
        host = host[:-1] if host.endswith(".") else host
        labels = host.split(".")
        if len(host) > 253:
            problems.append(f"{name} is longer than 253 characters")
        elif len(labels) < 2:
            problems.append(f"{name} is not fully qualified (no domain part)")
        elif not all(_LABEL.match(label) for label in labels):
            problems.append(f"{name} has an invalid label")
        elif labels[-1].isdigit():
            problems.append(f"{name} is an address, not a hostname")
    return problems


def group_overlaps(groups, pairs):
    """Hosts that sit in both groups of a (source, target) pair.

    ``groups`` is Ansible's ``groups`` mapping; ``pairs`` a list of
    ``[source_group, target_group]``. Returns messages naming host and groups.
    """
    problems = []
    for source, target in pairs or []:
        both = sorted(set(groups.get(source, [])) & set(groups.get(target, [])))
        for host in both:
            problems.append(f"{host} is in both {source} and {target}")
    return problems


def missing_groups(groups, required):
    """Required group names that are absent or have no host."""
    return [name for name in required or [] if not groups.get(name)]


def parse_df(output):
    """Parse ``df -P -B1 PATH`` output into ``{mount, size_available}``.

    The last line is the filesystem holding PATH (a long device name may
    not wrap with -P, but take the last line all the same).
    """
    lines = [line for line in (output or "").splitlines() if line.strip()]
    if len(lines) < 2:
        raise ValueError(f"unexpected df output: {output!r}")
    fields = lines[-1].split()
    return {"mount": " ".join(fields[5:]), "size_available": int(fields[3])}


_BBB_SECRET = re.compile(r"^[A-Za-z0-9]{32,}$")


def weak_bbb_secrets(hosts, hostvars):
    """The hosts among ``hosts`` whose ``bbbmig_bbb_secret`` is set but is not one BBB accepts
    (at least 32 letters and digits), once each, in order. Names only: never a secret."""
    weak = []
    for host in hosts or []:
        secret = (hostvars.get(host) or {}).get("bbbmig_bbb_secret")
        if secret is not None and not _BBB_SECRET.match(str(secret)) and host not in weak:
            weak.append(host)
    return weak


def missing_secrets(values):
    """Names whose value is undefined, None or empty.

    ``values`` maps a variable name to its value (or None when undefined);
    only names are returned, never values.
    """
    return sorted(name for name, value in (values or {}).items() if value in (None, "", [], {}))


_GL_DB_ACCESS = ("docker", "local", "tcp")
_HOSTNAME_MAP_KEYS = ("greenlight", "bbb")


def _name(value):
    """A hostname compared as DNS compares it: lower case, no trailing dot."""
    return value.strip().lower().rstrip(".") if isinstance(value, str) else value


def _type_name(value):
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def _hosts_of(groups, name):
    return list(groups.get(name) or [])


def _greenlight_db_problems(db, name):
    if db in (None, "", {}):
        return []
    if not isinstance(db, dict):
        return [f"{name} is {_type_name(db)}; give a mapping such as "
                "{access: docker, container: greenlight_db_1, database: greenlight_production, user: postgres}"]
    problems = []
    access = db.get("access", "docker")
    if access not in _GL_DB_ACCESS:
        problems.append(f"{name}.access is {access!r}; use docker, local or tcp")
    if not isinstance(db.get("database"), str) or not db.get("database"):
        problems.append(f"{name}.database is not set; name the Greenlight database (greenlight_production)")
    if access == "docker" and not db.get("container"):
        problems.append(f"{name}.container is not set but access is docker; "
                        "name the database container (docker ps on the old host shows it)")
    if access == "tcp" and not db.get("host"):
        problems.append(f"{name}.host is not set but access is tcp; give the database's address")
    port = db.get("port")
    if port is not None and (isinstance(port, bool) or not str(port).isdigit() or not 0 < int(port) < 65536):
        problems.append(f"{name}.port is {port!r}; give a TCP port number (5432)")
    return problems


def _recordings_map_problems(mapping, sources, targets, name):
    if mapping in (None, "", {}):
        return []
    if not isinstance(mapping, dict):
        return [f"{name} is {_type_name(mapping)}; give a mapping {{target_bbb host: [source_bbb hosts]}} "
                "or leave it empty to send every source to every target"]
    problems = []
    for target, feeding in mapping.items():
        if target not in targets:
            where = " (it is a source: a target cannot be fed from itself)" if target in sources else ""
            problems.append(f"{name} names target {target}, which is not in target_bbb{where}; "
                            "use the inventory names of the new BBB nodes as keys")
        if not isinstance(feeding, list):
            problems.append(f"{name} for {target} is {_type_name(feeding)}; give a list of source_bbb hosts, "
                            f"e.g. {target}: [{feeding if isinstance(feeding, str) else 'old1'}]")
            continue
        if not feeding:
            problems.append(f"{name} for {target} lists no source; list its source_bbb hosts or remove the key")
        unknown = [str(s) for s in feeding if s not in sources]
        if unknown:
            problems.append(f"{name} for {target} names {', '.join(unknown)}, not in source_bbb; "
                            "use the inventory names of the old BBB nodes")
        if target in feeding:
            problems.append(f"{name} feeds {target} from itself; a target is never its own source")
        twice = sorted({str(s) for s in feeding if feeding.count(s) > 1})
        if twice:
            problems.append(f"{name} for {target} names {', '.join(twice)} twice; list each source once")
    fed = {s for feeding in mapping.values() if isinstance(feeding, list) for s in feeding}
    unfed = [s for s in sources if s not in fed]
    if unfed:
        problems.append(f"{name} sends no target the recordings of {', '.join(unfed)}; "
                        "add each source_bbb host to a target's list")
    return problems


def _hostname_map_problems(mapping, names_of, name):
    """``names_of`` maps a group to the public names its hosts serve."""
    if mapping in (None, "", {}):
        return []
    if not isinstance(mapping, dict):
        return [f"{name} is {_type_name(mapping)}; give a mapping "
                "{old name: {greenlight: new name, bbb: new name}}"]
    problems = []
    new_targets = {"greenlight": set(names_of["target_greenlight"]), "bbb": set(names_of["target_bbb"])}
    old_names = set(names_of["source_bbb"]) | set(names_of["source_greenlight"])
    seen = {}
    for old, links in mapping.items():
        for problem in fqdn_problems([old]):
            problems.append(f"{name}: old name {problem}; use the full name members' links carry")
        key = _name(old)
        if key in seen:
            problems.append(f"{name} names {old} twice (also as {seen[key]}); "
                            "an old name can lead to one place only")
        seen[key] = old
        if not isinstance(links, dict):
            problems.append(f"{name} for {old} is {_type_name(links)}; "
                            "give {greenlight: new name} and/or {bbb: new name}")
            continue
        unknown = sorted(str(k) for k in links if k not in _HOSTNAME_MAP_KEYS)
        if unknown:
            problems.append(f"{name} for {old} has key(s) {', '.join(unknown)}; use greenlight and/or bbb")
        if not any(k in links for k in _HOSTNAME_MAP_KEYS):
            problems.append(f"{name} for {old} says where neither link goes; give greenlight and/or bbb")
        for kind in _HOSTNAME_MAP_KEYS:
            if kind not in links:
                continue
            new = links[kind]
            bad = fqdn_problems([new]) if isinstance(new, str) else [f"{new!r} is not a hostname"]
            if bad:
                problems.append(f"{name} for {old}: {kind} {bad[0]}; use a full name such as bbb1.example.org")
                continue
            if _name(new) == key:
                problems.append(f"{name} sends {old} to itself; its {kind} links must go to a new name")
            elif _name(new) in old_names:
                problems.append(f"{name} for {old}: {kind} {new} is an old name (a source host's); "
                                "after the cutover the old names only redirect")
            elif new_targets[kind] and _name(new) not in new_targets[kind]:
                problems.append(f"{name} for {old}: {kind} {new} is served by no target_{kind} host "
                                f"(their bbbmig_public_hostname: {', '.join(sorted(new_targets[kind]))})")
        if key in set(names_of["target_bbb"]) | set(names_of["target_greenlight"]):
            problems.append(f"{name}: old name {old} is a new host's bbbmig_public_hostname; "
                            "a target cannot take over a name that redirects")
    missing = sorted(n for n in old_names if n not in seen)
    if missing:
        problems.append(f"{name} leaves out {', '.join(missing)} (served by a source host); "
                        "add each old name, or its links break at the cutover")
    return problems


def _secret_problem(value, name, hosts=None, hint=""):
    where = f" of {', '.join(hosts)}" if hosts else ""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        return f"{name}{where} is {_type_name(value)}, not a string of 32+ letters and digits{hint}"
    if not _BBB_SECRET.match(value):
        return f"{name}{where} is not 32+ letters and digits{hint}"
    return None


def inventory_problems(groups, hostvars, settings=None):
    """Every problem with the migration inventory, as sentences naming the variable and the fix.

    ``groups`` is Ansible's ``groups``; ``hostvars`` maps host -> its variables (only
    ``bbbmig_public_hostname`` and ``bbbmig_bbb_secret`` are read); ``settings`` holds the
    role's inputs: required_groups, single_groups, pairs, allow_overlap, name_groups,
    secret_hosts, served_hostnames, recordings_map, hostname_map, turn_secret, greenlight_db. Never prints a secret.
    """
    settings = settings or {}
    groups = groups or {}
    problems = []

    missing = missing_groups(groups, settings.get("required_groups", []))
    if missing:
        problems.append(f"Inventory: group(s) {', '.join(missing)} missing or empty. Every migration needs "
                        f"{', '.join(settings.get('required_groups', []))}; see inventories/example/hosts.yml")
    for group in settings.get("single_groups", []):
        hosts = _hosts_of(groups, group)
        if len(hosts) > 1:
            problems.append(f"Inventory: {group} has {len(hosts)} hosts ({', '.join(hosts)}); "
                            "it takes exactly one, keep the Greenlight host only")
    if not settings.get("allow_overlap", False):
        for overlap in group_overlaps(groups, settings.get("pairs", [])):
            problems.append(f"Inventory: {overlap}. A migration copies from one host to another; "
                            "set preflight_allow_source_target_overlap=true only for an in-place move")

    # Public names, per host that serves one (a host in several groups is checked once).
    names_of = {}
    owner_of = {}  # public name -> the first host serving it
    reported = set()
    for group in settings.get("name_groups", []):
        names_of[group] = []
        for host in _hosts_of(groups, group):
            value = (hostvars.get(host) or {}).get("bbbmig_public_hostname")
            if value is None or value == "" or not isinstance(value, str):
                if host not in reported:
                    reported.add(host)
                    problems.append(
                        f"bbbmig_public_hostname is not set for {host} ({group}); "
                        "set the full public name it serves in its host variables" if value in (None, "") else
                        f"bbbmig_public_hostname of {host} is {_type_name(value)}; "
                        "give one name as a string, such as bbb.example.org")
                continue
            names_of[group].append(_name(value))
            owner = owner_of.setdefault(_name(value), host)
            if owner != host and (owner, host) not in reported:
                reported.add((owner, host))
                problems.append(f"bbbmig_public_hostname {value} is set for both {owner} and {host}; "
                                "each host serves its own name")
    for group in ("source_bbb", "source_greenlight", "target_bbb", "target_greenlight"):
        names_of.setdefault(group, [])
    served = settings.get("served_hostnames") or []
    if not isinstance(served, list):
        served = [served]
    for problem in fqdn_problems([n for n in served if isinstance(n, str) and n]):
        problems.append(f"Inventory: {problem}; set bbbmig_public_hostname to a full name such as bbb.example.org")

    for name, hint in (("bbbmig_bbb_secret", "; bbb-conf --secret shows an old node's, "
                        "openssl rand -hex 20 makes a new one"),):
        weak = []
        for host in settings.get("secret_hosts", []):
            value = (hostvars.get(host) or {}).get(name)
            if _secret_problem(value, name) and host not in weak:
                weak.append(host)
        if weak:
            problems.append(f"bbbmig_bbb_secret of {', '.join(weak)} is not a BBB shared secret: use at least "
                            f"32 letters and digits{hint}, from the vault")
    turn = _secret_problem(settings.get("turn_secret"), "bbbmig_turn_secret",
                           hint="; openssl rand -hex 32 makes one, keep it in the vault")
    if turn:
        problems.append(turn)

    problems += _recordings_map_problems(settings.get("recordings_map"), _hosts_of(groups, "source_bbb"),
                                         _hosts_of(groups, "target_bbb"),
                                         settings.get("recordings_map_name", "bbbmig_recordings_map"))
    if settings.get("allow_overlap", False):
        # An in-place move: a host both source and target keeps its name on both sides.
        shared = set(names_of["source_bbb"] + names_of["source_greenlight"]) & set(
            names_of["target_bbb"] + names_of["target_greenlight"])
        names_of = {group: [n for n in names if n not in shared] for group, names in names_of.items()}
    problems += _hostname_map_problems(settings.get("hostname_map"), names_of,
                                       settings.get("hostname_map_name", "bbbmig_hostname_map"))
    problems += _greenlight_db_problems(settings.get("greenlight_db"),
                                        settings.get("greenlight_db_name", "bbbmig_source_greenlight_db"))
    return problems


def unreachable_hosts(hosts, hostvars, probe="__preflight_python"):
    """One line per host among ``hosts`` whose reachability probe (the registered ``raw``
    result named ``probe``) says unreachable: ``host (ansible_host[:port]) is unreachable: the error``."""
    lines = []
    for host in hosts or []:
        hv = hostvars.get(host) or {}
        result = hv.get(probe)
        if not isinstance(result, dict) or not result.get("unreachable"):
            continue
        address = str(hv.get("ansible_host") or host)
        port = hv.get("ansible_port")
        address = f"{address}:{port}" if port not in (None, "") else address
        cause = str(result.get("msg") or "no answer").replace("Task failed: ", "").strip()
        lines.append(f"{host} ({address}) is unreachable: {cause}")
    return lines


class FilterModule:
    """Inventory checks for the preflight phase."""

    def filters(self):
        return {
            "weak_bbb_secrets": weak_bbb_secrets,
            "inventory_problems": inventory_problems,
            "unreachable_hosts": unreachable_hosts,
            "fqdn_problems": fqdn_problems,
            "group_overlaps": group_overlaps,
            "missing_groups": missing_groups,
            "missing_secrets": missing_secrets,
            "parse_df": parse_df,
        }
