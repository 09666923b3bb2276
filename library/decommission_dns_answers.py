#!/usr/bin/python
"""Ask every authoritative nameserver of some names' zones what those names resolve to."""

DOCUMENTATION = r"""
module: decommission_dns_answers
short_description: What every authoritative nameserver answers (A and AAAA) for some names.
description:
  - For each name, finds its zone (the SOA owner in the primary's answer), the zone's NS set as the
    primary answers it and each nameserver's addresses, then asks every address of every nameserver
    directly, without recursion, for the name's A and AAAA records. Never asks a recursive resolver,
    whose cache may still hold the old answer or already the new one.
  - Read-only: runs the same in check mode.
options:
  server: {type: str, required: true, description: Address (or name) of a zone's primary nameserver.}
  port: {type: int, default: 53, description: DNS port of every nameserver.}
  names: {type: list, elements: str, required: true, description: Names to ask about.}
requirements: [dnspython]
"""

RETURN = r"""
nameservers: {description: "[{zone, name, addresses}] asked.", type: list, returned: always}
answers:
  description: "{'<nameserver> (<address>)': {name: sorted A/AAAA values, or a string saying why there is no answer}}."
  type: dict
  returned: always
"""

import socket

from ansible.module_utils.basic import AnsibleModule

try:
    import dns.exception
    import dns.name
    import dns.rcode
    import dns.rdatatype
    from ansible.module_utils.tsig import ask
    HAS_DNS = True
except ImportError:  # pragma: no cover - reported at run time
    HAS_DNS = False

TIMEOUT = 5.0


def bare(name):
    return name.rstrip(".").lower()


class Authorities:
    def __init__(self, server, port):
        self.server, self.port = server, port

    def ask(self, address, name, rdtype):
        return ask(address, self.port, name, rdtype, timeout=TIMEOUT)

    def zone_of(self, name):
        """The zone holding ``name``: the SOA's owner in the primary's answer or authority section."""
        response = self.ask(self.server, name, "SOA")
        for rrset in response.answer + response.authority:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset.name.to_text()
        raise LookupError(f"the primary {self.server} is not authoritative for {name} "
                          f"({dns.rcode.to_text(response.rcode())}, no SOA)")

    def addresses(self, host):
        found = []
        for rdtype in ("A", "AAAA"):
            try:
                response = self.ask(self.server, host, rdtype)
            except (dns.exception.DNSException, OSError):
                continue
            for rrset in response.answer + response.additional:
                if rrset.rdtype == dns.rdatatype.from_text(rdtype) and bare(rrset.name.to_text()) == bare(host):
                    found.extend(rd.to_text() for rd in rrset)
        if not found:
            try:
                found = sorted({info[4][0] for info in socket.getaddrinfo(bare(host), self.port)})
            except OSError:
                found = []
        return found

    def nameservers(self, zone):
        response = self.ask(self.server, zone, "NS")
        names = sorted(rd.target.to_text().lower() for rrset in response.answer
                       if rrset.rdtype == dns.rdatatype.NS for rd in rrset)
        return [{"zone": zone, "name": n, "addresses": self.addresses(n)} for n in names]

    def resolve_on(self, address, name):
        """The A and AAAA values ``address`` answers for ``name`` (sorted), or why it did not answer."""
        values = []
        for rdtype in ("A", "AAAA"):
            try:
                response = self.ask(address, name, rdtype)
            except (dns.exception.DNSException, OSError) as exc:
                return f"no answer ({exc.__class__.__name__})"
            if response.rcode() not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return f"answered {dns.rcode.to_text(response.rcode())}"
            for rrset in response.answer:
                if rrset.rdtype == dns.rdatatype.from_text(rdtype):
                    values.extend(rd.to_text().lower() for rd in rrset)
        return sorted(set(values))


def main():
    module = AnsibleModule(argument_spec={
        "server": {"type": "str", "required": True},
        "port": {"type": "int", "default": 53},
        "names": {"type": "list", "elements": "str", "required": True},
    }, supports_check_mode=True)
    if not HAS_DNS:
        module.fail_json(msg="decommission_dns_answers needs dnspython on the controller (pip install dnspython).")
    p = module.params
    auth = Authorities(p["server"], p["port"])
    names = sorted({bare(n) for n in p["names"] if n.strip()})
    zones = {}
    try:
        for name in names:
            zones.setdefault(auth.zone_of(name + "."), []).append(name)
        servers = [ns for zone in sorted(zones) for ns in auth.nameservers(zone)]
    except (dns.exception.DNSException, OSError, LookupError) as exc:
        module.fail_json(msg=f"Could not learn the authoritative nameservers from {p['server']}:{p['port']} "
                             f"({exc.__class__.__name__}: {exc}); check decommission_dns_server.")
    answers = {}
    for ns in servers:
        if not ns["addresses"]:
            answers[ns["name"]] = {name: "no address for this nameserver" for name in zones[ns["zone"]]}
        for address in ns["addresses"]:
            answers[f"{ns['name']} ({address})"] = {name: auth.resolve_on(address, name + ".")
                                                     for name in zones[ns["zone"]]}
    module.exit_json(changed=False, nameservers=servers, answers=answers)


if __name__ == "__main__":
    main()
