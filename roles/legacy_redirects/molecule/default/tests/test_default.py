"""Old URLs, requested from another container over HTTPS (curl --resolve to
the web host, checking its certificate against the lab CA), answer with the
expected status and Location."""
import pytest
import testinfra

CLIENT = testinfra.get_host("docker://legacy_redirects-client")
WEB = testinfra.get_host("docker://legacy_redirects-web")
REC = "f4ae6fd61e2e95940e2e5a8a246569674c63cb4a-1517234271176"
GL = "https://gl.newcoop.test"
BBB = "https://bbb.newcoop.test"

CASES = [
    # a host that ran Greenlight v2 and BBB together
    ("demo.coop.test", "/b/wou-cyy-wpt", f"{GL}/rooms/wou-cyy-wpt/join"),
    ("demo.coop.test", "/b/joh-x7k-2mn-q9r", f"{GL}/rooms/joh-x7k-2mn-q9r/join"),
    ("demo.coop.test", "/b/joh-x7k-2mn-q9r/", f"{GL}/rooms/joh-x7k-2mn-q9r/join"),
    ("demo.coop.test", "/b/jo--x7k-2mn/join?name=Ann", f"{GL}/rooms/jo--x7k-2mn/join"),
    ("demo.coop.test", "/b", f"{GL}/"),
    ("demo.coop.test", "/b/", f"{GL}/"),
    ("demo.coop.test", "/b/signin?return=%2Fb%2Fx", f"{GL}/signin?return=%2Fb%2Fx"),
    ("demo.coop.test", f"/playback/presentation/2.3/{REC}", f"{BBB}/playback/presentation/2.3/{REC}"),
    ("demo.coop.test", f"/playback/presentation/2.3/{REC}?t=90", f"{BBB}/playback/presentation/2.3/{REC}?t=90"),
    ("demo.coop.test", f"/playback/presentation/2.0/playback.html?meetingId={REC}",
     f"{BBB}/playback/presentation/2.3/{REC}"),
    ("demo.coop.test", "/playback/presentation/2.0/playback.html?meetingId=nonsense",
     f"{BBB}/playback/presentation/2.0/playback.html?meetingId=nonsense"),
    ("demo.coop.test", f"/playback/video/{REC}/", f"{BBB}/playback/video/{REC}/"),
    ("demo.coop.test", f"/presentation/{REC}/presentation/abc/thumbnails/thumb-1.png",
     f"{BBB}/presentation/{REC}/presentation/abc/thumbnails/thumb-1.png"),
    ("demo.coop.test", f"/podcast/{REC}/audio.ogg", f"{BBB}/podcast/{REC}/audio.ogg"),
    ("demo.coop.test", f"/video/{REC}/video-0.m4v", f"{BBB}/video/{REC}/video-0.m4v"),
    ("demo.coop.test", f"/screenshare/{REC}/deskshare.webm", f"{BBB}/screenshare/{REC}/deskshare.webm"),
    ("demo.coop.test", f"/notes/{REC}/notes.pdf", f"{BBB}/notes/{REC}/notes.pdf"),
    ("demo.coop.test", "/", f"{GL}/"),
    ("demo.coop.test", "/some/page?a=1&b=two", f"{GL}/some/page?a=1&b=two"),
    ("demo.coop.test", "/bar/baz", f"{GL}/bar/baz"),
    # a BBB-only node: everything to the new BBB host, path kept
    ("ca.coop.test", f"/playback/presentation/2.3/{REC}", f"{BBB}/playback/presentation/2.3/{REC}"),
    ("ca.coop.test", f"/playback/presentation/2.0/playback.html?meetingId={REC}",
     f"{BBB}/playback/presentation/2.3/{REC}"),
    ("ca.coop.test", "/b/wou-cyy-wpt", f"{BBB}/b/wou-cyy-wpt"),
    ("ca.coop.test", "/", f"{BBB}/"),
    # a Greenlight-only host: no playback rule, everything else to Greenlight
    ("gl.coop.test", "/b/wou-cyy-wpt", f"{GL}/rooms/wou-cyy-wpt/join"),
    ("gl.coop.test", f"/playback/presentation/2.3/{REC}", f"{GL}/playback/presentation/2.3/{REC}"),
]


def web_address():
    return CLIENT.check_output("getent ahostsv4 legacy_redirects-web").split()[0]


def curl(url, host, port):
    out = CLIENT.run(
        f"curl -sS -o /dev/null -w '%{{http_code}} %{{redirect_url}}' --cacert /etc/ssl/lab-ca.pem "
        f"--resolve {host}:{port}:{web_address()} '{url}'")
    assert out.rc == 0, out.stderr  # also fails when the certificate does not cover the old name
    code, _, location = out.stdout.partition(" ")
    return int(code), location


@pytest.mark.parametrize("host, uri, location", CASES, ids=[f"{h}{u}"[:80] for h, u, _ in CASES])
def test_old_url_redirects_permanently_to_its_new_place(host, uri, location):
    assert curl(f"https://{host}{uri}", host, 443) == (301, location)


def test_plain_http_goes_to_https_on_the_same_name_first():
    assert curl("http://demo.coop.test/b/wou-cyy-wpt?x=1", "demo.coop.test", 80) == (
        301, "https://demo.coop.test/b/wou-cyy-wpt?x=1")


def test_nginx_accepts_the_whole_configuration():
    assert WEB.run("nginx -t").rc == 0
    conf = WEB.file("/etc/nginx/conf.d/bbbmig-legacy-redirects.conf")
    assert (conf.user, conf.mode) == ("root", 0o644)
    assert WEB.service("nginx").is_running and WEB.service("nginx").is_enabled
    assert WEB.run("ls /etc/nginx/conf.d/ | grep -c '~'").stdout.strip() == "0"  # no backup left behind
