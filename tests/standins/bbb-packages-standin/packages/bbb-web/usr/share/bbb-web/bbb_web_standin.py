#!/usr/bin/env python3
"""STAND-IN for bbb-web (tests only): a small part of the BigBlueButton API.

Answers, on 127.0.0.1:8090 behind nginx, as BBB 3.0 answers:

- ``/bigbluebutton/api`` (and ``/``): the version answer, no checksum needed;
- ``create``, ``end``, ``getMeetings``, ``isMeetingRunning`` (meetings live in
  memory, as long as the service runs; nobody ever joins, so ``running`` stays
  false as on a real server until a user connects);
- ``getRecordings``: read from ``<publishedDir>/<format>/<record id>/metadata.xml``
  and ``<unpublishedDir>/...``, one ``<recording>`` per record id with one
  ``<format>`` per playback format.

Every call but the version answer carries ``checksum``: the hex digest of the
call name, the query string without its checksum parameter, and the shared
secret; sha1, sha256, sha384 or sha512 (told apart by length) when listed in
``supportedChecksumAlgorithms``. Settings come from the packaged
``bigbluebutton.properties`` with ``/etc/bigbluebutton/bbb-web.properties``
over them, read once at start (``bbb-conf --restart`` applies a change).
Standard library only.
"""
import hashlib
import hmac
import os
import random
import string
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEFAULTS = "/usr/share/bbb-web/WEB-INF/classes/bigbluebutton.properties"
OVERRIDES = "/etc/bigbluebutton/bbb-web.properties"
BBB_VERSION_FILE = "/usr/share/bbb-web/bbb-version"
DIGESTS = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
STATES = ("published", "unpublished")


def read_properties(*paths):
    """Java-style key=value files, later files over earlier ones."""
    props = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except FileNotFoundError:
            continue
        for line in lines:
            line = line.strip()
            if not line or line[0] in "#!" or "=" not in line:
                continue
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


def checksum_ok(call, raw_query, secret, algorithms):
    """BBB's rule: digest(call + query without checksum + secret)."""
    params = raw_query.split("&") if raw_query else []
    given = [p[len("checksum="):] for p in params if p.startswith("checksum=")]
    if len(given) != 1 or not secret:
        return False
    rest = "&".join(p for p in params if not p.startswith("checksum="))
    name = DIGESTS.get(len(given[0]))
    if name is None or name not in algorithms:
        return False
    expected = hashlib.new(name, (call + rest + secret).encode("utf-8")).hexdigest()
    return hmac.compare_digest(expected, given[0].lower())


def element(parent, tag, text=None):
    node = ET.SubElement(parent, tag)
    if text is not None:
        node.text = str(text)
    return node


def response(returncode="SUCCESS", message_key=None, message=None, fields=()):
    root = ET.Element("response")
    element(root, "returncode", returncode)
    for tag, value in fields:
        if isinstance(value, ET.Element):
            root.append(value)
        else:
            element(root, tag, value)
    if message_key is not None:
        element(root, "messageKey", message_key)
        element(root, "message", message)
    return root


def failed(key, message):
    return response("FAILED", key, message)


class Platform:
    """Meetings in memory, recordings on disk, the settings read at start."""

    def __init__(self):
        self.props = read_properties(DEFAULTS, OVERRIDES)
        self.secret = self.props.get("securitySalt", "")
        self.algorithms = [a.strip() for a in self.props.get("supportedChecksumAlgorithms", "sha1").split(",")]
        self.meetings = {}
        self.lock = threading.Lock()
        try:
            with open(BBB_VERSION_FILE, encoding="utf-8") as handle:
                self.bbb_version = handle.read().strip()
        except FileNotFoundError:
            self.bbb_version = ""

    # -- calls ---------------------------------------------------------------
    def version(self):
        return response(fields=[("version", "2.0"), ("apiVersion", "2.0"), ("bbbVersion", self.bbb_version)])

    def create(self, q):
        meeting_id = q.get("meetingID", "").strip()
        if not meeting_id:
            return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
        with self.lock:
            known = self.meetings.get(meeting_id)
            if known:
                for key in ("attendeePW", "moderatorPW"):
                    if key in q and q[key] != known[key]:
                        return failed("idNotUnique",
                                      "A meeting already exists with that meeting ID.  Please use a different meeting ID.")
                return self._created(known, "duplicateWarning",
                                     "This conference was already in existence and may currently be in progress.")
            now = int(time.time() * 1000)
            meeting = {
                "meetingID": meeting_id,
                "meetingName": q.get("name", meeting_id),
                "internalMeetingID": f"{hashlib.sha1(meeting_id.encode()).hexdigest()}-{now}",
                "attendeePW": q.get("attendeePW") or "".join(random.choices(string.ascii_letters, k=8)),
                "moderatorPW": q.get("moderatorPW") or "".join(random.choices(string.ascii_letters, k=8)),
                "createTime": now,
                "createDate": time.strftime("%a %b %d %H:%M:%S %Z %Y", time.localtime(now / 1000)),
                "voiceBridge": q.get("voiceBridge") or str(random.randint(70000, 79999)),
                "dialNumber": q.get("dialNumber", "613-555-1234"),
                "duration": q.get("duration", "0"),
                "record": q.get("record", "false"),
                "metadata": {k[5:].lower(): v for k, v in q.items() if k.startswith("meta_")},
            }
            self.meetings[meeting_id] = meeting
            return self._created(meeting, None, None)

    @staticmethod
    def _created(meeting, key, message):
        return response(message_key=key if key else "", message=message if message else "", fields=[
            ("meetingID", meeting["meetingID"]), ("internalMeetingID", meeting["internalMeetingID"]),
            ("parentMeetingID", "bbb-none"), ("attendeePW", meeting["attendeePW"]),
            ("moderatorPW", meeting["moderatorPW"]), ("createTime", meeting["createTime"]),
            ("voiceBridge", meeting["voiceBridge"]), ("dialNumber", meeting["dialNumber"]),
            ("createDate", meeting["createDate"]), ("hasUserJoined", "false"),
            ("duration", meeting["duration"]), ("hasBeenForciblyEnded", "false")])

    def is_meeting_running(self, q):
        meeting_id = q.get("meetingID", "").strip()
        if not meeting_id:
            return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
        return response(fields=[("running", "false")])  # nobody joins a stand-in meeting

    def end(self, q):
        meeting_id = q.get("meetingID", "").strip()
        if not meeting_id:
            return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
        with self.lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                return failed("notFound",
                              "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?")
            if "password" in q and q["password"] != meeting["moderatorPW"]:
                return failed("invalidPassword", "You must supply the moderator password for this call.")
            del self.meetings[meeting_id]
        return response("SUCCESS", "sentEndMeetingRequest",
                        "A request to end the meeting was sent.  Please wait a few seconds, and then use the "
                        "getMeetingInfo or isMeetingRunning API calls to verify that it was ended.")

    def get_meetings(self, _q):
        with self.lock:
            meetings = list(self.meetings.values())
        container = ET.Element("meetings")
        for m in meetings:
            node = element(container, "meeting")
            for tag in ("meetingName", "meetingID", "internalMeetingID", "createTime", "createDate",
                        "voiceBridge", "dialNumber", "attendeePW", "moderatorPW"):
                element(node, tag, m[tag])
            for tag, value in (("running", "false"), ("duration", m["duration"]), ("hasUserJoined", "false"),
                               ("recording", "false"), ("hasBeenForciblyEnded", "false"), ("startTime", m["createTime"]),
                               ("endTime", 0), ("participantCount", 0), ("listenerCount", 0),
                               ("voiceParticipantCount", 0), ("videoCount", 0), ("maxUsers", 0),
                               ("moderatorCount", 0)):
                element(node, tag, value)
            element(node, "attendees")
            meta = element(node, "metadata")
            for key, value in m["metadata"].items():
                element(meta, key, value)
            element(node, "isBreakout", "false")
        if not meetings:
            return response("SUCCESS", "noMeetings", "no meetings were found on this server",
                            fields=[("meetings", container)])
        return response(fields=[("meetings", container)])

    def get_recordings(self, q):
        wanted_meetings = {m for m in q.get("meetingID", "").split(",") if m}
        wanted_records = {r for r in q.get("recordID", "").split(",") if r}
        states = {s for s in q.get("state", "").split(",") if s} or {"published", "unpublished"}
        wanted_meta = {k[5:]: v for k, v in q.items() if k.startswith("meta_")}
        found = {}
        for state in STATES:
            if state not in states and "any" not in states:
                continue
            base = self.props.get(f"{state}Dir", f"/var/bigbluebutton/{state}")
            for fmt in sorted(os.listdir(base)) if os.path.isdir(base) else []:
                for rid in sorted(os.listdir(os.path.join(base, fmt))):
                    path = os.path.join(base, fmt, rid, "metadata.xml")
                    try:
                        meta = ET.parse(path).getroot()
                    except (OSError, ET.ParseError):
                        continue
                    found.setdefault(rid, []).append((meta, os.path.dirname(path)))
        container = ET.Element("recordings")
        for rid in sorted(found):
            formats = found[rid]
            first = formats[0][0]
            meta_node = first.find("meta")
            meta = {child.tag: (child.text or "").strip() for child in (meta_node if meta_node is not None else [])}
            meeting_id = meta.get("meetingId", "")
            if wanted_meetings and meeting_id not in wanted_meetings:
                continue
            if wanted_records and not any(rid.startswith(r) for r in wanted_records):
                continue
            if any(meta.get(k) != v for k, v in wanted_meta.items()):
                continue
            rec = element(container, "recording")
            for tag, value in (("recordID", rid), ("meetingID", meeting_id), ("internalMeetingID", rid),
                               ("name", meta.get("meetingName", "")), ("isBreakout", meta.get("isBreakout", "false")),
                               ("published", first.findtext("published", "").strip()),
                               ("state", first.findtext("state", "").strip()),
                               ("startTime", first.findtext("start_time", "").strip()),
                               ("endTime", first.findtext("end_time", "").strip()),
                               ("participants", first.findtext("participants", "").strip()),
                               ("rawSize", first.findtext("raw_size", "0").strip())):
                element(rec, tag, value)
            node = element(rec, "metadata")
            for key, value in meta.items():
                element(node, key, value)
            sizes = [dir_size(directory) for _, directory in formats]
            element(rec, "size", sum(sizes))
            playback = element(rec, "playback")
            for (doc, _directory), size in zip(formats, sizes):
                fmt = element(playback, "format")
                element(fmt, "type", doc.findtext("playback/format", "").strip())
                element(fmt, "url", doc.findtext("playback/link", "").strip())
                element(fmt, "processingTime", doc.findtext("playback/processing_time", "0").strip())
                element(fmt, "length", int(doc.findtext("playback/duration", "0").strip() or 0) // 60000)
                element(fmt, "size", size)
                images = doc.find("playback/extensions/preview/images")
                if images is not None:
                    preview = element(element(fmt, "preview"), "images")
                    for image in images:
                        copy = element(preview, "image", (image.text or "").strip())
                        for attr in ("alt", "height", "width"):
                            if image.get(attr) is not None:
                                copy.set(attr, image.get(attr))
            element(rec, "data")
        if not len(container):
            return response("SUCCESS", "noRecordings", "There are no recordings for the meeting(s).",
                            fields=[("recordings", container)])
        return response(fields=[("recordings", container)])


def dir_size(path):
    total = 0
    for current, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(current, name))
            except OSError:
                pass
    return total


CALLS = {"create": "create", "end": "end", "getMeetings": "get_meetings",
         "isMeetingRunning": "is_meeting_running", "getRecordings": "get_recordings"}


class Handler(BaseHTTPRequestHandler):
    platform = None
    server_version = "bbb-web-standin"

    def log_message(self, fmt, *args):  # journald gets one line a request, never the query (it holds checksums)
        sys.stderr.write(f"{self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n")

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.answer()

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # create's body (pre-uploaded slides) is accepted and ignored
        self.answer()

    def answer(self):
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/")
        if path in ("/bigbluebutton/api", "/bigbluebutton", ""):
            return self.send_xml(self.platform.version())
        if not path.startswith("/bigbluebutton/api/"):
            return self.send_error(404)
        call = path[len("/bigbluebutton/api/"):]
        if not checksum_ok(call, parts.query, self.platform.secret, self.platform.algorithms):
            return self.send_xml(failed("checksumError", "Checksums do not match"))
        if call not in CALLS:
            return self.send_xml(failed("unsupportedRequest", "This request is not supported."))
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return self.send_xml(getattr(self.platform, CALLS[call])(query))

    def send_xml(self, root):
        body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
        self.send_response(200)
        self.send_header("Content-Type", "text/xml;charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    Handler.platform = Platform()
    if not Handler.platform.secret:
        sys.stderr.write("bbb-web: securitySalt is empty; every API call will fail its checksum\n")
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("BBB_WEB_PORT", "8090"))), Handler)
    sys.stderr.write(f"bbb-web stand-in listening, serverURL {Handler.platform.props.get('bigbluebutton.web.serverURL')}\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
