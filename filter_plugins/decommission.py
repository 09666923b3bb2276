"""Filters of the decommission role: which names still lead to an old host, whether the
cutover is recorded as verified and old enough, what the target database must hold, and
the PostgreSQL command lines that reach a Greenlight database."""
from datetime import datetime, timedelta, timezone

ADDRESS_TYPES = ("A", "AAAA")


def _bare(name):
    return str(name or "").strip().rstrip(".").lower()


def _utc(text):
    """A record's timestamp (2026-12-01T19:07:29Z) as an aware datetime, or None."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def decommission_old_addresses(host_addresses, snapshot, public_hostname):
    """The addresses that lead to this old host: its own (``host_addresses``) and what its
    public name held in the cutover's DNS snapshot (its public address, behind NAT too).
    Sorted, once each."""
    found = {str(a).lower() for a in host_addresses or [] if a}
    public = _bare(public_hostname)
    for rrset in snapshot or []:
        if _bare(rrset.get("name")) == public and public and rrset.get("type") in ADDRESS_TYPES:
            found.update(str(v).lower() for v in rrset.get("values") or [])
    return sorted(found)


def decommission_names(public_hostname, hostname_map, snapshot, addresses):
    """The public names that led to this host before the cutover: its own public name and
    every old name of ``hostname_map`` whose A/AAAA values in the cutover's ``snapshot``
    were one of ``addresses``. Sorted, without the final dot."""
    addresses = {str(a).lower() for a in addresses or []}
    names = {_bare(public_hostname)} if _bare(public_hostname) else set()
    old_names = {_bare(n) for n in (hostname_map or {})}
    for rrset in snapshot or []:
        name = _bare(rrset.get("name"))
        if name in old_names and rrset.get("type") in ADDRESS_TYPES \
                and addresses & {str(v).lower() for v in rrset.get("values") or []}:
            names.add(name)
    return sorted(names)


def decommission_still_resolving(answers, names, addresses):
    """One message per nameserver and name that still answers one of ``addresses`` for a
    name of ``names``, or that could not be asked (a nameserver that does not answer
    proves nothing). ``answers``: the dns module's {nameserver: {name: [values] | error}}; a
    nameserver is asked only about the names of its own zone."""
    addresses = {str(a).lower() for a in addresses or []}
    problems = []
    for server in sorted(answers or {}):
        for name in names or []:
            got = (answers[server] or {}).get(name)
            if isinstance(got, str):
                problems.append(f"{name} on {server}: {got}, so it cannot be shown not to lead here")
            elif got is None:
                continue
            else:
                hits = sorted(addresses & {str(v).lower() for v in got})
                if hits:
                    problems.append(f"{name} on {server} still answers {', '.join(hits)}")
    return problems


def decommission_certificates(lines):
    """{certificate name: [its DNS names]} from lines "<name> <dns name> <dns name> ..."."""
    out = {}
    for line in lines or []:
        fields = str(line).split()
        if fields:
            out[fields[0]] = [_bare(n) for n in fields[1:]]
    return out


def decommission_kept_certificates(certificates, hostname_map, public_hostname, answers, addresses):
    """Certificates that must not be revoked, each "<name> (<why>)": one of whose names is an old or
    new name of ``hostname_map`` or this host's public name (they live on the new platform now), or
    resolves on an authoritative nameserver (``answers``) to something other than ``addresses``."""
    migrated = {_bare(public_hostname)} | {_bare(n) for n in (hostname_map or {})}
    for targets in (hostname_map or {}).values():
        migrated |= {_bare(n) for n in (targets or {}).values()}
    addresses = {str(a).lower() for a in addresses or []}
    elsewhere = set()
    for per_name in (answers or {}).values():
        for name, values in (per_name or {}).items():
            if isinstance(values, list) and set(values) - addresses:
                elsewhere.add(_bare(name))
    kept = []
    for cert in sorted(certificates or {}):
        names = set(certificates[cert])
        why = sorted(names & migrated) or sorted(names & elsewhere)
        if why:
            kept.append(f"{cert} ({', '.join(why)})")
    return kept


def decommission_cutover_problems(phases, grace_days, now=None):
    """Messages saying why the cutover does not allow a decommission yet: no 40-cutover
    phase, a result other than ok, DNS not verified, no end time, or fewer than
    ``grace_days`` days since its end. ``phases``: migration_record_phases."""
    cutover = (phases or {}).get("40-cutover")
    if not cutover:
        return ["the migration record has no 40-cutover phase: run playbooks/40-cutover.yml first "
                "(or point decommission_record_dir at this migration's record)"]
    problems = []
    if cutover.get("result") != "ok":
        problems.append(f"the cutover's result is {cutover.get('result')!r}, not 'ok': the old platform may still "
                        "be needed")
    dns = (cutover.get("data") or {}).get("dns") or {}
    if dns.get("verified") is not True:
        problems.append("the cutover's DNS switch is not recorded as verified (40-cutover data.dns.verified)")
    finished = _utc(cutover.get("finished"))
    if finished is None:
        problems.append("the cutover has no end time (40-cutover finished): it did not finish")
    else:
        now = _utc(now) if isinstance(now, str) else (now or datetime.now(timezone.utc))
        allowed = finished + timedelta(days=float(grace_days))
        if now < allowed:
            problems.append(f"the grace period of {grace_days} day(s) after the cutover ({cutover.get('finished')}) "
                            f"has not passed: wait until {allowed.strftime('%Y-%m-%dT%H:%M:%SZ')} "
                            "(decommission_grace_days)")
    return problems


def decommission_migrated_counts(phases):
    """What the record says reached the new Greenlight: {users, rooms} from the cutover's last
    member sync (40-cutover data.members.verification), else 30-members'. {} when neither has it."""
    phases = phases or {}
    for phase, path in (("40-cutover", ("members",)), ("30-members", ("greenlight",))):
        data = (phases.get(phase) or {}).get("data") or {}
        for key in path:
            data = data.get(key) or {}
        verification = data.get("verification") or {}
        if "users" in verification and "rooms" in verification:
            return {kind: int(verification[kind].get("present", verification[kind].get("eligible", 0)))
                    for kind in ("users", "rooms")}
    return {}


def decommission_count_problems(recorded, live):
    """One message per kind (users, rooms) the target holds fewer of than the record says migrated."""
    problems = []
    if not recorded:
        return ["the migration record holds no migrated counts (30-members or 40-cutover verification)"]
    for kind in sorted(recorded):
        have = (live or {}).get(kind)
        if have is None or int(have) < int(recorded[kind]):
            problems.append(f"the new Greenlight database holds {have if have is not None else 'no'} {kind}, "
                            f"fewer than the {recorded[kind]} migrated")
    return problems


def decommission_pg_argv(db, program="psql"):
    """``program`` (psql or pg_dump) reaching ``db`` (the greenlight_data_*_db shape): inside the
    container (docker), as the postgres system user (local) or over TCP (the password goes in
    PGPASSWORD, never on the command line)."""
    access = db.get("access", "docker")
    tail = ["-U", db.get("user") or "postgres", "-d", db["database"]]
    if program == "psql":
        tail = ["-X", "-q", "-v", "ON_ERROR_STOP=1"] + tail
    elif program == "pg_dump":
        tail = ["--format=custom"] + tail
    else:
        raise ValueError(f"unknown program {program!r}")
    if access == "docker":
        return ["docker", "exec", "-i", db["container"], program] + tail
    if access == "local":
        return ["runuser", "-u", "postgres", "--", program] + tail
    if access == "tcp":
        return [program, "-h", db["host"], "-p", str(db.get("port") or 5432)] + tail
    raise ValueError(f"unknown database access {access!r}")


class FilterModule:
    def filters(self):
        return {
            "decommission_old_addresses": decommission_old_addresses,
            "decommission_names": decommission_names,
            "decommission_still_resolving": decommission_still_resolving,
            "decommission_certificates": decommission_certificates,
            "decommission_kept_certificates": decommission_kept_certificates,
            "decommission_cutover_problems": decommission_cutover_problems,
            "decommission_migrated_counts": decommission_migrated_counts,
            "decommission_count_problems": decommission_count_problems,
            "decommission_pg_argv": decommission_pg_argv,
        }
