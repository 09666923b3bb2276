"""Pure logic of the migration record: which earlier phases block this one."""


def record_problems(record, requires):
    """Messages for each required phase that is missing or did not finish ok.

    ``record`` maps a phase name to its JSON entry (``result``, ``finished``);
    ``requires`` lists phase names. An empty list means the phase may run.
    """
    problems = []
    for phase in requires or []:
        entry = (record or {}).get(phase)
        if entry is None:
            problems.append(f"{phase} has not run (run playbooks/{phase}.yml first)")
        elif entry.get("result") == "running":
            problems.append(f"{phase} started {entry.get('started')} but did not finish (re-run it)")
        elif entry.get("result") != "ok":
            problems.append(f"{phase} finished with result {entry.get('result')!r}")
    return problems


def facts_by_host(hosts, hostvars, name):
    """{host: that host's fact ``name``} for each of ``hosts`` (in order, once each; {} where the
    host has none): what a phase's hosts found or did, for its record."""
    out = {}
    for host in hosts or []:
        if host not in out:
            out[host] = (hostvars.get(host) or {}).get(name, {})
    return out


def flatten_facts(data, prefix="", max_items=20):
    """Flatten nested phase data into (key, value) rows for the report.

    Nested dicts become dotted keys; lists of scalars are joined; long lists
    are cut to ``max_items`` with a note of how many were left out.
    """
    rows = []
    if isinstance(data, dict):
        for key in sorted(data, key=str):
            rows.extend(flatten_facts(data[key], f"{prefix}{key}.", max_items))
        return rows
    key = prefix[:-1] if prefix.endswith(".") else prefix
    if isinstance(data, list):
        if all(not isinstance(v, (dict, list)) for v in data):
            shown = ", ".join(str(v) for v in data[:max_items])
            more = len(data) - max_items
            rows.append((key, shown + (f" (+{more} more)" if more > 0 else "")))
        else:
            for index, value in enumerate(data[:max_items]):
                rows.extend(flatten_facts(value, f"{prefix}{index}.", max_items))
            if len(data) > max_items:
                rows.append((key, f"(+{len(data) - max_items} more entries)"))
        return rows
    rows.append((key, "" if data is None else str(data)))
    return rows


def phase_duration(entry):
    """Seconds between a phase's start and finish, or None while unfinished."""
    from datetime import datetime

    started, finished = (entry or {}).get("started"), (entry or {}).get("finished")
    if not started or not finished:
        return None
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return int((datetime.strptime(finished, fmt) - datetime.strptime(started, fmt)).total_seconds())


class FilterModule:
    """Migration record filters."""

    def filters(self):
        return {
            "facts_by_host": facts_by_host,
            "record_problems": record_problems,
            "flatten_facts": flatten_facts,
            "phase_duration": phase_duration,
        }
