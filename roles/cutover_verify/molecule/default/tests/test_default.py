"""converge.yml's run: every check passed, each on the name and path it should have."""
import json
import os
from pathlib import Path

import pytest

RESULT = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "result.json"
EXPECTED = [
    ("new BBB answers with its secret and lists the migrated recordings", "https://bbb.verify.test/bigbluebutton/api",
     "2 recordings, playback on bbb.verify.test"),
    ("greenlight healthy", "https://meet.verify.test/health_check", "200 from https://meet.verify.test/health_check"),
    ("old name reaches the new platform", "https://bbbold.verify.test/bigbluebutton/api",
     "200 from https://bbb.verify.test/bigbluebutton/api"),
    ("old name reaches the new platform", "https://old.verify.test/health_check",
     "200 from https://meet.verify.test/health_check"),
    ("old room link leads to the room", "https://old.verify.test/b/abc-def-ghi",
     "200 from https://meet.verify.test/rooms/abc-def-ghi/join"),
    ("room exists on the new Greenlight", "https://meet.verify.test/api/v1/rooms/abc-def-ghi/public.json",
     "200 from https://meet.verify.test/api/v1/rooms/abc-def-ghi/public.json"),
]


@pytest.fixture(scope="module")
def result():
    return json.loads(RESULT.read_text())


def test_every_check_passed(result):
    assert result["passed"] is True and result["failed"] == []
    assert all(check["ok"] for check in result["checks"]), result["checks"]


def test_each_check_ends_where_it_should(result):
    assert [(c["check"], c["target"], c["detail"]) for c in result["checks"]] == EXPECTED
