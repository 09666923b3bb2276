"""The copy is complete, identical, owned by name, and the source untouched."""
import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import (KEY, NEW, OLD1, OLD2, SOURCES, STATE, TREE, expected_target_hashes, file_hashes, sh,
                     tree_digest)


def result():
    return json.loads((STATE / f"{NEW}.facts.json").read_text())["recordings_sync_result"]


def test_every_finished_recording_arrived_with_identical_content():
    expected = expected_target_hashes()
    assert len(expected) > 1000
    got = file_hashes(NEW, skip_processing=False)
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    differ = sorted(p for p in set(got) & set(expected) if got[p] != expected[p])
    assert (missing[:5], extra[:5], differ[:5]) == ([], [], [])


def test_recordings_still_processing_were_left_for_a_later_pass():
    processing = result()["processing"]
    assert len(processing[OLD1]) == 2 and len(processing[OLD2]) == 1
    for rid in processing[OLD1] + processing[OLD2]:
        assert sh(NEW, f"ls -d {TREE}/recording/raw/{rid} 2>/dev/null || true").strip() == ""


def test_everything_is_owned_by_bigbluebutton_by_name():
    assert sh(NEW, "id -u bigbluebutton").strip() == "2303"
    assert sh(NEW, f"find {TREE} ! -user bigbluebutton -o ! -group bigbluebutton | head -5") == ""
    # old1's numeric id belongs to someone else here: copying numbers would have shown.
    assert sh(NEW, f"find {TREE} -uid 2101 | head -1") == ""


@pytest.mark.parametrize("source", SOURCES)
def test_source_tree_is_unchanged(source):
    before = (STATE / f"{source}.tree-before").read_text()
    assert tree_digest(source).strip() == before.strip()


def test_no_old_hostname_is_left_and_links_point_at_the_new_host():
    out = sh(NEW, f"find {TREE}/published {TREE}/unpublished -name metadata.xml | sort")
    files = out.split()
    assert len(files) > 40
    assert sh(NEW, f"grep -l -e ca.coop.test -e de.coop.test {' '.join(files)} || true") == ""
    formats, own_line = set(), 0
    for path in files:
        root = ET.fromstring(sh(NEW, f"cat {path}"))
        rid = root.findtext("id")
        formats.add(root.findtext("playback/format"))
        link = root.find("playback/link")
        own_line += link.text.startswith("\n")
        urls = [link.text.strip()] + [i.text.strip() for i in root.iter("image")]
        for url in urls:
            parts = urlsplit(url)
            assert (parts.scheme, parts.hostname) == ("https", "bbb.newcoop.test"), url
            assert rid in parts.path, url
    assert formats == {"presentation", "video", "podcast", "screenshare", "notes"}
    assert own_line > 0  # links on their own line were rewritten too


def test_metadata_files_are_owned_and_atomic():
    assert sh(NEW, f"find {TREE} -name '.metadata.xml.*' -o -name '.rsync-partial' | head -3") == ""


FORCED = {OLD1: "/usr/bin/rrsync -ro /var/bigbluebutton",  # rsync 3.2.7: its own rrsync
          OLD2: "/usr/local/lib/bbb-migration/rsync-sender-readonly /var/bigbluebutton"}  # no rrsync here
SSH = f"ssh -i {KEY} -o BatchMode=yes -o UserKnownHostsFile=/var/lib/bbb-migration/recordings/known_hosts"


@pytest.mark.parametrize("source", SOURCES)
def test_the_key_is_authorised_read_only_for_rsync_of_the_tree(source):
    line = sh(source, "grep bbbmig-recordings@ /root/.ssh/authorized_keys")
    assert line.startswith('restrict,from="')
    assert f'command="{FORCED[source]}"' in line


def test_the_roles_forced_command_is_installed_only_where_rrsync_is_missing():
    script = "/usr/local/lib/bbb-migration/rsync-sender-readonly"
    assert sh(OLD2, f"stat -c '%U %G %a' {script}").strip() == "root root 755"
    shipped = (Path(__file__).resolve().parents[3] / "files/rsync-sender-readonly").read_bytes()
    assert sh(OLD2, f"sha256sum <{script}").split()[0] == hashlib.sha256(shipped).hexdigest()
    assert sh(OLD1, f"ls {script} 2>/dev/null || true") == ""


@pytest.mark.parametrize("source", SOURCES)
def test_the_key_refuses_a_shell_and_a_write(source):
    shell = sh(NEW, f"{SSH} root@{source} id; echo rc=$?", check=False)
    assert "uid=" not in shell and "rc=0" not in shell, shell
    write = sh(NEW, f"rsync -e '{SSH}' /etc/hostname root@{source}:written-by-target 2>&1; echo rc=$?", check=False)
    assert "read-only" in write and "rc=0" not in write, write
    assert sh(source, "find / -xdev -name written-by-target 2>/dev/null | head -1", check=False) == ""


# Commands sent with the migration key as they are, each refused by the role's forced command.
REFUSED = {
    "another command": "id",
    "a write (no --sender)": "rsync --server -logDtpre.iLsfxCIvu . written-by-target",
    "a read outside the tree": "rsync --server --sender -logDtpre.iLsfxCIvu . /etc/",
    "a read through .. out of the tree": "rsync --server --sender -logDtpre.iLsfxCIvu . published/../../../etc/",
    "a deleting read": "rsync --server --sender -logDtpre.iLsfxCIvu --remove-source-files . published/",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_without_rrsync_the_key_refuses_anything_but_a_read_of_the_tree(case):
    out = sh(NEW, f"{SSH} root@{OLD2} '{REFUSED[case]}' </dev/null 2>&1; echo rc=$?", check=False)
    assert "rsync-sender-readonly: refused:" in out and out.rstrip().endswith("rc=1"), out
    assert "uid=" not in out and "root:" not in out, out


@pytest.mark.parametrize("source", SOURCES)
def test_the_key_reads_the_tree_and_nothing_outside_it(source):
    sh(NEW, "rm -rf /root/read-test && mkdir /root/read-test")
    try:
        good = sh(NEW, f"rsync -r -e '{SSH}' root@{source}:published/presentation/ /root/read-test/ 2>&1; echo rc=$?",
                  check=False)
        assert good.rstrip().endswith("rc=0"), good
        got = sh(NEW, "cd /root/read-test && find . -type f | sort")
        assert got and got == sh(source, f"cd {TREE}/published/presentation && find . -type f | sort")
        outside = sh(NEW, f"rsync -r -e '{SSH}' root@{source}:/etc/passwd /root/read-test/ 2>&1; echo rc=$?",
                     check=False)
        assert not outside.rstrip().endswith("rc=0"), outside
        assert sh(NEW, "ls /root/read-test/passwd 2>/dev/null || true") == ""
    finally:
        sh(NEW, "rm -rf /root/read-test")


def test_each_stream_logged_and_the_summary_comes_from_rsync():
    logs = sh(NEW, "ls /var/log/bbb-migration/recordings").split()
    assert {f"{s}-{k}.log" for s in SOURCES for k in (1, 2, 3)} <= set(logs)
    assert "Number of regular files transferred" in sh(NEW, f"cat /var/log/bbb-migration/recordings/{OLD1}-1.log")
    res = result()
    assert res["recordings"] == 37 and res["verified"] is True and res["verify"] == "full"
    copy = res["copy"]
    # 3 streams a source, one metadata stream and one status stream a source, all finished.
    assert copy["streams"] == 10 and copy["failed_streams"] == []
    assert sorted(s["stream"] for s in copy["per_stream"] if s["rc"] == 0) == sorted(
        [f"{s}-{k}" for s in SOURCES for k in (1, 2, 3)] + [f"{s}-{kind}" for s in SOURCES for kind in ("metadata", "status")])
    # The status markers came after every content stream had finished.
    status = sh(NEW, f"grep -h -- '^--- .* start: .*-status' /var/log/bbb-migration/recordings/{OLD1}-status.log | tail -1")
    content = sh(NEW, f"grep -h -- '^--- .* end: ' /var/log/bbb-migration/recordings/{OLD1}-[123].log"
                      f" /var/log/bbb-migration/recordings/{OLD2}-[123].log | sort | tail -1")
    assert content and status and content.split()[1] <= status.split()[1], (content, status)
    # rsync's own figures: every file of the 37 recordings listed, at most all of them moved.
    assert copy["files"] > 1000 and 0 <= copy["files_transferred"] <= copy["files"]
    assert 0 <= copy["bytes_transferred"] <= copy["bytes"]


def test_raw_data_at_risk_from_bbb_cron_is_reported():
    res = result()
    assert res["published_days"] == 14
    assert res["raw_at_risk"] > 0
