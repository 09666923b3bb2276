"""The lab platform after playbooks/site.yml, checked from outside."""
import json
import os
from pathlib import Path

import pytest

RECORD = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "records"
testinfra_hosts = ["lab-ns1"]


def phase(name):
    return json.loads((RECORD / f"{name}.json").read_text())


def test_preflight_discovered_the_old_platform():
    entry = phase("00-preflight")
    assert entry["result"] == "ok"
    old = entry["data"]["source_bbb"]["lab-old-bbb"]
    assert old["bbb_version"] == "1:2.7-20"
    # inventories/lab: 30 recordings, one of them still processing (raw only)
    assert old["recordings"] == 30 and len(old["processing"]) == 1
    assert entry["data"]["source_greenlight"]["lab-old-gl"]["generation"] == "v2"


def test_report_covers_every_phase():
    report = (RECORD / "report.md").read_text()
    assert "| 00-preflight | ok |" in report
    assert (RECORD / "report.html").exists()


@pytest.mark.parametrize("server", ["lab-ns1", "lab-ns2"])
def test_both_nameservers_answer_for_both_zones(host, server):
    for name in ("bbb.coop.test", "bbb.newcoop.test"):
        out = host.check_output(f"dig +short +norec @{server} {name} A")
        assert out.strip(), f"{server} has no A record for {name}"
