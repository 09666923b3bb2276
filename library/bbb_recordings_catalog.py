#!/usr/bin/python3
"""Ansible module: what BigBlueButton's getRecordings would list, read from metadata.xml."""

DOCUMENTATION = r"""
module: bbb_recordings_catalog
short_description: List a BBB node's recordings and playback formats from their metadata.xml
description:
  - Reads every C(published/<format>/<id>/metadata.xml) and
    C(unpublished/<format>/<id>/metadata.xml) below I(path) (deleted
    recordings are left out, as getRecordings leaves them out) and returns one
    row per recording and format, with the fields Greenlight v3 stores from
    getRecordings.
  - C(length) is the playback C(<duration>) in whole minutes (rounded down),
    as getRecordings reports a format's length; C(url) is the C(<link>) text
    without surrounding whitespace; C(meeting_id) is C(<meta><meetingId>),
    the external meeting id Greenlight matches rooms on; C(name) is
    C(<meta><name>) when set there, else C(<meta><meetingName>).
  - A metadata.xml that cannot be parsed, or lacks an id, a meeting id or a
    link, is listed in C(unreadable) and not in C(recordings).
extends_documentation_fragment: [bbb_recordings_tree]
"""

EXAMPLES = r"""
- name: List the recordings on a target BBB node
  bbb_recordings_catalog:
    path: /var/bigbluebutton
  register: catalog
"""

RETURN = r"""
recordings:
  description: >-
    One dict per recording and format: record_id, meeting_id, name, published (bool),
    protected (bool, or null when metadata.xml says nothing), participants, start_time
    (epoch ms), format, url, length (minutes).
  type: list
  elements: dict
  returned: always
unreadable:
  description: metadata.xml files (relative to I(path)) that could not be used, with the reason.
  type: list
  elements: str
  returned: always
"""

import os
import xml.etree.ElementTree as ET

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.bbb_recordings import LISTED_STATES, subdirs


def _text(node, path):
    found = node.find(path)
    return found.text.strip() if found is not None and found.text is not None else None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _bool(value):
    return None if value is None else value.lower() == "true"


def parse_metadata(text, fmt):
    """The catalog row of one metadata.xml (its format directory is ``fmt``); ValueError if unusable."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise ValueError(f"not XML ({err})") from err
    row = {
        "record_id": _text(root, "id"),
        "meeting_id": _text(root, "meta/meetingId"),
        "name": _text(root, "meta/name") or _text(root, "meta/meetingName") or "",
        "published": _bool(_text(root, "published")) or False,
        "protected": _bool(_text(root, "protected")),
        "participants": _int(_text(root, "participants")),
        "start_time": _int(_text(root, "start_time")),
        "format": _text(root, "playback/format") or fmt,
        "url": _text(root, "playback/link"),
        "length": _int(_text(root, "playback/duration")) // 60000,
    }
    missing = [key for key in ("record_id", "meeting_id", "url") if not row[key]]
    if missing:
        raise ValueError("no " + ", ".join(missing))
    return row


def catalog(root):
    """(rows, unreadable) for the recording tree at ``root``, in a stable order."""
    rows, unreadable = [], []
    for state in LISTED_STATES:
        for fmt in subdirs(os.path.join(root, state)):
            for rid in subdirs(os.path.join(root, state, fmt)):  # every metadata.xml, whatever its id
                rel = os.path.join(state, fmt, rid, "metadata.xml")
                path = os.path.join(root, rel)
                if not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as handle:
                        rows.append(parse_metadata(handle.read(), fmt))
                except (OSError, ValueError) as err:
                    unreadable.append(f"{rel}: {err}")
    return rows, unreadable


def main():
    module = AnsibleModule(argument_spec={"path": {"type": "path", "default": "/var/bigbluebutton"}},
                           supports_check_mode=True)
    rows, unreadable = catalog(module.params["path"])
    module.exit_json(changed=False, recordings=rows, unreadable=unreadable)


if __name__ == "__main__":
    main()
