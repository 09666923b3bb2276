#!/usr/bin/python3
"""Ansible module: check, before any change, that a DNS server accepts a TSIG
key and is authoritative for the zones of the names a certificate covers."""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.tsig import HAS_DNSPYTHON, KEY_REFUSED, UNREACHABLE, TsigKey, ask, soa_answer

DOCUMENTATION = r"""
module: tls_rfc2136_check
short_description: Check a TSIG key and the zones of some names against a DNS server.
description:
  - Sends one TSIG-signed SOA query per candidate zone (the name, then each parent) to the server
    and reports the zone each name belongs to. Read-only; supports check mode.
  - Needs dnspython on the host (python3-dnspython, pulled in by certbot's rfc2136 plugin).
options:
  server: {type: str, required: true, description: Address of the DNS server.}
  port: {type: int, default: 53, description: Its port.}
  key_name: {type: str, required: true, description: TSIG key name.}
  key_secret: {type: str, required: true, no_log: true, description: TSIG secret (base64).}
  key_algorithm: {type: str, default: HMAC-SHA256, description: TSIG algorithm.}
  names: {type: list, elements: str, required: true, description: Names whose zones must be found.}
  timeout: {type: float, default: 5, description: Seconds to wait for each answer.}
"""

RETURN = r"""
zones:
  description: The zone each name belongs to.
  type: dict
  returned: success
"""


def zone_candidates(name):
    """The name and each of its parents, longest first, without the root:
    ``a.b.example.org`` -> ``[a.b.example.org, b.example.org, example.org, org]``."""
    labels = name.strip().rstrip(".").lower().split(".")
    return [".".join(labels[i:]) for i in range(len(labels)) if labels[i:]]


def find_zone(name, ask):
    """The zone of ``name``: the first candidate for which ``ask(candidate)``
    returns an SOA owned by that candidate. ``ask`` returns ``(rcode, soa_owners)``.
    Returns None when no candidate is a zone the server is authoritative for."""
    for candidate in zone_candidates(name):
        rcode, owners = ask(candidate)
        if rcode == "NOERROR" and candidate in owners:
            return candidate
    return None


def main():
    module = AnsibleModule(
        argument_spec={
            "server": {"type": "str", "required": True},
            "port": {"type": "int", "default": 53},
            "key_name": {"type": "str", "required": True},
            "key_secret": {"type": "str", "required": True, "no_log": True},
            "key_algorithm": {"type": "str", "default": "HMAC-SHA256"},
            "names": {"type": "list", "elements": "str", "required": True},
            "timeout": {"type": "float", "default": 5.0},
        },
        supports_check_mode=True,
    )
    if not HAS_DNSPYTHON:
        if module.check_mode:  # --check on a fresh host: the package that brings it is not installed yet
            module.exit_json(changed=False, skipped=True, zones={},
                             msg="dnspython is not installed yet; the TSIG key is checked on a real run.")
        module.fail_json(msg="dnspython is missing on this host: install python3-dnspython.")
    p = module.params
    server = f"{p['server']}:{p['port']}"
    try:
        key = TsigKey(p["key_name"], p["key_secret"], p["key_algorithm"])
    except ValueError as exc:
        module.fail_json(msg=f"The TSIG secret for key {p['key_name']} is not valid base64 ({exc}).")

    def ask_soa(candidate):
        try:
            response = ask(p["server"], p["port"], candidate, "SOA", key=key, timeout=p["timeout"])
        except KEY_REFUSED as exc:
            module.fail_json(msg=(
                f"The DNS server {server} refused TSIG key {p['key_name']} ({type(exc).__name__}): "
                "check the key name, secret and algorithm against the server's key."))
        except UNREACHABLE as exc:
            module.fail_json(msg=f"The DNS server {server} does not answer ({type(exc).__name__}: {exc}).")
        return soa_answer(response)

    zones = {}
    for name in p["names"]:
        zone = find_zone(name, ask_soa)
        if zone is None:
            module.fail_json(msg=(
                f"The DNS server {server} is not authoritative for any zone of {name}: "
                "name the primary server of that zone."))
        zones[name] = zone
    module.exit_json(changed=False, zones=zones)


if __name__ == "__main__":
    main()
