#!/usr/bin/python3
"""Ansible module: manifest of the BigBlueButton recordings a migration copies."""

DOCUMENTATION = r"""
module: bbb_recordings_manifest
short_description: List BBB recordings with their files, sizes and content digests
description:
  - Walks a BBB recording tree read-only and returns, per record id, the paths
    a migration copies (C(recording/raw/<id>), its C(recording/status) files,
    C(published|unpublished[/deleted]/<format>/<id>), C(captions/<id>)), the
    bytes and files they hold, and a digest of their content.
  - C(mode=fast) digests sizes and modification times; C(mode=full) hashes
    every file (sha256). With C(detail=true) the per-file manifest is returned
    too, for comparison between two hosts.
  - Recordings recorded or archived without any playback format yet (in
    any state, deleted included) are still being processed, by the one
    definition preflight shares (module_utils/bbb_recordings.py); with
    C(only_finished=true) they are left out and listed in C(processing).
    Deleted recordings (every format under C(deleted/)) are left out, raw
    data and status markers included, unless C(include_deleted=true).
extends_documentation_fragment: [bbb_recordings_tree]
options:
  must_exist:
    description: Fail when I(path) is not a directory.
    type: bool
    default: false
  mode:
    description: C(fast) (size and mtime) or C(full) (sha256 of every file).
    type: str
    choices: [fast, full]
    default: fast
  formats:
    description: Playback formats to include.
    type: list
    elements: str
    default: [presentation, video, podcast, screenshare, notes]
  include_deleted:
    description: Include C(deleted/<format>/<id>).
    type: bool
    default: false
  only_finished:
    description: Leave out recordings still being processed.
    type: bool
    default: true
  ids:
    description: Only these record ids (default all).
    type: list
    elements: str
  detail:
    description: Return the per-file manifest in C(files).
    type: bool
    default: false
  metadata_root:
    description:
      - Read every C(metadata.xml) of a playback format from this tree instead
        of I(path) (the target keeps the source's originals there, and the live
        copies carry the new hostname).
    type: path
"""

EXAMPLES = r"""
- name: Read the manifest of the source recordings
  bbb_recordings_manifest:
    path: /var/bigbluebutton
    mode: full
    detail: true
  register: manifest
"""

RETURN = r"""
exists:
  description: Whether the tree exists.
  type: bool
  returned: always
recordings:
  description: Per record id, paths (relative), metadata (metadata.xml paths), bytes, files, digest, published, raw_mtime.
  type: dict
  returned: always
processing:
  description: Record ids still being processed (left out when only_finished).
  type: list
  elements: str
  returned: always
files:
  description: Per record id, {relative path, [size, mtime, sha256 or null]}.
  type: dict
  returned: when detail
bytes:
  description: Bytes of all listed recordings.
  type: int
  returned: always
count:
  description: Number of listed recordings.
  type: int
  returned: always
"""

import hashlib
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.bbb_recordings import (FORMAT_STATES, done_files, formats_of, processing_ids, recording_dirs,
                                                 subdirs)


def sha256_file(path):
    """Hex sha256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def recording_paths(root, states, formats):
    """{record id: {"paths": [...], "metadata": [...], "published": bool}} from the tree layout."""
    found = {}

    def entry(rid):
        return found.setdefault(rid, {"paths": [], "metadata": [], "published": False})

    for rid in recording_dirs(os.path.join(root, "recording", "raw")):
        entry(rid)["paths"].append(f"recording/raw/{rid}")
    status = os.path.join(root, "recording", "status")
    for state in subdirs(status):
        for rid, name in done_files(os.path.join(status, state)):
            entry(rid)["paths"].append(f"recording/status/{state}/{name}")
    for state in states:
        for fmt in formats:
            base = os.path.join(root, state, fmt)
            for rid in recording_dirs(base):
                item = entry(rid)
                item["paths"].append(f"{state}/{fmt}/{rid}")
                item["formats"] = sorted(set(item.get("formats", [])) | {f"{state}/{fmt}"})
                if os.path.isfile(os.path.join(base, rid, "metadata.xml")):
                    item["metadata"].append(f"{state}/{fmt}/{rid}/metadata.xml")
                if state == "published":
                    item["published"] = True
    for rid in recording_dirs(os.path.join(root, "captions")):
        if rid in found:
            found[rid]["paths"].append(f"captions/{rid}")
    return found


def walk_files(root, rel):
    """Relative paths of the regular files at or below ``rel``."""
    top = os.path.join(root, rel)
    if os.path.isfile(top) and not os.path.islink(top):
        return [rel]
    out = []
    for current, dirs, files in os.walk(top):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(current, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out.append(os.path.relpath(path, root))
    return out


def is_format_metadata(rel):
    parts = rel.split("/")
    return len(parts) == 4 and parts[0] in FORMAT_STATES and parts[3] == "metadata.xml"


def build(root, mode="fast", formats=(), include_deleted=False, only_finished=True, ids=None,
          detail=False, metadata_root=None):
    """The manifest of the tree at ``root`` (see DOCUMENTATION)."""
    states = ("published", "unpublished") + (("deleted",) if include_deleted else ())
    result = {"exists": os.path.isdir(root), "recordings": {}, "processing": [], "bytes": 0, "count": 0}
    if detail:
        result["files"] = {}
    if not result["exists"]:
        return result
    found = recording_paths(root, states, formats)
    processing = processing_ids(root)
    result["processing"] = processing
    # Deleted recordings (every format of theirs under deleted/) stay behind, raw data and
    # status markers included, unless include_deleted.
    deleted = set() if include_deleted else {
        rid for rid, where in formats_of(root).items() if all(w.startswith("deleted/") for w in where)}
    wanted = set(ids) if ids is not None else None
    for rid in sorted(found):
        if wanted is not None and rid not in wanted:
            continue
        if (only_finished and rid in processing) or rid in deleted:
            continue
        item = found[rid]
        digest = hashlib.sha256()
        files = {}
        total = 0
        for rel in item["paths"]:
            for frel in walk_files(root, rel):
                base = metadata_root if metadata_root and is_format_metadata(frel) else root
                path = os.path.join(base, frel)
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                content = sha256_file(path) if mode == "full" else None
                files[frel] = [st.st_size, int(st.st_mtime), content]
                total += st.st_size
        for frel in sorted(files):
            size, mtime, content = files[frel]
            digest.update(f"{frel}\0{size}\0{content if mode == 'full' else mtime}\n".encode())
        raw = os.path.join(root, "recording", "raw", rid)
        result["recordings"][rid] = {
            "paths": item["paths"],
            "metadata": item["metadata"],
            "published": item["published"],
            "raw_mtime": int(os.stat(raw).st_mtime) if os.path.isdir(raw) else None,
            "bytes": total,
            "files": len(files),
            "digest": digest.hexdigest(),
        }
        if detail:
            result["files"][rid] = files
        result["bytes"] += total
    result["count"] = len(result["recordings"])
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "default": "/var/bigbluebutton"},
            "must_exist": {"type": "bool", "default": False},
            "mode": {"type": "str", "choices": ["fast", "full"], "default": "fast"},
            "formats": {"type": "list", "elements": "str",
                        "default": ["presentation", "video", "podcast", "screenshare", "notes"]},
            "include_deleted": {"type": "bool", "default": False},
            "only_finished": {"type": "bool", "default": True},
            "ids": {"type": "list", "elements": "str"},
            "detail": {"type": "bool", "default": False},
            "metadata_root": {"type": "path"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["must_exist"] and not os.path.isdir(p["path"]):
        module.fail_json(msg=f"{p['path']} is not a directory on this host: no recordings to copy from here.")
    result = build(p["path"], p["mode"], p["formats"], p["include_deleted"], p["only_finished"],
                   p["ids"], p["detail"], p["metadata_root"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
