"""filter_plugins/tls_certificates.py and library/tls_rfc2136_check.py helpers."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import tls_certificates as tls
import tls_rfc2136_check as check

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


def make_cert(names, days=90, key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "x")])
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
               .public_key(key.public_key()).serial_number(1)
               .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=days)))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False)
    cert = builder.sign(key, hashes.SHA256())
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return pem, key_pem


def good_inputs(**changes):
    cfg = {"mode": "acme", "names": ["bbb.new.example"], "email": "ops@new.example",
           "directory": "https://acme.example/dir", "rfc2136_server": "192.0.2.1",
           "rfc2136_key_name": "k", "rfc2136_secret_set": True}
    cfg.update(changes)
    return cfg


def test_names_keep_order_lower_case_and_drop_repeats():
    assert tls.tls_names(["BBB.new.example."], ["old.example", "bbb.new.example", ""]) == [
        "bbb.new.example", "old.example"]


def test_good_acme_inputs_have_no_problem():
    assert tls.tls_input_problems(good_inputs()) == []


@pytest.mark.parametrize("change, message", [
    ({"names": []}, "tls_certificates_names is empty"),
    ({"names": ["bbb"]}, "'bbb' is not a fully qualified hostname"),
    ({"names": ["10.0.0.1"]}, "'10.0.0.1' is not a fully qualified hostname"),
    ({"email": "ops"}, "tls_certificates_acme_email must be an address"),
    ({"directory": "http://acme.example/dir"}, "tls_certificates_acme_directory must be the https:// URL"),
    ({"rfc2136_server": ""}, "tls_certificates_rfc2136_server is empty"),
    ({"rfc2136_secret_set": False}, "tls_certificates_rfc2136_key_secret is empty"),
    ({"mode": "copy", "copy_key": "/k"}, "tls_certificates_copy_certificate is empty"),
    ({"mode": "provided", "provided_certificate": "rel.pem", "provided_key": "/k"},
     "tls_certificates_provided_certificate must be the absolute path"),
    ({"mode": "manual"}, "tls_certificates_mode 'manual' is not one of"),
])
def test_each_bad_input_gets_its_message(change, message):
    problems = tls.tls_input_problems(good_inputs(**change))
    assert len(problems) == 1 and message in problems[0], problems


def test_several_problems_get_several_messages():
    assert len(tls.tls_input_problems(good_inputs(email="", rfc2136_key_name="", names=["x"]))) == 3


def test_wildcard_name_is_accepted():
    assert tls.tls_input_problems(good_inputs(names=["*.new.example"])) == []


def test_address_or_name():
    assert tls.tls_is_address("192.0.2.1") and tls.tls_is_address("2001:db8::1")
    assert not tls.tls_is_address("ns1.example.org")


def test_credentials_file_template():
    """certbot's credentials file is the role's template: the algorithm in certbot's spelling."""
    import jinja2
    template = (Path(__file__).resolve().parents[2] / "roles/tls_certificates/templates/rfc2136.ini.j2").read_text()
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(template).render(
        __tls_certificates_ns_address="192.0.2.1", tls_certificates_rfc2136_port="53",
        tls_certificates_rfc2136_key_name="lab-update", tls_certificates_rfc2136_key_secret="c2VjcmV0",
        tls_certificates_rfc2136_key_algorithm="hmac-sha256")
    for line in ("dns_rfc2136_server = 192.0.2.1", "dns_rfc2136_port = 53", "dns_rfc2136_name = lab-update",
                 "dns_rfc2136_secret = c2VjcmV0", "dns_rfc2136_algorithm = HMAC-SHA256"):
        assert line + "\n" in text + "\n", line


def test_certbot_argv_asks_for_every_name_by_dns01_and_keeps_a_current_certificate():
    argv = tls.tls_certbot_args(["a.example", "b.example"], "a.example", "https://acme/dir", "ops@example",
                                "/etc/letsencrypt/x.ini", 1)
    assert argv[:2] == ["certbot", "certonly"]
    assert "--keep-until-expiring" in argv and "--non-interactive" in argv and "--dns-rfc2136" in argv
    assert argv[argv.index("--server") + 1] == "https://acme/dir"
    assert argv[argv.index("--dns-rfc2136-propagation-seconds") + 1] == "1"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "-d"] == ["a.example", "b.example"]


def test_pem_info_reads_names_expiry_and_key():
    pem, key_pem = make_cert(["b.example", "A.example"], days=10)
    info = tls.tls_pem_info(pem)
    assert info["names"] == ["a.example", "b.example"]
    assert info["not_after"] == (NOW + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert info["public_key_sha256"] == tls.tls_key_public_sha256(key_pem)
    _, other_key = make_cert(["a.example"])
    assert tls.tls_key_public_sha256(other_key) != info["public_key_sha256"]
    assert tls.tls_key_public_sha256("not a key") == ""


def test_pem_count_sees_a_chain():
    one, _ = make_cert(["a.example"])
    two, _ = make_cert(["ca.example"])
    assert tls.tls_pem_count(one) == 1 and tls.tls_pem_count(one + two) == 2


def test_certificate_without_alternative_names_covers_nothing():
    pem, _ = make_cert([])
    assert tls.tls_pem_info(pem)["names"] == []


def test_cert_problems_name_missing_names_and_near_expiry():
    info = tls.tls_pem_info(make_cert(["a.example"], days=10)[0])
    problems = tls.tls_cert_problems(info, ["a.example", "b.example"], 30, now=NOW)
    assert problems[0] == "it does not cover b.example (it covers a.example)"
    assert "within 30 days" in problems[1]
    assert tls.tls_cert_problems(info, ["a.example"], 5, now=NOW) == []


def test_current_means_exactly_these_names_and_far_from_expiry():
    info = tls.tls_pem_info(make_cert(["a.example", "b.example"], days=90)[0])
    assert tls.tls_cert_current(info, ["b.example", "a.example"], 30, now=NOW)
    assert not tls.tls_cert_current(info, ["a.example"], 30, now=NOW)  # a name was dropped: re-issue
    assert not tls.tls_cert_current(info, ["a.example", "b.example", "c.example"], 30, now=NOW)
    assert not tls.tls_cert_current(info, ["a.example", "b.example"], 95, now=NOW)
    assert not tls.tls_cert_current({}, ["a.example"])


def test_certbot_changed_reads_its_output():
    assert not tls.tls_certbot_changed("Certificate not yet due for renewal; no action taken.")
    assert tls.tls_certbot_changed("Successfully received certificate.")


@pytest.mark.parametrize("output, hint", [
    ("Received response from server: NOTAUTH", "refused the TSIG-signed update"),
    ("Received response from server: REFUSED", "allow this TSIG key to update the zone"),
    ("Unable to determine base domain for a.example using names: ...", "is not authoritative"),
    ("SSLError(... CERTIFICATE_VERIFY_FAILED ...)", "set tls_certificates_acme_ca_bundle"),
    ("Failed to establish a new connection: [Errno -2]", "cannot be reached"),
    ("Incorrect TXT record", "raise tls_certificates_propagation_seconds"),
    ("something\nodd happened\n", "certbot failed: odd happened"),
    ("", "certbot failed: no output"),
])
def test_certbot_hint(output, hint):
    assert hint in tls.tls_certbot_hint(output)


def test_zone_candidates_walk_up_the_name():
    assert check.zone_candidates("A.b.Example.org.") == ["a.b.example.org", "b.example.org", "example.org", "org"]


def test_find_zone_takes_the_first_name_with_its_own_soa():
    answers = {"www.sub.example.org": ("NOERROR", set()),  # below the zone: SOA in authority, not answer
               "sub.example.org": ("NOERROR", {"sub.example.org"}),
               "example.org": ("NOERROR", {"example.org"})}
    assert check.find_zone("www.sub.example.org", lambda n: answers.get(n, ("REFUSED", set()))) == "sub.example.org"


def test_find_zone_none_when_the_server_serves_no_parent():
    assert check.find_zone("a.elsewhere.example", lambda n: ("REFUSED", set())) is None


def test_one_tsig_key_for_both_spellings():
    """module_utils/tsig.py: certbot's and BIND's spellings give one key; hmac-md5 has its wire name."""
    import dns.name
    import dns.tsig
    from ansible.module_utils.tsig import TsigKey
    assert TsigKey("k", "c2VjcmV0", "HMAC-SHA256").algorithm == dns.name.from_text("hmac-sha256")
    assert TsigKey("k", "c2VjcmV0", "hmac-sha256").algorithm == dns.name.from_text("hmac-sha256")
    assert TsigKey("k", "c2VjcmV0", "hmac-md5").algorithm == dns.tsig.HMAC_MD5
    with pytest.raises(ValueError):
        TsigKey("k", "not base64!", "hmac-sha256")
