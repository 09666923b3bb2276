"""What the project's BBB recording modules share about a recording tree
(library/bbb_recordings_info.py, _manifest.py, _catalog.py): the record id,
the read-only walk of its directories, and the one definition of a recording
still being processed, so that preflight's count and the copy agree.

Layout (BBB): recording/raw/<id>/, recording/status/<state>/<id>*.done,
<published|unpublished|deleted>/<format>/<id>/ (metadata.xml inside).
"""
import os
import re

# sha1 hex of the external meeting id, a dash, the start in epoch milliseconds.
RECORD_ID = re.compile(r"^[0-9a-f]{40}-[0-9]{13}$")
RECORD_ID_LENGTH = 54
# Where BBB puts a recording's playback formats, and which of those it serves.
FORMAT_STATES = ("published", "unpublished", "deleted")
LISTED_STATES = ("published", "unpublished")


def subdirs(path):
    """Names of the directories (not links) directly below ``path``, sorted; none if it is missing."""
    try:
        return sorted(e.name for e in os.scandir(path) if e.is_dir(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []


def recording_dirs(path):
    """The record ids that name a directory below ``path`` (other names are not recordings)."""
    return [name for name in subdirs(path) if RECORD_ID.match(name)]


def done_files(status_dir):
    """(record id, file name) of each ``<id>*.done`` marker in one status directory, sorted."""
    try:
        names = sorted(os.listdir(status_dir))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []
    return [(name[:RECORD_ID_LENGTH], name) for name in names
            if name.endswith(".done") and RECORD_ID.match(name[:RECORD_ID_LENGTH])]


def formats_of(root, states=FORMAT_STATES):
    """{record id: {"<state>/<format>", ...}} for every playback format directory below ``root``."""
    found = {}
    for state in states:
        for fmt in subdirs(os.path.join(root, state)):
            for rid in recording_dirs(os.path.join(root, state, fmt)):
                found.setdefault(rid, set()).add(f"{state}/{fmt}")
    return found


def processing_ids(root):
    """Record ids still being processed: BBB recorded or archived them (a ``.done`` marker) and
    no playback format of theirs exists yet, in any format and state (published, unpublished or
    deleted). The copy leaves them for a later pass and preflight reports them."""
    status = os.path.join(root, "recording", "status")
    started = {rid for state in ("recorded", "archived") for rid, _ in done_files(os.path.join(status, state))}
    return sorted(started - set(formats_of(root)))
