#!/usr/bin/python
"""Read a zone's RRsets at some names from its primary, or verify answers on every nameserver."""

DOCUMENTATION = r"""
module: dns_cutover_zone
short_description: Read RRsets from a zone's primary, or verify every authoritative nameserver answers them.
description:
  - C(action=read) asks the primary (TSIG-signed, so a wrong key is reported before any change) for the
    zone's SOA serial, its NS set with each nameserver's addresses, and every RRset at O(names), all types,
    with TTLs (by zone transfer when the key may transfer, otherwise type by type). It also normalises
    O(records) values to their canonical text so they compare with what the server answers, and lists
    (C(silent)) each nameserver address that does not answer the zone's SOA at that moment.
  - C(action=verify) asks each nameserver directly (no recursion) until every one answers O(expected),
    has none of O(absent) and an SOA serial at least O(serial), or O(timeout) passes; it then fails with
    C(not verified) naming each nameserver that did not.
  - Read-only: sends no update, so it runs the same in check mode.
options:
  action: {type: str, choices: [read, verify], default: read, description: What to do.}
  server: {type: str, required: true, description: Address of the zone's primary.}
  port: {type: int, default: 53, description: DNS port on every nameserver.}
  zone: {type: str, required: true, description: The zone.}
  key_name: {type: str, description: TSIG key name (needed to read).}
  key_secret: {type: str, description: TSIG key secret (base64; needed to read).}
  key_algorithm: {type: str, default: hmac-sha256, description: TSIG algorithm.}
  names: {type: list, elements: str, default: [], description: Names whose RRsets to read.}
  records: {type: list, elements: dict, default: [], description: "Records {name, type, values} to normalise."}
  expected: {type: list, elements: dict, default: [], description: "RRsets {name, type, values, ttl} each nameserver must answer."}
  absent: {type: list, elements: dict, default: [], description: "RRsets {name, type} no nameserver may answer."}
  serial: {type: int, default: 0, description: Lowest SOA serial accepted.}
  nameservers: {type: list, elements: str, default: [], description: Nameservers to verify beyond the zone's NS set.}
  timeout: {type: int, default: 60, description: Seconds to wait for every nameserver.}
  interval: {type: float, default: 1.0, description: Seconds between two rounds of questions.}
"""

import socket
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.tsig import KEY_REFUSED, UNREACHABLE, TsigKey
from ansible.module_utils.tsig import ask as tsig_ask

try:
    import dns.exception
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    import dns.xfr
    import dns.zone
    HAS_DNS = True
except ImportError:  # pragma: no cover - reported by the module at run time
    HAS_DNS = False

# Types read type by type when the primary refuses a zone transfer.
FALLBACK_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA", "HTTPS", "SVCB", "NS", "PTR",
                  "DNAME", "NAPTR", "SSHFP", "TLSA", "LOC", "HINFO", "URI", "DS"]
# Types a cutover never moves or restores: they belong to the zone's operator.
ZONE_TYPES = {"SOA", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "DNSKEY", "CDS", "CDNSKEY", "TYPE65534"}
QUERY_TIMEOUT = 3.0


def absolute(name, zone):
    """``name`` as an absolute name in text (trailing dot); relative names are taken inside ``zone``."""
    name = str(name)
    if name.endswith("."):
        return name.lower()
    if name in ("@", ""):
        return zone.rstrip(".").lower() + "."
    if name.lower() == zone.rstrip(".").lower() or name.lower().endswith("." + zone.rstrip(".").lower()):
        return name.lower() + "."
    return f"{name}.{zone.rstrip('.')}.".lower()


def canonical(rdtype, value, origin="."):
    """The canonical text of one value of type ``rdtype`` (absolute names, normalised spacing)."""
    rdata = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rdtype), str(value),
                                origin=dns.name.from_text(origin), relativize=False)
    return rdata.to_text(origin=None, relativize=False)


def rrsets_from_answer(rrsets):
    """Plain dicts {name, type, ttl, values} from dnspython RRsets (values sorted)."""
    return [{"name": r.name.to_text().lower(), "type": dns.rdatatype.to_text(r.rdtype), "ttl": r.ttl,
             "values": sorted(rd.to_text(origin=None, relativize=False) for rd in r)} for r in rrsets]


def serial_reached(serial, target):
    """True when SOA ``serial`` is ``target`` or later, in RFC 1982 serial arithmetic (serials wrap at 2**32)."""
    return (int(serial) - int(target)) % 2 ** 32 < 2 ** 31


def compare_answers(expected, absent, serial, answers):
    """Problems of one nameserver's ``answers`` against what it must answer.

    ``answers`` maps "serial" to the SOA serial (None when no answer) and "name TYPE" to
    {ttl, values} (None when the nameserver answered no such RRset, the string "error ..." when it failed).
    """
    problems = []
    got = answers.get("serial")
    if got is None:
        return ["no SOA answer"]
    if isinstance(got, str):
        return [got]
    if not serial_reached(got, serial):
        problems.append(f"SOA serial {got} < {serial}")
    for want in expected:
        key = f"{want['name']} {want['type']}"
        have = answers.get(key)
        if isinstance(have, str):
            problems.append(f"{key}: {have}")
        elif have is None:
            problems.append(f"{key}: no answer (expected {', '.join(want['values'])})")
        elif sorted(have["values"]) != sorted(want["values"]):
            problems.append(f"{key}: answers {', '.join(have['values'])} (expected {', '.join(want['values'])})")
        elif want.get("ttl") is not None and have["ttl"] != want["ttl"]:
            problems.append(f"{key}: TTL {have['ttl']} (expected {want['ttl']})")
    for gone in absent:
        key = f"{gone['name']} {gone['type']}"
        have = answers.get(key)
        if isinstance(have, str):
            problems.append(f"{key}: {have}")
        elif have is not None:
            problems.append(f"{key}: still answers {', '.join(have['values'])}")
    return problems


class Zone:
    """Questions to one zone's nameservers."""

    def __init__(self, module):
        self.module = module
        p = module.params
        self.zone = absolute(p["zone"], p["zone"])
        self.port = p["port"]
        self.server = p["server"]
        self.key = None
        if p["action"] == "verify":
            return  # nameservers are asked unsigned, as resolvers ask them
        if not p["key_name"] or not p["key_secret"]:
            module.fail_json(msg="Reading the zone needs the TSIG key: set dns_cutover_tsig_name and dns_cutover_tsig_secret.")
        try:
            self.key = TsigKey(p["key_name"], p["key_secret"], p["key_algorithm"])
        except ValueError as exc:
            module.fail_json(msg=f"TSIG key {p['key_name']}: the secret is not valid base64 ({exc}); "
                                 "check dns_cutover_tsig_secret.")

    def ask(self, address, name, rdtype, signed=False):
        """One non-recursive question (module_utils/tsig.py), signed with the key when ``signed``."""
        return tsig_ask(address, self.port, name, rdtype, key=self.key if signed else None, timeout=QUERY_TIMEOUT)

    def primary_soa(self):
        """The zone's serial from the primary, asked with the TSIG key so a wrong key fails here."""
        p = self.module.params
        where = f"the primary {self.server}:{self.port}"
        try:
            response = self.ask(self.server, self.zone, "SOA", signed=True)
        except KEY_REFUSED as exc:
            self.module.fail_json(msg=f"TSIG key {p['key_name']} ({p['key_algorithm']}) was rejected by {where} "
                                      f"({exc.__class__.__name__}): check dns_cutover_tsig_name, dns_cutover_tsig_secret "
                                      "and dns_cutover_tsig_algorithm. Nothing was changed.")
        except UNREACHABLE as exc:
            self.module.fail_json(msg=f"No answer from {where} ({exc.__class__.__name__}: {exc}): "
                                      "check dns_cutover_primary and that the server runs. Nothing was changed.")
        if response.rcode() != dns.rcode.NOERROR:
            self.module.fail_json(msg=f"{where} answered {dns.rcode.to_text(response.rcode())} for the zone "
                                      f"{self.zone}; is it the primary of that zone? Nothing was changed.")
        for rrset in response.answer:
            if rrset.rdtype == dns.rdatatype.SOA and rrset.name == dns.name.from_text(self.zone):
                return rrset[0].serial
        self.module.fail_json(msg=f"{where} is not authoritative for {self.zone} (no SOA in its answer). "
                                  "Nothing was changed.")

    def read_by_transfer(self, names):
        """Every RRset at ``names`` by a TSIG-signed AXFR, or None when the primary refuses it."""
        try:
            zone = dns.zone.Zone(self.zone, relativize=False)
            query = dns.message.make_query(self.zone, "AXFR")
            query.use_tsig(keyring=self.key.keyring, keyname=self.key.name, algorithm=self.key.algorithm)
            dns.query.inbound_xfr(self.server, zone, query=query, port=self.port, timeout=10, lifetime=30)
        except (dns.xfr.TransferError, dns.exception.DNSException, OSError, EOFError):
            return None
        out = []
        for name in names:
            node = zone.get_node(name)
            if node is None:
                continue
            for rdataset in node.rdatasets:
                out.append({"name": name, "type": dns.rdatatype.to_text(rdataset.rdtype), "ttl": rdataset.ttl,
                            "values": sorted(rd.to_text(origin=None, relativize=False) for rd in rdataset)})
        return out

    def read_by_type(self, names):
        """Every RRset of the usual types at ``names``, asked one type at a time."""
        out = []
        for name in names:
            for rdtype in FALLBACK_TYPES:
                response = self.ask(self.server, name, rdtype, signed=True)
                out.extend(r for r in rrsets_from_answer(response.answer)
                           if r["name"] == name and r["type"] == rdtype)
        return out

    def addresses(self, host):
        """Addresses of a nameserver: from the primary for in-zone names, else the system resolver."""
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
            return [host]
        except OSError:
            pass
        name = host if host.endswith(".") else host + "."
        found = []
        for rdtype in ("A", "AAAA"):
            try:
                response = self.ask(self.server, name, rdtype)
            except (dns.exception.DNSException, OSError):
                continue
            for rrset in response.answer + response.additional:
                if rrset.rdtype == dns.rdatatype.from_text(rdtype) and rrset.name.to_text().lower() == name.lower():
                    found.extend(rd.to_text() for rd in rrset)
        if not found:
            try:
                found = sorted({info[4][0] for info in socket.getaddrinfo(host.rstrip("."), self.port)})
            except OSError:
                found = []
        return found

    def nameservers(self, extra):
        """The zone's NS set as the primary answers it, plus ``extra``: [{name, addresses}]."""
        response = self.ask(self.server, self.zone, "NS")
        names = sorted(rd.target.to_text().lower() for rrset in response.answer
                       if rrset.rdtype == dns.rdatatype.NS for rd in rrset)
        return [{"name": n, "addresses": self.addresses(n)} for n in names + [e for e in extra if e not in names]]

    def silent(self, servers):
        """Each address of ``servers`` that does not answer the zone's SOA now: "name (address): why"."""
        out = []
        for ns in servers:
            if not ns["addresses"]:
                out.append(f"{ns['name']}: no address found for it")
            for address in ns["addresses"]:
                serial = self.answers(address, [], [])["serial"]
                if not isinstance(serial, int):
                    out.append(f"{ns['name']} ({address}): {serial}")
        return out

    def answers(self, address, expected, absent):
        """What one nameserver answers: the serial and each RRset asked about (see compare_answers)."""
        out = {}
        try:
            response = self.ask(address, self.zone, "SOA")
            soa = [r for r in response.answer if r.rdtype == dns.rdatatype.SOA]
            out["serial"] = soa[0][0].serial if soa else f"answered {dns.rcode.to_text(response.rcode())} without the SOA"
        except (dns.exception.DNSException, OSError) as exc:
            return {"serial": f"no answer ({exc.__class__.__name__})"}
        for item in list(expected) + list(absent):
            key = f"{item['name']} {item['type']}"
            try:
                response = self.ask(address, item["name"], item["type"])
            except (dns.exception.DNSException, OSError) as exc:
                out[key] = f"no answer ({exc.__class__.__name__})"
                continue
            match = [r for r in rrsets_from_answer(response.answer)
                     if r["name"] == item["name"] and r["type"] == item["type"]]
            out[key] = {"ttl": match[0]["ttl"], "values": match[0]["values"]} if match else None
        return out


def run_read(module, zone):
    p = module.params
    serial = zone.primary_soa()
    names = sorted({absolute(n, zone.zone) for n in p["names"]})
    desired = []
    for record in p["records"]:
        name, rdtype = absolute(record["name"], zone.zone), str(record["type"]).upper()
        try:
            values = sorted({canonical(rdtype, v, zone.zone) for v in record.get("values") or []})
        except (dns.exception.DNSException, ValueError) as exc:
            module.fail_json(msg=f"dns_cutover_records: {record['name']} {rdtype} has a value that is not valid for "
                                 f"its type ({exc}); fix the value. Nothing was changed.")
        desired.append({"name": name, "type": rdtype, "values": values})
    rrsets = zone.read_by_transfer(names)
    method = "transfer"
    if rrsets is None:
        rrsets, method = zone.read_by_type(names), "by type"
    rrsets = sorted((r for r in rrsets if r["type"] not in ZONE_TYPES), key=lambda r: (r["name"], r["type"]))
    servers = zone.nameservers(p["nameservers"])
    module.exit_json(changed=False, serial=serial, rrsets=rrsets, desired=desired, read_by=method,
                     nameservers=servers, silent=zone.silent(servers))


def run_verify(module, zone):
    p = module.params
    expected = [dict(e, name=absolute(e["name"], zone.zone), type=e["type"].upper()) for e in p["expected"]]
    absent = [dict(a, name=absolute(a["name"], zone.zone), type=a["type"].upper()) for a in p["absent"]]
    servers = zone.nameservers(p["nameservers"])
    deadline = time.monotonic() + p["timeout"]
    while True:
        report = {}
        for ns in servers:
            if not ns["addresses"]:
                report[ns["name"]] = ["no address found for it"]
            for address in ns["addresses"]:
                problems = compare_answers(expected, absent, p["serial"], zone.answers(address, expected, absent))
                if problems:
                    report[f"{ns['name']} ({address})"] = problems
        if not report:
            module.exit_json(changed=False, verified=[n["name"] for n in servers], nameservers=servers)
        if time.monotonic() >= deadline:
            break
        time.sleep(p["interval"])
    detail = "; ".join(f"{ns}: {', '.join(problems)}" for ns, problems in sorted(report.items()))
    verified = [n["name"] for n in servers if not any(k == n["name"] or k.startswith(n["name"] + " (") for k in report)]
    module.fail_json(msg=f"DNS change not verified within {p['timeout']} s on {detail}.",
                     not_verified=sorted(report), verified=verified, problems=report, nameservers=servers)


def main():
    module = AnsibleModule(
        argument_spec={
            "action": {"type": "str", "choices": ["read", "verify"], "default": "read"},
            "server": {"type": "str", "required": True},
            "port": {"type": "int", "default": 53},
            "zone": {"type": "str", "required": True},
            "key_name": {"type": "str"},
            "key_secret": {"type": "str", "no_log": True},
            "key_algorithm": {"type": "str", "default": "hmac-sha256"},
            "names": {"type": "list", "elements": "str", "default": []},
            "records": {"type": "list", "elements": "dict", "default": []},
            "expected": {"type": "list", "elements": "dict", "default": []},
            "absent": {"type": "list", "elements": "dict", "default": []},
            "serial": {"type": "int", "default": 0},
            "nameservers": {"type": "list", "elements": "str", "default": []},
            "timeout": {"type": "int", "default": 60},
            "interval": {"type": "float", "default": 1.0},
        },
        supports_check_mode=True,
    )
    if not HAS_DNS:
        module.fail_json(msg="dns_cutover_zone needs dnspython on the controller (pip install dnspython).")
    zone = Zone(module)
    if module.params["action"] == "read":
        run_read(module, zone)
    run_verify(module, zone)


if __name__ == "__main__":
    main()
