"""bbb_recordings_metadata: the host of every URL on an old host is rewritten, wherever BBB (or
anyone) put it in metadata.xml, and nothing else changes by a single byte."""
import xml.etree.ElementTree as ET

import pytest

from bbb_recordings_metadata import old_hostnames_in, rewrite_metadata

OLD, NEW = "bbb.coop.test", "bbb.newcoop.test"


def doc(body, head='<?xml version="1.0" encoding="UTF-8"?>\n'):
    return f"{head}<recording>\n  <id>r1</id>\n{body}\n</recording>\n"


# (case, metadata body, what the body must become)
CASES = [
    ("presentation link, inline", "<playback><format>presentation</format>"
     "<link>https://bbb.coop.test/playback/presentation/2.3/r1</link></playback>",
     "<playback><format>presentation</format>"
     "<link>https://bbb.newcoop.test/playback/presentation/2.3/r1</link></playback>"),
    ("link on its own line", "<link>\n          https://bbb.coop.test/podcast/r1/\n        </link>",
     "<link>\n          https://bbb.newcoop.test/podcast/r1/\n        </link>"),
    ("preview image with attributes kept in their order and quotes",
     "<preview><images><image width='176' height=\"136\" alt=\"Slide 1\">"
     "https://bbb.coop.test/presentation/r1/thumbnails/thumb-1.png</image></images></preview>",
     "<preview><images><image width='176' height=\"136\" alt=\"Slide 1\">"
     "https://bbb.newcoop.test/presentation/r1/thumbnails/thumb-1.png</image></images></preview>"),
    ("notes, screenshare, video formats", "<notes>https://bbb.coop.test/notes/r1/notes.pdf</notes>"
     "<screenshare><url>https://bbb.coop.test/recording/screenshare/r1/deskshare.webm</url></screenshare>"
     "<video>https://bbb.coop.test/playback/video/r1/video-0.m4v</video>",
     "<notes>https://bbb.newcoop.test/notes/r1/notes.pdf</notes>"
     "<screenshare><url>https://bbb.newcoop.test/recording/screenshare/r1/deskshare.webm</url></screenshare>"
     "<video>https://bbb.newcoop.test/playback/video/r1/video-0.m4v</video>"),
    ("download element and unknown custom element",
     "<download><link>http://bbb.coop.test/download/r1.mp4</link></download><x-custom>https://bbb.coop.test/</x-custom>",
     "<download><link>http://bbb.newcoop.test/download/r1.mp4</link></download><x-custom>https://bbb.newcoop.test/</x-custom>"),
    ("attributes href and src, empty element kept as written",
     '<thing href="https://bbb.coop.test/a" src=\'//bbb.coop.test/b.png\' title="bbb.coop.test" />',
     '<thing href="https://bbb.newcoop.test/a" src=\'//bbb.newcoop.test/b.png\' title="bbb.newcoop.test" />'),
    ("CDATA section stays CDATA", "<description><![CDATA[See <b>https://bbb.coop.test/x?a=1&b=2</b>]]></description>",
     "<description><![CDATA[See <b>https://bbb.newcoop.test/x?a=1&b=2</b>]]></description>"),
    ("port, path, query, fragment, user info and escaped ampersand kept",
     "<link>https://viewer@BBB.Coop.Test:8443/playback/?meetingId=r1&amp;x=%20#t=10</link>",
     "<link>https://viewer@bbb.newcoop.test:8443/playback/?meetingId=r1&amp;x=%20#t=10</link>"),
    ("URL inside free text, other hosts untouched",
     "<meta><meetingName>Slides at https://bbb.coop.test/s and https://cdn.example.org/s</meetingName></meta>",
     "<meta><meetingName>Slides at https://bbb.newcoop.test/s and https://cdn.example.org/s</meetingName></meta>"),
    ("a bare server name element", "<meta><bbb-origin-server-name> bbb.coop.test </bbb-origin-server-name></meta>",
     "<meta><bbb-origin-server-name> bbb.newcoop.test </bbb-origin-server-name></meta>"),
    ("a host that only starts with the old one is another host",
     "<link>https://bbb.coop.test.evil/x</link><image>https://bbb.coop.testing/y</image>"
     "<link>https://evil-bbb.coop.test/z</link><link>https://x.bbb.coop.test/w</link>",
     None),
    ("the old host in a path or query is not a host",
     "<link>https://cdn.example.org/bbb.coop.test/x?h=bbb.coop.test.evil</link>", None),
    ("a comment is kept as it is", "<!-- no URL here -->\n  <state>published</state>", None),
]


@pytest.mark.parametrize("case,body,expected", CASES, ids=[c[0] for c in CASES])
def test_every_url_on_an_old_host_is_rewritten_and_nothing_else(case, body, expected):
    original = doc(body)
    out = rewrite_metadata(original, [OLD], NEW)
    assert out == doc(body if expected is None else expected)
    ET.fromstring(out.encode())
    if expected is None:
        assert out is original  # nothing to do: the very same text, the file is not written


def test_byte_identical_outside_the_host_names():
    original = doc("<meta a = 'x'   b=\"y\"><k>&#233;t&#xE9; &lt;&gt;</k></meta>\n\t<playback>\r\n"
                   "<link>https://bbb.coop.test/p</link>\n<image>https://de.coop.test/i</image></playback>",
                   head="<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\r\n<!DOCTYPE recording>\n")
    out = rewrite_metadata(original, [OLD, "de.coop.test"], NEW)
    assert out == original.replace(OLD, NEW).replace("de.coop.test", NEW)


def test_several_old_hosts_and_idempotence():
    original = doc("<link>https://ca.coop.test/a</link><link>https://de.coop.test/b</link>")
    once = rewrite_metadata(original, ["ca.coop.test", "de.coop.test"], NEW)
    assert once.count(NEW) == 2 and old_hostnames_in(once, ["ca.coop.test", "de.coop.test"]) == []
    assert rewrite_metadata(once, ["ca.coop.test", "de.coop.test"], NEW) is once


@pytest.mark.parametrize("text,found", [
    (doc("<link>https://bbb.coop.test/a</link>"), [OLD]),
    (doc("<!-- served from bbb.coop.test -->"), [OLD]),               # a comment still counts
    (doc("<x>mail admin@BBB.COOP.TEST.</x>"), [OLD]),                # case and a full stop after it
    (doc("<x>https://bbb&#46;coop&#46;test/a</x>"), [OLD]),          # written with character references
    (doc("<x>https://bbb.coop.test.evil/a https://x.bbb.coop.test/b</x>"), []),
    (doc("<x>https://bbb.coop.testing/a</x>"), []),
])
def test_an_old_host_left_anywhere_is_found_as_a_whole_name(text, found):
    assert old_hostnames_in(text, [OLD]) == found


def test_a_rewrite_leaves_no_old_host_and_a_left_one_is_still_reported():
    # A comment is not rewritten: the check after the rewrite still finds it, so the run fails.
    text = doc("<!-- bbb.coop.test --><link>https://bbb.coop.test/a</link>")
    assert old_hostnames_in(rewrite_metadata(text, [OLD], NEW), [OLD]) == [OLD]


def test_broken_xml_is_refused_before_any_rewrite():
    with pytest.raises(ET.ParseError):
        rewrite_metadata(doc("<link>https://bbb.coop.test/x</lnk>"), [OLD], NEW)
