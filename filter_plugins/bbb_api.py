"""Calls to a BBB node's API, computed rather than sent: the signed URL of a call
and the meetings and recordings in its answers. Tasks send the request (on the node
itself, to its own bbb-web); these filters only build and read.

BBB's rule: checksum = hex digest of call name + query string + shared secret,
sent as the last parameter. sha1 is what every release accepts; BBB 2.6 and
later also take sha256, sha384 and sha512 (told apart by length).
"""

import hashlib
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")


def bbb_api_url(base, call, params=None, secret="", algorithm="sha1"):
    """The URL of API call ``call`` with ``params`` (a dict; order kept) under
    ``base`` (…/bigbluebutton/api), signed with ``secret``."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"checksum algorithm {algorithm!r} is not one BBB accepts ({', '.join(ALGORITHMS)})")
    if not secret:
        raise ValueError("no shared secret to sign the call with")
    query = urlencode([(k, "" if v is None else str(v)) for k, v in (params or {}).items()])
    checksum = hashlib.new(algorithm, f"{call}{query}{secret}".encode()).hexdigest()
    return f"{base.rstrip('/')}/{call}?{query}{'&' if query else ''}checksum={checksum}"


def _answer(answer):
    """The root of a SUCCESS answer; ValueError naming the failure otherwise."""
    try:
        root = ET.fromstring(answer)
    except ET.ParseError as err:
        raise ValueError(f"not a BBB API answer: {err}") from err
    if _text(root, "returncode") != "SUCCESS":
        raise ValueError(f"the BBB API answered {_text(root, 'returncode', 'nothing')}: "
                         f"{_text(root, 'messageKey')} {_text(root, 'message')}".strip())
    return root


def _text(node, tag, default=""):
    found = node.find(tag)
    return found.text.strip() if found is not None and found.text else default


def bbb_meetings(answer):
    """The meetings of a getMeetings answer (XML text), each {id, name,
    participants, moderators, created, password}: what an operator needs to
    decide, and what ending one takes. Raises ValueError on a FAILED answer
    (a wrong secret, say) so that a task never mistakes it for "no meetings"."""
    root = _answer(answer)
    meetings = []
    for node in root.iter("meeting"):
        meetings.append({
            "id": _text(node, "meetingID"),
            "name": _text(node, "meetingName"),
            "participants": int(_text(node, "participantCount", "0") or 0),
            "moderators": int(_text(node, "moderatorCount", "0") or 0),
            "created": _text(node, "createDate"),
            "password": _text(node, "moderatorPW"),
        })
    return meetings


def bbb_recordings(answer):
    """The recordings of a getRecordings answer (XML text), each {id, meeting_id, state,
    playback: [urls]}, sorted by id. Raises ValueError on a FAILED answer."""
    recordings = []
    for node in _answer(answer).iter("recording"):
        urls = [_text(fmt, "url") for fmt in node.iter("format")]
        recordings.append({"id": _text(node, "recordID"), "meeting_id": _text(node, "meetingID"),
                           "state": _text(node, "state"), "playback": [u for u in urls if u]})
    return sorted(recordings, key=lambda r: r["id"])


def bbb_recordings_answer(answer):
    """``{recordings, error}``: bbb_recordings of ``answer``, or the reason it has none."""
    try:
        return {"recordings": bbb_recordings(answer), "error": ""}
    except ValueError as err:
        return {"recordings": [], "error": str(err)}


class FilterModule:
    def filters(self):
        return {"bbb_api_url": bbb_api_url, "bbb_meetings": bbb_meetings, "bbb_recordings": bbb_recordings,
                "bbb_recordings_answer": bbb_recordings_answer}
