"""Pure logic of the migration record: which earlier phases block this one, and the status view."""


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


TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _seconds(started, finished):
    from datetime import datetime

    try:
        return int((datetime.strptime(finished, TIME_FORMAT) - datetime.strptime(started, TIME_FORMAT)).total_seconds())
    except (TypeError, ValueError):
        return None


def format_duration(seconds):
    """``90`` -> ``1m30s``, ``3725`` -> ``1h02m05s``; ``""`` for None."""
    if seconds is None:
        return ""
    seconds = max(int(seconds), 0)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def is_dry_run(entry):
    """Whether a phase's entry says it was a dry run: ``dry_run: true`` on the entry, in its
    data, or in one of its data's sections (e.g. 30-members' ``data.greenlight.dry_run``)."""
    entry = entry or {}
    data = entry.get("data") if isinstance(entry.get("data"), dict) else {}
    return (entry.get("dry_run") is True or data.get("dry_run") is True
            or any(isinstance(v, dict) and v.get("dry_run") is True for v in data.values()))


def record_status(record, phases, now=None):
    """One row a phase for the status view, in running order.

    ``record`` maps a phase name to its JSON entry (as the role's ``read`` loads it);
    ``phases`` lists the phases in running order, each ``{"phase": name, "requires":
    [names]}`` (or a bare name: no requirement). Phases found only in the record follow,
    sorted, and are never proposed to run next. ``now`` (UTC, ``%Y-%m-%dT%H:%M:%SZ``)
    gives a running phase's time so far.

    A row: ``phase``, ``result`` (``not run``, ``running``, ``ok``, ``failed``,
    ``rolled_back``, ...), ``started``, ``finished``, ``runs``, ``duration`` (seconds or
    None), ``dry_run``, ``done`` (finished ok, not a dry run), ``problems`` (what its
    requirements lack, as the phase playbooks word it; None when its requirements are
    unknown) and ``next`` (true on the first phase whose requirements are met and that is
    not done: the one to run next).
    """
    record = record or {}
    listed = []
    for item in phases or []:
        if isinstance(item, dict):
            listed.append((item["phase"], list(item.get("requires") or [])))
        else:
            listed.append((str(item), []))
    known = {name for name, _ in listed}
    listed += [(name, None) for name in sorted(record) if name not in known]

    rows, proposed = [], False
    for name, requires in listed:
        entry = record.get(name) or {}
        result = entry.get("result") or ("not run" if name not in record else "unknown")
        started, finished = entry.get("started"), entry.get("finished")
        duration = _seconds(started, finished) if finished else None
        row = {
            "phase": name,
            "result": result,
            "started": started or "",
            "finished": finished or "",
            "runs": entry.get("runs"),
            "duration": duration,
            "so_far": _seconds(started, now) if result == "running" and started and now else None,
            "dry_run": is_dry_run(entry),
            "problems": None if requires is None else record_problems(record, requires),
            "next": False,
        }
        row["done"] = result == "ok" and not row["dry_run"]
        if not proposed and requires is not None and not row["done"] and not row["problems"]:
            row["next"] = proposed = True
        rows.append(row)
    return rows


def _short_time(stamp):
    """``2026-11-24T08:00:00Z`` -> ``2026-11-24 08:00`` (UTC); anything else as it is."""
    stamp = stamp or ""
    if len(stamp) == 20 and stamp[10] == "T" and stamp.endswith("Z"):
        return f"{stamp[:10]} {stamp[11:16]}"
    return stamp or "-"


def _next_lines(row):
    name, result = row["phase"], row["result"]
    if result == "not run":
        return [f"Next is {name} (playbooks/{name}.yml)."]
    if result == "running":
        return [f"Next is {name}, started {_short_time(row['started'])} UTC and not finished.",
                "Unless a run of it is under way, it stopped half-way: re-run it."]
    if result == "rolled_back":
        return [f"Next is {name}, rolled back: fix the cause, then re-run it."]
    if row["dry_run"]:
        return [f"Next is {name}, only a dry run so far: run it for real."]
    return [f"Next is {name}, finished {result}: fix the cause, then re-run it."]


def record_status_lines(rows, record_dir="", exists=True):
    """The status view as plain text lines, short enough for Ansible's YAML output not
    to fold them: a table of ``record_status`` rows (times in UTC), then which phase may
    run next (or why none may)."""
    # The directory comes last on its line: a long one then runs on rather than folds.
    if exists:
        lines = [f"Record directory {record_dir}"]
    else:
        lines = ["No migration record yet: nothing has run.", f"Record directory (none yet) {record_dir}"]
    header = ("phase", "result", "started UTC", "finished UTC", "duration")
    table = [header]
    for row in rows:
        if row["duration"] is not None:
            duration = format_duration(row["duration"])
        elif row["so_far"] is not None:
            duration = format_duration(row["so_far"]) + "+"
        else:
            duration = "-"
        table.append((row["phase"], row["result"] + (" (dry run)" if row["dry_run"] else ""),
                      _short_time(row["started"]), _short_time(row["finished"]), duration))
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for index, cells in enumerate(table):
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
        if index == 0:
            lines.append("  ".join("=" * w for w in widths))
    proposed = [row for row in rows if row["next"]]
    pending = [row for row in rows if row["problems"] is not None and not row["done"]]
    if proposed:
        lines.extend(_next_lines(proposed[0]))
    elif not pending:
        lines.append("Every phase finished ok: nothing to run next.")
    else:
        lines.append(f"No phase may run; {pending[0]['phase']} waits:")
        lines.extend(pending[0]["problems"])
    return lines

class FilterModule:
    """Migration record filters."""

    def filters(self):
        return {
            "facts_by_host": facts_by_host,
            "record_problems": record_problems,
            "flatten_facts": flatten_facts,
            "phase_duration": phase_duration,
            "record_status": record_status,
            "record_status_lines": record_status_lines,
        }
