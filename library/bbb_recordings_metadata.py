#!/usr/bin/python3
"""Ansible module: put the new public hostname into copied BBB metadata.xml files."""

DOCUMENTATION = r"""
module: bbb_recordings_metadata
short_description: Write metadata.xml files with the new hostname, from staged originals
description:
  - For every C(metadata.xml) below I(staging) (the source's originals, laid
    out as in the recording tree), parses the XML, replaces an old hostname by
    I(new_hostname) in every C(<link>) and C(<image>) URL (text on its own line
    and its whitespace kept), and writes the result at the same relative path
    below I(path) when it differs: temp file in the same directory, owner,
    mode and the original's mtime set, then an atomic rename.
  - Then reads every format C(metadata.xml) in I(path) and lists those that
    still name an old hostname.
  - Idempotent; in check mode writes nothing and reports what would change.
options:
  path:
    description: Live recording tree.
    type: path
    required: true
  staging:
    description: Tree holding the source's original metadata.xml files.
    type: path
    required: true
  old_hostnames:
    description: Hostnames to replace.
    type: list
    elements: str
    default: []
  new_hostname:
    description: The hostname links must point at.
    type: str
    required: true
  owner:
    description: Owner (and group) of written files.
    type: str
    default: bigbluebutton
author: bbb-migration
"""

EXAMPLES = r"""
- name: Rewrite the hostname in the copied metadata.xml
  bbb_recordings_metadata:
    path: /var/bigbluebutton
    staging: /var/lib/bbb-migration/recordings/old1/metadata
    old_hostnames: [bbb.old.example]
    new_hostname: bbb.new.example
"""

RETURN = r"""
rewritten:
  description: Relative paths written (or that would be written in check mode).
  type: list
  elements: str
  returned: always
checked:
  description: Number of metadata.xml files in the live tree checked for old hostnames.
  type: int
  returned: always
remaining:
  description: Live metadata.xml files (relative) that still contain an old hostname.
  type: list
  elements: str
  returned: always
"""

import grp
import os
import pwd
import re
import tempfile
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit, urlunsplit

from ansible.module_utils.basic import AnsibleModule

DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
URL_ELEMENTS = ("link", "image")


def _new_url(text, old_hosts, new_host):
    """``text`` with its URL's host replaced, surrounding whitespace kept; None if unchanged."""
    stripped = text.strip()
    if not stripped:
        return None
    parts = urlsplit(stripped)
    if not parts.hostname or parts.hostname.lower() not in old_hosts:
        return None
    netloc = new_host + (f":{parts.port}" if parts.port else "")
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return lead + urlunsplit(parts._replace(netloc=netloc)) + trail


def rewrite_metadata(text, old_hostnames, new_hostname):
    """Return metadata.xml ``text`` with old hostnames replaced in <link> and <image> URLs.

    Parses the XML (raises ``xml.etree.ElementTree.ParseError`` on bad XML).
    Returns ``text`` itself when nothing changes, so a second pass is a no-op.
    The XML declaration and comments are kept.
    """
    old = {h.lower() for h in old_hostnames if h and h.lower() != new_hostname.lower()}
    if not old:
        return text
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(text, parser=parser)
    changed = False
    for element in root.iter():
        if element.tag in URL_ELEMENTS and element.text:
            new = _new_url(element.text, old, new_hostname)
            if new is not None:
                element.text = new
                changed = True
    if not changed:
        return text
    match = DECLARATION.match(text)
    head = match.group(0) if match else ""
    tail = "\n" if text.endswith("\n") else ""
    return head + ET.tostring(root, encoding="unicode") + tail


def old_hostnames_in(text, old_hostnames):
    """The old hostnames that occur anywhere in ``text`` (case-insensitive)."""
    low = text.lower()
    return sorted(h for h in old_hostnames if h and h.lower() in low)


def atomic_write(path, data, uid, gid, mode, mtime):
    """Write ``data`` to ``path`` by temp file + rename in the same directory."""
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".metadata.xml.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chown(tmp, uid, gid)
        os.chmod(tmp, mode)
        os.utime(tmp, (mtime, mtime))
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def staged_files(staging):
    out = []
    for current, dirs, files in os.walk(staging):
        dirs.sort()
        for name in files:
            if name == "metadata.xml":
                rel = os.path.relpath(os.path.join(current, name), staging)
                if len(rel.split("/")) == 4:
                    out.append(rel)
    return sorted(out)


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "staging": {"type": "path", "required": True},
            "old_hostnames": {"type": "list", "elements": "str", "default": []},
            "new_hostname": {"type": "str", "required": True},
            "owner": {"type": "str", "default": "bigbluebutton"},
        },
        supports_check_mode=True,
    )
    p = module.params
    try:
        user = pwd.getpwnam(p["owner"])
        gid = grp.getgrnam(p["owner"]).gr_gid
    except KeyError:
        module.fail_json(msg=f"User or group {p['owner']} does not exist on this host.")
    rewritten, errors = [], []
    for rel in staged_files(p["staging"]):
        src = os.path.join(p["staging"], rel)
        dst = os.path.join(p["path"], rel)
        with open(src, "rb") as handle:
            original = handle.read()
        try:
            new = rewrite_metadata(original.decode("utf-8"), p["old_hostnames"], p["new_hostname"]).encode("utf-8")
        except (ET.ParseError, UnicodeDecodeError) as exc:
            errors.append(f"{rel}: {exc}")
            continue
        try:
            with open(dst, "rb") as handle:
                current = handle.read()
        except FileNotFoundError:
            current = None
        if current == new:
            continue
        rewritten.append(rel)
        if not module.check_mode:
            if not os.path.isdir(os.path.dirname(dst)):
                errors.append(f"{rel}: its recording directory is missing in {p['path']}")
                continue
            st = os.stat(src)
            atomic_write(dst, new, user.pw_uid, gid, 0o644, st.st_mtime)
    remaining, checked = [], 0
    for state in ("published", "unpublished", "deleted"):
        base = os.path.join(p["path"], state)
        for current, dirs, files in os.walk(base):
            dirs.sort()
            if "metadata.xml" in files:
                path = os.path.join(current, "metadata.xml")
                checked += 1
                with open(path, encoding="utf-8", errors="replace") as handle:
                    if old_hostnames_in(handle.read(), [h for h in p["old_hostnames"] if h != p["new_hostname"]]):
                        remaining.append(os.path.relpath(path, p["path"]))
    if errors:
        module.fail_json(msg="Cannot rewrite metadata.xml: " + "; ".join(errors), rewritten=rewritten)
    module.exit_json(changed=bool(rewritten), rewritten=rewritten, checked=checked, remaining=sorted(remaining))


if __name__ == "__main__":
    main()
