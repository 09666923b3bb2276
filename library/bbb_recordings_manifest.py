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
  - With I(cache) set, C(mode=full) keeps every file's sha256 in a cache file
    (outside the tree, mode 0600, owned by the user running the module) keyed
    by path, device, inode, size, mtime and ctime (nanoseconds): a file whose
    key is unchanged takes its hash from the cache without being read, any
    other file is hashed and its entry renewed. The kernel sets ctime on every
    change of content or metadata and user space cannot set it, so an unchanged
    key means no write through the filesystem since the hash was taken. A
    cache file that is not a regular file of this user with mode 0600, cannot
    be parsed, has another format or version, or was written on another
    machine (C(/etc/machine-id)) is ignored whole; malformed entries are
    dropped one by one. A file changed less than two seconds before it was
    hashed, or while it was read, is not cached (timestamps are coarse).
    Entries of vanished paths are dropped. The cache file is written by
    replacing it atomically, never in check mode, and is the module's only
    write.
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
  cache:
    description:
      - Path of the hash cache (see the description); unset, every file is
        hashed in C(mode=full). Must lie outside I(path) and I(metadata_root).
    type: path
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
hashed:
  description: Files read and hashed (mode=full).
  type: int
  returned: always
cached:
  description: Files whose sha256 came from the cache, their key unchanged (mode=full with cache).
  type: int
  returned: always
cache_ignored:
  description: Why an existing cache file was not trusted (null when it was, or there was none).
  type: str
  returned: always
"""

import hashlib
import json
import os
import stat
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.bbb_recordings import (FORMAT_STATES, done_files, formats_of, processing_ids, recording_dirs,
                                                 subdirs)


def sha256_file(path):
    """Hex sha256 of a file's content."""
    return _hash_open(path)[0]


def _hash_open(path):
    """(hex sha256, stat before the read, stat after the read) of a file, from one open descriptor."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        before = os.fstat(handle.fileno())
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        after = os.fstat(handle.fileno())
    return digest.hexdigest(), before, after


CACHE_FORMAT = "bbbmig-recordings-manifest-cache"
CACHE_VERSION = 1
# A file changed this recently before its hash was taken is not cached: a
# second change within the same timestamp tick would leave its key unchanged.
RACY_NS = 2 * 10**9
HEX64 = frozenset("0123456789abcdef")


def file_key(st):
    """What must be unchanged for a cached hash to stand: device, inode, size, mtime and ctime in ns."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def machine_id():
    try:
        with open("/etc/machine-id", encoding="ascii") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _valid_entry(value):
    return (isinstance(value, list) and len(value) == 6
            and all(type(v) is int and v >= 0 for v in value[:5])
            and isinstance(value[5], str) and len(value[5]) == 64 and set(value[5]) <= HEX64)


class HashCache:
    """sha256 of files keyed by path and (device, inode, size, mtime_ns, ctime_ns); see DOCUMENTATION."""

    def __init__(self, path):
        self.path = path
        self.entries = {}
        self.seen = set()
        self.hashed = 0
        self.cached = 0
        self.ignored = None
        self.dirty = False

    def load(self):
        """Read the cache file; anything that cannot be trusted is ignored (whole file or entry)."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except FileNotFoundError:
            return self
        except OSError as err:
            return self._ignore(f"cannot be opened ({err.strerror})")
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
                return self._ignore("not a regular file of this user with mode 0600")
            try:
                data = json.loads(handle.read())
            except ValueError:
                return self._ignore("not a readable cache (bad JSON)")
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT or data.get("version") != CACHE_VERSION:
            return self._ignore("another format or version")
        if data.get("machine_id") != machine_id():
            return self._ignore("written on another machine")
        entries = data.get("entries")
        if not isinstance(entries, dict):
            return self._ignore("no entries")
        for path, value in entries.items():
            if isinstance(path, str) and path.startswith("/") and _valid_entry(value):
                self.entries[path] = value
            else:
                self.dirty = True
        return self

    def _ignore(self, why):
        self.ignored = why
        self.entries = {}
        self.dirty = True
        return self

    def sha256(self, path, st):
        """The hex sha256 of ``path`` whose stat is ``st``: from the cache if its key is unchanged, else read."""
        self.seen.add(path)
        key = file_key(st)
        entry = self.entries.get(path)
        if entry is not None and entry[:5] == key:
            self.cached += 1
            return entry[5]
        start = time.time_ns()
        digest, before, after = _hash_open(path)
        self.hashed += 1
        self.dirty = True
        if (file_key(before) == key and file_key(after) == key
                and max(st.st_mtime_ns, st.st_ctime_ns) < start - RACY_NS):
            self.entries[path] = key + [digest]
        else:
            self.entries.pop(path, None)
        return digest

    def prune(self):
        """Drop the entries of paths that no longer exist (those not seen in this walk are checked)."""
        for path in [p for p in self.entries if p not in self.seen]:
            try:
                os.lstat(path)
            except OSError:
                del self.entries[path]
                self.dirty = True

    def save(self):
        """Replace the cache file atomically (0600); a no-op when nothing changed."""
        self.prune()
        if not self.dirty:
            return False
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".recordings-manifest-cache.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)
                json.dump({"format": CACHE_FORMAT, "version": CACHE_VERSION, "machine_id": machine_id(),
                           "entries": self.entries}, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except BaseException:
            os.unlink(tmp)
            raise
        self.dirty = False
        return True


def inside(path, root):
    """Whether ``path`` is ``root`` or below it."""
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


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
    """(relative path, lstat) of the regular files at or below ``rel``, sorted; links are left out.

    One lstat a file: directory entries' types come from the directory itself."""
    top = os.path.join(root, rel)
    try:
        st = os.lstat(top)
    except OSError:
        return []
    if stat.S_ISREG(st.st_mode):
        return [(rel, st)]
    if not stat.S_ISDIR(st.st_mode):
        return []
    out = []
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = list(entries)
        except OSError:
            continue
        dirs = []
        for entry in listed:
            if entry.is_dir(follow_symlinks=False):
                dirs.append(entry.path)
            elif entry.is_file(follow_symlinks=False):
                try:
                    out.append((os.path.relpath(entry.path, root), entry.stat(follow_symlinks=False)))
                except FileNotFoundError:
                    continue
        stack.extend(sorted(dirs, reverse=True))
    out.sort(key=lambda item: item[0])
    return out


def is_format_metadata(rel):
    parts = rel.split("/")
    return len(parts) == 4 and parts[0] in FORMAT_STATES and parts[3] == "metadata.xml"


def build(root, mode="fast", formats=(), include_deleted=False, only_finished=True, ids=None,
          detail=False, metadata_root=None, cache=None):
    """The manifest of the tree at ``root`` (see DOCUMENTATION); ``cache`` a loaded HashCache or None."""
    states = ("published", "unpublished") + (("deleted",) if include_deleted else ())
    result = {"exists": os.path.isdir(root), "recordings": {}, "processing": [], "bytes": 0, "count": 0,
              "hashed": 0, "cached": 0, "cache_ignored": cache.ignored if cache else None}
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
            for frel, st in walk_files(root, rel):
                path = os.path.join(root, frel)
                if metadata_root and is_format_metadata(frel):
                    path = os.path.join(metadata_root, frel)
                    try:
                        st = os.stat(path)
                    except FileNotFoundError:
                        continue
                content = None
                if mode == "full":
                    if cache is not None:
                        content = cache.sha256(os.path.abspath(path), st)
                    else:
                        content = sha256_file(path)
                        result["hashed"] += 1
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
    if cache is not None:
        result["hashed"], result["cached"] = cache.hashed, cache.cached
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
            "cache": {"type": "path"},
        },
        supports_check_mode=True,
    )
    p = module.params
    if p["must_exist"] and not os.path.isdir(p["path"]):
        module.fail_json(msg=f"{p['path']} is not a directory on this host: no recordings to copy from here.")
    cache = None
    if p["cache"] and p["mode"] == "full":
        for tree in (p["path"], p["metadata_root"]):
            if tree and inside(p["cache"], tree):
                module.fail_json(msg=f"The hash cache {p['cache']} lies inside {tree}: put it outside the recording "
                                     "trees (the source's tree is never written).")
        cache = HashCache(p["cache"]).load()
    result = build(p["path"], p["mode"], p["formats"], p["include_deleted"], p["only_finished"],
                   p["ids"], p["detail"], p["metadata_root"], cache)
    if cache is not None and not module.check_mode:
        try:
            cache.save()
        except OSError as err:
            module.warn(f"The hash cache {p['cache']} could not be written ({err}): the next full pass hashes "
                        "every file again.")
    # The cache is bookkeeping of this module, not state it manages: never reported as a change.
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
