#!/usr/bin/python
"""Ansible module: tell each eligible member, by email, where their rooms are
now; never twice (a ledger on the controller records every message before the
next one is sent)."""

import fcntl
import json
import os
import re
import smtplib
import ssl
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, make_msgid, parseaddr
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule

DOCUMENTATION = r"""
module: member_notify
short_description: Email every eligible Greenlight member once, through an SMTP relay, with a ledger.
description:
  - Runs on the controller. Builds one message per eligible member (status active, an email, not opted out,
    not in the ledger) from the member list read on the new Greenlight, in the member's language (English or
    I(default_language) as the fallback), as plain text and HTML alternatives.
  - Every input is checked, and the relay's login tried, before the first message.
  - The ledger (one JSON line a member and state, fsync'd) gets C(sending) before and C(sent) after each
    message the relay accepts. A member whose last line is C(sending) is C(sent-unknown) and is not mailed again
    unless listed in I(resend).
  - With I(dry_run) or in check mode every message is written as an .eml file in I(dry_run_dir) and none is sent.
options:
  members: {type: list, elements: dict, default: [], description: Members as the role's query returns them.}
  validate_only: {type: bool, default: false, description: Check the inputs and the relay's login only.}
  sender: {type: str, required: true, description: From address (Name <addr> or addr).}
  reply_to: {type: str, default: "", description: Reply-To address; empty for none.}
  subjects: {type: dict, required: true, description: "Subject per language ({name}, {new_hostname} filled in)."}
  templates_dir: {type: path, required: true, description: Directory of <lang>.txt.j2 and <lang>.html.j2.}
  default_language: {type: str, default: en, description: Language used when a member's has no template.}
  new_hostname: {type: str, required: true, description: The new Greenlight's public name.}
  old_hostnames: {type: list, elements: str, default: [], description: Old names whose room links redirect.}
  room_link: {type: str, required: true, description: "New room link template ({host}, {friendly_id})."}
  old_room_links: {type: list, elements: str, default: [], description: "Old link templates ({old_host}, {friendly_id})."}
  contact: {type: str, default: "", description: Where members ask.}
  opt_out: {type: list, elements: str, default: [], description: Emails that get no message (case-insensitive).}
  resend: {type: list, elements: str, default: [], description: Emails whose sent-unknown message is sent again.}
  smtp_host: {type: str, default: "", description: The relay.}
  smtp_port: {type: int, default: 587, description: Its port.}
  smtp_starttls: {type: bool, default: true, description: Require STARTTLS.}
  smtp_username: {type: str, default: "", description: Login; empty for none.}
  smtp_password: {type: str, default: "", no_log: true, description: Password.}
  smtp_ca_file: {type: path, default: "", description: CA bundle that verifies the relay; empty for the system's.}
  smtp_timeout: {type: int, default: 30, description: Seconds per SMTP exchange.}
  rate_per_minute: {type: float, default: 30, description: At most this many messages a minute.}
  ledger: {type: path, required: true, description: The ledger file (JSON lines).}
  dry_run: {type: bool, default: false, description: Write .eml files, send nothing.}
  dry_run_dir: {type: path, default: "", description: Where a dry run writes its .eml files.}
  stop_after: {type: int, default: 0, description: Stop after this many messages (drills); 0 for no stop.}
  fallback: {type: bool, default: false, description: "The fallback message (no new home): old links, the member's export, alternatives."}
  alternatives: {type: list, elements: dict, default: [], description: "Alternative services [{name, url, note}] (fallback)."}
  export: {type: dict, default: {}, description: "member_export_result of the host that wrote the archives (fallback), links left out."}
  export_links: {type: dict, default: {}, no_log: true, description: "Each member's link from member_export_result (email: link); never printed."}
"""

RETURN = r"""
result:
  description: told, would_tell, already_told, opted_out, skipped (per reason), unknown (sent-unknown members), dry_run.
  type: dict
  returned: always
"""

ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
SAMPLE_ID = "abc-def-ghi"
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$")


TEMPORARY = range(400, 500)


class InputError(Exception):
    """A bad input; the message names it."""


class Stopped(Exception):
    """The run stopped after some messages; ``result`` holds what it did."""

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


def address_ok(value):
    """True when ``value`` is one plain address (local@domain.tld)."""
    return isinstance(value, str) and bool(ADDRESS.match(value.strip()))


def mailbox_problem(name, value, required=True):
    """A message when ``value`` (``Name <addr>`` or ``addr``) is not exactly one valid address."""
    if not value:
        return f"{name} is empty: give an address such as 'Platform team <team@example.org>'." if required else None
    found = getaddresses([value])
    if len(found) != 1 or not address_ok(found[0][1]) or parseaddr(value)[1] != found[0][1]:
        return f"{name} {value!r} is not one valid email address (such as 'Platform team <team@example.org>')."
    return None


def render_link(template, **fields):
    """``template`` with ``{host}``, ``{old_host}`` and ``{friendly_id}`` filled in."""
    return template.format(**fields)


def link_problem(name, template, fields):
    """A message when ``template`` does not give an http(s) URL carrying the room's id."""
    try:
        url = render_link(template, **dict(fields, friendly_id=SAMPLE_ID))
    except (KeyError, IndexError, ValueError) as exc:
        return (f"{name} {template!r} cannot be filled in ({type(exc).__name__}: {exc}); "
                f"use the placeholders {', '.join('{' + k + '}' for k in sorted(fields) + ['friendly_id'])}.")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc or " " in url or SAMPLE_ID not in url:
        return (f"{name} {template!r} does not produce a room URL (got {url!r} for room {SAMPLE_ID}): "
                "it must give https://<host>/...{friendly_id}.")
    return None


def language_chain(language, default):
    """Languages to try for a member: theirs, its base (pt_BR -> pt), the default."""
    chain = []
    for candidate in (language or "", re.split(r"[_-]", language or "")[0], default):
        if candidate and candidate not in chain:
            chain.append(candidate)
    return chain


def available_languages(templates_dir, subjects):
    """Languages with a subject and both templates."""
    found = set()
    try:
        names = os.listdir(templates_dir)
    except OSError:
        return found
    for name in names:
        if name.endswith(".txt.j2"):
            lang = name[:-len(".txt.j2")]
            if f"{lang}.html.j2" in names and subjects.get(lang):
                found.add(lang)
    return found


def pick_language(language, available, default):
    """The first language of the member's chain that has templates."""
    for candidate in language_chain(language, default):
        if candidate in available:
            return candidate
    return default


def read_ledger(path):
    """{member id: last state} from the ledger (missing file: empty). A torn last line
    (a crash while writing it) is ignored: its message was not yet sent."""
    states = {}
    if not os.path.exists(path):
        return states
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("member") and entry.get("state"):
                states[str(entry["member"])] = entry["state"]
    return states


def classify(members, ledger_states, opt_out, resend):
    """Each member with what to do: ``send`` or the reason not to.

    Reasons: no_email, bad_email, banned, pending, status_<other>, opted_out,
    already_told (ledger says sent), sent_unknown (ledger says sending, never sent).
    A ``failed`` ledger state (the relay refused the message) is sent again.
    """
    opted = {e.strip().lower() for e in opt_out if e}
    again = {e.strip().lower() for e in resend if e}
    plan = []
    for member in members:
        email = (member.get("email") or "").strip()
        state = ledger_states.get(str(member.get("id")))
        status = member.get("status") or "unknown"
        if not email:
            reason = "no_email"
        elif not address_ok(email):
            reason = "bad_email"
        elif status != "active":
            reason = status if status in ("banned", "pending") else f"status_{status}"
        elif email.lower() in opted:
            reason = "opted_out"
        elif state == "sent":
            reason = "already_told"
        elif state == "sending" and email.lower() not in again:
            reason = "sent_unknown"
        else:
            reason = "send"
        plan.append((member, reason))
    return plan


def member_context(member, p):
    """What the templates see about one member. In the fallback there is no new link: a room's
    ``link`` is its first old one (it works until the old platform closes)."""
    fallback = bool(p.get("fallback"))
    rooms = []
    for room in member.get("rooms") or []:
        fid = room["friendly_id"]
        old_links = [render_link(t, old_host=old, friendly_id=fid)
                     for old in p["old_hostnames"] for t in p["old_room_links"]]
        count = room.get("recordings")
        rooms.append({
            "name": room.get("name") or fid,
            "friendly_id": fid,
            "link": (old_links[0] if old_links else "") if fallback
            else render_link(p["room_link"], host=p["new_hostname"], friendly_id=fid),
            "old_links": old_links,
            "recordings": None if count is None else int(count),  # None: not known (v2 keeps them on BBB)
        })
    export = member_export_entry(member, p.get("export"), p.get("export_links")) if fallback else None
    recordings = sum(r["recordings"] or 0 for r in rooms)
    if export is not None and export.get("recordings") is not None:
        recordings = int(export["recordings"])  # what the member's archive lists (v2: from the BBB nodes)
    return {
        "name": member.get("name") or member["email"],
        "email": member["email"],
        "sso": bool(member.get("sso")),
        "rooms": rooms,
        "recordings": recordings,
        "new_hostname": "" if fallback else p["new_hostname"],
        "new_url": "" if fallback else f"https://{p['new_hostname']}/",
        "old_hostname": (p["old_hostnames"] or [""])[0],
        "contact": p["contact"],
        "fallback": fallback,
        "alternatives": [{"name": a.get("name") or "", "url": a.get("url") or "", "note": a.get("note") or ""}
                         for a in (p.get("alternatives") or [])] if fallback else [],
        "export": export,
    }


def build_message(member, language, env, p):
    """One multipart/alternative message for ``member`` in ``language``."""
    context = member_context(member, p)
    subject = p["subjects"][language].format(**context).strip()
    text = env.get_template(f"{language}.txt.j2").render(context)
    html = env.get_template(f"{language}.html.j2").render(context)
    msg = EmailMessage()
    msg["From"] = p["sender"]
    msg["To"] = formataddr((member.get("name") or "", member["email"].strip()))
    if p["reply_to"]:
        msg["Reply-To"] = p["reply_to"]
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=parseaddr(p["sender"])[1].split("@")[-1])
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    msg["Content-Language"] = language  # after the parts: add_alternative moves Content-* headers into them
    return msg


def template_env(templates_dir):
    """Jinja2 sandbox over ``templates_dir``; HTML templates autoescape."""
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment
    return SandboxedEnvironment(loader=FileSystemLoader(templates_dir), undefined=StrictUndefined,
                                autoescape=lambda name: bool(name and name.endswith(".html.j2")),
                                keep_trailing_newline=True)


def alternatives_problems(alternatives):
    """Messages for alternative services without a name or an http(s) URL (the fallback needs one at least)."""
    if not alternatives:
        return ["member_notify_alternatives is empty (and member_export_alternatives too): the fallback message must "
                "name at least one service members "
                "can go to ({name, url, note})."]
    problems = []
    for alt in alternatives:
        url = str((alt or {}).get("url") or "")
        parts = urlsplit(url)
        if not (alt or {}).get("name") or parts.scheme not in ("https", "http") or not parts.netloc or " " in url:
            problems.append(f"member_notify_alternatives: {alt!r} needs a name and an https:// URL.")
    return problems


def export_problems(export):
    """A message when the fallback has no member_export result to take the members' links from."""
    if not export or not isinstance(export.get("members"), dict):
        return ["member_notify_export_host has no member_export_result: run the member_export role on that host "
                "in the same play run before member_notify (playbooks/50-notify.yml does in source mode)."]
    return []


def member_export_entry(member, export, links=None):
    """What the fallback message says of a member's archive, from member_export_result (its link as
    member_export made it, or its path in a directory delivery); None when it has none. The links
    come apart (``links``, a no_log option: they are per-member capabilities)."""
    email = (member.get("email") or "").strip().lower()
    entry = ((export or {}).get("members") or {}).get(email)
    if not entry:
        return None
    link = (links or {}).get(email) or entry.get("link") or ""
    path = "" if link else f"{str(export.get('dir') or '').rstrip('/')}/{entry['file']}"
    return {"link": link, "expires_at": entry.get("expires_at") or "", "path": path,
            "host": export.get("host") or "", "file": entry["file"], "recordings": entry.get("recordings")}


def input_problems(p):
    """One message per bad input, each naming it."""
    problems = [m for m in (mailbox_problem("member_notify_sender", p["sender"]),
                            mailbox_problem("member_notify_reply_to", p["reply_to"], required=False)) if m]
    if p.get("fallback"):
        problems += alternatives_problems(p.get("alternatives") or [])
        problems += export_problems(p.get("export") or {})
    else:
        if not p["new_hostname"] or "/" in p["new_hostname"] or " " in p["new_hostname"]:
            problems.append(f"member_notify_new_hostname {p['new_hostname']!r} is not a hostname: name the new "
                            "Greenlight's public name (bbbmig_hostname_map's greenlight).")
        problem = link_problem("member_notify_room_link", p["room_link"],
                               {"host": p["new_hostname"] or "new.example"})
        if problem:
            problems.append(problem)
    for template in p["old_room_links"]:
        problem = link_problem("member_notify_old_room_links", template, {"old_host": "old.example"})
        if problem:
            problems.append(problem)
    default = p["default_language"]
    if not LANGUAGE.match(default or ""):
        problems.append(f"member_notify_default_language {default!r} is not a language code such as 'en'.")
    else:
        missing = [f for f in (f"{default}.txt.j2", f"{default}.html.j2")
                   if not os.path.isfile(os.path.join(p["templates_dir"], f))]
        if missing:
            problems.append(f"member_notify_templates_dir {p['templates_dir']} has no {' and no '.join(missing)} "
                            f"for the default language (member_notify_default_language {default}).")
        if not p["subjects"].get(default):
            subjects = "member_notify_fallback_subjects" if p.get("fallback") else "member_notify_subjects"
            problems.append(f"{subjects} has no subject for the default language {default}.")
    if p["rate_per_minute"] <= 0:
        problems.append("member_notify_rate_per_minute must be above 0 (messages a minute).")
    if not p["dry_run"] and not p["smtp_host"]:
        problems.append("member_notify_smtp_host is empty: name the SMTP relay (or set member_notify_dry_run).")
    if p["smtp_ca_file"] and not os.path.isfile(p["smtp_ca_file"]):
        problems.append(f"member_notify_smtp_ca_file {p['smtp_ca_file']} is not a file on the controller.")
    bad = [e for e in p["opt_out"] if not address_ok(e)]
    if bad:
        problems.append(f"member_notify_opt_out holds entries that are not addresses: {bad}.")
    return problems


def template_problems(p):
    """Render the default language's templates for a sample member (catches syntax errors and unknown names)."""
    sample = {"id": "sample", "name": "Sample Member", "email": "member@example.org", "sso": False,
              "rooms": [{"name": "Room", "friendly_id": SAMPLE_ID, "recordings": 1}]}
    sample_p = p
    if p.get("fallback"):  # both kinds of export entry must render
        sample_p = dict(p, export={"dir": "/srv/export", "host": "old-gl", "members": {
            "member@example.org": {"file": "0" * 32 + ".zip", "recordings": 1,
                                   "link": "https://export.example/x.zip?md5=x&expires=1",
                                   "expires_at": "2030-01-01T00:00:00Z"}}})
    try:
        build_message(sample, p["default_language"], template_env(p["templates_dir"]), sample_p)
        if p.get("fallback"):
            del sample_p["export"]["members"]["member@example.org"]["link"]
            build_message(sample, p["default_language"], template_env(p["templates_dir"]), sample_p)
    except Exception as exc:  # noqa: BLE001 - any template error is the operator's to fix
        return [f"member_notify_templates_dir: the {p['default_language']} templates or subject do not render "
                f"for a sample member ({type(exc).__name__}: {exc})."]
    return []


def refusal_code(exc):
    """The SMTP code of a refusal (the first refused recipient's for a refused RCPT)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [v[0] for v in exc.recipients.values() if isinstance(v, tuple) and v]
        return int(codes[0]) if codes else 0
    return int(getattr(exc, "smtp_code", 0) or 0)


class Relay:
    """One SMTP session to the relay: STARTTLS (verified), login, reconnect when idle-closed."""

    def __init__(self, p, smtp_class=smtplib.SMTP):
        self.p = p
        self.smtp_class = smtp_class
        self.session = None

    @property
    def where(self):
        return f"{self.p['smtp_host']}:{self.p['smtp_port']}"

    def connect(self):
        p = self.p
        where = self.where
        try:
            session = self.smtp_class(p["smtp_host"], p["smtp_port"], timeout=p["smtp_timeout"])
            session.ehlo()
            if p["smtp_starttls"]:
                if not session.has_extn("starttls"):
                    raise InputError(f"member_notify_smtp_starttls: the relay {where} does not offer STARTTLS.")
                context = ssl.create_default_context(cafile=p["smtp_ca_file"] or None)
                session.starttls(context=context)
                session.ehlo()
            if p["smtp_username"]:
                session.login(p["smtp_username"], p["smtp_password"])
        except smtplib.SMTPAuthenticationError as exc:
            raise InputError(f"member_notify_smtp_username/member_notify_smtp_password: the relay {where} refused "
                             f"the login ({exc.smtp_code} {exc.smtp_error.decode(errors='replace')}).") from exc
        except ssl.SSLError as exc:
            raise InputError(f"member_notify_smtp_ca_file: the relay {where}'s certificate cannot be verified "
                             f"({exc}).") from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise InputError(f"member_notify_smtp_username: the relay {where} offers no login ({exc}).") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise InputError(f"member_notify_smtp_host: cannot talk to the relay {where} ({exc}).") from exc
        self.session = session

    def ready(self):
        """A live session (the relay may have closed an idle one)."""
        if self.session is not None:
            try:
                if self.session.noop()[0] == 250:
                    return
            except (OSError, smtplib.SMTPException):
                pass
        self.connect()

    def close(self):
        if self.session is not None:
            try:
                self.session.quit()
            except (OSError, smtplib.SMTPException):
                pass


class Ledger:
    """Append-only JSON lines, each one on disk (fsync) before the call returns."""

    def __init__(self, path):
        self.path = path
        directory = os.path.dirname(path) or "."
        os.makedirs(directory, mode=0o700, exist_ok=True)
        created = not os.path.exists(path)
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:  # one run at a time: a second would read the same ledger and mail the same members
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            raise InputError(f"member_notify_ledger {path} is held by another run that is still sending (a play "
                             "interrupted on the controller may leave its module running until it is done). Wait "
                             "for it to end, or stop that process, then run again.") from exc
        if not created and os.path.getsize(path) > 0:
            with open(path, "rb") as handle:
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":  # a line torn by a crash: end it, so the next line stands alone
                    os.write(self.fd, b"\n")
                    os.fsync(self.fd)
        if created:
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    def write(self, member, state, **extra):
        entry = dict({"member": str(member["id"]), "email": member["email"], "state": state,
                      "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}, **extra)
        os.write(self.fd, (json.dumps(entry, sort_keys=True) + "\n").encode())
        os.fsync(self.fd)

    def close(self):
        os.close(self.fd)


def notify(p, dry_run, relay=None, clock=time.monotonic, sleep=time.sleep):
    """Tell every member the plan says to tell; returns the counts. Raises InputError for bad input
    (before any message) and Stopped when the run must stop (after recording what it knows)."""
    problems = input_problems(p)
    if problems:
        raise InputError(" ".join(problems))
    problems = template_problems(p)
    if problems:
        raise InputError(" ".join(problems))
    relay = relay if relay is not None else (Relay(p) if p["smtp_host"] else None)
    if relay is not None:
        relay.connect()  # the login is tried before the first message
    result = {"told": 0, "would_tell": 0, "already_told": 0, "opted_out": 0, "skipped": {},
              "unknown": [], "failed": [], "dry_run": dry_run, "eml_dir": p["dry_run_dir"] if dry_run else ""}
    if p["validate_only"]:
        if relay is not None:
            relay.close()
        return result

    env = template_env(p["templates_dir"])
    available = available_languages(p["templates_dir"], p["subjects"])
    try:
        ledger = None if dry_run else Ledger(p["ledger"])  # locked before it is read
    except InputError:
        if relay is not None:
            relay.close()
        raise
    plan = classify(p["members"], read_ledger(p["ledger"]), p["opt_out"], p["resend"])
    for member, reason in plan:
        if reason == "already_told":
            result["already_told"] += 1
        elif reason == "opted_out":
            result["opted_out"] += 1
        elif reason == "sent_unknown":
            result["unknown"].append(f"{member['email']} ({member['id']})")
        elif reason == "send" and p.get("fallback") and member_export_entry(member, p.get("export")) is None:
            # The fallback message hands the member their archive: none was written for them.
            result["skipped"]["no_export"] = result["skipped"].get("no_export", 0) + 1
            result.setdefault("no_export", []).append(f"{member['email']} ({member['id']})")
        elif reason != "send":
            result["skipped"][reason] = result["skipped"].get(reason, 0) + 1
    to_send = [m for m, reason in plan if reason == "send"
               and not (p.get("fallback") and member_export_entry(m, p.get("export")) is None)]
    result["would_tell"] = len(to_send)

    if dry_run:
        os.makedirs(p["dry_run_dir"], mode=0o700, exist_ok=True)
        for member in to_send:
            msg = build_message(member, pick_language(member.get("language"), available, p["default_language"]), env, p)
            path = os.path.join(p["dry_run_dir"], f"{member['id']}.eml")
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
                handle.write(bytes(msg))
        if relay is not None:
            relay.close()
        return result

    interval = 60.0 / p["rate_per_minute"]
    next_at = clock()
    where = f"{p['smtp_host']}:{p['smtp_port']}"

    def halted(why):
        """The message of a run the relay stopped: the relay, what was sent, what remains, what next."""
        remaining = len(to_send) - result["told"] - len(result["failed"]) - len(result["unknown"])
        return (f"The relay {where} {why} after {result['told']} message(s) were sent in this run "
                f"({result['already_told']} members told by earlier runs; {remaining} still to tell). "
                "Every message the relay accepted is recorded as sent in the ledger "
                f"({p['ledger']}); when the relay is back, run again: it tells the rest, nobody twice.")

    try:
        for member in to_send:
            language = pick_language(member.get("language"), available, p["default_language"])
            msg = build_message(member, language, env, p)
            wait = next_at - clock()
            if wait > 0:
                sleep(wait)
            try:
                relay.ready()  # before "sending": a dead session is found without any doubt about a message
            except InputError as exc:
                raise Stopped(halted(f"stopped answering ({exc})"), result) from exc
            next_at = clock() + interval
            ledger.write(member, "sending", message_id=msg["Message-ID"], language=language)
            try:
                relay.session.send_message(msg, to_addrs=[member["email"].strip()])
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                # The relay answered with a refusal: the message was not accepted and may be sent again.
                ledger.write(member, "failed", error=str(exc)[:300])
                code = refusal_code(exc)
                if code in TEMPORARY:  # the relay cannot take mail now: every next message would fail too
                    raise Stopped(halted(f"refused mail temporarily ({code} at {member['email']}, recorded as "
                                         "failed and tried again next run)"), result) from exc
                result["failed"].append(f"{member['email']} ({member['id']}): {str(exc)[:200]}")
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # No answer: the relay may have accepted it. The ledger keeps "sending" (sent-unknown).
                result["unknown"].append(f"{member['email']} ({member['id']})")
                raise Stopped(f"The relay stopped answering while sending to {member['email']} ({exc}); "
                                   "that member is recorded as sent-unknown and will not be mailed again "
                                   "(check the relay's log; list the address in member_notify_resend to send "
                                   "again). Run again to tell the rest.", result) from exc
            ledger.write(member, "sent", message_id=msg["Message-ID"], language=language)
            result["told"] += 1
            if p["stop_after"] and result["told"] >= p["stop_after"]:
                raise Stopped(f"Stopped after {result['told']} messages (member_notify_stop_after); "
                              "run again to tell the rest.", result)
    finally:
        ledger.close()
        relay.close()
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "members": {"type": "list", "elements": "dict", "default": []},
            "validate_only": {"type": "bool", "default": False},
            "sender": {"type": "str", "required": True},
            "reply_to": {"type": "str", "default": ""},
            "subjects": {"type": "dict", "required": True},
            "templates_dir": {"type": "path", "required": True},
            "default_language": {"type": "str", "default": "en"},
            "new_hostname": {"type": "str", "required": True},
            "old_hostnames": {"type": "list", "elements": "str", "default": []},
            "room_link": {"type": "str", "required": True},
            "old_room_links": {"type": "list", "elements": "str", "default": []},
            "contact": {"type": "str", "default": ""},
            "opt_out": {"type": "list", "elements": "str", "default": []},
            "resend": {"type": "list", "elements": "str", "default": []},
            "smtp_host": {"type": "str", "default": ""},
            "smtp_port": {"type": "int", "default": 587},
            "smtp_starttls": {"type": "bool", "default": True},
            "smtp_username": {"type": "str", "default": ""},
            "smtp_password": {"type": "str", "default": "", "no_log": True},
            "smtp_ca_file": {"type": "path", "default": ""},
            "smtp_timeout": {"type": "int", "default": 30},
            "rate_per_minute": {"type": "float", "default": 30.0},
            "ledger": {"type": "path", "required": True},
            "dry_run": {"type": "bool", "default": False},
            "dry_run_dir": {"type": "path", "default": ""},
            "stop_after": {"type": "int", "default": 0},
            "fallback": {"type": "bool", "default": False},
            "alternatives": {"type": "list", "elements": "dict", "default": []},
            "export": {"type": "dict", "default": {}},
            "export_links": {"type": "dict", "default": {}, "no_log": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    dry_run = p["dry_run"] or module.check_mode
    if dry_run and not p["dry_run_dir"] and not p["validate_only"]:
        module.fail_json(msg="member_notify_dry_run_dir is empty: name where the dry run writes its .eml files.")
    try:
        result = notify(p, dry_run)
    except InputError as exc:
        module.fail_json(msg=str(exc), sent=0)
    except Stopped as exc:
        module.fail_json(msg=str(exc), changed=exc.result["told"] > 0, result=exc.result)
    changed = (result["would_tell"] if dry_run else result["told"]) > 0
    module.exit_json(changed=changed and not p["validate_only"], result=result)


if __name__ == "__main__":
    main()
