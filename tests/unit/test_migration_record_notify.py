"""The report's 50-notify counts (filter_plugins/migration_record.py): sent, skipped because
opted out, ineligible by reason, failed (refused by the relay or sent-unknown)."""
from migration_record import record_sections, record_summary

CUTOVER = {"result": "ok", "started": "2026-01-10T20:00:00Z", "finished": "2026-01-10T20:30:00Z", "data": {}}


def notify_entry(**data):
    base = {"told": 0, "already_told": 0, "opted_out": 0, "skipped": {}, "sent_unknown": 0, "refused_by_relay": 0}
    return {"result": "ok", "started": "2026-01-10T21:00:00Z", "finished": "2026-01-10T21:05:00Z",
            "data": dict(base, **data)}


def test_not_run_yet_has_no_counts():
    summary = record_summary({"40-cutover": CUTOVER})
    assert summary["notify"]["sent"] is None and summary["notify"]["text"] == "not run yet"
    assert "members_told" not in summary["figures"]


def test_the_counts_of_a_first_run():
    phases = {"40-cutover": CUTOVER, "50-notify": notify_entry(
        told=150, opted_out=1, skipped={"no_email": 2, "banned": 1, "pending": 3}, refused_by_relay=2, sent_unknown=1)}
    summary = record_summary(phases)
    notify = summary["notify"]
    assert (notify["sent"], notify["opted_out"], notify["ineligible"], notify["failed"]) == (150, 1, 6, 3)
    assert notify["ineligible_reasons"] == [("banned", 1), ("no_email", 2), ("pending", 3)]
    figures = summary["figures"]
    assert (figures["members_told"], figures["members_opted_out"], figures["members_ineligible"],
            figures["members_not_told_failed"]) == (150, 1, 6, 3)
    assert notify["text"] == ("150 sent (150 in the last run, 0 before), 1 skipped (opted out), 6 ineligible "
                              "(1 banned, 2 no email, 3 pending), 3 failed (2 refused by the relay, 1 sent-unknown)")
    needs = " ".join(summary["needs_human"])
    assert "2 members' messages were refused by the relay" in needs
    assert "1 members' messages are sent-unknown" in needs


def test_a_second_run_counts_those_told_before_as_sent_and_needs_no_human():
    summary = record_summary({"40-cutover": CUTOVER, "50-notify": notify_entry(already_told=150, opted_out=1)})
    assert summary["notify"]["sent"] == 150 and summary["notify"]["told"] == 0
    assert not any("50-notify" in n or "relay" in n for n in summary["needs_human"])


def test_the_phase_section_lists_each_count():
    phases = {"40-cutover": CUTOVER, "50-notify": notify_entry(told=4, already_told=1, opted_out=2,
                                                                 skipped={"bad_email": 1}, refused_by_relay=1)}
    section = next(s for s in record_sections(phases) if s["phase"] == "50-notify")
    rows = dict(section["rows"])
    assert rows["Members told"] == "5 (4 in the last run, 1 told by an earlier run)"
    assert rows["Skipped, opted out"] == "2"
    assert rows["Ineligible"] == "1 (1 bad email)"
    assert rows["Failed"].startswith("1 (1 refused by the relay")


def test_a_started_but_unfinished_run_is_shown_as_running():
    phases = {"40-cutover": CUTOVER, "50-notify": {"result": None, "started": "2026-01-10T21:00:00Z", "runs": 1}}
    summary = record_summary(phases)
    assert summary["notify"]["sent"] is None and summary["notify"]["text"] != "not run yet"
