#!/usr/bin/env python3
"""Lay out N realistic BigBlueButton recordings under a root, deterministically.

Standard library only, so it can be copied to a host and run there (the
recordings_sync scenario, its benchmark and the end-to-end lab use it).

    bbb_recordings.py --root /var/bigbluebutton --count 40 --seed 1 \
        --host bbb.old-coop.example --total-size 30M [--processing 2] [--owner bigbluebutton] \
        [--meeting-ids FILE]

Layout (as BBB writes it): recording/raw/<id>/ (events.xml, audio, webcams,
slides), recording/status/{recorded,archived,sanity,processed,published}/<id>*.done,
published/<format>/<id>/ with one metadata.xml per format linking to
https://<host>/... and naming the meeting (its own, or one of --meeting-ids), some recordings unpublished, some with captions, and the
last --processing recordings still being processed (raw and status only).
Sizes: many small slide, thumbnail and SVG files, a few large webm files; the
total is close to --total-size. The same arguments give the same bytes, names
and modification times; a file already present with the right size and mtime
is left alone, so a second run is fast.
"""
import argparse
import hashlib
import os
import pwd
import random
import sys

FORMATS = ("presentation", "video", "podcast", "screenshare", "notes")
EPOCH0 = 1_600_000_000  # recordings start after 2020-09-13, one every ~6 hours
SMALL_PER_RECORDING = 420_000


def parse_size(text):
    """'1.4G' -> bytes (K, M, G are binary multiples)."""
    text = text.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * mult)


def meeting_id(seed, index, meeting_ids=()):
    """The external meeting id a recording was made in: one of ``meeting_ids`` (rooms of a
    Greenlight dataset) in turn, else one of its own."""
    return meeting_ids[index % len(meeting_ids)] if meeting_ids else f"meeting-{seed}-{index}"


def record_id(seed, index, meeting_ids=()):
    """A BBB record id: sha1 of the external meeting id, '-', 13-digit epoch ms."""
    meeting = hashlib.sha1(meeting_id(seed, index, meeting_ids).encode()).hexdigest()
    return f"{meeting}-{(EPOCH0 + index * 21600 + seed * 7) * 1000:013d}"


def link_xml(host, rid, fmt, inline):
    if fmt == "presentation":
        url = f"https://{host}/playback/presentation/2.3/{rid}"
    else:
        url = f"https://{host}/playback/{fmt}/{rid}/"
    return f"<link>{url}</link>" if inline else f"<link>\n          {url}\n        </link>"


def metadata_xml(host, rid, fmt, state, pres, inline, start_ms, meeting):
    """metadata.xml as BBB's publish scripts write it (presentation has preview images)."""
    preview = ""
    if fmt == "presentation":
        images = "".join(
            f'\n              <image width="176" height="136" alt="Slide {n}">'
            f"https://{host}/presentation/{rid}/presentation/{pres}/thumbnails/thumb-{n}.png</image>"
            for n in (1, 2, 3))
        preview = f"\n      <extensions>\n        <preview>\n          <images>{images}\n          </images>\n        </preview>\n      </extensions>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<recording>\n  <id>{rid}</id>\n  <state>{state}</state>\n"
        f"  <published>{'true' if state == 'published' else 'false'}</published>\n"
        f"  <start_time>{start_ms}</start_time>\n  <end_time>{start_ms + 3_600_000}</end_time>\n"
        f"  <participants>4</participants>\n  <meta>\n    <meetingId>{meeting}</meetingId>\n"
        f"    <meetingName>Assembly {rid[:6]}</meetingName>\n"
        f"    <isBreakout>false</isBreakout>\n    <bbb-origin-server-name>greenlight.{host.split('.', 1)[-1]}</bbb-origin-server-name>\n"
        f"  </meta>\n  <playback>\n    <format>{fmt}</format>\n    {link_xml(host, rid, fmt, inline)}\n"
        f"    <processing_time>51000</processing_time>\n    <duration>3540000</duration>{preview}\n"
        "  </playback>\n</recording>\n")


def events_xml(rid, rng, size):
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<recording meeting_id="{rid}" bbb_version="2.7.3">\n'
    lines = []
    total = len(head)
    n = 0
    while total < size:
        line = f'  <event timestamp="{n * 1000}" module="PRESENTATION" eventname="GotoSlideEvent"><slide>{rng.randint(0, 40)}</slide></event>\n'
        lines.append(line)
        total += len(line)
        n += 1
    return head + "".join(lines) + "</recording>\n"


class Writer:
    """Writes files deterministically, skipping those already right."""

    def __init__(self, root, owner):
        self.root = root
        self.uid = self.gid = None
        if owner:
            entry = pwd.getpwnam(owner)
            self.uid, self.gid = entry.pw_uid, entry.pw_gid
        self.files = 0
        self.bytes = 0

    def _own(self, path):
        if self.uid is not None:
            os.chown(path, self.uid, self.gid)

    def mkdir(self, rel):
        path = os.path.join(self.root, rel)
        os.makedirs(path, mode=0o755, exist_ok=True)
        parts = rel.split("/")
        for i in range(1, len(parts) + 1):
            self._own(os.path.join(self.root, *parts[:i]))

    def write(self, rel, data, mtime):
        """Write ``data`` (bytes or a callable(size)->iterable of bytes with a size) at ``rel``."""
        path = os.path.join(self.root, rel)
        self.mkdir(os.path.dirname(rel))
        size = len(data) if isinstance(data, bytes) else data[0]
        self.files += 1
        self.bytes += size
        try:
            st = os.stat(path)
            if st.st_size == size and int(st.st_mtime) == mtime:
                return
        except FileNotFoundError:
            pass
        with open(path, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                for chunk in data[1]():
                    handle.write(chunk)
        os.chmod(path, 0o644)
        self._own(path)
        os.utime(path, (mtime, mtime))


def blob(rng, size):
    """(size, generator) of deterministic incompressible bytes (like media)."""
    seed = rng.getrandbits(64)

    def chunks():
        local = random.Random(seed)
        left = size
        while left > 0:
            n = min(left, 1 << 20)
            yield local.randbytes(n)
            left -= n
    return (size, chunks)


def small(rng, size):
    return rng.randbytes(size)


def recording(w, args, index, budget, rng):
    """Write one recording; ``budget`` is its share of large media bytes."""
    rid = record_id(args.seed, index, args.meeting_ids)
    start = EPOCH0 + index * 21600 + args.seed * 7
    t = start + 3700
    pres = hashlib.sha1(f"pres-{rid}".encode()).hexdigest() + f"-{start * 1000 + 1:013d}"
    processing = index >= args.first + args.count - args.processing
    raw = f"recording/raw/{rid}"
    w.write(f"{raw}/events.xml", events_xml(rid, rng, rng.randint(10_000, 60_000)).encode(), t)
    w.write(f"{raw}/audio/{rid}-{rng.randint(1000, 9999)}.opus", blob(rng, budget * 15 // 100), t)
    w.write(f"{raw}/video/{rid}/640x480-{rid}-{start}.webm", blob(rng, budget * 25 // 100), t)
    slides = rng.randint(4, 10)
    w.write(f"{raw}/presentation/{pres}/{pres}.pdf", small(rng, rng.randint(20_000, 60_000)), t)
    status = "recording/status"
    w.write(f"{status}/recorded/{rid}.done", b"", t)
    w.write(f"{status}/archived/{rid}.done", b"", t + 60)
    if processing:
        return "processing"
    w.write(f"{status}/sanity/{rid}.done", b"", t + 120)
    state = "unpublished" if index % 9 == 4 else "published"
    formats = ["presentation"] + [f for f in FORMATS[1:] if rng.random() < 0.3]
    for fmt in formats:
        base = f"{state}/{fmt}/{rid}"
        inline = rng.random() < 0.5
        meta = metadata_xml(args.host, rid, fmt, state, pres, inline, start * 1000,
                            meeting_id(args.seed, index, args.meeting_ids))
        w.write(f"{status}/processed/{rid}-{fmt}.done", b"", t + 600)
        w.write(f"{status}/published/{rid}-{fmt}.done", b"", t + 660)
        if fmt == "presentation":
            for n in range(1, slides + 1):
                w.write(f"{base}/presentation/{pres}/slide-{n}.png", small(rng, rng.randint(10_000, 40_000)), t + 300)
                w.write(f"{base}/presentation/{pres}/thumbnails/thumb-{n}.png", small(rng, rng.randint(3_000, 9_000)), t + 300)
                w.write(f"{base}/presentation/{pres}/svgs/slide{n}.svg", small(rng, rng.randint(1_000, 6_000)), t + 300)
            for name in ("shapes.svg", "cursor.xml", "panzooms.xml", "deskshare.xml", "presentation_text.json", "captions.json"):
                w.write(f"{base}/{name}", small(rng, rng.randint(500, 40_000)), t + 300)
            w.write(f"{base}/video/webcams.webm", blob(rng, budget * 35 // 100), t + 400)
            if rng.random() < 0.5:
                w.write(f"{base}/deskshare/deskshare.webm", blob(rng, budget * 10 // 100), t + 400)
        elif fmt == "video":
            w.write(f"{base}/video-0.m4v", blob(rng, budget * 8 // 100), t + 500)
        elif fmt == "podcast":
            w.write(f"{base}/audio.ogg", blob(rng, budget * 3 // 100), t + 500)
        elif fmt == "screenshare":
            w.write(f"{base}/screenshare.webm", blob(rng, budget * 4 // 100), t + 500)
        else:
            w.write(f"{base}/notes.pdf", small(rng, rng.randint(10_000, 60_000)), t + 500)
        w.write(f"{base}/metadata.xml", meta.encode(), t + 700)
    if index % 7 == 3:
        w.write(f"captions/{rid}/en-US.vtt", small(rng, rng.randint(2_000, 20_000)), t + 800)
    # Directories carry the recording's times too (BBB's cron looks at them).
    for top in [raw] + [f"{state}/{fmt}/{rid}" for fmt in formats]:
        for current, _dirs, _files in os.walk(os.path.join(w.root, top), topdown=False):
            os.utime(current, (t + 900, t + 900))
    return state


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--first", type=int, default=0, help="index of the first recording (to lay out a disjoint set)")
    parser.add_argument("--host", required=True, help="public hostname the metadata.xml links point at")
    parser.add_argument("--total-size", default="30M", help="approximate total bytes, e.g. 30M, 1.4G")
    parser.add_argument("--processing", type=int, default=0, help="how many of the last recordings are still processing")
    parser.add_argument("--owner", default="", help="system user to own the tree (e.g. bigbluebutton)")
    parser.add_argument("--meeting-ids", dest="meeting_ids_file", default="",
                        help="file of external meeting ids (one a line), e.g. rooms of a Greenlight dataset, recorded in in turn")
    args = parser.parse_args(argv)
    args.meeting_ids = []
    if args.meeting_ids_file:
        with open(args.meeting_ids_file, encoding="utf-8") as handle:
            args.meeting_ids = [line.strip() for line in handle if line.strip()]
    total = parse_size(args.total_size)
    # Small files take about SMALL_PER_RECORDING bytes a recording; the rest is
    # media, unevenly spread (about 80 % of a recording's budget is written).
    # A recording's bytes depend only on (seed, index, total / count), so the
    # same recording can be laid out again alone (an identical copy on a second node).
    media = max(total // max(args.count, 1) - SMALL_PER_RECORDING, 1_000) * 5 // 4
    w = Writer(args.root, args.owner)
    states = {}
    for n in range(args.first, args.first + args.count):
        weight = random.Random(f"w-{args.seed}-{n}").uniform(0.2, 3.0)
        budget = int(media * weight / 1.6)
        state = recording(w, args, n, budget, random.Random(f"{args.seed}-{n}"))
        states[state] = states.get(state, 0) + 1
    w.mkdir("recording/status/published")
    print(f"{args.count} recordings ({', '.join(f'{v} {k}' for k, v in sorted(states.items()))}), "
          f"{w.files} files, {w.bytes} bytes under {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
