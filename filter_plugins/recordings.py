"""Filters for the recordings_sync role: streams, rsync statistics, manifests.

Pure functions over plain data; the role's tasks do the I/O.
"""
import re

STAT_FIELDS = {
    "Number of files": "files",
    "Number of created files": "created",
    "Number of deleted files": "deleted",
    "Number of regular files transferred": "transferred",
    "Total file size": "total_size",
    "Total transferred file size": "transferred_size",
    "Literal data": "literal_data",
    "Matched data": "matched_data",
    "Total bytes sent": "bytes_sent",
    "Total bytes received": "bytes_received",
}
STREAM_HEADER = re.compile(r"^=== stream (\S+) source (\S+) rc (\d+) seconds (\d+(?:\.\d+)?)\s*$")


def recordings_map_problems(mapping, sources, targets, name="recordings_sync_map"):
    """Messages for a {target: [sources]} map (the input ``name``) naming hosts outside
    source_bbb / target_bbb, so that a typo fails before anything changes."""
    problems = []
    for target, feeding in sorted((mapping or {}).items()):
        if target not in targets:
            problems.append(f"{name} names target {target}, which is not in target_bbb")
        unknown = [s for s in feeding or [] if s not in sources]
        if unknown:
            problems.append(f"{name} for {target} names {', '.join(unknown)}, not in source_bbb")
    return problems


def recordings_sources_for(target, sources, mapping):
    """The sources that feed ``target``: the map's entry, or every source when the map is empty."""
    if not mapping:
        return list(sources)
    return [s for s in mapping.get(target, []) or [] if s in sources]


def recordings_feeds(mapping, sources, targets):
    """{target: [sources that feed it]} for every target (see recordings_sources_for)."""
    return {target: recordings_sources_for(target, sources, mapping) for target in targets}


def recordings_streams(recordings, count):
    """Split record ids into ``count`` streams, balanced by bytes.

    ``recordings`` maps record id -> {"bytes": n, ...} (or -> n). Largest first,
    each to the stream holding the fewest bytes so far (lowest index on ties),
    so the split is deterministic and every id is in exactly one stream.
    Returns a list of ``count`` sorted id lists (empty streams are kept).
    """
    count = max(int(count), 1)
    sizes = {rid: int(v["bytes"] if isinstance(v, dict) else v) for rid, v in recordings.items()}
    streams = [[] for _ in range(count)]
    loads = [0] * count
    for rid in sorted(sizes, key=lambda r: (-sizes[r], r)):
        k = min(range(count), key=lambda i: (loads[i], i))
        streams[k].append(rid)
        loads[k] += sizes[rid]
    return [sorted(s) for s in streams]


def recordings_stream_plan(owner, recordings, count):
    """Streams for every source: [{"source", "stream", "name", "ids", "bytes"}].

    ``owner`` maps record id -> the source it is copied from (recordings_merge),
    ``recordings`` record id -> {"bytes", ...}. Each source's ids are split into
    ``count`` streams by recordings_streams; empty streams are left out.
    """
    plan = []
    for source in sorted(set(owner.values())):
        mine = {rid: recordings[rid] for rid, src in owner.items() if src == source}
        for k, ids in enumerate(recordings_streams(mine, count), start=1):
            if ids:
                plan.append({"source": source, "stream": k, "name": f"{source}-{k}", "ids": ids,
                             "bytes": sum(int(recordings[r]["bytes"]) for r in ids)})
    return plan


def recordings_of_source(owner, recordings, source):
    """The part of ``recordings`` (id -> info) copied from ``source`` according to ``owner``."""
    return {rid: recordings[rid] for rid, src in owner.items() if src == source and rid in recordings}


STATUS_PREFIX = "recording/status/"


def recordings_files_from(recordings, ids):
    """The rsync --files-from list (one path a line) of the content of the recordings ``ids``:
    everything but their status files, which live in directories all recordings share
    (see recordings_status_list)."""
    lines = []
    for rid in ids:
        lines.extend(p for p in recordings[rid]["paths"] if not p.startswith(STATUS_PREFIX))
    return "".join(line + "\n" for line in lines)


def recordings_status_list(recordings):
    """The --files-from list of the status files (``recording/status/<state>/<id>*.done``) of
    ``recordings``. They are copied after the content, by one stream at a time: a marker
    then never arrives before its recording, and no two rsyncs share a directory's
    delayed-update holding directory (one rsync removes it when done, under another)."""
    lines = []
    for rid in sorted(recordings):
        lines.extend(p for p in recordings[rid]["paths"] if p.startswith(STATUS_PREFIX))
    return "".join(line + "\n" for line in lines)


def recordings_metadata_list(recordings):
    """The --files-from list of every metadata.xml of ``recordings``."""
    lines = []
    for rid in sorted(recordings):
        lines.extend(recordings[rid].get("metadata", []))
    return "".join(line + "\n" for line in lines)


def _number(text):
    return int(text.replace(",", "").replace(".", "").split()[0])


def rsync_stats(text):
    """Parse the ``--stats`` block of one rsync run into a dict of integers.

    Missing fields are 0; ``created_dirs`` comes from "(reg: N, dir: M)".
    """
    stats = {v: 0 for v in STAT_FIELDS.values()}
    stats["created_dirs"] = 0
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        key = key.strip()
        if not sep or key not in STAT_FIELDS:
            continue
        value = value.strip()
        stats[STAT_FIELDS[key]] = _number(value) if value else 0
        if key == "Number of created files":
            match = re.search(r"dir: ([\d,.]+)", value)
            stats["created_dirs"] = _number(match.group(1)) if match else 0
    return stats


def rsync_streams_output(text):
    """Split the driver's output into streams: [{stream, source, rc, seconds, stats, log}].

    The driver prints ``=== stream <name> source <host> rc <rc> seconds <s>``
    before each stream's rsync output.
    """
    streams, current = [], None
    for line in text.splitlines():
        match = STREAM_HEADER.match(line)
        if match:
            current = {"stream": match.group(1), "source": match.group(2), "rc": int(match.group(3)),
                       "seconds": float(match.group(4)), "lines": []}
            streams.append(current)
        elif current is not None:
            current["lines"].append(line)
    for s in streams:
        s["log"] = "\n".join(s.pop("lines"))
        s["stats"] = rsync_stats(s["log"])
    return streams


def rsync_summary(streams, recordings=0, seconds=None):
    """One summary of several streams: files, bytes, rate, duration, failures.

    ``seconds`` is the wall-clock duration of the run (streams overlap);
    default the longest stream. ``rate`` is bytes transferred a second.
    """
    total = {k: 0 for k in ("files", "transferred", "created", "total_size", "transferred_size",
                            "bytes_sent", "bytes_received")}
    for s in streams:
        for k in total:
            total[k] += s["stats"].get(k, 0)
    if seconds is None:
        seconds = max((s["seconds"] for s in streams), default=0.0)
    seconds = float(seconds)
    return {
        "recordings": int(recordings),
        "streams": len(streams),
        "failed_streams": sorted(s["stream"] for s in streams if s["rc"] != 0),
        "files": total["files"],
        "files_transferred": total["transferred"],
        "created": total["created"],
        "bytes": total["total_size"],
        "bytes_transferred": total["transferred_size"],
        "bytes_on_wire": total["bytes_received"] + total["bytes_sent"],
        "seconds": round(seconds, 2),
        "rate": int(total["transferred_size"] / seconds) if seconds > 0 else 0,
        "per_stream": [{"stream": s["stream"], "source": s["source"], "rc": s["rc"], "seconds": s["seconds"],
                        "files_transferred": s["stats"]["transferred"],
                        "bytes_transferred": s["stats"]["transferred_size"]} for s in streams],
    }


def manifest_diff(source, target):
    """Compare two manifests {record id: {relative path: [size, mtime, hash]}}.

    A file differs when its size differs, or its hash when both sides have
    one, or else its mtime (fast mode). Returns {record id: {"missing": [...],
    "extra": [...], "differ": [...]}} for the recordings that do not match;
    an empty dict means identical.
    """
    problems = {}
    for rid in sorted(set(source) | set(target)):
        src, dst = source.get(rid, {}), target.get(rid, {})
        missing = sorted(set(src) - set(dst))
        extra = sorted(set(dst) - set(src))
        differ = []
        for path in sorted(set(src) & set(dst)):
            a, b = src[path], dst[path]
            if a[0] != b[0]:
                differ.append(path)
            elif len(a) > 2 and len(b) > 2 and a[2] and b[2]:
                if a[2] != b[2]:
                    differ.append(path)
            elif a[1] != b[1]:
                differ.append(path)
        if missing or extra or differ:
            problems[rid] = {"missing": missing, "extra": extra, "differ": differ}
    return problems


def manifest_problems(diff, limit=5):
    """Operator messages for a manifest_diff result, one a recording."""
    messages = []
    for rid, kinds in sorted(diff.items()):
        parts = []
        for kind in ("missing", "extra", "differ"):
            paths = kinds.get(kind, [])
            if paths:
                more = f" (+{len(paths) - limit} more)" if len(paths) > limit else ""
                parts.append(f"{kind}: {', '.join(paths[:limit])}{more}")
        messages.append(f"{rid}: {'; '.join(parts)}")
    return messages


def record_id_collisions(sources):
    """Record ids found on several sources with different content.

    ``sources`` maps source host -> {record id: {"digest": ...}}. Returns one
    message a colliding id, naming the hosts; identical copies are fine.
    """
    seen = {}
    for host in sorted(sources):
        for rid, info in sources[host].items():
            seen.setdefault(rid, []).append((host, info["digest"]))
    messages = []
    for rid in sorted(seen):
        digests = {d for _, d in seen[rid]}
        if len(digests) > 1:
            hosts = " and ".join(h for h, _ in seen[rid])
            messages.append(f"record {rid} exists on {hosts} with different content")
    return messages


def recordings_merge(sources):
    """{source: {id: info}} -> {id: source that feeds it}: the first source (by name) wins.

    Used after record_id_collisions has proved the copies identical, so each
    recording is copied once.
    """
    owner = {}
    for host in sorted(sources):
        for rid in sorted(sources[host]):
            owner.setdefault(rid, host)
    return owner


def recordings_pending(source, target):
    """What a copy would do: recordings and bytes missing or different on the target.

    ``source`` and ``target`` map record id -> {"bytes", "files", "digest"}.
    Returns {"recordings", "files", "bytes", "ids"} of those to (re)copy.
    """
    ids = sorted(rid for rid, info in source.items()
                 if rid not in target or target[rid].get("digest") != info.get("digest"))
    return {
        "recordings": len(ids),
        "files": sum(max(source[r]["files"] - target.get(r, {}).get("files", 0), 0) for r in ids),
        "bytes": sum(max(source[r]["bytes"] - target.get(r, {}).get("bytes", 0), 0) for r in ids),
        "ids": ids,
    }


def raw_retention_risk(recordings, published_days, now):
    """Published recordings whose raw data BBB's cron would delete on the target.

    BBB's daily cron removes ``recording/raw/<id>`` of published recordings
    whose raw directory is older than ``published_days``; copies keep the
    source's times, so old recordings are at risk at once. ``recordings``
    maps id -> {"published": bool, "raw_mtime": epoch or None}. A negative
    ``published_days`` disables the cron's raw cleanup (nothing at risk).
    """
    if published_days is None or int(published_days) < 0:
        return []
    limit = float(now) - int(published_days) * 86400
    return sorted(rid for rid, info in recordings.items()
                  if info.get("published") and info.get("raw_mtime") is not None and info["raw_mtime"] < limit)


def bbb_published_days(texts, default=14):
    """``published_days`` from BBB's cron script and its override file (last assignment wins).

    ``texts`` are file contents in the order the cron reads them
    (/etc/cron.daily/bigbluebutton, then /etc/default/bigbluebutton-cron-config).
    Returns None when no text is given (no BBB cron on the host).
    """
    texts = [t for t in texts if t]
    if not texts:
        return None
    value = default
    for text in texts:
        for line in text.splitlines():
            match = re.match(r"^\s*published_days=\"?(-?\d+)\"?\s*(#.*)?$", line)
            if match:
                value = int(match.group(1))
    return value


class FilterModule:
    """Filters for recordings_sync."""

    def filters(self):
        return {
            "recordings_map_problems": recordings_map_problems,
            "recordings_sources_for": recordings_sources_for,
            "recordings_feeds": recordings_feeds,
            "recordings_status_list": recordings_status_list,
            "recordings_streams": recordings_streams,
            "recordings_stream_plan": recordings_stream_plan,
            "recordings_of_source": recordings_of_source,
            "recordings_files_from": recordings_files_from,
            "recordings_metadata_list": recordings_metadata_list,
            "rsync_stats": rsync_stats,
            "rsync_streams_output": rsync_streams_output,
            "rsync_summary": rsync_summary,
            "manifest_diff": manifest_diff,
            "manifest_problems": manifest_problems,
            "record_id_collisions": record_id_collisions,
            "recordings_merge": recordings_merge,
            "recordings_pending": recordings_pending,
            "raw_retention_risk": raw_retention_risk,
            "bbb_published_days": bbb_published_days,
        }
