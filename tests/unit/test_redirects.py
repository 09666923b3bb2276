"""filter_plugins/redirects.py: the old-host map checks, the nginx server
blocks and the reference of where each old URL lands."""
import pytest

import redirects as r

REC = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
PATHS = ["/playback/", "/presentation/", "/podcast/", "/video/"]
BOTH = {"old_hostname": "demo.old.example", "greenlight": "gl.new.example", "bbb": "bbb.new.example"}
BBB_ONLY = {"old_hostname": "ca.old.example", "bbb": "bbb.new.example"}
GL_ONLY = {"old_hostname": "gl.old.example", "greenlight": "gl.new.example"}


def test_a_good_map_has_no_problem():
    assert r.redirect_problems([BOTH, BBB_ONLY, GL_ONLY], PATHS) == []


@pytest.mark.parametrize("sites, paths, message", [
    ([], PATHS, "legacy_redirects_sites is empty"),
    ([{"old_hostname": "demo", "bbb": "bbb.new.example"}], PATHS, "old_hostname 'demo' is not a fully qualified"),
    ([{"old_hostname": "x.old.example"}], PATHS, "legacy_redirects_sites[0] (x.old.example): names no new host"),
    ([BOTH, dict(BOTH)], PATHS, "legacy_redirects_sites[1] (demo.old.example): demo.old.example is listed twice"),
    ([{"old_hostname": "a.example", "bbb": "a.example"}], PATHS, "bbb is the old hostname itself"),
    ([{"old_hostname": "a.example", "greenlight": "gl"}], PATHS, "greenlight 'gl' is not a fully qualified"),
    ([BOTH], ["/playback"], "'/playback' must be a path prefix"),
    ([BOTH], ["/"], "'/' must be a path prefix"),
    ([BOTH], ["/a b/"], "'/a b/' must be a path prefix"),
])
def test_each_problem_has_its_message(sites, paths, message):
    problems = r.redirect_problems(sites, paths)
    assert len(problems) == 1 and message in problems[0], problems


def test_server_blocks_order_and_targets():
    (server,) = r.redirect_servers([BOTH], PATHS, 308)
    assert server["name"] == "demo.old.example"
    matches = [loc["match"] for loc in server["locations"]]
    assert matches[0] == "= /playback/presentation/2.0/playback.html"
    assert matches[1:5] == [f"^~ {p}" for p in PATHS]
    assert matches[5].startswith('~ "^/b/(') and matches[6] == '~ "^/b(?:/(.*))?$"' and matches[7] == "/"
    assert server["locations"][5]["lines"] == ["return 308 https://gl.new.example/rooms/$1/join;"]
    assert server["locations"][-1]["lines"] == ["return 308 https://gl.new.example$request_uri;"]
    assert all("308" in line for loc in server["locations"] for line in loc["lines"])


def test_bbb_only_host_has_no_room_rule_and_defaults_to_bbb():
    (server,) = r.redirect_servers([BBB_ONLY], PATHS)
    assert not any("/b" in loc["match"] for loc in server["locations"])
    assert server["locations"][-1]["lines"] == ["return 301 https://bbb.new.example$request_uri;"]


def test_greenlight_only_host_has_no_playback_rule():
    (server,) = r.redirect_servers([GL_ONLY], PATHS)
    assert [loc["match"] for loc in server["locations"]][-1] == "/"
    assert not any("playback" in loc["match"] for loc in server["locations"])


@pytest.mark.parametrize("site, uri, expected", [
    (BOTH, "/b/wou-cyy-wpt", "https://gl.new.example/rooms/wou-cyy-wpt/join"),
    (BOTH, "/b/joh-x7k-2mn-q9r/join?x=1", "https://gl.new.example/rooms/joh-x7k-2mn-q9r/join"),
    (BOTH, "/b/jo--x7k-2mn", "https://gl.new.example/rooms/jo--x7k-2mn/join"),
    (BOTH, "/b/signin?x=1", "https://gl.new.example/signin?x=1"),
    (BOTH, "/b/abc-def", "https://gl.new.example/abc-def"),  # two chunks: not a room uid
    (BOTH, "/b/abc-def-ghi-jkl-mno", "https://gl.new.example/abc-def-ghi-jkl-mno"),  # five: neither
    (BOTH, "/b", "https://gl.new.example/"),
    (BOTH, "/bar", "https://gl.new.example/bar"),
    (BOTH, f"/playback/presentation/2.3/{REC}?t=5", f"https://bbb.new.example/playback/presentation/2.3/{REC}?t=5"),
    (BOTH, f"/playback/presentation/2.0/playback.html?meetingId={REC}",
     f"https://bbb.new.example/playback/presentation/2.3/{REC}"),
    (BOTH, "/playback/presentation/2.0/playback.html?meetingId=x",
     "https://bbb.new.example/playback/presentation/2.0/playback.html?meetingId=x"),
    (BOTH, f"/podcast/{REC}/audio.ogg", f"https://bbb.new.example/podcast/{REC}/audio.ogg"),
    (BOTH, "/", "https://gl.new.example/"),
    (BBB_ONLY, "/b/wou-cyy-wpt", "https://bbb.new.example/b/wou-cyy-wpt"),
    (GL_ONLY, f"/video/{REC}/", f"https://gl.new.example/video/{REC}/"),
])
def test_where_an_old_url_lands(site, uri, expected):
    path, _, query = uri.partition("?")
    assert r.redirect_target(site, path, query, PATHS) == expected


def test_samples_cover_each_host_and_form():
    samples = r.redirect_samples([BOTH, BBB_ONLY], PATHS)
    hosts = {s["host"] for s in samples}
    assert hosts == {"demo.old.example", "ca.old.example"}
    both = {s["uri"]: s["location"] for s in samples if s["host"] == "demo.old.example"}
    assert both["/b/abc-def-ghi"] == "https://gl.new.example/rooms/abc-def-ghi/join"
    assert len([u for u in both if u.startswith("/b/")]) == 3
    assert not any(s["uri"].startswith("/b/") for s in samples if s["host"] == "ca.old.example")


def test_mismatches_name_the_url_and_both_places():
    results = [
        {"item": {"host": "a.example", "uri": "/x", "location": "https://n.example/x"},
         "location": "https://n.example/x", "status": 301},
        {"item": {"host": "a.example", "uri": "/y", "location": "https://n.example/y"},
         "location": "https://wrong.example/y", "status": 301},
        {"item": {"host": "a.example", "uri": "/z", "location": "https://n.example/z"}, "status": 200},
        {"skipped": True},
    ]
    assert r.redirect_mismatches(results) == [
        "https://a.example/y to https://wrong.example/y (status 301), not to https://n.example/y",
        "https://a.example/z to no Location (status 200), not to https://n.example/z",
    ]


def render(**overrides):
    """The role's nginx template rendered with these inputs (plain Jinja, the role's filters)."""
    from pathlib import Path

    import jinja2

    template = Path(__file__).resolve().parents[2] / "roles/legacy_redirects/templates/legacy-redirects.conf.j2"
    env = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(r.FilterModule().filters())
    values = {"legacy_redirects_sites": [BOTH, BBB_ONLY], "legacy_redirects_bbb_paths": PATHS,
              "legacy_redirects_status": 301, "legacy_redirects_http": "https", "legacy_redirects_ipv6": True,
              "legacy_redirects_certificate": "/c.pem", "legacy_redirects_certificate_key": "/k.pem"}
    values.update(overrides)
    return env.from_string(template.read_text()).render(**values)


def test_template_https_mode_has_one_port_80_block_for_every_old_name():
    conf = render()
    assert conf.count("listen 80;") == 1 and conf.count("listen 443 ssl;") == 2
    assert "server_name demo.old.example ca.old.example;\n    return 301 https://$host$request_uri;" in conf
    assert conf.count("ssl_certificate /c.pem;") == 2 and conf.count("{") == conf.count("}")


def test_template_direct_mode_serves_the_redirects_on_port_80_too():
    conf = render(legacy_redirects_http="direct", legacy_redirects_ipv6=False)
    assert conf.count("listen 80;") == 2 and "[::]" not in conf
    assert "https://$host$request_uri" not in conf


def test_template_off_mode_does_not_listen_on_port_80():
    conf = render(legacy_redirects_http="off")
    assert "listen 80;" not in conf and "listen [::]:80;" not in conf and conf.count("listen 443 ssl;") == 2


def test_sites_come_from_the_contracts_hostname_map():
    sites = r.redirect_sites({"demo.old.example": {"greenlight": "gl.new.example", "bbb": "bbb.new.example"},
                              "ca.old.example": {"bbb": "bbb.new.example", "ignored": "x"}})
    assert sites == [BBB_ONLY, BOTH]
    assert r.redirect_problems(sites, PATHS) == []
    assert r.redirect_sites(None) == []
