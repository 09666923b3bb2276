#!/usr/bin/python3
"""Ansible module: put the new public hostname into copied BBB metadata.xml files."""

DOCUMENTATION = r"""
module: bbb_recordings_metadata
short_description: Write metadata.xml files with the new hostname, from staged originals
description:
  - For every C(metadata.xml) below I(staging) (the source's originals, laid
    out as in the recording tree), checks that it parses, replaces an old
    hostname by I(new_hostname) in every URL of the document (every element's
    text, CDATA section and attribute value; a text or value that is just an
    old hostname too), keeps every other byte as it is, and writes the result
    at the same relative path below I(path) when it differs: temp file in the
    same directory, owner, mode and the original's mtime set, then an atomic
    rename.
  - Then reads every format C(metadata.xml) in I(path) and lists those that
    still name an old hostname anywhere, as a whole name (C(bbb.coop.test.evil)
    is not C(bbb.coop.test)), in their bytes or their decoded text.
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

from ansible.module_utils.basic import AnsibleModule

# A DNS name: labels of letters, digits and inner hyphens. Matched greedily, so
# "bbb.coop.test.evil" is one name and never taken for "bbb.coop.test".
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
# A URL's authority: an optional scheme (scheme-relative "//host" too), optional user info, the host.
URL_HOST = re.compile(r"(?P<head>(?:[A-Za-z][A-Za-z0-9+.-]*:)?//(?:[^/?#@\s<>\"']*@)?)(?P<host>" + _NAME + r")")
# The pieces of an XML document, in order; what is not markup is character data.
MARKUP = re.compile(
    r"<!--.*?-->"                                   # comment: kept as it is
    r"|<!\[CDATA\[(?P<cdata>.*?)\]\]>"              # CDATA: its text is rewritten
    r"|<\?.*?\?>"                                   # declaration, processing instruction: kept
    r"|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>"              # document type: kept
    r"|</[^>]*>"                                    # end tag: kept
    r"|(?P<tag><[^\s/>!?](?:[^>\"']|\"[^\"]*\"|'[^']*')*>)",  # start tag: its attribute values are rewritten
    re.S)
ATTRIBUTE = re.compile(r"(?P<name>[^\s=<>/]+\s*=\s*)(?P<q>[\"'])(?P<value>.*?)(?P=q)", re.S)


def _host_re(hostnames):
    """A regex finding any of ``hostnames`` as a whole name (not part of a longer one)."""
    names = "|".join(re.escape(h) for h in sorted(hostnames, key=len, reverse=True))
    return re.compile(r"(?<![A-Za-z0-9.-])(?:" + names + r")(?![A-Za-z0-9-]|\.[A-Za-z0-9])", re.I)


def rewrite_string(text, old_hosts, new_host):
    """``text`` with the host of every URL on one of ``old_hosts`` (lower case) replaced by
    ``new_host``; a text that is just an old hostname (e.g. a server name element) is replaced
    too. Scheme, user info, port, path, query, fragment and surrounding whitespace are kept."""
    stripped = text.strip()
    if stripped and stripped.lower() in old_hosts:
        return text.replace(stripped, new_host)

    def swap(match):
        if match.group("host").lower() not in old_hosts:
            return match.group(0)
        return match.group("head") + new_host

    return URL_HOST.sub(swap, text)


def _rewrite_tag(tag, old_hosts, new_host):
    def swap(match):
        value = rewrite_string(match.group("value"), old_hosts, new_host)
        return match.group("name") + match.group("q") + value + match.group("q")

    return ATTRIBUTE.sub(swap, tag)


def rewrite_metadata(text, old_hostnames, new_hostname):
    """Return metadata.xml ``text`` with old hostnames replaced in every URL of the document.

    Every element's text, every CDATA section and every attribute value is
    rewritten (see ``rewrite_string``); comments, processing instructions,
    names and every other byte stay as they are. The document must parse
    before and after (raises ``xml.etree.ElementTree.ParseError`` on bad XML).
    Returns ``text`` itself when nothing changes, so a second pass is a no-op.
    """
    old = {h.lower() for h in old_hostnames if h and h.lower() != new_hostname.lower()}
    if not old:
        return text
    ET.fromstring(text.encode("utf-8"))
    out, pos = [], 0
    for match in MARKUP.finditer(text):
        out.append(rewrite_string(text[pos:match.start()], old, new_hostname))
        if match.group("cdata") is not None:
            out.append("<![CDATA[" + rewrite_string(match.group("cdata"), old, new_hostname) + "]]>")
        elif match.group("tag") is not None:
            out.append(_rewrite_tag(match.group("tag"), old, new_hostname))
        else:
            out.append(match.group(0))
        pos = match.end()
    out.append(rewrite_string(text[pos:], old, new_hostname))
    new = "".join(out)
    if new == text:
        return text
    ET.fromstring(new.encode("utf-8"))
    return new


def _strings_of(text):
    """Every decoded string of an XML document: texts, tails, attribute values, comments."""
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True))
    try:
        root = ET.fromstring(text.encode("utf-8"), parser=parser)
    except ET.ParseError:
        return []
    out = []
    for element in root.iter():
        out += [element.text or "", element.tail or ""] + list(element.attrib.values())
    return out


def old_hostnames_in(text, old_hostnames):
    """The old hostnames that occur anywhere in ``text`` as a whole name (case-insensitive),
    in its bytes or in its decoded strings (a name written with character references counts)."""
    found = []
    for host in old_hostnames:
        if not host:
            continue
        pattern = _host_re([host])
        if pattern.search(text) or any(pattern.search(s) for s in _strings_of(text)):
            found.append(host)
    return sorted(found)


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
