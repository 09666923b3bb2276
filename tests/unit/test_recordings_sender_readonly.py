"""recordings_sync's own forced command for sources without rrsync (rsync < 3.2.4): only a
read-only rsync of the tree passes, table-driven."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "roles/recordings_sync/files/rsync-sender-readonly"
_loader = importlib.machinery.SourceFileLoader("rsync_sender_readonly", str(SCRIPT))
_spec = importlib.util.spec_from_loader("rsync_sender_readonly", _loader)
sender = importlib.util.module_from_spec(_spec)
_loader.exec_module(sender)

# What rsync's client sends for the role's copy driver (Debian 12's rsync 3.2.7, --files-from).
DRIVER = "rsync --server --sender -lptre.iLsfxCIvu --partial-dir .rsync-partial --delay-updates --files-from=- --from0 . ."


@pytest.fixture()
def root(tmp_path):
    tree = tmp_path / "bigbluebutton"
    (tree / "published/presentation/r1").mkdir(parents=True)
    (tree / "published/presentation/r1/metadata.xml").write_text("<recording/>")
    (tree / "inside-link").symlink_to(tree / "published")
    (tree / "escape").symlink_to("/etc")
    (tmp_path / "bigbluebutton-evil").mkdir()
    return str(tree)


ALLOWED = [
    (DRIVER, [sender.RSYNC, "-lptre.iLsfxCIvu", "--partial-dir=.rsync-partial", "--delay-updates",
              "--files-from=-", "--from0", ".", "."]),
    ("rsync --server --sender -logDtprze.iLsfxCIvu --bwlimit=300 --timeout=60 . published/presentation/r1",
     [sender.RSYNC, "-logDtprze.iLsfxCIvu", "--bwlimit=300", "--timeout=60", ".", "published/presentation/r1"]),
    ("/usr/bin/rsync --server --sender -vlogDtpr . ./published/ inside-link",
     [sender.RSYNC, "-vlogDtpr", ".", "./published/", "inside-link"]),
    ("rsync --server --sender -r . {root}/published", [sender.RSYNC, "-r", ".", "{root}/published"]),
    ("rsync --server --sender -r . 'published/presentation/r1/metadata.xml'",
     [sender.RSYNC, "-r", ".", "published/presentation/r1/metadata.xml"]),
]


@pytest.mark.parametrize("command,expected", ALLOWED, ids=[c[0] for c in ALLOWED])
def test_a_read_of_the_tree_passes(root, command, expected):
    run = [sender.RSYNC, "--server", "--sender"] + [e.format(root=root) for e in expected[1:]]
    assert sender.parse(command.format(root=root), root) == run


REFUSED = [
    ("", "no command"),
    ("id", "only rsync may run"),
    ("/bin/sh -c 'rsync --server --sender . .'", "only rsync may run"),
    ("rsync --server -lptre.iLsfxCIvu . .", "only a read"),                      # a write (receiver)
    ("rsync --sender --server -r . .", "only a read"),
    ("rsync --server --sender -r --remove-source-files . .", "--remove-source-files is not allowed"),
    ("rsync --server --sender -r --delete . .", "--delete is not allowed"),
    ("rsync --server --sender -r --delete-after . .", "--delete-after is not allowed"),
    ("rsync --server --sender -r --rsh=sh . .", "--rsh is not allowed"),
    ("rsync --server --sender -r -e sh . .", "-e is not allowed"),
    ("rsync --server --sender -r --rsync-path=/tmp/x . .", "--rsync-path is not allowed"),
    ("rsync --server --sender -r --write-batch=/tmp/b . .", "--write-batch is not allowed"),
    ("rsync --server --sender -r --log-file=/etc/x . .", "--log-file is not allowed"),
    ("rsync --server --sender -r --files-from=/etc/shadow . .", "--files-from=/etc/shadow is not allowed"),
    ("rsync --server --sender -r --exclude-from=/etc/shadow . .", "--exclude-from is not allowed"),
    ("rsync --server --sender -rL . .", "-L is not allowed"),                   # follows links out
    ("rsync --server --sender -rk . .", "-k is not allowed"),
    ("rsync --server --sender -rb . .", "-b is not allowed"),
    ("rsync --server --sender -rs . .", "-s is not allowed"),                   # arguments out of sight
    ("rsync --server --sender --copy-unsafe-links -r . .", "--copy-unsafe-links is not allowed"),
    ("rsync --server --sender -r --partial-dir=../x . .", "--partial-dir=../x is not allowed"),
    ("rsync --server --sender -r --bwlimit . .", "--bwlimit=. is not allowed"),
    ("rsync --server --sender -r --sender=x . .", "--sender takes no value"),
    ("rsync --server --sender -r published .", "unexpected argument published"),
    ("rsync --server --sender -r", "no '.' argument"),
    ("rsync --server --sender -r .", "no path to read"),
    ("rsync --server --sender -r . /etc/", "/etc/ is outside"),
    ("rsync --server --sender -r . /", "/ is outside"),
    ("rsync --server --sender -r . ../", "path ../ is not allowed"),
    ("rsync --server --sender -r . published/../../etc", "is not allowed"),
    ("rsync --server --sender -r . escape/", "escape/ is outside"),            # a link out of the tree
    ("rsync --server --sender -r . escape/shadow", "is outside"),
    ("rsync --server --sender -r . {root}-evil", "-evil is outside"),          # a prefix is not inside
    ("rsync --server --sender -r . 'publ*'", "is not allowed"),
    ("rsync --server --sender -r . . --delete", "path --delete is not allowed"),
    ("rsync --server --sender -r . 'unterminated", "cannot parse"),
]


@pytest.mark.parametrize("command,reason", REFUSED, ids=[c[0] or "empty" for c in REFUSED])
def test_anything_else_is_refused_with_its_reason(root, command, reason):
    with pytest.raises(sender.Refused) as refused:
        sender.parse(command.format(root=root), root)
    assert reason.format(root=root) in str(refused.value)


def test_the_script_refuses_on_stderr_with_status_1_and_runs_nothing(root, tmp_path):
    env = dict(os.environ, SSH_ORIGINAL_COMMAND=f"rsync --server --sender -r . /etc/ ; touch {tmp_path}/ran")
    done = subprocess.run([sys.executable, str(SCRIPT), root], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and done.stdout == ""
    assert "refused" in done.stderr and "read-only rsync of " + root in done.stderr
    assert not (tmp_path / "ran").exists()
    done = subprocess.run([sys.executable, str(SCRIPT), "relative"], capture_output=True, text=True)
    assert done.returncode == 1 and "usage" in done.stderr
