"""The old platform is never written before decommission: its recording tree (content, mode,
owner, mtime of every entry) and its Greenlight's data (pg_dump, data only, sorted) are the
same after the whole migration (and the rehearsed failure) as tests/lab/prepare.yml found
them. Runs after the other tests (file order)."""
import os
import subprocess
from pathlib import Path

import pytest
from bbbmig_testing import REPO

BEFORE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "source-before"
SCRIPT = REPO / "tests/lab/files/source-fingerprint.sh"


def fingerprint(host, what):
    with SCRIPT.open("rb") as script:
        result = subprocess.run(["docker", "exec", "-i", host, "sh", "-s", what], stdin=script,
                                capture_output=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode()


@pytest.mark.parametrize("host, what", [("lab-old-bbb", "recordings"), ("lab-old-gl", "greenlight")])
def test_the_old_platform_is_as_prepare_found_it(host, what):
    before = (BEFORE / f"{host}.txt").read_text().strip().splitlines()
    after = fingerprint(host, what).strip().splitlines()
    assert len(before) > 50
    gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    assert (gone[:20], new[:20]) == ([], [])
    assert after == before
