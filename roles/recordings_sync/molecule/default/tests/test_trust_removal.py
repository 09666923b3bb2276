"""Removing the trust leaves no migration key on either side (runs last)."""
from helpers import KEY, NEW, SOURCES, converge, inventory, sh


def test_trust_absent_removes_the_key_everywhere_and_is_idempotent(tmp_path):
    rc, out = converge(tmp_path, inventory(allvars={"recordings_sync_trust": "absent"}))
    assert rc == 0, out
    for source in SOURCES:
        assert sh(source, "grep -c bbbmig-recordings@ /root/.ssh/authorized_keys || true").strip() == "0"
    assert sh(NEW, f"ls {KEY} {KEY}.pub /var/lib/bbb-migration/recordings/known_hosts 2>/dev/null || true") == ""
    rc, out = converge(tmp_path, inventory(allvars={"recordings_sync_trust": "absent"}))
    assert rc == 0 and "changed=0" in out and "changed=1" not in out, out
