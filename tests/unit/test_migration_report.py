"""The migration report's figures (record_summary, record_sections) from a lab record and
from records with phases absent, running or rolled back."""
import copy
import json
from pathlib import Path

import pytest
from migration_record import human_bytes, record_sections, record_summary

FIXTURES = Path(__file__).resolve().parents[2] / "roles/migration_record/molecule/default/files/records"


@pytest.fixture
def lab():
    return {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}


def test_human_bytes():
    assert human_bytes(0) == "0 B"
    assert human_bytes(999) == "999 B"
    assert human_bytes(1000) == "1.00 kB"
    assert human_bytes(341897) == "342 kB"
    assert human_bytes(44291034) == "44.3 MB"
    assert human_bytes(1_660_000_000) == "1.66 GB"
    assert human_bytes(999_600_000) == "1.00 GB"
    assert human_bytes(3.2e12) == "3.20 TB"
    assert human_bytes(None) == "" and human_bytes(True) == ""


def test_lab_summary_figures(lab):
    s = record_summary(lab)
    assert s["figures"] == {
        "members_moved": 194, "rooms_moved": 366, "shares_moved": 93, "greenlight_recordings": 23,
        "recordings_moved": 29, "recordings_size": 44291034,
        "left_behind": 6 + 17 + 6 + 1, "left_behind_members": 6, "left_behind_rooms": 17,
        "left_behind_greenlight_recordings": 6, "left_behind_bbb_recordings": 1,
        "cutover_window": 70, "dns_names_switched": 2, "checks_passed": 6, "checks_failed": 0,
        "hosts_decommissioned": 0, "needs_human": 3,
    }
    assert s["moved"]["recordings_size"] == "44.3 MB"
    assert s["moved"]["members_phase"] == "40-cutover"  # the last member sync counts
    w = s["window"]
    assert (w["start"], w["end"], w["text"]) == ("2026-12-01T19:06:19Z", "2026-12-01T19:07:29Z", "1m10s")
    assert "start of the cutover" in w["basis"] and w["meetings_ended"] == ["Board meeting (lab-old-bbb)"]
    assert [(r["name"], r["before"], r["after"]) for r in s["dns"]["rows"]] == [
        ("bbb.coop.test.", "172.22.0.2 (TTL 300 s)", "172.22.0.5 (TTL 300 s)"),
        ("meet.coop.test.", "172.22.0.3 (TTL 300 s)", "172.22.0.5 (TTL 300 s)")]
    processing = [g for g in s["left_behind"] if g["key"] == "bbb_recordings"][0]["reasons"][0]
    assert processing["entries"] == ["e8775432b109675cd6e35f24a081c73ae2afa291-1600626407000 (on lab-old-bbb)"]
    assert any("26 recordings' raw data on lab-new-bbb" in n for n in s["needs_human"])
    assert s["decommission"] == {"state": "not run yet", "hosts": []}
    assert [p["state"] for p in s["phases"]][-2:] == ["not run yet", "not run yet"]


def test_lab_sections_have_units_and_rates(lab):
    sections = {s["phase"]: dict(s["rows"]) for s in record_sections(lab)}
    presync = sections["20-presync"]
    assert presync["Copy rate to lab-new-bbb"] == "55.7 MB/s, 36.2 recordings/s"
    assert presync["Copied to lab-new-bbb"] == "1214 of 2043 files, 44.3 MB in 0.8 s over 6 streams"
    assert sections["30-members"]["Time"] == "0.44 s streamed and imported, 440 members/s"
    assert sections["00-preflight"]["Recordings on lab-old-bbb"].startswith("30 recordings, 45.1 MB in 1003 files")
    assert sections["40-cutover"]["Cutover window"].startswith("1m10s (2026-12-01T19:06:19Z to")
    assert sections["60-decommission"] == {}


def test_timeline_bars_fit_the_axis_and_the_window_is_drawn(lab):
    t = record_summary(lab)["timeline"]
    bars = [r["bar"] for r in t["rows"] if r["bar"]]
    assert len(bars) == 6 and all(t["left"] <= b["x"] and b["x"] + b["w"] <= t["right"] + 0.5 for b in bars)
    assert t["rows"][-1]["cls"] == "window" and t["band"]["x"] == t["rows"][-1]["bar"]["x"]
    assert [r["bar"] for r in t["rows"] if r["label"] == "60-decommission"] == [None]


def test_absent_phases_are_not_run_yet():
    for record in ({}, None, {"00-preflight": {"phase": "00-preflight", "result": "ok", "started": "2026-12-01T10:00:00Z",
                                              "finished": "2026-12-01T10:00:05Z", "data": {"recordings": 3}}}):
        s = record_summary(record)
        assert s["moved"]["members"] is None and s["moved"]["recordings"] is None and s["moved"]["recordings_size"] == ""
        assert s["window"]["text"] == "not run yet" and s["window"]["seconds"] is None
        assert s["dns"]["rows"] == [] and s["verification"] == [] and s["needs_human"] == []
        assert s["decommission"]["state"] == "not run yet"
        assert s["figures"]["left_behind"] == 0
        sections = record_sections(record)
        assert [x["state"] for x in sections][1:] == ["not run yet"] * 6
    # data the report has no words for is still shown, readably
    assert dict(record_sections(record)[0]["rows"]) == {"recordings": "3"}


def test_unknown_phases_and_data_are_shown_generically(lab):
    lab["50-notify"] = {"phase": "50-notify", "result": "ok", "data": {"mails": {"sent": 194, "bytes": 2_500_000},
                                                                       "seconds": 75}}
    lab["70-extra"] = {"phase": "70-extra", "result": "ok", "data": {"what_ever": [1, 2]}}
    sections = {s["phase"]: dict(s["rows"]) for s in record_sections(lab)}
    assert sections["50-notify"] == {"mails › bytes": "2.50 MB", "mails › sent": "194", "seconds": "1m15s"}
    assert sections["70-extra"] == {"what ever": "1, 2"}
    assert record_summary(lab)["phases"][-1]["phase"] == "70-extra"


def test_decommission_when_recorded(lab):
    lab["60-decommission"] = {"phase": "60-decommission", "result": "ok", "data": {"hosts": {
        "lab-old-bbb": {"archive": {"bytes": 52_000_000}, "data_removal": "discard"}}}}
    s = record_summary(lab)
    assert s["figures"]["hosts_decommissioned"] == 1
    assert s["decommission"]["hosts"] == [{"host": "lab-old-bbb", "facts": [("data removal", "discard"),
                                                                             ("archive › bytes", "52.0 MB")]}]
    lab["60-decommission"]["data"]["hosts"]["lab-old-gl"] = {}  # not reached (serial: 1)
    assert len(record_summary(lab)["decommission"]["hosts"]) == 1


def test_a_rolled_back_cutover(lab):
    cut = lab["40-cutover"]
    cut["result"] = "rolled_back"
    cut["finished"] = "2026-12-01T19:09:00Z"
    cut["data"]["cause"] = "the new BBB API did not answer"
    cut["data"]["rollback"] = {"stage": "rollback", "verified": True, "verified_on": ["ns1.coop.test."],
                               "not_verified": [],
                               "changes": ["set bbb.coop.test. A 172.22.0.2 ttl 300 (was 172.22.0.5 ttl 300)",
                                           "set meet.coop.test. A 172.22.0.3 ttl 300 (was 172.22.0.5 ttl 300)"]}
    s = record_summary(lab)
    assert s["window"]["state"] == "rolled_back" and s["window"]["seconds"] == 161
    assert "rollback" in s["window"]["basis"]
    assert s["dns"]["state"] == "rolled back"
    assert all(r["before"] == r["after"] and not r["changed"] for r in s["dns"]["rows"])
    assert s["figures"]["dns_names_switched"] == 0
    assert ("40-cutover (The cutover) was rolled back: the new BBB API did not answer. "
            "Repair the cause and run it again.") in s["needs_human"]
    assert dict(record_sections(lab)[4]["rows"])["Cause"] == "the new BBB API did not answer"


def test_the_window_runs_from_the_freeze_to_the_verified_switch_when_recorded(lab):
    data = lab["40-cutover"]["data"]
    data["freeze"]["lab-old-bbb"]["frozen_at"] = "2026-12-01T19:06:25Z"
    data["freeze"]["lab-old-bbb-2"] = {"node": "lab-old-bbb-2", "frozen_at": "2026-12-01T19:06:22+00:00Z"}
    data["dns"]["verified_at"] = "2026-12-01T19:07:15Z"
    w = record_summary(lab)["window"]
    assert (w["start"], w["end"], w["seconds"]) == ("2026-12-01T19:06:22Z", "2026-12-01T19:07:15Z", 53)
    assert w["basis"] == "from the freeze of the old nodes to the DNS switch verified on every nameserver"


def test_failed_verification_running_phase_and_failed_streams_need_a_human(lab):
    lab = copy.deepcopy(lab)
    lab["40-cutover"].update(result="running", finished=None)
    lab["20-presync"]["data"]["targets"]["lab-new-bbb"]["verified"] = False
    lab["20-presync"]["data"]["targets"]["lab-new-bbb"]["copy"]["failed_streams"] = ["lab-old-bbb-3"]
    s = record_summary(lab)
    assert s["window"]["text"] == "under way (not finished)" and s["window"]["seconds"] is None
    assert s["figures"]["checks_failed"] == 1
    needs = " ".join(s["needs_human"])
    assert "40-cutover (The cutover) started 2026-12-01T19:06:19Z and did not finish" in needs
    assert "Verification failed: Recordings on lab-new-bbb verified" in needs
    assert "Recording copy streams failed on lab-new-bbb: lab-old-bbb-3." in needs


def test_the_window_is_taken_from_the_cutovers_own_clock_when_it_kept_one(lab):
    data = lab["40-cutover"]["data"]
    data["marks"] = {"freeze_started": "2026-12-01T19:06:20.250000Z", "frozen": "2026-12-01T19:06:31.000000Z",
                     "verified": "2026-12-01T19:07:02.750000Z"}
    data["freeze"]["lab-old-bbb"]["frozen_at"] = "2026-12-01T19:06:10Z"  # the marks win over per-host times
    w = record_summary(lab)["window"]
    assert (w["start"], w["end"], w["seconds"]) == ("2026-12-01T19:06:20Z", "2026-12-01T19:07:02Z", 42)
    assert w["basis"].endswith("to the switch verified from outside (DNS on every nameserver, the new platform)")


def test_a_rolled_back_cutover_names_the_step_that_failed(lab):
    cut = lab["40-cutover"]
    cut["result"], cut["finished"] = "rolled_back", "2026-12-01T19:09:00Z"
    cut["data"]["failure"] = {"step": "check from outside", "host": "localhost", "after_switch": True,
                              "cause": "new BBB answers with its secret: no answer"}
    sections = record_sections(lab)
    assert dict(sections[4]["rows"])["Cause"] == \
        "check from outside failed on localhost: new BBB answers with its secret: no answer"
