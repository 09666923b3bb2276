"""Pure helpers for the tls_certificates role: input checks, certbot's
command line and credentials, whether a certificate already covers the
names, and what certbot's output means for the operator. Nothing here
touches a host."""

import hashlib
import ipaddress
import re
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import serialization

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _is_fqdn(name):
    """True when ``name`` is a fully qualified hostname (a leading ``*.`` allowed)."""
    if not isinstance(name, str):
        return False
    host = name.strip().lower().rstrip(".")
    if host.startswith("*."):
        host = host[2:]
    labels = host.split(".")
    return (len(labels) >= 2 and len(host) <= 253 and not labels[-1].isdigit()
            and all(_LABEL.match(label) for label in labels))


def tls_names(names, extra=None):
    """The certificate's names: ``names`` then ``extra``, lower case, without
    repeats or empty entries, in order (the first one names the certificate)."""
    out = []
    for name in list(names or []) + list(extra or []):
        if not isinstance(name, str):
            continue
        host = name.strip().lower().rstrip(".")
        if host and host not in out:
            out.append(host)
    return out


def tls_input_problems(cfg):
    """One message per problem in the role's inputs (empty list: fine).

    ``cfg`` holds: mode, names, email, directory, rfc2136_server,
    rfc2136_key_name, rfc2136_secret_set (bool), copy_certificate, copy_key,
    provided_certificate, provided_key.
    """
    problems = []
    names = cfg.get("names") or []
    if not names:
        problems.append("tls_certificates_names is empty: set bbbmig_public_hostname on this host "
                        "or list the names the certificate must cover.")
    for name in names:
        if not _is_fqdn(name):
            problems.append(f"tls_certificates_names: {name!r} is not a fully qualified hostname "
                            "(such as bbb.example.org).")
    mode = cfg.get("mode")
    if mode == "acme":
        if not re.match(r"^https://[^/\s]+", cfg.get("directory") or ""):
            problems.append("tls_certificates_acme_directory must be the https:// URL of an ACME directory "
                            "(Let's Encrypt: https://acme-v02.api.letsencrypt.org/directory).")
        if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", cfg.get("email") or ""):
            problems.append("tls_certificates_acme_email must be an address the ACME server may write to "
                            "about expiring certificates (such as ops@example.org).")
        if not cfg.get("rfc2136_server"):
            problems.append("tls_certificates_rfc2136_server is empty: name the primary DNS server "
                            "that accepts TSIG-signed updates (RFC 2136) for these names.")
        if not cfg.get("rfc2136_key_name"):
            problems.append("tls_certificates_rfc2136_key_name is empty: name the TSIG key the DNS server accepts.")
        if not cfg.get("rfc2136_secret_set"):
            problems.append("tls_certificates_rfc2136_key_secret is empty: put the TSIG secret in the vault.")
    elif mode == "copy":
        for key in ("copy_certificate", "copy_key"):
            if not cfg.get(key):
                problems.append(f"tls_certificates_{key} is empty: give the path of the existing "
                                f"{'certificate (full chain)' if key.endswith('certificate') else 'private key'} "
                                "on the host it is copied from.")
    elif mode == "provided":
        for key in ("provided_certificate", "provided_key"):
            if not str(cfg.get(key) or "").startswith("/"):
                problems.append(f"tls_certificates_{key} must be the absolute path of the file "
                                "the operator put on this host.")
    else:
        problems.append(f"tls_certificates_mode {mode!r} is not one of acme, copy, provided.")
    return problems


def tls_is_address(value):
    """True when ``value`` is an IPv4 or IPv6 address (certbot's rfc2136
    plugin needs an address, not a name)."""
    try:
        ipaddress.ip_address(str(value))
        return True
    except ValueError:
        return False


def tls_certbot_args(names, cert_name, directory, email, credentials, propagation_seconds):
    """certbot's argv to obtain (or keep) one certificate for ``names`` by DNS-01 (rfc2136)."""
    argv = ["certbot", "certonly", "--non-interactive", "--agree-tos", "--keep-until-expiring",
            "--email", email, "--server", directory, "--cert-name", cert_name,
            "--dns-rfc2136", "--dns-rfc2136-credentials", credentials,
            "--dns-rfc2136-propagation-seconds", str(int(propagation_seconds))]
    for name in names:
        argv += ["-d", name]
    return argv


def tls_pem_info(pem):
    """What the first certificate of a PEM text says: DNS names (subject
    alternative names), not_after (ISO 8601, UTC), issuer and subject (RFC
    4514 strings) and the SHA-256 of its public key (to match a key)."""
    cert = x509.load_pem_x509_certificate(pem.encode() if isinstance(pem, str) else pem)
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = sorted({n.lower() for n in san.get_values_for_type(x509.DNSName)})
    except x509.ExtensionNotFound:
        names = []
    not_after = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=timezone.utc)
    return {
        "names": names,
        "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "issuer": cert.issuer.rfc4514_string(),
        "subject": cert.subject.rfc4514_string(),
        "public_key_sha256": _public_key_digest(cert.public_key()),
    }


def tls_pem_count(pem):
    """How many certificates a PEM text holds (a full chain holds two or more)."""
    return (pem or "").count("-----BEGIN CERTIFICATE-----")


def tls_key_public_sha256(key_pem):
    """SHA-256 of the public half of a PEM private key (compare with
    tls_pem_info's public_key_sha256); empty string when it is not a key."""
    try:
        key = serialization.load_pem_private_key(key_pem.encode() if isinstance(key_pem, str) else key_pem,
                                                 password=None)
    except (ValueError, TypeError):
        return ""
    return _public_key_digest(key.public_key())


def _public_key_digest(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def _not_after(info):
    return datetime.strptime(info["not_after"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def tls_cert_names(info):
    """The DNS names a certificate covers, from tls_pem_info."""
    return sorted({n.lower() for n in info.get("names") or []})


def tls_cert_problems(info, names, min_days=30, now=None):
    """Why a certificate (tls_pem_info result) is not good enough for
    ``names``: names it misses, expiry within ``min_days``. Empty list: fine."""
    now = now or datetime.now(timezone.utc)
    problems = []
    covered = set(tls_cert_names(info))
    missing = [n for n in names if n.lower() not in covered]
    if missing:
        problems.append(f"it does not cover {', '.join(missing)} (it covers {', '.join(sorted(covered)) or 'no name'})")
    if _not_after(info) < now + timedelta(days=int(min_days)):
        problems.append(f"it expires on {_not_after(info):%Y-%m-%d}, within {int(min_days)} days")
    return problems


def tls_cert_current(info, names, min_days=30, now=None):
    """True when the certificate covers exactly ``names`` and is valid for
    more than ``min_days``: then no new one is requested."""
    if not info or not info.get("not_after"):
        return False
    return (not tls_cert_problems(info, names, min_days, now)
            and set(tls_cert_names(info)) == {n.lower() for n in names})


def tls_certbot_changed(stdout):
    """True when certbot obtained a new certificate (False when it kept the existing one)."""
    return "Certificate not yet due for renewal" not in (stdout or "")


_HINTS = [
    (("BADKEY", "BADSIG", "NOTAUTH", "tsig verify failure"),
     "the DNS server refused the TSIG-signed update: check tls_certificates_rfc2136_key_name, "
     "tls_certificates_rfc2136_key_secret and tls_certificates_rfc2136_key_algorithm against the server's key"),
    (("REFUSED",),
     "the DNS server refused the update: allow this TSIG key to update the zone (allow-update / update-policy)"),
    (("Unable to determine base domain",),
     "tls_certificates_rfc2136_server is not authoritative for the zone of these names"),
    (("CERTIFICATE_VERIFY_FAILED", "certificate verify failed"),
     "the ACME directory's HTTPS certificate is not trusted: set tls_certificates_acme_ca_bundle "
     "to the CA bundle that signs it"),
    (("Failed to establish a new connection", "Max retries exceeded", "Name or service not known"),
     "the ACME directory cannot be reached from this host: check tls_certificates_acme_directory and the network"),
    (("Incorrect TXT record", "NXDOMAIN looking up TXT", "No TXT record found"),
     "the ACME server did not see the challenge record: raise tls_certificates_propagation_seconds "
     "or check that the ACME server resolves these names through this DNS server"),
    (("rateLimited", "too many certificates"),
     "the ACME server's rate limit was hit: wait, or test against a staging directory"),
]


def tls_certbot_hint(output):
    """What a failed certbot run most likely means, in one sentence for the operator."""
    text = output or ""
    for needles, hint in _HINTS:
        if any(n in text for n in needles):
            return hint
    lines = [line for line in text.splitlines() if line.strip()]
    return "certbot failed: " + (lines[-1].strip() if lines else "no output")


class FilterModule:
    """tls_certificates filters."""

    def filters(self):
        return {
            "tls_names": tls_names,
            "tls_input_problems": tls_input_problems,
            "tls_is_address": tls_is_address,
            "tls_certbot_args": tls_certbot_args,
            "tls_cert_names": tls_cert_names,
            "tls_pem_info": tls_pem_info,
            "tls_pem_count": tls_pem_count,
            "tls_key_public_sha256": tls_key_public_sha256,
            "tls_cert_problems": tls_cert_problems,
            "tls_cert_current": tls_cert_current,
            "tls_certbot_changed": tls_certbot_changed,
            "tls_certbot_hint": tls_certbot_hint,
        }
