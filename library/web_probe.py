#!/usr/bin/python
"""Ask an HTTPS URL what a member's browser would get, resolving names through chosen nameservers."""

DOCUMENTATION = r"""
module: web_probe
short_description: GET an HTTPS URL as a member would, following redirects, with the name resolved by chosen nameservers
description:
  - Resolves the URL's host name by asking each of O(nameservers) (recursion desired, as a stub resolver
    asks), requires them to agree, connects to the address they give, checks the certificate against
    O(ca_file) (or the controller's trusted CAs) and the host name, and sends a GET. Redirects are followed
    the same way, each hop resolved again, up to O(follow).
  - Fails, naming the hop and the reason, when a name does not resolve or the nameservers disagree, the
    certificate is not trusted, not valid for the name or expires within O(min_cert_days), or the final
    status is not in O(expect_status).
  - Read-only: a GET changes nothing, so it runs the same in check mode.
  - The value of a C(checksum) query parameter (a signed BBB API call's, as good as the secret for that
    call) is never put in a message: Ansible prints a failed task's message even under no_log.
options:
  url: {type: str, required: true, description: The https URL to ask.}
  nameservers:
    type: list
    elements: str
    default: []
    description: Addresses of the nameservers that resolve every host name (empty = the controller's resolver).
  dns_port: {type: int, default: 53, description: Their port.}
  ca_file: {type: path, description: CA bundle the certificates must chain to (default the controller's trusted CAs).}
  follow: {type: int, default: 5, description: Redirects to follow (0 = report the first answer).}
  expect_status: {type: list, elements: int, default: [200], description: Statuses accepted for the final answer.}
  min_cert_days: {type: int, default: 0, description: Least number of days every certificate seen must stay valid.}
  timeout: {type: float, default: 10, description: Seconds for each connection and answer.}
  body_limit: {type: int, default: 65536, description: Bytes of the final body returned.}
"""

RETURN = r"""
status: {type: int, returned: always, description: Status of the final answer.}
url: {type: str, returned: always, description: The final URL.}
hops: {type: list, returned: always, description: "Each request: {url, address, status, location, certificate}."}
body: {type: str, returned: always, description: The final body (text, up to body_limit bytes).}
json: {type: raw, returned: when the final answer is JSON, description: The parsed body.}
"""

import datetime
import http.client
import json
import re
import socket
import ssl
from urllib.parse import urljoin, urlsplit

from ansible.module_utils.basic import AnsibleModule

try:
    import dns.exception
    import dns.resolver
    HAS_DNS = True
except ImportError:  # pragma: no cover - reported by the module at run time
    HAS_DNS = False

REDIRECTS = {301, 302, 303, 307, 308}
CHECKSUM = re.compile(r"(?<=[?&]checksum=)[^&#]*")


def shown(url):
    """``url`` as a message may name it: a signed call's checksum hidden."""
    return CHECKSUM.sub("(hidden)", url)


class ProbeError(Exception):
    """A check that failed, with the reason an operator can act on."""


def nameserver_address(server):
    """A nameserver given by name (bbbmig_dns_server may be one) as the address to ask."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in server else socket.AF_INET, server)
        return server
    except OSError:
        pass
    try:
        return socket.getaddrinfo(server, 53, proto=socket.IPPROTO_UDP)[0][4][0]
    except socket.gaierror as err:
        raise ProbeError(f"nameserver {server} does not resolve on the controller: {err}") from err


def resolve(host, nameservers, port=53, timeout=5.0):
    """The sorted addresses of ``host``: from each of ``nameservers`` (all must agree), or the system's."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
        return [host]
    except OSError:
        pass
    if not nameservers:
        try:
            return sorted({info[4][0] for info in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)})
        except socket.gaierror as err:
            raise ProbeError(f"{host} does not resolve on the controller: {err}") from err
    answers = {}
    for server in nameservers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [nameserver_address(server)]
        resolver.port = port
        resolver.lifetime = timeout
        found = set()
        for rdtype in ("A", "AAAA"):
            try:
                found.update(r.to_text() for r in resolver.resolve(host, rdtype))
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except dns.exception.DNSException as err:
                raise ProbeError(f"{host}: nameserver {server} did not answer ({err.__class__.__name__})") from err
        answers[server] = sorted(found)
    distinct = {tuple(v) for v in answers.values()}
    if distinct == {()}:
        raise ProbeError(f"{host} has no address on {', '.join(nameservers)}")
    if len(distinct) > 1:
        told = "; ".join(f"{s} says {' '.join(v) or 'nothing'}" for s, v in answers.items())
        raise ProbeError(f"the nameservers disagree on {host}: {told}")
    return next(iter(distinct))


def certificate_summary(cert, now=None):
    """Names, expiry and days left of a peer certificate as ``ssl.getpeercert()`` gives it."""
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"]
    not_after = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), datetime.timezone.utc)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    issuer = ", ".join(f"{k}={v}" for rdn in cert.get("issuer", ()) for k, v in rdn)
    return {"names": names, "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "days_left": (not_after - now).days, "issuer": issuer}


def get_once(url, address, context, timeout, body_limit):
    """One GET of ``url`` sent to ``address``: (status, headers, body bytes, certificate summary)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise ProbeError(f"{shown(url)} is not an https URL: members' links must stay on TLS")
    host, port = parts.hostname, parts.port or 443
    try:
        raw = socket.create_connection((address, port), timeout=timeout)
    except OSError as err:
        raise ProbeError(f"{host} ({address}:{port}) refuses the connection: {err}") from err
    try:
        sock = context.wrap_socket(raw, server_hostname=host)
    except ssl.SSLCertVerificationError as err:
        raw.close()
        raise ProbeError(f"{host} ({address}) presents a certificate that is not accepted: {err.verify_message}") from err
    except (ssl.SSLError, OSError) as err:
        raw.close()
        raise ProbeError(f"TLS with {host} ({address}) failed: {err}") from err
    cert = certificate_summary(sock.getpeercert())
    conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    conn.sock = sock
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers={"Host": parts.netloc, "User-Agent": "bbbmig-web-probe",
                                           "Accept": "application/json, text/html;q=0.9, */*;q=0.5"})
        answer = conn.getresponse()
        body = answer.read(body_limit)
        return answer.status, dict(answer.getheaders()), body, cert
    except (OSError, http.client.HTTPException) as err:
        raise ProbeError(f"{host} ({address}) did not answer the GET: {err}") from err
    finally:
        conn.close()


def probe(url, nameservers=(), dns_port=53, ca_file=None, follow=5, expect_status=(200,), min_cert_days=0,
          timeout=10.0, body_limit=65536):
    """GET ``url`` as a member's browser would; the result, or ProbeError naming what failed."""
    context = ssl.create_default_context(cafile=ca_file or None)
    hops = []
    current = url
    while True:
        host = urlsplit(current).hostname
        if not host:
            raise ProbeError(f"{shown(current)!r} has no host name")
        address = resolve(host, list(nameservers), dns_port, timeout)[0]
        status, headers, body, cert = get_once(current, address, context, timeout, body_limit)
        location = headers.get("Location") or headers.get("location")
        hops.append({"url": current, "address": address, "status": status, "location": location,
                     "certificate": cert})
        if cert["days_left"] < min_cert_days:
            raise ProbeError(f"the certificate of {host} expires on {cert['not_after']}, "
                             f"in {cert['days_left']} days (at least {min_cert_days} wanted)")
        if status in REDIRECTS and location and len(hops) <= follow:
            current = urljoin(current, location)
            continue
        break
    result = {"status": status, "url": current, "hops": hops, "body": body.decode("utf-8", "replace")}
    if "json" in (headers.get("Content-Type") or headers.get("content-type") or ""):
        try:
            result["json"] = json.loads(result["body"])
        except ValueError:
            pass
    if status not in expect_status:
        route = " -> ".join(f"{shown(h['url'])} ({h['status']})" for h in hops)
        raise ProbeError(f"{shown(url)} ends with status {status}, not {' or '.join(map(str, expect_status))}: {route}")
    return result


def main():
    module = AnsibleModule(
        argument_spec={
            "url": {"type": "str", "required": True},
            "nameservers": {"type": "list", "elements": "str", "default": []},
            "dns_port": {"type": "int", "default": 53},
            "ca_file": {"type": "path"},
            "follow": {"type": "int", "default": 5},
            "expect_status": {"type": "list", "elements": "int", "default": [200]},
            "min_cert_days": {"type": "int", "default": 0},
            "timeout": {"type": "float", "default": 10},
            "body_limit": {"type": "int", "default": 65536},
        },
        supports_check_mode=True,
    )
    if module.params["nameservers"] and not HAS_DNS:
        module.fail_json(msg="web_probe needs dnspython on the controller to ask chosen nameservers")
    params = dict(module.params)
    try:
        result = probe(**params)
    except ProbeError as err:
        module.fail_json(msg=str(err), url=params["url"])
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
