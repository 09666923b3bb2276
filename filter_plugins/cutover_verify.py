"""What the cutover's verification from outside asks, and what its answers mean.

The role (roles/cutover_verify) sends the requests with the web_probe module from
the controller; these filters only decide which URLs to ask and read the answers.
"""

from urllib.parse import urlsplit


def cutover_bbb_nodes(hosts, hostvars):
    """The new BBB nodes to ask: ``[{name, hostname, secret, recordings}]`` from each host's
    bbbmig_public_hostname, bbbmig_bbb_secret and the count recordings_sync copied there
    (``None`` when this run did not copy)."""
    nodes = []
    for host in hosts or []:
        facts = hostvars.get(host, {})
        copied = (facts.get("recordings_sync_result") or {}).get("recordings")
        nodes.append({"name": host, "hostname": facts.get("bbbmig_public_hostname") or host,
                      "secret": facts.get("bbbmig_bbb_secret") or "",
                      "recordings": None if copied in (None, "") else int(copied)})
    return nodes


def cutover_public_probes(hostname_map, greenlight, rooms):
    """The unsigned requests, each ``{check, url, expect_host, json_friendly_id}``:

    - the new Greenlight's health check;
    - every old name, arriving on its new host (an old Greenlight name at the new
      Greenlight's health check, an old BBB-only name at the new BBB's API);
    - every sample room's old link ``/b/<id>`` on the first old Greenlight name, arriving at
      ``/rooms/<id>/join``, and the room itself through Greenlight's public room API.
    """
    probes = []
    if greenlight:
        probes.append({"check": "greenlight healthy", "url": f"https://{greenlight}/health_check",
                       "expect_host": greenlight})
    old_greenlight = None
    for old, new in sorted((hostname_map or {}).items()):
        new = new or {}
        if new.get("greenlight"):
            old_greenlight = old_greenlight or old
            probes.append({"check": "old name reaches the new platform", "url": f"https://{old}/health_check",
                           "expect_host": new["greenlight"]})
        elif new.get("bbb"):
            probes.append({"check": "old name reaches the new platform", "url": f"https://{old}/bigbluebutton/api",
                           "expect_host": new["bbb"]})
    for room in rooms or []:
        if old_greenlight:
            probes.append({"check": "old room link leads to the room", "url": f"https://{old_greenlight}/b/{room}",
                           "expect_host": greenlight, "expect_path": f"/rooms/{room}/join"})
        if greenlight:
            probes.append({"check": "room exists on the new Greenlight",
                           "url": f"https://{greenlight}/api/v1/rooms/{room}/public.json",
                           "expect_host": greenlight, "json_friendly_id": room})
    return probes


def _public_finding(probe, answer):
    if answer.get("failed"):
        return answer.get("msg") or "no answer"
    final = urlsplit(answer.get("url", ""))
    if probe.get("expect_host") and final.hostname != probe["expect_host"]:
        return f"ends on {final.hostname}, not {probe['expect_host']}"
    if probe.get("expect_path") and final.path != probe["expect_path"]:
        return f"ends at {final.path}, not {probe['expect_path']}"
    if probe.get("json_friendly_id"):
        data = (answer.get("json") or {}).get("data") or {}
        if data.get("friendly_id") != probe["json_friendly_id"]:
            return f"answers no room {probe['json_friendly_id']}"
    return ""


def _bbb_finding(node, answer, parsed):
    if answer.get("failed"):
        return answer.get("msg") or "no answer", None
    if parsed.get("error"):
        return parsed["error"], None
    recordings = parsed["recordings"]
    off_host = sorted({urlsplit(u).hostname for r in recordings for u in r["playback"]} - {node["hostname"]})
    if off_host:
        return f"lists playback links on {', '.join(off_host)}, not only on {node['hostname']}", len(recordings)
    if node["recordings"] is not None and len(recordings) != node["recordings"]:
        return (f"lists {len(recordings)} recordings where {node['recordings']} were migrated to it",
                len(recordings))
    return "", len(recordings)


def cutover_findings(probes, answers, nodes, bbb_answers, bbb_parsed):
    """Every check with its outcome: ``{passed, checks: [{check, target, ok, detail}], failed: [...]}``.

    ``bbb_parsed`` holds each node's answer as bbb_recordings_answer read it."""
    checks = []
    for node, answer, parsed in zip(nodes, bbb_answers, bbb_parsed):
        problem, count = _bbb_finding(node, answer, parsed)
        checks.append({"check": "new BBB answers with its secret and lists the migrated recordings",
                       "target": f"https://{node['hostname']}/bigbluebutton/api", "ok": not problem,
                       "detail": problem or f"{count} recordings, playback on {node['hostname']}"})
    for probe, answer in zip(probes, answers):
        problem = _public_finding(probe, answer)
        checks.append({"check": probe["check"], "target": probe["url"], "ok": not problem,
                       "detail": problem or f"{answer.get('status')} from {answer.get('url')}"})
    failed = [f"{c['check']}: {c['target']} {c['detail']}" for c in checks if not c["ok"]]
    return {"passed": not failed and bool(checks), "checks": checks, "failed": failed}


class FilterModule:
    def filters(self):
        return {"cutover_bbb_nodes": cutover_bbb_nodes, "cutover_public_probes": cutover_public_probes,
                "cutover_findings": cutover_findings}
