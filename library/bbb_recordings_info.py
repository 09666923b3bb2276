#!/usr/bin/python3
"""Ansible module: count BigBlueButton recordings and their bytes on a host."""

DOCUMENTATION = r"""
module: bbb_recordings_info
short_description: Count BigBlueButton recordings and bytes per format
description:
  - Walks a BBB recording tree (C(/var/bigbluebutton)) read-only and reports,
    per playback format, how many recordings are published, unpublished and
    deleted and how many bytes they hold, plus the raw archive and the
    recordings still being processed.
extends_documentation_fragment: [bbb_recordings_tree]
"""

EXAMPLES = r"""
- name: Discover the recordings on a source node
  bbb_recordings_info:
    path: /var/bigbluebutton
  register: recordings
"""

RETURN = r"""
exists:
  description: Whether the tree exists.
  type: bool
  returned: always
formats:
  description: Per format, counts of published, unpublished, deleted recordings and their bytes.
  type: dict
  returned: always
raw:
  description: Count and bytes of C(recording/raw).
  type: dict
  returned: always
recordings:
  description: Distinct record ids found in published, unpublished or raw.
  type: int
  returned: always
bytes:
  description: Bytes of published, unpublished and raw together (what a migration copies by default).
  type: int
  returned: always
files:
  description: Files in published, unpublished and raw together.
  type: int
  returned: always
processing:
  description: >-
    Record ids recorded or archived but without any playback format yet (the one definition
    the copy uses too: module_utils/bbb_recordings.py).
  type: list
  elements: str
  returned: always
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.bbb_recordings import FORMAT_STATES, processing_ids, recording_dirs, subdirs


def tree_size(path):
    """Bytes and file count below ``path`` (symlinks are not followed)."""
    total, files = 0, 0
    stack = [path]
    while stack:
        current = stack.pop()
        try:
            entries = list(os.scandir(current))
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                total += entry.stat(follow_symlinks=False).st_size
                files += 1
    return total, files


def scan(root):
    """Summarise the recording tree at ``root`` (read only)."""
    result = {
        "exists": os.path.isdir(root),
        "formats": {},
        "raw": {"count": 0, "bytes": 0, "files": 0},
        "recordings": 0,
        "bytes": 0,
        "files": 0,
        "processing": [],
    }
    if not result["exists"]:
        return result
    seen = set()
    for state in FORMAT_STATES:
        for fmt in subdirs(os.path.join(root, state)):
            entry = result["formats"].setdefault(
                fmt, {"published": 0, "unpublished": 0, "deleted": 0, "bytes": 0, "files": 0})
            for record_id in recording_dirs(os.path.join(root, state, fmt)):
                size, files = tree_size(os.path.join(root, state, fmt, record_id))
                entry[state] += 1
                entry["bytes"] += size
                entry["files"] += files
                if state != "deleted":
                    seen.add(record_id)
                    result["bytes"] += size
                    result["files"] += files
    raw_root = os.path.join(root, "recording", "raw")
    for record_id in recording_dirs(raw_root):
        size, files = tree_size(os.path.join(raw_root, record_id))
        result["raw"]["count"] += 1
        result["raw"]["bytes"] += size
        result["raw"]["files"] += files
        result["bytes"] += size
        result["files"] += files
        seen.add(record_id)
    result["processing"] = processing_ids(root)
    result["recordings"] = len(seen)
    return result


def main():
    module = AnsibleModule(
        argument_spec={"path": {"type": "path", "default": "/var/bigbluebutton"}},
        supports_check_mode=True,
    )
    module.exit_json(changed=False, path=module.params["path"], **scan(module.params["path"]))


if __name__ == "__main__":
    main()
