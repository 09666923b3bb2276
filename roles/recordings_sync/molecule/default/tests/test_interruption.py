"""Kill the transfer mid-way: the live tree never holds a half-written file,
and the next converge completes it, identical, with nothing partial left."""
import time

from helpers import NEW, TREE, converge, expected_target_hashes, file_hashes, inventory, sh, start_converge

PARTIAL = f"find {TREE} -name .rsync-partial -o -name '.*.??????' | head -5"


def test_a_killed_transfer_leaves_no_half_file_and_resumes(tmp_path):
    expected = expected_target_hashes()
    sh(NEW, f"rm -rf {TREE}/published {TREE}/unpublished {TREE}/recording {TREE}/captions")
    proc = start_converge(tmp_path, inventory(allvars={"recordings_sync_bwlimit": 300}))
    deadline = time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        if int(sh(NEW, f"du -sk {TREE} | cut -f1")) > 8000:
            break
        time.sleep(1)
    sh(NEW, "pkill -KILL -x rsync || true")
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode != 0, out
    assert "did not finish" in out and "the copy resumes" in out, out

    # Files wait in .rsync-partial holding directories until their stream is
    # done (--delay-updates); whatever sits at a final name is complete and correct.
    held = file_hashes(NEW, skip_processing=False)
    got = {p: h for p, h in held.items() if "/.rsync-partial/" not in p}
    assert len(held) > len(got) or 0 < len(got) < len(expected), "the copy was not interrupted mid-way"
    assert len(got) < len(expected)
    assert {p: h for p, h in got.items() if expected.get(p) != h} == {}

    rc, out = converge(tmp_path, inventory())
    assert rc == 0, out
    assert file_hashes(NEW, skip_processing=False) == expected
    assert sh(NEW, PARTIAL) == ""
    assert sh(NEW, "ls -A /var/lib/bbb-migration/recordings/tmp") == ""
