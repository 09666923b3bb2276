"""Pure logic of the DNS cutover: input checks, which updates each stage sends, the TTL wait, the record.

RRsets are plain dicts ``{name, type, ttl, values}`` with absolute lower-case names (trailing dot) and
values in canonical text, sorted, as the ``dns_cutover_zone`` module reads and normalises them.
"""
import datetime

# Types the cutover refuses to move: the zone's own structure and DNSSEC data.
ZONE_TYPES = {"SOA", "NS", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "CDS", "CDNSKEY", "DS"}
STAGES = ("prepare", "switch", "rollback", "finalize")


def dns_absolute(name, zone):
    """``name`` as an absolute lower-case name; a relative name is taken inside ``zone``, ``@`` is the apex."""
    name, apex = str(name).strip().lower(), str(zone).strip().lower().rstrip(".")
    if name.endswith("."):
        return name
    if name in ("@", "", apex) or name.endswith("." + apex):
        return (apex if name in ("@", "") else name) + "."
    return f"{name}.{apex}."


def dns_redirect_records(hostname_map, addresses):
    """The records that point every old name of ``hostname_map`` ({old name: new}) at the host
    whose public ``addresses`` (IPv4 and IPv6, text) answer old links with redirects: an A and an
    AAAA record a name (either left out when there is no address of its family), absolute names."""
    ipv4 = sorted(str(a) for a in addresses or [] if ":" not in str(a))
    ipv6 = sorted(str(a) for a in addresses or [] if ":" in str(a))
    records = []
    for old in sorted(hostname_map or {}):
        name = str(old).strip().lower().rstrip(".") + "."
        records += [{"name": name, "type": rdtype, "values": values}
                    for rdtype, values in (("A", ipv4), ("AAAA", ipv6)) if values]
    return records


def dns_in_zone(name, zone):
    """True when the absolute ``name`` lies in ``zone`` (the apex included)."""
    apex = dns_absolute("@", zone)
    return name == apex or name.endswith("." + apex)


def dns_cutover_problems(records, zone, low_ttl=300, final_ttl=None):
    """One message per problem in the cutover inputs (empty list: the inputs are usable).

    ``records`` is the input list of ``{name, type, values}``; names may be relative to ``zone``.
    """
    problems = []
    if not zone or " " in str(zone):
        problems.append(f"dns_cutover_zone: {zone!r} is not a zone name; set it to the zone, e.g. coop.example")
        return problems
    if not records:
        problems.append("dns_cutover_records is empty: list the records to move as {name, type, values}")
    if not 0 < int(low_ttl) <= 86400:
        problems.append(f"dns_cutover_low_ttl: {low_ttl} is not a TTL between 1 and 86400 seconds")
    if final_ttl is not None and not 0 < int(final_ttl) <= 604800:
        problems.append(f"dns_cutover_final_ttl: {final_ttl} is not a TTL between 1 and 604800 seconds")
    apex = dns_absolute("@", zone)
    seen, types_at = set(), {}
    for i, record in enumerate(records or []):
        if not isinstance(record, dict) or not record.get("name") or not record.get("type"):
            problems.append(f"dns_cutover_records[{i}]: needs name, type and values")
            continue
        name, rdtype = dns_absolute(record["name"], zone), str(record["type"]).upper()
        where = f"dns_cutover_records[{i}] ({record['name']} {rdtype})"
        if not dns_in_zone(name, zone):
            problems.append(f"{where}: {name} is outside the zone {apex}; move it in its own zone's run")
        if rdtype in ZONE_TYPES or not rdtype.isalnum():
            problems.append(f"{where}: type {rdtype} cannot be moved by the cutover (the zone's own data)")
        values = record.get("values")
        if not isinstance(values, list) or not values or not all(str(v).strip() for v in values):
            problems.append(f"{where}: values must be a non-empty list of the new values")
        elif rdtype == "CNAME" and len(values) != 1:
            problems.append(f"{where}: a CNAME has exactly one value, not {len(values)}")
        if rdtype == "CNAME" and name == apex:
            problems.append(f"{where}: the zone apex cannot hold a CNAME; use A/AAAA records there")
        if (name, rdtype) in seen:
            problems.append(f"{where}: listed twice; give all its values in one entry")
        seen.add((name, rdtype))
        types_at.setdefault(name, set()).add(rdtype)
    for name, types in sorted(types_at.items()):
        if "CNAME" in types and len(types) > 1:
            problems.append(f"dns_cutover_records: {name} gets a CNAME and {', '.join(sorted(types - {'CNAME'}))}; "
                            "a CNAME cannot coexist with other data")
    return problems


def _key(rrset):
    return (rrset["name"], rrset["type"])


def dns_at_names(rrsets, names):
    """The RRsets among ``rrsets`` whose name is one of ``names`` (zone structure types left out)."""
    wanted = set(names)
    return [r for r in rrsets if r["name"] in wanted and r["type"] not in ZONE_TYPES]


def dns_switch_target(current, desired, ttl):
    """What the switch must reach: ``{"wanted": [...], "remove": [...]}``.

    ``wanted`` are the new RRsets with the low TTL. ``remove`` are current RRsets that cannot stay:
    everything else at a name that becomes a CNAME, and a CNAME where other data arrives.
    """
    wanted = [{"name": d["name"], "type": d["type"], "ttl": int(ttl), "values": sorted(d["values"])}
              for d in desired]
    new_types = {}
    for d in desired:
        new_types.setdefault(d["name"], set()).add(d["type"])
    remove = []
    for r in dns_at_names(current, new_types):
        types = new_types[r["name"]]
        if r["type"] in types:
            continue
        if "CNAME" in types or r["type"] == "CNAME":
            remove.append({"name": r["name"], "type": r["type"]})
    return {"wanted": wanted, "remove": remove}


def dns_rollback_target(current, snapshot, names):
    """What the rollback must reach: every saved RRset exactly, nothing else at those names."""
    saved = dns_at_names(snapshot, names)
    keys = {_key(r) for r in saved}
    remove = [{"name": r["name"], "type": r["type"]} for r in dns_at_names(current, names) if _key(r) not in keys]
    return {"wanted": [dict(r, values=sorted(r["values"])) for r in saved], "remove": remove}


def dns_ttl_target(current, names, ttl, only_lower=False):
    """Every RRset at ``names`` with TTL ``ttl`` (values unchanged); ``only_lower`` leaves shorter TTLs alone."""
    return {"wanted": [dict(r, ttl=int(ttl)) for r in dns_at_names(current, names)
                       if not (only_lower and r["ttl"] <= int(ttl))],
            "remove": []}


def dns_cutover_plan(current, target):
    """The updates that take ``current`` to ``target``: removals first (a CNAME needs the name free).

    Each update is ``{state, name, type, ttl, values, label}``; RRsets already right are left out,
    so an empty list means nothing to send.
    """
    have = {_key(r): r for r in current}
    plan = []
    for r in target.get("remove", []):
        if _key(r) in have:
            plan.append({"state": "absent", "name": r["name"], "type": r["type"], "ttl": have[_key(r)]["ttl"],
                         "values": have[_key(r)]["values"],
                         "label": f"remove {r['name']} {r['type']} {' '.join(have[_key(r)]['values'])}"})
    for r in target.get("wanted", []):
        old = have.get(_key(r))
        if old and sorted(old["values"]) == sorted(r["values"]) and old["ttl"] == r["ttl"]:
            continue
        was = f" (was {' '.join(old['values'])} ttl {old['ttl']})" if old else " (new)"
        plan.append({"state": "present", "name": r["name"], "type": r["type"], "ttl": r["ttl"],
                     "values": sorted(r["values"]),
                     "label": f"set {r['name']} {r['type']} {' '.join(sorted(r['values']))} ttl {r['ttl']}{was}"})
    return plan


def _iso(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def dns_switch_wait(state, now, override=None):
    """When the switch may run: ``{allowed, allowed_at, seconds_left, wait, reason}``.

    The old TTL recorded by ``prepare`` must have passed since ``prepared_at`` (epoch seconds);
    ``override`` (seconds) replaces that TTL, for tests.
    """
    state = state or {}
    if not state.get("prepared_at"):
        return {"allowed": False, "allowed_at": None, "seconds_left": None, "wait": None,
                "reason": "the TTL was never lowered: run the prepare stage first, then wait one old TTL"}
    wait = int(override) if override is not None else int(state.get("old_ttl") or 0)
    at = int(state["prepared_at"]) + wait
    left = max(0, at - int(now))
    reason = "" if left == 0 else (
        f"the TTL was lowered at {_iso(state['prepared_at'])} and caches may hold the old records for "
        f"{wait} s: the switch is allowed from {_iso(at)} ({left} s from now)")
    return {"allowed": left == 0, "allowed_at": _iso(at), "seconds_left": left, "wait": wait, "reason": reason}


def dns_cutover_next_state(state, stage, now, current, plan, names, serial=None):
    """The record after ``stage`` with ``plan`` (pure: the caller writes it).

    prepare keeps the first lowering time and the highest TTL seen before it; switch saves the
    RRsets at ``names`` as the snapshot unless one is already held for an unfinished switch;
    a stage that sends nothing leaves the record as it was.
    """
    new = dict(state or {})
    at_names = dns_at_names(current, names)
    if stage == "prepare" and (plan or not new.get("prepared_at")):
        new["prepared_at"] = int(now)
        new["prepared"] = _iso(now)
        new["old_ttl"] = max([int(new.get("old_ttl") or 0)] + [r["ttl"] for r in at_names])
        new.setdefault("original", at_names)
    if stage == "switch" and plan and (not new.get("snapshot") or new.get("stage") == "rollback"):
        new["snapshot"] = at_names
        new["snapshot_at"] = _iso(now)
        new["snapshot_serial"] = serial
    if plan:
        new["stage"] = stage
        new["history"] = list(new.get("history") or []) + [
            {"stage": stage, "at": _iso(now), "serial_before": serial, "changes": [p["label"] for p in plan]}]
    return new


class FilterModule:
    """DNS cutover filters."""

    def filters(self):
        return {
            "dns_absolute": dns_absolute,
            "dns_redirect_records": dns_redirect_records,
            "dns_cutover_problems": dns_cutover_problems,
            "dns_at_names": dns_at_names,
            "dns_switch_target": dns_switch_target,
            "dns_rollback_target": dns_rollback_target,
            "dns_ttl_target": dns_ttl_target,
            "dns_cutover_plan": dns_cutover_plan,
            "dns_switch_wait": dns_switch_wait,
            "dns_cutover_next_state": dns_cutover_next_state,
        }
