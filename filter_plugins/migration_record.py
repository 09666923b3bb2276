"""Pure logic of the migration record: which earlier phases block this one, the status view,
and the figures of the migration report (``record_summary``, ``record_sections``)."""


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

# ---------------------------------------------------------------------------
# The migration report: figures for a board, sections for the operator.
# ---------------------------------------------------------------------------

PHASE_LABELS = {
    "00-preflight": "Checks and discovery of the old platform",
    "10-provision": "New platform prepared",
    "20-presync": "Recordings copied ahead of the day",
    "30-members": "Members, rooms and shares moved",
    "40-cutover": "The cutover",
    "50-notify": "Members notified",
    "60-decommission": "Old platform retired",
}
DEFAULT_ORDER = list(PHASE_LABELS)


def human_bytes(value):
    """``44291034`` -> ``44.3 MB`` (decimal units, three significant digits); ``""`` for None."""
    if value is None or isinstance(value, bool):
        return ""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if abs(value) < 1000:
        return f"{int(value)} B"
    for unit in ("kB", "MB", "GB", "TB", "PB"):
        value /= 1000.0
        if abs(value) < 999.5 or unit == "PB":
            break
    digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
    return f"{value:.{digits}f} {unit}"


def _seconds_text(seconds):
    """``0.8`` -> ``0.8 s``, ``70`` -> ``1m10s``: short copies keep their tenths."""
    if _num(seconds) is None:
        return ""
    return f"{seconds:.1f} s" if seconds < 10 else format_duration(seconds)


def _rate(count, seconds, unit):
    """``count / seconds`` as ``"12.3 unit/s"``; ``""`` when either is missing or zero."""
    try:
        count, seconds = float(count), float(seconds)
    except (TypeError, ValueError):
        return ""
    if seconds <= 0:
        return ""
    rate = count / seconds
    if unit == "bytes":
        return human_bytes(rate) + "/s"
    return f"{rate:.{1 if rate < 100 else 0}f} {unit}/s"


def _parse_time(stamp):
    """A UTC datetime from ``2026-12-01T19:06:19Z`` (or ISO 8601 with an offset); None otherwise."""
    from datetime import datetime, timezone

    if not isinstance(stamp, str) or not stamp:
        return None
    text = stamp.strip()
    if text.endswith("Z"):
        text = text[:-1]
        if text.endswith("+00:00"):
            text = text[:-6]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _span(start, end):
    a, b = _parse_time(start), _parse_time(end)
    return None if a is None or b is None else int((b - a).total_seconds())


def _stamp(dt):
    return dt.strftime(TIME_FORMAT) if dt is not None else None


def _dict(value):
    return value if isinstance(value, dict) else {}


def _num(value):
    if isinstance(value, bool):
        return None
    return value if isinstance(value, (int, float)) else None


def _int_sum(values):
    values = [v for v in values if _num(v) is not None]
    return sum(values) if values else None


def _entry(phases, name):
    entry = (phases or {}).get(name)
    return entry if isinstance(entry, dict) else None


def _data(phases, name):
    return _dict((_entry(phases, name) or {}).get("data"))


def _members_data(phases):
    """The latest member sync: 40-cutover's final one when it wrote rows for real, else 30-members'."""
    final = _dict(_data(phases, "40-cutover").get("members"))
    if final.get("verification") and not final.get("dry_run"):
        return final, "40-cutover"
    first = _dict(_data(phases, "30-members").get("greenlight"))
    return (first, "30-members") if first else ({}, None)


def _recording_targets(phases):
    """Per target BBB node, the latest recordings copy: 40-cutover's delta when recorded
    (``data.recordings`` or ``data.targets``, per host), else 20-presync's ``data.targets``."""
    cutover = _data(phases, "40-cutover")
    for key in ("recordings", "targets"):
        hosts = _dict(cutover.get(key))
        if hosts and all(isinstance(v, dict) for v in hosts.values()) \
                and any("recordings" in v for v in hosts.values()):
            return hosts, "40-cutover"
    hosts = _dict(_data(phases, "20-presync").get("targets"))
    return (hosts, "20-presync") if hosts else ({}, None)


def _state(entry):
    """``not run yet``, ``running``, ``ok``, ``failed``, ``rolled_back``, ``dry run`` ..."""
    if entry is None:
        return "not run yet"
    if is_dry_run(entry) and entry.get("result") == "ok":
        return "dry run"
    return entry.get("result") or "unknown"


def _cause(data):
    failure = data.get("failure")
    if isinstance(failure, dict) and failure.get("cause"):  # 40-cutover: {step, host, cause, ...}
        return f"{failure.get('step', 'a step')} failed on {failure.get('host', '?')}: {failure['cause']}"
    for key in ("cause", "failure", "error", "reason", "msg"):
        if isinstance(data.get(key), str) and data[key]:
            return data[key]
    return ""


def _left_behind(phases, members, targets):
    """What was not moved: groups (what, count, reasons [{reason, count, items}])."""
    groups = []
    skipped = _dict(members.get("skipped"))
    merges = [m for m in members.get("merges") or [] if isinstance(m, dict)]
    labels = {"users": ("members", "members"), "rooms": ("rooms", "rooms"),
              "recordings": ("greenlight_recordings", "recordings listed in Greenlight")}
    for key, (slug, what) in labels.items():
        reasons = []
        for reason, count in sorted(_dict(skipped.get(key)).items()):
            if _num(count):
                items = []
                if key == "users" and reason.startswith("merged"):
                    items = [f"{m.get('email', '?')}: account(s) {', '.join(map(str, m.get('merged') or []))} "
                             f"merged into {m.get('survivor', '?')}" for m in merges]
                reasons.append({"reason": reason, "count": count, "entries": items})
        if reasons:
            groups.append({"key": slug, "what": what, "count": sum(r["count"] for r in reasons), "reasons": reasons})
    # BBB recordings: still being processed on an old node when copied, or missing with no reason.
    processing = []
    for host in sorted(targets):
        for source, ids in sorted(_dict(targets[host].get("processing")).items()):
            processing += [f"{rid} (on {source})" for rid in ids or []]
    on_source = _int_sum(_dict(v).get("recordings") for v in _dict(_data(phases, "00-preflight").get("source_bbb")).values())
    moved = _int_sum(_dict(v).get("recordings") for v in targets.values())
    reasons = []
    if processing:
        reasons.append({"reason": "still being processed on the old node", "count": len(processing), "entries": processing})
    if on_source is not None and moved is not None and on_source - moved > len(processing):
        reasons.append({"reason": "not copied, no reason recorded", "count": on_source - moved - len(processing), "entries": []})
    if reasons:
        groups.append({"key": "bbb_recordings", "what": "BBB recordings", "count": sum(r["count"] for r in reasons), "reasons": reasons})
    return groups


def _parse_change(label):
    """``set bbb.coop.test. A 172.22.0.5 ttl 300 (was 172.22.0.2 ttl 300)`` ->
    {op, name, type, values, ttl, was}; None when the label has another shape."""
    import re

    match = re.match(r"^set (\S+) (\S+) (.*?) ttl (\d+)(?: \(was (.*) ttl (\d+)\))?$", label or "")
    if match:
        name, rdtype, values, ttl, was, was_ttl = match.groups()
        return {"op": "set", "name": name, "type": rdtype, "values": values.split(), "ttl": int(ttl),
                "was": {"values": was.split(), "ttl": int(was_ttl)} if was is not None else None}
    match = re.match(r"^remove (\S+) (\S+) ?(.*)$", label or "")
    if match:
        return {"op": "remove", "name": match.group(1), "type": match.group(2), "values": match.group(3).split()}
    return None


def _rrset_text(rr):
    if not rr:
        return "(none)"
    return " ".join(rr["values"]) + (f" (TTL {rr['ttl']} s)" if rr.get("ttl") is not None else "")


def _dns(phases, cutover_state):
    """DNS before (the snapshot taken at the switch) and after (the switch's changes, then a
    rollback's), per name."""
    data = _data(phases, "40-cutover")
    dns = _dict(data.get("dns"))
    rollback = _dict(data.get("rollback"))
    if not dns and not rollback:
        return {"state": cutover_state, "rows": [], "verified": None, "verified_on": [], "not_verified": []}
    before = {}
    for rr in dns.get("snapshot") or rollback.get("snapshot") or []:
        if isinstance(rr, dict) and rr.get("name"):
            before[(rr["name"], rr.get("type", "A"))] = {"values": list(rr.get("values") or []), "ttl": rr.get("ttl")}
    after = {key: dict(value) for key, value in before.items()}
    for source in (dns if dns.get("stage") == "switch" else {}, rollback):
        for label in source.get("changes") or []:
            change = _parse_change(label)
            if change is None:
                continue
            key = (change["name"], change["type"])
            if change["op"] == "set":
                if key not in before and change["was"] is not None and source is dns:
                    before[key] = change["was"]
                after[key] = {"values": change["values"], "ttl": change["ttl"]}
            else:
                after.pop(key, None)
    rows = [{"name": name, "type": rdtype, "before": _rrset_text(before.get((name, rdtype))),
             "after": _rrset_text(after.get((name, rdtype))),
             "changed": before.get((name, rdtype)) != after.get((name, rdtype))}
            for name, rdtype in sorted(set(before) | set(after))]
    last = rollback or dns
    return {"state": "rolled back" if rollback or cutover_state == "rolled_back" else cutover_state,
            "rows": rows, "verified": last.get("verified"), "verified_on": list(last.get("verified_on") or []),
            "not_verified": list(last.get("not_verified") or [])}


def _window(phases):
    """The cutover window: from the freeze of the old nodes (the earliest ``frozen_at``/``started``
    recorded per host, else the cutover phase's start, the freeze being its first step) to the
    verified DNS switch (``data.dns.verified_at``/``switched_at`` when recorded, else the phase's
    end, which follows the verified switch)."""
    entry = _entry(phases, "40-cutover")
    state = _state(entry)
    window = {"state": state, "start": None, "end": None, "seconds": None, "text": "not run yet",
              "basis": "", "meetings_ended": [], "running_at_freeze": []}
    if entry is None:
        return window
    data = _dict(entry.get("data"))
    freezes = [v for v in _dict(data.get("freeze")).values() if isinstance(v, dict)]
    for freeze in freezes:
        window["meetings_ended"] += [f"{m} ({freeze.get('node', '?')})" for m in freeze.get("ended") or []]
        window["running_at_freeze"] += [f"{m} ({freeze.get('node', '?')})" for m in freeze.get("running_at_freeze") or []]
    # 40-cutover's own clock (data.marks) first: freeze_started, then verified (the check from outside passed).
    marks = _dict(data.get("marks"))
    starts = [_parse_time(marks.get("freeze_started"))]
    starts += [_parse_time(f.get(k)) for f in freezes for k in ("frozen_at", "started", "at")]
    starts = [s for s in starts if s is not None]
    dns = _dict(data.get("dns"))
    ends = [_parse_time(marks.get("verified"))] + [_parse_time(dns.get(k)) for k in ("verified_at", "switched_at")]
    ends = [e for e in ends if e is not None]
    if starts:
        start, start_basis = starts[0] if marks.get("freeze_started") else min(starts), "the freeze of the old nodes"
    else:
        start, start_basis = _parse_time(entry.get("started")), "the start of the cutover (its first step is the freeze)"
    if state == "running":
        end, end_basis = None, ""
    elif ends and state != "rolled_back":
        if marks.get("verified"):
            end, end_basis = ends[0], "the switch verified from outside (DNS on every nameserver, the new platform)"
        else:
            end, end_basis = max(ends), "the DNS switch verified on every nameserver"
    elif state == "rolled_back":
        end, end_basis = _parse_time(entry.get("finished")), "the rollback (the old platform serving again)"
    else:
        end, end_basis = _parse_time(entry.get("finished")), "the end of the cutover, after the verified DNS switch"
    window.update(start=_stamp(start), end=_stamp(end))
    if start is not None and end is not None:
        window["seconds"] = max(int((end - start).total_seconds()), 0)
        window["text"] = format_duration(window["seconds"])
        window["basis"] = f"from {start_basis} to {end_basis}"
    elif state == "running":
        window["text"] = "under way (not finished)"
    else:
        window["text"] = "unknown"
    return window


def _verification(phases, members, targets, dns):
    checks = []
    for host, t in sorted(targets.items()):
        if "verified" in t:
            checks.append({"check": f"Recordings on {host} verified against the old nodes"
                                    + (" (every byte hashed)" if t.get("verify") == "full" else f" ({t.get('verify', '?')})"),
                           "ok": t.get("verified") is True, "detail": f"{t.get('recordings', '?')} recordings"})
        if "old_hostnames_left" in t:
            checks.append({"check": f"Recordings on {host} point at the new hostname",
                           "ok": t.get("old_hostnames_left") == 0,
                           "detail": f"{t.get('metadata_rewritten', '?')} of {t.get('metadata_checked', '?')} rewritten, "
                                     f"{t.get('old_hostnames_left')} old hostnames left"})
    verification = _dict(members.get("verification"))
    if verification:
        short = [k for k, v in sorted(verification.items()) if _dict(v).get("present") != _dict(v).get("eligible")]
        checks.append({"check": "Every member, room, share and setting present on the new Greenlight",
                       "ok": not short and not members.get("mismatch_count"),
                       "detail": ("missing in " + ", ".join(short)) if short else
                       f"{sum(_dict(v).get('present') or 0 for v in verification.values())} rows checked"})
    check = _dict(members.get("check"))
    if check:
        failed = check.get("failed") or []
        checks.append({"check": "Greenlight's own rules hold on the new database",
                       "ok": not failed, "detail": f"{check.get('rules', '?')} rules, {len(failed)} broken"})
    for host, gl in sorted(_dict(_data(phases, "10-provision").get("greenlight")).items()):
        if isinstance(gl, dict) and "health" in gl:
            checks.append({"check": f"New Greenlight ({host}) answers its health check",
                           "ok": gl.get("health") == "success", "detail": str(gl.get("health"))})
    if dns["verified"] is not None:
        checks.append({"check": "DNS " + ("rollback" if dns["state"] == "rolled back" else "switch")
                                + " verified on every authoritative nameserver",
                       "ok": dns["verified"] is True and not dns["not_verified"],
                       "detail": ", ".join(dns["verified_on"]) + (
                           f"; not on {', '.join(dns['not_verified'])}" if dns["not_verified"] else "")})
    # Checks the cutover may record from outside: data.verification = {name: bool or {ok, detail}}.
    for name, value in sorted(_dict(_data(phases, "40-cutover").get("verification")).items()):
        ok = value if isinstance(value, bool) else _dict(value).get("ok")
        checks.append({"check": str(name).replace("_", " ").capitalize(), "ok": ok is True,
                       "detail": "" if isinstance(value, bool) else str(_dict(value).get("detail", ""))})
    return checks


def _decommission(phases):
    entry = _entry(phases, "60-decommission")
    if entry is None:
        return {"state": "not run yet", "hosts": []}
    data = _dict(entry.get("data"))
    hosts = _dict(data.get("hosts")) or {k: v for k, v in data.items() if isinstance(v, dict)}
    first = ("completed_at", "services_masked", "data_removal", "data_removed", "archive", "certificates_revoked")
    rows = []
    for host, facts in sorted(hosts.items()):
        facts = _dict(facts)
        if not facts:  # a host the play did not reach (serial: 1, stopped before it)
            continue
        ordered = dict([(k, facts[k]) for k in first if k in facts] + [(k, facts[k]) for k in sorted(facts) if k not in first])
        flat = []
        for key, value in ordered.items():
            flat += flatten_facts({key: value}, max_items=5)
        rows.append({"host": host, "facts": [(_human_key(k), _human_value(k, v)) for k, v in flat[:12]]})
    return {"state": _state(entry), "hosts": rows}


def _notify(phases):
    """50-notify's counts: sent (told in any run), opted out, ineligible (no or bad email,
    banned, pending, ...; by reason), failed (refused by the relay, or sent-unknown) and
    already told (by an earlier run). None where the phase has not run."""
    entry = _entry(phases, "50-notify")
    empty = {"state": _state(entry), "sent": None, "told": None, "already_told": None, "opted_out": None,
             "ineligible": None, "ineligible_reasons": [], "refused": None, "unknown": None, "failed": None}
    if entry is None:
        return empty
    data = _dict(entry.get("data"))
    if not any(key in data for key in ("told", "already_told", "opted_out", "skipped")):
        return empty  # not 50-notify's counts (member_notify_result): shown generically

    def count(key):
        value = data.get(key)
        return int(value) if _num(value) else 0

    reasons = sorted((str(k), int(v)) for k, v in _dict(data.get("skipped")).items() if _num(v))
    told, already = count("told"), count("already_told")
    refused, unknown = count("refused_by_relay"), count("sent_unknown")
    return {"state": _state(entry), "sent": told + already, "told": told, "already_told": already,
            "opted_out": count("opted_out"), "ineligible": sum(n for _, n in reasons),
            "ineligible_reasons": reasons, "refused": refused, "unknown": unknown, "failed": refused + unknown}


def _notify_text(notify):
    """One line of the counts, for the summary and the phase's section."""
    if notify["sent"] is None:
        return "not run yet" if notify["state"] in ("not run", "not run yet") else str(notify["state"])
    reasons = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in notify["ineligible_reasons"])
    return (f"{notify['sent']} sent ({notify['told']} in the last run, {notify['already_told']} before), "
            f"{notify['opted_out']} skipped (opted out), {notify['ineligible']} ineligible"
            + (f" ({reasons})" if reasons else "")
            + f", {notify['failed']} failed ({notify['refused']} refused by the relay, {notify['unknown']} sent-unknown)")


def _section_notify(data):
    notify = _notify({"50-notify": {"result": "ok", "data": data}})
    if notify["sent"] is None:
        return []
    rows = [("Members told", f"{notify['sent']} ({notify['told']} in the last run, {notify['already_told']} "
                             "told by an earlier run)"),
            ("Skipped, opted out", str(notify["opted_out"])),
            ("Ineligible", str(notify["ineligible"]) + (" (" + ", ".join(
                f"{n} {r.replace('_', ' ')}" for r, n in notify["ineligible_reasons"]) + ")"
                if notify["ineligible_reasons"] else "")),
            ("Failed", f"{notify['failed']} ({notify['refused']} refused by the relay, will be tried again; "
                       f"{notify['unknown']} sent-unknown, not mailed again)")]
    return rows


def _human_key(key):
    return str(key).replace("_", " ").replace(".", " › ")


def _human_value(key, value):
    last = str(key).rsplit(".", 1)[-1]
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if last == "bytes" or last.endswith("_bytes"):
        return human_bytes(number)
    if last in ("seconds", "duration") or last.endswith("_seconds"):
        return format_duration(number)
    return value


def _needs_human(phases, order, members, targets, left, window, checks, notify=None):
    needs = []
    for name in list(order) + sorted(set(phases or {}) - set(order)):
        entry = _entry(phases, name)
        if entry is None:
            continue
        state = _state(entry)
        label = f"{name} ({PHASE_LABELS.get(name, name)})"
        if state == "running":
            needs.append(f"{label} started {entry.get('started')} and did not finish: re-run it.")
        elif state == "rolled_back":
            cause = _cause(_dict(entry.get("data")))
            needs.append(f"{label} was rolled back" + (f": {cause}" if cause else "")
                         + ". Repair the cause and run it again.")
        elif state == "dry run":
            needs.append(f"{label} was only a dry run: run it for real.")
        elif state != "ok":
            cause = _cause(_dict(entry.get("data")))
            needs.append(f"{label} finished {state}" + (f": {cause}" if cause else "") + ".")
    for check in checks:
        if not check["ok"]:
            needs.append(f"Verification failed: {check['check']} ({check['detail']}).")
    for problem in members.get("problems") or []:
        needs.append(f"Member migration problem: {problem}")
    total = sum(g["count"] for g in left)
    if total:
        needs.append(f"{total} items were left behind ("
                     + ", ".join(f"{g['count']} {g['what']}" for g in left)
                     + "): check that each reason is expected.")
    for host, t in sorted(targets.items()):
        if _num(t.get("raw_at_risk")):
            needs.append(f"{t['raw_at_risk']} recordings' raw data on {host} are older than BBB's published_days "
                         f"({t.get('published_days', '?')} days): its daily cron would delete them; raise "
                         "published_days on the new node or accept the loss of the raw data.")
        failed_streams = _dict(t.get("copy")).get("failed_streams") or []
        if failed_streams:
            needs.append(f"Recording copy streams failed on {host}: {', '.join(map(str, failed_streams))}.")
    if window["meetings_ended"]:
        needs.append("Meetings ended by the freeze (tell their moderators): " + ", ".join(window["meetings_ended"]) + ".")
    notify = notify or {}
    if notify.get("refused"):
        needs.append(f"{notify['refused']} members' messages were refused by the relay: run 50-notify again "
                     "once the relay's log explains why.")
    if notify.get("unknown"):
        needs.append(f"{notify['unknown']} members' messages are sent-unknown (see 50-notify.ledger.jsonl): "
                     "check the relay's log; list in member_notify_resend those who never got theirs.")
    return needs


def _timeline(phase_rows, window):
    """Geometry of the inline SVG: one bar a phase on a shared time axis, and the cutover window."""
    width, left, right, row_h, top = 840, 210, 760, 24, 10
    spans = [(r, _parse_time(r["started"]), _parse_time(r["finished"])) for r in phase_rows]
    times = [t for _, a, b in spans for t in (a, b) if t is not None]
    times += [t for t in (_parse_time(window["start"]), _parse_time(window["end"])) if t is not None]
    rows = []
    lanes = list(spans) + [("window", _parse_time(window["start"]), _parse_time(window["end"]))]
    if not times:
        t0, total = None, 1
    else:
        t0, total = min(times), max(int((max(times) - min(times)).total_seconds()), 1)
    scale = (right - left) / total

    def xpos(moment):
        return round(left + (moment - t0).total_seconds() * scale, 1)

    for index, (row, start, end) in enumerate(lanes):
        y = top + index * row_h
        if row == "window":
            label, cls = "Cutover window (members cut off)", "window"
            note = window["text"] if window["seconds"] is not None else window["text"]
        else:
            label, cls = row["phase"], row["state"].replace(" ", "-").replace("_", "-")
            note = row["duration_text"] or row["state"]
        bar = None
        if start is not None and t0 is not None:
            x = xpos(start)
            x_end = xpos(end) if end is not None else x
            bar = {"x": x, "w": max(round(x_end - x, 1), 3)}
        rows.append({"label": label, "cls": cls, "y": y, "bar": bar, "note": note,
                     "note_x": round(bar["x"] + bar["w"] + 6, 1) if bar else left})
    height = top + len(lanes) * row_h + 28
    ticks = []
    if t0 is not None:
        from datetime import timedelta
        days = total > 86400
        for i in range(5):
            moment = t0 + timedelta(seconds=total * i / 4)
            ticks.append({"x": xpos(moment), "label": moment.strftime("%m-%d %H:%M" if days else "%H:%M:%S")})
    band = None
    if window["seconds"] is not None and t0 is not None:
        start = xpos(_parse_time(window["start"]))
        band = {"x": start, "w": max(round(xpos(_parse_time(window["end"])) - start, 1), 3)}
    return {"width": width, "height": height, "left": left, "right": right, "axis_y": height - 22,
            "rows": rows, "ticks": ticks, "band": band, "empty": t0 is None}


def record_summary(phases, order=None):
    """The figures of the report's one-screen summary, from the record (phase name -> entry, as
    the role's ``read`` loads it) and the phases in running order.

    Returns a dict: ``phases`` (rows: phase, label, state, started, finished, duration,
    duration_text, runs), ``moved`` (members, rooms, shares, recordings, recordings_bytes,
    recordings_size, greenlight_recordings; None where no phase recorded it), ``left_behind``
    (groups: what, count, reasons with their items), ``window`` (the cutover window: state,
    start, end, seconds, text, basis, meetings ended), ``dns`` (rows name/type/before/after),
    ``verification`` (checks: check, ok, detail), ``decommission`` (state, hosts),
    ``notify`` (50-notify: state, sent, told, already_told, opted_out, ineligible and its reasons,
    refused, unknown, failed, text; counts None until it ran), ``needs_human`` (sentences), ``timeline`` (SVG geometry) and ``figures`` (each figure the
    HTML marks with ``data-figure``, by name).
    """
    phases = phases or {}
    order = list(order or DEFAULT_ORDER)
    phase_rows = []
    for name in order + sorted(set(phases) - set(order)):
        entry = _entry(phases, name)
        duration = _span((entry or {}).get("started"), (entry or {}).get("finished"))
        phase_rows.append({"phase": name, "label": PHASE_LABELS.get(name, name.split("-", 1)[-1].replace("-", " ")),
                           "state": _state(entry), "started": (entry or {}).get("started") or "",
                           "finished": (entry or {}).get("finished") or "", "runs": (entry or {}).get("runs"),
                           "duration": duration, "duration_text": format_duration(duration)})
    members, members_phase = _members_data(phases)
    verification = _dict(members.get("verification"))
    targets, targets_phase = _recording_targets(phases)
    moved = {
        "members": _dict(verification.get("users")).get("present"),
        "rooms": _dict(verification.get("rooms")).get("present"),
        "shares": _dict(verification.get("shared_accesses")).get("present"),
        "greenlight_recordings": _dict(verification.get("recordings")).get("present"),
        "recordings": _int_sum(_dict(t).get("recordings") for t in targets.values()),
        "recordings_bytes": _int_sum(_dict(t).get("bytes") for t in targets.values()),
        "members_phase": members_phase, "recordings_phase": targets_phase,
    }
    moved["recordings_size"] = human_bytes(moved["recordings_bytes"])
    left = _left_behind(phases, members, targets)
    window = _window(phases)
    dns = _dns(phases, _state(_entry(phases, "40-cutover")))
    checks = _verification(phases, members, targets, dns)
    decommission = _decommission(phases)
    notify = _notify(phases)
    notify["text"] = _notify_text(notify)
    needs = _needs_human(phases, order, members, targets, left, window, checks, notify)
    figures = {
        "members_moved": moved["members"], "rooms_moved": moved["rooms"], "shares_moved": moved["shares"],
        "recordings_moved": moved["recordings"], "recordings_size": moved["recordings_bytes"],
        "greenlight_recordings": moved["greenlight_recordings"],
        "left_behind": sum(g["count"] for g in left),
        "cutover_window": window["seconds"],
        "dns_names_switched": sum(1 for r in dns["rows"] if r["changed"]),
        "checks_passed": sum(1 for c in checks if c["ok"]),
        "checks_failed": sum(1 for c in checks if not c["ok"]),
        "hosts_decommissioned": len(decommission["hosts"]) if decommission["state"] == "ok" else 0,
        "needs_human": len(needs),
    }
    if notify["sent"] is not None:  # 50-notify's counts, once it ran
        figures.update({"members_told": notify["sent"], "members_opted_out": notify["opted_out"],
                        "members_ineligible": notify["ineligible"], "members_not_told_failed": notify["failed"]})
    for group in left:
        figures["left_behind_" + group["key"]] = group["count"]
    return {"phases": phase_rows, "moved": moved, "left_behind": left, "window": window, "dns": dns,
            "verification": checks, "decommission": decommission, "notify": notify, "needs_human": needs,
            "timeline": _timeline(phase_rows, window), "figures": figures}


def _section_preflight(data):
    rows = []
    for host, s in sorted(_dict(data.get("source_bbb")).items()):
        s = _dict(s)
        rows.append((f"Recordings on {host}", f"{s.get('recordings', '?')} recordings, {human_bytes(s.get('bytes'))} "
                                              f"in {s.get('files', '?')} files (BBB {s.get('bbb_version', '?')})"))
        formats = _dict(s.get("formats"))
        if formats:
            rows.append((f"Playback formats on {host}", ", ".join(
                f"{name} {human_bytes(_dict(f).get('bytes'))} ({_dict(f).get('published', 0)} published, "
                f"{_dict(f).get('unpublished', 0)} unpublished)" for name, f in sorted(formats.items()))))
        raw = _dict(s.get("raw"))
        if raw:
            rows.append((f"Raw recording data on {host}", f"{raw.get('count', '?')} recordings, {human_bytes(raw.get('bytes'))}"))
        if s.get("processing"):
            rows.append((f"Still being processed on {host}", f"{len(s['processing'])}: {', '.join(s['processing'])}"))
    for host, g in sorted(_dict(data.get("source_greenlight")).items()):
        g = _dict(g)
        rows.append((f"Greenlight on {host}", f"{g.get('generation', '?')} (schema {g.get('schema_version', '?')}), "
                                              f"database {human_bytes(g.get('database_bytes'))}"))
        rows.append((f"Members on {host}", f"{g.get('users', '?')} ({g.get('users_pending', 0)} pending, "
                                           f"{g.get('users_denied', 0)} denied, {g.get('users_deleted', 0)} deleted)"))
        rows.append((f"Rooms and shares on {host}", f"{g.get('rooms', '?')} rooms, {g.get('shared_accesses', '?')} shares"))
    return rows


def _dns_rows(dns, what):
    rows = []
    if dns:
        rows.append((what, "; ".join(dns.get("changes") or []) or "nothing to change"))
        rows.append(("Verified on", (", ".join(dns.get("verified_on") or []) or "nowhere")
                     + (f" (not on {', '.join(dns['not_verified'])})" if dns.get("not_verified") else "")))
    return rows


def _section_provision(data):
    rows = []
    for host, b in sorted(_dict(data.get("bbb")).items()):
        b = _dict(b)
        rows.append((f"BBB on {host}", f"{b.get('version', '?')}, bbb-web {_dict(b.get('packages')).get('bbb-web', '?')}, "
                                       f"API {b.get('api_url', '?')}"))
    for host, g in sorted(_dict(data.get("greenlight")).items()):
        g = _dict(g)
        rows.append((f"Greenlight on {host}", f"{g.get('url', '?')}, health check: {g.get('health', '?')}, "
                                              f"image {_dict(g.get('images')).get('greenlight', '?')}"))
    for host, t in sorted(_dict(data.get("turn")).items()):
        t = _dict(t)
        rows.append((f"TURN on {host}", f"realm {t.get('realm', '?')}, port {t.get('listening_port', '?')}"
                                        + (f", TLS {t.get('tls_listening_port')}" if t.get("tls") else "")
                                        + f", relays {t.get('min_port', '?')}-{t.get('max_port', '?')}/udp"))
    return rows + _dns_rows(_dict(data.get("dns")), "DNS TTL lowered")


def _copy_rows(host, t):
    copy = _dict(t.get("copy"))
    rows = [(f"Recordings on {host}", f"{t.get('recordings', '?')} recordings, {human_bytes(t.get('bytes'))}"
                                      f" from {', '.join(t.get('sources') or []) or '?'}")]
    if copy:
        seconds = copy.get("seconds")
        rows.append((f"Copied to {host}", f"{copy.get('files_transferred', '?')} of {copy.get('files', '?')} files, "
                                          f"{human_bytes(copy.get('bytes_transferred'))} in {_seconds_text(seconds) or '?'}"
                                          f" over {copy.get('streams', '?')} streams"))
        rate = human_bytes(copy["rate"]) + "/s" if _num(copy.get("rate")) else _rate(copy.get("bytes_transferred"), seconds, "bytes")
        rows.append((f"Copy rate to {host}", ", ".join(x for x in (
            rate, _rate(copy.get("recordings"), seconds, "recordings")) if x) or "?"))
    if "verified" in t:
        rows.append((f"Verification on {host}", ("passed" if t.get("verified") else "FAILED")
                     + f" ({t.get('verify', '?')}; manifest {str(t.get('manifest_digest', ''))[:12]})"))
    if "metadata_checked" in t:
        rows.append((f"Hostnames rewritten on {host}", f"{t.get('metadata_rewritten', '?')} of {t.get('metadata_checked', '?')} "
                                                       f"metadata files, {t.get('old_hostnames_left', '?')} old hostnames left"))
    if "raw_at_risk" in t:
        rows.append((f"Raw data at risk on {host}", f"{t['raw_at_risk']} recordings (BBB keeps raw data "
                                                    f"{t.get('published_days', '?')} days after publishing)"))
    return rows


def _section_presync(data):
    rows = []
    for host, t in sorted(_dict(data.get("targets")).items()):
        rows += _copy_rows(host, _dict(t))
    return rows


def _members_rows(m):
    if not m:
        return []
    v = _dict(m.get("verification"))
    created, updated = _dict(m.get("created")), _dict(m.get("updated"))

    def pair(key):
        return f"{_dict(v.get(key)).get('present', '?')} of {_dict(v.get(key)).get('eligible', '?')}"

    rows = [("Mode", str(m.get("mode", "?")).replace("_", " ") + (" (dry run)" if m.get("dry_run") else ""))]
    if v:
        rows.append(("On the new Greenlight", f"{pair('users')} members, {pair('rooms')} rooms, {pair('shared_accesses')} shares, "
                                              f"{pair('recordings')} recordings"))
    rows.append(("Written in this run", f"{sum(x for x in created.values() if _num(x))} rows created, "
                                        f"{sum(x for x in updated.values() if _num(x))} updated"))
    seconds = _dict(m.get("timings_s")).get("data")
    if _num(seconds):
        rows.append(("Time", f"{seconds:.2f} s streamed and imported, "
                             + (_rate(_dict(v.get("users")).get("eligible"), seconds, "members") or "?")))
    check = _dict(m.get("check"))
    if check:
        rows.append(("Greenlight's rules", f"{check.get('rules', '?')} checked, {len(check.get('failed') or [])} broken"))
    for what, reasons in sorted(_dict(m.get("skipped")).items()):
        if isinstance(reasons, dict) and reasons:
            rows.append((f"Not moved: {what.replace('_', ' ')}",
                         ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))))
    for merge in m.get("merges") or []:
        merge = _dict(merge)
        rows.append(("Accounts merged", f"{merge.get('email', '?')}: {', '.join(map(str, merge.get('merged') or []))} "
                                        f"into {merge.get('survivor', '?')}"))
    return rows


def _section_cutover(data, window):
    rows = [("Cutover window", window["text"] + (f" ({window['start']} to {window['end']}; {window['basis']})"
                                                  if window["seconds"] is not None else ""))]
    for host, f in sorted(_dict(data.get("freeze")).items()):
        f = _dict(f)
        rows.append((f"Freeze of {host}", f"running at the freeze: {', '.join(f.get('running_at_freeze') or []) or 'none'}; "
                                          f"ended: {', '.join(f.get('ended') or []) or 'none'}"))
    for key in ("recordings", "targets"):
        for host, t in sorted(_dict(data.get(key)).items()):
            if isinstance(t, dict) and "recordings" in t:
                rows += _copy_rows(host, t)
    rows += [("Last member sync › " + label, value) for label, value in _members_rows(_dict(data.get("members")))]
    rows += _dns_rows(_dict(data.get("dns")), "DNS switched")
    rows += _dns_rows(_dict(data.get("rollback")), "DNS rolled back")
    for host, f in sorted(_dict(data.get("unfrozen")).items()):
        rows.append((f"Unfrozen {host}", "configuration as before the freeze"
                     if _dict(f).get("configuration_as_before") else "state before the freeze unknown"))
    cause = _cause(data)
    if cause:
        rows.append(("Cause", cause))
    return rows


def _section_generic(data):
    rows = [(_human_key(k), _human_value(k, v)) for k, v in flatten_facts(data, max_items=10)]
    return rows[:40] + ([("…", f"{len(rows) - 40} more facts in the appendix")] if len(rows) > 40 else [])


def record_sections(phases, order=None):
    """One section a phase (running order, then phases only in the record): phase, label,
    state, started, finished, duration_text, runs and rows of (label, value) with units and
    rates. Phases the report does not know are shown generically (keys made readable,
    bytes and seconds formatted)."""
    phases = phases or {}
    summary = record_summary(phases, order)
    builders = {"00-preflight": _section_preflight, "10-provision": _section_provision,
                "20-presync": _section_presync,
                "30-members": lambda d: _members_rows(_dict(d.get("greenlight"))) or _section_generic(d),
                "40-cutover": lambda d: _section_cutover(d, summary["window"]),
                "50-notify": _section_notify}
    sections = []
    for row in summary["phases"]:
        entry = _entry(phases, row["phase"])
        data = _dict((entry or {}).get("data"))
        rows = []
        if entry is not None:
            try:
                rows = builders.get(row["phase"], _section_generic)(data) or _section_generic(data)
            except (TypeError, ValueError, KeyError, AttributeError):
                rows = _section_generic(data)
        sections.append(dict(row, rows=[(str(k), "" if v is None else str(v)) for k, v in rows]))
    return sections

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
            "record_summary": record_summary,
            "record_sections": record_sections,
            "human_bytes": human_bytes,
            "format_duration": format_duration,
        }
