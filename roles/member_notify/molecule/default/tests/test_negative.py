"""Bad inputs fail before any message, naming the input (each run has a fresh
ledger, so a run that did not stop would mail everyone); the dry run and
--check send none and write one .eml per eligible member."""
from email import policy
from email.parser import BytesParser
from functools import partial

import pytest
from bbbmig_testing import side_by_side
from conftest import ELIGIBLE, LAB, counts, run_role

CASES = {
    "bad sender": ({"member_notify_sender": "New Coop Platform <platform-at-newcoop>"}, "member_notify_sender"),
    "wrong SMTP password": ({"member_notify_smtp_password": "not-the-password"},
                            "member_notify_smtp_username/member_notify_smtp_password: the relay"),
    "no template for the default language": ({"member_notify_default_language": "fr"},
                                             "has no fr.txt.j2 and no fr.html.j2 for the default language"),
    "link template without a URL": ({"member_notify_room_link": "{host}/rooms/{friendly_id}"},
                                     "member_notify_room_link '{host}/rooms/{friendly_id}' does not produce a room URL"),
}


@pytest.fixture(scope="module")
def bad_runs(tmp_path_factory):
    before = counts()
    jobs = {}
    for name, (overrides, _) in CASES.items():
        tmp = tmp_path_factory.mktemp(name.replace(" ", "-"))
        jobs[name] = partial(run_role, tmp, tmp / "record", (), **overrides)
    results = side_by_side(jobs)
    return before, results, counts()


@pytest.mark.parametrize("case", CASES)
def test_bad_input_fails_before_any_message(bad_runs, case):
    before, results, after = bad_runs
    output = results[case].stdout + results[case].stderr
    assert results[case].returncode != 0, output
    assert CASES[case][1] in output, output
    assert LAB["lab_smtp_password"] not in output and "not-the-password" not in output
    assert after == before, "a message was sent"


@pytest.mark.parametrize("mode", ["dry_run", "check"])
def test_dry_run_sends_none_and_writes_one_eml_each(tmp_path, mode):
    before = counts()
    record = tmp_path / "record"
    if mode == "check":
        result = run_role(tmp_path, record, ["--check"])
    else:
        result = run_role(tmp_path, record, member_notify_dry_run=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert counts() == before
    emls = sorted((record / "50-notify-dry-run").glob("*.eml"))
    recipients = set()
    for path in emls:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert message.get_content_type() == "multipart/alternative"
        recipients.add(message["To"].addresses[0].addr_spec.split("@")[0])
    assert len(emls) == len(ELIGIBLE) and recipients == ELIGIBLE
    assert not (record / "50-notify.ledger.jsonl").exists()
