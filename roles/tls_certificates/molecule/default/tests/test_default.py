"""The web host obtained its certificate from pebble by DNS-01, before its
name pointed at it, and certbot keeps it renewed and reloads nginx."""
import json
import os
import re
from pathlib import Path

import testinfra

STATE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
WEB = testinfra.get_host("docker://tls_certificates-web")
NS = testinfra.get_host("docker://tls_certificates-ns")
ACME = testinfra.get_host("docker://tls_certificates-acme")
LIVE = "/etc/letsencrypt/live/bbb.newcoop.test"
BUNDLE = "/etc/ssl/lab-acme-ca.pem"


def certbot_env():
    """The environment certbot.service runs with (the role's drop-in)."""
    return WEB.check_output("systemctl show certbot.service -p Environment --value")


def test_certificate_covers_the_public_and_the_extra_name():
    text = WEB.check_output(f"openssl x509 -in {LIVE}/cert.pem -noout -ext subjectAltName")
    assert sorted(re.findall(r"DNS:([\w.-]+)", text)) == ["bbb.coop.test", "bbb.newcoop.test"]
    assert WEB.file(f"{LIVE}/privkey.pem").exists


def test_certificate_chains_to_pebbles_root():
    WEB.check_output(f"curl -sf --cacert {BUNDLE} -o /tmp/pebble-root.pem https://acme.lab.test:15000/roots/0")
    out = WEB.run(f"openssl verify -CAfile /tmp/pebble-root.pem -untrusted {LIVE}/chain.pem {LIVE}/cert.pem")
    assert out.rc == 0 and out.stdout.strip().endswith(": OK"), out.stdout + out.stderr
    # and does not verify against an unrelated CA (the check can fail)
    other = WEB.run(f"openssl verify -CAfile {BUNDLE} -untrusted {LIVE}/chain.pem {LIVE}/cert.pem")
    assert other.rc != 0


def test_name_did_not_point_at_the_web_host_challenge_was_dns01():
    web_ip = WEB.check_output("hostname -I").split()[0]
    answer = NS.check_output("dig +short @127.0.0.1 bbb.newcoop.test A")
    assert answer.strip() == "192.0.2.10" != web_ip
    renewal = WEB.file("/etc/letsencrypt/renewal/bbb.newcoop.test.conf").content_string
    assert "authenticator = dns-rfc2136" in renewal
    # the challenge answers were TXT records the web host added by signed update, then removed
    updates = NS.check_output("journalctl -u named --no-pager")
    for name in ("bbb.newcoop.test", "bbb.coop.test"):
        assert re.search(rf"{re.escape(web_ip)}#\d+/key lab-update: .* adding an RR at '_acme-challenge\.{re.escape(name)}' TXT",
                         updates), updates
        assert f"deleting an RR at _acme-challenge.{name} TXT" in updates
    assert NS.check_output("dig +short @127.0.0.1 _acme-challenge.bbb.newcoop.test TXT").strip() == ""
    # pebble validated the names while they pointed elsewhere
    assert "set VALID by completed challenge" in ACME.check_output("journalctl -u pebble --no-pager")


def test_credentials_file_is_private():
    creds = WEB.file("/etc/letsencrypt/bbbmig-rfc2136.ini")
    assert (creds.user, creds.group, creds.mode) == ("root", "root", 0o600)
    assert "dns_rfc2136_algorithm = HMAC-SHA256" in creds.content_string


def test_renewal_timer_is_enabled_and_trusts_the_acme_ca():
    timer = WEB.service("certbot.timer")
    assert timer.is_enabled and timer.is_running
    assert f"REQUESTS_CA_BUNDLE={BUNDLE}" in certbot_env()


def test_renewal_dry_run_succeeds_with_the_services_environment():
    # certbot's --dry-run switches to Let's Encrypt's staging directory unless told the server
    server = re.search(r"^server = (\S+)$", WEB.file("/etc/letsencrypt/renewal/bbb.newcoop.test.conf").content_string, re.M)
    out = WEB.run(f"env {certbot_env()} certbot renew --dry-run --no-random-sleep-on-renew --server {server.group(1)}")
    assert out.rc == 0, out.stdout + out.stderr
    assert "all simulated renewals succeeded" in (out.stdout + out.stderr).lower()


def test_a_renewal_runs_the_deploy_hook_that_reloads_nginx():
    before_serial = WEB.check_output(f"openssl x509 -in {LIVE}/cert.pem -noout -serial")
    reloads = WEB.check_output("journalctl -u nginx --no-pager | grep -c Reloaded || true")
    out = WEB.run(f"env {certbot_env()} certbot renew --force-renewal --no-random-sleep-on-renew")
    assert out.rc == 0, out.stdout + out.stderr
    assert WEB.check_output(f"openssl x509 -in {LIVE}/cert.pem -noout -serial") != before_serial
    after = WEB.check_output("journalctl -u nginx --no-pager | grep -c Reloaded || true")
    assert int(after) == int(reloads) + 1


def test_role_published_the_paths_for_the_web_server_roles():
    facts = json.loads((STATE / "tls_certificates-web.facts.json").read_text())
    assert facts["tls_certificates_paths"] == {
        "certificate": f"{LIVE}/fullchain.pem", "key": f"{LIVE}/privkey.pem",
        "names": ["bbb.newcoop.test", "bbb.coop.test"]}
