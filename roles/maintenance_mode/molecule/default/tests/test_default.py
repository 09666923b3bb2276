"""A frozen old BBB node: new meetings refused at its nginx with BBB's own
form of refusal, the meeting running at the freeze ended (policy `end`), other
calls still answered; a meeting still running stops a `fail` freeze with its
name; the unfreeze restores nginx's configuration exactly, or names what
changed meanwhile; bad inputs and --check change nothing (those runs side by side)."""
import hashlib
import json
from functools import partial
from pathlib import Path

import pytest
import yaml
from bbbmig_testing import assert_refused, container_sh, playbook_env, run_playbook, side_by_side

ROLE_DIR = Path(__file__).resolve().parents[3]
NODE = "maintenance_mode-node"
SCENARIO = yaml.safe_load((ROLE_DIR / "molecule/default/molecule.yml").read_text())["provisioner"]["inventory"]
SECRET = SCENARIO["host_vars"][NODE]["bbbmig_bbb_secret"]
FREEZE_FILE = "/etc/bigbluebutton/nginx/bbbmig-maintenance.nginx"
STATE_FILE = "/var/lib/bbbmig/maintenance-mode.json"
CONFIG = ("find /etc/nginx /etc/bigbluebutton/nginx \\( -type f -o -type l \\) -print0 "
          "| sort -z | xargs -0 sha256sum")


def api(call, query="", port=8090):
    """An API call on the node, signed with its secret: to bbb-web itself, or through nginx (port 80)."""
    checksum = hashlib.sha1(f"{call}{query}{SECRET}".encode()).hexdigest()
    base = "http://127.0.0.1:8090" if port == 8090 else "http://127.0.0.1"
    url = f"{base}/bigbluebutton/api/{call}?{query}{'&' if query else ''}checksum={checksum}"
    return container_sh(NODE, f"curl -sS '{url}'")


def run(tmp_path, check=False, **overrides):
    """converge.yml on the node alone with ``overrides``."""
    Path(tmp_path).mkdir(parents=True, exist_ok=True)
    hostvars = dict(SCENARIO["host_vars"][NODE])
    hostvars.pop("bbbmig_verify_facts")
    hostvars.update(ansible_connection="community.docker.docker", ansible_python_interpreter="/usr/bin/python3")
    hostvars.update(overrides)
    inventory = {"all": {"children": {"source_bbb": {"hosts": {NODE: hostvars}}}}}
    return run_playbook(tmp_path, inventory, ROLE_DIR / "molecule/default/converge.yml",
                        ["--check"] if check else [], env=playbook_env(), timeout=300)


def test_new_meetings_are_refused_the_way_bbb_refuses_a_call():
    answer = api("create", "meetingID=after-freeze&name=Too+late", port=80)
    assert "<returncode>FAILED</returncode>" in answer and "<messageKey>maintenance</messageKey>" in answer
    assert "moving to its new home" in answer
    assert "<meetingID>after-freeze</meetingID>" not in api("getMeetings")


def test_the_meeting_running_at_the_freeze_was_ended_and_other_calls_still_work():
    assert "before-freeze" not in api("getMeetings")
    assert "<returncode>SUCCESS</returncode>" in api("getMeetings", port=80)


def test_a_meeting_still_running_stops_a_fail_freeze_naming_it(tmp_path):
    assert "SUCCESS" in api("create", "meetingID=late-lecture&name=Late+lecture")  # behind the freeze
    try:
        result = run(tmp_path, maintenance_mode_when_meetings_remain="fail", maintenance_mode_wait_seconds=2)
        output = assert_refused(result, "1 meeting(s) still running")
        assert "after 2 s" in output and "Late lecture" in output and "late-lecture" in output
        assert SECRET not in output
        assert container_sh(NODE, f"test -f {FREEZE_FILE} && echo frozen").strip() == "frozen"
    finally:
        api("end", "meetingID=late-lecture")


def test_the_unfreeze_restores_nginxs_configuration_exactly(tmp_path):
    before = json.loads(container_sh(NODE, f"cat {STATE_FILE}"))["config"]
    result = run(tmp_path, maintenance_mode_action="unfreeze")
    assert result.returncode == 0, result.stdout + result.stderr
    now = dict(reversed(line.split("  ", 1)) for line in container_sh(NODE, CONFIG, shell="bash").splitlines())
    assert now == before
    assert container_sh(NODE, f"ls {FREEZE_FILE} {STATE_FILE} 2>&1 || true").count("No such file") == 2
    assert "<returncode>SUCCESS</returncode>" in api("create", "meetingID=after-move&name=Welcome+back", port=80)
    api("end", "meetingID=after-move")


def test_an_unfreeze_names_what_changed_while_frozen(tmp_path):
    assert run(tmp_path / "freeze").returncode == 0
    container_sh(NODE, "echo '# added while frozen' > /etc/nginx/conf.d/added-while-frozen.conf")
    try:
        result = run(tmp_path / "unfreeze", maintenance_mode_action="unfreeze")
        output = result.stdout + result.stderr
        assert result.returncode != 0 and "/etc/nginx/conf.d/added-while-frozen.conf" in output, output
        assert "new meetings are allowed again" in output
    finally:
        container_sh(NODE, "rm -f /etc/nginx/conf.d/added-while-frozen.conf")
    assert run(tmp_path / "again", maintenance_mode_action="unfreeze").returncode == 0


BAD_INPUTS = {
    "unknown action": ({"maintenance_mode_action": "thaw"}, "maintenance_mode_action"),
    "wrong secret": ({"bbbmig_bbb_secret": "Wr0ngSecretWr0ngSecretWr0ngSecret00"}, "checksumError"),
    "no secret": ({"bbbmig_bbb_secret": ""}, "maintenance_mode_secret is empty"),
    "API not on the node": ({"maintenance_mode_api_url": "https://bbb.coop.test/"},
                            "must be the API of the node itself"),
    "API at the public name": ({"maintenance_mode_api_url": "https://bbb.coop.test/bigbluebutton/api"},
                               "names the public name bbb.coop.test"),
    "no pause between looks": ({"maintenance_mode_poll_seconds": 0}, "maintenance_mode_poll_seconds must be 1 or more"),
}
CHECK = "freeze --check"


@pytest.fixture(scope="module")
def unchanging_runs(tmp_path_factory):
    """The runs that must change nothing, side by side: a freeze under --check and every bad input.
    Returns (nginx's configuration before them all, {case: result}, after them all)."""
    jobs = {case: partial(run, tmp_path_factory.mktemp("bad"), **overrides)
            for case, (overrides, _) in BAD_INPUTS.items()}
    jobs[CHECK] = partial(run, tmp_path_factory.mktemp("check"), check=True)
    before = container_sh(NODE, CONFIG, shell="bash")
    return before, side_by_side(jobs, workers=4), container_sh(NODE, CONFIG, shell="bash")


def test_check_mode_shows_the_freeze_and_changes_nothing(unchanging_runs):
    before, results, after = unchanging_runs
    result = results[CHECK]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "changed=" in result.stdout and "changed=0" not in result.stdout
    assert after == before
    assert container_sh(NODE, f"ls {STATE_FILE} 2>&1 || true").count("No such file") == 1


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_changes_nothing(unchanging_runs, case):
    before, results, after = unchanging_runs
    output = assert_refused(results[case], BAD_INPUTS[case][1])
    assert SECRET not in output
    assert after == before
