"""Kill the transfer at random points, each time somewhere else (the receiving rsync on the
target, the sending rsync on a source, ansible on the controller, then the copy driver that
ansible left running on the target): the live tree never holds a half-written file, the kill
frees the driver's lock, and a normal run then completes it, identical, with nothing partial left.
The killed runs run only the copy stage (its validation first), as an operator would."""
import os
import random
import signal
import time
from pathlib import Path

from helpers import NEW, OLD1, OLD2, TREE, converge, expected_target_hashes, file_hashes, inventory, sh, start_stage

PARTIAL = f"find {TREE} -name .rsync-partial -o -name '.*.??????' | head -5"
DRIVER = "/var/lib/bbb-migration/recordings/recordings-sync.sh"
LOCK = "/var/lib/bbb-migration/recordings/driver.lock"
# The driver, its streams (subshells of it), their rsyncs and the ssh clients those started:
# SIGKILL to every one, until none is left.
KILL_DRIVER = f"""
for i in $(seq 20); do
  pgrep -f '[{DRIVER[0]}]{DRIVER[1:]}' >/dev/null || pgrep -x rsync >/dev/null || pgrep -x ssh >/dev/null || exit 0
  pkill -KILL -f '[{DRIVER[0]}]{DRIVER[1:]}'; pkill -KILL -x rsync; pkill -KILL -x ssh; sleep 0.5
done
exit 1
"""


def descendants(pid):
    """Every process below ``pid`` on this machine (ansible's workers, their docker exec)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_controller(proc):
    for pid in [proc.pid] + descendants(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# Where each of the three kills of a run strikes, in this order (the controller last: the driver
# it started goes on running on the target, as after an operator's Ctrl-C; the test kills it next).
KILLS = [
    ("the receiving rsync on the target", lambda proc: sh(NEW, "pkill -KILL -x rsync || true")),
    ("the sending rsync on a source", lambda proc: sh(random.choice([OLD1, OLD2]), "pkill -KILL -x rsync || true")),
    ("ansible on the controller", kill_controller),
]


def received_kib():
    return int(sh(NEW, f"du -sk {TREE} | cut -f1"))


def assert_nothing_half_written(expected, label):
    # Files wait in .rsync-partial holding directories until their stream is done
    # (--delay-updates); whatever sits at a final name is complete and correct.
    held = file_hashes(NEW, skip_processing=False)
    final = {p: h for p, h in held.items() if "/.rsync-partial/" not in p}
    assert {p: h for p, h in final.items() if expected.get(p) != h} == {}, label
    assert sh(NEW, f"find {TREE} -name '.*.??????' | head -5") == "", label
    return held, final


def test_three_kills_in_a_row_leave_no_half_file_and_a_normal_run_completes(tmp_path):
    # Three runs killed, then the driver the last one left behind: four kills in a row.
    expected = expected_target_hashes()
    seed = int(time.time())
    rng = random.Random(seed)
    print(f"kill points drawn with seed {seed}")
    sh(NEW, f"rm -rf {TREE}/published {TREE}/unpublished {TREE}/recording {TREE}/captions")
    interrupted = False
    for label, kill in KILLS:
        start = received_kib()
        point = start + rng.randint(1000, 5000)  # KiB more than the last run left
        proc = start_stage(tmp_path, inventory(allvars={"recordings_sync_bwlimit": 300,
                                                        "recordings_sync_verify": "fast"}), "recordings_sync_copy")
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None and received_kib() < point:
            time.sleep(0.5)
        assert proc.poll() is None, f"the run ended before {label} was killed: {proc.stdout.read()[-3000:]}"
        kill(proc)
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode != 0, (label, out[-3000:])
        if label != "ansible on the controller":
            assert "did not finish" in out and "the copy resumes" in out, (label, out[-3000:])
        held, final = assert_nothing_half_written(expected, label)
        interrupted |= len(held) > len(final) or len(final) < len(expected)

    # The driver the killed controller started may still be copying on the target: kill it, its
    # streams and their rsyncs (a fourth interruption). Its lock must go with it.
    orphan = sh(NEW, f"pgrep -f '[{DRIVER[0]}]{DRIVER[1:]}' || true").strip()
    print(f"driver left running after the controller's kill: {'yes' if orphan else 'no'}")
    sh(NEW, KILL_DRIVER)
    held, final = assert_nothing_half_written(expected, "the orphaned driver killed")
    interrupted |= len(held) > len(final) or len(final) < len(expected)
    assert sh(NEW, f"flock -n {LOCK} echo free", check=False).strip() == "free", "the killed driver kept its lock"
    assert interrupted, "no kill struck mid-way"

    rc, out = converge(tmp_path, inventory())
    assert rc == 0, out
    assert file_hashes(NEW, skip_processing=False) == expected
    assert sh(NEW, PARTIAL) == ""
    assert sh(NEW, "ls -A /var/lib/bbb-migration/recordings/tmp") == ""
