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


class FilterModule:
    """Inventory checks for the preflight phase."""

    def filters(self):
        return {
            "weak_bbb_secrets": weak_bbb_secrets,
            "fqdn_problems": fqdn_problems,
            "group_overlaps": group_overlaps,
            "missing_groups": missing_groups,
            "missing_secrets": missing_secrets,
            "parse_df": parse_df,
        }
