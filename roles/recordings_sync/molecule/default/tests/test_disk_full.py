"""The target's disk fills up during a copy: the run fails naming the host and the lack of
space, the live tree keeps only complete, correct files, and once space is freed a run
completes and verifies."""
from helpers import NEW, OLD2, TREE, converge, expected_target_hashes, file_hashes, inventory, run_stage, sh

# The copy's temp directory (recordings_sync_work_dir/tmp): a full small file system here is
# what a full disk looks like to rsync.
TMP = "/var/lib/bbb-migration/recordings/tmp"


def test_a_full_disk_fails_clearly_leaves_the_tree_intact_and_the_copy_resumes(tmp_path):
    expected = expected_target_hashes()
    # Take three of old2's recordings off the target, so that the next run has to copy them.
    ids = sh(OLD2, f"ls {TREE}/published/presentation | head -3").split()
    assert len(ids) == 3
    sh(NEW, " ".join(f"rm -rf {TREE}/*/*/{rid} {TREE}/recording/*/{rid} {TREE}/recording/status/*/{rid}*;"
                     for rid in ids))
    before = file_hashes(NEW, skip_processing=False)
    assert len(before) < len(expected)
    sh(NEW, f"mount -t tmpfs -o size=256k,mode=0700 bbbmig-test-full {TMP}")
    try:
        # The copy stage (its validation first): the disk fills up there.
        rc, out = run_stage(tmp_path, inventory(allvars={"recordings_sync_verify": "fast"}), "recordings_sync_copy")
        assert rc != 0, out[-3000:]
        assert f"{NEW} has no space left" in out and "No space left on device" in out, out[-4000:]
        assert "run again; the copy resumes" in out, out[-4000:]
        after = file_hashes(NEW, skip_processing=False)
        final = {p: h for p, h in after.items() if "/.rsync-partial/" not in p}
        # What was there is untouched, and whatever sits at a final name is complete and correct.
        assert {p: final.get(p) for p in before} == before
        assert {p: h for p, h in final.items() if expected.get(p) != h} == {}
        assert len(final) < len(expected)
        # BBB's status markers of the recordings not copied did not arrive before them.
        assert sh(NEW, f"ls {TREE}/recording/status/published | grep -F -e {' -e '.join(ids)} || true") == ""
    finally:
        sh(NEW, f"umount {TMP}")
    assert "bbbmig-test-full" not in sh(NEW, "cat /proc/mounts")

    rc, out = converge(tmp_path, inventory())
    assert rc == 0, out[-3000:]
    assert file_hashes(NEW, skip_processing=False) == expected
    assert sh(NEW, f"find {TREE} -name .rsync-partial | head -3") == ""
