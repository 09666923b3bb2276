"""tests/greenlight/generate.py: deterministic, and every edge case is in every dataset."""
import importlib.util
import json
from pathlib import Path

import bcrypt

PATH = Path(__file__).resolve().parents[1] / "greenlight" / "generate.py"
spec = importlib.util.spec_from_file_location("greenlight_generate", PATH)
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


def build(users=60, seed=4):
    data = generate.Dataset(users, seed)
    data.build()
    return data


def test_same_arguments_same_bytes_other_seed_other_data():
    assert build().sql() == build().sql()
    assert build().sql() != build(seed=5).sql()


def test_the_edge_cases_are_there():
    data = build()
    users = {u[0]: u for u in data.users}
    providers = {u[1] for u in data.users}
    assert providers == {"greenlight", "openid_connect"}
    assert all(u[4] for u in data.users if u[1] == "openid_connect")  # external ids
    assert users[2][3].lower() == users[6][3].lower() and users[2][1] != users[6][1]  # one email, two providers
    assert any("+" in (u[3] or "") and u[3] != u[3].lower() for u in data.users)
    assert users[9][3] is None
    assert {u[9] for u in data.users} >= {1, 2, 3, 4, 5, 6, 7}  # every role, custom ones included
    assert any(u[8] for u in data.users)  # deleted
    assert bcrypt.checkpw(b"password-1", users[1][5].encode())
    assert len({u[5] for u in data.users if u[5]}) == len([u for u in data.users if u[5]])  # unique digests
    uids = [r[3] for r in data.rooms]
    assert len(set(uids)) == len(uids)
    assert {len(u.split("-")) for u in uids} == {3, 4}
    combos = {tuple(sorted(json.loads(r[6]).items())) for r in data.rooms if r[6] != "{ }"}
    assert len(combos) == 32  # every combination of the five room settings
    assert any(r[7] for r in data.rooms) and any(r[8] for r in data.rooms)  # access codes
    assert any(r[9] for r in data.rooms)  # deleted rooms
    assert len(data.shares) != len(set(data.shares))  # a duplicate share, as v2 allows


def test_sizes_scale_with_users():
    data = build(users=1000)
    assert 1500 <= len(data.rooms) <= 1900
    assert 400 <= len(data.shares) <= 520
