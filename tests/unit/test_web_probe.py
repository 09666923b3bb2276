"""library/web_probe.py against a real TLS server on this machine, with a CA made for the test."""
import datetime
import http.server
import json
import ssl
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import web_probe
from web_probe import ProbeError, probe


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, key, sign_key, days, names=(), ca=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(sign_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, and a server certificate for new.example and old.example (30 days), in PEM files."""
    tmp = tmp_path_factory.mktemp("pki")
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("probe test CA", "probe test CA", ca_key, ca_key, 365, ca=True)
    leaf = _cert("new.example", "probe test CA", leaf_key, ca_key, 30, ["new.example", "old.example"])
    (tmp / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (tmp / "leaf.key").write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return tmp


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        host = self.headers["Host"].split(":")[0]
        port = self.server.server_address[1]
        if host == "old.example":
            self.send_response(301)
            self.send_header("Location", f"https://new.example:{port}{self.path}/join")
            self.end_headers()
            return
        if self.path.endswith("/join"):
            body, kind, status = json.dumps({"data": {"name": "Board"}}).encode(), "application/json", 200
        else:
            body, kind, status = b"Not Found", "text/plain", 404
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(pki):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "leaf.pem", pki / "leaf.key")
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


@pytest.fixture(autouse=True)
def lab_names(monkeypatch):
    """Every name resolves to this machine, as the chosen nameservers would say."""
    monkeypatch.setattr(web_probe, "resolve", lambda host, *args: ["127.0.0.1"])


def test_an_old_link_is_followed_to_the_new_host_with_a_trusted_certificate(pki, server):
    result = probe(f"https://old.example:{server}/b/abc", ca_file=str(pki / "ca.pem"), min_cert_days=14)
    assert result["status"] == 200 and result["json"] == {"data": {"name": "Board"}}
    assert result["url"] == f"https://new.example:{server}/b/abc/join"
    assert [h["status"] for h in result["hops"]] == [301, 200]
    assert result["hops"][0]["certificate"]["names"] == ["new.example", "old.example"]
    assert 28 <= result["hops"][1]["certificate"]["days_left"] <= 30


def test_an_untrusted_certificate_is_refused(server):
    with pytest.raises(ProbeError, match="presents a certificate that is not accepted"):
        probe(f"https://new.example:{server}/x/join")  # the controller's CAs do not know the test CA


def test_a_certificate_expiring_too_soon_is_refused(pki, server):
    with pytest.raises(ProbeError, match=r"expires on .* \(at least 60 wanted\)"):
        probe(f"https://new.example:{server}/x/join", ca_file=str(pki / "ca.pem"), min_cert_days=60)


def test_an_unexpected_status_names_the_route(pki, server):
    with pytest.raises(ProbeError, match=r"ends with status 404, not 200: .*/nothing \(404\)"):
        probe(f"https://new.example:{server}/nothing", ca_file=str(pki / "ca.pem"))


def test_redirects_are_reported_not_followed_when_follow_is_0(pki, server):
    result = probe(f"https://old.example:{server}/b/abc", ca_file=str(pki / "ca.pem"), follow=0,
                   expect_status=[301])
    assert result["hops"][0]["location"].endswith("/b/abc/join") and len(result["hops"]) == 1


def test_plain_http_is_refused():
    with pytest.raises(ProbeError, match="not an https URL"):
        probe("http://new.example/")


def test_nameservers_that_disagree_are_named(monkeypatch):
    monkeypatch.undo()

    class Answer(list):
        pass

    class Resolver:
        def __init__(self, configure=False):
            self.nameservers = []

        def resolve(self, host, rdtype):
            if rdtype == "AAAA":
                raise web_probe.dns.resolver.NoAnswer()
            value = {"192.0.2.1": "198.51.100.7", "192.0.2.2": "203.0.113.9"}[self.nameservers[0]]
            return Answer([type("R", (), {"to_text": lambda self, v=value: v})()])

    monkeypatch.setattr(web_probe.dns.resolver, "Resolver", Resolver)
    with pytest.raises(ProbeError, match="disagree on meet.example: 192.0.2.1 says 198.51.100.7; 192.0.2.2 says 203.0.113.9"):
        web_probe.resolve("meet.example", ["192.0.2.1", "192.0.2.2"])
    assert web_probe.resolve("198.51.100.7", ["192.0.2.1"]) == ["198.51.100.7"]  # an address is taken as it is


def test_a_nameserver_given_by_name_is_asked_at_its_address():
    assert web_probe.nameserver_address("localhost") in ("127.0.0.1", "::1")
    assert web_probe.nameserver_address("192.0.2.53") == "192.0.2.53"
    with pytest.raises(ProbeError, match="nameserver no-such-name.invalid does not resolve"):
        web_probe.nameserver_address("no-such-name.invalid")
