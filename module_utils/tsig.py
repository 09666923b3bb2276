"""TSIG-signed questions to a zone's primary, shared by the modules that ask
one: tls_rfc2136_check (is the key the one the server knows, and which zone
does it serve?) and dns_cutover_zone (the zone's serial before any update).
Each module words its own messages, naming its own inputs; what a key is,
how a question is signed and which answers mean "the server refused the
key" live here once.
"""
try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.tsig
    import dns.tsigkeyring
    HAS_DNSPYTHON = True
    # The server did not accept the key (unknown name, wrong secret or algorithm, clock skew).
    KEY_REFUSED = (dns.tsig.PeerBadKey, dns.tsig.PeerBadSignature, dns.tsig.PeerBadTime, dns.tsig.BadSignature,
                   dns.tsig.PeerError)
    # The server could not be asked.
    UNREACHABLE = (dns.exception.Timeout, OSError)
except ImportError:  # reported by each module, with its own words
    HAS_DNSPYTHON = False
    KEY_REFUSED = UNREACHABLE = ()


class TsigKey:
    """A TSIG key from its name, base64 secret and algorithm as BIND and certbot spell it
    (hmac-sha256, HMAC-SHA256; hmac-md5 is HMAC-MD5.SIG-ALG.REG.INT on the wire).
    Raises ValueError when the secret is not base64."""

    def __init__(self, name, secret, algorithm="hmac-sha256"):
        try:
            self.keyring = dns.tsigkeyring.from_text({name: secret})
        except Exception as exc:  # binascii errors and friends: a malformed secret
            raise ValueError(str(exc)) from exc
        self.name = next(iter(self.keyring))
        spelled = str(algorithm).strip().lower()
        self.algorithm = dns.tsig.HMAC_MD5 if spelled == "hmac-md5" else dns.name.from_text(spelled)


def ask(server, port, name, rdtype, key=None, timeout=5.0):
    """One non-recursive question to ``server``, signed with ``key`` (a TsigKey) when given;
    UDP, retried over TCP when truncated. Raises one of KEY_REFUSED or UNREACHABLE."""
    query = dns.message.make_query(name, rdtype)
    query.flags &= ~dns.flags.RD
    if key is not None:
        query.use_tsig(keyring=key.keyring, keyname=key.name, algorithm=key.algorithm)
    return dns.query.udp_with_fallback(query, server, timeout=timeout, port=port)[0]


def soa_answer(response):
    """(the answer's rcode as text, the lower-case names that own an SOA in it)."""
    owners = {rr.name.to_text(omit_final_dot=True).lower() for rr in response.answer if rr.rdtype == dns.rdatatype.SOA}
    return dns.rcode.to_text(response.rcode()), owners
