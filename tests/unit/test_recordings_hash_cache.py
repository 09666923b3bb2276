"""The manifest's hash cache (library/bbb_recordings_manifest.py): a file whose key (device, inode,
size, mtime_ns, ctime_ns) is unchanged is not read again; any change of the key re-hashes it; a
cache that cannot be trusted is ignored, never believed."""
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import bbb_recordings_manifest as manifest_mod

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / "tests/generators/bbb_recordings.py"
FORMATS = ["presentation", "video", "podcast", "screenshare", "notes"]
OLD = time.time() - 3600  # older than the racy window: cacheable


@pytest.fixture()
def tree(tmp_path):
    root = tmp_path / "bbb"
    subprocess.run([sys.executable, str(GENERATOR), "--root", str(root), "--count", "6", "--seed", "5",
                    "--host", "bbb.coop.test", "--total-size", "1M"], check=True)
    return root


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    """Files written by the test are seconds old; the racy rule is tested on its own below."""
    monkeypatch.setattr(manifest_mod, "RACY_NS", -10**12)


def full(root, cache_path, **kw):
    cache = manifest_mod.HashCache(str(cache_path)).load()
    result = manifest_mod.build(str(root), "full", FORMATS, detail=True, cache=cache, **kw)
    cache.save()
    return result, cache


def sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def some_file(root):
    return sorted((root / "recording/raw").glob("*/events.xml"))[0]


def count_opens(monkeypatch):
    """Count the files the manifest opens to hash."""
    opened = []
    real = manifest_mod._hash_open

    def spy(path):
        opened.append(path)
        return real(path)
    monkeypatch.setattr(manifest_mod, "_hash_open", spy)
    return opened


def test_first_pass_hashes_all_second_takes_every_hash_from_the_cache(tree, tmp_path, monkeypatch):
    cache_path = tmp_path / "state/cache.json"
    first, c1 = full(tree, cache_path)
    files = sum(r["files"] for r in first["recordings"].values())
    assert files > 20 and (c1.hashed, c1.cached) == (files, 0)
    assert oct(cache_path.stat().st_mode & 0o777) == "0o600"
    opened = count_opens(monkeypatch)
    second, c2 = full(tree, cache_path)
    assert (c2.hashed, c2.cached, opened) == (0, files, [])
    assert (second["hashed"], second["cached"]) == (0, files)
    assert {r: v["digest"] for r, v in second["recordings"].items()} == \
        {r: v["digest"] for r, v in first["recordings"].items()}


def test_an_unchanged_key_needs_no_read_of_the_file(tree, tmp_path, monkeypatch):
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)
    expected = sha(target)
    real = manifest_mod._hash_open

    def refuse(path):
        if path == str(target):
            raise AssertionError("the file was read although its key is unchanged")
        return real(path)
    monkeypatch.setattr(manifest_mod, "_hash_open", refuse)
    result, cache = full(tree, cache_path)
    rel = str(target.relative_to(tree))
    assert result["files"][rel.split("/")[2]][rel][2] == expected and cache.hashed == 0
    # Without the cache the same walk reads it (the spy is live).
    with pytest.raises(AssertionError, match="was read"):
        full(tree, tmp_path / "fresh.json")


@pytest.mark.parametrize("change", ["size", "mtime", "ctime", "inode"])
def test_any_change_of_the_key_rehashes_the_file(tree, tmp_path, monkeypatch, change):
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)
    st = target.stat()
    data = target.read_bytes()
    if change == "size":
        target.write_bytes(data + b"<!-- appended -->\n")
    elif change == "mtime":
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    elif change == "ctime":
        # Same size, same mtime, one byte different: only ctime tells (the kernel sets it on write).
        target.write_bytes(data[:-2] + (b"Y\n" if data[-2:] != b"Y\n" else b"Z\n"))
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    else:
        replacement = target.with_name("events.xml.new")
        replacement.write_bytes(data)
        os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.rename(replacement, target)
    opened = count_opens(monkeypatch)
    result, cache = full(tree, cache_path)
    assert opened == [str(target)] and cache.hashed == 1
    rel = str(target.relative_to(tree))
    assert result["files"][rel.split("/")[2]][rel][2] == sha(target)


def test_a_file_changed_just_before_its_hash_is_not_cached(tree, tmp_path, monkeypatch):
    monkeypatch.setattr(manifest_mod, "RACY_NS", 2 * 10**9)
    cache_path = tmp_path / "cache.json"
    for path in tree.rglob("*"):
        if path.is_file():
            os.utime(path, (OLD, OLD))
    # ctime cannot be set back: every generated file is seconds old, so nothing is cached yet.
    _, first = full(tree, cache_path)
    assert first.hashed > 0 and first.entries == {}
    _, second = full(tree, cache_path)
    assert second.cached == 0


def test_entries_of_vanished_paths_are_dropped(tree, tmp_path):
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)
    assert str(target) in json.loads(cache_path.read_text())["entries"]
    target.unlink()
    full(tree, cache_path, ids=[str(target).split("/")[-2]])
    assert str(target) not in json.loads(cache_path.read_text())["entries"]
    # Entries outside this walk (ids filter) whose files still exist are kept.
    assert len(json.loads(cache_path.read_text())["entries"]) > 20


def tamper(cache_path, fn):
    data = json.loads(cache_path.read_text())
    fn(data)
    cache_path.write_text(json.dumps(data))
    os.chmod(cache_path, 0o600)


def lie_about(path):
    """Make the cache claim a wrong hash for ``path``: a cache believed blindly would report it."""
    def fn(data):
        data["entries"][str(path)][5] = "0" * 64
    return fn


@pytest.mark.parametrize("damage", ["not json", "other format", "other version", "other machine", "group readable",
                                    "symlink", "entries not a dict"])
def test_a_cache_that_cannot_be_trusted_is_ignored_whole(tree, tmp_path, monkeypatch, damage):
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)
    tamper(cache_path, lie_about(target))
    if damage == "not json":
        cache_path.write_bytes(cache_path.read_bytes()[:-40])
    elif damage == "other format":
        tamper(cache_path, lambda d: d.update(format="something-else"))
    elif damage == "other version":
        tamper(cache_path, lambda d: d.update(version=99))
    elif damage == "other machine":
        tamper(cache_path, lambda d: d.update(machine_id="f" * 32))
    elif damage == "group readable":
        os.chmod(cache_path, 0o640)
    elif damage == "symlink":
        real = tmp_path / "elsewhere.json"
        cache_path.rename(real)
        cache_path.symlink_to(real)
    else:
        tamper(cache_path, lambda d: d.update(entries=[1, 2]))
    opened = count_opens(monkeypatch)
    result, cache = full(tree, cache_path)
    assert cache.ignored and result["cache_ignored"] == cache.ignored
    assert cache.cached == 0 and len(opened) == cache.hashed > 20
    rel = str(target.relative_to(tree))
    assert result["files"][rel.split("/")[2]][rel][2] == sha(target)
    # It was replaced by a trustworthy one.
    assert not cache_path.is_symlink() and oct(cache_path.stat().st_mode & 0o777) == "0o600"
    assert full(tree, cache_path)[1].ignored is None


def test_malformed_entries_are_dropped_one_by_one(tree, tmp_path):
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)

    def fn(data):
        data["entries"][str(target)][5] = "not a hash"
        data["entries"]["relative/path"] = data["entries"].pop(next(iter(data["entries"])))
    tamper(cache_path, fn)
    result, cache = full(tree, cache_path)
    assert cache.ignored is None and cache.hashed == 2
    rel = str(target.relative_to(tree))
    assert result["files"][rel.split("/")[2]][rel][2] == sha(target)


def test_the_cache_is_only_used_in_full_mode_and_changes_no_digest(tree, tmp_path):
    plain = manifest_mod.build(str(tree), "full", FORMATS)
    cached, _ = full(tree, tmp_path / "c.json")
    again, _ = full(tree, tmp_path / "c.json")
    digests = [{r: v["digest"] for r, v in m["recordings"].items()} for m in (plain, cached, again)]
    assert digests[0] == digests[1] == digests[2]
    assert plain["hashed"] == sum(r["files"] for r in plain["recordings"].values()) and plain["cached"] == 0


def test_a_cache_inside_a_tree_is_recognised(tmp_path):
    assert manifest_mod.inside(str(tmp_path / "t/x.json"), str(tmp_path / "t"))
    assert not manifest_mod.inside(str(tmp_path / "t2/x.json"), str(tmp_path / "t"))


@pytest.mark.parametrize("field", ["st_dev", "st_ino", "st_size", "st_mtime_ns", "st_ctime_ns"])
def test_each_part_of_the_key_alone_forces_a_new_hash(tree, tmp_path, monkeypatch, field):
    """The filesystem changes ctime with everything else; here each part of the key differs alone."""
    cache_path = tmp_path / "cache.json"
    full(tree, cache_path)
    target = some_file(tree)
    st = target.stat()
    fake = SimpleNamespace(**{f: getattr(st, f) for f in ("st_dev", "st_ino", "st_size", "st_mtime_ns",
                                                             "st_ctime_ns")})
    cache = manifest_mod.HashCache(str(cache_path)).load()
    opened = count_opens(monkeypatch)
    assert cache.sha256(str(target), fake) == sha(target) and opened == []
    setattr(fake, field, getattr(fake, field) + 1)
    assert cache.sha256(str(target), fake) == sha(target) and opened == [str(target)]
