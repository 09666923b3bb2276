"""The lab record's report, opened in Debian's headless chromium: it renders, loads nothing
from outside, and each summary figure in the DOM equals the figure computed here from the
record's JSON files (independently of filter_plugins/migration_record.py)."""
import json
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

CONTAINER = "migration_record-controller"
REPORT = "/srv/records/board/report.html"
RECORD = {p.stem: json.loads(p.read_text())
          for p in (Path(__file__).resolve().parents[1] / "files" / "records").glob("*.json")}
# A browser that reaches nothing: every name resolves to nothing, background services off.
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND"]


def in_container(*argv, check=True):
    result = subprocess.run(["docker", "exec", CONTAINER, *argv], capture_output=True, check=False, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"{argv} failed: {result.stderr.decode(errors='replace')[-2000:]}")
    return result.stdout


def expected_figures():
    """The summary's figures, read straight from the record's JSON."""
    final = RECORD["40-cutover"]["data"]["members"]  # the last member sync, at the cutover
    present = {k: v["present"] for k, v in final["verification"].items()}
    targets = RECORD["20-presync"]["data"]["targets"].values()
    skipped = final["skipped"]
    processing = sum(len(ids) for t in targets for ids in t["processing"].values())
    cutover = RECORD["40-cutover"]
    start, end = (int(cutover[k][11:13]) * 3600 + int(cutover[k][14:16]) * 60 + int(cutover[k][17:19])
                  for k in ("started", "finished"))
    return {
        "members_moved": present["users"],
        "rooms_moved": present["rooms"],
        "shares_moved": present["shared_accesses"],
        "greenlight_recordings": present["recordings"],
        "recordings_moved": sum(t["recordings"] for t in targets),
        "recordings_size": sum(t["bytes"] for t in targets),
        "left_behind": sum(sum(skipped[k].values()) for k in ("users", "rooms", "recordings")) + processing,
        "left_behind_members": sum(skipped["users"].values()),
        "left_behind_rooms": sum(skipped["rooms"].values()),
        "left_behind_bbb_recordings": processing,
        "cutover_window": end - start,  # no freeze time recorded: from the phase's start
        "dns_names_switched": len(cutover["data"]["dns"]["changes"]),
        "checks_failed": 0,
        "hosts_decommissioned": 0,
    }


class Figures(HTMLParser):
    """{data-figure: (data-value, text)} and every attribute that could load something."""

    def __init__(self, html):
        super().__init__()
        self.html, self.figures, self.links, self.tags, self.ids, self._open = html, {}, [], set(), set(), []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.add(tag)
        self.ids.add(attrs.get("id"))
        for name in ("src", "href", "xlink:href", "srcset", "poster", "action", "data", "background"):
            if name in attrs:
                self.links.append((tag, name, attrs[name]))
        if "data-figure" in attrs:
            self.figures[attrs["data-figure"]] = [attrs.get("data-value"), ""]
            self._open.append(attrs["data-figure"])
        elif self._open:
            self._open.append(None)

    def handle_endtag(self, tag):
        if self._open:
            self._open.pop()

    def handle_data(self, data):
        for name in self._open:
            if name:
                self.figures[name][1] += data


@pytest.fixture(scope="module")
def dom():
    return Figures(in_container(*CHROMIUM, "--dump-dom", f"file://{REPORT}").decode())


@pytest.fixture(scope="module")
def loaded():
    """One load of the report with a screenshot and a net log: (PNG bytes, page's requests)."""
    requests = page_requests(REPORT, "--screenshot=/tmp/report.png", "--window-size=1280,1600")
    return in_container("cat", "/tmp/report.png"), requests


def test_summary_figures_in_the_dom_equal_the_record(dom):
    expected = expected_figures()
    shown = {name: dom.figures.get(name, [None])[0] for name in expected}
    assert shown == {name: str(value) for name, value in expected.items()}
    # what a reader sees, in words
    assert dom.figures["members_moved"][1] == str(expected["members_moved"])
    assert dom.figures["recordings_size"][1] == f"{expected['recordings_size'] / 1e6:.1f} MB"
    assert dom.figures["cutover_window"][1] == "{}m{:02d}s".format(*divmod(expected["cutover_window"], 60))


def test_the_dom_shows_what_needs_a_human_and_phases_not_run(dom):
    html = dom.html
    raw_at_risk = sum(t["raw_at_risk"] for t in RECORD["20-presync"]["data"]["targets"].values())
    assert f"{raw_at_risk} recordings' raw data" in html
    assert "60-decommission: Old platform retired" in html and "Not run yet." in html
    assert "<svg" in html and "<details>" in html


def png_pixels(data):
    """(width, height, set of distinct colours) of an 8-bit non-interlaced RGB(A) PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, prev, colours = zlib.decompress(b"".join(chunks)), width * bpp, bytearray(width * bpp), set()
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        if y % 4 == 0:
            colours.update(bytes(line[x:x + 3]) for x in range(0, stride, bpp * 2))
        prev = line
    return width, height, colours


def test_the_report_renders_to_a_screenshot_that_is_not_blank(loaded):
    width, height, colours = png_pixels(loaded[0])
    assert (width, height) == (1280, 1600)
    # text, the summary's cards, the green of passed checks...: a blank page has one colour
    assert len(colours) > 20, len(colours)


def page_requests(page, *options):
    """URLs the page itself asked for (not chromium's own background services), from a net log."""
    in_container("rm", "-f", "/tmp/net.json", "/tmp/report.png")
    in_container(*CHROMIUM, "--log-net-log=/tmp/net.json", *(options or ("--dump-dom",)), f"file://{page}")
    log = json.loads(in_container("cat", "/tmp/net.json"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    # a job's start names its URL and who asked: "not an origin" for chromium itself
    return [e["params"]["url"] for e in log["events"]
            if e["type"] == start_job and "initiator" in e.get("params", {})
            and e["params"]["initiator"] != "not an origin"]


def test_the_report_loads_nothing_from_outside(dom, loaded):
    # the detector catches a page that loads an image from elsewhere...
    in_container("sh", "-c", "printf '<p>x</p><img src=\"https://example.org/x.png\">' > /tmp/leaky.html")
    assert "https://example.org/x.png" in page_requests("/tmp/leaky.html")
    # ...and the report asks for nothing but itself
    assert [u for u in loaded[1] if not u.startswith("file:")] == []
    # statically: no element that loads, links only within the document
    assert not dom.tags & {"script", "link", "img", "iframe", "object", "embed", "image", "use"}
    assert [link for link in dom.links if link[1] != "href" or not link[2].startswith("#")] == []
    # and each of them leads somewhere in it
    assert dom.links and [link for link in dom.links if link[2][1:] not in dom.ids] == []
    html = in_container("cat", REPORT).decode()
    assert "@import" not in html and "url(" not in html
